"""Letters: the four letters in the four languages, as HTML and as PDF, from the same templates,
their content read back from the PDF; the policy and the access log; hostile names."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Role
from statut.access.policy import LegalBasis, allow
from statut.domain.calendar import Quarter
from statut.domain.entities import Language
from statut.domain.errors import DomainValidationError, NotFound
from statut.portal.i18n import format_amount, format_date
from statut.portal.letters.pdf import letter_pdf
from statut.portal.letters.render import letter_html
from statut.portal.rendering import translator
from statut.services.access_log import record_read
from statut.services.letters import (
    ACCESS_LOG_LIMIT,
    Letter,
    LetterKind,
    LetterRequest,
    available_letters,
    prepare_letter,
    structured_communication,
)
from statut.store.decisions import Decision
from statut.store.mandates import MandateRecord
from statut.store.unit_of_work import UnitOfWork
from tests.portal.letters_world import AGENT_F1, AGENT_F2, ANALYST, INSTITUTION, LetterWorld, build_world

LANGS = ("fr", "nl", "de", "en")
PURPOSE = "the member asked for a paper copy"
KINDS = {
    "contribution": ("contribution", "2023Q4"),
    "regularisation": ("regularisation", "2023"),
    "right": ("right", "maternity"),
    "access-log": ("access-log", ""),
}
#: The subject line of each letter, by language (written out: the test does not trust the catalogue).
SUBJECTS = {
    "contribution": {
        "fr": "Vos cotisations sociales pour le trimestre 2023Q4",
        "nl": "Uw sociale bijdragen voor kwartaal 2023Q4",
        "de": "Ihre Sozialbeiträge für das Quartal 2023Q4",
        "en": "Your social contributions for quarter 2023Q4",
    },
    "regularisation": {
        "fr": "Régularisation de vos cotisations pour 2023",
        "nl": "Regularisatie van uw bijdragen voor 2023",
        "de": "Regularisierung Ihrer Beiträge für 2023",
        "en": "Regularisation of your contributions for 2023",
    },
    "right": {
        "fr": "Un droit pour vous",
        "nl": "Een recht voor u",
        "de": "Ein Anspruch für Sie",
        "en": "A right for you",
    },
    "access-log": {
        "fr": "Qui a consulté vos données",
        "nl": "Wie uw gegevens raadpleegde",
        "de": "Wer Ihre Daten eingesehen hat",
        "en": "Who consulted your data",
    },
}
CLOSING = {"fr": "Des questions ?", "nl": "Vragen?", "de": "Fragen?", "en": "Questions?"}


def plain(text: str) -> str:
    """Whitespace made plain (line breaks of the PDF, no-break spaces of the amounts)."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return plain(" ".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture
def world(uow: UnitOfWork) -> LetterWorld:
    return build_world(uow)


def letter(uow: UnitOfWork, world: LetterWorld, kind: str, lang: str | None = None, actor: Actor = AGENT_F1) -> Letter:
    name, subject = KINDS[kind]
    request = LetterRequest(world.member.number.value, name, subject, lang=lang, purpose=PURPOSE)
    return prepare_letter(uow, actor, request)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_letter_in_each_language(uow: UnitOfWork, world: LetterWorld, kind: str, lang: str) -> None:
    prepared = letter(uow, world, kind, lang)
    data = letter_pdf(prepared)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    html = letter_html(prepared)
    assert f'<html lang="{lang}">' in html
    assert SUBJECTS[kind][lang] in text
    assert SUBJECTS[kind][lang] in plain(html)
    assert CLOSING[lang] in text
    # The sender's letterhead (reference data) and the recipient.
    assert "Arden Social Fund" in text
    assert "contact@arden.fund.invalid" in text
    assert "Peeters" in text
    assert world.member.number.formatted in text
    assert plain(format_date(prepared.issued_on, lang, fmt="long")) in text
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.metadata is not None
    assert "Arden Social Fund" in str(reader.metadata.title)


