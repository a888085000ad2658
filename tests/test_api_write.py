"""Write endpoints of the API: the pages' role matrix and validation, answered as problem details."""

import io
import json
import re
import unicodedata
import zipfile

import pytest
from sqlalchemy import func, select

from kb.accounts.models import AuditEvent
from kb.api.payloads import LONE_SURROGATE
from kb.extensions import db
from kb.practices.models import Practice, PracticeTransition, PracticeVersion
from kb.resolutions.models import Resolution
from tests.conftest import bearer
from tests.test_workflow import ACTORS, RESULT, TRANSITIONS

FULL = {
    "title": "Школьное научное общество в начальной школе",
    "sections": {"annotation": "Как организовать ШНО.", "technology": "Этапы работы."},
    "authors": [{"name": "Иванова Анна Петровна", "position": "учитель, руководитель ШНО"},
                {"name": "Петров Пётр"}],
    "organisation": "МАОУ «Лицей № 1»",
    "region": "RU-CHE",
    "municipality": None,
    "levels": ["primary"],
    "subjects": ["mathematics"],
    "topics": ["research_projects"],
    "year": 2023,
    "event": "Региональная конференция",
    "spread_level": None,
}


@pytest.fixture
def people(app, make_user, make_token, make_practice):
    """Tokens of every kind of user and a factory of practices in RU-CHE owned by the teacher."""
    users = {
        "owner": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "methodist_in": make_user("methodist", scope_region="RU-CHE"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
        "methodist_org": make_user("methodist", region=None, scope_region="RU-CHE",
                                   scope_organisation="МАОУ «Лицей № 1»"),
        "admin": make_user("admin", region=None),
    }
    headers = {actor: bearer(make_token(user_id)) for actor, user_id in users.items()}
    headers["anonymous"] = {}

    def practice(status: str) -> int:
        with app.app_context():
            return make_practice(f"Практика в статусе {status}", status=status, owner_id=users["owner"],
                                 organisation="маоу «лицей № 1»")

    return users, headers, practice


def _practice(app, pid: int) -> Practice:
    with app.app_context():
        found = db.session.get(Practice, pid)
        db.session.expunge(found)
        return found


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["type"].endswith(f"/api#problem-{status}")
    assert any("а" <= ch <= "я" for ch in body["title"].lower() + body["detail"].lower())
    return body


def test_create_practice_makes_a_draft_of_the_token_owner(app, people, make_user):
    users, headers, _ = people
    client = app.test_client()
    with app.app_context():
        from kb.vocabularies.models import Municipality

        municipality = db.session.scalar(select(Municipality).where(Municipality.region_code == "RU-CHE"))
        code = municipality.code
    response = client.post("/api/v1/practices", json={**FULL, "municipality": code}, headers=headers["owner"])
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/practices/{body['id']}")
    assert body["status"] == "draft"
    assert body["authors"] == [{"name": "Иванова Анна Петровна", "position": "учитель, руководитель ШНО"},
                               {"name": "Петров Пётр", "position": ""}]
    assert body["municipality"]["code"] == code
    assert body["sections"]["technology"] == "Этапы работы."
    assert [x["code"] for x in body["levels"]] == ["primary"]
    saved = _practice(app, body["id"])
    assert saved.owner_id == users["owner"]
    # A draft stays out of public reads and search.
    assert client.get(f"/api/v1/practices/{body['id']}").status_code == 404
    assert client.get("/api/v1/search?q=научное общество").get_json()["total"] == 0


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"title": "ШНО"}, "title", "от 5 до 500"),
    ({"title": "Ш\u200bН\u200bО"}, "title", "невидимые знаки"),
    ({"title": "А\u200b\u200b\u200b\u200bБ"}, "title", "от 5 до 500"),
    ({"title": "\u00adШ\u00adН\u00adО\u00ad"}, "title", "от 5 до 500"),
    ({"title": None}, "title", "null"),
    ({"title": 5}, "title", "Ожидается строка"),
    ({"levels": ["no-such-level"]}, "levels", "Недопустимое значение: 'no-such-level'"),
    ({"region": "RU-XXX"}, "region", "Неверный вариант"),
    ({"municipality": "no-such-municipality"}, "municipality", "Неизвестный код"),
    ({"year": 1900}, "year", "от 1990"),
    ({"year": "2020"}, "year", "целое число"),
    ({"sections": {"annotation": "х" * 20_001}}, "sections.annotation", "20000"),
    ({"sections": {"secret": "x"}}, "sections.secret", "Неизвестный раздел"),
    ({"authors": [{"name": f"Автор {i}"} for i in range(11)]}, "authors", "Не больше 10"),
    ({"authors": [{"position": "учитель"}]}, "authors.0.name", "Обязательное поле"),
    ({"owner_id": 1}, "owner_id", "Неизвестное поле"),
])
def test_create_validates_like_the_form(app, people, change, field, message):
    _, headers, _ = people
    response = app.test_client().post("/api/v1/practices", json={**FULL, **change}, headers=headers["owner"])
    body = _assert_problem(response, 422)
    assert field in body["errors"], body
    assert message in " ".join(body["errors"][field])
    assert _count(app, Practice) == 0


def test_municipality_must_belong_to_the_region(app, people):
    _, headers, _ = people
    with app.app_context():
        from kb.vocabularies.models import Municipality

        code = db.session.scalar(select(Municipality.code).where(Municipality.region_code == "RU-CHE"))
    response = app.test_client().post("/api/v1/practices", json={**FULL, "region": "RU-SMO", "municipality": code},
                                      headers=headers["owner"])
    assert "не относится к выбранному региону" in _assert_problem(response, 422)["errors"]["municipality"][0]


@pytest.mark.parametrize(("kwargs", "status"), [
    ({"data": "title=x", "content_type": "application/x-www-form-urlencoded"}, 415),
    ({"data": "{not json", "content_type": "application/json"}, 400),
    ({"json": ["a list"]}, 400),
    ({"data": '{"a":' * 100_000, "content_type": "application/json"}, 400),  # deeper than the parser goes
    ({"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"}, 400),
])
def test_body_must_be_a_json_object(app, people, kwargs, status):
    _, headers, _ = people
    _assert_problem(app.test_client().post("/api/v1/practices", headers=headers["owner"], **kwargs), status)
    assert _count(app, Practice) == 0


def test_a_lone_surrogate_in_any_string_is_a_422_naming_the_field(app, people):
    """JSON's escapes can spell "\\ud800" alone, which is no character: the database refused it with a 500."""
    _, headers, practice = people
    client = app.test_client()

    def send(method: str, url: str, raw: str):
        return client.open(url, method=method, data=raw, content_type="application/json", headers=headers["owner"])

    body = (FULL | {"title": "Практика \ud800", "authors": [{"name": "\ud83d", "position": "учитель"}]})
    raw = json.dumps(body, ensure_ascii=True)  # the escapes as a client sends them
    assert "\\ud800" in raw
    created = _assert_problem(send("POST", "/api/v1/practices?confirm_duplicates=true", raw), 422)
    assert set(created["errors"]) == {"title", "authors.0.name"}
    assert "одиночный суррогат" in created["errors"]["title"][0]
    assert _count(app, Practice) == 0

    pid = practice("draft")
    patched = _assert_problem(send("PATCH", f"/api/v1/practices/{pid}", '{"sections": {"annotation": "\\udfff"}}'),
                              422)
    assert set(patched["errors"]) == {"sections.annotation"}
    odd_key = _assert_problem(send("PATCH", f"/api/v1/practices/{pid}", '{"\\udc00": 1}'), 422)
    assert list(odd_key["errors"]) == ["\\udc00"]
    assert _practice(app, pid).title == "Практика в статусе draft"
    moved = send("POST", f"/api/v1/practices/{pid}/transitions", '{"action": "submit", "comment": "\\ud800"}')
    assert _assert_problem(moved, 422)["errors"] == {"comment": [LONE_SURROGATE]}
    assert _practice(app, pid).status == "draft"
    # a pair is one character (an emoji), which is fine
    fine = send("PATCH", f"/api/v1/practices/{pid}", '{"title": "Практика \\ud83d\\ude00 с улыбкой"}')
    assert fine.status_code == 200, fine.get_json()
    assert _practice(app, pid).title == "Практика \U0001F600 с улыбкой"


