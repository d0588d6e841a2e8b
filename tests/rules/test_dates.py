"""Integer date arithmetic over columns agrees with the domain's calendar functions."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.domain.calendar import add_years as domain_add_years
from statut.rules import load_parameters, pension_right
from statut.rules.dates import add_years, civil_from_days, day_number, days_from_civil, values_on

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=200, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=50), st.integers(min_value=-80, max_value=80))
def test_adding_years_matches_the_domain(days: list[date], years: int) -> None:
    column = np.array(days, dtype="datetime64[D]")
    got = add_years(column, years)
    assert [d.item() for d in got] == [domain_add_years(d, years) for d in days]


@settings(max_examples=100, deadline=None)
@given(st.lists(DATES, min_size=1, max_size=50))
def test_civil_conversions_round_trip(days: list[date]) -> None:
    numbers = np.array([day_number(d) for d in days], dtype=np.int64)
    year, month, day = civil_from_days(numbers)
    assert [(int(y), int(m), int(d)) for y, m, d in zip(year, month, day, strict=True)] == [
        (d.year, d.month, d.day) for d in days
    ]
    assert (days_from_civil(year, month, day) == numbers).all()


def _legal_age_by_the_rule(birth: date) -> int:
    """The rule written plainly: the first age at least the age in force on the day it is reached."""
    ages = load_parameters()["rights.pension.legal_age"]
    for age in (65, 66, 67):
        entry = ages.entry_on(domain_add_years(birth, age))
        assert entry is not None
        if age >= int(entry.value):  # type: ignore[arg-type]
            return age
    raise AssertionError(birth)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dates(min_value=date(1940, 1, 1), max_value=date(2005, 12, 31)), min_size=1, max_size=40))
def test_the_legal_pension_age_follows_the_rule_for_every_birth_date(births: list[date]) -> None:
    result = pension_right(np.array(births, dtype="datetime64[D]"), -1, as_of=date(2026, 1, 1))
    for index, birth in enumerate(births):
        age = _legal_age_by_the_rule(birth)
        assert result.legal_age[index] == age
        assert result.legal_date[index].item() == domain_add_years(birth, age)


def test_the_cut_offs_around_the_changes_of_age() -> None:
    births = [date(1959, 12, 31), date(1960, 1, 1), date(1963, 12, 31), date(1964, 1, 1), date(1964, 2, 29)]
    result = pension_right(np.array(births, dtype="datetime64[D]"), -1, as_of=date(2026, 1, 1))
    assert result.legal_age.tolist() == [65, 66, 66, 67, 67]
    assert result.legal_date[-1].item() == date(2031, 2, 28)


def test_values_on_days_respects_entries_and_nat() -> None:
    parameter = load_parameters()["rights.maternity.service_vouchers"]
    days = np.array(["2018-12-31", "2019-01-01", "NaT", "2040-01-01"], dtype="datetime64[D]")
    values, known = values_on(parameter, days)
    assert known.tolist() == [False, True, False, True]
    assert values.tolist() == [0, 105, 0, 105]
    thresholds = load_parameters()["contributions.thresholds.first"]
    days = np.array([date(2023, 12, 31), date(2024, 1, 1) - timedelta(days=0), date(2027, 1, 1)], dtype="datetime64[D]")
    values, known = values_on(thresholds, days, 100)
    assert values.tolist()[:2] == [7_085_799, 7_281_095]
    assert known.tolist() == [True, True, False]  # calendar-year values do not carry into 2027
