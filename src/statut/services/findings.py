"""Use cases of the findings workflow: open and close findings from the gate and the scan, let a fund
list, export, acknowledge and dismiss its own.

Automatic changes are set-based and take part in the change that caused them (the batch, the scan):
the transitions are rows, and one ledger entry per change digests them (``findings.synchronised``),
the way a bulk load digests its tables. A person's decision (acknowledge, dismiss) is one change
with one ledger entry of its own (``finding.acknowledged``, ``finding.dismissed``), which the
announcing ledger also puts in the outbox. Like every service these only flush; the entry point
commits.

Who may do what is the policy's (``Action.READ_FUND_FINDINGS``, ``Action.HANDLE_FUND_FINDINGS``):
a fund's agents and IT system, for their own fund only. The ``*_for`` functions check it for an
authenticated actor (API, portal); the others serve the operator's command line, which works on the
database directly like every ``statut`` command.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from statut.access.enforce import require
from statut.access.identity import Actor
from statut.access.policy import Action, decide_findings
from statut.domain.errors import NotFound
from statut.quality.findings import (
    KEY_COLUMNS,
    DuePolicy,
    FindingSource,
    FindingState,
    check_transition,
    dismissal_reason,
    gate_defects,
)
from statut.quality.validation import ValidationResult
from statut.store import quality_findings as stored
from statut.store.changes import Change
from statut.store.quality_findings import FindingRepository, TransitionRow
from statut.store.unit_of_work import UnitOfWork

EXPORT_COLUMNS = (
    "finding_id",
    "fund_code",
    "source",
    "record_type",
    "record_ref",
    "rule_id",
    "severity",
    "dimension",
    "field",
    "detail",
    "state",
    "opened_at",
    "due_date",
    "closed_at",
    "closed_by",
    "dismiss_reason",
    "batch_id",
    "snapshot_id",
)
EXPORT_PAGE = 5_000

#: The finding types entry points use (re-exported, so they need not import the store).
FindingRow = stored.FindingRow
FindingFilter = stored.FindingFilter


@dataclass(frozen=True, slots=True)
class FindingSync:
    """What one batch or scan did to the findings."""

    opened: int
    closed: int
    still_open: int


def _repository(uow: UnitOfWork) -> FindingRepository:
    return FindingRepository(uow.connection, uow.bulk)


def _synchronise(
    uow: UnitOfWork,
    *,
    source: FindingSource,
    defects: pl.DataFrame,
    active: pl.DataFrame,
    change: Change,
    closed_by: str,
    opened_on: date,
    policy: DuePolicy,
    batch_id: str | None = None,
    snapshot_id: int | None = None,
) -> FindingSync:
    """Open the defects no active finding has; close (corrected) the ``active`` ones no defect has."""
    repository = _repository(uow)
    keys = list(KEY_COLUMNS)
    defects = defects.unique(keys, keep="first", maintain_order=True)
    new = defects.join(active.select(keys), on=keys, how="anti", nulls_equal=True)
    gone = active.join(defects.select(keys), on=keys, how="anti", nulls_equal=True)
    repository.open(
        new,
        source=source.value,
        change=change,
        due_dates=policy.due_column(opened_on),
        batch_id=batch_id,
        snapshot_id=snapshot_id,
    )
    closed = repository.close(
        gone.select("finding_id", "state"), to_state=FindingState.CORRECTED.value, change=change, closed_by=closed_by
    )
    sync = FindingSync(opened=new.height, closed=closed, still_open=defects.height - new.height)
    if sync.opened or sync.closed:
        uow.ledger.record(
            change,
            action="findings.synchronised",
            entity_type="quality_findings",
            entity_key=f"{source.value} {closed_by.split(' ', 1)[-1]}",
            payload={
                "source": source.value,
                "opened": sync.opened,
                "closed": sync.closed,
                "transitions_sha256": repository.digest_of_change(change.change_id),
            },
        )
    return sync


def record_gate_findings(
    uow: UnitOfWork,
    validation: ValidationResult,
    *,
    batch_id: str,
    change: Change,
    policy: DuePolicy | None = None,
) -> FindingSync:
    """The gate's findings for one batch, in the batch's change: each warning on an accepted record and
    each reason of a quarantined record opens a finding for the fund; an active finding on a record
    the batch brings again without that defect is closed as corrected (``batch <id>``)."""
    found = gate_defects(validation)
    active = _repository(uow).active(FindingSource.GATE.value, validation.fund_code)
    concerned = active.join(found.records, on=["fund_code", "record_type", "record_ref"], how="semi")
    return _synchronise(
        uow,
        source=FindingSource.GATE,
        defects=found.defects,
        active=concerned,
        change=change,
        closed_by=f"batch {batch_id}",
        opened_on=validation.today,
        policy=policy or DuePolicy(),
        batch_id=batch_id,
    )


def record_scan_findings(
    uow: UnitOfWork,
    defects: pl.DataFrame,
    *,
    snapshot_id: int,
    change: Change,
    today: date,
    policy: DuePolicy | None = None,
) -> FindingSync:
    """The scan's findings, in the scan's change: every defect seen opens a finding (once), every
    active scan finding not seen any more is closed as corrected (``rescan <snapshot>``). The scan
    covers the whole register, so "not seen" means the record was corrected (or removed)."""
    return _synchronise(
        uow,
        source=FindingSource.SCAN,
        defects=defects,
        active=_repository(uow).active(FindingSource.SCAN.value),
        change=change,
        closed_by=f"rescan {snapshot_id}",
        opened_on=today,
        policy=policy or DuePolicy(),
        snapshot_id=snapshot_id,
    )


# -- a fund's findings ------------------------------------------------------------------------------


def _own_finding(uow: UnitOfWork, fund_code: str, finding_id: int) -> FindingRow:
    finding = _repository(uow).get(finding_id)
    if finding is None or finding.fund_code != fund_code:
        raise NotFound(f"fund {fund_code} has no finding {finding_id}", code="statut.not_found.finding")
    return finding


def list_findings(
    uow: UnitOfWork, fund_code: str, *, after: int = 0, limit: int = 50, where: FindingFilter | None = None
) -> list[FindingRow]:
    if uow.funds.get(fund_code) is None:
        raise NotFound(f"fund {fund_code!r} is not in the register", code="statut.not_found.fund")
    return _repository(uow).page(fund_code, after=after, limit=limit, where=where)


def list_findings_for(
    uow: UnitOfWork,
    actor: Actor,
    fund_code: str,
    *,
    after: int = 0,
    limit: int = 50,
    where: FindingFilter | None = None,
) -> list[FindingRow]:
    require(decide_findings(actor, Action.READ_FUND_FINDINGS, fund_code))
    return list_findings(uow, fund_code, after=after, limit=limit, where=where)


def export_findings(uow: UnitOfWork, fund_code: str, where: FindingFilter | None = None) -> pl.DataFrame:
    """Every finding of the fund matching ``where``, as a frame of EXPORT_COLUMNS (read page by page)."""
    pages: list[FindingRow] = []
    after = 0
    while True:
        page = list_findings(uow, fund_code, after=after, limit=EXPORT_PAGE, where=where)
        pages += page
        if len(page) < EXPORT_PAGE:
            break
        after = page[-1].finding_id
    rows = [{name: getattr(row, name) for name in EXPORT_COLUMNS} for row in pages]
    schema = {
        name: (
            pl.Int64
            if name in ("finding_id", "snapshot_id")
            else pl.Date
            if name == "due_date"
            else pl.Datetime("us", "UTC")
            if name in ("opened_at", "closed_at")
            else pl.String
        )
        for name in EXPORT_COLUMNS
    }
    return pl.DataFrame(rows, schema=schema)


def export_findings_for(
    uow: UnitOfWork, actor: Actor, fund_code: str, where: FindingFilter | None = None
) -> pl.DataFrame:
    require(decide_findings(actor, Action.READ_FUND_FINDINGS, fund_code))
    return export_findings(uow, fund_code, where)


def finding_history(uow: UnitOfWork, fund_code: str, finding_id: int) -> tuple[FindingRow, list[TransitionRow]]:
    finding = _own_finding(uow, fund_code, finding_id)
    return finding, _repository(uow).transitions(finding_id)


def acknowledge_finding(uow: UnitOfWork, fund_code: str, finding_id: int, *, who: str) -> FindingRow:
    """The fund has seen the finding and works on it (the due date stays)."""
    finding = _own_finding(uow, fund_code, finding_id)
    check_transition(FindingState(finding.state), FindingState.ACKNOWLEDGED)
    change = uow.record_change(actor=who, reason=f"acknowledge finding {finding_id}", source="findings")
    updated = _repository(uow).set_state(finding, FindingState.ACKNOWLEDGED.value, change=change, note="")
    _ledger(uow, change, updated, "finding.acknowledged", finding.state)
    return updated


def dismiss_finding(uow: UnitOfWork, fund_code: str, finding_id: int, *, who: str, reason: str | None) -> FindingRow:
    """The fund holds the data right as it is; the reason is kept and shown with the finding."""
    text = dismissal_reason(reason)
    finding = _own_finding(uow, fund_code, finding_id)
    check_transition(FindingState(finding.state), FindingState.DISMISSED)
    change = uow.record_change(actor=who, reason=f"dismiss finding {finding_id}: {text}", source="findings")
    updated = _repository(uow).set_state(
        finding, FindingState.DISMISSED.value, change=change, note=text, closed_by=who, dismiss_reason=text
    )
    _ledger(uow, change, updated, "finding.dismissed", finding.state)
    return updated


def acknowledge_finding_for(uow: UnitOfWork, actor: Actor, fund_code: str, finding_id: int) -> FindingRow:
    require(decide_findings(actor, Action.HANDLE_FUND_FINDINGS, fund_code))
    return acknowledge_finding(uow, fund_code, finding_id, who=actor.key)


def dismiss_finding_for(
    uow: UnitOfWork, actor: Actor, fund_code: str, finding_id: int, reason: str | None
) -> FindingRow:
    require(decide_findings(actor, Action.HANDLE_FUND_FINDINGS, fund_code))
    return dismiss_finding(uow, fund_code, finding_id, who=actor.key, reason=reason)


def _ledger(uow: UnitOfWork, change: Change, finding: FindingRow, action: str, previous: str) -> None:
    uow.ledger.record(
        change,
        action=action,
        entity_type="finding",
        entity_key=finding.finding_id,
        payload={
            "fund": finding.fund_code,
            "rule_id": finding.rule_id,
            "record_type": finding.record_type,
            "from": previous,
            "to": finding.state,
        },
    )
