"""Handlers: each life event, income and pension age turns into a stored, explained, announced decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from statut.domain.calendar import Quarter
from statut.domain.entities import IncomeSource, IncomeStatus, LifeEventType, ProfessionalIncome
from statut.domain.identifiers import Sex
from statut.events import handlers
from statut.events.senders import InProcessSender
from statut.services import decisions
from statut.services.events import drain
from statut.store.outbox import person_subject
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import life_event, self_employed
from tests.factories import make_contribution


def _decisions(engine: Engine, person_id: int) -> list[decisions.Decision]:  # type: ignore[name-defined]
    with UnitOfWork(engine, read_only=True) as uow:
        return uow.decisions.for_person(person_id)


def test_birth_becomes_a_maternity_aid_proposal_the_mother_confirms(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        mother, mother_id = self_employed(uow)
        life_event(uow, mother, LifeEventType.BIRTH, date(2024, 3, 1), child_at_mother_address="yes")
        uow.commit()
    drain(engine)
    [proposal] = _decisions(engine, mother_id)
    assert (proposal.kind, proposal.status, proposal.fund_code) == ("maternity_aid", "proposed", "F101")
    assert proposal.reasons == ("work_resumption_unknown",)
    assert set(proposal.explanation) == {"fr", "nl", "de", "en"}
    with UnitOfWork(engine) as uow:
        granted = decisions.confirm_maternity_aid(uow, proposal.decision_id or 0, actor="mother")
        uow.commit()
    assert (granted.status, granted.outcome, granted.details["vouchers"]) == ("granted", "eligible", 105)
    with UnitOfWork(engine, read_only=True) as uow:
        types = [e.event_type for e in uow.outbox.for_subject(person_subject(mother_id))]
    assert types[-2:] == ["be.statut.decision.made", "be.statut.decision.granted"]


def test_a_father_gets_no_maternity_aid(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        father, father_id = self_employed(uow, sex=Sex.MALE)
        life_event(uow, father, LifeEventType.BIRTH, date(2024, 3, 1))
        uow.commit()
    drain(engine)
    [decision] = _decisions(engine, father_id)
    assert (decision.status, decision.outcome) == ("refused", "not_eligible")
    assert "not_mother" in decision.reasons


def test_definitive_income_settles_final_contributions(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        person, person_id = self_employed(uow)
        change = uow.record_change(actor="test", reason="provisional contributions")
        for q in range(1, 5):
            uow.contributions.add(
                make_contribution(person, quarter=Quarter(2023, q), due="840.97", paid="840.97", status="paid"), change
            )  # type: ignore[arg-type]
        change = uow.record_change(actor="tax", reason="definitive income", source="tax_authority")
        uow.incomes.add(
            ProfessionalIncome(
                person.number.value, 2023, Decimal("42000.00"), IncomeSource.TAX_AUTHORITY, IncomeStatus.DEFINITIVE
            ),
            change,
        )
        uow.commit()
    drain(engine)
    [decision] = _decisions(engine, person_id)
    assert decision.kind == "final_contributions"
    assert decision.status == "notified"
    assert decision.outcome == "supplement"
    assert decision.details["regularisation_cents"] > 0
    assert any("Regularisatie 2023" in line for line in decision.explanation["nl"])


def test_bankruptcy_opens_the_bridging_right_check(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        person, person_id = self_employed(uow)
        life_event(uow, person, LifeEventType.BANKRUPTCY, date(2024, 5, 2))
        uow.commit()
    drain(engine)
    [decision] = _decisions(engine, person_id)
    assert decision.kind == "bridging_right"
    assert decision.details["trigger"] == "bankruptcy"
    assert decision.status == "pending_information"
    assert "career_unknown" in decision.reasons


def test_death_closes_the_dossier_and_stops_dues(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        person, person_id = self_employed(uow)
        change = uow.record_change(actor="test", reason="dues")
        uow.contributions.add(make_contribution(person, quarter=Quarter(2024, 4), due="871.71"), change)
        life_event(uow, person, LifeEventType.DEATH, date(2024, 8, 14))
        uow.commit()
    drain(engine)
    [decision] = _decisions(engine, person_id)
    assert (decision.kind, decision.status) == ("dossier_closed", "closed")
    assert decision.details["dues_stopped_quarters"] == ["2024Q4"]
    with UnitOfWork(engine, read_only=True) as uow:
        [affiliation] = uow.affiliations.for_person(person_id)
        assert affiliation.value.period.end == date(2024, 8, 15)
        [due] = [c.value for c in uow.contributions.for_person(person_id)]
        assert due.due == due.paid


def test_pension_age_within_six_months_is_examined_and_notified(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _, person_id = self_employed(uow, birth_date=date(1960, 9, 1), sex=Sex.MALE)
        _, young_id = self_employed(uow, birth_date=date(1990, 9, 1))
        announced = decisions.announce_pension_ages(uow, date(2026, 5, 1))
        again = decisions.announce_pension_ages(uow, date(2026, 5, 1))
        uow.commit()
    assert person_id in announced
    assert young_id not in announced
    assert person_id not in again
    drain(engine)
    [decision] = _decisions(engine, person_id)
    assert decision.kind == "pension_examination"
    assert decision.status == "notified"
    assert decision.details["legal_date"] == "2026-09-01"
    assert decision.explanation["fr"][0].startswith("Vous atteindrez l'âge légal de la pension le 2026-09-01")


def test_a_duplicate_delivery_does_not_duplicate_a_decision(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        mother, mother_id = self_employed(uow)
        life_event(uow, mother, LifeEventType.BIRTH, date(2024, 3, 1))
        uow.commit()
        birth = uow.outbox.for_subject(person_subject(mother_id))[-1]
    sender = InProcessSender(engine, handlers.handle)
    subscription = None
    assert sender.send(subscription, [birth, birth]) == [None, None]  # type: ignore[arg-type]
    # Even past the processed-event guard (another consumer name), the decision key holds.
    assert InProcessSender(engine, handlers.handle, consumer="other").send(subscription, [birth]) == [None]  # type: ignore[arg-type]
    drain(engine)
    assert len(_decisions(engine, mother_id)) == 1
