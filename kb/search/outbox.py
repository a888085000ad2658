"""Keeping the index true to the database.

Every flush that touches an indexed object writes outbox rows in the same transaction, so a
rolled-back change never reaches the index. One writer at a time (an exclusive file lock)
reads the rows after its own position, re-reads the current state of each named document from
the database and applies it to the index. Applying is idempotent (it always writes the current
state), so a crash between the index commit and saving the position only repeats work.

The position lives beside the index (not in the database), so several index copies can follow
the same log independently. Ids below the position that were not yet visible when the writer
read (a transaction that took its id earlier but committed later, as PostgreSQL sequences allow)
are remembered as gaps and looked for again for a while.
"""

from __future__ import annotations

import errno
import fcntl
import functools
import json
import os
import pwd
import secrets
import socket
import stat
import time
from collections.abc import Callable, Collection, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import Select, String, bindparam, delete, event, func, insert, literal, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from indexer import IndexUnavailable
from kb.extensions import db, upsert
from kb.search.models import DatabaseIdentity, IndexOutbox, IndexReplica, OutboxPruning
from kb.timeutil import utcnow

GAP_TTL_SECONDS = 600
# A rebuild looks this far below the highest outbox id for ids of transactions still in flight.
REBUILD_GAP_WINDOW = 1000
BATCH_SIZE = 500
# A writer says where it is at most this often (seconds); a copy silent for LIVE_HOURS is not waited for.
REPORT_INTERVAL = 60.0
LIVE_HOURS = 24
KEEP_DAYS = 7
PRUNE_BATCH = 10_000
_T = TypeVar("_T")


class OutboxPruned(IndexUnavailable):
    """Rows this index copy had not applied were deleted from the outbox (the copy was silent for longer than
    `prune-outbox` waits for one): only a rebuild from the database makes it whole again."""


class IndexOfAnotherDatabase(IndexUnavailable):
    """The index copy follows another database's change log (a new database under an old instance's index, a
    database put back to an earlier copy of itself, or one a restore gave a new mark): its position means nothing
    here, so it is rebuilt. The message is Russian, for the operator."""


def _keys_for(obj: object, deleted: bool) -> list[tuple[str, int]]:
    """The index documents an ORM object's change affects."""
    from kb.adoption.models import PracticeAdoption
    from kb.attachments.models import Attachment
    from kb.practices.models import Practice, PracticeAssessment, PracticeAuthor
    from kb.resolutions.models import Recommendation, Resolution

    if isinstance(obj, Practice):
        return [("practice", obj.id)]
    # an assessment: the mark «Прошла экспертизу» of a published practice is in its document
    if isinstance(obj, PracticeAuthor | Attachment | PracticeAdoption | PracticeAssessment):
        return [("practice", obj.practice_id)] if obj.practice_id else []
    if isinstance(obj, Resolution):
        keys = [("resolution", obj.id)]
        if not deleted:
            keys += [("recommendation", rec.id) for rec in obj.recommendations if rec.id]
        return keys
    if isinstance(obj, Recommendation):
        return [("recommendation", obj.id)]
    return []


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, flush_context: object) -> None:
    keys: dict[tuple[str, int], None] = {}
    for obj in session.new:
        keys.update(dict.fromkeys(_keys_for(obj, deleted=False)))
    for obj in session.dirty:
        if session.is_modified(obj):
            keys.update(dict.fromkeys(_keys_for(obj, deleted=False)))
    for obj in session.deleted:
        keys.update(dict.fromkeys(_keys_for(obj, deleted=True)))
    if keys:
        session.connection().execute(
            insert(IndexOutbox), [{"doc_type": t, "doc_id": i, "created_at": utcnow()} for t, i in keys]
        )
        if has_request_context():
            # Only a request that wrote outbox rows syncs the index when it ends (if they were rolled
            # back, that sync finds nothing to do); page-view counters and logins cost nothing.
            g.kb_outbox_written = True


