"""Which documents a query matches, as bitmaps: the set algebra of a search done in numpy.

Whoosh finds the documents of a query by walking its matchers one document at a time in Python:
on 100,000 practices a frequent word (tens of thousands of matches in five fields) costs hundreds
of milliseconds before a single hit is scored. Here every term's posting list is read once into a
boolean array over the searcher's document numbers (one C-speed pass over whoosh's decoded blocks),
kept in a small LRU per searcher, and AND / OR / NOT of a query become array operations. Facet
counts are one ``bitwise_count`` per field over packed per-value bitmaps built once per searcher.

Phrases are checked on the documents that hold all their words, with those documents' word positions
(``_phrase``: each word's posting blocks with candidates, read in one piece by ``_block_values``); any
query kind not listed here by whoosh itself, on the same documents. Tests compare both with whoosh's
``docs_for_query``.
"""

from __future__ import annotations

import io
import pickle
import struct
import threading
import zlib
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from itertools import chain

import lz4.block
import numpy as np
from whoosh import formats, query
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3LeafMatcher
from whoosh.columns import NumericColumn, VarBytesColumn
from whoosh.compat import loads
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.searching import Searcher
from whoosh.system import _INT_SIZE

from indexer.analysis import RussianPositions
from indexer.codec import PostingValues, decompress_block, info_arrays, prefix_terms

TERM_CACHE = 512  # term bitmaps kept per searcher, at most
TERM_CACHE_BYTES = 8_000_000  # and at most this much of them (100,000 documents: 100 KB a bitmap)
# Decoded postings (document numbers and weights, 8 bytes a posting) kept per searcher: the bitmaps and
# the scores of a term both come from one read of its postings, the slowest part of a search.
POSTINGS_CACHE_BYTES = 16_000_000
EXPANSION_CACHE = 4096  # prefixes expanded per searcher
# Facet counts of fewer than 1/SPARSE_COUNTS of the documents read their bits one by one.
SPARSE_COUNTS = 64
# A facet field with more values than this also keeps each document's value numbers, for counts (``counts``).
CODED_FACET_VALUES = 32


class _PerSegment:
    """Something read from each segment of the index, kept across searchers by its segment's id (the first
    item of the key): a segment never changes once written. Entries of segments no longer in the index are
    dropped when a searcher without them starts using this (``keep_only``)."""

    def __init__(self) -> None:
        self._parts: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def keep_only(self, segment_ids: set[str]) -> None:
        with self._lock:
            for key in [key for key in self._parts if key[0] not in segment_ids]:
                del self._parts[key]


class SegmentWords(_PerSegment):
    """Each segment's words of a field that start with a prefix (the first letter of a misspelt word), kept
    across searchers as one string per word length. Spelling suggestions compare a word with the indexed
    words of its first letter whose length is within the edits allowed: reading them from the terms file and
    decoding them took 35 ms a misspelt word at 100,000 practices (60,000 words start with "п"); splitting
    the kept strings of a few lengths takes one. Kept in full, every letter's words of the
    100,000-practice bench index would be about 10 MB."""

    def get(self, leaf, fieldname: str, prefix: bytes, lengths: range) -> list[str]:
        """The words starting with ``prefix`` whose length (in characters) is in ``lengths``."""
        segment = leaf.segment()  # None: a reader of no segment (an empty index), nothing to keep
        key = (segment.segment_id(), fieldname, prefix) if segment is not None else None
        with self._lock:
            by_length = self._parts.get(key) if key else None
        if by_length is None:
            grouped: dict[int, list[str]] = {}
            for word in prefix_terms(leaf, fieldname, prefix):
                text = word.decode("utf-8")
                grouped.setdefault(len(text), []).append(text)
            by_length = {length: "\n".join(words) for length, words in grouped.items()}  # no word holds a "\n"
            if key:
                with self._lock:
                    self._parts[key] = by_length
        return [word for length in lengths if length in by_length for word in by_length[length].split("\n")]


class SegmentFacets(_PerSegment):
    """Each segment's facet postings (value -> the segment's document numbers holding it), kept across
    searchers. A commit opens a new searcher, and its facet bitmaps were built from every value's postings in
    every segment: 50 of the 70 ms of the first search after a commit at 100,000 practices (810 values, seven
    segments). A segment's postings never change (a deletion only marks documents, which ``live`` masks), so
    only the segments a commit wrote are read again. Entries of segments no longer in the index are dropped
    when a searcher without them starts using this."""

    def get(self, leaf, fieldname: str) -> dict[bytes, np.ndarray]:
        segment = leaf.segment()  # None: a reader of no segment (an empty index), nothing to keep
        key = (segment.segment_id(), fieldname) if segment is not None else None
        with self._lock:
            found = self._parts.get(key) if key else None
        if found is None:
            found = {}
            for term in leaf.lexicon(fieldname):
                parts = [ids for ids, _weights in leaf_postings(leaf, fieldname, term, weights=False)]
                found[term] = np.concatenate(parts).astype(np.int32)  # about 10 per document: 4 MB at 100,000
            if key:
                with self._lock:
                    self._parts[key] = found
        return found


