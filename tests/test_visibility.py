"""Anything unpublished is invisible to all but its author, its moderators and admins — on every surface."""

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in

SECRET = "секретоподобное"


@pytest.fixture
def hidden(app, make_user, make_practice):
    """A practice in each unpublished status, in a region nobody else has, holding a unique word."""
    owner = make_user("teacher")
    with app.app_context():
        make_practice("Публичная практика", topics=["olympiads"], region_code="RU-CHE")
        ids = [make_practice(f"Практика {SECRET} {status}", status=status, owner_id=owner, region_code="RU-YEV",
                             topics=["inclusive"], subjects=["music"], year=1999,
                             annotation=f"Аннотация со словом {SECRET}.")
               for status in ("draft", "submitted", "returned", "archived")]
    return owner, ids


def _surfaces(client):
    api = client.get("/api/v1/search", query_string={"q": SECRET}).json
    everything = client.get("/api/v1/search", query_string={"per_page": 100}).json
    return api, everything


@pytest.mark.parametrize("viewer", ["anonymous", "other_teacher", "methodist_out"])
def test_unpublished_practices_leak_nowhere(app, hidden, make_user, viewer):
    owner, ids = hidden
    client = app.test_client()
    if viewer == "other_teacher":
        sign_in(client, make_user("teacher"))
    elif viewer == "methodist_out":
        sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    api, everything = _surfaces(client)
    assert api["total"] == 0 and api["results"] == []
    assert everything["total"] == 1
    for facet in ("region", "topic", "subject", "year"):
        values = {f["value"] for f in everything["facets"][facet]}
        assert not values & {"RU-YEV", "inclusive", "music", "1999"}, facet
    page = client.get("/search", query_string={"q": SECRET}).get_data(as_text=True)
    results = page[page.index('<section class="results"'):]
    results = re.sub(r'<form class="save-search".*?</form>', "", results, flags=re.S)  # echoes the user's query
    assert "Ничего не найдено" in results and SECRET not in results
    assert SECRET not in client.get("/").get_data(as_text=True)
    for url in ("/topics", "/regions", "/levels", "/practices/mine", "/practices/moderation"):
        body = client.get(url).get_data(as_text=True)
        assert SECRET not in body, url
    assert 'href="/search?region=RU-YEV&amp;type=practice"' not in client.get("/regions").get_data(as_text=True)
    for pid in ids:
        for url in (f"/practices/{pid}", f"/api/v1/practices/{pid}", f"/practices/{pid}/history",
                    f"/practices/{pid}/diff?from=1"):
            assert client.get(url).status_code in (302, 404), url


@pytest.mark.parametrize("viewer", ["owner", "methodist_in", "admin"])
def test_author_moderator_and_admin_see_them(app, hidden, make_user, viewer):
    owner, ids = hidden
    client = app.test_client()
    user = {"owner": owner, "methodist_in": make_user("methodist", scope_region="RU-YEV"),
            "admin": make_user("admin")}[viewer]
    sign_in(client, user)
    for pid in ids:
        page = client.get(f"/practices/{pid}")
        assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    # Search shows what the public sees, for everyone: drafts are never in the index.
    assert client.get("/api/v1/search", query_string={"q": SECRET}).json["total"] == 0
    if viewer == "owner":
        assert client.get("/practices/mine").get_data(as_text=True).count(SECRET) == 4
    else:
        queue = client.get("/practices/moderation?status=submitted").get_data(as_text=True)
        # the rows' links (each row's box to tick names its practice too)
        assert re.findall(rf'<a href="/practices/(\d+)">Практика {SECRET}', queue) == [str(ids[1])]


def test_unpublished_never_enters_the_index(app, hidden):
    from kb.search.services import get_index

    owner, ids = hidden
    with app.app_context():
        indexed = set(get_index().versions())
        assert not indexed & {f"practice:{pid}" for pid in ids}
        published = db.session.scalars(select(Practice.id).where(Practice.status == "published")).all()
        assert indexed == {f"practice:{pid}" for pid in published}
