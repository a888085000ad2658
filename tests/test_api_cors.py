"""CORS: another site's JavaScript reads the public API anonymously; writes, tokens and pages stay closed to it."""

import pytest

from tests.conftest import bearer, sign_in
from tests.test_api_resolutions import RESOLUTION

ORIGIN = {"Origin": "https://school.example.org"}
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers",
                "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers")


def preflight(client, path: str, method: str, headers: str | None = None):
    asked = {**ORIGIN, "Access-Control-Request-Method": method}
    if headers is not None:
        asked["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=asked)


def closed(response) -> bool:
    return not any(name in response.headers for name in CORS_HEADERS)


@pytest.fixture
def ids(app, make_practice):
    from kb.extensions import db
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        practice = make_practice("Открытая практика")
        resolution = import_resolution_text(RESOLUTION, "seminar.txt", publish=True).resolution
        db.session.commit()
        return {"practice": practice, "resolution": resolution.id}


def read_paths(ids: dict) -> list[str]:
    return ["/api/v1/search?q=", "/api/v1/suggest?q=пра", "/api/v1/practices", f"/api/v1/practices/{ids['practice']}",
            "/api/v1/resolutions", f"/api/v1/resolutions/{ids['resolution']}", "/api/v1/vocabularies",
            "/api/v1/collections", "/api/v1/openapi.json"]


def test_anonymous_reading_is_open_to_any_site(client, ids):
    for path in read_paths(ids):
        for method in ("GET", "HEAD"):
            response = client.open(path, method=method, headers=ORIGIN)
            assert response.status_code == 200, (method, path)
            assert response.headers["Access-Control-Allow-Origin"] == "*", (method, path)
            assert "Access-Control-Allow-Credentials" not in response.headers  # never with cookies
    practice = client.get(f"/api/v1/practices/{ids['practice']}", headers=ORIGIN)
    exposed = {name.strip() for name in practice.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "X-RateLimit-Remaining", "Retry-After"} <= exposed


def test_problems_of_reading_are_readable_too(client, ids):
    """A script on another site learns why (404, 410, 400) rather than a network error."""
    missing = client.get("/api/v1/practices/999999", headers=ORIGIN)
    assert missing.status_code == 404 and missing.headers["Access-Control-Allow-Origin"] == "*"
    bad_page = client.get("/api/v1/practices?page=0", headers=ORIGIN)
    assert bad_page.status_code == 400 and bad_page.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_reading_is_allowed(client, ids):
    response = preflight(client, f"/api/v1/practices/{ids['practice']}", "GET", "If-None-Match")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")} == {"GET", "HEAD"}
    assert response.headers["Access-Control-Allow-Headers"].lower() == "if-none-match"
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert preflight(client, "/api/v1/search", "GET").headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(("path", "method", "headers"), [
    ("/api/v1/practices/{practice}", "PATCH", "Content-Type"),
    ("/api/v1/practices/{practice}", "PATCH", None),
    ("/api/v1/practices/{practice}", "DELETE", None),
    ("/api/v1/practices", "POST", "Content-Type"),
    ("/api/v1/practices/{practice}/transitions", "POST", "Content-Type"),
    ("/api/v1/practices/{practice}/attachments", "POST", None),
    ("/api/v1/resolutions/{resolution}", "DELETE", None),
    ("/api/v1/resolutions", "POST", None),
    # a token is not sent from another site: reading with one is no anonymous reading
    ("/api/v1/practices/{practice}", "GET", "Authorization"),
    ("/api/v1/search", "GET", "If-None-Match, Authorization"),
])
def test_a_preflight_for_a_change_or_a_token_is_not_allowed(client, ids, path, method, headers):
    response = preflight(client, path.format(**ids), method, headers)
    assert closed(response), dict(response.headers)


def test_changes_and_token_readings_carry_no_cors_header(client, ids, make_user, make_token):
    admin = {**ORIGIN, **bearer(make_token(make_user("admin")))}
    practice, resolution = ids["practice"], ids["resolution"]
    answers = [
        client.patch(f"/api/v1/practices/{practice}", json={"year": 2021}, headers=admin),
        client.patch(f"/api/v1/practices/{practice}", json={"year": 2021}, headers=ORIGIN),  # 401
        client.post("/api/v1/practices", json={"title": "Новая практика"}, headers=ORIGIN),
        client.post(f"/api/v1/practices/{practice}/transitions", json={"action": "archive"}, headers=admin),
        client.patch(f"/api/v1/resolutions/{resolution}", json={"status": "draft"}, headers=admin),
        client.delete(f"/api/v1/resolutions/{resolution}", headers=admin),
        client.get(f"/api/v1/practices/{practice}", headers=admin),
        client.get("/api/v1/search?q=", headers=admin),
    ]
    assert [a.status_code for a in answers] == [200, 401, 401, 200, 200, 204, 200, 200]
    for answer in answers:
        assert closed(answer), (answer.request.method, answer.request.path)


def test_pages_and_files_outside_the_api_carry_no_cors_header(client, ids):
    for path in ("/", f"/practices/{ids['practice']}", "/api", "/search?q=", "/search/feed?q=",
                 "/oai?verb=Identify", "/sitemap.xml"):
        response = client.get(path, headers=ORIGIN)
        assert response.status_code == 200, path
        assert closed(response), path
    assert closed(preflight(client, "/api/v1/no-such-thing", "GET"))


def test_a_session_cookie_opens_nothing_in_the_api(app, client, make_user, make_practice):
    """The API never reads the session: a signed-in author's draft is not found there, with or without Origin."""
    owner = make_user("teacher")
    with app.app_context():
        draft = make_practice("Черновик автора", status="draft", owner_id=owner)
    sign_in(client, owner)
    assert client.get(f"/practices/{draft}").status_code == 200
    response = client.get(f"/api/v1/practices/{draft}", headers=ORIGIN)
    assert response.status_code == 404
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_deleting_a_practice_carries_no_cors_header(client, ids, make_user, make_token):
    """DELETE of a practice is a change: closed to other sites' scripts, with a token or without one."""
    admin = {**ORIGIN, **bearer(make_token(make_user("admin")))}
    path = f"/api/v1/practices/{ids['practice']}"
    assert closed(preflight(client, path, "DELETE", "Authorization"))
    anonymous = client.delete(path, headers=ORIGIN)
    deleted = client.delete(path, headers=admin)
    again = client.delete(path, headers=admin)
    assert [anonymous.status_code, deleted.status_code, again.status_code] == [401, 204, 410]
    for answer in (anonymous, deleted, again):
        assert closed(answer), answer.status_code


# --------------------------------------------------------------------------------------------------
# Caches: an answer that a token can change names Authorization in Vary


def _vary(response) -> list[str]:
    return [name.strip().lower() for name in response.headers.get("Vary", "").split(",") if name.strip()]


def test_answers_a_token_can_change_vary_on_authorization(app, client, ids, make_user, make_token, make_practice):
    """With a token the same address may answer a draft (or 401 for a bad token): a cache that keeps the anonymous
    answer must not give it for a request with a token, nor the other way round. The other Vary values stay."""
    owner = make_user("teacher")
    token = bearer(make_token(owner))
    with app.app_context():
        draft = make_practice("Черновик автора", status="draft", owner_id=owner)
    paths = [p for p in read_paths(ids) if p != "/api/v1/openapi.json"]
    paths += [f"/api/v1/practices/{draft}", f"/api/v1/collections/{999999}"]
    for path in paths:
        for method in ("GET", "HEAD"):
            for headers in ({}, token, ORIGIN, bearer("kb_made-up")):
                response = client.open(path, method=method, headers=headers)
                vary = _vary(response)
                assert vary.count("authorization") == 1, (method, path, headers, vary)
                assert "cookie" in vary, (method, path, vary)  # kept: the session's own Vary
    not_modified = client.get(f"/api/v1/practices/{draft}", headers={
        **token, "If-None-Match": client.get(f"/api/v1/practices/{draft}", headers=token).headers["ETag"]})
    assert not_modified.status_code == 304 and "authorization" in _vary(not_modified)
