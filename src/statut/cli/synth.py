"""``statut synth``: generate a synthetic Belgium, and ``statut synth schema``: print the format's schema."""

from __future__ import annotations

import json
import resource
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from statut.domain.errors import StatutError
from statut.exchange.format import json_schema

app = typer.Typer(
    no_args_is_help=True,
    invoke_without_command=True,
    help="Generate a synthetic population: fund batches with injected defects, the clean truth and its manifest.",
)


class FormatChoice(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    BOTH = "both"


class RichProgress:
    """statut.synth.progress.Progress drawn as rich progress bars (one bar per step)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, units: int = 1) -> None:
        if self._task is not None:
            self._progress.advance(self._task, units)


def render_schema() -> str:
    """The JSON Schema of one record, as shipped in docs/schemas/statut-exchange-<version>.schema.json."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


@app.callback()
def synth(
    ctx: typer.Context,
    *,
    people: Annotated[int, typer.Option("--people", "-n", help="Number of people.")] = 20_000,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed: the same seed gives the same files.")] = 42,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Output directory (created; a previous population there is replaced)."),
    ] = None,
    start_year: Annotated[int, typer.Option(help="First year of the period.")] = 2016,
    end_year: Annotated[int, typer.Option(help="Last year of the period.")] = 2025,
    defect_rate: Annotated[
        float, typer.Option(help="Probability that a record of a fund file carries a defect.")
    ] = 0.02,
    file_format: Annotated[FormatChoice, typer.Option("--format", help="Fund file format.")] = FormatChoice.CSV,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or summary.")] = False,
) -> None:
    """Generate a synthetic population into --out (see docs/exchange-format.md for the fund files)."""
    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        typer.echo("error: --out DIR is required to generate a population", err=True)
        raise typer.Exit(2)
    from statut.synth import SynthOptions, generate_to_directory
    from statut.synth.progress import SilentProgress

    formats = ["csv", "jsonl"] if file_format is FormatChoice.BOTH else [file_format.value]
    options = SynthOptions(people=people, seed=seed, start_year=start_year, end_year=end_year, defect_rate=defect_rate)
    console = Console(stderr=True, quiet=quiet)
    began = time.perf_counter()
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as bars:
            manifest = generate_to_directory(
                options, out, formats, RichProgress(bars) if not quiet else SilentProgress()
            )
    except StatutError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    elapsed = time.perf_counter() - began
    if not quiet:
        _summary(Console(), manifest, out, elapsed)


def _summary(console: Console, manifest: dict[str, Any], out: Path, elapsed: float) -> None:
    counts = manifest["counts"]
    table = Table(title=f"synthetic population in {out}", show_edge=False)
    table.add_column("record type")
    table.add_column("truth", justify="right")
    table.add_column("in fund files", justify="right")
    for record_type, count in counts["truth"].items():
        in_files = sum(by_type[record_type] for by_type in counts["fund_files_by_fund"].values())
        table.add_row(record_type, f"{count:,}", f"{in_files:,}")
    console.print(table)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(
        f"{counts['people']:,} people, {counts['defects']['total']:,} injected defects, "
        f"{sum(counts['discrepancies'].values()):,} feed discrepancies; {elapsed:.1f} s, peak memory {peak_mb:,.0f} MB"
    )


@app.command("schema")
def schema(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the schema to this file instead of printing it.")
    ] = None,
) -> None:
    """Print the JSON Schema of one record of the fund exchange format."""
    text = render_schema()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
