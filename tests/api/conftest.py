"""An API world: a small register written through the repositories, an application serving it on
the test database (SQLite and PostgreSQL), and tokens for every role from the development issuer.

The world is built once per module and backend (HTTP requests commit for real, so the usual
rolled-back transaction cannot hold them); its tables are emptied when the module is done.

People (funds F101 and F102):

- ``alice``: member of F101 since 2015, incomes, contributions, a child born in 2023; she gave the
  accountant a mandate on identity and contributions;
- ``bob``: member of F102;
- ``carol``: member of F101 from 2010 to 2020, of F102 since; F102 sees her F101 history, F101 does not
  see her any more;
- ``dave``: former member of F101 (ended 2019), member of no fund now;
- ``accountant``: a citizen who is not in the register.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from statut.access.identity import Role
from statut.access.rate_limit import Limit, RateLimiter
from statut.api.app import create_app
from statut.domain.calendar import Quarter
from statut.domain.entities import CareerQuarter, CareerQuarterReason, ContributionStatus, LifeEventType, Person
from statut.domain.identifiers import Sex
from statut.settings import Settings
from statut.store.mandates import MandateRecord
from statut.store.unit_of_work import UnitOfWork
from tests.conftest import RegisterDatabase, _reset
from tests.factories import (
    make_affiliation,
    make_contribution,
    make_income,
    make_life_event,
    make_person,
    national_number,
)

F1, F2 = "F101", "F102"
ACCOUNTANT = national_number(date(1979, 4, 12), Sex.MALE, counter=109)
STRANGER = national_number(date(1990, 1, 1), Sex.FEMALE, counter=77)


@dataclass
class World:
    client: TestClient
    backend: str
    people: dict[str, Person]
    mandate_id: str
    tokens: dict[str, str] = field(default_factory=dict)

    def number(self, name: str) -> str:
        return self.people[name].number.value

    def headers(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}", **extra}

    def token(self, claims: dict[str, Any], **options: Any) -> str:
        return self.client.app.state.access.dev_issuer.issue(claims, **options)  # type: ignore[attr-defined]


def _populate(engine: Any) -> tuple[dict[str, Person], str]:
    people = {
        "alice": make_person(birth_date=date(1975, 3, 14), sex=Sex.FEMALE, last_name="Aerts", first_name="Alice"),
        "bob": make_person(birth_date=date(1980, 7, 2), sex=Sex.MALE, last_name="Bosmans", first_name="Bob"),
        "carol": make_person(birth_date=date(1968, 11, 30), sex=Sex.FEMALE, last_name="Claes", first_name="Carol"),
        "dave": make_person(birth_date=date(1959, 1, 5), sex=Sex.MALE, last_name="Aelbrecht", first_name="Dave"),
    }
    with UnitOfWork(engine) as uow:
        change = uow.record_change(actor="tests", reason="API world")
        for person in people.values():
            uow.persons.add(person, change)
        alice = people["alice"]
        uow.affiliations.add(make_affiliation(alice, fund=F1, start=date(2015, 1, 1)), change)
        uow.affiliations.add(make_affiliation(people["bob"], fund=F2, start=date(2018, 1, 1)), change)
        uow.affiliations.add(
            make_affiliation(people["carol"], fund=F1, start=date(2010, 1, 1), end=date(2020, 1, 1)), change
        )
        uow.affiliations.add(make_affiliation(people["carol"], fund=F2, start=date(2020, 1, 1)), change)
        uow.affiliations.add(
            make_affiliation(people["dave"], fund=F1, start=date(2005, 1, 1), end=date(2019, 1, 1)), change
        )
        uow.incomes.add(make_income(alice, year=2023, amount="42000.00"), change)
        for number in range(1, 5):
            uow.contributions.add(
                make_contribution(
                    alice,
                    quarter=Quarter(2023, number),
                    fund=F1,
                    due="871.71",
                    paid="871.71",
                    status=ContributionStatus.PAID,
                ),
                change,
            )
        person_id = uow.persons.require_id(alice.number.value)
        uow.careers.replace_for_person(
            person_id,
            [CareerQuarter(alice.number.value, Quarter(2023, n), True, CareerQuarterReason.PAID) for n in range(1, 5)],
            change,
        )
        uow.life_events.add(make_life_event(alice, event_type=LifeEventType.BIRTH, day=date(2023, 6, 1)), change)
        mandate = uow.mandates.add(
            MandateRecord(
                mandate_id="",
                version_id=0,
                person_id=person_id,
                mandatary_number=ACCOUNTANT,
                mandatary_name="Acme Accounting",
                relationship="accountant",
                scopes=("contributions", "identity"),
                valid_from=date(2020, 1, 1),
                valid_to=None,
                status="active",
                channel="online",
                registered_by="tests",
            ),
            change,
        )
        uow.commit()
    return people, mandate.mandate_id


ROLES = (
    "alice",
    "bob",
    "accountant",
    "stranger",
    "agent_f1",
    "agent_f2",
    "system_f1",
    "system_f2",
    "institution",
    "analyst",
)


def role_claims(world_people: dict[str, Person]) -> dict[str, dict[str, Any]]:
    citizen = Role.CITIZEN.value
    return {
        "alice": {"sub": "alice", "statut_role": citizen, "national_number": world_people["alice"].number.value},
        "bob": {"sub": "bob", "statut_role": citizen, "national_number": world_people["bob"].number.value},
        "accountant": {"sub": "acc", "statut_role": citizen, "national_number": ACCOUNTANT},
        "stranger": {"sub": "stranger", "statut_role": citizen, "national_number": STRANGER},
        "agent_f1": {"sub": "agent1", "statut_role": Role.FUND_AGENT.value, "fund": F1},
        "agent_f2": {"sub": "agent2", "statut_role": Role.FUND_AGENT.value, "fund": F2},
        "system_f1": {
            "sub": "client:fund-F101",
            "statut_role": Role.FUND_SYSTEM.value,
            "fund": F1,
            "client_id": "fund-F101",
        },
        "system_f2": {
            "sub": "client:fund-F102",
            "statut_role": Role.FUND_SYSTEM.value,
            "fund": F2,
            "client_id": "fund-F102",
        },
        "institution": {"sub": "inasti1", "statut_role": Role.INSTITUTION_AGENT.value},
        "analyst": {"sub": "analyst1", "statut_role": Role.ANALYST.value},
    }


@pytest.fixture(scope="module")
def world(database: RegisterDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    _reset(database.engine)
    people, mandate_id = _populate(database.engine)
    data_dir: Path = tmp_path_factory.mktemp("data")
    app = create_app(Settings(database_url=database.url, data_dir=data_dir))
    # Generous limits for the shared world; test_abuse.py checks the real ones on fresh applications.
    app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            world = World(client, database.backend, people, mandate_id)
            world.tokens = {name: world.token(claims) for name, claims in role_claims(people).items()}
            yield world
    finally:
        _reset(database.engine)
