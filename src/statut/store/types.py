"""Column types shared by the tables: UTC timestamps and autoincrementing 64-bit keys.

Two portability problems are solved here once, so that every table behaves the same on SQLite and
PostgreSQL:

- SQLite has no time zones: a ``DateTime(timezone=True)`` comes back naive. :class:`UtcDateTime`
  stores every instant in UTC and always returns an aware UTC datetime, so record time compares
  correctly on both databases (and the ledger hashes the same text on both).
- SQLite only autoincrements an ``INTEGER PRIMARY KEY`` (an alias of the rowid); ``BIGINT PRIMARY
  KEY`` would stay NULL. :data:`BigIntegerKey` is BIGINT on PostgreSQL and INTEGER on SQLite, which
  is 64 bits there anyway.
- Codes and identifiers (fund codes, quarters, statuses, national numbers) are compared byte by
  byte: :func:`Code` gives them the ``C`` collation on PostgreSQL (SQLite compares bytes anyway).
  They are not words to sort by a language's rules, and the locale's collation made building
  their indexes after a bulk load a third to a half slower.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, String
from sqlalchemy.types import TypeDecorator

BigIntegerKey = BigInteger().with_variant(Integer(), "sqlite")


def Code(length: int) -> String:  # noqa: N802 - used like a type, as String(length)
    """Text of a code or an identifier: byte order (collation C) on PostgreSQL."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class UtcDateTime(TypeDecorator[datetime]):
    """An instant, stored in UTC, returned as an aware UTC datetime. Naive input is refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: the register stores instants, give a time zone")
        utc = value.astimezone(UTC)
        # SQLite stores text without an offset: store the UTC wall time.
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002 - SQLAlchemy's signature
        if value is None:
            return None
        if not isinstance(value, datetime):  # pragma: no cover - the drivers always return datetimes
            raise TypeError(f"unexpected timestamp value {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
