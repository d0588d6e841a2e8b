"""Text to typed values: exact cents from text, real calendar dates, quarters."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.exchange.format import _JSON_PATTERNS, FieldKind
from statut.quality.parsing import (
    cents_text,
    decimal_digits,
    integer_digits,
    is_number,
    parse_cents,
    parse_date,
    quarter_index,
    quarter_starts,
)

AMOUNT_FORMAT = re.compile(_JSON_PATTERNS[FieldKind.AMOUNT])


def cents(values: list[str | None]) -> list[int | None]:
    return pl.DataFrame({"a": values}, schema={"a": pl.String}).select(parse_cents(pl.col("a"))).to_series().to_list()


def test_cents_examples() -> None:
    values = ["12.34", "0,5", "-12.50", "12", "-0", "0.1", "007.20", "9999999999999.99", "12.345", "1e3", "", None]
    assert cents(values) == [1234, 50, -1250, 1200, 0, 10, 720, 999999999999999, None, None, None, None]


amount_text = st.builds(
    lambda sign, whole, sep, frac: f"{sign}{whole}{sep}{frac}" if sep else f"{sign}{whole}",
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", min_size=0, max_size=16),
    st.sampled_from(["", ".", ","]),
    st.text("0123456789", min_size=0, max_size=4),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(amount_text, st.text(max_size=8)), min_size=1, max_size=50))
def test_cents_are_exact_and_agree_with_the_format(values: list[str]) -> None:
    """Accepted exactly when the format's JSON Schema pattern accepts the text; then equal to Decimal × 100."""
    frame = pl.DataFrame({"a": values}, schema={"a": pl.String}).select(
        parse_cents(pl.col("a")).alias("c"),
        is_number(pl.col("a")).alias("n"),
        decimal_digits(pl.col("a")).alias("d"),
        integer_digits(pl.col("a")).alias("i"),
    )
    for value, row in zip(values, frame.iter_rows(named=True), strict=True):
        if AMOUNT_FORMAT.fullmatch(value):
            assert row["c"] == int(Decimal(value.replace(",", ".")) * 100), value
        else:
            assert row["c"] is None, value
        if row["n"]:
            whole, _, fraction = value.lstrip("-").replace(",", ".").partition(".")
            assert (row["i"], row["d"]) == (len(whole), len(fraction)), value


def test_cents_back_to_text() -> None:
    frame = pl.DataFrame({"c": [1234, 5, -1250, 0]}).select(cents_text(pl.col("c")))
    assert frame.to_series().to_list() == ["12.34", "0.05", "-12.50", "0.00"]


def test_dates_are_real_calendar_dates_in_iso_form() -> None:
    values = ["2024-02-29", "2023-02-29", "2023-2-3", "2023-02-03T00:00", "31/12/2023", "٢٠٢٣-٠١-٠١"]
    parsed = pl.DataFrame({"d": values}).select(parse_date(pl.col("d"))).to_series().to_list()
    assert parsed == [date(2024, 2, 29), None, None, None, None, None]


def test_quarters() -> None:
    values = ["2024Q1", "2024Q4", "2024Q5", "2024q1", "2024-Q1", None]
    indexes = pl.DataFrame({"q": values}, schema={"q": pl.String}).select(quarter_index(pl.col("q"))).to_series()
    assert indexes.to_list() == [8096, 8099, None, None, None, None]
    assert quarter_starts(indexes).to_list()[:2] == [date(2024, 1, 1), date(2024, 10, 1)]
