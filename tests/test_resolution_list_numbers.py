"""A DOCX or an ODT numbering its recommendations with the word processor's automatic lists: the numbers are not
in the paragraphs' text, and were lost (three items without a final «;» were one recommendation). Each list
paragraph is read with the number it is printed with, levels and restarts counted, «–» for a bullet."""

from __future__ import annotations

import io

import pytest

from kb.resolutions.parser import Gazetteer, extract_text, parse_resolution
from kb.vocabularies import data
from tests.documents import flat_odf

HEAD = ["РЕЗОЛЮЦИЯ", "областного семинара «Работа с одарёнными детьми»", "15 марта 2024 г., г. Омск",
        "Участники семинара рекомендуют:"]
ITEMS = ["Создать сеть школ с углублённым изучением математики", "Провести олимпиаду для младших школьников",
         "Обобщить опыт ШНО в методических объединениях"]


def parsed(path):
    return parse_resolution(extract_text(path), Gazetteer.from_regions(data.REGIONS, data.classify_addressee))


def _numbering_xml(abstract_id: int, levels: list[tuple[str, str]]) -> str:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    lvls = "".join(f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                   "</w:lvl>" for i, (fmt, text) in enumerate(levels))
    return f'<w:abstractNum xmlns:w="{w}" w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'


