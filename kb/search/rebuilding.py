"""How far a running rebuild of an index copy has got, for the pages that say «индекс перестраивается».

The process that rebuilds (`reindex`, `restore`, the `indexer`, the embedded site's repair) keeps
``<index>.rebuild.json`` beside the folder: documents written, documents in all, when it started and its process
id (with the process's own start, so that an id given to another process later is not taken for it). It rewrites
the file at most once a second and deletes it when the rebuild ends; one left by a process that was killed names a
process that no longer runs, or no longer holds the writer lock every rebuild holds from start to swap, and is not
read.

A rebuild *replacing* an index that no longer tells what the database holds (left behind by `prune-outbox`, built
on another database or before a restore, unreadable) says so in the file: search answers «индекс перестраивается»
until the new index is in place, as it does for a deleted index folder, rather than results from the old one. A
`reindex` of a sound index does not: search goes on from the old index meanwhile.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer import IndexUnavailable

WRITE_EVERY_SECONDS = 1.0


class IndexBeingReplaced(IndexUnavailable):
    """The index copy is being rebuilt in place of one that no longer tells what the database holds: its results are
    not given meanwhile. Nothing to repair: the rebuild is running."""


def progress_path(index_dir: str | Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".rebuild.json")


@dataclass(frozen=True)
class RebuildProgress:
    done: int
    total: int
    started: float  # time.time() at the start
    replacing: bool = False  # in place of an index whose results are not to be given (see the module)

    @property
    def percent(self) -> int:
        """Done so far, in whole percent; 99 at most until the new index is in place (the last segments are
        written after the last document has been handed over)."""
        return min(self.done * 100 // self.total, 99) if self.total > 0 else 0

    def to_json(self) -> dict:
        return {"done": self.done, "total": self.total, "percent": self.percent,
                "seconds": max(round(time.time() - self.started), 0)}


class Recorder:
    """A rebuild's ``progress`` callback that also keeps the progress file; ``close()`` deletes it."""

    def __init__(self, index_dir: str | Path, total: int, then: Callable[[int], None] | None = None,
                 replacing: bool = False):
        self.path = progress_path(index_dir)
        self.total = total
        self.then = then
        self.replacing = replacing
        self.done = 0
        self.started = time.time()
        self._written_at = float("-inf")
        self._write()

    def __call__(self, added: int) -> None:
        self.done += added
        if self.then is not None:
            self.then(added)
        if time.monotonic() - self._written_at >= WRITE_EVERY_SECONDS:
            self._write()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    def _write(self) -> None:
        self._written_at = time.monotonic()
        partial = self.path.with_name(self.path.name + ".partial")
        # a full disk must not stop the rebuild that would fix the index: the pages then show no percent
        with contextlib.suppress(OSError):
            partial.write_text(json.dumps({"done": self.done, "total": self.total, "started": self.started,
                                           "pid": os.getpid(), "pid_started": process_start(os.getpid()),
                                           "replacing": self.replacing}), encoding="utf-8")
            os.replace(partial, self.path)


def process_start(pid: int) -> int | None:
    """When the process ``pid`` started, in clock ticks since boot (``/proc/<pid>/stat``, field 22), or None where
    there is no /proc: with the id, it names one process, not whichever process is given the id of one killed."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat[stat.rindex(")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _writer_lock_taken(index_dir: str | Path) -> bool:
    """Whether a process (this one too) holds the index copy's writer lock now; True when that cannot be told (no
    lock file, a process that may not read it): the process id alone decides then. The lock file is opened to read
    only: a web process may see the index on a read-only volume."""
    from kb.search.outbox import lock_path

    try:
        descriptor = os.open(lock_path(index_dir), os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError: taken
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def current(index_dir: str | Path) -> RebuildProgress | None:
    """The running rebuild of this index copy, if one is running on this machine."""
    try:
        state = json.loads(progress_path(index_dir).read_text(encoding="utf-8"))
        progress = RebuildProgress(int(state["done"]), int(state["total"]), float(state["started"]),
                                   state.get("replacing") is True)
        pid = int(state["pid"])
        started = state.get("pid_started")
        started = None if started is None else int(started)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid <= 0:  # os.kill would ask about a process group
        return None
    if started is not None and (now := process_start(pid)) is not None and now != started:
        return None  # killed on the way, and its id given to another process since
    if not _writer_lock_taken(index_dir):
        return None  # every rebuild holds it from start to swap: a file left by one killed (in another container)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None  # killed on the way: the next rebuild writes the file anew
    except PermissionError:
        pass  # a process of another user: it runs
    return progress
