"""The register: people, identifiers, affiliations, incomes, contributions, payments, career quarters,
life events, enterprises, funds, the change table and the hash-chained ledger with its head anchor.

Revision ID: 0001
Revises: 
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('change',
    sa.Column('change_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_change')),
    comment='One row per unit of work that wrote to the register: who, when, why, from which source.'
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_recorded_at', ['recorded_at'], unique=False)

    op.create_table('ledger_head',
    sa.Column('head_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('head_id = 1', name=op.f('ck_ledger_head_single_row')),
    sa.PrimaryKeyConstraint('head_id', name=op.f('pk_ledger_head')),
    comment='Anchor of the ledger: the last sequence number and hash, so truncation is detectable.'
    )
    # The head starts at the genesis: sequence 0 and a hash of zeros (statut.store.ledger.GENESIS_HASH).
    op.bulk_insert(
        sa.table('ledger_head', sa.column('head_id', sa.Integer()), sa.column('seq', sa.BigInteger()), sa.column('entry_hash', sa.String())),
        [{'head_id': 1, 'seq': 0, 'entry_hash': '0' * 64}],
    )
    op.create_table('enterprise',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('enterprise_number', sa.String(length=10).with_variant(sa.String(length=10, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('end_date IS NULL OR start_date IS NULL OR end_date > start_date', name=op.f('ck_enterprise_period')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_enterprise_record_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_enterprise_change_id_change')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_enterprise_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_enterprise')),
    comment='Enterprises (KBO/BCE), versioned in record time.'
    )
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_enterprise_number', ['enterprise_number'], unique=False)
        batch_op.create_index('uq_enterprise_current_number', ['enterprise_number'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('fund',
    sa.Column('fund_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('fee_rate_ppm', sa.Integer(), nullable=False, comment='Management fee in parts per million (3.05% = 30500).'),
    sa.Column('languages', sa.String(length=32).with_variant(sa.String(length=32, collation='C'), 'postgresql'), nullable=False, comment="Comma-separated language codes, e.g. 'fr,nl'."),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=50), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('is_auxiliary', sa.Boolean(), nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('fee_rate_ppm >= 0 AND fee_rate_ppm < 1000000', name=op.f('ck_fund_fee_rate')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_fund_change_id_change')),
    sa.PrimaryKeyConstraint('fund_code', name=op.f('pk_fund')),
    comment='Reference list of social insurance funds; every edit is in the ledger with its old values.'
    )
    op.create_table('ledger',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100).with_variant(sa.String(length=100, collation='C'), 'postgresql'), nullable=False),
    sa.Column('entity_type', sa.String(length=50).with_variant(sa.String(length=50, collation='C'), 'postgresql'), nullable=False),
    sa.Column('entity_key', sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql'), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False, comment='Canonical JSON, hashed byte for byte.'),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_ledger_change_id_change')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_ledger')),
    comment='Append-only SHA-256 hash chain of every change (and, later, of reads of personal data).'
    )
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entity_type_entity_key', ['entity_type', 'entity_key'], unique=False)

    op.create_table('person',
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_person_change_id_change')),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_person')),
    comment='Stable surrogate identity of a person; national numbers may change (BIS -> INSZ).'
    )
    op.create_table('affiliation',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('affiliation_id', sa.BigInteger(), nullable=False, comment='Logical affiliation, stable across versions.'),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('fund_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('capacity', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('company_director', sa.Boolean(), nullable=False),
    sa.Column('enterprise_number', sa.String(length=10).with_variant(sa.String(length=10, collation='C'), 'postgresql'), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("capacity = 'main' OR capacity = 'complementary' OR capacity = 'student' OR capacity = 'assisting_spouse' OR capacity = 'active_pensioner'", name=op.f('ck_affiliation_capacity')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_affiliation_record_time')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_affiliation_valid_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_affiliation_change_id_change')),
    sa.ForeignKeyConstraint(['fund_code'], ['fund.fund_code'], name=op.f('fk_affiliation_fund_code_fund')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_affiliation_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_affiliation_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_affiliation')),
    comment='Affiliation of a person to a fund in a capacity; valid time is the affiliation period.'
    )
    with op.batch_alter_table('affiliation', schema=None) as batch_op:
        batch_op.create_index('ix_affiliation_affiliation_id', ['affiliation_id'], unique=False)
        batch_op.create_index('ix_affiliation_fund_code_person_id', ['fund_code', 'person_id'], unique=False)
        batch_op.create_index('ix_affiliation_person_id', ['person_id'], unique=False)

    op.create_table('career_quarter',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('quarter', sa.String(length=6).with_variant(sa.String(length=6, collation='C'), 'postgresql'), nullable=False),
    sa.Column('counts_for_pension', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.String(length=12).with_variant(sa.String(length=12, collation='C'), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("reason = 'paid' OR reason = 'assimilated' OR reason = 'exempted' OR reason = 'unpaid'", name=op.f('ck_career_quarter_reason')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_career_quarter_record_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_career_quarter_change_id_change')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_career_quarter_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_career_quarter_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_career_quarter')),
    comment='Quarters of the pension career, derived from contributions; recomputation supersedes.'
    )
    with op.batch_alter_table('career_quarter', schema=None) as batch_op:
        batch_op.create_index('ix_career_quarter_person_id', ['person_id'], unique=False)
        batch_op.create_index('uq_career_quarter_current_key', ['person_id', 'quarter'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('contribution',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('fund_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('quarter', sa.String(length=6).with_variant(sa.String(length=6, collation='C'), 'postgresql'), nullable=False),
    sa.Column('due_cents', sa.BigInteger(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=10).with_variant(sa.String(length=10, collation='C'), 'postgresql'), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("status = 'due' OR status = 'paid' OR status = 'partial' OR status = 'unpaid' OR status = 'exempted'", name=op.f('ck_contribution_status')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_contribution_record_time')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_contribution_valid_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_contribution_change_id_change')),
    sa.ForeignKeyConstraint(['fund_code'], ['fund.fund_code'], name=op.f('fk_contribution_fund_code_fund')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_contribution_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_contribution_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_contribution')),
    comment='Social contribution of a quarter (RD n°38 of 27 July 1967, art. 11); valid time is the quarter.'
    )
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.create_index('ix_contribution_person_id_quarter', ['person_id', 'quarter'], unique=False)
        batch_op.create_index('uq_contribution_current_key', ['person_id', 'fund_code', 'quarter'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('income',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('status', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("source = 'tax_authority' OR source = 'estimate' OR source = 'fund'", name=op.f('ck_income_source')),
    sa.CheckConstraint("status = 'provisional' OR status = 'definitive'", name=op.f('ck_income_status')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_income_record_time')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_income_valid_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_income_change_id_change')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_income_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_income_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_income')),
    comment='Annual net taxable professional income; valid time is the income year.'
    )
    with op.batch_alter_table('income', schema=None) as batch_op:
        batch_op.create_index('ix_income_person_id_year', ['person_id', 'year'], unique=False)
        batch_op.create_index('uq_income_current_key', ['person_id', 'year', 'source'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('life_event',
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('event_type', sa.String(length=20).with_variant(sa.String(length=20, collation='C'), 'postgresql'), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('child_national_number', sa.String(length=11).with_variant(sa.String(length=11, collation='C'), 'postgresql'), nullable=True),
    sa.Column('details', sa.Text(), nullable=False, comment='Other details, a JSON object of strings.'),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("event_type = 'birth' OR event_type = 'cessation' OR event_type = 'bankruptcy' OR event_type = 'death' OR event_type = 'address_change'", name=op.f('ck_life_event_event_type')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_life_event_record_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_life_event_change_id_change')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_life_event_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_life_event_superseded_by_change')),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_life_event')),
    comment='Births, cessations, bankruptcies, deaths and changes of address.'
    )
    with op.batch_alter_table('life_event', schema=None) as batch_op:
        batch_op.create_index('ix_life_event_person_id', ['person_id'], unique=False)

    op.create_table('payment',
    sa.Column('payment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('fund_code', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('payment_date', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('quarter', sa.String(length=6).with_variant(sa.String(length=6, collation='C'), 'postgresql'), nullable=True, comment='Quarter the payment is allocated to.'),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_payment_record_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_payment_change_id_change')),
    sa.ForeignKeyConstraint(['fund_code'], ['fund.fund_code'], name=op.f('fk_payment_fund_code_fund')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_payment_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_payment_superseded_by_change')),
    sa.PrimaryKeyConstraint('payment_id', name=op.f('pk_payment')),
    comment='A payment received by a fund; an event, so record time only.'
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index('ix_payment_person_id_fund_code_quarter', ['person_id', 'fund_code', 'quarter'], unique=False)

    op.create_table('person_identifier',
    sa.Column('identifier_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.String(length=11).with_variant(sa.String(length=11, collation='C'), 'postgresql'), nullable=False),
    sa.Column('kind', sa.String(length=8).with_variant(sa.String(length=8, collation='C'), 'postgresql'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind = 'insz' OR kind = 'bis'", name=op.f('ck_person_identifier_kind')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_person_identifier_record_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_person_identifier_change_id_change')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_person_identifier_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_person_identifier_superseded_by_change')),
    sa.PrimaryKeyConstraint('identifier_id', name=op.f('pk_person_identifier')),
    comment='National numbers (INSZ/NISS and BIS) of a person, with their history.'
    )
    with op.batch_alter_table('person_identifier', schema=None) as batch_op:
        batch_op.create_index('ix_person_identifier_person_id', ['person_id'], unique=False)
        batch_op.create_index('ix_person_identifier_value', ['value'], unique=False)
        batch_op.create_index('uq_person_identifier_current_value', ['value'], unique=True, sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))

    op.create_table('person_version',
    sa.Column('version_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('last_name', sa.String(length=200), nullable=False),
    sa.Column('first_name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sa.String(length=1).with_variant(sa.String(length=1, collation='C'), 'postgresql'), nullable=False),
    sa.Column('language', sa.String(length=2).with_variant(sa.String(length=2, collation='C'), 'postgresql'), nullable=False),
    sa.Column('postal_code', sa.String(length=10), nullable=True),
    sa.Column('municipality', sa.String(length=200), nullable=True),
    sa.Column('street', sa.String(length=200), nullable=True),
    sa.Column('country', sa.String(length=2).with_variant(sa.String(length=2, collation='C'), 'postgresql'), nullable=True),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('change_id', sa.BigInteger(), nullable=False),
    sa.Column('superseded_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("sex = 'M' OR sex = 'F'", name=op.f('ck_person_version_sex')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= recorded_at', name=op.f('ck_person_version_record_time')),
    sa.CheckConstraint('valid_to IS NULL OR valid_to > valid_from', name=op.f('ck_person_version_valid_time')),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_person_version_change_id_change')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_person_version_person_id_person')),
    sa.ForeignKeyConstraint(['superseded_by'], ['change.change_id'], name=op.f('fk_person_version_superseded_by_change')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_person_version')),
    comment='Civil data of a person, bitemporal.'
    )
    with op.batch_alter_table('person_version', schema=None) as batch_op:
        batch_op.create_index('ix_person_version_person_id', ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('person_version', schema=None) as batch_op:
        batch_op.drop_index('ix_person_version_person_id')

    op.drop_table('person_version')
    with op.batch_alter_table('person_identifier', schema=None) as batch_op:
        batch_op.drop_index('uq_person_identifier_current_value', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_person_identifier_value')
        batch_op.drop_index('ix_person_identifier_person_id')

    op.drop_table('person_identifier')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index('ix_payment_person_id_fund_code_quarter')

    op.drop_table('payment')
    with op.batch_alter_table('life_event', schema=None) as batch_op:
        batch_op.drop_index('ix_life_event_person_id')

    op.drop_table('life_event')
    with op.batch_alter_table('income', schema=None) as batch_op:
        batch_op.drop_index('uq_income_current_key', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_income_person_id_year')

    op.drop_table('income')
    with op.batch_alter_table('contribution', schema=None) as batch_op:
        batch_op.drop_index('uq_contribution_current_key', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_contribution_person_id_quarter')

    op.drop_table('contribution')
    with op.batch_alter_table('career_quarter', schema=None) as batch_op:
        batch_op.drop_index('uq_career_quarter_current_key', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_career_quarter_person_id')

    op.drop_table('career_quarter')
    with op.batch_alter_table('affiliation', schema=None) as batch_op:
        batch_op.drop_index('ix_affiliation_person_id')
        batch_op.drop_index('ix_affiliation_fund_code_person_id')
        batch_op.drop_index('ix_affiliation_affiliation_id')

    op.drop_table('affiliation')
    op.drop_table('person')
    with op.batch_alter_table('ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entity_type_entity_key')

    op.drop_table('ledger')
    op.drop_table('fund')
    with op.batch_alter_table('enterprise', schema=None) as batch_op:
        batch_op.drop_index('uq_enterprise_current_number', sqlite_where=sa.text('superseded_at IS NULL'), postgresql_where=sa.text('superseded_at IS NULL'))
        batch_op.drop_index('ix_enterprise_enterprise_number')

    op.drop_table('enterprise')
    op.drop_table('ledger_head')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index('ix_change_recorded_at')

    op.drop_table('change')
