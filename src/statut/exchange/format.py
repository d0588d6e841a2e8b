"""The fund exchange format, version 1: the single description of what a fund sends.

A batch is one file, CSV (UTF-8, comma, header line) or JSON Lines, holding records of several types.
Every record carries ``record_type`` and the fund's own ``record_id`` (unique within the fund, so a
report can point at it and a later correction can replace it) and the person's ``national_number``.
A CSV file has the union header below (columns a type does not use stay empty); a JSON Lines record
has only the fields of its type. docs/exchange-format.md is written from this module, and
``statut synth schema`` prints the machine-readable JSON Schema.

Everything else (synthetic files, the ingestion gate, the rule catalogue) reads the column list from
here, so the format is defined once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

FORMAT_VERSION = "1.0"
FORMAT_NAME = "statut-exchange"


class RecordType(StrEnum):
    PERSON = "person"
    AFFILIATION = "affiliation"
    INCOME = "income"
    CONTRIBUTION = "contribution"
    PAYMENT = "payment"
    LIFE_EVENT = "life_event"


class FieldKind(StrEnum):
    TEXT = "text"
    DATE = "date"  # ISO 8601 YYYY-MM-DD
    AMOUNT = "amount"  # euros, at most two decimals, dot or comma as decimal separator
    YEAR = "year"
    QUARTER = "quarter"  # 2024Q1
    FLAG = "flag"  # 0 or 1
    CODE = "code"  # one of a reference list


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: FieldKind
    description: str
    codes: tuple[str, ...] = ()
    max_length: int = 200


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("record_type", FieldKind.CODE, "Type of the record.", tuple(t.value for t in RecordType)),
    FieldSpec(
        "record_id", FieldKind.TEXT, "The fund's own identifier of the record, unique within the fund.", max_length=64
    ),
    FieldSpec(
        "national_number",
        FieldKind.TEXT,
        "INSZ/NISS or BIS number of the person, 11 digits (separators allowed).",
        max_length=20,
    ),
    FieldSpec("last_name", FieldKind.TEXT, "Surname."),
    FieldSpec("first_name", FieldKind.TEXT, "First name(s)."),
    FieldSpec("birth_date", FieldKind.DATE, "Date of birth."),
    FieldSpec("sex", FieldKind.CODE, "Sex as registered: M or F.", ("M", "F")),
    FieldSpec("language", FieldKind.CODE, "Language of correspondence.", ("fr", "nl", "de", "en")),
    FieldSpec("postal_code", FieldKind.TEXT, "Postal code of the main residence (4 digits in Belgium).", max_length=10),
    FieldSpec("municipality", FieldKind.TEXT, "Municipality of the main residence."),
    FieldSpec("street", FieldKind.TEXT, "Street and number."),
    FieldSpec("death_date", FieldKind.DATE, "Date of death, if the person died."),
    FieldSpec(
        "capacity",
        FieldKind.CODE,
        "Capacity of the affiliation.",
        ("main", "complementary", "student", "assisting_spouse", "active_pensioner"),
    ),
    FieldSpec(
        "company_director", FieldKind.FLAG, "1 if the person is a company director (mandataire / bedrijfsleider)."
    ),
    FieldSpec("enterprise_number", FieldKind.TEXT, "KBO/BCE number of the enterprise, 10 digits.", max_length=20),
    FieldSpec("start_date", FieldKind.DATE, "First day of the affiliation."),
    FieldSpec("end_date", FieldKind.DATE, "First day after the affiliation (half-open); empty while it runs."),
    FieldSpec("year", FieldKind.YEAR, "Income year."),
    FieldSpec(
        "amount",
        FieldKind.AMOUNT,
        "Income (annual net taxable professional income), contribution due (excl. fee) or payment.",
    ),
    FieldSpec("income_source", FieldKind.CODE, "Who established the income.", ("tax_authority", "estimate", "fund")),
    FieldSpec("income_status", FieldKind.CODE, "Provisional or definitive income.", ("provisional", "definitive")),
    FieldSpec("quarter", FieldKind.QUARTER, "Quarter of a contribution, or to which a payment is allocated."),
    FieldSpec("payment_date", FieldKind.DATE, "Date the payment reached the fund's account."),
    FieldSpec(
        "event_type",
        FieldKind.CODE,
        "Kind of life event.",
        ("birth", "cessation", "bankruptcy", "death", "address_change"),
    ),
    FieldSpec("event_date", FieldKind.DATE, "Date of the life event."),
    FieldSpec(
        "child_national_number", FieldKind.TEXT, "For a birth: the child's national number, if known.", max_length=20
    ),
)

FIELD_BY_NAME = {spec.name: spec for spec in FIELDS}
CSV_COLUMNS: tuple[str, ...] = tuple(spec.name for spec in FIELDS)

COMMON = ("record_type", "record_id", "national_number")

#: For each record type: (mandatory fields, optional fields), beyond the common three.
RECORD_FIELDS: dict[RecordType, tuple[tuple[str, ...], tuple[str, ...]]] = {
    RecordType.PERSON: (
        ("last_name", "first_name", "birth_date", "sex"),
        ("language", "postal_code", "municipality", "street", "death_date"),
    ),
    RecordType.AFFILIATION: (("capacity", "start_date"), ("end_date", "company_director", "enterprise_number")),
    RecordType.INCOME: (("year", "amount"), ("income_source", "income_status")),
    RecordType.CONTRIBUTION: (("quarter", "amount"), ()),
    RecordType.PAYMENT: (("payment_date", "amount"), ("quarter",)),
    RecordType.LIFE_EVENT: (("event_type", "event_date"), ("child_national_number",)),
}


def fields_of(record_type: RecordType) -> tuple[str, ...]:
    mandatory, optional = RECORD_FIELDS[record_type]
    return COMMON + mandatory + optional


def mandatory_fields(record_type: RecordType) -> tuple[str, ...]:
    return COMMON + RECORD_FIELDS[record_type][0]


_JSON_PATTERNS = {
    FieldKind.DATE: r"^\d{4}-\d{2}-\d{2}$",
    FieldKind.AMOUNT: r"^-?\d{1,13}([.,]\d{1,2})?$",
    FieldKind.YEAR: r"^\d{4}$",
    FieldKind.QUARTER: r"^\d{4}Q[1-4]$",
    FieldKind.FLAG: r"^[01]$",
}


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one JSON Lines record; CSV rows follow the same field rules."""
    variants = []
    for record_type in RecordType:
        properties: dict[str, Any] = {}
        for name in fields_of(record_type):
            spec = FIELD_BY_NAME[name]
            prop: dict[str, Any] = {"type": "string", "description": spec.description, "maxLength": spec.max_length}
            if name == "record_type":
                prop = {"const": record_type.value}
            elif spec.codes:
                prop["enum"] = list(spec.codes)
            elif spec.kind in _JSON_PATTERNS:
                prop["pattern"] = _JSON_PATTERNS[spec.kind]
            properties[name] = prop
        variants.append(
            {
                "title": record_type.value,
                "type": "object",
                "properties": properties,
                "required": list(mandatory_fields(record_type)),
                "additionalProperties": False,
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://statut.invalid/schemas/{FORMAT_NAME}/{FORMAT_VERSION}/record.json",
        "title": f"{FORMAT_NAME} {FORMAT_VERSION} record",
        "description": "One record of a fund batch (a JSON Lines line, or a CSV row with the union header).",
        "oneOf": variants,
    }
