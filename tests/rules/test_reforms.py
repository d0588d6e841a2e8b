"""A reform overrides parameters without touching the baseline; its budget effect is computable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from statut.rules import (
    CapacityCode,
    ParameterFileError,
    ParameterSet,
    UnknownParameterError,
    ValueStatus,
    apply_reform,
    budget_effect,
    final_contributions,
    load_parameters,
    parse_reform,
)

LOWER_RATE = """
name: lower-first-rate
description: 19 % instead of 20.5 % up to the first threshold from 2025
overrides:
  contributions.rates.first_bracket:
    - from: 2025-01-01
      value: "0.19"
"""


def test_applying_a_reform_leaves_the_baseline_unchanged(baseline: ParameterSet) -> None:
    before = final_contributions([2024, 2025, 2025], CapacityCode.MAIN, [5_000_000, 5_000_000, 0])
    rate_before = baseline["contributions.rates.first_bracket"]
    reformed = apply_reform(baseline, parse_reform(LOWER_RATE))
    assert load_parameters() is baseline
    assert baseline["contributions.rates.first_bracket"] is rate_before
    assert baseline.scalar("contributions.rates.first_bracket", date(2025, 6, 1)) == Decimal("0.205")
    after = final_contributions([2024, 2025, 2025], CapacityCode.MAIN, [5_000_000, 5_000_000, 0])
    assert after.quarterly.tolist() == before.quarterly.tolist()
    under_reform = final_contributions(
        [2024, 2025, 2025], CapacityCode.MAIN, [5_000_000, 5_000_000, 0], parameters=reformed
    )
    assert under_reform.quarterly[0] == before.quarterly[0]  # 2024 is before the reform
    assert under_reform.quarterly[1] == 237_500  # 50,000 x 19 % / 4
    assert under_reform.quarterly[2] == 80_792  # 17,008.88 x 19 % / 4 = 807.9218
    assert reformed.scalar("contributions.rates.first_bracket", date(2024, 6, 1)) == Decimal("0.205")
    assert reformed["contributions.rates.first_bracket"].entry_on(date(2025, 1, 1)).status is ValueStatus.REFORM  # type: ignore[union-attr]


def test_a_reform_can_fill_a_year_the_legislation_leaves_open_and_it_stays_marked_as_reform(
    baseline: ParameterSet,
) -> None:
    reform = parse_reform(
        """
name: hypothesis-2020
overrides:
  contributions.thresholds.first:
    - {from: 2020-01-01, value: "60000.00", reference: "hypothesis for a simulation"}
  contributions.thresholds.ceiling:
    - {from: 2020-01-01, value: "88500.00"}
"""
    )
    reformed = apply_reform(baseline, reform)
    assert final_contributions(2020, CapacityCode.MAIN, 0, parameters=reformed).quarterly[0] == 71_718  # 13,993.78
    assert final_contributions(2020, CapacityCode.MAIN, 0).error[0] != 0
    assert not [row for row in reformed.unconfirmed() if row.entry.status is ValueStatus.REFORM]


def test_the_budget_effect_compares_baseline_and_reform_on_a_population(baseline: ParameterSet) -> None:
    reformed = apply_reform(baseline, parse_reform(LOWER_RATE))
    rng = np.random.default_rng(1)
    size = 10_000
    income = rng.integers(0, 15_000_000, size)
    year = np.full(size, 2025)
    capacity = np.zeros(size, dtype=np.int64)
    effect = budget_effect(year, capacity, income, reform=reformed)
    base = final_contributions(year, capacity, income)
    assert effect.baseline_total == int((base.quarterly * 4).sum())
    assert effect.difference < 0
    assert effect.computed == size
    assert int(effect.difference_per_case.sum()) == effect.difference


def test_a_reform_of_an_unknown_parameter_or_without_a_name_is_refused(baseline: ParameterSet) -> None:
    with pytest.raises(UnknownParameterError):
        apply_reform(
            baseline, parse_reform('name: x\noverrides:\n  contributions.nope:\n    - {from: 2025-01-01, value: "1"}\n')
        )
    with pytest.raises(ParameterFileError, match="name"):
        parse_reform('overrides:\n  contributions.rates.first_bracket:\n    - {from: 2025-01-01, value: "1"}\n')
    with pytest.raises(ParameterFileError, match="floats"):
        parse_reform(
            "name: x\noverrides:\n  contributions.rates.first_bracket:\n    - {from: 2025-01-01, value: 0.19}\n"
        )