@pytest.mark.parametrize("lang", LANGS)
def test_contribution_notice_says_amount_computation_and_payment(
    uow: UnitOfWork, world: LetterWorld, lang: str
) -> None:
    prepared = letter(uow, world, "contribution", lang)
    notice = prepared.contribution
    assert notice is not None
    assert notice.quarter == "2023Q4"
    assert notice.due == Decimal("1781.51")
    assert notice.balance == Decimal("1281.51")
    assert notice.pay_by == Quarter(2023, 4).last_day
    assert notice.income_year == 2020
    assert notice.income_basis == Decimal("30000.00")
    text = pdf_text(letter_pdf(prepared))
    for amount in (Decimal("1781.51"), Decimal("500.00"), Decimal("1281.51"), Decimal("30000.00")):
        assert plain(format_amount(amount, lang)) in text, amount
    assert "BE10 9901 0100 0004" in text
    assert notice.structured_communication in text
    # The legislation engine's explanation, in the letter's language: the provisional computation of 2023.
    assert notice.explanation
    assert plain(notice.explanation[0]) in text
    heading = {"fr": "Calcul", "nl": "Berekening", "de": "Berechnung", "en": "Computation"}[lang]
    assert heading in text


def test_regularisation_notice_compares_provisional_and_final(uow: UnitOfWork, world: LetterWorld) -> None:
    prepared = letter(uow, world, "regularisation", "nl")
    notice = prepared.regularisation
    assert notice is not None
    assert notice.year == 2023
    assert notice.definitive_income == Decimal("42000.00")
    assert notice.provisional_income == Decimal("30000.00")
    assert notice.provisional_paid == Decimal("5844.53")
    assert notice.final_total is not None
    assert notice.amount is not None
    # The final contribution on 42,000 (20.5 %) is 8,610 a year; 5,844.53 was paid: a supplement.
    assert notice.final_total == Decimal("8610.00")
    assert notice.amount == notice.final_total - notice.provisional_paid
    assert notice.kind == "supplement"
    text = pdf_text(letter_pdf(prepared))
    assert plain(format_amount(notice.amount, "nl")) in text
    assert "U moet nog" in text
    assert plain(format_amount(Decimal("42000.00"), "nl")) in text


def test_right_letter_explains_and_says_what_to_do(uow: UnitOfWork, world: LetterWorld) -> None:
    prepared = letter(uow, world, "right", "de")
    notice = prepared.right
    assert notice is not None
    assert notice.right == "maternity"
    assert notice.outcome == "missing_data"
    assert notice.explanation  # the legislation engine's reasons, in German
    text = pdf_text(letter_pdf(prepared))
    for line in notice.explanation:
        assert plain(line) in text
    assert "105 kostenlosen Dienstleistungsschecks" in text
    pension = letter_for(uow, world, "right", "pension", "en")
    assert pension.right is not None
    assert pension.right.right == "pension"
    assert "examined automatically" in pdf_text(letter_pdf(pension))


def test_right_letter_shows_the_decision_taken(uow: UnitOfWork, world: LetterWorld) -> None:
    change = uow.record_change(actor="tests", reason="a proposal of maternity aid")
    uow.decisions.make(
        Decision(
            kind="maternity_aid",
            person_id=world.member_id,
            status="proposed",
            outcome="missing_data",
            source_event_id="evt-birth-1",
            explanation={"fr": ["proposition faite par votre caisse"], "en": ["proposal made by your fund"]},
            fund_code="F101",
        ),
        change,
    )
    prepared = letter_for(uow, world, "right", "maternity", "fr")
    assert prepared.right is not None
    assert [(d.kind, d.status) for d in prepared.right.decisions] == [("maternity_aid", "proposed")]
    text = pdf_text(letter_pdf(prepared))
    assert "Décisions prises" in text
    assert "proposition faite par votre caisse" in text
    german = letter_for(uow, world, "right", "maternity", "de")  # no German text stored: the English one
    assert german.right is not None
    assert german.right.decisions[0].explanation == ["proposal made by your fund"]


def letter_for(uow: UnitOfWork, world: LetterWorld, kind: str, subject: str, lang: str) -> Letter:
    return prepare_letter(uow, AGENT_F1, LetterRequest(world.member.number.value, kind, subject, lang=lang))


def test_access_log_extract_lists_reads_with_purpose_and_basis(uow: UnitOfWork, world: LetterWorld) -> None:
    letter(uow, world, "contribution", "fr")
    prepared = letter(uow, world, "access-log", "fr")
    extract = prepared.access_log
    assert extract is not None
    whats = [entry.what for entry in extract.entries]
    # Newest first, and this very printing is its first line.
    assert whats[:2] == ["letter.access-log", "letter.contribution"]
    assert all(entry.purpose == PURPOSE for entry in extract.entries[:2])
    text = pdf_text(letter_pdf(prepared))
    assert "les missions légales de votre caisse" in text
    assert "un agent d'une caisse" in text or "agent" in text
    assert "(F101)" in text


