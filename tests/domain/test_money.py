from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from statut.domain.errors import InvalidAmount
from statut.domain.money import from_cents, parse_amount, round_cents, to_cents

cents = st.integers(min_value=0, max_value=10**12)


@given(cents)
def test_cents_round_trip_exactly(value: int) -> None:
    assert to_cents(from_cents(value)) == value
    assert parse_amount(str(from_cents(value))) == from_cents(value)


@given(st.lists(cents, max_size=50))
def test_sums_are_exact(values: list[int]) -> None:
    assert sum((from_cents(v) for v in values), Decimal(0)) == from_cents(sum(values))


def test_comma_decimal_separator() -> None:
    assert parse_amount("1234,5") == Decimal("1234.50")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("123.456", "more than two decimals"),
        ("-1", "negative"),
        ("abc", "not a number"),
        ("", "required"),
        ("NaN", "finite"),
        ("1e20", "implausibly large"),
    ],
)
def test_bad_amounts_name_the_problem(raw: str, reason: str) -> None:
    with pytest.raises(InvalidAmount, match=reason):
        parse_amount(raw)


def test_floats_are_refused() -> None:
    with pytest.raises(InvalidAmount, match="floats"):
        parse_amount(0.1)


def test_trailing_zeros_beyond_cents_are_fine() -> None:
    assert parse_amount("10.500") == Decimal("10.50")


def test_half_up_rounding() -> None:
    assert round_cents(Decimal("871.7051")) == Decimal("871.71")
    assert round_cents(Decimal("0.005")) == Decimal("0.01")
