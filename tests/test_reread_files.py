"""`reread-files`: the text of the files attached before the reader improved is read again from the files, stored
where it changed, and the search learns it through the outbox; a file that cannot be read keeps its text."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from kb.attachments.models import Attachment
from kb.extensions import db
from kb.practices.models import Practice
from kb.search.models import IndexOutbox
from tests.test_attachments import editor, make_docx, publish_and_find, upload  # noqa: F401 - the fixture
from tests.test_attachments_docx import docx_of, paragraph, run

NEW_WORD = "криптоботаника"  # in a tracked insertion: what an older reader dropped
BULLET_DOCX = docx_of(paragraph(run("\uf0b7\tПервый пункт списка")),
                      paragraph(run("Исходный ") + f'<w:ins w:id="1" w:author="А">{run(NEW_WORD + " ")}</w:ins>'
                                + run("текст.")))
# What a version before the fixes stored for that file: the Symbol-font bullet, no inserted text.
OLD_TEXT = "\uf0b7 Первый пункт списка\nИсходный текст."


def _found(app, word: str) -> list[int]:
    return [r["id"] for r in app.test_client().get("/api/v1/search", query_string={"q": word}).json["results"]]


def _as_stored_by_an_older_version(app, runner, text: str = OLD_TEXT) -> None:
    """Put ``text`` in the database as the files' text, past the ORM (no outbox row), and build the index from it,
    as an older version left the bank."""
    with app.app_context():
        db.session.execute(update(Attachment).values(text=text))
        db.session.commit()
    assert runner.invoke(args=["reindex"]).exit_code == 0


def _texts(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Attachment.original_name, Attachment.text)).all())


@pytest.fixture
def published_with_old_text(app, editor, make_user, runner):  # noqa: F811 - the fixture
    client, pid = editor
    upload(client, pid, "список.docx", BULLET_DOCX)
    publish_and_find(app, client, make_user, pid, "список.docx", NEW_WORD)
    _as_stored_by_an_older_version(app, runner)
    assert _found(app, NEW_WORD) == []
    with app.app_context():
        updated_at = db.session.get(Practice, pid).updated_at
    return pid, updated_at


def test_stored_text_is_read_again_from_the_file_and_the_search_learns_it(app, runner, published_with_old_text):
    pid, updated_at = published_with_old_text
    etag = app.test_client().get(f"/api/v1/practices/{pid}").headers["ETag"]

    result = runner.invoke(args=["reread-files"])
    assert result.exit_code == 0, result.output
    assert "Прочитано файлов: 1; текст изменился у 1" in result.output
    text = _texts(app)["список.docx"]
    assert text == "• Первый пункт списка\nИсходный криптоботаника текст."
    assert "\uf0b7" not in text
    assert _found(app, NEW_WORD) == [pid]
    page = app.test_client().get("/search", query_string={"q": NEW_WORD}).get_data(as_text=True)
    assert "В файле «список.docx»:" in page and f"<mark>{NEW_WORD}</mark>" in page
    assert runner.invoke(args=["check-index"]).exit_code == 0
    # only what the search reads changed: the practice's time, and so its JSON and ETag, stay
    with app.app_context():
        assert db.session.get(Practice, pid).updated_at == updated_at
    assert app.test_client().get(f"/api/v1/practices/{pid}").headers["ETag"] == etag

    with app.app_context():
        outbox_rows = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    again = runner.invoke(args=["reread-files"])
    assert again.exit_code == 0 and "Прочитано файлов: 1; текст изменился у 0" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == outbox_rows, "nothing to tell"


def test_a_draft_s_file_is_read_again_too(app, editor, runner):  # noqa: F811 - the fixture
    client, _pid = editor
    upload(client, _pid, "список.docx", BULLET_DOCX)
    _as_stored_by_an_older_version(app, runner)
    assert runner.invoke(args=["reread-files"]).exit_code == 0
    assert NEW_WORD in _texts(app)["список.docx"]


def test_dry_run_counts_the_changes_and_stores_nothing(app, runner, published_with_old_text):
    with app.app_context():
        outbox_rows = db.session.scalar(select(func.count()).select_from(IndexOutbox))
    result = runner.invoke(args=["reread-files", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Прочитано файлов: 1; текст изменится у 1" in result.output and "ничего не записано" in result.output
    assert _texts(app)["список.docx"] == OLD_TEXT
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == outbox_rows
    assert _found(app, NEW_WORD) == []


def test_a_missing_file_is_named_and_keeps_its_text(app, editor, runner):  # noqa: F811 - the fixture
    client, pid = editor
    upload(client, pid, "список.docx", BULLET_DOCX)
    upload(client, pid, "пропавший.docx", make_docx("Отчёт, чей файл пропал."))
    _as_stored_by_an_older_version(app, runner)
    with app.app_context():
        lost_id, digest = db.session.execute(select(Attachment.id, Attachment.sha256)
                                             .where(Attachment.original_name == "пропавший.docx")).one()
    Path(app.config["UPLOAD_DIR"], digest[:2], digest[2:4], digest).unlink()

    result = runner.invoke(args=["reread-files"])
    assert result.exit_code == 1
    assert "Прочитано файлов: 1; текст изменился у 1; не прочитано 1" in result.output
    assert f"вложение {lost_id} «пропавший.docx» практики {pid}: файла нет на диске" in result.output
    texts = _texts(app)
    assert texts["пропавший.docx"] == OLD_TEXT, "kept"
    assert NEW_WORD in texts["список.docx"]


def test_a_file_over_the_limit_or_refused_keeps_its_text_and_the_command_succeeds(app, editor, runner):  # noqa: F811
    client, pid = editor
    upload(client, pid, "список.docx", BULLET_DOCX)
    _as_stored_by_an_older_version(app, runner)
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    result = runner.invoke(args=["reread-files"])
    assert result.exit_code == 0, result.output
    assert "Прочитано файлов: 0; текст изменился у 0; не прочитано 1" in result.output
    assert "«список.docx»" in result.output and "Файл больше 1 КБ" in result.output
    assert _texts(app)["список.docx"] == OLD_TEXT


def test_kind_limits_the_files_read(app, editor, runner):  # noqa: F811 - the fixture
    client, pid = editor
    upload(client, pid, "список.docx", BULLET_DOCX)
    upload(client, pid, "заметки.txt", "Заметки учителя: \uf0b7 пункт списка, второй пункт списка.".encode())
    _as_stored_by_an_older_version(app, runner)

    result = runner.invoke(args=["reread-files", "--kind", "txt"])
    assert result.exit_code == 0 and "Прочитано файлов: 1; текст изменился у 1" in result.output
    texts = _texts(app)
    assert texts == {"список.docx": OLD_TEXT, "заметки.txt": "Заметки учителя: • пункт списка, второй пункт списка."}
    bad = runner.invoke(args=["reread-files", "--kind", "exe"])
    assert bad.exit_code == 2 and "неверное значение --kind" in bad.output


def test_an_interrupted_run_keeps_the_batches_it_stored_and_a_second_run_does_the_rest(app, editor, runner,  # noqa: F811
                                                                                        monkeypatch):
    from kb.attachments import reread

    client, pid = editor
    for number in range(3):
        upload(client, pid, f"список{number}.docx", docx_of(paragraph(run(f"\uf0b7\tПункт номер {number}"))))
    _as_stored_by_an_older_version(app, runner)
    monkeypatch.setattr(reread, "BATCH", 1)
    read_again, calls = reread.read_again, []

    def stopped_at_the_third(*args):
        calls.append(args)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return read_again(*args)

    monkeypatch.setattr(reread, "read_again", stopped_at_the_third)
    result = runner.invoke(args=["reread-files"])
    assert result.exit_code == 1 and "Прервано (Ctrl+C)." in result.output
    assert _texts(app) == {"список0.docx": "• Пункт номер 0", "список1.docx": "• Пункт номер 1",
                           "список2.docx": OLD_TEXT}
    monkeypatch.setattr(reread, "read_again", read_again)
    result = runner.invoke(args=["reread-files"])
    assert result.exit_code == 0 and "Прочитано файлов: 3; текст изменился у 1." in result.output
    assert _texts(app)["список2.docx"] == "• Пункт номер 2"
