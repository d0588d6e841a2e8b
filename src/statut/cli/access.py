"""``statut access ...``: the development issuer's fund clients (DEVELOPMENT ONLY)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import run_or_exit
from statut.settings import Settings

app = typer.Typer(help="Identity and access: development clients.", no_args_is_help=True)


@app.command("clients")
def clients() -> None:
    """Print the client id and secret of each fund's IT system (development issuer; kept in
    <data_dir>/dev-issuer/clients.json, generated on first start, never committed)."""
    from statut.services.identity import development_clients

    secrets = run_or_exit(lambda: development_clients(Settings()))
    table = Table(title="Development-only clients (POST /dev/oidc/token, grant_type=client_credentials)")
    table.add_column("client_id")
    table.add_column("client_secret")
    for client_id, secret in sorted(secrets.items()):
        table.add_row(client_id, secret)
    Console().print(table)
