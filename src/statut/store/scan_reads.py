"""The register read in bulk for the quality scan: columnar, straight into Arrow, range after range.

The scan reads every current record of the register (60 million rows for 1.2 million people). Through
the DBAPI driver each value becomes a Python object before it reaches a frame, which costs more than
the whole scan; the SQLite ADBC driver (Apache Arrow ADBC, ``adbc-driver-sqlite``) steps the same
queries in C and hands back Arrow columns. It runs in a child process (store/scan_read_worker.py:
the driver carries its own copy of SQLite, which must not share a process with Python's, see there)
with its own read-only connection to the database file, and sends each result as an Arrow IPC
stream; so it is used only when that connection sees what the unit of work sees: a SQLite file
whose unit-of-work connection has changed nothing yet (``total_changes`` is zero, so no write of
this connection is uncommitted). On PostgreSQL the unit of work's own connection streams each query as
CSV (``COPY (query) TO STDOUT``), which polars parses column-wise: a quoted empty field is an empty
text, an unquoted one NULL, as PostgreSQL writes them. Otherwise (an in-memory SQLite database, a
unit of work that has written, the driver missing) the queries run through the unit of work's
connection row by row (store.quality_snapshots.read_register_frames). All run the same queries
(``quality_snapshots.register_queries``) and shape the rows the same way, so the frames are equal.

A :class:`RegisterReader` also reads the next range in a background thread while the scan works on
the current one (the worker process, or PostgreSQL's COPY on the unit of work's connection, which the
scan does not use meanwhile): the drivers, the pipe and polars release the GIL, so reading and
scanning overlap on two cores.
"""

from __future__ import annotations

import importlib.util
import io
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Boolean, Connection, Date, Integer, Select, String

from statut.exchange.format import RecordType
from statut.store.engine import sqlite_file
from statut.store.quality_snapshots import (
    read_register_frames,
    register_queries,
    shape_register_frames,
)

Persons = tuple[int, int]


class _WorkerProcess:
    """The ADBC reader in its child process (store/scan_read_worker.py), one request at a time."""

    def __init__(self, path: Path) -> None:
        command = [sys.executable, "-m", "statut.store.scan_read_worker", str(path.resolve())]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # noqa: S603
        self._lock = threading.Lock()

    def frame(self, sql: str) -> pl.DataFrame:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        with self._lock:
            stdin.write((json.dumps({"sql": sql}) + "\n").encode())
            stdin.flush()
            head = stdout.read(9)
            if len(head) != 9:
                raise RuntimeError(f"the register reader process stopped (exit code {self._process.poll()})")
            payload = stdout.read(int.from_bytes(head[1:], "big"))
        if head[:1] != b"\x00":
            raise RuntimeError(f"the register reader process failed: {payload.decode(errors='replace')}")
        return pl.read_ipc_stream(io.BytesIO(payload))

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:  # pragma: no cover - a reader stuck on a query
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


def _worker(connection: Connection) -> _WorkerProcess | None:
    """The ADBC reader process for the same SQLite file, when it sees what ``connection`` sees."""
    if connection.dialect.name != "sqlite":
        return None
    path = sqlite_file(connection.engine.url)
    if path is None or not path.is_file():
        return None
    raw = connection.connection.dbapi_connection
    if not isinstance(raw, sqlite3.Connection) or raw.total_changes != 0:
        return None
    if importlib.util.find_spec("adbc_driver_sqlite") is None:  # pragma: no cover - a dependency
        return None
    return _WorkerProcess(path)


def _arrow_frame(worker: _WorkerProcess, connection: Connection, query: Select[Any]) -> pl.DataFrame:
    """Rows of ``query`` through the ADBC reader process; dates (ISO text in SQLite) parsed
    column-wise as store.quality_snapshots does, all-null columns (typed Int64 by the driver) cast
    to their type. The values bound in the query (a range of person ids) are integers, rendered as
    literals."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    frame = worker.frame(str(compiled))
    fixes = []
    for column in query.selected_columns:
        name = str(column.key)
        dtype = frame.schema[name]
        if isinstance(column.type, Date):
            if dtype == pl.String:
                fixes.append(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d"))
            elif dtype != pl.Date:
                fixes.append(pl.col(name).cast(pl.Date))
        elif isinstance(column.type, String) and dtype != pl.String:
            fixes.append(pl.col(name).cast(pl.String))
    return frame.with_columns(fixes) if fixes else frame


def _copy_frame(connection: Connection, query: Select[Any]) -> pl.DataFrame:
    """Rows of ``query`` through PostgreSQL's COPY as CSV, typed by the query's column types. The
    values bound in the query (a range of person ids) are integers, rendered as literals: COPY
    takes no parameters."""
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    names = [str(column.key) for column in query.selected_columns]
    schema: dict[str, pl.DataType] = {}
    for column in query.selected_columns:
        if isinstance(column.type, Integer):
            schema[str(column.key)] = pl.Int64()
        elif isinstance(column.type, Date):
            schema[str(column.key)] = pl.Date()
        else:  # text, and booleans as PostgreSQL writes them (t / f), converted below
            schema[str(column.key)] = pl.String()
    cursor: Any = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)") as copy:
            data = b"".join(bytes(block) for block in copy)
    finally:
        cursor.close()
    if not data:
        return pl.DataFrame(schema=schema)
    frame = pl.read_csv(data, has_header=False, new_columns=names, schema=schema)
    booleans = [str(c.key) for c in query.selected_columns if isinstance(c.type, Boolean)]
    return frame.with_columns(
        pl.col(name).replace_strict({"t": True, "f": False}, default=None, return_dtype=pl.Boolean) for name in booleans
    )


class RegisterReader:
    """Reads the register's typed frames range by range (see the module docstring)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._adbc = _worker(connection)
        # The next range is read in the background by the ADBC connection, or on PostgreSQL by the
        # unit of work's connection, which the caller leaves alone while it scans (the hand-over is
        # the future's result: one thread at a time uses the connection).
        background = self._adbc is not None or connection.dialect.name == "postgresql"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="scan-read") if background else None

    @property
    def columnar(self) -> bool:
        """True when the ADBC driver reads a SQLite file (and the next range is read meanwhile)."""
        return self._adbc is not None

    def read(self, persons: Persons | None = None) -> dict[RecordType, pl.DataFrame]:
        """The frames of store.quality_snapshots.read_register_frames for ``persons``."""
        queries = register_queries(persons)
        if self._adbc is not None:
            raw = {name: _arrow_frame(self._adbc, self._connection, query) for name, query in queries.items()}
        elif self._connection.dialect.name == "postgresql":
            raw = {name: _copy_frame(self._connection, query) for name, query in queries.items()}
        else:
            return read_register_frames(self._connection, persons)
        return shape_register_frames(raw)

    def ranges(self, ranges: list[Persons]) -> Iterator[tuple[Persons, dict[RecordType, pl.DataFrame]]]:
        """Each range with its frames; with ADBC or on PostgreSQL the next range is read while the
        caller works on this one: the caller must not use the connection until it asks for the next."""
        if self._pool is None:
            for persons in ranges:
                yield persons, self.read(persons)
            return
        pending: Future[dict[RecordType, pl.DataFrame]] | None = None
        for index, persons in enumerate(ranges):
            frames = pending.result() if pending is not None else self.read(persons)
            following = ranges[index + 1] if index + 1 < len(ranges) else None
            pending = self._pool.submit(self.read, following) if following is not None else None
            yield persons, frames

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        if self._adbc is not None:
            self._adbc.close()
            self._adbc = None

    def __enter__(self) -> RegisterReader:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
