"""Two people editing one practice: the later save never silently writes over the earlier one.

The edit form carries the revision it was opened at; the API answers with an ETag and takes If-Match; and the
row's revision is checked by the UPDATE itself, so two saves racing past those checks cannot both land.
"""

import re

import pytest
from sqlalchemy import func, select

from kb.accounts.models import User
from kb.extensions import db
from kb.practices import services
from kb.practices.models import Practice, PracticeTransition, PracticeVersion
from tests.conftest import bearer, sign_in, wait_until_blocked_on_lock

REVISION = re.compile(r'<input id="revision" name="revision" type="hidden" value="(\d+)">')


@pytest.fixture
def editors(app, make_user, make_practice):
    """A submitted practice in RU-CHE and two people who may edit it: a methodist of the region and an admin."""
    app.config["WTF_CSRF_ENABLED"] = False
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Клуб юных исследователей", status="submitted", owner_id=owner, region_code="RU-CHE",
                            annotation="Первоначальная аннотация.")
    methodist, admin = app.test_client(), app.test_client()
    sign_in(methodist, make_user("methodist", scope_region="RU-CHE"))
    sign_in(admin, make_user("admin", region=None))
    return pid, methodist, admin


def _opened(client, pid: int) -> dict:
    """What the edit form holds when it is opened: the fields this test changes, and the revision."""
    page = client.get(f"/practices/{pid}/edit").get_data(as_text=True)
    return {"title": "Клуб юных исследователей", "annotation": "Первоначальная аннотация.", "region": "RU-CHE",
            "levels": ["primary"], "subjects": ["mathematics"], "topics": ["research_projects"],
            "authors": "Иванова Анна Петровна, учитель начальных классов", "year": "2020", "save_draft": "1",
            "revision": REVISION.search(page).group(1)}


def _stored(app, pid: int) -> tuple[Practice, int]:
    with app.app_context():
        practice = db.session.get(Practice, pid)
        db.session.expunge(practice)
        versions = db.session.scalar(select(func.count()).where(PracticeVersion.practice_id == pid))
        return practice, versions


def test_an_edit_saved_while_another_was_open_is_shown_and_not_written_over(app, editors):
    pid, methodist, admin = editors
    mine, theirs = _opened(methodist, pid), _opened(admin, pid)
    assert mine["revision"] == theirs["revision"] == "1"

    saved = methodist.post(f"/practices/{pid}/edit", data=dict(mine, annotation="Аннотация методиста."))
    assert saved.status_code == 302
    late = admin.post(f"/practices/{pid}/edit", data=dict(theirs, results="Результаты от администратора."))
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Пока вы редактировали, практику изменили." in page
    # who saved meanwhile, and when (the time says its zone)
    assert re.search(r"<li>Тестовый methodist, \d{1,2} [а-я]+ \d{4} г\., \d{2}:\d{2} МСК</li>", page)
    changes = page[page.index('<dl class="diff">'):page.index("</dl>")]  # what they changed, and only that
    assert "<dt>Аннотация</dt><dd><del>Первоначальная аннотация.</del> <ins>Аннотация методиста.</ins></dd>" in changes
    assert changes.count("<dt>") == 1
    assert "Результаты от администратора." in page  # what this editor typed is still in the form
    assert REVISION.search(page).group(1) == "2"
    practice, versions = _stored(app, pid)
    assert (practice.annotation, practice.results, practice.revision, versions) == (
        "Аннотация методиста.", "", 2, 1)

    # Saving again from the form that showed the conflict is a deliberate choice of its text.
    again = admin.post(f"/practices/{pid}/edit", data=dict(theirs, results="Результаты от администратора.",
                                                            revision="2"))
    assert again.status_code == 302
    practice, versions = _stored(app, pid)
    assert (practice.annotation, practice.results, practice.revision, versions) == (
        "Первоначальная аннотация.", "Результаты от администратора.", 3, 2)
    with app.app_context():  # the methodist's text is not lost: it is version 2 of the history
        kept = db.session.scalar(select(PracticeVersion).where(PracticeVersion.practice_id == pid,
                                                               PracticeVersion.number == 2))
        assert kept.snapshot["annotation"] == "Аннотация методиста."


