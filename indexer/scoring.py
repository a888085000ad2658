"""whoosh's BM25F ranking, computed for every matching document at once in numpy.

whoosh ranks by walking the matchers of a query one document at a time in Python. A frequent word at
100,000 practices is looked for in five fields plus its relatives (words of the same root): tens of
thousands of documents, each scored through a tree of a hundred matchers, took longer than any page
can wait, so broad queries were ranked under a time budget from the part of the matches seen.

Here each term's postings are read once per searcher into (document numbers, scores) with the formula,
statistics and field lengths whoosh uses, and a query's tree becomes sums of arrays. The scores are
whoosh's own (tests compare them on every document), so the ranking is exact and needs no budget.

Only the query kinds our parser makes are done here: terms, phrases, AND, OR (also with the coordination
scale of a relaxed query, but for constant scores under it), the better of alternatives (``BestOf``), NOT,
prefixes (the relatives) and constant scores (thesaurus concepts).
Anything else makes ``Scores.of`` return None, and whoosh ranks that query itself.
"""

from __future__ import annotations

import threading
from math import log

import numpy as np
from whoosh import matching, query, scoring
from whoosh.codec import whoosh3
from whoosh.matching import mcore
from whoosh.util.numeric import byte_to_length

from indexer.docsets import DocSets

# Field length bytes (whoosh's lossy one-byte encoding) -> the length whoosh scores with.
_LENGTHS = np.array([float(byte_to_length(b)) for b in range(256)], dtype=np.float64)


class _BestOfMatcher(matching.DisjunctionMaxMatcher):
    """whoosh's DisjunctionMaxMatcher, which scores a document with the score of whichever document each side
    stands at (a text with only «одарённых» took the score of the next text with «способных»), and replaced by
    nothing when one side runs out: here a side scores only the document it stands at."""

    def replace(self, minquality=0):
        a = self.a.replace(minquality) if self.a.is_active() else mcore.NullMatcher()
        b = self.b.replace(minquality) if self.b.is_active() else mcore.NullMatcher()
        if not a.is_active():
            return b
        if not b.is_active():
            return a
        if minquality and max(a.max_quality(), b.max_quality()) < minquality:
            return mcore.NullMatcher()
        return self if a is self.a and b is self.b else self.__class__(a, b)

    def score(self):
        a, b = self.a, self.b
        if not a.is_active() or (b.is_active() and b.id() < a.id()):
            return b.score()
        if not b.is_active() or a.id() < b.id():
            return a.score()
        return max(a.score(), b.score())


