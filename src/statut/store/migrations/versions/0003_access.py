"""Access: mandates given by people to consult their dossier (versioned in record time).

Reads of personal data need no table: they are ``personal_data.read`` entries of the ledger.

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('access',)
depends_on: str | Sequence[str] | None = None

CURRENT = sa.text('superseded_at IS NULL')


def upgrade() -> None:
    op.create_table('mandate_version',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('mandate_id', sa.String(length=32), nullable=False, comment='Opaque logical id, stable across versions.'),
    sa.Column('person_id', sa.BigInteger(), nullable=False, comment='The person who gives it.'),
    sa.Column('mandatary_number', sa.String(length=11), nullable=False),
    sa.Column('mandatary_name', sa.String(length=200), nullable=False),
    sa.Column('relationship', sa.String(length=12), nullable=False),
    sa.Column('scopes', sa.String(length=200), nullable=False, comment='Comma-separated dossier sections the mandatary may read.'),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True, comment='Exclusive end; NULL = until revoked.'),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('fund_code', sa.String(length=16), nullable=True, comment='Fund whose counter registered it.'),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True, comment='SHA-256 of the scan of the signed paper form.'),
    sa.Column('evidence_reference', sa.String(length=200), nullable=True, comment="The fund's reference of the signed form."),
    sa.Column('registered_by', sa.String(length=200), nullable=False, comment='Who wrote this version (role:subject).'),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("channel = 'online' OR (fund_code IS NOT NULL AND evidence_sha256 IS NOT NULL)", name=op.f('ck_mandate_version_counter_evidence')),
    sa.CheckConstraint("channel = 'online' OR channel = 'counter'", name=op.f('ck_mandate_version_channel')),
    sa.CheckConstraint("relationship = 'accountant' OR relationship = 'family' OR relationship = 'other'", name=op.f('ck_mandate_version_relationship')),
    sa.CheckConstraint("status = 'active' OR status = 'revoked'", name=op.f('ck_mandate_version_status')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_mandate_version_record_time')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_mandate_version_valid_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_mandate_version_change_id_change')),
    sa.ForeignKeyConstraint(['fund_code'], ['fund.fund_code'], name=op.f('fk_mandate_version_fund_code_fund')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_mandate_version_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_mandate_version_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_mandate_version')),
    comment='Mandates given by people to consult their dossier, versioned in record time; every change is in the ledger.'
    )
    with op.batch_alter_table('mandate_version', schema=None) as batch_op:
        batch_op.create_index('ix_mandate_version_mandate_id', ['mandate_id'], unique=False)
        batch_op.create_index('ix_mandate_version_mandatary_number', ['mandatary_number'], unique=False)
        batch_op.create_index('ix_mandate_version_person_id', ['person_id'], unique=False)
        batch_op.create_index('uq_mandate_version_current_mandate_id', ['mandate_id'], unique=True, sqlite_where=CURRENT, postgresql_where=CURRENT)


def downgrade() -> None:
    with op.batch_alter_table('mandate_version', schema=None) as batch_op:
        batch_op.drop_index('uq_mandate_version_current_mandate_id', sqlite_where=CURRENT, postgresql_where=CURRENT)
        batch_op.drop_index('ix_mandate_version_person_id')
        batch_op.drop_index('ix_mandate_version_mandatary_number')
        batch_op.drop_index('ix_mandate_version_mandate_id')

    op.drop_table('mandate_version')
