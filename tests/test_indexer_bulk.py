"""Writing a whole index at once (indexer/bulk.py): the same files as whoosh's own writer, runs spilled
and merged, several processes, and a worker's failure reported, not hung on."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from indexer import SearchIndex
from indexer.bulk import BulkWriteError, write_index
from indexer.codec import KbCodec
from indexer.schema import build_schema, to_fields
from tests.test_indexer import doc, generated, ids, search


def documents(count: int) -> list:
    long_ones = [doc(f"practice:{1000 + i}", "Исследовательский проект", "музей школа опыт дети " * (50 + i))
                 for i in range(3)]
    return [*generated(count), *long_ones]


def segment_files(folder: Path) -> dict[str, bytes]:
    """The contents of the index's segment files by extension (segment names are random)."""
    files = {}
    for path in folder.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name:
            files[path.name.split(".", 1)[1]] = path.read_bytes()
    return files


def whoosh_written(folder: Path, docs: list) -> None:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    writer = ix.writer(codec=KbCodec(), compound=False)
    for item in docs:
        writer.add_document(**to_fields(item))
    writer.commit()


def bulk_written(folder: Path, docs: list, **options) -> None:
    folder.mkdir()
    write_index(whoosh_index.create_in(str(folder), build_schema()), docs, to_fields, **options)


@pytest.mark.parametrize("limitmb", [256, 0.05])  # all in memory; a run spilled every few documents
def test_the_files_written_are_whoosh_s_own(tmp_path: Path, limitmb: float, monkeypatch):
    import indexer.bulk as bulk

    docs = documents(400)
    whoosh_written(tmp_path / "whoosh", docs)
    spilled = []
    real_add = bulk._Run.add
    monkeypatch.setattr(bulk._Run, "add",
                        lambda run, name, column: (spilled.append(id(run)), real_add(run, name, column)))
    bulk_written(tmp_path / "bulk", docs, limitmb=limitmb)
    assert (len(set(spilled)) > 10) == (limitmb < 1), "the small limit spills many runs, the large one none"
    expected, written = segment_files(tmp_path / "whoosh"), segment_files(tmp_path / "bulk")
    assert {"pst", "trm", "arr", "_body_len.col", "_stored.col"} <= set(written)
    assert set(written) == set(expected)
    for extension in expected:
        assert written[extension] == expected[extension], extension
    # nothing left behind: the spilled runs were temporary files
    assert not [p for p in (tmp_path / "bulk").iterdir() if p.suffix == ".run"]


def test_several_processes_write_one_segment_each_and_lose_nothing(tmp_path: Path):
    docs = documents(300)
    bulk_written(tmp_path / "bulk", docs, procs=2, batch=25)
    with whoosh_index.open_dir(str(tmp_path / "bulk")).searcher() as searcher:
        assert searcher.doc_count() == len(docs)
        assert len(searcher.reader().leaf_readers()) == 2
        assert sorted(fields["id"] for fields in searcher.all_stored_fields()) == sorted(d.id for d in docs)
    single = SearchIndex(tmp_path / "single", rebuild_procs=1)
    single.rebuild(docs)
    parallel = SearchIndex(tmp_path / "bulk")
    for text in ("опыт", "музей дети", '"школа опыт"', "исследовательский"):
        assert sorted(ids(search(parallel, text, per_page=400))) == sorted(ids(search(single, text, per_page=400)))
        assert search(parallel, text).facets == search(single, text).facets


def _fails_on_the_fiftieth(item):
    if item.id == "practice:50":
        raise RuntimeError("поле не разобрать")
    return to_fields(item)


def _dies_on_the_fiftieth(item):
    if item.id == "practice:50":
        os.kill(os.getpid(), signal.SIGKILL)
    return to_fields(item)


@pytest.mark.parametrize("fields_of, message", [
    (_fails_on_the_fiftieth, "RuntimeError: поле не разобрать"),
    (_dies_on_the_fiftieth, "stopped without a word"),
])
def test_a_worker_s_failure_stops_the_build_with_its_error(tmp_path: Path, fields_of, message: str):
    folder = tmp_path / "bulk"
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    with pytest.raises(BulkWriteError, match=message):
        write_index(ix, generated(400), fields_of, procs=2, batch=10)
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("kb-index-writer")]
    assert whoosh_index.open_dir(str(folder)).doc_count() == 0  # nothing committed
    lock = whoosh_index.open_dir(str(folder)).lock("WRITELOCK")
    assert lock.acquire()  # the writer let go of the index
    lock.release()


_KILLED_PARENT = """
import os, sys, time
from whoosh import index
from indexer.bulk import write_index
from indexer.schema import build_schema, to_fields
from tests.test_indexer import generated

def slow(item):
    time.sleep(0.05)
    return to_fields(item)

def handed_out():
    for number, item in enumerate(generated(400)):
        if number == 50:
            print(os.getpid(), flush=True)
        yield item

write_index(index.create_in(sys.argv[1], build_schema()), handed_out(), slow, procs=2, batch=10)
"""


def _running(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_the_writer_processes_die_with_a_parent_that_is_killed(tmp_path: Path):
    """kill -9 (the OOM killer) gives the process that hands out the documents no chance to stop its writer
    processes: they end by themselves (on Linux the kernel kills them), not run on for ever."""
    folder = tmp_path / "bulk"
    folder.mkdir()
    parent = subprocess.Popen([sys.executable, "-c", _KILLED_PARENT, str(folder)], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True, cwd=Path(__file__).resolve().parents[1])
    writers: list[int] = []
    try:
        parent.stdout.readline()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent.pid:
                writers.append(int(stat.parent.name))
        assert len(writers) == 2
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 5
        while [pid for pid in writers if _running(pid)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in writers if _running(pid)], "writer processes outlived it"
    finally:
        for pid in writers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        parent.stdout.close()
