"""Platform API: the access log table (reads chained into the ledger in batches) and kept rejected uploads.

Reads of personal data were ledger entries written inside each request, which serialised every read
on the ledger head. From here on a read is a row of ``access_read`` and a chainer appends it to the
ledger (see statut.store.api_tables). Reads already in the ledger are copied into ``access_read``
with their ledger sequence number, so a person's access log keeps its history.

Revision ID: 0007_api
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_api"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("ledger_seq IS NULL")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    access_read = op.create_table(
        "access_read",
        sa.Column("read_id", KEY, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.BigInteger(), nullable=False, comment="The person read."),
        sa.Column("read_at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False, comment="Who read (role:subject)."),
        sa.Column(
            "purpose",
            sa.Text(),
            nullable=False,
            comment="Why: stated by the reader, or the role's default purpose.",
        ),
        sa.Column(
            "payload",
            sa.Text(),
            nullable=False,
            comment="Role, fund, sections, legal basis, mandates (canonical JSON).",
        ),
        sa.Column(
            "ledger_seq", sa.BigInteger(), nullable=True, comment="The ledger entry once chained; NULL while pending."
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.person_id"], name=op.f("fk_access_read_person_id_person")),
        sa.PrimaryKeyConstraint("read_id", name=op.f("pk_access_read")),
        comment="Reads of personal data (the access log); chained into the ledger in batches.",
    )
    op.create_index("ix_access_read_person_id_read_id", "access_read", ["person_id", "read_id"], unique=False)
    op.create_index(
        "ix_access_read_pending",
        "access_read",
        ["read_id"],
        unique=False,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_table(
        "upload_rejection",
        sa.Column(
            "rejection_id", sa.String(length=40), nullable=False, comment="Opaque id, named in the problem answered."
        ),
        sa.Column(
            "fund_code",
            sa.String(length=16).with_variant(sa.String(length=16, collation="C"), "postgresql"),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=400), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False, comment="The file exactly as received."),
        sa.Column("problems", sa.Text(), nullable=False, comment="File-level problems found (JSON list)."),
        sa.Column("report", sa.Text(), nullable=False, comment="The fund's report of the refused file (JSON)."),
        sa.Column("received_at", UTC_DATETIME, nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["fund_code"], ["fund.fund_code"], name=op.f("fk_upload_rejection_fund_code_fund")),
        sa.PrimaryKeyConstraint("rejection_id", name=op.f("pk_upload_rejection")),
        comment="Fund files refused as a whole at upload, kept byte for byte (never lost).",
    )
    op.create_index(
        "uq_upload_rejection_fund_code_content_sha256",
        "upload_rejection",
        ["fund_code", "content_sha256"],
        unique=True,
    )
    _copy_reads_from_ledger(access_read)


def _copy_reads_from_ledger(access_read: sa.Table) -> None:
    """Reads logged straight into the ledger before this revision become chained access-log rows."""
    ledger = sa.table(
        "ledger",
        sa.column("seq", sa.BigInteger()),
        sa.column("recorded_at", UTC_DATETIME),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("entity_type", sa.String()),
        sa.column("entity_key", sa.String()),
        sa.column("reason", sa.Text()),
        sa.column("payload", sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(ledger)
        .where(ledger.c.action == "personal_data.read", ledger.c.entity_type == "person")
        .order_by(ledger.c.seq)
    ).all()
    copies = []
    for row in rows:
        payload = json.loads(row.payload)
        copies.append(
            {
                "person_id": int(row.entity_key),
                "read_at": row.recorded_at,
                "actor": row.actor,
                "purpose": row.reason,
                "payload": json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
                "ledger_seq": int(row.seq),
            }
        )
    if copies:
        op.bulk_insert(access_read, copies)


def downgrade() -> None:
    op.drop_index("uq_upload_rejection_fund_code_content_sha256", table_name="upload_rejection")
    op.drop_table("upload_rejection")
    op.drop_index("ix_access_read_pending", table_name="access_read")
    op.drop_index("ix_access_read_person_id_read_id", table_name="access_read")
    op.drop_table("access_read")
