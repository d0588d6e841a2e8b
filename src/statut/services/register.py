"""Loading a population into the register, set-based.

:func:`load_population` takes the typed frames of statut.exchange.frames (person, affiliation,
income, contribution, payment, life event), checks them column-wise, links every record to its
person through the national number, derives what the register keeps beyond the frames, and writes
everything in one change of the caller's unit of work (the caller commits).

What the register derives beyond the frames (contribution status from the payments, career
quarters) and how rows are written is statut.services.landing's, the one write path that the
ingestion gate uses too; this module adds what a first load needs on top: checks that raise.

Refused, with a domain error naming the field, the value and the record (nothing is written): an
invalid national or enterprise number, a birth date or sex that contradicts the number, a birth
or death in the future, a missing mandatory field, an unknown code (capacity, fund, event type),
an end before a start, a negative amount, an affiliation overlapping another one of the person,
a record of a person known neither to the load nor to the register, a person already registered,
two records with the same key (number, income year and source, contribution quarter and fund).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from statut.domain.calendar import DateRange, Quarter
from statut.domain.entities import (
    Address,
    Capacity,
    IncomeSource,
    IncomeStatus,
    Language,
    LifeEventType,
    Person,
    ProfessionalIncome,
)
from statut.domain.errors import Conflict, DomainValidationError
from statut.domain.identifiers import Sex, parse_enterprise_number, parse_person_number
from statut.domain.money import from_cents
from statut.exchange.format import RecordType
from statut.exchange.frames import conform, empty_frame
from statut.services.frame_checks import (
    Check,
    compact_enterprise_number,
    compact_numbers,
    decode_national_number,
    parse_quarters,
    raise_first_failure,
    valid_enterprise_number,
)
from statut.services.landing import FundNumbers, land
from statut.store import tables as t
from statut.store.bulk import BulkInsert
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork

LoadProgress = Callable[[str, int, int], None]
"""Called with (step, done, total) as the load advances; steps are ``check`` and the table names."""

MAX_TEXT = 200
CAPACITIES = [capacity.value for capacity in Capacity]
LANGUAGES = [language.value for language in Language]
EVENT_TYPES = [event.value for event in LifeEventType]
INCOME_SOURCES = [source.value for source in IncomeSource]
INCOME_STATUSES = [status.value for status in IncomeStatus]


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a load wrote: rows per table, their digests (also in the ledger), and a few counts."""

    change_id: int
    rows: dict[str, int]
    digests: dict[str, str]
    unmatched_payments: int
    seconds: float
    deferred: tuple[str, ...] = field(default=())

    @property
    def people(self) -> int:
        return self.rows.get(t.person.name, 0)

    @property
    def people_per_second(self) -> float:
        return self.people / self.seconds if self.seconds > 0 else 0.0


def load_population(
    uow: UnitOfWork,
    population: Mapping[RecordType, pl.DataFrame],
    *,
    actor: str,
    reason: str,
    source: str = "",
    progress: LoadProgress | None = None,
    today: date | None = None,
) -> LoadSummary:
    """Check and write a whole population in the unit of work (which the caller commits)."""
    started = time.perf_counter()
    report = progress or _silent
    day = today or uow.clock().date()
    checked = _check(uow, population, day, report)
    change = uow.record_change(actor=actor, reason=reason, source=source)
    landed = land(uow, checked, change, day, supersede_same_key=False, progress=report)
    record_tables_loaded(uow, change, landed.written)
    rows = landed.row_counts
    uow.ledger.record(
        change,
        action="population.loaded",
        entity_type="change",
        entity_key=change.change_id,
        payload={"rows": rows, "unmatched_payments": landed.unmatched_payments},
    )
    return LoadSummary(
        change_id=change.change_id,
        rows=rows,
        digests={name: insert.digest for name, insert in landed.written.items()},
        unmatched_payments=landed.unmatched_payments,
        seconds=time.perf_counter() - started,
        deferred=landed.deferred,
    )


def record_tables_loaded(uow: UnitOfWork, change: Change, written: Mapping[str, BulkInsert]) -> None:
    """One ledger entry per table written, with its row count and digest (``ledger verify`` can then
    tell that the rows of a load are the ones it wrote)."""
    for name, insert in written.items():
        if insert.rows:
            uow.ledger.record(
                change,
                action="table.loaded",
                entity_type="table",
                entity_key=name,
                payload={"rows": insert.rows, "digest": insert.digest},
            )


