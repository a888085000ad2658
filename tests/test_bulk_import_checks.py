"""Bulk import checks that agree with what comes after them: the edit form's limits, one-line fields, ZIP names
as any archiver writes them, registries laid out as offices make them, and a check that says what the import
will really do."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from kb.extensions import db
from tests.test_bulk_import import csv_bytes, docx_bytes, row, zip_bytes


def check(app, user_id: int, registry: bytes, archive: Path | None = None, dry_run: bool = True):
    """Run the import (a dry run unless told) as this user; the report."""
    from kb.accounts.models import User
    from kb.bulkimport.archive import FileArchive
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    with app.app_context():
        files = FileArchive(archive, 25 << 20) if archive is not None else None
        try:
            report = run_import(db.session.get(User, user_id), read_registry(registry, 100), files, dry_run=dry_run)
        finally:
            if files is not None:
                files.close()
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        return report


# -- ZIP names ---------------------------------------------------------------------------------------------------


def unflagged_zip(names: dict[bytes, bytes]) -> bytes:
    """A ZIP whose entries' names are these raw bytes with no UTF-8 flag, as Info-ZIP's zip on Linux and the macOS
    archiver write UTF-8 names, and Windows archivers CP866 ones."""
    placeholders = {chr(ord("a") + i).encode() * len(raw): raw for i, raw in enumerate(names)}  # as long as each
    data = zip_bytes({placeholder.decode(): names[raw] for placeholder, raw in placeholders.items()})
    for placeholder, raw in placeholders.items():
        assert data.count(placeholder) == 2  # the local and the central header
        data = data.replace(placeholder, raw)
    for offset in (m.start() for m in re.finditer(b"PK\x01\x02|PK\x03\x04", data)):
        flag_at = offset + (8 if data[offset + 2] == 1 else 6)
        assert struct.unpack_from("<H", data, flag_at)[0] & 0x800 == 0
    return data


def test_zip_names_in_utf8_without_the_flag_are_found(app, make_user, tmp_path):
    """Every file of an archive made by «zip» on Linux or by macOS was «нет в архиве»: its UTF-8 names were read as
    CP866 («╨╛╤é╤ç╤æ╤é.docx»)."""
    from kb.bulkimport.archive import FileArchive

    document = docx_bytes("Отчёт о практике.")
    path = tmp_path / "files.zip"
    path.write_bytes(unflagged_zip({"отчёт.docx".encode(): document, "папка/план.docx".encode(): document,
                                    "справка.docx".encode("cp866"): document}))
    archive = FileArchive(path, 25 << 20)
    assert sorted(archive.names()) == ["отчёт.docx", "папка/план.docx", "справка.docx"]
    archive.close()

    admin = make_user("admin")
    rows = [row("Z-1", "Практика с отчётом", files="отчёт.docx; план.docx; справка.docx"),
            row("Z-2", "Практика с опечаткой в имени", files="отчет1.docx")]
    report = check(app, admin, csv_bytes(rows), path)
    assert report.rows[0].errors == [] and report.rows[0].files == ["отчёт.docx", "план.docx", "справка.docx"]
    assert report.rows[1].errors == [
        "Файл «отчет1.docx»: файла «отчет1.docx» нет в архиве; похожие имена в архиве: «отчёт.docx»."]

