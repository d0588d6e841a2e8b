"""Events benchmark (issue 8): 500 events/s sustained for 60 s, commit-to-subscriber latency p99 < 1 s.

Each event is a ledger entry and its outbox row, written in the change's transaction through the
announcing ledger (``uow.ledger.record``, the path every service write takes). A producer commits at
a fixed rate, ``PER_COMMIT`` events per transaction (a small batch: what a feed file or a request
that records a few facts commits) and, in a second run, 1 event per transaction (the worst case:
every event its own commit). The relay runs in a thread of the same process and is woken by the
commit (statut.events.wakeup), with a 50 ms poll fallback.

- SQLite, embedded: the relay delivers to an in-process subscriber, which timestamps arrival.
- PostgreSQL + NATS JetStream: the relay publishes to JetStream (pipelined acks, Nats-Msg-Id = event
  id); a NATS subscriber timestamps arrival.

Latency = arrival time - the producer's commit time of the event (same clock).

Baseline, same run: how many events/s one producer can write at full speed (no relay), with the
previous per-event path (read and lock the ledger head, insert, update the head; a ``max(sequence)``
query per event for the order per person; one national-number query per event), which this file
keeps as :func:`legacy_record`, against the current path, one event per call and a batch per call
(``record_many``).

``STATUT_BENCH_EVENTS_SECONDS`` shortens the sustained runs (default 60); the rate is
``STATUT_BENCH_EVENTS_RATE`` (default 500).
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, func, insert, select, text, update

from benchmarks._common import Result
from statut.events.relay import Relay
from statut.events.senders import NatsSender
from statut.services.database import prepare_database
from statut.store import events_tables as et
from statut.store import tables as t
from statut.store.changes import Change
from statut.store.engine import build_engine
from statut.store.ledger import HEAD_ID, PendingEntry, canonical_json, compute_entry_hash
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import Subscription
from statut.store.unit_of_work import UnitOfWork

SECONDS = float(os.environ.get("STATUT_BENCH_EVENTS_SECONDS", "60"))
RATE = int(os.environ.get("STATUT_BENCH_EVENTS_RATE", "500"))
PER_COMMIT = 5
CAPACITY_EVENTS = int(os.environ.get("STATUT_BENCH_EVENTS_CAPACITY", "3000"))
POSTGRES = os.environ.get("STATUT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NATS = os.environ.get("STATUT_NATS_URL", "nats://127.0.0.1:4222")
ACTION = "bench.tick"


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


# -- the previous per-event path (baseline) ---------------------------------------------------------


def legacy_record(connection: Connection, change: Change, person_key: int) -> int:
    """One event as the store wrote it before this change: the statements of the old
    ``Ledger.append`` and ``AnnouncingLedger._announce`` / ``OutboxRepository.add``."""
    moment = change.recorded_at
    head = connection.execute(
        select(t.ledger_head.c.seq, t.ledger_head.c.entry_hash)
        .where(t.ledger_head.c.head_id == HEAD_ID)
        .with_for_update()
    ).one()
    seq = int(head.seq) + 1
    payload = canonical_json({})
    entry_hash = compute_entry_hash(
        seq=seq, recorded_at=moment, actor=change.actor, action=ACTION, entity_type="person",
        entity_key=str(person_key), reason=change.reason, change_id=change.change_id, payload=payload,
        prev_hash=head.entry_hash,
    )  # fmt: skip
    connection.execute(
        insert(t.ledger).values(
            seq=seq, recorded_at=moment, actor=change.actor, action=ACTION, entity_type="person",
            entity_key=str(person_key), reason=change.reason, change_id=change.change_id, payload=payload,
            prev_hash=head.entry_hash, entry_hash=entry_hash,
        )
    )  # fmt: skip
    connection.execute(
        update(t.ledger_head).where(t.ledger_head.c.head_id == HEAD_ID).values(seq=seq, entry_hash=entry_hash)
    )
    subject = f"person/{person_key}"
    pi = t.person_identifier
    number = connection.execute(
        select(pi.c.value).where(pi.c.person_id == person_key, pi.c.superseded_at.is_(None)).limit(1)
    ).scalar_one_or_none()
    previous = connection.execute(select(func.max(et.outbox.c.sequence)).where(et.outbox.c.subject == subject)).scalar()
    connection.execute(
        insert(et.outbox)
        .values(
            event_id=str(uuid.uuid4()), event_type=f"be.statut.{ACTION}", source="/statut/register", subject=subject,
            sequence=int(previous or 0) + 1, person_number=number, occurred_at=moment,
            data=canonical_json({"action": ACTION, "ledger_seq": seq}), change_id=change.change_id,
        )
        .returning(et.outbox.c.position)
    ).scalar_one()  # fmt: skip
    # The ledger's head guess of the current path is now stale: its compare-and-set re-reads it.
    return seq


Writer = Callable[[UnitOfWork, Change, int, int], list[int]]


def write_legacy(uow: UnitOfWork, change: Change, first: int, count: int) -> list[int]:
    return [legacy_record(uow.connection, change, first + i) for i in range(count)]


def write_per_event(uow: UnitOfWork, change: Change, first: int, count: int) -> list[int]:
    return [
        uow.ledger.record(change, action=ACTION, entity_type="person", entity_key=first + i).seq for i in range(count)
    ]


def write_batch(uow: UnitOfWork, change: Change, first: int, count: int) -> list[int]:
    entries = [PendingEntry(ACTION, "person", first + i) for i in range(count)]
    return [entry.seq for entry in uow.ledger.record_many(change, entries)]  # type: ignore[attr-defined]


# -- producer and measurements --------------------------------------------------------------------


def produce(engine: Engine, seconds: float, rate: int, per_commit: int, write: Writer) -> dict[int, float]:
    """Commit ``rate`` events per second for ``seconds``, ``per_commit`` per transaction; return each
    event's commit time."""
    committed: dict[int, float] = {}
    interval = per_commit / rate
    start = time.perf_counter()
    tick = 0
    with UnitOfWork(engine) as uow:
        while time.perf_counter() - start < seconds:
            change = uow.record_change(actor="bench", reason="benchmark tick")
            seqs = write(uow, change, tick * per_commit, per_commit)
            uow.commit()
            now = time.time()
            for seq in seqs:
                committed[seq] = now
            tick += 1
            delay = start + tick * interval - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
    return committed


