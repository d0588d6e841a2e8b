"""Letters for people who do not use the portal: what goes into each one, gathered for one person.

Four letters, each about one person and sent on the letterhead of their fund (the first point of
contact, RD n°38 of 27 July 1967, art. 20):

- **contribution notice**: the provisional contributions of a quarter, how they are computed (the
  legislation engine's trace: income of year N-3 indexed, or a starter's flat amount) and how to pay
  them (the fund's account and a structured communication); payable by the end of the quarter
  (RD of 19 December 1967, art. 44);
- **regularisation notice**: the final contributions of a year on its definitive income against the
  provisional ones paid (since 1 January 2015 on the income of the year itself), and the supplement
  due or the refund;
- **right detected**: a right the legislation engine finds in the register (pension, maternity aid,
  bridging right), why, the decision taken on it if any, and what the person must do to receive it;
- **extract of the access log**: who consulted the person's data, when, why and on which legal basis
  (GDPR art. 15(1)(c)).

The data come from the same services as the API (the dossier, the decisions, the access log) and
the same policy decides who may print which letter. Printing a letter reads personal data, so each
letter is logged in the access log like any read (``what = "letter.<kind>"``). Nothing here renders:
the portal turns a :class:`Letter` into HTML and PDF in the person's language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from statut import rules
from statut.access.errors import AccessDenied
from statut.access.identity import Actor, Section
from statut.domain.calendar import Quarter
from statut.domain.entities import Person, SocialInsuranceFund
from statut.domain.errors import DomainValidationError, NotFound
from statut.domain.identifiers import parse_person_number
from statut.reference import default_funds
from statut.services.decisions import decisions_for
from statut.services.dossier import LANGUAGES, AffiliationView, Dossier, read_dossier
from statut.store.unit_of_work import UnitOfWork

ACCESS_LOG_LIMIT = 100


class LetterKind(StrEnum):
    CONTRIBUTION = "contribution"
    REGULARISATION = "regularisation"
    RIGHT = "right"
    ACCESS_LOG = "access-log"


#: The dossier sections a letter shows; the caller's access must open all of them.
REQUIRED_SECTIONS: dict[LetterKind, frozenset[Section]] = {
    LetterKind.CONTRIBUTION: frozenset({Section.IDENTITY, Section.AFFILIATIONS, Section.CONTRIBUTIONS}),
    LetterKind.REGULARISATION: frozenset({Section.IDENTITY, Section.AFFILIATIONS, Section.CONTRIBUTIONS}),
    LetterKind.RIGHT: frozenset({Section.IDENTITY, Section.AFFILIATIONS, Section.RIGHTS}),
    LetterKind.ACCESS_LOG: frozenset({Section.IDENTITY, Section.AFFILIATIONS}),
}
#: Stored decisions (services/decisions.py) that answer a right the engine detects.
#: The policy's reason when a mandate opened the dossier (statut.access.policy.decide_dossier).
MANDATE = "mandate_in_force"
DECISION_KINDS = {"pension": "pension_examination", "maternity": "maternity_aid", "bridging": "bridging_right"}


@dataclass(frozen=True, slots=True)
class Letterhead:
    fund_code: str
    name: str
    email: str
    phone: str
    website: str
    iban: str  # formatted in groups of four, empty when the fund has none on record


@dataclass(frozen=True, slots=True)
class Recipient:
    first_name: str
    last_name: str
    national_number: str  # formatted (YY.MM.DD-XXX.CC)
    street: str
    postal_code: str
    municipality: str
    country: str


@dataclass(frozen=True, slots=True)
class ContributionNotice:
    quarter: str
    fund_code: str
    capacity: str | None
    due: Decimal
    paid: Decimal
    balance: Decimal
    status: str
    pay_by: date
    structured_communication: str
    income_year: int  # the year whose income the provisional contributions are based on (N-3)
    income_basis: Decimal | None  # None: no income of N-3 in the register (a starter's flat amount)
    explanation: list[str]


@dataclass(frozen=True, slots=True)
class RegularisationNotice:
    year: int
    capacity: str
    definitive_income: Decimal
    provisional_income_year: int
    provisional_income: Decimal | None
    quarters: int
    final_quarterly: Decimal | None
    final_total: Decimal | None
    provisional_paid: Decimal
    amount: Decimal | None  # > 0 to pay, < 0 refunded, None when not computable
    kind: str  # supplement, refund, none, not_computable
    structured_communication: str
    explanation: list[str]


@dataclass(frozen=True, slots=True)
class DecisionNote:
    kind: str
    status: str
    outcome: str
    decided_at: datetime | None
    explanation: list[str]


@dataclass(frozen=True, slots=True)
class RightNotice:
    right: str  # pension, maternity, bridging
    outcome: str  # eligible, not_eligible, missing_data
    reasons: list[str]
    explanation: list[str]
    decisions: list[DecisionNote]


@dataclass(frozen=True, slots=True)
class AccessLogLine:
    at: datetime
    reader: str
    role: str
    fund_code: str | None
    sections: list[str]
    purpose: str
    legal_basis: str
    what: str


@dataclass(frozen=True, slots=True)
class AccessLogExtract:
    entries: list[AccessLogLine]
    limit: int


@dataclass(frozen=True, slots=True)
class Letter:
    kind: LetterKind
    language: str
    issued_on: date
    reference: str
    sender: Letterhead
    recipient: Recipient
    contribution: ContributionNotice | None = None
    regularisation: RegularisationNotice | None = None
    right: RightNotice | None = None
    access_log: AccessLogExtract | None = None


@dataclass(frozen=True, slots=True)
class LetterChoice:
    """A letter that can be printed from a dossier (for the fund agent's list of letters)."""

    kind: LetterKind
    subject: str  # the quarter, the year or the right; "" for the access-log extract


@dataclass(frozen=True, slots=True)
class LetterRequest:
    national_number: str
    kind: str
    subject: str = ""  # quarter (2024Q1), year (2023) or right (pension); latest when empty
    lang: str | None = None  # the person's own language when None
    purpose: str | None = None
    request_id: str | None = field(default=None)


def parse_kind(raw: str) -> LetterKind:
    try:
        return LetterKind(raw)
    except ValueError:
        known = ", ".join(kind.value for kind in LetterKind)
        raise DomainValidationError("kind", raw[:40], f"unknown letter (known: {known})") from None


def structured_communication(person_id: int, period: int) -> str:
    """A Belgian structured communication (+++123/4567/89012+++) for a person and a period.

    Ten digits (the person's internal id, never their national number, and the period) and a mod-97
    check of two digits (97 when the remainder is 0), as the banks' standard (Febelfin) asks, so that
    the fund can match a payment to the quarter or year it settles.
    """
    base = int(f"{person_id % 10**6:06d}{period % 10**4:04d}")
    digits = f"{base:010d}{base % 97 or 97:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def letterhead(fund: SocialInsuranceFund) -> Letterhead:
    iban = fund.iban.replace(" ", "")
    grouped = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    return Letterhead(fund.code, fund.name, fund.email, fund.phone, fund.website, grouped)


def _recipient(person: Person) -> Recipient:
    address = person.address
    return Recipient(
        first_name=person.first_name,
        last_name=person.last_name,
        national_number=person.number.formatted,
        street=address.street if address else "",
        postal_code=address.postal_code if address else "",
        municipality=address.municipality if address else "",
        country=address.country if address else "",
    )


def _sender(actor: Actor, affiliations: list[AffiliationView]) -> SocialInsuranceFund:
    """The fund that writes: the agent's own fund, else the person's current fund, else their last."""
    funds = default_funds()
    if actor.fund_code is not None and funds.get(actor.fund_code) is not None:
        return funds.require(actor.fund_code)
    current = [a for a in affiliations if a.current]
    chosen = current or sorted(affiliations, key=lambda a: a.start)
    if chosen:
        fund = funds.get(chosen[-1].fund_code)
        if fund is not None:
            return fund
    auxiliary: list[SocialInsuranceFund] = [fund for fund in funds if fund.is_auxiliary]
    if not auxiliary:  # pragma: no cover - the reference data always has the auxiliary fund
        raise NotFound("no fund to send the letter", code="statut.not_found.fund")
    return auxiliary[0]


def _capacity_on(affiliations: list[AffiliationView], day: date) -> str | None:
    for a in affiliations:
        if a.start <= day and (a.end is None or day < a.end):
            return a.capacity
    return None


def available_letters(dossier: Dossier, *, quarters: int = 8) -> list[LetterChoice]:
    """The letters a dossier allows: recent quarters, regularised years, detected rights, the log."""
    choices: list[LetterChoice] = []
    account = dossier.contribution_account
    if account is not None:
        recent = sorted({q.quarter for q in account.quarters}, reverse=True)[:quarters]
        choices += [LetterChoice(LetterKind.CONTRIBUTION, quarter) for quarter in recent]
        choices += [
            LetterChoice(LetterKind.REGULARISATION, str(r.year))
            for r in sorted(account.regularisations, key=lambda r: r.year, reverse=True)
        ]
    if dossier.rights is not None:
        choices += [LetterChoice(LetterKind.RIGHT, right.right) for right in dossier.rights]
    choices.append(LetterChoice(LetterKind.ACCESS_LOG, ""))
    return choices


def prepare_letter(uow: UnitOfWork, actor: Actor, request: LetterRequest, *, today: date | None = None) -> Letter:
    """Gather one letter about a person, as ``actor`` may see it; the read is logged as the letter."""
    kind = parse_kind(request.kind)
    if request.lang is not None and request.lang not in LANGUAGES:
        raise DomainValidationError("lang", request.lang[:10], f"one of {', '.join(LANGUAGES)}")
    day = today or uow.clock().date()
    number = parse_person_number(request.national_number).value
    # The dossier service applies the policy (a concealed refusal reads like an unknown number) and
    # logs the read, named after the letter, with the purpose; the entry point commits it.
    dossier = read_dossier(
        uow,
        actor,
        number,
        purpose=request.purpose,
        lang=request.lang,
        request_id=request.request_id,
        today=day,
        explain="all",
        what=f"letter.{kind.value}",
    )
    opened = {Section(code) for code in dossier.sections}
    if not REQUIRED_SECTIONS[kind] <= opened or (kind is LetterKind.ACCESS_LOG and dossier.access_reason == MANDATE):
        # A mandate opens parts of a dossier, never a letter beyond them nor the person's access log.
        raise AccessDenied("letter_not_in_scope", "your access does not cover the data this letter shows")
    person_id = uow.persons.find_id(number)
    assert person_id is not None  # read_dossier found the person
    person = uow.persons.get_or_raise(person_id)
    fund = _sender(actor, dossier.affiliations or [])
    subject = request.subject.strip()[:20]
    letter = Letter(
        kind=kind,
        language=dossier.language,
        issued_on=day,
        reference=_reference(fund.code, kind, day.isoformat(), person_id),
        sender=letterhead(fund),
        recipient=_recipient(person),
    )
    if kind is LetterKind.CONTRIBUTION:
        return _with_contribution(letter, dossier, person_id, fund, subject)
    if kind is LetterKind.REGULARISATION:
        return _with_regularisation(letter, dossier, person_id, subject)
    if kind is LetterKind.RIGHT:
        return _with_right(letter, uow, dossier, person_id, subject)
    # The access log is read after this printing was logged: the extract shows it as its newest line.
    return _with_access_log(letter, uow, person_id)


def _reference(fund_code: str, kind: LetterKind, subject: str, person_id: int) -> str:
    """The letter's reference: fund, letter, what it is about (a checked value) and the person's id."""
    return f"{fund_code}/{kind.value}/{subject}/{person_id}"


def _with_contribution(
    letter: Letter, dossier: Dossier, person_id: int, fund: SocialInsuranceFund, subject: str
) -> Letter:
    account = dossier.contribution_account
    assert account is not None
    if not account.quarters:
        raise NotFound("this dossier has no contribution quarter", code="statut.not_found.quarter")
    if subject:
        wanted = str(Quarter.parse(subject))
        found = [q for q in account.quarters if q.quarter == wanted]
        if not found:
            raise NotFound(f"no contribution for quarter {wanted} in this dossier", code="statut.not_found.quarter")
    else:
        found = [max(account.quarters, key=lambda q: q.quarter)]
    chosen = [q for q in found if q.fund_code == letter.sender.fund_code] or found
    view = chosen[0]
    quarter = Quarter.parse(view.quarter)
    affiliations = dossier.affiliations or []
    capacity = _capacity_on(affiliations, quarter.start) or _capacity_on(affiliations, quarter.last_day)
    base_year = quarter.year - 3
    incomes = {i.year: i.amount for i in dossier.incomes or []}
    basis = incomes.get(base_year)
    explanation: list[str] = []
    if capacity is not None:
        trace = rules.explain_provisional_contribution(
            quarter.year,
            capacity,
            basis if basis is not None else Decimal("0"),
            starter=basis is None,
            fee_rate=fund.fee_rate,
        )
        explanation = trace.render(letter.language).splitlines()
    notice = ContributionNotice(
        quarter=view.quarter,
        fund_code=view.fund_code,
        capacity=capacity,
        due=view.due,
        paid=view.paid,
        balance=view.balance,
        status=view.status,
        pay_by=quarter.last_day,
        structured_communication=structured_communication(person_id, quarter.year % 100 * 10 + quarter.number),
        income_year=base_year,
        income_basis=basis,
        explanation=explanation,
    )
    reference = _reference(letter.sender.fund_code, letter.kind, view.quarter, person_id)
    return replace(letter, contribution=notice, reference=reference)


def _with_regularisation(letter: Letter, dossier: Dossier, person_id: int, subject: str) -> Letter:
    account = dossier.contribution_account
    assert account is not None
    views = sorted(account.regularisations, key=lambda r: r.year)
    if not views:
        raise NotFound("no year of this dossier can be regularised yet", code="statut.not_found.regularisation")
    if subject:
        if not subject.isdigit() or len(subject) != 4:
            raise DomainValidationError("year", subject, "a year of four digits, like 2023")
        views = [r for r in views if r.year == int(subject)]
        if not views:
            raise NotFound(f"no regularisation for {subject} in this dossier", code="statut.not_found.regularisation")
    view = views[-1]
    incomes = {i.year: i.amount for i in dossier.incomes or []}
    final_total = None if view.final_quarterly is None else view.final_quarterly * view.quarters_due
    notice = RegularisationNotice(
        year=view.year,
        capacity=view.capacity,
        definitive_income=view.income,
        provisional_income_year=view.year - 3,
        provisional_income=incomes.get(view.year - 3),
        quarters=view.quarters_due,
        final_quarterly=view.final_quarterly,
        final_total=final_total,
        provisional_paid=view.provisional_paid,
        amount=view.amount,
        kind=view.kind,
        structured_communication=structured_communication(person_id, view.year % 100 * 10 + 5),
        explanation=view.explanation,
    )
    reference = _reference(letter.sender.fund_code, letter.kind, str(view.year), person_id)
    return replace(letter, regularisation=notice, reference=reference)


def _with_right(letter: Letter, uow: UnitOfWork, dossier: Dossier, person_id: int, subject: str) -> Letter:
    rights = dossier.rights or []
    if subject:
        rights = [r for r in rights if r.right == subject]
        if not rights:
            raise NotFound(f"no right {subject!r} detected in this dossier", code="statut.not_found.right")
    if not rights:  # pragma: no cover - the pension right is always assessed
        raise NotFound("no right detected in this dossier", code="statut.not_found.right")
    # Without a choice: the first right the person is eligible for, else the first assessed.
    view = next((r for r in rights if r.outcome == "eligible"), rights[0])
    kind = DECISION_KINDS.get(view.right)
    notes = [
        DecisionNote(
            d.kind,
            d.status,
            d.outcome,
            d.decided_at,
            list(d.explanation.get(letter.language) or d.explanation.get("en") or []),
        )
        for d in decisions_for(uow, person_id)
        if d.kind == kind
    ]
    notice = RightNotice(view.right, view.outcome, list(view.reasons), list(view.explanation), notes)
    reference = _reference(letter.sender.fund_code, letter.kind, view.right, person_id)
    return replace(letter, right=notice, reference=reference)


def _with_access_log(letter: Letter, uow: UnitOfWork, person_id: int) -> Letter:
    entries = []
    for entry in uow.access_log.for_person(person_id, limit=ACCESS_LOG_LIMIT):
        details = entry.details
        role, _, reader = entry.actor.partition(":")
        entries.append(
            AccessLogLine(
                at=entry.recorded_at,
                reader=reader,
                role=str(details.get("role", role)),
                fund_code=details.get("fund"),
                sections=[str(s) for s in details.get("sections", ())],
                purpose=entry.purpose,
                legal_basis=str(details.get("legal_basis", "")),
                what=str(details.get("what", "")),
            )
        )
    return replace(letter, access_log=AccessLogExtract(entries, ACCESS_LOG_LIMIT))


__all__ = [
    "Letter",
    "LetterChoice",
    "LetterKind",
    "LetterRequest",
    "available_letters",
    "prepare_letter",
    "structured_communication",
]
