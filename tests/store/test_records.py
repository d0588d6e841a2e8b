"""Affiliations, incomes, contributions, payments, careers, life events, enterprises and funds
round-trip exactly (amounts to the cent) on both databases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from statut.domain.calendar import Quarter
from statut.domain.entities import (
    Capacity,
    CareerQuarter,
    CareerQuarterReason,
    ContributionStatus,
    Enterprise,
    IncomeSource,
    IncomeStatus,
    LifeEventType,
)
from statut.domain.errors import Conflict, DomainValidationError, NotFound
from statut.domain.identifiers import Sex
from statut.reference import default_funds
from statut.store.unit_of_work import UnitOfWork
from tests.factories import (
    make_affiliation,
    make_contribution,
    make_income,
    make_life_event,
    make_payment,
    make_person,
    national_number,
)

ENTERPRISE = "0403170701"  # a valid KBO/BCE number (mod 97)


@pytest.fixture
def registered(uow: UnitOfWork) -> tuple[int, object]:
    person = make_person()
    person_id = uow.persons.add(person, uow.record_change(actor="test", reason="register"))
    return person_id, person


def test_the_reference_funds_are_seeded(uow: UnitOfWork) -> None:
    assert uow.funds.all() == sorted(default_funds(), key=lambda fund: fund.code)
    assert uow.funds.require("CNA").is_auxiliary
    with pytest.raises(DomainValidationError, match="fund: unknown fund") as caught:
        uow.funds.require("F999")
    assert caught.value.value == "F999"


def test_affiliations_round_trip_and_refuse_overlaps(uow: UnitOfWork, registered: tuple[int, object]) -> None:
    person_id, person = registered
    change = uow.record_change(actor="test", reason="affiliations")
    first = make_affiliation(
        person,
        fund="F101",
        start=date(2015, 1, 1),
        end=date(2020, 1, 1),
        company_director=True,
        enterprise_number="BE 0403.170.701",  # type: ignore[arg-type]
    )
    second = make_affiliation(person, fund="F102", capacity=Capacity.COMPLEMENTARY, start=date(2020, 1, 1))  # type: ignore[arg-type]
    first_id = uow.affiliations.add(first, change)
    uow.affiliations.add(second, change)
    found = [version.value for version in uow.affiliations.for_person(person_id)]
    assert found[0].enterprise_number == ENTERPRISE
    assert found == [
        make_affiliation(
            person,
            fund="F101",
            start=date(2015, 1, 1),
            end=date(2020, 1, 1),
            company_director=True,
            enterprise_number=ENTERPRISE,
        ),  # type: ignore[arg-type]
        second,
    ]
    assert [
        version.value.fund_code for version in uow.affiliations.for_person(person_id, valid_on=date(2019, 12, 31))
    ] == ["F101"]
    with pytest.raises(DomainValidationError, match="overlaps affiliation") as caught:
        uow.affiliations.add(
            make_affiliation(person, fund="F103", start=date(2019, 6, 1), end=date(2019, 9, 1)), change
        )  # type: ignore[arg-type]
    assert caught.value.code == "statut.invalid.overlap"
    with pytest.raises(DomainValidationError, match="fund: unknown fund"):
        uow.affiliations.add(make_affiliation(person, fund="F999", start=date(2030, 1, 1)), change)  # type: ignore[arg-type]
    uow.affiliations.retract(first_id, uow.record_change(actor="test", reason="recorded by mistake"))
    assert [version.value.fund_code for version in uow.affiliations.for_person(person_id)] == ["F102"]
    assert uow.affiliations.get(first_id) is None
    with pytest.raises(NotFound):
        uow.affiliations.end(first_id, date(2021, 1, 1), change)


def test_incomes_are_exact_to_the_cent(uow: UnitOfWork, registered: tuple[int, object]) -> None:
    person_id, person = registered
    change = uow.record_change(actor="test", reason="incomes")
    amounts = ["0.01", "16409.20", "104422.24", "9999999999.99"]
    for year, amount in enumerate(amounts, start=2020):
        uow.incomes.add(make_income(person, year=year, amount=amount), change)  # type: ignore[arg-type]
    uow.incomes.add(
        make_income(
            person, year=2023, amount="80000.00", source=IncomeSource.ESTIMATE, status=IncomeStatus.PROVISIONAL
        ),  # type: ignore[arg-type]
        change,
    )
    found = uow.incomes.for_person(person_id)
    assert [
        str(version.value.amount) for version in found if version.value.source is IncomeSource.TAX_AUTHORITY
    ] == amounts
    assert len(found) == 5
    with pytest.raises(Conflict, match="already holds"):
        uow.incomes.add(make_income(person, year=2020), change)  # type: ignore[arg-type]
    uow.incomes.retract(person.number.value, 2020, IncomeSource.TAX_AUTHORITY, change)  # type: ignore[attr-defined]
    assert len(uow.incomes.for_person(person_id)) == 4


def test_contributions_payments_and_careers_round_trip(uow: UnitOfWork, registered: tuple[int, object]) -> None:
    person_id, person = registered
    change = uow.record_change(actor="test", reason="contributions")
    contribution = make_contribution(
        person, quarter=Quarter(2024, 2), due="898.30", paid="449.15", status=ContributionStatus.PARTIAL
    )  # type: ignore[arg-type]
    uow.contributions.add(contribution, change)
    assert [version.value for version in uow.contributions.for_person(person_id)] == [contribution]
    assert uow.contributions.totals_for_quarter(Quarter(2024, 2), fund_code="F101") == (1, 89830, 44915)
    with pytest.raises(Conflict):
        uow.contributions.add(contribution, change)
    payment = make_payment(person, amount="449.15", day=date(2024, 5, 10), quarter=Quarter(2024, 2))  # type: ignore[arg-type]
    unallocated = make_payment(person, amount="10.00", quarter=None)  # type: ignore[arg-type]
    payment_id = uow.payments.add(payment, change)
    uow.payments.add(unallocated, change)
    assert [version.value for version in uow.payments.for_person(person_id)] == [unallocated, payment]  # by date
    uow.payments.retract(payment_id, change)
    assert [version.value for version in uow.payments.for_person(person_id)] == [unallocated]
    career = [
        CareerQuarter(person.number.value, Quarter(2024, 1), True, CareerQuarterReason.PAID),  # type: ignore[attr-defined]
        CareerQuarter(person.number.value, Quarter(2024, 2), False, CareerQuarterReason.UNPAID),  # type: ignore[attr-defined]
    ]
    uow.careers.replace_for_person(person_id, career, change)
    assert [version.value for version in uow.careers.for_person(person_id)] == career
    assert uow.careers.counting_quarters(person_id) == 1
    recomputed = uow.careers.replace_for_person(
        person_id, career[:1], uow.record_change(actor="rules", reason="recomputed")
    )
    assert len(recomputed.superseded) == 2
    assert len(recomputed.inserted) == 1
    assert len(uow.careers.for_person(person_id, known_at=change.recorded_at)) == 2


def test_life_events_keep_the_child_number_in_its_column(uow: UnitOfWork, registered: tuple[int, object]) -> None:
    person_id, person = registered
    child = national_number(date(2023, 6, 1), Sex.MALE, counter=3)
    event = make_life_event(person, child=child)  # type: ignore[arg-type]
    moved = make_life_event(person, event_type=LifeEventType.ADDRESS_CHANGE, day=date(2024, 1, 1))  # type: ignore[arg-type]
    change = uow.record_change(actor="test", reason="events")
    event_id = uow.life_events.add(event, change)
    uow.life_events.add(moved, change)
    assert [version.value for version in uow.life_events.for_person(person_id)] == [event, moved]
    uow.life_events.retract(event_id, change)
    assert uow.life_events.count() == 1


def test_enterprises_are_versioned(uow: UnitOfWork) -> None:
    first = uow.record_change(actor="kbo feed", reason="new enterprise")
    uow.enterprises.add(Enterprise(number="0403.170.701", name="Atelier Dupont", start_date=date(2010, 1, 1)), first)
    second = uow.record_change(actor="kbo feed", reason="bankruptcy")
    write = uow.enterprises.correct(
        Enterprise(
            number=ENTERPRISE,
            name="Atelier Dupont",
            start_date=date(2010, 1, 1),
            end_date=date(2024, 3, 1),
            status="bankrupt",
        ),
        second,
    )
    assert uow.enterprises.get(ENTERPRISE).status == "bankrupt"  # type: ignore[union-attr]
    assert [version.value.status for version in uow.enterprises.history(ENTERPRISE)] == ["active", "bankrupt"]
    assert write.changed_fields == ("end_date", "status")
    with pytest.raises(Conflict):
        uow.enterprises.add(Enterprise(number=ENTERPRISE, name="Other"), second)
    with pytest.raises(DomainValidationError, match="enterprise_number"):
        uow.enterprises.add(Enterprise(number="0403170702", name="Bad check digits"), second)


def test_amounts_with_more_than_two_decimals_never_reach_the_store(registered: tuple[int, object]) -> None:
    _, person = registered
    with pytest.raises(DomainValidationError, match="amount: more than two decimals") as caught:
        make_income(person, amount="100.001")  # type: ignore[arg-type]
    assert caught.value.field == "amount"
    assert caught.value.value == Decimal("100.001")
    assert Decimal("0.10") == make_contribution(person, due="0.1").due  # type: ignore[arg-type]
