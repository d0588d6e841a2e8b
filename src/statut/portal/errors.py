"""Errors as pages: the portal's side of the one error family (``StatutError``).

The API answers problem+json (statut.api.problems); a person in a browser gets a page in their
language that says what happened and what to do, with the status the API would give (400, 401,
403, 404, 409, 413, 429, 500) and the request id to quote. A concealed policy refusal reads exactly
like a page that does not exist, as in the API. Unexpected errors are logged with the traceback and
shown without internals.

:func:`install` makes unknown addresses outside the API (``/api/``, ``/dev/``) a 404 page for
browsers too, delegating everything else to the handler the API installed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from markupsafe import escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from statut.access.errors import AccessDenied, PreconditionFailed, RateLimited
from statut.domain.errors import Conflict, DomainValidationError, NotFound, StatutError, Unauthenticated
from statut.portal.csrf import CsrfRejected, FormRejected
from statut.portal.rendering import N_, render

log = logging.getLogger("statut.portal")
API_PREFIXES = ("/api/", "/dev/", "/openapi.json", "/docs", "/health", "/static/")


def _explain(error: BaseException) -> tuple[int, str, str, str]:  # noqa: PLR0911 - a table of cases
    """(status, code, title message id, text message id) for an error."""
    if isinstance(error, CsrfRejected):
        return (
            403,
            error.code,
            N_("This form has expired"),
            N_(
                "For your security, a form can only be sent from the page that showed it. Nothing was changed. "
                "Go back, reload the page and send the form again."
            ),
        )
    if isinstance(error, FormRejected):
        return (
            413,
            error.code,
            N_("This form cannot be read"),
            N_("The form was too large or badly encoded. Nothing was changed."),
        )
    if isinstance(error, NotFound) or (isinstance(error, StarletteHTTPException) and error.status_code == 404):
        code = error.code if isinstance(error, StatutError) else "statut.not_found"
        return (
            404,
            code,
            N_("Page not found"),
            N_("This page does not exist, or it is not yours to see. Check the address or use the menu."),
        )
    if isinstance(error, Unauthenticated):
        return 401, error.code, N_("Please sign in"), N_("This page shows personal data: sign in first.")
    if isinstance(error, AccessDenied) or (isinstance(error, StatutError) and error.status == 403):
        assert isinstance(error, StatutError)
        return (
            403,
            error.code,
            N_("Access denied"),
            N_("Your role does not give access to this page. If you think it should, contact your fund."),
        )
    if isinstance(error, RateLimited):
        return 429, error.code, N_("Too many requests"), N_("Please wait a minute before trying again.")
    if isinstance(error, Conflict | PreconditionFailed):
        return (
            error.status,
            error.code,
            N_("This was already done"),
            N_("This was changed in the meantime or was already done. Reload the page to see where things stand."),
        )
    if isinstance(error, DomainValidationError | RequestValidationError):
        code = error.code if isinstance(error, StatutError) else "statut.request.invalid"
        return (
            400,
            code,
            N_("This request is not valid"),
            N_("Something in the address or the form is not valid. Nothing was changed."),
        )
    if isinstance(error, StatutError) and error.status < 500:
        return (
            error.status,
            error.code,
            N_("This request is not valid"),
            N_("Something in the address or the form is not valid. Nothing was changed."),
        )
    if isinstance(error, StarletteHTTPException) and error.status_code < 500:
        return (
            error.status_code,
            f"statut.http.{error.status_code}",
            N_("This request is not valid"),
            N_("Something in the address or the form is not valid. Nothing was changed."),
        )
    return (
        500,
        "statut.internal",
        N_("Something went wrong on our side"),
        N_("Nothing was changed. Please try again later; if it happens again, quote the reference below to your fund."),
    )


def error_page(request: Request, error: BaseException) -> Response:
    status, code, title, text = _explain(error)
    request_id = getattr(request.state, "request_id", None)
    if status >= 500:
        log.error("portal page failed", exc_info=error, extra={"request_id": request_id, "path": request.url.path})
    try:
        response: Response = render(
            request, "errors/error.html", status_code=status, title=title, text=text, code=code, request_id=request_id
        )
    except Exception:  # the error page itself failed (the database is down...): a bare page, still readable
        log.exception("error page failed", extra={"request_id": request_id})
        body = f"<!doctype html><html lang=en><title>Error</title><h1>Error {status}</h1><p>{escape(code)}</p></html>"
        response = HTMLResponse(body, status_code=status)
    if isinstance(error, RateLimited):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not path.startswith(API_PREFIXES) and "text/html" in request.headers.get("accept", "")


def install(app: FastAPI) -> None:
    """Unknown addresses outside the API become 404 pages for browsers; the API keeps problem+json."""
    previous: Callable[[Request, Any], Awaitable[Response]] | None = app.exception_handlers.get(StarletteHTTPException)  # type: ignore[assignment]

    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_page(request) or previous is None:
            return error_page(request, exc)
        return await previous(request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
