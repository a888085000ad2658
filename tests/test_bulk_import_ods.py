"""Registries saved as ODS (LibreOffice Calc's own format), built here with odfpy: read as an XLSX is, with typed
cells, runs of repeated rows and columns, merged cells, hidden rows and sheets, and damaged files refused with a
message."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

import pytest

from tests.conftest import sign_in
from tests.documents import BILLION_LAUGHS, flat_odf, odt_bytes, peak_memory, rewrite_part, with_prolog
from tests.test_bulk_import import HEADER, practices, row, upload, write, xlsx_bytes

# What LibreOffice writes at the end of a sheet with a formatted column or row: runs to the sheet's last column
# (16384 since LibreOffice 7.4) and row (1048576).
LAST_COLUMN = 16384
LAST_ROW = 1048576


def cell(value: object = None, repeated: int = 1, **attributes):
    """A table:table-cell as LibreOffice writes each type of value."""
    from odf.table import TableCell
    from odf.text import P

    if repeated > 1:
        attributes["numbercolumnsrepeated"] = repeated
    if value is None:
        return TableCell(**attributes)
    if isinstance(value, bool):
        made = TableCell(valuetype="boolean", booleanvalue="true" if value else "false", **attributes)
        shown = "ИСТИНА" if value else "ЛОЖЬ"
    elif isinstance(value, (int, float)):
        made = TableCell(valuetype="float", value=str(value), **attributes)
        shown = str(value)
    elif isinstance(value, dt.datetime):
        made = TableCell(valuetype="date", datevalue=value.isoformat(), **attributes)
        shown = value.strftime("%d.%m.%Y")
    else:
        made = TableCell(valuetype="string", **attributes)
        shown = str(value)
    for line in shown.split("\n"):
        made.addElement(P(text=line))
    return made


def table_row(values, repeated: int = 1, **attributes):
    from odf.table import TableRow

    if repeated > 1:
        attributes["numberrowsrepeated"] = repeated
    made = TableRow(**attributes)
    for value in values:
        made.addElement(value if hasattr(value, "qname") else cell(value))
    return made


def ods(*sheets, hidden: tuple[str, ...] = ()) -> bytes:
    """An ODS with the sheets given as (name, rows); a row is a list of values or cells, or a TableRow."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table

    document = OpenDocumentSpreadsheet()
    concealed = Style(name="ta-hidden", family="table")
    concealed.addElement(TableProperties(display="false"))
    document.automaticstyles.addElement(concealed)
    for name, rows in sheets:
        table = Table(name=name, **({"stylename": concealed} if name in hidden else {}))
        for values in rows:
            table.addElement(values if getattr(values, "qname", None) else table_row(values))
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def ods_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    return ods(("Реестр", [header, *rows]))


def read(data: bytes, max_rows: int = 100):
    from kb.bulkimport.registry import read_registry

    return read_registry(data, max_rows)


def refused(data: bytes) -> str:
    from kb.bulkimport.registry import RegistryError

    with pytest.raises(RegistryError) as caught:
        read(data)
    return str(caught.value)


def test_an_ods_registry_reads_as_the_same_registry_in_xlsx():
    """LibreOffice Calc saves a table as ODS unless told otherwise, and the bank asked to save it again as XLSX.
    Read now, it gives the same rows, columns and warnings as the XLSX of the same table."""
    rows = [row("О-1", "Школьный театр", year=2023), row("О-2", "Олимпиадный клуб; кружок", year=2021)]
    registry = read(ods_bytes(rows))
    assert registry == read(xlsx_bytes(rows))
    assert [(r.number, r.values["external_id"], r.values["title"], r.values["year"]) for r in registry.rows] == [
        (2, "О-1", "Школьный театр", 2023), (3, "О-2", "Олимпиадный клуб; кружок", 2021)]
    assert registry.warnings == []


