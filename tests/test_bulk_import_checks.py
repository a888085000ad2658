"""Bulk import checks that agree with what comes after them: the edit form's limits, one-line fields, ZIP names
as any archiver writes them, registries laid out as offices make them, and a check that says what the import
will really do."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

from kb.extensions import db
from tests.conftest import bearer, sign_in
from tests.test_bulk_import import HEADER, csv_bytes, docx_bytes, practices, row, upload, xlsx_bytes, zip_bytes


def check(app, user_id: int, registry: bytes, archive: Path | None = None, dry_run: bool = True):
    """Run the import (a dry run unless told) as this user; the report."""
    from kb.accounts.models import User
    from kb.bulkimport.archive import FileArchive
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    with app.app_context():
        files = FileArchive(archive, 25 << 20) if archive is not None else None
        try:
            report = run_import(db.session.get(User, user_id), read_registry(registry, 100), files, dry_run=dry_run)
        finally:
            if files is not None:
                files.close()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return report


# -- the edit form's limits ----------------------------------------------------------------------------------


def test_the_import_refuses_what_the_edit_form_would_refuse(app, make_user):
    """The import took a 3-letter title, 12 authors, a 20 001-character section and the year 1950, all of which
    the edit form refuses: the practice could then not be saved with any change at all."""
    admin = make_user("admin")
    many_authors, long_event = row("B-2", "Много авторов"), row("B-5", "Длинное мероприятие")
    many_authors[3] = "; ".join(f"Автор{i} А. А., учитель" for i in range(12))
    long_event[11] = "м" * 501
    rows = [row("B-1", "Абв"), many_authors, row("B-3", "Длинная аннотация", annotation="а" * 20_001),
            row("B-4", "Давний год", year=1950), long_event]
    report = check(app, admin, csv_bytes(rows))
    errors = {r.external_id: r.errors for r in report.rows}
    assert errors["B-1"] == ["Название — от 5 до 500 символов (сейчас 3)."]
    assert errors["B-2"] == ["Авторы: не больше 10 авторов (сейчас 12)."]
    assert errors["B-3"] == ["Аннотация: не больше 20000 символов в разделе (сейчас 20001)."]
    assert errors["B-4"] == [f"Год 1950 вне допустимого диапазона 1990–{dt.date.today().year + 1}."]
    assert errors["B-5"] == ["Мероприятие: не больше 500 символов (сейчас 501)."]
    assert report.failed == 5


def test_invisible_characters_inside_a_title_do_not_count_towards_its_minimum(app, make_user):
    """«А», four zero-width spaces and «Б» passed the five-character minimum as it passed the form's: it shows as
    «АБ». The count the message gives is of what shows."""
    admin = make_user("admin")
    rows = [row("B-1", "А\u200b\u200b\u200b\u200bБ"), row("B-2", "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
            row("B-3", "Шк\u00adоль\u00adный клуб")]
    report = check(app, admin, csv_bytes(rows))
    errors = {r.external_id: r.errors for r in report.rows}
    assert errors["B-1"] == ["Название — от 5 до 500 символов; невидимые знаки (пробел нулевой ширины, мягкий перенос "
                             "и другие) не в счёт (сейчас 2)."]
    assert errors["B-2"] == ["Не указано название практики."]  # nothing but invisible characters: none, as in the form
    assert errors["B-3"] == []
    assert report.failed == 2


class _EditForm(HTMLParser):
    """The fields of the practice edit form as a browser sends them: a one-line input drops line breaks from its
    value, a text area sends each line break as CR LF."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: list[tuple[str, str]] = []
        self.inside = False
        self.area: list[str] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "practice-form" in (attrs.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        kind = (attrs.get("type") or "text").lower()
        if tag == "input" and attrs.get("name") and kind not in ("submit", "button", "file"):
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((attrs["name"], attrs.get("value") or "on"))
            else:
                self.fields.append((attrs["name"], re.sub("[\r\n]", "", attrs.get("value") or "")))
        elif tag == "textarea":
            self.area = [attrs["name"], ""]
        elif tag == "select":
            self.select = attrs.get("name")
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "textarea" and self.area is not None:
            name, text = self.area
            text = text.replace("\r\n", "\n").replace("\r", "\n")  # as an HTML parser reads the page
            text = text[1:] if text.startswith("\n") else text  # the line break right after <textarea> is not text
            self.fields.append((name, text.replace("\n", "\r\n")))
            self.area = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self.area is not None:
            self.area[1] += data


def test_a_practice_imported_at_the_limits_saves_again_in_the_edit_form(app, client, make_user):
    """An imported section of 20 000 characters with line breaks came back from the browser longer (each line
    break as CR LF) and the form refused it: «Не больше 20000 символов в разделе» on a field nobody touched."""
    methodist = make_user("methodist", scope_region="RU-CHE")
    annotation = ("Строка аннотации.\n" * 1112)[:20_000]  # 1111 line breaks
    assert len(annotation) == len(annotation.strip()) == 20_000
    fields = row("E-1", "Школа", annotation=annotation, year=1990)
    fields[3] = "; ".join(f"Автор{i} Анна Петровна, учитель" for i in range(10))
    report = check(app, methodist, csv_bytes([fields]), dry_run=False)
    assert report.rows[0].errors == [] and report.rows[0].action == "create"
    pid = report.rows[0].practice_id

    sign_in(client, methodist)
    form = _EditForm()
    form.feed(client.get(f"/practices/{pid}/edit").get_data(as_text=True))
    data = [(name, "Областной семинар" if name == "event" else value) for name, value in form.fields]
    response = client.post(f"/practices/{pid}/edit?confirm_duplicates=1", data=MultiDict(data))
    assert response.status_code == 302, re.findall(r'class="error"[^>]*>(?:<p>)?([^<]*)', response.get_data(True))
    saved = practices(app)[0]
    assert saved.event == "Областной семинар"
    assert saved.annotation.replace("\r\n", "\n") == annotation and len(saved.authors) == 10


# -- one-line fields -------------------------------------------------------------------------------------------


def test_line_breaks_in_one_line_cells_become_spaces(app, make_user, make_token):
    """A line break in an Excel cell (Alt+Enter) was stored in the title; the browser's one-line input dropped it
    and the next save glued the words: «Проектная деятельностьв начальной школе»."""
    admin = make_user("admin")
    fields = row("NL-\n1", "Проектная деятельность\nв начальной школе", organisation="МАОУ\n«СОШ № 1»")
    fields[11] = "Региональный семинар\r\n«Опыт»"
    report = check(app, admin, xlsx_bytes([fields]), dry_run=False)
    assert report.rows[0].errors == []
    imported = practices(app)[0]
    assert (imported.external_id, imported.title, imported.event, imported.organisation) == (
        "NL- 1", "Проектная деятельность в начальной школе", "Региональный семинар «Опыт»", "МАОУ «СОШ № 1»")

    # The API (and the form) keep one-line fields on one line too.
    body = {"title": "Школьное научное\nобщество", "event": "Конференция\n2024", "sections": {"annotation": "А.\nБ."}}
    response = app.test_client().post("/api/v1/practices", json=body, headers=bearer(make_token(admin)))
    assert response.status_code == 201
    created = practices(app)[1]
    assert (created.title, created.event, created.annotation) == ("Школьное научное общество", "Конференция 2024",
                                                                 "А.\nБ.")


def test_invisible_characters_at_the_ends_of_one_line_cells_are_dropped_as_the_form_drops_them(app, make_user):
    """A title copied from a web page with a zero-width space at its end was stored with it (the form strips them):
    the same practice then had two titles for a search of duplicates and an «уже есть» by title."""
    admin = make_user("admin")
    fields = row("\u200bZW-1\ufeff", "\u200bПроектная деятельность в начальной школе\u200b",
                 organisation="\u2060МАОУ «СОШ № 1»\u00ad")
    report = check(app, admin, xlsx_bytes([fields]), dry_run=False)
    assert report.rows[0].errors == []
    imported = practices(app)[0]
    assert (imported.external_id, imported.title, imported.organisation) == (
        "ZW-1", "Проектная деятельность в начальной школе", "МАОУ «СОШ № 1»")


# -- ZIP names ---------------------------------------------------------------------------------------------------


def unflagged_zip(names: dict[bytes, bytes], made_on: int | None = None) -> bytes:
    """A ZIP whose entries' names are these raw bytes with no UTF-8 flag, as Info-ZIP's zip on Linux and the macOS
    archiver write UTF-8 names, and Windows archivers CP866 ones; ``made_on``: the system the central directory
    says made it (0 MS-DOS and Windows, 3 Unix)."""
    placeholders = {chr(ord("a") + i).encode() * len(raw): raw for i, raw in enumerate(names)}  # as long as each
    data = zip_bytes({placeholder.decode(): names[raw] for placeholder, raw in placeholders.items()})
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2  # the local and the central header
        data = data.replace(placeholder, raw)
    for offset in (m.start() for m in re.finditer(b"PK\x01\x02|PK\x03\x04", data)):
        flag_at = offset + (8 if data[offset + 2] == 1 else 6)
        assert struct.unpack_from("<H", data, flag_at)[0] & 0x800 == 0
        if made_on is not None and data[offset + 2] == 1:
            data = data[:offset + 5] + bytes([made_on]) + data[offset + 6:]  # «version made by»: its high byte
    return data


def test_zip_names_in_utf8_without_the_flag_are_found(app, make_user, tmp_path):
    """Every file of an archive made by «zip» on Linux or by macOS was «нет в архиве»: its UTF-8 names were read as
    CP866 («╨╛╤é╤ç╤æ╤é.docx»)."""
    from kb.bulkimport.archive import FileArchive

    document = docx_bytes("Отчёт о практике.")
    path = tmp_path / "files.zip"
    path.write_bytes(unflagged_zip({"отчёт.docx".encode(): document, "папка/план.docx".encode(): document,
                                    "справка.docx".encode("cp866"): document}))
    archive = FileArchive(path, 25 << 20)
    assert sorted(archive.names()) == ["отчёт.docx", "папка/план.docx", "справка.docx"]
    archive.close()

    admin = make_user("admin")
    rows = [row("Z-1", "Практика с отчётом", files="отчёт.docx; план.docx; справка.docx"),
            row("Z-2", "Практика с опечаткой в имени", files="отчет1.docx")]
    report = check(app, admin, csv_bytes(rows), path)
    assert report.rows[0].errors == [] and report.rows[0].files == ["отчёт.docx", "план.docx", "справка.docx"]
    assert report.rows[1].errors == [
        "Файл «отчет1.docx»: файла «отчет1.docx» нет в архиве; похожие имена в архиве: «отчёт.docx»."]


@pytest.mark.parametrize("made_on", [0, 3])
def test_zip_names_in_cp866_that_are_also_valid_utf8_are_read_as_cp866(app, make_user, tmp_path, made_on):
    """A Windows archiver's «сад.docx» (CP866, no UTF-8 flag) is valid UTF-8 too, and was read so: «ᠤ.docx», «нет в
    архиве». UTF-8 names without the flag are still read as UTF-8, whatever system the archive says made it."""
    from kb.bulkimport.archive import FileArchive

    document = docx_bytes("Отчёт о практике.")
    path = tmp_path / "files.zip"
    path.write_bytes(unflagged_zip({"сад.docx".encode("cp866"): document, "физ.docx".encode("cp866"): document,
                                    "Ёлка 2.docx".encode("cp866"): document, "отчёт.docx".encode(): document},
                                   made_on))
    archive = FileArchive(path, 25 << 20)
    assert sorted(archive.names()) == ["Ёлка 2.docx", "отчёт.docx", "сад.docx", "физ.docx"]
    archive.close()

    admin = make_user("admin")
    report = check(app, admin, csv_bytes([row("W-1", "Практика детского сада", files="сад.docx; физ.docx")]), path)
    assert report.rows[0].errors == [] and report.rows[0].files == ["сад.docx", "физ.docx"]


def test_file_names_differing_only_in_spaces_are_found(app, make_user, tmp_path):
    """A name pasted from Word with a double or a non-breaking space was «нет в архиве; похожие имена в архиве:
    «…»», naming a file that looks the same on the page. The attachment keeps the name as the archive has it."""
    from kb.bulkimport.archive import FileArchive

    path = tmp_path / "files.zip"
    path.write_bytes(zip_bytes({"Презентация опыта.docx": docx_bytes("Презентация."),
                                "папка/План\u00a0урока.docx": docx_bytes("План.")}))
    archive = FileArchive(path, 25 << 20)
    for reference in ("Презентация  опыта.docx", "Презентация\u00a0опыта.docx", "Презентация\u202fопыта.docx",
                      "Презентация \t опыта.docx"):
        assert archive.find(reference).name == "Презентация опыта.docx"
    assert archive.find("План урока.docx").name == "папка/План\u00a0урока.docx"
    assert archive.find("папка/План  урока.docx").name == "папка/План\u00a0урока.docx"
    assert isinstance(archive.find("Презентацияопыта.docx"), str)  # a space is not nothing
    archive.close()

    admin = make_user("admin")
    registry = csv_bytes([row("N-1", "Практика с презентацией", files="Презентация\u00a0 опыта.docx; План урока.docx")])
    assert check(app, admin, registry, path, dry_run=False).rows[0].errors == []
    assert [a.original_name for a in practices(app)[0].attachments] == ["Презентация опыта.docx", "План урока.docx"]


# -- registries as offices lay them out ----------------------------------------------------------------------


def test_quoted_headers_with_commas_do_not_decide_the_delimiter():
    """«Авторы (ФИО, должность, стаж)» in quotes has more commas than the line has «;»: the file was split on
    commas and refused with «нет столбца «Название»»."""
    from kb.bulkimport.registry import read_registry

    data = ('Название;"Авторы (ФИО, должность, стаж)";"Организация, адрес"\n'
            'Практика А;Иванов И. И., учитель;Школа 1, г. Копейск\n').encode()
    registry = read_registry(data, 100)
    assert registry.columns == {"title": "Название", "authors": "Авторы (ФИО, должность, стаж)"}
    assert registry.rows[0].values == {"title": "Практика А", "authors": "Иванов И. И., учитель"}
    commas = "Название,Предмет\n\"Практика; часть 1\",Математика\n".encode()
    assert read_registry(commas, 100).rows[0].values == {"title": "Практика; часть 1", "subjects": "Математика"}


def workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_registry_sheet_is_found_after_an_instruction_sheet():
    """Only the first visible sheet was read: a registry with an «Инструкция» sheet before it was refused with
    «В первой строке … нет столбца «Название»», naming no sheet."""
    from kb.bulkimport.registry import RegistryError, read_registry

    instruction = ("Инструкция", [["Заполните лист «Реестр»: одна строка — одна практика."]])
    registry = read_registry(workbook(instruction, ("Реестр", [HEADER, row("I-1", "Практика со второго листа")])),
                             100)
    assert [r.values["title"] for r in registry.rows] == ["Практика со второго листа"]
    assert registry.warnings == ["Листы без столбца «Название» пропущены («Инструкция»): прочитан лист «Реестр»."]

    with pytest.raises(RegistryError) as refused:
        read_registry(workbook(instruction, ("Реестр", [["ID", "Наименованиее"], ["1", "Практика"]])), 100)
    assert str(refused.value).startswith("Не найдена строка заголовков: ни на одном листе («Инструкция», «Реестр») "
                                         "в первых строках нет столбца «Название».")
    with pytest.raises(RegistryError, match="в строках 1–2 листа «Реестр» нет столбца «Название»"):
        read_registry(workbook(("Реестр", [["ID", "Наименованиее"], ["1", "Практика"]])), 100)


def test_a_title_row_above_the_headers_is_passed_over():
    """«Реестр практик … на 2024 год» above the headers made the import refuse the file: it took the first row for
    the headers."""
    from kb.bulkimport.registry import read_registry

    data = ("Реестр практик Копейского ГО на 2024 год;;;\n;;;\nНазвание;Авторы;Регион\n"
            "Практика А;Иванов;Челябинская область\n")
    registry = read_registry(data.encode("cp1251"), 100)
    assert [(r.number, r.values["title"]) for r in registry.rows] == [(4, "Практика А")]
    assert registry.warnings == ["Заголовки столбцов — в строке 3; строка над ними пропущена (1)."]
    sheet = read_registry(workbook(("Реестр", [["Реестр практик"], [], HEADER, row("T-1", "Практика")])), 100)
    assert sheet.rows[0].number == 4
    assert sheet.warnings == ["Заголовки столбцов — в строке 3 листа «Реестр»; строка над ними пропущена (1)."]


def encrypted_workbook() -> bytes:
    """The shape of a workbook Excel saved with a password: a compound file (CFB) whose directory holds the
    streams EncryptionInfo and EncryptedPackage (names in UTF-16)."""
    sector = 512
    header = bytearray(sector)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 24, 0x3E, 3, 0xFFFE, 9)
    struct.pack_into("<II", header, 44, 1, 1)  # one FAT sector; the directory starts at sector 1
    directory = bytearray()
    for name, kind in (("Root Entry", 5), ("EncryptionInfo", 2), ("EncryptedPackage", 2)):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[:len(encoded)] = encoded
        struct.pack_into("<HB", entry, 64, len(encoded), kind)
        directory += entry
    fat = struct.pack("<II", 0xFFFFFFFD, 0xFFFFFFFE) + b"\xff" * (sector - 8)
    return bytes(header) + fat + bytes(directory) + b"\0" * (sector - len(directory)) + b"\x5a" * 4096


