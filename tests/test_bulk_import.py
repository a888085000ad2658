"""Bulk import of practices: registries in CSV (UTF-8 / Windows-1251, «;» / «,») and XLSX built here, a ZIP of
files, dry run vs real run, idempotency by external id, bad rows and hostile ZIP entries, the web page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import struct
import threading
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.practices.models import Practice
from kb.search.models import IndexOutbox
from tests.conftest import csrf_from, sign_in
from tests.documents import lying_part, peak_memory, rewrite_part, rtf_bytes

HEADER = ["Внешний идентификатор", "Название", "Аннотация", "Авторы", "Организация", "Регион", "Муниципалитет",
          "Уровень образования", "Предмет", "Темы", "Год", "Мероприятие", "Уровень распространения", "Файлы"]
WORD = "квазиэкспедиционный"  # a word only the attached DOCX contains


def row(ext: str, title: str, region: str = "Челябинская область", year: object = 2023, files: str = "",
        annotation: str = "Школьное научное общество младших школьников.", topics: str = "ШНО",
        levels: str = "Начальное общее образование", subjects: str = "Математика",
        organisation: str = "МАОУ «СОШ № 1»") -> list[object]:
    return [ext, title, annotation, "Иванова Анна Петровна, учитель начальных классов; Петров П. П. (директор)",
            organisation, region, "Копейский", levels, subjects, topics, year, "Городской семинар",
            "Муниципальный уровень", files]


def csv_bytes(rows: list[list[object]], delimiter: str = ";", encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(header)
    for values in rows:
        workbook.active.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def patch_entry(data: bytes, name: str, flag: int = 0, declared_size: int | None = None) -> bytes:
    """Set a general-purpose flag bit or a smaller declared size on one entry, in both of its headers."""
    blob = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    local = info.header_offset
    central = blob.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", blob, central + 28)[0]
        if bytes(blob[central + 46:central + 46 + name_length]) == info.filename.encode():
            break
        central = blob.find(b"PK\x01\x02", central + 4)
    for offset, flag_at, size_at in ((local, 6, 22), (central, 8, 24)):
        struct.pack_into("<H", blob, offset + flag_at, struct.unpack_from("<H", blob, offset + flag_at)[0] | flag)
        if declared_size is not None:
            struct.pack_into("<I", blob, offset + size_at, declared_size)
    return bytes(blob)


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def practices(app) -> list[Practice]:
    with app.app_context():
        found = list(db.session.scalars(select(Practice).order_by(Practice.id)))
        for practice in found:
            _ = (practice.levels, practice.topics, practice.subjects, practice.authors, practice.attachments,
                 practice.municipality, practice.versions, practice.transitions)
        return found


# -- reading registries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ";"), ("utf-8", ","), ("cp1251", ";"),
                                                     ("cp1251", ","), ("utf-16", "\t"), ("utf-32", ";")])
def test_csv_in_either_encoding_and_delimiter_is_read(encoding, delimiter):
    from kb.bulkimport.registry import read_registry

    registry = read_registry(csv_bytes([row("A-1", "Ёлочка знаний, или ШНО; опыт")], delimiter, encoding), 100)
    assert set(registry.columns) >= {"external_id", "title", "region", "levels", "files"}
    assert len(registry.rows) == 1
    values = registry.rows[0].values
    assert values["title"] == "Ёлочка знаний, или ШНО; опыт"
    assert values["region"] == "Челябинская область"
    assert registry.rows[0].number == 2


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866"])
@pytest.mark.parametrize("capitals", [False, True], ids=["as typed", "capitals"])
def test_csv_in_koi8_r_or_dos_encoding_is_read(encoding, capitals):
    """A registry in KOI8-R (a Linux program) or CP866 (DOS school software) was read as Windows-1251: its header
    came out as gibberish («МЮГБЮМХЕ» for «Название»), and the check found no «Название» column."""
    from kb.bulkimport.registry import read_registry

    title = "Ёлочка знаний, или школьное научное общество; опыт"
    values = row("A-1", title.upper() if capitals else title, organisation="МАОУ СОШ 1 г. Копейска")
    registry = read_registry(csv_bytes([values], ";", encoding), 100)
    assert set(registry.columns) >= {"external_id", "title", "region", "levels", "files"}
    assert registry.rows[0].values["title"] == (title.upper() if capitals else title)
    assert registry.rows[0].values["region"] == "Челябинская область"


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff\xfe" + "Название;Год\r\nx;1".encode("utf-16-le") + b"\x00", "в кодировке UTF-16 повреждён (байт 37)"),
    (b"\xff\xfe" + "Название;Год\r\n".encode("utf-16-le") + b"\x00\xd8x\x00", "в кодировке UTF-16 повреждён"),
    (b"\xff\xfe" + "Название;Год\r\nx\x00;1".encode("utf-16-le"), "не похож на таблицу CSV"),
    ("Название;Год\n\"".encode() + b"a" * (4 * 1024 * 1024 + 1) + b'";2020\n',
     "(строка 2): ячейка длиннее 4\u00a0194\u00a0304 знаков."),
])
def test_a_registry_that_cannot_be_decoded_or_parsed_gets_a_russian_message(app, client, make_user, data, message):
    """A UTF-16 file cut short or holding half of a character was a 500 (UnicodeDecodeError); the CSV reader's
    own words («field larger than field limit») reached the page in English."""
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError) as refused:
        read_registry(data, 100)
    assert message in str(refused.value)
    if len(data) > 500 * 1024:  # the test client would spool the body to a file it never closes
        return
    sign_in(client, make_user("admin"))
    response = upload(client, data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert practices(app) == []


def test_hidden_sheets_before_the_first_visible_one_are_passed_over_with_a_warning():
    """Offices keep old rows or drop-down lists on a hidden first sheet: the import took that sheet, which the
    person checking the preview never saw, and none of the visible one."""
    from openpyxl import load_workbook

    from kb.bulkimport.registry import read_registry

    workbook = load_workbook(io.BytesIO(xlsx_bytes([row("H-1", "Старая скрытая строка")])))
    workbook.active.title = "Архив"
    workbook.active.sheet_state = "hidden"
    visible = workbook.create_sheet("Реестр")
    visible.append(HEADER)
    visible.append(row("V-1", "Практика с видимого листа"))
    workbook.active = 1
    out = io.BytesIO()
    workbook.save(out)
    registry = read_registry(out.getvalue(), 100)
    assert [r.values["title"] for r in registry.rows] == ["Практика с видимого листа"]
    assert registry.warnings[0] == "Скрытые листы пропущены («Архив»): прочитан лист «Реестр»."


def test_header_variants_and_unknown_columns():
    from kb.bulkimport.registry import read_registry

    data = "  НАЗВАНИЕ :;Трудоемкость;Авторы (ФИО, должность);Цели и задачи;Примечание\nТема;8 часов;Иванова;Цель;x\n"
    registry = read_registry(data.encode("utf-8"), 100)
    assert set(registry.columns) == {"title", "labor_intensity", "authors", "goal_tasks"}
    assert registry.warnings == ["Столбец «Примечание» не распознан и пропущен."]
    assert registry.rows[0].values["labor_intensity"] == "8 часов"


@pytest.mark.parametrize(("data", "message"), [
    (b"", "пустой"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "XLS"),
    ("Аннотация;Год\nтекст;2020\n".encode(), "нет столбца «Название»"),
    ("Название\n".encode(), "только заголовки"),
    (b"PK\x03\x04broken", "XLSX повреждён"),
])
def test_unusable_files_are_refused_with_a_message(data, message):
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError, match=message):
        read_registry(data, 100)


SHEET = "xl/worksheets/sheet1.xml"
# Registries that open and fail only while their rows are read (read-only openpyxl parses a row at a time);
# each gave a 500 on the import page before.
DAMAGED_SHEETS = {
    "number": lambda b: b.replace(b"<v>2023</v>", b"<v>NaN</v>"),
    "cut": lambda b: b[:len(b) * 2 // 3],
    "coordinate": lambda b: b.replace(b'r="K2"', b'r="K-"'),
    "character": lambda b: b.replace(b"<v>2023</v>", b"<v>&#0;</v>"),
}


def damaged_registry(change) -> bytes:
    return rewrite_part(xlsx_bytes([row("d-1", "Практика из повреждённого реестра")]), SHEET, change)


@pytest.mark.parametrize("damage", list(DAMAGED_SHEETS))
def test_a_sheet_damaged_inside_is_refused_with_a_message(damage):
    from kb.bulkimport.registry import RegistryError, read_registry

    data = damaged_registry(DAMAGED_SHEETS[damage])
    assert data != xlsx_bytes([row("d-1", "Практика из повреждённого реестра")])
    with pytest.raises(RegistryError, match="Файл XLSX повреждён"):
        read_registry(data, 100)


def test_parts_that_unpack_to_more_than_they_declare_are_read_only_to_their_declared_size(tmp_path):
    """A file in the ZIP of files, and a part of an XLSX registry, whose compressed bytes go on to 150 MB of zeros
    past the size and CRC their headers give: ZipFile.read unpacked all of it (2 GB for a 1 MB ZIP)."""
    from kb.bulkimport.archive import FileArchive
    from kb.bulkimport.registry import read_registry

    document = docx_bytes("Отчёт о практике.")
    path = Path(write(tmp_path, "files.zip", lying_part(zip_bytes({"a.docx": document}), "a.docx", 150 << 20)))
    assert path.stat().st_size < 1 << 20
    archive = FileArchive(path, 25 << 20)
    found: list[bytes] = []
    assert peak_memory(lambda: found.append(archive.read(archive.find("a.docx")))) < 30 << 20
    archive.close()
    assert found == [document]

    registry = xlsx_bytes([row("L-1", "Практика из реестра с лишним внутри")])
    lying = lying_part(registry, "xl/theme/theme1.xml", 150 << 20)
    rows: list = []
    assert peak_memory(lambda: rows.append(read_registry(lying, 100))) < 30 << 20
    assert rows == [read_registry(registry, 100)]


def test_row_limit():
    from kb.bulkimport.registry import RegistryError, read_registry

    data = csv_bytes([row(f"L-{i}", f"Практика {i}") for i in range(6)])
    assert len(read_registry(data, 6).rows) == 6
    with pytest.raises(RegistryError, match="больше 5 строк"):
        read_registry(data, 5)
    with pytest.raises(RegistryError, match="больше 1 строки:"):  # not «больше 1 строк»
        read_registry(data, 1)


def test_xlsx_keeps_cell_types():
    from kb.bulkimport.registry import read_registry

    rows = [row(17, "Практика", year=2021), row("X", "Вторая", year=dt.datetime(2020, 5, 1))]
    registry = read_registry(xlsx_bytes(rows), 100)
    assert registry.rows[0].values["external_id"] == 17
    assert registry.rows[0].values["year"] == 2021
    assert isinstance(registry.rows[1].values["year"], dt.datetime)


def test_excel_errors_and_uncalculated_formulas_fail_their_row_naming_the_cell(app, runner, make_user, tmp_path):
    """A cached «#REF!» or «#DIV/0!» was taken as the cell's text (a practice titled «#REF!»), and a formula a
    script wrote without its value as an empty cell («Не указано название практики»)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Внешний идентификатор", "Название", "Год"])
    sheet.append(["X-1", "#REF!", 2023])                      # an error Excel cached (openpyxl writes it so)
    sheet.append(["X-2", "Деление", "#DIV/0!"])
    sheet.append(["X-3", '=CONCATENATE("Практика ", "3")'])  # a formula with no value: a file from a script
    sheet.append(["X-4", '=CONCATENATE("Практика ", "4")'])  # …and one Excel calculated (below)
    out = io.BytesIO()
    workbook.save(out)
    data = rewrite_part(out.getvalue(), "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        rb'<c r="B5"><f>(.*?)</f><v\s*/?>(?:</v>)?', '<c r="B5" t="str"><f>\\1</f><v>Практика 4</v>'.encode(), xml))
    make_user("admin")
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.xlsx", data)])
    assert "Ячейка B2: ошибка Excel #REF! — исправьте её в таблице." in result.output
    assert "Ячейка C3: ошибка Excel #DIV/0! — исправьте её в таблице." in result.output
    assert ("Ячейка B4: формула без вычисленного значения — откройте и сохраните файл в Excel."
            in result.output)
    assert "Не указано название практики" not in result.output
    assert [(p.external_id, p.title) for p in practices(app)] == [("X-4", "Практика 4")]


def test_a_merged_cell_gives_its_value_to_every_row_of_its_range(app, runner, make_user, tmp_path):
    """openpyxl's read-only mode gives a merged range's value to its first cell only: the practices of the rows
    below were loaded without the organisation, region and year the sheet shows for them, and nothing said so."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Внешний идентификатор", "Название", "Организация", "Регион", "Год"])
    sheet.append(["M-1", "Первая", "МАОУ «СОШ № 5»", "Челябинская область", 2022])
    sheet.append(["M-2", "Вторая"])
    sheet.append(["M-3", "Третья", "Гимназия № 2"])
    for cells in ("C2:C3", "D2:D4", "E2:E3"):
        sheet.merge_cells(cells)
    out = io.BytesIO()
    workbook.save(out)
    make_user("admin")
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.xlsx", out.getvalue())])
    assert result.exit_code == 0, result.output
    assert "Объединённые ячейки (C2:C3, D2:D4, E2:E3): значение каждой взято для всех её строк." in result.output
    assert [(p.organisation, p.region_code, p.year) for p in practices(app)] == [
        ("МАОУ «СОШ № 5»", "RU-CHE", 2022), ("МАОУ «СОШ № 5»", "RU-CHE", 2022), ("Гимназия № 2", "RU-CHE", None)]


@pytest.mark.parametrize(("value", "year", "error"), [
    (2023, 2023, None), (2023.0, 2023, None), ("2023", 2023, None), (" 2021 г.", 2021, None), (None, None, None),
    ("две тысячи", None, "«две тысячи» — не год"), (2023.5, None, "не год"), (True, None, "не год"),
    ("20 23", None, "не год"), (1812, None, "вне допустимого диапазона"), (3000, None, "вне допустимого"),
])
def test_year_of_any_cell_type(value, year, error):
    from kb.bulkimport.services import parse_year

    found, message = parse_year(value, [])
    assert found == year
    assert (message is None) if error is None else (error in message)


def test_year_from_a_date_cell_is_taken_with_a_warning():
    from kb.bulkimport.services import parse_year

    warnings: list[str] = []
    assert parse_year(dt.datetime(2019, 9, 1), warnings) == (2019, None)
    assert "01.09.2019" in warnings[0]


# -- command line ------------------------------------------------------------------------------------------


def test_dry_run_reports_and_writes_nothing(app, runner, make_user, tmp_path):
    make_user("admin")
    path = write(tmp_path, "реестр.csv", csv_bytes([
        row("A-1", "ШНО в начальной школе"), row("A-2", "Вторая", region="Челябинска обл")]))
    with app.app_context():
        outbox_before = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    result = runner.invoke(args=["import-practices", path, "--dry-run"])
    assert result.exit_code == 1
    assert "Строка 2 [A-1]: будет создана" in result.output
    assert "Регион «Челябинска обл» не найден в словаре. Возможно, имелось в виду: «Челябинская область»." \
        in result.output
    assert "будет создано 1" in result.output
    assert practices(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == outbox_before


def test_real_run_creates_drafts_and_rerun_updates_without_duplicates(app, runner, make_user, tmp_path):
    admin = make_user("admin")
    data = [row("A-1", "ШНО в начальной школе"), row("A-2", "Олимпиадная подготовка", topics="Олимпиады и конкурсы",
                                                       levels="ООО; СОО", subjects="Физика")]
    path = write(tmp_path, "реестр.csv", csv_bytes(data))
    result = runner.invoke(args=["import-practices", path])
    assert result.exit_code == 0, result.output
    assert "создано 2" in result.output
    first, second = practices(app)
    assert (first.external_id, first.status, first.owner_id) == ("A-1", "draft", admin)
    assert first.region_code == "RU-CHE" and first.municipality.name == "Копейский городской округ"
    assert [a.name for a in first.authors] == ["Иванова Анна Петровна", "Петров П. П."]
    assert [a.position for a in first.authors] == ["учитель начальных классов", "директор"]
    assert [t.code for t in first.topics] == ["school_science_society"]
    assert [lv.code for lv in second.levels] == ["basic", "secondary"]
    assert (first.year, first.spread_level, first.event) == (2023, "municipality", "Городской семинар")

    data[0] = row("A-1", "ШНО в начальной школе", annotation="Новая аннотация после экспертизы.")
    write(tmp_path, "реестр.csv", csv_bytes(data))
    again = runner.invoke(args=["import-practices", path])
    assert again.exit_code == 0, again.output
    assert "Строка 2 [A-1]: обновлена" in again.output and "Строка 3 [A-2]: без изменений" in again.output
    after = practices(app)
    assert [p.id for p in after] == [first.id, second.id]
    assert after[0].annotation == "Новая аннотация после экспертизы."
    assert len(after[0].versions) == 1 and "Школьное научное" in after[0].versions[0].snapshot["annotation"]

    with app.app_context():
        outbox_before = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    third = runner.invoke(args=["import-practices", path])
    assert third.exit_code == 0 and "без изменений 2" in third.output
    with app.app_context():  # nothing changed, so nothing is written, not even for the index
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == outbox_before
    assert len(practices(app)[0].versions) == 1


def test_columns_absent_from_the_file_keep_stored_values(app, runner, make_user, tmp_path):
    make_user("admin")
    runner.invoke(args=["import-practices", write(tmp_path, "full.csv", csv_bytes([row("K-1", "Практика")]))])
    short = "Внешний идентификатор;Название;Год\nK-1;Практика (уточнено);2024\n".encode()
    result = runner.invoke(args=["import-practices", write(tmp_path, "short.csv", short)])
    assert result.exit_code == 0, result.output
    (practice,) = practices(app)
    assert (practice.title, practice.year) == ("Практика (уточнено)", 2024)
    assert practice.annotation.startswith("Школьное научное") and [t.code for t in practice.topics]


def test_bad_rows_are_reported_and_do_not_stop_the_others(app, runner, make_user, tmp_path):
    make_user("admin")
    rows = [
        row("B-1", "Хорошая первая"),
        row("B-2", "Регион с опечаткой", region="Челябинска обл"),
        row("B-3", "Год словами", year="две тысячи"),
        row("B-4", ""),
        row("B-5", "Неизвестная тема", topics="Олимпиадды", levels="Начальное общее; Основное"),
        row("B-1", "Повтор идентификатора"),
        row("B-6", "Хорошая последняя"),
    ]
    result = runner.invoke(args=["import-practices", write(tmp_path, "реестр.xlsx", xlsx_bytes(rows))])
    assert result.exit_code == 1
    assert "Возможно, имелось в виду: «Челябинская область»" in result.output
    assert "Год «две тысячи» — не год" in result.output
    assert "Строка 5 [B-4]: ошибка" in result.output and "Не указано название практики." in result.output
    # a value the vocabulary does not have is named, and its row loads without it
    assert ("предупреждение: Темы: значение «Олимпиадды» не найдено в словаре и не загружено. Возможно, имелось в "
            "виду: «Олимпиады и конкурсы».") in result.output
    assert "уже встречался в строке 2" in result.output
    assert "Строк с ошибками: 4 из 7." in result.output
    assert [(p.external_id, p.title) for p in practices(app)] == [("B-1", "Хорошая первая"),
                                                                   ("B-5", "Неизвестная тема"),
                                                                   ("B-6", "Хорошая последняя")]
    assert practices(app)[1].topics == []


def test_levels_accept_short_names_and_an_unknown_topic_is_left_out(app, runner, make_user, tmp_path):
    make_user("admin")
    rows = [row("C-1", "Уровни", levels="начальное общее; ООО; Дошкольное"),
            row("C-2", "Олимпиадный клуб", topics="Олимпиады; Космос")]
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.csv", csv_bytes(rows))])
    assert result.exit_code == 0
    assert "Темы: значение «Космос» не найдено в словаре и не загружено." in result.output
    first, second = practices(app)
    assert [lv.code for lv in first.levels] == ["preschool", "primary", "basic"]
    assert [topic.code for topic in second.topics] == ["olympiads"]


def test_a_row_failing_while_written_is_rolled_back_alone(app, runner, make_user, tmp_path):
    """The real run reads each file once, in the attachments service: a broken DOCX fails its row inside the row's
    savepoint, and the practice of that row is not left behind half-written."""
    make_user("admin")
    broken = docx_bytes("текст")[:400]
    archive = write(tmp_path, "files.zip", zip_bytes({"хороший.docx": docx_bytes(f"Отчёт: {WORD}."),
                                                     "битый.docx": broken}))
    rows = [row("D-1", "С хорошим файлом", files="хороший.docx"), row("D-2", "С битым файлом", files="битый.docx"),
            row("D-3", "Без файлов")]
    registry = write(tmp_path, "r.csv", csv_bytes(rows))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 1
    assert "Строка 3 [D-2]: ошибка" in result.output
    # a DOCX cut short is damaged, not «Неподдерживаемый тип файла: архив (ZIP)»
    assert "«битый.docx»: Файл повреждён: не удаётся прочитать его содержимое." in result.output
    imported = practices(app)
    assert [p.external_id for p in imported] == ["D-1", "D-3"]
    assert [a.original_name for a in imported[0].attachments] == ["хороший.docx"]
    assert WORD in imported[0].attachments[0].text


def test_a_registrys_file_of_bytes_no_check_knows_is_told_it_is_not_what_it_is_named(app, runner, make_user,
                                                                                     tmp_path):
    """Binary data named .pdf in the registry's ZIP was «Неподдерживаемый тип файла. Принимаются: PDF, …»."""
    from tests.test_attachments import NOTHING_KNOWN

    make_user("admin")
    archive = write(tmp_path, "files.zip", zip_bytes({"отчёт.pdf": NOTHING_KNOWN}))
    registry = write(tmp_path, "r.csv", csv_bytes([row("B-1", "С файлом", files="отчёт.pdf")]))
    for extra in (["--dry-run"], []):
        result = runner.invoke(args=["import-practices", registry, "--attachments", archive, *extra])
        assert result.exit_code == 1
        assert ("Файл «отчёт.pdf»: Файл назван как PDF, но это не PDF-документ (возможно, он повреждён или "
                "переименован).") in result.output, result.output
        assert "Неподдерживаемый тип" not in result.output
    assert practices(app) == []


def test_files_with_a_nul_in_their_text_are_imported(app, runner, make_user, tmp_path):
    """An RTF's «\\'00», a zero byte in a text file past its first 8 KB: the NUL in the extracted text made
    PostgreSQL refuse the row («Строку не удалось записать в базу данных»)."""
    make_user("admin")
    archive = write(tmp_path, "files.zip", zip_bytes({
        "план.rtf": rb"{\rtf1\ansi\ansicpg1251 \'cf\'eb\'e0\'ed \'00 \'f3\'f0\'ee\'ea\'e0\par}",
        "заметки.txt": ("Методическая разработка урока. " * 300).encode() + "\x00 конец".encode()}))
    registry = write(tmp_path, "r.csv", csv_bytes([row("N-1", "С файлами", files="план.rtf; заметки.txt")]))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 0, result.output
    assert "не удалось записать" not in result.output
    (practice,) = practices(app)
    texts = sorted(a.text for a in practice.attachments)
    assert texts[1] == "План урока" and texts[0].endswith("урока. конец")


def test_a_failed_row_leaves_no_file_on_disk(app, runner, make_user, tmp_path):
    """A row's first file is stored, its second is broken: the row's savepoint is rolled back, and the stored file,
    which no attachment uses now, is deleted when the import commits (it used to stay on the disk for good)."""
    make_user("admin")
    kept, dropped = docx_bytes(f"Отчёт: {WORD}."), docx_bytes("Отчёт строки, которая не загрузится.")
    archive = write(tmp_path, "files.zip", zip_bytes({"хороший.docx": kept, "второй.docx": dropped,
                                                     "битый.docx": docx_bytes("текст")[:400]}))
    rows = [row("F-1", "С хорошим файлом", files="хороший.docx"),
            row("F-2", "С хорошим и битым файлом", files="второй.docx; битый.docx")]
    registry = write(tmp_path, "r.csv", csv_bytes(rows))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 1 and "Строка 3 [F-2]: ошибка" in result.output
    assert [p.external_id for p in practices(app)] == ["F-1"]
    stored = [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    assert [p.read_bytes() for p in stored] == [kept]


def test_the_files_of_an_import_are_looked_after_at_its_commit_not_at_each_row(app, runner, make_user, tmp_path,
                                                                             monkeypatch):
    """Each row's savepoint fired the after-commit cleanup: from another connection it took the row's new file for
    unused and tried to delete it, waiting 2 s for the lock each time («An unused file was not deleted»)."""
    from kb.attachments import services as attachments

    calls: list[set[str]] = []
    real = attachments.delete_unused_files
    monkeypatch.setattr(attachments, "delete_unused_files", lambda digests: calls.append(set(digests)) or real(digests))
    make_user("admin")
    files = {f"отчёт{i}.docx": docx_bytes(f"Отчёт номер {i}: {WORD}.") for i in range(3)}
    archive = write(tmp_path, "files.zip", zip_bytes(files))
    registry = write(tmp_path, "r.csv", csv_bytes([row(f"S-{i}", f"Практика {i}", files=f"отчёт{i}.docx")
                                                   for i in range(3)]))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 0, result.output
    assert calls == []  # every file written is used: nothing to delete, and no attempt made
    assert sorted(p.read_bytes() for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()) \
        == sorted(files.values())


def test_an_import_rolled_back_after_its_rows_leaves_no_file_on_disk(app, make_user, tmp_path):
    """The files written were forgotten at each row's savepoint: an import rolled back as a whole afterwards left
    them on the disk, used by no attachment."""
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import open_archive, run_import

    admin = make_user("admin")
    archive = write(tmp_path, "files.zip", zip_bytes({"a.docx": docx_bytes("Первый."),
                                                     "b.docx": docx_bytes("Второй.")}))
    registry = read_registry(csv_bytes([row("R-1", "Первая", files="a.docx"), row("R-2", "Вторая", files="b.docx")]),
                             100)
    with app.app_context():
        files = open_archive(Path(archive))
        report = run_import(db.session.get(User, admin), registry, files, dry_run=False)
        files.close()
        assert report.count("create") == 2
        assert len([p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]) == 2
        db.session.rollback()
        assert [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()] == []
    assert practices(app) == []


def test_the_check_finds_the_files_without_extracting_their_text(app, runner, make_user, tmp_path, monkeypatch):
    """The check extracted the text of every file of the ZIP: on the site, 25 PDFs of 40 pages ran past the web
    server's 30 s limit. It now looks at their type and at what their format tells up front (a password)."""
    from pypdf import PdfWriter

    from kb.attachments.extract import EXTRACTORS

    extracted: list[int] = []
    monkeypatch.setitem(EXTRACTORS, "docx", lambda data: extracted.append(len(data)) or "текст")
    make_user("admin")
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("пароль")
    locked = io.BytesIO()
    writer.write(locked)
    archive = write(tmp_path, "files.zip", zip_bytes({"отчёт.docx": docx_bytes(f"Отчёт: {WORD}."),
                                                     "закрытый.pdf": locked.getvalue(),
                                                     "тайный.docx": patch_entry(docx_bytes("текст"),
                                                                                "word/document.xml", flag=0x1)}))
    rows = [row("E-1", "С отчётом", files="отчёт.docx"), row("E-2", "С паролем", files="закрытый.pdf"),
            row("E-3", "С зашифрованной частью", files="тайный.docx")]
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.csv", csv_bytes(rows)), "--attachments",
                                 archive, "--dry-run"])
    assert extracted == []
    assert "Строка 2 [E-1]: будет создана" in result.output
    assert "Файл «закрытый.pdf»: PDF защищён паролем" in result.output
    assert "Файл «тайный.docx»: Файл зашифрован паролем" in result.output
    assert "с ошибками 2" in result.output


