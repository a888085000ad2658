"""Accounts: register, log in and out, passwords, reset links, roles, throttling, CSRF, headers, audit."""

import hashlib
import html
import re
import threading
from datetime import timedelta
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from sqlalchemy import func, select

from kb.accounts.models import AuditEvent, User
from kb.accounts.views import wait_for_reset_requests
from kb.extensions import db
from kb.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_from, sign_in


def _login(client, email, password):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_from(client, "/login")})


def test_register_login_logout(app, client):
    data = {"email": "Anna@Example.org", "name": "Анна Орлова", "organisation": "Школа № 5", "region": "RU-SMO",
            "password": PASSWORD, "password_again": PASSWORD, "consent": "y",
            "csrf_token": csrf_from(client, "/register")}
    response = client.post("/register", data=data, follow_redirects=True)
    assert "учётная запись создана" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@example.org"))
        assert user.role == "teacher" and user.region_code == "RU-SMO"
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash

    page = _login(client, "anna@example.org", PASSWORD)
    assert page.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Анна Орлова" in home and "Мои практики" in home
    token = csrf_from(client, "/profile")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Войти" in client.get("/").get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_the_login_form_after_registration_holds_the_address(app, client, make_user):
    """«Войдите с этим адресом и паролем» came over an empty form; the address is kept in the session (not in the
    address bar), for a taken address alike, and only for the next login page."""
    make_user("teacher", email="known@example.org")
    for email in ("Anna@Example.org", "known@example.org"):
        data = {"email": email, "name": "Анна Орлова", "password": PASSWORD, "password_again": PASSWORD,
                "consent": "y", "csrf_token": csrf_from(client, "/register")}
        response = client.post("/register", data=data)
        assert response.headers["Location"] == "/login"
        page = client.get("/login").get_data(as_text=True)
        assert "учётная запись создана" in page
        assert re.search(r'<input[^>]*id="email"[^>]*value="' + re.escape(email) + '"', page), page
        assert 'value="' + email not in client.get("/login").get_data(as_text=True)


def test_default_password_hash_is_full_strength_scrypt(tmp_path):
    from kb.accounts.services import hash_password
    from tests.conftest import make_app

    app = make_app(tmp_path / "strong")
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    with app.app_context():
        assert hash_password("длинный-пароль-123").startswith("scrypt:32768:8:1$")


def test_no_user_enumeration(app, client, make_user):
    make_user("teacher", email="known@example.org")
    wrong_password = _login(client, "known@example.org", "not-the-password").get_data(as_text=True)
    unknown_email = _login(client, "nobody@example.org", PASSWORD).get_data(as_text=True)
    message = "Неверный адрес электронной почты или пароль."
    assert message in wrong_password and message in unknown_email
    taken = {"email": "known@example.org", "name": "Двойник", "password": PASSWORD, "password_again": PASSWORD,
             "consent": "y", "csrf_token": csrf_from(client, "/register")}
    fresh = dict(taken, email="fresh@example.org", csrf_token=csrf_from(client, "/register"))
    assert client.post("/register", data=taken).headers["Location"] == client.post(
        "/register", data=fresh).headers["Location"]
    with app.app_context():
        twins = db.session.scalars(select(User.email).where(User.name == "Двойник")).all()
        assert twins == ["fresh@example.org"], "the taken address is not registered again"
        failed = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "login_failed")).all()
        assert len(failed) == 2


def test_login_is_throttled_with_a_russian_message(app, client):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert _login(client, "x@example.org", "wrong").status_code == 200
    response = _login(client, "x@example.org", "wrong")
    assert response.status_code == 429
    assert "Слишком много попыток входа" in response.get_data(as_text=True)


def test_one_accounts_password_is_not_guessed_faster_from_many_addresses(app, make_user):
    """The login limit was kept per address only: forty guesses at one account's password, each from an address of
    its own, were all checked. Failed logins are now counted per account (its e-mail) too; a successful login is
    not counted, another account is not held back, and the wait ends with the window."""
    app.config.update(LOGIN_RATE_LIMIT="100 per minute", LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    make_user("teacher", email="victim@example.org")
    make_user("teacher", email="other@example.org")

    def attempt(email: str, password: str, address: str):
        client = app.test_client()
        environ = {"REMOTE_ADDR": address}
        page = client.get("/login", environ_base=environ).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        return client.post("/login", data={"email": email, "password": password, "csrf_token": token},
                           environ_base=environ)

    for n in range(5):  # the owner signs in as often as he likes
        assert attempt("victim@example.org", PASSWORD, f"192.0.2.{n + 1}").status_code == 302
    for n in range(3):
        assert attempt(" Victim@Example.org", f"guess-{n}", f"198.51.100.{n + 1}").status_code == 200
    refused = attempt("victim@example.org", "guess-3", "203.0.113.9")
    assert refused.status_code == 429 and "Слишком много попыток входа" in refused.get_data(as_text=True)
    assert refused.headers["Retry-After"]
    assert attempt("victim@example.org", PASSWORD, "203.0.113.10").status_code == 429, "checked before the password"
    assert attempt("other@example.org", PASSWORD, "198.51.100.1").status_code == 302


def test_the_current_password_is_not_guessed_faster_than_at_the_login_form(app, client, make_user):
    """«Смена пароля» checked the current password with no limit and no trace: a borrowed session could try
    passwords as fast as it liked."""
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    user_id = make_user("teacher", email="guess@example.org")
    sign_in(client, user_id)

    def guess(password: str):
        return client.post("/profile/password", data={
            "current": password, "password": "brand-new-password", "password_again": "brand-new-password",
            "csrf_token": csrf_from(client, "/profile/password")})

    for n in range(3):
        page = guess(f"wrong-{n}")
        assert page.status_code == 200 and "Текущий пароль указан неверно" in page.get_data(as_text=True)
    refused = guess(PASSWORD)
    assert refused.status_code == 429 and "Слишком много попыток" in refused.get_data(as_text=True)
    with app.app_context():
        failed = db.session.scalars(select(AuditEvent.target_id).where(
            AuditEvent.action == "password_change_failed")).all()
        assert failed == [user_id] * 3
        assert not db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "password_changed"))
    # Another account in the same browser's address is not held back by this one's guesses.
    other = app.test_client()
    sign_in(other, make_user("teacher", email="other@example.org"))
    assert other.post("/profile/password", data={
        "current": PASSWORD, "password": "brand-new-password", "password_again": "brand-new-password",
        "csrf_token": csrf_from(other, "/profile/password")}).status_code == 302


def test_forms_without_csrf_token_are_refused(app, client, make_user):
    make_user("teacher", email="t@example.org")
    response = client.post("/login", data={"email": "t@example.org", "password": PASSWORD})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    user_id = make_user("teacher")
    sign_in(client, user_id)
    refused = client.post("/practices/new", data={"title": "Без токена практика"})
    assert refused.status_code == 400


def test_security_headers_and_cookie_flags(client, make_user):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    make_user("teacher", email="c@example.org")
    login = _login(client, "c@example.org", PASSWORD)
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_change_password_ends_other_sessions(app, make_user):
    make_user("teacher", email="p@example.org")
    first, second = app.test_client(), app.test_client()
    _login(first, "p@example.org", PASSWORD)
    _login(second, "p@example.org", PASSWORD)
    new = "another-long-password"
    response = first.post("/profile/password", data={"current": PASSWORD, "password": new, "password_again": new,
                                                      "csrf_token": csrf_from(first, "/profile/password")})
    assert response.status_code == 302
    assert first.get("/profile").status_code == 200
    assert second.get("/profile").status_code == 302, "the other session is signed out"
    wrong = first.post("/profile/password", data={"current": "bad", "password": new + "x",
                                                   "password_again": new + "x",
                                                   "csrf_token": csrf_from(first, "/profile/password")})
    assert "Текущий пароль указан неверно." in wrong.get_data(as_text=True)


