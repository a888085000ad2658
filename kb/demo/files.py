"""Files of the demo practices (files.json: texts written for the demo), made as DOCX, PPTX and PDF when the demo
loads and attached through the attachment service like any upload: stored under UPLOAD_DIR, their text
extracted and indexed."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app

DEMO_FILES = Path(__file__).resolve().parent / "files.json"
# One moment for every demo file's metadata: the same text makes the same bytes on every load.
MADE_AT = datetime(2025, 9, 1, 9, 0, 0)


@dataclass(frozen=True)
class DemoFile:
    practice: str  # the demo key ("demo-a-01")
    name: str  # the file's name, its extension saying what to make
    spec: dict


def demo_files() -> list[DemoFile]:
    """The demo files, in file order."""
    return [DemoFile(item["practice"], item["name"], item)
            for item in json.loads(DEMO_FILES.read_text(encoding="utf-8"))]


class CannotMake(RuntimeError):
    """A file this server cannot make (a PDF without its TrueType font): the demo goes on without it."""


def make_file(demo_file: DemoFile) -> bytes:
    extension = demo_file.name.rsplit(".", 1)[-1].lower()
    return {"docx": _docx, "pptx": _pptx, "pdf": _pdf}[extension](demo_file.spec)


def _docx(spec: dict) -> bytes:
    from docx import Document

    document = Document()
    document.core_properties.title = spec["title"]
    document.core_properties.author = ""
    document.core_properties.created = document.core_properties.modified = MADE_AT
    document.add_heading(spec["title"], level=1)
    if spec.get("subtitle"):
        document.add_paragraph(spec["subtitle"]).runs[0].italic = True
    for block in spec["blocks"]:
        if "heading" in block:
            document.add_heading(block["heading"], level=2)
        elif "text" in block:
            document.add_paragraph(block["text"])
        elif "items" in block:
            for item in block["items"]:
                document.add_paragraph(item, style="List Bullet")
        elif "table" in block:
            rows = block["table"]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            for cells, row in zip(table.rows, rows, strict=True):
                for cell, value in zip(cells.cells, row, strict=True):
                    cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pptx(spec: dict) -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    presentation.core_properties.title = spec["slides"][0]["title"]
    presentation.core_properties.author = ""
    presentation.core_properties.created = presentation.core_properties.modified = MADE_AT
    for number, content in enumerate(spec["slides"]):
        # the first slide a title slide (its points the subtitle), the others a title and a list
        slide = presentation.slides.add_slide(presentation.slide_layouts[0 if number == 0 else 1])
        slide.shapes.title.text = content["title"]
        body = slide.placeholders[1].text_frame
        body.text = content["points"][0]
        for point in content["points"][1:]:
            body.add_paragraph().text = point
        if content.get("notes"):
            slide.notes_slide.notes_text_frame.text = content["notes"]
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def _pdf(spec: dict) -> bytes:
    from fpdf import FPDF, FontFace

    from kb.pdf import document_bytes

    # one face: a font is read and subset again for each file, most of a PDF's making time (headings are larger)
    font = Path(current_app.config["PDF_FONT_DIR"]) / "DejaVuSans.ttf"
    if not font.is_file():
        raise CannotMake(f"{font} not found")
    pdf = FPDF()
    pdf.set_creation_date(MADE_AT)
    pdf.set_title(spec["title"])
    pdf.set_lang("ru")
    pdf.add_font("DejaVu", "", str(font))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    width = pdf.epw

    def paragraph(text: str, size: float = 11, after: float = 2) -> None:
        pdf.set_font("DejaVu", "", size)
        pdf.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(after)

    paragraph(spec["title"], 15, 3)
    if spec.get("subtitle"):
        paragraph(spec["subtitle"], 10, 4)
    for block in spec["blocks"]:
        if "heading" in block:
            pdf.ln(2)
            paragraph(block["heading"], 13)
        elif "text" in block:
            paragraph(block["text"])
        elif "items" in block:
            for item in block["items"]:
                paragraph(f"– {item}", after=1)
            pdf.ln(1)
        elif "table" in block:
            pdf.set_font("DejaVu", "", 9)
            heads = FontFace(emphasis="", fill_color=(235, 235, 235))  # no bold face: a grey first row
            with pdf.table(width=width, line_height=4.5, text_align="LEFT", headings_style=heads) as table:
                for values in block["table"]:
                    row = table.row()
                    for value in values:
                        row.cell(value)
            pdf.ln(3)
    return document_bytes(pdf)


@dataclass
class FilesReport:
    created: int = 0
    existing: int = 0
    skipped: int = 0  # files this server cannot make (no PDF font)
    refused: int = 0  # files of a practice the uploader may no longer change (archived) or at its file limit


def attach_demo_files(uploader, practices: dict[str, object]) -> FilesReport:
    """Attach the demo files that their practices (demo key -> Practice) lack, by name: loading again adds none,
    and a file removed from a practice comes back. ``uploader`` may edit every demo practice (the demo admin)."""
    from sqlalchemy import select

    from kb.attachments.extract import AttachmentError
    from kb.attachments.models import Attachment
    from kb.attachments.services import add_attachment, clean_filename
    from kb.extensions import db
    from kb.practices.services import PermissionDenied

    report = FilesReport()
    wanted = [f for f in demo_files() if f.practice in practices]
    ids = {practices[f.practice].id for f in wanted}
    present = set(db.session.execute(
        select(Attachment.practice_id, Attachment.original_name).where(Attachment.practice_id.in_(ids))))
    for demo_file in wanted:
        practice = practices[demo_file.practice]
        if (practice.id, clean_filename(demo_file.name)) in present:
            report.existing += 1
            continue
        try:
            data = make_file(demo_file)
        except CannotMake as exc:
            current_app.logger.warning("Demo file %s not made: %s", demo_file.name, exc)
            report.skipped += 1
            continue
        try:
            add_attachment(uploader, practice, demo_file.name, data)
        except (PermissionDenied, AttachmentError) as exc:  # nothing written: the others are still attached
            current_app.logger.warning("Demo file %s not attached to %s: %s", demo_file.name, demo_file.practice,
                                       exc or "the practice may not be changed")
            report.refused += 1
            continue
        report.created += 1
    return report
