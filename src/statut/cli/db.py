"""``statut db``: create or upgrade the database schema (Alembic) and describe a database.

Thin: options are parsed here, the work is done by statut.services.database. Errors are one line on
stderr and a non-zero exit.
"""

from __future__ import annotations

from typing import Annotated

import typer

from statut.cli.common import DatabaseOption, run_or_exit
from statut.services.database import database_info, upgrade_database

app = typer.Typer(no_args_is_help=True, help="Create, upgrade and describe the register's database.")


@app.command("upgrade")
def upgrade(
    database: DatabaseOption = None,
    seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Add or update the reference list of funds.")] = True,
) -> None:
    """Bring the schema to the latest migration (creating the database if needed) and seed the funds."""
    result = run_or_exit(lambda: upgrade_database(database, seed=seed))
    before = result.revision_before or "empty"
    line = f"{result.url}: schema at revision {result.revision_after} (was {before})"
    if result.funds is not None:
        line += (
            f"; funds: {len(result.funds.added)} added, {len(result.funds.updated)} updated, "
            f"{len(result.funds.unchanged)} unchanged"
        )
    typer.echo(line)


@app.command("info")
def info(database: DatabaseOption = None) -> None:
    """Describe the database: backend, schema revision, rows per table."""
    described = run_or_exit(lambda: database_info(database))
    store = described.store
    state = "up to date" if store.up_to_date else f"needs `statut db upgrade` to {store.head}"
    typer.echo(f"database: {described.url}")
    typer.echo(f"backend:  {store.backend}")
    typer.echo(f"schema:   revision {store.revision or 'none'} ({state})")
    if described.file_bytes is not None:
        typer.echo(f"size:     {described.file_bytes / 1_048_576:.1f} MB")
    if store.rows:
        width = max(len(name) for name in store.rows)
        typer.echo("rows:")
        for name, count in store.rows.items():
            typer.echo(f"  {name.ljust(width)}  {count:>12,}")
