"""Funds: the account contributions are paid to (printed on the fund's letters).

Revision ID: 0010_fund_iban
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_fund_iban"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("fund", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "iban",
                sa.String(length=34).with_variant(sa.String(length=34, collation="C"), "postgresql"),
                nullable=False,
                server_default="",
                comment="Account contributions are paid to.",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("fund", schema=None) as batch_op:
        batch_op.drop_column("iban")
