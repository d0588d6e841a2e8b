"""Browser tests: Playwright driving Debian's chromium (/usr/bin/chromium) against a live server.

Without chromium the tests are skipped with a clear message, except under CI=true where a missing
browser is a failure (the CI script installs it). A screenshot of every page a test leaves open is
saved to var/test-artefacts/screenshots/ (gitignored) as a test artefact.

Fixtures for any page of the portal (portal-agent's pages use them too):

- ``portal``: a live server (uvicorn in a thread) on a fresh SQLite register holding the portal world
  (tests/portal/world.py: sofie, the self-employed persona, with contributions, career and a
  maternity-aid proposal; marc; lena), built once per test session. ``portal.url``,
  ``portal.world``, ``portal.app``.
- ``persona_page(name, locale="en-GB")``: a new browser context signed in as a development-issuer
  persona ("self-employed", "accountant", "institution", "analyst", "agent-F101", ...) by clicking
  its button on the landing page, as a newcomer would, with the pages in ``locale``'s language (the
  persona's stored choice is set to it when an earlier test changed it); returns the Playwright
  page, on the page the persona lands on. Each call is an independent browser (own cookies).
- ``page``: an anonymous page (locale fr-BE).
- ``shoot(page, name)``: save a named screenshot in the artefacts.

Accessibility: ``from tests.browser.axe import assert_no_axe_violations``. Contexts are created with
``bypass_csp=True`` so that axe-core can run despite the portal's script-free Content-Security-Policy.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "var" / "test-artefacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in ("chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


def artefact_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")[:120] or "page"


def save_screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{artefact_name(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        message = "chromium is not installed (apt-get install -y chromium): browser tests need Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — and CI=true never skips them")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """Uvicorn in a thread, serving an application built for the test."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Portal:
    url: str
    world: Any  # tests.portal.world.PortalWorld
    app: Any
    settings: Any


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from statut.access.rate_limit import Limit, RateLimiter
    from statut.api.app import create_app
    from statut.services.database import prepare_database
    from statut.settings import Settings
    from statut.store.engine import build_engine
    from tests.portal.world import populate

    work: Path = tmp_path_factory.mktemp("portal")
    settings = Settings(database_url=f"sqlite:///{work / 'statut.db'}", data_dir=work / "var")
    engine = build_engine(settings.database_url)
    try:
        prepare_database(engine)
        world = populate(engine)
    finally:
        engine.dispose()
    app = create_app(settings)
    # Every test signs in anew from one address: the per-client sign-in limit would stop the suite.
    app.state.access.limiter = RateLimiter({"token": Limit(10_000, 1_000), "write": Limit(10_000, 1_000)})
    with LiveServer(app) as live:
        yield Portal(live.url, world, app, settings)


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(locale="fr-BE", bypass_csp=True)
    opened = context.new_page()
    yield opened
    try:
        save_screenshot(opened, request.node.name)
    finally:
        context.close()


def sign_in(page: Any, base_url: str, persona: str, language: str | None = None) -> Any:
    """Sign in as ``persona`` through the landing page (its button), as a newcomer would; then, when
    the persona's stored language choice (an earlier test may have made one) is not ``language``,
    choose ``language`` with the switch, so each test starts from the language it asks for."""
    page.goto(base_url + "/")
    with page.expect_navigation():  # the form's POST, then the redirect to the persona's home
        page.locator(f'form[action="/login"]:has(input[name="persona"][value="{persona}"]) button').click()
    if language and page.locator("html").get_attribute("lang") != language:
        with page.expect_navigation():
            page.locator(f'form[action="/language"] button[value="{language}"]').click()
    return page


@pytest.fixture
def persona_page(browser: Any, portal: Portal, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    contexts: list[tuple[str, Any, Any]] = []

    def open_as(persona: str, locale: str = "en-GB") -> Any:
        context = browser.new_context(locale=locale, bypass_csp=True)
        opened = context.new_page()
        contexts.append((persona, context, opened))
        return sign_in(opened, portal.url, persona, language=locale[:2])

    yield open_as
    for index, (persona, context, opened) in enumerate(contexts):
        try:
            save_screenshot(opened, f"{request.node.name}-{index}-{persona}")
        finally:
            context.close()


@pytest.fixture
def shoot() -> Callable[[Any, str], Path]:
    return save_screenshot
