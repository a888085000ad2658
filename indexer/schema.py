"""The index schema and the documents the caller hands in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from whoosh import fields, formats
from whoosh.analysis import Analyzer

from indexer.analysis import (
    RussianPositions,
    SurfaceExistence,
    composed,
    find_tokens,
    fold,
    fold_word,
    needs_plain_tokens,
    russian_analyzer,
    surface_analyzer,
)

FACET_FIELDS = ("type", "expertise", "topic", "region", "municipality", "level", "subject", "spread", "year")
# "expertise" and "spread" are a practice's own, one value at most (a resolution has neither): whether it passed
# expertise ("1", or "0"), and its spread level's code (none when the practice gives none).
# Facets a document may hold several values of (the others hold one value at most).
MULTI_VALUED = ("topic", "region", "level", "subject", "municipality")
# Facets of vocabulary codes, written as a KEYWORD field (a practice's municipality: one code at most; a
# resolution's and its recommendations': those it names).
CODE_FIELDS = MULTI_VALUED
# What a user's words are looked for in; every other field is out of reach of the query text.
TEXT_FIELDS = ("title", "annotation", "body", "people", "attachments")
# Field boosts: a word in the title says most about a document, then the annotation (the author's own
# summary), then the people and places around it, then the long sections, then attached files.
FIELD_BOOSTS = {"title": 3.0, "annotation": 2.0, "people": 1.5, "body": 1.0, "attachments": 0.5}
# The words of every text field as written: the dictionary of spelling suggestions.
SPELLING_FIELD = "words"
# The solid spelling of each word a text writes joined by hyphens («естественно-научной» →
# «естественнонаучной»), as terms, never searched: a long word typed solid is looked for split in two only
# where a text wrote such a word apart (``indexer.index._compound_parts``), not wherever its first letters
# happen to be a word and the rest a term («американск»: «америк» + «нск»), which read the postings of phrases
# no text has on a tenth of searches.
JOINED_FIELD = "joined"
# A hyphen (hyphen-minus, hyphen, non-breaking hyphen), perhaps at a line's end («естественно-\nнаучных») or
# followed by a space, or an en dash typed tight («естественно–научных»).
_HYPHENS = re.compile(r"[-\u2010\u2011]\s*|\u2013")
# From a word's start only, each word taken whole (possessive): tried at every letter and backtracking to the
# word's end, a 16,000-letter token (a hex dump in an attached file) took 18 s.
_LETTER = r"(?:[^\W_]|[\u0300\u0301\u00ad])"  # of a word, as TOKEN_PATTERN's
_JOINED_WORD = re.compile(rf"(?<!{_LETTER}){_LETTER}++(?:(?:{_HYPHENS.pattern}){_LETTER}++)+")
SORT_TITLE_LENGTH = 80
# Snippets look at the first HIGHLIGHT_CHARS of a field; the text of attached files (a PDF: hundreds of
# kilobytes) is stored no further, all of it still indexed. A search page reads the stored fields of the
# twenty documents it shows, each a compressed pickle of all of them.
HIGHLIGHT_CHARS = 6000
NO_DATE = datetime(1, 1, 1)


@dataclass
class IndexDocument:
    """One searchable document, as the caller builds it from its database."""

    id: str  # "practice:12", "resolution:3", "recommendation:45"
    type: str  # "practice" | "resolution" | "recommendation"
    title: str
    body: str  # all other text (sections, recommendation text, …)
    annotation: str = ""  # a short summary, weighted between the title and the body
    people: str = ""  # authors, organisation, municipality, addressee: searchable, lower boost
    attachments: str = ""  # text extracted from attached files: searchable, the lowest boost
    topic: list[str] = field(default_factory=list)  # vocabulary codes
    region: list[str] = field(default_factory=list)
    level: list[str] = field(default_factory=list)
    subject: list[str] = field(default_factory=list)
    municipality: list[str] = field(default_factory=list)  # a practice's municipality (one), a resolution's (several)
    expertise: bool | None = None  # a practice's mark «Прошла экспертизу» (None: not a practice)
    spread: str | None = None  # a practice's spread level code
    year: int | None = None
    date: datetime | None = None  # for sort by date (newest first)
    # when the material entered the collection (a practice's or a resolution's publication): for sort by
    # "entered" (newest first), what a feed of new materials lists; ``date`` is the material's own (a year)
    entered: datetime | None = None
    adoptions: int = 0  # how many reported applying it: for sort by adoptions (most first)
    version: str = ""  # opaque hash from the caller, stored, used by a consistency check
    # opaque marker of the state the caller built the document from (a practice's last change), stored and
    # returned with each hit: a copy whose stamp differs from the database's is older than what it describes
    stamp: str = ""


def build_schema(analyzer: Callable[[], Analyzer] = russian_analyzer) -> fields.Schema:
    """A fresh schema (each index pickles its own copy, analyzer included); ``analyzer`` makes the
    analyzer of the text fields (another one only to compare them, see ``bench/search_quality.py``)."""

    def text(boost: float) -> fields.TEXT:
        # multitoken_query="phrase": a query word that analyses into several tokens
        # ("научно-практический") must find those tokens side by side, not anywhere.
        field = fields.TEXT(analyzer=analyzer(), stored=True, field_boost=boost, multitoken_query="phrase")
        field.format = RussianPositions(field_boost=boost)
        return field

    def codes() -> fields.KEYWORD:
        # Vocabulary codes are case-sensitive ("RU-CHE") and never contain commas.
        return fields.KEYWORD(stored=True, commas=True, lowercase=False, scorable=False)

    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        type=fields.ID(stored=True, sortable=True),
        **{name: text(FIELD_BOOSTS[name]) for name in TEXT_FIELDS},
        # Every word of the text fields as written (ё-folded, not stemmed), never searched: the
        # dictionary that spelling suggestions are real words from.
        **{SPELLING_FIELD: _spelling_field()},
        **{JOINED_FIELD: _joined_field(analyzer)},
        topic=codes(),
        region=codes(),
        level=codes(),
        subject=codes(),
        municipality=codes(),
        expertise=fields.ID(stored=True),
        spread=fields.ID(stored=True),
        year=fields.ID(stored=True, sortable=True),
        date=fields.DATETIME(),
        # Sort keys, never searched: a document without a date sorts last (a missing value in a
        # whoosh column sorts first when reversed), titles sort lower-case and ё-folded.
        sort_date=fields.DATETIME(sortable=True),
        sort_entered=fields.DATETIME(sortable=True),
        sort_title=fields.ID(sortable=True),
        sort_adoptions=fields.NUMERIC(sortable=True),
        version=fields.STORED(),
        stamp=fields.STORED(),
    )


def _spelling_field() -> fields.TEXT:
    """Words as written; only whether a document has a word counts (no frequencies, no lengths):
    half the postings of an index, so the cheapest possible ones."""
    spelling = fields.TEXT(analyzer=surface_analyzer(), phrase=False)
    spelling.format = SurfaceExistence(field_boost=1.0)
    spelling.scorable = False
    return spelling


def _joined_field(analyzer: Callable[[], Analyzer]) -> fields.TEXT:
    """Terms of the text fields' analysis; only whether a document has one counts."""
    joined = fields.TEXT(analyzer=analyzer(), phrase=False)
    joined.format = formats.Existence(field_boost=1.0)
    joined.scorable = False
    return joined


