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

Order per person without a per-person counter: an event's ``sequence`` is the sequence number of the
ledger entry it announces. The ledger numbers every entry in commit order under its head lock, so a
person's events are strictly increasing in ``sequence`` (not contiguous: other people's entries lie in
between), and writing an event costs no ``max(sequence)`` query.

Waking the relay: a transaction that wrote outbox rows says so when it commits, so a relay does not
have to poll to learn of it. On PostgreSQL the transaction sends ``NOTIFY statut_outbox``, which the
server delivers *after* the commit to every listening relay, in any process. On SQLite a relay in
the same process is woken by the engine's commit event (:func:`commit_signal`); it runs just before
the commit, but the relay's next write transaction begins ``IMMEDIATE`` and so waits for the
committing writer to finish. A relay in another process falls back to polling.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, bindparam, event, func, insert, select, text, update

from statut.store import events_tables as et
from statut.store import tables as t
from statut.store.changes import Change, Clock
from statut.store.ledger import Ledger, LedgerEntry, PendingEntry, canonical_json

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
#: PostgreSQL channel a transaction that wrote events notifies (delivered after its commit).
NOTIFY_CHANNEL = "statut_outbox"
_DIRTY = "statut.outbox.uncommitted"  # Connection.info: this connection's transaction wrote events
_NOTIFIED = "statut.outbox.notified"  # Connection.info: the transaction that already sent NOTIFY


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


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to write (:meth:`OutboxRepository.add_many`)."""

    event_type: str
    subject: str
    data: Mapping[str, Any]
    sequence: int
    source: str = SOURCE
    occurred_at: datetime | None = None
    change_id: int | None = None
    person_number: str | None = None
    event_id: str | None = None
    #: Look the national number of this person up in the insert itself (when ``person_number`` is None).
    number_of: int | None = None


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
        sequence: int | None = None,
    ) -> OutboxRecord:
        """Append an event. ``sequence`` orders it among its subject's events: the announcing ledger
        gives its entry's number; without one, it follows the subject's last event."""
        if sequence is None:
            previous = self._connection.execute(select(func.max(OB.c.sequence)).where(OB.c.subject == subject)).scalar()
            sequence = int(previous or 0) + 1
        [record] = self.add_many(
            [
                NewEvent(
                    event_type,
                    subject,
                    data,
                    sequence=sequence,
                    source=source,
                    occurred_at=occurred_at,
                    change_id=change_id,
                    person_number=person_number,
                    event_id=event_id,
                )
            ]
        )
        return record

    def add_many(self, events: Sequence[NewEvent]) -> list[OutboxRecord]:
        """Append events in one statement (positions in the order given)."""
        if not events:
            return []
        default_moment = self._clock()
        values: list[dict[str, Any]] = []
        for new in events:
            event_type = new.event_type if new.event_type.startswith(TYPE_PREFIX) else TYPE_PREFIX + new.event_type
            values.append(
                {
                    "event_id": new.event_id or str(uuid.uuid4()),
                    "event_type": event_type,
                    "source": new.source,
                    "subject": new.subject,
                    "sequence": new.sequence,
                    "b_number": new.person_number,
                    "b_number_of": new.number_of if new.person_number is None else None,
                    "occurred_at": new.occurred_at or default_moment,
                    "data": canonical_json(dict(new.data)),
                    "change_id": new.change_id,
                }
            )
        stored = self._connection.execute(_INSERT_EVENTS, values).all()
        positions = [int(row.position) for row in stored]
        _announce_commit(self._connection)
        return [
            OutboxRecord(
                position=position,
                event_id=row["event_id"],
                event_type=row["event_type"],
                source=row["source"],
                subject=row["subject"],
                sequence=int(row["sequence"]),
                occurred_at=row["occurred_at"],
                data=json.loads(row["data"]),
                person_number=number,
                change_id=row["change_id"],
            )
            for position, number, row in zip(positions, [r.person_number for r in stored], values, strict=True)
        ]

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
        if not positions:
            return
        last = int(self._connection.execute(select(func.max(OB.c.dispatch_seq))).scalar() or 0)
        self._connection.execute(
            update(OB)
            .where(OB.c.position == bindparam("b_position"))
            .values(dispatched_at=moment, dispatch_seq=bindparam("b_seq")),
            [
                {"b_position": position, "b_seq": last + number}
                for number, position in enumerate(sorted(positions), start=1)
            ],
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

    def has_undispatched(self) -> bool:
        """Cheap check of the relay's idle loop (an index probe, no lock taken)."""
        query = select(OB.c.position).where(OB.c.dispatched_at.is_(None)).limit(1)
        return self._connection.execute(query).first() is not None

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
        [entry] = self.record_many(change, [PendingEntry(action, entity_type, entity_key, payload)])
        return entry

    def record_many(self, change: Change, entries: Sequence[PendingEntry]) -> list[LedgerEntry]:
        """Append a change's entries with one move of the ledger head, and announce them with one
        insert into the outbox (the batch path of a producer writing many facts at once)."""
        written = super().record_many(change, entries)
        announced = [
            (pending, entry)
            for pending, entry in zip(entries, written, strict=True)
            if entry.action not in SILENT_ACTIONS
        ]
        if not announced:
            return written
        events = []
        for pending, entry in announced:
            person_id = int(pending.entity_key) if pending.entity_type == "person" else None
            subject = person_subject(person_id) if person_id is not None else f"{entry.entity_type}/{entry.entity_key}"
            payload = dict(pending.payload or {})
            data: dict[str, Any] = {
                "action": entry.action,
                "ledger_seq": entry.seq,
                **_enrich(self._db, entry.action, person_id, payload),
            }
            source = str(payload.get("source_uri") or SOURCE) if entry.action.startswith("decision.") else SOURCE
            events.append(
                NewEvent(
                    event_type_of(entry.action),
                    subject,
                    data,
                    sequence=entry.seq,
                    source=source,
                    occurred_at=change.recorded_at,
                    change_id=change.change_id,
                    number_of=person_id,
                )
            )
        self._outbox.add_many(events)
        return written


