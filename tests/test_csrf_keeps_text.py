"""A form sent after its session ended (the browser restarted, a sign-out in another tab) fails the CSRF check:
the text typed comes back — in the practice form itself for a signed-in author, read-only to copy otherwise — and
nothing of the request is acted on. CSRF stays enabled here, as in production."""

import re

import pytest
from sqlalchemy import func, select

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
ANY_TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')  # the header's «Выйти» form writes it so
TYPED = "Кружок «Юный эколог» <script>alert(1)</script>\nВторая строка & ещё."
ESCAPED = "Кружок «Юный эколог» &lt;script&gt;alert(1)&lt;/script&gt;\nВторая строка &amp; ещё."


@pytest.fixture
def teacher(app, make_user):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    client = app.test_client()
    client.user_id = make_user("teacher")
    sign_in(client, client.user_id)
    return client


HERE = {"Origin": "http://localhost"}  # the browser's word that the form was on a page of this site


def _practices() -> int:
    return db.session.scalar(select(func.count(Practice.id)))


def _form(**fields) -> dict:
    return {"title": "Экологический кружок", "region": "RU-CHE", "annotation": TYPED, "save_draft": "1",
            "csrf_token": "a-token-of-the-session-that-ended", **fields}


def test_a_new_practice_sent_with_a_stale_token_comes_back_in_its_form(app, teacher):
    with app.app_context():
        before = _practices()
    with teacher.post("/practices/new", data=_form(), headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Сессия истекла, и форма не сохранена" in page
    assert 'name="annotation"' in page and ESCAPED in page and "<script>alert" not in page
    assert 'value="Экологический кружок"' in page
    fresh = TOKEN.search(page).group(1)
    assert fresh != "a-token-of-the-session-that-ended"
    with app.app_context():
        assert _practices() == before  # the forged or stale request did nothing
    # «Сохранить» once more, with the fresh token
    with teacher.post("/practices/new", data=_form(csrf_token=fresh), headers=HERE) as response:
        assert response.status_code == 302
    with app.app_context():
        assert _practices() == before + 1
        saved = db.session.scalar(select(Practice).order_by(Practice.id.desc()))
        assert saved.annotation == TYPED


def test_an_edit_sent_with_a_stale_token_comes_back_and_changes_nothing(app, teacher, make_practice):
    with app.app_context():
        pid = make_practice("Экологический кружок", status="draft", owner_id=teacher.user_id,
                            annotation="Старая аннотация.")
    with teacher.post(f"/practices/{pid}/edit", data=_form(revision="1"), headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Сессия истекла, и форма не сохранена" in page and ESCAPED in page
    assert "Редактирование: Экологический кружок" in page
    with app.app_context():
        assert db.session.get(Practice, pid).annotation == "Старая аннотация."


def test_signed_out_the_text_is_shown_read_only_and_secrets_never(app):
    anonymous = app.test_client()
    with anonymous.post("/practices/new", data=_form(), headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Сессия истекла" in page and ESCAPED in page and "<script>alert" not in page
    assert re.search(r"<textarea id=\"kept-\d+\" rows=\"6\" readonly>", page)
    assert "a-token-of-the-session-that-ended" not in page
    assert '<a href="/login?next=/practices/new">Войти</a>' in page


def test_the_other_long_text_forms_give_the_text_back_read_only(app, teacher, make_practice):
    with app.app_context():
        pid = make_practice("Опубликованная практика")
    with teacher.post(f"/practices/{pid}/adoptions", data={
            "organisation": "Школа № 5", "comment": TYPED, "csrf_token": "stale"}, headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Как применяли" in page and ESCAPED in page
    with teacher.post("/collections/1/items/1/note", data={"note": TYPED, "csrf_token": "stale"},
                      headers={"Referer": "http://localhost/collections/1"}) as response:
        assert response.status_code == 400 and ESCAPED in response.get_data(as_text=True)


def test_other_forms_keep_the_plain_message_and_never_echo_a_password(app):
    with app.test_client().post("/login", data={"email": "a@example.org", "password": "секретный-пароль-123",
                                                "csrf_token": "stale"}, headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Форма устарела или отправлена не с этого сайта" in page and "секретный-пароль-123" not in page


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"}, {},
                                     {"Referer": "https://evil.example/localhost/practices/new"}])
def test_a_form_of_another_site_gets_no_page_made_of_its_text(app, teacher, headers):
    """A forged POST from another site: not acted on, and its text is not shown back in the bank's pages."""
    with teacher.post("/practices/new", data=_form(), headers=headers) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Форма устарела или отправлена не с этого сайта" in page
    assert "Юный эколог" not in page and "Сессия истекла" not in page


def test_a_form_opened_by_another_account_is_not_given_to_the_one_signed_in_now(app, teacher, make_user):
    """The teacher's session ended (no «Выйти») and a methodist signed in on the same browser: the teacher's
    «Сохранить» came back as the methodist's own form with her text, and a second «Сохранить» filed it in the
    methodist's account. The text is shown read-only instead, and the form is not the methodist's."""
    with teacher.get("/practices/new") as response:
        assert f'name="opened_by" value="{teacher.user_id}"' in response.get_data(as_text=True)
    methodist = make_user("methodist", region="RU-CHE")
    sign_in(teacher, methodist)  # the same browser, another account
    with teacher.post("/practices/new", data=_form(opened_by=str(teacher.user_id)), headers=HERE) as response:
        page = response.get_data(as_text=True)
        assert response.status_code == 400
    assert "Форму открыли под другой учётной записью" in page and ESCAPED in page
    assert "<form" not in page.split("<main", 1)[1] and "data-keep" not in page, page.split("<main", 1)[1][:3000]
    with teacher.post("/practices/new", data=_form(opened_by=str(methodist)), headers=HERE) as response:
        assert "Сессия истекла, и форма не сохранена" in response.get_data(as_text=True)  # its own: the form back


def test_a_form_sent_after_signing_out_on_another_device_gives_its_text_back(app, teacher, make_practice):
    """«Выйти» on one device ends the sessions on the others: a report sent there went to the login page with «Войдите,
    чтобы продолжить», the text lost, and after the login `next` led to the POST-only address: 405."""
    with app.app_context():
        practice = make_practice("Исследовательские субботы")
    other = app.test_client()
    sign_in(other, teacher.user_id)
    with other.get(f"/practices/{practice}") as response:
        token = ANY_TOKEN.search(response.get_data(as_text=True)).group(1)
    with teacher.get("/profile") as response:
        mine = ANY_TOKEN.search(response.get_data(as_text=True)).group(1)
    with teacher.post("/logout", data={"csrf_token": mine}) as response:
        assert response.status_code == 302
    report = {"organisation": "МАОУ «СОШ № 5»", "region": "RU-CHE", "comment": TYPED, "result": "",
              "csrf_token": token}
    page_url = f"http://localhost/practices/{practice}"
    with other.post(f"/practices/{practice}/adoptions", data=report, headers={**HERE, "Referer": page_url}) as answer:
        page = answer.get_data(as_text=True)
        assert answer.status_code == 401
    assert "Вы вышли из банка (возможно, на другом устройстве" in page and ESCAPED in page
    assert f"/login?next=/practices/{practice}" in page.replace("%2F", "/")
    # any other form: back to the page it was on after the login, not to its POST-only address (405)
    with other.post(f"/practices/{practice}/transition", data={"action": "submit", "csrf_token": token},
                    headers={**HERE, "Referer": page_url}) as answer:
        assert answer.status_code == 302
        assert answer.headers["Location"].replace("%2F", "/").endswith(f"/login?next=/practices/{practice}")
    # a form of another site gets no page made of its text
    with other.post(f"/practices/{practice}/adoptions", data=report,
                    headers={"Origin": "https://evil.example"}) as answer:
        assert answer.status_code == 302 and TYPED not in answer.get_data(as_text=True)
