"""Social contributions of self-employed workers (Royal Decree n°38 of 27 July 1967), over columns.

Every function takes numpy columns (or scalars, broadcast) and returns columns: the same code computes
one person in the portal and 1.2 million in a batch. Amounts are integer cents, rates parts per
million (see :mod:`statut.rules.arithmetic`); a case that cannot be computed gets an error code and
zero amounts, and the other cases are still computed.

The formula (domain reference, "Social contributions"; RD n°38):

1. the income is brought to an annual basis, ``income * 4 / quarters_active`` (ucm.be student FAQ);
2. complementary and active pensioner: nothing is due below the capacity's threshold;
3. main, primo-starter and assisting spouse: the income is raised to the capacity's minimum income;
4. student-self-employed (art. 37bis): below the main minimum income the contribution is due on the
   part of the income above half that minimum only;
5. 20.5 % (14.70 % for an active pensioner) up to the first threshold, 14.16 % up to the ceiling,
   nothing above;
6. the quarterly contribution is the annual contribution / 4, rounded half-up to the cent; the
   fund's management fee is the quarterly contribution times the fund's rate, rounded half-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Protocol

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import (
    COEFFICIENT_SCALE,
    MAX_INCOME_CENTS,
    RATE_SCALE,
    BoolArray,
    Int8Array,
    Int64Array,
    div_round_half_up,
    mul_div_round_half_up,
)
from statut.rules.codes import CAPACITY_COUNT, CapacityCode, CaseErrorCode
from statut.rules.contribution_table import (
    FLOOR_BELOW_INCOME,
    FLOOR_BELOW_QUARTERLY,
    FLOOR_KNOWN,
    STARTER_FLAT,
    TWELFTHS,
    ContributionTable,
    Problem,
    contribution_table,
)
from statut.rules.parameter_set import ParameterSet, load_parameters

Int16Array = npt.NDArray[np.int16]
ArrayOrScalar = npt.ArrayLike

QUARTERS_PER_YEAR: Final = 4
# Twelfths of a cent per cent of income, by quarters of activity: income * 4 / quarters, times 12.
_ANNUAL_FACTOR: Final = np.array([0, 48, 24, 16, 12], dtype=np.int64)
_ANNUAL_DIVISOR: Final = TWELFTHS * RATE_SCALE  # (twelfths of a cent) x (parts per million) -> cents
_QUARTERLY_DIVISOR: Final = QUARTERS_PER_YEAR * _ANNUAL_DIVISOR


class Recorder(Protocol):
    """Receives the intermediate columns of a computation (the trace of a single case)."""

    def record(self, name: str, value: ArrayOrScalar) -> None: ...


@dataclass(frozen=True)
class ContributionResult:
    """Contributions per case, in cents; ``error != 0`` marks a case that could not be computed.

    ``annual`` is the contribution on the annual basis (the whole year's contribution when the activity
    covers the year), ``quarterly`` the contribution due for each quarter of activity, ``fee`` the
    fund's management fee on it and ``quarterly_with_fees`` their sum.
    """

    annual: Int64Array
    quarterly: Int64Array
    fee: Int64Array
    quarterly_with_fees: Int64Array
    error: Int8Array
    problem: Int16Array  # index into ``table.problems`` when ``error`` is a missing parameter
    uses_unconfirmed: BoolArray  # the case used a value marked unconfirmed
    table: ContributionTable

    @property
    def ok(self) -> BoolArray:
        result: BoolArray = self.error == CaseErrorCode.NONE
        return result

    def __len__(self) -> int:
        return len(self.quarterly)

    def error_name(self, index: int) -> str:
        """The error of case ``index`` as a name such as ``missing_parameter`` (``none`` if computed)."""
        return CaseErrorCode(int(self.error[index])).name.lower()

    def problem_of(self, index: int) -> Problem | None:
        return self.table.problems[int(self.problem[index])]


@dataclass(frozen=True)
class ProvisionalResult(ContributionResult):
    """Provisional contributions; ``indexed_income`` is the N-3 income times the coefficient (cents)."""

    indexed_income: Int64Array
    starter: BoolArray


def _columns(*values: ArrayOrScalar) -> list[Int64Array]:
    arrays = np.broadcast_arrays(*[np.asarray(value, dtype=np.int64) for value in values])
    return [np.ascontiguousarray(array).reshape(-1) for array in arrays]


def _validate(
    year: Int64Array,
    capacity: Int64Array,
    income: Int64Array,
    *,
    primo: Int64Array,
    fee_rate_ppm: Int64Array,
    table: ContributionTable,
) -> tuple[Int8Array, Int64Array]:
    """Error code of each case's inputs (the first that applies) and its row key in the table."""
    error = np.zeros(len(year), dtype=np.int8)
    checks: list[tuple[BoolArray, CaseErrorCode]] = [
        ((fee_rate_ppm < 0) | (fee_rate_ppm >= RATE_SCALE), CaseErrorCode.INVALID_FEE_RATE),
        ((primo != 0) & (primo != 1), CaseErrorCode.INVALID_PRIMO_STARTER),
        (income > MAX_INCOME_CENTS, CaseErrorCode.INCOME_TOO_LARGE),
        (income < 0, CaseErrorCode.NEGATIVE_INCOME),
        ((capacity < 0) | (capacity >= CAPACITY_COUNT), CaseErrorCode.UNKNOWN_CAPACITY),
        ((year < table.first_year) | (year > table.last_year), CaseErrorCode.UNKNOWN_YEAR),
    ]
    for failed, code in checks:  # reverse priority: the last assignment wins
        error[failed] = code
    valid = error == 0
    key = ((year - table.first_year) * CAPACITY_COUNT + capacity) * 2 + primo
    return error, np.where(valid, key, 0)


