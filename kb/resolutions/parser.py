"""Reading and parsing conference resolutions (.txt, .md, .docx, .odt, .fodt, .rtf, .pdf, .doc) into structured data.

Pure Python: no Flask or SQLAlchemy here. The region vocabulary is passed in as a :class:`Gazetteer`
(built with :meth:`Gazetteer.from_regions` from a list of region dicts), so the parser can be used and
tested on its own.

What the parser understands (see the two seeds in ``shared/seeds``):

* a heading ("РЕЗОЛЮЦИЯ / … конференции / «Название»") — the title and the conference name;
* optional labelled lines ("Дата проведения:", "Место проведения:", "Организатор:", "Формат:",
  "Участники:") — they win over anything guessed from the prose;
* dates in words or digits ("С 17 по 20 апреля 2017 года", "17–20 апреля 2017 г.", "24.03.2023",
  "17-20.04.2017", "30 марта – 2 апреля 2024 года");
* the place (a city), the format (in_person / online / mixed / correspondence), the number of
  participants and the regions named in the text (inflected Russian, via the gazetteer);
* the municipalities named in the text (kb.resolutions.municipalities), when a vocabulary of them is given;
* the recommendations after a line with "рекомендовали" / "рекомендуют" / "РЕКОМЕНДАЦИИ" / "РЕШИЛИ:" …: numbered
  addressee headers ("1)Министерству …:", "1. …:", "I. …:") with their dash, bullet, "1)" or "а)" items,
  "Педагогам – использовать …", or one paragraph; every recommendation gets a number of its own;
* nothing past the heading «Сноски» that the DOCX and ODT readers put before a document's footnotes and endnotes
  (NOTES_LINE: marked, so that a line «Сноски» of a text, or of a document's body, is only text): a note is no
  trigger, label or recommendation.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import takewhile
from pathlib import Path
from typing import NamedTuple

import Stemmer

from kb.attachments.extract import NOTES_HEADING
from kb.attachments.ooxml import MAX_NESTING
from kb.listnumbers import DocxNumbering
from kb.resolutions.municipalities import MunicipalityFinder
from kb.textclean import composed, plain_bullets, xml_text

__all__ = [
    "MAX_FILE_SIZE",
    "MAX_RECOMMENDATIONS",
    "SUPPORTED_EXTENSIONS",
    "Gazetteer",
    "ParsedRecommendation",
    "ParsedResolution",
    "ResolutionFormatError",
    "extract_text",
    "find_dates",
    "normalise",
    "parse_resolution",
]

MAX_FILE_SIZE = 10 * 1024 * 1024
# The line the readers of a DOCX, an ODT and a FODT put between a resolution's body and its notes: «Сноски» marked
# with a noncharacter (U+FDD0: Unicode keeps them for a program's own use, no file a user writes has one), so that
# only this heading ends what the parser reads, never a line «Сноски» of a text. ``normalise`` drops the mark: the
# stored text shows «Сноски».
NOTES_MARK = "\ufdd0"
NOTES_LINE = NOTES_MARK + NOTES_HEADING
# Characters of a resolution's text: the longest real ones are tens of thousands; 9 MB of text took 10 s to
# parse at every look at its preview.
MAX_TEXT_LENGTH = 1_000_000
# Recommendations of one resolution: real ones have tens. The import preview shows each as a form of its own;
# hundreds more are a collection of resolutions or materials, not one resolution.
MAX_RECOMMENDATIONS = 300
OFFICE_EXTENSIONS = (".odt", ".fodt", ".rtf", ".pdf", ".doc")
SUPPORTED_EXTENSIONS = (".txt", ".md", ".docx", *OFFICE_EXTENSIONS)


class ResolutionFormatError(ValueError):
    """A resolution file that cannot be read; the message is in Russian and meant for the user."""


# --------------------------------------------------------------------------------------------------
# Reading files


def extract_text(path: Path) -> str:
    """The text of a resolution file: .txt and .md (UTF-8, BOM tolerated, else cp1251, KOI8-R or cp866), .docx,
    .odt, .fodt, .rtf, .pdf, .doc.

    Raises :class:`ResolutionFormatError` for a missing file, an unsupported extension, a file over
    10 MB, a broken .docx and a file without text.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        shown = suffix or "без расширения"
        raise ResolutionFormatError(
            f"Неподдерживаемый формат файла ({shown}): поддерживаются .txt, .md, .docx, .odt, .fodt, .rtf, .pdf и .doc."
        )
    if not path.is_file():
        raise ResolutionFormatError(f"Файл не найден: {path.name}.")
    size = path.stat().st_size
    if size > MAX_FILE_SIZE:
        raise ResolutionFormatError(
            f"Файл слишком большой ({size / 1024 / 1024:.1f} МБ): допускается не более 10 МБ."
        )
    if suffix == ".docx":
        text = _read_docx(path)
    elif suffix in OFFICE_EXTENSIONS:
        text = _read_office(path)
    else:
        text = _decode(path.read_bytes()).replace(NOTES_MARK, "")  # a file's own mark ends nothing
    # NFC (a PDF's «й» is often «и» and a breve); a NUL in a text file was a 500 on PostgreSQL, and stored as it
    # was on SQLite; a bullet typed in a DOCX as a Symbol-font character (U+F0B7) is «•», as in the other formats
    text = plain_bullets(composed(xml_text(text)))
    if not text.replace("\ufeff", "").strip():
        raise ResolutionFormatError(f"Файл пуст: в «{path.name}» нет текста.")
    if len(text) > MAX_TEXT_LENGTH:
        sizes = f"{len(text):,} знаков, допускается не более {MAX_TEXT_LENGTH:,}".replace(",", "\u00a0")
        raise ResolutionFormatError(f"Текст в «{path.name}» слишком длинный для резолюции ({sizes}): возможно, это "
                                    "сборник материалов — загрузите саму резолюцию.")
    return text


def _read_office(path: Path) -> str:
    """ODT, FODT, RTF, PDF and DOC through the attachments' extractors (type checked against the content); a «.doc»
    that is really RTF or DOCX is read as what it is."""
    from kb.attachments.extract import AttachmentError, detect
    from kb.attachments.extract import extract_text as extract_file_text
    from kb.attachments.services import no_text_layer

    data = path.read_bytes()
    try:
        kind = detect(data, path.name)
        if kind == "docx":  # named «.doc» (detect takes that): read as a «.docx» is, its numbered lists with it
            return _read_docx(path)
        text = extract_file_text(data, kind, keep_paragraphs=True, notes_heading=NOTES_LINE)
    except AttachmentError as exc:
        raise ResolutionFormatError(str(exc)) from exc
    if no_text_layer(kind, text):  # not «Файл пуст»: the page is there, as a picture
        raise ResolutionFormatError(f"В «{path.name}» нет текстового слоя (скан): банк не распознаёт текст на "
                                    "изображениях. Загрузите резолюцию в DOCX, ODT или RTF или PDF, сохранённый из "
                                    "текстового редактора («Сохранить как PDF»), а не отсканированный.")
    # the ODF readers drop a file's own mark (kb.attachments.extract.NONCHARACTERS) and mark their notes' heading;
    # the others write no heading
    return text if kind in ("odt", "fodt") else text.replace(NOTES_MARK, "")


def _decode(data: bytes) -> str:
    from kb.attachments.extract import wide_encoding
    from kb.encodings import cyrillic_encoding

    if encoding := wide_encoding(data):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode(cyrillic_encoding(data), errors="replace")  # Windows-1251, KOI8-R or CP866 (DOS)


def _read_docx(path: Path) -> str:
    from kb.attachments.extract import AttachmentError, checked_word_package, refuse_encrypted_office

    data = path.read_bytes()
    try:  # a DOCX saved with a password is no ZIP but an OLE file, like an old DOC
        refuse_encrypted_office(data)
    except AttachmentError as exc:
        raise ResolutionFormatError(str(exc)) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ResolutionFormatError(
            f"Файл «{path.name}» повреждён или не является документом Word (.docx)."
        )
    try:  # encrypted packages, zip bombs and XML too big to parse whole are refused before python-docx reads any
        package = checked_word_package(data)
    except AttachmentError as exc:
        raise ResolutionFormatError(str(exc)) from None
    try:
        import docx  # python-docx

        document = docx.Document(package)
        lines = list(_docx_lines(document.element.body, DocxNumbering(document)))
    except ResolutionFormatError:
        raise
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds of errors on broken files
        raise ResolutionFormatError(
            f"Не удалось прочитать документ Word «{path.name}»: файл повреждён или имеет другой формат."
        ) from exc
    body = "\n".join(lines).replace(NOTES_MARK, "")  # a file's own mark ends nothing; the notes' heading is marked
    notes = [note.replace(NOTES_MARK, "") for note in _docx_notes(package, len(body))]
    return "\n".join([body, "", NOTES_LINE, *notes]) if notes else body


def _docx_notes(package: io.BytesIO, body: int) -> list[str]:
    """The lines of a DOCX's footnotes and then its endnotes, as a file of a practice reads them (``docx_notes``:
    Word's separators left out, a notes part that cannot be read costing only itself), no more than a resolution's
    text may have past its body of ``body`` characters and the notes' heading."""
    from kb.attachments.ooxml import docx_notes

    left = MAX_TEXT_LENGTH - body - len(NOTES_LINE) - 3  # the line breaks around the blank line and the heading
    if left <= 0:
        return []
    with zipfile.ZipFile(package) as archive:
        notes = "\n".join(docx_notes(archive, left))
    return [line.strip() for line in notes.splitlines() if line.strip()]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_PARAGRAPH, _TABLE, _ROW, _CELL, _RUN = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc", f"{_W}r"
