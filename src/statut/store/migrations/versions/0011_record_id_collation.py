"""Fund record ids compared byte by byte (collation C) on PostgreSQL.

A fund's record_id is an identifier, not a word: byte order is its natural order, and with collation
C PostgreSQL sorts it with abbreviated keys and memcmp instead of the locale's strcoll. The unique
index (fund_code, record_id) of the current fund records is built or checked on every batch; a
first load of a million records builds it from scratch. SQLite compares bytes already: no change.

Revision ID: 0011_record_id_collation
Revises: 0010_fund_iban
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_record_id_collation"
down_revision: str | None = "0010_fund_iban"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (("fund_record", False), ("quarantine_entry", True))


def upgrade() -> None:
    _collate(to="C", was="default")


def downgrade() -> None:
    _collate(to="default", was="C")


def _collate(*, to: str, was: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, nullable in _COLUMNS:
        op.alter_column(
            table,
            "record_id",
            type_=sa.String(length=200, collation=to),
            existing_type=sa.String(length=200, collation=was),
            existing_nullable=nullable,
        )
