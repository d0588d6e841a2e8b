"""The working frame: a batch as the rules see it.

One row per record, in the order of the file, with:

- ``_row`` (row position, UInt32), ``line`` (physical line in the file), ``record_type``;
- ``<field>__text`` for every column of the exchange format: the value as sent, stripped of surrounding
  whitespace, null when empty. Reports show these, and the rules about the form of a value read them;
- the typed columns of statut.exchange.frames under their own names: ``national_number`` and the other
  identifiers in compact form (python-stdnum's ``compact``), dates as ``pl.Date``, ``year``,
  ``company_director`` (Boolean), ``amount_cents`` (exact integer cents), ``quarter`` and
  ``quarter_index``; null where the text does not have the right form (a rule says why);
- ``fund``: the code of the fund that sent the batch.

A register frame (typed, from the store) plus a ``record_type`` column has the same typed columns, so
the rules marked ``scan: true`` run on the register unchanged; :func:`union_frame` builds that frame
from the typed frames of statut.exchange.frames.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from statut.exchange.format import CSV_COLUMNS, FIELD_BY_NAME, FieldKind, RecordType
from statut.exchange.frames import FRAME_SCHEMAS
from statut.quality.identifiers import PYTHON_WHITESPACE, compact_enterprise_number, compact_person_number
from statut.quality.parsing import cents_text, parse_cents, parse_date, parse_flag, parse_year, quarter_index

TEXT_SUFFIX = "__text"
PERSON_NUMBER_FIELDS = ("national_number", "child_national_number")


def text_column(field: str) -> str:
    """Name of the column holding the text of ``field`` as sent."""
    return f"{field}{TEXT_SUFFIX}"


_PARSERS = {
    FieldKind.DATE: parse_date,
    FieldKind.YEAR: parse_year,
    FieldKind.FLAG: parse_flag,
}


def _typed(field: str) -> list[pl.Expr]:
    """The typed column(s) of a field, named as in statut.exchange.frames."""
    text = pl.col(text_column(field))
    kind = FIELD_BY_NAME[field].kind
    if field in PERSON_NUMBER_FIELDS:
        typed = [compact_person_number(text).alias(field)]
    elif field == "enterprise_number":
        typed = [compact_enterprise_number(text).alias(field)]
    elif kind is FieldKind.AMOUNT:
        typed = [parse_cents(text).alias("amount_cents")]
    elif kind is FieldKind.QUARTER:
        typed = [text.alias(field), quarter_index(text).alias("quarter_index")]
    elif kind in _PARSERS:
        typed = [_PARSERS[kind](text).alias(field)]
    else:
        typed = [text.alias(field)]
    return typed


_SPARSE_SHARE = 0.25
"""A field filled on fewer rows than this share (an enterprise number, a child's national number) is
parsed on those rows only and scattered back: polars evaluates an expression on every row, nulls too."""


def working_frame(records: pl.DataFrame, fund_code: str) -> pl.DataFrame:
    """Build the working frame from the records of a RawBatch (columns line, raw and CSV_COLUMNS)."""
    stripped = (
        records.lazy()
        .select(
            pl.col("line"),
            *[
                pl.col(name)
                .str.strip_chars(PYTHON_WHITESPACE)
                .pipe(lambda text: pl.when(text.str.len_bytes() == 0).then(None).otherwise(text))
                .alias(text_column(name))
                for name in CSV_COLUMNS
            ],
        )
        .with_row_index("_row")
        .collect(engine="in-memory")
    )
    height = stripped.height
    filled = stripped.select(pl.all().is_not_null().sum()).row(0, named=True) if height else {}
    sparse = [name for name in CSV_COLUMNS if height and filled[text_column(name)] < height * _SPARSE_SHARE]
    dense = [expr for name in CSV_COLUMNS if name not in sparse for expr in _typed(name)]
    # The in-memory engine returns one chunk per column; the streaming one returns many small ones, which
    # every later eager operation would have to re-assemble.
    frame = (
        stripped.lazy()
        .with_columns(*dense, pl.lit(fund_code, dtype=pl.String).alias("fund"))
        .collect(engine="in-memory")
    )
    for name in sparse:
        subset = stripped.lazy().filter(pl.col(text_column(name)).is_not_null()).select("_row", *_typed(name))
        computed = subset.collect()
        positions = computed.get_column("_row").cast(pl.Int64)
        columns = []
        for column in computed.columns[1:]:
            values = computed.get_column(column)
            full = pl.repeat(None, height, dtype=values.dtype, eager=True).alias(column)
            columns.append(full.scatter(positions, values) if values.len() else full)
        frame = frame.with_columns(columns)
    return frame


def _text_of_typed(field: str, schema: Mapping[str, pl.DataType]) -> pl.Expr:
    """The text a typed value would have had in a fund file (for rules reading ``<field>__text``)."""
    kind = FIELD_BY_NAME[field].kind
    if kind is FieldKind.AMOUNT:
        source = "amount_cents"
        text = cents_text(pl.col(source)) if source in schema else None
    elif field in schema:
        column = pl.col(field)
        dtype = schema[field]
        if dtype == pl.Date:
            text = column.dt.to_string("%Y-%m-%d")
        elif dtype == pl.Boolean:
            text = pl.when(column).then(pl.lit("1")).when(column.is_not_null()).then(pl.lit("0"))
        else:
            text = column.cast(pl.String)
    else:
        text = None
    return (text if text is not None else pl.lit(None, dtype=pl.String)).alias(text_column(field))


def union_frame(frames: Mapping[RecordType, pl.DataFrame]) -> pl.DataFrame:
    """One frame of typed records of several types (e.g. the register's) in the working-frame shape:
    ``_row``, ``record_type``, the typed columns and ``<field>__text`` rebuilt from them, so that the
    rules marked ``scan: true`` and the cross checks run on it unchanged."""
    parts = []
    for record_type, frame in frames.items():
        typed = frame.select([c for c in FRAME_SCHEMAS[record_type] if c in frame.columns])
        parts.append(
            typed.with_columns(
                pl.lit(record_type.value, dtype=pl.String).alias("record_type"),
                *[_text_of_typed(name, typed.schema) for name in CSV_COLUMNS if name != "record_type"],
            ).with_columns(pl.col("record_type").alias(text_column("record_type")))
        )
    every_typed = {name: dtype for schema in FRAME_SCHEMAS.values() for name, dtype in schema.items()}
    if not parts:
        return pl.DataFrame(schema={"_row": pl.UInt32, "record_type": pl.String, **every_typed})
    frame = pl.concat(parts, how="diagonal_relaxed")
    missing = [
        pl.lit(None, dtype=dtype).alias(name) for name, dtype in every_typed.items() if name not in frame.columns
    ]
    return frame.with_columns(missing).with_row_index("_row")


def typed_columns() -> dict[str, pl.DataType]:
    """Every typed column of every record type (statut.exchange.frames), with its type."""
    return {name: dtype for schema in FRAME_SCHEMAS.values() for name, dtype in schema.items()}


def columns_of_type(record_type: RecordType, frame: pl.DataFrame, names: Iterable[str]) -> list[pl.Expr]:
    """The columns ``names`` of the working-frame shape over the typed frame of one record type, as
    expressions to add to it: ``record_type``, ``<field>__text`` rebuilt from the typed value (as
    :func:`union_frame` does), and typed columns the type does not have, null. A rule run on the
    records of one type at a time then reads exactly what it reads in :func:`union_frame`, without
    the columns of every other type (most of that frame is nulls)."""
    every_typed = typed_columns()
    schema = frame.schema
    columns = []
    for name in dict.fromkeys(names):
        if name in schema:
            continue
        if name in ("record_type", text_column("record_type")):
            columns.append(pl.lit(record_type.value, dtype=pl.String).alias(name))
        elif name.endswith(TEXT_SUFFIX) and name[: -len(TEXT_SUFFIX)] in FIELD_BY_NAME:
            columns.append(_text_of_typed(name[: -len(TEXT_SUFFIX)], schema))
        elif name in every_typed:
            columns.append(pl.lit(None, dtype=every_typed[name]).alias(name))
    return columns