# What Word wraps content in and shows as if it were not there (a content control, w:sdt, through its
# w:sdtContent; its properties hold no paragraph or run): paragraphs and tables in content controls and custom
# XML; runs in those, hyperlinks, tracked insertions and moves, smart tags, simple fields' results and directions.
# A deletion or a move away (w:del, w:moveFrom) is not shown, nor read.
_BLOCK_WRAPPERS = frozenset(f"{_W}{tag}" for tag in ("sdt", "sdtContent", "customXml"))
_RUN_WRAPPERS = _BLOCK_WRAPPERS | {f"{_W}{tag}" for tag in ("hyperlink", "ins", "moveTo", "smartTag", "fldSimple",
                                                           "dir", "bdo")}
# A run's drawings, where its text boxes are: a DrawingML shape (w:drawing), a VML one (w:pict), and the two written
# as the branches of an mc:AlternateContent.
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_ALTERNATIVES, _BRANCHES = f"{_MC}AlternateContent", frozenset((f"{_MC}Choice", f"{_MC}Fallback"))
_DRAWINGS = frozenset((f"{_W}drawing", f"{_W}pict", _ALTERNATIVES))
_TEXT_BOX, _TEXT = f"{_W}txbxContent", f"{_W}t"


def _inside(element, wanted: frozenset[str] | tuple[str, ...], wrappers: frozenset[str]) -> Iterator:
    """The ``wanted`` elements in ``element`` in document order: its children, and those of the ``wrappers`` in
    it at any nesting (each element looked at once, without recursion)."""
    levels = [iter(element)]
    while levels:
        for child in levels[-1]:
            if child.tag in wanted:
                yield child
            elif child.tag in wrappers:
                levels.append(iter(child))
                break
        else:
            levels.pop()


def _paragraph_text(p) -> str:
    """A paragraph's text as python-docx gives it (``Paragraph.text``: its runs' text, tabs and breaks), with the runs
    that are in wrappers too."""
    return "".join(run.text for run in _inside(p, (_RUN,), _RUN_WRAPPERS))


def _docx_lines(container, numbering: DocxNumbering, depth: int = 0) -> Iterator[str]:
    """Paragraph texts in document order, descending into tables (each cell once), into content controls and
    custom XML, and into text boxes (``_paragraph_lines``); a paragraph of an automatic list begins with the number
    Word prints before it («1.», «1.1.», «а)») or «–» for a bullet: they are not in its text, and three numbered
    recommendations without a final «;» were one."""
    for block in _inside(container, (_PARAGRAPH, _TABLE), _BLOCK_WRAPPERS):
        if block.tag == _TABLE:
            for cell in _table_cells(block):
                yield from _docx_lines(cell, numbering, depth)
        else:
            yield from _paragraph_lines(block, numbering, depth)


def _paragraph_lines(p, numbering: DocxNumbering, depth: int) -> Iterator[str]:
    """A paragraph's text, its list number before it; and the text boxes and shapes' text anchored in it, read as a
    file of a practice reads them (kb/attachments/ooxml.py): each box's paragraphs and tables lines of their own where
    the box is anchored, the paragraph going on on the next line, one branch of an ``mc:AlternateContent``
    (``_text_boxes``), boxes in boxes down to MAX_NESTING. A paragraph holding only boxes gives their lines alone;
    one without any, one line, empty or not, as before."""
    marker = numbering.marker(p)
    pieces: list[str] = []  # of the paragraph's own text since the last box with text
    read = False  # whether the paragraph has given a line
    for run in _inside(p, (_RUN,), _RUN_WRAPPERS):
        pieces.append(run.text)
        if depth >= MAX_NESTING or not (boxes := _text_boxes(run)):
            continue
        lines = [line for box in boxes for line in _docx_lines(box, numbering, depth + 1) if line.strip()]
        if not lines:
            continue
        if (text := "".join(pieces)).strip():
            yield f"{marker} {text}" if marker else text
            marker = None
        pieces, read = [], True
        yield from lines
    text = "".join(pieces)
    if text.strip() or not read:
        yield f"{marker} {text}" if marker and text.strip() else text


def _text_boxes(element, top: bool = True) -> list:
    """The text boxes (w:txbxContent) in a run's drawings (``top``: its w:drawing, w:pict and mc:AlternateContent), in
    document order, not those inside them (``_docx_lines`` reads those); of an mc:AlternateContent (Word writes a box
    twice, as DrawingML in mc:Choice and as VML in mc:Fallback) the boxes of its first branch that has text, as a
    file of a practice reads them: a recommendation in a box was read twice otherwise."""
    boxes: list = []
    for child in element:
        if top and child.tag not in _DRAWINGS:
            continue
        if child.tag == _TEXT_BOX:
            boxes.append(child)
        elif child.tag == _ALTERNATIVES:
            for branch in child:
                found = _text_boxes(branch, False) if branch.tag in _BRANCHES else []
                if any((t.text or "").strip() for box in found for t in box.iter(_TEXT)):
                    boxes += found
                    break
        else:
            boxes += _text_boxes(child, False)
    return boxes


def _table_cells(table) -> Iterator:
    """A table's cells (w:tc) row by row, as python-docx's ``_Row.cells`` gives them, each once in its row: a cell
    merged with the one above (``w:vMerge`` «continue») is the cell it continues. Rows and cells in content controls
    and custom XML (a template's repeating section) are read too; python-docx reads only those right in the table,
    and counts a merged cell's place among the cells right in its row only."""
    above: dict[int, object] = {}  # grid offset: the cell (its content's) of the row above there
    for row in _inside(table, (_ROW,), _BLOCK_WRAPPERS):
        offset = row.grid_before
        row_above: dict[int, object] = {}
        seen: set[int] = set()
        for tc in _inside(row, (_CELL,), _BLOCK_WRAPPERS):
            cell = above.get(offset, tc) if tc.vMerge == "continue" else tc
            row_above[offset] = cell
            offset += tc.grid_span
            if id(cell) not in seen:
                seen.add(id(cell))
                yield cell
        above = row_above


# --------------------------------------------------------------------------------------------------
# Normalisation

