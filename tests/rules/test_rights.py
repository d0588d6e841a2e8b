"""Rights detection: eligible, not eligible or missing data, with reasons."""

from __future__ import annotations

from datetime import date

import numpy as np

from statut.rules import (
    BridgingTrigger,
    Household,
    Outcome,
    bridging_right,
    incapacity_benefit,
    maternity_aid,
    pension_right,
)

Y, NO, UNK = 1, 0, -1


def outcomes(result: object) -> list[str]:
    return [Outcome(int(v)).name.lower() for v in result.outcome]  # type: ignore[attr-defined]


def test_maternity_aid() -> None:
    births = np.array(["2024-03-01", "NaT", "2024-03-01", "2024-03-01", "2018-05-01"], dtype="datetime64[D]")
    result = maternity_aid(births, [Y, Y, NO, Y, Y], [Y, Y, Y, UNK, Y], [Y, Y, Y, Y, Y], [Y, Y, Y, Y, Y])
    assert outcomes(result) == ["eligible", "not_eligible", "not_eligible", "missing_data", "missing_data"]
    assert result.vouchers.tolist() == [105, 0, 0, 0, 0]
    assert result.reason_codes(1) == ["no_birth"]
    assert result.reason_codes(3) == ["insurance_unknown"]
    assert result.reason_codes(4) == ["rules_unknown"]
    assert result.explain(0, "fr")[1] == "toutes les conditions sont remplies : 105 titres-services gratuits"


def test_bridging_right_duration_and_amount() -> None:
    result = bridging_right(
        [
            BridgingTrigger.BANKRUPTCY,
            BridgingTrigger.FORCED_INTERRUPTION,
            BridgingTrigger.NONE,
            BridgingTrigger.UNKNOWN,
            BridgingTrigger.ECONOMIC_CESSATION,
            BridgingTrigger.BANKRUPTCY,
        ],
        ["2024-02-01", "2025-01-01", "2025-01-01", "2025-01-01", "2022-06-30", "2025-01-01"],
        [60, 25, 80, 80, 80, UNK],
        [Y, NO, Y, Y, Y, Y],
    )
    assert outcomes(result) == ["eligible", "eligible", "not_eligible", "missing_data", "missing_data", "missing_data"]
    assert result.months.tolist() == [12, 6, 0, 0, 0, 0]
    assert result.monthly_amount.tolist() == [204718, 163826, -1, -1, -1, -1]
    assert result.amount_unconfirmed.tolist() == [True, True, False, False, False, False]
    assert "amount_unconfirmed" in result.reason_codes(0)
    assert result.reason_codes(4) == ["rules_unknown"]
    assert result.reason_codes(5) == ["career_unknown"]


def test_bridging_right_with_unknown_dependants_is_eligible_without_an_amount() -> None:
    result = bridging_right(BridgingTrigger.BANKRUPTCY, ["2025-03-01"], 30, UNK)
    assert outcomes(result) == ["eligible"]
    assert result.monthly_amount[0] == -1
    assert "dependants_unknown" in result.reason_codes(0)


def test_pension_legal_age_early_pension_and_earliest_date() -> None:
    births = np.array(
        ["1959-06-01", "1962-03-15", "1962-03-15", "1970-01-01", "NaT", "1966-01-01"], dtype="datetime64[D]"
    )
    result = pension_right(births, [20, 43, 30, 10, 40, UNK], as_of=date(2025, 6, 1), continuing=[0, 0, 0, 1, 0, 0])
    assert outcomes(result) == ["eligible", "eligible", "not_eligible", "not_eligible", "missing_data", "missing_data"]
    assert result.legal_age.tolist()[:4] == [65, 66, 66, 67]
    assert str(result.legal_date[0]) == "2024-06-01"
    assert str(result.earliest_date[1]) == "2023-03-15"  # 61 with 43 career years
    assert result.early.tolist()[:3] == [False, True, False]
    assert str(result.earliest_date[2]) == "2028-03-15"  # 30 years: legal age 66
    assert str(result.earliest_date[3]) == "2037-01-01"  # 10 years + projection: legal age 67
    assert result.reason_codes(4) == ["birth_date_unknown"]
    assert result.reason_codes(5) == ["career_unknown"]
    assert "2023" in result.explain(1, "en")[1]


def test_incapacity_benefit_basic_conditions() -> None:
    result = incapacity_benefit(
        [30, 7, 8, -1, 30],
        [6, 6, 6, 6, 5],
        [Y, Y, Y, Y, Y],
        [Household.WITH_DEPENDANTS, Household.SINGLE, Household.UNKNOWN, Household.SINGLE, Household.COHABITING],
        as_of=date(2025, 1, 1),
    )
    assert outcomes(result) == ["eligible", "not_eligible", "eligible", "missing_data", "not_eligible"]
    assert result.daily_rate.tolist() == [7642, -1, -1, -1, -1]
    assert result.reason_codes(1) == ["short_incapacity"]
    assert "household_unknown" in result.reason_codes(2)
    assert result.explain(4, "nl")[1] == "wachttijd van 6 maanden niet vervuld"
