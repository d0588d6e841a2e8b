"""Content digest of a frame of rows, for the ledger entries of bulk loads.

A bulk load writes one ledger entry per table with the row count and this digest, so that the rows
a unit of work wrote can later be proven unchanged (read them back in primary-key order, digest
them, compare). The digest depends only on the values, not on the database, the chunking or the
polars version. Definition (SHA-256 everywhere, integers little-endian):

- per column, three hashes over all rows in order:
  ``validity`` (one byte per row, 1 = value present), ``values`` (per row: 8-byte signed integer;
  0 for a null; for text the UTF-8 byte length) and ``data`` (text only: the UTF-8 bytes of every
  non-null value, concatenated);
- integers, booleans (0/1), dates (days since 1970-01-01) and instants (microseconds since
  1970-01-01 UTC) are integers; every other type is text;
- column digest = SHA-256 of ``name \\n kind \\n validity || values || data`` (the three digests);
- frame digest = ``sha256:`` + SHA-256 of ``rows=<n>\\n`` followed by the column digests in column
  order.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import polars as pl

CHUNK_ROWS = 262_144


def _kind(dtype: pl.DataType) -> str:
    if dtype.is_integer() or dtype == pl.Boolean():
        return "integer"
    if dtype == pl.Date():
        return "date"
    if isinstance(dtype, pl.Datetime):
        return "instant"
    return "text"


def _as_integers(series: pl.Series, kind: str) -> pl.Series:
    if kind == "instant":
        return series.dt.convert_time_zone("UTC").dt.cast_time_unit("us").cast(pl.Int64)
    return series.cast(pl.Int64)


class FrameDigest:
    """The digest of rows fed in chunks; the result does not depend on how the rows were chunked."""

    def __init__(self, schema: pl.Schema | dict[str, pl.DataType]) -> None:
        self._columns = [(name, _kind(dtype)) for name, dtype in schema.items()]
        self._hashes = {name: (hashlib.sha256(), hashlib.sha256(), hashlib.sha256()) for name, _ in self._columns}
        self._rows = 0

    def update(self, frame: pl.DataFrame) -> None:
        for offset in range(0, frame.height, CHUNK_ROWS):
            chunk = frame.slice(offset, CHUNK_ROWS)
            for name, kind in self._columns:
                self._update_column(chunk.get_column(name), kind, *self._hashes[name])
        self._rows += frame.height

    def hexdigest(self) -> str:
        total = hashlib.sha256(f"rows={self._rows}\n".encode())
        for name, kind in self._columns:
            validity, values, data = self._hashes[name]
            column = hashlib.sha256(f"{name}\n{kind}\n".encode())
            column.update(validity.digest() + values.digest() + data.digest())
            total.update(column.digest())
        return "sha256:" + total.hexdigest()

    @staticmethod
    def _update_column(series: pl.Series, kind: str, validity: Any, values: Any, data: Any) -> None:
        validity.update(series.is_not_null().cast(pl.UInt8).to_numpy().tobytes())
        if kind == "text":
            text = series.cast(pl.String)
            values.update(text.str.len_bytes().cast(pl.Int64).fill_null(0).to_numpy().astype("<i8").tobytes())
            data.update(text.drop_nulls().str.join("").item().encode("utf-8"))
        else:
            numbers = _as_integers(series, kind).fill_null(0).to_numpy()
            values.update(np.asarray(numbers, dtype="<i8").tobytes())


def frame_digest(frame: pl.DataFrame) -> str:
    """The digest of all the rows of ``frame``, in order."""
    digest = FrameDigest(frame.schema)
    digest.update(frame)
    return digest.hexdigest()
