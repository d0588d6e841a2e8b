from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.be import bis as std_bis
from stdnum.be import nn as std_nn

from statut.domain.errors import InvalidIdentifier
from statut.domain.identifiers import (
    PersonNumberKind,
    Sex,
    format_enterprise_number,
    national_number_check_digits,
    parse_enterprise_number,
    parse_iban,
    parse_person_number,
)


def make_insz(birth: date, counter: int) -> str:
    first_nine = f"{birth:%y%m%d}{counter:03d}"
    return first_nine + national_number_check_digits(first_nine, birth.year >= 2000)


births = st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31))
counters = st.integers(min_value=1, max_value=997)


@given(births, counters)
def test_generated_insz_decodes_birth_date_and_sex(birth: date, counter: int) -> None:
    number = parse_person_number(make_insz(birth, counter))
    assert number.kind is PersonNumberKind.INSZ
    assert number.birth_date == birth
    assert number.sex is (Sex.MALE if counter % 2 else Sex.FEMALE)
    assert std_nn.is_valid(number.value)


@given(births, counters, st.sampled_from([20, 40]))
def test_bis_numbers_are_recognised(birth: date, counter: int, month_offset: int) -> None:
    first_nine = f"{birth:%y}{birth.month + month_offset:02d}{birth:%d}{counter:03d}"
    raw = first_nine + national_number_check_digits(first_nine, birth.year >= 2000)
    number = parse_person_number(raw)
    assert number.kind is PersonNumberKind.BIS
    assert number.birth_date == birth
    assert std_bis.is_valid(raw)
    assert number.sex is (None if month_offset == 20 else (Sex.MALE if counter % 2 else Sex.FEMALE))


@given(births, counters, st.integers(min_value=1, max_value=96))
def test_a_wrong_check_digit_is_refused(birth: date, counter: int, shift: int) -> None:
    good = make_insz(birth, counter)
    wrong = good[:9] + f"{(int(good[9:]) + shift) % 97 or 97:02d}"
    # The same nine digits are valid in the other century with the other check digits: skip those.
    valid_checks = {national_number_check_digits(good[:9], century) for century in (False, True)}
    if wrong[9:] in valid_checks:
        return
    with pytest.raises(InvalidIdentifier) as info:
        parse_person_number(wrong)
    assert info.value.field == "national_number"
    assert wrong in str(info.value)


def test_separators_are_accepted_and_normalised() -> None:
    assert parse_person_number("85.07.30-033.28").value == "85073003328"
    assert parse_person_number("85.07.30-033.28").formatted == "85.07.30-033.28"


@pytest.mark.parametrize("raw", ["", "abc", "8507300332", "850730033289", "85133003328", "85²73003328"])
def test_malformed_national_numbers_name_the_field(raw: str) -> None:
    with pytest.raises(InvalidIdentifier, match="national_number"):
        parse_person_number(raw)


def test_enterprise_number() -> None:
    assert parse_enterprise_number("0403.170.701") == "0403170701"
    assert format_enterprise_number("0403170701") == "0403.170.701"
    with pytest.raises(InvalidIdentifier, match="enterprise_number"):
        parse_enterprise_number("0403170702")


def test_iban() -> None:
    assert parse_iban("BE71 0961 2345 6769") == "BE71096123456769"
    with pytest.raises(InvalidIdentifier, match="iban"):
        parse_iban("BE71 0961 2345 6768")
