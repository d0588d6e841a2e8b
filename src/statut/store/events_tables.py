"""Tables of the events capability, on the register's metadata (see tables.py for the conventions).

- ``outbox``: every domain event, written in the same transaction as the change it announces (a
  rolled-back change never announces itself). ``position`` orders inserts; ``sequence`` orders the
  events of one subject (a person); ``dispatch_seq`` is the order in which the single relay fanned
  events out, which is what Server-Sent Events resume from (a commit-ordered log, free of the gaps an
  autoincrement shows under concurrent transactions).
- ``event_subscription``: who receives what (in-process handlers, webhooks of fund systems, NATS).
- ``event_delivery``: one row per (subscription, event): attempts, next attempt, dead letter.
- ``processed_event``: event ids a consumer has applied, so a redelivery changes nothing.
- ``decision``: decisions on rights with their explanation in fr, nl, de, en (a projection of the
  ``be.statut.decision.*`` events: ``statut events replay`` rebuilds it).
- ``decision_notification``: how each decision (each status it reached) was made known, one row per
  channel and recipient: the portal (available at once), a letter (a print job the fund's agent
  prints), each webhook subscription of the fund (delivered, failing, dead). It is a log, not a
  projection: it has no foreign key to ``decision`` so that a replay, which deletes and re-inserts
  decisions with the same ids, keeps the record of letters already printed.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, Text

from statut.store.tables import metadata, one_of
from statut.store.types import BigIntegerKey, UtcDateTime

DELIVERY_STATUSES = ("pending", "delivered", "dead")
SUBSCRIPTION_KINDS = ("inprocess", "webhook", "nats")
DECISION_STATUSES = ("proposed", "granted", "refused", "pending_information", "notified", "closed", "declined")
NOTIFICATION_CHANNELS = ("portal", "letter", "webhook")
NOTIFICATION_STATUSES = ("available", "pending", "printed", "delivered", "failing", "dead")

outbox = Table(
    "outbox",
    metadata,
    Column("position", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("source", String(200), nullable=False),
    Column(
        "subject", String(100), nullable=False, comment="Pseudonymous key, e.g. person/42; never a national number."
    ),
    Column("sequence", BigInteger(), nullable=False, comment="Order of the event among its subject's events."),
    Column("person_number", String(11), nullable=True, comment="For subscribers entitled to the national number only."),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("data", Text(), nullable=False, comment="The CloudEvents data member, canonical JSON."),
    Column("change_id", BigInteger(), ForeignKey("change.change_id"), nullable=True),
    Column("dispatched_at", UtcDateTime(), nullable=True),
    Column("dispatch_seq", BigInteger(), nullable=True),
    Index("uq_outbox_event_id", "event_id", unique=True),
    Index("uq_outbox_subject_sequence", "subject", "sequence", unique=True),
    Index("ix_outbox_dispatched_at_position", "dispatched_at", "position"),
    Index("uq_outbox_dispatch_seq", "dispatch_seq", unique=True),
    comment="Transactional outbox of domain events (CloudEvents 1.0).",
)

event_subscription = Table(
    "event_subscription",
    metadata,
    Column("subscription_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("target", String(500), nullable=False, comment="Webhook URL, NATS server, or handler set name."),
    Column("secret", String(200), nullable=False, comment="HMAC-SHA256 key of webhook signatures."),
    Column("type_prefixes", Text(), nullable=False, comment="Comma-separated event type prefixes; empty = all."),
    Column("fund_code", String(16), nullable=True, comment="Only events about this fund's people, when set."),
    Column("entitled_national_number", Boolean(), nullable=False),
    Column("max_attempts", Integer(), nullable=False),
    Column("active", Boolean(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("kind", SUBSCRIPTION_KINDS), name="kind"),
    CheckConstraint("max_attempts >= 1", name="max_attempts"),
    Index("uq_event_subscription_name", "name", unique=True),
    comment="Subscribers to the domain events.",
)

event_delivery = Table(
    "event_delivery",
    metadata,
    Column("delivery_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("subscription_id", BigInteger(), ForeignKey("event_subscription.subscription_id"), nullable=False),
    Column("position", BigInteger(), ForeignKey("outbox.position"), nullable=False),
    Column("subject", String(100), nullable=False),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("last_error", Text(), nullable=True),
    Column("delivered_at", UtcDateTime(), nullable=True),
    CheckConstraint(one_of("status", DELIVERY_STATUSES), name="status"),
    Index("uq_event_delivery_subscription_id_position", "subscription_id", "position", unique=True),
    Index("ix_event_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    Index("ix_event_delivery_subscription_id_subject_status", "subscription_id", "subject", "status", "position"),
    Index("ix_event_delivery_subscription_id_status_position", "subscription_id", "status", "position"),
    comment="Delivery of one event to one subscriber: retries with backoff, then dead letter (status dead).",
)

processed_event = Table(
    "processed_event",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", UtcDateTime(), nullable=False),
    comment="Events a consumer has applied: consumers are idempotent by event id.",
)

decision = Table(
    "decision",
    metadata,
    Column("decision_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("decision_key", String(120), nullable=False, comment="kind + source event id: one decision per trigger."),
    Column("person_id", BigInteger(), ForeignKey("person.person_id"), nullable=False),
    Column("fund_code", String(16), nullable=True),
    Column("kind", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("reasons", Text(), nullable=False, comment="JSON list of reason codes."),
    Column("details", Text(), nullable=False, comment="JSON object: amounts, dates, durations."),
    Column("explanation", Text(), nullable=False, comment="JSON object: language -> lines (fr, nl, de, en)."),
    Column("source_event_id", String(36), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("status", DECISION_STATUSES), name="status"),
    Index("uq_decision_decision_key", "decision_key", unique=True),
    Index("ix_decision_person_id", "person_id"),
    comment="Decisions on rights and dues taken on events, with their explanation (projection of decision events).",
)

decision_notification = Table(
    "decision_notification",
    metadata,
    Column("notification_id", BigIntegerKey, primary_key=True, autoincrement=True),
    Column("decision_id", BigInteger(), nullable=False, comment="The decision made known (no foreign key: see above)."),
    Column("decision_status", String(20), nullable=False, comment="The status of the decision this notice is about."),
    Column("channel", String(10), nullable=False),
    Column(
        "recipient", String(120), nullable=False, comment="person/<id> (portal, letter) or the webhook subscription."
    ),
    Column("fund_code", String(16), nullable=True, comment="The fund that notifies (and prints the letter)."),
    Column("status", String(10), nullable=False),
    Column("attempts", Integer(), nullable=False),
    Column("detail", Text(), nullable=True, comment="Last error of a webhook, or who printed the letter."),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    CheckConstraint(one_of("channel", NOTIFICATION_CHANNELS), name="channel"),
    CheckConstraint(one_of("status", NOTIFICATION_STATUSES), name="status"),
    Index(
        "uq_decision_notification_notice",
        "decision_id",
        "decision_status",
        "channel",
        "recipient",
        unique=True,
    ),
    Index("ix_decision_notification_channel_status_fund_code", "channel", "status", "fund_code"),
    comment="How each decision was notified: portal, letter (a print job), webhook.",
)

EVENT_TABLES = (outbox, event_subscription, event_delivery, processed_event, decision, decision_notification)

__all__ = [
    "EVENT_TABLES",
    "decision",
    "decision_notification",
    "event_delivery",
    "event_subscription",
    "metadata",
    "outbox",
    "processed_event",
]
