"""The self-employed person's pages, and the same pages for a mandatary acting for them.

``/me/...`` shows the signed-in person's own data; ``/represent/{mandate_id}/...`` shows the data of
the person who gave the caller that mandate. Both read through the services the API uses
(services/dossier.py, mandates.py, access_log.py, self_service.py), so the access policy decides in
one place: a mandatary sees the sections of the mandates in force, nothing once a mandate is revoked
or expired, and a person who changes an id in the address gets "page not found", exactly like an
unknown page. Every read is in the person's access log; every change is in the ledger.

Pages: my situation (affiliation, capacity, my fund as first point of contact), my contributions
(each quarter, the regularisation of each year with the legislation engine's explanation), my career
(quarters for the pension, early-pension outlook), my rights (detected rights, what to do, and the
decisions and proposals, with the answer to a maternity-aid proposal), my data and who consulted it,
my mandates (grant, limit, revoke), and the people I represent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Role, Section
from statut.domain.errors import DomainValidationError, InvalidIdentifier
from statut.domain.identifiers import parse_person_number
from statut.portal import forms
from statut.portal.csrf import CheckedForm
from statut.portal.rendering import N_, add_navigation, decorate, page_language, portal_router, render
from statut.portal.session import SignedInActor, WritingActor
from statut.services.access_log import my_access_log
from statut.services.dossier import Dossier, read_dossier
from statut.services.mandates import (
    MandateChange,
    MandateTerms,
    MandateView,
    change_mandate,
    describe,
    grant_mandate,
    mandates_given,
    revoke_mandate,
)
from statut.services.runtime import Runtime
from statut.services.self_service import (
    answer_maternity_proposal,
    decisions_about,
    fund_contacts,
    mandate_for_mandatary,
    registered,
    represented_people,
)
from statut.store.unit_of_work import UnitOfWork

router = portal_router()

add_navigation("/me", N_("My situation"), Role.CITIZEN, order=10)
add_navigation("/me/contributions", N_("My contributions"), Role.CITIZEN, order=20)
add_navigation("/me/career", N_("My career"), Role.CITIZEN, order=30)
add_navigation("/me/rights", N_("My rights"), Role.CITIZEN, order=40)
add_navigation("/me/data", N_("My data and who consulted it"), Role.CITIZEN, order=50)
add_navigation("/me/mandates", N_("My mandates"), Role.CITIZEN, order=60)
add_navigation("/me/represented", N_("People I represent"), Role.CITIZEN, order=70)

ACCESS_LOG_PAGE = 50
MANDATES_SHOWN = 200
MAX_NAME = 200
RELATIONSHIPS = ("accountant", "family", "other")
SECTIONS = tuple(section.value for section in Section)
#: Messages for what the mandate service refuses, by the field it names.
MANDATE_FIELD_MESSAGES = {
    "mandatary_number": N_("Check this national number: it must be valid and cannot be your own."),
    "mandatary_name": N_("Enter the name of the person, at most 200 characters."),
    "relationship": N_("Choose accountant, family member or other person."),
    "scopes": N_("Choose at least one part of your dossier."),
    "valid_from": N_("Enter a date as YYYY-MM-DD, for example 2027-01-31."),
    "valid_to": N_("The end date must be after the start date."),
}
MSG_NATIONAL_NUMBER = N_("This is not a valid national number: 11 digits, for example 85.07.30-033.28.")
NOTICES = {
    "granted": N_("The mandate was given. The person can now see the parts of your dossier you chose."),
    "revoked": N_("The mandate was revoked. The person can no longer see your dossier."),
    "changed": N_("The mandate was changed."),
    "confirmed": N_("Your answer was recorded. Your fund will contact you if anything is missing."),
    "declined": N_("You declined the proposal. Nothing more will happen."),
}


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose pages these are: the signed-in person, or someone they represent under a mandate."""

    number: str
    base: str
    mandate: MandateView | None = None


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _own(actor: Actor) -> Callable[[UnitOfWork], Subject]:
    def resolve(_uow: UnitOfWork) -> Subject:
        if actor.role is not Role.CITIZEN or actor.national_number is None:
            raise AccessDenied("citizens_only", "these pages are for a person's own data")
        return Subject(actor.national_number, "/me")

    return resolve


