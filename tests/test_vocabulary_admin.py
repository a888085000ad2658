"""Administrators edit the thesaurus and add municipalities; `init` never overwrites their edits."""

import html

from sqlalchemy import select

from kb.accounts.models import AuditEvent
from kb.extensions import db
from kb.vocabularies.models import Municipality, Topic
from tests.conftest import csrf_from, sign_in


def _admin(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("admin"))
    return client


def test_closed_to_everyone_but_admins(app, make_user):
    client = app.test_client()
    assert client.get("/admin/vocabularies").status_code == 302
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    assert client.get("/admin/vocabularies").status_code == 403
    assert client.get("/admin/vocabularies/topics/olympiads").status_code == 403


def test_edit_topic_synonyms_survives_init(app, make_user):
    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/school_science_society"
    response = client.post(url, data={"code": "hacked", "label": "Школьные научные общества",
                                      "parent": "research_projects", "synonyms": "ШНО\nНОУ\n  ШНО \nнаучное общество",
                                      "csrf_token": csrf_from(client, url)})
    assert response.status_code == 302
    with app.app_context():
        topic = db.session.get(Topic, "school_science_society")
        assert topic.synonyms == ["ШНО", "НОУ", "научное общество"]
        assert db.session.get(Topic, "hacked") is None, "the code never changes"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vocabulary_changed"))
        assert event.details["code"] == "school_science_society"
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Topic, "school_science_society").synonyms == ["ШНО", "НОУ", "научное общество"]


def test_add_topic_and_reject_bad_codes(app, make_user):
    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/new"
    bad = client.post(url, data={"code": "Плохой код", "label": "Тема", "csrf_token": csrf_from(client, url)})
    assert "строчная латиница" in bad.get_data(as_text=True)
    taken = client.post(url, data={"code": "olympiads", "label": "Тема", "csrf_token": csrf_from(client, url)})
    assert "уже есть" in taken.get_data(as_text=True)
    ok = client.post(url, data={"code": "media_literacy", "label": "Медиаграмотность <b>",
                                "synonyms": "медиаобразование", "csrf_token": csrf_from(client, url)})
    assert ok.status_code == 302
    page = client.get("/admin/vocabularies").get_data(as_text=True)
    assert "Медиаграмотность &lt;b&gt;" in page
    assert "Медиаграмотность" in client.get("/practices/new").get_data(as_text=True)


def test_add_municipality(app, make_user):
    client = _admin(app, make_user)
    data = {"region": "RU-SMO", "name": "Вяземский  муниципальный округ", "kind": "муниципальный округ"}
    response = client.post("/admin/vocabularies/municipalities",
                           data={**data, "csrf_token": csrf_from(client, "/admin/vocabularies")})
    assert response.status_code == 302
    again = client.post("/admin/vocabularies/municipalities",
                        data={**data, "csrf_token": csrf_from(client, "/admin/vocabularies")}, follow_redirects=True)
    assert "уже есть" in again.get_data(as_text=True)
    with app.app_context():
        added = db.session.scalars(select(Municipality).where(Municipality.region_code == "RU-SMO",
                                                              Municipality.name.startswith("Вяземский"))).all()
        assert [m.code for m in added] == ["RU-SMO-vyazemskiy-munitsipalnyy-okrug"], "added once"
    assert "Вяземский муниципальный округ" in client.get("/practices/new").get_data(as_text=True)


def test_names_that_transliterate_alike_get_codes_of_their_own(app, make_user):
    """"!!!", "???" and "###" all transliterate to nothing, and long names alike in their first 60 letters to
    the same slug: the third was a 500 (the code is unique). Every code fits its column (80 characters)."""
    client = _admin(app, make_user)
    long_start = "Очень длинное название муниципального образования для проверки кода "
    names = ["!!!", "???", "###", "%%%", long_start + "первое", long_start + "второе", long_start + "третье"]
    for name in names:
        response = client.post("/admin/vocabularies/municipalities", follow_redirects=True, data={
            "region": "RU-CHE", "name": name, "kind": "городской округ",
            "csrf_token": csrf_from(client, "/admin/vocabularies")})
        assert response.status_code == 200, name
        assert f"Муниципалитет «{name}» добавлен." in response.get_data(as_text=True), name
    with app.app_context():
        codes = dict(db.session.execute(select(Municipality.name, Municipality.code)
                                        .where(Municipality.name.in_(names))).all())
    assert len(codes) == len(names) and len(set(codes.values())) == len(names), codes
    assert all(len(code) <= 80 and code.startswith("RU-CHE-") for code in codes.values()), codes
    assert codes["!!!"] == "RU-CHE-m" and codes["???"] == "RU-CHE-m-gorodskoy-okrug" and codes["###"] == "RU-CHE-m-2"


