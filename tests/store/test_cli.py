"""``statut db`` and ``statut ledger``: thin commands, one clear line on error, non-zero exit."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from statut.cli import db, ledger
from statut.services import UnitOfWork, open_engine
from statut.store import tables as t
from statut.store.migrate import head_revision

runner = CliRunner()


def test_db_upgrade_creates_the_schema_and_seeds_the_funds(empty_database_url: str) -> None:
    first = runner.invoke(db.app, ["upgrade", "--database", empty_database_url])
    assert first.exit_code == 0, first.output
    assert f"schema at revision {head_revision()} (was empty); funds: 10 added" in first.output
    again = runner.invoke(db.app, ["upgrade", "--database", empty_database_url])
    assert again.exit_code == 0
    assert f"(was {head_revision()}); funds: 0 added, 0 updated, 10 unchanged" in again.output
    info = runner.invoke(db.app, ["info", "--database", empty_database_url])
    assert info.exit_code == 0, info.output
    assert f"revision {head_revision()} (up to date)" in info.output
    assert "fund" in info.output
    assert "ledger" in info.output


def test_db_upgrade_without_funds(empty_database_url: str) -> None:
    result = runner.invoke(db.app, ["upgrade", "--no-seed", "--database", empty_database_url])
    assert result.exit_code == 0
    assert "; funds:" not in result.output


def test_db_info_on_an_unmigrated_database_says_what_to_do(empty_database_url: str) -> None:
    result = runner.invoke(db.app, ["info", "--database", empty_database_url])
    if empty_database_url.startswith("sqlite"):
        assert result.exit_code == 1
        assert "run `statut db upgrade`" in result.output
    else:
        assert result.exit_code == 0
        assert "needs `statut db upgrade`" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["info", "--database", "mysql://somewhere/db"], "error: unsupported database 'mysql'"),
        (["info", "--database", "postgresql://nobody@127.0.0.1:1/none"], "error: cannot open postgresql"),
        (["upgrade", "--database", "postgresql://nobody@127.0.0.1:1/none"], "error: cannot open postgresql"),
    ],
)
def test_db_errors_are_one_line_and_exit_1(args: list[str], message: str) -> None:
    result = runner.invoke(db.app, args)
    assert result.exit_code == 1
    assert result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_ledger_verify_passes_then_names_the_tampered_entry(database_url: str) -> None:
    ok = runner.invoke(ledger.app, ["verify", "--database", database_url])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("ledger OK: 10 entries, head 10:")
    head = runner.invoke(ledger.app, ["head", "--database", database_url]).output.strip()
    assert runner.invoke(ledger.app, ["verify", "--database", database_url, "--expect-head", head]).exit_code == 0
    shown = runner.invoke(ledger.app, ["show", "--database", database_url, "--last", "2"])
    assert shown.exit_code == 0
    assert len(shown.output.strip().splitlines()) == 2
    with open_engine(database_url) as engine, UnitOfWork(engine) as uow:
        uow.connection.execute(update(t.ledger).where(t.ledger.c.seq == 4).values(payload='{"name":"forged"}'))
        uow.commit()
    broken = runner.invoke(ledger.app, ["verify", "--database", database_url])
    assert broken.exit_code == 1
    assert (
        broken.output.strip()
        == "ledger BROKEN at entry 4: entry 4 was altered: its content does not match its stored hash"
    )


def test_ledger_verify_with_a_bad_anchor_or_database_fails_in_one_line(database_url: str) -> None:
    bad_anchor = runner.invoke(ledger.app, ["verify", "--database", database_url, "--expect-head", "nonsense"])
    assert bad_anchor.exit_code == 1
    assert bad_anchor.output.startswith("error: expect_head: expected SEQ:HASH")
    unreachable = runner.invoke(ledger.app, ["verify", "--database", "postgresql://nobody@127.0.0.1:1/none"])
    assert unreachable.exit_code == 1
    assert unreachable.output.startswith("error: cannot open")
