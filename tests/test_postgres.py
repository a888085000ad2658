"""The production path on the real PostgreSQL server: migrations, vocabularies, demo data, search."""

import os
import re

import pytest

from kb.extensions import db
from tests.conftest import (
    POSTGRES_SERVER,
    PostgresDatabases,
    make_app,
    postgres_databases,
    sign_in,
    wait_until_blocked_on_lock,
)

psycopg = pytest.importorskip("psycopg")


@pytest.fixture
def pg_url():
    """A fresh empty database on the PostgreSQL server (in either pass); dropped after the test."""
    pg = postgres_databases()
    own = pg is None
    if own:
        pg = PostgresDatabases(POSTGRES_SERVER)
    try:
        name = pg.create()
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer in CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc}")
    yield pg.url(name)
    if own:
        pg.drop([name])


@pytest.mark.postgres
def test_init_demo_search_and_check_on_postgres(tmp_path, pg_url, seeds_dir):
    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url)
    runner = app.test_cli_runner()
    for args in (["init"], ["init"], ["demo"],
                 ["import-resolution", str(seeds_dir / "resolution_chelyabinsk_2017.txt"), "--publish"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    assert "Рекомендации: 7, адресатов: 4" in result.output
    client = app.test_client()
    body = client.get("/api/v1/search", query_string={"q": "одарённых детей", "region": "RU-CHE"}).json
    assert body["total"] > 0
    assert client.get("/api/v1/search", query_string={"type": "practice"}).json["total"] == 64
    assert runner.invoke(args=["check-index"]).exit_code == 0

    from tests.conftest import csrf_from

    admin = app.test_client()
    admin.post("/login", data={"email": "admin@demo.example", "password": "demo-admin-pass",
                               "csrf_token": csrf_from(admin, "/login")})
    practice_id = admin.get("/api/v1/search", query_string={"type": "practice"}).json["results"][0]["id"]
    assert admin.get(f"/practices/{practice_id}").status_code == 200  # the view counter's UPDATE
    dashboard = admin.get("/statistics")
    assert dashboard.status_code == 200
    tables = sorted(set(re.findall(r'href="/statistics/([a-z]+)\.csv"', dashboard.get_data(as_text=True))))
    assert len(tables) == 9, tables
    for table in tables:
        assert admin.get(f"/statistics/{table}.csv").status_code == 200, table
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        db.session.remove()
        db.engine.dispose()


# -- the server restarting or refusing connections ---------------------------------------------------------


def _database(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _admin():
    return psycopg.connect(POSTGRES_SERVER, autocommit=True, connect_timeout=5)


def _drop_connections(name: str, refuse: bool = False) -> int:
    """What a server restart does to the app's pooled connections; ``refuse``: and no new ones until allowed."""
    with _admin() as admin:
        if refuse:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        return admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
                             (name,)).fetchone()[0]


def _allow_connections(name: str) -> None:
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
def test_connections_the_server_dropped_are_replaced_without_an_error(tmp_path, pg_url):
    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url)
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    client = app.test_client()
    try:
        assert client.get("/resolutions").status_code == 200
        assert _drop_connections(_database(pg_url)) >= 1
        # Before pool_pre_ping the first request on each dropped connection was a 500.
        assert [client.get(path).status_code for path in ("/resolutions", "/api/v1/search?q=урок", "/")] == [200] * 3
    finally:
        _dispose(app)


@pytest.mark.postgres
def test_while_the_database_refuses_connections_pages_answer_503_in_russian_and_then_recover(tmp_path, pg_url):
    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url)
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    with app.app_context():
        from kb.accounts.services import create_user

        teacher = create_user("teacher@example.org", "Учитель", "correct-horse-battery", role="teacher").id
        db.session.commit()
    guest, signed_in = app.test_client(), app.test_client()
    sign_in(signed_in, teacher)
    assert signed_in.get("/practices/new").status_code == 200
    name = _database(pg_url)
    try:
        _drop_connections(name, refuse=True)
        for client, path in ((guest, "/resolutions"), (guest, "/"), (signed_in, "/practices/new")):
            response = client.get(path)
            assert response.status_code == 503, path
            assert response.headers["Retry-After"]
            assert "База данных временно недоступна" in response.get_data(as_text=True)
        api = guest.get("/api/v1/search", query_string={"q": "урок"})
        assert api.status_code == 503 and api.mimetype == "application/problem+json"
        assert "База данных временно недоступна" in api.json["detail"]
    finally:
        _allow_connections(name)
    try:
        assert guest.get("/resolutions").status_code == 200
        assert signed_in.get("/practices/new").status_code == 200
    finally:
        _dispose(app)


@pytest.mark.postgres
def test_the_index_writer_waits_for_the_database_and_goes_on(tmp_path, pg_url, monkeypatch):
    import time

    from kb.practices.models import Practice

    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url, INDEX_SYNC_AFTER_REQUEST=False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    with app.app_context():
        db.session.add(Practice(title="Практика, пока база недоступна", status="published"))
        db.session.commit()
    name = _database(pg_url)
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            _allow_connections(name)  # the server is back after the writer's second attempt
        if len(pauses) == 4:
            raise KeyboardInterrupt

    try:
        _drop_connections(name, refuse=True)
        once = runner.invoke(args=["indexer", "--once"])
        assert once.exit_code == 1 and "База данных недоступна" in once.output, once.output
        monkeypatch.setattr(time, "sleep", sleep)
        result = runner.invoke(args=["indexer", "--interval", "0.5"])
    finally:
        _allow_connections(name)
    try:
        assert result.exit_code == 0, result.output
        assert result.output.count("База данных недоступна") == 2
        assert pauses[:2] == [1.0, 2.0], "the writer waits longer after each failure"
        assert "Писатель индекса снова работает." in result.output
        assert "Применено изменений: 1." in result.output
        assert "Писатель индекса остановлен." in result.output
        assert runner.invoke(args=["check-index"]).exit_code == 0
    finally:
        _dispose(app)


# -- a database without the bank's tables, with the C locale; two withdrawals at once -------------------------


@pytest.mark.postgres
def test_commands_and_pages_on_a_database_without_tables_say_so_in_one_line(tmp_path, pg_url):
    """PostgreSQL's «no table» is a ProgrammingError (42P01), not SQLite's OperationalError: every command printed
    a traceback of about 100 lines instead of README's «нет таблиц банка…», and pages answered 500, not 503."""
    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url)
    runner = app.test_cli_runner()
    try:
        for args in (["check-index"], ["demo"],
                     ["create-user", "a@example.org", "--role", "teacher", "--password", "dlinnyi-parol-1"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 1 and isinstance(result.exception, SystemExit), (args, result.exception)
            assert "В базе данных нет таблиц банка" in result.output, (args, result.output)
            assert "сначала выполните «flask --app kb init»" in result.output
        with app.test_client().get("/api/v1/practices") as api, app.test_client().get("/") as page:
            assert (api.status_code, page.status_code) == (503, 503)
            assert "База данных временно недоступна" in api.json["detail"]
    finally:
        _dispose(app)


@pytest.fixture
def c_locale_url():
    """A fresh database whose LC_CTYPE is C (`createdb --locale=C`): its lower() leaves Cyrillic as it is."""
    pg = postgres_databases() or PostgresDatabases(POSTGRES_SERVER)
    name = f"{pg.prefix}c_locale"
    try:
        with pg.connect() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\' LC_COLLATE \'C\' '
                          "LC_CTYPE 'C'")
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer in CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_SERVER}: {exc}")
    yield pg.url(name)
    pg.drop([name])


@pytest.mark.postgres
def test_init_and_the_start_warn_of_a_database_whose_lower_keeps_cyrillic(tmp_path, c_locale_url, pg_url, caplog):
    """On a C-locale database the organisation methodist's queue, the title filter, the duplicate titles and the
    users' search silently found nothing (lower('Ё') is 'Ё' there): `init` and the log of the start say so, in
    Russian, in the same words."""
    app = make_app(tmp_path / "c", SQLALCHEMY_DATABASE_URI=c_locale_url)
    good = make_app(tmp_path / "utf8", SQLALCHEMY_DATABASE_URI=pg_url)
    try:
        said = [r.getMessage() for r in caplog.records if "LC_CTYPE" in r.getMessage()]
        assert len(said) == 1, said
        assert said[0].startswith("База данных PostgreSQL создана с локалью C (LC_CTYPE), и её lower() не делает "
                                  "русские буквы строчными"), said
        assert "createdb -E UTF8 --locale=C.UTF-8" in said[0]
        init = app.test_cli_runner().invoke(args=["init"])
        assert init.exit_code == 0, init.output
        assert said[0] in init.output
        fine = good.test_cli_runner().invoke(args=["init"])
        assert fine.exit_code == 0 and "локалью" not in fine.output, fine.output
    finally:
        for each in (app, good):
            _dispose(each)


@pytest.mark.postgres
def test_a_resolution_taken_back_to_a_draft_twice_at_once_is_a_no_op_for_the_second(tmp_path, pg_url):
    """Both requests found no tombstone and both added one; the second's insert waited for the first's and then
    met uq_oai_tombstone_kind: a 500. Here another transaction holds the same tombstone, not yet committed, while
    the request runs; the request waits for it and then updates that row."""
    import io
    import threading

    from kb.accounts.services import create_user
    from kb.accounts.tokens import create_token
    from tests.conftest import bearer

    app = make_app(tmp_path / "pg", SQLALCHEMY_DATABASE_URI=pg_url)
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    with app.app_context():
        methodist = create_user("m@example.org", "Методист", "dlinnyi-parol-1", role="methodist",
                                scope_region_code="RU-CHE")
        _, secret = create_token(methodist, "t")
        db.session.commit()
    headers = bearer(secret)
    text = "Резолюция\nконференции «Снятие»\n\nДата проведения: 1 марта 2024 года\n\n1) Педагогам: делать.\n"
    with app.test_client().post("/api/v1/resolutions?publish=true", headers=headers, content_type="multipart/form-data",
                                data={"file": (io.BytesIO(text.encode()), "r.txt")}) as response:
        resolution_id = response.json["id"]
    answers = []
    try:
        with psycopg.connect(pg_url.replace("+psycopg", "")) as other:
            other.execute("INSERT INTO oai_tombstone (kind, item_id, sets, deleted_at) "
                          "VALUES ('resolution', %s, ' ', now())", (resolution_id,))

            def withdraw():
                with app.test_client().patch(f"/api/v1/resolutions/{resolution_id}", headers=headers,
                                             json={"status": "draft"}) as response:
                    answers.append(response.status_code)

            request = threading.Thread(target=withdraw)
            request.start()
            wait_until_blocked_on_lock(other)  # until the request waits for the other transaction's row
            other.commit()
            request.join(30)
        assert answers == [200]
        with app.app_context():
            rows = db.session.execute(db.text("SELECT count(*) FROM oai_tombstone")).scalar()
            status = db.session.execute(db.text("SELECT status FROM resolution")).scalar()
        assert (rows, status) == (1, "draft")
    finally:
        _dispose(app)
