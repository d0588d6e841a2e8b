"""People: a stable surrogate ``person_id``, their national numbers, and bitemporal civil data.

A person keeps one ``person_id`` for life, while national numbers come and go: a BIS number is
replaced by an INSZ/NISS when the person enters the National Register, and a number registered by
mistake is retired. ``person_identifier`` keeps every number with its record time; a number
identifies at most one person at a time (partial unique index). The domain ``Person.number`` is the
person's INSZ when one is current, else the most recently recorded BIS number.

Civil data (``person_version``) is bitemporal: a correction of the name for all time, or a change
of address from a given date, supersede versions and add new ones (see bitemporal.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Row, func, insert, select

from statut.domain.entities import Address, Language, Person
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import PersonNumber, PersonNumberKind, Sex, parse_person_number
from statut.store import bitemporal as bt
from statut.store import tables as t
from statut.store.bitemporal import Versioned, VersionWrite, current, insert_version, record_time_values, versioned
from statut.store.changes import Change
from statut.store.ids import IdAllocator
from statut.store.ledger import Ledger

PERSON = "person"


def version_values(person: Person) -> dict[str, Any]:
    """Columns of ``person_version`` for a domain person (valid and record time excluded)."""
    address = person.address
    return {
        "last_name": person.last_name,
        "first_name": person.first_name,
        "birth_date": person.birth_date,
        "sex": person.sex.value,
        "language": person.language.value,
        "postal_code": address.postal_code if address else None,
        "municipality": (address.municipality or None) if address else None,
        "street": (address.street or None) if address else None,
        "country": address.country if address else None,
        "death_date": person.death_date,
    }


def _person(row: Row[Any], number: PersonNumber) -> Person:
    address = (
        Address(
            postal_code=row.postal_code,
            municipality=row.municipality or "",
            street=row.street or "",
            country=row.country or "BE",
        )
        if row.postal_code is not None
        else None
    )
    return Person(
        number=number,
        last_name=row.last_name,
        first_name=row.first_name,
        birth_date=row.birth_date,
        sex=Sex(row.sex),
        language=Language(row.language),
        address=address,
        death_date=row.death_date,
    )


def _preferred(rows: Sequence[Row[Any]]) -> Row[Any] | None:
    """INSZ before BIS; among equals the most recently recorded."""
    if not rows:
        return None
    return max(rows, key=lambda row: (row.kind == PersonNumberKind.INSZ.value, row.recorded_at, row.identifier_id))


class PersonRepository:
    def __init__(self, connection: Connection, ledger: Ledger, ids: IdAllocator) -> None:
        self._connection = connection
        self._ledger = ledger
        self._ids = ids

    # -- identity ---------------------------------------------------------------------------------

    def add(self, person: Person, change: Change, *, valid_from: date | None = None) -> int:
        """Register a new person; their civil data hold from ``valid_from`` (default: birth)."""
        person.validate(change.recorded_at.date())
        self._require_free(person.number.value)
        person_id = self._ids.reserve_one(t.person)
        self._connection.execute(insert(t.person).values(person_id=person_id, change_id=change.change_id))
        identifier_id = self._insert_identifier(person_id, person.number, change)
        start = valid_from or person.birth_date
        version_id = insert_version(
            self._connection,
            t.person_version,
            t.person_version.c.version_id,
            {
                **version_values(person),
                "person_id": person_id,
                "valid_from": start,
                "valid_to": None,
                **record_time_values(change),
            },
        )
        self._ledger.record(
            change,
            action="person.registered",
            entity_type=PERSON,
            entity_key=person_id,
            payload={"identifier_id": identifier_id, "version_id": version_id, "valid_from": start},
        )
        return person_id

    def find_id(self, number: str, *, include_retired: bool = False) -> int | None:
        query = select(t.person_identifier.c.person_id).where(t.person_identifier.c.value == number)
        if not include_retired:
            query = query.where(current(t.person_identifier))
        query = query.order_by(t.person_identifier.c.recorded_at.desc()).limit(1)
        found = self._connection.execute(query).scalar_one_or_none()
        return None if found is None else int(found)

    def require_id(self, number: str, field: str = "national_number") -> int:
        person_id = self.find_id(number)
        if person_id is None:
            raise NotFound(f"{field}: no person with national number {number!r} in the register", field=field)
        return person_id

    def exists(self, person_id: int) -> bool:
        return (
            self._connection.execute(select(t.person.c.person_id).where(t.person.c.person_id == person_id)).first()
            is not None
        )

    def count(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(t.person)).scalar_one())

    def number(self, person_id: int, *, known: datetime | date | None = None) -> PersonNumber | None:
        """The person's number (INSZ preferred), as the register knows it now or at ``known``."""
        query = select(t.person_identifier).where(t.person_identifier.c.person_id == person_id)
        query = query.where(current(t.person_identifier) if known is None else bt.known_at(t.person_identifier, known))
        row = _preferred(self._connection.execute(query).all())
        return None if row is None else parse_person_number(row.value)

    def identifiers(self, person_id: int, *, include_retired: bool = False) -> list[Versioned[PersonNumber]]:
        query = select(t.person_identifier).where(t.person_identifier.c.person_id == person_id)
        if not include_retired:
            query = query.where(current(t.person_identifier))
        rows = self._connection.execute(query.order_by(t.person_identifier.c.identifier_id)).all()
        return [versioned(row, parse_person_number(row.value), pk="identifier_id") for row in rows]

    def add_identifier(self, person_id: int, number: PersonNumber, change: Change) -> int:
        """Give the person another number (an INSZ after a BIS, for example); the old one stays valid."""
        if not self.exists(person_id):
            raise NotFound(f"person {person_id} not found")
        self._require_free(number.value)
        identifier_id = self._insert_identifier(person_id, number, change)
        self._ledger.record(
            change,
            action="person.identifier_added",
            entity_type=PERSON,
            entity_key=person_id,
            payload={"identifier_id": identifier_id, "kind": number.kind.value},
        )
        return identifier_id

    def retire_identifier(self, person_id: int, number: str, change: Change) -> None:
        """Stop using a number for the person (logical delete; the history keeps it)."""
        ids = list(
            self._connection.execute(
                select(t.person_identifier.c.identifier_id).where(
                    t.person_identifier.c.person_id == person_id,
                    t.person_identifier.c.value == number,
                    current(t.person_identifier),
                )
            ).scalars()
        )
        if not ids:
            raise NotFound(f"national_number: {number!r} is not a current number of person {person_id}")
        remaining = len(self.identifiers(person_id)) - len(ids)
        if remaining < 1:
            raise Conflict(f"national_number: {number!r} is the only number of person {person_id}; add another first")
        bt.supersede(self._connection, t.person_identifier, t.person_identifier.c.identifier_id, ids, change)
        self._ledger.record(
            change,
            action="person.identifier_retired",
            entity_type=PERSON,
            entity_key=person_id,
            payload={"identifier_ids": ids},
        )

    def current_identifiers_frame(self) -> pl.DataFrame:
        """Every current number and its person, as columns (for set-based linking of bulk loads)."""
        rows = self._connection.execute(
            select(t.person_identifier.c.value, t.person_identifier.c.person_id).where(current(t.person_identifier))
        ).all()
        return pl.DataFrame(
            {"national_number": [row[0] for row in rows], "person_id": [int(row[1]) for row in rows]},
            schema={"national_number": pl.String(), "person_id": pl.Int64()},
        )

    # -- civil data -------------------------------------------------------------------------------

    def get(self, person_id: int, *, valid_on: date | None = None) -> Person | None:
        """What the register holds now: the version valid on ``valid_on`` (default: the latest one)."""
        query = select(t.person_version).where(t.person_version.c.person_id == person_id, current(t.person_version))
        if valid_on is not None:
            query = query.where(bt.valid_at(t.person_version, valid_on))
        row = self._connection.execute(query.order_by(t.person_version.c.valid_from.desc()).limit(1)).one_or_none()
        if row is None:
            return None
        number = self.number(person_id)
        return None if number is None else _person(row, number)

    def get_or_raise(self, person_id: int, *, valid_on: date | None = None) -> Person:
        person = self.get(person_id, valid_on=valid_on)
        if person is None:
            raise NotFound(f"person {person_id} not found")
        return person

    def as_of(self, person_id: int, *, known_at: datetime | date, valid_at: date) -> Person | None:
        """What the register knew at ``known_at`` about the person as they were on ``valid_at``."""
        query = select(t.person_version).where(
            t.person_version.c.person_id == person_id,
            bt.known_at(t.person_version, known_at),
            bt.valid_at(t.person_version, valid_at),
        )
        row = self._connection.execute(query.order_by(t.person_version.c.recorded_at.desc()).limit(1)).one_or_none()
        if row is None:
            return None
        number = self.number(person_id, known=bt.as_instant(known_at))
        return None if number is None else _person(row, number)

    def history(self, person_id: int) -> list[Versioned[Person]]:
        """Every version ever recorded, current and superseded, in the order they were recorded."""
        rows = self._connection.execute(
            select(t.person_version)
            .where(t.person_version.c.person_id == person_id)
            .order_by(t.person_version.c.recorded_at, t.person_version.c.valid_from, t.person_version.c.version_id)
        ).all()
        number = self.number(person_id) or self._latest_number(person_id)
        if number is None:
            return []
        return [versioned(row, _person(row, number)) for row in rows]

    def correct(
        self,
        person_id: int,
        person: Person,
        change: Change,
        *,
        valid_from: date | None = None,
        valid_to: date | None = None,
    ) -> VersionWrite:
        """Record that the person's civil data are ``person`` over ``[valid_from, valid_to)``.

        Without ``valid_from`` the correction holds since the first valid version (the register was
        wrong all along); with it, it is a change from that date (a move, a new name).
        """
        person.validate(change.recorded_at.date())
        numbers = {identifier.value.value for identifier in self.identifiers(person_id)}
        if not numbers:
            raise NotFound(f"person {person_id} not found")
        if person.number.value not in numbers:
            raise Conflict(
                f"national_number: {person.number.value!r} is not a number of person {person_id}; use add_identifier"
            )
        start = valid_from or self._first_valid_from(person_id)
        write = bt.rewrite_portion(
            self._connection,
            t.person_version,
            t.person_version.c.version_id,
            t.person_version.c.person_id == person_id,
            values={**version_values(person), "person_id": person_id},
            start=start,
            end=valid_to,
            change=change,
        )
        self._ledger.record(
            change,
            action="person.corrected",
            entity_type=PERSON,
            entity_key=person_id,
            payload={**write.as_payload(), "valid_from": start, "valid_to": valid_to},
        )
        return write

    # -- internals --------------------------------------------------------------------------------

    def _first_valid_from(self, person_id: int) -> date:
        first = self._connection.execute(
            select(func.min(t.person_version.c.valid_from)).where(
                t.person_version.c.person_id == person_id, current(t.person_version)
            )
        ).scalar_one_or_none()
        if first is None:
            raise NotFound(f"person {person_id} has no civil data")
        return first  # type: ignore[no-any-return]

    def _require_free(self, number: str) -> None:
        holder = self.find_id(number)
        if holder is not None:
            raise Conflict(
                f"national_number: {number!r} already identifies person {holder}",
                code="statut.conflict.national_number",
                field="national_number",
                value=number,
            )

    def _insert_identifier(self, person_id: int, number: PersonNumber, change: Change) -> int:
        if not isinstance(number, PersonNumber):
            raise DomainValidationError("national_number", number, "expected a parsed national number")
        return insert_version(
            self._connection,
            t.person_identifier,
            t.person_identifier.c.identifier_id,
            {"person_id": person_id, "value": number.value, "kind": number.kind.value, **record_time_values(change)},
        )

    def _latest_number(self, person_id: int) -> PersonNumber | None:
        """The most recent number, retired or not (a person whose numbers were all retired)."""
        rows = self._connection.execute(
            select(t.person_identifier).where(t.person_identifier.c.person_id == person_id)
        ).all()
        row = _preferred(rows)
        return None if row is None else parse_person_number(row.value)