def test_typed_cells_are_read_as_the_xlsx_reader_reads_them():
    from odf.office import Annotation
    from odf.table import TableCell
    from odf.text import LineBreak, P, S, Span

    from kb.bulkimport.registry import cell_text

    text = TableCell(valuetype="string")
    first = P(text="Первая строка")
    first.addElement(S(c=3))
    first.addElement(Span(text="с выделением"))
    first.addElement(LineBreak())
    first.addText("после переноса")
    text.addElement(first)
    text.addElement(P(text="второй абзац"))
    note = Annotation()
    note.addElement(P(text="примечание к ячейке — не текст ячейки"))
    text.addElement(note)
    header = ["Название", "Год", "Аннотация", "Цели и задачи", "Технология", "Результаты", "Условия", "Литература",
              "Адресность", "Тиражирование"]
    registry = read(ods(("Реестр", [header, [
        "Типы ячеек",
        TableCell(valuetype="float", value="2023"),
        TableCell(valuetype="date", datevalue="2020-05-01"),
        TableCell(valuetype="float", value="2.5"),
        TableCell(valuetype="percentage", value="0.25"),
        TableCell(valuetype="boolean", booleanvalue="true"),
        TableCell(valuetype="currency", currency="RUB", value="1500"),
        TableCell(valuetype="time", timevalue="PT10H30M00S"),
        TableCell(valuetype="date", datevalue="2021-09-01T08:15:00"),
        text]])))
    values = registry.rows[0].values
    assert values["year"] == 2023 and type(values["year"]) is int
    assert values["annotation"] == dt.datetime(2020, 5, 1)
    assert values["goal_tasks"] == 2.5
    assert values["technology"] == 0.25  # a percentage is its number, as openpyxl gives it
    assert values["results"] is True and cell_text(values["results"]) == "ИСТИНА"
    assert values["conditions"] == 1500
    assert values["literature"] == dt.time(10, 30)
    assert values["target_audience"] == dt.datetime(2021, 9, 1, 8, 15)
    assert values["replication"] == "Первая строка   с выделением\nпосле переноса\nвторой абзац"


def test_year_from_an_ods_date_cell_is_taken_with_a_warning(app, runner, make_user, tmp_path):
    from odf.table import TableCell

    make_user("admin")
    data = ods(("Реестр", [["Внешний идентификатор", "Название", "Год"],
                           ["Д-1", "Практика с датой", TableCell(valuetype="date", datevalue="2019-09-01")]]))
    result = runner.invoke(args=["import-practices", write(tmp_path, "реестр.ods", data)])
    assert result.exit_code == 0, result.output
    assert "01.09.2019" in result.output
    assert [(p.external_id, p.year) for p in practices(app)] == [("Д-1", 2019)]


def test_runs_to_the_end_of_the_sheet_stay_runs():
    """A column or row formatted to the end of the sheet is written once with the count of its repeats: read
    cell by cell it would be 16384 columns and a million rows. Equal neighbouring rows are written once too, and
    are each a practice."""
    from odf.table import TableCell

    practice = ["Р-1", "Повторённая строка", None, "Гимназия № 1"]
    rows = [
        table_row([None], repeated=2),  # empty rows above the header
        table_row(["Код практики", "Название", cell(None, 1), "Организация", cell(None, LAST_COLUMN - 4)]),
        table_row([*practice, cell(None, LAST_COLUMN - 4)], repeated=3),
        table_row([cell(None, LAST_COLUMN)], repeated=5),  # formatted, empty rows between practices
        table_row(["Р-9", "После пустых", cell(None, 2), TableCell(valuetype="string", numbercolumnsrepeated=2)]),
        table_row([cell(None, LAST_COLUMN)], repeated=LAST_ROW - 12),
    ]
    data = ods(("Реестр", rows))
    found: list = []
    assert peak_memory(lambda: found.append(read(data))) < 5 << 20  # the repeated rows and cells not made one by one
    (registry,) = found
    assert [(r.number, r.values["external_id"], r.values["organisation"]) for r in registry.rows] == [
        (4, "Р-1", "Гимназия № 1"), (5, "Р-1", "Гимназия № 1"), (6, "Р-1", "Гимназия № 1"), (12, "Р-9", None)]
    assert registry.warnings == []


def test_a_run_of_equal_rows_counts_toward_the_row_limit():
    from kb.bulkimport.registry import RegistryError, read_registry

    data = ods(("Реестр", [["Код практики", "Название"], table_row(["Р-1", "Одна и та же"], repeated=LAST_ROW - 1)]))

    def refused() -> None:
        with pytest.raises(RegistryError, match="больше 100 строк"):
            read_registry(data, 100)

    assert peak_memory(refused) < 5 << 20  # the run not made row by row


def test_a_value_repeated_to_the_last_column_is_cut_with_a_warning():
    data = ods(("Реестр", [["Код практики", "Название"], ["Р-1", "Практика", cell("x", LAST_COLUMN - 2)]]))
    registry = read(data)
    assert [r.values["title"] for r in registry.rows] == ["Практика"]
    assert "Значения правее столбца AMJ (1024-го) пропущены: строка 2." in registry.warnings
    assert any(w.startswith("Значения в столбцах без заголовка (C, D, E, F, G, ") for w in registry.warnings)


