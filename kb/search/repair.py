"""A web process that is its own index writer repairs its index in the background, in a child process.

In production a separate `flask --app kb indexer` process rebuilds an index that is gone, damaged or left
behind by `prune-outbox`. Where the web process writes the index itself (``INDEX_SYNC_AFTER_REQUEST``, the
embedded default of `make run`), nobody else would: the first request that finds the index unusable starts a
rebuild from the database, and the search page's «индекс перестраивается» is true.

The rebuild runs in a child process (``python -m kb.search.repair``, given this app's configuration), which a
thread of this process waits for. Run in the web process itself, a rebuild of 100,000 practices took 200 s of
its GIL from the pages (their p50 25.5 ms, 10.3 ms beside the child) and left the process at 656 MB for good
(1.6 GB at its peak); the child uses every core, as `reindex` does, at a lower CPU priority than the pages, and
gives its memory back when it ends (bench/JOURNAL.md, the twelfth machine). One rebuild at a time per index
folder in a process, and across processes the writer lock decides; after a failed rebuild (a full disk, say)
the next attempt waits RETRY_SECONDS, twice as long after each further failure, up to RETRY_MAX_SECONDS: a fault
that stays (a disk that stays full) costs a child process and two log lines every ten minutes, not every 30 s.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import time

from flask import Flask, current_app, has_app_context

from indexer import IndexLocked, IndexNewer

RETRY_SECONDS = 30.0
RETRY_MAX_SECONDS = 600.0
NICENESS = 10  # the rebuild's CPU priority below the web process's

_guard = threading.Lock()
_threads: dict[str, threading.Thread] = {}
_failures: dict[str, tuple[int, float]] = {}  # index folder -> (failed attempts in a row, when the last ended)
_clock = time.monotonic


def retry_delay(failures: int) -> float:
    """Seconds to wait after ``failures`` failed rebuilds in a row before the next attempt."""
    return min(RETRY_SECONDS * 2 ** max(failures - 1, 0), RETRY_MAX_SECONDS)


def repair_later(exc: BaseException | None = None) -> threading.Thread | None:
    """Start rebuilding the index in the background if this process is its own writer; returns the thread that
    waits for the rebuilding child process.

    ``exc``: what made the index unusable. A lock held too long by another writer (``IndexLocked``) is not
    damage, an index being rebuilt already (``IndexBeingReplaced``) is being repaired, and one a newer version
    built (``IndexNewer``) is not this old process's to rebuild back down: none starts
    anything (each search of another web process would have started a child that found the lock taken)."""
    from kb.search.rebuilding import IndexBeingReplaced

    if isinstance(exc, IndexLocked | IndexBeingReplaced | IndexNewer) or not has_app_context():
        return None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config["INDEX_SYNC_AFTER_REQUEST"]:
        return None  # the `indexer` process repairs it
    index_dir = str(app.config["INDEX_DIR"])
    with _guard:
        running = _threads.get(index_dir)
        if running is not None and running.is_alive():
            return None
        failures, failed_at = _failures.get(index_dir, (0, float("-inf")))
        if failures and _clock() - failed_at < retry_delay(failures):
            return None
        thread = threading.Thread(target=_repair, args=(app, index_dir), name="kb-index-repair", daemon=True)
        _threads[index_dir] = thread
        thread.start()
    return thread


def started(index_dir: str) -> threading.Thread | None:
    """The last rebuild thread this process started for this index folder (running or ended), if any."""
    return _threads.get(str(index_dir))


def _repair(app: Flask, index_dir: str) -> None:
    from kb import ROOT

    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))
    try:
        settings = pickle.dumps((app.instance_path, dict(app.config)))
        # the child's output (its log) goes where this process's goes
        returncode = subprocess.run([sys.executable, "-m", "kb.search.repair"], input=settings, env=environment,
                                    check=False).returncode
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:  # a setting pickle cannot carry
        app.logger.error("The index rebuild could not be started: %r", exc)
        returncode = None
    with _guard:
        if returncode == 0:
            _failures.pop(index_dir, None)
            return
        failures = _failures.get(index_dir, (0, 0.0))[0] + 1
        _failures[index_dir] = (failures, _clock())
    app.logger.error("The index could not be rebuilt from the database (exit code %s, attempt %d); trying again "
                     "in %.0f s", returncode, failures, retry_delay(failures))


def _main() -> int:
    """The child process: rebuild the index of the app whose instance folder and configuration come on stdin."""
    from kb import create_app
    from kb.extensions import db
    from kb.search.services import repair_index

    instance_path, config = pickle.load(sys.stdin.buffer)
    os.nice(NICENESS)  # the pages of the web process first; its writer processes inherit this
    app = create_app(config, instance_path=instance_path)
    with app.app_context():
        try:
            count = repair_index()
        except Exception:  # a full disk, a database gone away, a damaged file…
            app.logger.exception("The index could not be rebuilt from the database")
            return 1
        finally:
            db.session.remove()
        if count is not None:
            app.logger.warning("Index rebuilt from the database: %d documents", count)
    return 0


if __name__ == "__main__":
    sys.exit(_main())
