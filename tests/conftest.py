"""Shared fixtures, among them the databases every integration test runs on.

Databases (each fixture below runs a test once on SQLite and once on PostgreSQL):

- ``database``: a migrated register for the whole test session, with the reference funds seeded.
  SQLite: a file in the session's temporary directory. PostgreSQL: a database ``statut_test_<hex>``
  created through the maintenance database (``STATUT_TEST_POSTGRES_URL``, default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and dropped at the end. The schema is made
  by Alembic, as in production. When PostgreSQL cannot be reached its tests are skipped with the
  reason, except under ``CI=true`` where they fail.
- ``connection``, ``uow_factory``, ``uow``: the default. The test runs inside an outer transaction
  that is rolled back at the end; each unit of work works in a savepoint of it (its ``commit()``
  releases the savepoint). Fast, and nothing leaks between tests.
- ``engine``, ``database_url``: for code that opens its own connections (a CLI command, an
  application, threads). Its commits are real; after the test every register table is emptied and
  the funds seeded again. Do not mix them with ``connection`` in one test (SQLite would wait for
  the outer transaction's lock).
- ``empty_database_url``: a brand-new, empty database (no schema), dropped after the test: for
  tests of the migrations themselves and of ``statut db upgrade``.

Tests using these fixtures are marked ``db`` automatically (``pytest -m "not db"`` skips them).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, delete, text, update
from sqlalchemy.engine import make_url

from statut.services.database import prepare_database
from statut.store import tables as t
from statut.store.engine import build_engine
from statut.store.ledger import GENESIS_HASH, HEAD_ID
from statut.store.unit_of_work import UnitOfWork
from tests.factories import FakeClock

BACKENDS = ("sqlite", "postgresql")
DATABASE_FIXTURES = {"database", "connection", "uow_factory", "uow", "engine", "database_url", "empty_database_url"}
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@dataclass(frozen=True)
class RegisterDatabase:
    backend: str
    url: str
    engine: Engine


class PostgresServer:
    """The maintenance connection used to create and drop the test databases."""

    def __init__(self) -> None:
        self.url = make_url(os.environ.get("STATUT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)).set(
            drivername="postgresql+psycopg"
        )
        self._engine: Engine | None = None
        self.error: str | None = None

    def engine(self) -> Engine | None:
        if self._engine is None and self.error is None:
            engine = create_engine(self.url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            try:
                with engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
            except Exception as error:  # any failure means: no PostgreSQL for this session
                engine.dispose()
                self.error = str(error).strip().splitlines()[0]
            else:
                self._engine = engine
        return self._engine

    def unavailable(self) -> None:
        message = f"PostgreSQL unreachable at {self.url.render_as_string(hide_password=True)}: {self.error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: the PostgreSQL suite must run)")
        pytest.skip(message)

    def create_database(self) -> str:
        engine = self.engine()
        if engine is None:
            self.unavailable()
            raise AssertionError("unreachable")  # pragma: no cover - skip/fail raise
        name = f"statut_test_{uuid.uuid4().hex[:12]}"
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        engine = self.engine()
        if engine is None:
            return
        name = make_url(url).database
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.dispose()


def _new_database(backend: str, directory: Path, server: PostgresServer) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / f'statut-{uuid.uuid4().hex[:8]}.db'}"
    return server.create_database()


def _drop_database(backend: str, url: str, server: PostgresServer) -> None:
    if backend == "postgresql":
        server.drop_database(url)
        return
    path = Path(make_url(url).database or "")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[RegisterDatabase]:
    backend: str = request.param
    url = _new_database(backend, tmp_path_factory.mktemp("db"), postgres_server)
    engine = build_engine(url)
    try:
        prepare_database(engine)
        yield RegisterDatabase(backend, url, engine)
    finally:
        engine.dispose()
        _drop_database(backend, url, postgres_server)


@pytest.fixture
def connection(database: RegisterDatabase) -> Iterator[Connection]:
    with database.engine.connect() as outer:
        transaction = outer.begin()
        try:
            yield outer
        finally:
            transaction.rollback()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def uow_factory(connection: Connection, clock: FakeClock) -> Callable[..., UnitOfWork]:
    """Units of work joined to the test's rolled-back transaction; the test's ``clock`` by default."""

    def make(**options: Any) -> UnitOfWork:
        options.setdefault("clock", clock)
        return UnitOfWork(connection=connection, **options)

    return make


@pytest.fixture
def uow(uow_factory: Callable[..., UnitOfWork]) -> Iterator[UnitOfWork]:
    with uow_factory() as unit:
        yield unit


def _reset(engine: Engine) -> None:
    """Empty every register table (children first) and seed the funds again."""
    with engine.begin() as connection:
        for table in reversed(t.metadata.sorted_tables):
            if table is not t.ledger_head:
                connection.execute(delete(table))
        connection.execute(
            update(t.ledger_head).where(t.ledger_head.c.head_id == HEAD_ID).values(seq=0, entry_hash=GENESIS_HASH, updated_at=None)
        )
    prepare_database(engine)


@pytest.fixture
def engine(database: RegisterDatabase) -> Iterator[Engine]:
    try:
        yield database.engine
    finally:
        _reset(database.engine)


@pytest.fixture
def database_url(database: RegisterDatabase, engine: Engine) -> str:
    return database.url


@pytest.fixture
def empty_database_url(
    database: RegisterDatabase, tmp_path: Path, postgres_server: PostgresServer
) -> Iterator[str]:
    url = _new_database(database.backend, tmp_path, postgres_server)
    try:
        yield url
    finally:
        _drop_database(database.backend, url, postgres_server)
