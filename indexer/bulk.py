"""Writing a whole index at once (a rebuild): postings grouped by term in memory, each term's postings
written block by block, the documents analysed by several processes.

whoosh's ``SegmentWriter`` hands every posting, as a tuple (field, term, document, weight, value), to an
external sorting pool: past its memory limit the pool sorts the tuples and marshals them into a run file,
and the commit merges the runs back one tuple at a time, then writes the postings one call at a time and
reads each document's field length from disk for each of them. Profiled on a rebuild of 5,000 practices
(one process), that took three quarters of the time: 89 s sorting, spilling and merging, 54 s writing,
against 35 s analysing the texts.

Here nothing is sorted but the terms: a segment's documents are added in increasing number, so each
term's postings arrive in order, and ``TermPool`` appends them to the term's arrays. At the commit,
``KbFieldWriter.add_term`` writes each term's blocks from slices of those arrays. The bytes written are
those of whoosh's own writer with ``KbCodec`` (a test compares the files of both).

``write_index`` runs the writers: in this process, or in ``procs`` forked processes that take batches of
documents from a queue and write one segment each (whoosh's ``MpWriter`` did the same with its own
writer; it also dropped a segment whose result came late, and its cancel could not stop its processes).
The writer processes die with the process that forked them, and that one stops them on SIGTERM (while they run,
SIGTERM raises SystemExit in it), Ctrl+C or any error: a rebuild that was stopped leaves none behind.
"""

from __future__ import annotations

import ctypes
import heapq
import mmap
import multiprocessing
import os
import queue
import signal
import sys
import tempfile
import threading
import traceback
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, repeat
from operator import itemgetter
from typing import Any, TypeVar

import numpy as np
from whoosh.codec.whoosh3 import _lenfield
from whoosh.fields import FieldType
from whoosh.writing import SegmentWriter

from indexer.codec import KbCodec

_T = TypeVar("_T")
# What a term costs besides its postings (its entries in a list and a dict), and what each posting costs
# besides its value (its term number, document number, weight and value length): for the memory limit.
_TERM_BYTES = 150
_POSTING_BYTES = 16
_GATHER = 1 << 19  # postings whose values are gathered in one numpy call when written
_WAIT_SECONDS = 1.0  # how often the process handing out documents looks whether its workers still run
_STOP_SECONDS = 10.0  # how long a stopped rebuild waits for a writer process to end before it kills it
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


class BulkWriteError(RuntimeError):
    """A process writing part of the index failed (its error and traceback are the message)."""


