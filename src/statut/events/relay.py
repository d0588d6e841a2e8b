"""The relay: outbox -> deliveries -> subscribers, at least once, in order per person.

One pass (:meth:`Relay.run_once`):

1. **fan out**: the undispatched outbox events (oldest first) get one ``pending`` delivery per
   matching active subscription, and a ``dispatch_seq`` (what SSE resumes from), in one transaction.
   A crash before the commit leaves them undispatched: the next pass does it again.
2. **deliver**: per subscription, the due deliveries (not held back by an earlier pending one of the
   same person) go to the subscription's sender; successes become ``delivered``, failures wait with
   exponential backoff and become ``dead`` after ``max_attempts``. A crash between the send and the
   status update sends again: delivery is at least once, and consumers are idempotent by event id.

Within one pass, once an event of a person fails, that person's later events are held back (not
sent, not counted as attempts), so a subscriber that recovers receives them in order.

Idle, the relay waits to be woken by a commit that wrote events (statut.store.outbox: PostgreSQL's
``LISTEN statut_outbox``, or the engine's commit signal in this process on SQLite) and polls every
``idle_sleep`` seconds besides, which is what picks up due retries and, on SQLite, commits of other
processes. Its idle checks read only (no write lock is taken on SQLite while there is nothing to do).

Run one relay per database: the fan-out assigns dispatch sequence numbers (PostgreSQL locks the
rows it fans out with SKIP LOCKED, but two relays would interleave their sequence numbers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, select, text

from statut.events.senders import Sender
from statut.events.wakeup import Wakeup, wakeup_for
from statut.store import tables as t
from statut.store.changes import Clock, utc_now
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import BACKOFF_BASE_SECONDS, Delivery, Subscription
from statut.store.unit_of_work import UnitOfWork

HELD = "held back: an earlier event of the same person failed in this pass"
DECISION_EVENT = "be.statut.decision."


@dataclass
class RelayStats:
    fanned_out: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    passes: int = 0
    errors: list[str] = field(default_factory=list)


class Relay:
    def __init__(
        self,
        engine: Engine,
        senders: Mapping[str, Sender],
        *,
        batch_size: int = 500,
        clock: Clock = utc_now,
        backoff_base: float = BACKOFF_BASE_SECONDS,
    ) -> None:
        self._engine = engine
        self._senders = dict(senders)
        self._batch = batch_size
        self._clock = clock
        self._backoff = backoff_base
        self._wakeup: Wakeup | None = None
        self._subscriptions: list[Subscription] | None = None
        self.stats = RelayStats()

    # -- one pass ---------------------------------------------------------------------------------

    def fan_out(self) -> int:
        if self._engine.dialect.name == "sqlite":  # look before taking SQLite's single write lock
            with UnitOfWork(self._engine, clock=self._clock, read_only=True) as uow:
                if not uow.outbox.has_undispatched():
                    self._subscriptions = None
                    return 0
        with UnitOfWork(self._engine, clock=self._clock) as uow:
            _relaxed_durability(uow)
            subscriptions = [s for s in uow.subscriptions.active() if s.kind in self._senders]
            self._subscriptions = subscriptions  # the delivery step of this pass uses them too
            records = uow.outbox.undispatched(self._batch)
            if not records:
                return 0
            funds = _funds_of(uow, records) if any(s.fund_code for s in subscriptions) else {}
            rows = [
                {"subscription_id": s.subscription_id, "position": r.position, "subject": r.subject}
                for r in records
                for s in subscriptions
                if s.wants(r.event_type) and (s.fund_code is None or s.fund_code in _event_funds(r, funds))
            ]
            uow.subscriptions.fan_out(rows)
            uow.outbox.mark_dispatched([r.position for r in records], self._clock())
            uow.commit()
        self.stats.fanned_out += len(records)
        return len(records)

    def deliver(self) -> int:
        subscriptions, self._subscriptions = self._subscriptions, None
        if subscriptions is None:
            with UnitOfWork(self._engine, clock=self._clock, read_only=True) as uow:
                subscriptions = [s for s in uow.subscriptions.active() if s.kind in self._senders]
        done = 0
        for subscription in subscriptions:
            done += self._deliver_to(subscription)
        return done

    def run_once(self) -> int:
        """One fan-out and one delivery pass; returns the events moved (0 = idle)."""
        moved = self.fan_out() + self.deliver()
        self.stats.passes += 1
        return moved

    def drain(self, *, max_passes: int = 1_000) -> RelayStats:
        """Run until nothing is left to do now (retries due later stay pending)."""
        for _ in range(max_passes):
            if self.run_once() == 0:
                break
        return self.stats

    def run(self, stop: threading.Event, *, idle_sleep: float = 0.05) -> RelayStats:
        """Run until ``stop`` is set (the CLI sets it on SIGTERM/SIGINT). Idle, wait for a commit
        that wrote events, or ``idle_sleep`` seconds at most (the poll fallback)."""
        if self._wakeup is None:
            self._wakeup = wakeup_for(self._engine)
        wakeup = self._wakeup
        while not stop.is_set():
            mark = wakeup.mark()  # taken before the pass: a commit during the pass is not missed
            if self.run_once() == 0:
                wakeup.wait(mark, idle_sleep)
        return self.stats

    def close(self) -> None:
        if self._wakeup is not None:
            self._wakeup.close()
            self._wakeup = None
        for sender in self._senders.values():
            sender.close()

    # -- internals --------------------------------------------------------------------------------

    def _deliver_to(self, subscription: Subscription) -> int:
        with UnitOfWork(self._engine, clock=self._clock, read_only=True) as uow:
            due = uow.subscriptions.due(subscription.subscription_id, limit=self._batch)
            if not due:
                return 0
            records = _records(uow, [d.position for d in due])
        outcome = self._send_in_waves(subscription, due, records)
        delivered = [d.delivery_id for d in due if outcome.get(d.delivery_id, HELD) is None]
        with UnitOfWork(self._engine, clock=self._clock) as uow:
            _relaxed_durability(uow)
            uow.subscriptions.mark_delivered(delivered)
            notices: dict[int, tuple[str, str | None]] = dict.fromkeys(delivered, ("delivered", None))
            for delivery in due:
                error = outcome.get(delivery.delivery_id, HELD)
                if error is None or error == HELD:
                    continue
                status = uow.subscriptions.mark_failed(
                    delivery, error, subscription.max_attempts, backoff_base=self._backoff
                )
                notices[delivery.delivery_id] = ("dead" if status == "dead" else "failing", error)
                self.stats.failed += 1
                self.stats.dead += status == "dead"
                if len(self.stats.errors) < 100:
                    self.stats.errors.append(f"{subscription.name} {delivery.position}: {error}")
            if subscription.kind == "webhook":
                _record_decision_notices(uow, subscription, due, records, notices)
            uow.commit()
        self.stats.delivered += len(delivered)
        return len(delivered)

    def _send_in_waves(
        self, subscription: Subscription, due: Sequence[Delivery], records: Mapping[int, OutboxRecord]
    ) -> dict[int, str | None]:
        """Wave k holds the k-th due event of each person; a person whose event failed sits out the
        later waves, so nobody receives a person's events out of order."""
        per_subject: dict[str, list[Delivery]] = {}
        for delivery in due:
            per_subject.setdefault(delivery.subject, []).append(delivery)
        sender = self._senders[subscription.kind]
        outcome: dict[int, str | None] = {}
        failed: set[str] = set()
        wave = 0
        while True:
            batch = [
                deliveries[wave]
                for subject, deliveries in per_subject.items()
                if wave < len(deliveries) and subject not in failed
            ]
            if not batch:
                return outcome
            batch.sort(key=lambda d: d.position)
            answers = sender.send(subscription, [records[d.position] for d in batch])
            for delivery, answer in zip(batch, answers, strict=True):
                outcome[delivery.delivery_id] = answer
                if answer is not None:
                    failed.add(delivery.subject)
            wave += 1


