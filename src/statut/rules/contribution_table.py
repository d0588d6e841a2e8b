"""The contribution parameters compiled into small integer tables, one row per (year, capacity,
primo-starter), so that the column engine looks parameters up by year with one ``take`` per column.

Each capacity reads the same columns (RD n°38 of 27 July 1967):

- ``rate1`` up to ``first_threshold``, ``rate2`` up to ``ceiling``, nothing above;
- ``floor``: the minimum income on which the contribution is computed (main, primo-starter,
  assisting spouse); 0 for the others;
- ``exempt``: an income strictly below it owes nothing (complementary, active pensioner);
- ``deduction`` (student-self-employed, art. 37bis): while the income is below ``deduction_until``
  (the main minimum income) the contribution is due on the part above ``deduction`` (half that
  minimum) only.

Amounts are held in twelfths of a cent, so that an income brought to an annual basis
(``income * 4 / quarters``, quarters 1-4) is an exact integer: ``income * 48 / quarters``.
Rates are parts per million. A parameter without a figure for the year turns the rows that need it
into an error naming it (:attr:`problem_final`), never into a guessed number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import COEFFICIENT_SCALE, RATE_SCALE, Int64Array, to_scaled_int
from statut.rules.codes import CAPACITY_COUNT, CapacityCode, CaseErrorCode
from statut.rules.parameter_set import ParameterSet, ParameterValue

TWELFTHS: Final = 12  # amounts of the table are in twelfths of a cent
CENT_TWELFTHS: Final = 100 * TWELFTHS  # twelfths of a cent per euro

FLOOR_KNOWN: Final = 0
FLOOR_BELOW_INCOME: Final = 1  # floor unknown, but below ``floor_bound`` (an income, twelfths of a cent)
FLOOR_BELOW_QUARTERLY: Final = 2  # floor unknown, but its quarterly contribution is ``floor_bound`` cents

STARTER_FROM_BASIS: Final = 0  # contribution on the income ``starter_basis``
STARTER_FLAT: Final = 1  # a published flat quarterly amount ``starter_flat`` (cents)

RATE_FIRST = "contributions.rates.first_bracket"
RATE_SECOND = "contributions.rates.second_bracket"
RATE_ACTIVE_PENSIONER = "contributions.rates.active_pensioner_first_bracket"
FIRST_THRESHOLD = "contributions.thresholds.first"
CEILING = "contributions.thresholds.ceiling"
MAIN_MINIMUM = "contributions.main.minimum_income"
MAIN_MINIMUM_QUARTERLY = "contributions.main.minimum_quarterly_contribution"
PRIMO_MINIMUM = "contributions.primo_starter.minimum_income"
COMPLEMENTARY_THRESHOLD = "contributions.complementary.threshold"
STUDENT_THRESHOLD = "contributions.student.exemption_threshold"
STUDENT_STARTER_FLAT = "contributions.student.starter_provisional_quarterly"
ACTIVE_PENSIONER_THRESHOLD = "contributions.active_pensioner.threshold"
SPOUSE_MINIMUM = "contributions.assisting_spouse.minimum_income"
INDEXATION = "contributions.provisional.indexation_coefficient"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row of the table cannot be computed: the parameter without a figure for the year."""

    parameter: str
    year: int
    note: str


@dataclass(frozen=True, slots=True)
class RowSources:
    """Which parameter entries a row uses, by role (for the trace and the unconfirmed flag)."""

    entries: tuple[tuple[str, str, ParameterValue], ...]  # (role, parameter name, entry)


