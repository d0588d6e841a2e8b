"""Small helpers of the rules tests: amounts written as text, exactly."""

from __future__ import annotations

from decimal import Decimal


def cents(text: str) -> int:
    """'871.71' -> 87171, exactly."""
    return int(Decimal(text) * 100)


def euros(value: int) -> str:
    return str((Decimal(int(value)) / 100).quantize(Decimal("0.01")))
