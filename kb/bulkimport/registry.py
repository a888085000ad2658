"""Reading a registry of practices (CSV, XLSX, ODS or FODS, one practice per row) into rows keyed by field.

Pure Python (no Flask or database): the columns are recognised by their Russian headers, case,
«ё»/«е», extra spaces, a trailing colon or a note in brackets ignored.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import itertools
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.attachments.extract import (
    MAX_ENTRIES,
    MAX_RATIO,
    MAX_UNPACKED,
    ZIP_ERRORS,
    begins_as_xml,
    describe,
    repack,
    wide_encoding,
)
from kb.bulkimport.archive import _entry_name as entry_name
from kb.encodings import cyrillic_encoding
from kb.practices.models import SECTIONS
from kb.templating import plural
from kb.textclean import composed, xml_text

# (field, header written in the template, other accepted headers)
COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("external_id", "Внешний идентификатор", ("внешний id", "идентификатор", "id", "external_id", "код практики")),
    ("title", "Название", ("название практики", "наименование", "наименование практики", "тема практики",
                           "тема опыта", "название опыта", "наименование опыта", "тема педагогического опыта",
                           "название педагогического опыта", "наименование педагогического опыта", "title")),
    ("authors", "Авторы", ("автор", "автор(ы)", "авторы практики", "автор(ы) практики", "автор практики", "фио",
                           "фио автора", "фио авторов", "фио автора(ов)", "фио автора(авторов)", "автор опыта",
                           "авторы опыта", "автор(ы) опыта", "фио автора опыта", "фио авторов опыта",
                           "фио автора(ов) опыта", "фио автора практики", "фамилия имя отчество",
                           "фамилия имя отчество автора", "authors")),
    ("organisation", "Организация", ("образовательная организация", "учреждение", "оо", "оу", "наименование оо",
                                     "наименование оу", "наименование организации",
                                     "наименование образовательной организации", "образовательное учреждение",
                                     "наименование образовательного учреждения", "наименование учреждения",
                                     "место работы", "место работы автора", "место работы автора опыта",
                                     "organisation")),
    ("region", "Регион", ("субъект рф", "субъект", "регион рф", "region")),
    ("municipality", "Муниципалитет", ("муниципальное образование", "город, район", "город/район",
                                       "муниципальный район", "муниципальный округ", "городской округ", "город",
                                       "район", "municipality")),
    ("levels", "Уровень образования", ("уровни образования", "уровень", "levels")),
    ("subjects", "Предмет", ("предметы", "учебный предмет", "учебные предметы", "subjects")),
    ("topics", "Темы", ("тема", "тематика", "topics")),
    ("year", "Год", ("год представления", "год реализации", "учебный год", "year")),
    ("event", "Мероприятие", ("где представлена", "мероприятие, где представлена", "событие", "event")),
    ("spread_level", "Уровень распространения", ("уровень распространения опыта", "распространение",
                                                 "spread_level")),
    ("licence", "Лицензия", ("лицензия практики", "условия использования", "licence", "license")),
    *((key, heading, (key,)) for key, heading in SECTIONS),
    ("files", "Файлы", ("файл", "вложения", "приложения", "files")),
)
# Columns a registry may have that the template does not: read into another field («Должность» into the authors'
# line, «ФИО, должность»), so not written in the template.
MERGED_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("position", "Должность", ("должности", "должность автора", "должности авторов", "должность автора опыта",
                               "должность(и)", "занимаемая должность", "position")),
)
# More names people give the template sections.
_SECTION_ALIASES = {
    "annotation": ("краткая аннотация", "аннотация опыта", "аннотация практики", "краткая аннотация опыта",
                   "краткая аннотация практики", "краткое описание", "краткое описание опыта"),
    "goal_tasks": ("цели и задачи", "цель", "цель, задачи"),
    "theoretical_base": ("теоретическая основа", "теоретические основы", "теоретическое обоснование",
                         "теоретическая база опыта", "теоретические основы опыта", "научно-теоретическая база"),
    "technology": ("технология", "технология опыта", "содержание опыта", "содержание"),
    "results": ("результаты", "результативность опыта"),
    "conditions": ("условия", "ресурсы", "условия реализации"),
    "target_audience": ("адресность", "для кого"),
    "replication": ("тиражирование", "возможность тиражирования опыта"),
    "literature": ("литература", "список источников"),
    "leading_idea": ("ведущая идея",),
}
FIELD_LABELS = {key: heading for key, heading, _ in (*COLUMNS, *MERGED_COLUMNS)}
MAX_CELL = 4 * 1024 * 1024  # characters in one CSV cell
HEADER_SEARCH_ROWS = 10  # the header row is looked for among the first non-empty rows (a title may stand above)
NOT_A_TABLE = "Файл не похож на таблицу CSV, XLSX или ODS. Сохраните реестр в одном из этих форматов."
NOT_EXCEL_HTML = "Файл — веб-страница (HTML), а не таблица Excel: откройте его в Excel и сохраните как XLSX."
# A web page named as another format the registry is loaded in (its name's ending): that format is named
_NOT_TABLE_HTML = {
    ".ods": "Файл — веб-страница (HTML), а не таблица ODS: откройте его в LibreOffice и сохраните как ODS.",
    ".fods": "Файл — веб-страница (HTML), а не таблица ODS: откройте его в LibreOffice и сохраните как ODS.",
    ".csv": "Файл — веб-страница (HTML), а не таблица CSV: откройте его в Excel или LibreOffice и сохраните как XLSX "
            "или CSV.",
}
TEMPLATE_HINT = ("Назовите столбцы как в шаблоне реестра — его можно скачать (XLSX, ODS или CSV) на странице "
                 "загрузки реестра.")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# What an HTML page begins with (after a BOM, spaces, an XML declaration or comments): school information systems
# export a web page with a table and name it .xls or .xlsx, which Excel opens (with a warning).
_HTML_START = re.compile(r"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         r"<(?:!doctype\s+html|html|head|body|meta|table|style)\b", re.IGNORECASE | re.DOTALL)


class RegistryError(ValueError):
    """The file as a whole cannot be read; the message says why, in Russian."""


def normalise_header(text: object, notes: bool = False) -> str:
    """A header folded for comparison: lower case, ё → е, «Ф.И.О.» → «фио», no notes in brackets, punctuation
    other than brackets a space («Город/район», «Тема опыта:»). A note is in brackets after a space, «Авторы (ФИО,
    должность)»: brackets right after a word are its ending, «Автор(ы)», «ФИО автора(ов)», and stay — unless
    ``notes``, when every bracketed part goes («Предмет(ы)» → «предмет»; see header_key)."""
    value = str(text or "").lower().replace("ё", "е").replace("\u00a0", " ")
    value = re.sub(r"\bф\.\s*и\.\s*о\b\.?", "фио", value)
    value = re.sub(r"\([^)]*\)" if notes else r"(?:^|\s)\([^)]*\)", " ", value)
    return " ".join(re.sub(r"[^\w()]+", " ", value).split())  # «Город/район», «Цель, задачи», «Тема опыта:»


def header_key(text: object) -> str | None:
    """The field a header names: looked up with brackets right after a word kept («Автор(ы) практики»), failing
    that with every bracketed part left out, as a note («Предмет(ы)», «Год(реализации)», «Название(полное)»)."""
    return HEADERS.get(normalise_header(text)) or HEADERS.get(normalise_header(text, notes=True))


# A column that numbers the rows («№ п/п», «№», «N п/п») is no field of a practice: left out without a word.
_NUMBERING = frozenset({"", "п п", "n п п", "n", "nn", "no", "номер п п"})


def numbering(text: object) -> bool:
    return normalise_header(text) in _NUMBERING


# Words that make a header look like a field's (the start of one of its words): a column the aliases miss is then
# named with the field it may be, so the check says what would be lost.
_FIELD_WORDS = (
    ("authors", ("автор", "фио", "ф.и.о", "разработчик", "составител")),
    ("title", ("назван", "наименован")),
    ("organisation", ("организац", "учрежден", "оо", "оу", "школ")),
    ("region", ("регион", "субъект")),
    ("municipality", ("муниципал", "город", "район", "округ", "населенн")),
    ("levels", ("уровн", "уровен", "ступен")),
    ("subjects", ("предмет", "дисциплин")),
    ("year", ("год",)),
    ("spread_level", ("распростран",)),
    ("licence", ("лиценз",)),
    ("files", ("файл",)),
    ("position", ("должност",)),
)


def close_field(written: str, taken: dict[str, str] | None = None) -> str | None:
    """The field an unrecognised header may be («ФИО педагога» — «Авторы», «Год внедрения» — «Год»): the one its
    words point to, or failing that the one with a closely spelled header; None when none or several do. Fields in
    ``taken`` (recognised in another column) are not offered."""
    taken = taken or {}
    header = normalise_header(written)
    words = re.findall(r"[\w.]+", header)
    found = {key for key, stems in _FIELD_WORDS if key not in taken
             and any(word.startswith(stem) for word in words for stem in stems)}
    if len(found) == 1:
        return found.pop()
    if found:
        return None
    close = [HEADERS[name] for name in difflib.get_close_matches(header, list(HEADERS), n=3, cutoff=0.8)]
    close = [key for key in dict.fromkeys(close) if key not in taken]
    return close[0] if len(close) == 1 else None


def _unknown_column(written: str, columns: dict[str, str]) -> str:
    """The warning about a column that is not read; one that looks like a field says which and how to fix it."""
    key = close_field(written, columns)
    if key is None:
        return f"Столбец «{written}» не распознан и пропущен."
    label = FIELD_LABELS[key]
    return (f"Столбец «{written}» не распознан и пропущен, хотя похож на «{label}»: его значения не будут загружены. "
            f"Если это он, назовите столбец «{label}» и загрузите реестр снова.")


def _header_map() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for key, heading, aliases in (*COLUMNS, *MERGED_COLUMNS):
        for name in (heading, *aliases, *_SECTION_ALIASES.get(key, ())):
            mapping.setdefault(normalise_header(name), key)
    return mapping


HEADERS = _header_map()


@dataclass
class RawRow:
    """One row of the registry: its line number in the file and the cells by field."""

    number: int
    values: dict[str, object]
    errors: list[str] = field(default_factory=list)  # what is wrong with the row as the file holds it


@dataclass
class Registry:
    """The rows of a registry with the columns found and the file-level warnings."""

    columns: dict[str, str]  # field -> header as written in the file
    rows: list[RawRow]
    warnings: list[str] = field(default_factory=list)
    # the program the file was saved in, LibreOffice for ODS and FODS, which its messages name (not what it holds);
    # a CSV's may be either program's (CSV_PROGRAM)
    program: str = field(default="Excel", compare=False)
    kind: str = field(default="XLSX", compare=False)  # the format the file is in: XLSX, ODS, FODS or CSV


CSV_PROGRAM = "Excel или LibreOffice"  # who may have saved a CSV, as its messages name it


def read_registry(data: bytes, max_rows: int, name: str = "") -> Registry:
    """Read a CSV, XLSX, ODS or flat ODS (FODS) registry; raises RegistryError when the file cannot be used at all.
    The kind is the content's; the file's ``name`` only makes a message precise (a .fods that is no XML)."""
    if not data:
        raise RegistryError("Файл реестра пустой.")
    if data[:8] == OLE_MAGIC:
        # Excel keeps a workbook saved with a password in an OLE container, as old XLS files are, with the XLSX
        # inside as a stream named EncryptedPackage (the container's directory spells names in UTF-16).
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise RegistryError("Файл Excel защищён паролем, и банк не может его прочитать: откройте его в Excel, "
                                "снимите пароль (Файл → Сведения → Защита книги → Зашифровать с использованием "
                                "пароля — очистите поле) и сохраните как XLSX.")
        raise RegistryError("Это файл старого формата Excel (XLS): сохраните его как XLSX или CSV.")
    if _is_html(data):
        raise RegistryError(_NOT_TABLE_HTML.get(Path(name.lower()).suffix, NOT_EXCEL_HTML))
    notes: list[str] = []
    sheet = None
    hidden: set[int] = set()
    hidden_columns: set[int] = set()
    program, kind = "Excel", "XLSX"
    if data[:4] == b"PK\x03\x04":
        document = open_document_kind(data)
        if document is None and (refusal := _not_a_workbook(data)):
            raise RegistryError(refusal)
        if document is None:
            table, sheet, hidden, hidden_columns = _xlsx_rows(data, max_rows, notes)
        elif document.startswith(ODS_MIMETYPE):
            from kb.bulkimport.ods import ods_rows  # it reads cells with the helpers here

            table, sheet, hidden, hidden_columns = ods_rows(data, max_rows, notes)
            program, kind = "LibreOffice", "ODS"
        else:
            raise RegistryError(NOT_ODF_TABLE)
    elif begins_as_xml(data) or _wide_xml(data):
        from kb.bulkimport.ods import fods_rows

        table, sheet, hidden, hidden_columns = fods_rows(data, max_rows, notes)
        program, kind = "LibreOffice", "FODS"
    else:
        if name.lower().endswith(".fods"):
            raise RegistryError(_not_flat_ods(data))
        table, quotes = _csv_rows(data, max_rows)
        program, kind = CSV_PROGRAM, "CSV"
    registry = _registry(table, max_rows, sheet, hidden, program, quotes if sheet is None else {}, hidden_columns)
    registry.warnings[:0] = notes
    registry.kind = kind
    return registry


NOT_WORD = ("Это документ Word, а не таблица: реестр загружают таблицей XLSX, ODS или CSV. Если реестр — таблица в "
            "документе Word, выделите её, скопируйте в Excel и сохраните как XLSX.")
NOT_FILES_ZIP = ("Это архив ZIP с файлами, а не таблица: загрузите его в поле «Архив с файлами» (в команде — "
                 "--attachments), а в поле реестра — таблицу XLSX, ODS или CSV.")
_TABLE_NAME = re.compile(r"[^/]+\.(?:xlsx|xlsm|ods|fods|csv)", re.IGNORECASE)


def _not_a_workbook(data: bytes) -> str | None:
    """What a ZIP that is no XLSX (nor ODS) is, as a refusal: a Word document (DOCX: a registry kept as a Word
    table), or an archive of files (the practices' files put in the registry's field, or the registry zipped). None
    for an Excel package, another Office package (openpyxl says what is wrong with it) or a ZIP that cannot be
    read (a damaged XLSX: reading it says so)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [entry_name(info) for info in archive.infolist()]  # a Windows archiver's CP866 names too
    except ZIP_ERRORS:
        return None
    if "xl/workbook.xml" in names:
        return None
    if "word/document.xml" in names:
        return NOT_WORD
    if "[Content_Types].xml" in names:
        return None
    if table := next((name for name in names if _TABLE_NAME.fullmatch(name.rpartition("/")[2] or "-")), None):
        return (f"Это архив ZIP, а не таблица: в нём есть «{table.rpartition('/')[2]}» — загрузите в поле реестра "
                "саму таблицу, а архив с файлами практик — в поле «Архив с файлами» (в команде — --attachments).")
    return NOT_FILES_ZIP


