"""Integer codes of the column engine: capacities, case errors and tri-state answers.

Columns hold small integers (``int8``) rather than text, so that 1.2 million cases stay cheap; these
enumerations give the codes their names, and the translated messages live in
``translations/messages.yaml`` under the names below.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Final

import numpy as np

from statut.domain.entities import Capacity
from statut.rules.arithmetic import Int8Array


class CapacityCode(IntEnum):
    """Column code of a :class:`statut.domain.entities.Capacity` (RD n°38 of 27 July 1967)."""

    MAIN = 0
    COMPLEMENTARY = 1
    STUDENT = 2
    ASSISTING_SPOUSE = 3
    ACTIVE_PENSIONER = 4

    @property
    def capacity(self) -> Capacity:
        return Capacity(self.name.lower())


CAPACITY_COUNT: Final = len(CapacityCode)
UNKNOWN_CAPACITY: Final = -1


def capacity_code(capacity: Capacity | str) -> int:
    """Code of a capacity given by its name (``"main"``...); -1 for an unknown name."""
    try:
        return int(CapacityCode[Capacity(str(capacity)).name])
    except (KeyError, ValueError):
        return UNKNOWN_CAPACITY


def capacity_codes(names: Iterable[str]) -> Int8Array:
    """Codes of many capacity names (unknown names give -1)."""
    lookup = {capacity.value: int(CapacityCode[capacity.name]) for capacity in Capacity}
    return np.array([lookup.get(str(name).strip(), UNKNOWN_CAPACITY) for name in names], dtype=np.int8)


class CaseErrorCode(IntEnum):
    """Why a case cannot be computed; 0 means it was computed. Messages: ``error.<name in lower case>``."""

    NONE = 0
    UNKNOWN_YEAR = 1
    UNKNOWN_CAPACITY = 2
    NEGATIVE_INCOME = 3
    INCOME_TOO_LARGE = 4
    INVALID_QUARTERS = 5
    PRIMO_STARTER_NOT_MAIN = 6
    INVALID_PRIMO_STARTER = 7
    INVALID_FEE_RATE = 8
    MISSING_PARAMETER = 9
    MINIMUM_UNKNOWN = 10
    EXEMPTION_NOT_MAIN = 11
    INCOME_DECIMALS = 12

    @property
    def message_key(self) -> str:
        return f"error.{self.name.lower()}"


class TriState(IntEnum):
    """A yes/no fact that may be unknown (columns of ``int8``)."""

    UNKNOWN = -1
    NO = 0
    YES = 1
