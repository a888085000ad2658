"""The confirmed web import runs in the background: redirect to its progress page, a page whose numbers a
script brings up to date while the import runs (never a reload of the whole page), the per-row result at the
end, one import per upload, the page only for the uploader or an administrator, and an import whose progress
stopped shown as interrupted."""

from __future__ import annotations

import json
import re
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from kb.attachments import services as attachments
from kb.bulkimport import jobs, services, staging
from kb.bulkimport.services import RowResult
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import csrf_from, sign_in
from tests.test_bulk_import import csv_bytes, docx_bytes, practices, row, upload, wait_for_import, zip_bytes


def updating(page: str) -> bool:
    """The page of a running import: its script and the address it reads the numbers from, no self-reload."""
    assert "http-equiv" not in page
    return "/static/bulkimport." in page and "data-progress-url=" in page


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """Replace the background thread: record the uploads whose import was started, run nothing."""
    calls: list[str] = []
    monkeypatch.setattr(jobs, "start", lambda app, token: calls.append(token))
    return calls


def checked(client, rows: list[list[object]]) -> str:
    """Upload and check a registry; the token of its staged upload."""
    page = upload(client, csv_bytes(rows)).get_data(as_text=True)
    return re.search(r'action="/import/practices/([A-Za-z0-9_-]+)"', page).group(1)


def confirm(client, token: str):
    return client.post(f"/import/practices/{token}", data={"csrf_token": csrf_from(client, "/import/practices")})


def staged_upload(app, token: str) -> staging.Staged:
    with app.app_context():
        return staging.find(token)


def test_confirmation_redirects_to_a_page_that_updates_until_the_per_row_result(app, client, make_user, started):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("P-1", "Первая"), row("P-2", "Вторая"), row("P-3", "Чужая",
                                                                              region="Смоленская область")])
    response = confirm(client, token)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/import/practices/{token}/progress"
    assert started == [token]

    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert updating(page) and "Подготовка к загрузке" in page

    writer = jobs.ProgressWriter(staged_upload(app, token))
    writer.start(3)
    writer.row(RowResult(2, "P-1", "Первая", action="create"))
    writer.row(RowResult(4, "P-3", "Чужая", errors=["вне области"]))
    writer._save()
    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert updating(page)
    assert "Обработано 2 из 3 строк" in page and '<progress id="import-progress" value="2" max="3">' in page
    assert "создано 1" in page and "с ошибками 1" in page
    assert practices(app) == []

    jobs.run(app, token)  # what the thread runs
    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert not updating(page) and "<progress" not in page
    assert "Реестр загружен" in page and "создано 2" in page and "с ошибками 1" in page
    assert "вне вашей области модерации" in page  # the per-row report, as the synchronous page showed it
    ids = {p.external_id: p.id for p in practices(app)}
    assert set(ids) == {"P-1", "P-2"}
    assert f'href="/practices/{ids["P-1"]}"' in page
    # The registry is deleted once imported; the progress and its result stay for the page.
    assert not staged_upload(app, token).registry_path.exists()