def test_admin_issues_a_one_time_reset_link(app, make_user):
    admin_id = make_user("admin", email="admin@example.org")
    user_id = make_user("teacher", email="forgot@example.org")
    admin = app.test_client()
    sign_in(admin, admin_id)
    page = admin.post(f"/admin/users/{user_id}", data={"action": "reset-link",
                                                        "csrf_token": csrf_from(admin, f"/admin/users/{user_id}")})
    link = re.search(r"http://localhost(/reset/[\w-]+)", page.get_data(as_text=True)).group(1)
    # the page shows a secret once, as the API token page does: the browser must not keep it on disk
    assert "no-store" in page.headers["Cache-Control"]
    assert "no-store" not in admin.get(f"/admin/users/{user_id}").headers.get("Cache-Control", "")
    user = app.test_client()
    new = "brand-new-password"
    assert user.post(link, data={"password": new, "password_again": new,
                                 "csrf_token": csrf_from(user, link)}).status_code == 302
    assert _login(user, "forgot@example.org", new).status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 404 and "Ссылка недействительна" in again.get_data(as_text=True)


def test_expired_reset_link_is_refused(app, make_user):
    from kb.accounts.services import issue_reset_token

    user_id = make_user("teacher")
    with app.app_context():
        user = db.session.get(User, user_id)
        token = issue_reset_token(user, None)
        user.reset_token_expires -= timedelta(days=3)
        db.session.commit()
    assert app.test_client().get(f"/reset/{token}").status_code == 404


def test_admin_changes_roles_and_it_is_audited(app, make_user):
    admin_id = make_user("admin")
    user_id = make_user("teacher")
    admin = app.test_client()
    sign_in(admin, admin_id)
    url = f"/admin/users/{user_id}"
    no_scope = admin.post(url, data={"role": "methodist", "csrf_token": csrf_from(admin, url)},
                          follow_redirects=True)
    assert "укажите область модерации" in no_scope.get_data(as_text=True)
    admin.post(url, data={"role": "methodist", "scope_region": "RU-SMO", "csrf_token": csrf_from(admin, url)})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.scope_region_code) == ("methodist", "RU-SMO")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role_changed"))
        assert event.actor_id == admin_id and event.details["after"]["role"] == "methodist"
    audit = admin.get("/admin/audit").get_data(as_text=True)
    # in Russian, not the stored codes: the action, its object, what it changed
    row = re.search(r"<tr role=\"row\">\s*<td role=\"cell\" class=\"nowrap\".*?</tr>", audit, re.S).group(0)
    assert ">Смена роли</td>" in row and f"пользователь №{user_id}" in row
    assert "было: роль: Педагог; регион модерации: —; организация модерации: —<br>" in row
    assert "стало: роль: Методист; регион модерации: Смоленская область; организация модерации: —" in row
    assert "RU-SMO" not in row
    assert "role_changed" not in row and "{" not in row
    assert '<option value="role_changed">Смена роли</option>' in audit
    self_demotion = admin.post(f"/admin/users/{admin_id}", data={
        "role": "teacher", "csrf_token": csrf_from(admin, f"/admin/users/{admin_id}")}, follow_redirects=True)
    assert "Нельзя снять роль администратора" in self_demotion.get_data(as_text=True)


def test_an_organisation_scope_needs_its_region_on_the_role_form(app, make_user):
    """An organisation without a region moderated that name in every region (thousands of schools share one): the
    form asks for the region and keeps what was typed; with it, the methodist moderates the organisation there."""
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    user_id = make_user("teacher", region=None)
    url = f"/admin/users/{user_id}"
    with admin.post(url, data={"role": "methodist", "scope_region": "", "scope_organisation": "Гимназия № 2 Казани",
                               "csrf_token": csrf_from(admin, url)}) as response:
        page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Роль сохранена." not in page
    assert "Укажите регион модерации и для организации" in page and "field--error" in page
    assert 'value="Гимназия № 2 Казани"' in page
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.scope_region_code, user.scope_organisation) == ("teacher", None, None)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role_changed")) is None
    with admin.post(url, data={"role": "methodist", "scope_region": "RU-TA",
                               "scope_organisation": "Гимназия № 2 Казани", "csrf_token": csrf_from(admin, url)},
                    follow_redirects=True) as response:
        page = response.get_data(as_text=True)
    assert "Роль сохранена." in page
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.role, user.scope_region_code, user.scope_organisation) == (
            "methodist", "RU-TA", "Гимназия № 2 Казани")
        assert user.scope_label == "Гимназия № 2 Казани (Республика Татарстан)"
    with admin.get("/admin/users") as response:
        assert "Гимназия № 2 Казани (Республика Татарстан)" in response.get_data(as_text=True)


def test_the_user_list_shows_each_account_once_as_a_card_row_by_its_shown_name(app, make_user):
    """A merge left its conflict markers in the users list: each account was listed twice, once as a card and
    once as a bare row with «<<<<<<< HEAD» and «>>>>>>> fix-privacy» printed on the page."""
    admin = app.test_client()
    sign_in(admin, make_user("admin", email="boss@example.org"))
    nameless = make_user("teacher", email="noname@example.org")
    with app.app_context():
        db.session.get(User, nameless).name = ""
        db.session.commit()
    with admin.get("/admin/users") as response:
        page = response.get_data(as_text=True)
    assert "<<<<<<<" not in page and ">>>>>>>" not in page and "=======" not in page
    assert page.count("noname@example.org") == 1 and page.count('<tr role="row">') == 3  # the header, two accounts
    row = re.search(rf'<tr role="row">\s*<td[^>]*><a href="/admin/users/{nameless}">(.*?)</a>', page).group(1)
    assert row == "Педагог"  # an account without a name by its role, not its address


def test_the_user_list_finds_names_with_yo_in_any_case_and_takes_wildcards_for_letters(app, make_user):
    """«Семина» did not find «Сёмина Алёна», and «%» listed everyone."""
    admin = app.test_client()
    sign_in(admin, make_user("admin", email="boss@example.org"))
    named = {make_user("teacher", email="syomina@example.org"): "Сёмина Алёна",
             make_user("teacher", email="percent_user@example.org"): "Процентов Пётр"}
    with app.app_context():
        for user_id, name in named.items():
            db.session.get(User, user_id).name = name
        db.session.commit()

    def found(q: str) -> set[str]:
        with admin.get("/admin/users", query_string={"q": q}) as response:
            page = response.get_data(as_text=True)
        return {email for email in ("boss@example.org", "syomina@example.org", "percent_user@example.org")
                if email in page}

    for q in ("Семина", "семина", "АЛЕНА", "сЁмина  алёна", "SYOMINA@"):
        assert found(q) == {"syomina@example.org"}, q
    assert found("%") == set() and found("се_ина") == set()
    assert found("nt_us") == {"percent_user@example.org"}


def test_change_role_takes_the_users_own_region_for_an_organisation_and_refuses_none(app, make_user):
    """Called without a region (the CLI, a script): the organisation is the one of the user's own region, fixed
    then; a user without a region gets none."""
    from kb.accounts.services import AccountError, change_role

    placed, unplaced = make_user("teacher", region="RU-CHE"), make_user("teacher", region=None)
    with app.app_context():
        user = db.session.get(User, placed)
        change_role(user, "methodist", user, scope_organisation="МБОУ «СОШ № 1»")
        assert (user.scope_region_code, user.scope_organisation) == ("RU-CHE", "МБОУ «СОШ № 1»")
        other = db.session.get(User, unplaced)
        with pytest.raises(AccountError, match="Укажите регион модерации и для организации"):
            change_role(other, "methodist", other, scope_organisation="МБОУ «СОШ № 1»")


