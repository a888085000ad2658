"""Uploaded resolution files kept on the server between the import preview and saving.

Each upload is staged (kb/staging.py) in ``instance/uploads-tmp/resolution-imports/<token>/``: the file under
its cleaned original name, and in its meta the uploader and the extracted text. A token that is malformed,
unknown, stale or another user's finds nothing.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from kb.attachments.extract import AttachmentError, NotWhatNamed, UnsupportedType, detect
from kb.attachments.services import clean_filename
from kb.resolutions.parser import (
    MAX_FILE_SIZE,
    NOTES_MARK,
    SUPPORTED_EXTENSIONS,
    ParsedResolution,
    ResolutionFormatError,
    extract_text,
)
from kb.resolutions.services import parse_resolution_text
from kb.staging import TTL_SECONDS, StagingArea

AREA = StagingArea("resolution-imports")
# Kinds of content (as kb.attachments.extract.detect names them) a resolution file may have.
_RESOLUTION_KINDS = {"txt", "docx", "odt", "fodt", "rtf", "pdf", "doc"}


class ResolutionFileTooLarge(ResolutionFormatError):
    """Over the size limit of a resolution file (the page answers 413)."""


class UnsupportedExtension(ResolutionFormatError):
    """A file name whose extension is none of a resolution's (the API answers 415)."""


@dataclass(frozen=True)
class StagedUpload:
    """An uploaded resolution file waiting for its preview to be saved."""

    token: str
    filename: str
    user_id: int
    text: str
    parsed: ParsedResolution | None = None  # what the parser found, right after the upload only

    @property
    def shown_text(self) -> str:
        """The text as the preview shows it: the notes' heading without the reader's mark (as it is stored)."""
        return self.text.replace(NOTES_MARK, "")


def too_large_message() -> str:
    size = f"{MAX_FILE_SIZE // (1024 * 1024)} МБ" if MAX_FILE_SIZE >= 1024 * 1024 else f"{MAX_FILE_SIZE // 1024} КБ"
    return f"Файл больше {size} — такой файл не принимается."


def checked_upload(filename: str, data: bytes) -> str:
    """The cleaned name of an uploaded resolution file (kb.attachments.services.clean_filename) when the bank can
    read it as a resolution: not too large, an extension of a resolution file, and content of that kind (a PNG or
    a renamed DOCX called «.txt» is refused, not read as text).

    Raises :class:`ResolutionFileTooLarge`, :class:`UnsupportedExtension` or :class:`ResolutionFormatError` with
    a message for the user. The web import and the API both check an upload here.
    """
    if len(data) > MAX_FILE_SIZE:
        raise ResolutionFileTooLarge(too_large_message())
    name = clean_filename(filename)
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_EXTENSIONS:
        raise UnsupportedExtension(f"Неподдерживаемый формат файла ({suffix or 'без расширения'}): "
                                   f"поддерживаются {', '.join(SUPPORTED_EXTENSIONS)}.")
    try:
        kind = detect(data, name)  # the content decides, not the extension
    except NotWhatNamed as exc:  # binary data as «.txt» or «.pdf»: its own message, no list with that format in it
        raise ResolutionFormatError(str(exc)) from None
    except UnsupportedType as exc:  # what it is, and the formats of a resolution, not those of a practice's files
        raise ResolutionFormatError(f"Неподдерживаемый тип файла{exc.found}. Резолюция принимается в форматах "
                                    f"{', '.join(SUPPORTED_EXTENSIONS)}.") from None
    except AttachmentError as exc:
        raise ResolutionFormatError(str(exc)) from None
    if kind not in _RESOLUTION_KINDS:
        raise ResolutionFormatError(f"Этот файл не похож на текст резолюции: поддерживаются "
                                    f"{', '.join(SUPPORTED_EXTENSIONS)}.")
    return name


def read_upload(filename: str, data: bytes) -> tuple[str, str]:
    """(cleaned name, text) of an uploaded resolution file, checked as :func:`checked_upload` does, keeping
    nothing (the API imports at once, without a preview). Messages about the text name the uploaded file."""
    name = checked_upload(filename, data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        return name, extract_text(path)


def stage_upload(filename: str, data: bytes, user_id: int) -> StagedUpload:
    """Check an uploaded file, read its text and keep it under a new token.

    Raises :class:`ResolutionFormatError` (or :class:`ResolutionFileTooLarge`) with a message for the user;
    nothing is kept then.
    """
    name = checked_upload(filename, data)
    token, folder = AREA.create()
    try:
        path = folder / name
        path.write_bytes(data)
        text = extract_text(path)
        parsed = parse_resolution_text(text)  # refused now, not at each look at its preview (too many recommendations)
        AREA.write_meta(folder, {"filename": name, "user_id": user_id, "created": time.time(), "text": text})
    except BaseException:
        AREA.discard(token)
        raise
    return StagedUpload(token, name, user_id, text, parsed)


def load_staged(token: str, user_id: int) -> StagedUpload | None:
    """The upload kept under ``token`` for this user, or None."""
    found = AREA.read_meta(token)
    if found is None:
        return None
    _folder, meta = found
    if meta.get("user_id") != user_id or time.time() - float(meta.get("created", 0)) > TTL_SECONDS:
        return None
    return StagedUpload(token, str(meta["filename"]), user_id, str(meta["text"]))


def discard(token: str) -> None:
    """Forget an upload (after saving or cancelling)."""
    AREA.discard(token)
