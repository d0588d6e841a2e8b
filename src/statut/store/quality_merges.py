"""Repositories of the duplicate-persons review queue and of the person links that merge two persons.

A merge never touches a fact: it is one ``person_link`` row (absorbed -> survivor) in record time.
Unmerge supersedes that row (``superseded_at``, ``superseded_by``); the facts of both persons were
never changed, so they are exactly what they were. Readers resolve a person through the current
links (:meth:`PersonLinkRepository.survivor_of`, :meth:`PersonLinkRepository.members`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Table, func, insert, select, update

from statut.domain.errors import Conflict
from statut.store import tables as t
from statut.store.changes import Change
from statut.store.quality_tables import person_link as L  # noqa: N812 - short table aliases, as in the other repositories
from statut.store.quality_tables import quality_review_pair as R  # noqa: N812 - short table aliases

#: Every register table that holds facts about a person, keyed by person_id.
PERSON_TABLES: tuple[Table, ...] = (
    t.person_identifier,
    t.person_version,
    t.affiliation,
    t.income,
    t.contribution,
    t.payment,
    t.career_quarter,
    t.life_event,
)


@dataclass(frozen=True, slots=True)
class ReviewPairRow:
    pair_id: int
    person_id_l: int
    person_id_r: int
    match_probability: float
    state: str
    found_at: datetime
    change_id: int
    decided_at: datetime | None
    decided_by: str | None
    decision_note: str | None
    decision_change_id: int | None


@dataclass(frozen=True, slots=True)
class PersonLinkRow:
    link_id: int
    absorbed_person_id: int
    survivor_person_id: int
    pair_id: int | None
    recorded_at: datetime
    superseded_at: datetime | None
    change_id: int
    superseded_by: int | None


class ReviewRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def known_pairs(self) -> pl.DataFrame:
        rows = self._connection.execute(select(R.c.person_id_l, R.c.person_id_r)).all()
        return pl.DataFrame(
            [tuple(r) for r in rows], schema={"person_id_l": pl.Int64, "person_id_r": pl.Int64}, orient="row"
        )

    def add(self, pairs: pl.DataFrame, change: Change) -> int:
        """Queue the pairs (person_id_l < person_id_r, match_probability) the queue has never held: a
        pair once rejected is not proposed again."""
        new = pairs.join(self.known_pairs(), on=["person_id_l", "person_id_r"], how="anti")
        rows = [
            {
                "person_id_l": int(row["person_id_l"]),
                "person_id_r": int(row["person_id_r"]),
                "match_probability": float(row["match_probability"]),
                "state": "pending",
                "found_at": change.recorded_at,
                "change_id": change.change_id,
            }
            for row in new.iter_rows(named=True)
        ]
        if rows:
            self._connection.execute(insert(R), rows)
        return len(rows)

    def get(self, pair_id: int) -> ReviewPairRow | None:
        row = self._connection.execute(select(R).where(R.c.pair_id == pair_id)).one_or_none()
        return None if row is None else ReviewPairRow(**row._mapping)

    def page(self, state: str, *, after: int = 0, limit: int = 50) -> list[ReviewPairRow]:
        query = select(R).where(R.c.state == state, R.c.pair_id > after).order_by(R.c.pair_id).limit(limit)
        return [ReviewPairRow(**row._mapping) for row in self._connection.execute(query)]

    def decide(self, pair: ReviewPairRow, state: str, change: Change, note: str | None) -> None:
        """Move the pair from its current state (checked in the statement: no lost update)."""
        done = self._connection.execute(
            update(R)
            .where(R.c.pair_id == pair.pair_id, R.c.state == pair.state)
            .values(
                state=state,
                decided_at=change.recorded_at,
                decided_by=change.actor,
                decision_note=note,
                decision_change_id=change.change_id,
            )
        )
        if done.rowcount != 1:
            raise Conflict(f"pair {pair.pair_id} changed meanwhile: read it again")


class PersonLinkRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def current_for_pair(self, pair_id: int) -> PersonLinkRow | None:
        row = self._connection.execute(
            select(L).where(L.c.pair_id == pair_id, L.c.superseded_at.is_(None))
        ).one_or_none()
        return None if row is None else PersonLinkRow(**row._mapping)

    def history(self, person_id: int) -> list[PersonLinkRow]:
        query = (
            select(L)
            .where((L.c.absorbed_person_id == person_id) | (L.c.survivor_person_id == person_id))
            .order_by(L.c.link_id)
        )
        return [PersonLinkRow(**row._mapping) for row in self._connection.execute(query)]

    def survivor_of(self, person_id: int) -> int:
        """The person that ``person_id`` is now (itself when not absorbed; links may chain)."""
        seen = {person_id}
        current = person_id
        while True:
            survivor = self._connection.execute(
                select(L.c.survivor_person_id).where(L.c.absorbed_person_id == current, L.c.superseded_at.is_(None))
            ).scalar_one_or_none()
            if survivor is None:
                return current
            if survivor in seen:  # a cycle cannot be written (see link), but never loop forever
                raise Conflict(f"person links form a cycle through person {survivor}")
            seen.add(int(survivor))
            current = int(survivor)

    def members(self, survivor_id: int) -> list[int]:
        """The survivor and every person absorbed into it, directly or through a chain, sorted."""
        found = {survivor_id}
        frontier = [survivor_id]
        while frontier:
            rows = self._connection.execute(
                select(L.c.absorbed_person_id).where(L.c.survivor_person_id.in_(frontier), L.c.superseded_at.is_(None))
            ).scalars()
            frontier = [int(r) for r in rows if int(r) not in found]
            found.update(frontier)
        return sorted(found)

    def absorbed_persons(self) -> pl.Series:
        rows = self._connection.execute(select(L.c.absorbed_person_id).where(L.c.superseded_at.is_(None))).scalars()
        return pl.Series("person_id", [int(r) for r in rows], dtype=pl.Int64)

    def link(self, absorbed: int, survivor: int, pair_id: int | None, change: Change) -> int:
        if self.survivor_of(survivor) != survivor or self.survivor_of(absorbed) != absorbed:
            raise Conflict("link current survivors only: resolve both persons first")
        return int(
            self._connection.execute(
                insert(L)
                .values(
                    absorbed_person_id=absorbed,
                    survivor_person_id=survivor,
                    pair_id=pair_id,
                    recorded_at=change.recorded_at,
                    change_id=change.change_id,
                )
                .returning(L.c.link_id)
            ).scalar_one()
        )

    def supersede(self, link: PersonLinkRow, change: Change) -> None:
        done = self._connection.execute(
            update(L)
            .where(L.c.link_id == link.link_id, L.c.superseded_at.is_(None))
            .values(superseded_at=change.recorded_at, superseded_by=change.change_id)
        )
        if done.rowcount != 1:
            raise Conflict(f"the merge {link.link_id} was undone meanwhile")


def person_rows(connection: Connection, person_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """Every row of every person table for these persons (all versions, superseded ones included),
    in primary-key order: what "both persons exactly" means for a merge and its undoing."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in (t.person, *PERSON_TABLES):
        key = next(iter(table.primary_key.columns))
        result = connection.execute(select(table).where(table.c.person_id.in_(person_ids)).order_by(key))
        rows[table.name] = [dict(row._mapping) for row in result]
    return rows


def current_identity(connection: Connection, person_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The current civil data and national number of each person (for a reviewer to compare)."""
    pv = t.person_version.c
    pid = t.person_identifier.c
    numbers = dict(
        connection.execute(
            select(pid.person_id, func.min(pid.value))
            .where(pid.person_id.in_(person_ids), pid.superseded_at.is_(None))
            .group_by(pid.person_id)
        ).all()
    )
    result: dict[int, dict[str, Any]] = {
        p: {
            "person_id": p,
            "national_number": numbers.get(p),
            "last_name": None,
            "first_name": None,
            "birth_date": None,
            "postal_code": None,
        }
        for p in person_ids
    }
    query = select(pv.person_id, pv.last_name, pv.first_name, pv.birth_date, pv.postal_code).where(
        pv.person_id.in_(person_ids), pv.superseded_at.is_(None), pv.valid_to.is_(None)
    )
    for row in connection.execute(query):
        result[int(row.person_id)].update(row._mapping)
    return result