def test_the_conflict_names_the_region_and_topics_the_other_editor_chose(app, editors):
    """The conflict's list of changes showed codes: «Регион RU-CHE RU-SMO», «Темы research_projects olympiads»."""
    pid, methodist, admin = editors
    mine, theirs = _opened(methodist, pid), _opened(admin, pid)
    theirs_first = dict(mine, region="RU-SMO", topics=["research_projects", "olympiads"])
    assert methodist.post(f"/practices/{pid}/edit", data=theirs_first).status_code == 302
    late = admin.post(f"/practices/{pid}/edit", data=dict(theirs, results="Результаты от администратора."))
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    changes = page[page.index('<dl class="diff">'):page.index("</dl>")]
    assert "<dt>Регион</dt><dd><del>Челябинская область</del> <ins>Смоленская область</ins></dd>" in changes
    assert ("<dt>Темы</dt><dd>Учебно-исследовательская и проектная деятельность; <ins>Олимпиады и конкурсы</ins></dd>"
            in changes)
    assert "RU-" not in changes and "olympiads" not in changes


def test_a_status_change_or_an_unchanged_save_does_not_make_an_open_form_stale(app, editors):
    pid, methodist, admin = editors
    theirs = _opened(admin, pid)
    assert methodist.post(f"/practices/{pid}/edit", data=_opened(methodist, pid)).status_code == 302  # no change
    assert methodist.post(f"/practices/{pid}/transition", data={"action": "publish"}).status_code == 302
    assert admin.post(f"/practices/{pid}/edit", data=dict(theirs, results="Итоги.")).status_code == 302
    practice, versions = _stored(app, pid)
    assert (practice.status, practice.results, practice.revision, versions) == ("published", "Итоги.", 2, 1)


def test_a_form_without_a_revision_saves_as_before(app, editors):
    """A form opened before the revision field existed (a page left open across an upgrade) still saves."""
    pid, methodist, _admin = editors
    form = dict(_opened(methodist, pid), annotation="Без номера версии.")
    for revision in (None, "", "abc", "٢"):
        if revision is None:
            form.pop("revision")
        else:
            form["revision"] = revision
        assert methodist.post(f"/practices/{pid}/edit", data=form).status_code == 302
    assert _stored(app, pid)[0].annotation == "Без номера версии."


def test_two_saves_racing_past_the_check_cannot_both_land(app, editors, monkeypatch):
    """The form check passes for both; the other save commits just before this one writes. The UPDATE says
    «WHERE revision = 1», finds no row, and the whole save is undone and shown as a conflict."""
    pid, methodist, admin = editors
    theirs = _opened(admin, pid)
    real_update = services.update_practice

    def other_save_lands_first(user, practice, data):
        with app.app_context():  # another request, with its own session, commits first
            other = db.session.get(Practice, pid)
            methodist_user = db.session.scalar(select(User).where(User.role == "methodist"))
            assert real_update(methodist_user, other, services.PracticeData(
                title=other.title, sections={"annotation": "Сохранено в тот же миг."}, authors=[],
                organisation="", region_code="RU-CHE", municipality_id=None, level_codes=(), subject_codes=(),
                topic_codes=(), year=None, event="", spread_level=None))
            db.session.commit()
        return real_update(user, practice, data)

    monkeypatch.setattr(services, "update_practice", other_save_lands_first)
    late = admin.post(f"/practices/{pid}/edit", data=dict(theirs, results="Не должно записаться поверх."))
    assert late.status_code == 409
    page = late.get_data(as_text=True)
    assert "Пока вы редактировали, практику изменили." in page and "Не должно записаться поверх." in page
    practice, versions = _stored(app, pid)
    assert (practice.annotation, practice.results, practice.revision, versions) == (
        "Сохранено в тот же миг.", "", 2, 1)