def test_control_characters_are_left_out_of_what_is_stored(app, people):
    """The practice form (the pages' and the API's) keeps tab and line breaks and drops the other C0 controls,
    which XML exports (DOCX, OAI-PMH) cannot carry."""
    _, headers, _ = people
    body = FULL | {"title": "Практика\x0b с вертикальной табуляцией\x00",
                   "sections": {"annotation": "Строка 1\nСтрока 2\tс табуляцией\x1b[31m"},
                   "authors": [{"name": "Иванова\x07 Анна", "position": "учитель"}]}
    response = app.test_client().post("/api/v1/practices?confirm_duplicates=true", json=body,
                                      headers=headers["owner"])
    assert response.status_code == 201, response.get_json()
    stored = _practice(app, response.get_json()["id"])
    assert stored.title == "Практика с вертикальной табуляцией"
    assert stored.annotation == "Строка 1\nСтрока 2\tс табуляцией[31m"
    assert response.get_json()["authors"][0]["name"] == "Иванова Анна"


EDITORS = {  # status -> who may PATCH (the rest: 404 if they cannot see it, else 403)
    "draft": {"owner", "methodist_in", "methodist_org", "admin"},
    "returned": {"owner", "methodist_in", "methodist_org", "admin"},
    "submitted": {"methodist_in", "methodist_org", "admin"},
    "published": {"methodist_in", "methodist_org", "admin"},
    "archived": set(),
}
SEE_UNPUBLISHED = {"owner", "methodist_in", "methodist_org", "admin"}


@pytest.mark.parametrize("status", list(EDITORS))
@pytest.mark.parametrize("actor", ACTORS)
def test_patch_matrix(app, people, status, actor):
    _, headers, practice = people
    pid = practice(status)
    response = app.test_client().patch(f"/api/v1/practices/{pid}", json={"year": 2024}, headers=headers[actor])
    if actor == "anonymous":
        expected = 401
    elif actor in EDITORS[status]:
        expected = 200
    elif status == "published" or actor in SEE_UNPUBLISHED:
        expected = 403
    else:
        expected = 404
    assert response.status_code == expected
    assert _practice(app, pid).year == (2024 if expected == 200 else 2020)


