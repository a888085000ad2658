"""Personal data (152-ФЗ): the «Персональные данные» page, consent at registration, and deleting an account — by the
person, by an administrator, by the command line — with its real effects on every table, the index and the audit."""

import re

import pytest
from sqlalchemy import func, select

from kb.accounts.models import AuditEvent, Notification, User
from kb.accounts.tokens import ApiToken
from kb.adoption.models import PracticeAdoption
from kb.collections.models import Collection, CollectionItem
from kb.extensions import db
from kb.practices.models import Practice, PracticeAuthor, PracticeTransition
from kb.search.models import IndexOutbox, SavedSearch
from tests.conftest import PASSWORD, bearer, csrf_from, sign_in, wait_until_blocked_on_lock

DRAFT_WORD = "черновикоподобное"
PUBLISHED_WORD = "публикациеподобное"


def _login(client, email: str, password: str = PASSWORD):
    with client.post("/login", data={"email": email, "password": password,
                                     "csrf_token": csrf_from(client, "/login")}) as response:
        return response.status_code


def _search_total(client, word: str) -> int:
    with client.get("/api/v1/search", query_string={"q": word}) as response:
        return response.json["total"]


@pytest.fixture
def teacher_with_everything(app, make_user, make_practice, make_token):
    """A teacher with a practice in every status, a file on a draft, collections (one shared by link), a saved
    search, a notification, an API token, an adoption report on another practice, audit events with her address."""
    from kb.accounts.services import find_user, record, set_blocked, update_profile
    from kb.attachments.services import add_attachment
    from kb.search.services import sync

    admin_id = make_user("admin", email="boss@example.org")
    teacher_id = make_user("teacher", email="leaving@example.org")
    secret = make_token(teacher_id, "Выгрузка")
    practices = {}
    with app.app_context():
        for status in ("draft", "returned", "submitted", "published", "archived"):
            word = PUBLISHED_WORD if status == "published" else DRAFT_WORD
            practices[status] = make_practice(f"Практика {status}", status=status, owner_id=teacher_id,
                                              annotation=f"Аннотация со словом {word}.")
        other = make_practice("Чужая практика")
        teacher = db.session.get(User, teacher_id)
        admin = db.session.get(User, admin_id)
        draft = db.session.get(Practice, practices["draft"])
        attachment = add_attachment(teacher, draft, "план.txt", "План занятий кружка педагога.".encode())
        digest = attachment.sha256
        shared = Collection(owner_id=teacher_id, title="Для коллег", title_folded="для коллег", visibility="link",
                            share_token="shared-link-token-1234567890")
        shared.items.append(CollectionItem(item_type="practice", item_id=other))
        db.session.add_all([
            shared,
            Collection(owner_id=teacher_id, title="Моё", title_folded="моё", share_token="private-token-1234567890"),
            SavedSearch(user_id=teacher_id, name="Кружки", query="q=%D0%BA"),
            Notification(user_id=teacher_id, message="Практика возвращена"),
            PracticeAdoption(practice_id=other, user_id=teacher_id, organisation="Школа № 5", comment="Применили"),
            PracticeTransition(practice_id=practices["published"], actor_id=teacher_id, from_status="draft",
                               to_status="submitted"),
        ])
        update_profile(teacher, "Новое Имя Педагога", "Гимназия № 9", "RU-CHE")
        set_blocked(teacher, True, admin)
        set_blocked(teacher, False, admin)
        record("login_failed", None, details={"email": "leaving@example.org"})
        record("login", teacher, "user", teacher_id).ip = "203.0.113.7"
        assert find_user("leaving@example.org") is not None
        db.session.commit()
        sync()
    return {"admin": admin_id, "teacher": teacher_id, "secret": secret, "practices": practices, "other": other,
            "digest": digest}


