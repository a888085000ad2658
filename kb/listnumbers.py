"""The numbers a word processor prints before the paragraphs of its automatic lists («1.», «1.2.», «а)», a bullet),
which are not in the paragraphs' text: Word's (DOCX ``w:numPr``, directly or through the paragraph's style) and an
OpenDocument's (``text:list``). A resolution's recommendations are told apart by them: without them three
numbered paragraphs without a final «;» were one recommendation.

A marker is written as the parser of resolutions reads one: a number ends with «.» or «)» («1.», «1.1.», «а)»), a
bullet item gets «–»."""

from __future__ import annotations

BULLET = "–"
_RUSSIAN = "абвгдежзиклмнопрстуфхцчшщэюя"  # Word's «а, б, в…» skips ё, й, ъ, ы, ь
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _letters(value: int, alphabet: str) -> str:
    """1 → «a», 27 → «aa» (as Word and LibreOffice go on past the alphabet)."""
    if not 0 < value <= 10 * len(alphabet):  # «aaaaaaaaaa» at most: a start of 260000000 is its figures
        return str(value)
    index, repeat = (value - 1) % len(alphabet), (value - 1) // len(alphabet) + 1
    return alphabet[index] * repeat


def _roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    out = []
    for number, numeral in _ROMAN:
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


def format_number(value: int, kind: str) -> str:
    """``value`` written in the style ``kind``: Word's numFmt («decimal», «lowerLetter», «russianLower»,
    «upperRoman»…) or an OpenDocument's num-format («1», «a», «А», «i», «I»)."""
    if kind in ("lowerLetter", "a"):
        return _letters(value, _LATIN)
    if kind in ("upperLetter", "A"):
        return _letters(value, _LATIN).upper()
    if kind in ("russianLower", "а"):
        return _letters(value, _RUSSIAN)
    if kind in ("russianUpper", "А"):
        return _letters(value, _RUSSIAN).upper()
    if kind in ("lowerRoman", "i"):
        return _roman(value)
    if kind in ("upperRoman", "I"):
        return _roman(value).upper()
    if kind == "decimalZero":
        return f"{value:02d}"
    return str(value)


def _finished(label: str) -> str | None:
    """A printed number as the resolutions' parser reads one: ending with «.» or «)»."""
    label = label.strip()
    if not label or not any(ch.isalnum() for ch in label):
        return None
    return label if label.endswith((".", ")")) else label + "."


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --------------------------------------------------------------------------------------------------
# Word (DOCX)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _val(element, name: str) -> str | None:
    child = element.find(_W + name) if element is not None else None
    return child.get(_W + "val") if child is not None else None


