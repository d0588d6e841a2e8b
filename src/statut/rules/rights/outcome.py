"""What every right answers, over columns: an :class:`Outcome` and the reasons behind it.

Reasons are bit flags (one ``IntFlag`` per right), so one case can carry several (for example "the
child's address is not known" and "work has not been resumed"). A reason either fails the right,
leaves it undecided (missing data) or only informs; the outcome follows: not eligible when a reason
fails it, else missing data when one leaves it undecided, else eligible. Each reason has a translated
message ``rights.<right>.<reason>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from statut.rules.arithmetic import BoolArray, Int8Array
from statut.rules.codes import TriState
from statut.rules.messages import message
from statut.rules.trace import Arg, render_arg

ReasonArray = npt.NDArray[np.uint32]


class Outcome(IntEnum):
    NOT_ELIGIBLE = 0
    ELIGIBLE = 1
    MISSING_DATA = 2

    @property
    def message_key(self) -> str:
        return f"rights.outcome.{self.name.lower()}"


def tri_state(values: npt.ArrayLike, size: int) -> Int8Array:
    """A yes/no/unknown column (1, 0, -1), broadcast to ``size``; anything else counts as unknown."""
    array = np.broadcast_to(np.asarray(values, dtype=np.int8), (size,))
    result: Int8Array = np.where((array == TriState.YES) | (array == TriState.NO), array, np.int8(TriState.UNKNOWN))
    return result


def flag_where(condition: BoolArray, flag: IntFlag) -> ReasonArray:
    """``flag`` where ``condition`` holds, else no reason (a multiplication: cheaper than ``where``)."""
    result: ReasonArray = np.asarray(condition, dtype=np.bool_) * np.uint32(int(flag))
    return result


def decide(reasons: ReasonArray, failing: int, undecided: int) -> Int8Array:
    """NOT_ELIGIBLE (0) if a failing reason is set, else MISSING_DATA (2) if an undecided one is, else
    ELIGIBLE (1)."""
    fails = (reasons & np.uint32(failing)) != 0
    open_question = (reasons & np.uint32(undecided)) != 0
    result: Int8Array = (~fails).view(np.int8) * (np.int8(Outcome.ELIGIBLE) + open_question.view(np.int8))
    return result


@dataclass(frozen=True)
class RightAssessment:
    """Outcome and reasons of one right for every case; subclasses add the right's own columns."""

    outcome: Int8Array
    reasons: ReasonArray

    right: ClassVar[str] = ""
    reason_type: ClassVar[type[IntFlag]]

    def __len__(self) -> int:
        return len(self.outcome)

    def outcome_of(self, index: int) -> Outcome:
        return Outcome(int(self.outcome[index]))

    def reason_codes(self, index: int) -> list[str]:
        bits = int(self.reasons[index])
        return [str(flag.name).lower() for flag in self.reason_type if flag.value & bits]

    def message_args(self, index: int) -> dict[str, Arg]:
        """Values the reason messages of case ``index`` refer to (overridden by each right)."""
        del index
        return {}

    def explain(self, index: int, lang: str = "en") -> list[str]:
        """The outcome and each reason of case ``index``, translated."""
        args = {name: render_arg(value, lang) for name, value in self.message_args(index).items()}
        lines = [message(self.outcome_of(index).message_key, lang)]
        lines += [message(f"rights.{self.right}.{code}", lang, **args) for code in self.reason_codes(index)]
        return lines
