"""Backup and restore: one archive with the database (a logical dump), uploads and the instance config.

The dump is JSON lines per table, read and written through SQLAlchemy, so a bank backed up from
SQLite restores onto PostgreSQL and back. The search index is not in the archive: it is derived
from the database and rebuilt after a restore.

Every table is read in one transaction, so the archive is the bank at one moment even while the site is in
use (REPEATABLE READ on PostgreSQL, one read transaction on SQLite, whose write-ahead log keeps that moment for
the reader): tables read one after another at different moments held an attachment without its practice, and
that archive did not restore. The files are those the attachments of that moment use.

The manifest, written last, lists every table with its row count and every file of the archive with
its SHA-256. A restore checks the archive against it before it commits anything: an archive cut short
by an interrupted copy, a damaged byte, a table file missing or edited by hand is refused with a
message, and the bank stays as it was. (Archives written before the checksums carry only the counts.)
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import io
import json
import logging
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import Config, current_app
from sqlalchemy import Date, DateTime, Integer, LargeBinary, MetaData, Table, delete, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from kb.attachments.models import Attachment
from kb.attachments.storage import FileStorage
from kb.config import PRIVATE_FOLDER, DefaultConfig, instance_defaults, private_opener, write_private
from kb.errors import os_error_reason
from kb.extensions import db
from kb.schema import database_revision, downgrade_schema, migrate_schema, revisions_before
from kb.search.outbox import renew_database_mark
from kb.timeutil import bank_zone, utcnow

FORMAT_VERSION = 1
# Derived data: the change log only feeds the index, which a restore rebuilds; the positions of the index copies
# and the runs of prune-outbox describe that log, not the bank; the database's mark (which index copies follow it)
# is the database's own, not the bank's: a restore gives the database a new one (every index copy is rebuilt).
SKIPPED_TABLES = {"index_outbox", "index_replica", "index_outbox_pruning", "database_identity"}
# What makes an instance non-empty: restoring over it would mix two banks.
CONTENT_TABLES = ("practice", "resolution", "user")
BATCH = 1000
# What tarfile and gzip raise for an archive cut short or damaged while its members are read.
READ_ERRORS = (OSError, EOFError, tarfile.TarError, zlib.error)
DAMAGED = ("Архив повреждён или обрезан (скопирован не до конца?): восстанавливать из него нельзя, "
           "возьмите другую копию.")


# How many times a backup starts again when a file its snapshot needs was deleted before it was read.
FILE_ATTEMPTS = 3


class BackupError(RuntimeError):
    """A backup or restore that cannot be carried out; the message is for the operator."""


class _FileDeleted(Exception):
    """A file the snapshot's attachments use was deleted (its attachment removed since) before it was read."""


@dataclass
class BackupReport:
    rows: dict[str, int] = field(default_factory=dict)
    files: int = 0
    missing_files: list[str] = field(default_factory=list)  # used by attachments, absent from the disk already


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    uploads: int = 0
    config_restored: bool = False
    config_kept: dict[str, object] = field(default_factory=dict)  # this instance's own locations, kept
    migrated_from: str | None = None  # the archive's schema, older than this version's, migrated since
    replaced_files: int = 0  # files of the bank restored over (--force) that no restored attachment uses, deleted
    # NUL characters dropped from the texts of each table on the way into PostgreSQL, which takes none (SQLite
    # kept them: a name typed, a file's text, before the bank dropped control characters)
    nul_removed: dict[str, int] = field(default_factory=dict)


