"""Test databases: the PostgreSQL server used to create and drop them, and fresh SQLite files.

Used by the fixtures of tests/conftest.py (read its docstring for how tests use them).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


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


def new_database(backend: str, directory: Path, server: PostgresServer) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / f'statut-{uuid.uuid4().hex[:8]}.db'}"
    return server.create_database()


def drop_database(backend: str, url: str, server: PostgresServer) -> None:
    if backend == "postgresql":
        server.drop_database(url)
        return
    path = Path(make_url(url).database or "")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
