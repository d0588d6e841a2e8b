"""``statut ingest`` and ``statut migrate``: send fund batches or legacy extracts through the gate.

Thin: the work is statut.services.ingestion's; this prints the gate summary and the reconciliation,
writes the fund's report if asked, and exits 1 with one line on a refused file (register unchanged).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import DatabaseOption, run_or_exit
from statut.quality.report import FundReport, ReportLine, render_csv, render_json
from statut.services.ingestion import IngestResult, ingest_paths

ACTOR = "statut ingest"

FundOption = Annotated[str, typer.Option("--fund", help="Code of the sending fund (e.g. F101).")]
ReportOption = Annotated[
    Path | None, typer.Option("--report-out", help="Directory for the report (<batch>.csv, <batch>.json).")
]
LangOption = Annotated[str | None, typer.Option("--lang", help="Report language (default: the fund's).")]
FormatOption = Annotated[str, typer.Option("--format", help="csv, jsonl or auto.")]


def ingest(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Batch files or directories of files.")],
    fund: FundOption,
    database: DatabaseOption = None,
    report_out: ReportOption = None,
    lang: LangOption = None,
    format: FormatOption = "auto",
) -> None:
    """Check fund batches at the gate and land them in the register."""
    _run(paths, fund, database, report_out, lang, format, "fund")


def migrate(
    paths: Annotated[list[Path], typer.Argument(exists=True, help="Legacy extracts, files or directories.")],
    fund: FundOption,
    database: DatabaseOption = None,
    report_out: ReportOption = None,
    lang: LangOption = None,
    format: FormatOption = "auto",
) -> None:
    """Load legacy extracts (historic career and contributions) through the same gate."""
    _run(paths, fund, database, report_out, lang, format, "legacy")


def _run(
    paths: list[Path], fund: str, database: str | None, report_out: Path | None, lang: str | None, fmt: str, kind: str
) -> None:
    results = run_or_exit(
        lambda: ingest_paths(
            database,
            paths,
            fund_code=fund,
            actor=ACTOR if kind == "fund" else "statut migrate",
            today=date.today(),
            declared_format=fmt,
            source_kind=kind,
            language=lang,
        )
    )
    console = Console()
    for result in results:
        _print(console, result)
        if report_out is not None:
            _write_report(report_out, result)


def _print(console: Console, result: IngestResult) -> None:
    if result.already_received:
        console.print(f"[yellow]{result.batch_id}: already received, nothing changed[/yellow]")
    table = Table(title=f"batch {result.batch_id} ({result.fund_code})")
    for column in ("record type", "received", "accepted", "quarantined", "held", "already held", "accepted hash"):
        table.add_column(column)
    types = result.reconciliation.get("types", {})
    for name, count in result.counts.items():
        digest = str(types.get(name, {}).get("accepted_totals", {}).get("sha256", ""))[:12]
        table.add_row(
            name,
            str(count["received"]),
            str(count["accepted"]),
            str(count["quarantined"]),
            str(count.get("held", 0)),
            str(count["already_held"]),
            digest,
        )
    console.print(table)
    status = "reconciled" if result.reconciliation.get("balanced", True) else "NOT reconciled"
    console.print(
        f"{result.totals} — {status}; quarantine entries released: {result.released}; "
        f"held records of earlier batches released: {result.released_held}"
    )


def _write_report(directory: Path, result: IngestResult) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    data = dict(result.report)
    data["lines"] = [ReportLine(**line) for line in data.get("lines", [])]
    report = FundReport(**data)
    (directory / f"{result.batch_id}.csv").write_bytes(render_csv(report))
    (directory / f"{result.batch_id}.json").write_text(render_json(report), encoding="utf-8")


__all__ = ["ingest", "migrate"]
