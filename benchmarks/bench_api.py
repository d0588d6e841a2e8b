"""Platform API benchmark (issue 6): GET of a full dossier over HTTP with 100,000 people in PostgreSQL.

1. A fresh PostgreSQL database (``STATUT_BENCH_POSTGRES_URL``, default the local test server) is
   filled with a synthetic population of 100,000 people (statut.synth + the register loader).
2. uvicorn serves the application (``--workers`` from ``STATUT_BENCH_WORKERS``, default 2) on loopback.
3. A fund's IT system gets a token from the development issuer (client credentials) and reads the
   full dossiers of its members: every request is a real read, decided by the policy, computed by
   the legislation engine (regularisation explained, rights) and logged in the hash-chained ledger.
4. Open loop at 200 requests/s for 60 s (a bounded async httpx generator; latency is measured from
   the *scheduled* send time, so a slow server cannot hide behind a slow generator: no coordinated
   omission), then a closed loop with 32 concurrent clients for 20 s: the throughput ceiling.

Run: ``python -m benchmarks.run api``. Targets: p99 < 50 ms at 200 req/s, no errors.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks._common import WORK_DIR, Result
from statut.services.demo import build_demo_register
from statut.services.identity import development_clients
from statut.settings import Settings
from statut.store.engine import build_engine
from statut.store.unit_of_work import UnitOfWork

PEOPLE = int(os.environ.get("STATUT_BENCH_PEOPLE", "100000"))
RATE = 200
DURATION = float(os.environ.get("STATUT_BENCH_SECONDS", "60"))
CEILING_SECONDS = 20.0
CEILING_CONCURRENCY = 32
MAX_IN_FLIGHT = 256
#: A request that could not even be sent this late counts as an error (and is not sent).
GIVE_UP_SECONDS = 5.0
WORKERS = int(os.environ.get("STATUT_BENCH_WORKERS", "2"))
FUND = "F101"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _fresh_database() -> str:
    server = make_url(os.environ.get("STATUT_BENCH_POSTGRES_URL", DEFAULT_PG)).set(drivername="postgresql+psycopg")
    name = "statut_bench_api"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


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


async def _open_loop(base: str, token: str, numbers: list[str]) -> tuple[list[float], int, float]:
    """``RATE`` requests per second for ``DURATION`` s; latencies (ms) from the scheduled send time."""
    total = int(RATE * DURATION)
    latencies: list[float] = []
    late: list[int] = []
    errors = 0
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=MAX_IN_FLIGHT)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as client:
        start = time.perf_counter()

        async def one(index: int) -> None:
            nonlocal errors
            scheduled = start + index / RATE
            await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
            async with gate:
                if time.perf_counter() - scheduled > GIVE_UP_SECONDS:
                    late.append(index)  # the server is saturated: do not let the queue grow without end
                    return
                response = await client.get(f"/api/v1/persons/{numbers[index % len(numbers)]}/dossier")
            latencies.append((time.perf_counter() - scheduled) * 1000)
            if response.status_code != 200:
                errors += 1

        await asyncio.gather(*(one(i) for i in range(total)))
        elapsed = time.perf_counter() - start
    return latencies, errors + len(late), elapsed


async def _closed_loop(base: str, token: str, numbers: list[str]) -> tuple[int, int, float, list[float]]:
    done = errors = 0
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        start = time.perf_counter()
        stop = start + CEILING_SECONDS

        async def worker(offset: int) -> None:
            nonlocal done, errors
            index = offset
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                response = await client.get(f"/api/v1/persons/{numbers[index % len(numbers)]}/dossier")
                latencies.append((time.perf_counter() - sent) * 1000)
                done += 1
                errors += response.status_code != 200
                index += CEILING_CONCURRENCY

        await asyncio.gather(*(worker(i) for i in range(CEILING_CONCURRENCY)))
        elapsed = time.perf_counter() - start
    return done, errors, elapsed, latencies


def main() -> None:
    url = _fresh_database()
    data_dir = WORK_DIR / "api"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=url, data_dir=data_dir)
    started = time.perf_counter()
    built = build_demo_register(settings, people=PEOPLE, seed=42)
    load_seconds = time.perf_counter() - started
    numbers = _member_numbers(url, 5_000)
    secret = development_clients(settings)[f"fund-{FUND}"]
    port = _free_port()
    env = {**os.environ, "STATUT_DATABASE_URL": url, "STATUT_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "uvicorn", "statut.api.app:create_app", "--factory", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(WORKERS), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        token = httpx.post(
            base + "/dev/oidc/token",
            data={"grant_type": "client_credentials", "client_id": f"fund-{FUND}", "client_secret": secret},
        ).json()["access_token"]
        sample = httpx.get(f"{base}/api/v1/persons/{numbers[0]}/dossier", headers={"Authorization": f"Bearer {token}"})
        sample.raise_for_status()
        # Warm-up: connections, caches, parameter tables in every worker.
        asyncio.run(_closed_loop_short(base, token, numbers))
        latencies, errors, elapsed = asyncio.run(_open_loop(base, token, numbers))
        done, ceiling_errors, ceiling_elapsed, ceiling_latencies = asyncio.run(_closed_loop(base, token, numbers))
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50, p99 = _percentile(latencies, 0.50), _percentile(latencies, 0.99)
    ceiling = done / ceiling_elapsed
    result = Result(
        name="api",
        issue=6,
        target=(
            f"GET full dossier at {RATE} req/s for {DURATION:.0f} s, {PEOPLE:,} people in PostgreSQL: "
            "p99 < 50 ms, no errors"
        ),
        figures={
            "people": built.register.people,
            "register build (generate + load), s": round(load_seconds, 1),
            "uvicorn workers": WORKERS,
            "requests scheduled (open loop)": int(RATE * DURATION),
            "requests answered (open loop)": len(latencies),
            "achieved rate, req/s": round(len(latencies) / elapsed, 1),
            "p50 ms": round(p50, 2),
            "p90 ms": round(_percentile(latencies, 0.90), 2),
            "p99 ms": round(p99, 2),
            "max ms": round(max(latencies), 2),
            "errors (non-200, or not sent within 5 s of schedule)": errors,
            f"ceiling, req/s ({CEILING_CONCURRENCY} concurrent clients, {CEILING_SECONDS:.0f} s)": round(ceiling, 1),
            "ceiling p50 ms": round(_percentile(ceiling_latencies, 0.5), 2),
            "ceiling p99 ms": round(_percentile(ceiling_latencies, 0.99), 2),
            "ceiling errors": ceiling_errors,
            "dossier bytes (sample)": len(sample.content),
        },
        notes=[
            "Each request: JWT verification (RS256), policy decision, ~10 queries, rules (final contributions, "
            "regularisation explained in the person's language, pension and other rights), and one hash-chained "
            "ledger append (the access log), committed.",
            "Load generator: bounded async httpx in the same machine (2 cores shared with uvicorn and PostgreSQL); "
            "open-loop latencies measured from the scheduled send time.",
        ],
        verdict="pass" if p99 < 50 and errors == 0 else "fail",
    )
    result.write()


async def _closed_loop_short(base: str, token: str, numbers: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for index in range(200):
            await client.get(f"/api/v1/persons/{numbers[-(index % len(numbers)) - 1]}/dossier")


if __name__ == "__main__":
    main()
