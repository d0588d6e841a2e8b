"""Identifiers reserved before the rows are written.

A bulk load must know the ``person_id`` of 100,000 new people before it writes their affiliations,
incomes and contributions, and an affiliation's logical ``affiliation_id`` is the id of its first
version. So these ids are reserved in advance, in blocks:

- PostgreSQL: from the column's own sequence (``nextval`` over ``generate_series``), which is safe
  under concurrency and shared with inserts that use the column default;
- SQLite: after the largest id in the table. A writing unit of work holds SQLite's write lock from
  its first statement (``BEGIN IMMEDIATE``), so no other connection can take the same ids; within
  the unit of work the allocator remembers what it handed out.

Rule: a table whose ids are reserved here (person, affiliation) is always written with reserved ids,
never with the column default, so SQLite's "largest id + 1" default cannot collide with a block
reserved but not yet written.
"""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, literal_column, select, text

from statut.store.engine import dialect_name


class IdAllocator:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._high_water: dict[str, int] = {}

    def reserve(self, table: Table, count: int) -> list[int]:
        """``count`` new ids for ``table``'s single-column primary key, in increasing order."""
        if count <= 0:
            return []
        pk = _primary_key(table)
        if dialect_name(self._connection) == "postgresql":
            # The sequence is looked up once: pg_get_serial_sequence per row made this ten times slower.
            sequence = self._connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": pk}
            ).scalar_one()
            values = self._connection.execute(
                text(
                    "SELECT array_agg(id ORDER BY id) FROM "
                    "(SELECT nextval(CAST(:sequence AS regclass)) AS id FROM generate_series(1, :count)) AS reserved"
                ),
                {"sequence": sequence, "count": count},
            ).scalar_one()
            return [int(value) for value in values]
        largest: int = self._connection.execute(
            select(func.coalesce(func.max(literal_column(pk)), 0)).select_from(table)
        ).scalar_one()
        first = max(int(largest), self._high_water.get(table.name, 0)) + 1
        self._high_water[table.name] = first + count - 1
        return list(range(first, first + count))

    def reserve_one(self, table: Table) -> int:
        return self.reserve(table, 1)[0]


def _primary_key(table: Table) -> str:
    columns = list(table.primary_key.columns)
    if len(columns) != 1:  # pragma: no cover - every table with reserved ids has a single-column key
        raise ValueError(f"{table.name} has no single-column primary key")
    return columns[0].name
