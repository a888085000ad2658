"""Reading a registry saved as ODS (LibreOffice Calc, OpenOffice): the rows of its sheet as the XLSX reader gives
them (numbers as int or float, dates as datetime, logical cells as bool, text as str, empty cells as None), the
sheet chosen, the merged cells filled and the hidden rows and sheets named as for an XLSX. A flat ODS (.fods,
LibreOffice's «Flat XML ODF»: the same office:body inside one XML file, office:document) is read the same way.

The sheets (content.xml) are read as a stream with defusedxml, as openpyxl reads an XLSX, and their names are
odfpy's: odfpy's own ``load`` builds the whole document in memory, about 400 MB and half a minute for a registry
of 5000 rows of thirty columns. ODS writes a run of equal cells or rows once with a count
(``table:number-columns-repeated``, ``table:number-rows-repeated``), and a sheet formatted to its end ends with a
run of a million empty rows or sixteen thousand empty cells: empty runs only move the row and column numbers,
filled runs are laid out up to ``MAX_COLUMNS`` columns and the registry's row limit.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import typing
from dataclasses import dataclass, field
from xml.etree.ElementTree import SubElement

from odf.namespaces import OFFICENS, STYLENS, TABLENS, TEXTNS

from kb.attachments.extract import ZIP_ERRORS, OdfText, flat_mimetype, read_member, wide_encoding
from kb.bulkimport.registry import (
    HEADER_SEARCH_ROWS,
    MAX_NOTED,
    NOT_ODF_TABLE,
    ODS_MIMETYPE,
    CellProblem,
    RegistryError,
    _cell_problem,
    _column_letter,
    _numbers,
    cell_text,
    choose_sheet,
    fill_merged,
    header_columns,
    open_package,
)
from kb.encodings import Utf8Reader

CALCEXTNS = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"  # LibreOffice's extension
MAX_COLUMNS = 1024  # a registry has some thirty; a sheet of LibreOffice before 7.4 had 1024 (up to AMJ)
MAX_CELL_TEXT = 32_767  # characters of a cell's text, as a cell of Excel holds at most: the rest is left out
MAX_CELL_PARTS = 65_536  # elements in a cell (paragraphs, spans, runs of spaces): more are no spreadsheet's
MAX_ROW_CELLS = 16_384  # cells of a row: each takes a column at least, and LibreOffice has 16384 columns at most
PROGRAM = "LibreOffice"

_TABLE, _ROW, _CELL, _COVERED, _COLUMN = (f"{{{TABLENS}}}{name}" for name in (
    "table", "table-row", "table-cell", "covered-table-cell", "table-column"))
_STYLE = f"{{{STYLENS}}}style"
_PARAGRAPHS = (f"{{{TEXTNS}}}p", f"{{{TEXTNS}}}h")
_PARAGRAPH = _PARAGRAPHS[0]
_SKIPPED = (f"{{{TEXTNS}}}note", f"{{{TEXTNS}}}annotation", f"{{{OFFICENS}}}annotation",  # in a cell's paragraph
            f"{{{OFFICENS}}}binary-data")  # a picture's bytes, in a flat ODS
_FLAT_ROOT = f"{{{OFFICENS}}}document"  # of a flat ODS (.fods): office:meta, the styles, then the same office:body
_EXCEL_XML_ROOT = "{urn:schemas-microsoft-com:office:spreadsheet}Workbook"  # Excel 2003's «Таблица XML»
NOT_FLAT_ODS = ("Файл — XML, но не таблица LibreOffice (ODS в одном файле XML, .fods): загрузите реестр в XLSX, "
                "ODS или CSV.")
EXCEL_XML = ("Файл — таблица Excel 2003 в формате XML, которую банк не читает: откройте её в Excel и сохраните как "
             "XLSX.")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_DURATION = re.compile(r"(-)?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?")


class _Damaged(ValueError):
    """A cell whose value cannot be what the file says it is (a number «NaN», a date «2020-13-45»)."""


def _table(name: str) -> str:
    return f"{{{TABLENS}}}{name}"


def _office(name: str) -> str:
    return f"{{{OFFICENS}}}{name}"


@dataclass
class _Sheet:
    title: str
    hidden: bool
    collect: bool  # all its rows are kept: it may be the sheet read
    first: list[tuple[int, list[object]]] = field(default_factory=list)  # its first rows, for the header
    rows: list[tuple[int, list[object]]] = field(default_factory=list)  # the rows with something in them
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)  # positions, from 0 (up to MAX_COLUMNS)
    described: int = 0  # the columns described so far (table:table-column, before the rows)
    merged: list[tuple[int, int, int]] = field(default_factory=list)  # column, first row, last row
    cut: list[int] = field(default_factory=list)  # rows with values past MAX_COLUMNS
    number: int = 0  # the last row read
    columns: int | None = None  # how many of the bank's columns its header row names, once counted

    def header_columns(self) -> int:
        if self.columns is None:
            self.columns = header_columns(self.first)
        return self.columns


def ods_rows(data: bytes, max_rows: int,
             notes: list[str]) -> tuple[list[tuple[int, list[object]]], str, set[int], set[int]]:
    """The rows of the registry's sheet, its name, its hidden rows and columns, as ``_xlsx_rows`` gives them for an
    XLSX."""
    archive = open_package(data, "ODS")
    try:
        manifest = read_member(archive, archive.getinfo("META-INF/manifest.xml"))
    except KeyError:
        manifest = b""
    except ZIP_ERRORS as exc:
        raise RegistryError("Файл ODS повреждён: его части не совпадают с заявленными размерами.") from exc
    if b"encryption-data" in manifest:
        raise RegistryError("Таблица ODS защищена паролем, и банк не может её прочитать: откройте её в LibreOffice "
                            "и сохраните без пароля (Файл → Сохранить как…, снимите отметку «Сохранить с "
                            "паролем»).")
    try:
        content = read_member(archive, archive.getinfo("content.xml"))
    except KeyError as exc:
        raise RegistryError("Файл ODS повреждён: в нём нет содержимого (content.xml).") from exc
    except ZIP_ERRORS as exc:
        raise RegistryError("Файл ODS повреждён: его части не совпадают с заявленными размерами.") from exc
    sheets = _read_sheets(io.BytesIO(content), max_rows + HEADER_SEARCH_ROWS + 1)
    del content
    return _chosen(sheets, notes)


def fods_rows(data: bytes, max_rows: int,
              notes: list[str]) -> tuple[list[tuple[int, list[object]]], str, set[int], set[int]]:
    """The rows of a flat ODS (LibreOffice's «Flat XML ODF», one XML file whose root is office:document), as
    ``ods_rows`` gives them: its office:body is read by the same stream with the same bounds; an XML of another
    kind is refused. A file in UTF-16 or UTF-32 (saved again by Notepad as «Юникод») is read as UTF-8, a piece at
    a time."""
    encoding = wide_encoding(data)
    source = Utf8Reader(data, encoding) if encoding else io.BytesIO(data)
    return _chosen(_read_sheets(source, max_rows + HEADER_SEARCH_ROWS + 1, flat=True), notes)


def _chosen(sheets: list[_Sheet], notes: list[str]) -> tuple[list[tuple[int, list[object]]], str, set[int], set[int]]:
    chosen = choose_sheet(sheets, lambda sheet: sheet.hidden, _Sheet.header_columns, "ODS", PROGRAM, notes)
    if chosen.cut:
        notes.append(f"Значения правее столбца {_column_letter(MAX_COLUMNS - 1)} ({MAX_COLUMNS}-го) пропущены: "
                     f"{'строка' if len(chosen.cut) == 1 else 'строки'} {_numbers(chosen.cut)}.")
    fill_merged(chosen.rows, chosen.merged, notes)
    return chosen.rows, chosen.title, chosen.hidden_rows, chosen.hidden_columns


def _read_sheets(content: typing.BinaryIO, keep: int, flat: bool = False) -> list[_Sheet]:
    """Every sheet of content.xml (``flat``: of a flat ODS), read from ``content``, with its first rows; all the
    rows (up to ``keep`` with something in them) of those that may be the one read: the first visible one, and the
    visible one whose header row names the most columns so far (``choose_sheet``).

    Every element is let go once read: a cell's paragraphs are read as they come (``OdfText``: a cell keeps one
    paragraph with its text, up to MAX_CELL_TEXT characters) and a row's cells when the row ends."""
    from openpyxl.xml.functions import iterparse  # defusedxml's, as openpyxl's own reading

    hidden_styles: set[str] = set()
    sheets: list[_Sheet] = []
    sheet: _Sheet | None = None
    depth = 0  # of table:table elements (a table inside a cell is part of its cell)
    best: _Sheet | None = None  # the visible sheet whose header row names the most columns so far
    path: list = []  # the elements open
    cell = None  # the cell of a sheet's row being read: what is inside it goes to `text`
    paragraphs: list[str] = []  # its paragraphs' text
    cells = 0  # in the row being read
    parts = 0  # elements in the cell being read
    text = OdfText(sys.maxsize, skipped=_SKIPPED)
    try:
        for event, element in iterparse(content, events=("start", "end")):
            tag = element.tag
            if event == "start":
                if flat and not path:
                    _check_flat_root(element)
                path.append(element)
                if cell is not None:
                    parts += 1
                    if parts > MAX_CELL_PARTS:
                        raise RegistryError(f"Файл ODS повреждён: в строке {sheet.number + 1} листа «{sheet.title}» "
                                            f"ячейка из более чем {MAX_CELL_PARTS} элементов разметки — так "
                                            "таблицы не сохраняют.")
                    text.start(element)
                elif tag == _TABLE:
                    depth += 1
                    if depth == 1:
                        hidden = element.get(_table("style-name")) in hidden_styles
                        sheet = _Sheet(element.get(_table("name")) or f"Лист{len(sheets) + 1}", hidden,
                                       collect=not hidden)
                        sheets.append(sheet)
                elif tag == _ROW:
                    cells = 0
                elif tag in (_CELL, _COVERED) and depth == 1 and sheet is not None:
                    cells += 1
                    if cells > MAX_ROW_CELLS:
                        raise RegistryError(f"Файл ODS повреждён: в строке {sheet.number + 1} листа «{sheet.title}» "
                                            f"больше {MAX_ROW_CELLS} ячеек — больше, чем столбцов в таблице.")
                    cell, paragraphs, parts, text.piece_left = element, [], 0, MAX_CELL_TEXT
                continue
            path.pop()
            parent = path[-1] if path else None
            if cell is not None and element is not cell:
                found = text.end(element, parent)
                if text.depth:
                    continue  # taken off its parent by `text`
                if found is not None and parent is cell and text.piece_left >= 0:
                    paragraphs.append(found)
                    text.piece_left -= 1  # the line break before the next one
            elif element is cell:
                cell = None
                if paragraphs:  # the cell's paragraphs as one, for _text
                    SubElement(element, _PARAGRAPH).text = "\n".join(paragraphs)
                continue  # the row reads it
            elif tag == _ROW and depth == 1 and sheet is not None:
                _read_row(sheet, element, keep)
            elif tag == _COLUMN and depth == 1 and sheet is not None:
                _read_column(sheet, element)
            elif tag == _TABLE:
                depth -= 1
                if depth == 0 and sheet is not None:
                    first_visible = next(s for s in sheets if not s.hidden) if sheet.collect else None
                    if sheet.collect and sheet.header_columns() > (best.header_columns() if best else 0):
                        if best is not None and best is not first_visible:
                            best.rows = []  # a sheet with more of the bank's columns is read instead
                        best = sheet
                    elif sheet.collect and sheet is not first_visible:
                        sheet.rows = []  # neither the first visible sheet nor the best one so far: not read
                    sheet = None
            elif tag == _STYLE and depth == 0:
                if element.get(f"{{{STYLENS}}}family") == "table" and any(
                        child.get(_table("display")) == "false" for child in element):
                    hidden_styles.add(element.get(f"{{{STYLENS}}}name") or "")
            elif parent is not None and parent.tag == _STYLE:
                continue  # the style reads it
            element.clear()
            if parent is not None:
                parent.remove(element)
    except RegistryError:
        raise
    except Exception as exc:  # noqa: BLE001 - the XML parser and defusedxml raise many kinds for a broken file
        if sheet is not None:
            raise RegistryError(f"Файл ODS повреждён: строка {sheet.number + 1} листа «{sheet.title}» не "
                                "читается.") from exc
        raise RegistryError("Файл ODS повреждён или это не таблица LibreOffice.") from exc
    return sheets


