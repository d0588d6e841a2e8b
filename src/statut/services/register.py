"""Loading a population into the register, set-based.

:func:`load_population` takes the typed frames of statut.exchange.frames (person, affiliation,
income, contribution, payment, life event), checks them column-wise, links every record to its
person through the national number, derives what the register keeps beyond the frames, and writes
everything in one change of the caller's unit of work (the caller commits).

Derived data, kept simple on purpose (the legislation engine in statut.rules will own the rules):

- **Contribution status** (RD n°38 of 27 July 1967, art. 11; the contribution of a quarter must be
  on the fund's account by the last day of the quarter). The payments allocated to the person,
  fund and quarter are summed into ``paid``; the status is ``paid`` when ``paid >= due`` (nothing
  due counts as paid), ``partial`` when something but not everything was paid, ``due`` while the
  quarter has not ended, ``unpaid`` after. Payments without a quarter, or whose quarter has no
  contribution of that fund, are recorded but settle nothing (``unmatched_payments``). Exemptions
  (dispense, art. 17) are not in the frames, so the loader never derives ``exempted``.
- **Career quarters**: one per person and quarter that has a settled contribution (quarters still
  ``due`` are left out). A quarter counts for the pension when a contribution of it with something
  due is fully paid (reason ``paid``); otherwise it does not count (reason ``unpaid``). Exempted
  quarters give no pension rights (socialsecurity.belgium.be, "dispense de cotisations").

Defaults for optional fields: language ``fr`` (the domain's default), income source ``fund`` and
status ``provisional``, no company director. A person's civil data are valid from their birth.

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
from typing import TYPE_CHECKING, Any

import polars as pl

from statut.domain.calendar import DateRange, Quarter
from statut.domain.entities import (
    Address,
    Capacity,
    CareerQuarterReason,
    ContributionStatus,
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
from statut.store import tables as t
from statut.store.bulk import BulkInsert
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from sqlalchemy import Table as TableLike

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
    checked = _check(uow, population, today or uow.clock().date(), report)
    change = uow.record_change(actor=actor, reason=reason, source=source)
    written, deferred = _write(uow, checked, change, report)
    rows = {name: insert.rows for name, insert in written.items()}
    for name, insert in written.items():
        if insert.rows:
            uow.ledger.record(
                change,
                action="table.loaded",
                entity_type="table",
                entity_key=name,
                payload={"rows": insert.rows, "digest": insert.digest},
            )
    uow.ledger.record(
        change,
        action="population.loaded",
        entity_type="change",
        entity_key=change.change_id,
        payload={"rows": rows, "unmatched_payments": checked.unmatched},
    )
    return LoadSummary(
        change_id=change.change_id,
        rows=rows,
        digests={name: insert.digest for name, insert in written.items()},
        unmatched_payments=checked.unmatched,
        seconds=time.perf_counter() - started,
        deferred=tuple(deferred),
    )


@dataclass
class _Checked:
    """A checked population, linked to person ids, with what the register derives from it."""

    people: pl.DataFrame
    affiliations: pl.DataFrame
    incomes: pl.DataFrame
    contributions: pl.DataFrame
    payments: pl.DataFrame
    careers: pl.DataFrame
    events: pl.DataFrame
    unmatched: int


def _check(uow: UnitOfWork, population: Mapping[RecordType, pl.DataFrame], day: date, report: LoadProgress) -> _Checked:
    frames = {record_type: _typed(record_type, population.get(record_type)) for record_type in RecordType}
    total = sum(frame.height for frame in frames.values())
    report("check", 0, total)
    funds = _FundNumbers(uow.funds.codes())
    people = _checked_people(frames.pop(RecordType.PERSON), day)
    _refuse_registered(uow, people)
    people = people.with_columns(person_id=uow.bulk.reserve_ids(t.person, people.height))
    directory = pl.concat(
        [people.select("national_number", "person_id"), uow.persons.current_identifiers_frame()], how="vertical"
    )

    def linked(record_type: RecordType) -> pl.DataFrame:
        # pop: a typed input is not needed once linked, so it can be freed early.
        return _linked(frames.pop(record_type), directory, record_type.value)

    affiliations = _checked_affiliations(linked(RecordType.AFFILIATION), funds)
    incomes = _checked_incomes(linked(RecordType.INCOME))
    contributions = _checked_contributions(linked(RecordType.CONTRIBUTION), funds)
    payments = _checked_payments(linked(RecordType.PAYMENT), funds)
    events = _checked_events(linked(RecordType.LIFE_EVENT), day)
    report("check", total, total)
    contributions, unmatched = _settled(contributions, payments, day)
    return _Checked(
        people=people,
        affiliations=affiliations.with_columns(version_id=uow.bulk.reserve_ids(t.affiliation, affiliations.height)),
        incomes=incomes,
        contributions=contributions,
        payments=payments,
        careers=_career_quarters(contributions),
        events=events,
        unmatched=unmatched,
    )


def _write(
    uow: UnitOfWork, checked: _Checked, change: Change, report: LoadProgress
) -> tuple[dict[str, BulkInsert], list[str]]:
    """Write the tables one at a time, releasing each source once written (memory holds one copy)."""
    record_time = {"recorded_at": change.recorded_at, "change_id": change.change_id}
    written: dict[str, BulkInsert] = {}

    def write(table: TableLike, frame: pl.DataFrame) -> None:
        constants = {"change_id": change.change_id} if table is t.person else record_time
        written[table.name] = insert = uow.bulk.insert(table, frame, constants=constants, progress=report)
        report(table.name, insert.rows, insert.rows)

    people = checked.people.height
    incoming = {
        t.person: people,
        t.person_identifier: people,
        t.person_version: people,
        t.affiliation: checked.affiliations.height,
        t.income: checked.incomes.height,
        t.contribution: checked.contributions.height,
        t.payment: checked.payments.height,
        t.career_quarter: checked.careers.height,
        t.life_event: checked.events.height,
    }
    nothing = pl.DataFrame()
    with uow.bulk.deferring(incoming) as deferred:
        write(t.person, checked.people.select("person_id"))
        write(t.person_identifier, _identifiers(checked.people))
        write(t.person_version, _person_versions(checked.people))
        checked.people = nothing
        write(t.affiliation, _affiliation_rows(checked.affiliations))
        checked.affiliations = nothing
        write(t.income, _income_rows(checked.incomes))
        checked.incomes = nothing
        write(t.contribution, _contribution_rows(checked.contributions))
        checked.contributions = nothing
        write(t.payment, _payment_rows(checked.payments))
        checked.payments = nothing
        write(t.career_quarter, checked.careers)
        checked.careers = nothing
        write(t.life_event, _event_rows(checked.events))
        checked.events = nothing
    return written, deferred


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


def _identifiers(people: pl.DataFrame) -> pl.DataFrame:
    return people.select("person_id", pl.col("national_number").alias("value"), "kind")


def _person_versions(people: pl.DataFrame) -> pl.DataFrame:
    return people.select(
        "person_id",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        "language",
        "postal_code",
        "municipality",
        "street",
        pl.when(pl.col("postal_code").is_not_null()).then(pl.lit("BE")).otherwise(None).alias("country"),
        "death_date",
        pl.col("birth_date").alias("valid_from"),
        pl.lit(None, dtype=pl.Date()).alias("valid_to"),
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
class _FundNumbers:
    """The register's funds, numbered, so that (person, fund, quarter) fits in one integer key."""

    codes: set[str]

    @property
    def check(self) -> Check:
        known = sorted(self.codes)
        return Check("fund", ~pl.col("fund").is_in(known), f"unknown fund (known: {', '.join(known) or 'none'})")

    def number(self) -> pl.Expr:
        mapping = {code: position for position, code in enumerate(sorted(self.codes))}
        return pl.col("fund").replace_strict(mapping, default=None, return_dtype=pl.Int64)