_BOOKMARK = re.compile(r"\[bookmark:[^\]\n]*\]", re.IGNORECASE)
_MD_EMPHASIS = re.compile(r"\*\*|__")
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.MULTILINE)
_SPACES = re.compile(r"[\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u2004\u2005\u2006\u2008\u205f\u3000]")
_INVISIBLE = re.compile(r"[\ufeff\u200b\u200c\u200d\u2060\u00ad\ufdd0]")  # and NOTES_MARK
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalise(text: str) -> str:
    """Clean a resolution text while keeping its line structure.

    Removes Word ``[bookmark: …]`` artefacts, Markdown bold/italic markers (``**``, ``__``) and heading
    marks, turns non-breaking and other special spaces into plain spaces, drops invisible characters
    and trailing spaces, and collapses runs of blank lines.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _BOOKMARK.sub("", text)
    text = _MD_EMPHASIS.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


# --------------------------------------------------------------------------------------------------
# Words, stems and inflections

_WORD = re.compile(r"[A-Za-zА-Яа-яЁё]+(?:-[A-Za-zА-Яа-яЁё]+)*")
_STEMMER = Stemmer.Stemmer("russian")


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _STEMMER.stemWord(_fold(word))


_ADJ_ENDINGS = ("ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые")
_ADJ_FORMS = (
    "ий", "ый", "ой", "ая", "яя", "ое", "ее", "ие", "ые", "ого", "его", "ому", "ему", "ом", "ем",
    "ую", "юю", "им", "ым", "ими", "ыми", "их", "ых", "ей",
)
_VOWELS = set("аеёиоуыэюя")


def _forms(word: str) -> set[str]:
    """A few inflected forms of a proper name (singular, plus adjective plural) to stem."""
    w = _fold(word)
    forms = {w}
    if len(w) > 3 and w.endswith(_ADJ_ENDINGS):
        base = w[:-2]
        forms.update(base + e for e in _ADJ_FORMS)
    elif w.endswith("а"):
        base = w[:-1]
        forms.update(base + e for e in ("ы", "и", "е", "у", "ой", "ою"))
    elif w.endswith("я"):
        base = w[:-1]
        forms.update(base + e for e in ("и", "е", "ю", "ей", "ею"))
    elif w.endswith("ь"):
        base = w[:-1]
        forms.update(base + e for e in ("и", "ью", "я", "ю", "ем", "е"))
    elif w.endswith("й"):
        base = w[:-1]
        forms.update(base + e for e in ("я", "ю", "ем", "е"))
    elif w.endswith("о"):
        base = w[:-1]
        forms.update(base + e for e in ("а", "у", "ом", "е"))
    elif w and w[-1] not in _VOWELS:
        forms.update(w + e for e in ("а", "у", "ом", "е"))
    return forms


_EXACT = "="  # marks an exact (folded, unstemmed) word among the stems of a pattern token


def _stem_set(word: str) -> frozenset[str]:
    """The stems a mention of ``word`` (one part of a possibly hyphenated word) may have.

    Abbreviations ("НАО", "СПб", "ХМАО") are not inflected or stemmed: only the word itself counts.
    """
    if len(word) > 1 and sum(ch.isupper() for ch in word) > 1:
        return frozenset({_EXACT + _fold(word)})
    return frozenset(_stem(f) for f in _forms(word))


class _Token(NamedTuple):  # a tuple: a long text has a hundred thousand of them
    text: str
    start: int
    end: int
    stems: tuple[str, ...]  # one stem per hyphen-separated part

    @property
    def exact(self) -> tuple[str, ...]:
        return tuple(_EXACT + _fold(part) for part in self.text.split("-"))

    @property
    def folded(self) -> str:
        return _fold(self.text)

    @property
    def cap(self) -> bool:
        return self.text[0].isupper()

    @property
    def name_like(self) -> bool:
        """Written like a personal or proper name: capital first letter, lower-case after it."""
        return len(self.text) > 1 and self.text[0].isupper() and not self.text.isupper()


def _tokens(text: str) -> list[_Token]:
    return [
        _Token(word, m.start(), m.end(), tuple(map(_stem, word.split("-"))) if "-" in word else (_stem(word),))
        for m in _WORD.finditer(text)
        for word in (m.group(),)
    ]


# --------------------------------------------------------------------------------------------------
# Gazetteer

# Words of a region's name that are not distinctive on their own.
_GENERIC_NAME_WORDS = {
    "республика", "область", "край", "автономный", "автономная", "округ", "народная", "город",
    "федерального", "значения", "г",
}
# Stems of the words that may follow an adjective region name ("Челябинской области", "краёв").
_KIND_STEMS = frozenset(
    _stem(w)
    for w in (
        "область", "области", "областью", "областей", "областям", "областях", "обл",
        "край", "края", "краю", "краем", "крае", "краев", "краям", "краях",
        "республика", "республики", "республике", "республику", "республикой", "республик",
        "республикам", "республиках",
        "автономный", "автономная", "автономного", "автономной", "автономных", "автономному",
        "автономном", "округ", "округа", "округу", "округом", "округе", "округов", "округах",
        "народная", "народной", "народных", "народную",
    )
)
_CITY_PREFIX_STEMS = frozenset({_stem("город")})
_CITY_PREFIX_ABBR = frozenset({"г", "гор"})
# Administrative centres whose names are also personal names, surnames or common words: they count
# as a region mention only after "г." / "город".
_AMBIGUOUS_CENTERS = frozenset(
    _fold(w) for w in ("Владимир", "Иваново", "Киров", "Курган", "Орёл", "Грозный", "Нальчик", "Кызыл",
                       "Чита", "Магас")
)


_KIND_RANK = {"name": 0, "adj": 1, "center": 2}
# Steps (an «и» or an adjective name each) from an adjective name to its kind word, at most: «Амурской, Омской и
# Челябинской областей».
_KIND_WITHIN = 40


@dataclass(frozen=True)
class _Pattern:
    code: str
    kind: str  # "name" (stands alone), "adj" (must be followed by область/край/…), "center" (a city)
    tokens: tuple[tuple[frozenset[str], ...], ...]
    city: str | None = None
    needs_prefix: bool = False

    def matches_at(self, tokens: list[_Token], i: int) -> bool:
        if i + len(self.tokens) > len(tokens):
            return False
        for offset, parts in enumerate(self.tokens):
            token = tokens[i + offset]
            if len(token.stems) != len(parts):
                return False
            for stem, exact, allowed in zip(token.stems, token.exact, parts, strict=True):
                if stem not in allowed and exact not in allowed:
                    return False
        return True


def _word_pattern(word: str) -> tuple[frozenset[str], ...]:
    return tuple(_stem_set(part) for part in word.split("-"))


class Gazetteer:
    """Finds regions (and their administrative centres) named in inflected Russian text."""

    def __init__(
        self,
        patterns: list[_Pattern],
        classify_addressee: Callable[[str], str | None] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        self.classify_addressee = classify_addressee
        self.names = dict(names or {})
        self._patterns = patterns
        self._index: dict[str, list[_Pattern]] = {}
        for pattern in patterns:
            for stem in pattern.tokens[0][0]:
                self._index.setdefault(stem, []).append(pattern)
        for candidates in self._index.values():
            candidates.sort(key=lambda p: (-len(p.tokens), _KIND_RANK[p.kind]))

    @classmethod
    def from_regions(
        cls,
        regions: Iterable[dict],
        classify_addressee: Callable[[str], str | None] | None = None,
    ) -> Gazetteer:
        """Build from region dicts with keys ``code``, ``name``, ``center`` and ``aliases``."""
        patterns: list[_Pattern] = []
        names: dict[str, str] = {}
        seen: set[tuple] = set()

        def add(pattern: _Pattern) -> None:
            key = (pattern.code, pattern.kind, pattern.tokens)
            if key not in seen:
                seen.add(key)
                patterns.append(pattern)

        for region in regions:
            code = region["code"]
            names[code] = region.get("name") or code
            for label in [region.get("name") or "", *(region.get("aliases") or [])]:
                for pattern in _name_patterns(code, label):
                    add(pattern)
            center = (region.get("center") or "").strip()
            words = _WORD.findall(center)
            if words:
                add(_Pattern(
                    code, "center", tuple(_word_pattern(w) for w in words), city=center,
                    needs_prefix=_fold(center) in _AMBIGUOUS_CENTERS,
                ))
        return cls(patterns, classify_addressee, names)

    # -- matching --------------------------------------------------------------------------------

    def _candidates(self, tokens: list[_Token], i: int) -> list[_Pattern]:
        token = tokens[i]
        found = [*self._index.get(token.stems[0], ()), *self._index.get(token.exact[0], ())]
        if len(found) > 1:
            found.sort(key=lambda p: (-len(p.tokens), _KIND_RANK[p.kind]))
        return [p for p in found if p.matches_at(tokens, i)]

    def _adjective_length(self, tokens: list[_Token], i: int) -> int:
        for pattern in self._candidates(tokens, i):
            if pattern.kind == "adj":
                return len(pattern.tokens)
        return 0

    def _kind_follows(self, text: str, tokens: list[_Token], j: int, known: dict[int, int] | None = None) -> bool:
        """True if a kind word (области, краёв, …) follows position ``j``, maybe after a list of
        further adjective region names ("Амурской, Омской и Челябинской областей"), within _KIND_WITHIN steps
        (an «и» or a name each). ``known``: the steps to a kind word from the positions already walked in this
        text, so that the names of a long list (or a text of nothing else) are not walked again from each."""
        known = {} if known is None else known
        path: list[int] = []
        while j not in known:
            steps = _KIND_WITHIN  # no kind word ahead
            if j < len(tokens) and re.fullmatch(r"[\s,]*", text[tokens[j - 1].end:tokens[j].start]):
                token = tokens[j]
                if token.stems[0] in _KIND_STEMS and len(token.stems) == 1:
                    steps = 0
                elif token.folded == "и":
                    path.append(j)
                    j += 1
                    continue
                elif length := self._adjective_length(tokens, j):
                    path.append(j)
                    j += length
                    continue
            known[j] = steps
        steps = known[j]
        for position in reversed(path):
            steps = min(steps + 1, _KIND_WITHIN)
            known[position] = steps
        return steps < _KIND_WITHIN

    @staticmethod
    def _has_city_prefix(tokens: list[_Token], i: int) -> bool:
        if i == 0:
            return False
        prev = tokens[i - 1]
        return prev.folded in _CITY_PREFIX_ABBR or (len(prev.stems) == 1 and prev.stems[0] in _CITY_PREFIX_STEMS)

    @staticmethod
    def _part_of_longer_name(text: str, tokens: list[_Token], i: int, length: int) -> bool:
        """A bare city name written right next to another name-like word ("Иванова Мария")."""
        before = tokens[i - 1] if i > 0 else None
        after = tokens[i + length] if i + length < len(tokens) else None
        if before is not None and before.name_like and text[before.end:tokens[i].start].isspace():
            return True
        last = tokens[i + length - 1]
        return after is not None and after.name_like and text[last.end:after.start].isspace()

    def _accept(self, pattern: _Pattern, text: str, tokens: list[_Token], i: int, typed: bool = False,
                known: dict[int, int] | None = None) -> bool:
        if not tokens[i].cap and not typed:
            return False
        end = i + len(pattern.tokens)
        if pattern.kind == "adj":
            return self._kind_follows(text, tokens, end, known)
        if pattern.kind == "center":
            if self._has_city_prefix(tokens, i):
                return True
            if pattern.needs_prefix:
                return False
            return typed or not self._part_of_longer_name(text, tokens, i, len(pattern.tokens))
        return True

    def _mentions(self, text: str, typed: bool = False) -> Iterator[tuple[int, _Pattern, int]]:
        """(token index, pattern, token count) of every accepted region mention, left to right. ``typed``:
        text typed into a search box, where capitals say nothing (a name is as often lower-case)."""
        tokens = _tokens(text)
        known: dict[int, int] = {}  # steps to a kind word (_kind_follows)
        i = 0
        while i < len(tokens):
            if not typed and not tokens[i].cap:  # a name in a text has its capital (_accept): not looked up
                i += 1
                continue
            for pattern in self._candidates(tokens, i):
                if self._accept(pattern, text, tokens, i, typed, known):
                    yield i, pattern, len(pattern.tokens)
                    i += len(pattern.tokens)
                    break
            else:
                i += 1

    def find_regions(self, text: str) -> list[str]:
        """Codes of the regions named in ``text``, in order of first mention, without repeats."""
        codes: list[str] = []
        for _i, pattern, _n in self._mentions(text):
            if pattern.code not in codes:
                codes.append(pattern.code)
        return codes

    def typed_mentions(self, text: str) -> list[tuple[str, int, int]]:
        """(code, start, end) of every region named in a search query, capitals or not («шахматы
        челябинская область», «проекты в Смоленской области», «ХМАО»)."""
        tokens = _tokens(text)
        found = []
        for i, pattern, n in self._mentions(text, True):
            end = i + n  # the kind word after an adjective name is part of the mention («…ская область»)
            if end < len(tokens) and tokens[end].stems[0] in _KIND_STEMS and len(tokens[end].stems) == 1:
                end += 1
            found.append((pattern.code, tokens[i].start, tokens[end - 1].end))
        return found

    def city_at(self, text: str, start: int = 0) -> str | None:
        """The nominative name of the administrative centre written at ``text[start:]``, if any."""
        tokens = _tokens(text[start:])
        if not tokens:
            return None
        for pattern in self._candidates(tokens, 0):
            if pattern.kind == "center":
                return pattern.city
        return None

    def first_city(self, text: str) -> str | None:
        """The first administrative centre named in ``text`` as a noun or an adjective ("в Челябинском
        институте"), not as part of a region name ("Челябинской области")."""
        tokens = _tokens(text)
        for i, token in enumerate(tokens):
            if not token.cap:
                continue
            for pattern in self._candidates(tokens, i):
                if pattern.kind != "center":
                    continue
                end = i + len(pattern.tokens)
                if end < len(tokens) and tokens[end].stems[0] in _KIND_STEMS:
                    continue
                if self._has_city_prefix(tokens, i) or (
                    not pattern.needs_prefix and not self._part_of_longer_name(text, tokens, i, len(pattern.tokens))
                ):
                    return pattern.city
        return None


def _name_patterns(code: str, label: str) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for part in re.split(r"\s+[—–-]\s+", label):
        words = [w for w in _WORD.findall(part) if w]
        if not words:
            continue
        generic = [_fold(w) in _GENERIC_NAME_WORDS for w in words]
        if all(generic):
            continue
        if not generic[0]:
            lead = 0
            while lead < len(words) and not generic[lead]:
                lead += 1
            if lead < len(words) and _fold(words[lead - 1]).endswith(_ADJ_ENDINGS):
                # "Челябинская область", "Донецкая Народная Республика": the adjective needs a kind word.
                patterns.append(_Pattern(code, "adj", tuple(_word_pattern(w) for w in words[:lead])))
            else:
                patterns.append(_Pattern(code, "name", tuple(_word_pattern(w) for w in words)))
        else:
            # "Республика Татарстан": the full name and the distinctive part alone ("Татарстан").
            patterns.append(_Pattern(code, "name", tuple(_word_pattern(w) for w in words)))
            core = [w for w, g in zip(words, generic, strict=True) if not g]
            if core:
                patterns.append(_Pattern(code, "name", tuple(_word_pattern(w) for w in core)))
    return patterns


# --------------------------------------------------------------------------------------------------
# Parsed data


@dataclass
class ParsedRecommendation:
    """One recommendation: its number ("1.1"), addressee as written, addressee type code and text."""

    number: str
    addressee: str
    addressee_type: str | None
    text: str


@dataclass
class ParsedResolution:
    """What the parser found in a resolution text."""

    title: str = ""
    conference_name: str | None = None
    date_start: date | None = None
    date_end: date | None = None
    place: str | None = None
    organiser: str | None = None
    format: str | None = None
    participants_count: int | None = None
    participants_text: str | None = None
    region_codes: list[str] = field(default_factory=list)
    municipality_codes: list[str] = field(default_factory=list)
    # The themes the whole text discusses (kb.vocabularies.topics.discussed_topics: the thesaurus is in the database,
    # so kb.resolutions.services.parse_resolution_text finds them)
    topic_codes: list[str] = field(default_factory=list)
    recommendations: list[ParsedRecommendation] = field(default_factory=list)
    full_text: str = ""
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Dates

_MONTHS = {
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "май": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9,
    "окт": 10, "ноя": 11, "дек": 12,
}
_M = r"(январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[яйе]|июн[ьяе]|июл[ьяе]|августа?|августе|" \
     r"сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе])"
_D = r"(\d{1,2})"
_Y = r"(\d{4})"
_DASH = r"\s*[-‐‑‒–—−]\s*"
_YEAR_WORD = r"(?:\s*(?:г\.|года|год|гг\.))?"
_DATE_PATTERNS = [
    # 17–20 апреля 2017; с 17 по 20 апреля 2017; 30 марта – 2 апреля 2024; 30 декабря 2023 – 2 января 2024
    ("words_range", re.compile(
        rf"(?<![\d.])(?:\bс\s+)?{_D}(?:\s+{_M}(?:\s+{_Y}{_YEAR_WORD})?)?(?:{_DASH}|\s+по\s+){_D}\s+{_M}\s+{_Y}(?!\d)",
        re.IGNORECASE)),
    ("words", re.compile(rf"(?<![\d.]){_D}\s+{_M}\s+{_Y}(?!\d)", re.IGNORECASE)),
    # 17-20.04.2017; 30.03–02.04.2024; 17.04.2017–20.04.2017
    ("digits_range", re.compile(
        rf"(?<![\d.]){_D}(?:\.(\d{{1,2}})(?:\.{_Y})?)?{_DASH}{_D}\.(\d{{1,2}})\.{_Y}(?!\d)")),
    ("digits", re.compile(rf"(?<![\d.]){_D}\.(\d{{1,2}})\.{_Y}(?!\d)")),
    ("iso", re.compile(r"(?<![\d.])(\d{4})-(\d{2})-(\d{2})(?!\d)")),
]


def _month(word: str | None) -> int | None:
    if not word:
        return None
    return _MONTHS.get(_fold(word)[:3])


def _dates_from_match(kind: str, g: tuple) -> tuple[date, date] | None:
    try:
        if kind == "words_range":
            d1, m1, y1, d2, m2, y2 = g
            month2, year2 = _month(m2), int(y2)
            start = date(int(y1) if y1 else year2, _month(m1) or month2, int(d1))
            end = date(year2, month2, int(d2))
        elif kind == "words":
            d, m, y = g
            start = end = date(int(y), _month(m), int(d))
        elif kind == "digits_range":
            d1, m1, y1, d2, m2, y2 = g
            end = date(int(y2), int(m2), int(d2))
            start = date(int(y1) if y1 else end.year, int(m1) if m1 else end.month, int(d1))
        elif kind == "digits":
            d, m, y = g
            start = end = date(int(y), int(m), int(d))
        else:
            y, m, d = g
            start = end = date(int(y), int(m), int(d))
    except (TypeError, ValueError):
        return None
    if not 1900 <= start.year <= 2100 or not 1900 <= end.year <= 2100:
        return None
    if end < start:
        return None
    return start, end


def find_dates(text: str) -> tuple[date, date] | None:
    """The first date or date range written in ``text``."""
    found: list[tuple[int, int, str, re.Match]] = []
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            found.append((m.start(), -(m.end() - m.start()), kind, m))
    for _start, _length, kind, m in sorted(found, key=lambda x: (x[0], x[1])):
        dates = _dates_from_match(kind, m.groups())
        if dates:
            return dates
    return None


# --------------------------------------------------------------------------------------------------
# Labelled lines, heading

_LABELS = [
    ("date", r"даты?\s+проведения|сроки\s+проведения|дата|даты|сроки"),
    ("place", r"место\s+проведения|место"),
    ("organiser", r"организаторы?(?:\s+конференции)?|организатор\(ы\)"),
    ("format", r"формат(?:\s+проведения)?|форма\s+проведения|режим\s+проведения"),
    ("participants", r"участники|количество\s+участников|число\s+участников"),
]
_LABEL_LINE = re.compile(
    r"^\s*(?:" + "|".join(f"(?P<{key}>{rx})" for key, rx in _LABELS) + r")\s*:\s*(?P<value>\S.*)$",
    re.IGNORECASE,
)


def _label_of(line: str) -> tuple[str, str] | None:
    m = _LABEL_LINE.match(line)
    if not m:
        return None
    for key, _rx in _LABELS:
        if m.group(key):
            return key, m.group("value").strip().rstrip(";").strip()
    return None


def _is_date_line(line: str) -> bool:
    s = line.strip().rstrip(".")
    m = find_dates(s)
    if not m:
        return False
    rest = s
    for _kind, pattern in _DATE_PATTERNS:
        rest = pattern.sub("", rest)
    return not re.sub(r"\b(?:г|года?|гг)\b\.?|[\s.,]", "", rest, flags=re.IGNORECASE)


# A date with the word for "year" after it ("15 февраля 2024 г."), to take out of a «город, дата» line.
_DATES_WITH_YEAR_WORD = [
    re.compile(pattern.pattern + r"(?:[ \t]*(?:г\.?|года|год|гг\.?)(?![А-Яа-яЁё]))?", pattern.flags)
    for _kind, pattern in _DATE_PATTERNS
]
_CITY_NAME = r"[А-ЯЁ][а-яё]+(?:-[А-Яа-яЁё]+)*"
_CITY_ONLY = re.compile(rf"(?:(?:г|гор)\.[ \t]*|город[ \t]+)?(?P<city>{_CITY_NAME}(?:[ \t]+{_CITY_NAME})?)")


def _place_date_city(line: str) -> str | None:
    """The city of a line holding a date and a city only ("Челябинск, 20 ноября 2022 года", "15 февраля 2024 г.,
    г. Омск", "г. Смоленск    24 марта 2023 г."), as written; None for any other line."""
    s = line.strip()
    if len(s) > 120 or not find_dates(s):
        return None
    rest = s
    for pattern in _DATES_WITH_YEAR_WORD:
        rest = pattern.sub(" ", rest)
    rest = rest.strip(" \t,.;:()–—-")
    m = _CITY_ONLY.fullmatch(rest)
    return _collapse(m.group("city")) if m else None


def _balanced_quote(text: str) -> str | None:
    start = text.find("«")
    if start < 0:
        m = re.search(r"[\"“„]([^\"“”„]{3,})[\"”“]", text)
        return m.group(1).strip() if m else None
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "«":
            depth += 1
        elif text[i] == "»":
            depth -= 1
            if depth == 0:
                return text[start + 1:i].strip()
    return None


def _collapse(text: str) -> str:
    return " ".join(text.split())


_DOCUMENT_WORD = re.compile(r"(?:резолюц|итогов|решени|рекомендац|обращени|заключени|протокол)\w*", re.IGNORECASE)


def _title_case_first_word(title: str) -> str:
    """"РЕЗОЛЮЦИЯ VII …" → "Резолюция VII …"; abbreviations and numerals are left alone."""
    if not title:
        return title
    first, _, rest = title.partition(" ")
    if first.isupper() and _DOCUMENT_WORD.fullmatch(first):
        first = first[0] + first[1:].lower()
    first = first[0].upper() + first[1:]
    return f"{first} {rest}" if rest else first


def _heading(lines: list[str]) -> tuple[list[str], int]:
    """The heading lines and the index of the first line after the heading."""
    n = len(lines)
    i = 0
    while i < n and not lines[i].strip():
        i += 1
    # A heading starts at the "Резолюция" line when there is one among the first lines.
    for j in range(i, min(n, i + 12)):
        if re.match(r"\s*резолюци", lines[j], re.IGNORECASE):
            i = j
            break
    heading: list[str] = []
    while i < n:
        line = lines[i].strip()
        if not line:
            opened = " ".join(heading)
            unclosed = opened.count("«") > opened.count("»")
            if heading and (unclosed or len(heading) == 1 and len(heading[0].split()) == 1
                            or _heading_goes_on(heading, lines[_skip_blank(lines, i)] if i < n else "")):
                i += 1  # "РЕЗОЛЮЦИЯ" alone, a quoted name still open or still to come: the heading goes on
                continue
            break
        if _ends_heading(line, heading) or len(heading) >= 8:
            break
        heading.append(line)
        i += 1
    total = len(" ".join(heading))
    if heading and total > 400:
        return [], _skip_blank(lines, 0)
    return heading, i


def _ends_heading(line: str, heading: list[str]) -> bool:
    """Whether ``line`` is no longer the heading: a labelled line, a date (maybe with a city), the recommendations,
    a numbered or bulleted item, or a paragraph."""
    if _label_of(line) or _is_date_line(line) or _place_date_city(line) or len(line) > 250:
        return True
    if heading and (_TRIGGER.search(line) or _TRIGGER_HEADING.search(line)):
        return True
    return bool(heading and re.match(r"^(?:\d{1,2}\s*[).]|[-–—·•*])", line))


_HEADING_START = re.compile(r"^(?:[«\"“„(a-zа-яё]|[IVX]+\s)")
_EVENT_WORD = re.compile(
    r"конференц|семинар|форум|совещани|чтени[йяю]|съезд|фестивал|сесси|круглого\s+стола|педсовет|августовск",
    re.IGNORECASE,
)


def _heading_goes_on(heading: list[str], line: str) -> bool:
    """Whether the heading goes on after a blank line (a Word document's paragraphs have spacing, so its PDF or
    DOC has a blank line between the heading's lines): the conference name has not been given yet, and the next
    line is a short line naming the event or starting its name, not a sentence of the text."""
    line = line.strip()
    if not line or len(line) > 200 or _balanced_quote(" ".join(heading)) is not None:
        return False
    if _ends_heading(line, heading) or _CITY_ONLY.fullmatch(line.rstrip(".,;")):
        return False
    if line.endswith((".", "!", "?", ";")) or re.search(r"[.!?]\s+[А-ЯЁA-Z]", line):
        return False
    return bool(_HEADING_START.match(line) or _EVENT_WORD.search(line))


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


# --------------------------------------------------------------------------------------------------
# Recommendations

_TRIGGER = re.compile(
    r"рекомендовал\w*|рекомендуют|рекомендует|рекомендуется|рекомендовано|\bрекомендовать\b|"
    r"\bрешили\b|\bпостановили\b|\bсчита(?:ет|ют)\s+необходимым\b",
    re.IGNORECASE,
)
_TRIGGER_HEADING = re.compile(r"\bРЕКОМЕНДАЦИИ\b|^\s*Рекомендации(?:\s+[^.:]{0,80})?:?\s*$")
_STOP_LINE = re.compile(
    r"^\s*(?:резолюция\s+принята|принят[аоы]?\s+(?:единогласно|на\s+(?:[\w-]+\s+){0,3}?заседании|участниками)|"
    r"председател[ья]\b|секретар[ья]\b|члены\s+оргкомитета|приложени[ея]\b)",
    re.IGNORECASE,
)
# Who signs a resolution, on a line of its own after the recommendations («Оргкомитет конференции», «Рабочая
# группа»): a capital letter and no sentence — «Оргкомитету …», «оргкомитет» inside a sentence are no signature.
_SIGNATURE_LINE = re.compile(r"^(?:Оргкомитет|ОРГКОМИТЕТ|Рабочая\s+группа|РАБОЧАЯ\s+ГРУППА)\b[^.;:!?]{0,100}\.?$")


def _closing_line(line: str, item_finished: bool) -> bool:
    """Whether a line after the recommendations closes the resolution: its signature, its place and date («г. Омск,
    15.03.2024»), or a date alone after a finished item (a date alone after an unfinished one is a wrapped line of
    it: «… в срок до» + «1 сентября 2024 г.»)."""
    if _SIGNATURE_LINE.match(line) or _place_date_city(line):
        return True
    return item_finished and _is_date_line(line)
_SUBNUM = re.compile(r"^\s*(\d{1,2}(?:\.\d{1,2})+)\.?\s+(\S.*)$")
_NUMHEAD = re.compile(r"^\s*(\d{1,2})\s*([).])\s*(\S.*)$")
_ROMAN = re.compile(r"^\s*([IVX]{1,5})\.\s*(\S.*)$")
_LETTER = re.compile(r"^\s*([а-яё])\s*\)\s*(\S.*)$")
_BULLET = re.compile(r"^\s*([–—‒·•▪●◦‣∙■□➢➤✓]|-(?!\d)|\*(?!\*))\s*(\S.*)$")
# "Педагогам – использовать …": an addressee, a dash, and what it is recommended to do.
_DASH_ADDRESSEE = re.compile(r"^(?P<head>[^–—:;.]{2,200}?)\s+[–—-]\s+(?P<tail>\S.*)$")
_INFINITIVE = re.compile(r"(?:ть|ться|чь|чься|ти|тись)$")
# An infinitive among the words after an addressee («… использовать», «… развиваться»); «области», «деятельность»
# are nouns.
_VERB = re.compile(r"(?:[аяеиуыо]ть|[аяеиуыо]ться|чь|чься)$")
_DATIVE_HINT = re.compile(r"(?:ам|ям|ому|ему|у|ю|ии|ие|е)$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[ch] for ch in numeral]
    return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))


