"""The read side of a dossier: a person's current facts in two set-based queries, as plain tuples.

The repositories build a versioned domain object per row and look the person's number up again for
each table (fifteen queries for one dossier), which is right for writes and history, and too much
for the hottest read of the platform. A dossier needs the *current* version of each fact of one
person, so it is read in two statements, built once at import:

1. the person: their current identifiers joined with their current civil-data versions, by the
   number asked for (the unique index on current identifier values);
2. their facts: one ``UNION ALL`` of one select per fact table (affiliations, incomes, contributions,
   career quarters, life events), each on its existing ``(person_id, ...)`` index, in one round trip,
   rows in a common shape turned into small frozen dataclasses.

Same filters and orders as the repositories (``superseded_at IS NULL``; the latest civil-data
version; INSZ preferred to BIS), so a dossier shows exactly what the repositories return; a test
compares them (tests/api/test_dossier_reads.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    Integer,
    Row,
    String,
    and_,
    bindparam,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.types import TypeEngine

from statut.domain.identifiers import PersonNumberKind
from statut.store import tables as t

PI = t.person_identifier
PV = t.person_version
A = t.affiliation
INC = t.income
C = t.contribution
CQ = t.career_quarter
LE = t.life_event
_OTHER = PI.alias("other_identifier")


def in_force(affiliations: list[Affiliation], day: date) -> frozenset[str]:
    """Funds of the affiliations in force on ``day`` (as statut.store.members decides it)."""
    return frozenset(
        row.fund_code for row in affiliations if row.valid_from <= day and (row.valid_to is None or day < row.valid_to)
    )


_SLOTS: dict[str, TypeEngine[Any]] = {
    "text1": String(),
    "text2": String(),
    "text3": String(),
    "day1": Date(),
    "day2": Date(),
    "int1": BigInteger(),
    "int2": BigInteger(),
    "flag": Boolean(),
    "tie": BigInteger(),
}


def _slots(kind: int, **columns: Any) -> list[Any]:
    """The columns of one fact table placed in the common row shape of the dossier's union (typed
    NULLs where the table has nothing); ``tie`` is the version id that breaks ties in sorting."""
    return [
        literal(kind, Integer()).label("kind"),
        *(
            columns[name].label(name) if name in columns else null().cast(kind_of).label(name)
            for name, kind_of in _SLOTS.items()
        ),
    ]


AFFILIATIONS, INCOMES, CONTRIBUTIONS, CAREERS, LIFE_EVENTS = range(5)
_PERSON = bindparam("person_id", type_=BigInteger())


def _facts_statement() -> Any:
    """Every current fact of one person in one statement: a UNION ALL of one indexed select per table."""
    parts = [
        select(
            *_slots(
                AFFILIATIONS,
                text1=A.c.fund_code,
                text2=A.c.capacity,
                text3=A.c.enterprise_number,
                day1=A.c.valid_from,
                day2=A.c.valid_to,
                flag=A.c.company_director,
                tie=A.c.version_id,
            )
        ).where(A.c.person_id == _PERSON, A.c.superseded_at.is_(None)),
        select(
            *_slots(
                INCOMES,
                text1=INC.c.source,
                text2=INC.c.status,
                int1=INC.c.year,
                int2=INC.c.amount_cents,
                tie=INC.c.version_id,
            )
        ).where(INC.c.person_id == _PERSON, INC.c.superseded_at.is_(None)),
        select(
            *_slots(
                CONTRIBUTIONS,
                text1=C.c.quarter,
                text2=C.c.fund_code,
                text3=C.c.status,
                int1=C.c.due_cents,
                int2=C.c.paid_cents,
                tie=C.c.version_id,
            )
        ).where(C.c.person_id == _PERSON, C.c.superseded_at.is_(None)),
        select(
            *_slots(CAREERS, text1=CQ.c.quarter, text2=CQ.c.reason, flag=CQ.c.counts_for_pension, tie=CQ.c.version_id)
        ).where(CQ.c.person_id == _PERSON, CQ.c.superseded_at.is_(None)),
        select(*_slots(LIFE_EVENTS, text1=LE.c.event_type, day1=LE.c.event_date, tie=LE.c.event_id)).where(
            LE.c.person_id == _PERSON, LE.c.superseded_at.is_(None)
        ),
    ]
    return union_all(*parts)


_FACTS = _facts_statement()

#: The person's current identifiers joined with their current civil-data versions (one or two of each).
_FIND = (
    select(
        _OTHER.c.person_id,
        _OTHER.c.value,
        _OTHER.c.kind,
        _OTHER.c.recorded_at,
        _OTHER.c.identifier_id,
        PV.c.version_id,
        PV.c.valid_from,
        PV.c.last_name,
        PV.c.first_name,
        PV.c.birth_date,
        PV.c.sex,
        PV.c.language,
        PV.c.postal_code,
        PV.c.municipality,
        PV.c.country,
        PV.c.death_date,
    )
    .select_from(PI)
    .join(_OTHER, and_(_OTHER.c.person_id == PI.c.person_id, _OTHER.c.superseded_at.is_(None)))
    .join(PV, and_(PV.c.person_id == PI.c.person_id, PV.c.superseded_at.is_(None)))
    .where(PI.c.value == bindparam("number"), PI.c.superseded_at.is_(None))
)


@dataclass(frozen=True, slots=True)
class Person:
    person_id: int
    number: str
    civil: Any  # the civil-data columns of the row (last_name, first_name, birth_date, sex, language...)


@dataclass(frozen=True, slots=True)
class Affiliation:
    fund_code: str
    capacity: str
    valid_from: date
    valid_to: date | None
    company_director: bool
    enterprise_number: str | None


@dataclass(frozen=True, slots=True)
class Income:
    year: int
    amount_cents: int
    source: str
    status: str


@dataclass(frozen=True, slots=True)
class Contribution:
    quarter: str
    fund_code: str
    due_cents: int
    paid_cents: int
    status: str


@dataclass(frozen=True, slots=True)
class CareerQuarter:
    quarter: str
    counts_for_pension: bool
    reason: str


@dataclass(frozen=True, slots=True)
class LifeEvent:
    event_type: str
    event_date: date


@dataclass(frozen=True, slots=True)
class Facts:
    """The current facts of one person, each list in the order the repositories return it."""

    affiliations: list[Affiliation]
    incomes: list[Income]
    contributions: list[Contribution]
    careers: list[CareerQuarter]
    life_events: list[LifeEvent]


def _as_date(value: Any) -> Any:
    # SQLite returns a date of a UNION column as text; PostgreSQL as a date.
    return date.fromisoformat(value) if isinstance(value, str) else value


class DossierReader:
    """Two reads make a dossier: the person (:meth:`find`) and their facts (:meth:`facts`, one
    statement over the five fact tables, each part on its ``person_id`` index)."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(self, number: str) -> Person | None:
        """The person holding ``number`` now, their preferred number and civil data: one query."""
        rows = self._connection.execute(_FIND, {"number": number}).all()
        if not rows:
            return None
        # INSZ before BIS, then the most recently recorded: the rule of statut.store.persons.
        best = max(rows, key=lambda r: (r.kind == PersonNumberKind.INSZ.value, r.recorded_at, r.identifier_id))
        # The civil data: the current version with the latest valid_from (statut.store.persons.get).
        civil = max(rows, key=lambda r: (r.valid_from, r.version_id))
        return Person(int(best.person_id), str(best.value), civil)

    def facts(self, person_id: int) -> Facts:
        """Every current fact of the person: one statement, rows sorted as the repositories sort them."""
        by_kind: dict[int, list[Row[Any]]] = {kind: [] for kind in _ORDER}
        # ``all()``: one fetch of the whole result (iterating the result fetches row by row, twice
        # as slow for the sixty-odd rows of a dossier).
        for row in self._connection.execute(_FACTS, {"person_id": person_id}).all():
            by_kind[row.kind].append(row)
        for kind, key in _ORDER.items():
            by_kind[kind].sort(key=key)
        return Facts(
            [
                Affiliation(r.text1, r.text2, _as_date(r.day1), _as_date(r.day2), bool(r.flag), r.text3)
                for r in by_kind[AFFILIATIONS]
            ],
            [Income(int(r.int1), int(r.int2), r.text1, r.text2) for r in by_kind[INCOMES]],
            [Contribution(r.text1, r.text2, int(r.int1), int(r.int2), r.text3) for r in by_kind[CONTRIBUTIONS]],
            [CareerQuarter(r.text1, bool(r.flag), r.text2) for r in by_kind[CAREERS]],
            [LifeEvent(r.text1, _as_date(r.day1)) for r in by_kind[LIFE_EVENTS]],
        )


#: The orders of the repositories (by valid_from, year and source, quarter and fund, date), ties by id.
_ORDER: dict[int, Callable[[Row[Any]], Any]] = {
    AFFILIATIONS: lambda r: (_as_date(r.day1), r.tie),
    INCOMES: lambda r: (r.int1, r.text1, r.tie),
    CONTRIBUTIONS: lambda r: (r.text1, r.text2, r.tie),
    CAREERS: lambda r: (r.text1, r.tie),
    LIFE_EVENTS: lambda r: (_as_date(r.day1), r.tie),
}
