"""Protection against cross-site request forgery on every form of the portal.

A signed double-submit token bound to the session:

- every browser gets a random nonce in the ``statut_csrf`` cookie (HttpOnly, SameSite=Lax), set the
  first time a page is rendered for it;
- the token put in each form is HMAC-SHA256(portal secret, nonce + session id): another site can
  neither read it nor compute it, and signing in or out changes it (a token taken before sign-in is
  worthless after);
- a POST is accepted only with the right token (constant-time comparison) and, when the browser says
  where the request comes from (``Origin``), only from this site.

Use in a form (templates): ``{{ csrf_field() }}``. In a route: take ``form: CheckedForm`` (the parsed
form, after the check); a request that fails it raises :class:`CsrfRejected`, which the portal shows
as a page in the user's language (403) — the route body never runs, so nothing changes. A form that
uploads a file: ``form = await read_checked_form(request, max_files=1, max_bytes=...)``.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from markupsafe import Markup, escape
from starlette.datastructures import FormData

from statut.domain.errors import DomainValidationError, PermissionDenied
from statut.portal.session import mac, portal_secret, session_id_of

CSRF_COOKIE = "statut_csrf"
CSRF_FIELD = "csrf_token"
#: Forms are small: a mandate has a handful of short fields.
MAX_FORM_BYTES = 64 * 1024
MAX_FORM_FIELDS = 40


class CsrfRejected(PermissionDenied):
    """The form was not sent by a page of this site for this browser and session."""

    code = "statut.forbidden.csrf"


class FormRejected(DomainValidationError):
    """The form itself cannot be read (too large, files, broken encoding)."""

    code = "statut.invalid.form"


def browser_nonce(request: Request) -> str:
    """The browser's nonce: from its cookie, or a new one that the rendered page will set."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not nonce or len(nonce) > 64 or not nonce.replace("-", "").replace("_", "").isalnum():
        nonce = getattr(request.state, "new_csrf_nonce", None) or secrets.token_urlsafe(24)
        request.state.new_csrf_nonce = nonce
    return nonce


def csrf_token(request: Request) -> str:
    return mac(portal_secret(request), "csrf", f"{browser_nonce(request)}|{session_id_of(request) or ''}")


def csrf_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, escape(csrf_token(request)))


def set_nonce_cookie(request: Request, response: Response) -> None:
    """Set the nonce cookie on a response when this request created it."""
    nonce = getattr(request.state, "new_csrf_nonce", None)
    if nonce:
        response.set_cookie(
            CSRF_COOKIE, nonce, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
        )


def same_origin(request: Request) -> bool:
    """False when the browser says the request comes from another site (``Origin``)."""
    origin = request.headers.get("origin")
    if origin is None:  # older browsers and same-origin GET-to-POST navigations may omit it
        return True
    parts = urlsplit(origin)
    return f"{parts.scheme}://{parts.netloc}" == f"{request.url.scheme}://{request.url.netloc}"


_same_origin = same_origin  # the earlier private name, still imported by a page module


def verify_csrf(request: Request, form: FormData) -> None:
    """Raise :class:`CsrfRejected` unless ``form`` carries this browser's and session's token."""
    sent = form.get(CSRF_FIELD)
    cookie_nonce = request.cookies.get(CSRF_COOKIE, "")
    if not isinstance(sent, str) or not cookie_nonce or not same_origin(request):
        raise CsrfRejected("the form has no valid security token: reload the page and send it again")
    expected = mac(portal_secret(request), "csrf", f"{cookie_nonce}|{session_id_of(request) or ''}")
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRejected("the form's security token does not match: reload the page and send it again")


async def read_checked_form(
    request: Request, *, max_files: int = 0, max_bytes: int = MAX_FORM_BYTES, max_part_bytes: int = MAX_FORM_BYTES
) -> FormData:
    """The POSTed form (files allowed up to ``max_files``), once its CSRF token is verified. A form
    with files must be closed by the caller (``await form.close()``) once the files are read."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FormRejected("form", f"{length} bytes", f"a form is at most {max_bytes} bytes")
    try:
        form = await request.form(max_files=max_files, max_fields=MAX_FORM_FIELDS, max_part_size=max_part_bytes)
    except Exception as error:  # starlette raises HTTPException or MultiPartException on a bad body
        raise FormRejected("form", "body", "the form cannot be read") from error
    try:
        verify_csrf(request, form)
    except CsrfRejected:
        await form.close()
        raise
    return form


async def checked_form(request: Request) -> FormData:
    """The POSTed form (no files), once its CSRF token is verified (else :class:`CsrfRejected`)."""
    return await read_checked_form(request)


CheckedForm = Annotated[FormData, Depends(checked_form)]
