"""The test harness's shared compiled code (tests/conftest.py) is the code each app would have compiled itself."""

from __future__ import annotations

from tests.conftest import _TEMPLATE_CODE, make_app


def test_every_route_of_an_app_gets_the_url_builders_its_own_rule_compiles(tmp_path):
    from werkzeug.routing.rules import Rule

    compile_own = Rule._compile_builder.own
    make_app(tmp_path / "first")
    app = make_app(tmp_path / "second")
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        for append_unknown in (False, True):
            own = compile_own(rule, append_unknown).__code__
            shared = (rule._build_unknown if append_unknown else rule._build).__func__.__code__
            assert shared == own, rule.rule
    with app.test_request_context():
        from flask import url_for

        url = url_for("practices.detail", practice_id=7, tab="файлы")
    assert url == "/practices/7?tab=%D1%84%D0%B0%D0%B9%D0%BB%D1%8B"


def test_a_template_shared_between_apps_is_the_code_the_environment_compiles(tmp_path):
    first = make_app(tmp_path / "first")
    second = make_app(tmp_path / "second")
    with first.test_request_context():
        first.jinja_env.get_template("base.html")
    environment = second.jinja_env
    source, filename, _ = environment.loader.get_source(environment, "base.html")
    bucket = _TEMPLATE_CODE.get_bucket(environment, "base.html", filename, source)
    assert bucket.code is not None, "the first app's compiled template is shared"
    assert bucket.code == environment.compile(source, "base.html", filename)
    changed = _TEMPLATE_CODE.get_bucket(environment, "base.html", filename, source + "{# changed #}")
    assert changed.code is None, "a changed source is compiled again"


def test_the_test_databases_commit_without_waiting_for_the_disk(app):
    """tests/conftest.py: synchronous_commit=off on PostgreSQL, synchronous=NORMAL with SQLite's write-ahead log."""
    from sqlalchemy import text

    from kb.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.execute(text("SHOW synchronous_commit")).scalar() == "off"
        else:
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert db.session.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