@dataclass
class _Row:
    year: int
    used: list[tuple[str, str, ParameterValue]] = field(default_factory=list)
    unknown: list[tuple[str, str, ParameterValue]] = field(default_factory=list)  # looked up, no figure
    problem: Problem | None = None

    @property
    def sources(self) -> RowSources:
        return RowSources(tuple(self.used + self.unknown))

    @property
    def unconfirmed(self) -> bool:
        return any(entry.unconfirmed for _, _, entry in self.used)

    def take(self, parameters: ParameterSet, role: str, name: str, *, required: bool = True) -> Decimal | None:
        entry = parameters[name].entry_for_year(self.year)
        if entry is None or entry.value is None:
            note = entry.note if entry is not None else "no entry for this year"
            if required and self.problem is None:
                self.problem = Problem(name, self.year, note)
            self.unknown.append((role, name, entry or ParameterValue(date(self.year, 1, 1), None, "", note=note)))
            return None
        if not isinstance(entry.value, Decimal):
            raise TypeError(f"{name} is a table")
        self.used.append((role, name, entry))
        return entry.value


def _cents12(value: Decimal | None) -> int:
    return 0 if value is None else to_scaled_int(value, CENT_TWELFTHS, "amount")


def _ppm(value: Decimal | None) -> int:
    return 0 if value is None else to_scaled_int(value, RATE_SCALE, "rate")


@dataclass(frozen=True)
class ContributionTable:
    """Compiled contribution parameters; row ``key = ((year - first_year) * 5 + capacity) * 2 + primo``."""

    first_year: int
    last_year: int
    rate1: Int64Array
    rate2: Int64Array
    first_threshold: Int64Array
    ceiling: Int64Array
    floor: Int64Array
    floor_state: npt.NDArray[np.int8]
    floor_bound: Int64Array
    exempt: Int64Array
    deduction: Int64Array
    deduction_until: Int64Array
    error_final: npt.NDArray[np.int8]
    problem_final: npt.NDArray[np.int16]
    problem_bound: npt.NDArray[np.int16]  # reported when an unknown minimum's bound does not settle a case
    unconfirmed_final: npt.NDArray[np.bool_]
    coefficient: Int64Array
    problem_indexation: npt.NDArray[np.int16]
    unconfirmed_indexation: npt.NDArray[np.bool_]
    starter_state: npt.NDArray[np.int8]
    starter_basis: Int64Array
    starter_flat: Int64Array
    problem_starter: npt.NDArray[np.int16]
    unconfirmed_starter: npt.NDArray[np.bool_]
    problems: tuple[Problem | None, ...]  # index 0 is "no problem"
    sources_final: tuple[RowSources, ...]
    sources_indexation: tuple[RowSources, ...]
    sources_starter: tuple[RowSources, ...]

    def key(self, year: int, capacity: int, primo: int) -> int:
        return ((year - self.first_year) * CAPACITY_COUNT + capacity) * 2 + primo


def _final_row(
    parameters: ParameterSet, year: int, capacity: CapacityCode, primo: bool
) -> tuple[_Row, dict[str, int], Problem | None]:
    """Parameters of the final contribution of one (year, capacity, primo-starter)."""
    row = _Row(year)
    out = dict.fromkeys(
        ("rate1", "rate2", "first", "ceiling", "floor", "floor_state", "floor_bound", "exempt", "deduction", "until"), 0
    )
    out["error"] = int(CaseErrorCode.NONE)
    bound_problem: Problem | None = None
    if primo and capacity is not CapacityCode.MAIN:
        out["error"] = int(CaseErrorCode.PRIMO_STARTER_NOT_MAIN)
        return row, out, None
    first_rate_name = RATE_ACTIVE_PENSIONER if capacity is CapacityCode.ACTIVE_PENSIONER else RATE_FIRST
    out["rate1"] = _ppm(row.take(parameters, "rate1", first_rate_name))
    out["rate2"] = _ppm(row.take(parameters, "rate2", RATE_SECOND))
    out["first"] = _cents12(row.take(parameters, "first_threshold", FIRST_THRESHOLD))
    out["ceiling"] = _cents12(row.take(parameters, "ceiling", CEILING))
    if capacity is CapacityCode.MAIN:
        bound_problem = _main_floor(parameters, row, out, primo)
    elif capacity is CapacityCode.ASSISTING_SPOUSE:
        out["floor"] = _cents12(row.take(parameters, "floor", SPOUSE_MINIMUM))
    elif capacity is CapacityCode.COMPLEMENTARY:
        out["exempt"] = _cents12(row.take(parameters, "exempt", COMPLEMENTARY_THRESHOLD))
    elif capacity is CapacityCode.ACTIVE_PENSIONER:
        out["exempt"] = _cents12(row.take(parameters, "exempt", ACTIVE_PENSIONER_THRESHOLD))
    elif capacity is CapacityCode.STUDENT:
        out["deduction"] = _cents12(row.take(parameters, "deduction", STUDENT_THRESHOLD))
        out["until"] = _cents12(row.take(parameters, "deduction_until", MAIN_MINIMUM))
    if row.problem is not None:
        out["error"] = int(CaseErrorCode.MISSING_PARAMETER)
    return row, out, bound_problem