def test_the_api_takes_if_match_and_refuses_a_stale_one(app, make_user, make_token, make_practice):
    owner = make_user("teacher")
    token = bearer(make_token(owner))
    with app.app_context():
        pid = make_practice("Практика для правки через API", status="draft", owner_id=owner)
    client = app.test_client()
    read = client.get(f"/api/v1/practices/{pid}", headers=token)
    etag = read.headers["ETag"]
    assert read.status_code == 200 and etag.startswith('"') and not etag.startswith("W/")
    assert client.get(f"/api/v1/practices/{pid}", headers=token).headers["ETag"] == etag  # stable

    first = client.patch(f"/api/v1/practices/{pid}", json={"sections": {"annotation": "Первая правка."}},
                         headers={**token, "If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    assert first.headers["ETag"] == client.get(f"/api/v1/practices/{pid}", headers=token).headers["ETag"]

    stale = client.patch(f"/api/v1/practices/{pid}", json={"sections": {"annotation": "Вторая, по старому ETag."}},
                         headers={**token, "If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == "application/problem+json"
    assert "изменили после того, как вы её получили" in stale.json["detail"]
    practice, versions = _stored(app, pid)
    assert (practice.annotation, versions) == ("Первая правка.", 1)

    for header in ({"If-Match": first.headers["ETag"]}, {"If-Match": "*"}, {}):
        assert client.patch(f"/api/v1/practices/{pid}", json={"year": 2024},
                            headers={**token, **header}).status_code == 200
    # A submission changes what a reader sees, so it changes the ETag too.
    before = client.get(f"/api/v1/practices/{pid}", headers=token).headers["ETag"]
    submitted = client.post(f"/api/v1/practices/{pid}/transitions", json={"action": "submit"}, headers=token)
    assert submitted.status_code == 200 and submitted.headers["ETag"] != before


def test_the_revision_counts_the_edits_of_a_bank_made_before_it(app, make_practice, make_user):
    """Migration q7rev0000001: a practice edited twice before it is at revision 3."""
    from flask_migrate import downgrade, upgrade

    owner = make_user("teacher")
    with app.app_context():
        edited = make_practice("Практика с историей", status="draft", owner_id=owner)
        untouched = make_practice("Практика без правок", status="draft", owner_id=owner)
        user = db.session.get(Practice, edited).owner
        for text in ("Вторая аннотация.", "Третья аннотация."):
            practice = db.session.get(Practice, edited)
            data = services.PracticeData(
                title=practice.title, sections={"annotation": text}, authors=[], organisation="",
                region_code=None, municipality_id=None, level_codes=(), subject_codes=(), topic_codes=(),
                year=None, event="", spread_level=None)
            assert services.update_practice(user, practice, data)
            db.session.commit()
        downgrade(revision="p6orf0000001")
        upgrade()
        revisions = dict(db.session.execute(select(Practice.id, Practice.revision)).all())
        assert (revisions[edited], revisions[untouched]) == (3, 1)


def test_of_two_moderators_acting_at_once_the_later_finds_the_status_changed(app, editors):
    """Both read «submitted»; the methodist publishes first. The admin's «return» must not turn the published
    practice back (nor log a second move from «submitted»): the UPDATE says «WHERE status = 'submitted'»."""
    pid, _methodist, _admin = editors
    with app.app_context():
        practice = db.session.get(Practice, pid)  # what the admin's request read
        admin_user = db.session.scalar(select(User).where(User.role == "admin"))
        with app.app_context():  # the methodist's request, with its own session, commits first
            other = db.session.get(Practice, pid)
            services.transition(db.session.scalar(select(User).where(User.role == "methodist")), other, "publish")
            db.session.commit()
        with pytest.raises(services.StatusConflict, match="только что изменил другой пользователь"):
            services.transition(admin_user, practice, "return", "Доработать раздел «Результаты»")
        db.session.rollback()
        moves = db.session.execute(select(PracticeTransition.from_status, PracticeTransition.to_status)
                                   .where(PracticeTransition.practice_id == pid)).all()
    assert _stored(app, pid)[0].status == "published" and moves == [("submitted", "published")]


def test_a_save_and_submit_racing_a_submit_from_another_tab_keeps_the_text_in_the_form(app, make_user,
                                                                                       make_practice, monkeypatch):
    app.config["WTF_CSRF_ENABLED"] = False
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Клуб юных исследователей", status="returned", owner_id=owner, region_code="RU-CHE",
                            annotation="Первоначальная аннотация.")
    teacher = app.test_client()
    sign_in(teacher, owner)
    form = dict(_opened(teacher, pid), results="Дописанные результаты.", submit_for_review="1")
    form.pop("save_draft")
    real_update = services.update_practice

    def submitted_from_another_tab(user, practice, data):
        with app.app_context():
            other = db.session.get(Practice, pid)
            services.transition(other.owner, other, "submit")
            db.session.commit()
        return real_update(user, practice, data)

    monkeypatch.setattr(services, "update_practice", submitted_from_another_tab)
    response = teacher.post(f"/practices/{pid}/edit", data=form)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "только что изменил другой пользователь" in page and "Дописанные результаты." in page
    practice, versions = _stored(app, pid)
    assert (practice.status, practice.results, versions) == ("submitted", "", 0)


def test_an_api_edit_racing_another_is_a_409_and_writes_nothing(app, make_user, make_token, make_practice,
                                                                monkeypatch):
    owner = make_user("teacher")
    token = bearer(make_token(owner))
    with app.app_context():
        pid = make_practice("Практика для правки через API", status="draft", owner_id=owner)
    real_update = services.update_practice

    def other_save_lands_first(user, practice, data):
        with app.app_context():
            other = db.session.get(Practice, pid)
            assert real_update(other.owner, other, services.PracticeData(
                title=other.title, sections={"annotation": "Сохранено в другой вкладке."}, authors=[]))
            db.session.commit()
        return real_update(user, practice, data)

    monkeypatch.setattr(services, "update_practice", other_save_lands_first)
    response = app.test_client().patch(f"/api/v1/practices/{pid}", headers=token,
                                       json={"sections": {"annotation": "Правка через API."}})
    assert response.status_code == 409 and response.mimetype == "application/problem+json"
    assert "только что изменил другой пользователь" in response.json["detail"]
    practice, versions = _stored(app, pid)
    assert (practice.annotation, practice.revision, versions) == ("Сохранено в другой вкладке.", 2, 1)


def test_a_reader_who_kept_the_etag_gets_304_until_the_practice_changes(app, make_user, make_token, make_practice):
    """GET with If-None-Match: 304 and no body while the ETag still matches; 200 and the new one after an edit; a
    draft's ETag tells nothing to someone who may not see it (404 as without it)."""
    owner = make_user("teacher")
    token = bearer(make_token(owner))
    with app.app_context():
        pid = make_practice("Практика, которую перечитывают", status="draft", owner_id=owner)
    client = app.test_client()
    etag = client.get(f"/api/v1/practices/{pid}", headers=token).headers["ETag"]

    again = client.get(f"/api/v1/practices/{pid}", headers={**token, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(f"/api/v1/practices/{pid}", headers={**token, "If-None-Match": '"other"'})
    assert other.status_code == 200 and other.json["title"] == "Практика, которую перечитывают"
    assert client.get(f"/api/v1/practices/{pid}", headers={"If-None-Match": etag}).status_code == 404

    client.patch(f"/api/v1/practices/{pid}", json={"year": 2021}, headers=token)
    changed = client.get(f"/api/v1/practices/{pid}", headers={**token, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.json["year"] == 2021 and changed.headers["ETag"] != etag


def test_a_practice_deleted_by_another_request_meanwhile_answers_404_not_409(app, editors, monkeypatch):
    """Both requests found the practice; the other's deletion commits first. This one's DELETE said «WHERE
    revision = 1», found no row and answered «изменил другой пользователь» (409); the practice is gone: 404."""
    from kb.accounts.models import AuditEvent

    pid, _methodist, admin = editors
    real_delete = services.delete_practice

    def other_deletion_lands_first(user, practice):
        with app.app_context():  # another request, with its own session, commits first
            real_delete(db.session.scalar(select(User).where(User.role == "admin")), db.session.get(Practice, pid))
            db.session.commit()
        return real_delete(user, practice)

    monkeypatch.setattr(services, "delete_practice", other_deletion_lands_first)
    late = admin.post(f"/practices/{pid}/delete")
    assert late.status_code == 404, late.status_code
    assert "Страница не найдена" in late.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Practice, pid) is None
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "practice_deleted", AuditEvent.target_id == pid)) == 1


def test_two_deletions_of_one_practice_at_once_on_postgresql_the_second_answers_404(app, editors):
    """PostgreSQL: another transaction has deleted the practice and not yet committed when this request deletes it;
    the request waits for that transaction's lock on the row and, once it commits, answers 404 (the practice is
    gone), not 409 and not 500."""
    import threading

    psycopg = pytest.importorskip("psycopg")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time")
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    pid, _methodist, admin = editors
    answers = []
    with psycopg.connect(url) as other:
        other.execute("DELETE FROM practice WHERE id = %s", (pid,))

        def delete():
            with admin.post(f"/practices/{pid}/delete") as response:
                answers.append(response.status_code)

        request = threading.Thread(target=delete)
        request.start()
        if not wait_until_blocked_on_lock(other):
            pytest.fail("the request never waited for the other deletion")
        other.commit()
        request.join(30)
    assert answers == [404]
    with app.app_context():
        assert db.session.get(Practice, pid) is None
