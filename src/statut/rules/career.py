"""The pension career of a self-employed worker, counted in quarters.

A quarter counts for the pension when its contributions are paid or when it is assimilated (for
example incapacity or the bridging right); an exempted quarter (dispense) gives no pension rights
(socialsecurity.belgium.be; rsvz.be). A calendar year counts toward early pension when at least
two of its quarters count (plusmagazine.be 2025; xerius.be).

Quarterly data are quarter-major, shape (quarters, n): one contiguous row per quarter, so that the
sums over a year are row additions (numpy reduces a short second axis ten times slower).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import IntEnum
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int8Array, Int64Array, quarter_major
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

    counting: BoolArray  # (quarters, n): the quarter counts for the pension
    quarters: Int64Array
    whole_years: Int64Array  # quarters // 4
    early_pension_years: Int64Array


def _quarterly(values: npt.ArrayLike, dtype: type, size: int) -> npt.NDArray[Any]:
    """A quarter-major table (4, n); a scalar (such as ``False``) stands for every quarter."""
    if np.ndim(values) == 0:
        return np.broadcast_to(np.asarray(values, dtype=dtype), (4, size))
    return quarter_major(values, dtype)


def quarter_status(
    active: npt.ArrayLike,
    exempted: npt.ArrayLike,
    due: npt.ArrayLike,
    paid_total: npt.ArrayLike,
    assimilated: npt.ArrayLike = False,
) -> Int8Array:
    """Status of the quarters of one year, shape (4, n) (quarter-major), from what was due and paid.

    Payments settle the oldest quarter first, so quarter k is paid when the payments of the year
    cover the contributions due up to and including it.
    """
    active_ = quarter_major(active, np.bool_)
    size = active_.shape[1]
    exempt = _quarterly(exempted, np.bool_, size) & active_
    assimilated_ = _quarterly(assimilated, np.bool_, size) & ~exempt
    billed = _quarterly(due, np.int64, size) * (active_ & ~exempt)
    unpaid = np.cumsum(billed, axis=0) > np.asarray(paid_total, dtype=np.int64)
    # NONE 0 / PAID 1 / UNPAID 4 for an active quarter, then ASSIMILATED 2 and EXEMPTED 3 win
    status = active_.view(np.int8) * (np.int8(QuarterStatus.PAID) + np.int8(3) * unpaid.view(np.int8))
    status += (np.int8(QuarterStatus.ASSIMILATED) - status) * assimilated_.view(np.int8)
    status += (np.int8(QuarterStatus.EXEMPTED) - status) * exempt.view(np.int8)
    result: Int8Array = status
    return result


def career(
    statuses: npt.ArrayLike,
    *,
    as_of: date,
    prior_quarters: npt.ArrayLike = 0,
    prior_early_pension_years: npt.ArrayLike = 0,
    parameters: ParameterSet | None = None,
) -> Career:
    """Count a career from the status of consecutive calendar quarters, quarter-major: shape
    (4 * years, n), starting with a first quarter; ``prior_*`` add what an earlier count established
    (the register's history). The early-pension rule is the one in force on ``as_of``.
    """
    parameters = parameters or load_parameters()
    status = np.asarray(statuses, dtype=np.int8)
    if status.ndim == 1:
        status = status.reshape(-1, 1)
    if status.shape[0] % 4:
        raise ValueError("a career is counted over whole calendar years (a multiple of 4 quarters)")
    minimum = int(parameters.scalar(EARLY_YEAR_MINIMUM_QUARTERS, as_of))
    # PAID (1) and ASSIMILATED (2) count: one unsigned comparison
    counting: BoolArray = (status - np.int8(QuarterStatus.PAID)).view(np.uint8) <= 1
    per_year = counting.reshape(-1, 4, status.shape[1]).sum(axis=1, dtype=np.int64)
    quarters = per_year.sum(axis=0) + np.asarray(prior_quarters, dtype=np.int64)
    early = (per_year >= minimum).sum(axis=0, dtype=np.int64) + np.asarray(prior_early_pension_years, dtype=np.int64)
    return Career(counting=counting, quarters=quarters, whole_years=quarters // 4, early_pension_years=early)
