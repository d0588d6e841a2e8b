"""Late-payment increases on social contributions (Royal Decree of 19 December 1967 implementing
RD n°38; securex.be; blog.liantis.be): 3 % of the amount still unpaid at the end of each quarter,
and a one-off 7 % on 1 January of the amounts still unpaid on 31 December.

Contributions are due on the fund's account by the last day of their quarter. Each increase is
rounded half-up to the cent on its own; the increases are not themselves increased.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import RATE_SCALE, Int64Array, div_round_half_up, quarter_major, to_scaled_int
from statut.rules.parameter_set import ParameterSet, load_parameters

QUARTERLY_INCREASE: Final = "contributions.late_payment.quarterly_increase"
YEARLY_INCREASE: Final = "contributions.late_payment.yearly_increase"
_QUARTER_ENDS: Final = ((3, 31), (6, 30), (9, 30), (12, 31))


@dataclass(frozen=True)
class LateIncreases:
    """Increases of one calendar year, in cents, per case."""

    quarterly: Int64Array  # (4, n): 3 % at the end of each quarter
    january: Int64Array  # (n,): 7 % on 1 January of the next year
    total: Int64Array  # (n,)


def unpaid_at_quarter_ends(due: npt.ArrayLike, paid: npt.ArrayLike) -> Int64Array:
    """Amount unpaid at the end of each quarter of the year, in cents, quarter-major (4, n).

    ``due[k]`` is the contribution due by the end of quarter k, ``paid[k]`` what the fund received
    during quarter k; a payment settles the oldest amount due first, and an overpayment is not an
    amount unpaid.
    """
    balance = np.cumsum(quarter_major(due, np.int64), axis=0)
    balance -= np.cumsum(quarter_major(paid, np.int64), axis=0)
    result: Int64Array = np.maximum(balance, 0, out=balance)
    return result


def late_increases(unpaid: npt.ArrayLike, year: int, *, parameters: ParameterSet | None = None) -> LateIncreases:
    """Increases on contributions unpaid at each quarter end of ``year`` (cents, quarter-major (4, n)).

    The rates are the ones in force on each quarter's last day (3 %) and on 1 January of the next
    year (7 %); a year without a known rate raises :class:`~statut.rules.errors.MissingParameterError`.
    """
    parameters = parameters or load_parameters()
    amounts = quarter_major(unpaid, np.int64)
    rates = np.array(
        [
            to_scaled_int(parameters.scalar(QUARTERLY_INCREASE, date(year, month, day)), RATE_SCALE)
            for month, day in _QUARTER_ENDS
        ],
        dtype=np.int64,
    ).reshape(4, 1)
    yearly = to_scaled_int(parameters.scalar(YEARLY_INCREASE, date(year + 1, 1, 1)), RATE_SCALE)
    quarterly = div_round_half_up(amounts * rates, RATE_SCALE)
    january = div_round_half_up(amounts[3] * yearly, RATE_SCALE)
    return LateIncreases(quarterly=quarterly, january=january, total=quarterly.sum(axis=0) + january)