# Settings that belong to this instance, not to the bank: where its data lives and how it is served. The archive's
# config.py (secret key, mail, limits…) replaces the instance's, but these stay as they were for this instance, set
# by its own config.py or by default in its folder: restoring a bank moved from SQLite onto PostgreSQL must not
# point the instance back at the old database, and a new instance restored from another bank's archive must not
# write into that bank's index. A production instance restored from a development bank's archive lost
# INDEX_SYNC_AFTER_REQUEST = False (its web workers then wrote the index beside the writer), PROXY_COUNT (every
# visitor was the proxy's address: one person's failed logins locked everyone out), its host names and its cookies.
# INDEX_NAME is this index copy's name in index_replica: taken from another server's archive, two copies reported
# their positions under one name, and prune-outbox kept the journal by whichever of them wrote last.
INSTANCE_SETTINGS = ("SQLALCHEMY_DATABASE_URI", "INDEX_DIR", "UPLOAD_DIR", "RATELIMIT_STORAGE_URI", "INDEX_NAME",
                     "INDEX_SYNC_AFTER_REQUEST", "PROXY_COUNT", "SITE_HOSTS", "SITE_URL", "SESSION_COOKIE_SECURE")
KEPT_NOTE = ("Оставлено от этого экземпляра при восстановлении (flask restore): где его база, индекс и файлы и как "
             "его обслуживают.")


def _instance_settings(config_file: Path) -> dict[str, object] | None:
    """The location settings a config.py sets (not those from the environment); None if it does not load."""
    own = Config(str(config_file.parent))
    try:
        own.from_pyfile(str(config_file))
    except Exception:  # noqa: BLE001 - a config that does not load
        return None
    return {key: str(own[key]) if isinstance(own[key], str | os.PathLike) else own[key]
            for key in INSTANCE_SETTINGS if key in own}


def _kept_settings(instance_config: Path, archived_config: Path) -> dict[str, object]:
    """What the restored config.py must say so that this instance keeps its locations: the values its own
    config.py set, and, for those the archive's config sets (all, if it does not load) but this instance left
    to the default, the default of this instance's folder."""
    own = (_instance_settings(instance_config) if instance_config.exists() else None) or {}
    archived = _instance_settings(archived_config)
    defaults = {key: getattr(DefaultConfig, key, None) for key in INSTANCE_SETTINGS}
    defaults.update(instance_defaults(current_app.instance_path))
    return {key: own[key] if key in own else defaults[key] for key in INSTANCE_SETTINGS
            if key in own or archived is None or key in archived}