def _assert_deleted(app, data, actor_id):
    """Every effect of the deletion, read from the database, the index, the disk and the audit log."""
    from kb.attachments.storage import storage
    from kb.search.services import check_index, sync

    teacher_id, practices = data["teacher"], data["practices"]
    with app.app_context():
        sync()
        assert db.session.get(User, teacher_id) is None
        for model, column in ((ApiToken, ApiToken.user_id), (Notification, Notification.user_id),
                              (SavedSearch, SavedSearch.user_id), (Collection, Collection.owner_id)):
            assert db.session.scalar(select(func.count()).select_from(model).where(column == teacher_id)) == 0, model
        assert db.session.scalar(select(func.count()).select_from(CollectionItem)) == 0
        for status in ("draft", "returned", "submitted"):
            assert db.session.get(Practice, practices[status]) is None, status
        kept = {status: db.session.get(Practice, practices[status]) for status in ("published", "archived")}
        assert {p.status for p in kept.values()} == {"published", "archived"}
        assert all(p.owner_id is None for p in kept.values())
        adoption = db.session.scalar(select(PracticeAdoption))
        assert adoption is not None and adoption.user_id is None and adoption.organisation == "Школа № 5"
        transition = db.session.scalar(select(PracticeTransition).where(
            PracticeTransition.practice_id == practices["published"]))
        assert transition.actor_id is None
        assert not storage().path(data["digest"]).exists(), "the draft's file is deleted from the disk"
        outbox = set(db.session.scalars(select(IndexOutbox.doc_id).where(IndexOutbox.doc_type == "practice")))
        assert {practices[s] for s in ("draft", "returned", "submitted")} <= outbox
        report = check_index()
        assert not (report.missing or report.extra or report.stale)
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        for event in events:
            text = repr(event.details)
            assert "leaving@example.org" not in text and "Новое Имя Педагога" not in text, event.action
            assert "Гимназия № 9" not in text, event.action
            if event.target_type == "user" and event.target_id == teacher_id and event.actor_id != data["admin"]:
                assert event.ip == "", event.action
        deleted = [e for e in events if e.action == "user_deleted"]
        assert [(e.actor_id, e.target_type, e.target_id) for e in deleted] == [(actor_id, "user", teacher_id)]
        removed = [e for e in events if e.action == "practice_deleted"]
        assert sorted(e.target_id for e in removed) == sorted(practices[s] for s in ("draft", "returned", "submitted"))
        assert all(e.details.get("via") == "user_deleted" and e.actor_id == actor_id for e in removed)
    client = app.test_client()
    assert _search_total(client, PUBLISHED_WORD) == 1, "the publication is still found"
    assert _search_total(client, DRAFT_WORD) == 0
    with client.get(f"/practices/{practices['published']}") as page:
        assert page.status_code == 200 and "Практика published" in page.get_data(as_text=True)
    with client.get("/collections/shared/shared-link-token-1234567890") as shared:
        assert shared.status_code == 404
    with client.get("/api/v1/practices?status=draft", headers=bearer(data["secret"])) as api:
        assert api.status_code == 401, "the API token is gone"


def test_a_teacher_deletes_her_account(app, teacher_with_everything, make_user):
    data = teacher_with_everything
    client, other_device = app.test_client(), app.test_client()
    assert _login(client, "leaving@example.org") == 302
    assert _login(other_device, "leaving@example.org") == 302
    with client.get("/profile") as profile:
        assert 'href="/profile/delete"' in profile.get_data(as_text=True)
    with client.get("/profile/delete") as page:
        text = page.get_data(as_text=True)
    assert "Удалить учётную запись?" in text and "в том числе открытые по ссылке" in text
    assert "1 подборка открыта другим" in text and "неопубликованные практики" in text and ": 3" in text

    with client.post("/profile/delete", data={"password": PASSWORD}) as no_csrf:
        assert no_csrf.status_code == 400, "CSRF is checked"
    with client.post("/profile/delete", data={"password": "not-the-password",
                                              "csrf_token": csrf_from(client, "/profile/delete")}) as wrong:
        assert wrong.status_code == 200 and "Пароль указан неверно." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, data["teacher"]) is not None

    with client.post("/profile/delete", data={"password": PASSWORD, "csrf_token": csrf_from(client, "/profile/delete")},
                     follow_redirects=True) as done:
        text = done.get_data(as_text=True)
        assert done.request.path == "/" and "Учётная запись удалена." in text and "Войти" in text
    with client.get("/profile") as after:
        assert after.status_code == 302, "signed out"
    with other_device.get("/profile") as old_cookie:
        assert old_cookie.status_code == 302, "the session cookie of another device is refused"
    _assert_deleted(app, data, actor_id=None)
    assert _login(app.test_client(), "leaving@example.org") == 200

    # The region's methodist keeps editing the publication that has no owner now
    methodist = app.test_client()
    sign_in(methodist, make_user("methodist", scope_region="RU-CHE"))
    with methodist.get(f"/practices/{data['practices']['published']}/edit") as edit:
        assert edit.status_code == 200


