"""The template section «Теоретическая база» (the regional regulations' template: after «Цель и задачи», before
«Технология (содержание) опыта»): in the model and its migration, the form, the page, the API, the registry, the
index and the version history."""

import csv
import io

from sqlalchemy import inspect, select, text

from kb.extensions import db
from kb.practices.models import SECTION_KEYS, SECTIONS, Practice
from tests.conftest import bearer

HEADING = "Теоретическая база"
WORD = "выготскианский"  # a word only the practice's theoretical base holds


def test_the_section_stands_after_the_goal_and_tasks():
    keys = list(SECTION_KEYS)
    assert ("theoretical_base", HEADING) in SECTIONS
    assert keys.index("theoretical_base") == keys.index("goal_tasks") + 1 == keys.index("technology") - 1


def test_the_form_takes_the_section_and_the_page_shows_it(app, teacher_client):
    form = teacher_client.get("/practices/new").get_data(as_text=True)
    assert f">{HEADING}</label>" in form and 'name="theoretical_base"' in form
    assert form.index("Цель и задачи") < form.index(HEADING) < form.index("Технология (содержание) опыта")
    saved = teacher_client.post("/practices/new", data={"title": "Практика с теоретической базой",
                                                        "theoretical_base": f"Культурно-историческая теория, {WORD}."})
    assert saved.status_code == 302
    with app.app_context():
        practice = db.session.scalars(select(Practice)).one()
        assert practice.theoretical_base == f"Культурно-историческая теория, {WORD}."
    page = teacher_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert HEADING in page and WORD in page


def test_the_section_has_the_length_rule_of_every_section(app, teacher_client):
    from kb.practices import rules

    response = teacher_client.post("/practices/new", data={"title": "Практика со слишком длинной базой",
                                                           "theoretical_base": "т" * (rules.SECTION_MAX + 1)})
    assert response.status_code == 200 and rules.SECTION_MESSAGE in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Practice)).first() is None


def test_the_api_reads_and_writes_the_section(app, make_user, make_token):
    client = app.test_client()
    headers = bearer(make_token(make_user("teacher")))
    body = {"title": "Практика через API", "sections": {"theoretical_base": "Теория деятельности."}}
    created = client.post("/api/v1/practices", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    read = client.get(f"/api/v1/practices/{created.get_json()['id']}", headers=headers).get_json()
    assert read["sections"]["theoretical_base"] == "Теория деятельности."
    spec = client.get("/api/v1/openapi.json").get_json()
    names = spec["components"]["schemas"]["PracticeInput"]["properties"]["sections"]["propertyNames"]["enum"]
    assert "theoretical_base" in names


def test_the_search_finds_a_word_of_the_section(app, make_practice, client):
    with app.app_context():
        pid = make_practice("Практика с теорией", theoretical_base=f"Опора на {WORD} подход.")
    found = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    assert [hit["id"] for hit in found["results"]] == [pid]


def test_a_registry_column_of_the_section_is_read():
    from kb.bulkimport.registry import read_registry

    for header in (HEADING, "Теоретическое обоснование", "Теоретические основы"):
        data = f"Название;{header}\nПрактика;Теория поэтапного формирования умственных действий\n"
        registry = read_registry(data.encode("utf-8"), 100)
        assert registry.warnings == [], header
        assert registry.rows[0].values["theoretical_base"] == "Теория поэтапного формирования умственных действий"


def test_the_registry_template_has_the_column_in_the_template_order():
    from kb.bulkimport.registry import template_csv

    headers = next(csv.reader(io.StringIO(template_csv().decode("utf-8-sig")), delimiter=";"))
    assert headers.index(HEADING) == headers.index("Цель и задачи") + 1


def test_a_version_saved_before_the_section_existed_shows_no_change_in_it(app):
    """A snapshot of the history written before the section has no key for it: compared with the current content
    (an empty section), the diff said «Теоретическая база» changed from nothing to nothing."""
    from kb.practices.services import diff_snapshots

    old = {"title": "Практика", "annotation": "Текст."}
    new = {"title": "Практика", "annotation": "Текст.", "theoretical_base": ""}
    with app.test_request_context():
        assert diff_snapshots(old, new) == []
        assert [label for label, _ in diff_snapshots(old, {**new, "theoretical_base": "Теория."})] == [HEADING]


def _columns(app) -> set[str]:
    with app.app_context():
        return {column["name"] for column in inspect(db.engine).get_columns("practice")}


def test_the_migration_adds_the_column_empty_and_takes_it_away(app, make_practice):
    with app.app_context():
        pid = make_practice("Практика до новой версии")
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "z5adr0000001"])
    assert down.exit_code == 0, down.output
    assert "theoretical_base" not in _columns(app)
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert "theoretical_base" in _columns(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT theoretical_base FROM practice WHERE id = :id"), {"id": pid})
        assert stored.scalar_one() == ""
