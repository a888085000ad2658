"""Attaching files to practices: checks, storage, text extraction, downloads."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from flask import Response, current_app, send_file
from sqlalchemy import Connection, delete, event, func, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from kb.accounts.models import User
from kb.accounts.services import record
from kb.attachments.extract import (
    KINDS,
    PACKAGE_KINDS,
    AttachmentError,
    check_package,
    detect,
    extract_text,
    legacy_tools,
)
from kb.attachments.models import Attachment, StoredFile
from kb.attachments.storage import storage
from kb.extensions import db, upsert
from kb.practices import policy
from kb.practices.models import Practice
from kb.practices.services import PermissionDenied
from kb.routing import download_disposition, windows_safe
from kb.statistics.counters import count_quietly
from kb.timeutil import utcnow

MAX_PER_PRACTICE = 30
MAX_NAME_BYTES = 255


class FileTooLarge(AttachmentError):
    """Over the per-file limit (the API answers 413; the page names the file and goes on with the others)."""


def too_large_message() -> str:
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    size = f"{limit // (1024 * 1024)} МБ" if limit >= 1024 * 1024 else f"{limit // 1024} КБ"
    return f"Файл больше {size} — такой файл не принимается."


def clean_filename(name: str) -> str:
    """The file's own name for display and downloads: no folders, no control characters, at most 255 bytes in
    UTF-8 (what a file system takes: 128 Cyrillic letters are 256), shortened before its extension. A
    non-breaking or a narrow space (a name typed in Word) is a space: dropped as unprintable, it ran words together.
    A name Windows keeps for a device gets «_» before it (kb.routing.windows_safe): «CON.docx» is «_CON.docx»."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in name)
    name = PurePath(name.replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    name = windows_safe(name) if name else ""  # before the cut: the «_» is within the 255 bytes
    if len(name.encode()) > MAX_NAME_BYTES:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension.encode()) > 16:
            stem, extension = name, ""
        room = MAX_NAME_BYTES - len(extension.encode()) - (1 if extension else 0)
        stem = stem.encode()[:room].decode(errors="ignore").rstrip(" .")
        name = f"{stem}.{extension}" if extension else stem
    return name or "файл"


# The name of a multipart part as a quoted string (not RFC 2231's «filename*=», which encodes a backslash as %5C).
_QUOTED_FILENAME = re.compile(r'(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"', re.IGNORECASE)


def sent_filename(upload: FileStorage) -> str:
    """An uploaded file's name as its client sent it. A browser sends a backslash in the name as it is (the HTML
    standard escapes only quotes and line breaks), and some send the whole Windows path; Werkzeug reads each
    backslash as an escape and drops it, so «C:\\Users\\Учитель\\план урока.txt» became «C:UsersУчительплан урока.txt».
    Here the name is read again from the part's header and keeps what follows the last folder separator."""
    disposition = upload.headers.get("Content-Disposition", "") if upload.headers else ""
    quoted = _QUOTED_FILENAME.search(disposition)
    if quoted is None or "filename*" in disposition.lower() or "\\" not in quoted.group(1):
        return upload.filename or ""
    raw = quoted.group(1).replace('\\"', '"').replace("%22", '"')
    return re.split(r"[\\/]", raw)[-1]


def attached_message(attachment: Attachment) -> tuple[str, str]:
    """What the uploader is told of a file attached, and the message's category: a warning for a scan, whose
    words nobody would find."""
    if no_text_layer(attachment.kind, attachment.text):
        return f"Файл «{attachment.original_name}» приложен, но {NO_TEXT_LAYER}.", "warning"
    words = len(attachment.text.split())
    return f"Файл «{attachment.original_name}» приложен" + (f" (слов в тексте: {words})." if words else
                                                           ", но текста в нём не найдено."), "success"


@dataclass(frozen=True)
class CheckedFile:
    """A file found acceptable, with its text: what ``add_attachment`` stores (the bytes are passed again)."""

    name: str
    kind: str
    text: str
    sha256: str


NO_TEXT_LAYER = "в файле нет текстового слоя (скан): его текст не попадёт в поиск"


def no_text_layer(kind: str, text: str) -> bool:
    """Whether a file is a PDF whose text has no words (none, or a stray page number): a scan, whose words no
    search will find."""
    return kind == "pdf" and not any(character.isalpha() for character in text)


def check_file(filename: str, data: bytes) -> CheckedFile:
    """Check one file and extract its text, writing nothing; raises AttachmentError. The slow part of an upload
    (a PDF of a hundred pages takes seconds): a bulk import does it before it takes the database's write lock."""
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise FileTooLarge(too_large_message())
    name = clean_filename(filename)
    kind = detect(data, name)
    return CheckedFile(name, kind, extract_text(data, kind), hashlib.sha256(data).hexdigest())