def test_a_password_protected_workbook_is_named_as_such():
    """A workbook saved with a password got «Это файл старого формата Excel (XLS)»: both are OLE containers."""
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError) as refused:
        read_registry(encrypted_workbook(), 100)
    assert str(refused.value).startswith("Файл Excel защищён паролем")
    assert "XLS)" not in str(refused.value)
    with pytest.raises(RegistryError, match="старого формата Excel"):
        read_registry(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000, 100)


def test_the_missing_title_message_points_to_the_template_on_the_page(app, client, make_user):
    """«Заголовки столбцов — в README» sent a methodist to a file they do not have."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    response = upload(client, "Аннотация;Год\nтекст;2020\n".encode())
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "Не найдена строка заголовков: в строках 1–2 нет столбца «Название»." in page
    assert "шаблоне реестра — его можно скачать (XLSX, ODS или CSV) на странице загрузки реестра" in page
    assert "README" not in page


def test_cells_past_the_last_header_are_reported():
    """«НОО;ООО;СОО» unquoted in a CSV shifted the row: the cells past the last header were dropped silently."""
    from kb.bulkimport.registry import read_registry

    data = "ID;Название;Уровень образования;Темы\nEX-1;Практика;НОО;ООО;СОО;ШНО\nEX-2;Вторая;НОО;ШНО\n"
    registry = read_registry(data.encode(), 100)
    assert registry.warnings == [
        "Значения в столбцах без заголовка (E, F) пропущены: строка 2. Если это часть соседней ячейки (в CSV "
        "ячейку с «;» берут в кавычки), исправьте строку."]


def test_logical_cells_read_as_excel_shows_them(app, make_user):
    """A TRUE cell came out in messages as Python's «True»."""
    from kb.bulkimport.registry import cell_text

    assert (cell_text(True), cell_text(False)) == ("ИСТИНА", "ЛОЖЬ")
    admin = make_user("admin")
    report = check(app, admin, xlsx_bytes([row("L-1", "Практика с логическим годом", year=True)]))
    assert report.rows[0].errors == ["Год «ИСТИНА» — не год; укажите его цифрами, например 2023."]

