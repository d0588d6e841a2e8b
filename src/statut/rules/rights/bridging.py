"""Bridging right (droit passerelle / overbruggingsrecht) of a self-employed worker who stops.

Triggers: bankruptcy, collective debt settlement, forced interruption (disaster, fire, economic
event), cessation for economic reasons. Since 2023 the duration depends on the career: fewer than
8 quarters none, fewer than 20 three months, fewer than 60 six months, 60 or more twelve months
(rsvz-inasti FAQ). Monthly amount 1,638.26 without and 2,047.18 with dependants (ucm.be, undated:
unconfirmed for a given year), paid per block of 7 days. Only these conditions are checked: the
domain reference lists no other.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import IntEnum, IntFlag
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int64Array
from statut.rules.dates import as_dates, day_numbers, entry_index, values_on
from statut.rules.parameter_set import ParameterSet, load_parameters
from statut.rules.rights.outcome import ReasonArray, RightAssessment, decide, flag_where, tri_state
from statut.rules.trace import Amount, Arg

DURATION: Final = "rights.bridging.duration"
AMOUNT_WITHOUT_DEPENDANTS: Final = "rights.bridging.monthly_amount_without_dependants"
AMOUNT_WITH_DEPENDANTS: Final = "rights.bridging.monthly_amount_with_dependants"
UNKNOWN_AMOUNT: Final = -1


class BridgingTrigger(IntEnum):
    UNKNOWN = -1
    NONE = 0
    BANKRUPTCY = 1
    COLLECTIVE_DEBT_SETTLEMENT = 2
    FORCED_INTERRUPTION = 3
    ECONOMIC_CESSATION = 4


class BridgingReason(IntFlag):
    CONDITIONS_MET = 1
    NO_TRIGGER = 2
    TRIGGER_UNKNOWN = 4
    CAREER_TOO_SHORT = 8
    CAREER_UNKNOWN = 16
    RULES_UNKNOWN = 32
    DEPENDANTS_UNKNOWN = 64
    AMOUNT_UNCONFIRMED = 128


_FAILING: Final = BridgingReason.NO_TRIGGER | BridgingReason.CAREER_TOO_SHORT
_UNDECIDED: Final = BridgingReason.TRIGGER_UNKNOWN | BridgingReason.CAREER_UNKNOWN | BridgingReason.RULES_UNKNOWN


@dataclass(frozen=True)
class BridgingRight(RightAssessment):
    months: Int64Array
    monthly_amount: Int64Array  # cents; -1 when the household is not known
    amount_unconfirmed: BoolArray
    career_quarters: Int64Array
    minimum_quarters: Int64Array

    right: ClassVar[str] = "bridging"
    reason_type: ClassVar[type[IntFlag]] = BridgingReason

    def message_args(self, index: int) -> dict[str, Arg]:
        amount = int(self.monthly_amount[index])
        return {
            "months": int(self.months[index]),
            "quarters": int(self.career_quarters[index]),
            "minimum": int(self.minimum_quarters[index]),
            "amount": Amount(Decimal(max(amount, 0)) / 100),
        }


def _durations(
    parameters: ParameterSet, days: Int64Array, quarters: Int64Array
) -> tuple[Int64Array, Int64Array, BoolArray]:
    """Months of bridging right by career length, the minimum career, and whether a rule is known."""
    parameter = parameters[DURATION]
    index = entry_index(parameter, days)
    months = np.zeros(len(days), dtype=np.int64)
    minimum = np.zeros(len(days), dtype=np.int64)
    known = np.zeros(len(days), dtype=np.bool_)
    for position, entry in enumerate(parameter.values):
        if entry.value is None or isinstance(entry.value, Decimal):
            continue
        rows = index == position
        if not rows.any():
            continue
        level = np.zeros(len(days), dtype=np.int64)
        for row in entry.value:
            level += quarters >= int(row[0])
        durations = np.array([0] + [int(row[1]) for row in entry.value], dtype=np.int64)
        months += durations[level] * rows
        minimum += int(entry.value[0][0]) * rows
        known |= rows
    return months, minimum, known


def bridging_right(
    trigger: npt.ArrayLike,
    event_date: npt.ArrayLike,
    career_quarters: npt.ArrayLike,
    dependants: npt.ArrayLike,
    *,
    parameters: ParameterSet | None = None,
) -> BridgingRight:
    """Bridging right per case: ``trigger`` holds :class:`BridgingTrigger` codes, ``event_date`` the
    date of the event (the rules in force then apply), ``career_quarters`` the quarters that count
    (-1 unknown), ``dependants`` a tri-state."""
    parameters = parameters or load_parameters()
    days = day_numbers(np.atleast_1d(as_dates(event_date)))
    size = len(days)
    trigger_ = np.broadcast_to(np.asarray(trigger, dtype=np.int64), (size,))
    quarters = np.broadcast_to(np.asarray(career_quarters, dtype=np.int64), (size,))
    family = tri_state(dependants, size)
    months, minimum, rule_known = _durations(parameters, days, np.maximum(quarters, 0))

    has_trigger = (trigger_ >= BridgingTrigger.BANKRUPTCY) & (trigger_ <= BridgingTrigger.ECONOMIC_CESSATION)
    reasons: ReasonArray = flag_where(trigger_ == BridgingTrigger.NONE, BridgingReason.NO_TRIGGER)
    reasons |= flag_where(~has_trigger & (trigger_ != BridgingTrigger.NONE), BridgingReason.TRIGGER_UNKNOWN)
    reasons |= flag_where(has_trigger & ~rule_known, BridgingReason.RULES_UNKNOWN)
    reasons |= flag_where(has_trigger & rule_known & (quarters < 0), BridgingReason.CAREER_UNKNOWN)
    reasons |= flag_where(has_trigger & rule_known & (quarters >= 0) & (months == 0), BridgingReason.CAREER_TOO_SHORT)

    without, known_without = values_on(parameters[AMOUNT_WITHOUT_DEPENDANTS], days, 100)
    with_, known_with = values_on(parameters[AMOUNT_WITH_DEPENDANTS], days, 100)
    has_family, no_family = family == 1, family == 0
    amount_known = (has_family & known_with) | (no_family & known_without)
    amount = np.where(amount_known, with_ * has_family + without * no_family, UNKNOWN_AMOUNT)
    settled = (reasons & np.uint32(int(_FAILING | _UNDECIDED))) == 0
    reasons |= flag_where(settled, BridgingReason.CONDITIONS_MET)
    reasons |= flag_where(settled & (family < 0), BridgingReason.DEPENDANTS_UNKNOWN)
    unconfirmed = _unconfirmed_on(parameters, days, family)
    reasons |= flag_where(settled & amount_known & unconfirmed, BridgingReason.AMOUNT_UNCONFIRMED)
    outcome = decide(reasons, int(_FAILING), int(_UNDECIDED))
    eligible = outcome == 1
    return BridgingRight(
        outcome=outcome,
        reasons=reasons,
        months=np.where(eligible, months, 0),
        monthly_amount=np.where(eligible, amount, UNKNOWN_AMOUNT),
        amount_unconfirmed=eligible & amount_known & unconfirmed,
        career_quarters=quarters.astype(np.int64),
        minimum_quarters=minimum,
    )


def _unconfirmed_on(parameters: ParameterSet, days: Int64Array, family: npt.NDArray[np.int8]) -> BoolArray:
    flags = []
    for name in (AMOUNT_WITHOUT_DEPENDANTS, AMOUNT_WITH_DEPENDANTS):
        parameter = parameters[name]
        marks = np.array([False] + [entry.unconfirmed for entry in parameter.values], dtype=np.bool_)
        flags.append(marks[entry_index(parameter, days) + 1])
    result: BoolArray = np.where(family == 1, flags[1], flags[0])
    return result