def backed_up_tables() -> list[Table]:
    """The tables an archive holds, in the order a backup writes them (its progress counts these)."""
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def _encode(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(table: Table) -> Callable[[dict], dict]:
    kinds = {c.name: c.type for c in table.columns}

    def decode(row: dict) -> dict:
        out = {}
        for name, value in row.items():
            kind = kinds.get(name)
            if value is not None and isinstance(kind, DateTime):
                value = datetime.fromisoformat(value)
            elif value is not None and isinstance(kind, Date):
                value = date.fromisoformat(value)
            elif value is not None and isinstance(kind, LargeBinary):
                value = base64.b64decode(value)
            out[name] = value
        return out

    return decode


def _add_bytes(archive: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(payload))


def default_archive_name() -> str:
    """kb-20261206-101521+0500.tar.gz: the bank's own clock (TIME_ZONE), as on its pages, with its offset from UTC,
    so that the name says which moment it is on any server."""
    return f"kb-{datetime.now(bank_zone()):%Y%m%d-%H%M%S%z}.tar.gz"


ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")


def archive_target(output: str) -> Path:
    """The archive ``backup -o`` names: a file ending in .tar.gz or .tgz, or a folder that exists (the path ends
    in «/», or names a folder, or has no archive extension), the archive getting its default name in it.

    A missing folder is not made and a name without the extension is not taken for a file: `-o /backups` with the
    folder forgotten wrote an archive named «backups», and every next night replaced it.
    """
    path = Path(output)
    if path.is_dir():
        return path / default_archive_name()
    is_file_name = path.name.lower().endswith(ARCHIVE_SUFFIXES) and not output.endswith(("/", os.sep))
    if is_file_name:
        return path
    if path.exists():
        raise BackupError(f"Не удаётся записать архив в {path}: это не папка, а имя файла архива должно оканчиваться "
                          "на .tar.gz или .tgz. Ничего не записано.")
    raise BackupError(f"Не удаётся записать архив в {path}: нет папки {path}. Создайте её или укажите другую (или "
                      "файл с расширением .tar.gz или .tgz). Ничего не записано.")


def create_backup(target: Path, progress: Callable[[int], None] | None = None,
                  make_folder: bool = False) -> BackupReport:
    """Write the archive (``make_folder``: its folder too, else the folder must exist); the archive appears under
    its name only when complete."""
    partial = target.with_name(target.name + ".partial")
    try:
        if make_folder:
            target.parent.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        elif not target.parent.exists():  # a mistyped folder is not made, with all its parents, for the archive
            raise BackupError(f"Не удаётся записать архив {target}: нет папки {target.parent}. Создайте её или "
                              "укажите другую. Ничего не записано.")
        if target.is_dir():  # found before the whole database is read, not when the archive is renamed to it
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
        _discard(partial)  # one left by a killed backup would keep its mode
        for _attempt in range(FILE_ATTEMPTS):
            try:
                report = _write_archive(partial, progress)
                break
            except _FileDeleted:
                continue
        else:
            raise BackupError("Пока шло копирование, файлы вложений удалялись, и архив не успевал взять их "
                              f"(попыток: {FILE_ATTEMPTS}). Повторите копирование позже. Ничего не записано.")
        partial.replace(target)
    except OSError as exc:  # no space left, no permission, a file where a folder should be…
        _discard(partial)
        raise BackupError(f"Не удаётся записать архив {target}: {os_error_reason(exc)}. Ничего не записано.") from exc
    except BaseException:
        _discard(partial)
        raise
    return report


def _discard(partial: Path) -> None:
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


@contextlib.contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection all of whose reads see the database at one moment, while others go on writing."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                   postgresql_readonly=True) as connection, connection.begin():
            yield connection
        return
    # SQLite: the driver begins a transaction only before a write, so each SELECT would see the database as it
    # is then; one begun by hand is one read transaction, and the write-ahead log keeps its moment for it.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("BEGIN")
        try:
            yield connection
        finally:
            with contextlib.suppress(SQLAlchemyError):  # a failed read may have ended it already
                connection.exec_driver_sql("ROLLBACK")  # it only read


def _write_archive(partial: Path, progress: Callable[[int], None] | None) -> BackupReport:
    """The files the snapshot's attachments use, its tables and the config, then the manifest listing them."""
    report = BackupReport()
    digests: dict[str, str] = {}

    def add(name: str, payload: bytes) -> None:
        digests[name] = hashlib.sha256(payload).hexdigest()
        _add_bytes(archive, name, payload)

    with (_snapshot() as connection, open(partial, "wb", opener=private_opener) as out,
          tarfile.open(partial, "w:gz", fileobj=out) as archive):
        revision = database_revision(connection)
        # The files first, soon after the snapshot's moment: one whose attachment is removed afterwards is deleted
        # from the disk after that removal's commit, and the sooner it is read, the less likely that is.
        store = FileStorage(current_app.config["UPLOAD_DIR"])
        gone = []
        for digest in _used_files(connection):
            try:
                payload = store.path(digest).read_bytes()
            except (FileNotFoundError, ValueError):  # ValueError: not a digest (a row edited by hand)
                gone.append(digest)
                continue
            add(f"uploads/{store.path(digest).relative_to(store.root).as_posix()}", payload)
            report.files += 1
        if gone:
            report.missing_files = _still_used(gone)
            if len(report.missing_files) < len(gone):
                raise _FileDeleted  # removed since the snapshot: the archive would lack a file it lists
        for table in backed_up_tables():
            name = f"db/{table.name}.jsonl"
            report.rows[table.name], digests[name] = _dump_table(table, archive, name, partial.parent, connection)
            if progress:
                progress(1)
        config = Path(current_app.instance_path) / "config.py"
        if config.is_file():
            add("instance/config.py", config.read_bytes())
        manifest = {"format": FORMAT_VERSION, "created_at": utcnow().isoformat(), "alembic_revision": revision,
                    "tables": report.rows, "sha256": digests}
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
    return report


def _used_files(connection: Connection) -> list[str]:
    """The digests of the files the snapshot's attachments use."""
    return list(connection.scalars(select(Attachment.sha256).distinct().order_by(Attachment.sha256)))


def _still_used(digests: list[str]) -> list[str]:
    """Those of ``digests`` an attachment uses now (the others were removed after the snapshot)."""
    with db.engine.connect() as connection:
        return sorted(connection.scalars(select(Attachment.sha256).distinct().where(Attachment.sha256.in_(digests))))


def _dump_table(table: Table, archive: tarfile.TarFile, name: str, spool_dir: Path,
                connection: Connection) -> tuple[int, str]:
    """The table as JSON lines into the archive, row by row through a temporary file beside the archive (a
    table of 100,000 practices is 0.7 GB of JSON: it is never held in memory); returns its rows and SHA-256."""
    digest = hashlib.sha256()
    count = 0
    with tempfile.TemporaryFile(dir=spool_dir) as spool:
        rows = connection.execute(select(table).execution_options(stream_results=True, max_row_buffer=BATCH))
        for row in rows.mappings():
            line = (json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False) + "\n").encode()
            digest.update(line)
            spool.write(line)
            count += 1
        info = tarfile.TarInfo(name)
        info.size = spool.tell()
        info.mtime = int(utcnow().timestamp())
        spool.seek(0)
        archive.addfile(info, spool)
    return count, digest.hexdigest()


