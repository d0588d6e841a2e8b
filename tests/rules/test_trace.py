"""Explaining one case: the trace lists inputs, parameters with references and every step, and its
numbers are the engine's."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from statut.rules import explain_final_contribution, explain_provisional_contribution, final_contributions
from statut.rules.messages import LANGUAGES
from statut.rules.trace import Amount, StepKind


def test_the_trace_of_the_2025_minimum_shows_parameters_steps_and_result() -> None:
    trace = explain_final_contribution(2025, "main", "17008.88", fee_rate="0.0305")
    parameters = {step.name: step for step in trace.steps if step.kind is StepKind.PARAMETER}
    assert parameters["contributions.main.minimum_income"].value == Amount(Decimal("17008.88"))
    assert "ucm.be" in parameters["contributions.thresholds.first"].reference
    assert trace.value("first_bracket") == Amount(Decimal("3486.8204"), 6)
    assert trace.value("quarterly") == Amount(Decimal("871.71"))
    assert trace.value("quarterly_with_fees") == Amount(Decimal("898.30"))
    assert trace.error is None
    assert not trace.uses_unconfirmed


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_trace_renders_in_each_language(lang: str) -> None:
    text = explain_final_contribution(2023, "main", "120000", quarters_active=3, fee_rate="0.0395").render(lang)
    assert "4" in text
    assert len(text.splitlines()) > 15
    assert "{" not in text  # every placeholder was filled


def test_the_trace_values_are_the_engine_values() -> None:
    for year, capacity, income, quarters in [(2023, "student", "12000.00", 3), (2019, "main", "95000", 4)]:
        trace = explain_final_contribution(year, capacity, income, quarters_active=quarters)
        code = {"main": 0, "student": 2}[capacity]
        result = final_contributions(year, code, int(Decimal(income) * 100), quarters_active=quarters)
        assert trace.value("quarterly") == Amount(Decimal(int(result.quarterly[0])) / 100)
        assert trace.value("annual") == Amount(Decimal(int(result.annual[0])) / 100)


def test_an_unconfirmed_parameter_is_marked_in_the_trace() -> None:
    trace = explain_final_contribution(2024, "main", "80000")
    assert trace.uses_unconfirmed
    assert trace.step("contributions.thresholds.first").status == "unconfirmed"
    assert "unconfirmed" in trace.render("en")
    assert "non confirmé" in trace.render("fr")


def test_a_case_that_cannot_be_computed_says_why() -> None:
    trace = explain_final_contribution(2020, "main", "30000")
    assert trace.error is not None
    assert "contributions.thresholds.first" in trace.render("en")
    assert trace.step("contributions.thresholds.first").status == "unconfirmed"
    assert explain_final_contribution(2030, "main", "1").error is not None
    assert explain_final_contribution(2025, "hobby", "1").error is not None


def test_provisional_traces_show_the_indexation_or_the_starter_flat() -> None:
    indexed = explain_provisional_contribution(2023, "main", "50000")
    assert indexed.value("indexed_income") == Amount(Decimal("59156.90"))
    assert "1.18313797" in indexed.render("en")
    starter = explain_provisional_contribution(2025, "student", "0", starter=True)
    assert starter.value("starter_flat") == Amount(Decimal("100.35"))
    assert starter.uses_unconfirmed


def test_the_trace_is_json_ready_for_the_api() -> None:
    data = explain_final_contribution(2025, "complementary", "1000").to_dict("nl")
    assert data["error"] is not None  # 2025 complementary threshold is unknown
    text = json.dumps(explain_final_contribution(2023, "complementary", "1000").to_dict("de"), ensure_ascii=False)
    assert "Grenze" in text