QUARTER_BITS = 14  # a quarter index (year * 4 + quarter - 1) is below 2^14 up to the year 4095
FUND_BITS = 10  # far fewer than 1024 funds


def _quarter_key(funds: _FundNumbers) -> pl.Expr:
    """(person, quarter, fund) as one Int64 that sorts in that order: person_id, then the quarter
    index, then the fund's number, each in its own bits. Joins and sorts on it are integer work."""
    return (
        pl.col("person_id") * (1 << (QUARTER_BITS + FUND_BITS))
        + pl.col("quarter_index").cast(pl.Int64) * (1 << FUND_BITS)
        + funds.number()
    )


def _with_quarters(frame: pl.DataFrame) -> pl.DataFrame:
    """Replace ``quarter`` and ``quarter_index`` by the parsed quarter (canonical text, index, bounds);
    the raw text is kept as ``_raw_quarter`` for error messages."""
    parsed = parse_quarters(frame.get_column("quarter"))
    return frame.rename({"quarter": "_raw_quarter"}).drop("quarter_index").hstack(parsed)


def _checked_affiliations(frame: pl.DataFrame, funds: _FundNumbers) -> pl.DataFrame:
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


def _checked_contributions(frame: pl.DataFrame, funds: _FundNumbers) -> pl.DataFrame:
    contributions = _with_quarters(frame).with_columns(_key=_quarter_key(funds))
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
    return contributions.select(
        "_key", "person_id", "fund", "quarter", "quarter_index", "quarter_start", "quarter_end", "amount_cents"
    )


def _quarter_oracle(row: Mapping[str, Any]) -> None:
    Quarter.parse(row["_raw_quarter"])


