"""Every user-facing message exists, translated and not fuzzy, in fr, nl, de and en."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from statut.portal.i18n import LANGUAGES, negotiate, read_catalog

ROOT = Path(__file__).resolve().parents[2]


def extracted_ids() -> set[str]:
    found: set[str] = set()
    method_map = [("src/statut/portal/templates/**.html", "jinja2"), ("src/statut/portal/**.py", "python")]
    for _filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), method_map=method_map):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_templates_have_messages() -> None:
    assert len(extracted_ids()) > 10


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(lang: str) -> None:
    catalog = read_catalog(lang)
    problems = []
    for message_id in sorted(extracted_ids()):
        message = catalog.get(message_id)
        if message is None:
            problems.append(f"missing: {message_id!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {message_id!r}")
        elif not (message.string if isinstance(message.string, str) else all(message.string)):
            problems.append(f"untranslated: {message_id!r}")
    assert not problems, f"{lang} catalogue:\n" + "\n".join(problems)


def test_language_negotiation() -> None:
    assert negotiate("nl-BE,nl;q=0.9,en;q=0.8") == "nl"
    assert negotiate("en;q=0.2, de;q=0.9") == "de"
    assert negotiate("es, it") == "fr"
    assert negotiate("nl", preferred="de") == "de"
    assert negotiate("x" * 10_000) == "fr"


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders(lang: str) -> None:
    """A translation that drops or invents a ``%(name)s`` would show a wrong text or break the page."""
    catalog = read_catalog(lang)
    problems = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or not isinstance(message.string, str):
            continue
        if message.string and set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            problems.append(f"{message.id!r} -> {message.string!r}")
    assert not problems, f"{lang}: placeholders differ:\n" + "\n".join(problems)


def test_the_extraction_sees_templates_and_marked_python_messages() -> None:
    """The check above is only as good as the extraction: it must see the templates' ``_()`` calls
    and the messages marked with ``N_`` in Python (menus, labels, form errors)."""
    found = extracted_ids()
    assert "Skip to content" in found  # base.html
    assert "My contributions" in found  # person_pages.py, N_ in add_navigation
    assert "self-employed as main occupation" in found  # labels.py
    assert "This form has expired" in found  # errors.py