def _not_flat_ods(data: bytes) -> str:
    """The refusal of a file named .fods that is no XML (nor a ZIP, an old Excel file or a web page, which are named
    by their content), with what its content is, when that is known."""
    import filetype

    guess = filetype.guess(data)
    what = (f", а {describe(guess.extension)}" if guess is not None
            else ", а текст" if wide_encoding(data) or b"\x00" not in data[:4096] else "")
    return (f"Файл .fods — не документ OpenDocument (плоский XML){what}: таблица FODS — файл XML, который LibreOffice "
            "Calc записывает командой «Сохранить как» с типом «Плоский XML ODF». Откройте таблицу в LibreOffice Calc "
            "и сохраните её заново как FODS, ODS или XLSX (или загрузите реестр CSV с расширением .csv).")


def _wide_xml(data: bytes) -> bool:
    """Whether a file in UTF-16 or UTF-32 (with its byte order mark) begins as XML: a flat ODS saved again by
    Notepad as «Юникод», which the FODS reader reads as UTF-8 (``kb.encodings.Utf8Reader``)."""
    encoding = wide_encoding(data)
    return encoding is not None and begins_as_xml(data[:4096].decode(encoding, errors="ignore").encode())


def _is_html(data: bytes) -> bool:
    head = data[:4096].removeprefix(b"\xef\xbb\xbf")
    encoding = wide_encoding(head)
    text = head.decode(encoding, errors="ignore") if encoding else head.decode("latin-1")  # the markup is ASCII
    return _HTML_START.match(text.lstrip()) is not None


