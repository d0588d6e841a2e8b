"""Maternity aid of self-employed mothers: 105 free service vouchers (titres-services /
dienstencheques) after a birth (rsvz-inasti.fgov.be FAQ; blog.liantis.be).

Conditions: the maternity-insurance conditions, the child registered at the mother's address, and
the resumption of work. Semi-automatic since 1 September 2017: once the birth is in the National
Register the fund checks the conditions and asks the mother whether she wants the vouchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import Int64Array
from statut.rules.dates import NAT_DAY, as_dates, day_numbers, values_on
from statut.rules.parameter_set import ParameterSet, load_parameters
from statut.rules.rights.outcome import ReasonArray, RightAssessment, decide, flag_where, tri_state
from statut.rules.trace import Arg

SERVICE_VOUCHERS: Final = "rights.maternity.service_vouchers"


class MaternityReason(IntFlag):
    CONDITIONS_MET = 1
    NO_BIRTH = 2
    NOT_MOTHER = 4
    MOTHER_UNKNOWN = 8
    INSURANCE_NOT_MET = 16
    INSURANCE_UNKNOWN = 32
    CHILD_NOT_AT_ADDRESS = 64
    CHILD_ADDRESS_UNKNOWN = 128
    WORK_NOT_RESUMED = 256
    WORK_RESUMPTION_UNKNOWN = 512
    RULES_UNKNOWN = 1024


_FAILING: Final = (
    MaternityReason.NO_BIRTH
    | MaternityReason.NOT_MOTHER
    | MaternityReason.INSURANCE_NOT_MET
    | MaternityReason.CHILD_NOT_AT_ADDRESS
    | MaternityReason.WORK_NOT_RESUMED
)
_UNDECIDED: Final = (
    MaternityReason.MOTHER_UNKNOWN
    | MaternityReason.INSURANCE_UNKNOWN
    | MaternityReason.CHILD_ADDRESS_UNKNOWN
    | MaternityReason.WORK_RESUMPTION_UNKNOWN
    | MaternityReason.RULES_UNKNOWN
)


@dataclass(frozen=True)
class MaternityAid(RightAssessment):
    vouchers: Int64Array  # service vouchers granted (0 unless eligible)

    right: ClassVar[str] = "maternity"
    reason_type: ClassVar[type[IntFlag]] = MaternityReason

    def message_args(self, index: int) -> dict[str, Arg]:
        return {"vouchers": int(self.vouchers[index])}


def maternity_aid(
    child_birth_date: npt.ArrayLike,
    mother: npt.ArrayLike,
    insurance_conditions_met: npt.ArrayLike,
    child_at_mother_address: npt.ArrayLike,
    work_resumed: npt.ArrayLike,
    *,
    parameters: ParameterSet | None = None,
) -> MaternityAid:
    """Maternity aid per case. ``child_birth_date`` is NaT when no birth is recorded; the other
    columns are tri-states (1 yes, 0 no, -1 unknown). The number of vouchers is the one in force on
    the birth date."""
    parameters = parameters or load_parameters()
    births = day_numbers(np.atleast_1d(as_dates(child_birth_date)))
    size = len(births)
    vouchers, known = values_on(parameters[SERVICE_VOUCHERS], births)
    no_birth = births == NAT_DAY
    reasons: ReasonArray = flag_where(no_birth, MaternityReason.NO_BIRTH)
    reasons |= flag_where(~no_birth & ~known, MaternityReason.RULES_UNKNOWN)
    for column, failing, unknown in (
        (mother, MaternityReason.NOT_MOTHER, MaternityReason.MOTHER_UNKNOWN),
        (insurance_conditions_met, MaternityReason.INSURANCE_NOT_MET, MaternityReason.INSURANCE_UNKNOWN),
        (child_at_mother_address, MaternityReason.CHILD_NOT_AT_ADDRESS, MaternityReason.CHILD_ADDRESS_UNKNOWN),
        (work_resumed, MaternityReason.WORK_NOT_RESUMED, MaternityReason.WORK_RESUMPTION_UNKNOWN),
    ):
        answer = tri_state(column, size)
        reasons |= flag_where(~no_birth & (answer == 0), failing) | flag_where(~no_birth & (answer < 0), unknown)
    reasons |= flag_where(reasons == 0, MaternityReason.CONDITIONS_MET)
    outcome = decide(reasons, int(_FAILING), int(_UNDECIDED))
    granted = vouchers * (outcome == 1)
    return MaternityAid(outcome=outcome, reasons=reasons, vouchers=granted)
