"""Career quarters: the quarters that count for the self-employed pension.

They are derived data (from contributions today; the legislation engine in statut.rules will own
the full rules: assimilated quarters, exemptions, early-pension years). Recomputing a person's career
supersedes the previous quarters, so "what career did the register show on date D" stays answerable.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select

from statut.domain.calendar import Quarter
from statut.domain.entities import CareerQuarter, CareerQuarterReason
from statut.domain.errors import DomainValidationError
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.ledger import Ledger
from statut.store.persons import PersonRepository

CQ = t.career_quarter


def _career_quarter(row: Row[Any], number: str) -> CareerQuarter:
    return CareerQuarter(
        person=number,
        quarter=Quarter.parse(row.quarter),
        counts_for_pension=bool(row.counts_for_pension),
        reason=CareerQuarterReason(row.reason),
    )


class CareerRepository:
    def __init__(self, connection: Connection, ledger: Ledger, persons: PersonRepository) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons

    def replace_for_person(self, person_id: int, quarters: Iterable[CareerQuarter], change: Change) -> VersionWrite:
        """Record a recomputed career: the person's current quarters give way to ``quarters``."""
        chosen = sorted(quarters, key=lambda quarter: quarter.quarter)
        seen = [str(quarter.quarter) for quarter in chosen]
        if len(set(seen)) != len(seen):
            raise DomainValidationError("quarter", seen, "a quarter appears twice in the career")
        old = list(
            self._connection.execute(select(CQ.c.version_id).where(CQ.c.person_id == person_id, current(CQ))).scalars()
        )
        bt.supersede(self._connection, CQ, CQ.c.version_id, old, change)
        inserted: list[int] = []
        if chosen:
            result = self._connection.execute(
                insert(CQ).returning(CQ.c.version_id, sort_by_parameter_order=True),
                [
                    {
                        "person_id": person_id,
                        "quarter": str(quarter.quarter),
                        "counts_for_pension": quarter.counts_for_pension,
                        "reason": CareerQuarterReason(quarter.reason).value,
                        **record_time_values(change),
                    }
                    for quarter in chosen
                ],
            )
            inserted = [int(value) for value in result.scalars()]
        write = VersionWrite(tuple(int(value) for value in old), tuple(inserted))
        self._ledger.record(
            change,
            action="career.recomputed",
            entity_type="person",
            entity_key=person_id,
            payload={
                "superseded": len(old),
                "inserted": len(inserted),
                "counting": sum(q.counts_for_pension for q in chosen),
            },
        )
        return write

    def for_person(self, person_id: int, *, known_at: datetime | date | None = None) -> list[Versioned[CareerQuarter]]:
        query = select(CQ).where(CQ.c.person_id == person_id)
        query = query.where(current(CQ) if known_at is None else bt.known_at(CQ, known_at))
        rows = self._connection.execute(query.order_by(CQ.c.quarter)).all()
        if not rows:
            return []
        number = self._persons.number(person_id)
        value = "" if number is None else number.value
        return [versioned(row, _career_quarter(row, value)) for row in rows]

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(CQ)
        if current_only:
            query = query.where(current(CQ))
        return int(self._connection.execute(query).scalar_one())

    def counting_quarters(self, person_id: int) -> int:
        return int(
            self._connection.execute(
                select(func.count()).where(CQ.c.person_id == person_id, CQ.c.counts_for_pension.is_(True), current(CQ))
            ).scalar_one()
        )
