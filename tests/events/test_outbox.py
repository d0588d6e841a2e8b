"""The outbox: every change announces itself in its own transaction, as a CloudEvent, in order per person."""

from __future__ import annotations

from datetime import date

from statut.domain.entities import LifeEventType
from statut.events.cloudevents import decode, encode, to_cloudevent
from statut.store.outbox import person_subject
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import life_event, self_employed


def test_a_change_writes_its_event_in_the_same_transaction(uow: UnitOfWork) -> None:
    before = uow.outbox.count()
    person, person_id = self_employed(uow)
    life_event(uow, person, LifeEventType.BIRTH, date(2024, 3, 1))
    events = uow.outbox.for_subject(person_subject(person_id))
    assert [e.event_type for e in events] == [
        "be.statut.person.registered",
        "be.statut.affiliation.started",
        "be.statut.life_event.recorded",
    ]
    # Order per person is the ledger's order: strictly increasing, each event its ledger entry's number.
    sequences = [e.sequence for e in events]
    assert sequences == sorted(set(sequences))
    assert sequences == [e.data["ledger_seq"] for e in events]
    assert uow.outbox.count() == before + 3
    birth = events[-1]
    assert birth.data["event_type"] == "birth"
    assert birth.data["event_date"] == "2024-03-01"


def test_a_rolled_back_change_announces_nothing(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        before = uow.outbox.count()
        uow.commit()
    with uow_factory() as uow:
        self_employed(uow)
        assert uow.outbox.count() > before
        uow.rollback()
    with uow_factory() as uow:
        assert uow.outbox.count() == before


def test_the_envelope_is_a_cloudevent_with_a_pseudonymous_subject(uow: UnitOfWork) -> None:
    person, person_id = self_employed(uow)
    record = uow.outbox.for_subject(person_subject(person_id))[0]
    event = to_cloudevent(record)
    assert event["specversion"] == "1.0"
    assert event["type"] == "be.statut.person.registered"
    assert event["subject"] == f"person/{person_id}"
    assert event["source"] == "/statut/register"
    assert event["time"].endswith("Z")
    assert event["datacontenttype"] == "application/json"
    body = encode(event)
    assert person.number.value not in body.decode()
    assert decode(body)["id"] == record.event_id
    entitled = to_cloudevent(record, include_national_number=True)
    assert entitled["nationalnumber"] == person.number.value
