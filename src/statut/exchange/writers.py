"""Write fund batches (format v1, see format.py) from typed frames or from their text form.

The text form of a record type is one String column per field of that type (``fields_of`` order), as
the values appear in a file: dates ``YYYY-MM-DD``, amounts with two decimals and a dot, flags 0/1,
quarters ``2024Q1``. :func:`to_text` turns a typed frame (frames.py) into it; the synthetic population
injects its defects into the text form, which is why both entry points exist.

Lines are rendered column-wise with polars string expressions (a million records in about a second):
CSV with the union header ``CSV_COLUMNS`` (RFC 4180: comma, double quotes only where a value holds a
comma, a quote or a line break, LF line ends, UTF-8 without BOM), JSON Lines with only the fields of
the record's type and no key for an empty value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import polars as pl

from statut.domain.errors import StatutError
from statut.exchange.format import CSV_COLUMNS, FIELD_BY_NAME, FieldKind, RecordType, fields_of

CSV_HEADER = ",".join(CSV_COLUMNS)
#: Record types in the order a batch lists them.
RECORD_ORDER: tuple[RecordType, ...] = tuple(RecordType)

_CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


class BatchFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @property
    def suffix(self) -> str:
        return f".{self.value}"

    @classmethod
    def of_path(cls, path: str | Path) -> BatchFormat:
        suffix = Path(path).suffix.lower()
        if suffix == ".csv":
            return cls.CSV
        if suffix in (".jsonl", ".ndjson"):
            return cls.JSONL
        raise StatutError(
            f"{Path(path).name}: unknown batch format (expected a .csv or .jsonl file)", code="statut.exchange.format"
        )


def batch_file_name(fund: str, day: date, sequence: int, fmt: BatchFormat) -> str:
    """``<FUND>-<YYYYMMDD>-<seq>.<csv|jsonl>``, the sequence on three digits (docs/exchange-format.md)."""
    return f"{fund}-{day:%Y%m%d}-{sequence:03d}{fmt.suffix}"


def cents_text(cents: pl.Expr) -> pl.Expr:
    """Integer cents as text with two decimals and a dot: 123456 -> "1234.56", -5 -> "-0.05".

    Exact: the integer becomes a decimal with scale 2 before it is divided, so no float is involved.
    """
    return (cents.cast(pl.Decimal(18, 2)) / 100).cast(pl.Decimal(18, 2)).cast(pl.String)


def date_text(dates: pl.Series) -> pl.Series:
    """``YYYY-MM-DD`` text of a date column, through a table of the distinct days of its range
    (a column holds a few thousand distinct days, so formatting each once is cheaper)."""
    days = dates.cast(pl.Int32)
    if days.null_count() == days.len():
        return pl.Series(dates.name, [None] * dates.len(), dtype=pl.String)
    low, high = int(days.min()), int(days.max())  # type: ignore[arg-type]
    if high - low > 4 * days.len():
        return dates.dt.to_string("%Y-%m-%d")
    table = pl.int_range(low, high + 1, dtype=pl.Int32, eager=True).cast(pl.Date).dt.to_string("%Y-%m-%d")
    return table.gather(days - low).alias(dates.name)


def _field_text(record_type: RecordType, name: str, frame: pl.DataFrame) -> pl.Expr:
    spec = FIELD_BY_NAME[name]
    if name == "record_type":
        return pl.lit(record_type.value, pl.String)
    if spec.kind is FieldKind.AMOUNT:
        return cents_text(pl.col("amount_cents"))
    if name not in frame.columns:
        return pl.lit(None, pl.String)
    column = pl.col(name)
    if spec.kind is FieldKind.DATE:
        return pl.lit(date_text(frame[name]))
    if spec.kind is FieldKind.FLAG:
        return pl.when(column).then(pl.lit("1")).when(column.not_()).then(pl.lit("0")).otherwise(None)
    return column.cast(pl.String)


def to_text(record_type: RecordType, frame: pl.DataFrame, keep: tuple[str, ...] = ()) -> pl.DataFrame:
    """Text form of a typed frame: ``keep`` columns first (e.g. fund, person_key), then the type's fields."""
    return frame.select(
        *[pl.col(name) for name in keep],
        *[_field_text(record_type, name, frame).alias(name) for name in fields_of(record_type)],
    )


_NEEDS_CSV_QUOTES = r'[",\r\n]'
_NEEDS_JSON_ESCAPE = r'["\\\n\r\t]'


