"""Uploads kept on the server between a check and its confirmation (a resolution's preview, a registry's dry run).

Each upload has its own folder named by a random token, ``instance/uploads-tmp/<area>/<token>/``, beside the
uploads rather than in them, so backups skip these temporary files. ``meta.json`` in the folder says whose it
is; the browser only ever sends the token back, and a malformed or unknown token finds nothing. Folders older
than a day are removed whenever a new upload is staged.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

TTL_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")  # secrets.token_urlsafe(24)
META = "meta.json"


@dataclass(frozen=True)
class StagingArea:
    """One kind of staged upload: the folders under ``instance/uploads-tmp/<name>/``."""

    name: str

    def root(self) -> Path:
        return Path(current_app.instance_path) / "uploads-tmp" / self.name

    def create(self) -> tuple[str, Path]:
        """A new empty folder and its token (stale folders of this area removed first)."""
        self.expire()
        token = secrets.token_urlsafe(24)
        folder = self.root() / token
        folder.mkdir(parents=True)
        return token, folder

    def folder(self, token: str) -> Path | None:
        """The folder of a well-formed token, existing or not (None for anything else)."""
        return self.root() / token if _TOKEN.fullmatch(token or "") else None

    def read_meta(self, token: str) -> tuple[Path, dict] | None:
        """(folder, meta) of the upload with this token, or None."""
        folder = self.folder(token)
        if folder is None:
            return None
        try:
            return folder, json.loads((folder / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    @staticmethod
    def write_meta(folder: Path, meta: dict) -> None:
        (folder / META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    def discard(self, token: str) -> None:
        if (folder := self.folder(token)) is not None:
            shutil.rmtree(folder, ignore_errors=True)

    def expire(self) -> None:
        """Remove the folders not touched for a day."""
        root = self.root()
        if not root.is_dir():
            return
        limit = time.time() - TTL_SECONDS
        for folder in root.iterdir():
            try:
                if folder.is_dir() and folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue
