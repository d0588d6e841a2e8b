"""``statut demo``: build a synthetic register and serve it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import progress_bars, run_or_exit
from statut.settings import Settings


def demo(
    people: Annotated[
        int, typer.Option("--people", min=1, max=2_000_000, help="Size of the synthetic population.")
    ] = 20_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the synthetic population (same seed, same people).")
    ] = 42,
    database: Annotated[
        str | None,
        typer.Option("--database", help="SQLAlchemy URL (default: STATUT_DATABASE_URL, else var/statut.db)."),
    ] = None,
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve the platform afterwards.")] = True,
    keep: Annotated[bool, typer.Option("--keep", help="Do not recreate the embedded SQLite file.")] = False,
    host: Annotated[str | None, typer.Option("--host")] = None,
    port: Annotated[int | None, typer.Option("--port")] = None,
) -> None:
    """Build the central register from a synthetic population, print a summary, and serve it."""
    from statut.services.demo import build_demo_register

    overrides: dict[str, object] = {}
    if database:
        overrides["database_url"] = database
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = Settings(**overrides)  # type: ignore[arg-type]
    console = Console()
    with progress_bars() as bars:
        result = run_or_exit(
            lambda: build_demo_register(
                settings, people=people, seed=seed, fresh=not keep, generation_progress=bars, load_progress=bars
            )
        )
    table = Table(title=f"Register built on {result.database}", show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    summary = result.register
    for label, value in (
        ("people", summary.people),
        ("affiliations", summary.affiliations),
        ("professional incomes", summary.incomes),
        ("contribution quarters", summary.contribution_quarters),
        ("payments", summary.payments),
        ("career quarters", summary.career_quarters),
        ("life events", summary.life_events),
        ("social insurance funds", summary.funds),
        ("ledger entries", summary.ledger_entries),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    console.print(
        f"generated {result.people_generated:,} people in {result.generate_seconds:.1f} s; "
        f"loaded in {result.load.seconds:.1f} s ({result.load.people_per_second:,.0f} people/s); "
        f"total {result.total_seconds:.1f} s. Fund files: {result.synth_dir}/funds"
    )
    if serve:
        import uvicorn

        from statut.api.app import create_app

        console.print(f"serving on http://{settings.host}:{settings.port}  (Ctrl+C to stop)")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