def test_a_user_edits_the_profile_and_it_is_audited(app, make_user):
    """The name, organisation and region given at registration could not be changed: /profile had only the
    password and API tokens."""
    user_id = make_user("teacher", email="typo@example.org")
    client = app.test_client()
    sign_in(client, user_id)
    assert 'href="/profile/edit">Изменить профиль</a>' in client.get("/profile").get_data(as_text=True)
    form = client.get("/profile/edit").get_data(as_text=True)
    assert 'value="Тестовый teacher"' in form and '<option selected value="RU-CHE">' in form
    assert "typo@example.org" in form
    assert client.post("/profile/edit", data={"name": "Анна", "region": "RU-TA"}).status_code == 400  # no CSRF
    empty = client.post("/profile/edit", data={"name": "  ", "organisation": "", "region": "RU-XX",
                                               "csrf_token": csrf_from(client, "/profile/edit")})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 200 and "Укажите имя." in page and "Неверный вариант." in page
    saved = client.post("/profile/edit", follow_redirects=True, data={
        "name": " Анна Орлова ", "organisation": "Гимназия № 2", "region": "RU-TA",
        "csrf_token": csrf_from(client, "/profile/edit")})
    page = saved.get_data(as_text=True)
    assert "Профиль сохранён." in page and "Анна Орлова" in page and "Гимназия № 2" in page
    assert "Республика Татарстан" in page
    again = client.post("/profile/edit", follow_redirects=True, data={
        "name": "Анна Орлова", "organisation": "Гимназия № 2", "region": "RU-TA",
        "csrf_token": csrf_from(client, "/profile/edit")})
    assert "Изменений нет." in again.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.name, user.organisation, user.region_code, user.email) == (
            "Анна Орлова", "Гимназия № 2", "RU-TA", "typo@example.org")
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "profile_changed")).all()
        assert len(events) == 1 and events[0].actor_id == user_id and events[0].target_id == user_id
        assert events[0].details == {
            "before": {"full_name": "Тестовый teacher", "organisation": "", "region": "RU-CHE"},
            "after": {"full_name": "Анна Орлова", "organisation": "Гимназия № 2", "region": "RU-TA"}}
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    row = re.search(r"<tr role=\"row\">\s*<td role=\"cell\" class=\"nowrap\".*?</tr>",
                    admin.get("/admin/audit").get_data(as_text=True), re.S).group(0)
    assert ">Изменён профиль</td>" in row and "стало: имя: Анна Орлова; организация: Гимназия № 2; " \
        "регион: Республика Татарстан" in row


def test_a_methodist_editing_the_profile_keeps_the_moderation_scope(app, make_user):
    """The moderation scope is the administrator's setting, apart from the profile's region: the form says so,
    and a new region in the profile leaves the queue as it was."""
    user_id = make_user("methodist", scope_region="RU-CHE")
    client = app.test_client()
    sign_in(client, user_id)
    form = client.get("/profile/edit").get_data(as_text=True)
    assert "Область модерации — Челябинская область — задаёт администратор" in form
    client.post("/profile/edit", data={"name": "Методист", "organisation": "ИРО", "region": "RU-TA",
                                       "csrf_token": csrf_from(client, "/profile/edit")})
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.region_code, user.scope_region_code, user.scope_organisation, user.role) == (
            "RU-TA", "RU-CHE", None, "methodist")


@pytest.mark.parametrize("url", ["/admin/users", "/admin/audit", "/practices/moderation"])
def test_admin_and_moderation_pages_are_closed_to_teachers(app, make_user, url):
    client = app.test_client()
    assert client.get(url).status_code == 302
    sign_in(client, make_user("teacher"))
    response = client.get(url)
    assert response.status_code == 403
    assert "Доступ запрещён" in response.get_data(as_text=True)


@pytest.mark.parametrize(("target", "location"), [
    ("//evil.example/x", "/"),
    ("/\t/evil.example", "/"),  # a browser drops the tab: "//evil.example" (werkzeug's Location did too)
    ("/\\evil.example", "/"),  # a browser reads the backslash as "/"
    ("https://evil.example/", "/"),
    ("/search?q=ШНО", "/search?q=%D0%A8%D0%9D%D0%9E"),
])
def test_login_redirects_only_within_the_site(app, make_user, target, location):
    from urllib.parse import quote

    client = app.test_client()
    make_user("teacher", email="r@example.org")
    token = csrf_from(client, "/login")
    response = client.post(f"/login?next={quote(target)}", data={"email": "r@example.org", "password": PASSWORD,
                                                                  "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_create_user_command(app, runner):
    ok = runner.invoke(args=["create-user", "boss@example.org", "--role", "admin", "--password", PASSWORD])
    assert ok.exit_code == 0, ok.output
    assert "Создан пользователь boss@example.org (Администратор)" in ok.output
    no_scope = runner.invoke(args=["create-user", "m@example.org", "--role", "methodist", "--password", PASSWORD])
    assert no_scope.exit_code == 1 and "--region" in no_scope.output
    bad_region = runner.invoke(args=["create-user", "m@example.org", "--role", "methodist", "--region", "RU-ZZZ",
                                     "--password", PASSWORD])
    assert bad_region.exit_code == 1 and "Неизвестный код региона" in bad_region.output
    weak = runner.invoke(args=["create-user", "w@example.org", "--password", "short"])
    assert weak.exit_code == 1 and "не короче 10" in weak.output
    taken = runner.invoke(args=["create-user", "boss@example.org", "--password", PASSWORD])
    assert taken.exit_code == 1
    for blank in ("", "   "):
        refused = runner.invoke(args=["create-user", blank, "--password", PASSWORD])
        assert refused.exit_code == 1 and "Укажите адрес электронной почты" in refused.output, refused.output
    for malformed in ("not an email", "admin@", "admin@localhost", "a@b@c.ru"):
        refused = runner.invoke(args=["create-user", malformed, "--password", PASSWORD])
        assert refused.exit_code == 1 and "Проверьте адрес электронной почты" in refused.output, refused.output
        assert "Traceback" not in refused.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "boss@example.org")).role == "admin"
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_command_refuses_values_longer_than_their_columns(app, runner):
    """«--name» over 200 characters or «--organisation» over 500 was a psycopg traceback on PostgreSQL (SQLite kept
    them): the forms check these lengths, the command did not."""
    long_name = runner.invoke(args=["create-user", "a1@example.org", "--name", "Я" * 201, "--password", PASSWORD])
    assert long_name.exit_code == 1 and "Имя — не длиннее 200 символов (указано 201)" in long_name.output
    long_org = runner.invoke(args=["create-user", "a2@example.org", "--role", "methodist", "--region", "RU-CHE",
                                   "--organisation", "О" * 501, "--password", PASSWORD])
    assert long_org.exit_code == 1 and "Организация — не длиннее 500 символов" in long_org.output, long_org.output
    fits = runner.invoke(args=["create-user", "a3@example.org", "--name", "Я" * 200, "--password", PASSWORD])
    assert fits.exit_code == 0, fits.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_a_double_click_on_register_answers_the_second_as_a_taken_address(app, monkeypatch):
    """Both requests of a double click looked the address up before either saved it; the second's insert met
    uq_user_email, a 500 on PostgreSQL. It is answered as a taken address is (the same page, an audit event)."""
    import kb.accounts.services

    real = kb.accounts.services.find_user
    # register's and create_user's look-ups of both requests find nothing: the second's were made before the first
    # request saved the account
    misses = iter(range(4))
    monkeypatch.setattr(kb.accounts.services, "find_user",
                        lambda email: None if next(misses, None) is not None else real(email))
    answers = []
    client = app.test_client()
    for _ in range(2):
        data = {"email": "twice@example.org", "name": "Ёлкина Анна", "password": "dlinnyi-parol-123",
                "password_again": "dlinnyi-parol-123", "consent": "y", "csrf_token": csrf_from(client, "/register")}
        with client.post("/register", data=data) as response:
            answers.append((response.status_code, response.headers.get("Location")))
    assert answers == [(302, "/login"), (302, "/login")]
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "twice@example.org"))
        events = db.session.execute(select(AuditEvent.action, AuditEvent.target_id).where(
            AuditEvent.action.in_(("registration_taken", "user_registered"))).order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [("user_registered", user_id), ("registration_taken", user_id)]


def test_create_user_command_takes_blank_values_for_none(app, runner):
    """«--organisation "   "» made a methodist who moderated nothing, «--name "   "» a user with no name (an empty link
    in /admin/users)."""
    blank_scope = runner.invoke(args=["create-user", "m@example.org", "--role", "methodist", "--organisation", "   ",
                                      "--password", PASSWORD])
    assert blank_scope.exit_code == 1 and "Для методиста укажите область модерации" in blank_scope.output
    blank_region = runner.invoke(args=["create-user", "m@example.org", "--role", "methodist", "--region", " ",
                                       "--password", PASSWORD])
    assert blank_region.exit_code == 1 and "Для методиста укажите область модерации" in blank_region.output
    nameless = runner.invoke(args=["create-user", " n@example.org", "--name", "   ", "--password", PASSWORD])
    assert nameless.exit_code == 0, nameless.output
    nowhere = runner.invoke(args=["create-user", "o@example.org", "--role", "methodist", "--organisation",
                                  "МБОУ «СОШ № 5»", "--password", PASSWORD])
    assert nowhere.exit_code == 1 and "укажите и --organisation, и --region" in nowhere.output
    scoped = runner.invoke(args=["create-user", "o@example.org", "--role", "methodist", "--organisation",
                                 "  МБОУ «СОШ № 5»  ", "--region", "RU-SMO", "--scope", "organisation", "--name",
                                 "  Петрова Анна ", "--password", PASSWORD])
    assert scoped.exit_code == 0, scoped.output
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
    assert set(users) == {"n@example.org", "o@example.org"}
    assert users["n@example.org"].name == ""  # no name rather than the address (shown as «Педагог»)
    scoped_user = users["o@example.org"]
    assert (scoped_user.name, scoped_user.scope_organisation, scoped_user.scope_region_code) == (
        "Петрова Анна", "МБОУ «СОШ № 5»", "RU-SMO")


def test_demo_accounts_are_printed_and_work(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["demo"])
    assert "methodist@demo.example / demo-methodist-pass" in result.output
    client = demo_app.test_client()
    assert _login(client, "methodist@demo.example", "demo-methodist-pass").status_code == 302
    assert "Модерация" in client.get("/").get_data(as_text=True)


def test_reset_link_is_mailed_when_smtp_is_configured(app, make_user, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user))

        def send_message(self, message):
            sent.append(("message", message["To"], message["Subject"], message.get_content()))

    import kb.accounts.mail

    monkeypatch.setattr(kb.accounts.mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="smtp.test", SMTP_USER="bank", SMTP_PASSWORD="secret",
                      SITE_URL="https://bank.example.ru")
    admin_id, user_id = make_user("admin"), make_user("teacher", email="mailme@example.org")
    admin = app.test_client()
    sign_in(admin, admin_id)
    page = admin.post(f"/admin/users/{user_id}", data={"action": "reset-link",
                                                        "csrf_token": csrf_from(admin, f"/admin/users/{user_id}")})
    assert "Ссылка отправлена на mailme@example.org" in page.get_data(as_text=True)
    assert sent[0] == ("connect", "smtp.test", 587) and ("login", "bank") in sent
    message = sent[-1]
    assert message[1] == "mailme@example.org" and "https://bank.example.ru/reset/" in message[3]


