"""The institution's data-quality dashboard in a real browser: charts drawn without JavaScript, the
same figures in tables, WCAG 2.1 AA (axe-core) in every language; a README-size screenshot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.agent_portal import AgentPortal, agent_portal, signed_in  # noqa: F401 - fixtures
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import save_screenshot

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.mark.parametrize("locale", ["fr-BE", "nl-BE", "de-BE", "en-GB"])
def test_dashboard_in_every_language(signed_in: Any, agent_portal: AgentPortal, locale: str) -> None:  # noqa: F811
    page = signed_in("institution", locale)
    assert page.url.endswith("/institution/quality")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    charts = page.locator("svg[role=img]")
    assert charts.count() == 2
    for index in range(2):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] > 300
    assert page.locator("table caption").count() == 2
    assert_no_axe_violations(page)
    save_screenshot(page, f"institution-dashboard-{locale}")
    if locale == "en-GB":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 1000})
        page.screenshot(path=str(DOCS / "institution-dashboard-en.png"), full_page=False)


def test_dashboard_filter_by_fund_and_dimension_with_the_keyboard(
    signed_in: Any,  # noqa: F811
    agent_portal: AgentPortal,  # noqa: F811
) -> None:
    page = signed_in("analyst", "en-GB")
    page.get_by_label("Fund", exact=True).select_option("F101")
    page.get_by_label("Dimension for the comparison of funds").select_option("accuracy")
    page.get_by_role("button", name="Show").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "fund=F101" in page.url
    assert page.locator("#quality-funds-title").text_content() == "Accuracy per fund in the latest scan"
    assert_no_axe_violations(page)
    save_screenshot(page, "institution-dashboard-filtered")


def test_fund_agents_do_not_see_the_dashboard(signed_in: Any, agent_portal: AgentPortal) -> None:  # noqa: F811
    page = signed_in("agent-F102", "en-GB")
    response = page.goto(agent_portal.url + "/institution/quality")
    assert response is not None
    assert response.status == 403
    assert page.get_by_role("link", name="Data quality").count() == 0