def test_the_numbers_of_a_running_import_come_as_json_and_the_page_works_without_script(app, client, make_user,
                                                                                       started):
    """The page reloaded itself every two seconds (<meta http-equiv=refresh>): focus jumped to the top and screen
    readers started over. Its script now reads the numbers from progress.json; without script, «Обновить»."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("J-1", "Первая"), row("J-2", "Вторая"), row("J-3", "Третья")])
    confirm(client, token)
    url = f"/import/practices/{token}/progress.json"
    queued = client.get(url)
    assert queued.status_code == 200 and "no-store" in queued.headers["Cache-Control"]
    assert queued.get_json() == {"state": "queued", "finished": False, "interrupted": False, "total": None,
                                 "done": 0, "headline": "Подготовка к загрузке: реестр читается…", "counts": ""}
    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert f'data-progress-url="{url}"' in page and 'role="status"' in page
    assert f'<a class="import-refresh" href="/import/practices/{token}/progress">Обновить</a>' in page

    writer = jobs.ProgressWriter(staged_upload(app, token))
    writer.start(21)
    writer.row(RowResult(2, "J-1", "Первая", action="create"))
    writer._save()
    body = client.get(url).get_json()
    assert (body["state"], body["total"], body["done"]) == ("running", 21, 1)
    assert body["headline"] == "Обработано 1 из 21 строки"
    assert body["counts"] == "Пока: создано 1, обновлено 0, без изменений 0, с ошибками 0."

    jobs.run(app, token)
    body = client.get(url).get_json()
    assert body["finished"] is True and body["state"] == "done"
    assert "report" not in body  # the result is the page's, not the script's

    other = app.test_client()
    sign_in(other, make_user("methodist", scope_region="RU-CHE"))
    assert other.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 401  # a script cannot follow the login page: JSON, not 302


def test_the_real_thread_writes_the_progress_file(app, client, make_user):
    sign_in(client, make_user("admin"))
    token = checked(client, [row("T-1", "Из потока"), row("T-2", "Тоже из потока")])
    assert confirm(client, token).status_code == 303
    wait_for_import(token)
    state = json.loads(jobs.progress_path(staged_upload(app, token)).read_text(encoding="utf-8"))
    assert (state["state"], state["total"], state["done"], state["created"]) == ("done", 2, 2, 2)
    assert [r["external_id"] for r in state["report"]["rows"]] == ["T-1", "T-2"]
    assert not updating(client.get(f"/import/practices/{token}/progress").get_data(as_text=True))


def test_a_second_confirmation_does_not_start_a_second_import(app, client, make_user, started):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("D-1", "Двойной щелчок")])
    first, second = confirm(client, token), confirm(client, token)
    assert started == [token]
    assert first.headers["Location"] == second.headers["Location"] == f"/import/practices/{token}/progress"
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Импорт этого реестра уже запущен" in page
    # The marker is taken atomically: of any number of claims exactly one wins.
    staged = staged_upload(app, token)
    assert staging.claim(staged) is False


def test_progress_page_is_for_the_uploader_or_an_administrator(app, client, make_user, started):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("A-1", "Чей ход")])
    url = f"/import/practices/{token}/progress"
    assert client.get(url).status_code == 404  # not confirmed yet
    confirm(client, token)
    assert client.get(url).status_code == 200

    other = app.test_client()
    sign_in(other, make_user("methodist", scope_region="RU-CHE"))
    assert other.get(url).status_code == 404
    teacher = app.test_client()
    sign_in(teacher, make_user("teacher"))
    assert teacher.get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # to the login page
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    assert admin.get(url).status_code == 200
    assert client.get("/import/practices/not-a-token/progress").status_code == 404


def test_an_unfinished_progress_that_stopped_changing_is_shown_as_interrupted(app, client, make_user, started):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("S-1", "Прервана"), row("S-2", "Тоже")])
    confirm(client, token)
    staged = staged_upload(app, token)
    writer = jobs.ProgressWriter(staged)
    writer.start(2)
    writer.row(RowResult(2, "S-1", "Прервана", action="create"))
    writer._save()
    url = f"/import/practices/{token}/progress"
    assert "прервана" not in client.get(url).get_data(as_text=True)

    path = jobs.progress_path(staged)
    state = json.loads(path.read_text(encoding="utf-8"))
    state["updated_at"] = time.time() - jobs.DEFAULT_STALE_SECONDS - 60
    path.write_text(json.dumps(state), encoding="utf-8")
    page = client.get(url).get_data(as_text=True)
    assert "Загрузка прервана" in page and "повторная загрузка" in page and "внешнему идентификатору" in page
    assert not updating(page)
    assert "Обработано 1 из 2 строк" in page

    app.config["BULK_IMPORT_STALE_SECONDS"] = 3600 * 2
    assert updating(client.get(url).get_data(as_text=True))


def test_an_import_failing_as_a_whole_is_reported_and_writes_nothing(app, client, make_user, started,
                                                                     monkeypatch):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("F-1", "Сбой загрузки")])
    confirm(client, token)

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(jobs.services, "run_import", broken)
    jobs.run(app, token)
    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert "Загрузка не выполнена" in page and "внутренней ошибки" in page and "disk on fire" not in page
    assert not updating(page)
    assert practices(app) == []


def test_rows_are_committed_in_batches_so_a_broken_import_keeps_what_it_wrote(app, client, make_user, started,
                                                                              monkeypatch):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("K-1", "Первая"), row("K-2", "Вторая"), row("K-3", "Третья")])
    confirm(client, token)
    monkeypatch.setattr(jobs, "COMMIT_EVERY", 2)
    monkeypatch.setattr(services, "BATCH_SECONDS", 3600)  # batches by rows only, however slow the machine
    counted = jobs.ProgressWriter.row

    def dies_at_the_third_row(self, result):
        if self.progress.done == 2:
            raise RuntimeError("worker killed")
        counted(self, result)

    monkeypatch.setattr(jobs.ProgressWriter, "row", dies_at_the_third_row)
    jobs.run(app, token)
    assert [p.external_id for p in practices(app)] == ["K-1", "K-2"]  # the first batch was committed
    page = client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    assert "Загрузка не выполнена" in page and "могли быть записаны" in page

    # Running the same registry again creates only what is missing.
    token = checked(client, [row("K-1", "Первая"), row("K-2", "Вторая"), row("K-3", "Третья")])
    monkeypatch.setattr(jobs.ProgressWriter, "row", counted)
    confirm(client, token)
    jobs.run(app, token)
    assert [p.external_id for p in practices(app)] == ["K-1", "K-2", "K-3"]
    assert "создано 1" in client.get(f"/import/practices/{token}/progress").get_data(as_text=True)


@pytest.mark.parametrize(("total", "words"), [(1, "из 1 строки"), (2, "из 2 строк"), (5, "из 5 строк"),
                                               (21, "из 21 строки"), (111, "из 111 строк")])
def test_the_progress_and_the_row_limit_agree_with_their_number(app, client, make_user, started, total, words):
    """The page always said «строк»: «Обработано 0 из 21 строк», «Не больше 21 строк в одном реестре»."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("N-1", "Одна практика")])
    confirm(client, token)
    writer = jobs.ProgressWriter(staged_upload(app, token))
    writer.start(total)
    writer._save()
    assert f"Обработано 0 {words}</label>" in client.get(f"/import/practices/{token}/progress").get_data(as_text=True)
    app.config["BULK_IMPORT_MAX_ROWS"] = total
    limit = words.replace("из", "Не больше") + " в одном реестре"
    assert limit in client.get("/import/practices").get_data(as_text=True)


