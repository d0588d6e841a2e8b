"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"`` with the subscription's secret.

The header ``Statut-Signature: t=<unix seconds>,v1=<hex digest>`` lets a fund system check that the
body comes from statut and is fresh (reject a timestamp older than the tolerance: a replayed request
fails). Signing the timestamp with the body is the scheme Stripe and Standard Webhooks use.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Statut-Signature"
EVENT_ID_HEADER = "Statut-Event-Id"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={signature(secret, moment, body)}"


def verify(
    secret: str, body: bytes, header: str, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: int | None = None
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is not older than ``tolerance`` seconds."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))
