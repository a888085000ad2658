"""The production path on the real PostgreSQL server: migrations, vocabularies, demo data, search."""

import os
import re

import pytest

from kb.extensions import db
from tests.conftest import POSTGRES_SERVER, PostgresDatabases, make_app, postgres_databases

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