def record_selected(doc_type: str, ids: Select) -> None:
    """Outbox rows for the documents whose ids ``ids`` (one column) selects, in one statement: for a bulk UPDATE,
    which the ORM (and so ``_record_changes``) does not see."""
    chosen = ids.subquery()
    rows = select(literal(doc_type, String(20)), next(iter(chosen.c)), literal(utcnow()))
    db.session.execute(insert(IndexOutbox).from_select(["doc_type", "doc_id", "created_at"], rows))
    if has_request_context():
        g.kb_outbox_written = True


@dataclass
class WriterState:
    """How far this index copy has applied the outbox, and of which database (its DatabaseIdentity mark; None in
    the state an older version wrote)."""

    position: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # outbox id -> first time it was missing
    database: str | None = None

    @classmethod
    def load(cls, path: Path) -> WriterState:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            database = raw.get("database")
            return cls(int(raw["position"]), {int(k): float(v) for k, v in raw.get("gaps", {}).items()},
                       database if isinstance(database, str) else None)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        state = {"position": self.position, "gaps": self.gaps}
        if self.database is not None:
            state["database"] = self.database
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, path)


def state_path(index_dir: str | Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".state.json")


def lock_path(index_dir: str | Path) -> Path:
    index_dir = Path(index_dir)
    return index_dir.with_name(index_dir.name + ".lock")


# The descriptors of the writer locks this process holds. An flock belongs to the open file, which a forked
# process shares: a rebuild's writer processes (indexer.bulk) kept the lock taken as long as they ran, after
# their parent was gone too, and one that unlocked would have unlocked it for the parent.
_held_locks: set[int] = set()


def _leave_locks_to_parent() -> None:
    """In a forked child: the descriptors of the parent's writer locks now name /dev/null."""
    if not _held_locks:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in _held_locks:
            os.dup2(null, fd)
    finally:
        os.close(null)
    _held_locks.clear()


os.register_at_fork(after_in_child=_leave_locks_to_parent)


class IndexAccessDenied(PermissionError):
    """The index folder, the folder above it or a file beside it (index.lock, index.state.json) is there, but this
    process's user may not read or write it: another user's (a command run as root, the services as kb). The
    message is Russian, for the operator: what, whose, and how to run the commands."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(errno.EACCES, message, str(path))
        self.message = message

    def __str__(self) -> str:
        return self.message


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def access_problem(index_dir: str | Path) -> str | None:
    """What of the index a writer may not use although it is there, and whose it is («нет доступа к папке индекса
    …: владелец — root, права drwx------, а процесс запущен от пользователя kb»); None when all is usable. A file
    not there yet is made when needed; one behind a folder this user cannot enter is that folder's problem."""
    index_dir = Path(index_dir)
    checks = ((index_dir.parent, "папке над папкой индекса", os.W_OK | os.X_OK),
              (index_dir, "папке индекса", os.R_OK | os.W_OK | os.X_OK),
              (lock_path(index_dir), "файлу блокировки индекса", os.R_OK | os.W_OK),
              # the position is saved by a new file put in its place (the folder above's permission): read only
              (state_path(index_dir), "файлу позиции индекса", os.R_OK),
              (state_path(index_dir).with_suffix(".tmp"), "временному файлу позиции индекса", os.W_OK))
    for path, what, mode in checks:
        try:
            info = path.stat()
        except OSError:
            continue
        if not os.access(path, mode):
            return (f"нет доступа к {what} {path}: владелец — {_user_name(info.st_uid)}, права "
                    f"{stat.filemode(info.st_mode)}, а процесс запущен от пользователя {_user_name(os.geteuid())}")
    return None


def check_access(index_dir: str | Path) -> None:
    """Raise ``IndexAccessDenied`` when the writer may not use the index (``access_problem``)."""
    problem = access_problem(index_dir)
    if problem is not None:
        me, folder = _user_name(os.geteuid()), Path(index_dir).parent
        raise IndexAccessDenied(
            f"{problem[0].upper()}{problem[1:]}. Команды банка запускайте от того же пользователя, что и его службы "
            f"(sudo -u {me} .venv/bin/flask --app kb …), или отдайте папку ему: sudo chown -R {me} {folder}",
            Path(index_dir))


