"""Data quality: scan snapshots and their scores (issue 4).

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("quality",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quality_snapshot",
        sa.Column(
            "snapshot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False, comment="The day the rules judged dates against."),
        sa.Column("records", sa.BigInteger(), nullable=False, comment="Register records scanned."),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["change.change_id"], name=op.f("fk_quality_snapshot_change_id_change")),
        sa.PrimaryKeyConstraint("snapshot_id", name=op.f("pk_quality_snapshot")),
        comment="One run of the quality scan over the register.",
    )
    op.create_table(
        "quality_score",
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("fund_code", sa.String(length=16), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("rule_id", sa.String(length=20), nullable=False, comment="Empty on dimension rows."),
        sa.Column("checked", sa.BigInteger(), nullable=False),
        sa.Column("failed", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("level = 'rule' OR level = 'dimension'", name=op.f("ck_quality_score_level")),
        sa.CheckConstraint("failed >= 0 AND failed <= checked", name=op.f("ck_quality_score_counts")),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["quality_snapshot.snapshot_id"],
            name=op.f("fk_quality_score_snapshot_id_quality_snapshot"),
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "level", "dimension", "fund_code", "record_type", "rule_id", name=op.f("pk_quality_score")
        ),
        comment="Records checked and failing, per snapshot, fund, record type and rule or dimension.",
    )
    op.create_index("ix_quality_score_snapshot_id_level", "quality_score", ["snapshot_id", "level"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_quality_score_snapshot_id_level", table_name="quality_score")
    op.drop_table("quality_score")
    op.drop_table("quality_snapshot")