def precheck_file(filename: str, data: bytes) -> str:
    """What can be known of a file without reading its text, in milliseconds: its type by content and name, and
    the refusals its format tells up front — a password (a PDF's or an Office package's), a package that unpacks
    too big, DOC, XLS or PPT on a server without their readers; returns the kind. Damage deep inside a document
    shows only when its text is extracted (``check_file``). A check of a whole registry's files (a ZIP of a
    hundred long PDFs) ran past the web server's time limit when it extracted them all."""
    kind = detect(data, clean_filename(filename))
    if kind in PACKAGE_KINDS:
        check_package(data)  # its parts unpacked a piece at a time and let go: not the package made again in memory
    elif kind == "pdf":
        from pypdf import PdfReader

        try:
            readable = not PdfReader(io.BytesIO(data)).is_encrypted
        except Exception:  # noqa: BLE001 - as in extract.py: the extraction below says what the import would
            readable = False
        if not readable:
            extract_text(data, kind)  # the import's own refusal (a password, or damage)
    elif kind in ("doc", "xls", "ppt") and not legacy_tools(kind):
        extract_text(data, kind)  # «DOC on this server is not supported»
    return kind


def add_attachment(user: User, practice: Practice, filename: str, data: bytes,
                   checked: CheckedFile | None = None) -> Attachment:
    """Check, store and extract one file (``checked``: done already by ``check_file`` for these bytes); raises
    AttachmentError (nothing is written) or PermissionDenied."""
    if not policy.can_edit(user, practice):
        raise PermissionDenied
    if len(data) > current_app.config["ATTACHMENT_MAX_BYTES"]:
        raise FileTooLarge(too_large_message())
    count = db.session.scalar(select(func.count()).where(Attachment.practice_id == practice.id)) or 0
    if count >= MAX_PER_PRACTICE:
        raise AttachmentError(f"К практике можно приложить не больше {MAX_PER_PRACTICE} файлов.")
    if checked is None or checked.sha256 != hashlib.sha256(data).hexdigest():
        checked = check_file(filename, data)
    digest = checked.sha256
    claim_file(db.session.connection(), digest)  # until this transaction ends, no deletion of these bytes
    if storage().save(data, digest):
        db.session.info.setdefault(_WRITTEN_FILES, set()).add(digest)  # deleted again if the upload is undone
    attachment = Attachment(practice_id=practice.id, original_name=checked.name, kind=checked.kind, size=len(data),
                            sha256=digest, text=checked.text, uploaded_by_id=user.id)
    db.session.add(attachment)
    practice.updated_at = utcnow()  # a new file is a change a reader sees: the ETag, OAI datestamps, the sitemap
    db.session.flush()
    return attachment


def remove_attachment(user: User, attachment: Attachment) -> None:
    """Detach a file; its bytes are deleted once the removal is committed and no other attachment uses them."""
    practice = attachment.practice
    if not policy.can_edit(user, practice):
        raise PermissionDenied
    record("attachment_deleted", user, "practice", practice.id, details={"file": attachment.original_name})
    db.session.delete(attachment)
    practice.updated_at = utcnow()
    db.session.flush()


# Files whose last attachment this transaction removed (a file, or a practice with its files): deleted from
# the disk only after the commit. Deleted before it, a commit that then failed (the database restarting, a
# full disk) left the attachment in the bank and its file gone.
_UNUSED_FILES = "kb_unused_files"
# Files this transaction wrote to the disk: deleted again when it is rolled back, or when a rolled-back savepoint
# (a failed row of a bulk import) took away the attachment they were written for.
_WRITTEN_FILES = "kb_written_files"


@event.listens_for(Session, "after_flush")
def _note_unused_files(session: Session, _context) -> None:
    unused = session.info.get(_UNUSED_FILES, set())
    unused -= {obj.sha256 for obj in session.new if isinstance(obj, Attachment)}  # attached again
    removed = {obj.sha256 for obj in session.deleted if isinstance(obj, Attachment)}
    if removed:
        used = session.connection().scalars(select(Attachment.sha256).where(Attachment.sha256.in_(removed)))
        unused |= removed - set(used)
    if unused:
        session.info[_UNUSED_FILES] = unused


@event.listens_for(Session, "after_commit")
def _delete_unused_files(session: Session) -> None:
    """After the real commit, delete the files left unused. SQLAlchemy fires ``after_commit`` also when a savepoint
    is released (each row of a bulk import): the transaction is still open then, its attachments not visible to
    another connection, and a cleanup looking from one took every new file for unused and waited 2 s for the lock
    to delete it. The lists wait for the outer transaction (a rolled-back savepoint's files are in them too)."""
    if session.in_nested_transaction():
        return
    digests = session.info.pop(_UNUSED_FILES, set())
    if written := session.info.pop(_WRITTEN_FILES, None):
        with db.engine.connect() as connection:
            digests |= written - set(connection.scalars(select(Attachment.sha256)
                                                        .where(Attachment.sha256.in_(written))))
    if digests:
        delete_unused_files(digests)