def _fake_mail_server(app, monkeypatch, held: threading.Event | None = None, site_url: str = "http://localhost"
                      ) -> list:
    """SMTP_HOST (and SITE_URL, the address of mailed links) set, and the messages «sent» collected instead: (to,
    subject, body); with ``held``, a connection waits until it is set."""
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            if held is not None:
                assert held.wait(10)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append((message["To"], message["Subject"], message.get_content()))

    import kb.accounts.mail

    monkeypatch.setattr(kb.accounts.mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(SMTP_HOST="smtp.test", MAIL_FROM="bank@school.example", SITE_URL=site_url)
    return sent


def test_a_forgotten_password_is_reset_by_a_mailed_link(app, make_user, monkeypatch):
    """With a mail server the login page offers «Забыли пароль?»: the reset link an administrator can give, mailed
    on request, with one answer for a known and an unknown address. Before, the page only said to ask the
    administrator, and named none."""
    smtp_answers = threading.Event()
    sent = _fake_mail_server(app, monkeypatch, smtp_answers)
    user_id = make_user("teacher", email="forgot@example.org")
    client = app.test_client()
    assert '<a href="/reset">Забыли пароль?</a>' in client.get("/login").get_data(as_text=True)
    assert client.post("/reset", data={"email": "forgot@example.org"}).status_code == 400  # no CSRF token
    answers = []
    for email in ("Forgot@Example.org ", "nobody@example.org"):
        before = len(sent)
        response = client.post("/reset", data={"email": email, "csrf_token": csrf_from(client, "/reset")})
        answers.append((response.status_code, response.headers["Location"],
                        client.get("/login").get_data(as_text=True).count("Если этот адрес зарегистрирован")))
        assert len(sent) == before, "the link is issued and mailed after the answer, whose time tells nothing"
        smtp_answers.set()
        wait_for_reset_requests()
        smtp_answers.clear()
    smtp_answers.set()
    assert answers[0] == answers[1] == (302, "/login", 1)
    assert [(to, subject) for to, subject, _ in sent] == [("forgot@example.org", "Смена пароля в банке практик")]
    link = re.search(r"http://localhost(/reset/[\w-]+)", sent[0][2]).group(1)
    # asked again at once: no second mail, and the first link still works
    client.post("/reset", data={"email": "forgot@example.org", "csrf_token": csrf_from(client, "/reset")})
    wait_for_reset_requests()
    assert len(sent) == 1
    new = "brand-new-password"
    assert client.post(link, data={"password": new, "password_again": new,
                                   "csrf_token": csrf_from(client, link)}).status_code == 302
    assert _login(app.test_client(), "forgot@example.org", new).status_code == 302
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reset_link_issued"))
        assert (event.actor_id, event.target_id, event.details) == (None, user_id, {"via": "forgot"})


def test_asking_for_reset_links_is_throttled_like_logins(app, monkeypatch):
    _fake_mail_server(app, monkeypatch)
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    client = app.test_client()
    for _ in range(2):
        assert client.post("/reset", data={"email": "x@example.org",
                                           "csrf_token": csrf_from(client, "/reset")}).status_code == 302
    response = client.post("/reset", data={"email": "x@example.org", "csrf_token": csrf_from(client, "/reset")})
    assert response.status_code == 429 and "Слишком много попыток" in response.get_data(as_text=True)
    wait_for_reset_requests()


@pytest.mark.parametrize(("settings", "contact"), [
    ({"SUPPORT_EMAIL": "metodist@iro.example"}, "metodist@iro.example"),
    ({"MAIL_FROM": "bank@iro.example"}, "bank@iro.example"),
    ({}, None),  # MAIL_FROM is still the default bank@localhost: no address to name
])
def test_without_mail_the_login_page_names_whom_to_ask(app, settings, contact):
    app.config.update(settings)
    client = app.test_client()
    for url in ("/login", "/reset"):
        page = client.get(url).get_data(as_text=True)
        assert 'href="/reset"' not in page
        assert ('name="email"' in page) == (url == "/login"), url  # without mail /reset has no form
        if contact:
            assert f'напишите на <a href="mailto:{contact}">{contact}</a>' in page, url
        else:
            assert "попросите администратора банка выдать ссылку" in page and "mailto:" not in page, url


def test_login_throttling_counts_in_redis(tmp_path, base_instance):
    """With several workers the limit must live in Redis, where every worker process sees it."""
    import os
    import shutil
    import uuid

    redis = pytest.importorskip("redis")
    url = os.environ.get("KB_TEST_REDIS", "redis://127.0.0.1:6379/15")
    server = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        server.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis must answer in CI: {exc}")
        pytest.skip(f"Redis is not reachable at {url}: {exc}")
    from tests.conftest import make_app

    prefix = f"kbtest-{uuid.uuid4().hex}"
    shutil.copytree(base_instance, tmp_path / "worker")
    app = make_app(tmp_path / "worker", RATELIMIT_STORAGE_URI=url, LOGIN_RATE_LIMIT="3 per minute",
                   RATELIMIT_KEY_PREFIX=prefix)
    client = app.test_client()
    try:
        for _ in range(3):
            assert _login(client, "x@example.org", "wrong").status_code == 200
        assert _login(client, "x@example.org", "wrong").status_code == 429
        assert list(server.scan_iter(f"*{prefix}*")), "the counter is stored in Redis"
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)


