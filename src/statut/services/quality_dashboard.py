"""The institution's data-quality dashboard: scores per dimension and fund across the stored scans.

It reads the dated snapshots the quality scan stores (services/quality.py, store/quality_snapshots.py)
and sums their counts: a share is always ``1 - failed / checked`` of summed counts, never an average
of shares, so that a small fund does not weigh like a large one (quality/scores.py). The figures
are aggregates of record counts per fund and dimension, with no person in them: the policy opens
them to INASTI's agents and to analysts (GDPR art. 89, ``decide_aggregates``), nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from statut.access.enforce import require
from statut.access.identity import Actor
from statut.access.policy import decide_aggregates
from statut.domain.errors import DomainValidationError
from statut.quality.catalogue import Dimension
from statut.store.quality_snapshots import QualitySnapshotRepository
from statut.store.unit_of_work import UnitOfWork

DIMENSIONS: tuple[str, ...] = tuple(d.value for d in Dimension)
MAX_SNAPSHOTS = 24


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    snapshot_id: int
    taken_at: datetime
    as_of: date
    records: int


@dataclass(frozen=True, slots=True)
class Score:
    checked: int
    failed: int

    @property
    def passing(self) -> float | None:
        return None if self.checked == 0 else 1 - self.failed / self.checked


@dataclass(frozen=True, slots=True)
class DimensionTrend:
    dimension: str
    scores: list[Score | None]  # one per snapshot, oldest first; None: not checked in that scan


@dataclass(frozen=True, slots=True)
class FundScores:
    fund_code: str
    dimensions: dict[str, Score]  # in the latest snapshot


@dataclass(frozen=True, slots=True)
class QualityDashboard:
    snapshots: list[SnapshotInfo]  # oldest first
    trend: list[DimensionTrend]  # register-wide, or of one fund when ``fund_code`` is set
    funds: list[FundScores]  # latest snapshot, every fund
    fund_code: str | None

    @property
    def latest(self) -> SnapshotInfo | None:
        return self.snapshots[-1] if self.snapshots else None

    def fund_codes(self) -> list[str]:
        return [fund.fund_code for fund in self.funds]


def _sums(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return frame.group_by(keys).agg(pl.col("checked").sum(), pl.col("failed").sum()).sort(keys)


def quality_dashboard(
    uow: UnitOfWork, actor: Actor, *, snapshots: int = 12, fund_code: str | None = None
) -> QualityDashboard:
    """The trend over the newest ``snapshots`` scans (per dimension) and the latest scores per fund."""
    require(decide_aggregates(actor))
    if not 1 <= snapshots <= MAX_SNAPSHOTS:
        raise DomainValidationError("snapshots", snapshots, f"1 to {MAX_SNAPSHOTS}")
    if fund_code is not None and uow.funds.get(fund_code) is None:
        raise DomainValidationError("fund", fund_code[:16], "unknown fund")
    repository = QualitySnapshotRepository(uow.connection)
    rows = list(reversed(repository.latest(snapshots)))
    infos = [SnapshotInfo(r.snapshot_id, r.taken_at, r.as_of, r.records) for r in rows]
    per_snapshot: list[dict[str, Score]] = []
    latest_frame: pl.DataFrame | None = None
    for row in rows:
        frame = repository.scores(row.snapshot_id).filter(pl.col("level") == "dimension")
        latest_frame = frame
        if fund_code is not None:
            frame = frame.filter(pl.col("fund_code") == fund_code)
        sums = _sums(frame, ["dimension"])
        per_snapshot.append(
            {d: Score(int(c), int(f)) for d, c, f in sums.select("dimension", "checked", "failed").iter_rows()}
        )
    trend = [DimensionTrend(d, [scores.get(d) for scores in per_snapshot]) for d in DIMENSIONS]
    funds: list[FundScores] = []
    if latest_frame is not None:
        by_fund = _sums(latest_frame, ["fund_code", "dimension"])
        table: dict[str, dict[str, Score]] = {}
        for code, dimension, checked, failed in by_fund.select(
            "fund_code", "dimension", "checked", "failed"
        ).iter_rows():
            table.setdefault(str(code), {})[str(dimension)] = Score(int(checked), int(failed))
        funds = [FundScores(code, table[code]) for code in sorted(table)]
    return QualityDashboard(infos, trend, funds, fund_code)
