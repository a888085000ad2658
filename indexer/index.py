"""The full-text index on disk: writing, atomic rebuilds and searching."""

from __future__ import annotations

import contextlib
import copy
import ctypes
import errno
import functools
import heapq
import os
import re
import shutil
import tempfile
import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, islice
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA
from whoosh import classify, collectors, highlight, index, query, searching
from whoosh.analysis import Analyzer
from whoosh.codec import whoosh3
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.util.filelock import try_for

from indexer import analysis, bulk
from indexer.analysis import (
    ANALYSIS_VERSION,
    FOLD_MAP,
    MAX_TOKEN_LENGTH,
    PLAIN_TOKEN_PATTERN,
    STOP_WORDS,
    TOKEN_PATTERN,
    RussianAnalyzer,
    analysis_version,
    fold,
    fold_word,
    is_dictionary_word,
    plain_token,
    russian_analyzer,
    term,
)
from indexer.analysis import (
    morphology as analysis_morphology,
)
from indexer.codec import KbCodec, keep_tables, pread_segment_files, segment_arrays
from indexer.docsets import DocSets, SegmentFacets, SegmentWords
from indexer.layout import retype
from indexer.memory import keep_arrays_in_heap
from indexer.query import NOTICE_CORRECTED, NOTICE_PARTIAL, NOTICE_RELAXED, parse_text, prefix_words
from indexer.schema import (  # HIGHLIGHT_CHARS: of each field, for snippets (a match further on: the caller's excerpt)
    FACET_FIELDS,
    HIGHLIGHT_CHARS,
    JOINED_FIELD,
    SPELLING_FIELD,
    TEXT_FIELDS,
    IndexDocument,
    build_schema,
    to_fields,
)
from indexer.scoring import Scores, best_of, top
from indexer.synonyms import SynonymTable

WRITE_TIMEOUT = 30.0  # seconds a writer waits for another one before giving up
WRITE_DELAY = 0.05  # how often it looks again
# A commit of another writer removes the TOC and segment files it replaces: an open that read the
# folder just before may find them gone, and opening again (on the new TOC) succeeds.
OPEN_ATTEMPTS = 8
OPEN_RETRY_DELAY = 0.01  # seconds, doubled after each attempt
PROGRESS_EVERY = 100  # documents between two progress reports of a rebuild
# A rebuild of at least PARALLEL_REBUILD_MIN documents analyses them in REBUILD_PROCS processes, one
# segment each (``indexer.bulk``).
PARALLEL_REBUILD_MIN = 2000
REBUILD_PROCS = max(1, min(2, os.cpu_count() or 1))
REBUILD_BATCH = 250  # documents per job handed to a process
REBUILD_TERM_CACHE = 300_000  # words whose terms a rebuild's writers remember (a web process: INDEX_TERM_CACHE)
REBUILD_LIMIT_MB = 256  # posting buffer of each writer before it spills sorted runs to disk
# Segments are written as separate files, not whoosh's default compound file: a reader of a compound
# segment copies its whole postings file into memory (BytesIO over the mmap), 540 MB per web worker
# at 100,000 practices; separate files are read through the page cache, shared by every worker.
SNIPPET_FRAGMENT_CHARS = 130  # two fragments make a snippet of about 250 characters
SNIPPET_FRAGMENTS = 2
SNIPPET_MATCHES = 8  # the snippet's fragments are chosen among those around the first matches of a field
SNIPPET_CONTEXT_CHARS = 60  # words read before a match and after a fragment's length past it
SORTS = ("relevance", "date", "adoptions", "entered")
# More-like-this: the key terms of these fields, this many of them.
SIMILAR_FIELDS = ("title", "annotation", "body")
SIMILAR_TERMS = 12
SIMILAR_TOPIC_SCORE = 2.0  # about what one of the key terms scores
SIMILAR_SECONDS = 0.03
TERM_STATISTICS_CACHE = 200_000  # terms whose collection frequency more-like-this remembers per searcher
# Ranking: a selection of at most SCORE_AMONG_MAX documents is scored one by one; a broader query is
# ranked for at most RANK_SECONDS when it has more than BROAD_MATCHES matches (then from the matches
# seen so far, and the page says so).
SCORE_AMONG_MAX = 5000
# Matches fewer than 1/SCORE_AMONG_FRACTION of the documents are scored in arrays of their own size, not
# the whole index's: a 3-word query's scores took 5.1 -> 1.2 ms at 100,000 practices (its matches are ~1%).
SCORE_AMONG_FRACTION = 8
BROAD_MATCHES = 5000
RANK_SECONDS = 0.05
NOTICE_BROAD = ("Запрос очень общий: первыми показаны лучшие из просмотренной части совпадений. "
                "Добавьте слово или фильтр, чтобы выдача стала точнее.")
# Searches remembered per searcher (20-40 KB each); a commit starts afresh.
RESULT_CACHE = 256
# Similar-practice lists remembered per searcher apart from the searches (about 1.2 KB each, 5 MB in all): in
# the searches' 256 a practice page's list lasted a few seconds of traffic, and each first look costs the
# more-like-this query (its key terms' postings). A commit starts afresh: the lists follow the index.
SIMILAR_CACHE = 4096
# Fewer documents than this with every word of the query: documents with some of the words follow them.
FEW_RESULTS = 10
# whoosh's own writer lock file (index name "MAIN" + "_WRITELOCK"): a swap waits for a running commit
_WRITER_LOCK = "MAIN_WRITELOCK"
_TOC_FILE = re.compile(r"_MAIN_\d+\.toc")
_WORD_CHAR = re.compile(r"[^\W_]")
_WIDEN_CHARS = 20  # how far a fragment edge may move to reach whitespace
# Spelling: shorter words are too often abbreviations or real words of another field; a word of
# LONG_WORD letters or more may be two edits away from the one meant, a shorter one only one.
MIN_SPELLING_LENGTH = 4
SHORT_RETYPED = 3  # a word retyped from the English layout this short must be indexed as written
MIN_SPELLING_WORD = 3  # the spelling field keeps no shorter words (``SurfaceExistence``)
LONG_WORD = 7
MAX_EDITS_LONG = 2
_LETTERS = re.compile(r"[^\W\d_]+")
_TEXT_WORD = re.compile(TOKEN_PATTERN)
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[A-Za-z]")
PREFIX_LETTERS = 2  # highlighting: see _word_prefixes
FORM_PREFIXES_CACHE = 4096  # typed words whose forms' first letters a process remembers (_form_prefixes)
_FUSED_FRAGMENTS = True  # body snippets through _fragments (tests turn it off to compare with whoosh's own steps)


_T = TypeVar("_T")


def _cached_length_reader(self, fieldname, column):
    """``W3PerDocReader._cached_reader`` of whoosh 2.7.5, also remembering that a field has no lengths
    column. Writing a segment asks for a field's length once per posting; for an unscored field (the
    facets, the spelling words) whoosh looked for the missing column file each time: one stat() per
    posting, tens of millions in a rebuild of 100,000 practices."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


whoosh3.W3PerDocReader._cached_reader = _cached_length_reader
_has_column_on_disk = whoosh3.W3PerDocReader.has_column


def _has_column(self, fieldname):
    """``W3PerDocReader.has_column``, true too of a column whose file this reader holds open (see ``_pinned``):
    whoosh asked the folder, where a merge by the writer may have deleted the file since."""
    return fieldname in self._colfiles or _has_column_on_disk(self, fieldname)


whoosh3.W3PerDocReader.has_column = _has_column


class _ReadStorage(FileStorage):
    """A folder whose files opened while a searcher is being made are remembered, to be closed if making
    it fails (``close_opened``) or left to the searcher once it stands (``settle``)."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self._opened: list | None = []

    def open_file(self, name, **kwargs):
        opened = super().open_file(name, **kwargs)
        if self._opened is not None:
            self._opened.append(opened)
        return opened

    def close_opened(self) -> None:
        """Close the files opened so far; the ones opened next are remembered again (a retry)."""
        for opened in self._opened or ():
            if not opened.is_closed:
                with contextlib.suppress(Exception):
                    opened.close()
        if self._opened is not None:
            self._opened = []

    def settle(self) -> None:
        self._opened = None


def _pinned(searcher: Searcher) -> Searcher:
    """``searcher`` with every column file (and postings arrays file) of its segments open now, not on first use.

    Segments are separate files (see ``_build``), and whoosh opens a segment's column files (stored
    fields, field lengths, sort columns) lazily. The writer process deletes the files of segments a
    commit merged away; a file already open stays readable (POSIX), one opened later is gone. Opening
    them all with the searcher makes it read one consistent generation; a file deleted before it could
    be opened raises FileNotFoundError, and the caller opens the index again (a missing postings arrays
    file only means its terms are read from their blocks).
    """
    names = ["_stored", *(name for field in searcher.schema.names() for name in (field, whoosh3._lenfield(field)))]
    tables = set()
    for leaf, _offset in searcher.reader().leaf_readers():
        perdoc = getattr(leaf, "_perdoc", None)
        if not isinstance(perdoc, whoosh3.W3PerDocReader):
            continue
        for name in names:
            if name not in perdoc._colfiles and _has_column_on_disk(perdoc, name):
                perdoc._colfiles[name] = perdoc._get_column_file(name)
        if perdoc.doc_count_all() and "_stored" not in perdoc._colfiles:  # the caller closes the searcher
            raise FileNotFoundError(f"the stored fields of segment {perdoc._segment.segment_id()} are gone")
        if (arrays := segment_arrays(leaf)) is not None:
            tables.add(arrays.key)
        if (terms := pread_segment_files(leaf)) is not None:
            tables.add(terms)
    keep_tables(tables)
    return searcher


class IndexUnavailable(Exception):
    """The index folder is missing, unreadable or corrupt (a rebuild repairs it)."""


class IndexLocked(IndexUnavailable):
    """Another writer held the index longer than the writer timeout."""


class IndexOutdated(IndexUnavailable):
    """The index was built by an older version of this code (other fields, another analysis): sound, but
    unreadable until a rebuild."""


class IndexNewer(IndexUnavailable):
    """The index was built by a newer version of this code (a later analysis): this process is the old one (a
    writer left running through an upgrade, a rolled-back release). Nothing automatic may rebuild it back down;
    only an operator's `init` or `reindex` of this version does."""


@dataclass
class SearchQuery:
    text: str = ""
    # facet field -> selected values: AND across fields, ANY of the values within one field
    filters: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1
    per_page: int = 20
    # "date" (newest first), "adoptions" (most first) or "entered" (last to enter the collection first); an empty
    # text sorts by date
    sort: str = "relevance"
    synonyms: SynonymTable | None = None  # phrases searched for as each other, at a lower weight
    # highlighted snippets of the hits; an export of thousands of hits wants only their ids (a snippet reads and
    # highlights the document's text)
    snippets: bool = True
    # documents with only some of the words: after the few with every word, or in their place when none has them
    # all (the search page says so); a feed lists only those with every word
    partial: bool = True
    # only the total and the facet counts, no page of hits: what a hint's «найдено N» needs. Nothing is ranked (an
    # empty text under a filter ranks by date, and the date order is built once per searcher: 135 ms at 100,000
    # practices, paid by the first search naming a region after each commit)
    count_only: bool = False
    # documents (stored ids, "practice:69") left out as if deleted: not matched, counted in the total or a facet,
    # shown or counted for a suggestion. The bank's own: one withdrawn since this copy of the index last applied
    # the change log
    exclude: frozenset[str] = frozenset()


@dataclass
class Hit:
    id: str
    type: str
    score: float
    snippet: str  # HTML-safe fragment with matched words in <mark>…</mark>; '' when nothing matched
    snippet_field: str = ""  # where the snippet comes from: "annotation", "body", "attachments" or "title"
    stamp: str = ""  # the document's ``IndexDocument.stamp`` as this copy holds it (the snippet is of that state)
    # the people field (authors, organisation, place), whole and highlighted like a snippet, when the query's words
    # are in it; '' otherwise: where a match among a practice's authors can be shown from
    people: str = ""


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    # field -> [(value, count)] over the matching documents under the other fields' selections,
    # by count desc, then value
    facets: dict[str, list[tuple[str, int]]]
    page: int
    per_page: int
    notice: str | None = None  # a Russian sentence when the query was simplified, relaxed or corrected
    suggestion: str | None = None  # the text with misspelt words replaced by indexed words
    # The values of the concepts (thesaurus topics) the query names that the matches are found through alone: no
    # match has the query's own words («финансовая грамотность», a synonym of the topic «Функциональная
    # грамотность», where only documents filed under the topic are); the caller says so in its own words
    topics_only: list[str] = field(default_factory=list)