def _represented(actor: Actor, mandate_id: str) -> Callable[[UnitOfWork], Subject]:
    def resolve(uow: UnitOfWork) -> Subject:
        view = mandate_for_mandatary(uow, actor, mandate_id)
        assert view.person_number is not None
        return Subject(view.person_number, f"/represent/{view.mandate_id}", view)

    return resolve


def _notice(done: str | None) -> str | None:
    return NOTICES.get(done or "")


def _dossier_page(
    request: Request,
    actor: Actor,
    resolve: Callable[[UnitOfWork], Subject],
    template: str,
    *,
    explain: str = "latest",
    extra: Callable[[UnitOfWork, Subject, Dossier], dict[str, Any]] | None = None,
    **context: Any,
) -> Response:
    lang = page_language(request)
    with _runtime(request).unit_of_work() as uow:
        subject = resolve(uow)
        if subject.mandate is None and not registered(uow, actor):
            return render(request, "me/not_registered.html")
        dossier = read_dossier(
            uow,
            actor,
            subject.number,
            lang=lang,
            request_id=_request_id(request),
            explain=explain,  # type: ignore[arg-type]
        )
        more = extra(uow, subject, dossier) if extra else {}
        uow.commit()  # the access-log entry of this read
    return render(request, template, dossier=dossier, subject=subject, acting_for=subject.mandate, **more, **context)


# -- my situation ------------------------------------------------------------------------------------------


def _situation_extra(uow: UnitOfWork, _subject: Subject, dossier: Dossier) -> dict[str, Any]:
    affiliations = dossier.affiliations or []
    current = [a for a in affiliations if a.current]
    codes = [a.fund_code for a in current] or [a.fund_code for a in affiliations[-1:]]
    return {"current": current, "funds": fund_contacts(uow, codes), "contact_codes": codes}


@router.get("/me")
def my_situation(request: Request, actor: SignedInActor, done: str | None = Query(None, max_length=20)) -> Response:
    return _dossier_page(request, actor, _own(actor), "me/situation.html", extra=_situation_extra, notice=_notice(done))


@router.get("/represent/{mandate_id}")
def their_situation(request: Request, actor: SignedInActor, mandate_id: str) -> Response:
    return _dossier_page(request, actor, _represented(actor, mandate_id), "me/situation.html", extra=_situation_extra)


# -- my contributions ------------------------------------------------------------------------------------------


def _contributions_extra(_uow: UnitOfWork, _subject: Subject, dossier: Dossier) -> dict[str, Any]:
    account = dossier.contribution_account
    if account is None:
        return {"years": []}
    regularisations = {r.year: r for r in account.regularisations}
    years = [
        {"year": year, "quarters": list(quarters), "regularisation": regularisations.get(year)}
        for year, quarters in groupby(
            sorted(account.quarters, key=lambda q: q.quarter, reverse=True), key=lambda q: int(q.quarter[:4])
        )
    ]
    return {"years": years}


@router.get("/me/contributions")
def my_contributions(request: Request, actor: SignedInActor) -> Response:
    return _dossier_page(
        request, actor, _own(actor), "me/contributions.html", explain="all", extra=_contributions_extra
    )


@router.get("/represent/{mandate_id}/contributions")
def their_contributions(request: Request, actor: SignedInActor, mandate_id: str) -> Response:
    return _dossier_page(
        request,
        actor,
        _represented(actor, mandate_id),
        "me/contributions.html",
        explain="all",
        extra=_contributions_extra,
    )


# -- my career ------------------------------------------------------------------------------------------------


def _career_extra(_uow: UnitOfWork, _subject: Subject, dossier: Dossier) -> dict[str, Any]:
    career = dossier.career
    years: list[dict[str, Any]] = []
    if career is not None:
        for year, quarters in groupby(
            sorted(career.quarters, key=lambda q: q.quarter, reverse=True), key=lambda q: int(q.quarter[:4])
        ):
            listed = sorted(quarters, key=lambda q: q.quarter)
            years.append({"year": year, "quarters": listed, "counted": sum(1 for q in listed if q.counts_for_pension)})
    pension = next((r for r in dossier.rights or [] if r.right == "pension"), None)
    return {"career_years": years, "pension": pension}


