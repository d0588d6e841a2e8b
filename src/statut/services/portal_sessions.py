"""Sessions of the web portal: sign in with the development issuer's personas, resolve, sign out.

A portal session stands for exactly what a bearer token stands for: signing in asks the development
issuer for a token (``statut.services.identity.persona_claims``), verifies it with the server's own
:class:`~statut.access.tokens.TokenVerifier` (the API's verification, issuer, audience, signature
and expiry included) and keeps the verified statut claims server-side. Every later request rebuilds
the :class:`~statut.access.identity.Actor` from those claims with
:func:`~statut.access.tokens.actor_from_claims`, the function the API uses, so the access policy
decides identically for a page and for an API call.

The browser only gets a random session id (256 bits); the table keeps its SHA-256, so a copy of the
table cannot be replayed as cookies. Sessions last :data:`SESSION_LIFETIME` at most; signing out
ends them at once.

DEVELOPMENT ONLY for now: with a real issuer configured (``STATUT_OIDC_ISSUER``) or in production
the persona sign-in is refused (:class:`DevelopmentLoginRefused`); a sign-in through the real
identity provider (OpenID Connect authorisation code flow) is not built yet.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from statut.access.errors import TokenRejected
from statut.access.identity import Actor
from statut.access.tokens import actor_from_claims
from statut.domain.errors import PermissionDenied
from statut.services.identity import AccessRuntime, persona_claims
from statut.store.portal import PortalSessionRepository
from statut.store.unit_of_work import UnitOfWork

SESSION_LIFETIME = timedelta(hours=8)
#: The claims that describe the actor; registered JWT claims (exp, iat, jti...) are not kept.
ACTOR_CLAIMS = ("sub", "statut_role", "name", "national_number", "fund", "client_id")
MAX_SESSION_ID_LENGTH = 100


class DevelopmentLoginRefused(PermissionDenied):
    """The persona sign-in exists only with the development issuer (no real issuer, not production)."""

    code = "statut.forbidden.development_login"


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start_persona_session(uow: UnitOfWork, access: AccessRuntime, persona: str) -> tuple[str, Actor]:
    """Sign in as a demo persona: the new session id (for the cookie) and the verified actor."""
    issuer = access.dev_issuer
    if issuer is None:
        raise DevelopmentLoginRefused(
            "the demo personas exist only with the development issuer: a real identity provider is configured"
        )
    return start_token_session(uow, access, issuer.issue(persona_claims(uow, persona)))


def start_token_session(uow: UnitOfWork, access: AccessRuntime, token: str) -> tuple[str, Actor]:
    """A session for the actor a bearer token describes, once the server's verifier accepted it (the
    API's verification: issuer, audience, signature, expiry). The persona sign-in uses it; so would
    the code flow of a real OpenID Connect provider."""
    actor = access.authenticate(token)
    assert access.verifier is not None
    verified = access.verifier.claims(token)
    kept = {name: verified[name] for name in ACTOR_CLAIMS if name in verified}
    session_id = secrets.token_urlsafe(32)
    now = uow.clock()
    PortalSessionRepository(uow.connection).add(session_hash(session_id), actor.key, kept, now, now + SESSION_LIFETIME)
    return session_id, actor


def resolve_session(uow: UnitOfWork, session_id: str) -> Actor | None:
    """The actor of a session in force; None for an unknown, ended or expired session."""
    if not session_id or len(session_id) > MAX_SESSION_ID_LENGTH:
        return None
    row = PortalSessionRepository(uow.connection).get(session_hash(session_id))
    if row is None or row.ended_at is not None or row.expires_at <= uow.clock():
        return None
    try:
        return actor_from_claims(row.claims)
    except TokenRejected:
        return None


def end_session(uow: UnitOfWork, session_id: str) -> bool:
    """Sign out: the session can never be used again. Expired sessions are forgotten on the way."""
    repository = PortalSessionRepository(uow.connection)
    now = uow.clock()
    ended = repository.end(session_hash(session_id), now) if len(session_id) <= MAX_SESSION_ID_LENGTH else False
    repository.purge_expired(now)
    return ended
