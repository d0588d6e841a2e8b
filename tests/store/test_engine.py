"""The engine factory: SQLite configured for a register, PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from statut.settings import Settings
from statut.store.engine import build_engine, describe_url, engine_from_settings, normalise_url
from statut.store.errors import DatabaseUrlError, UnitOfWorkError
from statut.store.unit_of_work import UnitOfWork


def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'sub' / 'register.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
        assert (tmp_path / "sub" / "register.db").exists()
    finally:
        engine.dispose()


def test_engines_come_from_the_settings(tmp_path: Path) -> None:
    engine = engine_from_settings(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    try:
        assert engine.url.database == str(tmp_path / "x.db")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "raw", ["postgresql://u:secret@h/db", "postgres://u:secret@h/db", "postgresql+psycopg2://u:secret@h/db"]
)
def test_postgresql_urls_use_psycopg_3_and_never_show_the_password(raw: str) -> None:
    assert normalise_url(raw).drivername == "postgresql+psycopg"
    assert "secret" not in describe_url(raw)


@pytest.mark.parametrize("raw", ["mysql://h/db", "not a url"])
def test_other_databases_are_refused_in_one_line(raw: str) -> None:
    with pytest.raises(DatabaseUrlError):
        build_engine(raw)


def test_a_unit_of_work_needs_exactly_one_of_engine_and_connection() -> None:
    with pytest.raises(UnitOfWorkError):
        UnitOfWork()
