"""Invariants of the contribution rules (hypothesis): never negative, monotone in income, constant
above the ceiling."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.rules import final_contributions, load_parameters, provisional_contributions

YEARS = st.integers(min_value=2019, max_value=2026)
CAPACITY = st.integers(min_value=0, max_value=4)
QUARTERS = st.integers(min_value=1, max_value=4)
INCOME = st.integers(min_value=0, max_value=50_000_000)
FEE = st.sampled_from([0, 30_500, 42_500])


@settings(max_examples=300, deadline=None)
@given(YEARS, CAPACITY, st.lists(INCOME, min_size=1, max_size=50), QUARTERS, st.booleans(), FEE)
def test_contributions_are_never_negative(
    year: int, capacity: int, incomes: list[int], quarters: int, primo: bool, fee: int
) -> None:
    result = final_contributions(
        year, capacity, incomes, quarters_active=quarters, primo_starter=int(primo and capacity == 0), fee_rate_ppm=fee
    )
    for column in (result.annual, result.quarterly, result.fee, result.quarterly_with_fees):
        assert (column >= 0).all()
    provisional = provisional_contributions(year, capacity, incomes)
    assert (provisional.quarterly >= 0).all()


@settings(max_examples=300, deadline=None)
@given(YEARS, CAPACITY, st.lists(INCOME, min_size=2, max_size=60), QUARTERS, st.booleans())
def test_contributions_never_fall_when_the_income_rises(
    year: int, capacity: int, incomes: list[int], quarters: int, primo: bool
) -> None:
    ordered = np.sort(np.array(incomes))
    result = final_contributions(
        year, capacity, ordered, quarters_active=quarters, primo_starter=int(primo and capacity == 0)
    )
    computed = result.ok
    for column in (result.annual, result.quarterly):
        values = column[computed]
        assert (np.diff(values) >= 0).all()


@settings(max_examples=200, deadline=None)
@given(YEARS, CAPACITY, st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=30), QUARTERS)
def test_contributions_are_constant_above_the_ceiling(
    year: int, capacity: int, extra: list[int], quarters: int
) -> None:
    entry = load_parameters()["contributions.thresholds.ceiling"].entry_on(date(year, 1, 1))
    if entry is None or entry.value is None:
        return
    # the income whose annual basis is the ceiling, rounded up to the cent
    ceiling = int(Decimal(str(entry.value)) * 100 * quarters / 4) + 1
    at = final_contributions(year, capacity, ceiling, quarters_active=quarters)
    above = final_contributions(year, capacity, [ceiling + e for e in extra], quarters_active=quarters)
    if not at.ok[0]:
        return
    assert above.ok.all()
    assert (above.quarterly == at.quarterly[0]).all()
    assert (above.annual == at.annual[0]).all()
