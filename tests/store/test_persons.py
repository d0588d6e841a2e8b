"""People round-trip through the store: stable ids, national numbers with their history, civil data."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from statut.domain.entities import Language
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import PersonNumberKind, Sex
from statut.store import tables as t
from statut.store.unit_of_work import UnitOfWork
from tests.factories import make_person, person_number


def test_a_person_round_trips(uow: UnitOfWork) -> None:
    person = make_person(sex=Sex.MALE, language=Language.NL, last_name="Janssens", first_name="Jan", postal_code="2000")
    change = uow.record_change(actor="test", reason="register a person")
    person_id = uow.persons.add(person, change)
    assert uow.persons.get(person_id) == person
    assert uow.persons.find_id(person.number.value) == person_id
    assert uow.persons.require_id(person.number.value) == person_id
    history = uow.persons.history(person_id)
    assert [version.value for version in history] == [person]
    assert history[0].valid_from == person.birth_date
    assert history[0].valid_to is None
    assert history[0].recorded_at == change.recorded_at
    assert history[0].change_id == change.change_id


def test_a_person_without_address_or_with_a_death_date_round_trips(uow: UnitOfWork) -> None:
    person = make_person(postal_code=None, birth_date=date(1940, 2, 29), death_date=date(2020, 3, 1))
    person_id = uow.persons.add(person, uow.record_change(actor="test", reason="register"))
    assert uow.persons.get(person_id) == person


def test_a_number_identifies_one_person_only(uow: UnitOfWork) -> None:
    person = make_person()
    change = uow.record_change(actor="test", reason="register")
    uow.persons.add(person, change)
    with pytest.raises(Conflict, match=person.number.value):
        uow.persons.add(make_person(number=person.number, birth_date=person.birth_date), change)


def test_a_bis_number_then_an_insz_number_keeps_one_person(uow: UnitOfWork) -> None:
    born = date(1985, 7, 30)
    bis = person_number(born, Sex.MALE, counter=17, bis=True)
    insz = person_number(born, Sex.MALE, counter=17)
    assert bis.kind is PersonNumberKind.BIS
    assert insz.kind is PersonNumberKind.INSZ
    person = make_person(number=bis, birth_date=born, sex=Sex.MALE)
    first = uow.record_change(actor="test", reason="register with a BIS number")
    person_id = uow.persons.add(person, first)
    second = uow.record_change(actor="test", reason="entered the National Register")
    uow.persons.add_identifier(person_id, insz, second)
    assert uow.persons.find_id(bis.value) == uow.persons.find_id(insz.value) == person_id
    assert uow.persons.number(person_id) == insz  # the INSZ is preferred
    uow.persons.retire_identifier(person_id, bis.value, uow.record_change(actor="test", reason="BIS closed"))
    assert uow.persons.find_id(bis.value) is None
    assert uow.persons.find_id(bis.value, include_retired=True) == person_id
    assert [identifier.value for identifier in uow.persons.identifiers(person_id, include_retired=True)] == [bis, insz]
    assert uow.persons.number(person_id, known=first.recorded_at) == bis  # what the register knew then
    with pytest.raises(Conflict, match="only number"):
        uow.persons.retire_identifier(person_id, insz.value, uow.record_change(actor="test", reason="oops"))


def test_unknown_people_are_none_or_not_found(uow: UnitOfWork) -> None:
    assert uow.persons.get(999_999) is None
    assert uow.persons.find_id("85073003328") is None
    with pytest.raises(NotFound, match="national_number"):
        uow.persons.require_id("85073003328")
    with pytest.raises(NotFound):
        uow.persons.get_or_raise(999_999)


def test_a_person_born_in_the_future_is_refused_and_nothing_is_written(uow: UnitOfWork) -> None:
    change = uow.record_change(actor="test", reason="register")
    # No valid number encodes a future birth date (stdnum only accepts a 2000s checksum up to this
    # year), so the number says 1930: the date in the future is the first thing refused.
    number = person_number(date(1930, 1, 1), Sex.FEMALE)
    with pytest.raises(DomainValidationError, match="birth_date: is in the future") as caught:
        uow.persons.add(make_person(birth_date=date(2030, 1, 1), number=number), change)
    assert caught.value.field == "birth_date"
    assert uow.connection.execute(select(func.count()).select_from(t.person)).scalar_one() == 0


def test_a_birth_date_contradicting_the_number_is_refused(uow: UnitOfWork) -> None:
    person = make_person(birth_date=date(1980, 1, 2), number=person_number(date(1980, 1, 3), Sex.FEMALE))
    with pytest.raises(DomainValidationError, match="birth_date: contradicts the national number"):
        uow.persons.add(person, uow.record_change(actor="test", reason="register"))
