"""A small register for the letter and fund-agent tests, written through the repositories.

``member`` is affiliated to F101 since 2015 with incomes (2020 for the provisional contributions of
2023, 2023 definitive for its regularisation), the four quarters of 2023, career quarters and a birth
in 2023 (maternity aid); ``other`` is a member of F102 only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from statut.access.identity import Actor, Role
from statut.domain.calendar import Quarter
from statut.domain.entities import (
    CareerQuarter,
    CareerQuarterReason,
    ContributionStatus,
    IncomeSource,
    IncomeStatus,
    Language,
    LifeEventType,
    Person,
)
from statut.domain.identifiers import Sex
from statut.store.unit_of_work import UnitOfWork
from tests.factories import make_affiliation, make_contribution, make_income, make_life_event, make_person

F1, F2 = "F101", "F102"
AGENT_F1 = Actor(subject="agent-1", role=Role.FUND_AGENT, name="Agent One", fund_code=F1)
AGENT_F2 = Actor(subject="agent-2", role=Role.FUND_AGENT, name="Agent Two", fund_code=F2)
INSTITUTION = Actor(subject="inasti-1", role=Role.INSTITUTION_AGENT)
ANALYST = Actor(subject="analyst-1", role=Role.ANALYST)


@dataclass
class LetterWorld:
    member: Person
    other: Person
    member_id: int
    other_id: int


def build_world(
    uow: UnitOfWork, *, last_name: str = "Peeters", first_name: str = "Émilie", language: Language = Language.FR
) -> LetterWorld:
    member = make_person(
        birth_date=date(1981, 2, 3), sex=Sex.FEMALE, last_name=last_name, first_name=first_name, language=language
    )
    other = make_person(birth_date=date(1979, 9, 9), sex=Sex.MALE, last_name="Peeters", first_name="Bob")
    change = uow.record_change(actor="tests", reason="letter world")
    member_id = uow.persons.add(member, change)
    other_id = uow.persons.add(other, change)
    uow.affiliations.add(make_affiliation(member, fund=F1, start=date(2015, 1, 1)), change)
    uow.affiliations.add(make_affiliation(other, fund=F2, start=date(2016, 1, 1)), change)
    uow.incomes.add(make_income(member, year=2020, amount="30000.00"), change)
    uow.incomes.add(make_income(member, year=2023, amount="42000.00"), change)
    uow.incomes.add(
        make_income(
            member, year=2024, amount="38000.00", source=IncomeSource.ESTIMATE, status=IncomeStatus.PROVISIONAL
        ),
        change,
    )
    for number in range(1, 5):
        paid = "1781.51" if number < 4 else "500.00"
        status = ContributionStatus.PAID if number < 4 else ContributionStatus.PARTIAL
        uow.contributions.add(
            make_contribution(member, quarter=Quarter(2023, number), fund=F1, due="1781.51", paid=paid, status=status),
            change,
        )
    uow.careers.replace_for_person(
        member_id,
        [CareerQuarter(member.number.value, Quarter(2023, n), True, CareerQuarterReason.PAID) for n in range(1, 5)],
        change,
    )
    uow.life_events.add(make_life_event(member, event_type=LifeEventType.BIRTH, day=date(2023, 6, 1)), change)
    return LetterWorld(member, other, member_id, other_id)
