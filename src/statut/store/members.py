"""Members of a fund: the people with an affiliation to it in force on a day, for lists and search.

One query per page, keyset-paginated on ``person_id`` (offsets would skip or repeat rows while the
register changes, and leak how many rows lie before the page). The search is a prefix of the last
name, case-insensitive; it only ever looks at the fund's own members, so it cannot reveal who is
affiliated elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from statut.store import bitemporal as bt
from statut.store import tables as t

A, PI, PV = t.affiliation, t.person_identifier, t.person_version


@dataclass(frozen=True, slots=True)
class MemberRow:
    person_id: int
    national_number: str
    last_name: str
    first_name: str
    capacity: str
    affiliated_since: date


@dataclass(frozen=True, slots=True)
class AffiliationCount:
    fund_code: str
    capacity: str
    people: int


def _in_force(day: date) -> ColumnElement[bool]:
    return and_(bt.current(A), A.c.valid_from <= day, or_(A.c.valid_to.is_(None), A.c.valid_to > day))


class MemberRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def current_funds(self, person_id: int, day: date) -> set[str]:
        """Funds the person is affiliated to on ``day`` (one, by law; a set to be safe with bad data)."""
        query = select(A.c.fund_code).where(A.c.person_id == person_id, _in_force(day))
        return set(self._connection.execute(query).scalars())

    def page(
        self,
        fund_code: str,
        day: date,
        *,
        after_person_id: int = 0,
        limit: int = 50,
        last_name_prefix: str | None = None,
    ) -> list[MemberRow]:
        # The latest current civil-data version of each person (valid_to IS NULL: the open one).
        query = (
            select(
                A.c.person_id,
                PI.c.value,
                PV.c.last_name,
                PV.c.first_name,
                A.c.capacity,
                A.c.valid_from,
            )
            .join(PI, and_(PI.c.person_id == A.c.person_id, bt.current(PI)))
            .join(PV, and_(PV.c.person_id == A.c.person_id, bt.current(PV), PV.c.valid_to.is_(None)))
            .where(A.c.fund_code == fund_code, _in_force(day), A.c.person_id > after_person_id)
        )
        if last_name_prefix:
            escaped = last_name_prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(func.lower(PV.c.last_name).like(escaped + "%", escape="\\"))
        rows = self._connection.execute(query.order_by(A.c.person_id, PI.c.kind.desc()).limit(limit * 2))
        seen: dict[int, MemberRow] = {}
        for row in rows:
            # INSZ ('insz') sorts after BIS ('bis') descending first: keep the first number per person.
            if row.person_id not in seen:
                seen[int(row.person_id)] = MemberRow(
                    int(row.person_id), row.value, row.last_name, row.first_name, row.capacity, row.valid_from
                )
        return list(seen.values())[:limit]

    def affiliation_counts(self, day: date) -> list[AffiliationCount]:
        """People affiliated on ``day`` per fund and capacity: an aggregate, no person in it."""
        query = (
            select(A.c.fund_code, A.c.capacity, func.count(func.distinct(A.c.person_id)))
            .where(_in_force(day))
            .group_by(A.c.fund_code, A.c.capacity)
            .order_by(A.c.fund_code, A.c.capacity)
        )
        return [AffiliationCount(f, c, int(n)) for f, c, n in self._connection.execute(query)]

    def first_member(self, day: date) -> tuple[int, str] | None:
        """The person with the smallest id who is affiliated on ``day`` (the demo persona), and their number."""
        query = (
            select(A.c.person_id, PI.c.value)
            .join(PI, and_(PI.c.person_id == A.c.person_id, bt.current(PI)))
            .where(_in_force(day))
            .order_by(A.c.person_id, PI.c.kind.desc())
            .limit(1)
        )
        row = self._connection.execute(query).first()
        return None if row is None else (int(row[0]), str(row[1]))

    def first_member_in_good_standing(
        self, day: date, *, sex: str, born_after: date, born_on_or_before: date
    ) -> tuple[int, str] | None:
        """The person with the smallest id who is affiliated on ``day``, alive, of ``sex``, born in the
        given window, and owes no overdue contribution: the demo's self-employed persona, chosen so that
        the life events the demo shows (a birth) meet every condition of the right they trigger."""
        C = t.contribution  # noqa: N806 - table alias, like A, PI and PV
        overdue = (
            select(C.c.person_id).where(C.c.person_id == A.c.person_id, bt.current(C), C.c.status == "unpaid").exists()
        )
        query = (
            select(A.c.person_id, PI.c.value)
            .join(PI, and_(PI.c.person_id == A.c.person_id, bt.current(PI)))
            .join(PV, and_(PV.c.person_id == A.c.person_id, bt.current(PV), PV.c.valid_to.is_(None)))
            .where(
                _in_force(day),
                PV.c.sex == sex,
                PV.c.death_date.is_(None),
                PV.c.birth_date > born_after,
                PV.c.birth_date <= born_on_or_before,
                ~overdue,
            )
            .order_by(A.c.person_id, PI.c.kind.desc())
            .limit(1)
        )
        row = self._connection.execute(query).first()
        return None if row is None else (int(row[0]), str(row[1]))