def _record_decision_notices(
    uow: UnitOfWork,
    subscription: Subscription,
    due: Sequence[Delivery],
    records: Mapping[int, OutboxRecord],
    notices: Mapping[int, tuple[str, str | None]],
) -> None:
    """A decision event sent to a fund's webhook is how that fund was notified of the decision:
    record it (statut.store.decisions, channel ``webhook``)."""
    now = uow.clock()
    for delivery in due:
        record = records[delivery.position]
        found = notices.get(delivery.delivery_id)
        decision_id = record.data.get("decision_id")
        if found is None or not record.event_type.startswith(DECISION_EVENT) or not isinstance(decision_id, int):
            continue
        status, detail = found
        uow.decisions.record_webhook_notice(
            decision_id,
            str(record.data.get("status", "")),
            subscription.name,
            subscription.fund_code or record.data.get("fund_code"),
            status,
            attempts=delivery.attempts + 1,
            detail=detail,
            moment=now,
        )


def _relaxed_durability(uow: UnitOfWork) -> None:
    """The relay's own bookkeeping commits without waiting for the WAL flush (PostgreSQL).

    Safe for at-least-once: the events themselves were committed durably by their writers, and a
    crash can only lose the *last* relay transactions (asynchronous commit never reorders them), i.e.
    a fan-out or a "delivered" mark, which the relay then redoes: a duplicate, never a loss. It saves
    a disk flush per pass, which on a small machine is most of a pass. ``SET LOCAL`` ends with the
    transaction, so the pooled connection goes back with the server's setting."""
    if uow.dialect == "postgresql":
        uow.connection.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _records(uow: UnitOfWork, positions: Sequence[int]) -> dict[int, OutboxRecord]:
    from statut.store.events_tables import outbox
    from statut.store.outbox import _record

    rows = uow.connection.execute(select(outbox).where(outbox.c.position.in_(list(positions))))
    return {int(row.position): _record(row) for row in rows}


def _funds_of(uow: UnitOfWork, records: Sequence[OutboxRecord]) -> dict[int, set[str]]:
    """The funds each person of the batch is (or was) affiliated to: a fund hears of its own people."""
    people = {r.person_id for r in records if r.person_id is not None}
    if not people:
        return {}
    a = t.affiliation
    rows = uow.connection.execute(
        select(a.c.person_id, a.c.fund_code).where(a.c.person_id.in_(list(people)), a.c.superseded_at.is_(None))
    )
    funds: dict[int, set[str]] = {}
    for row in rows:
        funds.setdefault(int(row.person_id), set()).add(row.fund_code)
    return funds


def _event_funds(record: OutboxRecord, funds: Mapping[int, set[str]]) -> set[str]:
    named = record.data.get("fund_code")
    found = set(funds.get(record.person_id or -1, set()))
    if isinstance(named, str):
        found.add(named)
    return found


def wait_until(predicate: object, timeout: float = 10.0, interval: float = 0.02) -> bool:
    """Poll ``predicate()`` until true or ``timeout`` (for tools and tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return False
