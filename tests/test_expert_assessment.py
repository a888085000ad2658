"""Expert assessment of a practice under review: who may assess, saving with and without a decision, validation,
who sees it, the EXPERT_ASSESSMENT_REQUIRED setting, account deletion, backup and the migration."""

import re

import pytest
from sqlalchemy import select, text

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice, PracticeAssessment, PracticeTransition
from tests.conftest import client_of as _client
from tests.conftest import csrf_from

CONCLUSION = "Опыт Заречносельской гимназии заслуживает тиражирования"  # a word found nowhere else
WORD = "Заречносельской"
FULL = {"relevance": "2", "novelty": "1", "effectiveness": "2", "stability": "2", "replicability": "1"}  # 8 of 10


@pytest.fixture
def world(app, make_user, make_practice):
    """A practice in RU-CHE submitted by its author (through the workflow: a «submit» transition), and users."""
    users = {
        "owner": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "methodist_in": make_user("methodist", scope_region="RU-CHE"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
        "admin": make_user("admin", region=None),
    }
    with app.app_context():
        pid = make_practice("Исследовательские проекты в начальной школе", status="draft", owner_id=users["owner"])
        from kb.practices.services import transition

        transition(db.session.get(User, users["owner"]), db.session.get(Practice, pid), "submit")
        db.session.commit()
    return users, pid


def _post(client, pid, data, decision="", csrf=True):
    form = dict(data)
    form["decision"] = decision
    if csrf:
        form["csrf_token"] = csrf_from(client, f"/practices/{pid}")
    return client.post(f"/practices/{pid}/assessment", data=form)


def _assessments(app, pid) -> list[PracticeAssessment]:
    with app.app_context():
        rows = list(db.session.scalars(select(PracticeAssessment).where(PracticeAssessment.practice_id == pid)
                                       .order_by(PracticeAssessment.id)))
        db.session.expunge_all()
        return rows


def _status(app, pid) -> str:
    with app.app_context():
        return db.session.get(Practice, pid).status


def test_a_moderator_saves_an_assessment_on_its_own(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Экспертная оценка" in page
    # an accessible form: a fieldset with a legend per criterion, a label per radio button
    for legend in ("Актуальность", "Новизна", "Результативность", "Стабильность", "Возможность тиражирования"):
        assert f"<legend>{legend}</legend>" in page
    assert re.search(r'<input id="relevance-0" name="relevance" type="radio" value="0">', page)
    assert '<label for="relevance-0">0 — не соответствует</label>' in page
    response = _post(client, pid, {**FULL, "conclusion": CONCLUSION})
    assert response.status_code == 302
    [row] = _assessments(app, pid)
    assert (row.relevance, row.novelty, row.effectiveness, row.stability, row.replicability) == (2, 1, 2, 2, 1)
    assert row.conclusion == CONCLUSION and row.assessor_id == users["methodist_in"] and row.updated_at
    assert _status(app, pid) == "submitted"
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Итого: 8 из 10" in page and "Экспертная оценка сохранена." in page
    assert 'id="relevance-2" name="relevance" type="radio" value="2"' in page.replace(" checked", "")
    assert re.search(r'<input checked id="novelty-1"|<input id="novelty-1"[^>]* checked', page)
    # saving again in the same round updates it, no second row
    assert _post(client, pid, {**FULL, "novelty": "2"}).status_code == 302
    [row] = _assessments(app, pid)
    assert row.novelty == 2 and row.conclusion == ""


def test_a_partial_assessment_is_saved_and_said_incomplete(app, world):
    users, pid = world
    client = _client(app, users, "admin")
    assert _post(client, pid, {"relevance": "1"}).status_code == 302
    [row] = _assessments(app, pid)
    assert row.relevance == 1 and row.novelty is None and not row.is_complete
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Итого: 1 из 10" in page and "оценены не все критерии" in page


@pytest.mark.parametrize("who, status", [("owner", 403), ("other_teacher", 404), ("methodist_out", 404),
                                         ("anonymous", 302)])
def test_only_those_who_may_publish_assess(app, world, who, status):
    users, pid = world
    app.config["WTF_CSRF_ENABLED"] = False  # the permission, not the token, is what answers here
    client = _client(app, users, who)
    assert client.post(f"/practices/{pid}/assessment", data={**FULL, "decision": ""}).status_code == status
    assert _assessments(app, pid) == []
    if who == "owner":  # the author is not offered the form
        assert 'name="relevance"' not in client.get(f"/practices/{pid}").get_data(as_text=True)


@pytest.mark.parametrize("author", ["methodist_in", "admin"])
def test_a_moderator_does_not_assess_her_own_practice(app, world, make_practice, author, required):
    users, _ = world
    with app.app_context():
        own = make_practice("Собственная практика методиста", status="draft", owner_id=users[author])
        from kb.practices.services import transition

        transition(db.session.get(User, users[author]), db.session.get(Practice, own), "submit")
        db.session.commit()
    client = _client(app, users, author)
    assert 'name="relevance"' not in client.get(f"/practices/{own}").get_data(as_text=True)
    response = _post(client, own, {key: "2" for key in FULL}, decision="publish")
    assert response.status_code == 302 and _status(app, own) == "submitted" and _assessments(app, own) == []
    assert "свою практику автор не оценивает" in client.get(f"/practices/{own}").get_data(as_text=True)
    # another moderator assesses it, and it is published with the mark
    other = "admin" if author == "methodist_in" else "methodist_in"
    assert _post(_client(app, users, other), own, FULL, decision="publish").status_code == 302
    assert _status(app, own) == "published"
    assert "Прошла экспертизу" in app.test_client().get(f"/practices/{own}").get_data(as_text=True)


def test_an_administrator_assesses_and_publishes_another_s_practice(app, world, required):
    users, pid = world
    assert _post(_client(app, users, "admin"), pid, FULL, decision="publish").status_code == 302
    assert _status(app, pid) == "published" and _assessments(app, pid)[0].assessor_id == users["admin"]


def test_a_practice_not_under_review_is_not_assessed(app, world, make_practice):
    users, _ = world
    with app.app_context():
        published = make_practice("Опубликованная практика", owner_id=users["owner"])
    client = _client(app, users, "methodist_in")
    assert 'name="relevance"' not in client.get(f"/practices/{published}").get_data(as_text=True)
    response = client.post(f"/practices/{published}/assessment", data={
        **FULL, "decision": "", "csrf_token": csrf_from(client, f"/practices/{published}")})
    assert response.status_code == 302
    assert "уже не на рассмотрении" in client.get(f"/practices/{published}").get_data(as_text=True)
    assert _assessments(app, published) == []


@pytest.mark.parametrize("bad", [{"relevance": "3"}, {"novelty": "-1"}, {"stability": "два"},
                                 {"conclusion": "x" * 5001}])
def test_values_off_the_scale_and_a_long_conclusion_are_refused(app, world, bad):
    users, pid = world
    client = _client(app, users, "methodist_in")
    response = _post(client, pid, {**FULL, **bad})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Оценка не сохранена" in page
    assert ("Заключение — не длиннее 5000 символов." if "conclusion" in bad
            else "Оценка по критерию — одно из значений: 0 (не соответствует)") in page
    assert _assessments(app, pid) == []


def test_a_missing_csrf_token_is_refused(app, world):
    users, pid = world
    app.config["WTF_CSRF_ENABLED"] = True
    client = _client(app, users, "methodist_in")
    response = _post(client, pid, FULL, csrf=False)
    assert response.status_code == 400
    assert _assessments(app, pid) == []


def test_the_assessment_is_saved_with_the_publication(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    assert _post(client, pid, {**FULL, "conclusion": CONCLUSION}, decision="publish").status_code == 302
    assert _status(app, pid) == "published"
    [row] = _assessments(app, pid)
    assert row.total == 8
    # the public sees the mark, not the scores or the conclusion
    page = app.test_client().get(f"/practices/{pid}").get_data(as_text=True)
    assert "Прошла экспертизу" in page
    assert WORD not in page and "Итого" not in page and "Экспертная оценка" not in page


def test_the_assessment_is_saved_with_a_return_and_its_comment(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    # a return without a comment: nothing saved, the form comes back as filled in
    response = _post(client, pid, {**FULL, "conclusion": CONCLUSION}, decision="return")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ничего не сохранено: Напишите автору, что нужно исправить." in page and CONCLUSION in page
    assert _assessments(app, pid) == [] and _status(app, pid) == "submitted"
    response = _post(client, pid, {**FULL, "conclusion": CONCLUSION, "comment": "Добавьте результаты."},
                     decision="return")
    assert response.status_code == 302
    assert _status(app, pid) == "returned" and len(_assessments(app, pid)) == 1
    with app.app_context():
        last = db.session.scalars(select(PracticeTransition).where(PracticeTransition.practice_id == pid)
                                  .order_by(PracticeTransition.id.desc())).first()
        assert (last.to_status, last.comment) == ("returned", "Добавьте результаты.")
    # the author sees the scores and the conclusion as feedback, not who assessed
    author = _client(app, users, "owner")
    page = author.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Итого: 8 из 10" in page and CONCLUSION in page and "Комментарий методиста: Добавьте результаты." in page
    with app.app_context():
        assessor_name = db.session.get(User, users["methodist_in"]).display_name
    assert assessor_name not in page


def test_the_old_return_form_still_works(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    response = client.post(f"/practices/{pid}/transition",
                           data={"action": "return", "comment": "Уточните цель.",
                                 "csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert response.status_code == 302 and _status(app, pid) == "returned"


def test_a_resubmission_gets_a_new_assessment_and_the_history_stays(app, world):
    users, pid = world
    methodist = _client(app, users, "methodist_in")
    _post(methodist, pid, {**FULL, "conclusion": "Первая оценка", "comment": "Доработайте."}, decision="return")
    author = _client(app, users, "owner")
    author.post(f"/practices/{pid}/transition",
                data={"action": "submit", "csrf_token": csrf_from(author, f"/practices/{pid}")})
    assert _status(app, pid) == "submitted"
    page = methodist.get(f"/practices/{pid}").get_data(as_text=True)
    assert 'name="relevance" type="radio" value="2">' in page and " checked" not in page.split('id="assessment"')[1]
    assert "Первая оценка" in page  # the earlier round, in the list
    _post(methodist, pid, {key: "2" for key in FULL}, decision="publish")
    first, second = _assessments(app, pid)
    assert first.submission_id != second.submission_id and second.total == 10
    page = methodist.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Итого: 8 из 10" in page and "Итого: 10 из 10" in page
    with app.app_context():
        assert db.session.get(User, users["methodist_in"]).display_name in page  # moderators see who


def test_others_see_nothing_of_it_not_in_search_or_the_api(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    _post(client, pid, {**FULL, "conclusion": CONCLUSION}, decision="publish")
    from kb.search.services import sync

    with app.app_context():
        sync()
    for who in ("anonymous", "other_teacher", "methodist_out"):
        visitor = _client(app, users, who)
        page = visitor.get(f"/practices/{pid}").get_data(as_text=True)
        assert page.count("Исследовательские проекты") and WORD not in page and "Итого" not in page
        assert visitor.get("/api/v1/search", query_string={"q": WORD}).json["total"] == 0
        assert WORD not in visitor.get(f"/api/v1/practices/{pid}").get_data(as_text=True)
        assert CONCLUSION not in visitor.get("/search", query_string={"q": WORD}).get_data(as_text=True)
        for url in ("/search/feed", "/search/export.csv", "/search/export.ris"):
            assert WORD not in visitor.get(url).get_data(as_text=True)
        assert visitor.get("/search", query_string={"q": "Исследовательские"}).status_code == 200


@pytest.fixture
def required(app):
    app.config["EXPERT_ASSESSMENT_REQUIRED"] = True


def test_without_the_setting_a_practice_is_published_unassessed(app, world):
    users, pid = world
    client = _client(app, users, "methodist_in")
    client.post(f"/practices/{pid}/transition",
                data={"action": "publish", "csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert _status(app, pid) == "published"
    assert "Прошла экспертизу" not in app.test_client().get(f"/practices/{pid}").get_data(as_text=True)


@pytest.mark.parametrize("decision", ["publish", "return"])
def test_publishing_from_an_empty_assessment_form_saves_no_assessment(app, world, decision):
    """«Сохранить оценку и опубликовать» with no score and no conclusion saved an assessment of five «не оценено»
    («Итого: 0 из 10»), shown to the author as her practice's «Экспертная оценка». The decision is made, nothing is
    assessed; «Сохранить оценку» alone with nothing in it saves nothing and says so."""
    users, pid = world
    methodist = _client(app, users, "methodist_in")
    empty = _post(methodist, pid, {"conclusion": "  "})
    assert empty.status_code == 422
    assert "выберите хотя бы одну оценку или напишите заключение" in empty.get_data(as_text=True)
    assert _assessments(app, pid) == []
    done = _post(methodist, pid, {"comment": "Добавьте результаты"} if decision == "return" else {}, decision)
    assert done.status_code == 302
    assert _status(app, pid) == ("published" if decision == "publish" else "returned")
    assert _assessments(app, pid) == []
    page = methodist.get(done.headers["Location"]).get_data(as_text=True)
    assert "Экспертная оценка сохранена" not in page
    assert ("Практика опубликована." if decision == "publish" else "Практика возвращена автору") in page
    assert "Экспертная оценка" not in _client(app, users, "owner").get(f"/practices/{pid}").get_data(as_text=True)


def test_the_mark_comes_only_from_the_round_that_ended_in_the_publication(app, world):
    users, pid = world
    methodist = _client(app, users, "methodist_in")
    _post(methodist, pid, {**FULL, "comment": "Доработайте."}, decision="return")  # 8 of 10, returned
    author = _client(app, users, "owner")
    author.post(f"/practices/{pid}/transition",
                data={"action": "submit", "csrf_token": csrf_from(author, f"/practices/{pid}")})
    methodist.post(f"/practices/{pid}/transition",
                   data={"action": "publish", "csrf_token": csrf_from(methodist, f"/practices/{pid}")})
    assert _status(app, pid) == "published" and len(_assessments(app, pid)) == 1
    assert "Прошла экспертизу" not in app.test_client().get(f"/practices/{pid}").get_data(as_text=True)


@pytest.mark.parametrize("scores, marked", [({key: "0" for key in FULL}, False),
                                            ({**{key: "1" for key in FULL}, "relevance": "0"}, False),
                                            ({**{key: "1" for key in FULL}, "relevance": "2", "novelty": "0"}, True)])
def test_the_mark_needs_half_of_the_maximum(app, world, scores, marked):
    users, pid = world
    _post(_client(app, users, "methodist_in"), pid, scores, decision="publish")
    assert _status(app, pid) == "published"
    assert ("Прошла экспертизу" in app.test_client().get(f"/practices/{pid}").get_data(as_text=True)) is marked


def test_the_setting_requires_a_complete_assessment_before_publishing(app, world, required):
    users, pid = world
    client = _client(app, users, "methodist_in")
    assert "только с оценкой по всем пяти критериям" in client.get(f"/practices/{pid}").get_data(as_text=True)
    client.post(f"/practices/{pid}/transition",
                data={"action": "publish", "csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert _status(app, pid) == "submitted"
    assert "заполните экспертную оценку по всем пяти критериям" in client.get(
        f"/practices/{pid}").get_data(as_text=True)
    # incomplete, with the publication: nothing saved
    response = _post(client, pid, {"relevance": "2"}, decision="publish")
    assert response.status_code == 422 and _status(app, pid) == "submitted" and _assessments(app, pid) == []
    # a return needs none
    assert _post(client, pid, {}, decision="return").status_code == 422  # (no comment)
    # complete: published
    assert _post(client, pid, FULL, decision="publish").status_code == 302
    assert _status(app, pid) == "published"


def test_the_setting_holds_for_the_queue_and_the_api(app, world, required, make_token):
    users, pid = world
    client = _client(app, users, "methodist_in")
    response = client.post("/practices/moderation/bulk", data={
        "action": "publish", "status": "submitted", "practice": str(pid),
        "csrf_token": csrf_from(client, "/practices/moderation")}, follow_redirects=True)
    assert "заполните экспертную оценку" in response.get_data(as_text=True)
    assert _status(app, pid) == "submitted"
    token = make_token(users["methodist_in"])
    response = app.test_client().post(f"/api/v1/practices/{pid}/transitions", json={"action": "publish"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422 and _status(app, pid) == "submitted"
    _post(client, pid, FULL)
    response = app.test_client().post(f"/api/v1/practices/{pid}/transitions", json={"action": "publish"},
                                      headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and _status(app, pid) == "published"
    assert "replicability" not in response.get_data(as_text=True)  # (relevance, novelty: sections of the text)


def test_a_deleted_assessor_leaves_the_assessment_without_a_name(app, world):
    users, pid = world
    _post(_client(app, users, "methodist_in"), pid, {**FULL, "conclusion": CONCLUSION})
    from kb.accounts.deletion import delete_account

    with app.app_context():
        delete_account(db.session.get(User, users["methodist_in"]), db.session.get(User, users["admin"]))
        db.session.commit()
    [row] = _assessments(app, pid)
    assert row.assessor_id is None and row.conclusion == CONCLUSION and row.total == 8
    page = _client(app, users, "admin").get(f"/practices/{pid}").get_data(as_text=True)
    assert "Итого: 8 из 10" in page


def test_a_backup_carries_the_assessments(app, world, tmp_path):
    users, pid = world
    _post(_client(app, users, "methodist_in"), pid, {**FULL, "conclusion": CONCLUSION})
    archive = tmp_path / "bank.tar.gz"
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    with app.app_context():
        db.session.execute(PracticeAssessment.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["restore", "--force", str(archive)])
    assert result.exit_code == 0, result.output
    [row] = _assessments(app, pid)
    assert row.conclusion == CONCLUSION and row.assessor_id == users["methodist_in"]


def test_the_migration_goes_down_and_up(app, world):
    from flask_migrate import downgrade, upgrade

    users, pid = world
    _post(_client(app, users, "methodist_in"), pid, FULL)
    with app.app_context():
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="z6sub0000001")
        assert "practice_assessment" not in db.inspect(db.engine).get_table_names()
        upgrade()
        assert "practice_assessment" in db.inspect(db.engine).get_table_names()
        assert db.session.scalar(text("SELECT count(*) FROM practice_assessment")) == 0
        assert "uq_practice_assessment_unsubmitted" in {
            index["name"] for index in db.inspect(db.engine).get_indexes("practice_assessment")}
        # the database refuses a score off the scale even past the form
        db.session.add(PracticeAssessment(practice_id=pid, revision=1, relevance=5))
        with pytest.raises(Exception):  # noqa: B017 - IntegrityError on SQLite and PostgreSQL alike
            db.session.commit()
        db.session.rollback()


def test_a_round_with_no_submit_transition_keeps_one_assessment_under_a_race(app, world, make_practice, monkeypatch):
    """A practice put under review without a «submit» transition (submission_id NULL, which the unique constraint
    lets repeat): a second first save landing meanwhile is refused by the database, the page says so."""
    from kb.practices import assessments

    users, _ = world
    with app.app_context():
        pid = make_practice("Практика из демонстрационных данных", status="submitted", owner_id=users["owner"])
    _post(_client(app, users, "admin"), pid, FULL)
    [first] = _assessments(app, pid)
    assert first.submission_id is None
    monkeypatch.setattr(assessments, "current_assessment", lambda practice: None)  # the other save not seen yet
    client = _client(app, users, "methodist_in")
    response = _post(client, pid, {key: "2" for key in FULL})
    assert response.status_code == 302
    assert assessments.ASSESSED_MEANWHILE in client.get(f"/practices/{pid}").get_data(as_text=True)
    [row] = _assessments(app, pid)
    assert (row.id, row.total, row.assessor_id) == (first.id, 8, users["admin"])


def test_with_the_setting_a_registry_load_with_publication_leaves_the_practices_under_review(app, make_user,
                                                                                             required):
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import ASSESSMENT_PENDING, run_import
    from kb.practices.services import bulk_transition
    from tests.test_bulk_import import csv_bytes, row

    methodist = make_user("methodist", scope_region="RU-CHE")
    with app.test_request_context():
        user = db.session.get(User, methodist)
        report = run_import(user, read_registry(csv_bytes([row("К-1", "Первая из реестра")]), 100), dry_run=False,
                            publish=True)
        db.session.commit()
        [result] = report.rows
        assert (result.action, result.errors, result.published) == ("create", [], False)
        assert ASSESSMENT_PENDING in result.warnings
        practice = db.session.get(Practice, result.practice_id)
        assert practice.status == "submitted"
        # a draft is not published from the queue in one go either: it has no assessment
        practice.status = "draft"
        db.session.commit()
        outcome = bulk_transition(user, [practice.id], "publish", tab="draft")
        assert outcome.done == [] and "нет экспертной оценки" in outcome.refused[0].reason


AUTHOR_REFUSAL = "свою практику вы не оцениваете: её оценит другой методист региона «Челябинская область» или " \
                 "администратор банка"


@pytest.fixture
def own_practice(app, world, make_practice):
    """The region's methodist's own practice, a draft: she is its author and its moderator."""
    users, _ = world
    with app.app_context():
        return make_practice("Своя практика методиста", status="draft", owner_id=users["methodist_in"])


def _act(client, pid, action):
    return client.post(f"/practices/{pid}/transition",
                       data={"action": action, "csrf_token": csrf_from(client, f"/practices/{pid}")})


def test_a_moderators_own_practice_is_not_offered_a_publication_only_another_can_allow(app, world, own_practice,
                                                                                        required, make_token):
    """She may send her practice for review, not assess it: «Опубликовать» asked her to «заполнить экспертную
    оценку», which she may not. The page offers no «Опубликовать» then and says who assesses it; a publication sent
    anyway (an older page, the queue, the API) is refused in the same words. Once another moderator assessed it,
    she may publish it, as the rules let her."""
    users, _ = world
    pid = own_practice
    author = _client(app, users, "methodist_in")
    assert _act(author, pid, "submit").status_code == 302 and _status(app, pid) == "submitted"
    page = author.get(f"/practices/{pid}").get_data(as_text=True)
    assert AUTHOR_REFUSAL in page and "После этого практику можно будет опубликовать." in page
    assert 'name="action" value="publish"' not in page and 'name="relevance"' not in page
    assert 'name="action" value="return"' in page  # she may still take it back for changes
    assert "заполните экспертную оценку" not in page

    refused = author.get(_act(author, pid, "publish").headers["Location"]).get_data(as_text=True)
    assert _status(app, pid) == "submitted"
    assert AUTHOR_REFUSAL in refused and "заполните экспертную оценку" not in refused
    queue = author.post("/practices/moderation/bulk", data={
        "action": "publish", "status": "submitted", "practice": str(pid),
        "csrf_token": csrf_from(author, "/practices/moderation")}, follow_redirects=True).get_data(as_text=True)
    assert AUTHOR_REFUSAL in queue and "заполните экспертную оценку" not in queue
    response = app.test_client().post(f"/api/v1/practices/{pid}/transitions", json={"action": "publish"},
                                      headers={"Authorization": f"Bearer {make_token(users['methodist_in'])}"})
    assert response.status_code == 422 and AUTHOR_REFUSAL in response.json["detail"]
    assert _status(app, pid) == "submitted"

    # another moderator of the region assesses it: the publication is open to her again
    other = _client(app, users, "admin")
    assert 'name="relevance"' in other.get(f"/practices/{pid}").get_data(as_text=True)
    assert _post(other, pid, FULL).status_code == 302
    page = author.get(f"/practices/{pid}").get_data(as_text=True)
    assert 'name="action" value="publish"' in page and AUTHOR_REFUSAL not in page
    assert _act(author, pid, "publish").status_code == 302 and _status(app, pid) == "published"


def test_an_administrators_own_practice_names_the_other_moderators(app, world, make_practice, required):
    users, _ = world
    with app.app_context():
        pid = make_practice("Своя практика администратора", status="submitted", owner_id=users["admin"])
    page = _client(app, users, "admin").get(f"/practices/{pid}").get_data(as_text=True)
    assert ("свою практику вы не оцениваете: её оценит другой администратор банка или методист региона "
            "«Челябинская область»") in page
    assert 'name="action" value="publish"' not in page


def test_without_the_setting_a_moderators_own_practice_is_published_as_before(app, world, own_practice):
    users, _ = world
    author = _client(app, users, "methodist_in")
    _act(author, own_practice, "submit")
    page = author.get(f"/practices/{own_practice}").get_data(as_text=True)
    assert 'name="action" value="publish"' in page and "не оцениваете" not in page
    assert _act(author, own_practice, "publish").status_code == 302 and _status(app, own_practice) == "published"


def test_the_queue_does_not_tell_a_moderator_to_assess_her_own_draft(app, world, own_practice, required):
    users, _ = world
    author = _client(app, users, "methodist_in")
    page = author.post("/practices/moderation/bulk", data={
        "action": "publish", "status": "draft", "practice": str(own_practice),
        "csrf_token": csrf_from(author, "/practices/moderation")}, follow_redirects=True).get_data(as_text=True)
    assert "свою практику вы не оцениваете, её оценит другой методист или администратор" in page
    assert "и оцените его" not in page and _status(app, own_practice) == "draft"
