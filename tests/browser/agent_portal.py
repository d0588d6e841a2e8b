"""A live server for the fund agent's and the institution's journeys, on its own SQLite register:
the letter world (a member of F101 with contributions, a regularisable year and a birth; a member of
F102), a population of 60 loaded by the register service and two quality scans by the quality
service (snapshots for the dashboard, findings for the agent). Separate from the person pages'
portal so that neither suite's data changes the other's pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.portal.letters_world import LetterWorld


@dataclass
class AgentPortal:
    url: str
    world: LetterWorld
    app: Any


@pytest.fixture(scope="module")
def agent_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentPortal]:
    from statut.access.rate_limit import Limit, RateLimiter
    from statut.api.app import create_app
    from statut.services.database import prepare_database
    from statut.settings import Settings
    from statut.store.engine import build_engine
    from statut.store.unit_of_work import UnitOfWork
    from tests.browser.conftest import LiveServer
    from tests.portal.agent_world import load_and_scan
    from tests.portal.letters_world import build_world

    work: Path = tmp_path_factory.mktemp("agent-portal")
    settings = Settings(database_url=f"sqlite:///{work / 'statut.db'}", data_dir=work / "var")
    engine = build_engine(settings.database_url)
    try:
        prepare_database(engine)
        with UnitOfWork(engine) as uow:
            world = build_world(uow)
            uow.commit()
        load_and_scan(engine)
    finally:
        engine.dispose()
    app = create_app(settings)
    app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
    with LiveServer(app) as live:
        yield AgentPortal(live.url, world, app)


@pytest.fixture
def signed_in(browser: Any, agent_portal: AgentPortal) -> Iterator[Any]:
    """``signed_in(persona, locale)``: a new browser context signed in through the landing page."""
    from tests.browser.conftest import sign_in

    contexts: list[Any] = []

    def open_as(persona: str, locale: str = "en-GB") -> Any:
        context = browser.new_context(locale=locale, bypass_csp=True, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        return sign_in(page, agent_portal.url, persona, language=locale[:2])

    yield open_as
    for context in contexts:
        context.close()