# -- what the check says ---------------------------------------------------------------------------------------


def test_the_check_refuses_more_files_than_a_practice_takes(app, make_user, tmp_path, monkeypatch):
    """A row naming 32 files was «будет создана» in the check and then failed in the import with «не больше 30
    файлов»."""
    from kb.attachments import services as attachments
    from kb.bulkimport import services

    admin = make_user("admin")
    files = {f"f{i}.txt": f"Файл номер {i}.".encode() for i in range(32)}
    path = tmp_path / "files.zip"
    path.write_bytes(zip_bytes(files))
    registry = csv_bytes([row("M-1", "Практика с 32 файлами", files="; ".join(files))])
    message = "К практике можно приложить не больше 30 файлов: в строке 32 новых."
    assert check(app, admin, registry, path).rows[0].errors == [message]
    assert check(app, admin, registry, path, dry_run=False).rows[0].errors == [message]
    assert practices(app) == []

    # A practice that has some already: only the files it does not have count (a limit of 3 keeps this quick).
    monkeypatch.setattr(attachments, "MAX_PER_PRACTICE", 3)
    monkeypatch.setattr(services, "MAX_PER_PRACTICE", 3)
    names = list(files)
    first = csv_bytes([row("M-2", "Практика с двумя файлами", files="; ".join(names[:2]))])
    assert check(app, admin, first, path, dry_run=False).rows[0].errors == []
    again = csv_bytes([row("M-2", "Практика с двумя файлами", files="; ".join(names[:4]))])
    message = "К практике можно приложить не больше 3 файлов: у практики уже 2, в строке 2 новых."
    assert check(app, admin, again, path).rows[0].errors == [message]
    assert check(app, admin, again, path, dry_run=False).rows[0].errors == [message]
    one_more = csv_bytes([row("M-2", "Практика с двумя файлами", files="; ".join(names[:3]))])
    assert check(app, admin, one_more, path).rows[0].errors == []  # the two it has are not new


def test_the_check_tells_unchanged_rows(app, make_user, tmp_path):
    """Loading an unchanged registry again was «будет обновлена» in the check and «без изменений» in the import."""
    admin = make_user("admin")
    path = tmp_path / "files.zip"
    path.write_bytes(zip_bytes({"отчёт.docx": docx_bytes("Отчёт.")}))
    rows = [row("U-1", "Первая практика", files="отчёт.docx"), row("U-2", "Вторая практика")]
    check(app, admin, csv_bytes(rows), path, dry_run=False)
    report = check(app, admin, csv_bytes(rows), path)
    assert [(r.action, r.outcome(True)) for r in report.rows] == [("unchanged", "без изменений")] * 2
    assert "будет создано 0, обновлено 0, без изменений 2; с ошибками 0." in report.summary()
    changed = check(app, admin, csv_bytes([rows[0], row("U-2", "Вторая практика", year=2024)]), path)
    assert [r.action for r in changed.rows] == ["unchanged", "update"]
    real = check(app, admin, csv_bytes(rows), path, dry_run=False)
    assert [r.action for r in real.rows] == ["unchanged", "unchanged"]


def test_an_update_row_names_the_practice_it_overwrites(app, make_user):
    """A row whose id (mistyped) found another practice was only «будет обновлена»: nothing said that a practice
    of another title would be overwritten."""
    admin = make_user("admin")
    check(app, admin, csv_bytes([row("P-1", "Школьное научное общество")]), dry_run=False)
    pid = practices(app)[0].id
    report = check(app, admin, csv_bytes([row("P-1", "Олимпиадный клуб")]))
    assert report.rows[0].action == "update"
    assert report.rows[0].warnings == [f"Внешний идентификатор «P-1» — у практики №{pid} «Школьное научное "
                                       "общество»: её название будет заменено названием из этой строки."]
    assert check(app, admin, csv_bytes([row("P-1", "Школьное научное общество", year=2020)])).rows[0].warnings == []



@pytest.mark.parametrize(("cell", "year"), [
    ("2022/2023 уч. год", 2022), ("2022-2023", 2022), ("2022–23 учебный год", 2022), ("2022/23 уч.г.", 2022),
    ("2022/2024", None), ("2023/2022", None), ("2022", 2022),
])
def test_a_school_year_is_read_as_the_year_it_begins(app, cell, year):
    """«2022/2023 уч. год», as offices write the year of a practice, was refused as «не год»."""
    from kb.bulkimport.services import parse_year

    warnings: list[str] = []
    with app.app_context():
        found, error = parse_year(cell, warnings)
    assert found == year and (error is None) == (year is not None)
    assert bool(warnings) == (year is not None and cell != "2022")


# -- values as registries write them ---------------------------------------------------------------------------


def _with(column: str, value: object, base: list[object] | None = None) -> list[object]:
    values = list(base or row("R-1", "Школьное научное общество"))
    values[HEADER.index(column)] = value
    return values


