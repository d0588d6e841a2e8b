"""Portal: server-side sessions (hashed ids, claims, expiry, logout) and a person's language choice.

Revision ID: 0007_portal
Revises: 0006
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_portal"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_session",
        sa.Column("session_hash", sa.String(length=64), nullable=False, comment="SHA-256 (hex) of the session id."),
        sa.Column("actor_key", sa.String(length=250), nullable=False, comment="role:subject of the signed-in actor."),
        sa.Column(
            "claims", sa.Text(), nullable=False, comment="The verified identity claims (JSON) the session stands for."
        ),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("ended_at", UTC_DATETIME, nullable=True, comment="Set by logout; an ended session is refused."),
        sa.CheckConstraint("expires_at > created_at", name=op.f("ck_portal_session_lifetime")),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_portal_session")),
        comment="Sessions of the web portal: hashed ids, the claims they stand for, expiry and logout.",
    )
    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.create_index("ix_portal_session_actor_key", ["actor_key"], unique=False)
        batch_op.create_index("ix_portal_session_expires_at", ["expires_at"], unique=False)
    op.create_table(
        "portal_preference",
        sa.Column("actor_key", sa.String(length=250), nullable=False, comment="role:subject of the actor."),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "language = 'fr' OR language = 'nl' OR language = 'de' OR language = 'en'",
            name=op.f("ck_portal_preference_language"),
        ),
        sa.PrimaryKeyConstraint("actor_key", name=op.f("pk_portal_preference")),
        comment="Choices a person made in the portal (the language of pages and letters).",
    )


def downgrade() -> None:
    op.drop_table("portal_preference")
    with op.batch_alter_table("portal_session", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_session_expires_at")
        batch_op.drop_index("ix_portal_session_actor_key")
    op.drop_table("portal_session")
