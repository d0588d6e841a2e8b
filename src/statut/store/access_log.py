"""Reading the access log: the ``personal_data.read`` entries of the ledger about one person.

Writing goes through :meth:`statut.store.ledger.Ledger.append` like every ledger entry; this module
only reads, newest first, with keyset pagination on the sequence number (stable while entries are
appended, unlike offsets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from statut.store import tables as t

READ_ACTION = "personal_data.read"
PERSON = "person"


@dataclass(frozen=True, slots=True)
class AccessLogEntry:
    seq: int
    recorded_at: datetime
    actor: str
    purpose: str
    details: dict[str, Any]


class AccessLogRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def for_person(self, person_id: int, *, before_seq: int | None = None, limit: int = 50) -> list[AccessLogEntry]:
        ledger = t.ledger
        query = select(ledger.c.seq, ledger.c.recorded_at, ledger.c.actor, ledger.c.reason, ledger.c.payload).where(
            ledger.c.entity_type == PERSON, ledger.c.entity_key == str(person_id), ledger.c.action == READ_ACTION
        )
        if before_seq is not None:
            query = query.where(ledger.c.seq < before_seq)
        rows = self._connection.execute(query.order_by(ledger.c.seq.desc()).limit(limit))
        return [AccessLogEntry(int(r.seq), r.recorded_at, r.actor, r.reason, json.loads(r.payload)) for r in rows]
