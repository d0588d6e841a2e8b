"""The column engine (integer cents) agrees to the cent with the Decimal reference on any case."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from statut.rules import (
    ParameterSet,
    capacity_code,
    final_contributions,
    late_increases,
    load_parameters,
    provisional_contributions,
)
from tests.rules import decimal_reference
from tests.rules.decimal_reference import CAPACITIES

# Incomes near every threshold of every year, and anywhere else.
EDGES = sorted(
    {
        int(Decimal(str(entry.value)) * 100)
        for name in load_parameters()
        if load_parameters()[name].unit == "EUR/year"
        for entry in load_parameters()[name].values
        if entry.value is not None
    }
)
incomes = st.one_of(
    st.integers(min_value=0, max_value=30_000_000),
    st.sampled_from(EDGES).flatmap(lambda edge: st.integers(min_value=edge - 5, max_value=edge + 5)),
    st.integers(min_value=-100, max_value=10**13),
)
years = st.integers(min_value=2018, max_value=2027)
capacities = st.sampled_from([*CAPACITIES, "nobody"])
cases = st.tuples(
    years,
    capacities,
    incomes,
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=1),
    st.sampled_from([0, 30_500, 39_500, 42_500, 100_000, 1]),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _columns(batch: list[tuple[int, str, int, int, int, int]]) -> list[np.ndarray]:
    return [np.array(column) for column in zip(*batch, strict=True)]


@SETTINGS
@given(st.lists(cases, min_size=1, max_size=40))
def test_final_contributions_agree_with_the_decimal_reference(batch: list[tuple[int, str, int, int, int, int]]) -> None:
    parameters: ParameterSet = load_parameters()
    year, capacity, income, quarters, primo, fee = _columns(batch)
    codes = np.array([capacity_code(name) for name in capacity])
    result = final_contributions(year, codes, income, quarters_active=quarters, primo_starter=primo, fee_rate_ppm=fee)
    for index, (y, cap, inc, q, p, f) in enumerate(batch):
        expected = decimal_reference.final_contribution(
            parameters, y, cap, Decimal(inc) / 100, q, p, Decimal(f) / 1_000_000
        )
        got_error = "" if result.error[index] == 0 else result.error_name(index)
        assert got_error == expected.error, (y, cap, inc, q, p, f)
        assert (
            result.annual[index],
            result.quarterly[index],
            result.fee[index],
            result.quarterly_with_fees[index],
        ) == (
            expected.annual,
            expected.quarterly,
            expected.fee,
            expected.with_fees,
        ), (y, cap, inc, q, p, f)


@SETTINGS
@given(st.lists(st.tuples(years, capacities, incomes, st.booleans(), st.booleans()), max_size=40))
def test_provisional_contributions_agree_with_the_decimal_reference(
    batch: list[tuple[int, str, int, bool, bool]],
) -> None:
    parameters = load_parameters()
    for y, cap, inc, starter, primo in batch:
        got = provisional_contributions(y, capacity_code(cap), inc, starter=int(starter), primo_starter=int(primo))
        expected = decimal_reference.provisional_contribution(
            parameters, y, cap, Decimal(inc) / 100, int(starter), int(primo)
        )
        got_error = "" if got.error[0] == 0 else got.error_name(0)
        assert got_error == expected.error, (y, cap, inc, starter, primo)
        assert got.quarterly[0] == expected.quarterly, (y, cap, inc, starter, primo)
        assert got.annual[0] == expected.annual
        if not starter and not expected.error:
            assert got.indexed_income[0] == expected.indexed_income


@SETTINGS
@given(st.lists(st.integers(min_value=0, max_value=10**9), min_size=4, max_size=4), st.integers(2019, 2030))
def test_late_increases_agree_with_the_decimal_reference(unpaid: list[int], year: int) -> None:
    got = late_increases(unpaid, year)
    three, seven = decimal_reference.late_increases(load_parameters(), year, [Decimal(v) / 100 for v in unpaid])
    assert (int(got.quarterly.sum()), int(got.january[0])) == (three, seven)