def _check_flat_root(root) -> None:
    """A flat OpenDocument's root (office:document) whose office:mimetype, when it has one, is a spreadsheet's."""
    mimetype = flat_mimetype(root)
    if mimetype is None:
        raise RegistryError(EXCEL_XML if root.tag == _EXCEL_XML_ROOT else NOT_FLAT_ODS)
    if mimetype and not mimetype.startswith(ODS_MIMETYPE):
        raise RegistryError(NOT_ODF_TABLE)


def _count(element, name: str) -> int:
    value = element.get(_table(name))
    if value is None:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise _Damaged(name)
    return int(value)


def _read_column(sheet: _Sheet, column) -> None:
    """A table:table-column (or a run of them): its columns hidden (``table:visibility="collapse"``, as LibreOffice
    writes a column hidden by hand or folded in a group) are noted, up to MAX_COLUMNS."""
    try:
        repeated = _count(column, "number-columns-repeated")
    except _Damaged as exc:
        raise RegistryError(f"Файл ODS повреждён: столбцы листа «{sheet.title}» не читаются.") from exc
    first = sheet.described
    sheet.described += repeated
    if column.get(_table("visibility")) in ("collapse", "filter") and first < MAX_COLUMNS:
        sheet.hidden_columns.update(range(first, min(sheet.described, MAX_COLUMNS)))


