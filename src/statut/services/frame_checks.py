"""Column-wise checks of typed frames before they enter the register.

The bulk loader checks a whole population with polars expressions (no Python call per row), then
turns the first offending record into the same domain error a single record would raise: the
domain (statut.domain, python-stdnum) stays the one authority on what is valid, and the
expressions are a fast, equivalent filter. The identifier expressions are the quality rule
catalogue's (statut.quality.identifiers, held to stdnum by its tests); this module only adapts them
to the loader (a fast path for numbers already compact, the birth date as a date) and parses
quarters through the domain, once per distinct value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from statut.domain.calendar import Quarter
from statut.domain.errors import DomainValidationError, InvalidPeriod
from statut.quality.identifiers import (
    compact_enterprise_number as _compact_enterprise,
)
from statut.quality.identifiers import (
    compact_person_number,
    enterprise_number_valid,
    person_number_parts,
)


def compact_numbers(series: pl.Series) -> pl.Series:
    """National numbers without separators, as stdnum.be.nn.compact.

    Fast path: when every value is already 11 ASCII digits the column is returned as it is.
    """
    if series.dtype != pl.String():
        series = series.cast(pl.String)
    if series.drop_nulls().str.contains(r"^[0-9]{11}$").all():
        return series
    return series.to_frame("n").select(compact_person_number(pl.col("n"))).to_series().alias(series.name)


def decode_national_number(column: str, today: date) -> dict[str, pl.Expr]:
    """Expressions over a compact number column: valid, kind, birth_date (None if not encoded), sex."""
    parts = person_number_parts(pl.col(column), today)
    known = parts.birth_year.is_not_null() & parts.birth_month.is_not_null() & parts.birth_day.is_not_null()
    birth_date = pl.when(known).then(pl.date(parts.birth_year, parts.birth_month, parts.birth_day))
    kind = pl.when(parts.is_bis).then(pl.lit("bis")).when(parts.valid).then(pl.lit("insz"))
    return {"valid": parts.valid, "kind": kind, "birth_date": birth_date, "sex": parts.sex}


def compact_enterprise_number(column: str) -> pl.Expr:
    """As stdnum.be.vat.compact: separators and a BE prefix removed, a ninth digit padded with 0."""
    return _compact_enterprise(pl.col(column))


def valid_enterprise_number(column: str) -> pl.Expr:
    """Over a compact column; null (no enterprise) counts as valid."""
    return pl.col(column).is_null() | enterprise_number_valid(pl.col(column))


QUARTER_COLUMNS = {
    "quarter": pl.String(),
    "quarter_index": pl.Int32(),
    "quarter_start": pl.Date(),
    "quarter_end": pl.Date(),
}


def parse_quarters(series: pl.Series) -> pl.DataFrame:
    """Each value as a quarter: canonical text (``2024Q1``), index, first day and first day after.

    A population has a few dozen distinct quarters among millions of records, so each distinct
    value is parsed by the domain (statut.domain.calendar.Quarter.parse, the one authority) and the
    result joined back; a value that does not parse gives nulls.
    """
    known: dict[str, Quarter] = {}
    for raw in series.drop_nulls().unique().to_list():
        try:
            known[raw] = Quarter.parse(raw)
        except InvalidPeriod:
            continue
    table = pl.DataFrame(
        {
            "_raw": list(known),
            "quarter": [str(quarter) for quarter in known.values()],
            "quarter_index": [quarter.index for quarter in known.values()],
            "quarter_start": [quarter.start for quarter in known.values()],
            "quarter_end": [quarter.end for quarter in known.values()],
        },
        schema={"_raw": pl.String(), **QUARTER_COLUMNS},
    )
    return (
        series.cast(pl.String)
        .alias("_raw")
        .to_frame()
        .join(table, on="_raw", how="left", maintain_order="left")
        .drop("_raw")
    )


@dataclass(frozen=True, slots=True)
class Check:
    """A rule over a frame: ``bad`` marks offending rows (null counts as fine: required fields have
    their own ``is_null`` check); ``field`` and ``reason`` describe them.

    ``oracle`` (optional) rebuilds the offending record through the domain so that the error raised
    is the domain's own; when it raises nothing the check's reason is used.
    """

    field: str
    bad: pl.Expr
    reason: str
    oracle: Callable[[Mapping[str, Any]], None] | None = None


def raise_first_failure(frame: pl.DataFrame, checks: Sequence[Check], record_type: str) -> None:
    """Raise the domain error of the first record breaking the first failing check, if any."""
    if frame.height == 0:
        return
    flags = (
        frame.lazy()
        .select([check.bad.fill_null(False).alias(f"_{position}") for position, check in enumerate(checks)])
        .collect()
    )
    for position, check in enumerate(checks):
        offending = flags.get_column(f"_{position}")
        if not offending.any():
            continue
        row = frame.row(int(offending.arg_true()[0]), named=True)
        context = _describe(record_type, row)
        if check.oracle is not None:
            try:
                check.oracle(row)
            except DomainValidationError as error:
                raise type(error)(error.field, error.value, f"{error.reason} ({context})") from None
            except ValueError:
                pass  # no richer message from the domain (an unknown code, say): use the check's
        value = row.get(check.field)
        raise DomainValidationError(check.field, value, f"{check.reason} ({context})")


def _describe(record_type: str, row: Mapping[str, Any]) -> str:
    parts = [f"{record_type} record"]
    if row.get("record_id"):
        parts.append(str(row["record_id"]))
    if row.get("fund"):
        parts.append(f"from fund {row['fund']}")
    return " ".join(parts)
