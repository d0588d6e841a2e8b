"""The idiomatic formulation: the style of OpenFisca country packages, one variable per legal concept
(annual basis, minimum income, exemption threshold, contribution base, bracket incomes...), the
capacity an Enum and the per-capacity figures vectorial parameters indexed by it
(``parameters(period).contributions.minimum_income[capacity]``).

Same rules and same figures as statut.rules and the fused formulation (RD n°38 of 27 July 1967);
the final and the provisional sides have their own variables, as a country package would.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

from benchmarks.openfisca_baseline.fused import INPUTS, OUTPUTS
from benchmarks.openfisca_baseline.parameters import by_capacity_parameters
from statut.rules import ParameterSet

Person = build_entity(key="person", plural="persons", label="Self-employed person", is_person=True)


class Capacity(Enum):
    main = "Main activity"
    complementary = "Complementary activity"
    student = "Student-self-employed"
    assisting_spouse = "Assisting spouse (maxi-status)"
    active_pensioner = "Active pensioner"


def _ints(value: Any, scale: int) -> Any:
    """OpenFisca (float) parameters as the exact integers statut uses (cents x 12, ppm, 1e-8)."""
    return np.round(np.asarray(value, dtype=np.float64) * scale).astype(np.int64)


def _round(numerator: np.ndarray, denominator: int) -> np.ndarray:
    return (numerator + denominator // 2) // denominator


def _variable(name: str, value_type: type, label: str, formula: Callable[..., Any] | None = None, **extra: Any) -> type:
    body: dict[str, Any] = {
        "value_type": value_type,
        "entity": Person,
        "definition_period": DateUnit.YEAR,
        "label": label,
        **extra,
    }
    if formula is not None:
        body["formula"] = formula
    return type(name, (Variable,), body)


def _g(person: Any, name: str, period: Any) -> np.ndarray:
    return np.asarray(person(name, period)).astype(np.int64)


# -- inputs ---------------------------------------------------------------------------------------

INPUT_VARIABLES = [
    _variable("capacity", Enum, "Capacity", possible_values=Capacity, default_value=Capacity.main),
    _variable("income", int, "Net taxable professional income of the year, cents"),
    _variable("income_n3", int, "Professional income of year N-3, cents"),
    _variable("quarters_active", int, "Quarters of activity in the year", default_value=4),
    _variable("primo_starter", bool, "First four quarters of a primo-starter"),
    _variable("starter", bool, "Starter without an income of year N-3"),
    _variable("fee_rate_ppm", int, "Fund management fee, parts per million"),
    _variable("due_quarters", int, "Quarters due (active, not exempted)", default_value=4),
]


# -- what both sides share: the capacity's figures ------------------------------------------------


def _minimum_income(person: Any, period: Any, parameters: Any) -> np.ndarray:
    p = parameters(period).contributions
    by_capacity = _ints(p.minimum_income[person("capacity", period)], 1200)
    primo = person("primo_starter", period) & (person("capacity", period) == Capacity.main)
    return np.where(primo, _ints(p.primo_starter_minimum_income, 1200), by_capacity)


def _exemption_threshold(person: Any, period: Any, parameters: Any) -> np.ndarray:
    return _ints(parameters(period).contributions.exemption_threshold[person("capacity", period)], 1200)


def _first_bracket_rate(person: Any, period: Any, parameters: Any) -> np.ndarray:
    return _ints(parameters(period).contributions.first_bracket_rate[person("capacity", period)], 10**6)


FIGURES = [
    _variable("minimum_income", int, "Minimum income of the capacity, twelfths of a cent", _minimum_income),
    _variable(
        "exemption_threshold", int, "Income under which nothing is due, twelfths of a cent", _exemption_threshold
    ),
    _variable("first_bracket_rate", int, "Rate up to the first threshold, ppm", _first_bracket_rate),
]


def _side(prefix: str, basis_variable: str) -> list[type]:
    """The variables of the contribution formula on one annual-basis income (final or provisional)."""

    def exempt(person: Any, period: Any, parameters: Any) -> np.ndarray:
        del parameters
        return _g(person, basis_variable, period) < _g(person, "exemption_threshold", period)

    def student_deduction(person: Any, period: Any, parameters: Any) -> np.ndarray:
        p = parameters(period).contributions
        student = person("capacity", period) == Capacity.student
        below = _g(person, basis_variable, period) < _ints(p.minimum_income.main, 1200)
        return np.where(student & below, _ints(p.student_threshold, 1200), 0)

    def base(person: Any, period: Any, parameters: Any) -> np.ndarray:
        del parameters
        raised = np.maximum(_g(person, basis_variable, period), _g(person, "minimum_income", period))
        return np.maximum(raised - _g(person, f"{prefix}_student_deduction", period), 0)

    def first_part(person: Any, period: Any, parameters: Any) -> np.ndarray:
        first = _ints(parameters(period).contributions.thresholds.first, 1200)
        return np.minimum(_g(person, f"{prefix}_contribution_base", period), first)

    def second_part(person: Any, period: Any, parameters: Any) -> np.ndarray:
        p = parameters(period).contributions
        first, ceiling = _ints(p.thresholds.first, 1200), _ints(p.thresholds.ceiling, 1200)
        return np.minimum(np.maximum(_g(person, f"{prefix}_contribution_base", period), first), ceiling) - first

    return [
        _variable(f"{prefix}_exempt", bool, "Below the capacity's exemption threshold", exempt),
        _variable(f"{prefix}_student_deduction", int, "Student's deduction, twelfths of a cent", student_deduction),
        _variable(f"{prefix}_contribution_base", int, "Income the contribution is computed on", base),
        _variable(f"{prefix}_first_bracket_income", int, "Part up to the first threshold", first_part),
        _variable(f"{prefix}_second_bracket_income", int, "Part between the threshold and the ceiling", second_part),
    ]


def _exact(person: Any, period: Any, parameters: Any, prefix: str) -> np.ndarray:
    """Annual contribution in (twelfths of a cent) x ppm (int64: does not fit an OpenFisca int32)."""
    rate2 = _ints(parameters(period).contributions.second_bracket_rate, 10**6)
    amount = _g(person, "first_bracket_rate", period) * _g(person, f"{prefix}_first_bracket_income", period)
    amount += rate2 * _g(person, f"{prefix}_second_bracket_income", period)
    return np.where(person(f"{prefix}_exempt", period), 0, amount)


def _capped(value: np.ndarray, parameters: Any, period: Any) -> np.ndarray:
    return np.minimum(value, _ints(parameters(period).contributions.thresholds.ceiling, 1200) + 1)


def _annual_basis(person: Any, period: Any, parameters: Any) -> np.ndarray:
    factor = np.array([0, 48, 24, 16, 12], dtype=np.int64)[person("quarters_active", period)]
    return _capped(_g(person, "income", period) * factor, parameters, period)


def _final_annual(person: Any, period: Any, parameters: Any) -> np.ndarray:
    return _round(_exact(person, period, parameters, "final"), 12 * 10**6)


def _final_quarterly(person: Any, period: Any, parameters: Any) -> np.ndarray:
    return _round(_exact(person, period, parameters, "final"), 48 * 10**6)


def _fee(person: Any, period: Any, parameters: Any) -> np.ndarray:
    del parameters
    return _round(_g(person, "final_quarterly_contribution", period) * _g(person, "fee_rate_ppm", period), 10**6)


def _with_fees(person: Any, period: Any, parameters: Any) -> np.ndarray:
    del parameters
    return _g(person, "final_quarterly_contribution", period) + _g(person, "final_management_fee", period)


def _indexed(person: Any, period: Any, parameters: Any) -> np.ndarray:
    coefficient = _ints(parameters(period).contributions.indexation_coefficient, 10**8)
    return _round(_g(person, "income_n3", period) * coefficient, 10**8)


def _provisional_basis(person: Any, period: Any, parameters: Any) -> np.ndarray:
    complementary = person("capacity", period) == Capacity.complementary
    starter_basis = np.where(
        complementary, _g(person, "exemption_threshold", period), _g(person, "minimum_income", period)
    )
    indexed = _capped(_g(person, "indexed_income_n3", period) * 12, parameters, period)
    return np.where(person("starter", period), starter_basis, indexed)


def _provisional_quarterly(person: Any, period: Any, parameters: Any) -> np.ndarray:
    computed = _round(_exact(person, period, parameters, "provisional"), 48 * 10**6)
    flat = parameters(period).contributions.starters._children.get("student_flat")
    student_starter = person("starter", period) & (person("capacity", period) == Capacity.student)
    return np.where(student_starter, _ints(flat, 100) if flat is not None else 0, computed)


def _regularisation(person: Any, period: Any, parameters: Any) -> np.ndarray:
    del parameters
    difference = _g(person, "final_quarterly_contribution", period) - _g(
        person, "provisional_quarterly_contribution", period
    )
    return difference * _g(person, "due_quarters", period)


VARIABLES = [
    *INPUT_VARIABLES,
    *FIGURES,
    _variable("final_annual_basis", int, "Income x 4 / quarters, twelfths of a cent, capped", _annual_basis),
    *_side("final", "final_annual_basis"),
    _variable("final_annual_contribution", int, "Final annual contribution, cents", _final_annual),
    _variable("final_quarterly_contribution", int, "Final quarterly contribution, cents", _final_quarterly),
    _variable("final_management_fee", int, "Fund management fee, cents", _fee),
    _variable("final_quarterly_with_fees", int, "Final quarterly contribution with the fee, cents", _with_fees),
    _variable("indexed_income_n3", int, "Income of N-3 times the coefficient, cents", _indexed),
    _variable(
        "provisional_annual_basis", int, "Indexed income or starter basis, twelfths of a cent", _provisional_basis
    ),
    *_side("provisional", "provisional_annual_basis"),
    _variable(
        "provisional_quarterly_contribution", int, "Provisional quarterly contribution, cents", _provisional_quarterly
    ),
    _variable("regularisation", int, "Final minus provisional, quarters due, cents", _regularisation),
]


class IdiomaticSystem(TaxBenefitSystem):
    def __init__(self, parameters: ParameterSet, years: range) -> None:
        super().__init__([Person])
        self.parameters = by_capacity_parameters(parameters, years)
        for variable in VARIABLES:
            self.add_variable(variable)


def build_system(parameters: ParameterSet, years: range) -> IdiomaticSystem:
    return IdiomaticSystem(parameters, years)


def run(
    system: IdiomaticSystem, year: int, inputs: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], float, float]:
    """Like :func:`benchmarks.openfisca_baseline.fused.run` (the capacity given as Enum indices)."""
    start = time.perf_counter()
    simulation = SimulationBuilder().build_default_simulation(system, len(inputs["income"]))
    for name in INPUTS:
        value = inputs[name]
        if name == "capacity":
            value = Capacity.encode(np.asarray(value, dtype=np.int16))
        simulation.set_input(name, str(year), value)
    built = time.perf_counter()
    outputs = {name: np.asarray(simulation.calculate(name, str(year))) for name in OUTPUTS}
    return outputs, built - start, time.perf_counter() - built