def test_a_synonym_added_by_an_admin_finds_the_topic_without_a_rebuild(demo_app):
    client = demo_app.test_client()
    word = "роболабиринт"
    assert client.get("/api/v1/search", query_string={"q": word}).json["total"] == 0
    admin = demo_app.test_client()
    admin.post("/login", data={"email": "admin@demo.example", "password": "demo-admin-pass",
                               "csrf_token": csrf_from(admin, "/login")})
    url = "/admin/vocabularies/topics/olympiads"
    with demo_app.app_context():
        topic = db.session.get(Topic, "olympiads")
        synonyms = "\n".join([*topic.synonyms, word])
        label = topic.label
    assert admin.post(url, data={"label": label, "synonyms": synonyms, "code": "olympiads",
                                 "csrf_token": csrf_from(admin, url)}).status_code == 302
    found = client.get("/api/v1/search", query_string={"q": word, "type": "practice"}).json
    assert found["total"] > 0
    assert all(any(t["code"] == "olympiads" for t in r["topics"]) for r in found["results"])


def test_labels_are_kept_by_the_process_and_read_again_after_a_change(app, monkeypatch):
    from sqlalchemy import event, text

    import kb.vocabularies.services as services

    def label() -> str:  # as a request sees it: each request has its own application context
        with app.test_request_context():
            return services.labels().label("topic", "research_projects")

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    first = label()
    statements.clear()
    assert label() == first
    assert statements == []  # a second request reads no vocabulary
    with app.app_context():
        db.session.get(Topic, "research_projects").label = "Исследования (изменено здесь)"
        db.session.commit()  # a change this process commits is seen at once
    assert label() == "Исследования (изменено здесь)"
    with app.app_context():  # another process's change (here: behind the ORM's back)...
        db.session.execute(text("UPDATE topic SET label = 'Из другого процесса' WHERE code = 'research_projects'"))
        db.session.commit()
    assert label() == "Исследования (изменено здесь)"  # ...is seen within VOCABULARY_SECONDS
    monkeypatch.setattr(services, "VOCABULARY_SECONDS", 0.0)
    assert label() == "Из другого процесса"


def test_topics_and_synonyms_the_admin_adds_are_suggested_from_a_text(app, make_user):
    """«Заполнить по тексту» and the resolution import read the shipped thesaurus: a topic or a synonym added in
    /admin/vocabularies was never suggested."""
    from kb.suggestions.services import suggest

    client = _admin(app, make_user)
    robotics = "Кружок образовательной робототехники для младших школьников"
    physics = "Подготовка команды к турниру юных физиков"
    with app.test_request_context():
        assert [t.code for t in suggest(robotics).topics] == []
        assert "olympiads" not in [t.code for t in suggest(physics).topics]
    url = "/admin/vocabularies/topics/new"
    assert client.post(url, data={"code": "robotics", "label": "Образовательная робототехника", "parent": "",
                                  "synonyms": "робототехника\nLEGO-конструирование",
                                  "csrf_token": csrf_from(client, url)}).status_code == 302
    url = "/admin/vocabularies/topics/olympiads"
    with app.app_context():
        topic = db.session.get(Topic, "olympiads")
        label, synonyms = topic.label, "\n".join([*topic.synonyms, "турнир юных физиков"])
    assert client.post(url, data={"label": label, "parent": "", "synonyms": synonyms,
                                  "csrf_token": csrf_from(client, url)}).status_code == 302
    token = csrf_from(client, "/practices/new")
    for text, wanted in ((robotics, "robotics"), (physics, "olympiads")):
        answer = client.post("/practices/suggestions", data={"csrf_token": token, "text": text}).get_json()
        assert wanted in [t["code"] for t in answer["topics"]], (text, answer)


