"""FastAPI dependencies of the platform API: the runtime, the caller, the purpose, rate limits.

Aliases (``CurrentActor``, ``Access``, ``Purpose``, ``RequestId``) keep the routes short. The actor
comes from the verified bearer token only; nothing in the request body or query can change who the
caller is.

The dependencies that do no I/O are ``async def``: FastAPI runs a plain ``def`` dependency in its
thread pool, a thread hop per dependency and request (five per dossier read before this), while an
``async def`` one runs at once on the event loop. The token check runs there too when the token was
accepted before (a dictionary look-up, statut.access.tokens); a token not seen yet is verified in
the thread pool, since verifying may fetch the issuer's keys over the network.

FastAPI also spends time on every dependency of a request, however small (tens of microseconds
each on this machine), so :func:`current_actor` takes the access runtime from the application
itself, and the hottest routes (the dossier reads) take the runtime and the request id from the
request (:func:`statut.api.health.runtime_of`, :func:`request_id_of`) rather than from two more
dependencies.
"""

from __future__ import annotations

import logging
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from statut.access.errors import InvalidCursor, PreconditionRequired, TokenRejected
from statut.access.identity import Actor
from statut.api.health import RuntimeDep
from statut.api.text import SafeText
from statut.services.identity import AccessRuntime

__all__ = ["Access", "CurrentActor", "Purpose", "RequestId", "RuntimeDep", "WriteActor"]

T = TypeVar("T")
log = logging.getLogger("statut.api.access")
bearer = HTTPBearer(auto_error=False, description="An OpenID Connect access token (JWT, RS256 or ES256).")


async def get_access(request: Request) -> AccessRuntime:
    access: AccessRuntime = request.app.state.access
    return access


Access = Annotated[AccessRuntime, Depends(get_access)]


def request_id_of(request: Request) -> str | None:
    """The request id :class:`statut.api.app.RequestIds` gave the request."""
    return getattr(request.state, "request_id", None)


async def get_request_id(request: Request) -> str | None:
    return request_id_of(request)


RequestId = Annotated[str | None, Depends(get_request_id)]


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise TokenRejected("send an access token: Authorization: Bearer <token>")
    access: AccessRuntime = request.app.state.access
    token = credentials.credentials
    actor = access.verifier.recognised(token) if access.verifier is not None else None
    if actor is None:
        actor = await run_in_threadpool(access.authenticate, token)
    log.info("request by %s", actor.key, extra={"request_id": request_id_of(request), "actor": actor.key})
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


async def write_actor(actor: CurrentActor, access: Access) -> Actor:
    """The caller of a write route, after their rate limit."""
    access.limiter.hit("write", actor.key)
    return actor


WriteActor = Annotated[Actor, Depends(write_actor)]


async def stated_purpose(
    x_statut_purpose: Annotated[
        SafeText | None,
        Header(
            description="Why the data are consulted (required of institution agents, logged for everyone).",
            max_length=200,
        ),
    ] = None,
    purpose: Annotated[
        SafeText | None, Query(description="Alternative to the X-Statut-Purpose header.", max_length=200)
    ] = None,
) -> str | None:
    value = (x_statut_purpose or purpose or "").strip()
    return value or None


Purpose = Annotated[str | None, Depends(stated_purpose)]


async def required_if_match(
    if_match: Annotated[
        SafeText | None, Header(description="The ETag of the version you read.", max_length=500)
    ] = None,
) -> str:
    if not if_match or not if_match.strip():
        raise PreconditionRequired("send If-Match with the ETag of the version you read")
    return if_match.strip()


IfMatch = Annotated[str, Depends(required_if_match)]


def etag_of(version_id: int) -> str:
    return f'"v{version_id}"'


def expected_version(if_match: str) -> int | None:
    """The version an If-Match names (``"v42"``); None for ``*`` (any current version); -1 when no tag
    is one of ours, which no version matches (so the change is refused with 412)."""
    tags = [tag.strip().removeprefix("W/") for tag in if_match.split(",")]
    if "*" in tags:
        return None
    for tag in tags:
        if tag.startswith('"v') and tag.endswith('"') and tag[2:-1].isdigit() and len(tag) < 24:
            return int(tag[2:-1])
    return -1


def decode_after(access: AccessRuntime, scope: str, cursor: str | None, key: str, kind: type[T]) -> T | None:
    """The keyset position ``key`` of a cursor issued for ``scope`` (None without a cursor)."""
    if cursor is None:
        return None
    value = access.cursors.decode(scope, cursor).get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InvalidCursor("cursor: not a cursor of this list")
    return value
