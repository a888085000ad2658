"""Reading registries laid out as offices lay them out: a two-level header, several sheets, hidden rows, a web
page saved under an Excel name."""

from __future__ import annotations

import io
import re

import pytest

from tests.test_bulk_import import HEADER, csv_bytes, row


def saved(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def two_level_header() -> bytes:
    """Group headings merged over columns, the columns' names in the second row, the first columns merged over
    both header rows: the common layout of a Russian registry."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Реестр"
    sheet.append(["Код практики", "Название", "Авторы", "Организация", "Описание опыта", None, None])
    sheet.append([None, None, None, None, "Аннотация", "Технология", "Результативность"])
    for column in "ABCD":
        sheet.merge_cells(f"{column}1:{column}2")
    sheet.merge_cells("E1:G1")
    sheet.append(["ДУ-1", "Школьный театр на уроках литературы", "Сафина Л. Р., учитель", "МБОУ «СОШ № 2»",
                  "Театр как способ читать классику.", "Постановки по главам.", "Рост интереса к чтению."])
    sheet.append(["ДУ-2", "Вторая практика", "Иванов И. И.", "МБОУ «СОШ № 3»", "Аннотация второй.", None, None])
    sheet.merge_cells("D3:D4")  # a merged value in the rows of practices is still each row's
    return saved(workbook)


def test_a_two_level_header_names_the_columns_by_its_second_row():
    """The header's cells merged over two rows filled the second header row: it became a practice called
    «Название», and the sections named in the second row were lost («Описание опыта» not recognised, the
    columns under it without a header)."""
    from kb.bulkimport.registry import read_registry

    registry = read_registry(two_level_header(), 100)
    assert registry.columns == {"external_id": "Код практики", "title": "Название", "authors": "Авторы",
                                "organisation": "Организация", "annotation": "Аннотация", "technology": "Технология",
                                "results": "Результативность"}
    assert [(r.number, r.values["title"]) for r in registry.rows] == [
        (3, "Школьный театр на уроках литературы"), (4, "Вторая практика")]
    first, second = (r.values for r in registry.rows)
    assert (first["annotation"], first["technology"], first["results"]) == (
        "Театр как способ читать классику.", "Постановки по главам.", "Рост интереса к чтению.")
    assert second["organisation"] == "МБОУ «СОШ № 2»"
    assert registry.warnings == [
        "Объединённые ячейки (D3:D4): значение каждой взято для всех её строк.",
        "Заголовки столбцов — в двух строках (1 и 2 листа «Реестр»): названия столбцов взяты из нижней строки, где "
        "она заполнена, иначе из верхней."]


def test_a_two_level_header_in_csv_and_a_row_without_a_title_under_the_header():
    """The same header saved as CSV reads the same way; a first practice without a title stays a row of the
    registry (it fails the check), not a second header row."""
    from kb.bulkimport.registry import read_registry

    data = ("Код практики;Название;Описание опыта;;Регион\n;;Аннотация;Технология;\n"
            "А-1;Практика;Текст;Приёмы;Челябинская область\n").encode()
    registry = read_registry(data, 100)
    assert list(registry.columns) == ["external_id", "title", "annotation", "technology", "region"]
    assert [(r.number, r.values["title"], r.values["technology"]) for r in registry.rows] == [
        (3, "Практика", "Приёмы")]

    untitled = "Код практики;Название;Регион\nА-0;;Челябинская область\nА-1;Практика;Челябинская область\n"
    registry = read_registry(untitled.encode(), 100)
    assert [(r.number, r.values["title"]) for r in registry.rows] == [(2, ""), (3, "Практика")]
    assert registry.warnings == []


def test_rows_above_the_header_do_not_hide_rows_past_the_limit():
    """The reading stopped one row past the limit counted from the top: with a title above the headers (or a
    second header row) the last practice of a registry one row too long was dropped without a word."""
    from kb.bulkimport.registry import RegistryError, read_registry

    practices = "".join(f"П-{n};Практика {n}\n" for n in range(1, 5))
    with pytest.raises(RegistryError, match="В реестре больше 3 строк"):
        read_registry(f"Реестр практик на 2024 год\n\nКод практики;Название\n{practices}".encode(), 3)
    with pytest.raises(RegistryError, match="В реестре больше 3 строк"):
        read_registry(f"Код практики;Название;Описание опыта\n;;Аннотация\n{practices}".encode(), 3)


@pytest.mark.parametrize("page", [
    "<html><head><meta charset='utf-8'></head><body><table>\n<tr><td>Название</td><td>Регион</td></tr>\n"
    "<tr><td>Практика из выгрузки АИС</td><td>Республика Татарстан</td></tr>\n</table></body></html>",
    "\ufeff<!DOCTYPE html>\n<html><body><table><tr><td>Название</td></tr></table></body></html>",
    "  <table border=1><tr><th>Название</th></tr><tr><td>Практика</td></tr></table>",
    '<?xml version="1.0"?>\n<!-- выгрузка -->\n<html xmlns="http://www.w3.org/1999/xhtml"><body></body></html>',
])
def test_a_web_page_saved_with_an_excel_name_is_named_as_such(page):
    """An HTML table saved as .xlsx (what school information systems export) got «в строках 1–4 нет столбца
    «Название»», though the table visibly has that column."""
    from kb.bulkimport.registry import RegistryError, read_registry

    bare = page.lstrip("\ufeff")
    for data in (page.encode("utf-8"), bare.encode("cp1251"), bare.encode("utf-16")):
        with pytest.raises(RegistryError) as refused:
            read_registry(data, 100)
        assert str(refused.value) == ("Файл — веб-страница (HTML), а не таблица Excel: откройте его в Excel и "
                                      "сохраните как XLSX.")


@pytest.mark.parametrize(("name", "message"), [
    ("реестр.ods", "Файл — веб-страница (HTML), а не таблица ODS: откройте его в LibreOffice и сохраните как ODS."),
    ("реестр.fods", "Файл — веб-страница (HTML), а не таблица ODS: откройте его в LibreOffice и сохраните как ODS."),
    ("реестр.csv", "Файл — веб-страница (HTML), а не таблица CSV: откройте его в Excel или LibreOffice и сохраните "
                   "как XLSX или CSV."),
    ("реестр.xlsx", "Файл — веб-страница (HTML), а не таблица Excel: откройте его в Excel и сохраните как XLSX."),
    ("", "Файл — веб-страница (HTML), а не таблица Excel: откройте его в Excel и сохраните как XLSX."),
])
def test_a_web_page_named_as_an_ods_or_a_csv_names_that_format(name, message):
    """A web page named .ods or .csv was told it is «не таблица Excel», to be saved from Excel."""
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError) as refused:
        read_registry(b"<html><body><table><tr><td>\xd0\x9d</td></tr></table></body></html>", 100, name)
    assert str(refused.value) == message


def test_a_csv_whose_cells_hold_markup_is_still_a_csv():
    from kb.bulkimport.registry import read_registry

    registry = read_registry(csv_bytes([row("H-1", "<table> в названии")]), 100)
    assert registry.rows[0].values["title"] == "<table> в названии"
    assert HEADER[1] == "Название"


def test_registry_sheets_after_the_one_read_are_named():
    """A workbook with a registry sheet per year («2023», «2024») loaded the first sheet only, and the other
    sheet's practices were dropped without a word (only sheets before the one read were reported)."""
    from kb.bulkimport.registry import read_registry
    from tests.test_bulk_import_checks import workbook

    header = ["Код практики", "Название", "Регион", "Год"]
    registry = read_registry(workbook(
        ("2023", [header, ["Л-23-1", "Практика из листа 2023 года", "Республика Татарстан", 2023]]),
        ("Справочник", [["Регионы"], ["Республика Татарстан"]]),
        ("2024", [header, ["Л-24-1", "Практика из листа 2024 года", "Республика Татарстан", 2024]])), 100)
    assert [r.values["external_id"] for r in registry.rows] == ["Л-23-1"]
    assert registry.warnings == [
        "Лист «2024» — тоже со столбцом «Название», но не прочитан: прочитан только первый такой лист, «2023». "
        "Загрузите каждый лист отдельным файлом или перенесите строки на один лист."]

    three = read_registry(workbook(("Инструкция", [["Заполните листы по годам."]]),
                                   ("2022", [header, ["Л-22-1", "Практика 2022 года"]]),
                                   ("2023", [["Реестр за 2023 год"], header]), ("2024", [header])), 100)
    assert three.warnings[1] == (
        "Листы «2023», «2024» — тоже со столбцом «Название», но не прочитаны: прочитан только первый такой лист, "
        "«2022». Загрузите каждый лист отдельным файлом или перенесите строки на один лист.")


INSTRUCTION = [["Как заполнять реестр"], ["Столбец", "Что писать"], ["Название", "обязательно, от 5 до 500 знаков"],
               ["Авторы", "ФИО, должность; несколько — через точку с запятой"], ["Регион", "название субъекта РФ"]]


def test_an_instruction_sheet_that_explains_the_columns_is_not_taken_for_the_registry():
    """An «Инструкция» sheet with a table of the columns («Столбец | Что писать», then «Название | обязательно…»)
    was read as the registry — its explanations became practices («Авторы», «Регион») — and the real sheet was
    skipped: the sheet read is the one whose header row names the most of the bank's columns."""
    from kb.bulkimport.registry import read_registry
    from tests.test_bulk_import_checks import workbook

    header = ["Идентификатор", "Название", "Авторы", "Регион"]
    practice = ["1", "Школьный театр на уроках литературы", "Иванова А. П., учитель", "Челябинская область"]
    registry = read_registry(workbook(("Инструкция", INSTRUCTION), ("Реестр", [header, practice])), 100)
    assert [(r.number, r.values["title"]) for r in registry.rows] == [(2, "Школьный театр на уроках литературы")]
    assert registry.warnings == [
        "Лист «Инструкция» пропущен: в его строке заголовков из столбцов реестра есть только «Название» — это не "
        "похоже на реестр. Прочитан лист «Реестр», где столбцов реестра 4."]

    # the registry by year: the sheet with more columns is read, the other one named as a registry not read
    shorter = read_registry(workbook(("2023", [header[:2], ["1", "Практика из листа 2023 года"]]),
                                     ("2024", [header, ["2", "Практика из листа 2024 года", "", ""]])), 100)
    assert [r.values["title"] for r in shorter.rows] == ["Практика из листа 2024 года"]
    assert shorter.warnings == [
        "Лист «2023» — тоже со столбцом «Название», но не прочитан: прочитан только один лист — тот, где в строке "
        "заголовков больше всего столбцов реестра (4), «2024». Загрузите каждый лист отдельным файлом или "
        "перенесите строки на один лист."]
    # a registry of titles only is still read from a workbook with an instruction of no header
    alone = read_registry(workbook(("Инструкция", [["Одна строка — одна практика"]]),
                                   ("Реестр", [["Название"], ["Практика из одного столбца"]])), 100)
    assert [r.values["title"] for r in alone.rows] == ["Практика из одного столбца"]


def test_rows_hidden_in_excel_are_named():
    """Rows hidden by a filter (the practices the expert council turned down) or by hand were imported like the
    others, without a word (hidden sheets are skipped and named)."""
    from openpyxl import Workbook

    from kb.bulkimport.registry import read_registry

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Реестр"
    sheet.append(["Код практики", "Название", "Регион", "Решение экспертного совета"])
    sheet.append(["СК-1", "Практика, одобренная советом", "Республика Татарстан", "одобрено"])
    sheet.append(["СК-2", "Практика, отклонённая советом", "Республика Татарстан", "отклонено"])
    sheet.append(["СК-3", "Ещё одна одобренная практика", "Республика Татарстан", "одобрено"])
    sheet.auto_filter.ref = "A1:D4"
    sheet.auto_filter.add_filter_column(3, ["одобрено"])
    sheet.row_dimensions[3].hidden = True  # what Excel stores when the filter hides row 3
    registry = read_registry(saved(workbook), 100)
    assert [r.values["external_id"] for r in registry.rows] == ["СК-1", "СК-2", "СК-3"]
    assert ("Скрытая в Excel строка 3 листа «Реестр» прочитана, как все: фильтр и скрытие строк не мешают загрузке. "
            "Если их загружать не нужно, удалите их из таблицы.") in registry.warnings

    for number in (5, 6, 7):
        sheet.append([f"СК-{number - 1}", f"Практика {number - 1}"])
    for number in (5, 7, 8):  # row 8 is hidden, but has nothing in it
        sheet.row_dimensions[number].hidden = True
    sheet.row_dimensions[1].hidden = True  # the header row is not a practice
    registry = read_registry(saved(workbook), 100)
    assert [w for w in registry.warnings if w.startswith("Скрыт")] == [
        "Скрытые в Excel строки 3, 5, 7 листа «Реестр» прочитаны, как все: фильтр и скрытие строк не мешают "
        "загрузке. Если их загружать не нужно, удалите их из таблицы."]


def test_columns_hidden_in_excel_are_named_and_a_visible_duplicate_is_preferred():
    """A column hidden in Excel was read as a visible one, without a word (hidden rows were named): an office that
    kept the old «Авторы» hidden before the corrected one imported the old authors («взят первый»)."""
    from openpyxl import Workbook

    from kb.bulkimport.registry import read_registry

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Реестр"
    sheet.append(["Название", "Авторы", "Авторы", "Год", "Служебная отметка"])
    sheet.append(["Школьный театр на уроках литературы", "Старая Ф. И., уволена", "Новая А. А., учитель", 2024,
                  "проверено"])
    sheet.column_dimensions["B"].hidden = True
    registry = read_registry(saved(workbook), 100)
    assert registry.rows[0].values["authors"] == "Новая А. А., учитель"
    assert registry.columns["authors"] == "Авторы"
    assert registry.warnings == [
        "Скрытый в Excel столбец B «Авторы» повторяет видимый C «Авторы»; взят видимый.",
        "Столбец «Служебная отметка» не распознан и пропущен."]

    sheet.column_dimensions["B"].hidden = False
    sheet.column_dimensions["C"].hidden = True  # the later duplicate hidden: the visible first one is read
    sheet.column_dimensions["D"].hidden = True  # the only «Год»: read, and named
    registry = read_registry(saved(workbook), 100)
    assert (registry.rows[0].values["authors"], registry.rows[0].values["year"]) == ("Старая Ф. И., уволена", 2024)
    assert registry.warnings == [
        "Скрытый в Excel столбец C «Авторы» повторяет видимый B «Авторы»; взят видимый.",
        "Столбец «Служебная отметка» не распознан и пропущен.",
        "Скрытый в Excel столбец D «Год» листа «Реестр» прочитан, как все: скрытие столбцов не мешает загрузке. "
        "Если его загружать не нужно, удалите его из таблицы."]

    # columns hidden to the end of the sheet (Excel writes one range, to XFD), with nothing in them, say nothing
    sheet.column_dimensions["C"].hidden = sheet.column_dimensions["D"].hidden = False
    sheet.column_dimensions.group("F", "XFD", hidden=True)
    assert [w for w in read_registry(saved(workbook), 100).warnings if "Скрыт" in w] == []


def test_an_ods_is_read_and_another_open_document_file_is_named_as_such():
    """A table saved by LibreOffice Calc (ODS, a ZIP as XLSX is) was «Файл XLSX повреждён или это не таблица
    Excel», then refused with a request to save it again as XLSX; it is read now (tests/test_bulk_import_ods.py).
    A text document saved by LibreOffice Writer is still no table, and is named as what it is."""
    import zipfile

    from kb.bulkimport.registry import RegistryError, read_registry
    from tests.test_bulk_import_ods import ods_bytes

    registry = read_registry(ods_bytes([row("ODS-1", "Практика из таблицы LibreOffice")]), 100)
    assert [(r.number, r.values["title"]) for r in registry.rows] == [(2, "Практика из таблицы LibreOffice")]

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")  # first and
        package.writestr("content.xml", "<office:document-content/>")                              # stored
    with pytest.raises(RegistryError) as caught:
        read_registry(out.getvalue(), 100)
    assert str(caught.value) == ("Это документ OpenDocument (LibreOffice или OpenOffice), а не таблица: загрузите "
                                 "реестр в XLSX, ODS или CSV.")


STRAY_QUOTE = ("Внешний идентификатор;Название;Авторы;Регион;Год\n"
               "A-1;Первая практика о ШНО;Иванова А. П.;Челябинская область;2023\n"
               'A-2;"Вторая практика о проектах;Петров П. П.;Челябинская область;2023\n'
               "A-3;Третья практика об олимпиадах;Сидорова С. С.;Челябинская область;2023\n"
               "A-4;Четвёртая практика о наставничестве;Кузнецова К. К.;Челябинская область;2023\n")


@pytest.mark.parametrize(("text", "number", "message"), [
    (STRAY_QUOTE, 3, "Незакрытая кавычка в ячейке «Название» — ячейка захватила следующие строки файла (4–5), и они "
                     "не прочитаны как строки реестра. Закройте кавычку (или уберите её) и загрузите реестр снова."),
    # «closed» by the quote that opens a later cell: the rows after it are read again
    (STRAY_QUOTE.replace("A-4;Четвёртая практика о наставничестве", 'A-4;"Четвёртая практика", о наставничестве')
     + "A-5;Пятая практика;Орлова О. О.;Челябинская область;2023\n", 3,
     "Незакрытая кавычка в ячейке «Название» — ячейка захватила следующие строки файла (4–5)"),
    # on the last line: nothing below is lost, but its cells would be one title
    ("Название;Авторы;Год\nПервая;Иванова А. П.;2023\n\"Вторая;Петров П. П.;2023\n", 3,
     "Незакрытая кавычка в ячейке «Название» — ячейка захватила остальные ячейки строки. Закройте кавычку"),
    # in a column without a header
    ("Название;Год\nПервая;2023\nВторая;2023;\"x\nТретья;2023\n", 3,
     "Незакрытая кавычка в столбце C — ячейка захватила следующую строку файла (4), и она не прочитана как строка"),
])
def test_a_stray_quote_in_a_csv_fails_its_row_and_names_the_lines_it_took_in(text, number, message):
    """A cell opening with «"» never closed took in the line breaks and delimiters after it: the rows below became
    part of one title, and the check page said «строк 2; будет создано 2» without a word — two practices lost,
    one created with the others' cells for its title."""
    from kb.bulkimport.registry import CellProblem, read_registry

    registry = read_registry(text.encode(), 100)
    (broken,) = [r for r in registry.rows if r.number == number]
    found = [v.message for v in broken.values.values() if isinstance(v, CellProblem)] + broken.errors
    assert len(found) == 1 and found[0].startswith(message)
    taken = re.search("ячейка захватила [^,.]+", message).group(0)
    assert [w for w in registry.warnings if "кавычка" in w] == [
        f"Строка {number}: незакрытая кавычка — {taken}; строка {number} не будет загружена, пока кавычка не "
        "исправлена."]
    assert all(not isinstance(v, CellProblem) for r in registry.rows if r is not broken for v in r.values.values())


def test_cells_rightly_quoted_over_several_lines_or_with_the_delimiter_are_read_as_they_are():
    from kb.bulkimport.registry import read_registry

    text = ("Название;Авторы;Технология;Год\n"
            'Первая;"Иванова А. П.; Петров П. П.";"Этапы:\n- подготовка;\n- проведение; анализ;\n""итоги""";2023\n'
            '"Школа; гимназия" № 1;"Сидорова С. С.\r\nОрлова О. О.";"Одна строка";2024\n'
            "Третья;Кузнецова К. К.;;2025\n"
            '"Школьное научное общество;\nопыт гимназии" ;Иванова А. П.;;2023')  # a space after the closing quote
    registry = read_registry(text.encode(), 100)
    assert [(r.number, r.values["title"], r.values["authors"], r.errors) for r in registry.rows] == [
        (2, "Первая", "Иванова А. П.; Петров П. П.", []),
        (3, "Школа; гимназия № 1", "Сидорова С. С.\r\nОрлова О. О.", []),
        (4, "Третья", "Кузнецова К. К.", []),
        (5, "Школьное научное общество;\nопыт гимназии ", "Иванова А. П.", [])]
    assert registry.rows[0].values["technology"] == 'Этапы:\n- подготовка;\n- проведение; анализ;\n"итоги"'
    assert registry.warnings == []


@pytest.mark.parametrize(("text", "where"), [(STRAY_QUOTE.replace("Авторы", '"Авторы'), "столбце C — ячейка захватила "
                                              "следующие строки файла (2–3)"),  # up to the quote on line 3
                                             ('"Реестр практик школы\n' + STRAY_QUOTE.replace('"', ""),
                                              "столбце A — ячейка захватила следующие строки файла (2–6)")])
def test_a_stray_quote_in_or_above_the_header_refuses_the_file(text, where):
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError, match="^" + re.escape(f"Строка 1: незакрытая кавычка в {where}. Заголовки и "
                                                            "строки реестра под ней не прочитаны")):
        read_registry(text.encode(), 100)


