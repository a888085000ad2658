"""Attachments: every format made by its own library, text extracted and searchable; hostile files refused."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.accounts.models import User
from kb.attachments.models import Attachment, StoredFile
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import csrf_from, sign_in
from tests.documents import (
    big_office_file,
    encrypted_odt_bytes,
    encrypted_office_bytes,
    future_zip_version,
    lying_part,
    odp_bytes,
    ods_bytes,
    odt_bytes,
    pdf_bytes,
    peak_memory,
    rewrite_part,
    rtf_bytes,
)

WORD = "фотосинтезоподобный"


def make_docx(text: str = f"Отчёт о практике: {WORD} эксперимент.") -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Итог"
    table.cell(0, 1).text = "Победители олимпиады"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pptx() -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = f"Презентация: {WORD} проект"
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Ученик", "Результат"])
    workbook.active.append(["Иванов", f"{WORD} призёр"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


FORMATS = {
    "отчёт.docx": make_docx, "разработка.odt": lambda: odt_bytes(f"Методическая разработка: {WORD} опыт."),
    "слайды.pptx": make_pptx, "таблица.xlsx": make_xlsx,
    "статья.pdf": lambda: pdf_bytes(f"Статья: {WORD} метод обучения."),
    "конспект.rtf": lambda: rtf_bytes(f"Конспект: {WORD} занятие"),
    "заметки.txt": lambda: f"Заметки учителя: {WORD} наблюдение.".encode("cp1251"),
}


@pytest.fixture
def editor(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика с файлами", status="draft", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)
    return client, pid


def upload(client, pid, name, data):
    return client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data", follow_redirects=True)


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_is_stored_with_its_text(app, editor, name):
    client, pid = editor
    data = FORMATS[name]()
    page = upload(client, pid, name, data).get_data(as_text=True)
    assert f"Файл «{name}» приложен" in page
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.original_name == name
        assert WORD in attachment.text.lower()
        stored = Path(app.config["UPLOAD_DIR"], attachment.sha256[:2], attachment.sha256[2:4], attachment.sha256)
        assert stored.read_bytes() == data
        attachment_id = attachment.id
    with client.get(f"/attachments/{attachment_id}/{name}") as response:
        assert response.status_code == 200 and response.data == data
        disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
    assert re.search(r"filename\*=UTF-8''%[0-9A-F]{2}", disposition), "the Cyrillic name, percent-encoded"
    with app.app_context():
        assert db.session.get(Attachment, attachment_id).downloads == 1


@pytest.mark.parametrize(("name", "fallback"), [
    ("ИОМ.pdf", "attachment-{id}.pdf"),  # werkzeug's own fallback was «.pdf»: a hidden file, no name
    ("План работы ШНО.docx", "attachment-{id}.docx"),  # and «  .docx»
    ("Отчёт 2024 (final).txt", "attachment-{id}.txt"),  # a few Latin letters are no name either
    ("заметки.md", "attachment-{id}.md"),  # a plain text's own extension
    ("plan-2024.pdf", None),  # an ASCII name is its own fallback (and the only name sent)
])
def test_a_cyrillic_name_gets_an_ascii_fallback_with_a_name(app, editor, name, fallback):
    """A client that reads only ``filename=`` (curl -OJ, some download managers) saves the file by the fallback."""
    from urllib.parse import unquote

    from werkzeug.http import parse_options_header

    client, pid = editor
    data = pdf_bytes(WORD) if name.endswith(".pdf") else make_docx() if name.endswith(".docx") else WORD.encode()
    upload(client, pid, name, data)
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    with client.get(f"/attachments/{attachment_id}/{name}") as response:
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
    raw = re.search(r'filename="?([^";]*)"?(?:;|$)', disposition).group(1)
    assert raw == (fallback.format(id=attachment_id) if fallback else name)
    if fallback:
        assert unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)) == name
    assert parse_options_header(disposition)[1]["filename"] == name  # a browser still saves the file by its name


def test_a_file_named_as_a_windows_device_is_saved_and_downloaded_under_a_name_windows_takes(app, editor):
    """«CON.txt» was stored and downloaded as it was: Windows cannot save a file of that name. A name stored so
    before is downloaded under the guarded one too."""
    from werkzeug.http import parse_options_header

    client, pid = editor
    page = upload(client, pid, "CON.txt", WORD.encode()).get_data(as_text=True)
    assert "Файл «_CON.txt» приложен" in page
    with app.app_context():
        attachment = db.session.scalar(select(Attachment))
        assert attachment.original_name == "_CON.txt"
        attachment.original_name = "nul .txt"  # as an upload before the guard stored it
        db.session.commit()
        attachment_id = attachment.id
    with client.get(f"/attachments/{attachment_id}/nul .txt") as response:
        assert response.status_code == 200 and response.data == WORD.encode()
        assert parse_options_header(response.headers["Content-Disposition"])[1]["filename"] == "_nul .txt"


def test_a_big_table_is_read_only_as_far_as_the_kept_text(monkeypatch):
    """A sheet is parsed row by row up to MAX_TEXT characters: its damaged end is never reached (a 19 MB
    sheet of 150,000 rows took 15 s to extract before, 0.7 s now)."""
    from openpyxl import Workbook

    from kb.attachments import extract

    workbook = Workbook()
    for number in range(300):
        workbook.active.append([f"Строка {number}", f"{WORD} результат"])
    out = io.BytesIO()
    workbook.save(out)
    damaged_end = rewrite_part(out.getvalue(), SHEET, lambda b: b[:len(b) * 9 // 10])
    with pytest.raises(extract.AttachmentError):
        extract.extract_text(damaged_end, "xlsx")
    monkeypatch.setattr(extract, "MAX_TEXT", 1000)
    text = extract.extract_text(damaged_end, "xlsx")
    assert len(text) == 1000 and text.startswith(f"Строка 0 {WORD}")


def test_a_long_pdf_is_read_only_as_far_as_the_kept_text(monkeypatch):
    from pypdf import PageObject

    from kb.attachments import extract

    data = pdf_bytes("\n".join(f"Страница текста, строка {n}: {WORD} опыт." for n in range(400)))
    read = []
    plain = PageObject.extract_text
    monkeypatch.setattr(PageObject, "extract_text", lambda page, *a, **k: read.append(1) or plain(page, *a, **k))
    assert WORD in extract.extract_text(data, "pdf")
    pages = len(read)
    assert pages > 3
    read.clear()
    monkeypatch.setattr(extract, "MAX_TEXT", 300)
    assert len(extract.extract_text(data, "pdf")) == 300
    assert len(read) == 1, f"one page of {pages} is enough for 300 characters"


def test_published_practice_is_found_by_a_word_in_its_file(app, editor, make_user):
    client, pid = editor
    upload(client, pid, "отчёт.docx", make_docx())
    publish_and_find(app, client, make_user, pid, "отчёт.docx", WORD)
    with app.test_client().get(f"/attachments/{db_id(app)}/отчёт.docx") as response:
        assert response.status_code == 200, "files of a published practice are public"


def publish_and_find(app, client, make_user, pid: int, name: str, word: str) -> None:
    """The author submits practice ``pid``, an administrator publishes it, and then anyone finds it by ``word``,
    which only its file ``name`` holds: alone in the API's results, with the file named and the word marked in
    the search page's snippet."""
    client.post(f"/practices/{pid}/transition", data={"action": "submit",
                                                      "csrf_token": csrf_from(client, f"/practices/{pid}")})
    methodist = app.test_client()
    sign_in(methodist, make_user("admin"))
    methodist.post(f"/practices/{pid}/transition", data={"action": "publish",
                                                         "csrf_token": csrf_from(methodist, f"/practices/{pid}")})
    found = app.test_client().get("/api/v1/search", query_string={"q": word}).json
    assert [r["id"] for r in found["results"]] == [pid]
    page = app.test_client().get("/search", query_string={"q": word}).get_data(as_text=True)
    assert f"В файле «{name}»:" in page and f"<mark>{word}</mark>" in page


