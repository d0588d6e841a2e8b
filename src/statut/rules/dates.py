"""Dates over columns (``datetime64[D]``) and parameter lookup by date for a whole column.

``values_on`` is the column form of :meth:`Parameter.entry_on`: one ``searchsorted`` over the start
dates of the parameter's entries, so 1.2 million dates cost one pass whatever the number of periods.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int64Array, to_scaled_int
from statut.rules.parameter_set import Parameter, Validity

DateArray = npt.NDArray[np.datetime64]
NOT_A_DATE: Final = np.datetime64("NaT", "D")


def as_dates(values: npt.ArrayLike) -> DateArray:
    """A column of days (``None`` and empty text become NaT, "not a date")."""
    array = np.asarray(values)
    if array.dtype.kind == "M":
        return array.astype("datetime64[D]")
    cleaned = (
        np.where(np.vectorize(lambda v: v is None or v == "", otypes=[bool])(array), "NaT", array)
        if array.size
        else array
    )
    return np.asarray(cleaned, dtype="datetime64[D]")


def split_dates(days: DateArray) -> tuple[Int64Array, Int64Array, Int64Array]:
    """Year, month (1-12) and day (1-31) of each date (garbage where the date is NaT)."""
    years = days.astype("datetime64[Y]")
    months = days.astype("datetime64[M]")
    year = years.astype(np.int64) + 1970
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def is_leap(year: Int64Array) -> BoolArray:
    leap: BoolArray = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    return leap


def add_years(days: DateArray, years: npt.ArrayLike) -> DateArray:
    """The same day ``years`` later; 29 February becomes 28 February in a common year (as
    :func:`statut.domain.calendar.add_years`). NaT stays NaT."""
    year, month, day = split_dates(days)
    target = year + np.asarray(years, dtype=np.int64)
    day = np.where((month == 2) & (day == 29) & ~is_leap(target), 28, day)
    first_of_month = ((target - 1970) * 12 + month - 1).astype("datetime64[M]").astype("datetime64[D]")
    result: DateArray = np.where(np.isnat(days), NOT_A_DATE, first_of_month + (day - 1).astype("timedelta64[D]"))
    return result


def values_on(parameter: Parameter, days: DateArray, scale: int = 1) -> tuple[Int64Array, BoolArray]:
    """The value (times ``scale``, as an integer) of a single-valued parameter on each date, and
    whether a figure is known there (False for NaT, before the first entry, or a null value)."""
    starts = np.array([entry.start.isoformat() for entry in parameter.values], dtype="datetime64[D]")
    values = np.array(
        [0 if not isinstance(e.value, Decimal) else to_scaled_int(e.value, scale) for e in parameter.values],
        dtype=np.int64,
    )
    present = np.array([isinstance(entry.value, Decimal) for entry in parameter.values], dtype=np.bool_)
    index = np.searchsorted(starts, days, side="right") - 1
    safe = np.clip(index, 0, len(starts) - 1)
    known = (index >= 0) & ~np.isnat(days) & present[safe]
    if parameter.validity is Validity.CALENDAR_YEAR:
        known &= starts[safe].astype("datetime64[Y]") == days.astype("datetime64[Y]")
    return np.where(known, values[safe], 0), known


def entry_index_on(parameter: Parameter, days: DateArray) -> Int64Array:
    """Index of the entry in force on each date (-1 where none or NaT), for table parameters."""
    starts = np.array([entry.start.isoformat() for entry in parameter.values], dtype="datetime64[D]")
    index = np.searchsorted(starts, days, side="right") - 1
    result: Int64Array = np.where(np.isnat(days), -1, index)
    return result
