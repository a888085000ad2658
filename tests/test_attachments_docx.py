"""A DOCX's text inside the elements Word wraps it in: tracked insertions and moves, content controls (of
paragraphs, of tables' cells and of runs), smart tags, simple fields, custom XML and hyperlinks, at any nesting.
Word shows that text, but the reader took paragraphs only right in the body or a cell and runs only right in a
paragraph or a hyperlink: it never reached the attachment's text or the search. Deleted text (w:del, w:moveFrom)
is what Word does not show: it stays out."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest

from kb.attachments.extract import extract_text
from tests.documents import lying_part, peak_memory, rewrite_part
from tests.test_attachments import WORD, editor, publish_and_find, upload  # noqa: F401 - the fixture

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def xml(fragment: str):
    """The element ``fragment`` writes (its «w:» prefix bound)."""
    from docx.oxml import parse_xml

    return parse_xml(f'<w:wrap xmlns:w="{W}">{fragment}</w:wrap>')[0]


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def paragraph(content: str) -> str:
    return f"<w:p>{content}</w:p>"


def block_sdt(content: str) -> str:
    return f'<w:sdt><w:sdtPr><w:alias w:val="Поле"/></w:sdtPr><w:sdtContent>{content}</w:sdtContent></w:sdt>'


def docx_of(*blocks: str) -> bytes:
    """A document made by python-docx whose body holds ``blocks`` (WordprocessingML, in order) before its
    section properties."""
    import docx

    document = docx.Document()
    body = document.element.body
    for block in blocks:
        body.insert(len(body) - 1, xml(block))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_text_in_tracked_insertions_content_controls_tags_and_fields_is_read_and_deleted_text_is_not():
    data = docx_of(
        paragraph(run("Исходный ") + f'<w:ins w:id="1" w:author="А">{run("вставленный ")}</w:ins>'
                  + '<w:del w:id="2" w:author="А"><w:r><w:delText>удалённый </w:delText></w:r></w:del>'
                  + f'<w:moveFrom w:id="3" w:author="А">{run("перенесённый-отсюда ")}</w:moveFrom>'
                  + f'<w:moveTo w:id="4" w:author="А">{run("перенесённый ")}</w:moveTo>'
                  + f"<w:sdt><w:sdtPr/><w:sdtContent>{run('Иванова ')}</w:sdtContent></w:sdt>"
                  + f'<w:smartTag w:uri="urn:x" w:element="City">{run("Челябинск ")}</w:smartTag>'
                  + f'<w:fldSimple w:instr=" AUTHOR ">{run("Петров ")}</w:fldSimple>'
                  + f'<w:customXml w:element="x">{run("кастом ")}</w:customXml>'
                  + '<w:hyperlink w:anchor="a"><w:ins w:id="5" w:author="А"><w:smartTag w:element="y">'
                  + f"<w:sdt><w:sdtContent>{run('ссылка')}</w:sdtContent></w:sdt></w:smartTag></w:ins></w:hyperlink>"),
        block_sdt(paragraph(run("Работа с одарёнными")) + paragraph(run("детьми"))),
        f'<w:customXml w:element="блок">{paragraph(run("Блок разметки"))}</w:customXml>',
        block_sdt(block_sdt(paragraph(f'<w:ins w:id="6" w:author="А">{run("Вложенный элемент")}</w:ins>'))),
    )
    assert extract_text(data, "docx").splitlines() == [
        "Исходный вставленный перенесённый Иванова Челябинск Петров кастом ссылка",
        "Работа с одарёнными", "детьми", "Блок разметки", "Вложенный элемент"]


def test_a_symbol_inserted_by_word_is_read_and_its_bullet_becomes_a_bullet():
    """«Вставка → Символ» (and lists typed with it) writes ``<w:sym w:font="Symbol" w:char="F0B7"/>``: the bullet
    was dropped from the text, while the same character typed as text became «•». The Symbol font's other
    characters become their Unicode ones (α, °, ≥); a code that is no character (a surrogate, a control, not
    hexadecimal, another font's private-use code other than a bullet) gives nothing."""
    def sym(code: str, font: str = "Symbol") -> str:
        return f'<w:r><w:sym w:font="{font}" w:char="{code}"/></w:r>'

    data = docx_of(paragraph(sym("F0B7") + run(" первый пункт")),
                   paragraph(sym("F0A7", "Wingdings") + run(" второй пункт")),
                   paragraph(sym("2116", "Times New Roman") + run(" 5")),
                   # the Symbol font's own characters, as Unicode (they were kept in the private-use area: boxes)
                   paragraph(run("Угол ") + sym("F061") + run(" = 30") + sym("F0B0") + run(", доля ") + sym("B3")
                             + run(" 0,5, ") + sym("F070") + run(" ") + sym("F0BB") + run(" 3,14")),
                   paragraph(run("код") + sym("D800") + sym("0007") + sym("XYZ") + sym("") + sym("F04A", "Wingdings")
                             + run(" без знаков")))
    assert extract_text(data, "docx").splitlines() == [
        "• первый пункт", "• второй пункт", "№ 5", "Угол α = 30°, доля ≥ 0,5, π ≈ 3,14", "код без знаков"]


def test_a_paragraph_deleted_or_moved_away_whole_is_left_out():
    data = docx_of(paragraph(run("Остаётся")),
                   paragraph('<w:del w:id="1" w:author="А"><w:r><w:delText>Удалено</w:delText></w:r></w:del>'),
                   paragraph(f'<w:moveFrom w:id="2" w:author="А">{run("Перенесено")}</w:moveFrom>'),
                   paragraph(run("Дальше")))
    assert extract_text(data, "docx").splitlines() == ["Остаётся", "Дальше"]


def test_tables_in_content_controls_and_content_controls_in_cells_are_read():
    def cell(content: str) -> str:
        return f"<w:tc><w:tcPr/>{content}</w:tc>"

    table = ("<w:tbl><w:tblPr/><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>"
             "<w:tr>" + cell(block_sdt(paragraph(run("Итог")))) + cell(
                 paragraph(f'<w:ins w:id="1" w:author="А">{run("Победители")}</w:ins>')
                 + block_sdt(paragraph(run("олимпиады")))) + "</w:tr>"
             + block_sdt("<w:tr>" + cell(paragraph(run("Строка"))) + block_sdt(cell(paragraph(run("в поле"))))
                         + "</w:tr>")
             + "</w:tbl>")
    data = docx_of(paragraph(run("План")), block_sdt(table))
    assert extract_text(data, "docx").splitlines() == ["План", "Итог Победители", "олимпиады", "Строка в поле"]


def test_a_plain_document_reads_as_before():
    """What python-docx gave and the reader kept: runs directly and in a hyperlink, tabs (a space in the text
    kept), breaks."""
    data = docx_of(paragraph(run("Один") + "<w:r><w:tab/><w:t>два</w:t><w:br/><w:t>три</w:t></w:r>"
                             + f'<w:hyperlink w:anchor="a">{run(" ссылка")}</w:hyperlink>'))
    assert extract_text(data, "docx").splitlines() == ["Один два", "три ссылка"]


def test_wrappers_nested_past_any_document_are_read_in_bounded_memory(monkeypatch):
    """Ten thousand smart tags one inside another around a run: each element is looked at once, whatever its
    depth; the elements allowed still stop the reading."""
    from kb.attachments import ooxml

    depth = 10_000
    nested = '<w:smartTag w:element="x">' * depth + run("глубоко") + "</w:smartTag>" * depth
    data = rewrite_part(docx_of(paragraph(run("Начало")), paragraph(run("ГЛУБИНА"))), "word/document.xml",
                        lambda xml: xml.replace(run("ГЛУБИНА").encode(), nested.encode()))  # lxml stops at 256
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(data, "docx")))
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert found[0].splitlines() == ["Начало", "глубоко"]
    monkeypatch.setattr(ooxml, "MAX_ELEMENTS", depth)  # fewer than the nesting: the run is never reached
    assert extract_text(data, "docx").splitlines()[0] == "Начало"
    assert "глубоко" not in extract_text(data, "docx")


