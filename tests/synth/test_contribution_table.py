"""The generator's contribution approximation reproduces the sourced figures of the domain file."""

from __future__ import annotations

import numpy as np
import pytest

from statut.domain.errors import StatutError
from statut.synth.contribution_table import CAPACITIES, TABLE, parameters_for, quarterly_contribution_cents

MAIN, COMPLEMENTARY, STUDENT, SPOUSE, PENSIONER = range(5)


def quarterly(capacity: int, year: int, income_cents: int) -> int:
    return int(quarterly_contribution_cents(np.array([capacity]), np.array([year]), np.array([income_cents]))[0])


@pytest.mark.parametrize(
    ("year", "minimum_per_quarter"),
    [(2019, 70_968), (2021, 71_968), (2022, 75_125), (2023, 84_097), (2024, 86_415), (2025, 87_171)],
)
def test_main_minimum_per_quarter_matches_the_domain_file(year: int, minimum_per_quarter: int) -> None:
    # self-employed-rules.md: 709.68 (2019), 719.68 (2021), 751.25 (2022), 840.97 (2023), 864.15 (2024), 871.71 (2025)
    assert quarterly(MAIN, year, 0) == minimum_per_quarter


def test_2023_maximum_matches_the_domain_file() -> None:
    assert quarterly(MAIN, 2023, 500_000_00) == 481_965  # 4,819.65 per quarter (acs.be; dexxter.be)


def test_brackets() -> None:
    params = parameters_for(2025)
    income = 50_000_00
    assert quarterly(MAIN, 2025, income) == (income * 2050 + 20_000) // 40_000
    above = params.first_threshold + 10_000_00
    expected = (params.first_threshold * 2050 + 10_000_00 * 1416 + 20_000) // 40_000
    assert quarterly(MAIN, 2025, above) == expected


def test_complementary_student_pensioner_and_spouse_rules() -> None:
    params = parameters_for(2023)
    assert quarterly(COMPLEMENTARY, 2023, params.complementary_threshold - 1) == 0
    assert quarterly(COMPLEMENTARY, 2023, 10_000_00) == (10_000_00 * 2050 + 20_000) // 40_000
    assert quarterly(STUDENT, 2023, params.student_threshold) == 0
    between = params.student_threshold + 1_000_00
    assert quarterly(STUDENT, 2023, between) == (1_000_00 * 2050 + 20_000) // 40_000
    assert quarterly(STUDENT, 2023, params.main_minimum_income) == quarterly(MAIN, 2023, params.main_minimum_income)
    assert quarterly(PENSIONER, 2023, params.pensioner_threshold - 1) == 0
    assert quarterly(PENSIONER, 2023, 20_000_00) == (20_000_00 * 1470 + 20_000) // 40_000
    assert quarterly(SPOUSE, 2023, 0) == (params.spouse_minimum_income * 2050 + 20_000) // 40_000


def test_every_year_is_labelled_with_what_was_derived() -> None:
    assert TABLE[2023].derived == ()
    assert "main_minimum_income" in TABLE[2016].derived
    assert TABLE[2016].spouse_minimum_income == 571_558
    for params in TABLE.values():
        assert params.main_minimum_income < params.first_threshold < params.ceiling
        assert params.source
    assert len(CAPACITIES) == 5
    with pytest.raises(StatutError):
        parameters_for(2010)