def _any_match(text: pl.DataFrame, names: list[str], pattern: str) -> set[str]:
    """The columns where at least one value matches ``pattern`` (one cheap scan per column)."""
    if not names or not text.height:
        return set()
    found = text.select([pl.col(name).str.contains(pattern).any().alias(name) for name in names]).row(0)
    return {name for name, hit in zip(names, found, strict=True) if hit}


def _csv_value(name: str, quote: bool, has_nulls: bool) -> pl.Expr:
    value = pl.col(name).fill_null("") if has_nulls else pl.col(name)
    if not quote:
        return value
    needs_quotes = value.str.contains(_NEEDS_CSV_QUOTES)
    return (
        pl.when(needs_quotes).then(pl.format('"{}"', value.str.replace_all('"', '""', literal=True))).otherwise(value)
    )


def csv_lines(record_type: RecordType, text: pl.DataFrame, safe: Collection[str] = ()) -> pl.Series:
    """One CSV line (without line end) per record, under the union header.

    ``safe`` names columns the caller guarantees hold no comma, double quote or line break (values
    it formatted itself): they are not scanned, which halves the cost on large batches.
    """
    fields = fields_of(record_type)
    quoted = _any_match(text, [name for name in fields if name not in safe], _NEEDS_CSV_QUOTES)
    template = ",".join("{}" if column in fields else "" for column in CSV_COLUMNS)
    arguments = [
        _csv_value(column, column in quoted, text[column].null_count() > 0)
        for column in CSV_COLUMNS
        if column in fields
    ]
    return text.select(pl.format(template, *arguments).alias("line")).to_series()


def _json_string(name: str, escape: bool) -> pl.Expr:
    value = pl.col(name)
    if not escape:
        return value
    return (
        value.str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
        .str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
    )


def jsonl_lines(record_type: RecordType, text: pl.DataFrame, safe: Collection[str] = ()) -> pl.Series:
    """One JSON object per record, with only the fields of its type; an empty value has no key.

    ``safe`` names columns the caller guarantees hold no quote, backslash or control character.
    """
    fields = list(fields_of(record_type))
    scanned = [name for name in fields if name not in safe]
    if _any_match(text, scanned, _CONTROL_CHARACTERS):
        raise StatutError(
            "a value holds a control character, which the exchange format does not allow",
            code="statut.exchange.control",
        )
    escaped = _any_match(text, scanned, _NEEDS_JSON_ESCAPE)
    pieces = [
        pl.when(pl.col(name).is_not_null()).then(pl.format(f'"{name}":"{{}}"', _json_string(name, name in escaped)))
        for name in fields
    ]
    body = pl.concat_str(pieces, separator=",", ignore_nulls=True)
    return text.select(pl.concat_str([pl.lit("{"), body, pl.lit("}")]).alias("line")).to_series()


def render_lines(
    record_type: RecordType, text: pl.DataFrame, fmt: BatchFormat, safe: Collection[str] = ()
) -> pl.Series:
    if fmt is BatchFormat.CSV:
        return csv_lines(record_type, text, safe)
    return jsonl_lines(record_type, text, safe)


def write_lines(handle: BinaryIO, lines: pl.Series) -> None:
    """Append rendered lines (each followed by LF) to an open binary file."""
    if lines.len():
        lines.to_frame().write_csv(handle, include_header=False, quote_style="never")


def write_header(handle: BinaryIO, fmt: BatchFormat) -> None:
    if fmt is BatchFormat.CSV:
        handle.write((CSV_HEADER + "\n").encode("utf-8"))


def write_text_batch(
    path: str | Path, texts: Mapping[RecordType, pl.DataFrame], fmt: BatchFormat | None = None
) -> Path:
    """Write one batch file from text frames (record types in :data:`RECORD_ORDER`)."""
    target = Path(path)
    fmt = fmt or BatchFormat.of_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_header(handle, fmt)
        for record_type in RECORD_ORDER:
            if record_type in texts:
                write_lines(handle, render_lines(record_type, texts[record_type], fmt))
    return target


def write_batch(path: str | Path, frames: Mapping[RecordType, pl.DataFrame], fmt: BatchFormat | None = None) -> Path:
    """Write one batch file from typed frames (frames.py schemas)."""
    return write_text_batch(path, {rt: to_text(rt, frame) for rt, frame in frames.items()}, fmt)
