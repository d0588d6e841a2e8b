"""The bulk loader writes a whole population set-based, exactly, in one change, and derives statuses
and career quarters."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from sqlalchemy import func, select

from statut.domain.calendar import Quarter
from statut.domain.entities import CareerQuarterReason, ContributionStatus
from statut.domain.errors import Conflict
from statut.exchange.format import RecordType
from statut.exchange.frames import conform
from statut.services.register import load_population
from statut.store import bulk
from statut.store import tables as t
from statut.store.digest import frame_digest
from statut.store.migrate import schema_differences
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames

TODAY = date(2025, 3, 1)


def _count(uow: UnitOfWork, table: t.Table) -> int:  # type: ignore[name-defined]
    return int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())


def _sum(uow: UnitOfWork, column: object) -> int:
    return int(uow.connection.execute(select(func.coalesce(func.sum(column), 0))).scalar_one())  # type: ignore[call-overload]


def test_a_population_is_loaded_with_exact_counts_and_cents(uow: UnitOfWork) -> None:
    frames = population_frames(300, seed=7)
    summary = load_population(uow, frames, actor="test", reason="initial load", source="factories", today=TODAY)
    expected = {
        "person": 300,
        "person_identifier": 300,
        "person_version": 300,
        "affiliation": frames[RecordType.AFFILIATION].height,
        "income": frames[RecordType.INCOME].height,
        "contribution": frames[RecordType.CONTRIBUTION].height,
        "payment": frames[RecordType.PAYMENT].height,
        "life_event": frames[RecordType.LIFE_EVENT].height,
    }
    assert {name: summary.rows[name] for name in expected} == expected
    for name, count in summary.rows.items():
        assert _count(uow, t.metadata.tables[name]) == count
    assert _sum(uow, t.income.c.amount_cents) == frames[RecordType.INCOME]["amount_cents"].sum()
    assert _sum(uow, t.contribution.c.due_cents) == frames[RecordType.CONTRIBUTION]["amount_cents"].sum()
    assert _sum(uow, t.payment.c.amount_cents) == frames[RecordType.PAYMENT]["amount_cents"].sum()
    # Every payment of the factories is allocated to a contribution of its quarter.
    assert summary.unmatched_payments == 0
    assert _sum(uow, t.contribution.c.paid_cents) == frames[RecordType.PAYMENT]["amount_cents"].sum()
    assert summary.people == 300
    assert summary.people_per_second > 0


def test_everything_is_one_change_and_in_the_ledger(uow: UnitOfWork) -> None:
    head = uow.ledger.head()
    summary = load_population(uow, population_frames(50, seed=1), actor="loader", reason="initial load", today=TODAY)
    change = uow.changes.get_or_raise(summary.change_id)
    assert (change.actor, change.reason) == ("loader", "initial load")
    for table in (t.person_version, t.affiliation, t.contribution, t.payment, t.career_quarter):
        rows = uow.connection.execute(select(table.c.change_id, table.c.recorded_at).distinct()).all()
        assert rows == [(change.change_id, change.recorded_at)]
    entries = uow.ledger.entries(after_seq=head.seq)  # type: ignore[union-attr]
    loaded = {entry.entity_key: entry.data for entry in entries if entry.action == "table.loaded"}
    assert loaded == {
        name: {"rows": count, "digest": summary.digests[name]} for name, count in summary.rows.items() if count
    }
    assert entries[-1].action == "population.loaded"
    assert uow.ledger.verify().ok


def test_digests_cover_the_rows_as_written(uow: UnitOfWork) -> None:
    summary = load_population(uow, population_frames(40, seed=3), actor="t", reason="r", today=TODAY)
    columns = [
        t.income.c[name]
        for name in (
            "version_id",
            "person_id",
            "year",
            "amount_cents",
            "source",
            "status",
            "valid_from",
            "valid_to",
            "recorded_at",
            "change_id",
        )
    ]
    rows = uow.connection.execute(select(*columns).order_by(t.income.c.version_id)).all()
    frame = pl.DataFrame(
        [tuple(row) for row in rows],
        schema={
            "version_id": pl.Int64(),
            "person_id": pl.Int64(),
            "year": pl.Int64(),
            "amount_cents": pl.Int64(),
            "source": pl.String(),
            "status": pl.String(),
            "valid_from": pl.Date(),
            "valid_to": pl.Date(),
            "recorded_at": pl.Datetime("us", "UTC"),
            "change_id": pl.Int64(),
        },
        orient="row",
    )
    assert frame_digest(frame) == summary.digests["income"]


def test_statuses_and_career_quarters_are_derived_from_payments(uow: UnitOfWork) -> None:
    frames = population_frames(1, seed=0, first_year=2024, last_year=2025)
    person = frames[RecordType.PERSON]
    number = person["national_number"][0]
    fund = "F101"

    def frame(record_type: RecordType, rows: list[dict[str, object]]) -> pl.DataFrame:
        return conform(record_type, pl.DataFrame([{"national_number": number, "fund": fund, **row} for row in rows]))

    population = {
        RecordType.PERSON: person,
        RecordType.AFFILIATION: frame(RecordType.AFFILIATION, [{"capacity": "main", "start_date": date(2024, 1, 1)}]),
        RecordType.CONTRIBUTION: frame(
            RecordType.CONTRIBUTION,
            [
                {"quarter": "2024Q1", "amount_cents": 87171},  # fully paid in two payments
                {"quarter": "2024Q2", "amount_cents": 87171},  # half paid
                {"quarter": "2024Q3", "amount_cents": 87171},  # nothing paid, quarter over
                {"quarter": "2024Q4", "amount_cents": 0},  # nothing due
                {"quarter": "2025-q2", "amount_cents": 87171},  # not due yet on TODAY
            ],
        ),
        RecordType.PAYMENT: frame(
            RecordType.PAYMENT,
            [
                {"payment_date": date(2024, 2, 1), "amount_cents": 50000, "quarter": "2024Q1"},
                {"payment_date": date(2024, 3, 1), "amount_cents": 37171, "quarter": "2024Q1"},
                {"payment_date": date(2024, 5, 1), "amount_cents": 40000, "quarter": "2024Q2"},
                {"payment_date": date(2024, 5, 2), "amount_cents": 100, "quarter": None},
            ],
        ),
    }
    summary = load_population(uow, population, actor="t", reason="r", today=TODAY)
    person_id = uow.persons.require_id(number)
    contributions = {
        str(v.value.quarter): (v.value.paid, v.value.status) for v in uow.contributions.for_person(person_id)
    }
    assert {quarter: status for quarter, (_, status) in contributions.items()} == {
        "2024Q1": ContributionStatus.PAID,
        "2024Q2": ContributionStatus.PARTIAL,
        "2024Q3": ContributionStatus.UNPAID,
        "2024Q4": ContributionStatus.PAID,
        "2025Q2": ContributionStatus.DUE,
    }
    assert str(contributions["2024Q1"][0]) == "871.71"
    career = {
        str(v.value.quarter): (v.value.counts_for_pension, v.value.reason) for v in uow.careers.for_person(person_id)
    }
    assert career == {
        "2024Q1": (True, CareerQuarterReason.PAID),
        "2024Q2": (False, CareerQuarterReason.UNPAID),
        "2024Q3": (False, CareerQuarterReason.UNPAID),
        "2024Q4": (False, CareerQuarterReason.UNPAID),
    }
    assert summary.unmatched_payments == 1
    assert [
        str(v.value.quarter)
        for v in uow.contributions.as_of(
            person_id, known_at=uow.changes.get_or_raise(summary.change_id).recorded_at, quarter=Quarter(2024, 1)
        )
    ] == ["2024Q1"]


def test_a_second_load_adds_records_for_registered_people_and_refuses_them_again(uow: UnitOfWork) -> None:
    first = population_frames(20, seed=1)
    load_population(uow, first, actor="t", reason="people", today=TODAY)
    later = population_frames(20, seed=1, first_year=2024, last_year=2024)
    incomes_only = {
        RecordType.INCOME: later[RecordType.INCOME]
        .filter(pl.col("year") == 2024)
        .with_columns(income_source=pl.lit("fund"))
    }
    summary = load_population(uow, incomes_only, actor="t", reason="2024 incomes", today=TODAY)
    assert summary.rows["income"] == 20
    assert summary.rows["person"] == 0
    with pytest.raises(Conflict, match="already identifies a person"):
        load_population(uow, {RecordType.PERSON: first[RecordType.PERSON]}, actor="t", reason="again", today=TODAY)


def test_a_load_contradicting_the_register_is_a_conflict_and_writes_nothing(uow: UnitOfWork) -> None:
    frames = population_frames(20, seed=8)
    load_population(uow, frames, actor="t", reason="people and incomes", today=TODAY)
    uow.commit()
    before = _count(uow, t.income), uow.ledger.head()
    with pytest.raises(Conflict, match="income: the load contradicts the register"):
        load_population(uow, {RecordType.INCOME: frames[RecordType.INCOME]}, actor="t", reason="again", today=TODAY)
    uow.rollback()
    assert (_count(uow, t.income), uow.ledger.head()) == before


def test_a_large_load_rebuilds_indexes_and_foreign_keys_and_keeps_the_schema(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "DEFER_MIN_ROWS", 10)
    summary = load_population(uow, population_frames(60, seed=5), actor="t", reason="r", today=TODAY)
    assert "uq_contribution_current_key" in summary.deferred
    assert ("fk_contribution_person_id_person" in summary.deferred) == (uow.dialect == "postgresql")
    assert schema_differences(uow.connection) == []
    assert summary.rows["contribution"] == _count(uow, t.contribution)


def test_the_same_person_sent_by_two_funds_is_one_person(uow: UnitOfWork) -> None:
    frames = population_frames(10, seed=4)
    people = frames[RecordType.PERSON]
    frames[RecordType.PERSON] = pl.concat(
        [people, people.head(3).with_columns(fund=pl.lit("F109"), record_id=pl.lit("other"))]
    )
    summary = load_population(uow, frames, actor="t", reason="r", today=TODAY)
    assert summary.people == 10


def test_an_empty_population_writes_nothing_but_its_change(uow: UnitOfWork) -> None:
    summary = load_population(uow, {}, actor="t", reason="nothing", today=TODAY)
    assert set(summary.rows.values()) == {0}
    assert uow.ledger.entries()[-1].action == "population.loaded"