@pytest.mark.parametrize(("cell", "authors", "warned"), [
    ("Иванова А. П., Петрова Б. В.", [("Иванова А. П.", ""), ("Петрова Б. В.", "")], False),
    ("Иванова Анна Петровна, учитель математики, Петрова Белла Викторовна, учитель физики",
     [("Иванова Анна Петровна", "учитель математики"), ("Петрова Белла Викторовна", "учитель физики")], False),
    ("А. П. Иванова, учитель, Б. В. Петрова (директор)", [("А. П. Иванова", "учитель"), ("Б. В. Петрова", "директор")],
     False),
    ("Иванова А.П. (учитель), Петрова Б.В., методист", [("Иванова А.П.", "учитель"), ("Петрова Б.В.", "методист")],
     False),
    ("Иванова А. П., учитель, высшая категория", [("Иванова А. П.", "учитель, высшая категория")], False),
    ("Петров П. П. (директор, к. п. н.); Иванова А. П., Учитель", [("Петров П. П.", "директор, к. п. н."),
                                                                   ("Иванова А. П.", "Учитель")], False),
    ("Иванова А. П., Старший воспитатель", [("Иванова А. П.", "Старший воспитатель")], False),
    # A comma between the surname and the initials, as library catalogues write names.
    ("Иванова, А. П.", [("Иванова А. П.", "")], False),
    ("Иванова, А. П., учитель; Петров, П.П. (директор)", [("Иванова А. П.", "учитель"), ("Петров П.П.", "директор")],
     False),
    ("Иванова, А. П., Петров, П. П., методист", [("Иванова А. П.", ""), ("Петров П. П.", "методист")], False),
    # Perhaps a co-author, perhaps not: kept as the position, with a word in the check.
    ("Иванова А. П., Петрова Белла", [("Иванова А. П.", "Петрова Белла")], True),
    ("Иванова А. П., Старшинова", [("Иванова А. П.", "Старшинова")], True),
])
def test_co_authors_separated_by_commas_are_authors_apart(cell, authors, warned):
    """«Иванова А. П., Петрова Б. В.» was one author whose position was «Петрова Б. В.»."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert bool(warnings) == warned
    if warned:
        assert warnings[0].startswith(f"Авторы: «{authors[0][1]}» записано как должность автора «Иванова А. П.».")


# A line break inside one author's entry: Alt+Enter in a narrow column of Excel, or a cell pasted from Word.
WRAPPED_AUTHORS = [
    ("Иванова Анна Петровна,\nучитель математики", [("Иванова Анна Петровна", "учитель математики")]),
    ("Иванова Анна Петровна\n(учитель математики)", [("Иванова Анна Петровна", "учитель математики")]),
    ("Иванова А. П.,\nучитель;\nПетров И. И.,\nдиректор", [("Иванова А. П.", "учитель"), ("Петров И. И.", "директор")]),
    ("Иванова А. П. –\nучитель химии", [("Иванова А. П.", "учитель химии")]),
    ("Иванова Анна Петровна,\nучитель математики,\nПетров Иван Иванович,\nдиректор",
     [("Иванова Анна Петровна", "учитель математики"), ("Петров Иван Иванович", "директор")]),
    # a line that begins with a name is another author, as before
    ("Иванова А. П., учитель\nПетров И. И., директор", [("Иванова А. П.", "учитель"), ("Петров И. И.", "директор")]),
    ("Иванова Анна\nПетрова Белла", [("Иванова Анна", ""), ("Петрова Белла", "")]),
]


@pytest.mark.parametrize(("cell", "authors"), [
    *WRAPPED_AUTHORS,
    ("Иванова А. П.\nучитель математики\nМБОУ СОШ № 5", [("Иванова А. П.", "учитель математики, МБОУ СОШ № 5")]),
    ("1. Иванова А. П., учитель химии\n2. Петрова Б. В., учитель биологии",
     [("Иванова А. П.", "учитель химии"), ("Петрова Б. В.", "учитель биологии")]),
])
def test_a_line_break_inside_an_authors_entry_keeps_the_position_with_the_author(cell, authors):
    """«Иванова Анна Петровна,⏎учитель математики» was two authors, the second named «учитель математики»: a line
    break parted authors wherever it stood. It parts them only before a line that begins with a person's name."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert warnings == []


@pytest.mark.parametrize(("cell", "authors"), [
    ("Иванова А. П., ПЕТРОВ И. И.", [("Иванова А. П.", ""), ("ПЕТРОВ И. И.", "")]),
    ("ИВАНОВА Анна Петровна, ПЕТРОВ Иван Иванович", [("ИВАНОВА Анна Петровна", ""), ("ПЕТРОВ Иван Иванович", "")]),
    ("ИВАНОВА Анна Петровна, учитель, ПЕТРОВ Иван Иванович, директор",
     [("ИВАНОВА Анна Петровна", "учитель"), ("ПЕТРОВ Иван Иванович", "директор")]),
    ("И. И. ПЕТРОВ, учитель; ИВАНОВА, А. П.", [("И. И. ПЕТРОВ", "учитель"), ("ИВАНОВА А. П.", "")]),
    ("Иванова А. П.\nПЕТРОВ И. И.", [("Иванова А. П.", ""), ("ПЕТРОВ И. И.", "")]),
    # abbreviations in capitals are an organisation's, not a co-author's
    ("Иванова А. П., учитель МБОУ СОШ № 5", [("Иванова А. П.", "учитель МБОУ СОШ № 5")]),
    ("Иванова А. П., МБОУ СОШ № 5", [("Иванова А. П.", "МБОУ СОШ № 5")]),
    ("Иванова А. П., МАОУ «СОШ № 1», ГБУ ДПО ЧИППКРО", [("Иванова А. П.", "МАОУ «СОШ № 1», ГБУ ДПО ЧИППКРО")]),
    # «и» between two names
    ("Иванова А. П. и Петров И. И.", [("Иванова А. П.", ""), ("Петров И. И.", "")]),
    ("Иванова Анна Петровна и ПЕТРОВ Иван Иванович", [("Иванова Анна Петровна", ""), ("ПЕТРОВ Иван Иванович", "")]),
    ("Иванова А. П., учитель математики и Петров И. И., учитель физики",
     [("Иванова А. П.", "учитель математики"), ("Петров И. И.", "учитель физики")]),
    ("Иванова А. П., учитель истории и обществознания", [("Иванова А. П.", "учитель истории и обществознания")]),
])
def test_a_co_author_in_capitals_or_after_and_is_an_author(cell, authors):
    """«Иванова А. П., ПЕТРОВ И. И.» was one author whose position was «ПЕТРОВ И. И.», and «Иванова А. П. и Петров
    И. И.» one author of that name, without a word in the check."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert warnings == []


@pytest.mark.parametrize(("cell", "authors"), WRAPPED_AUTHORS[:5])
def test_the_form_reads_an_authors_entry_broken_over_lines_as_the_bulk_import_does(app, make_user, cell, authors):
    """The cell pasted into the form's authors (a browser sends CR LF) made the position a second author there too."""
    from sqlalchemy import select

    from kb.practices.models import Practice

    client = app.test_client()
    sign_in(client, make_user("teacher"))
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/practices/new", data={"title": "Читаем вместе с родителями",
                                                   "authors": cell.replace("\n", "\r\n"), "save_draft": "1"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.title == "Читаем вместе с родителями"))
        assert [(a.name, a.position) for a in practice.authors] == authors


def test_the_forms_authors_still_read_back_one_a_line():
    """The form shows the authors one a line: what it shows reads back the same, a name that is no person's
    («Коллектив авторов», a lone surname) included."""
    from kb.practices.rules import author_line, author_lines, authors_text

    stored = [("Иванова А. П.", "учитель"), ("Гарипова", ""), ("Коллектив авторов МАОУ СОШ № 1", ""),
              ("Петров П. П.", "директор (и. о.)"), ("ПЕТРОВ И. И.", "")]
    assert [author_line(line) for line in author_lines(authors_text(stored))] == stored


# One author a line in a registry's cell: a line is another author unless it surely carries on the one before.
ONE_A_LINE = [
    ("Петров И. И., директор\nИванова (Петрова) А. П., учитель",
     [("Петров И. И.", "директор"), ("Иванова (Петрова) А. П.", "учитель")]),
    ("Петров И. И.\nАбдуллаев Мухаммад Али угли", [("Петров И. И.", ""), ("Абдуллаев Мухаммад Али угли", "")]),
    ("Петров И. И.\nНурланұлы А.", [("Петров И. И.", ""), ("Нурланұлы А.", "")]),
    ("Петров И. И.\nSmith J.", [("Петров И. И.", ""), ("Smith J.", "")]),
    ("Петров И. И.\nО'Нил Д. Д.", [("Петров И. И.", ""), ("О'Нил Д. Д.", "")]),
    ("Петров И. И.\nфон Браун В.", [("Петров И. И.", ""), ("фон Браун В.", "")]),
    ("Петров И. И., директор\nКоллектив авторов МБОУ СОШ № 1",
     [("Петров И. И.", "директор"), ("Коллектив авторов МБОУ СОШ № 1", "")]),
    # after a comma or a dash a name still begins another author
    ("Петров И. И., директор,\nSmith J.", [("Петров И. И.", "директор"), ("Smith J.", "")]),
    ("Петров И. И. –\nфон Браун В. В.", [("Петров И. И.", ""), ("фон Браун В. В.", "")]),
    # what surely carries on an author: a position (in capitals too), a bracket, a lower-case word, an organisation
    ("Иванова А. П.\nУчитель математики", [("Иванова А. П.", "Учитель математики")]),
    ("Иванова А. П.\nучитель\nМБОУ СОШ № 5\nПетров И. И.",
     [("Иванова А. П.", "учитель, МБОУ СОШ № 5"), ("Петров И. И.", "")]),
    ("Иванова Анна Петровна,\nМАОУ «СОШ № 1»", [("Иванова Анна Петровна", "МАОУ «СОШ № 1»")]),
    ("Иванова Анна Петровна\n(учитель)\nи. о. директора", [("Иванова Анна Петровна", "учитель, и. о. директора")]),
]


