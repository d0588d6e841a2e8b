"""The transactional outbox: domain events written in the same transaction as the change.

Why a ledger hook: every write of the register already goes through :meth:`Ledger.record` (who,
when, what, why). :class:`AnnouncingLedger` adds one outbox row per entry, on the same connection and
in the same transaction, so *every* state change announces itself and a rolled-back change announces
nothing: no repository or service can forget to publish (engineering.md, habit 1).

Bulk loads (services/register.py) write one ``population.loaded`` entry per load and one
``table.loaded`` per table: they become a single batch-summary event ``be.statut.register.loaded``
(subject ``change/<id>``), not 60 million person-level events; consumers that need detail read the
register for that change. ``table.loaded`` entries are covered by the summary and not announced.

Subjects are pseudonymous: ``person/<person_id>`` (the register's surrogate key), never the
national number; the number is kept in a separate column and only added to the envelope for
subscribers entitled to it (statut.events.cloudevents).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, select, update

from statut.store import events_tables as et
from statut.store import tables as t
from statut.store.changes import Change, Clock
from statut.store.ledger import Ledger, LedgerEntry, canonical_json

OB = et.outbox
SOURCE = "/statut/register"
TYPE_PREFIX = "be.statut."

#: Ledger actions announced under another name (past tense, the domain's words).
EVENT_NAMES: Mapping[str, str] = {
    "affiliation.recorded": "affiliation.started",
    "affiliation.corrected": "affiliation.changed",
    "income.recorded": "income.received",
    "income.corrected": "income.received",
    "payment.recorded": "payment.received",
    "population.loaded": "register.loaded",
}
#: Ledger actions that announce nothing of their own (covered by a summary event).
SILENT_ACTIONS = frozenset({"table.loaded"})


def event_type_of(action: str) -> str:
    return TYPE_PREFIX + EVENT_NAMES.get(action, action)


def person_subject(person_id: int) -> str:
    return f"person/{person_id}"


def person_id_of(subject: str) -> int | None:
    kind, _, key = subject.partition("/")
    return int(key) if kind == "person" and key.isdigit() else None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One stored event: the CloudEvents attributes and the data, plus relay bookkeeping."""

    position: int
    event_id: str
    event_type: str
    source: str
    subject: str
    sequence: int
    occurred_at: datetime
    data: dict[str, Any]
    person_number: str | None = None
    change_id: int | None = None
    dispatched_at: datetime | None = None
    dispatch_seq: int | None = None

    @property
    def person_id(self) -> int | None:
        return person_id_of(self.subject)


def _record(row: Row[Any]) -> OutboxRecord:
    return OutboxRecord(
        position=int(row.position),
        event_id=row.event_id,
        event_type=row.event_type,
        source=row.source,
        subject=row.subject,
        sequence=int(row.sequence),
        occurred_at=row.occurred_at,
        data=json.loads(row.data),
        person_number=row.person_number,
        change_id=row.change_id,
        dispatched_at=row.dispatched_at,
        dispatch_seq=None if row.dispatch_seq is None else int(row.dispatch_seq),
    )