def test_a_topic_the_admin_adds_tags_the_recommendations_of_an_imported_resolution(app, make_user, tmp_path):
    from kb.resolutions.models import Recommendation

    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/new"
    assert client.post(url, data={"code": "robotics", "label": "Образовательная робототехника", "parent": "",
                                  "synonyms": "робототехника", "csrf_token": csrf_from(client, url)}).status_code == 302
    resolution = tmp_path / "резолюция.txt"
    resolution.write_text("РЕЗОЛЮЦИЯ\nсеминара «Роботы в школе»\n\nУчастники семинара рекомендуют:\n"
                          "1) Общеобразовательным организациям:\n– открыть кружки робототехники;\n",
                          encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import-resolution", str(resolution)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        recommendation = db.session.scalar(select(Recommendation))
        assert "robotics" in [t.code for t in recommendation.topics]


def test_a_municipality_spelt_with_e_for_yo_or_in_another_case_is_already_there(app, make_user):
    """«Озерский городской округ» was added beside the shipped «Озёрский»: the check compared lower(name) only
    (and SQLite's lower() leaves Cyrillic letters as they are)."""
    client = _admin(app, make_user)
    with app.app_context():
        shipped = db.session.scalar(select(Municipality.name).where(Municipality.region_code == "RU-CHE",
                                                                    Municipality.name.startswith("Озёрский")))
    assert shipped == "Озёрский городской округ"
    for name in ("Озерский городской округ", "ОЗЁРСКИЙ  городской округ", "озерский ГОРОДСКОЙ округ"):
        response = client.post("/admin/vocabularies/municipalities", follow_redirects=True, data={
            "region": "RU-CHE", "name": name, "kind": "городской округ",
            "csrf_token": csrf_from(client, "/admin/vocabularies")})
        assert "Такой муниципалитет уже есть." in response.get_data(as_text=True), name
    elsewhere = client.post("/admin/vocabularies/municipalities", follow_redirects=True, data={
        "region": "RU-SMO", "name": "Озерский городской округ", "kind": "городской округ",
        "csrf_token": csrf_from(client, "/admin/vocabularies")})
    assert "Муниципалитет «Озерский городской округ» добавлен." in elsewhere.get_data(as_text=True)
    with app.app_context():
        names = db.session.scalars(select(Municipality.name).where(Municipality.region_code == "RU-CHE",
                                                                   Municipality.name.ilike("%рский городской округ")))
        assert [n for n in names if n.lower().replace("ё", "е") == "озерский городской округ"] == [shipped]


def _topic_form(app, code: str) -> dict:
    with app.app_context():
        topic = db.session.get(Topic, code)
        return {"label": topic.label, "parent": topic.parent_code or "", "synonyms": "\n".join(topic.synonyms)}


def test_a_topic_label_another_topic_has_is_refused(app, make_user):
    """Two topics «Мотивация обучающихся» (or «Одаренные…» beside «Одарённые…») were two identical entries in the
    facet, the practice form and /topics."""
    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/new"
    for code, label in (("motivation_dup", "Мотивация обучающихся"), ("gifted_dup", "Одаренные  младшие школьники"),
                        ("gifted_dup", "ОДАРЁННЫЕ младшие школьники")):
        page = client.post(url, data={"code": code, "label": label, "parent": "", "synonyms": "",
                                      "csrf_token": csrf_from(client, url)}).get_data(as_text=True)
        assert "Тема с таким названием уже есть" in page, label
    edit = "/admin/vocabularies/topics/research_projects"
    page = client.post(edit, data={**_topic_form(app, "research_projects"), "label": "мотивация обучающихся",
                                   "csrf_token": csrf_from(client, edit)}).get_data(as_text=True)
    assert "Тема с таким названием уже есть: «Мотивация обучающихся» (код motivation)." in page
    own_case = client.post(edit, data={**_topic_form(app, "research_projects"),
                                       "label": "Учебно-исследовательская и проектная ДЕЯТЕЛЬНОСТЬ",
                                       "csrf_token": csrf_from(client, edit)})
    assert own_case.status_code == 302, "a topic may change the case of its own label"
    with app.app_context():
        assert db.session.scalar(select(Topic).where(Topic.code.in_(("motivation_dup", "gifted_dup")))) is None
        assert db.session.get(Topic, "research_projects").label.endswith("ДЕЯТЕЛЬНОСТЬ")


def test_a_topic_saved_unchanged_writes_nothing_to_the_audit_log(app, make_user):
    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/motivation"
    page = client.post(url, data={**_topic_form(app, "motivation"), "csrf_token": csrf_from(client, url)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Изменений нет." in page and "Тема сохранена." not in page
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "vocabulary_changed")) is None
    changed = client.post(url, data={**_topic_form(app, "motivation"), "synonyms": "мотивация к учёбе",
                                     "csrf_token": csrf_from(client, url)}, follow_redirects=True)
    assert "Тема сохранена." in changed.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "vocabulary_changed")).all()) == 1


