"""The landing page in a real browser: it shows the register, switches language, keeps <html lang>."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from statut.api.app import create_app
from statut.services.demo import build_demo_register
from statut.settings import Settings
from tests.browser.conftest import LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    work: Path = tmp_path_factory.mktemp("browser")
    settings = Settings(database_url=f"sqlite:///{work / 'statut.db'}", data_dir=work / "var")
    build_demo_register(settings, people=300, seed=3)
    with LiveServer(create_app(settings)) as live:
        yield live


def test_landing_page_follows_the_browser_language_and_switches(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"  # the context's locale is fr-BE
    assert page.get_by_role("heading", level=1).inner_text() == "Le statut social des travailleurs indépendants"
    page.get_by_role("link", name="Nederlands").click()
    page.wait_for_url("**/?lang=nl")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Het sociaal statuut van de zelfstandigen"
    assert "300" in page.locator(".figures").inner_text()


def test_keyboard_reaches_the_content_first(page: Any, server: LiveServer) -> None:
    page.goto(server.url + "/?lang=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
