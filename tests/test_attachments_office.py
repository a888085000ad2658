"""Attachments in LibreOffice's ODS and ODP and in the old binary XLS and PPT: taken, their text extracted and
found, damaged files and misleading names refused with a message. XLS and PPT are read by catdoc's xls2csv and
catppt (`.ci/run` installs catdoc); without them those tests skip."""

import io
import os
import shutil
import subprocess
import zipfile

import filetype
import pytest
from sqlalchemy import func, select

from kb.attachments.models import Attachment
from kb.extensions import db
from tests.documents import (
    BILLION_LAUGHS,
    compound_file,
    flat_odf,
    odp_bytes,
    ods_bytes,
    odt_bytes,
    pdf_bytes,
    peak_memory,
    ppt_bytes,
    rewrite_part,
    rtf_bytes,
    with_prolog,
    xls_bytes,
)
from tests.test_attachments import editor, make_docx, publish_and_find, upload  # noqa: F401 - the fixture

WORD = "хлорофиллоподобный"
TABLE = [["Ученик", "Результат"], ["Иванов", f"{WORD} призёр"]]
SLIDES = [f"Презентация: {WORD} проект", "Итоги года"]
MAKERS = {"ods": lambda: ods_bytes(TABLE), "odp": lambda: odp_bytes(SLIDES), "xls": lambda: xls_bytes(TABLE),
          "ppt": lambda: ppt_bytes(SLIDES), "fodt": lambda: flat_odf(odt_bytes(f"Разработка: {WORD} опыт.")),
          "fods": lambda: flat_odf(ods_bytes(TABLE)), "fodp": lambda: flat_odf(odp_bytes(SLIDES))}
NAMES = {"ods": "итоги.ods", "odp": "слайды.odp", "xls": "итоги.xls", "ppt": "слайды.ppt", "fodt": "отчёт.fodt",
         "fods": "итоги.fods", "fodp": "слайды.fodp"}
TOOLS = {"xls": "xls2csv", "ppt": "catppt"}
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME = {"ods": "application/vnd.oasis.opendocument.spreadsheet",
        "odp": "application/vnd.oasis.opendocument.presentation",
        "xls": "application/vnd.ms-excel", "ppt": "application/vnd.ms-powerpoint",
        "fodt": "application/vnd.oasis.opendocument.text-flat-xml",
        "fods": "application/vnd.oasis.opendocument.spreadsheet-flat-xml",
        "fodp": "application/vnd.oasis.opendocument.presentation-flat-xml"}


def needs_tool(kind: str) -> None:
    if kind in TOOLS and shutil.which(TOOLS[kind]) is None:
        pytest.skip(f"{TOOLS[kind]} is not installed: `.ci/run` installs catdoc (apt-get install catdoc)")


def attachments(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Attachment))


@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_practice_is_found_by_a_word_only_in_its_new_kind_of_file(app, editor, make_user, kind):  # noqa: F811
    """An ODS, ODP, XLS or PPT was refused («сохраните файл как XLSX»), and a flat OpenDocument (FODT, FODS, FODP:
    LibreOffice's «Плоский XML ODF») too: it is attached, its words are searched, and it is downloaded with its
    own type and the safe headers of every download."""
    needs_tool(kind)
    client, pid = editor
    name, data = NAMES[kind], MAKERS[kind]()
    page = upload(client, pid, name, data).get_data(as_text=True)
    assert f"Файл «{name}» приложен (слов в тексте:" in page
    publish_and_find(app, client, make_user, pid, name, WORD)
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.kind == kind
        url = f"/attachments/{attachment.id}/{name}"
    with app.test_client().get(url) as response:
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == MIME[kind]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Content-Disposition"].startswith("attachment;")


def _cut(data: bytes) -> bytes:
    return data[:1500]  # the compound file's header and directory, none of its streams


