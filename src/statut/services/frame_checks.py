"""Column-wise checks of typed frames before they enter the register.

The bulk loader checks a whole population with polars expressions (no Python call per row), then
turns the first offending record into the same domain error a single record would raise: the
domain (statut.domain, python-stdnum) stays the one authority on what is valid, and these
expressions are a fast, equivalent filter. tests/store/test_frame_checks.py holds them to the
domain as oracle (hypothesis). When the rule catalogue of statut.quality covers these rules, the
loader should use it instead; the decoding below is the same arithmetic as stdnum.be.nn/bis/vat.

- National numbers (INSZ/NISS and BIS, stdnum.be.nn and stdnum.be.bis): 11 digits; check digits
  ``97 - (first nine mod 97)``, with a ``2`` in front for births from 2000; month 0-12 (INSZ),
  20-32 or 40-52 (BIS: +20 sex unknown, +40 sex known); birth date YYMMDD unless month or day is 0;
  odd counter = male.
- Enterprise numbers (KBO/BCE, stdnum.be.vat): 10 digits starting with 0 or 1,
  ``(first eight + last two) mod 97 = 0``.
- Quarters: parsed by the domain itself, once per distinct value (:func:`parse_quarters`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl

from statut.domain.calendar import Quarter
from statut.domain.errors import DomainValidationError, InvalidPeriod

_UNKNOWN_BIRTH_DATES = ["000001", "002001", "004001"]
_TWO_THOUSAND_PREFIX = 2_000_000_000  # "2" before the nine digits, for births from 2000


def compact_numbers(series: pl.Series) -> pl.Series:
    """National numbers without separators (spaces, dots, dashes), as stdnum.be.nn.compact.

    Fast path: when every value is already 11 characters long the column is returned as it is (a
    value of 11 characters with a separator has too few digits to be valid anyway, and is refused
    as it stands).
    """
    if series.dtype != pl.String():
        series = series.cast(pl.String)
    if not (series.str.len_bytes() != 11).any():
        return series
    return series.str.replace_all(r"[ .\-]", "").str.strip_chars()


def decode_national_number(column: str, today: date) -> dict[str, pl.Expr]:
    """Expressions over a compact number column: valid, kind, birth_date (None if not encoded), sex."""
    number = pl.col(column)
    well_formed = number.str.contains(r"^\d{11}$").fill_null(False) & (number != "00000000000")

    def digits(start: int, length: int) -> pl.Expr:
        return pl.when(well_formed).then(number.str.slice(start, length).cast(pl.Int64, strict=False))

    first_nine, check, yy, mm, dd = digits(0, 9), digits(9, 2), digits(0, 2), digits(2, 2), digits(4, 2)
    born_1900s = (97 - first_nine % 97) == check
    born_2000s = ((yy + 2000) <= today.year) & ((97 - (first_nine + _TWO_THOUSAND_PREFIX) % 97) == check)
    month_ok = mm.is_between(0, 12) | mm.is_between(20, 32) | mm.is_between(40, 52)
    valid = (well_formed & (born_1900s | born_2000s).fill_null(False) & month_ok.fill_null(False)).fill_null(False)
    century = pl.when(born_1900s).then(pl.lit(1900)).otherwise(pl.lit(2000))
    year = yy + century
    month = mm % 20
    known_month = valid & month.is_between(1, 12) & ~number.str.slice(0, 6).is_in(_UNKNOWN_BIRTH_DATES)
    month_days = (
        pl.when(known_month).then(pl.date(year, month, 1).dt.month_end().dt.day().cast(pl.Int64)).otherwise(None)
    )
    known_day = known_month & dd.is_between(1, 31) & (dd <= month_days)
    birth_date = pl.when(known_day.fill_null(False)).then(pl.date(year, month, dd)).otherwise(None)
    counter_odd = digits(6, 3) % 2 == 1
    sex_known = valid & (mm.is_between(0, 12) | mm.is_between(40, 52))
    sex = pl.when(sex_known & counter_odd).then(pl.lit("M")).when(sex_known).then(pl.lit("F")).otherwise(None)
    kind = pl.when(valid & (mm >= 20)).then(pl.lit("bis")).when(valid).then(pl.lit("insz")).otherwise(None)
    return {"valid": valid, "kind": kind, "birth_date": birth_date, "sex": sex}


def compact_enterprise_number(column: str) -> pl.Expr:
    """As stdnum.be.vat.compact: separators and a BE prefix removed, a ninth digit padded with 0."""
    cleaned = pl.col(column).str.replace_all(r"[ .\-/,]", "").str.strip_chars().str.replace(r"^[Bb][Ee]", "")
    return pl.when(cleaned.str.len_chars() == 9).then(pl.lit("0") + cleaned).otherwise(cleaned)


def valid_enterprise_number(column: str) -> pl.Expr:
    """Over a compact column; null (no enterprise) counts as valid."""
    number = pl.col(column)
    well_formed = number.str.contains(r"^[01]\d{9}$").fill_null(False) & (number != "0000000000")
    head = pl.when(well_formed).then(number.str.slice(0, 8).cast(pl.Int64, strict=False))
    tail = pl.when(well_formed).then(number.str.slice(8, 2).cast(pl.Int64, strict=False))
    return number.is_null() | (well_formed & ((head + tail) % 97 == 0)).fill_null(False)


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
