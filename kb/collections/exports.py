"""A collection as a reading list: CSV for spreadsheets, DOCX for editing, PDF for reading and printing.

Each lists the title, the description, the items with their annotations and notes, and ends with a
bibliography in ГОСТ Р 7.0.100–2018 form, a practice's files («Приложения») under its reference. Unavailable items
keep their place («Материал недоступен») without any of their content. The items come in the collection's order or
alphabetically by their references (``ORDERS``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app

from kb import spreadsheets
from kb.citations.links import permalink
from kb.citations.services import bibtex, gost_reference, reference_sort_key, ris
from kb.collections.models import Collection
from kb.collections.services import Entry
from kb.practices.licences import licence, licence_text
from kb.practices.models import Practice
from kb.templating import format_date
from kb.textclean import xml_text
from kb.timeutil import local_today

if TYPE_CHECKING:
    from fpdf import FPDF

# python-docx and fpdf2 (with fontTools and Pillow) are imported by the export that needs them: loaded with
# the app they took 30 MB of every web worker's memory for a page few requests ask for.

MIMETYPES = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8" to text/* (given here too, it came twice)
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "ris": "application/x-research-info-systems",
    "bib": "application/x-bibtex; charset=utf-8",
}
CSV_COLUMNS = ("№", "Тип", "Название", "Аннотация", "Заметка составителя", "Ссылка по ГОСТ Р 7.0.100–2018", "URL",
               "Лицензия")


# How the items of an export are ordered (``?order=`` of the page and of the export's address), the first the default.
ORDERS = {"collection": "как в подборке", "alpha": "по алфавиту"}
DEFAULT_ORDER = "collection"


def order_arg(value: str | None) -> str:
    """The order a query asks for; anything else (a link typed by hand) is the default."""
    return value if value in ORDERS else DEFAULT_ORDER


def ordered(entries: list[Entry], order: str, accessed: date) -> list[Entry]:
    """The items in the collection's order, or («alpha») by their ГОСТ references as a course programme's list of
    literature is arranged (``reference_sort_key``), the unavailable ones last, in the collection's order."""
    if order != "alpha":
        return entries

    def key(entry: Entry) -> tuple:
        if entry.material is None:
            return (1, ())
        return (0, reference_sort_key(gost_reference(entry.material, permalink(entry.material), accessed)))

    return sorted(entries, key=key)


def terms(entry: Entry) -> str:
    """The line under a practice's reference that says on what terms it (and its files) may be used; "" for a
    resolution or a recommendation, which carry no licence of the bank's."""
    return licence_text(entry.material.licence) if isinstance(entry.material, Practice) else ""


def references(entries: list[Entry], accessed: date) -> list[tuple[str, str, list[str]]]:
    """The bibliography: the ГОСТ references of the available items, in the order given, each with a practice's
    licence (``terms``) and the references of its files («Приложения»)."""
    return [(gost_reference(e.material, permalink(e.material), accessed), terms(e),
             [gost_reference(file, permalink(file), accessed) for file in e.files])
            for e in entries if e.material is not None]


FILE_TYPE = "Приложение к №"  # a file's row in CSV follows its practice's


def _file_names(entry: Entry) -> str:
    return "Приложения: " + ", ".join(file.original_name for file in entry.files)


def _subtitle(collection: Collection, accessed: date) -> str:
    return f"Составитель: {collection.owner.display_name}. Список сформирован {format_date(accessed)}"


