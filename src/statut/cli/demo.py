"""``statut demo``: build a synthetic register and serve it."""

from __future__ import annotations


def demo() -> None:
    """Build a synthetic register and serve it (being written)."""
