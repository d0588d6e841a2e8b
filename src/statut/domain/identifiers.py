"""Identifiers, validated and normalised with python-stdnum, never with hand-written checksums.

- National register number (INSZ / NISS): 11 digits, YYMMDD + counter + 2 check digits
  (stdnum.be.nn). Odd counter = male, even = female.
- BIS number (for people not in the National Register): same checksum, month + 20 (sex unknown) or
  + 40 (sex known) (stdnum.be.bis).
- Enterprise number (KBO/BCE): 10 digits, mod-97 check (stdnum.be.vat).
- IBAN (stdnum.iban).

The column-wise checks used on whole batches live in the quality rule catalogue and are tested
against these functions as their oracle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum import iban as std_iban
from stdnum.be import bis as std_bis
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_vat
from stdnum.exceptions import ValidationError as StdnumError

from statut.domain.errors import InvalidIdentifier


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"


class PersonNumberKind(StrEnum):
    INSZ = "insz"  # national register number (rijksregisternummer / numéro de registre national)
    BIS = "bis"  # number of the Crossroads Bank register (KSZ/BCSS) for people not in the NR


@dataclass(frozen=True, slots=True)
class PersonNumber:
    """A validated INSZ or BIS number in its compact 11-digit form."""

    value: str
    kind: PersonNumberKind
    birth_date: date | None
    sex: Sex | None

    def __str__(self) -> str:
        return self.value

    @property
    def formatted(self) -> str:
        return str(std_nn.format(self.value))


def _is_bis_month(month_digits: str) -> bool:
    return int(month_digits) >= 20


def parse_person_number(raw: str, field: str = "national_number") -> PersonNumber:
    """Validate an INSZ or a BIS number (separators allowed) and decode birth date and sex."""
    if not isinstance(raw, str):
        raise InvalidIdentifier(field, raw, "a national number is text of 11 digits")
    compact = std_nn.compact(raw)
    if not compact.isascii():
        # int() and str.isdigit() accept other scripts' digits; a register number is ASCII only.
        raise InvalidIdentifier(field, raw, "a national number has ASCII digits only")
    if len(compact) == 11 and compact.isdigit() and _is_bis_month(compact[2:4]):
        try:
            value = std_bis.validate(compact)
        except StdnumError as exc:
            raise InvalidIdentifier(field, raw, f"not a valid BIS number ({exc})") from None
        gender = std_bis.get_gender(value)
        return PersonNumber(
            value=value,
            kind=PersonNumberKind.BIS,
            birth_date=_safe_birth_date(std_bis.get_birth_date, value),
            sex=Sex(gender) if gender else None,
        )
    try:
        value = std_nn.validate(compact)
    except StdnumError as exc:
        raise InvalidIdentifier(field, raw, f"not a valid national register number ({exc})") from None
    return PersonNumber(
        value=value,
        kind=PersonNumberKind.INSZ,
        birth_date=_safe_birth_date(std_nn.get_birth_date, value),
        sex=Sex(std_nn.get_gender(value)),
    )


def _safe_birth_date(getter: object, value: str) -> date | None:
    """Birth date encoded in the number, or None where the number says it is unknown."""
    try:
        result = getter(value)  # type: ignore[operator]
    except (StdnumError, ValueError):
        return None
    return result if isinstance(result, date) else None


def is_valid_person_number(raw: str) -> bool:
    try:
        parse_person_number(raw)
    except InvalidIdentifier:
        return False
    return True


def parse_enterprise_number(raw: str, field: str = "enterprise_number") -> str:
    """Validate a KBO/BCE enterprise number; returns the 10-digit compact form."""
    if not isinstance(raw, str):
        raise InvalidIdentifier(field, raw, "an enterprise number is text of 10 digits")
    try:
        return str(std_vat.validate(raw))
    except StdnumError as exc:
        raise InvalidIdentifier(field, raw, f"not a valid enterprise number ({exc})") from None


def format_enterprise_number(value: str) -> str:
    return f"{value[:4]}.{value[4:7]}.{value[7:]}"


def parse_iban(raw: str, field: str = "iban") -> str:
    if not isinstance(raw, str):
        raise InvalidIdentifier(field, raw, "an IBAN is text")
    try:
        return str(std_iban.validate(raw))
    except StdnumError as exc:
        raise InvalidIdentifier(field, raw, f"not a valid IBAN ({exc})") from None


def national_number_check_digits(first_nine: str, born_2000_or_later: bool) -> str:
    """Check digits for nine digits (97 - n mod 97, with a leading 2 for births from 2000).

    Used by the synthetic population to *generate* numbers; validation always goes through stdnum.
    """
    base = int(("2" if born_2000_or_later else "") + first_nine)
    return f"{97 - base % 97:02d}"
