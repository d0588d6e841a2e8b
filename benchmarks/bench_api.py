"""Platform API benchmark (issue 6): GET of a full dossier over HTTP with 100,000 people in PostgreSQL.

1. A PostgreSQL database (``STATUT_BENCH_POSTGRES_URL``, default the local test server) is filled
   with a synthetic population of 100,000 people (statut.synth + the register loader), then
   ANALYZEd as autovacuum would after a load. ``STATUT_BENCH_REUSE=1`` keeps a database built by an
   earlier run for the same population size (recorded in the database's comment: the register holds
   fewer ``person`` rows than people generated, since the gate keeps some records out), upgraded to
   the current schema.
2. uvicorn serves the application (``--workers`` from ``STATUT_BENCH_WORKERS``, default 2; uvloop
   and httptools when installed) on loopback.
3. A fund's IT system gets a token from the development issuer (client credentials) and reads the
   full dossiers of its members: every request is a real read, decided by the policy, computed by
   the legislation engine (regularisation explained, rights) and written to the access log, which
   the server's chainer puts in the hash-chained ledger.
4. The load comes from benchmarks/api_loadgen.py, a separate process (raw asyncio HTTP/1.1 on
   keep-alive connections, a few dozen microseconds per request): open loop at 200 requests/s for
   60 s, latency measured from each request's *scheduled* time (no coordinated omission); then a
   closed loop with 32 connections for 20 s: the throughput ceiling.
5. Baseline in the same run and the same conditions: benchmarks/api_baseline.py, a bare FastAPI
   application reading one row per request, on the same uvicorn settings, at the same rate.
6. Afterwards: every 200 answer has its access-log row, and once the server has stopped (its
   chainer drains on shutdown) every row is chained and ``ledger verify`` passes.

Run: ``python -m benchmarks.run api``. Targets: p99 < 50 ms at 200 req/s, no errors.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
import psutil
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from benchmarks._common import WORK_DIR, Result
from statut.services.database import prepare_database
from statut.services.demo import build_demo_register
from statut.services.identity import development_clients
from statut.services.ledger import verify_ledger
from statut.settings import Settings
from statut.store.api_tables import access_read
from statut.store.engine import build_engine
from statut.store.unit_of_work import UnitOfWork

PEOPLE = int(os.environ.get("STATUT_BENCH_PEOPLE", "100000"))
#: People generated so that the register holds at least PEOPLE: the gate keeps out the records the
#: synthetic funds send with injected defects (about 2.5 % of the people: 97,530 of 100,000).
GENERATED = int(os.environ.get("STATUT_BENCH_GENERATED", str(math.ceil(PEOPLE * 1.026))))
RATE = 200
DURATION = float(os.environ.get("STATUT_BENCH_SECONDS", "60"))
BASELINE_SECONDS = 20.0
CEILING_SECONDS = 20.0
CEILING_CONCURRENCY = 32
WORKERS = int(os.environ.get("STATUT_BENCH_WORKERS", "2"))
REUSE = os.environ.get("STATUT_BENCH_REUSE") == "1"
FUND = "F101"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DATABASE = "statut_bench_api"
ROOT = Path(__file__).resolve().parents[1]


def _database() -> tuple[str, bool]:
    """The benchmark database's URL, and whether it must be built."""
    server = make_url(os.environ.get("STATUT_BENCH_POSTGRES_URL", DEFAULT_PG)).set(drivername="postgresql+psycopg")
    url = server.set(database=DATABASE).render_as_string(hide_password=False)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}).first()
        built_for = connection.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"), {"n": DATABASE}
        ).scalar()
        if REUSE and exists and built_for == _built_for(GENERATED) and _people(url) >= PEOPLE:
            engine.dispose()
            return url, False
        connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    return url, True


def _built_for(people: int) -> str:
    return f"statut API benchmark: synthetic population of {people} people, seed 42"


def _record_build(url: str) -> None:
    """Name the population the database holds, for ``STATUT_BENCH_REUSE``."""
    engine = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"COMMENT ON DATABASE \"{DATABASE}\" IS '{_built_for(GENERATED)}'"))
    engine.dispose()


def _people(url: str) -> int:
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM person")).scalar_one())
    except Exception:
        return -1
    finally:
        engine.dispose()


def _reads_logged(url: str) -> tuple[int, int]:
    """Rows of the access log, and how many of them are not chained yet."""
    engine = build_engine(url)
    try:
        with engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(access_read)).scalar_one()
            pending = connection.execute(
                select(func.count()).select_from(access_read).where(access_read.c.ledger_seq.is_(None))
            ).scalar_one()
        return int(total), int(pending)
    finally:
        engine.dispose()