def _decode(data: bytes) -> str:
    if encoding := wide_encoding(data):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise RegistryError(f"Файл в кодировке {encoding.upper()} повреждён (байт {exc.start + 1}): "
                                "сохраните реестр заново как CSV в UTF-8 или как XLSX.") from exc
        if "\x00" in text:
            raise RegistryError(NOT_A_TABLE)
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass  # told apart outside the handler: its error holds a copy of the file
    if refusal := _mixed_utf8(data):
        raise RegistryError(refusal)
    return data.decode(cyrillic_encoding(data), errors="replace")  # Windows-1251, KOI8-R or CP866 (DOS)


_CYRILLIC = re.compile(r"[А-яЁё]")


def _mixed_utf8(data: bytes) -> str | None:
    """The refusal of a CSV in UTF-8 with lines in another encoding (a row typed in a CP1251 program, a file cut in
    the middle of a letter), naming the lines; None for a file in CP1251. A file is UTF-8 when decoding it so gives
    more Cyrillic letters than bad bytes: CP1251 text read as UTF-8 is almost all bad bytes (its letters are never
    UTF-8's continuation bytes), and read as CP1251 the UTF-8 lines would be stored garbled («РќР°Р·РІР°РЅРёРµ»)."""
    letters, bad = _utf8_letters(data)
    if letters <= bad:
        return None
    lines: list[int] = []
    first = position = 0
    view = memoryview(data)
    while True:
        try:
            str(view[position:], "utf-8")  # no copy of the bytes
            break
        except UnicodeDecodeError as exc:
            start = position + exc.start
            line = data.count(b"\n", 0, start) + 1
            if not lines:
                first = start
            if not lines or lines[-1] != line:
                lines.append(line)
            end = data.find(b"\n", start)
            position = len(data) if end == -1 or len(lines) >= 6 else end + 1  # five lines are named at most
    begin = data.rfind(b"\n", 0, first) + 1
    end = data.find(b"\n", first)
    raw = data[begin:end if end != -1 else len(data)].rstrip(b"\r")
    shown = _readable(raw)
    stray = [chunk for chunk in re.findall(rb"[\x80-\xff]+", raw) if _invalid_utf8(chunk)]
    cp1251 = sum(len(_CYRILLIC.findall(chunk.decode("cp1251", errors="replace"))) for chunk in stray) >= 3
    one = len(lines) == 1
    named = ", ".join(map(str, lines[:5])) + (" …" if len(lines) > 5 else "")
    return (f"Файл реестра — в кодировке UTF-8, но {'строка' if one else 'строки'} {named} файла "
            f"({'' if one else 'первая — '}с байта {first + 1}) {'записана' if one else 'записаны'} в другой кодировке"
            f"{' (похоже, Windows-1251)' if cp1251 else ''}: «{shown[:100]}{'…' if len(shown) > 100 else ''}». "
            "Сохраните реестр заново как CSV в UTF-8 или как XLSX, или наберите "
            f"{'эту строку' if one else 'эти строки'} заново.")


_CHUNK = 1 << 16


def _utf8_letters(data: bytes) -> tuple[int, int]:
    """(Cyrillic letters, bad bytes) of the file read as UTF-8, a bad byte (or a bad run of them) counted as the
    one U+FFFD it is read as, the file's own U+FFFD aside. Read a piece at a time: memory of a piece, not of the
    file."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    letters = replaced = 0
    for start in range(0, len(data), _CHUNK):
        text = decoder.decode(data[start:start + _CHUNK], final=start + _CHUNK >= len(data))
        letters += len(text) - len(_CYRILLIC.sub("", text))
        replaced += text.count("\ufffd")
    return letters, replaced - data.count("\ufffd".encode())  # a U+FFFD in UTF-8 is always these three bytes


def _invalid_utf8(chunk: bytes) -> bool:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _readable(raw: bytes) -> str:
    """A line of a file in UTF-8 with parts in another encoding, those parts read as CP1251."""
    shown = []
    while raw:
        try:
            shown.append(raw.decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            shown.append(raw[:exc.start].decode("utf-8"))
            shown.append(raw[exc.start:exc.end].decode("cp1251", errors="replace"))
            raw = raw[exc.end:]
    return xml_text("".join(shown)).strip()


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class StrayQuote:
    """A CSV record whose quote is never closed where it should be: a cell that opens with «"» takes in the line
    breaks and the delimiters after it, so the lines below become part of it (``first``–``last``: the lines of the
    file it took in) instead of rows of their own. ``column``: the cell's position in the record."""

    column: int
    first: int
    last: int


