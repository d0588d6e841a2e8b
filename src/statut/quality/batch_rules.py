"""Batch rules: what the records of one batch break together (uniqueness within the batch).

A fund's ``record_id`` is unique within the fund (exchange format v1), so one batch carries one version
of each record: identical lines are duplicates (the first is kept, the others are quarantined), and one
record_id with different contents is ambiguous (every version is quarantined: the gate cannot tell
which one the fund means). Records that are not the same record but concern the same person and period
(two contributions for one quarter) are accepted with a warning.

The checks work on the working frame (statut.quality.working). The expensive comparison of whole
records only runs on the few rows whose record_id occurs more than once. Rows flagged ``_structural``
(a record the reader could not split into fields) take no part: their fields cannot be trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import polars as pl

from statut.exchange.format import CSV_COLUMNS
from statut.quality.registry import CheckContext, batch_check, violations
from statut.quality.working import text_column

_TEXT_COLUMNS = [text_column(name) for name in CSV_COLUMNS]
_RECORD_ID = text_column("record_id")
_MAX_LINES_SHOWN = 10

#: Fields that identify "the same person and period" per record type (UNI-003).
SAME_SUBJECT_KEYS: dict[str, tuple[str, ...]] = {
    "person": ("national_number",),
    "income": ("national_number", "year", "income_status"),
    "contribution": ("national_number", "quarter_index"),
}


def _eligible(frame: pl.DataFrame) -> pl.Expr:
    structural = pl.col("_structural") if "_structural" in frame.columns else pl.lit(False)
    return ~structural & pl.col(_RECORD_ID).is_not_null()


@dataclass
class BatchInputs:
    """The working frame and the check context; what several batch rules share is computed once."""

    frame: pl.DataFrame
    ctx: CheckContext

    @cached_property
    def repeated(self) -> pl.DataFrame:
        """Rows whose record_id occurs more than once, with the first line of their identical group."""
        ids = self.frame.lazy().filter(_eligible(self.frame)).select("_row", _RECORD_ID)
        # A 64-bit hash finds the candidates cheaply; the exact test then runs on the candidates only.
        candidates = ids.filter(pl.col(_RECORD_ID).hash().is_duplicated())
        repeated_rows = candidates.filter(pl.col(_RECORD_ID).is_duplicated()).select("_row").collect()
        repeated = self.frame.select(pl.all().gather(repeated_rows.get_column("_row")))
        return repeated.with_columns(pl.col("line").min().over(_TEXT_COLUMNS).alias("_first_identical"))


@batch_check("UNI-002")
def duplicate_line(inputs: BatchInputs) -> pl.DataFrame:
    """Every field identical to an earlier record of the batch: the later ones are duplicates."""
    duplicates = inputs.repeated.filter(pl.col("line") != pl.col("_first_identical"))
    return violations(
        inputs.frame.height,
        duplicates.get_column("_row"),
        duplicates.get_column("_first_identical").cast(pl.String),
    )


@batch_check("UNI-001")
def record_id_with_different_content(inputs: BatchInputs) -> pl.DataFrame:
    """One record_id, several different contents: all its lines are flagged, naming each other."""
    conflicting = inputs.repeated.filter(pl.col("_first_identical").n_unique().over(_RECORD_ID) > 1)
    if conflicting.height == 0:
        return violations(inputs.frame.height, pl.Series([], dtype=pl.UInt32))
    lines = conflicting.group_by(_RECORD_ID).agg(
        pl.col("line").sort().head(_MAX_LINES_SHOWN).cast(pl.String).str.join(", ").alias("_lines")
    )
    flagged = conflicting.join(lines, on=_RECORD_ID, how="left")
    return violations(inputs.frame.height, flagged.get_column("_row"), flagged.get_column("_lines"))


@batch_check("UNI-003")
def same_subject_twice(inputs: BatchInputs) -> pl.DataFrame:
    """Two records (different record_ids) of one type for the same person and period."""
    frame = inputs.frame
    parts = [pl.DataFrame(schema={"_row": pl.UInt32, "_other": pl.String})]
    for record_type, key in SAME_SUBJECT_KEYS.items():
        rows = (
            frame.lazy()
            .filter(_eligible(frame) & (pl.col("record_type") == record_type) & pl.col("national_number").is_not_null())
            .select("_row", "line", _RECORD_ID, *key)
        )
        # The window functions only run on the few rows whose key occurs more than once.
        clashing = (
            rows.filter(pl.struct(key).hash().is_duplicated())  # candidates; the window below is exact
            .filter(pl.col(_RECORD_ID).n_unique().over(key) > 1)
            .select(
                "_row",
                pl.when(pl.col("line") == pl.col("line").min().over(key))
                .then(pl.col("line").max().over(key))
                .otherwise(pl.col("line").min().over(key))
                .cast(pl.String)
                .alias("_other"),
            )
            .collect()
        )
        parts.append(clashing)
    found = pl.concat(parts)
    return violations(frame.height, found.get_column("_row"), found.get_column("_other"))