def _member_numbers(url: str, count: int) -> list[str]:
    engine = build_engine(url)
    try:
        with UnitOfWork(engine, read_only=True) as uow:
            return [row.national_number for row in uow.members.page(FUND, date.today(), limit=count)]
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def _generate(mode: str, amount: float, seconds: float, port: int, paths: list[str], token: str) -> dict:  # type: ignore[type-arg]
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(paths))
    command = [sys.executable, "-m", "benchmarks.api_loadgen", mode, str(amount), str(seconds), str(port), handle.name]
    done = subprocess.run(
        command, env={**os.environ, "STATUT_BENCH_TOKEN": token}, cwd=ROOT, capture_output=True, text=True, check=True
    )
    Path(handle.name).unlink()
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _summary(run: dict, prefix: str) -> dict[str, object]:  # type: ignore[type-arg]
    latencies = run["latencies_ms"]
    answered = len(latencies)
    ok = run["statuses"].get("200", 0)
    errors = answered - ok + run["late"]
    figures: dict[str, object] = {
        f"{prefix} requests answered": answered,
        f"{prefix} achieved rate, req/s": round(answered / run["elapsed"], 1),
        f"{prefix} p50 ms": round(_percentile(latencies, 0.50), 2),
        f"{prefix} p90 ms": round(_percentile(latencies, 0.90), 2),
        f"{prefix} p99 ms": round(_percentile(latencies, 0.99), 2),
        f"{prefix} max ms": round(max(latencies), 2) if latencies else float("nan"),
        f"{prefix} errors (non-200, or not sent within 5 s of schedule)": errors,
        f"{prefix} generator CPU, s": run["generator_cpu_s"],
    }
    return figures