class _MarkFormatter(highlight.HtmlFormatter):
    """HtmlFormatter (it escapes the text) with a bare <mark> around each matched word.

    The parent also numbers every word it has seen for CSS classes, in a dict that only grows.
    """

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(highlight.get_text(text, token, replace))}</mark>"

    def format(self, fragments, replace=False):
        """The fragments widened to whole words ("<script>", not "script>"), with an ellipsis
        where the text goes on before or after them."""
        for fragment in fragments:
            text = fragment.text
            start, end = fragment.startchar, fragment.endchar
            while start > 0 and not text[start - 1].isspace() and fragment.startchar - start < _WIDEN_CHARS:
                start -= 1
            while end < len(text) and not text[end].isspace() and end - fragment.endchar < _WIDEN_CHARS:
                end += 1
            fragment.startchar, fragment.endchar = start, end
        snippet = super().format(fragments, replace=replace)
        if snippet and _WORD_CHAR.search(fragments[0].text, 0, fragments[0].startchar):
            snippet = "… " + snippet
        if snippet and _WORD_CHAR.search(fragments[-1].text, fragments[-1].endchar):
            snippet += " …"
        return snippet


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


class _TermStatistics:
    """The index reader as whoosh's key-term ``Expander`` uses it, with each term's collection frequency
    remembered while the searcher is open: more-like-this looks up every distinct word of a practice's
    text (hundreds; two term-table reads each, in every segment), and most words recur from page to page."""

    _ABSENT = -1.0

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self._reader = searcher.reader()
        self.schema = self._reader.schema
        self._frequencies: dict[tuple[str, bytes], float] = {}
        # each segment's term table, looked up once per term (whoosh's MultiReader asks "is it there?"
        # and then "how often?", two look-ups in every segment)
        self._tables = [getattr(leaf, "_terms", None) for leaf, _offset in self._reader.leaf_readers()]
        if not all(isinstance(table, whoosh3.W3TermsReader) for table in self._tables):
            self._tables = None

    def doc_count_all(self) -> int:
        return self._reader.doc_count_all()

    def field_length(self, fieldname: str) -> int:
        return self._reader.field_length(fieldname)

    def _frequency(self, key: tuple[str, bytes]) -> float:
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= TERM_STATISTICS_CACHE:
                self._frequencies.clear()
            found = self._frequencies[key] = self._lookup(key)
        return found

    def _lookup(self, key: tuple[str, bytes]) -> float:
        """The term's frequency summed over the segments that have it (as ``MultiReader.frequency``), or
        _ABSENT when none has it."""
        if self._tables is None:
            return self._reader.frequency(*key) if key in self._reader else self._ABSENT
        total, present = 0, False
        for table in self._tables:
            try:
                frequency = table.frequency(*key)
            except KeyError:
                continue
            total += frequency
            present = True
        return total if present else self._ABSENT

    def __contains__(self, key: tuple[str, bytes]) -> bool:
        return self._frequency(key) != self._ABSENT

    def frequency(self, fieldname: str, text: bytes) -> float:
        return max(self._frequency((fieldname, text)), 0)