@dataclass
class _Group:
    number: str | None
    addressee: str
    marker: str | None = None  # how its number was written: ")", "." or "roman"
    size: int = 0  # items so far
    sub_marker: str | None = None  # of its own numbered items ("1)", "2)" under "1. Адресату:")
    sub_last: int = 0


@dataclass
class _Item:
    group: _Group | None  # None: a recommendation with no addressee written
    number: str | None  # as written ("3", "1.2"), if it was
    parts: list[str]
    marker: str | None = None  # its bullet, ")" or "." of its number, or "letter"


def _find_trigger(lines: list[str], start: int) -> tuple[int, str] | None:
    """(line index, text after the trigger on that line) of the line where recommendations begin."""
    candidates: list[tuple[int, str]] = []
    for i in range(start, len(lines)):
        line = lines[i]
        if _TRIGGER_HEADING.search(line):
            candidates.append((i, ""))
            continue
        m = _TRIGGER.search(line)
        if m:
            candidates.append((i, line[m.end():]))
    if not candidates:
        return None
    for index, rest in candidates:
        rest_clean = rest.strip().lstrip(":—–- ").strip()
        if not rest_clean or rest.strip().endswith(":"):
            return index, rest
        nxt = _skip_blank(lines, index + 1)
        if nxt < len(lines) and any(rx.match(lines[nxt]) for rx in (_NUMHEAD, _BULLET, _SUBNUM, _ROMAN)):
            return index, rest
    return candidates[-1]