def test_hostile_zip_entries_are_refused_one_by_one(app, runner, make_user, tmp_path):
    make_user("admin")
    good = docx_bytes(f"Отчёт: {WORD}.")
    data = zip_bytes({"папка/хороший.docx": good, "../../злой.docx": good, "тайный.docx": good,
                      "бомба.txt": b"0" * (5 * 1024 * 1024), "лгун.txt": "правдивый текст ".encode() * 100})
    data = patch_entry(data, "тайный.docx", flag=0x1)
    data = patch_entry(data, "лгун.txt", declared_size=10)
    rows = [row("Z-1", "Хороший", files="хороший.docx"), row("Z-2", "Обход путей", files="злой.docx"),
            row("Z-3", "Зашифрованный", files="тайный.docx"), row("Z-4", "Бомба", files="бомба.txt"),
            row("Z-5", "Лгун", files="лгун.txt"), row("Z-6", "Нет файла", files="пропал.docx")]
    registry = write(tmp_path, "r.csv", csv_bytes(rows))
    archive = write(tmp_path, "files.zip", data)

    dry = runner.invoke(args=["import-practices", registry, "--attachments", archive, "--dry-run"])
    assert "Строка 2 [Z-1]: будет создана" in dry.output
    assert "ведёт за пределы архива" in dry.output
    assert "зашифрован паролем" in dry.output
    assert "похоже на архив-бомбу" in dry.output
    assert "не удаётся его распаковать" in dry.output
    assert "файла «пропал.docx» нет в архиве" in dry.output
    assert "с ошибками 5" in dry.output
    assert practices(app) == []

    real = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert real.exit_code == 1
    (practice,) = practices(app)
    assert practice.external_id == "Z-1" and [a.original_name for a in practice.attachments] == ["хороший.docx"]
    with app.app_context():
        assert not list(Path(app.config["UPLOAD_DIR"]).rglob("злой.docx"))
    assert not (tmp_path / "злой.docx").exists()


