"""A form sent back with errors: the summary above it names each wrong field with a link to it, the page's title
says «Ошибка», and a refused login marks its fields and ties the message to them (the focus on the summary when
the page opens: tests/test_browser_a11y.py)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, csrf_from
from tests.test_expert_assessment import FULL, _client, _post, world  # noqa: F401 - fixture


def _summary(page: str) -> str:
    found = re.findall(r'<section class="error-summary" id="error-summary" tabindex="-1"[^>]*>(.*?)</section>', page,
                       re.S)
    assert len(found) == 1, "one summary, focusable"
    return found[0]


def _links(page: str) -> list[tuple[str, str]]:
    """(field id, the item's text) of each link in the summary; each id is on the page."""
    items = re.findall(r'<li><a href="#([^"]+)">(.*?)</li>', _summary(page), re.S)
    for anchor, _ in items:
        assert f'id="{anchor}"' in page, anchor
    return [(anchor, re.sub(r"<[^>]+>", "", text)) for anchor, text in items]


def _title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1)


def test_a_practice_not_saved_names_its_wrong_fields_with_links(teacher_client):
    response = teacher_client.post("/practices/new", data={"title": "", "year": "две тысячи"})
    page = response.get_data(as_text=True)
    assert _links(page) == [("title", "Название практики: Укажите название."),
                            ("year", "Год: Неверное целое число.")]
    assert _title(page) == "Ошибка: Новая практика — Банк практик"


def test_a_form_without_errors_has_no_summary_and_a_plain_title(teacher_client):
    page = teacher_client.get("/practices/new").get_data(as_text=True)
    assert "error-summary" not in page.split("<main")[1]
    assert _title(page) == "Новая практика — Банк практик"


def test_a_collection_not_saved_names_its_title_field(teacher_client):
    page = teacher_client.post("/collections/new", data={"title": "", "visibility": "private"}).get_data(as_text=True)
    [(anchor, text)] = _links(page)
    assert anchor == "title" and text.startswith("Название")
    assert _title(page).startswith("Ошибка: ")


@pytest.mark.parametrize(("bad", "anchor", "label"), [
    ({"novelty": "-1"}, "novelty", "Новизна"),
    ({"conclusion": "x" * 5001}, "assessment-conclusion", "Заключение"),
])
def test_an_assessment_not_saved_links_to_its_wrong_field(app, world, bad, anchor, label):  # noqa: F811
    users, pid = world
    page = _post(_client(app, users, "methodist_in"), pid, {**FULL, **bad}).get_data(as_text=True)
    assert "<h3 class=\"error-summary__title\" id=\"error-summary-title\">Оценка не сохранена" in page
    [(found, text)] = _links(page)
    assert found == anchor and text.startswith(label + ": ")
    assert _title(page).startswith("Ошибка: ")


def test_a_refused_login_marks_both_fields_and_ties_the_message_to_them(client, make_user):
    make_user("teacher", email="known@example.org")
    page = client.post("/login", data={"email": "known@example.org", "password": "not-the-password",
                                       "csrf_token": csrf_from(client, "/login")}).get_data(as_text=True)
    message = re.search(r'<div class="error" id="login-error" tabindex="-1" data-error-summary><p>(.*?)</p>', page)
    assert message.group(1) == "Неверный адрес электронной почты или пароль."
    for name in ("email", "password"):
        tag = re.search(rf'<input[^>]*id="{name}"[^>]*>', page).group(0)
        assert 'aria-invalid="true"' in tag and 'aria-describedby="login-error"' in tag, tag
    assert 'class="flash flash--error"' not in page  # said once, beside the fields
    assert _title(page) == "Ошибка: Вход — Банк практик"
    fresh = client.get("/login").get_data(as_text=True)
    assert "login-error" not in fresh and 'aria-invalid' not in fresh


def test_a_registration_not_made_has_a_summary_like_the_other_forms(client):
    page = client.post("/register", data={"email": "not-an-address", "name": "Анна", "password": PASSWORD,
                                          "password_again": PASSWORD + "x",
                                          "csrf_token": csrf_from(client, "/register")}).get_data(as_text=True)
    anchors = [anchor for anchor, _ in _links(page)]
    assert anchors[0] == "email" and {"password_again", "consent"} <= set(anchors), anchors
    assert "Учётная запись не создана" in _summary(page)
    assert _title(page).startswith("Ошибка: Регистрация")
