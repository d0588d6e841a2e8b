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
    quarter_major,
)
from statut.rules.codes import CAPACITY_COUNT, CapacityCode, CaseErrorCode
from statut.rules.contribution_table import (
    FLOOR_BELOW_INCOME,
    FLOOR_BELOW_QUARTERLY,
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


def _outside(values: Int64Array, low: int, high: int) -> BoolArray:
    """``values < low or values > high`` in two passes (an unsigned comparison after the shift)."""
    result: BoolArray = (values - low).view(np.uint64) > np.uint64(high - low)
    return result


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
    checks: list[tuple[BoolArray, CaseErrorCode]] = [
        (_outside(year, table.first_year, table.last_year), CaseErrorCode.UNKNOWN_YEAR),
        (_outside(capacity, 0, CAPACITY_COUNT - 1), CaseErrorCode.UNKNOWN_CAPACITY),
        (income < 0, CaseErrorCode.NEGATIVE_INCOME),
        (income > MAX_INCOME_CENTS, CaseErrorCode.INCOME_TOO_LARGE),
        (_outside(primo, 0, 1), CaseErrorCode.INVALID_PRIMO_STARTER),
        (_outside(fee_rate_ppm, 0, RATE_SCALE - 1), CaseErrorCode.INVALID_FEE_RATE),
    ]
    error = np.zeros(len(year), dtype=np.int8)
    key = ((year - table.first_year) * CAPACITY_COUNT + capacity) * 2 + primo
    bad = checks[0][0]
    for failed, _code in checks[1:]:
        bad = bad | failed
    if bad.any():  # rare: name the first problem of each bad case, in order of priority
        for failed, code in reversed(checks):
            error[failed] = code
        key[bad] = 0
    return error, key


def _bracket_amount(
    annualised: Int64Array, key: Int64Array, table: ContributionTable, recorder: Recorder | None
) -> Int64Array:
    """Annual contribution in (twelfths of a cent) x (parts per million) of an annual-basis income.

    RD n°38: exempt below the threshold, raised to the minimum income, the student's deduction, then
    rate 1 up to the first threshold and rate 2 up to the ceiling.
    """
    first_threshold = table.first_threshold[key]
    base = np.maximum(annualised, table.floor[key])
    deduction: Int64Array | int = 0
    if table.deduction.any():  # student-self-employed rows exist in the table
        deduction = table.deduction[key] * (annualised < table.deduction_until[key])
        base -= deduction
        np.maximum(base, 0, out=base)
    first_part = np.minimum(base, first_threshold)
    second_part = np.minimum(np.maximum(base, first_threshold), table.ceiling[key])
    second_part -= first_threshold
    first_amount = table.rate1[key] * first_part
    second_amount = table.rate2[key] * second_part
    amount = first_amount + second_amount
    not_exempt = annualised >= table.exempt[key]
    amount *= not_exempt
    if recorder is not None:
        recorder.record("key", key)
        recorder.record("annualised_income", annualised)
        recorder.record("below_threshold", ~not_exempt)
        recorder.record("minimum_applies", annualised < table.floor[key])
        recorder.record("deduction", deduction)
        recorder.record("contribution_base", base)
        recorder.record("first_part", first_part)
        recorder.record("second_part", second_part)
        recorder.record("first_amount", first_amount * not_exempt)
        recorder.record("second_amount", second_amount * not_exempt)
        recorder.record("annual_exact", amount)
    return amount


def _unknown_minimum(
    annualised: Int64Array, quarterly: Int64Array, key: Int64Array, table: ContributionTable
) -> BoolArray | None:
    """Cases whose minimum income is unknown and not provably below their income (None: no such case)."""
    if not table.floor_state.any():
        return None
    state = table.floor_state[key]
    if not state.any():
        return None
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


def _merge_errors(
    error: Int8Array, problem: Int16Array, failed: BoolArray | None, code: CaseErrorCode, problems: Int16Array | int
) -> None:
    """Give ``code`` (and its problem index) to the cases in ``failed`` that have no error yet."""
    if failed is None or not failed.any():
        return
    fresh = failed & (error == 0)
    error[fresh] = code
    problem[fresh] = problems[fresh] if isinstance(problems, np.ndarray) else problems


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
    if error.any():
        ok = error == 0
        annual *= ok
        quarterly *= ok
        unconfirmed = unconfirmed & ok
    fee, with_fees = _with_fees(quarterly, fee_rate_ppm)
    if recorder is not None:
        recorder.record("annual", annual)
        recorder.record("quarterly", quarterly)
        recorder.record("fee", fee)
        recorder.record("quarterly_with_fees", with_fees)
        recorder.record("error", error)
        recorder.record("problem", problem)
    return annual, quarterly, fee, with_fees, unconfirmed


def _table_errors(key: Int64Array, table: ContributionTable, error: Int8Array, problem: Int16Array) -> None:
    """The errors the parameters themselves cause (a missing figure, primo-starter on another capacity)."""
    if not table.error_final.any():
        return
    from_table = table.error_final[key]
    failed = from_table != 0
    if failed.any():
        fresh = failed & (error == 0)
        error[fresh] = from_table[fresh]
        problem[fresh] = table.problem_final[key[fresh]]


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
    problem = np.zeros(len(key), dtype=np.int16)
    bad_quarters = _outside(quarters, 1, QUARTERS_PER_YEAR)
    if bad_quarters.any():
        error[bad_quarters & (error == 0)] = CaseErrorCode.INVALID_QUARTERS
        quarters = np.where(bad_quarters, QUARTERS_PER_YEAR, quarters)
    _table_errors(key, table, error, problem)
    if error.any():  # keep the arithmetic of the failed cases harmless
        income = np.clip(income, 0, MAX_INCOME_CENTS)
    annualised = income * _ANNUAL_FACTOR[quarters]
    amount = _bracket_amount(annualised, key, table, recorder)
    quarterly = div_round_half_up(amount, _QUARTERLY_DIVISOR)
    annual = div_round_half_up(amount, _ANNUAL_DIVISOR)
    unknown = _unknown_minimum(annualised, quarterly, key, table)
    _merge_errors(error, problem, unknown, CaseErrorCode.MINIMUM_UNKNOWN, table.problem_bound[key])
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
    problem = np.zeros(len(key), dtype=np.int16)
    bad_starter = _outside(starter_, 0, 1)
    if bad_starter.any():
        error[bad_starter & (error == 0)] = CaseErrorCode.INVALID_PRIMO_STARTER
    is_starter = starter_ != 0
    starters = np.flatnonzero(is_starter)
    others = ~is_starter

    # Everyone but the starters: the indexed N-3 income. Starters: their basis or their flat amount.
    if error.any():
        income = np.clip(income, 0, MAX_INCOME_CENTS)
    indexed = mul_div_round_half_up(income, table.coefficient[key], COEFFICIENT_SCALE)
    indexed[starters] = 0
    annualised = indexed * TWELFTHS
    starter_keys = key[starters]
    flat_rows = starters[table.starter_state[starter_keys] == STARTER_FLAT]
    annualised[starters] = table.starter_basis[starter_keys]
    if recorder is not None:
        recorder.record("indexed_income", indexed)
        recorder.record("starter", is_starter)
        recorder.record("starter_flat", np.isin(np.arange(len(key)), flat_rows))
    amount = _bracket_amount(annualised, key, table, recorder)
    quarterly = div_round_half_up(amount, _QUARTERLY_DIVISOR)
    annual = div_round_half_up(amount, _ANNUAL_DIVISOR)
    flat = table.starter_flat[key[flat_rows]]
    quarterly[flat_rows] = flat
    annual[flat_rows] = flat * QUARTERS_PER_YEAR

    # The parameters each case needed: the coefficient and the formula, or the starter's basis or flat.
    primo_elsewhere = table.error_final[key] == CaseErrorCode.PRIMO_STARTER_NOT_MAIN
    _merge_errors(error, problem, primo_elsewhere, CaseErrorCode.PRIMO_STARTER_NOT_MAIN, 0)
    formula_problem = table.problem_final[key]
    formula_problem[flat_rows] = 0
    _merge_errors(error, problem, formula_problem != 0, CaseErrorCode.MISSING_PARAMETER, formula_problem)
    own_problem = table.problem_indexation[key]
    own_problem[starters] = table.problem_starter[starter_keys]
    _merge_errors(error, problem, own_problem != 0, CaseErrorCode.MISSING_PARAMETER, own_problem)
    unknown = _unknown_minimum(annualised, quarterly, key, table)
    if unknown is not None:
        unknown &= others
    _merge_errors(error, problem, unknown, CaseErrorCode.MINIMUM_UNKNOWN, table.problem_bound[key])

    unconfirmed = table.unconfirmed_final[key] | table.unconfirmed_indexation[key]
    unconfirmed[starters] = table.unconfirmed_starter[starter_keys]
    basis_rows = starters[table.starter_state[starter_keys] != STARTER_FLAT]
    unconfirmed[basis_rows] |= table.unconfirmed_final[key[basis_rows]]
    annual, quarterly, fee, with_fees, unconfirmed = _finish(
        annual,
        quarterly,
        fee_rate_ppm=fee_rate,
        error=error,
        problem=problem,
        unconfirmed=unconfirmed,
        recorder=recorder,
    )
    if error.any():
        indexed *= error == 0
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
    """Quarters for which a contribution is due: active and not exempted (quarter-major, (4, n)).

    Exemption (dispense, decided by INASTI since 1 January 2019 for temporary financial or economic
    difficulty) is for the main capacity only (socialsecurity.belgium.be; rsvz.be); an exemption on
    another capacity is an error of the case.
    """
    active_ = quarter_major(active, np.bool_)
    exempted_ = quarter_major(exempted, np.bool_) & active_
    capacity_ = np.broadcast_to(np.asarray(capacity, dtype=np.int64), (active_.shape[1],))
    wrong = exempted_.any(axis=0) & (capacity_ != CapacityCode.MAIN)
    error = (wrong * np.int8(CaseErrorCode.EXEMPTION_NOT_MAIN)).astype(np.int8)
    due: BoolArray = active_ & ~exempted_
    return due, error


def due_quarter_count(due: npt.ArrayLike) -> Int64Array:
    """Quarters due per case, from the quarter-major booleans of :func:`quarters_due`."""
    result: Int64Array = np.asarray(due, dtype=np.bool_).sum(axis=0, dtype=np.int64)
    return result


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