def _read_row(sheet: _Sheet, row, keep: int) -> None:
    first = sheet.number + 1
    try:
        repeated = _count(row, "number-rows-repeated")
        values, cut, spans = _cells(row, first)
    except _Damaged as exc:
        raise RegistryError(f"Файл ODS повреждён: строка {first} листа «{sheet.title}» не читается.") from exc
    sheet.number += repeated
    if not values:
        return  # an empty row, or a million of them at the end of a formatted sheet
    hidden = row.get(_table("visibility")) in ("collapse", "filter")
    for number in range(first, first + repeated):
        wanted = sheet.collect and len(sheet.rows) <= keep
        header = number <= 10 * HEADER_SEARCH_ROWS and len(sheet.first) < HEADER_SEARCH_ROWS
        if not wanted and not header:
            break  # the rest of a run of equal rows changes nothing
        copy = values if number == first else [_moved(value, number) for value in values]
        if header:
            sheet.first.append((number, copy))
        if wanted:
            sheet.rows.append((number, copy))
            if hidden and len(sheet.hidden_rows) < MAX_NOTED:
                sheet.hidden_rows.add(number)
            if cut and len(sheet.cut) < MAX_NOTED:
                sheet.cut.append(number)
            for column, rows in spans:
                if len(sheet.merged) < MAX_NOTED:
                    sheet.merged.append((column, number, number + rows - 1))