def _current_number(person_id: Any) -> Any:
    """The person's current national number (else current BIS number), as a scalar subquery: the
    outbox insert looks it up itself instead of a query per event."""
    pi = t.person_identifier
    return (
        select(pi.c.value)
        .where(pi.c.person_id == person_id, pi.c.superseded_at.is_(None))
        .order_by(pi.c.kind.desc(), pi.c.identifier_id.desc())
        .limit(1)
        .scalar_subquery()
    )


#: The events' insert, built once; the national number is looked up by the insert itself.
_INSERT_EVENTS = (
    insert(OB)
    .values(person_number=func.coalesce(bindparam("b_number"), _current_number(bindparam("b_number_of"))))
    .returning(OB.c.position, OB.c.person_number, sort_by_parameter_order=True)
)


# -- waking the relay ---------------------------------------------------------------------------------


class CommitSignal:
    """A generation counter the relay waits on; bumped when a transaction that wrote events commits."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    @property
    def generation(self) -> int:
        with self._condition:
            return self._generation

    def notify(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> bool:
        """Wait until the generation moves past ``seen`` or ``timeout`` seconds; True if it moved."""
        with self._condition:
            return self._condition.wait_for(lambda: self._generation != seen, timeout)


_SIGNALS: weakref.WeakKeyDictionary[Engine, CommitSignal] = weakref.WeakKeyDictionary()
_SIGNALS_LOCK = threading.Lock()


def commit_signal(engine: Engine) -> CommitSignal:
    """The signal of ``engine`` in this process, listening to its commits from the first call on."""
    with _SIGNALS_LOCK:
        found = _SIGNALS.get(engine)
        if found is not None:
            return found
        signal = _SIGNALS[engine] = CommitSignal()

    def on_commit(connection: Connection) -> None:
        if connection.info.pop(_DIRTY, False):
            signal.notify()

    def on_rollback(connection: Connection) -> None:
        connection.info.pop(_DIRTY, None)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    return signal


def _announce_commit(connection: Connection) -> None:
    """Mark this transaction as one that wrote events (see the module docstring)."""
    connection.info[_DIRTY] = True
    if connection.dialect.name != "postgresql":
        return
    transaction = connection.get_transaction()
    if transaction is not None and connection.info.get(_NOTIFIED) is transaction:
        return  # one NOTIFY per transaction: PostgreSQL folds identical ones anyway
    connection.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    connection.info[_NOTIFIED] = transaction


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
