"""The self-employed person's and the mandatary's main journeys in a real browser, keyboard included."""

from __future__ import annotations

import re
from typing import Any

from statut.access.dev_issuer import ACCOUNTANT_NUMBER
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import Portal


def test_read_contributions_and_their_explanation_then_switch_language(persona_page: Any, portal: Portal) -> None:
    page = persona_page("self-employed", locale="fr-BE")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Mes cotisations").click()
    page.wait_for_url("**/me/contributions")
    assert page.get_by_role("heading", level=1).inner_text() == "Mes cotisations"
    year = page.get_by_role("region", name="2024")
    assert "820,00" in year.get_by_role("table").inner_text()
    explanation = year.locator("details")
    assert not explanation.locator(".explanation").is_visible()
    explanation.locator("summary").click()
    assert explanation.locator(".explanation").is_visible()
    assert "45" in explanation.inner_text()  # the explanation quotes the income of 2024 (45,500 euros)
    assert_no_axe_violations(page)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Langue").get_by_role("button", name="Deutsch").click()
    assert page.url.endswith("/me/contributions")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_role("heading", level=1).inner_text() == "Meine Beiträge"
    assert "820,00" in page.get_by_role("region", name="2024").inner_text()


def _revoke_all_given_to(page: Any, name_pattern: str) -> None:
    """Revoke, one by one, every active mandate whose revoke button names ``name_pattern``."""
    while True:
        buttons = page.get_by_role("button", name=re.compile(f"^Revoke the mandate of {name_pattern}"))
        if buttons.count() == 0:
            return
        with page.expect_navigation():
            buttons.first.click()
        assert page.get_by_role("status").inner_text().startswith("The mandate was revoked")


def test_grant_and_revoke_a_mandate_and_the_accountant_sees_then_no_longer(persona_page: Any, portal: Portal) -> None:
    accountant = persona_page("accountant")
    sofie = persona_page("self-employed")
    sofie.goto(portal.url + "/me/mandates")
    _revoke_all_given_to(sofie, "")
    accountant.goto(portal.url + "/me/represented")
    assert accountant.locator('a[href^="/represent/"]').count() == 0

    form = sofie.get_by_role("region", name="Give a mandate")
    form.get_by_label("National number of the person").fill("85.07.30-033.28")
    form.get_by_label("Name of the person").fill("Alex, my accountant")
    form.get_by_label("accountant").check()
    form.get_by_label("identity and address").uncheck()
    form.get_by_label("contributions").uncheck()
    form.get_by_label("career").check()
    with sofie.expect_navigation():
        form.get_by_role("button", name="Give the mandate").click()
    assert sofie.get_by_role("status").inner_text().startswith("The mandate was given")
    card = sofie.get_by_role("article", name=re.compile("^Alex, my accountant"))
    assert "career" in card.inner_text()
    assert_no_axe_violations(sofie)

    accountant.reload()
    link = accountant.locator('a[href^="/represent/"]')
    assert link.count() == 1
    link.click()
    accountant.wait_for_load_state()
    assert accountant.get_by_role("note").filter(has_text="You are acting for").is_visible()
    accountant.get_by_role("navigation", name="Pages of the person you represent").get_by_role(
        "link", name="Career"
    ).click()
    accountant.wait_for_load_state()
    assert "Quarters counted for the pension" in accountant.content()
    career_url = accountant.url
    accountant.get_by_role("navigation", name="Pages of the person you represent").get_by_role(
        "link", name="Contributions"
    ).click()
    accountant.wait_for_load_state()
    assert "not included in your mandate" in accountant.content()

    _revoke_all_given_to(sofie, "Alex, my accountant")
    response = accountant.goto(career_url)
    assert response is not None
    assert response.status == 404
    assert accountant.get_by_role("heading", level=1).inner_text() == "Page not found"
    accountant.goto(portal.url + "/me/represented")
    assert accountant.locator('a[href^="/represent/"]').count() == 0
    assert ACCOUNTANT_NUMBER  # the accountant persona's number is the one Sofie typed (formatted)


def test_the_main_menu_works_with_the_keyboard_only(persona_page: Any, portal: Portal) -> None:
    page = persona_page("self-employed")
    page.goto(portal.url + "/me")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
    target = "My contributions"
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent").strip()
        if focused == target:
            break
    else:
        raise AssertionError(f"Tab never reached {target!r}")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # the focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/contributions")
    # the language switch and the sign-out button are reachable and usable by keyboard too
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    names = []
    for _ in range(8):
        names.append(page.evaluate("document.activeElement.textContent").strip())
        if names[-1] == "Nederlands":
            with page.expect_navigation():
                page.keyboard.press("Enter")
            break
        page.keyboard.press("Tab")
    assert page.locator("html").get_attribute("lang") == "nl", names


def test_a_maternity_aid_proposal_is_confirmed(persona_page: Any, portal: Portal) -> None:
    page = persona_page("self-employed")
    page.goto(portal.url + "/me/rights")
    proposal = page.locator("article.proposal")
    assert proposal.count() == 1  # the world's birth made one (services.decisions.propose_maternity_aid)
    assert "Maternity aid: proposed to you" in proposal.inner_text()
    assert_no_axe_violations(page)
    with page.expect_navigation():
        proposal.get_by_role("button", name="Confirm: I want the maternity aid").click()
    assert page.get_by_role("status").inner_text().startswith("Your answer was recorded")
    assert page.locator("article.proposal").count() == 0
    assert "Maternity aid: granted" in page.get_by_role("region", name="Decisions and proposals").inner_text()
