"""Set-based writes of whole frames, inside the unit of work's transaction.

No ORM object and no SQLAlchemy statement per row: a frame is written as columns.

- SQLite: ``executemany`` on the raw sqlite3 connection of the transaction, a hundred rows per
  statement (SQLite's per-statement cost is paid once per hundred rows), the values built
  column-wise from polars. Values that are the same for every row (the change, its instant) are
  written into the statement instead of being bound millions of times.
- PostgreSQL: ``COPY ... FROM STDIN (FORMAT BINARY)`` through psycopg 3, encoded column-wise by
  pg_binary, sent by a writer thread so that encoding and loading overlap.

Indexes and foreign keys: the PostgreSQL manual ("Populating a Database", sections 14.4.3 and
14.4.4) advises to build indexes and foreign keys after a large load: a sort-based index build and
one set-based foreign-key check are much cheaper than maintaining them row by row (on this
project's machine, PostgreSQL's per-row foreign-key triggers alone cost more than the COPY).
:meth:`BulkWriter.deferring` does that for the tables a load at least doubles (an initial load,
typically), inside the same transaction, so a failure rolls everything back, indexes included.
The trade-off: while it runs, those tables are locked against readers on PostgreSQL (DDL takes an
exclusive lock until commit), and the rebuild costs in proportion to the whole table; so a load
into a large, busy register keeps its indexes and pays per row instead. SQLite cannot drop a
foreign key without rebuilding the table: there only indexes are deferred.

Rows are written in chunks to bound memory. The digest of each written frame (digest.py) covers
the rows in the order they were written, which is primary-key order on both databases.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
import psycopg
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import AddConstraint, CreateIndex, DropConstraint, DropIndex
from sqlalchemy.types import TypeEngine

from statut.domain.errors import Conflict
from statut.store.digest import FrameDigest, frame_digest
from statut.store.engine import dialect_name, first_line
from statut.store.ids import IdAllocator
from statut.store.pg_binary import COPY_HEADER, COPY_TRAILER, PgType, encode_rows
from statut.store.types import UtcDateTime

SQLITE_CHUNK_ROWS = 50_000
SQLITE_ROWS_PER_STATEMENT = 100
SQLITE_MAX_VARIABLES = 32_766  # SQLite's default limit since 3.32
POSTGRESQL_CHUNK_ROWS = 250_000
#: A load defers a table's indexes when it brings at least this many rows and at least as many
#: rows as the table holds.
DEFER_MIN_ROWS = 10_000
#: SQLite's page cache while a bulk write or an index build runs (KiB, as ``PRAGMA cache_size`` takes
#: a negative number): its default of 2 MB makes every index insert of a million-row load, and the
#: sorter of an index build, go to the file; the cache only grows as far as it is used and is put
#: back to what it was when the write ends.
SQLITE_BULK_CACHE_KIB = 256 * 1024

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class BulkInsert:
    table: str
    rows: int
    digest: str


def _polars_type(sql_type: TypeEngine[Any]) -> pl.DataType:
    if isinstance(sql_type, UtcDateTime):
        return pl.Datetime("us", "UTC")
    if isinstance(sql_type, Boolean):
        return pl.Boolean()
    if isinstance(sql_type, Date):
        return pl.Date()
    if isinstance(sql_type, BigInteger | Integer | SmallInteger):
        return pl.Int64()
    return pl.String()


#: The binary COPY format of each column type; order matters (BigInteger is an Integer).
_PG_TYPES: tuple[tuple[type[TypeEngine[Any]], PgType], ...] = (
    (UtcDateTime, PgType.TIMESTAMPTZ),
    (Boolean, PgType.BOOL),
    (Date, PgType.DATE),
    (BigInteger, PgType.INT8),
    (SmallInteger, PgType.INT2),
    (Integer, PgType.INT4),
)


def _pg_type(sql_type: TypeEngine[Any]) -> PgType:
    return next((pg_type for kind, pg_type in _PG_TYPES if isinstance(sql_type, kind)), PgType.TEXT)


def _conflict(where: str, error: BaseException) -> Conflict:
    """A load that contradicts what the register holds (a second current version of a key, a
    reference to nothing): one clear error, not a driver's traceback."""
    return Conflict(f"{where}: the load contradicts the register ({first_line(error)})", code="statut.conflict.load")


def _foreign_keys_to(table: Table) -> list[Any]:
    """Every foreign key of the metadata that points to ``table`` (its primary key must stay)."""
    return [key for other in table.metadata.tables.values() for key in other.foreign_keys if key.column.table is table]


