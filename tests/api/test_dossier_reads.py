"""The dossier's read side (statut.store.dossier_reads) reads exactly what the repositories hold.

Two statements instead of fifteen must not change a dossier: for every person of the API world, and
after a correction (a superseded version must not show), the facts match the repositories' current
versions, in the repositories' order, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

from statut.domain.identifiers import Sex
from statut.store.dossier_reads import DossierReader
from statut.store.unit_of_work import UnitOfWork
from tests.api.conftest import World
from tests.factories import make_income, national_number


def _compare(uow: UnitOfWork, number: str) -> None:
    reader = DossierReader(uow.connection)
    found = reader.find(number)
    person_id = uow.persons.find_id(number)
    assert found is not None
    assert person_id is not None
    assert found.person_id == person_id
    person = uow.persons.get_or_raise(person_id)
    assert found.number == person.number.value
    assert (found.civil.last_name, found.civil.first_name, found.civil.birth_date) == (
        person.last_name,
        person.first_name,
        person.birth_date,
    )
    facts = reader.facts(person_id)
    assert [
        (a.fund_code, a.capacity, a.valid_from, a.valid_to, a.company_director, a.enterprise_number)
        for a in facts.affiliations
    ] == [
        (
            a.value.fund_code,
            a.value.capacity.value,
            a.value.period.start,
            a.value.period.end,
            a.value.company_director,
            a.value.enterprise_number,
        )
        for a in uow.affiliations.for_person(person_id)
    ]
    assert [(i.year, i.amount_cents, i.source, i.status) for i in facts.incomes] == [
        (i.value.year, int(i.value.amount * 100), i.value.source.value, i.value.status.value)
        for i in uow.incomes.for_person(person_id)
    ]
    assert [(c.quarter, c.fund_code, c.due_cents, c.paid_cents, c.status) for c in facts.contributions] == [
        (str(c.value.quarter), c.value.fund_code, int(c.value.due * 100), int(c.value.paid * 100), c.value.status.value)
        for c in uow.contributions.for_person(person_id)
    ]
    assert [(c.quarter, c.counts_for_pension, c.reason) for c in facts.careers] == [
        (str(c.value.quarter), c.value.counts_for_pension, c.value.reason.value)
        for c in uow.careers.for_person(person_id)
    ]
    assert [(e.event_type, e.event_date) for e in facts.life_events] == [
        (e.value.event_type.value, e.value.event_date) for e in uow.life_events.for_person(person_id)
    ]


def test_the_read_side_matches_the_repositories(world: World) -> None:
    runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    with UnitOfWork(runtime.engine, read_only=True) as uow:
        for name in world.people:
            _compare(uow, world.number(name))
        assert DossierReader(uow.connection).find(national_number(date(1999, 9, 9), Sex.MALE, counter=5)) is None


def test_a_corrected_fact_shows_once_in_its_current_version(world: World) -> None:
    runtime = world.client.app.state.runtime  # type: ignore[attr-defined]
    alice = world.people["alice"]
    with UnitOfWork(runtime.engine) as uow:
        change = uow.record_change(actor="tests", reason="correct an income")
        uow.incomes.correct(make_income(alice, year=2023, amount="43000.00"), change)
        # Not committed: the comparison runs inside the same transaction and is rolled back.
        _compare(uow, alice.number.value)
        facts = DossierReader(uow.connection).facts(uow.persons.require_id(alice.number.value))
        assert [i.amount_cents for i in facts.incomes if i.year == 2023] == [4_300_000]
