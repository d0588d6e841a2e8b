"""The ingestion gate: a fund batch (or a legacy extract) checked, landed, quarantined, reconciled.

One service serves ``statut ingest``, ``statut migrate`` and ``POST /api/v1/funds/{code}/batches``.
Everything happens in the caller's unit of work, which the entry point commits: the accepted records,
the quarantine entries, the batch row and its report land together or not at all. The batch refuses to
finish (raises, so the unit of work rolls back) when what landed, read back from the store, does not
reconcile with the file: per record type, the file's accepted count, the fund records written and
those read back must agree in count and hash total (of the stored JSON text, compared as text), and
the quarantine entries read back must give the file's quarantined count and hash total of raw lines.

**Held records.** A record whose only blocking reasons say that a related record is missing (its
person is known neither to the batch nor to the register; the sending fund has no affiliation of the
person, or none covering the record's period: XRS-001, XRS-002, XCO-001) may be wrong, or may simply
have arrived before its parent. It is *held*, not refused: a quarantine entry with status ``held``,
the awaited record type and national number, and the record's fields as read. When a later batch
lands a person or an affiliation, the held records awaiting that national number are checked again by
the same catalogue, as one batch, against the register as it now is: those that pass land (in the
change of the batch that released them, under the record's own batch), those that still wait stay
held, those found wrong are turned into open quarantine entries with the reasons of that second look.
The order in which a fund sends a child and its parent therefore does not change the register. The
report counts held records apart (received = accepted + quarantined + held + already held); on the
reconciliation's side they are quarantine entries like the others (their raw lines are in the table).
"""

from __future__ import annotations

import dataclasses
import hashlib
import operator
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any

import polars as pl

from statut.domain.errors import NotFound, StatutError
from statut.exchange.batch_reader import BatchFormat, RawBatch, empty_problems, read_batch
from statut.exchange.format import CSV_COLUMNS, RecordType
from statut.quality.catalogue import Severity
from statut.quality.report import FundReport, ReportLine, build_report, report_language
from statut.quality.validation import Outcome, ValidationResult, register_needs_of, validate_batch
from statut.services.database import open_engine, prepare_database
from statut.services.findings import record_gate_findings
from statut.services.landing import land, unlinked_records
from statut.store.batches import BatchRow, encode_content
from statut.store.changes import Change
from statut.store.ingestion_tables import fund_record
from statut.store.unit_of_work import UnitOfWork

UNLINKED_RULE = "XRS-002"
UNLINKED_DETAIL = "no person with this national number in this batch or the register"
#: Blocking rules that say a related record is missing, not that the record is wrong.
AWAITING_RULES = ("XRS-001", "XRS-002", "XCO-001")
HELD = "held"
#: A released record can release others in turn (a person, then the records about them): rounds at most.
RELEASE_ROUNDS = 4


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
    holds: pl.DataFrame | None = None
    released_held: int = 0
    #: Wall seconds per step: read, validate, land (register rows, fund records, quarantine),
    #: reconcile, release (held records of earlier batches).
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        keys = ("received", "accepted", "quarantined", HELD, "already_held")
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
    clock = _Stopwatch()
    raw = read_batch(source, declared_format)
    clock.lap("read")
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
    validation = _validated(uow, raw, fund_code, today)
    holds = _holds(validation, raw)
    counts = _counts_with_holds(validation, holds)
    clock.lap("validate")
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="batch-report") as pool:
        # The fund records' contents, the report and the file-side reconciliation need nothing from
        # the store: they are made on the second core while this thread writes the register (the
        # database driver and polars release the GIL); the report is stored in the batch row before
        # the batch is reconciled.
        encoding = pool.submit(encoded_contents, validation)
        reporting = pool.submit(_report_and_totals, validation, lang, holds, counts)
        change = uow.record_change(actor=actor, reason=f"{source_kind} batch {batch_id}", source=name)
        totals = {
            k: sum(c[k] for c in counts.values()) for k in ("received", "accepted", "quarantined", "already_held")
        }
        uow.batches.add(
            BatchRow(
                batch_id=batch_id,
                fund_code=fund_code,
                file_name=name[:400],
                content_sha256=raw.sha256,
                format=validation.format or "csv",
                source_kind=source_kind,
                reconciliation={},
                report={},
                status="landed",
                received_at=change.recorded_at,
                change_id=change.change_id,
                held=sum(c[HELD] for c in counts.values()),
                **totals,
            )
        )
        parents, written = _land_accepted(
            uow, validation, fund_code, batch_id, change=change, today=today, contents=encoding
        )
        uow.quarantine.add(batch_id, fund_code, _with_holds(validation.quarantined, holds), uow.bulk)
        # Earlier entries of a record this batch settles are released: it landed, was already held, or
        # is held again under this batch's entry.
        settled = validation.outcomes.filter(
            (pl.col("outcome") != Outcome.QUARANTINED.value) | pl.col("line").is_in(holds.get_column("line").implode())
        ).get_column("record_id")
        released = uow.quarantine.release(fund_code, settled.drop_nulls().unique(), batch_id)
        report_dict, reconciliation = reporting.result()
    uow.batches.complete(batch_id, reconciliation=reconciliation, report=report_dict)
    clock.lap("land")
    mismatches = validation.reconciliation.compare_stored(
        written, uow.fund_records.stored_contents(batch_id), uow.quarantine.raw_by_type(batch_id)
    )
    if mismatches:
        raise ReconciliationFailed(mismatches)
    clock.lap("reconcile")
    released_held = release_held(uow, parents, batch_id, change, today)
    clock.lap("release")
    record_gate_findings(uow, validation, batch_id=batch_id, change=change)  # issue 4: findings workflow
    uow.ledger.record(
        change,
        action="batch.ingested",
        entity_type="batch",
        entity_key=batch_id,
        payload={
            "fund": fund_code,
            "sha256": raw.sha256,
            "counts": counts,
            "released": released,
            "released_held": released_held,
        },
    )
    return IngestResult(
        batch_id=batch_id,
        fund_code=fund_code,
        already_received=False,
        counts=counts,
        reconciliation=reconciliation,
        report=report_dict,
        released=released,
        change_id=change.change_id,
        validation=validation,
        holds=holds,
        released_held=released_held,
        seconds=clock.laps,
    )