def test_an_instruction_sheet_that_explains_the_columns_is_passed_over_as_in_xlsx():
    from tests.test_bulk_import_registry import INSTRUCTION

    header = ["Идентификатор", "Название", "Авторы", "Регион"]
    registry = read(ods(("Инструкция", INSTRUCTION),
                        ("Реестр", [header, ["1", "Школьный театр на уроках литературы", "Иванова А. П., учитель",
                                             "Челябинская область"]]),
                        ("Список", [["Название", "ИНН"], ["МАОУ «СОШ № 1»", "7411000000"]])))
    assert [(r.number, r.values["title"]) for r in registry.rows] == [(2, "Школьный театр на уроках литературы")]
    assert registry.warnings == [
        "Листы «Инструкция», «Список» пропущены: в их строках заголовков из столбцов реестра есть только «Название» "
        "— это не похоже на реестр. Прочитан лист «Реестр», где столбцов реестра 4."]
    # the later sheet with more columns is read, though an earlier one had a header too
    later = read(ods(("2023", [header[:2], ["1", "Из листа 2023 года"]]),
                     ("2024", [header, ["2", "Из листа 2024 года", "Иванова А. П., учитель"]]),
                     ("2025", [header[:3], ["3", "Из листа 2025 года"]])))
    assert [r.values["title"] for r in later.rows] == ["Из листа 2024 года"]
    assert later.warnings[0].startswith("Листы «2023», «2025» — тоже со столбцом «Название», но не прочитаны: "
                                        "прочитан только один лист — тот, где в строке заголовков больше всего "
                                        "столбцов реестра (4), «2024».")


def test_columns_hidden_in_libreoffice_are_named_as_in_xlsx():
    from odf.opendocument import load
    from odf.table import Table, TableColumn

    data = ods(("Реестр", [["Название", "Авторы", "Авторы", "Регион"],
                           ["Практика со скрытым столбцом", "Старая Ф. И.", "Новая А. А., учитель",
                            "Челябинская область"]]))
    # LibreOffice describes the columns before the rows: B hidden, C shown, D and the rest (to the end) hidden
    document = load(io.BytesIO(data))
    table = document.spreadsheet.getElementsByType(Table)[0]
    first_row = table.childNodes[0]
    for attributes in ({}, {"visibility": "collapse"}, {},
                       {"numbercolumnsrepeated": 16381, "visibility": "collapse"}):
        table.insertBefore(TableColumn(**attributes), first_row)
    out = io.BytesIO()
    document.write(out)
    registry = read(out.getvalue())
    assert registry.rows[0].values["authors"] == "Новая А. А., учитель"
    assert registry.rows[0].values["region"] == "Челябинская область"
    assert registry.warnings == [
        "Скрытый в LibreOffice столбец B «Авторы» повторяет видимый C «Авторы»; взят видимый.",
        "Скрытый в LibreOffice столбец D «Регион» листа «Реестр» прочитан, как все: скрытие столбцов не мешает "
        "загрузке. Если его загружать не нужно, удалите его из таблицы."]


def test_merged_cells_hidden_rows_and_hidden_sheets_as_in_xlsx():
    from odf.table import CoveredTableCell

    header = ["Код практики", "Название", "Организация", "Регион"]
    registry = read(ods(
        ("Архив", [header, ["А-1", "Старая строка со скрытого листа"]]),
        ("Инструкция", [["Заполните лист «Реестр»."]]),
        ("Реестр", [
            ["Реестр практик за 2024 год"],
            header,
            ["М-1", "Первая", cell("МАОУ «СОШ № 5»", numberrowsspanned=3), "Челябинская область"],
            table_row(["М-2", "Вторая", CoveredTableCell()], visibility="collapse"),
            ["М-3", "Третья", CoveredTableCell(), "Курганская область"],
            table_row(["М-4", "Четвёртая", "Гимназия № 2"], visibility="filter"),
        ]),
        ("2025", [header, ["Б-1", "Из другого года"]]),
        hidden=("Архив",)))
    assert [(r.number, r.values["external_id"], r.values["organisation"]) for r in registry.rows] == [
        (3, "М-1", "МАОУ «СОШ № 5»"), (4, "М-2", "МАОУ «СОШ № 5»"), (5, "М-3", "МАОУ «СОШ № 5»"),
        (6, "М-4", "Гимназия № 2")]
    assert registry.warnings == [
        "Скрытые листы пропущены («Архив»): прочитан лист «Реестр».",
        "Листы без столбца «Название» пропущены («Инструкция»): прочитан лист «Реестр».",
        "Лист «2025» — тоже со столбцом «Название», но не прочитан: прочитан только первый такой лист, «Реестр». "
        "Загрузите каждый лист отдельным файлом или перенесите строки на один лист.",
        "Объединённые ячейки (C3:C5): значение каждой взято для всех её строк.",
        "Заголовки столбцов — в строке 2 листа «Реестр»; строка над ними пропущена (1).",
        "Скрытые в LibreOffice строки 4, 6 листа «Реестр» прочитаны, как все: фильтр и скрытие строк не мешают "
        "загрузке. Если их загружать не нужно, удалите их из таблицы."]

    assert refused(ods(("Архив", [header]), hidden=("Архив",))) == (
        "В файле ODS все листы скрыты: покажите в LibreOffice лист с реестром и сохраните файл.")
    # the registry on a hidden sheet, the visible one empty: the hidden sheet is named, not only the empty one
    assert refused(ods(("Реестр", [header, ["А-1", "Практика"]]), ("Лист2", [[None]]), hidden=("Реестр",))) == (
        "Лист «Реестр» скрыт — покажите его в LibreOffice (щёлкните правой кнопкой по ярлычку листа) и сохраните "
        "файл: скрытые листы не читаются, а на листе «Лист2» нет столбца «Название».")
    assert refused(ods(("Лист1", [["Код"]]), ("А", [header]), ("Б", [header]), hidden=("А", "Б"))).startswith(
        "Листы «А», «Б» скрыты — покажите лист с реестром в LibreOffice")
    assert refused(ods(("Лист1", [["Код"]]), ("Лист2", [["Год"]]))).startswith(
        "Не найдена строка заголовков: ни на одном листе («Лист1», «Лист2») в первых строках нет столбца «Название».")
    assert refused(ods(("Лист1", [["Код", "Год"], ["1", "2020"]]))).startswith(
        "Не найдена строка заголовков: в строках 1–2 листа «Лист1» нет столбца «Название».")
    assert refused(ods(("Лист1", [["Название"]]))) == "В реестре нет строк с практиками — только заголовки."
    assert refused(ods(("Лист1", [table_row([None], repeated=LAST_ROW)]))) == (
        "В файле на листе «Лист1» нет ни заголовков, ни строк с практиками.")