def _points_follow(lines: list[str], start: int) -> bool:
    """Whether the next line that is not blank is a point: a dash or bullet one («– создать …»), or a letter one."""
    nxt = _skip_blank(lines, start)
    return nxt < len(lines) and bool(_BULLET.match(lines[nxt]) or _LETTER.match(lines[nxt]))


def _clean_item(text: str) -> str:
    text = _collapse(text)
    text = re.sub(r"\s*;+\s*$", "", text)
    return text.strip()


def _is_addressee_head(head: str, tail: str, classify: Callable[[str], str | None] | None) -> bool:
    head = head.strip()
    if not head or len(head) > 200 or head.endswith((".", ";")):
        return False
    words = _WORD.findall(head)
    if not words:
        return False
    first = _fold(words[0])
    if _INFINITIVE.search(first):
        return False
    if not tail.strip():
        return True
    if classify is not None:
        return classify(head) is not None
    return bool(_DATIVE_HINT.search(first))


def _dash_addressee(text: str, classify: Callable[[str], str | None] | None) -> tuple[str, str] | None:
    """(addressee, recommendation) of "Управлению образования – организовать олимпиаду", or None: the head
    must be an addressee in the dative and the tail must begin with what to do (an infinitive)."""
    m = _DASH_ADDRESSEE.match(text.strip())
    if not m:
        return None
    head, tail = m.group("head").strip(), m.group("tail").strip()
    words = _WORD.findall(tail)
    if not words or not _INFINITIVE.search(_fold(words[0])):
        return None
    first = _WORD.findall(head)
    if not first or not _DATIVE_HINT.search(_fold(first[0])) or not _is_addressee_head(head, tail, classify):
        return None
    return head, tail


# What a head of «Адресату сделать …» may hold besides its nouns and adjectives («Органам местного самоуправления,
# осуществляющим управление в сфере образования»): participles, prepositions, conjunctions, pronouns, numbers. An
# adverb or a verb («Региону необходимо обеспечить», «Школам следует …») makes it no addressee.
_LEAD_POS = frozenset({"NOUN", "ADJF", "PRTF", "NPRO", "PREP", "CONJ", "NUMR"})
_LEAD_WORDS = 16  # an addressee is seldom longer


def _morphology():
    from indexer.analysis import morphology  # pymorphy3, loaded once for the process

    return morphology()


def _is_infinitive(word: str) -> bool:
    """Whether the likeliest reading of a word is an infinitive («использовать»; «печь» is a noun first)."""
    return _morphology().parse(_fold(word))[0].tag.POS == "INFN"


# Verbs whose dative is who receives, not who is asked to act. Of the people a resolution rewards, always
# («Победителям олимпиады вручить дипломы», «Участникам конференции объявить благодарность»); of another head the
# vocabulary knows, unless the words after the verb name who receives («Педагогам выразить благодарность» thanks
# them; «Руководителям образовательных организаций объявить благодарность педагогам» asks the heads).
_AWARDING_VERBS = frozenset(["вручить", "выдать", "объявить", "присвоить", "выплатить", "присудить", "выразить",
                             "подарить", "вернуть"])
