"""The CloudEvents 1.0 envelope (JSON format, structured mode) of an outbox event.

``subject`` is the pseudonymous key ``person/<id>``; the national number travels only to subscribers
entitled to it, as the extension attribute ``nationalnumber`` (the access policy decides who is).
``sequence`` (extension) orders the events of one subject; ``position`` is the outbox order.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from statut.store.outbox import OutboxRecord

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"
REQUIRED = ("specversion", "id", "source", "type")


def to_cloudevent(record: OutboxRecord, *, include_national_number: bool = False) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": record.event_id,
        "source": record.source,
        "type": record.event_type,
        "subject": record.subject,
        "time": record.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": DATA_CONTENT_TYPE,
        "sequence": str(record.sequence),
        "position": str(record.position),
        "data": record.data,
    }
    if include_national_number and record.person_number:
        event["nationalnumber"] = record.person_number
    return event


def encode(event: Mapping[str, Any]) -> bytes:
    """Compact, key-sorted JSON: the bytes that are signed and sent."""
    return json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode(body: bytes | str) -> dict[str, Any]:
    """Parse and check a structured-mode CloudEvent (what a subscriber does)."""
    event = json.loads(body)
    if not isinstance(event, dict):
        raise ValueError("a CloudEvent is a JSON object")
    missing = [name for name in REQUIRED if not event.get(name)]
    if missing:
        raise ValueError(f"not a CloudEvent: missing {', '.join(missing)}")
    if event["specversion"] != SPECVERSION:
        raise ValueError(f"unsupported specversion {event['specversion']!r}")
    return event


def event_time(event: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