@router.get("/me/career")
def my_career(request: Request, actor: SignedInActor) -> Response:
    return _dossier_page(request, actor, _own(actor), "me/career.html", explain="none", extra=_career_extra)


@router.get("/represent/{mandate_id}/career")
def their_career(request: Request, actor: SignedInActor, mandate_id: str) -> Response:
    return _dossier_page(
        request, actor, _represented(actor, mandate_id), "me/career.html", explain="none", extra=_career_extra
    )


# -- my rights ------------------------------------------------------------------------------------------------


def _rights_extra_for(
    actor: Actor, lang: str, request_id: str | None
) -> Callable[[UnitOfWork, Subject, Dossier], dict[str, Any]]:
    def extra(uow: UnitOfWork, subject: Subject, _dossier: Dossier) -> dict[str, Any]:
        return {"decisions": decisions_about(uow, actor, subject.number, lang=lang, request_id=request_id)}

    return extra


@router.get("/me/rights")
def my_rights(request: Request, actor: SignedInActor, done: str | None = Query(None, max_length=20)) -> Response:
    extra = _rights_extra_for(actor, page_language(request), _request_id(request))
    return _dossier_page(
        request, actor, _own(actor), "me/rights.html", explain="none", extra=extra, notice=_notice(done)
    )


@router.get("/represent/{mandate_id}/rights")
def their_rights(request: Request, actor: SignedInActor, mandate_id: str) -> Response:
    extra = _rights_extra_for(actor, page_language(request), _request_id(request))
    return _dossier_page(request, actor, _represented(actor, mandate_id), "me/rights.html", explain="none", extra=extra)


@router.post("/me/rights/{decision_id}/answer")
def answer_proposal(request: Request, actor: WritingActor, decision_id: int, form: CheckedForm) -> Response:
    answer = form.get("answer")
    if answer not in ("confirm", "decline"):
        raise DomainValidationError("answer", str(answer)[:20], "confirm or decline")
    with _runtime(request).unit_of_work() as uow:
        answer_maternity_proposal(uow, actor, decision_id, wants_vouchers=answer == "confirm")
        uow.commit()
    done = "confirmed" if answer == "confirm" else "declined"
    response = RedirectResponse(f"/me/rights?done={done}", status_code=303)
    decorate(response, request)
    return response


# -- my data and who consulted it ---------------------------------------------------------------------------


@router.get("/me/data")
def my_data(request: Request, actor: SignedInActor, before: int | None = Query(None, ge=1, lt=2**62)) -> Response:
    lang = page_language(request)
    with _runtime(request).unit_of_work() as uow:
        subject = _own(actor)(uow)
        if not registered(uow, actor):
            return render(request, "me/not_registered.html")
        records = my_access_log(uow, actor, before_seq=before, limit=ACCESS_LOG_PAGE + 1)
        dossier = read_dossier(uow, actor, subject.number, lang=lang, request_id=_request_id(request), explain="none")
        uow.commit()
    shown = records[:ACCESS_LOG_PAGE]
    following = shown[-1].seq if len(records) > ACCESS_LOG_PAGE else None
    return render(request, "me/data.html", dossier=dossier, subject=subject, records=shown, following=following)


# -- my mandates --------------------------------------------------------------------------------------------


def _mandates_page(
    request: Request,
    actor: Actor,
    *,
    errors: forms.FieldErrors | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
    notice: str | None = None,
) -> Response:
    with _runtime(request).unit_of_work(read_only=True) as uow:
        _own(actor)(uow)
        if not registered(uow, actor):
            return render(request, "me/not_registered.html")
        records = mandates_given(uow, actor, after=None, limit=MANDATES_SHOWN)
        mandates = [describe(uow, record) for record in records]
    return render(
        request,
        "me/mandates.html",
        mandates=mandates,
        errors=errors or {},
        values=values or {"relationship": "accountant", "scopes": ["identity", "contributions"]},
        relationships=RELATIONSHIPS,
        sections=SECTIONS,
        status_code=status_code,
        notice=notice,
    )


