"""The stored files against the attachments in the database: what is missing, damaged or left over.

A file is missing when its bytes were lost (a disk restored from an older copy, a hand-made change); it is
damaged when its bytes no longer give the SHA-256 it is named by; it is left over when no attachment uses it
(an upload whose database commit failed, a temporary file of a process that died while writing).
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from kb.attachments.models import Attachment
from kb.attachments.services import delete_unused_files
from kb.attachments.storage import FileStorage, storage
from kb.extensions import db

# A left-over file younger than this may be an upload whose commit is still on its way: never removed.
ORPHAN_MIN_AGE = 3600


@dataclass(frozen=True)
class FileUse:
    """One attachment that uses a stored file."""

    attachment_id: int
    practice_id: int
    name: str


@dataclass
class FileReport:
    checked: int = 0
    missing: dict[str, list[FileUse]] = field(default_factory=dict)
    damaged: dict[str, list[FileUse]] = field(default_factory=dict)
    orphans: list[Path] = field(default_factory=list)
    orphan_bytes: int = 0
    removed: int = 0

    @property
    def clean(self) -> bool:
        """No attachment lacks its bytes (left-over files harm nothing)."""
        return not self.missing and not self.damaged


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _is_stored(store: FileStorage, path: Path) -> bool:
    try:
        return path == store.path(path.name)
    except ValueError:
        return False


def used_files() -> dict[str, list[FileUse]]:
    """Digest -> the attachments that use it."""
    uses: dict[str, list[FileUse]] = defaultdict(list)
    rows = db.session.execute(select(Attachment.sha256, Attachment.id, Attachment.practice_id,
                                     Attachment.original_name).order_by(Attachment.id))
    for digest, attachment_id, practice_id, name in rows:
        uses[digest].append(FileUse(attachment_id, practice_id, name))
    return dict(uses)


def check_files(remove_orphans: bool = False, progress: Callable[[int], None] | None = None,
                uses: dict[str, list[FileUse]] | None = None) -> FileReport:
    """Read every stored file once (``progress(1)`` after each); with ``remove_orphans`` delete the left-over
    files older than ``ORPHAN_MIN_AGE``."""
    store = storage()
    uses = used_files() if uses is None else uses
    report = FileReport()
    for digest, users in uses.items():
        try:
            path = store.path(digest)
        except ValueError:  # not a digest at all: no file can be its
            path = None
        if path is None or not path.is_file():
            report.missing[digest] = users
        else:
            report.checked += 1
            if _digest(path) != digest:
                report.damaged[digest] = users
        if progress is not None:
            progress(1)
    now = time.time()
    for path in sorted(p for p in store.root.rglob("*") if p.is_file()):  # no folder yet: nothing
        stored = _is_stored(store, path)
        if stored and path.name in uses:
            continue
        stat = path.stat()
        report.orphans.append(path)
        report.orphan_bytes += stat.st_size
        if remove_orphans and now - stat.st_mtime >= ORPHAN_MIN_AGE:
            if stored:  # under its row's lock: an upload of the same bytes may have come since
                report.removed += delete_unused_files([path.name])
            else:
                path.unlink(missing_ok=True)
                report.removed += 1
    return report