def _checked_payments(frame: pl.DataFrame, funds: _FundNumbers) -> pl.DataFrame:
    payments = _with_quarters(frame).with_columns(_key=_quarter_key(funds))
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
    return payments.select("_key", "person_id", "fund", "payment_date", "amount_cents", "quarter")


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


# -- derived data ---------------------------------------------------------------------------------


def _settled(contributions: pl.DataFrame, payments: pl.DataFrame, today: date) -> tuple[pl.DataFrame, int]:
    """Contributions with what was paid for them and their status, in (person, quarter, fund)
    order; and the number of payments that settle no contribution."""
    contributions = contributions.sort("_key")
    paid = (
        payments.filter(pl.col("_key").is_not_null())
        .sort("_key")
        .group_by("_key", maintain_order=True)
        .agg(paid_cents=pl.col("amount_cents").sum(), _payments=pl.len())
        .with_columns(pl.col("_key").set_sorted())
    )
    # Both sides sorted on the key: a merge join, several times cheaper than hashing.
    settled = (
        contributions.join(paid, on="_key", how="left", maintain_order="left")
        .with_columns(paid_cents=pl.col("paid_cents").fill_null(0))
        .with_columns(
            status=pl.when(pl.col("paid_cents") >= pl.col("amount_cents"))
            .then(pl.lit(ContributionStatus.PAID.value))
            .when(pl.col("paid_cents") > 0)
            .then(pl.lit(ContributionStatus.PARTIAL.value))
            .when(pl.col("quarter_end") > today)
            .then(pl.lit(ContributionStatus.DUE.value))
            .otherwise(pl.lit(ContributionStatus.UNPAID.value))
        )
    )
    # Contribution keys are unique (checked), so each group of payments meets at most one of them.
    matched = int(settled.get_column("_payments").sum() or 0)
    return settled.drop("_payments"), payments.height - matched


def _career_quarters(contributions: pl.DataFrame) -> pl.DataFrame:
    """One row per person and settled quarter, from contributions in (person, quarter, fund) order."""
    settled = contributions.filter(pl.col("status") != ContributionStatus.DUE.value)
    counts = (pl.col("status") == ContributionStatus.PAID.value) & (pl.col("amount_cents") > 0)
    person_quarter = (pl.col("_key") // (1 << FUND_BITS)).set_sorted().alias("_person_quarter")
    return (
        settled.group_by(person_quarter, maintain_order=True)
        .agg(pl.col("person_id").first(), pl.col("quarter").first(), counts_for_pension=counts.any())
        .select(
            "person_id",
            "quarter",
            "counts_for_pension",
            reason=pl.when(pl.col("counts_for_pension"))
            .then(pl.lit(CareerQuarterReason.PAID.value))
            .otherwise(pl.lit(CareerQuarterReason.UNPAID.value)),
        )
    )


# -- rows of the tables ---------------------------------------------------------------------------
# Rows are written in person order: a dossier reads a person's rows together, and parent lookups
# (foreign keys) and index builds are much cheaper on ordered rows.


def _affiliation_rows(affiliations: pl.DataFrame) -> pl.DataFrame:
    return affiliations.select(
        "version_id",
        pl.col("version_id").alias("affiliation_id"),
        "person_id",
        pl.col("fund").alias("fund_code"),
        "capacity",
        "company_director",
        "enterprise_number",
        pl.col("start_date").alias("valid_from"),
        pl.col("end_date").alias("valid_to"),
    )


def _income_rows(incomes: pl.DataFrame) -> pl.DataFrame:
    return incomes.sort("person_id", "year", maintain_order=True).select(
        "person_id",
        "year",
        "amount_cents",
        pl.col("income_source").alias("source"),
        pl.col("income_status").alias("status"),
        pl.date(pl.col("year"), 1, 1).alias("valid_from"),
        pl.date(pl.col("year") + 1, 1, 1).alias("valid_to"),
    )


def _contribution_rows(contributions: pl.DataFrame) -> pl.DataFrame:
    return contributions.select(
        "person_id",
        pl.col("fund").alias("fund_code"),
        "quarter",
        pl.col("amount_cents").alias("due_cents"),
        "paid_cents",
        "status",
        pl.col("quarter_start").alias("valid_from"),
        pl.col("quarter_end").alias("valid_to"),
    )


def _payment_rows(payments: pl.DataFrame) -> pl.DataFrame:
    return payments.sort("person_id", "payment_date", maintain_order=True).select(
        "person_id", pl.col("fund").alias("fund_code"), "payment_date", "amount_cents", "quarter"
    )


def _event_rows(events: pl.DataFrame) -> pl.DataFrame:
    return events.sort("person_id", "event_date", maintain_order=True).select(
        "person_id", "event_type", "event_date", "child_national_number", pl.lit("{}").alias("details")
    )
