"""Generated identifiers are valid by python-stdnum and by the domain's own parsers."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import bis as std_bis
from stdnum.be import nn as std_nn
from stdnum.be import vat as std_vat

from statut.domain.identifiers import (
    PersonNumberKind,
    Sex,
    national_number_check_digits,
    parse_enterprise_number,
    parse_person_number,
)
from statut.synth.dates import day_number
from statut.synth.identifiers import (
    COUNTER_SLOTS,
    PHANTOM_FIRST_SLOT,
    as_text,
    assign_counter_slots,
    check_digits_for,
    enterprise_number_values,
    national_number_values,
    phantom_slots,
    valid_check_digit_pair,
)

birth_dates = st.dates(min_value=date(1920, 1, 1), max_value=date(2025, 12, 31))


@settings(max_examples=300, deadline=None)
@given(birth=birth_dates, male=st.booleans(), slot=st.integers(0, COUNTER_SLOTS - 1), bis=st.booleans())
def test_generated_national_numbers_round_trip_through_the_domain_parser(
    birth: date, male: bool, slot: int, bis: bool
) -> None:
    value = national_number_values(np.array([day_number(birth)]), np.array([male]), np.array([slot]), np.array([bis]))
    text = as_text("n", value, 11)[0]
    parsed = parse_person_number(text)
    assert parsed.value == text
    assert parsed.kind is (PersonNumberKind.BIS if bis else PersonNumberKind.INSZ)
    assert parsed.birth_date == birth
    assert parsed.sex is (Sex.MALE if male else Sex.FEMALE)
    assert (std_bis if bis else std_nn).is_valid(text)


@settings(max_examples=200, deadline=None)
@given(nine=st.integers(0, 999_999_999), born_2000=st.booleans())
def test_column_check_digits_equal_the_domain_helper(nine: int, born_2000: bool) -> None:
    ours = check_digits_for(np.array([nine]), np.array([born_2000]))[0]
    assert f"{ours:02d}" == national_number_check_digits(f"{nine:09d}", born_2000)


def test_valid_check_pair_holds_both_centuries() -> None:
    number = national_number_values(
        np.array([day_number(date(2003, 5, 17))]), np.array([True]), np.array([4]), np.array([False])
    )
    first, second = valid_check_digit_pair(number)
    assert number[0] % 100 == second[0]
    assert first[0] != second[0]


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 7_999_999), one_series=st.booleans())
def test_enterprise_numbers_are_valid(index: int, one_series: bool) -> None:
    text = as_text("e", enterprise_number_values(np.array([index]), np.array([one_series])), 10)[0]
    assert std_vat.is_valid(text)
    assert parse_enterprise_number(text) == text
    assert text[0] == ("1" if one_series else "0")


def test_enterprise_numbers_are_unique_per_index() -> None:
    index = np.arange(200_000)
    for series in (False, True):
        numbers = enterprise_number_values(index, np.full(index.shape[0], series))
        assert np.unique(numbers).shape[0] == index.shape[0]


def test_counter_slots_are_unique_within_date_and_sex_and_below_the_phantom_range() -> None:
    rng = np.random.default_rng(1)
    days = rng.integers(0, 30, 5_000)
    male = rng.random(5_000) < 0.5
    bis = rng.random(5_000) < 0.1
    slots = assign_counter_slots(days, male, bis, rng.permutation(5_000))
    numbers = national_number_values(days, male, slots, bis)
    assert np.unique(numbers).shape[0] == 5_000
    assert slots.max() < PHANTOM_FIRST_SLOT
    phantom = phantom_slots(slots)
    assert phantom.min() >= PHANTOM_FIRST_SLOT
    assert phantom.max() < COUNTER_SLOTS
    phantom_numbers = national_number_values(days, male, phantom, bis)
    assert not set(phantom_numbers.tolist()) & set(numbers.tolist())
