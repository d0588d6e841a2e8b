"""Single changes to the register: register a person, correct civil data, record or end an
affiliation, correct an income or a contribution.

Each use case opens one change (who, why, source) in the caller's unit of work, lets the
repository supersede and insert versions (history is never overwritten) and returns what was
written; the repository writes the ledger entry, keyed by the person. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from statut.domain.entities import Affiliation, ContributionQuarter, Person, ProfessionalIncome
from statut.store.bitemporal import VersionWrite
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Written:
    """The change that made a write, and what it wrote."""

    change: Change
    key: int
    versions: VersionWrite


def register_person(
    uow: UnitOfWork, person: Person, *, actor: str, reason: str, source: str = "", valid_from: date | None = None
) -> Written:
    change = uow.record_change(actor=actor, reason=reason, source=source)
    person_id = uow.persons.add(person, change, valid_from=valid_from)
    return Written(change, person_id, VersionWrite())


def correct_person(
    uow: UnitOfWork,
    person: Person,
    *,
    actor: str,
    reason: str,
    source: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Written:
    """Correct civil data: since always (no ``valid_from``) or from a date (a move, a new name)."""
    person_id = uow.persons.require_id(person.number.value)
    change = uow.record_change(actor=actor, reason=reason, source=source)
    versions = uow.persons.correct(person_id, person, change, valid_from=valid_from, valid_to=valid_to)
    return Written(change, person_id, versions)


def record_affiliation(
    uow: UnitOfWork, affiliation: Affiliation, *, actor: str, reason: str, source: str = ""
) -> Written:
    change = uow.record_change(actor=actor, reason=reason, source=source)
    affiliation_id = uow.affiliations.add(affiliation, change)
    return Written(change, affiliation_id, VersionWrite())


def end_affiliation(
    uow: UnitOfWork, affiliation_id: int, end_date: date, *, actor: str, reason: str, source: str = ""
) -> Written:
    change = uow.record_change(actor=actor, reason=reason, source=source)
    return Written(change, affiliation_id, uow.affiliations.end(affiliation_id, end_date, change))


def correct_income(
    uow: UnitOfWork, income: ProfessionalIncome, *, actor: str, reason: str, source: str = ""
) -> Written:
    person_id = uow.persons.require_id(income.person)
    change = uow.record_change(actor=actor, reason=reason, source=source)
    return Written(change, person_id, uow.incomes.correct(income, change))


def correct_contribution(
    uow: UnitOfWork, contribution: ContributionQuarter, *, actor: str, reason: str, source: str = ""
) -> Written:
    person_id = uow.persons.require_id(contribution.person)
    change = uow.record_change(actor=actor, reason=reason, source=source)
    return Written(change, person_id, uow.contributions.correct(contribution, change))
