"""The fund agent's pages: find a member, open their dossier for a stated purpose, register a mandate
signed on paper at the counter, print letters, and work through the fund's data-quality findings.

Thin, like every entry point: the services decide (the same policy as the API: an agent sees the
fund's current members only, and the member search, its errors and its pages say nothing about
anyone else) and log every read; the pages parse forms, call one service in one unit of work, commit
and render. Every form carries the CSRF token; what a form sends wrong is shown next to its field and
changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Role, Section
from statut.access.policy import MAX_PURPOSE_LENGTH, MIN_PURPOSE_LENGTH
from statut.domain.errors import DomainValidationError, InvalidIdentifier, NotFound
from statut.domain.identifiers import parse_person_number
from statut.portal import forms
from statut.portal.csrf import CSRF_COOKIE, CSRF_FIELD, MAX_FORM_FIELDS, CheckedForm, CsrfRejected, FormRejected
from statut.portal.csrf import _same_origin as same_origin
from statut.portal.letters.labels import labeller
from statut.portal.rendering import (
    N_,
    add_navigation,
    decorate,
    page_language,
    portal_router,
    render,
    set_home,
    translator,
)
from statut.portal.session import SignedInActor, mac, portal_secret, session_id_of
from statut.services.dossier import read_dossier
from statut.services.findings import (
    acknowledge_finding_for,
    dismiss_finding_for,
    finding_history,
    list_findings_for,
)
from statut.services.fund_desk import MAX_QUERY, find_members
from statut.services.letters import available_letters
from statut.services.mandates import CounterEvidence, MandateTerms, describe, register_at_counter
from statut.services.runtime import Runtime
from statut.store.access_tables import MANDATE_RELATIONSHIPS
from statut.store.quality_findings import FindingFilter

router = portal_router(prefix="/agent")

add_navigation("/agent", N_("Find a member"), Role.FUND_AGENT, order=10)
add_navigation("/agent/findings", N_("Data-quality findings"), Role.FUND_AGENT, order=20)
set_home(Role.FUND_AGENT, "/agent")

SECTIONS = tuple(section.value for section in Section)
FINDING_STATES = ("open", "acknowledged", "corrected", "dismissed")
FINDINGS_PAGE = 50
#: A scanned form: a few pages of PDF or an image, never more than this.
MAX_SCAN_BYTES = 5 * 1024 * 1024
SCAN_TYPES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"II*\x00": "image/tiff",
    b"MM\x00*": "image/tiff",
}
MSG_PURPOSE = N_("State why you open this dossier, in 5 to 200 characters (for example: phone call of the member).")
MSG_QUERY = N_("Enter a national number (11 digits) or at least the first 2 letters of a last name.")
MSG_NATIONAL_NUMBER = N_("This is not a valid national number: 11 digits, for example 85.07.30-033.28.")
MSG_SCAN_MISSING = N_("Add the scan of the signed paper form (PDF, PNG, JPEG or TIFF).")
MSG_SCAN_TYPE = N_("The scan must be a PDF, PNG, JPEG or TIFF file. This file is not one of them.")
MSG_SCAN_SIZE = N_("The scan is too large: at most 5 MB.")
MSG_REFERENCE = N_("Enter the fund's reference of the paper form, at most 200 characters.")
MSG_REASON = N_("Say why the data are right as they are, in 5 to 500 characters.")
COUNTER_FIELD_MESSAGES = {
    "mandatary_number": N_("Check this national number: it must be valid and not the member's own."),
    "mandatary_name": N_("Enter the name of the person, at most 200 characters."),
    "relationship": N_("Choose accountant, family member or other person."),
    "scopes": N_("Choose at least one part of the dossier."),
    "valid_from": N_("Enter a date as YYYY-MM-DD, for example 2027-01-31."),
    "valid_to": N_("The end date must be after the start date."),
    "evidence_reference": MSG_REFERENCE,
    "evidence_sha256": MSG_SCAN_MISSING,
}
NOTICES = {
    "acknowledged": N_("The finding is acknowledged: it stays on the list until the data are corrected."),
    "dismissed": N_("The finding is dismissed with your reason."),
}


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def fund_agent(actor: SignedInActor) -> Actor:
    """These pages are a fund agent's: anyone else is refused before a service is called."""
    if actor.role is not Role.FUND_AGENT or actor.fund_code is None:
        raise AccessDenied("fund_agents_only", "these pages are for the agents of a social insurance fund")
    return actor