def test_an_administrator_deletes_a_users_account(app, teacher_with_everything):
    data = teacher_with_everything
    admin = app.test_client()
    sign_in(admin, data["admin"])
    url = f"/admin/users/{data['teacher']}"
    with admin.get(url) as page:
        assert f'href="{url}/delete"' in page.get_data(as_text=True)
    with admin.get(f"{url}/delete") as question:
        assert "Удалить учётную запись leaving@example.org?" in question.get_data(as_text=True)
    with admin.post(f"{url}/delete") as no_csrf:
        assert no_csrf.status_code == 400
    with app.app_context():
        assert db.session.get(User, data["teacher"]) is not None
    with admin.post(f"{url}/delete", data={"csrf_token": csrf_from(admin, f"{url}/delete")},
                    follow_redirects=True) as done:
        assert f"Учётная запись пользователя №{data['teacher']} удалена." in done.get_data(as_text=True)
    _assert_deleted(app, data, actor_id=data["admin"])
    with admin.get("/admin/audit") as audit:
        text = audit.get_data(as_text=True)
        assert "Учётная запись удалена" in text and "leaving@example.org" not in text


def test_the_delete_user_command(app, runner, teacher_with_everything):
    data = teacher_with_everything
    asked = runner.invoke(args=["delete-user", "Leaving@Example.org"], input="n\n")
    assert asked.exit_code == 1 and "Ничего не удалено." in asked.output
    assert "неопубликованные практики — 3" in asked.output
    with app.app_context():
        assert db.session.get(User, data["teacher"]) is not None
    done = runner.invoke(args=["delete-user", "leaving@example.org", "--yes"])
    assert done.exit_code == 0 and "Учётная запись leaving@example.org удалена." in done.output, done.output
    _assert_deleted(app, data, actor_id=None)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_deleted"))
        assert event.details == {"via": "cli"}
    missing = runner.invoke(args=["delete-user", "leaving@example.org", "--yes"])
    assert missing.exit_code == 1 and "Пользователя с адресом leaving@example.org нет." in missing.output


def test_the_delete_user_confirmation_is_asked_and_answered_in_russian(app, runner, teacher_with_everything):
    """click.confirm took only y/n: «нет» and «да» got «Error: invalid input» and, the input ended, «Aborted!»; no
    answer at all (no terminal, nothing piped) was «[y/N]: Aborted!»."""
    data = teacher_with_everything
    for answer in ("нет\n", "НЕТ\n", "n\n", "\n", "может быть\nнет\n"):
        kept = runner.invoke(args=["delete-user", "leaving@example.org"], input=answer)
        assert kept.exit_code == 1 and "Ничего не удалено." in kept.output, (answer, kept.output)
        assert "Error" not in kept.output and "Aborted" not in kept.output and "[y/N]" not in kept.output
        assert "[да/нет]" in kept.output
    assert "Ответьте «да» или «нет»." in kept.output and kept.output.count("[да/нет]") == 2
    unanswered = runner.invoke(args=["delete-user", "leaving@example.org"], input="")
    assert unanswered.exit_code == 1 and "Aborted" not in unanswered.output
    assert "Ввод прерван: ответ не введён (без терминала подтвердите удаление параметром --yes)." in unanswered.output
    with app.app_context():
        assert db.session.get(User, data["teacher"]) is not None
    done = runner.invoke(args=["delete-user", "leaving@example.org"], input="да\n")
    assert done.exit_code == 0 and "Учётная запись leaving@example.org удалена." in done.output, done.output
    _assert_deleted(app, data, actor_id=None)


def test_a_prompt_left_without_an_answer_inside_a_command_is_russian():
    """click.Abort raised while a command runs (a prompt of its own, not an option's) was click's «Aborted!»."""
    import click
    from click.testing import CliRunner

    from kb.cli import command

    @command("ask")
    def ask() -> None:
        click.prompt("Что-нибудь")

    result = CliRunner().invoke(ask, input="")
    assert result.exit_code == 1 and "Ввод прерван" in result.output and "Aborted" not in result.output


