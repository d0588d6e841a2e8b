"""Quarterly social contributions, bitemporal, one current version per (person, fund, quarter).

Contributions are due per calendar quarter and must reach the fund's account by the last day of
the quarter (Royal Decree n°38 of 27 July 1967, art. 11; Royal Decree of 19 December 1967, art.
38-44). The valid time of a version is its quarter. ``due`` excludes the fund's management fee.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from statut.domain.calendar import Quarter
from statut.domain.entities import ContributionQuarter, ContributionStatus
from statut.domain.errors import Conflict, NotFound
from statut.domain.money import from_cents, to_cents
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, record_time_values, versioned
from statut.store.changes import Change
from statut.store.funds import FundRepository
from statut.store.ledger import Ledger
from statut.store.persons import PersonRepository

C = t.contribution


def _contribution(row: Row[Any], number: str) -> ContributionQuarter:
    return ContributionQuarter(
        person=number,
        quarter=Quarter.parse(row.quarter),
        fund_code=row.fund_code,
        due=from_cents(int(row.due_cents)),
        paid=from_cents(int(row.paid_cents)),
        status=ContributionStatus(row.status),
    )


class ContributionRepository:
    def __init__(
        self, connection: Connection, ledger: Ledger, persons: PersonRepository, funds: FundRepository
    ) -> None:
        self._connection = connection
        self._ledger = ledger
        self._persons = persons
        self._funds = funds

    def add(self, contribution: ContributionQuarter, change: Change) -> int:
        person_id = self._persons.require_id(contribution.person)
        self._funds.require(contribution.fund_code)
        if self._current_row(person_id, contribution.fund_code, contribution.quarter) is not None:
            raise Conflict(
                f"quarter: fund {contribution.fund_code} already has a contribution for {contribution.quarter}; "
                "correct it instead",
                code="statut.conflict.contribution",
            )
        version_id = self._insert(person_id, contribution, change)
        self._ledger.record(
            change,
            action="contribution.recorded",
            entity_type="person",
            entity_key=person_id,
            payload={"fund": contribution.fund_code, "quarter": str(contribution.quarter), "inserted": [version_id]},
        )
        return version_id

    def correct(self, contribution: ContributionQuarter, change: Change) -> VersionWrite:
        """Replace the current version for the same person, fund and quarter (amounts, status)."""
        person_id = self._persons.require_id(contribution.person)
        row = self._current_row(person_id, contribution.fund_code, contribution.quarter)
        if row is None:
            raise NotFound(
                f"quarter: no contribution of fund {contribution.fund_code} for {contribution.quarter} to correct",
                field="quarter",
            )
        bt.supersede(self._connection, C, C.c.version_id, [int(row.version_id)], change)
        version_id = self._insert(person_id, contribution, change)
        new = {
            "due_cents": to_cents(contribution.due),
            "paid_cents": to_cents(contribution.paid),
            "status": ContributionStatus(contribution.status).value,
        }
        write = VersionWrite(
            (int(row.version_id),),
            (version_id,),
            tuple(sorted(name for name, value in new.items() if row._mapping[name] != value)),
        )
        self._ledger.record(
            change,
            action="contribution.corrected",
            entity_type="person",
            entity_key=person_id,
            payload={"fund": contribution.fund_code, "quarter": str(contribution.quarter), **write.as_payload()},
        )
        return write

    def for_person(self, person_id: int, *, fund_code: str | None = None) -> list[Versioned[ContributionQuarter]]:
        query = select(C).where(C.c.person_id == person_id, current(C))
        if fund_code is not None:
            query = query.where(C.c.fund_code == fund_code)
        return self._versions(person_id, query)

    def as_of(
        self,
        person_id: int,
        *,
        known_at: datetime | date,
        valid_at: date | None = None,
        quarter: Quarter | None = None,
    ) -> list[Versioned[ContributionQuarter]]:
        """What the register knew at ``known_at`` about the person's contributions (of the quarter
        covering ``valid_at``, or of ``quarter``, if given)."""
        query = select(C).where(C.c.person_id == person_id, bt.known_at(C, known_at))
        if valid_at is not None:
            query = query.where(bt.valid_at(C, valid_at))
        if quarter is not None:
            query = query.where(C.c.quarter == str(quarter))
        return self._versions(person_id, query)

    def history(self, person_id: int, quarter: Quarter) -> list[Versioned[ContributionQuarter]]:
        query = select(C).where(C.c.person_id == person_id, C.c.quarter == str(quarter))
        return self._versions(person_id, query, order=(C.c.recorded_at, C.c.version_id))

    def totals_for_quarter(self, quarter: Quarter, *, fund_code: str | None = None) -> tuple[int, int, int]:
        """Current (count, due cents, paid cents) of a quarter, for a fund or for all funds."""
        query = select(
            func.count(), func.coalesce(func.sum(C.c.due_cents), 0), func.coalesce(func.sum(C.c.paid_cents), 0)
        ).where(C.c.quarter == str(quarter), current(C))
        if fund_code is not None:
            query = query.where(C.c.fund_code == fund_code)
        count, due, paid = self._connection.execute(query).one()
        return int(count), int(due), int(paid)

    def count(self, *, current_only: bool = True) -> int:
        query = select(func.count()).select_from(C)
        if current_only:
            query = query.where(current(C))
        return int(self._connection.execute(query).scalar_one())

    def _insert(self, person_id: int, contribution: ContributionQuarter, change: Change) -> int:
        quarter = contribution.quarter
        return bt.insert_version(
            self._connection,
            C,
            C.c.version_id,
            {
                "person_id": person_id,
                "fund_code": contribution.fund_code,
                "quarter": str(quarter),
                "due_cents": to_cents(contribution.due),
                "paid_cents": to_cents(contribution.paid),
                "status": ContributionStatus(contribution.status).value,
                "valid_from": quarter.start,
                "valid_to": quarter.end,
                **record_time_values(change),
            },
        )

    def _current_row(self, person_id: int, fund_code: str, quarter: Quarter) -> Row[Any] | None:
        return self._connection.execute(
            select(C).where(
                C.c.person_id == person_id, C.c.fund_code == fund_code, C.c.quarter == str(quarter), current(C)
            )
        ).one_or_none()

    def _versions(
        self, person_id: int, query: Any, order: tuple[Any, ...] | None = None
    ) -> list[Versioned[ContributionQuarter]]:
        rows = self._connection.execute(query.order_by(*(order or (C.c.quarter, C.c.fund_code, C.c.version_id)))).all()
        if not rows:
            return []
        number = self._persons.number(person_id)
        value = "" if number is None else number.value
        return [versioned(row, _contribution(row, value)) for row in rows]
