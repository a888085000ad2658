"""API tokens: created on the profile page and shown once, stored hashed, used as Bearer, revoked."""

import hashlib
import re
import secrets

from sqlalchemy import event, select

from kb.accounts.models import AuditEvent
from kb.accounts.tokens import ApiToken, revoke_token
from kb.extensions import db
from tests.conftest import bearer, csrf_from, sign_in

DRAFT = {"title": "Черновик через API", "sections": {"annotation": "Аннотация."}}


def _create_on_profile(client, name="Выгрузка для сайта"):
    token = csrf_from(client, "/profile")
    return client.post("/profile/tokens", data={"name": name, "csrf_token": token})


def test_token_is_shown_once_and_stored_hashed(app, make_user):
    user = make_user("teacher")
    client = app.test_client()
    sign_in(client, user)
    response = _create_on_profile(client)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = re.search(r"(kb_[A-Za-z0-9_-]{40,})", page).group(1)
    assert "Скопируйте его сейчас" in page

    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.name == "Выгрузка для сайта"
        assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in (stored.prefix, stored.token_hash)
        assert stored.prefix == secret[:9]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_created")) is not None

    again = client.get("/profile").get_data(as_text=True)
    assert secret not in again  # never shown again
    assert f"{secret[:9]}…" in again  # only the prefix, to recognise it
    assert "не использовался" in again