# -- the import beside the site's own writes -----------------------------------------------------------------


def run_rows(app, admin: int, rows: list[list[object]], archive: dict[str, bytes] | None = None,
             commit_every: int = jobs.COMMIT_EVERY) -> services.ImportReport:
    """Run an import as the web one does (commits every ``commit_every`` rows) and commit the rest."""
    from kb.accounts.models import User
    from kb.bulkimport.archive import FileArchive
    from kb.bulkimport.registry import read_registry

    with app.app_context(), tempfile.TemporaryDirectory() as folder:
        files = None
        if archive is not None:
            path = Path(folder) / "files.zip"
            path.write_bytes(zip_bytes(archive))
            files = FileArchive(path, app.config["ATTACHMENT_MAX_BYTES"])
        try:
            report = services.run_import(db.session.get(User, admin), read_registry(csv_bytes(rows), 100), files,
                                         dry_run=False, commit_every=commit_every)
        finally:
            if files is not None:
                files.close()
        db.session.commit()
        return report


def site_write(practice_id: int) -> bool:
    """A page view's counter, written from another connection waiting at most 2 s for the lock: whether it got in."""
    from kb.attachments.services import _short_lock_wait

    try:
        with db.engine.begin() as connection, _short_lock_wait(connection):
            connection.execute(update(Practice).where(Practice.id == practice_id).values(views=Practice.views + 1))
    except OperationalError:
        return False
    return True