def export_csv(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """One row per item, and one per file of a practice after it; UTF-8 with a byte-order mark and «;» between
    columns, as Russian Excel opens it (like the bank's other CSV files: search results, statistics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for number, entry in enumerate(entries, 1):
        if entry.material is None:
            writer.writerow(spreadsheets.row([number, "", entry.title, "", "", "", "", ""]))
            continue
        url = permalink(entry.material)
        licence_label = licence(entry.material.licence)["label"] if isinstance(entry.material, Practice) else ""
        writer.writerow(spreadsheets.row([number, entry.type_label, entry.title, entry.excerpt, entry.item.note,
                                          gost_reference(entry.material, url, accessed), url, licence_label]))
        # No number of its own: «2.1» is a date (2 January) to Russian Excel.
        for file in entry.files:
            url = permalink(file)
            writer.writerow(spreadsheets.row(["", f"{FILE_TYPE} {number}", file.original_name, "", "",
                                              gost_reference(file, url, accessed), url, licence_label]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Characters a text may carry that a page and Word do not show, but fpdf2 would draw: soft hyphen, zero-width
# space, word joiner, byte order mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))


def _plain(text: object) -> str:
    """A text for a document: without control characters, with one kind of line break. python-docx makes a
    break of each «\r» and «\n», so a textarea's «\r\n» (what browsers send) gave an empty line between lines."""
    return xml_text(text).replace("\r\n", "\n").replace("\r", "\n")


# Word's document properties hold 255 characters at most (python-docx refuses more); a title may have 300.
DOCX_PROPERTY_MAX = 255


def _property(text: str) -> str:
    return text if len(text) <= DOCX_PROPERTY_MAX else text[:DOCX_PROPERTY_MAX - 1].rstrip() + "…"


def export_docx(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """A Word document: headings, annotations, notes in italics, a numbered bibliography. Control characters
    that a text may hold are left out: python-docx refuses them (XML 1.0 cannot carry them)."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(12)
    document.core_properties.title = _property(_plain(collection.title))  # the heading keeps the whole title
    document.core_properties.author = _property(_plain(collection.owner.display_name))
    document.add_heading(_plain(collection.title), level=0)
    if collection.description:
        document.add_paragraph(_plain(collection.description))
    document.add_paragraph(_plain(_subtitle(collection, accessed))).runs[0].italic = True
    document.add_heading("Материалы", level=1)
    for number, entry in enumerate(entries, 1):
        document.add_heading(_plain(f"{number}. {entry.title}"), level=2)
        if entry.material is None:
            continue
        document.add_paragraph(_plain(entry.type_label))
        if entry.excerpt:
            document.add_paragraph(_plain(entry.excerpt))
        if entry.item.note:
            paragraph = document.add_paragraph()
            paragraph.add_run("Заметка составителя: ").bold = True
            paragraph.add_run(_plain(entry.item.note)).italic = True
        document.add_paragraph(_plain(permalink(entry.material)))
        if entry.files:
            document.add_paragraph(_plain(_file_names(entry)))
    document.add_heading("Список литературы", level=1)
    for number, (reference, licence_line, appendices) in enumerate(references(entries, accessed), 1):
        document.add_paragraph(_plain(f"{number}. {reference}"))
        if licence_line:
            document.add_paragraph(_plain(licence_line)).runs[0].italic = True
        if appendices:
            document.add_paragraph("Приложения:")
        for appendix_number, appendix in enumerate(appendices, 1):
            document.add_paragraph(_plain(f"{number}.{appendix_number}. {appendix}"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class FontMissing(RuntimeError):
    """The TrueType font for PDF exports is not installed."""


FALLBACK_FAMILY = "Fallback"  # fonts «Fallback0», «Fallback1»… (PDF_FALLBACK_FONTS), for what DejaVu lacks
MISSING_GLYPH = "\u25a1"  # «□»: a character no font has is seen to be missing, not dropped without a trace


def _pdf_fonts(pdf: FPDF) -> None:
    folder = Path(current_app.config["PDF_FONT_DIR"])
    for style, name in (("", "DejaVuSans.ttf"), ("B", "DejaVuSans-Bold.ttf"), ("I", "DejaVuSans-Oblique.ttf")):
        path = folder / name
        if not path.is_file():
            raise FontMissing(f"{path} not found: install fonts-dejavu-core or set PDF_FONT_DIR")
        pdf.add_font("DejaVu", style, str(path))
    # For a character DejaVu has no glyph for (_PdfText draws it in the first of these that has one): without them
    # fpdf2 drew nothing and only logged it.
    for number, path in enumerate(current_app.config["PDF_FALLBACK_FONTS"]):
        if Path(path).is_file():
            pdf.add_font(f"{FALLBACK_FAMILY}{number}", "", path)


# Spaces a line must not break at (ГОСТ Р 7.0.100 typography): after an initial («А. П. Иванова», «Дж. Р. Смит»),
# before a colon or a dash that joins a part of the reference («Текст : электронный», «– URL»), between a number and
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
                            r"|(?<=\S) (?=[:–—])|(?<=\d) (?=(?:г|гг|с|л|ч)\.)"
                            rf"|{_HEADING_INITIALS}|(?<=\[и) (?=др\.\])|(?<=\S) (?=\[и др\.\])"
                            r"|(?<=№) (?=\d)|(?:(?<=\bс\.)|(?<=\bт\.)|(?<=\bч\.)|(?<=\bвып\.)|(?<=\b[Пп]\.)) (?=\d)"
                            r"|(?:(?<=\bг\.)|(?<=\bим\.)|(?<=\bул\.)|(?<=\bс\.)|(?<=\bд\.)|(?<=\bпос\.))"
                            r" (?=[А-ЯЁA-Z\d])")
_BREAKS = re.compile(r"[^\S\u00a0]+")  # whitespace where a line may break: every kind but the no-break space


class _PdfText:
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

    def block(self, text: str, size: float = 11, style: str = "", after: float = 2, link: str = "") -> None:
        pdf = self.pdf
        self.set_font(style, size)
        room = pdf.epw - 2 * pdf.c_margin  # what multi_cell(0, …) leaves for the text
        # DejaVu has no glyph for a tab (fpdf2 drew a box and the words ran together in the text layer), and draws
        # a soft hyphen (pasted from Word) as a hyphen in the middle of a word: fpdf2's cell() prints it.
        for line in self.lines(self.drawable(_plain(text).replace("\t", " ").translate(_INVISIBLE)), room):
            self.fallback(line)
            pdf.cell(0, size * 0.5, line, link=link, **self.next_line)
        pdf.ln(after)


def export_pdf(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """A PDF with DejaVu fonts embedded (subset), so Cyrillic shows on any reader."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(20, 20, 15)
    pdf.set_auto_page_break(True, margin=20)
    pdf.set_title(collection.title)
    pdf.set_author(collection.owner.display_name)
    pdf.set_lang("ru")
    _pdf_fonts(pdf)
    pdf.add_page()
    block = _PdfText(pdf).block

    block(collection.title, 18, "B", 3)
    if collection.description:
        block(collection.description)
    block(_subtitle(collection, accessed), 9, "I", 6)
    block("Материалы", 14, "B", 3)
    for number, entry in enumerate(entries, 1):
        block(f"{number}. {entry.title}", 12, "B", 1)
        if entry.material is None:
            pdf.ln(3)
            continue
        block(entry.type_label, 9, "I", 1)
        if entry.excerpt:
            block(entry.excerpt, 10, "", 1)
        if entry.item.note:
            block(f"Заметка составителя: {entry.item.note}", 10, "I", 1)
        url = permalink(entry.material)
        block(url, 9, "", 1 if entry.files else 4, link=url)
        if entry.files:
            block(_file_names(entry), 9, "", 4)
    block("Список литературы", 14, "B", 3)
    for number, (reference, licence_line, appendices) in enumerate(references(entries, accessed), 1):
        block(f"{number}. {reference}", 10, "", 1 if appendices or licence_line else 2)
        if licence_line:
            block(licence_line, 9, "I", 1 if appendices else 2)
        if appendices:
            block("Приложения:", 10, "I", 1)
        for appendix_number, appendix in enumerate(appendices, 1):
            block(f"{number}.{appendix_number}. {appendix}", 10, "", 2 if appendix_number == len(appendices) else 1)
    return bytes(pdf.output())


def export_ris(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """The available materials as RIS records, in the order given, the compiler's note as N1, each practice's
    files after it: what Zotero, Mendeley and EndNote import as a whole list."""
    records = []
    for entry in entries:
        if entry.material is None:
            continue
        record = ris(entry.material, permalink(entry.material), accessed)
        if note := " ".join(_plain(entry.item.note).split()):
            record = record.removesuffix("ER  - \r\n") + f"N1  - {note}\r\nER  - \r\n"
        records.append(record)
        records += [ris(file, permalink(file), accessed) for file in entry.files]
    return "\r\n".join(records).encode("utf-8")


def export_bib(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """The available materials as BibTeX entries (@misc with url and urldate), in the order given, each practice's
    files after it."""
    return "\n".join(bibtex(item, permalink(item), accessed) for entry in entries if entry.material is not None
                     for item in (entry.material, *entry.files)).encode("utf-8")


EXPORTERS: dict[str, Callable[[Collection, list[Entry], date], bytes]] = {
    "csv": export_csv, "docx": export_docx, "pdf": export_pdf, "ris": export_ris, "bib": export_bib,
}


def render(fmt: str, collection: Collection, entries: list[Entry], accessed: date | None = None,
           order: str = DEFAULT_ORDER) -> tuple[bytes, str]:
    """The export in ``fmt`` (csv, docx, pdf, ris, bib) with its items in ``order``, and its MIME type."""
    accessed = accessed or local_today()
    return EXPORTERS[fmt](collection, ordered(entries, order, accessed), accessed), MIMETYPES[fmt]
