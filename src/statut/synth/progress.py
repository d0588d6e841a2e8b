"""How the generator reports progress without knowing who listens (the CLI draws rich bars)."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def start(self, description: str, total: int) -> None:
        """A new step of ``total`` units begins."""

    def advance(self, units: int = 1) -> None:
        """``units`` more of the current step are done."""


class SilentProgress:
    """The default: reports nothing."""

    def start(self, description: str, total: int) -> None:
        del description, total

    def advance(self, units: int = 1) -> None:
        del units
