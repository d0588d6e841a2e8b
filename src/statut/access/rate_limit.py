"""Rate limiting per client: a token bucket per (bucket, client key), in the server's memory.

Applied to the token endpoint (keyed by client id or persona and address: slows down secret
guessing) and to write routes (keyed by the actor). The state is per server process: with N workers
a client gets at most N times the rate, which is fine for abuse control; a shared store would be
needed for billing-grade quotas (not a goal here).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from statut.access.errors import RateLimited

MAX_TRACKED_KEYS = 100_000


@dataclass(frozen=True, slots=True)
class Limit:
    """``capacity`` requests at once, refilled at ``per_second``."""

    capacity: int
    per_second: float


DEFAULT_LIMITS: dict[str, Limit] = {
    "token": Limit(capacity=20, per_second=20 / 60),
    "write": Limit(capacity=30, per_second=30 / 60),
}


class RateLimiter:
    def __init__(self, limits: dict[str, Limit] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = dict(DEFAULT_LIMITS if limits is None else limits)
        self._clock = clock
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, key: str) -> None:
        """Take one token for ``key``; :class:`RateLimited` (429, with Retry-After) when none is left."""
        limit = self.limits[bucket]
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get((bucket, key), (float(limit.capacity), now))
            tokens = min(float(limit.capacity), tokens + (now - last) * limit.per_second)
            if tokens < 1.0:
                self._buckets[(bucket, key)] = (tokens, now)
                wait = math.ceil((1.0 - tokens) / limit.per_second)
                raise RateLimited(f"too many requests; try again in {wait} s", retry_after=wait)
            if len(self._buckets) >= MAX_TRACKED_KEYS:
                self._buckets.clear()  # memory bound under a flood of distinct keys: forget, stay up
            self._buckets[(bucket, key)] = (tokens - 1.0, now)