def test_a_topic_cannot_be_the_broader_topic_of_itself_or_of_a_broader_one(app, make_user):
    """research_projects ⊃ school_science_society: making research_projects narrower than school_science_society
    was saved, a cycle."""
    client = _admin(app, make_user)
    with app.app_context():
        db.session.add(Topic(code="school_club", label="Клуб ШНО", synonyms=[], parent_code="school_science_society",
                             sort_order=100))
        db.session.commit()
    url = "/admin/vocabularies/topics/research_projects"
    for parent, narrower in (("school_science_society", "Школьные научные общества (ШНО)"),
                             ("school_club", "Клуб ШНО")):
        page = client.post(url, data={**_topic_form(app, "research_projects"), "parent": parent,
                                      "csrf_token": csrf_from(client, url)}).get_data(as_text=True)
        assert (f"«{html.escape(narrower, quote=False)}» — более узкая тема этой темы: она не может стать для неё "
                "более общей.") in page, parent
    itself = client.post(url, data={**_topic_form(app, "research_projects"), "parent": "research_projects",
                                    "csrf_token": csrf_from(client, url)}).get_data(as_text=True)
    assert "Неверный вариант." in itself, "the topic itself is not among the choices"
    with app.app_context():
        assert db.session.get(Topic, "research_projects").parent_code is None
    sideways = client.post(url, data={**_topic_form(app, "research_projects"), "parent": "olympiads",
                                      "csrf_token": csrf_from(client, url)})
    assert sideways.status_code == 302
    with app.app_context():
        assert db.session.get(Topic, "research_projects").parent_code == "olympiads"


def test_a_topic_nothing_uses_is_deleted_after_a_question(app, make_user, make_practice):
    from kb.practices.models import Practice

    client = _admin(app, make_user)
    url = "/admin/vocabularies/topics/new"
    for code, label in (("mistake", "Тема по ошибке"), ("used", "Тема практики")):
        assert client.post(url, data={"code": code, "label": label, "parent": "", "synonyms": "",
                                      "csrf_token": csrf_from(client, url)}).status_code == 302
    with app.app_context():
        practice = db.session.get(Practice, make_practice())
        practice.topics.append(db.session.get(Topic, "used"))
        db.session.commit()

    assert "Удалить тему…" in client.get("/admin/vocabularies/topics/mistake").get_data(as_text=True)
    delete = "/admin/vocabularies/topics/mistake/delete"
    question = client.get(delete)
    assert question.status_code == 200 and "Удалить тему «Тема по ошибке»?" in question.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Topic, "mistake") is not None, "asking deletes nothing"
    assert client.post(delete).status_code == 400, "CSRF is checked"
    done = client.post(delete, data={"csrf_token": csrf_from(client, delete)}, follow_redirects=True)
    assert "Тема «Тема по ошибке» удалена." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Topic, "mistake") is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "topic_deleted"))
        assert event.details["code"] == "mistake" and event.details["before"]["label"] == "Тема по ошибке"
    assert "Удалена тема" in client.get("/admin/audit").get_data(as_text=True)
    assert "Тема по ошибке" not in client.get("/practices/new").get_data(as_text=True)

    used = "/admin/vocabularies/topics/used/delete"
    page = client.get(used).get_data(as_text=True)
    assert "Тему «Тема практики» удалить нельзя" in page and "практики: 1" in page
    assert "Удалить тему</button>" not in page
    refused = client.post(used, data={"csrf_token": csrf_from(client, "/admin/vocabularies/topics/used")},
                          follow_redirects=True)
    assert "Тему нельзя удалить: она используется." in refused.get_data(as_text=True)
    with app.app_context():  # no practice has it now, but the history of one does
        from kb.practices.models import PracticeVersion

        practice = db.session.scalar(select(Practice))
        practice.topics = []
        db.session.add(PracticeVersion(practice_id=practice.id, number=99, snapshot={"topics": ["used"]}))
        db.session.commit()
    page = client.get(used).get_data(as_text=True)
    assert "удалить нельзя" in page and "прежние версии практик в их истории: 1" in page
    assert "практики:" not in page
    parent = client.get("/admin/vocabularies/topics/research_projects/delete").get_data(as_text=True)
    assert "удалить нельзя" in parent and "более узкие темы: 1" in parent
    with app.app_context():
        assert db.session.get(Topic, "used") is not None


