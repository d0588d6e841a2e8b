"""The portal's front door: landing page, sign-in with a demo persona, sign-out, language choice.

Thin, like every entry point: parse the form, call a service, render or redirect. The shared
machinery is in statut.portal.rendering (render, navigation, language), statut.portal.session
(who is signed in), statut.portal.csrf (every form) and statut.portal.errors (errors as pages);
the self-employed person's and the mandatary's pages are in statut.portal.person_pages.

:func:`install` wires the portal into the application: its routers and its error pages.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from statut.access.dev_issuer import Persona
from statut.access.identity import Role
from statut.portal import errors, person_pages
from statut.portal.csrf import CheckedForm
from statut.portal.i18n import LANGUAGES
from statut.portal.personas import FUND_AGENT_TEXTS, PERSONA_TEXTS
from statut.portal.rendering import decorate, home_of, portal_router, remember_language_cookie, render
from statut.portal.session import OptionalActor, access_runtime, clear_session_cookie, session_id_of, set_session_cookie
from statut.services.identity import dev_personas
from statut.services.portal_sessions import end_session, start_persona_session
from statut.services.preferences import choose_language
from statut.services.runtime import Runtime
from statut.services.self_service import fund_contacts

router = portal_router()
MAX_NEXT_LENGTH = 500


def _persona_cards(personas: list[Persona], fund_names: dict[str, str]) -> list[dict[str, str]]:
    cards = []
    for persona in personas:
        if persona.role is Role.FUND_AGENT and persona.fund_code:
            title, text = FUND_AGENT_TEXTS
            values = {"code": persona.fund_code, "fund": fund_names.get(persona.fund_code, persona.fund_code)}
        else:
            title, text = PERSONA_TEXTS.get(persona.name, (persona.name, persona.description))
            values = {}
        cards.append({"name": persona.name, "title": title, "text": text, **{f"v_{k}": v for k, v in values.items()}})
    return cards


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, actor: OptionalActor) -> Response:
    runtime: Runtime = request.app.state.runtime
    access = access_runtime(request)
    personas = dev_personas() if access.dev_issuer is not None else []
    with runtime.unit_of_work(read_only=True) as uow:
        funds = fund_contacts(uow, [p.fund_code for p in personas if p.fund_code])
    fund_names = {code: fund.name for code, fund in funds.items()}
    return render(
        request,
        "landing.html",
        summary=runtime.register_summary(),
        personas=_persona_cards(personas, fund_names),
        development_login=access.dev_issuer is not None,
        signed_in=actor is not None,
        home=home_of(actor.role) if actor is not None else "/",
    )


@router.post("/login")
def login(request: Request, form: CheckedForm) -> Response:
    persona = str(form.get("persona", ""))[:100]
    access = access_runtime(request)
    access.limiter.hit("token", f"portal-persona:{request.client.host if request.client else '-'}")
    runtime: Runtime = request.app.state.runtime
    with runtime.unit_of_work() as uow:
        session_id, actor = start_persona_session(uow, access, persona)
        uow.commit()
    previous = session_id_of(request)
    if previous is not None:
        with runtime.unit_of_work() as uow:
            end_session(uow, previous)
            uow.commit()
    response = RedirectResponse(home_of(actor.role), status_code=303)
    set_session_cookie(response, request, session_id)
    decorate(response, request)
    return response


@router.post("/logout")
def logout(request: Request, form: CheckedForm) -> Response:  # noqa: ARG001 - the form is checked, not read
    session_id = session_id_of(request)
    if session_id is not None:
        runtime: Runtime = request.app.state.runtime
        with runtime.unit_of_work() as uow:
            end_session(uow, session_id)
            uow.commit()
    response = RedirectResponse("/?signed_out=1", status_code=303)
    clear_session_cookie(response, request)
    decorate(response, request)
    return response


def safe_next(value: object) -> str:
    """A local address to go back to (never another site), without a ``lang`` parameter."""
    text = str(value or "/")
    if not text.startswith("/") or text.startswith("//") or "\\" in text or len(text) > MAX_NEXT_LENGTH:
        return "/"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        return "/"
    parts = urlsplit(text)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
    return parts.path + (f"?{query}" if query else "")


@router.post("/language")
def switch_language(request: Request, form: CheckedForm, actor: OptionalActor) -> Response:
    """The person's own choice of language: kept for them (signed in) and in this browser."""
    lang = str(form.get("language", ""))
    if lang not in LANGUAGES:
        lang = ""  # an unknown language changes nothing
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    if lang:
        if actor is not None:
            runtime: Runtime = request.app.state.runtime
            with runtime.unit_of_work() as uow:
                choose_language(uow, actor, lang)
                uow.commit()
        remember_language_cookie(response, request, lang)
    decorate(response, request)
    return response


router.include_router(person_pages.router)


def install(app: FastAPI) -> None:
    """The portal's pages and its error pages (after the API's handlers, which it keeps for the API)."""
    app.include_router(router)
    errors.install(app)