def _check(
    uow: UnitOfWork, population: Mapping[RecordType, pl.DataFrame], day: date, report: LoadProgress
) -> dict[RecordType, pl.DataFrame]:
    """The population checked (raises on the first failure), each record linked to its person_id."""
    frames = {record_type: _typed(record_type, population.get(record_type)) for record_type in RecordType}
    total = sum(frame.height for frame in frames.values())
    report("check", 0, total)
    funds = _FundCheck(uow.funds.codes())
    people = _checked_people(frames.pop(RecordType.PERSON), day)
    _refuse_registered(uow, people)
    people = people.with_columns(person_id=uow.bulk.reserve_ids(t.person, people.height))
    directory = pl.concat(
        [people.select("national_number", "person_id"), uow.persons.current_identifiers_frame()], how="vertical"
    )

    def linked(record_type: RecordType) -> pl.DataFrame:
        # pop: a typed input is not needed once linked, so it can be freed early.
        return _linked(frames.pop(record_type), directory, record_type.value)

    checked = {
        RecordType.PERSON: people,
        RecordType.AFFILIATION: _checked_affiliations(linked(RecordType.AFFILIATION), funds),
        RecordType.INCOME: _checked_incomes(linked(RecordType.INCOME)),
        RecordType.CONTRIBUTION: _checked_contributions(linked(RecordType.CONTRIBUTION), funds),
        RecordType.PAYMENT: _checked_payments(linked(RecordType.PAYMENT), funds),
        RecordType.LIFE_EVENT: _checked_events(linked(RecordType.LIFE_EVENT), day),
    }
    report("check", total, total)
    return checked


def _silent(_step: str, _done: int, _total: int) -> None:
    return None


def _typed(record_type: RecordType, frame: pl.DataFrame | None) -> pl.DataFrame:
    if frame is None:
        return empty_frame(record_type)
    try:
        typed = conform(record_type, frame)
    except pl.exceptions.PolarsError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DomainValidationError(record_type.value, "frame", f"does not fit the typed frame: {first_line}") from None
    return typed.with_columns(compact_numbers(typed.get_column("national_number")))


# -- people ---------------------------------------------------------------------------------------


def _person_oracle(today: date) -> Callable[[Mapping[str, Any]], None]:
    def check(row: Mapping[str, Any]) -> None:
        number = parse_person_number(row["national_number"] or "")
        address = Address(postal_code=row["postal_code"]) if row.get("postal_code") else None
        Person(
            number=number,
            last_name=row["last_name"] or "",
            first_name=row["first_name"] or "",
            birth_date=row["birth_date"],
            sex=Sex(row["sex"]),
            language=Language(row["language"] or Language.FR.value),
            address=address,
            death_date=row["death_date"],
        ).validate(today)

    return check


CIVIL_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "sex",
    "language",
    "postal_code",
    "municipality",
    "street",
    "death_date",
)


def _checked_people(frame: pl.DataFrame, today: date) -> pl.DataFrame:
    """One row per person. Several funds may send the same person (a change of fund): identical
    records are one person; records of one number that disagree are refused."""
    decoded = decode_national_number("national_number", today)
    people = frame.with_columns(language=pl.col("language").fill_null(Language.FR.value))
    if people.get_column("national_number").is_duplicated().any():
        people = people.unique(subset=["national_number", *CIVIL_FIELDS], keep="first", maintain_order=True)
    # Lazy, so that the digits the four outputs share are computed once (common subexpressions).
    people = (
        people.lazy()
        .with_columns(
            _valid=decoded["valid"],
            kind=decoded["kind"],
            _number_birth=decoded["birth_date"],
            _number_sex=decoded["sex"],
        )
        .collect()
    )
    oracle = _person_oracle(today)
    required = [
        Check(name, pl.col(name).is_null(), "is required")
        for name in ("national_number", "last_name", "first_name", "birth_date", "sex")
    ]
    raise_first_failure(
        people,
        [
            *required,
            Check("national_number", ~pl.col("_valid"), "not a valid national number", oracle),
            Check("last_name", pl.col("last_name").str.strip_chars() == "", "is required"),
            Check("first_name", pl.col("first_name").str.strip_chars() == "", "is required"),
            Check("last_name", pl.col("last_name").str.len_chars() > MAX_TEXT, f"longer than {MAX_TEXT} characters"),
            Check("first_name", pl.col("first_name").str.len_chars() > MAX_TEXT, f"longer than {MAX_TEXT} characters"),
            Check("sex", ~pl.col("sex").is_in([sex.value for sex in Sex]), "expected M or F"),
            Check("language", ~pl.col("language").is_in(LANGUAGES), f"expected one of {', '.join(LANGUAGES)}"),
            Check("birth_date", pl.col("birth_date") > today, "is in the future", oracle),
            Check("birth_date", pl.col("birth_date").dt.year() < 1890, "implausibly early", oracle),
            Check(
                "birth_date",
                pl.col("_number_birth").is_not_null() & (pl.col("_number_birth") != pl.col("birth_date")),
                "contradicts the national number",
                oracle,
            ),
            Check(
                "sex",
                pl.col("_number_sex").is_not_null() & (pl.col("_number_sex") != pl.col("sex")),
                "contradicts the national number",
                oracle,
            ),
            Check("death_date", pl.col("death_date") > today, "is in the future", oracle),
            Check("death_date", pl.col("death_date") < pl.col("birth_date"), "before the birth date", oracle),
            Check(
                "national_number",
                pl.col("national_number").is_duplicated(),
                "two person records of the load disagree about this person",
            ),
        ],
        RecordType.PERSON.value,
    )
    return people.drop("_valid", "_number_birth", "_number_sex")


