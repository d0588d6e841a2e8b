"""Decisions taken on events: the checks of statut.rules applied to one person, stored with their
explanation in fr, nl, de and en, and announced (``be.statut.decision.made``) in the same transaction.

- birth -> maternity aid (105 service vouchers; rsvz-inasti.fgov.be FAQ): semi-automatic since
  1 September 2017, the fund checks the conditions once the birth is in the National Register and
  asks the mother whether she wants the vouchers. So the decision is a *proposal* through her fund,
  which :func:`confirm_maternity_aid` turns into a grant when she confirms (and so confirms the
  resumption of work and the child's registration at her address).
- definitive income from the tax authority -> final contributions on the income of the year and the
  regularisation against the provisional contributions paid (RD n°38 of 27 July 1967; since 2015 the
  final contributions use the income of the year itself, socialsecurity.be).
- bankruptcy or cessation -> bridging right (droit passerelle; rsvz-inasti FAQ: duration by career).
- six months before the legal pension age -> pension examination and notice (plusmagazine.be 2025).
- death -> dossier closed: affiliations end the day after death and no further dues are claimed.

Each function is idempotent per triggering event (``decision_key`` is unique); the caller's consumer
also records the event id as processed in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from statut.domain.calendar import Quarter
from statut.domain.entities import ContributionStatus, IncomeSource, IncomeStatus, LifeEventType
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import Sex
from statut.rules import (
    BridgingTrigger,
    Outcome,
    bridging_right,
    capacity_code,
    explain_final_contribution,
    final_contributions,
    maternity_aid,
    pension_right,
    regularisation,
)
from statut.rules.rights.outcome import RightAssessment
from statut.store.decisions import Decision, Notice
from statut.store.outbox import OutboxRecord
from statut.store.unit_of_work import UnitOfWork

LANGUAGES = ("fr", "nl", "de", "en")
ACTOR = "statut-automation"
PENSION_NOTICE_MONTHS = 6
MATERNITY_CONFIRMABLE = frozenset({"child_address_unknown", "work_resumption_unknown"})

#: Texts of decisions the rules engine does not explain (dossier closure, pension notice header).
TEXTS: Mapping[str, Mapping[str, str]] = {
    "dossier_closed": {
        "fr": "Dossier clôturé suite au décès du {date}: affiliation terminée, "
        "plus aucune cotisation réclamée à partir du trimestre {quarter}.",
        "nl": "Dossier afgesloten na het overlijden op {date}: aansluiting beëindigd, "
        "geen bijdragen meer gevorderd vanaf kwartaal {quarter}.",
        "de": "Akte nach dem Tod am {date} geschlossen: Anschluss beendet, "
        "ab dem Quartal {quarter} werden keine Beiträge mehr gefordert.",
        "en": "Dossier closed after the death on {date}: affiliation ended, "
        "no further contributions claimed from quarter {quarter}.",
    },
    "pension_notice": {
        "fr": "Vous atteindrez l'âge légal de la pension le {date}: votre droit à la pension est examiné d'office.",
        "nl": "U bereikt de wettelijke pensioenleeftijd op {date}: uw pensioenrecht wordt ambtshalve onderzocht.",
        "de": "Sie erreichen das gesetzliche Rentenalter am {date}: Ihr Rentenanspruch wird von Amts wegen geprüft.",
        "en": "You will reach the legal pension age on {date}: your pension right is examined automatically.",
    },
    "regularisation": {
        "fr": "Régularisation {year}: {amount} € ({direction}).",
        "nl": "Regularisatie {year}: {amount} € ({direction}).",
        "de": "Regularisierung {year}: {amount} € ({direction}).",
        "en": "Regularisation {year}: EUR {amount} ({direction}).",
    },
}
DIRECTIONS: Mapping[str, Mapping[str, str]] = {
    "supplement": {"fr": "supplément à payer", "nl": "bij te betalen", "de": "Nachzahlung", "en": "supplement to pay"},
    "refund": {"fr": "remboursement", "nl": "terugbetaling", "de": "Erstattung", "en": "refund"},
    "balanced": {
        "fr": "rien à régulariser",
        "nl": "niets te regulariseren",
        "de": "nichts zu regularisieren",
        "en": "nothing to settle",
    },
}


def _explain(assessment: RightAssessment) -> dict[str, list[str]]:
    return {lang: assessment.explain(0, lang) for lang in LANGUAGES}


def _outcome_name(assessment: RightAssessment) -> str:
    return assessment.outcome_of(0).name.lower()


def _day(value: date) -> np.ndarray:
    return np.array([value.isoformat()], dtype="datetime64[D]")


def _decide(uow: UnitOfWork, decision: Decision, reason: str) -> Decision:
    existing = uow.decisions.get_by_key(decision.key)
    if existing is not None:  # a redelivered trigger: the decision stands
        return existing
    change = uow.record_change(actor=ACTOR, reason=reason, source=f"event:{decision.source_event_id}")
    return uow.decisions.make(decision, change)


def _fund_on(uow: UnitOfWork, person_id: int, day: date) -> str | None:
    current = uow.affiliations.for_person(person_id, valid_on=day)
    if current:
        return current[0].value.fund_code
    every = uow.affiliations.for_person(person_id)
    return every[-1].value.fund_code if every else None


# -- birth -> maternity aid ------------------------------------------------------------------------


def _maternity_inputs(uow: UnitOfWork, person_id: int, birth: date, details: Mapping[str, str]) -> tuple[int, int, int]:
    person = uow.persons.get(person_id)
    mother = -1 if person is None else int(person.sex == Sex.FEMALE)
    affiliated = bool(uow.affiliations.for_person(person_id, valid_on=birth))
    unpaid = any(
        c.value.status == ContributionStatus.UNPAID and c.value.quarter.start <= birth
        for c in uow.contributions.for_person(person_id)
    )
    insurance = 0 if not affiliated else (-1 if unpaid else 1)
    at_address = {"yes": 1, "no": 0}.get(str(details.get("child_at_mother_address", "")).lower(), -1)
    return mother, insurance, at_address


def propose_maternity_aid(
    uow: UnitOfWork, event: OutboxRecord, person_id: int, birth: date, details: Mapping[str, str]
) -> Decision:
    mother, insurance, at_address = _maternity_inputs(uow, person_id, birth, details)
    right = maternity_aid(_day(birth), mother, insurance, at_address, -1)
    reasons = right.reason_codes(0)
    outcome = right.outcome_of(0)
    if outcome is Outcome.NOT_ELIGIBLE:
        status = "refused"
    elif outcome is Outcome.ELIGIBLE or set(reasons) <= MATERNITY_CONFIRMABLE:
        status = "proposed"  # what only the mother can confirm is left: she is asked through her fund
    else:
        status = "pending_information"
    decision = Decision(
        kind="maternity_aid",
        person_id=person_id,
        status=status,
        outcome=_outcome_name(right),
        source_event_id=event.event_id,
        reasons=tuple(reasons),
        details={"birth_date": birth.isoformat(), "vouchers_if_confirmed": 105 if status == "proposed" else 0},
        explanation=_explain(right),
        fund_code=_fund_on(uow, person_id, birth),
    )
    return _decide(uow, decision, "maternity aid checked on a birth in the National Register")


def confirm_maternity_aid(uow: UnitOfWork, decision_id: int, *, actor: str, wants_vouchers: bool = True) -> Decision:
    """The mother answers the proposal: she wants the vouchers (and confirms she resumed work and the
    child lives with her), or declines. Re-checks the right with her answers."""
    decision = uow.decisions.get_or_raise(decision_id)
    if decision.kind != "maternity_aid" or decision.status != "proposed":
        raise Conflict(f"decision {decision_id} is not a maternity-aid proposal", code="statut.conflict.decision")
    change = uow.record_change(actor=actor, reason="the mother answered the maternity-aid proposal")
    if not wants_vouchers:
        return uow.decisions.set_status(decision_id, "declined", change)
    birth = date.fromisoformat(decision.details["birth_date"])
    mother, insurance, _ = _maternity_inputs(uow, decision.person_id, birth, {})
    right = maternity_aid(_day(birth), mother, insurance, 1, 1)
    status = "granted" if right.outcome_of(0) is Outcome.ELIGIBLE else "refused"
    return uow.decisions.set_status(
        decision_id,
        status,
        change,
        outcome=_outcome_name(right),
        reasons=right.reason_codes(0),
        explanation=_explain(right),
        details={"vouchers": int(right.vouchers[0])},
    )


# -- bankruptcy, cessation -> bridging right -------------------------------------------------------


def check_bridging_right(
    uow: UnitOfWork, event: OutboxRecord, person_id: int, *, kind: LifeEventType, day: date, details: Mapping[str, str]
) -> Decision:
    if kind is LifeEventType.BANKRUPTCY:
        trigger = BridgingTrigger.BANKRUPTCY
    elif str(details.get("reason", "")).lower() in {"economic", "economic_reasons", "raisons_economiques"}:
        trigger = BridgingTrigger.ECONOMIC_CESSATION
    else:
        trigger = BridgingTrigger.UNKNOWN  # a cessation whose reason the fund still has to ask
    career = uow.careers.for_person(person_id)
    quarters = sum(1 for q in career if q.value.counts_for_pension) if career else -1
    dependants = {"yes": 1, "no": 0}.get(str(details.get("dependants", "")).lower(), -1)
    right = bridging_right(int(trigger), _day(day), quarters, dependants)
    outcome = right.outcome_of(0)
    status = {Outcome.ELIGIBLE: "proposed", Outcome.NOT_ELIGIBLE: "refused"}.get(outcome, "pending_information")
    amount = int(right.monthly_amount[0])
    decision = Decision(
        kind="bridging_right",
        person_id=person_id,
        status=status,
        outcome=_outcome_name(right),
        source_event_id=event.event_id,
        reasons=tuple(right.reason_codes(0)),
        details={
            "trigger": kind.value,
            "event_date": day.isoformat(),
            "months": int(right.months[0]),
            "monthly_amount_cents": amount if amount >= 0 else None,
            "career_quarters": quarters,
        },
        explanation=_explain(right),
        fund_code=_fund_on(uow, person_id, day - timedelta(days=1)),
    )
    return _decide(uow, decision, f"bridging right checked on a {kind.value}")


# -- death -> dossier closed -----------------------------------------------------------------------


def close_dossier(uow: UnitOfWork, event: OutboxRecord, person_id: int, death: date) -> Decision:
    key = f"dossier_closed:{event.event_id}"
    if (existing := uow.decisions.get_by_key(key)) is not None:
        return existing
    change = uow.record_change(actor=ACTOR, reason="dossier closed after a death", source=f"event:{event.event_id}")
    end = death + timedelta(days=1)  # half-open periods: the affiliation covers the day of death
    ended = []
    for affiliation in uow.affiliations.for_person(person_id):
        period = affiliation.value.period
        if period.end is None or period.end > end:
            if period.start >= end:
                uow.affiliations.retract(_affiliation_id(uow, affiliation), change)
            else:
                uow.affiliations.end(_affiliation_id(uow, affiliation), end, change)
            ended.append(affiliation.value.fund_code)
    death_quarter = Quarter.of(death)
    stopped = []
    for contribution in uow.contributions.for_person(person_id):
        value = contribution.value
        if (
            death_quarter < value.quarter
            and value.due > value.paid
            and value.status in (ContributionStatus.DUE, ContributionStatus.UNPAID)
        ):
            uow.contributions.correct(replace(value, due=value.paid, status=ContributionStatus.PAID), change)
            stopped.append(str(value.quarter))
    shown_quarter = str(death_quarter + 1)
    decision = Decision(
        kind="dossier_closed",
        person_id=person_id,
        status="closed",
        outcome="closed",
        source_event_id=event.event_id,
        reasons=("death",),
        details={"death_date": death.isoformat(), "affiliations_ended": ended, "dues_stopped_quarters": stopped},
        explanation={
            lang: [TEXTS["dossier_closed"][lang].format(date=death.isoformat(), quarter=shown_quarter)]
            for lang in LANGUAGES
        },
        fund_code=ended[0] if ended else _fund_on(uow, person_id, death),
    )
    return uow.decisions.make(decision, change)


def _affiliation_id(uow: UnitOfWork, versioned: Any) -> int:
    from sqlalchemy import select

    from statut.store import tables as t

    return int(
        uow.connection.execute(
            select(t.affiliation.c.affiliation_id).where(t.affiliation.c.version_id == versioned.version_id)
        ).scalar_one()
    )


# -- definitive income -> final contributions and regularisation -----------------------------------


def settle_final_contributions(
    uow: UnitOfWork, event: OutboxRecord, person_id: int, year: int, amount_cents: int
) -> Decision | None:
    affiliations = [
        a.value
        for a in uow.affiliations.for_person(person_id)
        if a.value.period.start.year <= year and (a.value.period.end is None or a.value.period.end > date(year, 1, 1))
    ]
    if not affiliations:
        return None  # not self-employed that year: nothing to settle
    affiliation = affiliations[-1]
    contributions = [c.value for c in uow.contributions.for_person(person_id) if c.value.quarter.year == year]
    quarters_active = max(1, min(4, len({c.quarter for c in contributions}) or 4))
    paid_cents = int(sum((c.paid for c in contributions), Decimal(0)) * 100)
    fund = uow.funds.get(affiliation.fund_code)
    fee_rate = fund.fee_rate if fund is not None else Decimal(0)
    fee_ppm = int(Decimal(fee_rate) * 1_000_000)
    result = final_contributions(
        year,
        capacity_code(affiliation.capacity.value),
        amount_cents,
        quarters_active=quarters_active,
        fee_rate_ppm=fee_ppm,
    )
    trace = explain_final_contribution(
        year, affiliation.capacity, Decimal(amount_cents) / 100, quarters_active=quarters_active, fee_rate=fee_rate
    )
    explanation = {lang: trace.render(lang).splitlines() for lang in LANGUAGES}
    details: dict[str, Any] = {
        "year": year,
        "income_cents": amount_cents,
        "quarters_active": quarters_active,
        "provisional_paid_cents": paid_cents,
    }
    if bool(result.ok[0]):
        quarterly = int(result.quarterly_with_fees[0])
        balance = int(regularisation(quarterly, paid_cents, quarters_active))
        direction = "supplement" if balance > 0 else "refund" if balance < 0 else "balanced"
        details |= {
            "final_quarterly_cents": quarterly,
            "final_annual_cents": int(result.annual[0]),
            "regularisation_cents": balance,
        }
        for lang in LANGUAGES:
            amount = f"{abs(balance) / 100:.2f}"
            explanation[lang].append(
                TEXTS["regularisation"][lang].format(year=year, amount=amount, direction=DIRECTIONS[direction][lang])
            )
        status, outcome, reasons = "notified", direction, (direction,)
    else:
        status, outcome, reasons = "pending_information", "missing_data", (result.error_name(0),)
    decision = Decision(
        kind="final_contributions",
        person_id=person_id,
        status=status,
        outcome=outcome,
        source_event_id=event.event_id,
        reasons=reasons,
        details=details,
        explanation=explanation,
        fund_code=affiliation.fund_code,
    )
    return _decide(uow, decision, f"final contributions {year} on the definitive income from the tax authority")


# -- pension age -----------------------------------------------------------------------------------


def _early_pension_years(uow: UnitOfWork, person_id: int) -> int:
    per_year: dict[int, int] = {}
    career = uow.careers.for_person(person_id)
    if not career:
        return -1
    for quarter in career:
        if quarter.value.counts_for_pension:
            per_year[quarter.value.quarter.year] = per_year.get(quarter.value.quarter.year, 0) + 1
    return sum(1 for count in per_year.values() if count >= 2)


def examine_pension(uow: UnitOfWork, event: OutboxRecord, person_id: int, as_of: date) -> Decision:
    person = uow.persons.get_or_raise(person_id)
    right = pension_right(_day(person.birth_date), _early_pension_years(uow, person_id), as_of=as_of)
    legal = str(right.legal_date[0])
    explanation = _explain(right)
    for lang in LANGUAGES:
        explanation[lang].insert(0, TEXTS["pension_notice"][lang].format(date=legal))
    decision = Decision(
        kind="pension_examination",
        person_id=person_id,
        status="notified",
        outcome=_outcome_name(right),
        source_event_id=event.event_id,
        reasons=tuple(right.reason_codes(0)),
        details={
            "legal_date": legal,
            "legal_age": int(right.legal_age[0]),
            "earliest_date": str(right.earliest_date[0]),
            "as_of": as_of.isoformat(),
        },
        explanation=explanation,
        fund_code=_fund_on(uow, person_id, as_of),
    )
    return _decide(uow, decision, "pension examination six months before the legal pension age")


def announce_pension_ages(uow: UnitOfWork, today: date, *, months: int = PENSION_NOTICE_MONTHS) -> list[int]:
    """Announce ``be.statut.pension.age_approaching`` for every affiliated, living person whose legal
    pension date falls within ``months`` months and who was not announced yet. Column work: one query,
    one vectorised rule call, however many people."""
    from sqlalchemy import and_, exists, select

    from statut.store import events_tables as et
    from statut.store import tables as t

    pv, a, ob = t.person_version, t.affiliation, et.outbox
    rows = uow.connection.execute(
        select(pv.c.person_id, pv.c.birth_date).where(
            pv.c.superseded_at.is_(None),
            pv.c.valid_to.is_(None),
            pv.c.death_date.is_(None),
            exists().where(and_(a.c.person_id == pv.c.person_id, a.c.superseded_at.is_(None), a.c.valid_to.is_(None))),
        )
    ).all()
    if not rows:
        return []
    ids = np.array([int(r.person_id) for r in rows])
    births = np.array([r.birth_date.isoformat() for r in rows], dtype="datetime64[D]")
    legal = pension_right(births, -1, as_of=today).legal_date
    horizon = np.datetime64(_add_months(today, months).isoformat())
    chosen = ids[(legal >= np.datetime64(today.isoformat())) & (legal <= horizon)]
    announced: list[int] = []
    if len(chosen) == 0:
        return announced
    already = {
        int(s.removeprefix("person/"))
        for s in uow.connection.execute(
            select(ob.c.subject).where(ob.c.event_type == "be.statut.pension.age_approaching")
        ).scalars()
    }
    todo = [int(i) for i in chosen if int(i) not in already]
    if not todo:
        return announced
    change = uow.record_change(actor=ACTOR, reason=f"legal pension age within {months} months", source="pension-scan")
    legal_by_id = dict(zip(ids.tolist(), legal.astype(str).tolist(), strict=True))
    for person_id in todo:
        uow.ledger.record(
            change,
            action="pension.age_approaching",
            entity_type="person",
            entity_key=person_id,
            payload={"legal_date": legal_by_id[person_id], "as_of": today.isoformat()},
        )
        announced.append(person_id)
    return announced


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


# -- notification by letter -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterJob:
    """A decision (in one of its statuses) to send on paper: what the fund's agent prints."""

    notification_id: int
    decision: Decision
    decision_status: str
    national_number: str | None
    language: str  # the person's language (fr, nl, de), what the letter is written in
    fund_code: str | None
    queued_at: datetime


