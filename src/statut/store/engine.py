"""Engine factory: the only place a database connection pool is made.

Engines are built by the entry point (CLI command, application factory, test fixture) from
:class:`statut.settings.Settings`, never at import time.

SQLite (the embedded default) is configured for a register, not a toy:

- ``journal_mode=WAL``: readers do not block the writer and the writer does not block readers;
- ``foreign_keys=ON``: SQLite ignores foreign keys unless asked, per connection;
- ``busy_timeout``: a second writer waits for the lock instead of failing at once;
- ``synchronous=NORMAL``: durable at every checkpoint, the recommended setting with WAL;
- transactions are begun by SQLAlchemy, not by the sqlite3 module, whose legacy mode does not begin
  one before a SELECT and breaks savepoints. A writing unit of work begins ``IMMEDIATE`` (it takes
  the write lock at once, so two writers never deadlock half-way); a read-only one begins deferred.

PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``); plain ``postgresql://`` and
``postgres://`` URLs are rewritten to that driver.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import ConnectionPoolEntry

from statut.settings import Settings
from statut.store.errors import DatabaseUrlError

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Execution option naming how SQLite begins a transaction ("IMMEDIATE" or "DEFERRED").
SQLITE_BEGIN_OPTION = "statut_sqlite_begin"


def normalise_url(raw: str | URL) -> URL:
    """Parse a URL and pin the PostgreSQL driver to psycopg 3."""
    try:
        url = make_url(raw)
    except Exception as exc:  # SQLAlchemy raises ArgumentError with a technical message
        raise DatabaseUrlError(f"not a database URL: {str(raw)!r} ({exc})") from None
    backend = url.get_backend_name()
    if backend in ("postgresql", "postgres"):
        if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
            url = url.set(drivername="postgresql+psycopg")
        return url
    if backend == "sqlite":
        return url
    raise DatabaseUrlError(f"unsupported database {backend!r}: statut runs on SQLite and PostgreSQL")


def build_engine(url: str | URL, *, echo: bool = False, create_parent_dir: bool = True) -> Engine:
    """Build an engine for ``url`` with the register's connection settings."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, echo=echo, create_parent_dir=create_parent_dir)
    return create_engine(parsed, echo=echo, pool_pre_ping=True)


def engine_from_settings(settings: Settings, *, echo: bool = False) -> Engine:
    return build_engine(settings.database_url, echo=echo)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for an in-memory database or another backend."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database)


def _sqlite_engine(url: URL, *, echo: bool, create_parent_dir: bool) -> Engine:
    path = sqlite_file(url)
    if path is not None and create_parent_dir:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the sqlite3 module (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if path is not None:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")

    return engine


def describe_url(url: str | URL) -> str:
    """The URL without its password, fit for a log line or an error message."""
    return normalise_url(url).render_as_string(hide_password=True)


def dialect_name(bind: Engine | Connection) -> str:
    return bind.dialect.name


def first_line(error: BaseException) -> str:
    """The driver's message of a database error, first line only (fit for a one-line CLI error)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