@pytest.mark.parametrize("wrapper", ["ins", "sdt"])
def test_a_practice_is_found_by_a_word_in_a_wrapped_run(app, editor, make_user, wrapper):  # noqa: F811
    """The text reaches the search, as any other word of the file."""
    inner = run(WORD)
    wrapped = (f'<w:ins w:id="1" w:author="А">{inner}</w:ins>' if wrapper == "ins"
               else f"<w:sdt><w:sdtContent>{inner}</w:sdtContent></w:sdt>")
    client, pid = editor
    upload(client, pid, "план.docx", docx_of(paragraph(run("Опыт: ") + wrapped)))
    publish_and_find(app, client, make_user, pid, "план.docx", WORD)


# --------------------------------------------------------------------------------------------------
# Tables in tables, text boxes and shapes

NAMESPACES = {
    "w": W, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wpg": "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup",
    "wp14": "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",
    "v": "urn:schemas-microsoft-com:vml", "o": "urn:schemas-microsoft-com:office:office",
    "w10": "urn:schemas-microsoft-com:office:word"}


def drawing_xml(fragment: str):
    """The element ``fragment`` writes, with the prefixes Word uses for drawings bound."""
    from docx.oxml import parse_xml

    declared = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NAMESPACES.items())
    return parse_xml(f"<w:wrap {declared}>{fragment}</w:wrap>")[0]