def test_token_name_is_required(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    response = _create_on_profile(client, name="   ")
    assert response.status_code == 302
    assert "Назовите токен" in client.get("/profile").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_create_without_csrf_is_refused(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    assert client.post("/profile/tokens", data={"name": "x"}).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_token_lifecycle_create_use_revoke(app, make_user, make_token):
    user = make_user("teacher")
    secret = make_token(user)
    api = app.test_client()

    created = api.post("/api/v1/practices", json=DRAFT, headers=bearer(secret))
    assert created.status_code == 201
    with app.app_context():
        assert db.session.scalar(select(ApiToken)).last_used_at is not None

    browser = app.test_client()
    sign_in(browser, user)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    revoke = browser.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(browser, "/profile")})
    assert revoke.status_code == 302
    assert "отозван" in browser.get("/profile").get_data(as_text=True)

    refused = api.post("/api/v1/practices", json=DRAFT, headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "отозван" in refused.get_json()["detail"]
    # A bad token is refused on reads too, not silently treated as anonymous.
    assert api.get("/api/v1/vocabularies", headers=bearer(secret)).status_code == 401


def test_foreign_token_cannot_be_revoked(app, make_user, make_token):
    owner, other = make_user("teacher"), make_user("teacher")
    secret = make_token(owner)
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    client = app.test_client()
    sign_in(client, other)
    client.post(f"/profile/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(client, "/profile")})
    assert "Такого действующего токена нет" in client.get("/profile").get_data(as_text=True)
    assert app.test_client().post("/api/v1/practices", json=DRAFT, headers=bearer(secret)).status_code == 201


def test_foreign_token_acts_as_its_owner_only(app, make_user, make_token, make_practice):
    owner, other = make_user("teacher"), make_user("teacher")
    with app.app_context():
        pid = make_practice("Черновик автора", status="draft", owner_id=owner)
    api = app.test_client()
    assert api.get(f"/api/v1/practices/{pid}", headers=bearer(make_token(owner))).status_code == 200
    response = api.patch(f"/api/v1/practices/{pid}", json={"title": "Чужая правка"}, headers=bearer(make_token(other)))
    assert response.status_code == 404


def test_deactivated_account_token_is_refused(app, make_user, make_token):
    from kb.accounts.models import User

    user = make_user("teacher")
    secret = make_token(user)
    with app.app_context():
        db.session.get(User, user).is_active_account = False
        db.session.commit()
    response = app.test_client().post("/api/v1/practices", json=DRAFT, headers=bearer(secret))
    assert response.status_code == 401
    # «Создайте новый на странице профиля» cannot be done by a blocked account: the answer says why instead.
    assert response.get_json()["detail"].startswith("Учётная запись заблокирована")
    assert "Создайте новый" not in response.get_json()["detail"]
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
        revoke_token(db.session.get(User, user), db.session.scalar(select(ApiToken.id)))
        db.session.commit()
    revoked = app.test_client().get("/api/v1/vocabularies", headers=bearer(secret))
    assert revoked.status_code == 401 and "Создайте новый" in revoked.get_json()["detail"]


def test_malformed_authorization_is_refused(app, make_user, make_token):
    make_token(make_user("teacher"))
    api = app.test_client()
    for header in ("Bearer", "Bearer kb_nonexistent", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 5000):
        response = api.post("/api/v1/practices", json=DRAFT, headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["title"] == "Нужна авторизация"
        # another scheme is told which one the API takes
        assert ("только токены Bearer" in response.get_json()["detail"]) == header.startswith("Basic"), header


def test_missing_token_on_write_is_401(app):
    response = app.test_client().post("/api/v1/practices", json=DRAFT)
    assert response.status_code == 401
    assert "токен" in response.get_json()["detail"]


def test_tokens_never_work_for_html_pages(app, make_user, make_token, make_practice):
    user = make_user("teacher")
    secret = make_token(user)
    with app.app_context():
        pid = make_practice("Черновик автора", status="draft", owner_id=user)
    client = app.test_client()
    assert client.get(f"/practices/{pid}", headers=bearer(secret)).status_code == 404
    assert client.get("/profile", headers=bearer(secret)).status_code == 302  # to the login page
    assert client.get(f"/api/v1/practices/{pid}", headers=bearer(secret)).status_code == 200


def test_session_cookie_does_not_authenticate_the_api(app, make_user, make_practice):
    """The API is exempt from CSRF only because it never reads the session: a signed-in browser is anonymous."""
    user = make_user("teacher")
    with app.app_context():
        pid = make_practice("Черновик автора", status="draft", owner_id=user)
    browser = app.test_client()
    sign_in(browser, user)
    assert browser.get(f"/api/v1/practices/{pid}").status_code == 404
    assert browser.post("/api/v1/practices", json=DRAFT).status_code == 401


def test_rate_limit_per_account(app, make_user, make_token):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = make_token(make_user("teacher")), make_token(make_user("teacher"))
    api = app.test_client()
    for left in (2, 1, 0):
        allowed = api.get("/api/v1/vocabularies", headers=bearer(first))
        assert allowed.status_code == 200 and allowed.headers["X-RateLimit-Remaining"] == str(left)
        assert "Retry-After" not in allowed.headers, "a 200 asks no one to wait"
    limited = api.get("/api/v1/vocabularies", headers=bearer(first))
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert limited.get_json()["title"] == "Слишком много запросов"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # Another account has its own allowance.
    assert api.get("/api/v1/vocabularies", headers=bearer(second)).status_code == 200


def test_an_accounts_tokens_share_one_allowance(app, make_user, make_token):
    """The limit bound a token: 20 tokens got 20 times the allowance, and revoking a spent token for a new one
    started a fresh day."""
    from kb.accounts.models import User
    from kb.accounts.tokens import create_token

    app.config["API_RATE_LIMIT"] = "3 per day"
    owner = make_user("teacher")
    first = make_token(owner)
    api = app.test_client()
    assert [api.get("/api/v1/vocabularies", headers=bearer(first)).status_code for _ in range(4)] == [200] * 3 + [429]
    with app.app_context():
        _, fresh = create_token(db.session.get(User, owner), "Новый после исчерпанного")
        db.session.commit()
    assert api.get("/api/v1/vocabularies", headers=bearer(fresh)).status_code == 429


def test_tokens_that_do_not_authenticate_share_the_address_limit(app, make_user, make_token):
    """Each made-up Bearer value had a bucket of its own, so random tokens were never limited (only 401s)."""
    app.config["API_RATE_LIMIT"] = "3 per minute"
    valid = make_token(make_user("teacher"))
    api = app.test_client()
    statements: list[str] = []

    def record(connection, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert api.get("/api/v1/vocabularies", headers=bearer(valid)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # The token is looked up once, although both the limit and the authentication need it.
    assert sum("FROM api_token" in statement for statement in statements) == 1
    for _ in range(3):
        assert api.get("/api/v1/vocabularies", headers=bearer("kb_" + secrets.token_urlsafe(32))).status_code == 401
    limited = api.get("/api/v1/vocabularies", headers=bearer("kb_" + secrets.token_urlsafe(32)))
    assert limited.status_code == 429
    assert api.get("/api/v1/vocabularies", headers={"Authorization": "Basic eDp5"}).status_code == 429
    assert api.get("/api/v1/vocabularies").status_code == 429, "the same address without a token"
    assert api.get("/api/v1/vocabularies", headers=bearer(valid)).status_code == 200, "a valid token counts apart"


def test_an_answer_to_a_token_is_no_shared_caches_to_keep(app, client, make_user, make_token):
    """A draft read with its author's token came with an ETag and no Cache-Control: a cache set to ignore
    Authorization could keep it and give it to anyone; pages of a session were private already."""
    user = make_user("teacher")
    headers = bearer(make_token(user))
    created = client.post("/api/v1/practices", json=DRAFT, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    draft = client.get(created.headers["Location"], headers=headers)
    assert draft.status_code == 200 and "private" in draft.headers["Cache-Control"]
    assert "private" not in client.get("/api/v1/search").headers.get("Cache-Control", "")


def test_control_characters_in_a_token_name_are_dropped(app, make_user):
    """A NUL typed into the name reached the database: PostgreSQL refused the row (a 500), SQLite kept it."""
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    response = _create_on_profile(client, name="Скрипт\x00 выгрузки\x07\x1f")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(ApiToken.name)) == "Скрипт выгрузки"
        event_details = db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "api_token_created"))
        assert event_details["name"] == "Скрипт выгрузки"
    assert _create_on_profile(client, name="\x00\x01").status_code == 302, "nothing but control characters: no name"
    assert "Назовите токен" in client.get("/profile").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ApiToken)) == 1