def _field(page: str, name: str) -> str:
    """The opening tag of the municipality form's input or select named `name`."""
    import re

    form = page[page.index('id="municipalities"'):]
    match = re.search(rf'<(?:input|select)\b[^>]*\bname="{name}"[^>]*>', form)
    assert match, name
    return match.group(0)


def test_a_refused_municipality_comes_back_with_what_was_typed_and_the_error_on_its_field(app, make_user):
    """An empty name gave one general flash «Проверьте регион и название муниципалитета.» after a redirect: the
    region and the kind chosen were lost, and no field was marked invalid or tied to the message."""
    client = _admin(app, make_user)
    response = client.post("/admin/vocabularies/municipalities", data={
        "region": "RU-SMO", "name": "   ", "kind": "муниципальный район",
        "csrf_token": csrf_from(client, "/admin/vocabularies")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Проверьте регион и название муниципалитета." not in page
    name = _field(page, "name")
    assert 'aria-invalid="true"' in name and 'aria-describedby="name-error"' in name
    assert '<div class="error" id="name-error" role="alert"><p>Укажите название.</p></div>' in page
    assert 'aria-invalid' not in _field(page, "region")
    assert '<option selected value="RU-SMO">' in page and '<option selected value="муниципальный район">' in page
    assert 'action="/admin/vocabularies/municipalities#municipalities"' in page

    taken = client.post("/admin/vocabularies/municipalities", data={
        "region": "RU-CHE", "name": "озерский  городской округ", "kind": "городской округ",
        "csrf_token": csrf_from(client, "/admin/vocabularies")})
    assert taken.status_code == 409
    page = taken.get_data(as_text=True)
    assert 'value="озерский  городской округ"' in _field(page, "name"), "as typed"
    assert 'aria-invalid="true"' in _field(page, "name")
    assert "Такой муниципалитет уже есть." in page[page.index('id="name-error"'):]


def test_a_name_of_invisible_characters_is_no_name(app, make_user):
    """«\u200b» (a zero-width space) was stored as a municipality (code RU-CHE-m) and as a topic's label."""
    client = _admin(app, make_user)
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Municipality))
    page = client.post("/admin/vocabularies/municipalities", follow_redirects=True, data={
        "region": "RU-CHE", "name": "\u200b \ufeff", "kind": "город",
        "csrf_token": csrf_from(client, "/admin/vocabularies")})
    assert "Укажите название." in page.get_data(as_text=True)
    url = "/admin/vocabularies/topics/new"
    topic = client.post(url, data={"code": "invisible", "label": "\u200b\u200d", "synonyms": "\u200b\nКод",
                                   "csrf_token": csrf_from(client, url)})
    assert "Укажите название." in topic.get_data(as_text=True)
    saved = client.post(url, data={"code": "invisible", "label": "\u200bНевидимки\u200b", "synonyms": "\u200b\nКод",
                                   "csrf_token": csrf_from(client, url)})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Municipality)) == before
        stored = db.session.get(Topic, "invisible")
        assert (stored.label, stored.synonyms) == ("Невидимки", ["Код"])
