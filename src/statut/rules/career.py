"""The pension career of a self-employed worker, counted in quarters.

A quarter counts for the pension when its contributions are paid or when it is assimilated (for
example incapacity or the bridging right); an exempted quarter (dispense) gives no pension rights
(socialsecurity.belgium.be; rsvz.be). A calendar year counts toward early pension when at least
two of its quarters count (plusmagazine.be 2025; xerius.be).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int8Array, Int64Array
from statut.rules.parameter_set import ParameterSet, load_parameters

EARLY_YEAR_MINIMUM_QUARTERS: Final = "rights.pension.early_year_minimum_quarters"


class QuarterStatus(IntEnum):
    """What a quarter of the career is (a column of ``int8``)."""

    NONE = 0  # not self-employed in that quarter
    PAID = 1
    ASSIMILATED = 2  # incapacity, bridging right...
    EXEMPTED = 3  # dispense: no pension rights
    UNPAID = 4


@dataclass(frozen=True)
class Career:
    """Career per person: quarters that count, whole years, and years that count toward early pension."""

    counting: BoolArray  # (n, quarters): the quarter counts for the pension
    quarters: Int64Array
    whole_years: Int64Array  # quarters // 4
    early_pension_years: Int64Array


def quarter_status(
    active: npt.ArrayLike,
    exempted: npt.ArrayLike,
    due: npt.ArrayLike,
    paid_total: npt.ArrayLike,
    assimilated: npt.ArrayLike = False,
) -> Int8Array:
    """Status of the quarters of one year, shape (n, 4), from what was due and paid.

    Payments settle the oldest quarter first, so quarter k is paid when the payments of the year
    cover the contributions due up to and including it.
    """
    active_ = np.atleast_2d(np.asarray(active, dtype=np.bool_))
    exempted_ = np.broadcast_to(np.asarray(exempted, dtype=np.bool_), active_.shape) & active_
    assimilated_ = np.broadcast_to(np.asarray(assimilated, dtype=np.bool_), active_.shape)
    due_ = np.where(active_ & ~exempted_, np.atleast_2d(np.asarray(due, dtype=np.int64)), 0)
    paid_ = np.asarray(paid_total, dtype=np.int64).reshape(-1, 1)
    covered = np.cumsum(due_, axis=1) <= paid_
    status = np.full(active_.shape, QuarterStatus.NONE, dtype=np.int8)
    status[active_ & covered] = QuarterStatus.PAID
    status[active_ & ~covered] = QuarterStatus.UNPAID
    status[assimilated_ & ~exempted_] = QuarterStatus.ASSIMILATED
    status[exempted_] = QuarterStatus.EXEMPTED
    return status


def career(
    statuses: npt.ArrayLike,
    *,
    as_of: date,
    prior_quarters: npt.ArrayLike = 0,
    prior_early_pension_years: npt.ArrayLike = 0,
    parameters: ParameterSet | None = None,
) -> Career:
    """Count a career from the status of consecutive calendar quarters, shape (n, 4 * years) starting
    with a first quarter; ``prior_*`` add what an earlier count established (the register's history).
    The early-pension rule is the one in force on ``as_of``.
    """
    parameters = parameters or load_parameters()
    status = np.atleast_2d(np.asarray(statuses, dtype=np.int8))
    if status.shape[1] % 4:
        raise ValueError("a career is counted over whole calendar years (a multiple of 4 quarters)")
    minimum = int(parameters.scalar(EARLY_YEAR_MINIMUM_QUARTERS, as_of))
    counting = (status == QuarterStatus.PAID) | (status == QuarterStatus.ASSIMILATED)
    per_year = counting.reshape(status.shape[0], -1, 4).sum(axis=2)
    quarters = counting.sum(axis=1, dtype=np.int64) + np.asarray(prior_quarters, dtype=np.int64)
    early = (per_year >= minimum).sum(axis=1, dtype=np.int64) + np.asarray(prior_early_pension_years, dtype=np.int64)
    return Career(counting=counting, quarters=quarters, whole_years=quarters // 4, early_pension_years=early)
