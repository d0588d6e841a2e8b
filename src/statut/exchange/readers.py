"""Read CLEAN fund batches (format v1) back into text and typed frames.

This reader trusts its input: files this project wrote (the synthetic fund batches, exports) or files
already accepted by the ingestion gate. It checks the header and parses values strictly, raising a
:class:`~statut.domain.errors.StatutError` that names the line, the field and the value, but it makes
no attempt to survive hostile input (wrong encodings, huge lines, formula injection, truncated
files): that is the job of the ingestion gate's batch reader.

With ``strict=False`` a value that does not parse becomes null instead of raising, so that files
holding injected defects can still be read and compared with the truth.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl

from statut.domain.errors import DomainValidationError, StatutError
from statut.exchange.format import CSV_COLUMNS, FIELD_BY_NAME, FieldKind, RecordType, fields_of
from statut.exchange.frames import conform
from statut.exchange.writers import BatchFormat

_BOM = b"\xef\xbb\xbf"
_FILE_NAME = re.compile(r"^(?P<fund>[A-Za-z0-9]+)-(?P<day>\d{8})-(?P<sequence>\d{3})\.(csv|jsonl|ndjson)$")
_AMOUNT = r"^-?\d{1,13}(\.\d{1,2})?$"
_QUARTER = r"^\d{4}Q[1-4]$"
_YEAR = r"^\d{4}$"
_IDENTIFIER_SEPARATORS = r"[\s.\-/]"
LINE = "line"


def fund_from_file_name(path: str | Path) -> str | None:
    """The fund code of a file named ``<FUND>-<YYYYMMDD>-<seq>.<ext>``, or None."""
    match = _FILE_NAME.match(Path(path).name)
    return match.group("fund") if match else None


def read_text(path: str | Path, fmt: BatchFormat | None = None) -> pl.DataFrame:
    """Every record as text: the union columns (all String, empty = null) and its ``line`` in the file."""
    source = Path(path)
    fmt = fmt or BatchFormat.of_path(source)
    data = source.read_bytes()
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    schema = dict.fromkeys(CSV_COLUMNS, pl.String)
    if fmt is BatchFormat.CSV:
        header = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
        if header.split(",") != list(CSV_COLUMNS):
            raise StatutError(
                f"{source.name}: the header is not the format's union header", code="statut.exchange.header"
            )
        frame = (
            pl.read_csv(io.BytesIO(data), schema=schema, has_header=True)
            if data.strip()
            else pl.DataFrame(schema=schema)
        )
        first_line = 2
    else:
        frame = pl.read_ndjson(io.BytesIO(data), schema=schema) if data.strip() else pl.DataFrame(schema=schema)
        first_line = 1
    return frame.with_row_index(LINE, offset=first_line)


def _parse_cents(value: pl.Expr) -> pl.Expr:
    text = value.str.strip_chars().str.replace(",", ".", literal=True)
    parts = text.str.strip_prefix("-").str.split_exact(".", 1)
    whole = parts.struct.field("field_0").cast(pl.Int64, strict=False)
    fraction = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0").cast(pl.Int64, strict=False)
    cents = whole * 100 + fraction
    return (
        pl.when(text.str.contains(_AMOUNT))
        .then(pl.when(text.str.starts_with("-")).then(-cents).otherwise(cents))
        .otherwise(None)
    )


def _parse_quarter_index(value: pl.Expr) -> pl.Expr:
    year = value.str.slice(0, 4).cast(pl.Int32, strict=False)
    number = value.str.slice(5, 1).cast(pl.Int32, strict=False)
    return pl.when(value.str.contains(_QUARTER)).then(year * 4 + number - 1).otherwise(None)


def _typed_columns(record_type: RecordType) -> list[pl.Expr]:
    """Expressions that turn the text fields of one type into the typed frame's columns."""
    columns: list[pl.Expr] = [
        pl.col("record_id"),
        pl.col("national_number").str.replace_all(_IDENTIFIER_SEPARATORS, ""),
    ]
    for name in fields_of(record_type)[3:]:
        spec = FIELD_BY_NAME[name]
        value = pl.col(name)
        if spec.kind is FieldKind.DATE:
            columns.append(value.str.to_date("%Y-%m-%d", strict=False).alias(name))
        elif spec.kind is FieldKind.AMOUNT:
            columns.append(_parse_cents(value).alias("amount_cents"))
        elif spec.kind is FieldKind.YEAR:
            columns.append(pl.when(value.str.contains(_YEAR)).then(value.cast(pl.Int32, strict=False)).alias(name))
        elif spec.kind is FieldKind.QUARTER:
            columns += [value.alias(name), _parse_quarter_index(value).alias("quarter_index")]
        elif spec.kind is FieldKind.FLAG:
            columns.append(pl.when(value == "1").then(True).when(value == "0").then(False).otherwise(None).alias(name))
        elif spec.kind is FieldKind.CODE:
            columns.append(pl.when(value.is_in(list(spec.codes))).then(value).otherwise(None).alias(name))
        elif name in ("enterprise_number", "child_national_number"):
            columns.append(value.str.replace_all(_IDENTIFIER_SEPARATORS, "").alias(name))
        else:
            columns.append(value)
    return columns


def _first_unparsed(record_type: RecordType, text: pl.DataFrame, typed: pl.DataFrame) -> tuple[str, str, int] | None:
    """(field, value, line) of the first value present in the text but lost in parsing, if any."""
    for name in fields_of(record_type)[3:]:
        spec = FIELD_BY_NAME[name]
        target = (
            "amount_cents"
            if spec.kind is FieldKind.AMOUNT
            else ("quarter_index" if spec.kind is FieldKind.QUARTER else name)
        )
        lost = text[name].is_not_null() & typed[target].is_null()
        if lost.any():
            row = int(lost.arg_true()[0])
            return name, str(text[name][row]), int(text[LINE][row])
    return None


def to_frames(text: pl.DataFrame, fund: str | None = None, *, strict: bool = True) -> dict[RecordType, pl.DataFrame]:
    """Typed frames (frames.py schemas) per record type; ``person_key`` is null, ``fund`` as given."""
    known = [record_type.value for record_type in RecordType]
    if strict:
        unknown = text.filter(~pl.col("record_type").is_in(known) | pl.col("record_type").is_null())
        if unknown.height:
            raise DomainValidationError(
                "record_type", unknown["record_type"][0], f"unknown record type on line {unknown[LINE][0]}"
            )
    frames: dict[RecordType, pl.DataFrame] = {}
    for record_type in RecordType:
        rows = text.filter(pl.col("record_type") == record_type.value)
        typed = rows.select(*_typed_columns(record_type), pl.lit(fund, pl.String).alias("fund"))
        if strict and rows.height:
            lost = _first_unparsed(record_type, rows, typed)
            if lost is not None:
                field, value, line = lost
                raise DomainValidationError(
                    field, value, f"not a valid {FIELD_BY_NAME[field].kind.value} on line {line}"
                )
        frames[record_type] = conform(record_type, typed)
    return frames


def read_batch(path: str | Path, fund: str | None = None, *, strict: bool = True) -> dict[RecordType, pl.DataFrame]:
    """Read a clean batch file into typed frames; the fund defaults to the one in the file name."""
    return to_frames(read_text(path), fund or fund_from_file_name(path), strict=strict)
