"""The text of Office Open XML documents (DOCX, PPTX) read as a stream.

python-docx and python-pptx build the whole tree of every part before any text is read: a DOCX of 623 KB whose
document.xml unpacked to 50 MB took 53 s and 760 MB of a web process, one of 1.4 MB (200 MB unpacked) four minutes
and 3.9 GB, and only then was the text cut at MAX_TEXT characters. Here the parts that hold the text are read with
defusedxml's expat reader (no entities, nothing fetched), a piece of the ZIP at a time, each element let go as soon
as it ends; the reading stops, the text read kept, at MAX_TEXT characters or MAX_ELEMENTS elements, as
``_odf_text`` reads an OpenDocument.

What is read is what those libraries gave, in their order, so that a document is found by the same words:

* DOCX: the body's paragraphs (``Document.paragraphs``: the runs of each, directly or in a hyperlink, with «\\t»
  for a tab, «\\n» for a line break, «-» for a non-breaking hyphen), then each row of the body's tables, its cells'
  texts (a cell's paragraphs, one a line) once each, apart by a space; a cell merged with the one above it has that
  one's text (``_Row.cells``). Beyond those libraries, what Word shows inside the elements it wraps content in is
  read as if they were not there: paragraphs, tables, rows and cells in content controls (``w:sdt``) and custom
  XML, runs in tracked insertions and moves, content controls, smart tags, simple fields, custom XML and
  hyperlinks, at any nesting; deleted text (``w:del``, ``w:moveFrom``) is not read. A table in a cell is read
  where it stands among the cell's paragraphs, its rows a line each, as the body's are; a text box or a shape's
  text (``w:txbxContent`` in a DrawingML ``w:drawing`` or a VML ``w:pict``) is read where its anchor is, its
  paragraphs a line each, the paragraph holding it going on on the next line. Of an ``mc:AlternateContent``
  (Word writes a text box twice, as DrawingML in ``mc:Choice`` and as VML in ``mc:Fallback``) one branch is read:
  the first that has text, the Fallback only when the Choice has none. Tables and text boxes nested past
  MAX_NESTING are not read. Then, as a block of their own after the body's text, the footnotes and then the
  endnotes (the parts the main part's relationships name, word/footnotes.xml and word/endnotes.xml), each note's
  paragraphs and tables in the part's order, as the body's are read, a note's tables where they stand; Word's
  separators (a note of a ``w:type``: the line above the notes, its continuation) are not read. A notes part that is
  missing gives nothing; one that cannot be read to its end (broken XML, a compression that cannot be bounded, a
  CRC that does not match) gives what was read of it, and the body's text stays. The headers and footers are not
  read: they repeat the school's name and the page numbers on every page;
* PPTX: each slide's shapes that have a text frame (``p:sp``), in the order of the presentation's slide list: the
  frame's paragraphs one a line, «\\v» for a line break. Right after each slide's text (beyond python-pptx's
  ``Slide.shapes``), its speaker notes: the notes page the slide's relationship of the notesSlide type names (of
  transitional or strict OOXML: no other type), each notes page once however many relationships name it, its shapes
  read as a slide's but for the placeholders that are not the notes (the slide's picture, its number, the date, the
  header and the footer). A notes page, or a slide's list of relationships, that cannot be read to its end gives what
  was read of it, and the slides' text stays.
"""

from __future__ import annotations

import posixpath
import zipfile
from xml.sax.handler import ContentHandler, feature_namespaces

from kb.attachments.extract import MAX_ODF_ELEMENTS, MAX_TEXT, READ_PIECE, SAFE_METHODS
from kb.textclean import BULLET_CHARACTERS

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
MAX_ELEMENTS = MAX_ODF_ELEMENTS  # of all the parts read for one document's text
MAX_RELATIONSHIPS = 10_000  # of one part (a presentation's slides: no real one has as many)
_PIECE = 64 * 1024  # bytes of a part given to the parser at a time


class _Enough(Exception):
    """The text or the elements allowed are read: the rest of the part is not."""


