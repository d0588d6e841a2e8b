"""``statut demo``: build a synthetic register and serve it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from statut.cli.common import progress_bars, run_or_exit
from statut.settings import Settings

if TYPE_CHECKING:
    from statut.services.demo import DemoResult, GateSummary

COUNT_KEYS = ("received", "accepted", "quarantined", "held", "already_held")


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
    scan: Annotated[
        bool, typer.Option("--scan/--no-scan", help="Run the first data-quality scan (scores, findings).")
    ] = True,
    birth: Annotated[
        bool,
        typer.Option(
            "--birth/--no-birth",
            help="Show a birth in the National Register feed becoming a maternity-aid proposal and a webhook.",
        ),
    ] = True,
) -> None:
    """Build the central register from a synthetic population sent through the gate, print the gate's
    summary and the register's, and serve it."""
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
                settings, people=people, seed=seed, fresh=not keep, generation_progress=bars, gate_progress=bars
            )
        )
    _print_gate(console, result.gate)
    _print_register(console, result)
    if scan:
        from statut.services.demo import scan_demo_register

        summary = run_or_exit(lambda: scan_demo_register(settings, result.synth_dir))
        findings = summary.findings
        console.print(
            f"data-quality snapshot {summary.snapshot.snapshot_id}: {summary.snapshot.records:,} records scanned"
            + (f"; {findings.opened:,} findings opened for the funds" if findings is not None else "")
        )
    if birth:
        from statut.cli.events import print_birth_demo
        from statut.services.demo import demonstrate_demo_birth

        print_birth_demo(run_or_exit(lambda: demonstrate_demo_birth(settings)), console)
    if serve:
        import uvicorn

        from statut.api.app import create_app

        console.print(f"serving on http://{settings.host}:{settings.port}  (Ctrl+C to stop)")
        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")


def _print_gate(console: Console, gate: GateSummary) -> None:
    """The gate's summary: received = accepted + quarantined + held + already held, per record type."""
    table = Table(title=f"Gate: {gate.batches} fund batches", show_header=True)
    for column in ("record type", "received", "accepted", "quarantined", "held", "already held"):
        table.add_column(column, justify="left" if column == "record type" else "right")
    for record_type, count in [*gate.counts.items(), ("total", gate.totals)]:
        table.add_row(record_type, *(f"{count[key]:,}" for key in COUNT_KEYS))
    console.print(table)
    status = "every batch reconciled" if gate.reconciled else "[red]NOT reconciled[/red]"
    console.print(f"{status}; held records released by a later batch: {gate.released_held:,}")
    rules = Table(title="Quarantine and holds per rule (an entry counts once per rule it breaks)")
    for column in ("rule", "quarantined", "held"):
        rules.add_column(column, justify="left" if column == "rule" else "right")
    for rule_id in sorted({rule for _, rule in gate.by_rule}):
        rules.add_row(rule_id, *(f"{gate.by_rule.get((status, rule_id), 0):,}" for status in ("open", "held")))
    console.print(rules)


def _print_register(console: Console, result: DemoResult) -> None:
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
    steps = result.gate.seconds
    validate = steps.get("read", 0.0) + steps.get("validate", 0.0)
    land = sum(steps.get(step, 0.0) for step in ("land", "reconcile", "release", "commit"))
    console.print(
        f"generated {result.people_generated:,} people in {result.generate_seconds:.1f} s; "
        f"read and validated in {validate:.1f} s; landed in {land:.1f} s; "
        f"total {result.total_seconds:.1f} s ({result.people_per_second:,.0f} people/s). "
        f"Fund files: {result.synth_dir}/funds"
    )