FundAgent = Annotated[Actor, Depends(fund_agent)]


def _page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    label = labeller(translator(page_language(request)))
    return render(request, template, status_code=status_code, label=label, **context)


def _number_or_404(raw: str) -> str:
    """A national number from the address; anything else is "page not found" (never a hint)."""
    try:
        return parse_person_number(raw).value
    except DomainValidationError:
        raise NotFound("no such page", code="statut.not_found") from None


# -- find a member ---------------------------------------------------------------------------------------


@router.get("")
def desk(request: Request, _actor: FundAgent) -> Response:
    return _page(request, "agent/search.html", search=None, errors={}, values={})


@router.post("/search")
def search(request: Request, actor: FundAgent, form: CheckedForm) -> Response:
    errors = forms.FieldErrors()
    query = forms.text(form, "q", errors, max_length=MAX_QUERY)
    if errors:
        errors["q"] = errors["q"] if errors["q"] != forms.MSG_REQUIRED else MSG_QUERY
        return _page(request, "agent/search.html", status_code=400, search=None, errors=errors, values={"q": ""})
    try:
        with _runtime(request).unit_of_work() as uow:
            found = find_members(uow, actor, query, request_id=_request_id(request))
            uow.commit()  # the access-log entries of the members listed
    except InvalidIdentifier:
        errors["q"] = MSG_NATIONAL_NUMBER
    except DomainValidationError:
        errors["q"] = MSG_QUERY
    if errors:
        return _page(request, "agent/search.html", status_code=400, search=None, errors=errors, values={"q": query})
    return _page(request, "agent/search.html", search=found, errors={}, values={"q": query})


# -- a member's dossier, for a stated purpose ------------------------------------------------------------------


@router.get("/members/{number}")
def purpose_form(request: Request, _actor: FundAgent, number: str) -> Response:
    """Asks the purpose; shows nothing about the person, so it cannot tell who is a member."""
    compact = _number_or_404(number)
    return _page(request, "agent/purpose.html", number=compact, errors={}, values={})


def _purpose(form: FormData, errors: forms.FieldErrors) -> str:
    purpose = forms.text(form, "purpose", errors, max_length=MAX_PURPOSE_LENGTH)
    if (not errors and len(purpose) < MIN_PURPOSE_LENGTH) or errors.get("purpose") == forms.MSG_REQUIRED:
        errors["purpose"] = MSG_PURPOSE
    return purpose


@router.post("/members/{number}/dossier")
def open_dossier(request: Request, actor: FundAgent, number: str, form: CheckedForm) -> Response:
    compact = _number_or_404(number)
    errors = forms.FieldErrors()
    purpose = _purpose(form, errors)
    if errors:
        values = {"purpose": purpose}
        return _page(request, "agent/purpose.html", status_code=400, number=compact, errors=errors, values=values)
    lang = page_language(request)
    with _runtime(request).unit_of_work() as uow:
        dossier = read_dossier(
            uow, actor, compact, purpose=purpose, lang=lang, request_id=_request_id(request), explain="latest"
        )
        uow.commit()  # the read, with its purpose, is in the member's access log
    return _page(
        request,
        "agent/dossier.html",
        dossier=dossier,
        number=compact,
        purpose=purpose,
        letters=available_letters(dossier),
        languages=("fr", "nl", "de", "en"),
    )


# -- a mandate signed on paper at the counter ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scan:
    sha256: str
    size: int
    media_type: str


async def checked_upload(request: Request) -> FormData:
    """A multipart form with one file (the scan), once its CSRF token is verified.

    The portal's ordinary forms refuse files (statut.portal.csrf); this one form takes a single scan
    of bounded size, with the same token check.
    """
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_SCAN_BYTES + 64 * 1024:
        raise FormRejected("form", f"{length} bytes", f"a scan is at most {MAX_SCAN_BYTES} bytes")
    try:
        form = await request.form(max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=64 * 1024)
    except Exception as error:  # starlette raises HTTPException or MultiPartException on a bad body
        raise FormRejected("form", "body", "the form cannot be read") from error
    sent = form.get(CSRF_FIELD)
    cookie_nonce = request.cookies.get(CSRF_COOKIE, "")
    expected = mac(portal_secret(request), "csrf", f"{cookie_nonce}|{session_id_of(request) or ''}")
    if (
        not isinstance(sent, str)
        or not cookie_nonce
        or not same_origin(request)
        or not hmac.compare_digest(sent.encode(), expected.encode())
    ):
        await form.close()  # the uploaded file is not kept
        raise CsrfRejected("the form's security token is missing or wrong: reload the page and send it again")
    return form