def _bracket_amount(
    annualised: Int64Array, key: Int64Array, table: ContributionTable, recorder: Recorder | None
) -> Int64Array:
    """Annual contribution in (twelfths of a cent) x (parts per million) of an annual-basis income.

    RD n°38: exempt below the threshold, raised to the minimum income, the student's deduction, then
    rate 1 up to the first threshold and rate 2 up to the ceiling.
    """
    first_threshold = table.first_threshold[key]
    base = np.maximum(annualised, table.floor[key])
    deduction = np.where(annualised < table.deduction_until[key], table.deduction[key], 0)
    base = np.maximum(base - deduction, 0)
    first_part = np.minimum(base, first_threshold)
    second_part = np.minimum(np.maximum(base, first_threshold), table.ceiling[key]) - first_threshold
    exempt = annualised < table.exempt[key]
    amount = np.where(exempt, 0, table.rate1[key] * first_part + table.rate2[key] * second_part)
    if recorder is not None:
        recorder.record("key", key)
        recorder.record("annualised_income", annualised)
        recorder.record("below_threshold", exempt)
        recorder.record("minimum_applies", annualised < table.floor[key])
        recorder.record("deduction", deduction)
        recorder.record("contribution_base", base)
        recorder.record("first_part", first_part)
        recorder.record("second_part", second_part)
        recorder.record("first_amount", np.where(exempt, 0, table.rate1[key] * first_part))
        recorder.record("second_amount", np.where(exempt, 0, table.rate2[key] * second_part))
        recorder.record("annual_exact", amount)
    return amount


def _unknown_minimum(
    annualised: Int64Array, quarterly: Int64Array, key: Int64Array, table: ContributionTable
) -> BoolArray:
    """Cases whose minimum income is unknown and not provably below their income."""
    state = table.floor_state[key]
    if not bool((state != FLOOR_KNOWN).any()):
        return np.zeros(len(key), dtype=np.bool_)
    bound = table.floor_bound[key]
    below_income = (state == FLOOR_BELOW_INCOME) & (annualised < bound)
    below_quarterly = (state == FLOOR_BELOW_QUARTERLY) & (quarterly <= bound)
    result: BoolArray = below_income | below_quarterly
    return result


def _with_fees(quarterly: Int64Array, fee_rate_ppm: Int64Array) -> tuple[Int64Array, Int64Array]:
    """The fund's management fee on the (rounded) quarterly contribution, rounded half-up.

    Domain reference: 719.68 + 3.95 % = 748.11 (2021), 871.71 + 3.05 % = 898.30 (2025).
    """
    fee = div_round_half_up(quarterly * fee_rate_ppm, RATE_SCALE)
    return fee, quarterly + fee


def _finish(
    annual: Int64Array,
    quarterly: Int64Array,
    *,
    fee_rate_ppm: Int64Array,
    error: Int8Array,
    problem: Int16Array,
    unconfirmed: BoolArray,
    recorder: Recorder | None,
) -> tuple[Int64Array, Int64Array, Int64Array, Int64Array, BoolArray]:
    ok = error == 0
    annual = np.where(ok, annual, 0)
    quarterly = np.where(ok, quarterly, 0)
    fee, with_fees = _with_fees(quarterly, fee_rate_ppm)
    if recorder is not None:
        recorder.record("annual", annual)
        recorder.record("quarterly", quarterly)
        recorder.record("fee", fee)
        recorder.record("quarterly_with_fees", with_fees)
        recorder.record("error", error)
        recorder.record("problem", problem)
    return annual, quarterly, fee, with_fees, unconfirmed & ok


