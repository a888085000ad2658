"""whoosh's W3 codec with posting blocks that read several times faster.

whoosh pickles each block of 128 postings as a tuple of document numbers, a tuple of weights and a
tuple of per-posting values (the positions of a word, as bytes). Unpickling builds a Python object per
posting for each of the three: at 100,000 practices a frequent word's postings took 40–95 ms to read,
most of a search's time. ``KbCodec`` writes the same data as two arrays and one bytes object with an
array of lengths (``PostingValues``), pickled with protocol 5 (``BLOCK_PICKLE_PROTOCOL``), where arrays
and bytes are raw bytes; unpickling those is a few C calls. Measured on the 199 blocks of one frequent
body term: 39.4 ms → 10.7 ms, and the block data half as big (still protocol 2, whose arrays are lists
of numbers: a full block took 203 us to unpickle, with protocol 5 5 us).

Readers are whoosh's own: ``W3LeafMatcher`` takes arrays where it took tuples, and indexes the values
with ``[i]``, which ``PostingValues`` answers. Segments written by the plain W3 codec stay readable, so
an index may mix both until its next rebuild or merge. whoosh deflates a block with zlib; this codec
compresses it with LZ4 (``block_format``; the block's header says which, ``KbLeafMatcher`` reads both):
the positions a phrase reads are decompressed seven times faster.

A search needs a term's documents and weights far more often than its positions, and whoosh's blocks hold
all three, compressed together: reading a frequent word meant decompressing its positions too, a block
of 128 postings at a time. So every segment this codec writes also has a postings arrays file (``.arr``,
``SegmentArrays``): for each term with at least ARRAYS_MIN postings, its document numbers (int32) and
weights (float32), contiguous, found by the term's offset in the postings file. Reading them is one
``pread``. whoosh deletes the file with its segment (its name is the segment's, like the others).

Each document's stored fields (what a search page shows of a hit and highlights) are one pickled dict.
whoosh deflates it with zlib: inflating took half of reading one (26 of 52 us at 100,000 practices, twenty
hits a page). Segments this codec writes compress it with LZ4 instead (``StoredFields``): 3 us to
decompress, the column a quarter bigger. The format is the codec object's ``stored_format``: an older
segment's pickled codec has none, so it is read the way it was written.

The codec object is pickled into each segment of the index: this module's import path must not change.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import threading
import zlib
from array import array
from copy import copy
from itertools import accumulate

import lz4.block
import numpy as np
from whoosh import columns
from whoosh.codec import whoosh3
from whoosh.compat import dumps
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util.numeric import length_to_byte

# Blocks whose pickle is smaller than this are not compressed (zlib made them bigger).
COMPRESS_MIN = 128
# How a block's pickle is compressed. whoosh deflates it with zlib and writes the level in the block's header.
# Segments this codec writes since ``block_format`` came use LZ4 (its block format, the size in front) and
# write LZ4_BLOCK there instead: a phrase decompresses the position blocks of its words with candidates, about
# 200 blocks at 100,000 practices, 1.95 ms with zlib, 0.28 ms with LZ4 (the same blocks, recompressed), for
# blocks half as big again. The header says which, so segments of either format are read alike.
BLOCKS_ZLIB, BLOCKS_LZ4 = 1, 2
LZ4_BLOCK = -1

_TERM_INFO = whoosh3.W3TermInfo._struct
# The postings arrays file of a segment: terms with fewer postings are read from their block (one; a term
# of one posting is inlined in the term table). 4, not 256: the key terms of "similar practices" and rare
# query words have a few to tens of postings, and whoosh's matcher costs more to set up than their arrays
# to read (at 100,000 practices: 266,000 terms of a 50,000-document segment, a 5.3 MB table in memory,
# 99% of the postings).
ARRAYS_EXT = ".arr"
ARRAYS_MIN = 4
_ARRAYS_MAGIC = b"KBA1"
_ARRAYS_FOOTER = struct.Struct("<qq4s")  # how many terms, where their table starts, the magic again


def decompress_block(data, compression: int) -> bytes:
    """A block's pickle from its bytes as written, by the ``compression`` of its header (0: as is)."""
    if compression == LZ4_BLOCK:
        return lz4.block.decompress(data)
    return zlib.decompress(data) if compression else data


