"""Calendar arithmetic on whole columns of day numbers.

The generator works on int64 day numbers (days since 1970-01-01) so that a million birth dates,
birthdays and quarter boundaries are computed with numpy in one pass; :func:`to_date_series` turns
them into ``pl.Date`` at the edge. Quarter indices follow :class:`statut.domain.calendar.Quarter`
(``year * 4 + quarter - 1``) and ranges are half-open, as in the domain.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

_EPOCH = date(1970, 1, 1)


def day_number(day: date) -> int:
    """Day number of one Python date."""
    return (day - _EPOCH).days


_MONTH_LENGTHS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day of month (1-31) of day numbers.

    Integer arithmetic of the proleptic Gregorian calendar (H. Hinnant, "chrono-compatible low-level
    date algorithms", civil_from_days): several times faster than numpy datetime64 conversions.
    """
    z = np.asarray(days, dtype=np.int64) + 719_468
    era = z // 146_097
    day_of_era = z - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = np.where(shifted_month < 10, shifted_month + 3, shifted_month - 9)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def is_leap_year(year: np.ndarray) -> np.ndarray:
    year = np.asarray(year, dtype=np.int64)
    return np.asarray((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)))


def days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    month = np.asarray(month, dtype=np.int64)
    return np.asarray(_MONTH_LENGTHS[month] + ((month == 2) & is_leap_year(year)))


def from_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Day numbers of (year, month, day), the day clamped to the month's length (29 Feb -> 28 Feb).

    H. Hinnant's days_from_civil, in integer numpy arithmetic.
    """
    year = np.asarray(year, dtype=np.int64)
    month = np.asarray(month, dtype=np.int64)
    day = np.minimum(np.asarray(day, dtype=np.int64), days_in_month(year, month))
    shifted_year = year - (month <= 2)
    era = shifted_year // 400
    year_of_era = shifted_year - era * 400
    day_of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return np.asarray(era * 146_097 + day_of_era - 719_468)


def add_years(days: np.ndarray, years: np.ndarray | int) -> np.ndarray:
    """Same calendar day ``years`` later (the anniversary); 29 February becomes 28 February."""
    year, month, day = ymd(days)
    return from_ymd(year + years, month, day)


def quarter_of(days: np.ndarray) -> np.ndarray:
    """Quarter index (year * 4 + quarter - 1) of day numbers."""
    year, month, _ = ymd(days)
    return np.asarray(year * 4 + (month - 1) // 3)


def quarter_start(quarter_index: np.ndarray | int) -> np.ndarray:
    """Day number of the first day of a quarter index.

    Columns hold few distinct quarters, so the days are computed once per quarter of the range and
    looked up.
    """
    index = np.asarray(quarter_index, dtype=np.int64)
    if index.size == 0:
        return index.copy()
    low, high = int(index.min()), int(index.max())
    quarters = np.arange(low, high + 1, dtype=np.int64)
    table = from_ymd(quarters // 4, (quarters % 4) * 3 + 1, np.ones_like(quarters))
    return table[index - low]


def year_start(year: np.ndarray | int) -> np.ndarray:
    values = np.asarray(year, dtype=np.int64)
    return from_ymd(values, np.ones_like(values), np.ones_like(values))


def uniform_day(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day drawn uniformly in ``[low, high]`` (both inclusive; ``high >= low`` expected)."""
    low = np.asarray(low, dtype=np.int64)
    span = np.maximum(np.asarray(high, dtype=np.int64) - low + 1, 1)
    return np.asarray(low + np.floor(rng.random(low.shape[0]) * span).astype(np.int64))


def to_date_series(name: str, days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    """A ``pl.Date`` series from day numbers; positions where ``valid`` is False become null."""
    series = pl.Series(name, np.asarray(days, dtype=np.int64)).cast(pl.Int32).cast(pl.Date)
    if valid is not None:
        series = pl.select(pl.when(pl.Series(valid)).then(series).otherwise(None).alias(name)).to_series()
    return series


def quarter_label_expr(quarter_index: pl.Expr) -> pl.Expr:
    """``2024Q1`` text of a quarter-index expression."""
    return pl.format("{}Q{}", quarter_index // 4, quarter_index % 4 + 1)
