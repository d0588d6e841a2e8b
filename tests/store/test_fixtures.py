"""The database fixtures themselves: without PostgreSQL its tests are skipped, except under CI=true."""

from __future__ import annotations

import pytest

from tests.databases import PostgresServer


def _unreachable(monkeypatch: pytest.MonkeyPatch) -> PostgresServer:
    monkeypatch.setenv("STATUT_TEST_POSTGRES_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    server = PostgresServer()
    assert server.engine() is None
    assert server.error
    return server


def test_an_unreachable_postgresql_skips_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    server = _unreachable(monkeypatch)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL unreachable at postgresql"):
        server.unavailable()


def test_under_ci_an_unreachable_postgresql_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    server = _unreachable(monkeypatch)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: the PostgreSQL suite must run"):
        server.unavailable()
