"""Calendar types: quarters, years and half-open date ranges.

Social contributions are due per calendar quarter (Royal Decree n°38 of 27 July 1967, art. 11) and the
pension career counts quarters, so the quarter is the unit of most of the domain. Ranges are half-open
``[start, end)``: an affiliation that ends on 1 April covers the first quarter and nothing of the
second, and two consecutive ranges never overlap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import total_ordering

from statut.domain.errors import InvalidPeriod

_QUARTER_RE = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$")


@total_ordering
@dataclass(frozen=True, slots=True)
class Quarter:
    """A calendar quarter, e.g. ``Quarter(2024, 1)`` printed ``2024Q1``."""

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise InvalidPeriod("quarter", self.number, "a quarter number is 1 to 4")
        if not 1800 <= self.year <= 2200:
            raise InvalidPeriod("quarter", self.year, "year out of range 1800-2200")

    @classmethod
    def parse(cls, raw: str) -> Quarter:
        match = _QUARTER_RE.match(raw)
        if not match:
            raise InvalidPeriod("quarter", raw, "expected a quarter like 2024Q1")
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def from_index(cls, index: int) -> Quarter:
        """Inverse of :attr:`index`."""
        return cls(index // 4, index % 4 + 1)

    @property
    def index(self) -> int:
        """A continuous integer (year * 4 + number - 1): quarter arithmetic in columns uses it."""
        return self.year * 4 + self.number - 1

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        """First day after the quarter (half-open)."""
        return (self + 1).start

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def __add__(self, quarters: int) -> Quarter:
        return Quarter.from_index(self.index + quarters)

    def __sub__(self, other: int) -> Quarter:
        return Quarter.from_index(self.index - other)

    def minus(self, other: Quarter) -> int:
        """Number of quarters from ``other`` to ``self``."""
        return self.index - other.index

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Quarter):
            return NotImplemented
        return self.index < other.index

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"


@dataclass(frozen=True, slots=True)
class DateRange:
    """Half-open range ``[start, end)``; ``end=None`` means open-ended (still running)."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise InvalidPeriod("end_date", self.end.isoformat(), f"must be after the start {self.start.isoformat()}")

    def contains(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def overlaps(self, other: DateRange) -> bool:
        self_before_other_ends = other.end is None or self.start < other.end
        other_before_self_ends = self.end is None or other.start < self.end
        return self_before_other_ends and other_before_self_ends

    def intersection(self, other: DateRange) -> DateRange | None:
        if not self.overlaps(other):
            return None
        start = max(self.start, other.start)
        ends = [e for e in (self.end, other.end) if e is not None]
        return DateRange(start, min(ends) if ends else None)

    def quarters(self, until: date | None = None) -> Iterator[Quarter]:
        """Quarters touched by the range; an open range stops at ``until`` (exclusive)."""
        stop = self.end if self.end is not None else until
        if stop is None:
            raise InvalidPeriod("end_date", None, "an open range needs an 'until' date to enumerate quarters")
        quarter = Quarter.of(self.start)
        while quarter.start < stop:
            yield quarter
            quarter = quarter + 1


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))