@router.get("/me/mandates")
def my_mandates(request: Request, actor: SignedInActor, done: str | None = Query(None, max_length=20)) -> Response:
    return _mandates_page(request, actor, notice=_notice(done))


@router.post("/me/mandates")
def give_mandate(request: Request, actor: WritingActor, form: CheckedForm) -> Response:
    errors = forms.FieldErrors()
    number_text = forms.text(form, "mandatary_number", errors, max_length=20)
    name = forms.text(form, "mandatary_name", errors, max_length=MAX_NAME)
    relationship = forms.choice(form, "relationship", RELATIONSHIPS, errors)
    scopes = forms.choices(form, "scopes", SECTIONS, errors)
    valid_from = forms.optional_date(form, "valid_from", errors)
    valid_to = forms.optional_date(form, "valid_to", errors)
    number = ""
    if number_text and "mandatary_number" not in errors:
        try:
            number = parse_person_number(number_text, field="mandatary_number").value
        except InvalidIdentifier:
            errors["mandatary_number"] = MSG_NATIONAL_NUMBER
    values = {
        "mandatary_number": number_text,
        "mandatary_name": name,
        "relationship": relationship,
        "scopes": scopes,
        "valid_from": valid_from.isoformat() if valid_from else "",
        "valid_to": valid_to.isoformat() if valid_to else "",
    }
    if not errors:
        terms = MandateTerms(number, name, relationship, frozenset(Section(s) for s in scopes), valid_from, valid_to)
        try:
            with _runtime(request).unit_of_work() as uow:
                grant_mandate(uow, actor, terms)
                uow.commit()
        except DomainValidationError as error:
            errors.from_service(error, MANDATE_FIELD_MESSAGES, "mandatary_number")
    if errors:
        return _mandates_page(request, actor, errors=errors, values=values, status_code=400)
    response = RedirectResponse("/me/mandates?done=granted", status_code=303)
    decorate(response, request)
    return response


def _version(form: Any) -> int:
    raw = form.get("version")
    if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
        raise DomainValidationError("version", str(raw)[:20], "the version of the mandate you read")
    return int(raw)


@router.post("/me/mandates/{mandate_id}/revoke")
def withdraw_mandate(request: Request, actor: WritingActor, mandate_id: str, form: CheckedForm) -> Response:
    version = _version(form)
    with _runtime(request).unit_of_work() as uow:
        revoke_mandate(uow, actor, mandate_id[:64], version)
        uow.commit()
    response = RedirectResponse("/me/mandates?done=revoked", status_code=303)
    decorate(response, request)
    return response


@router.post("/me/mandates/{mandate_id}/change")
def limit_mandate(request: Request, actor: WritingActor, mandate_id: str, form: CheckedForm) -> Response:
    version = _version(form)
    errors = forms.FieldErrors()
    scopes = forms.choices(form, "scopes", SECTIONS, errors)
    valid_to = forms.optional_date(form, "valid_to", errors)
    if not errors:
        change = MandateChange(
            scopes=frozenset(Section(s) for s in scopes), valid_to=valid_to, clear_valid_to=valid_to is None
        )
        try:
            with _runtime(request).unit_of_work() as uow:
                change_mandate(uow, actor, mandate_id[:64], version, change)
                uow.commit()
        except DomainValidationError as error:
            errors.from_service(error, MANDATE_FIELD_MESSAGES, "scopes")
    if errors:
        prefixed = forms.FieldErrors({f"{mandate_id}:{k}": v for k, v in errors.items()})
        return _mandates_page(request, actor, errors=prefixed, status_code=400)
    response = RedirectResponse("/me/mandates?done=changed", status_code=303)
    decorate(response, request)
    return response


# -- people I represent -----------------------------------------------------------------------------------


@router.get("/me/represented")
def people_i_represent(request: Request, actor: SignedInActor) -> Response:
    with _runtime(request).unit_of_work(read_only=True) as uow:
        mandates = represented_people(uow, actor)
    return render(request, "me/represented.html", mandates=mandates)
