"""``statut ledger``: verify the hash chain of the ledger, print its head, show recent entries.

``verify`` exits 0 with a summary when the chain is intact, 1 with one line naming the first bad
entry otherwise. Keep the printed head somewhere outside the database and check it later with
``--expect-head``: that is what protects the ledger against someone who can rewrite the database
(see statut.store.ledger for the threat model).
"""

from __future__ import annotations

from typing import Annotated

import typer

from statut.cli.common import DatabaseOption, run_or_exit
from statut.services import UnitOfWork, open_engine
from statut.services.ledger import (
    LedgerAnchor,
    LedgerEntry,
    LedgerVerification,
    ledger_head,
    recent_entries,
    verify_ledger,
)

app = typer.Typer(no_args_is_help=True, help="Verify and inspect the hash-chained ledger.")


@app.command("verify")
def verify(
    database: DatabaseOption = None,
    expect_head: Annotated[
        str | None,
        typer.Option(
            "--expect-head", metavar="SEQ:HASH", help="An anchor kept outside the database (`statut ledger head`)."
        ),
    ] = None,
) -> None:
    """Recompute the chain; detect any edited or deleted entry."""

    def check() -> LedgerVerification:
        anchor = LedgerAnchor.parse(expect_head) if expect_head else None
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return verify_ledger(uow, expected_head=anchor)

    result = run_or_exit(check)
    if result.problem is not None:
        where = f"entry {result.problem.seq}" if result.problem.seq is not None else "head"
        typer.echo(f"ledger BROKEN at {where}: {result.problem.message}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"ledger OK: {result.entries} entries, head {result.head}")


@app.command("head")
def head(database: DatabaseOption = None) -> None:
    """Print the anchor SEQ:HASH of the newest entry (keep it outside the database)."""

    def read() -> LedgerAnchor | None:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return ledger_head(uow)

    anchor = run_or_exit(read)
    if anchor is None:
        typer.echo("error: the ledger head anchor is missing: run `statut ledger verify`", err=True)
        raise typer.Exit(code=1)
    typer.echo(str(anchor))


@app.command("show")
def show(
    database: DatabaseOption = None,
    last: Annotated[int, typer.Option("--last", min=1, help="How many of the newest entries.")] = 20,
) -> None:
    """Print the newest entries: sequence, time, actor, action, entity, reason."""

    def read() -> list[LedgerEntry]:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return recent_entries(uow, last)

    for entry in run_or_exit(read):
        typer.echo(
            f"{entry.seq:>8}  {entry.recorded_at:%Y-%m-%d %H:%M:%S}  {entry.actor}  {entry.action}  "
            f"{entry.entity_type}:{entry.entity_key}  {entry.reason}"
        )
