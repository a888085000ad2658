"""Uploaded registries waiting for confirmation: staged (kb/staging.py) under a random token, never re-uploaded."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from kb.staging import StagingArea

AREA = StagingArea("bulkimport")
REGISTRY = "registry"
ARCHIVE = "files.zip"
CLAIMED = "import.claimed"  # the import of this upload has been started
CHECK = "check.json"  # the report of the check (dry run), for its CSV
CHUNK = 1 << 20  # an uploaded archive is copied this much at a time


class TooLarge(Exception):
    """The uploaded archive is over its limit: nothing was kept."""


@dataclass
class Staged:
    """A checked upload: its folder, who uploaded it and what they asked for."""

    token: str
    folder: Path
    user_id: int
    registry_name: str
    archive_name: str
    publish: bool

    @property
    def registry_path(self) -> Path:
        return self.folder / REGISTRY

    @property
    def archive_path(self) -> Path | None:
        path = self.folder / ARCHIVE
        return path if path.is_file() else None


def root() -> Path:
    """instance/uploads-tmp/bulkimport: beside the uploads (not in them, so backups skip it)."""
    return AREA.root()


def stage(user_id: int, registry_name: str, registry: bytes, archive_name: str, archive: BinaryIO | None,
          publish: bool, archive_limit: int | None = None) -> Staged:
    """Keep an upload until it is confirmed (or expires after a day; an imported one keeps its progress page
    for a day too). The archive (up to ``archive_limit`` bytes, the page's 100 MB by default) is copied from its upload
    stream a megabyte at a time, never held in memory whole; over the limit, nothing is kept (``TooLarge``)."""
    token, folder = AREA.create()
    staged = Staged(token, folder, user_id, registry_name, archive_name, publish)
    (folder / REGISTRY).write_bytes(registry)
    if archive is not None:
        path, written = folder / ARCHIVE, 0
        with path.open("wb") as out:
            while chunk := archive.read(CHUNK):
                written += len(chunk)
                if archive_limit is not None and written > archive_limit:
                    break
                out.write(chunk)
        if archive_limit is not None and written > archive_limit:
            discard(staged)
            raise TooLarge
        if not written:  # an empty file field: no archive
            path.unlink()
    meta = {"user_id": user_id, "registry_name": registry_name, "archive_name": archive_name, "publish": publish}
    AREA.write_meta(folder, meta)
    return staged


def find(token: str) -> Staged | None:
    """The upload with this token, whoever uploaded it (the caller decides who may see it)."""
    found = AREA.read_meta(token)
    if found is None:
        return None
    folder, meta = found
    return Staged(token, folder, int(meta.get("user_id") or 0), meta.get("registry_name", ""),
                  meta.get("archive_name", ""), bool(meta.get("publish")))


def load(token: str, user_id: int) -> Staged | None:
    """The upload with this token if it exists and belongs to this user."""
    staged = find(token)
    return staged if staged is not None and staged.user_id == user_id else None


def claim(staged: Staged) -> bool:
    """Take the upload for its import, once: the marker file is created atomically (O_EXCL), so of two
    confirmations (a double click, two workers) only one gets True and starts the import."""
    try:
        descriptor = os.open(staged.folder / CLAIMED, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def claimed(staged: Staged) -> bool:
    return (staged.folder / CLAIMED).exists()


def claimed_at(staged: Staged) -> float | None:
    try:
        return (staged.folder / CLAIMED).stat().st_mtime
    except OSError:
        return None


def drop_files(staged: Staged) -> None:
    """Delete the registry and the archive once imported; the folder keeps its meta and progress for the page."""
    for path in (staged.folder / REGISTRY, staged.folder / ARCHIVE):
        path.unlink(missing_ok=True)


def save_check(staged: Staged, report: dict) -> None:
    (staged.folder / CHECK).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")


def read_check(staged: Staged) -> dict | None:
    try:
        return json.loads((staged.folder / CHECK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def discard(staged: Staged) -> None:
    AREA.discard(staged.token)
