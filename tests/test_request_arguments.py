"""What a request carries in its query string or form. Numbers (pages, version numbers, ids): any value, however
large, negative or odd, is an empty page, the first page or a 404, never a 500 from the database. Paths to go
back to: only this site's."""

import re

import pytest

from kb.routing import MAX_ID, MAX_PAGE, bounded_int, page_arg, whole_number
from tests.conftest import sign_in

HUGE = "999999999999999999999"  # past 64 bits: SQLite cannot bind it, PostgreSQL cannot compare an INTEGER with it


@pytest.mark.parametrize(("raw", "page"), [
    (None, 1), ("3", 3), ("0", 1), ("-5", 1), ("abc", 1), ("", 1), ("²", 1), ("２", 1), (str(MAX_PAGE), MAX_PAGE),
    (str(MAX_PAGE + 1), MAX_PAGE), (HUGE, MAX_PAGE), ("-" + HUGE, 1),
])
def test_page_arg_is_a_page_from_one_to_the_furthest(raw, page):
    from werkzeug.datastructures import MultiDict

    assert page_arg(MultiDict({} if raw is None else {"page": raw})) == page


@pytest.mark.parametrize(("raw", "number"), [
    (None, None), ("7", 7), ("-7", -7), ("x", None), ("²", None), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), 0),
    (HUGE, 0), ("-" + HUGE, 0),
])
def test_bounded_int_turns_what_no_column_holds_into_an_id_no_row_has(raw, number):
    from werkzeug.datastructures import MultiDict

    assert bounded_int(MultiDict({} if raw is None else {"n": raw}), "n") == number


@pytest.mark.parametrize(("raw", "number"), [
    ("12", 12), (" 12 ", 12), ("-3", -3), ("+3", 3), (HUGE, int(HUGE)), (None, None), ("", None), ("１２", None),
    ("٢", None), ("1_000", None), ("1.0", None), ("²", None), ("9" * 5000, None),
])
def test_whole_number_takes_ascii_digits_only(raw, number):
    """int() took «１», «٢» and «1_000» for numbers, and failed with a ValueError on 5,000 digits."""
    assert whole_number(raw) == number


@pytest.mark.parametrize("value", ["１", "٢", "1_0", "9" * 5000])
@pytest.mark.parametrize("path", ["/api/v1/search", "/api/v1/practices", "/api/v1/resolutions", "/api/v1/collections"])
@pytest.mark.parametrize("name", ["page", "per_page"])
def test_api_takes_page_numbers_in_ascii_digits_only(client, path, name, value):
    """/api/v1/search?page=１ was page 1 while /api/v1/practices?page=１ was a 400 (and 5,000 digits a 500)."""
    response = client.get(path, query_string={name: value})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert f"Параметр {name}" in response.get_json()["detail"]


def test_search_page_ignores_a_page_number_in_other_digits(app, make_practice):
    """The search page read «２» as page 2; like every other page it now ignores what is not a number."""
    with app.app_context():
        for n in range(3):
            make_practice(f"Практика номер {n}")
    client = app.test_client()
    first = client.get("/search?per_page=1").get_data(as_text=True)
    second = client.get("/search?per_page=1&page=2").get_data(as_text=True)
    assert _titles(first) != _titles(second)
    assert _titles(client.get("/search?per_page=1&page=%EF%BC%92").get_data(as_text=True)) == _titles(first)
    assert _titles(client.get("/search?per_page=1&page=2").get_data(as_text=True)) == _titles(second)


def _titles(page: str) -> list[str]:
    return re.findall(r"Практика номер \d", page)


@pytest.mark.parametrize("url", [
    "/resolutions?page={n}", "/collections?page={n}", "/admin/audit?page={n}", "/admin/users?page={n}",
    "/resolutions?page=-{n}",
])
def test_a_page_past_any_list_is_its_last_page(app, make_user, url):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    response = client.get(url.format(n=HUGE), follow_redirects=True)
    assert response.status_code == 200
    assert "<html" in response.get_data(as_text=True)


def test_a_page_past_the_end_sends_to_the_last_page_and_a_nonsense_one_is_the_first(app, make_user):
    """«/resolutions?page=2» said «Резолюций пока нет» with three in the bank, and no page link back (the same on
    the public collections, the users and the audit log); now it goes to the last page, with the other
    arguments kept."""
    from datetime import date

    from kb.collections.services import create_collection
    from kb.extensions import db
    from kb.resolutions.models import Resolution

    admin_id = make_user("admin")
    with app.app_context():
        db.session.add(Resolution(title="Резолюция о школьных библиотеках", place="Курган", date_start=date(2019, 3, 1),
                                  organiser="ИРО", checksum="n1", status="published", full_text="Текст"))
        from kb.accounts.models import User
        from kb.accounts.services import record

        create_collection(db.session.get(User, admin_id), "Подборка о чтении", visibility="public")
        record("user_blocked", None, "user", admin_id)
        db.session.commit()
    client = app.test_client()
    assert "Резолюция о школьных библиотеках" in client.get("/resolutions?page=-3").get_data(as_text=True)
    sign_in(client, admin_id)
    for url, target, shown in [
            (f"/resolutions?page={HUGE}", "/resolutions?page=1", "Резолюция о школьных библиотеках"),
            ("/collections?q=чтении&page=2", "/collections?q=%D1%87%D1%82%D0%B5%D0%BD%D0%B8%D0%B8&page=1",
             "Подборка о чтении"),
            ("/admin/users?role=admin&page=5", "/admin/users?role=admin&page=1", "Администратор"),
            ("/admin/audit?page=50", "/admin/audit?page=1", "Журнал"),
    ]:
        response = client.get(url)
        assert (response.status_code, response.headers.get("Location")) == (302, target), url
        assert shown in client.get(target).get_data(as_text=True), url
    # url_for's own arguments in the query string were passed on to it: a 500 (TypeError), or a link from the Host
    for odd in ("_anchor=x", "_external=1", "_scheme=ftp", "_method=GET&_method=POST"):
        response = client.get(f"/resolutions?page=999&{odd}")
        assert (response.status_code, response.headers.get("Location")) == (302, "/resolutions?page=1"), odd
    # «endpoint» is url_for's first argument: given again from the query string, a 500 on every list
    for url, target in [("/resolutions?page=99999&endpoint=x", "/resolutions?page=1&endpoint=x"),
                        ("/collections?endpoint=x&page=999", "/collections?endpoint=x&page=1"),
                        ("/admin/users?page=999&endpoint=x&endpoint=y", "/admin/users?page=1&endpoint=x&endpoint=y"),
                        ("/admin/audit?page=99999&endpoint=x", "/admin/audit?page=1&endpoint=x")]:
        response = client.get(url)
        assert (response.status_code, response.headers.get("Location")) == (302, target), url


@pytest.mark.parametrize("query", [f"from={HUGE}", f"from=1&to={HUGE}", f"from=-{HUGE}", "from=²"])
def test_a_version_number_no_practice_has_is_404(app, make_user, make_practice, query):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика с историей правок", status="draft", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)
    assert client.get(f"/practices/{pid}/diff?{query}").status_code == 404


@pytest.mark.parametrize(("item_id", "collection", "status"), [
    (HUGE, "new", 404),  # no material has that id
    ("-" + HUGE, "new", 404),
    ("{pid}", HUGE, 404),  # nor a collection
    ("{pid}", "²", 404),  # a digit to Python, not a number
    ("x", "new", 400),
])
def test_adding_to_a_collection_with_ids_no_row_has_is_404(app, make_user, make_practice, item_id, collection, status):
    from sqlalchemy import func, select

    from kb.collections.models import Collection
    from kb.extensions import db

    app.config["WTF_CSRF_ENABLED"] = False
    teacher = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика для подборки")
    client = app.test_client()
    sign_in(client, teacher)
    response = client.post("/collections/add", data={"item_type": "practice", "item_id": item_id.format(pid=pid),
                                                      "collection": collection})
    assert response.status_code == status
    with app.app_context():  # nothing half-made is left: no empty collection from the failed request
        assert db.session.scalar(select(func.count()).select_from(Collection)) == 0
    ok = client.post("/collections/add", data={"item_type": "practice", "item_id": pid, "collection": "new"})
    assert ok.status_code == 302


@pytest.mark.parametrize(("target", "local"), [
    ("/search?q=ШНО", "/search?q=ШНО"), ("/", "/"), (None, None), ("", None), ("//evil.example", None),
    ("/\t/evil.example", None), ("/\n/evil.example", None), ("/\\evil.example", None), ("\\\\evil.example", None),
    ("https://evil.example/", None), ("javascript:alert(1)", None), ("search", None), ("/\x00", None),
])
def test_local_path_is_a_path_of_this_site_or_nothing(target, local):
    from kb.routing import local_path

    assert local_path(target) == local


def test_a_page_answering_405_names_the_methods_that_work(client):
    response = client.delete("/")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "text/html" in response.content_type


@pytest.mark.parametrize("url", ["/oai", "/login"])
def test_a_body_gunicorn_cannot_read_is_the_clients_fault(client, url):
    """A chunked body with a bad chunk size or no terminator: gunicorn raises while the app reads it, and the
    catch-all made it a 500 with a traceback in the log (werkzeug's own server answers 400)."""
    import io

    from gunicorn.http.errors import InvalidChunkSize

    class BrokenChunks(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            raise InvalidChunkSize(b"zz")

    response = client.post(url, content_type="application/x-www-form-urlencoded",
                           environ_overrides={"wsgi.input": BrokenChunks(), "CONTENT_LENGTH": "20"})
    assert response.status_code == 400
    assert "Тело запроса передано с ошибкой" in response.get_data(as_text=True)


def test_an_unhandled_error_is_logged_with_the_request_and_its_user(app, make_user, caplog):
    """A 500 was logged as «Unhandled error» and its traceback: which page failed, the log did not say."""
    endpoint = app.url_map.bind("localhost").match("/")[0]

    def broken(*args, **kwargs):
        raise RuntimeError("some bug")

    app.view_functions[endpoint] = broken
    client = app.test_client()
    with caplog.at_level("ERROR", logger=app.logger.name), client.get("/?q=музей") as response:
        assert response.status_code == 500
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.getMessage() == "Unhandled error on GET /?q=музей"
    assert record.exc_info[0] is RuntimeError

    user = make_user(role="teacher")
    sign_in(client, user)
    caplog.clear()
    with caplog.at_level("ERROR", logger=app.logger.name), client.get("/", headers={"Accept": "text/html"}) as r:
        assert r.status_code == 500
    assert [r.getMessage() for r in caplog.records if r.exc_info] == [f"Unhandled error on GET / (user {user})"]


def test_text_downloads_name_their_charset_once(app, make_user):
    """werkzeug adds "; charset=utf-8" to a text/* type: given in the type as well, it came twice."""
    client = app.test_client()
    assert client.get("/search/export.csv?q=урок").headers["Content-Type"] == "text/csv; charset=utf-8"
    sign_in(client, make_user("admin"))
    assert client.get("/import/practices/template.csv").headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize(("url", "status"), [
    ("/collections?q=%00", 200), ("/collections?q=%D1%88%D0%BA%00", 200), ("/api/v1/collections?q=%00", 200),
    ("/collections/shared/abc%00def", 404), ("/api/v1/collections/shared/%00", 404), ("/search?q=%00%01", 200),
])
def test_a_control_character_in_a_url_never_reaches_the_database(client, url, status):
    """PostgreSQL refuses a NUL in any text: a collection search or a secret link with «%00» was a 500 there."""
    assert client.get(url).status_code == status


def test_query_strings_arrive_without_control_characters_and_forms_as_sent(app):
    with app.test_request_context("/?q=%00%D0%BE%D0%BF%D1%8B%D1%82%09x&k%01=1", method="POST",
                                  data={"password": "a\x0bb"}):
        from flask import request

        assert request.args.to_dict() == {"q": "опыт\tx", "k": "1"}  # a tab stays
        assert request.form.to_dict() == {"password": "a\x0bb"}  # forms filter their own fields


@pytest.mark.parametrize(("raw", "cut"), [
    (None, ""), ("  школа  ", "школа"), ("я" * 250, "я" * 200), (" " + "a" * 60_000, "a" * 200),
])
def test_a_lists_text_filter_is_stripped_and_cut(raw, cut):
    from werkzeug.datastructures import MultiDict

    from kb.routing import MAX_FILTER, filter_arg

    assert filter_arg(MultiDict({} if raw is None else {"q": raw})) == cut == cut[:MAX_FILTER]


LONG = "a" * 60_000  # its LIKE pattern is past the 50,000 bytes SQLite takes («LIKE or GLOB pattern too complex»)


@pytest.mark.parametrize("role, url", [
    ("admin", "/admin/users?q={}"), ("admin", "/admin/users?q=%25{}"), (None, "/collections?q={}"),
    (None, "/api/v1/collections?q={}"), ("methodist", "/practices/moderation?q={}"),
    ("teacher", "/practices/{practice}/recommendations?words={}"),
])
def test_a_very_long_text_filter_is_cut_and_is_no_outage(app, make_user, make_practice, caplog, role, url):
    """/admin/users?q=<60,000 characters> was a 503 «Сервис временно недоступен» with «Database unavailable» in the
    log: the list filters look for their first 200 characters."""
    client = app.test_client()
    if role:
        user_id = make_user(role)
        sign_in(client, user_id)
    with app.app_context():
        practice = make_practice(owner_id=user_id) if role == "teacher" else 0
    with caplog.at_level("WARNING", logger=app.logger.name):
        response = client.get(url.format(LONG, practice=practice))
    assert response.status_code == 200
    assert not [r for r in caplog.records if "unavailable" in r.getMessage()]
    if url.startswith("/admin/users?q=a"):
        assert f'name="q" value="{"a" * 200}"' in response.get_data(as_text=True)