def test_when_redis_does_not_answer_pages_work_and_logins_are_still_limited(tmp_path, base_instance):
    """Limits are counted in each process's memory while their storage is down (it used to be a 500 on every
    limited request: the API, OAI-PMH, the login form)."""
    import shutil
    import socket

    pytest.importorskip("redis")
    from tests.conftest import make_app

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shutil.copytree(base_instance, tmp_path / "worker")
    app = make_app(tmp_path / "worker", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0",
                   LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    assert client.get("/api/v1/search", query_string={"q": "урок"}).status_code == 200
    assert client.get("/oai", query_string={"verb": "Identify"}).status_code == 200
    for _ in range(3):
        assert _login(client, "x@example.org", "wrong").status_code == 200
    assert _login(client, "x@example.org", "wrong").status_code == 429


def test_audit_log_pages_keep_the_filter(app, make_user):
    from kb.accounts.services import record

    admin_id = make_user("admin")
    with app.app_context():
        for _ in range(60):
            record("login_failed", None, details={"email": "x@example.org"})
        db.session.commit()
    client = app.test_client()
    sign_in(client, admin_id)
    page = client.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert "1 из 2" in page
    assert 'href="/admin/audit?page=2&amp;action=login_failed"' in page
    assert client.get("/admin/audit?action=login_failed&page=2").get_data(as_text=True).count("<tr role=\"row\">") == 11


def test_field_errors_are_tied_to_their_fields(client):
    """A screen reader announces which field an error belongs to (aria-invalid + aria-describedby)."""
    data = {"email": "не-почта", "name": "Анна", "organisation": "Школа", "region": "RU-SMO",
            "password": PASSWORD, "password_again": PASSWORD, "consent": "y",
            "csrf_token": csrf_from(client, "/register")}
    page = client.post("/register", data=data).get_data(as_text=True)
    field = re.search(r'<input[^>]*id="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="email-error"' in field
    assert re.search(r'<div class="error" id="email-error" role="alert"><p>[^<]+</p></div>', page)
    name = re.search(r'<input[^>]*id="name"[^>]*>', page).group(0)
    assert "aria-invalid" not in name


def test_a_password_keeps_every_character_it_was_set_with(app, client):
    """The forms drop control characters from text (they broke the DOCX export), but not from passwords: those are
    only hashed, and one set with a control character (by a password manager, or before the filter) must still
    match, while the same password without it must not."""
    from kb.accounts.services import create_user

    odd = "long-enough\x0bpassword"
    with app.app_context():
        create_user("odd@example.org", "Пароль с управляющим знаком", odd, role="teacher", region_code="RU-CHE")
        db.session.commit()
    assert _login(client, "odd@example.org", "long-enoughpassword").status_code == 200, "the bare one is refused"
    assert _login(client, "odd@example.org", odd).status_code == 302
    again = "another\x0bpassword-here"
    response = client.post("/profile/password", data={"current": odd, "password": again, "password_again": again,
                                                      "csrf_token": csrf_from(client, "/profile/password")})
    assert response.status_code == 302
    other = app.test_client()
    assert _login(other, "odd@example.org", "anotherpassword-here").status_code == 200
    assert _login(other, "odd@example.org", again).status_code == 302


@pytest.mark.parametrize("cookie", ['remember_token="1|\\377"', "remember_token=1|й", "remember_token=мусор"])
def test_a_remember_cookie_the_bank_never_sets_is_ignored(app, make_user, cookie):
    """Flask-Login read its «remember me» cookie although the bank never sets one: a non-ASCII byte in it made
    hmac.compare_digest raise, a 500 on every page (the error page too, in gunicorn's English)."""
    from flask_login.utils import encode_cookie

    client = app.test_client(use_cookies=False)  # a client with its own cookies drops a Cookie header given

    for url, status in (("/", 200), ("/login", 200), ("/search?q=урок", 200), ("/profile", 302)):
        assert client.get(url, headers={"Cookie": cookie}).status_code == status, url
    user_id = make_user("teacher")
    with app.test_request_context():
        genuine = encode_cookie(db.session.get(User, user_id).get_id())  # as Flask-Login would set it
    page = client.get("/profile", headers={"Cookie": f'remember_token="{genuine}"'})
    assert page.status_code == 302, "a remember cookie signs no one in: the bank issues none"


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_proxy_each_visitor_is_limited_by_his_own_address(tmp_path, base_instance, proxies):
    """Behind nginx every request comes from nginx's address, so one person's failed logins locked everyone out.
    With PROXY_COUNT = 1 the address nginx adds to X-Forwarded-For counts, and X-Forwarded-Proto gives the
    links' scheme; with no proxy (0) anyone could send those headers, and they change nothing."""
    import shutil

    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    app = make_app(tmp_path / "site", LOGIN_RATE_LIMIT="3 per minute", PROXY_COUNT=proxies)
    client = app.test_client()

    def attempt(address: str):
        return client.post("/login", data={"email": "x@example.org", "password": "wrong",
                                           "csrf_token": csrf_from(client, "/login")},
                           headers={"X-Forwarded-For": address})

    for _ in range(3):
        assert attempt("203.0.113.5").status_code == 200
    assert attempt("203.0.113.5").status_code == 429
    assert attempt("198.51.100.7").status_code == (200 if proxies else 429)
    sitemap = client.get("/sitemap.xml", headers={"X-Forwarded-Proto": "https"}).get_data(as_text=True)
    assert ("https://localhost/" if proxies else "http://localhost/") in sitemap


def test_a_request_for_another_host_is_refused_when_the_sites_names_are_set(tmp_path, base_instance):
    """Links the bank gives out (the sitemap, the feed, OAI-PMH, reset and share links) are made from the Host of
    the request: with SITE_HOSTS a hostile Host gets 400 instead of a page of links to another site."""
    import shutil

    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    app = make_app(tmp_path / "site", SITE_HOSTS=["bank.example.ru", ".bank.example.ru"])
    own = app.test_client().get("/sitemap.xml", base_url="http://bank.example.ru")
    assert own.status_code == 200 and "<loc>http://bank.example.ru/" in own.get_data(as_text=True)
    hostile = app.test_client().get("/sitemap.xml", base_url="http://evil.example")
    assert hostile.status_code == 400
    assert "evil.example" not in hostile.get_data(as_text=True)
    page = app.test_client().get("/", base_url="http://evil.example")
    assert page.status_code == 400 and "Неверный запрос" in page.get_data(as_text=True)
    assert app.test_client().get("/", base_url="http://www.bank.example.ru").status_code == 200


def test_the_sites_names_ignore_case_and_admit_only_their_own_ports(tmp_path, base_instance):
    """Host names are case-insensitive: «BANK.EXAMPLE.RU» is the site (links say bank.example.ru). A port the
    site's entry does not name was accepted and written into every link (the sitemap gave
    http://bank.example.ru:8080/…); the scheme's default port is the site's own."""
    import shutil

    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    app = make_app(tmp_path / "site", SITE_HOSTS=["Bank.Example.RU", ".bank.example.ru", "test.example.ru:8443"],
                   PROXY_COUNT=1)
    client = app.test_client()

    def sitemap(host: str, **headers) -> tuple[int, str]:
        response = client.get("/sitemap.xml", headers={"Host": host, **headers})
        return response.status_code, response.get_data(as_text=True)

    status, body = sitemap("BANK.EXAMPLE.RU")
    assert status == 200 and "<loc>http://bank.example.ru/" in body and "BANK" not in body
    status, body = sitemap("WWW.Bank.Example.Ru")
    assert status == 200 and "<loc>http://www.bank.example.ru/" in body
    assert sitemap("bank.example.ru:8080")[0] == 400
    status, body = sitemap("bank.example.ru:80")
    assert status == 200 and "<loc>http://bank.example.ru/" in body
    status, body = sitemap("bank.example.ru:443", **{"X-Forwarded-Proto": "https"})
    assert status == 200 and "<loc>https://bank.example.ru/" in body
    assert sitemap("bank.example.ru:443")[0] == 400  # 443 is no default of plain http
    status, body = sitemap("test.example.ru:8443", **{"X-Forwarded-Proto": "https"})
    assert status == 200 and "<loc>https://test.example.ru:8443/" in body
    assert sitemap("test.example.ru:9000")[0] == 400
    assert sitemap("evil.example:8443")[0] == 400


def test_a_health_probe_passes_the_host_check(tmp_path, base_instance):
    """A health check sent straight to gunicorn (systemd, a load balancer: «curl 127.0.0.1:8000/healthz») names
    no site; with SITE_HOSTS it got 400 instead of the health answer. /healthz builds no link."""
    import shutil

    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    app = make_app(tmp_path / "site", SITE_HOSTS=["bank.example.ru"])
    client = app.test_client()
    probe = client.get("/healthz", headers={"Host": "127.0.0.1:8000"})
    assert probe.status_code == 200 and probe.get_json()["status"] == "ok"
    assert client.get("/healthz/", headers={"Host": "127.0.0.1:8000"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:8000"}).status_code == 400


MALFORMED_HOSTS = ["a" * 64, "a..b", "a" * 64 + ".example.ru", "x..example.ru"]
MACHINE_PATHS = ["/", "/search?q=дети", "/oai?verb=Identify", "/sitemap.xml", "/search/feed?q=дети"]


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_a_host_no_link_can_be_made_for_is_a_russian_400(app, host):
    """werkzeug cannot IDNA-encode a Host with an empty label or one over 63 characters: the request gets no URL
    adapter, and the 400 page's stylesheet link (url_for) failed, a 500 (gunicorn's English page) on every page,
    /oai and the sitemap. The error is told in plain text; the API keeps its problem details."""
    app.testing = False  # as in production: an error inside the error handler is a 500, not raised in the test
    client = app.test_client()
    for path in MACHINE_PATHS:
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, path
        assert response.mimetype == "text/plain"
        assert "Host" in response.get_data(as_text=True) and "записано с ошибкой" in response.get_data(as_text=True)
    problem = client.get("/api/v1/search", headers={"Host": host})
    assert problem.status_code == 400 and problem.mimetype == "application/problem+json"
    assert "Host" in problem.get_json()["detail"]
    health = client.get("/healthz", headers={"Host": host})
    assert health.status_code == 400 and "Host" in health.get_json()["detail"]


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_a_problem_for_a_host_no_link_can_be_made_for_builds_no_link_from_it(tmp_path, base_instance, host):
    """The problem details of /healthz and /api/… named their `type` by the request's Host: «http://a..b/api#…», a
    link made from the very name that cannot be one. Their `type` is the API page's path then, or SITE_URL's."""
    import shutil

    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    for site_url, expected in ((None, "/api#problem-400"), ("https://bank.example.ru/kb",
                                                            "https://bank.example.ru/kb/api#problem-400")):
        app = make_app(tmp_path / "site", SITE_URL=site_url)
        app.testing = False
        client = app.test_client()
        for path in ("/healthz", "/api/v1/search"):
            problem = client.get(path, headers={"Host": host})
            assert problem.status_code == 400 and problem.get_json()["type"] == expected, path
            assert host not in problem.get_data(as_text=True)
    good = client.get("/api/v1/practices/999999", headers={"Host": "bank.example.ru"})
    assert good.get_json()["type"] == "http://bank.example.ru/api#problem-404"  # a readable Host: as before


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_the_sites_names_refuse_a_malformed_host_first(tmp_path, base_instance, host):
    """With SITE_HOSTS = [".example.ru"] «x..example.ru» and «aaaa…(64).example.ru» passed as subdomains, on to
    the failing error page. A Host that is no host name is refused before the names are compared."""
    import shutil

    from kb.routing import SiteHosts
    from tests.conftest import make_app

    shutil.copytree(base_instance, tmp_path / "site")
    app = make_app(tmp_path / "site", SITE_HOSTS=[".example.ru"])
    app.testing = False
    client = app.test_client()
    assert client.get("/", headers={"Host": "bank.example.ru"}).status_code == 200
    assert SiteHosts(app.wsgi_app, [".example.ru"]).own_host({"HTTP_HOST": host, "wsgi.url_scheme": "http"}) is None
    for path in MACHINE_PATHS:
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400 and "Неверный запрос" in response.get_data(as_text=True), path


@pytest.mark.parametrize(("name", "valid"), [
    ("bank.example.ru", True), ("bank.example.ru.", True), ("xn--80abb0a.xn--p1ai", True), ("127.0.0.1", True),
    ("[::1]", True), ("a" * 63, True), ("a" * 64, False), ("a..b", False), (".a", False), ("", False), (".", False),
    ("[]", False),
])
def test_host_name_valid(name, valid):
    from kb.routing import host_name_valid

    assert host_name_valid(name) is valid


def test_the_way_back_after_signing_in_fits_a_request_line(client):
    """«Войти» carries the page it was clicked on; a search for 480 Cyrillic letters, encoded once more inside
    «next», made a link of 8,700 bytes that gunicorn refused with its English 414 page."""
    def login_link(query: str) -> str:
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        return html.unescape(re.search(r'<a href="(/login\?[^"]*)">Войти</a>', page).group(1))

    short = login_link("одарённые дети")
    assert parse_qs(urlsplit(short).query)["next"] == ["/search?q=" + quote_plus("одарённые дети")]
    long = login_link(("одарённые дети в сельской школе " * 16)[:480])
    assert len(long.encode()) < 4094 and parse_qs(urlsplit(long).query)["next"] == ["/search"]


def test_pages_made_for_a_session_are_no_shared_caches_to_keep(app, make_user):
    visitor = app.test_client()
    assert "Cache-Control" not in visitor.get("/").headers  # a public page for a visitor without a session
    assert visitor.get("/login").headers["Cache-Control"] == "private"  # its form's CSRF token is the visitor's
    member = app.test_client()
    sign_in(member, make_user("teacher"))
    for url in ("/", "/search?q=дети", "/profile"):
        assert member.get(url).headers["Cache-Control"] == "private", url
    with member.get("/static/kb.css") as asset:
        assert "private" not in asset.headers["Cache-Control"]


def test_a_file_of_a_draft_is_no_shared_caches_to_keep(app, make_user, make_practice):
    """send_file set «no-cache, max-age=0»: a shared cache may keep that (it only asks again before reuse)."""
    from kb.attachments.services import add_attachment
    from kb.practices.models import Practice

    owner = make_user("teacher")
    with app.app_context():
        practice_id = make_practice("Черновик с файлом", status="draft", owner_id=owner)
        practice = db.session.get(Practice, practice_id)
        attachment = add_attachment(practice.owner, practice, "план.txt", "План занятий кружка.".encode())
        db.session.commit()
        url = f"/attachments/{attachment.id}/план.txt"
    member = app.test_client()
    sign_in(member, owner)
    with member.get(url) as response:
        assert response.status_code == 200 and response.data == "План занятий кружка.".encode()
        assert "private" in response.headers["Cache-Control"].split(", ")
    assert app.test_client().get(url).status_code == 404


def _autocomplete(page: str) -> dict[str, str]:
    """Each input or select of the page's main form by id: its autocomplete purpose ("" when it has none)."""
    fields = {}
    for tag in re.findall(r"<(?:input|select)\b[^>]*>", page):
        if 'type="hidden"' in tag or 'id="q-top"' in tag or not (found := re.search(r'\bid="([^"]+)"', tag)):
            continue
        purpose = re.search(r'\bautocomplete="([^"]*)"', tag)
        fields[found.group(1)] = purpose.group(1) if purpose else ""
    return fields


def test_account_fields_say_what_they_are_for(app, make_user):
    """Login, registration and password fields had no autocomplete purpose (WCAG 1.3.5): browsers and password
    managers could not fill them, nor tell a new password from the current one."""
    client = app.test_client()
    assert _autocomplete(client.get("/login").get_data(as_text=True)) == {
        "email": "email", "password": "current-password"}
    assert _autocomplete(client.get("/register").get_data(as_text=True)) == {
        "email": "email", "name": "name", "organisation": "organization", "region": "address-level1",
        "password": "new-password", "password_again": "new-password", "consent": ""}  # a box has no purpose
    sign_in(client, make_user("teacher"))
    assert _autocomplete(client.get("/profile/password").get_data(as_text=True)) == {
        "current": "current-password", "password": "new-password", "password_again": "new-password"}
    assert _autocomplete(client.get("/profile/delete").get_data(as_text=True)) == {"password": "current-password"}
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    user_id = make_user("teacher", email="forgot@example.org")
    page = admin.post(f"/admin/users/{user_id}", data={"action": "reset-link",
                                                        "csrf_token": csrf_from(admin, f"/admin/users/{user_id}")})
    link = re.search(r"http://localhost(/reset/[\w-]+)", page.get_data(as_text=True)).group(1)
    assert _autocomplete(app.test_client().get(link).get_data(as_text=True)) == {
        "password": "new-password", "password_again": "new-password"}


def test_a_stopped_redis_is_logged_and_named_by_healthz(tmp_path, base_instance, capsys):
    """While Redis was down each process counted limits in its own memory (with four workers a limit let four times
    as much through), and nothing said so: Flask-Limiter's warning went to a logger without a handler, and /healthz
    named only the database and the index."""
    import shutil
    import socket

    pytest.importorskip("redis")
    from tests.conftest import make_app

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    shutil.copytree(base_instance, tmp_path / "worker")
    app = make_app(tmp_path / "worker", RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0")
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 200  # pages and search answer: the alarm is monitoring's to raise
    assert health.get_json()["rate_limits"].startswith("unreachable")
    assert client.get("/api/v1/search", query_string={"q": "урок"}).status_code == 200
    assert "Rate limit storage unreachable" in capsys.readouterr().err
    shutil.copytree(base_instance, tmp_path / "alone")
    assert "rate_limits" not in make_app(tmp_path / "alone").test_client().get("/healthz").get_json()


def test_an_administrator_blocks_and_unblocks_an_account(app, make_user, make_token):
    """There was no way to lock an account: the role, a reset link and a new password all left its API tokens
    working and its sessions open."""
    from tests.conftest import bearer

    admin_id = make_user("admin", email="boss@example.org")
    user_id = make_user("methodist", email="left@example.org", scope_region="RU-CHE")
    secret = make_token(user_id, "Скрипт выгрузки")
    admin, user = app.test_client(), app.test_client()
    sign_in(admin, admin_id)
    assert _login(user, "left@example.org", PASSWORD).status_code == 302
    assert app.test_client().get("/api/v1/practices?status=draft", headers=bearer(secret)).status_code == 200
    url = f"/admin/users/{user_id}"
    page = admin.get(url).get_data(as_text=True)
    assert "Скрипт выгрузки" in page and "Заблокировать" in page and "не использовался" not in page

    assert admin.post(f"{url}/block").status_code == 400, "CSRF is checked"
    done = admin.post(f"{url}/block", data={"csrf_token": csrf_from(admin, url)}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert "Учётная запись left@example.org заблокирована" in text and "Разблокировать" in text
    assert "<strong>заблокирована</strong>" in text
    assert user.get("/profile").status_code == 302, "the open session ends"
    assert _login(user, "left@example.org", PASSWORD).status_code == 200, "no login"
    api = app.test_client().post("/api/v1/practices", headers=bearer(secret),
                                 json={"title": "Практика от уволившегося методиста", "sections": {"annotation": "Т"}})
    assert api.status_code == 401
    assert "заблокирован" in admin.get("/admin/users").get_data(as_text=True)
    refused_link = admin.post(url, data={"action": "reset-link", "csrf_token": csrf_from(admin, url)})
    assert "сначала разблокируйте" in refused_link.get_data(as_text=True)
    assert "/reset/" not in refused_link.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user_id).reset_token_hash is None

    admin.post(f"{url}/unblock", data={"csrf_token": csrf_from(admin, url)})
    assert _login(user, "left@example.org", PASSWORD).status_code == 302
    assert app.test_client().get("/api/v1/practices?status=draft", headers=bearer(secret)).status_code == 200
    assert "заблокирован" not in admin.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        blocking = AuditEvent.action.in_(("user_blocked", "user_unblocked"))
        actions = [(e.action, e.actor_id, e.target_id)
                   for e in db.session.scalars(select(AuditEvent).where(blocking).order_by(AuditEvent.id))]
    assert actions == [("user_blocked", admin_id, user_id), ("user_unblocked", admin_id, user_id)]
    audit = admin.get("/admin/audit").get_data(as_text=True)
    assert "Учётная запись заблокирована" in audit and "Учётная запись разблокирована" in audit


def test_an_administrator_cannot_block_himself(app, make_user):
    admin_id = make_user("admin")
    admin = app.test_client()
    sign_in(admin, admin_id)
    url = f"/admin/users/{admin_id}"
    assert "Заблокировать" not in admin.get(url).get_data(as_text=True)
    page = admin.post(f"{url}/block", data={"csrf_token": csrf_from(admin, url)}, follow_redirects=True)
    assert "Нельзя заблокировать самого себя." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin_id).is_active_account


def test_a_reset_link_stops_working_when_the_account_is_blocked(app, make_user):
    from kb.accounts.services import issue_reset_token, set_blocked

    user_id = make_user("teacher")
    with app.app_context():
        user = db.session.get(User, user_id)
        token = issue_reset_token(user, None)
        db.session.commit()
    assert app.test_client().get(f"/reset/{token}").status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id)
        set_blocked(user, True, None)
        user.reset_token_hash = hashlib.sha256(token.encode()).hexdigest()  # even if it were kept
        user.reset_token_expires = utcnow() + timedelta(days=1)
        db.session.commit()
    assert app.test_client().get(f"/reset/{token}").status_code == 404


def test_an_administrator_revokes_a_users_api_token(app, make_user, make_token):
    from kb.accounts.tokens import ApiToken
    from tests.conftest import bearer

    admin_id = make_user("admin")
    user_id, other_id = make_user("teacher"), make_user("teacher")
    secret = make_token(user_id, "Старый скрипт")
    other_secret = make_token(other_id, "Чужой")
    admin = app.test_client()
    sign_in(admin, admin_id)
    url = f"/admin/users/{user_id}"
    page = admin.get(url).get_data(as_text=True)
    assert "Старый скрипт" in page and f"{secret[:9]}…" in page and "Чужой" not in page
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Старый скрипт"))
        other_token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "Чужой"))
    assert admin.post(f"{url}/tokens/{token_id}/revoke").status_code == 400, "CSRF is checked"
    wrong_user = admin.post(f"{url}/tokens/{other_token_id}/revoke", data={"csrf_token": csrf_from(admin, url)},
                            follow_redirects=True)
    assert "Такого действующего токена нет." in wrong_user.get_data(as_text=True)
    done = admin.post(f"{url}/tokens/{token_id}/revoke", data={"csrf_token": csrf_from(admin, url)},
                      follow_redirects=True).get_data(as_text=True)
    assert "Токен «Старый скрипт» отозван." in done and "Действующих токенов нет." in done
    assert app.test_client().get("/api/v1/practices", headers=bearer(secret)).status_code == 401
    assert app.test_client().get("/api/v1/practices", headers=bearer(other_secret)).status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "api_token_revoked"))
        assert (event.actor_id, event.target_id) == (admin_id, token_id)
        assert event.details["email"] == "teacher2@example.org"
    with app.app_context():
        teacher = db.session.get(User, user_id)
        assert teacher.is_active_account  # revoking a token is not blocking


