"""Adoption reports: who may report, counting and grouping by region, the practice-page block."""

import pytest
from flask import render_template_string
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kb.adoption.models import PracticeAdoption
from kb.adoption.services import adoption_counts, adoption_summary
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in


@pytest.fixture
def setup(app, make_user, make_practice):
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        published = make_practice("Исследовательские субботы")
        draft = make_practice("Черновик", status="draft")
    return {"teacher": make_user("teacher"), "second": make_user("teacher", region="RU-SMO"),
            "third": make_user("teacher", region="RU-SMO"), "fourth": make_user("teacher"),
            "published": published, "draft": draft}


def _report(client, practice_id, organisation="МАОУ «СОШ № 5»", region="RU-CHE", comment="В 5–6 классах",
            result=""):
    return client.post(f"/practices/{practice_id}/adoptions", data={
        "organisation": organisation, "region": region, "comment": comment, "result": result})


def _block(app, practice_id, user_id=None) -> str:
    with app.test_request_context("/"):
        if user_id is not None:
            from flask_login import login_user

            from kb.accounts.models import User
            login_user(db.session.get(User, user_id))
        practice = db.session.get(Practice, practice_id)
        return render_template_string('{% include "adoption/_adoption.html" %}', practice=practice)


def test_reports_are_counted_by_region(app, setup):
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    response = _report(teacher, setup["published"], result="Три призёра олимпиады")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/practices/{setup['published']}#adoption")
    second, third = app.test_client(), app.test_client()
    sign_in(second, setup["second"])
    _report(second, setup["published"], organisation="МБОУ «СОШ № 1»", region="RU-SMO", comment="Кружок")
    sign_in(third, setup["third"])
    _report(third, setup["published"], organisation="МБОУ «Гимназия № 2»", region="RU-SMO", comment="В 8 классе")
    with app.app_context():
        summary = adoption_summary(setup["published"])
        in_db = db.session.scalar(select(func.count()).select_from(PracticeAdoption))
        assert summary.count == summary.reports == in_db == 3 and summary.region_count == 2
        assert [(g.name, len(g.organisations)) for g in summary.regions] == [
            ("Смоленская область", 2), ("Челябинская область", 1)]
        assert adoption_counts() == {setup["published"]: 3}
        assert adoption_counts([setup["draft"]]) == {}
    html = _block(app, setup["published"], setup["teacher"])
    assert "3 организации" in html and "в 2 регионах" in html
    assert "Три призёра олимпиады" in html and "МБОУ «Гимназия № 2»" in html
    assert "«МАОУ «СОШ № 5»»" in html and "Исправить<" in html and "Удалить<" in html
    assert "Мы применили эту практику" in _block(app, setup["published"], setup["fourth"])


def test_a_second_report_of_the_same_organisation_replaces_the_first(app, setup):
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    _report(teacher, setup["published"], comment="Начали")
    response = teacher.post(f"/practices/{setup['published']}/adoptions", follow_redirects=True, data={
        "organisation": "маоу «сош № 5»", "region": "RU-CHE", "comment": "Закончили год"})
    assert "Ваш отчёт о применении обновлён." in response.get_data(as_text=True)
    with app.app_context():
        adoptions = db.session.scalars(select(PracticeAdoption)).all()
        assert [(a.organisation, a.comment) for a in adoptions] == [("маоу «сош № 5»", "Закончили год")]


def test_one_school_reported_by_two_colleagues_counts_once(app, setup, make_user):
    """A second colleague's report of the same school made «3 организации» of 2 and listed the school twice."""
    first, second = app.test_client(), app.test_client()
    sign_in(first, setup["teacher"])
    sign_in(second, make_user("teacher"))
    _report(first, setup["published"], comment="Начали в 5 классе")
    third = app.test_client()
    sign_in(third, setup["third"])
    _report(third, setup["published"], organisation="МБОУ «Гимназия № 2»", region="RU-SMO")
    _report(second, setup["published"], organisation="маоу  «СОШ № 5»", comment="Продолжили в 6 классе")
    with app.app_context():
        summary = adoption_summary(setup["published"])
        assert (summary.count, summary.region_count, summary.reports) == (2, 2, 3)
        che = next(g for g in summary.regions if g.name == "Челябинская область")
        assert [(o.name, [a.comment for a in o.adoptions]) for o in che.organisations] == [
            ("маоу «СОШ № 5»", ["Продолжили в 6 классе", "Начали в 5 классе"])]
    html = _block(app, setup["published"])
    assert "<strong>2 организации</strong> в 2 регионах." in html
    assert html.count("СОШ № 5»</strong>") == 1 and "(2 сообщения)" in html
    assert "Начали в 5 классе" in html and "Продолжили в 6 классе" in html