# How long a deletion waits for an upload of the same bytes to commit (PostgreSQL), or for SQLite's one write lock,
# before it leaves the file to `check-files --remove-orphans`. Less than SQLite's busy timeout (5 s): the cleanup
# after an upload that failed because SQLite was busy must not keep its 503 waiting another 5 s for each file.
DELETE_LOCK_TIMEOUT_MS = 2000


def claim_file(connection: Connection, digest: str, exclusive: bool = False) -> None:
    """Lock the file's row (made if missing) until the transaction ends: an upload of these bytes and a deletion of
    them wait for each other. Without it, an upload that found the file on disk, committed after a deletion had
    checked that no attachment used it, and the deletion then took away the file the new attachment needed.

    An upload's lock is shared on PostgreSQL (FOR SHARE): uploads of the same bytes (a bulk import holding its
    rows for a hundred lines, a teacher attaching the same file meanwhile) do not wait for each other, only a
    deletion (``exclusive``) waits for them. SQLite has one writer at a time anyway: there the upload's write to
    the row is the lock."""
    if exclusive or connection.dialect.name != "postgresql":
        upsert(connection, StoredFile, {"sha256": digest}, "sha256")
        return
    connection.execute(postgresql.insert(StoredFile).values(sha256=digest).on_conflict_do_nothing())
    connection.execute(select(StoredFile.sha256).where(StoredFile.sha256 == digest).with_for_update(read=True))


def delete_unused_files(digests) -> int:
    """Delete the files no attachment uses, each in a short transaction of its own that holds only its row (so
    never a deadlock with a bulk import holding several); returns how many were deleted. A file still in use,
    or one whose row stays locked past the timeout, is kept: harmless, `check-files` lists it."""
    store, deleted = storage(), 0
    for digest in sorted(digests):
        try:
            with db.engine.begin() as connection, _short_lock_wait(connection):
                claim_file(connection, digest, exclusive=True)
                if connection.scalar(select(Attachment.id).where(Attachment.sha256 == digest).limit(1)) is None:
                    store.delete(digest)
                    connection.execute(delete(StoredFile).where(StoredFile.sha256 == digest))
                    deleted += 1
        except (OSError, SQLAlchemyError) as exc:  # its attachment is gone; the bytes stay as an orphan
            current_app.logger.warning("An unused file was not deleted (%s): %s", digest, exc)
    return deleted


@contextmanager
def _short_lock_wait(connection: Connection) -> Iterator[None]:
    """Wait at most DELETE_LOCK_TIMEOUT_MS for a lock in this transaction (SQLite: the pooled connection gets its
    own busy timeout back afterwards)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = {DELETE_LOCK_TIMEOUT_MS}"))
        yield
        return
    previous = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql(f"PRAGMA busy_timeout = {DELETE_LOCK_TIMEOUT_MS}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")


@event.listens_for(Session, "after_transaction_end")
def _undo_files_rolled_back(session: Session, transaction) -> None:
    """The whole transaction ended without a commit (rolled back, or the session closed with it open): its
    removals keep their files, the files its uploads wrote go (unless another upload of the same bytes has used
    them since: ``delete_unused_files`` looks). A commit has taken both lists by now (``after_commit`` comes
    first), and a savepoint's end changes nothing here: the commit looks at what is left."""
    if transaction.parent is not None:
        return
    session.info.pop(_UNUSED_FILES, None)
    if written := session.info.pop(_WRITTEN_FILES, None):
        delete_unused_files(written)


def count_download(attachment: Attachment) -> None:
    db.session.execute(update(Attachment).where(Attachment.id == attachment.id)
                       .values(downloads=Attachment.downloads + 1))


def download(attachment: Attachment) -> Response | None:
    """The file of an attachment its reader may have (the caller decides: the site's link for its session, the
    API's for its token), counted; None when its bytes are missing. send_file answers Range and conditional
    requests; a name that is not all ASCII is sent as filename*=UTF-8''… with the fallback
    ``attachment-<id>.<ext>`` (send_file's own fallback keeps only the name's ASCII characters: «ИОМ.pdf» was
    saved as «.pdf» by a client that reads only filename=)."""
    path = storage().path(attachment.sha256)
    if not path.is_file():
        return None
    count_quietly(lambda: count_download(attachment))
    name = windows_safe(attachment.original_name)  # a name stored before clean_filename guarded devices' names
    response = send_file(path, mimetype=KINDS[attachment.kind][1], as_attachment=True, download_name=name,
                         max_age=0)
    if not name.isascii():
        response.headers["Content-Disposition"] = download_disposition(name, _fallback_name(attachment))
    return response


def _fallback_name(attachment: Attachment) -> str:
    """«attachment-12.pdf»: the number and the name's own extension when it is plain ASCII («.md»), else the
    kind's."""
    extension = PurePath(attachment.original_name).suffix[1:].lower()
    if not (extension.isascii() and extension.isalnum() and len(extension) <= 10):
        extension = attachment.kind
    return f"attachment-{attachment.id}.{extension}"