def db_id(app) -> int:
    with app.app_context():
        return db.session.scalar(select(Attachment.id))


def zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    return out.getvalue()


def make_scores_xlsx() -> bytes:
    """A table with a number in it (B2), stored as a number cell."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["Ученик", "Баллы"])
    workbook.active.append(["Иванов", 7])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
# Packages that open and fail only while read: the libraries raise whatever they meet (ValueError, ParseError,
# KeyError, AttributeError, NotImplementedError), and each of these gave a 500 before.
DAMAGED_INSIDE = {
    "nan.xlsx": (lambda: rewrite_part(make_scores_xlsx(), SHEET, lambda b: b.replace(b"<v>7</v>", b"<v>NaN</v>")),
                 "XLSX повреждён"),
    "cut.xlsx": (lambda: rewrite_part(make_scores_xlsx(), SHEET, lambda b: b[:len(b) // 2]), "XLSX повреждён"),
    "no-slide.pptx": (lambda: rewrite_part(make_pptx(), "ppt/_rels/presentation.xml.rels",
                                           lambda b: re.sub(rb'<Relationship [^>]*slides/slide1\.xml"/>', b"", b)),
                      "PPTX повреждён"),
    "no-body.docx": (lambda: rewrite_part(make_docx(), "word/document.xml",
                                          lambda b: b.replace(b"w:body>", b"w:bodx>")),
                     "DOCX повреждён"),
    "future.odt": (lambda: future_zip_version(odt_bytes("Методическая разработка.")), "Файл повреждён"),
    "unknown-filter.pdf": (lambda: pdf_bytes("Статья о методе.").replace(b"/FlateDecode", b"/NoSuchDecode"),
                           "PDF повреждён"),
}

HOSTILE = {
    **DAMAGED_INSIDE,
    "bomb.docx": (zip_bomb, "архив-бомбу"),
    "locked.pdf": (lambda: pdf_bytes("Закрытая статья.", password="secret"), "защищён паролем"),
    "truncated.docx": (lambda: make_docx()[:2000], "повреждён"),
    "report.pdf": (make_docx, "не соответствует содержимому"),
    "program.exe": (lambda: b"MZ\x90\x00" + bytes(range(256)) * 40, "Неподдерживаемый тип"),
    "empty.txt": (lambda: b"", "Файл пустой"),
    # a web page: not «Расширение «.html» не соответствует содержимому файла (TXT)», but what to save it as
    "страница.html": (lambda: "<!DOCTYPE html><html><body><p>Опыт школы</p></body></html>".encode(),
                      "Веб-страницы (HTML) не принимаются: сохраните страницу как PDF"),
    "страница.htm": (lambda: b"<html><body>Opyt</body></html>", "Веб-страницы (HTML) не принимаются"),
    # a NUL in a «text» file: no «Неподдерживаемый тип файла» naming nothing
    "данные.txt": (lambda: "Текст\x00".encode() + bytes(range(256)) * 8,
                   "Файл «.txt» — не текстовый: в нём двоичные данные, а не текст."),
    "broken.doc": (lambda: bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 4000, "DOC"),
}


@pytest.mark.parametrize(("kind", "make", "part"), [
    ("docx", make_docx, "word/document.xml"),
    ("pptx", make_pptx, "ppt/slides/slide1.xml"),
    ("xlsx", make_scores_xlsx, "xl/theme/theme1.xml"),  # openpyxl reads the sheets in pieces, but not this
    ("odt", lambda: odt_bytes("Методическая разработка."), "content.xml"),
    ("ods", lambda: ods_bytes([["Ученик", "Баллы"], ["Иванов", "семь"]]), "content.xml"),
    ("odp", lambda: odp_bytes(["Методическая разработка.", "Итоги."]), "content.xml"),
])
def test_a_part_that_unpacks_to_more_than_it_declares_is_read_only_to_its_declared_size(kind, make, part):
    """A part's headers give its real size and CRC, but its compressed bytes go on to 150 MB of zeros:
    ZipFile.read, which the office libraries use, unpacked all of it before cutting (a 1 MB file took 2 GB of
    a web process). The part is now read a piece at a time, up to what it declares, before any library."""
    from kb.attachments.extract import extract_text

    honest = extract_text(make(), kind)
    data = lying_part(make(), part, 150 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(data, kind)))
    assert peak < 30 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert found == [honest], "what the part declares is all that is read"


@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_a_small_office_file_of_a_huge_text_is_read_as_a_stream_up_to_the_text_kept(kind):
    """A DOCX of 623 KB whose document.xml unpacked to 50 MB took python-docx 53 s and 760 MB before its text was
    cut at MAX_TEXT (one of 1.4 MB: 4 minutes, 3.9 GB), python-pptx the same for a slide. The parts are now read
    as a stream and the reading stops at MAX_TEXT characters; the package is not copied in memory either."""
    from kb.attachments.extract import MAX_TEXT, extract_text

    data = big_office_file(kind, 20 * 1024 * 1024, f"Начало плана: {WORD}.", words=20)
    assert len(data) < 8 * 1024 * 1024
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(data, kind)))
    assert peak < 30 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert found[0].startswith(f"Начало плана: {WORD}.\n") and len(found[0]) == MAX_TEXT


@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_an_office_file_of_endless_elements_is_read_up_to_the_elements_allowed(monkeypatch, kind):
    """Elements count as well as characters (a document of empty paragraphs has no text to stop at): the reading
    stops at MAX_ELEMENTS, the text read kept. Each paragraph here is three elements."""
    from kb.attachments import ooxml
    from kb.attachments.extract import extract_text

    monkeypatch.setattr(ooxml, "MAX_ELEMENTS", 40_000)
    data = big_office_file(kind, 2 * 1024 * 1024, f"Начало плана: {WORD}.", words=1)
    lines = extract_text(data, kind).splitlines()
    assert lines[0] == f"Начало плана: {WORD}." and 13_000 < len(lines) <= 40_000 // 3


def test_a_table_cell_spanning_a_huge_grid_is_read_once():
    """Each cell's text was repeated as many times as its w:gridSpan (up to 99,999) before the row's repeats were
    dropped: a 2 KB DOCX of 400 such cells took 306 MB."""
    from kb.attachments.extract import extract_text

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    cells = "".join(f'<w:tc><w:tcPr><w:gridSpan w:val="99999"/></w:tcPr><w:p><w:r><w:t>ячейка{i}</w:t></w:r></w:p>'
                    "</w:tc>" for i in range(400))
    document = (f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>План</w:t></w:r></w:p>'
                f"<w:tbl><w:tr>{cells}</w:tr></w:tbl></w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                         "</Relationships>")
        archive.writestr("word/document.xml", document)
    found: list[str] = []
    peak = peak_memory(lambda: found.append(extract_text(buffer.getvalue(), "docx")))
    assert peak < 20 * 1024 * 1024, f"{peak / 1e6:.0f} MB"
    assert found[0].splitlines() == ["План", " ".join(f"ячейка{i}" for i in range(400))]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_and_nothing_is_lost(app, editor, name):
    client, pid = editor
    upload(client, pid, "хороший.docx", make_docx())
    make, message = HOSTILE[name]
    page = upload(client, pid, name, make()).get_data(as_text=True)
    assert message in page
    with app.app_context():
        assert db.session.scalars(select(Attachment.original_name)).all() == ["хороший.docx"]
        assert db.session.get(Practice, pid) is not None
    files = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert len(files) == 1, "the refused file left nothing on disk"


@pytest.mark.parametrize("name", ["план.docx", "таблица.xlsx", "слайды.pptx", "план.odt"])
def test_an_office_file_saved_with_a_password_is_refused_as_encrypted(app, editor, name):
    """A DOCX, XLSX or PPTX saved with a password is an OLE file with an «EncryptedPackage» stream: it was
    taken for an old PowerPoint file («Неподдерживаемый тип файла (application/vnd.ms-powerpoint)»); an ODT
    saved with a password was «ODT повреждён»."""
    client, pid = editor
    data = encrypted_odt_bytes("Секретный план") if name.endswith(".odt") else encrypted_office_bytes()
    page = upload(client, pid, name, data).get_data(as_text=True)
    assert "Файл зашифрован паролем: загрузите его без пароля." in page
    assert "Неподдерживаемый" not in page and "повреждён" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_only_a_compound_file_with_an_encrypted_package_is_refused_as_encrypted():
    """Old DOC, XLS and PPT files are the same OLE container with other streams: they are not called encrypted,
    and an unreadable directory is no proof of encryption either."""
    from kb.attachments.extract import AttachmentError, compound_file_names, detect

    data = encrypted_office_bytes()
    assert compound_file_names(data) == {"root entry", "encryptioninfo", "encryptedpackage"}
    with pytest.raises(AttachmentError, match="зашифрован паролем"):
        detect(data, "план.docx")
    other = data.replace("EncryptedPackage".encode("utf-16-le"), "PowerPoint Docu".encode("utf-16-le") + bytes(2))
    assert compound_file_names(other) == {"root entry", "encryptioninfo", "powerpoint docu"}
    assert detect(other, "слайды.ppt") == "ppt"  # taken as sniffing sees it; catppt then reads it or says why not
    assert compound_file_names(data[:600]) == set()
    assert compound_file_names(b"plain text") == set()


def test_a_pdf_with_only_an_owner_password_is_read(app, editor):
    """A PDF with restrictions only (an owner password, no password to open it: official documents) opens in
    every viewer, but was refused as «PDF защищён паролем»; its text is now read."""
    client, pid = editor
    data = pdf_bytes(f"Приказ министерства: {WORD} положение.", owner_password="x")
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(data)).is_encrypted
    page = upload(client, pid, "приказ.pdf", data).get_data(as_text=True)
    assert "Файл «приказ.pdf» приложен" in page
    with app.app_context():
        assert WORD in db.session.scalar(select(Attachment.text)).lower()
    locked = upload(client, pid, "закрытый.pdf", pdf_bytes("Закрыто.", password="secret", owner_password="x"))
    assert "PDF защищён паролем" in locked.get_data(as_text=True), "a password to open it is still refused"


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_a_pdf_with_only_an_owner_password_in_aes_is_read(algorithm):
    """Acrobat and office suites restrict PDFs with AES, which pypdf decrypts only with the cryptography
    package: without it such a PDF was «PDF повреждён»."""
    pytest.importorskip("cryptography")
    from pypdf import PdfReader, PdfWriter

    from kb.attachments.extract import detect, extract_text

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(f"Положение: {WORD} порядок."))))
    writer.encrypt(user_password="", owner_password="x", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    assert WORD in extract_text(out.getvalue(), detect(out.getvalue(), "положение.pdf")).lower()


def test_without_its_crypto_library_an_aes_pdf_gets_a_message_that_says_so(monkeypatch):
    """An AES-encrypted PDF met without the cryptography package was called damaged."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    from kb.attachments.extract import AES_UNSUPPORTED, AttachmentError, extract_text

    def no_aes(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", no_aes)
    with pytest.raises(AttachmentError) as refused:
        extract_text(pdf_bytes("Текст.", owner_password="x"), "pdf")
    assert str(refused.value) == AES_UNSUPPORTED


@pytest.mark.parametrize(("name", "data", "described"), [
    ("программа.docx", b"MZ\x90\x00" + bytes(range(256)) * 40, "программа (EXE)"),
    ("фото.pdf", bytes.fromhex("89504e470d0a1a0a") + bytes(200), "изображение (PNG)"),
    ("архив.zip", b"PK\x03\x04" + bytes(200), "архив (ZIP)"),
])
def test_an_unsupported_file_is_named_in_words_not_by_its_mime_type(editor, name, data, described):
    """The refusal named the content by its MIME type: «Неподдерживаемый тип файла (application/x-msdownload)»."""
    client, pid = editor
    page = upload(client, pid, name, data).get_data(as_text=True)
    assert f"Неподдерживаемый тип файла: {described}. Принимаются: PDF, DOCX" in page
    assert "application/" not in page


# Bytes no check recognises: no signature, no text (a file damaged from its first byte, or another renamed)
NOTHING_KNOWN = bytes((index * 37 + 11) % 256 for index in range(4000))


@pytest.mark.parametrize(("name", "claimed"), [
    ("отчёт.pdf", "PDF, но это не PDF-документ"), ("план.docx", "DOCX, но это не документ DOCX"),
    ("план.doc", "DOC, но это не документ DOC"), ("слайды.pptx", "PPTX, но это не презентация PPTX"),
    ("баллы.ods", "ODS, но это не таблица ODS"), ("доклад.rtf", "RTF, но это не документ RTF"),
])
def test_bytes_no_check_knows_are_told_they_are_not_what_the_name_says(editor, name, claimed):
    """Binary data named as a document was «Неподдерживаемый тип файла. Принимаются: PDF, DOCX, …», naming no type
    and listing the very format the file is named as."""
    client, pid = editor
    page = upload(client, pid, name, NOTHING_KNOWN).get_data(as_text=True)
    assert f"Файл назван как {claimed} (возможно, он повреждён или переименован)." in page
    assert "Неподдерживаемый тип" not in page


def test_bytes_no_check_knows_without_an_accepted_name_are_still_an_unsupported_type():
    from kb.attachments.extract import UnsupportedType, detect

    for name in ("данные.bin", "данные"):
        with pytest.raises(UnsupportedType) as refused:
            detect(NOTHING_KNOWN, name)
        assert str(refused.value).startswith("Неподдерживаемый тип файла. Принимаются: PDF, DOCX")


def _zip(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


def _flipped_mimetype(data: bytes) -> bytes:
    """An ODT with a byte of its first part («mimetype», stored as it is) changed: filetype no longer knows it."""
    at = data.index(b"opendocument.text")
    return data[:at] + b"O" + data[at + 1:]


def _reordered(data: bytes, first: int) -> bytes:
    """A DOCX with its parts in another order: its other parts and ``first`` more before the document's (word/)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    word = [name for name in source.namelist() if name.startswith("word/")]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in [name for name in source.namelist() if name not in word]:
            package.writestr(name, source.read(name))
        for number in range(first):
            package.writestr(f"customXml/extra{number}.xml", "<a/>")
        for name in word:
            package.writestr(name, source.read(name))
    return out.getvalue()


@pytest.mark.parametrize(("name", "make"), [
    ("план урока.docx", lambda: make_docx()[:300]),
    ("план урока.docx", lambda: make_docx()[:500]),
    ("план урока.xlsx", lambda: make_xlsx()[:400]),
    ("разработка.odt", lambda: _flipped_mimetype(odt_bytes("Методическая разработка."))),
    ("разработка.odt", lambda: odt_bytes("Методическая разработка.")[:200]),
    ("архив.docx", lambda: _zip({"отчёт.txt": "Просто архив."})),  # no [Content_Types].xml
])
def test_a_damaged_office_file_is_called_damaged_not_an_unsupported_archive(app, name, make):
    """A DOCX cut short (a download interrupted) starts as a ZIP and no more: it was refused as «Неподдерживаемый
    тип файла: архив (ZIP). Принимаются: PDF, DOCX…», telling the teacher DOCX is not taken. A real .zip archive is
    still refused as an archive (test_an_unsupported_file_is_named_in_words_not_by_its_mime_type)."""
    from kb.attachments.extract import AttachmentError
    from kb.attachments.services import check_file, precheck_file

    with app.app_context():
        for check in (check_file, precheck_file):
            with pytest.raises(AttachmentError) as refused:
                check(name, make())
            assert str(refused.value) == "Файл повреждён: не удаётся прочитать его содержимое."


def test_a_docx_with_its_parts_in_an_unusual_order_is_read(app):
    """filetype tells a DOCX by its first parts only: one with word/ after them is a ZIP to it, and is read by
    the parts it has."""
    import filetype

    from kb.attachments.services import check_file

    data = _reordered(make_docx(), 6)
    assert filetype.guess(data).extension == "zip"
    with app.app_context():
        checked = check_file("отчёт.docx", data)
    assert checked.kind == "docx" and WORD in checked.text


def test_a_refused_file_is_said_at_the_top_of_the_page_not_past_it(editor):
    """The answer to an upload leads to the files (#files), further down than the messages at the top of the page:
    a refusal («bad.exe: Неподдерживаемый тип файла…») went unseen. With a refusal the answer leads to the top; an
    accepted file still to the files (static/flashes.js shows its message there)."""
    client, pid = editor

    def send(name, data):
        return client.post(f"/practices/{pid}/attachments", data={
            "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [(io.BytesIO(data), name)]},
            content_type="multipart/form-data")

    refused = send("bad.exe", b"MZ\x90\x00" + bytes(range(256)) * 40)
    assert refused.status_code == 302 and refused.headers["Location"] == f"/practices/{pid}"
    page = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "«bad.exe»: Неподдерживаемый тип файла" in page
    accepted = send("план.txt", "План занятий кружка.".encode())
    assert accepted.headers["Location"] == f"/practices/{pid}#files"
    assert "Файл «план.txt» приложен" in client.get(accepted.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(("given", "kept"), [
    ("я" * 300 + ".txt", "я" * 125 + ".txt"),  # 255 bytes: two per letter, four for ".txt"; the extension stays
    ("a" * 300 + ".docx", "a" * 250 + ".docx"),
    ("отчёт." + "x" * 300, "отчёт." + "x" * 244),  # not an extension: a long tail is cut like the rest
    ("../../etc/отчёт.txt", "отчёт.txt"),
    ("\u202eтxt.exe", "тxt.exe"),
    ("...", "файл"),
    ("План\u00a0урока.docx", "План урока.docx"),  # a space pasted from Word: not dropped, words run together
    ("1\u202fкласс.pdf", "1 класс.pdf"),
    # a name Windows keeps for a device, in any case, with an extension or none, with spaces after it: «_» before it
    ("CON", "_CON"), ("prn.docx", "_prn.docx"), ("Aux.pdf", "_Aux.pdf"), ("NUL.tar.gz", "_NUL.tar.gz"),
    ("con .docx", "_con .docx"), ("COM1.txt", "_COM1.txt"), ("com9.txt", "_com9.txt"), ("LPT1", "_LPT1"),
    ("lpt9.odt", "_lpt9.odt"), ("con.", "_con"), ("../CON.docx", "_CON.docx"),
    # a longer word that begins so is no device's
    ("CONSOLE.txt", "CONSOLE.txt"), ("COM10.txt", "COM10.txt"), ("Конспект.docx", "Конспект.docx"),
    ("_CON.docx", "_CON.docx"), ("план CON.docx", "план CON.docx"),
    # the «_» within the 255 bytes (it came after the cut: 256, which PostgreSQL's VARCHAR(255) refused with a 500)
    ("CON." + "a" * 300 + ".txt", "_CON." + "a" * 246 + ".txt"),
    ("nul." + "я" * 200 + ".docx", "_nul." + "я" * 122 + ".docx"),
])
def test_file_names_fit_a_file_system_and_keep_their_extension(given, kept):
    from kb.attachments.services import clean_filename

    assert clean_filename(given) == kept
    assert len(clean_filename(given).encode()) <= 255


def test_a_damaged_pdf_does_not_fill_the_log(caplog):
    """pypdf warns of every damaged object it passes over (16,500 lines for one hostile PDF of 450 KB)."""
    import logging

    from kb.attachments.extract import extract_text

    data = pdf_bytes("Статья о методе.")
    data = data[:data.rfind(b"startxref")] + b"startxref\n99999\n%%EOF\n"  # a wrong pointer: pypdf searches
    with caplog.at_level(logging.DEBUG):
        assert extract_text(data, "pdf") == "Статья о методе."
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_text_saved_as_unicode_by_notepad_is_read(encoding):
    """Notepad's «Юникод» is UTF-16 with a byte order mark: its zero bytes made it «Неподдерживаемый тип»."""
    from kb.attachments.extract import AttachmentError, detect, extract_text

    data = ("\ufeff" if encoding.endswith("-be") else "") + "Конспект урока: " + WORD + "\r\nВторая строка."
    raw = data.encode(encoding)
    assert b"\x00" in raw
    assert detect(raw, "конспект.txt") == "txt"
    assert extract_text(raw, "txt") == f"Конспект урока: {WORD}\nВторая строка."
    with pytest.raises(AttachmentError, match="не текстовый: в нём двоичные данные"):
        detect(b"\xff\xfe" + bytes(range(256)) * 8, "данные.txt")  # a mark, then no text


@pytest.mark.parametrize(("text", "read"), [
    ("Заметки: \uf0b7 пункт.", "Заметки: • пункт."),  # Word's Symbol bullet pasted into a text file
    ("Срок: 5\u00a0дней.", "Срок: 5 дней."),  # a no-break space
    ("Пере\u00adнос слова.", "Пере\u00adнос слова."),  # a soft hyphen
    ("\uf0b7 Цель\n\uf0b7 Задачи", "• Цель\n• Задачи"),
], ids=["bullet", "no-break-space", "soft-hyphen", "bullets"])
def test_a_short_utf8_text_with_a_character_that_is_not_printed_is_read_as_utf8(text, read):
    """A private-use bullet (U+F0B7), a no-break space or a soft hyphen is no «printable» character to Python: in a
    short UTF-8 file they made more than 3 % of the text, so the file was read as CP1251 («Р—Р°РјРµС‚РєРё: п‚·»), or
    refused as no text at all. A file that is valid UTF-8 and has letters beyond ASCII is UTF-8; its bullet is «•»,
    as in a DOCX."""
    from kb.attachments.extract import detect, extract_text

    data = text.encode()
    assert detect(data, "заметки.txt") == "txt"
    assert extract_text(data, "txt") == read
    assert extract_text(text.encode("utf-8-sig"), "txt") == read


def test_a_cp1251_text_and_a_binary_file_are_still_told_from_utf8():
    from kb.attachments.extract import UnsupportedType, detect, extract_text

    assert extract_text("Заметки: пункт.".encode("cp1251"), "txt") == "Заметки: пункт."
    with pytest.raises(UnsupportedType):  # valid UTF-8 with a letter, but control characters: no text
        detect(bytes(range(1, 9)) * 50 + "я".encode(), "данные.txt")


def test_a_koi8_r_text_is_read_as_koi8_r_and_a_cp1251_one_in_capitals_stays_cp1251():
    """A KOI8-R file (old mail archives, Linux editors) was stored as CP1251 gibberish, «ыЛПМШОПЕ ОБХЮОПЕ»: KOI8-R has
    its small letters where CP1251 has its capitals. A CP1251 text in capitals is no KOI8-R text for all that."""
    from kb.attachments.extract import extract_text

    text = "Школьное научное общество: опыт работы с одарёнными детьми в начальной школе."
    assert extract_text(text.encode("koi8-r"), "txt") == text
    assert extract_text(text.encode("cp1251"), "txt") == text
    capitals = "РЕЗОЛЮЦИЯ ОБЛАСТНОЙ КОНФЕРЕНЦИИ О РАЗВИТИИ ОДАРЁННОСТИ"
    assert extract_text(capitals.encode("cp1251"), "txt") == capitals


KOI8_TEXT = ("Школьное научное общество: опыт работы с одарёнными детьми в начальной школе. Занятия проходят раз в "
             "неделю, ученики готовят проекты и выступают на конференции.")


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866"])
@pytest.mark.parametrize("case", ["as typed", "capitals", "small letters"])
def test_a_koi8_r_or_dos_text_is_read_in_its_encoding_in_capitals_too(encoding, case):
    """A KOI8-R text typed in capitals was stored as CP1251 gibberish («ЬЙПМШОПЕ» for «ШКОЛЬНОЕ»): read as CP1251 it
    is in small letters, and the check looked for one nearly all in capitals. A text in CP866 (DOS, old school
    software) was refused as no text at all (a byte CP1251 has no character for) or stored as gibberish. Each
    reading is now weighed by how Russian its letters and their pairs are, whatever their case."""
    from kb.attachments.extract import extract_text

    text = {"as typed": KOI8_TEXT, "capitals": KOI8_TEXT.upper(), "small letters": KOI8_TEXT.lower()}[case]
    assert extract_text(text.encode(encoding), "txt") == text
    assert extract_text(text.encode("cp1251"), "txt") == text


@pytest.mark.parametrize("text", [
    "Итоги.", "ИТОГИ.", "ей 82-летней двоюродной бабушк", "Ь, ПОЧЕМУ МЫ УП", "Урок 5: Python 3.12, 2024 г.",
    "4Б1, 507 Т-64Б, 528 Т-64БВ, 12", "Practice № 1 (2024), version 2.0 — «draft»",
    "План: ввести модуль Moodle 4.1 в 7 «А» и 8 «Б» классах; отчёт — до 01.09.2024, ответственный — Иванова А. П.",
    KOI8_TEXT.upper(), KOI8_TEXT.lower(),
])
def test_a_cp1251_text_short_or_long_in_any_case_with_latin_words_and_digits_stays_cp1251(text):
    """A few letters could tip a short text either way: Windows-1251 is kept unless another reading is clearly
    better, so a word or a line of a CP1251 file never turns into gibberish."""
    from kb.attachments.extract import extract_text

    assert extract_text(text.encode("cp1251"), "txt") == text


@pytest.mark.parametrize("text", [
    "Lesson plan: “My Family”. Students don’t just read – they talk. It’s the teacher’s task to help them… "
    "Homework: exercise 5, page 32.\n" * 12,
    "Don’t forget: it’s “Reading Week” – Monday’s lesson is at 9:00.\n" * 4,
    "Project «Smart School» — stage 2; score 95 %; «Robotics» — 12 teams.\n" * 10,
    "№ 12 — 35 °C ± 2; «A» — 1 200 € …\n" * 10,
    "Урок английского языка: «My Family». Учащиеся читают текст “Don’t worry” и отвечают на вопросы. "
    "It’s time to talk!\n" * 5,
    "Smart\xadSchool\xad\xad\xad\xad\xad project © 2024 — “Robotics”, stage 2.",
])
def test_an_english_cp1251_text_with_typographic_quotes_and_dashes_stays_cp1251(text):
    """Windows-1251's quotes, apostrophes and dashes (’ “ ” « » – — …, Windows-1252's too) are letters in CP866
    (Т У Ф л ╗ Ц Ч Е): an English text with them was read as CP866, «DonТt forget: itТs УReading WeekФ». They count
    in no reading now, and KOI8-R or CP866 wins only with Russian words in its reading (not «ннннн» of soft
    hyphens)."""
    from kb.attachments.extract import extract_text

    assert extract_text(text.encode("cp1251"), "txt") == text.strip()


def test_windows_1251_punctuation_weighs_the_same_in_every_reading():
    """A Russian text in Windows-1251 with English quotes and dashes is not pushed towards CP866 by them either."""
    from kb.encodings import scores

    score, beyond = scores("“‘’” «» – — … № • \u00a0 ‚„ ‹› ™ ° ± ·".encode("cp1251") * 20)
    assert score["cp1251"] == score["koi8_r"] == score["cp866"] and beyond == 0


def test_an_emoji_in_an_rtf_is_stored_as_one_character(app, editor):
    """Word writes an emoji in an RTF as a surrogate pair (\\u-10179?\\u-8704?): striprtf gave two lone halves,
    which UTF-8 cannot store, and the upload was a 500."""
    client, pid = editor
    response = upload(client, pid, "опыт.rtf", rtf_bytes(f"Практика {WORD} 😀 одарённые дети"))
    assert response.status_code == 200
    assert "Файл «опыт.rtf» приложен" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Attachment.text)) == f"Практика {WORD} 😀 одарённые дети"


@pytest.mark.parametrize(("units", "kept"), [(r"\u-10179?\u-8704?", "😀"), (r"\u-10179?", ""), (r"\u-8704?", ""),
                                             (r"\u-8704?\u-10179?", ""), (r"\u-10179?\u-10179?\u-8704?", "😀")])
def test_surrogate_halves_in_a_file_are_joined_and_a_lone_one_dropped(units, kept):
    from kb.attachments.extract import extract_text

    data = b"{\\rtf1\\ansi\\ansicpg1251 \\'e4\\'e0 " + units.encode() + b" \\'ed\\'e5\\'f2}"
    text = extract_text(data, "rtf")
    assert text == " ".join(filter(None, ("да", kept, "нет")))
    text.encode("utf-8")


def test_an_oversized_file_is_named_and_the_others_of_the_upload_are_attached(app, editor):
    """One file over the limit among several: a bare 413 page answered, and the files after it were lost."""
    client, pid = editor
    # Small limits keep the bodies under the test client's 500 KB spooling threshold.
    app.config["ATTACHMENT_MAX_BYTES"] = 100 * 1024
    response = client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [
            (io.BytesIO("План занятий кружка.".encode()), "план.txt"),
            (io.BytesIO(b"a" * (100 * 1024 + 1)), "большой файл.txt"),
            (io.BytesIO("Методичка для учителя.".encode()), "методичка.txt")]},
        content_type="multipart/form-data")
    # a refusal among the messages: the top of the page, where they are printed, not the files further down
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/practices/{pid}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "«большой файл.txt»: Файл больше 100 КБ — такой файл не принимается." in page
    assert "Файл «план.txt» приложен" in page and "Файл «методичка.txt» приложен" in page
    with app.app_context():
        assert sorted(db.session.scalars(select(Attachment.original_name))) == ["методичка.txt", "план.txt"]