@contextmanager
def writer_lock(index_dir: str | Path, wait: bool = False,
                on_wait: Callable[[Path], None] | None = None) -> Iterator[bool]:
    """Hold the single-writer lock; yields False at once when another process holds it, or, with ``wait``,
    waits for it (``on_wait`` is told the lock file first). A process forked while it is held does not hold it.
    ``IndexAccessDenied`` when the lock or the index is another user's."""
    path = lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    check_access(index_dir)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                yield False
                return
            if on_wait is not None:
                on_wait(path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        _held_locks.add(handle.fileno())
        try:
            yield True
        finally:
            _held_locks.discard(handle.fileno())
            fcntl.flock(handle, fcntl.LOCK_UN)


def max_outbox_id() -> int:
    return db.session.scalar(select(func.max(IndexOutbox.id))) or 0


def made_since_last_change(store: str, key: Hashable, make: Callable[[], _T], seconds: float,
                           position: int | None = None) -> _T:
    """What ``make`` returned for ``key`` when no practice (or other indexed document) has changed since, in any
    process, and at most ``seconds`` ago; otherwise ``make``'s new value, kept in this process (the app's
    ``store``). Every change to an indexed document writes an outbox row in its own transaction, so an equal highest
    outbox id (``position``, read now when not given) means nothing it records has changed; ``seconds`` bounds what
    it cannot say: counters written without an outbox row (page views, downloads), a transaction that commits a
    lower id after a higher one was seen (PostgreSQL), a restored database."""
    entries = current_app.extensions.setdefault(store, {})
    position = max_outbox_id() if position is None else position
    now = time.monotonic()
    cached = entries.get(key)
    if cached is not None and cached[0] == position and now - cached[1] < seconds:
        return cached[2]
    value = make()
    entries[key] = (position, now, value)
    return value


def _pending(index_dir: str | Path):
    state = WriterState.load(state_path(index_dir))
    conditions = [IndexOutbox.id > state.position]
    if state.gaps:
        conditions.append(IndexOutbox.id.in_(list(state.gaps)))
    return or_(*conditions)


def pending_count(index_dir: str | Path) -> int:
    """Outbox rows this index copy has not applied yet."""
    return db.session.scalar(select(func.count()).where(_pending(index_dir))) or 0


def pending_documents(index_dir: str | Path) -> set[str]:
    """The index ids ("practice:69") of the documents that outbox rows this copy has not applied yet are about."""
    rows = db.session.execute(select(IndexOutbox.doc_type, IndexOutbox.doc_id).where(_pending(index_dir)).distinct())
    return {f"{doc_type}:{doc_id}" for doc_type, doc_id in rows}


def pending_withdrawn(index_dir: str | Path) -> frozenset[str]:
    """The index ids ("practice:69") of the documents this copy has a change of still to apply (``pending_documents``)
    that are no longer public (archived, unpublished, deleted): the index still holds them until its writer applies
    the change (a moment; minutes while it is stopped or rebuilds), and a search leaves them out of what it finds and
    counts. The outbox rows past this copy's position (none in the usual case: one look at the outbox's primary key),
    then the documents they name, each kind looked up by its primary key (``public_keys``); the statements built once
    (building them took most of the time)."""
    state = WriterState.load(state_path(index_dir))
    if state.gaps:
        rows = db.session.execute(_pending_statement(gaps=True), {"position": state.position,
                                                                  "gaps": list(state.gaps)})
    else:
        rows = db.session.execute(_pending_statement(gaps=False), {"position": state.position})
    keys = {(doc_type, doc_id) for doc_type, doc_id in rows}
    if not keys:
        return frozenset()
    from kb.search.documents import public_keys

    return frozenset(f"{doc_type}:{doc_id}" for doc_type, doc_id in keys - public_keys(keys))


@functools.cache
def _pending_statement(gaps: bool) -> Select:
    pending = IndexOutbox.id > bindparam("position")
    if gaps:
        pending = or_(pending, IndexOutbox.id.in_(bindparam("gaps", expanding=True)))
    return select(IndexOutbox.doc_type, IndexOutbox.doc_id).where(pending).distinct()


def pending_summary(index_dir: str | Path) -> tuple[int, float]:
    """Outbox rows this index copy has not applied yet, and how long the oldest of them has waited (seconds; 0
    with none): a writer that has stopped shows as a wait that only grows."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(IndexOutbox.created_at)).where(_pending(index_dir))).one()
    return count or 0, max((utcnow() - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


def _apply_pending(index, index_dir: Path) -> int:
    from kb.search.documents import documents_for_keys

    path = state_path(index_dir)
    state = check_not_pruned(index_dir)
    applied = 0
    while True:
        conditions = [IndexOutbox.id > state.position]
        if state.gaps:
            conditions.append(IndexOutbox.id.in_(list(state.gaps)))
        rows = db.session.execute(
            select(IndexOutbox.id, IndexOutbox.doc_type, IndexOutbox.doc_id)
            .where(or_(*conditions))
            .order_by(IndexOutbox.id)
            .limit(BATCH_SIZE)
        ).all()
        db.session.rollback()  # end the read transaction: the next batch must see new commits
        if not rows:
            break
        keys = list(dict.fromkeys((row.doc_type, row.doc_id) for row in rows))
        upserts, deletes = documents_for_keys(keys)
        db.session.rollback()
        index.apply(upserts, deletes)
        _fault_pause(len(rows))
        seen = {row.id for row in rows}
        now = time.time()
        new_position = max(state.position, max(seen))
        gaps = {gid: t for gid, t in state.gaps.items() if gid not in seen and now - t < GAP_TTL_SECONDS}
        gaps.update({gid: now for gid in range(state.position + 1, new_position) if gid not in seen})
        state = WriterState(new_position, gaps, state.database)
        state.save(path)
        applied += len(rows)
        if len(rows) < BATCH_SIZE:
            break
    return applied


def check_not_pruned(index_dir: str | Path) -> WriterState:
    """This copy's state, marked with this database's mark; ``OutboxPruned`` if `prune-outbox` deleted rows the copy
    had not applied, ``IndexOfAnotherDatabase`` if it follows another database's log: its state names another
    database, or its position is past this log's end (an older version's state names none). The log's last row is
    never pruned (``plan_pruning``), so a copy of this database is never past its highest id, or past what a pruning
    deleted. One query."""
    state = WriterState.load(state_path(index_dir))
    pruned, highest, database = db.session.execute(select(
        select(func.max(OutboxPruning.through_id)).scalar_subquery(),
        select(func.max(IndexOutbox.id)).scalar_subquery(),
        select(DatabaseIdentity.token).order_by(DatabaseIdentity.id).limit(1).scalar_subquery())).one()
    pruned, highest = pruned or 0, highest or 0
    if state.database is not None and database is not None and state.database != database:
        db.session.rollback()
        raise IndexOfAnotherDatabase("индекс построен по другой базе данных (или по этой до восстановления из "
                                     "архива): его состояние (index.state.json) называет не эту базу")
    if state.position > max(highest, pruned):
        db.session.rollback()
        raise IndexOfAnotherDatabase(
            f"индекс построен по другой базе данных (или по её более поздней копии): он применил журнал изменений "
            f"по №{state.position}, а журнал этой базы кончается на №{max(highest, pruned)}")
    if state.position < pruned:
        db.session.rollback()
        raise OutboxPruned(f"журнал изменений удалён по №{pruned}, а индекс применил его только по №{state.position}")
    state.database = database
    return state


def database_mark() -> str | None:
    """This database's mark (DatabaseIdentity), None if it has none."""
    return db.session.scalar(select(DatabaseIdentity.token).order_by(DatabaseIdentity.id).limit(1))