@pytest.mark.parametrize(("cell", "authors"), ONE_A_LINE)
def test_a_line_of_a_registrys_authors_is_an_author_unless_it_surely_carries_on_the_one_before(cell, authors):
    """A line that did not begin with a name the check knows («Иванова (Петрова) А. П.», «Smith J.», «фон Браун
    В.», «Коллектив авторов …») was glued to the author before it as their position, without a word."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert warnings == []


@pytest.mark.parametrize("authors", [
    [("Иванова Анна Петровна", "учитель математики"), ("фон Браун Вера Андреевна", "учитель физики")],
    [("Петров И. И.", "директор"), ("де Голль Ш.", "")],
    [("Иванова А. П.", ""), ("ван дер Варден Б. Л.", "методист")],
    [("Иванова А. П.", "учитель"), ("Smith J.", ""), ("Иванова (Петрова) А. П.", ""), ("Нурланұлы А.", "")],
])
def test_the_form_reads_back_an_author_whose_name_begins_with_a_particle(app, authors):
    """«фон Браун Вера Андреевна» on a line of the form's authors was read as the position of the author before:
    saving the edit form of such a practice lost an author."""
    from kb.practices import rules
    from kb.practices.forms import PracticeForm

    with app.test_request_context():
        form = PracticeForm(formdata=MultiDict([("authors", rules.authors_text(authors))]), meta={"csrf": False})
        assert form.author_list() == authors
        assert rules.authors_text(form.author_list()) == rules.authors_text(authors)


@pytest.mark.parametrize(("cell", "authors"), [
    ("Иванова А. П." + " и учитель" * 3000, 1),
    ("Иванова" + " и (" * 7500, 1),
    ("Иванова А. П." + " и Петров И. И. (учитель" * 1200, 1),
    ("Иванова А. П." + " и Петров И. И." * 2000, 2001),
    ("Иванова А. П." + " и Петров И. И. – учитель истории и обществознания" * 600, 601),
    ("Иванова А. П., учитель" + " и учитель, и (" * 2000, 1),
])
def test_and_between_authors_is_read_in_one_pass(monkeypatch, cell, authors):
    """A cell of up to 32 767 characters (Excel's limit) with many «и» took minutes: each «и» made the rest of the
    cell be tried as a name, again after each split. Each «и» is tried once, on the words up to the next one."""
    from kb.bulkimport import services
    from kb.practices import rules

    assert len(cell) > 20_000
    person = rules.person
    tried: list[int] = []

    def counted(part):
        tried.append(len(part))
        return person(part)

    monkeypatch.setattr(rules, "person", counted)
    found = services.parse_authors(cell)
    assert len(found) == authors
    assert found[0][0].startswith("Иванова")
    assert len(tried) <= 2 * (cell.count(" и ") + cell.count(",") + 1)  # each «и» tried, each part read: once
    assert sum(tried) <= 2 * len(cell)


def test_a_row_of_comma_separated_co_authors_loads_two_authors(app, make_user):
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Авторы", "Иванова А. П., Петрова Б. В."),
                                          _with("Авторы", "Сафина Л. Р., Гарипова", row("R-2", "Школьный театр"))]),
                   dry_run=False)
    assert [r.failed for r in report.rows] == [False, False]
    assert report.rows[0].warnings == []
    assert report.rows[1].warnings == ["Авторы: «Гарипова» записано как должность автора «Сафина Л. Р.». Если это "
                                       "соавтор, напишите его ФИО полностью или разделите авторов точкой с запятой."]
    with app.app_context():
        assert [[(a.name, a.position) for a in p.authors] for p in practices(app)] == [
            [("Иванова А. П.", ""), ("Петрова Б. В.", "")], [("Сафина Л. Р.", "Гарипова")]]


@pytest.mark.parametrize(("region", "name", "found"), [
    ("Челябинская область", "Челябинск", "Челябинский городской округ"),
    ("Челябинская область", "г. Челябинск", "Челябинский городской округ"),
    ("Челябинская область", "г. Копейск", "Копейский городской округ"),
    ("Челябинская область", "Копейский ГО", "Копейский городской округ"),
    ("Челябинская область", "Агаповский район", "Агаповский муниципальный район"),
    ("Республика Татарстан", "г. Казань", "городской округ город Казань"),
    ("Смоленская область", "г. Смоленск", "городской округ город Смоленск"),
    ("Челябинская область", "г. Казань", None),  # another region's town is not this region's
    ("Челябинская область", "Челябинская область", None),
])
def test_municipalities_are_read_as_the_text_suggestions_read_them(app, make_user, region, name, found):
    """«г. Копейск», «Копейский ГО», «Агаповский район» were «не найден в словаре», and the practice lost them."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Муниципалитет", name, _with("Регион", region))]), dry_run=False)
    assert not report.rows[0].failed
    assert (report.rows[0].warnings == []) == (found is not None)
    municipality = practices(app)[0].municipality
    assert (municipality.name if municipality else None) == found


@pytest.mark.parametrize(("name", "hint"), [
    ("Агаповкий район", "Агаповский муниципальный район"),
    ("Агаповкий муниципальный район", "Агаповский муниципальный район"),
    ("пос. Бажово", None),
])
def test_an_unrecognised_municipality_is_given_the_nearest_name(app, make_user, name, hint):
    """A misspelt municipality was only «не найден в словаре»: the methodist had to look the region's list up."""
    admin = make_user("admin")
    warnings = check(app, admin, csv_bytes([_with("Муниципалитет", name)])).rows[0].warnings
    expected = f"Муниципалитет «{name}» не найден в словаре этого региона и не будет сохранён."
    assert warnings == [expected + (f" Возможно, имелось в виду: «{hint}»." if hint else "")]


def test_an_unrecognised_municipality_keeps_the_one_the_practice_has(app, make_user):
    """A methodist set the municipality in the form after the registry's «пос. Бажово» was not recognised; loading
    the registry again cleared it. The finished import speaks in the past tense, the check in the future."""
    admin = make_user("admin")
    first = check(app, admin, csv_bytes([_with("Муниципалитет", "пос. Бажово")]), dry_run=False)
    assert first.rows[0].warnings == ["Муниципалитет «пос. Бажово» не найден в словаре этого региона и не "
                                      "сохранён."]
    assert practices(app)[0].municipality is None
    with app.app_context():
        from kb.practices.models import Practice
        from kb.vocabularies.models import Municipality

        practice = db.session.get(Practice, practices(app)[0].id)
        practice.municipality_id = db.session.scalar(
            db.select(Municipality.id).where(Municipality.code == "RU-CHE-kopeysky"))
        db.session.commit()
    again = csv_bytes([_with("Муниципалитет", "пос. Бажово")])
    assert check(app, admin, again).rows[0].warnings == [
        "Муниципалитет «пос. Бажово» не найден в словаре этого региона: останется прежний — «Копейский городской "
        "округ»."]
    changed = csv_bytes([_with("Муниципалитет", "пос. Бажово", _with("Год", 2020))])
    assert check(app, admin, changed, dry_run=False).rows[0].warnings == [
        "Муниципалитет «пос. Бажово» не найден в словаре этого региона: оставлен прежний — «Копейский городской "
        "округ»."]
    assert (practices(app)[0].municipality.name, practices(app)[0].year) == ("Копейский городской округ", 2020)
    # In another region the municipality cannot stay: it is cleared, as the check says.
    moved = csv_bytes([_with("Муниципалитет", "пос. Бажово", _with("Регион", "Республика Татарстан"))])
    assert check(app, admin, moved).rows[0].warnings == [
        "Муниципалитет «пос. Бажово» не найден в словаре этого региона и не будет сохранён."]
    check(app, admin, moved, dry_run=False)
    assert (practices(app)[0].region_code, practices(app)[0].municipality) == ("RU-TA", None)


def test_the_finished_import_says_what_it_did_with_the_files(app, make_user, tmp_path):
    admin = make_user("admin")
    archive = tmp_path / "files.zip"
    archive.write_bytes(zip_bytes({"a.docx": docx_bytes("Текст")}))
    registry = "Название;Регион\nШкольное научное общество;Челябинская область\n".encode()
    assert check(app, admin, registry, archive).warnings[-1].endswith("файлы не будут приложены.")
    assert check(app, admin, registry, archive, dry_run=False).warnings[-1].endswith("файлы не приложены.")