class _Stopwatch:
    """Wall seconds of the steps of a batch, for the figures of the demo and the benchmarks."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = self.laps.get(step, 0.0) + now - self._last
        self._last = now


def release_held(uow: UnitOfWork, landed: pl.DataFrame, batch_id: str, change: Change, today: date) -> int:
    """Check again the held records that what just landed may release (see the module docstring and
    QuarantineRepository.held_for for ``landed``), in ``change``, released by ``batch_id``; returns
    how many held entries were released (landed)."""
    released = 0
    seen: set[int] = set()
    for _ in range(RELEASE_ROUNDS):
        held = uow.quarantine.held_for(landed, not_of_batch=batch_id).filter(~pl.col("entry_id").is_in(list(seen)))
        if held.height == 0:
            break
        seen.update(held.get_column("entry_id").to_list())
        parents = []
        for (fund_code,), entries in held.sort("entry_id").group_by("fund_code", maintain_order=True):
            count, found = _recheck(uow, entries, str(fund_code), batch_id, change=change, today=today)
            released += count
            parents.append(found)
        landed = pl.concat(parents)
        if landed.height == 0:
            break
    return released


def _recheck(
    uow: UnitOfWork, entries: pl.DataFrame, fund_code: str, batch_id: str, *, change: Change, today: date
) -> tuple[int, pl.DataFrame]:
    """One fund's held entries through the gate again; returns (entries released, parents landed)."""
    raw = _held_as_batch(entries)
    validation = _validated(uow, raw, fund_code, today)
    holds = _holds(validation, raw)
    by_line = entries.with_row_index("line", offset=1).with_columns(pl.col("line").cast(pl.Int64))
    accepted_lines = validation.outcomes.filter(pl.col("outcome") == Outcome.ACCEPTED.value).get_column("line")
    origin = by_line.filter(pl.col("line").is_in(accepted_lines.implode())).select("record_id", "batch_id")
    parents, _ = _land_accepted(uow, validation, fund_code, origin, change=change, today=today)
    settled_lines = validation.outcomes.filter(pl.col("outcome") != Outcome.QUARANTINED.value).get_column("line")
    settled = by_line.filter(pl.col("line").is_in(settled_lines.implode())).get_column("entry_id")
    released = uow.quarantine.release_entries(settled.to_list(), batch_id)
    wrong = validation.quarantined.join(holds.select("line"), on="line", how="anti")
    uow.quarantine.reopen(wrong.join(by_line.select("line", "entry_id"), on="line").select("entry_id", "reasons"))
    return released, parents


