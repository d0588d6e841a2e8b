"""Opaque, tamper-evident pagination cursors.

A cursor carries the keyset position of the last row seen *and* what the list was about (the route
and its filters), signed with HMAC-SHA256 under a server key. A client cannot forge a position, move
a cursor from one fund's list to another's, or read anything useful out of it (the content is
base64url JSON, not encrypted, but holds only row keys of the list the caller already saw).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from statut.access.errors import InvalidCursor

MAX_CURSOR_LENGTH = 512
_SIGNATURE_BYTES = 16


class CursorCodec:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("a cursor key has at least 32 bytes")
        self._key = key

    def encode(self, scope: str, position: Mapping[str, Any]) -> str:
        body = json.dumps({"s": scope, "p": dict(position)}, separators=(",", ":"), sort_keys=True).encode()
        signature = hmac.new(self._key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(signature + body).decode().rstrip("=")

    def decode(self, scope: str, cursor: str) -> dict[str, Any]:
        """The position of a cursor issued for ``scope``; :class:`InvalidCursor` otherwise."""
        if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
            raise InvalidCursor("cursor: not a cursor of this list")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise InvalidCursor("cursor: not a cursor of this list") from None
        signature, body = raw[:_SIGNATURE_BYTES], raw[_SIGNATURE_BYTES:]
        expected = hmac.new(self._key, body, hashlib.sha256).digest()[:_SIGNATURE_BYTES]
        if not hmac.compare_digest(signature, expected):
            raise InvalidCursor("cursor: not a cursor of this list")
        try:
            document = json.loads(body)
        except ValueError:
            raise InvalidCursor("cursor: not a cursor of this list") from None
        if not isinstance(document, dict) or document.get("s") != scope or not isinstance(document.get("p"), dict):
            raise InvalidCursor("cursor: not a cursor of this list")
        position: dict[str, Any] = document["p"]
        return position
