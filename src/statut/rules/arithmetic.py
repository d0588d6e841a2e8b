"""Exact integer arithmetic on columns of amounts.

Amounts are integer cents (``int64``), rates are integer parts per million and coefficients integer
hundred-millionths, so every product is an exact integer and the only rounding is the explicit one
below: half-up to the cent (half away from zero), as the social insurance funds round contribution
amounts (see docs/legislation.md, "Rounding"). The results agree to the cent with a Decimal
implementation (tests/rules/decimal_reference.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import numpy as np
import numpy.typing as npt

Int64Array = npt.NDArray[np.int64]
Int8Array = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]

RATE_SCALE: Final = 1_000_000  # rates as integer parts per million (20.5 % -> 205_000)
COEFFICIENT_SCALE: Final = 100_000_000  # indexation coefficients to 8 decimals (1.18313797)
CENTS: Final = 100
MAX_INCOME_CENTS: Final = 10**15  # as statut.domain.money.MAX_ABS_CENTS: larger is a data error


def to_scaled_int(value: Decimal, scale: int, what: str = "value") -> int:
    """``value * scale`` as an exact integer; refuses a value with more precision than the scale."""
    scaled = value * scale
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{what} {value} has more decimals than the scale 1/{scale} allows")
    return int(scaled)


def div_round_half_up(numerator: Int64Array, denominator: int) -> Int64Array:
    """``numerator / denominator`` rounded half away from zero, exactly, for a positive denominator."""
    half = denominator // 2
    positive = (numerator + half) // denominator
    if bool((numerator >= 0).all()):
        return positive
    negative = -((-numerator + half) // denominator)
    return np.where(numerator >= 0, positive, negative)


def mul_div_round_half_up(amount: Int64Array, factor: Int64Array | int, scale: int) -> Int64Array:
    """``amount * factor / scale`` rounded half-up, exact without overflow for amounts up to 10**15.

    The amount is split as ``high * scale + low`` so that neither partial product leaves int64:
    ``amount * factor / scale = high * factor + low * factor / scale``, and only the second term
    needs rounding. Amounts and factors are non-negative.
    """
    high = amount // scale
    low = amount - high * scale
    result: Int64Array = high * factor + div_round_half_up(low * factor, scale)
    return result


def decimal_to_cents(value: Decimal) -> int:
    return to_scaled_int(value, CENTS, "amount")


def cents_to_decimal(cents: int) -> Decimal:
    return (Decimal(int(cents)) / CENTS).quantize(Decimal("0.01"))


def quarter_major(values: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
    """Quarterly data as a quarter-major table, shape (4, n): one contiguous row per quarter.

    One case may be given as its 4 values. A table of another shape is refused rather than silently
    reinterpreted (an (n, 4) table must be transposed by the caller).
    """
    array: npt.NDArray[Any] = np.asarray(values, dtype=dtype)
    if array.ndim == 1 and array.shape[0] == 4:
        return array.reshape(4, 1)
    if array.ndim != 2 or array.shape[0] != 4:
        raise ValueError(f"quarterly data are quarter-major, shape (4, n); got shape {array.shape}")
    return array
