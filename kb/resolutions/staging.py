"""Uploaded resolution files kept on the server between the import preview and saving.

Each upload lives in its own folder named by a random token (``instance/uploads/resolution-imports/<token>/``):
the file under its cleaned original name and ``meta.json`` with the uploader and the extracted text. The
browser only ever sends the token back; a token that is malformed, unknown, stale or another user's finds nothing.
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

from kb.attachments.extract import AttachmentError, detect
from kb.attachments.extract import extract_text as extract_file_text
from kb.attachments.services import clean_filename
from kb.resolutions.parser import MAX_FILE_SIZE, SUPPORTED_EXTENSIONS, ResolutionFormatError, extract_text

MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# Kinds of content (as kb.attachments.extract.detect names them) a resolution file may have.
_RESOLUTION_KINDS = {"txt", "docx", "odt", "rtf", "pdf", "doc"}


class ResolutionFileTooLarge(ResolutionFormatError):
    """Over the size limit of a resolution file (the page answers 413)."""


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded resolution file waiting for its preview to be saved."""

    token: str
    filename: str
    user_id: int
    text: str


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "resolution-imports"


def too_large_message() -> str:
    size = f"{MAX_FILE_SIZE // (1024 * 1024)} МБ" if MAX_FILE_SIZE >= 1024 * 1024 else f"{MAX_FILE_SIZE // 1024} КБ"
    return f"Файл больше {size} — такой файл не принимается."


def stage_upload(filename: str, data: bytes, user_id: int) -> StagedUpload:
    """Check an uploaded file, read its text and keep it under a new token.

    Raises :class:`ResolutionFormatError` (or :class:`ResolutionFileTooLarge`) with a message for the user;
    nothing is kept then.
    """
    if len(data) > MAX_FILE_SIZE:
        raise ResolutionFileTooLarge(too_large_message())
    name = clean_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise ResolutionFormatError(f"Неподдерживаемый формат файла ({suffix or 'без расширения'}): "
                                    f"поддерживаются {', '.join(SUPPORTED_EXTENSIONS)}.")
    try:
        kind = detect(data, name)  # the content decides, not the extension
    except AttachmentError as exc:
        raise ResolutionFormatError(str(exc)) from None
    if kind not in _RESOLUTION_KINDS:
        raise ResolutionFormatError(f"Этот файл не похож на текст резолюции: поддерживаются "
                                    f"{', '.join(SUPPORTED_EXTENSIONS)}.")
    if kind == "docx":
        # The resolution reader takes a .docx as it is; the attachments' reader first refuses encrypted
        # packages and zip bombs, so the file goes through it once before being kept.
        try:
            extract_file_text(data, kind)
        except AttachmentError as exc:
            raise ResolutionFormatError(str(exc)) from None
    discard_stale()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True)
    try:
        path = folder / name
        path.write_bytes(data)
        text = extract_text(path)
        meta = {"filename": name, "user_id": user_id, "created": time.time(), "text": text}
        (folder / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return StagedUpload(token, name, user_id, text)


def load_staged(token: str, user_id: int) -> StagedUpload | None:
    """The upload kept under ``token`` for this user, or None."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    try:
        meta = json.loads((_root() / token / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("user_id") != user_id or time.time() - float(meta.get("created", 0)) > MAX_AGE_SECONDS:
        return None
    return StagedUpload(token, str(meta["filename"]), user_id, str(meta["text"]))


def discard(token: str) -> None:
    """Forget an upload (after saving or cancelling)."""
    if _TOKEN.fullmatch(token or ""):
        shutil.rmtree(_root() / token, ignore_errors=True)


def discard_stale() -> None:
    """Remove uploads older than a day whose preview was never saved."""
    root = _root()
    if not root.is_dir():
        return
    limit = time.time() - MAX_AGE_SECONDS
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
