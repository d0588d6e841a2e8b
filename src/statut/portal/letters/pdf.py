"""A letter as PDF: the letter's HTML (the same template as on screen) laid out by fpdf2.

fpdf2's core fonts are Latin-1 only (no €, no ’), so the PDF embeds DejaVu Sans (a subset of the
glyphs used), vendored under fonts/ with its licence. Characters the font lacks (emoji, for instance)
print as an empty box rather than breaking the letter; right-to-left text prints in logical order
(fpdf2 shapes it only with HarfBuzz, which statut does not need elsewhere).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TextStyle

from statut import __version__
from statut.portal.letters.render import letter_html, letter_title
from statut.portal.rendering import N_, translator
from statut.services.letters import Letter

FONT_FAMILY = "DejaVu"
FONT_DIR = Path(str(resources.files("statut.portal.letters").joinpath("fonts")))
BLACK = "#000000"
DARK_BLUE = "#1a3a5c"
PAGE_NUMBER = N_("Page %(page)s of %(pages)s")
TAG_STYLES = {
    "h1": TextStyle(font_size_pt=15, color=DARK_BLUE, t_margin=6, b_margin=3),
    "h2": TextStyle(font_size_pt=12, color=DARK_BLUE, t_margin=5, b_margin=2),
    "h3": TextStyle(font_size_pt=10.5, color=DARK_BLUE, t_margin=3, b_margin=1),
    "p": TextStyle(t_margin=2, b_margin=1),
    "li": TextStyle(t_margin=0.5, l_margin=4),
}


class LetterDocument(FPDF):
    """A4, with the sender and the page number in the footer of every page."""

    def __init__(self, letter: Letter) -> None:
        super().__init__(format="A4", unit="mm")
        self.letter = letter
        self._page_text = translator(letter.language)(PAGE_NUMBER)
        self.add_font(FONT_FAMILY, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT_FAMILY, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT_FAMILY, "", 7.5)
        self.set_text_color(80, 80, 80)
        page = self._page_text.replace("%(page)s", str(self.page_no())).replace("%(pages)s", "{nb}")
        self.cell(0, 5, f"{self.letter.sender.name} · {self.letter.reference} · {page}", align="C")
        self.set_text_color(0, 0, 0)


def letter_pdf(letter: Letter) -> bytes:
    document = LetterDocument(letter)
    document.set_title(f"{letter_title(letter)} · {letter.sender.name}")
    document.set_author(letter.sender.name)
    document.set_subject(letter.reference)
    document.set_creator(f"statut {__version__}")
    document.set_lang(letter.language)
    document.set_font(FONT_FAMILY, "", 10)
    document.add_page()
    document.write_html(
        letter_html(letter, pdf=True),
        font_family=FONT_FAMILY.lower(),  # fpdf2 keys families in lower case: a match keeps table cells plain
        tag_styles=TAG_STYLES,
        table_line_separators=True,
        li_prefix_color=BLACK,
    )
    return bytes(document.output())