def final_contributions(
    year: ArrayOrScalar,
    capacity: ArrayOrScalar,
    income_cents: ArrayOrScalar,
    *,
    quarters_active: ArrayOrScalar = 4,
    primo_starter: ArrayOrScalar = 0,
    fee_rate_ppm: ArrayOrScalar = 0,
    parameters: ParameterSet | None = None,
    recorder: Recorder | None = None,
) -> ContributionResult:
    """Final contributions of year N on the income of year N (RD n°38; since 1 January 2015 the final
    contributions are computed on the income of the year itself, socialsecurity.be).

    ``capacity`` holds :class:`~statut.rules.codes.CapacityCode` values, ``quarters_active`` the quarters
    of activity in the year (1-4; the income is brought to an annual basis), ``primo_starter`` 1 for the
    first four quarters of a primo-starter (reduced minimum income), ``fee_rate_ppm`` the fund's
    management fee in parts per million (3.05 % = 30_500).
    """
    table = contribution_table(parameters or load_parameters())
    year_, capacity_, income, quarters, primo, fee_rate = _columns(
        year, capacity, income_cents, quarters_active, primo_starter, fee_rate_ppm
    )
    error, key = _validate(year_, capacity_, income, primo=primo, fee_rate_ppm=fee_rate, table=table)
    bad_quarters = (quarters < 1) | (quarters > QUARTERS_PER_YEAR)
    error = np.where((error == 0) & bad_quarters, np.int8(CaseErrorCode.INVALID_QUARTERS), error)
    error = np.where(error == 0, table.error_final[key], error)
    problem = np.where(error == CaseErrorCode.MISSING_PARAMETER, table.problem_final[key], 0).astype(np.int16)

    annualised = np.clip(income, 0, MAX_INCOME_CENTS) * _ANNUAL_FACTOR[np.where(bad_quarters, 4, quarters)]
    amount = _bracket_amount(annualised, key, table, recorder)
    quarterly = div_round_half_up(amount, _QUARTERLY_DIVISOR)
    annual = div_round_half_up(amount, _ANNUAL_DIVISOR)
    unknown = (error == 0) & _unknown_minimum(annualised, quarterly, key, table)
    error = np.where(unknown, np.int8(CaseErrorCode.MINIMUM_UNKNOWN), error)
    problem = np.where(unknown, table.problem_bound[key], problem).astype(np.int16)
    annual, quarterly, fee, with_fees, unconfirmed = _finish(
        annual,
        quarterly,
        fee_rate_ppm=fee_rate,
        error=error,
        problem=problem,
        unconfirmed=table.unconfirmed_final[key],
        recorder=recorder,
    )
    return ContributionResult(annual, quarterly, fee, with_fees, error, problem, unconfirmed, table)


