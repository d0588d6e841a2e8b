"""Translations and locale formatting for pages and letters.

Catalogues are gettext .po files under portal/locales/<lang>/LC_MESSAGES/, read with Babel at
start-up (no compiled .mo to keep in sync). Every ``*.po`` file of a language is merged into one
catalogue, so each part of the portal (pages, fund agent, letters) keeps its own file and two people
never edit the same catalogue at once; a message id defined in two files is an error. English is the
source language; a test fails on any missing or fuzzy translation in fr, nl or de. Dates and amounts
are formatted per locale with Babel (fr_BE, nl_BE, de_BE, en_GB).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency as babel_format_currency
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("fr", "nl", "de", "en")
LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "de": "de_BE", "en": "en_GB"}
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "de": "Deutsch", "en": "English"}


def catalog_dir(lang: str) -> resources.abc.Traversable:
    return resources.files("statut.portal").joinpath("locales", lang, "LC_MESSAGES")


def catalog_paths(lang: str) -> list[resources.abc.Traversable]:
    """Every catalogue file of a language, sorted by name (messages.po first by convention)."""
    return sorted(
        (entry for entry in catalog_dir(lang).iterdir() if entry.name.endswith(".po")),
        key=lambda entry: entry.name,
    )


def read_catalog(lang: str) -> Catalog:
    """One catalogue for the language: the union of its .po files."""
    merged = Catalog(locale=LOCALES[lang])
    origin: dict[str, str] = {}
    for path in catalog_paths(lang):
        with path.open("rb") as handle:
            part = read_po(handle, locale=LOCALES[lang])
        for message in part:
            if not message.id:
                continue
            key = str(message.id)
            if key in origin:
                msg = f"{lang}: message {key!r} is defined in both {origin[key]} and {path.name}"
                raise ValueError(msg)
            origin[key] = path.name
            merged[message.id] = message
    return merged


@cache
def translations(lang: str) -> Translations:
    if lang not in LANGUAGES:
        lang = "en"
    # Compiled in memory from the .po file: fuzzy entries are left out, as gettext would.
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(lang), use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate(accept_language: str | None, preferred: str | None = None, default: str = "fr") -> str:
    """The person's own choice when made, else the browser's Accept-Language, else the default."""
    if preferred in LANGUAGES:
        return preferred
    if accept_language:
        weighted: list[tuple[float, str]] = []
        for part in accept_language.split(",")[:20]:
            piece = part.strip().split(";")
            tag = piece[0].strip().lower()[:2]
            quality = 1.0
            for param in piece[1:]:
                if param.strip().startswith("q="):
                    try:
                        quality = float(param.strip()[2:])
                    except ValueError:
                        quality = 0.0
            if tag in LANGUAGES:
                weighted.append((quality, tag))
        if weighted:
            return max(weighted, key=lambda item: item[0])[1]
    return default


def format_date(value: date | None, lang: str, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return str(babel_format_date(value, format=fmt, locale=LOCALES.get(lang, "en_GB")))


def format_amount(value: Decimal | int | None, lang: str, *, cents: bool = False) -> str:
    if value is None:
        return ""
    amount = Decimal(value) / 100 if cents else Decimal(value)
    return str(babel_format_currency(amount, "EUR", locale=LOCALES.get(lang, "en_GB")))


def format_number(value: int, lang: str) -> str:
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=LOCALES.get(lang, "en_GB")))


def locale_display(lang: str) -> str:
    return str(Locale.parse(LOCALES[lang]).get_display_name(LOCALES[lang]))


def all_message_ids(langs: Iterable[str] = LANGUAGES) -> set[str]:
    ids: set[str] = set()
    for lang in langs:
        ids.update(str(m.id) for m in read_catalog(lang) if m.id)
    return ids