@pytest.mark.parametrize(("cell", "year", "date"), [
    ("15.03.2024", 2024, "15.03.2024"), ("15.03.2024 г.", 2024, "15.03.2024"), ("5.3.2024г", 2024, "05.03.2024"),
    ("15/03/2024", 2024, "15.03.2024"), ("15.03.24", 2024, "15.03.2024"), ("01.09.98", 1998, "01.09.1998"),
    ("2024-03-15", 2024, "15.03.2024"), ("2024-03-15 00:00:00", 2024, "15.03.2024"),
    (dt.datetime(2024, 3, 15), 2024, "15.03.2024"), (dt.date(2019, 9, 1), 2019, "01.09.2019"),
    ("31.02.2024", None, None), ("15.03/2024", None, None), ("15.2024", None, None),
])
def test_a_date_written_as_text_gives_its_year_with_a_warning(app, cell, year, date):
    """«15.03.2024» typed in a cell refused the whole row («— не год»), while an Excel date gave its year."""
    from kb.bulkimport.services import parse_year

    warnings: list[str] = []
    with app.app_context():
        found, error = parse_year(cell, warnings)
    assert found == year and (error is None) == (year is not None)
    assert warnings == ([f"Год: в ячейке дата ({date}), взят её год {year}."] if year else [])


def test_rows_with_a_date_for_the_year_load(app, make_user):
    admin = make_user("admin")
    rows = [row("Г-1", "Практика с датой-числом Excel", year=dt.datetime(2024, 3, 15)),
            row("Г-2", "Практика с датой текстом", year="15.03.2024"),
            row("Г-3", "Практика с датой текстом и г.", year="15.03.2024 г.")]
    report = check(app, admin, xlsx_bytes(rows), dry_run=False)
    assert [(r.failed, r.warnings) for r in report.rows] == [
        (False, ["Год: в ячейке дата (15.03.2024), взят её год 2024."])] * 3
    assert [p.year for p in practices(app)] == [2024, 2024, 2024]


@pytest.mark.parametrize(("cell", "code"), [
    ("Татарстан Респ", "RU-TA"), ("Респ. Татарстан", "RU-TA"), ("Челябинская обл", "RU-CHE"),
    ("Еврейская АО", "RU-YEV"), ("Еврейская Аобл", "RU-YEV"), ("Еврейская авт. обл.", "RU-YEV"),
    ("Ханты-Мансийский АО - Югра", "RU-KHM"), ("Ханты-Мансийский Автономный округ - Югра АО", "RU-KHM"),
    ("Чукотский АО", "RU-CHU"), ("Саха /Якутия/ Респ", "RU-SA"), ("Кемеровская область - Кузбасс обл", "RU-KEM"),
    ("Северная Осетия - Алания Респ", "RU-SE"), ("Чувашская Республика - Чувашия", "RU-CU"), ("Москва г", "RU-MOW"),
    ("Алтай Респ", "RU-AL"), ("Алтайский край", "RU-ALT"),
])
def test_regions_in_the_federal_registries_word_order_are_found(app, cell, code):
    """«Татарстан Респ» was «не найден», with the hint «Чувашская Республика — Чувашия»; «Еврейская АО» with
    «Ненецкий автономный округ» («АО» was only «автономный округ»)."""
    from kb.bulkimport.services import Vocabularies

    with app.app_context():
        assert Vocabularies.load().regions.find(cell) == code


def test_a_misspelt_region_in_that_order_gets_the_right_hint(app, make_user):
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Регион", "Татарстн Респ")]))
    assert report.rows[0].errors == ["Регион «Татарстн Респ» не найден в словаре. Возможно, имелось в виду: "
                                     "«Республика Татарстан»."]


@pytest.mark.parametrize(("column", "cell", "code"), [
    ("Предмет", "Алгебра", "mathematics"), ("Предмет", "Геометрия", "mathematics"),
    ("Предмет", "Вероятность и статистика", "mathematics"), ("Предмет", "Литературное чтение", "literary_reading"),
    ("Предмет", "Английский язык", "foreign_language"), ("Предмет", "Немецкий язык", "foreign_language"),
    ("Предмет", "Иностранный язык (английский)", "foreign_language"), ("Предмет", "ИЗО", "art"),
    ("Предмет", "ОБЖ", "obzr"), ("Предмет", "Труд (технология)", "technology"),
    ("Предмет", "Технология (Труд)", "technology"), ("Предмет", "Технология", "technology"),
    ("Предмет", "Труд", "technology"), ("Предмет", "Литература", "literature"),
    ("Уровень образования", "Дополнительное образование", "additional"),
    ("Уровень образования", "Доп. образование", "additional"),
    ("Уровень образования", "Среднее проф. образование", "vocational"),
    ("Уровень образования", "Доп. проф. образование", "professional_development"),
    ("Уровень образования", "Начальное общее образование (1-4 классы)", "primary"),
])
def test_the_usual_names_of_subjects_and_levels_are_found(app, make_user, column, cell, code):
    """«Алгебра», «ИЗО», «ОБЖ», «Дополнительное образование», «НОО (1-4 классы)» were «не найдено в словаре», and
    the whole row was lost."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with(column, cell)]), dry_run=False)
    assert report.rows[0].errors == []
    practice = practices(app)[0]
    found = practice.subjects if column == "Предмет" else practice.levels
    assert [item.code for item in found] == [code]


def test_a_level_several_entries_share_asks_which_is_meant(app, make_user):
    """The row loads without it (as with any value not found), and the warning names the levels it may mean."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Уровень образования", "Высшее образование")]))
    assert report.rows[0].errors == []
    assert report.rows[0].warnings[0] == (
        "Уровень образования: «Высшее образование» — это несколько значений словаря: «Высшее образование — "
        "бакалавриат», «Высшее образование — специалитет, магистратура», «Высшее образование — подготовка кадров "
        "высшей квалификации». Значение не будет загружено: укажите нужные (несколько — через точку с запятой).")


def test_do_is_preschool_as_before_with_a_warning_that_names_additional_education(app, make_user):
    """«ДО» is the short name the bank gives preschool (/api/v1/vocabularies says so) and registries loaded it as
    preschool; a Дом творчества's registry (МБУ ДО) may mean дополнительное образование by it. It became an error
    that refused the row, so a registry that had loaded failed on a re-load. Now it loads as preschool, with a
    warning naming both readings and how to write дополнительное образование; «ДОУ», «ДОО» stay preschool."""
    admin = make_user("admin")
    with app.test_client() as client:
        levels = client.get("/api/v1/vocabularies").get_json()["levels"]
    assert {"code": "preschool", "label": "Дошкольное образование", "short": "ДО"} in levels
    warning = ("Уровень образования: «ДО» прочитано как «Дошкольное образование». В реестрах «ДО» пишут и о "
               "дополнительном образовании («МБУ ДО»): если имелось в виду «Дополнительное образование детей и "
               "взрослых», напишите «Дополнительное образование» или «ДОД».")
    report = check(app, admin, csv_bytes([_with("Уровень образования", "ДО"),
                                          row("B-2", "Детский сад и семья", levels="ДОУ"),
                                          row("B-3", "Детский сад и школа", levels="ДОО"),
                                          row("B-4", "Игры в саду и в школе", levels="до/НОО"),
                                          row("B-5", "Кружок робототехники", levels="Доп. образование; ДОД")]),
                   dry_run=False)
    assert [r.errors for r in report.rows] == [[], [], [], [], []]
    assert [warning in r.warnings for r in report.rows] == [True, False, False, True, False]
    assert [[level.code for level in p.levels] for p in practices(app)] == [
        ["preschool"], ["preschool"], ["preschool"], ["preschool", "primary"], ["additional"]]


def test_a_note_in_brackets_says_which_do_is_meant(app, make_user):
    """«ДО (дополнительное образование)» was read as preschool (the note was dropped before the look-up), with the
    warning asking to write «Дополнительное образование», which the cell said. A note that names a level decides
    the reading of «ДО», without the warning; a note that names no level leaves «ДО» as it was."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([
        _with("Уровень образования", "ДО (дополнительное образование)"),
        row("B-2", "Детский сад и семья", levels="ДО (дошкольное)"),
        row("B-3", "Кружок и сад", levels="ДО (Доп. образование детей)"),
        row("B-4", "Детский сад и город", levels="ДО (группы кратковременного пребывания)")]), dry_run=False)
    assert [r.errors for r in report.rows] == [[], [], [], []]
    assert [any("«ДО» прочитано как" in w for w in r.warnings) for r in report.rows] == [False, False, False, True]
    assert [[level.code for level in p.levels] for p in practices(app)] == [
        ["additional"], ["preschool"], ["additional"], ["preschool"]]


@pytest.mark.parametrize(("cell", "codes"), [
    ("Русский язык и литература", ["russian", "literature"]),
    ("Физика и астрономия; Химия", None),  # «Астрономия» is no subject: the value is left out, the row loads
    ("Русский язык, литература и история", ["russian", "literature", "history"]),
    ("Алгебра и геометрия", ["mathematics"]),
    ("Родной язык и литература", ["native_language"]),  # one subject of the vocabulary, not two
    ("Основы безопасности и защиты Родины", ["obzr"]),
])
def test_subjects_joined_with_and_are_each_read(app, make_user, cell, codes):
    """«Русский язык и литература» — how a registry names a Russian teacher's subject — was «не найдено в словаре»,
    and the whole row was lost: « и » joins subjects as «,» and «/» do, when every part is one."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Предмет", cell)]), dry_run=False)
    if codes is None:
        assert report.rows[0].errors == []
        assert "Предмет: значение «Физика и астрономия» не найдено в словаре и не загружено." in report.rows[0].warnings
        assert [subject.code for subject in practices(app)[0].subjects] == ["chemistry"]
        return
    assert report.rows[0].errors == []
    assert [subject.code for subject in practices(app)[0].subjects] == codes