def test_a_report_without_a_region_adds_no_region(app, setup):
    """«Регион не указан» was counted as a region: «2 организации в 2 регионах» for schools of one region."""
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    _report(teacher, setup["published"], organisation="Гимназия № 2 Казани", region="")
    html = _block(app, setup["published"])
    assert "<strong>1 организация</strong>." in html and "регионе" not in html
    other = app.test_client()
    sign_in(other, setup["fourth"])
    _report(other, setup["published"])
    with app.app_context():
        summary = adoption_summary(setup["published"])
        assert (summary.count, summary.region_count, summary.without_region) == (2, 1, 1)
        assert [g.name for g in summary.regions] == ["Челябинская область", "Регион не указан"]
    html = _block(app, setup["published"])
    assert "<strong>2 организации</strong> в 1 регионе (у 1 из них регион не указан)." in html
    # the same school reported again without its region joins it instead of counting as another one
    colleague = app.test_client()
    sign_in(colleague, setup["second"])
    _report(colleague, setup["published"], organisation="МАОУ «СОШ № 5»", region="", comment="Без региона")
    with app.app_context():
        summary = adoption_summary(setup["published"])
        assert (summary.count, summary.region_count, summary.without_region, summary.reports) == (2, 1, 1, 3)


def test_who_may_report(app, setup):
    anonymous = app.test_client()
    response = _report(anonymous, setup["published"])
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    assert _report(teacher, setup["draft"]).status_code == 404
    assert _report(teacher, 999_999).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeAdoption)) == 0
    html = _block(app, setup["published"])
    assert "Пока никто не сообщил" in html and "Войдите" in html and "<form" not in html
    assert _block(app, setup["draft"], setup["teacher"]).strip() == ""


@pytest.mark.parametrize(("field", "value", "message"), [
    ("organisation", "", "Укажите организацию."),
    ("comment", "", "Напишите пару слов о том, как применяли практику."),
    ("comment", "я" * 1001, "Не длиннее 1000 символов."),
    ("region", "RU-XXX", "Выберите регион из списка."),
])
def test_invalid_reports_are_refused_with_a_message(app, setup, field, value, message):
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    data = {"organisation": "МАОУ «СОШ № 5»", "region": "RU-CHE", "comment": "Кружок", field: value}
    response = teacher.post(f"/practices/{setup['published']}/adoptions", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "field--error" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeAdoption)) == 0


def test_the_form_needs_a_csrf_token(app, setup):
    app.config["WTF_CSRF_ENABLED"] = True
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    assert _report(teacher, setup["published"]).status_code == 400
    assert 'name="csrf_token"' in _block(app, setup["published"], setup["teacher"])


def test_a_deleted_practice_takes_its_reports_with_it(app, setup, make_user):
    """The database deletes them (ON DELETE CASCADE), SQLite too: it checks foreign keys only on connections
    that ask, and left the reports behind, to be shown under whichever practice got the id next."""
    client = app.test_client()
    sign_in(client, setup["teacher"])
    assert _report(client, setup["published"]).status_code == 302
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.scalar(select(func.count()).select_from(PracticeAdoption)) == 1
        db.session.delete(db.session.get(Practice, setup["published"]))
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(PracticeAdoption)) == 0
        # a row that refers to no practice is refused, as PostgreSQL refuses it
        db.session.add(PracticeAdoption(practice_id=setup["published"], organisation="МАОУ «СОШ № 7»"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_author_cannot_report_their_own_practice(app, setup, make_user, make_practice):
    """The author's «Мы применили» counted as a follower of their own practice."""
    author = make_user("teacher")
    with app.app_context():
        own = make_practice("Театральная студия", owner_id=author)
    html = _block(app, own, author)
    assert "Мы применили эту практику" not in html and "<form" not in html
    assert "Это ваша практика" in html
    client = app.test_client()
    sign_in(client, author)
    with _report(client, own) as response:
        assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeAdoption)) == 0


