"""The unit of work: the entry point commits; anything else leaves nothing half-written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select

from statut.domain.errors import DomainValidationError
from statut.store import tables as t
from statut.store.errors import UnitOfWorkError
from statut.store.unit_of_work import UnitOfWork
from tests.factories import make_person


def _count(uow: UnitOfWork, table: t.Table) -> int:  # type: ignore[name-defined]
    return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_leaving_without_commit_rolls_everything_back(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        ledger_before = uow.ledger.head()
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="never committed"))
    with UnitOfWork(engine, read_only=True) as uow:
        assert _count(uow, t.person) == 0
        assert uow.ledger.head() == ledger_before


def test_an_error_half_way_leaves_nothing(engine: Engine) -> None:
    def two_people_the_second_one_bad() -> None:
        with UnitOfWork(engine) as uow:
            change = uow.record_change(actor="test", reason="two people, the second one bad")
            uow.persons.add(make_person(), change)
            uow.persons.add(make_person(last_name=" "), change)
            uow.commit()

    with pytest.raises(DomainValidationError):
        two_people_the_second_one_bad()
    with UnitOfWork(engine, read_only=True) as uow:
        assert _count(uow, t.person) == 0
        assert _count(uow, t.person_version) == 0
        assert uow.ledger.verify().ok


def test_commit_makes_it_durable_and_the_unit_goes_on(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="first"))
        uow.commit()
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="second, rolled back"))
    with UnitOfWork(engine, read_only=True) as uow:
        assert _count(uow, t.person) == 1
        assert uow.ledger.verify().ok


def test_rollback_forgets_since_the_last_commit(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="kept"))
        uow.commit()
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="forgotten"))
        uow.rollback()
        uow.persons.add(make_person(), uow.record_change(actor="test", reason="kept too"))
        uow.commit()
    with UnitOfWork(engine, read_only=True) as uow:
        assert _count(uow, t.person) == 2


def test_a_read_only_unit_cannot_write(engine: Engine) -> None:
    with UnitOfWork(engine, read_only=True) as uow:
        with pytest.raises(UnitOfWorkError):
            uow.record_change(actor="test", reason="x")
        with pytest.raises(UnitOfWorkError):
            uow.commit()


def test_a_closed_unit_refuses_work(engine: Engine) -> None:
    unit = UnitOfWork(engine)
    with pytest.raises(UnitOfWorkError, match="not open"):
        _ = unit.connection
    with unit, pytest.raises(UnitOfWorkError, match="already open"):
        unit.__enter__()


def test_savepoint_units_commit_and_roll_back_inside_the_test_transaction(
    uow_factory: Callable[..., UnitOfWork],
) -> None:
    with uow_factory() as first:
        first.persons.add(make_person(), first.record_change(actor="test", reason="kept"))
        first.commit()
    with uow_factory() as second:
        second.persons.add(make_person(), second.record_change(actor="test", reason="dropped"))
    with uow_factory() as third:
        assert _count(third, t.person) == 1
        assert third.ledger.verify().ok


def test_changes_record_who_when_why_and_never_go_back_in_time(uow: UnitOfWork) -> None:
    first = uow.record_change(actor="fund F101", reason="batch 2024-07", source="F101/2024-07.csv")
    second = uow.record_change(actor="fund F101", reason="same instant")
    assert second.recorded_at > first.recorded_at
    assert uow.changes.get(first.change_id) == first
    assert uow.changes.latest() == second
    with pytest.raises(DomainValidationError, match="reason"):
        uow.record_change(actor="someone", reason="")