# Verbs of granting take whom they give to in the dative. With no other dative after the verb the leading one is
# that recipient, whoever it names: «Обучающимся предоставить возможность …», «Методистам оказать помощь в …»,
# «Молодым педагогам назначить наставников» ask nobody they name, and stay whole without an addressee (who is to
# grant is named by the group's heading or by nobody; a wrong addressee would file the item where it does not
# belong). A recipient named after the verb («Руководителям ОО оказать помощь молодым педагогам»), or a body the
# thing is submitted to («… предоставить информацию в управление образования»), makes the leading dative who is
# asked, known to the vocabulary or a noun naming people.
_GRANTING_VERBS = frozenset(["предоставить", "оказать", "выделить", "назначить"])
# Addressees that are bodies: a resolution asks them to grant («Министерству … выделить средства», «Управлению
# образования назначить ответственного»), it does not grant to them; the rule above is for people.
_BODIES = frozenset(["regional_authority", "municipal_authority", "dpo_institutes", "methodical_services",
                     "educational_organisations"])
_ABBREVIATION = re.compile(r"[А-ЯЁ]{2,6}")
# Verbs of sending: their object goes on somewhere («Образовательным организациям направить отчёты в
# министерство» asks the organisations). A leading dative the vocabulary knows is who is asked; one it does not know
# is, when a recipient is named after the verb.
_SENDING_VERBS = frozenset(["передать", "направить", "сообщить", "разослать", "отправить"])
# What is handed in, not granted: «Образовательным организациям предоставить отчёты (сведения, предложения …)»
# asks the organisations, as a resolution's deadlines do.
_SUBMITTED = frozenset(["отчёт", "отчет", "информация", "сведение", "материал", "данные", "предложение", "документ",
                        "документация", "заявка", "список", "план", "программа", "кандидатура", "отзыв", "справка",
                        "анализ", "результат", "копия", "портфолио"])
_REWARDED = frozenset(["победитель", "призёр", "призер", "лауреат", "участник", "слушатель", "выпускник",
                       "финалист", "дипломант", "номинант"])


def _names_recipient(words: list[re.Match], classify: Callable[[str], str | None] | None) -> bool:
    """Whether the words after a verb of giving name whom it gives to: a noun naming people in the dative («помощь
    молодым педагогам») or a word in the dative the vocabulary knows as an addressee («обучающимся»), not after a
    preposition («обратиться к педагогам», «по вопросам» name no recipient)."""
    morph = _morphology()
    governed = False
    for word in words:
        parses = morph.parse(_fold(word.group()))
        if parses[0].tag.POS == "PREP":
            governed = True
            continue
        datives = [p for p in parses if p.tag.case == "datv"]
        if not governed and datives and (
                any(p.tag.POS == "NOUN" and p.tag.animacy == "anim" for p in datives)
                or (classify is not None and any(p.tag.POS in ("PRTF", "ADJF") for p in datives)
                    and classify(word.group()) is not None)):
            return True
        if parses[0].tag.POS not in ("ADJF", "PRTF", "NUMR"):
            governed = False  # a preposition governs the words up to its noun
    return False


def _hands_in(words: list[re.Match]) -> bool:
    """Whether the object after a verb of granting is a thing handed in («предоставить отчёты», «… ежегодные
    сведения»): its first noun, within three words, is on the list of what is submitted."""
    morph = _morphology()
    for word in words[:3]:
        parse = morph.parse(_fold(word.group()))[0]
        if parse.tag.POS == "NOUN":
            return parse.normal_form in _SUBMITTED
    return False


def _submitted_to_a_body(words: list[re.Match], text: str, classify: Callable[[str], str | None] | None) -> bool:
    """Whether the words after the verb send the thing to a body the vocabulary knows: «в управление образования»,
    «в министерство», «во все школы» (the accusative of where to; «обучения в школах» is where, not to)."""
    if classify is None:
        return False
    morph = _morphology()
    for at, word in enumerate(words[:-1]):
        if _fold(word.group()) not in ("в", "во"):
            continue
        phrase = words[at + 1:at + 5]
        noun = next((w for w in phrase if morph.parse(_fold(w.group()))[0].tag.POS == "NOUN"), None)
        if noun is None:
            continue
        parses = morph.parse(_fold(noun.group()))
        if (any(p.tag.case == "accs" for p in parses) and not any(p.tag.case == "loct" for p in parses)
                and classify(text[phrase[0].start():phrase[-1].end()]) is not None):
            return True
    return False


def _dative_lead(text: str, classify: Callable[[str], str | None] | None) -> tuple[str, str] | None:
    """(addressee, recommendation) of «Педагогам использовать опыт коллег», written without the dash of
    «Педагогам – использовать …», or None. The item begins with a word in the dative; the words up to the first
    infinitive («не» before it goes with it) are nouns, adjectives, participles, prepositions and the like; and the
    head is an addressee the vocabulary knows, or a noun naming people («Методистам»): «Шахматному образованию
    уделить внимание» names what to give attention to, not whom the resolution asks."""
    words = list(_WORD.finditer(text))
    if len(words) < 2 or text[:words[0].start()].strip():
        return None
    morph = _morphology()
    for cut in range(1, min(len(words), _LEAD_WORDS + 1)):
        word = words[cut].group()
        if _is_infinitive(word) or (
                _fold(word) == "не" and cut + 1 < len(words) and _is_infinitive(words[cut + 1].group())):
            break
        if not (word.isupper() and len(word) > 1) and morph.parse(_fold(word))[0].tag.POS not in _LEAD_POS:
            return None  # an adverb, a verb, an unknown word: no addressee's
    else:
        return None
    head = text[:words[cut].start()].strip().rstrip(",").strip()
    if re.search(r"[;:!?–—]|\s-\s", head):
        return None
    known = classify(head) if classify is not None else None
    datives = [p for p in morph.parse(_fold(words[0].group())) if p.tag.case == "datv" and p.tag.POS in _LEAD_POS]
    if not datives and not (known is not None and _ABBREVIATION.fullmatch(words[0].group())):
        return None  # «ИРО оказать помощь …»: an abbreviation the vocabulary knows has no case to read
    noun = next((p for w in words[:cut] for p in morph.parse(_fold(w.group()))
                 if p.tag.POS == "NOUN" and p.tag.case == "datv"), None)
    if known is None and (noun is None or noun.tag.animacy != "anim"):
        return None
    at = cut + 1 if _fold(words[cut].group()) == "не" else cut
    lemma = morph.parse(_fold(words[at].group()))[0].normal_form
    after = words[at + 1:]
    # an awarding verb's dative is who is awarded, unless the words after the verb name another («Руководителям …
    # объявить благодарность педагогам»: the heads are asked to thank the teachers)
    if lemma in _AWARDING_VERBS and (known is None or (noun is not None and noun.normal_form in _REWARDED) or not any(
            p.tag.POS == "NOUN" and p.tag.case == "datv" and p.tag.animacy == "anim"
            for w in words[cut + 1:] for p in morph.parse(_fold(w.group()))[:1])):
        return None  # «Победителям олимпиады вручить дипломы»: who receives, not whom the resolution asks
    if lemma in _GRANTING_VERBS and known not in _BODIES and not (
            _names_recipient(after, classify) or _hands_in(after) or _submitted_to_a_body(after, text, classify)):
        return None  # «Обучающимся предоставить возможность …»: the recipient, whether the vocabulary knows it or not
    if lemma in _SENDING_VERBS and known is None and not _names_recipient(after, classify):
        return None
    return _collapse(head), text[words[cut].start():].strip()


def _without_marker(line: str) -> str:
    """A line without the number or the bullet it begins with."""
    m = _NUMHEAD.match(line) or _BULLET.match(line)
    return m.group(m.lastindex) if m else line


def _is_sub_item(group: _Group, number: int, marker: str) -> bool:
    """Whether "1)" (or "1.") under a numbered addressee group is one of its items rather than a recommendation
    of its own: the group's numbering restarts at 1, or goes on a numbering restarted before, or writes one of
    its numbers again ("1) … 1) … 2) …", a typo: the item gets the group's next free number)."""
    if group.marker == "roman":
        return True
    if group.sub_marker is None:
        return number == 1 and (marker != group.marker or group.size == 0)
    if marker != group.sub_marker:
        return False
    if number == group.sub_last + 1:
        return True
    # a number following on the addressees' own ("2." after "1. Адресату:") stays a recommendation of its own
    follows_group = marker == group.marker and group.number is not None and number == int(group.number) + 1
    return number <= group.sub_last and not follows_group


def _unique_numbers(result: list[ParsedRecommendation]) -> None:
    """A number written twice ("1", "2", "1", "2") is given the next free one in its place: every
    recommendation has a number, and an anchor, of its own."""
    used: set[str] = set()
    for rec in result:
        if rec.number in used:
            head, _, last = rec.number.rpartition(".")
            value = int(last) if last.isdigit() else 1
            candidate = rec.number
            while candidate in used:
                value += 1
                candidate = f"{head}.{value}" if head else str(value)
            rec.number = candidate
        used.add(rec.number)


