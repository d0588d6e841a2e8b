"""Explain one case: run the column engine on a single case with a recorder and turn what it recorded
into a :class:`~statut.rules.trace.Trace` (inputs, parameters with their references, steps, result).

The explanation is produced by the very code that computes 1.2 million cases, so it cannot drift from
it. ``statut rules explain`` prints it; the API and the portal render it in the reader's language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from statut.domain.entities import Capacity
from statut.domain.errors import DomainValidationError
from statut.domain.money import parse_amount
from statut.rules.arithmetic import RATE_SCALE, to_scaled_int
from statut.rules.codes import CapacityCode, CaseErrorCode, capacity_code
from statut.rules.contribution_table import CENT_TWELFTHS, FLOOR_KNOWN, ContributionTable, Problem, RowSources
from statut.rules.contributions import final_contributions, provisional_contributions
from statut.rules.parameter_set import ParameterSet, ParameterValue, Validity, ValueStatus, load_parameters
from statut.rules.trace import Amount, Arg, Label, Number, Phrase, Rate, StepKind, Trace, TraceRecorder, TraceStep

_EXACT_PLACES: Final = 6
_AMOUNT_DIVISOR: Final = Decimal(CENT_TWELFTHS * RATE_SCALE)  # (twelfths of a cent) x ppm -> euros
_INPUT_ERRORS: Final = frozenset(
    {
        CaseErrorCode.UNKNOWN_YEAR,
        CaseErrorCode.UNKNOWN_CAPACITY,
        CaseErrorCode.NEGATIVE_INCOME,
        CaseErrorCode.INCOME_TOO_LARGE,
        CaseErrorCode.INVALID_QUARTERS,
        CaseErrorCode.PRIMO_STARTER_NOT_MAIN,
        CaseErrorCode.INVALID_PRIMO_STARTER,
        CaseErrorCode.INVALID_FEE_RATE,
    }
)


def _euros(cents: int) -> Amount:
    return Amount((Decimal(cents) / 100).quantize(Decimal("0.01")))


def _twelfths(value: int) -> Amount:
    return Amount(Decimal(value) / CENT_TWELFTHS, _EXACT_PLACES)


def _exact(value: int, divisor: int = 1) -> Amount:
    return Amount(Decimal(value) / (_AMOUNT_DIVISOR * divisor), _EXACT_PLACES)


def parse_fee_rate(raw: Decimal | str | int) -> int:
    """A fee rate such as ``"0.0305"`` in parts per million."""
    value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip().replace(",", "."))
    try:
        return to_scaled_int(value, RATE_SCALE, "fund_fee_rate")
    except ValueError:
        raise DomainValidationError("fund_fee_rate", raw, "at most 6 decimals (e.g. 0.0305)") from None


def error_phrase(code: int, problem: Problem | None, table: ContributionTable, year: int) -> Phrase:
    """The translated reason of a case error (for the trace, the CSV error column and the API)."""
    error = CaseErrorCode(code)
    args: dict[str, Arg] = {}
    if error is CaseErrorCode.UNKNOWN_YEAR:
        args = {"year": str(year), "first_year": str(table.first_year), "last_year": str(table.last_year)}
    elif problem is not None:
        args = {"parameter": problem.parameter, "year": str(problem.year)}
    return Phrase(error.message_key, args)


def _parameter_step(parameters: ParameterSet, name: str, entry: ParameterValue) -> TraceStep:
    parameter = parameters[name]
    period: Arg = (
        str(entry.start.year)
        if parameter.validity is Validity.CALENDAR_YEAR
        else Phrase("trace.period.since", {"date": entry.start})
    )
    args: dict[str, Arg] = {"label": Label(parameter.label), "period": period}
    if entry.value is None or not isinstance(entry.value, Decimal):
        return TraceStep(
            StepKind.PARAMETER,
            name,
            "trace.parameter_unknown",
            args,
            None,
            status=ValueStatus.UNCONFIRMED.value,
            note=entry.note,
        )
    value: Arg
    if parameter.unit == "rate":
        value = Rate(entry.value)
    elif parameter.unit == "coefficient":
        value = Number(entry.value)
    elif parameter.unit.startswith("EUR"):
        value = Amount(entry.value)
    else:
        value = int(entry.value)
    key = "trace.parameter_unconfirmed" if entry.unconfirmed else "trace.parameter"
    return TraceStep(
        StepKind.PARAMETER,
        name,
        key,
        {**args, "value": value, "reference": entry.reference},
        value,
        reference=entry.reference,
        status=entry.status.value,
        note=entry.note,
    )


def _parameter_steps(parameters: ParameterSet, *sources: RowSources) -> list[TraceStep]:
    seen: set[str] = set()
    steps: list[TraceStep] = []
    for source in sources:
        for _role, name, entry in source.entries:
            if name not in seen:
                seen.add(name)
                steps.append(_parameter_step(parameters, name, entry))
    return steps


def _formula_steps(recorded: TraceRecorder, table: ContributionTable, key: int, capacity: int) -> list[TraceStep]:
    """The steps of the bracket formula (RD n°38), in the order the engine applies them."""
    steps: list[TraceStep] = []
    step = TraceStep
    mid = StepKind.INTERMEDIATE
    if table.exempt[key] > 0:
        threshold = _twelfths(int(table.exempt[key]))
        if recorded.flag("below_threshold"):
            steps.append(step(mid, "below_threshold", "trace.step.below_threshold", {"threshold": threshold}, True))
            return steps
        steps.append(step(mid, "below_threshold", "trace.step.above_threshold", {"threshold": threshold}, False))
    if table.floor[key] > 0:
        minimum = _twelfths(int(table.floor[key]))
        applies = recorded.flag("minimum_applies")
        name = "trace.step.minimum_applies" if applies else "trace.step.minimum_not_applied"
        steps.append(step(mid, "minimum_applies", name, {"minimum": minimum}, applies))
    elif table.floor_state[key] != FLOOR_KNOWN and recorded["error"] == CaseErrorCode.NONE:
        year = table.first_year + key // (2 * len(CapacityCode))
        steps.append(step(mid, "minimum_applies", "trace.step.minimum_bound", {"year": str(year)}, False))
    if capacity == CapacityCode.STUDENT:
        until, deduction = _twelfths(int(table.deduction_until[key])), _twelfths(int(table.deduction[key]))
        if recorded["deduction"] > 0:
            steps.append(
                step(
                    mid,
                    "student_deduction",
                    "trace.step.student_deduction",
                    {"until": until, "deduction": deduction},
                    deduction,
                )
            )
        else:
            steps.append(
                step(mid, "student_deduction", "trace.step.student_main_rules", {"until": until}, Amount(Decimal(0)))
            )
    base = _twelfths(recorded["contribution_base"])
    steps.append(step(mid, "contribution_base", "trace.step.contribution_base", {"value": base}, base))
    first = _exact(recorded["first_amount"])
    steps.append(
        step(
            mid,
            "first_bracket",
            "trace.step.first_bracket",
            {
                "part": _twelfths(recorded["first_part"]),
                "rate": Rate(Decimal(int(table.rate1[key])) / RATE_SCALE),
                "value": first,
            },
            first,
        )
    )
    if recorded["second_part"] > 0:
        second = _exact(recorded["second_amount"])
        rate2 = Rate(Decimal(int(table.rate2[key])) / RATE_SCALE)
        steps.append(
            step(
                mid,
                "second_bracket",
                "trace.step.second_bracket",
                {"part": _twelfths(recorded["second_part"]), "rate": rate2, "value": second},
                second,
            )
        )
    if recorded["contribution_base"] > table.ceiling[key]:
        ceiling = _twelfths(int(table.ceiling[key]))
        steps.append(step(mid, "above_ceiling", "trace.step.above_ceiling", {"ceiling": ceiling}, ceiling))
    return steps


def _rounding_steps(recorded: TraceRecorder, fee_rate_ppm: int) -> list[TraceStep]:
    mid = StepKind.INTERMEDIATE
    exact = _exact(recorded["annual_exact"])
    annual, quarterly = _euros(recorded["annual"]), _euros(recorded["quarterly"])
    steps = [
        TraceStep(mid, "annual", "trace.step.annual", {"exact": exact, "value": annual}, annual),
        TraceStep(
            mid,
            "quarterly",
            "trace.step.quarterly",
            {"exact": exact, "quarter_exact": _exact(recorded["annual_exact"], 4), "value": quarterly},
            quarterly,
        ),
    ]
    if fee_rate_ppm:
        fee = _euros(recorded["fee"])
        rate = Rate(Decimal(fee_rate_ppm) / RATE_SCALE)
        steps.append(TraceStep(mid, "fee", "trace.step.fee", {"quarterly": quarterly, "rate": rate, "value": fee}, fee))
    return steps


def _result_steps(recorded: TraceRecorder, quarters: int) -> list[TraceStep]:
    result = StepKind.RESULT
    values = {name: _euros(recorded[name]) for name in ("annual", "quarterly", "quarterly_with_fees")}
    steps = [TraceStep(result, name, f"trace.result.{name}", {"value": value}, value) for name, value in values.items()]
    due = _euros(recorded["quarterly"] * quarters)
    steps.append(
        TraceStep(result, "due_for_year", "trace.result.due_for_year", {"quarters": quarters, "value": due}, due)
    )
    return steps


def _error_step(recorded: TraceRecorder, table: ContributionTable, year: int) -> TraceStep:
    code = recorded["error"]
    problem = table.problems[recorded["problem"]]
    phrase = error_phrase(code, problem, table, year)
    return TraceStep(StepKind.ERROR, CaseErrorCode(code).name.lower(), "trace.error", {"message": phrase}, phrase.key)


def _inputs(year: int, capacity: Capacity | str, primo_starter: bool, fee_rate_ppm: int) -> list[TraceStep]:
    code = capacity_code(capacity)
    shown: Arg = Phrase(f"capacity.{CapacityCode(code).capacity.value}") if code >= 0 else str(capacity)
    fee = Rate(Decimal(fee_rate_ppm) / RATE_SCALE)
    return [
        TraceStep(StepKind.INPUT, "year", "trace.input.year", {"value": year}, year),
        TraceStep(StepKind.INPUT, "capacity", "trace.input.capacity", {"value": shown}, str(capacity)),
        TraceStep(
            StepKind.INPUT, "primo_starter", "trace.input.primo_starter", {"value": primo_starter}, primo_starter
        ),
        TraceStep(StepKind.INPUT, "fund_fee_rate", "trace.input.fee_rate", {"value": fee}, fee),
    ]


def explain_final_contribution(
    year: int,
    capacity: Capacity | str,
    income: Decimal | str | int,
    *,
    quarters_active: int = 4,
    primo_starter: bool = False,
    fee_rate: Decimal | str | int = 0,
    parameters: ParameterSet | None = None,
) -> Trace:
    """The trace of the final contributions of one case (same inputs as a row of the batch CSV)."""
    parameters = parameters or load_parameters()
    amount = parse_amount(income, "income", allow_negative=True)
    fee_rate_ppm = parse_fee_rate(fee_rate)
    recorded = TraceRecorder()
    code = capacity_code(capacity)
    result = final_contributions(
        year,
        code,
        int(amount * 100),
        quarters_active=quarters_active,
        primo_starter=int(primo_starter),
        fee_rate_ppm=fee_rate_ppm,
        parameters=parameters,
        recorder=recorded,
    )
    table = result.table
    income_step = TraceStep(StepKind.INPUT, "income", "trace.input.income", {"value": Amount(amount)}, Amount(amount))
    quarters_step = TraceStep(
        StepKind.INPUT, "quarters_active", "trace.input.quarters_active", {"value": quarters_active}, quarters_active
    )
    steps = [*_inputs(year, capacity, primo_starter, fee_rate_ppm), income_step, quarters_step]
    error = int(result.error[0])
    if error in _INPUT_ERRORS:
        return Trace("final_contribution", {"year": str(year)}, (*steps, _error_step(recorded, table, year)))
    key = recorded["key"]
    steps += _parameter_steps(parameters, table.sources_final[key])
    if error == CaseErrorCode.MISSING_PARAMETER:
        return Trace("final_contribution", {"year": str(year)}, (*steps, _error_step(recorded, table, year)))
    if quarters_active != 4:
        annualised = _twelfths(recorded["annualised_income"])
        args: dict[str, Arg] = {"income": Amount(amount), "quarters": quarters_active, "value": annualised}
        steps.append(
            TraceStep(StepKind.INTERMEDIATE, "annualised_income", "trace.step.annualised_income", args, annualised)
        )
    steps += _formula_steps(recorded, table, key, code)
    if error != CaseErrorCode.NONE:
        return Trace("final_contribution", {"year": str(year)}, (*steps, _error_step(recorded, table, year)))
    steps += _rounding_steps(recorded, fee_rate_ppm)
    steps += _result_steps(recorded, quarters_active)
    return Trace("final_contribution", {"year": str(year)}, tuple(steps), bool(result.uses_unconfirmed[0]))


def explain_provisional_contribution(
    year: int,
    capacity: Capacity | str,
    income_n3: Decimal | str | int,
    *,
    starter: bool = False,
    primo_starter: bool = False,
    fee_rate: Decimal | str | int = 0,
    parameters: ParameterSet | None = None,
) -> Trace:
    """The trace of the provisional contributions of one case (N-3 income indexed, or a starter's flat)."""
    parameters = parameters or load_parameters()
    amount = parse_amount(income_n3, "income_n3", allow_negative=True)
    fee_rate_ppm = parse_fee_rate(fee_rate)
    recorded = TraceRecorder()
    code = capacity_code(capacity)
    result = provisional_contributions(
        year,
        code,
        int(amount * 100),
        starter=int(starter),
        primo_starter=int(primo_starter),
        fee_rate_ppm=fee_rate_ppm,
        parameters=parameters,
        recorder=recorded,
    )
    table = result.table
    title = {"year": str(year)}
    steps = _inputs(year, capacity, primo_starter, fee_rate_ppm)
    steps.append(TraceStep(StepKind.INPUT, "starter", "trace.input.starter", {"value": starter}, starter))
    if not starter:
        shown = Amount(amount)
        args: dict[str, Arg] = {"value": shown, "year_n3": str(year - 3)}
        steps.append(TraceStep(StepKind.INPUT, "income_n3", "trace.input.income_n3", args, shown))
    error = int(result.error[0])
    if error in _INPUT_ERRORS:
        return Trace("provisional_contribution", title, (*steps, _error_step(recorded, table, year)))
    key = recorded["key"]
    own = table.sources_starter[key] if starter else table.sources_indexation[key]
    sources = (own,) if starter and recorded.flag("starter_flat") else (table.sources_final[key], own)
    steps += _parameter_steps(parameters, *sources)
    if error == CaseErrorCode.MISSING_PARAMETER:
        return Trace("provisional_contribution", title, (*steps, _error_step(recorded, table, year)))
    mid = StepKind.INTERMEDIATE
    if starter and recorded.flag("starter_flat"):
        flat = _euros(recorded["quarterly"])
        steps.append(TraceStep(mid, "starter_flat", "trace.step.starter_flat", {"value": flat}, flat))
    else:
        if starter:
            basis = _twelfths(recorded["annualised_income"])
            steps.append(TraceStep(mid, "starter_basis", "trace.step.starter_basis", {"value": basis}, basis))
        else:
            indexed = _euros(recorded["indexed_income"])
            coefficient = Number(Decimal(int(table.coefficient[key])) / 100_000_000)
            args = {"income": Amount(amount), "coefficient": coefficient, "value": indexed}
            steps.append(TraceStep(mid, "indexed_income", "trace.step.indexed_income", args, indexed))
        steps += _formula_steps(recorded, table, key, code)
        if error != CaseErrorCode.NONE:
            return Trace("provisional_contribution", title, (*steps, _error_step(recorded, table, year)))
        steps += _rounding_steps(recorded, fee_rate_ppm)[0 if not starter else 1 :]
    if starter and recorded.flag("starter_flat") and fee_rate_ppm:
        steps += _rounding_steps(recorded, fee_rate_ppm)[2:]
    steps += _result_steps(recorded, 4)
    return Trace("provisional_contribution", title, tuple(steps), bool(result.uses_unconfirmed[0]))
