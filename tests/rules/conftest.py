"""Fixtures of the rules tests."""

from __future__ import annotations

import pytest

from statut.rules import ParameterSet, load_parameters


@pytest.fixture(scope="session")
def baseline() -> ParameterSet:
    return load_parameters()
