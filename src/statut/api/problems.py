"""RFC 9457 problem details: the one way the API reports an error.

Every :class:`~statut.domain.errors.StatutError` becomes ``application/problem+json`` with a stable
``type`` built from its code; 422 is kept for request bodies that fail validation. Unexpected errors
become a 500 problem without internals (the request id lets an operator find the traceback in the
logs).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from statut.domain.errors import StatutError

PROBLEM_TYPE_BASE = "https://statut.invalid/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("statut.api")


def problem(request: Request, status: int, code: str, title: str, detail: str, **extra: object) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": str(request.url.path),
        "request_id": getattr(request.state, "request_id", None),
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    @app.exception_handler(StatutError)
    async def statut_error(request: Request, exc: StatutError) -> JSONResponse:
        extra = {k: v for k, v in exc.details.items() if k in {"field", "value"}}
        return problem(request, exc.status, exc.code, type(exc).__name__, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        return problem(
            request,
            422,
            "statut.request.invalid",
            "Invalid request",
            "the request does not match the schema",
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "statut.not_found", 405: "statut.method_not_allowed", 413: "statut.request.too_large"}.get(
            exc.status_code, f"statut.http.{exc.status_code}"
        )
        return problem(request, exc.status_code, code, "HTTP error", str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> JSONResponse:
        log.exception("unexpected error", extra={"request_id": getattr(request.state, "request_id", None)})
        return problem(
            request, 500, "statut.internal", "Internal error", "an unexpected error occurred; quote the request id"
        )
