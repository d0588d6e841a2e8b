"""Pension of a self-employed worker: legal age by birth date, early-pension conditions and the
earliest possible date (plusmagazine.be 2025; xerius.be).

Legal age 65, 66 from 2025, 67 from 2030: the age that applies is the one in force on the day the
person reaches it. Early pension at 63 with 42 career years, at 61 or 62 with 43, at 60 with 44; a
calendar year counts toward early pension with at least two quarters (see :mod:`statut.rules.career`).
The early-pension conditions are those in force on the assessment date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import IntFlag
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from statut.domain.calendar import add_years as calendar_add_years
from statut.rules.arithmetic import BoolArray, Int64Array
from statut.rules.dates import (
    NAT_DAY,
    DateArray,
    YearShifter,
    as_dates,
    day_number,
    day_numbers,
)
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


def _legal_age_cutoffs(parameters: ParameterSet) -> list[tuple[int, int | None]]:
    """For each possible legal age (ascending), the first birth day number for which it no longer
    applies (None: it always applies).

    An age ``a`` applies when the person reaches it before the first day on which a higher age is in
    force. Adding ``a`` years never moves a later birth date earlier, so those births are the ones
    before a cut-off date, computed once here, exactly, instead of per person.
    """
    entries = [entry for entry in parameters[LEGAL_AGE].values if isinstance(entry.value, Decimal)]
    ages = sorted({int(entry.value) for entry in entries})  # type: ignore[arg-type]
    cutoffs: list[tuple[int, int | None]] = []
    for age in ages:
        higher = [entry.start for entry in entries if int(entry.value) > age]  # type: ignore[arg-type]
        if not higher:
            cutoffs.append((age, None))
            continue
        change = min(higher)
        birth = calendar_add_years(change, -age)
        while calendar_add_years(birth, age) >= change:
            birth -= timedelta(days=1)
        while calendar_add_years(birth + timedelta(days=1), age) < change:
            birth += timedelta(days=1)
        cutoffs.append((age, day_number(birth + timedelta(days=1))))
    return cutoffs


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
    births = day_numbers(np.atleast_1d(as_dates(birth_date)))
    size = len(births)
    years = np.broadcast_to(np.asarray(early_pension_years, dtype=np.int64), (size,))
    goes_on = np.broadcast_to(np.asarray(continuing, dtype=np.bool_), (size,))
    today = day_number(as_of)
    birth_known = births != NAT_DAY
    career_known = years >= 0
    known_births = births * birth_known

    legal_age = np.zeros(size, dtype=np.int64)
    settled = ~birth_known
    for age, cutoff in _legal_age_cutoffs(parameters):  # ascending: the first age that applies
        applies = ~settled if cutoff is None else ~settled & (known_births < cutoff)
        legal_age += age * applies
        settled |= applies
    legal_known = legal_age > 0

    try:
        conditions = sorted(parameters.table(EARLY_CONDITIONS, as_of))
    except MissingParameterError:
        conditions = []
    shifter = YearShifter(known_births)
    birth_year = shifter.year
    found = np.zeros(size, dtype=np.bool_)
    earliest_age = legal_age.copy()
    required = np.zeros(size, dtype=np.int64)
    open_to_early = birth_known & career_known & legal_known
    for age_value, career_value in conditions:  # ascending ages: the first that fits is the earliest
        age, needed = int(age_value), int(career_value)
        projected = years + goes_on * np.maximum(birth_year + (age - as_of.year - 1), 0)
        takes = open_to_early & ~found & (projected >= needed) & (age < legal_age)
        earliest_age += (age - earliest_age) * takes
        required += needed * takes
        found |= takes
    legal_day = shifter.shift(legal_age)
    earliest_day = shifter.shift(earliest_age) if found.any() else legal_day

    legal_reached = legal_known & (legal_day <= today)
    undecided_career = birth_known & ~legal_reached
    assessable = undecided_career & career_known & bool(conditions)
    reasons: ReasonArray = flag_where(~birth_known, PensionReason.BIRTH_DATE_UNKNOWN)
    reasons |= flag_where(legal_reached, PensionReason.LEGAL_AGE_REACHED)
    reasons |= flag_where(assessable & (earliest_day <= today), PensionReason.EARLY_CONDITIONS_MET)
    reasons |= flag_where(assessable & (earliest_day > today), PensionReason.BEFORE_EARLIEST_DATE)
    reasons |= flag_where(undecided_career & ~career_known, PensionReason.CAREER_UNKNOWN)
    if not conditions:
        reasons |= flag_where(undecided_career & career_known, PensionReason.EARLY_RULES_UNKNOWN)
    return PensionRight(
        outcome=decide(reasons, int(_FAILING), int(_UNDECIDED)),
        reasons=reasons,
        legal_age=legal_age,
        legal_date=np.where(legal_known, legal_day, NAT_DAY).view("datetime64[D]"),
        earliest_date=np.where(legal_known & (career_known | legal_reached), earliest_day, NAT_DAY).view(
            "datetime64[D]"
        ),
        earliest_age=earliest_age,
        early=found,
        required_years=required,
    )