def test_patch_changes_only_given_fields_and_keeps_a_version(app, people):
    _, headers, practice = people
    pid = practice("draft")
    client = app.test_client()
    response = client.patch(f"/api/v1/practices/{pid}", json={"title": "Новое название практики",
                                                              "sections": {"results": "Итоги."}},
                            headers=headers["owner"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["title"] == "Новое название практики"
    assert body["sections"]["results"] == "Итоги."
    assert body["sections"]["annotation"] == "Описание практики для проверки поиска."  # untouched
    assert [x["code"] for x in body["topics"]] == ["research_projects"]
    assert _count(app, PracticeVersion) == 1
    # The same content again is no new version.
    client.patch(f"/api/v1/practices/{pid}", json={"title": "Новое название практики"}, headers=headers["owner"])
    assert _count(app, PracticeVersion) == 1


def test_a_patch_of_nothing_new_keeps_the_version_and_the_etag(app, people):
    """With several levels, read back in the vocabulary's order, every PATCH (even «{}») looked like a change: a
    new empty version in the history, a new time and a new ETag."""
    _, headers, practice = people
    pid = practice("draft")
    client = app.test_client()
    first = client.patch(f"/api/v1/practices/{pid}", json={
        "levels": ["secondary", "professional_development", "basic", "primary"],
        "topics": ["research_projects", "olympiads", "school_science_society"]}, headers=headers["owner"])
    assert first.status_code == 200 and _count(app, PracticeVersion) == 1
    etag = client.get(f"/api/v1/practices/{pid}", headers=headers["owner"]).headers["ETag"]
    for body in ({}, {"levels": ["primary", "basic", "secondary", "professional_development"]}):
        again = client.patch(f"/api/v1/practices/{pid}", json=body, headers={**headers["owner"], "If-Match": etag})
        assert again.status_code == 200 and again.headers["ETag"] == etag
    assert _count(app, PracticeVersion) == 1


def test_patch_validation_error_changes_nothing(app, people):
    _, headers, practice = people
    pid = practice("draft")
    response = app.test_client().patch(f"/api/v1/practices/{pid}", json={"title": "x", "year": 2021},
                                       headers=headers["owner"])
    _assert_problem(response, 422)
    assert (_practice(app, pid).title, _practice(app, pid).year) == ("Практика в статусе draft", 2020)


@pytest.mark.parametrize(("action", "start", "allowed"), TRANSITIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_transition_matrix(app, people, action, start, allowed, actor):
    users, headers, practice = people
    pid = practice(start)
    response = app.test_client().post(f"/api/v1/practices/{pid}/transitions",
                                      json={"action": action, "comment": "Добавьте результаты"}, headers=headers[actor])
    if actor in allowed:
        assert response.status_code == 200
        assert response.get_json()["status"] == RESULT[action]
        with app.app_context():
            step = db.session.scalar(select(PracticeTransition).where(PracticeTransition.practice_id == pid))
            assert (step.from_status, step.to_status, step.actor_id) == (start, RESULT[action], users[actor])
            assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "status_changed")) is not None
    else:
        if actor == "anonymous":
            expected = 401
        elif start == "published" or actor in SEE_UNPUBLISHED:
            expected = 403
        else:
            expected = 404
        _assert_problem(response, expected)
        assert _practice(app, pid).status == start


def test_wrong_status_is_409_and_bad_actions_422(app, people):
    _, headers, practice = people
    pid = practice("draft")
    client = app.test_client()
    url = f"/api/v1/practices/{pid}/transitions"
    conflict = _assert_problem(client.post(url, json={"action": "publish"}, headers=headers["admin"]), 409)
    assert "текущем статусе" in conflict["detail"]
    unknown = _assert_problem(client.post(url, json={"action": "explode"}, headers=headers["admin"]), 422)
    assert "Допустимые действия" in unknown["errors"]["action"][0]
    assert "action" in _assert_problem(client.post(url, json={}, headers=headers["owner"]), 422)["errors"]
    assert _practice(app, pid).status == "draft"


def test_return_needs_a_comment(app, people):
    _, headers, practice = people
    pid = practice("submitted")
    url = f"/api/v1/practices/{pid}/transitions"
    body = _assert_problem(app.test_client().post(url, json={"action": "return", "comment": " "},
                                                  headers=headers["methodist_in"]), 422)
    assert "Напишите автору" in body["errors"]["comment"][0]
    assert _practice(app, pid).status == "submitted"


def test_publish_through_the_api_reaches_search(app, people):
    _, headers, _ = people
    client = app.test_client()
    pid = client.post("/api/v1/practices", json=FULL, headers=headers["owner"]).get_json()["id"]
    url = f"/api/v1/practices/{pid}/transitions"
    assert client.post(url, json={"action": "submit"}, headers=headers["owner"]).status_code == 200
    assert client.post(url, json={"action": "publish"}, headers=headers["methodist_in"]).status_code == 200
    assert client.get(f"/api/v1/practices/{pid}").get_json()["status"] == "published"
    found = client.get("/api/v1/search?q=научное общество").get_json()
    assert [r["id"] for r in found["results"]] == [pid]


def test_decomposed_text_is_stored_in_nfc(app, people):
    """«й» sent as «и» and a combining breve, «ё» as «е» and a diaeresis (macOS, a PDF's copy) was stored so: no
    search found the practice, its title came back decomposed, and the same title in NFC was no duplicate."""
    _, headers, _ = people
    client = app.test_client()
    nfd = unicodedata.normalize
    title = "Бийский опыт: одарённые дети в сельской школе"
    body = FULL | {"title": nfd("NFD", title), "organisation": nfd("NFD", "МАОУ «Лицей № 1» г. Бийска"),
                   "sections": {"annotation": nfd("NFD", "Бийский педагогический опыт: наставничество.")},
                   "authors": [{"name": nfd("NFD", "Йоргенсен Алёна"), "position": nfd("NFD", "учитель-логопед")}]}
    created = client.post("/api/v1/practices", json=body, headers=headers["owner"])
    assert created.status_code == 201, created.get_json()
    pid = created.get_json()["id"]
    stored = _practice(app, pid)
    assert (stored.title, stored.organisation, stored.annotation) == (
        title, "МАОУ «Лицей № 1» г. Бийска", "Бийский педагогический опыт: наставничество.")
    assert created.get_json()["authors"] == [{"name": "Йоргенсен Алёна", "position": "учитель-логопед"}]
    patched = client.patch(f"/api/v1/practices/{pid}", json={"event": nfd("NFD", "Районный семинар")},
                           headers=headers["owner"])
    assert patched.get_json()["event"] == "Районный семинар"
    url = f"/api/v1/practices/{pid}/transitions"
    assert client.post(url, json={"action": "submit"}, headers=headers["owner"]).status_code == 200
    returned = client.post(url, json={"action": "return", "comment": nfd("NFD", "Уточните этапы работы")},
                           headers=headers["methodist_in"])
    assert returned.status_code == 200
    with app.app_context():
        assert db.session.scalars(select(PracticeTransition.comment).where(
            PracticeTransition.practice_id == pid, PracticeTransition.comment != "")).all() == ["Уточните этапы работы"]
    same = client.post("/api/v1/practices", json=FULL | {"title": title}, headers=headers["admin"])
    assert same.status_code == 409
    assert [d["id"] for d in same.get_json()["duplicates"]] == [pid]
    assert client.post(url, json={"action": "submit"}, headers=headers["owner"]).status_code == 200
    assert client.post(url, json={"action": "publish"}, headers=headers["methodist_in"]).status_code == 200
    assert [r["id"] for r in client.get("/api/v1/search?q=бийский").get_json()["results"]] == [pid]


def test_a_decomposed_resolution_file_is_read_in_nfc(app, people):
    _, headers, _ = people
    content = unicodedata.normalize("NFD", RESOLUTION.replace("Одарённые дети", "Одарённые дети края")).encode()
    response = _upload(app.test_client(), headers["methodist_in"], content)
    assert response.status_code == 201
    body = response.get_json()
    assert "«Одарённые дети края: опыт и перспективы»" in body["title"]
    assert all(unicodedata.is_normalized("NFC", r["text"]) for r in body["recommendations"])


@pytest.mark.parametrize("actor", ACTORS)
def test_get_draft_matrix(app, people, actor):
    _, headers, practice = people
    pid = practice("draft")
    response = app.test_client().get(f"/api/v1/practices/{pid}", headers=headers[actor])
    assert response.status_code == (200 if actor in SEE_UNPUBLISHED else 404)
    if response.status_code == 404:
        assert "Практика в статусе" not in response.get_data(as_text=True)


def test_huge_ids_are_404_not_500(app, people):
    _, headers, _ = people
    client = app.test_client()
    huge = 10**30
    assert client.get(f"/api/v1/practices/{huge}").status_code == 404
    assert client.get(f"/api/v1/resolutions/{huge}").status_code == 404
    assert client.patch(f"/api/v1/practices/{huge}", json={}, headers=headers["admin"]).status_code == 404


RESOLUTION = """РЕЗОЛЮЦИЯ
Всероссийской научно-практической конференции
«Одарённые дети: опыт и перспективы»

Дата проведения: 24.03.2023
Место проведения: г. Челябинск

Участники конференции рекомендовали:
1) Образовательным организациям:
- развивать школьные научные общества;
- проводить конференции учащихся.
"""


def _docx_bomb() -> bytes:
    """A Word file with 30 MB of empty paragraphs in 80 KB: honest about its size, refused for its ratio."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:p/>" * 5_000_000)
    return out.getvalue()


def _upload(client, headers, content: bytes | None = None, name="резолюция.txt", query=""):
    content = RESOLUTION.encode() if content is None else content
    response = client.post(f"/api/v1/resolutions{query}", data={"file": (io.BytesIO(content), name)},
                           headers=headers, content_type="multipart/form-data")
    # werkzeug's test client closes a body it kept in a temporary file (over 500 KB) only when it followed redirects
    response.request.input_stream.close()
    return response


@pytest.mark.parametrize(("actor", "expected"), [
    ("anonymous", 401), ("owner", 403), ("other_teacher", 403), ("methodist_in", 201), ("methodist_out", 201),
    ("methodist_org", 201), ("admin", 201),
])
def test_resolution_import_is_for_moderators(app, people, actor, expected):
    _, headers, _ = people
    response = _upload(app.test_client(), headers[actor])
    assert response.status_code == expected
    assert _count(app, Resolution) == (1 if expected == 201 else 0)


def test_resolution_import_draft_publish_and_duplicate(app, people):
    _, headers, _ = people
    client = app.test_client()
    first = _upload(client, headers["methodist_in"])
    body = first.get_json()
    assert (first.status_code, body["status"], body["created"]) == (201, "draft", True)
    assert body["recommendations"] and body["recommendations"][0]["text"]
    assert client.get(f"/api/v1/resolutions/{body['id']}").status_code == 404  # a draft is not public
    # 201 names the new resource; the methodist who loaded the draft reads it there with the token
    assert first.headers["Location"] == f"/api/v1/resolutions/{body['id']}"
    read = client.get(first.headers["Location"], headers=headers["methodist_in"])
    assert (read.status_code, read.get_json()["title"]) == (200, body["title"])
    assert client.get(first.headers["Location"], headers=headers["owner"]).status_code == 404
    again = _upload(client, headers["admin"], query="?publish=true")
    assert (again.status_code, again.get_json()["created"], again.get_json()["status"]) == (200, False, "published")
    assert "Location" not in again.headers  # nothing new was created
    assert _count(app, Resolution) == 1
    assert client.get(f"/api/v1/resolutions/{body['id']}").status_code == 200


def test_a_resolution_is_changed_by_admins_its_importer_and_methodists_of_its_regions_only(app, people, make_user,
                                                                                          make_token):
    """Any methodist could unpublish and delete every resolution, one of another region too, and one who moderates
    nothing could as well. The resolution (RU-CHE) loaded by a Smolensk methodist: he and a Chelyabinsk methodist
    manage it, another Smolensk methodist and one without a scope get 403 with a message."""
    users, headers, _ = people
    client = app.test_client()
    unscoped = bearer(make_token(make_user("methodist")))
    other_smolensk = bearer(make_token(make_user("methodist", region="RU-SMO", scope_region="RU-SMO")))
    assert "методисты с заданной зоной" in _assert_problem(_upload(client, unscoped), 403)["detail"]
    rid = _upload(client, headers["methodist_out"]).get_json()["id"]
    url = f"/api/v1/resolutions/{rid}"
    for stranger in (other_smolensk, unscoped):
        for response in (client.patch(url, json={"status": "published"}, headers=stranger),
                         client.delete(url, headers=stranger)):
            body = _assert_problem(response, 403)
            assert "Эту резолюцию изменяют и удаляют администраторы" in body["detail"]
    again = _upload(client, other_smolensk, query="?publish=true")  # the same text: not published by him
    assert (again.status_code, again.get_json()["created"], again.get_json()["status"]) == (200, False, "draft")
    assert client.patch(url, json={"status": "published"}, headers=headers["methodist_out"]).status_code == 200
    assert client.patch(url, json={"status": "draft"}, headers=headers["methodist_in"]).status_code == 200
    assert client.delete(url, headers=headers["admin"]).status_code == 204


LONG_ORGANISER = "Министерство образования и науки Челябинской области совместно с " + ", ".join(
    f"муниципальным бюджетным общеобразовательным учреждением «Средняя общеобразовательная школа № {i}»"
    for i in range(1, 8))


def test_resolution_fields_longer_than_their_columns_are_cut_at_a_word_with_a_warning(app, people):
    """A file's «Организатор:» of 742 characters or «Участники:» of 335 was a 500 on PostgreSQL (varchar(500),
    varchar(200); SQLite stored them whole): the API and `import-resolution` skip the preview's form."""
    _, headers, _ = people
    participants = "педагоги, методисты, руководители общеобразовательных организаций, " * 5
    text = RESOLUTION.replace("Участники конференции рекомендовали:",
                              f"Организатор: {LONG_ORGANISER}\nУчастники: {participants}\n\n"
                              "Участники конференции рекомендовали:")
    response = _upload(app.test_client(), headers["methodist_in"], text.encode())
    body = response.get_json()
    assert response.status_code == 201, body
    assert any(w.startswith("Организатор: в файле 742 символа, сохранены первые 500") for w in body["warnings"])
    assert any(w.startswith("Участники: в файле") for w in body["warnings"]), body["warnings"]
    with app.app_context():
        resolution = db.session.get(Resolution, body["id"])
        organiser, participants_text = resolution.organiser, resolution.participants_text
    assert len(organiser) <= 500 and organiser.endswith("…") and LONG_ORGANISER.startswith(organiser[:-1])
    assert LONG_ORGANISER[len(organiser) - 1] == " ", "cut after a whole word"
    assert len(participants_text) <= 200 and participants_text.endswith("…")
    assert _upload(app.test_client(), headers["methodist_in"]).get_json()["warnings"] == []