def test_block_user_command(app, runner, make_user, make_token):
    from tests.conftest import bearer

    user_id = make_user("teacher", email="cli@example.org")
    secret = make_token(user_id)
    done = runner.invoke(args=["block-user", "CLI@example.org "])
    assert done.exit_code == 0 and "Учётная запись cli@example.org заблокирована." in done.output, done.output
    assert app.test_client().get("/api/v1/practices", headers=bearer(secret)).status_code == 401
    again = runner.invoke(args=["block-user", "cli@example.org"])
    assert again.exit_code == 0 and "уже заблокирована" in again.output
    unknown = runner.invoke(args=["block-user", "nobody@example.org"])
    assert unknown.exit_code == 1 and "Пользователя с адресом nobody@example.org нет." in unknown.output
    back = runner.invoke(args=["block-user", "cli@example.org", "--unblock"])
    assert back.exit_code == 0 and "разблокирована" in back.output
    assert app.test_client().get("/api/v1/practices", headers=bearer(secret)).status_code == 200
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_blocked"))
        assert event.actor_id is None and event.details["via"] == "cli"


def test_a_mailed_reset_link_goes_to_the_sites_address_whatever_the_host_asked(app, make_user, monkeypatch):
    """«Забыли пароль?» asked with «Host: attacker.example» mailed the account's owner a one-time link to
    http://attacker.example/reset/<token>: mailed links are made from SITE_URL, not from the request."""
    sent = _fake_mail_server(app, monkeypatch, site_url="https://bank.example.ru/")
    admin_id = make_user("admin")
    user_id = make_user("teacher", email="victim@example.org")
    client = app.test_client()
    page = client.get("/reset", base_url="http://attacker.example").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    with client.post("/reset", base_url="http://attacker.example",
                     data={"email": "victim@example.org", "csrf_token": token}) as response:
        assert response.status_code == 302
    wait_for_reset_requests()
    admin = app.test_client()
    sign_in(admin, admin_id)
    url = f"/admin/users/{user_id}"
    page = admin.post(url, data={"action": "reset-link", "csrf_token": csrf_from(admin, url)}).get_data(as_text=True)
    assert "Ссылка отправлена на victim@example.org" in page
    links = [re.search(r"https?://\S+", body).group(0) for _, _, body in sent]
    assert len(links) == 2 and all(re.fullmatch(r"https://bank\.example\.ru/reset/[\w-]+", link) for link in links)