class _Column:
    """One field's postings in the order they came (by document): each posting's term number, document,
    weight and value length, and the values end to end."""

    __slots__ = ("terms", "number_of", "numbers", "docs", "weights", "lengths", "values", "last_doc")

    def __init__(self) -> None:
        self.terms: list[str | bytes] = []  # term number -> term
        self.number_of: dict[str | bytes, int] = {}
        self.numbers = array("I")  # each posting's term number
        self.docs = array("I")
        self.weights = array("f")
        self.lengths = array("I")
        self.values = bytearray()
        self.last_doc = -1

    def _sorting(self) -> tuple[list[int], np.ndarray, np.ndarray]:
        """(term numbers in term order, the postings' order sorted by term, each term's end in that order)."""
        terms = self.terms
        order_of_terms = sorted(range(len(terms)), key=terms.__getitem__)  # text sorts as its UTF-8 does
        rank = np.empty(len(terms), dtype=np.uint32)
        rank[order_of_terms] = np.arange(len(terms), dtype=np.uint32)
        keys = rank[np.frombuffer(self.numbers, dtype=np.uint32)]
        order = np.argsort(keys, kind="stable")  # each term's postings stay in document order
        ends = np.cumsum(np.bincount(keys, minlength=len(terms)))
        return order_of_terms, order, ends

    def _encoded(self, numbers: list[int]) -> list[bytes]:
        terms = self.terms
        return [term.encode("utf-8") if isinstance(term, str) else term for term in map(terms.__getitem__, numbers)]

    def sorted_terms(self) -> Iterator[tuple[bytes, array, array, array, bytes]]:
        """(term bytes, documents, weights, value lengths, values) for each term in order."""
        order_of_terms, order, ends = self._sorting()
        ends = ends.tolist()
        docs = np.frombuffer(self.docs, dtype=np.uint32)[order].tobytes()
        weights = np.frombuffer(self.weights, dtype=np.float32)[order].tobytes()
        lengths = np.frombuffer(self.lengths, dtype=np.uint32)
        starts = np.cumsum(lengths, dtype=np.int64) - lengths
        lengths = lengths[order]
        blob = np.frombuffer(self.values, dtype=np.uint8)
        begin = chunk_begin = chunk_end = 0
        chunk = b""
        offsets: list[int] = []
        for tbytes, end in zip(self._encoded(order_of_terms), ends, strict=True):
            if end > chunk_end:
                # the values of this term and the next ones, about _GATHER postings at a time
                chunk_begin = begin
                chunk_end = max(end, ends[bisect_right(ends, begin + _GATHER) - 1])
                chunk, offsets = _gather(blob, starts, lengths, order, chunk_begin, chunk_end)
            yield (tbytes, array("I", docs[4 * begin : 4 * end]), array("f", weights[4 * begin : 4 * end]),
                   array("I", lengths[begin:end].tobytes()),
                   chunk[offsets[begin - chunk_begin] : offsets[end - chunk_begin]])
            begin = end

    def write_sorted(self, file) -> _SortedColumn:
        """Write the postings to ``file`` sorted by term, as whole arrays: documents, weights, value lengths,
        values; returns where each part is, the terms in order and where each term's postings end."""
        order_of_terms, order, ends = self._sorting()
        lengths = np.frombuffer(self.lengths, dtype=np.uint32)
        starts = np.cumsum(lengths, dtype=np.int64) - lengths
        sorted_lengths = lengths[order]
        value_ends = np.cumsum(sorted_lengths, dtype=np.int64)[ends - 1] if len(ends) else ends
        places = []
        for source, dtype in ((self.docs, np.uint32), (self.weights, np.float32)):
            places.append(file.tell())
            file.write(np.frombuffer(source, dtype=dtype)[order])  # the array's own buffer: no bytes copy
        places.append(file.tell())
        file.write(sorted_lengths)
        places.append(file.tell())
        blob = np.frombuffer(self.values, dtype=np.uint8)
        for begin in range(0, len(order), _GATHER):
            file.write(_gather(blob, starts, sorted_lengths, order, begin, min(begin + _GATHER, len(order)))[0])
        return _SortedColumn(self._encoded(order_of_terms), ends, value_ends, *places)


class _SortedColumn:
    """A field's postings spilled by ``_Column.write_sorted``: its terms in order, where each term's postings
    and values end, and where the arrays start in the run file."""

    __slots__ = ("terms", "ends", "value_ends", "docs", "weights", "lengths", "values")

    def __init__(self, terms: list[bytes], ends: np.ndarray, value_ends: np.ndarray, docs: int, weights: int,
                 lengths: int, values: int):
        self.terms, self.ends, self.value_ends = terms, ends, value_ends
        self.docs, self.weights, self.lengths, self.values = docs, weights, lengths, values

    def read(self, data) -> Iterator[tuple[bytes, array, array, array, bytes]]:
        """(term bytes, documents, weights, value lengths, values) for each term in order, from ``data`` (the
        run file, mapped)."""
        begin = value_begin = 0
        docs, weights, lengths, values = self.docs, self.weights, self.lengths, self.values
        for tbytes, end, value_end in zip(self.terms, self.ends.tolist(), self.value_ends.tolist(), strict=True):
            yield (tbytes, array("I", data[docs + 4 * begin : docs + 4 * end]),
                   array("f", data[weights + 4 * begin : weights + 4 * end]),
                   array("I", data[lengths + 4 * begin : lengths + 4 * end]),
                   data[values + value_begin : values + value_end])
            begin, value_begin = end, value_end


