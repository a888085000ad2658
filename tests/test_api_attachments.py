"""POST /api/v1/practices/<id>/attachments: the web upload's rules and service, answered as problem details."""

import io

import pytest
from sqlalchemy import func, select

from kb.attachments.models import Attachment
from kb.extensions import db
from tests.conftest import bearer
from tests.documents import odp_bytes, ods_bytes, pdf_bytes, rewrite_part, xls_bytes

WORD = "фотосинтезоподобный"


@pytest.fixture
def people(app, make_user, make_token, make_practice):
    users = {
        "owner": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "methodist_in": make_user("methodist", scope_region="RU-CHE"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
    }
    headers = {actor: bearer(make_token(user_id)) for actor, user_id in users.items()}
    headers["anonymous"] = {}

    def practice(status: str) -> int:
        with app.app_context():
            return make_practice(f"Практика в статусе {status}", status=status, owner_id=users["owner"])

    return headers, practice


def upload(client, practice_id: int, headers: dict, data: bytes = b"", name: str = "report.txt"):
    body = {"file": (io.BytesIO(data or f"Отчёт: {WORD} опыт.".encode()), name)}
    return client.post(f"/api/v1/practices/{practice_id}/attachments", data=body, headers=headers,
                       content_type="multipart/form-data")


def attachment_count(app, practice_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Attachment.practice_id == practice_id))


def test_author_attaches_a_file_to_a_draft(app, client, people):
    headers, practice = people
    practice_id = practice("draft")
    response = upload(client, practice_id, headers["owner"], pdf_bytes(f"Итоги: {WORD} исследование"), "итоги.pdf")
    assert response.status_code == 201
    body = response.get_json()
    assert body["practice_id"] == practice_id
    assert body["name"] == "итоги.pdf"
    assert body["kind"] == "pdf"
    assert body["words"] >= 2
    assert response.headers["Location"] == body["url"]  # 201 names the new file, as POST /practices does
    assert attachment_count(app, practice_id) == 1
    assert client.get(body["url"]).status_code == 404  # a draft's file is not public


def test_a_file_added_or_removed_changes_the_practice_etag_and_time(app, client, people):
    """A file is a change a reader sees, yet the ETag and updated_at stayed: a PATCH made from before an upload
    passed its If-Match, and harvesters and the sitemap saw no change."""
    from kb.accounts.models import User
    from kb.attachments.services import remove_attachment
    from kb.practices.models import Practice

    headers, practice = people
    practice_id = practice("draft")
    before = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"])
    assert upload(client, practice_id, headers["owner"]).status_code == 201
    after = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"])
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.get_json()["updated_at"] > before.get_json()["updated_at"]
    stale = client.patch(f"/api/v1/practices/{practice_id}", json={"year": 2021},
                         headers={**headers["owner"], "If-Match": before.headers["ETag"]})
    assert stale.status_code == 412
    with app.app_context():
        practice_row = db.session.get(Practice, practice_id)
        remove_attachment(db.session.get(User, practice_row.owner_id), practice_row.attachments[0])
        db.session.commit()
    removed = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"])
    assert removed.get_json()["updated_at"] > after.get_json()["updated_at"]


def test_file_of_a_published_practice_is_downloadable_and_found(app, client, people):
    headers, practice = people
    practice_id = practice("published")
    body = upload(client, practice_id, headers["methodist_in"]).get_json()
    download = client.get(body["url"])
    assert download.status_code == 200
    assert WORD in download.get_data(as_text=True)
    download.close()
    found = client.get(f"/api/v1/search?q={WORD}").get_json()["results"]
    assert [(r["type"], r["id"]) for r in found] == [("practice", practice_id)]


@pytest.mark.parametrize(("actor", "status", "expected"), [
    ("owner", "draft", 201),
    ("owner", "returned", 201),
    ("owner", "submitted", 403),
    ("owner", "published", 403),
    ("methodist_in", "submitted", 201),
    ("methodist_in", "published", 201),
    ("methodist_in", "archived", 403),
    ("methodist_out", "published", 403),
    ("methodist_out", "draft", 404),
    ("other_teacher", "draft", 404),
    ("other_teacher", "published", 403),
    ("anonymous", "published", 401),
])
def test_role_matrix(app, client, people, actor, status, expected):
    headers, practice = people
    practice_id = practice(status)
    response = upload(client, practice_id, headers[actor])
    assert response.status_code == expected
    if expected != 201:
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["status"] == expected
    assert attachment_count(app, practice_id) == (1 if expected == 201 else 0)