def test_the_same_resolution_sent_twice_at_once_is_already_loaded_for_the_second(app, people, monkeypatch):
    """Two uploads of one text at once: both looked for it before either was saved, and the second's insert met
    uq_resolution_checksum (a 500 on PostgreSQL). The second is now answered as a repeat: 200, created false."""
    import kb.resolutions.services as services

    _, headers, _ = people
    client = app.test_client()
    first = _upload(client, headers["methodist_in"]).get_json()
    looked = []
    real = services.find_imported
    # the twin's look-up: made before the first request saved the resolution
    monkeypatch.setattr(services, "find_imported", lambda text: real(text) if looked else looked.append(1))
    again = _upload(client, headers["admin"], query="?publish=true")
    assert (again.status_code, again.get_json()["created"], again.get_json()["id"]) == (200, False, first["id"])
    assert again.get_json()["status"] == "published"
    assert _count(app, Resolution) == 1


def test_an_imported_resolution_keeps_no_control_characters(app, people):
    """A NUL in the text or the file name was stored as it was (SQLite) or a 500 (PostgreSQL). A NUL byte in a
    .txt is no text at all, as on the page's import (422); other control characters are left out."""
    _, headers, _ = people
    client = app.test_client()
    with_nul = RESOLUTION.replace("РЕЗОЛЮЦИЯ", "РЕЗОЛЮЦИЯ\x00").encode()
    assert "не текстовый: в нём двоичные данные" in _assert_problem(
        _upload(client, headers["methodist_in"], with_nul), 422)["detail"]
    content = RESOLUTION.replace("РЕЗОЛЮЦИЯ", "РЕЗОЛЮЦИЯ\x0b").encode()
    response = _upload(client, headers["methodist_in"], content, name="резолюция\x00.txt")
    assert response.status_code == 201
    with app.app_context():
        resolution = db.session.scalars(select(Resolution)).one()
        stored = [resolution.title, resolution.conference_name, resolution.full_text, resolution.source_name,
                  *(r.text for r in resolution.recommendations)]
    assert not any(re.search("[\x00\x0b]", value or "") for value in stored)
    assert resolution.source_name == "резолюция.txt" and resolution.recommendations


@pytest.mark.parametrize(("kwargs", "status", "text"), [
    ({"name": "резолюция.xls"}, 415, "поддерживаются .txt, .md, .docx, .odt, .fodt, .rtf, .pdf, .doc"),
    ({"name": "резолюция.pdf"}, 422, "не соответствует содержимому"),
    ({"content": b"   \n"}, 422, "пуст"),
    ({"content": b"not a zip", "name": "r.docx"}, 422, ""),
    ({"query": "?publish=maybe"}, 400, "publish"),
    ({"content": "bomb", "name": "r.docx"}, 422, "похоже на архив-бомбу"),  # 85 s and 1.3 GB of memory before
])
def test_resolution_import_bad_files(app, people, kwargs, status, text):
    _, headers, _ = people
    if kwargs.get("content") == "bomb":
        kwargs["content"] = _docx_bomb()
    body = _assert_problem(_upload(app.test_client(), headers["admin"], **kwargs), status)
    assert text in body["detail"]
    assert _count(app, Resolution) == 0


def _docx_of(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", f"<w:document>{text}</w:document>")
    return out.getvalue()


@pytest.mark.parametrize(("content", "text"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 12,
     "Неподдерживаемый тип файла: изображение (PNG). Резолюция принимается в форматах .txt, .md, .docx, .odt, .fodt, "
     ".rtf, .pdf, .doc."),
    (_docx_of(RESOLUTION * 5), "Расширение «.txt» не соответствует содержимому файла (DOCX)"),
])
def test_resolution_import_checks_the_content_as_the_web_import_does(app, people, content, text):
    """A PNG or a DOCX named .txt was read as text and saved (and published) as a resolution of mojibake, where
    the page's import refuses it: the API skipped the check of the content's kind."""
    from kb.resolutions.parser import ResolutionFormatError
    from kb.resolutions.staging import stage_upload

    _, headers, _ = people
    body = _assert_problem(_upload(app.test_client(), headers["admin"], content, query="?publish=true"), 422)
    assert text in body["detail"] and body["errors"]["file"] == [body["detail"]]
    assert "PPTX" not in body["detail"]  # the formats of a practice's files, which a resolution cannot have
    assert _count(app, Resolution) == 0
    with app.app_context(), pytest.raises(ResolutionFormatError) as web:
        stage_upload("резолюция.txt", content, 1)
    assert str(web.value) == body["detail"]


@pytest.mark.parametrize(("content", "text"), [
    (b"   \n", "Файл пуст: в «итоги_конференции.txt» нет текста."),
    (("Резолюция. " * 300_000).encode(), "Текст в «итоги_конференции.txt» слишком длинный для резолюции"),
])
def test_resolution_import_messages_name_the_users_file(app, people, content, text):
    """Messages about the text blamed «upload.txt», the name of the API's temporary copy."""
    _, headers, _ = people
    body = _assert_problem(_upload(app.test_client(), headers["admin"], content, name="итоги_конференции.txt"), 422)
    assert text in body["detail"] and "upload" not in body["detail"]


def test_resolution_import_keeps_the_cleaned_file_name(app, people):
    """The name is cleaned as the web import cleans it: a right-to-left override («резолюция\u202etxt.exe»
    shown as «резолюцияexe.txt») and a folder no longer reach the stored source name."""
    _, headers, _ = people
    response = _upload(app.test_client(), headers["admin"], name="папка/резолюция\u202e2023.txt")
    assert response.status_code == 201
    with app.app_context():
        assert db.session.scalars(select(Resolution.source_name)).one() == "резолюция2023.txt"


