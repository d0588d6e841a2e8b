"""Consent and mandates: a person lets someone else (an accountant, a family member, another person)
read parts of their dossier, for a period, and can limit or revoke that at any time.

The legal basis of the mandatary's reads is the person's consent (GDPR art. 6(1)(a)), which must be
as easy to withdraw as to give (art. 7(3)): revocation takes effect at once. A person without
digital means signs a paper form at their fund's counter; the fund agent registers the mandate with
the SHA-256 of the scanned form and the fund's reference as evidence (art. 7(1): the controller must
be able to demonstrate consent).

Every change is a new version of the mandate and an entry of the ledger (store/mandates.py). Changes
name the version they start from (HTTP If-Match): a change based on a stale version is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from statut.access.enforce import require
from statut.access.errors import PreconditionFailed
from statut.access.identity import Actor, Role, Section
from statut.access.policy import Action, decide_counter_mandate, decide_own
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import parse_person_number
from statut.services.dossier import dossier_subject
from statut.store.access_tables import MANDATE_RELATIONSHIPS
from statut.store.mandates import MandateRecord
from statut.store.unit_of_work import UnitOfWork

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
MAX_NAME_LENGTH = 200
MANDATE_NOT_FOUND = "mandate not found"


@dataclass(frozen=True, slots=True)
class MandateTerms:
    """What a mandate allows: to whom, which sections, from when until when (end exclusive)."""

    mandatary_number: str
    mandatary_name: str
    relationship: str
    scopes: frozenset[Section]
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True, slots=True)
class MandateChange:
    """A limitation or extension: only the fields given change."""

    scopes: frozenset[Section] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    clear_valid_to: bool = False


@dataclass(frozen=True, slots=True)
class CounterEvidence:
    sha256: str
    reference: str


def _check_terms(terms: MandateTerms, grantor_number: str, today: date) -> tuple[str, date]:
    mandatary = parse_person_number(terms.mandatary_number, field="mandatary_number").value
    if mandatary == grantor_number:
        raise DomainValidationError("mandatary_number", mandatary, "a person cannot give a mandate to themselves")
    name = terms.mandatary_name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise DomainValidationError("mandatary_name", terms.mandatary_name, f"1 to {MAX_NAME_LENGTH} characters")
    if terms.relationship not in MANDATE_RELATIONSHIPS:
        raise DomainValidationError("relationship", terms.relationship, f"one of {', '.join(MANDATE_RELATIONSHIPS)}")
    if not terms.scopes:
        raise DomainValidationError("scopes", [], "name at least one section of the dossier")
    start = terms.valid_from or today
    _check_period(start, terms.valid_to)
    return mandatary, start


def _check_period(start: date, end: date | None) -> None:
    if end is not None and end <= start:
        raise DomainValidationError("valid_to", end.isoformat(), "must be after valid_from (the end is exclusive)")


def _own_person_id(uow: UnitOfWork, actor: Actor) -> tuple[int, str]:
    require(decide_own(actor, Action.MANAGE_OWN_MANDATES))
    assert actor.national_number is not None
    person_id = uow.persons.find_id(actor.national_number)
    if person_id is None:
        raise NotFound(
            "you are not in the register: there is no dossier to give access to", code="statut.not_found.person"
        )
    return person_id, actor.national_number


def grant_mandate(uow: UnitOfWork, actor: Actor, terms: MandateTerms) -> MandateRecord:
    """The caller gives a mandate on their own dossier."""
    person_id, number = _own_person_id(uow, actor)
    today = uow.clock().date()
    mandatary, start = _check_terms(terms, number, today)
    change = uow.record_change(actor=actor.key, reason="mandate granted by the person", source="api")
    record = MandateRecord(
        mandate_id="",
        version_id=0,
        person_id=person_id,
        mandatary_number=mandatary,
        mandatary_name=terms.mandatary_name.strip(),
        relationship=terms.relationship,
        scopes=tuple(sorted(s.value for s in terms.scopes)),
        valid_from=start,
        valid_to=terms.valid_to,
        status="active",
        channel="online",
        registered_by=actor.key,
    )
    return uow.mandates.add(record, change)


def register_at_counter(
    uow: UnitOfWork, actor: Actor, fund_code: str, *, person_number: str, terms: MandateTerms, evidence: CounterEvidence
) -> MandateRecord:
    """A fund agent registers a mandate the person signed on paper at the counter of ``fund_code``."""
    today = uow.clock().date()
    number = parse_person_number(person_number, field="person_number").value
    person_id, subject = dossier_subject(uow, actor, number, today)
    require(decide_counter_mandate(actor, fund_code, subject))
    assert person_id is not None
    mandatary, start = _check_terms(terms, number, today)
    sha = evidence.sha256.strip().lower()
    if not SHA256_HEX.match(sha):
        raise DomainValidationError(
            "evidence_sha256", evidence.sha256, "the SHA-256 of the scan: 64 hexadecimal digits"
        )
    reference = evidence.reference.strip()
    if not reference or len(reference) > MAX_NAME_LENGTH:
        raise DomainValidationError("evidence_reference", evidence.reference, f"1 to {MAX_NAME_LENGTH} characters")
    change = uow.record_change(
        actor=actor.key, reason="mandate signed on paper, registered at the fund's counter", source="api"
    )
    record = MandateRecord(
        mandate_id="",
        version_id=0,
        person_id=person_id,
        mandatary_number=mandatary,
        mandatary_name=terms.mandatary_name.strip(),
        relationship=terms.relationship,
        scopes=tuple(sorted(s.value for s in terms.scopes)),
        valid_from=start,
        valid_to=terms.valid_to,
        status="active",
        channel="counter",
        fund_code=actor.fund_code,
        evidence_sha256=sha,
        evidence_reference=reference,
        registered_by=actor.key,
    )
    return uow.mandates.add(record, change)


def _owned(uow: UnitOfWork, actor: Actor, mandate_id: str) -> MandateRecord:
    person_id, _ = _own_person_id(uow, actor)
    record = uow.mandates.get(mandate_id) if len(mandate_id) <= 64 else None
    if record is None or record.person_id != person_id:
        raise NotFound(MANDATE_NOT_FOUND, code="statut.not_found.mandate")
    return record


def _check_version(record: MandateRecord, expected_version: int | None) -> None:
    """``expected_version`` None means "whatever is current" (If-Match: *)."""
    if expected_version is not None and record.version_id != expected_version:
        raise PreconditionFailed("the mandate changed since you read it: read it again (If-Match does not match)")


def change_mandate(
    uow: UnitOfWork, actor: Actor, mandate_id: str, expected_version: int | None, change: MandateChange
) -> MandateRecord:
    """Limit or extend a mandate's scope or dates (the person who gave it only)."""
    record = _owned(uow, actor, mandate_id)
    _check_version(record, expected_version)
    if record.status != "active":
        raise Conflict("a revoked mandate cannot be changed: give a new one", code="statut.conflict.mandate_revoked")
    if change.scopes is not None and not change.scopes:
        raise DomainValidationError("scopes", [], "name at least one section (or revoke the mandate)")
    start = change.valid_from or record.valid_from
    end = None if change.clear_valid_to else (change.valid_to or record.valid_to)
    _check_period(start, end)
    scopes = record.scopes if change.scopes is None else tuple(sorted(s.value for s in change.scopes))
    new = replace(record, scopes=scopes, valid_from=start, valid_to=end, registered_by=actor.key)
    ledger_change = uow.record_change(actor=actor.key, reason="mandate changed by the person", source="api")
    return uow.mandates.replace_current(record, new, ledger_change, action="mandate.changed")


