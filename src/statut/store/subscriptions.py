"""Subscribers, deliveries (with retries and dead letters) and the processed-event guard.

Delivery is at least once: the relay fans each event out to a ``pending`` delivery per matching
subscription, then sends. A delivery becomes ``delivered`` after a successful send, or ``dead`` (the
dead letter) after the subscription's ``max_attempts``; in between it waits with exponential backoff.
Order per person: a delivery is only due when no earlier delivery of the same subject to the same
subscriber is still pending; a dead one no longer blocks (a poison event must not hold the others).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from statut.domain.errors import Conflict, NotFound
from statut.store import events_tables as et
from statut.store.changes import Clock

S = et.event_subscription
DL = et.event_delivery
PE = et.processed_event
OB = et.outbox

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 3600.0


def backoff(attempts: int, base: float = BACKOFF_BASE_SECONDS) -> timedelta:
    """Wait before attempt ``attempts + 1``: base, 2 base, 4 base... capped at an hour."""
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


@dataclass(frozen=True, slots=True)
class Subscription:
    subscription_id: int
    name: str
    kind: str  # inprocess, webhook, nats
    target: str
    secret: str
    type_prefixes: tuple[str, ...]
    fund_code: str | None
    entitled_national_number: bool
    max_attempts: int
    active: bool

    def wants(self, event_type: str) -> bool:
        return not self.type_prefixes or any(event_type.startswith(prefix) for prefix in self.type_prefixes)


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: int
    subscription_id: int
    position: int
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


def _subscription(row: Row[Any]) -> Subscription:
    prefixes = tuple(p for p in row.type_prefixes.split(",") if p)
    return Subscription(
        int(row.subscription_id),
        row.name,
        row.kind,
        row.target,
        row.secret,
        prefixes,
        row.fund_code,
        bool(row.entitled_national_number),
        int(row.max_attempts),
        bool(row.active),
    )


def _delivery(row: Row[Any]) -> Delivery:
    return Delivery(
        int(row.delivery_id),
        int(row.subscription_id),
        int(row.position),
        row.subject,
        row.status,
        int(row.attempts),
        row.next_attempt_at,
        row.last_error,
        row.delivered_at,
    )


class SubscriptionRepository:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    # -- subscriptions ----------------------------------------------------------------------------

    def add(
        self,
        name: str,
        kind: str,
        target: str,
        *,
        secret: str = "",
        type_prefixes: Sequence[str] = (),
        fund_code: str | None = None,
        entitled_national_number: bool = False,
        max_attempts: int = 8,
    ) -> Subscription:
        if self.by_name(name) is not None:
            raise Conflict(f"subscription {name!r} already exists", code="statut.conflict.subscription")
        new_id = self._connection.execute(
            insert(S)
            .values(
                name=name,
                kind=kind,
                target=target,
                secret=secret,
                type_prefixes=",".join(type_prefixes),
                fund_code=fund_code,
                entitled_national_number=entitled_national_number,
                max_attempts=max_attempts,
                active=True,
                created_at=self._clock(),
            )
            .returning(S.c.subscription_id)
        ).scalar_one()
        return self.get_or_raise(int(new_id))

    def ensure(self, name: str, kind: str, target: str, **options: Any) -> Subscription:
        return self.by_name(name) or self.add(name, kind, target, **options)

    def deactivate(self, subscription_id: int) -> None:
        self._connection.execute(update(S).where(S.c.subscription_id == subscription_id).values(active=False))

    def retarget(self, subscription_id: int, target: str, *, secret: str | None = None) -> Subscription:
        """Point a subscription at a new endpoint (and key), active again: a fund moved its system."""
        values: dict[str, Any] = {"target": target, "active": True}
        if secret is not None:
            values["secret"] = secret
        self._connection.execute(update(S).where(S.c.subscription_id == subscription_id).values(**values))
        return self.get_or_raise(subscription_id)

    def get(self, subscription_id: int) -> Subscription | None:
        row = self._connection.execute(select(S).where(S.c.subscription_id == subscription_id)).one_or_none()
        return None if row is None else _subscription(row)

    def get_or_raise(self, subscription_id: int) -> Subscription:
        found = self.get(subscription_id)
        if found is None:
            raise NotFound(f"subscription {subscription_id} not found")
        return found

    def by_name(self, name: str) -> Subscription | None:
        row = self._connection.execute(select(S).where(S.c.name == name)).one_or_none()
        return None if row is None else _subscription(row)

    def active(self, kinds: Iterable[str] | None = None) -> list[Subscription]:
        query = select(S).where(S.c.active.is_(True)).order_by(S.c.subscription_id)
        if kinds is not None:
            query = query.where(S.c.kind.in_(list(kinds)))
        return [_subscription(row) for row in self._connection.execute(query)]

    # -- deliveries -------------------------------------------------------------------------------

    def fan_out(self, rows: Sequence[dict[str, Any]]) -> None:
        """Insert pending deliveries: dicts with subscription_id, position, subject."""
        if not rows:
            return
        now = self._clock()
        self._connection.execute(
            insert(DL),
            [
                {
                    **row,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": None,
                    "delivered_at": None,
                }
                for row in rows
            ],
        )

    def due(self, subscription_id: int, *, limit: int = 200, now: datetime | None = None) -> list[Delivery]:
        """Pending deliveries whose time has come and that no earlier pending delivery of the same
        subject holds back (order per person), in outbox order.

        Read as pages of the subscription's pending deliveries in position order (an index range
        scan); a subject seen once blocks its later deliveries. A page is a prefix of that order, so
        the earlier delivery that blocks a row is always read before it: the answer is exact, and the
        cost grows with the pending rows read, not with their square (a correlated ``NOT EXISTS``,
        which PostgreSQL ran as a nested loop over every pending row once a backlog built up)."""
        moment = now or self._clock()
        page = max(2 * limit, 500)
        blocked: set[str] = set()
        found: list[Delivery] = []
        after = -1
        while len(found) < limit:
            rows = self._connection.execute(
                select(DL)
                .where(DL.c.subscription_id == subscription_id, DL.c.status == "pending", DL.c.position > after)
                .order_by(DL.c.position)
                .limit(page)
            ).all()
            for row in rows:
                if row.subject in blocked:
                    continue
                blocked.add(row.subject)
                if row.next_attempt_at <= moment:
                    found.append(_delivery(row))
                    if len(found) == limit:
                        break
            if len(rows) < page:
                break
            after = int(rows[-1].position)
        return found

    def next_due_at(self) -> datetime | None:
        return self._connection.execute(select(func.min(DL.c.next_attempt_at)).where(DL.c.status == "pending")).scalar()

    def mark_delivered(self, delivery_ids: Sequence[int]) -> None:
        if delivery_ids:
            now = self._clock()
            self._connection.execute(
                update(DL)
                .where(DL.c.delivery_id.in_(list(delivery_ids)))
                .values(status="delivered", delivered_at=now, attempts=DL.c.attempts + 1, last_error=None)
            )

    def mark_failed(
        self, delivery: Delivery, error: str, max_attempts: int, *, backoff_base: float = BACKOFF_BASE_SECONDS
    ) -> str:
        """Count a failed attempt: retry later with backoff, or dead-letter it. Returns the new status."""
        attempts = delivery.attempts + 1
        status = "dead" if attempts >= max_attempts else "pending"
        self._connection.execute(
            update(DL)
            .where(DL.c.delivery_id == delivery.delivery_id)
            .values(
                attempts=attempts,
                status=status,
                last_error=error[:2000],
                next_attempt_at=self._clock() + backoff(attempts, backoff_base),
            )
        )
        return status

    def dead_letters(self, subscription_id: int | None = None) -> list[Delivery]:
        query = select(DL).where(DL.c.status == "dead").order_by(DL.c.position)
        if subscription_id is not None:
            query = query.where(DL.c.subscription_id == subscription_id)
        return [_delivery(row) for row in self._connection.execute(query)]

    def redeliver(
        self, *, delivery_ids: Sequence[int] = (), subscription_id: int | None = None, since_position: int | None = None
    ) -> int:
        """Put dead letters (or, with ``since_position``, everything from a position) back in the queue."""
        query = update(DL).values(status="pending", attempts=0, next_attempt_at=self._clock(), last_error=None)
        if since_position is None:
            query = query.where(DL.c.status == "dead")
        else:
            query = query.where(DL.c.position >= since_position)
        if delivery_ids:
            query = query.where(DL.c.delivery_id.in_(list(delivery_ids)))
        if subscription_id is not None:
            query = query.where(DL.c.subscription_id == subscription_id)
        return int(self._connection.execute(query).rowcount or 0)

    def deliveries(self, subscription_id: int) -> list[Delivery]:
        rows = self._connection.execute(
            select(DL).where(DL.c.subscription_id == subscription_id).order_by(DL.c.position)
        )
        return [_delivery(row) for row in rows]

    def count(self, status: str | None = None) -> int:
        query = select(func.count()).select_from(DL)
        if status is not None:
            query = query.where(DL.c.status == status)
        return int(self._connection.execute(query).scalar_one())

    # -- idempotent consumers ---------------------------------------------------------------------

    def already_processed(self, consumer: str, event_id: str) -> bool:
        found = self._connection.execute(
            select(PE.c.event_id).where(PE.c.consumer == consumer, PE.c.event_id == event_id)
        ).first()
        return found is not None

    def mark_processed(self, consumer: str, event_id: str) -> bool:
        """Record that ``consumer`` applied ``event_id``; False if it already had (in a savepoint, so
        the caller's transaction survives the duplicate)."""
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    insert(PE).values(consumer=consumer, event_id=event_id, processed_at=self._clock())
                )
        except IntegrityError:
            return False
        return True

    def forget_processed(self, consumer: str, event_ids: Sequence[str] | None = None) -> int:
        from sqlalchemy import delete

        query = delete(PE).where(PE.c.consumer == consumer)
        if event_ids is not None:
            query = query.where(PE.c.event_id.in_(list(event_ids)))
        return int(self._connection.execute(query).rowcount or 0)