def _add_num(document, num_id: int, abstract_id: int, restart: bool = False) -> None:
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    override = '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>' if restart else ""
    numbering = document.part.numbering_part.element
    numbering.append(parse_xml(f'<w:num xmlns:w="{w}" w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                               f"{override}</w:num>"))


def _numbered(paragraph, num_id: int, level: int = 0) -> None:
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr xmlns:w="{w}"><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'))


def test_word_list_number_paragraphs_are_three_recommendations(tmp_path):
    import docx

    document = docx.Document()
    for line in HEAD:
        document.add_paragraph(line)
    for line in ITEMS:
        document.add_paragraph(line, style="List Number")  # the number comes from the style's w:numPr
    path = tmp_path / "rez.docx"
    document.save(path)
    assert extract_text(path).splitlines()[-3:] == [f"{n}. {text}" for n, text in enumerate(ITEMS, start=1)]
    assert [(r.number, r.text) for r in parsed(path).recommendations] == [
        (str(n), text) for n, text in enumerate(ITEMS, start=1)]


def test_word_levels_restarts_and_bullets(tmp_path):
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(_numbering_xml(90, [("decimal", "%1."), ("russianLower", "%2)")])))
    numbering.insert(0, parse_xml(_numbering_xml(91, [("decimal", "%1.")])))
    _add_num(document, 90, 90)
    _add_num(document, 91, 91)
    _add_num(document, 92, 91, restart=True)
    for line in HEAD:
        document.add_paragraph(line)
    _numbered(document.add_paragraph("Образовательным организациям:"), 90)
    _numbered(document.add_paragraph("создать школьные научные общества"), 90, 1)
    _numbered(document.add_paragraph("провести конкурс"), 90, 1)
    _numbered(document.add_paragraph("Методистам:"), 90)
    _numbered(document.add_paragraph("обобщить опыт."), 90, 1)
    document.add_paragraph("Отдельный список:")
    _numbered(document.add_paragraph("первый"), 91)
    _numbered(document.add_paragraph("второй"), 91)
    _numbered(document.add_paragraph("снова первый"), 92)  # «Начать заново»
    document.add_paragraph("использовать опыт", style="List Bullet")
    path = tmp_path / "rez.docx"
    document.save(path)
    lines = extract_text(path).splitlines()[len(HEAD):]
    assert lines == ["1. Образовательным организациям:", "а) создать школьные научные общества",
                     "б) провести конкурс", "2. Методистам:", "а) обобщить опыт.", "Отдельный список:",
                     "1. первый", "2. второй", "1. снова первый", "– использовать опыт"]
    first = parsed(path).recommendations[:3]
    assert [(r.addressee, r.text) for r in first] == [
        ("Образовательным организациям", "создать школьные научные общества"),
        ("Образовательным организациям", "провести конкурс"), ("Методистам", "обобщить опыт.")]


def _odt(levels: list[tuple[str, str]], body) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.style import ListLevelProperties
    from odf.text import ListLevelStyleBullet, ListLevelStyleNumber, ListStyle

    document = OpenDocumentText()
    numbered = ListStyle(name="L1")
    for level, (fmt, suffix) in enumerate(levels, start=1):
        numbered.addElement(ListLevelStyleNumber(level=level, numformat=fmt, numsuffix=suffix))
    bullets = ListStyle(name="L2")
    bullets.addElement(ListLevelStyleBullet(level=1, bulletchar="•"))
    for style in (numbered, bullets):
        for child in style.childNodes:
            child.addElement(ListLevelProperties())
        document.automaticstyles.addElement(style)
    body(document)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _list(style: str, items, **attributes):
    from odf.text import List, ListItem, P

    element = List(stylename=style, **attributes)
    for item in items:
        entry = ListItem()
        if isinstance(item, str):
            entry.addElement(P(text=item))
        else:
            entry.addElement(P(text=item[0]))
            entry.addElement(_list(style, item[1]))
        element.addElement(entry)
    return element


@pytest.mark.parametrize("flat", [False, True])
def test_an_odt_list_is_read_with_its_numbers(tmp_path, flat):
    from odf.text import P

    def body(document):
        for line in HEAD:
            document.text.addElement(P(text=line))
        document.text.addElement(_list("L1", ITEMS[:2]))
        document.text.addElement(_list("L1", [ITEMS[2]], continuenumbering="true"))
        document.text.addElement(P(text="Образовательным организациям:"))
        document.text.addElement(_list("L2", ["создать ШНО", "провести конкурс"]))
        document.text.addElement(_list("L1", [("Педагогам:", ["использовать опыт", "обобщить опыт"])]))

    package = _odt([("1", "."), ("а", ")")], body)
    path = tmp_path / ("rez.fodt" if flat else "rez.odt")
    path.write_bytes(flat_odf(package) if flat else package)
    assert extract_text(path).splitlines()[len(HEAD):] == [
        *[f"{n}. {text}" for n, text in enumerate(ITEMS, start=1)], "Образовательным организациям:",
        "– создать ШНО", "– провести конкурс", "1. Педагогам:", "а) использовать опыт", "б) обобщить опыт"]
    assert [r.text for r in parsed(path).recommendations[:3]] == ITEMS


def test_an_odt_attachment_text_is_left_as_it_was():
    """The numbers are for a resolution's structure: an attachment's text for search stays without them."""
    from odf.text import P

    from kb.attachments.extract import extract_text as attachment_text

    def body(document):
        document.text.addElement(P(text="Отчёт"))
        document.text.addElement(_list("L1", ["первый", "второй"]))

    assert attachment_text(_odt([("1", ".")], body), "odt") == "Отчёт\nпервый\nвторой"


def test_a_list_starting_at_a_huge_number_in_letters_is_numbered_in_figures():
    """«w:start 260000000» in a letter format made each marker ten million letters long (200 million characters
    from a 35 KB document); past ten rounds of the alphabet a number is written in figures."""
    from kb.listnumbers import _letters

    alphabet = "abcdefghijklmnopqrstuvwxyz"
    assert [_letters(n, alphabet) for n in (1, 26, 27, 260)] == ["a", "z", "aa", "zzzzzzzzzz"]
    assert _letters(261, alphabet) == "261" and _letters(260_000_000, alphabet) == "260000000"


def _wrap(element, *wrappers: str) -> None:
    """Put ``element`` where it is inside ``wrappers`` (outermost first; «sdt» is a content control: its
    w:sdtContent), as Word does with a content control, a tracked insertion or custom XML."""
    from docx.oxml import parse_xml

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    place = element
    for wrapper in reversed(wrappers):
        made = parse_xml(f'<w:sdt xmlns:w="{w}"><w:sdtPr/><w:sdtContent/></w:sdt>' if wrapper == "sdt"
                         else f'<w:{wrapper} xmlns:w="{w}" w:id="1" w:author="А"/>' if wrapper in ("ins", "del")
                         else f'<w:{wrapper} xmlns:w="{w}" w:element="x"/>')
        place.addprevious(made)
        (made[-1] if wrapper == "sdt" else made).append(place)
        place = made


def _deleted(paragraph, text: str) -> None:
    run = paragraph.add_run(text)
    t = run._r[-1]
    t.tag = t.tag.replace("}t", "}delText")
    _wrap(run._r, "del")


def test_word_list_paragraphs_in_content_controls_and_tracked_changes_keep_their_numbers(tmp_path):
    """A template's content controls (w:sdt), a tracked insertion (w:ins) and custom XML hold paragraphs and runs
    Word shows: python-docx reads paragraphs only right in the body and runs only right in a paragraph or a
    hyperlink, so a recommendation in a content control was lost and one typed with changes tracked was cut."""
    import docx

    document = docx.Document()
    for line in HEAD:
        document.add_paragraph(line)
    first = document.add_paragraph(ITEMS[0], style="List Number")
    _wrap(first._p, "sdt")
    second = document.add_paragraph("Провести ", style="List Number")
    _deleted(second, "конкурс ")
    _wrap(second.add_run("олимпиаду")._r, "ins")
    _wrap(second.add_run(" для младших школьников")._r, "smartTag", "sdt")
    third = document.add_paragraph(ITEMS[2], style="List Number")
    _wrap(third._p, "customXml", "sdt")
    path = tmp_path / "rez.docx"
    document.save(path)
    assert extract_text(path).splitlines()[-3:] == [f"{n}. {text}" for n, text in enumerate(ITEMS, start=1)]
    assert [(r.number, r.text) for r in parsed(path).recommendations] == [
        (str(n), text) for n, text in enumerate(ITEMS, start=1)]


def test_bullets_in_a_content_control_of_a_table_cell_are_read(tmp_path):
    """A list in a cell's content control: its bullet («–» for Word's automatic one, «•» for a Symbol-font bullet
    typed in the text) and its text, as in a cell without one."""
    import docx

    document = docx.Document()
    document.add_paragraph(HEAD[0])
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    cell.paragraphs[0].text = "Рекомендовать:"
    bullet = cell.add_paragraph(ITEMS[0], style="List Bullet")
    _wrap(bullet._p, "sdt")
    typed = cell.add_paragraph("\uf0b7\t")
    _wrap(typed.add_run(ITEMS[1])._r, "ins")
    _wrap(typed._p, "sdt")
    path = tmp_path / "rez.docx"
    document.save(path)
    assert extract_text(path).splitlines() == [HEAD[0], "Рекомендовать:", f"– {ITEMS[0]}", f"•\t{ITEMS[1]}"]


def test_table_rows_and_cells_in_content_controls_are_read(tmp_path):
    """A template's repeating section puts a table's row in a content control (w:sdt around w:tr), a form a cell
    (around w:tc): python-docx reads only the rows and cells right in the table, and those recommendations were
    lost. A vertical merge is still read as python-docx reads it, past a row in a content control."""
    import docx

    document = docx.Document()
    document.add_paragraph(HEAD[0])
    table = document.add_table(rows=4, cols=3)
    table.cell(0, 1).text, table.cell(0, 2).text = "№", "Рекомендация"
    table.cell(0, 0).merge(table.cell(3, 0)).text = "Органам управления образованием"
    for n, item in enumerate(ITEMS, start=1):
        table.cell(n, 1).text, table.cell(n, 2).text = f"{n}.", item
    rows = table._tbl.tr_lst
    _wrap(rows[2], "sdt")
    _wrap(rows[3].tc_lst[2], "sdt")
    _wrap(rows[1].tc_lst[1], "customXml", "sdt")
    path = tmp_path / "rez.docx"
    document.save(path)
    addressee = "Органам управления образованием"
    assert extract_text(path).splitlines() == [
        HEAD[0], addressee, "№", "Рекомендация", addressee, "1.", ITEMS[0], addressee, "2.", ITEMS[1], addressee, "3.",
        ITEMS[2]]
