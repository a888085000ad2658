"""What a practice's author learns of its use: a notice when an organisation reports adopting it."""

import pytest
from sqlalchemy import select

from kb.accounts.models import Notification
from kb.extensions import db
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