def revoke_mandate(uow: UnitOfWork, actor: Actor, mandate_id: str, expected_version: int | None) -> MandateRecord:
    """Withdraw consent (GDPR art. 7(3)): the mandatary loses access at once."""
    record = _owned(uow, actor, mandate_id)
    _check_version(record, expected_version)
    if record.status == "revoked":
        return record
    new = replace(record, status="revoked", registered_by=actor.key)
    ledger_change = uow.record_change(actor=actor.key, reason="mandate revoked by the person", source="api")
    return uow.mandates.replace_current(record, new, ledger_change, action="mandate.revoked")


def read_mandate(uow: UnitOfWork, actor: Actor, mandate_id: str) -> MandateRecord:
    """A mandate, for the person who gave it or the mandatary; "not found" for anyone else."""
    if actor.role is Role.CITIZEN and actor.national_number and len(mandate_id) <= 64:
        record = uow.mandates.get(mandate_id)
        if record is not None:
            own_id = uow.persons.find_id(actor.national_number)
            if record.person_id == own_id or record.mandatary_number == actor.national_number:
                return record
    raise NotFound(MANDATE_NOT_FOUND, code="statut.not_found.mandate")


def mandates_given(uow: UnitOfWork, actor: Actor, *, after: str | None, limit: int) -> list[MandateRecord]:
    person_id, _ = _own_person_id(uow, actor)
    return uow.mandates.given_by(person_id, after=after, limit=limit)


def mandates_received(uow: UnitOfWork, actor: Actor, *, after: str | None, limit: int) -> list[MandateRecord]:
    require(decide_own(actor, Action.READ_MANDATES_RECEIVED))
    assert actor.national_number is not None
    return uow.mandates.given_to(actor.national_number, after=after, limit=limit)


@dataclass(frozen=True, slots=True)
class MandateView:
    mandate_id: str
    version: int
    person_number: str | None
    mandatary_number: str
    mandatary_name: str
    relationship: str
    scopes: list[str]
    valid_from: date
    valid_to: date | None
    status: str
    in_force: bool
    channel: str
    fund_code: str | None
    evidence_sha256: str | None
    evidence_reference: str | None


def describe(uow: UnitOfWork, record: MandateRecord) -> MandateView:
    """A mandate as shown to the person who gave it or to the mandatary."""
    number = uow.persons.number(record.person_id)
    return MandateView(
        mandate_id=record.mandate_id,
        version=record.version_id,
        person_number=None if number is None else number.value,
        mandatary_number=record.mandatary_number,
        mandatary_name=record.mandatary_name,
        relationship=record.relationship,
        scopes=list(record.scopes),
        valid_from=record.valid_from,
        valid_to=record.valid_to,
        status=record.status,
        in_force=record.in_force_on(uow.clock().date()),
        channel=record.channel,
        fund_code=record.fund_code,
        evidence_sha256=record.evidence_sha256,
        evidence_reference=record.evidence_reference,
    )
