"""Read API: public collections (by id, by secret link), lists of practices and resolutions with pagination."""

from datetime import date

import pytest

from kb.extensions import db
from tests.conftest import bearer


@pytest.fixture
def shelf(app, make_user, make_practice):
    """Three collections of one teacher — public, by link, private — each holding a published practice and a draft."""
    from kb.accounts.models import User
    from kb.collections import services

    owner_id = make_user("teacher")
    with app.app_context():
        published = make_practice("Опубликованная практика", annotation="Аннотация опубликованной практики.")
        draft = make_practice("Черновик практики", status="draft", owner_id=owner_id)
        owner = db.session.get(User, owner_id)
        made = {}
        for visibility in ("public", "link", "private"):
            collection = services.create_collection(owner, f"Подборка ({visibility})", "Для курса ДПО", visibility)
            services.add_item(owner, collection, "practice", published)
            services.add_item(owner, collection, "practice", draft)
            collection.items[0].note = "Читать раздел «Технология»"
            collection.items[1].note = "Черновик коллеги, ещё не опубликован"
            made[visibility] = (collection.id, collection.share_token)
        db.session.commit()
    return owner_id, made, published, draft


def test_public_collections_are_listed_others_never(client, shelf):
    _owner, made, _published, _draft = shelf
    body = client.get("/api/v1/collections").get_json()
    assert body["total"] == 1
    assert [c["id"] for c in body["results"]] == [made["public"][0]]
    summary = body["results"][0]
    assert summary["visibility"] == "public"
    assert summary["items_count"] == 2
    assert summary["url"] == f"/collections/{made['public'][0]}"
    assert client.get("/api/v1/collections?q=ПОДБОРКА").get_json()["total"] == 1
    assert client.get("/api/v1/collections?q=нет такой").get_json()["total"] == 0


def test_public_collection_with_its_items(client, shelf):
    _owner, made, published, draft = shelf
    response = client.get(f"/api/v1/collections/{made['public'][0]}")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert items[0] == {"type": "practice", "id": published, "available": True, "title": "Опубликованная практика",
                        "excerpt": "Аннотация опубликованной практики.", "note": "Читать раздел «Технология»",
                        "url": f"/practices/{published}"}
    # a draft in a public collection stays hidden from readers: no title, no text, no note, no id, no link
    assert items[1] == {"type": None, "id": None, "available": False, "title": "Материал недоступен",
                        "excerpt": "", "note": "", "url": None}
    shared = client.get(f"/api/v1/collections/shared/{made['link'][1]}").get_json()["items"]
    assert shared[1] == items[1]