def test_errors_and_uncalculated_formulas_fail_their_row_naming_the_cell(app, runner, make_user, tmp_path):
    from odf.table import TableCell
    from odf.text import P

    error = TableCell(formula="of:=1/0", valuetype="float", value="0")
    error.setAttrNS("urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0", "value-type", "error")
    error.addElement(P(text="#DIV/0!"))
    data = ods(("Реестр", [
        ["Внешний идентификатор", "Название", "Год"],
        ["Ф-1", "Деление", error],
        ["Ф-2", TableCell(formula='of:=CONCATENATE("Практика ";"2")')],  # a script's file: no value
        ["Ф-3", cell("Практика 3", formula='of:=CONCATENATE("Практика ";"3")')],  # LibreOffice's: with its value
    ]))
    make_user("admin")
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.ods", data)])
    assert "Ячейка C2: ошибка LibreOffice #DIV/0! — исправьте её в таблице." in result.output
    assert ("Ячейка B3: формула без вычисленного значения — откройте и сохраните файл в LibreOffice."
            in result.output)
    assert [(p.external_id, p.title) for p in practices(app)] == [("Ф-3", "Практика 3")]


CONTENT = "content.xml"
DAMAGED = {
    "cut": (lambda data: data[:len(data) * 2 // 3], "Файл ODS повреждён: не удаётся его прочитать."),
    "markup": (lambda data: rewrite_part(data, CONTENT, lambda xml: xml.replace(b"</table:table-row>", b"", 2)),
               "Файл ODS повреждён: строка"),
    "number": (lambda data: rewrite_part(data, CONTENT, lambda xml: xml.replace(b'office:value="2023"',
                                                                                b'office:value="NaN"')),
               "Файл ODS повреждён: строка 2 листа «Реестр» не читается."),
    "date": (lambda data: rewrite_part(data, CONTENT, lambda xml: xml.replace(b'office:value-type="float"',
                                                                              b'office:value-type="date"')),
             "Файл ODS повреждён: строка 2 листа «Реестр» не читается."),
    "repeat": (lambda data: rewrite_part(data, CONTENT, lambda xml: xml.replace(
        b"<table:table-cell", b'<table:table-cell table:number-columns-repeated="-3"', 1)),
        "Файл ODS повреждён: строка 1 листа «Реестр» не читается."),
    "entity": (lambda data: rewrite_part(data, CONTENT, lambda xml: xml.replace(
        b"?>", b'?><!DOCTYPE x [<!ENTITY a "aaaa">]>', 1)), "Файл ODS повреждён или это не таблица LibreOffice."),
    "no content": (lambda data: _without(data, CONTENT), "Файл ODS повреждён: в нём нет содержимого (content.xml)."),
    "password": (lambda data: rewrite_part(data, "META-INF/manifest.xml", lambda xml: xml.replace(
        b"</manifest:manifest>", b"<manifest:encryption-data/></manifest:manifest>")), "Таблица ODS защищена паролем"),
}


def _without(data: bytes, part: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            if info.filename != part:
                archive.writestr(info, source.read(info))
    return out.getvalue()


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_ods_is_refused_with_a_message(damage):
    change, message = DAMAGED[damage]
    good = ods_bytes([row("П-1", "Практика из повреждённой таблицы")])
    data = change(good)
    assert data != good
    assert refused(data).startswith(message)


def test_web_reads_an_ods_and_refuses_a_damaged_one_with_a_message(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    response = upload(client, ods_bytes([row("В-1", "Практика из таблицы LibreOffice")]), "реестр.ods")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Проверка реестра" in page and "будет создана" in page and "Практика из таблицы LibreOffice" in page
    response.close()

    damaged = DAMAGED["number"][0](ods_bytes([row("В-2", "Повреждённая")]))
    response = upload(client, damaged, "реестр.ods")
    assert response.status_code == 400
    assert "Файл ODS повреждён: строка 2 листа «Реестр» не читается." in response.get_data(as_text=True)
    response.close()
    assert practices(app) == []
    form = client.get("/import/practices")
    assert re.search(r"CSV, XLSX или ODS", form.get_data(as_text=True))
    form.close()


def test_the_ods_template_downloads_and_reads_back_as_the_xlsx_one(app, client, make_user):
    from kb.bulkimport.registry import read_registry

    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    with client.get("/import/practices/template.ods") as response:
        assert response.status_code == 200
        assert response.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
        template = read_registry(response.data, 10)
    with client.get("/import/practices/template.xlsx") as response:
        assert template == read_registry(response.data, 10)
    assert template.rows[0].values["year"] == 2024 and not template.warnings
    with client.get("/import/practices") as page:
        assert "/import/practices/template.ods" in page.get_data(as_text=True)


def test_runs_of_spaces_in_a_cell_stop_at_a_cells_length():
    """A run of spaces is 22 bytes (``<text:s text:c="1024"/>``): a cell of thousands of them made a string tens of
    times the size of the file. A cell's text stops at MAX_CELL_TEXT characters, as a cell of Excel does."""
    from kb.bulkimport.ods import MAX_CELL_TEXT

    runs = b'<text:s text:c="1024"/>' * 5000
    data = rewrite_part(ods_bytes([row("О-1", "Школьный театр", annotation="ПРОБЕЛЫ")]), "content.xml",
                        lambda content: content.replace("ПРОБЕЛЫ".encode(), "Начало".encode() + runs))
    annotation = read(data).rows[0].values["annotation"]
    assert annotation.startswith("Начало   ") and len(annotation) == MAX_CELL_TEXT


def test_a_row_of_more_cells_than_a_sheet_has_columns_is_refused():
    """A row's cells are kept until it ends: a row of millions of cells (``<table:table-cell/>``, 20 bytes each)
    is refused with a message once it has more cells than a sheet has columns."""
    from kb.bulkimport.ods import MAX_ROW_CELLS

    cells = b"<table:table-cell/>" * (MAX_ROW_CELLS + 1)
    data = rewrite_part(ods_bytes([row("О-1", "Школьный театр")]), "content.xml",
                        lambda content: content.replace(b"</table:table-row>", cells + b"</table:table-row>", 1))
    assert refused(data) == (f"Файл ODS повреждён: в строке 1 листа «Реестр» больше {MAX_ROW_CELLS} ячеек — больше, "
                             "чем столбцов в таблице.")


def test_a_cell_of_more_elements_than_a_sheet_writes_is_refused():
    """Each element costs the parser some microseconds: a cell of hundreds of thousands of them (``<text:s/>``,
    9 bytes each) is refused with a message at MAX_CELL_PARTS, before the rest of it is parsed."""
    from kb.bulkimport.ods import MAX_CELL_PARTS

    data = rewrite_part(ods_bytes([row("О-1", "Школьный театр", annotation="РАЗМЕТКА")]), "content.xml",
                        lambda part: part.replace("РАЗМЕТКА".encode(), b"<text:s/>" * (MAX_CELL_PARTS + 1)))
    assert refused(data) == (f"Файл ODS повреждён: в строке 2 листа «Реестр» ячейка из более чем {MAX_CELL_PARTS} "
                             "элементов разметки — так таблицы не сохраняют.")


# -- flat ODS (.fods) --------------------------------------------------------------------------------------------


def test_a_flat_ods_registry_reads_as_its_ods(app, runner, make_user, tmp_path):
    """LibreOffice saves a table as one XML file («Плоский XML ODF», .fods) when asked: it was read as a CSV of
    XML lines. Its office:body is an ODS's content.xml, read by the same stream: the same rows and warnings, and
    the import imports it."""
    rows = [row("Ф-1", "Школьный театр", year=2023), row("Ф-2", "Олимпиадный клуб; кружок", year=2021)]
    package = ods(("Инструкция", [["Заполните лист «Реестр»"]]), ("Реестр", [HEADER, *rows]),
                  ("Скрытый", [HEADER]), hidden=("Скрытый",))
    data = flat_odf(package)
    assert data.startswith(b"<?xml") and b"<office:document " in data and b"<office:master-styles" in data
    assert read(data) == read(package)
    assert [r.values["title"] for r in read(data).rows] == ["Школьный театр", "Олимпиадный клуб; кружок"]
    make_user("admin")
    result = runner.invoke(args=["import-practices", write(tmp_path, "реестр.fods", data)])
    assert result.exit_code == 0, result.output
    assert [(p.external_id, p.title) for p in practices(app)] == [("Ф-1", "Школьный театр"),
                                                                  ("Ф-2", "Олимпиадный клуб; кружок")]


def test_a_flat_ods_has_the_bounds_and_messages_of_an_ods():
    from kb.bulkimport.ods import MAX_CELL_PARTS, MAX_CELL_TEXT, MAX_ROW_CELLS

    def flat(change, **values) -> bytes:
        return change(flat_odf(ods_bytes([row("О-1", "Школьный театр", **values)])))

    runs = b'<text:s text:c="1024"/>' * 5000
    annotation = read(flat(lambda d: d.replace("ПРОБЕЛЫ".encode(), "Начало".encode() + runs),
                           annotation="ПРОБЕЛЫ")).rows[0].values["annotation"]
    assert annotation.startswith("Начало   ") and len(annotation) == MAX_CELL_TEXT
    cells = b"<table:table-cell/>" * (MAX_ROW_CELLS + 1)
    assert refused(flat(lambda d: d.replace(b"</table:table-row>", cells + b"</table:table-row>", 1))) == (
        f"Файл ODS повреждён: в строке 1 листа «Реестр» больше {MAX_ROW_CELLS} ячеек — больше, чем столбцов в таблице.")
    assert refused(flat(lambda d: d.replace("РАЗМЕТКА".encode(), b"<text:s/>" * (MAX_CELL_PARTS + 1)),
                        annotation="РАЗМЕТКА")) == (
        f"Файл ODS повреждён: в строке 2 листа «Реестр» ячейка из более чем {MAX_CELL_PARTS} элементов разметки — "
        "так таблицы не сохраняют.")
    assert refused(flat(lambda d: d.replace(b'office:value="2023"', b'office:value="NaN"'), year=2023)) == (
        "Файл ODS повреждён: строка 2 листа «Реестр» не читается.")


EXCEL_2003 = ('<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
              '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell>'
              '<Data>Название</Data></Cell></Row></Table></Worksheet></Workbook>').encode()
FLAT_REFUSED = {
    "cut": (lambda good: good[:len(good) * 2 // 3], "Файл ODS повреждён: строка"),
    "billion laughs": (lambda good: with_prolog(good, BILLION_LAUGHS),
                       "Файл ODS повреждён или это не таблица LibreOffice."),
    "external entity": (lambda good: with_prolog(good, b'<!DOCTYPE d [<!ENTITY lol9 SYSTEM "file:///etc/passwd">]>'),
                        "Файл ODS повреждён или это не таблица LibreOffice."),
    "another xml": (lambda good: '<?xml version="1.0"?>\n<catalog><book>Название</book></catalog>'.encode(),
                    "Файл — XML, но не таблица LibreOffice (ODS в одном файле XML, .fods): загрузите реестр в XLSX, "
                    "ODS или CSV."),
    "excel 2003 xml": (lambda good: EXCEL_2003, "Файл — таблица Excel 2003 в формате XML, которую банк не читает: "
                                                "откройте её в Excel и сохраните как XLSX."),
    "flat text": (lambda good: flat_odf(odt_bytes("Название\nШкольный театр")),
                  "Это документ OpenDocument (LibreOffice или OpenOffice), а не таблица: загрузите реестр в XLSX, "
                  "ODS или CSV."),
}


@pytest.mark.parametrize("damage", list(FLAT_REFUSED))
def test_a_broken_hostile_or_other_xml_is_refused_with_a_message(damage):
    change, message = FLAT_REFUSED[damage]
    assert refused(change(flat_odf(ods_bytes([row("П-1", "Практика из повреждённой таблицы")])))).startswith(message)


def test_web_reads_a_flat_ods_and_refuses_a_hostile_one_with_a_message(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    with upload(client, flat_odf(ods_bytes([row("В-1", "Практика из плоской таблицы")])), "реестр.fods") as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "Проверка реестра" in page and "будет создана" in page and "Практика из плоской таблицы" in page
    hostile = with_prolog(flat_odf(ods_bytes([row("В-2", "Практика")])), BILLION_LAUGHS)
    with upload(client, hostile, "реестр.fods") as response:
        assert response.status_code == 400
        assert "Файл ODS повреждён или это не таблица LibreOffice." in response.get_data(as_text=True)
    assert practices(app) == []
    with client.get("/import/practices") as form:
        assert "FODS" in form.get_data(as_text=True)


NOT_XML = {
    "csv": ("Название;Год\nШкольный театр;2024\n".encode(), ", а текст"),
    "pdf": (None, ", а PDF"),
    "noise": (bytes(range(256)) * 4, ""),
    "utf-16 text": ("Название;Год\nШкольный театр;2024\n".encode("utf-16"), ", а текст"),
}


@pytest.mark.parametrize("kind", list(NOT_XML))
def test_a_file_named_fods_that_is_no_xml_is_named_as_such(app, client, runner, make_user, tmp_path, kind):
    """A registry named .fods that is no XML got «Файл не похож на таблицу CSV, XLSX или ODS» (or, for a text,
    «Не найдена строка заголовков»), which did not say that the .fods was the trouble."""
    from tests.documents import pdf_bytes

    data, what = NOT_XML[kind]
    data = data if data is not None else pdf_bytes("Реестр практик")
    message = (f"Файл .fods — не документ OpenDocument (плоский XML){what}: таблица FODS — файл XML, который "
               "LibreOffice Calc записывает командой «Сохранить как» с типом «Плоский XML ODF». Откройте таблицу в "
               "LibreOffice Calc и сохраните её заново как FODS, ODS или XLSX (или загрузите реестр CSV с "
               "расширением .csv).")
    from kb.bulkimport.registry import RegistryError, read_registry

    with pytest.raises(RegistryError) as caught:
        read_registry(data, 100, "Реестр.FODS")
    assert str(caught.value) == message
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    with upload(client, data, "реестр.fods") as response:
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    make_user("admin")
    result = runner.invoke(args=["import-practices", write(tmp_path, "реестр.fods", data)])
    assert result.exit_code == 1 and message in result.output
    assert practices(app) == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("declared", ["UTF-8", "UTF-16", None])
def test_a_flat_ods_saved_again_in_utf16_is_read_as_the_utf8_one(encoding, declared):
    """A flat ODS saved again by Notepad as «Юникод» (UTF-16 with its byte order mark, the declaration still naming
    UTF-8) was refused as no XML («Файл .fods — не документ OpenDocument (плоский XML), а текст»). It is read as the
    UTF-8 one, whatever its declaration says, with the same refusal of entities; one cut in the middle of a
    character is damaged."""
    from kb.bulkimport.registry import read_registry

    flat = flat_odf(ods_bytes([row("Ф-1", "Школьный театр"), row("Ф-2", "Ёлочка знаний")]))
    declaration, rest = flat.split(b"?>", 1)
    flat = (b"<?xml version='1.0' encoding='" + declared.encode() + b"'?>" if declared else b"") + rest.lstrip()

    def wide(data: bytes) -> bytes:
        text = data.decode()
        return (b"\xfe\xff" + text.encode(encoding)) if encoding == "utf-16-be" else text.encode(encoding)

    expected = read_registry(flat.replace(b"UTF-16", b"UTF-8"), 100, "реестр.fods")
    assert read_registry(wide(flat), 100, "реестр.fods") == expected
    assert read_registry(wide(flat), 100) == expected
    assert [r.values["title"] for r in expected.rows] == ["Школьный театр", "Ёлочка знаний"]
    if declared:
        hostile = wide(with_prolog(flat, BILLION_LAUGHS))
        assert refused(hostile) == "Файл ODS повреждён или это не таблица LibreOffice."
    assert refused(wide(flat)[:-3]).startswith("Файл ODS повреждён")


def test_only_the_declaration_that_begins_a_wide_flat_ods_is_made_to_name_utf8():
    """The declaration naming the encoding is looked for at the text's start only (a few blanks before it at most),
    with bounded runs: searched for across the first 64 KB piece, a piece of many «<?xml » or of many blanks after
    the declaration took seconds, and a «<?xml … encoding=…» further on was rewritten as well."""
    from kb.bulkimport.registry import read_registry
    from kb.encodings import Utf8Reader

    def read(text: str) -> str:
        return Utf8Reader(text.encode("utf-16"), "utf-16").read().decode()

    assert read("  <?xml version='1.0' encoding='UTF-16'?><a/>") == "  <?xml version='1.0' encoding=\"UTF-8\"?><a/>"
    assert read('<?xml version="1.0"\n encoding = "utf-16" standalone="yes"?>') == (
        '<?xml version="1.0"\n encoding = "UTF-8" standalone="yes"?>')
    for text in ("<a><?xml version='1.0' encoding='UTF-16'?></a>", "<?xml version='1.0'?><a encoding='x'/>",
                 "<?xml " * 5400, '<?xml version="1.0"?>' + " " * 32000 + "<x/>"):
        assert read(text) == text
    flat = flat_odf(ods_bytes([row("Ф-1", "Школьный театр")]))
    assert read_registry(flat.decode().encode("utf-16"), 100, "реестр.fods") == read_registry(flat, 100, "реестр.fods")
    assert refused(("<?xml " * 5400).encode("utf-16")) == "Файл ODS повреждён или это не таблица LibreOffice."


def test_a_flat_ods_or_an_ods_named_otherwise_is_read_by_its_content():
    from kb.bulkimport.registry import read_registry

    flat = flat_odf(ods_bytes([row("Ф-1", "Школьный театр")]))
    package = ods_bytes([row("Ф-1", "Школьный театр")])
    assert read_registry(flat, 100, "реестр.xml") == read_registry(flat, 100, "реестр.fods")
    assert read_registry(package, 100, "реестр.fods") == read_registry(package, 100, "реестр.ods")


def test_a_date_in_an_ods_grades_cell_names_libreoffice_not_excel(app, make_user):
    """A grade range an ODS holds as a date was told «сохранена Excel как дата»: LibreOffice saved it."""
    from tests.test_bulk_import_checks import check

    admin = make_user("admin")
    levels = HEADER.index("Уровень образования")
    values = row("Д-1", "Театр в школе")
    values[levels] = dt.datetime(2024, 9, 5)
    report = check(app, admin, ods_bytes([values]))
    assert ("Уровень образования: ячейка «05.09» сохранена LibreOffice как дата, прочитано как классы 5–9; "
            "проверьте.") in report.rows[0].warnings
    assert not any("Excel" in warning for warning in report.rows[0].warnings)


def test_dates_and_date_serials_of_an_ods_name_libreoffice_not_excel(app, make_user):
    """A date cell of an ODS in the organisation's or a subject's column, a date serial in the year's, were told
    «Excel сам превратил это в дату», «похоже на дату Excel»: LibreOffice saved the file."""
    from tests.test_bulk_import_checks import check

    admin = make_user("admin")
    values = row("Д-1", "Театр в школе", year=45366)
    values[HEADER.index("Организация")] = dt.datetime(2024, 9, 5)
    values[HEADER.index("Предмет")] = dt.datetime(2024, 3, 12)
    warnings = check(app, admin, ods_bytes([values])).rows[0].warnings
    assert ("Организация: в ячейке дата 05.09.2024, она прочитана как текст «05.09.2024». Если там было написано "
            "другое, LibreOffice сам превратил это в дату (так он делает с «5-9» или «5.9»)") in " ".join(warnings)
    assert ("Предмет: в ячейке дата «12.03.2024», а не значение словаря; значение не будет загружено. LibreOffice "
            "сам превращает в дату набранное так, как «12-3» или «12.3».") in " ".join(warnings)
    assert ("Год: в ячейке число 45366 — похоже на дату LibreOffice 15.03.2024 (ячейка потеряла формат даты), взят "
            "её год 2024.") in warnings
    assert not any("Excel" in warning for warning in warnings), warnings


def test_an_id_libreoffice_turned_into_a_number_is_refused_naming_libreoffice(app, runner, make_user, tmp_path):
    """An ODS's numeric id equal as a number to a stored «001» is refused as an XLSX's is, but the message said
    «Excel мог убрать нули» of a file LibreOffice saved."""
    from tests.test_bulk_import import csv_bytes

    make_user("methodist", email="m@example.org", scope_region="RU-CHE")
    loaded = runner.invoke(args=["import-practices", write(tmp_path, "r.csv", csv_bytes([row("001", "Практика")])),
                                 "--user", "m@example.org"])
    assert loaded.exit_code == 0, loaded.output
    first, = practices(app)
    result = runner.invoke(args=["import-practices", write(tmp_path, "r.ods", ods_bytes([row(1, "Практика")])),
                                 "--user", "m@example.org"])
    assert result.exit_code == 1
    assert (f"Внешний идентификатор «1» похож на «001» практики №{first.id}, уже загруженной: LibreOffice мог убрать "
            "нули. Исправьте идентификатор в файле (формат ячейки «Текстовый») и загрузите реестр ещё раз."
            ) in result.output, result.output
    assert "Excel" not in result.output
    assert [p.external_id for p in practices(app)] == ["001"]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_an_uncalculated_formula_in_the_region_cell_is_the_rows_error_alone(app, make_user, kind):
    """A region cell holding a formula without its value told the formula and «Регион не указан — взят регион
    вашей области»: the region is not missing but unread, and the row does not load."""
    from odf.table import TableCell

    from tests.test_bulk_import_checks import check

    methodist = make_user("methodist", scope_region="RU-CHE")
    region = HEADER.index("Регион")
    column = "ABCDEFGHIJKLMNOP"[region]
    values = row("Ф-1", "Театр в школе")
    if kind == "ods":
        values[region] = TableCell(formula='of:=CONCATENATE("Челябинская ";"область")')
        data = ods_bytes([values])
    else:
        values[region] = '=CONCATENATE("Челябинская ", "область")'  # openpyxl writes a formula without its value
        data = xlsx_bytes([values])
    report = check(app, methodist, data)
    program = "LibreOffice" if kind == "ods" else "Excel"
    assert report.rows[0].errors == [f"Ячейка {column}2: формула без вычисленного значения — откройте и сохраните "
                                     f"файл в {program}."]
    assert not any("Регион не указан" in warning for warning in report.rows[0].warnings)