def _refuse_registered(uow: UnitOfWork, people: pl.DataFrame) -> None:
    known = uow.persons.current_identifiers_frame()
    if known.height == 0 or people.height == 0:
        return
    clash = people.join(known, on="national_number", how="semi").head(1)
    if clash.height:
        number = clash.item(0, "national_number")
        raise Conflict(
            f"national_number: {number!r} already identifies a person in the register; correct that person instead",
            code="statut.conflict.national_number",
            field="national_number",
            value=number,
        )


# -- records of people ----------------------------------------------------------------------------


def _linked(frame: pl.DataFrame, directory: pl.DataFrame, record_type: str) -> pl.DataFrame:
    """The frame with each record's ``person_id``; a record of an unknown person is refused."""
    linked = frame.join(directory, on="national_number", how="left", maintain_order="left")
    raise_first_failure(
        linked,
        [
            Check("national_number", pl.col("national_number").is_null(), "is required"),
            Check(
                "national_number",
                pl.col("person_id").is_null(),
                "no person with this number in the load or the register",
                _number_oracle("national_number"),
            ),
        ],
        record_type,
    )
    return linked


def _number_oracle(field_name: str) -> Callable[[Mapping[str, Any]], None]:
    def check(row: Mapping[str, Any]) -> None:
        parse_person_number(row[field_name] or "", field=field_name)

    return check


def _period_oracle(row: Mapping[str, Any]) -> None:
    DateRange(row["start_date"], row["end_date"])


def _enterprise_oracle(row: Mapping[str, Any]) -> None:
    parse_enterprise_number(row["enterprise_number"])


@dataclass(frozen=True, slots=True)
class _FundCheck:
    """The register's funds: a record's fund must be one of them, and has a number in the
    (person, quarter, fund) key (statut.services.landing.FundNumbers)."""

    codes: set[str]

    @property
    def check(self) -> Check:
        known = sorted(self.codes)
        return Check("fund", ~pl.col("fund").is_in(known), f"unknown fund (known: {', '.join(known) or 'none'})")

    def quarter_key(self) -> pl.Expr:
        return FundNumbers(frozenset(self.codes)).quarter_key()


def _with_quarters(frame: pl.DataFrame) -> pl.DataFrame:
    """Replace ``quarter`` and ``quarter_index`` by the parsed quarter (canonical text, index, bounds);
    the raw text is kept as ``_raw_quarter`` for error messages."""
    parsed = parse_quarters(frame.get_column("quarter"))
    return frame.rename({"quarter": "_raw_quarter"}).drop("quarter_index").hstack(parsed)


def _checked_affiliations(frame: pl.DataFrame, funds: _FundCheck) -> pl.DataFrame:
    affiliations = frame.with_columns(
        company_director=pl.col("company_director").fill_null(False),
        enterprise_number=compact_enterprise_number("enterprise_number"),
    )
    raise_first_failure(
        affiliations,
        [
            Check("fund", pl.col("fund").is_null(), "is required"),
            funds.check,
            Check("capacity", pl.col("capacity").is_null(), "is required"),
            Check("capacity", ~pl.col("capacity").is_in(CAPACITIES), f"expected one of {', '.join(CAPACITIES)}"),
            Check("start_date", pl.col("start_date").is_null(), "is required"),
            Check(
                "end_date",
                pl.col("end_date") <= pl.col("start_date"),
                "must be after the start",
                _period_oracle,
            ),
            Check(
                "enterprise_number",
                ~valid_enterprise_number("enterprise_number"),
                "not a valid enterprise number",
                _enterprise_oracle,
            ),
        ],
        RecordType.AFFILIATION.value,
    )
    ordered = affiliations.sort("person_id", "start_date", maintain_order=True)
    same_person = pl.col("person_id").shift(1) == pl.col("person_id")
    previous_end = pl.col("end_date").shift(1)
    raise_first_failure(
        ordered,
        [
            Check(
                "start_date",
                same_person & (previous_end.is_null() | (previous_end > pl.col("start_date"))),
                "overlaps another affiliation of the person in the load: one fund at a time",
            )
        ],
        RecordType.AFFILIATION.value,
    )
    return ordered


