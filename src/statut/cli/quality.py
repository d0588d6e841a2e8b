"""``statut quality``: scan the register into a dated snapshot, report scores and trend, link duplicates,
handle a fund's findings (``findings``) and the duplicate-persons review queue (``review``).

Thin: parse, call statut.services.quality / findings / merges, render (a rich table, or JSON).
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
from statut.quality.authentic_sources import AuthenticSources
from statut.quality.findings import DuePolicy
from statut.quality.linkage import DEFAULT_THRESHOLD, LinkageOptions
from statut.services import UnitOfWork, merges, open_engine
from statut.services import findings as findings_service
from statut.services.findings import FindingFilter, FindingRow
from statut.services.quality import QualityReport, ScanSummary, link_file, quality_report, scan_register

app = typer.Typer(no_args_is_help=True, help="Data quality: scan scores, trend, duplicate persons, findings.")
findings_app = typer.Typer(no_args_is_help=True, help="A fund's data-quality findings: list, export, handle.")
review_app = typer.Typer(no_args_is_help=True, help="Duplicate persons: find candidates, confirm (merge) or reject.")
app.add_typer(findings_app, name="findings")
app.add_typer(review_app, name="review")


@app.command("scan")
def scan_command(
    database: DatabaseOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Judge dates against this day (YYYY-MM-DD).")] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who runs the scan (in the ledger).")] = "cli",
    due_days: Annotated[
        str, typer.Option("--due-days", help="Days to handle a finding per severity, e.g. blocking=30,warning=90.")
    ] = "",
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources",
            exists=True,
            file_okay=False,
            help="A directory with feeds/national_register.csv and feeds/enterprise_register.csv "
            "(as `statut synth` writes): the accuracy dimension compares the register with them.",
        ),
    ] = None,
) -> None:
    """Run the catalogue's scan rules over the register, store the scores as a snapshot, and open or
    close the findings."""
    today = date.fromisoformat(as_of) if as_of else date.today()

    def run() -> ScanSummary:
        policy = DuePolicy.parse(due_days)
        extracts = AuthenticSources.from_directory(sources) if sources is not None else None
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            summary = scan_register(uow, today=today, actor=actor, due_policy=policy, sources=extracts)
            uow.commit()
            return summary

    summary = run_or_exit(run)
    typer.echo(
        f"snapshot {summary.snapshot.snapshot_id}: {summary.snapshot.records} records scanned, "
        f"{summary.scores.height} score rows"
    )
    if summary.findings is not None:
        typer.echo(
            f"findings: {summary.findings.opened} opened, {summary.findings.closed} closed as corrected, "
            f"{summary.findings.still_open} still open"
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


# -- findings ---------------------------------------------------------------------------------------

FundOption = Annotated[str, typer.Option("--fund", help="The fund's code, e.g. F101.")]
StateOption = Annotated[str | None, typer.Option("--state", help="open, acknowledged, corrected or dismissed.")]
RuleOption = Annotated[str | None, typer.Option("--rule", help="Only this rule, e.g. ADR-001.")]
WhoOption = Annotated[str, typer.Option("--actor", help="Who acts (in the ledger).")]


def _where(state: str | None, rule: str | None, overdue: bool) -> FindingFilter:
    if state is not None and state not in ("open", "acknowledged", "corrected", "dismissed"):
        raise typer.BadParameter("expected open, acknowledged, corrected or dismissed", param_hint="--state")
    return FindingFilter(state=state, rule_id=rule, overdue_on=date.today() if overdue else None)


@findings_app.command("list")
def findings_list(
    fund: FundOption,
    database: DatabaseOption = None,
    state: StateOption = None,
    rule: RuleOption = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only active findings past their due date.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 100,
) -> None:
    """The fund's findings, oldest first."""
    where = _where(state, rule, overdue)

    def read() -> list[FindingRow]:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return findings_service.list_findings(uow, fund, limit=limit, where=where)

    rows = run_or_exit(read)
    table = Table(title=f"Findings of {fund}")
    for heading in ("id", "state", "due", "rule", "severity", "type", "record", "detail"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            str(row.finding_id),
            row.state,
            row.due_date.isoformat(),
            row.rule_id,
            row.severity,
            row.record_type,
            row.record_ref,
            row.detail[:60],
        )
    Console().print(table)


@findings_app.command("export")
def findings_export(
    fund: FundOption,
    target: Annotated[Path, typer.Option("--out", dir_okay=False, help="File to write (.csv or .json).")],
    database: DatabaseOption = None,
    state: StateOption = None,
    rule: RuleOption = None,
    overdue: Annotated[bool, typer.Option("--overdue")] = False,
) -> None:
    """Write every finding of the fund matching the filters to a CSV or JSON file."""
    if target.suffix.lower() not in (".csv", ".json"):
        raise typer.BadParameter("the file must end in .csv or .json", param_hint="--out")
    where = _where(state, rule, overdue)

    def read() -> int:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            frame = findings_service.export_findings(uow, fund, where)
        if target.suffix.lower() == ".json":
            target.write_text(frame.write_json(), encoding="utf-8")
        else:
            frame.write_csv(target)
        return frame.height

    written = run_or_exit(read)
    typer.echo(f"{written} findings of {fund} written to {target}")