def test_web_check_page_names_the_stray_quote(app, client, make_user):
    from tests.conftest import sign_in
    from tests.test_bulk_import import upload

    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    with upload(client, STRAY_QUOTE.encode()) as response:
        page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 200
    assert "Строка 3: незакрытая кавычка — ячейка захватила следующие строки файла (4–5)" in page
    assert "Незакрытая кавычка в ячейке «Название»" in page and "будет создано 1" in page


def test_a_registry_on_a_hidden_sheet_is_named_when_no_visible_sheet_has_a_header():
    """The registry on a hidden sheet and the visible one empty: the message spoke only of the empty sheet
    («на листе «Лист2» нет ни заголовков, ни строк…») and never of the hidden one that holds the rows."""
    from openpyxl import Workbook

    from kb.bulkimport.registry import RegistryError, read_registry

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Реестр"
    sheet.append(["Внешний идентификатор", "Название", "Регион"])
    sheet.append(["R-1", "Школьное научное общество в начальной школе", "Челябинская область"])
    sheet.sheet_state = "hidden"
    workbook.create_sheet("Лист2")
    workbook.active = 1
    with pytest.raises(RegistryError) as caught:
        read_registry(saved(workbook), 100)
    assert str(caught.value) == (
        "Лист «Реестр» скрыт — покажите его в Excel (щёлкните правой кнопкой по ярлычку листа) и сохраните файл: "
        "скрытые листы не читаются, а на листе «Лист2» нет столбца «Название».")
    workbook.create_sheet("Инструкция").append(["Заполните лист «Реестр»."])
    with pytest.raises(RegistryError, match="на листах «Лист2», «Инструкция» нет столбца «Название»"):
        read_registry(saved(workbook), 100)
    workbook["Лист2"].append(["Название"])
    workbook["Лист2"].append(["Практика с видимого листа"])  # a visible sheet with a header is read, as before
    assert [r.values["title"] for r in read_registry(saved(workbook), 100).rows] == ["Практика с видимого листа"]


