"""A PPTX's speaker notes (the notes pages, ppt/notesSlides/*.xml): a teacher's presentation often keeps what is
said over each slide there, and none of it reached the attachment's text or the search. Each slide's notes are read
after its own text, through the slide's notesSlide relationship only, each notes part once; the placeholders that
repeat on every notes page (the slide's picture, its number, the date, the header and footer) are not read."""

from __future__ import annotations

import io
import zipfile

import pytest

from kb.attachments.extract import extract_text
from tests.documents import lying_part, peak_memory, rewrite_part
from tests.test_attachments import WORD, editor, publish_and_find, upload  # noqa: F401 - the fixture
from tests.test_attachments_docx import wrong_crc

A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
OFFICE_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_RELATIONSHIPS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def shape(number: int, placeholder: str | None, *paragraphs: str) -> str:
    """A notes page's shape: a placeholder of a type (``placeholder`` "" has no type: an «obj») or a text box
    (None), its paragraphs' runs given as DrawingML (``text`` for a run of that text)."""
    ph = "" if placeholder is None else f'<p:ph type="{placeholder}" idx="{number}"/>' if placeholder else \
        f'<p:ph idx="{number}"/>'
    body = ("<p:txBody><a:bodyPr/><a:lstStyle/>" + "".join(f"<a:p>{p}</a:p>" for p in paragraphs) + "</p:txBody>"
            if paragraphs else "")
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{number}" name="Фигура {number}"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr>'
            f"</p:nvSpPr><p:spPr/>{body}</p:sp>")


def text(words: str) -> str:
    return f"<a:r><a:rPr lang=\"ru-RU\"/><a:t>{words}</a:t></a:r>"


def field(kind: str, words: str) -> str:
    return f'<a:fld id="{{B5F2A5C0-0000-4000-8000-00000000000{len(kind) % 10}}}" type="{kind}">' \
           f"<a:rPr lang=\"ru-RU\"/><a:t>{words}</a:t></a:fld>"


