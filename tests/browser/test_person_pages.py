"""Every page of the self-employed person and of the mandatary, in a real browser: WCAG 2.1 AA
(axe-core, no violation) in each language, and a screenshot of each as a test artefact."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import Portal

PERSON_PAGES = ("/me", "/me/contributions", "/me/career", "/me/rights", "/me/data", "/me/mandates", "/me/represented")


@pytest.mark.parametrize("locale", ["fr-BE", "nl-BE", "de-BE", "en-GB"])
def test_every_person_page_is_accessible(persona_page: Any, portal: Portal, shoot: Any, locale: str) -> None:
    page = persona_page("self-employed", locale=locale)
    assert page.url.endswith("/me")
    for path in PERSON_PAGES:
        page.goto(portal.url + path)
        assert page.locator("html").get_attribute("lang") == locale[:2]
        for details in page.locator("details").all():  # open every explanation: axe checks them too
            details.evaluate("element => element.open = true")
        assert_no_axe_violations(page)
        shoot(page, f"person{path.replace('/', '-')}-{locale}")


def test_the_mandatary_pages_are_accessible(persona_page: Any, portal: Portal, shoot: Any) -> None:
    page = persona_page("accountant")
    page.goto(portal.url + "/me")  # the accountant has no dossier of their own: the page says so
    assert "You are not registered as a self-employed person" in page.content()
    assert_no_axe_violations(page)
    shoot(page, "mandatary-not-registered")
    page.goto(portal.url + "/me/represented")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Dossier of").first.click()
    page.wait_for_load_state()
    banner = page.get_by_role("note").filter(has_text="You are acting for")
    assert banner.is_visible()
    base = page.url
    for suffix in ("", "/contributions", "/career", "/rights"):
        page.goto(base + suffix)
        assert page.get_by_text("You are acting for").is_visible()
        assert_no_axe_violations(page)
        shoot(page, f"mandatary{suffix.replace('/', '-') or '-situation'}")


def test_error_pages_are_accessible(persona_page: Any, portal: Portal, shoot: Any) -> None:
    page = persona_page("self-employed")
    response = page.goto(portal.url + "/me/nothing-here")
    assert response is not None
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert_no_axe_violations(page)
    shoot(page, "error-404")
