"""Liveness and readiness: the database answers and the schema is at the latest migration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from statut import __version__
from statut.services.runtime import Runtime

router = APIRouter(tags=["health"])


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    """An ``async def`` dependency: no I/O, so no thread hop (statut.api.deps)."""
    return runtime_of(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


class HealthRead(BaseModel):
    status: str
    version: str
    database: str
    schema_revision: str | None
    environment: str


@router.get("/health", response_model=HealthRead, summary="Health of the platform")
def read_health(runtime: RuntimeDep) -> JSONResponse:
    check = runtime.health()
    body = HealthRead(
        status="ok" if check.ok else "degraded",
        version=__version__,
        database=check.database,
        schema_revision=check.schema_revision,
        environment=runtime.settings.environment,
    )
    return JSONResponse(body.model_dump(), status_code=200 if check.ok else 503)