def test_resolution_import_of_more_recommendations_than_a_resolution_has_is_422(app, people):
    """301 recommendations were saved through the API while the web import could not show them (a 500)."""
    _, headers, _ = people
    content = RESOLUTION.split("рекомендовали")[0] + "рекомендовали:\n" + "".join(
        f"{n}) Общеобразовательным организациям:\n– провести семинар номер {n};\n" for n in range(1, 302))
    body = _assert_problem(_upload(app.test_client(), headers["admin"], content.encode()), 422)
    assert "рекомендаций: 301, а в одной резолюции их может быть не больше 300" in body["detail"]
    assert _count(app, Resolution) == 0


def test_resolution_import_without_file_is_422(app, people):
    _, headers, _ = people
    response = app.test_client().post("/api/v1/resolutions", data={}, headers=headers["admin"],
                                      content_type="multipart/form-data")
    assert "file" in _assert_problem(response, 422)["errors"]


def test_too_large_upload_is_413(app, people):
    _, headers, _ = people
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = _upload(app.test_client(), headers["admin"], content=b"x" * 2000)
    _assert_problem(response, 413)


def test_the_document_gives_the_practice_limits_the_server_checks(app, people):
    """The limits of a title and a year were prose only («От 5 до 500 символов»), and a body valid by the document
    (a title of four letters, the year 1) was refused. They are in the schema now, and each bound is the form's:
    the value at it is taken, one past it refused."""
    from kb.practices.rules import last_year

    _, headers, _ = people
    client = app.test_client()
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("PracticeInput", "PracticePatch"):
        properties = schemas[name]["properties"]
        assert (properties["title"]["minLength"], properties["title"]["maxLength"]) == (5, 500)
        assert (properties["year"]["minimum"], properties["year"]["maximum"]) == (1990, last_year())
        assert properties["organisation"]["maxLength"] == properties["event"]["maxLength"] == 500
    title, year = schemas["PracticeInput"]["properties"]["title"], schemas["PracticeInput"]["properties"]["year"]

    def create(**fields) -> int:
        body = {"title": "Практика для проверки границ", **fields}
        return client.post("/api/v1/practices?confirm_duplicates=true", json=body,
                           headers=headers["owner"]).status_code

    assert create(title="П" * title["minLength"]) == 201
    assert create(title="П" * (title["minLength"] - 1)) == 422
    assert create(title="П" * title["maxLength"]) == 201
    assert create(title="П" * (title["maxLength"] + 1)) == 422
    assert create(year=year["minimum"]) == 201
    assert create(year=year["minimum"] - 1) == 422
    assert create(year=year["maximum"]) == 201
    assert create(year=year["maximum"] + 1) == 422
    for field in ("organisation", "event"):
        assert create(**{field: "о" * 500}) == 201
        assert create(**{field: "о" * 501}) == 422


def test_the_documents_latest_year_follows_the_calendar(app, monkeypatch):
    """The document is built once per app, and names the next year: a server running over the New Year gives
    the new one."""
    client = app.test_client()

    def latest() -> int:
        return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["PracticeInput"][
            "properties"]["year"]["maximum"]

    from kb.practices import rules

    assert latest() == rules.last_year()
    monkeypatch.setattr(rules, "last_year", lambda: 2099)
    assert latest() == 2099


def _chunked(client, url: str, body: bytes, content_type: str, headers: dict | None = None):
    """A request as gunicorn passes on a body sent with Transfer-Encoding: chunked: no Content-Length, and the
    server ends the stream (wsgi.input_terminated)."""
    return client.post(url, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                       headers={"Content-Type": content_type, "Transfer-Encoding": "chunked", **(headers or {})})


def test_a_chunked_body_over_the_limit_is_413_as_with_content_length(app, people):
    """werkzeug cut a chunked body at MAX_CONTENT_LENGTH without a word: the first part of a longer JSON body did
    not parse, and the answer was 400 «Тело запроса должно быть объектом JSON» instead of 413."""
    _, headers, _ = people
    client = app.test_client()
    app.config["MAX_CONTENT_LENGTH"] = 2000
    body = json.dumps({"title": "Практика " + "а" * 2000}).encode()
    with_length = client.post("/api/v1/practices", data=body, headers={**headers["owner"],
                                                                         "Content-Type": "application/json"})
    chunked = _chunked(client, "/api/v1/practices", body, "application/json", headers["owner"])
    assert (with_length.status_code, chunked.status_code) == (413, 413)
    assert chunked.mimetype == "application/problem+json"
    assert chunked.get_json()["detail"] == with_length.get_json()["detail"]
    assert chunked.get_json()["detail"] == "Размер запроса превышает допустимый предел."
    fits = json.dumps({"title": "Практика, присланная по частям", "sections": {"annotation": "а" * 200}}).encode()
    assert _chunked(client, "/api/v1/practices?confirm_duplicates=true", fits, "application/json",
                    headers["owner"]).status_code == 201
    exact = fits[:-1] + b" " * (2000 - len(fits)) + b"}"  # exactly the limit: the whole body, taken
    assert len(exact) == 2000
    assert _chunked(client, "/api/v1/practices?confirm_duplicates=true", exact, "application/json",
                    headers["owner"]).status_code == 201


def test_a_chunked_form_over_the_limit_is_413_not_cut(app):
    """A urlencoded form (OAI-PMH's POST) was read up to the limit and its fields cut where it fell."""
    client = app.test_client()
    app.config["MAX_CONTENT_LENGTH"] = 1000
    long_form = b"verb=Identify&" + b"x=" + b"a" * 2000
    assert _chunked(client, "/oai", long_form, "application/x-www-form-urlencoded").status_code == 413
    identify = _chunked(client, "/oai", b"verb=Identify", "application/x-www-form-urlencoded")
    assert identify.status_code == 200 and "<Identify>" in identify.get_data(as_text=True)


def test_problem_details_for_unknown_api_paths_and_methods(app):
    client = app.test_client()
    missing = _assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert missing["title"] == "Страница не найдена"
    wrong = client.delete("/api/v1/vocabularies")
    _assert_problem(wrong, 405)
    assert "GET" in wrong.headers["Allow"]


def test_a_practice_like_one_in_the_bank_is_named_before_it_is_created(app, people):
    """As the form's «Всё равно сохранить»: the same title or nearly the same wording gets 409 naming what is
    there (only what the token's owner may see), and confirm_duplicates=true creates it anyway."""
    users, headers, _ = people
    client = app.test_client()
    body = {**FULL, "sections": {"annotation": "Как организовать научное общество учащихся в начальной школе: "
                                               "кружки, конференции, защита исследовательских работ.",
                                 "technology": "Этапы работы общества по четвертям учебного года."}}
    first = client.post("/api/v1/practices", json=body, headers=headers["owner"])
    assert first.status_code == 201
    created = first.get_json()["id"]

    def practices() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count(Practice.id)))

    before = practices()
    again = client.post("/api/v1/practices", json=body, headers=headers["owner"])
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    problem = again.get_json()
    assert "confirm_duplicates=true" in problem["detail"]
    [duplicate] = problem["duplicates"]
    assert duplicate["id"] == created and duplicate["same_title"] is True and duplicate["similarity"] > 0.5
    assert duplicate["title"] == FULL["title"] and duplicate["url"].endswith(f"/practices/{created}")
    assert practices() == before  # nothing saved
    # Another teacher may not see the owner's draft: not named, not hinted at, created.
    other = client.post("/api/v1/practices", json=body, headers=headers["other_teacher"])
    assert other.status_code == 201
    # The very same content again within two minutes is the same request retried: the first one's answer.
    retried = client.post("/api/v1/practices?confirm_duplicates=true", json=body, headers=headers["owner"])
    assert retried.status_code == 201 and retried.get_json()["id"] == created
    assert retried.headers["Location"].endswith(f"/api/v1/practices/{created}")
    changed = {**body, "year": body["year"] - 1}
    forced = client.post("/api/v1/practices?confirm_duplicates=true", json=changed, headers=headers["owner"])
    assert forced.status_code == 201 and forced.get_json()["id"] not in (created, other.get_json()["id"])
    assert client.post("/api/v1/practices?confirm_duplicates=maybe", json=body,
                       headers=headers["owner"]).status_code == 400
    assert practices() == before + 2