def test_a_long_access_log_spans_pages_and_says_it_is_cut(uow: UnitOfWork, world: LetterWorld) -> None:
    reader = Actor("agent-9", Role.FUND_AGENT, fund_code="F101")
    decision = allow("fund_current_member", LegalBasis.FUND_TASK)
    for number in range(ACCESS_LOG_LIMIT + 5):
        record_read(uow, reader, world.member_id, ["identity"], decision, what="dossier", purpose=f"call {number}")
    prepared = letter(uow, world, "access-log", "en")
    assert prepared.access_log is not None
    assert len(prepared.access_log.entries) == ACCESS_LOG_LIMIT
    assert prepared.access_log.entries[0].what == "letter.access-log"
    data = letter_pdf(prepared)
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    assert len(pages) > 1
    text = pdf_text(data)
    assert f"Only the {ACCESS_LOG_LIMIT} most recent consultations are listed." in text
    assert f"Page {len(pages)} of {len(pages)}" in text


def test_every_letter_is_logged_like_a_read(uow: UnitOfWork, world: LetterWorld) -> None:
    for kind in KINDS:
        letter(uow, world, kind)
    entries = uow.access_log.for_person(world.member_id, limit=20)
    logged = [(e.details["what"], e.purpose, e.details["role"], e.details["fund"]) for e in entries]
    for kind in KINDS:
        assert (f"letter.{kind}", PURPOSE, "fund_agent", "F101") in logged
    assert all(e.details["legal_basis"] for e in entries)


def test_letter_in_the_persons_own_language_by_default(uow: UnitOfWork) -> None:
    world = build_world(uow, language=Language.NL)
    prepared = prepare_letter(uow, AGENT_F1, LetterRequest(world.member.number.value, "contribution"))
    assert prepared.language == "nl"
    assert "Uw sociale bijdragen" in pdf_text(letter_pdf(prepared))


def test_other_fund_cannot_print_and_learns_nothing(uow: UnitOfWork, world: LetterWorld) -> None:
    unknown = "85073003328"  # valid, in nobody's dossier here
    with pytest.raises(NotFound) as other_fund:
        letter(uow, world, "contribution", actor=AGENT_F2)
    with pytest.raises(NotFound) as nobody:
        prepare_letter(uow, AGENT_F2, LetterRequest(unknown, "contribution"))
    assert str(other_fund.value) == str(nobody.value)
    assert other_fund.value.code == nobody.value.code
    assert uow.access_log.for_person(world.member_id, limit=5) == []


def test_other_roles(uow: UnitOfWork, world: LetterWorld) -> None:
    with pytest.raises(AccessDenied):
        letter(uow, world, "contribution", actor=ANALYST)
    with pytest.raises(AccessDenied):  # an institution agent must state a purpose
        prepare_letter(uow, INSTITUTION, LetterRequest(world.member.number.value, "contribution"))
    done = letter(uow, world, "contribution", actor=INSTITUTION)
    assert done.sender.fund_code == "F101"  # the member's fund writes, not the institution
    own = Actor("me", Role.CITIZEN, national_number=world.member.number.value)
    assert letter(uow, world, "access-log", actor=own).access_log is not None


def test_a_mandate_opens_only_its_sections_and_never_the_access_log(uow: UnitOfWork, world: LetterWorld) -> None:
    accountant_number = "85073003328"
    change = uow.record_change(actor="tests", reason="mandate")
    uow.mandates.add(
        MandateRecord(
            mandate_id="",
            version_id=0,
            person_id=world.member_id,
            mandatary_number=accountant_number,
            mandatary_name="Acme",
            relationship="accountant",
            scopes=("affiliations", "contributions", "identity"),
            valid_from=date(2020, 1, 1),
            valid_to=None,
            status="active",
            channel="online",
            registered_by="tests",
        ),
        change,
    )
    accountant = Actor("acc", Role.CITIZEN, national_number=accountant_number)
    assert letter(uow, world, "contribution", actor=accountant).contribution is not None
    with pytest.raises(AccessDenied):
        letter(uow, world, "right", actor=accountant)
    with pytest.raises(AccessDenied):
        letter(uow, world, "access-log", actor=accountant)