def drawing_docx_of(*blocks: str) -> bytes:
    """As ``docx_of``, for blocks that hold drawings (their prefixes bound)."""
    import docx

    document = docx.Document()
    body = document.element.body
    for block in blocks:
        body.insert(len(body) - 1, drawing_xml(block))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def cell(content: str, properties: str = "") -> str:
    return f"<w:tc><w:tcPr>{properties}</w:tcPr>{content}</w:tc>"


def table(*rows: str) -> str:
    return f'<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid/>{"".join(rows)}</w:tbl>'


def row(*cells: str) -> str:
    return f"<w:tr>{''.join(cells)}</w:tr>"


def test_a_table_in_a_table_cell_is_read_in_its_place_once():
    """A timetable or a rubric put in a cell of the layout table: the cell's own paragraphs were read, the table in
    it never was. Its rows come where it stands in the cell, each once; a vertical merge in the outer table is
    still resolved past the table nested in the row above, and a table nested two deep is read too."""
    inner = table(row(cell(paragraph(run("Понедельник"))), cell(paragraph(run("Экскурсия")))),
                  row(cell(paragraph(run("Вторник"))),
                      cell(table(row(cell(paragraph(run("Глубже"))), cell(paragraph(run("ещё"))))))))
    outer = table(
        row(cell(paragraph(run("Объединённая")), '<w:vMerge w:val="restart"/>'),
            cell(paragraph(run("До таблицы")) + inner + paragraph(run("После таблицы")))),
        row(cell(paragraph(""), "<w:vMerge/>"), cell(block_sdt(table(row(cell(paragraph(run("В поле"))))))
                                                      + paragraph(run("Соседняя")))))
    data = docx_of(paragraph(run("План")), outer)
    assert extract_text(data, "docx").splitlines() == [
        "План", "Объединённая До таблицы", "Понедельник Экскурсия", "Вторник Глубже ещё", "После таблицы",
        "Объединённая В поле", "Соседняя"]


def text_box(text: str, fallback: str | None = None, shape: str = "rect") -> str:
    """A text box as Word 2010 and later write it into a run (``<w:r>``): the DrawingML shape (wps:txbx) in
    mc:Choice and the same box in VML (v:textbox) in mc:Fallback for older readers. ``fallback``: another text
    for the VML copy; ``text`` "": an empty DrawingML box."""
    content = "".join(paragraph(run(line)) for line in text.split("\n")) if text else "<w:p/>"
    old = content if fallback is None else "".join(paragraph(run(line)) for line in fallback.split("\n"))
    return (
        "<w:r><w:rPr><w:noProof/></w:rPr><mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing>"
        '<wp:anchor distT="45720" distB="45720" distL="114300" distR="114300" simplePos="0" relativeHeight="1"'
        ' behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2360930" cy="1404620"/><wp:effectExtent l="0" t="0" r="22860" b="11430"/>'
        '<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="217" name="Надпись 2"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"><a:spLocks noChangeArrowheads="1"/></wps:cNvSpPr>'
        f'<wps:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/><a:ext cx="2360930" cy="1404620"/></a:xfrm>'
        f'<a:prstGeom prst="{shape}"><a:avLst/></a:prstGeom><a:ln w="9525"><a:solidFill><a:srgbClr val="000000"/>'
        "</a:solidFill></a:ln></wps:spPr>"
        f"<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720"'
        ' anchor="t" anchorCtr="0"><a:spAutoFit/></wps:bodyPr></wps:wsp></a:graphicData></a:graphic>'
        '<wp14:sizeRelH relativeFrom="margin"><wp14:pctWidth>40000</wp14:pctWidth></wp14:sizeRelH>'
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        '<v:shape id="Надпись 2" o:spid="_x0000_s1026" type="#_x0000_t202"'
        ' style="position:absolute;margin-left:0;margin-top:0;width:185.9pt;height:110.6pt;z-index:251659264">'
        f'<v:textbox style="mso-fit-shape-to-text:t"><w:txbxContent>{old}</w:txbxContent></v:textbox>'
        '<w10:wrap type="square"/></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')


