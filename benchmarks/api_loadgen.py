"""A small HTTP/1.1 load generator for the API benchmark, run as its own process.

Why not httpx in the benchmark's process: on a 2-core machine the generator competes with uvicorn
and PostgreSQL for CPU, and httpx spends about half a millisecond of Python per request; this one
writes pre-built request bytes on persistent keep-alive connections and parses only the status line
and Content-Length (tens of microseconds), so the server keeps the cores. Why not ``wrk``: it is a
closed loop (it waits for each answer before sending the next), which hides queueing (coordinated
omission); ``wrk2`` would be open-loop but is not packaged by Debian.

Two modes, JSON result on stdout:

- ``open RATE SECONDS``: open loop. Request *i* is due at ``start + i / RATE``; it is sent on a free
  connection as soon as it is due, and its latency is measured from the time it was *due*, so a slow
  server shows as latency, not as a slower generator. A request that could not be sent within
  ``GIVE_UP`` seconds of its due time counts as an error (bounded queue, the run always ends).
- ``closed CONCURRENCY SECONDS``: closed loop, CONCURRENCY connections sending back to back: the
  throughput ceiling.

Paths are read from a file (one a line), the token from ``STATUT_BENCH_TOKEN``; only loopback hosts.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path

GIVE_UP = 5.0
MAX_CONNECTIONS = 64


def _request(host: str, path: str, token: str) -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
    ).encode()


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def call(self, request: bytes) -> int:
        self.writer.write(request)
        return await _read_response(self.reader)


async def _connect(host: str, port: int) -> Connection:
    reader, writer = await asyncio.open_connection(host, port)
    return Connection(reader, writer)


async def open_loop(host: str, port: int, requests: list[bytes], rate: float, seconds: float) -> dict[str, object]:
    total = int(rate * seconds)
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(MAX_CONNECTIONS):
        pool.put_nowait(await _connect(host, port))
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    late = 0
    start = time.perf_counter() + 0.1

    async def one(index: int) -> None:
        nonlocal late
        due = start + index / rate
        connection = await pool.get()
        try:
            if time.perf_counter() - due > GIVE_UP:
                late += 1
                return
            status = await connection.call(requests[index % len(requests)])
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
        finally:
            pool.put_nowait(connection)

    tasks = []
    for index in range(total):
        delay = start + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    return {"latencies_ms": latencies, "statuses": statuses, "late": late, "elapsed": elapsed, "scheduled": total}


async def closed_loop(
    host: str, port: int, requests: list[bytes], concurrency: int, seconds: float
) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    start = time.perf_counter()
    stop = start + seconds

    async def worker(offset: int) -> None:
        connection = await _connect(host, port)
        index = offset
        while time.perf_counter() < stop:
            sent = time.perf_counter()
            status = await connection.call(requests[index % len(requests)])
            latencies.append((time.perf_counter() - sent) * 1000)
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            index += concurrency

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return {"latencies_ms": latencies, "statuses": statuses, "late": 0, "elapsed": time.perf_counter() - start}


def main(argv: list[str]) -> None:
    mode, amount, seconds, port, paths_file = argv[0], float(argv[1]), float(argv[2]), int(argv[3]), argv[4]
    host = "127.0.0.1"  # loopback only: this generator never targets another machine
    token = os.environ["STATUT_BENCH_TOKEN"]
    requests = [_request(host, path, token) for path in Path(paths_file).read_text().split()]
    if mode == "open":
        result = asyncio.run(open_loop(host, port, requests, amount, seconds))
    else:
        result = asyncio.run(closed_loop(host, port, requests, int(amount), seconds))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result["generator_cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
