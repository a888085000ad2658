"""whoosh's W3 codec with posting blocks that read several times faster.

whoosh pickles each block of 128 postings as a tuple of document numbers, a tuple of weights and a
tuple of per-posting values (the positions of a word, as bytes). Unpickling builds a Python object per
posting for each of the three: at 100,000 practices a frequent word's postings took 40–95 ms to read,
most of a search's time. ``KbCodec`` writes the same data as two arrays and one bytes object with an
array of lengths (``PostingValues``); unpickling those is a few C calls. Measured on the 199 blocks of
one frequent body term: 39.4 ms → 10.7 ms, and the block data half as big.

Readers are whoosh's own: ``W3LeafMatcher`` takes arrays where it took tuples, and indexes the values
with ``[i]``, which ``PostingValues`` answers. Segments written by the plain W3 codec stay readable, so
an index may mix both until its next rebuild or merge.

The codec object is pickled into each segment of the index: this module's import path must not change.
"""

from __future__ import annotations

from array import array
from itertools import accumulate

from whoosh.codec import whoosh3
from whoosh.system import emptybytes


class PostingValues:
    """The values of a block's postings: one bytes object and each value's length, sliced on demand."""

    __slots__ = ("_blob", "_lengths", "_offsets")

    def __init__(self, blob: bytes, lengths: array):
        self._blob = blob
        self._lengths = lengths
        self._offsets: list[int] | None = None

    def __reduce__(self):
        return PostingValues, (self._blob, self._lengths)

    def __len__(self) -> int:
        return len(self._lengths)

    def __getitem__(self, i: int) -> bytes:
        if self._offsets is None:
            self._offsets = [0, *accumulate(self._lengths)]
        if i < 0:
            i += len(self._lengths)
        return self._blob[self._offsets[i] : self._offsets[i + 1]]

    def __iter__(self):
        start = 0
        for length in self._lengths:
            yield self._blob[start : start + length]
            start += length

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PostingValues) and list(self) == list(other)


class KbPostingsWriter(whoosh3.W3PostingsWriter):
    """Writes each block's document numbers, weights and values as arrays and one bytes object; a whole
    term's postings at once with ``write_postings`` (a rebuild, see ``indexer.bulk``)."""

    _packed: tuple[bytes, array] | None = None

    def _new_block(self):
        whoosh3.W3PostingsWriter._new_block(self)
        self._packed = None

    def write_postings(self, docs: array, weights: array, value_lengths: array, values: bytes | bytearray,
                       field_lengths: list[int] | None) -> None:
        """The postings of the current term, as ``add_posting`` would have written them one by one:
        ``value_lengths`` gives each posting's share of ``values`` (0: no value), ``field_lengths`` each
        document's length of the field (None: the field keeps none). The last block is left buffered
        for ``finish_postings``."""
        limit = self._blocklimit
        count = len(docs)
        offset = 0
        for start in range(0, count, limit):
            if start:
                self._write_block()
            end = min(start + limit, count)
            ids = self._ids = docs[start:end]
            block_weights = self._weights = weights[start:end]
            self._maxweight = max(0, max(block_weights))
            lengths = value_lengths[start:end]
            size = sum(lengths)
            if lengths.count(0):
                lengths = array("I", [length for length in lengths if length])
            self._packed = (bytes(values[offset : offset + size]), lengths)
            offset += size
            if field_lengths is not None:
                in_block = [field_lengths[docnum] for docnum in ids]
                self._maxlength = max(in_block)
                self._minlength = min((length for length in in_block if length), default=None)

    def _mini_ids(self):
        ids = self._ids
        if not self._byteids:
            ids = whoosh3.delta_encode(ids)
        ids = list(ids)
        return array("I", ids) if ids and max(ids) < 2**32 else tuple(ids)

    def _mini_weights(self):
        # whoosh's: None when every weight is 1.0, the weight when all are the same, else all of them
        weights = self._weights
        count = len(weights)
        if weights.count(1.0) == count:
            return None
        if weights.count(weights[0]) == count:
            return weights[0]
        return array("f", weights)

    def _mini_values(self):
        fixedsize = self._format.fixed_value_size()
        packed = self._packed
        if fixedsize is None or fixedsize < 0:
            if packed is not None:
                return PostingValues(*packed)
            values = self._values
            return PostingValues(emptybytes.join(values), array("I", [len(v) for v in values]))
        if packed is not None:
            return None if fixedsize == 0 else packed[0]
        return whoosh3.W3PostingsWriter._mini_values(self)


class KbFieldWriter(whoosh3.W3FieldWriter):
    """whoosh's field writer, with a whole term written at once (``add_term``)."""

    def add_term(self, btext: bytes, docs: array, weights: array, value_lengths: array, values: bytes | bytearray,
                 field_lengths: list[int] | None) -> None:
        self.start_term(btext)
        self._postwriter.write_postings(docs, weights, value_lengths, values, field_lengths)
        self.finish_term()


class KbCodec(whoosh3.W3Codec):
    """``W3Codec`` whose postings are written by ``KbPostingsWriter`` (read by whoosh's own reader)."""

    def postings_writer(self, dbfile, byteids=False):
        return KbPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self._compression,
            inlinelimit=self._inlinelimit,
        )

    def field_writer(self, storage, segment):
        return KbFieldWriter(self, storage, segment)
