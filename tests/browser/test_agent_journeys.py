"""The fund agent in a real browser: find a member, open the dossier with a purpose, print a letter
(the PDF is downloaded and read back), register a counter mandate, handle a finding; WCAG 2.1 AA
(axe-core, no violation) on every page, in every language; screenshots as test artefacts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pypdf
import pytest

from tests.browser.agent_portal import AgentPortal, agent_portal, signed_in  # noqa: F401 - fixtures
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import save_screenshot

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PURPOSE = {
    "fr-BE": "appel téléphonique de l'affiliée",
    "nl-BE": "telefoontje van de aangeslotene",
    "de-BE": "Anruf des Mitglieds",
    "en-GB": "phone call of the member",
}
SEARCH = {"fr-BE": "Chercher", "nl-BE": "Zoeken", "de-BE": "Suchen", "en-GB": "Search"}
OPEN = {
    "fr-BE": "Ouvrir le dossier",
    "nl-BE": "Het dossier openen",
    "de-BE": "Die Akte öffnen",
    "en-GB": "Open the dossier",
}
DOWNLOAD = {
    "fr-BE": "Télécharger le PDF",
    "nl-BE": "De pdf downloaden",
    "de-BE": "Das PDF herunterladen",
    "en-GB": "Download the PDF",
}


@pytest.mark.parametrize("locale", ["fr-BE", "nl-BE", "de-BE", "en-GB"])
def test_agent_finds_a_member_opens_the_dossier_and_prints_a_letter(
    signed_in: Any,  # noqa: F811
    agent_portal: AgentPortal,  # noqa: F811
    locale: str,
) -> None:
    page = signed_in("agent-F101", locale)
    assert page.url.endswith("/agent")
    assert page.locator("html").get_attribute("lang") == locale[:2]
    assert_no_axe_violations(page)
    save_screenshot(page, f"agent-search-{locale}")

    # Find the member by the start of her name (keyboard only: type, then Enter).
    page.locator("#q").fill("pee")
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    member = agent_world_member(agent_portal)
    assert page.get_by_role("link", name="Peeters, Émilie").is_visible()
    assert page.get_by_text("Bob").count() == 0  # the F102 member with the same name is not listed
    assert_no_axe_violations(page)
    save_screenshot(page, f"agent-results-{locale}")

    page.get_by_role("link", name="Peeters, Émilie").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/agent/members/{member}")
    # A missing purpose is refused on the page, and nothing is shown.
    with page.expect_navigation():
        page.get_by_role("button", name=OPEN[locale]).click()
    assert page.locator(".field-error").is_visible()
    assert page.locator("#purpose").get_attribute("aria-invalid") == "true"
    assert_no_axe_violations(page)
    save_screenshot(page, f"agent-purpose-error-{locale}")
    page.locator("#purpose").fill(PURPOSE[locale])
    with page.expect_navigation():
        page.get_by_role("button", name=OPEN[locale]).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Émilie Peeters"
    assert_no_axe_violations(page)
    save_screenshot(page, f"agent-dossier-{locale}")
    if locale == "en-GB":
        DOCS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=str(DOCS / "agent-member-en.png"), full_page=False)

    # Print the regularisation letter in the member's language: a PDF download, read back.
    page.get_by_role("radio", name="2023", exact=False).first.check()
    with page.expect_download() as downloading:
        page.get_by_role("button", name=DOWNLOAD[locale]).click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    text = " ".join(" ".join((p.extract_text() or "") for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())
    assert "cotisations" in text  # the member's language is French, whatever the agent's
    assert "Arden Social Fund" in text


def agent_world_member(portal: AgentPortal) -> str:
    return portal.world.member.number.value


def test_printable_letter_and_counter_mandate_are_accessible(
    signed_in: Any,  # noqa: F811
    agent_portal: AgentPortal,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = signed_in("agent-F101", "en-GB")
    member = agent_world_member(agent_portal)
    page.goto(f"{agent_portal.url}/agent/members/{member}")
    page.locator("#purpose").fill("letter asked for at the counter")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the dossier").click()
    page.get_by_role("radio", name="Who consulted your data").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show the printable version").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Qui a consulté vos données"
    assert_no_axe_violations(page)
    save_screenshot(page, "agent-letter-printable")

    page.goto(f"{agent_portal.url}/agent/members/{member}/mandates/new")
    assert_no_axe_violations(page)
    scan = tmp_path / "signed-form.pdf"
    scan.write_bytes(b"%PDF-1.4\n% signed at the counter\n" + b"0" * 500)
    page.locator("#mandatary_number").fill("85073003328")
    page.locator("#mandatary_name").fill("Jan Janssens")
    page.get_by_role("radio", name="family member").check()
    page.get_by_role("checkbox", name="contributions").check()
    page.locator("#reference").fill("F101-PAPER-0001")
    # A hostile file first: refused with a message, nothing registered.
    bad = tmp_path / "form.pdf"
    bad.write_bytes(b"MZ\x90\x00This program cannot be run in DOS mode")
    page.locator("#scan").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Register the mandate").click()
    assert page.get_by_text("This file is not one of them").is_visible()
    assert_no_axe_violations(page)
    save_screenshot(page, "agent-mandate-error")
    page.locator("#scan").set_input_files(str(scan))
    with page.expect_navigation():
        page.get_by_role("button", name="Register the mandate").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mandate registered"
    assert_no_axe_violations(page)
    save_screenshot(page, "agent-mandate-registered")


def test_findings_page_is_accessible_and_works(signed_in: Any, agent_portal: AgentPortal) -> None:  # noqa: F811
    page = signed_in("agent-F101", "nl-BE")
    page.get_by_role("link", name="Bevindingen over de datakwaliteit").click()
    page.wait_for_load_state()
    assert_no_axe_violations(page)
    save_screenshot(page, "agent-findings-nl")
    first = page.locator("article.finding").first
    title = first.locator("h2").inner_text()
    with page.expect_navigation():
        first.get_by_role("button", name="in behandeling nemen").click()
    assert page.get_by_role("status").is_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Status").select_option("acknowledged")
    with page.expect_navigation():
        page.get_by_role("button", name="Filteren").click()
    assert page.get_by_role("heading", name=title).is_visible()
