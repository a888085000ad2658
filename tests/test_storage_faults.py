"""The disk or the database failing under the bank: a full disk is a 507 with a message and changes nothing,
a count that cannot be written leaves the page shown, the commands say what went wrong."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from kb.attachments.models import Attachment
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import csrf_from, sign_in
from tests.test_attachments import editor, make_docx, upload  # noqa: F401  (editor: fixture)


def _locked(*args, **kwargs):
    raise OperationalError("UPDATE practice SET views=…", {}, sqlite3.OperationalError("database is locked"))


def test_a_practice_page_is_shown_when_its_view_cannot_be_counted(app, make_practice, monkeypatch, caplog):
    from kb.practices import services

    with app.app_context():
        pid = make_practice("Практика, которую читают во время долгой записи")
    monkeypatch.setattr(services, "count_view", _locked)
    page = app.test_client().get(f"/practices/{pid}")
    assert page.status_code == 200
    assert "Практика, которую читают во время долгой записи" in page.get_data(as_text=True)
    assert "A counter was not updated: database is locked" in caplog.text
    monkeypatch.undo()
    assert app.test_client().get(f"/practices/{pid}").status_code == 200
    with app.app_context():
        assert db.session.get(Practice, pid).views == 1, "the next view is counted again"


def test_a_file_is_downloaded_when_the_download_cannot_be_counted(app, editor, monkeypatch):  # noqa: F811
    from kb.attachments import services

    client, pid = editor
    data = make_docx()
    upload(client, pid, "отчёт.docx", data)
    with app.app_context():
        attachment_id = db.session.scalar(select(Attachment.id))
    monkeypatch.setattr(services, "count_download", _locked)
    with client.get(f"/attachments/{attachment_id}/отчёт.docx") as response:
        assert response.status_code == 200 and response.data == data


class _DiskFillsUp:
    """``NamedTemporaryFile`` on a disk with room for 100 bytes: the write fails with ENOSPC."""

    real = staticmethod(tempfile.NamedTemporaryFile)

    def __init__(self, *args, **kwargs):
        self.file = self.real(*args, **kwargs)
        self.name = self.file.name

    def write(self, data):
        self.file.write(data[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    def flush(self):
        self.file.flush()

    def close(self):
        self.file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def test_an_upload_onto_a_full_disk_is_507_in_russian_and_leaves_nothing(app, editor, monkeypatch):  # noqa: F811
    client, pid = editor
    monkeypatch.setattr("kb.attachments.storage.tempfile.NamedTemporaryFile", _DiskFillsUp)
    response = upload(client, pid, "отчёт.docx", make_docx())
    assert response.status_code == 507
    assert "На сервере закончилось место" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()] == [], "no partial file is left"


def _new_draft(app, user_id: int, title: str, annotation: str = "Аннотация."):
    """A teacher saves a new practice as a draft through the form."""
    client = app.test_client()
    sign_in(client, user_id)
    return client.post("/practices/new", data={
        "csrf_token": csrf_from(client, "/practices/new"), "title": title, "annotation": annotation,
        "authors": "Орлова Анна Сергеевна, учитель", "region": "RU-CHE", "levels": ["primary"],
        "topics": ["research_projects"], "year": "2024", "save_draft": "1"})


def test_a_full_disk_under_sqlite_is_507_and_nothing_is_stored(app, make_user):
    """SQLite's own limit on the file's pages gives the same SQLITE_FULL as a full disk."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the page limit is SQLite's")
        pages = db.session.execute(text("PRAGMA page_count")).scalar()
        db.session.remove()
        db.engine.dispose()

        @event.listens_for(db.engine, "connect")
        def _no_room(connection, record):
            connection.execute(f"PRAGMA max_page_count = {pages}")

    response = _new_draft(app, make_user("teacher"), "Практика, для которой нет места",
                          "Длинная аннотация практики. " * 600)
    assert response.status_code == 507
    assert "На сервере закончилось место" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 0
        event.remove(db.engine, "connect", _no_room)


