"""Merge the second round of capability branches into one line.

The API's access-log table, the events' notification records, the gate's held records, the portal's
sessions and preferences, and the quality findings and person links were built in parallel, each as a
branch of 0006; from here on migrations form a single line again.

Revision ID: 0009
Revises: 0007_api, 0007_events, 0007_load, 0007_portal, 0007_quality
"""

from __future__ import annotations

revision: str = "0009"
down_revision: tuple[str, ...] = ("0007_api", "0007_events", "0007_load", "0007_portal", "0007_quality")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: a merge point only."""


def downgrade() -> None:
    """Nothing to change: a merge point only."""
