"""Rendering of every portal page: language, navigation, CSRF field, safe output, error pages.

The contract other page modules (person pages, portal-agent's fund-agent, institution and letter
pages) rely on; keep it stable:

- ``router = portal_router()``: an ``APIRouter`` whose routes turn any error (a ``StatutError``, an
  HTTP error, an unexpected exception) into a readable page in the user's language with the right
  status (statut.portal.errors), leaving the API's problem+json untouched. Include the router in
  the application like any other (``app.include_router``).
- ``render(request, "dir/page.html", status_code=200, **context) -> HTMLResponse``. Templates extend
  ``base.html`` (blocks ``title`` and ``content``) and get: ``lang``, ``_("text", name=value)``
  (gettext, then ``%``-formatting with the keywords), ``ngettext``, ``fmt_date``, ``fmt_amount``
  (Decimal euros; ``cents=True`` for integer cents), ``fmt_number``, ``fmt_datetime``, ``fmt_nn``
  (a national number as 85.07.30-033.28), ``label(kind, code)`` (statut.portal.labels), ``actor``
  (the signed-in :class:`~statut.access.identity.Actor` or None), ``csrf_field()`` (put it in every
  form), ``current_path``, ``development``. Output is autoescaped; never mark user data ``|safe``.
- ``page_language(request)``: the language of this request: an explicit ``?lang=`` link, else the
  person's own choice (stored by services/preferences.py, or the ``statut_lang`` cookie before
  signing in), else the browser's Accept-Language, else the configured default.
- ``add_navigation(href, N_("Label"), Role.FUND_AGENT, order=10)``: a main-menu entry shown to the
  given roles (call it at import time of the page module). Labels are message ids, marked with
  :func:`N_` so that Babel extracts them; they are translated when the menu is drawn.
- ``set_home(Role.FUND_AGENT, "/agent")``: where a role lands after signing in.
- ``N_("text")``: mark a message for extraction without translating it yet.

Without JavaScript: every page is plain HTML and forms; the language switch is a form of buttons.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from statut.access.identity import Actor, Role
from statut.domain.errors import DomainValidationError
from statut.domain.identifiers import parse_person_number
from statut.portal.csrf import csrf_field, set_nonce_cookie
from statut.portal.i18n import (
    LANGUAGE_NAMES,
    LANGUAGES,
    LOCALES,
    format_amount,
    format_date,
    format_number,
    negotiate,
    translations,
)
from statut.portal.session import current_actor, no_store
from statut.services.preferences import chosen_language
from statut.services.runtime import Runtime

LANGUAGE_COOKIE = "statut_lang"
#: Sent with every page: no script runs on the portal, forms post to itself, no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'"
)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention Babel extracts
    """Mark ``message`` for translation; it is translated where it is shown."""
    return message


# -- navigation --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NavEntry:
    href: str
    label: str  # a message id
    roles: frozenset[Role]
    order: int


@dataclass(frozen=True, slots=True)
class NavLink:
    href: str
    label: str  # translated
    current: bool


_NAVIGATION: dict[str, NavEntry] = {}
_HOMES: dict[Role, str] = {Role.CITIZEN: "/me"}


def set_home(role: Role, href: str) -> None:
    """Where ``role`` lands after signing in (the landing page, with the menu, by default)."""
    _HOMES[role] = href


def home_of(role: Role) -> str:
    return _HOMES.get(role, "/")


def add_navigation(href: str, label: str, *roles: Role, order: int = 100) -> None:
    """A main-menu entry for ``roles`` (idempotent per href)."""
    _NAVIGATION[href] = NavEntry(href, label, frozenset(roles), order)


def navigation(actor: Actor | None, path: str, gettext: Callable[[str], str]) -> list[NavLink]:
    """The menu of ``actor``'s role, the entry that contains ``path`` marked current."""
    if actor is None:
        return []
    entries = sorted(
        (entry for entry in _NAVIGATION.values() if actor.role in entry.roles), key=lambda e: (e.order, e.href)
    )
    containing = [e.href for e in entries if path == e.href or path.startswith(e.href.rstrip("/") + "/")]
    current = max(containing, key=len) if containing else None
    return [NavLink(e.href, gettext(e.label), e.href == current) for e in entries]