def _safe_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    try:
        listed = archive.getmembers()  # reads the archive to its end: a truncated one fails here
        _check_end(archive)
    except READ_ERRORS as exc:
        raise BackupError(DAMAGED) from exc
    for member in listed:
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Архив содержит недопустимый путь: {name}")
        members[name] = member
    return members


END_CHUNK = 1 << 20


def _check_end(archive: tarfile.TarFile) -> None:
    """tarfile ends the list of members, without a word, at a header it cannot read (a damaged byte in the middle
    of the archive turns the rest into noise): what follows the last member listed must be the end of a tar
    archive, blocks of zeros, up to the end of the gzip stream, whose checksum (CRC) this reading checks too."""
    fileobj = archive.fileobj
    fileobj.seek(archive.offset)
    while chunk := fileobj.read(END_CHUNK):
        if chunk.strip(b"\0"):
            raise tarfile.ReadError(f"data after the last member read, at {archive.offset}")


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo, digests: dict | None) -> bytes:
    """A member's bytes, checked against the manifest's SHA-256 when it has one."""
    try:
        payload = archive.extractfile(member).read()
    except READ_ERRORS as exc:
        raise BackupError(DAMAGED) from exc
    if digests is not None and hashlib.sha256(payload).hexdigest() != digests.get(member.name):
        raise BackupError(f"{DAMAGED} Не совпадает контрольная сумма файла {member.name}.")
    return payload


def _manifest(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo]) -> dict:
    if "manifest.json" not in members:
        if any(name.startswith("db/") and name.endswith(".jsonl") for name in members):
            # the tables of a bank, and the manifest, written last, lost: cut short, or broken before its end
            raise BackupError(f"{DAMAGED} В нём нет описи (manifest.json), которая пишется последней.")
        raise BackupError("Это не архив банка практик: нет manifest.json.")
    try:
        manifest = json.loads(_read(archive, members["manifest.json"], None))
    except ValueError:  # not JSON, not UTF-8
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict) or not isinstance(
            manifest.get("sha256", {}), dict):
        raise BackupError(f"{DAMAGED} Опись архива (manifest.json) не читается.")
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Неизвестный формат архива: {manifest.get('format')}.")
    return manifest


def _check_contents(members: dict[str, tarfile.TarInfo], manifest: dict, tables: list[Table]) -> None:
    """Every table of the schema, and every file the manifest lists, is in the archive, and nothing else."""
    missing = [t.name for t in tables if f"db/{t.name}.jsonl" not in members or t.name not in manifest["tables"]]
    if missing:
        raise BackupError(f"{DAMAGED} В архиве нет таблиц: {', '.join(missing)}.")
    digests = manifest.get("sha256")
    if digests is None:
        return
    files = {name for name, member in members.items() if member.isfile() and name != "manifest.json"}
    if absent := sorted(set(digests) - files):
        raise BackupError(f"{DAMAGED} В архиве нет файлов, которые перечислены в его описи: "
                          f"{', '.join(absent[:5])}.")
    if unlisted := sorted(files - set(digests)):
        raise BackupError(f"В архиве есть файлы, которых нет в его описи: {', '.join(unlisted[:5])}. "
                          "Архив изменён после создания; восстанавливать из него нельзя.")


