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
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from statut.domain.entities import ContributionStatus
from statut.domain.errors import DomainValidationError, NotFound
from statut.events import handlers
from statut.events.relay import Relay, RelayStats
from statut.events.senders import InProcessSender, NatsSender, Sender, WebhookSender
from statut.store import events_tables as et
from statut.store.changes import Clock, utc_now
from statut.store.decisions import Decision, Notice
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


# -- demo: a birth in the National Register becomes a proposal and a webhook to the fund --------------

#: Where the mother sees her decisions in the portal (statut.portal.person_pages), signed in.
PORTAL_RIGHTS_PATH = "/me/rights"
#: Where an agent of her fund opens her dossier, with a stated purpose (statut.portal.agent_pages).
AGENT_MEMBER_PATH = "/agent/members/{number}"
SELF_EMPLOYED_PERSONA = "self-employed"
MATERNITY_AGES = (18, 45)
#: A mother who had a birth recorded this recently is not chosen again (a re-run picks the next one).
RECENT_BIRTH_DAYS = 300


@dataclass(frozen=True)
class DemoMother:
    person_id: int
    national_number: str
    name: str
    birth_date: date
    fund_code: str
    #: The development persona whose portal is hers (``self-employed``), or None: then an agent of her
    #: fund (persona ``agent-<fund>``) sees the decision in her dossier.
    persona: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    url: str
    subscription: str
    event_id: str
    event_type: str
    answered: int  # the HTTP status the fund's endpoint answered
    signature_valid: bool
    latency_ms: float  # from the decision's commit to the fund's receipt
    attempts: int


@dataclass(frozen=True)
class BirthDemo:
    mother: DemoMother
    feed_file: Path
    feed_record: dict[str, str]
    feed_recorded: int
    life_event_id: str  # the CloudEvent id of be.statut.life_event.recorded
    decision: Decision
    webhook: WebhookDelivery | None
    notices: list[Notice]
    portal_path: str
    portal_how: str
    seconds: float  # from the feed file drop to the fund's receipt of the decision
    events: list[str] = field(default_factory=list)

    @property
    def mother_id(self) -> int:
        return self.mother.person_id

    @property
    def mother_number(self) -> str:
        return self.mother.national_number

    @property
    def fund_code(self) -> str:
        return self.mother.fund_code


def choose_mother(uow: UnitOfWork, today: date) -> DemoMother:
    """A self-employed woman of the register, affiliated today, of an age to give birth, without a
    birth recorded in the last months and owing no overdue contribution. The self-employed persona's
    own person when she qualifies (statut.services.identity.demo_person), so that signing in as that
    persona shows the proposal; else the first woman who does."""
    from statut.services.identity import demo_person
    from statut.store import tables as t

    try:
        persona: tuple[int, str] | None = demo_person(uow, today)
    except NotFound:
        persona = None
    pv = t.person_version
    youngest, oldest = _years_before(today, MATERNITY_AGES[0]), _years_before(today, MATERNITY_AGES[1] + 1)
    candidates = uow.connection.execute(
        select(pv.c.person_id)
        .where(
            pv.c.superseded_at.is_(None),
            pv.c.valid_to.is_(None),
            pv.c.death_date.is_(None),
            pv.c.sex == "F",
            pv.c.birth_date <= youngest,
            pv.c.birth_date > oldest,
        )
        .order_by(pv.c.person_id)
    ).scalars()
    ordered = ([persona[0]] if persona is not None else []) + [int(c) for c in candidates]
    for person_id in dict.fromkeys(ordered):
        mother = _as_mother(uow, person_id, today, persona_id=persona[0] if persona else None)
        if mother is not None:
            return mother
    raise NotFound(
        "no self-employed woman aged 18 to 45 is affiliated today without a recent birth: "
        "load a register first (`statut demo` or `statut db load`)",
        code="statut.not_found.demo_mother",
    )


