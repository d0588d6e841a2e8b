"""Events as use cases: subscribe, run the relay, dead letters and redelivery, replay, the demo.

The relay is a job: it opens its own units of work (statut.events.relay). The functions here are
what the CLI (``statut events ...``), the API (SSE, webhook subscriptions) and the demo call.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine, func, select, text

from statut.events import handlers
from statut.events.relay import Relay, RelayStats
from statut.events.senders import InProcessSender, NatsSender, Sender, WebhookSender
from statut.store import events_tables as et
from statut.store.changes import Clock, utc_now
from statut.store.decisions import Decision
from statut.store.outbox import OutboxRecord
from statut.store.subscriptions import Delivery, Subscription
from statut.store.unit_of_work import UnitOfWork

HANDLERS_SUBSCRIPTION = "handlers"
HANDLERS_CONSUMER = "handlers"


def ensure_handler_subscription(uow: UnitOfWork, *, max_attempts: int = 5) -> Subscription:
    """The embedded default: the decision handlers subscribe in-process to the events they act on."""
    return uow.subscriptions.ensure(
        HANDLERS_SUBSCRIPTION,
        "inprocess",
        "statut.events.handlers",
        type_prefixes=handlers.HANDLED_TYPES,
        max_attempts=max_attempts,
    )


def subscribe_webhook(
    uow: UnitOfWork,
    name: str,
    url: str,
    *,
    secret: str | None = None,
    type_prefixes: Sequence[str] = (),
    fund_code: str | None = None,
    entitled_national_number: bool = False,
    max_attempts: int = 8,
) -> Subscription:
    """A fund system subscribes by webhook; the secret (generated if not given) signs every body."""
    return uow.subscriptions.add(
        name,
        "webhook",
        url,
        secret=secret or secrets.token_urlsafe(32),
        type_prefixes=type_prefixes,
        fund_code=fund_code,
        entitled_national_number=entitled_national_number,
        max_attempts=max_attempts,
    )


def subscribe_nats(uow: UnitOfWork, url: str, *, name: str = "nats", type_prefixes: Sequence[str] = ()) -> Subscription:
    return uow.subscriptions.ensure(name, "nats", url, type_prefixes=type_prefixes, max_attempts=20)


def build_relay(
    engine: Engine,
    *,
    nats_url: str | None = None,
    webhook_timeout: float = 5.0,
    clock: Clock = utc_now,
    backoff_base: float = 1.0,
    batch_size: int = 500,
    extra_senders: Mapping[str, Sender] | None = None,
) -> Relay:
    """The relay with its senders: handlers in-process, webhooks, and NATS when a URL is given."""
    with UnitOfWork(engine, clock=clock) as uow:
        ensure_handler_subscription(uow)
        if nats_url:
            subscribe_nats(uow, nats_url)
        uow.commit()
    senders: dict[str, Sender] = {
        "inprocess": InProcessSender(engine, handlers.handle, consumer=HANDLERS_CONSUMER, clock=clock),
        "webhook": WebhookSender(timeout=webhook_timeout),
    }
    if nats_url:
        senders["nats"] = NatsSender(nats_url)
    senders.update(extra_senders or {})
    return Relay(engine, senders, clock=clock, backoff_base=backoff_base, batch_size=batch_size)


def run_relay(engine: Engine, stop: threading.Event, **options: Any) -> RelayStats:
    relay = build_relay(engine, **options)
    try:
        return relay.run(stop)
    finally:
        relay.close()


def drain(engine: Engine, **options: Any) -> RelayStats:
    """Deliver everything deliverable now, then return (the demo and tests)."""
    relay = build_relay(engine, **options)
    try:
        return relay.drain()
    finally:
        relay.close()


# -- dead letters ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetter:
    delivery: Delivery
    subscription: str
    event_type: str
    event_id: str


def dead_letters(uow: UnitOfWork) -> list[DeadLetter]:
    names = {s.subscription_id: s.name for s in uow.subscriptions.active()}
    letters = []
    for delivery in uow.subscriptions.dead_letters():
        record = _record_at(uow, delivery.position)
        letters.append(
            DeadLetter(delivery, names.get(delivery.subscription_id, "?"), record.event_type, record.event_id)
        )
    return letters


def redeliver(
    uow: UnitOfWork,
    *,
    delivery_ids: Sequence[int] = (),
    subscription: str | None = None,
    since_position: int | None = None,
) -> int:
    """Put dead letters (all, some, or one subscriber's) back in the queue; or replay a subscriber from
    an outbox position (``since_position``), e.g. after the fund restored a backup."""
    subscription_id = None
    if subscription is not None:
        found = uow.subscriptions.by_name(subscription)
        if found is None:
            from statut.domain.errors import NotFound

            raise NotFound(f"no subscription named {subscription!r}")
        subscription_id = found.subscription_id
    return uow.subscriptions.redeliver(
        delivery_ids=delivery_ids, subscription_id=subscription_id, since_position=since_position
    )


def _record_at(uow: UnitOfWork, position: int) -> OutboxRecord:
    from statut.store.outbox import _record

    return _record(uow.connection.execute(select(et.outbox).where(et.outbox.c.position == position)).one())


# -- SSE ---------------------------------------------------------------------------------------------


def events_after(
    uow: UnitOfWork, last_event_id: str | None, *, limit: int = 200, type_prefixes: Sequence[str] = ()
) -> list[OutboxRecord]:
    """Dispatched events after ``last_event_id`` (None: from the start) in the relay's commit order:
    what a Server-Sent Events stream resumes from (``Last-Event-ID``)."""
    after = 0
    if last_event_id:
        found = uow.outbox.dispatch_seq_of(last_event_id)
        after = found or 0
    return uow.outbox.dispatched_after(after, limit=limit, type_prefixes=type_prefixes)


# -- replay ------------------------------------------------------------------------------------------


@dataclass
class ReplayResult:
    since: datetime
    events: int = 0
    decisions_removed: int = 0
    decisions: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


def replay(uow: UnitOfWork, since: date | datetime) -> ReplayResult:
    """Rebuild the decision projection from the ``be.statut.decision.*`` events since ``since``:
    decisions taken since then are removed and re-applied event by event, in outbox order. The
    outbox holds every change of the ledger (statut.store.outbox), so this is the ledger replayed."""
    moment = since if isinstance(since, datetime) else datetime.combine(since, time(), tzinfo=UTC)
    result = ReplayResult(moment)
    result.decisions_removed = uow.decisions.delete_since(moment)
    after = 0
    while True:
        batch = uow.outbox.since(moment, after_position=after, limit=5_000)
        if not batch:
            break
        for record in batch:
            after = record.position
            if not record.event_type.startswith("be.statut.decision."):
                continue
            uow.decisions.project(record.data, record.occurred_at)
            result.events += 1
            result.by_type[record.event_type] = result.by_type.get(record.event_type, 0) + 1
    if uow.dialect == "postgresql":
        uow.connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('decision', 'decision_id'), "
                "COALESCE((SELECT MAX(decision_id) FROM decision), 0) + 1, false)"
            )
        )
    result.decisions = uow.decisions.count()
    return result


def projection_state(uow: UnitOfWork) -> list[dict[str, Any]]:
    """The decisions as replay must reproduce them (ids and timestamps aside)."""
    return sorted((d.comparable() for d in uow.decisions.all()), key=lambda d: (d["kind"], d["source_event_id"]))


def outbox_summary(uow: UnitOfWork) -> dict[str, int]:
    rows = uow.connection.execute(select(et.outbox.c.event_type, func.count()).group_by(et.outbox.c.event_type)).all()
    return {str(row[0]): int(row[1]) for row in rows}


__all__ = [
    "DeadLetter",
    "Decision",
    "ReplayResult",
    "build_relay",
    "dead_letters",
    "drain",
    "ensure_handler_subscription",
    "events_after",
    "outbox_summary",
    "projection_state",
    "redeliver",
    "replay",
    "run_relay",
    "subscribe_nats",
    "subscribe_webhook",
]


# -- demo --------------------------------------------------------------------------------------------


class CapturingWebhookSender:
    """A webhook sender that keeps the signed requests instead of posting them (the demo without a
    fund system listening): same body, same headers as :class:`WebhookSender`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def send(self, subscription: Subscription, records: Sequence[OutboxRecord]) -> list[str | None]:
        from statut.events.cloudevents import encode, to_cloudevent
        from statut.events.signing import SIGNATURE_HEADER, signature_header

        for record in records:
            body = encode(to_cloudevent(record, include_national_number=subscription.entitled_national_number))
            self.requests.append(
                {
                    "url": subscription.target,
                    "subscription": subscription.name,
                    "type": record.event_type,
                    "headers": {SIGNATURE_HEADER: signature_header(subscription.secret, body)},
                    "body": body.decode(),
                }
            )
        return [None] * len(records)

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class BirthDemo:
    mother_number: str
    mother_id: int
    fund_code: str
    events: list[str]
    decision: Decision
    webhooks: list[dict[str, Any]]


def demonstrate_birth(
    engine: Engine, *, fund_code: str = "F101", webhook_url: str | None = None, birth_date: date | None = None
) -> BirthDemo:
    """A birth in the National Register feed becomes a maternity-aid proposal for the mother through
    her fund, and a signed webhook to that fund (what ``statut demo`` shows).

    Creates a self-employed mother affiliated to ``fund_code`` (or reuses the demo mother), drops a
    one-line national-register feed, runs the relay once. Without ``webhook_url`` the fund's webhook
    requests are captured instead of posted.
    """
    from statut.domain.calendar import DateRange
    from statut.domain.entities import Address, Affiliation, Capacity, Language, Person
    from statut.domain.identifiers import Sex, national_number_check_digits, parse_person_number
    from statut.events.synthetic_feeds import child_number
    from statut.services import feeds

    born = birth_date or date.today()
    first_nine = "910412" + "998"
    mother = Person(
        number=parse_person_number(first_nine + national_number_check_digits(first_nine, False)),
        last_name="Peeters",
        first_name="Emma",
        birth_date=date(1991, 4, 12),
        sex=Sex.FEMALE,
        language=Language.NL,
        address=Address("9000", "Gent"),
    )
    subscription_name = f"demo-fund-{fund_code.lower()}"
    with UnitOfWork(engine) as uow:
        mother_id = uow.persons.find_id(mother.number.value)
        if mother_id is None:
            change = uow.record_change(actor="demo", reason="demo: a self-employed mother", source="demo")
            mother_id = uow.persons.add(mother, change)
            uow.affiliations.add(
                Affiliation(mother.number.value, fund_code, Capacity.MAIN, DateRange(date(2016, 1, 1), None)), change
            )
        if uow.subscriptions.by_name(subscription_name) is None:
            subscribe_webhook(
                uow,
                subscription_name,
                webhook_url or "https://fund.example/statut-hook",
                fund_code=fund_code,
                type_prefixes=("be.statut.decision.",),
            )
        feed = (
            "national_number,event_type,event_date,child_national_number,child_at_mother_address\n"
            f"{mother.number.value},birth,{born.isoformat()},{child_number(born, 7, female=True)},yes\n"
        ).encode()
        feeds.ingest_file(uow, "national_register", feed, actor="national-register")
        uow.commit()
    capture = CapturingWebhookSender()
    relay = build_relay(engine, extra_senders=None if webhook_url else {"webhook": capture})
    try:
        relay.drain(max_passes=20)
    finally:
        relay.close()
    with UnitOfWork(engine, read_only=True) as uow:
        decision = [d for d in uow.decisions.for_person(mother_id) if d.kind == "maternity_aid"][-1]
        from statut.store.outbox import person_subject

        events = [e.event_type for e in uow.outbox.for_subject(person_subject(mother_id))]
    return BirthDemo(mother.number.value, mother_id, fund_code, events, decision, capture.requests)


def fund_members(uow: UnitOfWork, fund_code: str, people: set[int]) -> set[int]:
    """Which of ``people`` are (or were) affiliated to ``fund_code``: a fund hears of its own people."""
    if not people:
        return set()
    from statut.store import tables as t

    a = t.affiliation
    rows = uow.connection.execute(
        select(a.c.person_id).where(
            a.c.person_id.in_(list(people)), a.c.fund_code == fund_code, a.c.superseded_at.is_(None)
        )
    )
    return {int(row.person_id) for row in rows}