def test_the_last_administrator_cannot_delete_himself(app, make_user, runner):
    admin_id = make_user("admin", email="only@example.org")
    admin = app.test_client()
    assert _login(admin, "only@example.org") == 302
    with admin.get("/profile/delete") as page:
        text = page.get_data(as_text=True)
    assert "Нельзя удалить последнего администратора банка" in text and 'name="password"' not in text
    with admin.post("/profile/delete", data={"password": PASSWORD, "csrf_token": csrf_from(admin, "/profile")}) as post:
        assert "Нельзя удалить последнего администратора банка" in post.get_data(as_text=True)
    refused = runner.invoke(args=["delete-user", "only@example.org", "--yes"])
    assert refused.exit_code == 1 and "Нельзя удалить последнего администратора" in refused.output
    with admin.get(f"/admin/users/{admin_id}/delete") as own:
        assert own.status_code == 302 and own.headers["Location"] == "/profile/delete"
    # A blocked administrator does not count: he cannot sign in to manage the bank
    from kb.accounts.services import set_blocked

    blocked_id = make_user("admin", email="blocked@example.org")
    with app.app_context():
        set_blocked(db.session.get(User, blocked_id), True, None)
        db.session.commit()
    with admin.get("/profile/delete") as still:
        assert "Нельзя удалить последнего администратора банка" in still.get_data(as_text=True)
    # With a second active administrator he can
    make_user("admin", email="second@example.org")
    with admin.post("/profile/delete", data={"password": PASSWORD, "csrf_token": csrf_from(admin, "/profile")}) as ok:
        assert ok.status_code == 302
    with app.app_context():
        assert db.session.get(User, admin_id) is None


def test_deleting_the_account_is_throttled_like_logins(app, make_user):
    make_user("teacher", email="t@example.org")
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    client = app.test_client()
    assert _login(client, "t@example.org") == 302
    token = csrf_from(client, "/profile/delete")
    codes = []
    for _ in range(4):
        with client.post("/profile/delete", data={"password": "wrong-password", "csrf_token": token}) as response:
            codes.append(response.status_code)
            last = response.get_data(as_text=True)
    assert codes[:3] == [200, 200, 200] and codes[3] == 429 and "Подождите минуту" in last


def test_registration_asks_for_consent_and_records_its_time(app, client):
    with client.get("/register") as page:
        text = page.get_data(as_text=True)
    assert re.search(r'<input[^>]*id="consent"[^>]*\brequired\b', text)
    assert "Я согласен(на) на обработку персональных данных" in text and 'href="/privacy"' in text
    data = {"email": "anna@example.org", "name": "Анна Орлова", "password": PASSWORD, "password_again": PASSWORD,
            "csrf_token": csrf_from(client, "/register")}
    with client.post("/register", data=data) as refused:
        assert refused.status_code == 200
        assert "Без согласия на обработку персональных данных" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "anna@example.org")) is None
    with client.post("/register", data=dict(data, consent="y")) as done:
        assert done.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "anna@example.org"))
        assert user.consent_at is not None
        assert user.created_at - user.consent_at < __import__("datetime").timedelta(seconds=5)
    assert _login(client, "anna@example.org") == 302
    with client.get("/profile") as profile:
        assert "дано при регистрации" in profile.get_data(as_text=True)