def _without_nul(value: object) -> tuple[object, int]:
    """``value`` (a text, or a JSON value with its texts) without NUL characters, and how many it had."""
    if isinstance(value, str):
        found = value.count("\x00")
        return (value.replace("\x00", ""), found) if found else (value, 0)
    if isinstance(value, list):
        items = [_without_nul(item) for item in value]
        return [item for item, _ in items], sum(found for _, found in items)
    if isinstance(value, dict):
        pairs = [(_without_nul(key), _without_nul(item)) for key, item in value.items()]
        return {key: item for (key, _), (item, _) in pairs}, sum(a + b for (_, a), (_, b) in pairs)
    return value, 0


def _restore_table(archive: tarfile.TarFile, member: tarfile.TarInfo, table: Table, digests: dict | None,
                   expected: object, nul_removed: dict[str, int] | None = None) -> int:
    """Insert the table's rows in batches as they are read; checked against the manifest (checksum, row count)
    at the end, before the caller commits. Returns the rows inserted. With ``nul_removed`` (into PostgreSQL,
    which takes no NUL in a text), NUL characters are dropped from the texts and counted there."""
    decode = _decoder(table)
    columns = set(table.columns.keys())
    digest = hashlib.sha256()
    batch: list[dict] = []
    count = 0
    nuls = 0
    # A line that does not parse and a batch the database refuses stop the inserts, not the reading: the
    # checksum of the whole file tells a damaged archive from rows this database will not take.
    broken: Exception | None = None
    refused: Exception | None = None
    refused_rows: list[dict] = []  # the batch the database refused
    try:
        stream = archive.extractfile(member)
        for number, raw in enumerate(stream, start=1):
            digest.update(raw)
            if broken is not None or refused is not None or not raw.strip():
                continue
            try:
                row = json.loads(raw.decode())
                if not isinstance(row, dict) or not set(row) <= columns:
                    raise ValueError(f"строка {number} не подходит к таблице")
                row = decode(row)
            except (ValueError, TypeError, AttributeError) as exc:  # UnicodeDecodeError, JSONDecodeError too
                broken = exc
                continue
            if nul_removed is not None:
                row, found = _without_nul(row)
                nuls += found
            batch.append(row)
            count += 1
            if len(batch) == BATCH:
                refused = _insert(table, batch)
                refused_rows, batch = batch, []
        if batch and broken is None and refused is None:
            refused = _insert(table, batch)
            refused_rows = batch
    except READ_ERRORS as exc:
        raise BackupError(DAMAGED) from exc
    if digests is not None and digest.hexdigest() != digests.get(member.name):
        raise BackupError(f"{DAMAGED} Не совпадает контрольная сумма файла {member.name}.")
    if broken is not None:
        raise BackupError(f"{DAMAGED} Таблица {table.name}: {str(broken)[:200]}") from broken
    if refused is not None and _foreign_key_violation(refused):
        # An intact archive whose rows refer to rows it does not have: its tables were read at different moments
        # (a backup made while the site was in use, by a version before the one-snapshot backup).
        raise BackupError(
            f"Архив несогласован: строки таблицы {table.name} ссылаются на строки {_referred_tables(table, refused)}, "
            "которых в архиве нет. Так бывает с копией, снятой во время "
            "работы сайта прежней версией программы (таблицы читались в разные моменты). База тут ни при чём: "
            "возьмите другую копию или снимите новую. Ничего не изменено.") from refused
    if refused is not None:
        # an intact archive whose rows this database refuses (SQLite keeps a title longer than its column,
        # PostgreSQL does not)
        raise BackupError(f"Таблица {table.name} не записывается в эту базу: "
                          f"{_refusal_reason(table, refused, refused_rows)}. Ничего не изменено.") from refused
    if count != expected:
        raise BackupError(f"{DAMAGED} В таблице {table.name} строк {count}, а по описи {expected}.")
    if nuls and nul_removed is not None:
        nul_removed[table.name] = nuls
    return count


