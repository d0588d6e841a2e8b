"""History is never overwritten: corrections add versions, and 'what did the register know on date
D about period P' has an answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from statut.domain.calendar import Quarter
from statut.domain.entities import Address, ContributionStatus, IncomeSource, IncomeStatus
from statut.services.corrections import (
    correct_contribution,
    correct_income,
    correct_person,
    end_affiliation,
    record_affiliation,
    register_person,
)
from statut.store import tables as t
from statut.store.bitemporal import as_instant
from statut.store.unit_of_work import UnitOfWork
from tests.factories import FakeClock, make_affiliation, make_contribution, make_income, make_person


def _rows(uow: UnitOfWork, table: t.Table) -> int:  # type: ignore[name-defined]
    return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_after_a_correction_the_past_knowledge_stays_answerable(uow: UnitOfWork, clock: FakeClock) -> None:
    person = make_person(last_name="Peters", first_name="Emma")
    registered = register_person(uow, person, actor="fund F101", reason="affiliation form")
    clock.advance(days=30)
    corrected = correct_person(
        uow, replace(person, last_name="Peeters"), actor="agent 7", reason="typo in the surname, civil status extract"
    )
    person_id = registered.key
    before = registered.change.recorded_at
    assert uow.persons.as_of(person_id, known_at=before, valid_at=date(2000, 1, 1)).last_name == "Peters"  # type: ignore[union-attr]
    assert (
        uow.persons.as_of(person_id, known_at=corrected.change.recorded_at, valid_at=date(2000, 1, 1)).last_name
        == "Peeters"
    )  # type: ignore[union-attr]
    assert uow.persons.get(person_id).last_name == "Peeters"  # type: ignore[union-attr]
    # Known on a date: the day of the registration, before the correction.
    assert uow.persons.as_of(person_id, known_at=before.date(), valid_at=date(2000, 1, 1)).last_name == "Peters"  # type: ignore[union-attr]
    # Nothing was deleted: both versions are there, the old one superseded by the correction.
    history = uow.persons.history(person_id)
    assert [version.value.last_name for version in history] == ["Peters", "Peeters"]
    assert history[0].superseded_at == corrected.change.recorded_at
    assert history[0].superseded_by == corrected.change.change_id
    assert history[1].is_current
    assert _rows(uow, t.person_version) == 2
    assert corrected.versions.changed_fields == ("last_name",)
    # Before the person was registered, the register knew nothing.
    assert uow.persons.as_of(person_id, known_at=as_instant(date(2020, 1, 1)), valid_at=date(2000, 1, 1)) is None


def test_a_change_from_a_date_splits_valid_time(uow: UnitOfWork, clock: FakeClock) -> None:
    person = make_person(postal_code="1000", municipality="Bruxelles")
    registered = register_person(uow, person, actor="fund", reason="affiliation")
    clock.advance(days=1)
    moved = replace(person, address=Address(postal_code="4000", municipality="Liège"))
    write = correct_person(
        uow, moved, actor="national register", reason="change of address", valid_from=date(2024, 9, 1)
    )
    person_id = registered.key
    now = write.change.recorded_at
    assert uow.persons.as_of(person_id, known_at=now, valid_at=date(2024, 8, 31)).address.postal_code == "1000"  # type: ignore[union-attr]
    assert uow.persons.as_of(person_id, known_at=now, valid_at=date(2024, 9, 1)).address.postal_code == "4000"  # type: ignore[union-attr]
    # Before the move was recorded, the register thought they lived in Brussels in September too.
    assert (
        uow.persons.as_of(
            person_id, known_at=registered.change.recorded_at, valid_at=date(2024, 9, 1)
        ).address.postal_code
        == "1000"
    )  # type: ignore[union-attr]
    current = [version for version in uow.persons.history(person_id) if version.is_current]
    assert [(version.valid_from, version.valid_to) for version in current] == [
        (person.birth_date, date(2024, 9, 1)),
        (date(2024, 9, 1), None),
    ]
    assert len(write.versions.superseded) == 1
    assert len(write.versions.inserted) == 2
    assert _rows(uow, t.person_version) == 3


def test_ending_an_affiliation_keeps_the_open_version_in_the_past(uow: UnitOfWork, clock: FakeClock) -> None:
    person = make_person()
    register_person(uow, person, actor="fund", reason="affiliation")
    recorded = record_affiliation(uow, make_affiliation(person, start=date(2015, 1, 1)), actor="fund", reason="form")
    clock.advance(days=10)
    ended = end_affiliation(uow, recorded.key, date(2024, 7, 1), actor="fund", reason="cessation declared")
    person_id = uow.persons.require_id(person.number.value)
    then = uow.affiliations.as_of(person_id, known_at=recorded.change.recorded_at, valid_at=date(2024, 8, 1))
    now = uow.affiliations.as_of(person_id, known_at=ended.change.recorded_at, valid_at=date(2024, 8, 1))
    assert [version.value.period.end for version in then] == [None]
    assert now == []
    assert [version.value.period.end for version in uow.affiliations.for_person(person_id)] == [date(2024, 7, 1)]
    assert [version.is_current for version in uow.affiliations.history(recorded.key)] == [False, True]
    assert ended.versions.changed_fields == ("valid_to",)


def test_income_and_contribution_corrections_keep_the_earlier_figures(uow: UnitOfWork, clock: FakeClock) -> None:
    person = make_person()
    registered = register_person(uow, person, actor="fund", reason="affiliation")
    first = uow.record_change(actor="tax authority feed", reason="incomes 2022")
    uow.incomes.add(make_income(person, year=2022, amount="42000.00"), first)
    uow.contributions.add(make_contribution(person, quarter=Quarter(2024, 1), due="871.71"), first)
    clock.advance(days=60)
    correct_income(
        uow,
        make_income(
            person, year=2022, amount="43210.99", source=IncomeSource.TAX_AUTHORITY, status=IncomeStatus.DEFINITIVE
        ),
        actor="tax authority feed",
        reason="rectified tax assessment",
    )
    second = correct_contribution(
        uow,
        make_contribution(
            person, quarter=Quarter(2024, 1), due="871.71", paid="871.71", status=ContributionStatus.PAID
        ),
        actor="fund F101",
        reason="payment received",
    )
    person_id = registered.key
    old = uow.incomes.as_of(person_id, known_at=first.recorded_at, year=2022)
    new = uow.incomes.as_of(person_id, known_at=second.change.recorded_at, year=2022)
    assert [version.value.amount for version in old] == [Decimal("42000.00")]
    assert [version.value.amount for version in new] == [Decimal("43210.99")]
    then = uow.contributions.as_of(person_id, known_at=first.recorded_at, quarter=Quarter(2024, 1))
    assert [(version.value.paid, version.value.status) for version in then] == [
        (Decimal("0.00"), ContributionStatus.DUE)
    ]
    assert [version.value.status for version in uow.contributions.for_person(person_id)] == [ContributionStatus.PAID]
    assert uow.incomes.as_of(person_id, known_at=first.recorded_at, valid_at=date(2022, 7, 1)) == old
    assert uow.incomes.as_of(person_id, known_at=first.recorded_at, valid_at=date(2023, 7, 1)) == []
    assert uow.contributions.as_of(person_id, known_at=first.recorded_at, valid_at=date(2024, 3, 31)) == then
    assert len(uow.incomes.history(person_id, 2022)) == 2
    assert len(uow.contributions.history(person_id, Quarter(2024, 1))) == 2
    assert second.versions.changed_fields == ("paid_cents", "status")


def test_every_correction_is_in_the_ledger_keyed_by_person(uow: UnitOfWork) -> None:
    person = make_person()
    registered = register_person(uow, person, actor="fund", reason="affiliation")
    correct_person(uow, replace(person, first_name="Emmanuelle"), actor="agent", reason="first name")
    entries = uow.ledger.for_entity("person", registered.key)
    assert [(entry.action, entry.actor, entry.reason) for entry in entries] == [
        ("person.registered", "fund", "affiliation"),
        ("person.corrected", "agent", "first name"),
    ]
    assert entries[1].data["fields"] == ["first_name"]