def test_accounts_made_without_the_form_have_no_consent_recorded(app, make_user, runner):
    teacher_id = make_user("teacher")
    result = runner.invoke(args=["create-user", "cli@example.org", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(User, teacher_id).consent_at is None
        assert db.session.scalar(select(User).where(User.email == "cli@example.org")).consent_at is None


def test_the_privacy_page_says_what_is_kept_and_how_to_delete_it(app, client):
    with client.get("/") as home:
        assert 'href="/privacy">Персональные данные</a>' in home.get_data(as_text=True)
    with client.get("/privacy") as page:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
    for words in ("адрес электронной почты", "Журнал действий", "Кто видит", "Как долго", "Удалить учётную запись",
                  "152-ФЗ", "Опубликованные практики остаются", "резервных"):
        assert words in text, words


def test_a_methodists_registry_load_stays_in_the_queue_when_his_account_goes(app, make_user, make_practice):
    """A registry loaded without «Сразу опубликовать» is drafts owned by the methodist who loaded it, in the office's
    numbering, by other authors: the office's, not his. His account's deletion leaves them, without an owner, to
    the region's other methodists (who send them on and publish them); his own draft goes, co-authors or not."""
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import
    from kb.practices.services import bulk_transition

    leaving = make_user("methodist", email="metod@example.org", scope_region="RU-CHE")
    admin_id = make_user("admin", email="boss@example.org")
    colleague = make_user("methodist", email="colleague@example.org", scope_region="RU-CHE")
    registry = ("Внешний идентификатор;Название;Авторы;Организация;Регион;Год\n"
                "R-1;Проектная неделя в начальной школе;Иванова Анна Петровна, учитель;МБОУ «СОШ № 1»;"
                "Челябинская область;2023\n"
                "R-2;Клуб юных исследователей;Петрова Белла Викторовна, учитель;МБОУ «СОШ № 2»;"
                "Челябинская область;2023\n").encode()
    with app.app_context():
        report = run_import(db.session.get(User, leaving), read_registry(registry, 100), None, dry_run=False,
                            publish=False)
        db.session.commit()
        assert report.count("create") == 2
        imported = sorted(db.session.scalars(select(Practice.id).where(Practice.external_scope == "region:RU-CHE")))
        assert len(imported) == 2
        own = make_practice("Мой черновик с соавтором", status="draft", owner_id=leaving)
        db.session.add(PracticeAuthor(practice_id=own, name="Соавтор Другой", position="учитель"))
        db.session.commit()
    client = app.test_client()
    sign_in(client, leaving)
    with client.get("/profile/delete") as page:
        text = " ".join(page.get_data(as_text=True).split())
    assert "неопубликованные практики" in text and ": 1," in text
    assert "останутся в очереди методистов: 2 загруженных реестром" in text
    assert "Удаляются и те, где вы указали соавторов" in text

    admin = app.test_client()
    sign_in(admin, admin_id)
    with admin.post(f"/admin/users/{leaving}/delete",
                    data={"csrf_token": csrf_from(admin, f"/admin/users/{leaving}/delete")}) as done:
        assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, leaving) is None and db.session.get(Practice, own) is None
        kept = [db.session.get(Practice, practice_id) for practice_id in imported]
        assert [(p.status, p.owner_id, p.external_scope) for p in kept] == [("draft", None, "region:RU-CHE")] * 2
        removed = db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "practice_deleted"))
        assert list(removed) == [own]
    methodist = app.test_client()
    sign_in(methodist, colleague)
    with methodist.get("/practices/moderation?status=draft") as queue:
        text = queue.get_data(as_text=True)
    assert "Проектная неделя в начальной школе" in text and "Клуб юных исследователей" in text
    with app.test_request_context():
        outcome = bulk_transition(db.session.get(User, colleague), imported, "publish", tab="draft")
        db.session.commit()
        assert outcome.done == imported and not outcome.refused
        # A teacher of the region cannot send them: only their scope's moderators
        teacher = make_user("teacher", email="t@example.org")
        from kb.practices import policy

        assert not policy.can_transition(db.session.get(User, teacher), kept[0], "submit")


def test_the_profile_title_is_the_title_only(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    with client.get("/profile") as page:
        text = page.get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", text, re.S).group(1) == "Профиль — Банк практик"
    assert text.count('id="delete-account"') == 1 and 'href="/profile/delete"' in text


def test_self_deletion_keeps_no_address_on_the_deleted_drafts_events(app, make_user, make_practice):
    teacher_id = make_user("teacher", email="leaving@example.org")
    with app.app_context():
        drafts = [make_practice(f"Черновик {i}", status="draft", owner_id=teacher_id) for i in range(2)]
    client = app.test_client()
    sign_in(client, teacher_id)
    address = {"REMOTE_ADDR": "203.0.113.77"}
    with client.get("/profile/delete", environ_base=address) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    with client.post("/profile/delete", data={"csrf_token": token, "password": PASSWORD},
                     environ_base=address) as done:
        assert done.status_code == 302
    with app.app_context():
        assert db.session.get(User, teacher_id) is None
        removed = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "practice_deleted")))
        assert sorted(e.target_id for e in removed) == drafts
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.ip == "203.0.113.77")) == 0


def test_a_deleted_accounts_id_is_not_given_again(app, make_user):
    """The audit log names accounts by number and rate limits count per account: a new account must not take
    the number of a deleted one (SQLite gave the next one max(id) + 1; AUTOINCREMENT, migration z0uid0000001)."""
    from kb.accounts.deletion import delete_account
    from kb.accounts.services import register

    admin_id = make_user("admin", email="boss@example.org")
    gone = make_user("teacher", email="gone@example.org")
    with app.app_context():
        delete_account(db.session.get(User, gone), db.session.get(User, admin_id))
        db.session.commit()
        newcomer = register("newcomer@example.org", "Новый Пользователь", PASSWORD)
        db.session.commit()
        assert newcomer.id > gone
        about = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "user",
                                                                   AuditEvent.target_id == newcomer.id))
        assert list(about) == ["user_registered"]