class SearchIndex:
    """One index folder. Keeps a searcher open until the next commit; thread-safe."""

    def __init__(
        self,
        path: str | Path,
        write_timeout: float = WRITE_TIMEOUT,
        create: bool = True,
        analyzer: Callable[[], Analyzer] = russian_analyzer,
        rebuild_procs: int = REBUILD_PROCS,
    ):
        """Open the index in ``path``; with ``create`` make an empty one there when there is none.

        Without ``create`` a missing index is not replaced by an empty one: reads and writes raise
        ``IndexUnavailable`` until ``rebuild`` restores it. ``analyzer`` makes the analyzer of the
        text fields of an index this object creates (another one only to compare them).
        """
        keep_arrays_in_heap()  # the process's allocator settings for searching (indexer/memory.py)
        self.path = Path(path)
        self.analyzer = analyzer
        self.write_timeout = write_timeout
        self.rebuild_procs = rebuild_procs
        self._lock = threading.Lock()  # whoosh searchers are not safe to share between threads
        self._searcher: Searcher | None = None
        self._folder: tuple[int, int] | None = None  # (device, inode) the searcher was opened on
        # bitmaps of the open searcher: term and facet-value document sets (built on first use)
        self._sets: DocSets | None = None
        self._segment_facets = SegmentFacets()  # facet postings per segment, across searchers (docsets.py)
        self._segment_words = SegmentWords()  # each segment's words of a letter, for spelling suggestions
        self._term_stats: _TermStatistics | None = None
        self._scorer: Scores | None = None
        # the last searches on the open searcher: a commit (a new searcher) empties it
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._similar_lists: OrderedDict[tuple, list[Hit]] = OrderedDict()  # so too the similar-practice lists
        if not create:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            if not self._has_index():
                self._create()
        except OSError as exc:
            raise IndexUnavailable(f"cannot create the index in {self.path}: {exc}") from exc

    def _has_index(self) -> bool:
        """Whether the folder holds an index (cheap: whoosh's exists_in() unpickles the schema)."""
        return any(_TOC_FILE.fullmatch(name) for name in os.listdir(self.path))

    def _create(self) -> None:
        # Two processes starting at once must not both create (creating wipes the folder's TOCs).
        lock = FileStorage(str(self.path)).lock(_WRITER_LOCK)
        if not try_for(lock.acquire, timeout=self.write_timeout, delay=WRITE_DELAY):
            raise IndexLocked(f"the index in {self.path} is locked")
        try:
            if not self._has_index():
                index.create_in(str(self.path), build_schema(self.analyzer))
        finally:
            lock.release()

    # Writing

    def _open(self, storage: _ReadStorage | None = None) -> index.Index:
        def attempt() -> index.Index:
            # whoosh leaves a TOC file it could not read open: closed here, not by the garbage collector
            folder = storage or _ReadStorage(str(self.path))
            try:
                opened = index.FileIndex(folder)
            except BaseException:
                folder.close_opened()
                raise
            if storage is None:
                folder.settle()
            return opened

        opened = self._retrying(attempt)
        versions = {version for _name, field in opened.schema.items()
                    if (version := analysis_version(getattr(field, "analyzer", None))) is not None}
        if newer := sorted(v for v in versions if v > ANALYSIS_VERSION):
            raise IndexNewer(f"the index in {self.path} holds the terms of analysis version {newer[-1]}, newer than "
                             f"this code's {ANALYSIS_VERSION}: run this version's reindex, or upgrade this process")
        # An index an older version built lacks fields this one writes and searches: like a missing
        # index, it is unavailable until `reindex` rebuilds it (the outbox keeps the changes meanwhile).
        missing = set(build_schema(self.analyzer).names()) - set(opened.schema.names())
        if missing:
            fields = ", ".join(sorted(missing))
            raise IndexOutdated(f"the index in {self.path} lacks the fields {fields}: rebuild it")
        # Terms made by an older analysis (ANALYSIS_VERSION) would not match what a query makes now.
        if older := sorted(versions - {ANALYSIS_VERSION}):
            raise IndexOutdated(f"the index in {self.path} holds the terms of analysis version {older[0]}, "
                                f"this code makes version {ANALYSIS_VERSION}: rebuild it")
        return opened

    def _retrying(self, action: Callable[[], _T]) -> _T:
        """Run ``action`` (which opens index files), again while a concurrent commit removes the files
        it read a moment ago; any other failure, or a folder without an index, is ``IndexUnavailable``."""
        delay = OPEN_RETRY_DELAY
        for attempt in range(OPEN_ATTEMPTS):
            try:
                return action()
            except FileNotFoundError as exc:
                if attempt == OPEN_ATTEMPTS - 1 or not self.path.is_dir() or not self._has_index():
                    raise IndexUnavailable(f"cannot open the index in {self.path}: {exc!r}") from exc
                time.sleep(delay)
                delay *= 2
            except (IndexUnavailable, LockError):
                raise
            except Exception as exc:  # noqa: BLE001 - missing, unreadable or corrupt: all the same to callers
                raise IndexUnavailable(f"cannot open the index in {self.path}: {exc!r}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def apply(self, upserts: Iterable[IndexDocument] = (), deletes: Iterable[str] = ()) -> None:
        """Add or replace ``upserts`` and remove ``deletes`` in one commit (an id in both stays)."""
        documents = {doc.id: doc for doc in upserts}
        removed = [doc_id for doc_id in dict.fromkeys(deletes) if doc_id not in documents]
        if not documents and not removed:
            return
        try:
            writer = self._retrying(
                lambda: self._open().writer(timeout=self.write_timeout, delay=WRITE_DELAY, compound=False,
                                            codec=KbCodec())
            )
        except LockError as exc:
            raise IndexLocked(f"the index in {self.path} stayed locked for {self.write_timeout} s") from exc
        try:
            for doc_id in removed:
                writer.delete_by_term("id", doc_id)
            for doc in documents.values():
                writer.update_document(**to_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, documents: Iterable[IndexDocument], progress: Callable[[int], None] | None = None) -> int:
        """Build a fresh index beside this one and swap it in at once; returns the document count.

        ``progress`` is called with the number of documents added since its previous call.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.rebuild-", dir=self.path.parent))
        try:
            count = self._build(fresh, documents, progress)
            self._swap_in(fresh)
        finally:
            # after the swap this folder holds the previous index
            shutil.rmtree(fresh, ignore_errors=True)
        with self._lock:
            self._close_searcher()
        return count

    def unfinished_rebuilds(self) -> list[Path]:
        """The folders of rebuilds beside this index: the one running now, if any, and those that never ended
        (their process was killed, or the machine stopped, before the swap)."""
        prefix = f".{self.path.name}.rebuild-"
        try:
            return sorted(entry for entry in self.path.parent.iterdir() if entry.name.startswith(prefix))
        except FileNotFoundError:
            return []

    def remove_unfinished_rebuilds(self) -> list[Path]:
        """Delete the folders of rebuilds that never ended; returns them. Call only while no rebuild of this
        index runs."""
        leftovers = self.unfinished_rebuilds()
        for folder in leftovers:
            shutil.rmtree(folder, ignore_errors=True)
        return leftovers

    def _build(self, folder: Path, documents: Iterable[IndexDocument], progress: Callable[[int], None] | None) -> int:
        """Write every document into a fresh index in ``folder``: a large set by REBUILD_PROCS processes
        (one segment each), a small one by this process alone."""
        ix = index.create_in(str(folder), build_schema(self.analyzer))
        documents = iter(documents)
        # the writer processes fork from this one: a rebuild reads every distinct word of the bank
        analysis.INDEX_TERM_CACHE = max(analysis.INDEX_TERM_CACHE, REBUILD_TERM_CACHE)
        first = list(islice(documents, PARALLEL_REBUILD_MIN))
        procs = self.rebuild_procs if len(first) == PARALLEL_REBUILD_MIN else 1
        count = self._write_all(ix, chain(first, documents), progress, procs)
        with ix.searcher() as searcher:
            written = searcher.doc_count()
        if written != count:
            # a safety net (whoosh's own parallel writer once left out a segment whose result came
            # late): the previous index stays in place, and the rebuild can simply be run again
            raise IndexUnavailable(f"the rebuilt index holds {written} documents of {count}: run the rebuild again")
        return count

    def _write_all(self, ix: index.Index, documents: Iterable[IndexDocument],
                   progress: Callable[[int], None] | None, procs: int) -> int:
        seen: set[str] = set()

        def checked() -> Iterator[IndexDocument]:
            unreported = 0
            for doc in documents:
                if doc.id in seen:
                    raise ValueError(f"document {doc.id!r} given twice")
                seen.add(doc.id)
                yield doc
                unreported += 1
                if progress and unreported == PROGRESS_EVERY:
                    progress(unreported)
                    unreported = 0
            if progress and unreported:
                progress(unreported)

        bulk.write_index(ix, checked(), to_fields, procs=procs, batch=REBUILD_BATCH, limitmb=REBUILD_LIMIT_MB)
        return len(seen)

    def _swap_in(self, fresh: Path) -> None:
        if not self.path.exists():
            os.rename(fresh, self.path)
            return
        # Wait for a commit in progress, so that it does not land in the folder being replaced.
        lock = FileStorage(str(self.path)).lock(_WRITER_LOCK)
        if not try_for(lock.acquire, timeout=self.write_timeout, delay=WRITE_DELAY):
            raise IndexLocked(f"the index in {self.path} stayed locked for {self.write_timeout} s")
        try:
            if not _exchange(fresh, self.path):
                # No atomic exchange here: two renames, the index is missing for a moment.
                old = fresh.with_name(fresh.name + ".old")
                os.rename(self.path, old)
                os.rename(fresh, self.path)
                os.rename(old, fresh)
        finally:
            lock.release()

    def clear(self) -> None:
        """Empty the index."""
        self.rebuild(())

    # Reading

    def close(self) -> None:
        """Close the open searcher (its segment files); the next read opens a fresh one."""
        with self._lock:
            self._close_searcher()

    def __del__(self) -> None:
        # Segments are separate files: a searcher left to the garbage collector leaves them unclosed.
        searcher = getattr(self, "_searcher", None)
        if searcher is not None:
            with contextlib.suppress(Exception):
                searcher.close()

    def _close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = None
        self._folder = None
        self._sets = None
        self._term_stats = None
        self._scorer = None
        self._results = OrderedDict()
        self._similar_lists = OrderedDict()

    def _current_searcher(self) -> Searcher:
        """A searcher on the latest commit; call with ``self._lock`` held.

        Not ``Searcher.refresh()``: in whoosh-reloaded 2.7.5 it adds the segments of the old
        reader to the new ones, so after a merge every document is there several times (and it
        fails outright on an empty index). A fresh searcher after each commit is correct; between
        commits the open one is reused.
        """
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            self._close_searcher()
            raise IndexUnavailable(f"the index folder {self.path} is gone: {exc}") from exc
        folder = (stat.st_dev, stat.st_ino)
        try:
            # A rebuild swaps another folder in: its generation numbers may equal the old ones.
            if self._searcher is None or folder != self._folder or not self._searcher.up_to_date():
                self._close_searcher()
                self._searcher = self._retrying(self._open_searcher)
                self._folder = folder
        except IndexUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - a TOC that vanished or cannot be read
            self._close_searcher()
            raise IndexUnavailable(f"cannot read the index in {self.path}: {exc!r}") from exc
        return self._searcher

    def _open_searcher(self) -> Searcher:
        """A searcher on the latest commit with its files open (``_pinned``). A file a concurrent commit
        deleted halfway through leaves none of the files opened so far to the garbage collector: whoosh's
        own ``Index.reader()`` would drop a half-opened reader (and try again up to ten times)."""
        storage = _ReadStorage(str(self.path))
        try:
            opened = self._open(storage)
            toc = opened._read_toc()
            reader = index.FileIndex._reader(storage, toc.schema, toc.segments, toc.generation)
            searcher = Searcher(reader, fromindex=opened)
        except BaseException:
            storage.close_opened()
            raise
        try:
            _pinned(searcher)
        except BaseException:
            # the segments' postings arrays files too (opened by _pinned, not through the storage)
            with contextlib.suppress(Exception):
                searcher.close()
            storage.close_opened()
            raise
        storage.settle()
        return searcher

    def doc_count(self) -> int:
        """How many documents the index holds."""
        with self._lock:
            return self._current_searcher().doc_count()

    def versions(self) -> dict[str, str]:
        """id -> version of every stored document."""
        with self._lock:
            searcher = self._current_searcher()
            return {fields["id"]: fields.get("version", "") for fields in searcher.all_stored_fields()}

    def search(self, request: SearchQuery) -> SearchResult:
        """Run a search: one page of hits, facet counts over every match, and a notice if any."""
        if request.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {request.sort!r}")
        page = max(1, request.page)
        per_page = max(1, request.per_page)
        with self._lock:
            searcher = self._current_searcher()
            try:
                return self._search(searcher, request, page, per_page)
            except (OSError, EOFError) as exc:
                self._close_searcher()
                raise IndexUnavailable(f"cannot read the index in {self.path}: {exc!r}") from exc

    def _search(self, searcher: Searcher, request: SearchQuery, page: int, per_page: int) -> SearchResult:
        unknown = set(request.filters) - set(FACET_FIELDS)
        if unknown:
            raise ValueError(f"not facet fields: {', '.join(sorted(unknown))}")
        return self._remembered(_cache_key(request, page, per_page),
                                lambda: self._run(searcher, request, page, per_page))

    def _remembered(self, key: tuple, compute: Callable[[], _T], store: OrderedDict | None = None,
                    size: int = RESULT_CACHE) -> _T:
        """``compute()``, kept in one of the open searcher's caches (``store``, the searches' by default; at most
        ``size`` entries, the least recently used dropped) under ``key`` (call with the lock held)."""
        store = self._results if store is None else store
        if (cached := store.get(key)) is not None:
            store.move_to_end(key)
            return cached
        result = store[key] = compute()
        while len(store) > size:
            store.popitem(last=False)
        return result

    def _run(self, searcher: Searcher, request: SearchQuery, page: int, per_page: int) -> SearchResult:
        sets = self._docsets(searcher).without(request.exclude)
        starred = list(dict.fromkeys(fold_word(word) for word in prefix_words(request.text)))
        whole = frozenset(word for word in starred if _whole_word(searcher, sets, word))
        parsed = parse_text(request.text, searcher.schema, request.synonyms,
                            functools.partial(_compound_parts, searcher), whole)
        notices = parsed.notices
        if parsed.matches_nothing:
            return SearchResult(0, [], {name: [] for name in FACET_FIELDS}, page, per_page, " ".join(notices))

        allowed = {
            name: sets.any_of(name, [str(v) for v in values]) for name, values in request.filters.items() if values
        }
        q = parsed.strict or query.Every()
        matched = sets.matching(q)
        suggestion = None
        retyped = _retyped(searcher, request.text) if parsed.strict is not None else None
        words = parse_text(retyped, searcher.schema).words if retyped is not None else parsed.words
        distant: set[str] = set()  # words corrected by more than one edit: a hint only, never the results
        corrections = (_corrections(searcher, words, self._segment_words, _abbreviations(request.text), distant)
                       if parsed.strict is not None else {})
        _drop_typed_stems(searcher, sets, corrections, distant, request.synonyms)
        starts = [word for word in starred if word not in whole]
        completed: set[str] = set()  # the starts of words typed with «*» that a suggestion names the word of
        if parsed.strict is not None and (starts or not matched.any()):
            offered = _complete_starts(searcher, sets, starts or words, corrections, distant, request.synonyms,
                                       starred=bool(starts))
            if starts:
                completed = offered
        if retyped is not None or corrections:
            suggestion = _apply_corrections(retyped or _PREFIX_STAR.sub("", request.text), corrections)
        if suggestion is not None and suggestion == " ".join(request.text.split()):
            suggestion = None  # a correction of a pair that does not stand apart by a space («Глобал-Лаб»)
        if suggestion is not None:
            corrected_parse = parse_text(suggestion, searcher.schema, request.synonyms)
            corrected = corrected_parse.strict
            corrected_docs = sets.matching(corrected) if corrected is not None else sets.empty()
            if not _narrowed(corrected_docs, allowed.values()).any():
                suggestion = None  # a correction that finds nothing either is no help
            elif not _narrowed(matched, allowed.values()).any() and not distant:
                # The fuzzy fallback: nothing has all the words as typed, so show what the correction
                # finds rather than documents with only some of the words.
                q, matched = corrected, corrected_docs
                # What the corrected text says of itself: retyped «if[vfns» has no «[» to simplify away.
                notices = [*corrected_parse.notices, NOTICE_CORRECTED.format(suggestion=suggestion)]
        apart = None  # the documents with every word of a hyphenated one apart, not as its phrase
        missed = not _narrowed(matched, allowed.values()).any()
        if parsed.loose is not None and q is parsed.strict and (missed or int(matched.sum()) < FEW_RESULTS):
            apart = sets.matching(parsed.loose) & ~matched
            if missed and _narrowed(apart, allowed.values()).any():
                # no text has the phrase of «онлайн-урок»: those with its words, in any order, are the matches
                q, matched, apart = parsed.loose, matched | apart, None
        if not _narrowed(matched, allowed.values()).any() and parsed.relaxed is not None and request.partial:
            relaxed = sets.matching(parsed.relaxed)
            if _narrowed(relaxed, allowed.values()).any():
                q, matched, apart = parsed.relaxed, relaxed, None
                notices.append(NOTICE_RELAXED)

        found = _narrowed(matched, allowed.values())
        found_count = int(found.sum())
        # Few documents with every word: the rest of the list shows those with some of the words,
        # after them (a document with all the words never ranks below one with some). "Few" before the
        # filters, and the facet numbers count the same documents: a value's number is what choosing it gives
        # (decided after the filters, «Челябинская область 8» gave «Найдено: 22»). So too when the filters leave
        # nothing: a value's number counts the documents with some of the words that choosing it brings («1» gave
        # «Найдено: 3»), and when no document has every word, those the relaxed query finds there.
        # Tiers after the matches, each ranked by its own query: the texts with every word of a hyphenated word
        # apart (few with its phrase), then those with some of the words.
        tiers: list[tuple[query.Query, np.ndarray]] = []
        every_extra = apart if apart is not None else sets.empty()
        all_words = found_count
        if apart is not None and (loose_found := _narrowed(apart, allowed.values())).any():
            tiers.append((parsed.loose, loose_found))
            all_words += int(loose_found.sum())
        if (int((matched | every_extra).sum()) < FEW_RESULTS and parsed.relaxed is not None
                and (q is parsed.strict or q is parsed.loose) and request.partial):
            some = sets.matching(parsed.relaxed) & ~matched & ~every_extra
            every_extra = every_extra | some
            if (some_found := _narrowed(some, allowed.values())).any():
                tiers.append((parsed.relaxed, some_found))
                notices.append(NOTICE_PARTIAL.format(count=all_words))
        extra = _narrowed(every_extra, allowed.values())
        # Of a query that names a thesaurus topic by a narrower term of it («финансовая грамотность» of «Функциональная
        # грамотность»), the matches with the words (None for any other query), ranked before the topic's other
        # documents; and of any query naming a topic, whether a match has the words at all (``topics_only``)
        concepts = _concepts(q)
        worded = None
        topics_only: list[str] = []
        if concepts and found_count and not request.count_only:
            words_only = _without_concepts(q)
            if words_only is None or not (found & sets.matching(words_only)).any():
                topics_only = [value for name, value in concepts if (found & sets.term(name, value)).any()]
            if request.synonyms is not None and set(concepts) & _narrower(searcher, request.text, request.synonyms):
                worded = sets.matching(words_only) if words_only is not None else sets.empty()
        # Sorted by a field: an explicit date or adoptions order, or no words to rank by (newest first).
        by_field = request.sort != "relevance" or parsed.strict is None
        limit = page * per_page
        ranked: list[tuple[int, float]] = []
        if request.count_only:
            pass  # the total and the facets only: nothing to rank
        elif by_field and found_count:
            # by date too, the documents with every word first, then those with some («за ними», the notice says)
            ranked = [(docnum, 0.0) for docnum in sets.first_by(found, request.sort, limit)]
            for _tier_q, docs in tiers:
                if len(ranked) < limit:
                    ranked += [(docnum, 0.0) for docnum in sets.first_by(docs, request.sort, limit - len(ranked))]
        elif found_count:
            broad: list[bool] = []
            # Without a facet selection whoosh needs no filter for the query's own matches (cheaper for it).
            bonus = parsed.bonus if q is parsed.strict else None
            # A topic named by a narrower term: the matches with the words first, then the topic's others (``worded``)
            first, after = (found & worded, found & ~worded) if worded is not None else (found, None)
            if after is not None and first.any() and after.any():
                ranked = self._best(searcher, sets, q, first, first, limit, int(first.sum()), broad, bonus)
                if len(ranked) < limit:
                    ranked += self._best(searcher, sets, q, after, after, limit - len(ranked), int(after.sum()))
            else:
                # whoosh, where it ranks, walks every match of the query: the documents left out are not among
                # those it may take
                among = found if allowed or sets is not sets.whole else None
                ranked = self._best(searcher, sets, q, found, among, limit, found_count, broad, bonus)
            for tier_q, docs in tiers:
                if len(ranked) < limit:
                    ranked += self._best(searcher, sets, tier_q, docs, docs, limit - len(ranked), int(docs.sum()))
            if broad:
                notices.append(NOTICE_BROAD)
        start = (page - 1) * per_page
        shown = ranked[start : start + per_page]
        queries = [q, *(tier_q for tier_q, _docs in tiers)]
        words, prefixes, loose = {}, frozenset(), {}
        if shown and request.snippets:
            words = _query_words(searcher, sets, queries)
            prefixes = _word_prefixes(words, [*parsed.words,
                                              *(_TEXT_WORD.findall(fold(suggestion)) if suggestion else [])])
            loose = _phrase_only_words(queries, words)
        hits = []
        for docnum, score in shown:
            stored = searcher.stored_fields(docnum)
            snippet, source = _snippet(searcher, stored, words, prefixes, loose) if request.snippets else ("", "")
            people = stored.get("people") or ""
            people = _highlight(_TITLE_HIGHLIGHTER, searcher, "people", people, words["people"], 1, prefixes,
                                loose.get("people")) if people and words.get("people") else ""
            hits.append(Hit(id=stored["id"], type=stored["type"], score=score, snippet=snippet, snippet_field=source,
                            stamp=stored.get("stamp", ""), people=people))
        total = found_count + int(extra.sum())
        if distant - completed and total and (not found_count or q is parsed.relaxed):
            # A correction of two edits is a hint beside the documents with every word as typed («кувыпулелеская»:
            # «кувыпулелеский»), or in place of nothing found; beside documents with only some of the words it
            # named an unrelated word more often than the one meant («форсайт сессия»: «формат сессия»). The word
            # of a start typed with «*» is no guess at a typo: offered beside them too («олимп* математика»).
            suggestion = None
        return SearchResult(
            total=total,
            hits=hits,
            facets=self._facet_counts(sets, matched | every_extra, allowed),
            page=page,
            per_page=per_page,
            notice=" ".join(notices) or None,
            suggestion=suggestion,
            topics_only=topics_only,
        )

    def similar(self, doc_id: str, limit: int = 5, types: tuple[str, ...] = ("practice",)) -> list[Hit]:
        """Documents like ``doc_id`` (more-like-this on the key terms of its text, looked for in the same
        fields), itself left out; [] when it is not in the index. Remembered until the next commit."""
        with self._lock:
            searcher = self._current_searcher()
            return self._remembered(("similar", doc_id, limit, types),
                                    lambda: self._similar(searcher, doc_id, limit, types),
                                    self._similar_lists, SIMILAR_CACHE)

    def _similar(self, searcher: Searcher, doc_id: str, limit: int, types: tuple[str, ...]) -> list[Hit]:
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        if self._term_stats is None or self._term_stats.searcher is not searcher:
            self._term_stats = _TermStatistics(searcher)
        weights: dict[str, float] = {}
        for name in SIMILAR_FIELDS:
            if text := stored.get(name):
                # searcher.key_terms_from_text, with the term statistics remembered
                expander = classify.Expander(self._term_stats, name, model=classify.Bo1Model)
                expander.add_text(text)
                for word, weight in expander.expanded_terms(SIMILAR_TERMS, normalize=True):
                    weights[word] = max(weights.get(word, 0.0), weight)
        if not weights:
            return []
        key_terms = sorted(weights.items(), key=lambda item: -item[1])[:SIMILAR_TERMS]
        q = query.Or([
            query.Or([query.Term(name, word) for name in SIMILAR_FIELDS], boost=weight)
            for word, weight in key_terms
        ] + [
            # a shared thesaurus topic says what the words may not: both are about the same thing
            query.ConstantScoreQuery(query.Term("topic", code), SIMILAR_TOPIC_SCORE)
            for code in (stored.get("topic") or "").split(",")
            if code
        ])
        allowed = query.And([
            query.Or([query.Term("type", t) for t in types]),
            query.Not(query.Term("id", doc_id)),
        ])
        sets = self._docsets(searcher)
        scores = self._scores(sets).of(q)
        if scores is not None:
            # q's matches are where it scores above 0 (a BM25 term's score and the topic's are positive):
            # no bitmaps of its 36 terms (2.8 ms a practice page at 100,000)
            return [
                Hit(id=stored_id["id"], type=stored_id["type"], score=score, snippet="")
                for docnum, score in top(scores, (scores > 0) & sets.matching(allowed), limit)
                for stored_id in [searcher.stored_fields(docnum)]
            ]
        # More-like-this ORs a dozen frequent terms: at 100,000 practices whoosh would score tens of
        # thousands of documents; the best of those seen within SIMILAR_SECONDS do.
        collector = _budgeted(searcher, limit, allowed, SIMILAR_SECONDS)
        with contextlib.suppress(searching.TimeLimit):
            searcher.search_with_collector(q, collector)
        return [
            Hit(id=hit["id"], type=hit["type"], score=float(hit.score), snippet="")
            for hit in collector.results()
        ]

    def _best(self, searcher: Searcher, sets: DocSets, q: query.Query, found: np.ndarray, among: np.ndarray | None,
              limit: int, matches: int, broad: list[bool] | None = None,
              bonus: query.Query | None = None) -> list[tuple[int, float]]:
        """The best ``limit`` of ``found`` (matches of ``q``) by their scores for ``q``: computed for every one
        in numpy where ``Scores`` knows the query's kinds, else ranked by whoosh (``_ranked``, only documents
        in ``among`` if given). A ``bonus`` query adds its scores where it matches (in numpy only)."""
        numbers = np.flatnonzero(found)
        # Few matches (the usual query of several words): scored at those documents only.
        few = numbers.size * SCORE_AMONG_FRACTION <= sets.size
        scores = self._scores(sets).of(query.Or([q, bonus]) if bonus is not None else q, numbers if few else None)
        if scores is None and bonus is not None:
            scores = self._scores(sets).of(q, numbers if few else None)
        if scores is not None:
            return best_of(numbers, scores if few else scores[numbers], limit)
        return _ranked(searcher, q, among, limit, matches, broad)

    def _scores(self, sets: DocSets) -> Scores:
        """The scorer of the open searcher (its field lengths are kept with it, dropped with it); the sets of every
        document: a document left out is never among those scored."""
        sets = sets.whole
        if self._scorer is None or self._scorer.sets is not sets:
            self._scorer = Scores(sets)
        return self._scorer

    def _docsets(self, searcher: Searcher) -> DocSets:
        """The bitmaps of the open searcher (built on first use, dropped with the searcher)."""
        if self._sets is None or self._sets.searcher is not searcher:
            self._sets = DocSets(searcher, segments=self._segment_facets)
            self._segment_words.keep_only(self._sets.segment_ids)
        return self._sets

    def _facet_counts(
        self, sets: DocSets, matched: np.ndarray, allowed: dict[str, np.ndarray]
    ) -> dict[str, list[tuple[str, int]]]:
        """Per facet field, how many matches hold each value under every *other* field's selection.

        A field's own selection is left out of its counts, so that its other values show how many
        documents choosing them too would add (OR within a field) and a user can widen as well as
        narrow. Counts are by count desc, then value.

        Not whoosh's FieldFacet(allow_overlap=True): its counts are right, but it re-reads every
        posting of the field on every search (40–50 ms per search on 10,000 documents even when
        nothing matched, 150 ms when everything did). Packed bitmaps per value are built once per
        searcher; a field's counts are one AND and popcount over them (``DocSets.counts``).
        """
        facets = {}
        seen: dict = {}  # without a selection every field counts the same documents
        for name in FACET_FIELDS:
            base = _narrowed(matched, (docs for other, docs in allowed.items() if other != name))
            counts = sets.counts(name, base, seen) if base.any() else []
            facets[name] = sorted(counts, key=lambda item: (-item[1], item[0]))
        return facets


def _concepts(q: query.Query) -> list[tuple[str, str]]:
    """(field, value) of the concepts the query looks for (``SynonymTable.concepts``: constant scores of a keyword
    field's value), outside its NOT clauses, once each in order."""
    if isinstance(q, query.Not):
        return []
    if isinstance(q, query.AndNot):
        return _concepts(q.a)
    if isinstance(q, query.ConstantScoreQuery) and isinstance(q.child, query.Term):
        return [(q.child.fieldname, q.child.text)]
    return list(dict.fromkeys(found for child in q.children() for found in _concepts(child)))


def _narrower(searcher: Searcher, text: str, table: SynonymTable) -> set[tuple[str, str]]:
    """(field, value) of the concepts a run of the text's words names by a narrower term (``SynonymTable.narrower``)."""
    terms = tuple(searcher.schema[TEXT_FIELDS[0]].process_text(text, mode="query"))
    return {concept for start in range(len(terms))
            for end in range(start + 2, min(len(terms), start + table.longest) + 1)
            for concept in table.narrower(terms[start:end])}


def _without_concepts(q: query.Query) -> query.Query | None:
    """The query without its concepts: what a document must hold of the words (None: nothing, the query was a
    concept alone)."""
    if isinstance(q, query.ConstantScoreQuery):
        return None
    if isinstance(q, query.AndNot):
        a = _without_concepts(q.a)
        return query.AndNot(a, q.b) if a is not None else None
    if isinstance(q, query.And | query.Or | query.DisjunctionMax):
        kept = [_without_concepts(child) for child in q.subqueries]
        if isinstance(q, query.And) and any(child is None for child in kept):
            return None
        kept = [child for child in kept if child is not None]
        if not kept:
            return None
        stripped = copy.copy(q)
        stripped.subqueries = kept
        return stripped
    return q


def _narrowed(matched: np.ndarray, selections: Iterable[np.ndarray]) -> np.ndarray:
    """The matches that hold a selected value in every field with a selection."""
    result = matched
    for docs in selections:
        result = result & docs
    return result


def _ranked(
    searcher: Searcher, q: query.Query, among: np.ndarray | None, limit: int, matches: int,
    broad: list[bool] | None = None,
) -> list[tuple[int, float]]:
    """(document number, score) of the best ``limit`` matches of ``q``, best first (only those in ``among``,
    if given).

    A selection much smaller than the query's matches is scored document by document (skipping the
    query's postings to each); otherwise whoosh's top-N collector walks the matches, and for more than
    BROAD_MATCHES of them for at most RANK_SECONDS: past that, the best of the matches seen so far are
    returned and ``broad`` gets True (the count stays exact; only the order covers part of the matches).
    """
    if among is not None and int(among.sum()) <= SCORE_AMONG_MAX:
        return _score_among(searcher, q, DocSets.numbers(among), limit)
    allow = set(DocSets.numbers(among)) if among is not None else None
    if matches > BROAD_MATCHES:
        collector = _budgeted(searcher, limit, allow, RANK_SECONDS, q)
    else:
        collector = _top(searcher, q, limit, allow)
    try:
        searcher.search_with_collector(q, collector)
    except searching.TimeLimit:
        if broad is not None:
            broad.append(True)
    return [(hit.docnum, float(hit.score)) for hit in collector.results()]


class _RankingBudget(collectors.TimeLimitCollector):
    """Stops collecting once ``seconds`` have passed and it holds at least ``minimum`` documents (a page is
    never left empty because time ran out). Wrap it in the filter (``_budgeted``), not around it: a
    wrapper outside whoosh's FilterCollector would collect documents the filter leaves out."""

    def __init__(self, child, seconds: float, minimum: int):
        super().__init__(child, seconds, use_alarm=False)
        self.minimum = minimum
        self.collected = 0

    def collect_matches(self):
        for sub_docnum in self.child.matches():
            self.collect(sub_docnum)

    def collect(self, sub_docnum):
        if self.timedout and self.collected >= self.minimum:
            raise searching.TimeLimit
        self.child.collect(sub_docnum)
        self.collected += 1


def _budgeted(searcher: Searcher, limit: int, allow, seconds: float,
              q: query.Query | None = None) -> collectors.Collector:
    """whoosh's top-``limit`` collector of ``q`` (``_top``) under a time budget, inside the filter ``allow`` (if
    any)."""
    budget = _RankingBudget(_top(searcher, q, limit), seconds, limit)
    return collectors.FilterCollector(budget, allow=allow) if allow is not None else budget


def _top(searcher: Searcher, q: query.Query | None, limit: int, allow=None) -> collectors.Collector:
    """whoosh's top-``limit`` collector, inside the filter ``allow`` (if any). For a query with a coordination
    scale (a relaxed one) it scores every match with the matchers made at the start: whoosh's collector replaces
    them as postings run out, and the CoordMatcher then recounts the query's terms (a smaller bonus for every later
    document) and prunes its words' matchers with the list's lowest coordinated score as if it were their own,
    which left the best document out of a short list. Not the block-quality skipping either (the same mix-up);
    phrases, which such queries have when whoosh ranks them, leave no blocks to skip anyway."""
    if q is None or not _scaled(q):
        return searcher.collector(limit=limit, filter=allow)
    top = collectors.TopCollector(limit, usequality=False, replace=0)
    return collectors.FilterCollector(top, allow=allow) if allow is not None else top


def _scaled(q: query.Query) -> bool:
    """Whether the query has an OR with a coordination scale."""
    return bool(getattr(q, "scale", None)) or any(_scaled(child) for child in q.children())


def _score_among(searcher: Searcher, q: query.Query, numbers: list[int], limit: int) -> list[tuple[int, float]]:
    """The best ``limit`` of the documents ``numbers`` (ascending) by their score for ``q``, as whoosh ranks
    them (score, then document number); documents ``q`` does not match are left out."""
    context = searcher.context(needs_current=True)
    best: list[tuple[float, int]] = []  # a min-heap of (score, -document number)
    for sub, offset in searcher.leaf_searchers():
        end = offset + sub.doc_count_all()
        local = [n - offset for n in numbers if offset <= n < end]
        if not local:
            continue
        matcher = q.matcher(sub, context)
        for docnum in local:
            if not matcher.is_active():
                break
            if matcher.id() < docnum:
                matcher.skip_to(docnum)
                if not matcher.is_active():
                    break
            if matcher.id() == docnum:
                item = (matcher.score(), -(docnum + offset))
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
    return [(-negative, score) for score, negative in sorted(best, reverse=True)]


def _query_words(searcher: Searcher, sets: DocSets, queries: list[query.Query | None]) -> dict[str, frozenset[str]]:
    """Text field -> the indexed terms the queries look for in it (prefixes expanded), for highlighting:
    whoosh's ``existing_terms(phrases=True, expand=True)``, with the prefix expansions ``sets`` keeps."""
    reader = searcher.reader()
    words: dict[str, set[str]] = {}
    for q in queries:
        if q is None:
            continue
        for leaf in q.leaves():
            if isinstance(leaf, query.Prefix):
                found = [(leaf.fieldname, text) for text in sets.expand(leaf.fieldname, leaf.text)]
            elif isinstance(leaf, query.Term | query.Phrase):
                texts = leaf.words if isinstance(leaf, query.Phrase) else [leaf.text]
                found = [(leaf.fieldname, text) for text in texts if (leaf.fieldname, text) in reader]
            else:
                found = [(name, searcher.schema[name].from_bytes(text)) for name in TEXT_FIELDS
                         # one field per call: whoosh's existing_terms() reuses its fieldname argument
                         for _, text in leaf.existing_terms(reader, phrases=True, expand=True, fieldname=name)]
            for name, text in found:
                if name in TEXT_FIELDS:
                    words.setdefault(name, set()).add(text)
    return {name: frozenset(found) for name, found in words.items()}


class _PhraseWords(NamedTuple):
    """A field's words the queries look for only as part of a phrase, and those phrases (of terms)."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]


def _phrase_only_words(queries: list[query.Query | None],
                       words: dict[str, frozenset[str]]) -> dict[str, _PhraseWords]:
    """Text field -> the words the queries look for only as part of a phrase (an expansion: «ВПР» looks for
    «всероссийская проверочная работа» too; a phrase in quotes), not alone nor as a word a prefix reaches, with the
    phrases that hold them: they are marked only where they stand in one of those phrases (``_in_phrases``). Every
    «работы» of a practice about ВПР was marked, and its snippet taken around them rather than around «ВПР»."""
    leaves = [leaf for q in queries if q is not None for leaf in q.leaves()]
    phrases = [leaf for leaf in leaves if isinstance(leaf, query.Phrase) and len(leaf.words) > 1]
    if not phrases:
        return {}
    single = {(leaf.fieldname, leaf.text) for leaf in leaves if isinstance(leaf, query.Term)}
    prefixes = [(leaf.fieldname, leaf.text) for leaf in leaves if isinstance(leaf, query.Prefix)]
    loose: dict[str, set[str]] = {}
    holding: dict[str, dict[tuple[str, ...], None]] = {}
    for phrase in phrases:
        name = phrase.fieldname
        found = {word for word in phrase.words if word in words.get(name, ()) and (name, word) not in single
                 and not any(field == name and word.startswith(start) for field, start in prefixes)}
        if found:
            loose.setdefault(name, set()).update(found)
            holding.setdefault(name, {})[tuple(phrase.words)] = None
    return {name: _PhraseWords(frozenset(found), tuple(holding[name])) for name, found in loose.items()}


def _in_phrases(text: str, matches: list[tuple[int, int, str]], loose: _PhraseWords,
                make_term: Callable[[str], str]) -> list[tuple[int, int, str]]:
    """``matches`` ((start, end, folded word) in text order) without the words of ``loose`` that stand outside its
    phrases: such a word stays only in a run of matches side by side (nothing but stop words and punctuation
    between) whose words are one of the phrases. Beside any other match was not enough: for «МЭШ» («Московская
    электронная школа») «Мобильной электронной школы» was marked and «МЭШ» itself left out of the snippet."""
    terms = [make_term(word) for _start, _end, word in matches]
    kept = [found not in loose.words for found in terms]
    adjacent: dict[int, bool] = {}

    def beside(j: int) -> bool:  # matches j and j + 1
        found = adjacent.get(j)
        if found is None:
            found = adjacent[j] = all(fold(word) in STOP_WORDS
                                      for word in _TEXT_WORD.findall(text, matches[j][1], matches[j + 1][0]))
        return found

    for i, found in enumerate(terms):
        if kept[i]:
            continue
        for phrase in loose.phrases:
            for k, word in enumerate(phrase):
                start, end = i - k, i - k + len(phrase)
                if word == found and start >= 0 and end <= len(terms) and tuple(terms[start:end]) == phrase \
                        and all(beside(j) for j in range(start, end - 1)):
                    kept[start:end] = [True] * len(phrase)
                    break
            if kept[i]:
                break
    return [match for match, keep in zip(matches, kept, strict=True) if keep]


def _cache_key(request: SearchQuery, page: int, per_page: int) -> tuple:
    filters = tuple(sorted(
        (name, tuple(sorted(map(str, values)))) for name, values in request.filters.items() if values
    ))
    synonyms = request.synonyms.fingerprint if request.synonyms is not None else None
    return (request.text, filters, page, per_page, request.sort, synonyms, request.snippets, request.partial,
            request.count_only, request.exclude)


# First letters a teacher writes one for the other (unstressed о/а, е/и): «адаренные» meant «одаренные».
FIRST_VOWEL_PAIRS = {"а": "о", "о": "а", "е": "и", "и": "е"}


def _closest_word(searcher: Searcher, word: str, kept: SegmentWords | None = None) -> str | None:
    """The indexed word nearest to ``word`` (fewest edits, then most documents), or None (``_nearest``)."""
    nearest = _nearest(searcher, word, kept)
    return nearest[0] if nearest is not None else None


def _nearest(searcher: Searcher, word: str, kept: SegmentWords | None = None) -> tuple[str, int] | None:
    """(the indexed word nearest to ``word``: fewest edits, then most documents; its edits), or None.

    Candidates start with the same letter (whoosh's ``terms_within(prefix=1)``), or with its pair among the
    vowels written one for the other when unstressed (FIRST_VOWEL_PAIRS); their edit distance is
    whoosh's (Damerau-Levenshtein as optimal string alignment), computed by rapidfuzz in C: whoosh walked
    the 25,000 words of a letter at 100,000 practices in Python, a second per misspelt word. Only words
    whose length differs by no more than the edits allowed can be near; each segment's come from ``kept``
    (read once per segment and letter), or from the terms files."""
    reader = searcher.reader()
    kept = kept if kept is not None else SegmentWords()
    edits = MAX_EDITS_LONG if len(word) >= LONG_WORD else 1
    near: dict[str, int] = {}  # candidate -> its edits (the same in every segment that has it)
    # An unstressed first vowel is the one first letter often wrong («адаренные»): its pair's words are read too.
    for letter in (word[:1], *FIRST_VOWEL_PAIRS.get(word[:1], "")):
        prefix = letter.encode("utf-8")
        for leaf, _offset in reader.leaf_readers():
            candidates = kept.get(leaf, SPELLING_FIELD, prefix, range(len(word) - edits, len(word) + edits + 1))
            if candidates:
                distances = process.cdist([word], candidates, scorer=OSA.distance, score_cutoff=edits,
                                          dtype=np.int32)[0]
                near.update((candidates[i], int(distances[i]))
                            for i in np.flatnonzero(distances <= edits).tolist())
    near.pop(word, None)
    for distance in range(1, 1 + edits):
        # The word list keeps the words of removed documents until segments merge: a word is only
        # offered while a document in the index still has it.
        found = [c for c, d in near.items() if d <= distance and _live(searcher, SPELLING_FIELD, c)]
        if found:
            return max(found, key=lambda c: (reader.doc_frequency(SPELLING_FIELD, c), c)), distance
    return None


# Misspelt word -> what was meant; a pair of words typed apart -> the one word they make.
Corrections = dict[str | tuple[str, str], str]


def _corrections(searcher: Searcher, words: list[str], kept: SegmentWords | None = None,
                 abbreviations: frozenset[str] = frozenset(), distant: set[str] | None = None) -> Corrections:
    """Misspelt word -> the indexed word meant, for the query words the index does not know. A word the
    dictionary knows is no typo even when the bank lacks it («экономических» is not «экологических», «мировой»
    not «миронов»), nor is an abbreviation typed in capitals («ТРИЗ» is not «три»): the query keeps them, and
    finds the documents with the other words if none has them. Words typed without their space or with one too
    many are split or joined («проектнаядеятельность», «5класс», «глобал лаб»). The words corrected by more than
    one edit are added to ``distant``: a guess that far off is as often a rare word the dictionary lacks
    («форсайт» is not «формат», «тьюторант» not «тьютора»), and it never replaces the results (``_run``)."""
    corrections: Corrections = {}
    joined: set[str] = set()
    seen: dict[str, bool] = {}

    def no_typo(word: str) -> bool:  # listed in the index or known to the dictionary; asked once a word
        if word not in seen:
            seen[word] = _listed(searcher, word) or is_dictionary_word(word)
        return seen[word]

    # One word typed with a space inside, «глобал лаб»: two neighbours, one of them unknown, that the bank has
    # as one word. Keyed by the pair (``_apply_corrections`` joins them where they stand side by side).
    for first, second in zip(words, words[1:], strict=False):
        whole = first + second
        if first in joined or second in joined or len(whole) < MIN_SPELLING_LENGTH or not whole.isalpha():
            continue
        if not (no_typo(first) and no_typo(second)) and _live(searcher, SPELLING_FIELD, whole):
            corrections[(first, second)] = whole
            joined.update((first, second))
    for word in dict.fromkeys(words):
        if len(word) < MIN_SPELLING_LENGTH or word in STOP_WORDS or word in joined:
            continue
        if not _LETTERS.fullmatch(word):
            if (glued := _digits_apart(searcher, word)) is not None:
                corrections[word] = glued
            continue
        if word in abbreviations or no_typo(word):
            continue
        if nearest := _nearest(searcher, word, kept):
            corrections[word] = nearest[0]
            if nearest[1] > 1 and distant is not None:
                distant.add(word)
        elif glued := _two_words(searcher, word):
            corrections[word] = glued
    return corrections


MAX_STEM_WORDS = 20  # the words of the texts a typed stem is looked for the start of, at most


def _drop_typed_stems(searcher: Searcher, sets: DocSets, corrections: Corrections, distant: set[str],
                      synonyms: SynonymTable | None) -> None:
    """Takes out of ``corrections`` each word that is no typo though the index lacks it: a stem typed to find all
    its forms, «методич», «грамотн», «наставнич» — a word that begins a word of the texts and whose own query (its
    term, with its synonyms and words of the same root) finds documents. A typo whose guessed stem is indexed
    («шахматнй» → «шахматный») begins no word and is still corrected."""
    for word in [key for key, meant in corrections.items() if isinstance(key, str) and " " not in meant]:
        if not _begins_a_word(searcher, word):
            continue
        asked = parse_text(word, searcher.schema, synonyms).strict
        if asked is not None and sets.matching(asked).any():
            del corrections[word]
            distant.discard(word)


def _begins_a_word(searcher: Searcher, word: str) -> bool:
    """Whether a longer word of a document still in the index begins with ``word`` («методич»: «методическое»)."""
    longer = (found for found in searcher.reader().expand_prefix(SPELLING_FIELD, word) if found != word.encode())
    return any(_live(searcher, SPELLING_FIELD, found.decode()) for found in islice(longer, MAX_STEM_WORDS))


MAX_COMPLETIONS = 200  # the words of the texts read for the likeliest completion of the start of a word
MIN_PREFIX_LENGTH = 3  # the shortest start of a word typed with «*» that is completed («мат*»)
# The «*» after a word (``indexer.query.prefix_words``): not in a suggestion, which names the whole word.
_PREFIX_STAR = re.compile(r"(?<=[^\W_])\*+(?![^\W_])")


def _complete_starts(searcher: Searcher, sets: DocSets, words: list[str], corrections: Corrections,
                     distant: set[str], synonyms: SynonymTable | None, starred: bool) -> set[str]:
    """Adds to ``corrections`` the bank's word each start of a word of ``words`` begins — the commonest of the first
    MAX_COMPLETIONS words of the texts that begin so: «олимп*» → «олимпиады». A word typed with «*» is always
    completed; one without only when it is not indexed itself and its own query finds nothing («олимп», a dictionary
    word, and no typo). A hint only (``distant``): what the start of a word finds is not guessed at. Returns the
    words completed."""
    completed: set[str] = set()
    paired = {word for key in corrections if isinstance(key, tuple) for word in key}
    for word in dict.fromkeys(words):
        shortest = MIN_PREFIX_LENGTH if starred else MIN_SPELLING_LENGTH
        if word in corrections or word in paired or len(word) < shortest or not _LETTERS.fullmatch(word):
            continue
        if not starred:
            asked = parse_text(word, searcher.schema, synonyms).strict
            if word in STOP_WORDS or _listed(searcher, word) or asked is None or sets.matching(asked).any():
                continue
        reader = searcher.reader()
        for found in sorted(_longer_words(searcher, sets, word),
                            key=lambda found: (reader.doc_frequency(SPELLING_FIELD, found), found), reverse=True):
            if sets.term(SPELLING_FIELD, found).any():  # in a document searched (a left-out one's words tell nothing)
                corrections[word] = found
                distant.add(word)
                completed.add(word)
                break
    return completed


def _whole_word(searcher: Searcher, sets: DocSets, word: str) -> bool:
    """Whether a word typed with «*» is searched as itself, with nothing said of starts of words: a document searched
    has it («шахматы*»), and none has another word that begins with it («робот*» is the start of «робототехники»).
    Only the documents searched decide (``sets``: the removed ones and those the search leaves out aside): what the
    star says must tell nothing of them."""
    asked = parse_text(word, searcher.schema).strict
    if asked is None or not sets.matching(asked).any():
        return False
    return not any(sets.term(SPELLING_FIELD, found).any() for found in _longer_words(searcher, sets, word))


def _longer_words(searcher: Searcher, sets: DocSets, word: str) -> list[str]:
    """The bank's words that begin with ``word`` and are other words, not forms of it when it is a word itself — of
    the dictionary or of a document searched («вебинар») — (of the first MAX_COMPLETIONS of the spelling list that
    begin so): «робот» → «робототехники», not «роботы»; «музыкальн» (no word) → «музыкальных»."""
    own = term(word) if is_dictionary_word(word) or sets.term(SPELLING_FIELD, word).any() else None
    starting = (found.decode() for found in islice(searcher.reader().expand_prefix(SPELLING_FIELD, word),
                                                   MAX_COMPLETIONS))
    return [found for found in starting if found != word and term(found) != own]


MIN_GLUED_PART = 3  # the shortest word looked for in a word typed without its space


def _digits_apart(searcher: Searcher, word: str) -> str | None:
    """A number typed against its word, «5класс», «огэ2024», as the words the bank knows: «5 класс»."""
    parts = re.findall(r"\d+|[^\W\d_]+", word)
    if len(parts) < 2 or not all(part.isdigit() or _known(searcher, part) for part in parts):
        return None
    return " ".join(parts)


def _two_words(searcher: Searcher, word: str) -> str | None:
    """Two words the bank knows typed without the space between them, «проектнаядеятельность», «онлайнурок»:
    the split nearest the middle whose both halves are known, or None."""
    middle = len(word) / 2
    for cut in sorted(range(MIN_GLUED_PART, len(word) - MIN_GLUED_PART + 1), key=lambda at: abs(at - middle)):
        left, right = word[:cut], word[cut:]
        if left not in STOP_WORDS and right not in STOP_WORDS and _known(searcher, left) \
                and _known(searcher, right):
            return f"{left} {right}"
    return None


MIN_COMPOUND_PART = 3  # the shortest part of a word written solid looked for apart
MAX_COMPOUND_SPLITS = 2
# A first part the dictionary does not know is a compound's from this length on («видеоконференц») or when it ends in
# the linking «о» («северо», «психолого», «физико»); else it is the syllables before a line-end hyphen («воор-»,
# «инфор-», «невоз-»), whose solid word passed the JOINED_FIELD gate.
MIN_UNKNOWN_COMPOUND_PART = 8
COMPOUND_STEM_WORDS = 50


def _compound_parts(searcher: Searcher, word: str) -> list[tuple[str, str]]:
    """The pairs of terms the long term ``word`` of a word written solid stands apart as in the index: its first
    letters are a word the index has as written (the spelling list: «естественно», «видеоконференц»), the rest is a
    term («научн», «связ»); «естественнонаучн» → («естествен», «научн»). Only a word some text writes joined by
    a hyphen (``JOINED_FIELD``); then a look-up in the word list per cut, and in the text fields for the few
    that pass."""
    reader = searcher.reader()
    if not reader.doc_frequency(JOINED_FIELD, word):
        return []
    pairs: list[tuple[str, str]] = []
    for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
        left, right = word[:cut], word[cut:]
        if left in STOP_WORDS or not _CYRILLIC.match(left) or not reader.doc_frequency(SPELLING_FIELD, left):
            continue
        if len(left) < MIN_UNKNOWN_COMPOUND_PART and not left.endswith("о") and not is_dictionary_word(left):
            continue  # «воор», «невоз», «экон»: the syllables before a line-end hyphen («воор-\nужения»)
        left_term = term(left)
        if any(reader.doc_frequency(name, right) for name in TEXT_FIELDS) and any(
                reader.doc_frequency(name, left_term) for name in TEXT_FIELDS) and _word_stem(reader, right):
            pairs.append((left_term, right))
            if len(pairs) == MAX_COMPOUND_SPLITS:
                break
    return pairs


def _word_stem(reader: IndexReader, stem: str) -> bool:
    """Whether a word of the spelling list that the dictionary knows starts with ``stem`` and has it for its term:
    the second part of a compound is a word («научн» of «научных», «связ» of «связи»), not the syllables after a
    line-end hyphen («ван» of «образо-\nвания», «ствован» of «суще-\nствования», «мическ» of «эконо-\nмического»).
    At most COMPOUND_STEM_WORDS words of the list are looked at."""
    for found in islice(reader.expand_prefix(SPELLING_FIELD, stem), COMPOUND_STEM_WORDS):
        word = found.decode("utf-8") if isinstance(found, bytes) else found
        if is_dictionary_word(word) and term(word) == stem:
            return True
    return False


def _live(searcher: Searcher, fieldname: str, text: str) -> bool:
    """A document still in the index has the term: the word list keeps the words of removed (archived,
    deleted) documents until their segment is merged, and what they were must not show through a suggestion.
    The count first: most words are not indexed at all, and a listed word's first live document is near."""
    if not searcher.reader().doc_frequency(fieldname, text):
        return False
    return next(iter(searcher.docs_for_query(query.Term(fieldname, text))), None) is not None


ABBREVIATION_LETTERS = 5  # with the whole query in capitals (Caps Lock), a word this short still is one


def _abbreviations(text: str) -> frozenset[str]:
    """The words typed in capitals (folded): abbreviations, no typos — «ТРИЗ», «ЯНАО», «НОКО». When every word is
    in capitals, that is Caps Lock, and only the short ones count."""
    words = [word for word in _TEXT_WORD.findall(text) if any(ch.isalpha() for ch in word)]
    capitals = [word for word in words if len(word) > 1 and word.isupper()]
    if capitals and len(capitals) == len(words):
        capitals = [word for word in capitals if len(word) <= ABBREVIATION_LETTERS]
    return frozenset(fold_word(word) for word in capitals)


def _listed(searcher: Searcher, word: str) -> bool:
    """A typed word a document still in the index has as written: no typo. The word list keeps removed documents'
    words until their segments merge, and a word only they had must be corrected as if never indexed (else anyone
    could test whether a name had been in removed text). A word listed by more documents than were removed is in a
    live one without asking for it, which costs a matcher over every segment (3-word queries at 100,000 practices:
    7.3 → 8.4 ms); a dictionary word is no typo anyway (``_corrections``)."""
    reader = searcher.reader()
    frequency = reader.doc_frequency(SPELLING_FIELD, word)
    return bool(frequency) and (
        frequency > reader.doc_count_all() - reader.doc_count() or _live(searcher, SPELLING_FIELD, word))


def _known(searcher: Searcher, word: str) -> bool:
    """Indexed as written, or a dictionary word with another form indexed ("одарённейших"), in a document still
    in the index: a word a suggestion may name (a retyped, split or joined word). An unknown word whose guessed
    stem happens to be indexed ("шахматнй") is none."""
    return _live(searcher, SPELLING_FIELD, word) or (
        is_dictionary_word(word) and any(_live(searcher, name, term(word)) for name in TEXT_FIELDS))


def _retyped(searcher: Searcher, text: str) -> str | None:
    """The text with the words typed in the English layout retyped in Russian («ghjtrn» is «проект»),
    when the bank knows the words they become and not the Latin ones; else None. Known: in a document still
    in the index, never only in removed ones."""

    def is_word(word: str) -> bool:
        # A three-letter word only as written: many English ones become a form of a Russian word (her → рук)
        if len(word) < MIN_SPELLING_WORD:  # shorter ones are not in the spelling list (МО, ИИ): the terms say
            return any(_live(searcher, name, word) for name in TEXT_FIELDS)
        if len(word) <= SHORT_RETYPED:
            return _live(searcher, SPELLING_FIELD, word)
        return _known(searcher, word)

    return retype(text, is_word, lambda latin: _live(searcher, SPELLING_FIELD, latin), STOP_WORDS.__contains__)


def _cased(correction: str, typed: str) -> str:
    """A correction (lower case) in the case pattern of the word typed: in capitals when it was typed in capitals
    («ПРОЕТНАЯ» → «ПРОЕКТНАЯ»), with a capital first when it began with one («Проетная», «ПРоетная» → «Проектная»),
    else in small letters."""
    if len(typed) > 1 and typed.isupper():
        return correction.upper()
    return correction[:1].upper() + correction[1:] if typed[:1].isupper() else correction


def _apply_corrections(text: str, corrections: Corrections) -> str:
    """The user's text with each misspelt word replaced (and each pair of words keyed as a pair joined where the
    two stand side by side), in the case it was typed in (``_cased``), everything else kept as typed."""
    text = " ".join(text.split())
    if any(isinstance(key, tuple) for key in corrections):
        parts, last, tokens = [], 0, list(_TEXT_WORD.finditer(text))
        skip = False
        for match, after in zip(tokens, [*tokens[1:], None], strict=True):
            if skip:
                skip = False
                continue
            pair = (fold_word(match.group()), fold_word(after.group())) if after is not None else None
            if pair in corrections and text[match.end():after.start()] == " ":
                parts += [text[last:match.start()], _cased(corrections[pair], match.group())]
                last, skip = after.end(), True
        text = "".join([*parts, text[last:]])
    return _TEXT_WORD.sub(lambda m: _cased(corrections[folded], m.group())
                          if (folded := fold_word(m.group())) in corrections else m.group(), text)


_BODY_HIGHLIGHTER = highlight.Highlighter(
    fragmenter=highlight.ContextFragmenter(maxchars=SNIPPET_FRAGMENT_CHARS, surround=40),
    formatter=_MarkFormatter(),
)
_TITLE_HIGHLIGHTER = highlight.Highlighter(fragmenter=highlight.WholeFragmenter(), formatter=_MarkFormatter())


def _word_prefixes(words: dict[str, frozenset[str]], typed: list[str]) -> frozenset[str]:
    """The first two letters of every word that can have one of the query's terms: those of the terms
    themselves and of every form of the typed words (the forms of "дети" include "ребёнок", whose term it
    has). Highlighting works out the term only of a word starting so: most words of a text never cost a
    dictionary look-up (on a cold cache, most of a search page's time)."""
    prefixes = {term[:PREFIX_LETTERS] for found in words.values() for term in found}
    for word in dict.fromkeys(typed):
        if _CYRILLIC.search(word):
            prefixes.update(_form_prefixes(word))
    return frozenset(prefixes)


@functools.lru_cache(maxsize=FORM_PREFIXES_CACHE)
def _form_prefixes(word: str) -> frozenset[str]:
    """The first PREFIX_LETTERS letters of every form of every reading of ``word`` (its dictionary lexemes:
    building them costs about 0.3 ms a word, the same for every search that has the word)."""
    return frozenset(fold(form.word)[:PREFIX_LETTERS] for parse in analysis_morphology().parse(word)
                     for form in parse.lexeme)


def _snippet(searcher: Searcher, stored: dict, words: dict[str, frozenset[str]],
             prefixes: frozenset[str] | None = None, loose: dict[str, _PhraseWords] | None = None) -> tuple[str, str]:
    """(highlighted fragments, the field they come from): annotation, body, attachments, else title; or ('', '').

    Highlighting re-analyses the text it is given, which cost half of a search page's time on long
    practices (bench/scale.py profile): only the first HIGHLIGHT_CHARS of each field are looked at,
    and a field none of whose terms the query looks for is not analysed at all; only when none of them nor the
    title has a match, the first match further on (``_far_snippet``).
    """
    for name in ("annotation", "body", "attachments"):
        text = stored.get(name) or ""
        if text and words.get(name) and (snippet := _highlight(
            _BODY_HIGHLIGHTER, searcher, name, text[:HIGHLIGHT_CHARS], words[name], SNIPPET_FRAGMENTS, prefixes,
            (loose or {}).get(name),
        )):
            return snippet, name
    title = stored.get("title") or ""
    snippet = _highlight(_TITLE_HIGHLIGHTER, searcher, "title", title, words["title"], 1, prefixes,
                         (loose or {}).get("title")) if title and words.get("title") else ""
    if snippet:
        return snippet, "title"
    return _far_snippet(searcher, stored, words, prefixes, loose)


def _far_snippet(searcher: Searcher, stored: dict, words: dict[str, frozenset[str]],
                 prefixes: frozenset[str] | None, loose: dict[str, _PhraseWords] | None) -> tuple[str, str]:
    """The snippet of a document whose matches all lie past the first HIGHLIGHT_CHARS of their fields (it showed
    the start of a section with nothing marked): the regex engine finds the first match in the whole stored text
    (``_scan``), and the HIGHLIGHT_CHARS from there are highlighted. Only for a shown document none of whose
    fields' beginnings nor title had a match, so the usual snippet costs nothing more."""
    for name in ("annotation", "body", "attachments"):
        text = stored.get(name) or ""
        analyzer = searcher.schema[name].analyzer
        if len(text) <= HIGHLIGHT_CHARS or not words.get(name) or not isinstance(analyzer, RussianAnalyzer):
            continue
        windows, _matches = _scan(text, words[name], analyzer.term_function, prefixes, (loose or {}).get(name))
        if not windows or not windows[0][0]:
            continue  # no match at all, or a text read whole from its start (folding moves its characters)
        start = windows[0][0]
        if snippet := _highlight(_BODY_HIGHLIGHTER, searcher, name, text[start:start + HIGHLIGHT_CHARS], words[name],
                                 SNIPPET_FRAGMENTS, prefixes, (loose or {}).get(name)):
            return snippet, name
    return "", ""


class _Mark:
    """The little of a whoosh token the fragmenter and formatter read."""

    __slots__ = ("text", "startchar", "endchar", "matched", "boost", "pos")

    def copy(self) -> _Mark:
        other = _Mark()
        other.text, other.startchar, other.endchar = self.text, self.startchar, self.endchar
        other.matched, other.boost, other.pos = self.matched, self.boost, self.pos
        return other


def _marked_tokens(text: str, words: frozenset[str], make_term: Callable[[str], str],
                   prefixes: frozenset[str] | None = None, windows: list[tuple[int, int]] | None = None,
                   keep: set[int] | None = None):
    """The words of ``text`` as ``RussianAnalyzer`` reads them, each marked if its term is one of ``words``
    (what ``set_matched_filter`` does to the analyzer's tokens, at a fraction of the cost); only those within
    ``windows`` if given (``_match_windows``); with ``keep``, only the matches starting there.

    The words end a fragment's length after the SNIPPET_MATCHES-th match: the best fragments are chosen
    among those, and a frequent word no longer costs reading every word of a long text."""
    token = _Mark()
    token.boost, token.pos = 1.0, 0
    matched: dict[str, bool] = {}
    seen, stop = 0, len(text)
    spans = windows if windows is not None else [(0, len(text))]
    for match in chain.from_iterable(_TEXT_WORD.finditer(text, start, end) for start, end in spans):
        if match.start() > stop:
            return
        folded = plain_token(match.group()).lower().translate(FOLD_MAP)
        is_match = matched.get(folded)
        if is_match is None:
            is_match = matched[folded] = bool(folded) and len(folded) <= MAX_TOKEN_LENGTH and (
                prefixes is None or folded[:PREFIX_LETTERS] in prefixes) and (
                folded not in STOP_WORDS and make_term(folded) in words)
        token.text = folded
        token.startchar, token.endchar = match.span()
        if is_match and keep is not None and token.startchar not in keep:
            is_match = False
        token.matched = is_match
        if is_match:
            seen += 1
            if seen == SNIPPET_MATCHES:
                stop = token.endchar + SNIPPET_FRAGMENT_CHARS
        yield token


def _fragments(text: str, windows: list[tuple[int, int]], matches: list[tuple[int, int, str]] | None,
               words: frozenset[str], make_term: Callable[[str], str], prefixes: frozenset[str] | None,
               top: int) -> list[highlight.Fragment]:
    """The ``top`` best fragments of ``text`` for ``_BODY_HIGHLIGHTER``, in text order: what
    ``top_fragments(fragment_tokens(_merge_matched_tokens(_marked_tokens(...))))`` gives, visiting only the
    matched words.

    The words of ``windows`` come from one ``re.split`` per window, their lengths summed once; ``matches``
    ((start, end, folded word) from ``_scan``, or None: then each word is looked at, remembered for the whole
    search in ``_matched_words``) says which of them match. Word tokens never touch (the pattern is greedy
    and windows end at spaces), so merging consecutive matches never joins two.

    ``ContextFragmenter.fragment_tokens`` step for step, jumping between matches by the summed lengths: a
    fragment begins at a match, with the words of up to ``surround`` characters before it (those since the
    previous fragment ended); it counts the length of its words (not of the spaces between them) and ends
    ``surround`` characters of words after its last match, or at the word that would take it past
    ``maxchars``. A fragment ending exactly ``surround`` characters on leaves its count at zero, so the next
    word is read as part of an empty fragment: it cannot begin the next one. A match too long for a
    fragment ends the one it is in (or an empty one) and begins none. ``BasicFragmentScorer`` scores it
    (matches times 100 times distinct matched words), and ``top_fragments`` keeps the best (of two equal
    ones the later: ``nlargest`` then compares the fragments, by start) with a score of at least 1, in text
    order."""
    fragmenter = _BODY_HIGHLIGHTER.fragmenter
    maxchars, surround, charlimit = fragmenter.maxchars, fragmenter.surround, fragmenter.charlimit
    split = (_WORD_SPLIT if matches is None else _PLAIN_WORD_SPLIT).split
    found: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in windows:
        parts = split(text[start:end])  # separator, word, separator, ..., word, separator
        at = list(accumulate(map(len, parts), initial=start))
        found += parts[1::2]
        starts += at[1:-1:2]
        ends += at[2::2]
    folded = _folded_words(found, starts, ends, matches, words, make_term, prefixes)
    hits = list(compress(range(len(found)), folded))
    # The words read: those up to a fragment's length past the SNIPPET_MATCHES-th match (_marked_tokens),
    # and none ending past the fragmenter's charlimit (the fragment open there ends with that word).
    count = len(found)
    if len(hits) >= SNIPPET_MATCHES:
        count = bisect_right(starts, ends[hits[SNIPPET_MATCHES - 1]] + SNIPPET_FRAGMENT_CHARS)
    last_end = ends[count - 1] if count else 0
    if charlimit and (over := bisect_right(ends, charlimit, 0, count)) < count:
        count, last_end = over, ends[over]
    lengths = list(map(int.__sub__, ends, starts))
    total = list(accumulate(lengths, initial=0))  # total[k]: the length of words 0 .. k-1
    scored: list[tuple[int, int, list[int]]] = []  # (start, end, matched words) of each fragment
    since = 0  # the first word that can begin a fragment: the one after the previous fragment ended
    inside = False
    first = countdown = currentlen = last = 0
    marks: list[int] = []
    for m in hits:
        if m >= count:
            break
        if inside:  # the words after the fragment's last match, up to this one
            j, left = _fragment_end(total, last, currentlen, countdown, maxchars, m)
            if j < m:  # the fragment ends before this match
                scored.append((first, ends[j], marks))
                inside = False
                since = j + 1 if left < 0 else j + 2
            else:
                currentlen += total[m] - total[last + 1]
                length = lengths[m]
                if currentlen + length > maxchars:
                    scored.append((first, ends[m], marks))
                    inside, since = False, m + 1
                    continue
                marks.append(m)
                countdown = surround - length
                currentlen += length
                if countdown <= 0:
                    scored.append((first, ends[m], marks))
                    inside, since = False, (m + 1 if countdown < 0 else m + 2)
                else:
                    last = m
                continue
        length = lengths[m]
        if length > maxchars:
            since = m + 1
            continue
        countdown = surround
        # the words since `since` ending this match's surround characters before the last one's end
        k = bisect_left(starts, ends[m - 1] - surround, since, m) if m > since else m
        if k < m:
            first = starts[k]
        else:
            first = starts[m]
            countdown += surround
        marks = [m]
        currentlen = length
        countdown -= length
        if countdown <= 0:
            scored.append((first, ends[m], marks))
            since = m + 1 if countdown < 0 else m + 2
        else:
            inside, last = True, m
    if inside:
        j, _left = _fragment_end(total, last, currentlen, countdown, maxchars, count)
        scored.append((first, ends[j] if j < count else last_end, marks))
    ranked = sorted(((len(marks) * len({folded[i] for i in marks}) * 100, first, end, marks)
                     for first, end, marks in scored), key=lambda s: (s[0], s[1]), reverse=True)[:top]
    fragments = []
    for _score, start, end, marks in sorted(ranked, key=lambda s: s[1]):
        tokens = []
        for i in marks:
            mark = _Mark()
            mark.text, mark.startchar, mark.endchar, mark.matched, mark.boost, mark.pos = (
                folded[i], starts[i], ends[i], True, 1.0, 0)
            tokens.append(mark)
        fragments.append(highlight.Fragment(text, tokens, start, end))
    return fragments


def _fragment_end(total: list[int], last: int, currentlen: int, countdown: int, maxchars: int,
                  limit: int) -> tuple[int, int]:
    """(the word before ``limit`` at which a fragment open after word ``last`` ends, the countdown it leaves:
    negative where the maximum length ends it), or (``limit``, 0) if none does. ``total[k]`` is the length
    of words 0 .. k-1; no word between ``last`` and ``limit`` matches."""
    base = total[last + 1]
    over = bisect_right(total, maxchars - currentlen + base, last + 2, limit + 1) - 1  # past maxchars
    done = bisect_left(total, countdown + base, last + 2, limit + 1) - 1  # countdown spent
    if over <= done:
        return over, (-1 if over < limit else 0)
    return done, countdown - (total[done + 1] - base)


_WORD_SPLIT = re.compile(f"({TOKEN_PATTERN})")
# TOKEN_PATTERN in a text without stress marks or soft hyphens
_PLAIN_WORD_SPLIT = re.compile(f"({PLAIN_TOKEN_PATTERN})")


def _folded_words(found: list[str], starts: list[int], ends: list[int], matches: list[tuple[int, int, str]] | None,
                  words: frozenset[str], make_term: Callable[[str], str],
                  prefixes: frozenset[str] | None) -> list[str]:
    """Each word of ``found`` folded if its term is one of ``words``, else "": from ``matches`` where given
    (and each one is a word there), else looked at word by word."""
    if matches is not None:
        index_of = dict(zip(starts, range(len(starts)), strict=True))
        folded = [""] * len(found)
        for start, end, word in matches:
            i = index_of.get(start)
            if i is None or ends[i] != end:
                break  # not the analyzer's words after all: look at each
            folded[i] = word
        else:
            return folded
    known = _matched_words(words, prefixes, make_term)
    missing = set(found).difference(known)
    if len(known) + len(missing) > MATCHED_WORDS:
        known.clear()
        missing = set(found)
    for word in missing:
        known[word] = _matched_word(word, words, prefixes, make_term)
    return list(map(known.__getitem__, found))


MATCHED_WORDS = 20_000  # words a search remembers (_scan, _folded_words; about 2 MB), forgotten all at once past that


@functools.lru_cache(maxsize=16)
def _matched_words(words: frozenset[str], prefixes: frozenset[str] | None, make_term: Callable) -> dict[str, str]:
    """Word as written -> its folded form if its term is one of ``words``, else "": filled in by
    ``_folded_words`` as it meets words (a text ``_scan`` reads whole), shared by the snippets of one search
    (the same arguments)."""
    return {}


_MARK_CHARS = frozenset("\u0300\u0301\u00ad")  # what folding removes from a word


def _matched_word(word: str, words: frozenset[str], prefixes: frozenset[str] | None, make_term: Callable) -> str:
    """``word`` folded if ``_marked_tokens`` would mark it, else "". Most words of a text do not start like
    a query term: their first letters are looked at before the whole word is folded (the same letters, where
    no stress mark or soft hyphen is among them and lower-casing keeps their number)."""
    if prefixes is not None:
        head = word[:PREFIX_LETTERS].lower()
        if len(head) == min(len(word), PREFIX_LETTERS) and _MARK_CHARS.isdisjoint(head) and (
                head.replace("ё", "е") not in prefixes) and (word.isascii() or not _LATIN.search(head)):
            return ""  # (a Latin look-alike in a Cyrillic word's head may be folded to a prefix's letter)
    folded = plain_token(word).lower().translate(FOLD_MAP)
    return folded if folded and len(folded) <= MAX_TOKEN_LENGTH and (
        prefixes is None or folded[:PREFIX_LETTERS] in prefixes) and (
        folded not in STOP_WORDS and make_term(folded) in words) else ""


def _match_windows(text: str, words: frozenset[str], make_term: Callable[[str], str],
                   prefixes: frozenset[str] | None = None) -> list[tuple[int, int]]:
    """(start, end) of the parts of ``text`` around its first SNIPPET_MATCHES words whose term is one of
    ``words``, in order, [] if it has none (``_scan``)."""
    return _scan(text, words, make_term, prefixes)[0]


def _scan(text: str, words: frozenset[str], make_term: Callable[[str], str],
          prefixes: frozenset[str] | None = None, loose: _PhraseWords | None = None,
          ) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]] | None]:
    """(windows, matches): the (start, end) of the parts of ``text`` around its first SNIPPET_MATCHES words
    whose term is one of ``words``, in order ([] if it has none), and the (start, end, folded word) of
    every such word up to a fragment's length past the last of those. The regex engine finds the words
    that start like a query term (``_word_prefixes``); only those cost Python, each distinct one a term
    look-up for the whole search (``_folded_matches``). Highlighting then reads only these parts of a
    long text, and needs to look at none of its words again. A word of ``loose`` counts only where it
    stands in a phrase (``_in_phrases``).

    A text whose folding moves characters (stress marks, soft hyphens, a capital whose small letter is two
    characters) is read whole, its words looked at one by one: matches None."""
    folded = text.lower()
    if "\u0300" in folded or "\u0301" in folded or "\u00ad" in folded or len(folded) != len(text):
        return [(0, len(text))], None
    folded = folded.replace("ё", "е")
    candidates = _prefix_pattern(prefixes) if prefixes is not None else _TEXT_WORD
    matched = _folded_matches(words, make_term)
    if len(matched) > MATCHED_WORDS:
        matched.clear()

    def found_words() -> Iterator[tuple[int, int, str]]:
        for found in candidates.finditer(folded):
            word = found.group()
            is_match = matched.get(word)
            if is_match is None:
                is_match = matched[word] = (len(word) <= MAX_TOKEN_LENGTH and word not in STOP_WORDS
                                            and make_term(word) in words)
            if is_match:
                yield found.start(), found.end(), word
            elif ((original := text[found.start():found.end()]) != word or _LATIN.search(word)) and (
                    plain := plain_token(original)) != original:
                # an abbreviation with its case ending («ИОМы»), a Latin look-alike («OГЭ»): as the analyzer reads it
                plain = plain.lower().replace("ё", "е")
                if plain not in STOP_WORDS and make_term(plain) in words:
                    yield found.start(), found.end(), plain

    found: Iterable[tuple[int, int, str]] = found_words()
    if loose:
        found = _in_phrases(folded, list(found), loose, make_term)
    windows: list[tuple[int, int]] = []
    matches: list[tuple[int, int, str]] = []
    stop = len(text)
    for match in found:
        if match[0] > stop:
            break
        matches.append(match)
        if len(matches) > SNIPPET_MATCHES:
            continue  # past the SNIPPET_MATCHES-th match: inside that match's window already
        start = max(0, match[0] - SNIPPET_CONTEXT_CHARS)
        start = text.rfind(" ", 0, start) + 1 if start else 0
        end = text.find(" ", match[1] + SNIPPET_FRAGMENT_CHARS + SNIPPET_CONTEXT_CHARS)
        end = len(text) if end < 0 else end
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
        if len(matches) == SNIPPET_MATCHES:
            stop = match[1] + SNIPPET_FRAGMENT_CHARS
    return windows, matches


