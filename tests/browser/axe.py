"""WCAG 2.1 AA checks with axe-core in the browser, for every portal page.

axe-core (Deque, MPL-2.0) comes from the PyPI package ``axe-playwright-python``, which ships
``axe.min.js``; it is injected into the page and run on the whole document with the WCAG 2.0 and
2.1 A and AA rules. Use::

    from tests.browser.axe import assert_no_axe_violations

    page.goto(url)
    assert_no_axe_violations(page)

The failure message lists each violated rule with its impact, its help page and the offending
elements, so a failing run says what to fix. Contexts must be created with ``bypass_csp=True`` (the
portal's Content-Security-Policy forbids every script, axe's included); the fixtures of
tests/browser/conftest.py do so.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.base import AXE_SCRIPT

WCAG_21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
OPTIONS = {"runOnly": {"type": "tag", "values": list(WCAG_21_AA)}, "resultTypes": ["violations"]}


def axe_violations(page: Any, selector: str | None = None) -> list[dict[str, Any]]:
    """The WCAG 2.1 AA violations axe-core finds on ``page`` (or inside ``selector``)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    results: dict[str, Any] = page.evaluate(
        "([selector, options]) => axe.run(selector ? document.querySelector(selector) : document, options)",
        [selector, OPTIONS],
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation.get("nodes", [])[:5]:
            lines.append(f"    at {node.get('target')}: {node.get('html', '')[:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, selector: str | None = None) -> None:
    violations = axe_violations(page, selector)
    assert not violations, f"axe-core found WCAG 2.1 AA violations on {page.url}:\n{describe(violations)}"