def _moved(value: object, number: int) -> object:
    """A cell of a repeated row, in the row ``number``: its problem names its own cell."""
    if not isinstance(value, CellProblem):
        return value
    column = re.match(r"[A-Z]+", value.coordinate).group()
    where = f"{column}{number}"
    return CellProblem(where, value.shown, value.message.replace(value.coordinate, where, 1))


def _cells(row, number: int) -> tuple[list[object], bool, list[tuple[int, int]]]:
    """The values of a row (no empty cells at its end), whether values past MAX_COLUMNS were left out, and its
    cells merged over more than one row: (column, rows)."""
    values: list[object] = []
    spans: list[tuple[int, int]] = []
    column = 0  # the columns passed
    cut = False
    for cell in row:
        if cell.tag not in (_CELL, _COVERED):
            continue
        repeated = _count(cell, "number-columns-repeated")
        value = _value(cell, number, column + 1) if cell.tag == _CELL else None
        if not cell_text(value):
            column += repeated
            continue
        if column >= MAX_COLUMNS:
            cut = True
            column += repeated
            continue
        values.extend([None] * (column - len(values)))
        take = min(repeated, MAX_COLUMNS - column)
        values.extend([value] * take)
        cut = cut or take < repeated
        if (rows := _count(cell, "number-rows-spanned")) > 1:
            spans.append((column + 1, rows))
        column += repeated
    return values, cut, spans