def _refusal_reason(table: Table, error: Exception, rows: list[dict]) -> str:
    """Why the database refused a batch of the table's rows, in Russian where the database's reason is known
    (PostgreSQL's SQLSTATE, SQLite's message); else its own words."""
    orig = getattr(error, "orig", None) or error
    state = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    words = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    column = getattr(diag, "column_name", None)
    constraint = getattr(diag, "constraint_name", None)
    if isinstance(orig, OverflowError) or state == "22003" or "too large" in words:
        return "число больше, чем вмещает столбец"
    if state == "22001":
        found = _too_long(table, rows)
        if found is None:
            return "значение длиннее, чем вмещает столбец"
        name, limit, key = found
        where = f" (запись №{key})" if key is not None else ""
        return f"в столбце {name} значение длиннее {limit} символов, которые он вмещает{where}"
    if state == "23505" or words.startswith("UNIQUE constraint failed"):
        what = constraint or words.partition(":")[2].strip()
        return f"повторяется значение, которое должно быть единственным ({what})" if what else \
            "повторяется значение, которое должно быть единственным"
    if state == "23502" or words.startswith("NOT NULL constraint failed"):
        what = column or words.partition(":")[2].strip()
        return f"не заполнен обязательный столбец {what}" if what else "не заполнен обязательный столбец"
    if state == "23514" or words.startswith("CHECK constraint failed"):
        what = constraint or words.partition(":")[2].strip()
        return f"значение не проходит проверку {what}" if what else "значение не проходит проверку"
    return words[:200]


def _too_long(table: Table, rows: list[dict]) -> tuple[str, int, object] | None:
    """The first text of ``rows`` longer than its column: (column, its length, the row's id)."""
    limits = {c.name: c.type.length for c in table.columns if isinstance(getattr(c.type, "length", None), int)}
    pk = list(table.primary_key.columns)
    for row in rows:
        for name, limit in limits.items():
            value = row.get(name)
            if isinstance(value, str) and len(value) > limit:
                return name, limit, row.get(pk[0].name) if len(pk) == 1 else None
    return None


def _insert(table: Table, rows: list[dict]) -> Exception | None:
    try:
        with _quiet_pipeline():
            db.session.execute(insert(table), rows)
    except (SQLAlchemyError, OverflowError) as exc:
        return exc
    return None


