"""A resolution file's text boxes and notes. Recommendations laid out in a Word text box (w:txbxContent, written
twice: DrawingML in mc:Choice, VML in mc:Fallback) were not read, nor were a DOCX's footnotes and endnotes; an
ODT's notes were read in the middle of the sentence citing them, and broke the numbered list. A text box is read
once, where it is anchored, its list paragraphs numbered on with the body's; the notes of a DOCX, an ODT or a FODT
come after the body, after a line «Сноски» (marked by the reader: a line «Сноски» of a text is only text), where
the parser looks for no recommendation."""

from __future__ import annotations

import io

import pytest

from kb.resolutions.parser import NOTES_LINE, Gazetteer, extract_text, parse_resolution
from kb.vocabularies import data
from tests.documents import flat_odf
from tests.test_attachments_docx import (
    ENDNOTES,
    FOOTNOTES,
    cell,
    drawing_docx_of,
    note_reference,
    notes_xml,
    paragraph,
    row,
    run,
    table,
    text_box,
    with_parts,
)
from tests.test_resolution_list_numbers import HEAD, ITEMS

NOTES = [NOTES_LINE, "Выготский Л. С. Мышление и речь. — М., 1999.", "Второй абзац", "Апробация в гимназии № 5",
         "Класс Баллы", "Приложение: рабочая программа"]


def parsed(text: str):
    return parse_resolution(text, Gazetteer.from_regions(data.REGIONS, data.classify_addressee))


def read(tmp_path, content: bytes, name: str = "rez.docx") -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return extract_text(path)


def listed(content: str) -> str:
    """A paragraph of Word's «List Number» style (its number is the style's: python-docx's template has it)."""
    return f'<w:p><w:pPr><w:pStyle w:val="ListNumber"/></w:pPr>{content}</w:p>'


def boxed(choice: str, fallback: str) -> str:
    """A run holding a text box as Word writes it (``text_box``), its DrawingML copy holding ``choice`` and its VML
    copy ``fallback`` (WordprocessingML blocks)."""
    return text_box("ВЫБОР", fallback="ЗАПАС").replace(paragraph(run("ВЫБОР")), choice or "<w:p/>").replace(
        paragraph(run("ЗАПАС")), fallback)


def test_recommendations_in_a_text_box_are_read_once_and_numbered_on(tmp_path):
    """Both copies of the box hold the list: one is read, and the body's list paragraph after it goes on from the
    box's numbers (the other copy's paragraphs are not counted either)."""
    items = listed(run(ITEMS[0])) + listed(run(ITEMS[1]))
    content = drawing_docx_of(*(paragraph(run(line)) for line in HEAD), paragraph(boxed(items, items)),
                              listed(run(ITEMS[2])))
    text = read(tmp_path, content)
    assert text.splitlines() == [*HEAD, *(f"{n}. {item}" for n, item in enumerate(ITEMS, start=1))]
    assert [(r.number, r.text) for r in parsed(text).recommendations] == [
        (str(n), item) for n, item in enumerate(ITEMS, start=1)]


def test_a_text_box_is_read_where_it_is_anchored_one_copy_of_it(tmp_path):
    """As a file of a practice is read: a box is a line of its own where its anchor is, the paragraph going on on the
    next line; the DrawingML copy is read, the VML copy only when the other has no text; a box in a table's cell,
    an old document's VML-only box and a box in a box are read too; a paragraph holding only a box gives its lines
    and no empty one."""
    vml_only = ('<w:r><w:pict><v:rect style="width:100pt;height:40pt"><v:textbox><w:txbxContent>'
                f'{paragraph(run("Старая надпись"))}</w:txbxContent></v:textbox></v:rect></w:pict></w:r>')
    inner = text_box("Внутренняя")
    content = drawing_docx_of(
        paragraph(run("Перед надписью ") + text_box("Ключевая мысль\nвторая строка") + run("и после")),
        paragraph(text_box("Выбранная", fallback="Запасная")),
        paragraph(text_box("", fallback="Только в VML")),
        paragraph(vml_only),
        paragraph(boxed(paragraph(run("Внешняя") + inner), paragraph(run("Внешняя") + inner))),
        table(row(cell(paragraph(run("Ячейка") + text_box("В ячейке"))))),
        paragraph(""), paragraph(run("Конец")))
    assert read(tmp_path, content).splitlines() == [
        "Перед надписью ", "Ключевая мысль", "вторая строка", "и после", "Выбранная", "Только в VML",
        "Старая надпись", "Внешняя", "Внутренняя", "Ячейка", "В ячейке", "", "Конец"]