def test_published_import_appears_in_search_and_rerun_does_not_attach_twice(app, runner, make_user, tmp_path):
    make_user("admin")
    archive = write(tmp_path, "files.zip", zip_bytes({"отчёт.docx": docx_bytes(f"Отчёт об опыте: {WORD} метод.")}))
    registry = write(tmp_path, "r.xlsx", xlsx_bytes([row("P-1", "Опубликованная из реестра", files="Отчёт.docx")]))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive, "--publish"])
    assert result.exit_code == 0, result.output
    assert "создана, опубликована" in result.output
    (practice,) = practices(app)
    assert practice.status == "published" and practice.published_at is not None
    assert [t.to_status for t in practice.transitions] == ["submitted", "published"]
    page = app.test_client().get(f"/search?q={WORD}").get_data(as_text=True)
    assert "Опубликованная из реестра" in page
    again = runner.invoke(args=["import-practices", registry, "--attachments", archive, "--publish"])
    assert again.exit_code == 0 and "без изменений" in again.output
    assert len(practices(app)[0].attachments) == 1


def test_an_attached_rtf_with_an_emoji_is_imported(app, runner, make_user, tmp_path):
    """An RTF's emoji (a surrogate pair in Word's RTF) failed the row: the text could not be stored."""
    make_user("admin")
    archive = write(tmp_path, "files.zip", zip_bytes({"отчёт.rtf": rtf_bytes(f"Отчёт 😀 {WORD}")}))
    registry = write(tmp_path, "r.xlsx", xlsx_bytes([row("P-1", "Практика с RTF", files="отчёт.rtf")]))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 0, result.output
    assert "создано 1" in result.output
    (practice,) = practices(app)
    assert [a.text for a in practice.attachments] == [f"Отчёт 😀 {WORD}"]


