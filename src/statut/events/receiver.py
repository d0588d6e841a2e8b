"""A fund system's webhook endpoint, as small as it can be: it verifies the ``Statut-Signature`` of
each POST (HMAC-SHA256 of ``"<t>.<body>"``, statut.events.signing) and keeps what it received.

What the demo starts to show a fund receiving its members' decisions (``statut events demo-birth``),
and what a fund's developers can read to write theirs. It listens on the loopback interface only.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from statut.events.signing import SIGNATURE_HEADER, verify


@dataclass(frozen=True, slots=True)
class Received:
    """One POST as the fund saw it."""

    event: dict[str, Any] | None
    signature_valid: bool
    received_at: float  # time.time() on arrival
    answered: int  # the HTTP status the fund answered


@dataclass
class WebhookReceiver:
    """Accepts (204) a correctly signed CloudEvent, refuses (401) anything else."""

    secret: str
    path: str = "/statut-hook"
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(init=False)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._arrived = threading.Condition(self._lock)

    def start(self) -> str:
        """Listen on 127.0.0.1 (a free port); returns the URL to subscribe."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = self.path == receiver.path and verify(
                    receiver.secret, body, self.headers.get(SIGNATURE_HEADER, "")
                )
                try:
                    event = json.loads(body) if valid else None
                except ValueError:
                    event, valid = None, False
                status = 204 if valid else 401
                receiver._keep(Received(event, valid, time.time(), status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                del args  # the fund's log is the list of what it received

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.path}"

    def _keep(self, received: Received) -> None:
        with self._arrived:
            self.received.append(received)
            self._arrived.notify_all()

    def wait_for(self, predicate: Any, timeout: float) -> Received | None:
        """The first accepted event for which ``predicate(event)`` holds, waiting up to ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                for item in self.received:
                    if item.event is not None and predicate(item.event):
                        return item
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._arrived.wait(remaining)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