@pytest.mark.parametrize(("settings", "address"), [
    ({"SITE_URL": "https://Банк.рф:8443/bank/"}, "https://xn--80ab2al.xn--p1ai:8443/bank"),
    ({"SITE_HOSTS": [".Bank.Example.ru", "other.example.ru"]}, "http://bank.example.ru"),
    ({"SITE_HOSTS": ["bank.example.ru:8443"], "SESSION_COOKIE_SECURE": True}, "https://bank.example.ru:8443"),
    ({"SITE_HOSTS": ["bank.example.ru"], "PREFERRED_URL_SCHEME": "https"}, "https://bank.example.ru"),
    ({"SITE_URL": "https://bank.example.ru", "SITE_HOSTS": ["other.example.ru"]}, "https://bank.example.ru"),
    ({}, None),
])
def test_the_address_of_mailed_links(app, settings, address):
    from kb.accounts.mail import mailed_url, site_address

    app.config.update(settings)
    with app.app_context():
        assert site_address() == address
        assert mailed_url("accounts.reset", token="abc") == (f"{address}/reset/abc" if address else None)


def test_without_the_sites_address_no_reset_link_is_mailed(app, make_user, monkeypatch, caplog):
    """A mail server, but neither SITE_URL nor SITE_HOSTS: no link made from a request's Host is mailed.
    «Забыли пароль?» is not offered, a request for it gets one answer whatever the address, the log says what
    to set; the administrator's link is shown to him, not mailed."""
    sent = _fake_mail_server(app, monkeypatch, site_url="")
    admin_id = make_user("admin")
    user_id = make_user("teacher", email="victim@example.org")
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/reset"' not in login and "mailto:bank@school.example" in login
    assert 'name="email"' not in client.get("/reset").get_data(as_text=True)
    answers = []
    for email in ("victim@example.org", "nobody@example.org"):
        response = client.post("/reset", data={"email": email, "csrf_token": csrf_from(client, "/login")})
        answers.append((response.status_code, response.headers["Location"],
                        client.get("/reset").get_data(as_text=True).count("по почте сейчас получить нельзя")))
        wait_for_reset_requests()
    assert answers[0] == answers[1] == (302, "/reset", 1)
    admin = app.test_client()
    sign_in(admin, admin_id)
    url = f"/admin/users/{user_id}"
    page = admin.post(url, data={"action": "reset-link", "csrf_token": csrf_from(admin, url)}).get_data(as_text=True)
    assert "Письмо не отправлено" in page and "http://localhost/reset/" in page
    assert sent == []
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 3 and all("SITE_URL" in w for w in warnings)
    with app.app_context():
        issued = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "reset_link_issued")).all()
    assert issued == [{}], "only the administrator's link, not one for «Забыли пароль?»"