@pytest.mark.parametrize(("column", "cell", "hint"), [
    ("Предмет", "Естествознание", None),  # not «Обществознание»
    ("Предмет", "Матиматика", "Математика"),
    ("Уровень образования", "Высшее проф. образование", None),  # not «Среднее профессиональное образование»
    ("Уровень образования", "Дош. образование", "Дошкольное образование"),
    ("Уровень образования", "Начальное образование", "Начальное общее образование"),
])
def test_a_hint_starts_as_the_value_does(app, make_user, column, cell, hint):
    """«Естествознание» was hinted «Обществознание», «Доп. образование» «Дошкольное образование»."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with(column, cell)]))
    suffix = f" Возможно, имелось в виду: «{hint}»." if hint else ""
    assert report.rows[0].errors == []
    assert f"{column}: значение «{cell}» не найдено в словаре и не будет загружено.{suffix}" in report.rows[0].warnings


def test_a_region_number_that_is_no_okato_code_is_explained(app, make_user):
    """«74» (Челябинская область on car plates) was «не найден» with no word why, and the municipality was then «не
    найден в словаре (не указан регион)», though the region cell was filled."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Регион", "74")]))
    assert report.rows[0].errors == [
        "Регион «74» не найден в словаре. Число в этом столбце читается как код ОКАТО, а не как код региона с "
        "автомобильных номеров или из ИНН; укажите регион названием."]
    assert report.rows[0].warnings == [
        "Муниципалитет «Копейский» не найден в словаре (регион не распознан) и не будет сохранён."]


def test_a_region_number_read_as_okato_says_so(app, make_user):
    """«75» is Челябинская область in OKATO but Забайкальский край on car plates: the row said nothing."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Регион", "75")]))
    assert report.rows[0].errors == []
    assert report.rows[0].warnings[0] == (
        "Регион «75» прочитан как код ОКАТО — Челябинская область. Если это код региона с автомобильных номеров или "
        "из ИНН, он может означать другой регион: укажите регион названием.")


# -- the files of a row ----------------------------------------------------------------------------------------


def _locked_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("пароль")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _damaged_docx(text: str) -> bytes:
    """A DOCX any ZIP reader opens, damaged inside: its type is right, its text cannot be read."""
    from tests.documents import rewrite_part

    return rewrite_part(docx_bytes(text), "word/document.xml", lambda part: part[:len(part) // 2])


def test_the_import_names_every_refused_file_as_the_check_does(app, make_user, tmp_path):
    """The check named the three bad files of a row; the import named only the first, none of a row failing for
    another reason, and listed the refused files in «Файлы» as if attached."""
    from kb.bulkimport.services import report_csv

    admin = make_user("admin")
    path = tmp_path / "files.zip"
    path.write_bytes(zip_bytes({"закрытый.pdf": _locked_pdf(), "пустой.docx": b"", "хороший.docx": docx_bytes("Отчёт."),
                                "битый1.docx": _damaged_docx("Первый."), "битый2.docx": _damaged_docx("Второй.")}))
    registry = csv_bytes([row("B-1", "Два плохих файла", files="закрытый.pdf; пустой.docx; хороший.docx"),
                          row("B-2", "Ошибка темы", topics="Неизвестная тема", files="закрытый.pdf; хороший.docx"),
                          row("B-3", "Файлы, повреждённые внутри", files="битый1.docx; хороший.docx; битый2.docx")])
    refused = ["Файл «закрытый.pdf»: PDF защищён паролем: загрузите его без защиты.",
               "Файл «пустой.docx»: Файл пустой."]
    topic = "Темы: значение «Неизвестная тема» не найдено в словаре и"
    for dry_run in (True, False):
        report = check(app, admin, registry, path, dry_run=dry_run)
        first, second, third = report.rows
        assert (first.errors, first.files) == (refused, ["хороший.docx"])
        assert (second.errors, second.files) == ([refused[0]], ["хороший.docx"])
        assert any(warning.startswith(topic) for warning in second.warnings)  # the row fails for its file
    # The damage inside a document shows when its text is extracted, in the import: every such file is named.
    assert third.errors == ["Файл «битый1.docx»: DOCX повреждён: не удаётся прочитать его содержимое.",
                            "Файл «битый2.docx»: DOCX повреждён: не удаётся прочитать его содержимое."]
    assert third.files == ["хороший.docx"]
    table = report_csv(report).decode("utf-8-sig")
    assert "пустой.docx»: Файл пустой" in table and "битый2.docx»: DOCX повреждён" in table
    assert practices(app) == []


def test_a_file_sent_again_under_its_name_replaces_the_attached_one(app, runner, make_user, tmp_path, monkeypatch):
    """A corrected «olimp.docx» loaded again was attached beside the old one, without a word, and the old text
    stayed in search. Now it replaces the file of its name, as deleting the old one on the page and attaching
    the new one would: logged, the old bytes deleted from the disk, the practice's text in search renewed."""
    from kb.accounts.models import AuditEvent
    from kb.attachments import services as attachments
    from kb.bulkimport import services

    make_user("admin")
    first, second = docx_bytes("Первая редакция: квазиэкспедиционный."), docx_bytes("Исправлено: гиперолимпиадный.")
    registry = str(tmp_path / "r.csv")
    (tmp_path / "r.csv").write_bytes(csv_bytes([row("O-1", "Олимпиадный клуб", files="olimp.docx")]))
    for name, data in (("v1.zip", first), ("v2.zip", second)):
        (tmp_path / name).write_bytes(zip_bytes({"olimp.docx": data}))

    def load(archive: str, *flags: str) -> str:
        return runner.invoke(args=["import-practices", registry, "--attachments", str(tmp_path / archive),
                                   "--publish", *flags]).output

    load("v1.zip")
    # a practice at its limit takes the new version all the same: it replaces a file, it is not one more
    monkeypatch.setattr(attachments, "MAX_PER_PRACTICE", 1)
    monkeypatch.setattr(services, "MAX_PER_PRACTICE", 1)
    checked = load("v2.zip", "--dry-run")
    assert "Строка 2 [O-1]: будет обновлена" in checked
    assert "Файл «olimp.docx» будет заменён новым: у практики есть файл с этим именем и другим содержимым" in checked
    loaded = load("v2.zip")
    assert "Строка 2 [O-1]: обновлена" in loaded
    assert "Файл «olimp.docx» заменён новым: прежний файл с этим именем удалён из практики" in loaded

    (practice,) = practices(app)
    assert [(a.original_name, a.text.strip()) for a in practice.attachments] == [
        ("olimp.docx", "Исправлено: гиперолимпиадный.")]
    with app.app_context():
        stored = [p.read_bytes() for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
        deleted = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "attachment_deleted")).all()
        assert [event.details for event in deleted] == [{"file": "olimp.docx"}]
    assert stored == [second]
    search = app.test_client()
    assert "Олимпиадный клуб" in search.get("/search?q=гиперолимпиадный").get_data(as_text=True)
    assert "Олимпиадный клуб" not in search.get("/search?q=квазиэкспедиционный").get_data(as_text=True)

    again = load("v2.zip")
    assert "без изменений" in again and "заменён" not in again


