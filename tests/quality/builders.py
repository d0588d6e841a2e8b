"""Hand-written batches for the quality tests: valid records by default, a keyword changes a field."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from statut.exchange.batch_reader import RawBatch, read_batch
from statut.exchange.format import CSV_COLUMNS
from statut.quality.validation import ValidationResult, validate_batch

TODAY = date(2025, 6, 16)
FUND = "F101"

# Valid national numbers (checked against stdnum in test_builders_are_valid).
JEAN = "85073003328"  # 1985-07-30, counter 033 (male)
MARIE = "90022812467"  # 1990-02-28, counter 124 (female)
LEA = "05061700252"  # 2005-06-17, counter 002 (female), checked with the leading 2
BIS_UNKNOWN_SEX = "85270300140"  # BIS, month + 20: 1985-07-03, sex not encoded
ENTERPRISE = "0403019261"


def person(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "person",
        "record_id": "P1",
        "national_number": JEAN,
        "last_name": "Dupont",
        "first_name": "Jean",
        "birth_date": "1985-07-30",
        "sex": "M",
        "language": "fr",
        "postal_code": "1000",
        "municipality": "Bruxelles",
        "street": "Rue de la Loi 16",
    }
    record.update(fields)
    return record


def affiliation(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "affiliation",
        "record_id": "A1",
        "national_number": JEAN,
        "capacity": "main",
        "company_director": "0",
        "enterprise_number": ENTERPRISE,
        "start_date": "2020-01-01",
    }
    record.update(fields)
    return record


def income(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "income",
        "record_id": "I1",
        "national_number": JEAN,
        "year": "2023",
        "amount": "42017.55",
        "income_source": "tax_authority",
        "income_status": "definitive",
    }
    record.update(fields)
    return record


def contribution(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "contribution",
        "record_id": "C1",
        "national_number": JEAN,
        "quarter": "2024Q1",
        "amount": "890.42",
    }
    record.update(fields)
    return record


def payment(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "payment",
        "record_id": "Y1",
        "national_number": JEAN,
        "payment_date": "2024-03-28",
        "amount": "890,42",
        "quarter": "2024Q1",
    }
    record.update(fields)
    return record


def life_event(**fields: str) -> dict[str, str]:
    record = {
        "record_type": "life_event",
        "record_id": "E1",
        "national_number": JEAN,
        "event_type": "address_change",
        "event_date": "2024-05-01",
    }
    record.update(fields)
    return record


def csv_bytes(records: list[dict[str, str]], columns: tuple[str, ...] = CSV_COLUMNS) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([record.get(c, "") for c in columns])
    return buffer.getvalue().encode("utf-8")


def jsonl_bytes(records: list[dict[str, object]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


def read(records: list[dict[str, str]]) -> RawBatch:
    return read_batch(csv_bytes(records))


def validate(
    records: list[dict[str, str]],
    register: dict | None = None,
    *,
    fund: str = FUND,
    today: date = TODAY,
) -> ValidationResult:
    return validate_batch(read(records), fund, register or {}, today)


def reasons_of(result: ValidationResult, record_id: str | None = None) -> set[tuple[str, str | None]]:
    """{(rule_id, field)} of one record (or all records)."""
    frame = result.reasons
    if record_id is not None:
        frame = frame.filter(frame["record_id"] == record_id)
    return {(r, f) for r, f in frame.select("rule_id", "field").iter_rows()}


def rule_ids(result: ValidationResult, record_id: str | None = None) -> set[str]:
    return {rule for rule, _ in reasons_of(result, record_id)}


def outcome(result: ValidationResult, record_id: str) -> str:
    rows = result.outcomes.filter(result.outcomes["record_id"] == record_id)
    assert rows.height == 1, rows
    return rows["outcome"][0]


def affiliated_register(
    numbers: tuple[str, ...] = (JEAN, MARIE, LEA, BIS_UNKNOWN_SEX), fund: str = FUND, start: date = date(2000, 1, 1)
) -> dict:
    """A register where each of ``numbers`` has an open affiliation with ``fund`` since ``start``."""
    import polars as pl

    from statut.exchange.format import RecordType
    from statut.exchange.frames import conform

    rows = pl.DataFrame(
        {
            "record_id": [f"REG-A-{n}" for n in numbers],
            "fund": [fund] * len(numbers),
            "national_number": list(numbers),
            "capacity": ["main"] * len(numbers),
            "company_director": [False] * len(numbers),
            "start_date": [start] * len(numbers),
        }
    )
    return {RecordType.AFFILIATION: conform(RecordType.AFFILIATION, rows)}
