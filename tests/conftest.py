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

Tests using these fixtures are marked ``db`` automatically (``pytest -m "not db"`` skips them). A test
meant for one database only says so: ``@pytest.mark.parametrize("database", ["postgresql"],
indirect=True)``. Test data: tests/factories.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, update

from statut.services.database import prepare_database, seed_funds
from statut.store import tables as t
from statut.store.engine import build_engine
from statut.store.ledger import GENESIS_HASH, HEAD_ID
from statut.store.unit_of_work import UnitOfWork
from tests.databases import PostgresServer, RegisterDatabase, drop_database, new_database
from tests.factories import FakeClock

BACKENDS = ("sqlite", "postgresql")
DATABASE_FIXTURES = {"database", "connection", "uow_factory", "uow", "engine", "database_url", "empty_database_url"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[RegisterDatabase]:
    backend: str = request.param
    url = new_database(backend, tmp_path_factory.mktemp("db"), postgres_server)
    engine = build_engine(url)
    try:
        prepare_database(engine)
        yield RegisterDatabase(backend, url, engine)
    finally:
        engine.dispose()
        drop_database(backend, url, postgres_server)


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
            update(t.ledger_head)
            .where(t.ledger_head.c.head_id == HEAD_ID)
            .values(seq=0, entry_hash=GENESIS_HASH, updated_at=None)
        )
    seed_funds(engine)


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
def empty_database_url(database: RegisterDatabase, tmp_path: Path, postgres_server: PostgresServer) -> Iterator[str]:
    url = new_database(database.backend, tmp_path, postgres_server)
    try:
        yield url
    finally:
        drop_database(database.backend, url, postgres_server)
