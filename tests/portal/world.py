"""A small register for the portal's tests (TestClient and browser), written through the repositories
and the decision service, so the pages show real computations and a real proposal.

People:

- ``sofie``: the first person of the register, so the development issuer's "self-employed" persona
  is her. Member of F101 since 2016 (main occupation), definitive incomes 2023 and 2024 from the tax
  authority, contributions 2023 to 2025 (the last quarters not yet due), career quarters since
  2016, and a child born 60 days ago: the National Register's birth made a maternity-aid proposal
  (``services.decisions.propose_maternity_aid`` on the life event's own outbox event).
- ``marc``: member of F102; his first name is hostile markup, to check escaping everywhere.
- ``lena``: member of F101 who gave nobody a mandate (for "change the id in the URL" tests).
- the accountant persona (``statut.access.dev_issuer.ACCOUNTANT_NUMBER``) is not in the register;
  signing in as that persona creates its demo mandate from sofie.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from statut.domain.calendar import Quarter
from statut.domain.entities import CareerQuarter, CareerQuarterReason, ContributionStatus, LifeEventType, Person
from statut.domain.identifiers import Sex
from statut.services.decisions import propose_maternity_aid
from statut.store.unit_of_work import UnitOfWork
from tests.factories import make_affiliation, make_contribution, make_income, make_life_event, make_person

HOSTILE = '<script>alert("x")</script>'
LIFE_EVENT = "be.statut.life_event.recorded"


@dataclass(frozen=True)
class PortalWorld:
    people: dict[str, Person]
    maternity_decision_id: int
    birth: date

    def number(self, name: str) -> str:
        return self.people[name].number.value


def populate(engine: Engine, today: date | None = None) -> PortalWorld:
    today = today or date.today()
    birth = today - timedelta(days=60)
    people = {
        "sofie": make_person(
            birth_date=date(1988, 4, 21), sex=Sex.FEMALE, last_name="Janssens", first_name="Sofie", postal_code="9000"
        ),
        "marc": make_person(birth_date=date(1979, 9, 3), sex=Sex.MALE, last_name="Dubois", first_name=HOSTILE),
        "lena": make_person(birth_date=date(1991, 2, 11), sex=Sex.FEMALE, last_name="Schmitz", first_name="Lena"),
    }
    with UnitOfWork(engine) as uow:
        change = uow.record_change(actor="tests", reason="portal world")
        for person in people.values():
            uow.persons.add(person, change)
        sofie = people["sofie"]
        uow.affiliations.add(make_affiliation(sofie, fund="F101", start=date(2016, 1, 1)), change)
        uow.affiliations.add(make_affiliation(people["marc"], fund="F102", start=date(2012, 1, 1)), change)
        uow.affiliations.add(make_affiliation(people["lena"], fund="F101", start=date(2019, 1, 1)), change)
        for year, amount in ((2023, "38000.00"), (2024, "45500.00")):
            uow.incomes.add(make_income(sofie, year=year, amount=amount), change)
        for year in (2023, 2024, 2025):
            for number in range(1, 5):
                quarter = Quarter(year, number)
                done = quarter.start < date(today.year, 1, 1)
                uow.contributions.add(
                    make_contribution(
                        sofie,
                        quarter=quarter,
                        fund="F101",
                        due="820.00",
                        paid="820.00" if done else "0.00",
                        status=ContributionStatus.PAID if done else ContributionStatus.DUE,
                    ),
                    change,
                )
        person_id = uow.persons.require_id(sofie.number.value)
        uow.careers.replace_for_person(
            person_id,
            [
                CareerQuarter(sofie.number.value, Quarter(year, n), True, CareerQuarterReason.PAID)
                for year in range(2016, 2025)
                for n in range(1, 5)
            ],
            change,
        )
        uow.life_events.add(make_life_event(sofie, event_type=LifeEventType.BIRTH, day=birth), change)
        event = next(e for e in uow.outbox.for_subject(f"person/{person_id}") if e.event_type == LIFE_EVENT)
        decision = propose_maternity_aid(uow, event, person_id, birth, {})
        uow.commit()
    assert decision.status == "proposed", decision
    assert decision.decision_id is not None
    return PortalWorld(people, decision.decision_id, birth)