class _PipelineAborted(logging.Filter):
    """psycopg inserts a batch in pipeline mode; a row the database refuses aborts the pipeline, and psycopg then
    logs, in English, the second error of ending it («error ignored terminating <psycopg.Pipeline …>: pipeline
    aborted») beside the first, which the restore reports itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored terminating")


@contextlib.contextmanager
def _quiet_pipeline() -> Iterator[None]:
    logger, noise = logging.getLogger("psycopg"), _PipelineAborted()
    logger.addFilter(noise)
    try:
        yield
    finally:
        logger.removeFilter(noise)


def _foreign_key_violation(error: Exception) -> bool:
    """A row that refers to a row the database does not have (SQLSTATE 23503; SQLite's «FOREIGN KEY constraint
    failed»)."""
    if not isinstance(error, IntegrityError):
        return False
    return (getattr(error.orig, "sqlstate", None) == "23503"
            or "FOREIGN KEY constraint failed" in str(error.orig))


def _referred_tables(table: Table, error: Exception) -> str:
    """The tables the refused rows refer to: the one the violated constraint names (PostgreSQL says which), else
    every table this one refers to."""
    constraint = getattr(getattr(error.orig, "diag", None), "constraint_name", None)
    keys = [key for key in table.foreign_key_constraints if key.name == constraint] or table.foreign_key_constraints
    names = sorted({key.referred_table.name for key in keys})
    return f"таблицы {names[0]}" if len(names) == 1 else f"таблиц {' или '.join(names)}"


def restore_backup(source: Path, force: bool = False) -> RestoreReport:
    """Load an archive into this (migrated, empty) instance; the index must be rebuilt afterwards.

    Everything is checked before the database transaction commits; on BackupError the caller rolls back.
    """
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the with-block below
    except READ_ERRORS as exc:  # gzip's and tarfile's own words are English: "not a gzip file"
        reason = (os_error_reason(exc) if isinstance(exc, OSError) and exc.errno is not None
                  else "это не архив банка практик (.tar.gz) или он повреждён")
        raise BackupError(f"Не удалось открыть архив {source}: {reason}.") from exc
    with archive:
        members = _safe_members(archive)
        manifest = _manifest(archive, members)
        current = database_revision(db.session.connection())
        archived = manifest.get("alembic_revision")
        older = archived != current and archived in revisions_before(current)
        if archived != current and not older:
            raise BackupError(
                f"Схема архива ({archived}) не совпадает со схемой базы ({current}) и не старше её: архив сделан "
                "другой, более новой версией программы. Восстанавливайте в ту же или более новую версию."
            )
        empty = not any(db.session.scalar(select(func.count()).select_from(db.metadata.tables[name]))
                        for name in CONTENT_TABLES)
        if not empty and (older or not force):
            raise BackupError("База не пуста: восстановление возможно только в пустой экземпляр"
                              + (" (архив более старой версии программы — только так)." if older else
                                 " (или с --force, что удалит текущие данные)."))
        if not older:
            return _load(archive, members, manifest, backed_up_tables(), replacing=not empty)
        # An archive of an older version: the empty database goes back to the archive's schema, takes its rows,
        # and the migrations since then bring them up to this version, as they would an old bank's own database.
        db.session.rollback()
        try:
            try:
                downgrade_schema(archived)
            except Exception as exc:  # noqa: BLE001 - a migration's downgrade that fails: said in one line
                raise BackupError(f"Не удалось привести базу к схеме архива ({archived}): {exc}. "
                                  "Ничего не восстановлено.") from exc
            report = _load(archive, members, manifest, _reflected_tables())
            report.migrated_from = archived
        finally:
            db.session.rollback()
            migrate_schema()  # on a failure too: the instance is left empty, with this version's schema
        return report


def _reflected_tables() -> list[Table]:
    """The tables as the database has them now (an older schema than the models'), parents before children."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED_TABLES | {"alembic_version"}]


def _load(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo], manifest: dict,
          tables: list[Table], replacing: bool = False) -> RestoreReport:
    """Replace the rows of ``tables`` with the archive's, then its files and config (nothing is committed from an
    archive found damaged on the way); ``replacing`` a bank (--force), delete the files only it used."""
    from kb.attachments.check import used_files
    from kb.attachments.services import delete_unused_files

    _check_contents(members, manifest, tables)
    digests = manifest.get("sha256")
    report = RestoreReport()
    with tempfile.TemporaryDirectory() as tmp:
        # the files first, checked, so that nothing is committed from an archive damaged at its end
        for name, member in members.items():
            if member.isfile() and name.startswith(("uploads/", "instance/config.py")):
                target = Path(tmp, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(_read(archive, member, digests))
        replaced = set(used_files()) if replacing else set()  # the files of the bank a --force restore replaces
        for table in reversed(tables):
            db.session.execute(delete(table))
        for table in tables:
            report.rows[table.name] = _restore_table(
                archive, members[f"db/{table.name}.jsonl"], table, digests, manifest["tables"][table.name],
                report.nul_removed if db.engine.dialect.name == "postgresql" else None)
        _continue_counters(tables)
        # The bank's content is replaced without a row in the change log: a new mark for the database makes every
        # index copy that follows it (this instance's and those of other machines on the same database) rebuild.
        renew_database_mark()
        db.session.commit()

        uploads = Path(current_app.config["UPLOAD_DIR"])
        if (Path(tmp) / "uploads").is_dir():
            shutil.copytree(Path(tmp) / "uploads", uploads, dirs_exist_ok=True)
            report.uploads = sum(1 for p in (Path(tmp) / "uploads").rglob("*") if p.is_file())
        if replaced := replaced - set(used_files()):  # left, they were orphans that check-files then listed
            report.replaced_files = delete_unused_files(replaced)
        config = Path(tmp) / "instance" / "config.py"
        if config.is_file():
            target = Path(current_app.instance_path) / "config.py"
            restored = config.read_bytes()
            report.config_kept = _kept_settings(target, config)
            if target.exists():
                shutil.copy2(target, target.with_name("config.py.before-restore"))
            if report.config_kept:
                restored = restored.rstrip(b"\n") + ("\n\n# " + KEPT_NOTE + "\n" + "".join(
                    f"{key} = {value!r}\n" for key, value in report.config_kept.items())).encode()
            write_private(target, restored)
            report.config_restored = True
    return report


# Where a bank remembers ids of rows it no longer has: (table, id column, column naming the table the id is of).
# Those of migration p6orf0000001 (the index's change log is not in an archive) and the audit log's events about
# a row (a deleted account's «user_deleted», a deleted practice's «practice_deleted»).
ID_TRACES = (("collection_item", "item_id", "item_type"), ("oai_tombstone", "item_id", "kind"),
             ("audit_event", "target_id", "target_type"))


def _highest_given(tables: list[Table]) -> dict[str, int]:
    """For each table with one integer key, the highest id the restored rows remember: its own rows', the
    columns that refer to it, and the traces of deleted rows (ID_TRACES)."""
    by_name = {t.name: t for t in tables}
    highest: dict[str, int] = {}

    def note(name: str, value: object) -> None:
        if isinstance(value, int) and value > highest.get(name, 0):
            highest[name] = value

    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer):
            note(table.name, db.session.scalar(select(func.max(pk[0]))))
        for key in table.foreign_keys:
            if key.column.table.name in by_name and len(list(key.column.table.primary_key.columns)) == 1:
                note(key.column.table.name, db.session.scalar(select(func.max(key.parent))))
    for trace, column, kind in ID_TRACES:
        if trace in by_name and {column, kind} <= set(by_name[trace].columns.keys()):
            t = by_name[trace]
            for name, value in db.session.execute(select(t.c[kind], func.max(t.c[column])).group_by(t.c[kind])):
                if name in by_name:
                    note(name, value)
    return highest


