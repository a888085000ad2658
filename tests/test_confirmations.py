"""Actions that cannot be undone ask first: the click opens a question (a GET page) saying what will be lost, and
only its form's POST (with its CSRF token) acts — a saved search, an API token, an adoption report, leaving a
co-authorship, unlinking a co-author, declining an invitation. The expert assessment comes after the practice."""

import re

import pytest
from sqlalchemy import select

from kb.accounts.tokens import ApiToken
from kb.adoption.models import PracticeAdoption
from kb.extensions import db
from kb.practices.models import PracticeAuthor
from kb.search.models import SavedSearch
from tests.conftest import bearer, client_of

TITLE = "Школьное научное общество в сельской школе"
AUTHORS = [("Иванова Анна Петровна", "учитель начальных классов"), ("Петров Борис Ильич", "заместитель директора")]


def _form_of(page: str, action: str) -> str:
    """The form on ``page`` posting to ``action``; fails when there is none."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert match, f"no form posting to {action}"
    return match.group(1)


def _csrf(form: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)


def _hidden(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _answer(client, question_url: str, action: str):
    """The question page, then its form's POST as a browser sends it (its hidden fields and token)."""
    question = client.get(question_url)
    assert question.status_code == 200
    form = _form_of(question.get_data(as_text=True), action)
    return client.post(action, data=_hidden(form))


def test_a_saved_search_is_deleted_after_the_question(app, make_user):
    users = {"owner": make_user("teacher"), "stranger": make_user("teacher")}
    with app.app_context():
        saved = SavedSearch(user_id=users["owner"], name="ШНО · Челябинская область", query="q=ШНО&region=RU-CHE")
        db.session.add(saved)
        db.session.commit()
        saved_id = saved.id
    client = client_of(app, users, "owner")
    profile = client.get("/profile").get_data(as_text=True)
    url = f"/search/saved/{saved_id}/delete"
    # named for a screen reader by the search: «удалить поиск «…»», «лента поиска «…»»; a link, not a button
    assert f'<a href="{url}">удалить<span class="visually-hidden"> поиск «ШНО · Челябинская область»</span>…</a>' \
        in profile
    assert 'лента<span class="visually-hidden"> поиска «ШНО · Челябинская область»</span>' in profile
    assert f'action="{url}"' not in profile
    page = client.get(url).get_data(as_text=True)
    assert "Удалить сохранённый поиск «ШНО · Челябинская область»?" in page
    assert client_of(app, users, "stranger").get(url).status_code == 404
    with app.app_context():
        assert db.session.get(SavedSearch, saved_id) is not None  # the question deleted nothing
    assert client.post(url).status_code == 400, "CSRF is checked"
    done = _answer(client, url, url)
    assert done.status_code == 302 and done.headers["Location"].endswith("/profile")
    with app.app_context():
        assert db.session.get(SavedSearch, saved_id) is None


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_a_token_is_revoked_after_the_question(app, make_user, make_token, who):
    users = {"owner": make_user("teacher"), "admin": make_user("admin")}
    secret = make_token(users["owner"], "Выгрузка для сайта")
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client = client_of(app, users, who)
    listing = f"/admin/users/{users['owner']}" if who == "admin" else "/profile"
    url = (f"/admin/users/{users['owner']}" if who == "admin" else "/profile") + f"/tokens/{token_id}/revoke"
    page = client.get(listing).get_data(as_text=True)
    assert f'href="{url}">Отозвать<span class="visually-hidden"> токен «Выгрузка для сайта»</span>…</a>' in page
    question = client.get(url).get_data(as_text=True)
    assert "Отозвать токен «Выгрузка для сайта»" in question and "получат отказ (401)" in question
    assert app.test_client().get("/api/v1/vocabularies", headers=bearer(secret)).status_code == 200
    assert client.post(url).status_code == 400, "CSRF is checked"
    assert _answer(client, url, url).status_code == 302
    assert app.test_client().get("/api/v1/vocabularies", headers=bearer(secret)).status_code == 401
    # revoked: no question any more, told so
    gone = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Такого действующего токена нет." in gone


def test_a_foreign_token_has_no_question(app, make_user, make_token):
    users = {"owner": make_user("teacher"), "other": make_user("teacher")}
    make_token(users["owner"])
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    page = client_of(app, users, "other").get(f"/profile/tokens/{token_id}/revoke", follow_redirects=True)
    assert "Такого действующего токена нет." in page.get_data(as_text=True)
    assert "Отозвать токен «" not in page.get_data(as_text=True)


