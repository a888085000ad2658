"""PDF documents of the bank (a collection's reading list, a practice's certificate): fpdf2 with DejaVu fonts
embedded, so Cyrillic shows on any reader, fallback fonts for what DejaVu lacks (emoji), and paragraphs set line by
line (``PdfText``).

fpdf2 (with fontTools and Pillow) is imported by the function that makes a document: loaded with the app it took
30 MB of every web worker's memory for documents few requests ask for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from kb.textclean import unix_line_breaks, xml_text

if TYPE_CHECKING:
    from fpdf import FPDF


# Characters a text may carry that a page and Word do not show, but fpdf2 would draw: soft hyphen, zero-width
# space, word joiner, byte order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


class FontMissing(RuntimeError):
    """The TrueType font for PDF documents is not installed."""


FALLBACK_FAMILY = "Fallback"  # fonts «Fallback0», «Fallback1»… (PDF_FALLBACK_FONTS), for what DejaVu lacks
MISSING_GLYPH = "\u25a1"  # «□»: a character no font has is seen to be missing, not dropped without a trace


def add_fonts(pdf: FPDF) -> None:
    """DejaVu (regular, bold, oblique) and the fallback fonts there are, added to ``pdf``."""
    folder = Path(current_app.config["PDF_FONT_DIR"])
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf")):
        path = folder / name
        if not path.is_file():
            raise FontMissing(f"{path} not found: install fonts-dejavu-core or set PDF_FONT_DIR")
        pdf.add_font("DejaVu", style, str(path))
    # For a character DejaVu has no glyph for (PdfText draws it in the first of these that has one): without them
    # fpdf2 drew nothing and only logged it.
    for number, path in enumerate(current_app.config["PDF_FALLBACK_FONTS"]):
        if Path(path).is_file():
            pdf.add_font(f"{FALLBACK_FAMILY}{number}", "", path)


# Spaces a line must not break at (ГОСТ Р 7.0.100 typography): after an initial («А. П. Иванова», «Дж. Р. Смит»),
# before the prescribed punctuation that joins a part of the reference: a colon, a semicolon, a slash or two, a dash
# («Текст : электронный», «Иванова ; МОУ «СОШ № 9»», «/ А. П. Иванова», «// Банк практик», «– URL»: no line begins
# with them), between a number and
# its unit or sign («2022 г.», «№ 7», «с. 5», a recommendation's «П. 1.1»), after an abbreviation naming a place or a
# person before its name or number («г. Челябинска», «им. А. С. Пушкина», «ул. Ленина», «с. Кременкуль», «д. 5»),
# after the surname of a heading before its initials («Иванова, А. П.», «Смит, Дж. Р.»: _HEADING_INITIALS), inside
# «[и др.]» and before it. The PDF keeps them as no-break spaces (other exports keep plain ones).
# A heading's comma, not the commas between the persons of the statement of responsibility («/ А. П. Иванова, Б. И.
# Петров, В. О. Сидорова»: glued, the whole list was one unbreakable piece): the statement (« / ») follows the
# heading, and the initials of a person in the list are followed by the surname and «,», « ;», « [и др.]» or «. –».
_HEADING_INITIALS = (r"(?<=[а-яёa-z],) (?=[А-ЯЁA-Z][а-яёa-z]?\.(?: ?[А-ЯЁA-Z][а-яёa-z]?\.)? "
                     r"(?:.* / |(?![А-ЯЁA-Z][а-яёa-z]?\.|[А-ЯЁA-Z][\w-]*(?:,| ;| \[и |\. –))))")
_KEEP_TOGETHER = re.compile(r"(?:(?<=\b[А-ЯЁA-Z]\.)|(?<=\b[А-ЯЁA-Z][а-яёa-z]\.)) (?=[А-ЯЁA-Z])"
                            r"|(?<=\S) (?=[:;/–—])|(?<=\d) (?=(?:г|гг|с|л|ч)\.)"
                            rf"|{_HEADING_INITIALS}|(?<=\[и) (?=др\.\])|(?<=\S) (?=\[и др\.\])"
                            r"|(?<=№) (?=\d)|(?:(?<=\bс\.)|(?<=\bт\.)|(?<=\bч\.)|(?<=\bвып\.)|(?<=\b[Пп]\.)) (?=\d)"
                            r"|(?:(?<=\bг\.)|(?<=\bим\.)|(?<=\bул\.)|(?<=\bс\.)|(?<=\bд\.)|(?<=\bпос\.))"
                            r" (?=[А-ЯЁA-Z\d])")
_BREAKS = re.compile(r"[^\S\u00a0]+")  # whitespace where a line may break: every kind but the no-break space


class PdfText:
    """Paragraphs set line by line: the lines are broken here and each is drawn by one ``cell``.

    fpdf2's own ``multi_cell`` measures the whole line again after every character it adds (the width of a
    line of n characters costs n² lookups): it was nine tenths of a PDF's time, 6 s of 7 for 300 items. Here a
    character's width is looked up once per font and size, and a word's width is the sum of its characters' (no
    kerning: fpdf2 measures the same way without text shaping), so a paragraph costs its length.
    """

    def __init__(self, pdf: FPDF) -> None:
        from fpdf.enums import XPos, YPos

        self.pdf = pdf
        self.next_line = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}
        self.font: tuple[str, float] | None = None
        self.widths: dict[str, float] = {}
        self._widths: dict[tuple[str, float], dict[str, float]] = {}
        self.fallbacks = [key for key in pdf.fonts if key.startswith(FALLBACK_FAMILY.lower())]
        self.fallback_on = False
        cmaps = [pdf.fonts[key].cmap for key in self.fallbacks]
        # per style: what DejaVu draws, what it or a fallback font draws, the characters met that only a fallback
        # font has, and the table turning those none has into «□»
        self._own = {style: frozenset(pdf.fonts["dejavu" + style].cmap) for style in ("", "B", "I")}
        self._drawn = {style: own.union(*cmaps) for style, own in self._own.items()}
        self._foreign: dict[str, set[str]] = {style: set() for style in self._own}
        self._missing: dict[str, dict[int, str]] = {style: {} for style in self._own}

    def set_font(self, style: str, size: float) -> None:
        if self.font != (style, size):
            self.font = (style, size)
            self.pdf.set_font("DejaVu", style, size)
            self.widths = self._widths.setdefault(self.font, {})

    @property
    def _style(self) -> str:
        return self.font[0] if self.font else ""

    def drawable(self, text: str) -> str:
        """``text`` with «□» for each character that neither DejaVu (in the current style) nor a fallback font has:
        fpdf2 would leave it out of the page and of the text a reader copies, without a trace."""
        own, drawn = self._own[self._style], self._drawn[self._style]
        foreign, missing = self._foreign[self._style], self._missing[self._style]
        for char in set(text).difference(foreign):
            code = ord(char)
            if code in own or char == "\n" or code in missing:
                continue
            if code in drawn:
                foreign.add(char)
            else:
                missing[code] = MISSING_GLYPH
        return text.translate(missing) if missing else text

    def fallback(self, text: str) -> None:
        """Let fpdf2 take glyphs from the fallback fonts for ``text`` if DejaVu lacks some of its characters. Only
        then: with fallback fonts set, fpdf2 goes through every line character by character, and a PDF of 300 items
        took half as long again."""
        wanted = not self._foreign[self._style].isdisjoint(text)
        if wanted != self.fallback_on:
            self.pdf.set_fallback_fonts(self.fallbacks if wanted else [], exact_match=False)
            self.fallback_on = wanted

    def width(self, text: str) -> float:
        widths, total = self.widths, 0.0
        for char in text:
            width = widths.get(char)
            if width is None:
                self.fallback(char)
                width = widths[char] = self.pdf.get_string_width(char)
            total += width
        return total

    def lines(self, text: str, room: float) -> list[str]:
        """The lines of ``text`` within ``room`` (mm): broken at spaces, a word longer than a line by characters;
        each line break of the text starts a line."""
        space = self.width(" ")
        lines: list[str] = []
        for paragraph in _KEEP_TOGETHER.sub("\u00a0", text).split("\n"):
            words: list[str] = []
            used = 0.0
            for word in _BREAKS.split(paragraph.strip(" \t\r\f\v")):
                if not word:
                    continue
                width = self.width(word)
                if words and used + space + width <= room:
                    words.append(word)
                    used += space + width
                    continue
                if words:
                    lines.append(" ".join(words))
                while width > room:  # a long URL or a word with no spaces: as many characters as fit
                    cut, cut_width = 1, self.width(word[0])
                    while cut < len(word) and cut_width + self.width(word[cut]) <= room:
                        cut_width += self.width(word[cut])
                        cut += 1
                    lines.append(word[:cut])
                    word = word[cut:]
                    width = self.width(word)
                words, used = ([word], width) if word else ([], 0.0)
            lines.append(" ".join(words))
        return lines

    def block(self, text: str, size: float = 11, style: str = "", after: float = 2, link: str = "",
              align: str = "L") -> None:
        """``text`` as a paragraph in ``style`` and ``size``, ``after`` mm below it; ``align`` "C" centres its lines."""
        pdf = self.pdf
        self.set_font(style, size)
        room = pdf.epw - 2 * pdf.c_margin  # what multi_cell(0, …) leaves for the text
        # DejaVu has no glyph for a tab (fpdf2 drew a box and the words ran together in the text layer), and draws
        # a soft hyphen (pasted from Word) as a hyphen in the middle of a word: fpdf2's cell() prints it.
        text = unix_line_breaks(xml_text(text)).replace("\t", " ").translate(_INVISIBLE)
        for line in self.lines(self.drawable(text), room):
            self.fallback(line)
            pdf.cell(0, size * 0.5, line, link=link, align=align, **self.next_line)
        pdf.ln(after)


def new_document(title: str, author: str) -> FPDF:
    """An A4 document in Russian with the fonts added and its first page begun (``FontMissing`` without DejaVu)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_lang("ru")
    add_fonts(pdf)
    pdf.add_page()
    return pdf


def document_bytes(pdf: FPDF) -> bytes:
    """The finished document's bytes; the font files are closed then: fontTools reads a font lazily and keeps its
    file open, which left to the garbage collector surfaced as a ResourceWarning somewhere else."""
    try:
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


def close_fonts(pdf: FPDF) -> None:
    """Close the font files fontTools keeps open for ``pdf`` (written or not)."""
    for font in pdf.fonts.values():
        if getattr(font, "ttfont", None) is not None:
            font.ttfont.close()
