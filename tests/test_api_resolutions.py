"""Read API of resolutions: when a resolution was published (`published_at`, as a practice's), and 410 Gone for a
resolution (or practice) deleted after it had been public, as their pages answer; a draft deleted unseen stays 404."""

import io
from datetime import datetime

import pytest
from sqlalchemy import update

from kb.extensions import db
from kb.resolutions.models import Resolution
from tests.conftest import bearer

RESOLUTION = """РЕЗОЛЮЦИЯ
областного семинара «Исследовательская деятельность младших школьников»

Дата проведения: 12 октября 2022 года
Место проведения: г. Челябинск

Участники семинара рекомендуют:
1. Образовательным организациям:
1.1. Развивать школьные научные общества.
1.2. Проводить конференции учащихся.
"""
UTC_MOMENT = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$"


def _import(app, publish: bool) -> tuple[int, list[int]]:
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        resolution = import_resolution_text(RESOLUTION, "seminar.txt", publish=publish).resolution
        db.session.commit()
        return resolution.id, [rec.id for rec in resolution.recommendations]


def _problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def test_a_resolution_says_when_it_was_published_in_the_list_and_alone(app, client):
    rid, _ = _import(app, publish=True)
    with app.app_context():
        db.session.execute(update(Resolution).where(Resolution.id == rid)
                           .values(published_at=datetime(2026, 12, 6, 16, 7, 57, 639037)))
        db.session.commit()
    detail = client.get(f"/api/v1/resolutions/{rid}").get_json()
    assert detail["published_at"] == "2026-12-06T16:07:57.639037Z"  # as a practice's: UTC, microseconds, «Z»
    [summary] = client.get("/api/v1/resolutions").get_json()["results"]
    assert summary["published_at"] == "2026-12-06T16:07:57.639037Z"


def test_the_list_gives_a_resolutions_municipalities_as_its_detail_does(app, client):
    """The list's summary had the regions but no municipalities, which the detail has: the same list, in the same
    shape (code, label, region), in both."""
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        rid = import_resolution_text(RESOLUTION.replace("Участники семинара", "Участники из Копейского городского "
                                                        "округа и Миасского городского округа"),
                                     "seminar-2.txt", publish=True).resolution.id
        db.session.commit()
    detail = client.get(f"/api/v1/resolutions/{rid}").get_json()
    assert {"code": "RU-CHE-kopeysky", "label": "Копейский городской округ", "region": "RU-CHE"} in (
        detail["municipalities"])
    assert {m["code"] for m in detail["municipalities"]} >= {"RU-CHE-kopeysky", "RU-CHE-miassky"}
    [summary] = client.get("/api/v1/resolutions").get_json()["results"]
    assert summary["municipalities"] == detail["municipalities"]
    assert set(summary["municipalities"][0]) == {"code", "label", "region"}


def test_a_draft_shown_to_its_moderator_and_a_published_import_say_when(app, make_user, make_token):
    import io
    import re

    client = app.test_client()
    methodist = bearer(make_token(make_user("methodist", scope_region="RU-CHE")))
    rid, _ = _import(app, publish=False)
    assert client.get(f"/api/v1/resolutions/{rid}", headers=methodist).get_json()["published_at"] is None
    body = client.patch(f"/api/v1/resolutions/{rid}", json={"status": "published"}, headers=methodist).get_json()
    assert re.match(UTC_MOMENT, body["published_at"])
    again = client.post("/api/v1/resolutions", data={"file": (io.BytesIO(RESOLUTION.encode()), "seminar.txt")},
                        headers=methodist, content_type="multipart/form-data")
    assert again.get_json()["published_at"] == body["published_at"]
    # taken back to a draft and published again, it keeps the first publication's time, as a practice does
    draft = client.patch(f"/api/v1/resolutions/{rid}", json={"status": "draft"}, headers=methodist).get_json()
    assert (draft["status"], draft["published_at"]) == ("draft", body["published_at"])
    assert client.get(f"/api/v1/resolutions/{rid}", headers=methodist).get_json()["published_at"] == \
        body["published_at"]