class OutboxRepository:
    """Writes events in the caller's transaction; reads them for the relay, SSE and replay."""

    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def add(
        self,
        event_type: str,
        subject: str,
        data: Mapping[str, Any],
        *,
        source: str = SOURCE,
        occurred_at: datetime | None = None,
        change_id: int | None = None,
        person_number: str | None = None,
        event_id: str | None = None,
    ) -> OutboxRecord:
        """Append an event; its ``sequence`` follows the subject's previous event (order per person)."""
        if not event_type.startswith(TYPE_PREFIX):
            event_type = TYPE_PREFIX + event_type
        previous = self._connection.execute(select(func.max(OB.c.sequence)).where(OB.c.subject == subject)).scalar()
        sequence = int(previous or 0) + 1
        new_id = event_id or str(uuid.uuid4())
        moment = occurred_at or self._clock()
        data_text = canonical_json(dict(data))
        values: dict[str, Any] = {
            "event_id": new_id,
            "event_type": event_type,
            "source": source,
            "subject": subject,
            "sequence": sequence,
            "person_number": person_number,
            "occurred_at": moment,
            "data": data_text,
            "change_id": change_id,
        }
        position = self._connection.execute(insert(OB).values(**values).returning(OB.c.position)).scalar_one()
        return OutboxRecord(
            position=int(position),
            event_id=new_id,
            event_type=event_type,
            source=source,
            subject=subject,
            sequence=sequence,
            occurred_at=moment,
            data=json.loads(data_text),
            person_number=person_number,
            change_id=change_id,
        )

    # -- reads ------------------------------------------------------------------------------------

    def get(self, event_id: str) -> OutboxRecord | None:
        row = self._connection.execute(select(OB).where(OB.c.event_id == event_id)).one_or_none()
        return None if row is None else _record(row)

    def undispatched(self, limit: int = 500) -> list[OutboxRecord]:
        """Events the relay has not fanned out yet, in insert order (locked on PostgreSQL)."""
        query = select(OB).where(OB.c.dispatched_at.is_(None)).order_by(OB.c.position).limit(limit)
        if self._connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_record(row) for row in self._connection.execute(query)]

    def mark_dispatched(self, positions: Sequence[int], moment: datetime) -> None:
        """Stamp fanned-out events with the relay's commit order (what SSE resumes from)."""
        last = self._connection.execute(select(func.max(OB.c.dispatch_seq))).scalar()
        next_seq = int(last or 0)
        for position in sorted(positions):
            next_seq += 1
            self._connection.execute(
                update(OB).where(OB.c.position == position).values(dispatched_at=moment, dispatch_seq=next_seq)
            )

    def dispatched_after(
        self, dispatch_seq: int, limit: int = 500, type_prefixes: Sequence[str] = ()
    ) -> list[OutboxRecord]:
        query = select(OB).where(OB.c.dispatch_seq > dispatch_seq)
        if type_prefixes:
            from sqlalchemy import or_

            query = query.where(or_(*(OB.c.event_type.startswith(prefix) for prefix in type_prefixes)))
        rows = self._connection.execute(query.order_by(OB.c.dispatch_seq).limit(limit))
        return [_record(row) for row in rows]

    def dispatch_seq_of(self, event_id: str) -> int | None:
        value = self._connection.execute(
            select(OB.c.dispatch_seq).where(OB.c.event_id == event_id)
        ).scalar_one_or_none()
        return None if value is None else int(value)

    def since(
        self, moment: datetime | date, *, event_types: Sequence[str] = (), after_position: int = 0, limit: int = 5_000
    ) -> list[OutboxRecord]:
        """Events that occurred at or after ``moment``, in insert order (for replay)."""
        conditions = [OB.c.occurred_at >= _instant(moment), OB.c.position > after_position]
        if event_types:
            conditions.append(OB.c.event_type.in_(list(event_types)))
        rows = self._connection.execute(select(OB).where(and_(*conditions)).order_by(OB.c.position).limit(limit))
        return [_record(row) for row in rows]

    def for_subject(self, subject: str) -> list[OutboxRecord]:
        rows = self._connection.execute(select(OB).where(OB.c.subject == subject).order_by(OB.c.sequence))
        return [_record(row) for row in rows]

    def count(self, *, undispatched: bool = False) -> int:
        query = select(func.count()).select_from(OB)
        if undispatched:
            query = query.where(OB.c.dispatched_at.is_(None))
        return int(self._connection.execute(query).scalar_one())


def _instant(moment: datetime | date) -> datetime:
    if isinstance(moment, datetime):
        return moment
    from datetime import UTC, time

    return datetime.combine(moment, time(), tzinfo=UTC)


class AnnouncingLedger(Ledger):
    """The ledger, announcing each recorded change as an outbox event in the same transaction."""

    def __init__(self, connection: Connection, clock: Clock, outbox: OutboxRepository) -> None:
        super().__init__(connection, clock)
        self._outbox = outbox
        self._db = connection

    def record(
        self,
        change: Change,
        *,
        action: str,
        entity_type: str,
        entity_key: str | int,
        payload: Mapping[str, Any] | None = None,
    ) -> LedgerEntry:
        entry = super().record(change, action=action, entity_type=entity_type, entity_key=entity_key, payload=payload)
        if action not in SILENT_ACTIONS:
            self._announce(change, action, entity_type, entity_key, payload=dict(payload or {}), entry=entry)
        return entry

    def _announce(
        self,
        change: Change,
        action: str,
        entity_type: str,
        entity_key: str | int,
        *,
        payload: dict[str, Any],
        entry: LedgerEntry,
    ) -> None:
        person_id = int(entity_key) if entity_type == "person" else None
        subject = person_subject(person_id) if person_id is not None else f"{entity_type}/{entity_key}"
        data: dict[str, Any] = {
            "action": action,
            "ledger_seq": entry.seq,
            **_enrich(self._db, action, person_id, payload),
        }
        source = str(payload.get("source_uri") or SOURCE) if action.startswith("decision.") else SOURCE
        self._outbox.add(
            event_type_of(action),
            subject,
            data,
            source=source,
            occurred_at=change.recorded_at,
            change_id=change.change_id,
            person_number=_national_number(self._db, person_id) if person_id is not None else None,
        )


def _national_number(connection: Connection, person_id: int) -> str | None:
    pi = t.person_identifier
    return connection.execute(
        select(pi.c.value)
        .where(pi.c.person_id == person_id, pi.c.superseded_at.is_(None))
        .order_by(pi.c.kind.desc(), pi.c.identifier_id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _enrich(connection: Connection, action: str, person_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
    """Add what consumers need to act without reading the register back (the event carries the fact)."""
    if action == "life_event.recorded" and "event_id" in payload:
        row = connection.execute(select(t.life_event).where(t.life_event.c.event_id == payload["event_id"])).one()
        return {
            **payload,
            "event_date": row.event_date.isoformat(),
            "child_registered": row.child_national_number is not None,
            "details": json.loads(row.details),
        }
    if action in {"income.recorded", "income.corrected"} and person_id is not None:
        inc = t.income
        found = connection.execute(
            select(inc.c.amount_cents, inc.c.status).where(
                inc.c.person_id == person_id,
                inc.c.year == payload.get("year"),
                inc.c.source == payload.get("source"),
                inc.c.superseded_at.is_(None),
            )
        ).one_or_none()
        if found is not None:
            return {**payload, "amount_cents": int(found.amount_cents), "status": found.status}
    return payload
