"""Scores of a scan: the share of records passing, with its counts, per fund x record type x rule and
per fund x record type x dimension.

A rule score counts the records the rule looks at (``checked``) and those breaking it (``failed``).
A dimension score counts the records at least one rule of the dimension looks at, and those breaking
at least one of them: "92 % of this fund's person records are valid", not an average of rule shares
that would weigh a rare rule like a common one. Counts are kept, never only shares, so that scores of
several funds or types add up exactly (sum the counts, then divide).
"""

from __future__ import annotations

import polars as pl

from statut.quality.catalogue import Dimension
from statut.quality.scan import ScanResult, fail_column, in_column

SCORE_SCHEMA = {
    "level": pl.String,  # "rule" | "dimension"
    "dimension": pl.String,
    "fund_code": pl.String,
    "record_type": pl.String,
    "rule_id": pl.String,  # "" on dimension rows
    "checked": pl.Int64,
    "failed": pl.Int64,
}
KEYS = ["fund", "record_type"]


def scores(result: ScanResult) -> pl.DataFrame:
    """The score rows of a scan (SCORE_SCHEMA), without rows where nothing was checked.

    Every count comes out of one grouping of the records by fund and type (one pass over tens of
    millions of records, not one per rule), then is laid out as one row per rule or dimension."""
    records = result.records
    counted: list[tuple[str, str, str, pl.Expr, pl.Expr]] = []
    for rule in result.rules:
        scoped = pl.col(in_column(rule.id))
        counted.append(("rule", rule.dimension.value, rule.id, scoped, scoped & pl.col(fail_column(rule.id))))
    for dimension in Dimension:
        members = [r for r in result.rules if r.dimension is dimension]
        if not members:
            continue
        scoped = pl.any_horizontal([pl.col(in_column(r.id)) for r in members])
        failing = pl.any_horizontal([pl.col(in_column(r.id)) & pl.col(fail_column(r.id)) for r in members])
        counted.append(("dimension", dimension.value, "", scoped, failing))
    if not counted:
        return pl.DataFrame(schema=SCORE_SCHEMA)
    sums = (
        records.lazy()
        .group_by(KEYS)
        .agg(
            *(scoped.sum().alias(f"checked|{i}") for i, (*_, scoped, _failing) in enumerate(counted)),
            *(failing.sum().alias(f"failed|{i}") for i, (*_, failing) in enumerate(counted)),
        )
        .collect()
    )
    parts = [pl.DataFrame(schema=SCORE_SCHEMA)]
    for i, (level, dimension_name, rule_id, _scoped, _failing) in enumerate(counted):
        parts.append(
            sums.select(
                pl.lit(level).alias("level"),
                pl.lit(dimension_name).alias("dimension"),
                pl.col("fund").alias("fund_code"),
                "record_type",
                pl.lit(rule_id).alias("rule_id"),
                pl.col(f"checked|{i}").alias("checked"),
                pl.col(f"failed|{i}").alias("failed"),
            )
        )
    frame = pl.concat([p.cast(pl.Schema(SCORE_SCHEMA)) for p in parts])
    return frame.filter(pl.col("checked") > 0).sort("level", "dimension", "fund_code", "record_type", "rule_id")


def with_share(frame: pl.DataFrame) -> pl.DataFrame:
    """Add ``passing`` (share of checked records passing, 0..1) to score rows or sums of them."""
    return frame.with_columns(
        pl.when(pl.col("checked") > 0).then(1 - pl.col("failed") / pl.col("checked")).otherwise(None).alias("passing")
    )


def by_dimension(frame: pl.DataFrame) -> pl.DataFrame:
    """The register-wide score of each dimension: the dimension rows of every fund and type summed."""
    summed = (
        frame.filter(pl.col("level") == "dimension")
        .group_by("dimension")
        .agg(pl.col("checked").sum(), pl.col("failed").sum())
        .sort("dimension")
    )
    return with_share(summed)


def sum_scores(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Score rows of several parts of one scan (ranges of persons) added up: counts sum exactly."""
    frame = pl.concat([pl.DataFrame(schema=SCORE_SCHEMA), *parts])
    keys = ["level", "dimension", "fund_code", "record_type", "rule_id"]
    return (
        frame.group_by(keys).agg(pl.col("checked").sum(), pl.col("failed").sum()).select(SCORE_SCHEMA.keys()).sort(keys)
    )