def test_bad_requests_change_nothing(
    uow: UnitOfWork, uow_factory: Callable[..., UnitOfWork], world: LetterWorld
) -> None:
    number = world.member.number.value
    bad = [
        (LetterRequest(number, "contribution", "2019Q1"), NotFound),
        (LetterRequest(number, "contribution", "2019-Q9"), DomainValidationError),
        (LetterRequest(number, "regularisation", "20x3"), DomainValidationError),
        (LetterRequest(number, "right", "lottery"), NotFound),
        (LetterRequest(number, "love-letter"), DomainValidationError),
        (LetterRequest(number, "contribution", lang="es"), DomainValidationError),
        (LetterRequest("12345", "contribution"), DomainValidationError),
    ]
    for request, error in bad:
        # As at an entry point: the unit of work is not committed when the service raises.
        with pytest.raises(error), uow_factory() as unit:
            prepare_letter(unit, AGENT_F1, request)
    assert uow.access_log.for_person(world.member_id, limit=5) == []


HOSTILE = [
    "<script>alert('x')</script>",
    "Wolfeschlegelsteinhausenbergerdorff" * 5 + "x" * 25,  # 200 characters, the most the register takes, in one word
    "עברית مرحبا 😀🎉 ’ß",
    'Robert"); DROP TABLE person;--',
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_do_not_break_letters(uow: UnitOfWork, name: str) -> None:
    world = build_world(uow, last_name=name, first_name=name[:40])
    for kind in KINDS:
        prepared = letter(uow, world, kind, "fr")
        html = letter_html(prepared)
        assert "<script>" not in html
        data = letter_pdf(prepared)
        text = pdf_text(data)
        assert SUBJECTS[kind]["fr"] in text
        if name.startswith("<script>"):
            assert "<script>alert('x')</script>" in text  # printed as text, never markup
        if name.startswith("Wolfe"):
            assert len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 1
            assert "Wolfeschlegelsteinhausenbergerdorff" in text


def test_table_cells_are_plain_text(uow: UnitOfWork, world: LetterWorld) -> None:
    """Headings of a table bold, its cells not (fpdf2 would carry an earlier bold into them)."""
    fonts: dict[str, str] = {}

    def visit(text: str, _cm: object, _tm: object, font: dict[str, object] | None, _size: float) -> None:
        if text.strip() and font:
            fonts.setdefault(text.strip(), str(font.get("/BaseFont")))

    data = letter_pdf(letter(uow, world, "contribution", "en"))
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    assert fonts["Already paid"].endswith("DejaVuSansBook")
    assert fonts["Amount"].endswith("DejaVuSansBold")


def test_unicode_glyphs_are_embedded(uow: UnitOfWork) -> None:
    world = build_world(uow, last_name="Müller-Ëlberg ß’", first_name="Zoë")
    prepared = letter(uow, world, "contribution", "fr")
    text = pdf_text(letter_pdf(prepared))
    assert "Müller-Ëlberg ß’" in text
    assert "€" in text
    assert "é" in text


def test_available_letters_follow_the_dossier(uow: UnitOfWork, world: LetterWorld) -> None:
    from statut.services.dossier import read_dossier

    dossier = read_dossier(uow, AGENT_F1, world.member.number.value, purpose=PURPOSE)
    choices = [(c.kind, c.subject) for c in available_letters(dossier)]
    assert (LetterKind.CONTRIBUTION, "2023Q4") in choices
    assert (LetterKind.REGULARISATION, "2023") in choices
    assert (LetterKind.RIGHT, "maternity") in choices
    assert (LetterKind.ACCESS_LOG, "") in choices


def test_structured_communication_has_a_valid_check() -> None:
    text = structured_communication(123456, 234)
    digits = text.strip("+").replace("/", "")
    assert len(digits) == 12
    base, check = int(digits[:10]), int(digits[10:])
    assert check == (base % 97 or 97)
    assert structured_communication(1, 1) != structured_communication(1, 2)


def test_page_numbers_are_translated() -> None:
    assert translator("nl")("Page %(page)s of %(pages)s") == "Pagina %(page)s van %(pages)s"
