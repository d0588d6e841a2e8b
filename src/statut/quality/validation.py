"""Validating a fund batch: every record accepted, quarantined (with every reason) or already held.

``validate_batch`` is pure: it takes what the reader read, the fund, the register's current state as
typed frames and the day, and returns a :class:`ValidationResult`; the gate service (which opens the
unit of work, queries the store for ``register_needs`` and loads the result) is built on it. All rules
come from the catalogue (statut.quality.catalogue) and run column-wise:

1. the reader's record problems (REC-*);
2. row rules, over every record that could be read into fields;
3. batch rules (duplicates within the batch);
4. cross-record rules, over the records that passed 1-3, against the batch and the register.

A record with a blocking reason is quarantined, with every reason that applies (the cross rules only see
records that passed the row and batch rules, so a quarantined record may have more to fix once these are
fixed). Otherwise a record the register already holds unchanged (XHL-001) is "already held" and
nothing else is said about it; any other record is accepted, a correction when XHL-002 applies, with
its warnings (each opens a finding).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cached_property

import polars as pl

from statut.exchange.batch_reader import STRUCTURAL_PROBLEM_IDS, FileProblem, RawBatch
from statut.exchange.format import RecordType
from statut.exchange.frames import FRAME_SCHEMAS, conform, empty_frame
from statut.quality.batch_rules import BatchInputs
from statut.quality.catalogue import Catalogue, Rule, Severity, Stage, catalogue
from statut.quality.cross_rules import CrossInputs, RegisterFrames, RegisterNeeds, register_needs
from statut.quality.identifiers import PYTHON_WHITESPACE, compact_person_number
from statut.quality.reconciliation import UNKNOWN_TYPE, Reconciliation, TypeTotals, raw_totals, totals_of
from statut.quality.registry import CheckContext
from statut.quality.working import text_column, working_frame

ALREADY_HELD_RULE = "XHL-001"
CORRECTION_RULE = "XHL-002"

_FINDING_SCHEMA: dict[str, pl.DataType] = {
    "_row": pl.UInt32(),
    "rule_id": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "detail": pl.String(),
}
REASON_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "record_type": pl.String(),
    "record_id": pl.String(),
    "rule_id": pl.String(),
    "severity": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "detail": pl.String(),
    "outcome": pl.String(),
}
OUTCOME_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "record_type": pl.String(),
    "record_id": pl.String(),
    "national_number": pl.String(),
    "outcome": pl.String(),
    "correction": pl.Boolean(),
}
QUARANTINE_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "record_type": pl.String(),
    "record_id": pl.String(),
    "national_number": pl.String(),
    "raw": pl.String(),
    "reasons": pl.List(
        pl.Struct(
            {
                "rule_id": pl.String(),
                "severity": pl.String(),
                "field": pl.String(),
                "value": pl.String(),
                "detail": pl.String(),
            }
        )
    ),
}


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    QUARANTINED = "quarantined"
    ALREADY_HELD = "already_held"


@dataclass(frozen=True)
class ValidationResult:
    """What the gate does with each record of a batch, and why.

    - ``outcomes``: one row per record read (line, record_type, record_id, national_number, outcome,
      correction); ``record_type`` is ``unknown`` when missing or not a type of the format;
    - ``reasons``: every finding (rule_id, severity, field, value as sent, detail) with the outcome of
      its record; the report and the findings are made from it;
    - ``accepted``: typed frames per record type (statut.exchange.frames), what the store loads;
    - ``quarantined``: the quarantined records with their raw text and their reasons;
    - ``reconciliation``: the file-side counts and hash totals, computed when first asked for (the
      gate asks once the batch has landed, to compare).
    """

    fund_code: str
    today: date
    batch_sha256: str
    file_problems: tuple[FileProblem, ...]
    outcomes: pl.DataFrame
    reasons: pl.DataFrame
    accepted: dict[RecordType, pl.DataFrame]
    quarantined: pl.DataFrame
    source_name: str = ""
    format: str = ""

    @property
    def rejected(self) -> bool:
        """The whole file was refused (file-level problems); nothing of it may reach the register."""
        return bool(self.file_problems)

    @property
    def warnings(self) -> pl.DataFrame:
        """Warnings on accepted records: each becomes a data-quality finding for the fund."""
        return self.reasons.filter(
            (pl.col("severity") == Severity.WARNING.value) & (pl.col("outcome") == Outcome.ACCEPTED.value)
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """Per record type: received, accepted, quarantined, already_held (received is their sum);
        every type of the format, and ``unknown`` when some records had no valid type."""
        return _counts(self.outcomes)

    @cached_property
    def reconciliation(self) -> Reconciliation:
        return _reconciliation(self.batch_sha256, self.counts(), self.accepted, self.quarantined)

    def corrected_record_ids(self, record_type: RecordType) -> pl.Series:
        """record_ids of accepted records that replace a version already held (new versions)."""
        return self.outcomes.filter(
            (pl.col("record_type") == record_type.value)
            & (pl.col("outcome") == Outcome.ACCEPTED.value)
            & pl.col("correction")
        ).get_column("record_id")


def register_needs_of(raw_batch: RawBatch) -> RegisterNeeds:
    """What the gate must fetch from the store before validating this batch (see RegisterNeeds):
    computed on the two key columns only, without building the whole working frame."""
    keys = raw_batch.records.select(
        compact_person_number(pl.col("national_number").str.strip_chars(PYTHON_WHITESPACE)).alias("national_number"),
        pl.col("record_id").str.strip_chars(PYTHON_WHITESPACE).alias("record_id"),
    )
    return register_needs(keys.with_columns(pl.col(c).replace("", None) for c in keys.columns))


def validate_batch(
    raw_batch: RawBatch,
    fund_code: str,
    register_frames: RegisterFrames | None,
    today: date,
    *,
    rules: Catalogue | None = None,
) -> ValidationResult:
    """Run the catalogue over a batch read by statut.exchange.batch_reader.read_batch.

    ``register_frames``: the register's current state as typed frames per record type, at least the
    rows named by :func:`register_needs_of` (any superset works); None or {} for an empty register.
    ``today`` is the day of the check (dates in the future are judged against it).
    """
    cat = rules or catalogue()
    ctx = CheckContext(today=today, fund_code=fund_code)
    if raw_batch.rejected:
        return _rejected(raw_batch, fund_code, today)
    work = working_frame(raw_batch.records, fund_code)
    structural = raw_batch.record_problems.filter(pl.col("rule_id").is_in(list(STRUCTURAL_PROBLEM_IDS)))
    work = work.with_columns(pl.col("line").is_in(structural.get_column("line").implode()).alias("_structural"))

    so_far = pl.concat(
        [
            _reader_findings(work, raw_batch.record_problems),
            _row_findings(work, cat, ctx),
            _batch_findings(work, cat, ctx),
        ]
    )
    blocking_ids = [r.id for r in cat if r.severity is Severity.BLOCKING]
    blocked = so_far.filter(pl.col("rule_id").is_in(blocking_ids)).get_column("_row").unique()
    known_type = pl.col("record_type").is_in([t.value for t in RecordType])
    work = work.with_columns((known_type & ~pl.col("_row").is_in(blocked.implode())).alias("_candidate"))
    cross = _cross_findings(work, register_frames or {}, cat, ctx)
    all_findings = pl.concat([so_far, cross])
    return _assemble(raw_batch, work, all_findings, cat, fund_code=fund_code, today=today)


# ---------------------------------------------------------------------------------------------------
# Findings: _row, rule_id, field, value, detail
# ---------------------------------------------------------------------------------------------------


def _empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=_FINDING_SCHEMA)


def _reader_findings(work: pl.DataFrame, problems: pl.DataFrame) -> pl.DataFrame:
    if problems.height == 0:
        return _empty_findings()
    rows = work.select("_row", "line")
    return problems.join(rows, on="line", how="inner").select(_FINDING_SCHEMA.keys()).cast(pl.Schema(_FINDING_SCHEMA))


def _row_findings(work: pl.DataFrame, cat: Catalogue, ctx: CheckContext) -> pl.DataFrame:
    """Row rules, evaluated per record type on the rows of that type only.

    Each (rule, field) runs on the records in its scope (Rule.types_in_scope): the national-number
    decoding of PER-001 runs on the person records, not on the contributions. Within one record type
    all the rule expressions are evaluated in one lazy query, so shared parts are computed once."""
    pairs = [(rule, name) for rule in cat.by_stage(Stage.ROW) for name in rule.fields]
    known = [t.value for t in RecordType]
    buckets: list[tuple[pl.Expr, str | None]] = [(pl.col("record_type") == t, t) for t in known]
    buckets.append((~pl.col("record_type").is_in(known) | pl.col("record_type").is_null(), None))
    parts = [_empty_findings()]
    readable = work.lazy().filter(~pl.col("_structural"))
    for condition, record_type in buckets:
        chosen = [
            (rule, name)
            for rule, name in pairs
            if (types := rule.types_in_scope(name)) is None or (record_type is not None and record_type in types)
        ]
        masks = (
            readable.filter(condition)
            .select(
                "_row",
                # the bucket is within each rule's scope: the check alone, no record-type test per rule
                *[rule.check(name, ctx).alias(f"{rule.id}|{name}") for rule, name in chosen],
            )
            .collect()
        )
        if masks.height == 0:
            continue
        hits = masks.select(pl.all().exclude("_row").any()).row(0)
        for (rule, name), hit in zip(chosen, hits, strict=True):
            if hit:
                rows = masks.filter(pl.col(f"{rule.id}|{name}")).get_column("_row")
                parts.append(_row_finding(work, rule, name, rows, ctx))
    return pl.concat(parts)


def _row_finding(work: pl.DataFrame, rule: Rule, name: str, rows: pl.Series, ctx: CheckContext) -> pl.DataFrame:
    check = rule.row_check
    assert check is not None  # a row rule without a check fails the catalogue tests
    detail = check.detail(name, ctx) if check.detail is not None else pl.lit(None, dtype=pl.String)
    return (
        work.select(pl.all().gather(rows))  # a few rows of every column: cheap, and the detail may need any
        .lazy()
        .select(
            pl.col("_row"),
            pl.lit(rule.id).alias("rule_id"),
            pl.lit(name).alias("field"),
            pl.col(text_column(name)).alias("value"),
            detail.cast(pl.String).alias("detail"),
        )
        .collect()
    )


def _aligned(work: pl.DataFrame, rule_id: str, default_field: str, result: pl.DataFrame) -> pl.DataFrame:
    """Turn an aligned check result (violation, detail[, field]) into findings."""
    frame = work.select("_row", *[text_column(f) for f in _value_fields(work, result, default_field)])
    frame = pl.concat([frame, result], how="horizontal").filter(pl.col("violation"))
    if frame.height == 0:
        return _empty_findings()
    field_expr = pl.col("field").fill_null(default_field) if "field" in result.columns else pl.lit(default_field)
    frame = frame.with_columns(field_expr.alias("field"))
    value = pl.lit(None, dtype=pl.String)
    for name in _value_fields(work, result, default_field):
        value = pl.when(pl.col("field") == name).then(pl.col(text_column(name))).otherwise(value)
    return frame.select(
        pl.col("_row"),
        pl.lit(rule_id).alias("rule_id"),
        pl.col("field"),
        value.alias("value"),
        pl.col("detail").cast(pl.String),
    )


def _value_fields(work: pl.DataFrame, result: pl.DataFrame, default_field: str) -> list[str]:
    names = [default_field]
    if "field" in result.columns:
        names += [n for n in result.get_column("field").drop_nulls().unique().to_list() if n != default_field]
    return [n for n in names if text_column(n) in work.columns]


def _batch_findings(work: pl.DataFrame, cat: Catalogue, ctx: CheckContext) -> pl.DataFrame:
    inputs = BatchInputs(work, ctx)
    parts = [_empty_findings()]
    for rule in cat.by_stage(Stage.BATCH):
        assert rule.batch_check is not None
        parts.append(_aligned(work, rule.id, rule.fields[0], rule.batch_check(inputs)))
    return pl.concat(parts)


def _cross_findings(work: pl.DataFrame, register: RegisterFrames, cat: Catalogue, ctx: CheckContext) -> pl.DataFrame:
    inputs = CrossInputs(work, register, ctx)
    parts = [_empty_findings()]
    for rule in cat.by_stage(Stage.CROSS):
        assert rule.cross_check is not None
        parts.append(_aligned(work, rule.id, rule.fields[0], rule.cross_check(inputs)))
    found = pl.concat(parts)
    # A record already held unchanged changes nothing: what else the cross rules would say about it
    # belongs to the quality scan of the register, not to this batch.
    held = found.filter(pl.col("rule_id") == ALREADY_HELD_RULE).get_column("_row")
    return found.filter(~pl.col("_row").is_in(held.implode()) | (pl.col("rule_id") == ALREADY_HELD_RULE))


# ---------------------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------------------


def _type_bucket() -> pl.Expr:
    known = pl.col("record_type").is_in([t.value for t in RecordType])
    return pl.when(known).then(pl.col("record_type")).otherwise(pl.lit(UNKNOWN_TYPE)).alias("record_type")


def _assemble(
    raw_batch: RawBatch,
    work: pl.DataFrame,
    findings: pl.DataFrame,
    cat: Catalogue,
    *,
    fund_code: str,
    today: date,
) -> ValidationResult:
    severities = pl.DataFrame(
        {"rule_id": [r.id for r in cat], "severity": [r.severity.value for r in cat]},
        schema={"rule_id": pl.String, "severity": pl.String},
    )
    findings = findings.join(severities, on="rule_id", how="left")
    blocked = findings.filter(pl.col("severity") == Severity.BLOCKING.value).get_column("_row").unique()
    held = findings.filter(pl.col("rule_id") == ALREADY_HELD_RULE).get_column("_row").unique()
    corrected = findings.filter(pl.col("rule_id") == CORRECTION_RULE).get_column("_row").unique()
    outcome = (
        pl.when(pl.col("_row").is_in(blocked.implode()))
        .then(pl.lit(Outcome.QUARANTINED.value))
        .when(pl.col("_row").is_in(held.implode()))
        .then(pl.lit(Outcome.ALREADY_HELD.value))
        .otherwise(pl.lit(Outcome.ACCEPTED.value))
    )
    work = work.with_columns(
        outcome.alias("outcome"),
        pl.col("_row").is_in(corrected.implode()).alias("correction"),
        raw_batch.records.get_column("raw").alias("raw"),
    )
    identity = work.select(
        "_row",
        "line",
        _type_bucket(),
        pl.col(text_column("record_id")).alias("record_id"),
        pl.col(text_column("national_number")).alias("national_number"),
        "outcome",
        "correction",
    )
    outcomes = identity.drop("_row")
    ordered = findings.join(identity.select("_row", "line", "record_type", "record_id", "outcome"), on="_row")
    reasons = ordered.sort(["line", "rule_id", "field"], nulls_last=True).select(REASON_SCHEMA.keys())

    accepted: dict[RecordType, pl.DataFrame] = {}
    is_accepted = pl.col("outcome") == Outcome.ACCEPTED.value
    for record_type in RecordType:
        schema = FRAME_SCHEMAS[record_type]
        rows = (
            work.lazy()
            .filter(is_accepted & (pl.col("record_type") == record_type.value))
            .select([c for c in schema if c in work.columns])
            .collect()
        )
        accepted[record_type] = conform(record_type, rows) if rows.height else empty_frame(record_type)

    quarantine_rows = identity.filter(pl.col("outcome") == Outcome.QUARANTINED.value).join(
        work.select("_row", "raw"), on="_row"
    )
    per_record = (
        ordered.filter(pl.col("outcome") == Outcome.QUARANTINED.value)
        .sort(["line", "rule_id", "field"], nulls_last=True)
        .group_by("_row", maintain_order=True)
        .agg(pl.struct("rule_id", "severity", "field", "value", "detail").alias("reasons"))
    )
    quarantined = (
        quarantine_rows.join(per_record, on="_row", how="left")
        .sort("line")
        .select(QUARANTINE_SCHEMA.keys())
        .cast(pl.Schema(QUARANTINE_SCHEMA))
    )
    return ValidationResult(
        fund_code=fund_code,
        today=today,
        batch_sha256=raw_batch.sha256,
        file_problems=(),
        outcomes=outcomes,
        reasons=reasons,
        accepted=accepted,
        quarantined=quarantined,
        source_name=raw_batch.source_name,
        format=raw_batch.format.value if raw_batch.format else "",
    )


def _counts(outcomes: pl.DataFrame) -> dict[str, dict[str, int]]:
    if outcomes.height == 0:
        return {}
    grouped = outcomes.group_by("record_type", "outcome").len()
    by_key = {(t, o): n for t, o, n in grouped.iter_rows()}
    result: dict[str, dict[str, int]] = {}
    for name in [t.value for t in RecordType] + [UNKNOWN_TYPE]:
        counts = {o.value: by_key.get((name, o.value), 0) for o in Outcome}
        received = sum(counts.values())
        if received or name != UNKNOWN_TYPE:
            result[name] = {"received": received, **counts}
    return result


def _reconciliation(
    sha256: str,
    counts: Mapping[str, Mapping[str, int]],
    accepted: Mapping[RecordType, pl.DataFrame],
    quarantined: pl.DataFrame,
) -> Reconciliation:
    types: dict[str, TypeTotals] = {}
    for name, count in counts.items():
        record_type = RecordType(name) if name != UNKNOWN_TYPE else None
        types[name] = TypeTotals(
            record_type=name,
            received=count["received"],
            accepted=count[Outcome.ACCEPTED.value],
            quarantined=count[Outcome.QUARANTINED.value],
            already_held=count[Outcome.ALREADY_HELD.value],
            accepted_totals=totals_of(record_type, accepted[record_type])
            if record_type is not None
            else raw_totals(pl.Series([], dtype=pl.String)),
            quarantined_totals=raw_totals(quarantined.filter(pl.col("record_type") == name).get_column("raw")),
        )
    return Reconciliation(batch_sha256=sha256, types=types)


def _rejected(raw_batch: RawBatch, fund_code: str, today: date) -> ValidationResult:
    return ValidationResult(
        fund_code=fund_code,
        today=today,
        batch_sha256=raw_batch.sha256,
        file_problems=raw_batch.file_problems,
        outcomes=pl.DataFrame(schema=OUTCOME_SCHEMA),
        reasons=pl.DataFrame(schema=REASON_SCHEMA),
        accepted={t: empty_frame(t) for t in RecordType},
        quarantined=pl.DataFrame(schema=QUARANTINE_SCHEMA),
        source_name=raw_batch.source_name,
        format=raw_batch.format.value if raw_batch.format else "",
    )