class DocxNumbering:
    """The numbers Word prints before a document's list paragraphs, computed in document order: ``marker`` is
    called once per paragraph, in the order they are read. Lists of one abstract numbering go on from each other
    (as in Word) unless a list restarts a level (``w:startOverride``); a level's number restarts after an item of a
    higher level."""

    def __init__(self, document) -> None:
        self._styles: dict[str, object] = {}  # styleId → its w:style element
        self._nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → (abstractNumId, {level: startOverride})
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}  # abstractNumId → {level: (fmt, text, start)}
        self._style_levels: dict[str, dict[str, int]] = {}  # abstractNumId → {paragraph styleId: its level}
        self._links: dict[str, str] = {}  # abstractNumId → the numbering style it takes its levels from
        self._counters: dict[str, dict[int, int]] = {}
        self._started: set[str] = set()
        try:
            for style in document.styles.element.findall(_W + "style"):
                self._styles[style.get(_W + "styleId") or ""] = style
            numbering = document.part.numbering_part.element
        except Exception:  # noqa: BLE001 - a document without styles or numbering has no automatic numbers
            return
        for abstract in numbering.findall(_W + "abstractNum"):
            key = abstract.get(_W + "abstractNumId") or ""
            self._levels[key] = {}
            self._style_levels[key] = {}
            if link := _val(abstract, "numStyleLink"):
                self._links[key] = link
            for level in abstract.findall(_W + "lvl"):
                self._add_level(key, level)
        for num in numbering.findall(_W + "num"):
            overrides: dict[int, int] = {}
            for override in num.findall(_W + "lvlOverride"):
                ilvl = _int(override.get(_W + "ilvl"), 0)
                start = _val(override, "startOverride")
                if start is not None:
                    overrides[ilvl] = _int(start, 1)
                if (level := override.find(_W + "lvl")) is not None:  # a level redefined for this list only
                    key = f"{num.get(_W + 'numId')}/{_val(num, 'abstractNumId')}"
                    self._levels.setdefault(key, {})
                    self._add_level(key, level, ilvl)
            self._nums[num.get(_W + "numId") or ""] = (_val(num, "abstractNumId") or "", overrides)

    def _add_level(self, key: str, level, ilvl: int | None = None) -> None:
        ilvl = _int(level.get(_W + "ilvl"), 0) if ilvl is None else ilvl
        self._levels[key][ilvl] = (_val(level, "numFmt") or "decimal", _val(level, "lvlText") or "",
                                   _int(_val(level, "start"), 1))
        if style := _val(level, "pStyle"):
            self._style_levels[key][style] = ilvl

    def _num_pr(self, paragraph) -> tuple[str | None, str | None, str | None]:
        """(numId, ilvl, the id of the style it came through) of a paragraph: its own, else its style's (and the
        style's base styles')."""
        p_pr = paragraph.find(_W + "pPr")
        num_pr = p_pr.find(_W + "numPr") if p_pr is not None else None
        num_id, ilvl = _val(num_pr, "numId"), _val(num_pr, "ilvl")
        style_id = _val(p_pr, "pStyle")
        seen: set[str] = set()
        while num_id is None and style_id and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            s_pr = style.find(_W + "pPr")
            s_num = s_pr.find(_W + "numPr") if s_pr is not None else None
            if s_num is not None and (found := _val(s_num, "numId")) is not None:
                return found, ilvl if ilvl is not None else _val(s_num, "ilvl"), style_id
            style_id = _val(style, "basedOn")
        return num_id, ilvl, None

    def _abstract(self, num_id: str) -> str | None:
        if num_id not in self._nums:
            return None
        abstract = self._nums[num_id][0]
        link = self._links.get(abstract)
        if link and link in self._styles:  # «w:numStyleLink»: the levels are those of a numbering style's list
            s_pr = self._styles[link].find(_W + "pPr")
            linked = _val(s_pr.find(_W + "numPr") if s_pr is not None else None, "numId")
            if linked in self._nums and linked != num_id:
                abstract = self._nums[linked][0]
        return abstract

    def marker(self, paragraph) -> str | None:
        """The number (or «–») printed before this ``w:p`` element, or None; counts it."""
        num_id, ilvl, style_id = self._num_pr(paragraph)
        if not num_id or num_id == "0" or (abstract := self._abstract(num_id)) is None:
            return None
        # a level not written is the one the numbering gives the paragraph's style («List Number 2»), else the first
        level = _int(ilvl, 0) if ilvl is not None else self._style_levels.get(abstract, {}).get(style_id or "", 0)
        levels = dict(self._levels.get(abstract, {}))
        levels.update(self._levels.get(f"{num_id}/{self._nums[num_id][0]}", {}))
        if level not in levels:
            return None
        counters = self._counters.setdefault(abstract, {})
        overrides = self._nums[num_id][1]
        if num_id not in self._started:  # a list restarting its numbering («Начать заново»)
            self._started.add(num_id)
            for restarted in overrides:
                counters.pop(restarted, None)
        start = overrides.get(level, levels[level][2])
        counters[level] = counters[level] + 1 if level in counters else start
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        fmt, text, _start = levels[level]
        if fmt == "bullet":
            return BULLET
        if fmt == "none":
            return None
        for k in range(9, 0, -1):  # «%1.%2.»: each level's number in its own style
            if f"%{k}" in text:
                kind, _t, first = levels.get(k - 1, ("decimal", "", 1))
                text = text.replace(f"%{k}", format_number(counters.get(k - 1, first), kind))
        return _finished(text)