def _io_error(*args, **kwargs):
    error = sqlite3.OperationalError("disk I/O error")
    error.sqlite_errorname = "SQLITE_IOERR_SHMSIZE"  # what SQLite says when it cannot grow its WAL index
    raise OperationalError("SELECT practice.id …", {}, error)


@pytest.mark.parametrize(("free", "status", "message"), [
    (4096, 507, "На диске под базой данных не осталось места"),
    (50 * 1024**3, 503, "База данных временно недоступна"),
])
def test_sqlite_on_a_completely_full_disk_is_507_even_for_a_read(app, monkeypatch, caplog, free, status, message):
    """On a disk with no room at all SQLite fails every statement, reads too, with "disk I/O error", not
    SQLITE_FULL (seen on a filled tmpfs). With (almost) nothing left under the database file that is a full
    disk: 507 and the reason in the log; with room left it is some other I/O fault: 503."""
    import shutil

    from kb.main import views

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        pytest.skip("SQLite's I/O error (PostgreSQL says 53100, tested with the page limit's SQLITE_FULL above)")
    folder = Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent
    real_usage = shutil.disk_usage

    def disk_usage(path):
        usage = real_usage(path)
        return usage._replace(free=free) if Path(path) == folder else usage

    monkeypatch.setattr(shutil, "disk_usage", disk_usage)
    monkeypatch.setattr(views, "latest_published", _io_error)
    response = app.test_client().get("/")
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    if status == 507:
        assert "Disk full under the database: disk I/O error" in caplog.text
        assert "Сохранить не удалось" not in response.get_data(as_text=True), "a read saved nothing"


def test_a_command_meeting_a_disk_io_error_points_at_the_disk():
    from kb.commands import _failure_reason

    with pytest.raises(OperationalError) as caught:
        _io_error()
    assert _failure_reason(caught.value) == ("База данных недоступна (disk I/O error): проверьте, есть ли место на "
                                             "диске под ней.")


def test_a_reindex_without_room_says_so_and_the_old_index_stays(app, make_practice, monkeypatch):
    from kb.search import services

    with app.app_context():
        make_practice("Практика в индексе")

    def no_room(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(services, "rebuild_index", no_room)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 1
    assert "Переиндексация не удалась, прежний индекс остался на месте: на диске нет места." in result.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


@pytest.mark.parametrize(("url", "message"), [
    ("sqlite:///{folder}/missing/kb.sqlite3", "База данных недоступна (unable to open database file)."),
    # which database and which instance: a mistyped KB_INSTANCE or KB_DATABASE_URL shows
    ("sqlite:///{folder}/empty.sqlite3", "В базе данных нет таблиц банка (база sqlite:///{folder}/empty.sqlite3, "
                                         "экземпляр {instance}): сначала выполните «flask --app kb init»."),
])
@pytest.mark.parametrize("args", [["check-index"], ["check-files"], ["reindex"], ["sync-index"], ["prune-outbox"],
                                  ["backup", "-o", "{folder}/b.tar.gz"],
                                  ["create-user", "admin@example.org", "--role", "admin"]])
def test_a_command_meeting_no_usable_database_says_so_in_one_line(tmp_path, url, message, args):
    from tests.conftest import make_app

    app = make_app(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=url.format(folder=tmp_path))
    result = app.test_cli_runner().invoke(args=[arg.format(folder=tmp_path) for arg in args],
                                          input="пароль-для-входа\n" * 2)
    assert result.exit_code == 1, result.output
    assert message.format(folder=tmp_path, instance=app.instance_path) in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "no traceback"


def test_a_saved_change_is_answered_as_saved_when_the_index_cannot_take_it(app, make_user, monkeypatch, caplog):
    """The embedded default applies the change to the index after the answer is made; a full disk under the
    index there used to turn the answer for a committed change into an error page."""
    from kb.search import outbox

    def index_disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outbox, "sync_index", index_disk_full)
    response = _new_draft(app, make_user("teacher"), "Практика, сохранённая при полном диске индекса")
    assert response.status_code == 302
    assert "Index not updated; committed changes wait in the outbox" in caplog.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 1
    monkeypatch.undo()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sync-index"]).output.startswith("Применено изменений: ")
    assert runner.invoke(args=["check-index"]).exit_code == 0


