"""Load: quarantine entries that wait for a related record ("held"), and the held count of a batch.

A record whose only problem is that a related record has not arrived yet (its person, or an
affiliation of the sending fund covering its period) is held, not refused: ``status = 'held'`` with
the awaited record type and national number, and the record's fields as read, so that the gate can
check it again when the awaited record lands (statut.services.ingestion). ``ingest_batch.held``
counts them apart from the quarantined records in the batch's figures.

Revision ID: 0007_load
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_load"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CODE_16 = sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql")
CODE_11 = sa.String(length=11).with_variant(sa.String(length=11, collation="C"), "postgresql")
WITH_HELD = "status = 'open' OR status = 'released' OR status = 'held'"
WITHOUT_HELD = "status = 'open' OR status = 'released'"


def upgrade() -> None:
    with op.batch_alter_table("quarantine_entry", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "awaiting_type",
                CODE_16,
                nullable=True,
                comment="Held: the record type awaited (person, affiliation).",
            )
        )
        batch_op.add_column(
            sa.Column("awaiting_number", CODE_11, nullable=True, comment="Held: the national number awaited.")
        )
        batch_op.add_column(
            sa.Column("fields", sa.Text(), nullable=True, comment="Held: the record's fields as read (JSON).")
        )
        batch_op.drop_constraint(op.f("ck_quarantine_entry_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_quarantine_entry_status"), sa.text(WITH_HELD))
        batch_op.create_index("ix_quarantine_entry_awaiting_number", ["awaiting_number"], unique=False)
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held", sa.Integer(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.drop_column("held")
    op.execute("UPDATE quarantine_entry SET status = 'open' WHERE status = 'held'")
    with op.batch_alter_table("quarantine_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_entry_awaiting_number")
        batch_op.drop_constraint(op.f("ck_quarantine_entry_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_quarantine_entry_status"), sa.text(WITHOUT_HELD))
        batch_op.drop_column("fields")
        batch_op.drop_column("awaiting_number")
        batch_op.drop_column("awaiting_type")
