"""Life events: births, cessations, bankruptcies, deaths, changes of address (record time only).

The child's national number of a birth has its own column (the maternity aid checks it against the
National Register); any other detail is kept as a JSON object of strings.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from statut.domain.entities import LifeEvent, LifeEventType
from statut.domain.errors import NotFound
from statut.domain.identifiers import parse_person_number
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.ledger import Ledger, canonical_json
from statut.store.persons import PersonRepository

LE = t.life_event
CHILD = "child_national_number"


def _event(row: Row[Any], number: str) -> LifeEvent:
    details: dict[str, str] = {str(key): str(value) for key, value in json.loads(row.details).items()}
    if row.child_national_number:
        details[CHILD] = row.child_national_number
    return LifeEvent(
        person=number, event_type=LifeEventType(row.event_type), event_date=row.event_date, details=details
    )


class LifeEventRepository:
    def __init__(self, connection: Connection, ledger: Ledger, persons: PersonRepository) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons

    def add(self, event: LifeEvent, change: Change) -> int:
        person_id = self._persons.require_id(event.person)
        details = dict(event.details)
        child = details.pop(CHILD, None)
        child_number = parse_person_number(child, field=CHILD).value if child else None
        event_id = bt.insert_version(
            self._connection,
            LE,
            LE.c.event_id,
            {
                "person_id": person_id,
                "event_type": LifeEventType(event.event_type).value,
                "event_date": event.event_date,
                "child_national_number": child_number,
                "details": canonical_json({str(key): str(value) for key, value in details.items()}),
                **record_time_values(change),
            },
        )
        self._ledger.record(
            change,
            action="life_event.recorded",
            entity_type="person",
            entity_key=person_id,
            payload={"event_id": event_id, "event_type": LifeEventType(event.event_type).value},
        )
        return event_id

    def retract(self, event_id: int, change: Change) -> VersionWrite:
        row = self._connection.execute(select(LE).where(LE.c.event_id == event_id, current(LE))).one_or_none()
        if row is None:
            raise NotFound(f"life event {event_id} not found")
        bt.supersede(self._connection, LE, LE.c.event_id, [event_id], change)
        write = VersionWrite(superseded=(event_id,))
        self._ledger.record(
            change,
            action="life_event.retracted",
            entity_type="person",
            entity_key=int(row.person_id),
            payload=write.as_payload(),
        )
        return write

    def for_person(self, person_id: int, *, known_at: datetime | date | None = None) -> list[Versioned[LifeEvent]]:
        query = select(LE).where(LE.c.person_id == person_id)
        query = query.where(current(LE) if known_at is None else bt.known_at(LE, known_at))
        rows = self._connection.execute(query.order_by(LE.c.event_date, LE.c.event_id)).all()
        if not rows:
            return []
        number = self._persons.number(person_id)
        value = "" if number is None else number.value
        return [versioned(row, _event(row, value), pk="event_id") for row in rows]

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(LE)
        if current_only:
            query = query.where(current(LE))
        return int(self._connection.execute(query).scalar_one())
