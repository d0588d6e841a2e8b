"""``statut quality``: scan the register into a dated snapshot, report scores and trend, link duplicates.

Thin: parse, call statut.services.quality, render (a rich table, or JSON with ``--json``).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import DatabaseOption, run_or_exit
from statut.quality.linkage import DEFAULT_THRESHOLD, LinkageOptions
from statut.services import UnitOfWork, open_engine
from statut.services.quality import QualityReport, ScanSummary, link_file, quality_report, scan_register

app = typer.Typer(no_args_is_help=True, help="Data quality: scan scores, trend, duplicate persons.")


@app.command("scan")
def scan_command(
    database: DatabaseOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge dates against this day (YYYY-MM-DD).")] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who runs the scan (in the ledger).")] = "cli",
) -> None:
    """Run the catalogue's scan rules over the register and store the scores as a snapshot."""
    today = date.fromisoformat(as_of) if as_of else date.today()

    def run() -> ScanSummary:
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            summary = scan_register(uow, today=today, actor=actor)
            uow.commit()
            return summary

    summary = run_or_exit(run)
    typer.echo(
        f"snapshot {summary.snapshot.snapshot_id}: {summary.snapshot.records} records scanned, "
        f"{summary.scores.height} score rows"
    )


@app.command("report")
def report_command(
    database: DatabaseOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Show the latest scores per dimension and their change since the previous snapshot."""

    def read() -> QualityReport:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return quality_report(uow)

    report = run_or_exit(read)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2, sort_keys=True, default=str))
        return
    if report.latest is None:
        typer.echo("no snapshot yet: run `statut quality scan`")
        return
    table = Table(title=f"Data quality, snapshot {report.latest.snapshot_id} ({report.latest.as_of})")
    for heading in ("dimension", "records checked", "failing", "passing", "previous", "change"):
        table.add_column(heading, justify="left" if heading == "dimension" else "right")
    for row in report.dimensions.iter_rows(named=True):
        table.add_row(
            row["dimension"],
            f"{row['checked']:,}",
            f"{row['failed']:,}",
            _percent(row["passing"]),
            _percent(row["previous_passing"]),
            "" if row["change"] is None else f"{row['change'] * 100:+.2f} pt",
        )
    Console().print(table)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f} %"


@app.command("link")
def link_command(
    source: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False, help="PERSONS.csv")],
    target: Annotated[Path, typer.Option("--out", dir_okay=False, help="PAIRS.csv to write")],
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0)] = DEFAULT_THRESHOLD,
) -> None:
    """Find likely duplicate persons in a CSV (record_id, first_name, last_name, birth_date, sex,
    postal_code, street, national_number) and write the pairs above the threshold."""
    found = run_or_exit(lambda: link_file(source, target, LinkageOptions(threshold=threshold)))
    typer.echo(f"{found} pairs at or above {threshold} written to {target}")