class KbLeafMatcher(whoosh3.W3LeafMatcher):
    """whoosh's matcher of a term's blocks, reading LZ4 blocks as well as zlib ones."""

    def _read_data(self):
        data = self._postfile.get(self._dataoffset, self._nextoffset - self._dataoffset)
        self._data = pickle.loads(decompress_block(data, self._compression))


class PostingValues:
    """The values of a block's postings: one bytes object and each value's length, sliced on demand."""

    __slots__ = ("_blob", "_lengths", "_offsets")

    def __init__(self, blob: bytes, lengths: array):
        self._blob = blob
        self._lengths = lengths
        self._offsets: list[int] | None = None

    def __reduce__(self):
        return PostingValues, (self._blob, self._lengths)

    @property
    def blob(self) -> bytes:
        """Every value, one after the other."""
        return self._blob

    @property
    def lengths(self) -> array:
        """Each value's length in ``blob`` (an array of uint32)."""
        return self._lengths

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
    """Writes each block's document numbers, weights and values as arrays and one bytes object."""

    def _write_block(self, last=False):
        # whoosh's, with the block encoded by _block_bytes (small blocks left uncompressed)
        if not self._blockcount:
            self._postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        self._postfile.write(_block_bytes(self._mini_ids(), self._mini_weights(), self._mini_values(), self._ids,
                                          self._maxweight, self._minlength, self._maxlength, self._compression, last))
        self._blockcount += 1
        self._new_block()

    def _mini_ids(self):
        ids = self._ids
        if not self._byteids:
            ids = whoosh3.delta_encode(ids)
        ids = list(ids)
        return array("I", ids) if ids and max(ids) < 2**32 else tuple(ids)

    def _mini_weights(self):
        return _mini_weights(self._weights)

    def _mini_values(self):
        fixedsize = self._format.fixed_value_size()
        if fixedsize is None or fixedsize < 0:
            values = self._values
            return PostingValues(emptybytes.join(values), array("I", [len(v) for v in values]))
        return whoosh3.W3PostingsWriter._mini_values(self)


# The pickle protocol of a block's data. whoosh writes protocol 2, where an array is pickled as the list of
# its numbers (a Python int each when read back): unpickling a full block of a body term took 203 us, with
# protocol 5 (arrays and bytes as raw bytes) 5 us. Blocks of either protocol are read alike.
BLOCK_PICKLE_PROTOCOL = 5


def _block_bytes(mini_ids, mini_weights, mini_values, ids, maxweight, minlength, maxlength, compression: int,
                 last: bool) -> bytes:
    """A block as whoosh's W3 writer lays it out: its length (negative for a term's last block), the
    pickled block info, the pickled data (BLOCK_PICKLE_PROTOCOL); a pickle of fewer than COMPRESS_MIN
    bytes is not compressed (whoosh meant to skip small ones: zlib makes them bigger, and reading them
    slower). ``compression``: a zlib level, or LZ4_BLOCK."""
    databytes = dumps((mini_ids, mini_weights, mini_values), BLOCK_PICKLE_PROTOCOL)
    comp = compression if len(databytes) >= COMPRESS_MIN else 0
    if comp == LZ4_BLOCK:
        databytes = lz4.block.compress(databytes)
    elif comp:
        databytes = zlib.compress(databytes, comp)
    infobytes = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    return b"".join((pack_int(-blocklength if last else blocklength), infobytes, databytes))


_NUMPY_GAPS = 64  # from this many postings a term's gaps are worked out by numpy, not whoosh's Python loop


def _term_gaps(docs: array) -> bytes | None:
    """The gaps between a term's increasing document numbers (uint32, the first one as it is) when numpy is
    the faster way to them, else None."""
    if len(docs) < _NUMPY_GAPS:
        return None
    numbers = np.frombuffer(docs, dtype=np.uint32)
    gaps = numbers.copy()
    gaps[1:] -= numbers[:-1]
    return gaps.tobytes()


