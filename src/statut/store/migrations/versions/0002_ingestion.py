"""Ingestion: batches, quarantine entries and the funds' record ids (statut.store.ingestion_tables).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 12:33:29.931106
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = ("ingestion",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingest_batch",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column(
            "fund_code",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "format", sa.String(length=8).with_variant(sa.String(length=8, collation="C"), "postgresql"), nullable=False
        ),
        sa.Column(
            "source_kind",
            sa.String(length=8).with_variant(sa.String(length=8, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("already_held", sa.Integer(), nullable=False),
        sa.Column("reconciliation", sa.Text(), nullable=False, comment="File-side counts and hash totals, JSON."),
        sa.Column("report", sa.Text(), nullable=False, comment="The fund's report (statut.quality.report), JSON."),
        sa.Column(
            "status",
            sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("source_kind = 'fund' OR source_kind = 'legacy'", name=op.f("ck_ingest_batch_source_kind")),
        sa.CheckConstraint("status = 'landed'", name=op.f("ck_ingest_batch_status")),
        sa.ForeignKeyConstraint(["change_id"], ["change.change_id"], name=op.f("fk_ingest_batch_change_id_change")),
        sa.ForeignKeyConstraint(["fund_code"], ["fund.fund_code"], name=op.f("fk_ingest_batch_fund_code_fund")),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_ingest_batch")),
        comment="A fund batch that went through the gate, with its counts, reconciliation and report.",
    )
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.create_index("uq_ingest_batch_fund_code_content_sha256", ["fund_code", "content_sha256"], unique=True)

    op.create_table(
        "fund_record",
        sa.Column(
            "record_key", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column(
            "fund_code",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column(
            "record_type",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "national_number",
            sa.String(length=11).with_variant(sa.String(length=11, collation="C"), "postgresql"),
            nullable=True,
        ),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.BigInteger(), nullable=True, comment="Primary key of the register row it landed in."),
        sa.Column("content", sa.Text(), nullable=False, comment="Typed values as accepted (canonical JSON)."),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("superseded_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batch.batch_id"], name=op.f("fk_fund_record_batch_id_ingest_batch")
        ),
        sa.ForeignKeyConstraint(["change_id"], ["change.change_id"], name=op.f("fk_fund_record_change_id_change")),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["change.change_id"], name=op.f("fk_fund_record_superseded_by_change")
        ),
        sa.PrimaryKeyConstraint("record_key", name=op.f("pk_fund_record")),
        comment="A fund's record ids and the typed values the gate accepted, versioned in record time.",
    )
    with op.batch_alter_table("fund_record", schema=None) as batch_op:
        batch_op.create_index("ix_fund_record_batch_id", ["batch_id"], unique=False)
        batch_op.create_index("ix_fund_record_national_number", ["national_number"], unique=False)
        batch_op.create_index(
            "uq_fund_record_current_fund_code_record_id",
            ["fund_code", "record_id"],
            unique=True,
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )

    op.create_table(
        "quarantine_entry",
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column(
            "fund_code",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("line", sa.BigInteger(), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=True),
        sa.Column(
            "record_type",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("raw", sa.Text(), nullable=False, comment="The record exactly as the fund sent it."),
        sa.Column(
            "reasons",
            sa.Text(),
            nullable=False,
            comment="Every reason: rule_id, severity, field, value, detail (JSON).",
        ),
        sa.Column(
            "status",
            sa.String(length=10).with_variant(sa.String(length=10, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("released_by", sa.String(length=64), nullable=True),
        sa.CheckConstraint("status = 'open' OR status = 'released'", name=op.f("ck_quarantine_entry_status")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["ingest_batch.batch_id"], name=op.f("fk_quarantine_entry_batch_id_ingest_batch")
        ),
        sa.ForeignKeyConstraint(
            ["released_by"], ["ingest_batch.batch_id"], name=op.f("fk_quarantine_entry_released_by_ingest_batch")
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_quarantine_entry")),
        comment="Records the gate refused, never lost: released when a corrected record arrives.",
    )
    with op.batch_alter_table("quarantine_entry", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_entry_batch_id", ["batch_id"], unique=False)
        batch_op.create_index("ix_quarantine_entry_fund_code_record_id", ["fund_code", "record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quarantine_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_entry_fund_code_record_id")
        batch_op.drop_index("ix_quarantine_entry_batch_id")

    op.drop_table("quarantine_entry")
    with op.batch_alter_table("fund_record", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_fund_record_current_fund_code_record_id",
            sqlite_where=sa.text("superseded_at IS NULL"),
            postgresql_where=sa.text("superseded_at IS NULL"),
        )
        batch_op.drop_index("ix_fund_record_national_number")
        batch_op.drop_index("ix_fund_record_batch_id")

    op.drop_table("fund_record")
    with op.batch_alter_table("ingest_batch", schema=None) as batch_op:
        batch_op.drop_index("uq_ingest_batch_fund_code_content_sha256")

    op.drop_table("ingest_batch")
