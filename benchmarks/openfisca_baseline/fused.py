"""The fused formulation: a minimal OpenFisca tax-benefit system with one entity (the self-employed
person) and few variables, each formula doing a whole computation in int64 numpy (final and
provisional contributions and their regularisation, RD n°38 of 27 July 1967). The fastest way we
found to write these rules in OpenFisca: the benchmark's headline baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.simulations import SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

from benchmarks.openfisca_baseline.parameters import openfisca_parameters
from statut.rules import ParameterSet

Person = build_entity(key="person", plural="persons", label="Self-employed person", is_person=True)

MAIN, COMPLEMENTARY, STUDENT, ASSISTING_SPOUSE, ACTIVE_PENSIONER = range(5)
INPUTS = (
    "capacity",
    "income",
    "income_n3",
    "quarters_active",
    "primo_starter",
    "starter",
    "fee_rate_ppm",
    "due_quarters",
)


def _ints(value: Any, scale: int) -> np.int64:
    """An OpenFisca (float) parameter as the exact integer statut uses (cents, ppm, 1e-8)."""
    return np.int64(round(float(value) * scale))


def _round(numerator: np.ndarray, denominator: int) -> np.ndarray:
    return (numerator + denominator // 2) // denominator


class capacity(Variable):  # noqa: N801 (OpenFisca variables are named in snake case)
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    label = "Capacity code: 0 main, 1 complementary, 2 student, 3 assisting spouse, 4 active pensioner"


class income(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    label = "Net taxable professional income of the year, in cents"


class income_n3(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    label = "Professional income of year N-3, in cents"


class quarters_active(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    default_value = 4
    label = "Quarters of activity in the year"


class primo_starter(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = bool
    label = "First four quarters of a primo-starter"


class starter(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = bool
    label = "Starter without an income of year N-3"


class fee_rate_ppm(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    label = "Fund management fee, parts per million"


class due_quarters(Variable):  # noqa: N801
    entity = Person
    definition_period = DateUnit.YEAR
    value_type = int
    default_value = 4
    label = "Quarters for which contributions are due (active, not exempted)"


def _contribution(person: Any, period: Any, parameters: Any, annual_basis: np.ndarray) -> np.ndarray:
    """Annual contribution in (twelfths of a cent) x ppm: thresholds, minimums, student rule, brackets."""
    p = parameters(period).contributions
    cap = person("capacity", period)
    primo = person("primo_starter", period)
    first = _ints(p.thresholds.first, 1200)
    ceiling = _ints(p.thresholds.ceiling, 1200)
    minimum_main = _ints(p.minimums.main, 1200)
    floor = np.select(
        [(cap == MAIN) & primo, cap == MAIN, cap == ASSISTING_SPOUSE],
        [_ints(p.minimums.primo_starter, 1200), minimum_main, _ints(p.minimums.assisting_spouse, 1200)],
        0,
    )
    exempt = np.select(
        [cap == COMPLEMENTARY, cap == ACTIVE_PENSIONER],
        [_ints(p.exemption.complementary, 1200), _ints(p.exemption.active_pensioner, 1200)],
        0,
    )
    deduction = np.where((cap == STUDENT) & (annual_basis < minimum_main), _ints(p.exemption.student, 1200), 0)
    rate1 = np.where(
        cap == ACTIVE_PENSIONER,
        _ints(p.rates.active_pensioner_first_bracket, 10**6),
        _ints(p.rates.first_bracket, 10**6),
    )
    rate2 = _ints(p.rates.second_bracket, 10**6)
    base = np.maximum(np.maximum(annual_basis, floor) - deduction, 0)
    amount = rate1 * np.minimum(base, first) + rate2 * (np.minimum(np.maximum(base, first), ceiling) - first)
    return np.where(annual_basis < exempt, 0, amount)


def _capped(value: np.ndarray, parameters: Any, period: Any) -> np.ndarray:
    return np.minimum(value, _ints(parameters(period).contributions.thresholds.ceiling, 1200) + 1)


class annual_basis_income(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Income brought to an annual basis (x 4 / quarters), twelfths of a cent, capped at the ceiling"

    def formula(person: Any, period: Any, parameters: Any) -> np.ndarray:  # noqa: N805
        factor = np.array([0, 48, 24, 16, 12], dtype=np.int64)[person("quarters_active", period)]
        return _capped(person("income", period).astype(np.int64) * factor, parameters, period)


class final_annual_contribution(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Final annual contribution, cents"

    def formula(person: Any, period: Any, parameters: Any) -> np.ndarray:  # noqa: N805
        basis = person("annual_basis_income", period).astype(np.int64)
        return _round(_contribution(person, period, parameters, basis), 12 * 10**6)


class final_quarterly_contribution(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Final quarterly contribution (annual / 4), cents"

    def formula(person: Any, period: Any, parameters: Any) -> np.ndarray:  # noqa: N805
        basis = person("annual_basis_income", period).astype(np.int64)
        return _round(_contribution(person, period, parameters, basis), 48 * 10**6)


class final_quarterly_with_fees(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Final quarterly contribution with the fund's management fee, cents"

    def formula(person: Any, period: Any) -> np.ndarray:  # noqa: N805
        quarterly = person("final_quarterly_contribution", period).astype(np.int64)
        return quarterly + _round(quarterly * person("fee_rate_ppm", period), 10**6)


class indexed_income_n3(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Income of year N-3 times the indexation coefficient, cents"

    def formula(person: Any, period: Any, parameters: Any) -> np.ndarray:  # noqa: N805
        coefficient = _ints(parameters(period).contributions.provisional.indexation_coefficient, 10**8)
        return _round(person("income_n3", period).astype(np.int64) * coefficient, 10**8)


class provisional_quarterly_contribution(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Provisional quarterly contribution (N-3 income indexed, or a starter's flat), cents"

    def formula(person: Any, period: Any, parameters: Any) -> np.ndarray:  # noqa: N805
        p = parameters(period).contributions
        cap = person("capacity", period)
        is_starter = person("starter", period)
        indexed = _capped(person("indexed_income_n3", period).astype(np.int64) * 12, parameters, period)
        starter_basis = np.select(
            [cap == COMPLEMENTARY, cap == ASSISTING_SPOUSE, (cap == MAIN) & person("primo_starter", period)],
            [
                _ints(p.exemption.complementary, 1200),
                _ints(p.minimums.assisting_spouse, 1200),
                _ints(p.minimums.primo_starter, 1200),
            ],
            np.where(cap == MAIN, _ints(p.minimums.main, 1200), 0),
        )
        basis = np.where(is_starter, starter_basis, indexed)
        computed = _round(_contribution(person, period, parameters, basis), 48 * 10**6)
        flat = p.starters._children.get("student_flat")  # only years with a published flat have one
        student_flat = _ints(flat, 100) if flat is not None else 0
        return np.where(is_starter & (cap == STUDENT), student_flat, computed)


class regularisation(Variable):  # noqa: N801
    value_type = int
    entity = Person
    definition_period = DateUnit.YEAR
    label = "Final minus provisional contributions of the quarters due (supplement > 0, refund < 0), cents"

    def formula(person: Any, period: Any) -> np.ndarray:  # noqa: N805
        quarters = person("due_quarters", period).astype(np.int64)
        final = person("final_quarterly_contribution", period).astype(np.int64)
        provisional = person("provisional_quarterly_contribution", period).astype(np.int64)
        return (final - provisional) * quarters


class SelfEmployedSystem(TaxBenefitSystem):
    def __init__(self, parameters: ParameterSet, years: range) -> None:
        super().__init__([Person])
        self.parameters = openfisca_parameters(parameters, years)
        for variable in (
            capacity,
            income,
            income_n3,
            quarters_active,
            primo_starter,
            starter,
            fee_rate_ppm,
            due_quarters,
            annual_basis_income,
            final_annual_contribution,
            final_quarterly_contribution,
            final_quarterly_with_fees,
            indexed_income_n3,
            provisional_quarterly_contribution,
            regularisation,
        ):
            self.add_variable(variable)


def build_system(parameters: ParameterSet, years: range) -> SelfEmployedSystem:
    return SelfEmployedSystem(parameters, years)


OUTPUTS = (
    "final_annual_contribution",
    "final_quarterly_contribution",
    "final_quarterly_with_fees",
    "provisional_quarterly_contribution",
    "regularisation",
)


def run(
    system: SelfEmployedSystem, year: int, inputs: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], float, float]:
    """Build a simulation of ``len(inputs)`` persons, set the inputs and compute the outputs.

    Returns the outputs and the seconds spent building (with inputs) and computing.
    """
    import time

    start = time.perf_counter()
    count = len(inputs["income"])
    simulation = SimulationBuilder().build_default_simulation(system, count)
    for name in INPUTS:
        simulation.set_input(name, str(year), inputs[name])
    built = time.perf_counter()
    outputs = {name: np.asarray(simulation.calculate(name, str(year))) for name in OUTPUTS}
    return outputs, built - start, time.perf_counter() - built