def test_the_document_gives_the_publication_time_of_resolutions(app, client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    practice = schemas["Practice"]["properties"]["published_at"]
    for name in ("Resolution", "ResolutionSummary", "ResolutionState", "ResolutionImport"):
        assert schemas[name]["properties"]["published_at"] == practice, name
        assert "published_at" in schemas[name]["required"], name
    assert practice["format"] == "date-time"


# --------------------------------------------------------------------------------------------------
# Deleted: 410 Gone as the pages, never a word of a draft


def test_a_deleted_published_resolution_is_gone_as_its_page_and_its_recommendations_are(app, client):
    from kb.resolutions.services import delete_resolution

    rid, recs = _import(app, publish=True)
    with app.app_context():
        delete_resolution(db.session.get(Resolution, rid))
        db.session.commit()
    body = _problem(client.get(f"/api/v1/resolutions/{rid}"), 410)
    assert body["status"] == 410 and body["title"] == "Материал удалён"
    assert "удалили" in body["detail"] and body["type"].endswith("/api#problem-410")
    assert client.get(f"/resolutions/{rid}").status_code == 410
    assert {client.get(f"/recommendations/{rec}").status_code for rec in recs} == {410}
    assert _problem(client.get(f"/api/v1/resolutions/{rid + 1}"), 404)["title"] == "Страница не найдена"


@pytest.mark.parametrize("reader", ["anonymous", "teacher", "methodist", "admin"])
def test_a_deleted_draft_never_published_stays_not_found(app, make_user, make_token, reader):
    """A draft leaves no tombstone: nobody learns from the API that it was there."""
    from kb.resolutions.services import delete_resolution

    headers = {} if reader == "anonymous" else bearer(make_token(
        make_user(reader, scope_region="RU-CHE" if reader == "methodist" else None)))
    rid, recs = _import(app, publish=False)
    client = app.test_client()
    assert client.get(f"/api/v1/resolutions/{rid}", headers=headers).status_code == (
        404 if reader in ("anonymous", "teacher") else 200)
    with app.app_context():
        delete_resolution(db.session.get(Resolution, rid))
        db.session.commit()
    _problem(client.get(f"/api/v1/resolutions/{rid}", headers=headers), 404)
    assert {client.get(f"/recommendations/{rec}").status_code for rec in recs} == {404}


def test_an_unpublished_resolution_is_not_found_and_gone_once_deleted(app, client, make_user, make_token):
    """Taken off publication it is a draft (404 to readers, shown to its moderators); deleted after it had been
    public, it is gone (410) for everyone."""
    from kb.resolutions.services import delete_resolution, unpublish_resolution

    admin = bearer(make_token(make_user("admin")))
    rid, _ = _import(app, publish=True)
    with app.app_context():
        unpublish_resolution(db.session.get(Resolution, rid))
        db.session.commit()
    _problem(client.get(f"/api/v1/resolutions/{rid}"), 404)
    assert client.get(f"/api/v1/resolutions/{rid}", headers=admin).status_code == 200
    with app.app_context():
        delete_resolution(db.session.get(Resolution, rid))
        db.session.commit()
    _problem(client.get(f"/api/v1/resolutions/{rid}"), 410)
    _problem(client.get(f"/api/v1/resolutions/{rid}", headers=admin), 410)


def test_a_deleted_published_practice_is_gone_in_the_api_as_on_its_page(app, client, make_practice, make_user,
                                                                          make_token):
    from kb.accounts.models import User
    from kb.practices.models import Practice
    from kb.practices.services import delete_practice

    owner = make_user("teacher")
    token = bearer(make_token(owner))
    admin = make_user("admin")
    with app.app_context():
        published = make_practice("Опубликованная практика")
        draft = make_practice("Черновик практики", status="draft", owner_id=owner)
        for pid in (published, draft):
            delete_practice(db.session.get(User, admin), db.session.get(Practice, pid))
        db.session.commit()
    assert client.get(f"/practices/{published}").status_code == 410
    assert _problem(client.get(f"/api/v1/practices/{published}"), 410)["title"] == "Материал удалён"
    _problem(client.get(f"/api/v1/practices/{draft}"), 404)
    _problem(client.get(f"/api/v1/practices/{draft}", headers=token), 404)


def test_the_document_names_410_where_the_api_answers_it(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in ("/api/v1/practices/{practice_id}", "/api/v1/resolutions/{resolution_id}"):
        assert "410" in paths[path]["get"]["responses"], path


# --------------------------------------------------------------------------------------------------
# Changes to a deleted item: 410 as its reading answers, 404 for a deleted draft


def _gone_or_missing(response, status: int) -> None:
    body = _problem(response, status)
    assert body["title"] == {410: "Материал удалён", 404: "Страница не найдена"}[status]


@pytest.mark.parametrize(("publish", "status"), [(True, 410), (False, 404)])
def test_changing_or_deleting_a_deleted_resolution_answers_as_reading_it(app, client, make_user, make_token,
                                                                         publish, status):
    from kb.resolutions.services import delete_resolution

    admin = bearer(make_token(make_user("admin")))
    methodist = bearer(make_token(make_user("methodist", scope_region="RU-CHE")))
    rid, _ = _import(app, publish=publish)
    with app.app_context():
        delete_resolution(db.session.get(Resolution, rid))
        db.session.commit()
    _gone_or_missing(client.get(f"/api/v1/resolutions/{rid}", headers=admin), status)
    for headers in (admin, methodist):
        _gone_or_missing(client.patch(f"/api/v1/resolutions/{rid}", json={"status": "published"}, headers=headers),
                         status)
        _gone_or_missing(client.delete(f"/api/v1/resolutions/{rid}", headers=headers), status)
    # who may not change resolutions at all is told so, as before; without a token, 401
    teacher = bearer(make_token(make_user("teacher")))
    assert client.delete(f"/api/v1/resolutions/{rid}", headers=teacher).status_code == 403
    assert client.delete(f"/api/v1/resolutions/{rid}").status_code == 401


@pytest.mark.parametrize(("status", "answer"), [("published", 410), ("draft", 404)])
def test_changing_a_deleted_practice_answers_as_reading_it(app, client, make_practice, make_user, make_token,
                                                           status, answer):
    """PATCH, a transition and a file for a practice deleted after it had been public: 410 «Материал удалён», as
    its GET; a draft deleted unseen stays 404 for everyone, its author too."""
    from kb.accounts.models import User
    from kb.practices.models import Practice
    from kb.practices.services import delete_practice

    owner = make_user("teacher")
    admin = make_user("admin")
    readers = [bearer(make_token(owner)), bearer(make_token(admin)),
               bearer(make_token(make_user("methodist", scope_region="RU-CHE")))]
    with app.app_context():
        pid = make_practice("Практика, которую удалят", status=status, owner_id=owner)
        delete_practice(db.session.get(User, admin), db.session.get(Practice, pid))
        db.session.commit()
    for headers in readers:
        _gone_or_missing(client.get(f"/api/v1/practices/{pid}", headers=headers), answer)
        _gone_or_missing(client.patch(f"/api/v1/practices/{pid}", json={"year": 2021}, headers=headers), answer)
        _gone_or_missing(client.post(f"/api/v1/practices/{pid}/transitions", json={"action": "submit"},
                                     headers=headers), answer)
        upload = client.post(f"/api/v1/practices/{pid}/attachments", headers=headers,
                             data={"file": (io.BytesIO("Отчёт о работе".encode()), "report.txt")},
                             content_type="multipart/form-data")
        _gone_or_missing(upload, answer)
    assert client.patch(f"/api/v1/practices/{pid}", json={"year": 2021}).status_code == 401


def test_the_document_names_410_for_changes_too(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/practices/{practice_id}", "patch"),
                         ("/api/v1/practices/{practice_id}/transitions", "post"),
                         ("/api/v1/practices/{practice_id}/attachments", "post"),
                         ("/api/v1/resolutions/{resolution_id}", "patch"),
                         ("/api/v1/resolutions/{resolution_id}", "delete")):
        assert "410" in paths[path][method]["responses"], (path, method)
