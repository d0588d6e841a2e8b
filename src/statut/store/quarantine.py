"""Quarantine entries: the records the gate refused or holds, with their raw text and every reason.

An entry stays ``open`` until the fund sends a record with the same record_id that the gate accepts
(or finds already held): it is then ``released``, ``released_by`` that batch. A ``held`` entry waits
for a related record (``awaiting_type`` and ``awaiting_number``) and keeps the record's fields as read,
so the gate can check it again when that record lands: it is then released (landed), held again, or
turned ``open`` with the reasons found on that second look. Nothing is deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import polars as pl
from sqlalchemy import Connection, func, select, update

from statut.store.bulk import BulkWriter
from statut.store.ingestion_tables import quarantine_entry

_CHUNK = 5_000
OPEN, RELEASED, HELD = "open", "released", "held"

#: Columns of :meth:`QuarantineRepository.held_for`.
HELD_SCHEMA: dict[str, pl.DataType] = {
    "entry_id": pl.Int64(),
    "batch_id": pl.String(),
    "fund_code": pl.String(),
    "record_id": pl.String(),
    "raw": pl.String(),
    "fields": pl.String(),
}


class QuarantineRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, batch_id: str, fund_code: str, quarantined: pl.DataFrame, bulk: BulkWriter) -> int:
        """Write one entry per quarantined record (validation.QUARANTINE_SCHEMA), set-based.

        Records to hold carry ``awaiting_type``, ``awaiting_number`` and ``fields`` (JSON of the
        fields as read); the others are ``open``."""
        if quarantined.height == 0:
            return 0
        held = {"awaiting_type", "awaiting_number", "fields"} <= set(quarantined.columns)
        waiting = pl.col("awaiting_type").is_not_null() if held else pl.lit(False)
        rows = quarantined.select(
            pl.lit(batch_id).alias("batch_id"),
            pl.lit(fund_code).alias("fund_code"),
            "line",
            "record_id",
            "record_type",
            pl.col("raw").fill_null(""),
            pl.col("reasons").list.eval(pl.element().struct.json_encode()).list.join(",").alias("reasons"),
            pl.when(waiting).then(pl.lit(HELD)).otherwise(pl.lit(OPEN)).alias("status"),
            *([pl.col("awaiting_type"), pl.col("awaiting_number"), pl.col("fields")] if held else []),
        ).with_columns(pl.format("[{}]", pl.col("reasons")).alias("reasons"))
        # A batch that at least doubles the quarantine (a first load) builds its indexes once.
        with bulk.deferring({quarantine_entry: rows.height}):
            bulk.insert(quarantine_entry, rows, digest=False)  # the gate reconciles the raw lines instead
        return rows.height

    def release(self, fund_code: str, record_ids: Iterable[str] | pl.Series, batch_id: str) -> int:
        """Release the open or held entries of these record_ids (a later batch settled the record:
        accepted, already held, or held again under a new entry); returns how many were released.

        The fund's entries still waiting are read first (a few percent of its records at most) and
        matched with the batch's record ids in memory: no query per chunk of a million ids."""
        waiting = self._connection.execute(
            select(quarantine_entry.c.entry_id, quarantine_entry.c.record_id).where(
                quarantine_entry.c.fund_code == fund_code,
                quarantine_entry.c.status.in_((OPEN, HELD)),
                quarantine_entry.c.batch_id != batch_id,
            )
        ).all()
        if not waiting:
            return 0
        entries = pl.DataFrame(
            [(int(r[0]), r[1]) for r in waiting], schema={"entry_id": pl.Int64, "record_id": pl.String}, orient="row"
        )
        ids_given = record_ids if isinstance(record_ids, pl.Series) else pl.Series(list(record_ids), dtype=pl.String)
        settled = ids_given.cast(pl.String).implode()
        ids = entries.filter(pl.col("record_id").is_in(settled)).get_column("entry_id").to_list()
        released = 0
        for start in range(0, len(ids), _CHUNK):
            result = self._connection.execute(
                update(quarantine_entry)
                .where(quarantine_entry.c.entry_id.in_(ids[start : start + _CHUNK]))
                .values(status=RELEASED, released_by=batch_id)
            )
            released += result.rowcount
        return released

    def held_for(self, landed: pl.DataFrame, *, not_of_batch: str) -> pl.DataFrame:
        """Held entries of other batches that what just landed may release (HELD_SCHEMA).

        ``landed``: ``awaiting_type``, ``fund_code`` and ``awaiting_number`` of the records that
        landed: a person (any fund's, ``fund_code`` null) releases the entries awaiting that person; an
        affiliation releases the entries of its fund awaiting an affiliation of that person. The keys of
        every held entry are read first and matched in memory; only the matching entries are read whole.
        """
        keys = {"entry_id": pl.Int64, "fund_code": pl.String, "awaiting_type": pl.String, "awaiting_number": pl.String}
        waiting = pl.DataFrame(
            [
                tuple(row)
                for row in self._connection.execute(
                    select(*[quarantine_entry.c[name] for name in keys]).where(
                        quarantine_entry.c.status == HELD, quarantine_entry.c.batch_id != not_of_batch
                    )
                )
            ],
            schema=keys,
            orient="row",
        )
        person = pl.col("awaiting_type") == "person"
        by_person = waiting.filter(person).join(
            landed.filter(person).select("awaiting_number").unique(), on="awaiting_number", how="semi"
        )
        by_affiliation = waiting.filter(~person).join(
            landed.filter(~person).select("fund_code", "awaiting_number").unique(),
            on=["fund_code", "awaiting_number"],
            how="semi",
        )
        ids = pl.concat([by_person, by_affiliation]).get_column("entry_id").sort().to_list()
        columns = [quarantine_entry.c[name] for name in HELD_SCHEMA]
        found: list[tuple[object, ...]] = []
        for start in range(0, len(ids), _CHUNK):
            found += [
                tuple(row)
                for row in self._connection.execute(
                    select(*columns).where(quarantine_entry.c.entry_id.in_(ids[start : start + _CHUNK]))
                )
            ]
        return pl.DataFrame(found, schema=HELD_SCHEMA, orient="row")

    def release_entries(self, entry_ids: Iterable[int], batch_id: str) -> int:
        """Release these held entries: what they awaited landed with ``batch_id`` and so did they."""
        return self._set_status(entry_ids, values={"status": RELEASED, "released_by": batch_id})

    def reopen(self, entries: pl.DataFrame) -> int:
        """Held entries found wrong on their second look: ``open``, with the reasons of that look
        (``entry_id``, ``reasons`` as a list of reason structs)."""
        reopened = 0
        encoded = entries.select(
            "entry_id",
            pl.format("[{}]", pl.col("reasons").list.eval(pl.element().struct.json_encode()).list.join(",")),
        )
        for entry_id, reasons in encoded.iter_rows():
            reopened += self._set_status(
                [entry_id],
                values={"status": OPEN, "reasons": reasons, "awaiting_type": None, "awaiting_number": None},
            )
        return reopened

    def _set_status(self, entry_ids: Iterable[int], *, values: dict[str, object]) -> int:
        ids = list(entry_ids)
        changed = 0
        for start in range(0, len(ids), _CHUNK):
            result = self._connection.execute(
                update(quarantine_entry)
                .where(quarantine_entry.c.entry_id.in_(ids[start : start + _CHUNK]), quarantine_entry.c.status == HELD)
                .values(**values)
            )
            changed += result.rowcount
        return changed

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

    def counts_by_rule(self) -> dict[tuple[str, str], int]:
        """Entries still open or held, per (status, rule_id) of their reasons: an entry counts once per
        rule it breaks (the report's view: which rule keeps how many records out)."""
        rows = self._connection.execute(
            select(quarantine_entry.c.status, quarantine_entry.c.reasons).where(
                quarantine_entry.c.status.in_((OPEN, HELD))
            )
        ).all()
        frame = pl.DataFrame(
            [(r[0], r[1]) for r in rows], schema={"status": pl.String, "reasons": pl.String}, orient="row"
        )
        if frame.height == 0:
            return {}
        rules = (
            frame.with_row_index("entry")
            .with_columns(pl.col("reasons").str.json_decode(pl.List(pl.Struct({"rule_id": pl.String()}))))
            .explode("reasons")
            .select("entry", "status", pl.col("reasons").struct.field("rule_id").alias("rule_id"))
            .unique()
            .group_by("status", "rule_id")
            .len()
        )
        return {(status, rule_id): int(n) for status, rule_id, n in rules.iter_rows()}

    def count(self, *, status: str | None = None) -> int:
        query = select(func.count()).select_from(quarantine_entry)
        if status is not None:
            query = query.where(quarantine_entry.c.status == status)
        return int(self._connection.execute(query).scalar_one())
