"""The vectorised identifier checks against python-stdnum, the reference, with hypothesis."""

from __future__ import annotations

import sys
from datetime import date

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from stdnum.be import bis, nn, vat
from stdnum.exceptions import ValidationError

from statut.domain.identifiers import national_number_check_digits
from statut.quality.identifiers import (
    PYTHON_WHITESPACE,
    compact_enterprise_number,
    compact_person_number,
    encoded_birth_date_text,
    enterprise_number_valid,
    person_number_parts,
)

TODAY = date.today()  # stdnum decides the 2000 century against the real today


def test_python_whitespace_is_what_str_strip_removes() -> None:
    expected = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert expected == PYTHON_WHITESPACE


def ours_person(values: list[str]) -> list[dict[str, object]]:
    frame = pl.DataFrame({"raw": values}, schema={"raw": pl.String})
    compact = compact_person_number(pl.col("raw"))
    frame = frame.with_columns(compact.alias("compact"))
    parts = person_number_parts(pl.col("compact"), TODAY)
    return frame.select(
        "compact",
        parts.valid.alias("valid"),
        parts.is_bis.alias("is_bis"),
        parts.birth_year.alias("year"),
        parts.birth_month.alias("month"),
        parts.birth_day.alias("day"),
        parts.sex.alias("sex"),
        encoded_birth_date_text(parts).alias("text"),
    ).to_dicts()


def stdnum_person(value: str) -> dict[str, object]:
    """What stdnum says, dispatched like statut.domain.identifiers.parse_person_number."""
    compact = nn.compact(value)
    valid_nn, valid_bis = nn.is_valid(value), bis.is_valid(value)
    result: dict[str, object] = {"compact": compact, "valid": valid_nn or valid_bis, "is_bis": valid_bis}
    if valid_nn or valid_bis:
        module = bis if valid_bis else nn
        result["year"] = nn.get_birth_year(compact)
        result["month"] = nn.get_birth_month(compact)
        birth = nn.get_birth_date(compact)
        result["day"] = birth.day if birth else None
        result["sex"] = module.get_gender(compact)
    return result


def build_number(birth: date, counter: int, bis_offset: int, unknown: str) -> str:
    month = 0 if unknown in ("month", "all") else birth.month
    day = 0 if unknown in ("day", "month", "all") else birth.day
    first9 = f"{birth.year % 100:02d}{month + bis_offset:02d}{day:02d}{counter:03d}"
    if unknown == "all":
        first9 = "000001" + f"{counter:03d}"
    return first9 + national_number_check_digits(first9, birth.year >= 2000)


valid_like = st.builds(
    build_number,
    st.dates(date(1900, 1, 1), date(2024, 12, 31)),
    st.integers(0, 999),
    st.sampled_from([0, 0, 20, 40]),
    st.sampled_from(["", "", "", "day", "month", "all"]),
)
separators = st.sampled_from(["", "", "", "", " ", ".", "-", " - ", "\t", "\xa0", "–", "\u2009", "/", "\x1f"])


@st.composite
def noisy(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    digits = draw(base)
    # separators mostly empty: one list draw instead of a draw per character keeps the test quick
    gaps = draw(st.lists(separators, min_size=len(digits), max_size=len(digits)))
    out = "".join(c + gap for c, gap in zip(digits, gaps, strict=True))
    if draw(st.booleans()):
        out = draw(separators) + out
    if draw(st.booleans()):
        position = draw(st.integers(0, max(0, len(out) - 1)))
        out = out[:position] + draw(st.sampled_from(["x", "0", "9", "８", "", "B", " "])) + out[position + 1 :]
    return out


garbage = st.text(alphabet="0123456789 .-/\t\xa0–８BEbe()x\x1c", max_size=16)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(valid_like, noisy(valid_like), garbage), min_size=1, max_size=80))
@example(["85073003328", "85.07.30-033.28", "00000000000", "000001 001 53", "85270300140", "85470300136"])
@example(["12345678901", "850730033", "８５０７３００３３２８", " 85073003328 ", "85073003328\x1f"])
def test_person_number_matches_stdnum(values: list[str]) -> None:
    for value, ours in zip(values, ours_person(values), strict=True):
        reference = stdnum_person(value)
        assert ours["compact"] == reference["compact"], value
        assert ours["valid"] == reference["valid"], value
        if reference["valid"]:
            assert ours["is_bis"] == reference["is_bis"], value
            assert (ours["year"], ours["month"], ours["day"]) == (
                reference["year"],
                reference["month"],
                reference["day"],
            ), value
            assert ours["sex"] == reference["sex"], value


def test_unknown_parts_of_the_birth_date() -> None:
    numbers = [
        build_number(date(1985, 7, 30), 33, 0, ""),
        build_number(date(1985, 7, 30), 33, 0, "day"),
        build_number(date(1985, 7, 30), 33, 0, "month"),
        build_number(date(1985, 7, 30), 33, 0, "all"),
        build_number(date(2005, 6, 17), 2, 0, ""),
        build_number(date(1985, 7, 3), 1, 20, ""),
    ]
    texts = [row["text"] for row in ours_person(numbers)]
    assert texts == ["1985-07-30", "1985-07-??", "1985-??-??", "????-??-??", "2005-06-17", "1985-07-03"]
    sexes = [row["sex"] for row in ours_person(numbers)]
    assert sexes == ["M", "M", "M", "M", "F", None]  # a BIS number with month + 20 does not say


def ours_enterprise(values: list[str]) -> list[tuple[str, bool]]:
    frame = pl.DataFrame({"raw": values}, schema={"raw": pl.String})
    compact = compact_enterprise_number(pl.col("raw"))
    return frame.select(compact.alias("c"), enterprise_number_valid(compact).alias("v")).rows()


def enterprise_number(body: int) -> str:
    return f"{body:08d}{97 - body % 97:02d}"


valid_enterprise = st.integers(0, 19_999_999).map(enterprise_number)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(valid_enterprise, noisy(valid_enterprise), garbage, valid_enterprise.map(lambda n: "BE" + n[1:])),
        min_size=1,
        max_size=60,
    )
)
@example(["0403019261", "BE 0403.019.261", "403019261", "(0)403019261", "be0403019261", "2403019261", "0000000000"])
def test_enterprise_number_matches_stdnum(values: list[str]) -> None:
    for value, (compact, valid) in zip(values, ours_enterprise(values), strict=True):
        assert compact == vat.compact(value), value
        assert valid == vat.is_valid(value), value


def test_domain_parse_agrees_on_examples() -> None:
    from statut.domain.identifiers import is_valid_person_number

    values = ["85073003328", "85.07.30-033.28", "85270300140", "12345678901", "000001 001 53"]
    for value, ours in zip(values, ours_person(values), strict=True):
        try:
            expected = is_valid_person_number(value)
        except ValidationError:  # pragma: no cover - the domain never raises for these
            expected = False
        assert ours["valid"] == expected