def _parse_recommendations(
    lines: list[str], trigger: tuple[int, str], classify: Callable[[str], str | None] | None
) -> list[ParsedRecommendation]:
    index, rest = trigger
    groups: list[_Group] = []
    items: list[_Item] = []
    current: _Group | None = None  # the addressee group new items belong to
    nest: _Item | None = None  # an item ending with ":" whose second-level points follow
    blank_since_item = False
    # Whether the recommendations name their addressees with a dash ("Педагогам – использовать …").
    dash_layout = any(
        _dash_addressee(_without_marker(line), classify)
        for line in takewhile(lambda line: not _STOP_LINE.match(line), lines[index + 1:])
    )

    def add_item(text: str, number: str | None = None, marker: str | None = None) -> None:
        nonlocal blank_since_item, nest
        if text.strip():
            item = _Item(current, number, [text.strip()], marker)
            items.append(item)
            if current is not None:
                current.size += 1
            nest = item if text.strip().endswith(":") else None
            blank_since_item = False

    def open_group(number: str | None, addressee: str, tail: str = "", marker: str | None = None) -> None:
        nonlocal current, nest
        current = _Group(number, _collapse(addressee), marker)
        groups.append(current)
        nest = None
        tail = tail.strip()
        if tail:
            bullet = _BULLET.match(tail)
            add_item(bullet.group(2) if bullet else tail)

    def dash_group(number: str | None, addressee: str, tail: str) -> None:
        """"Педагогам – использовать …": a group of one recommendation; what follows is not under it."""
        nonlocal current
        open_group(number, addressee, tail)
        current = None

    def dash(text: str) -> tuple[str, str] | None:
        """The addressee and the recommendation of a dash line. When the text names its addressees so, a line of
        the same shape with an addressee the vocabulary does not know ("Родителям – помогать …") is one too."""
        return _dash_addressee(text, classify) or (_dash_addressee(text, None) if dash_layout else None)

    def header(text: str) -> str | None:
        """The addressee of a header line ("Образовательным организациям:"), or None."""
        text = text.strip()
        if not text.endswith(":") or len(text) > 200:
            return None
        head = text[:-1].strip()
        if not _is_addressee_head(head, "", classify):
            return None
        return head if classify is None or classify(head) is not None else None

    def bare_header(text: str) -> str | None:
        """The addressee of a header line written without its colon («образовательным организациям»), before the
        points under it: an addressee the vocabulary knows, in the dative, nothing to do in it («Педагогам
        использовать опыт» is a recommendation)."""
        text = text.strip()
        if classify is None or len(text) > 150 or text.endswith((".", ";", ",", "!", "?", ":")):
            return None
        words = _WORD.findall(text)
        first = _fold(words[0]) if words else ""
        if not (_DATIVE_HINT.search(first) or first.endswith(("ым", "им"))) \
                or any(_VERB.search(_fold(w)) for w in words[1:]):
            return None
        return _collapse(text) if _is_addressee_head(text, "", classify) and classify(text) is not None else None

    def nested(marker: str) -> bool:
        """Whether a bullet or a letter point belongs to the item before it ("организовать курсы:" + "• по …")."""
        if nest is None or marker == nest.marker:
            return False
        return nest.group is current

    rest = re.sub(r"^[:\s—–-]+", "", rest.strip())
    if rest:
        if addressee := header(rest):
            open_group(None, addressee)
        elif not rest.endswith(":"):
            add_item(rest)

    following = lines[index + 1:]
    for position, raw in enumerate(following):
        line = raw.strip()
        if not line:
            blank_since_item = True
            continue
        if _STOP_LINE.match(line) or items and _closing_line(
                line, blank_since_item or items[-1].parts[-1].endswith((";", ".", "!"))):
            break
        points_follow = _points_follow(following, position + 1)
        if m := _SUBNUM.match(line):
            add_item(m.group(2), m.group(1))
        elif (m := _ROMAN.match(line)) and (parts := m.group(2).partition(":"))[1] \
                and _is_addressee_head(parts[0], parts[2], classify):
            open_group(str(_roman(m.group(1))), parts[0], parts[2], "roman")
        elif m := _NUMHEAD.match(line):
            number, marker, body = m.group(1), m.group(2), m.group(3)
            head, sep, tail = body.partition(":")
            if sep and _is_addressee_head(head, tail, classify):
                open_group(number, head, tail, marker)
            elif points_follow and (addressee := bare_header(body)):
                open_group(number, addressee, "", marker)  # «1) образовательным организациям» + «– создать …»
            elif current is not None and current.number is not None and _is_sub_item(current, int(number), marker):
                current.sub_marker, current.sub_last = marker, max(current.sub_last, int(number))
                add_item(body, marker=marker)
            elif dashed := dash(body) or _dative_lead(body, classify):  # «1. Педагогам использовать …» too
                dash_group(number, *dashed)
            else:
                if current is not None and current.number is not None:
                    current = None  # "3. Продолжить …" after numbered addressees: a recommendation of its own
                add_item(body, number, marker)
        elif m := _LETTER.match(line):
            if nested("letter"):
                nest.parts.append(m.group(2))
            else:
                add_item(m.group(2), marker="letter")
        elif m := _BULLET.match(line):
            if nested(m.group(1)):
                nest.parts.append(m.group(2))
            elif addressee := header(m.group(2)):
                open_group(None, addressee)
            elif current is None and (dashed := dash(m.group(2)) or _dative_lead(m.group(2), classify)):
                dash_group(None, *dashed)
            else:
                add_item(m.group(2), marker=m.group(1))
        elif addressee := header(line) or (bare_header(line) if points_follow else None):
            open_group(None, addressee)
        elif current is None and line[0].isupper() and (dashed := dash(line)):
            dash_group(None, *dashed)
        elif items and not blank_since_item and not items[-1].parts[-1].endswith((";", ".", "!")):
            items[-1].parts.append(line)  # a wrapped line of the previous item
        else:
            add_item(line)

    group_numbers: dict[int, str] = {}
    for position, group in enumerate(groups, start=1):
        number = group.number or str(position)
        if number in group_numbers.values():
            number = str(position)
        group_numbers[id(group)] = number
    types = {
        id(group): classify(group.addressee) if classify is not None and group.addressee else None
        for group in groups
    }
    counters: dict[int, int] = {}
    result: list[ParsedRecommendation] = []
    for item in items:
        text = _clean_item(" ".join(item.parts))
        if not text:
            continue
        key = id(item.group)
        counters[key] = counters.get(key, 0) + 1
        if item.group is None:
            # «Участники конференции рекомендуют: 1. Продолжить …» names who recommends, not to whom: no addressee
            # and no type (a heading «Участникам конференции:» is the participants' group)
            result.append(ParsedRecommendation(item.number or str(counters[key]), "", None, text))
        else:
            number = item.number if item.number and "." in item.number else f"{group_numbers[key]}.{counters[key]}"
            result.append(ParsedRecommendation(number, item.group.addressee, types[key], text))
    _unique_numbers(result)
    return result


# --------------------------------------------------------------------------------------------------
# Format, participants, place, organiser

_FORMAT_MIXED = re.compile(r"смешанн|гибридн|очно[-‐‑–\s]*(?:дистанцион|заочн|онлайн)", re.IGNORECASE)
_FORMAT_ONLINE = re.compile(
    r"видеоконференц|\bвкс\b|онлайн|\bonline\b|\bzoom\b|\bдистанционно\b|"
    r"в\s+дистанционном\s+(?:формате|режиме)|дистанционн\w*\s+формат\w*|в\s+режиме\s+видео|вебинар\w*\s+формат",
    re.IGNORECASE,
)
_FORMAT_IN_PERSON = re.compile(r"\bочн(?:о|ом|ой|ая|ый|ые|ых|ую|ого|ое)\b|\bофлайн", re.IGNORECASE)
_FORMAT_CORRESPONDENCE = re.compile(r"\bзаочн", re.IGNORECASE)
_EVENT_SENTENCE = re.compile(
    r"конференц|семинар|форум|чтени[яй]|совещани|мероприяти|формат|режим|проходил|проведен|состоял|прошл|участи",
    re.IGNORECASE,
)


def _format_of(text: str, labelled: bool = False) -> str | None:
    if _FORMAT_MIXED.search(text):
        return "mixed"
    found = set()
    if _FORMAT_ONLINE.search(text) or (labelled and re.search(r"дистанцион|удал[её]нн", text, re.IGNORECASE)):
        found.add("online")
    if _FORMAT_IN_PERSON.search(text):
        found.add("in_person")
    if _FORMAT_CORRESPONDENCE.search(text):
        found.add("correspondence")
    if not found:
        return None
    return "mixed" if len(found) > 1 else found.pop()


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


_QUALIFIER = r"(?P<q>более\s+чем|более|свыше|около|порядка|почти|не\s+менее|не\s+более|до)"
_NUMBER = r"(?P<n>\d{1,3}(?:[ \u00a0]\d{3})+|\d+)"
_PARTICIPANTS = re.compile(
    rf"(?:{_QUALIFIER}\s+)?{_NUMBER}\s+(?:человек|специалист|педагог|участник|слушател|представител|"
    r"работник|учител|руководител|делегат|обучающ|школьник|студент|гост)",
    re.IGNORECASE,
)
_PARTICIPANTS_BARE = re.compile(rf"(?:{_QUALIFIER}\s+)?{_NUMBER}(?!\s*(?:%|процент|регион|субъект))", re.IGNORECASE)


def _participants(match: re.Match) -> tuple[int, str]:
    number = re.sub(r"\s", "", match.group("n"))
    qualifier = _collapse(match.group("q") or "").lower()
    return int(number), f"{qualifier} {number}".strip()


def _participants_of(preamble: str, label: str | None) -> tuple[int, str] | None:
    if label:
        m = _PARTICIPANTS.search(label) or _PARTICIPANTS_BARE.search(label)
        if m:
            return _participants(m)
    for sentence in _sentences(preamble):
        if not re.search(r"участ", sentence, re.IGNORECASE):
            continue
        m = _PARTICIPANTS.search(sentence)
        if m:
            return _participants(m)
    return None


_CITY_PREFIX = re.compile(
    r"(?<!\d)(?<!\d\s)(?P<prefix>\bг\.|\bгор\.|\bгород(?:а|е|у|ом)?\b)[ \t]*(?=[А-ЯЁ])"
)
# One or two words of a city name, on one line: the first word of the next line is not part of it.
_CITY_WORDS = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-Яа-яЁё]+)*(?:[ \t]+[А-ЯЁ][а-яё]+(?:-[А-Яа-яЁё]+)*)?")


_CASE_ENDINGS = {"г.": "е|ом", "гор.": "е|ом", "города": "а", "городе": "е", "городу": "у", "городом": "ом"}


