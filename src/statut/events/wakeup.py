"""How an idle relay learns that events were committed, instead of only polling the outbox.

- PostgreSQL: a transaction that wrote events sends ``NOTIFY statut_outbox`` (statut.store.outbox);
  the server delivers it after the commit to every session that listens, in any process. The relay
  listens on a connection of its own (autocommit, outside the pool).
- SQLite: no server to notify through. A relay in the writer's process waits on the engine's commit
  signal (statut.store.outbox.commit_signal); writers in other processes are seen by the poll.

Either way the relay still polls every ``idle_sleep`` seconds (due retries, missed wake-ups): a lost
notification delays delivery by one poll at most, it never loses an event.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from sqlalchemy import Engine

from statut.store.outbox import NOTIFY_CHANNEL, CommitSignal, commit_signal


class Wakeup(Protocol):
    def mark(self) -> int: ...

    def wait(self, mark: int, timeout: float) -> bool: ...

    def close(self) -> None: ...


class SignalWakeup:
    """Commits of this process on the same engine (the embedded SQLite default)."""

    def __init__(self, signal: CommitSignal) -> None:
        self._signal = signal

    def mark(self) -> int:
        return self._signal.generation

    def wait(self, mark: int, timeout: float) -> bool:
        return self._signal.wait(mark, timeout)

    def close(self) -> None:
        return None


class ListenWakeup:
    """``LISTEN statut_outbox`` on a dedicated PostgreSQL connection; notifications queue up while the
    relay works, so none is missed between two waits."""

    def __init__(self, engine: Engine) -> None:
        import psycopg

        url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: Any = psycopg.connect(url, autocommit=True)
        self._connection.execute(f"LISTEN {NOTIFY_CHANNEL}")

    def mark(self) -> int:
        return 0

    def wait(self, mark: int, timeout: float) -> bool:
        del mark  # queued notifications are the mark
        woken = any(True for _ in self._connection.notifies(timeout=timeout, stop_after=1))
        if woken:  # one pass serves every commit so far: drop the notifications already queued
            for _ in self._connection.notifies(timeout=0):
                pass
        return woken

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()


class PollOnly:
    def mark(self) -> int:
        return 0

    def wait(self, mark: int, timeout: float) -> bool:
        del mark
        import time

        time.sleep(timeout)
        return False

    def close(self) -> None:
        return None


def wakeup_for(engine: Engine) -> Wakeup:
    """The best wake-up source for ``engine``; polling alone when PostgreSQL cannot be listened to."""
    if engine.dialect.name == "postgresql":
        try:
            return ListenWakeup(engine)
        except Exception:  # the poll still delivers everything, only later
            return PollOnly()
    return SignalWakeup(commit_signal(engine))
