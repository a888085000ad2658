"""What a practice's author learns of its use: a notice when an organisation reports adopting it, and the
views, file downloads and followers on «Мои практики»."""

import re

import pytest
from sqlalchemy import event, select

from kb.accounts.models import Notification
from kb.adoption.models import PracticeAdoption
from kb.attachments.models import Attachment
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in


@pytest.fixture
def setup(app, make_user, make_practice):
    app.config["WTF_CSRF_ENABLED"] = False
    author = make_user("teacher")
    with app.app_context():
        published = make_practice("Исследовательские субботы", owner_id=author)
    return {"author": author, "reader": make_user("teacher", region="RU-SMO"), "other": make_user("teacher"),
            "published": published}


def _client(app, user_id):
    client = app.test_client()
    sign_in(client, user_id)
    return client


def _report(client, practice_id, organisation="МАОУ «СОШ № 5»", comment="В 5–6 классах"):
    return client.post(f"/practices/{practice_id}/adoptions", data={
        "organisation": organisation, "region": "RU-SMO", "comment": comment, "result": ""})


def _notices(app) -> list[tuple[int, str, str]]:
    with app.app_context():
        notices = db.session.scalars(select(Notification).order_by(Notification.id))
        return [(n.user_id, n.message, n.link) for n in notices]


def test_the_author_is_told_which_organisation_adopted_her_practice(app, setup):
    assert _report(_client(app, setup["reader"]), setup["published"]).status_code == 302
    pid = setup["published"]
    message = "Вашу практику «Исследовательские субботы» применили: МАОУ «СОШ № 5» (Смоленская область)."
    assert _notices(app) == [(setup["author"], message, f"/practices/{pid}#adoption")]


def test_a_repeated_report_of_the_same_organisation_tells_her_once(app, setup):
    reader = _client(app, setup["reader"])
    _report(reader, setup["published"])
    _report(reader, setup["published"], organisation="маоу «сош №5»", comment="Закончили год")
    _report(reader, setup["published"], organisation="МБОУ «Гимназия № 2»")
    assert [message.split(": ")[1] for _, message, _ in _notices(app)] == [
        "МАОУ «СОШ № 5» (Смоленская область).", "МБОУ «Гимназия № 2» (Смоленская область)."]


def test_the_author_is_not_told_of_her_own_report_nor_of_a_practice_without_owner(app, setup, make_practice):
    assert _report(_client(app, setup["author"]), setup["published"]).status_code == 403
    with app.app_context():
        orphan = make_practice("Без владельца")
    assert _report(_client(app, setup["reader"]), orphan).status_code == 302
    assert _notices(app) == []


def test_the_organisation_is_escaped_on_the_profile(app, setup):
    _report(_client(app, setup["reader"]), setup["published"], organisation='<script>alert(1)</script> & «СОШ»')
    page = _client(app, setup["author"]).get("/profile").get_data(as_text=True)
    assert "применили: &lt;script&gt;alert(1)&lt;/script&gt; &amp; «СОШ» (Смоленская область)." in page
    assert "<script>alert(1)" not in page
    assert f'href="/practices/{setup["published"]}#adoption"' in page
    assert "<script>alert(1)" not in _client(app, setup["other"]).get("/profile").get_data(as_text=True)


def _rows(page: str) -> dict[str, list[str]]:
    """«Мои практики»: each practice's title → the text of its other cells."""
    rows = {}
    for row in re.findall(r"<tr role=\"row\">(.*?)</tr>", page, re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows[cells[0]] = cells[3:]
    return rows


def _attach(practice_id: int, downloads: int) -> None:
    db.session.add(Attachment(practice_id=practice_id, original_name="план.pdf", kind="pdf", size=1,
                              sha256=f"{practice_id:064d}", downloads=downloads))


def test_my_practices_show_the_stored_numbers_of_the_published_ones(app, setup, make_practice):
    author = setup["author"]
    with app.app_context():
        draft = make_practice("Черновик", status="draft", owner_id=author)
        archived = make_practice("В архиве", status="archived", owner_id=author)
        make_practice("Без читателей", owner_id=author)
        db.session.get(Practice, setup["published"]).views = 37
        db.session.get(Practice, draft).views = 4  # not shown: a draft has no readers to count
        db.session.get(Practice, archived).views = 9
        _attach(setup["published"], 5)
        _attach(setup["published"], 2)
        _attach(draft, 3)
        db.session.add_all([
            PracticeAdoption(practice_id=setup["published"], user_id=setup["reader"], organisation="СОШ № 1",
                             region_code="RU-SMO", comment="Кружок"),
            PracticeAdoption(practice_id=setup["published"], user_id=setup["other"], organisation="сош №1",
                             region_code="RU-SMO", comment="Тот же кружок"),  # one school, counted once
            PracticeAdoption(practice_id=setup["published"], user_id=setup["other"], organisation="Гимназия № 2",
                             region_code="RU-CHE", comment="В 8 классе"),
            PracticeAdoption(practice_id=setup["published"], user_id=author, organisation="Моя школа",
                             region_code="RU-CHE", comment="Сама"),  # the author's own: never counted
        ])
        db.session.commit()
    page = _client(app, author).get("/practices/mine").get_data(as_text=True)
    assert "Просмотры" in page and "Скачивания файлов" in page and "Последователи" in page
    assert _rows(page) == {"Исследовательские субботы": ["37", "7", "2"], "Без читателей": ["0", "0", "0"],
                           "Черновик": ["—", "—", "—"], "В архиве": ["—", "—", "—"]}
    assert 'data-label="Последователи"' in page


def test_my_practices_take_the_same_statements_for_more_practices(app, setup, make_practice):
    author = setup["author"]
    client = _client(app, author)
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    def statements() -> int:
        client.get("/practices/mine")
        counter["n"] = 0
        assert client.get("/practices/mine").status_code == 200
        return counter["n"]

    def add(n: int) -> None:
        with app.app_context():
            for i in range(n):
                pid = make_practice(f"Практика {n}-{i}", owner_id=author, status="published" if i % 3 else "draft")
                _attach(pid, i)
                db.session.add(PracticeAdoption(practice_id=pid, user_id=setup["reader"], organisation=f"СОШ № {i}",
                                                comment="Да"))
            db.session.commit()

    add(2)
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        before = statements()
        add(12)
        after = statements()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    assert after == before, (before, after)
