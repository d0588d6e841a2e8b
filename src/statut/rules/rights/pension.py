"""Pension of a self-employed worker: legal age by birth date, early-pension conditions and the
earliest possible date (plusmagazine.be 2025; xerius.be).

Legal age 65, 66 from 2025, 67 from 2030: the age that applies is the one in force on the day the
person reaches it. Early pension at 63 with 42 career years, at 61 or 62 with 43, at 60 with 44; a
calendar year counts toward early pension with at least two quarters (see :mod:`statut.rules.career`).
The early-pension conditions are those in force on the assessment date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import IntFlag
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int64Array
from statut.rules.dates import NOT_A_DATE, DateArray, add_years, as_dates, split_dates, values_on
from statut.rules.errors import MissingParameterError
from statut.rules.parameter_set import ParameterSet, load_parameters
from statut.rules.rights.outcome import ReasonArray, RightAssessment, decide, flag_where
from statut.rules.trace import Arg

LEGAL_AGE: Final = "rights.pension.legal_age"
EARLY_CONDITIONS: Final = "rights.pension.early_conditions"


class PensionReason(IntFlag):
    LEGAL_AGE_REACHED = 1
    EARLY_CONDITIONS_MET = 2
    BEFORE_EARLIEST_DATE = 4
    BIRTH_DATE_UNKNOWN = 8
    CAREER_UNKNOWN = 16
    EARLY_RULES_UNKNOWN = 32


_FAILING: Final = PensionReason.BEFORE_EARLIEST_DATE
_UNDECIDED: Final = PensionReason.BIRTH_DATE_UNKNOWN | PensionReason.CAREER_UNKNOWN | PensionReason.EARLY_RULES_UNKNOWN


@dataclass(frozen=True)
class PensionRight(RightAssessment):
    legal_age: Int64Array  # 0 when unknown
    legal_date: DateArray
    earliest_date: DateArray  # earliest of the legal date and the early-pension dates (NaT if unknown)
    earliest_age: Int64Array
    early: BoolArray  # the earliest date is an early-pension date
    required_years: Int64Array  # career years the early-pension date requires (0 if not early)

    right: ClassVar[str] = "pension"
    reason_type: ClassVar[type[IntFlag]] = PensionReason

    def message_args(self, index: int) -> dict[str, Arg]:
        legal_reached = bool(self.reasons[index] & PensionReason.LEGAL_AGE_REACHED)
        use_legal = legal_reached or bool(self.reasons[index] & PensionReason.CAREER_UNKNOWN)
        day = self.legal_date[index] if use_legal else self.earliest_date[index]
        age = self.legal_age[index] if use_legal else self.earliest_age[index]
        shown: Arg = "?" if np.isnat(day) else date.fromisoformat(str(day))
        return {"date": shown, "age": int(age), "years": int(self.required_years[index])}


def _legal_pension(parameters: ParameterSet, births: DateArray) -> tuple[Int64Array, DateArray]:
    """The legal age of each person: the first age that is at least the age in force when reached."""
    parameter = parameters[LEGAL_AGE]
    ages = sorted({int(entry.value) for entry in parameter.values if isinstance(entry.value, Decimal)})
    legal_age = np.zeros(len(births), dtype=np.int64)
    legal_date = np.full(len(births), NOT_A_DATE)
    for age in ages:
        reached = add_years(births, age)
        in_force, known = values_on(parameter, reached)
        settles = known & (age >= in_force) & (legal_age == 0)
        legal_age[settles] = age
        legal_date[settles] = reached[settles]
    return legal_age, legal_date


def pension_right(
    birth_date: npt.ArrayLike,
    early_pension_years: npt.ArrayLike,
    *,
    as_of: date,
    continuing: npt.ArrayLike = False,
    parameters: ParameterSet | None = None,
) -> PensionRight:
    """Pension per case on ``as_of``: ``birth_date`` (NaT unknown), ``early_pension_years`` the
    calendar years counting toward early pension so far (-1 unknown). With ``continuing`` the
    earliest date assumes the activity goes on, one more year per full calendar year after the
    current one (a projection, not a rule: without it only the career already built counts)."""
    parameters = parameters or load_parameters()
    births = np.atleast_1d(as_dates(birth_date))
    size = len(births)
    years = np.broadcast_to(np.asarray(early_pension_years, dtype=np.int64), (size,))
    goes_on = np.broadcast_to(np.asarray(continuing, dtype=np.bool_), (size,))
    today = np.datetime64(as_of.isoformat(), "D")
    birth_known = ~np.isnat(births)
    career_known = years >= 0

    legal_age, legal_date = _legal_pension(parameters, births)
    earliest = legal_date.copy()
    earliest_age = legal_age.copy()
    early = np.zeros(size, dtype=np.bool_)
    required = np.zeros(size, dtype=np.int64)
    try:
        conditions = parameters.table(EARLY_CONDITIONS, as_of)
    except MissingParameterError:
        conditions = ()
    rules_known = np.full(size, bool(conditions), dtype=np.bool_)
    for age_value, career_value in conditions:
        age, needed = int(age_value), int(career_value)
        reached = add_years(births, age)
        reached_year = split_dates(reached)[0]
        projected = years + np.where(goes_on, np.maximum(reached_year - as_of.year - 1, 0), 0)
        settles = birth_known & career_known & (projected >= needed) & (reached < earliest)
        earliest[settles], earliest_age[settles] = reached[settles], age
        early |= settles
        required[settles] = needed

    legal_reached = birth_known & (legal_date <= today)
    assessable = birth_known & ~legal_reached & career_known & rules_known
    reasons: ReasonArray = flag_where(~birth_known, PensionReason.BIRTH_DATE_UNKNOWN)
    reasons |= flag_where(legal_reached, PensionReason.LEGAL_AGE_REACHED)
    reasons |= flag_where(assessable & (earliest <= today), PensionReason.EARLY_CONDITIONS_MET)
    reasons |= flag_where(assessable & (earliest > today), PensionReason.BEFORE_EARLIEST_DATE)
    reasons |= flag_where(birth_known & ~legal_reached & ~career_known, PensionReason.CAREER_UNKNOWN)
    reasons |= flag_where(birth_known & ~legal_reached & career_known & ~rules_known, PensionReason.EARLY_RULES_UNKNOWN)
    return PensionRight(
        outcome=decide(reasons, int(_FAILING), int(_UNDECIDED)),
        reasons=reasons,
        legal_age=legal_age,
        legal_date=legal_date,
        earliest_date=np.where(career_known | legal_reached, earliest, NOT_A_DATE),
        earliest_age=earliest_age,
        early=early,
        required_years=required,
    )
