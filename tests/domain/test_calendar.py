from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statut.domain.calendar import DateRange, Quarter, add_years, age_on
from statut.domain.errors import InvalidPeriod

quarters = st.builds(Quarter, st.integers(1900, 2100), st.integers(1, 4))
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@given(quarters, st.integers(-400, 400))
def test_quarter_arithmetic_round_trips(quarter: Quarter, n: int) -> None:
    if not 1800 <= (quarter + n).year <= 2200:
        return
    assert (quarter + n) - n == quarter
    assert (quarter + n).minus(quarter) == n


@given(days)
def test_a_day_lies_in_its_quarter(day: date) -> None:
    quarter = Quarter.of(day)
    assert quarter.start <= day < quarter.end
    assert quarter.last_day == quarter.end - timedelta(days=1)
    assert Quarter.from_index(quarter.index) == quarter


@given(quarters)
def test_quarter_text_round_trips(quarter: Quarter) -> None:
    assert Quarter.parse(str(quarter)) == quarter


def test_quarter_parsing_is_strict() -> None:
    assert Quarter.parse("2024-Q3") == Quarter(2024, 3)
    for bad in ["2024Q5", "2024", "Q1", "24Q1", ""]:
        with pytest.raises(InvalidPeriod, match="quarter"):
            Quarter.parse(bad)


def test_ranges_are_half_open() -> None:
    first = DateRange(date(2024, 1, 1), date(2024, 4, 1))
    second = DateRange(date(2024, 4, 1), None)
    assert not first.overlaps(second)
    assert list(first.quarters()) == [Quarter(2024, 1)]
    assert first.contains(date(2024, 3, 31))
    assert not first.contains(date(2024, 4, 1))
    assert second.overlaps(DateRange(date(2030, 1, 1), date(2030, 1, 2)))
    assert list(second.quarters(until=date(2024, 10, 1))) == [Quarter(2024, 2), Quarter(2024, 3)]


@given(days, days, days, days)
def test_overlap_is_symmetric_and_matches_intersection(a: date, b: date, c: date, d: date) -> None:
    if a >= b or c >= d:
        return
    left, right = DateRange(a, b), DateRange(c, d)
    assert left.overlaps(right) == right.overlaps(left)
    assert (left.intersection(right) is not None) == left.overlaps(right)


def test_end_before_start_names_the_field() -> None:
    with pytest.raises(InvalidPeriod, match="end_date"):
        DateRange(date(2024, 5, 1), date(2024, 4, 1))


def test_ages_and_anniversaries() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert age_on(date(1960, 6, 15), date(2025, 6, 14)) == 64
    assert age_on(date(1960, 6, 15), date(2025, 6, 15)) == 65
