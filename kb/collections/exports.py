"""A collection as a reading list: CSV for spreadsheets, DOCX for editing, PDF for reading and printing.

Each lists the title, the description, the items with their annotations and notes, and ends with a
bibliography in ГОСТ Р 7.0.100–2018 form, a practice's files («Приложения») under its reference. A file put in the
collection on its own is an item with its own reference (the same as an appendix's, ``gost_reference``), and then
not an appendix of its practice too (``services.public_entries``). Unavailable items
keep their place («Материал недоступен») without any of their content. The items come in the collection's order or
alphabetically by their references (``ORDERS``).

One numbering serves every part of a file (``numbered``): the bibliography's. A course designer cites «[3]», and «3.» is
the same material in «Материалы», in «Список литературы», in its appendices «3.1.», «3.2.», in the CSV («Приложение к
№ 3») and on the collection's page (``services.item_numbers``, in the collection's order). An unavailable item is not
cited, so it has no number: «Материал недоступен» stands between the others unnumbered (the materials said «4. Материал
недоступен» and «5. …» for what the bibliography called «4.»).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from kb import spreadsheets
from kb.citations.links import permalink
from kb.citations.services import (
    BIBTEX_MIMETYPE,
    RIS_MIMETYPE,
    bibtex,
    gost_reference,
    readable_url,
    reference_sort_key,
    ris,
)
from kb.collections.models import Collection
from kb.collections.services import Entry, bibliography_numbers
from kb.pdf import PdfText, document_bytes, new_document
from kb.practices.licences import licence, licence_text
from kb.practices.models import Practice
from kb.templating import format_date
from kb.textclean import unix_line_breaks, xml_text
from kb.timeutil import local_today

# python-docx is imported by the export that needs it, fpdf2 by kb.pdf's new_document: loaded with the app they took
# 30 MB of every web worker's memory for a page few requests ask for.

MIMETYPES = {
    "csv": "text/csv",  # werkzeug adds "; charset=utf-8" to text/* (given here too, it came twice)
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "ris": RIS_MIMETYPE,  # as one item's (kb/citations/views.py)
    "bib": BIBTEX_MIMETYPE,
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


def _licensed(entry: Entry) -> Practice | None:
    """The practice whose licence an item is used under: a practice, or the practice of a file."""
    return entry.material if isinstance(entry.material, Practice) else entry.practice


def terms(entry: Entry) -> str:
    """The line under a practice's (or a practice's file's) reference that says on what terms it (and its files)
    may be used; "" for a resolution or a recommendation, which carry no licence of the bank's."""
    practice = _licensed(entry)
    return licence_text(practice.licence) if practice is not None else ""


def numbered(entries: list[Entry]) -> list[tuple[int | None, Entry]]:
    """Each item with its number in the bibliography, the one every part of an export calls it by; None for an
    unavailable item, which the bibliography does not cite (``bibliography_numbers``, the collection's page's too)."""
    return list(zip(bibliography_numbers(entry.material is not None for entry in entries), entries, strict=True))


def _label(number: int | None, title: str) -> str:
    """An item's heading in «Материалы»: «3. Название», an unavailable one without a number."""
    return title if number is None else f"{number}. {title}"


def references(entries: list[Entry], accessed: date) -> list[tuple[int, str, str, list[str]]]:
    """The bibliography: the available items in the order given, each with its number (``numbered``), its ГОСТ
    reference, a practice's licence (``terms``) and the references of its files («Приложения»)."""
    return [(number, gost_reference(e.material, permalink(e.material), accessed), terms(e),
             [gost_reference(file, permalink(file), accessed) for file in e.files])
            for number, e in numbered(entries) if number is not None]


FILE_TYPE = "Приложение к №"  # a file's row in CSV follows its practice's


def _file_names(entry: Entry) -> str:
    return "Приложения: " + ", ".join(file.original_name for file in entry.files)


