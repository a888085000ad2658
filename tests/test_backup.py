"""flask backup → one archive; flask restore onto an empty instance reproduces the bank (SQLite and PostgreSQL)."""

import functools
import hashlib
import io
import json
import re
import tarfile
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice, PracticeVersion
from kb.resolutions.models import Recommendation
from tests.conftest import csrf_from, make_app
from tests.test_postgres import pg_url  # noqa: F401  (fixture)


def _fingerprint(app) -> dict:
    with app.app_context():
        client = app.test_client()
        return {
            "practices": db.session.scalar(select(func.count()).select_from(Practice)),
            "published": db.session.scalar(select(func.count()).where(Practice.status == "published")),
            "recommendations": db.session.scalar(select(func.count()).select_from(Recommendation)),
            "users": sorted(db.session.scalars(select(User.email))),
            # the time of the consent given on the registration form (None for the demo's other accounts)
            "consents": sorted(db.session.execute(select(User.email, User.consent_at)).all()),
            "versions": db.session.scalar(select(func.count()).select_from(PracticeVersion)),
            "titles": sorted(db.session.scalars(select(Practice.title))),
            # Equal scores may come in another order from a rebuilt index: compare the set of hits.
            "search": sorted(r["id"] for r in client.get("/api/v1/search", query_string={"q": "олимпиада"},
                                                         ).json["results"]),
        }


ATTACHED = "Заметки учителя к практике.".encode()
ATTACHED_DIGEST = hashlib.sha256(ATTACHED).hexdigest()
ATTACHED_PATH = f"{ATTACHED_DIGEST[:2]}/{ATTACHED_DIGEST[2:4]}/{ATTACHED_DIGEST}"  # under UPLOAD_DIR


def _edit_something(app):
    """An edit and an attached file (stored as uploads/ATTACHED_PATH); a file no attachment uses, left over."""
    from kb.attachments.services import add_attachment
    from kb.practices.services import PracticeData, update_practice

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1))
        update_practice(admin, practice, PracticeData(title=practice.title + " (ред.)", sections={}, authors=[]))
        teacher = db.session.scalar(select(User).where(User.role == "teacher"))
        teacher.consent_at = datetime(2026, 12, 6, 10, 30, 15, 250000)
        add_attachment(admin, practice, "заметки.txt", ATTACHED)
        db.session.commit()
    uploads = Path(app.config["UPLOAD_DIR"], "ab")
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "left-over.bin").write_bytes(b"bytes of no attachment")