def _own(app, user_id) -> list[tuple[int, str, str]]:
    with app.app_context():
        return [(a.id, a.organisation, a.comment) for a in db.session.scalars(
            select(PracticeAdoption).where(PracticeAdoption.user_id == user_id).order_by(PracticeAdoption.id))]


def test_a_user_reports_several_organisations_and_corrects_or_deletes_each(app, setup):
    """A methodist reporting three schools lost two of them when correcting one («one report per user») and all
    three with «Удалить мой отчёт»: a user has one report per organisation, each corrected or deleted by itself."""
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    for organisation in ("МБОУ СОШ № 1", "МБОУ СОШ № 2", "МБОУ Лицей № 3"):
        with _report(teacher, setup["published"], organisation=organisation, comment="Применяли") as response:
            assert response.status_code == 302
    first, second, third = (row[0] for row in _own(app, setup["teacher"]))
    # a new report about an organisation already reported (written with other spacing) updates that report only
    with teacher.post(f"/practices/{setup['published']}/adoptions", follow_redirects=True, data={
            "organisation": "мбоу лицей №3", "region": "RU-CHE", "comment": "В 5-х классах"}) as response:
        assert "Ваш отчёт о применении обновлён." in response.get_data(as_text=True)
    assert _own(app, setup["teacher"]) == [(first, "МБОУ СОШ № 1", "Применяли"), (second, "МБОУ СОШ № 2", "Применяли"),
                                           (third, "мбоу лицей №3", "В 5-х классах")]
    with app.app_context():
        assert adoption_summary(setup["published"]).count == 3
    html = _block(app, setup["published"], setup["teacher"])
    for adoption_id, organisation, _ in _own(app, setup["teacher"]):
        assert f"«{organisation}»" in html
        assert f'href="/practices/{setup["published"]}/adoptions/{adoption_id}"' in html
        assert f'href="/practices/{setup["published"]}/adoptions/{adoption_id}/delete"' in html  # the question
    assert "Сообщить о другой организации" in html
    # «Исправить» one report: its form, then the corrected organisation's name; the other reports stay
    with teacher.get(f"/practices/{setup['published']}/adoptions/{second}") as response:
        assert response.status_code == 200 and 'value="МБОУ СОШ № 2"' in response.get_data(as_text=True)
    with teacher.post(f"/practices/{setup['published']}/adoptions/{second}", follow_redirects=True, data={
            "organisation": "МБОУ СОШ № 12", "region": "", "comment": "Кружок"}) as response:
        assert "Ваш отчёт о применении обновлён." in response.get_data(as_text=True)
    assert [row[1] for row in _own(app, setup["teacher"])] == ["МБОУ СОШ № 1", "МБОУ СОШ № 12", "мбоу лицей №3"]
    # a correction to the name of another of the user's organisations is refused: that report is to be corrected
    with teacher.post(f"/practices/{setup['published']}/adoptions/{second}", data={
            "organisation": "МБОУ СОШ №1", "region": "", "comment": "Кружок"}) as response:
        assert response.status_code == 400
        assert "Об организации «МБОУ СОШ № 1» у вас уже есть отчёт: исправьте его." in response.get_data(as_text=True)
    assert [row[1] for row in _own(app, setup["teacher"])] == ["МБОУ СОШ № 1", "МБОУ СОШ № 12", "мбоу лицей №3"]
    # «Удалить» removes that one report only
    with teacher.post(f"/practices/{setup['published']}/adoptions/{first}/delete", follow_redirects=True) as response:
        assert "Ваш отчёт о применении удалён." in response.get_data(as_text=True)
    assert [row[0] for row in _own(app, setup["teacher"])] == [second, third]