def _main_floor(parameters: ParameterSet, row: _Row, out: dict[str, int], primo: bool) -> Problem | None:
    """The minimum income of the main capacity, or a bound on it when the figure itself is unknown.

    A missing minimum does not stop the incomes it provably cannot affect: the primo-starter's reduced
    minimum is below the main minimum income, and the main minimum income is the income whose
    contribution is the published minimum quarterly contribution (the contribution grows with the
    income). Returns the problem reported for the cases that the bound does not settle.
    """
    name = PRIMO_MINIMUM if primo else MAIN_MINIMUM
    floor = row.take(parameters, "floor", name, required=False)
    if floor is not None:
        out["floor"] = _cents12(floor)
        return None
    missing = parameters[name].entry_for_year(row.year)
    problem = Problem(name, row.year, missing.note if missing is not None else "no entry for this year")
    if primo:
        main_minimum = row.take(parameters, "floor_bound", MAIN_MINIMUM, required=False)
        if main_minimum is not None:
            out["floor_state"], out["floor_bound"] = FLOOR_BELOW_INCOME, _cents12(main_minimum)
            return problem
    quarterly = row.take(parameters, "floor_bound", MAIN_MINIMUM_QUARTERLY, required=False)
    if quarterly is not None:
        out["floor_state"], out["floor_bound"] = FLOOR_BELOW_QUARTERLY, to_scaled_int(quarterly, 100, "amount")
        return problem
    row.problem = row.problem or problem
    return None


def _starter_row(
    parameters: ParameterSet, year: int, capacity: CapacityCode, primo: bool
) -> tuple[_Row, dict[str, int]]:
    """Provisional flat contribution of a starter: the contribution on the minimum income (main,
    primo-starter, assisting spouse), on the threshold (complementary) or the published flat amount
    (student); none is known for the active pensioner (domain reference, "Provisional and final
    contributions"; ucm.be; m-p.be; acerta.be)."""
    row = _Row(year)
    out = {"state": STARTER_FROM_BASIS, "basis": 0, "flat": 0}
    if primo and capacity is not CapacityCode.MAIN:
        return row, out
    if capacity is CapacityCode.MAIN:
        name = PRIMO_MINIMUM if primo else MAIN_MINIMUM
        basis = row.take(parameters, "starter_basis", name, required=primo)
        if basis is not None:
            out["basis"] = _cents12(basis)
        else:
            flat = row.take(parameters, "starter_flat", MAIN_MINIMUM_QUARTERLY)
            out["state"], out["flat"] = STARTER_FLAT, to_scaled_int(flat or Decimal(0), 100, "amount")
    elif capacity is CapacityCode.ASSISTING_SPOUSE:
        out["basis"] = _cents12(row.take(parameters, "starter_basis", SPOUSE_MINIMUM))
    elif capacity is CapacityCode.COMPLEMENTARY:
        out["basis"] = _cents12(row.take(parameters, "starter_basis", COMPLEMENTARY_THRESHOLD))
    elif capacity is CapacityCode.STUDENT:
        flat = row.take(parameters, "starter_flat", STUDENT_STARTER_FLAT)
        out["state"], out["flat"] = STARTER_FLAT, to_scaled_int(flat or Decimal(0), 100, "amount")
    else:
        row.problem = Problem(
            "contributions.active_pensioner.starter_provisional", year, "no provisional flat contribution is known"
        )
    return row, out


