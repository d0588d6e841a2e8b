"""Screenshots of the main pages for the README (docs/screenshots/*.png).

Always taken (into the test artefacts, so a change of look is visible in every run); written to
docs/screenshots/ only with ``STATUT_UPDATE_DOC_SCREENSHOTS=1``::

    STATUT_UPDATE_DOC_SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser/test_docs_screenshots.py

Each image is a viewport, not the whole page, so that it stays under 200 KB.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from tests.browser.conftest import ARTIFACTS, ROOT, Portal, sign_in

DOCS = ROOT / "docs" / "screenshots"
MAX_BYTES = 200 * 1024
VIEWPORT = {"width": 1200, "height": 860}


def _keep(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"docs-{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size < MAX_BYTES, f"{name}: {path.stat().st_size} bytes"
    if os.environ.get("STATUT_UPDATE_DOC_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS / f"{name}.png")
    return path


def test_screenshots_of_the_main_pages(browser: Any, portal: Portal) -> None:
    context = browser.new_context(locale="nl-BE", viewport=VIEWPORT, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(portal.url + "/")
        assert page.locator("html").get_attribute("lang") == "nl"
        _keep(page, "landing-nl")
        sign_in(page, portal.url, "self-employed", language="en")
        page.goto(portal.url + "/me")
        _keep(page, "my-situation-en")
        page.goto(portal.url + "/me/contributions")
        year = page.get_by_role("region", name="2024")
        year.locator("details summary").click()
        year.get_by_role("heading", level=2).evaluate("element => element.scrollIntoView()")
        _keep(page, "my-contributions-en")
        page.goto(portal.url + "/me/mandates")
        _keep(page, "my-mandates-en")
    finally:
        context.close()
