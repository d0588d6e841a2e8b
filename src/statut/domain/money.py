"""Exact euro amounts.

Amounts are :class:`decimal.Decimal` with at most two decimals in the domain and integer cents in the
store and in column work (polars Int64), so no float is ever stored or summed. Rounding to the cent is
half-up, as the social insurance funds round contribution amounts.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from statut.domain.errors import InvalidAmount

CENT = Decimal("0.01")
MAX_ABS_CENTS = 10**15  # 10 trillion euros: anything larger is a data error, not an income.


def parse_amount(raw: object, field: str = "amount", *, allow_negative: bool = False) -> Decimal:
    """Parse a euro amount given as text, int or Decimal, refusing floats and more than two decimals.

    Both "1234.56" and the Belgian "1234,56" are accepted; thousands separators are not, because
    "1.234" would be ambiguous.
    """
    if isinstance(raw, (bool, float)):
        raise InvalidAmount(field, raw, "amounts must be given as text or integers, never floats")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, str):
        text = raw.strip().replace(",", ".")
        if not text:
            raise InvalidAmount(field, raw, "an amount is required")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise InvalidAmount(field, raw, "not a number") from None
    else:
        raise InvalidAmount(field, raw, "not an amount")
    if not value.is_finite():
        raise InvalidAmount(field, raw, "not a finite number")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise InvalidAmount(field, raw, "more than two decimals")
    if value < 0 and not allow_negative:
        raise InvalidAmount(field, raw, "must not be negative")
    if abs(value) * 100 >= MAX_ABS_CENTS:
        raise InvalidAmount(field, raw, "implausibly large")
    return value.quantize(CENT)


def round_cents(value: Decimal) -> Decimal:
    """Round half-up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(value: Decimal) -> int:
    """Exact conversion of a Decimal with at most two decimals to integer cents."""
    cents = value * 100
    if cents != cents.to_integral_value():
        raise InvalidAmount("amount", value, "more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_eur(value: Decimal) -> str:
    """Locale-neutral rendering used in logs and the CLI; pages format per locale with Babel."""
    return f"{value:,.2f} EUR"