@pytest.mark.parametrize("visibility", ["link", "private"])
def test_link_shared_and_private_collections_are_404_by_id(client, shelf, visibility):
    _owner, made, _published, _draft = shelf
    response = client.get(f"/api/v1/collections/{made[visibility][0]}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_owner_sees_own_private_collection_with_the_draft(client, shelf, make_token):
    owner, made, _published, draft = shelf
    response = client.get(f"/api/v1/collections/{made['private'][0]}", headers=bearer(make_token(owner)))
    assert response.status_code == 200
    assert response.get_json()["items"][1]["title"] == "Черновик практики"
    assert response.get_json()["items"][1]["url"] == f"/practices/{draft}"
    assert response.get_json()["items"][1]["note"] == "Черновик коллеги, ещё не опубликован"
    assert response.get_json()["items"][1]["id"] == draft


def test_link_shared_collection_opens_by_its_secret_only(app, client, shelf):
    from kb.collections import services
    from kb.collections.models import Collection

    _owner, made, _published, _draft = shelf
    collection_id, token = made["link"]
    response = client.get(f"/api/v1/collections/shared/{token}")
    assert response.status_code == 200
    assert response.get_json()["id"] == collection_id
    assert response.get_json()["url"] == f"/collections/shared/{token}"
    assert client.get(f"/api/v1/collections/shared/{token}x").status_code == 404
    assert client.get(f"/api/v1/collections/shared/{made['private'][1]}").status_code == 404
    with app.app_context():
        services.renew_share_token(db.session.get(Collection, collection_id))
        db.session.commit()
    assert client.get(f"/api/v1/collections/shared/{token}").status_code == 404


def test_practices_list_has_only_published_with_total_and_links(app, client, make_practice):
    with app.app_context():
        published = [make_practice(f"Практика {n}") for n in range(5)]
        for status in ("draft", "submitted", "returned", "archived"):
            make_practice(f"Скрытая {status}", status=status)
    body = client.get("/api/v1/practices?per_page=2").get_json()
    assert body["total"] == 5
    assert body["per_page"] == 2
    assert body["links"]["last"] == "/api/v1/practices?per_page=2&page=3"
    assert body["links"]["prev"] is None
    seen = []
    url = "/api/v1/practices?per_page=2"
    while url:
        page = client.get(url).get_json()
        seen += [item["id"] for item in page["results"]]
        url = page["links"]["next"]
    assert sorted(seen) == sorted(published)
    first = client.get("/api/v1/practices?per_page=1").get_json()["results"][0]
    assert first["api_url"] == f"/api/v1/practices/{first['id']}"
    assert first["region"] == {"code": "RU-CHE", "label": "Челябинская область"}


def test_resolutions_list(app, client):
    from kb.resolutions.models import Resolution

    with app.app_context():
        for number, status in enumerate(("published", "published", "draft")):
            db.session.add(Resolution(title=f"Резолюция {number}", checksum=f"{number:064d}", status=status,
                                      date_start=date(2020 + number, 4, 17)))
        db.session.commit()
    body = client.get("/api/v1/resolutions").get_json()
    assert body["total"] == 2
    assert [r["title"] for r in body["results"]] == ["Резолюция 1", "Резолюция 0"]  # newest conference first
    assert body["results"][0]["date_start"] == "2021-04-17"
    assert body["results"][0]["recommendations_count"] == 0


@pytest.mark.parametrize("path", ["/api/v1/practices", "/api/v1/resolutions", "/api/v1/collections"])
def test_prev_past_the_last_page_is_the_last_page(app, client, make_practice, path):
    """A client stepping back by prev from page 99999 reached data only after some 100 000 empty pages."""
    with app.app_context():
        make_practice("Единственная практика")
    links = client.get(f"{path}?per_page=5&page=99999").get_json()["links"]
    assert links["last"] == f"{path}?per_page=5&page=1"
    assert links["prev"] == links["last"]
    assert links["next"] is None
    assert client.get(f"{path}?page=2").get_json()["links"]["prev"] == f"{path}?page=1"


def test_timestamps_are_utc_with_their_zone(app, client, shelf):
    """A naive "2026-12-06T16:07:57" is the reader's local time to JavaScript's Date, dateutil and fromisoformat."""
    from datetime import UTC, datetime

    from kb.collections.models import Collection
    from kb.practices.models import Practice

    _owner, made, published, _draft = shelf
    moment = datetime(2026, 3, 1, 9, 30)
    with app.app_context():
        practice = db.session.get(Practice, published)
        practice.published_at = practice.updated_at = moment
        db.session.get(Collection, made["public"][0]).updated_at = moment.replace(second=5)
        db.session.commit()
    listed = client.get("/api/v1/practices").get_json()["results"][0]
    detail = client.get(listed["api_url"]).get_json()
    collection = client.get(f"/api/v1/collections/{made['public'][0]}").get_json()
    values = [listed["published_at"], listed["updated_at"], detail["published_at"], detail["updated_at"]]
    assert values == ["2026-03-01T09:30:00.000000Z"] * 4
    assert collection["updated_at"] == "2026-03-01T09:30:05.000000Z"
    assert client.get("/api/v1/collections").get_json()["results"][0]["updated_at"] == collection["updated_at"]
    assert datetime.fromisoformat(values[0]) == moment.replace(tzinfo=UTC)
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, field in (("Practice", "published_at"), ("Practice", "updated_at"), ("PracticeSummary", "updated_at"),
                        ("CollectionSummary", "updated_at")):
        assert schemas[name]["properties"][field]["format"] == "date-time", (name, field)


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=0", "per_page=101", "page=100001",
                                   "page=%D9%A3", "per_page=-1"])
@pytest.mark.parametrize("path", ["/api/v1/practices", "/api/v1/resolutions", "/api/v1/collections"])
def test_bad_paging_is_400(client, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "целое число от 1 до" in response.get_json()["detail"]


def test_new_read_operations_are_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/practices", "/api/v1/resolutions", "/api/v1/collections",
                 "/api/v1/collections/{collection_id}", "/api/v1/collections/shared/{token}"):
        assert "get" in paths[path], path
    assert "post" in paths["/api/v1/practices"]  # the list shares its path with creating a practice
