"""A person's dossier: identity, affiliations, incomes, contribution account, career, rights, findings.

Read in two set-based queries (statut.store.dossier_reads), decided by the access policy, and
logged: every successful read is a row of the access log (services/access_log.py), in the same unit
of work, which the entry point commits; the chainer puts it in the hash-chained ledger. Sections the
caller may not see are absent (``None``), never empty, so that "not shown" and "nothing there" are
not confused.

Rights are detected by the legislation engine (statut.rules) from what the register holds, and
explained in the requested language; a condition the register does not know (is the child at the
mother's address?) is "unknown", so the outcome is then "missing data", never a guess.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, Literal

import numpy as np
from sqlalchemy import Row

from statut import rules
from statut.access.enforce import require
from statut.access.identity import Actor, Role, Section
from statut.access.policy import Decision, DossierSubject, MandateFact, decide_dossier, parse_sections
from statut.domain.entities import CareerQuarterReason, IncomeSource, IncomeStatus, LifeEventType
from statut.domain.identifiers import parse_person_number
from statut.domain.money import from_cents
from statut.rules.rights.outcome import RightAssessment
from statut.services.access_log import record_read
from statut.store.dossier_reads import Affiliation as AffiliationFact
from statut.store.dossier_reads import CareerQuarter as CareerFact
from statut.store.dossier_reads import Contribution as ContributionFact
from statut.store.dossier_reads import DossierReader, Facts, in_force
from statut.store.dossier_reads import Income as IncomeFact
from statut.store.dossier_reads import LifeEvent as LifeEventFact
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
    return person_id, DossierSubject(True, number, funds, _mandates(uow, actor, number, person_id, today))


def _mandates(uow: UnitOfWork, actor: Actor, number: str, person_id: int, today: date) -> tuple[MandateFact, ...]:
    if actor.role is Role.CITIZEN and actor.national_number and actor.national_number != number:
        return tuple(
            MandateFact(record.mandate_id, parse_sections(record.scopes))
            for record in uow.mandates.in_force(person_id, actor.national_number, today)
        )
    return ()


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
    what: str = "dossier",  # how the read is named in the access log (a printed letter: "letter.<kind>")
) -> Dossier:
    """The dossier of ``national_number`` as ``actor`` may see it; the read is logged (access log).

    A handful of queries, one per fact table the caller may see (statut.store.dossier_reads), and one
    insert into the access log: no domain object per row, no wait on the ledger head."""
    day = today or uow.clock().date()
    number = parse_person_number(national_number).value
    reader = DossierReader(uow.connection)
    found = reader.find(number)
    if found is None:
        require(decide_dossier(actor, DossierSubject(exists=False, national_number=number), purpose))
        raise AssertionError("the policy lets no one read a person who does not exist")  # pragma: no cover
    person_id, preferred, civil = found.person_id, found.number, found.civil
    facts = reader.facts(person_id)
    funds = in_force(facts.affiliations, day)
    subject = DossierSubject(True, number, funds, _mandates(uow, actor, number, person_id, day))
    decision = require(decide_dossier(actor, subject, purpose))
    dossier = build_dossier(preferred, civil, facts, decision, lang=lang, today=day, explain=explain)
    record_read(uow, actor, person_id, decision.sections, decision, what=what, purpose=purpose, request_id=request_id)
    return dossier


def build_dossier(
    number: str,
    civil: Row[Any],
    facts: Facts,
    decision: Decision,
    *,
    lang: str | None,
    today: date,
    explain: Explain = "latest",
) -> Dossier:
    """The sections ``decision`` opens; sections it does not open are None."""
    language = lang if lang in LANGUAGES else civil.language
    sections = decision.sections
    need_contributions = Section.CONTRIBUTIONS in sections
    affiliations, incomes = facts.affiliations, facts.incomes
    career = _career(facts.careers, today) if Section.CAREER in sections or Section.RIGHTS in sections else None
    return Dossier(
        national_number=number,
        language=language,
        sections=sorted(section.value for section in sections),
        access_reason=decision.reason,
        legal_basis=decision.legal_basis,
        person=_person(civil, number) if Section.IDENTITY in sections else None,
        affiliations=[
            AffiliationView(
                a.fund_code,
                a.capacity,
                a.valid_from,
                a.valid_to,
                bool(a.company_director),
                a.enterprise_number,
                a.valid_from <= today and (a.valid_to is None or today < a.valid_to),
            )
            for a in affiliations
        ]
        if Section.AFFILIATIONS in sections
        else None,
        incomes=[IncomeView(int(i.year), from_cents(int(i.amount_cents)), i.source, i.status) for i in incomes]
        if Section.INCOMES in sections
        else None,
        contribution_account=_account(facts.contributions, affiliations, incomes, language=language, explain=explain)
        if need_contributions
        else None,
        career=career if Section.CAREER in sections else None,
        rights=_rights(facts.life_events, civil, career, language=language, today=today)
        if Section.RIGHTS in sections and career is not None
        else None,
        findings=[] if Section.FINDINGS in sections else None,
        findings_note=FINDINGS_NOTE if Section.FINDINGS in sections else None,
    )


def _person(civil: Row[Any], number: str) -> PersonView:
    # As statut.store.persons: an address is known when it has a postal code; Belgium by default.
    has_address = civil.postal_code is not None
    return PersonView(
        national_number=number,
        last_name=civil.last_name,
        first_name=civil.first_name,
        birth_date=civil.birth_date,
        sex=civil.sex,
        language=civil.language,
        postal_code=civil.postal_code if has_address else None,
        municipality=(civil.municipality or None) if has_address else None,
        country=(civil.country or "BE") if has_address else None,
        death_date=civil.death_date,
    )


def _account(
    contributions: list[ContributionFact],
    affiliations: list[AffiliationFact],
    incomes: list[IncomeFact],
    *,
    language: str,
    explain: Explain,
) -> ContributionAccountView:
    quarters = [
        QuarterView(
            c.quarter,
            c.fund_code,
            from_cents(int(c.due_cents)),
            from_cents(int(c.paid_cents)),
            from_cents(int(c.due_cents) - int(c.paid_cents)),
            c.status,
        )
        for c in contributions
    ]
    due = sum(int(c.due_cents) for c in contributions)
    paid = sum(int(c.paid_cents) for c in contributions)
    regularisations = _regularisations(contributions, affiliations, incomes, language, explain)
    return ContributionAccountView(quarters, from_cents(due), from_cents(paid), from_cents(due - paid), regularisations)


def _year_capacity(affiliations: list[AffiliationFact], year: int) -> str | None:
    """The capacity of the affiliation covering most of ``year`` (the first one on a tie)."""
    best: tuple[int, str] | None = None
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    for a in affiliations:
        overlap = (min(end, a.valid_to or end) - max(start, a.valid_from)).days
        if overlap > 0 and (best is None or overlap > best[0]):
            best = (overlap, a.capacity)
    return None if best is None else best[1]


def _regularisations(
    contributions: list[ContributionFact],
    affiliations: list[AffiliationFact],
    incomes: list[IncomeFact],
    language: str,
    explain: Explain,
) -> list[RegularisationView]:
    """Final contributions on the definitive income of year N against the provisional ones paid
    (since 1 January 2015, socialsecurity.be): one column computation for all years of the person."""
    definitive = {
        int(i.year): int(i.amount_cents)
        for i in incomes
        if i.status == IncomeStatus.DEFINITIVE.value and i.source == IncomeSource.TAX_AUTHORITY.value
    }
    paid: dict[int, int] = defaultdict(int)
    due_quarters: dict[int, int] = defaultdict(int)
    for c in contributions:
        year = int(c.quarter[:4])
        paid[year] += int(c.paid_cents)
        due_quarters[year] += 1
    cases = [
        (year, capacity, cents)
        for year, cents in sorted(definitive.items())
        if due_quarters.get(year) and (capacity := _year_capacity(affiliations, year)) is not None
    ]
    if not cases:
        return []
    years = np.array([year for year, _, _ in cases], dtype=np.int64)
    codes = np.array([rules.capacity_code(capacity) for _, capacity, _ in cases], dtype=np.int8)
    income_cents = np.array([cents for _, _, cents in cases], dtype=np.int64)
    active = np.array([min(due_quarters[year], 4) for year, _, _ in cases], dtype=np.int64)
    result = rules.final_contributions(years, codes, income_cents, quarters_active=active)
    amounts = rules.regularisation(result.quarterly, np.array([paid[y] for y, _, _ in cases]), active)
    views = []
    explained_years = {int(years[-1])} if explain == "latest" else set(years.tolist()) if explain == "all" else set()
    for index, (year, capacity, cents) in enumerate(cases):
        computed = bool(result.ok[index]) and int(codes[index]) != -1
        amount = int(amounts[index]) if computed else None
        kind = (
            "not_computable" if amount is None else "supplement" if amount > 0 else "refund" if amount < 0 else "none"
        )
        income = from_cents(cents)
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
                explanation=_explanation(year, capacity, cents, int(active[index]), language)
                if year in explained_years
                else [],
            )
        )
    return views


@lru_cache(maxsize=1024)
def _explanation_lines(year: int, capacity: str, income_cents: int, quarters: int, language: str) -> tuple[str, ...]:
    """The engine's explanation of one final contribution. A pure function of its arguments (dated
    parameters, no I/O), so it is memoised: a dossier read again soon after (a person reloading their
    page, an agent on the phone) does not explain the same year twice. Small on purpose: most reads
    are of different people, and their explanations are computed (about a millisecond)."""
    trace = rules.explain_final_contribution(year, capacity, from_cents(income_cents), quarters_active=quarters)
    return tuple(trace.render(language).splitlines())


def _explanation(year: int, capacity: str, income_cents: int, quarters: int, language: str) -> list[str]:
    return list(_explanation_lines(year, capacity, income_cents, quarters, language))


def _career(rows: list[CareerFact], today: date) -> CareerView:
    quarters = [CareerQuarterView(r.quarter, bool(r.counts_for_pension), r.reason) for r in rows]
    if not rows:
        return CareerView(0, 0, 0, [])
    by_quarter = {(int(r.quarter[:4]), int(r.quarter[5:])): r.reason for r in rows}
    first = min(year for year, _ in by_quarter)
    last = max(year for year, _ in by_quarter)
    statuses = np.zeros((4 * (last - first + 1), 1), dtype=np.int8)
    for (year, number), reason in by_quarter.items():
        statuses[(year - first) * 4 + number - 1, 0] = _CAREER_STATUS[CareerQuarterReason(reason)]
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
    events: list[LifeEventFact], civil: Row[Any], career: CareerView, *, language: str, today: date
) -> list[RightView]:
    """The pension always; maternity aid after a birth; the bridging right after a bankruptcy or a
    cessation. Conditions the register does not hold are passed as unknown (-1)."""
    birth = np.array([civil.birth_date], dtype="datetime64[D]")
    found = [_right_view("pension", rules.pension_right(birth, career.early_pension_years, as_of=today), language)]
    births = [e for e in events if e.event_type == LifeEventType.BIRTH.value]
    if births:
        latest = max(births, key=lambda e: e.event_date)
        mother = 1 if civil.sex == "F" else 0
        aid = rules.maternity_aid(np.array([latest.event_date], dtype="datetime64[D]"), mother, -1, -1, -1)
        found.append(_right_view("maternity", aid, language))
    endings = [e for e in events if e.event_type in (LifeEventType.BANKRUPTCY.value, LifeEventType.CESSATION.value)]
    if endings:
        latest = max(endings, key=lambda e: e.event_date)
        trigger = (
            rules.BridgingTrigger.BANKRUPTCY
            if latest.event_type == LifeEventType.BANKRUPTCY.value
            else rules.BridgingTrigger.UNKNOWN  # a cessation is a trigger only for economic reasons
        )
        bridging = rules.bridging_right(
            int(trigger), np.array([latest.event_date], dtype="datetime64[D]"), career.quarters_counted, -1
        )
        found.append(_right_view("bridging", bridging, language))
    return found


__all__ = ["LANGUAGES", "Dossier", "read_dossier"]