def _as_mother(uow: UnitOfWork, person_id: int, today: date, *, persona_id: int | None) -> DemoMother | None:
    person = uow.persons.get(person_id)
    if person is None or person.sex.value != "F" or person.death_date is not None:
        return None
    age = (today - person.birth_date).days // 365
    if not MATERNITY_AGES[0] <= age <= MATERNITY_AGES[1]:
        return None
    funds = sorted(uow.members.current_funds(person_id, today))
    if not funds:
        return None
    recent = [
        e
        for e in uow.life_events.for_person(person_id)
        if e.value.event_type.value == "birth" and (today - e.value.event_date).days < RECENT_BIRTH_DAYS
    ]
    if recent:
        return None
    if any(c.value.status == ContributionStatus.UNPAID for c in uow.contributions.for_person(person_id)):
        return None  # overdue contributions: the right would wait for them, not be proposed
    return DemoMother(
        person_id=person_id,
        national_number=person.number.value,
        name=f"{person.first_name} {person.last_name}",
        birth_date=person.birth_date,
        fund_code=funds[0],
        persona=SELF_EMPLOYED_PERSONA if person_id == persona_id else None,
    )


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def demonstrate_birth(
    engine: Engine,
    *,
    drop_dir: Path | None = None,
    birth_date: date | None = None,
    today: date | None = None,
    timeout: float = 30.0,
) -> BirthDemo:
    """A birth in the National Register feed becomes a maternity-aid proposal in the mother's portal
    and a signed webhook to her fund (what ``statut demo`` shows; ``statut events demo-birth``).

    Every step is the real one: a self-employed woman of the register is chosen (:func:`choose_mother`);
    her fund's system listens on a loopback webhook (statut.events.receiver) that verifies the
    HMAC-SHA256 signature, and subscribes to decision events (``demo-fund-<fund>``, deactivated again
    at the end, since its endpoint goes away); a one-line National Register file is dropped in
    ``drop_dir/national_register/`` (a temporary directory when not given) and the file-drop adapter
    ingests it (statut.services.feeds.ingest_dropped); the relay runs, woken by the commits, as
    ``statut events relay`` does: the handler checks the right with the legislation engine, stores the
    proposal with its explanation and its notices (portal, letter), and the decision event reaches the
    fund's endpoint.
    """
    import tempfile

    from statut.events.receiver import WebhookReceiver
    from statut.events.synthetic_feeds import child_number

    day = today or date.today()
    born = birth_date or day
    with UnitOfWork(engine, read_only=True) as uow:
        mother = choose_mother(uow, day)
    record = {
        "national_number": mother.national_number,
        "event_type": "birth",
        "event_date": born.isoformat(),
        "child_national_number": child_number(born, mother.person_id % 400 + 1, female=True),
        "child_at_mother_address": "yes",
    }
    receiver = WebhookReceiver(secrets.token_urlsafe(32))
    url = receiver.start()
    name = f"demo-fund-{mother.fund_code.lower()}"
    with tempfile.TemporaryDirectory(prefix="statut-feeds-") as scratch:
        try:
            subscription = _fund_subscribes(engine, name, url, receiver.secret, mother.fund_code)
            run = _drop_and_relay(
                engine, drop_dir or Path(scratch), record, receiver=receiver, mother=mother, timeout=timeout
            )
        finally:
            receiver.stop()
            with UnitOfWork(engine) as uow:  # the endpoint is gone: stop sending to it
                if (found := uow.subscriptions.by_name(name)) is not None:
                    uow.subscriptions.deactivate(found.subscription_id)
                uow.commit()
    return _birth_result(engine, mother, record=record, run=run, subscription=subscription, url=url, timeout=timeout)


@dataclass(frozen=True)
class _DemoRun:
    feed_file: Path
    recorded: int
    arrived: Any  # statut.events.receiver.Received | None
    seconds: float


def _fund_subscribes(engine: Engine, name: str, url: str, secret: str, fund_code: str) -> Subscription:
    with UnitOfWork(engine) as uow:
        existing = uow.subscriptions.by_name(name)
        if existing is None:
            subscription = subscribe_webhook(
                uow, name, url, secret=secret, fund_code=fund_code, type_prefixes=("be.statut.decision.",)
            )
        else:
            subscription = uow.subscriptions.retarget(existing.subscription_id, url, secret=secret)
        uow.commit()
    return subscription


