"""Domain events out of the register and automation on them (issue 8).

- :mod:`cloudevents`: the CloudEvents 1.0 envelope of an outbox event (pseudonymous subject).
- :mod:`signing`: HMAC-SHA256 signatures of webhook bodies, with a timestamp against replays.
- :mod:`senders`: how a delivery reaches a subscriber: in-process handlers, webhooks, NATS JetStream.
- :mod:`relay`: fans the outbox out and delivers at least once, in order per person.
- :mod:`handlers`: which decision service runs for which event (birth, income, cessation, ...).
- :mod:`feeds`: input feed adapters (national register, tax authority, enterprise register).
- :mod:`synthetic_feeds`: synthetic feed files built from the register.

The outbox itself lives in the store (statut.store.outbox), written in the change's transaction.
"""