def renew_database_mark() -> str:
    """Give this database a new mark, in the caller's transaction (a restore, which replaces the bank's content
    without a row in the change log): every index copy that follows it, on any machine, then finds another
    database's mark in its state and is rebuilt, not followed on. Returns the mark."""
    token = secrets.token_hex(16)
    if not db.session.execute(update(DatabaseIdentity).values(token=token, created_at=utcnow())).rowcount:
        db.session.execute(insert(DatabaseIdentity).values(token=token, created_at=utcnow()))
    return token


def _fault_pause(rows: int) -> None:
    """Where fault-injection tests kill the writer: the batch is in the index, the position not yet saved."""
    seconds = current_app.config.get("INDEX_WRITER_PAUSE", 0) if has_app_context() else 0
    if seconds:
        current_app.logger.warning("INDEX_WRITER_PAUSE: %d rows applied to the index, position not saved; "
                                   "waiting %.1f s", rows, seconds)
        time.sleep(seconds)


def sync_index(index, index_dir: str | Path, wait: bool = False,
               on_wait: Callable[[Path], None] | None = None) -> int:
    """Apply pending outbox rows to the index; returns how many rows were applied.

    Without ``wait`` it returns 0 at once when another writer holds the lock: that writer
    looks again after releasing it, so a row committed before this call is never left behind.
    With it, ``on_wait`` is told the lock file before waiting for another writer.
    """
    index_dir = Path(index_dir)
    applied = 0
    while True:
        with writer_lock(index_dir, wait=wait, on_wait=on_wait) as acquired:
            if not acquired:
                return applied
            applied += _apply_pending(index, index_dir)
        if not pending_count(index_dir):
            db.session.rollback()
            return applied
        db.session.rollback()