def test_too_large_file_is_413(app, client, people):
    headers, practice = people
    practice_id = practice("draft")
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    response = upload(client, practice_id, headers["owner"], ("слово " * 400).encode())
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "1 КБ" in response.get_json()["detail"]
    assert response.get_json()["title"] == "Слишком большой файл"  # a JSON body's 413 is «…запрос»
    assert attachment_count(app, practice_id) == 0


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "picture.png", "Неподдерживаемый тип файла"),
    (f"Отчёт: {WORD}".encode(), "report.pdf", "не соответствует содержимому"),
    (b"%PDF-1.4 broken", "broken.pdf", "PDF повреждён"),
    (ods_bytes([["Итог"]]), "итоги.xlsx", "не соответствует содержимому файла (ODS)"),
    (rewrite_part(odp_bytes(["Слайд"]), "content.xml", lambda b: b[:100]), "слайды.odp", "ODP повреждён"),
])
def test_bad_files_are_422(app, client, people, data, name, message):
    headers, practice = people
    practice_id = practice("draft")
    response = upload(client, practice_id, headers["owner"], data, name)
    assert response.status_code == 422
    body = response.get_json()
    assert message in body["detail"]
    assert message in body["errors"]["file"][0]
    assert attachment_count(app, practice_id) == 0