def provisional_contributions(
    year: ArrayOrScalar,
    capacity: ArrayOrScalar,
    income_n3_cents: ArrayOrScalar,
    *,
    starter: ArrayOrScalar = 0,
    primo_starter: ArrayOrScalar = 0,
    fee_rate_ppm: ArrayOrScalar = 0,
    parameters: ParameterSet | None = None,
    recorder: Recorder | None = None,
) -> ProvisionalResult:
    """Provisional contributions of year N (RD n°38; domain reference "Provisional and final
    contributions"): the capacity's formula on the income of year N-3 times the year's indexation
    coefficient (the indexed income rounded half-up to the cent); a starter (``starter`` = 1, no N-3
    income yet) pays the provisional flat contribution of the capacity instead (ucm.be; m-p.be):
    the contribution on the minimum income (main, primo-starter, assisting spouse), on the threshold
    (complementary, acerta.be: 98.52 incl. 3.05 % in 2024), or the published flat amount (student).
    """
    table = contribution_table(parameters or load_parameters())
    year_, capacity_, income, starter_, primo, fee_rate = _columns(
        year, capacity, income_n3_cents, starter, primo_starter, fee_rate_ppm
    )
    error, key = _validate(year_, capacity_, income, primo=primo, fee_rate_ppm=fee_rate, table=table)
    is_starter = starter_ != 0
    error = np.where(
        (error == 0) & (starter_ != 0) & (starter_ != 1), np.int8(CaseErrorCode.INVALID_PRIMO_STARTER), error
    )

    # Starters: flat amount or the contribution on the starter basis. Others: indexed N-3 income.
    indexed = mul_div_round_half_up(np.clip(income, 0, MAX_INCOME_CENTS), table.coefficient[key], COEFFICIENT_SCALE)
    indexed = np.where(is_starter, 0, indexed)
    flat = is_starter & (table.starter_state[key] == STARTER_FLAT)
    annualised = np.where(is_starter, table.starter_basis[key], indexed * TWELFTHS)
    if recorder is not None:
        recorder.record("indexed_income", indexed)
        recorder.record("starter", is_starter)
        recorder.record("starter_flat", flat)
    amount = _bracket_amount(annualised, key, table, recorder)
    quarterly = np.where(flat, table.starter_flat[key], div_round_half_up(amount, _QUARTERLY_DIVISOR))
    annual = np.where(flat, table.starter_flat[key] * QUARTERS_PER_YEAR, div_round_half_up(amount, _ANNUAL_DIVISOR))

    # Which parameters each case needed: the starter's flat or basis, or the coefficient and the formula.
    starter_problem = table.problem_starter[key]
    final_problem = np.where(table.error_final[key] == CaseErrorCode.MISSING_PARAMETER, table.problem_final[key], 0)
    index_problem = table.problem_indexation[key]
    problem = np.where(
        is_starter,
        np.where(starter_problem != 0, starter_problem, np.where(flat, 0, final_problem)),
        np.where(final_problem != 0, final_problem, index_problem),
    )
    table_error = np.where(
        table.error_final[key] == CaseErrorCode.PRIMO_STARTER_NOT_MAIN,
        np.int8(CaseErrorCode.PRIMO_STARTER_NOT_MAIN),
        np.where(problem != 0, np.int8(CaseErrorCode.MISSING_PARAMETER), np.int8(CaseErrorCode.NONE)),
    )
    error = np.where(error == 0, table_error, error)
    unknown = (error == 0) & ~is_starter & _unknown_minimum(annualised, quarterly, key, table)
    error = np.where(unknown, np.int8(CaseErrorCode.MINIMUM_UNKNOWN), error)
    problem = np.where(
        unknown, table.problem_bound[key], np.where(error == CaseErrorCode.MISSING_PARAMETER, problem, 0)
    )
    problem = problem.astype(np.int16)
    unconfirmed = np.where(
        is_starter,
        table.unconfirmed_starter[key] | (~flat & table.unconfirmed_final[key]),
        table.unconfirmed_final[key] | table.unconfirmed_indexation[key],
    )
    annual, quarterly, fee, with_fees, unconfirmed = _finish(
        annual,
        quarterly,
        fee_rate_ppm=fee_rate,
        error=error,
        problem=problem,
        unconfirmed=unconfirmed,
        recorder=recorder,
    )
    indexed = np.where(error == 0, indexed, 0)
    return ProvisionalResult(
        annual,
        quarterly,
        fee,
        with_fees,
        error,
        problem,
        unconfirmed,
        table,
        indexed_income=indexed,
        starter=is_starter,
    )


def quarters_due(
    active: npt.ArrayLike, exempted: npt.ArrayLike, capacity: ArrayOrScalar
) -> tuple[BoolArray, Int8Array]:
    """Quarters for which a contribution is due: active and not exempted.

    Exemption (dispense, decided by INASTI since 1 January 2019 for temporary financial or economic
    difficulty) is for the main capacity only (socialsecurity.belgium.be; rsvz.be); an exemption on
    another capacity is an error of the case. ``active`` and ``exempted`` are (n, 4) booleans.
    """
    active_ = np.atleast_2d(np.asarray(active, dtype=np.bool_))
    exempted_ = np.atleast_2d(np.asarray(exempted, dtype=np.bool_)) & active_
    capacity_ = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (active_.shape[0],))
    wrong = exempted_.any(axis=1) & (capacity_ != CapacityCode.MAIN)
    error = np.where(wrong, np.int8(CaseErrorCode.EXEMPTION_NOT_MAIN), np.int8(CaseErrorCode.NONE)).astype(np.int8)
    due: BoolArray = active_ & ~exempted_
    return due, error


def regularisation(
    final_quarterly: npt.ArrayLike, provisional_paid: npt.ArrayLike, due_quarters: npt.ArrayLike
) -> Int64Array:
    """Regularisation of year N: final contributions of the quarters due minus the provisional
    contributions paid; positive is a supplement to pay, negative a refund (socialsecurity.be: the
    final contributions on the income of year N replace the provisional ones)."""
    final_ = np.asarray(final_quarterly, dtype=np.int64)
    paid = np.asarray(provisional_paid, dtype=np.int64)
    quarters = np.asarray(due_quarters, dtype=np.int64)
    result: Int64Array = final_ * quarters - paid
    return result