# --------------------------------------------------------------------------------------------------
# OpenDocument

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
LIST = _TEXT + "list"
LIST_ITEM = _TEXT + "list-item"
LIST_HEADER = _TEXT + "list-header"
LIST_STYLE = _TEXT + "list-style"
LEVEL_NUMBER = _TEXT + "list-level-style-number"
LEVEL_BULLET = _TEXT + "list-level-style-bullet"
LEVEL_IMAGE = _TEXT + "list-level-style-image"


class OdfNumbering:
    """The numbers an OpenDocument's lists print before their items' first paragraphs, while a streaming reader
    goes through the document: it hands over the list styles (``add_level``), the starts and ends of lists and
    list items, and asks for the ``marker`` of a paragraph starting outside any other. A list restarts its
    numbers unless it continues another (``text:continue-list``, ``text:continue-numbering``); a nested list is
    the next level of the list around it."""

    def __init__(self) -> None:
        self._styles: dict[str, dict[int, tuple[str, str, str, int, int]]] = {}  # name → {level: definition}
        self._lists: list[tuple[str, dict[int, int]]] = []  # open lists: (style, counters of the outermost)
        # open list items: [whether the item's first paragraph came (or it is a header), its text:start-value]
        self._items: list[list] = []
        self._by_id: dict[str, dict[int, int]] = {}
        self._last: dict[int, int] | None = None  # the counters of the last outermost list

    def add_level(self, style_name: str, element) -> None:
        """A ``text:list-level-style-*`` element of the list style ``style_name``."""
        level = _int(element.get(_TEXT + "level"), 1)
        kind = "bullet" if element.tag != LEVEL_NUMBER else element.get(_STYLE + "num-format", "1")
        self._styles.setdefault(style_name, {})[level] = (
            kind, element.get(_STYLE + "num-prefix", ""), element.get(_STYLE + "num-suffix", ""),
            _int(element.get(_TEXT + "display-levels"), 1), _int(element.get(_TEXT + "start-value"), 1))

    def start_list(self, element) -> None:
        style = element.get(_TEXT + "style-name") or ""
        if self._lists:
            outer_style, counters = self._lists[-1]
            self._lists.append((outer_style or style, counters))
            return
        continued = element.get(_TEXT + "continue-list")
        if continued in self._by_id:
            counters = self._by_id[continued]
        elif element.get(_TEXT + "continue-numbering") == "true" and self._last is not None:
            counters = self._last
        else:
            counters = {}
        if list_id := element.get(_XML_ID):
            self._by_id[list_id] = counters
        self._last = counters
        self._lists.append((style, counters))

    def end_list(self) -> None:
        if self._lists:
            self._lists.pop()

    def start_item(self, element) -> None:
        self._items.append([element.tag == LIST_HEADER, element.get(_TEXT + "start-value")])  # a header: no number

    def end_item(self) -> None:
        if self._items:
            self._items.pop()

    def marker(self) -> str | None:
        """The number (or «–») of a paragraph starting now, or None: only an item's first paragraph has one."""
        if not self._lists or not self._items or self._items[-1][0]:
            return None
        self._items[-1][0] = True
        start_value = self._items[-1][1]
        style, counters = self._lists[-1]
        level = len(self._lists)
        levels = self._styles.get(style, {})
        kind, prefix, suffix, shown, first = levels.get(level, ("1", "", ".", 1, 1))
        if start_value is not None:
            counters[level] = _int(start_value, first)
        else:
            counters[level] = counters[level] + 1 if level in counters else first
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        if kind == "bullet":
            return BULLET
        if not kind:
            return None
        numbers = []
        for k in range(max(1, level - shown + 1), level + 1):
            k_kind, _p, _s, _d, k_first = levels.get(k, ("1", "", ".", 1, 1))
            numbers.append(format_number(counters.get(k, k_first), k_kind if k_kind != "bullet" else "1"))
        return _finished(prefix + ".".join(numbers) + suffix)