def _checked_incomes(frame: pl.DataFrame) -> pl.DataFrame:
    incomes = frame.with_columns(
        income_source=pl.col("income_source").fill_null(IncomeSource.FUND.value),
        income_status=pl.col("income_status").fill_null(IncomeStatus.PROVISIONAL.value),
    )
    raise_first_failure(
        incomes,
        [
            Check("year", pl.col("year").is_null(), "is required"),
            Check("amount", pl.col("amount_cents").is_null(), "is required"),
            Check(
                "year",
                ~pl.col("year").is_between(1950, 2200),
                "implausible income year",
                _income_oracle,
            ),
            Check("amount", pl.col("amount_cents") < 0, "must not be negative", _income_oracle),
            Check(
                "income_source",
                ~pl.col("income_source").is_in(INCOME_SOURCES),
                f"expected one of {', '.join(INCOME_SOURCES)}",
            ),
            Check(
                "income_status",
                ~pl.col("income_status").is_in(INCOME_STATUSES),
                f"expected one of {', '.join(INCOME_STATUSES)}",
            ),
            Check(
                "year",
                (
                    pl.col("person_id") * 1_000_000
                    + pl.col("year").cast(pl.Int64) * 10
                    + pl.col("income_source").replace_strict(
                        {source: position for position, source in enumerate(INCOME_SOURCES)},
                        default=None,
                        return_dtype=pl.Int64,
                    )
                ).is_duplicated(),
                "two incomes of the same source for the same person and year",
            ),
        ],
        RecordType.INCOME.value,
    )
    return incomes


def _income_oracle(row: Mapping[str, Any]) -> None:
    ProfessionalIncome(
        person=row["national_number"],
        year=row["year"],
        amount=from_cents(row["amount_cents"]),
        source=IncomeSource(row["income_source"]),
        status=IncomeStatus(row["income_status"]),
    )


def _checked_contributions(frame: pl.DataFrame, funds: _FundCheck) -> pl.DataFrame:
    contributions = _with_quarters(frame).with_columns(_key=funds.quarter_key())
    raise_first_failure(
        contributions,
        [
            Check("fund", pl.col("fund").is_null(), "is required"),
            funds.check,
            Check("quarter", pl.col("_raw_quarter").is_null(), "is required"),
            Check("quarter", pl.col("quarter").is_null(), "expected a quarter like 2024Q1", _quarter_oracle),
            Check("amount", pl.col("amount_cents").is_null(), "is required"),
            Check("amount", pl.col("amount_cents") < 0, "must not be negative"),
            Check(
                "quarter",
                pl.col("_key").is_duplicated(),
                "two contributions of the same fund for the same person and quarter",
            ),
        ],
        RecordType.CONTRIBUTION.value,
    )
    # Only what is written or derived travels further: every column costs in the joins below.
    return contributions.select("record_id", "person_id", "fund", "quarter", "quarter_index", "amount_cents")


def _quarter_oracle(row: Mapping[str, Any]) -> None:
    Quarter.parse(row["_raw_quarter"])


def _checked_payments(frame: pl.DataFrame, funds: _FundCheck) -> pl.DataFrame:
    payments = _with_quarters(frame).with_columns(_key=funds.quarter_key())
    raise_first_failure(
        payments,
        [
            Check("fund", pl.col("fund").is_null(), "is required"),
            funds.check,
            Check("payment_date", pl.col("payment_date").is_null(), "is required"),
            Check("amount", pl.col("amount_cents").is_null(), "is required"),
            Check("amount", pl.col("amount_cents") < 0, "must not be negative"),
            Check(
                "quarter",
                pl.col("_raw_quarter").is_not_null() & pl.col("quarter").is_null(),
                "expected a quarter like 2024Q1",
                _quarter_oracle,
            ),
        ],
        RecordType.PAYMENT.value,
    )
    return payments.select("record_id", "person_id", "fund", "payment_date", "amount_cents", "quarter", "quarter_index")


def _checked_events(frame: pl.DataFrame, today: date) -> pl.DataFrame:
    events = frame.with_columns(compact_numbers(frame.get_column("child_national_number")))
    child = decode_national_number("child_national_number", today)
    raise_first_failure(
        events,
        [
            Check("event_type", pl.col("event_type").is_null(), "is required"),
            Check("event_type", ~pl.col("event_type").is_in(EVENT_TYPES), f"expected one of {', '.join(EVENT_TYPES)}"),
            Check("event_date", pl.col("event_date").is_null(), "is required"),
            Check(
                "child_national_number",
                pl.col("child_national_number").is_not_null() & ~child["valid"],
                "not a valid national number",
                _number_oracle("child_national_number"),
            ),
        ],
        RecordType.LIFE_EVENT.value,
    )
    return events
