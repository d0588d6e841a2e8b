"""``statut access ...``: the development issuer's fund clients (DEVELOPMENT ONLY); chaining the access log."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import DatabaseOption, run_or_exit
from statut.settings import Settings

app = typer.Typer(help="Identity and access: development clients, the access log.", no_args_is_help=True)


@app.command("clients")
def clients(
    secret_of: Annotated[
        str | None, typer.Option("--secret-of", help="Print only this client's secret (for scripts).")
    ] = None,
) -> None:
    """Print the client id and secret of each fund's IT system (development issuer; kept in
    <data_dir>/dev-issuer/clients.json, generated on first start, never committed)."""
    from statut.services.identity import development_clients

    secrets = run_or_exit(lambda: development_clients(Settings()))
    if secret_of is not None:
        if secret_of not in secrets:
            typer.echo(f"error: no development client {secret_of!r} (known: {', '.join(sorted(secrets))})", err=True)
            raise typer.Exit(1)
        typer.echo(secrets[secret_of])
        return
    table = Table(title="Development-only clients (POST /dev/oidc/token, grant_type=client_credentials)")
    table.add_column("client_id")
    table.add_column("client_secret")
    for client_id, secret in sorted(secrets.items()):
        table.add_row(client_id, secret)
    Console().print(table)


@app.command("chain")
def chain(database: DatabaseOption = None) -> None:
    """Append the reads of personal data still pending to the hash-chained ledger (the API's chainer
    does it every second; run this after a crash, or before `statut ledger verify`)."""
    from statut.services.access_log import chain_all
    from statut.services.database import open_engine

    def work() -> int:
        with open_engine(database) as engine:
            return chain_all(engine)

    chained = run_or_exit(work)
    Console().print(f"{chained} read(s) of personal data chained into the ledger")