def _block_gaps(ids: array, term_gaps: bytes | None, begin: int) -> array:
    """whoosh's ``delta_encode`` of a block's document numbers ``ids`` (the term's from ``begin`` on): each
    block starts from its first number as it is."""
    if term_gaps is None:
        return array("I", whoosh3.delta_encode(ids))
    gaps = array("I", term_gaps[4 * begin : 4 * (begin + len(ids))])
    gaps[0] = ids[0]
    return gaps


def _mini_weights(weights):
    # whoosh's: None when every weight is 1.0, the weight when all are the same, else all of them
    count = len(weights)
    if weights.count(1.0) == count:
        return None
    if weights.count(weights[0]) == count:
        return weights[0]
    return array("f", weights)


class KbFieldWriter(whoosh3.W3FieldWriter):
    """whoosh's field writer, with a whole term written at once (``add_term``, for a rebuild), and the
    postings arrays file of the segment (``ArraysWriter``) written beside the postings."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._arrays = ArraysWriter(lambda: self._create_file(ARRAYS_EXT))
        self._term_docs = array("i")
        self._term_weights = array("f")

    # whoosh's own path (incremental writes and merges): a posting at a time

    def start_term(self, btext):
        super().start_term(btext)
        del self._term_docs[:]
        del self._term_weights[:]

    def add(self, docnum, weight, vbytes, length):
        self._postwriter.add_posting(docnum, weight, vbytes, length)
        self._term_docs.append(docnum)
        self._term_weights.append(weight)

    def finish_term(self):
        terminfo = self._postwriter.finish_postings()
        self._tindex.add(pack_ushort(self._fieldid) + self._btext, terminfo.to_bytes())
        if len(self._term_docs) >= ARRAYS_MIN and not terminfo.is_inlined():
            self._arrays.add(terminfo.extent()[0], self._term_docs.tobytes(), self._term_weights.tobytes())

    def close(self):
        self._arrays.close()
        super().close()

    def add_term(self, btext: bytes, docs: array, weights: array, value_lengths: array, values: bytes | bytearray,
                 field_lengths: list[int] | None) -> None:
        """Write a term's postings: what ``start_term``, an ``add`` per posting and ``finish_term`` write,
        in one pass. ``docs`` and ``weights`` are the postings' documents (increasing) and weights,
        ``value_lengths`` each posting's share of ``values`` (0: none), ``field_lengths`` each document's
        length of the field (None: the field keeps no lengths)."""
        postfile = self._postfile.file  # the buffered file under whoosh's StructFile
        fixedsize = self._format.fixed_value_size()
        limit = self._codec._blocklimit
        compression = self._codec.block_compression()
        start = postfile.tell()
        postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
        count = len(docs)
        offset = 0
        total_weight = 0
        term_minlength = None
        term_maxlength = term_maxweight = 0
        term_gaps = _term_gaps(docs)
        for begin in range(0, count, limit):
            end = min(begin + limit, count)
            ids = docs[begin:end]
            block_weights = weights[begin:end]
            total_weight += sum(block_weights)
            maxweight = max(0, max(block_weights))
            if maxweight > term_maxweight:
                term_maxweight = maxweight
            minlength = None
            maxlength = 0
            if field_lengths is not None:
                in_block = list(map(field_lengths.__getitem__, ids))
                maxlength = max(in_block)
                minlength = min(filter(None, in_block), default=None)
                if maxlength > term_maxlength:
                    term_maxlength = maxlength
                if term_minlength is None or (minlength is not None and minlength < term_minlength):
                    term_minlength = minlength
            lengths = value_lengths[begin:end]
            size = sum(lengths)
            if fixedsize is None or fixedsize < 0:
                if lengths.count(0):
                    lengths = array("I", [length for length in lengths if length])
                block_values = PostingValues(bytes(values[offset : offset + size]), lengths)
            elif fixedsize == 0:
                block_values = None
            else:
                block_values = bytes(values[offset : offset + size])
            offset += size
            postfile.write(_block_bytes(_block_gaps(ids, term_gaps, begin), _mini_weights(block_weights),
                                        block_values, ids, maxweight, minlength, maxlength, compression,
                                        end == count))
        terminfo = _TERM_INFO.pack(False, total_weight, count,
                                   0 if term_minlength is None else length_to_byte(term_minlength),
                                   length_to_byte(term_maxlength), term_maxweight, docs[0], docs[-1])
        terminfo += pack_long(start) + pack_int(postfile.tell() - start)
        self._tindex.add(pack_ushort(self._fieldid) + btext, terminfo)
        if count >= ARRAYS_MIN:
            self._arrays.add(start, docs.tobytes(), weights.tobytes())


class StoredFields(columns.VarBytesColumn):
    """Each document's stored fields, a dict pickled (protocol 5) and compressed with LZ4, its high compression
    mode at level STORED_LZ4_LEVEL: faster to write than zlib, as fast to read as the fast mode, 12% smaller."""

    class Writer(columns.VarBytesColumn.Writer):
        def add(self, docnum, v):
            packed = pickle.dumps(v, BLOCK_PICKLE_PROTOCOL)
            super().add(docnum, lz4.block.compress(packed, mode="high_compression", compression=STORED_LZ4_LEVEL))

    class Reader(columns.VarBytesColumn.Reader):
        def __getitem__(self, docnum):
            packed = super().__getitem__(docnum)
            return pickle.loads(lz4.block.decompress(packed)) if packed else None

        def __iter__(self):
            for packed in super().__iter__():
                yield pickle.loads(lz4.block.decompress(packed)) if packed else None


STORED_LZ4_LEVEL = 4
# Stored field formats: whoosh's zlib pickles (segments of older versions), and StoredFields.
STORED_ZLIB, STORED_LZ4 = 1, 2
_STORED_FIELDS = StoredFields()


class KbPerDocWriter(whoosh3.W3PerDocWriter):
    """``W3PerDocWriter`` whose stored fields column is ``StoredFields``."""

    def _create_column(self, fieldname, column):
        super()._create_column(fieldname, _STORED_FIELDS if fieldname == "_stored" else column)


class KbPerDocReader(whoosh3.W3PerDocReader):
    """``W3PerDocReader`` of a segment with ``StoredFields``, its file read with ``os.pread``."""

    def _get_column_file(self, fieldname):
        colfile, offset, length = super()._get_column_file(fieldname)
        if fieldname == "_stored":
            read_positionally(colfile)
        return colfile, offset, length

    def stored_fields(self, docnum):
        stored = self._cached_reader("_stored", _STORED_FIELDS)[docnum]
        return {} if stored is None else stored


class KbCodec(whoosh3.W3Codec):
    """``W3Codec`` whose postings are written by ``KbPostingsWriter`` (read by whoosh's matcher, taught LZ4
    blocks: ``KbLeafMatcher``), and whose stored fields are ``StoredFields`` (in the segments it wrote since
    ``stored_format`` came) and blocks LZ4 (since ``block_format`` came)."""

    stored_format = STORED_ZLIB  # what a codec pickled before the attribute existed wrote
    block_format = BLOCKS_ZLIB

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_format = STORED_LZ4
        self.block_format = BLOCKS_LZ4

    def block_compression(self) -> int:
        """What the blocks this codec writes are compressed with: LZ4_BLOCK, or whoosh's zlib level."""
        return LZ4_BLOCK if self.block_format == BLOCKS_LZ4 else self._compression

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return KbLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_writer(self, storage, segment):
        if self.stored_format == STORED_LZ4:
            return KbPerDocWriter(self, storage, segment)
        return super().per_document_writer(storage, segment)

    def per_document_reader(self, storage, segment):
        if self.stored_format == STORED_LZ4:
            return KbPerDocReader(storage, segment)
        return super().per_document_reader(storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        return KbPostingsWriter(
            dbfile,
            blocklimit=self._blocklimit,
            byteids=byteids,
            compression=self.block_compression(),
            inlinelimit=self._inlinelimit,
        )

    def field_writer(self, storage, segment):
        return KbFieldWriter(self, storage, segment)


class ArraysWriter:
    """Writes a segment's postings arrays file: the magic, then each term's document numbers (int32) and
    weights (float32); then the table, sorted by postings file offset (terms are written in that order):
    the offsets (int64), where each term's arrays start (int64), how many postings (int32); then the
    footer. The file is created with the first term that has enough postings."""

    def __init__(self, create):
        self._create = create
        self._file = None
        self._offsets = array("q")
        self._starts = array("q")
        self._counts = array("i")

    def add(self, postings_offset: int, docs: bytes, weights: bytes) -> None:
        if self._file is None:
            self._file = self._create()
            self._file.write(_ARRAYS_MAGIC)
        if self._offsets and postings_offset <= self._offsets[-1]:
            raise ValueError("terms must come in the order of their postings")
        self._offsets.append(postings_offset)
        self._starts.append(self._file.tell())
        self._counts.append(len(docs) // 4)
        self._file.write(docs)
        self._file.write(weights)

    def close(self) -> None:
        if self._file is None:
            return
        table = self._file.tell()
        for column in (self._offsets, self._starts, self._counts):
            self._file.write(column.tobytes())
        self._file.write(_ARRAYS_FOOTER.pack(len(self._offsets), table, _ARRAYS_MAGIC))
        self._file.close()
        self._file = None


# The tables of the segments of the searchers this process opened last (``SegmentArrays.key`` -> arrays);
# ``keep_tables`` drops those of segments no longer searched.
_TABLES: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_TABLES_LOCK = threading.Lock()


def _identity(fd: int) -> tuple:
    """An open file's identity for the caches of segment files (``_TABLES``, ``_LOOKUPS``)."""
    stat = os.fstat(fd)
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def keep_tables(keys: set[tuple]) -> None:
    """Forget the remembered tables and lookups other than ``keys`` (those of the segments of a searcher
    just opened)."""
    with _TABLES_LOCK:
        for key in [key for key in _TABLES if key not in keys]:
            del _TABLES[key]
        for key in [key for key in _LOOKUPS if key not in keys]:
            del _LOOKUPS[key]


class SegmentArrays:
    """The postings arrays file of one segment: ``find(offset)`` gives a term's (document numbers, weights) as
    read-only arrays, or None for a term the file does not hold.

    The table is read into memory; a term's arrays are read with one ``pread`` when asked for. Not mapped:
    pages of a mapped file count in every worker's resident memory, read or not by that worker, and the
    callers keep what they read in their own bounded caches."""

    def __init__(self, handle):
        self._handle = handle
        size = os.fstat(handle.fileno()).st_size
        # A segment's files never change: the table read for the previous searcher serves the next one
        # (after a commit, the big segments are the same files).
        self.key = _identity(handle.fileno())
        with _TABLES_LOCK:
            known = _TABLES.get(self.key)
        if known is not None:
            self._offsets, self._starts, self._counts = known
            return
        if size < len(_ARRAYS_MAGIC) + _ARRAYS_FOOTER.size or os.pread(handle.fileno(), 4, 0) != _ARRAYS_MAGIC:
            raise ValueError("not a postings arrays file")
        count, table, magic = _ARRAYS_FOOTER.unpack(os.pread(handle.fileno(), _ARRAYS_FOOTER.size,
                                                             size - _ARRAYS_FOOTER.size))
        if magic != _ARRAYS_MAGIC or table + count * 20 + _ARRAYS_FOOTER.size != size:
            raise ValueError("postings arrays file cut short")
        raw = os.pread(handle.fileno(), count * 20, table)
        self._offsets = np.frombuffer(raw, dtype="<i8", count=count)
        self._starts = np.frombuffer(raw, dtype="<i8", count=count, offset=8 * count)
        self._counts = np.frombuffer(raw, dtype="<i4", count=count, offset=16 * count)
        with _TABLES_LOCK:
            _TABLES[self.key] = (self._offsets, self._starts, self._counts)

    @classmethod
    def open(cls, storage, segment) -> SegmentArrays | None:
        """The arrays of a segment in a folder, or None when it has none (written by another codec, or with
        no term frequent enough) or the file cannot be read."""
        if not isinstance(storage, FileStorage):
            return None
        try:
            handle = open(os.path.join(storage.folder, segment.make_filename(ARRAYS_EXT)), "rb", buffering=0)  # noqa: SIM115 - kept open with the reader
        except OSError:
            return None
        try:
            return cls(handle)
        except (OSError, ValueError):
            handle.close()
            return None

    def close(self) -> None:
        self._handle.close()

    def __len__(self) -> int:
        return int(self._counts.size)

    def find(self, postings_offset: int) -> tuple[np.ndarray, np.ndarray] | None:
        i = int(np.searchsorted(self._offsets, postings_offset))
        if i == self._offsets.size or self._offsets[i] != postings_offset:
            return None
        start, count = int(self._starts[i]), int(self._counts[i])
        raw = os.pread(self._handle.fileno(), 8 * count, start)
        if len(raw) != 8 * count:
            raise OSError(f"postings arrays file cut short at {start}")
        return np.frombuffer(raw, dtype="<i4", count=count), np.frombuffer(raw, dtype="<f4", offset=4 * count)


_close_segment_reader = SegmentReader.close


def _close_with_arrays(self) -> None:
    """``SegmentReader.close``, closing the segment's postings arrays file too (if opened)."""
    arrays = self.__dict__.get("_kb_arrays")
    self._kb_arrays = None
    if arrays is not None:
        arrays.close()
    _close_segment_reader(self)


SegmentReader.close = _close_with_arrays


def segment_arrays(leaf) -> SegmentArrays | None:
    """The postings arrays of a segment reader, opened on first use and kept with the reader."""
    try:
        return leaf._kb_arrays
    except AttributeError:
        pass
    segment, storage = getattr(leaf, "_segment", None), getattr(leaf, "_storage", None)
    arrays = SegmentArrays.open(storage, segment) if segment is not None else None
    leaf._kb_arrays = arrays
    return arrays


def term_arrays(leaf, fieldname: str, text: str | bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(document numbers, weights) of a term in a segment from its postings arrays file, or None when the
    file does not hold the term (raises TermNotFound when the segment does not have it)."""
    arrays = segment_arrays(leaf)
    if arrays is None:
        return None
    return info_arrays(leaf, leaf.term_info(fieldname, text))


def info_arrays(leaf, info) -> tuple[np.ndarray, np.ndarray] | None:
    """``term_arrays`` for a term whose TermInfo the caller has read already (one term look-up less)."""
    if info.is_inlined():
        return None
    arrays = segment_arrays(leaf)
    return arrays.find(info.extent()[0]) if arrays is not None else None


class _PositionalRead:
    """``StructFile.get`` as one ``os.pread``: whoosh's ``get`` is a seek plus a read through a buffered
    file, which fills its 8 KB buffer on every random read; a term look-up or a binary search in the
    terms file is a dozen such reads. The file is still the StructFile's: a closed one raises ValueError."""

    __slots__ = ("_file",)

    def __init__(self, file):
        self._file = file

    def __call__(self, position: int, length: int) -> bytes:
        return os.pread(self._file.fileno(), length, position)


def read_positionally(structfile) -> None:
    """Make a whoosh StructFile over a real file answer ``get`` (and the ``get_int``… built on it) with
    ``os.pread``; other files (in memory, compound) are left as they are."""
    raw = getattr(structfile, "file", None)
    if structfile is None or getattr(structfile, "is_closed", True) or not isinstance(raw, io.BufferedReader):
        return
    structfile.get = _PositionalRead(raw)


_INDEX_DTYPES = {"B": "u1", "H": ">u2", "i": ">i4", "I": ">u4", "q": ">i8"}  # whoosh writes them big-endian
_KEY_READ = 72  # bytes read at a key's position: its two lengths and, mostly, the whole key
_TOP_LEVELS = 12  # levels of the binary search whose keys are remembered: at most 4,095 keys


class _ClosestKey:
    """``OrderedHashReader.closest_key_pos`` of a terms file: the binary search over its sorted keys, with
    the array of their positions read in one go and the keys of the search's upper levels remembered
    (every search passes through them). whoosh reads a position and a key (three reads) at each of the
    ~19 steps; a term's relatives (``expand_prefix``) and spelling suggestions (``terms_within``, which
    looks up thousands of keys for one word) cost that many lookups.

    Also the file's ``ranges_for_key`` (``ranges``), through which whoosh finds a term (its info, whether
    it is there, its frequency): a small terms file (a segment of a few documents, as each commit of the
    index writer adds) is held as a dict of its keys, read once; a larger one is looked up in its hash
    table with one read for several slots and one for the key where whoosh reads each slot, the key's
    lengths and the key. Every term of a search is looked up in every segment: a practice page's
    "similar practices" looked up 931 at 100,000 practices, 664 of them in five one-document segments."""

    def __init__(self, tindex):
        self._file = tindex.dbfile.file
        count = tindex.indexlen
        raw = os.pread(self._file.fileno(), count * tindex.indexsize, tindex.indexbase)
        if len(raw) != count * tindex.indexsize:
            raise OSError("terms file cut short")
        self._positions = np.frombuffer(raw, dtype=_INDEX_DTYPES[tindex.extras["indextype"]])
        self._count = count
        self._end = tindex.endofdata
        self._top: dict[int, bytes] = {}
        self._hash = tindex.hashfn
        self._tables = list(tindex.tables)
        self._small: dict[bytes, tuple[int, int]] | None = None
        start = tindex.startofdata
        if self._end - start <= SMALL_TERMS_BYTES:
            data = os.pread(self._file.fileno(), self._end - start, start)
            if len(data) != self._end - start:
                raise OSError("terms file cut short")
            small, unpack = {}, _KEY_LENGTHS.unpack_from
            for position in self._positions.tolist():
                at = position - start
                keylen, datalen = unpack(data, at)
                small[data[at + 8 : at + 8 + keylen]] = (position + 8 + keylen, datalen)
            self._small = small

    def ranges(self, key: bytes) -> list[tuple[int, int]]:
        """What ``HashReader.ranges_for_key`` yields: (position, length) of the key's value, if it is there."""
        if not isinstance(key, bytes):
            raise TypeError(f"Key {key!r} should be bytes")
        if self._small is not None:
            found = self._small.get(key)
            return [found] if found is not None else []
        keyhash = self._hash(key)
        tablestart, numslots = self._tables[keyhash & 255]
        if not numslots:
            return []
        fd = self._file.fileno()
        size = _SLOT.size
        slot = (keyhash >> 8) % numslots
        found = []
        left = numslots  # whoosh looks at every slot of the table at most once
        while left:
            count = min(left, numslots - slot, _SLOTS_READ)  # up to the table's end, then from its start
            window = os.pread(fd, count * size, tablestart + slot * size)
            if len(window) != count * size:
                raise OSError("terms file cut short")
            for slothash, itempos in _SLOT.iter_unpack(window):
                if not itempos:
                    return found
                if slothash == keyhash:
                    head = os.pread(fd, _KEY_READ, itempos)
                    keylen, datalen = _KEY_LENGTHS.unpack_from(head)
                    if keylen == len(key):
                        stored = head[8 : 8 + keylen] if 8 + keylen <= len(head) else os.pread(fd, keylen, itempos + 8)
                        if stored == key:
                            found.append((itempos + 8 + keylen, datalen))
            left -= count
            slot = (slot + count) % numslots
        return found

    def _key_at(self, position: int) -> bytes:
        fd = self._file.fileno()
        head = os.pread(fd, _KEY_READ, position)
        keylen = _KEY_LENGTHS.unpack_from(head)[0]
        if 8 + keylen <= len(head):
            return head[8 : 8 + keylen]
        return os.pread(fd, keylen, position + 8)

    def __call__(self, key: bytes) -> int | None:
        if not isinstance(key, bytes):
            raise TypeError(f"Key {key!r} should be bytes")
        lo = self.index(key)
        return None if lo == self._count else int(self._positions[lo])

    def keys_from(self, start: bytes, end: bytes | None) -> list[bytes]:
        """The keys from ``start`` up to ``end`` (excluded; None: to the last), read in one go: a key range's
        records lie one after the other in the file."""
        lo = self.index(start)
        hi = self._count if end is None else self.index(end)
        if lo >= hi:
            return []
        first = int(self._positions[lo])
        last = self._end if hi == self._count else int(self._positions[hi])
        data = os.pread(self._file.fileno(), last - first, first)
        if len(data) != last - first:
            raise OSError("terms file cut short")
        keys, at, unpack = [], 0, _KEY_LENGTHS.unpack_from
        for _ in range(hi - lo):
            keylen, datalen = unpack(data, at)
            keys.append(data[at + 8 : at + 8 + keylen])
            at += 8 + keylen + datalen
        return keys

    def index(self, key: bytes) -> int:
        """The number of the first key not below ``key`` (the count of keys if none)."""
        positions, top = self._positions, self._top
        lo, hi, depth = 0, self._count, 0
        while lo < hi:
            mid = (lo + hi) // 2
            midkey = top.get(mid) if depth < _TOP_LEVELS else None
            if midkey is None:
                midkey = self._key_at(int(positions[mid]))
                if depth < _TOP_LEVELS:
                    top[mid] = midkey
            if midkey < key:
                lo = mid + 1
            else:
                hi = mid
            depth += 1
        return lo


def prefix_terms(leaf, fieldname: str, prefix: bytes) -> list[bytes]:
    """The terms of a field in one segment that start with ``prefix``, in order: ``expand_prefix`` with one
    read for all of them where the terms file has its lookup (``pread_segment_files``)."""
    terms = getattr(leaf, "_terms", None)
    lookup = getattr(getattr(terms, "_tindex", None), "closest_key_pos", None)
    if not isinstance(lookup, _ClosestKey) or fieldname not in terms._fieldmap:
        if fieldname not in leaf.schema:
            return []
        return list(leaf.expand_prefix(fieldname, prefix))
    start = terms._keycoder(fieldname, prefix)
    return [key[2:] for key in lookup.keys_from(start, _successor(start))]


def _successor(key: bytes) -> bytes | None:
    """The smallest byte string above every string starting with ``key`` (None: there is none)."""
    stripped = key.rstrip(b"\xff")
    return stripped[:-1] + bytes([stripped[-1] + 1]) if stripped else None


_KEY_LENGTHS = struct.Struct("!ii")  # a record of whoosh's hash file: key length, value length, key, value
_SLOT = struct.Struct("!Iq")  # a slot of its hash tables: the key's hash, where its record is (0: empty)
_SLOTS_READ = 8  # slots read at once (whoosh finds most keys at the first or second)
SMALL_TERMS_BYTES = 256 * 1024  # a terms file whose records take no more bytes is looked up in a dict
# The lookups of the segments of the searchers this process opened last, by the terms file's identity.
_LOOKUPS: dict[tuple, _ClosestKey] = {}


def pread_segment_files(leaf) -> tuple | None:
    """The terms and postings files of a segment reader read with ``os.pread`` (``read_positionally``), and
    the terms file's ordered lookups done by ``_ClosestKey``. Returns the terms file's identity (for
    ``keep_tables``), or None."""
    terms = getattr(leaf, "_terms", None)
    if not isinstance(terms, whoosh3.W3TermsReader):
        return None
    read_positionally(terms._dbfile)
    read_positionally(terms._postfile)
    tindex = terms._tindex
    raw = getattr(tindex.dbfile, "file", None)
    if not isinstance(raw, io.BufferedReader) or tindex.extras.get("indextype") not in _INDEX_DTYPES:
        return None
    key = _identity(raw.fileno())
    with _TABLES_LOCK:
        lookup = _LOOKUPS.get(key)
    if lookup is None:
        try:
            lookup = _ClosestKey(tindex)
        except OSError:
            return None
        with _TABLES_LOCK:
            _LOOKUPS[key] = lookup
    # the remembered lookup reads through this reader's own open file (the file is the same)
    mine = copy(lookup)
    mine._file = raw
    tindex.closest_key_pos = mine
    tindex.ranges_for_key = mine.ranges
    return key
