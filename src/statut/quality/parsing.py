"""Text to typed values, column-wise: how a field of the exchange format becomes a typed column.

The forms accepted are those of the exchange format v1 (statut.exchange.format): dates YYYY-MM-DD,
amounts in euros with a dot or a comma before at most two decimals, years of four digits, quarters like
2024Q1, flags 0 or 1. A value that does not have the form parses to null, and the validity rules of
the catalogue (DAT-001, AMT-001, ...) report it; nothing here raises.

Amounts become integer cents by string operations (the digits without the separator, scaled to two
decimals), never through a float: 0.1 + 0.2 is exactly 30 cents (Council Regulation (EC) No 1103/97,
art. 5: amounts are rounded to the cent, so an amount with more than two decimals is an error, not
something to round silently).
"""

from __future__ import annotations

from datetime import date

import polars as pl

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
YEAR_PATTERN = r"^[0-9]{4}$"
QUARTER_PATTERN = r"^[0-9]{4}Q[1-4]$"
FLAG_PATTERN = r"^[01]$"
NUMBER_PATTERN = r"^-?[0-9]+(?:[.,][0-9]+)?$"
"""Any decimal number in the format's notation; AMT-002/003/004 then say what is wrong with it."""

MAX_INTEGER_DIGITS = 13
"""10^13 euros (statut.domain.money.MAX_ABS_CENTS is 10^15 cents): beyond, an amount is a data error."""

EARLIEST_DATE = date(1890, 1, 1)


def parse_date(text: pl.Expr) -> pl.Expr:
    """A real calendar date in YYYY-MM-DD form (2023-02-30 and 2023-2-3 give null)."""
    return pl.when(text.str.contains(DATE_PATTERN)).then(text.str.to_date("%Y-%m-%d", strict=False))


def parse_year(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(YEAR_PATTERN)).then(text.cast(pl.Int32, strict=False))


def parse_flag(text: pl.Expr) -> pl.Expr:
    return pl.when(text.str.contains(FLAG_PATTERN)).then(text == "1")


def quarter_index(text: pl.Expr) -> pl.Expr:
    """``year * 4 + quarter - 1`` (statut.domain.calendar.Quarter.index) for a well-formed quarter."""
    well_formed = text.str.contains(QUARTER_PATTERN)
    year = text.str.slice(0, 4).cast(pl.Int32, strict=False)
    number = text.str.slice(5, 1).cast(pl.Int32, strict=False)
    return pl.when(well_formed).then(year * 4 + number - 1).cast(pl.Int32)


def quarter_start(index: pl.Expr) -> pl.Expr:
    """First day of the quarter with this index."""
    return pl.date(index // 4, (index % 4) * 3 + 1, 1)


def quarter_starts(indexes: pl.Series) -> pl.Series:
    """First day of each quarter, for a long column with few distinct quarters: each distinct quarter
    is computed once and looked up (building a date per row costs more than the lookup)."""
    distinct = indexes.drop_nulls().unique()
    starts = pl.select(quarter_start(pl.lit(distinct))).to_series()
    return indexes.replace_strict(distinct, starts, default=None, return_dtype=pl.Date)


def quarter_end(index: pl.Expr) -> pl.Expr:
    """First day after the quarter (half-open, as statut.domain.calendar.Quarter.end)."""
    return quarter_start(index + 1)


def quarter_text(index: pl.Expr) -> pl.Expr:
    return pl.concat_str([(index // 4).cast(pl.String), pl.lit("Q"), (index % 4 + 1).cast(pl.String)])


def quarter_index_of(day: pl.Expr) -> pl.Expr:
    return (day.dt.year() * 4 + (day.dt.month() - 1) // 3).cast(pl.Int32)


def is_number(text: pl.Expr) -> pl.Expr:
    return text.str.contains(NUMBER_PATTERN)


def _separator_position(text: pl.Expr) -> pl.Expr:
    """Byte position of the decimal separator (the format allows a dot or a comma), null if none."""
    return text.str.find(r"[.,]")


def decimal_digits(text: pl.Expr) -> pl.Expr:
    """Number of digits after the decimal separator (0 when there is none), for a number."""
    return (text.str.len_bytes().cast(pl.Int64) - _separator_position(text) - 1).fill_null(0)


def integer_digits(text: pl.Expr) -> pl.Expr:
    """Number of digits before the decimal separator (without the sign), for a number."""
    position = _separator_position(text).fill_null(text.str.len_bytes()).cast(pl.Int64)
    return position - text.str.starts_with("-").cast(pl.Int64)


def parse_cents(text: pl.Expr) -> pl.Expr:
    """Exact integer cents of an amount with at most two decimals and 13 integer digits, else null.

    String operations only: once the text is known to be such a number, its digits without the
    separator are read as an integer and scaled by 100, 10 or 1 for zero, one or two decimals
    ("890,4" → "8904" × 10 = 89040). No float and no rounding is ever involved. The sign is kept, so
    that AMT-003 can say "negative" about "-12.50" rather than "not a number".
    """
    decimals = decimal_digits(text)
    well_formed = is_number(text) & (decimals <= 2) & (integer_digits(text) <= MAX_INTEGER_DIGITS)
    signed_digits = text.str.replace_many({".": "", ",": ""}).cast(pl.Int64, strict=False)
    scale = pl.lit(10, dtype=pl.Int64).pow(2 - decimals.clip(0, 2))
    return pl.when(well_formed).then(signed_digits * scale).cast(pl.Int64)


def cents_text(cents: pl.Expr) -> pl.Expr:
    """Cents back to the format's notation (1234 → "12.34"), for messages and canonical lines."""
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    magnitude = cents.abs()
    return pl.concat_str(
        [
            sign,
            (magnitude // 100).cast(pl.String),
            pl.lit("."),
            (magnitude % 100).cast(pl.String).str.pad_start(2, "0"),
        ]
    )
