"""Each decision is notified on every channel and the notices are recorded: the portal at once, a
letter the fund prints (a print job), the fund's webhook (delivered, failing, dead)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from statut.domain.entities import LifeEventType
from statut.domain.errors import DomainValidationError
from statut.services import decisions
from statut.services.events import drain, replay, subscribe_webhook
from statut.store.changes import utc_now
from statut.store.unit_of_work import UnitOfWork
from tests.events.helpers import Receiver, life_event, self_employed


def _proposal(engine: Engine, fund: str = "F101", *, backoff: float = 0.01) -> int:
    with UnitOfWork(engine) as uow:
        mother, mother_id = self_employed(uow, fund=fund)
        life_event(uow, mother, LifeEventType.BIRTH, date(2024, 3, 1), child_at_mother_address="yes")
        uow.commit()
    drain(engine, backoff_base=backoff)
    with UnitOfWork(engine, read_only=True) as uow:
        [decision] = uow.decisions.for_person(mother_id)
    assert decision.decision_id is not None
    return decision.decision_id


def _channels(engine: Engine, decision_id: int) -> set[tuple[str, str, str]]:
    with UnitOfWork(engine, read_only=True) as uow:
        return {(n.channel, n.decision_status, n.status) for n in decisions.notices_of(uow, decision_id)}


def test_a_decision_is_on_the_portal_at_once_and_its_letter_waits_for_printing(engine: Engine) -> None:
    decision_id = _proposal(engine)
    assert _channels(engine, decision_id) == {("portal", "proposed", "available"), ("letter", "proposed", "pending")}
    with UnitOfWork(engine, read_only=True) as uow:
        [job] = decisions.letters_awaiting_print(uow, fund_code="F101")
        assert decisions.letters_awaiting_print(uow, fund_code="F102") == []
    assert job.decision.decision_id == decision_id
    assert (job.decision_status, job.language, job.fund_code) == ("proposed", "fr", "F101")
    assert job.national_number is not None
    with UnitOfWork(engine) as uow:  # an agent of another fund cannot mark it
        assert decisions.mark_letters_printed(uow, [job.notification_id], actor="agent-F102", fund_code="F102") == []
        assert decisions.mark_letters_printed(uow, [job.notification_id], actor="agent-F101", fund_code="F101") == [
            job.notification_id
        ]
        # Printing twice prints nothing more.
        assert decisions.mark_letters_printed(uow, [job.notification_id], actor="agent-F101") == []
        uow.commit()
    assert ("letter", "proposed", "printed") in _channels(engine, decision_id)
    with UnitOfWork(engine, read_only=True) as uow:
        assert decisions.letters_awaiting_print(uow) == []
        printed = [e for e in uow.outbox.since(date(2000, 1, 1)) if e.event_type == "be.statut.notification.printed"]
        assert [e.data["notification_id"] for e in printed] == [job.notification_id]
        assert uow.ledger.verify().ok


def test_each_status_of_a_decision_is_notified_again(engine: Engine) -> None:
    decision_id = _proposal(engine)
    with UnitOfWork(engine) as uow:
        decisions.confirm_maternity_aid(uow, decision_id, actor="mother")
        uow.commit()
    channels = _channels(engine, decision_id)
    assert {("portal", "granted", "available"), ("letter", "granted", "pending")} <= channels
    # A replay rebuilds the decisions; the record of how they were notified stays.
    with UnitOfWork(engine) as uow:
        replay(uow, date(2000, 1, 1))
        uow.commit()
    assert _channels(engine, decision_id) == channels


def test_the_funds_webhook_notice_follows_the_delivery(engine: Engine) -> None:
    receiver = Receiver("s3cret", fail_times=1)
    url = receiver.start()
    try:
        with UnitOfWork(engine) as uow:
            subscribe_webhook(
                uow, "fund-f101", url, secret="s3cret", fund_code="F101", type_prefixes=("be.statut.decision.",)
            )
            subscribe_webhook(
                uow, "fund-f102", url, secret="wrong", fund_code="F102", type_prefixes=("be.statut.decision.",)
            )
            uow.commit()
        # The first POST fails (503): the notice says "failing"; the retry waits an hour.
        decision_id = _proposal(engine, backoff=3600)
        assert _webhook_notices(engine, decision_id) == [("fund-f101", "failing", 1)]
        # Two hours later the retry is due, and delivered.
        drain(engine, backoff_base=3600, clock=lambda: utc_now() + timedelta(hours=2))
    finally:
        receiver.stop()
    webhooks = _webhook_notices(engine, decision_id)
    # Only the mother's fund was notified, after one failed attempt.
    assert webhooks == [("fund-f101", "delivered", 2)]


def _webhook_notices(engine: Engine, decision_id: int) -> list[tuple[str, str, int]]:
    with UnitOfWork(engine, read_only=True) as uow:
        return [
            (n.recipient, n.status, n.attempts) for n in uow.decisions.notices(decision_id) if n.channel == "webhook"
        ]


def test_letters_need_someone_who_printed_them(engine: Engine) -> None:
    decision_id = _proposal(engine)
    with UnitOfWork(engine) as uow, pytest.raises(DomainValidationError):
        decisions.mark_letters_printed(uow, [decision_id], actor=" ")
