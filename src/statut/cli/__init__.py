"""Command-line entry point (``statut``). Thin: every command parses its options and calls a service.

Each group of commands lives in its own module and is registered here.
"""

from __future__ import annotations

import typer

from statut.cli import access, db, demo, events, ingest, ledger, quality, rules, synth

app = typer.Typer(
    name="statut",
    help="statut: the social status of self-employed workers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("demo")(demo.demo)
app.add_typer(synth.app, name="synth")
app.add_typer(ledger.app, name="ledger")
app.add_typer(rules.app, name="rules")
app.add_typer(db.app, name="db")
app.add_typer(access.app, name="access")
app.add_typer(events.app, name="events")
app.command("ingest")(ingest.ingest)
app.command("migrate")(ingest.migrate)
app.add_typer(quality.app, name="quality")
