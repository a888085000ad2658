"""A database whose schema is behind the code (the code updated, `flask --app kb init` not run yet): the commands and
/healthz say so and what to do, the pages' 503 is explained in the log."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kb.extensions import db
from kb.schema import SCHEMA_BEHIND, downgrade_schema
from tests.conftest import make_app

# Before resolution.imported_by_id (z1rsc0000001): the resolutions' pages need that column.
OLDER = "z1nam0000001"


@pytest.fixture
def behind(app):
    with app.app_context():
        downgrade_schema(OLDER)
        db.session.remove()
    return app


def test_the_commands_say_the_schema_is_behind_and_to_run_init(behind):
    runner = behind.test_cli_runner()
    for args in (["check-index"], ["sync-index"], ["block-user", "nobody@example.org"], ["indexer", "--once"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, (args, result.output)
        assert SCHEMA_BEHIND in result.output and "недоступна" not in result.output, (args, result.output)
    assert SCHEMA_BEHIND == "Схема базы данных старее этой версии программы: выполните flask --app kb init."
    done = runner.invoke(args=["init"])
    assert done.exit_code == 0 and "схема обновлена" in done.output, done.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_healthz_says_the_schema_is_behind_and_pages_log_why(behind, caplog):
    app = make_app(Path(behind.instance_path))  # a web process started on the old schema
    client = app.test_client()
    with caplog.at_level(logging.WARNING):
        page = client.get("/resolutions")
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert any("flask --app kb init" in record.getMessage() and "schema" in record.getMessage()
               for record in caplog.records), [record.getMessage() for record in caplog.records]
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["status"] == "error" and "flask --app kb init" in health.get_json()["schema"]
    assert behind.test_cli_runner().invoke(args=["init"]).exit_code == 0
    healthy = client.get("/healthz")
    assert healthy.status_code == 200 and healthy.get_json()["schema"] == "ok"
    assert client.get("/resolutions").status_code == 200


def test_a_current_schema_costs_no_query_per_request(app):
    """The revision is read when the app starts, by /healthz, and after an error naming a missing column or table;
    not by every page."""
    from sqlalchemy import event

    statements = []
    client = app.test_client()
    client.get("/")
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get("/")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements and not any("alembic_version" in statement for statement in statements)


def test_a_command_started_before_the_database_answers_names_the_old_schema_when_it_meets_it(behind, monkeypatch):
    """The check before a command leaves a database that does not answer to the command (the writer waits for it);
    the error that command then meets on the old schema names init, not «База данных недоступна (no such column…)»."""
    import kb.commands

    real = kb.commands._schema_behind_now
    calls = []

    def first_unreadable() -> bool:
        calls.append(1)
        return False if len(calls) == 1 else real()

    monkeypatch.setattr(kb.commands, "_schema_behind_now", first_unreadable)
    result = behind.test_cli_runner().invoke(args=["check-index"])
    assert result.exit_code == 1 and SCHEMA_BEHIND in result.output, result.output