class BestOf(query.DisjunctionMax):
    """Any of the alternatives, a document scoring as for the best of those it matches (not their sum): a text
    writing a word and its synonym side by side («одарённых и высоко мотивированных детей») is not counted twice."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        return self._tree_matcher(subs, _BestOfMatcher, searcher, context, lambda q: q.estimate_size(reader))


class Unsupported(Exception):
    """A query node this module does not score exactly as whoosh does."""


class _Frame:
    """The documents a query is scored at: every document of the searcher, or the sorted document numbers
    ``among`` (then each array has one entry per number of ``among``, in its order). A score at a document
    is the same sum of the same floats in the same order either way: the documents left out only add
    whoosh's 0.0 for the terms they lack, and x + 0.0 is x."""

    __slots__ = ("among", "size", "_where")

    def __init__(self, size: int, among: np.ndarray | None = None):
        self.among = among
        self.size = size if among is None else int(among.size)
        self._where = None
        if among is not None:
            self._where = np.full(size, -1, dtype=np.int64)
            self._where[among] = np.arange(among.size)

    def kept(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(the frame's entries of those of ``ids`` in the frame, which of ``ids`` they are: a mask, or None
        when the frame holds every document)."""
        if self._where is None:
            return ids, None
        local = self._where[ids]
        kept = local >= 0
        return local[kept], kept

    def of(self, array: np.ndarray) -> np.ndarray:
        """A per-document array of the searcher (a bitmap, say) at the frame's documents."""
        return array if self.among is None else array[self.among]


class Scores:
    """Scores over the document numbers of one searcher; build with the searcher's ``DocSets``."""

    def __init__(self, sets: DocSets):
        self.sets = sets
        self.searcher = sets.searcher
        self.reader = sets.reader
        self.size = sets.size
        self.leaves = list(self.reader.leaf_readers())
        weighting = self.searcher.weighting
        self.weighting = weighting if type(weighting) is scoring.BM25F else None
        self._plain_idf = type(weighting).idf is scoring.WeightingModel.idf
        self._lengths: dict[str, np.ndarray] = {}
        self._present: dict[tuple, bool] = {}
        self._lock = threading.Lock()

    def of(self, q: query.Query, among: np.ndarray | None = None) -> np.ndarray | None:
        """Each document's score for ``q`` (0 where it does not match), or None if whoosh must rank it.
        With ``among`` (sorted document numbers), only those documents' scores, in that order: a query's
        few matches cost their own arithmetic, not the whole index's arrays for every node of its tree."""
        if self.weighting is None:
            return None
        try:
            return self._score(q, _Frame(self.size, among))
        except Unsupported:
            return None

    # -- the query tree -------------------------------------------------------------------------

    def _score(self, q: query.Query, frame: _Frame) -> np.ndarray:
        kind = type(q)
        if kind is query.Term:
            return self._term_array(q.fieldname, q.text, q.boost, frame)
        if kind is query.Or and q.scale:
            return self._coordinated(q, frame)
        if kind in (query.And, query.Or):
            subs = q.subqueries
            if not subs:
                return np.zeros(frame.size)
            if len(subs) == 1:  # whoosh uses the only child's matcher: the compound's boost is not applied
                return self._score(subs[0], frame)
            total = np.zeros(frame.size)
            for sub in subs:
                sparse = self._sparse(sub, frame)
                if sparse is not None:
                    # into the total at the documents it holds only (the same sums as adding its whole
                    # array, which is 0.0 elsewhere): more-like-this ORs a dozen words in three fields
                    ids, values = sparse
                    total[ids] += values
                else:
                    total += self._score(sub, frame)
            if kind is query.And:
                total[~frame.of(self.sets.matching(q))] = 0.0
            elif any(type(sub) is query.Not for sub in subs):
                raise Unsupported("NOT as an alternative")
            return total * q.boost if q.boost != 1.0 else total
        if kind is BestOf:
            subs = q.subqueries
            if not subs:
                return np.zeros(frame.size)
            if len(subs) == 1:  # whoosh uses the only child's matcher: the compound's boost is not applied
                return self._score(subs[0], frame)
            best = np.maximum.reduce([self._score(sub, frame) for sub in subs])
            return best * q.boost if q.boost != 1.0 else best
        if kind is query.AndNot:
            scores = self._score(q.a, frame)
            scores[~frame.of(self.sets.matching(q))] = 0.0
            return scores
        if kind is query.Not:  # inside an AND: whoosh's InverseMatcher adds a weight of 1 to every match
            if q.boost != 1.0:
                raise Unsupported("boosted NOT")
            return np.ones(frame.size)
        if kind is query.Prefix:
            return self._prefix(q, frame)
        if kind is query.Phrase:  # whoosh scores the AND of its words, where the words stand as a phrase
            if not q.words:
                raise Unsupported("empty phrase")
            total = np.zeros(frame.size)
            for word in q.words:
                ids, values = self._term(q.fieldname, word, frame)
                total[ids] += values
            total[~frame.of(self.sets.matching(q))] = 0.0
            return total * q.boost if q.boost != 1.0 else total
        if kind is query.ConstantScoreQuery:
            scores = np.zeros(frame.size)
            scores[frame.of(self.sets.matching(q.child))] = q.score
            return scores
        raise Unsupported(kind.__name__)

    def _sparse(self, q: query.Query, frame: _Frame) -> tuple[np.ndarray, np.ndarray] | None:
        """(documents, scores) of a term, or of an OR of terms (a word in several fields), at the documents
        that match it only; None for other queries. The sums are the dense ones', operation for operation:
        each document's scores are added in the order of the terms, from 0.0, then boosted."""
        kind = type(q)
        if kind is query.Term:
            ids, values = self._term(q.fieldname, q.text, frame)
            return ids, (values * q.boost if q.boost != 1.0 else values)
        if kind is not query.Or or q.scale or not q.subqueries:
            return None
        if len(q.subqueries) == 1:  # whoosh uses the only child's matcher: the compound's boost is not applied
            return self._sparse(q.subqueries[0], frame)
        if any(type(sub) is not query.Term for sub in q.subqueries):
            return None
        parts = [self._sparse(sub, frame) for sub in q.subqueries]
        ids = np.concatenate([part[0] for part in parts])
        documents, where = np.unique(ids, return_inverse=True)
        # np.bincount adds each bin's weights in array order: the terms' order, as the dense sum does
        values = np.bincount(where, weights=np.concatenate([part[1] for part in parts]), minlength=documents.size)
        return documents, (values * q.boost if q.boost != 1.0 else values)

    def _coordinated(self, q: query.Or, frame: _Frame) -> np.ndarray:
        """An OR with a coordination scale (the relaxed query: documents with more of the words first), as
        whoosh's CoordMatcher scores it in each segment: (score + (matching - 1) / (terms - scale)²) ×
        (terms - 1) / terms, where ``terms`` counts the term postings of the query's tree present in the
        segment and ``matching`` those holding the document (``_counted``). Trees of terms, prefixes, phrases,
        ANDs, ORs and ``BestOf``."""
        if len(q.subqueries) < 2:
            return self._score(q.subqueries[0], frame) if q.subqueries else np.zeros(frame.size)
        plain = query.Or(q.subqueries, boost=q.boost)
        scores = self._score(plain, frame)
        present = np.zeros(len(self.leaves), dtype=np.int64)
        matching = np.zeros(frame.size, dtype=np.int64)
        for sub in q.subqueries:
            sub_present, sub_matching = self._counted(sub, frame)
            present += sub_present
            matching += sub_matching
        terms = np.zeros(self.size, dtype=np.int64)
        for (leaf, offset), count in zip(self.leaves, present.tolist(), strict=True):
            terms[offset : offset + leaf.doc_count_all()] = count
        terms = frame.of(terms)
        scale = q.scale
        hit = (matching > 0) & (terms > 0)
        m, t = matching[hit], terms[hit]
        with np.errstate(divide="ignore", invalid="ignore"):
            coordinated = (scores[hit] + ((m - 1) / (t - scale) ** 2)) * ((t - 1) / t)
        coordinated[t == scale] = 0.0
        result = np.zeros(frame.size)
        result[hit] = coordinated
        return result

    def _counted(self, q: query.Query, frame: _Frame) -> tuple[np.ndarray, np.ndarray]:
        """(how many term postings of ``q`` each segment holds, how many of them each document of the frame is at),
        as whoosh's matchers count them: ``term_matchers()`` of the tree made for the segment, and its
        ``matching_terms()`` at the document (a phrase's or an AND's words only where it matches as a whole; a
        phrase with a word missing from a segment has no matcher there)."""
        kind = type(q)
        present = np.zeros(len(self.leaves), dtype=np.int64)
        matching = np.zeros(frame.size, dtype=np.int64)
        if kind in (query.Term, query.Prefix):
            texts = [q.text] if kind is query.Term else [t for t in self.sets.expand(q.fieldname, q.text) if t]
            for text in texts:
                ids, _ = self._term(q.fieldname, text, frame)
                matching[ids] += 1
                present += [self._in_segment(leaf, q.fieldname, text) for leaf, _ in self.leaves]
        elif kind is query.Phrase:
            if not q.words:
                raise Unsupported("empty phrase")
            present += [len(q.words) * all(self._in_segment(leaf, q.fieldname, word) for word in q.words)
                        for leaf, _ in self.leaves]
            matching[frame.of(self.sets.matching(q))] = len(q.words)
        elif (kind is query.Or and not q.scale) or kind in (query.And, BestOf):
            for sub in q.subqueries:
                sub_present, sub_matching = self._counted(sub, frame)
                present += sub_present
                matching += sub_matching
            if kind is query.And:
                matching[~frame.of(self.sets.matching(q))] = 0
        else:
            raise Unsupported(f"{kind.__name__} under a coordination scale")
        return present, matching

    def _in_segment(self, leaf, fieldname: str, text: str) -> bool:
        key = (id(leaf), fieldname, text)
        found = self._present.get(key)
        if found is None:
            found = self._present[key] = (fieldname, self.searcher.schema[fieldname].to_bytes(text)) in leaf
        return found

    def _prefix(self, q: query.Prefix, frame: _Frame) -> np.ndarray:
        """whoosh's MultiTerm matcher, segment by segment: one expansion in a segment is scored as a plain
        term (without the prefix's boost), several as an OR of them with it. Unboosted (the relatives),
        that is the sum of every expansion's scores."""
        scores = np.zeros(frame.size)
        if q.boost == 1.0:
            for text in self.sets.expand(q.fieldname, q.text):
                if text:
                    ids, values = self._term(q.fieldname, text, frame)
                    scores[ids] += values
            return scores
        for leaf, offset in self.leaves:
            texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in leaf.expand_prefix(q.fieldname, q.text)]
            texts = [t for t in texts if t]
            part = np.zeros(frame.size)
            for text in texts:
                ids, values = self._term(q.fieldname, text)
                inside = (ids >= offset) & (ids < offset + leaf.doc_count_all())
                local, kept = frame.kept(ids[inside])
                part[local] += values[inside] if kept is None else values[inside][kept]
            if len(texts) > 1:
                part *= q.boost
            scores += part
        return scores

    def _term_array(self, fieldname: str, text: str, boost: float, frame: _Frame) -> np.ndarray:
        scores = np.zeros(frame.size)
        ids, values = self._term(fieldname, text, frame)
        scores[ids] = values * boost if boost != 1.0 else values
        return scores

    # -- one term -------------------------------------------------------------------------------

    def _term(self, fieldname: str, text: str, frame: _Frame | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, BM25F scores) of a term's postings in every segment (the postings are cached
        by ``DocSets``; the arithmetic over them is cheap); within ``frame`` if given, numbered as its
        entries."""
        schema = self.searcher.schema
        if fieldname not in schema:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        if not schema[fieldname].scorable:
            raise Unsupported(f"unscored field {fieldname}")
        if frame is None or frame.among is None:
            return self._read_term(fieldname, text)
        local, kept = frame.kept(self.sets.read(fieldname, text)[0])
        # the scores of the frame's postings only: the statistics (idf) are the whole term's
        return local, self._read_term(fieldname, text, kept)[1]

    def _read_term(self, fieldname: str, text: str,
                   kept: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(document numbers, scores) of the term's postings, or of those ``kept`` (a mask over them)."""
        try:
            btext = self.searcher.schema[fieldname].to_bytes(text)
        except ValueError:
            return np.zeros(0, dtype=np.int32), np.zeros(0)
        ids, weights = self.sets.read(fieldname, text)
        total = ids.size
        if kept is not None:
            ids, weights = ids[kept], weights[kept]
        if not ids.size:
            return ids, np.zeros(0)
        tf = weights.astype(np.float64)  # whoosh's weights are float32, its arithmetic is in doubles
        w = self.weighting
        B = w._field_B.get(fieldname, w.B)
        K1 = w.K1
        # whoosh's WeightingModel.idf counts the term's postings in every segment, deleted documents' too:
        # the ones just read (whoosh would look them up again in every segment's term table)
        idf = log(self.size / (total + 1)) + 1 if self._plain_idf else self.searcher.idf(fieldname, btext)
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        fl = self._field_lengths(fieldname)[ids]
        # scoring.bm25, operation for operation (the same IEEE doubles as whoosh's floats)
        return ids, idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))

    def _field_lengths(self, fieldname: str) -> np.ndarray:
        """Every document's length of a field, as whoosh decodes it for scoring."""
        with self._lock:
            cached = self._lengths.get(fieldname)
        if cached is not None:
            return cached
        codes = np.zeros(self.size, dtype=np.uint8)
        for leaf, offset in self.leaves:
            perdoc = getattr(leaf, "_perdoc", None)
            if not isinstance(perdoc, whoosh3.W3PerDocReader):
                raise Unsupported("segment without whoosh3 per-document columns")
            column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            if column is None:
                continue
            count = min(column._count, leaf.doc_count_all())
            if count:
                raw = column._dbfile.get(column._basepos, count)
                codes[offset : offset + count] = np.frombuffer(raw, dtype=np.uint8)
        lengths = _LENGTHS[codes]
        with self._lock:
            self._lengths[fieldname] = lengths
        return lengths


def top(scores: np.ndarray, docs: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """(document number, score) of the best ``limit`` of ``docs``: highest score first, then the lower
    document number, as whoosh's top-N collector orders them."""
    numbers = np.flatnonzero(docs)
    return best_of(numbers, scores[numbers], limit)


def best_of(numbers: np.ndarray, values: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """``top`` of documents ``numbers`` (ascending) scored ``values``."""
    if numbers.size > limit:
        kth = np.partition(values, numbers.size - limit)[numbers.size - limit]
        keep = values >= kth
        numbers, values = numbers[keep], values[keep]
    order = np.lexsort((numbers, -values))[:limit]
    return list(zip(numbers[order].tolist(), values[order].tolist(), strict=True))