def noted_resolution(footnotes: str | bytes | None = FOOTNOTES, endnotes: str | bytes | None = ENDNOTES,
                     compression: dict[str, int] | None = None) -> bytes:
    """HEAD, then the three recommendations as a Word list, the second citing a footnote in the middle of its
    sentence, the third two notes at its end; nothing after them closes the resolution."""
    body = drawing_docx_of(
        *(paragraph(run(line)) for line in HEAD), listed(run(ITEMS[0])),
        listed(run("Провести олимпиаду") + note_reference("footnote", 1) + run(" для младших школьников")),
        listed(run(ITEMS[2]) + note_reference("footnote", 2) + note_reference("endnote", 1)))
    parts = {name: xml for name, xml in (("footnotes", footnotes), ("endnotes", endnotes)) if xml is not None}
    return with_parts(body, parts, compression)


def test_a_docx_resolutions_notes_come_after_its_body_and_are_no_recommendations(tmp_path):
    numbered = [f"{n}. {item}" for n, item in enumerate(ITEMS, start=1)]
    text = read(tmp_path, noted_resolution())
    assert text.splitlines() == [*HEAD, *numbered, "", *NOTES]
    result = parsed(text)
    assert [(r.number, r.text) for r in result.recommendations] == [
        (str(n), item) for n, item in enumerate(ITEMS, start=1)]
    assert "Выготский" in result.full_text
    assert "\nСноски\nВыготский" in result.full_text and NOTES_LINE not in result.full_text  # shown unmarked
    # without notes, the text is what it was
    assert read(tmp_path, noted_resolution(None, None)).splitlines() == [*HEAD, *numbered]


@pytest.mark.parametrize("damage", ["entity", "cut"])
def test_a_broken_notes_part_of_a_resolution_costs_only_itself(tmp_path, damage):
    """As for a file of a practice: a notes part that cannot be read to its end gives what was read of it, and the
    resolution is read. (A part compressed with bzip2 refuses the whole file, as before: a resolution's package is
    unpacked whole before python-docx reads it.)"""
    numbered = [f"{n}. {item}" for n, item in enumerate(ITEMS, start=1)]
    if damage == "entity":
        content = noted_resolution(FOOTNOTES.replace("?>", '?><!DOCTYPE x [<!ENTITY a "аа">]>', 1).replace(
            "Второй абзац", "&a;"))
        kept = []
    else:
        content = noted_resolution(FOOTNOTES[:FOOTNOTES.index("Второй")])
        kept = NOTES[1:2]
    assert read(tmp_path, content).splitlines() == [*HEAD, *numbered, "", NOTES_LINE, *kept, NOTES[-1]]


def test_a_resolutions_notes_are_cut_to_the_text_a_resolution_may_have(tmp_path, monkeypatch):
    """The notes never make a resolution too long to import: the body is read whole, the notes up to the limit."""
    from kb.resolutions import parser

    long_note = notes_xml("footnote", paragraph(run(" " + "пояснение " * 500)))
    content = noted_resolution(long_note, None)
    body = "\n".join([*HEAD, *(f"{n}. {item}" for n, item in enumerate(ITEMS, start=1))])
    monkeypatch.setattr(parser, "MAX_TEXT_LENGTH", len(body) + 200)
    text = read(tmp_path, content)
    assert text.startswith(body + f"\n\n{NOTES_LINE}\nпояснение пояснение") and len(text) <= len(body) + 200
    assert len(parsed(text).recommendations) == 3


def _odt_resolution() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import ListLevelProperties
    from odf.text import List, ListItem, ListLevelStyleNumber, ListStyle, P

    from tests.test_attachments_office import note

    document = OpenDocumentText()
    numbered = ListStyle(name="L1")
    numbered.addElement(ListLevelStyleNumber(level=1, numformat="1", numsuffix="."))
    numbered.childNodes[0].addElement(ListLevelProperties())
    document.automaticstyles.addElement(numbered)
    for line in HEAD:
        document.text.addElement(P(text=line))
    items = List(stylename="L1")
    for n, item in enumerate(ITEMS):
        entry, text = ListItem(), P(text=item if n != 1 else "Провести олимпиаду")
        if n == 1:
            text.addElement(note("ftn1", "footnote", "1", "Выготский Л. С. Мышление и речь.", "Второй абзац"))
            text.addText(" для младших школьников")
        if n == 2:
            text.addElement(note("edn1", "endnote", "i", "Приложение: рабочая программа"))
        entry.addElement(text)
        items.addElement(entry)
    document.text.addElement(items)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