def _value(cell, number: int, column: int) -> object:
    """A cell's value as openpyxl gives an XLSX cell's; an error or a formula without a value as a CellProblem."""
    kind = cell.get(_office("value-type"))
    formula = cell.get(_table("formula"))
    if cell.get(f"{{{CALCEXTNS}}}value-type") == "error":
        return _cell_problem(number, column, True, _text(cell) or "#ошибка", PROGRAM)
    if kind in ("float", "percentage", "currency"):
        value = cell.get(_office("value"))
        if value is None:
            return _uncalculated(number, column, formula) if formula else (_text(cell) or None)
        return _number(value)
    if kind == "date":
        return _date(cell.get(_office("date-value")) or "")
    if kind == "time":
        return _time(cell.get(_office("time-value")) or "")
    if kind == "boolean":
        value = cell.get(_office("boolean-value"))
        if value not in ("true", "false", "1", "0"):
            raise _Damaged(value)
        return value in ("true", "1")
    if kind is None and formula:
        return _uncalculated(number, column, formula)
    text = cell.get(_office("string-value"))
    return text if text is not None else (_text(cell) or None)


def _uncalculated(number: int, column: int, formula: str) -> CellProblem:
    shown = formula.split(":", 1)[1] if re.match(r"[a-z]+:=", formula) else formula  # «of:=SUM(…)»
    return _cell_problem(number, column, False, shown if shown.startswith("=") else f"={shown}", PROGRAM)


def _number(value: str) -> int | float:
    """As openpyxl reads an XLSX number: an int when written without a point or an exponent."""
    if not _NUMBER.fullmatch(value):
        raise _Damaged(value)  # NaN, inf, text
    return int(value) if value.lstrip("+-").isdigit() else float(value)


def _date(value: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise _Damaged(value) from exc


def _time(value: str) -> dt.time | dt.timedelta:
    """«PT10H30M00S»: a time of day as openpyxl gives one (a time), a longer duration as a timedelta."""
    found = _DURATION.fullmatch(value)
    if not found or not any(found.groups()[1:]):
        raise _Damaged(value)
    negative, days, hours, minutes, seconds = found.groups()
    duration = dt.timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
                            seconds=float(seconds or 0))
    if negative:
        return -duration
    if duration < dt.timedelta(days=1):
        return (dt.datetime.min + duration).time()
    return duration


def _text(cell) -> str:
    """The text a cell shows: its paragraphs on their own lines (read by ``_read_sheets``, without the comments
    attached to it)."""
    return "\n".join(child.text or "" for child in cell if child.tag in _PARAGRAPHS)
