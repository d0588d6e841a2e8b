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
from sqlalchemy import Connection, Select, func, insert, select

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


def _frame(connection: Connection, query: Select[Any]) -> pl.DataFrame:
    result = connection.execute(query)
    names = list(result.keys())
    return pl.DataFrame([tuple(r) for r in result], schema=names, orient="row", infer_schema_length=None)


def read_register_frames(connection: Connection) -> dict[RecordType, pl.DataFrame]:
    """Every current register record, per record type, in the typed schemas (with ``fund``)."""
    numbers = _frame(
        connection,
        select(t.person_identifier.c.person_id, func.min(t.person_identifier.c.value).label("national_number"))
        .where(t.person_identifier.c.superseded_at.is_(None))
        .group_by(t.person_identifier.c.person_id),
    )
    aff = t.affiliation.c
    affiliations = _frame(
        connection,
        select(
            aff.person_id,
            aff.version_id,
            aff.fund_code.label("fund"),
            aff.capacity,
            aff.company_director,
            aff.enterprise_number,
            aff.valid_from.label("start_date"),
            aff.valid_to.label("end_date"),
        ).where(aff.superseded_at.is_(None)),
    )
    person_fund = (
        affiliations.sort("start_date").group_by("person_id").agg(pl.col("fund").last())
        if affiliations.height
        else pl.DataFrame(schema={"person_id": pl.Int64, "fund": pl.String})
    )
    pv = t.person_version.c
    persons = _frame(
        connection,
        select(
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
        ).where(pv.superseded_at.is_(None), pv.valid_to.is_(None)),
    )
    inc = t.income.c
    incomes = _frame(
        connection,
        select(
            inc.person_id,
            inc.version_id,
            inc.year,
            inc.amount_cents,
            inc.source.label("income_source"),
            inc.status.label("income_status"),
        ).where(inc.superseded_at.is_(None)),
    )
    con = t.contribution.c
    contributions = _frame(
        connection,
        select(
            con.person_id, con.version_id, con.fund_code.label("fund"), con.quarter, con.due_cents.label("amount_cents")
        ).where(con.superseded_at.is_(None)),
    )
    pay = t.payment.c
    payments = _frame(
        connection,
        select(
            pay.person_id,
            pay.payment_id.label("version_id"),
            pay.fund_code.label("fund"),
            pay.payment_date,
            pay.amount_cents,
            pay.quarter,
        ).where(pay.superseded_at.is_(None)),
    )
    ev = t.life_event.c
    events = _frame(
        connection,
        select(
            ev.person_id, ev.event_id.label("version_id"), ev.event_type, ev.event_date, ev.child_national_number
        ).where(ev.superseded_at.is_(None)),
    )
    raw = {
        RecordType.PERSON: persons,
        RecordType.AFFILIATION: affiliations,
        RecordType.INCOME: incomes,
        RecordType.CONTRIBUTION: contributions,
        RecordType.PAYMENT: payments,
        RecordType.LIFE_EVENT: events,
    }
    return {record_type: _typed(record_type, frame, numbers, person_fund) for record_type, frame in raw.items()}


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
    frame = frame.with_columns(pl.format(f"{record_type.value}:{{}}", pl.col("version_id")).alias("record_id"))
    return conform(record_type, frame)