def test_a_report_is_corrected_and_deleted_only_by_its_author(app, setup):
    teacher, other = app.test_client(), app.test_client()
    sign_in(teacher, setup["teacher"])
    sign_in(other, setup["second"])
    with _report(teacher, setup["published"], organisation="Школа-гимназия №7", comment="Вели кружок"):
        pass
    ((adoption_id, _, _),) = _own(app, setup["teacher"])
    with other.get(f"/practices/{setup['published']}/adoptions/{adoption_id}") as response:
        assert response.status_code == 404
    with other.post(f"/practices/{setup['published']}/adoptions/{adoption_id}", data={
            "organisation": "Чужая", "region": "", "comment": "Чужой"}) as response:
        assert response.status_code == 404
    with other.post(f"/practices/{setup['published']}/adoptions/{adoption_id}/delete",
                    follow_redirects=True) as response:
        assert "Такого вашего отчёта о применении у этой практики нет." in response.get_data(as_text=True)
    with teacher.get(f"/practices/{setup['draft']}/adoptions/{adoption_id}") as response:
        assert response.status_code == 404
    assert _own(app, setup["teacher"]) == [(adoption_id, "Школа-гимназия №7", "Вели кружок")]
    with teacher.post(f"/practices/{setup['published']}/adoptions/{adoption_id}/delete"):
        pass
    assert _own(app, setup["teacher"]) == []
    assert "Мы применили эту практику" in _block(app, setup["published"], setup["teacher"])


def test_deleting_or_correcting_a_report_needs_a_csrf_token(app, setup):
    teacher = app.test_client()
    sign_in(teacher, setup["teacher"])
    with _report(teacher, setup["published"]):
        pass
    ((adoption_id, _, _),) = _own(app, setup["teacher"])
    app.config["WTF_CSRF_ENABLED"] = True
    with teacher.post(f"/practices/{setup['published']}/adoptions/{adoption_id}/delete") as response:
        assert response.status_code == 400
    with teacher.post(f"/practices/{setup['published']}/adoptions/{adoption_id}", data={
            "organisation": "Другая", "region": "", "comment": "Другой"}) as response:
        assert response.status_code == 400
    html = _block(app, setup["published"], setup["teacher"])
    assert html.count('name="csrf_token"') == 1  # the report form's; «Удалить…» is a link to the question
    with teacher.get(f"/practices/{setup['published']}/adoptions/{adoption_id}") as response:
        assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert _own(app, setup["teacher"]) == [(adoption_id, "МАОУ «СОШ № 5»", "В 5–6 классах")]


def test_an_organisation_written_with_or_without_a_space_counts_once(app, setup):
    """«СОШ №7» and «СОШ № 7» from two colleagues of one school were two organisations."""
    for user, organisation in (("teacher", "МБОУ СОШ №7 г. Миасса"), ("second", "МБОУ СОШ № 7 г. Миасса"),
                               ("third", "мбоу  сош № 7 г.Миасса")):
        client = app.test_client()
        sign_in(client, setup[user])
        with _report(client, setup["published"], organisation=organisation):
            pass
    with app.app_context():
        summary = adoption_summary(setup["published"])
        assert (summary.count, summary.reports) == (1, 3)
        assert summary.regions[0].organisations[0].name == "мбоу сош № 7 г.Миасса"  # as the newest report typed it


def test_the_followers_count_is_of_organisations_as_the_page_counts_them(app, setup, make_user, make_practice):
    """«По числу последователей» sorted by reports: two colleagues of one school and the author's own report
    (stored before authors were refused) made 4 of the page's 2 organisations."""
    author = make_user("teacher")
    with app.app_context():
        own = make_practice("Театральная студия", owner_id=author)
        for user, organisation, region in [(setup["teacher"], "МАОУ «СОШ № 5»", "RU-CHE"),
                                           (setup["second"], "маоу «СОШ №5»", "RU-CHE"),
                                           (setup["third"], "МАОУ «СОШ № 5»", None),
                                           (setup["fourth"], "МБОУ «Гимназия № 2»", "RU-SMO"),
                                           (author, "Лицей № 1", "RU-CHE")]:
            db.session.add(PracticeAdoption(practice_id=own, user_id=user, organisation=organisation,
                                            region_code=region, comment=""))
        db.session.commit()
        summary = adoption_summary(own)
        assert (summary.count, summary.reports) == (2, 4)
        assert "Лицей № 1" not in [o.name for g in summary.regions for o in g.organisations]
        assert adoption_counts() == adoption_counts([own]) == {own: 2}
