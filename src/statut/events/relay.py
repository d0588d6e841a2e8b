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

Run one relay per database: the fan-out assigns dispatch sequence numbers (PostgreSQL locks the
rows it fans out with SKIP LOCKED, but two relays would interleave their sequence numbers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from statut.events.senders import Sender
from statut.store import tables as t
from statut.store.changes import Clock, utc_now
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import BACKOFF_BASE_SECONDS, Delivery, Subscription
from statut.store.unit_of_work import UnitOfWork

HELD = "held back: an earlier event of the same person failed in this pass"


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
        self.stats = RelayStats()

    # -- one pass ---------------------------------------------------------------------------------

    def fan_out(self) -> int:
        with UnitOfWork(self._engine, clock=self._clock) as uow:
            records = uow.outbox.undispatched(self._batch)
            if not records:
                return 0
            subscriptions = [s for s in uow.subscriptions.active() if s.kind in self._senders]
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
        with UnitOfWork(self._engine, clock=self._clock) as uow:
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
        """Run until ``stop`` is set (the CLI sets it on SIGTERM/SIGINT)."""
        while not stop.is_set():
            if self.run_once() == 0:
                stop.wait(idle_sleep)
        return self.stats

    def close(self) -> None:
        for sender in self._senders.values():
            sender.close()

    # -- internals --------------------------------------------------------------------------------

    def _deliver_to(self, subscription: Subscription) -> int:
        with UnitOfWork(self._engine, clock=self._clock) as uow:
            due = uow.subscriptions.due(subscription.subscription_id, limit=self._batch)
            if not due:
                return 0
            records = _records(uow, [d.position for d in due])
        outcome = self._send_in_waves(subscription, due, records)
        delivered = [d.delivery_id for d in due if outcome.get(d.delivery_id, HELD) is None]
        with UnitOfWork(self._engine, clock=self._clock) as uow:
            uow.subscriptions.mark_delivered(delivered)
            for delivery in due:
                error = outcome.get(delivery.delivery_id, HELD)
                if error is None or error == HELD:
                    continue
                status = uow.subscriptions.mark_failed(
                    delivery, error, subscription.max_attempts, backoff_base=self._backoff
                )
                self.stats.failed += 1
                self.stats.dead += status == "dead"
                if len(self.stats.errors) < 100:
                    self.stats.errors.append(f"{subscription.name} {delivery.position}: {error}")
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