def joined_words(*texts: str) -> str:
    """Each word the texts write joined by hyphens, once, written solid («видеоконференц-связи» →
    «видеоконференцсвязи»); the field's analyzer makes their terms."""
    return " ".join(dict.fromkeys(_HYPHENS.sub("", match.group())
                                  for text in texts if text for match in _JOINED_WORD.finditer(text)))


def spelling_words(*texts: str) -> str:
    """Each distinct word of the texts once, folded (the spelling field needs no repeats)."""
    text = "\n".join(t for t in texts if t)
    if needs_plain_tokens(text):  # a look-alike letter or an abbreviation's case ending: each word as the analyzer
        return " ".join(dict.fromkeys(fold_word(word) for word in find_tokens(composed(text))))
    # fold() removed the stress marks and soft hyphens that TOKEN_PATTERN also takes in
    return " ".join(dict.fromkeys(find_tokens(fold(text))))


def _codes(name: str, values: list[str]) -> str:
    for value in values:
        if "," in value:
            raise ValueError(f"{name} value {value!r} contains a comma")
    return ",".join(v.strip() for v in values if v.strip())


def to_fields(doc: IndexDocument) -> dict:
    """The whoosh field values of a document (empty values left out). Texts are stored in NFC (``composed``): the
    snippets and the highlighting read the stored text as a query's words are written."""
    title, annotation, body, people, attachments = (
        composed(text or "") for text in (doc.title, doc.annotation, doc.body, doc.people, doc.attachments))
    values = {
        "id": doc.id,
        "type": doc.type,
        "title": title,
        "annotation": annotation,
        "body": body,
        "people": people,
        "attachments": attachments,
        SPELLING_FIELD: spelling_words(title, annotation, body, people, attachments),
        JOINED_FIELD: joined_words(title, annotation, body, people, attachments),
        "sort_title": " ".join(fold(title).split())[:SORT_TITLE_LENGTH],
        "sort_adoptions": doc.adoptions,
        "version": doc.version,
        "stamp": doc.stamp,
    }
    if len(values["attachments"]) > HIGHLIGHT_CHARS:
        values["_stored_attachments"] = values["attachments"][:HIGHLIGHT_CHARS]
    for name in CODE_FIELDS:
        if joined := _codes(name, getattr(doc, name)):
            values[name] = joined
    if doc.expertise is not None:
        values["expertise"] = "1" if doc.expertise else "0"
    if doc.spread:
        values["spread"] = doc.spread
    if doc.year is not None:
        values["year"] = str(doc.year)
    if doc.date is not None:
        values["date"] = values["sort_date"] = _wall_clock(doc.date)
    else:
        values["sort_date"] = NO_DATE
    values["sort_entered"] = _wall_clock(doc.entered) if doc.entered is not None else NO_DATE
    return values


def _wall_clock(moment: datetime) -> datetime:
    """whoosh stores wall-clock time: an aware datetime is converted to UTC first."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