def rebuild_point() -> WriterState:
    """Where an index rebuilt from the database as of now follows the outbox on: the highest id, and the
    ids below it not visible yet (their transactions are still in flight) as gaps to look for again."""
    position = max_outbox_id()
    low = max(position - REBUILD_GAP_WINDOW, 0)
    visible = set(db.session.scalars(select(IndexOutbox.id).where(IndexOutbox.id > low)))
    now = time.time()
    return WriterState(position, {i: now for i in range(low + 1, position) if i not in visible}, database_mark())


def reset_position(index_dir: str | Path, start: WriterState) -> None:
    """After a full rebuild that read the database from ``start`` (see ``rebuild_point``)."""
    start.save(state_path(index_dir))


def pruned_through() -> int:
    """The highest outbox id `prune-outbox` may have deleted (0: nothing ever deleted)."""
    return db.session.scalar(select(func.max(OutboxPruning.through_id))) or 0


def replica_name(index_dir: str | Path) -> str:
    """This index copy's name in `index_replica`: ``INDEX_NAME``, or the host and the index folder."""
    name = current_app.config.get("INDEX_NAME") or f"{socket.gethostname()}:{Path(index_dir).resolve()}"
    return name[:200]


_last_report: dict[str, float] = {}


def report_position(index_dir: str | Path, force: bool = False) -> bool:
    """The writer tells the bank how far its index copy has applied the outbox (at most every REPORT_INTERVAL
    seconds unless ``force``); returns whether it did. A copy without a position yet has nothing to say."""
    path = state_path(index_dir)
    now = time.monotonic()
    if not path.exists() or (not force and now - _last_report.get(str(path), float("-inf")) < REPORT_INTERVAL):
        return False
    state = WriterState.load(path)
    try:
        upsert(db.session.connection(), IndexReplica,
               {"name": replica_name(index_dir), "position": state.position, "reported_at": utcnow()}, "name")
        db.session.commit()
    except SQLAlchemyError as exc:  # only advice for prune-outbox: the work it reports on is done, and stays done
        db.session.rollback()
        current_app.logger.warning("The index copy's position was not reported: %s", exc)
        return False
    _last_report[str(path)] = now
    return True


@dataclass
class Replica:
    name: str
    position: int
    reported_at: datetime | None  # None: this machine's own copy, read from its state file
    live: bool


@dataclass
class PruneReport:
    replicas: list[Replica]
    older_than: datetime
    floor: int | None = None  # the lowest position of the live copies
    first_id: int = 0  # the lowest outbox id
    through_id: int = 0  # rows from first_id up to here that are older than ``older_than`` go
    to_delete: int = 0
    deleted: int = 0


