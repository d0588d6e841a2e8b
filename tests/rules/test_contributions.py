"""The contribution engine over columns: same code for one case and for many, errors per row."""

from __future__ import annotations

import numpy as np
import pytest

from statut.rules import (
    CapacityCode,
    CaseErrorCode,
    due_quarter_count,
    final_contributions,
    provisional_contributions,
    quarters_due,
    regularisation,
)
from statut.rules.arithmetic import div_round_half_up, mul_div_round_half_up
from tests.rules.helpers import cents

MAIN = CapacityCode.MAIN


def test_one_case_and_a_population_give_the_same_amounts() -> None:
    rng = np.random.default_rng(5)
    size = 2_000
    year = rng.integers(2018, 2028, size)
    capacity = rng.integers(-1, 5, size)
    income = rng.integers(-1_000, 20_000_000, size)
    quarters = rng.integers(0, 5, size)
    primo = rng.integers(0, 2, size)
    fee = rng.choice([0, 30_500, 39_500, 42_500], size)
    batch = final_contributions(year, capacity, income, quarters_active=quarters, primo_starter=primo, fee_rate_ppm=fee)
    for index in range(0, size, 37):
        one = final_contributions(
            int(year[index]),
            int(capacity[index]),
            int(income[index]),
            quarters_active=int(quarters[index]),
            primo_starter=int(primo[index]),
            fee_rate_ppm=int(fee[index]),
        )
        assert one.error[0] == batch.error[index]
        assert one.quarterly_with_fees[0] == batch.quarterly_with_fees[index]
        assert one.annual[0] == batch.annual[index]


def test_a_bad_case_does_not_stop_the_others() -> None:
    result = final_contributions(
        [2025, 2010, 2025, 2025, 2025, 2020],
        [MAIN, MAIN, 9, MAIN, MAIN, MAIN],
        [cents("17008.88"), 100, 100, -1, 100, 100],
        quarters_active=[4, 4, 4, 4, 7, 4],
    )
    assert [CaseErrorCode(int(code)).name for code in result.error] == [
        "NONE",
        "UNKNOWN_YEAR",
        "UNKNOWN_CAPACITY",
        "NEGATIVE_INCOME",
        "INVALID_QUARTERS",
        "MISSING_PARAMETER",
    ]
    assert result.quarterly.tolist() == [87171, 0, 0, 0, 0, 0]
    assert result.problem_of(5) is not None
    assert result.problem_of(5).parameter == "contributions.thresholds.first"  # type: ignore[union-attr]


def test_the_fee_is_the_rounded_quarterly_amount_times_the_fund_rate() -> None:
    result = final_contributions(
        [2021, 2025], MAIN, [cents("14042.57"), cents("17008.88")], fee_rate_ppm=[39_500, 30_500]
    )
    assert result.quarterly.tolist() == [71968, 87171]
    assert result.fee.tolist() == [2843, 2659]
    assert result.quarterly_with_fees.tolist() == [74811, 89830]


def test_invalid_fee_rates_and_primo_flags_are_case_errors() -> None:
    result = final_contributions(2025, MAIN, 100_000, primo_starter=[0, 2, 0], fee_rate_ppm=[-1, 0, 1_000_000])
    assert [CaseErrorCode(int(c)).name for c in result.error] == [
        "INVALID_FEE_RATE",
        "INVALID_PRIMO_STARTER",
        "INVALID_FEE_RATE",
    ]


def test_cases_relying_on_an_unconfirmed_value_are_flagged() -> None:
    result = final_contributions([2023, 2024], MAIN, 5_000_000)
    assert result.uses_unconfirmed.tolist() == [False, True]


def test_the_2026_minimum_is_unknown_but_does_not_stop_incomes_provably_above_it() -> None:
    result = final_contributions(2026, MAIN, [cents("17374.00"), cents("17374.20"), cents("200000")])
    assert [CaseErrorCode(int(c)).name for c in result.error] == ["MINIMUM_UNKNOWN", "NONE", "NONE"]
    assert result.quarterly.tolist() == [0, 89043, 510305]  # 17,374.20 x 20.5 % / 4 = 890.4278
    assert result.problem_of(0).parameter == "contributions.main.minimum_income"  # type: ignore[union-attr]


def test_provisional_contributions_index_the_income_of_year_n_minus_3() -> None:
    result = provisional_contributions([2023, 2025, 2024], MAIN, cents("50000.00"))
    assert result.indexed_income.tolist() == [cents("59156.90"), 0, cents("59339.13")]
    assert CaseErrorCode(int(result.error[1])) is CaseErrorCode.MISSING_PARAMETER
    assert result.quarterly[0] == cents("3031.79")


def test_a_starter_pays_the_flat_provisional_contribution_whatever_the_income() -> None:
    result = provisional_contributions(2025, MAIN, [0, 10_000_000], starter=1)
    assert result.quarterly.tolist() == [87171, 87171]
    assert result.starter.all()


def test_exempted_quarters_are_not_due_and_only_the_main_capacity_can_be_exempted() -> None:
    active = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 1]]).T  # quarter-major: (4, n)
    exempted = np.array([[0, 0, 1, 1], [0, 1, 0, 0], [1, 0, 0, 0]]).T
    due, error = quarters_due(active, exempted, [MAIN, MAIN, CapacityCode.COMPLEMENTARY])
    assert due_quarter_count(due).tolist() == [2, 1, 3]
    assert [CaseErrorCode(int(c)).name for c in error] == ["NONE", "NONE", "EXEMPTION_NOT_MAIN"]


def test_regularisation_is_a_supplement_or_a_refund() -> None:
    assert regularisation([395510, 102500], [1212716, 1212716], [4, 4]).tolist() == [369324, -802716]


@pytest.mark.parametrize(("numerator", "expected"), [(5, 1), (4, 0), (-5, -1), (-4, 0), (15, 2), (-15, -2)])
def test_rounding_is_half_away_from_zero(numerator: int, expected: int) -> None:
    assert div_round_half_up(np.array([numerator], dtype=np.int64), 10)[0] == expected


def test_scaled_multiplication_is_exact_for_the_largest_incomes() -> None:
    amounts = np.array([0, 1, 99_999_999, 10**15, 123_456_789_012_345], dtype=np.int64)
    got = mul_div_round_half_up(amounts, 118_678_260, 100_000_000)
    expected = [(a * 118_678_260 * 2 + 100_000_000) // 200_000_000 for a in amounts.tolist()]
    assert got.tolist() == expected


def test_quarterly_tables_must_be_quarter_major() -> None:
    with pytest.raises(ValueError, match="quarter-major"):
        quarters_due(np.ones((3, 4)), np.zeros((3, 4)), MAIN)
