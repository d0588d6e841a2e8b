"""A second, deliberately plain implementation of the contribution rules in Decimal arithmetic, one
case at a time, read straight from the parameter set. The column engine (integer cents, parts per
million, twelfths of a cent) must agree with it to the cent on every case: that is what "exact" means.

It shares no code with statut.rules.contributions: only the parameter set and the legal rules
(RD n°38 of 27 July 1967, domain reference "Social contributions").
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from statut.rules import MissingParameterError, ParameterSet

CENT = Decimal("0.01")
CONTEXT = decimal.Context(prec=60, rounding=ROUND_HALF_UP)
CAPACITIES = ("main", "complementary", "student", "assisting_spouse", "active_pensioner")


def cents(value: Decimal) -> int:
    """Round half-up to the cent (funds' rounding) and return integer cents."""
    return int(value.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


@dataclass(frozen=True)
class Expected:
    annual: int = 0
    quarterly: int = 0
    fee: int = 0
    with_fees: int = 0
    error: str = ""  # CaseErrorCode name in lower case, "" when computed
    indexed_income: int = 0


class _MissingError(Exception):
    def __init__(self, error: str) -> None:
        self.error = error


def _get(parameters: ParameterSet, name: str, year: int) -> Decimal:
    try:
        return parameters.scalar(name, date(year, 1, 1))
    except MissingParameterError:
        raise _MissingError("missing_parameter") from None


def _maybe(parameters: ParameterSet, name: str, year: int) -> Decimal | None:
    try:
        return parameters.scalar(name, date(year, 1, 1))
    except MissingParameterError:
        return None


def _brackets(parameters: ParameterSet, year: int, capacity: str, base: Decimal) -> Decimal:
    first_rate = (
        "contributions.rates.active_pensioner_first_bracket"
        if capacity == "active_pensioner"
        else ("contributions.rates.first_bracket")
    )
    rate1 = _get(parameters, first_rate, year)
    rate2 = _get(parameters, "contributions.rates.second_bracket", year)
    first = _get(parameters, "contributions.thresholds.first", year)
    ceiling = _get(parameters, "contributions.thresholds.ceiling", year)
    with decimal.localcontext(CONTEXT):
        return rate1 * min(base, first) + rate2 * max(Decimal(0), min(base, ceiling) - first)


def _annual_exact(parameters: ParameterSet, year: int, capacity: str, annualised: Decimal, primo: bool) -> Decimal:
    """Annual contribution before rounding, for an income already on an annual basis."""
    with decimal.localcontext(CONTEXT):
        if capacity in ("complementary", "active_pensioner"):
            name = f"contributions.{capacity}.threshold"
            threshold = _get(parameters, name, year)
            _brackets(parameters, year, capacity, Decimal(0))  # the brackets must be known too
            if annualised < threshold:
                return Decimal(0)
            return _brackets(parameters, year, capacity, annualised)
        if capacity == "student":
            half = _get(parameters, "contributions.student.exemption_threshold", year)
            main_minimum = _get(parameters, "contributions.main.minimum_income", year)
            base = max(annualised - half, Decimal(0)) if annualised < main_minimum else annualised
            return _brackets(parameters, year, capacity, base)
        if capacity == "assisting_spouse":
            minimum = _get(parameters, "contributions.assisting_spouse.minimum_income", year)
            return _brackets(parameters, year, capacity, max(annualised, minimum))
        # main capacity, possibly a primo-starter's reduced minimum
        name = "contributions.primo_starter.minimum_income" if primo else "contributions.main.minimum_income"
        minimum = _maybe(parameters, name, year)
        if minimum is not None:
            return _brackets(parameters, year, capacity, max(annualised, minimum))
        # Unknown minimum: only an income provably above it can be computed.
        unbounded = _brackets(parameters, year, capacity, annualised)
        main_minimum = _maybe(parameters, "contributions.main.minimum_income", year) if primo else None
        if main_minimum is not None:
            if annualised >= main_minimum:
                return unbounded
            raise _MissingError("minimum_unknown")
        published = _maybe(parameters, "contributions.main.minimum_quarterly_contribution", year)
        if published is None:
            raise _MissingError("missing_parameter")
        if (unbounded / 4).quantize(CENT, rounding=ROUND_HALF_UP) > published:
            return unbounded
        raise _MissingError("minimum_unknown")


def _input_error(year: int, capacity: str, income: Decimal, quarters: int, primo: int, fee_rate: Decimal) -> str:
    if not 2019 <= year <= 2026:
        return "unknown_year"
    if capacity not in CAPACITIES:
        return "unknown_capacity"
    if income < 0:
        return "negative_income"
    if primo not in (0, 1):
        return "invalid_primo_starter"
    if not 0 <= fee_rate < 1:
        return "invalid_fee_rate"
    if not 1 <= quarters <= 4:
        return "invalid_quarters"
    if primo and capacity != "main":
        return "primo_starter_not_main"
    return ""


def _with_fees(annual_exact: Decimal, fee_rate: Decimal) -> Expected:
    with decimal.localcontext(CONTEXT):
        quarterly = cents(annual_exact / 4)
        fee = cents(Decimal(quarterly) / 100 * fee_rate)
        return Expected(annual=cents(annual_exact), quarterly=quarterly, fee=fee, with_fees=quarterly + fee)


def final_contribution(
    parameters: ParameterSet,
    year: int,
    capacity: str,
    income: Decimal,
    quarters: int = 4,
    primo: int = 0,
    fee_rate: Decimal = Decimal(0),
) -> Expected:
    """Final contributions of year N on the income of year N, brought to an annual basis."""
    error = _input_error(year, capacity, income, quarters, primo, fee_rate)
    if error:
        return Expected(error=error)
    with decimal.localcontext(CONTEXT):
        annualised = income * 4 / quarters
        try:
            exact = _annual_exact(parameters, year, capacity, annualised, bool(primo))
        except _MissingError as missing:
            return Expected(error=missing.error)
    return _with_fees(exact, fee_rate)


def provisional_contribution(
    parameters: ParameterSet,
    year: int,
    capacity: str,
    income_n3: Decimal,
    starter: int = 0,
    primo: int = 0,
    fee_rate: Decimal = Decimal(0),
) -> Expected:
    """Provisional contributions: the N-3 income times the year's coefficient, or a starter's flat."""
    error = _input_error(year, capacity, income_n3, 4, primo, fee_rate)
    if error:
        return Expected(error=error)
    try:
        if not starter:
            coefficient = _get(parameters, "contributions.provisional.indexation_coefficient", year)
            indexed = Decimal(cents(income_n3 * coefficient)) / 100
            exact = _annual_exact(parameters, year, capacity, indexed, bool(primo))
            result = _with_fees(exact, fee_rate)
            return Expected(result.annual, result.quarterly, result.fee, result.with_fees, "", cents(indexed))
        if capacity == "student":
            flat = _get(parameters, "contributions.student.starter_provisional_quarterly", year)
            return _flat(flat, fee_rate)
        if capacity == "active_pensioner":
            return Expected(error="missing_parameter")
        if capacity == "complementary":
            basis = _get(parameters, "contributions.complementary.threshold", year)
        elif capacity == "assisting_spouse":
            basis = _get(parameters, "contributions.assisting_spouse.minimum_income", year)
        elif primo:
            basis = _get(parameters, "contributions.primo_starter.minimum_income", year)
        else:
            minimum = _maybe(parameters, "contributions.main.minimum_income", year)
            if minimum is None:
                return _flat(_get(parameters, "contributions.main.minimum_quarterly_contribution", year), fee_rate)
            basis = minimum
        return _with_fees(_annual_exact(parameters, year, capacity, basis, bool(primo)), fee_rate)
    except _MissingError as missing:
        return Expected(error=missing.error)


def _flat(quarterly: Decimal, fee_rate: Decimal) -> Expected:
    amount = cents(quarterly)
    fee = cents(quarterly * fee_rate)
    return Expected(annual=amount * 4, quarterly=amount, fee=fee, with_fees=amount + fee)


def late_increases(parameters: ParameterSet, year: int, unpaid_at_quarter_ends: list[Decimal]) -> tuple[int, int]:
    """3 % of what is unpaid at each quarter end, 7 % of what is unpaid on 31 December (cents)."""
    quarterly = parameters.scalar("contributions.late_payment.quarterly_increase", date(year, 12, 31))
    yearly = parameters.scalar("contributions.late_payment.yearly_increase", date(year + 1, 1, 1))
    three = sum(cents(amount * quarterly) for amount in unpaid_at_quarter_ends)
    return three, cents(unpaid_at_quarter_ends[-1] * yearly)
