"""Affiliations of people to funds, bitemporal.

The valid time of an affiliation version is the affiliation period itself ``[start, end)``. The
logical affiliation keeps its ``affiliation_id`` across versions: ending it, correcting its start
or its capacity supersedes the version and records a new one. A person is affiliated to one fund at
a time (Royal Decree n°38 of 27 July 1967, art. 10 and 20): a new or corrected affiliation that
overlaps another current affiliation of the person is refused.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from statut.domain.calendar import DateRange
from statut.domain.entities import Affiliation, Capacity
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import parse_enterprise_number
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.funds import FundRepository
from statut.store.ids import IdAllocator
from statut.store.ledger import Ledger
from statut.store.persons import PersonRepository

A = t.affiliation


def _affiliation(row: Row[Any], number: str) -> Affiliation:
    return Affiliation(
        person=number,
        fund_code=row.fund_code,
        capacity=Capacity(row.capacity),
        period=DateRange(row.valid_from, row.valid_to),
        company_director=bool(row.company_director),
        enterprise_number=row.enterprise_number,
    )


class AffiliationRepository:
    def __init__(
        self,
        connection: Connection,
        ledger: Ledger,
        persons: PersonRepository,
        funds: FundRepository,
        ids: IdAllocator,
    ) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons
        self._funds = funds
        self._ids = ids

    def add(self, affiliation: Affiliation, change: Change) -> int:
        """Record a new affiliation; returns its ``affiliation_id``."""
        person_id = self._persons.require_id(affiliation.person)
        values = self._values(affiliation, person_id)
        self._refuse_overlap(person_id, affiliation.period, ignore=None)
        affiliation_id = self._ids.reserve_one(A)
        version_id = bt.insert_version(
            self._connection,
            A,
            A.c.version_id,
            {
                **values,
                "version_id": affiliation_id,
                "affiliation_id": affiliation_id,
                "valid_from": affiliation.period.start,
                "valid_to": affiliation.period.end,
                **record_time_values(change),
            },
        )
        self._ledger.record(
            change,
            action="affiliation.recorded",
            entity_type="person",
            entity_key=person_id,
            payload={"affiliation_id": affiliation_id, "inserted": [version_id], "fund": affiliation.fund_code},
        )
        return affiliation_id

    def get(self, affiliation_id: int) -> Versioned[Affiliation] | None:
        rows = self._current_rows(affiliation_id)
        if not rows:
            return None
        row = rows[-1]
        return versioned(row, _affiliation(row, self._number(row.person_id)))

    def get_or_raise(self, affiliation_id: int) -> Versioned[Affiliation]:
        found = self.get(affiliation_id)
        if found is None:
            raise NotFound(f"affiliation {affiliation_id} not found")
        return found

    def for_person(self, person_id: int, *, valid_on: date | None = None) -> list[Versioned[Affiliation]]:
        """Current knowledge: every affiliation of the person (or those valid on ``valid_on``)."""
        query = select(A).where(A.c.person_id == person_id, current(A))
        if valid_on is not None:
            query = query.where(bt.valid_at(A, valid_on))
        return self._versions(person_id, query)

    def as_of(
        self, person_id: int, *, known_at: datetime | date, valid_at: date | None = None
    ) -> list[Versioned[Affiliation]]:
        """What the register knew at ``known_at`` (about ``valid_at`` if given)."""
        query = select(A).where(A.c.person_id == person_id, bt.known_at(A, known_at))
        if valid_at is not None:
            query = query.where(bt.valid_at(A, valid_at))
        return self._versions(person_id, query)

    def history(self, affiliation_id: int) -> list[Versioned[Affiliation]]:
        rows = self._connection.execute(
            select(A).where(A.c.affiliation_id == affiliation_id).order_by(A.c.recorded_at, A.c.version_id)
        ).all()
        return [versioned(row, _affiliation(row, self._number(row.person_id))) for row in rows]

    def replace(self, affiliation_id: int, affiliation: Affiliation, change: Change) -> VersionWrite:
        """Correct an affiliation (fund, capacity, period...): its current versions give way to this one."""
        rows = self._current_rows(affiliation_id)
        if not rows:
            raise NotFound(f"affiliation {affiliation_id} not found")
        person_id = int(rows[0].person_id)
        if self._persons.require_id(affiliation.person) != person_id:
            raise Conflict(
                f"national_number: affiliation {affiliation_id} belongs to another person than {affiliation.person!r}"
            )
        values = self._values(affiliation, person_id)
        self._refuse_overlap(person_id, affiliation.period, ignore=affiliation_id)
        superseded = [int(row.version_id) for row in rows]
        bt.supersede(self._connection, A, A.c.version_id, superseded, change)
        version_id = bt.insert_version(
            self._connection,
            A,
            A.c.version_id,
            {
                **values,
                "version_id": self._ids.reserve_one(A),
                "affiliation_id": affiliation_id,
                "valid_from": affiliation.period.start,
                "valid_to": affiliation.period.end,
                **record_time_values(change),
            },
        )
        old = rows[-1]._mapping
        new = {**values, "valid_from": affiliation.period.start, "valid_to": affiliation.period.end}
        write = VersionWrite(
            superseded=tuple(superseded),
            inserted=(version_id,),
            changed_fields=tuple(sorted(name for name, value in new.items() if old[name] != value)),
        )
        self._ledger.record(
            change,
            action="affiliation.corrected",
            entity_type="person",
            entity_key=person_id,
            payload={"affiliation_id": affiliation_id, **write.as_payload()},
        )
        return write

    def end(self, affiliation_id: int, end_date: date, change: Change) -> VersionWrite:
        """The affiliation stops on ``end_date`` (first day without it: half-open)."""
        found = self.get_or_raise(affiliation_id).value
        ended = Affiliation(
            person=found.person,
            fund_code=found.fund_code,
            capacity=found.capacity,
            period=DateRange(found.period.start, end_date),
            company_director=found.company_director,
            enterprise_number=found.enterprise_number,
        )
        return self.replace(affiliation_id, ended, change)

    def retract(self, affiliation_id: int, change: Change) -> VersionWrite:
        """Logical delete: the affiliation was recorded by mistake."""
        rows = self._current_rows(affiliation_id)
        if not rows:
            raise NotFound(f"affiliation {affiliation_id} not found")
        superseded = [int(row.version_id) for row in rows]
        bt.supersede(self._connection, A, A.c.version_id, superseded, change)
        write = VersionWrite(superseded=tuple(superseded))
        self._ledger.record(
            change,
            action="affiliation.retracted",
            entity_type="person",
            entity_key=int(rows[0].person_id),
            payload={"affiliation_id": affiliation_id, **write.as_payload()},
        )
        return write

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(A)
        if current_only:
            query = query.where(current(A))
        return int(self._connection.execute(query).scalar_one())

    # -- internals --------------------------------------------------------------------------------

    def _values(self, affiliation: Affiliation, person_id: int) -> dict[str, Any]:
        self._funds.require(affiliation.fund_code)
        enterprise = parse_enterprise_number(affiliation.enterprise_number) if affiliation.enterprise_number else None
        return {
            "person_id": person_id,
            "fund_code": affiliation.fund_code,
            "capacity": Capacity(affiliation.capacity).value,
            "company_director": bool(affiliation.company_director),
            "enterprise_number": enterprise,
        }

    def _refuse_overlap(self, person_id: int, period: DateRange, ignore: int | None) -> None:
        query = select(A.c.affiliation_id, A.c.fund_code, A.c.valid_from, A.c.valid_to).where(
            A.c.person_id == person_id, current(A), bt.overlapping(A, period.start, period.end)
        )
        if ignore is not None:
            query = query.where(A.c.affiliation_id != ignore)
        other = self._connection.execute(query.limit(1)).one_or_none()
        if other is not None:
            until = other.valid_to.isoformat() if other.valid_to else "open-ended"
            raise DomainValidationError(
                "start_date",
                period.start.isoformat(),
                f"overlaps affiliation {other.affiliation_id} to fund {other.fund_code} "
                f"({other.valid_from.isoformat()} to {until}): one fund at a time",
                code="statut.invalid.overlap",
            )

    def _current_rows(self, affiliation_id: int) -> list[Row[Any]]:
        return list(
            self._connection.execute(
                select(A).where(A.c.affiliation_id == affiliation_id, current(A)).order_by(A.c.valid_from)
            ).all()
        )

    def _versions(self, person_id: int, query: Any) -> list[Versioned[Affiliation]]:
        rows = self._connection.execute(query.order_by(A.c.valid_from, A.c.version_id)).all()
        if not rows:
            return []
        number = self._number(person_id)
        return [versioned(row, _affiliation(row, number)) for row in rows]

    def _number(self, person_id: int) -> str:
        number = self._persons.number(person_id)
        return "" if number is None else number.value
