"""Reading the stored files of attachments again with the current reader (`reread-files`).

An attachment's text is extracted once, when its file is uploaded, and kept in the database: the index is built
from that text, not from the file. A better reader (Word's Symbol-font bullets as «•», DOCX text in tracked
insertions and content controls) gives nothing to the files attached before it, until their text is read again.

Here every stored file is read again with the same reader an upload uses; where the text differs, the new text is
stored through the ORM, so the flush writes the practice's outbox row as an upload does and the index writer learns
it the usual way. A file missing on disk, damaged (its bytes no longer give its SHA-256), over the size limit or one
the reader now refuses keeps its stored text and is reported.

The attachments are read in id order, BATCH rows at a time, and no database transaction is held open while their
files are read (a long PDF takes seconds): each group of new texts (at most TEXT_BUDGET characters) is compared and
written in a short transaction of its own and committed, so an interrupted run keeps what it has done and a second
run finds nothing left to change.

A practice's ``updated_at`` is not moved: the text of its files is not part of what the API (its JSON and ETag),
OAI-PMH or the sitemap show, only of what the search finds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import Select, func, select

from kb.attachments.extract import EXTRACTORS, AttachmentError, extract_text
from kb.attachments.models import Attachment
from kb.attachments.services import too_large_message
from kb.attachments.storage import FileStorage, storage
from kb.errors import os_error_reason
from kb.extensions import db

BATCH = 100                # attachments whose files are read between two reads of the database
TEXT_BUDGET = 8_000_000    # characters of new text held before they are compared and written

MISSING = "файла нет на диске"
DAMAGED = "файл повреждён (содержимое не совпадает с его контрольной суммой)"


@dataclass(frozen=True)
class Problem:
    """An attachment whose file was not read; its stored text is kept."""

    attachment_id: int
    practice_id: int
    name: str
    reason: str
    lost: bool  # the file is missing or damaged (not a refusal of the reader): take it from a backup


@dataclass
class RereadReport:
    read: int = 0       # files read
    changed: int = 0    # …whose text differed from the stored one (stored, or with dry_run: would be)
    problems: list[Problem] = field(default_factory=list)

    @property
    def lost(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.lost]


class _NotRead(Exception):
    def __init__(self, reason: str, lost: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.lost = reason, lost


def _selected(query: Select, kinds: Collection[str]) -> Select:
    return query.where(Attachment.kind.in_(list(kinds))) if kinds else query


def count_attachments(kinds: Collection[str] = ()) -> int:
    """How many attachments ``reread_files`` reads (of ``kinds``; all if none)."""
    return db.session.scalar(_selected(select(func.count()).select_from(Attachment), kinds)) or 0


def read_again(store: FileStorage, digest: str, kind: str) -> str:
    """The text of a stored file as the current reader gives it; raises _NotRead with the reason."""
    try:
        path = store.path(digest)
        size = path.stat().st_size
    except (ValueError, FileNotFoundError):  # not a digest at all: no file can be its
        raise _NotRead(MISSING, lost=True) from None
    except OSError as exc:
        raise _NotRead(f"файл не читается: {os_error_reason(exc)}") from None
    if size > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise _NotRead(too_large_message())
    if kind not in EXTRACTORS:
        raise _NotRead(f"тип файла «{kind}» эта версия программы не читает")
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # deleted meanwhile (its attachment removed)
        raise _NotRead(MISSING, lost=True) from None
    except OSError as exc:
        raise _NotRead(f"файл не читается: {os_error_reason(exc)}") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise _NotRead(DAMAGED, lost=True)
    try:
        return extract_text(data, kind)
    except AttachmentError as exc:
        raise _NotRead(str(exc)) from None


def reread_files(kinds: Collection[str] = (), dry_run: bool = False,
                 progress: Callable[[int], None] | None = None) -> RereadReport:
    """Read the file of every attachment (of ``kinds``; all if none) again and store the text where it changed
    (``dry_run``: only count them); ``progress(1)`` after each file."""
    store, report, last = storage(), RereadReport(), 0
    rows_query = select(Attachment.id, Attachment.practice_id, Attachment.original_name, Attachment.kind,
                        Attachment.sha256).order_by(Attachment.id).limit(BATCH)
    while True:
        rows = db.session.execute(_selected(rows_query.where(Attachment.id > last), kinds)).all()
        db.session.rollback()  # nothing held open while the files are read
        if not rows:
            return report
        texts: dict[int, str] = {}
        held = 0
        for attachment_id, practice_id, name, kind, digest in rows:
            try:
                texts[attachment_id] = text = read_again(store, digest, kind)
                report.read += 1
                held += len(text)
            except _NotRead as problem:
                report.problems.append(Problem(attachment_id, practice_id, name, problem.reason, problem.lost))
            if held > TEXT_BUDGET:
                _store(texts, report, dry_run)
                texts, held = {}, 0
            if progress is not None:
                progress(1)
        _store(texts, report, dry_run)
        last = rows[-1][0]


def _store(texts: dict[int, str], report: RereadReport, dry_run: bool) -> None:
    """Compare the new texts with the stored ones and write those that differ, in one short transaction. The rows
    are locked (PostgreSQL) so that a removal of one of them meanwhile waits for this commit; an attachment removed
    since its file was read is passed over. The flush writes the practices' outbox rows (kb.search.outbox)."""
    if not texts:
        return
    query = select(Attachment).where(Attachment.id.in_(list(texts))).order_by(Attachment.id)
    for attachment in db.session.scalars(query if dry_run else query.with_for_update()):
        if attachment.text != texts[attachment.id]:
            report.changed += 1
            if not dry_run:
                attachment.text = texts[attachment.id]
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    db.session.expunge_all()
