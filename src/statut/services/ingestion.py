"""The ingestion gate: a fund batch (or a legacy extract) checked, landed, quarantined, reconciled.

One service serves ``statut ingest``, ``statut migrate`` and ``POST /api/v1/funds/{code}/batches``.
Everything happens in the caller's unit of work, which the entry point commits: the accepted records,
the quarantine entries, the batch row and its report land together or not at all. The batch refuses to
finish (raises, so the unit of work rolls back) when what landed, read back from the store, does not
reconcile with the file (counts and hash totals per record type).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any

import polars as pl

from statut.domain.errors import NotFound, StatutError
from statut.exchange.batch_reader import BatchFormat, RawBatch, read_batch
from statut.exchange.format import RecordType
from statut.quality.catalogue import Severity
from statut.quality.report import FundReport, build_report, report_language
from statut.quality.validation import Outcome, ValidationResult, register_needs_of, validate_batch
from statut.services.database import open_engine, prepare_database
from statut.services.landing import land, unlinked_records
from statut.store.batches import BatchRow, encode_content
from statut.store.ingestion_tables import fund_record
from statut.store.unit_of_work import UnitOfWork

UNLINKED_RULE = "XRS-002"
UNLINKED_DETAIL = "no person with this national number in this batch or the register"


class BatchRejected(StatutError):
    """The whole file was refused (file-level problems): nothing of it reached the register."""

    def __init__(self, message: str, report: FundReport) -> None:
        super().__init__(message, code="statut.ingestion.rejected")
        self.report = report


class ReconciliationFailed(StatutError):
    """What landed differs from the file: the batch is refused and the unit of work rolls back."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("the batch does not reconcile: " + "; ".join(problems), code="statut.ingestion.reconciliation")
        self.problems = problems


@dataclass(frozen=True)
class IngestResult:
    batch_id: str
    fund_code: str
    already_received: bool
    counts: dict[str, dict[str, int]]
    reconciliation: dict[str, Any]
    report: dict[str, Any]
    released: int = 0
    change_id: int | None = None
    validation: ValidationResult | None = None

    @property
    def totals(self) -> dict[str, int]:
        keys = ("received", "accepted", "quarantined", "already_held")
        return {k: sum(c.get(k, 0) for c in self.counts.values()) for k in keys}


def ingest_batch(
    uow: UnitOfWork,
    source: bytes | str | PathLike[str],
    *,
    fund_code: str,
    file_name: str = "",
    declared_format: BatchFormat | str = BatchFormat.AUTO,
    actor: str,
    today: date,
    batch_id: str | None = None,
    source_kind: str = "fund",
    language: str | None = None,
) -> IngestResult:
    """Check one batch and land it in ``uow`` (not committed). See the module docstring."""
    fund = uow.funds.get(fund_code)
    if fund is None:
        raise NotFound(f"fund {fund_code!r} is not in the register", code="statut.not_found.fund")
    lang = language or report_language(fund)
    raw = read_batch(source, declared_format)
    name = file_name or (Path(source).name if isinstance(source, str | PathLike) else "upload")
    batch_id = batch_id or f"{fund_code}-{raw.sha256[:20]}"
    earlier = uow.batches.get(batch_id) or uow.batches.find_by_content(fund_code, raw.sha256)
    if earlier is not None:
        return IngestResult(
            batch_id=earlier.batch_id,
            fund_code=fund_code,
            already_received=True,
            counts=earlier.report.get("counts", {}),
            reconciliation=earlier.reconciliation,
            report=earlier.report,
            change_id=earlier.change_id,
        )
    if raw.rejected:
        rejected = validate_batch(raw, fund_code, None, today)
        problems = ", ".join(str(p) for p in raw.file_problems)
        raise BatchRejected(
            f"{name}: file refused ({problems}); the register is unchanged", build_report(rejected, lang)
        )
    validation = _validate(uow, raw, fund_code, today)
    unlinked = unlinked_records(uow, validation.accepted)
    for record_type, record_ids in unlinked.items():
        validation = _demote(validation, raw, record_type, record_ids, rule_id=UNLINKED_RULE, detail=UNLINKED_DETAIL)
    report = build_report(validation, lang)
    report_dict = dataclasses.asdict(report)
    change = uow.record_change(actor=actor, reason=f"{source_kind} batch {batch_id}", source=name)
    totals = {
        k: sum(c[k] for c in validation.counts().values())
        for k in ("received", "accepted", "quarantined", "already_held")
    }
    uow.batches.add(
        BatchRow(
            batch_id=batch_id,
            fund_code=fund_code,
            file_name=name[:400],
            content_sha256=raw.sha256,
            format=validation.format or "csv",
            source_kind=source_kind,
            reconciliation=validation.reconciliation.as_dict(),
            report=report_dict,
            status="landed",
            received_at=change.recorded_at,
            change_id=change.change_id,
            **totals,
        )
    )
    previous = {
        rt: uow.fund_records.current_rows(fund_code, rt, validation.corrected_record_ids(rt).to_list())
        for rt in RecordType
    }
    landed = land(uow, validation.accepted, previous, change, today)
    uow.fund_records.supersede(
        [key for frame in previous.values() for key in frame.get_column("record_key").to_list()], change
    )
    for record_type, frame in validation.accepted.items():
        rows = frame.join(landed.rows[record_type], on="record_id", how="left").select(
            pl.lit(fund_code).alias("fund_code"),
            "record_id",
            pl.lit(record_type.value).alias("record_type"),
            "national_number",
            pl.lit(batch_id).alias("batch_id"),
            "row_id",
            encode_content(record_type, frame).alias("content"),
        )
        uow.bulk.insert(fund_record, rows, constants={"recorded_at": change.recorded_at, "change_id": change.change_id})
    uow.quarantine.add(batch_id, fund_code, validation.quarantined, uow.bulk)
    settled = validation.outcomes.filter(pl.col("outcome") != Outcome.QUARANTINED.value).get_column("record_id")
    released = uow.quarantine.release(fund_code, settled.drop_nulls().unique().to_list(), batch_id)
    mismatches = validation.reconciliation.compare(
        uow.fund_records.landed(batch_id), uow.quarantine.raw_by_type(batch_id)
    )
    if mismatches:
        raise ReconciliationFailed(mismatches)
    uow.ledger.record(
        change,
        action="batch.ingested",
        entity_type="batch",
        entity_key=batch_id,
        payload={"fund": fund_code, "sha256": raw.sha256, "counts": validation.counts(), "released": released},
    )
    return IngestResult(
        batch_id=batch_id,
        fund_code=fund_code,
        already_received=False,
        counts=validation.counts(),
        reconciliation=validation.reconciliation.as_dict(),
        report=report_dict,
        released=released,
        change_id=change.change_id,
        validation=validation,
    )


