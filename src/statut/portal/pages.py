"""Server-rendered pages. Thin: negotiate the language, call a service, render a template."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from statut.portal.i18n import LANGUAGE_NAMES, format_amount, format_date, format_number, negotiate, translations
from statut.services.runtime import Runtime

router = APIRouter(include_in_schema=False)


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("statut.portal", "templates"),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, template: str, **context: Any) -> HTMLResponse:
    settings = request.app.state.settings
    lang = negotiate(
        request.headers.get("accept-language"), request.query_params.get("lang"), settings.default_language
    )
    env = environment()
    trans = translations(lang)
    page = env.get_template(template).render(
        lang=lang,
        language_names=LANGUAGE_NAMES,
        development=settings.environment == "development",
        _=trans.gettext,
        gettext=trans.gettext,
        ngettext=trans.ngettext,
        fmt_number=lambda v: format_number(v, lang),
        fmt_amount=lambda v, cents=False: format_amount(v, lang, cents=cents),
        fmt_date=lambda v: format_date(v, lang),
        **context,
    )
    return HTMLResponse(page, headers={"Content-Language": lang, "Vary": "Accept-Language"})


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> HTMLResponse:
    runtime: Runtime = request.app.state.runtime
    return render(request, "landing.html", summary=runtime.register_summary())
