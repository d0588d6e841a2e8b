"""Dates over columns, as integers, and parameter lookup by date for a whole column.

numpy's datetime64 conversions (to years or months) cost about 90 ms per 1.2 million dates, so the
rules work on day numbers (days since 1970-01-01, the int64 behind ``datetime64[D]``). The
civil-calendar conversions are H. Hinnant's integer algorithms (proleptic Gregorian calendar), and
"the same day N years later" adds 365 days a year plus the 29 Februaries crossed.

``values_on`` is the column form of :meth:`Parameter.entry_on`: one comparison per dated entry of
the parameter, so 1.2 million dates cost a few passes whatever the number of periods.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int64Array, to_scaled_int
from statut.rules.parameter_set import Parameter, Validity

DateArray = npt.NDArray[np.datetime64]
NOT_A_DATE: Final = np.datetime64("NaT", "D")
NAT_DAY: Final = np.iinfo(np.int64).min  # the day number numpy gives NaT
_EPOCH_SHIFT: Final = 719_468  # days from 0000-03-01 to 1970-01-01
_DAYS_PER_ERA: Final = 146_097  # 400 Gregorian years
_NO_END: Final = np.iinfo(np.int64).max


def as_dates(values: npt.ArrayLike) -> DateArray:
    """A column of days (``None`` and empty text become NaT, "not a date")."""
    array = np.asarray(values)
    if array.dtype.kind == "M":
        return array.astype("datetime64[D]")
    if array.dtype.kind in {"O", "U"}:
        cleaned = ["NaT" if value is None or value == "" else value for value in array.reshape(-1).tolist()]
        return np.array(cleaned, dtype="datetime64[D]").reshape(array.shape)
    return array.astype("datetime64[D]")


def day_numbers(days: npt.NDArray[Any]) -> Int64Array:
    """Days since 1970-01-01 (``NAT_DAY`` for NaT), without a copy."""
    result: Int64Array = np.ascontiguousarray(days.astype("datetime64[D]", copy=False)).view(np.int64)
    return result


def day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def civil_from_days(days: Int64Array) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Year, month (1-12) and day (1-31) of each day number (dates from 1 March of year 0)."""
    shifted = days + _EPOCH_SHIFT
    era = shifted // _DAYS_PER_ERA
    day_of_era = shifted - era * _DAYS_PER_ERA
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153  # 0 = March ... 11 = February
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + 3 - 12 * (month_index >= 10)
    year = year_of_era + era * 400 + (month <= 2)
    return year, month, day


def days_from_civil(year: Int64Array, month: Int64Array, day: Int64Array) -> Int64Array:
    """Day numbers of (year, month, day) columns (the inverse of :func:`civil_from_days`)."""
    year = year - (month <= 2)
    era = year // 400
    year_of_era = year - era * 400
    month_index = (month + 9) % 12
    day_of_year = (153 * month_index + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    result: Int64Array = era * _DAYS_PER_ERA + day_of_era - _EPOCH_SHIFT
    return result


def is_leap(year: Int64Array) -> BoolArray:
    leap: BoolArray = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap


def _leap_days_through(year: Int64Array) -> Int64Array:
    """Leap days (29 February) in the years 1 .. ``year``."""
    result: Int64Array = year // 4 - year // 100 + year // 400
    return result


class YearShifter:
    """Moves a column of days by whole years: the civil date is computed once, then each shift costs
    a few passes (365 days a year plus the 29 Februaries crossed). 29 February becomes 28 February in
    a common year (as :func:`statut.domain.calendar.add_years`). Days must be real dates (not NaT)."""

    def __init__(self, days: Int64Array) -> None:
        self.days = days
        self.year, month, day = civil_from_days(days)
        self._counted_from = self.year - (month <= 2)  # January and February cross their own February
        self._leap_before = _leap_days_through(self._counted_from)
        self._moved_29 = np.flatnonzero((month == 2) & (day == 29))

    def shift(self, years: Int64Array | int) -> Int64Array:
        years_ = np.asarray(years, dtype=np.int64)
        result: Int64Array = self.days + 365 * years_ + _leap_days_through(self._counted_from + years_)
        result -= self._leap_before
        if self._moved_29.size:
            moved = self._moved_29
            target = self.year[moved] + (years_[moved] if years_.ndim else years_)
            result[moved] -= ~is_leap(target)
        return result


def add_years_to_day_numbers(days: Int64Array, years: Int64Array | int) -> Int64Array:
    """The same day ``years`` later, as day numbers (see :class:`YearShifter`)."""
    return YearShifter(days).shift(years)


def add_years(days: DateArray, years: npt.ArrayLike) -> DateArray:
    """The same day ``years`` later; 29 February becomes 28 February in a common year (as
    :func:`statut.domain.calendar.add_years`). NaT stays NaT."""
    numbers = day_numbers(days)
    known = numbers != NAT_DAY
    moved = add_years_to_day_numbers(numbers * known, np.asarray(years, dtype=np.int64))
    result: DateArray = np.where(known, moved, NAT_DAY).view("datetime64[D]")
    return result


def _entry_bounds(parameter: Parameter) -> tuple[Int64Array, Int64Array]:
    """Start and end (exclusive) day numbers of each entry."""
    starts = [day_number(entry.start) for entry in parameter.values]
    if parameter.validity is Validity.CALENDAR_YEAR:
        ends = [day_number(date(entry.start.year + 1, 1, 1)) for entry in parameter.values]
    else:
        ends = [_NO_END] * len(starts)
    return np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64)


def entry_index(parameter: Parameter, points: Int64Array) -> Int64Array:
    """Index of the entry in force on each day number (-1 where none, NaT included)."""
    starts, ends = _entry_bounds(parameter)
    index = np.full(len(points), -1, dtype=np.int64)
    for start in starts.tolist():
        index += points >= start
    if parameter.validity is Validity.CALENDAR_YEAR:
        index[points >= ends[np.maximum(index, 0)]] = -1
    return index


def values_on(parameter: Parameter, points: Int64Array | DateArray, scale: int = 1) -> tuple[Int64Array, BoolArray]:
    """The value (times ``scale``, as an integer) of a single-valued parameter on each day (day
    numbers or dates), and whether a figure is known there (False for NaT, before the first entry, or
    where the entry is null)."""
    array = np.asarray(points)
    numbers = day_numbers(array) if array.dtype.kind == "M" else array.astype(np.int64, copy=False)
    index = entry_index(parameter, numbers)
    values = np.array(
        [0] + [to_scaled_int(e.value, scale) if isinstance(e.value, Decimal) else 0 for e in parameter.values],
        dtype=np.int64,
    )
    present = np.array([False] + [isinstance(entry.value, Decimal) for entry in parameter.values], dtype=np.bool_)
    known: BoolArray = present[index + 1]
    return values[index + 1], known