def _drop_and_relay(
    engine: Engine, directory: Path, record: dict[str, str], *, receiver: Any, mother: DemoMother, timeout: float
) -> _DemoRun:
    """Drop the file, ingest it, and run the relay until the fund has the decision (or ``timeout``)."""
    import time as clock

    from statut.services.feeds import ingest_dropped
    from statut.store.outbox import person_subject

    stop = threading.Event()
    relay = build_relay(engine)
    thread = threading.Thread(target=relay.run, args=(stop,), name="demo-relay", daemon=True)
    thread.start()
    try:
        started = clock.time()
        feed_file = _drop_feed(directory / "national_register", record)
        dropped = [
            d for d in ingest_dropped(engine, directory, actor_prefix="national-register") if d.name == feed_file.name
        ]
        if not dropped or dropped[0].result is None:
            reason = dropped[0].error if dropped else "not picked up"
            raise DomainValidationError("feed", feed_file.name, f"the feed file was rejected: {reason}")
        subject = person_subject(mother.person_id)
        arrived = receiver.wait_for(
            lambda event: (
                event.get("subject") == subject
                and event.get("type") == "be.statut.decision.made"
                and event.get("data", {}).get("kind") == "maternity_aid"
                and event.get("data", {}).get("details", {}).get("birth_date") == record["event_date"]
            ),
            timeout,
        )
        finished = arrived.received_at if arrived is not None else clock.time()
        return _DemoRun(dropped[0].moved_to, dropped[0].result.recorded, arrived, round(finished - started, 3))
    finally:
        stop.set()
        thread.join(timeout=30)
        relay.close()


def _birth_result(
    engine: Engine,
    mother: DemoMother,
    *,
    record: dict[str, str],
    run: _DemoRun,
    subscription: Subscription,
    url: str,
    timeout: float,
) -> BirthDemo:
    from statut.store.outbox import person_subject

    subject = person_subject(mother.person_id)
    with UnitOfWork(engine, read_only=True) as uow:
        events = uow.outbox.for_subject(subject)
        births = [
            e
            for e in events
            if e.event_type == "be.statut.life_event.recorded"
            and e.data.get("event_type") == "birth"
            and e.data.get("event_date") == record["event_date"]
        ]
        if not births:
            raise NotFound(f"the birth of {record['event_date']} was not recorded for person {mother.person_id}")
        birth = births[-1]
        decision = uow.decisions.get_by_key(f"maternity_aid:{birth.event_id}")
        if decision is None or decision.decision_id is None or decision.decided_at is None:
            raise NotFound(f"no maternity-aid decision on the birth event {birth.event_id} within {timeout} s")
        notices = uow.decisions.notices(decision.decision_id)
        attempts = max(
            (d.attempts for d in uow.subscriptions.deliveries(subscription.subscription_id) if d.subject == subject),
            default=0,
        )
        types = [e.event_type for e in events if e.position >= birth.position]
    webhook = None
    if run.arrived is not None:
        webhook = WebhookDelivery(
            url=url,
            subscription=subscription.name,
            event_id=str(run.arrived.event["id"]),
            event_type=str(run.arrived.event["type"]),
            answered=run.arrived.answered,
            signature_valid=run.arrived.signature_valid,
            latency_ms=round((run.arrived.received_at - decision.decided_at.timestamp()) * 1000, 1),
            attempts=attempts,
        )
    if mother.persona is not None:
        path = PORTAL_RIGHTS_PATH
        how = f'sign in as the "{mother.persona}" persona, then open {path}'
    else:
        path = AGENT_MEMBER_PATH.format(number=mother.national_number)
        how = (
            f'she has no persona of her own (the "{SELF_EMPLOYED_PERSONA}" persona is someone else): '
            f'sign in as "agent-{mother.fund_code}" and open {path} (her dossier, rights section)'
        )
    return BirthDemo(
        mother=mother,
        feed_file=run.feed_file,
        feed_record=record,
        feed_recorded=run.recorded,
        life_event_id=birth.event_id,
        decision=decision,
        webhook=webhook,
        notices=notices,
        portal_path=path,
        portal_how=how,
        seconds=run.seconds,
        events=types,
    )


def _drop_feed(folder: Path, record: dict[str, str]) -> Path:
    """Write a one-line feed file the way a source should: under a temporary name, then renamed."""
    import csv
    import io
    import uuid

    folder.mkdir(parents=True, exist_ok=True)
    text_out = io.StringIO()
    writer = csv.DictWriter(text_out, fieldnames=list(record), lineterminator="\n")
    writer.writeheader()
    writer.writerow(record)
    final = folder / f"births-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}.csv"
    partial = final.with_suffix(".part")
    partial.write_text(text_out.getvalue(), encoding="utf-8")
    partial.rename(final)
    return final


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