def replicas(index_dir: str | Path | None, now: datetime, ignore: Collection[str] = ()) -> list[Replica]:
    """The copies that reported (but those in ``ignore``), and this machine's own (``index_dir``) from its state
    file."""
    live_since = now - timedelta(hours=LIVE_HOURS)
    found = [Replica(r.name, r.position, r.reported_at, r.reported_at >= live_since)
             for r in db.session.scalars(select(IndexReplica).order_by(IndexReplica.name)) if r.name not in ignore]
    if index_dir is not None and state_path(index_dir).exists():
        own = WriterState.load(state_path(index_dir))
        name = replica_name(index_dir)
        found = [r for r in found if r.name != name] + [Replica(name, own.position, None, True)]
    return found


def forget_replica(name: str, dry_run: bool = False) -> bool:
    """Drop an index copy from the list (one taken out of service): pruning no longer waits for it. Should it
    come back, it reports again, finds its position below the pruned rows and rebuilds. Returns whether the list
    had it (``dry_run``: only that)."""
    if dry_run:
        return db.session.get(IndexReplica, name) is not None
    deleted = db.session.execute(delete(IndexReplica).where(IndexReplica.name == name)).rowcount
    db.session.commit()
    return bool(deleted)


def forget_silent_replicas(silent_since: datetime) -> list[str]:
    """Drop the copies that have not reported since ``silent_since`` (a container's host name changes with every
    start: its old names would stay in the list for ever); returns their names. Should one come back, it reports
    again, and if rows it had not applied are gone, it rebuilds, as any silent copy does."""
    names = list(db.session.scalars(select(IndexReplica.name).where(IndexReplica.reported_at < silent_since)
                                    .order_by(IndexReplica.name)))
    if names:
        db.session.execute(delete(IndexReplica).where(IndexReplica.name.in_(names)))
        db.session.commit()
    return names


def plan_pruning(keep_days: float = KEEP_DAYS, index_dir: str | Path | None = None,
                 ignore: Collection[str] = ()) -> PruneReport:
    """Which outbox rows may go: older than ``keep_days`` and applied by every live index copy.

    Live: the copy reported within LIVE_HOURS (this machine's own copy, ``index_dir``, always is); with no live
    copy nothing goes. The highest row never goes: SQLite gives a new row the highest id plus one, and a reused
    id would be skipped by every copy."""
    now = utcnow()
    report = PruneReport(replicas(index_dir, now, ignore), now - timedelta(days=keep_days))
    live = [r.position for r in report.replicas if r.live]
    if not live:
        return report
    report.floor = min(live)
    highest = max_outbox_id()
    through = db.session.scalar(select(func.max(IndexOutbox.id)).where(
        IndexOutbox.id <= report.floor, IndexOutbox.id < highest, IndexOutbox.created_at < report.older_than))
    if through:
        report.through_id = through
        report.first_id = db.session.scalar(select(func.min(IndexOutbox.id))) or 1
        report.to_delete = db.session.scalar(select(func.count()).where(*_prunable(report))) or 0
    db.session.rollback()
    return report


def _prunable(report: PruneReport) -> list:
    return [IndexOutbox.id <= report.through_id, IndexOutbox.created_at < report.older_than]


def prune(report: PruneReport, progress: Callable[[int], None] | None = None) -> int:
    """Delete what ``plan_pruning`` found, in slices of ids (a long delete never holds SQLite's write lock for
    long); ``progress(ids)`` after each. The run is recorded first, so a copy that had not applied a deleted row
    (a silent one) finds out and rebuilds, even if the run stops half-way."""
    if not report.through_id:
        return 0
    run = OutboxPruning(through_id=report.through_id, older_than=report.older_than)
    db.session.add(run)
    db.session.commit()
    low = report.first_id - 1
    while low < report.through_id:
        high = min(low + PRUNE_BATCH, report.through_id)
        result = db.session.execute(delete(IndexOutbox).where(*_prunable(report), IndexOutbox.id > low,
                                                              IndexOutbox.id <= high))
        db.session.commit()
        report.deleted += result.rowcount
        if progress is not None:
            progress(high - low)
        low = high
    run.deleted = report.deleted
    db.session.commit()
    return report.deleted
