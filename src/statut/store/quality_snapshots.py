"""Repository of quality snapshots, and the register read as typed frames for the quality scan.

The scan needs every current record of the register at once, so the reader runs one set-based query
per table (no query per person) and shapes the rows into the typed frames of statut.exchange.frames,
which the catalogue's rules read. A register record's ``fund`` is the fund that answers for it: its own
fund_code where the table has one, else the fund of the person's latest affiliation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Date, Select, func, insert, select

from statut.exchange.format import RecordType
from statut.exchange.frames import conform, empty_frame
from statut.store import tables as t
from statut.store.changes import Change
from statut.store.quality_tables import quality_score, quality_snapshot

SCORE_COLUMNS = ("level", "dimension", "fund_code", "record_type", "rule_id", "checked", "failed")


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    snapshot_id: int
    taken_at: datetime
    as_of: date
    records: int
    change_id: int


class QualitySnapshotRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, change: Change, as_of: date, records: int, scores: pl.DataFrame) -> SnapshotRow:
        """Store a snapshot and its score rows (columns SCORE_COLUMNS)."""
        snapshot_id = self._connection.execute(
            insert(quality_snapshot)
            .values(taken_at=change.recorded_at, as_of=as_of, records=records, change_id=change.change_id)
            .returning(quality_snapshot.c.snapshot_id)
        ).scalar_one()
        rows = [{"snapshot_id": snapshot_id, **row} for row in scores.select(SCORE_COLUMNS).iter_rows(named=True)]
        if rows:
            self._connection.execute(insert(quality_score), rows)
        return SnapshotRow(int(snapshot_id), change.recorded_at, as_of, records, change.change_id)

    def latest(self, count: int = 2) -> list[SnapshotRow]:
        """The newest ``count`` snapshots, newest first."""
        query = select(quality_snapshot).order_by(quality_snapshot.c.snapshot_id.desc()).limit(count)
        return [SnapshotRow(**row._mapping) for row in self._connection.execute(query)]

    def scores(self, snapshot_id: int) -> pl.DataFrame:
        columns = [quality_score.c[name] for name in SCORE_COLUMNS]
        rows = self._connection.execute(select(*columns).where(quality_score.c.snapshot_id == snapshot_id)).all()
        schema = {name: (pl.Int64 if name in ("checked", "failed") else pl.String) for name in SCORE_COLUMNS}
        return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


# -- the register as typed frames ----------------------------------------------------------------

#: How each record type's ``record_id`` is made: a key that stays when the record gets a new version
#: (so a finding on it survives a correction that keeps the defect, and closes when one removes it).
STABLE_KEYS: dict[RecordType, tuple[str, ...]] = {
    RecordType.PERSON: ("person_id",),
    RecordType.AFFILIATION: ("affiliation_id", "start_date"),
    RecordType.INCOME: ("person_id", "year", "income_source"),
    RecordType.CONTRIBUTION: ("person_id", "fund", "quarter"),
    RecordType.PAYMENT: ("version_id",),
    RecordType.LIFE_EVENT: ("version_id",),
}


def _frame(connection: Connection, query: Select[Any]) -> pl.DataFrame:
    """Rows of ``query`` as a frame, fetched from the driver's cursor in blocks: no SQLAlchemy row
    object per row (the register has tens of millions of rows). Dates come back as ISO text from
    SQLite and are parsed column-wise."""
    compiled = query.compile(dialect=connection.dialect)
    names = [str(column.key) for column in query.selected_columns]
    result = connection.exec_driver_sql(str(compiled), compiled_parameters(compiled))
    cursor = result.cursor
    assert cursor is not None
    blocks = []
    while True:
        rows = cursor.fetchmany(200_000)
        if not rows:
            break
        blocks.append(pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None))
    result.close()
    if not blocks:
        return pl.DataFrame(schema=dict.fromkeys(names, pl.String))
    frame = pl.concat(blocks, how="vertical_relaxed")
    dates = [
        str(c.key) for c in query.selected_columns if isinstance(c.type, Date) and frame.schema[str(c.key)] == pl.String
    ]
    return frame.with_columns(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d") for name in dates)


def compiled_parameters(compiled: Any) -> Any:
    """The bound values of a compiled statement in the form its driver takes (tuple or mapping)."""
    params = compiled.construct_params()
    if compiled.positional:
        return tuple(params[name] for name in compiled.positiontup)
    return params


def person_id_bounds(connection: Connection) -> tuple[int, int]:
    """Smallest and largest person_id (0, -1 for an empty register)."""
    low, high = connection.execute(select(func.min(t.person.c.person_id), func.max(t.person.c.person_id))).one()
    return (0, -1) if low is None else (int(low), int(high))


def read_register_frames(
    connection: Connection, persons: tuple[int, int] | None = None
) -> dict[RecordType, pl.DataFrame]:
    """Every current register record, per record type, in the typed schemas (with ``fund``).

    ``persons``: only the records of persons with ``low <= person_id < high``. Every scan rule looks
    at one person's records together (their number, their affiliations, their quarters), so a scan
    made range by range finds exactly what a scan of the whole register finds, in bounded memory.
    (store.scan_reads runs the same queries through a columnar reader when it can.)
    """
    raw = {name: _frame(connection, query) for name, query in register_queries(persons).items()}
    return shape_register_frames(raw)


def register_queries(persons: tuple[int, int] | None = None) -> dict[str, Select[Any]]:
    """The queries of :func:`read_register_frames`, by name: ``numbers`` (a person's smallest current
    number) and one per record type (its value); :func:`shape_register_frames` shapes their rows."""

    def within(column: Any) -> list[Any]:
        return [] if persons is None else [column >= persons[0], column < persons[1]]

    pid = t.person_identifier.c
    aff = t.affiliation.c
    pv = t.person_version.c
    inc = t.income.c
    con = t.contribution.c
    pay = t.payment.c
    ev = t.life_event.c
    return {
        "numbers": select(pid.person_id, func.min(pid.value).label("national_number"))
        .where(pid.superseded_at.is_(None), *within(pid.person_id))
        .group_by(pid.person_id),
        RecordType.AFFILIATION.value: select(
            aff.person_id,
            aff.version_id,
            aff.affiliation_id,
            aff.fund_code.label("fund"),
            aff.capacity,
            aff.company_director,
            aff.enterprise_number,
            aff.valid_from.label("start_date"),
            aff.valid_to.label("end_date"),
        ).where(aff.superseded_at.is_(None), *within(aff.person_id)),
        RecordType.PERSON.value: select(
            pv.person_id,
            pv.version_id,
            pv.last_name,
            pv.first_name,
            pv.birth_date,
            pv.sex,
            pv.language,
            pv.postal_code,
            pv.municipality,
            pv.street,
            pv.death_date,
        ).where(pv.superseded_at.is_(None), pv.valid_to.is_(None), *within(pv.person_id)),
        RecordType.INCOME.value: select(
            inc.person_id,
            inc.version_id,
            inc.year,
            inc.amount_cents,
            inc.source.label("income_source"),
            inc.status.label("income_status"),
        ).where(inc.superseded_at.is_(None), *within(inc.person_id)),
        RecordType.CONTRIBUTION.value: select(
            con.person_id, con.version_id, con.fund_code.label("fund"), con.quarter, con.due_cents.label("amount_cents")
        ).where(con.superseded_at.is_(None), *within(con.person_id)),
        RecordType.PAYMENT.value: select(
            pay.person_id,
            pay.payment_id.label("version_id"),
            pay.fund_code.label("fund"),
            pay.payment_date,
            pay.amount_cents,
            pay.quarter,
        ).where(pay.superseded_at.is_(None), *within(pay.person_id)),
        RecordType.LIFE_EVENT.value: select(
            ev.person_id, ev.event_id.label("version_id"), ev.event_type, ev.event_date, ev.child_national_number
        ).where(ev.superseded_at.is_(None), *within(ev.person_id)),
    }


def shape_register_frames(raw: dict[str, pl.DataFrame]) -> dict[RecordType, pl.DataFrame]:
    """The rows of :func:`register_queries` as the typed frames of the scan: each record's national
    number, its ``fund`` (the person's latest affiliation for types without one), ``record_id``."""
    affiliations = raw[RecordType.AFFILIATION.value]
    person_fund = (
        affiliations.sort("start_date").group_by("person_id").agg(pl.col("fund").last())
        if affiliations.height
        else pl.DataFrame(schema={"person_id": pl.Int64, "fund": pl.String})
    )
    numbers = raw["numbers"]
    order = (
        RecordType.PERSON,
        RecordType.AFFILIATION,
        RecordType.INCOME,
        RecordType.CONTRIBUTION,
        RecordType.PAYMENT,
        RecordType.LIFE_EVENT,
    )
    return {record_type: _typed(record_type, raw[record_type.value], numbers, person_fund) for record_type in order}


def _typed(
    record_type: RecordType, frame: pl.DataFrame, numbers: pl.DataFrame, person_fund: pl.DataFrame
) -> pl.DataFrame:
    if frame.height == 0:
        return empty_frame(record_type)
    frame = frame.join(numbers, on="person_id", how="left")
    if "fund" not in frame.columns:
        frame = frame.join(person_fund, on="person_id", how="left")
    if "quarter" in frame.columns:
        frame = frame.with_columns(
            (
                pl.col("quarter").str.slice(0, 4).cast(pl.Int32) * 4
                + pl.col("quarter").str.slice(5, 1).cast(pl.Int32)
                - 1
            )
            .cast(pl.Int32)
            .alias("quarter_index")
        )
    key = pl.concat_str(
        [pl.lit(record_type.value), *(pl.col(c).cast(pl.String).fill_null("") for c in STABLE_KEYS[record_type])],
        separator=":",
    )
    # A stable key held by two current records (valid-time pieces of one affiliation) gets the
    # version too, so that record ids stay unique as the rules expect. A 64-bit hash finds the
    # candidates cheaply (tens of millions of keys); the exact test runs on the candidates only.
    frame = frame.with_columns(key.alias("record_id"))
    candidates = frame.filter(pl.col("record_id").hash().is_duplicated()).select("record_id")
    if candidates.height:
        repeated = candidates.filter(pl.col("record_id").is_duplicated()).get_column("record_id").unique()
        frame = frame.with_columns(
            pl.when(pl.col("record_id").is_in(repeated.implode()))
            .then(pl.format("{}:v{}", pl.col("record_id"), pl.col("version_id")))
            .otherwise(pl.col("record_id"))
            .alias("record_id")
        )
    return conform(record_type, frame)


def read_linkage_persons(connection: Connection) -> pl.DataFrame:
    """The register's persons as the record linkage reads them (quality.linkage.PERSON_COLUMNS), with
    ``record_id`` the person_id as text: current civil data and the smallest current number."""
    pid = t.person_identifier.c
    numbers = (
        select(pid.person_id, func.min(pid.value).label("national_number"))
        .where(pid.superseded_at.is_(None))
        .group_by(pid.person_id)
        .subquery()
    )
    pv = t.person_version.c
    query = (
        select(
            pv.person_id.label("record_id"),
            pv.first_name,
            pv.last_name,
            pv.birth_date,
            pv.sex,
            pv.postal_code,
            pv.street,
            numbers.c.national_number,
        )
        .select_from(t.person_version.outerjoin(numbers, numbers.c.person_id == pv.person_id))
        .where(pv.superseded_at.is_(None), pv.valid_to.is_(None))
    )
    frame = _frame(connection, query)
    return frame.select(pl.col(c).cast(pl.String) for c in frame.columns)