def test_a_text_box_is_read_once_where_it_is_anchored():
    """Word writes a text box twice, as a DrawingML shape (mc:Choice) and as VML (mc:Fallback): neither was read,
    and a handout's key text in a box or a shape never reached the search. It is read once, as a line of its own
    where its anchor is, the Choice (the Fallback only when the Choice has no text); a box in a table cell, a
    shape in a group and an old document's VML-only box are read too."""
    group = ('<w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="1" cy="1"/>'
             '<wp:docPr id="5" name="Группа 5"/><a:graphic>'
             '<a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"><wpg:wgp>'
             "<wpg:cNvGrpSpPr/><wpg:grpSpPr/>"
             + "".join(f'<wps:wsp><wps:cNvSpPr/><wps:spPr/><wps:txbx><w:txbxContent>{paragraph(run(text))}'
                       "</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>" for text in ("Цель", "Задачи"))
             + "</wpg:wgp></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>")
    vml_only = ('<w:r><w:pict><v:rect style="width:100pt;height:40pt"><v:textbox><w:txbxContent>'
                f'{paragraph(run("Старая надпись"))}</w:txbxContent></v:textbox></v:rect></w:pict></w:r>')
    data = drawing_docx_of(
        paragraph(run("Перед надписью ") + text_box("Ключевая мысль\nвторая строка") + run("и после")),
        paragraph(text_box("Выбранная", fallback="Запасная")),
        paragraph(text_box("", fallback="Только в VML")),
        paragraph(group + vml_only),
        table(row(cell(paragraph(run("Ячейка") + text_box("В ячейке"))))))
    assert extract_text(data, "docx").splitlines() == [
        "Перед надписью", "Ключевая мысль", "вторая строка", "и после", "Выбранная", "Только в VML", "Цель",
        "Задачи", "Старая надпись", "Ячейка", "В ячейке"]


def test_tables_and_boxes_nested_past_any_document_are_read_in_bounded_memory():
    """Ten thousand tables one in a cell of another: the first levels are read, and what is kept for the open
    ones stays bounded."""
    depth = 10_000
    nested = (f"<w:tbl><w:tr><w:tc>{paragraph(run('уровень'))}" * depth + "</w:tc></w:tr></w:tbl>" * depth)
    data = rewrite_part(docx_of(paragraph(run("Начало")), paragraph(run("ГЛУБИНА"))), "word/document.xml",
                        lambda xml: xml.replace(paragraph(run("ГЛУБИНА")).encode(), nested.encode()))
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(data, "docx")))
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    lines = found[0].splitlines()
    assert lines[0] == "Начало" and lines[1:4] == ["уровень"] * 3


def test_a_practice_is_found_by_a_word_only_in_a_text_box(app, editor, make_user):  # noqa: F811
    client, pid = editor
    upload(client, pid, "памятка.docx", drawing_docx_of(paragraph(run("Памятка") + text_box(f"Опыт: {WORD}"))))
    publish_and_find(app, client, make_user, pid, "памятка.docx", WORD)


# --------------------------------------------------------------------------------------------------
# Footnotes and endnotes

OFFICE_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORD_TYPES = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def note_reference(kind: str, number: int) -> str:
    """The run of a note's number in the body (``kind``: "footnote" or "endnote")."""
    return f'<w:r><w:rPr><w:rStyle w:val="a7"/></w:rPr><w:{kind}Reference w:id="{number}"/></w:r>'


