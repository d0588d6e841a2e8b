"""Incapacity benefit of a self-employed worker, basic conditions (rsvz-inasti.fgov.be FAQ; paid by
the health insurance funds, mutualités / ziekenfondsen).

Paid from the first day when the incapacity lasts more than 7 days; a six-month qualifying period;
contributions paid. Daily rates 76.42 with dependants, 60.56 single, 46.45 cohabiting (year of the
rates unconfirmed, so every rate is flagged unconfirmed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntEnum, IntFlag
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int64Array
from statut.rules.parameter_set import ParameterSet, load_parameters
from statut.rules.rights.outcome import ReasonArray, RightAssessment, decide, flag_where, tri_state
from statut.rules.trace import Amount, Arg

SHORT_INCAPACITY_DAYS: Final = "rights.incapacity.short_incapacity_days"
QUALIFYING_PERIOD_MONTHS: Final = "rights.incapacity.qualifying_period_months"
DAILY_RATES: Final = (
    "rights.incapacity.daily_rate_single",
    "rights.incapacity.daily_rate_with_dependants",
    "rights.incapacity.daily_rate_cohabiting",
)
UNKNOWN_RATE: Final = -1


class Household(IntEnum):
    UNKNOWN = -1
    SINGLE = 0
    WITH_DEPENDANTS = 1
    COHABITING = 2


class IncapacityReason(IntFlag):
    CONDITIONS_MET = 1
    SHORT_INCAPACITY = 2
    DURATION_UNKNOWN = 4
    QUALIFYING_PERIOD_NOT_COMPLETED = 8
    QUALIFYING_PERIOD_UNKNOWN = 16
    CONTRIBUTIONS_NOT_PAID = 32
    CONTRIBUTIONS_UNKNOWN = 64
    HOUSEHOLD_UNKNOWN = 128
    RATE_UNCONFIRMED = 256


_FAILING: Final = (
    IncapacityReason.SHORT_INCAPACITY
    | IncapacityReason.QUALIFYING_PERIOD_NOT_COMPLETED
    | IncapacityReason.CONTRIBUTIONS_NOT_PAID
)
_UNDECIDED: Final = (
    IncapacityReason.DURATION_UNKNOWN
    | IncapacityReason.QUALIFYING_PERIOD_UNKNOWN
    | IncapacityReason.CONTRIBUTIONS_UNKNOWN
)


@dataclass(frozen=True)
class IncapacityBenefit(RightAssessment):
    daily_rate: Int64Array  # cents; -1 when not eligible or the household is unknown
    rate_unconfirmed: BoolArray
    days: Int64Array
    short_limit: int
    qualifying_months: int

    right: ClassVar[str] = "incapacity"
    reason_type: ClassVar[type[IntFlag]] = IncapacityReason

    def message_args(self, index: int) -> dict[str, Arg]:
        return {
            "days": int(self.days[index]),
            "limit": self.short_limit,
            "months": self.qualifying_months,
            "amount": Amount(Decimal(max(int(self.daily_rate[index]), 0)) / 100),
        }


def incapacity_benefit(
    incapacity_days: npt.ArrayLike,
    qualifying_months: npt.ArrayLike,
    contributions_paid: npt.ArrayLike,
    household: npt.ArrayLike,
    *,
    as_of: date,
    parameters: ParameterSet | None = None,
) -> IncapacityBenefit:
    """Basic conditions per case: ``incapacity_days`` the length of the incapacity (-1 unknown),
    ``qualifying_months`` the months of the qualifying period completed (-1 unknown),
    ``contributions_paid`` a tri-state, ``household`` a :class:`Household` code. Rules in force on
    ``as_of``."""
    parameters = parameters or load_parameters()
    days = np.atleast_1d(np.asarray(incapacity_days, dtype=np.int64))
    size = len(days)
    months = np.broadcast_to(np.asarray(qualifying_months, dtype=np.int64), (size,))
    paid = tri_state(contributions_paid, size)
    family = np.broadcast_to(np.asarray(household, dtype=np.int64), (size,))
    limit = int(parameters.scalar(SHORT_INCAPACITY_DAYS, as_of))
    qualifying = int(parameters.scalar(QUALIFYING_PERIOD_MONTHS, as_of))

    reasons: ReasonArray = flag_where((days >= 0) & (days <= limit), IncapacityReason.SHORT_INCAPACITY)
    reasons |= flag_where(days < 0, IncapacityReason.DURATION_UNKNOWN)
    reasons |= flag_where((months >= 0) & (months < qualifying), IncapacityReason.QUALIFYING_PERIOD_NOT_COMPLETED)
    reasons |= flag_where(months < 0, IncapacityReason.QUALIFYING_PERIOD_UNKNOWN)
    reasons |= flag_where(paid == 0, IncapacityReason.CONTRIBUTIONS_NOT_PAID)
    reasons |= flag_where(paid < 0, IncapacityReason.CONTRIBUTIONS_UNKNOWN)

    entries = [parameters.entry(name, as_of) for name in DAILY_RATES]
    rates = np.array([int(Decimal(str(entry.value)) * 100) for entry in entries], dtype=np.int64)
    marks = np.array([entry.unconfirmed for entry in entries], dtype=np.bool_)
    household_known = (family >= Household.SINGLE) & (family <= Household.COHABITING)
    safe = np.clip(family, 0, 2)
    settled = (reasons & np.uint32(int(_FAILING | _UNDECIDED))) == 0
    reasons |= flag_where(settled, IncapacityReason.CONDITIONS_MET)
    reasons |= flag_where(settled & ~household_known, IncapacityReason.HOUSEHOLD_UNKNOWN)
    unconfirmed = settled & household_known & marks[safe]
    reasons |= flag_where(unconfirmed, IncapacityReason.RATE_UNCONFIRMED)
    outcome = decide(reasons, int(_FAILING), int(_UNDECIDED))
    daily = np.where((outcome == 1) & household_known, rates[safe], UNKNOWN_RATE)
    return IncapacityBenefit(
        outcome=outcome,
        reasons=reasons,
        daily_rate=daily,
        rate_unconfirmed=unconfirmed,
        days=days,
        short_limit=limit,
        qualifying_months=qualifying,
    )