@findings_app.command("ack")
def findings_ack(
    fund: FundOption,
    finding_id: Annotated[int, typer.Argument(min=1)],
    database: DatabaseOption = None,
    actor: WhoOption = "cli",
) -> None:
    """Acknowledge a finding: the fund works on it."""

    def run() -> FindingRow:
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            row = findings_service.acknowledge_finding(uow, fund, finding_id, who=actor)
            uow.commit()
            return row

    row = run_or_exit(run)
    typer.echo(f"finding {row.finding_id}: {row.state}, due {row.due_date}")


@findings_app.command("dismiss")
def findings_dismiss(
    fund: FundOption,
    finding_id: Annotated[int, typer.Argument(min=1)],
    reason: Annotated[str, typer.Option("--reason", help="Why the data are right as they are (required).")],
    database: DatabaseOption = None,
    actor: WhoOption = "cli",
) -> None:
    """Dismiss a finding with a reason: the data are right as they are."""

    def run() -> FindingRow:
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            row = findings_service.dismiss_finding(uow, fund, finding_id, who=actor, reason=reason)
            uow.commit()
            return row

    row = run_or_exit(run)
    typer.echo(f"finding {row.finding_id}: {row.state} ({row.dismiss_reason})")


# -- duplicate persons review -----------------------------------------------------------------------


@review_app.command("find")
def review_find(
    database: DatabaseOption = None,
    threshold: Annotated[float, typer.Option("--threshold", min=0.0, max=1.0)] = DEFAULT_THRESHOLD,
    actor: WhoOption = "cli",
) -> None:
    """Run the record linkage over the register's persons and queue the candidate pairs."""

    def run() -> merges.QueueSummary:
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            summary = merges.find_duplicates(uow, actor=actor, options=LinkageOptions(threshold=threshold))
            uow.commit()
            return summary

    summary = run_or_exit(run)
    typer.echo(f"{summary.candidates} candidate pairs at or above {threshold}; {summary.queued} new in the queue")


@review_app.command("list")
def review_list(
    database: DatabaseOption = None,
    state: Annotated[str, typer.Option("--state", help="pending, confirmed or rejected.")] = "pending",
    limit: Annotated[int, typer.Option("--limit", min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The candidate pairs, side by side."""
    if state not in ("pending", "confirmed", "rejected"):
        raise typer.BadParameter("expected pending, confirmed or rejected", param_hint="--state")

    def read() -> list[merges.ReviewPairView]:
        with open_engine(database) as engine, UnitOfWork(engine, read_only=True) as uow:
            return merges.review_queue(uow, state=state, limit=limit)

    pairs = run_or_exit(read)
    if as_json:
        import dataclasses

        typer.echo(json.dumps([dataclasses.asdict(p) for p in pairs], indent=2, default=str))
        return
    table = Table(title=f"Duplicate persons ({state})")
    for heading in ("pair", "p", "left", "right"):
        table.add_column(heading)
    for pair in pairs:
        table.add_row(
            str(pair.pair_id),
            f"{pair.match_probability:.3f}",
            _who(pair.left),
            _who(pair.right),
        )
    Console().print(table)


def _who(person: merges.ReviewPerson) -> str:
    return (
        f"#{person.person_id} {person.national_number or '-'} {person.last_name or ''} {person.first_name or ''} "
        f"{person.birth_date or ''} {person.postal_code or ''}"
    )


def _decide(action: str, pair_id: int, database: str | None, actor: str, note: str | None) -> None:
    def run() -> str:
        with open_engine(database) as engine, UnitOfWork(engine) as uow:
            if action == "confirm":
                survivor = merges.confirm_pair(uow, pair_id, who=actor, note=note)
                outcome = f"pair {pair_id} confirmed: merged into person {survivor}"
            elif action == "reject":
                merges.reject_pair(uow, pair_id, who=actor, note=note)
                outcome = f"pair {pair_id} rejected"
            else:
                merges.unmerge_pair(uow, pair_id, who=actor, note=note)
                outcome = f"pair {pair_id}: merge undone"
            uow.commit()
            return outcome

    typer.echo(run_or_exit(run))


NoteOption = Annotated[str | None, typer.Option("--note", help="Why (kept with the decision).")]


@review_app.command("confirm")
def review_confirm(
    pair_id: Annotated[int, typer.Argument(min=1)],
    database: DatabaseOption = None,
    actor: WhoOption = "cli",
    note: NoteOption = None,
) -> None:
    """Confirm a pair: the two persons are merged, every fact of both kept (reversible)."""
    _decide("confirm", pair_id, database, actor, note)


@review_app.command("reject")
def review_reject(
    pair_id: Annotated[int, typer.Argument(min=1)],
    database: DatabaseOption = None,
    actor: WhoOption = "cli",
    note: NoteOption = None,
) -> None:
    """Reject a pair: two different persons."""
    _decide("reject", pair_id, database, actor, note)


@review_app.command("unmerge")
def review_unmerge(
    pair_id: Annotated[int, typer.Argument(min=1)],
    database: DatabaseOption = None,
    actor: WhoOption = "cli",
    note: NoteOption = None,
) -> None:
    """Undo the merge of a confirmed pair: both persons exactly as before."""
    _decide("unmerge", pair_id, database, actor, note)