def _csv_rows(data: bytes, max_rows: int) -> tuple[list[tuple[int, list[object]]], dict[int, StrayQuote]]:
    """The records of a CSV with something in them, by number, and the records that took in lines after them
    through a quote never closed, by number."""
    if b"\x00" in data[:4096] and wide_encoding(data) is None:
        raise RegistryError(NOT_A_TABLE)
    text = _decode(data)
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CELL))  # a section of a practice can be long
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[object]]] = []
    quotes: dict[int, StrayQuote] = {}
    lines: list[str] | None = None  # the file's lines, split as the reader splits them (once, if needed)
    ended = 0  # the line of the file the last record ended on
    try:
        for number, values in enumerate(reader, start=1):  # record numbers: the row numbers a spreadsheet shows
            # a cell with line breaks or the delimiter was in quotes, rightly or from a stray «"»
            if any(delimiter in value or "\n" in value or "\r" in value for value in values):
                if lines is None:
                    lines = io.StringIO(text, newline="").readlines()
                raw = "".join(lines[ended:reader.line_num])
                if (stray := _stray_quote(raw, delimiter, ended, reader.line_num)) is not None:
                    quotes[number] = stray
            ended = reader.line_num
            if any(v.strip() for v in values):
                rows.append((number, list(values)))
            if len(rows) > max_rows + HEADER_SEARCH_ROWS + 1:  # past the limit, wherever the header is
                break
    except csv.Error as exc:
        reason = (f"ячейка длиннее {MAX_CELL:,} знаков".replace(",", "\u00a0") if "field limit" in str(exc)
                  else "строка записана не по правилам CSV")
        raise RegistryError(f"Не удаётся разобрать CSV (строка {reader.line_num}): {reason}.") from exc
    return rows, quotes


def _stray_quote(raw: str, delimiter: str, before: int, last: int) -> StrayQuote | None:
    """Whether a record (``raw``: lines ``before`` + 1 to ``last`` of the file) took in the lines after it through a
    quote never closed: a cell opened by «"» that runs to the end of the file, or that is «closed» by the quote
    opening a later cell, with that cell's text right after it, having taken in a line break and a delimiter on
    the way. The reader forgives both. A cell rightly quoted over several lines is closed by a quote followed by
    the delimiter or the end of its line (spaces between them aside); «"Школа; гимназия" № 1», on one line, is
    read as meant."""
    position = column = 0
    while True:  # from the start of a cell
        if raw.startswith('"', position):
            end = position + 1
            while (end := raw.find('"', end)) != -1 and raw.startswith('"', end + 1):
                end += 2  # «""»: a quote inside the cell
            body = raw[position + 1:] if end == -1 else raw[position + 1:end]
            if (_LINE_BREAK.search(body.rstrip("\r\n")) or delimiter in body) if end == -1 else (
                    raw[end + 1:].lstrip(" \t")[:1] not in ("", delimiter, "\n", "\r") and delimiter in body
                    and _LINE_BREAK.search(body)):
                line = before + 1 + len(_LINE_BREAK.findall(raw, 0, position))  # the one the cell opens on
                return StrayQuote(column, line + 1, last)
            if end == -1:
                return None
            position = end + 1  # what follows a closing quote up to the delimiter is the same cell's
        position = raw.find(delimiter, position) + 1
        if not position:
            return None
        column += 1


def _delimiter(text: str) -> str:
    """«;» (Russian Excel), «,» or a tab: the one under which the first rows hold the most known headers, then
    the most cells in the first row. Cells are split as CSV splits them, so commas inside quotes or in a header
    such as «Авторы (ФИО, должность, стаж)» do not count."""
    head = text[:256 * 1024]

    def score(delimiter: str) -> tuple[int, int]:
        rows: list[list[str]] = []
        reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
        try:
            for values in itertools.islice(reader, HEADER_SEARCH_ROWS):
                rows.append(values)
        except csv.Error:  # the rows before the bad one still count; the real read reports it
            pass
        known = max((sum(1 for cell in values if header_key(cell) is not None) for values in rows), default=0)
        return known, sum(1 for cell in rows[0] if cell.strip()) if rows else 0

    scores = {delimiter: score(delimiter) for delimiter in ";,\t"}
    return max(scores, key=scores.__getitem__)  # on a tie, the first: «;»


def _header_row(table: list[tuple[int, list[object]]]) -> int | None:
    """The index in ``table`` of the header row: the first of the first rows that has a «Название» column."""
    for index, (_number, values) in enumerate(table[:HEADER_SEARCH_ROWS]):
        if any(header_key(cell_text(cell)) == "title" for cell in values):
            return index
    return None


@dataclass(frozen=True)
class CellProblem:
    """A cell of an XLSX whose value cannot be taken as it stands: an Excel error (``#REF!``), or a formula that was
    never calculated (a file written by a script has no values for them). Reads as what the sheet shows; the row
    it is in fails with ``message``."""

    coordinate: str
    shown: str
    message: str

    def __str__(self) -> str:
        return self.shown


# At most this many cells of a sheet are remembered as errors or uncalculated formulas, and this many merged
# ranges (a registry's 5000 rows of thirty columns are 150,000 cells): a hostile sheet stays within memory.
MAX_NOTED = 200_000
EXCEL_COLUMNS = 16_384  # a sheet of Excel has no more (XFD): a hidden range «to the end» is cut there


_NOTED = re.compile(rb'<(?:\w+:)?(?:f|mergeCell)[\s/>]|\st=["\']e["\']|\shidden=["\'](?:1|true)["\']')


@dataclass
class _SheetNotes:
    """What openpyxl's read-only mode does not give of a sheet: a merged range's value only in its first cell, an
    error as the text «#REF!», a formula a script wrote without its value (Excel calculates it when it saves) as
    an empty cell, and nothing of the rows and columns hidden by hand or by a filter."""

    merged: list[tuple[int, int, int]] = field(default_factory=list)  # over more than one row: column, first, last
    problems: dict[tuple[int, int], tuple[bool, str]] = field(default_factory=dict)  # (row, column) -> see below
    hidden: set[int] = field(default_factory=set)  # row numbers
    hidden_columns: set[int] = field(default_factory=set)  # positions, from 0


