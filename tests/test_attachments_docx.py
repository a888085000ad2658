"""A DOCX's text inside the elements Word wraps it in: tracked insertions and moves, content controls (of
paragraphs, of tables' cells and of runs), smart tags, simple fields, custom XML and hyperlinks, at any nesting.
Word shows that text, but the reader took paragraphs only right in the body or a cell and runs only right in a
paragraph or a hyperlink: it never reached the attachment's text or the search. Deleted text (w:del, w:moveFrom)
is what Word does not show: it stays out."""

from __future__ import annotations

import io

import pytest

from kb.attachments.extract import extract_text
from tests.documents import peak_memory, rewrite_part
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