@functools.lru_cache(maxsize=16)
def _folded_matches(words: frozenset[str], make_term: Callable) -> dict[str, bool]:
    """Folded word -> whether its term is one of ``words``: filled in by ``_scan`` as it meets words, shared
    by the snippets of one search (the same arguments)."""
    return {}


@functools.lru_cache(maxsize=256)
def _prefix_pattern(prefixes: frozenset[str]) -> re.Pattern:
    """Whole words (as the analyzer splits them, in text without stress marks) starting with one of
    ``prefixes``. Each alternative is a prefix's letters followed by a look-behind that no letter stands
    before them: beginning with letters, the pattern lets the regex engine skip in C every position whose
    letter begins no prefix (a look-behind in front made it try each position: two to three times slower on
    a few prefixes, though it compiles in a third of the time)."""
    alternatives = "|".join(re.escape(prefix) + rf"(?<![^\W_]{'.' * len(prefix)})"
                            for prefix in sorted(prefixes, key=len, reverse=True))
    # a class's number and the «кл» glued to it are words of their own («9кл»: GLUED_CLASS)
    glued = r"|кл(?<=\dкл)(?:асс[а-яё]*)?(?![^\W_])" if "кл" in prefixes else ""
    return re.compile(rf"(?:{alternatives})(?:(?<=\d)\d*(?=кл(?:асс[а-яё]*)?(?![^\W_]))|[^\W_]*){glued}")