class DocSets:
    """Bitmaps over the document numbers of one searcher (one commit of the index)."""

    def __init__(self, searcher: Searcher, term_cache: int = TERM_CACHE, segments: SegmentFacets | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = self.reader.doc_count_all()
        self._segments = segments if segments is not None else SegmentFacets()
        self.segment_ids = {leaf.segment().segment_id() for leaf, _offset in self.reader.leaf_readers()
                            if leaf.segment() is not None}
        self._segments.keep_only(self.segment_ids)
        self.live = np.ones(self.size, dtype=bool)
        if self.reader.has_deletions():  # each segment's (few) deleted documents, not every live one
            for leaf, offset in self.reader.leaf_readers():
                deleted = np.fromiter(leaf.deleted_docs_set, dtype=np.int64)  # a cached property
                self.live[offset + deleted] = False
        self.live.flags.writeable = False
        self._terms: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._term_cache = max(16, min(term_cache, TERM_CACHE_BYTES // max(1, self.size)))
        self._postings: OrderedDict[tuple[str, str | bytes], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._postings_bytes = 0
        self._expansions: dict[tuple[str, str], tuple[str, ...]] = {}
        self._facets: dict[str, tuple[list[str], np.ndarray]] = {}
        self._codes: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._orders: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def empty(self) -> np.ndarray:
        return np.zeros(self.size, dtype=bool)

    def from_numbers(self, numbers) -> np.ndarray:
        docs = self.empty()
        ids = np.fromiter(numbers, dtype=np.int64)
        if ids.size:
            docs[ids] = True
        return docs & self.live

    def term(self, fieldname: str, text: str) -> np.ndarray:
        """The live documents holding one term (read-only: callers combine, never modify)."""
        key = (fieldname, text)
        with self._lock:
            cached = self._terms.get(key)
            if cached is not None:
                self._terms.move_to_end(key)
                return cached
        docs = self.empty()
        docs[self.read(fieldname, text)[0]] = True
        docs &= self.live
        docs.flags.writeable = False
        self._remember(key, docs)
        return docs

    def expand(self, fieldname: str, prefix: str) -> tuple[str, ...]:
        """The indexed terms of a field that start with ``prefix`` (cached: a relative of every long word
        of a query is such a prefix, expanded for matching, scoring and highlighting alike)."""
        key = (fieldname, prefix)
        with self._lock:
            cached = self._expansions.get(key)
        if cached is not None:
            return cached
        # MultiReader.expand_prefix merges the segments' term lists a term at a time (two reads each)
        btext = prefix.encode("utf-8") if isinstance(prefix, str) else prefix
        found = tuple(t.decode("utf-8") for t in sorted(set().union(
            *(prefix_terms(leaf, fieldname, btext) for leaf, _offset in self.reader.leaf_readers()))))
        with self._lock:
            if len(self._expansions) >= EXPANSION_CACHE:
                self._expansions.clear()
            self._expansions[key] = found
        return found

    def read(self, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, weights) of a term's postings in every segment, deleted documents included;
        one read per term while it stays in this searcher's cache. Read-only arrays."""
        key = (fieldname, text)
        with self._lock:
            cached = self._postings.get(key)
            if cached is not None:
                self._postings.move_to_end(key)
                return cached
        id_parts, weight_parts = [], []
        if fieldname in self.reader.schema:
            for leaf, offset in self.reader.leaf_readers():
                try:
                    for ids, weights in leaf_postings(leaf, fieldname, text):
                        id_parts.append(ids + offset)
                        weight_parts.append(weights)
                except TermNotFound:
                    continue
        ids = np.concatenate(id_parts).astype(np.int32) if id_parts else np.zeros(0, dtype=np.int32)
        weights = np.concatenate(weight_parts).astype(np.float32) if weight_parts else np.zeros(0, dtype=np.float32)
        ids.flags.writeable = weights.flags.writeable = False
        with self._lock:
            self._postings[key] = (ids, weights)
            self._postings_bytes += ids.nbytes + weights.nbytes
            while self._postings_bytes > POSTINGS_CACHE_BYTES and len(self._postings) > 1:
                _, (old_ids, old_weights) = self._postings.popitem(last=False)
                self._postings_bytes -= old_ids.nbytes + old_weights.nbytes
        return ids, weights

    def matching(self, q: query.Query) -> np.ndarray:
        """The live documents ``q`` matches, exactly as whoosh would find them."""
        if isinstance(q, query.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, query.Every):
            return self.live
        if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
            return self.empty()
        if isinstance(q, query.And | query.Require | query.Or | query.DisjunctionMax):
            # remembered: a search matches its query, then scores it (an AND masks its scores with it)
            key = ("query", q)
            with self._lock:
                cached = self._terms.get(key)
            if cached is not None:
                return cached
            result = self._compound(q)
            result.flags.writeable = False
            self._remember(key, result)
            return result
        if isinstance(q, query.AndNot):
            return self.matching(q.a) & ~self.matching(q.b)
        if isinstance(q, query.AndMaybe):
            return self.matching(q.a)
        if isinstance(q, query.Not):
            return self.live & ~self.matching(q.query)
        if isinstance(q, query.ConstantScoreQuery):
            return self.matching(q.child)
        if isinstance(q, query.Prefix):
            return self._scattered(self._leaf_ids(q))
        if isinstance(q, query.Phrase):
            candidates = self.live
            for word in q.words:
                candidates = candidates & self.term(q.fieldname, word)
                if not candidates.any():
                    return candidates
            if len(q.words) < 2:
                return candidates
            return self._phrase(q, candidates)
        # Anything else: whoosh decides, document by document.
        return self.from_numbers(self.searcher.docs_for_query(q))

    def _compound(self, q: query.Query) -> np.ndarray:
        if isinstance(q, query.And | query.Require):
            parts = q.subqueries if isinstance(q, query.And) else (q.a, q.b)
            result = self.live
            for sub in parts:
                result = result & self.matching(sub)
                if not result.any():
                    break
            return result
        # An OR: its terms and prefixes (a word in every field, its relatives) set their documents' bits
        # in one go from their postings; a bitmap of each of a prefix's dozens of terms would be built and
        # dropped by the term cache on every search.
        result = self.empty()
        leaves: list[np.ndarray] = []
        for sub in q.subqueries:
            ids = self._leaf_ids(sub)
            if ids is None:
                result |= self.matching(sub)
            else:
                leaves.extend(ids)
        if leaves:
            result |= self._scattered(leaves)
        return result

    def _leaf_ids(self, q: query.Query) -> list[np.ndarray] | None:
        """The document numbers (deleted ones included) of a term's postings, or of every term of a prefix,
        or None for another kind of query."""
        if type(q) is query.Term:
            return [self.read(q.fieldname, q.text)[0]]
        if type(q) is query.Prefix:
            return [self.read(q.fieldname, text)[0] for text in self.expand(q.fieldname, q.text)]
        return None

    def _scattered(self, ids: list[np.ndarray]) -> np.ndarray:
        docs = self.empty()
        if ids:
            docs[np.concatenate(ids)] = True
        return docs & self.live

    def _remember(self, key: tuple, docs: np.ndarray) -> None:
        with self._lock:
            self._terms[key] = docs
            while len(self._terms) > self._term_cache:
                self._terms.popitem(last=False)

    def _phrase(self, q: query.Phrase, candidates: np.ndarray) -> np.ndarray:
        """The candidates (documents with every word) where the words stand side by side, in order: whoosh's
        Phrase (slop 1) checked with the positions of the candidates' postings only, cached per searcher.
        whoosh walked the span matchers of every document with the words: 300 ms a phrase at 100,000."""
        key = ("phrase", q.fieldname, tuple(q.words), q.slop)
        with self._lock:
            cached = self._terms.get(key)
        if cached is not None:
            return cached
        fmt = self.reader.schema[q.fieldname].format
        packed = isinstance(fmt, RussianPositions) and fmt.packed
        if q.slop != 1 or not (isinstance(fmt, RussianPositions)
                               or type(fmt).decode_positions is formats.Positions.decode_positions):
            found = self.from_numbers(self.searcher.docs_for_query(q)) & candidates
        else:
            starts = None
            for i, word in enumerate(q.words):
                docs, positions = self._positions(q.fieldname, word, candidates, packed)
                keys = _sorted_unique((docs << 32) | (positions - i + (1 << 31)))  # where the phrase would start
                starts = keys if starts is None else _common(starts, keys)
                if not starts.size:
                    break
            found = self.empty()
            found[(starts >> 32).astype(np.int64)] = True
            found &= candidates
        found.flags.writeable = False
        with self._lock:
            self._terms[key] = found
        return found

    def _positions(self, fieldname: str, text: str, candidates: np.ndarray,
                   packed: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """(document, position) of every occurrence of a term in the candidate documents, as int64 arrays;
        only the candidates' position lists are decoded. ``packed`` (``RussianPositions.packed``): a block's
        values are cut out of its bytes as arrays (``_packed_positions``); else whoosh's encoding (a count,
        then the pickled gaps), all of them in one ``loads`` (``_decoded_positions``)."""
        numbers: list[np.ndarray] = []
        values: list[bytes] = []
        # packed blocks: their documents, which are wanted, their values; read together at the end
        block_numbers: list[np.ndarray] = []
        block_wanted: list[np.ndarray] = []
        blocks: list[PostingValues] = []
        for leaf, offset in self.reader.leaf_readers():
            try:
                for ids, block_values in leaf_values(leaf, fieldname, text,
                                                     candidates[offset : offset + leaf.doc_count_all()]):
                    found = ids + offset
                    wanted = candidates[found]
                    if not wanted.any():
                        continue
                    if packed and isinstance(block_values, PostingValues):
                        block_numbers.append(found)
                        block_wanted.append(wanted)
                        blocks.append(block_values)
                        continue
                    chosen = np.flatnonzero(wanted)
                    numbers.append(found[chosen])
                    values.extend([block_values[j] for j in chosen.tolist()])
            except TermNotFound:
                continue
        arrays: list[tuple[np.ndarray, np.ndarray]] = []
        if blocks:
            joined = PostingValues(b"".join(block.blob for block in blocks),
                                   array("I", b"".join(block.lengths for block in blocks)))
            arrays.append(_packed_positions(np.concatenate(block_numbers), joined, np.concatenate(block_wanted)))
        if values:
            arrays.append((_packed_values if packed else _decoded_positions)(np.concatenate(numbers), values))
        if not arrays:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        if len(arrays) == 1:
            return arrays[0]
        return np.concatenate([a[0] for a in arrays]), np.concatenate([a[1] for a in arrays])

    def facet(self, fieldname: str) -> tuple[list[str], np.ndarray]:
        """(values, packed bitmaps: one row per value) of a keyword field, built once per searcher."""
        with self._lock:
            cached = self._facets.get(fieldname)
        if cached is not None:
            return cached
        parts = [(self._segments.get(leaf, fieldname), offset) for leaf, offset in self.reader.leaf_readers()]
        terms = sorted(set().union(*(part for part, _offset in parts)))  # the merged lexicon's order
        values = [term.decode("utf-8") for term in terms]
        coded = len(values) > CODED_FACET_VALUES
        rows = []
        holders = []
        for term in terms:
            docs = self.empty()
            for part, offset in parts:
                if (ids := part.get(term)) is not None:
                    docs[ids + offset] = True
            docs &= self.live
            rows.append(np.packbits(docs))
            if coded:
                holders.append(np.flatnonzero(docs))
        packed = np.vstack(rows) if rows else np.zeros((0, (self.size + 7) // 8), dtype=np.uint8)
        with self._lock:
            self._facets[fieldname] = (values, packed)
            if coded:
                self._codes[fieldname] = self._coded(holders)
        return values, packed

    def _coded(self, holders: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """A field's values as numbers: each document's first value plus one (0: none), in the smallest
        unsigned type that holds them, and (document, value) of every further value (a resolution names
        several regions)."""
        first = np.zeros(self.size, dtype=np.min_scalar_type(len(holders)))
        extra_docs, extra_values = [], []
        for i, docs in enumerate(holders):
            taken = first[docs] > 0
            first[docs[~taken]] = i + 1
            if taken.any():
                extra_docs.append(docs[taken])
                extra_values.append(np.full(int(taken.sum()), i, dtype=np.int32))
        if not extra_docs:
            return first, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        return first, np.concatenate(extra_docs), np.concatenate(extra_values)

    def any_of(self, fieldname: str, selected: list[str]) -> np.ndarray:
        """The documents holding any of the selected values of a keyword field."""
        values, packed = self.facet(fieldname)
        rows = [i for i, value in enumerate(values) if value in set(selected)]
        if not rows:
            return self.empty()
        return np.unpackbits(np.bitwise_or.reduce(packed[rows], axis=0), count=self.size).astype(bool)

    def counts(self, fieldname: str, docs: np.ndarray, seen: dict | None = None) -> list[tuple[str, int]]:
        """(value, how many of ``docs`` hold it) for every value of a keyword field held by any of them.
        ``seen``: a dict kept by the caller across the fields of one search, where ``docs`` is mostly the
        same array: its size and packed bits are worked out once."""
        values, packed = self.facet(fieldname)
        if not values:
            return []
        seen = {} if seen is None else seen
        if seen.get("docs") is not docs:
            seen.clear()
            seen.update(docs=docs, size=int(np.count_nonzero(docs)))
        if seen["size"] * SPARSE_COUNTS < self.size:
            # few documents: their bits read from each value's bitmap, not every byte of the bitmaps ANDed
            numbers = np.flatnonzero(docs)
            shifts = (7 - (numbers & 7)).astype(np.uint8)  # np.packbits: the first document is the high bit
            totals = ((packed[:, numbers >> 3] >> shifts) & 1).sum(axis=1)
        elif (coded := self._codes.get(fieldname)) is not None:
            # many values (the regions): count the documents' value numbers; ANDing 91 bitmaps of 12.5 KB each
            # left the CPU cache (1 ms at 100,000 documents against 0.16 ms for the 23 topics). The numbers
            # times each document's 0 or 1, not indexed by them: 0.70 -> 0.33 ms.
            first, extra_docs, extra_values = coded
            totals = np.bincount(np.multiply(first, docs, dtype=first.dtype), minlength=len(values) + 1)[1:]
            if extra_docs.size:
                totals += np.bincount(extra_values[docs[extra_docs]], minlength=len(values))
        else:
            if "packed" not in seen:
                seen["packed"] = np.packbits(docs)
            totals = np.bitwise_count(packed & seen["packed"]).sum(axis=1)
        return [(value, int(n)) for value, n in zip(values, totals.tolist(), strict=True) if n]

    def first_by(self, docs: np.ndarray, sort: str, limit: int) -> list[int]:
        """The first ``limit`` of ``docs`` newest first ("adoptions": most adopted first, then newest; "entered":
        last to enter the collection first, ties by document number), ties by title, then document number:
        whoosh's sorted search on the sort columns, in numpy."""
        ranks = self._ranks(sort)
        numbers = np.flatnonzero(docs)
        if numbers.size > limit:
            numbers = numbers[np.argpartition(ranks[numbers], limit - 1)[:limit]]
        return numbers[np.argsort(ranks[numbers], kind="stable")].tolist()

    def _ranks(self, sort: str) -> np.ndarray:
        """Document number -> its place in the order of ``sort`` (built once per searcher and order)."""
        key = sort if sort in ("adoptions", "entered") else "date"
        with self._lock:
            cached = self._orders.get(key)
        if cached is not None:
            return cached
        if key == "date":
            date = _dense_ranks(self._column("sort_date"))
            if (raw := self._bytes_keys("sort_title")) is not None:
                # each title's place in the titles' order (equal titles by document number, as np.lexsort keeps
                # them): the raw keys sorted as memcmp compares them, then two integer keys: 135 → 70 ms at 100,000
                titles = np.empty(self.size, dtype=np.int64)
                titles[np.argsort(raw, kind="stable")] = np.arange(self.size)
            else:
                titles = self._column("sort_title")
                # the titles' sort keys as one fixed-width bytes array, which np.lexsort compares in C (numpy drops
                # trailing NULs, so a key ending in one keeps its place among distinct values only): 0.29 → 0.2 s
                fixed = titles and not any(title.endswith(b"\x00") for title in titles)
                titles = np.array(titles) if fixed else _dense_ranks(titles)
            keys = [titles, -date]  # np.lexsort: the last key first
        elif key == "entered":
            # Two materials rarely enter the bank in the same microsecond: ties by document number, without the
            # date order's columns (the title's above all), which took 0.4 of the 0.7 s the first feed after
            # each commit cost at 100,000 practices (bench/feeds_sitemaps.py).
            keys = [-_dense_ranks(self._column("sort_entered"))]
        else:
            # ties in the date order's places: its columns (the title's the dearest) are read once per searcher
            keys = [self._ranks("date"), -_dense_ranks(self._column(f"sort_{key}"))]
        order = np.lexsort(keys)
        ranks = np.empty(self.size, dtype=np.int64)
        ranks[order] = np.arange(self.size)
        with self._lock:
            self._orders[key] = ranks
        return ranks

    def _column(self, fieldname: str) -> list | np.ndarray:
        if not self.size:
            return []
        numbers = self._numeric_column(fieldname)
        if numbers is not None:
            return numbers
        return list(self.reader.column_reader(fieldname, translate=False))

    def _bytes_keys(self, fieldname: str) -> np.ndarray | None:
        """A bytes sort column of every document as one array of raw fixed-width values (numpy void, padded with
        zero bytes), which sort as memcmp compares them — the order of the bytes values —, each segment's values
        read as one block: iterating whoosh's reader read them one by one (60 of the 135 ms the date order cost at
        100,000 documents, and 20 more to make the array). None when a segment stores the column otherwise, or when
        a value ends with a zero byte (padded, it would equal a shorter one)."""
        if not self.size:
            return None
        parts = []
        for leaf, _offset in self.reader.leaf_readers():
            column = leaf.column_reader(fieldname, translate=False)
            if type(column) is not VarBytesColumn.Reader:
                return None
            lengths = np.asarray(column._lengths, dtype=np.int64)
            offsets = np.asarray(column._offsets, dtype=np.int64)
            if lengths.size != column._doccount or offsets.size != column._doccount:
                return None
            width = max(1, int(lengths.max(initial=0)))
            span = int((offsets + lengths).max(initial=0))
            data = np.frombuffer(column._dbfile.get(column._basepos, span), dtype=np.uint8) if span else \
                np.zeros(0, dtype=np.uint8)
            if (data[(offsets + lengths - 1)[lengths > 0]] == 0).any():
                return None
            # each value's bytes and what follows it, up to the widest value; what follows cleared
            windows = np.lib.stride_tricks.sliding_window_view(
                np.concatenate([data, np.zeros(width, dtype=np.uint8)]), width)[offsets]
            windows[np.arange(width) >= lengths[:, None]] = 0
            parts.append(windows)
        if sum(len(part) for part in parts) != self.size:
            return None
        width = max(part.shape[1] for part in parts)
        keys = np.zeros((self.size, width), dtype=np.uint8)
        start = 0
        for part in parts:
            keys[start:start + len(part), :part.shape[1]] = part
            start += len(part)
        return keys.view(f"V{width}").reshape(-1)

    def _numeric_column(self, fieldname: str) -> np.ndarray | None:
        """A numeric sort column (dates, counts) of every document as one array, each segment's fixed-width
        values read as one block of bytes: iterating whoosh's reader unpacked them one by one, 90–175 ms a column
        at 100,000 documents. None when a segment stores the column otherwise."""
        parts = []
        for leaf, _offset in self.reader.leaf_readers():
            column = leaf.column_reader(fieldname, translate=False)
            if type(column) is not NumericColumn.Reader:
                return None
            dtype = np.dtype(">" + column._typecode)  # whoosh packs them big-endian ("!")
            stored = min(column._count, column._doccount)
            data = np.frombuffer(column._dbfile.get(column._basepos, stored * column._fixedlen), dtype=dtype)
            parts += [data.astype(dtype.newbyteorder("=")),
                      np.full(column._doccount - stored, column._default, dtype=dtype.newbyteorder("="))]
        return np.concatenate(parts)

    @staticmethod
    def numbers(docs: np.ndarray) -> list[int]:
        return np.flatnonzero(docs).tolist()

    @property
    def whole(self) -> DocSets:
        """These sets themselves (``without``'s view gives the sets it leaves documents out of)."""
        return self

    def without(self, doc_ids: Iterable[str]) -> DocSets:
        """These sets with the documents of ``doc_ids`` (stored ids, "practice:69") left out of every set they
        give, as if deleted: what a query matches, a term, a filter, the live documents; so every total and facet
        count made of them. Itself when none of them is in the index (the usual case: nothing is left out)."""
        numbers = [self.read("id", doc_id)[0] for doc_id in doc_ids]
        left_out = np.concatenate(numbers) if numbers else np.zeros(0, dtype=np.int32)
        if not left_out.size:
            return self
        keep = np.ones(self.size, dtype=bool)
        keep[left_out] = False
        keep.flags.writeable = False
        return _Without(self, keep)


class _Without:
    """A ``DocSets`` with some documents left out (``DocSets.without``): each set it gives is the whole one's
    without them. A query matches document by document, so leaving them out of its result is leaving them out of
    every part of it. Made for one search; the caches are the whole sets'."""

    def __init__(self, whole: DocSets, keep: np.ndarray):
        self.whole = whole
        self.keep = keep
        self.live = whole.live & keep
        self.live.flags.writeable = False

    def __getattr__(self, name: str):
        return getattr(self.whole, name)

    def without(self, doc_ids: Iterable[str]) -> DocSets:
        more = self.whole.without(doc_ids)
        return self if more is self.whole else _Without(self.whole, self.keep & more.keep)

    def from_numbers(self, numbers) -> np.ndarray:
        return self.whole.from_numbers(numbers) & self.keep

    def term(self, fieldname: str, text: str) -> np.ndarray:
        return self.whole.term(fieldname, text) & self.keep

    def matching(self, q: query.Query) -> np.ndarray:
        return self.whole.matching(q) & self.keep

    def any_of(self, fieldname: str, selected: list[str]) -> np.ndarray:
        return self.whole.any_of(fieldname, selected) & self.keep


def leaf_postings(leaf, fieldname: str, text: str | bytes, weights: bool = True):
    """(document numbers in the segment, term weights as float32 — what whoosh stores — or None) of a term's
    postings in one segment, a block at a time (raises TermNotFound). Deleted documents are included:
    callers mask them. A term in the segment's postings arrays file comes in one piece from there."""
    info = leaf.term_info(fieldname, text)  # one look-up in the segment's terms file serves every path
    if info.is_inlined():  # a few postings kept in the terms file itself
        ids, stored, _values = info.inlined_postings()
        values = None
        if weights:  # as whoosh's ListMatcher.weight() reads them
            values = np.array(stored, dtype=np.float32) if stored else np.ones(len(ids), dtype=np.float32)
        yield np.array(ids, dtype=np.int64), values
        return
    found = info_arrays(leaf, info)
    if found is not None:
        yield found[0].astype(np.int64), (found[1] if weights else None)
        return
    btext = text if isinstance(text, bytes) else leaf.schema[fieldname].to_bytes(text)
    terms = leaf._terms  # W3TermsReader.matcher, without looking the term up again
    matcher = terms._codec.postings_reader(terms._postfile, info, leaf.schema[fieldname].format,
                                           term=(fieldname, btext))
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            if matcher._data is None:
                matcher._read_data()
            ids = np.asarray(matcher._data[0], dtype=np.int64)
            if not matcher._byteids:  # stored as gaps (whoosh's delta_decode, in C)
                ids = np.cumsum(ids)
            values = None
            if weights:
                stored = matcher._data[1]
                if stored is None or isinstance(stored, float):
                    values = np.full(ids.size, 1.0 if stored is None else stored, dtype=np.float32)
                else:
                    values = np.asarray(stored, dtype=np.float32)
            yield ids, values
            matcher._next_block()
    else:  # another codec's matcher: a document at a time
        found, values = [], []
        while matcher.is_active():
            found.append(matcher.id())
            if weights:
                values.append(matcher.weight())
            matcher.next()
        yield np.array(found, dtype=np.int64), (np.array(values, dtype=np.float32) if weights else None)


def leaf_values(leaf, fieldname: str, text: str | bytes, within: np.ndarray | None = None):
    """(document numbers in the segment, their values: sequences of bytes) of a term's postings in one
    segment, a block at a time (raises TermNotFound). Deleted documents are included. With ``within`` (a
    boolean per document of the segment), blocks holding none of those documents are skipped unread
    (a block's header says up to which document it goes).

    A term of a W3 segment is read as one piece (``_block_values``); anything else through whoosh's matcher."""
    info = leaf.term_info(fieldname, text)
    terms = getattr(leaf, "_terms", None)
    if (not info.is_inlined() and isinstance(getattr(terms, "_codec", None), W3Codec)
            and leaf.schema[fieldname].format.fixed_value_size() is None):
        offset, length = info.extent()
        # whoosh's W3TermInfo.from_bytes leaves the length as unpack_int's 1-tuple
        yield from _block_values(terms._postfile, offset, length[0] if isinstance(length, tuple) else length, within)
        return
    matcher = leaf.postings(fieldname, text)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        after = 0  # the first document the current block may hold
        while matcher.is_active():
            if within is not None:
                upto = matcher._maxid + 1
                if not within[after:upto].any():
                    after = upto
                    matcher._next_block()
                    continue
                after = upto
            if matcher._data is None:
                matcher._read_data()
            ids = np.asarray(matcher._data[0], dtype=np.int64)
            if not matcher._byteids:
                ids = np.cumsum(ids)
            matcher._read_values()
            yield ids, matcher._values
            matcher._next_block()
    else:
        found, values = [], []
        while matcher.is_active():
            found.append(matcher.id())
            values.append(matcher.value())
            matcher.next()
        yield np.array(found, dtype=np.int64), values


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique(keys)``; positions come in order (documents increasing, each one's positions increasing),
    so mostly this is one comparison over the array instead of a sort."""
    if keys.size < 2 or bool((keys[1:] > keys[:-1]).all()):
        return keys
    return np.unique(keys)


def _common(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``np.intersect1d`` of two sorted arrays of distinct values: each value of the shorter looked up in the
    longer (a binary search each) instead of sorting both together."""
    if first.size > second.size:
        first, second = second, first
    if not first.size:
        return first
    at = np.searchsorted(second, first)
    at[at == second.size] = 0
    return first[second[at] == first]


_BLOCK_LENGTH = struct.Struct("!i")  # a block's length, as whoosh writes it (negative: the term's last block)


class DamagedPostings(OSError):
    """A term's postings that do not read as W3 blocks: a damaged or cut-short postings file (an OSError, so a
    search says the index cannot be read, as for any other file of it)."""


def _block_values(postfile, offset: int, length: int, within: np.ndarray | None):
    """``leaf_values`` of the postings at ``offset`` (``length`` bytes) of a W3 postings file: the term's
    blocks read with one ``get`` and walked in memory, where whoosh's matcher reads each block's length,
    header and data apart (three reads, through a buffered file) and builds a matcher first: a third of a
    phrase search at 100,000 practices (bench/scale.py). Each block: its length, its pickled header
    (postings, last document, …, compression), its pickled data (gaps, weights, values), maybe deflated.

    Blocks this codec wrote (gaps as an array, ``PostingValues``) come joined, as one piece at the end: a
    frequent word has hundreds of blocks, and a few numpy calls for each cost more than their data."""
    raw = postfile.get(offset, length)
    if raw[: len(WHOOSH3_HEADER_MAGIC)] != WHOOSH3_HEADER_MAGIC or len(raw) != length:
        raise DamagedPostings(f"no postings at {offset} of the postings file")
    try:
        yield from _walk_blocks(raw, within)
    except (pickle.UnpicklingError, EOFError, zlib.error, lz4.block.LZ4BlockError, struct.error, ValueError, TypeError,
            IndexError) as exc:
        raise DamagedPostings(f"the postings at {offset} of the postings file do not read: {exc!r}") from exc


def _walk_blocks(raw: bytes, within: np.ndarray | None):
    stream = io.BytesIO(raw)
    view = memoryview(raw)
    gaps_kept: list[array] = []
    values_kept: list[PostingValues] = []
    position, after = len(WHOOSH3_HEADER_MAGIC), 0
    while True:
        if position >= len(raw):
            raise ValueError("no last block")
        (size,) = _BLOCK_LENGTH.unpack_from(raw, position)
        end = position + _BLOCK_LENGTH.size + abs(size)
        stream.seek(position + _BLOCK_LENGTH.size)
        _count, last_doc, _weight, compression, _shortest, _longest = pickle.load(stream)
        if within is None or within[after : last_doc + 1].any():
            data = view[stream.tell() : end]
            gaps, _weights, values = loads(decompress_block(data, compression))
            if isinstance(values, PostingValues) and isinstance(gaps, array) and gaps.itemsize == 4:
                gaps_kept.append(gaps)
                values_kept.append(values)
            else:
                yield np.cumsum(np.asarray(gaps, dtype=np.int64)), values
        after = last_doc + 1
        if size < 0:
            break
        position = end
    if gaps_kept:
        counts = np.fromiter(map(len, gaps_kept), dtype=np.int64, count=len(gaps_kept))
        running = np.cumsum(np.frombuffer(b"".join(gaps_kept), dtype=np.uint32), dtype=np.int64)
        ends = np.cumsum(counts)
        before = np.zeros(counts.size, dtype=np.int64)  # the sum of the blocks' gaps before each block
        before[1:] = running[ends[:-1] - 1]
        yield running - np.repeat(before, counts), PostingValues(
            b"".join(v.blob for v in values_kept), array("I", b"".join(v.lengths for v in values_kept)))


_PICKLE_HEAD = b"\x80\x02"  # protocol 2, as whoosh's Positions.encode pickles


def _decoded_positions(numbers: np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """(document, position) of every position in ``values`` (whoosh's Positions encoding, the value of the
    posting of the document of the same place in ``numbers``): what ``Positions.decode_positions`` gives
    for each, in one ``loads`` of all the lists together (a pickle of the list of them: the values' pickled
    lists between one MARK and one LIST) and one ``cumsum``. A phrase's words have thousands of candidate
    postings; a ``loads`` and the Python around it for each took most of a phrase search."""
    bodies = []
    for value in values:
        body = value[_INT_SIZE:]
        if body.startswith(_PICKLE_HEAD):
            body = body[len(_PICKLE_HEAD):]
        bodies.append(body[:-1] if body.endswith(b".") else body)
    gaps = loads(_PICKLE_HEAD + b"(" + b"".join(bodies) + b"l.")
    if len(gaps) != len(values) or not all(isinstance(g, list) for g in gaps):
        raise ValueError("position lists that do not decode one per value")
    lengths = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
    flat = np.fromiter(chain.from_iterable(gaps), dtype=np.int64, count=int(lengths.sum()))
    if not flat.size:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    running = np.cumsum(flat)
    starts = np.cumsum(lengths) - lengths  # where each list's gaps begin in ``flat``
    before = np.where(starts > 0, running[np.maximum(starts - 1, 0)], 0)  # the sum of the lists before it
    return np.repeat(numbers, lengths), running - np.repeat(before, lengths)


_PACKED_HEAD_WORDS = 1  # a packed value's count header (``RussianPositions``), in 4-byte words


def _packed_positions(numbers: np.ndarray, values: PostingValues, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(document, position) of every position of the ``wanted`` postings (a mask) of a block whose values are
    packed (``RussianPositions.packed``), ``numbers`` its document numbers: the block's bytes read as one
    array of 4-byte words, every value's header and the unwanted values' words masked out."""
    words = np.frombuffer(values.blob, dtype="<u4")
    lengths = np.frombuffer(values.lengths, dtype=np.uint32).astype(np.int64) // 4  # uint32: array("I")
    keep = np.repeat(wanted, lengths)
    keep[np.cumsum(lengths) - lengths] = False  # the headers
    return np.repeat(numbers[wanted], lengths[wanted] - _PACKED_HEAD_WORDS), words[keep].astype(np.int64)


def _packed_values(numbers: np.ndarray, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """``_packed_positions`` of values given one by one (a block another codec wrote), every one wanted."""
    lengths = array("I", map(len, values))
    return _packed_positions(numbers, PostingValues(b"".join(values), lengths), np.ones(len(values), dtype=bool))


def _dense_ranks(values: list | np.ndarray) -> np.ndarray:
    """Each value's place among the distinct values, smallest first (sorts like the values)."""
    if isinstance(values, np.ndarray):
        return np.unique(values, return_inverse=True)[1].astype(np.int64).reshape(-1)
    distinct = sorted(set(values))
    place = {value: i for i, value in enumerate(distinct)}
    return np.fromiter((place[v] for v in values), dtype=np.int64, count=len(values))