def letters_awaiting_print(uow: UnitOfWork, *, fund_code: str | None = None, limit: int = 200) -> list[LetterJob]:
    """Decisions whose letter is not printed yet, oldest first (of one fund when ``fund_code`` is
    given: an agent prints their own fund's letters). The letter itself is rendered by the portal
    (statut.portal.letters) from the decision and its explanation in ``language``."""
    jobs: list[LetterJob] = []
    for notice in uow.decisions.letters_pending(fund_code=fund_code, limit=limit):
        decision = uow.decisions.get(notice.decision_id)
        if decision is None:  # removed by a replay and not re-made: nothing to send any more
            continue
        person = uow.persons.get(decision.person_id)
        jobs.append(
            LetterJob(
                notification_id=notice.notification_id,
                decision=decision,
                decision_status=notice.decision_status,
                national_number=person.number.value if person is not None else None,
                language=person.language.value if person is not None else "fr",
                fund_code=notice.fund_code,
                queued_at=notice.created_at,
            )
        )
    return jobs


def mark_letters_printed(
    uow: UnitOfWork, notification_ids: Sequence[int], *, actor: str, fund_code: str | None = None
) -> list[int]:
    """Record that these letters were printed (by ``actor``; only letters of ``fund_code`` when
    given). Letters already printed, or of another fund, are left as they are and not returned. Each
    printed letter is a ledger entry (``notification.printed``): who sent what on paper, and when."""
    if not actor or not actor.strip():
        raise DomainValidationError("actor", actor, "who printed the letters is required")
    wanted = sorted({int(i) for i in notification_ids})
    if not wanted:
        return []
    change = uow.record_change(actor=actor, reason="decision letters printed", source="letters")
    printed = uow.decisions.mark_printed(wanted, by=actor, moment=change.recorded_at, fund_code=fund_code)
    for notice in printed:
        decision = uow.decisions.get(notice.decision_id)
        uow.ledger.record(
            change,
            action="notification.printed",
            entity_type="person" if decision is not None else "decision",
            entity_key=decision.person_id if decision is not None else notice.decision_id,
            payload={
                "notification_id": notice.notification_id,
                "decision_id": notice.decision_id,
                "decision_status": notice.decision_status,
                "fund_code": notice.fund_code,
            },
        )
    return [n.notification_id for n in printed]


def notices_of(uow: UnitOfWork, decision_id: int) -> list[Notice]:
    """How a decision was made known: portal, letter, webhooks, each with its status."""
    require_decision(uow, decision_id)
    return uow.decisions.notices(decision_id)


def decisions_for(uow: UnitOfWork, person_id: int) -> Sequence[Decision]:
    return uow.decisions.for_person(person_id)


def require_decision(uow: UnitOfWork, decision_id: int) -> Decision:
    found = uow.decisions.get(decision_id)
    if found is None:
        raise NotFound(f"decision {decision_id} not found")
    return found


__all__ = [
    "IncomeSource",
    "IncomeStatus",
    "LetterJob",
    "Notice",
    "announce_pension_ages",
    "check_bridging_right",
    "close_dossier",
    "confirm_maternity_aid",
    "examine_pension",
    "letters_awaiting_print",
    "mark_letters_printed",
    "notices_of",
    "propose_maternity_aid",
    "settle_final_contributions",
]
