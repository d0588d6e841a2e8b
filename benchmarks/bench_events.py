"""Events benchmark (issue 8): 500 events/s sustained for 60 s, commit-to-subscriber latency p99 < 1 s.

Two set-ups, run one after the other:

- SQLite, embedded: a producer commits 5 events every 10 ms (each a ledger entry and its outbox row,
  written in the change's transaction, through the announcing ledger), the relay runs in a thread
  and delivers to an in-process subscriber, which timestamps arrival.
- PostgreSQL + NATS JetStream: the same producer; the relay publishes to JetStream (Nats-Msg-Id =
  event id); a NATS subscriber timestamps arrival.

Latency = arrival time - the producer's commit time of the event. ``STATUT_BENCH_EVENTS_SECONDS``
shortens the run (default 60); the rate is ``STATUT_BENCH_EVENTS_RATE`` (default 500).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from benchmarks._common import Result
from statut.events.relay import Relay
from statut.events.senders import NatsSender
from statut.services.database import prepare_database
from statut.store.engine import build_engine
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import Subscription
from statut.store.unit_of_work import UnitOfWork

SECONDS = float(os.environ.get("STATUT_BENCH_EVENTS_SECONDS", "60"))
RATE = int(os.environ.get("STATUT_BENCH_EVENTS_RATE", "500"))
PER_COMMIT = 5
POSTGRES = os.environ.get("STATUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NATS = os.environ.get("STATUT_NATS_URL", "nats://127.0.0.1:4222")


class Arrivals:
    def __init__(self) -> None:
        self.times: dict[int, float] = {}
        self.lock = threading.Lock()

    def arrive(self, seq: int) -> None:
        now = time.time()
        with self.lock:
            self.times.setdefault(seq, now)


class ArrivalSender:
    """An in-process subscriber that only notes when each event arrives."""

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals

    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        del subscription
        for record in records:
            self.arrivals.arrive(int(record.data["ledger_seq"]))
        return [None] * len(records)

    def close(self) -> None:
        return None


def produce(engine: Any, seconds: float, rate: int) -> dict[int, float]:
    """Commit ``rate`` events per second for ``seconds``; return each event's commit time."""
    committed: dict[int, float] = {}
    interval = PER_COMMIT / rate
    start = time.perf_counter()
    tick = 0
    with UnitOfWork(engine) as uow:
        while time.perf_counter() - start < seconds:
            change = uow.record_change(actor="bench", reason="benchmark tick")
            seqs = [
                uow.ledger.record(
                    change, action="bench.tick", entity_type="person", entity_key=tick * PER_COMMIT + i
                ).seq
                for i in range(PER_COMMIT)
            ]
            uow.commit()
            now = time.time()
            for seq in seqs:
                committed[seq] = now
            tick += 1
            delay = start + tick * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    return committed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def measure(engine: Any, senders: dict[str, Any], arrivals: Arrivals, label: str) -> dict[str, Any]:
    relay = Relay(engine, senders, batch_size=1000)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_sleep": 0.01}, daemon=True)
    thread.start()
    began = time.perf_counter()
    committed = produce(engine, SECONDS, RATE)
    produced_in = time.perf_counter() - began
    deadline = time.time() + 30
    while len(arrivals.times) < len(committed) and time.time() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=30)
    relay.close()
    latencies = [arrivals.times[s] - committed[s] for s in committed if s in arrivals.times]
    return {
        f"{label}: events committed": len(committed),
        f"{label}: events received": len(latencies),
        f"{label}: sustained rate, events/s": round(len(committed) / produced_in, 1),
        f"{label}: latency p50, ms": round(percentile(latencies, 0.50) * 1000, 1),
        f"{label}: latency p99, ms": round(percentile(latencies, 0.99) * 1000, 1),
        f"{label}: latency max, ms": round(max(latencies, default=float("nan")) * 1000, 1),
    }


def sqlite_run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        engine = build_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        prepare_database(engine)
        with UnitOfWork(engine) as uow:
            uow.subscriptions.add("bench", "inprocess", "bench", type_prefixes=("be.statut.bench.",))
            uow.commit()
        arrivals = Arrivals()
        figures = measure(engine, {"inprocess": ArrivalSender(arrivals)}, arrivals, "SQLite in-process")
        engine.dispose()
        return figures


def postgres_nats_run() -> dict[str, Any]:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"statut_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = build_engine(url)
    arrivals = Arrivals()
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()

    async def subscribe() -> Any:
        import json

        import nats

        nc = await nats.connect(NATS)

        async def on_message(message: Any) -> None:
            arrivals.arrive(int(json.loads(message.data)["data"]["ledger_seq"]))

        await nc.subscribe("statut.bench.>", cb=on_message)
        return nc

    try:
        prepare_database(engine)
        with UnitOfWork(engine) as uow:
            uow.subscriptions.add("bench-nats", "nats", NATS, type_prefixes=("be.statut.bench.",), max_attempts=20)
            uow.commit()
        nc = asyncio.run_coroutine_threadsafe(subscribe(), loop).result()
        figures = measure(engine, {"nats": NatsSender(NATS)}, arrivals, "PostgreSQL + NATS JetStream")
        asyncio.run_coroutine_threadsafe(nc.drain(), loop).result()
        return figures
    finally:
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(timeout=5)
        loop.close()
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    figures: dict[str, Any] = {"target rate, events/s": RATE, "duration, s": SECONDS}
    notes = [
        "Each event is a ledger entry plus its outbox row, committed 5 per transaction by one producer.",
        "Latency is measured from the producer's commit to arrival at the subscriber (same clock).",
        "Producer, relay and subscriber share the machine (2 cores).",
    ]
    figures |= sqlite_run()
    try:
        figures |= postgres_nats_run()
    except Exception as error:  # no PostgreSQL or NATS here: say so, keep the SQLite figures
        notes.append(f"PostgreSQL + NATS run skipped: {type(error).__name__}: {error}")
    ok = all(
        figures.get(f"{label}: latency p99, ms", 1e9) < 1000
        and figures.get(f"{label}: sustained rate, events/s", 0) >= RATE * 0.98
        for label in ("SQLite in-process", "PostgreSQL + NATS JetStream")
    )
    Result(
        name="events",
        issue=8,
        target=f"{RATE} events/s sustained for {SECONDS:.0f} s, commit-to-subscriber latency p99 < 1 s, "
        "on SQLite in-process and on PostgreSQL with NATS JetStream",
        figures=figures,
        notes=notes,
        verdict="target met" if ok else "target not met (see figures)",
    ).write()


if __name__ == "__main__":
    main()