def test_a_corrected_file_replaces_only_its_own_namesake_the_row_still_names(app, runner, make_user, tmp_path,
                                                                              monkeypatch):
    """A row names «2023/отчет.docx; 2024/отчет.docx»: both are attached. The 2023 file is corrected and the registry
    loaded again: the new file «replaced» every attachment of its name with other bytes, the unchanged 2024 file the
    row still names too. Now the practice ends with exactly the row's files of that name: the corrected 2023 file and
    the 2024 one; a row that names one file of the name only leaves that one."""
    from kb.attachments import services as attachments
    from kb.bulkimport import services

    make_user("admin")
    old_2023, new_2023 = docx_bytes("Отчёт 2023: квазиэкспедиционный."), docx_bytes("Отчёт 2023: гиперолимпиадный.")
    year_2024 = docx_bytes("Отчёт 2024: сверхнаставнический.")
    registry = tmp_path / "r.csv"
    both = row("S-1", "Школа наставников", files="2023/отчет.docx; 2024/отчет.docx")
    registry.write_bytes(csv_bytes([both]))
    (tmp_path / "v1.zip").write_bytes(zip_bytes({"2023/отчет.docx": old_2023, "2024/отчет.docx": year_2024}))
    (tmp_path / "v2.zip").write_bytes(zip_bytes({"2023/отчет.docx": new_2023, "2024/отчет.docx": year_2024}))

    def load(archive: str, *flags: str) -> str:
        return runner.invoke(args=["import-practices", str(registry), "--attachments", str(tmp_path / archive),
                                   *flags]).output

    def attached() -> list[str]:
        (practice,) = practices(app)
        return sorted(a.text.strip() for a in practice.attachments)

    load("v1.zip")
    assert attached() == ["Отчёт 2023: квазиэкспедиционный.", "Отчёт 2024: сверхнаставнический."]
    # at the limit of 2 the check counts one file replaced, not two: 1 kept + 1 new fits
    monkeypatch.setattr(attachments, "MAX_PER_PRACTICE", 2)
    monkeypatch.setattr(services, "MAX_PER_PRACTICE", 2)
    checked = load("v2.zip", "--dry-run")
    assert "Строка 2 [S-1]: будет обновлена" in checked and checked.count("будет заменён новым") == 1
    loaded = load("v2.zip")
    assert "Строка 2 [S-1]: обновлена" in loaded
    assert attached() == ["Отчёт 2023: гиперолимпиадный.", "Отчёт 2024: сверхнаставнический."]
    assert "без изменений" in load("v2.zip")
    assert attached() == ["Отчёт 2023: гиперолимпиадный.", "Отчёт 2024: сверхнаставнический."]

    # the row now names the 2023 file alone, corrected once more: it is the practice's only file of that name
    registry.write_bytes(csv_bytes([row("S-1", "Школа наставников", files="2023/отчет.docx")]))
    (tmp_path / "v3.zip").write_bytes(zip_bytes({"2023/отчет.docx": old_2023}))
    # it replaces both files of its name, and says so (it said «прежний файл … удалён», one)
    assert ("Файл «отчет.docx» будет заменён новым: у практики есть файлы с этим именем и другим содержимым (2), "
            "они будут удалены") in load("v3.zip", "--dry-run")
    assert "Файл «отчет.docx» заменён новым: прежние файлы с этим именем (2) удалены из практики" in load("v3.zip")
    assert attached() == ["Отчёт 2023: квазиэкспедиционный."]


def test_a_date_in_a_text_or_vocabulary_cell_is_named_as_a_date(app, make_user):
    """Excel turns «5-9» typed in a cell into a date (05.09): the check said «Уровень образования: значение
    «2024-09-05» не найдено в словаре», a value nobody typed, with no word of a date, and stored «2024-09-05» as the
    organisation."""
    admin = make_user("admin")
    date = dt.datetime(2024, 9, 5)
    data = xlsx_bytes([_with("Уровень образования", date), _with("Организация", date, row("R-2", "Театр в школе"))])
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []  # a grade range: read back (test_bulk_import_everyday)
    assert ("Уровень образования: ячейка «05.09» сохранена Excel как дата, прочитано как классы 5–9; проверьте."
            in report.rows[0].warnings)
    assert report.rows[1].errors == []
    assert ("Организация: в ячейке дата 05.09.2024, она прочитана как текст «05.09.2024». Если там было написано "
            "другое, Excel сам превратил это в дату (так он делает с «5-9» или «5.9»): задайте ячейке формат "
            "«Текстовый» (Формат ячеек → Текстовый), впишите значение заново и загрузите реестр снова."
            ) in report.rows[1].warnings
    assert [p.organisation for p in practices(app)][-1] == "05.09.2024"


# A CSV is saved by Excel or by LibreOffice: its messages name both (an XLSX's, Excel)
CSV_PROGRAM = "Excel или LibreOffice"
_DATE_ADVICE = ("Excel сам превращает в дату набранное так, как «5-9» или «5.9». Задайте ячейке формат «Текстовый» "
                "(Формат ячеек → Текстовый), впишите значение заново и загрузите реестр снова.")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_date_in_a_subject_or_topic_cell_warns_and_the_row_loads(app, make_user, kind):
    """An unknown value of a vocabulary warns and the row loads with the rest, but a date in the subject or topic
    column (a cell Excel stored as a date) refused the whole row. Now it is a warning that names the column and
    the date, and the row loads without it; a CSV's date written as text is told the same way."""
    admin = make_user("admin")
    date = dt.datetime(2024, 9, 5) if kind == "xlsx" else "05.09.2024"
    rows = [_with("Предмет", date), _with("Темы", date, row("R-2", "Театр в школе", topics="ШНО")),
            _with("Уровень распространения", date, row("R-3", "Проектная неделя"))]
    registry = xlsx_bytes(rows) if kind == "xlsx" else csv_bytes(rows)
    advice = _DATE_ADVICE if kind == "xlsx" else _DATE_ADVICE.replace("Excel", CSV_PROGRAM)
    report = check(app, admin, registry, dry_run=False)
    assert [r.errors for r in report.rows] == [[], [], []]
    assert [r.action for r in report.rows] == ["create"] * 3
    assert (f"Предмет: в ячейке дата «05.09.2024», а не значение словаря; значение не загружено. {advice}"
            in report.rows[0].warnings)
    assert (f"Темы: в ячейке дата «05.09.2024», а не значение словаря; значение не загружено. {advice}"
            in report.rows[1].warnings)
    assert any(w.startswith("Уровень распространения: в ячейке дата «05.09.2024», а не значение словаря")
               for w in report.rows[2].warnings), report.rows[2].warnings
    loaded = {p.external_id: p for p in practices(app)}
    assert [s.code for s in loaded["R-1"].subjects] == []
    assert [t.code for t in loaded["R-1"].topics] == ["school_science_society"]
    assert [t.code for t in loaded["R-2"].topics] == []
    assert [s.code for s in loaded["R-2"].subjects] == ["mathematics"]
    assert loaded["R-3"].spread_level is None


def test_a_date_in_a_subject_cell_leaves_a_loaded_practice_its_subjects(app, make_user):
    """As with any value the vocabulary does not have: a cell with nothing read does not clear what is stored."""
    admin = make_user("admin")
    check(app, admin, xlsx_bytes([row("R-1", "Школьное научное общество")]), dry_run=False)
    report = check(app, admin, xlsx_bytes([_with("Предмет", dt.datetime(2024, 9, 5))]), dry_run=False)
    assert report.rows[0].errors == []
    assert ("Предмет: в ячейке дата «05.09.2024», а не значение словаря; остались прежние значения: «Математика». "
            f"{_DATE_ADVICE}") in report.rows[0].warnings
    assert [s.code for s in practices(app)[0].subjects] == ["mathematics"]


@pytest.mark.parametrize(("kind", "date", "shown"), [
    ("xlsx", dt.datetime(2024, 9, 5), "05.09.2024"),
    ("csv", "05.09.2024", "05.09.2024"),  # a CSV export writes the date cell as text
    ("csv", "05.сен", "05.сен"),  # as Excel shows a date of this year
])
def test_a_date_in_the_region_cell_still_refuses_the_row(app, make_user, kind, date, shown):
    """The region is the one vocabulary whose unknown value refuses the row (a practice filed under no region, or
    the methodist's own, would be lost to its region's moderators): a date there stays the row's error. A CSV's date
    was «Регион «05.09.2024» не найден в словаре.», with no word of a date; the XLSX cell's said nothing of what to
    write instead. Both are told as a date in the subject's column is, and the region is asked for by its name."""
    rows = [_with("Регион", date)]
    # a methodist's empty region cell is her region's; a date is no empty cell: «Регион не указан — взят регион
    # вашей области» beside the row's error said the row took a region it did not
    for user in (make_user("admin"), make_user("methodist", scope_region="RU-CHE")):
        report = check(app, user, xlsx_bytes(rows) if kind == "xlsx" else csv_bytes(rows), dry_run=False)
        assert report.rows[0].errors == [
            f"Регион: в ячейке дата «{shown}», а не значение словаря; без региона строка не загружается — впишите в "
            f"ячейку название региона, например «Челябинская область». "
            f"{_DATE_ADVICE if kind == 'xlsx' else _DATE_ADVICE.replace('Excel', CSV_PROGRAM)}"]
        assert not [warning for warning in report.rows[0].warnings if "Регион" in warning], user.role
        assert practices(app) == []