def test_a_page_view_counted_between_two_rows_fails_no_row(app, make_user, make_practice, monkeypatch):
    """After each commit the import began a plain transaction and read first: a page view counted before its
    first write made that write fail at once with «database is locked» (SQLite), and every row up to the next
    commit failed with a message blaming the row."""
    admin = make_user("admin")
    with app.app_context():
        visited = make_practice("Открытая практика")
    checked_row = services._check_row
    counted: list[bool] = []

    def check_then_someone_visits(raw, ctx):
        found = checked_row(raw, ctx)
        counted.append(site_write(visited))
        return found

    monkeypatch.setattr(services, "_check_row", check_then_someone_visits)
    report = run_rows(app, admin, [row(f"V-{i}", f"Практика {i}") for i in range(4)], commit_every=1)
    assert counted == [True] * 4
    assert [r.errors for r in report.rows] == [[]] * 4
    assert report.count("create") == 4


def test_the_files_of_a_row_are_read_while_the_site_can_write(app, make_user, make_practice, monkeypatch):
    """The import held the write lock from its first row to its commit, 100 rows later, also while it extracted
    the text of each file (seconds for a long PDF): every page view waited 5 s for the lock to count itself."""
    admin = make_user("admin")
    with app.app_context():
        visited = make_practice("Открытая практика")
    extract_text = attachments.extract_text
    counted: list[bool] = []

    def someone_visits_while_the_text_is_extracted(data, kind):
        counted.append(site_write(visited))
        return extract_text(data, kind)

    monkeypatch.setattr(attachments, "extract_text", someone_visits_while_the_text_is_extracted)
    rows = [row(f"T-{i}", f"Практика {i}", files=f"отчёт{i}.docx") for i in range(3)]
    report = run_rows(app, admin, rows, archive={f"отчёт{i}.docx": docx_bytes(f"Отчёт {i}.") for i in range(3)})
    assert counted == [True] * 3
    assert report.count("create") == 3 and [len(p.attachments) for p in practices(app)[1:]] == [1, 1, 1]


class Busy(Exception):
    """What the database driver raises when another writer holds the lock (SQLite's code, PostgreSQL's state)."""

    sqlite_errorname = "SQLITE_BUSY"
    sqlstate = "40P01"


