"""An application on the test database for the fund-agent, institution and letter pages, and a
small browser-like client: it keeps cookies, reads the CSRF token from the page it got, and signs in
as a persona of the development issuer (POST /login, as the landing page does).

The register: tests/portal/letters_world.py (a member of F101 with contributions, a regularisable
year and a birth; a member of F102), written once per module; the tables are emptied afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from statut.access.rate_limit import Limit, RateLimiter
from statut.api.app import create_app
from statut.services.quality import scan_register
from statut.services.register import load_population
from statut.settings import Settings
from statut.store.unit_of_work import UnitOfWork
from tests.conftest import RegisterDatabase, _reset
from tests.factories import population_frames
from tests.portal.letters_world import LetterWorld, build_world

FIRST_SCAN = date(2000, 1, 1)
SECOND_SCAN = date(2025, 3, 1)
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Visitor:
    """One browser: its own cookies (session, CSRF nonce, language)."""

    client: TestClient

    def token(self, path: str = "/") -> str:
        page = self.client.get(path)
        found = TOKEN.search(page.text)
        assert found, f"no CSRF token on {path} ({page.status_code})"
        return found.group(1)

    def sign_in(self, persona: str) -> None:
        response = self.client.post(
            "/login", data={"persona": persona, "csrf_token": self.token()}, follow_redirects=False
        )
        assert response.status_code == 303, response.text[:500]

    def post(self, path: str, data: dict[str, Any], *, token_from: str = "/", **options: Any) -> Any:
        return self.client.post(path, data={**data, "csrf_token": self.token(token_from)}, **options)


@dataclass
class AgentWorld:
    app: Any
    world: LetterWorld
    backend: str

    def visitor(self, persona: str | None = None, *, lang: str = "en") -> Visitor:
        # Not entered: the module's client runs the application's lifespan once, for every visitor.
        client = TestClient(self.app, raise_server_exceptions=False, headers={"Accept-Language": lang})
        visitor = Visitor(client)
        if persona is not None:
            visitor.sign_in(persona)
        return visitor


@pytest.fixture(scope="module")
def agent_world(database: RegisterDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentWorld]:
    _reset(database.engine)
    with UnitOfWork(database.engine) as uow:
        world = build_world(uow)
        uow.commit()
    data_dir: Path = tmp_path_factory.mktemp("portal-data")
    app = create_app(Settings(database_url=database.url, data_dir=data_dir))
    try:
        with TestClient(app, raise_server_exceptions=False):
            app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
            yield AgentWorld(app, world, database.backend)
    finally:
        _reset(database.engine)


@dataclass
class QualityWorld:
    app: Any
    backend: str

    def visitor(self, persona: str | None = None, *, lang: str = "en") -> Visitor:
        # Not entered: the module's client runs the application's lifespan once, for every visitor.
        client = TestClient(self.app, raise_server_exceptions=False, headers={"Accept-Language": lang})
        visitor = Visitor(client)
        if persona is not None:
            visitor.sign_in(persona)
        return visitor


def load_and_scan(engine: Any) -> None:
    """A register of 60 people loaded by the register service, scanned twice by the quality service:
    first judged against 2000-01-01 (later dates are "in the future": accuracy findings), then
    against 2025-03-01; the scans store the snapshots and open the findings, as in production."""
    with UnitOfWork(engine) as uow:
        load_population(
            uow, population_frames(60, seed=7), actor="tests", reason="load", source="factories", today=FIRST_SCAN
        )
        uow.commit()
    for day in (FIRST_SCAN, SECOND_SCAN):
        with UnitOfWork(engine) as uow:
            scan_register(uow, today=day, actor="tests")
            uow.commit()


@pytest.fixture(scope="module")
def quality_world(database: RegisterDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[QualityWorld]:
    _reset(database.engine)
    load_and_scan(database.engine)
    app = create_app(Settings(database_url=database.url, data_dir=tmp_path_factory.mktemp("portal-data")))
    try:
        with TestClient(app, raise_server_exceptions=False):
            app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
            yield QualityWorld(app, database.backend)
    finally:
        _reset(database.engine)
