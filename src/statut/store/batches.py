"""Batches that went through the ingestion gate, and the funds' record ids they landed.

Repositories own the queries (engineering.md): the gate service asks for a batch by id or content
hash, for the register frames its cross rules need (as typed polars frames), and reads back what a
batch wrote to reconcile it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, any_, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS, empty_frame
from statut.store.changes import Change
from statut.store.ingestion_tables import fund_record, ingest_batch

_CHUNK = 5_000
_CONTENT_SCHEMA = {"record_type": pl.String(), "content": pl.String()}


@dataclass(frozen=True, slots=True)
class BatchRow:
    batch_id: str
    fund_code: str
    file_name: str
    content_sha256: str
    format: str
    source_kind: str
    received: int
    accepted: int
    quarantined: int
    already_held: int
    reconciliation: dict[str, Any]
    report: dict[str, Any]
    status: str
    received_at: datetime
    change_id: int
    held: int = 0


class BatchRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, batch_id: str) -> BatchRow | None:
        row = self._connection.execute(select(ingest_batch).where(ingest_batch.c.batch_id == batch_id)).first()
        return _batch(dict(row._mapping)) if row else None

    def find_by_content(self, fund_code: str, sha256: str) -> BatchRow | None:
        row = self._connection.execute(
            select(ingest_batch).where(ingest_batch.c.fund_code == fund_code, ingest_batch.c.content_sha256 == sha256)
        ).first()
        return _batch(dict(row._mapping)) if row else None

    def add(self, row: BatchRow) -> None:
        values = {name: getattr(row, name) for name in BatchRow.__slots__}
        values["reconciliation"] = json.dumps(row.reconciliation, sort_keys=True, default=str)
        values["report"] = json.dumps(row.report, sort_keys=True, default=str)
        self._connection.execute(insert(ingest_batch).values(**values))

    def complete(self, batch_id: str, *, reconciliation: dict[str, Any], report: dict[str, Any]) -> None:
        """Store the file-side reconciliation and the fund's report of a batch added in this unit of
        work (the gate prepares them while the register rows are written)."""
        self._connection.execute(
            update(ingest_batch)
            .where(ingest_batch.c.batch_id == batch_id)
            .values(
                reconciliation=json.dumps(reconciliation, sort_keys=True, default=str),
                report=json.dumps(report, sort_keys=True, default=str),
            )
        )

    def count(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(ingest_batch)).scalar_one())


def _batch(mapping: Mapping[str, Any]) -> BatchRow:
    values = dict(mapping)
    values["reconciliation"] = json.loads(values["reconciliation"])
    values["report"] = json.loads(values["report"])
    return BatchRow(**values)


# -- the funds' record ids -------------------------------------------------------------------------


def encode_content(record_type: RecordType, frame: pl.DataFrame) -> pl.Series:
    """Typed values as JSON text, every value as a string (dates ISO, booleans true/false)."""
    columns = [c for c in FRAME_SCHEMAS[record_type] if c != "person_key"]
    as_text = [pl.col(c).cast(pl.String) for c in columns]
    return frame.select(pl.struct(as_text).struct.json_encode().alias("content")).get_column("content")


def decode_content(record_type: RecordType, content: pl.Series) -> pl.DataFrame:
    """The typed frame back from :func:`encode_content`'s JSON."""
    schema = FRAME_SCHEMAS[record_type]
    columns = [c for c in schema if c != "person_key"]
    if content.len() == 0:
        return empty_frame(record_type)
    struct = pl.Struct({c: pl.String() for c in columns})
    text = content.str.json_decode(struct).struct.unnest()
    typed = []
    for name, dtype in schema.items():
        if name == "person_key":
            typed.append(pl.lit(None, dtype=pl.Int64).alias(name))
        elif dtype == pl.Date:
            typed.append(pl.col(name).str.to_date("%Y-%m-%d").alias(name))
        elif dtype == pl.Boolean:
            typed.append(pl.when(pl.col(name).is_null()).then(None).otherwise(pl.col(name) == "true").alias(name))
        else:
            typed.append(pl.col(name).cast(dtype).alias(name))
    return text.select(typed)


