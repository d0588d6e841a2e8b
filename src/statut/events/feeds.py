"""Input feed adapters: the files the authentic sources drop (or post to the API), parsed into facts.

- National Register (births, deaths, changes of address): the columns statut.synth writes to
  ``feeds/national_register_events.csv`` (national_number, event_type, event_date,
  child_national_number), plus an optional ``child_at_mother_address`` (yes/no).
- Tax authority (SPF Finances; definitive income of year N known in N+2): national_number, year,
  amount (euros, two decimals).
- Enterprise register (KBO/BCE): the columns of ``feeds/enterprise_register.csv``
  (enterprise_number, holder_national_number, status, end_date, bankruptcy_date, ...).

The adapters only parse and validate; statut.services.feeds turns the facts into register changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from statut.domain.entities import LifeEventType
from statut.domain.errors import DomainValidationError

KINDS = ("national_register", "tax_authority", "enterprise_register")


@dataclass(frozen=True, slots=True)
class RegisterFact:
    """A life event of a person as a feed reports it."""

    national_number: str
    event_type: LifeEventType
    event_date: date
    details: dict[str, str]


@dataclass(frozen=True, slots=True)
class IncomeFact:
    national_number: str
    year: int
    amount: Decimal


def _rows(source: Path | str | bytes) -> Iterator[tuple[int, dict[str, str]]]:
    text = source.decode() if isinstance(source, bytes) else Path(source).read_text(encoding="utf-8")
    for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        yield line, {key.strip(): (value or "").strip() for key, value in row.items() if key}


def _date(value: str, field: str, line: int) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DomainValidationError(field, value, f"line {line}: not a date (YYYY-MM-DD)") from None


def national_register(source: Path | str | bytes) -> Iterator[RegisterFact]:
    for line, row in _rows(source):
        kind = row.get("event_type", "")
        if kind not in {"birth", "death", "address_change"}:
            raise DomainValidationError("event_type", kind, f"line {line}: birth, death or address_change expected")
        details = {}
        if row.get("child_national_number"):
            details["child_national_number"] = row["child_national_number"]
        if row.get("child_at_mother_address"):
            details["child_at_mother_address"] = row["child_at_mother_address"]
        for name in ("postal_code", "municipality", "street"):
            if row.get(name):
                details[name] = row[name]
        yield RegisterFact(
            row["national_number"], LifeEventType(kind), _date(row.get("event_date", ""), "event_date", line), details
        )


def tax_authority(source: Path | str | bytes) -> Iterator[IncomeFact]:
    for line, row in _rows(source):
        try:
            amount = Decimal(row.get("amount", "")).quantize(Decimal("0.01"))
            year = int(row.get("year", ""))
        except (InvalidOperation, ValueError):
            raise DomainValidationError(
                "amount", row.get("amount", ""), f"line {line}: year and amount expected"
            ) from None
        yield IncomeFact(row["national_number"], year, amount)


def enterprise_register(source: Path | str | bytes) -> Iterator[RegisterFact]:
    """Bankruptcies and cessations of the enterprises of natural persons (holder known)."""
    for line, row in _rows(source):
        holder = row.get("holder_national_number", "")
        if not holder:
            continue
        details = {"enterprise_number": row.get("enterprise_number", "")}
        if row.get("reason"):
            details["reason"] = row["reason"]
        if row.get("bankruptcy_date"):
            yield RegisterFact(
                holder, LifeEventType.BANKRUPTCY, _date(row["bankruptcy_date"], "bankruptcy_date", line), details
            )
        elif row.get("status") in {"stopped", "ceased"} and row.get("end_date"):
            yield RegisterFact(holder, LifeEventType.CESSATION, _date(row["end_date"], "end_date", line), details)
