"""The production path on the real PostgreSQL server: migrations, vocabularies, demo data, search."""

import os
import re
import uuid

import pytest

from kb.extensions import db
from tests.conftest import make_app

psycopg = pytest.importorskip("psycopg")

SERVER = os.environ.get("KB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    try:
        admin = psycopg.connect(SERVER, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer in CI: {exc}")
        pytest.skip(f"PostgreSQL is not reachable at {SERVER}: {exc}")
    name = f"kb_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    base = SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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
