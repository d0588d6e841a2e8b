"""Fixtures of the rules tests: the baseline parameters and small helpers to write amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from statut.rules import ParameterSet, load_parameters


@pytest.fixture(scope="session")
def baseline() -> ParameterSet:
    return load_parameters()


def cents(text: str) -> int:
    """'871.71' -> 87171, exactly."""
    return int(Decimal(text) * 100)


def euros(value: int) -> str:
    return str((Decimal(int(value)) / 100).quantize(Decimal("0.01")))
