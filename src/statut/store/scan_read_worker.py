"""A child process that reads a SQLite register file with the ADBC SQLite driver, for the scan.

Why a separate process: the ADBC driver carries its own copy of the SQLite library. Two copies of
SQLite in one process do not share their bookkeeping of POSIX advisory locks, and closing a file in
one copy drops the locks the other holds on the same file (SQLite, "How To Corrupt An SQLite
Database File", section 2.2.1: multiple copies of SQLite linked into the same application). In its
own process the driver is one more reader, like any other process, and the file is safe.

Protocol (stdin/stdout, one request at a time): the parent writes one line of JSON,
``{"sql": "..."}`` (a SELECT with its values rendered as literals); the child answers with one
status byte (``0`` ok, ``1`` error), an 8-byte big-endian length and that many bytes: the rows as an
Arrow IPC stream, or the error message in UTF-8. End of input ends the process.

Run by store/scan_reads.py as ``python -m statut.store.scan_read_worker PATH``.
"""

from __future__ import annotations

import io
import json
import sys
from typing import Any, BinaryIO
from urllib.parse import quote

OK = b"\x00"
FAILED = b"\x01"
#: Rows the driver looks at to infer a column's type: all of them (one batch per query), so that a
#: column whose first rows are all null (a death date) is not taken for an integer.
BATCH_ROWS = 2**30


def _answer(out: BinaryIO, status: bytes, payload: bytes) -> None:
    out.write(status + len(payload).to_bytes(8, "big") + payload)
    out.flush()


def _rows(connection: Any, sql: str) -> bytes:
    import pyarrow as pa

    cursor = connection.cursor()
    try:
        cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
        cursor.execute(sql)
        table = cursor.fetch_arrow_table()
    finally:
        cursor.close()
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def serve(path: str, requests: io.TextIOBase, out: BinaryIO) -> None:
    import adbc_driver_sqlite.dbapi as adbc

    connection = adbc.connect(f"file:{quote(path)}?mode=ro", autocommit=True)
    try:
        for line in requests:
            if not line.strip():
                continue
            try:
                payload, status = _rows(connection, str(json.loads(line)["sql"])), OK
            except Exception as error:
                payload, status = f"{type(error).__name__}: {error}".encode(), FAILED
            _answer(out, status, payload)
    finally:
        connection.close()


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m statut.store.scan_read_worker PATH")
    serve(sys.argv[1], sys.stdin, sys.stdout.buffer)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
