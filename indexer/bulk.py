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
"""

from __future__ import annotations

import heapq
import multiprocessing
import pickle
import queue
import tempfile
import traceback
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any, TypeVar

from whoosh.codec.whoosh3 import _lenfield
from whoosh.writing import SegmentWriter

from indexer.codec import KbCodec

_T = TypeVar("_T")
# What a term's group costs besides its postings (the dict entry, the tuple, four empty arrays), and what
# each posting costs (its document number, weight and value length): for the memory limit.
_GROUP_BYTES = 400
_POSTING_BYTES = 12
_WAIT_SECONDS = 1.0  # how often the process handing out documents looks whether its workers still run


class BulkWriteError(RuntimeError):
    """A process writing part of the index failed (its error and traceback are the message)."""


class TermPool:
    """The postings of the segment being written, grouped by term: for each (field, term) the document
    numbers, weights and value lengths as arrays, and the values as one ``bytearray``.

    Past ``limit`` bytes the groups are written to a run file in key order (an anonymous temporary file in
    ``folder``); the end merges the runs term by term, joining a term's arrays.
    """

    def __init__(self, folder: str, limit: int):
        self._folder = folder
        self._limit = limit
        self._terms: dict[tuple[str, bytes], tuple[array, array, array, bytearray]] = {}
        self._size = 0
        self._runs: list[Any] = []
        self.fieldnames: set[str] = set()

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        key = (fieldname, tbytes)
        group = self._terms.get(key)
        if group is None:
            group = self._terms[key] = (array("I"), array("f"), array("I"), bytearray())
            self._size += _GROUP_BYTES + len(tbytes)
            self.fieldnames.add(fieldname)
        docs, weights, lengths, values = group
        if docs and docnum <= docs[-1]:
            raise ValueError(f"postings of {key!r} out of document order ({docnum} after {docs[-1]})")
        docs.append(docnum)
        weights.append(weight)
        if vbytes:
            lengths.append(len(vbytes))
            values += vbytes
            self._size += _POSTING_BYTES + len(vbytes)
        else:
            lengths.append(0)
            self._size += _POSTING_BYTES
        if self._size > self._limit:
            self._spill()

    def _sorted(self) -> list[tuple]:
        return [(key, *group) for key, group in sorted(self._terms.items(), key=itemgetter(0))]

    def _spill(self) -> None:
        # closed by cleanup(), after the merge has read it
        run = tempfile.TemporaryFile(dir=self._folder, prefix="postings-", suffix=".run")  # noqa: SIM115
        for record in self._sorted():
            pickle.dump(record, run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        self._runs.append(run)
        self._terms = {}
        self._size = 0

    @staticmethod
    def _read(run) -> Iterator[tuple]:
        load = pickle.load
        while True:
            try:
                yield load(run)
            except EOFError:
                return

    def terms(self) -> Iterator[tuple[str, bytes, array, array, array, bytes | bytearray]]:
        """(field, term, documents, weights, value lengths, values) in (field, term) order, once each."""
        current = self._sorted()
        self._terms = {}
        if not self._runs:
            for (fieldname, tbytes), *group in current:
                yield fieldname, tbytes, *group
            return
        # runs hold earlier documents than later runs and than the memory: heapq.merge keeps that order
        merged = heapq.merge(*(self._read(run) for run in self._runs), current, key=itemgetter(0))
        for (fieldname, tbytes), parts in groupby(merged, key=itemgetter(0)):
            (_, docs, weights, lengths, values), *more = parts
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
        self._terms = {}


class BulkSegmentWriter(SegmentWriter):
    """whoosh's ``SegmentWriter`` with a ``TermPool`` and a commit that writes a term at a time
    (``KbCodec`` only; fields with a separate spelling word list are not supported)."""

    def __init__(self, ix, limitmb: int = 256, **kwargs):
        kwargs.setdefault("codec", KbCodec())
        if not isinstance(kwargs["codec"], KbCodec):
            raise TypeError("BulkSegmentWriter writes with KbCodec")
        super().__init__(ix, limitmb=limitmb, **kwargs)
        if any(field.separate_spelling() for _, field in self.schema.items()):
            raise TypeError("BulkSegmentWriter does not write separate spelling fields")
        self.pool = TermPool(self.storage.folder, limitmb * 1024 * 1024)

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
    workers = [context.Process(target=_work, args=(ix, fields_of, limitmb, jobs, results), daemon=True,
                               name=f"kb-index-writer-{number}") for number in range(procs)]
    for worker in workers:
        worker.start()
    try:
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
        for worker in workers:
            worker.terminate()
            worker.join(timeout=10)
        writer.cancel()
        raise
    writer._close_segment()  # the segment of this process stays empty: it is left out
    writer._commit_toc([segment for segment in segments if segment is not None])
    writer._finish()


def _work(ix, fields_of: Callable[[Any], dict], limitmb: int, jobs, results) -> None:
    """A worker process: write the batches from ``jobs`` into one segment, put it (or the error) on
    ``results``."""
    try:
        writer = BulkSegmentWriter(ix, _lk=False, limitmb=limitmb, compound=False)
        while (chunk := jobs.get()) is not None:
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
