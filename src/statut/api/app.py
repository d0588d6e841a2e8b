"""Application factory: settings in, a FastAPI application out.

The engine is created in the lifespan, never at import time, and disposed on shutdown. Every request
gets a request id (from ``X-Request-ID`` when the caller sends a sane one) that is echoed in the
response and in every problem document.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from statut import __version__
from statut.api import health, problems, v1
from statut.api.limits import UploadSizeLimit
from statut.portal import agent_pages, pages
from statut.services.access_log import AccessLogChainer
from statut.services.runtime import Runtime
from statut.settings import Settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
STATIC_DIR = Path(__file__).resolve().parents[1] / "portal" / "static"


class RequestIds:
    """Pure ASGI middleware (no extra task per request, unlike ``@app.middleware``): the request id in
    ``request.state`` and the response headers, and the development-only marker."""

    def __init__(self, app: ASGIApp, *, development: bool) -> None:
        self.app = app
        self.development = development

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        extra = [(b"x-request-id", request_id.encode())]
        if self.development:
            extra.append((b"x-statut-environment", b"development-only"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def reads_at_once(runtime: Runtime) -> int:
    """How many dossier reads a server process runs at once: one fewer than the connections its
    engine keeps open (one stays for the access-log chainer and the other routes).

    Without a bound, FastAPI runs as many reads as its thread pool has threads (40); past the pool's
    kept connections SQLAlchemy opens overflow connections and closes them after one request, so
    under load one read in seven paid for a new PostgreSQL session (fork, catalogue caches,
    statements prepared again). Reads beyond the bound wait on the event loop, which costs next to nothing."""
    size = getattr(runtime.engine.pool, "size", None)
    kept = size() if callable(size) else 1
    return max(1, int(kept) - 1)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.start(settings)
        app.state.runtime = runtime
        app.state.dossier_reads = anyio.CapacityLimiter(reads_at_once(runtime))
        # Reads are logged without waiting for the ledger; this chains them (services/access_log.py).
        chainer = AccessLogChainer(runtime.engine)
        chainer.start()
        try:
            yield
        finally:
            chainer.stop()
            runtime.close()

    app = FastAPI(
        title="statut",
        version=__version__,
        summary="The social status of self-employed workers: register, data quality, rights.",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(UploadSizeLimit, max_bytes=settings.max_upload_bytes)

    app.add_middleware(RequestIds, development=settings.environment == "development")

    app.include_router(health.router)
    v1.install(app, settings)
    pages.install(app)  # the portal's routers and its error pages (HTML for browsers, problem+json kept for the API)
    agent_pages.install(app)  # the fund agent's and the institution's pages, and the printable letters
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
