"""Findings: each defect the gate or the scan sees, as a piece of work for the fund that answers for it.

A finding is one rule broken by one record (``source``, ``fund_code``, ``record_type``,
``record_ref``, ``rule_id``: its key). Its life::

    open --> acknowledged --> corrected | dismissed
      \\-----------------------^

``corrected`` is reached automatically: a re-scan that no longer sees the defect (``rescan <id>``),
or a new version of the record arriving through the gate without it (``batch <id>``). ``dismissed``
is a person's decision and needs a reason (the defect is real data, e.g. a genuine foreign address).
Closed findings stay, with their transitions: the history of a fund's data quality is kept.

This module is pure (polars and the catalogue): it turns a scan result or a gate validation into the
frame of defects seen, and holds the states, the transitions allowed and the due-date policy. The
store keeps the rows, services/findings.py applies the changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import polars as pl

from statut.domain.errors import Conflict, DomainValidationError
from statut.quality.catalogue import Catalogue, Rule, Severity, catalogue
from statut.quality.scan import NO_FUND, ScanResult, fail_column, in_column
from statut.quality.validation import Outcome, ValidationResult


class FindingState(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CORRECTED = "corrected"
    DISMISSED = "dismissed"


class FindingSource(StrEnum):
    GATE = "gate"
    SCAN = "scan"


ACTIVE_STATES = (FindingState.OPEN, FindingState.ACKNOWLEDGED)
ALLOWED: Mapping[FindingState, frozenset[FindingState]] = {
    FindingState.OPEN: frozenset({FindingState.ACKNOWLEDGED, FindingState.CORRECTED, FindingState.DISMISSED}),
    FindingState.ACKNOWLEDGED: frozenset({FindingState.CORRECTED, FindingState.DISMISSED}),
    FindingState.CORRECTED: frozenset(),
    FindingState.DISMISSED: frozenset(),
}
MIN_REASON_LENGTH = 5
MAX_REASON_LENGTH = 1000
MAX_DETAIL_LENGTH = 500
MAX_FIELD_LENGTH = 200


class InvalidTransition(Conflict):
    code = "statut.conflict.finding_state"


def check_transition(current: FindingState, target: FindingState) -> None:
    """Raise :class:`InvalidTransition` unless ``current -> target`` is a step of the life above."""
    if target not in ALLOWED[current]:
        raise InvalidTransition(f"a finding that is {current.value} cannot become {target.value}")


def dismissal_reason(reason: str | None) -> str:
    """The reason of a dismissal, checked: required, between 5 and 1000 characters."""
    text = (reason or "").strip()
    if len(text) < MIN_REASON_LENGTH:
        raise DomainValidationError("reason", reason or "", "a dismissal needs a reason (at least 5 characters)")
    if len(text) > MAX_REASON_LENGTH:
        raise DomainValidationError("reason", reason or "", f"longer than {MAX_REASON_LENGTH} characters")
    return text


@dataclass(frozen=True, slots=True)
class DuePolicy:
    """Days a fund has to handle a finding, per severity of its rule.

    A blocking defect found in the register (it slipped in before the gate existed, or a rule became
    stricter) stops automatic decisions about the person: it gets the shorter delay. Configurable per
    run (``statut quality scan --due-days blocking=14,warning=60``), so that a programme can tighten
    it as the funds catch up.
    """

    days: Mapping[str, int] = field(default_factory=lambda: {Severity.BLOCKING.value: 30, Severity.WARNING.value: 90})

    def due(self, severity: str, opened: date) -> date:
        return opened + timedelta(days=self.days.get(severity, max(self.days.values())))

    def due_column(self, opened: date) -> pl.Expr:
        """Due dates of a frame with a ``severity`` column."""
        fallback = opened + timedelta(days=max(self.days.values()))
        return (
            pl.col("severity")
            .replace_strict(
                {k: opened + timedelta(days=v) for k, v in self.days.items()}, default=fallback, return_dtype=pl.Date
            )
            .alias("due_date")
        )

    @classmethod
    def parse(cls, text: str) -> DuePolicy:
        """``blocking=14,warning=60``: severities of the catalogue, whole days from 1 to 3650."""
        days = dict(cls().days)
        for part in filter(None, (p.strip() for p in text.split(","))):
            severity, _, value = part.partition("=")
            severity = severity.strip().lower()
            if severity not in (Severity.BLOCKING.value, Severity.WARNING.value):
                raise DomainValidationError("due_days", part, "expected blocking=DAYS or warning=DAYS")
            if not value.strip().isdigit() or not 1 <= int(value) <= 3650:
                raise DomainValidationError("due_days", part, "days must be a whole number from 1 to 3650")
            days[severity] = int(value)
        return cls(days)


DEFECT_SCHEMA: dict[str, pl.DataType] = {
    "fund_code": pl.String(),
    "record_type": pl.String(),
    "record_ref": pl.String(),
    "rule_id": pl.String(),
    "severity": pl.String(),
    "dimension": pl.String(),
    "field": pl.String(),
    "detail": pl.String(),
}
KEY_COLUMNS = ("fund_code", "record_type", "record_ref", "rule_id")


def empty_defects() -> pl.DataFrame:
    return pl.DataFrame(schema=DEFECT_SCHEMA)


def _rule_columns(rules: Mapping[str, Rule]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "rule_id": list(rules),
            "severity": [r.severity.value for r in rules.values()],
            "dimension": [r.dimension.value for r in rules.values()],
            "rule_title": [r.title for r in rules.values()],
        },
        schema={"rule_id": pl.String, "severity": pl.String, "dimension": pl.String, "rule_title": pl.String},
    )


def scan_defects(result: ScanResult) -> pl.DataFrame:
    """Every (record, rule) the scan flagged, as defects (DEFECT_SCHEMA); info rules open nothing.

    The scan knows that a record breaks a rule, not on which of the rule's fields: ``field`` lists
    the rule's fields, ``detail`` its title (the fund opens the record to see the value).
    """
    parts = []
    for rule in result.rules:
        if rule.severity is Severity.INFO:
            continue
        flagged = result.records.lazy().filter(pl.col(in_column(rule.id)) & pl.col(fail_column(rule.id)))
        parts.append(
            flagged.select(
                pl.col("fund").alias("fund_code"),
                "record_type",
                pl.col("record_id").alias("record_ref"),
                pl.lit(rule.id).alias("rule_id"),
                pl.lit(rule.severity.value).alias("severity"),
                pl.lit(rule.dimension.value).alias("dimension"),
                pl.lit(",".join(rule.fields)[:MAX_FIELD_LENGTH]).alias("field"),
                pl.lit(rule.title[:MAX_DETAIL_LENGTH]).alias("detail"),
            )
        )
    if not parts:
        return empty_defects()
    return pl.concat(pl.collect_all(parts)).cast(pl.Schema(DEFECT_SCHEMA))


@dataclass(frozen=True)
class GateDefects:
    """What one batch says about its fund's records: the defects it carries, and the records it
    brought (a record brought without an earlier defect has been corrected by the fund)."""

    defects: pl.DataFrame
    """DEFECT_SCHEMA, one row per (record, rule)."""
    records: pl.DataFrame
    """fund_code, record_type, record_ref: records the batch accepted or quarantined."""


def gate_defects(validation: ValidationResult, rules: Catalogue | None = None) -> GateDefects:
    """The findings of a batch: warnings on accepted records, and every blocking or warning reason of
    a quarantined record (it is held back until the fund corrects it). Info reasons (already held,
    correction) open nothing; records already held unchanged say nothing new about their defects."""
    known = {rule.id: rule for rule in (rules or catalogue()).rules}
    counted = (Outcome.ACCEPTED.value, Outcome.QUARANTINED.value)
    reasons = validation.reasons.filter(
        pl.col("outcome").is_in(counted)
        & pl.col("severity").is_in([Severity.BLOCKING.value, Severity.WARNING.value])
        & pl.col("record_id").is_not_null()
    )
    fund = pl.lit(validation.fund_code).alias("fund_code")
    grouped = (
        reasons.group_by("record_type", "record_id", "rule_id", maintain_order=True)
        .agg(
            pl.col("severity").first(),
            pl.col("field").drop_nulls().unique(maintain_order=True).str.join(",").alias("field"),
            pl.col("detail").drop_nulls().unique(maintain_order=True).str.join("; ").alias("detail"),
        )
        .join(_rule_columns(known).drop("severity"), on="rule_id", how="left")
    )
    defects = grouped.select(
        fund,
        "record_type",
        pl.col("record_id").alias("record_ref"),
        "rule_id",
        "severity",
        pl.col("dimension").fill_null(""),
        pl.col("field").fill_null("").str.slice(0, MAX_FIELD_LENGTH),
        pl.coalesce(pl.col("detail"), pl.col("rule_title"), pl.lit("")).str.slice(0, MAX_DETAIL_LENGTH),
    ).cast(pl.Schema(DEFECT_SCHEMA))
    records = (
        validation.outcomes.filter(pl.col("outcome").is_in(counted) & pl.col("record_id").is_not_null())
        .select(fund, "record_type", pl.col("record_id").alias("record_ref"))
        .unique(maintain_order=True)
    )
    return GateDefects(defects, records)


def unassigned(fund_code: str) -> bool:
    """A register record no fund answers for (a person without affiliation) is the institution's."""
    return fund_code == NO_FUND
