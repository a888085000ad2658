"""Where uploaded bytes live: content-addressed files under UPLOAD_DIR (no user-supplied name touches the disk)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app


class FileStorage:
    """Files named by their SHA-256, two folder levels deep: uploads/ab/cd/abcd…"""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ValueError("not a SHA-256 digest")
        return self.root / digest[:2] / digest[2:4] / digest

    def save(self, data: bytes, digest: str | None = None) -> bool:
        """Store the bytes (once, however often they are uploaded) under their digest (``digest``: already
        computed by the caller); returns whether this call wrote the file. A file of another size under that name
        (cut short by a disk fault) is replaced."""
        digest = digest or hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if written := not target.is_file() or target.stat().st_size != len(data):
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                try:
                    handle.write(data)
                    handle.flush()  # a full disk shows here, not after the rename
                except BaseException:
                    handle.close()
                    os.unlink(handle.name)
                    raise
            os.replace(handle.name, target)
        return written

    def delete(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)


def storage() -> FileStorage:
    return FileStorage(current_app.config["UPLOAD_DIR"])
