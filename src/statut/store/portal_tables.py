"""Tables of the portal (issue 7), on the register's metadata (see tables.py for the conventions).

``portal_session``: the sessions of the web portal. The browser holds only a random session id in a
signed cookie; the server keeps the SHA-256 of that id (never the id itself, so a copy of the table
cannot be replayed as cookies), the verified identity claims the session stands for, and when it
expires or was ended. Ending a session (logout) is effective at once, on every server worker.

``portal_preference``: what a person chose in the portal, keyed by the actor (``role:subject``, the
key the ledger and the rate limiter use). Today: the language of the pages and letters, which wins
over the browser's Accept-Language (issue 7: "the person's own choice when they made one").
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, String, Table, Text

from statut.store.tables import metadata, one_of
from statut.store.types import UtcDateTime

PORTAL_LANGUAGES = ("fr", "nl", "de", "en")
SESSION_HASH_LENGTH = 64
ACTOR_KEY_LENGTH = 250

portal_session = Table(
    "portal_session",
    metadata,
    Column("session_hash", String(SESSION_HASH_LENGTH), primary_key=True, comment="SHA-256 (hex) of the session id."),
    Column("actor_key", String(ACTOR_KEY_LENGTH), nullable=False, comment="role:subject of the signed-in actor."),
    Column("claims", Text(), nullable=False, comment="The verified identity claims (JSON) the session stands for."),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("ended_at", UtcDateTime(), nullable=True, comment="Set by logout; an ended session is refused."),
    CheckConstraint("expires_at > created_at", name="lifetime"),
    Index("ix_portal_session_actor_key", "actor_key"),
    Index("ix_portal_session_expires_at", "expires_at"),
    comment="Sessions of the web portal: hashed ids, the claims they stand for, expiry and logout.",
)

portal_preference = Table(
    "portal_preference",
    metadata,
    Column("actor_key", String(ACTOR_KEY_LENGTH), primary_key=True, comment="role:subject of the actor."),
    Column("language", String(2), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("language", PORTAL_LANGUAGES), name="language"),
    comment="Choices a person made in the portal (the language of pages and letters).",
)

__all__ = ["PORTAL_LANGUAGES", "portal_preference", "portal_session"]
