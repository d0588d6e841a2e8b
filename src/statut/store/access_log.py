"""The access log: reads of personal data, written without waiting for the ledger, chained in batches.

A read inserts one ``access_read`` row (:meth:`AccessLogRepository.add`): one INSERT, no lock on the
ledger head, so concurrent reads never queue behind each other. :meth:`AccessLogRepository.chain`
appends the pending rows to the hash-chained ledger in one batch through the ledger's public
:meth:`statut.store.ledger.Ledger.append_many` (one move of the head per batch, one entry per read,
checked by ``statut ledger verify`` like any other) and writes each row's sequence number back.

Reading, newest first with keyset pagination on ``read_id`` (stable while rows are added), comes
from ``access_read`` alone: pending and chained reads alike, so a read is visible at once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from statut.store.api_tables import access_read
from statut.store.ledger import Ledger, PendingEntry, canonical_json

READ_ACTION = "personal_data.read"
PERSON = "person"
#: Built once: the values go as parameters, so SQLAlchemy compiles the statement once per dialect
#: (``insert().values(...)`` per call builds a new statement and a new cache key every read). No
#: RETURNING: nobody needs the new read's id.
_ADD = insert(access_read).inline()


@dataclass(frozen=True, slots=True)
class AccessLogEntry:
    seq: int
    recorded_at: datetime
    actor: str
    purpose: str
    details: dict[str, Any]
    ledger_seq: int | None = None


@dataclass(frozen=True, slots=True)
class ChainResult:
    chained: int
    first_seq: int | None
    last_seq: int | None


class AccessLogRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, *, person_id: int, actor: str, purpose: str, details: Mapping[str, Any], at: datetime) -> None:
        """Record one read (pending until chained). ``details`` must be ledger-safe (no floats)."""
        self._connection.execute(
            _ADD,
            {
                "person_id": person_id,
                "read_at": at,
                "actor": actor,
                "purpose": purpose,
                "payload": canonical_json(details),
            },
        )

    def for_person(self, person_id: int, *, before_seq: int | None = None, limit: int = 50) -> list[AccessLogEntry]:
        a = access_read
        query = select(a.c.read_id, a.c.read_at, a.c.actor, a.c.purpose, a.c.payload, a.c.ledger_seq).where(
            a.c.person_id == person_id
        )
        if before_seq is not None:
            query = query.where(a.c.read_id < before_seq)
        rows = self._connection.execute(query.order_by(a.c.read_id.desc()).limit(limit))
        return [
            AccessLogEntry(int(r.read_id), r.read_at, r.actor, r.purpose, json.loads(r.payload), r.ledger_seq)
            for r in rows
        ]

    def has_pending(self) -> bool:
        """Whether a read waits to be chained (one probe of the partial index on pending rows)."""
        query = select(access_read.c.read_id).where(access_read.c.ledger_seq.is_(None)).limit(1)
        return self._connection.execute(query).first() is not None

    def pending_count(self) -> int:
        return int(
            self._connection.execute(
                select(func.count()).select_from(access_read).where(access_read.c.ledger_seq.is_(None))
            ).scalar_one()
        )

    def chain(self, ledger: Ledger, *, limit: int) -> ChainResult:
        """Append up to ``limit`` pending reads, oldest first, to ``ledger`` (in the caller's transaction)."""
        a = access_read
        pending = (
            select(a.c.read_id, a.c.person_id, a.c.read_at, a.c.actor, a.c.purpose, a.c.payload)
            .where(a.c.ledger_seq.is_(None))
            .order_by(a.c.read_id)
            .limit(limit)
        )
        if self._connection.dialect.name == "postgresql":
            # Two chainers (two server processes) take disjoint rows; SQLite has a single writer.
            pending = pending.with_for_update(skip_locked=True)
        rows = self._connection.execute(pending).all()
        if not rows:
            return ChainResult(0, None, None)
        entries = []
        for row in rows:
            details = json.loads(row.payload)
            details["read_at"] = row.read_at
            details["read_id"] = int(row.read_id)
            entries.append(
                PendingEntry(
                    action=READ_ACTION,
                    entity_type=PERSON,
                    entity_key=int(row.person_id),
                    payload=details,
                    actor=row.actor,
                    reason=row.purpose,
                )
            )
        written = ledger.append_many(entries)
        self._connection.execute(
            update(a).where(a.c.read_id == bindparam("b_read_id")).values(ledger_seq=bindparam("b_seq")),
            [{"b_read_id": int(row.read_id), "b_seq": entry.seq} for row, entry in zip(rows, written, strict=True)],
        )
        return ChainResult(len(written), written[0].seq, written[-1].seq)
