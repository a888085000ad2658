"""A region named the short way a registry names it: without the word of its kind («Свердловская» for «Свердловская
область», «Алтай» for «Республика Алтай»), or with its words cut short with a dot («Свердл.»), in any order.

A region is read so only when it is the one region whose distinctive words (those of its name or of one of its
other names, the words of the kind — «область», «край», «Республика», «автономный округ», «г.» — left out) are the
words written, each the same word or, cut with a dot (three letters at least), one it begins; a word of a kind
written must be the region's kind («Свердловский край», «Москва обл.» name none). A part of a name
(«Кабардино», «Северная») names none: the regions it may be a part of are the candidates for a hint, as are the
regions of a cut that fits several («Нов. обл.»: Новгородская, Новосибирская).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from kb.extensions import db
from kb.vocabularies.models import Region
from kb.vocabularies.services import cached_vocabulary

# The words of a region's kind (and their abbreviations), by the kind they name. «АО» is an autonomous okrug or
# oblast: the two are one kind here.
_KIND_WORDS = {
    **dict.fromkeys(("область", "обл", "областная"), "область"),
    **dict.fromkeys(("край", "кр"), "край"),
    **dict.fromkeys(("республика", "респ", "народная"), "республика"),
    **dict.fromkeys(("автономный", "автономная", "авт", "округ", "окр", "ао", "аобл"), "автономный"),
    **dict.fromkeys(("город", "г", "гор", "федерального", "значения"), "город"),
}
_WORD = re.compile(r"(\w+)(\.?)")
MIN_CUT = 3  # letters of a word cut short with a dot
MAX_CANDIDATES = 5  # regions a hint names at most


def _words(text: str) -> list[tuple[str, bool]]:
    """The words of ``text`` in lower case (ё as е), each with whether a dot follows it (a word cut short)."""
    return [(match.group(1), bool(match.group(2))) for match in _WORD.finditer(text.lower().replace("ё", "е"))]


def _pairs(written: list[tuple[str, bool]], names: list[str], prefixes: bool) -> bool:
    """Whether each written word is a different word of ``names``: the same word, or one it begins when cut with a
    dot (with ``prefixes``, any written word of MIN_CUT letters may begin one)."""
    if not written:
        return True
    (word, cut), rest = written[0], written[1:]
    return any((word == name or ((cut or prefixes) and len(word) >= MIN_CUT and name.startswith(word)))
               and _pairs(rest, names[:position] + names[position + 1:], prefixes)
               for position, name in enumerate(names))


@dataclass(frozen=True)
class RegionReading:
    """What a short name of a region names: ``code``, the one region; else ``candidates``, the labels of the
    regions it may name (in vocabulary order; none past MAX_CANDIDATES)."""

    code: str | None = None
    candidates: list[str] = field(default_factory=list)

    def hint(self) -> str:
        """« Возможно, имелось в виду: «A» или «B».» for the candidates; "" for none."""
        if not self.candidates:
            return ""
        quoted = [f"«{label}»" for label in self.candidates]
        named = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " или " + quoted[-1]
        return f" Возможно, имелось в виду: {named}."


@dataclass(frozen=True)
class _Region:
    code: str
    label: str
    kinds: frozenset[str]
    names: tuple[tuple[str, ...], ...]  # the distinctive words of its name and of each other name


class RegionNames:
    """The regions by the distinctive words of their names: ``entries`` are (code, name, kind, other names), in
    vocabulary order."""

    def __init__(self, entries: list[tuple[str, str, str, list[str]]]):
        self.regions = []
        for code, name, kind, aliases in entries:
            kinds = {_KIND_WORDS[word] for word, _cut in _words(kind) if word in _KIND_WORDS}
            names = []
            for text in (name, *aliases):
                words = [word for word, _cut in _words(text)]
                kinds.update(_KIND_WORDS[word] for word in words if word in _KIND_WORDS)
                if distinct := tuple(word for word in words if word not in _KIND_WORDS):
                    names.append(distinct)
            self.regions.append(_Region(code, name, frozenset(kinds), tuple(dict.fromkeys(names))))

    def read(self, value: str) -> RegionReading:
        """The region ``value`` names the short way, or the candidates for a hint (see the module's docstring)."""
        words = _words(value)
        kinds = {_KIND_WORDS[word] for word, _cut in words if word in _KIND_WORDS}
        written = [(word, cut) for word, cut in words if word not in _KIND_WORDS]
        if not written or all(word.isdigit() for word, _cut in written):
            return RegionReading()
        named, parts = [], []
        for region in self.regions:
            if not kinds <= region.kinds:
                continue
            if any(len(names) == len(written) and _pairs(written, list(names), False) for names in region.names):
                named.append(region)
            elif any(len(names) >= len(written) and _pairs(written, list(names), True) for names in region.names):
                parts.append(region)
        cut = any(is_cut for _word, is_cut in written)
        if len(named) == 1 and not (cut and parts):
            return RegionReading(named[0].code)
        # a cut that fits one region's words and begins another's too («Сев.»: Севастополь, Северная Осетия) is
        # no reading, only a hint with both
        candidates = named + parts if cut else named or parts
        if len(candidates) > MAX_CANDIDATES:
            return RegionReading()
        return RegionReading(candidates=[region.label for region in candidates])


def region_names() -> RegionNames:
    """The regions of the vocabulary, kept as the other vocabularies are (``cached_vocabulary``)."""
    return cached_vocabulary("region_names", lambda: RegionNames([
        (region.code, region.name, region.kind or "", list(region.aliases or []))
        for region in db.session.scalars(select(Region).order_by(Region.sort_order))]))
