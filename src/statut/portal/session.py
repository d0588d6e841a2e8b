"""Who is signed in to the portal: the session cookie and the :class:`~statut.access.identity.Actor`.

The browser holds ``statut_session``: a random session id (256 bits) and an HMAC-SHA256 of it under
the portal's secret, HttpOnly, SameSite=Lax, Secure on HTTPS. The signature lets a forged or altered
cookie be refused without a database round trip; the server-side session (services/portal_sessions.py)
holds the verified claims, the expiry and the logout. The secret is generated once into
``<data_dir>/keys/portal.key`` (mode 0600, outside git) and shared by every worker.

For pages (and portal-agent's pages), use the dependencies:

- ``OptionalActor``: the actor or None (the landing page, error pages);
- ``SignedInActor``: the actor, or a "please sign in" page (401) in the user's language;
- ``WritingActor``: the same, for routes that change something, after the write rate limit (429).

Nothing in the request other than the verified session decides who the caller is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import MutableHeaders

from statut.access.identity import Actor
from statut.access.secret_files import load_or_create
from statut.domain.errors import Unauthenticated
from statut.services.identity import AccessRuntime
from statut.services.portal_sessions import SESSION_LIFETIME, resolve_session
from statut.services.runtime import Runtime

SESSION_COOKIE = "statut_session"
MAX_COOKIE_LENGTH = 200


class SignInRequired(Unauthenticated):
    """A portal page that needs a signed-in person was opened without a session in force."""

    code = "statut.unauthenticated.portal"


def portal_secret(request: Request) -> bytes:
    """The portal's signing secret (sessions and CSRF tokens), loaded once per application."""
    app_state = request.app.state
    secret: bytes | None = getattr(app_state, "portal_secret", None)
    if secret is None:
        settings = app_state.settings
        secret = load_or_create(settings.data_dir / "keys" / "portal.key", lambda: secrets.token_bytes(32))
        app_state.portal_secret = secret
    return secret


def mac(secret: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` for one ``purpose`` (domain separation), URL-safe base64."""
    digest = hmac.new(secret, f"{purpose}|{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def sign_session_id(secret: bytes, session_id: str) -> str:
    return f"{session_id}.{mac(secret, 'session', session_id)}"


def unsign_session_id(secret: bytes, cookie: str | None) -> str | None:
    if not cookie or len(cookie) > MAX_COOKIE_LENGTH or "." not in cookie:
        return None
    session_id, _, signature = cookie.rpartition(".")
    if not hmac.compare_digest(signature.encode(), mac(secret, "session", session_id).encode()):
        return None
    return session_id


def session_id_of(request: Request) -> str | None:
    """The id of the session the browser presents, if its signature is ours (it may be ended)."""
    return unsign_session_id(portal_secret(request), request.cookies.get(SESSION_COOKIE))


def current_actor(request: Request) -> Actor | None:
    """The signed-in actor (looked up once per request), or None."""
    if hasattr(request.state, "portal_actor"):
        found: Actor | None = request.state.portal_actor
        return found
    actor = None
    session_id = session_id_of(request)
    if session_id is not None:
        runtime: Runtime = request.app.state.runtime
        with runtime.unit_of_work(read_only=True) as uow:
            actor = resolve_session(uow, session_id)
    request.state.portal_actor = actor
    return actor


def access_runtime(request: Request) -> AccessRuntime:
    access: AccessRuntime = request.app.state.access
    return access


def optional_actor(request: Request) -> Actor | None:
    return current_actor(request)


def signed_in_actor(request: Request) -> Actor:
    actor = current_actor(request)
    if actor is None:
        raise SignInRequired("sign in to see this page")
    return actor


def writing_actor(request: Request) -> Actor:
    """The signed-in actor of a route that changes something, after their write rate limit (the
    API's limit for write routes, shared with it: issue 6, rate limiting per client)."""
    actor = signed_in_actor(request)
    access_runtime(request).limiter.hit("write", actor.key)
    return actor


OptionalActor = Annotated[Actor | None, Depends(optional_actor)]
SignedInActor = Annotated[Actor, Depends(signed_in_actor)]
WritingActor = Annotated[Actor, Depends(writing_actor)]


def _cookie_options(request: Request) -> dict[str, object]:
    return {"httponly": True, "samesite": "lax", "secure": request.url.scheme == "https", "path": "/"}


def set_session_cookie(response: Response, request: Request, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        sign_session_id(portal_secret(request), session_id),
        max_age=int(SESSION_LIFETIME.total_seconds()),
        **_cookie_options(request),  # type: ignore[arg-type]
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(SESSION_COOKIE, **_cookie_options(request))  # type: ignore[arg-type]


def no_store(headers: MutableHeaders) -> None:
    """Pages with personal data must not stay in a shared browser's cache."""
    headers["Cache-Control"] = "no-store"
