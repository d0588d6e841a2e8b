"""Quarantine entries: the records the gate refused, with their raw text and every reason.

An entry stays ``open`` until the fund sends a record with the same record_id that the gate accepts
(or finds already held): it is then ``released``, ``released_by`` that batch. Nothing is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import polars as pl
from sqlalchemy import Connection, func, select, update

from statut.store.bulk import BulkWriter
from statut.store.ingestion_tables import quarantine_entry

_CHUNK = 5_000
OPEN, RELEASED = "open", "released"


class QuarantineRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, batch_id: str, fund_code: str, quarantined: pl.DataFrame, bulk: BulkWriter) -> int:
        """Write one entry per quarantined record (validation.QUARANTINE_SCHEMA), set-based."""
        if quarantined.height == 0:
            return 0
        rows = quarantined.select(
            pl.lit(batch_id).alias("batch_id"),
            pl.lit(fund_code).alias("fund_code"),
            "line",
            "record_id",
            "record_type",
            pl.col("raw").fill_null(""),
            pl.col("reasons").list.eval(pl.element().struct.json_encode()).list.join(",").alias("reasons"),
            pl.lit(OPEN).alias("status"),
        ).with_columns(pl.format("[{}]", pl.col("reasons")).alias("reasons"))
        bulk.insert(quarantine_entry, rows)
        return rows.height

    def release(self, fund_code: str, record_ids: Iterable[str], batch_id: str) -> int:
        """Release the open entries of these record_ids; returns how many were released."""
        released = 0
        ids = list(record_ids)
        for start in range(0, len(ids), _CHUNK):
            result = self._connection.execute(
                update(quarantine_entry)
                .where(
                    quarantine_entry.c.fund_code == fund_code,
                    quarantine_entry.c.status == OPEN,
                    quarantine_entry.c.batch_id != batch_id,
                    quarantine_entry.c.record_id.in_(ids[start : start + _CHUNK]),
                )
                .values(status=RELEASED, released_by=batch_id)
            )
            released += result.rowcount
        return released

    def raw_by_type(self, batch_id: str) -> dict[str, pl.Series]:
        """The raw lines of a batch's entries per record type (for the reconciliation)."""
        rows = self._connection.execute(
            select(quarantine_entry.c.record_type, quarantine_entry.c.raw).where(
                quarantine_entry.c.batch_id == batch_id
            )
        ).all()
        frame = pl.DataFrame(
            [(r[0], r[1]) for r in rows], schema={"record_type": pl.String, "raw": pl.String}, orient="row"
        )
        return {name: group.get_column("raw") for (name,), group in frame.group_by("record_type")}

    def entries(self, *, fund_code: str | None = None, status: str | None = None) -> list[dict[str, object]]:
        query = select(quarantine_entry).order_by(quarantine_entry.c.entry_id)
        if fund_code is not None:
            query = query.where(quarantine_entry.c.fund_code == fund_code)
        if status is not None:
            query = query.where(quarantine_entry.c.status == status)
        out = []
        for row in self._connection.execute(query):
            values = dict(row._mapping)
            values["reasons"] = json.loads(values["reasons"])
            out.append(values)
        return out

    def count(self, *, status: str | None = None) -> int:
        query = select(func.count()).select_from(quarantine_entry)
        if status is not None:
            query = query.where(quarantine_entry.c.status == status)
        return int(self._connection.execute(query).scalar_one())
