"""Professional incomes, bitemporal, one current version per (person, year, source).

The income of year N is first an estimate or a provisional figure, then the tax authority's
definitive income, communicated in N+2 (RD n°38 of 27 July 1967, art. 11; since 1 January 2015
final contributions are computed on the income of the year itself). Each source keeps its own
figure; a correction supersedes the version of that source. Valid time is the calendar year.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from statut.domain.entities import IncomeSource, IncomeStatus, ProfessionalIncome
from statut.domain.errors import Conflict, NotFound
from statut.domain.money import from_cents, to_cents
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.ledger import Ledger
from statut.store.persons import PersonRepository

INC = t.income


def year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _income(row: Row[Any], number: str) -> ProfessionalIncome:
    return ProfessionalIncome(
        person=number,
        year=int(row.year),
        amount=from_cents(int(row.amount_cents)),
        source=IncomeSource(row.source),
        status=IncomeStatus(row.status),
    )


class IncomeRepository:
    def __init__(self, connection: Connection, ledger: Ledger, persons: PersonRepository) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons

    def add(self, income: ProfessionalIncome, change: Change) -> int:
        person_id = self._persons.require_id(income.person)
        if self._current_row(person_id, income.year, income.source) is not None:
            raise Conflict(
                f"year: the register already holds a {IncomeSource(income.source).value} income for {income.year}; "
                "correct it instead",
                code="statut.conflict.income",
            )
        version_id = self._insert(person_id, income, change)
        self._ledger.record(
            change,
            action="income.recorded",
            entity_type="person",
            entity_key=person_id,
            payload={"year": income.year, "source": IncomeSource(income.source).value, "inserted": [version_id]},
        )
        return version_id

    def correct(self, income: ProfessionalIncome, change: Change) -> VersionWrite:
        """Replace the current figure of the same person, year and source."""
        person_id = self._persons.require_id(income.person)
        row = self._current_row(person_id, income.year, income.source)
        if row is None:
            raise NotFound(
                f"year: no {IncomeSource(income.source).value} income for {income.year} to correct", field="year"
            )
        bt.supersede(self._connection, INC, INC.c.version_id, [int(row.version_id)], change)
        version_id = self._insert(person_id, income, change)
        changed = []
        if int(row.amount_cents) != to_cents(income.amount):
            changed.append("amount_cents")
        if row.status != IncomeStatus(income.status).value:
            changed.append("status")
        write = VersionWrite((int(row.version_id),), (version_id,), tuple(changed))
        self._ledger.record(
            change,
            action="income.corrected",
            entity_type="person",
            entity_key=person_id,
            payload={"year": income.year, "source": IncomeSource(income.source).value, **write.as_payload()},
        )
        return write

    def retract(self, national_number: str, year: int, source: IncomeSource, change: Change) -> VersionWrite:
        person_id = self._persons.require_id(national_number)
        row = self._current_row(person_id, year, source)
        if row is None:
            raise NotFound(f"year: no {IncomeSource(source).value} income for {year}", field="year")
        bt.supersede(self._connection, INC, INC.c.version_id, [int(row.version_id)], change)
        write = VersionWrite(superseded=(int(row.version_id),))
        self._ledger.record(
            change,
            action="income.retracted",
            entity_type="person",
            entity_key=person_id,
            payload={"year": year, "source": IncomeSource(source).value, **write.as_payload()},
        )
        return write

    def for_person(self, person_id: int) -> list[Versioned[ProfessionalIncome]]:
        return self._versions(person_id, select(INC).where(INC.c.person_id == person_id, current(INC)))

    def as_of(
        self,
        person_id: int,
        *,
        known_at: datetime | date,
        valid_at: date | None = None,
        year: int | None = None,
    ) -> list[Versioned[ProfessionalIncome]]:
        """What the register knew at ``known_at`` about the person's incomes (the year covering
        ``valid_at``, or ``year``, if given)."""
        query = select(INC).where(INC.c.person_id == person_id, bt.known_at(INC, known_at))
        if valid_at is not None:
            query = query.where(bt.valid_at(INC, valid_at))
        if year is not None:
            query = query.where(INC.c.year == year)
        return self._versions(person_id, query)

    def history(self, person_id: int, year: int) -> list[Versioned[ProfessionalIncome]]:
        query = select(INC).where(INC.c.person_id == person_id, INC.c.year == year)
        return self._versions(person_id, query, order=(INC.c.recorded_at, INC.c.version_id))

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(INC)
        if current_only:
            query = query.where(current(INC))
        return int(self._connection.execute(query).scalar_one())

    def _insert(self, person_id: int, income: ProfessionalIncome, change: Change) -> int:
        start, end = year_range(income.year)
        return bt.insert_version(
            self._connection,
            INC,
            INC.c.version_id,
            {
                "person_id": person_id,
                "year": income.year,
                "amount_cents": to_cents(income.amount),
                "source": IncomeSource(income.source).value,
                "status": IncomeStatus(income.status).value,
                "valid_from": start,
                "valid_to": end,
                **record_time_values(change),
            },
        )

    def _current_row(self, person_id: int, year: int, source: IncomeSource) -> Row[Any] | None:
        return self._connection.execute(
            select(INC).where(
                INC.c.person_id == person_id,
                INC.c.year == year,
                INC.c.source == IncomeSource(source).value,
                current(INC),
            )
        ).one_or_none()

    def _versions(
        self, person_id: int, query: Any, order: tuple[Any, ...] | None = None
    ) -> list[Versioned[ProfessionalIncome]]:
        rows = self._connection.execute(query.order_by(*(order or (INC.c.year, INC.c.source, INC.c.version_id)))).all()
        if not rows:
            return []
        number = self._persons.number(person_id)
        value = "" if number is None else number.value
        return [versioned(row, _income(row, value)) for row in rows]
