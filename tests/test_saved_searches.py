"""Saved searches: kept per user, repeated from the profile, followed as a feed, never shared."""

from sqlalchemy import select

from kb.extensions import db
from kb.search.models import SavedSearch
from tests.conftest import PASSWORD, csrf_from, sign_in


def _teacher(app, email: str) -> int:
    from kb.accounts.services import create_user

    with app.app_context():
        user = create_user(email, "Учитель", PASSWORD)
        db.session.commit()
        return user.id


def test_save_list_follow_and_delete(demo_app):
    user = _teacher(demo_app, "saver@example.org")
    client = demo_app.test_client()
    sign_in(client, user)
    url = "/search?q=ШНО&region=RU-CHE&level=primary&sort=date&page=2&per_page=1"  # page 2 of at least two
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Сохранить поиск" in page
    assert 'name="page"' not in page and 'value="None"' not in page
    response = client.post("/search/saved", data={
        "csrf_token": csrf_from(client, url), "name": "ШНО <в> Челябинской", "q": "ШНО", "region": "RU-CHE",
        "level": "primary", "sort": "date"})
    assert response.status_code == 302 and "region=RU-CHE" in response.headers["Location"]
    again = client.post("/search/saved", data={"csrf_token": csrf_from(client, url), "name": "ШНО (Челябинск)",
                                               "q": "ШНО", "region": "RU-CHE", "level": "primary", "sort": "date"})
    assert again.status_code == 302
    with demo_app.app_context():
        saved = db.session.scalars(select(SavedSearch)).all()
        assert [(s.name, s.query) for s in saved] == [
            ("ШНО (Челябинск)", "q=%D0%A8%D0%9D%D0%9E&region=RU-CHE&level=primary&sort=date")]
        saved_id = saved[0].id
    profile = client.get("/profile").get_data(as_text=True)
    assert 'href="/search?q=%D0%A8%D0%9D%D0%9E&amp;region=RU-CHE&amp;level=primary&amp;sort=date">ШНО (Челябинск)' \
        in profile
    feed = client.get("/search/feed?q=%D0%A8%D0%9D%D0%9E&region=RU-CHE&level=primary&sort=date")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"

    stranger = demo_app.test_client()
    sign_in(stranger, _teacher(demo_app, "stranger@example.org"))
    assert "ШНО (Челябинск)" not in stranger.get("/profile").get_data(as_text=True)
    assert stranger.post(f"/search/saved/{saved_id}/delete",
                         data={"csrf_token": csrf_from(stranger, "/profile")}).status_code == 404
    assert client.post(f"/search/saved/{saved_id}/delete",
                       data={"csrf_token": csrf_from(client, "/profile")}).status_code == 302
    with demo_app.app_context():
        assert db.session.scalar(select(SavedSearch)) is None


def test_anonymous_users_cannot_save(demo_app):
    client = demo_app.test_client()
    assert "Сохранить поиск" not in client.get("/search?q=ШНО").get_data(as_text=True)
    demo_app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/search/saved", data={"q": "ШНО"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_long_cyrillic_query_can_be_saved(app):
    """A saved search keeps the URL-encoded query, six characters a Cyrillic letter: 380 letters overflowed the
    column, and PostgreSQL refused the row (a 500)."""
    user = _teacher(app, "long@example.org")
    client = app.test_client()
    sign_in(client, user)
    q = ("формирование функциональной грамотности " * 25).strip()[:999]
    response = client.post("/search/saved", data={"csrf_token": csrf_from(client, "/search"), "name": "", "q": q})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(SavedSearch)).one()
        assert len(saved.query) > 5000 and saved.name == q[:200].strip()
    assert f'value="{q}"' in client.get("/search?" + saved.query).get_data(as_text=True)


def test_a_search_by_filters_alone_is_named_by_them(demo_app):
    """Saved with the name the page offers, every search without typed words was called «Поиск»: the profile
    listed several alike. The offered name (and the one given when the field is left empty) names the filters."""
    import re

    from werkzeug.datastructures import MultiDict

    user = _teacher(demo_app, "filters@example.org")
    client = demo_app.test_client()
    sign_in(client, user)
    names = {}
    for query in ("region=RU-CHE&topic=olympiads", "level=primary&level=basic", "q=ШНО&region=RU-CHE"):
        page = client.get(f"/search?{query}").get_data(as_text=True)
        form = re.search(r'<form class="save-search".*?</form>', page, re.S).group(0)
        names[query] = re.search(r'name="name"[^>]*value="([^"]*)"', form).group(1)
        fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)
        data = MultiDict([*fields, ("name", names[query])])
        assert client.post("/search/saved", data=data).status_code == 302
    # in the order of the page's filters (and of the feed's title)
    assert names == {"region=RU-CHE&topic=olympiads": "Олимпиады и конкурсы · Челябинская область",
                     "level=primary&level=basic": "Начальное общее образование, Основное общее образование",
                     "q=ШНО&region=RU-CHE": "ШНО · Челябинская область"}
    client.post("/search/saved", data={"csrf_token": csrf_from(client, "/search"), "name": " ", "type": "resolution"})
    with demo_app.app_context():
        saved = db.session.scalars(select(SavedSearch).order_by(SavedSearch.id)).all()
        assert [s.name for s in saved] == [*names.values(), "Резолюции"]


def test_control_characters_in_a_saved_search_name_are_dropped(app):
    """A NUL in the name (or, with no name, in the words the name is made of) reached the database: PostgreSQL
    refused the row (a 500), SQLite kept it."""
    user = _teacher(app, "nul@example.org")
    client = app.test_client()
    sign_in(client, user)
    response = client.post("/search/saved", data={"csrf_token": csrf_from(client, "/search?q=дети"),
                                                  "name": "Мой\x00 поиск\x1b", "q": "дети"})
    assert response.status_code == 302
    response = client.post("/search/saved", data={"csrf_token": csrf_from(client, "/search?q=дети"),
                                                  "name": "", "q": "игры\x00 на переменах"})
    assert response.status_code == 302
    with app.app_context():
        assert sorted(db.session.scalars(select(SavedSearch.name))) == ["Мой поиск", "игры на переменах"]