def test_oversized_request_answers_413_in_russian(app, editor):
    client, pid = editor
    app.config["ATTACHMENT_MAX_BYTES"] = 100 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    whole = upload_raw(client, pid, "huge.txt", b"a" * (300 * 1024))
    assert whole.status_code == 413 and "Слишком большой файл" in whole.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def upload_raw(client, pid, name, data):
    return client.post(f"/practices/{pid}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data")


def test_a_name_sent_with_its_windows_folders_keeps_only_the_file_name(app, editor):
    """A browser sends the name's backslashes as they are, and Werkzeug took them for escapes: the file was stored
    as «CUsersУчительРабочий столплан урока.txt»."""
    client, pid = editor
    page = upload(client, pid, "C:\\Users\\Учитель\\Рабочий стол\\план урока.txt", "План урока.".encode()
                  ).get_data(as_text=True)
    assert "Файл «план урока.txt» приложен" in page
    with app.app_context():
        assert db.session.scalar(select(Attachment.original_name)) == "план урока.txt"


def test_path_traversal_names_never_touch_the_disk(app, editor, tmp_path):
    client, pid = editor
    page = upload(client, pid, "../../x.docx", make_docx()).get_data(as_text=True)
    assert "Файл «x.docx» приложен" in page
    assert not (Path(app.config["UPLOAD_DIR"]).parent.parent / "x.docx").exists()
    with app.app_context():
        assert db.session.scalar(select(Attachment.original_name)) == "x.docx"