def _round_trip(demo_app, tmp_path, target_url=None):
    _edit_something(demo_app)
    archive = tmp_path / "bank.tar.gz"
    result = demo_app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "db/practice.jsonl" in names and f"uploads/{ATTACHED_PATH}" in names
    assert "uploads/ab/left-over.bin" not in names, "only the files the attachments use"
    assert not any(n.startswith("index") for n in names), "the index is not backed up"

    overrides = {"SQLALCHEMY_DATABASE_URI": target_url} if target_url else {}
    fresh = make_app(tmp_path / "fresh", **overrides)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Индекс перестроен" in restored.output
    assert _fingerprint(fresh) == _fingerprint(demo_app)
    assert (tmp_path / "fresh" / "uploads" / ATTACHED_PATH).read_bytes() == ATTACHED
    assert runner.invoke(args=["check-files"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0
    login = fresh.test_client()
    response = login.post("/login", data={"email": "admin@demo.example", "password": "demo-admin-pass",
                                          "csrf_token": csrf_from(login, "/login")})
    assert response.status_code == 302, "accounts and password hashes survive"
    again = runner.invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "База не пуста" in again.output
    with fresh.app_context():
        highest = db.session.scalar(select(func.max(Practice.id)))
        new = Practice(title="После восстановления", status="draft")
        db.session.add(new)
        db.session.commit()
        assert new.id > highest, "ids continue after the restored ones"
        db.session.remove()
        db.engine.dispose()


def test_backup_restore_round_trip_sqlite(demo_app, tmp_path):
    _round_trip(demo_app, tmp_path)


@pytest.mark.postgres
def test_backup_from_sqlite_restores_onto_postgresql(demo_app, tmp_path, pg_url):  # noqa: F811
    _round_trip(demo_app, tmp_path, pg_url)


@pytest.mark.parametrize("payload", [b"not an archive", b"", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\x00" * 3])
def test_restore_refuses_bad_archives(app, tmp_path, payload):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(payload)
    result = app.test_cli_runner().invoke(args=["restore", str(bad)])
    assert result.exit_code == 1
    assert "Не удалось открыть архив" in result.output
    assert "это не архив банка практик (.tar.gz) или он повреждён." in result.output
    assert not re.search("[A-Za-z]{3,}", result.output.replace(str(bad), "").replace(".tar.gz", "")), result.output


def test_restore_refuses_path_traversal(app, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    result = app.test_cli_runner().invoke(args=["restore", str(evil)])
    assert result.exit_code == 1 and "недопустимый путь" in result.output
    assert not (tmp_path.parent / "escape.txt").exists()


# -- damaged archives: refused with a message before anything is committed -----------------------------


def _backup(app, tmp_path) -> Path:
    archive = tmp_path / "bank.tar.gz"
    assert app.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    return archive


def _retar(source: Path, target: Path, changes: dict) -> Path:
    """A copy of the archive with some members' bytes changed (a callable) or left out (None)."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read() if member.isfile() else None
            if member.name in changes:
                if changes[member.name] is None:
                    continue
                data = changes[member.name](data)
                member.size = len(data)
            new.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


def _restore_over(app, archive: Path):
    return app.test_cli_runner().invoke(args=["restore", "--force", str(archive)])


def _without_checksums(data: bytes) -> bytes:
    manifest = json.loads(data)
    del manifest["sha256"]
    return json.dumps(manifest).encode()


def test_the_manifest_lists_every_file_with_its_checksum(demo_app, tmp_path):
    _edit_something(demo_app)
    with tarfile.open(_backup(demo_app, tmp_path)) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    del files["manifest.json"]
    assert manifest["sha256"] == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert f"uploads/{ATTACHED_PATH}" in files
    assert manifest["tables"]["practice"] == files["db/practice.jsonl"].count(b"\n")


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9])
def test_a_truncated_archive_is_refused_and_the_bank_stays(demo_app, tmp_path, keep):
    archive = _backup(demo_app, tmp_path)
    before = _fingerprint(demo_app)
    data = archive.read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(data[:int(len(data) * keep)])
    result = _restore_over(demo_app, cut)
    assert result.exit_code == 1
    assert "Архив повреждён или обрезан" in result.output
    assert _fingerprint(demo_app) == before


@pytest.mark.parametrize(("name", "change", "message"), [
    ("db/practice.jsonl", None, "нет таблиц: practice"),
    ("db/practice.jsonl", lambda d: d.replace("олимпиад".encode(), "Олимпиад".encode(), 1), "контрольная сумма"),
    ("db/user.jsonl", lambda d: d[:len(d) // 2], "контрольная сумма"),
    ("manifest.json", lambda d: b"{not json", "manifest.json"),
    ("manifest.json", lambda d: b"[]", "manifest.json"),
])
def test_a_damaged_or_incomplete_archive_is_refused_and_the_bank_stays(demo_app, tmp_path, name, change, message):
    before = _fingerprint(demo_app)
    damaged = _retar(_backup(demo_app, tmp_path), tmp_path / "damaged.tar.gz", {name: change})
    result = _restore_over(demo_app, damaged)
    assert result.exit_code == 1
    assert message in result.output
    assert _fingerprint(demo_app) == before


@pytest.mark.parametrize("where", [0.3, 0.5, 0.7])
def test_an_archive_with_damaged_bytes_in_the_middle_is_called_damaged(demo_app, tmp_path, where):
    """tarfile stops listing, silently, at a header it cannot read: the archive lost its manifest (written last)
    and was called «not a bank archive» instead of damaged."""
    _edit_something(demo_app)  # an attached file: the archive starts with uploads/, before any table
    data = bytearray(_backup(demo_app, tmp_path).read_bytes())
    before = _fingerprint(demo_app)
    at = int(len(data) * where)
    data[at:at + 3] = bytes(byte ^ 0xFF for byte in data[at:at + 3])
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(data))
    result = _restore_over(demo_app, damaged)
    assert result.exit_code == 1
    assert "Архив повреждён или обрезан" in result.output and "не архив банка" not in result.output
    assert _fingerprint(demo_app) == before


def test_a_broken_header_in_an_intact_gzip_stream_is_called_damaged(demo_app, tmp_path):
    """The gzip checksum cannot tell a header damaged before compression: what follows the last member read must
    be the end of the archive (zeros), else the archive is damaged."""
    import gzip

    _edit_something(demo_app)
    with gzip.open(_backup(demo_app, tmp_path)) as packed:
        tar = bytearray(packed.read())
    with tarfile.open(fileobj=io.BytesIO(bytes(tar))) as archive:
        second = archive.getmembers()[1]
        assert archive.getmembers()[0].name.startswith("uploads/"), "no table before the broken header"
    tar[second.offset + 148:second.offset + 156] = b"9999999\0"  # its header's checksum
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(gzip.compress(bytes(tar)))
    result = _restore_over(demo_app, broken)
    assert result.exit_code == 1
    assert "Архив повреждён или обрезан" in result.output and "не архив банка" not in result.output


def test_tables_without_a_manifest_are_a_damaged_archive_and_a_foreign_one_is_not_the_banks(demo_app, tmp_path):
    archive = _backup(demo_app, tmp_path)
    without = _retar(archive, tmp_path / "without.tar.gz", {"manifest.json": None})
    result = _restore_over(demo_app, without)
    assert result.exit_code == 1
    assert "Архив повреждён или обрезан" in result.output and "нет описи (manifest.json)" in result.output

    foreign = tmp_path / "photos.tar.gz"
    with tarfile.open(foreign, "w:gz") as tar:
        for name, payload in (("photos/readme.txt", b"holiday photos"), ("photos/list.jsonl", b"{}\n")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    result = _restore_over(demo_app, foreign)
    assert result.exit_code == 1
    assert "Это не архив банка практик: нет manifest.json." in result.output


def test_a_file_added_after_the_backup_is_refused(demo_app, tmp_path):
    archive = _backup(demo_app, tmp_path)
    added = tmp_path / "added.tar.gz"
    with tarfile.open(archive) as old, tarfile.open(added, "w:gz") as new:
        for member in old.getmembers():
            new.addfile(member, old.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("instance/config.py")
        info.size = 4
        new.addfile(info, io.BytesIO(b"x = "))
    result = _restore_over(demo_app, added)
    assert result.exit_code == 1 and "которых нет в его описи" in result.output


def test_an_archive_without_checksums_restores_and_its_row_counts_are_checked(demo_app, tmp_path):
    archive = _backup(demo_app, tmp_path)
    before = _fingerprint(demo_app)
    older = _retar(archive, tmp_path / "older.tar.gz", {"manifest.json": _without_checksums})
    one_row_less = _retar(older, tmp_path / "short.tar.gz",
                          {"db/practice.jsonl": lambda d: b"\n".join(d.split(b"\n")[1:])})
    result = _restore_over(demo_app, one_row_less)
    assert result.exit_code == 1 and "строк" in result.output and "по описи" in result.output
    assert _fingerprint(demo_app) == before

    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(older)])
    assert restored.exit_code == 0, restored.output
    assert _fingerprint(fresh) == before


def test_a_backup_that_cannot_be_written_says_why(app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive's folder should be")
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(blocker / "bank.tar.gz")])
    assert result.exit_code == 1
    assert "Не удаётся записать архив" in result.output and "в пути вместо папки — файл" in result.output


def test_a_missing_folder_is_not_made_for_the_archive(app, tmp_path):
    """README: with no such folder the backup says so and exits 1 (a mistyped -o made the whole path)."""
    target = tmp_path / "bakcups" / "typo" / "bank.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 1
    assert f"Не удаётся записать архив {target}: нет папки {target.parent}." in result.output
    assert "Ничего не записано." in result.output
    assert not (tmp_path / "bakcups").exists()


def test_an_existing_folder_as_output_gets_the_archive_under_its_default_name(app, tmp_path):
    """README's cron line `backup -o /backups` names a folder: the whole database was read into
    /backups.partial, then «Не удаётся записать архив /backups: Is a directory», and no copy was ever made."""
    folder = tmp_path / "backups"
    folder.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(folder)])
    assert result.exit_code == 0, result.output
    [archive] = folder.iterdir()
    assert re.fullmatch(r"kb-\d{8}-\d{6}[+-]\d{4}\.tar\.gz", archive.name), archive.name
    assert f"Архив: {archive} " in result.output
    assert not list(tmp_path.glob("*.partial"))


def test_a_folder_as_the_archive_is_refused_in_russian_before_the_database_is_read(app, tmp_path, monkeypatch):
    from kb.backup import services

    monkeypatch.setattr(services, "_write_archive", lambda *a: pytest.fail("the database was read"))
    folder = tmp_path / "backups"
    folder.mkdir()
    with app.app_context(), pytest.raises(services.BackupError) as refused:
        services.create_backup(folder)
    assert str(refused.value) == f"Не удаётся записать архив {folder}: это папка, а нужен файл. Ничего не записано."
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob("*.partial"))


def test_the_archive_and_its_folder_are_the_owners_only(app, tmp_path):
    """An archive holds config.py (SECRET_KEY, SMTP_PASSWORD) and the user table: under umask 022 it was 0644,
    and instance/backups 0755."""
    import os

    previous = os.umask(0o022)
    try:
        (tmp_path / "out.tar.gz.partial").write_bytes(b"left by a killed backup")
        result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "out.tar.gz")])
        assert result.exit_code == 0, result.output
        made = app.test_cli_runner().invoke(args=["backup"])
        assert made.exit_code == 0, made.output
    finally:
        os.umask(previous)
    assert (tmp_path / "out.tar.gz").stat().st_mode & 0o077 == 0
    folder = Path(app.instance_path) / "backups"
    assert folder.stat().st_mode & 0o077 == 0
    [archive] = folder.iterdir()
    assert archive.stat().st_mode & 0o077 == 0


def test_the_default_archive_is_named_by_the_banks_clock_with_its_offset(base_instance, tmp_path):
    """instance/backups (made if missing) and kb-DATE-TIME+HHMM.tar.gz: the time of TIME_ZONE, as the pages show
    it, and its offset from UTC (the name was the UTC time, which said nothing of it)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.conftest import _copy_instance

    _copy_instance(base_instance, tmp_path / "instance")
    app = make_app(tmp_path / "instance", TIME_ZONE="Asia/Yekaterinburg")
    before = datetime.now(ZoneInfo("Asia/Yekaterinburg")).replace(microsecond=0, tzinfo=None)
    result = app.test_cli_runner().invoke(args=["backup"])
    after = datetime.now(ZoneInfo("Asia/Yekaterinburg")).replace(tzinfo=None)
    assert result.exit_code == 0, result.output
    [archive] = (tmp_path / "instance" / "backups").iterdir()
    match = re.fullmatch(r"kb-(\d{8}-\d{6})\+0500\.tar\.gz", archive.name)
    assert match, archive.name
    assert before <= datetime.strptime(match[1], "%Y%m%d-%H%M%S") <= after
    assert f"Архив: {archive} " in result.output


def test_a_disk_filling_up_mid_backup_leaves_no_partial_archive(app, tmp_path, monkeypatch):
    import errno

    written = []
    add = tarfile.TarFile.addfile

    def add_until_full(archive, info, fileobj=None):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        written.append(info.name)
        add(archive, info, fileobj)

    monkeypatch.setattr(tarfile.TarFile, "addfile", add_until_full)
    target = tmp_path / "backups" / "bank.tar.gz"
    target.parent.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 1
    assert "на диске нет места. Ничего не записано." in result.output
    assert len(written) == 3
    assert list(target.parent.iterdir()) == [], "neither the archive nor its .partial is left"


@pytest.mark.postgres
def test_rows_postgresql_refuses_are_named_and_the_new_database_stays_empty(demo_app, tmp_path, pg_url):  # noqa: F811
    """SQLite keeps a title longer than its column (only a direct write can make one); PostgreSQL refuses it."""
    from sqlalchemy import text

    with demo_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the bank backed up must be on SQLite, which keeps the longer title")
        db.session.execute(text("UPDATE practice SET title = :long WHERE id = (SELECT min(id) FROM practice)"),
                           {"long": "Очень длинное название " * 30})
        db.session.commit()
    archive = _backup(demo_app, tmp_path)
    fresh = make_app(tmp_path / "fresh", SQLALCHEMY_DATABASE_URI=pg_url)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert ("Таблица practice не записывается в эту базу: в столбце title значение длиннее 500 символов, которые он "
            "вмещает (запись №") in result.output
    assert not re.search("[A-Za-z]{3,}", result.output.replace("practice", "").replace("title", "")), result.output
    assert "повреждён" not in result.output, "the archive itself is intact"
    with fresh.app_context():
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 0
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
        db.session.remove()
        db.engine.dispose()


def _fresh_restored(archive: Path, folder: Path, **overrides):
    fresh = make_app(folder, **overrides)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    return fresh, runner.invoke(args=["restore", str(archive)])


def test_numbers_of_deleted_practices_and_accounts_are_not_given_again_after_a_restore(demo_app, tmp_path):
    """The counters restarted after the highest id of the restored rows: the newest practice and the newest
    account, deleted before the backup, gave their numbers to the next ones made after the restore, though the
    archive remembers them (the OAI tombstone, the audit log). They continue after the highest number it
    remembers, on SQLite as on PostgreSQL."""
    from kb.accounts.deletion import delete_account
    from kb.accounts.services import create_user
    from kb.practices.services import delete_practice

    with demo_app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        gone_user = create_user("gone@example.org", "Удалённый Пользователь", "long-enough-pass-1")
        db.session.commit()
        gone_user_id = gone_user.id
        delete_account(gone_user, admin)
        top = db.session.scalar(select(Practice).where(Practice.status == "published").order_by(Practice.id.desc()))
        gone_practice_id = top.id
        assert gone_practice_id == db.session.scalar(select(func.max(Practice.id)))
        delete_practice(admin, top)
        db.session.commit()
    archive = _backup(demo_app, tmp_path)
    fresh, result = _fresh_restored(archive, tmp_path / "fresh")
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        user = create_user("new@example.org", "Новый Пользователь", "long-enough-pass-2")
        practice = Practice(title="После восстановления", status="draft")
        db.session.add(practice)
        db.session.commit()
        assert user.id > gone_user_id and practice.id > gone_practice_id
        db.session.remove()
        db.engine.dispose()


def test_a_co_authors_link_survives_the_round_trip(demo_app, tmp_path):
    """practice_author.user_id (a line linked to a co-author's account, kb.practices.coauthors) is restored with the
    line: the co-author sees the practice in «Мои практики» of the restored bank."""
    from kb.practices.models import PracticeAuthor

    with demo_app.app_context():
        teacher = db.session.scalar(select(User).where(User.role == "teacher"))
        author = db.session.scalar(select(PracticeAuthor).join(Practice).where(
            Practice.status == "published", (Practice.owner_id != teacher.id) | Practice.owner_id.is_(None))
            .order_by(PracticeAuthor.id).limit(1))
        author.user_id = teacher.id
        author.link_confirmed = True  # she accepted the invitation
        db.session.commit()
        linked = (author.id, author.practice_id, teacher.email)
    fresh, result = _fresh_restored(_backup(demo_app, tmp_path), tmp_path / "fresh")
    assert result.exit_code == 0, result.output
    with fresh.app_context():
        restored = db.session.get(PracticeAuthor, linked[0])
        assert restored.practice_id == linked[1] and restored.user is not None and restored.user.email == linked[2]
        assert restored.link_confirmed is True
        assert db.session.scalar(select(func.count()).where(PracticeAuthor.user_id.is_not(None))) == 1
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_nul_characters_of_a_sqlite_bank_are_dropped_on_its_way_to_postgresql(demo_app, tmp_path, pg_url):  # noqa: F811
    """SQLite keeps a NUL (a token's name typed before the forms dropped it, a file's text); PostgreSQL takes none,
    and the move of such a bank was refused as a whole, in English («PostgreSQL text fields cannot contain NUL
    (0x00) bytes»). The NULs are dropped from the texts as the rows are loaded, and counted."""
    from sqlalchemy import text

    from kb.accounts.tokens import ApiToken, create_token

    with demo_app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the bank backed up must be on SQLite, which keeps a NUL")
        teacher = db.session.scalar(select(User).where(User.role == "teacher"))
        create_token(teacher, "Выгрузка для сайта")
        db.session.commit()
        db.session.execute(text("UPDATE api_token SET name = :name"), {"name": "Выгрузка\x00для сайта"})
        db.session.execute(text("UPDATE practice SET title = :title WHERE id = (SELECT min(id) FROM practice)"),
                           {"title": "Школьный\x00 музей\x00"})
        db.session.commit()
    archive = _backup(demo_app, tmp_path)
    fresh, result = _fresh_restored(archive, tmp_path / "fresh", SQLALCHEMY_DATABASE_URI=pg_url)
    assert result.exit_code == 0, result.output
    assert "Удалены символы NUL, которых PostgreSQL не хранит: 3 (api_token — 1, practice — 2)." in result.output
    with fresh.app_context():
        assert db.session.scalar(select(ApiToken.name)) == "Выгрузкадля сайта"
        assert db.session.scalar(select(Practice.title).order_by(Practice.id)) == "Школьный музей"
        db.session.remove()
        db.engine.dispose()


def test_the_archived_config_keeps_this_instances_database_and_index(demo_app, tmp_path):
    """Moving a bank onto another database: the archive's secret key comes along, the new database stays."""
    from flask import Config

    instance_config = Path(demo_app.instance_path) / "config.py"
    instance_config.write_text("SECRET_KEY = 'the-old-banks-secret'\nSMTP_HOST = 'mail.old.example'\n")
    archive = _backup(demo_app, tmp_path)
    fresh_dir = tmp_path / "fresh"
    fresh = make_app(fresh_dir)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    own = {"SQLALCHEMY_DATABASE_URI": fresh.config["SQLALCHEMY_DATABASE_URI"], "INDEX_DIR": str(fresh_dir / "index")}
    settings = "".join(f"{key} = {value!r}\n" for key, value in own.items())
    (fresh_dir / "config.py").write_text("SECRET_KEY = 'a-new-key'\n" + settings)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "свои оставлены: SQLALCHEMY_DATABASE_URI, INDEX_DIR" in result.output
    restored = Config(str(fresh_dir))
    restored.from_pyfile("config.py")
    assert restored["SECRET_KEY"] == "the-old-banks-secret" and restored["SMTP_HOST"] == "mail.old.example"
    assert {key: restored[key] for key in own} == own
    assert "a-new-key" in (fresh_dir / "config.py.before-restore").read_text()
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_production_instance_keeps_how_it_is_served(demo_app, tmp_path):
    """A development bank moved into production (README: backup, then restore on the new instance): the restored
    config.py lost INDEX_SYNC_AFTER_REQUEST = False, PROXY_COUNT, the site's names and secure cookies — the web
    workers wrote the index beside the writer, and every visitor counted as the proxy's address."""
    from flask import Config

    from kb.config import DefaultConfig, instance_defaults

    Path(demo_app.instance_path, "config.py").write_text(
        "SECRET_KEY = 'the-old-banks-secret'\nSITE_URL = 'http://old.example'\nINDEX_NAME = 'old-server'\n")
    archive = _backup(demo_app, tmp_path)
    fresh_dir = tmp_path / "fresh"
    fresh = make_app(fresh_dir)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    served = {"INDEX_SYNC_AFTER_REQUEST": False, "PROXY_COUNT": 1, "SITE_HOSTS": ["bank.example.ru"],
              "SESSION_COOKIE_SECURE": True, "INDEX_NAME": "bank-2"}  # its own name in index_replica
    (fresh_dir / "config.py").write_text("SECRET_KEY = 'a-new-key'\n" + "".join(
        f"{key} = {value!r}\n" for key, value in served.items()))
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    restored = Config(str(fresh_dir))
    restored.from_object(DefaultConfig)
    restored.update(instance_defaults(str(fresh_dir)))
    restored.from_pyfile("config.py")
    assert restored["SECRET_KEY"] == "the-old-banks-secret"
    assert {key: restored[key] for key in served} == served
    assert restored["SITE_URL"] == ""  # the old bank's address is not this instance's (it set none)
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_new_instance_keeps_its_default_locations_not_the_old_banks(demo_app, tmp_path):
    """The old bank's config.py set where its data lives; the new instance's sets nothing of it (its folder's
    defaults): the restored config.py must not point it at the old bank's index, files, database and limits."""
    from flask import Config

    from kb.config import DefaultConfig, instance_defaults

    old = {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kb:pw@old.example/kb", "INDEX_DIR": "/srv/old/index",
           "UPLOAD_DIR": "/srv/old/uploads", "RATELIMIT_STORAGE_URI": "redis://old.example:6379/9",
           "INDEX_NAME": "old-server"}
    Path(demo_app.instance_path, "config.py").write_text(
        "SECRET_KEY = 'the-old-banks-secret'\n" + "".join(f"{key} = {value!r}\n" for key, value in old.items()))
    archive = _backup(demo_app, tmp_path)
    fresh_dir = tmp_path / "fresh"
    fresh = make_app(fresh_dir)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    (fresh_dir / "config.py").write_text("SECRET_KEY = 'a-new-key'\n")
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert ("свои оставлены: SQLALCHEMY_DATABASE_URI, INDEX_DIR, UPLOAD_DIR, RATELIMIT_STORAGE_URI, INDEX_NAME"
            in result.output)
    restored = Config(str(fresh_dir))  # as create_app reads it: the folder's defaults, then config.py
    restored.from_object(DefaultConfig)
    restored.update(instance_defaults(str(fresh_dir)))
    restored.from_pyfile("config.py")
    assert restored["SECRET_KEY"] == "the-old-banks-secret"
    assert restored["INDEX_DIR"] == str(fresh_dir / "index") == fresh.config["INDEX_DIR"]
    assert restored["UPLOAD_DIR"] == str(fresh_dir / "uploads") == fresh.config["UPLOAD_DIR"]
    assert restored["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{fresh_dir / 'kb.sqlite3'}"
    assert restored["RATELIMIT_STORAGE_URI"] == "memory://"
    assert restored["INDEX_NAME"] == ""  # not the old server's name: two copies would report as one in index_replica
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


# -- an archive of an older version of the program ------------------------------------------------------

PREVIOUS_REVISION = "k1res0000001"  # the schema before stored_file (and the outbox's retention tables, external
# ids numbered per office and the practice's revision)


def _previous_version_archive(demo_app, tmp_path) -> tuple[Path, str]:
    """A backup as the version before stored_file made it (its manifest's revision, no stored_file table, no
    practice.external_scope or practice.revision column), of a bank with attached files (the demo's and one more);
    returns it and that one file's digest."""
    from kb.attachments.services import add_attachment

    with demo_app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1))
        digest = add_attachment(admin, practice, "заметки.txt", "Заметки учителя о практике.".encode()).sha256
        db.session.commit()
    source = _backup(demo_app, tmp_path)
    later_columns = {"practice": ("external_scope", "revision", "title_folded", "theoretical_base", "licence"),  # since
                     "practice_author": ("user_id", "link_confirmed"),
                     "user": ("consent_at",),
                     "resolution": ("imported_by_id", "published_at", "municipalities_by_hand", "topics_by_hand"),
                     "oai_tombstone": ("recommendation_ids",)}
    tables = {}
    with tarfile.open(source) as tar:
        for table, columns in later_columns.items():
            rows = [json.loads(line) for line in tar.extractfile(f"db/{table}.jsonl").read().splitlines()]
            tables[table] = b"".join(json.dumps({k: v for k, v in row.items() if k not in columns},
                                                ensure_ascii=False).encode() + b"\n" for row in rows)

    def manifest(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["alembic_revision"] = PREVIOUS_REVISION
        del manifest["tables"]["stored_file"], manifest["sha256"]["db/stored_file.jsonl"]
        for table, content in tables.items():
            manifest["sha256"][f"db/{table}.jsonl"] = hashlib.sha256(content).hexdigest()
        return json.dumps(manifest).encode()

    archive = _retar(source, tmp_path / "previous.tar.gz", {
        "manifest.json": manifest, "db/stored_file.jsonl": None,
        **{f"db/{table}.jsonl": functools.partial(lambda content, _data: content, content)
           for table, content in tables.items()}})
    return archive, digest


def _revision(app) -> str:
    from sqlalchemy import text

    with app.app_context():
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.parametrize("target", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_an_archive_of_an_older_version_is_restored_and_migrated(demo_app, tmp_path, request, target):
    """Last night's backup, made before an upgrade: the empty instance goes back to the archive's schema, takes its
    rows, and the migrations since bring them up (here: the stored_file table is filled from the attachments)."""
    from kb.attachments.models import Attachment, StoredFile

    archive, digest = _previous_version_archive(demo_app, tmp_path)
    overrides = {"SQLALCHEMY_DATABASE_URI": request.getfixturevalue("pg_url")} if target == "postgresql" else {}
    fresh = make_app(tmp_path / "fresh", **overrides)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    head = _revision(fresh)
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert f"Архив сделан более старой версией программы (схема {PREVIOUS_REVISION})" in restored.output
    assert _revision(fresh) == head != PREVIOUS_REVISION
    # A resolution's own topics came after that schema (z8rtp0000001): they are found again as its upgrade says.
    assert runner.invoke(args=["detect-topics"]).exit_code == 0
    assert _fingerprint(fresh) == _fingerprint(demo_app)
    assert runner.invoke(args=["check-index"]).exit_code == 0
    assert runner.invoke(args=["check-files"]).exit_code == 0
    with fresh.app_context():
        stored = set(db.session.scalars(select(StoredFile.sha256)))
        assert digest in stored and stored == set(db.session.scalars(select(Attachment.sha256)))  # the demo's too
        db.session.remove()
        db.engine.dispose()


def test_an_older_archive_goes_only_into_an_empty_instance_and_a_failure_leaves_it_empty(demo_app, tmp_path):
    archive, _digest = _previous_version_archive(demo_app, tmp_path)
    before = _fingerprint(demo_app)
    over = _restore_over(demo_app, archive)  # --force: fine for an archive of this version, not for an older one
    assert over.exit_code == 1 and "архив более старой версии программы — только так" in over.output
    assert _fingerprint(demo_app) == before

    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    head = _revision(fresh)
    damaged = _retar(archive, tmp_path / "damaged.tar.gz",
                     {"db/practice.jsonl": lambda d: d.replace("олимпиад".encode(), "Олимпиад".encode(), 1)})
    result = runner.invoke(args=["restore", str(damaged)])
    assert result.exit_code == 1 and "контрольная сумма" in result.output
    assert _revision(fresh) == head, "the schema is this version's again"
    assert _fingerprint(fresh)["practices"] == 0
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output


def test_an_archive_of_a_newer_version_is_refused(demo_app, tmp_path):
    def newer(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["alembic_revision"] = "z9new0000001"
        return json.dumps(manifest).encode()

    before = _fingerprint(demo_app)
    archive = _retar(_backup(demo_app, tmp_path), tmp_path / "newer.tar.gz", {"manifest.json": newer})
    result = _restore_over(demo_app, archive)
    assert result.exit_code == 1 and _fingerprint(demo_app) == before
    assert "Схема архива (z9new0000001) не совпадает со схемой базы" in result.output
    assert "более новой версией программы" in result.output


def test_a_downgrade_that_fails_is_said_in_one_line_and_the_schema_stays(demo_app, tmp_path, monkeypatch):
    from kb.backup import services

    archive, _digest = _previous_version_archive(demo_app, tmp_path)
    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    head = _revision(fresh)

    def broken_downgrade(revision):
        raise RuntimeError("no downgrade for this revision")

    monkeypatch.setattr(services, "downgrade_schema", broken_downgrade)
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), "no traceback"
    assert (f"Не удалось привести базу к схеме архива ({PREVIOUS_REVISION}): no downgrade for this revision. "
            "Ничего не восстановлено.") in result.output
    assert _revision(fresh) == head


# -- a backup taken while the bank is in use: one snapshot of every table -------------------------------


def _add_practice_with_file(app, title: str) -> str:
    """What a teacher does meanwhile, in a connection of its own: a new practice with an attached file, committed;
    returns the file's digest."""
    from kb.attachments.services import add_attachment

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        practice = Practice(title=title, status="draft", owner_id=admin.id)
        db.session.add(practice)
        db.session.flush()
        digest = add_attachment(admin, practice, "план.txt", f"План занятия: {title}.".encode()).sha256
        db.session.commit()
        return digest


def test_a_backup_taken_while_the_bank_is_written_to_restores(demo_app, tmp_path, monkeypatch):
    """A practice and its file committed after the practice table was read and before its attachments were: the
    archive holds the bank as it was when the backup began, and restores (it used to hold the attachment without
    its practice, and restore failed on the foreign key)."""
    from kb.backup import services

    dump, written = services._dump_table, []

    def dump_then_write(table, *args, **kwargs):
        result = dump(table, *args, **kwargs)
        if table.name == "practice" and not written:
            written.append(_add_practice_with_file(demo_app, "Практика, сохранённая во время копирования"))
        return result

    monkeypatch.setattr(services, "_dump_table", dump_then_write)
    before = _fingerprint(demo_app)
    archive = _backup(demo_app, tmp_path)
    assert written, "the write happened during the backup"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        attachments = [json.loads(line) for line in tar.extractfile("db/attachment.jsonl").read().splitlines()]
    assert written[0] not in {row["sha256"] for row in attachments}
    assert not any(name.endswith(written[0]) for name in names), "the file of the later write is not in it either"

    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert _fingerprint(fresh) == before
    assert runner.invoke(args=["check-files"]).exit_code == 0


def test_a_file_deleted_after_the_backup_began_makes_it_start_again(demo_app, tmp_path, monkeypatch):
    """The attachment removed (and its file deleted) after the snapshot's moment, before its file was read: the
    archive would list an attachment without its bytes, so the backup takes a new snapshot."""
    from kb.attachments.models import Attachment
    from kb.attachments.services import remove_attachment
    from kb.backup import services

    _edit_something(demo_app)
    used, removed = services._used_files, []

    def used_then_remove(connection):
        digests = used(connection)
        if not removed:
            with demo_app.app_context():
                admin = db.session.scalar(select(User).where(User.role == "admin"))
                remove_attachment(admin, db.session.scalar(select(Attachment).where(
                    Attachment.sha256 == ATTACHED_DIGEST)))
                db.session.commit()
            removed.append(ATTACHED_DIGEST)
        return digests

    monkeypatch.setattr(services, "_used_files", used_then_remove)
    archive = _backup(demo_app, tmp_path)
    assert removed and not Path(demo_app.config["UPLOAD_DIR"], ATTACHED_PATH).exists()
    with tarfile.open(archive) as tar:
        rows = [json.loads(line) for line in tar.extractfile("db/attachment.jsonl").read().splitlines()]
    assert ATTACHED_DIGEST not in {row["sha256"] for row in rows}

    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert _fingerprint(fresh) == _fingerprint(demo_app)
    checked = runner.invoke(args=["check-files"])
    assert checked.exit_code == 0, checked.output


def test_files_deleted_faster_than_the_backup_reads_them_are_a_message(demo_app, tmp_path, monkeypatch):
    from kb.backup import services

    _edit_something(demo_app)
    Path(demo_app.config["UPLOAD_DIR"], ATTACHED_PATH).unlink()
    monkeypatch.setattr(services, "_still_used", lambda digests: [])  # as if removed each time anew
    target = tmp_path / "bank.tar.gz"
    result = demo_app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 1
    assert "файлы вложений удалялись" in result.output and f"попыток: {services.FILE_ATTEMPTS}" in result.output
    assert list(tmp_path.glob("bank.tar.gz*")) == []


def test_a_file_the_bank_has_lost_is_named_and_the_backup_goes_on(demo_app, tmp_path):
    _edit_something(demo_app)
    Path(demo_app.config["UPLOAD_DIR"], ATTACHED_PATH).unlink()  # lost before the backup (check-files lists it)
    target = tmp_path / "bank.tar.gz"
    result = demo_app.test_cli_runner().invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "файлов, которые есть у вложений, нет на диске: 1" in result.output
    assert "flask --app kb check-files" in result.output
    with tarfile.open(target) as tar:
        assert f"uploads/{ATTACHED_PATH}" not in tar.getnames()


def test_an_archive_whose_rows_refer_to_rows_it_lacks_is_called_inconsistent(demo_app, tmp_path, caplog):
    """An archive made by the earlier backup while the site was in use (tables read at different moments): the
    restore blames the archive, not the database it restores into, and says so in Russian only."""
    _edit_something(demo_app)
    archive = _backup(demo_app, tmp_path)
    with tarfile.open(archive) as tar:
        attachments = tar.extractfile("db/attachment.jsonl").read()
    row = json.loads(attachments.splitlines()[0])
    # an attachment of a practice saved after the practice table was read (the first row: then psycopg's pipeline
    # also logged «error ignored terminating …»)
    later = json.dumps({**row, "id": row["id"] + 1000, "practice_id": 10**6}).encode() + b"\n" + attachments

    def manifest(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["tables"]["attachment"] += 1
        manifest["sha256"]["db/attachment.jsonl"] = hashlib.sha256(later).hexdigest()
        return json.dumps(manifest).encode()

    inconsistent = _retar(archive, tmp_path / "inconsistent.tar.gz",
                          {"db/attachment.jsonl": lambda _data: later, "manifest.json": manifest})
    fresh = make_app(tmp_path / "fresh")
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    result = runner.invoke(args=["restore", str(inconsistent)])
    assert result.exit_code == 1
    # PostgreSQL names the constraint, SQLite does not: «таблицы practice» / «таблиц practice или user»
    assert re.search("Архив несогласован: строки таблицы attachment ссылаются на строки таблиц(ы practice| practice "
                     "или user), которых в архиве нет", result.output), result.output
    assert "База тут ни при чём" in result.output and "Ничего не изменено." in result.output
    assert "не записывается в эту базу" not in result.output
    words = set(re.findall("[A-Za-z_]{3,}", result.output.replace(str(inconsistent), "")))
    assert words <= set(db.metadata.tables), f"English in the message: {words - set(db.metadata.tables)}"
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")], "psycopg's own English"
    assert _fingerprint(fresh)["practices"] == 0
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_refused_batch_leaves_no_english_line_from_psycopg(app, caplog):
    """psycopg inserts a batch in pipeline mode; a refused row aborts the pipeline, and ending it logged «error
    ignored terminating <psycopg.Pipeline …>: pipeline aborted» (to the terminal, where nothing else takes the
    log) beside the restore's own message. It comes when the error is read while the batch is still being sent:
    often, not always, hence several batches of 1000."""
    from kb.attachments.models import Attachment
    from kb.backup.services import _insert
    from kb.timeutil import utcnow

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("psycopg's pipeline: PostgreSQL only")
        rows = [{"id": number, "practice_id": 10**6, "original_name": "план.txt", "kind": "txt", "size": 1,
                 "sha256": "0" * 64, "text": "", "downloads": 0, "created_at": utcnow()} for number in range(1, 1001)]
        for _batch in range(5):
            refused = _insert(Attachment.__table__, rows)
            db.session.rollback()
            assert refused is not None
        assert not [r.getMessage() for r in caplog.records if r.name.startswith("psycopg")]


def test_a_restore_over_a_bank_deletes_the_files_only_the_replaced_bank_used(demo_app, tmp_path):
    """`restore --force` left the replaced bank's files on disk for ever (`check-files` listed them as orphans)."""
    from kb.attachments.services import add_attachment

    _edit_something(demo_app)
    archive = _backup(demo_app, tmp_path)
    later = "Файл, приложенный после резервной копии.".encode()
    digest = hashlib.sha256(later).hexdigest()
    later_file = Path(demo_app.config["UPLOAD_DIR"], digest[:2], digest[2:4], digest)
    with demo_app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1))
        add_attachment(admin, practice, "позже.txt", later)
        db.session.commit()
    assert later_file.is_file()
    result = _restore_over(demo_app, archive)
    assert result.exit_code == 0, result.output
    assert "Удалено файлов прежнего банка, которые восстановленному не нужны: 1." in result.output
    assert not later_file.exists(), "the replaced bank's own file is gone"
    assert (Path(demo_app.config["UPLOAD_DIR"]) / ATTACHED_PATH).read_bytes() == ATTACHED, "the restored one stays"
    assert (Path(demo_app.config["UPLOAD_DIR"]) / "ab" / "left-over.bin").is_file(), "a file it never knew stays"


@pytest.mark.parametrize("output", ["backups", "backups/", "backups.tar.gz/"])
def test_a_missing_folder_named_by_output_is_not_written_as_a_file(app, tmp_path, output):
    """`backup -o /backups` with the folder not made wrote the archive as a FILE «backups» and replaced it every
    night; `-o /backups/` too. A path ending in «/» or without .tar.gz/.tgz is a folder, and it must exist."""
    base = tmp_path / "out"
    base.mkdir()
    result = app.test_cli_runner().invoke(args=["backup", "-o", f"{base}/{output}"])
    assert result.exit_code == 1, result.output
    folder = base / output.rstrip("/")
    assert f"Не удаётся записать архив в {folder}: нет папки {folder}. Создайте её или укажите другую (или файл с " \
           "расширением .tar.gz или .tgz). Ничего не записано." in result.output
    assert list(base.iterdir()) == []


def test_an_archive_file_must_end_in_tar_gz_or_tgz(app, tmp_path):
    (tmp_path / "kb.zip").write_bytes(b"an older copy")
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "kb.zip")])
    assert result.exit_code == 1
    assert "это не папка, а имя файла архива должно оканчиваться на .tar.gz или .tgz" in result.output
    assert (tmp_path / "kb.zip").read_bytes() == b"an older copy"
    folder = tmp_path / "backups"
    folder.mkdir()
    for output in (str(folder) + "/", str(folder / "kb.tgz")):
        result = app.test_cli_runner().invoke(args=["backup", "-o", output])
        assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in folder.iterdir()) == [".gz", ".tgz"]


def test_the_progress_bar_of_a_backup_reaches_its_end(app, tmp_path, monkeypatch):
    """«Таблицы» counted every table of the schema, the change log's too, which the archive leaves out: the bar
    stopped at 91 %."""
    import click

    bars = []
    real = click.progressbar

    def recorded(*args, **kwargs):
        bars.append(real(*args, **kwargs))
        return bars[-1]

    monkeypatch.setattr(click, "progressbar", recorded)
    archive = tmp_path / "bank.tar.gz"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    (bar,) = bars
    with tarfile.open(archive) as tar:
        tables = [name for name in tar.getnames() if name.startswith("db/")]
    assert bar.pos == bar.length == len(tables)


def test_a_restore_over_a_bank_makes_every_index_copy_of_its_database_rebuild(demo_app, tmp_path):
    """Scale-out: two instances, each with its own index folder, on one database. `restore --force` on the first
    rebuilt the first's index only; the database kept its mark (database_identity) and its change log, so the
    second copy went on following it from its position and kept the replaced bank's content for ever
    («применено изменений: 0»). The restored database gets a new mark: every copy sees another database and is
    rebuilt."""
    from kb.search import outbox
    from kb.search.services import check_index, get_index

    first = demo_app
    second = make_app(tmp_path / "second", SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    joined = second.test_cli_runner().invoke(args=["init"])
    assert joined.exit_code == 0, joined.output
    with first.app_context():
        mark = outbox.database_mark()
    archive = _backup(first, tmp_path)
    with first.app_context():  # after the backup: the restore takes it away again
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").order_by(Practice.id))
        practice.title = "Практика о палеоботаническом кружке"
        db.session.commit()
        practice_id = practice.id
    for app in (first, second):
        synced = app.test_cli_runner().invoke(args=["sync-index"])
        assert synced.exit_code == 0 and "Применено изменений: 1." in synced.output, synced.output

    restored = _restore_over(first, archive)
    assert restored.exit_code == 0, restored.output
    synced = second.test_cli_runner().invoke(args=["sync-index"])
    assert synced.exit_code == 0, synced.output
    assert "Индекс построен по другой базе данных" in synced.output and "Индекс перестроен:" in synced.output
    for app in (first, second):
        with app.app_context():
            assert check_index().clean
            assert f"practice:{practice_id}" in get_index().versions()
        hits = app.test_client().get("/api/v1/search", query_string={"q": "палеоботанический"}).json
        assert hits["total"] == 0, "the replaced bank's title is in no index copy"
    with first.app_context():
        versions = get_index().versions()
        assert outbox.database_mark() not in (None, mark), "the restored database is another one for the index"
    with second.app_context():
        assert get_index().versions() == versions
        db.session.remove()
        db.engine.dispose()
