"""Webhook delivery: signed, retried with backoff, in order per person, dead letter, redelivery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine

from statut.domain.entities import LifeEventType
from statut.events.signing import signature_header, verify
from statut.services.events import build_relay, dead_letters, redeliver, subscribe_webhook
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import Receiver, life_event, self_employed

SECRET = "fund-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET)
    receiver.url = receiver.start()  # type: ignore[attr-defined]
    yield receiver
    receiver.stop()


def _stream(engine: Engine, people: int = 3, events_each: int = 4) -> list[int]:
    ids = []
    with UnitOfWork(engine) as uow:
        for _ in range(people):
            person, person_id = self_employed(uow)
            ids.append(person_id)
            for i in range(events_each):
                life_event(uow, person, LifeEventType.ADDRESS_CHANGE, date(2024, 1, 1 + i))
        uow.commit()
    return ids


def _run_until_quiet(engine: Engine, rounds: int = 200) -> None:
    relay = build_relay(engine, backoff_base=0.01)
    try:
        import time

        for _ in range(rounds):
            if relay.run_once() == 0:
                with UnitOfWork(engine, read_only=True) as uow:
                    if uow.subscriptions.count("pending") == 0:
                        return
                time.sleep(0.02)
    finally:
        relay.close()


def _per_person(events: list[dict]) -> dict[str, list[int]]:  # type: ignore[type-arg]
    order: dict[str, list[int]] = {}
    for event in events:
        order.setdefault(event["subject"], []).append(int(event["sequence"]))
    return order


def test_signature_round_trip_and_tolerance() -> None:
    header = signature_header(SECRET, b"{}", timestamp=1_000)
    assert verify(SECRET, b"{}", header, now=1_010)
    assert not verify(SECRET, b"{ }", header, now=1_010)
    assert not verify("other", b"{}", header, now=1_010)
    assert not verify(SECRET, b"{}", header, now=5_000)  # too old: a replayed request


def test_a_subscriber_failing_three_times_then_recovering_gets_everything_in_order(
    engine: Engine, receiver: Receiver
) -> None:
    with UnitOfWork(engine) as uow:
        subscribe_webhook(uow, "fund-f101", receiver.url, secret=SECRET)  # type: ignore[attr-defined]
        uow.commit()
    receiver.fail_times = 3
    _stream(engine)
    _run_until_quiet(engine)
    with UnitOfWork(engine, read_only=True) as uow:
        expected = uow.outbox.count()
    assert receiver.bad_signatures == 0
    assert len(set(receiver.ids())) == expected
    for sequences in _per_person(receiver.events).values():
        assert sequences == sorted(sequences)


def test_a_poison_event_goes_to_the_dead_letter_without_blocking_the_others(engine: Engine, receiver: Receiver) -> None:
    with UnitOfWork(engine) as uow:
        subscribe_webhook(uow, "fund-f101", receiver.url, secret=SECRET, max_attempts=3)  # type: ignore[attr-defined]
        poison_person, _ = self_employed(uow)
        life_event(uow, poison_person, LifeEventType.ADDRESS_CHANGE, date(2024, 2, 2), poison="unparseable")
        life_event(uow, poison_person, LifeEventType.ADDRESS_CHANGE, date(2024, 3, 3))
        uow.commit()
    receiver.fail_when = lambda event: event["data"].get("details", {}).get("poison") is not None
    _stream(engine)
    _run_until_quiet(engine)
    with UnitOfWork(engine, read_only=True) as uow:
        letters = [letter for letter in dead_letters(uow) if letter.subscription == "fund-f101"]
        total = uow.outbox.count()
    assert [letter.delivery.attempts for letter in letters] == [3]
    assert len(set(receiver.ids())) == total - 1  # all but the poison, including the same person's next event
    # Redelivery on request: the subscriber fixed its bug.
    receiver.fail_when = None
    with UnitOfWork(engine) as uow:
        assert redeliver(uow, subscription="fund-f101") == 1
        uow.commit()
    _run_until_quiet(engine)
    assert len(set(receiver.ids())) == total


def test_a_poison_event_for_the_handlers_is_dead_lettered_too(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        mother, mother_id = self_employed(uow)
        life_event(uow, mother, LifeEventType.BIRTH, date(2024, 3, 1), poison="bad data")
        other, other_id = self_employed(uow)
        life_event(uow, other, LifeEventType.BIRTH, date(2024, 3, 2))
        uow.commit()
    _run_until_quiet(engine)
    with UnitOfWork(engine, read_only=True) as uow:
        assert [letter.subscription for letter in dead_letters(uow)] == ["handlers"]
        assert uow.decisions.for_person(mother_id) == []
        assert len(uow.decisions.for_person(other_id)) == 1


def test_a_fund_subscription_only_hears_of_its_own_people(engine: Engine, receiver: Receiver) -> None:
    with UnitOfWork(engine) as uow:
        subscribe_webhook(uow, "fund-f102", receiver.url, secret=SECRET, fund_code="F102")  # type: ignore[attr-defined]
        _, mine = self_employed(uow, fund="F102")
        _, theirs = self_employed(uow, fund="F101")
        uow.commit()
    _run_until_quiet(engine)
    subjects = {event["subject"] for event in receiver.events}
    assert f"person/{mine}" in subjects
    assert f"person/{theirs}" not in subjects
