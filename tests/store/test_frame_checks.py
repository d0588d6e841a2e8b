"""The loader's column-wise checks agree with the domain (python-stdnum) they stand in for."""

from __future__ import annotations

from datetime import date

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from statut.domain.calendar import Quarter
from statut.domain.errors import InvalidIdentifier
from statut.domain.identifiers import national_number_check_digits, parse_enterprise_number, parse_person_number
from statut.services.frame_checks import (
    compact_enterprise_number,
    compact_numbers,
    decode_national_number,
    parse_quarters,
    valid_enterprise_number,
)

TODAY = date.today()


@st.composite
def national_numbers(draw: st.DrawFn) -> str:
    """Mostly plausible numbers (right or wrong check digits, INSZ and BIS months, unknown days)."""
    if draw(st.booleans()):
        return draw(st.text(alphabet="0123456789 .-", min_size=0, max_size=14))
    first_nine = "".join(
        [
            f"{draw(st.integers(0, 99)):02d}",
            f"{draw(st.sampled_from([*range(13), *range(20, 33), *range(40, 53), 13, 19, 33, 60, 99])):02d}",
            f"{draw(st.integers(0, 32)):02d}",
            f"{draw(st.integers(0, 999)):03d}",
        ]
    )
    check = draw(
        st.one_of(
            st.just(national_number_check_digits(first_nine, born_2000_or_later=False)),
            st.just(national_number_check_digits(first_nine, born_2000_or_later=True)),
            st.integers(0, 99).map(lambda value: f"{value:02d}"),
        )
    )
    return first_nine + check


def _decoded(values: list[str]) -> list[tuple[bool, str | None, date | None, str | None]]:
    frame = pl.DataFrame({"n": compact_numbers(pl.Series("n", values))})
    decoded = decode_national_number("n", TODAY)
    return list(frame.select(*(expression.alias(name) for name, expression in decoded.items())).iter_rows())


@settings(max_examples=300, deadline=None)
@given(st.lists(national_numbers(), min_size=1, max_size=50))
def test_national_numbers_are_decoded_like_the_domain_does(values: list[str]) -> None:
    for raw, (valid, kind, birth_date, sex) in zip(values, _decoded(values), strict=True):
        try:
            number = parse_person_number(raw)
        except InvalidIdentifier:
            assert not valid, raw
            continue
        assert valid, raw
        assert kind == number.kind.value
        assert birth_date == number.birth_date
        assert sex == (number.sex.value if number.sex else None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789 .-BE", min_size=0, max_size=14), min_size=1, max_size=30))
def test_enterprise_numbers_are_checked_like_the_domain_does(values: list[str]) -> None:
    frame = pl.DataFrame({"e": values}).with_columns(compact_enterprise_number("e").alias("e"))
    flags = frame.select(valid_enterprise_number("e")).to_series().to_list()
    for raw, compact, valid in zip(values, frame["e"], flags, strict=True):
        try:
            expected = parse_enterprise_number(raw)
        except InvalidIdentifier:
            assert not valid, raw
            continue
        assert valid, raw
        assert compact == expected, raw


def test_known_enterprise_numbers() -> None:
    frame = pl.DataFrame({"e": ["0403.170.701", "BE 0403170701", "403170701", "0403170702", None]})
    compact = frame.with_columns(compact_enterprise_number("e").alias("e"))
    assert compact["e"].to_list()[:3] == ["0403170701"] * 3
    assert compact.select(valid_enterprise_number("e")).to_series().to_list() == [True, True, True, False, True]


def test_quarters_are_parsed_by_the_domain_once_per_distinct_value() -> None:
    raw = pl.Series(["2024Q1", "2024-q4", "2024Q1", "2024Q5", None, "1999 Q2"])
    parsed = parse_quarters(raw)
    assert parsed["quarter"].to_list() == ["2024Q1", "2024Q4", "2024Q1", None, None, "1999Q2"]
    assert parsed["quarter_index"].to_list() == [
        Quarter(2024, 1).index,
        Quarter(2024, 4).index,
        Quarter(2024, 1).index,
        None,
        None,
        Quarter(1999, 2).index,
    ]
    assert parsed["quarter_start"][1] == Quarter(2024, 4).start
    assert parsed["quarter_end"][1] == date(2025, 1, 1)


def test_numbers_are_compacted_only_when_needed() -> None:
    assert compact_numbers(pl.Series(["85.07.30-033.28", "85073003328"])).to_list() == ["85073003328"] * 2
    already = pl.Series(["85073003328", "85073003329"])
    assert compact_numbers(already).to_list() == already.to_list()