def test_a_practice_without_a_region_no_methodist_sees_is_not_submitted(app, people):
    _, headers, _ = people
    client = app.test_client()
    body = dict(FULL, region=None, organisation="МАОУ «СОШ № 3»")
    with client.post("/api/v1/practices", json=body, headers=headers["owner"]) as response:
        pid = response.get_json()["id"]
    url = f"/api/v1/practices/{pid}/transitions"
    refused = _assert_problem(client.post(url, json={"action": "submit"}, headers=headers["owner"]), 422)
    assert "Укажите регион" in refused["errors"]["region"][0]
    assert _practice(app, pid).status == "draft"
    with client.patch(f"/api/v1/practices/{pid}", json={"region": "RU-CHE"}, headers=headers["owner"]) as response:
        assert response.status_code == 200
    with client.post(url, json={"action": "submit"}, headers=headers["owner"]) as response:
        assert response.status_code == 200


def test_a_patch_cannot_take_the_region_off_a_practice_under_review(app, people):
    """A methodist's PATCH left a submitted practice without a region: in no methodist's queue, its author unable to
    edit or withdraw it. 422 naming the region, nothing changed; an administrator may."""
    _, headers, practice = people
    pid = practice("submitted")
    client = app.test_client()
    url = f"/api/v1/practices/{pid}"
    for actor in ("methodist_in", "methodist_org"):
        refused = _assert_problem(client.patch(url, json={"region": None, "event": "Конференция"},
                                               headers=headers[actor]), 422)
        assert "не может остаться без региона" in refused["errors"]["region"][0]
        found = _practice(app, pid)
        assert (found.region_code, found.event) == ("RU-CHE", "")
    assert _count(app, PracticeVersion) == 0
    with client.patch(url, json={"event": "Конференция"}, headers=headers["methodist_in"]) as response:
        assert response.status_code == 200  # any other edit, as before
    with client.patch(url, json={"region": None}, headers=headers["admin"]) as response:
        assert response.status_code == 200
    assert _practice(app, pid).region_code is None


# -- JSON bodies: their own size limit, errors capped ------------------------------------------------

def _json(client, method: str, url: str, body: bytes, headers: dict):
    return client.open(url, method=method, data=body, headers={**headers, "Content-Type": "application/json"})


def test_the_largest_practice_fits_under_the_json_limit(app, people):
    """Every section at its limit in Cyrillic, written as \\uXXXX escapes (Python's json.dumps by default),
    with ten authors and every line field full: well under API_JSON_MAX_BYTES, created."""
    from kb.practices import rules
    from kb.practices.models import SECTION_KEYS

    _, headers, _ = people
    body = {**FULL, "title": "Я" * rules.TITLE_MAX, "organisation": "о" * rules.LINE_MAX,
            "event": "с" * rules.LINE_MAX,
            "authors": [{"name": "Ж" * 200, "position": "ш" * 200} for _ in range(rules.AUTHORS_MAX)],
            "sections": {key: "щ" * rules.SECTION_MAX for key in SECTION_KEYS}}
    raw = json.dumps(body).encode()
    assert len(raw) < app.config["API_JSON_MAX_BYTES"] == 2 * 1024 * 1024
    assert _json(app.test_client(), "POST", "/api/v1/practices", raw, headers["owner"]).status_code == 201


def test_a_json_body_over_its_limit_is_413_before_it_is_read(app, people):
    """The 100 MB MAX_CONTENT_LENGTH (for files) was the only limit of a JSON body: 10 MB of made-up section keys
    were checked one by one for 52 s and answered with a 96 MB 422. Over API_JSON_MAX_BYTES it is a 413, with
    Content-Length or sent in chunks, for every JSON body of the API (a practice, its edit, a transition, a
    resolution's status)."""
    _, headers, practice = people
    client = app.test_client()
    app.config["API_JSON_MAX_BYTES"] = 5000
    body = json.dumps({"title": "Практика с очень длинной аннотацией", "sections": {"annotation": "а" * 5000}})
    raw = body.encode()
    rid = _upload(client, headers["admin"]).get_json()["id"]
    pid = practice("draft")
    for method, url in [("POST", "/api/v1/practices"), ("PATCH", f"/api/v1/practices/{pid}"),
                        ("POST", f"/api/v1/practices/{pid}/transitions"), ("PATCH", f"/api/v1/resolutions/{rid}")]:
        for response in (_json(client, method, url, raw, headers["admin"]),
                         _chunked(client, url, raw, "application/json", headers["admin"]) if method == "POST" else
                         client.open(url, method=method, input_stream=io.BytesIO(raw),
                                     environ_overrides={"wsgi.input_terminated": True},
                                     headers={**headers["admin"], "Content-Type": "application/json",
                                              "Transfer-Encoding": "chunked"})):
            problem = _assert_problem(response, 413)
            assert problem["detail"].startswith("Тело запроса JSON больше 5000 байт"), (method, url)
            assert problem["title"] == "Слишком большой запрос", (method, url)  # no file was sent
    assert _count(app, Practice) == 1
    fits = json.dumps({"title": "Практика с короткой аннотацией", "sections": {"annotation": "а" * 100}}).encode()
    assert _json(client, "POST", "/api/v1/practices", fits, headers["owner"]).status_code == 201
    assert _chunked(client, "/api/v1/practices?confirm_duplicates=true", fits, "application/json",
                    headers["owner"]).status_code == 201
    app.config["API_JSON_MAX_BYTES"] = 2 * 1024 * 1024
    with app.app_context():
        from kb.api.payloads import json_too_large

        assert json_too_large().startswith("Тело запроса JSON больше 2 МБ")


def test_a_422_names_at_most_fifty_fields(app, people, monkeypatch):
    """700,000 unknown section keys got a 422 naming each of them, far bigger than the request: the answer names
    the first 50 and says how many more there are, and is made without checking each key."""
    loads = _count_schema_loads(monkeypatch)
    _, headers, _ = people
    client = app.test_client()
    keys = {f"k{i}": "" for i in range(100_000)}
    response = _json(client, "POST", "/api/v1/practices",
                     json.dumps({"title": "Практика с неизвестными разделами", "sections": keys}).encode(),
                     headers["owner"])
    assert loads == []  # refused by its keys, before marshmallow checks each field
    problem = _assert_problem(response, 422)
    assert len(problem["errors"]) == 50 and len(response.data) < 10_000
    assert problem["errors"]["sections.k0"] == ["Неизвестный раздел: k0."]
    assert "Полей с ошибками: 100000; в errors — первые 50, и ещё 99950 полей не названы." in problem["detail"]
    # the same cap for errors marshmallow finds one by one (a lone surrogate in each of 60 keys) …
    raw = '{"title": "Практика", "sections": {' + ", ".join(f'"s{i}": "\\ud800"' for i in range(60)) + "}}"
    problem = _assert_problem(_json(client, "POST", "/api/v1/practices", raw.encode(), headers["owner"]), 422)
    assert len(problem["errors"]) == 50 and "и ещё 10 полей не названы." in problem["detail"]
    # … and a list longer than its field takes is refused whole, not item by item
    loads.clear()
    response = _json(client, "POST", "/api/v1/practices", json.dumps(
        {"title": "Практика со множеством авторов", "authors": [{}] * 200_000}).encode(), headers["owner"])
    assert loads == []  # refused by its length, before marshmallow checks an author
    assert _assert_problem(response, 422)["errors"] == {
        "authors": ["Не больше 1000 строк в списке авторов (авторов с именем — не больше 10)."]}
    assert _count(app, Practice) == 0