def notes_page(*shapes: str) -> bytes:
    """A notes page (p:notes) with its shapes, as PowerPoint writes one."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:notes xmlns:a="{A}" xmlns:p="{P}" '
            f'xmlns:r="{OFFICE_RELATIONSHIPS}"><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
            "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>" + "".join(shapes)
            + "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>").encode()


def said(*paragraphs: str) -> bytes:
    """A notes page as PowerPoint writes it: the slide's picture, the notes (``paragraphs``), the slide number,
    the date, the header and the footer (each placeholder with the text PowerPoint keeps in it)."""
    return notes_page(shape(2, "sldImg", text("Эскиз слайда")), shape(3, "body", *paragraphs),
                      shape(4, "sldNum", field("slidenum", "7")), shape(5, "dt", field("datetime1", "07.12.2024")),
                      shape(6, "hdr", text("Гимназия № 5")), shape(7, "ftr", text("Педсовет")))


def presentation(*slides: tuple[str, bytes | None]) -> bytes:
    """A PPTX (python-pptx) of slides with a title each, and the notes page given (None: the slide has none)."""
    from pptx import Presentation

    made = Presentation()
    for title, notes in slides:
        slide = made.slides.add_slide(made.slide_layouts[5])
        slide.shapes.title.text = title
        if notes is not None:
            slide.notes_slide.notes_text_frame.text = "заменяется"
    out = io.BytesIO()
    made.save(out)
    data = out.getvalue()
    number = 0
    for _title, notes in slides:
        if notes is not None:
            number += 1
            data = rewrite_part(data, f"ppt/notesSlides/notesSlide{number}.xml", lambda _xml, notes=notes: notes)
    return data


def test_each_slides_speaker_notes_are_read_after_its_text_without_the_pages_placeholders():
    """A slide's notes come right after its own text (a search's snippet of them stands beside the slide they are
    said over), their paragraphs a line each, a line break as one too; a text box of the notes page and a
    placeholder of no type are read; the slide's picture, its number, the date, the header and the footer are
    not, nor are the notes of a slide whose notes page is empty."""
    data = presentation(
        ("Цели урока", said(text("Сказать о цели"), text("Привести пример") + "<a:br/>" + text("из практики"))),
        ("Без заметок", None),
        ("Итоги", notes_page(shape(2, "sldImg"), shape(3, "", text("Спросить класс")),
                             shape(8, None, text("Раздать памятку"), field("slidenum", "3") + text(" слайд")))),
        ("Пустые заметки", said()))
    assert extract_text(data, "pptx").splitlines() == [
        "Цели урока", "Сказать о цели", "Привести пример", "из практики", "Без заметок", "Итоги", "Спросить класс",
        "Раздать памятку", "3 слайд", "Пустые заметки"]


def with_relationships(data: bytes, slide: int, relationships: str) -> bytes:
    return rewrite_part(data, f"ppt/slides/_rels/slide{slide}.xml.rels",
                        lambda xml: xml.replace(b"</Relationships>", relationships.encode() + b"</Relationships>"))


def test_a_notes_part_is_read_once_and_only_through_the_notes_slide_relationship(monkeypatch):
    """Only a slide's notesSlide relationship (of transitional or of strict OOXML) names its notes page, and a
    notes page named by several relationships or slides is read once: a relationship of another type, or of a type
    merely ending in «/notesSlide», names no notes, and a part named over and over is not read over and over."""
    from kb.attachments import ooxml

    data = presentation(("Первый", said(text("Заметка первого"))), ("Второй", said(text("Заметка второго"))),
                        ("Третий", None))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {"ppt/notesSlides/notesSlide1.xml", "ppt/notesSlides/notesSlide2.xml"} <= set(archive.namelist())
    foreign = (f'<Relationship Id="rIdx1" Type="http://example.org/x/notesSlide" '
               'Target="../notesSlides/notesSlide2.xml"/>'
               f'<Relationship Id="rIdx2" Type="{OFFICE_RELATIONSHIPS}/slideLayout" '
               'Target="../notesSlides/notesSlide2.xml"/>')
    again = "".join(f'<Relationship Id="rIdn{i}" Type="{OFFICE_RELATIONSHIPS}/notesSlide" '
                    'Target="../notesSlides/notesSlide1.xml"/>' for i in range(50))
    data = with_relationships(data, 1, again + f'<Relationship Id="rIds" Type="{STRICT_RELATIONSHIPS}/notesSlide" '
                                               'Target="/ppt/notesSlides/notesSlide1.xml"/>')
    data = with_relationships(data, 2, f'<Relationship Id="rIdp" Type="{OFFICE_RELATIONSHIPS}/notesSlide" '
                                       'Target="../notesSlides/notesSlide1.xml"/>')
    data = with_relationships(data, 3, foreign)
    read: list[str] = []
    real_read = ooxml._read

    def counted(archive, part, reader):
        read.append(part)
        return real_read(archive, part, reader)

    monkeypatch.setattr(ooxml, "_read", counted)
    assert extract_text(data, "pptx").splitlines() == [
        "Первый", "Заметка первого", "Второй", "Заметка второго", "Третий"]
    assert read.count("ppt/notesSlides/notesSlide1.xml") == 1 and read.count("ppt/notesSlides/notesSlide2.xml") == 1
    # a strict presentation's notes are found by their own type
    strict = rewrite_part(presentation(("Слайд", said(text("Строгая заметка")))), "ppt/slides/_rels/slide1.xml.rels",
                          lambda xml: xml.replace(f"{OFFICE_RELATIONSHIPS}/notesSlide".encode(),
                                                  f"{STRICT_RELATIONSHIPS}/notesSlide".encode()))
    assert extract_text(strict, "pptx").splitlines() == ["Слайд", "Строгая заметка"]


NOTES = "ppt/notesSlides/notesSlide1.xml"


@pytest.mark.parametrize("damage", ["cut", "entity", "bzip2", "crc", "missing", "relationships"])
def test_a_broken_notes_part_costs_only_itself(damage):
    """A notes page that cannot be read to its end (cut XML, a DOCTYPE declaring entities, a compression that cannot
    be bounded, a CRC that does not match, a part the relationship names that is not there, a slide's list of
    relationships that is broken) costs only what could not be read of it: the file is not refused, the slides'
    text stays, and so do the notes read before the damage and the other slides' notes."""
    data = presentation(("Первый", said(text("Первая заметка"), text("Вторая заметка"))),
                        ("Второй", said(text("Заметка второго"))))
    first = ["Первый", "Первая заметка", "Вторая заметка"]
    if damage == "cut":
        data = rewrite_part(data, NOTES, lambda xml: xml[:xml.index("Вторая".encode()) + len("Вторая".encode())])
        first = first[:2] + ["Вторая"]
    elif damage == "entity":
        data = rewrite_part(data, NOTES, lambda xml: xml.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY a "aa">]>', 1)
                            .replace("Вторая заметка".encode(), b"&a;"))
        first = ["Первый"]
    elif damage == "bzip2":
        source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info in source.infolist():
                archive.writestr(info.filename, source.read(info),
                                 compress_type=zipfile.ZIP_BZIP2 if info.filename == NOTES else zipfile.ZIP_DEFLATED)
        data, first = out.getvalue(), ["Первый"]
    elif damage == "crc":
        data, first = wrong_crc(data, NOTES), ["Первый"]
    elif damage == "missing":
        data = rewrite_part(data, "ppt/slides/_rels/slide1.xml.rels",
                            lambda xml: xml.replace(b"notesSlide1.xml", b"notesSlide9.xml"))
        first = ["Первый"]
    else:
        data = rewrite_part(data, "ppt/slides/_rels/slide1.xml.rels", lambda xml: xml[:len(xml) // 2])
        first = ["Первый"]
    assert extract_text(data, "pptx").splitlines() == [*first, "Второй", "Заметка второго"]


def test_notes_are_read_within_the_limits_of_the_whole_text(monkeypatch):
    """The notes count against the same limits as the slides: the characters kept for the index (the notes cut where
    the text reaches it, and nothing read after) and the elements of all the parts read; a notes part that
    unpacks to more than it declares is read only up to what it declares, in bounded memory."""
    from xml.etree import ElementTree

    from kb.attachments import ooxml

    data = presentation(("Первый", said(text("Заметка докладчика"))), ("Второй", said(text("Ещё заметка"))))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        monkeypatch.setattr(ooxml, "MAX_TEXT", len("Первый\nЗаметка"))
        found = ooxml.pptx_text(archive)
        assert found[:ooxml.MAX_TEXT] == "Первый\nЗаметка" and "Второй" not in found
        monkeypatch.undo()
        # the elements of the parts read before the first notes page, and its first three (p:notes, p:cSld, p:spTree)
        elements = sum(len(list(ElementTree.fromstring(archive.read(part)).iter())) for part in (
            "_rels/.rels", "ppt/presentation.xml", "ppt/_rels/presentation.xml.rels", "ppt/slides/slide1.xml",
            "ppt/slides/_rels/slide1.xml.rels"))
        monkeypatch.setattr(ooxml, "MAX_ELEMENTS", elements + 3)
        assert ooxml.pptx_text(archive) == "Первый"
    monkeypatch.undo()
    lying = lying_part(data, NOTES, 150 * 1024 * 1024)
    texts: list[str] = []
    peak = peak_memory(lambda: texts.append(extract_text(lying, "pptx")))
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert texts[0].splitlines() == ["Первый", "Заметка докладчика", "Второй", "Ещё заметка"]


def test_a_practice_is_found_by_a_word_only_in_the_speaker_notes(app, editor, make_user):  # noqa: F811
    client, pid = editor
    data = presentation(("Мастер-класс", said(text(f"Рассказать про {WORD}"))))
    upload(client, pid, "мастер-класс.pptx", data)
    publish_and_find(app, client, make_user, pid, "мастер-класс.pptx", WORD)