def _held_as_batch(entries: pl.DataFrame) -> RawBatch:
    """Held entries as a batch read from a file: their fields as read, numbered 1..n in entry order."""
    fields = entries.get_column("fields").str.json_decode(pl.Struct({name: pl.String() for name in CSV_COLUMNS}))
    records = pl.concat(
        [
            pl.DataFrame({"line": pl.int_range(1, entries.height + 1, eager=True).cast(pl.Int64)}),
            entries.select("raw"),
            fields.struct.unnest(),
        ],
        how="horizontal",
    )
    digest = hashlib.sha256(",".join(map(str, entries.get_column("entry_id").to_list())).encode()).hexdigest()
    return RawBatch(
        records=records,
        record_problems=empty_problems(),
        file_problems=(),
        format=BatchFormat.CSV,
        size_bytes=0,
        sha256=digest,
        source_name="held records",
        header=tuple(CSV_COLUMNS),
    )


def encoded_contents(validation: ValidationResult) -> dict[RecordType, pl.Series]:
    """The accepted records' typed values as stored in ``fund_record.content``, per record type."""
    return {record_type: encode_content(record_type, frame) for record_type, frame in validation.accepted.items()}


def _report_and_totals(
    validation: ValidationResult, language: str, holds: pl.DataFrame, counts: dict[str, dict[str, int]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fund's report (held lines marked) and the file-side reconciliation, as stored."""
    return _report_with_holds(build_report(validation, language), holds, counts), validation.reconciliation.as_dict()


def _validated(uow: UnitOfWork, raw: RawBatch, fund_code: str, today: date) -> ValidationResult:
    """The catalogue's verdict, plus: accepted records whose person the register cannot link wait."""
    validation = _validate(uow, raw, fund_code, today)
    for record_type, record_ids in unlinked_records(uow, validation.accepted).items():
        validation = _demote(validation, raw, record_type, record_ids, rule_id=UNLINKED_RULE, detail=UNLINKED_DETAIL)
    return validation


def _land_accepted(
    uow: UnitOfWork,
    validation: ValidationResult,
    fund_code: str,
    batch_of: str | pl.DataFrame,
    *,
    change: Change,
    today: date,
    contents: Future[dict[RecordType, pl.Series]] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Land the accepted records and note them in ``fund_record`` (``batch_of``: the batch id, or a
    frame record_id -> batch_id). ``contents``: the accepted records' encoded contents
    (:func:`encoded_contents`), when prepared in another thread while the register rows are written.

    Returns what held records may await among what landed: people (of any fund) and this fund's
    affiliations (awaiting_type, fund_code, awaiting_number); and the fund records written
    (record_type, record_id, batch_id, content), from which the reconciliation computes the totals
    the store must give back.

    The fund records of every type go in one bulk insert, inside :meth:`BulkWriter.deferring`: a
    batch that at least doubles ``fund_record`` (a first or a large batch) builds its indexes (and,
    on PostgreSQL, checks its foreign keys) once, set-based, instead of row by row; the rebuild runs
    in the same transaction, so a duplicate current record_id still refuses the batch."""
    previous = {
        rt: uow.fund_records.current_rows(fund_code, rt, validation.corrected_record_ids(rt).to_list())
        for rt in RecordType
    }
    landed = land(uow, validation.accepted, change, today, previous=previous, digests=False)
    encoded = contents.result() if contents is not None else encoded_contents(validation)
    uow.fund_records.supersede(
        [key for frame in previous.values() for key in frame.get_column("record_key").to_list()], change
    )
    parts = []
    for record_type, frame in validation.accepted.items():
        rows = frame.join(landed.rows[record_type], on="record_id", how="left")
        if isinstance(batch_of, pl.DataFrame):
            rows = rows.join(batch_of, on="record_id", how="left")
            batch = pl.col("batch_id")
        else:
            batch = pl.lit(batch_of).alias("batch_id")
        parts.append(
            rows.select(
                "record_id",
                pl.lit(record_type.value).alias("record_type"),
                "national_number",
                batch,
                pl.col("row_id").cast(pl.Int64),
                encoded[record_type].alias("content"),
            )
        )
    written = pl.concat(parts) if parts else pl.DataFrame()
    if written.height:
        with uow.bulk.deferring({fund_record: written.height}):
            # Values shared by every row are constants of the statement, not bound per row.
            shared: dict[str, Any] = {
                "fund_code": fund_code,
                "recorded_at": change.recorded_at,
                "change_id": change.change_id,
            }
            if isinstance(batch_of, str):
                shared["batch_id"] = batch_of
            uow.bulk.insert(
                fund_record,
                written.drop("batch_id") if isinstance(batch_of, str) else written,
                constants=shared,
                digest=False,
            )
    parents = pl.concat(
        [
            validation.accepted[RecordType.PERSON].select(
                pl.lit(RecordType.PERSON.value).alias("awaiting_type"),
                pl.lit(None, dtype=pl.String).alias("fund_code"),
                pl.col("national_number").alias("awaiting_number"),
            ),
            validation.accepted[RecordType.AFFILIATION].select(
                pl.lit(RecordType.AFFILIATION.value).alias("awaiting_type"),
                pl.lit(fund_code).alias("fund_code"),
                pl.col("national_number").alias("awaiting_number"),
            ),
        ]
    )
    return parents, written.select("record_type", "record_id", "batch_id", "content") if written.height else written


def _holds(validation: ValidationResult, raw: RawBatch) -> pl.DataFrame:
    """Quarantined records whose every blocking reason says a related record is missing: line, the
    awaited type and national number, and the record's fields as read (JSON)."""
    blocking = validation.reasons.filter(
        (pl.col("outcome") == Outcome.QUARANTINED.value) & (pl.col("severity") == Severity.BLOCKING.value)
    )
    waiting = (
        blocking.group_by("line")
        .agg(
            only_missing=pl.col("rule_id").is_in(list(AWAITING_RULES)).all(),
            person=(pl.col("detail") == UNLINKED_DETAIL).any(),
        )
        .filter(pl.col("only_missing"))
    )
    identity = validation.quarantined.select("line", "national_number").filter(pl.col("national_number").is_not_null())
    held = waiting.join(identity, on="line")
    # Only the held records' fields are encoded (a few percent of a batch), not every record's.
    fields = raw.records.join(held.select("line"), on="line", how="semi").select(
        "line", pl.struct(CSV_COLUMNS).struct.json_encode().alias("fields")
    )
    return (
        held.join(fields, on="line", how="left")
        .select(
            "line",
            pl.when(pl.col("person"))
            .then(pl.lit(RecordType.PERSON.value))
            .otherwise(pl.lit(RecordType.AFFILIATION.value))
            .alias("awaiting_type"),
            pl.col("national_number").alias("awaiting_number"),
            "fields",
        )
        .sort("line")
    )


def _with_holds(quarantined: pl.DataFrame, holds: pl.DataFrame) -> pl.DataFrame:
    return quarantined.join(holds, on="line", how="left", maintain_order="left")


def _counts_with_holds(validation: ValidationResult, holds: pl.DataFrame) -> dict[str, dict[str, int]]:
    """The validation's counts per record type, held records counted apart from the quarantined."""
    held = validation.outcomes.join(holds.select("line"), on="line", how="semi").group_by("record_type").len()
    per_type = dict(held.iter_rows())
    counts: dict[str, dict[str, int]] = {}
    for name, count in validation.counts().items():
        n = int(per_type.get(name, 0))
        counts[name] = {**count, "quarantined": count["quarantined"] - n, HELD: n}
    return counts


def _report_with_holds(report: FundReport, holds: pl.DataFrame, counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """The fund's report as a dict, its held lines marked ``held`` and counted apart.

    Field by field rather than dataclasses.asdict, whose deep copy of every line cost more than the
    rest of the report on a large batch."""
    data = {field.name: getattr(report, field.name) for field in dataclasses.fields(report)}
    held_lines = set(holds.get_column("line").to_list())
    names = [field.name for field in dataclasses.fields(ReportLine)]
    others = operator.attrgetter(*names[1:])
    quarantined = Outcome.QUARANTINED.value
    lines = [
        dict(
            zip(
                names,
                (HELD if line.outcome == quarantined and line.line in held_lines else line.outcome, *others(line)),
                strict=True,
            )
        )
        for line in report.lines
    ]
    data["lines"] = lines
    data["counts"] = counts
    return data


def batch_report(uow: UnitOfWork, batch_id: str) -> dict[str, Any]:
    """The stored report of a batch (statut.quality.report.FundReport as a dict)."""
    row = uow.batches.get(batch_id)
    if row is None:
        raise NotFound(f"no batch {batch_id!r}", code="statut.not_found.batch")
    return row.report


def _validate(uow: UnitOfWork, raw: RawBatch, fund_code: str, today: date) -> ValidationResult:
    frames = None
    if not uow.fund_records.is_empty():  # a first load has nothing to compare with: no needs to compute
        needs = register_needs_of(raw)
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
