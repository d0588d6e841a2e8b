"""Version 1 of the platform API, under ``/api/v1``; :func:`install` wires it into the application."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from statut.access.errors import RateLimited, TokenRejected
from statut.api import dev_oidc
from statut.api.problems import problem
from statut.api.v1 import batches, dossiers, events, findings, funds, mandates, me, statistics
from statut.domain.errors import Unauthenticated
from statut.services.identity import build_access
from statut.settings import Settings

router = APIRouter(prefix="/api/v1")
for module in (dossiers, me, mandates, funds, batches, statistics, events, findings):
    router.include_router(module.router)


def install(app: FastAPI, settings: Settings) -> None:
    """Routers, the access runtime (verifier, development issuer, limits, cursors) and the problem
    handlers that need headers (Retry-After on 429, WWW-Authenticate on 401)."""
    app.state.access = build_access(settings)
    app.include_router(router)
    if app.state.access.dev_issuer is not None:
        app.include_router(dev_oidc.router)

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        response = problem(request, exc.status, exc.code, "RateLimited", exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(Unauthenticated)
    async def unauthenticated(request: Request, exc: Unauthenticated) -> JSONResponse:
        response = problem(request, exc.status, exc.code, type(exc).__name__, exc.message)
        error = "invalid_token" if isinstance(exc, TokenRejected) else "invalid_request"
        response.headers["WWW-Authenticate"] = f'Bearer realm="statut", error="{error}"'
        return response
