"""Career counting and late-payment increases."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from statut.rules import QuarterStatus, career, late_increases, quarter_status, unpaid_at_quarter_ends

P, A, E, U, N = (
    QuarterStatus.PAID,
    QuarterStatus.ASSIMILATED,
    QuarterStatus.EXEMPTED,
    QuarterStatus.UNPAID,
    QuarterStatus.NONE,
)


def test_exempted_and_unpaid_quarters_do_not_count_and_a_year_needs_two_quarters() -> None:
    statuses = [
        [P, P, P, P, P, E, E, E],  # 5 quarters; the second year has one quarter: 1 year for early pension
        [P, E, E, E, A, U, U, N],  # 2 quarters, 0 years
        [A, A, N, N, P, P, N, N],  # 4 quarters, 2 years
    ]
    result = career(
        np.array(statuses).T,  # quarter-major: (quarters, n)
        as_of=date(2025, 12, 31),
        prior_quarters=[100, 0, 4],
        prior_early_pension_years=[25, 0, 1],
    )
    assert result.quarters.tolist() == [105, 2, 8]
    assert result.whole_years.tolist() == [26, 0, 2]
    assert result.early_pension_years.tolist() == [26, 0, 3]


def test_a_career_is_counted_over_whole_years() -> None:
    with pytest.raises(ValueError, match="whole calendar years"):
        career(np.array([[P, P, P]]).T, as_of=date(2025, 1, 1))


def test_quarter_status_follows_payments_oldest_first_and_exemption() -> None:
    status = quarter_status(
        active=np.array([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 0, 0]]).T,
        exempted=np.array([[0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]).T,
        due=np.array([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100, 0, 0]]).T,
        paid_total=[200, 250, 0],
    )
    assert status.T.tolist() == [[P, P, E, E], [P, P, U, U], [U, U, N, N]]


def test_unpaid_amounts_at_quarter_ends_impute_payments_to_the_oldest_debt() -> None:
    unpaid = unpaid_at_quarter_ends([100, 100, 100, 100], [0, 150, 0, 500])
    assert unpaid[:, 0].tolist() == [100, 50, 150, 0]


def test_late_increases_are_3_percent_per_quarter_end_and_7_percent_on_1_january() -> None:
    result = late_increases(np.array([[87171, 87171, 87171, 87171], [0, 0, 0, 0]]).T, 2025)
    assert result.quarterly.T.tolist() == [[2615, 2615, 2615, 2615], [0, 0, 0, 0]]
    assert result.january.tolist() == [6102, 0]
    assert result.total.tolist() == [16562, 0]