def test_files_of_drafts_are_private_and_removal_follows_the_rules(app, editor, make_user):
    client, pid = editor
    upload(client, pid, "отчёт.docx", make_docx())
    attachment_id = db_id(app)
    assert app.test_client().get(f"/attachments/{attachment_id}/отчёт.docx").status_code == 404
    stranger = app.test_client()
    sign_in(stranger, make_user("teacher"))
    assert stranger.get(f"/attachments/{attachment_id}/отчёт.docx").status_code == 404
    assert stranger.post(f"/attachments/{attachment_id}/delete").status_code in (400, 404)
    response = client.post(f"/attachments/{attachment_id}/delete",
                           data={"csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_removing_a_file_asks_first(app, editor, make_user, make_practice):
    """The «удалить» beside a practice's file removed it at once, with no question and no way back."""
    client, pid = editor
    upload(client, pid, "отчёт.docx", make_docx())
    attachment_id = db_id(app)
    url = f"/attachments/{attachment_id}/delete"
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert f'<a href="{url}">удалить<span class="visually-hidden"> «отчёт.docx»</span>…</a>' in page
    assert f'action="{url}"' not in page  # the page holds no form that removes at once

    question = client.get(url)
    text = " ".join(question.get_data(as_text=True).split())
    assert question.status_code == 200 and "Удалить файл «отчёт.docx»?" in text
    assert f'action="{url}"' in text and 'name="csrf_token"' in text and f'href="/practices/{pid}#files">Отмена' in text
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is not None  # asking removed nothing
    stranger = app.test_client()
    sign_in(stranger, make_user("teacher"))
    assert stranger.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # to the login page
    with app.app_context():
        published = make_practice("Опубликованная чужая практика")
        attachment = Attachment(practice_id=published, original_name="чужой.txt", kind="txt", size=1, sha256="0" * 64)
        db.session.add(attachment)
        db.session.commit()
        foreign = attachment.id
    assert client.get(f"/attachments/{foreign}/delete").status_code == 403  # seen, but not the editor's

    assert client.post(url, data={"csrf_token": csrf_from(client, url)}).status_code == 302
    with app.app_context():
        assert db.session.get(Attachment, attachment_id) is None


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]


def test_a_removal_the_database_does_not_commit_keeps_the_file(app, editor):
    """The database fails at the commit (restarting, its disk full): the attachment stays, and so do its bytes."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    client, pid = editor
    data = make_docx()
    upload(client, pid, "отчёт.docx", data)
    attachment_id = db_id(app)
    token = csrf_from(client, f"/practices/{pid}")

    def _refuse(session):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(Session, "before_commit", _refuse)
    try:
        response = client.post(f"/attachments/{attachment_id}/delete", data={"csrf_token": token})
    finally:
        event.remove(Session, "before_commit", _refuse)
    assert response.status_code == 503
    assert len(_stored_files(app)) == 1
    with client.get(f"/attachments/{attachment_id}/отчёт.docx") as download:
        assert download.status_code == 200 and download.data == data


def test_an_upload_the_database_does_not_commit_leaves_no_file(app, editor):
    """The database fails at the commit of an upload: nothing is attached, and the bytes written for it go too."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    client, pid = editor
    upload(client, pid, "первый.docx", make_docx("Первый отчёт."))

    def _refuse(session):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"))

    event.listen(Session, "before_commit", _refuse)
    try:
        response = upload(client, pid, "второй.docx", make_docx("Второй отчёт, который база не приняла."))
    finally:
        event.remove(Session, "before_commit", _refuse)
    assert response.status_code == 503
    with app.app_context():
        assert db.session.scalars(select(Attachment.original_name)).all() == ["первый.docx"]
    assert len(_stored_files(app)) == 1, "only the committed upload's file is on the disk"


def test_a_session_closed_without_commit_or_rollback_leaves_no_file(app, make_user, make_practice):
    """Code that stores a file and then only closes its session (no commit, no rollback: a background job
    that stops half-way, say): the transaction is gone, and so are the bytes written for it."""
    from kb.attachments.services import add_attachment

    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Черновик, чья сессия закрылась", status="draft", owner_id=owner)
    with app.test_request_context():
        add_attachment(db.session.get(User, owner), db.session.get(Practice, pid), "отчёт.docx", make_docx())
        db.session.flush()
        assert len(_stored_files(app)) == 1
        db.session.close()
        assert _stored_files(app) == [], "the file written for the transaction that ended without a commit"
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_deleted_draft_frees_the_files_no_other_practice_uses(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        first = make_practice("Первый черновик с файлами", status="draft", owner_id=owner)
        second = make_practice("Второй черновик с тем же файлом", status="draft", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)
    shared, own = make_docx(), make_docx(f"Только у первого черновика: {WORD}.")
    upload(client, first, "общий.docx", shared)
    upload(client, first, "свой.docx", own)
    upload(client, second, "общий.docx", shared)  # held: the bank has these bytes; attached once confirmed
    client.post(f"/practices/{second}/attachments", data={
        "csrf_token": csrf_from(client, f"/practices/{second}"), "confirm_name": "общий.docx",
        "confirm_sha256": hashlib.sha256(shared).hexdigest()})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 3
    assert len(_stored_files(app)) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 2
    response = client.post(f"/practices/{first}/delete", data={"csrf_token": csrf_from(client, f"/practices/{first}")})
    assert response.status_code == 302
    assert [p.read_bytes() for p in _stored_files(app)] == [shared], "the shared file stays for the second draft"
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    response = client.post(f"/attachments/{attachment_id}/delete",
                           data={"csrf_token": csrf_from(client, f"/practices/{second}")})
    assert response.status_code == 302
    assert _stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0


def test_an_upload_of_the_same_bytes_during_a_removal_keeps_the_file(app, make_user, make_practice, monkeypatch):
    """Teacher A removes the last attachment of some bytes while teacher B, who cannot see A's draft (so is not
    offered the duplicate), uploads the very same bytes. B's upload finds the file on disk and writes nothing; A's
    removal must not then delete the file from under B's new attachment."""
    import threading

    from kb.attachments import services
    from kb.attachments.storage import FileStorage

    teacher_a, teacher_b = make_user("teacher"), make_user("teacher")
    with app.app_context():
        first = make_practice("Черновик учителя А", status="draft", owner_id=teacher_a)
        second = make_practice("Черновик учителя Б", status="draft", owner_id=teacher_b)
    client_a, client_b = app.test_client(), app.test_client()
    sign_in(client_a, teacher_a)
    sign_in(client_b, teacher_b)
    data = make_docx()
    upload(client_a, first, "отчёт.docx", data)
    removed_id = db_id(app)
    token = csrf_from(client_a, f"/practices/{first}")

    saved, go_on = threading.Event(), threading.Event()
    original_save = FileStorage.save

    def save_then_wait(self, *args, **kwargs):  # B's upload stops between finding the file and its commit
        digest = original_save(self, *args, **kwargs)
        saved.set()
        go_on.wait(10)
        return digest

    monkeypatch.setattr(FileStorage, "save", save_then_wait)
    added, removals = [], []

    def upload_b():
        with app.app_context():
            user, practice = db.session.get(User, teacher_b), db.session.get(Practice, second)
            added.append(services.add_attachment(user, practice, "копия.docx", data).id)
            db.session.commit()

    def remove_a():
        removals.append(client_a.post(f"/attachments/{removed_id}/delete", data={"csrf_token": token}).status_code)

    uploading = threading.Thread(target=upload_b)
    uploading.start()
    assert saved.wait(10)
    removing = threading.Thread(target=remove_a)
    removing.start()
    removing.join(1.0)  # without the lock on the file's row the removal is over by now, and the file deleted
    go_on.set()
    uploading.join(15)
    removing.join(15)
    assert removals == [302] and len(added) == 1
    assert [p.read_bytes() for p in _stored_files(app)] == [data]
    with client_b.get(f"/attachments/{added[0]}/копия.docx") as download:
        assert download.status_code == 200 and download.data == data
    with app.app_context():
        assert db.session.scalars(select(StoredFile.sha256)).all() == [hashlib.sha256(data).hexdigest()]


def test_check_files_finds_missing_damaged_and_left_over_files(app, editor, runner):
    import os
    import time

    client, pid = editor
    for name, text in (("первый.docx", "Первый отчёт."), ("второй.docx", "Второй отчёт."),
                       ("третий.docx", "Третий отчёт.")):
        upload(client, pid, name, make_docx(text))
    assert runner.invoke(args=["check-files"]).output.endswith("совпадают с базой данных: проверено 3.\n")
    with app.app_context():
        digests = dict(db.session.execute(select(Attachment.original_name, Attachment.sha256)).all())
    root = Path(app.config["UPLOAD_DIR"])
    stored = {name: root / d[:2] / d[2:4] / d for name, d in digests.items()}
    stored["первый.docx"].unlink()
    stored["второй.docx"].write_bytes(b"PK\x03\x04 a file overwritten by something else")
    fresh = root / "00" / "11" / ("0011" + "a" * 60)  # an upload whose commit is still on its way
    old = root / "ab" / "cd" / "tmpq1w2e3r4"  # a temporary file of a process that died while writing
    left = make_docx("Отчёт, чья загрузка не дошла до базы.")  # an upload whose commit failed, long ago
    left_digest = hashlib.sha256(left).hexdigest()
    old_upload = root / left_digest[:2] / left_digest[2:4] / left_digest
    for path, data in ((fresh, b"x" * 1000), (old, b"x" * 1000), (old_upload, left)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for path in (old, old_upload):
        os.utime(path, (time.time() - 7200, time.time() - 7200))

    result = runner.invoke(args=["check-files"])
    assert result.exit_code == 1
    assert "Нет файла — вложений: 1\n  вложение" in result.output and "«первый.docx»" in result.output
    assert "Файл повреждён" in result.output and "«второй.docx»" in result.output
    assert "«третий.docx»" not in result.output
    assert "возьмите эти файлы из папки uploads/ резервной копии" in result.output
    assert "не приложенных ни к одной практике: 3" in result.output
    assert fresh.exists() and old.exists() and old_upload.exists()

    result = runner.invoke(args=["check-files", "--remove-orphans"])
    assert "Удалено файлов, не приложенных ни к одной практике: 2; моложе 1 ч, оставлены: 1." in result.output
    assert fresh.exists() and not old.exists() and not old_upload.exists()
    assert stored["второй.docx"].exists() and stored["третий.docx"].exists(), "a damaged file is not removed"


def test_check_files_keeps_a_left_over_file_an_upload_has_taken_since(app, editor):
    """`check-files --remove-orphans` reads the attachments first and the disk after; an old left-over file whose
    bytes were uploaded again in between (the upload found the file and wrote nothing) now has an attachment."""
    import os
    import time

    from kb.attachments.check import check_files

    client, pid = editor
    data = make_docx("Файл, загруженный снова, пока шла проверка.")
    upload(client, pid, "снова.docx", data)
    (path,) = _stored_files(app)
    os.utime(path, (time.time() - 7200, time.time() - 7200))
    with app.app_context():
        report = check_files(remove_orphans=True, uses={})  # the attachments as read before the upload
    assert report.orphans == [path] and report.removed == 0
    assert path.read_bytes() == data


def test_uploads_of_the_same_bytes_do_not_wait_for_each_other_but_a_deletion_waits(app, editor):
    """PostgreSQL: an upload holds its file's row shared (a bulk import may hold it for a hundred rows); another
    upload of those bytes goes on at once, a deletion waits until the uploads commit."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from kb.attachments.services import claim_file

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's row locks (the PostgreSQL pass runs this); SQLite has one writer at a time")
    client, pid = editor
    data = make_docx("Отчёт, который загружают дважды.")
    upload(client, pid, "отчёт.docx", data)
    digest = hashlib.sha256(data).hexdigest()
    with app.app_context(), db.engine.connect() as first, db.engine.connect() as second, \
            db.engine.connect() as deletion:
        for connection in (first, second, deletion):
            connection.execute(text("SET lock_timeout = 500"))
        claim_file(first, digest)
        claim_file(second, digest)  # a second upload: no wait
        with pytest.raises(OperationalError, match="lock timeout"):
            claim_file(deletion, digest, exclusive=True)
        deletion.rollback()
        first.commit()
        second.commit()
        claim_file(deletion, digest, exclusive=True)  # free once the uploads committed
        deletion.rollback()


def test_on_sqlite_a_deletion_waits_for_the_write_lock_no_longer_than_its_own_timeout(app, editor):
    """The cleanup after an upload that failed because SQLite was busy must not keep the 503 waiting the whole
    busy timeout (5 s) again for each file: it waits DELETE_LOCK_TIMEOUT_MS, keeps the file for `check-files`,
    and gives the pooled connection its busy timeout back."""
    import sqlite3
    import time

    from kb.attachments.services import DELETE_LOCK_TIMEOUT_MS, delete_unused_files

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's busy timeout (PostgreSQL's lock_timeout is tested above)")
    client, pid = editor
    upload(client, pid, "отчёт.docx", make_docx("Отчёт, чьё вложение удалено, пока база занята."))
    with app.app_context():
        digest = db.session.scalar(select(Attachment.sha256))
        db.session.execute(Attachment.__table__.delete())  # past the ORM: the file stays for the call below
        db.session.commit()
        assert len(_stored_files(app)) == 1
        busy = sqlite3.connect(db.engine.url.database, timeout=0)
        busy.execute("BEGIN IMMEDIATE")  # another process holds SQLite's one write lock
        try:
            started = time.monotonic()
            assert delete_unused_files({digest}) == 0
            waited = time.monotonic() - started
        finally:
            busy.rollback()
            busy.close()
        assert DELETE_LOCK_TIMEOUT_MS / 1000 - 0.2 <= waited < 4.5, waited
        assert len(_stored_files(app)) == 1, "kept for check-files --remove-orphans"
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert delete_unused_files({digest}) == 1
    assert _stored_files(app) == []


def test_a_link_to_a_removed_file_never_downloads_another(app, editor):
    """On SQLite a deleted newest file handed its id to the next upload, and the old link
    /attachments/<id>/положение.txt downloaded that file, of another practice."""
    client, pid = editor
    upload(client, pid, "положение.txt", "Положение о конкурсе.".encode())
    first = db_id(app)
    old_link = f"/attachments/{first}/положение.txt"
    with client.get(old_link) as response:
        assert response.status_code == 200
    client.post(f"/attachments/{first}/delete", data={"csrf_token": csrf_from(client, f"/practices/{pid}")})
    upload(client, pid, "анкета.txt", "Анкета для родителей.".encode())
    with app.app_context():
        second = db.session.scalar(select(Attachment.id))
    assert second != first, "an id is never given twice"
    assert client.get(old_link).status_code == 404
    assert client.get(f"/attachments/{second}/положение.txt").status_code == 404, "the name is part of the link"
    with client.get(f"/attachments/{second}/анкета.txt") as response:
        assert response.status_code == 200 and response.data == "Анкета для родителей.".encode()


def _pdf_with_string(content: bytes) -> bytes:
    """A one-page PDF whose page draws ``content`` (a content stream) in Helvetica: a string with «\\000» in it
    gives pypdf a NUL."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


NUL_FILES = {
    "plan.pdf": (lambda: _pdf_with_string(b"BT /F1 12 Tf 72 700 Td (Lesson plan \\000 metodika) Tj ET"),
                 "Lesson plan metodika"),
    "plan.rtf": (lambda: rb"{\rtf1\ansi\ansicpg1251 \'cf\'eb\'e0\'ed \'00 \'f3\'f0\'ee\'ea\'e0\par}", "План урока"),
    "unicode.rtf": (lambda: rb"{\rtf1\ansi \u1055?\u1083?\u1072?\u1085? \u0?\u1091?\u1088?\par}", "План ур"),
    # the zero byte past the 8 KB that tell a text file from a binary one
    "plan.txt": (lambda: ("Методическая разработка урока. " * 300).encode() + b"\x00\x07 end", "урока. end"),
}


@pytest.mark.parametrize("name", list(NUL_FILES))
def test_control_characters_of_a_files_text_are_dropped(name):
    """A NUL in the text of a file (a PDF string's «\\000», an RTF's «\\'00» or «\\u0», a zero byte in a text
    file) was stored with the attachment: PostgreSQL refused the row (a 500), SQLite kept it."""
    from kb.attachments.extract import detect, extract_text

    make, expected = NUL_FILES[name]
    data = make()
    text = extract_text(data, detect(data, name))
    assert expected in text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)


def test_a_file_with_a_nul_in_its_text_is_attached(app, editor):
    client, pid = editor
    for name, (make, _expected) in NUL_FILES.items():
        page = upload(client, pid, name, make()).get_data(as_text=True)
        assert f"Файл «{name}» приложен" in page
    with app.app_context():
        texts = db.session.scalars(select(Attachment.text)).all()
    assert len(texts) == len(NUL_FILES) and not any("\x00" in text for text in texts)


def symbol_bullets_rtf(items: list[str], intro: str = "Участники рекомендуют:") -> bytes:
    """An RTF whose list items begin with a Symbol-font bullet, as LibreOffice writes one it read from a Word
    document (``{\\listtext … \\u61623\\'3f\\tab}``: U+F0B7, the private-use character Word's bullet is stored as),
    and one item with the Wingdings squares and arrows (U+F0A7, U+F0D8) in its text, as pasted from Word."""

    def escaped(text: str) -> str:
        return "".join(ch if ch.isascii() else f"\\u{ord(ch)}\\'3f" for ch in text)

    body = [r"\pard\plain " + escaped(line) + r"\par" for line in intro.split("\n")]
    for item in items:
        body.append(r"\pard\plain{\listtext\pard\plain \f1 \u61623\'3f\tab}\ilvl0\ls1 " + escaped(item) + r"\par")
    return (r"{\rtf1\ansi\ansicpg1251\deff0{\fonttbl{\f0 Times New Roman;}{\f1\fcharset2 Symbol;}}"
            + "\n".join(body) + "}").encode("ascii")


def test_symbol_font_bullets_are_read_as_bullets():
    """Word stores its bullets as private-use characters of the Symbol and Wingdings fonts (U+F0B7 «•», U+F0A7 the
    square, U+F0D8 the arrow…): an RTF, a DOC or a PDF gave them as they were, and a practice's text, its search
    snippet and an imported resolution showed a box («□») where the document shows «•»."""
    from kb.attachments.extract import detect, extract_text

    data = symbol_bullets_rtf(["создать школьные научные общества;",
                               "провести конкурс \uf0a7 олимпиаду \uf0d8 фестиваль \uf0fc \uf0a8.",
                               "угол \uf071 = 30°, \uf06e и \uf061 — буквы формулы."])
    assert detect(data, "рекомендации.rtf") == "rtf"
    for keep_paragraphs in (False, True):
        text = extract_text(data, "rtf", keep_paragraphs=keep_paragraphs)
        assert text == ("Участники рекомендуют:\n• создать школьные научные общества;\n"
                        "• провести конкурс • олимпиаду • фестиваль • •.\n"
                        "• угол \uf071 = 30°, \uf06e и \uf061 — буквы формулы.")  # the Symbol font's θ, ν, α: kept


def test_wingdings_bullets_that_are_symbol_greek_letters_are_bullets_only_where_an_item_begins():
    """Word's own «❖» bullet (Wingdings 0x76, U+F076) is the Symbol font's «ϖ»: at an item's start it is a bullet,
    inside a line a letter of a formula."""
    from kb.textclean import plain_bullets

    assert plain_bullets("\uf076\tПедагогам использовать опыт;\n  \uf06e Методистам обобщить.\nУгол \uf071 = 30°") == (
        "•\tПедагогам использовать опыт;\n  • Методистам обобщить.\nУгол \uf071 = 30°")
    assert plain_bullets("\uf071= 30°\n\uf076") == "\uf071= 30°\n\uf076"  # no space after: a letter


def test_a_practice_file_with_symbol_font_bullets_is_stored_with_bullets(app, editor):
    client, pid = editor
    page = upload(client, pid, "опыт.rtf", symbol_bullets_rtf([f"{WORD} опыт;", "второй пункт."])).get_data(
        as_text=True)
    assert "Файл «опыт.rtf» приложен" in page
    with app.app_context():
        assert db.session.scalar(select(Attachment.text)) == f"Участники рекомендуют:\n• {WORD} опыт;\n• второй пункт."


@pytest.mark.parametrize("path", ["/%5Cevil.example", "/%09/evil.example", "/nope"])
def test_a_signed_out_visitors_error_page_offers_no_way_back_to_where_it_points(client, path):
    """The header's «Войти» set a template variable ``back`` (the current page) that the error page read as its own
    «Вернуться на страницу, с которой отправлено»: every signed-out 404 had the button, and «/%5Cevil.example» made
    it ``href="/\\evil.example?"``, which browsers follow to another site."""
    page = client.get(path).get_data(as_text=True)
    assert "Вернуться на страницу" not in page
    assert 'href="/\\' not in page and 'href="/\t' not in page  # («Войти» carries the page in ``next``, checked there)


def test_a_signed_out_413_links_back_only_to_a_page_of_the_site(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    refused = client.post("/login", data={"email": "a" * 4096},
                          headers={"Referer": "http://localhost/search?q=1"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 413
    assert '<a class="button" href="/search?q=1">Вернуться на страницу, с которой отправлено</a>' in text


def test_the_upload_form_and_its_413_page_name_the_limit_of_one_request(app, editor):
    """Five PDFs of 21 MB each: each within its own limit, together over the request's, and the answer was a page
    naming no limit and leading nowhere back. The form says both limits (from the configuration), the 413 page the
    request's and links back to the page the files were sent from."""
    client, pid = editor
    app.config["ATTACHMENT_MAX_BYTES"] = 100 * 1024
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "до 100 КБ каждый, все вместе — до 200 КБ за одну загрузку)</label>" in page
    token = csrf_from(client, f"/practices/{pid}")
    files = [(io.BytesIO(b"a" * (90 * 1024)), f"часть {n}.txt") for n in range(3)]
    refused = client.post(f"/practices/{pid}/attachments", data={"csrf_token": token, "files": files},
                          content_type="multipart/form-data", headers={"Referer": f"http://localhost/practices/{pid}"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 413
    assert "вместе больше 200 КБ — столько сайт принимает в одном запросе" in text
    assert f'<a class="button" href="/practices/{pid}">Вернуться на страницу, с которой отправлено</a>' in text
    elsewhere = client.post(f"/practices/{pid}/attachments", data={"csrf_token": token, "files": [
        (io.BytesIO(b"a" * (300 * 1024)), "большой.txt")]}, content_type="multipart/form-data",
        headers={"Referer": "http://evil.example/page"}).get_data(as_text=True)
    assert "evil.example" not in elsewhere and "Вернуться на страницу" not in elsewhere
    assert 'href="/">На главную</a>' in elsewhere
    app.config["MAX_CONTENT_LENGTH"] = None  # no limit of a request (allowed: the 413 page does without it)
    unlimited = client.get(f"/practices/{pid}")
    assert unlimited.status_code == 200
    assert "до 100 КБ каждый)</label>" in unlimited.get_data(as_text=True)