@pytest.mark.parametrize("flat", [False, True])
def test_an_odt_resolutions_notes_come_after_its_body_and_are_no_recommendations(tmp_path, flat):
    content = _odt_resolution()
    text = read(tmp_path, flat_odf(content) if flat else content, "rez.fodt" if flat else "rez.odt")
    assert text.splitlines() == [*HEAD, *(f"{n}. {item}" for n, item in enumerate(ITEMS, start=1)), "", NOTES_LINE,
                                 "Выготский Л. С. Мышление и речь.", "Второй абзац", "Приложение: рабочая программа"]
    assert [(r.number, r.text) for r in parsed(text).recommendations] == [
        (str(n), item) for n, item in enumerate(ITEMS, start=1)]


@pytest.mark.parametrize("name", ["rez.txt", "rez.md"])
def test_a_line_snoski_in_a_plain_text_is_only_text(tmp_path, name):
    """«Сноски» in a .txt ended the recommendations: the parser took it for the heading the DOCX and ODT readers put
    before a document's notes. Only that heading, as the readers write it, ends them: in a text the user wrote
    the line is text, and what follows it is read as any other lines."""
    lines = [*HEAD, f"1. {ITEMS[0]}", "Сноски", f"2. {ITEMS[1]}", f"3. {ITEMS[2]}"]
    text = read(tmp_path, "\n".join(lines).encode(), name)
    result = parsed(text)
    assert [r.text for r in result.recommendations] == [ITEMS[0] + " Сноски", *ITEMS[1:]]  # a line carrying on
    no_trigger = "\n".join([HEAD[0], HEAD[1], "Семинар прошёл в Омске.", "", "Сноски",
                            "Рекомендовано: 1) создать сеть школ; 2) провести олимпиаду."])
    assert [r.text for r in parsed(no_trigger).recommendations] == ["1) создать сеть школ; 2) провести олимпиаду."]


def test_a_line_snoski_in_a_docx_body_is_text_and_its_real_notes_still_end_it(tmp_path):
    """A body line «Сноски» (a heading the author typed) ends nothing; the notes the reader appends still do."""
    body = drawing_docx_of(
        *(paragraph(run(line)) for line in HEAD), listed(run(ITEMS[0])), paragraph(run("Сноски")),
        listed(run("Провести олимпиаду") + note_reference("footnote", 1) + run(" для младших школьников")),
        listed(run(ITEMS[2]) + note_reference("footnote", 2) + note_reference("endnote", 1)))
    text = read(tmp_path, with_parts(body, {"footnotes": FOOTNOTES, "endnotes": ENDNOTES}, None))
    result = parsed(text)
    assert len(result.recommendations) == 3
    assert not any("Выготский" in r.text or "Приложение" in r.text for r in result.recommendations)
    shown = result.full_text.splitlines()
    assert shown.count("Сноски") == 2  # the body's and the notes' heading, both shown as written


@pytest.mark.parametrize("name", ["rez.txt", "rez.md", "rez.docx", "rez.odt", "rez.fodt"])
def test_a_users_own_noncharacter_ends_nothing(tmp_path, name):
    """The readers mark their notes' heading with U+FDD0; the same character typed into a file (hostile, or a
    program's leftover) before «Сноски» cut the recommendations off there without a word. A file's own U+FDD0 is
    dropped as it is read: only the readers' heading is marked."""
    lines = [*HEAD, f"1. {ITEMS[0]}", NOTES_LINE, f"2. {ITEMS[1]}", f"3. {ITEMS[2]}"]
    if name.endswith(".docx"):
        content = drawing_docx_of(*(paragraph(run(line)) for line in lines))
    elif name.endswith("odt"):
        from odf.opendocument import OpenDocumentText
        from odf.text import P

        document = OpenDocumentText()
        for line in lines:
            document.text.addElement(P(text=line))
        out = io.BytesIO()
        document.write(out)
        content = flat_odf(out.getvalue()) if name.endswith(".fodt") else out.getvalue()
    else:
        content = "\n".join(lines).encode()
    text = read(tmp_path, content, name)
    assert NOTES_LINE not in text
    assert len(parsed(text).recommendations) == 3


def test_the_import_preview_shows_the_notes_heading_unmarked(app, make_user):
    """The preview's «Распознанный текст файла» printed the readers' marked heading as it is kept: «\\ufdd0Сноски»."""
    from tests.conftest import csrf_from, sign_in

    methodist = make_user("methodist", scope_region="RU-CHE")
    client = app.test_client()
    sign_in(client, methodist)
    response = client.post("/resolutions/import", data={
        "csrf_token": csrf_from(client, "/resolutions/import"),
        "file": (io.BytesIO(noted_resolution()), "rez.docx")}, content_type="multipart/form-data",
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Распознанный текст файла" in html
    assert "<p>Сноски</p>" in html and "\ufdd0" not in html
