"""The landing page in a real browser: the browser's language, the switch, <html lang>, the personas."""

from __future__ import annotations

from typing import Any

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import Portal


def test_landing_page_follows_the_browser_language_and_switches(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"  # the context's locale is fr-BE
    assert page.get_by_role("heading", level=1).inner_text() == "Le statut social des travailleurs indépendants"
    with page.expect_navigation():
        page.get_by_role("navigation", name="Langue").get_by_role("button", name="Nederlands").click()
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_role("heading", level=1).inner_text() == "Het sociaal statuut van de zelfstandigen"
    page.goto(portal.url + "/")  # the choice is remembered by this browser
    assert page.locator("html").get_attribute("lang") == "nl"
    assert "3" in page.locator(".figures").inner_text()


def test_keyboard_reaches_the_content_first(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/?lang=en")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"


def test_every_persona_has_a_button_and_the_page_is_accessible(page: Any, portal: Portal) -> None:
    page.goto(portal.url + "/?lang=en")
    buttons = page.locator('form[action="/login"] button')
    names = [buttons.nth(i).inner_text() for i in range(buttons.count())]
    assert "Self-employed person" in names
    assert "Accountant" in names
    assert "Agent of fund F101" in names
    assert page.locator(".devbanner").is_visible()
    assert_no_axe_violations(page)
