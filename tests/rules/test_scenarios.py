"""YAML scenario tests (tests/rules/scenarios/*.yaml): inputs and expected outputs per period, from the
figures published by INASTI and the funds where there are some (each scenario cites its source), else
the formula of RD n°38 applied by hand to the parameters of the domain reference.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from statut.rules import (
    BridgingTrigger,
    CaseErrorCode,
    Outcome,
    QuarterStatus,
    bridging_right,
    capacity_code,
    career,
    due_quarter_count,
    final_contributions,
    late_increases,
    load_parameters,
    pension_right,
    provisional_contributions,
    quarter_status,
    quarters_due,
    regularisation,
    unpaid_at_quarter_ends,
)
from statut.rules.explain import parse_fee_rate
from tests.rules import decimal_reference
from tests.rules.helpers import cents, euros

SCENARIO_DIR = Path(__file__).parent / "scenarios"
Scenario = dict[str, Any]


def load_scenarios() -> list[tuple[str, str, Scenario]]:
    found = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        found += [(path.stem, document["rule"], scenario) for scenario in document["scenarios"]]
    return found


SCENARIOS = load_scenarios()


def _error_name(code: int) -> str:
    return CaseErrorCode(int(code)).name.lower()


def _check_contribution(result: Any, expected: dict[str, Any]) -> None:
    if "error" in expected:
        assert _error_name(result.error[0]) == expected["error"]
        return
    assert _error_name(result.error[0]) == "none", result.problem_of(0)
    assert euros(result.annual[0]) == expected["annual_contribution"]
    assert euros(result.quarterly[0]) == expected["quarterly_contribution"]
    assert euros(result.quarterly_with_fees[0]) == expected["quarterly_contribution_with_fees"]


def run_final(scenario: Scenario) -> None:
    given = scenario["input"]
    year = scenario["period"]
    fee = given.get("fund_fee_rate", "0")
    result = final_contributions(
        year,
        capacity_code(given["capacity"]),
        cents(given["income"]),
        quarters_active=given.get("quarters_active", 4),
        primo_starter=given.get("primo_starter", 0),
        fee_rate_ppm=parse_fee_rate(fee),
    )
    _check_contribution(result, scenario["expected"])
    reference = decimal_reference.final_contribution(
        load_parameters(),
        year,
        given["capacity"],
        Decimal(given["income"]),
        given.get("quarters_active", 4),
        given.get("primo_starter", 0),
        Decimal(fee),
    )
    assert (reference.error or "none") == _error_name(result.error[0])
    assert reference.quarterly == result.quarterly[0]


def run_provisional(scenario: Scenario) -> None:
    given = scenario["input"]
    result = provisional_contributions(
        scenario["period"],
        capacity_code(given["capacity"]),
        cents(given["income"]),
        starter=given.get("starter", 0),
        primo_starter=given.get("primo_starter", 0),
        fee_rate_ppm=parse_fee_rate(given.get("fund_fee_rate", "0")),
    )
    _check_contribution(result, scenario["expected"])
    if "indexed_income" in scenario["expected"]:
        assert euros(result.indexed_income[0]) == scenario["expected"]["indexed_income"]


def run_regularisation(scenario: Scenario) -> None:
    given, expected, year = scenario["input"], scenario["expected"], scenario["period"]
    code = capacity_code(given["capacity"])
    due, error = quarters_due(given["active"], given["exempted"], code)
    if "error" in expected:
        assert _error_name(error[0]) == expected["error"]
        return
    provisional = provisional_contributions(year, code, cents(given["income_n3"]))
    final = final_contributions(year, code, cents(given["income"]))
    paid = provisional.quarterly * given["provisional_quarters_paid"]
    result = regularisation(final.quarterly, paid, due_quarter_count(due))
    assert euros(provisional.quarterly[0]) == expected["provisional_quarterly"]
    assert euros(final.quarterly[0]) == expected["final_quarterly"]
    assert euros(result[0]) == expected["regularisation"]
    if "career_quarters" in expected:
        due_per_quarter = due * final.quarterly  # quarter-major (4, 1)
        status = quarter_status(given["active"], given["exempted"], due_per_quarter, due_per_quarter.sum(axis=0))
        counted = career(status, as_of=date(year, 12, 31))
        assert counted.quarters[0] == expected["career_quarters"]


def run_late_increases(scenario: Scenario) -> None:
    given, expected = scenario["input"], scenario["expected"]
    unpaid = unpaid_at_quarter_ends([cents(v) for v in given["due"]], [cents(v) for v in given["paid"]])
    result = late_increases(unpaid, scenario["period"])
    assert euros(result.quarterly.sum()) == expected["quarterly_increases"]
    assert euros(result.january[0]) == expected["january_increase"]
    assert euros(result.total[0]) == expected["total"]
    three, seven = decimal_reference.late_increases(
        load_parameters(), scenario["period"], [Decimal(int(v)) / 100 for v in unpaid[:, 0]]
    )
    assert (three, seven) == (int(result.quarterly.sum()), int(result.january[0]))


def run_career(scenario: Scenario) -> None:
    statuses = [QuarterStatus[name.upper()] for name in scenario["input"]["statuses"]]
    result = career(statuses, as_of=date(scenario["period"], 12, 31))
    assert result.quarters[0] == scenario["expected"]["quarters"]
    assert result.early_pension_years[0] == scenario["expected"]["early_pension_years"]


def run_bridging(scenario: Scenario) -> None:
    given = scenario["input"]
    trigger = BridgingTrigger[given["trigger"].upper()]
    result = bridging_right(trigger, [given["event_date"]], given["career_quarters"], 0)
    assert result.months[0] == scenario["expected"]["months"]
    assert result.outcome_of(0) is Outcome[scenario["expected"]["outcome"].upper()]


def run_pension(scenario: Scenario) -> None:
    result = pension_right([scenario["input"]["birth_date"]], -1, as_of=date(scenario["period"], 1, 1))
    assert result.legal_age[0] == scenario["expected"]["legal_age"]
    assert str(result.legal_date[0]) == scenario["expected"]["legal_date"]


RUNNERS: dict[str, Callable[[Scenario], None]] = {
    "final_contribution": run_final,
    "provisional_contribution": run_provisional,
    "regularisation": run_regularisation,
    "late_increases": run_late_increases,
    "career": run_career,
    "bridging": run_bridging,
    "pension": run_pension,
}


@pytest.mark.parametrize(
    ("rule", "scenario"), [pytest.param(rule, s, id=f"{stem}: {s['name']}") for stem, rule, s in SCENARIOS]
)
def test_scenario(rule: str, scenario: Scenario) -> None:
    assert scenario["source"], "every scenario cites its source"
    RUNNERS[rule](scenario)


def test_the_scenarios_cover_what_the_issue_asks() -> None:
    assert len(SCENARIOS) >= 60
    final = [s for _, rule, s in SCENARIOS if rule == "final_contribution"]
    computed = [s for s in final if "error" not in s["expected"]]
    assert {s["input"]["capacity"] for s in computed} == {
        "main",
        "complementary",
        "student",
        "assisting_spouse",
        "active_pensioner",
    }
    # every year 2019-2026 appears; the years without parameters appear as refusals
    assert {s["period"] for s in final} >= set(range(2019, 2027))
    assert {s["period"] for s in computed} >= {2019, 2021, 2022, 2023, 2024, 2025, 2026}
    rules = {rule for _, rule, _ in SCENARIOS}
    assert {"regularisation", "late_increases", "provisional_contribution"} <= rules


def test_all_final_scenarios_computed_in_one_batch_give_the_same_results() -> None:
    """The same code for 1 and for n cases: the batch result equals the scenario-by-scenario result."""
    final = [s for _, rule, s in SCENARIOS if rule == "final_contribution"]
    result = final_contributions(
        np.array([s["period"] for s in final]),
        np.array([capacity_code(s["input"]["capacity"]) for s in final]),
        np.array([cents(s["input"]["income"]) for s in final]),
        quarters_active=np.array([s["input"].get("quarters_active", 4) for s in final]),
        primo_starter=np.array([s["input"].get("primo_starter", 0) for s in final]),
        fee_rate_ppm=np.array([parse_fee_rate(s["input"].get("fund_fee_rate", "0")) for s in final]),
    )
    for index, scenario in enumerate(final):
        expected = scenario["expected"]
        if "error" in expected:
            assert _error_name(result.error[index]) == expected["error"]
        else:
            assert euros(result.quarterly[index]) == expected["quarterly_contribution"], scenario["name"]
            assert euros(result.quarterly_with_fees[index]) == expected["quarterly_contribution_with_fees"]