def test_command_needs_a_moderator(app, runner, make_user, tmp_path):
    path = write(tmp_path, "r.csv", csv_bytes([row("T-1", "Практика")]))
    assert "нет администратора" in runner.invoke(args=["import-practices", path]).output
    make_user("teacher", email="t@example.org")
    result = runner.invoke(args=["import-practices", path, "--user", "t@example.org"])
    assert result.exit_code == 1 and "только методисты и администраторы" in result.output
    assert practices(app) == []


def test_the_command_loads_an_offices_registry_into_its_numbering_with_user(app, runner, make_user, tmp_path):
    """The server's administrator loads an office's registry for it: with --user of its methodist the ids go
    into the office's numbering (the office's own later loads find them); without, into the bank-wide one."""
    make_user("admin")
    make_user("methodist", email="m@example.org", scope_region="RU-CHE")
    path = write(tmp_path, "r.csv", csv_bytes([row("1", "Практика службы")]))
    assert runner.invoke(args=["import-practices", path, "--user", "m@example.org"]).exit_code == 0
    assert runner.invoke(args=["import-practices", path]).exit_code == 0
    assert [(p.external_scope, p.external_id) for p in practices(app)] == [("region:RU-CHE", "1"), ("", "1")]


def test_ids_excel_turned_into_numbers_do_not_create_second_practices(app, runner, make_user, tmp_path):
    """A registry loaded from a CSV with ids «001» and «1.10», then re-saved in Excel: the cells became the numbers
    1 and 1.1, found no practice and created two more (with a mere «Похожая практика уже есть…»). A numeric cell
    equal as a number to a stored id of the office's numbering is refused, naming that id; an exact id or another
    office's numbering is not."""
    make_user("methodist", email="m@example.org", scope_region="RU-CHE")
    make_user("admin", email="admin@example.org")
    text = [row("001", "Практика с номером ноль ноль один"), row("1.10", "Практика с номером один точка десять"),
            row("7", "Практика с номером семь")]
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.csv", csv_bytes(text)),
                                 "--user", "m@example.org"])
    assert result.exit_code == 0, result.output
    first, second, seventh = practices(app)

    numbers = [row(1, "Практика с номером ноль ноль один"), row(1.1, "Практика с номером один точка десять"),
               row(7, "Практика с номером семь", annotation="Новая аннотация."), row(2, "Новая практика")]
    path = write(tmp_path, "r.xlsx", xlsx_bytes(numbers))
    again = runner.invoke(args=["import-practices", path, "--user", "m@example.org"])
    assert again.exit_code == 1 and "Строка 2 [1]: ошибка — строка не загружена" in again.output
    assert (f"ошибка: Внешний идентификатор «1» похож на «001» практики №{first.id}, уже загруженной: Excel мог "
            "убрать нули. Исправьте идентификатор в файле (формат ячейки «Текстовый») и загрузите реестр ещё "
            "раз.") in again.output
    assert f"ошибка: Внешний идентификатор «1.1» похож на «1.10» практики №{second.id}," in again.output
    assert "Строка 4 [7]: обновлена" in again.output and "Строка 5 [2]: создана" in again.output
    after = practices(app)
    assert [(p.id, p.external_id) for p in after[:3]] == [(first.id, "001"), (second.id, "1.10"), (seventh.id, "7")]
    assert [p.external_id for p in after[3:]] == ["2"], "no practice «1» or «1.1»"

    bank_wide = runner.invoke(args=["import-practices", path, "--user", "admin@example.org"])
    assert bank_wide.exit_code == 0 and "создано 4" in bank_wide.output, "the office's numbering is apart"


