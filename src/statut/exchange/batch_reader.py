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
    first non-blank character is ``{`` is JSON Lines, anything else CSV).
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
    try:
        size = _known_size(source)
    except OSError:
        return _Loaded(b"", 0, "", FileProblem(FILE_EMPTY))
    if size is not None and size > max_bytes:
        return _Loaded(b"", size, "", FileProblem(FILE_TOO_LARGE, str(max_bytes)))
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    digest = hashlib.sha256()
    parts: list[bytes] = []
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
        parts.append(chunk)
        offset += len(chunk)
    pending = len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _Loaded(b"", offset, "", FileProblem(FILE_NOT_UTF8, str(offset - pending)))
    return _Loaded(b"".join(parts), offset, digest.hexdigest(), None)


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
_FLAT_OBJECT = rf"^\s*\{{\s*(?:{_JSON_PAIR}\s*(?:,\s*{_JSON_PAIR}\s*)*)?\}}\s*$"
_NULL_PAIR = rf"{_JSON_STRING}\s*:\s*null"


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
    except ValueError:
        first = None
    if not isinstance(first, dict):
        return _Parsed(empty_records(), empty_problems(), (FileProblem(FILE_NOT_JSON_LINES, str(first_line)),))
    last_line = lines.len()
    frame = frame.with_columns(pl.col("raw").str.contains(_FLAT_OBJECT).alias("_flat"))
    flat = frame.filter(pl.col("_flat")).select("line", "raw")
    fast, leftover = _jsonl_fast(flat)
    careful_lines = pl.concat([frame.filter(~pl.col("_flat")).select("line", "raw"), leftover]).sort("line")
    careful, problems = _jsonl_careful(careful_lines, last_line, ends_with_newline)
    records = pl.concat([fast, careful]).sort("line")
    return _Parsed(records, problems, ())


def _jsonl_fast(flat: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse flat objects of strings with polars; give back the lines it cannot vouch for.

    polars keeps the first of repeated keys and drops null-valued unknown keys silently, so each line's
    number of pairs is compared with what polars saw: a difference (a repeated or unknown key) sends the
    line to the careful path, where it gets a precise reason.
    """
    if flat.height == 0:
        return empty_records(), flat
    payload = "\n".join(flat.get_column("raw").to_list()).encode("utf-8")
    try:
        parsed = pl.read_ndjson(io.BytesIO(payload), infer_schema_length=None)
    except pl.exceptions.PolarsError:
        return empty_records(), flat
    if parsed.height != flat.height:
        return empty_records(), flat
    unknown = [c for c in parsed.columns if c not in _COLUMN_SET]
    non_string = [c for c, dtype in parsed.schema.items() if dtype not in (pl.String, pl.Null)]
    if non_string or parsed.width == 0:
        return empty_records(), flat
    present = parsed.select(pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int32) for c in parsed.columns]))
    filled_unknown = parsed.select(
        pl.any_horizontal([pl.col(c).is_not_null() for c in unknown]) if unknown else pl.repeat(False, parsed.height)
    )
    checks = flat.with_columns(
        present.to_series().alias("_present"),
        filled_unknown.to_series().alias("_unknown"),
        (pl.col("raw").str.count_matches(_JSON_PAIR) - pl.col("raw").str.count_matches(_NULL_PAIR)).alias("_pairs"),
    )
    suspicious = (pl.col("_pairs") != pl.col("_present")) | pl.col("_unknown")
    for name in unknown:
        # An unknown key with a null value: polars keeps it as an all-null column; find it by its text.
        suspicious = suspicious | pl.col("raw").str.contains(json.dumps(name, ensure_ascii=False), literal=True)
    mask = checks.select(suspicious.alias("_bad")).get_column("_bad")
    good = pl.concat(
        [flat, parsed.select([pl.col(c).cast(pl.String) for c in parsed.columns if c in _COLUMN_SET])], how="horizontal"
    )
    good = good.filter(~mask)
    missing = [pl.lit(None, dtype=pl.String).alias(c) for c in CSV_COLUMNS if c not in good.columns]
    good = good.with_columns(missing).select(_RECORD_SCHEMA.keys())
    good = good.with_columns([pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in CSV_COLUMNS])
    return good, flat.filter(mask)


class _JsonObject(dict[str, object]):
    """A decoded JSON object that remembers the keys it saw more than once."""

    repeated: tuple[str, ...] = ()


def _pairs_hook(pairs: list[tuple[str, object]]) -> _JsonObject:
    result = _JsonObject()
    repeated: list[str] = []
    for key, value in pairs:
        if key in result:
            repeated.append(key)
        result[key] = value
    result.repeated = tuple(sorted(set(repeated)))
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
            if key not in _COLUMN_SET:
                problems.append((line, RECORD_UNKNOWN_FIELD, key[:200], _json_text(value), None))
            elif value is None:
                continue
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