class _Budget:
    def __init__(self, elements: int | None = None) -> None:
        self.elements = MAX_ELEMENTS if elements is None else elements


class _Reader(ContentHandler):
    """A part's reader: counts the elements against the document's budget; ``role`` of an element is what it is
    to the text (None: nothing, and nothing inside it either)."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__()
        self.budget = budget
        self.roles: list[str | None] = []

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: N802 - the SAX interface
        self.budget.elements -= 1
        if self.budget.elements < 0:
            raise _Enough
        parent = self.roles[-1] if self.roles else ""
        self.roles.append(None if parent is None else self.start(parent, name, attrs))

    def endElementNS(self, name, qname) -> None:  # noqa: N802
        role = self.roles.pop()
        if role is not None:
            self.end(role)

    def start(self, parent: str, name: tuple[str | None, str], attrs) -> str | None:
        raise NotImplementedError

    def end(self, role: str) -> None:
        pass

    def stopped(self) -> None:
        """The reading stopped inside the part (``_Enough``): keep what was read of the element being read."""


def _read(archive: zipfile.ZipFile, part: str, reader: _Reader) -> None:
    """Give a part of the package to ``reader`` a piece at a time, up to what the part declares (``_check_zip``
    has bounded that); raises KeyError for a part the package has not, and what the parser raises for XML that is
    broken or declares entities (defusedxml)."""
    from defusedxml.expatreader import create_parser

    info = archive.getinfo(part)
    if info.compress_type not in SAFE_METHODS:  # bzip2 and LZMA unpack a piece without a bound on its output
        raise NotImplementedError(f"compression method {info.compress_type}")
    parser = create_parser()
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(reader)
    try:
        with archive.open(info) as member:
            while piece := member.read(min(_PIECE, READ_PIECE)):
                parser.feed(piece)
        parser.close()
    except _Enough:
        reader.stopped()


class _Relationships(_Reader):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.found: dict[str, tuple[str, str]] = {}  # id: (type, target)

    def start(self, parent, name, attrs):
        if name == (PACKAGE_RELATIONSHIPS, "Relationships") and parent == "":
            return "list"
        if (name == (PACKAGE_RELATIONSHIPS, "Relationship") and parent == "list"
                and attrs.get((None, "TargetMode")) != "External"):
            if len(self.found) >= MAX_RELATIONSHIPS:
                raise _Enough
            self.found.setdefault(attrs.get((None, "Id"), ""),
                                  (attrs.get((None, "Type"), ""), attrs.get((None, "Target"), "")))
        return None


def _relationships(archive: zipfile.ZipFile, part: str, budget: _Budget) -> dict[str, tuple[str, str]]:
    """A part's relationships (the package's for ""): id → (type, the part it names)."""
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", f"{base}.rels")
    if name not in archive.NameToInfo:
        return {}
    reader = _Relationships(budget)
    _read(archive, name, reader)
    return {rid: (kind, _target(folder, target)) for rid, (kind, target) in reader.found.items()}


def _target(folder: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join("/", folder, target)).lstrip("/")


def _main_part(archive: zipfile.ZipFile, budget: _Budget) -> str:
    """The document's main part, as the package's relationships name it (word/document.xml, ppt/presentation.xml)."""
    for kind, target in _relationships(archive, "", budget).values():
        if kind.endswith("/officeDocument"):
            return target
    raise KeyError("no main document part")


# --------------------------------------------------------------------------------------------------
# DOCX

_RUN_CHARACTERS = {"tab": "\t", "ptab": "\t", "cr": "\n", "noBreakHyphen": "-"}


# What Word wraps content in, read through at any nesting, by where the content is: a paragraph's runs in a
# hyperlink, a tracked insertion or move (w:ins, w:moveTo), a smart tag, a simple field's result, custom XML, a
# direction (w:dir, w:bdo); paragraphs, tables, rows and cells in custom XML; and anything in a content control
# (w:sdt: its w:sdtContent). A deletion or a move away (w:del, w:moveFrom) is not read: Word does not show it.
# A text box's content (w:txbxContent, «txbx») holds paragraphs and tables, as the body and a cell do.
_WRAPPED = {"p": frozenset(("hyperlink", "ins", "moveTo", "smartTag", "fldSimple", "customXml", "dir", "bdo")),
            "body": frozenset(("customXml",)), "tc": frozenset(("customXml",)), "tbl": frozenset(("customXml",)),
            "tr": frozenset(("customXml",)), "txbx": frozenset(("customXml",))}
# Where content is read, and what a wrapper's, a content control's or an mc:AlternateContent's branch is read as.
_PLACES = (*_WRAPPED, "r", "drawing")
_INSIDE = {where: f"in {where}" for where in _PLACES}  # the role of a wrapper: its content is read as where's
_CONTROL = {where: f"sdt {where}" for where in _WRAPPED}  # a content control there: only its sdtContent is read
_CONTROL_OF = {role: where for where, role in _CONTROL.items()}
_ALTERNATIVES = {where: f"alt {where}" for where in _PLACES}  # an mc:AlternateContent: one of its branches is read
_ALTERNATIVES_OF = {role: where for where, role in _ALTERNATIVES.items()}
_BRANCH = {where: f"branch {where}" for where in _PLACES}  # the branch read: its content is read as where's
_INSIDE_OF = {role: where for where, role in (*_INSIDE.items(), *_BRANCH.items())}
_BLOCKS = ("body", "tc", "txbx")  # where paragraphs and tables are
MAX_NESTING = 64  # tables in cells and text boxes in paragraphs, one inside another: deeper ones are not read


# The Symbol font's characters (Adobe's Symbol encoding), for the symbols a teacher inserts with «Вставка → Символ»
# (``<w:sym w:font="Symbol" w:char="F061"/>``, α): Greek letters, mathematical signs and arrows. Its letters and
# digits of the ASCII range that are themselves are left out (read as they are).
_SYMBOL_FONT = dict(zip(
    [0x22, 0x24, 0x27, 0x2A, 0x2D, 0x40, *range(0x41, 0x5B), 0x5C, 0x5E, *range(0x61, 0x7B), 0x7E],
    "∀∃∋∗−≅ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ∴⊥αβχδεφγηιϕκλμνοπθρστυϖωξψζ∼", strict=True))
_SYMBOL_FONT.update(zip(range(0xA0, 0xF3), "€ϒ′≤⁄∞ƒ♣♦♥♠↔←↑→↓°±″≥×∝∂•÷≠≡≈…⏐⎯↵ℵℑℜ℘⊗⊕∅∩∪⊃⊇⊄⊂⊆∈∉∠∇®©™∏√⋅¬∧∨⇔⇐⇑⇒⇓"
                                              "◊〈®©™∑⎛⎜⎝⎡⎢⎣⎧⎨⎩⎪ 〉∫", strict=True))
del _SYMBOL_FONT[0xF0]  # no character there
_SYMBOL_FONT.update((code, chr(code)) for code in range(0x20, 0x7F) if code not in _SYMBOL_FONT)


def _symbol(code: str, font: str) -> str:
    """The character of a symbol run (``<w:sym w:font="Symbol" w:char="F0B7"/>``: Word's inserted symbol, the code
    of its font's character, often moved to the private-use area at U+F000): a Symbol-font character as Unicode
    (α, ≥, °); any other font's code as it is when it is a printable character, or one of the Word bullets that
    the bullet cleanup reads as «•» (Wingdings' among them); nothing for any other code."""
    if not 2 <= len(code) <= 6 or code.strip("0123456789abcdefABCDEF"):
        return ""
    value = int(code, 16)
    own = value - 0xF000 if 0xF000 <= value <= 0xF0FF else value
    if font.strip().lower() == "symbol" and own in _SYMBOL_FONT:
        return _SYMBOL_FONT[own]
    character = chr(min(value, 0x10FFFF))
    if 0xE000 <= value <= 0xF8FF:
        return character if character in BULLET_CHARACTERS else ""
    return character if character.isprintable() else ""


class _Paragraph:
    """A paragraph being read: the parts of its text, and the lines it goes to when it ends (``out``)."""

    __slots__ = ("out", "parts", "pending")

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.parts: list[str] = []
        self.pending = False  # a text box in it ended: a line break before any more of its text


class _Table:
    """A table being read: its rows go to ``out``; ``lines`` are those of the cell being read (its paragraphs, and
    the rows of a table in it)."""

    __slots__ = ("out", "above", "cells", "offset", "span", "merged", "lines")

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.above: dict[int, str] = {}  # grid offset: the text of the row above's cell there
        self.cells: list[tuple[int, int, bool, str]] = []  # the row's: (grid offset, span, merged with above, text)
        self.offset = self.span = 0
        self.merged = False
        self.lines: list[str] = []


class _Box:
    """A text box's content being read: the lines of its paragraphs and tables."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: list[str] = []


class _Alternatives:
    """An mc:AlternateContent being read: whether a branch of it has given text, and how much text there was
    before the branch being read began."""

    __slots__ = ("read", "mark")

    def __init__(self) -> None:
        self.read = False
        self.mark = 0


class _WordBody(_Reader):
    """word/document.xml: the body's paragraphs, and its tables' rows (see the module's docstring)."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.body = False  # whether the document has its body (python-docx fails without one)
        self.paragraphs: list[str] = []
        self.rows: list[str] = []
        self.paragraph_left = self.table_left = MAX_TEXT + 1  # each is cut there: paragraphs come first
        self.frames: list[_Paragraph | _Table | _Box] = []  # open, outermost first (a body's paragraph or table)
        self.alternatives: list[_Alternatives] = []  # the mc:AlternateContent open
        self.shown = 0  # pieces of text other than spaces read: whether a branch of an alternative had text

    def start(self, parent, name, attrs):
        uri, tag = name
        if parent == "":
            return "document" if name == (W, "document") else None
        if parent == "document":
            self.body = self.body or name == (W, "body")
            return "body" if name == (W, "body") else None
        if parent in _CONTROL_OF:  # a content control: its content is read, its properties are not
            return _INSIDE[_CONTROL_OF[parent]] if name == (W, "sdtContent") else None
        if parent in _ALTERNATIVES_OF:  # the first branch that has text, or the next one while none has
            alternatives = self.alternatives[-1]
            if uri == MC and tag in ("Choice", "Fallback") and not alternatives.read:
                alternatives.mark = self.shown
                return _BRANCH[_ALTERNATIVES_OF[parent]]
            return None
        where = _INSIDE_OF.get(parent, parent)  # what a wrapper's content is read as
        if name == (MC, "AlternateContent") and where in _ALTERNATIVES:
            self.alternatives.append(_Alternatives())
            return _ALTERNATIVES[where]
        if where == "drawing":  # a shape, a group, a picture: only a text box's content is read in it
            return self.open(_Box(), "txbx") if name == (W, "txbxContent") else "drawing"
        if uri != W:
            return None
        if where in _WRAPPED:
            if tag == "sdt":
                return _CONTROL[where]
            if tag in _WRAPPED[where]:
                return _INSIDE[where]
        if where in _BLOCKS and tag == "p":
            return self.open(_Paragraph(self.frames[-1].lines if self.frames else self.paragraphs), "p")
        if where in _BLOCKS and tag == "tbl":
            return self.open(_Table(self.frames[-1].lines if self.frames else self.rows), "tbl")
        frame = self.frames[-1] if self.frames else None
        if where == "tbl" and tag == "tr":
            frame.cells, frame.offset = [], 0
            return "tr"
        if where == "tr":
            if tag == "tc":
                frame.lines, frame.span, frame.merged = [], 1, False
                return "tc"
            return "trPr" if tag == "trPr" and parent == "tr" else None
        if parent == "trPr" and tag == "gridBefore":
            frame.offset += _number(attrs.get((W, "val")), 0)
        elif parent == "tc" and tag == "tcPr":
            return "tcPr"
        elif parent == "tcPr" and tag == "gridSpan":
            frame.span = _number(attrs.get((W, "val")), 1)
        elif parent == "tcPr" and tag == "vMerge":
            frame.merged = attrs.get((W, "val"), "continue") == "continue"
        elif where == "p" and tag == "r":
            return "r"
        elif where == "r":
            if tag == "t":
                return "t"
            if tag in ("drawing", "pict"):  # a DrawingML or a VML shape: its text box is read where it is
                return "drawing"
            if tag == "br":
                self.add("\n" if attrs.get((W, "type"), "textWrapping") == "textWrapping" else "")
            elif tag in _RUN_CHARACTERS:
                self.add(_RUN_CHARACTERS[tag])
            elif tag == "sym":
                self.add(_symbol(attrs.get((W, "char"), ""), attrs.get((W, "font"), "")))
        return None

    def open(self, frame: _Paragraph | _Table | _Box, role: str) -> str | None:
        """Read ``frame`` (in a role), unless it is nested past MAX_NESTING: then nothing in it is read."""
        if len(self.frames) >= MAX_NESTING:
            return None
        self.frames.append(frame)
        return role

    def characters(self, content: str) -> None:
        if self.roles and self.roles[-1] == "t":
            self.add(content)

    def in_table(self) -> bool:
        """Whether what is read now goes to a body's table's rows (and counts against their characters)."""
        return bool(self.frames) and isinstance(self.frames[0], _Table)

    def spend(self, count: int) -> None:
        if self.in_table():
            self.table_left -= count
        else:
            self.paragraph_left -= count

    def add(self, text: str) -> None:
        if not text:
            return
        paragraph = self.frames[-1]  # a run's: the paragraph it is in
        if paragraph.pending:
            paragraph.pending = False
            text = "\n" + text
        if self.in_table():
            text = text[:max(self.table_left, 0)]
            self.table_left -= len(text)
        else:
            if self.paragraph_left <= 0:  # the rest, and the tables after the paragraphs, would be cut off
                raise _Enough
            text = text[:self.paragraph_left]
            self.paragraph_left -= len(text)
        self.shown += not text.isspace()
        paragraph.parts.append(text)

    def end(self, role: str) -> None:
        if role == "p":
            paragraph = self.frames.pop()
            paragraph.out.append("".join(paragraph.parts))
            self.spend(1)
        elif role == "tc":
            table = self.frames[-1]
            table.cells.append((table.offset, table.span, table.merged, "\n".join(table.lines)))
            table.offset += table.span
            table.lines = []
        elif role == "tr":
            table = self.frames[-1]
            texts: list[str] = []
            row_above: dict[int, str] = {}
            for offset, _span, merged, text in table.cells:
                if merged and offset in table.above:  # the text of the cell it continues
                    text = table.above[offset]
                    self.spend(len(text))
                row_above[offset] = text
                texts.append(text)  # once, whatever it spans: the row's text names each cell once
            table.above = row_above
            if (self.table_left if self.in_table() else self.paragraph_left) > 0:
                table.out.append(" ".join(dict.fromkeys(texts)))
                self.spend(1)
        elif role in ("tbl", "txbx"):
            frame = self.frames.pop()
            lines = [line for line in frame.lines if line.strip()] if role == "txbx" else []
            if lines:  # a line of its own where it is anchored, the paragraph's text after it on the next
                paragraph = self.frames[-1]
                paragraph.parts.append("\n" + "\n".join(lines))
                paragraph.pending = True
        elif role in _INSIDE_OF and role.startswith("branch "):
            alternatives = self.alternatives[-1]
            alternatives.read = self.shown > alternatives.mark
        elif role in _ALTERNATIVES_OF:
            self.alternatives.pop()

    def stopped(self) -> None:
        """What was read of the elements open is kept: each is ended as if the part ended there."""
        while self.roles:
            role = self.roles.pop()
            if role is not None:
                self.end(role)


def _number(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() and len(value) < 6 else default


class _WordNotes(_WordBody):
    """word/footnotes.xml or word/endnotes.xml: each note's paragraphs and tables, read as the body's are, in the
    part's order and up to ``left`` characters in all; a note of a type (Word's «separator»,
    «continuationSeparator», «continuationNotice») is not read."""

    _NOTES = {(W, "footnotes"): (W, "footnote"), (W, "endnotes"): (W, "endnote")}

    def __init__(self, budget: _Budget, left: int) -> None:
        super().__init__(budget)
        self.rows = self.paragraphs  # a note's table stays with the note's paragraphs
        self.paragraph_left = left
        self.note: tuple[str, str] | None = None

    def start(self, parent, name, attrs):
        if parent == "":
            self.note = self._NOTES.get(name)
            return "document" if self.note else None
        if parent == "document":
            return "body" if name == self.note and attrs.get((W, "type"), "normal") == "normal" else None
        return super().start(parent, name, attrs)

    def in_table(self) -> bool:
        return False  # a table's text counts against the notes' one limit


# The relationship types that name the notes parts, footnotes first (the order read): of transitional OOXML, which
# Word writes, and of strict OOXML. Only these: a type merely ending in «/footnotes» named a part as well, and a
# list of relationships could name one big part under thousands of such types, to be read once for each.
_NOTE_TYPES = (
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/footnotes"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/endnotes",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/endnotes"),
)


def _word_notes(archive: zipfile.ZipFile, main: str, budget: _Budget, left: int) -> list[str]:
    """The footnotes' and then the endnotes' lines, up to ``left`` characters in all. Whatever stops the reading of
    a part (broken XML, an entity declared, a part that is missing, compressed with bzip2 or LZMA, or whose CRC does
    not match) keeps what was read before it: the notes are not worth the body's text. A part is read once, however
    many relationships name it."""
    lines: list[str] = []
    try:
        related = sorted(set(_relationships(archive, main, budget).values()))
    except Exception:  # noqa: BLE001 - a broken list of relationships: no notes are found
        return lines
    parts = list(dict.fromkeys(part for kinds in _NOTE_TYPES for kind, part in related if kind in kinds))
    for part in parts:
        if left <= 0 or budget.elements <= 0:
            break
        reader = _WordNotes(budget, left)
        try:
            _read(archive, part, reader)
        except Exception:  # noqa: BLE001 - the XML parser, defusedxml and zipfile raise many kinds
            reader.stopped()  # what was read of the notes open is kept
        text = "\n".join(reader.paragraphs)[:left]
        if text:
            lines.append(text)
            left -= len(text) + 1
    return lines


def docx_notes(archive: zipfile.ZipFile, left: int = MAX_TEXT) -> list[str]:
    """The footnotes' and then the endnotes' text of a DOCX package, up to ``left`` characters, as ``docx_text`` reads
    them after the body (each part's lines as one string): for a reader of the body of its own (a resolution's, which
    python-docx reads for its list numbers). A package whose main part is not found has none."""
    budget = _Budget()
    try:
        main = _main_part(archive, budget)
    except Exception:  # noqa: BLE001 - a broken list of the package's relationships: no notes are found
        return []
    return _word_notes(archive, main, budget, left)


def docx_text(archive: zipfile.ZipFile) -> str:
    """The text of a DOCX package (checked by ``_check_zip``): see the module's docstring."""
    budget = _Budget()
    reader = _WordBody(budget)
    main = _main_part(archive, budget)
    _read(archive, main, reader)
    if not reader.body:
        raise ValueError("the document has no body")
    text = "\n".join(reader.paragraphs + reader.rows)
    left = MAX_TEXT - len(text) - 1  # the notes come after the body's text and a line break
    return "\n".join([text, *_word_notes(archive, main, budget, left)]) if left > 0 else text


# --------------------------------------------------------------------------------------------------
# PPTX


class _SlideList(_Reader):
    """ppt/presentation.xml: the relationship ids of its slides, in order."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.ids: list[str] = []

    def start(self, parent, name, attrs):
        if name == (P, "presentation") and parent == "":
            return "presentation"
        if name == (P, "sldIdLst") and parent == "presentation":
            return "list"
        if name == (P, "sldId") and parent == "list":
            if len(self.ids) >= MAX_RELATIONSHIPS:
                raise _Enough
            self.ids.append(attrs.get((R, "id"), ""))
        return None


class _SlideText(_Reader):
    """A slide: the text frames of the shapes right in its shape tree."""

    _PATH = {("", (P, "sld")): "sld", ("sld", (P, "cSld")): "cSld", ("cSld", (P, "spTree")): "spTree",
             ("spTree", (P, "sp")): "sp", ("sp", (P, "txBody")): "txBody", ("txBody", (A, "p")): "p",
             ("p", (A, "r")): "r", ("p", (A, "fld")): "r", ("r", (A, "t")): "t"}

    def __init__(self, budget: _Budget, texts: list[str], left: list[int]) -> None:
        super().__init__(budget)
        self.texts = texts  # of the shapes, all slides'
        self.left = left  # characters still taken, for all slides: [n]
        self.paragraphs: list[str] = []
        self.parts: list[str] = []

    def start(self, parent, name, attrs):
        role = self._PATH.get((parent, name))
        if role == "sp":
            self.paragraphs = []
        elif role == "p":
            self.parts = []
        elif parent == "p" and name == (A, "br"):
            self.add("\v")
        return role

    def characters(self, content: str) -> None:
        if self.roles and self.roles[-1] == "t":
            self.add(content)

    def add(self, text: str) -> None:
        if self.left[0] <= 0:
            raise _Enough
        text = text[:self.left[0]]
        self.left[0] -= len(text)
        self.parts.append(text)

    def end(self, role: str) -> None:
        if role == "p":
            self.paragraphs.append("".join(self.parts))
            self.left[0] -= 1
        elif role == "sp":
            self.texts.append("\n".join(self.paragraphs))
            if self.left[0] <= 0:
                raise _Enough

    def stopped(self) -> None:
        if "p" in self.roles:
            self.paragraphs.append("".join(self.parts))
        if "sp" in self.roles:
            self.texts.append("\n".join(self.paragraphs))


# The placeholders of a notes page that are not the notes: the slide's picture, its number, the date, the header and
# the footer (the same on every page, as a DOCX's headers and footers are).
_NOT_NOTES = frozenset(("sldImg", "sldNum", "dt", "hdr", "ftr"))


class _NotesText(_SlideText):
    """A slide's notes page (p:notes): the text frames of the shapes right in its shape tree, as a slide's, but for
    the placeholders in _NOT_NOTES; an empty one gives no line."""

    _PATH = {**{key: role for key, role in _SlideText._PATH.items() if key[0]}, ("", (P, "notes")): "sld",
             ("sp", (P, "nvSpPr")): "nvSpPr", ("nvSpPr", (P, "nvPr")): "nvPr"}

    def __init__(self, budget: _Budget, texts: list[str], left: list[int]) -> None:
        super().__init__(budget, texts, left)
        self.read = True  # whether the shape being read is notes (not a placeholder of _NOT_NOTES)

    def start(self, parent, name, attrs):
        if parent == "nvPr" and name == (P, "ph"):
            self.read = attrs.get((None, "type"), "obj") not in _NOT_NOTES
            return None
        role = super().start(parent, name, attrs)
        if role == "sp":
            self.read = True
        return None if role == "txBody" and not self.read else role

    def end(self, role: str) -> None:
        if role == "sp" and not any(self.paragraphs):
            return  # no text, or a placeholder not read: no line
        super().end(role)

    def stopped(self) -> None:
        if "p" in self.roles:
            self.paragraphs.append("".join(self.parts))
        if "sp" in self.roles and any(self.paragraphs):
            self.texts.append("\n".join(self.paragraphs))


# The relationship type that names a slide's notes page, of transitional OOXML (PowerPoint's) and of strict OOXML.
# Only these: a type merely ending in «/notesSlide» names none.
_NOTES_SLIDE_TYPES = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide",
                      "http://purl.oclc.org/ooxml/officeDocument/relationships/notesSlide")


def _slide_notes(archive: zipfile.ZipFile, slide: str, budget: _Budget, texts: list[str], left: list[int],
                 seen: set[str]) -> None:
    """A slide's notes page read into ``texts``, through the slide's notesSlide relationships, a part once however
    many relationships and slides name it (``seen``). Whatever stops the reading of the slide's relationships or of
    a notes part (broken XML, an entity declared, a part that is missing, compressed with bzip2 or LZMA, or whose CRC
    does not match) keeps what was read before it: the notes are not worth the slides' text."""
    try:
        related = _relationships(archive, slide, budget)
    except Exception:  # noqa: BLE001 - a broken list of relationships: no notes are found
        return
    for part in dict.fromkeys(part for kind, part in related.values() if kind in _NOTES_SLIDE_TYPES):
        if part in seen or left[0] <= 0 or budget.elements <= 0:
            continue
        seen.add(part)
        reader = _NotesText(budget, texts, left)
        try:
            _read(archive, part, reader)
        except Exception:  # noqa: BLE001 - the XML parser, defusedxml and zipfile raise many kinds
            reader.stopped()  # what was read of the shape open is kept


def pptx_text(archive: zipfile.ZipFile) -> str:
    """The text of a PPTX package (checked by ``_check_zip``): see the module's docstring."""
    budget = _Budget()
    presentation = _main_part(archive, budget)
    slides = _SlideList(budget)
    _read(archive, presentation, slides)
    related = _relationships(archive, presentation, budget)
    texts: list[str] = []
    left = [MAX_TEXT + 1]
    seen: set[str] = set()  # the notes pages read
    for rid in slides.ids:
        _kind, part = related[rid]  # KeyError for a slide the presentation does not have: damaged, as before
        _read(archive, part, _SlideText(budget, texts, left))
        if left[0] > 0 and budget.elements > 0:
            _slide_notes(archive, part, budget, texts, left, seen)
        if left[0] <= 0 or budget.elements <= 0:
            break
    return "\n".join(texts)


# --------------------------------------------------------------------------------------------------
# What python-docx would parse


class _ContentTypes(_Reader):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.defaults: dict[str, str] = {}
        self.overrides: dict[str, str] = {}

    def start(self, parent, name, attrs):
        if name == (CONTENT_TYPES, "Types") and parent == "":
            return "types"
        if parent == "types" and name == (CONTENT_TYPES, "Default"):
            self.defaults[attrs.get((None, "Extension"), "").lower()] = attrs.get((None, "ContentType"), "")
        elif parent == "types" and name == (CONTENT_TYPES, "Override"):
            part = attrs.get((None, "PartName"), "").lstrip("/").lower()
            self.overrides[part] = attrs.get((None, "ContentType"), "")
        return None


def xml_size(archive: zipfile.ZipFile) -> int:
    """Bytes of the package's XML: the parts of an XML content type, the relationships and the content types
    themselves, which python-docx and python-pptx parse whole (its images and other parts they do not)."""
    types = _ContentTypes(_Budget(MAX_RELATIONSHIPS * 2))
    if "[Content_Types].xml" in archive.NameToInfo:
        _read(archive, "[Content_Types].xml", types)
    total = 0
    for info in archive.infolist():
        name = info.filename
        kind = types.overrides.get(name.lower()) or types.defaults.get(posixpath.splitext(name)[1][1:].lower(), "")
        if name == "[Content_Types].xml" or name.lower().endswith((".rels", ".xml")) or kind.endswith("xml"):
            total += info.file_size
    return total
