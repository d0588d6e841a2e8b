"""Publishing to NATS JetStream (a real nats-server): one stream per subject prefix, Nats-Msg-Id =
event id so a re-publication after a crash is dropped by JetStream. Skipped with the reason when no
server answers on STATUT_TEST_NATS_URL (default nats://127.0.0.1:4222), except under CI=true."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import uuid
from datetime import date
from urllib.parse import urlparse

import pytest
from sqlalchemy import Engine

from statut.domain.entities import LifeEventType
from statut.events.senders import NatsSender, nats_subject, stream_name
from statut.services.events import build_relay
from statut.store.outbox import person_subject
from statut.store.subscriptions import Subscription
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import life_event, self_employed

NATS_URL = os.environ.get("STATUT_TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture(scope="module")
def nats_url() -> str:
    parsed = urlparse(NATS_URL)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 4222), timeout=2).close()
    except OSError as error:
        message = f"NATS unreachable at {NATS_URL}: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: the NATS tests must run)")
        pytest.skip(message)
    return NATS_URL


async def _stream_messages(url: str, stream: str, subject: str) -> list[dict]:  # type: ignore[type-arg]
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        consumer = await js.pull_subscribe(subject, durable=f"t{uuid.uuid4().hex[:8]}", stream=stream)
        messages = []
        while True:
            try:
                batch = await consumer.fetch(100, timeout=1)
            except Exception:  # fetch times out when the stream is drained
                break
            for message in batch:
                messages.append({"headers": dict(message.headers or {}), "event": json.loads(message.data)})
                await message.ack()
        return messages
    finally:
        await nc.close()


def test_the_relay_publishes_to_jetstream_with_dedup_ids(engine: Engine, nats_url: str) -> None:
    with UnitOfWork(engine) as uow:
        person, person_id = self_employed(uow)
        life_event(uow, person, LifeEventType.ADDRESS_CHANGE, date(2024, 1, 2))
        uow.commit()
    relay = build_relay(engine, nats_url=nats_url)
    try:
        relay.drain()
    finally:
        relay.close()
    with UnitOfWork(engine, read_only=True) as uow:
        record = uow.outbox.for_subject(person_subject(person_id))[-1]
        assert uow.subscriptions.count("pending") == 0
        assert uow.subscriptions.count("dead") == 0
    # Publish the same event again, as a relay restarted after a crash would: JetStream drops it.
    sender = NatsSender(nats_url)
    subscription = Subscription(0, "nats", "nats", nats_url, "", (), None, False, 3, True)
    try:
        assert sender.send(subscription, [record]) == [None]
    finally:
        sender.close()
    assert stream_name(record.event_type) == "STATUT_LIFE_EVENT"
    messages = asyncio.run(_stream_messages(nats_url, "STATUT_LIFE_EVENT", nats_subject(record.event_type)))
    mine = [m for m in messages if m["event"]["id"] == record.event_id]
    assert len(mine) == 1
    assert mine[0]["headers"]["Nats-Msg-Id"] == record.event_id
    assert mine[0]["event"]["subject"] == f"person/{person_id}"
    assert "nationalnumber" not in mine[0]["event"]