def test_a_word_document_or_a_zip_of_files_as_the_registry_is_named_as_such():
    """A registry kept as a Word table (DOCX), or the ZIP of the practices' files put in the registry's field, was
    «Файл XLSX повреждён или это не таблица Excel»: the office was told its Excel file was damaged."""
    from kb.bulkimport.registry import RegistryError, read_registry
    from tests.test_bulk_import import docx_bytes, xlsx_bytes, zip_bytes

    refused = {}
    for label, data in (("word", docx_bytes("Название | Авторы")),
                        ("files", zip_bytes({"описание.docx": docx_bytes("Описание опыта"), "итоги.pdf": b"%PDF-1.4"})),
                        ("zipped registry", zip_bytes({"реестр.xlsx": xlsx_bytes([row("Z-1", "Практика")])})),
                        ("damaged", b"PK\x03\x04broken")):
        with pytest.raises(RegistryError) as error:
            read_registry(data, 100)
        refused[label] = str(error.value)
    assert refused["word"] == (
        "Это документ Word, а не таблица: реестр загружают таблицей XLSX, ODS или CSV. Если реестр — таблица в "
        "документе Word, выделите её, скопируйте в Excel и сохраните как XLSX.")
    assert refused["files"] == (
        "Это архив ZIP с файлами, а не таблица: загрузите его в поле «Архив с файлами» (в команде — --attachments), "
        "а в поле реестра — таблицу XLSX, ODS или CSV.")
    assert refused["zipped registry"] == (
        "Это архив ZIP, а не таблица: в нём есть «реестр.xlsx» — загрузите в поле реестра саму таблицу, а архив "
        "с файлами практик — в поле «Архив с файлами» (в команде — --attachments).")
    assert refused["damaged"].startswith("Файл XLSX повреждён")