CSV_ZEROS = ("Excel или LibreOffice мог убрать нули, когда сохранял файл CSV. Исправьте идентификатор в файле "
             "(в программе таблиц задайте столбцу формат «Текстовый» и впишите идентификатор заново) и загрузите "
             "реестр ещё раз.")


def test_ids_excel_stripped_in_a_csv_do_not_create_second_practices(app, runner, make_user, tmp_path):
    """A CSV registry opened and saved again in Excel holds the text «1» where «001» was, «2.5» where «2.50» was:
    a CSV's id was compared as it is and created a second practice. An id written as a spreadsheet writes a
    number, equal as a number to a stored id of the office's numbering but another text, is refused naming that
    id, as a numeric cell of an XLSX is; an id typed exactly finds its practice («1.1» and «1.10» stay two)."""
    make_user("methodist", email="m@example.org", scope_region="RU-CHE")
    typed = [row("001", "Практика ноль ноль один"), row("1.10", "Практика один точка десять"),
             row("1.1", "Практика один точка один"), row("2.50", "Практика два пятьдесят"),
             row("0020", "Практика двадцать")]
    path = write(tmp_path, "r.csv", csv_bytes(typed))
    assert runner.invoke(args=["import-practices", path, "--user", "m@example.org"]).exit_code == 0
    first, tenth, one_one, two_fifty, twenty = practices(app)
    again = runner.invoke(args=["import-practices", path, "--user", "m@example.org"])
    assert again.exit_code == 0 and "создано 0" in again.output, again.output

    resaved = [row("1", "Практика ноль ноль один"), row("1.1", "Практика один точка один", annotation="Новая."),
               row("2.5", "Практика два пятьдесят"), row("20", "Практика двадцать"), row("3", "Новая практика")]
    result = runner.invoke(args=["import-practices", write(tmp_path, "r2.csv", csv_bytes(resaved)),
                                 "--user", "m@example.org"])
    assert result.exit_code == 1 and "Строка 2 [1]: ошибка — строка не загружена" in result.output
    assert (f"ошибка: Внешний идентификатор «1» похож на «001» практики №{first.id}, уже загруженной: {CSV_ZEROS}"
            in result.output), result.output
    assert f"Внешний идентификатор «2.5» похож на «2.50» практики №{two_fifty.id}," in result.output
    assert f"Внешний идентификатор «20» похож на «0020» практики №{twenty.id}," in result.output
    assert "Строка 3 [1.1]: обновлена" in result.output and "Строка 6 [3]: создана" in result.output
    after = practices(app)
    assert [(p.id, p.external_id) for p in after[:5]] == [
        (first.id, "001"), (tenth.id, "1.10"), (one_one.id, "1.1"), (two_fifty.id, "2.50"), (twenty.id, "0020")]
    assert [p.external_id for p in after[5:]] == ["3"], "no practice «1», «2.5» or «20»"
    assert after[2].annotation == "Новая." and after[1].annotation != "Новая."


