"""The access log: every read of personal data, who read it, in which role, why and on which basis.

Each read is one ``personal_data.read`` entry of the hash-chained ledger (so the log has the
ledger's integrity), keyed by the person's internal id. The entry holds no personal data about the
person read (ledger entries can never be erased): the reader's ``role:subject``, their fund, the
sections read, the purpose, the legal basis, the mandate used and the request id.

A person reads their own log at ``GET /api/v1/me/access-log`` (GDPR art. 15(1)(c): the recipients
to whom the data have been disclosed), like the National Register's "who consulted my data".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from statut.access.enforce import require
from statut.access.identity import Actor, Section
from statut.access.policy import Action, Decision, decide_own
from statut.store.unit_of_work import UnitOfWork

READ_ACTION = "personal_data.read"
DEFAULT_PURPOSES = {
    "citizen": "consultation of one's own data",
    "fund_agent": "management of the member's file by their fund",
    "fund_system": "automated processing by the member's fund",
    "institution_agent": "INASTI task",
}


@dataclass(frozen=True, slots=True)
class AccessRecord:
    seq: int
    at: datetime
    reader: str
    role: str
    fund_code: str | None
    sections: tuple[str, ...]
    purpose: str
    legal_basis: str
    mandate_ids: tuple[str, ...]
    request_id: str | None


def record_read(
    uow: UnitOfWork,
    actor: Actor,
    person_id: int,
    sections: Iterable[Section | str],
    decision: Decision,
    *,
    what: str,
    purpose: str | None = None,
    request_id: str | None = None,
) -> None:
    """Append one read of ``person_id``'s data to the ledger (committed with the request)."""
    uow.ledger.append(
        actor=actor.key,
        action=READ_ACTION,
        entity_type="person",
        entity_key=person_id,
        reason=(purpose or DEFAULT_PURPOSES.get(actor.role.value, "consultation")).strip(),
        payload={
            "what": what,
            "role": actor.role.value,
            "fund": actor.fund_code,
            "sections": sorted(str(section) for section in sections),
            "legal_basis": decision.legal_basis,
            "policy_reason": decision.reason,
            "mandates": list(decision.mandate_ids),
            "request_id": request_id,
        },
    )


def my_access_log(uow: UnitOfWork, actor: Actor, *, before_seq: int | None, limit: int) -> list[AccessRecord]:
    """Who read the caller's data, newest first."""
    require(decide_own(actor, Action.READ_OWN_ACCESS_LOG))
    assert actor.national_number is not None
    person_id = uow.persons.find_id(actor.national_number)
    if person_id is None:
        return []
    records = []
    for entry in uow.access_log.for_person(person_id, before_seq=before_seq, limit=limit):
        details = entry.details
        role, _, subject = entry.actor.partition(":")
        records.append(
            AccessRecord(
                seq=entry.seq,
                at=entry.recorded_at,
                reader=subject,
                role=str(details.get("role", role)),
                fund_code=details.get("fund"),
                sections=tuple(details.get("sections", ())),
                purpose=entry.purpose,
                legal_basis=str(details.get("legal_basis", "")),
                mandate_ids=tuple(details.get("mandates", ())),
                request_id=details.get("request_id"),
            )
        )
    return records
