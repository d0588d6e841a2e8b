"""Bitemporal building blocks shared by the repositories.

Two time axes (Snodgrass, "Developing Time-Oriented Database Applications in SQL"; SQL:2011):

- **valid time** ``[valid_from, valid_to)``: the period of the world a fact is about;
- **record time** ``[recorded_at, superseded_at)``: the period during which the register held it.

"What did the register know on date D about period P" selects the versions with
``recorded_at <= D < superseded_at`` (or not superseded) and ``valid_from <= P < valid_to``.
A date D given as ``known_at`` means "at the end of day D, UTC": whatever was recorded on D counts.

A correction never updates a fact in place: it sets ``superseded_at`` on the versions it replaces
and inserts new ones (:func:`rewrite_portion` for a portion of valid time). Supersession checks that
every version was still current, so two concurrent corrections cannot silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, ColumnElement, Connection, Row, Table, and_, insert, or_, select, update

from statut.domain.calendar import DateRange
from statut.domain.errors import Conflict
from statut.store.changes import Change

T = TypeVar("T")

RECORD_TIME_COLUMNS = frozenset({"recorded_at", "superseded_at", "change_id", "superseded_by"})
VALID_TIME_COLUMNS = frozenset({"valid_from", "valid_to"})


@dataclass(frozen=True, slots=True)
class Versioned(Generic[T]):
    """A domain value with the times and provenance of the version that holds it."""

    value: T
    version_id: int
    recorded_at: datetime
    superseded_at: datetime | None
    change_id: int
    superseded_by: int | None
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def valid(self) -> DateRange | None:
        return None if self.valid_from is None else DateRange(self.valid_from, self.valid_to)


@dataclass(frozen=True, slots=True)
class VersionWrite:
    """What a correction did: the versions it superseded and the ones it inserted."""

    superseded: tuple[int, ...] = ()
    inserted: tuple[int, ...] = ()
    changed_fields: tuple[str, ...] = field(default=())

    def as_payload(self) -> dict[str, Any]:
        return {
            "superseded": list(self.superseded),
            "inserted": list(self.inserted),
            "fields": list(self.changed_fields),
        }


def as_instant(known_at: datetime | date) -> datetime:
    """An instant of record time; a date means the end of that day (UTC)."""
    if isinstance(known_at, datetime):
        if known_at.tzinfo is None:
            raise ValueError("known_at must be time-zone aware (or a date)")
        return known_at.astimezone(UTC)
    return datetime.combine(known_at + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(microseconds=1)


def current(table: Table) -> ColumnElement[bool]:
    return table.c.superseded_at.is_(None)


def known_at(table: Table, instant: datetime | date) -> ColumnElement[bool]:
    moment = as_instant(instant)
    return and_(
        table.c.recorded_at <= moment,
        or_(table.c.superseded_at.is_(None), table.c.superseded_at > moment),
    )


def valid_at(table: Table, day: date) -> ColumnElement[bool]:
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def overlapping(table: Table, start: date, end: date | None) -> ColumnElement[bool]:
    """Versions whose valid time meets ``[start, end)``."""
    condition = or_(table.c.valid_to.is_(None), table.c.valid_to > start)
    if end is not None:
        condition = and_(condition, table.c.valid_from < end)
    return condition


def record_time_values(change: Change) -> dict[str, Any]:
    return {"recorded_at": change.recorded_at, "change_id": change.change_id}


def versioned(row: Row[Any], value: T, pk: str = "version_id") -> Versioned[T]:
    mapping = row._mapping
    return Versioned(
        value=value,
        version_id=int(mapping[pk]),
        recorded_at=mapping["recorded_at"],
        superseded_at=mapping["superseded_at"],
        change_id=int(mapping["change_id"]),
        superseded_by=mapping["superseded_by"],
        valid_from=mapping.get("valid_from"),
        valid_to=mapping.get("valid_to"),
    )


def supersede(connection: Connection, table: Table, pk: Column[Any], ids: Sequence[int], change: Change) -> None:
    """Mark versions as no longer believed, as of ``change``; they must all still be current."""
    if not ids:
        return
    result = connection.execute(
        update(table)
        .where(pk.in_(list(ids)), table.c.superseded_at.is_(None))
        .values(superseded_at=change.recorded_at, superseded_by=change.change_id)
    )
    if result.rowcount != len(ids):
        raise Conflict(
            f"{table.name}: versions {sorted(ids)} changed while this correction was being made; try again",
            code="statut.conflict.concurrent",
        )


def insert_version(connection: Connection, table: Table, pk: Column[Any], values: Mapping[str, Any]) -> int:
    return int(connection.execute(insert(table).values(**values).returning(pk)).scalar_one())


def content_columns(table: Table, pk: Column[Any]) -> list[str]:
    """Columns that hold the fact itself: not the key of the version, its record time or valid time."""
    return [
        column.name
        for column in table.columns
        if column.name != pk.name and column.name not in RECORD_TIME_COLUMNS and column.name not in VALID_TIME_COLUMNS
    ]


def rewrite_portion(
    connection: Connection,
    table: Table,
    pk: Column[Any],
    key: ColumnElement[bool],
    *,
    values: Mapping[str, Any] | None,
    start: date,
    end: date | None,
    change: Change,
) -> VersionWrite:
    """Make ``values`` the fact over ``[start, end)`` for the logical ``key`` (None retracts it there).

    The current versions that overlap the portion are superseded; the parts of them outside the
    portion are inserted again unchanged (as new versions recorded by ``change``), then the new
    version covers the portion. This is SQL:2011's ``UPDATE ... FOR PORTION OF`` done by hand,
    without losing the superseded versions.
    """
    if end is not None and end <= start:
        # DateRange raises the domain error naming the field and the value.
        DateRange(start, end)
    rows = connection.execute(
        select(table).where(key, current(table), overlapping(table, start, end)).order_by(table.c.valid_from)
    ).all()
    content = content_columns(table, pk)
    supersede(connection, table, pk, [row._mapping[pk.name] for row in rows], change)
    inserted: list[int] = []
    changed: set[str] = set()
    for row in rows:
        mapping = row._mapping
        kept = {name: mapping[name] for name in content}
        if mapping["valid_from"] < start:
            inserted.append(
                insert_version(
                    connection,
                    table,
                    pk,
                    {**kept, "valid_from": mapping["valid_from"], "valid_to": start, **record_time_values(change)},
                )
            )
        if end is not None and (mapping["valid_to"] is None or mapping["valid_to"] > end):
            inserted.append(
                insert_version(
                    connection,
                    table,
                    pk,
                    {**kept, "valid_from": end, "valid_to": mapping["valid_to"], **record_time_values(change)},
                )
            )
        if values is not None:
            changed.update(name for name in content if name in values and values[name] != mapping[name])
    if values is not None:
        inserted.append(
            insert_version(
                connection, table, pk, {**values, "valid_from": start, "valid_to": end, **record_time_values(change)}
            )
        )
        if not rows:
            changed.update(name for name in content if name in values)
    return VersionWrite(
        superseded=tuple(int(row._mapping[pk.name]) for row in rows),
        inserted=tuple(inserted),
        changed_fields=tuple(sorted(changed)),
    )