def main() -> None:
    url, build = _database()
    data_dir = WORK_DIR / "api"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=url, data_dir=data_dir)
    load_seconds = None
    if build:
        started = time.perf_counter()
        build_demo_register(settings, people=GENERATED, seed=42)
        load_seconds = round(time.perf_counter() - started, 1)
        _record_build(url)
    in_register = _people(url)
    if in_register < PEOPLE:
        raise SystemExit(
            f"the register holds {in_register:,} people, fewer than {PEOPLE:,}: raise STATUT_BENCH_GENERATED"
        )
    engine = build_engine(url)
    prepare_database(engine)
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    engine.dispose()
    # Every current member of the fund, each read about once: no cache of one person's reads helps.
    numbers = _member_numbers(url, 100_000)
    secret = development_clients(settings)[f"fund-{FUND}"]
    port = _free_port()
    env = {**os.environ, "STATUT_DATABASE_URL": url, "STATUT_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "uvicorn", "statut.api.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log"]
    fast = _installed("uvloop") and _installed("httptools")
    if fast:
        command += ["--loop", "uvloop", "--http", "httptools"]
    logged_before, _ = _reads_logged(url)
    load_before = os.getloadavg()
    base = f"http://127.0.0.1:{port}"
    dossier_paths = [f"/api/v1/persons/{number}/dossier" for number in numbers]
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        _wait_until_up(base + "/health")
        token = httpx.post(
            base + "/dev/oidc/token",
            data={"grant_type": "client_credentials", "client_id": f"fund-{FUND}", "client_secret": secret},
        ).json()["access_token"]
        sample = httpx.get(base + dossier_paths[0], headers={"Authorization": f"Bearer {token}"})
        sample.raise_for_status()
        # Warm-up: connections, caches, parameter tables in every worker (other people than measured).
        _generate("closed", 8, 10, port, dossier_paths[:300], token)
        cpu_before = _cpu_seconds(server.pid)
        measured = _generate("open", RATE, DURATION, port, dossier_paths[300:], token)
        cpu_open = _cpu_seconds(server.pid) - cpu_before
        ceiling = _generate("closed", CEILING_CONCURRENCY, CEILING_SECONDS, port, dossier_paths[300:], token)
        load_during = os.getloadavg()
        _, pending_live = _reads_logged(url)
    finally:
        server.terminate()
        server.wait(timeout=60)
    # Baseline, same run: the bare application on the same server settings.
    bare = [*command[:3], "benchmarks.api_baseline:create_app", *command[4:]]
    server = subprocess.Popen(bare, env=env, cwd=ROOT)
    try:
        _wait_until_up(base + "/one-row/1")
        bare_paths = [f"/one-row/{index}" for index in range(1, 5_001)]
        _generate("closed", 8, 5, port, bare_paths, "-")
        baseline = _generate("open", RATE, BASELINE_SECONDS, port, bare_paths, "-")
        baseline_ceiling = _generate("closed", CEILING_CONCURRENCY, 10, port, bare_paths, "-")
    finally:
        server.terminate()
        server.wait(timeout=60)
    logged_after, pending_after = _reads_logged(url)
    engine = build_engine(url)
    with UnitOfWork(engine, read_only=True) as uow:
        ledger_ok = verify_ledger(uow).ok
    engine.dispose()
    p99 = _percentile(measured["latencies_ms"], 0.99)
    open_figures = _summary(measured, "open loop")
    errors = open_figures["open loop errors (non-200, or not sent within 5 s of schedule)"]
    ceiling_rate = len(ceiling["latencies_ms"]) / ceiling["elapsed"]
    result = Result(
        name="api",
        issue=6,
        target=(
            f"GET full dossier at {RATE} req/s for {DURATION:.0f} s, {PEOPLE:,} people in PostgreSQL: "
            "p99 < 50 ms, no errors"
        ),
        figures={
            "people in the register": in_register,
            "people generated (some kept out by the gate)": GENERATED,
            "register build (generate + load), s": load_seconds if load_seconds is not None else "reused",
            "uvicorn workers": WORKERS,
            "uvicorn loop / http": "uvloop / httptools" if fast else "asyncio / h11",
            "requests scheduled (open loop)": measured["scheduled"],
            **open_figures,
            f"ceiling, req/s ({CEILING_CONCURRENCY} connections, {CEILING_SECONDS:.0f} s)": round(ceiling_rate, 1),
            "ceiling p50 ms": round(_percentile(ceiling["latencies_ms"], 0.5), 2),
            "ceiling p99 ms": round(_percentile(ceiling["latencies_ms"], 0.99), 2),
            "ceiling errors": len(ceiling["latencies_ms"]) - ceiling["statuses"].get("200", 0),
            "dossier bytes (sample)": len(sample.content),
            "access-log rows written (reads answered 200, warm-up included)": logged_after - logged_before,
            "access-log rows still pending while serving (chainer lag)": pending_live,
            "access-log rows pending after shutdown": pending_after,
            "ledger verify after the run": "ok" if ledger_ok else "FAILED",
            "server CPU per dossier request (uvicorn workers, open loop), ms": round(
                1000 * cpu_open / max(1, len(measured["latencies_ms"])), 2
            ),
            "load average before / at the end (1 min)": f"{load_before[0]:.2f} / {load_during[0]:.2f}",
        },
        baseline={
            **_summary(baseline, f"bare FastAPI, one row, at {RATE} req/s:"),
            "bare FastAPI, one row: ceiling, req/s (32 connections, 10 s)": round(
                len(baseline_ceiling["latencies_ms"]) / baseline_ceiling["elapsed"], 1
            ),
        },
        notes=[
            "Each dossier request: bearer token check (RS256 signature verified the first time a token is seen, "
            "then the exact token is trusted until its exp while its key is published), policy decision, 2 "
            "set-based statements (the person; a UNION ALL of one indexed select per fact table, by person id), "
            "legislation engine (final contributions and regularisation of every year, the latest explained in "
            "the person's language; pension and other rights), one access-log insert, committed before the "
            "answer; JSON written once by pydantic's serialiser. The chainer appends the access log to the "
            "hash-chained ledger in batches, outside the request.",
            "Server: async dependencies (no thread hop), one worker thread per read, at most the engine's kept "
            "connections minus one reads at once per process (no overflow connection opened and closed per read).",
            "Each person is read about once (all members of the fund in turn), so no memo of one person's "
            "explanation helps the figures.",
            "Previous implementation (same machine, earlier run): ~16 queries and a synchronous ledger append "
            "under the head lock per read: ceiling 27.4 req/s, p99 3.4 s at the ceiling.",
            "Load generator: benchmarks/api_loadgen.py in its own process (raw asyncio HTTP/1.1, keep-alive, "
            "open loop; latency from the scheduled time). Its CPU time is reported: it shares the 2 cores with "
            "uvicorn and PostgreSQL.",
            f"Machine shared with other work: load average {load_before[0]:.1f} before the run.",
        ],
        verdict="pass" if p99 < 50 and errors == 0 else "fail",
    )
    result.write()


def _wait_until_up(url: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer {url}")


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (uvicorn's workers)."""
    process = psutil.Process(pid)
    total = 0.0
    for each in [process, *process.children(recursive=True)]:
        times = each.cpu_times()
        total += times.user + times.system
    return total


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