def test_an_adoption_report_is_deleted_after_the_question(app, make_user, make_practice):
    users = {"teacher": make_user("teacher"), "other": make_user("teacher")}
    with app.app_context():
        pid = make_practice("Исследовательские субботы")
        adoption = PracticeAdoption(practice_id=pid, user_id=users["teacher"], organisation="МБОУ СОШ № 1",
                                    region_code="RU-CHE", comment="Вели кружок по субботам", result="Три проекта")
        db.session.add(adoption)
        db.session.commit()
        adoption_id = adoption.id
    client = client_of(app, users, "teacher")
    url = f"/practices/{pid}/adoptions/{adoption_id}/delete"
    assert f'href="{url}">Удалить' in client.get(f"/practices/{pid}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Удалить отчёт о применении?" in page and "«МБОУ СОШ № 1»" in page
    assert "Вели кружок по субботам" in page and "Три проекта" in page  # what is lost
    assert client_of(app, users, "other").get(url).status_code == 404
    assert client.post(url).status_code == 400, "CSRF is checked"
    with app.app_context():
        assert db.session.get(PracticeAdoption, adoption_id) is not None
    assert _answer(client, url, url).status_code == 302
    with app.app_context():
        assert db.session.get(PracticeAdoption, adoption_id) is None


@pytest.fixture
def world(app, make_user, make_practice):
    users = {"owner": make_user("teacher"), "coauthor": make_user("teacher", email="petrov@example.org"),
             "stranger": make_user("teacher")}
    with app.app_context():
        pid = make_practice(TITLE, status="draft", owner_id=users["owner"], authors=AUTHORS)
        line = db.session.scalar(select(PracticeAuthor).where(PracticeAuthor.practice_id == pid,
                                                              PracticeAuthor.name == AUTHORS[1][0]))
        line.user_id = users["coauthor"]
        db.session.commit()
        return users, pid, line.id


def _line(app, author_id) -> tuple[int | None, bool]:
    with app.app_context():
        line = db.session.get(PracticeAuthor, author_id)
        return line.user_id, line.link_confirmed


def _confirm(app, author_id):
    with app.app_context():
        db.session.get(PracticeAuthor, author_id).link_confirmed = True
        db.session.commit()


def test_declining_an_invitation_asks_first(app, world):
    users, pid, author_id = world
    client = client_of(app, users, "coauthor")
    mine = client.get("/practices/mine").get_data(as_text=True)
    url = f"/practices/{pid}/coauthorship/decline"
    assert f'href="{url}">Отклонить<span class="visually-hidden"> приглашение «{TITLE}»</span>…</a>' in mine
    assert 'value="decline"' not in mine and 'value="accept"' in mine  # «Принять» stays one click
    page = client.get(url).get_data(as_text=True)
    assert f"Отклонить приглашение в соавторы практики «{TITLE}»?" in page and "«Петров Борис Ильич»" in page
    assert _line(app, author_id) == (users["coauthor"], False)
    action = f"/practices/{pid}/coauthorship"
    assert client.post(action, data={"action": "decline"}).status_code == 400, "CSRF is checked"
    assert _answer(client, url, action).status_code == 302
    assert _line(app, author_id) == (None, False)
    # nothing to decline any more: told so, no question
    again = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Приглашение больше не действует" in again


def test_leaving_a_coauthorship_asks_first(app, world):
    users, pid, author_id = world
    _confirm(app, author_id)
    client = client_of(app, users, "coauthor")
    detail = client.get(f"/practices/{pid}").get_data(as_text=True)
    url = f"/practices/{pid}/coauthorship/leave"
    assert f'href="{url}">Выйти из соавторов…</a>' in detail and 'value="leave"' not in detail
    page = client.get(url).get_data(as_text=True)
    assert f"Выйти из соавторов практики «{TITLE}»?" in page
    assert "открыть её, пока она не опубликована, больше не сможете" in page  # a draft: lost from sight
    assert client_of(app, users, "stranger").get(url, follow_redirects=True).status_code == 200
    assert "Вы не указаны соавтором" in client_of(app, users, "stranger").get(url, follow_redirects=True) \
        .get_data(as_text=True)
    assert _line(app, author_id) == (users["coauthor"], True)
    assert _answer(client, url, f"/practices/{pid}/coauthorship").status_code == 302
    assert _line(app, author_id) == (None, False)


def test_unlinking_a_coauthor_asks_first(app, world):
    users, pid, author_id = world
    _confirm(app, author_id)
    client = client_of(app, users, "owner")
    listing = client.get(f"/practices/{pid}/coauthors").get_data(as_text=True)
    url = f"/practices/{pid}/coauthors/{author_id}/unlink"
    assert f'href="{url}">Отвязать<span class="visually-hidden"> строку «Петров Борис Ильич»</span>…</a>' in listing
    assert 'value="unlink"' not in listing
    page = client.get(url).get_data(as_text=True)
    assert "Отвязать строку автора «Петров Борис Ильич» от учётной записи?" in page
    assert "перестанет быть соавтором" in page
    assert client_of(app, users, "stranger").get(url).status_code == 404  # a draft he may not see
    assert client_of(app, users, "coauthor").get(url).status_code == 403  # she leaves by «Выйти из соавторов»
    assert client.get(f"/practices/{pid}/coauthors/999999/unlink").status_code == 404
    action = f"/practices/{pid}/coauthors"
    assert client.post(action, data={"author": author_id, "action": "unlink"}).status_code == 400, "CSRF is checked"
    assert _line(app, author_id) == (users["coauthor"], True)
    assert _answer(client, url, action).status_code == 302
    assert _line(app, author_id) == (None, False)
    # an unlinked line has nothing to unlink: back to the list, told so
    again = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "не привязана к учётной записи" in again
