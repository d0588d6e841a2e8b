"""How a delivery reaches its subscriber. Each sender returns, per event, None (delivered) or the
error; the relay counts attempts, backs off and dead-letters.

- :class:`InProcessSender`: the embedded default; runs the handlers in this process, each event in
  its own unit of work guarded by the processed-event table (idempotent by event id).
- :class:`WebhookSender`: POSTs the CloudEvent (structured mode) signed with HMAC-SHA256.
- :class:`NatsSender`: publishes to NATS JetStream with ``Nats-Msg-Id`` = event id, so JetStream's
  duplicate window drops a re-publication after a relay crash.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import httpx
from sqlalchemy import Engine

from statut.events.cloudevents import CONTENT_TYPE, encode, to_cloudevent
from statut.events.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, signature_header
from statut.store.changes import Clock, utc_now
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import Subscription
from statut.store.unit_of_work import UnitOfWork

Handler = Callable[[UnitOfWork, OutboxRecord], object]


class Sender(Protocol):
    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]: ...

    def close(self) -> None: ...


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500] or type(exc).__name__


class InProcessSender:
    """Applies events to in-process handlers; ``consumer`` names the processed-event guard."""

    def __init__(self, engine: Engine, handle: Handler, *, consumer: str = "handlers", clock: Clock = utc_now) -> None:
        self._engine = engine
        self._handle = handle
        self._consumer = consumer
        self._clock = clock

    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        del subscription  # one handler set per sender
        results: list[str | None] = []
        for record in records:
            try:
                with UnitOfWork(self._engine, clock=self._clock) as uow:
                    if uow.subscriptions.mark_processed(self._consumer, record.event_id):
                        self._handle(uow, record)
                    uow.commit()
            except Exception as exc:  # a failing handler is a failed delivery: retried, then dead-lettered
                results.append(_error(exc))
            else:
                results.append(None)
        return results

    def close(self) -> None:
        return None


class WebhookSender:
    """Signed HTTP POST of each event; any 2xx is a success, anything else a failed attempt."""

    def __init__(self, *, timeout: float = 5.0, client: httpx.Client | None = None) -> None:
        self._client = client or httpx.Client(timeout=timeout)

    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        results: list[str | None] = []
        for record in records:
            body = encode(to_cloudevent(record, include_national_number=subscription.entitled_national_number))
            headers = {
                "Content-Type": CONTENT_TYPE,
                EVENT_ID_HEADER: record.event_id,
                SIGNATURE_HEADER: signature_header(subscription.secret, body),
            }
            try:
                response = self._client.post(subscription.target, content=body, headers=headers)
            except httpx.HTTPError as exc:
                results.append(_error(exc))
                continue
            results.append(None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}")
        return results

    def close(self) -> None:
        self._client.close()


def nats_subject(event_type: str) -> str:
    """``be.statut.life_event.recorded`` -> ``statut.life_event.recorded``."""
    return "statut." + event_type.removeprefix("be.statut.")


def stream_name(event_type: str) -> str:
    """One JetStream stream per subject prefix: ``STATUT_LIFE_EVENT`` holds ``statut.life_event.>``."""
    return "STATUT_" + event_type.removeprefix("be.statut.").split(".", 1)[0].upper()


class NatsSender:
    """Publishes to JetStream from a private event loop thread (the relay itself is synchronous)."""

    def __init__(
        self, url: str, *, connect_timeout: float = 2.0, duplicate_window: float = 120.0, ack_timeout: float = 10.0
    ) -> None:
        self._url = url
        self._ack_timeout = ack_timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="nats-sender", daemon=True)
        self._thread.start()
        self._streams: set[str] = set()
        self._duplicate_window = duplicate_window
        self._nc: Any = self._run(self._connect(connect_timeout))
        self._js: Any = self._nc.jetstream()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def _connect(self, timeout: float) -> Any:
        import nats

        return await nats.connect(self._url, connect_timeout=timeout, max_reconnect_attempts=2, allow_reconnect=True)

    async def _ensure_stream(self, name: str) -> None:
        if name in self._streams:
            return
        from nats.js.api import StreamConfig

        prefix = name.removeprefix("STATUT_").lower()
        config = StreamConfig(name=name, subjects=[f"statut.{prefix}.>"], duplicate_window=self._duplicate_window)
        try:
            await self._js.add_stream(config)
        except Exception:  # already there, perhaps with other settings: use it as it is
            await self._js.stream_info(name)
        self._streams.add(name)

    async def _publish(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        """Publish the batch pipelined: every message goes out (in order) before the first ack is
        awaited, then the acks are collected. A batch holds at most one event per person (the relay
        sends in waves), so no person's events can overtake each other."""
        results: list[str | None] = [None] * len(records)
        pending: list[tuple[int, Any]] = []
        for index, record in enumerate(records):
            try:
                await self._ensure_stream(stream_name(record.event_type))
                body = encode(to_cloudevent(record, include_national_number=subscription.entitled_national_number))
                future = await self._js.publish_async(
                    nats_subject(record.event_type),
                    body,
                    wait_stall=self._ack_timeout,
                    headers={"Nats-Msg-Id": record.event_id},
                )
            except Exception as exc:
                results[index] = _error(exc)
            else:
                pending.append((index, future))
        if pending:
            await asyncio.wait([future for _, future in pending], timeout=self._ack_timeout)
            for index, future in pending:
                if not future.done():
                    future.cancel()
                    results[index] = f"no acknowledgement from JetStream within {self._ack_timeout} s"
                elif future.exception() is not None:
                    results[index] = _error(future.exception())
        return results

    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        result: list[str | None] = self._run(self._publish(subscription, records))
        return result

    def close(self) -> None:
        try:
            self._run(self._nc.drain())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
            self._loop.close()
