"""Read API of resolutions: when a resolution was published (`published_at`, as a practice's)."""

from datetime import datetime

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
