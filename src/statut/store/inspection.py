"""What a database holds: its schema revision and the row count of each register table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from statut.store import tables as t
from statut.store.migrate import current_revision, head_revision, table_names


@dataclass(frozen=True, slots=True)
class StoreInfo:
    backend: str
    revision: str | None
    head: str
    rows: dict[str, int]

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.head


def inspect_store(connection: Connection) -> StoreInfo:
    """Schema revision and row counts (counts only for tables that exist)."""
    present = set(table_names(connection))
    rows = {
        table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
        for table in t.REGISTER_TABLES
        if table.name in present
    }
    return StoreInfo(
        backend=connection.dialect.name,
        revision=current_revision(connection),
        head=head_revision(),
        rows=rows,
    )