def _nominative_guess(word: str, prefix: str) -> str | None:
    """A city name that is not in the gazetteer, in the nominative when that is safe to tell."""
    if prefix == "город":
        return word
    nominative_expected = prefix in ("г.", "гор.")  # "г. Миасс", though also "в г. Миассе"
    first, _, second = word.partition(" ")
    if second:  # "г. Нижний Тагил"; oblique cases of two-word names are too irregular to guess
        return word if nominative_expected and re.search(r"(?:ий|ый|ой|ая|ое)$", first) else None
    m = re.fullmatch(rf"(.+[бвгджзклмнпрстфхцчшщ])(?:{_CASE_ENDINGS[prefix]})", first)
    if m:
        return m.group(1)
    if nominative_expected and not re.search(r"(?:е|у|ю|ом|ем|ой|ей)$", first):
        return first
    if first.endswith(("о", "э")):  # indeclinable: "города Пушкино"
        return first
    return None


def _place_from_prefixed(text: str, gazetteer: Gazetteer) -> str | None:
    for m in _CITY_PREFIX.finditer(text):
        city = gazetteer.city_at(text, m.end())
        if city:
            return city
        words = _CITY_WORDS.match(text, m.end())
        if not words:
            continue
        word = _collapse(words.group())
        first, _, second = word.partition(" ")
        if second and not _fold(first).endswith(_ADJ_ENDINGS):
            word = first
        guess = _nominative_guess(word, _fold(m.group("prefix")))
        if guess:
            return guess
    return None


def _place_from_label(value: str, gazetteer: Gazetteer) -> str | None:
    city = _place_from_prefixed(value, gazetteer)
    if city:
        return city
    city = gazetteer.first_city(value)
    if city:
        return city
    first = re.split(r"[,;(]", value, maxsplit=1)[0].strip().rstrip(".")
    if re.fullmatch(r"[А-ЯЁ][а-яё]+(?:[- ][А-ЯЁ]?[а-яё]+){0,2}", first):
        return first
    return None


_ORG_LEGAL = r"(?:ФГБОУ|ФГАОУ|ФГБНУ|ГБОУ|ГАОУ|ГБУ|ГАУ|ГОАУ|ОГАУ|ОГБУ|КГАУ|КГБУ|МБОУ|МАОУ|МБУ|МАУ|МКУ|ГКУ|АНО|ЧОУ)"
_ORG_ABBR = re.compile(rf"(?:\b{_ORG_LEGAL}\s+)?(?:\b(?:ДПО|ДО|ВО)\s+)?\b([А-ЯЁ]{{4,}})\b")
_HOST_SENTENCE = re.compile(r"состоял|проходил|прошл|проведен|организ|на\s+базе", re.IGNORECASE)
_ORGANISER_PHRASE = re.compile(
    r"организатор(?:ами|ом|ы)?\s+(?:конференции\s+)?(?:[:—–-]\s*|выступил[аио]?\s+|являл(?:ся|ась|ись)\s+|"
    r"является\s+|стал[аио]?\s+)(?P<org>[^.;\n]{3,200})",
    re.IGNORECASE,
)


def _organiser_from_acronym(preamble: str, text: str) -> str | None:
    """"в Челябинском институте переподготовки и повышения квалификации работников образования" +
    "ГБУ ДПО ЧИППКРО" elsewhere in the text → "ГБУ ДПО ЧИППКРО" (the initials must spell the acronym)."""
    host_sentences = [s for s in _sentences(preamble) if _HOST_SENTENCE.search(s)]
    if not host_sentences:
        return None
    seen: set[str] = set()
    for m in _ORG_ABBR.finditer(text):
        acronym = m.group(1)
        if acronym in seen or acronym in {"РЕЗОЛЮЦИЯ", "РЕКОМЕНДАЦИИ", "ФГОС"}:
            continue
        seen.add(acronym)
        target = _fold(acronym)
        for sentence in host_sentences:
            words = _WORD.findall(sentence)
            for i, word in enumerate(words):
                if not word[0].isupper() or i == 0:
                    continue
                prev = _fold(words[i - 1])
                if prev not in {"в", "во", "базе", "площадке"}:
                    continue
                initials = ""
                for w in words[i:]:
                    if _fold(w) in {"и", "по", "для"}:
                        continue
                    initials += _fold(w)[0]
                    if len(initials) >= len(target):
                        break
                if initials == target:
                    return _collapse(m.group(0))
    return None


def _organiser_of(label: str | None, preamble: str, text: str) -> str | None:
    if label:
        return label.rstrip(".").strip() or None
    m = _ORGANISER_PHRASE.search(preamble)
    if m:
        org = m.group("org").strip().rstrip(",").strip()
        if org and (org[0].isupper() or org[0] in "«\""):
            return org
    return _organiser_from_acronym(preamble, text)


# --------------------------------------------------------------------------------------------------
# The parser


OPENING_CHARS = 1200


def _opening(paragraphs: list[str], chars: int) -> list[str]:
    """The first paragraphs, up to about ``chars`` characters (at least one)."""
    taken, size = [], 0
    for paragraph in paragraphs:
        taken.append(paragraph)
        size += len(paragraph)
        if size >= chars:
            break
    return taken


def _find_municipalities(result: ParsedResolution, municipalities: MunicipalityFinder) -> None:
    """The municipalities the text names; the region of one named as a place joins the regions (a town or a district
    named without its region, «г. Магнитогорск», still tells it: :meth:`MunicipalityFinder.placed`), and a name read
    as a misspelling gets a warning."""
    found = municipalities.find(result.full_text, result.region_codes)
    codes, gained = municipalities.placed(found, result.region_codes)
    result.municipality_codes.extend(codes)
    result.region_codes.extend(gained)
    for item in found:
        if item.written and item.code in codes:
            result.warnings.append(f"«{item.written}» распознано как {municipalities.name_of(item.code)}: "
                                   "проверьте муниципалитеты")


_NOTES = re.compile(rf"^[ \t]*{NOTES_LINE}[ \t]*$", re.MULTILINE)


def _before_notes(text: str) -> str | None:
    """The text before the notes' heading of a DOCX or an ODT (NOTES_LINE, as its reader writes it, after some
    text; None without one), which no heading, trigger, label or recommendation is looked for past: a footnote
    «Рекомендовано к печати …» is no trigger, an endnote no recommendation. A line «Сноски» the text itself has
    (a .txt, a body's heading) is text. The regions are looked for in the whole text."""
    for match in _NOTES.finditer(text):
        if normalise(text[:match.start()]).strip():
            return text[:match.start()]
    return None


def parse_resolution(text: str, gazetteer: Gazetteer, municipalities: MunicipalityFinder | None = None
                     ) -> ParsedResolution:
    """Parse a resolution text (as read by :func:`extract_text`) into a :class:`ParsedResolution`; ``municipalities``:
    the municipality vocabulary, to find the municipalities it names too."""
    full = normalise(text or "")
    result = ParsedResolution(full_text=full)
    if not full.strip():
        result.warnings.append("Пустой текст резолюции")
        result.warnings.append("Не найдены рекомендации")
        return result
    body = _before_notes(text)
    lines = (full if body is None else normalise(body)).split("\n")
    classify = gazetteer.classify_addressee

    heading, body_start = _heading(lines)
    heading_text = _collapse(" ".join(heading))
    if heading_text:
        result.title = _title_case_first_word(heading_text)
        result.conference_name = _balanced_quote(heading_text)
    else:
        result.warnings.append("Не найден заголовок резолюции")

    trigger = _find_trigger(lines, body_start)
    section_start = trigger[0] if trigger else len(lines)

    labels: dict[str, str] = {}
    prose: list[str] = []
    for line in lines[body_start:section_start]:
        label = _label_of(line)
        if label and label[0] not in labels:
            labels[label[0]] = label[1]
        elif line.strip():
            prose.append(line.strip())
    if trigger:  # the part of the trigger line before "рекомендуют" still describes the event
        m = _TRIGGER.search(lines[section_start])
        if m and lines[section_start][:m.start()].strip():
            prose.append(lines[section_start][:m.start()].strip())
    preamble = "\n".join(prose)
    heading_and_preamble = heading_text + "\n" + preamble

    # Dates
    dates = find_dates(labels["date"]) if "date" in labels else None
    if dates is None:
        dates = find_dates(heading_and_preamble)
    if dates:
        result.date_start, result.date_end = dates
    else:
        result.warnings.append("Не распознана дата проведения")

    # Place: looked for in the opening of the text, measured in characters rather than paragraphs,
    # because a PDF breaks every paragraph into its printed lines.
    first_paragraphs = "\n".join([heading_text, *_opening(prose, OPENING_CHARS * 2)])
    place = _place_from_label(labels["place"], gazetteer) if "place" in labels else None
    if place is None and (written := _place_date_city(lines[_skip_blank(lines, body_start)] if prose else "")):
        place = gazetteer.city_at(written) or written  # «Миасс, 3 марта 2022 г.» under the heading
    if place is None:
        place = _place_from_prefixed(first_paragraphs, gazetteer)
    if place is None:
        place = gazetteer.first_city("\n".join([heading_text, *_opening(prose, OPENING_CHARS)]))
    result.place = place
    if place is None:
        result.warnings.append("Не распознано место проведения")

    # Format
    fmt = _format_of(labels["format"], labelled=True) if "format" in labels else None
    if fmt is None and "place" in labels:
        fmt = _format_of(labels["place"])
    if fmt is None:
        event_sentences = [s for s in _sentences(heading_and_preamble) if _EVENT_SENTENCE.search(s)]
        fmt = _format_of("\n".join(event_sentences))
    result.format = fmt

    # Participants
    participants = _participants_of(preamble, labels.get("participants"))
    if participants:
        result.participants_count, result.participants_text = participants
    elif labels.get("participants"):
        result.participants_text = labels["participants"]

    result.organiser = _organiser_of(labels.get("organiser"), preamble, full)
    result.region_codes = gazetteer.find_regions(full)
    if municipalities is not None:
        _find_municipalities(result, municipalities)

    # Recommendations
    if trigger:
        result.recommendations = _parse_recommendations(lines, trigger, classify)
    if not result.recommendations:
        result.warnings.append("Не найдены рекомендации")
    elif classify is not None:
        unknown = sorted({r.addressee for r in result.recommendations if r.addressee and r.addressee_type is None})
        for addressee in unknown:
            result.warnings.append(f"Не определён тип адресата: «{addressee}»")
    return result
