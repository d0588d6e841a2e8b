"""Landing the records the gate accepted into the register, set-based, people known or not.

:func:`statut.services.register.load_population` loads a population into a register that does not
know it yet (it refuses people already registered, and re-checks everything). A fund batch is about
people the register often knows already (sent by another fund, or by this fund earlier), and it has
been checked by the catalogue, so this module only links, derives and writes:

- a person record of a new person adds the person, the number and the civil data; a correction
  (XHL-002) of a known person adds a new version of the civil data; the same person sent by another
  fund adds nothing to the register (the fund's record id is kept in ``fund_record``);
- every other record links to its person through the national number and is inserted with an id
  reserved up front, so the gate can note which register row each record id landed in;
- a correction supersedes the row its earlier version landed in (history is never overwritten);
  an income or contribution with the natural key of a current row (same person, year and source;
  same person, fund and quarter) supersedes that row too, since the register holds one current
  value per key;
- contribution status is settled against the payments of the same batch (RD n°38, art. 11), and a
  career quarter is added where none is current yet. Settling against payments already in the
  register is the job of the legislation engine's recomputation, not of the gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Table, select

from statut.domain.entities import CareerQuarterReason, ContributionStatus, IncomeSource, IncomeStatus, Language
from statut.exchange.format import RecordType
from statut.services.frame_checks import decode_national_number
from statut.store import tables as t
from statut.store.bitemporal import supersede
from statut.store.changes import Change
from statut.store.unit_of_work import UnitOfWork

_CHUNK = 5_000

#: Register table and primary key of each record type's rows.
TARGETS: dict[RecordType, tuple[Table, str]] = {
    RecordType.PERSON: (t.person_version, "version_id"),
    RecordType.AFFILIATION: (t.affiliation, "version_id"),
    RecordType.INCOME: (t.income, "version_id"),
    RecordType.CONTRIBUTION: (t.contribution, "version_id"),
    RecordType.PAYMENT: (t.payment, "payment_id"),
    RecordType.LIFE_EVENT: (t.life_event, "event_id"),
}


@dataclass(frozen=True, slots=True)
class Landed:
    """Per record type: record_id and the register row it landed in (null: nothing new to write)."""

    rows: dict[RecordType, pl.DataFrame]
    written: dict[str, int]
    unlinked: dict[RecordType, pl.Series]


def unlinked_records(uow: UnitOfWork, accepted: Mapping[RecordType, pl.DataFrame]) -> dict[RecordType, pl.Series]:
    """record_ids of accepted records whose person is neither in the batch nor in the register."""
    directory = _directory(uow, accepted[RecordType.PERSON])
    out: dict[RecordType, pl.Series] = {}
    for record_type, frame in accepted.items():
        if record_type is RecordType.PERSON or frame.height == 0:
            continue
        missing = frame.join(directory, on="national_number", how="anti").get_column("record_id")
        if missing.len():
            out[record_type] = missing
    return out


def land(  # noqa: PLR0915 - one set-based step per record type, in dependency order
    uow: UnitOfWork,
    accepted: Mapping[RecordType, pl.DataFrame],
    previous: Mapping[RecordType, pl.DataFrame],
    change: Change,
    today: date,
) -> Landed:
    """Write the accepted frames; ``previous``: per type, record_id and row_id of the versions replaced."""
    record_time = {"recorded_at": change.recorded_at, "change_id": change.change_id}
    written: dict[str, int] = {}

    def write(table: Table, frame: pl.DataFrame, constants: dict[str, Any] | None = None) -> None:
        insert = uow.bulk.insert(table, frame, constants=record_time if constants is None else constants)
        written[table.name] = written.get(table.name, 0) + insert.rows

    def retire(record_type: RecordType) -> None:
        table, pk = TARGETS[record_type]
        old = previous.get(record_type)
        if old is not None and old.height:
            ids = old.get_column("row_id").drop_nulls().unique().to_list()
            _supersede_current(uow, table, pk, ids, change)

    rows: dict[RecordType, pl.DataFrame] = {}
    people = accepted[RecordType.PERSON]
    known = uow.persons.current_identifiers_frame()
    new = people.join(known, on="national_number", how="anti").unique(
        "national_number", keep="first", maintain_order=True
    )
    new = new.with_columns(person_id=uow.bulk.reserve_ids(t.person, new.height))
    decoded = decode_national_number("national_number", today)
    write(t.person, new.select("person_id"), {"change_id": change.change_id})
    write(t.person_identifier, new.select("person_id", pl.col("national_number").alias("value"), kind=decoded["kind"]))
    directory = pl.concat([new.select("national_number", "person_id"), known])
    corrected = previous.get(RecordType.PERSON)
    corrected_ids = corrected.get_column("record_id") if corrected is not None else pl.Series([], dtype=pl.String)
    versions = pl.concat(
        [
            new.drop("person_id"),
            people.filter(pl.col("record_id").is_in(corrected_ids.implode())).join(
                new.select("national_number"), on="national_number", how="anti"
            ),
        ]
    ).join(directory, on="national_number", how="left")
    person_of_corrections = versions.join(new.select("national_number"), on="national_number", how="anti")
    _supersede_current_versions(uow, person_of_corrections.get_column("person_id").to_list(), change)
    versions = versions.with_columns(version_id=uow.bulk.reserve_ids(t.person_version, versions.height))
    write(t.person_version, _person_versions(versions))
    rows[RecordType.PERSON] = versions.select("record_id", pl.col("version_id").alias("row_id"))

    def linked(record_type: RecordType) -> pl.DataFrame:
        table, pk = TARGETS[record_type]
        frame = accepted[record_type].join(directory, on="national_number", how="inner", maintain_order="left")
        return frame.with_columns(uow.bulk.reserve_ids(table, frame.height).alias(pk))

    retire(RecordType.AFFILIATION)
    affiliations = linked(RecordType.AFFILIATION)
    old = previous.get(RecordType.AFFILIATION)
    logical = _logical_affiliations(uow, old) if old is not None else pl.DataFrame()
    affiliations = affiliations.join(logical, on="record_id", how="left") if logical.height else affiliations
    if "affiliation_id" not in affiliations.columns:
        affiliations = affiliations.with_columns(affiliation_id=pl.lit(None, dtype=pl.Int64))
    affiliations = affiliations.with_columns(pl.col("affiliation_id").fill_null(pl.col("version_id")))
    write(t.affiliation, _affiliation_rows(affiliations))
    rows[RecordType.AFFILIATION] = affiliations.select("record_id", pl.col("version_id").alias("row_id"))

    retire(RecordType.INCOME)
    incomes = linked(RecordType.INCOME).with_columns(
        income_source=pl.col("income_source").fill_null(IncomeSource.FUND.value),
        income_status=pl.col("income_status").fill_null(IncomeStatus.PROVISIONAL.value),
    )
    _supersede_by_key(
        uow, t.income, incomes, {"person_id": "person_id", "year": "year", "source": "income_source"}, change
    )
    write(t.income, _income_rows(incomes))
    rows[RecordType.INCOME] = incomes.select("record_id", pl.col("version_id").alias("row_id"))

    retire(RecordType.PAYMENT)
    payments = linked(RecordType.PAYMENT)
    write(t.payment, _payment_rows(payments))
    rows[RecordType.PAYMENT] = payments.select("record_id", pl.col("payment_id").alias("row_id"))

    retire(RecordType.CONTRIBUTION)
    contributions = _settled(linked(RecordType.CONTRIBUTION), payments, today)
    _supersede_by_key(
        uow,
        t.contribution,
        contributions,
        {"person_id": "person_id", "fund_code": "fund", "quarter": "quarter"},
        change,
    )
    write(t.contribution, _contribution_rows(contributions))
    rows[RecordType.CONTRIBUTION] = contributions.select("record_id", pl.col("version_id").alias("row_id"))
    write(t.career_quarter, _new_career_quarters(uow, contributions))

    retire(RecordType.LIFE_EVENT)
    events = linked(RecordType.LIFE_EVENT)
    write(t.life_event, _event_rows(events))
    rows[RecordType.LIFE_EVENT] = events.select("record_id", pl.col("event_id").alias("row_id"))
    return Landed(rows=rows, written=written, unlinked={})


def _directory(uow: UnitOfWork, people: pl.DataFrame) -> pl.DataFrame:
    known = uow.persons.current_identifiers_frame().select("national_number")
    return pl.concat([people.select("national_number"), known]).unique()


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _supersede_current(uow: UnitOfWork, table: Table, pk: str, ids: list[int], change: Change) -> None:
    """Supersede those of ``ids`` that are still current (a row may already have been replaced)."""
    column = table.c[pk]
    for chunk in _chunks(ids):
        still = [
            int(r[0])
            for r in uow.connection.execute(select(column).where(column.in_(chunk), table.c.superseded_at.is_(None)))
        ]
        supersede(uow.connection, table, column, still, change)


def _supersede_current_versions(uow: UnitOfWork, person_ids: list[int], change: Change) -> None:
    table = t.person_version
    for chunk in _chunks(person_ids):
        ids = [
            int(r[0])
            for r in uow.connection.execute(
                select(table.c.version_id).where(table.c.person_id.in_(chunk), table.c.superseded_at.is_(None))
            )
        ]
        supersede(uow.connection, table, table.c.version_id, ids, change)


def _supersede_by_key(uow: UnitOfWork, table: Table, frame: pl.DataFrame, key: dict[str, str], change: Change) -> None:
    """Supersede the current rows that have the natural key of an incoming row."""
    if frame.height == 0:
        return
    person_ids = frame.get_column("person_id").unique().to_list()
    found: list[tuple[Any, ...]] = []
    for chunk in _chunks(person_ids):
        found += [
            tuple(r)
            for r in uow.connection.execute(
                select(table.c.version_id, *[table.c[c] for c in key]).where(
                    table.c.person_id.in_(chunk), table.c.superseded_at.is_(None)
                )
            )
        ]
    if not found:
        return
    current = pl.DataFrame(found, schema=["version_id", *key.keys()], orient="row")
    incoming = frame.select([pl.col(src).alias(dst) for dst, src in key.items()])
    current = current.cast({c: incoming.schema[c] for c in key})
    clash = current.join(incoming, on=list(key), how="semi").get_column("version_id").to_list()
    _supersede_current(uow, table, "version_id", [int(v) for v in clash], change)


def _logical_affiliations(uow: UnitOfWork, old: pl.DataFrame) -> pl.DataFrame:
    """record_id -> affiliation_id of the versions a correction replaces (the logical id is kept)."""
    ids = old.get_column("row_id").drop_nulls().to_list()
    found: list[tuple[int, int]] = []
    for chunk in _chunks(ids):
        found += [
            (int(r[0]), int(r[1]))
            for r in uow.connection.execute(
                select(t.affiliation.c.version_id, t.affiliation.c.affiliation_id).where(
                    t.affiliation.c.version_id.in_(chunk)
                )
            )
        ]
    frame = pl.DataFrame(found, schema={"row_id": pl.Int64, "affiliation_id": pl.Int64}, orient="row")
    return old.join(frame, on="row_id").select("record_id", "affiliation_id")


def _person_versions(people: pl.DataFrame) -> pl.DataFrame:
    return people.select(
        "version_id",
        "person_id",
        "last_name",
        "first_name",
        "birth_date",
        "sex",
        pl.col("language").fill_null(Language.FR.value),
        "postal_code",
        "municipality",
        "street",
        pl.when(pl.col("postal_code").is_not_null()).then(pl.lit("BE")).otherwise(None).alias("country"),
        "death_date",
        pl.col("birth_date").alias("valid_from"),
        pl.lit(None, dtype=pl.Date()).alias("valid_to"),
    )


def _affiliation_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "affiliation_id",
        "person_id",
        pl.col("fund").alias("fund_code"),
        "capacity",
        pl.col("company_director").fill_null(False),
        "enterprise_number",
        pl.col("start_date").alias("valid_from"),
        pl.col("end_date").alias("valid_to"),
    )


def _income_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "person_id",
        "year",
        "amount_cents",
        pl.col("income_source").alias("source"),
        pl.col("income_status").alias("status"),
        pl.date(pl.col("year"), 1, 1).alias("valid_from"),
        pl.date(pl.col("year") + 1, 1, 1).alias("valid_to"),
    )


def _quarter_bounds() -> tuple[pl.Expr, pl.Expr]:
    year = pl.col("quarter_index") // 4
    number = pl.col("quarter_index") % 4
    start = pl.date(year, number * 3 + 1, 1)
    end = pl.date(year + (number == 3).cast(pl.Int32), ((number + 1) % 4) * 3 + 1, 1)
    return start, end


def _settled(contributions: pl.DataFrame, payments: pl.DataFrame, today: date) -> pl.DataFrame:
    key = ["person_id", "fund", "quarter"]
    paid = payments.filter(pl.col("quarter").is_not_null()).group_by(key).agg(paid_cents=pl.col("amount_cents").sum())
    start, end = _quarter_bounds()
    return (
        contributions.join(paid, on=key, how="left", maintain_order="left")
        .with_columns(paid_cents=pl.col("paid_cents").fill_null(0), quarter_start=start, quarter_end=end)
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


def _contribution_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "version_id",
        "person_id",
        pl.col("fund").alias("fund_code"),
        "quarter",
        pl.col("amount_cents").alias("due_cents"),
        "paid_cents",
        "status",
        pl.col("quarter_start").alias("valid_from"),
        pl.col("quarter_end").alias("valid_to"),
    )


def _new_career_quarters(uow: UnitOfWork, contributions: pl.DataFrame) -> pl.DataFrame:
    """Career quarters of settled contributions, where the register has none current yet."""
    settled = contributions.filter(pl.col("status") != ContributionStatus.DUE.value)
    counts = (pl.col("status") == ContributionStatus.PAID.value) & (pl.col("amount_cents") > 0)
    quarters = settled.group_by("person_id", "quarter").agg(counts_for_pension=counts.any())
    existing: list[tuple[int, str]] = []
    for chunk in _chunks(quarters.get_column("person_id").unique().to_list()):
        existing += [
            (int(r[0]), r[1])
            for r in uow.connection.execute(
                select(t.career_quarter.c.person_id, t.career_quarter.c.quarter).where(
                    t.career_quarter.c.person_id.in_(chunk), t.career_quarter.c.superseded_at.is_(None)
                )
            )
        ]
    held = pl.DataFrame(existing, schema={"person_id": pl.Int64, "quarter": pl.String}, orient="row")
    return (
        quarters.join(held, on=["person_id", "quarter"], how="anti")
        .sort("person_id", "quarter")
        .select(
            "person_id",
            "quarter",
            "counts_for_pension",
            reason=pl.when(pl.col("counts_for_pension"))
            .then(pl.lit(CareerQuarterReason.PAID.value))
            .otherwise(pl.lit(CareerQuarterReason.UNPAID.value)),
        )
    )


def _payment_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "payment_id", "person_id", pl.col("fund").alias("fund_code"), "payment_date", "amount_cents", "quarter"
    )


def _event_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        "event_id",
        "person_id",
        "event_type",
        "event_date",
        "child_national_number",
        pl.lit("{}").alias("details"),
    )