def _contribution_years(parameters: ParameterSet) -> tuple[int, int]:
    years = parameters[FIRST_THRESHOLD].years
    return years[0], years[-1]


def compile_contribution_table(parameters: ParameterSet) -> ContributionTable:
    first_year, last_year = _contribution_years(parameters)
    rows = (last_year - first_year + 1) * CAPACITY_COUNT * 2
    columns: dict[str, list[int]] = {}
    problems: list[Problem | None] = [None]
    sources: dict[str, list[RowSources]] = {"final": [], "indexation": [], "starter": []}

    def problem_id(row: _Row) -> int:
        if row.problem is None:
            return 0
        problems.append(row.problem)
        return len(problems) - 1

    def add(name: str, value: int) -> None:
        columns.setdefault(name, []).append(value)

    for year in range(first_year, last_year + 1):
        for capacity in CapacityCode:
            for primo in (False, True):
                final, values, bound_problem = _final_row(parameters, year, capacity, primo)
                for column in ("rate1", "rate2", "first", "ceiling", "floor", "floor_state", "floor_bound"):
                    add(column, values[column])
                for column in ("exempt", "deduction", "until", "error"):
                    add(column, values[column])
                add("problem_final", problem_id(final))
                add("problem_bound", problem_id(_Row(year, problem=bound_problem)))
                add("unconfirmed_final", final.unconfirmed)
                sources["final"].append(final.sources)

                indexation = _Row(year)
                coefficient = indexation.take(parameters, "indexation_coefficient", INDEXATION)
                add("coefficient", 0 if coefficient is None else to_scaled_int(coefficient, COEFFICIENT_SCALE))
                add("problem_indexation", problem_id(indexation))
                add("unconfirmed_indexation", indexation.unconfirmed)
                sources["indexation"].append(indexation.sources)

                starter, flat = _starter_row(parameters, year, capacity, primo)
                add("starter_state", flat["state"])
                add("starter_basis", flat["basis"])
                add("starter_flat", flat["flat"])
                add("problem_starter", problem_id(starter))
                add("unconfirmed_starter", starter.unconfirmed)
                sources["starter"].append(starter.sources)
    assert len(columns["rate1"]) == rows

    def int64(name: str) -> Int64Array:
        return np.array(columns[name], dtype=np.int64)

    return ContributionTable(
        first_year=first_year,
        last_year=last_year,
        rate1=int64("rate1"),
        rate2=int64("rate2"),
        first_threshold=int64("first"),
        ceiling=int64("ceiling"),
        floor=int64("floor"),
        floor_state=np.array(columns["floor_state"], dtype=np.int8),
        floor_bound=int64("floor_bound"),
        exempt=int64("exempt"),
        deduction=int64("deduction"),
        deduction_until=int64("until"),
        error_final=np.array(columns["error"], dtype=np.int8),
        problem_final=np.array(columns["problem_final"], dtype=np.int16),
        problem_bound=np.array(columns["problem_bound"], dtype=np.int16),
        unconfirmed_final=np.array(columns["unconfirmed_final"], dtype=np.bool_),
        coefficient=int64("coefficient"),
        problem_indexation=np.array(columns["problem_indexation"], dtype=np.int16),
        unconfirmed_indexation=np.array(columns["unconfirmed_indexation"], dtype=np.bool_),
        starter_state=np.array(columns["starter_state"], dtype=np.int8),
        starter_basis=int64("starter_basis"),
        starter_flat=int64("starter_flat"),
        problem_starter=np.array(columns["problem_starter"], dtype=np.int16),
        unconfirmed_starter=np.array(columns["unconfirmed_starter"], dtype=np.bool_),
        problems=tuple(problems),
        sources_final=tuple(sources["final"]),
        sources_indexation=tuple(sources["indexation"]),
        sources_starter=tuple(sources["starter"]),
    )


def contribution_table(parameters: ParameterSet) -> ContributionTable:
    """The compiled table of a parameter set (built once per set)."""
    table: ContributionTable = parameters.cached("contribution_table", compile_contribution_table)
    return table
