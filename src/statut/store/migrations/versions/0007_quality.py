"""Data quality: findings and their transitions, the duplicate-persons review queue, person links.

A finding is one defect (a rule broken by one record) assigned to the fund that answers for it; its
state changes are rows of ``quality_finding_transition`` digested in the ledger. The review queue
holds the candidate duplicate pairs of the record linkage; confirming one writes a ``person_link``
(absorbed -> survivor), which unmerge supersedes: no fact of either person is changed by either.

Revision ID: 0007_quality
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_quality"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)
ACTIVE_FINDING = sa.text("state = 'open' OR state = 'acknowledged'")
CURRENT = sa.text("superseded_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "quality_finding",
        sa.Column("finding_id", KEY, autoincrement=True, nullable=False),
        sa.Column(
            "fund_code",
            sa.String(length=16),
            nullable=False,
            comment="The fund that answers for the record ('-': none).",
        ),
        sa.Column(
            "source", sa.String(length=10), nullable=False, comment="gate (a fund batch) or scan (the register)."
        ),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column(
            "record_ref",
            sa.String(length=120),
            nullable=False,
            comment="gate: the fund's record_id; scan: the register's stable key (person:<person_id>, ...).",
        ),
        sa.Column("rule_id", sa.String(length=20), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column(
            "field", sa.String(length=200), nullable=False, comment="The field(s) the rule flagged, comma-separated."
        ),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.Column(
            "closed_by",
            sa.String(length=200),
            nullable=True,
            comment="rescan <snapshot>, batch <id>, or who dismissed.",
        ),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column(
            "batch_id", sa.String(length=120), nullable=True, comment="The batch that opened it (gate findings)."
        ),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=True, comment="The scan that opened it (scan findings)."),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "state = 'open' OR state = 'acknowledged' OR state = 'corrected' OR state = 'dismissed'",
            name=op.f("ck_quality_finding_state"),
        ),
        sa.CheckConstraint("source = 'gate' OR source = 'scan'", name=op.f("ck_quality_finding_source")),
        sa.CheckConstraint(
            "state <> 'dismissed' OR dismiss_reason IS NOT NULL", name=op.f("ck_quality_finding_dismiss_reason")
        ),
        sa.ForeignKeyConstraint(["change_id"], ["change.change_id"], name=op.f("fk_quality_finding_change_id_change")),
        sa.PrimaryKeyConstraint("finding_id", name=op.f("pk_quality_finding")),
        comment="A data-quality defect assigned to the fund that answers for it, and where its handling stands.",
    )
    op.create_index("ix_quality_finding_fund_code_finding_id", "quality_finding", ["fund_code", "finding_id"])
    op.create_index(
        "uq_quality_finding_active_key",
        "quality_finding",
        ["source", "fund_code", "record_type", "record_ref", "rule_id"],
        unique=True,
        sqlite_where=ACTIVE_FINDING,
        postgresql_where=ACTIVE_FINDING,
    )
    op.create_table(
        "quality_finding_transition",
        sa.Column("transition_id", KEY, autoincrement=True, nullable=False),
        sa.Column("finding_id", sa.BigInteger(), nullable=False),
        sa.Column("from_state", sa.String(length=12), nullable=True, comment="Empty when the finding was opened."),
        sa.Column("to_state", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column(
            "note", sa.Text(), nullable=False, comment="Why: the dismissal reason, 'rescan 12', 'batch F101-...'."
        ),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"], ["change.change_id"], name=op.f("fk_quality_finding_transition_change_id_change")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["quality_finding.finding_id"],
            name=op.f("fk_quality_finding_transition_finding_id_quality_finding"),
        ),
        sa.PrimaryKeyConstraint("transition_id", name=op.f("pk_quality_finding_transition")),
        comment="Every state change of a finding; each change's transitions are digested in the ledger.",
    )
    op.create_index("ix_quality_finding_transition_finding_id", "quality_finding_transition", ["finding_id"])
    op.create_index("ix_quality_finding_transition_change_id", "quality_finding_transition", ["change_id"])
    op.create_table(
        "quality_review_pair",
        sa.Column("pair_id", KEY, autoincrement=True, nullable=False),
        sa.Column("person_id_l", sa.BigInteger(), nullable=False),
        sa.Column("person_id_r", sa.BigInteger(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("found_at", UTC_DATETIME, nullable=False),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("decided_at", UTC_DATETIME, nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decision_change_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "state = 'pending' OR state = 'confirmed' OR state = 'rejected'", name=op.f("ck_quality_review_pair_state")
        ),
        sa.CheckConstraint("person_id_l < person_id_r", name=op.f("ck_quality_review_pair_ordered")),
        sa.ForeignKeyConstraint(
            ["change_id"], ["change.change_id"], name=op.f("fk_quality_review_pair_change_id_change")
        ),
        sa.ForeignKeyConstraint(
            ["decision_change_id"],
            ["change.change_id"],
            name=op.f("fk_quality_review_pair_decision_change_id_change"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id_l"], ["person.person_id"], name=op.f("fk_quality_review_pair_person_id_l_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_id_r"], ["person.person_id"], name=op.f("fk_quality_review_pair_person_id_r_person")
        ),
        sa.PrimaryKeyConstraint("pair_id", name=op.f("pk_quality_review_pair")),
        comment="Candidate duplicate persons from the record linkage, for a data steward to confirm or reject.",
    )
    op.create_index(
        "uq_quality_review_pair_persons", "quality_review_pair", ["person_id_l", "person_id_r"], unique=True
    )
    op.create_index("ix_quality_review_pair_state_pair_id", "quality_review_pair", ["state", "pair_id"])
    op.create_table(
        "person_link",
        sa.Column("link_id", KEY, autoincrement=True, nullable=False),
        sa.Column("absorbed_person_id", sa.BigInteger(), nullable=False),
        sa.Column("survivor_person_id", sa.BigInteger(), nullable=False),
        sa.Column("pair_id", sa.BigInteger(), nullable=True),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.Column("superseded_at", UTC_DATETIME, nullable=True),
        sa.Column("change_id", sa.BigInteger(), nullable=False),
        sa.Column("superseded_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("absorbed_person_id <> survivor_person_id", name=op.f("ck_person_link_distinct")),
        sa.CheckConstraint(
            "superseded_at IS NULL OR superseded_at >= recorded_at", name=op.f("ck_person_link_record_time")
        ),
        sa.ForeignKeyConstraint(
            ["absorbed_person_id"], ["person.person_id"], name=op.f("fk_person_link_absorbed_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["survivor_person_id"], ["person.person_id"], name=op.f("fk_person_link_survivor_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["pair_id"], ["quality_review_pair.pair_id"], name=op.f("fk_person_link_pair_id_quality_review_pair")
        ),
        sa.ForeignKeyConstraint(["change_id"], ["change.change_id"], name=op.f("fk_person_link_change_id_change")),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["change.change_id"], name=op.f("fk_person_link_superseded_by_change")
        ),
        sa.PrimaryKeyConstraint("link_id", name=op.f("pk_person_link")),
        comment="A merge: the absorbed person is the survivor (record time only; unmerge supersedes the link).",
    )
    op.create_index(
        "uq_person_link_current_absorbed",
        "person_link",
        ["absorbed_person_id"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )
    op.create_index("ix_person_link_survivor_person_id", "person_link", ["survivor_person_id"])


def downgrade() -> None:
    op.drop_index("ix_person_link_survivor_person_id", table_name="person_link")
    op.drop_index("uq_person_link_current_absorbed", table_name="person_link")
    op.drop_table("person_link")
    op.drop_index("ix_quality_review_pair_state_pair_id", table_name="quality_review_pair")
    op.drop_index("uq_quality_review_pair_persons", table_name="quality_review_pair")
    op.drop_table("quality_review_pair")
    op.drop_index("ix_quality_finding_transition_change_id", table_name="quality_finding_transition")
    op.drop_index("ix_quality_finding_transition_finding_id", table_name="quality_finding_transition")
    op.drop_table("quality_finding_transition")
    op.drop_index("uq_quality_finding_active_key", table_name="quality_finding")
    op.drop_index("ix_quality_finding_fund_code_finding_id", table_name="quality_finding")
    op.drop_table("quality_finding")