def capacity(engine: Engine, write: Writer, per_commit: int, events: int) -> str:
    """Events/s one producer writes at full speed (no relay running), and its CPU per event."""
    began = time.perf_counter()
    cpu_before = time.process_time()
    with UnitOfWork(engine) as uow:
        for tick in range(events // per_commit):
            change = uow.record_change(actor="bench", reason="capacity")
            write(uow, change, 10_000_000 + tick * per_commit, per_commit)
            uow.commit()
    rate = events / (time.perf_counter() - began)
    cpu_ms = (time.process_time() - cpu_before) * 1000 / events
    return f"{rate:.1f} events/s, {cpu_ms:.3f} ms CPU/event"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


#: The sustained runs: (how the producer writes, events per transaction).
RUNS: tuple[tuple[str, Writer, int], ...] = (
    ("batch path (record_many)", write_batch, PER_COMMIT),
    ("per-event path (record)", write_per_event, PER_COMMIT),
    ("per-event path (record)", write_per_event, 1),
)


def _server_cpu_seconds(engine: Engine) -> float | None:
    """CPU seconds used so far by the PostgreSQL backends serving this benchmark's database (from
    /proc; the server runs on this machine). None on SQLite (its work is in this process's CPU)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        pids = connection.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars()
        total = 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def sustained(
    engine: Engine, senders: dict[str, Any], arrivals: Arrivals, label: str, path: str, write: Writer, per_commit: int
) -> dict[str, Any]:
    relay = Relay(engine, senders, batch_size=1000)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,), kwargs={"idle_sleep": 0.05}, daemon=True)
    thread.start()
    load_before = os.getloadavg()[0]
    cpu_before = time.process_time()
    server_before = _server_cpu_seconds(engine)
    began = time.perf_counter()
    committed = produce(engine, SECONDS, RATE, per_commit, write)
    produced_in = time.perf_counter() - began
    load_after = os.getloadavg()[0]
    deadline = time.time() + 30
    while len(arrivals.times) < len(committed) and time.time() < deadline:
        time.sleep(0.05)
    cpu_ms = (time.process_time() - cpu_before) * 1000 / max(len(committed), 1)
    server_after = _server_cpu_seconds(engine)
    server_ms = (
        None
        if server_before is None or server_after is None
        else round((server_after - server_before) * 1000 / max(len(committed), 1), 3)
    )
    stop.set()
    thread.join(timeout=30)
    relay.close()
    latencies = [arrivals.times[s] - committed[s] for s in committed if s in arrivals.times]
    arrivals.times.clear()
    name = f"{label}, {path}, {per_commit} event{'s' if per_commit > 1 else ''}/transaction"
    return {
        f"{name}: events committed": len(committed),
        f"{name}: events received": len(latencies),
        f"{name}: sustained rate, events/s": round(len(committed) / produced_in, 1),
        f"{name}: latency p50, ms": round(percentile(latencies, 0.50) * 1000, 1),
        f"{name}: latency p99, ms": round(percentile(latencies, 0.99) * 1000, 1),
        f"{name}: latency max, ms": round(max(latencies, default=float("nan")) * 1000, 1),
        f"{name}: CPU of this process per event (producer + relay + subscriber), ms": round(cpu_ms, 3),
        f"{name}: load average (1 min) before/after": f"{load_before:.2f} / {load_after:.2f}",
    } | ({} if server_ms is None else {f"{name}: CPU of the PostgreSQL backends per event, ms": server_ms})


def capacities(engine: Engine, label: str) -> dict[str, Any]:
    return {
        f"{label}: producer capacity, previous per-event path, {PER_COMMIT}/transaction": capacity(
            engine, write_legacy, PER_COMMIT, CAPACITY_EVENTS
        ),
        f"{label}: producer capacity, current per-event path, {PER_COMMIT}/transaction": capacity(
            engine, write_per_event, PER_COMMIT, CAPACITY_EVENTS
        ),
        f"{label}: producer capacity, current batch path (record_many), {PER_COMMIT}/transaction": capacity(
            engine, write_batch, PER_COMMIT, CAPACITY_EVENTS
        ),
        f"{label}: producer capacity, previous per-event path, 1/transaction": capacity(
            engine, write_legacy, 1, CAPACITY_EVENTS // 2
        ),
        f"{label}: producer capacity, current per-event path, 1/transaction": capacity(
            engine, write_per_event, 1, CAPACITY_EVENTS // 2
        ),
    }


def verify_chain(engine: Engine) -> str:
    with UnitOfWork(engine, read_only=True) as uow:
        result = uow.ledger.verify()
    return f"{result.entries} entries, intact" if result.ok else f"BROKEN: {result.problem}"


def sqlite_run() -> tuple[dict[str, Any], dict[str, Any]]:
    with tempfile.TemporaryDirectory() as directory:
        engine = build_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        prepare_database(engine)
        with UnitOfWork(engine) as uow:
            uow.subscriptions.add("bench", "inprocess", "bench", type_prefixes=("be.statut.bench.",))
            uow.commit()
        arrivals = Arrivals()
        figures: dict[str, Any] = {}
        for path, write, per_commit in RUNS:
            senders = {"inprocess": ArrivalSender(arrivals)}
            figures |= sustained(engine, senders, arrivals, "SQLite in-process", path, write, per_commit)
        baseline = capacities(engine, "SQLite")
        figures["SQLite: ledger verify after the runs"] = verify_chain(engine)
        engine.dispose()
        return figures, baseline


@contextmanager
def scratch_postgres() -> Iterator[Engine]:
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"statut_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = build_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        prepare_database(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_nats_run() -> tuple[dict[str, Any], dict[str, Any]]:
    arrivals = Arrivals()
    loop = asyncio.new_event_loop()
    loop_thread = threading.Thread(target=loop.run_forever, daemon=True)
    loop_thread.start()

    async def subscribe() -> Any:
        import nats

        nc = await nats.connect(NATS)

        async def on_message(message: Any) -> None:
            arrivals.arrive(int(json.loads(message.data)["data"]["ledger_seq"]))

        await nc.subscribe("statut.bench.>", cb=on_message)
        return nc

    try:
        with scratch_postgres() as engine:
            with UnitOfWork(engine) as uow:
                uow.subscriptions.add("bench-nats", "nats", NATS, type_prefixes=("be.statut.bench.",), max_attempts=20)
                uow.commit()
            nc = asyncio.run_coroutine_threadsafe(subscribe(), loop).result()
            figures: dict[str, Any] = {}
            for path, write, per_commit in RUNS:
                senders = {"nats": NatsSender(NATS)}
                figures |= sustained(engine, senders, arrivals, "PostgreSQL + NATS JetStream", path, write, per_commit)
            asyncio.run_coroutine_threadsafe(nc.drain(), loop).result()
            baseline = capacities(engine, "PostgreSQL")
            figures["PostgreSQL: ledger verify after the runs"] = verify_chain(engine)
            return figures, baseline
    finally:
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(timeout=5)
        loop.close()


def main() -> None:
    figures: dict[str, Any] = {"target rate, events/s": RATE, "duration of each sustained run, s": SECONDS}
    baseline: dict[str, Any] = {"events per capacity measurement": CAPACITY_EVENTS}
    notes = [
        "Each event is a ledger entry plus its outbox row, written through the announcing ledger by one producer "
        f"thread at the target rate: {PER_COMMIT} per transaction with record_many (one head move and one insert "
        f"per batch), {PER_COMMIT} per transaction with record (one call per event, what services do), and 1 per "
        "transaction. The verdict is on the first; the others are reported as they are.",
        "Latency is measured from the producer's commit to arrival at the subscriber (same clock).",
        "Producer, relay and subscriber share the machine (2 cores) with other work: see the load averages.",
        "Baseline: producer capacity alone (no relay), previous per-event path against the current paths, "
        "measured after the sustained runs on the same database.",
        "CPU per event is this process's CPU time (all threads) divided by the events: unlike the rates, it does "
        "not depend on how much of the machine other work takes; on PostgreSQL the server's own CPU is not in it.",
    ]
    sqlite_figures, sqlite_baseline = sqlite_run()
    figures |= sqlite_figures
    baseline |= sqlite_baseline
    try:
        pg_figures, pg_baseline = postgres_nats_run()
        figures |= pg_figures
        baseline |= pg_baseline
    except Exception as error:  # no PostgreSQL or NATS here: say so, keep the SQLite figures
        notes.append(f"PostgreSQL + NATS run skipped: {type(error).__name__}: {error}")
    first = f"{RUNS[0][0]}, {RUNS[0][2]} events/transaction"
    met = {
        label: figures.get(f"{label}, {first}: latency p99, ms", 1e9) < 1000
        and figures.get(f"{label}, {first}: sustained rate, events/s", 0) >= RATE * 0.98
        for label in ("SQLite in-process", "PostgreSQL + NATS JetStream")
    }
    Result(
        name="events",
        issue=8,
        target=f"{RATE} events/s sustained for {SECONDS:.0f} s, commit-to-subscriber latency p99 < 1 s, "
        "on SQLite in-process and on PostgreSQL with NATS JetStream",
        figures=figures,
        baseline=baseline,
        notes=notes,
        verdict=(
            f"target met on both set-ups with the {first}"
            if all(met.values())
            else f"with the {first}: " + "; ".join(f"{label}: {'met' if m else 'NOT met'}" for label, m in met.items())
        ),
    ).write()


if __name__ == "__main__":
    main()
