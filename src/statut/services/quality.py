"""Use cases of the data-quality engine: scan the register into a dated snapshot, report the trend,
link duplicate persons in a file.

The scan reads the register, runs the catalogue (statut.quality.scan), and stores the scores as one
change with one ledger entry: a snapshot is a fact about the register at a moment, kept for the trend.
In the same change it opens a finding per new defect and closes those no longer seen
(statut.services.findings). Like every service it only flushes; the entry point commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from statut.quality.authentic_sources import AuthenticSources, with_source_checks
from statut.quality.catalogue import Catalogue
from statut.quality.findings import DuePolicy, empty_defects, scan_defects
from statut.quality.linkage import LinkageOptions, link, read_persons_csv
from statut.quality.scan import scan
from statut.quality.scores import by_dimension, scores, sum_scores
from statut.services.findings import FindingSync, record_scan_findings
from statut.store.quality_snapshots import QualitySnapshotRepository, SnapshotRow, person_id_bounds
from statut.store.scan_reads import RegisterReader
from statut.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ScanSummary:
    snapshot: SnapshotRow
    scores: pl.DataFrame
    findings: FindingSync | None = None


#: Persons per range of a chunked scan: about 75 register rows each, so a range is a few million rows.
SCAN_CHUNK_PERSONS = 100_000


def scan_register(
    uow: UnitOfWork,
    *,
    today: date,
    actor: str,
    reason: str = "quality scan",
    rules: Catalogue | None = None,
    due_policy: DuePolicy | None = None,
    chunk_persons: int = SCAN_CHUNK_PERSONS,
    findings: bool = True,
    sources: AuthenticSources | None = None,
) -> ScanSummary:
    """Scan the register's current records and store the scores as a new snapshot; open a finding
    for every new defect and close (corrected) those no longer seen.

    The register is read and scanned by ranges of ``chunk_persons`` persons (every scan rule looks at
    one person's records together, so the result is the same as in one piece; see
    store.quality_snapshots.read_register_frames), the next range read while this one is scanned
    (store.scan_reads); scores are counts, so the ranges' scores add up.
    With ``sources`` (extracts of the National Register and KBO/BCE), the accuracy dimension also
    counts the records that disagree with them (statut.quality.authentic_sources).
    """
    low, high = person_id_bounds(uow.connection)
    ranges = [(start, start + chunk_persons) for start in range(low, high + 1, chunk_persons)] or [(low, low + 1)]
    score_parts: list[pl.DataFrame] = []
    defect_parts: list[pl.DataFrame] = []
    records = 0
    with RegisterReader(uow.connection) as reader:
        for _persons, frames in reader.ranges(ranges):
            result = scan(frames, today, rules=rules)
            if sources is not None:
                result = with_source_checks(result, frames, sources)
            records += result.records.height
            score_parts.append(scores(result))
            if findings:
                defect_parts.append(scan_defects(result))
    table = sum_scores(score_parts)
    change = uow.changes.record(actor=actor, reason=reason, source="statut quality scan")
    snapshot = QualitySnapshotRepository(uow.connection).add(change, today, records, table)
    uow.ledger.record(
        change,
        action="quality.scanned",
        entity_type="quality_snapshot",
        entity_key=snapshot.snapshot_id,
        payload={"as_of": today.isoformat(), "records": snapshot.records, "score_rows": table.height},
    )
    sync = None
    if findings:
        defects = pl.concat(defect_parts) if defect_parts else empty_defects()
        sync = record_scan_findings(
            uow, defects, snapshot_id=snapshot.snapshot_id, change=change, today=today, policy=due_policy
        )
    return ScanSummary(snapshot, table, sync)


@dataclass(frozen=True)
class QualityReport:
    """The latest snapshot's scores per dimension, and the previous snapshot's when there is one."""

    latest: SnapshotRow | None
    previous: SnapshotRow | None
    dimensions: pl.DataFrame
    """dimension, checked, failed, passing, previous_passing, change (null without a previous)."""
    scores: pl.DataFrame
    """The latest snapshot's score rows."""

    def as_json(self) -> dict[str, object]:
        def about(row: SnapshotRow | None) -> dict[str, object] | None:
            if row is None:
                return None
            return {
                "snapshot_id": row.snapshot_id,
                "taken_at": row.taken_at.isoformat(),
                "as_of": row.as_of.isoformat(),
                "records": row.records,
            }

        return {
            "latest": about(self.latest),
            "previous": about(self.previous),
            "dimensions": self.dimensions.to_dicts(),
            "scores": self.scores.to_dicts(),
        }


def quality_report(uow: UnitOfWork) -> QualityReport:
    repository = QualitySnapshotRepository(uow.connection)
    newest = repository.latest(2)
    latest = newest[0] if newest else None
    previous = newest[1] if len(newest) > 1 else None
    empty = pl.DataFrame(
        schema={"dimension": pl.String, "checked": pl.Int64, "failed": pl.Int64, "passing": pl.Float64}
    )
    current_scores = repository.scores(latest.snapshot_id) if latest else pl.DataFrame()
    dimensions = by_dimension(current_scores) if latest else empty
    if previous is not None:
        before = by_dimension(repository.scores(previous.snapshot_id)).select(
            "dimension", pl.col("passing").alias("previous_passing")
        )
        dimensions = dimensions.join(before, on="dimension", how="left")
    else:
        dimensions = dimensions.with_columns(pl.lit(None, dtype=pl.Float64).alias("previous_passing"))
    dimensions = dimensions.with_columns((pl.col("passing") - pl.col("previous_passing")).alias("change"))
    return QualityReport(latest, previous, dimensions, current_scores)


def link_file(source: Path, target: Path, options: LinkageOptions) -> int:
    """Link the persons of a CSV file and write the pairs above the threshold; returns their number."""
    result = link(read_persons_csv(str(source)), options)
    result.pairs.write_csv(target)
    return result.pairs.height
