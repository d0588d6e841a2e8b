"""Set-based writing: PostgreSQL binary COPY encoding and the content digest of loaded rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
import pytest
from sqlalchemy import Connection, text

from statut.store.digest import FrameDigest, frame_digest
from statut.store.pg_binary import COPY_HEADER, COPY_TRAILER, MIN_ROWS_PER_GROUP, PgType, encode_rows

SCHEMA = {
    "a": pl.Int64(),
    "b": pl.String(),
    "c": pl.Date(),
    "d": pl.Datetime("us", "UTC"),
    "e": pl.Boolean(),
    "f": pl.Int32(),
}
TYPES = [PgType.INT8, PgType.TEXT, PgType.DATE, PgType.TIMESTAMPTZ, PgType.BOOL, PgType.INT4]
ROWS = [
    (1, "x", date(2000, 1, 1), datetime(2025, 1, 1, 10, 0, 0, 123456, tzinfo=UTC), True, 1),
    (None, None, date(1969, 12, 31), None, False, 2),
    (-5, "", None, datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), None, 3),
    (2**40, "héllo €", date(2024, 2, 29), datetime(2030, 1, 1, tzinfo=UTC), True, None),
]


def _frame(repeat: int) -> pl.DataFrame:
    return pl.DataFrame(ROWS * repeat, schema=SCHEMA, orient="row")


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("repeat", [1, MIN_ROWS_PER_GROUP * 2], ids=["scattered", "grouped"])
def test_binary_copy_round_trips_every_type(connection: Connection, repeat: int) -> None:
    frame = _frame(repeat)
    encoded = encode_rows(frame, TYPES)
    connection.execute(
        text("CREATE TEMPORARY TABLE copy_test (a bigint, b varchar(20), c date, d timestamptz, e boolean, f integer)")
    )
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy("COPY copy_test FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(COPY_HEADER + encoded.data + COPY_TRAILER)
    rows = [tuple(row) for row in connection.execute(text("SELECT a, b, c, d, e, f FROM copy_test"))]
    written = frame if encoded.order is None else frame[encoded.order]
    assert (encoded.order is None) == (repeat == 1)
    assert rows == list(written.iter_rows())


def test_the_digest_does_not_depend_on_chunking() -> None:
    frame = _frame(50)
    whole = frame_digest(frame)
    digest = FrameDigest(frame.schema)
    for offset in range(0, frame.height, 7):
        digest.update(frame.slice(offset, 7))
    assert digest.hexdigest() == whole
    assert whole.startswith("sha256:")


def test_the_digest_sees_any_change() -> None:
    frame = _frame(3)
    digests = {
        frame_digest(frame),
        frame_digest(frame.with_columns(b=pl.col("b").str.replace("x", "y"))),
        frame_digest(frame.with_columns(a=pl.col("a").fill_null(0))),
        frame_digest(frame.reverse()),
        frame_digest(frame.head(11)),
        frame_digest(frame.rename({"a": "z"})),
    }
    assert len(digests) == 6
