"""Merge the capability branches (ingestion, access, events, quality) into one line.

Each capability added its tables as a branch of 0001 while they were built in parallel; from here on
migrations form a single line again, so `head` is unambiguous.

Revision ID: 0006
Revises: 0002, 0003, 0004, 0005
"""

from __future__ import annotations

revision: str = "0006"
down_revision: tuple[str, ...] = ("0002", "0003", "0004", "0005")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: a merge point only."""


def downgrade() -> None:
    """Nothing to change: a merge point only."""
