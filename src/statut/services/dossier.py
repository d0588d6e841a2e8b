"""A person's dossier: identity, affiliations, incomes, contribution account, career, rights, findings.

Read through the repositories, decided by the access policy, and logged: every successful read is a
``personal_data.read`` entry of the ledger (services/access_log.py), in the same unit of work, which
the entry point commits. Sections the caller may not see are absent (``None``), never empty, so that
"not shown" and "nothing there" are not confused.

Rights are detected by the legislation engine (statut.rules) from what the register holds, and
explained in the requested language; a condition the register does not know (is the child at the
mother's address?) is "unknown", so the outcome is then "missing data", never a guess.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

import numpy as np

from statut import rules
from statut.access.enforce import require
from statut.access.identity import Actor, Role, Section
from statut.access.policy import Decision, DossierSubject, MandateFact, decide_dossier, parse_sections
from statut.domain.entities import (
    Affiliation,
    CareerQuarter,
    CareerQuarterReason,
    ContributionQuarter,
    IncomeSource,
    IncomeStatus,
    LifeEventType,
    Person,
    ProfessionalIncome,
)
from statut.domain.identifiers import parse_person_number
from statut.domain.money import from_cents, to_cents
from statut.rules.rights.outcome import RightAssessment
from statut.services.access_log import record_read
from statut.store.bitemporal import Versioned
from statut.store.unit_of_work import UnitOfWork

Explain = Literal["latest", "all", "none"]
LANGUAGES: tuple[str, ...] = ("fr", "nl", "de", "en")
FINDINGS_NOTE = (
    "data-quality findings are not held by the register yet (the quality engine's tables do not exist); "
    "this list will fill when they do"
)
_CAREER_STATUS = {
    CareerQuarterReason.PAID: rules.QuarterStatus.PAID,
    CareerQuarterReason.ASSIMILATED: rules.QuarterStatus.ASSIMILATED,
    CareerQuarterReason.EXEMPTED: rules.QuarterStatus.EXEMPTED,
    CareerQuarterReason.UNPAID: rules.QuarterStatus.UNPAID,
}


@dataclass(frozen=True, slots=True)
class PersonView:
    national_number: str
    last_name: str
    first_name: str
    birth_date: date
    sex: str
    language: str
    postal_code: str | None
    municipality: str | None
    country: str | None
    death_date: date | None


@dataclass(frozen=True, slots=True)
class AffiliationView:
    fund_code: str
    capacity: str
    start: date
    end: date | None
    company_director: bool
    enterprise_number: str | None
    current: bool


@dataclass(frozen=True, slots=True)
class IncomeView:
    year: int
    amount: Decimal
    source: str
    status: str


@dataclass(frozen=True, slots=True)
class QuarterView:
    quarter: str
    fund_code: str
    due: Decimal
    paid: Decimal
    balance: Decimal
    status: str


@dataclass(frozen=True, slots=True)
class RegularisationView:
    year: int
    capacity: str
    income: Decimal
    quarters_due: int
    final_quarterly: Decimal | None
    provisional_paid: Decimal
    amount: Decimal | None  # > 0 supplement to pay, < 0 refund, None when not computable
    kind: str  # supplement, refund, none, not_computable
    error: str | None
    explanation: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContributionAccountView:
    quarters: list[QuarterView]
    total_due: Decimal
    total_paid: Decimal
    outstanding: Decimal
    regularisations: list[RegularisationView]


@dataclass(frozen=True, slots=True)
class CareerQuarterView:
    quarter: str
    counts_for_pension: bool
    reason: str


@dataclass(frozen=True, slots=True)
class CareerView:
    quarters_counted: int
    whole_years: int
    early_pension_years: int
    quarters: list[CareerQuarterView]


@dataclass(frozen=True, slots=True)
class RightView:
    right: str
    outcome: str
    reasons: list[str]
    explanation: list[str]


@dataclass(frozen=True, slots=True)
class Dossier:
    national_number: str
    language: str
    sections: list[str]
    access_reason: str
    legal_basis: str
    person: PersonView | None = None
    affiliations: list[AffiliationView] | None = None
    incomes: list[IncomeView] | None = None
    contribution_account: ContributionAccountView | None = None
    career: CareerView | None = None
    rights: list[RightView] | None = None
    findings: list[dict[str, str]] | None = None
    findings_note: str | None = None


def dossier_subject(uow: UnitOfWork, actor: Actor, number: str, today: date) -> tuple[int | None, DossierSubject]:
    """The facts the policy needs about the person with national number ``number``."""
    person_id = uow.persons.find_id(number)
    if person_id is None:
        return None, DossierSubject(exists=False, national_number=number)
    funds = frozenset(uow.members.current_funds(person_id, today))
    mandates: tuple[MandateFact, ...] = ()
    if actor.role is Role.CITIZEN and actor.national_number and actor.national_number != number:
        mandates = tuple(
            MandateFact(record.mandate_id, parse_sections(record.scopes))
            for record in uow.mandates.in_force(person_id, actor.national_number, today)
        )
    return person_id, DossierSubject(True, number, funds, mandates)


def read_dossier(
    uow: UnitOfWork,
    actor: Actor,
    national_number: str,
    *,
    purpose: str | None = None,
    lang: str | None = None,
    request_id: str | None = None,
    today: date | None = None,
    explain: Explain = "latest",
) -> Dossier:
    """The dossier of ``national_number`` as ``actor`` may see it; the read is logged in the ledger."""
    day = today or uow.clock().date()
    number = parse_person_number(national_number).value
    person_id, subject = dossier_subject(uow, actor, number, day)
    decision = require(decide_dossier(actor, subject, purpose))
    assert person_id is not None
    dossier = build_dossier(uow, person_id, number, decision, lang=lang, today=day, explain=explain)
    record_read(
        uow, actor, person_id, decision.sections, decision, what="dossier", purpose=purpose, request_id=request_id
    )
    return dossier


def build_dossier(
    uow: UnitOfWork,
    person_id: int,
    number: str,
    decision: Decision,
    *,
    lang: str | None,
    today: date,
    explain: Explain = "latest",
) -> Dossier:
    person = uow.persons.get_or_raise(person_id)
    language = lang if lang in LANGUAGES else person.language.value
    sections = decision.sections
    affiliations = uow.affiliations.for_person(person_id)
    need_contributions = Section.CONTRIBUTIONS in sections
    incomes = uow.incomes.for_person(person_id) if Section.INCOMES in sections or need_contributions else []
    career_rows = uow.careers.for_person(person_id) if Section.CAREER in sections or Section.RIGHTS in sections else []
    career = _career(career_rows, today)
    return Dossier(
        national_number=number,
        language=language,
        sections=sorted(section.value for section in sections),
        access_reason=decision.reason,
        legal_basis=decision.legal_basis,
        person=_person(person) if Section.IDENTITY in sections else None,
        affiliations=[
            AffiliationView(
                a.value.fund_code,
                a.value.capacity.value,
                a.value.period.start,
                a.value.period.end,
                a.value.company_director,
                a.value.enterprise_number,
                a.value.period.start <= today and (a.value.period.end is None or today < a.value.period.end),
            )
            for a in affiliations
        ]
        if Section.AFFILIATIONS in sections
        else None,
        incomes=[IncomeView(i.value.year, i.value.amount, i.value.source.value, i.value.status.value) for i in incomes]
        if Section.INCOMES in sections
        else None,
        contribution_account=_account(uow, person_id, affiliations, incomes, language=language, explain=explain)
        if need_contributions
        else None,
        career=career if Section.CAREER in sections else None,
        rights=_rights(uow, person_id, person, career, language=language, today=today)
        if Section.RIGHTS in sections
        else None,
        findings=[] if Section.FINDINGS in sections else None,
        findings_note=FINDINGS_NOTE if Section.FINDINGS in sections else None,
    )


def _person(person: Person) -> PersonView:
    address = person.address
    return PersonView(
        national_number=person.number.value,
        last_name=person.last_name,
        first_name=person.first_name,
        birth_date=person.birth_date,
        sex=person.sex.value,
        language=person.language.value,
        postal_code=address.postal_code if address else None,
        municipality=(address.municipality or None) if address else None,
        country=address.country if address else None,
        death_date=person.death_date,
    )


def _account(
    uow: UnitOfWork,
    person_id: int,
    affiliations: list[Versioned[Affiliation]],
    incomes: list[Versioned[ProfessionalIncome]],
    *,
    language: str,
    explain: Explain,
) -> ContributionAccountView:
    contributions = uow.contributions.for_person(person_id)
    quarters = [
        QuarterView(
            str(c.value.quarter),
            c.value.fund_code,
            c.value.due,
            c.value.paid,
            c.value.due - c.value.paid,
            c.value.status.value,
        )
        for c in contributions
    ]
    total_due = sum((q.due for q in quarters), Decimal("0.00"))
    total_paid = sum((q.paid for q in quarters), Decimal("0.00"))
    regularisations = _regularisations(contributions, affiliations, incomes, language, explain)
    return ContributionAccountView(quarters, total_due, total_paid, total_due - total_paid, regularisations)


def _year_capacity(affiliations: list[Versioned[Affiliation]], year: int) -> str | None:
    """The capacity of the affiliation covering most of ``year`` (the first one on a tie)."""
    best: tuple[int, str] | None = None
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    for a in affiliations:
        period = a.value.period
        overlap = (min(end, period.end or end) - max(start, period.start)).days
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, a.value.capacity.value)
    return None if best is None else best[1]


def _regularisations(
    contributions: list[Versioned[ContributionQuarter]],
    affiliations: list[Versioned[Affiliation]],
    incomes: list[Versioned[ProfessionalIncome]],
    language: str,
    explain: Explain,
) -> list[RegularisationView]:
    """Final contributions on the definitive income of year N against the provisional ones paid
    (since 1 January 2015, socialsecurity.be): one column computation for all years of the person."""
    definitive = {
        i.value.year: i.value.amount
        for i in incomes
        if i.value.status is IncomeStatus.DEFINITIVE and i.value.source is IncomeSource.TAX_AUTHORITY
    }
    paid: dict[int, int] = defaultdict(int)
    due_quarters: dict[int, int] = defaultdict(int)
    for c in contributions:
        paid[c.value.quarter.year] += to_cents(c.value.paid)
        due_quarters[c.value.quarter.year] += 1
    cases = [
        (year, capacity, amount)
        for year, amount in sorted(definitive.items())
        if due_quarters.get(year) and (capacity := _year_capacity(affiliations, year)) is not None
    ]
    if not cases:
        return []
    years = np.array([year for year, _, _ in cases], dtype=np.int64)
    codes = np.array([rules.capacity_code(capacity) for _, capacity, _ in cases], dtype=np.int8)
    income_cents = np.array([to_cents(amount) for _, _, amount in cases], dtype=np.int64)
    active = np.array([min(due_quarters[year], 4) for year, _, _ in cases], dtype=np.int64)
    result = rules.final_contributions(years, codes, income_cents, quarters_active=active)
    amounts = rules.regularisation(result.quarterly, np.array([paid[y] for y, _, _ in cases]), active)
    views = []
    explained_years = {int(years[-1])} if explain == "latest" else set(years.tolist()) if explain == "all" else set()
    for index, (year, capacity, income) in enumerate(cases):
        computed = bool(result.ok[index]) and int(codes[index]) != -1
        amount = int(amounts[index]) if computed else None
        kind = (
            "not_computable" if amount is None else "supplement" if amount > 0 else "refund" if amount < 0 else "none"
        )
        explanation: list[str] = []
        if year in explained_years:
            trace = rules.explain_final_contribution(year, capacity, income, quarters_active=int(active[index]))
            explanation = trace.render(language).splitlines()
        views.append(
            RegularisationView(
                year=year,
                capacity=capacity,
                income=income,
                quarters_due=int(active[index]),
                final_quarterly=from_cents(int(result.quarterly[index])) if computed else None,
                provisional_paid=from_cents(paid[year]),
                amount=None if amount is None else from_cents(amount),
                kind=kind,
                error=None if computed else result.error_name(index),
                explanation=explanation,
            )
        )
    return views


def _career(rows: list[Versioned[CareerQuarter]], today: date) -> CareerView:
    quarters = [CareerQuarterView(str(r.value.quarter), r.value.counts_for_pension, r.value.reason.value) for r in rows]
    if not rows:
        return CareerView(0, 0, 0, [])
    by_quarter = {(r.value.quarter.year, r.value.quarter.number): r.value.reason for r in rows}
    first = min(year for year, _ in by_quarter)
    last = max(year for year, _ in by_quarter)
    statuses = np.zeros((4 * (last - first + 1), 1), dtype=np.int8)
    for (year, number), reason in by_quarter.items():
        statuses[(year - first) * 4 + number - 1, 0] = _CAREER_STATUS[reason]
    counted = rules.career(statuses, as_of=today)
    return CareerView(
        int(counted.quarters[0]), int(counted.whole_years[0]), int(counted.early_pension_years[0]), quarters
    )


def _right_view(name: str, assessment: RightAssessment, language: str) -> RightView:
    return RightView(
        right=name,
        outcome=assessment.outcome_of(0).name.lower(),
        reasons=assessment.reason_codes(0),
        explanation=assessment.explain(0, language),
    )


def _rights(
    uow: UnitOfWork, person_id: int, person: Person, career: CareerView, *, language: str, today: date
) -> list[RightView]:
    """The pension always; maternity aid after a birth; the bridging right after a bankruptcy or a
    cessation. Conditions the register does not hold are passed as unknown (-1)."""
    birth = np.array([person.birth_date], dtype="datetime64[D]")
    found = [_right_view("pension", rules.pension_right(birth, career.early_pension_years, as_of=today), language)]
    events = [e.value for e in uow.life_events.for_person(person_id)]
    births = [e for e in events if e.event_type is LifeEventType.BIRTH]
    if births:
        latest = max(births, key=lambda e: e.event_date)
        mother = 1 if person.sex.value == "F" else 0
        aid = rules.maternity_aid(np.array([latest.event_date], dtype="datetime64[D]"), mother, -1, -1, -1)
        found.append(_right_view("maternity", aid, language))
    endings = [e for e in events if e.event_type in (LifeEventType.BANKRUPTCY, LifeEventType.CESSATION)]
    if endings:
        latest = max(endings, key=lambda e: e.event_date)
        trigger = (
            rules.BridgingTrigger.BANKRUPTCY
            if latest.event_type is LifeEventType.BANKRUPTCY
            else rules.BridgingTrigger.UNKNOWN  # a cessation is a trigger only for economic reasons
        )
        bridging = rules.bridging_right(
            int(trigger), np.array([latest.event_date], dtype="datetime64[D]"), career.quarters_counted, -1
        )
        found.append(_right_view("bridging", bridging, language))
    return found


__all__ = ["LANGUAGES", "Dossier", "read_dossier"]