UploadForm = Annotated[FormData, Depends(checked_upload)]


async def read_scan(form: FormData, errors: forms.FieldErrors) -> Scan | None:
    """The scan's SHA-256, after checking its size and its type from its first bytes (not its name)."""
    upload = form.get("scan")
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors["scan"] = MSG_SCAN_MISSING
        return None
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := await upload.read(64 * 1024):
        size += len(chunk)
        if size > MAX_SCAN_BYTES:
            errors["scan"] = MSG_SCAN_SIZE
            return None
        if len(head) < 16:
            head += chunk[: 16 - len(head)]
        digest.update(chunk)
    if size == 0:
        errors["scan"] = MSG_SCAN_MISSING
        return None
    media_type = next((kind for magic, kind in SCAN_TYPES.items() if head.startswith(magic)), None)
    if media_type is None:
        errors["scan"] = MSG_SCAN_TYPE
        return None
    return Scan(digest.hexdigest(), size, media_type)


def _counter_values(form: FormData | None) -> dict[str, Any]:
    if form is None:
        return {"scopes": []}
    keep = ("mandatary_number", "mandatary_name", "relationship", "valid_from", "valid_to", "reference")
    values: dict[str, Any] = {
        name: value[:200] for name in keep if isinstance(value := form.get(name), str) and value.isprintable()
    }
    values["scopes"] = [s for s in form.getlist("scopes") if s in SECTIONS]
    return values


def _counter_page(
    request: Request, number: str, *, errors: dict[str, str], values: dict[str, Any], status_code: int = 200
) -> Response:
    return _page(
        request,
        "agent/mandate.html",
        status_code=status_code,
        number=number,
        errors=errors,
        values=values,
        sections=SECTIONS,
        relationships=MANDATE_RELATIONSHIPS,
    )


@router.get("/members/{number}/mandates/new")
def counter_mandate_form(request: Request, _actor: FundAgent, number: str) -> Response:
    return _counter_page(request, _number_or_404(number), errors={}, values=_counter_values(None))


@router.post("/members/{number}/mandates")
async def register_counter_mandate(request: Request, actor: FundAgent, number: str, form: UploadForm) -> Response:
    try:
        return await _register_counter_mandate(request, actor, number, form)
    finally:
        await form.close()  # the spooled scan is deleted at once, whatever happened


async def _register_counter_mandate(request: Request, actor: Actor, number: str, form: FormData) -> Response:
    compact = _number_or_404(number)
    errors = forms.FieldErrors()
    mandatary = forms.text(form, "mandatary_number", errors, max_length=20)
    name = forms.text(form, "mandatary_name", errors, max_length=200)
    relationship = forms.choice(form, "relationship", MANDATE_RELATIONSHIPS, errors)
    scopes = forms.choices(form, "scopes", SECTIONS, errors)
    valid_from = forms.optional_date(form, "valid_from", errors)
    valid_to = forms.optional_date(form, "valid_to", errors)
    reference = forms.text(form, "reference", errors, max_length=200)
    for field, message in (
        ("reference", MSG_REFERENCE),
        ("scopes", COUNTER_FIELD_MESSAGES["scopes"]),
        ("relationship", COUNTER_FIELD_MESSAGES["relationship"]),
        ("mandatary_number", COUNTER_FIELD_MESSAGES["mandatary_number"]),
        ("mandatary_name", COUNTER_FIELD_MESSAGES["mandatary_name"]),
    ):
        if errors.get(field) == forms.MSG_REQUIRED or (field == "reference" and field in errors):
            errors[field] = message
    scan = await read_scan(form, errors)
    values = _counter_values(form)
    if errors or scan is None:
        return _counter_page(request, compact, errors=errors, values=values, status_code=400)
    terms = MandateTerms(mandatary, name, relationship, frozenset(Section(s) for s in scopes), valid_from, valid_to)
    try:
        with _runtime(request).unit_of_work() as uow:
            record = register_at_counter(
                uow,
                actor,
                actor.fund_code or "",
                person_number=compact,
                terms=terms,
                evidence=CounterEvidence(scan.sha256, reference),
            )
            view = describe(uow, record)
            uow.commit()
    except DomainValidationError as error:
        field = {"evidence_reference": "reference", "evidence_sha256": "scan"}.get(error.field, error.field)
        known = field if field in {*COUNTER_FIELD_MESSAGES, "reference", "scan"} else "mandatary_number"
        errors[known] = COUNTER_FIELD_MESSAGES.get(error.field, COUNTER_FIELD_MESSAGES["mandatary_number"])
        return _counter_page(request, compact, errors=errors, values=values, status_code=400)
    return _page(request, "agent/mandate_done.html", number=compact, mandate=view, scan=scan)


