"""Belgian identifiers checked column-wise: the national register number (INSZ/NISS), the BIS number
and the enterprise number (KBO/BCE), as polars expressions over a whole batch.

python-stdnum (stdnum.be.nn, stdnum.be.bis, stdnum.be.vat, used by statut.domain.identifiers) stays
the reference: these expressions reproduce its rules step by step, including its cleaning of look-alike
Unicode characters, and tests/quality/test_identifiers.py checks them against it with hypothesis.
They exist because calling stdnum once per row is a Python loop over a million records.

- National register number (Law of 8 August 1983 organising a National Register of natural persons,
  art. 2): YYMMDD + 3-digit counter (odd male, even female) + 2 check digits = 97 − (first nine digits
  mod 97); for births from 2000 the nine digits are prefixed with "2" before the modulo. Month or day
  00 means unknown; for counter exhaustion the month may also be 00.
- BIS number (Law of 15 January 1990 on the Crossroads Bank for Social Security, art. 8): same
  checksum, month + 20 when the sex was unknown at issue, + 40 when it was known.
- Enterprise number (Code of Economic Law, Book III, Title 2, Crossroads Bank for Enterprises):
  10 digits, first digit 0 or 1, (first 8 digits + last 2) mod 97 = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from stdnum import util as stdnum_util

PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
"""What ``str.strip()`` removes (stdnum strips with it); polars' default set differs (\\x1c-\\x1f)."""

_STDNUM_CHAR_MAP: dict[str, str] = stdnum_util._char_map  # stdnum's own look-alike table: the same cleaning
_UNKNOWN_BIRTH = ("000001", "002001", "004001")  # fictitious dates used when no part of the birth is known


def _cleaning_map(delete: str) -> dict[str, str]:
    """stdnum.util.clean as one replace_many: map look-alikes to ASCII, then drop the separators."""
    mapping = {char: ("" if target in delete else target) for char, target in _STDNUM_CHAR_MAP.items()}
    mapping.update(dict.fromkeys(delete, ""))
    return {char: target for char, target in mapping.items() if char != target}


_PERSON_CLEAN = _cleaning_map(" -.")
_ENTERPRISE_CLEAN = _cleaning_map(" -./")


def compact_person_number(text: pl.Expr) -> pl.Expr:
    """stdnum.be.nn.compact: separators (space, dash, dot and their look-alikes) removed, then stripped."""
    return text.str.replace_many(_PERSON_CLEAN).str.strip_chars(PYTHON_WHITESPACE)


def compact_enterprise_number(text: pl.Expr) -> pl.Expr:
    """stdnum.be.vat.compact: separators removed, upper case, "BE" and "(0)" prefixes, 9 digits padded."""
    cleaned = text.str.replace_many(_ENTERPRISE_CLEAN).str.to_uppercase().str.strip_chars(PYTHON_WHITESPACE)
    no_country = pl.when(cleaned.str.starts_with("BE")).then(cleaned.str.slice(2)).otherwise(cleaned)
    no_zero = (
        pl.when(no_country.str.starts_with("(0)")).then(pl.lit("0") + no_country.str.slice(3)).otherwise(no_country)
    )
    return pl.when(no_zero.str.len_chars() == 9).then(pl.lit("0") + no_zero).otherwise(no_zero)


@dataclass(frozen=True, slots=True)
class PersonNumberParts:
    """Expressions decoding a compact INSZ/BIS number (null where the number is invalid or silent)."""

    valid: pl.Expr
    is_bis: pl.Expr
    birth_year: pl.Expr
    birth_month: pl.Expr
    birth_day: pl.Expr
    sex: pl.Expr


def _int(text: pl.Expr, start: int, length: int) -> pl.Expr:
    return text.str.slice(start, length).cast(pl.Int64, strict=False)


def person_number_parts(compact: pl.Expr, today: date) -> PersonNumberParts:
    """Validity (INSZ or BIS, as statut.domain.identifiers.parse_person_number decides) and decoding.

    Follows stdnum.be.nn._get_birth_date_parts: the 1900 checksum is tried first, the 2000 one only when
    the two-digit year is not after the current year; the month is the encoded month mod 20 (0 =
    unknown); an impossible day (00, 31 April) means the day is unknown; the three fictitious dates
    mean the whole birth date is unknown. A number whose encoded month is 20 or more is a BIS number
    and must have a month in 20..32 or 40..52; a national number a month in 00..12.
    """
    digits = compact.str.contains(r"^[0-9]{11}$")
    first9 = _int(compact, 0, 9)
    check = _int(compact, 9, 2)
    yy = _int(compact, 0, 2)
    mm = _int(compact, 2, 2)
    dd = _int(compact, 4, 2)
    counter = _int(compact, 6, 3)
    check_1900 = (97 - first9 % 97) == check
    check_2000 = ((yy + 2000) <= today.year) & ((97 - (first9 + 2_000_000_000) % 97) == check)
    unknown_birth = compact.str.slice(0, 6).is_in(_UNKNOWN_BIRTH)
    month = mm % 20
    is_bis = mm >= 20
    kind_ok = pl.when(is_bis).then(mm.is_between(20, 32) | mm.is_between(40, 52)).otherwise(mm <= 12)
    positive = (first9 > 0) | (check > 0)
    valid = (digits & positive & (check_1900 | check_2000) & (unknown_birth | (month <= 12)) & kind_ok).fill_null(False)
    year = pl.when(valid & ~unknown_birth).then(pl.when(check_1900).then(1900).otherwise(2000) + yy)
    known_month = pl.when(year.is_not_null() & (month > 0)).then(month)
    days_in_month = pl.date(year, known_month, 1).dt.month_end().dt.day().cast(pl.Int64)
    known_day = pl.when(known_month.is_not_null() & (dd >= 1) & (dd <= days_in_month)).then(dd)
    sex_known = valid & (~is_bis | (mm >= 40))
    sex = pl.when(sex_known).then(pl.when(counter % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
    return PersonNumberParts(
        valid=valid,
        is_bis=valid & is_bis,
        birth_year=year.cast(pl.Int32),
        birth_month=known_month.cast(pl.Int32),
        birth_day=known_day.cast(pl.Int32),
        sex=sex,
    )


def enterprise_number_valid(compact: pl.Expr) -> pl.Expr:
    """stdnum.be.vat.validate on the compact form: 10 digits, not all zero, first 0 or 1, mod 97."""
    digits = compact.str.contains(r"^[0-9]{10}$")
    body = _int(compact, 0, 8)
    check = _int(compact, 8, 2)
    first = compact.str.slice(0, 1)
    return (digits & ((body > 0) | (check > 0)) & first.is_in(["0", "1"]) & ((body + check) % 97 == 0)).fill_null(False)


def encoded_birth_date_text(parts: PersonNumberParts) -> pl.Expr:
    """The birth date a number encodes, with ?? for unknown parts (e.g. 1985-07-??), for messages."""
    return pl.concat_str(
        [
            parts.birth_year.cast(pl.String).fill_null("????"),
            pl.lit("-"),
            parts.birth_month.cast(pl.String).str.pad_start(2, "0").fill_null("??"),
            pl.lit("-"),
            parts.birth_day.cast(pl.String).str.pad_start(2, "0").fill_null("??"),
        ]
    )