def test_missing_file_is_422(client, people):
    headers, practice = people
    response = client.post(f"/api/v1/practices/{practice('draft')}/attachments", headers=headers["owner"],
                           data={"other": "x"}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == ["Приложите файл (multipart/form-data, поле file)."]


def test_unknown_practice_is_404(client, people):
    headers, _practice = people
    assert upload(client, 999999, headers["owner"]).status_code == 404


def test_the_operation_is_documented(client):
    document = client.get("/api/v1/openapi.json").get_json()
    post = document["paths"]["/api/v1/practices/{practice_id}/attachments"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert {"201", "401", "403", "404", "409", "413", "422"} <= set(post["responses"])
    assert post["security"] == [{"token": []}]
    assert [p["name"] for p in post["parameters"] if p["in"] == "query"] == ["confirm_duplicates"]


def test_a_file_already_in_the_bank_is_a_409_naming_it(app, client, people):
    """The API attached the very same file to the same practice again and again (201 each time), where the page
    says «Такой файл уже есть в банке — уже приложен к этой практике». As creating a practice does, the answer is a
    409 naming where the file is; confirm_duplicates=true attaches it all the same."""
    headers, practice = people
    practice_id, other_id = practice("draft"), practice("draft")
    first = upload(client, practice_id, headers["owner"], name="опыт.txt")
    assert first.status_code == 201
    again = upload(client, practice_id, headers["owner"], name="опыт-копия.txt")
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    problem = again.get_json()
    assert "уже приложен к этой практике" in problem["detail"] and "«опыт.txt»" in problem["detail"]
    assert "confirm_duplicates=true" in problem["detail"]
    [found] = problem["duplicates"]
    assert (found["id"], found["same_practice"]) == (practice_id, True)
    assert found["attachment"]["id"] == first.get_json()["id"] and found["attachment"]["name"] == "опыт.txt"
    assert found["attachment"]["url"].endswith(first.get_json()["url"])
    assert attachment_count(app, practice_id) == 1
    elsewhere = upload(client, other_id, headers["owner"])
    assert elsewhere.status_code == 409 and "уже приложен к практике «Практика в статусе draft»" in \
        elsewhere.get_json()["detail"]
    assert elsewhere.get_json()["duplicates"][0]["same_practice"] is False
    confirmed = client.post(f"/api/v1/practices/{other_id}/attachments?confirm_duplicates=true",
                            data={"file": (io.BytesIO(f"Отчёт: {WORD} опыт.".encode()), "report.txt")},
                            headers=headers["owner"], content_type="multipart/form-data")
    assert confirmed.status_code == 201 and attachment_count(app, other_id) == 1
    bad_flag = client.post(f"/api/v1/practices/{other_id}/attachments?confirm_duplicates=maybe",
                           data={"file": (io.BytesIO(b"other text"), "x.txt")}, headers=headers["owner"],
                           content_type="multipart/form-data")
    assert bad_flag.status_code == 400


def test_another_users_draft_holding_the_file_is_not_named(app, client, people, make_user, make_token,
                                                          make_practice):
    """Only practices the token's owner may see are named: the same file in another teacher's draft is no
    duplicate to them (naming it would reveal the draft), and is attached."""
    headers, practice = people
    assert upload(client, practice("draft"), headers["owner"]).status_code == 201
    stranger = make_user("teacher")
    with app.app_context():
        own_draft = make_practice("Черновик другого учителя", status="draft", owner_id=stranger)
    assert upload(client, own_draft, bearer(make_token(stranger))).status_code == 201


@pytest.mark.parametrize(("name", "make"), [
    ("итоги.ods", lambda: ods_bytes([["Ученик", "Итог"], ["Иванов", f"{WORD} призёр"]])),
    ("слайды.odp", lambda: odp_bytes([f"Проект: {WORD} опыт"])),
    ("баллы.xls", lambda: xls_bytes([["Иванов", f"{WORD} балл"]])),
])
def test_libreoffice_and_old_office_files_are_attached_through_the_api(app, client, people, name, make):
    import shutil

    if name.endswith(".xls") and shutil.which("xls2csv") is None:
        pytest.skip("xls2csv is not installed: `.ci/run` installs catdoc")
    headers, practice = people
    practice_id = practice("draft")
    response = upload(client, practice_id, headers["owner"], make(), name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["kind"] == name.rsplit(".", 1)[1] and body["words"] >= 3


# --------------------------------------------------------------------------------------------------
# The practice's own JSON lists its files


def test_a_published_practice_lists_its_files_with_absolute_download_links(app, client, people):
    headers, practice = people
    practice_id = practice("published")
    assert client.get(f"/api/v1/practices/{practice_id}").get_json()["attachments"] == []
    report = upload(client, practice_id, headers["methodist_in"], pdf_bytes(f"Итоги: {WORD}"), "итоги.pdf")
    notes = upload(client, practice_id, headers["methodist_in"], name="заметки.txt")
    assert (report.status_code, notes.status_code) == (201, 201)
    files = client.get(f"/api/v1/practices/{practice_id}").get_json()["attachments"]
    assert [(f["id"], f["name"], f["kind"]) for f in files] == [
        (report.get_json()["id"], "итоги.pdf", "pdf"), (notes.get_json()["id"], "заметки.txt", "txt")]
    for listed in files:
        assert set(listed) == {"id", "name", "kind", "size", "content_type", "url"}
        assert listed["url"].startswith("http://localhost/attachments/")  # absolute: usable from anywhere
        download = client.get(listed["url"])
        assert download.status_code == 200
        assert len(download.get_data()) == listed["size"]
        assert download.mimetype == listed["content_type"]
        download.close()
    assert [f["content_type"] for f in files] == ["application/pdf", "text/plain"]


@pytest.mark.parametrize("status", ["draft", "submitted", "archived"])
def test_files_of_a_practice_not_public_are_listed_only_to_who_may_see_it(app, client, people, status):
    headers, practice = people
    practice_id = practice("draft")
    assert upload(client, practice_id, headers["owner"], name="секретный-план.txt").status_code == 201
    if status != "draft":
        from kb.practices.models import Practice

        with app.app_context():
            db.session.get(Practice, practice_id).status = status
            db.session.commit()
    for actor in ("anonymous", "other_teacher", "methodist_out"):
        response = client.get(f"/api/v1/practices/{practice_id}", headers=headers[actor])
        assert response.status_code == 404, actor
        assert "секретный-план" not in response.get_data(as_text=True)
    for actor in ("owner", "methodist_in"):
        [listed] = client.get(f"/api/v1/practices/{practice_id}", headers=headers[actor]).get_json()["attachments"]
        assert listed["name"] == "секретный-план.txt"
        assert client.get(listed["url"]).status_code == 404  # the file itself stays closed to a visitor
    assert "секретный-план" not in client.get("/api/v1/practices").get_data(as_text=True)


def test_the_etag_does_not_depend_on_the_host_the_links_name(client, people):
    """The download links are absolute, yet a PATCH sent to another of the site's names with the ETag read at the
    first is no stale write."""
    headers, practice = people
    practice_id = practice("draft")
    assert upload(client, practice_id, headers["owner"]).status_code == 201
    first = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"])
    second = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"],
                        base_url="http://www.localhost")
    assert first.get_json()["attachments"][0]["url"] != second.get_json()["attachments"][0]["url"]
    assert first.headers["ETag"] == second.headers["ETag"]


def test_the_document_describes_the_files_of_a_practice(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "attachments" in schemas["Practice"]["required"]
    listed = schemas["Practice"]["properties"]["attachments"]
    assert listed["type"] == "array"
    item = schemas[listed["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(item["required"]) == {"id", "name", "kind", "size", "content_type", "url"}


# --------------------------------------------------------------------------------------------------
# The file of a practice not public: downloaded with the API token of who may see the practice


def test_a_draft_file_is_downloaded_with_the_token_of_who_may_see_the_draft(app, client, people):
    headers, practice = people
    practice_id = practice("draft")
    sent = f"План: {WORD} опыт.".encode()
    uploaded = upload(client, practice_id, headers["owner"], sent, "секретный-план.txt")
    assert uploaded.status_code == 201
    attachment_id = uploaded.get_json()["id"]
    address = f"/api/v1/practices/{practice_id}/attachments/{attachment_id}"
    assert uploaded.get_json()["url"] == uploaded.headers["Location"] == address
    [listed] = client.get(f"/api/v1/practices/{practice_id}", headers=headers["owner"]).get_json()["attachments"]
    assert listed["url"] == f"http://localhost{address}"  # absolute, as every file link of the JSON
    for actor in ("owner", "methodist_in"):
        download = client.get(listed["url"], headers=headers[actor])
        assert download.status_code == 200, actor
        assert download.get_data() == sent
        assert download.mimetype == listed["content_type"] == "text/plain"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''" in disposition
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert download.cache_control.private  # made for a token: no shared cache keeps it
        assert "Authorization" in download.headers["Vary"]
        download.close()
    part = client.get(address, headers={**headers["owner"], "Range": "bytes=0-3"})
    assert part.status_code == 206 and part.get_data() == sent[:4]
    part.close()
    for actor in ("other_teacher", "methodist_out", "anonymous"):  # as GET of the practice answers them
        refused = client.get(address, headers=headers[actor])
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json", actor
        assert WORD not in refused.get_data(as_text=True)
    assert client.get(address, headers={"Authorization": "Bearer kb_made-up"}).status_code == 401
    other_id = practice("draft")  # the file is asked for under the practice it belongs to
    assert client.get(f"/api/v1/practices/{other_id}/attachments/{attachment_id}",
                      headers=headers["owner"]).status_code == 404
    # the token opens the API only: the site's own link to the file and the practice's page stay closed to it
    site = f"/attachments/{attachment_id}/секретный-план.txt"
    assert client.get(site, headers=headers["owner"]).status_code == 404
    assert client.get(f"/practices/{practice_id}", headers=headers["owner"]).status_code == 404


def test_a_public_file_keeps_the_sites_link_and_the_api_link_opens_it_too(app, client, people):
    headers, practice = people
    practice_id = practice("published")
    body = upload(client, practice_id, headers["methodist_in"]).get_json()
    [listed] = client.get(f"/api/v1/practices/{practice_id}").get_json()["attachments"]
    assert listed["url"].startswith("http://localhost/attachments/")  # the page's link, open to everyone
    download = client.get(f"/api/v1/practices/{practice_id}/attachments/{body['id']}")
    assert download.status_code == 200 and WORD in download.get_data(as_text=True)
    download.close()
    assert client.get(f"/api/v1/practices/{practice_id}/attachments/999999").status_code == 404


def test_the_document_describes_the_file_download(client):
    document = client.get("/api/v1/openapi.json").get_json()
    get = document["paths"]["/api/v1/practices/{practice_id}/attachments/{attachment_id}"]["get"]
    assert {"200", "404", "410"} <= set(get["responses"])
    assert get["security"] == [{}, {"token": []}]
