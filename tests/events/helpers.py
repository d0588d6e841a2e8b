"""Test helpers for the events capability: people with an affiliation, a webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from statut.domain.entities import LifeEvent, LifeEventType, Person
from statut.domain.identifiers import Sex
from statut.events.signing import SIGNATURE_HEADER, verify
from statut.services.corrections import record_affiliation, register_person
from statut.store.unit_of_work import UnitOfWork
from tests.factories import make_affiliation, make_person


def self_employed(
    uow: UnitOfWork, *, sex: Sex = Sex.FEMALE, birth_date: date | None = None, fund: str = "F101"
) -> tuple[Person, int]:
    person = make_person(sex=sex, birth_date=birth_date or date(1990, 4, 12))
    person_id = register_person(uow, person, actor="test", reason="test person").key
    record_affiliation(uow, make_affiliation(person, fund=fund, start=date(2015, 1, 1)), actor="test", reason="test")
    return person, person_id


def life_event(uow: UnitOfWork, person: Person, kind: LifeEventType, day: date, **details: str) -> int:
    change = uow.record_change(actor="test", reason=f"{kind.value} from the national register", source="feed")
    return uow.life_events.add(LifeEvent(person.number.value, kind, day, dict(details)), change)


@dataclass
class Receiver:
    """A real HTTP webhook endpoint in a thread: records verified events, can fail on demand."""

    secret: str
    fail_times: int = 0
    fail_when: Callable[[dict[str, Any]], bool] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    attempts: int = 0
    bad_signatures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.attempts += 1
                    event = json.loads(body)
                    if not verify(receiver.secret, body, self.headers.get(SIGNATURE_HEADER, "")):
                        receiver.bad_signatures += 1
                        status = 401
                    elif receiver.fail_times > 0:
                        receiver.fail_times -= 1
                        status = 503
                    elif receiver.fail_when is not None and receiver.fail_when(event):
                        status = 500
                    else:
                        receiver.events.append(event)
                        status = 204
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ids(self) -> list[str]:
        with self.lock:
            return [e["id"] for e in self.events]
