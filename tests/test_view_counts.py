"""The page-view count of a published practice counts readers: not its owner reloading it, not the methodists and
administrators who moderate it."""

from __future__ import annotations

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in


def _views(app, practice_id: int) -> int:
    with app.app_context():
        return db.session.get(Practice, practice_id).views


def test_the_owners_own_visits_are_not_counted(app, make_practice, make_user):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика, которую автор перечитывает", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)
    for _ in range(3):
        assert client.get(f"/practices/{pid}").status_code == 200
    assert _views(app, pid) == 0
    assert app.test_client().get(f"/practices/{pid}").status_code == 200  # a guest is a reader
    reader = app.test_client()
    sign_in(reader, make_user("teacher"))
    assert reader.get(f"/practices/{pid}").status_code == 200  # so is another teacher
    assert _views(app, pid) == 2


def test_its_moderators_are_not_readers_but_other_methodists_are(app, make_practice, make_user):
    with app.app_context():
        pid = make_practice("Практика Челябинской области", region_code="RU-CHE")
    for user in (make_user("methodist", scope_region="RU-CHE"), make_user("admin")):
        client = app.test_client()
        sign_in(client, user)
        assert client.get(f"/practices/{pid}").status_code == 200
    assert _views(app, pid) == 0
    elsewhere = app.test_client()
    sign_in(elsewhere, make_user("methodist", region="RU-SMO", scope_region="RU-SMO"))
    assert elsewhere.get(f"/practices/{pid}").status_code == 200
    assert _views(app, pid) == 1