# -- language -----------------------------------------------------------------------------------------


def page_language(request: Request) -> str:
    """Explicit link, else the person's choice, else Accept-Language, else the default (cached per request)."""
    cached: str | None = getattr(request.state, "portal_language", None)
    if cached is not None:
        return cached
    settings = request.app.state.settings
    explicit = request.query_params.get("lang")
    preferred = explicit if explicit in LANGUAGES else None
    if preferred is None:
        actor = current_actor(request)
        if actor is not None:
            runtime: Runtime = request.app.state.runtime
            with runtime.unit_of_work(read_only=True) as uow:
                preferred = chosen_language(uow, actor)
    if preferred is None:
        cookie = request.cookies.get(LANGUAGE_COOKIE)
        preferred = cookie if cookie in LANGUAGES else None
    lang = negotiate(request.headers.get("accept-language"), preferred, settings.default_language)
    request.state.portal_language = lang
    return lang


def remember_language_cookie(response: Response, request: Request, lang: str) -> None:
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def translator(lang: str) -> Callable[..., str]:
    trans = translations(lang)

    def gettext(message: str, **values: Any) -> str:
        text = trans.gettext(message)
        return text % values if values else text

    return gettext


# -- rendering ------------------------------------------------------------------------------------------


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("statut.portal", "templates"),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _format_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return ""
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    brussels = ZoneInfo("Europe/Brussels")  # the register's instants are UTC; people read Belgian time
    return str(format_datetime(value, format="medium", tzinfo=brussels, locale=LOCALES.get(lang, "en_GB")))


def _format_national_number(value: str | None) -> str:
    if not value:
        return ""
    try:
        return parse_person_number(value).formatted
    except DomainValidationError:
        return value


def template_context(request: Request) -> dict[str, Any]:
    """What every template gets (see the module docstring)."""
    from statut.portal.labels import labeller  # both mark their texts with N_ from this module
    from statut.portal.personas import display_name

    lang = page_language(request)
    trans = translations(lang)
    gettext = translator(lang)
    actor = current_actor(request)
    path = request.url.path
    return {
        "request": request,
        "lang": lang,
        "language_names": LANGUAGE_NAMES,
        "development": request.app.state.settings.environment == "development",
        "_": gettext,
        "gettext": gettext,
        "ngettext": trans.ngettext,
        "fmt_number": lambda v: format_number(v, lang),
        "fmt_amount": lambda v, cents=False: format_amount(v, lang, cents=cents),
        "fmt_date": lambda v: format_date(v, lang),
        "fmt_datetime": lambda v: _format_datetime(v, lang),
        "fmt_nn": _format_national_number,
        "label": labeller(gettext),
        "actor": actor,
        "actor_name": display_name(actor, gettext) if actor is not None else "",
        "nav": navigation(actor, path, gettext),
        "csrf_field": lambda: csrf_field(request),
        "current_path": path,
        "current_url": path + (f"?{request.url.query}" if request.url.query else ""),
    }


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language, with the portal's headers and cookies."""
    values = template_context(request)
    values.update(context)
    page = environment().get_template(template).render(**values)
    response = HTMLResponse(page, status_code=status_code)
    decorate(response, request)
    return response


def decorate(response: Response, request: Request) -> None:
    """Headers every portal response carries (also redirects)."""
    lang = getattr(request.state, "portal_language", None)
    if lang:
        response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language, Cookie"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if getattr(request.state, "portal_actor", None) is not None:
        no_store(response.headers)
    set_nonce_cookie(request, response)


def markup(text: str) -> Markup:
    """Trusted markup written in a template or this package (never user data)."""
    return Markup(text)  # noqa: S704 - callers pass constant markup only


# -- routes that show errors as pages ------------------------------------------------------------------------


class PortalRoute(APIRoute):
    """A route whose errors become readable pages (statut.portal.errors), never problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Exception as error:  # every error of a page is shown as a page
                from statut.portal.errors import error_page

                return error_page(request, error)

        return handler


def portal_router(**options: Any) -> APIRouter:
    """A router for portal pages (hidden from the OpenAPI document)."""
    return APIRouter(route_class=PortalRoute, include_in_schema=False, **options)