def test_a_start_with_mail_but_no_site_address_says_what_to_set(app, tmp_path, caplog):
    from kb.config import ConfigurationError
    from tests.conftest import make_app

    make_app(tmp_path / "mail", SMTP_HOST="smtp.test")
    assert [r.getMessage() for r in caplog.records if "SITE_URL" in r.getMessage()]
    caplog.clear()
    make_app(tmp_path / "site", SMTP_HOST="smtp.test", SITE_URL="https://bank.example.ru")
    assert not [r for r in caplog.records if "SITE_URL" in r.getMessage()]
    for wrong in ("bank.example.ru", "ftp://bank.example.ru", "https://", "https://a..b", "https://x.ru/?a=1"):
        with pytest.raises(ConfigurationError, match="SITE_URL"):
            make_app(tmp_path / "wrong", SITE_URL=wrong)
    app.config["SMTP_HOST"] = "smtp.test"
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0 and 'SITE_URL = "https://имя-сайта"' in result.output
    app.config["SITE_URL"] = "https://bank.example.ru"
    assert "SITE_URL" not in app.test_cli_runner().invoke(args=["init"]).output


def test_registration_hashes_the_password_for_a_taken_address_too(app, make_user, monkeypatch):
    """A taken address was answered in 11 ms, a new one in 230 (the password's hash and the insert): the time told
    who has an account. Both now hash the password and write (a taken one: an audit event)."""
    import kb.accounts.services

    hashed = []
    real = kb.accounts.services.hash_password
    monkeypatch.setattr(kb.accounts.services, "hash_password", lambda password: hashed.append(password) or real(
        password))
    known_id = make_user("teacher", email="known@example.org")
    hashed.clear()
    client = app.test_client()
    for email, password in (("Known@Example.org", "taken-address-pass"), ("fresh@example.org", "fresh-address-pass")):
        data = {"email": email, "name": "Проба", "password": password, "password_again": password,
                "consent": "y", "csrf_token": csrf_from(client, "/register")}
        with client.post("/register", data=data) as response:
            assert response.headers["Location"] == "/login"
    assert hashed == ["taken-address-pass", "fresh-address-pass"]
    with app.app_context():
        events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.target_id).where(
            AuditEvent.action.in_(("registration_taken", "user_registered"))).order_by(AuditEvent.id)).all()
        fresh_id = db.session.scalar(select(User.id).where(User.email == "fresh@example.org"))
    assert [tuple(e) for e in events] == [("registration_taken", None, known_id),
                                          ("user_registered", fresh_id, fresh_id)]


def test_logout_ends_the_accounts_sessions_everywhere_but_not_its_api_tokens(app, make_user, make_token):
    """«Выйти» only forgot the session in this browser: a copy of its cookie, taken before, still opened the
    account. Logging out now changes the account's session token (as a new password does)."""
    from tests.conftest import bearer

    user_id = make_user("teacher", email="out@example.org")
    secret = make_token(user_id)
    here, there = app.test_client(), app.test_client()
    for client in (here, there):
        assert _login(client, "out@example.org", PASSWORD).status_code == 302
    copied = here.get_cookie("session").value
    with here.post("/logout", data={"csrf_token": csrf_from(here, "/profile")}, follow_redirects=True) as response:
        said = response.get_data(as_text=True)
    replayed = app.test_client()
    replayed.set_cookie("session", copied)
    for client in (replayed, there, here):
        with client.get("/profile") as page:
            assert page.status_code == 302
    assert "Вы вышли из банка практик на всех устройствах." in said
    with app.test_client().get("/api/v1/practices?status=draft", headers=bearer(secret)) as api:
        assert api.status_code == 200, "API tokens are separate"
    assert _login(here, "out@example.org", PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.action == "logout")).all() == ["logout"]
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    assert "Выход на всех устройствах" in admin.get("/admin/audit").get_data(as_text=True)
