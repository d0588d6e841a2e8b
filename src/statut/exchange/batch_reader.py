"""Reading a fund batch that may be hostile: never crash, never lose a line.

A fund sends one file per batch (CSV with the union header, or JSON Lines; see format.py). The reader
turns it into a frame of *strings* (the columns of ``CSV_COLUMNS``, plus ``line``, the 1-based physical
line number, and ``raw``, the original text of the record), so that everything else is column work and
a quarantined record can always be shown and kept exactly as it came.

What goes wrong is reported at two levels, each with the id of its entry in the rule catalogue
(statut/quality/catalogue.yaml), so the fund's report explains it in the fund's language:

- file level (``FIL-*``): the file cannot be read as a batch at all (empty, too large, not UTF-8,
  binary, header with missing, unknown or repeated columns, "JSON Lines" that is not). The batch is
  rejected as a whole and nothing of it may reach the register.
- record level (``REC-*``): one record is broken (wrong number of fields, truncated last line, bad
  quoting, a JSON line that is not an object, unknown fields, non-string values). The record is kept
  (with its raw text) and will be quarantined; the other records are read normally.

Performance: a well-formed file is read by polars (Rust, multi-threaded) with every column as text.
Python only looks at broken parts: the careful CSV path (stdlib csv with physical line tracking) runs
only when a quoted field spans lines or a quote is unbalanced; JSON lines are parsed by stdlib json
only when they are not flat objects of strings. Binary or non-UTF-8 input is detected chunk by chunk,
before the file is held as text, and a file larger than ``max_bytes`` is refused before it is read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import polars as pl

from statut.exchange.format import CSV_COLUMNS

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
"""A fund file of a million records is about 150 MB; larger batches are split by the fund."""

_CHUNK = 1 << 20
_BOM = codecs.BOM_UTF8

# File-level problems: the batch is rejected as a whole (catalogue entries FIL-*).
FILE_EMPTY = "FIL-001"
FILE_TOO_LARGE = "FIL-002"
FILE_NOT_UTF8 = "FIL-003"
FILE_BINARY = "FIL-004"
FILE_MISSING_COLUMNS = "FIL-005"
FILE_UNKNOWN_COLUMNS = "FIL-006"
FILE_REPEATED_COLUMNS = "FIL-007"
FILE_NOT_JSON_LINES = "FIL-008"
FILE_BAD_HEADER = "FIL-009"

# Record-level problems: the record is quarantined (catalogue entries REC-*).
RECORD_FIELD_COUNT = "REC-001"
RECORD_TRUNCATED = "REC-002"
RECORD_BAD_QUOTING = "REC-003"
RECORD_BAD_JSON = "REC-004"
RECORD_NOT_OBJECT = "REC-005"
RECORD_UNKNOWN_FIELD = "REC-006"
RECORD_NOT_STRING = "REC-007"
RECORD_REPEATED_FIELD = "REC-008"

FILE_PROBLEM_IDS = (
    FILE_EMPTY,
    FILE_TOO_LARGE,
    FILE_NOT_UTF8,
    FILE_BINARY,
    FILE_MISSING_COLUMNS,
    FILE_UNKNOWN_COLUMNS,
    FILE_REPEATED_COLUMNS,
    FILE_NOT_JSON_LINES,
    FILE_BAD_HEADER,
)
RECORD_PROBLEM_IDS = (
    RECORD_FIELD_COUNT,
    RECORD_TRUNCATED,
    RECORD_BAD_QUOTING,
    RECORD_BAD_JSON,
    RECORD_NOT_OBJECT,
    RECORD_UNKNOWN_FIELD,
    RECORD_NOT_STRING,
    RECORD_REPEATED_FIELD,
)
STRUCTURAL_PROBLEM_IDS = frozenset(
    {RECORD_FIELD_COUNT, RECORD_TRUNCATED, RECORD_BAD_QUOTING, RECORD_BAD_JSON, RECORD_NOT_OBJECT}
)
"""Record problems after which the field values cannot be trusted (a shifted or cut record): the
validation reports only the structural reason for such a record, not what its shifted values break."""

_PROBLEM_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "rule_id": pl.String(),
    "field": pl.String(),
    "value": pl.String(),
    "detail": pl.String(),
}
_RECORD_SCHEMA: dict[str, pl.DataType] = {
    "line": pl.Int64(),
    "raw": pl.String(),
    **{name: pl.String() for name in CSV_COLUMNS},
}
_COLUMN_SET = frozenset(CSV_COLUMNS)


class BatchFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    AUTO = "auto"


@dataclass(frozen=True, slots=True)
class FileProblem:
    """Why a whole file is refused; ``detail`` is language-neutral data (an offset, column names)."""

    rule_id: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.detail}" if self.detail else self.rule_id


@dataclass(frozen=True)
class RawBatch:
    """Everything read from one file, as text.

    ``records``: one row per record, columns ``line`` (1-based physical line of the record's first line),
    ``raw`` (the record's original text) and every column of ``CSV_COLUMNS`` (String, null when empty or
    absent), ordered by line. ``record_problems``: one row per (record, problem), columns ``line``,
    ``rule_id``, ``field``, ``value``, ``detail``. ``file_problems``: non-empty means the file is rejected.
    ``sha256`` is the hash of the file's bytes (the gate uses it to recognise a re-sent batch).
    """

    records: pl.DataFrame
    record_problems: pl.DataFrame
    file_problems: tuple[FileProblem, ...]
    format: BatchFormat | None
    size_bytes: int
    sha256: str
    had_bom: bool = False
    source_name: str = ""
    header: tuple[str, ...] = field(default=())

    @property
    def rejected(self) -> bool:
        return bool(self.file_problems)

    @property
    def record_count(self) -> int:
        return self.records.height


def empty_records() -> pl.DataFrame:
    return pl.DataFrame(schema=_RECORD_SCHEMA)


def empty_problems() -> pl.DataFrame:
    return pl.DataFrame(schema=_PROBLEM_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------------


def read_batch(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO,
    declared_format: BatchFormat | str = BatchFormat.AUTO,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RawBatch:
    """Read a fund batch from a path, bytes or a binary stream. Never raises on bad content.

    ``declared_format`` is what the fund said it sent (``csv``, ``jsonl``) or ``auto`` (a file whose
    first non-blank character is ``{`` or ``[`` is JSON Lines, anything else CSV). ``max_bytes`` bounds
    what is read: a larger file is refused before it is read (a stream after ``max_bytes``). Bad content
    never raises; an unreadable path (missing, no permission) raises OSError, as any file API does.
    """
    declared = BatchFormat(declared_format)
    name = str(source) if isinstance(source, str | os.PathLike) else getattr(source, "name", "") or ""
    loaded = _load_checked(source, max_bytes)
    if loaded.problem is not None:
        return _rejected(loaded, (loaded.problem,), None, name)
    data = loaded.data
    had_bom = data.startswith(_BOM)
    if had_bom:
        data = data[len(_BOM) :]
    if not data.strip():
        return _rejected(loaded, (FileProblem(FILE_EMPTY),), None, name, had_bom=had_bom)
    fmt = declared
    if fmt is BatchFormat.AUTO:
        # "[" too: a JSON array is then refused as "not JSON Lines", the clearest thing to say about it.
        fmt = BatchFormat.JSONL if data.lstrip()[:1] in (b"{", b"[") else BatchFormat.CSV
    ends_with_newline = data.endswith(b"\n")
    reader = _read_csv if fmt is BatchFormat.CSV else _read_jsonl
    parsed = reader(data, ends_with_newline)
    if not parsed.file_problems and parsed.records.height == 0:
        parsed = _Parsed(parsed.records, parsed.problems, (FileProblem(FILE_EMPTY),), parsed.header)
    return RawBatch(
        records=parsed.records if not parsed.file_problems else empty_records(),
        record_problems=parsed.problems if not parsed.file_problems else empty_problems(),
        file_problems=parsed.file_problems,
        format=fmt,
        size_bytes=loaded.size,
        sha256=loaded.sha256,
        had_bom=had_bom,
        source_name=name,
        header=parsed.header,
    )


# ---------------------------------------------------------------------------------------------------
# Bytes in, bounded and checked
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Loaded:
    data: bytes
    size: int
    sha256: str
    problem: FileProblem | None


def _rejected(
    loaded: _Loaded, problems: tuple[FileProblem, ...], fmt: BatchFormat | None, name: str, *, had_bom: bool = False
) -> RawBatch:
    return RawBatch(
        records=empty_records(),
        record_problems=empty_problems(),
        file_problems=problems,
        format=fmt,
        size_bytes=loaded.size,
        sha256=loaded.sha256,
        had_bom=had_bom,
        source_name=name,
    )


def _chunks(source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO) -> Iterator[bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), _CHUNK):
            yield bytes(view[start : start + _CHUNK])
        return
    if isinstance(source, str | os.PathLike):
        with Path(source).open("rb") as handle:
            yield from iter(lambda: handle.read(_CHUNK), b"")
        return
    yield from iter(lambda: source.read(_CHUNK), b"")


def _known_size(source: object) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    if isinstance(source, str | os.PathLike):
        return Path(source).stat().st_size
    return None


def _load_checked(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO, max_bytes: int
) -> _Loaded:
    """Read at most ``max_bytes``, checking each chunk for NUL bytes and invalid UTF-8 as it comes.

    Random bytes fail in the first chunk, so a 200 MB binary file costs one chunk of work and memory.
    """
    size = _known_size(source)  # a path that cannot be read is the caller's error: OSError propagates
    if size is not None and size > max_bytes:
        return _Loaded(b"", size, "", FileProblem(FILE_TOO_LARGE, str(max_bytes)))
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    digest = hashlib.sha256()
    parts: list[bytes] = []
    in_memory = isinstance(source, bytes | bytearray | memoryview)  # already held: no copy to keep
    offset = 0
    for chunk in _chunks(source):
        if offset + len(chunk) > max_bytes:
            return _Loaded(b"", offset + len(chunk), "", FileProblem(FILE_TOO_LARGE, str(max_bytes)))
        pending = len(decoder.getstate()[0])
        problem: FileProblem | None = None
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            problem = FileProblem(FILE_NOT_UTF8, str(offset - pending + exc.start))
        nul = chunk.find(b"\x00")
        if nul >= 0 and (problem is None or offset + nul <= int(problem.detail)):
            problem = FileProblem(FILE_BINARY, str(offset + nul))
        if problem is not None:
            return _Loaded(b"", size or offset + len(chunk), "", problem)
        digest.update(chunk)
        if not in_memory:
            parts.append(chunk)
        offset += len(chunk)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _Loaded(b"", offset, "", FileProblem(FILE_NOT_UTF8, str(offset - pending)))
    data = bytes(source) if isinstance(source, bytes | bytearray | memoryview) else b"".join(parts)
    return _Loaded(data, offset, digest.hexdigest(), None)


# ---------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Parsed:
    records: pl.DataFrame
    problems: pl.DataFrame
    file_problems: tuple[FileProblem, ...]
    header: tuple[str, ...] = ()


def _physical_lines(data: bytes) -> pl.Series:
    """Every physical line as text (without its line terminator): row i is line i + 1.

    Read by polars as a one-column CSV without quoting; NUL never occurs (checked), so it is a safe
    separator. A trailing carriage return (CRLF files) is dropped, as polars does for the fields.
    """
    frame = pl.read_csv(
        data,
        has_header=False,
        separator="\x00",
        quote_char=None,
        infer_schema=False,
        new_columns=["raw"],
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    if frame.width == 0:
        return pl.Series("raw", [], dtype=pl.String)
    return frame.get_column("raw").fill_null("")


_Problem = tuple[int, str, str | None, str | None, str | None]  # line, rule_id, field, value, detail


def _problems_frame(rows: list[_Problem]) -> pl.DataFrame:
    if not rows:
        return empty_problems()
    return pl.DataFrame(rows, schema=_PROBLEM_SCHEMA, orient="row")


def _records_from_python(lines: list[int], raws: list[str], values: list[dict[str, str]]) -> pl.DataFrame:
    if not lines:
        return empty_records()
    columns: dict[str, list[object]] = {"line": list(lines), "raw": list(raws)}
    for name in CSV_COLUMNS:
        columns[name] = [row.get(name) or None for row in values]
    return pl.DataFrame(columns, schema=_RECORD_SCHEMA)


# ---------------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------------

_QUOTED_FIELD = r'"(?:[^"]|"")*"'


def _parse_header(line: str) -> list[str] | None:
    if line.count('"') % 2:
        return None
    try:
        row = next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration):
        return None
    return [name.strip().lower() for name in row]


def _header_problems(names: list[str]) -> tuple[FileProblem, ...]:
    problems: list[FileProblem] = []
    missing = [c for c in CSV_COLUMNS if c not in names]
    unknown = [n for n in names if n not in _COLUMN_SET]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing:
        problems.append(FileProblem(FILE_MISSING_COLUMNS, ", ".join(missing)))
    if unknown:
        problems.append(FileProblem(FILE_UNKNOWN_COLUMNS, ", ".join(n or '""' for n in unknown)))
    if repeated:
        problems.append(FileProblem(FILE_REPEATED_COLUMNS, ", ".join(repeated)))
    return tuple(problems)


def _read_csv(data: bytes, ends_with_newline: bool) -> _Parsed:
    lines = _physical_lines(data)
    header_line = lines[0] if lines.len() else ""
    names = _parse_header(header_line)
    if names is None:
        return _Parsed(empty_records(), empty_problems(), (FileProblem(FILE_BAD_HEADER, "1"),))
    header_problems = _header_problems(names)
    if header_problems:
        return _Parsed(empty_records(), empty_problems(), header_problems, tuple(names))
    body = pl.DataFrame({"raw": lines}).with_row_index("line", offset=1).slice(1)
    body = body.with_columns(
        pl.col("line").cast(pl.Int64), pl.col("raw").str.count_matches('"', literal=True).alias("q")
    )
    if body.select((pl.col("q") % 2 == 1).any()).item():
        # A quoted field spans lines, or a quote is unbalanced: only the stdlib reader can say which
        # physical lines make up each record.
        return _read_csv_careful(data, names, ends_with_newline)
    return _read_csv_fast(data, names, body, ends_with_newline)


def _read_csv_fast(data: bytes, names: list[str], body: pl.DataFrame, ends_with_newline: bool) -> _Parsed:
    width = len(names)
    try:
        fields = pl.read_csv(
            data,
            has_header=False,
            infer_schema=False,
            truncate_ragged_lines=True,
            new_columns=[f"_c{i}" for i in range(width)],
            raise_if_empty=False,
        )
    except pl.exceptions.PolarsError:
        return _read_csv_careful(data, names, ends_with_newline)
    if fields.height != body.height + 1 or fields.width != width:
        return _read_csv_careful(data, names, ends_with_newline)
    fields = fields.slice(1).rename({f"_c{i}": name for i, name in enumerate(names)})
    frame = pl.concat([body.select("line", "raw"), fields.select(CSV_COLUMNS)], how="horizontal")
    frame = frame.with_columns(_field_counts(body).alias("_fields"))
    blank = frame.select(pl.col("raw").str.strip_chars() == "").to_series()
    if blank.any():
        frame = frame.filter(~blank)
    last_line = body.get_column("line").max() if body.height else None
    bad = frame.filter(pl.col("_fields") != width).select("line", "_fields")
    problems: list[_Problem] = []
    for line, count in bad.iter_rows():
        problems.append(_field_count_problem(line, count, width, line == last_line and not ends_with_newline))
    return _Parsed(
        frame.select(_RECORD_SCHEMA.keys()),
        _problems_frame(problems),
        (),
        tuple(names),
    )


def _field_counts(body: pl.DataFrame) -> pl.Series:
    """Fields per line: commas + 1, except on the (usually few) lines with quotes, where quoted fields
    are removed first; the regex only runs on those lines."""
    counts = body.select(pl.col("raw").str.count_matches(",", literal=True) + 1).to_series()
    quoted = body.with_row_index("_position").filter(pl.col("q") > 0)
    if quoted.height:
        exact = quoted.select(
            pl.col("raw").str.replace_all(_QUOTED_FIELD, "").str.count_matches(",", literal=True) + 1
        ).to_series()
        counts = counts.scatter(quoted.get_column("_position").cast(pl.Int64), exact)
    return counts


def _field_count_problem(line: int, count: int, width: int, unterminated_last: bool) -> _Problem:
    if unterminated_last and count < width:
        return (line, RECORD_TRUNCATED, None, None, f"{count}/{width}")
    return (line, RECORD_FIELD_COUNT, None, None, f"{count}/{width}")


def _read_csv_careful(data: bytes, names: list[str], ends_with_newline: bool) -> _Parsed:
    """Record by record with the stdlib reader, tracking which physical lines each record spans."""
    text = data.decode("utf-8")
    physical = text.split("\n")
    if ends_with_newline:
        physical.pop()
    physical = [line.removesuffix("\r") for line in physical]
    total = len(physical)
    width = len(names)
    csv.field_size_limit(2**31 - 1)
    reader = csv.reader((line + "\n" for line in physical[1:]), strict=True)
    lines: list[int] = []
    raws: list[str] = []
    values: list[dict[str, str]] = []
    problems: list[_Problem] = []
    consumed = 1  # physical lines consumed so far (the header)
    while True:
        first = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            last = reader.line_num + 1
            at_end = last >= total and not ends_with_newline
            raw = "\n".join(physical[first - 1 : last])
            consumed = last
            if raw.strip():
                lines.append(first)
                raws.append(raw)
                values.append(
                    dict(zip(names, next(csv.reader([raw.replace("\n", " ")], strict=False), []), strict=False))
                )
                problems.append((first, RECORD_TRUNCATED if at_end else RECORD_BAD_QUOTING, None, None, None))
            continue
        last = reader.line_num + 1
        consumed = last
        raw = "\n".join(physical[first - 1 : last])
        if not row or not raw.strip():
            continue
        lines.append(first)
        raws.append(raw)
        values.append(dict(zip(names, row, strict=False)))
        if len(row) != width:
            problems.append(_field_count_problem(first, len(row), width, last >= total and not ends_with_newline))
    return _Parsed(_records_from_python(lines, raws, values), _problems_frame(problems), (), tuple(names))


# ---------------------------------------------------------------------------------------------------
# JSON Lines
# ---------------------------------------------------------------------------------------------------

_JSON_STRING = r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"'
_JSON_PAIR = rf"{_JSON_STRING}\s*:\s*(?:{_JSON_STRING}|null)"
_STRING_PAIR = rf"{_JSON_STRING}\s*:\s*{_JSON_STRING}"
_FLAT_OBJECT = rf"^\s*\{{\s*(?:{_JSON_PAIR}\s*(?:,\s*{_JSON_PAIR}\s*)*)?\}}\s*$"


def _read_jsonl(data: bytes, ends_with_newline: bool) -> _Parsed:
    lines = _physical_lines(data)
    frame = (
        pl.DataFrame({"raw": lines})
        .with_row_index("line", offset=1)
        .with_columns(pl.col("line").cast(pl.Int64))
        .filter(pl.col("raw").str.strip_chars() != "")
    )
    if frame.height == 0:
        return _Parsed(empty_records(), empty_problems(), (FileProblem(FILE_EMPTY),))
    first_line, first_raw = frame.row(0)
    try:
        first = json.loads(first_raw)
    except (ValueError, RecursionError):
        first = None
    if not isinstance(first, dict):
        return _Parsed(empty_records(), empty_problems(), (FileProblem(FILE_NOT_JSON_LINES, str(first_line)),))
    last_line = lines.len()
    flat_mask = frame.select(pl.col("raw").str.contains(_FLAT_OBJECT)).to_series()
    flat = frame.filter(flat_mask)
    # Every non-blank line flat (the usual case): polars reads the file as it is, skipping blank lines
    # itself, so its rows are the flat lines in order and no copy of the text is made.
    payload = data if flat.height == frame.height else None
    fast, leftover = _jsonl_fast(flat, payload)
    careful_lines = pl.concat([frame.filter(~flat_mask), leftover]).sort("line")
    careful, problems = _jsonl_careful(careful_lines, last_line, ends_with_newline)
    records = pl.concat([fast, careful]).sort("line")
    return _Parsed(records, problems, ())


def _jsonl_fast(flat: pl.DataFrame, payload: bytes | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse flat objects of strings with polars; give back the lines it cannot vouch for.

    polars reads the known fields only (an explicit all-text schema) and keeps the first of repeated
    keys, so each line's number of pairs with a text value is compared with the number of values polars
    found. A difference (an unknown field with a value, a repeated key) sends the line to the careful
    path, where it gets a precise reason. The count is exact on a line known to be a flat object: the
    regex, scanning left to right, matches pair after pair from the first key on and cannot start a
    match inside a string. An unknown field whose value is null carries nothing and is ignored, on
    both paths.
    """
    if flat.height == 0:
        return empty_records(), flat
    if payload is None:
        payload = "\n".join(flat.get_column("raw").to_list()).encode("utf-8")
    try:
        parsed = pl.read_ndjson(io.BytesIO(payload), schema=dict.fromkeys(CSV_COLUMNS, pl.String()))
    except pl.exceptions.PolarsError:
        return empty_records(), flat
    if parsed.height != flat.height:
        return empty_records(), flat
    non_null_pairs = pl.col("raw").str.count_matches(_STRING_PAIR)
    found = parsed.select(pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in CSV_COLUMNS]))
    mask = flat.select(non_null_pairs != found.to_series()).to_series()
    good = pl.concat([flat.select("line", "raw"), parsed], how="horizontal").filter(~mask)
    good = good.select(
        "line",
        "raw",
        *[pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in CSV_COLUMNS],
    )
    return good, flat.filter(mask)


class _JsonObject(dict[str, object]):
    """A decoded JSON object that remembers the keys given more than once with different values."""

    repeated: tuple[str, ...] = ()


def _pairs_hook(pairs: list[tuple[str, object]]) -> _JsonObject:
    """A key given twice is ambiguous only when it has two different values; null means "absent"
    (as for a single key), so ``{"a": null, "a": "x"}`` is simply ``a = "x"``."""
    result = _JsonObject()
    conflicting: set[str] = set()
    for key, value in pairs:
        if value is None:
            result.setdefault(key, None)
            continue
        previous = result.get(key)
        if previous is not None and previous != value:
            conflicting.add(key)
        result[key] = value
    result.repeated = tuple(sorted(conflicting))
    return result


def _jsonl_careful(lines: pl.DataFrame, last_line: int, ends_with_newline: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    out_lines: list[int] = []
    raws: list[str] = []
    values: list[dict[str, str]] = []
    problems: list[_Problem] = []
    for line, raw in lines.iter_rows():
        out_lines.append(line)
        raws.append(raw)
        record: dict[str, str] = {}
        values.append(record)
        try:
            obj = json.loads(raw, object_pairs_hook=_pairs_hook)
        except (ValueError, RecursionError):
            truncated = line == last_line and not ends_with_newline
            problems.append((line, RECORD_TRUNCATED if truncated else RECORD_BAD_JSON, None, None, None))
            continue
        if not isinstance(obj, dict):
            problems.append((line, RECORD_NOT_OBJECT, None, _json_text(obj), None))
            continue
        if isinstance(obj, _JsonObject):
            problems.extend((line, RECORD_REPEATED_FIELD, key[:200], None, None) for key in obj.repeated)
        for key, value in obj.items():
            if value is None:
                continue  # absent, known field or not: an unknown field without a value loses nothing
            if key not in _COLUMN_SET:
                problems.append((line, RECORD_UNKNOWN_FIELD, key[:200], _json_text(value), None))
            elif not isinstance(value, str):
                text = _json_text(value)
                problems.append((line, RECORD_NOT_STRING, key, text, None))
                record[key] = text
            else:
                record[key] = value
    return _records_from_python(out_lines, raws, values), _problems_frame(problems)


def _json_text(value: object) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)[:200]
    except (ValueError, RecursionError):
        return repr(value)[:200]