def test_blank_author_rows_do_not_count_towards_the_ten(app, people):
    """Rows with an empty name are dropped, as the form drops empty lines: ten authors and a blank row were
    refused (422 «Не больше 10 авторов.») once the list's length was checked. Eleven named ones still are."""
    _, headers, _ = people
    client = app.test_client()
    named = [{"name": f"Автор{i} Иван Петрович", "position": "учитель"} for i in range(10)]
    response = client.post("/api/v1/practices", json={
        "title": "Практика с десятью авторами", "authors": named + [{"name": "", "position": ""}] * 3},
        headers=headers["owner"])
    assert response.status_code == 201, response.get_json()
    assert [a["name"] for a in response.get_json()["authors"]] == [a["name"] for a in named]
    response = client.post("/api/v1/practices", json={
        "title": "Практика с одиннадцатью авторами", "authors": named + [{"name": "Лишний Автор"}]},
        headers=headers["owner"])
    assert _assert_problem(response, 422)["errors"] == {"authors": ["Не больше 10 авторов."]}
    # authors without a position, named as no person is: each is one of the eleven, none carries on the one before
    bodies = [{"name": f"Творческая группа {i}"} for i in range(11)]
    response = client.post("/api/v1/practices", json={"title": "Практика творческих групп", "authors": bodies},
                           headers=headers["owner"])
    assert _assert_problem(response, 422)["errors"] == {"authors": ["Не больше 10 авторов."]}
    authors = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["PracticeInput"][
        "properties"]["authors"]
    assert authors["maxItems"] == 1000 and "с непустым name — не больше 10" in authors["description"]


# -- the same practice sent several times at once ----------------------------------------------------

def _overlapping_checks(monkeypatch, parties: int):
    """Make the duplicate checks of ``parties`` requests overlap when nothing keeps them apart: each waits (up to
    2 s) after its look until all have looked. A lock taken before the look lets one through at a time."""
    import contextlib
    import threading

    from kb.duplicates import services as duplicates

    barrier = threading.Barrier(parties, timeout=2)
    real = duplicates.similar_texts

    def looked_at_once(*args, **kwargs):
        found = real(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return found

    monkeypatch.setattr(duplicates, "similar_texts", looked_at_once)


def _at_once(calls) -> list:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result() for future in [pool.submit(call) for call in calls]]


def test_the_same_practice_posted_at_once_is_created_once(app, people, monkeypatch):
    """An integrator's parallel workers (or a retry) sent the same new practice at once: each found no duplicate
    before the others saved, and it was created once per request. Now one 201, the others the 409 a later request
    gets, naming the practice created (SQLite and PostgreSQL)."""
    users, headers, _ = people
    _overlapping_checks(monkeypatch, 3)

    def post():
        return app.test_client().post("/api/v1/practices", json=FULL, headers=headers["owner"])

    responses = _at_once([post] * 3)
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    [created] = [r.get_json()["id"] for r in responses if r.status_code == 201]
    for response in responses:
        if response.status_code == 409:
            assert [d["id"] for d in response.get_json()["duplicates"]] == [created]
    assert _count(app, Practice) == 1
    # another author's request is not held up by them, and confirm_duplicates=true still creates
    assert app.test_client().post("/api/v1/practices", json=FULL, headers=headers["other_teacher"]).status_code == 201
    assert app.test_client().post("/api/v1/practices?confirm_duplicates=true", json=FULL,
                                  headers=headers["owner"]).status_code == 201


# -- the document and the answers --------------------------------------------------------------------

def test_the_document_names_the_section_keys(app, people):
    """`sections` was any object of strings in the document, and a key outside the template a 422: the keys are
    listed (propertyNames), from the same SECTION_KEYS the API checks."""
    from kb.practices.models import SECTION_KEYS

    _, headers, _ = people
    client = app.test_client()
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("PracticeInput", "PracticePatch", "Practice"):
        assert schemas[name]["properties"]["sections"]["propertyNames"] == {"enum": list(SECTION_KEYS)}, name
    assert schemas["PracticeInput"]["properties"]["authors"]["maxItems"] == 1000
    for key in SECTION_KEYS:
        assert client.post("/api/v1/practices?confirm_duplicates=true", json={
            "title": f"Практика с разделом {key}", "sections": {key: "Текст раздела."}},
            headers=headers["owner"]).status_code == 201
    body = _assert_problem(client.post("/api/v1/practices", json={"title": "Практика с заметками",
                                                                  "sections": {"notes": "текст"}},
                                       headers=headers["owner"]), 422)
    assert "notes" not in SECTION_KEYS and body["errors"] == {"sections.notes": ["Неизвестный раздел: notes."]}


def test_a_deleted_resolution_is_a_204_without_a_content_type(app, people):
    """An empty answer was labelled text/html; charset=utf-8."""
    _, headers, _ = people
    client = app.test_client()
    rid = _upload(client, headers["admin"]).get_json()["id"]
    response = client.delete(f"/api/v1/resolutions/{rid}", headers=headers["admin"])
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    assert client.get(f"/api/v1/resolutions/{rid}", headers=headers["admin"]).status_code == 404


def test_the_readmes_page_past_the_end_example_holds(app, people, make_practice):
    """README («Постраничный вывод поиска») gave `?page=99999`, a 400 over SEARCH_MAX_PAGE: its example now is a
    page past the last one within it, and answers as the README says."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    sentence = re.search(r"Постраничный вывод поиска:.*?у страницы за\s+последней \(`([^`]+)`[^)]*\)\s+`prev` "
                         r"ведёт на\s+последнюю", readme, re.DOTALL)
    assert sentence, "the README's example of a page past the end"
    with app.app_context():
        for number in range(3):
            make_practice(f"Практика для страниц номер {number}")
    client = app.test_client()
    response = client.get("/api/v1/search" + sentence.group(1))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["results"] == [] and body["page"] > 1
    assert body["links"]["prev"] == body["links"]["last"]
    over = client.get(f"/api/v1/search?page={app.config['SEARCH_MAX_PAGE'] + 1}")
    assert "от 1 до 500" in _assert_problem(over, 400)["detail"]
    after = readme[sentence.end():sentence.end() + 300]
    assert "SEARCH_MAX_PAGE" in sentence.group(0) + after and "400" in after


@pytest.mark.parametrize("extra, words", [(1, "и ещё 1 поле не названо."), (2, "и ещё 2 поля не названы."),
                                          (21, "и ещё 21 поле не названо."), (11, "и ещё 11 полей не названы.")])
def test_the_count_of_fields_not_named_agrees_with_its_noun(app, people, extra, words):
    """«…первые 50, и ещё 1 не названы.»: the count past the first 50 took the plural whatever it was."""
    _, headers, _ = people
    body = {"title": "Название практики", **{f"k{i}": 1 for i in range(50 + extra)}}
    problem = _assert_problem(app.test_client().post("/api/v1/practices", json=body, headers=headers["owner"]), 422)
    assert problem["detail"].endswith(f"первые 50, {words}") and len(problem["errors"]) == 50


def test_every_operation_with_a_json_body_documents_its_413(app):
    """The API answered 413 to a JSON body over API_JSON_MAX_BYTES, but the document listed no 413 for those
    operations (a client made from it had no type for the answer); the uploads keep their own 413 «файл»."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    with_body = [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()
                 if "application/json" in op.get("requestBody", {}).get("content", {})]
    assert {(path, method) for path, method, _ in with_body} >= {
        ("/api/v1/practices", "post"), ("/api/v1/practices/{practice_id}", "patch"),
        ("/api/v1/practices/{practice_id}/transitions", "post"), ("/api/v1/resolutions/{resolution_id}", "patch")}
    for path, method, op in with_body:
        assert op["responses"]["413"]["description"] == "Слишком большой запрос", (path, method)
    upload = document["paths"]["/api/v1/practices/{practice_id}/attachments"]["post"]
    assert upload["responses"]["413"]["description"] == "Слишком большой файл"
    page = app.test_client().get("/api").get_data(as_text=True)
    assert "413 — Слишком большой файл / Слишком большой запрос" in page


