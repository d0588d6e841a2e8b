"""Printing a letter: ``POST /letters`` gives the PDF (or the printable HTML) of one letter about one
person, in that person's language unless another is chosen.

A form, not a link: printing a letter reads personal data and is logged with its purpose, so it is
a POST with the CSRF token (no other site can make an agent's browser print, and so log, a letter).
Who may print which letter is the letters service's and the policy's to decide (an agent for their
fund's current members, an institution agent with a purpose, the person themselves).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from statut.domain.errors import DomainValidationError
from statut.portal import forms
from statut.portal.csrf import CheckedForm
from statut.portal.letters.pdf import letter_pdf
from statut.portal.letters.render import letter_html
from statut.portal.rendering import decorate, portal_router
from statut.portal.session import SignedInActor
from statut.services.letters import LetterKind, LetterRequest, prepare_letter
from statut.services.runtime import Runtime

router = portal_router()

FORMATS = ("pdf", "html")
LANGUAGES = ("fr", "nl", "de", "en")


def _invalid(field: str, value: str, reason: str) -> DomainValidationError:
    return DomainValidationError(field, value[:40], reason)


@router.post("/letters")
def print_letter(request: Request, actor: SignedInActor, form: CheckedForm) -> Response:
    errors = forms.FieldErrors()
    number = forms.text(form, "number", errors, max_length=20)
    letter = forms.text(form, "letter", errors, max_length=40)  # "<kind>:<subject>", e.g. contribution:2024Q1
    purpose = forms.text(form, "purpose", errors, max_length=200, required=False)
    lang = forms.text(form, "lang", errors, max_length=2, required=False)
    output = forms.text(form, "format", errors, max_length=4, required=False) or "pdf"
    if errors:
        field = next(iter(errors))
        raise _invalid(field, "", "missing or not allowed")
    kind, _, subject = letter.partition(":")
    if kind not in {k.value for k in LetterKind}:
        raise _invalid("letter", letter, "unknown letter")
    if output not in FORMATS:
        raise _invalid("format", output, "pdf or html")
    if lang and lang not in LANGUAGES:
        raise _invalid("lang", lang, "fr, nl, de or en")
    runtime: Runtime = request.app.state.runtime
    with runtime.unit_of_work() as uow:
        prepared = prepare_letter(
            uow,
            actor,
            LetterRequest(
                national_number=number,
                kind=kind,
                subject=subject,
                lang=lang or None,
                purpose=purpose or None,
                request_id=getattr(request.state, "request_id", None),
            ),
        )
        uow.commit()  # the printing is in the person's access log
    filename = f"{prepared.reference.replace('/', '-')}.{output}"
    if output == "html":
        response: Response = HTMLResponse(letter_html(prepared))
    else:
        response = Response(letter_pdf(prepared), media_type="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    decorate(response, request)
    response.headers["Content-Language"] = prepared.language
    response.headers["Cache-Control"] = "no-store"
    return response