def _sqlite_literal(value: Any) -> str:
    """SQL text of a constant, for values the register produces itself (ints, text, instants, dates)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    elif isinstance(value, date):
        value = value.isoformat()
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"cannot write a constant {value!r}")


def _row_major_values(frame: pl.DataFrame, offset: int) -> tuple[int, list[Any]]:
    """A chunk of rows as one flat list, row after row, in SQLite's storage formats.

    Built without a tuple per row: each column fills every n-th slot of the list."""
    chunk = _sqlite_columns(frame.slice(offset, SQLITE_CHUNK_ROWS))
    values: list[Any] = [None] * (chunk.height * chunk.width)
    for position, column in enumerate(chunk.iter_columns()):
        values[position :: chunk.width] = column.to_list()
    return chunk.height, values


def _sqlite_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The values as SQLAlchemy stores them in SQLite: ISO text for dates and instants, 0/1 booleans."""
    conversions = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            conversions.append(column.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%6f"))
        elif dtype == pl.Date():
            conversions.append(column.cast(pl.String))  # ISO 8601, as SQLAlchemy stores dates
        elif dtype == pl.Boolean():
            conversions.append(column.cast(pl.Int8))
        else:
            conversions.append(column)
    return frame.select(conversions)


class BulkWriter:
    def __init__(self, connection: Connection, ids: IdAllocator) -> None:
        self._connection = connection
        self._ids = ids

    @property
    def dialect(self) -> str:
        return dialect_name(self._connection)

    def reserve_ids(self, table: Table, count: int) -> pl.Series:
        """``count`` ids for new rows of ``table`` (see ids.py), as an Int64 column."""
        return pl.Series("id", self._ids.reserve(table, count), dtype=pl.Int64)

    def conform(self, table: Table, frame: pl.DataFrame, constants: Mapping[str, Any] | None = None) -> pl.DataFrame:
        """The frame with the table's column types, in table order, constants included as columns.

        Refuses unknown columns, and missing required columns (NOT NULL, no default, not generated).
        """
        constants = dict(constants or {})
        unknown = sorted((set(frame.columns) | set(constants)) - set(table.columns.keys()))
        if unknown:
            raise ValueError(f"{table.name}: no column(s) {', '.join(unknown)}")
        given = set(frame.columns) | set(constants)
        generated = {column.name for column in table.primary_key.columns if column.autoincrement is True}
        missing = [
            column.name
            for column in table.columns
            if column.name not in given
            and not column.nullable
            and column.server_default is None
            and column.name not in generated
        ]
        if missing:
            raise ValueError(f"{table.name}: missing column(s) {', '.join(missing)}")
        columns = [
            (pl.col(column.name) if column.name in frame.columns else pl.lit(constants[column.name]))
            .cast(_polars_type(column.type), strict=True)
            .alias(column.name)
            for column in table.columns
            if column.name in given
        ]
        return frame.select(columns)

    def insert(
        self,
        table: Table,
        frame: pl.DataFrame,
        *,
        constants: Mapping[str, Any] | None = None,
        progress: Progress | None = None,
        digest: bool = True,
    ) -> BulkInsert:
        """Write every row of ``frame`` (plus ``constants``) into ``table``; return count and digest.

        ``digest=False`` skips the digest (empty string) where no ledger entry records it: the gate
        proves what it wrote with its own reconciliation instead."""
        conformed = self.conform(table, frame, constants)
        if conformed.height == 0:
            return BulkInsert(table.name, 0, frame_digest(conformed) if digest else "")
        try:
            if self.dialect == "postgresql":
                written = self._copy(table, conformed, progress, digest=digest)
            else:
                with self._sqlite_bulk_cache():
                    written = self._executemany(table, conformed, set(constants or {}), progress, digest=digest)
        except (sqlite3.IntegrityError, psycopg.errors.IntegrityError) as error:
            raise _conflict(table.name, error) from None
        return BulkInsert(table.name, conformed.height, written)

    @contextmanager
    def deferring(self, incoming: Mapping[Table, int]) -> Iterator[list[str]]:
        """Drop the indexes (and, on PostgreSQL, foreign keys and the primary keys no foreign key
        points to) of tables the load at least doubles; create them again when the block ends
        without error. Yields the names of what was deferred."""
        tables = [
            table for table, rows in incoming.items() if rows >= DEFER_MIN_ROWS and rows >= self._size(table, rows)
        ]
        indexes: list[Index] = [index for table in tables for index in sorted(table.indexes, key=lambda i: str(i.name))]
        constraints: list[ForeignKeyConstraint | PrimaryKeyConstraint] = []
        if self.dialect == "postgresql":
            referenced = {table.name for table in tables if _foreign_keys_to(table)}
            constraints = [
                *(table.primary_key for table in tables if table.name not in referenced),
                *(
                    constraint
                    for table in tables
                    for constraint in sorted(table.foreign_key_constraints, key=lambda c: str(c.name))
                ),
            ]
        for constraint in reversed(constraints):
            self._connection.execute(DropConstraint(constraint))
        for index in indexes:
            self._connection.execute(DropIndex(index))
        yield [str(index.name) for index in indexes] + [str(constraint.name) for constraint in constraints]
        if indexes or constraints:
            self._prepare_index_builds()
        try:
            with self._sqlite_bulk_cache():
                for constraint in constraints:
                    self._connection.execute(AddConstraint(constraint))
                for index in indexes:
                    self._connection.execute(CreateIndex(index))
        except IntegrityError as error:
            raise _conflict(", ".join(table.name for table in tables), error) from None

    # -- internals --------------------------------------------------------------------------------

    def _prepare_index_builds(self) -> None:
        """Give the index builds room: sort memory on PostgreSQL (this transaction only), helper
        threads for SQLite's sorter (this connection; harmless afterwards)."""
        if self.dialect == "postgresql":
            self._connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        else:
            self._connection.exec_driver_sql("PRAGMA threads = 2")

    @contextmanager
    def _sqlite_bulk_cache(self) -> Iterator[None]:
        """SQLite: a page cache of SQLITE_BULK_CACHE_KIB for the block, the previous size afterwards."""
        if self.dialect != "sqlite":
            yield
            return
        before = self._connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
        self._connection.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB:d}")
        try:
            yield
        finally:
            self._connection.exec_driver_sql(f"PRAGMA cache_size = {int(before):d}")

    def _size(self, table: Table, cap: int) -> int:
        """Rows in the table, counted up to ``cap + 1`` (enough to compare with a load of ``cap`` rows)."""
        pk = next(iter(table.primary_key.columns))
        counted = self._connection.execute(
            select(func.count()).select_from(select(pk).limit(cap + 1).subquery())
        ).scalar_one()
        return int(counted)

    def _dbapi(self) -> Any:
        return self._connection.connection.driver_connection

    def _executemany(
        self, table: Table, frame: pl.DataFrame, constant_names: set[str], progress: Progress | None, *, digest: bool
    ) -> str:
        bound = [name for name in frame.columns if name not in constant_names]
        constants = {name: frame.get_column(name)[0] for name in frame.columns if name in constant_names}
        columns = ", ".join(f'"{name}"' for name in [*bound, *constants])
        row = "(" + ", ".join(["?"] * len(bound) + [_sqlite_literal(value) for value in constants.values()]) + ")"
        # Several rows per statement: the per-statement cost of SQLite is paid once per group.
        per_statement = max(1, min(SQLITE_ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // max(1, len(bound))))
        # Identifiers come from the metadata, values are bound or are constants the register made.
        prefix = f'INSERT INTO "{table.name}" ({columns}) VALUES '  # noqa: S608
        statement = prefix + ", ".join([row] * per_statement)
        width = len(bound) * per_statement
        values_of = frame.select(bound)
        connection: sqlite3.Connection = self._dbapi()
        cursor = connection.cursor()
        try:
            for offset in range(0, frame.height, SQLITE_CHUNK_ROWS):
                height, values = _row_major_values(values_of, offset)
                whole = len(values) // width * width if width else 0
                if whole:
                    cursor.executemany(statement, (values[start : start + width] for start in range(0, whole, width)))
                if whole < len(values) or not bound:
                    rest = height - whole // max(1, len(bound))
                    cursor.execute(prefix + ", ".join([row] * rest), values[whole:])
                if progress is not None:
                    progress(table.name, offset + height, frame.height)
        finally:
            cursor.close()
        return frame_digest(frame) if digest else ""

    def _copy(self, table: Table, frame: pl.DataFrame, progress: Progress | None, *, digest: bool) -> str:
        types = [_pg_type(table.columns[name].type) for name in frame.columns]
        columns = ", ".join(f'"{name}"' for name in frame.columns)
        digester = FrameDigest(frame.schema) if digest else None
        # The digest covers the rows in primary-key order, as a reader reads them back: the frame's
        # order when it carries its keys (reserved ascending), else the order the server numbers them.
        keyed = all(column.name in frame.columns for column in table.primary_key.columns)
        cursor = self._dbapi().cursor()
        try:
            # The queued writer sends from a thread: the next chunk is encoded while the server loads this one.
            writer = QueuedLibpqWriter(cursor)
            with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN (FORMAT BINARY)', writer=writer) as copy:
                copy.write(COPY_HEADER)
                for offset in range(0, frame.height, POSTGRESQL_CHUNK_ROWS):
                    chunk = frame.slice(offset, POSTGRESQL_CHUNK_ROWS)
                    encoded = encode_rows(chunk, types)
                    copy.write(encoded.data)
                    if digester is not None:
                        digester.update(chunk if encoded.order is None or keyed else chunk[encoded.order])
                    if progress is not None:
                        progress(table.name, offset + chunk.height, frame.height)
                copy.write(COPY_TRAILER)
        finally:
            cursor.close()
        return digester.hexdigest() if digester is not None else ""
