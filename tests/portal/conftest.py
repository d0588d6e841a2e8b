"""A portal world served by the application, on SQLite and PostgreSQL, and browser-like users.

The world (tests/portal/world.py) is written once per module and backend; HTTP requests commit for
real, so the tables are emptied when the module is done. Each :class:`User` is its own cookie jar
(a separate browser): ``user.sign_in("self-employed")`` clicks the persona button of the landing
page (through its form and CSRF token); ``user.sign_in_as(claims)`` starts a session for any actor
from a development-issuer token, verified like the API's; ``user.post(path, data, form_page=...)``
sends a form with the CSRF token of the page that shows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from statut.access.rate_limit import Limit, RateLimiter
from statut.api.app import create_app
from statut.portal.session import SESSION_COOKIE, sign_session_id
from statut.services.portal_sessions import start_token_session
from statut.settings import Settings
from tests.conftest import RegisterDatabase, _reset
from tests.portal.world import PortalWorld, populate

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class User:
    """One browser: its own cookies, Accept-Language and helpers for forms."""

    def __init__(self, app: FastAPI, accept_language: str = "en") -> None:
        self.app = app
        self.client = TestClient(app, raise_server_exceptions=False, follow_redirects=False)
        self.client.headers.update({"accept": "text/html", "accept-language": accept_language})

    def get(self, path: str, **options: Any) -> Any:
        return self.client.get(path, **options)

    def token_for(self, form_page: str) -> str:
        page = self.get(form_page)
        assert page.status_code == 200, (form_page, page.status_code)
        return csrf_of(page.text)

    def post(
        self, path: str, data: dict[str, Any] | list[tuple[str, str]], *, form_page: str = "/", **options: Any
    ) -> Any:
        token = self.token_for(form_page)
        fields: dict[str, list[str]] = {"csrf_token": [token]}
        for key, value in data.items() if isinstance(data, dict) else data:
            fields.setdefault(key, []).append(value)
        return self.client.post(path, data=fields, **options)

    def sign_in(self, persona: str) -> Any:
        response = self.post("/login", {"persona": persona})
        assert response.status_code == 303, response.text[:500]
        return response

    def sign_in_as(self, claims: dict[str, Any]) -> None:
        access = self.app.state.access
        runtime = self.app.state.runtime
        with runtime.unit_of_work() as uow:
            session_id, _ = start_token_session(uow, access, access.dev_issuer.issue(claims))
            uow.commit()
        self.client.cookies.set(SESSION_COOKIE, sign_session_id(self.app.state.portal_secret, session_id))


@dataclass
class PortalEnv:
    app: FastAPI
    world: PortalWorld
    backend: str

    def user(self, accept_language: str = "en") -> User:
        return User(self.app, accept_language)

    def citizen(self, name: str) -> dict[str, Any]:
        return {
            "sub": f"test:{name}",
            "statut_role": "citizen",
            "national_number": self.world.number(name),
            "name": name,
        }


@pytest.fixture(scope="module")
def portal(database: RegisterDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PortalEnv]:
    _reset(database.engine)
    world = populate(database.engine)
    data_dir: Path = tmp_path_factory.mktemp("portal-data")
    app = create_app(Settings(database_url=database.url, data_dir=data_dir))
    app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
    try:
        with TestClient(app):  # runs the lifespan: the runtime every User's requests use
            User(app).get("/")  # the first page loads the portal's signing secret into app.state
            yield PortalEnv(app, world, database.backend)
    finally:
        _reset(database.engine)