@pytest.mark.parametrize(("locked_times", "created", "error"), [(1, 1, False), (99, 0, True)])
def test_a_row_stopped_by_a_lock_is_tried_again_and_else_reported_as_such(app, make_user, monkeypatch,
                                                                         locked_times, created, error):
    """A row whose write met another writer's lock failed with «Строку не удалось записать в базу данных», as if
    the row were at fault; it is now tried again, and if the lock stays, the message says so."""
    admin = make_user("admin")
    apply = services._apply
    calls: list[int] = []

    def locked_at_first(*args):
        calls.append(1)
        if len(calls) <= locked_times:
            raise OperationalError("INSERT INTO practice …", {}, Busy("database is locked"))
        return apply(*args)

    monkeypatch.setattr(services, "_apply", locked_at_first)
    report = run_rows(app, admin, [row("L-1", "Практика")])
    assert report.count("create") == created and len(practices(app)) == created
    assert report.rows[0].errors == ([services.LOCKED_ROW] if error else [])
    assert len(calls) == (1 + created if created else services.WRITE_ATTEMPTS)


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = response.get_data()
    assert data.startswith("\ufeff".encode())  # Excel reads UTF-8 by its byte-order mark
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_the_check_and_the_result_download_as_csv(app, client, make_user):
    """The outcome of each row was only a page: for a registry of thousands of rows the methodist read the errors
    off one huge page. The check and the result are links «Скачать итог (CSV)»."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    rows = [row("C-1", "Первая"), row("C-2", "=Формула", subjects="Естествознание", year="две тысячи")]
    page = upload(client, csv_bytes(rows))
    token = re.search(r'action="/import/practices/([A-Za-z0-9_-]+)"', page.get_data(as_text=True)).group(1)
    assert f'href="/import/practices/{token}/check.csv"' in page.get_data(as_text=True)
    with client.get(f"/import/practices/{token}/check.csv") as response:
        check = _csv_rows(response)
    assert check == [
        ["Строка", "Внешний идентификатор", "Название", "Итог", "Практика №", "Ошибки", "Предупреждения", "Файлы"],
        ["2", "C-1", "Первая", "будет создана", "", "", "", ""],
        ["3", "C-2", "'=Формула", "ошибка — строка не будет загружена", "",
         "Год «две тысячи» — не год; укажите его цифрами, например 2023.",
         "Предмет: значение «Естествознание» не найдено в словаре и не будет загружено.", ""]]

    assert confirm(client, token).status_code == 303
    wait_for_import(token)
    with client.get(f"/import/practices/{token}/progress") as response:
        assert f'href="/import/practices/{token}/result.csv"' in response.get_data(as_text=True)
    with client.get(f"/import/practices/{token}/result.csv") as response:
        result = _csv_rows(response)
    practice_id = str(practices(app)[0].id)
    assert result[1] == ["2", "C-1", "Первая", "создана", practice_id, "", "", ""]
    assert result[2][:5] == ["3", "C-2", "'=Формула", "ошибка — строка не загружена", ""]


def test_the_csv_of_an_import_is_for_whoever_sees_its_page(app, client, make_user, started):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("A-1", "Чей итог")])
    check_url, result_url = f"/import/practices/{token}/check.csv", f"/import/practices/{token}/result.csv"
    with client.get(result_url) as response:
        assert response.status_code == 404  # not imported yet
    other = app.test_client()
    sign_in(other, make_user("methodist", scope_region="RU-CHE"))
    teacher = app.test_client()
    sign_in(teacher, make_user("teacher"))
    for url in (check_url, result_url):
        with other.get(url) as response:
            assert response.status_code == 404
        with teacher.get(url) as response:
            assert response.status_code == 403
        with app.test_client().get(url) as response:
            assert response.status_code == 302
    with client.get("/import/practices/not-a-token/check.csv") as response:
        assert response.status_code == 404


def _json_problem(response, status: int) -> dict:
    """An error of progress.json as its script can read it: problem details in JSON, never the HTML error page."""
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and re.search("[а-яё]", body["detail"])
    assert "<html" not in response.get_data(as_text=True).lower()
    return body


def test_the_numbers_of_an_import_nobody_may_see_are_a_json_404(app, client, make_user, started):
    """static/bulkimport.js polls progress.json: an unknown key (the upload expired and was cleared) answered
    with the site's HTML page «Страница не найдена», which the script could not read."""
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    token = checked(client, [row("N-1", "Чей ход")])
    url = f"/import/practices/{token}/progress.json"
    body = _json_problem(client.get(url), 404)  # not confirmed yet: no progress
    assert body["title"] == "Страница не найдена" and body["detail"].startswith("Такой загрузки нет")
    confirm(client, token)
    assert client.get(url).status_code == 200

    _json_problem(client.get("/import/practices/not-a-token/progress.json"), 404)
    other = app.test_client()  # another methodist's upload: not found, as its page (never a 403 that tells it is)
    sign_in(other, make_user("methodist", scope_region="RU-CHE"))
    _json_problem(other.get(url), 404)
    teacher = app.test_client()
    sign_in(teacher, make_user("teacher"))
    _json_problem(teacher.get(url), 403)
    signed_out = _json_problem(app.test_client().get(url), 401)  # not a redirect to the login page
    assert "войдите" in signed_out["detail"].lower() and "WWW-Authenticate" not in app.test_client().get(url).headers
    # the pages themselves stay HTML
    assert other.get(f"/import/practices/{token}/progress").mimetype == "text/html"
    assert app.test_client().get(f"/import/practices/{token}/progress").status_code == 302
