"""Enterprises (KBO/BCE), versioned in record time: one current version per enterprise number.

They come from the Crossroads Bank for Enterprises feed (a later capability); affiliations name an
enterprise by number without requiring it to be known here yet.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, select

from statut.domain.entities import Enterprise
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import parse_enterprise_number
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.ledger import Ledger

E = t.enterprise
STATUSES = frozenset({"active", "stopped", "bankrupt"})


def _enterprise(row: Row[Any]) -> Enterprise:
    return Enterprise(
        number=row.enterprise_number,
        name=row.name,
        start_date=row.start_date,
        end_date=row.end_date,
        status=row.status,
    )


def _values(enterprise: Enterprise) -> dict[str, Any]:
    number = parse_enterprise_number(enterprise.number)
    if not enterprise.name or not enterprise.name.strip():
        raise DomainValidationError("name", enterprise.name, "is required")
    if enterprise.status not in STATUSES:
        raise DomainValidationError("status", enterprise.status, f"expected one of {', '.join(sorted(STATUSES))}")
    if enterprise.start_date and enterprise.end_date and enterprise.end_date <= enterprise.start_date:
        raise DomainValidationError("end_date", enterprise.end_date.isoformat(), "must be after the start date")
    return {
        "enterprise_number": number,
        "name": enterprise.name.strip(),
        "status": enterprise.status,
        "start_date": enterprise.start_date,
        "end_date": enterprise.end_date,
    }


class EnterpriseRepository:
    def __init__(self, connection: Connection, ledger: Ledger) -> None:
        self._connection = connection
        self._ledger = ledger

    def add(self, enterprise: Enterprise, change: Change) -> int:
        values = _values(enterprise)
        if self._current_row(values["enterprise_number"]) is not None:
            raise Conflict(
                f"enterprise_number: {values['enterprise_number']} is already registered; correct it instead"
            )
        version_id = bt.insert_version(self._connection, E, E.c.version_id, {**values, **record_time_values(change)})
        self._ledger.record(
            change,
            action="enterprise.recorded",
            entity_type="enterprise",
            entity_key=values["enterprise_number"],
            payload={"inserted": [version_id]},
        )
        return version_id

    def correct(self, enterprise: Enterprise, change: Change) -> VersionWrite:
        values = _values(enterprise)
        row = self._current_row(values["enterprise_number"])
        if row is None:
            raise NotFound(f"enterprise_number: {values['enterprise_number']} is not registered")
        bt.supersede(self._connection, E, E.c.version_id, [int(row.version_id)], change)
        version_id = bt.insert_version(self._connection, E, E.c.version_id, {**values, **record_time_values(change)})
        changed = tuple(sorted(name for name, value in values.items() if row._mapping[name] != value))
        write = VersionWrite((int(row.version_id),), (version_id,), changed)
        self._ledger.record(
            change,
            action="enterprise.corrected",
            entity_type="enterprise",
            entity_key=values["enterprise_number"],
            payload=write.as_payload(),
        )
        return write

    def get(self, number: str) -> Enterprise | None:
        row = self._current_row(parse_enterprise_number(number))
        return None if row is None else _enterprise(row)

    def history(self, number: str) -> list[Versioned[Enterprise]]:
        rows = self._connection.execute(
            select(E)
            .where(E.c.enterprise_number == parse_enterprise_number(number))
            .order_by(E.c.recorded_at, E.c.version_id)
        ).all()
        return [versioned(row, _enterprise(row)) for row in rows]

    def _current_row(self, number: str) -> Row[Any] | None:
        return self._connection.execute(select(E).where(E.c.enterprise_number == number, current(E))).one_or_none()