class _Run:
    """Postings spilled to an anonymous temporary file, each field's sorted by term (``_SortedColumn``),
    read back through a memory map: writing and reading them costs a few calls per field, not per term."""

    def __init__(self, folder: str):
        # closed by close(), after the merge has read it
        self.file = tempfile.TemporaryFile(dir=folder, prefix="postings-", suffix=".run")  # noqa: SIM115
        self.columns: dict[str, _SortedColumn] = {}
        self._map: mmap.mmap | None = None

    def add(self, fieldname: str, column: _Column) -> None:
        self.columns[fieldname] = column.write_sorted(self.file)

    def terms(self, fieldname: str) -> Iterator[tuple[bytes, array, array, array, bytes]]:
        if self._map is None:
            self.file.flush()
            self._map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ) if self.file.tell() else b""
        return self.columns[fieldname].read(self._map)

    def close(self) -> None:
        if isinstance(self._map, mmap.mmap):
            self._map.close()
        self._map = None
        self.file.close()


def _gather(blob: np.ndarray, starts: np.ndarray, lengths: np.ndarray, order: np.ndarray, begin: int, end: int
            ) -> tuple[bytes, list[int]]:
    """The values of the sorted postings begin..end end to end, and where each starts (one more: the end)."""
    chunk_lengths = lengths[begin:end].astype(np.int64)
    offsets = np.zeros(len(chunk_lengths) + 1, dtype=np.int64)
    np.cumsum(chunk_lengths, out=offsets[1:])
    total = int(offsets[-1])
    if not total:
        return b"", offsets.tolist()
    source = starts[order[begin:end]]
    index = np.repeat(source - offsets[:-1], chunk_lengths) + np.arange(total, dtype=np.int64)
    return blob[index].tobytes(), offsets.tolist()


