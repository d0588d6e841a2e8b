"""Row rules: what one record breaks on its own, as polars expressions over a whole frame.

Each function is registered under its catalogue id (catalogue.yaml holds the message, the dimension,
the severity and the legal or business reference) and returns a boolean expression, True where the
record breaks the rule for ``field``. Nothing here loops over rows: a batch of a million records is
checked by a few dozen column operations. The columns read are those of the working frame
(statut.quality.working): ``<field>__text`` for the form of a value as sent, typed columns for
everything else, so the rules marked ``scan: true`` also run on the register's typed data.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from statut.domain.calendar import Quarter
from statut.exchange.format import COMMON, FIELD_BY_NAME, RecordType, fields_of, mandatory_fields
from statut.quality.identifiers import (
    encoded_birth_date_text,
    enterprise_number_valid,
    person_number_parts,
)
from statut.quality.parsing import (
    EARLIEST_DATE,
    MAX_INTEGER_DIGITS,
    decimal_digits,
    integer_digits,
    is_number,
)
from statut.quality.registry import CheckContext, row_check
from statut.quality.working import text_column

EARLIEST_INCOME_YEAR = 1950
FORMULA_PREFIX = r"^[=+\-@\t\r]"
"""OWASP CSV Injection: a cell starting with one of these is run as a formula by spreadsheets."""


def _text(field: str) -> pl.Expr:
    return pl.col(text_column(field))


def _present(field: str) -> pl.Expr:
    return _text(field).is_not_null()


def _record_type_detail(_field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col("record_type")


# --- completeness and form -------------------------------------------------------------------------


def _types_requiring(field: str) -> tuple[str, ...] | None:
    """Common fields on every record (an unknown type included: it may lack a record_id too)."""
    if field in COMMON:
        return None
    return tuple(t.value for t in RecordType if field in mandatory_fields(t))


@row_check("GEN-001", detail=_record_type_detail, types=_types_requiring)
def mandatory_missing(field: str, _ctx: CheckContext) -> pl.Expr:
    """Mandatory fields per record type (format.RECORD_FIELDS); a missing record_type makes the record
    one of unknown type, still reported here."""
    return _text(field).is_null()


@row_check("GEN-002", detail=lambda _f, _c: pl.lit(", ".join(t.value for t in RecordType)))
def unknown_record_type(_field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col("record_type").is_not_null() & ~pl.col("record_type").is_in([t.value for t in RecordType])


@row_check("GEN-003", detail=lambda field, _c: pl.lit(", ".join(FIELD_BY_NAME[field].codes)))
def code_not_in_list(field: str, _ctx: CheckContext) -> pl.Expr:
    """Reads the typed column (the same text), so it also runs on the register."""
    return pl.col(field).is_not_null() & ~pl.col(field).is_in(list(FIELD_BY_NAME[field].codes))


@row_check("GEN-004", detail=lambda field, _c: pl.lit(str(FIELD_BY_NAME[field].max_length)))
def too_long(field: str, _ctx: CheckContext) -> pl.Expr:
    return _text(field).str.len_chars() > FIELD_BY_NAME[field].max_length


def _types_not_using(field: str) -> tuple[str, ...]:
    return tuple(t.value for t in RecordType if field not in fields_of(t))


@row_check("GEN-005", detail=_record_type_detail, types=_types_not_using)
def field_not_used(field: str, _ctx: CheckContext) -> pl.Expr:
    """A value in a column the record type does not use is ignored; say so rather than drop it quietly."""
    return _present(field)


@row_check("GEN-006")
def formula_prefix(field: str, _ctx: CheckContext) -> pl.Expr:
    """Reads the typed column (the same text for these fields), so it also runs on the register."""
    return pl.col(field).str.contains(FORMULA_PREFIX)


# --- identifiers ---------------------------------------------------------------------------------


@row_check("IDN-001")
def person_number_invalid(field: str, ctx: CheckContext) -> pl.Expr:
    """Reads the compact typed column (what stdnum's compact gives), so it also runs on the register."""
    return pl.col(field).is_not_null() & ~person_number_parts(pl.col(field), ctx.today).valid


@row_check("IDN-002")
def enterprise_number_invalid(field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col(field).is_not_null() & ~enterprise_number_valid(pl.col(field))


def _encoded_birth(_field: str, ctx: CheckContext) -> pl.Expr:
    return encoded_birth_date_text(person_number_parts(pl.col("national_number"), ctx.today))


@row_check("PER-001", detail=_encoded_birth)
def birth_date_contradicts_number(_field: str, ctx: CheckContext) -> pl.Expr:
    """Compares the parts the number knows: the year always, month and day unless encoded as unknown."""
    parts = person_number_parts(pl.col("national_number"), ctx.today)
    birth = pl.col("birth_date")
    return (
        parts.valid
        & birth.is_not_null()
        & (
            (parts.birth_year.is_not_null() & (birth.dt.year() != parts.birth_year))
            | (parts.birth_month.is_not_null() & (birth.dt.month() != parts.birth_month))
            | (parts.birth_day.is_not_null() & (birth.dt.day() != parts.birth_day))
        )
    )


@row_check("PER-002", detail=lambda _f, ctx: person_number_parts(pl.col("national_number"), ctx.today).sex)
def sex_contradicts_number(_field: str, ctx: CheckContext) -> pl.Expr:
    parts = person_number_parts(pl.col("national_number"), ctx.today)
    return parts.sex.is_not_null() & pl.col("sex").is_in(["M", "F"]) & (pl.col("sex") != parts.sex)


@row_check("PER-003", detail=lambda _f, _c: pl.col("birth_date").dt.to_string("%Y-%m-%d"))
def death_before_birth(_field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col("death_date") < pl.col("birth_date")


# --- dates -------------------------------------------------------------------------------------------


@row_check("DAT-001")
def not_a_date(field: str, _ctx: CheckContext) -> pl.Expr:
    return _present(field) & pl.col(field).is_null()


@row_check("DAT-002", detail=lambda _f, ctx: pl.lit(ctx.today.isoformat()))
def date_in_future(field: str, ctx: CheckContext) -> pl.Expr:
    return pl.col(field) > ctx.today


@row_check("DAT-003", detail=lambda _f, _c: pl.lit(EARLIEST_DATE.isoformat()))
def date_too_early(field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col(field) < EARLIEST_DATE


@row_check("DAT-004", detail=lambda _f, _c: pl.col("start_date").dt.to_string("%Y-%m-%d"))
def end_not_after_start(_field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col("end_date") <= pl.col("start_date")


# --- years, quarters, amounts, flags -----------------------------------------------------------------


def _latest_income_year(today: date) -> int:
    # An estimated income (RD n°38 art. 11 §4) may be declared for the coming year in its last weeks.
    return today.year + 1


@row_check("YR-001")
def not_a_year(field: str, _ctx: CheckContext) -> pl.Expr:
    return _present(field) & pl.col(field).is_null()


@row_check("YR-002", detail=lambda _f, ctx: pl.lit(str(_latest_income_year(ctx.today))))
def implausible_year(field: str, ctx: CheckContext) -> pl.Expr:
    return ~pl.col(field).is_between(EARLIEST_INCOME_YEAR, _latest_income_year(ctx.today))


def _latest_quarter(today: date) -> Quarter:
    # Contribution notices go out ahead of the quarter; four quarters ahead is the plausible horizon.
    return Quarter.of(today) + 4


@row_check("QTR-001")
def not_a_quarter(_field: str, _ctx: CheckContext) -> pl.Expr:
    return _present("quarter") & pl.col("quarter_index").is_null()


@row_check("QTR-002", detail=lambda _f, ctx: pl.lit(str(_latest_quarter(ctx.today))))
def implausible_quarter(_field: str, ctx: CheckContext) -> pl.Expr:
    earliest = Quarter(EARLIEST_INCOME_YEAR, 1).index
    return ~pl.col("quarter_index").is_between(earliest, _latest_quarter(ctx.today).index)


@row_check("AMT-001")
def amount_not_a_number(field: str, _ctx: CheckContext) -> pl.Expr:
    return _present(field) & ~is_number(_text(field))


@row_check("AMT-002")
def amount_too_many_decimals(field: str, _ctx: CheckContext) -> pl.Expr:
    return is_number(_text(field)) & (decimal_digits(_text(field)) > 2)


@row_check("AMT-003")
def amount_negative(field: str, _ctx: CheckContext) -> pl.Expr:
    """On the text, so that "-12.505" is both negative and over-precise; "-0.00" is zero, not negative.
    (On the register, the text is rebuilt from the cents: statut.quality.working.union_frame.)"""
    text = _text(field)
    return is_number(text) & text.str.starts_with("-") & text.str.contains("[1-9]")


@row_check("AMT-004", detail=lambda _f, _c: pl.lit(str(MAX_INTEGER_DIGITS)))
def amount_too_large(field: str, _ctx: CheckContext) -> pl.Expr:
    return is_number(_text(field)) & (integer_digits(_text(field)) > MAX_INTEGER_DIGITS)


@row_check("FLG-001")
def not_a_flag(field: str, _ctx: CheckContext) -> pl.Expr:
    return _present(field) & pl.col(field).is_null()


@row_check("ADR-001")
def not_a_belgian_postal_code(field: str, _ctx: CheckContext) -> pl.Expr:
    return pl.col(field).is_not_null() & ~pl.col(field).str.contains(r"^[1-9][0-9]{3}$")
