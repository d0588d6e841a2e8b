"""The findings workflow: the gate and the scan open findings for the responsible fund, a corrected record
or a re-scan closes them, a fund acknowledges or dismisses (with a reason), every transition is kept
and digested in the ledger. On SQLite and PostgreSQL (the ``uow`` fixture)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from statut.domain.errors import DomainValidationError, NotFound
from statut.quality.findings import DuePolicy, InvalidTransition
from statut.services.findings import (
    acknowledge_finding,
    dismiss_finding,
    export_findings,
    finding_history,
    list_findings,
)
from statut.services.ingestion import ingest_batch
from statut.services.quality import scan_register
from statut.services.register import load_population
from statut.store.quality_findings import FindingFilter, FindingRepository
from statut.store.unit_of_work import UnitOfWork
from tests.factories import population_frames
from tests.quality.builders import JEAN, MARIE, csv_bytes, person

TODAY = date(2025, 6, 16)
FUND = "F101"
#: ADR-001 (warning): not a Belgian postal code; IDN-001 (blocking): the national number's check digits.
BAD_POSTAL = "99999"
BAD_NUMBER = MARIE[:-2] + f"{(int(MARIE[-2:]) + 1) % 97:02d}"


def _ingest(uow: UnitOfWork, records: list[dict[str, str]], name: str) -> str:
    result = ingest_batch(uow, csv_bytes(records), fund_code=FUND, file_name=name, actor="test", today=TODAY)
    return result.batch_id


def _by_rule(uow: UnitOfWork) -> dict[tuple[str, str], object]:
    rows = list_findings(uow, FUND, limit=1000)
    return {(row.record_ref, row.rule_id): row for row in rows}


def test_gate_opens_findings_and_a_corrected_record_closes_them(uow: UnitOfWork) -> None:
    first = _ingest(
        uow,
        [
            person(record_id="P1", postal_code=BAD_POSTAL),
            person(record_id="P2", national_number=BAD_NUMBER, first_name="Marie", sex="F", birth_date="1990-02-28"),
        ],
        "first.csv",
    )
    found = _by_rule(uow)
    warning, blocking = found[("P1", "ADR-001")], found[("P2", "IDN-001")]
    assert warning.state == "open"
    assert warning.severity == "warning"
    assert warning.source == "gate"
    assert warning.batch_id == first
    assert warning.due_date == TODAY + timedelta(days=90)
    assert blocking.severity == "blocking"
    assert blocking.due_date == TODAY + timedelta(days=30)
    # Sending the same defect again opens nothing new.
    _ingest(uow, [person(record_id="P1", postal_code=BAD_POSTAL, street="Rue de la Loi 17")], "again.csv")
    assert [r.rule_id for r in list_findings(uow, FUND, where=FindingFilter(state="open"))].count("ADR-001") == 1
    # The fund corrects both records: both findings close, by that batch.
    fixed = _ingest(
        uow,
        [
            person(record_id="P1", postal_code="1000", street="Rue de la Loi 17"),
            person(record_id="P2", national_number=MARIE, first_name="Marie", sex="F", birth_date="1990-02-28"),
        ],
        "fixed.csv",
    )
    found = _by_rule(uow)
    for key in (("P1", "ADR-001"), ("P2", "IDN-001")):
        row = found[key]
        assert row.state == "corrected", key
        assert row.closed_by == f"batch {fixed}"
    history = FindingRepository(uow.connection, uow.bulk).transitions(warning.finding_id)
    assert [(h.from_state, h.to_state) for h in history] == [(None, "open"), ("open", "corrected")]
    entries = [e for e in uow.ledger.entries() if e.action == "findings.synchronised"]
    assert len(entries) == 2
    last = entries[-1]
    assert last.data["closed"] == 2
    assert last.data["transitions_sha256"] == FindingRepository(uow.connection, uow.bulk).digest_of_change(
        int(last.change_id or 0)
    )


def test_records_a_batch_does_not_bring_keep_their_findings(uow: UnitOfWork) -> None:
    _ingest(uow, [person(record_id="P1", postal_code=BAD_POSTAL)], "first.csv")
    _ingest(
        uow,
        [person(record_id="P9", national_number=MARIE, first_name="Marie", sex="F", birth_date="1990-02-28")],
        "other.csv",
    )
    assert _by_rule(uow)[("P1", "ADR-001")].state == "open"


def test_fund_acknowledges_and_dismisses_with_a_reason(uow: UnitOfWork) -> None:
    _ingest(
        uow,
        [
            person(record_id="P1", postal_code=BAD_POSTAL),
            person(record_id="P3", national_number=JEAN, postal_code="ABCD", street="X 1"),
        ],
        "first.csv",
    )
    rows = list_findings(uow, FUND, where=FindingFilter(rule_id="ADR-001"))
    assert len(rows) >= 1
    target = rows[0]
    acknowledged = acknowledge_finding(uow, FUND, target.finding_id, who="agent:F101")
    assert acknowledged.state == "acknowledged"
    with pytest.raises(InvalidTransition):
        acknowledge_finding(uow, FUND, target.finding_id, who="agent:F101")
    with pytest.raises(DomainValidationError):
        dismiss_finding(uow, FUND, target.finding_id, who="agent:F101", reason="  ")
    assert FindingRepository(uow.connection, uow.bulk).get(target.finding_id).state == "acknowledged"
    dismissed = dismiss_finding(
        uow, FUND, target.finding_id, who="agent:F101", reason="Foreign address of a cross-border worker"
    )
    assert dismissed.state == "dismissed"
    assert dismissed.dismiss_reason == "Foreign address of a cross-border worker"
    assert dismissed.closed_by == "agent:F101"
    with pytest.raises(InvalidTransition):
        dismiss_finding(uow, FUND, target.finding_id, who="agent:F101", reason="once more, please")
    # Another fund cannot reach it: the finding does not exist for them.
    with pytest.raises(NotFound):
        acknowledge_finding(uow, "F102", target.finding_id, who="agent:F102")
    finding, history = finding_history(uow, FUND, target.finding_id)
    assert [h.to_state for h in history] == ["open", "acknowledged", "dismissed"]
    assert history[-1].note == "Foreign address of a cross-border worker"
    actions = [e.action for e in uow.ledger.for_entity("finding", finding.finding_id)]
    assert actions == ["finding.acknowledged", "finding.dismissed"]
    events = uow.outbox.for_subject(f"finding/{finding.finding_id}")
    assert [e.event_type for e in events] == ["be.statut.finding.acknowledged", "be.statut.finding.dismissed"]


def test_scan_opens_findings_and_a_rescan_closes_them(uow: UnitOfWork) -> None:
    load_population(uow, population_frames(30, seed=5), actor="test", reason="load", source="factories", today=TODAY)
    # Judged against 2000-01-01, dates after it are "in the future": accuracy defects.
    policy = DuePolicy.parse("blocking=10,warning=20")
    early = scan_register(uow, today=date(2000, 1, 1), actor="test", due_policy=policy, chunk_persons=7)
    assert early.findings is not None
    assert early.findings.opened > 0
    rows = FindingRepository(uow.connection, uow.bulk).active("scan")
    assert rows.height == early.findings.opened
    # Findings belong to funds, key the register's stable records, and carry the policy's due date.
    future = rows.filter(pl.col("rule_id") == "DAT-002")  # DAT-002: a date after the day judged against
    assert future.height > 0
    sample = list_findings(uow, future.get_column("fund_code")[0], where=FindingFilter(rule_id="DAT-002"))[0]
    assert sample.source == "scan"
    assert sample.record_ref.split(":")[0] == sample.record_type
    assert sample.due_date == date(2000, 1, 1) + timedelta(days=10 if sample.severity == "blocking" else 20)
    acknowledge_finding(uow, sample.fund_code, sample.finding_id, who="agent")
    # The same scan again: nothing new, nothing closed.
    again = scan_register(uow, today=date(2000, 1, 1), actor="test", due_policy=policy)
    assert again.findings is not None
    assert (again.findings.opened, again.findings.closed) == (0, 0)
    # Judged today, the dates are no longer in the future: every one of those findings closes.
    later = scan_register(uow, today=TODAY, actor="test")
    assert later.findings is not None
    assert later.findings.opened == 0
    assert later.findings.closed + later.findings.still_open == early.findings.opened
    assert FindingRepository(uow.connection, uow.bulk).active("scan").filter(pl.col("rule_id") == "DAT-002").height == 0
    closed = FindingRepository(uow.connection, uow.bulk).get(sample.finding_id)
    assert closed.state == "corrected"
    assert closed.closed_by == f"rescan {later.snapshot.snapshot_id}"
    assert FindingRepository(uow.connection, uow.bulk).active("scan").height == later.findings.still_open


def test_a_chunked_scan_scores_exactly_like_a_whole_one(uow: UnitOfWork) -> None:
    load_population(uow, population_frames(25, seed=8), actor="test", reason="load", source="factories", today=TODAY)
    whole = scan_register(uow, today=date(2000, 1, 1), actor="test", findings=False, chunk_persons=10**9)
    pieces = scan_register(uow, today=date(2000, 1, 1), actor="test", findings=False, chunk_persons=3)
    assert whole.snapshot.records == pieces.snapshot.records
    assert whole.scores.equals(pieces.scores)


def test_due_policy_parsing() -> None:
    assert DuePolicy.parse("blocking=7").days == {"blocking": 7, "warning": 90}
    for bad in ("info=3", "blocking=0", "warning=x", "blocking"):
        with pytest.raises(DomainValidationError):
            DuePolicy.parse(bad)


def test_cli_lists_exports_acknowledges_and_dismisses(database_url: str, tmp_path: Path) -> None:
    from statut.cli.quality import app
    from statut.services import open_engine

    with open_engine(database_url) as engine, UnitOfWork(engine) as uow:
        _ingest(uow, [person(record_id="P1", postal_code=BAD_POSTAL)], "first.csv")
        uow.commit()
    runner = CliRunner()
    listed = runner.invoke(app, ["findings", "list", "--fund", FUND, "--database", database_url])
    assert listed.exit_code == 0, listed.output
    assert "ADR-001" in listed.output
    out = tmp_path / "findings.json"
    exported = runner.invoke(app, ["findings", "export", "--fund", FUND, "--out", str(out), "--database", database_url])
    assert exported.exit_code == 0, exported.output
    data = json.loads(out.read_text())
    assert "ADR-001" in [row["rule_id"] for row in data]
    finding_id = str(next(row["finding_id"] for row in data if row["rule_id"] == "ADR-001"))
    csv_out = tmp_path / "findings.csv"
    assert (
        runner.invoke(
            app, ["findings", "export", "--fund", FUND, "--out", str(csv_out), "--database", database_url]
        ).exit_code
        == 0
    )
    assert pl.read_csv(csv_out).get_column("state").to_list() == ["open"] * len(data)
    acked = runner.invoke(app, ["findings", "ack", "--fund", FUND, finding_id, "--database", database_url])
    assert acked.exit_code == 0
    assert "acknowledged" in acked.output
    refused = runner.invoke(
        app, ["findings", "dismiss", "--fund", FUND, finding_id, "--reason", "", "--database", database_url]
    )
    assert refused.exit_code == 1
    assert "reason" in refused.output
    dismissed = runner.invoke(
        app,
        [
            "findings",
            "dismiss",
            "--fund",
            FUND,
            finding_id,
            "--reason",
            "Address abroad, checked",
            "--database",
            database_url,
        ],
    )
    assert dismissed.exit_code == 0, dismissed.output
    with open_engine(database_url) as engine, UnitOfWork(engine, read_only=True) as uow:
        frame = export_findings(uow, FUND)
    assert frame.filter(pl.col("finding_id") == int(finding_id)).get_column("state").to_list() == ["dismissed"]