def _sheet_notes(source) -> _SheetNotes:
    """The merged ranges of a sheet over more than one row, its cells that hold an Excel error or a formula never
    calculated, by (row, column): (is an error, what the cell shows), its hidden rows and its hidden columns
    (``<col min max hidden>``, before the rows)."""
    from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
    from openpyxl.xml.functions import iterparse  # defusedxml's, as openpyxl's own reading

    notes = _SheetNotes()
    merged, problems = notes.merged, notes.problems
    row = column = 0
    for event, element in iterparse(source, events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                row, column = int(element.get("r") or row + 1), 0
                if element.get("hidden") in ("1", "true") and len(notes.hidden) < MAX_NOTED:
                    notes.hidden.add(row)
            elif tag == "col" and element.get("hidden") in ("1", "true"):
                try:
                    first, last = int(element.get("min") or 0), int(element.get("max") or element.get("min") or 0)
                except ValueError:
                    continue
                notes.hidden_columns.update(range(max(first, 1) - 1, min(last, EXCEL_COLUMNS)))
            continue
        if tag == "c":
            row, column = coordinate_to_tuple(element.get("r")) if element.get("r") else (row, column + 1)
            kind = element.get("t", "n")
            parts = {child.tag.rpartition("}")[2]: child for child in element}
            cached = (parts["v"].text or "") if "v" in parts else None
            uncalculated = "f" in parts and (cached is None or not cached and kind not in ("str", "s", "inlineStr"))
            if (kind == "e" or uncalculated) and len(problems) < MAX_NOTED:
                formula = parts["f"].text if "f" in parts else None
                problems[row, column] = ((True, cached or "#ошибка") if kind == "e"
                                         else (False, f"={formula}" if formula else "=…"))
            element.clear()
        elif tag == "row":
            element.clear()
        elif tag == "mergeCell" and element.get("ref") and len(merged) < MAX_NOTED:
            try:
                first_column, first_row, _last_column, last_row = range_boundaries(element.get("ref"))
            except (TypeError, ValueError):
                continue
            if first_row is not None and last_row is not None and last_row > first_row:
                merged.append((first_column, first_row, last_row))
    return notes


def _cell_problem(row: int, column: int, error: bool, shown: str, program: str = "Excel") -> CellProblem:
    """``program``: the one the file was saved in (Excel for XLSX, LibreOffice for ODS)."""
    where = f"{_column_letter(column - 1)}{row}"
    if error:
        return CellProblem(where, shown, f"Ячейка {where}: ошибка {program} {shown} — исправьте её в таблице.")
    return CellProblem(where, shown, f"Ячейка {where}: формула без вычисленного значения — откройте и сохраните "
                                     f"файл в {program}.")


class _MergedFill:
    """Gives each row of a merged range the value of its first cell, as the sheet shows it (read-only openpyxl
    left the rows below empty: a registry with one organisation merged over its practices' rows loaded them
    without it); remembers the ranges it used, for a warning. Ranges that start on the header row or above it
    are the header's own (a two-level header: «Название» merged over two rows), not values of the rows below."""

    def __init__(self, merged: list[tuple[int, int, int]], header_number: int = 0):
        self.starting: dict[int, list[tuple[int, int]]] = {}
        for first_column, first_row, last_row in merged:
            if first_row > header_number:
                self.starting.setdefault(first_row, []).append((first_column, last_row))
        self.active: list[tuple[int, int, int, object]] = []  # column, first row, last row, value
        self.used: dict[tuple[int, int], int] = {}  # (first row, column) -> last row

    def fill(self, number: int, values: list[object]) -> None:
        """Fill the row ``number`` (a row with something in it: an empty row stays empty)."""
        self.active = [item for item in self.active if item[2] >= number]
        for column, first_row, last_row, value in self.active:
            values.extend([None] * (column - len(values)))
            if not cell_text(values[column - 1]):
                values[column - 1] = value
                self.used[first_row, column] = last_row
        for column, last_row in self.starting.get(number, ()):
            value = values[column - 1] if column <= len(values) else None
            if cell_text(value):
                self.active.append((column, number, last_row, value))

    def warning(self) -> str | None:
        ranges = [f"{_column_letter(column - 1)}{first}:{_column_letter(column - 1)}{last}"
                  for (first, column), last in sorted(self.used.items())]
        if not ranges:
            return None
        shown = ", ".join(ranges[:5]) + (f" и ещё {len(ranges) - 5}" if len(ranges) > 5 else "")
        return f"Объединённые ячейки ({shown}): значение каждой взято для всех её строк."


ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"  # and «…-template» (OTS)
NOT_ODF_TABLE = ("Это документ OpenDocument (LibreOffice или OpenOffice), а не таблица: загрузите реестр в XLSX, "
                 "ODS или CSV.")


def open_document_kind(data: bytes) -> str | None:
    """The mimetype of an OpenDocument file (a ZIP, as XLSX is), None for another ZIP. Its first entry, «mimetype»,
    stored uncompressed, says what it is (LibreOffice Calc saves a table as ODS unless told otherwise); it is read
    from the bytes themselves first, so a damaged or cut ODS is still told from an XLSX."""
    if data[30:38] == b"mimetype" and data[38:46] == b"applicat":
        return data[38:38 + 120].split(b"PK\x03\x04")[0].decode("ascii", errors="replace")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo("mimetype")
    except (KeyError, *ZIP_ERRORS):
        return None
    try:
        kind = archive.read(info).decode("ascii", errors="replace") if info.file_size < 200 else ""
    except ZIP_ERRORS:
        return None
    return kind if kind.startswith("application/vnd.oasis.opendocument") else None


def open_package(data: bytes, label: str) -> zipfile.ZipFile:
    """The ZIP of an XLSX or ODS (``label``), refused with a message when it cannot be read, is encrypted, has more
    parts than a table has, or would unpack to far more than it holds (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except ZIP_ERRORS as exc:
        raise RegistryError(f"Файл {label} повреждён: не удаётся его прочитать.") from exc
    if len(entries) > MAX_ENTRIES or any(e.flag_bits & 0x1 for e in entries):
        raise RegistryError(f"Файл {label} зашифрован или слишком сложен: сохраните реестр без пароля.")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * len(data):
        raise RegistryError(f"Файл {label} после распаковки слишком велик (похоже на архив-бомбу) и не принят.")
    return archive


def _xlsx_rows(data: bytes, max_rows: int,
               notes: list[str]) -> tuple[list[tuple[int, list[object]]], str, set[int], set[int]]:
    """The rows of the registry's sheet, its name, its hidden rows and columns: the visible sheet whose «Название»
    header row names the most columns (``choose_sheet``: an instruction often comes first; a hidden sheet holds
    what the office does not show: old rows, lists for drop-downs); the sheets passed over are named in
    ``notes``."""
    from openpyxl import load_workbook

    archive = open_package(data, "XLSX")
    try:
        clean = repack(archive)
    except ZIP_ERRORS as exc:
        raise RegistryError("Файл XLSX повреждён: его части не совпадают с заявленными размерами.") from exc
    try:
        workbook = load_workbook(io.BytesIO(clean), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken package
        raise RegistryError("Файл XLSX повреждён или это не таблица Excel.") from exc
    rows: list[tuple[int, list[object]]] = []
    number = 0  # the sheet's last row read
    try:
        chosen = choose_sheet(workbook.worksheets, lambda sheet: sheet.sheet_state != "visible", _header_columns,
                              "XLSX", "Excel", notes)
        with chosen._get_source() as source:  # the sheet's XML, in the package openpyxl reads
            sheet_xml = source.read()
        # most registries have none of these: their sheet is not parsed twice
        found = _sheet_notes(io.BytesIO(sheet_xml)) if _NOTED.search(sheet_xml) else _SheetNotes()
        merged, problems = found.merged, found.problems
        del sheet_xml
        # read-only: each row is parsed here, and a damaged sheet fails here, not in load_workbook
        for number, read in enumerate(chosen.iter_rows(values_only=True), start=1):
            values = list(read)
            for position in range(len(values)):
                if (problem := problems.get((number, position + 1))) is not None:
                    values[position] = _cell_problem(number, position + 1, *problem)
            if any(cell_text(v) for v in values):  # read-only sheets often report thousands of empty rows
                rows.append((number, values))
            if len(rows) > max_rows + HEADER_SEARCH_ROWS + 1:  # past the limit, wherever the header is
                break
        fill_merged(rows, merged, notes)
    except RegistryError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken sheet
        raise RegistryError(f"Файл XLSX повреждён: строка {number + 1} листа не читается.") from exc
    finally:
        workbook.close()
    return rows, chosen.title, found.hidden, found.hidden_columns


def choose_sheet(sheets: list, hidden: Callable[[Any], bool], header_columns: Callable[[Any], int], kind: str,
                 program: str, notes: list[str]):
    """The sheet a registry is read from: of the visible ``sheets``, the one whose header row (a «Название» column
    in its first rows) names the most of the bank's columns (``header_columns``: 0 for a sheet with no such row),
    the first of them on a tie; a single visible sheet is taken as it is (reading it says what is wrong with it).
    An «Инструкция» sheet that explains the columns in a table of its own («Столбец | Что писать», then
    «Название | обязательно…») has a «Название» header with nothing else the bank knows beside it, and loses to
    the registry after it. The sheets passed over, and why, are named in ``notes``. ``kind`` is the format (XLSX,
    ODS), ``program`` the one that shows a sheet (Excel, LibreOffice)."""
    if not sheets:
        raise RegistryError(f"В файле {kind} нет листов.")
    counted: dict[int, int] = {}

    def columns(sheet) -> int:
        if id(sheet) not in counted:
            counted[id(sheet)] = header_columns(sheet)
        return counted[id(sheet)]

    visible = [sheet for sheet in sheets if not hidden(sheet)]
    if not visible:
        raise RegistryError(f"В файле {kind} все листы скрыты: покажите в {program} лист с реестром и сохраните файл.")
    headed = [sheet for sheet in visible if columns(sheet)]
    chosen = visible[0] if len(visible) == 1 else max(headed, key=columns, default=None)  # max: the first of equals
    if (chosen is None or len(visible) == 1 and not columns(chosen)) and (
            concealed := [sheet for sheet in sheets if hidden(sheet) and columns(sheet)]):
        # the registry is on a hidden sheet: say so, rather than that the visible one has no header
        names = ", ".join(f"«{sheet.title}»" for sheet in concealed)
        shown = ", ".join(f"«{sheet.title}»" for sheet in visible)
        raise RegistryError(f"{'Лист' if len(concealed) == 1 else 'Листы'} {names} "
                            f"{'скрыт — покажите его' if len(concealed) == 1 else 'скрыты — покажите лист с реестром'}"
                            f" в {program} (щёлкните правой кнопкой по ярлычку листа) и сохраните файл: скрытые листы "
                            f"не читаются, а на {'листе' if len(visible) == 1 else 'листах'} {shown} нет столбца "
                            "«Название».")
    if chosen is None:
        names = ", ".join(f"«{sheet.title}»" for sheet in visible)
        raise RegistryError(f"Не найдена строка заголовков: ни на одном листе ({names}) в первых строках нет "
                            f"столбца «Название». {TEMPLATE_HINT}")
    before = sheets[:next(index for index, sheet in enumerate(sheets) if sheet is chosen)]
    if passed := [sheet for sheet in before if hidden(sheet)]:
        notes.append(f"Скрытые листы пропущены ({', '.join(f'«{sheet.title}»' for sheet in passed)}): "
                     f"прочитан лист «{chosen.title}».")
    if skipped := [sheet for sheet in before if not hidden(sheet) and not columns(sheet)]:
        notes.append(f"Листы без столбца «Название» пропущены ({', '.join(f'«{sheet.title}»' for sheet in skipped)}"
                     f"): прочитан лист «{chosen.title}».")
    best = columns(chosen)
    others = [sheet for sheet in headed if sheet is not chosen]
    # A sheet whose header row has «Название» and nothing else the bank knows, beside a registry with more: an
    # instruction's table of the columns, a list of organisations for a drop-down.
    if explained := [sheet for sheet in others if columns(sheet) == 1 < best]:
        one = len(explained) == 1
        names = ", ".join(f"«{sheet.title}»" for sheet in explained)
        notes.append(f"{'Лист' if one else 'Листы'} {names} {'пропущен' if one else 'пропущены'}: в "
                     f"{'его строке' if one else 'их строках'} заголовков из столбцов реестра есть только "
                     f"«Название» — это не похоже на реестр. Прочитан лист «{chosen.title}», где столбцов реестра "
                     f"{best}.")
    # A registry kept by year on its own sheets («2023», «2024»): only one sheet is read, and the rest must not
    # be left out without a word.
    if others := [sheet for sheet in others if sheet not in explained]:
        one = len(others) == 1
        names = ", ".join(f"«{sheet.title}»" for sheet in others)
        why = ("только первый такой лист, " if chosen is headed[0]
               else f"только один лист — тот, где в строке заголовков больше всего столбцов реестра ({best}), ")
        notes.append(f"{'Лист' if one else 'Листы'} {names} — тоже со столбцом «Название», но "
                     f"{'не прочитан' if one else 'не прочитаны'}: прочитан {why}«{chosen.title}». Загрузите каждый "
                     "лист отдельным файлом или перенесите строки на один лист.")
    return chosen


def fill_merged(rows: list[tuple[int, list[object]]], merged: list[tuple[int, int, int]], notes: list[str]) -> None:
    """Give each row of the ranges merged over more than one row (column, first row, last row) the value of the
    range's first cell, and name the ranges used in ``notes``."""
    if not merged:
        return
    header_index = _header_row(rows)
    fill = _MergedFill(merged, rows[header_index][0] if header_index is not None else 0)
    for number, values in rows:
        fill.fill(number, values)
    if warning := fill.warning():
        notes.append(warning)


def _header_columns(sheet) -> int:
    """How many of the bank's columns the header row in the first rows of an XLSX sheet names (``header_columns``)."""
    first: list[tuple[int, list[object]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if any(cell_text(v) for v in values):
            first.append((number, list(values)))
        if len(first) >= HEADER_SEARCH_ROWS or number >= 10 * HEADER_SEARCH_ROWS:
            break
    return header_columns(first)


def header_columns(first: list[tuple[int, list[object]]]) -> int:
    """How many of the bank's columns (fields) the header row among a sheet's first rows with something in them
    names, the lower row of a two-level header with it; 0 when no row has a «Название» column."""
    index = _header_row(first)
    if index is None:
        return 0
    number, values = first[index]
    names = [cell_text(cell) for cell in values]
    if index + 1 < len(first) and _second_header(names, *first[index + 1], number):
        names = _two_level_names(names, [cell_text(cell) for cell in first[index + 1][1]])
    return len({key for name in names if name and (key := header_key(name)) is not None})


def cell_text(value: object) -> str:
    """A cell as text: integers without «.0», dates as ГГГГ-ММ-ДД, spaces trimmed, control characters (a CSV can
    hold them; XML exports cannot) left out and the text in NFC, as the forms do."""
    if value is None:
        return ""
    if isinstance(value, bool):  # a logical cell, as Russian Excel shows it (not Python's True/False)
        return "ИСТИНА" if value else "ЛОЖЬ"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    return composed(xml_text(str(value))).strip()


def _column_letter(position: int) -> str:
    """A column's name as a spreadsheet shows it: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _numbers(numbers: list[int], shown: int = 5) -> str:
    return ", ".join(map(str, numbers[:shown])) + (" …" if len(numbers) > shown else "")


def _registry(table: list[tuple[int, list[object]]], max_rows: int, sheet: str | None = None,
              hidden: set[int] | frozenset[int] = frozenset(), program: str = "Excel",
              quotes: dict[int, StrayQuote] | None = None,
              hidden_columns: set[int] | frozenset[int] = frozenset()) -> Registry:
    """``quotes``: the records of a CSV that took in the lines after them through a quote never closed;
    ``hidden``: the sheet's hidden rows, by number; ``hidden_columns``: its hidden columns, by position from 0."""
    quotes = quotes or {}
    where = f" листа «{sheet}»" if sheet else ""
    nonempty = [(n, values) for n, values in table if any(cell_text(v) for v in values)]
    if not nonempty:
        raise RegistryError(f"В файле{' на листе «' + sheet + '»' if sheet else ''} нет ни заголовков, ни строк "
                            "с практиками.")
    header_index = _header_row(nonempty)
    # a stray quote at the header or above it took in the header, or the rows under it: nothing can be read right
    last_searched = nonempty[min(len(nonempty), HEADER_SEARCH_ROWS) - 1][0]
    if early := [number for number in quotes
                 if number <= (nonempty[header_index][0] if header_index is not None else last_searched)]:
        number = early[0]
        raise RegistryError(f"Строка {number}: {_stray_quote_text(quotes[number])}. Заголовки и строки реестра "
                            "под ней не прочитаны: закройте кавычку (или уберите её) и загрузите реестр снова.")
    if header_index is None:
        searched = nonempty[:HEADER_SEARCH_ROWS]
        lines = (f"строке {searched[0][0]}" if len(searched) == 1
                 else f"строках {searched[0][0]}–{searched[-1][0]}")
        raise RegistryError(f"Не найдена строка заголовков: в {lines}{where} нет столбца «Название». {TEMPLATE_HINT}")
    header_number, header = nonempty[header_index]
    names = [cell_text(cell) for cell in header]
    first_row = header_index + 1  # the index in ``nonempty`` of the first row of practices
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    warnings: list[str] = []
    if header_index:
        above = [number for number, _values in nonempty[:header_index]]
        skipped = "строка над ними пропущена" if len(above) == 1 else "строки над ними пропущены"
        warnings.append(f"Заголовки столбцов — в строке {header_number}{where}; {skipped} ({_numbers(above)}).")
    if first_row < len(nonempty) and _second_header(names, *nonempty[first_row], header_number):
        names = _two_level_names(names, [cell_text(cell) for cell in nonempty[first_row][1]])
        first_row += 1
        warnings.append(f"Заголовки столбцов — в двух строках ({header_number} и {header_number + 1}{where}): "
                        "названия столбцов взяты из нижней строки, где она заполнена, иначе из верхней.")
    unknown: list[str] = []
    for position, written in enumerate(names):
        if not written or numbering(written):
            continue
        key = header_key(written)
        if key is None:
            unknown.append(written)
        elif key in positions and positions[key] in hidden_columns and position not in hidden_columns:
            # an office keeps the old column hidden beside the corrected one: the one the sheet shows is read
            taken = positions[key]
            warnings.append(f"Скрытый в {program} столбец {_column_letter(taken)} «{columns[key]}» повторяет "
                            f"видимый {_column_letter(position)} «{written}»; взят видимый.")
            positions[key] = position
            columns[key] = written
        elif key in positions and position in hidden_columns and positions[key] not in hidden_columns:
            warnings.append(f"Скрытый в {program} столбец {_column_letter(position)} «{written}» повторяет "
                            f"видимый {_column_letter(positions[key])} «{columns[key]}»; взят видимый.")
        elif key in positions:
            warnings.append(f"Столбец «{written}» повторяет «{columns[key]}»; взят первый.")
        else:
            positions[key] = position
            columns[key] = written
    warnings.extend(_unknown_column(written, columns) for written in unknown)
    if "position" in positions and "authors" not in positions:
        warnings.append(f"Столбец «{columns.pop('position')}» пропущен: должности дописываются к авторам, а столбца "
                        "авторов («Авторы», «ФИО автора») в реестре нет.")
        del positions["position"]
    if concealed := sorted(position for position in positions.values() if position in hidden_columns):
        # A hand hid them (a column for the office, an old version of one): the import reads them as the others.
        one = len(concealed) == 1
        named = ", ".join(f"{_column_letter(position)} «{names[position]}»" for position in concealed)
        warnings.append(f"{'Скрытый' if one else 'Скрытые'} в {program} {'столбец' if one else 'столбцы'} {named}"
                        f"{where} {'прочитан' if one else 'прочитаны'}, как все: скрытие столбцов не мешает "
                        f"загрузке. Если {'его' if one else 'их'} загружать не нужно, удалите "
                        f"{'его' if one else 'их'} из таблицы.")
    titled = {position for position, written in enumerate(names) if written}
    untitled: dict[int, list[int]] = {}  # a column without a header -> the rows with something in it
    rows = []
    for number, values in nonempty[first_row:]:
        cells = {key: values[pos] if pos < len(values) else None for key, pos in positions.items()}
        errors: list[str] = []
        if (stray := quotes.get(number)) is not None:
            name = names[stray.column] if stray.column < len(names) and names[stray.column] else ""
            text = _stray_quote_text(stray, name)
            lost = (", и они не прочитаны как строки реестра" if stray.last > stray.first
                    else ", и она не прочитана как строка реестра" if stray.last == stray.first else "")
            message = f"{text[0].upper()}{text[1:]}{lost}. Закройте кавычку (или уберите её) и загрузите реестр снова."
            # the cell's text is not taken: the row fails with the message, as for an Excel error in a cell
            key = next((key for key, position in positions.items() if position == stray.column), None)
            if key is not None:
                cells[key] = CellProblem(f"{_column_letter(stray.column)}{number}", "", message)
            else:
                errors.append(message)
            warnings.append(f"Строка {number}: {_stray_quote_text(stray, None)}; строка {number} не будет "
                            "загружена, пока кавычка не исправлена.")
            rows.append(RawRow(number, cells, errors))
            continue
        for position, value in enumerate(values):
            if position not in titled and cell_text(value):
                untitled.setdefault(position, []).append(number)
        if not any(cell_text(v) for v in cells.values()):
            continue
        rows.append(RawRow(number, cells))
    if untitled:
        # Most often a cell split in two: a «;» inside a CSV cell without quotes shifts the rest of the row.
        letters = ", ".join(_column_letter(position) for position in sorted(untitled))
        numbers = sorted({number for found in untitled.values() for number in found})
        warnings.append(f"Значения в {'столбце' if len(untitled) == 1 else 'столбцах'} без заголовка ({letters}) "
                        f"пропущены: {'строка' if len(numbers) == 1 else 'строки'} {_numbers(numbers)}. Если это "
                        "часть соседней ячейки (в CSV ячейку с «;» берут в кавычки), исправьте строку.")
    if hidden_rows := [row.number for row in rows if row.number in hidden]:
        # A filter (the practices the council turned down) or a hand hid them; the import reads every row.
        one = len(hidden_rows) == 1
        total = f" (всего {len(hidden_rows)})" if len(hidden_rows) > 10 else ""
        warnings.append(f"{'Скрытая' if one else 'Скрытые'} в {program} {'строка' if one else 'строки'} "
                        f"{_numbers(hidden_rows, 10)}{total}{where} {'прочитана' if one else 'прочитаны'}, как все: "
                        "фильтр и скрытие строк не мешают загрузке. Если их загружать не нужно, удалите их из таблицы.")
    if len(rows) > max_rows:
        rows_word = plural(max_rows, "строки", "строк", "строк")  # «больше 21 строки», «больше 5000 строк»
        raise RegistryError(f"В реестре больше {max_rows} {rows_word}: разделите его на несколько файлов.")
    if not rows:
        raise RegistryError("В реестре нет строк с практиками — только заголовки.")
    return Registry(columns, rows, warnings, program)


def _stray_quote_text(stray: StrayQuote, name: str | None = "") -> str:
    """«незакрытая кавычка в ячейке «Название» — ячейка захватила следующие строки файла (4–5)»; the cell named by
    ``name``, else by its column's letter, not at all when ``name`` is None."""
    where = f" в ячейке «{name}»" if name else f" в столбце {_column_letter(stray.column)}" if name is not None else ""
    lines = (f"следующие строки файла ({stray.first}–{stray.last})" if stray.last > stray.first
             else f"следующую строку файла ({stray.first})" if stray.last == stray.first
             else "остальные ячейки строки")
    return f"незакрытая кавычка{where} — ячейка захватила {lines}"


def _second_header(names: list[str], number: int, values: list[object], header_number: int) -> bool:
    """Whether the row under the header row is a second row of headers: the names of the columns a heading above
    groups («Описание опыта» merged over «Аннотация», «Технология», «Результативность»), with the cells under
    the headers merged over both rows («Название») left empty. It is right under the header row, has nothing
    under «Название» (a practice has a title), and holds known headers, besides at most cells under a group
    heading or under no heading (the names of columns the bank does not know)."""
    if number != header_number + 1:
        return False
    cells = [cell_text(cell) for cell in values]
    known = [position for position, written in enumerate(cells) if written and header_key(written) is not None]
    if not known or any(header_key(top) == "title" and position < len(cells) and cells[position]
                        for position, top in enumerate(names)):
        return False
    for position, written in enumerate(cells):
        top = names[position] if position < len(names) else ""
        if written and position not in known and top and header_key(top) is not None:
            return False  # a value under a known header: a row of practices
    return True


def _two_level_names(top: list[str], below: list[str]) -> list[str]:
    """The name of each column of a two-level header: the lower heading where there is one, else the upper."""
    return [(below[position] if position < len(below) else "") or (top[position] if position < len(top) else "")
            for position in range(max(len(top), len(below)))]


def split_list(value: object) -> list[str]:
    """Several values of one cell, separated by «;» or line breaks."""
    return [part.strip() for part in re.split(r"[;\n]", cell_text(value)) if part.strip()]


def template_headers() -> list[str]:
    """The headers of the registry template, in order."""
    return [heading for _key, heading, _aliases in COLUMNS]


# An example row for the template (an invented practice: it shows the format, not real data).
EXAMPLE_ROW = {
    "external_id": "ОО-2024-001",
    "title": "Школьное научное общество в начальной школе",
    "authors": "Иванова Анна Петровна, учитель начальных классов; Петров Пётр Петрович, заместитель директора",
    "organisation": "МАОУ «СОШ № 1»",
    "region": "Челябинская область",
    "municipality": "Копейский городской округ",
    "levels": "Начальное общее образование",
    "subjects": "Окружающий мир; Внеурочная деятельность",
    "topics": "Школьные научные общества (ШНО); Одарённые младшие школьники",
    "year": 2024,
    "event": "Муниципальный семинар учителей начальных классов",
    "spread_level": "Муниципальный уровень",
    "licence": "CC BY 4.0",
    "annotation": "Как младшие школьники ведут исследования в научном обществе класса.",
    "files": "",  # a file named here needs the ZIP beside the registry: the template's own row must load as it is
}


def template_csv() -> bytes:
    """The registry template as CSV for Excel: UTF-8 with BOM, «;» between columns, one example row."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(template_headers())
    writer.writerow([EXAMPLE_ROW.get(key, "") for key, _heading, _aliases in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    """The registry template as XLSX with one example row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Практики"
    sheet.append(template_headers())
    sheet.append([EXAMPLE_ROW.get(key) for key, _heading, _aliases in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_ods() -> bytes:
    """The registry template as ODS (LibreOffice Calc) with one example row: its headers in bold, the year a
    number, as in the XLSX."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TextProperties
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    bold = Style(name="header", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    sheet = Table(name="Практики")
    for values, style in ((template_headers(), {"stylename": bold}),
                          ([EXAMPLE_ROW.get(key) for key, _heading, _aliases in COLUMNS], {})):
        row = TableRow()
        for value in values:
            if value in (None, ""):
                row.addElement(TableCell())
                continue
            cell = (TableCell(valuetype="float", value=str(value), **style) if isinstance(value, int)
                    else TableCell(valuetype="string", **style))
            cell.addElement(P(text=str(value)))
            row.addElement(cell)
        sheet.addElement(row)
    document.spreadsheet.addElement(sheet)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()
