"""Translated message templates (fr, nl, de, en) and the formatting of numbers per language.

The templates are data (``translations/messages.yaml``); a test fails if one lacks a language or if
the languages disagree on the placeholders. Amounts, rates and dates are formatted here, without a
framework, so the rules layer stays pure.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Final

import yaml

from statut.rules.errors import ParameterFileError

LANGUAGES: Final = ("fr", "nl", "de", "en")
DEFAULT_LANGUAGE: Final = "en"
_NARROW_NBSP: Final = "\u202f"
_THOUSANDS: Final = {"fr": _NARROW_NBSP, "nl": ".", "de": ".", "en": ","}
_DECIMAL_MARK: Final = {"fr": ",", "nl": ",", "de": ",", "en": "."}


@functools.cache
def load_messages() -> Mapping[str, Mapping[str, str]]:
    text = resources.files("statut.rules.translations").joinpath("messages.yaml").read_text(encoding="utf-8")
    document = yaml.safe_load(text)
    if not isinstance(document, dict):
        raise ParameterFileError("messages.yaml: expected a mapping of message keys")
    return {str(key): {str(lang): str(text) for lang, text in value.items()} for key, value in document.items()}


def language(lang: str) -> str:
    """The language code, or a clear error for an unsupported one."""
    if lang not in LANGUAGES:
        raise ParameterFileError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    return lang


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field}


def message(key: str, lang: str, **args: object) -> str:
    """The template ``key`` in ``lang`` filled with ``args`` (already formatted strings or numbers)."""
    templates = load_messages().get(key)
    if templates is None:
        raise ParameterFileError(f"no message {key!r}")
    return templates[language(lang)].format(**args)


def format_number(value: Decimal | int, lang: str, places: int = 2, *, max_places: int | None = None) -> str:
    """``value`` with at least ``places`` decimals (at most ``max_places``), in the language's style."""
    number = Decimal(value)
    limit = max(places, max_places if max_places is not None else places)
    exponent = number.as_tuple().exponent
    shown = min(limit, max(places, -exponent if isinstance(exponent, int) else limit))
    quantised = number.quantize(Decimal(1).scaleb(-shown))
    text = f"{abs(quantised):,.{shown}f}"
    text = text.replace(",", "\x00").replace(".", _DECIMAL_MARK[lang]).replace("\x00", _THOUSANDS[lang])
    return ("-" if quantised < 0 else "") + text


def format_eur(value: Decimal | int, lang: str, *, max_places: int | None = None) -> str:
    number = format_number(value, lang, max_places=max_places)
    if lang == "en":
        return f"€{number}" if not number.startswith("-") else f"-€{number[1:]}"
    if lang == "nl":
        return f"€ {number}"
    return f"{number} €"


def format_rate(value: Decimal, lang: str) -> str:
    percent = (value * 100).normalize()
    places = max(0, -int(percent.as_tuple().exponent))
    number = format_number(percent, lang, places=places)
    return f"{number} %" if lang in ("fr", "de") else f"{number}%"


def format_date(value: date, lang: str) -> str:
    if lang == "en":
        return value.isoformat()
    if lang == "de":
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day:02d}/{value.month:02d}/{value.year}"