# -- the fund's data-quality findings -------------------------------------------------------------------------


def _finding_filter(state: str | None, rule: str | None, record_type: str | None) -> FindingFilter:
    return FindingFilter(
        state=state if state in FINDING_STATES else None,
        rule_id=rule.strip()[:20] if rule and rule.strip() and rule.strip().isprintable() else None,
        record_type=record_type.strip()[:20]
        if record_type and record_type.strip() and record_type.strip().isprintable()
        else None,
    )


@router.get("/findings")
def findings(
    request: Request,
    actor: FundAgent,
    *,
    state: Annotated[str | None, Query(max_length=20)] = "open",
    rule: Annotated[str | None, Query(max_length=20)] = None,
    record_type: Annotated[str | None, Query(max_length=20)] = None,
    after: Annotated[int, Query(ge=0)] = 0,
    done: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    where = _finding_filter(state, rule, record_type)
    with _runtime(request).unit_of_work(read_only=True) as uow:
        rows = list_findings_for(uow, actor, actor.fund_code or "", after=after, limit=FINDINGS_PAGE + 1, where=where)
    page = rows[:FINDINGS_PAGE]
    following = page[-1].finding_id if len(rows) > FINDINGS_PAGE else None
    notice = translator(page_language(request))(NOTICES[done]) if done in NOTICES else None
    return _page(
        request,
        "agent/findings.html",
        findings=page,
        following=following,
        where=where,
        states=FINDING_STATES,
        notice=notice,
        errors={},
    )


def _finding_id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise NotFound("no such finding", code="statut.not_found.finding")
    return int(raw)


@router.post("/findings/{finding_id}/acknowledge")
def acknowledge(request: Request, actor: FundAgent, finding_id: str, _form: CheckedForm) -> Response:
    identifier = _finding_id(finding_id)
    with _runtime(request).unit_of_work() as uow:
        acknowledge_finding_for(uow, actor, actor.fund_code or "", identifier)
        uow.commit()
    return _redirect(request, "/agent/findings?done=acknowledged")


@router.post("/findings/{finding_id}/dismiss")
def dismiss(request: Request, actor: FundAgent, finding_id: str, form: CheckedForm) -> Response:
    identifier = _finding_id(finding_id)
    errors = forms.FieldErrors()
    reason = forms.text(form, "reason", errors, max_length=500)
    if errors or len(reason) < MIN_PURPOSE_LENGTH:
        return _findings_with_error(request, actor, identifier)
    try:
        with _runtime(request).unit_of_work() as uow:
            dismiss_finding_for(uow, actor, actor.fund_code or "", identifier, reason)
            uow.commit()
    except DomainValidationError:
        return _findings_with_error(request, actor, identifier)
    return _redirect(request, "/agent/findings?done=dismissed")


def _redirect(request: Request, location: str) -> Response:
    response = RedirectResponse(location, status_code=303)
    decorate(response, request)
    return response


def _findings_with_error(request: Request, actor: Actor, identifier: int) -> Response:
    """The finding the agent tried to dismiss, first, with the message next to its reason field."""
    where = FindingFilter()
    with _runtime(request).unit_of_work(read_only=True) as uow:
        rows = list_findings_for(uow, actor, actor.fund_code or "", limit=FINDINGS_PAGE, where=where)
        finding, _history = finding_history(uow, actor.fund_code or "", identifier)
    rows = [finding, *(row for row in rows if row.finding_id != identifier)]
    return _page(
        request,
        "agent/findings.html",
        status_code=400,
        findings=rows,
        following=None,
        where=where,
        states=FINDING_STATES,
        notice=None,
        errors={f"{identifier}:reason": MSG_REASON},
    )


def install(app: FastAPI) -> None:
    """The fund agent's pages, the institution's dashboard and the letters, in the application."""
    from statut.portal import institution_pages
    from statut.portal.letters import pages as letter_pages

    for module_router in (router, institution_pages.router, letter_pages.router):
        app.include_router(module_router)