def batch_report(uow: UnitOfWork, batch_id: str) -> dict[str, Any]:
    """The stored report of a batch (statut.quality.report.FundReport as a dict)."""
    row = uow.batches.get(batch_id)
    if row is None:
        raise NotFound(f"no batch {batch_id!r}", code="statut.not_found.batch")
    return row.report


def _validate(uow: UnitOfWork, raw: RawBatch, fund_code: str, today: date) -> ValidationResult:
    needs = register_needs_of(raw)
    frames = None
    if not uow.fund_records.is_empty():
        frames = uow.fund_records.register_frames(
            fund_code, needs.record_ids.to_list(), needs.national_numbers.to_list()
        )
    return validate_batch(raw, fund_code, frames, today)


def _demote(
    result: ValidationResult,
    raw: RawBatch,
    record_type: RecordType,
    record_ids: pl.Series,
    *,
    rule_id: str,
    detail: str,
) -> ValidationResult:
    """Move accepted records to quarantine with one more reason (the store cannot take them)."""
    chosen = (
        (pl.col("record_type") == record_type.value)
        & pl.col("record_id").is_in(record_ids.implode())
        & (pl.col("outcome") == Outcome.ACCEPTED.value)
    )
    moved = result.outcomes.filter(chosen)
    lines = moved.get_column("line").implode()
    outcomes = result.outcomes.with_columns(
        pl.when(chosen).then(pl.lit(Outcome.QUARANTINED.value)).otherwise(pl.col("outcome")).alias("outcome")
    )
    extra = moved.select(
        "line",
        "record_type",
        "record_id",
        pl.lit(rule_id).alias("rule_id"),
        pl.lit(Severity.BLOCKING.value).alias("severity"),
        pl.lit("national_number").alias("field"),
        pl.col("national_number").alias("value"),
        pl.lit(detail).alias("detail"),
        pl.lit(Outcome.QUARANTINED.value).alias("outcome"),
    )
    reasons = pl.concat(
        [
            result.reasons.with_columns(
                pl.when(pl.col("line").is_in(lines))
                .then(pl.lit(Outcome.QUARANTINED.value))
                .otherwise(pl.col("outcome"))
                .alias("outcome")
            ),
            extra.cast(result.reasons.schema),
        ]
    ).sort(["line", "rule_id", "field"], nulls_last=True)
    per_line = (
        reasons.filter(pl.col("line").is_in(lines))
        .group_by("line", maintain_order=True)
        .agg(pl.struct("rule_id", "severity", "field", "value", "detail").alias("reasons"))
    )
    new_rows = (
        moved.drop("outcome", "correction")
        .join(raw.records.select("line", "raw"), on="line", how="left")
        .join(per_line, on="line", how="left")
        .select(result.quarantined.columns)
        .cast(result.quarantined.schema)
    )
    accepted = dict(result.accepted)
    accepted[record_type] = accepted[record_type].filter(~pl.col("record_id").is_in(record_ids.implode()))
    return dataclasses.replace(
        result,
        outcomes=outcomes,
        reasons=reasons,
        accepted=accepted,
        quarantined=pl.concat([result.quarantined, new_rows]).sort("line"),
    )


def ingest_paths(
    database: str | None,
    paths: list[Path],
    *,
    fund_code: str,
    actor: str,
    today: date,
    declared_format: BatchFormat | str = BatchFormat.AUTO,
    source_kind: str = "fund",
    language: str | None = None,
) -> list[IngestResult]:
    """Ingest files one batch (one unit of work, one commit) each; a directory means its files, sorted.

    Used by ``statut ingest`` and ``statut migrate``. A failing batch raises after the earlier ones were
    committed: each batch is atomic on its own, and re-running skips what already landed.
    """
    files = [f for p in paths for f in (sorted(x for x in p.iterdir() if x.is_file()) if p.is_dir() else [p])]
    results = []
    with open_engine(database) as engine:
        prepare_database(engine)
        for path in files:
            with UnitOfWork(engine) as uow:
                results.append(
                    ingest_batch(
                        uow,
                        path,
                        fund_code=fund_code,
                        file_name=path.name,
                        declared_format=declared_format,
                        actor=actor,
                        today=today,
                        source_kind=source_kind,
                        language=language,
                    )
                )
                uow.commit()
    return results