DAMAGED = {
    "ods": (lambda: rewrite_part(ods_bytes(TABLE), "content.xml", lambda b: b[:len(b) // 2]), "ODS повреждён"),
    "odp": (lambda: rewrite_part(odp_bytes(SLIDES), "content.xml", lambda b: b.replace(b"</office:body>", b"")),
            "ODP повреждён"),
    "xls": (lambda: _cut(xls_bytes(TABLE)), "XLS повреждён или зашифрован: не удаётся прочитать таблицу."),
    "ppt": (lambda: _cut(ppt_bytes(SLIDES)), "PPT повреждён или зашифрован: не удаётся прочитать презентацию."),
    "fods": (lambda: MAKERS["fods"]()[:-300], "FODS повреждён: не удаётся прочитать его содержимое."),
    "fodt": (lambda: with_prolog(MAKERS["fodt"](), BILLION_LAUGHS),
             "Файл повреждён: не удаётся прочитать его содержимое."),
    "fodp": (lambda: "Слайды: не XML, а текст".encode(),
             "Файл не похож на документ LibreOffice в формате FODP (OpenDocument в одном файле XML)"),
}


@pytest.mark.parametrize("kind", list(DAMAGED))
def test_a_damaged_file_of_a_new_kind_gets_a_message_and_is_not_attached(app, editor, kind):  # noqa: F811
    needs_tool(kind)
    client, pid = editor
    make, message = DAMAGED[kind]
    response = upload(client, pid, NAMES[kind], make())
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert attachments(app) == 0


def test_an_xls_whose_sheet_is_noise_gets_a_message():
    """xls2csv ends with success on a file it cannot read and says so only in its errors («No BOF record
    found»): that is a refusal, not a file without text."""
    needs_tool("xls")
    from kb.attachments.extract import AttachmentError, extract_text

    data = bytearray(xls_bytes(TABLE))
    data[1536:1600] = bytes(range(64))
    with pytest.raises(AttachmentError, match="XLS повреждён"):
        extract_text(bytes(data), "xls")


@pytest.mark.parametrize(("kind", "name"), [("ods", "итоги.xlsx"), ("odp", "слайды.pptx"), ("xls", "итоги.doc"),
                                            ("ppt", "слайды.xls"), ("xls", "итоги.ods"), ("ods", "итоги.odt"),
                                            ("fods", "итоги.fodt"), ("fodt", "отчёт.odt"), ("ods", "итоги.fods")])
def test_a_name_that_does_not_match_the_content_is_refused(app, editor, kind, name):  # noqa: F811
    client, pid = editor
    page = upload(client, pid, name, MAKERS[kind]()).get_data(as_text=True)
    assert f"не соответствует содержимому файла ({kind.upper()})" in page
    assert attachments(app) == 0


@pytest.mark.parametrize(("kind", "make"), [("rtf", lambda: rtf_bytes(f"Решение коллегии: {WORD} опыт.")),
                                            ("docx", lambda: make_docx(f"Решение коллегии: {WORD} опыт."))])
def test_a_doc_that_is_really_rtf_or_docx_is_attached_and_read_as_what_it_is(app, editor, make_user, kind, make):  # noqa: F811
    """Official documents are often RTF (or DOCX) saved under the name «.doc»: Word opens them all alike. They were
    refused («Расширение «.doc» не соответствует содержимому файла (RTF)»); they are read as what they are, and
    downloaded under their own name with their content's type."""
    client, pid = editor
    name, data = "решение.doc", make()
    page = upload(client, pid, name, data).get_data(as_text=True)
    assert f"Файл «{name}» приложен (слов в тексте:" in page
    publish_and_find(app, client, make_user, pid, name, WORD)
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert (attachment.kind, attachment.original_name) == (kind, name)
        url = f"/attachments/{attachment.id}/{name}"
    with app.test_client().get(url) as response:
        assert response.status_code == 200 and response.data == data
        assert response.mimetype == {"rtf": "application/rtf", "docx": MIME_DOCX}[kind]


@pytest.mark.parametrize(("name", "make", "kind"), [("решение.doc", lambda: pdf_bytes("Решение."), "PDF"),
                                                    ("решение.doc", lambda: odt_bytes("Решение."), "ODT"),
                                                    ("решение.rtf", make_docx, "DOCX"),
                                                    ("решение.docx", lambda: rtf_bytes("Решение."), "RTF")])
def test_a_doc_name_on_another_kind_of_content_is_still_refused(app, editor, name, make, kind):  # noqa: F811
    client, pid = editor
    page = upload(client, pid, name, make()).get_data(as_text=True)
    assert f"не соответствует содержимому файла ({kind})" in page
    assert attachments(app) == 0


def test_doc_xls_and_ppt_are_told_apart_by_their_streams_not_their_first_sector():
    """Content sniffing looks at the first sector after the header, which holds what the program put there (here
    the file's FAT): it takes all three for PPT. The stream under the root says what the file is."""
    from kb.attachments.extract import AttachmentError, compound_file_root_names, detect

    word = compound_file({"WordDocument": bytes(100), "1Table": bytes(100)})
    sheet, slides = xls_bytes(TABLE), ppt_bytes(SLIDES)
    assert {filetype.guess_extension(data) for data in (word, sheet, slides)} == {"ppt"}
    assert detect(word, "план.doc") == "doc"
    assert detect(sheet, "итоги.xls") == "xls"
    assert detect(slides, "слайды.ppt") == detect(slides, "слайды.pps") == "ppt"
    assert compound_file_root_names(word) == {"worddocument", "1table"}
    with pytest.raises(AttachmentError, match=r"не соответствует содержимому файла \(DOC\)"):
        detect(word, "слайды.ppt")
    other = compound_file({"Something": bytes(10)})  # a compound file of no kind taken: what sniffing says
    assert detect(other, "слайды.ppt") == "ppt"


@pytest.mark.parametrize("kind", ["xls", "ppt", "doc"])
def test_without_its_program_an_old_office_file_is_refused_with_a_message(app, monkeypatch, kind):
    from kb.attachments import extract
    from kb.attachments.extract import AttachmentError, extract_text
    from kb.attachments.services import precheck_file

    monkeypatch.setattr(extract.shutil, "which", lambda name: None)
    data = {"xls": lambda: xls_bytes(TABLE), "ppt": lambda: ppt_bytes(SLIDES),
            "doc": lambda: compound_file({"WordDocument": bytes(100)})}[kind]()
    expected = {"xls": "Формат XLS на этом сервере не поддерживается: сохраните файл как XLSX или ODS.",
                "ppt": "Формат PPT на этом сервере не поддерживается: сохраните файл как PPTX или PDF.",
                "doc": "Формат DOC на этом сервере не поддерживается: сохраните файл как DOCX или PDF."}[kind]
    with pytest.raises(AttachmentError) as refused:
        extract_text(data, kind)
    assert str(refused.value) == expected
    with app.app_context(), pytest.raises(AttachmentError, match="не поддерживается"):
        precheck_file(f"файл.{kind}", data)  # a bulk import's check says so before reading anything


def _tool(monkeypatch, tmp_path, script: str) -> list:
    """Every reading program replaced by a shell script; the calls of Popen, recorded."""
    from kb.attachments import extract

    tool = tmp_path / "tool"
    tool.write_text(f"#!/bin/sh\n{script}\n")
    tool.chmod(0o755)
    calls = []
    popen = subprocess.Popen

    def recorded(args, **kwargs):
        calls.append((args, kwargs))
        return popen(args, **kwargs)

    which = shutil.which
    monkeypatch.setattr(extract.shutil, "which", lambda name: which(name) if name == "prlimit" else str(tool))
    monkeypatch.setattr(extract.subprocess, "Popen", recorded)
    return calls


@pytest.mark.parametrize("kind", ["xls", "ppt"])
def test_the_program_runs_without_a_shell_on_a_copy_and_is_stopped_after_its_time(monkeypatch, tmp_path, kind):
    from kb.attachments import extract
    from kb.attachments.extract import LEGACY_TOOLS, AttachmentError, extract_text

    calls = _tool(monkeypatch, tmp_path, "exec sleep 30")
    monkeypatch.setattr(extract, "TOOL_TIMEOUT", 0.5)
    with pytest.raises(AttachmentError, match=f"^{kind.upper()} читается слишком долго и не принят.$"):
        extract_text(MAKERS[kind](), kind)
    ((args, kwargs),) = calls
    if shutil.which("prlimit"):  # the memory limit is set by prlimit, which then runs the program itself
        assert args[:3] == [shutil.which("prlimit"), f"--as={extract.TOOL_MEMORY}", "--"]
        args = args[3:]
    assert args[0] == str(tmp_path / "tool") and args[1:-1] == list(LEGACY_TOOLS[kind][0][1])
    assert args[-1].endswith(f".{kind}") and not kwargs.get("shell")


def test_a_program_writing_without_end_is_stopped_once_enough_is_read(monkeypatch, tmp_path):
    """xls2csv writes a shared string again for each cell showing it: a table of 2 MB made gigabytes of text,
    all of it read before being cut. The output is read up to TOOL_OUTPUT bytes and the program stopped there
    (it never gets to write its mark); the text read is kept."""
    from kb.attachments.extract import MAX_TEXT, TOOL_OUTPUT, extract_text

    mark = tmp_path / "finished"
    _tool(monkeypatch, tmp_path, f"head -c {TOOL_OUTPUT * 3} /dev/zero | tr '\\000' x\necho > {mark}")
    text = extract_text(MAKERS["xls"](), "xls")
    assert text == "x" * MAX_TEXT
    assert not mark.exists()


def test_the_program_has_a_limit_of_memory(monkeypatch, tmp_path):
    from kb.attachments.extract import TOOL_MEMORY, extract_text

    if not shutil.which("prlimit"):
        pytest.skip("util-linux prlimit is not installed: the programs run without a memory limit")
    _tool(monkeypatch, tmp_path, "ulimit -v")  # in KiB
    assert extract_text(MAKERS["ppt"](), "ppt") == str(TOOL_MEMORY // 1024)


def test_runs_of_repeated_cells_and_rows_of_an_ods_are_read_once():
    """ODS writes a run of equal cells or rows once with a count; a hostile count (a billion) stays one run."""
    from kb.attachments.extract import extract_text

    def repeat(content: bytes) -> bytes:
        return (content.replace(b"<table:table-row>", b'<table:table-row table:number-rows-repeated="1000000000">')
                .replace(b'<table:table-cell office:value-type="string">',
                         b'<table:table-cell office:value-type="string" table:number-columns-repeated="1000000000">'))

    data = rewrite_part(ods_bytes(TABLE), "content.xml", repeat)
    assert zipfile.ZipFile(io.BytesIO(data)).read("content.xml").count(b'-repeated="1000000000"') == 6
    found: list[str] = []
    assert peak_memory(lambda: found.append(extract_text(data, "ods"))) < 10 * 1024 * 1024
    assert found == [f"Ученик Результат\nИванов {WORD} призёр"]


def test_an_ods_saved_with_a_password_is_refused_as_encrypted():
    from kb.attachments.extract import ENCRYPTED, AttachmentError, extract_text

    def manifest(body: bytes) -> bytes:
        entry = b'manifest:full-path="content.xml" manifest:media-type="text/xml"'
        assert entry + b"/>" in body
        return body.replace(entry + b"/>", entry + b"><manifest:encryption-data/></manifest:file-entry>")

    data = rewrite_part(ods_bytes(TABLE), "META-INF/manifest.xml", manifest)
    with pytest.raises(AttachmentError) as refused:
        extract_text(data, "ods")
    assert str(refused.value) == ENCRYPTED


def test_the_upload_form_and_the_refusal_list_name_the_new_kinds(app, editor):  # noqa: F811
    client, pid = editor
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "DOCX, DOC, ODT, FODT, RTF, PDF, PPTX, PPT, ODP, FODP, XLSX, XLS, ODS, FODS, TXT" in page
    refused = upload(client, pid, "программа.exe", b"MZ\x90\x00" + bytes(range(256)) * 40).get_data(as_text=True)
    assert "Неподдерживаемый тип файла: программа (EXE). Принимаются: " in refused
    assert "ODS" in refused and "PPT" in refused and "сохраните файл как" not in refused


@pytest.mark.parametrize("kind", ["ods", "odt"])
def test_runs_of_spaces_give_a_bounded_text(kind):
    """A run of spaces is 22 bytes (``<text:s text:c="1024"/>``): a file of 82 KB made a string of 400 MB, and
    odfpy's reading of an ODT gave as many spaces as one run asked for (``text:c="30000000"``). The runs give
    MAX_EXTRA_SPACES spaces past their first in all, the text MAX_TEXT characters; the words after them are kept."""
    from kb.attachments.extract import EXTRACTORS, MAX_TEXT, extract_text
    from tests.documents import odt_bytes

    if kind == "ods":
        data, runs = ods_bytes(TABLE), b'<text:s text:c="1024"/>' * 4000
    else:
        data, runs = odt_bytes(f"Разработка: {WORD} опыт."), b'<text:s text:c="30000000"/>' * 2
    data = rewrite_part(data, "content.xml", lambda part: part.replace(WORD.encode(), b"-" + runs + WORD.encode()))
    assert len(EXTRACTORS[kind](data)) <= MAX_TEXT
    assert WORD in extract_text(data, kind)


def test_an_odt_is_read_as_a_stream_with_its_headings_and_without_its_comments():
    """An ODT is read as ODS and ODP are (streamed, not built whole by odfpy): its paragraphs and headings each on
    a line, an empty paragraph as an empty line, a text box's paragraph within its own, comments left out."""
    from odf.draw import Frame, TextBox
    from odf.office import Annotation
    from odf.opendocument import OpenDocumentText
    from odf.text import H, LineBreak, Note, NoteBody, NoteCitation, P, S, Span, Tab

    from kb.attachments.extract import EXTRACTORS

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="РЕЗОЛЮЦИЯ"))
    first = P(text="Первый")
    first.addElement(S(c=3))
    first.addElement(Span(text="абзац"))
    first.addElement(Tab())
    note = Annotation()
    note.addElement(P(text="комментарий"))
    first.addElement(note)
    first.addText("после")
    first.addElement(LineBreak())
    first.addText("строка")
    document.text.addElement(first)
    document.text.addElement(P())
    boxed = P(text="В рамке: ")
    frame = Frame(width="2cm", height="1cm")
    box = TextBox()
    box.addElement(P(text="надпись"))
    frame.addElement(box)
    boxed.addElement(frame)
    document.text.addElement(boxed)
    noted = P(text="Методика опробована")
    footnote = Note(id="ftn1", noteclass="footnote")
    footnote.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Апробация прошла в гимназии № 5."))
    footnote.addElement(body)
    noted.addElement(footnote)
    noted.addText(" в трёх школах.")
    document.text.addElement(noted)
    out = io.BytesIO()
    document.write(out)
    # a text box's paragraphs are lines of their own: glued to the text around them, the words at each seam
    # («рамке:надпись») were lost to search; a footnote's come after the body's text, its number left out of the
    # sentence («опробована1Апробация» lost both words, «опробована 1» and a line break a phrase)
    assert EXTRACTORS["odt"](out.getvalue()) == ("РЕЗОЛЮЦИЯ\nПервый   абзац\tпосле\nстрока\n\nВ рамке: \nнадпись\n"
                                                 "Методика опробована в трёх школах.\n"
                                                 "Апробация прошла в гимназии № 5.")


def test_an_odts_frames_shapes_and_tables_in_cells_are_read_in_place_once():
    """What Writer keeps out of the body's paragraphs is read where it stands, once: a frame anchored to the page
    (right in office:text) and one anchored to a paragraph, a table in its text box, a shape's own text
    (draw:custom-shape), a group's shapes (draw:g), and a table in a table's cell; a flat ODT the same."""
    from odf.draw import CustomShape, EnhancedGeometry, Frame, G, TextBox
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    from kb.attachments.extract import extract_text

    def table(*rows):
        made = Table()
        made.addElement(TableColumn(numbercolumnsrepeated=2))
        for cells in rows:
            row = TableRow()
            for content in cells:
                cell = TableCell()
                for piece in content if isinstance(content, list) else [content]:
                    cell.addElement(P(text=piece) if isinstance(piece, str) else piece)
                row.addElement(cell)
            made.addElement(row)
        return made

    def frame(*content, anchor="paragraph"):
        made, box = Frame(anchortype=anchor, width="3cm", height="1cm"), TextBox()
        for piece in content:
            box.addElement(P(text=piece) if isinstance(piece, str) else piece)
        made.addElement(box)
        return made

    def shape(text):
        made = CustomShape(anchortype="paragraph", width="3cm", height="1cm")
        made.addElement(P(text=text))
        made.addElement(EnhancedGeometry(type="rectangle"))
        return made

    document = OpenDocumentText()
    document.text.addElement(frame("Рамка страницы", anchor="page"))
    held = P(text="Перед рамкой ")
    held.addElement(frame("В рамке", table(["Таблица", "в рамке"])))
    held.addText(" после")
    document.text.addElement(held)
    drawn = P(text="Схема:")
    group = G()
    for text in ("Цель", "Задачи"):
        group.addElement(shape(text))
    drawn.addElement(shape("Фигура"))
    drawn.addElement(group)
    document.text.addElement(drawn)
    document.text.addElement(table(["Внешняя", ["До", table(["Вложенная", "таблица"]), "После"]]))
    out = io.BytesIO()
    document.write(out)
    expected = ["Рамка страницы", "Перед рамкой", "В рамке", "Таблица", "в рамке", "после", "Схема:", "Фигура",
                "Цель", "Задачи", "Внешняя", "До", "Вложенная", "таблица", "После"]
    assert extract_text(out.getvalue(), "odt").splitlines() == expected
    assert extract_text(flat_odf(out.getvalue()), "fodt").splitlines() == expected


def note(name, kind, number, *paragraphs):
    """A Writer note (text:note) of a kind («footnote», «endnote»), its citation ``number`` and its paragraphs."""
    from odf.text import Note, NoteBody, NoteCitation, P

    made, body = Note(id=name, noteclass=kind), NoteBody()
    made.addElement(NoteCitation(text=number))
    for text in paragraphs:
        body.addElement(P(text=text))
    made.addElement(body)
    return made


def test_an_odts_footnotes_and_endnotes_are_read_after_the_body_without_their_marks():
    """Writer keeps a note's text in the paragraph that cites it (text:note, its text:note-body): it was read there,
    in the middle of the sentence («Методика опробована 1» + the note + «в трёх школах.»), and a phrase across the
    citation was not found. The sentence is read whole, without the citation's mark, and the notes after the body's
    text, in the order they are cited, each paragraph a line, once: a footnote of two paragraphs and an endnote in a
    table's cell alike; a flat ODT the same, as a DOCX's notes are read."""
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    from kb.attachments.extract import extract_text

    document = OpenDocumentText()
    noted = P(text="Методика опробована")
    noted.addElement(note("ftn1", "footnote", "1", "Выготский Л. С. Мышление и речь.", "Второй абзац сноски"))
    noted.addText(" в трёх школах.")
    document.text.addElement(noted)
    table, row, cell = Table(), TableRow(), TableCell()
    table.addElement(TableColumn())
    summary = P(text="Итог")
    summary.addElement(note("edn1", "endnote", "i", "Приложение: рабочая программа"))
    cell.addElement(summary)
    row.addElement(cell)
    table.addElement(row)
    document.text.addElement(table)
    document.text.addElement(P(text="Конец текста."))
    out = io.BytesIO()
    document.write(out)
    expected = ["Методика опробована в трёх школах.", "Итог", "Конец текста.", "Выготский Л. С. Мышление и речь.",
                "Второй абзац сноски", "Приложение: рабочая программа"]
    assert extract_text(out.getvalue(), "odt").splitlines() == expected
    assert extract_text(flat_odf(out.getvalue()), "fodt").splitlines() == expected
    assert "опробована в трёх" in extract_text(out.getvalue(), "odt")


def test_an_odts_notes_are_read_within_the_limits_of_the_text(monkeypatch):
    """The notes count against the characters kept, as the body's text does: a note as long as the text kept
    leaves the body's text whole, and the whole no longer than the text kept."""
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    from kb.attachments import extract

    monkeypatch.setattr(extract, "MAX_TEXT", 60)
    document = OpenDocumentText()
    noted = P(text="Методика опробована")
    noted.addElement(note("ftn1", "footnote", "1", "сноска " * 40))
    noted.addText(" в трёх школах.")
    document.text.addElement(noted)
    document.text.addElement(P(text="Вывод."))
    out = io.BytesIO()
    document.write(out)
    text = extract.extract_text(out.getvalue(), "odt")
    assert text.startswith("Методика опробована в трёх школах.\nВывод.\nсноска сноска") and len(text) == 60


def test_a_paragraph_of_more_elements_than_a_document_has_stops_the_reading():
    """Each element costs the parser some microseconds: the reading stops, the text before kept, in a paragraph of
    more than MAX_PARAGRAPH_PARTS elements (``<text:s/>``, 9 bytes each)."""
    from kb.attachments.extract import MAX_PARAGRAPH_PARTS, extract_text

    data = rewrite_part(ods_bytes(TABLE), "content.xml",
                        lambda part: part.replace(WORD.encode(), b"<text:s/>" * (MAX_PARAGRAPH_PARTS + 1) + b"x"))
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as package:  # bytes that do not compress: the file is no zip bomb
        package.writestr("Thumbnails/thumbnail.png", os.urandom(len(data) * 4))
    assert extract_text(out.getvalue(), "ods") == "Ученик Результат\nИванов"


def test_a_flat_opendocument_is_read_as_its_package_without_its_pictures_bytes_and_headers():
    """A flat OpenDocument keeps in its one XML what a package keeps in parts of its own: the master pages'
    headers and placeholders (styles.xml) and the pictures' bytes (Pictures/), a picture as base64 inside its
    paragraph's frame. Its text is its package's: neither is read."""
    from kb.attachments.extract import extract_text

    picture = (b'<draw:frame xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"><draw:image>'
               b"<office:binary-data>" + b"QUJDREVGR0g" * 2000 + b"</office:binary-data></draw:image></draw:frame>")
    header = (b'<office:master-styles><style:master-page style:name="Standard"><style:header>'
              b"<text:p>\xd0\x9a\xd0\xbe\xd0\xbb\xd0\xbe\xd0\xbd\xd1\x82\xd0\xb8\xd1\x82\xd1\x83\xd0\xbb</text:p>"
              b"</style:header></style:master-page></office:master-styles>")
    package = odt_bytes(f"Разработка: {WORD} опыт.\nВторой абзац")
    flat = flat_odf(package)
    flat = flat.replace(b"<office:master-styles/>", header).replace(b"</text:p>", picture + b"</text:p>", 1)
    assert b"QUJDREVGR0g" in flat and "Колонтитул".encode() in flat
    assert extract_text(flat, "fodt") == extract_text(package, "odt") == f"Разработка: {WORD} опыт.\nВторой абзац"


def test_hostile_xml_is_refused_by_the_flat_readers_themselves():
    """The type check reads a flat file's root with defusedxml and refuses a prolog declaring entities; the
    readers of its text refuse them too, as those of a package's content.xml do."""
    from kb.attachments.extract import AttachmentError, extract_text

    for kind, name in (("fodt", "ODT"), ("fods", "ODS"), ("fodp", "ODP")):
        data = with_prolog(MAKERS[kind](), BILLION_LAUGHS)
        with pytest.raises(AttachmentError, match=f"^F{name} повреждён: не удаётся прочитать его содержимое.$"):
            extract_text(data, kind)


def test_a_flat_odt_saved_by_libreoffice_is_attached(app, editor, tmp_path):  # noqa: F811
    """What LibreOffice itself writes (its styles, fonts, settings and master pages in the file) when installed."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed")
    client, pid = editor
    (tmp_path / "отчёт.odt").write_bytes(odt_bytes(f"Разработка: {WORD} опыт."))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "fodt", "--outdir", str(tmp_path), str(tmp_path / "отчёт.odt")], check=True, timeout=120,
                   capture_output=True)
    data = (tmp_path / "отчёт.fodt").read_bytes()
    assert b"<office:document " in data and b"<office:master-styles>" in data
    page = upload(client, pid, "отчёт.fodt", data).get_data(as_text=True)
    assert "Файл «отчёт.fodt» приложен (слов в тексте: 3)" in page
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert (attachment.kind, attachment.text) == ("fodt", f"Разработка: {WORD} опыт.")


def _random_package(path, members: int, size: int = 1024 * 1024) -> None:
    """A DOCX of ``members`` parts of incompressible bytes (pictures, as a long report's)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        package.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="w"/>')
        for number in range(members):
            package.writestr(f"word/media/image{number}.png", os.urandom(size))


class _NoWholeReads(io.FileIO):
    """A file that refuses to be read whole: a read of more than 2 MB at once fails (zipfile reads the end of the
    file, its directory, with ``read()``)."""

    def read(self, size=-1):
        left = os.path.getsize(self.name) - self.tell()
        assert (left if size is None or size < 0 else min(size, left)) <= 2 * 1024 * 1024, \
            f"read({size}) with {left} bytes of the package left"
        return super().read(size)

    def readinto(self, buffer):
        assert len(buffer) <= 2 * 1024 * 1024, f"readinto() of {len(buffer)} bytes"
        return super().readinto(buffer)


def test_a_package_is_checked_part_by_part_from_its_file(tmp_path):
    """The precheck of a bulk import's files (``precheck_file``) repacked a package in memory to check it: one that
    unpacks to 200 MB took three times that. It is read a part at a time from its file, and its limits hold."""
    from kb.attachments.extract import AttachmentError, check_package

    path = tmp_path / "отчёт.docx"
    _random_package(path, 6)
    with _NoWholeReads(path) as handle:
        check_package(handle)
    check_package(path)
    check_package(path.read_bytes())
    # a part whose bytes are not those it declares (its CRC), found only by unpacking it all
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "испорчен.docx").write_bytes(bytes(data))
    with _NoWholeReads(tmp_path / "испорчен.docx") as handle, pytest.raises(AttachmentError, match="повреждён"):
        check_package(handle)
    # a bomb (by the sizes its parts declare), an OpenDocument saved with a password
    bomb = tmp_path / "бомба.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(AttachmentError, match="архив-бомбу"):
        check_package(bomb)
    entry = b'manifest:full-path="content.xml" manifest:media-type="text/xml"'
    locked = rewrite_part(ods_bytes(TABLE), "META-INF/manifest.xml", lambda body: body.replace(
        entry + b"/>", entry + b"><manifest:encryption-data/></manifest:file-entry>"))
    with pytest.raises(AttachmentError, match="зашифрован паролем"):
        check_package(io.BytesIO(locked))


def test_the_precheck_of_a_package_takes_far_less_memory_than_its_size(app, tmp_path):
    from kb.attachments.services import precheck_file

    path = tmp_path / "отчёт.docx"
    _random_package(path, 8)
    data = path.read_bytes()
    kinds = []
    with app.app_context():
        peak = peak_memory(lambda: kinds.append(precheck_file("отчёт.docx", data)))
    assert kinds == ["docx"]
    assert peak < len(data) / 4, f"{peak / 2**20:.1f} MB for a package of {len(data) / 2**20:.1f} MB"


@pytest.mark.parametrize("name", ["план.fodt", "таблица.fods", "слайды.fodp"])
@pytest.mark.parametrize("data", ["Текст, а не XML".encode(), bytes(range(256)) * 4, "Текст".encode("utf-16")],
                         ids=["text", "noise", "utf-16"])
def test_a_flat_opendocument_name_on_no_xml_is_named_so(name, data):
    """A file named .fodt, .fods or .fodp that is no XML is refused as no such document, not as an unknown type."""
    from kb.attachments.extract import AttachmentError, detect

    label = name.rsplit(".", 1)[1].upper()
    with pytest.raises(AttachmentError, match=f"не похож на документ LibreOffice в формате {label} "
                                              r"\(OpenDocument в одном файле XML\)"):
        detect(data, name)