def test_two_administrators_deleting_themselves_at_once_leave_one(app, make_user):
    """PostgreSQL: each deletion locks the active administrators' rows before counting them; the second waits for
    the first and is refused. (SQLite writes one transaction at a time.)"""
    import threading

    from kb.accounts.deletion import LAST_ADMIN, delete_account, refusal
    from kb.accounts.services import AccountError

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time")
    admins = [make_user("admin", email=f"admin{i}@example.org") for i in (1, 2)]
    barrier = threading.Barrier(2, timeout=20)
    outcomes = []

    def delete_self(user_id):
        with app.app_context():
            try:
                user = db.session.get(User, user_id)
                assert refusal(user) is None
                barrier.wait()  # both have seen another administrator
                delete_account(user, user)
                db.session.commit()
                outcomes.append("deleted")
            except AccountError as exc:
                db.session.rollback()
                outcomes.append(str(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=delete_self, args=(user_id,)) for user_id in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == sorted(["deleted", LAST_ADMIN]), outcomes
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin")) == 1


def test_the_deletion_form_forgets_the_form_copies(app, make_user):
    """«Удалить учётную запись» leaves a shared computer as «Выйти» does: the practice form's copies (localStorage)
    of the drafts it deletes go too (static/formcopy.js, data-forget-copies)."""
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    with client.get("/profile/delete") as page:
        assert re.search(r'<form method="post"[^>]*data-forget-copies', page.get_data(as_text=True))


def test_a_wrong_password_on_the_deletion_form_is_audited(app, make_user):
    """As at «Смена пароля»: guessing the password inside a taken-over session shows in the audit log."""
    from kb.accounts.audit import action_label

    teacher_id = make_user("teacher")
    client = app.test_client()
    sign_in(client, teacher_id)
    with client.post("/profile/delete", data={"password": "wrong-guess",
                                              "csrf_token": csrf_from(client, "/profile/delete")}) as wrong:
        assert "Пароль указан неверно." in wrong.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, teacher_id) is not None
        events = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id).where(
            AuditEvent.target_type == "user", AuditEvent.target_id == teacher_id)).all()
        assert ("user_delete_failed", teacher_id) in events
    assert action_label("user_delete_failed") == "Удаление учётной записи: неверный пароль"


def test_the_privacy_page_asks_the_administrator_to_delete_your_account(client):
    with client.get("/privacy") as page:
        text = " ".join(page.get_data(as_text=True).split())
    assert "попросите администратора банка удалить вашу учётную запись" in text
    assert "попросите удалить учётную запись администратора" not in text


def test_an_account_deleted_while_another_transaction_deletes_one_of_its_drafts(app, make_user, make_practice):
    """PostgreSQL: an administrator's deletion of one of the account's drafts has not committed yet when the account
    is deleted. The account's deletion waits for that row and then passes over it; it used to delete the row again
    and stop on the stale DELETE (a 409), leaving the account in place."""
    import threading

    psycopg = pytest.importorskip("psycopg")
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite writes one transaction at a time")
        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    leaving = make_user("teacher", email="leaving@example.org")
    admin_id = make_user("admin", email="admin@example.org")
    with app.app_context():
        taken, kept = (make_practice(title, status="draft", owner_id=leaving) for title in ("Черновик", "Второй"))
    admin = app.test_client()
    sign_in(admin, admin_id)
    token = csrf_from(admin, f"/admin/users/{leaving}/delete")
    answers = []
    with psycopg.connect(url) as other:
        other.execute("DELETE FROM practice WHERE id = %s", (taken,))

        def delete():
            with admin.post(f"/admin/users/{leaving}/delete", data={"csrf_token": token}) as response:
                answers.append(response.status_code)

        request = threading.Thread(target=delete)
        request.start()
        if not wait_until_blocked_on_lock(other):
            pytest.fail("the account's deletion never waited for the other transaction")
        other.commit()
        request.join(30)
    assert answers == [302]
    with app.app_context():
        assert db.session.get(User, leaving) is None
        assert db.session.get(Practice, kept) is None
