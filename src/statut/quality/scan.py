"""The quality scan: the catalogue's scan rules run column-wise over the whole register.

No rule is written twice: the scan takes the rules marked ``scan: true`` (``Catalogue.for_scan``) and
runs their registered checks on the register's typed frames shaped as a working frame
(``working.union_frame``), exactly as the ingestion gate runs them on a batch. Row rules run on every
record in their scope; batch and cross rules run fund by fund, each fund's records being "the batch"
and the whole register the state they are compared with, so that a rule about "another fund" keeps
its meaning.

The result is one wide frame of booleans, per record: ``in|RULE`` (the rule looks at the record) and
``fail|RULE`` (the record breaks it on at least one field); scores.py turns it into counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import polars as pl

from statut.exchange.format import RecordType
from statut.quality.batch_rules import BatchInputs
from statut.quality.catalogue import Catalogue, Rule, Stage, catalogue
from statut.quality.cross_rules import CrossInputs
from statut.quality.registry import CheckContext
from statut.quality.working import union_frame

NO_FUND = "-"
"""Fund code of register records no fund answers for (a person without any affiliation)."""


def in_column(rule_id: str) -> str:
    return f"in|{rule_id}"


def fail_column(rule_id: str) -> str:
    return f"fail|{rule_id}"


@dataclass(frozen=True)
class ScanResult:
    """Per record: ``fund``, ``record_type``, ``record_id`` and the two boolean columns of every scan rule."""

    records: pl.DataFrame
    rules: tuple[Rule, ...]


def scan(frames: Mapping[RecordType, pl.DataFrame], today: date, *, rules: Catalogue | None = None) -> ScanResult:
    """Run the scan rules over the register's frames (typed, current versions, with ``fund``)."""
    chosen = tuple(r for r in (rules or catalogue()).for_scan() if r.stage in (Stage.ROW, Stage.BATCH, Stage.CROSS))
    work = union_frame(frames).with_columns(pl.col("fund").fill_null(NO_FUND), pl.col("_row").alias("line"))
    ctx = CheckContext(today=today)
    columns: list[pl.Expr] = []
    for rule in chosen:
        if rule.stage is Stage.ROW:
            columns += [_row_scope(rule).alias(in_column(rule.id)), _row_failure(rule, ctx).alias(fail_column(rule.id))]
    records = work.lazy().select("_row", "fund", "record_type", "record_id", *columns).collect()
    set_rules = [rule for rule in chosen if rule.stage is not Stage.ROW]
    if set_rules:
        records = records.join(_set_rule_columns(work, frames, set_rules, today), on="_row", how="left")
        records = records.with_columns(pl.col(fail_column(r.id)).fill_null(False) for r in set_rules)
        records = records.with_columns(
            pl.col("record_type").is_in([t.value for t in r.record_types]).alias(in_column(r.id)) for r in set_rules
        )
    return ScanResult(records.drop("_row"), chosen)


def _row_scope(rule: Rule) -> pl.Expr:
    return pl.any_horizontal([rule.scope(name) for name in rule.fields]).fill_null(False)


def _row_failure(rule: Rule, ctx: CheckContext) -> pl.Expr:
    return pl.any_horizontal([rule.violation(name, ctx) for name in rule.fields]).fill_null(False)


def _set_rule_columns(
    work: pl.DataFrame, frames: Mapping[RecordType, pl.DataFrame], rules: list[Rule], today: date
) -> pl.DataFrame:
    """Batch and cross rules, fund by fund: ``_row`` of the register frame and one ``fail|RULE`` each."""
    parts = []
    for fund in work.get_column("fund").unique().sort().to_list():
        batch = (
            work.filter(pl.col("fund") == fund)
            .rename({"_row": "_register_row"})
            .with_row_index("_row")
            .with_columns(pl.lit(True).alias("_candidate"))
        )
        ctx = CheckContext(today=today, fund_code=fund)
        batch_inputs = BatchInputs(batch, ctx)
        cross_inputs = CrossInputs(batch, frames, ctx)
        failures = []
        for rule in rules:
            if rule.stage is Stage.BATCH:
                assert rule.batch_check is not None
                result = rule.batch_check(batch_inputs)
            else:
                assert rule.cross_check is not None
                result = rule.cross_check(cross_inputs)
            failures.append(result.get_column("violation").fill_null(False).alias(fail_column(rule.id)))
        parts.append(pl.DataFrame([batch.get_column("_register_row").alias("_row"), *failures]))
    if not parts:
        return pl.DataFrame(schema={"_row": pl.UInt32, **{fail_column(r.id): pl.Boolean for r in rules}})
    return pl.concat(parts)