def notes_xml(kind: str, *notes: str) -> str:
    """word/footnotes.xml (``kind`` "footnote") or word/endnotes.xml ("endnote") as Word writes it: its separator
    and continuation separator first, then a note of each of ``notes`` (its blocks after the note's own mark)."""
    written = "".join(
        f'<w:{kind} w:id="{number}"><w:p><w:pPr><w:pStyle w:val="a5"/></w:pPr><w:r><w:rPr><w:rStyle w:val="a7"/>'
        f"</w:rPr><w:{kind}Ref/></w:r>{content[len('<w:p>'):] if content.startswith('<w:p>') else '</w:p>' + content}"
        f"</w:{kind}>" for number, content in enumerate(notes, start=1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:{kind}s xmlns:w="{W}">'
            f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
            f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
            f"</w:{kind}>{written}</w:{kind}s>")


def with_parts(data: bytes, parts: dict[str, str | bytes], compression: dict[str, int] | None = None) -> bytes:
    """A DOCX with parts added in word/ (``parts``: "footnotes", "endnotes", "header1": the part's XML), each
    related from the main part and its content type declared, as Word does; ``compression``: a part's method."""
    source = zipfile.ZipFile(io.BytesIO(data))
    relationships = "".join(
        f'<Relationship Id="rId{name}" Type="{OFFICE_RELATIONSHIPS}/{name.rstrip("0123456789")}" '
        f'Target="{name}.xml"/>' for name in parts)
    types = "".join(f'<Override PartName="/word/{name}.xml" '
                    f'ContentType="{WORD_TYPES}.{name.rstrip("0123456789")}+xml"/>' for name in parts)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                body = body.replace(b"</Relationships>", relationships.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", types.encode() + b"</Types>")
            archive.writestr(info, body)
        for name, xml_text in parts.items():
            archive.writestr(f"word/{name}.xml", xml_text, compress_type=(compression or {}).get(name,
                                                                                                  zipfile.ZIP_DEFLATED))
    return out.getvalue()


def noted_docx(footnotes: str | bytes | None = None, endnotes: str | bytes | None = None,
               compression: dict[str, int] | None = None) -> bytes:
    """A plan whose body cites two footnotes and an endnote, with the notes parts given (``compression``: a
    part's method)."""
    body = docx_of(paragraph(run("Методика опробована") + note_reference("footnote", 1) + run(" в трёх школах.")),
                   paragraph(run("Список источников") + note_reference("footnote", 2) + note_reference("endnote", 1)),
                   table(row(cell(paragraph(run("Итог"))), cell(paragraph(run("Победители"))))))
    parts = {name: xml for name, xml in (("footnotes", footnotes), ("endnotes", endnotes)) if xml is not None}
    return with_parts(body, parts, compression)


FOOTNOTES = notes_xml("footnote",
                      paragraph(run(" Выготский Л. С. Мышление и речь. — М., 1999.")) + paragraph(run("Второй абзац")),
                      paragraph(f'<w:ins w:id="9" w:author="А">{run(" Апробация в гимназии № 5")}</w:ins>')
                      + table(row(cell(paragraph(run("Класс"))), cell(paragraph(run("Баллы"))))))
ENDNOTES = notes_xml("endnote", paragraph(run(" Приложение: рабочая программа")))


def test_footnotes_and_endnotes_are_read_after_the_body_without_words_separators():
    """Teachers put their literature and their explanations in footnotes: the words of word/footnotes.xml and
    word/endnotes.xml never reached the search. They come after the body's text (its paragraphs, then its tables),
    the footnotes first, each note's paragraphs and tables in order; the separators Word writes (and a
    continuation notice, a text Word prints when a note goes on to the next page) are not read, nor is the page
    header (the school's name on every page)."""
    notice = ('<w:footnote w:type="continuationNotice" w:id="99"><w:p><w:r><w:t>Продолжение сноски</w:t></w:r>'
              "</w:p></w:footnote>")
    header = (f'<?xml version="1.0" encoding="UTF-8"?><w:hdr xmlns:w="{W}">{paragraph(run("МБОУ СОШ № 1"))}'
              "</w:hdr>")
    footnotes = FOOTNOTES.replace('<w:footnote w:id="1">', notice + '<w:footnote w:id="1">')
    data = noted_docx(footnotes, ENDNOTES)
    data = with_parts(data, {"header1": header})
    assert extract_text(data, "docx").splitlines() == [
        "Методика опробована в трёх школах.", "Список источников", "Итог Победители",
        "Выготский Л. С. Мышление и речь. — М., 1999.", "Второй абзац", "Апробация в гимназии № 5", "Класс Баллы",
        "Приложение: рабочая программа"]


def test_a_document_without_notes_or_with_a_relationship_to_a_missing_part_reads_as_before():
    plain = noted_docx()
    missing = rewrite_part(noted_docx(FOOTNOTES), "word/_rels/document.xml.rels",
                           lambda xml: xml.replace(b'Target="footnotes.xml"', b'Target="lost.xml"'))
    expected = ["Методика опробована в трёх школах.", "Список источников", "Итог Победители"]
    assert extract_text(plain, "docx").splitlines() == expected
    assert extract_text(missing, "docx").splitlines() == expected
    # the endnotes are read past the missing footnotes
    assert extract_text(with_parts(missing, {"endnotes": ENDNOTES}), "docx").splitlines() == [
        *expected, "Приложение: рабочая программа"]


def test_a_notes_part_is_read_once_and_only_under_the_notes_relationship_types(monkeypatch):
    """Only the footnotes' and endnotes' own relationship types (of transitional and of strict OOXML) name a notes
    part, and a part named by several relationships is read once: a list of relationships naming one big part under
    thousands of types ending in «/footnotes» had it read once for each, for hours."""
    from kb.attachments import ooxml

    strict = "http://purl.oclc.org/ooxml/officeDocument/relationships"
    others = "".join(f'<Relationship Id="rIdx{i}" Type="http://x/{i}/footnotes" Target="{target}.xml"/>'
                     for i, target in enumerate(["footnotes", "footnotes", "endnotes", "other"]))
    more = (f'<Relationship Id="rIdf2" Type="{OFFICE_RELATIONSHIPS}/footnotes" Target="footnotes.xml"/>'
            f'<Relationship Id="rIdf3" Type="{strict}/footnotes" Target="footnotes.xml"/>'
            f'<Relationship Id="rIde2" Type="{strict}/endnotes" Target="/word/footnotes.xml"/>'
            f'<Relationship Id="rIde3" Type="{OFFICE_RELATIONSHIPS}/endnotes" Target="endnotes.xml"/>' + others)
    data = rewrite_part(with_parts(noted_docx(FOOTNOTES, ENDNOTES), {"other": notes_xml("footnote", paragraph(
        run(" Чужая часть")))}), "word/_rels/document.xml.rels",
        lambda xml: xml.replace(b"</Relationships>", more.encode() + b"</Relationships>"))
    read: list[str] = []
    real_read = ooxml._read

    def counted(archive, part, reader):
        read.append(part)
        return real_read(archive, part, reader)

    monkeypatch.setattr(ooxml, "_read", counted)
    assert extract_text(data, "docx").splitlines() == [
        "Методика опробована в трёх школах.", "Список источников", "Итог Победители",
        "Выготский Л. С. Мышление и речь. — М., 1999.", "Второй абзац", "Апробация в гимназии № 5", "Класс Баллы",
        "Приложение: рабочая программа"]
    assert read.count("word/footnotes.xml") == 1 and read.count("word/endnotes.xml") == 1
    assert "word/other.xml" not in read
    # a strict document's notes are found by their own types
    strict_data = rewrite_part(noted_docx(FOOTNOTES, ENDNOTES), "word/_rels/document.xml.rels",
                               lambda xml: xml.replace(OFFICE_RELATIONSHIPS.encode() + b"/footnotes",
                                                       strict.encode() + b"/footnotes"))
    assert extract_text(strict_data, "docx").splitlines()[3] == "Выготский Л. С. Мышление и речь. — М., 1999."


def _cut_in_second_note(xml: str) -> bytes:
    return xml[:xml.index("Апробация") + len("Апробация")].encode()


def wrong_crc(data: bytes, part: str) -> bytes:
    """The DOCX with ``part``'s CRC off by one, in its local header and in the central directory."""
    blob = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(part)
    central = blob.find(b"PK\x01\x02")
    while not blob[central + 46:].startswith(part.encode()):
        central = blob.find(b"PK\x01\x02", central + 4)
    for at in (info.header_offset + 14, central + 16):
        struct.pack_into("<I", blob, at, info.CRC ^ 1)
    return bytes(blob)


@pytest.mark.parametrize("damage", ["cut", "entity", "bzip2", "crc"])
def test_a_broken_footnotes_part_keeps_the_body_what_was_read_and_the_endnotes(damage):
    """A notes part that cannot be read to its end costs only what could not be read of it: the body's text stays
    (the file is not refused as damaged), and so do the notes read before the damage and the other part's notes.
    Cut XML, a DOCTYPE declaring entities (defusedxml), a compression that cannot be bounded (bzip2), a CRC that
    does not match."""
    expected = ["Методика опробована в трёх школах.", "Список источников", "Итог Победители"]
    first = ["Выготский Л. С. Мышление и речь. — М., 1999.", "Второй абзац"]
    endnote = ["Приложение: рабочая программа"]
    if damage == "cut":
        data = noted_docx(_cut_in_second_note(FOOTNOTES), ENDNOTES)
        expected += first + ["Апробация"]  # what was read of the note open is kept
    elif damage == "entity":
        data = noted_docx(FOOTNOTES.replace("?>", '?><!DOCTYPE x [<!ENTITY a "аа">]>', 1).replace(
            "Второй абзац", "&a;"), ENDNOTES)
    elif damage == "bzip2":
        data = noted_docx(FOOTNOTES, ENDNOTES, {"footnotes": zipfile.ZIP_BZIP2})
    else:
        data = wrong_crc(noted_docx(FOOTNOTES, ENDNOTES), "word/footnotes.xml")  # found with the part's last piece
    assert extract_text(data, "docx").splitlines() == expected + endnote


def test_notes_are_read_within_the_limits_of_the_whole_text(monkeypatch):
    """The notes count against the same limits as the body: the characters kept for the index (the notes cut where
    the text reaches it, none read when the body has reached it) and the elements of all the parts read; a notes
    part that unpacks to more than it declares is read only up to what it declares, in bounded memory."""
    from xml.etree import ElementTree

    from kb.attachments import ooxml

    data = noted_docx(FOOTNOTES, ENDNOTES)
    body = "Методика опробована в трёх школах.\nСписок источников\nИтог Победители"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        monkeypatch.setattr(ooxml, "MAX_TEXT", len(body) + 1 + len("Выготский"))
        assert ooxml.docx_text(archive) == body + "\n Выготски"  # its leading space is the note's
        monkeypatch.setattr(ooxml, "MAX_TEXT", len(body))
        assert ooxml.docx_text(archive) == body
    monkeypatch.undo()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # the elements of the parts read before the endnotes
        elements = sum(len(list(ElementTree.fromstring(archive.read(part)).iter())) for part in (
            "_rels/.rels", "word/document.xml", "word/_rels/document.xml.rels", "word/footnotes.xml"))
    monkeypatch.setattr(ooxml, "MAX_ELEMENTS", elements + 2)  # the endnotes' root and their separator
    text = extract_text(data, "docx")
    assert text.startswith(body) and text.endswith("Класс Баллы") and "Приложение" not in text
    lying = lying_part(data, "word/footnotes.xml", 150 * 1024 * 1024)
    monkeypatch.undo()
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(lying, "docx")))
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert found[0].splitlines()[3:] == ["Выготский Л. С. Мышление и речь. — М., 1999.", "Второй абзац",
                                         "Апробация в гимназии № 5", "Класс Баллы", "Приложение: рабочая программа"]


def test_a_practice_is_found_by_a_word_only_in_a_footnote(app, editor, make_user):  # noqa: F811
    client, pid = editor
    data = with_parts(docx_of(paragraph(run("Методика опробована") + note_reference("footnote", 1))),
                      {"footnotes": notes_xml("footnote", paragraph(run(f" Источник: {WORD}")))})
    upload(client, pid, "план.docx", data)
    publish_and_find(app, client, make_user, pid, "план.docx", WORD)
