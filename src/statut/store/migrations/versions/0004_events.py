"""Events: the transactional outbox, subscriptions, deliveries and dead letters, processed event ids
of idempotent consumers, and decisions on rights (issue 8).

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = ('events',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_subscription',
    sa.Column('subscription_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False, comment='Webhook URL, NATS server, or handler set name.'),
    sa.Column('secret', sa.String(length=200), nullable=False, comment='HMAC-SHA256 key of webhook signatures.'),
    sa.Column('type_prefixes', sa.Text(), nullable=False, comment='Comma-separated event type prefixes; empty = all.'),
    sa.Column('fund_code', sa.String(length=16), nullable=True, comment="Only events about this fund's people, when set."),
    sa.Column('entitled_national_number', sa.Boolean(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind = 'inprocess' OR kind = 'webhook' OR kind = 'nats'", name=op.f('ck_event_subscription_kind')),
    sa.CheckConstraint('max_attempts >= 1', name=op.f('ck_event_subscription_max_attempts')),
    sa.PrimaryKeyConstraint('subscription_id', name=op.f('pk_event_subscription')),
    comment='Subscribers to the domain events.'
    )
    with op.batch_alter_table('event_subscription', schema=None) as batch_op:
        batch_op.create_index('uq_event_subscription_name', ['name'], unique=True)

    op.create_table('processed_event',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_processed_event')),
    comment='Events a consumer has applied: consumers are idempotent by event id.'
    )
    op.create_table('outbox',
    sa.Column('position', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False, comment='Pseudonymous key, e.g. person/42; never a national number.'),
    sa.Column('sequence', sa.BigInteger(), nullable=False, comment="Order of the event among its subject's events."),
    sa.Column('person_number', sa.String(length=11), nullable=True, comment='For subscribers entitled to the national number only.'),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', sa.Text(), nullable=False, comment='The CloudEvents data member, canonical JSON.'),
    sa.Column('change_id', sa.BigInteger(), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatch_seq', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['change_id'], ['change.change_id'], name=op.f('fk_outbox_change_id_change')),
    sa.PrimaryKeyConstraint('position', name=op.f('pk_outbox')),
    comment='Transactional outbox of domain events (CloudEvents 1.0).'
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_dispatched_at_position', ['dispatched_at', 'position'], unique=False)
        batch_op.create_index('uq_outbox_dispatch_seq', ['dispatch_seq'], unique=True)
        batch_op.create_index('uq_outbox_event_id', ['event_id'], unique=True)
        batch_op.create_index('uq_outbox_subject_sequence', ['subject', 'sequence'], unique=True)

    op.create_table('decision',
    sa.Column('decision_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('decision_key', sa.String(length=120), nullable=False, comment='kind + source event id: one decision per trigger.'),
    sa.Column('person_id', sa.BigInteger(), nullable=False),
    sa.Column('fund_code', sa.String(length=16), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False, comment='JSON list of reason codes.'),
    sa.Column('details', sa.Text(), nullable=False, comment='JSON object: amounts, dates, durations.'),
    sa.Column('explanation', sa.Text(), nullable=False, comment='JSON object: language -> lines (fr, nl, de, en).'),
    sa.Column('source_event_id', sa.String(length=36), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'proposed' OR status = 'granted' OR status = 'refused' OR status = 'pending_information' OR status = 'notified' OR status = 'closed' OR status = 'declined'", name=op.f('ck_decision_status')),
    sa.ForeignKeyConstraint(['person_id'], ['person.person_id'], name=op.f('fk_decision_person_id_person')),
    sa.PrimaryKeyConstraint('decision_id', name=op.f('pk_decision')),
    comment='Decisions on rights and dues taken on events, with their explanation (projection of decision events).'
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_index('ix_decision_person_id', ['person_id'], unique=False)
        batch_op.create_index('uq_decision_decision_key', ['decision_key'], unique=True)

    op.create_table('event_delivery',
    sa.Column('delivery_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('position', sa.BigInteger(), nullable=False),
    sa.Column('subject', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status = 'pending' OR status = 'delivered' OR status = 'dead'", name=op.f('ck_event_delivery_status')),
    sa.ForeignKeyConstraint(['position'], ['outbox.position'], name=op.f('fk_event_delivery_position_outbox')),
    sa.ForeignKeyConstraint(['subscription_id'], ['event_subscription.subscription_id'], name=op.f('fk_event_delivery_subscription_id_event_subscription')),
    sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_event_delivery')),
    comment='Delivery of one event to one subscriber: retries with backoff, then dead letter (status dead).'
    )
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_event_delivery_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_event_delivery_subscription_id_subject_status', ['subscription_id', 'subject', 'status', 'position'], unique=False)
        batch_op.create_index('uq_event_delivery_subscription_id_position', ['subscription_id', 'position'], unique=True)



def downgrade() -> None:
    with op.batch_alter_table('event_delivery', schema=None) as batch_op:
        batch_op.drop_index('uq_event_delivery_subscription_id_position')
        batch_op.drop_index('ix_event_delivery_subscription_id_subject_status')
        batch_op.drop_index('ix_event_delivery_status_next_attempt_at')

    op.drop_table('event_delivery')
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_index('uq_decision_decision_key')
        batch_op.drop_index('ix_decision_person_id')

    op.drop_table('decision')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('uq_outbox_subject_sequence')
        batch_op.drop_index('uq_outbox_event_id')
        batch_op.drop_index('uq_outbox_dispatch_seq')
        batch_op.drop_index('ix_outbox_dispatched_at_position')

    op.drop_table('outbox')
    op.drop_table('processed_event')
    with op.batch_alter_table('event_subscription', schema=None) as batch_op:
        batch_op.drop_index('uq_event_subscription_name')

    op.drop_table('event_subscription')
