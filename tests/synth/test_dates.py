from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.domain.calendar import Quarter, add_years
from statut.synth import dates

days = st.dates(min_value=date(1800, 1, 1), max_value=date(2200, 12, 31))


@settings(max_examples=300, deadline=None)
@given(day=days)
def test_ymd_and_from_ymd_agree_with_python(day: date) -> None:
    number = np.array([dates.day_number(day)])
    year, month, dom = dates.ymd(number)
    assert (int(year[0]), int(month[0]), int(dom[0])) == (day.year, day.month, day.day)
    assert dates.from_ymd(year, month, dom)[0] == number[0]


@settings(max_examples=200, deadline=None)
@given(day=days, years=st.integers(-90, 90))
def test_add_years_matches_the_domain(day: date, years: int) -> None:
    shifted = dates.add_years(np.array([dates.day_number(day)]), years)[0]
    assert date(1970, 1, 1) + timedelta(days=int(shifted)) == add_years(day, years)


@settings(max_examples=200, deadline=None)
@given(day=days)
def test_quarters_match_the_domain(day: date) -> None:
    number = np.array([dates.day_number(day)])
    index = dates.quarter_of(number)[0]
    assert index == Quarter.of(day).index
    assert dates.quarter_start(np.array([index]))[0] == dates.day_number(Quarter.of(day).start)