def _subtitle(collection: Collection, accessed: date) -> str:
    """«Составитель: Петрова А. С. Список сформирован …»: a name ending with an initial has its full stop already."""
    name = collection.owner.display_name
    return f"Составитель: {name}{'' if name.endswith('.') else '.'} Список сформирован {format_date(accessed)}"


def export_csv(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """One row per item, and one per file of a practice after it; UTF-8 with a byte-order mark and «;» between
    columns, as Russian Excel opens it (like the bank's other CSV files: search results, statistics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for number, entry in numbered(entries):
        if number is None:  # not cited: no number of the bibliography's
            writer.writerow(spreadsheets.row(["", "", entry.title, "", "", "", "", ""]))
            continue
        url = permalink(entry.material)
        practice = _licensed(entry)
        licence_label = licence(practice.licence)["label"] if practice is not None else ""
        writer.writerow(spreadsheets.row([number, entry.type_label, entry.title, entry.excerpt, entry.item.note,
                                          gost_reference(entry.material, url, accessed), url, licence_label]))
        # No number of its own: «2.1» is a date (2 January) to Russian Excel.
        for file in entry.files:
            url = permalink(file)
            writer.writerow(spreadsheets.row(["", f"{FILE_TYPE} {number}", file.original_name, "", "",
                                              gost_reference(file, url, accessed), url, licence_label]))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _plain(text: object) -> str:
    """A text for a document: without control characters, with one kind of line break. python-docx makes a
    break of each «\r» and «\n», so a textarea's «\r\n» (what browsers send) gave an empty line between lines."""
    return unix_line_breaks(xml_text(text))


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
    for number, entry in numbered(entries):
        document.add_heading(_plain(_label(number, entry.title)), level=2)
        if number is None:
            continue
        document.add_paragraph(_plain(entry.type_label))
        if entry.excerpt:
            document.add_paragraph(_plain(entry.excerpt))
        if entry.item.note:
            paragraph = document.add_paragraph()
            paragraph.add_run("Заметка составителя: ").bold = True
            paragraph.add_run(_plain(entry.item.note)).italic = True
        document.add_paragraph(_plain(readable_url(permalink(entry.material))))
        if entry.files:
            document.add_paragraph(_plain(_file_names(entry)))
    document.add_heading("Список литературы", level=1)
    for number, reference, licence_line, appendices in references(entries, accessed):
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


def export_pdf(collection: Collection, entries: list[Entry], accessed: date) -> bytes:
    """A PDF with DejaVu fonts embedded (subset), so Cyrillic shows on any reader."""
    pdf = new_document(collection.title, collection.owner.display_name)
    block = PdfText(pdf).block

    block(collection.title, 18, "B", 3)
    if collection.description:
        block(collection.description)
    block(_subtitle(collection, accessed), 9, "I", 6)
    block("Материалы", 14, "B", 3)
    for number, entry in numbered(entries):
        block(_label(number, entry.title), 12, "B", 1)
        if number is None:
            pdf.ln(3)
            continue
        block(entry.type_label, 9, "I", 1)
        if entry.excerpt:
            block(entry.excerpt, 10, "", 1)
        if entry.item.note:
            block(f"Заметка составителя: {entry.item.note}", 10, "I", 1)
        url = permalink(entry.material)  # shown in its letters, linked as the site sends it
        block(readable_url(url), 9, "", 1 if entry.files else 4, link=url)
        if entry.files:
            block(_file_names(entry), 9, "", 4)
    block("Список литературы", 14, "B", 3)
    for number, reference, licence_line, appendices in references(entries, accessed):
        block(f"{number}. {reference}", 10, "", 1 if appendices or licence_line else 2)
        if licence_line:
            block(licence_line, 9, "I", 1 if appendices else 2)
        if appendices:
            block("Приложения:", 10, "I", 1)
        for appendix_number, appendix in enumerate(appendices, 1):
            block(f"{number}.{appendix_number}. {appendix}", 10, "", 2 if appendix_number == len(appendices) else 1)
    return document_bytes(pdf)


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
