"""Backup and restore: one archive with the database (a logical dump), uploads and the instance config.

The dump is JSON lines per table, read and written through SQLAlchemy, so a bank backed up from
SQLite restores onto PostgreSQL and back. The search index is not in the archive: it is derived
from the database and rebuilt after a restore.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import Date, DateTime, Integer, LargeBinary, Table, delete, func, insert, select, text

from kb.extensions import db
from kb.timeutil import utcnow

FORMAT_VERSION = 1
# Derived data: the change log only feeds the index, which a restore rebuilds.
SKIPPED_TABLES = {"index_outbox"}
# What makes an instance non-empty: restoring over it would mix two banks.
CONTENT_TABLES = ("practice", "resolution", "user")
BATCH = 1000


class BackupError(RuntimeError):
    """A backup or restore that cannot be carried out; the message is for the operator."""


@dataclass
class RestoreReport:
    rows: dict[str, int] = field(default_factory=dict)
    uploads: int = 0
    config_restored: bool = False


def _tables() -> list[Table]:
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


def create_backup(target: Path, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Write the archive; returns rows per table."""
    counts: dict[str, int] = {}
    revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    with tarfile.open(partial, "w:gz") as archive:
        for table in _tables():
            lines = []
            for row in db.session.execute(select(table)).mappings():
                lines.append(json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False))
            counts[table.name] = len(lines)
            _add_bytes(archive, f"db/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
            if progress:
                progress(1)
        manifest = {"format": FORMAT_VERSION, "created_at": utcnow().isoformat(), "alembic_revision": revision,
                    "tables": counts}
        _add_bytes(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        uploads = Path(current_app.config["UPLOAD_DIR"])
        if uploads.is_dir():
            archive.add(uploads, arcname="uploads")
        config = Path(current_app.instance_path) / "config.py"
        if config.is_file():
            archive.add(config, arcname="instance/config.py")
    partial.replace(target)
    db.session.rollback()
    return counts


def _safe_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    members = {}
    for member in archive.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Архив содержит недопустимый путь: {name}")
        members[name] = member
    return members


def restore_backup(source: Path, force: bool = False) -> RestoreReport:
    """Load an archive into this (migrated, empty) instance; the index must be rebuilt afterwards."""
    try:
        archive = tarfile.open(source, "r:gz")  # noqa: SIM115 - closed by the with-block below
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Не удалось открыть архив {source}: {exc}") from exc
    with archive:
        members = _safe_members(archive)
        if "manifest.json" not in members:
            raise BackupError("Это не архив банка практик: нет manifest.json.")
        manifest = json.loads(archive.extractfile(members["manifest.json"]).read())
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"Неизвестный формат архива: {manifest.get('format')}.")
        current = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        if manifest.get("alembic_revision") != current:
            raise BackupError(
                f"Схема архива ({manifest.get('alembic_revision')}) не совпадает со схемой базы ({current}): "
                "восстанавливайте в ту же версию программы."
            )
        if not force:
            for name in CONTENT_TABLES:
                table = db.metadata.tables[name]
                if db.session.scalar(select(func.count()).select_from(table)):
                    raise BackupError("База не пуста: восстановление возможно только в пустой экземпляр "
                                      "(или с --force, что удалит текущие данные).")
        report = RestoreReport()
        tables = _tables()
        for table in reversed(tables):
            db.session.execute(delete(table))
        for table in tables:
            member = members.get(f"db/{table.name}.jsonl")
            if member is None:
                continue
            decode = _decoder(table)
            rows = [decode(json.loads(line)) for line in archive.extractfile(member).read().decode().splitlines()
                    if line.strip()]
            for start in range(0, len(rows), BATCH):
                db.session.execute(insert(table), rows[start:start + BATCH])
            report.rows[table.name] = len(rows)
        _reset_sequences(tables)
        db.session.commit()

        uploads = Path(current_app.config["UPLOAD_DIR"])
        with tempfile.TemporaryDirectory() as tmp:
            names = [m for n, m in members.items() if n.startswith(("uploads/", "instance/config.py"))]
            archive.extractall(tmp, members=names, filter="data")
            if (Path(tmp) / "uploads").is_dir():
                shutil.copytree(Path(tmp) / "uploads", uploads, dirs_exist_ok=True)
                report.uploads = sum(1 for p in (Path(tmp) / "uploads").rglob("*") if p.is_file())
            config = Path(tmp) / "instance" / "config.py"
            if config.is_file():
                target = Path(current_app.instance_path) / "config.py"
                if target.exists():
                    shutil.copy2(target, target.with_name("config.py.before-restore"))
                shutil.copy2(config, target)
                report.config_restored = True
    return report


def _reset_sequences(tables: list[Table]) -> None:
    """PostgreSQL sequences must continue after the restored ids (SQLite needs nothing)."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer):
            db.session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX(\"{pk[0].name}\") FROM \"{table.name}\"), 0) + 1, false)"
            ))