def _highlight(highlighter: highlight.Highlighter, searcher: Searcher, name: str, text: str,
               words: frozenset[str], top: int, prefixes: frozenset[str] | None = None,
               loose: _PhraseWords | None = None) -> str:
    """``Highlighter.highlight_hit`` without a whoosh hit: the query's terms are worked out once per
    search (``_query_words``) instead of once per hit and field, prefixes expanded against the index.
    The words of ``loose`` are marked only where they stand in a phrase (``_in_phrases``)."""
    analyzer = searcher.schema[name].analyzer
    if isinstance(analyzer, RussianAnalyzer):
        make_term = analyzer.term_function
        windows = matches = None
        if highlighter is _BODY_HIGHLIGHTER:  # only the words around the first matches
            windows, matches = _scan(text, words, make_term, prefixes, loose)
            if not windows:
                return ""
            if _FUSED_FRAGMENTS and (matches is not None or not loose):
                return highlighter.formatter.format(
                    _fragments(text, windows, matches, words, make_term, prefixes, top))
        keep = None
        if loose and matches is None:  # the title; a text whose folding moves characters
            found = [(match.start(), match.end(), folded) for match in _TEXT_WORD.finditer(text)
                     if (folded := fold_word(match.group())) and len(folded) <= MAX_TOKEN_LENGTH
                     and folded not in STOP_WORDS and make_term(folded) in words]
            keep = {start for start, _end, _word in _in_phrases(text, found, loose, make_term)}
        tokens = _marked_tokens(text, words, make_term, prefixes, windows, keep)
    else:
        tokens = analyzer(text, positions=True, chars=True, mode="index", removestops=False)
        tokens = highlight.set_matched_filter(tokens, words)
        if loose:  # the analyzer's tokens are its terms already
            tokens = [token.copy() for token in tokens]
            found = [(token.startchar, token.endchar, token.text) for token in tokens if token.matched]
            keep = {start for start, _end, _word in _in_phrases(text, found, loose, str)}
            for token in tokens:
                token.matched = token.matched and token.startchar in keep
    tokens = highlighter._merge_matched_tokens(tokens)
    fragments = highlighter.fragmenter.fragment_tokens(text, tokens)
    fragments = highlight.top_fragments(fragments, top, highlighter.scorer, highlighter.order, minscore=1)
    return highlighter.formatter.format(fragments)
