"""Application factory: settings in, a FastAPI application out.

The engine is created in the lifespan, never at import time, and disposed on shutdown. Every request
gets a request id (from ``X-Request-ID`` when the caller sends a sane one) that is echoed in the
response and in every problem document.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from statut import __version__
from statut.api import health, problems, v1
from statut.portal import pages
from statut.services.runtime import Runtime
from statut.settings import Settings

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
STATIC_DIR = Path(__file__).resolve().parents[1] / "portal" / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime.start(settings)
        app.state.runtime = runtime
        try:
            yield
        finally:
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

    @app.middleware("http")
    async def request_id(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        incoming = request.headers.get("x-request-id", "")
        request.state.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        if settings.environment == "development":
            response.headers["X-Statut-Environment"] = "development-only"
        return response

    app.include_router(health.router)
    v1.install(app, settings)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
