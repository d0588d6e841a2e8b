"""Changes: the identity of each unit of work that writes to the register (who, when, why, source).

Every row written references its change, and every change is in the ledger, so any fact in the
register answers "who put this here, when, and why". A change's ``recorded_at`` is the record time
of everything it wrote; it never goes backwards: if the clock does (or two changes fall in the same
microsecond), the new change is dated one microsecond after the previous one, so record time stays
ordered like the changes themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, insert, select

from statut.domain.errors import DomainValidationError, NotFound
from statut.store import tables as t

Clock = Callable[[], datetime]
ONE_MICROSECOND = timedelta(microseconds=1)
MAX_ACTOR_LENGTH = 200


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Change:
    """A unit of work that wrote to the register."""

    change_id: int
    recorded_at: datetime
    actor: str
    reason: str
    source: str


class ChangeRepository:
    def __init__(self, connection: Connection, clock: Clock) -> None:
        self._connection = connection
        self._clock = clock

    def record(self, *, actor: str, reason: str, source: str = "") -> Change:
        """Open a change: every write that follows references it."""
        if not actor or not actor.strip():
            raise DomainValidationError("actor", actor, "who makes the change is required")
        if len(actor) > MAX_ACTOR_LENGTH:
            raise DomainValidationError("actor", actor, f"longer than {MAX_ACTOR_LENGTH} characters")
        if not reason or not reason.strip():
            raise DomainValidationError("reason", reason, "why the change is made is required")
        if len(source) > MAX_ACTOR_LENGTH:
            raise DomainValidationError("source", source, f"longer than {MAX_ACTOR_LENGTH} characters")
        now = self._clock()
        if now.tzinfo is None:
            raise DomainValidationError("recorded_at", now.isoformat(), "the clock must give UTC-aware instants")
        latest = self._connection.execute(
            select(t.change.c.recorded_at).order_by(t.change.c.change_id.desc()).limit(1)
        ).scalar_one_or_none()
        if latest is not None and now <= latest:
            now = latest + ONE_MICROSECOND
        change_id = self._connection.execute(
            insert(t.change)
            .values(recorded_at=now, actor=actor.strip(), reason=reason.strip(), source=source.strip())
            .returning(t.change.c.change_id)
        ).scalar_one()
        return Change(change_id, now.astimezone(UTC), actor.strip(), reason.strip(), source.strip())

    def get(self, change_id: int) -> Change | None:
        row = self._connection.execute(select(t.change).where(t.change.c.change_id == change_id)).one_or_none()
        if row is None:
            return None
        return Change(row.change_id, row.recorded_at, row.actor, row.reason, row.source)

    def get_or_raise(self, change_id: int) -> Change:
        change = self.get(change_id)
        if change is None:
            raise NotFound(f"change {change_id} not found")
        return change

    def latest(self) -> Change | None:
        change_id = self._connection.execute(
            select(t.change.c.change_id).order_by(t.change.c.change_id.desc()).limit(1)
        ).scalar_one_or_none()
        return None if change_id is None else self.get(change_id)