class TermPool:
    """The postings of the segment being written, a column of them per field (``_Column``), sorted by
    term with numpy when written: per posting, adding costs a few appends of whole lists, not Python
    statements.

    A term is the text of a word (encoded once, when written) or, for fields with their own ``index``
    (dates, numbers), its bytes. Past ``limit`` bytes the postings are written to a run file in term
    order (an anonymous temporary file in ``folder``); the end merges the runs term by term, joining a
    term's arrays.
    """

    def __init__(self, folder: str, limit: float):
        self._folder = folder
        self._limit = limit
        self._columns: dict[str, _Column] = {}
        self._size = 0
        self._runs: list[_Run] = []

    @property
    def fieldnames(self) -> set[str]:
        return set(self._columns)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting (whoosh's pool interface): (field, term bytes, document, weight, value)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        self.add_terms(fieldname, docnum, [(tbytes, 1, weight, vbytes)], 1.0)

    def add_terms(self, fieldname: str, docnum: int, items: Iterable[tuple[str | bytes, int, float, bytes | None]],
                  boost: float) -> int:
        """The postings of one document's field, as (term, frequency, weight, value) with each term once;
        returns the sum of the frequencies (the field's length)."""
        items = list(items)
        if not items:
            return 0
        column = self._columns.get(fieldname)
        if column is None:
            column = self._columns[fieldname] = _Column()
        if docnum < column.last_doc:
            raise ValueError(f"postings of {fieldname} out of document order ({docnum} after {column.last_doc})")
        column.last_doc = docnum
        terms, freqs, weights, values = zip(*items, strict=True)
        numbers = list(map(column.number_of.get, terms))
        if None in numbers:
            size = 0
            for i, number in enumerate(numbers):
                if number is None:
                    term = terms[i]
                    numbers[i] = column.number_of[term] = len(column.terms)
                    column.terms.append(term)
                    size += _TERM_BYTES + len(term)
            self._size += size
        column.numbers.extend(numbers)
        column.docs.extend(repeat(docnum, len(numbers)))
        column.weights.extend(weights if boost == 1.0 else [weight * boost for weight in weights])
        if None in values:
            values = [value or b"" for value in values]
        column.lengths.extend(map(len, values))
        joined = b"".join(values)
        column.values += joined
        self._size += _POSTING_BYTES * len(numbers) + len(joined)
        if self._size > self._limit:
            self._spill()
        return sum(freqs)

    def _spill(self) -> None:
        run = _Run(self._folder)
        columns, self._columns, self._size = self._columns, {}, 0
        try:
            for fieldname in sorted(columns):
                run.add(fieldname, columns.pop(fieldname))
        except BaseException:
            run.close()
            raise
        self._runs.append(run)

    def terms(self) -> Iterator[tuple[str, bytes, array, array, array, bytes | bytearray]]:
        """(field, term, documents, weights, value lengths, values) in (field, term) order, once each."""
        columns, self._columns, self._size = self._columns, {}, 0
        runs = self._runs
        for fieldname in sorted(set(columns).union(*(run.columns for run in runs))):
            # runs hold earlier documents than later runs and than the memory: heapq.merge keeps that order
            sources = [run.terms(fieldname) for run in runs if fieldname in run.columns]
            if fieldname in columns:
                sources.append(columns.pop(fieldname).sorted_terms())
            if len(sources) == 1:
                for tbytes, *group in sources[0]:
                    yield fieldname, tbytes, *group
                continue
            for tbytes, parts in groupby(heapq.merge(*sources, key=itemgetter(0)), key=itemgetter(0)):
                (_, docs, weights, lengths, values), *more = parts
                if more:
                    values = bytearray(values)
                    for _, more_docs, more_weights, more_lengths, more_values in more:
                        docs.extend(more_docs)
                        weights.extend(more_weights)
                        lengths.extend(more_lengths)
                        values += more_values
                yield fieldname, tbytes, docs, weights, lengths, values

    def cleanup(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._columns = {}


class BulkSegmentWriter(SegmentWriter):
    """whoosh's ``SegmentWriter`` with a ``TermPool`` and a commit that writes a term at a time
    (``KbCodec`` only; no term vectors, no separate spelling word lists)."""

    def __init__(self, ix, limitmb: float = 256, **kwargs):
        kwargs.setdefault("codec", KbCodec())
        if not isinstance(kwargs["codec"], KbCodec):
            raise TypeError("BulkSegmentWriter writes with KbCodec")
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if any(field.separate_spelling() or field.vector for _, field in self.schema.items()):
            raise TypeError("BulkSegmentWriter writes no term vectors or separate spelling fields")
        self.pool = TermPool(self.storage.folder, limitmb * 1024 * 1024)
        # fields that index a value by their format's word_values (text, ids, keywords): their words go
        # to the pool as text, encoded once per term when written
        self._by_words = {name for name, field in self.schema.items() if type(field).index is FieldType.index}

    def add_document(self, **fields) -> None:
        """whoosh's ``SegmentWriter.add_document`` without term vectors or spelling fields, each field's
        postings handed to the pool at once."""
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    if fieldname in self._by_words:
                        if not isinstance(value, (str, list, tuple)):
                            raise ValueError(f"{value!r} is not unicode or sequence")
                        items = field.format.word_values(value, field.analyzer, mode="index")
                    else:
                        items = field.index(value)
                    length = self.pool.add_terms(fieldname, docnum, items,
                                                 self._field_boost(fields, fieldname, docboost))
                    if not field.scorable:
                        length = 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            doc_count = self.docnum - self.docbase
            fieldwriter = self.fieldwriter
            current = None
            field_lengths: list[int] | None = None
            for fieldname, tbytes, docs, weights, value_lengths, values in self.pool.terms():
                if fieldname != current:
                    if current is not None:
                        fieldwriter.finish_field()
                    fieldwriter.start_field(fieldname, self.schema[fieldname])
                    current = fieldname
                    field_lengths = _field_lengths(lengths, fieldname, doc_count)
                fieldwriter.add_term(tbytes, docs, weights, value_lengths, values, field_lengths)
            if current is not None:
                fieldwriter.finish_field()
        finally:
            lengths.close()
        fieldwriter.close()


def _field_lengths(reader, fieldname: str, doc_count: int) -> list[int] | None:
    """Each document's length of the field as the index keeps it (one byte, approximate), or None when
    the field keeps no lengths (what whoosh's writer reads for each posting, read once)."""
    if not reader.has_column(_lenfield(fieldname)):
        return None
    return [reader.doc_field_length(docnum, fieldname) for docnum in range(doc_count)]


def write_index(ix, items: Iterable[_T], fields_of: Callable[[_T], dict], procs: int = 1, batch: int = 250,
                limitmb: int = 256) -> None:
    """Add every item, as the fields ``fields_of`` makes of it, to the empty index ``ix`` and commit:
    here, or in ``procs`` forked processes (one segment each) fed batches of ``batch`` items."""
    writer = BulkSegmentWriter(ix, limitmb=limitmb, compound=False)
    if procs <= 1:
        try:
            for item in items:
                writer.add_document(**fields_of(item))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return
    context = multiprocessing.get_context("fork")
    jobs = context.Queue(maxsize=2 * procs)
    results = context.Queue()
    workers = []
    previous = _raise_on_sigterm()
    try:
        for number in range(procs):
            worker = context.Process(target=_work, args=(ix, fields_of, limitmb, jobs, results, os.getpid()),
                                     daemon=True, name=f"kb-index-writer-{number}")
            worker.start()
            workers.append(worker)
        chunk: list[_T] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == batch:
                _hand_out(jobs, chunk, workers, results)
                chunk = []
        if chunk:
            _hand_out(jobs, chunk, workers, results)
        for _ in workers:
            _hand_out(jobs, None, workers, results)
        segments = [_result(results, workers) for _ in workers]
        for worker in workers:
            worker.join()
    except BaseException:
        # The batches still in the pipe have no reader now: without this, the exit waited for ever for the
        # queue's feeder thread to hand them over.
        jobs.cancel_join_thread()
        results.cancel_join_thread()
        _stop(workers)
        writer.cancel()
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    writer._close_segment()  # the segment of this process stays empty: it is left out
    writer._commit_toc([segment for segment in segments if segment is not None])
    writer._finish()


def _raise_on_sigterm():
    """In the main thread of a process that SIGTERM would simply end (``kill``, ``timeout``, systemd stopping
    the job): make it raise SystemExit instead while the writer processes run, so that they are stopped and the
    rebuild's folder removed before this process exits. Returns the handler to put back, or None."""
    if threading.current_thread() is not threading.main_thread():
        return None
    previous = signal.getsignal(signal.SIGTERM)
    if previous != signal.SIG_DFL:  # the process has its own way of stopping
        return None
    signal.signal(signal.SIGTERM, _terminated)
    return previous


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _stop(workers) -> None:
    """End the writer processes (SIGTERM, then SIGKILL to one that does not go in time) and reap them."""
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(timeout=_STOP_SECONDS)
        if worker.is_alive():
            worker.kill()
            worker.join()


def _follow_parent(parent: int) -> None:
    """A writer process, just forked: it dies with the process that forked it, whatever ends that one (SIGKILL
    included; on Linux the kernel sends SIGKILL, elsewhere ``_next_job`` looks), so no writer outlives a
    rebuild. Ctrl+C is the parent's to handle (it stops its writers); SIGTERM ends a writer at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: _next_job still looks
            pass
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _next_job(jobs, parent: int):
    while True:
        try:
            return jobs.get(timeout=_WAIT_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:
                os._exit(1)


def _work(ix, fields_of: Callable[[Any], dict], limitmb: int, jobs, results, parent: int) -> None:
    """A worker process: write the batches from ``jobs`` into one segment, put it (or the error) on
    ``results``."""
    _follow_parent(parent)
    try:
        writer = BulkSegmentWriter(ix, _lk=False, limitmb=limitmb, compound=False)
        while (chunk := _next_job(jobs, parent)) is not None:
            for item in chunk:
                writer.add_document(**fields_of(item))
        if writer._added:
            segment = writer._finalize_segment()
        else:
            writer._close_segment()
            segment = None
        results.put(("ok", segment))
    except BaseException as exc:  # noqa: BLE001 - reported to the process that waits for this one
        results.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))


def _hand_out(jobs, chunk, workers, results) -> None:
    while True:
        try:
            jobs.put(chunk, timeout=_WAIT_SECONDS)
            return
        except queue.Full:
            _check(workers, results)


def _check(workers, results) -> None:
    """Raise the error of a worker that stopped before its time."""
    if all(worker.is_alive() for worker in workers):
        return
    try:
        status, detail = results.get(timeout=_WAIT_SECONDS)
    except queue.Empty:
        raise BulkWriteError("an index writer process stopped without a word") from None
    if status == "error":
        raise BulkWriteError(detail)
    results.put((status, detail))  # a worker that finished early: its result is read at the end


def _result(results, workers):
    while True:
        try:
            status, detail = results.get(timeout=_WAIT_SECONDS)
        except queue.Empty:
            if not any(worker.is_alive() for worker in workers):
                raise BulkWriteError("an index writer process stopped without a word") from None
            continue
        if status == "error":
            raise BulkWriteError(detail)
        return detail