@pytest.mark.parametrize("args", [["init"], ["sync-index"], ["demo"]])
def test_an_index_folder_that_cannot_be_made_is_one_line_naming_it(app, tmp_path, args):
    """init (creating the index), sync-index and demo (the writer's lock beside the index) printed an English
    traceback, IndexUnavailable or FileNotFoundError, when the index folder could not be made or written."""
    blocker = tmp_path / "afile"
    blocker.write_text("a file where a folder of the index should be")
    index_dir = blocker / "index"
    app.config["INDEX_DIR"] = str(index_dir)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "no traceback"
    assert f"Не удаётся записать индекс в папку {index_dir}: в пути вместо папки — файл" in result.output
    assert "(INDEX_DIR в config.py или переменная окружения KB_INDEX_DIR)" in result.output
    assert "Traceback" not in result.output and "Error" not in result.output


def test_an_index_that_cannot_be_read_or_written_by_sync_index_is_one_line(app, make_user, monkeypatch):
    from kb.search import outbox

    def index_disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outbox, "_apply_pending", index_disk_full)  # inside sync_index: the index code's fault
    runner = app.test_cli_runner()
    full = runner.invoke(args=["sync-index"])
    assert full.exit_code == 1
    assert full.output.strip() == f"Не удаётся записать индекс в папку {app.config['INDEX_DIR']}: на диске нет места."
    assert _new_draft(app, make_user("teacher"), "Практика, ждущая в очереди").status_code == 302
    monkeypatch.undo()
    index_dir = Path(app.config["INDEX_DIR"])
    shutil.rmtree(index_dir)
    index_dir.mkdir()  # a folder without an index
    broken = runner.invoke(args=["sync-index"])
    assert broken.exit_code == 1, broken.output
    assert broken.output.strip() == ("Индекс недоступен (индекс повреждён или его нельзя прочитать). Перестройте его: "
                                     "flask --app kb reindex")
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_a_full_disk_outside_the_index_is_not_blamed_on_the_index(app, make_user, tmp_path, monkeypatch):
    """`import-practices` storing an attached file on a full disk (an OSError without a file name, as write()
    raises it) said «Не удаётся записать индекс в папку …/index: на диске нет места»: the uploads folder was full,
    the index was not involved. Any command's such error is now told with its reason, the index not named."""
    from kb.attachments import storage
    from tests.test_bulk_import import csv_bytes, row, zip_bytes

    def disk_full(self, data, digest=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    make_user("admin")
    (tmp_path / "r.csv").write_bytes(csv_bytes([row("E-1", "Практика с файлом", files="a.txt")]))
    (tmp_path / "f.zip").write_bytes(zip_bytes({"a.txt": "Простой текстовый файл практики. ".encode() * 20}))
    monkeypatch.setattr(storage.FileStorage, "save", disk_full)
    result = app.test_cli_runner().invoke(args=["import-practices", str(tmp_path / "r.csv"),
                                                 "--attachments", str(tmp_path / "f.zip")])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "no traceback"
    assert result.output.strip().splitlines()[-1] == (
        "Команда прервана: не удалось записать или прочитать файл — на диске нет места.")
    assert "Не удаётся записать индекс" not in result.output


@pytest.mark.parametrize("path", ["/oai?verb=Identify", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
                                  "/search/feed?q=урок", "/sitemap.xml"])
def test_programs_reading_the_bank_get_plain_text_while_the_database_is_down(app, caplog, path):
    """A harvester, a feed reader or a crawler got the site's HTML page with 503: they are told in plain text (and
    when to come back), pages keep the HTML one."""
    from sqlalchemy import event

    def refuse(*args, **kwargs):
        raise OperationalError("SELECT …", {}, sqlite3.OperationalError("unable to open database file"))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", refuse)
        try:
            client = app.test_client()
            response = client.get(path)
            page = client.get("/")
        finally:
            event.remove(db.engine, "before_cursor_execute", refuse)
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True).startswith("База данных временно недоступна")
    assert page.status_code == 503 and page.mimetype == "text/html"
