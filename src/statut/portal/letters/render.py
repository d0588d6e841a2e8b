"""A letter as HTML: one Jinja template per letter (templates/letters/<kind>.html), in the language of
the person it is written to (not the language of the agent who prints it).

The same template serves the screen, the printer (``pdf=False``: a whole HTML page with print CSS)
and the PDF (``pdf=True``: the letter's body only, in the HTML subset fpdf2 lays out: headings,
paragraphs, bold, line breaks, lists and tables of plain text). Output is autoescaped: a name like
``<script>`` prints as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel.dates import format_datetime, get_timezone

from statut.portal.i18n import LOCALES, format_amount, format_date, translations
from statut.portal.letters import labels
from statut.portal.rendering import environment, translator
from statut.services.letters import Letter

TIMEZONE = get_timezone("Europe/Brussels")  # the register's times are UTC; letters speak Belgian time


@dataclass(slots=True)
class ExplanationBlock:
    """A heading line of an explanation and the items under it (the engine's ``  - `` lines)."""

    title: str
    items: list[str] = field(default_factory=list)


def explanation_blocks(lines: list[str]) -> list[ExplanationBlock]:
    blocks: list[ExplanationBlock] = []
    current: ExplanationBlock | None = None
    for line in lines:
        text = line.strip()
        if not text:
            current = None
            continue
        if text.startswith("- "):
            if current is None:
                current = ExplanationBlock("")
                blocks.append(current)
            current.items.append(text[2:])
        else:
            current = ExplanationBlock(text)
            blocks.append(current)
    return blocks


def letter_context(letter: Letter, *, pdf: bool) -> dict[str, Any]:
    lang = letter.language
    gettext = translator(lang)
    locale = LOCALES.get(lang, "en_GB")

    def fmt_datetime(value: datetime | None) -> str:
        if value is None:
            return ""
        return str(format_datetime(value, format="medium", tzinfo=TIMEZONE, locale=locale))

    def fmt_amount(value: Decimal | int | None) -> str:
        return format_amount(value, lang)

    def fmt_date(value: date | None) -> str:
        return format_date(value, lang, fmt="long")

    return {
        "letter": letter,
        "lang": lang,
        "pdf": pdf,
        "_": gettext,
        "gettext": gettext,
        "ngettext": translations(lang).ngettext,
        "fmt_amount": fmt_amount,
        "fmt_date": fmt_date,
        "fmt_datetime": fmt_datetime,
        "label": labels.labeller(gettext),
        "blocks": explanation_blocks,
    }


def letter_html(letter: Letter, *, pdf: bool = False) -> str:
    template = environment().get_template(f"letters/{letter.kind.value}.html")
    return template.render(**letter_context(letter, pdf=pdf))


def letter_title(letter: Letter) -> str:
    return labels.labeller(translator(letter.language))("letter_kind", letter.kind.value)