def test_a_utf8_csv_with_a_line_in_another_encoding_names_the_line():
    """A UTF-8 CSV with one row typed in a CP1251 program (or cut in the middle of a letter) was read whole as
    CP1251: the header came out as «РќР°Р·РІР°РЅРёРµ», and the check said there was no «Название» column."""
    from kb.bulkimport.registry import RegistryError, read_registry

    utf8 = ("Название;Авторы;Год\n" + "Школьное научное общество;Иванова А. П.;2023\n" * 3).encode()
    stray = "Олимпиадный клуб;Петров П. П.;2024\n".encode("cp1251")
    with pytest.raises(RegistryError) as refused:
        read_registry(utf8 + stray, 100)
    assert str(refused.value) == (
        f"Файл реестра — в кодировке UTF-8, но строка 5 файла (с байта {len(utf8) + 1}) записана в другой кодировке "
        "(похоже, Windows-1251): «Олимпиадный клуб;Петров П. П.;2024». Сохраните реестр заново как CSV в UTF-8 или "
        "как XLSX, или наберите эту строку заново.")
    with pytest.raises(RegistryError) as refused:
        read_registry(utf8 + stray + utf8.split(b"\n", 1)[1] + stray, 100)
    assert str(refused.value).startswith("Файл реестра — в кодировке UTF-8, но строки 5, 9 файла (первая — с байта ")
    with pytest.raises(RegistryError) as refused:  # cut in the middle of a letter
        read_registry(utf8 + "Олимпиадный клуб".encode()[:-1], 100)
    assert str(refused.value).startswith("Файл реестра — в кодировке UTF-8, но строка 5 файла (с байта ")

    # a file in CP1251 as a whole is read as before, and so is one whose only letters beyond ASCII are a few
    assert read_registry(utf8.decode().encode("cp1251") + stray, 100).rows[-1].values["title"] == "Олимпиадный клуб"
    assert read_registry("Название;Год\nPractice № 1;2024\n".encode("cp1251"), 100).rows[0].values["title"] == (
        "Practice № 1")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_short_utf8_csv_with_a_word_bullet_in_a_cell_is_read_as_utf8(bom):
    """A cell with Word's Symbol-font bullet (U+F0B7, a private-use character) pasted in: a UTF-8 CSV that decodes
    without errors is UTF-8, however short, not CP1251 («п‚·»)."""
    from kb.bulkimport.registry import read_registry

    registry = read_registry(bom + "Название;Аннотация\nКружок;\uf0b7 пункт\u00a0первый\n".encode(), 100)
    assert registry.rows[0].values == {"title": "Кружок", "annotation": "\uf0b7 пункт\u00a0первый"}


def test_a_large_utf8_csv_with_a_line_in_another_encoding_is_told_in_memory_near_its_size():
    """Telling a mixed file from one in CP1251 counted its Cyrillic letters in a list of one-letter strings: some
    40 times the file in memory (877 MB for a 20 MB registry)."""
    from kb.bulkimport.registry import RegistryError, read_registry
    from tests.documents import peak_memory

    line = "Название практики об одарённых детях;" + "Аннотация практики методического объединения " * 20 + "\n"
    half = ("Название;Аннотация\n" + line * (2 * 1024 * 1024 // len(line.encode()))).encode()
    data = half + "Строка в Windows-1251\n".encode("cp1251") + half.split(b"\n", 1)[1]
    refused: list[str] = []

    def read() -> None:
        try:
            read_registry(data, 100_000)
        except RegistryError as exc:
            refused.append(str(exc))

    peak = peak_memory(read)
    stray = half.count(b"\n") + 1
    assert refused and refused[0].startswith(f"Файл реестра — в кодировке UTF-8, но строка {stray} файла (с байта ")
    assert peak < 4 * len(data)  # a decoding of the file that fails takes three times its size, the count next to none
