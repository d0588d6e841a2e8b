"""SIGKILL the relay (a subprocess) in the middle of a stream: after a restart every event is
delivered, none lost (duplicates are allowed: delivery is at least once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from statut.domain.entities import LifeEventType
from statut.services.events import subscribe_webhook
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import Receiver, life_event, self_employed


def _start_relay(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with log.open("ab") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "statut.cli.events", "relay", "--database", database_url, "--backoff", "0.05"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def test_sigkill_in_the_middle_of_a_stream_loses_nothing(engine: Engine, database_url: str, tmp_path: Path) -> None:
    log = tmp_path / "relay.log"
    receiver = Receiver("s3cret")
    url = receiver.start()
    try:
        with UnitOfWork(engine) as uow:
            subscribe_webhook(uow, "fund", url, secret="s3cret")
            uow.commit()
        relay = _start_relay(database_url, log)
        people = []
        with UnitOfWork(engine) as uow:
            people.extend(self_employed(uow)[0] for _ in range(10))
            uow.commit()
        # A stream: small commits while the relay runs; kill it once it has delivered some.
        for round_ in range(15):
            with UnitOfWork(engine) as uow:
                for person in people:
                    life_event(uow, person, LifeEventType.ADDRESS_CHANGE, date(2024, 1, 1 + round_))
                uow.commit()
            if round_ == 5:
                deadline = time.monotonic() + 30
                while not receiver.ids() and time.monotonic() < deadline:
                    time.sleep(0.05)
                relay.send_signal(signal.SIGKILL)
                relay.wait(timeout=10)
                delivered_before_restart = len(receiver.ids())
                relay = _start_relay(database_url, log)
        with UnitOfWork(engine, read_only=True) as uow:
            total = uow.outbox.count()
        deadline = time.monotonic() + 120
        while len(set(receiver.ids())) < total and time.monotonic() < deadline:
            time.sleep(0.1)
        relay.send_signal(signal.SIGTERM)
        relay.wait(timeout=20)
        assert delivered_before_restart > 0
        assert len(set(receiver.ids())) == total, log.read_text()[-2000:]
        order: dict[str, list[int]] = {}
        for event in receiver.events:
            order.setdefault(event["subject"], []).append(int(event["sequence"]))
        for sequences in order.values():  # a redelivered tail may repeat, never go backwards past it
            deduplicated = list(dict.fromkeys(sequences))
            assert deduplicated == sorted(deduplicated)
    finally:
        receiver.stop()
