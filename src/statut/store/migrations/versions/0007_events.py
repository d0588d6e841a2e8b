"""Events: how each decision was notified (portal, letter as a print job, webhook), one row per channel
and recipient (issue 8: "each decision is stored with its explanation and notified"); and an index
that reads a subscriber's pending deliveries in outbox order (the relay's due deliveries).

Revision ID: 0007_events
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_events"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_notification",
        sa.Column("notification_id", KEY, autoincrement=True, nullable=False),
        sa.Column(
            "decision_id",
            sa.BigInteger(),
            nullable=False,
            comment="The decision made known (no foreign key: see above).",
        ),
        sa.Column(
            "decision_status",
            sa.String(length=20),
            nullable=False,
            comment="The status of the decision this notice is about.",
        ),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column(
            "recipient",
            sa.String(length=120),
            nullable=False,
            comment="person/<id> (portal, letter) or the webhook subscription.",
        ),
        sa.Column(
            "fund_code", sa.String(length=16), nullable=True, comment="The fund that notifies (and prints the letter)."
        ),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True, comment="Last error of a webhook, or who printed the letter."),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "channel = 'portal' OR channel = 'letter' OR channel = 'webhook'",
            name=op.f("ck_decision_notification_channel"),
        ),
        sa.CheckConstraint(
            "status = 'available' OR status = 'pending' OR status = 'printed' OR status = 'delivered' "
            "OR status = 'failing' OR status = 'dead'",
            name=op.f("ck_decision_notification_status"),
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_decision_notification")),
        comment="How each decision was notified: portal, letter (a print job), webhook.",
    )
    with op.batch_alter_table("decision_notification", schema=None) as batch_op:
        batch_op.create_index(
            "uq_decision_notification_notice", ["decision_id", "decision_status", "channel", "recipient"], unique=True
        )
        batch_op.create_index(
            "ix_decision_notification_channel_status_fund_code", ["channel", "status", "fund_code"], unique=False
        )

    with op.batch_alter_table("event_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_event_delivery_subscription_id_status_position", ["subscription_id", "status", "position"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("event_delivery", schema=None) as batch_op:
        batch_op.drop_index("ix_event_delivery_subscription_id_status_position")
    with op.batch_alter_table("decision_notification", schema=None) as batch_op:
        batch_op.drop_index("ix_decision_notification_channel_status_fund_code")
        batch_op.drop_index("uq_decision_notification_notice")
    op.drop_table("decision_notification")