@pytest.mark.parametrize("text", ["01", "1.0", "+1", "1e0", "Р-1"])
def test_a_csv_id_no_spreadsheet_writes_for_a_number_is_compared_as_it_is(app, runner, make_user, tmp_path, text):
    """Only the text a spreadsheet writes for a number (no zeros before it, none at the end of its fraction)
    is one it may have stripped: another is an id as typed, a new practice beside «001»."""
    make_user("methodist", email="m@example.org", scope_region="RU-CHE")
    first = write(tmp_path, "r.csv", csv_bytes([row("001", "Практика ноль ноль один")]))
    assert runner.invoke(args=["import-practices", first, "--user", "m@example.org"]).exit_code == 0
    result = runner.invoke(args=["import-practices", write(tmp_path, "r2.csv", csv_bytes([row(text, "Другая")])),
                                 "--user", "m@example.org"])
    assert "похож на" not in result.output, result.output


# -- web -------------------------------------------------------------------------------------------------


def upload_form(client, registry: bytes, name: str = "реестр.csv", archive: bytes | None = None,
                publish: bool = False) -> dict:
    """The upload form's request, to post with ``client.post(**…)``. The body is encoded here, in memory: the test
    client encodes one over 500 KB into a temporary file it never closes (a ResourceWarning)."""
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    data = {"csrf_token": csrf_from(client, "/import/practices"),
            "registry": FileStorage(io.BytesIO(registry), filename=name)}
    if archive is not None:
        data["attachments"] = FileStorage(io.BytesIO(archive), filename="files.zip")
    if publish:
        data["publish"] = "y"
    boundary, body = encode_multipart(data)
    return {"path": "/import/practices", "data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, registry: bytes, name: str = "реестр.csv", archive: bytes | None = None, publish: bool = False):
    return client.post(**upload_form(client, registry, name, archive, publish))


def wait_for_import(token: str) -> None:
    """Join the background import of this upload (it may have finished already)."""
    for thread in threading.enumerate():
        if thread.name == f"bulkimport-{token}":
            thread.join()


def test_the_check_page_advises_a_new_upload_only_where_it_updates(app, client, make_user):
    """«исправьте их в файле и загрузите его снова: повторная загрузка обновит…, а не создаст дубли» stood above rows
    with no external identifier, which that second upload created again: the advice now says so of them."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    named = upload(client, csv_bytes([row("W-1", "Своя практика"), row("W-2", "Ошибка", region="Нигдения")]))
    page = " ".join(named.get_data(as_text=True).split())
    assert "Исправьте их в файле и загрузите его снова: повторная загрузка обновит" in page
    unnamed = upload(client, csv_bytes([row("", "Без идентификатора"), row("", "Тоже без него"),
                                        row("W-2", "Ошибка", region="Нигдения")]))
    page = " ".join(unnamed.get_data(as_text=True).split())
    assert "загрузите его снова" not in page
    assert ("У 2 строк без ошибок нет внешнего идентификатора: загрузив файл снова, вы создадите их ещё раз. "
            "Исправленные строки загрузите отдельным файлом") in page


def test_page_is_for_moderators_only(app, client, make_user):
    assert client.get("/import/practices").status_code == 302
    sign_in(client, make_user("teacher"))
    assert client.get("/import/practices").status_code == 403
    assert client.get("/import/practices/template.csv").status_code == 403
    assert client.post("/import/practices/" + "a" * 32).status_code in (400, 403)


def test_methodist_checks_then_confirms_rows_in_scope_only(app, client, make_user):
    methodist = make_user("methodist", scope_region="RU-CHE")
    sign_in(client, methodist)
    rows = [row("W-1", "Своя практика"), row("W-2", "Чужая практика", region="Смоленская область"),
            row("W-3", "Регион по умолчанию", region="")]
    response = upload(client, csv_bytes(rows, ",", "cp1251"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Проверка реестра" in page and "будет создана" in page
    assert "вне вашей области модерации" in page
    assert "Регион не указан — взят регион вашей области: Челябинская область." in page
    assert practices(app) == []
    token = re.search(r'action="/import/practices/([A-Za-z0-9_-]+)"', page).group(1)

    assert client.post(f"/import/practices/{token}").status_code == 400  # no CSRF token
    assert practices(app) == []
    other = app.test_client()
    sign_in(other, make_user("methodist", scope_region="RU-CHE"))
    csrf = csrf_from(other, "/import/practices")
    assert other.post(f"/import/practices/{token}", data={"csrf_token": csrf}).status_code == 404

    csrf = csrf_from(client, "/import/practices")
    done = client.post(f"/import/practices/{token}", data={"csrf_token": csrf})
    assert done.status_code == 303 and done.headers["Location"] == f"/import/practices/{token}/progress"
    wait_for_import(token)
    result = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert "Реестр загружен" in result and "создано 2" in result
    imported = practices(app)
    assert [(p.external_id, p.region_code, p.status) for p in imported] == [("W-1", "RU-CHE", "draft"),
                                                                           ("W-3", "RU-CHE", "draft")]
    # The same token cannot run the import twice: a second confirmation only shows the first one's result.
    again = client.post(f"/import/practices/{token}", data={"csrf_token": csrf})
    assert again.status_code == 303 and again.headers["Location"].endswith("/progress")
    assert not [t for t in threading.enumerate() if t.name == f"bulkimport-{token}"]
    assert len(practices(app)) == 2


def test_web_publish_goes_through_the_workflow_and_into_search(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    archive = zip_bytes({"отчёт.docx": docx_bytes(f"Отчёт: {WORD} метод.")})
    page = upload(client, xlsx_bytes([row("S-1", "Из реестра на сайте", files="отчёт.docx")]), "реестр.xlsx",
                  archive, publish=True).get_data(as_text=True)
    assert "будет создана и опубликована" in page
    token = re.search(r'action="/import/practices/([A-Za-z0-9_-]+)"', page).group(1)
    client.post(f"/import/practices/{token}", data={"csrf_token": csrf_from(client, "/import/practices")})
    wait_for_import(token)
    (practice,) = practices(app)
    assert practice.status == "published"
    assert "Из реестра на сайте" in app.test_client().get(f"/search?q={WORD}").get_data(as_text=True)


def test_web_refuses_an_unusable_file_with_a_message(app, client, make_user):
    sign_in(client, make_user("admin"))
    response = upload(client, "Год;Аннотация\n2020;текст\n".encode(), "реестр.csv")
    assert response.status_code == 400
    assert "нет столбца «Название»" in response.get_data(as_text=True)


def test_web_refuses_a_damaged_sheet_and_stores_nothing(app, client, make_user):
    sign_in(client, make_user("admin"))
    response = upload(client, damaged_registry(DAMAGED_SHEETS["number"]), "реестр.xlsx")
    assert response.status_code == 400
    assert "Файл XLSX повреждён" in response.get_data(as_text=True)
    assert practices(app) == []


def test_web_size_limit(app, client, make_user):
    app.config["BULK_IMPORT_MAX_REGISTRY_BYTES"] = 100
    sign_in(client, make_user("admin"))
    response = upload(client, csv_bytes([row("Q-1", "Практика " * 20)]))
    assert response.status_code == 413
    assert "больше" in response.get_data(as_text=True)


def test_web_archive_size_limit_keeps_nothing(app, client, make_user):
    from kb.bulkimport import staging

    app.config["BULK_IMPORT_MAX_ARCHIVE_BYTES"] = 3 * staging.CHUNK
    sign_in(client, make_user("admin"))
    response = upload(client, csv_bytes([row("Q-1", "Практика")]), archive=os.urandom(3 * staging.CHUNK + 1))
    assert response.status_code == 413
    assert "Архив с файлами больше 3 МБ" in response.get_data(as_text=True)
    with app.app_context():
        # the part copied before the limit was reached is gone
        assert not staging.root().exists() or not any(staging.root().iterdir())
    assert practices(app) == []


def test_web_upload_copies_the_archive_to_disk_without_holding_it(app, client, make_user):
    """The page read the whole uploaded archive (up to 100 MB) into the worker's memory before it wrote it to the
    upload's folder; it is copied a megabyte at a time."""
    import tracemalloc

    from kb.bulkimport import staging

    sign_in(client, make_user("admin"))
    archive = os.urandom(16 * staging.CHUNK)  # no ZIP: the check refuses it, after it was kept
    registry = csv_bytes([row("Q-1", "Практика")])
    upload(client, registry, archive=b"warm")  # the page's code and templates loaded before measuring
    form = upload_form(client, registry, archive=archive)
    tracemalloc.start()
    try:
        response = client.post(**form)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 400 and "ZIP" in response.get_data(as_text=True)
    assert peak < len(archive) / 2, f"{peak / 2**20:.1f} MB at the peak for a {len(archive) / 2**20:.0f} MB archive"


def test_templates_download_and_read_back(app, client, make_user):
    from openpyxl import load_workbook

    from kb.bulkimport.registry import read_registry, template_headers

    methodist = make_user("methodist", scope_region="RU-CHE")
    sign_in(client, methodist)
    csv_file = client.get("/import/practices/template.csv")
    assert csv_file.status_code == 200 and csv_file.data.startswith(b"\xef\xbb\xbf")
    registry = read_registry(csv_file.data, 10)
    assert len(registry.columns) == len(template_headers()) and not registry.warnings
    with app.app_context():  # its example row loads as it is (it named a file, and failed without a ZIP)
        from kb.accounts.models import User
        from kb.bulkimport.services import run_import

        report = run_import(db.session.get(User, methodist), registry, dry_run=True)
        assert [row.errors for row in report.rows] == [[]]
    xlsx_file = client.get("/import/practices/template.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx_file.data), read_only=True).worksheets[0]
    assert [c for c in next(sheet.iter_rows(values_only=True))] == template_headers()
    page = client.get("/import/practices").get_data(as_text=True)
    assert "/import/practices/template.xlsx" in page and "Челябинская область" in page
    assert "номера\n  других служб с вашими не пересекаются" in page


def test_readme_example_is_a_valid_registry(app, make_user):
    """The example in the README reads as documented: every column recognised, rows valid but for the ZIP."""
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```csv\n(.*?)```", readme, re.S).group(1)
    registry = read_registry(example.encode("utf-8"), 100)
    assert not registry.warnings and len(registry.rows) == 2
    admin = make_user("admin")
    with app.app_context():
        report = run_import(db.session.get(User, admin), registry, dry_run=True)
        first, second = report.rows
        assert first.errors == ["Файл «описание.docx» указан, но архив с файлами (ZIP) не загружен."]
        assert (second.errors, second.action) == ([], "create")


def test_organisation_methodist_and_ids_taken_outside_the_scope(app, make_user, make_practice):
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    with app.app_context():
        foreign = make_practice("Чужая практика", external_id="F-1", region_code="RU-SMO",
                                organisation="Школа Смоленска")
    methodist = make_user("methodist", scope_region="RU-CHE", scope_organisation="МАОУ «СОШ № 1»")
    rows = [row("O-1", "Своя практика", region="Челябинская область", organisation="маоу «сош № 1»"),
            row("O-2", "Без организации", organisation=""),
            row("O-3", "Другая школа", organisation="МБОУ «Лицей № 2»"),
            row("O-4", "Школа того же имени в Смоленске", region="Смоленская область", organisation="МАОУ «СОШ № 1»"),
            row("F-1", "Своя практика под тем же номером")]
    with app.app_context():
        report = run_import(db.session.get(User, methodist), read_registry(csv_bytes(rows), 100), dry_run=False)
        db.session.commit()
        outcomes = {r.external_id: (r.action, r.errors) for r in report.rows}
        assert outcomes["O-1"] == ("create", [])
        assert outcomes["O-2"][0] == "create"
        assert "вне вашей области модерации" in outcomes["O-3"][1][0]
        assert "вне вашей области модерации" in outcomes["O-4"][1][0]  # the same name, another region
        # the bank-wide F-1 is another school's: this office's own F-1 is a new practice, and that one stays
        assert outcomes["F-1"] == ("create", [])
        assert db.session.get(Practice, foreign).title == "Чужая практика"
    imported = {(p.external_scope, p.external_id): p for p in practices(app)}
    own = "org:RU-CHE:маоу «сош № 1»"
    assert set(imported) == {("", "F-1"), (own, "F-1"), (own, "O-1"), (own, "O-2")}
    assert imported[(own, "O-2")].organisation == "МАОУ «СОШ № 1»"

    with app.app_context():  # an administrator hands the office's O-1 to another school
        db.session.get(Practice, imported[(own, "O-1")].id).organisation = "МБОУ «Лицей № 2»"
        db.session.commit()
        report = run_import(db.session.get(User, methodist),
                            read_registry(csv_bytes([row("O-1", "Своя, исправленная")]), 100), dry_run=False)
        (refused,) = report.rows
        assert refused.errors == [f"Внешний идентификатор «O-1» уже у практики №{imported[(own, 'O-1')].id} вне "
                                  "вашей области."]


def test_two_offices_may_number_their_registries_alike(app, make_user, make_practice):
    """Each office numbers its registry from 1; a load finds the office's own practices by them. One numbered
    bank-wide (an administrator's load, or one made before numbering per office) is found by the office that
    moderates it, and joins its numbering; another office with the same number gets a practice of its own."""
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    with app.app_context():
        earlier = make_practice("Загружена раньше администратором", external_id="3", region_code="RU-CHE")
    chelyabinsk = make_user("methodist", scope_region="RU-CHE")
    smolensk = make_user("methodist", scope_region="RU-SMO")

    def load(user_id: int, rows: list[list[object]]) -> dict[str, tuple[str, int | None, list[str]]]:
        with app.app_context():
            report = run_import(db.session.get(User, user_id), read_registry(csv_bytes(rows), 100), dry_run=False)
            db.session.commit()
            return {r.external_id: (r.action, r.practice_id, r.errors) for r in report.rows}

    first = load(chelyabinsk, [row("1", "Челябинская первая"), row("2", "Челябинская вторая"),
                               row("3", "Загружена раньше, теперь из реестра")])
    second = load(smolensk, [row(str(n), f"Смоленская {n}", region="Смоленская область") for n in (1, 2, 3)])
    assert {k: v[0] for k, v in first.items()} == {"1": "create", "2": "create", "3": "update"}
    assert first["3"][1] == earlier
    assert {k: (v[0], v[2]) for k, v in second.items()} == {str(n): ("create", []) for n in (1, 2, 3)}

    again = load(chelyabinsk, [row("1", "Челябинская первая, исправленная"),
                               row("3", "Загружена раньше, теперь из реестра")])
    assert again["1"] == ("update", first["1"][1], [])
    assert again["3"][:2] == ("unchanged", earlier)
    titles = {(p.external_scope, p.external_id): (p.title, p.region_code) for p in practices(app)}
    assert titles == {
        ("region:RU-CHE", "1"): ("Челябинская первая, исправленная", "RU-CHE"),
        ("region:RU-CHE", "2"): ("Челябинская вторая", "RU-CHE"),
        ("region:RU-CHE", "3"): ("Загружена раньше, теперь из реестра", "RU-CHE"),
        ("region:RU-SMO", "1"): ("Смоленская 1", "RU-SMO"),
        ("region:RU-SMO", "2"): ("Смоленская 2", "RU-SMO"),
        ("region:RU-SMO", "3"): ("Смоленская 3", "RU-SMO"),
    }


def test_the_offices_registry_drafts_are_sent_on_by_any_of_its_methodists(app, make_user, make_practice):
    """A registry load is the office's: a second methodist of the region publishes the drafts the first one loaded,
    by «Опубликовать выбранные» and by a load with «Сразу опубликовать»; a teacher's own draft stays his to send."""
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import
    from kb.practices import policy
    from kb.practices.services import bulk_transition

    first = make_user("methodist", scope_region="RU-CHE")
    second = make_user("methodist", scope_region="RU-CHE")
    teacher = make_user("teacher")
    elsewhere = make_user("methodist", scope_region="RU-SMO")
    with app.app_context():
        report = run_import(db.session.get(User, first), read_registry(csv_bytes([row("К-1", "Первая из реестра"),
                                                                                    row("К-2", "Вторая из реестра")]),
                                                                         100), dry_run=False)
        db.session.commit()
        assert [r.action for r in report.rows] == ["create", "create"]
        own = make_practice("Черновик педагога", status="draft", owner_id=teacher)
    loaded = {p.external_id: p.id for p in practices(app) if p.external_id}
    with app.test_request_context():
        colleague = db.session.get(User, second)
        one = db.session.get(Practice, loaded["К-1"])
        assert one.external_scope == "region:RU-CHE" and one.owner_id == first
        assert policy.can_transition(colleague, one, "submit")
        assert not policy.can_transition(db.session.get(User, elsewhere), one, "submit")
        assert not policy.can_transition(db.session.get(User, teacher), one, "submit")
        outcome = bulk_transition(colleague, [loaded["К-1"], own], "publish", tab="draft")
        db.session.commit()
        assert outcome.done == [loaded["К-1"]]
        assert [r.reason for r in outcome.refused] == ["черновик другого автора: на рассмотрение его отправляет автор"]
        report = run_import(colleague, read_registry(csv_bytes([row("К-2", "Вторая из реестра")]), 100),
                            dry_run=False, publish=True)
        db.session.commit()
        assert [(r.action, r.errors) for r in report.rows] == [("update", [])]
    statuses = {p.id: p.status for p in practices(app)}
    assert statuses == {loaded["К-1"]: "published", loaded["К-2"]: "published", own: "draft"}


def test_a_load_with_publication_links_the_owners_notice_to_the_practice(app, make_user, runner, tmp_path):
    """A colleague's load with publication of the office's drafts tells their owner «Ваша практика … опубликована»:
    the notice had no link (the single action's and «Опубликовать выбранные» have one). The web import runs in a
    background thread and the command in none either: no request to build the address from."""
    from kb.accounts.models import Notification, User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    first = make_user("methodist", email="first@example.org", scope_region="RU-CHE")
    second = make_user("methodist", email="second@example.org", scope_region="RU-CHE")
    rows = [row("К-1", "Первая из реестра"), row("К-2", "Вторая из реестра")]
    with app.app_context():
        run_import(db.session.get(User, first), read_registry(csv_bytes(rows), 100), dry_run=False)
        db.session.commit()
    loaded = {p.external_id: p.id for p in practices(app)}
    with app.app_context():  # as the web import's thread: an app context, no request
        report = run_import(db.session.get(User, second), read_registry(csv_bytes(rows[:1]), 100), dry_run=False,
                            publish=True)
        db.session.commit()
        assert [(r.action, r.errors, r.published) for r in report.rows] == [("update", [], True)]
    # the command, with the site served under a path of its address
    app.config["SITE_URL"] = "https://bank.example.ru/bank"
    registry = write(tmp_path, "r.csv", csv_bytes(rows[1:]))
    result = runner.invoke(args=["import-practices", registry, "--publish", "--user", "second@example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        notices = db.session.execute(select(Notification.message, Notification.link)
                                     .where(Notification.user_id == first).order_by(Notification.id)).all()
    assert notices == [("Ваша практика «Первая из реестра» опубликована.", f"/practices/{loaded['К-1']}"),
                       ("Ваша практика «Вторая из реестра» опубликована.", f"/bank/practices/{loaded['К-2']}")]


def test_archive_without_a_files_column_is_reported(app, runner, make_user, tmp_path):
    make_user("admin")
    registry = write(tmp_path, "r.csv", "Название;Год\nПрактика;2022\n".encode("cp1251"))
    archive = write(tmp_path, "files.zip", zip_bytes({"a.txt": "текст".encode()}))
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive])
    assert result.exit_code == 0, result.output
    assert "в реестре нет столбца «Файлы»" in result.output
    assert "Нет внешнего идентификатора" in result.output
    assert [(p.title, p.year, p.external_id) for p in practices(app)] == [("Практика", 2022, None)]


def test_long_cells_are_read_whole():
    from kb.bulkimport.registry import read_registry

    text = "Технология опыта. " * 20000  # 360 000 characters, above the csv module's default field limit
    registry = read_registry(f"Название;Технология\nПрактика;{text}\n".encode(), 10)
    assert registry.rows[0].values["technology"] == text


def test_control_characters_in_cells_are_left_out():
    """A CSV can carry C0 control characters (a vertical tab from a Word table); the forms leave them out, and
    so does the registry: XML exports of what is stored (DOCX, OAI-PMH) cannot carry them."""
    from kb.bulkimport.registry import cell_text, read_registry, split_list
    from kb.bulkimport.services import parse_authors

    registry = read_registry("Название;Авторы\nПрактика\x0b с\x02 символами ;Иванова\x07 А. П., учитель\x1f\n"
                             .encode(), 10)  # (a NUL makes the file binary: refused as a whole)
    values = registry.rows[0].values
    assert cell_text(values["title"]) == "Практика с символами"
    assert cell_text("Нуль\x00 внутри") == "Нуль внутри"
    assert parse_authors(values["authors"]) == [("Иванова А. П.", "учитель")]
    assert split_list("первый\tпункт;второй\x0c") == ["первый\tпункт", "второй"]


def test_files_in_libreoffice_and_old_office_formats_beside_a_registry_are_attached(app, runner, make_user,
                                                                                     tmp_path):
    """The ZIP beside a registry takes what a practice's page takes: ODS and ODP, and XLS and PPT where catdoc's
    programs are installed, are checked by the dry run and attached with their text by the import."""
    import shutil

    from tests.documents import odp_bytes, ods_bytes, ppt_bytes, xls_bytes

    make_user("admin")
    files = {"итоги.ods": ods_bytes([["Ученик", "Итог"], ["Иванов", f"{WORD} призёр"]]),
             "слайды.odp": odp_bytes([f"Проект: {WORD} опыт"])}
    if shutil.which("xls2csv") and shutil.which("catppt"):
        files |= {"баллы.xls": xls_bytes([["Иванов", f"{WORD} балл"]]), "старые.ppt": ppt_bytes([f"{WORD} слайд"])}
    archive = write(tmp_path, "files.zip", zip_bytes(files))
    registry = write(tmp_path, "r.xlsx", xlsx_bytes([row("P-1", "Практика с таблицами", files="; ".join(files))]))
    checked = runner.invoke(args=["import-practices", registry, "--attachments", archive, "--dry-run"])
    assert checked.exit_code == 0, checked.output
    result = runner.invoke(args=["import-practices", registry, "--attachments", archive, "--publish"])
    assert result.exit_code == 0, result.output
    (practice,) = practices(app)
    attached = {a.original_name: (a.kind, WORD in a.text) for a in practice.attachments}
    assert attached == {name: (name.rsplit(".", 1)[1], True) for name in files}
    assert "Практика с таблицами" in app.test_client().get(f"/search?q={WORD}").get_data(as_text=True)