def _continue_counters(tables: list[Table]) -> None:
    """Each table's counter of new ids continues after the highest id the archive remembers (``_highest_given``)
    and is never moved back: a deleted practice's or account's number is not given again after a restore, as it is
    not before one (README). PostgreSQL's sequences; SQLite's AUTOINCREMENT counters (sqlite_sequence). The same
    rule as migration p6orf0000001."""
    highest = _highest_given(tables)
    postgresql = db.engine.dialect.name == "postgresql"
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        given = highest.get(table.name, 0)
        if postgresql:
            sequence = db.session.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                         {"table": f'"{table.name}"', "column": pk[0].name})
            if sequence is None:
                continue
            last = db.session.scalar(text("SELECT pg_sequence_last_value(CAST(:sequence AS regclass))"),
                                     {"sequence": sequence}) or 0
            given = max(given, last)
            db.session.execute(text("SELECT setval(CAST(:sequence AS regclass), :value, :called)"),
                               {"sequence": sequence, "value": max(given, 1), "called": given > 0})
            continue
        created = db.session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                    {"name": table.name}) or ""
        if "AUTOINCREMENT" not in created.upper() or not given:
            continue  # only AUTOINCREMENT keeps a counter; without it SQLite gives max(id) + 1 whatever is done
        counter = db.session.scalar(text("SELECT seq FROM sqlite_sequence WHERE name = :name"), {"name": table.name})
        if counter is None:
            db.session.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                               {"name": table.name, "seq": given})
        elif counter < given:
            db.session.execute(text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
                               {"name": table.name, "seq": given})
