"""Typed column frames of each record type: the contract between synthetic data, the ingestion gate
and the store's bulk loader.

A fund file arrives as text (see format.py); once a record has passed the gate it is a row of the
typed frame below. Amounts are integer cents (``amount_cents``), dates are ``pl.Date``, quarters
are text ``2024Q1`` plus ``quarter_index`` (year * 4 + quarter - 1) for arithmetic. ``fund`` is the
code of the fund that sent (or, in the truth population, owns) the record, ``person_key`` the
synthetic population's stable person id (only in truth files; null for real fund data).
"""

from __future__ import annotations

import polars as pl

from statut.exchange.format import RecordType

_KEYS: dict[str, pl.DataType] = {
    "person_key": pl.Int64(),
    "record_id": pl.String(),
    "fund": pl.String(),
    "national_number": pl.String(),
}

FRAME_SCHEMAS: dict[RecordType, dict[str, pl.DataType]] = {
    RecordType.PERSON: {
        **_KEYS,
        "last_name": pl.String(),
        "first_name": pl.String(),
        "birth_date": pl.Date(),
        "sex": pl.String(),
        "language": pl.String(),
        "postal_code": pl.String(),
        "municipality": pl.String(),
        "street": pl.String(),
        "death_date": pl.Date(),
    },
    RecordType.AFFILIATION: {
        **_KEYS,
        "capacity": pl.String(),
        "company_director": pl.Boolean(),
        "enterprise_number": pl.String(),
        "start_date": pl.Date(),
        "end_date": pl.Date(),
    },
    RecordType.INCOME: {
        **_KEYS,
        "year": pl.Int32(),
        "amount_cents": pl.Int64(),
        "income_source": pl.String(),
        "income_status": pl.String(),
    },
    RecordType.CONTRIBUTION: {
        **_KEYS,
        "quarter": pl.String(),
        "quarter_index": pl.Int32(),
        "amount_cents": pl.Int64(),
    },
    RecordType.PAYMENT: {
        **_KEYS,
        "payment_date": pl.Date(),
        "amount_cents": pl.Int64(),
        "quarter": pl.String(),
        "quarter_index": pl.Int32(),
    },
    RecordType.LIFE_EVENT: {
        **_KEYS,
        "event_type": pl.String(),
        "event_date": pl.Date(),
        "child_national_number": pl.String(),
    },
}


def empty_frame(record_type: RecordType) -> pl.DataFrame:
    return pl.DataFrame(schema=FRAME_SCHEMAS[record_type])


def conform(record_type: RecordType, frame: pl.DataFrame) -> pl.DataFrame:
    """Select and cast a frame to the typed schema of ``record_type`` (missing columns become null)."""
    schema = FRAME_SCHEMAS[record_type]
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype, strict=True).alias(name)
            for name, dtype in schema.items()
        ]
    )


Population = dict[RecordType, pl.DataFrame]