def _count_schema_loads(monkeypatch) -> list[object]:
    """The marshmallow schemas each request checks a body (or a part of it) with, as they are called."""
    import marshmallow

    loads: list[object] = []
    load = marshmallow.Schema._do_load

    def counted(self, *args, **kwargs):
        loads.append(self)
        return load(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "_do_load", counted)
    return loads


def test_a_422_quotes_a_bounded_number_of_values_and_unknown_fields(app, people, monkeypatch):
    """150 000 made-up codes in `subjects` got a 422 quoting each (1.7 MB); as many unknown fields at the top or
    in an author were checked one by one by marshmallow. Now the first 10 codes and how many more; unknown
    fields are counted and refused before checking, as unknown sections are."""
    loads = _count_schema_loads(monkeypatch)
    _, headers, _ = people
    client = app.test_client()
    codes = [f"zz{i}" for i in range(150_000)]
    response = client.post("/api/v1/practices", json={"title": "Практика с выдуманными предметами",
                                                      "subjects": codes + codes[:5]}, headers=headers["owner"])
    problem = _assert_problem(response, 422)
    quoted = ", ".join(f"'zz{i}'" for i in range(10))
    assert problem["errors"]["subjects"] == [f"Недопустимые значения: {quoted} и ещё 149990."]
    assert len(response.data) < 2000
    loads.clear()
    response = client.post("/api/v1/practices", json={"title": "Практика с двумя выдуманными темами",
                                                      "topics": ["b", "a", "b"]}, headers=headers["owner"])
    assert _assert_problem(response, 422)["errors"]["topics"] == ["Недопустимые значения: 'b', 'a'."]
    assert loads  # a body of known fields is checked by marshmallow
    for body, first, total in [
            ({"title": "Практика", **{f"k{i}": 1 for i in range(100_000)}}, "k0", 100_000),
            ({"title": "Практика", "authors": [{"name": "Автор", **{f"k{i}": 1 for i in range(100_000)}}]},
             "authors.0.k0", 100_000),
            ({"title": "Практика", "authors": [{"name": "Автор", "role": "x"}] * 60}, "authors.0.role", 60)]:
        loads.clear()
        response = client.post("/api/v1/practices", json=body, headers=headers["owner"])
        assert loads == []  # refused by its keys, before marshmallow checks each field
        problem = _assert_problem(response, 422)
        assert len(problem["errors"]) == 50 and problem["errors"][first] == ["Неизвестное поле."]
        assert f"Полей с ошибками: {total}; в errors — первые 50" in problem["detail"]
    assert _count(app, Practice) == 0


# --------------------------------------------------------------------------------------------------
# DELETE /api/v1/practices/<id>: the page's «Удалить» (the same service and rules)


DELETERS = {  # status -> who may delete (the rest: 404 if they cannot see it, else 403), as policy.can_delete says
    "draft": {"owner", "admin"},
    "returned": {"admin"},
    "submitted": {"admin"},
    "published": {"admin"},
    "archived": {"admin"},
}


@pytest.mark.parametrize("status", list(DELETERS))
@pytest.mark.parametrize("actor", ACTORS)
def test_delete_matrix(app, people, status, actor):
    _, headers, practice = people
    pid = practice(status)
    response = app.test_client().delete(f"/api/v1/practices/{pid}", headers=headers[actor])
    if actor == "anonymous":
        expected = 401
    elif actor in DELETERS[status]:
        expected = 204
    elif status == "published" or actor in SEE_UNPUBLISHED:
        expected = 403
    else:
        expected = 404  # a draft this token's owner may not see is not revealed, as PATCH answers
    assert response.status_code == expected
    if expected != 204:
        _assert_problem(response, expected)
    with app.app_context():
        assert (db.session.get(Practice, pid) is None) == (expected == 204)


def test_a_deleted_published_practice_is_gone_and_a_second_delete_is_410(app, people):
    users, headers, practice = people
    client = app.test_client()
    pid = practice("published")
    response = client.delete(f"/api/v1/practices/{pid}", headers=headers["admin"])
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    assert _assert_problem(client.get(f"/api/v1/practices/{pid}"), 410)["title"] == "Материал удалён"
    assert client.get(f"/practices/{pid}").status_code == 410  # as a practice deleted on the site
    assert _assert_problem(client.delete(f"/api/v1/practices/{pid}", headers=headers["admin"]), 410)["title"] == \
        "Материал удалён"
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "practice_deleted",
                                                              AuditEvent.target_id == pid))
        assert event.actor_id == users["admin"] and event.details["via"] == "api"


def test_a_deleted_draft_is_404_and_so_is_a_second_delete(app, people):
    _, headers, practice = people
    client = app.test_client()
    pid = practice("draft")
    assert client.delete(f"/api/v1/practices/{pid}", headers=headers["owner"]).status_code == 204
    _assert_problem(client.get(f"/api/v1/practices/{pid}", headers=headers["owner"]), 404)
    _assert_problem(client.delete(f"/api/v1/practices/{pid}", headers=headers["owner"]), 404)


def test_delete_respects_if_match(app, people):
    _, headers, practice = people
    client = app.test_client()
    pid = practice("draft")
    read = client.get(f"/api/v1/practices/{pid}", headers=headers["owner"])
    assert client.patch(f"/api/v1/practices/{pid}", json={"year": 2022}, headers=headers["owner"]).status_code == 200
    stale = client.delete(f"/api/v1/practices/{pid}", headers={**headers["owner"], "If-Match": read.headers["ETag"]})
    _assert_problem(stale, 412)
    assert _practice(app, pid).year == 2022  # not deleted
    fresh = client.get(f"/api/v1/practices/{pid}", headers=headers["owner"]).headers["ETag"]
    assert client.delete(f"/api/v1/practices/{pid}",
                         headers={**headers["owner"], "If-Match": fresh}).status_code == 204


def test_the_document_describes_deleting_a_practice(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    delete = document["paths"]["/api/v1/practices/{practice_id}"]["delete"]
    assert {"204", "401", "403", "404", "410", "412"} <= set(delete["responses"])
    assert "content" not in delete["responses"]["204"]
    assert delete["security"] == [{"token": []}]
    assert "If-Match" in [p["name"] for p in delete["parameters"] if p["in"] == "header"]


def test_a_code_of_spaces_is_no_code(app, people):
    """« » for a region was a 500 (a foreign key), for a licence or a spread level it was stored as « »."""
    _, headers, _ = people
    body = FULL | {"region": " ", "municipality": " ", "spread_level": "  ", "licence": " "}
    response = app.test_client().post("/api/v1/practices?confirm_duplicates=true", json=body, headers=headers["owner"])
    assert response.status_code == 201
    practice = _practice(app, response.get_json()["id"])
    assert practice.region_code is None and practice.municipality_id is None
    assert practice.spread_level is None and practice.licence.strip()


@pytest.mark.parametrize("municipality", ["\u0000", "RU-CHE-\u0000", "\u0007"])
def test_a_control_character_in_a_municipality_code_is_a_422(app, people, municipality):
    """A NUL went into the query for the municipality: PostgreSQL refused it with a 500."""
    _, headers, practice = people
    client = app.test_client()
    created = _assert_problem(client.post("/api/v1/practices?confirm_duplicates=true",
                                          json=FULL | {"municipality": municipality}, headers=headers["owner"]), 422)
    assert "municipality" in created["errors"]
    pid = practice("draft")
    patched = _assert_problem(client.patch(f"/api/v1/practices/{pid}", json={"municipality": municipality},
                                           headers=headers["owner"]), 422)
    assert "municipality" in patched["errors"]
