"""What the portal shows a person about themselves beyond the dossier, under the same policy.

- the decisions and proposals made on their rights (statut.services.decisions), with the
  explanation in their language, and the answer to a maternity-aid proposal, which only the mother
  herself gives (policy: :data:`~statut.access.policy.Action.ANSWER_OWN_PROPOSAL`; a mandate lets
  someone read, never answer in the person's name);
- the people who gave the caller a mandate, and the person a mandate names (for the pages a
  mandatary opens for them: the dossier itself is then decided by the policy, mandate in force and
  scope included, exactly as for ``GET /api/v1/persons/{number}/dossier``);
- the contact data of a fund, the person's first point of contact.

Reads of decisions are personal data: they are logged like a dossier read (what="decisions").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from statut.access.enforce import require
from statut.access.identity import Actor, Section
from statut.access.policy import Action, decide_dossier, decide_own
from statut.domain.errors import NotFound
from statut.domain.identifiers import parse_person_number
from statut.services.access_log import record_read
from statut.services.decisions import confirm_maternity_aid
from statut.services.dossier import dossier_subject
from statut.services.mandates import MandateView, describe, mandates_received, read_mandate
from statut.store.unit_of_work import UnitOfWork

MAX_REPRESENTED = 500
DECISION_NOT_FOUND = "decision not found"


@dataclass(frozen=True, slots=True)
class DecisionView:
    decision_id: int
    kind: str
    status: str
    outcome: str
    reasons: tuple[str, ...]
    details: dict[str, object]
    explanation: tuple[str, ...]
    decided_at: datetime | None
    fund_code: str | None
    answerable: bool  # a proposal the person may confirm or decline now


@dataclass(frozen=True, slots=True)
class FundContact:
    code: str
    name: str
    email: str
    phone: str
    website: str
    languages: tuple[str, ...]


def decisions_about(
    uow: UnitOfWork, actor: Actor, national_number: str, *, lang: str, request_id: str | None = None
) -> list[DecisionView] | None:
    """Decisions on the rights of ``national_number`` as ``actor`` may see them (the ``rights``
    section of the dossier); None when the caller's access does not include that section."""
    number = parse_person_number(national_number).value
    person_id, subject = dossier_subject(uow, actor, number, uow.clock().date())
    decision = require(decide_dossier(actor, subject))
    assert person_id is not None
    if Section.RIGHTS not in decision.sections:
        return None
    own = decide_own(actor, Action.ANSWER_OWN_PROPOSAL).allowed and actor.national_number == number
    found = [
        DecisionView(
            decision_id=int(d.decision_id or 0),
            kind=d.kind,
            status=d.status,
            outcome=d.outcome,
            reasons=tuple(d.reasons),
            details=dict(d.details),
            explanation=tuple(d.explanation.get(lang) or d.explanation.get("en") or ()),
            decided_at=d.decided_at,
            fund_code=d.fund_code,
            answerable=own and d.kind == "maternity_aid" and d.status == "proposed",
        )
        for d in uow.decisions.for_person(person_id)
    ]
    record_read(uow, actor, person_id, [Section.RIGHTS], decision, what="decisions", request_id=request_id)
    return found


def answer_maternity_proposal(uow: UnitOfWork, actor: Actor, decision_id: int, *, wants_vouchers: bool) -> DecisionView:
    """The mother confirms (or declines) the maternity-aid proposal made to her."""
    require(decide_own(actor, Action.ANSWER_OWN_PROPOSAL))
    assert actor.national_number is not None
    person_id = uow.persons.find_id(actor.national_number)
    found = uow.decisions.get(decision_id) if 0 < decision_id < 2**63 else None
    if person_id is None or found is None or found.person_id != person_id:
        raise NotFound(DECISION_NOT_FOUND, code="statut.not_found.decision")
    answered = confirm_maternity_aid(uow, decision_id, actor=actor.key, wants_vouchers=wants_vouchers)
    return DecisionView(
        decision_id=decision_id,
        kind=answered.kind,
        status=answered.status,
        outcome=answered.outcome,
        reasons=tuple(answered.reasons),
        details=dict(answered.details),
        explanation=(),
        decided_at=answered.decided_at,
        fund_code=answered.fund_code,
        answerable=False,
    )


def registered(uow: UnitOfWork, actor: Actor) -> bool:
    """Whether the caller (a citizen) has a dossier of their own in the register. An accountant or a
    family member who only acts for others has none: the portal then says so instead of "not found"."""
    return actor.national_number is not None and uow.persons.find_id(actor.national_number) is not None


def represented_people(uow: UnitOfWork, actor: Actor) -> list[MandateView]:
    """The mandates given to the caller that are in force today (whom they may act for now)."""
    records = mandates_received(uow, actor, after=None, limit=MAX_REPRESENTED)
    return [view for view in (describe(uow, record) for record in records) if view.in_force]


def mandate_for_mandatary(uow: UnitOfWork, actor: Actor, mandate_id: str) -> MandateView:
    """A mandate given *to* the caller (not one they gave): what the pages acting for someone start from.
    Whether it still opens the dossier (in force, scope) is the policy's decision at each read."""
    record = read_mandate(uow, actor, mandate_id)
    if record.mandatary_number != actor.national_number:
        raise NotFound("mandate not found", code="statut.not_found.mandate")
    return describe(uow, record)


def fund_contacts(uow: UnitOfWork, codes: Sequence[str]) -> dict[str, FundContact]:
    """Contact data of the funds (reference data, no personal data)."""
    found: dict[str, FundContact] = {}
    for code in dict.fromkeys(codes):
        fund = uow.funds.get(code)
        if fund is not None:
            found[code] = FundContact(
                fund.code,
                fund.name,
                fund.email,
                fund.phone,
                fund.website,
                tuple(str(lang) for lang in fund.languages),
            )
    return found