class FundRecordRepository:
    """``fund_record``: a fund's record ids, their accepted typed values and their register rows."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def is_empty(self) -> bool:
        return self._connection.execute(select(fund_record.c.record_key).limit(1)).first() is None

    def _among(self, column: ColumnElement[str], values: list[str]) -> ColumnElement[bool]:
        return _among_values(column, values, self._connection.dialect.name)

    def register_frames(
        self, fund_code: str, record_ids: Iterable[str], national_numbers: Iterable[str]
    ) -> dict[RecordType, pl.DataFrame]:
        """Current records of this fund with these record_ids, and of any fund about these people."""
        rows: list[tuple[str, str]] = []
        columns = (fund_record.c.record_key, fund_record.c.record_type, fund_record.c.content)
        current = fund_record.c.superseded_at.is_(None)
        seen: set[int] = set()
        for chunk in _chunks(list(record_ids)):
            condition = (fund_record.c.fund_code == fund_code) & self._among(fund_record.c.record_id, chunk)
            for key, kind, content in self._connection.execute(select(*columns).where(current, condition)):
                if key not in seen:
                    seen.add(key)
                    rows.append((kind, content))
        for chunk in _chunks(list(national_numbers)):
            for key, kind, content in self._connection.execute(
                select(*columns).where(current, self._among(fund_record.c.national_number, chunk))
            ):
                if key not in seen:
                    seen.add(key)
                    rows.append((kind, content))
        return _frames(rows)

    def current_rows(self, fund_code: str, record_type: RecordType, record_ids: Iterable[str]) -> pl.DataFrame:
        """record_id, record_key and row_id of the current versions of these records."""
        found: list[tuple[str, int, int | None]] = []
        for chunk in _chunks(list(record_ids)):
            found += [
                (r[0], int(r[1]), r[2])
                for r in self._connection.execute(
                    select(fund_record.c.record_id, fund_record.c.record_key, fund_record.c.row_id).where(
                        fund_record.c.superseded_at.is_(None),
                        fund_record.c.fund_code == fund_code,
                        fund_record.c.record_type == record_type.value,
                        self._among(fund_record.c.record_id, chunk),
                    )
                )
            ]
        return pl.DataFrame(
            found, schema={"record_id": pl.String, "record_key": pl.Int64, "row_id": pl.Int64}, orient="row"
        )

    def supersede(self, record_keys: Iterable[int], change: Change) -> None:
        for chunk in _chunks(list(record_keys)):
            self._connection.execute(
                update(fund_record)
                .where(fund_record.c.record_key.in_(chunk), fund_record.c.superseded_at.is_(None))
                .values(superseded_at=change.recorded_at, superseded_by=change.change_id)
            )

    def stored_contents(self, batch_id: str) -> dict[str, pl.Series]:
        """What a batch wrote, as stored: per record type, the content of each fund record (the JSON
        text, not decoded), for the reconciliation's hash totals (which do not depend on the order).

        A million rows are read through the driver's cursor: SQLAlchemy's row objects would cost more
        than the reading itself (the statement is SQLAlchemy's, compiled). PostgreSQL's
        ``COPY ... TO STDOUT (FORMAT CSV)`` parsed by polars was measured no faster."""
        query = select(fund_record.c.record_type, fund_record.c.content).where(fund_record.c.batch_id == batch_id)
        compiled = query.compile(dialect=self._connection.dialect)
        parameters = compiled.construct_params()
        positional = compiled.positiontup or []
        driver: Any = self._connection.connection.driver_connection
        cursor = driver.cursor()
        try:
            if positional:  # SQLite's qmark style
                cursor.execute(compiled.string, tuple(parameters[name] for name in positional))
            else:  # psycopg's named style
                cursor.execute(compiled.string, parameters)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        frame = pl.DataFrame(rows, schema=_CONTENT_SCHEMA, orient="row")
        return {
            str(name): group.get_column("content")
            for (name,), group in frame.group_by("record_type", maintain_order=True)
        }

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(fund_record)
        if current_only:
            query = query.where(fund_record.c.superseded_at.is_(None))
        return int(self._connection.execute(query).scalar_one())


def _among_values(column: ColumnElement[str], values: list[str], dialect: str) -> ColumnElement[bool]:
    """``column`` is one of ``values``. On PostgreSQL one array parameter (``= ANY($1)``): a list of
    thousands of parameters (``IN ($1, ..., $5000)``) is sent, parsed and planned value by value,
    about four times slower for a chunk of a batch's record ids against a million fund records."""
    if dialect == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(String()), unique=True))
    return column.in_(values)


def _frames(rows: list[tuple[str, str]]) -> dict[RecordType, pl.DataFrame]:
    frame = pl.DataFrame(rows, schema={"record_type": pl.String, "content": pl.String}, orient="row")
    return {
        rt: decode_content(rt, frame.filter(pl.col("record_type") == rt.value).get_column("content"))
        for rt in RecordType
    }


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


__all__ = ["BatchRepository", "BatchRow", "FundRecordRepository", "decode_content", "encode_content"]
