"""Bad input to the bulk loader: a domain error naming the field, the value and the record, and
nothing written (the unit of work is not committed, and not even the change is recorded)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select

from statut.domain.errors import Conflict, DomainValidationError, InvalidIdentifier, InvalidPeriod
from statut.exchange.format import RecordType
from statut.services.register import load_population
from statut.store import tables as t
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames

TODAY = date(2025, 3, 1)
Edit = Callable[[pl.DataFrame], pl.DataFrame]


def _first(column: str, value: Any, dtype: pl.DataType | None = None) -> Edit:
    """Set ``column`` of the first row to ``value``."""

    def edit(frame: pl.DataFrame) -> pl.DataFrame:
        literal = pl.lit(value, dtype=dtype or frame.schema[column])
        return frame.with_columns(
            pl.when(pl.int_range(pl.len()) == 0).then(literal).otherwise(pl.col(column)).alias(column)
        )

    return edit


CASES: list[tuple[str, RecordType, Edit, type[Exception], str, str]] = [
    (
        "bad check digits",
        RecordType.PERSON,
        lambda f: f.with_columns(national_number=pl.col("national_number").str.slice(0, 9) + "00"),
        InvalidIdentifier,
        "national_number",
        "not a valid national register number",
    ),
    (
        "letters",
        RecordType.PERSON,
        _first("national_number", "8507300332X"),
        InvalidIdentifier,
        "national_number",
        "not a valid",
    ),
    (
        "born in the future",
        RecordType.PERSON,
        _first("birth_date", date(2031, 1, 1)),
        DomainValidationError,
        "birth_date",
        "is in the future",
    ),
    (
        "birth date contradicts",
        RecordType.PERSON,
        _first("birth_date", date(1950, 1, 2)),
        DomainValidationError,
        "birth_date",
        "contradicts the national number",
    ),
    (
        "sex contradicts",
        RecordType.PERSON,
        lambda f: f.with_columns(sex=pl.when(pl.col("sex") == "M").then(pl.lit("F")).otherwise(pl.lit("M"))),
        DomainValidationError,
        "sex",
        "contradicts the national number",
    ),
    (
        "missing surname",
        RecordType.PERSON,
        _first("last_name", None),
        DomainValidationError,
        "last_name",
        "is required",
    ),
    ("unknown sex", RecordType.PERSON, _first("sex", "X"), DomainValidationError, "sex", "expected M or F"),
    (
        "death before birth",
        RecordType.PERSON,
        _first("death_date", date(1900, 1, 1)),
        DomainValidationError,
        "death_date",
        "before the birth date",
    ),
    (
        "disagreeing person records",
        RecordType.PERSON,
        lambda f: pl.concat([f, f.head(1).with_columns(first_name=pl.lit("Other"))]),
        DomainValidationError,
        "national_number",
        "two person records of the load disagree",
    ),
    (
        "end before start",
        RecordType.AFFILIATION,
        lambda f: f.with_columns(end_date=pl.col("start_date") - pl.duration(days=1)),
        InvalidPeriod,
        "end_date",
        "must be after the start",
    ),
    ("unknown fund", RecordType.AFFILIATION, _first("fund", "F999"), DomainValidationError, "fund", "unknown fund"),
    (
        "unknown capacity",
        RecordType.AFFILIATION,
        _first("capacity", "pirate"),
        DomainValidationError,
        "capacity",
        "expected one of",
    ),
    (
        "bad enterprise number",
        RecordType.AFFILIATION,
        _first("enterprise_number", "0403170702"),
        InvalidIdentifier,
        "enterprise_number",
        "not a valid enterprise number",
    ),
    (
        "overlapping affiliations",
        RecordType.AFFILIATION,
        lambda f: pl.concat([f, f.head(1).with_columns(fund=pl.lit("F109"))]),
        DomainValidationError,
        "start_date",
        "overlaps another affiliation",
    ),
    (
        "negative income",
        RecordType.INCOME,
        _first("amount_cents", -1),
        DomainValidationError,
        "amount",
        "must not be negative",
    ),
    ("income year", RecordType.INCOME, _first("year", 1850), DomainValidationError, "year", "implausible income year"),
    (
        "unknown person",
        RecordType.INCOME,
        _first("national_number", "85073003328"),
        DomainValidationError,
        "national_number",
        "no person with this number",
    ),
    (
        "bad quarter",
        RecordType.CONTRIBUTION,
        _first("quarter", "2024Q5"),
        InvalidPeriod,
        "quarter",
        "expected a quarter like 2024Q1",
    ),
    (
        "unknown contribution fund",
        RecordType.CONTRIBUTION,
        _first("fund", "XXX"),
        DomainValidationError,
        "fund",
        "unknown fund",
    ),
    (
        "duplicate contribution",
        RecordType.CONTRIBUTION,
        lambda f: pl.concat([f, f.head(1)]),
        DomainValidationError,
        "quarter",
        "two contributions",
    ),
    (
        "negative payment",
        RecordType.PAYMENT,
        _first("amount_cents", -5),
        DomainValidationError,
        "amount",
        "must not be negative",
    ),
    (
        "unknown event",
        RecordType.LIFE_EVENT,
        _first("event_type", "wedding"),
        DomainValidationError,
        "event_type",
        "expected one of",
    ),
    (
        "bad child number",
        RecordType.LIFE_EVENT,
        _first("child_national_number", "12345678901"),
        InvalidIdentifier,
        "child_national_number",
        "not a valid",
    ),
]


def _rows(uow: UnitOfWork) -> dict[str, int]:
    return {
        table.name: int(uow.connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in (t.change, t.person, t.affiliation, t.income, t.contribution, t.payment, t.life_event, t.ledger)
    }


@pytest.mark.parametrize(
    ("record_type", "edit", "error", "field", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_records_are_refused_with_a_domain_error_and_nothing_is_written(
    uow: UnitOfWork, record_type: RecordType, edit: Edit, error: type[Exception], field: str, reason: str
) -> None:
    frames = population_frames(30, seed=11)
    frames[record_type] = edit(frames[record_type])
    before = _rows(uow)
    with pytest.raises(error, match=reason) as caught:
        load_population(uow, frames, actor="t", reason="bad batch", today=TODAY)
    assert isinstance(caught.value, DomainValidationError)
    assert caught.value.field == field
    assert f"{record_type.value} record" in str(caught.value)  # names the record
    assert "(got " in str(caught.value)  # and the value
    assert _rows(uow) == before


def test_a_person_already_in_the_register_is_a_conflict(uow: UnitOfWork) -> None:
    frames = population_frames(5, seed=2)
    load_population(uow, frames, actor="t", reason="first", today=TODAY)
    before = _rows(uow)
    with pytest.raises(Conflict, match="national_number"):
        load_population(uow, frames, actor="t", reason="again", today=TODAY)
    assert _rows(uow) == before


def test_a_frame_of_the_wrong_shape_is_a_domain_error(uow: UnitOfWork) -> None:
    with pytest.raises(DomainValidationError, match="does not fit the typed frame"):
        load_population(uow, {RecordType.INCOME: pl.DataFrame({"year": ["two thousand"]})}, actor="t", reason="r")
