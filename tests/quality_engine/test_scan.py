"""The quality scan over a small register: scores stored as a snapshot, and they add up."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import func, select

from statut.exchange.format import RecordType
from statut.services.quality import quality_report, scan_register
from statut.services.register import load_population
from statut.store import tables as t
from statut.store.quality_snapshots import QualitySnapshotRepository, read_register_frames
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames

TODAY = date(2025, 3, 1)


def _loaded(uow: UnitOfWork) -> dict[RecordType, pl.DataFrame]:
    load_population(uow, population_frames(40, seed=11), actor="test", reason="load", source="factories", today=TODAY)
    return read_register_frames(uow.connection)


def test_completeness_recomputed_by_hand(uow: UnitOfWork) -> None:
    frames = _loaded(uow)
    summary = scan_register(uow, today=TODAY, actor="test")
    completeness = summary.scores.filter((pl.col("level") == "dimension") & (pl.col("dimension") == "completeness"))
    # By hand: every record of every type is checked for its required fields (GEN-001), and a
    # register loaded through the validating loader has them all.
    expected = (
        pl.concat([f.select("fund").with_columns(pl.lit(rt.value).alias("record_type")) for rt, f in frames.items()])
        .group_by("fund", "record_type")
        .len()
        .rename({"fund": "fund_code", "len": "checked"})
    )
    got = completeness.select("fund_code", "record_type", pl.col("checked").alias("scanned"))
    joined = expected.join(got, on=["fund_code", "record_type"], how="full", coalesce=True)
    assert (joined.get_column("checked") == joined.get_column("scanned")).all()
    assert completeness.get_column("failed").sum() == 0
    assert completeness.get_column("checked").sum() == sum(f.height for f in frames.values())


def test_scores_add_up(uow: UnitOfWork) -> None:
    frames = _loaded(uow)
    summary = scan_register(uow, today=date(2000, 1, 1), actor="test")
    table = summary.scores
    assert (table.get_column("failed") <= table.get_column("checked")).all()
    dims = table.filter(pl.col("level") == "dimension")
    rules = table.filter(pl.col("level") == "rule")
    # A record failing a dimension fails at least one of its rules, and at most all of them.
    per_rule = rules.group_by("dimension", "fund_code", "record_type").agg(
        pl.col("failed").sum().alias("sum_failed"), pl.col("failed").max().alias("max_failed")
    )
    checked = dims.join(per_rule, on=["dimension", "fund_code", "record_type"], how="left")
    assert (checked.get_column("failed") <= checked.get_column("sum_failed")).all()
    assert (checked.get_column("failed") >= checked.get_column("max_failed")).all()
    # Judged against 2000-01-01, later payment dates are in the future: accuracy shows failures.
    assert dims.filter(pl.col("dimension") == "accuracy").get_column("failed").sum() > 0
    # Every dimension row counts records of one fund and type: never more than there are.
    sizes = (
        pl.concat([f.select("fund").with_columns(pl.lit(rt.value).alias("record_type")) for rt, f in frames.items()])
        .group_by("fund", "record_type")
        .len()
    )
    bounded = dims.join(sizes.rename({"fund": "fund_code"}), on=["fund_code", "record_type"])
    assert bounded.height == dims.height
    assert (bounded.get_column("checked") <= bounded.get_column("len")).all()


def test_snapshot_stored_with_ledger_and_trend(uow: UnitOfWork) -> None:
    _loaded(uow)
    first = scan_register(uow, today=date(2000, 1, 1), actor="test")
    second = scan_register(uow, today=TODAY, actor="test")
    repository = QualitySnapshotRepository(uow.connection)
    stored = repository.scores(second.snapshot.snapshot_id)
    assert stored.sort(stored.columns).equals(second.scores.select(stored.columns).sort(stored.columns))
    entries = uow.ledger.for_entity("quality_snapshot", second.snapshot.snapshot_id)
    assert [e.action for e in entries] == ["quality.scanned"]
    report = quality_report(uow)
    assert report.latest is not None
    assert report.latest.snapshot_id == second.snapshot.snapshot_id
    assert report.previous is not None
    assert report.previous.snapshot_id == first.snapshot.snapshot_id
    accuracy = report.dimensions.filter(pl.col("dimension") == "accuracy").row(0, named=True)
    assert accuracy["change"] is not None
    assert accuracy["change"] > 0
    count = uow.connection.execute(select(func.count()).select_from(t.change)).scalar_one()
    assert count >= 3
    assert report.as_json()["latest"] is not None


def test_cli_scan_then_report(database_url: str) -> None:
    import json

    from typer.testing import CliRunner

    from statut.cli.quality import app

    runner = CliRunner()
    for _ in range(2):
        outcome = runner.invoke(app, ["scan", "--database", database_url, "--as-of", "2025-03-01"])
        assert outcome.exit_code == 0, outcome.output
    shown = runner.invoke(app, ["report", "--database", database_url, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["latest"] is not None
    assert data["previous"] is not None
    table = runner.invoke(app, ["report", "--database", database_url])
    assert table.exit_code == 0, table.output
