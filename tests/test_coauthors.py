"""Co-authors: an author line of a practice linked to a registered account by its e-mail (kb.practices.coauthors).
Who links and unlinks, what the linked co-author sees («Мои практики», the draft, the certificate, the adoption
notice) and what she may not do (edit, submit); an edit of the authors keeps the links of unchanged lines."""

import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from kb.accounts.models import Notification, User
from kb.extensions import db
from kb.practices import coauthors, services
from kb.practices.models import Practice, PracticeAuthor, PracticeVersion
from tests.conftest import bearer, csrf_from, sign_in
from tests.conftest import client_of as _client

TITLE = "Школьное научное общество в сельской школе"
AUTHORS = [("Иванова Анна Петровна", "учитель начальных классов"), ("Петров Борис Ильич", "заместитель директора")]
COAUTHOR_EMAIL = "petrov@example.org"


@pytest.fixture
def world(app, make_user, make_practice):
    users = {
        "owner": make_user("teacher"),
        "coauthor": make_user("teacher", email=COAUTHOR_EMAIL),
        "stranger": make_user("teacher"),
        "methodist": make_user("methodist", scope_region="RU-CHE"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
    }
    with app.app_context():
        pid = make_practice(TITLE, status="draft", owner_id=users["owner"], authors=AUTHORS)
    return users, pid


def _lines(app, pid) -> list[tuple[str, int | None]]:
    with app.app_context():
        return [(a.name, a.user_id) for a in db.session.scalars(
            select(PracticeAuthor).where(PracticeAuthor.practice_id == pid).order_by(PracticeAuthor.position_index))]


def _author_id(app, pid, name) -> int:
    with app.app_context():
        return db.session.scalar(select(PracticeAuthor.id).where(PracticeAuthor.practice_id == pid,
                                                                 PracticeAuthor.name == name))


def _link(app, users, pid, who="owner", email=COAUTHOR_EMAIL, name=AUTHORS[1][0], action="link"):
    client = _client(app, users, who)
    token = csrf_from(client, f"/practices/{pid}/coauthors")
    return client.post(f"/practices/{pid}/coauthors", data={
        "csrf_token": token, "author": _author_id(app, pid, name), "email": email, "action": action})


def _answer(app, users, pid, who="coauthor", action="accept"):
    """The invitee answers from «Мои практики» (accept, decline), or the co-author leaves (leave)."""
    client = _client(app, users, who)
    return client.post(f"/practices/{pid}/coauthorship", data={
        "action": action, "csrf_token": csrf_from(client, "/practices/mine")})


def _accept(app, users, pid, who="coauthor"):
    assert _answer(app, users, pid, who).status_code == 302


def _confirmed(app, pid) -> list[bool]:
    with app.app_context():
        return [a.link_confirmed for a in db.session.scalars(
            select(PracticeAuthor).where(PracticeAuthor.practice_id == pid).order_by(PracticeAuthor.position_index))]


def test_the_owner_links_a_line_by_e_mail_and_unlinks_it(app, world):
    users, pid = world
    response = _link(app, users, pid, email="  Petrov@Example.org ")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], users["coauthor"])]
    page = _client(app, users, "owner").get(f"/practices/{pid}/coauthors").get_data(as_text=True)
    assert "приглашение отправлено" in page and "Отвязать" in page
    with app.app_context():  # the co-author is told
        notices = db.session.scalars(select(Notification.message).where(
            Notification.user_id == users["coauthor"])).all()
        assert any(TITLE in n and "Приглашения в соавторы" in n for n in notices)

    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert f"привязал(а) строку автора «{AUTHORS[1][0]}» к учётной записи (приглашение)" in history

    assert _link(app, users, pid, action="unlink").status_code == 302
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], None)]
    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert f"отвязал(а) строку автора «{AUTHORS[1][0]}»" in history
    assert _client(app, users, "coauthor").get(f"/practices/{pid}").status_code == 404


def test_the_audit_log_names_the_links_in_russian(app, world, make_user):
    users, pid = world
    _link(app, users, pid)
    _link(app, users, pid, action="unlink")
    admin = app.test_client()
    sign_in(admin, make_user("admin", region=None))
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "Соавтор привязан к строке автора" in page and "Соавтор отвязан от строки автора" in page
    assert f"строка автора: {AUTHORS[1][0]}" in page
    assert ">coauthor_linked<" not in page


def test_the_form_needs_its_csrf_token(app, world):
    users, pid = world
    app.config["WTF_CSRF_ENABLED"] = True
    client = _client(app, users, "owner")
    response = client.post(f"/practices/{pid}/coauthors", data={
        "author": _author_id(app, pid, AUTHORS[1][0]), "email": COAUTHOR_EMAIL, "action": "link"})
    assert response.status_code == 400
    assert _lines(app, pid)[1][1] is None


@pytest.mark.parametrize("email", ["nobody@example.org", "blocked@example.org"])
def test_an_address_without_an_account_to_link_gets_one_message(app, world, make_user, email):
    """An unknown address and a blocked account's get the same words: nothing more is learnt of the account."""
    users, pid = world
    blocked = make_user("teacher", email="blocked@example.org")
    with app.app_context():
        db.session.get(User, blocked).is_active_account = False
        db.session.commit()
    response = _link(app, users, pid, email=email)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"учётной записи с адресом «{email}» в банке нет" in page
    assert _lines(app, pid)[1][1] is None


def test_a_malformed_address_is_named(app, world):
    users, pid = world
    response = _link(app, users, pid, email="не адрес")
    assert response.status_code == 422
    assert "Проверьте адрес электронной почты" in response.get_data(as_text=True)


def test_one_account_links_one_line(app, world):
    users, pid = world
    assert _link(app, users, pid).status_code == 302
    response = _link(app, users, pid, name=AUTHORS[0][0])
    assert response.status_code == 422
    assert "одна учётная запись — одна строка автора" in response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("stranger", 404), ("methodist_out", 404), ("coauthor", 403)])
def test_who_may_not_link(app, world, who, status):
    users, pid = world
    _link(app, users, pid)  # the co-author linked: she sees the draft, but manages no links
    _accept(app, users, pid)
    client = _client(app, users, who)
    assert client.get(f"/practices/{pid}/coauthors").status_code == status
    response = client.post(f"/practices/{pid}/coauthors", data={
        "author": _author_id(app, pid, AUTHORS[0][0]), "email": users_email(app, users[who]), "action": "link",
        "csrf_token": csrf_from(client, "/practices/mine")})
    assert response.status_code == status
    assert _lines(app, pid)[0][1] is None


def users_email(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def test_a_stranger_may_not_link_a_published_practice(app, world):
    users, pid = world
    with app.app_context():
        db.session.get(Practice, pid).status = "published"
        db.session.commit()
    client = _client(app, users, "stranger")
    assert client.get(f"/practices/{pid}/coauthors").status_code == 403
    assert f"/practices/{pid}/coauthors" not in client.get(f"/practices/{pid}").get_data(as_text=True)


def test_a_methodist_who_may_edit_links(app, world):
    users, pid = world
    with app.app_context():
        db.session.get(Practice, pid).status = "submitted"
        db.session.commit()
    assert _link(app, users, pid, who="methodist").status_code == 302
    assert _lines(app, pid)[1][1] == users["coauthor"]


def test_the_co_author_sees_the_draft_but_may_not_edit_or_submit_it(app, world):
    users, pid = world
    _link(app, users, pid)
    _accept(app, users, pid)
    coauthor = _client(app, users, "coauthor")
    page = coauthor.get(f"/practices/{pid}")
    assert page.status_code == 200 and TITLE in page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert f"/practices/{pid}/edit" not in html and 'value="submit"' not in html
    assert coauthor.get(f"/practices/{pid}/edit").status_code == 403
    token = csrf_from(coauthor, "/practices/mine")
    assert coauthor.post(f"/practices/{pid}/transition", data={"action": "submit", "csrf_token": token}
                         ).status_code == 403
    assert coauthor.post(f"/practices/{pid}/delete", data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert db.session.get(Practice, pid).status == "draft"
    assert coauthor.get(f"/practices/{pid}/history").status_code == 404  # the history stays the owner's
    for who in ("stranger", "methodist_out"):
        assert _client(app, users, who).get(f"/practices/{pid}").status_code == 404
    # drafts are not in the index at all: nobody finds one by search, the co-author not either
    found = coauthor.get("/api/v1/search", query_string={"q": "научное общество"}).json["results"]
    assert pid not in [r["id"] for r in found]


def test_the_api_answers_the_co_authors_token_with_the_draft_and_lets_her_change_nothing(app, world, make_token):
    users, pid = world
    _link(app, users, pid)
    _accept(app, users, pid)
    client = app.test_client()
    coauthor = bearer(make_token(users["coauthor"]))
    response = client.get(f"/api/v1/practices/{pid}", headers=coauthor)
    assert response.status_code == 200 and response.json["status"] == "draft"
    assert client.get(f"/api/v1/practices/{pid}", headers=bearer(make_token(users["stranger"]))).status_code == 404
    assert client.patch(f"/api/v1/practices/{pid}", headers=coauthor, json={"title": "Чужая правка"}
                        ).status_code == 403
    with app.app_context():
        assert db.session.get(Practice, pid).title == TITLE


def test_my_practices_has_the_section_with_the_counts(app, world, make_practice):
    users, pid = world
    assert "Соавторство" not in _client(app, users, "coauthor").get("/practices/mine").get_data(as_text=True)
    _link(app, users, pid)
    _accept(app, users, pid)
    with app.app_context():
        published = make_practice("Опубликованная совместная практика", owner_id=users["owner"], views=17,
                                  authors=AUTHORS)
    _link(app, users, published)
    _accept(app, users, published)
    page = _client(app, users, "coauthor").get("/practices/mine").get_data(as_text=True)
    section = page[page.index('id="coauthored"'):]
    assert TITLE in section and "Опубликованная совместная практика" in section
    assert 'data-label="Просмотры">17<' in section
    assert "У вас пока нет практик" in page  # her own: none
    owner_page = _client(app, users, "owner").get("/practices/mine").get_data(as_text=True)
    assert 'id="coauthored"' not in owner_page and TITLE in owner_page
    assert 'id="coauthored"' not in _client(app, users, "stranger").get("/practices/mine").get_data(as_text=True)


def test_the_co_author_gets_the_certificate_of_the_published_practice(app, world):
    users, pid = world
    coauthor = _client(app, users, "coauthor")
    with app.app_context():
        db.session.get(Practice, pid).status = "published"
        db.session.commit()
    assert coauthor.get(f"/practices/{pid}/certificate.pdf").status_code == 404  # not linked yet
    _link(app, users, pid)
    assert coauthor.get(f"/practices/{pid}/certificate.pdf").status_code == 404  # invited: nothing yet
    _accept(app, users, pid)
    page = coauthor.get(f"/practices/{pid}").get_data(as_text=True)
    assert f'href="/practices/{pid}/certificate.pdf"' in page
    response = coauthor.get(f"/practices/{pid}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    content = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages
                                ).split())
    assert AUTHORS[0][0] in content and AUTHORS[1][0] in content
    assert _client(app, users, "stranger").get(f"/practices/{pid}/certificate.pdf").status_code == 404


def test_the_co_author_is_told_of_an_adoption(app, world):
    users, pid = world
    _link(app, users, pid)
    _accept(app, users, pid)
    with app.app_context():
        db.session.get(Practice, pid).status = "published"
        db.session.commit()
    reporter = _client(app, users, "stranger")
    response = reporter.post(f"/practices/{pid}/adoptions", data={
        "organisation": "МАОУ «СОШ № 5»", "region": "RU-CHE", "comment": "Провели с пятыми классами",
        "csrf_token": csrf_from(reporter, f"/practices/{pid}")})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        for who in ("owner", "coauthor"):
            messages = db.session.scalars(select(Notification.message).where(
                Notification.user_id == users[who])).all()
            assert f"Вашу практику «{TITLE}» применили: МАОУ «СОШ № 5»" in " ".join(messages), who
        assert not db.session.scalars(select(Notification).where(Notification.user_id == users["stranger"])).all()


def test_a_co_author_is_an_author_to_the_followers(app, world):
    """A co-author's «Мы применили» counted as a follower of her own practice: she is offered no form, a report
    is refused, and one she made before her line was linked does not count."""
    from kb.adoption.models import PracticeAdoption
    from kb.adoption.services import adoption_counts, adoption_summary

    users, pid = world
    with app.app_context():
        db.session.get(Practice, pid).status = "published"
        db.session.add(PracticeAdoption(practice_id=pid, user_id=users["coauthor"], organisation="МОУ «СОШ № 7»",
                                        region_code="RU-CHE"))  # reported before the link
        db.session.commit()
        assert adoption_counts([pid]) == {pid: 1}
    _link(app, users, pid)
    with app.app_context():
        assert adoption_counts([pid]) == {pid: 1}  # an invitation not accepted changes nothing
    _accept(app, users, pid)
    with app.app_context():
        assert adoption_counts([pid]) == {} and adoption_summary(pid).count == 0
    coauthor = _client(app, users, "coauthor")
    html = coauthor.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Мы применили эту практику" not in html and "Это ваша практика" in html
    response = coauthor.post(f"/practices/{pid}/adoptions", data={
        "organisation": "МАОУ «СОШ № 5»", "region": "RU-CHE", "comment": "", "csrf_token": csrf_from(coauthor, "/")})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(PracticeAdoption.organisation).where(
            PracticeAdoption.organisation == "МАОУ «СОШ № 5»")) is None


def _edit_authors(app, users, pid, authors_text: str):
    client = _client(app, users, "owner")
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        practice = db.session.get(Practice, pid)
        revision = practice.revision
    response = client.post(f"/practices/{pid}/edit?confirm_duplicates=1", data={
        "title": TITLE, "authors": authors_text, "region": "RU-CHE", "levels": ["primary"], "year": "2020",
        "annotation": "Описание практики для проверки поиска.", "revision": str(revision)})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_an_edit_keeps_the_links_of_unchanged_lines_and_drops_a_removed_lines(app, world, make_user):
    users, pid = world
    first = make_user("teacher", email="ivanova@example.org")
    _link(app, users, pid)
    _link(app, users, pid, email="ivanova@example.org", name=AUTHORS[0][0])
    _accept(app, users, pid)
    # another line added, the order changed, Petrov's position changed: both links stay
    _edit_authors(app, users, pid, "Сидорова Вера Павловна, педагог-психолог\n"
                                   "Петров Борис Ильич, директор\nИванова Анна Петровна, учитель начальных классов")
    assert _lines(app, pid) == [("Сидорова Вера Павловна", None), (AUTHORS[1][0], users["coauthor"]),
                                (AUTHORS[0][0], first)]
    assert _confirmed(app, pid) == [False, True, False]  # the acceptance stays with the line
    # Petrov's line removed: his link goes with it; Ivanova's stays
    _edit_authors(app, users, pid, "Сидорова Вера Павловна, педагог-психолог\n"
                                   "Иванова Анна Петровна, учитель начальных классов")
    assert _lines(app, pid) == [("Сидорова Вера Павловна", None), (AUTHORS[0][0], first)]
    assert _client(app, users, "coauthor").get(f"/practices/{pid}").status_code == 404
    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert f"строка автора «{AUTHORS[1][0]}» изменена или удалена при правке" in history


def test_a_deleted_account_leaves_the_line_unlinked(app, world):
    from kb.accounts.deletion import delete_account

    users, pid = world
    _link(app, users, pid)
    with app.app_context():
        delete_account(db.session.get(User, users["coauthor"]), db.session.get(User, users["owner"]))
        db.session.commit()
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], None)]


def _has_column(app) -> bool:
    with app.app_context():
        columns = {column["name"] for column in inspect(db.engine).get_columns("practice_author")}
        assert ("user_id" in columns) == ("link_confirmed" in columns)
        return "user_id" in columns


def test_the_migration_adds_and_drops_the_column(app, world):
    users, pid = world
    _link(app, users, pid)
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "zBcoa0000001-1"])  # to whatever comes before it
    assert down.exit_code == 0, down.output
    assert not _has_column(app)
    assert [name for name, _ in _lines_raw(app, pid)] == [AUTHORS[0][0], AUTHORS[1][0]]  # the lines stay
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert _has_column(app)
    with app.app_context():
        inspector = inspect(db.engine)
        assert "ix_practice_author_user_id" in {i["name"] for i in inspector.get_indexes("practice_author")}
        [key] = [k for k in inspector.get_foreign_keys("practice_author") if k["constrained_columns"] == ["user_id"]]
        assert key["referred_table"] == "user" and key["options"].get("ondelete") == "SET NULL"
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], None)]  # the links were in the column
    assert _link(app, users, pid).status_code == 302


def _lines_raw(app, pid):
    with app.app_context():
        return db.session.execute(text("SELECT name, position FROM practice_author WHERE practice_id = :id "
                                       "ORDER BY position_index"), {"id": pid}).all()


def test_a_moderator_linked_as_co_author_does_not_assess_the_practice(app, world):
    """README: «свою практику методист или администратор не оценивает» — a co-author's is hers too."""
    from kb.practices.models import PracticeAssessment

    users, pid = world
    with app.app_context():
        db.session.get(User, users["methodist"]).email = "metodist@example.org"
        db.session.commit()
    _link(app, users, pid, email="metodist@example.org")
    _accept(app, users, pid, "methodist")
    with app.app_context():
        db.session.get(Practice, pid).status = "submitted"
        db.session.commit()
    client = _client(app, users, "methodist")
    assert 'name="relevance"' not in client.get(f"/practices/{pid}").get_data(as_text=True)
    response = client.post(f"/practices/{pid}/assessment", data={
        "relevance": "2", "novelty": "2", "effectiveness": "2", "stability": "2", "replicability": "2",
        "decision": "", "csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert response.status_code == 302
    assert "свою практику автор не оценивает" in client.get(f"/practices/{pid}").get_data(as_text=True)
    with app.app_context():
        assert not db.session.scalars(select(PracticeAssessment).where(PracticeAssessment.practice_id == pid)).all()


def _invite_the_methodist(app, users, pid):
    """The owner invites the region's methodist to a line and sends the practice for review."""
    with app.app_context():
        db.session.get(User, users["methodist"]).email = "metodist@example.org"
        db.session.commit()
    assert _link(app, users, pid, email="metodist@example.org").status_code == 302
    with app.app_context():
        db.session.get(Practice, pid).status = "submitted"
        db.session.commit()


def test_an_invitation_not_accepted_leaves_the_methodist_her_assessment(app, world):
    """Only an accepted link makes her an author: an invitation alone must not let the owner choose who assesses."""
    from kb.practices.models import PracticeAssessment

    users, pid = world
    _invite_the_methodist(app, users, pid)
    client = _client(app, users, "methodist")
    assert 'name="relevance"' in client.get(f"/practices/{pid}").get_data(as_text=True)
    response = client.post(f"/practices/{pid}/assessment", data={
        "relevance": "2", "novelty": "2", "effectiveness": "2", "stability": "2", "replicability": "2",
        "decision": "", "csrf_token": csrf_from(client, f"/practices/{pid}")})
    assert response.status_code == 302
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Экспертная оценка сохранена." in page and "не на рассмотрении" not in page
    with app.app_context():
        assessments = db.session.scalars(select(PracticeAssessment).where(PracticeAssessment.practice_id == pid))
        assert len(assessments.all()) == 1


def test_a_co_author_moderator_is_told_why_she_does_not_assess(app, world):
    users, pid = world
    _invite_the_methodist(app, users, pid)
    _accept(app, users, pid, "methodist")
    client = _client(app, users, "methodist")
    client.post(f"/practices/{pid}/assessment", data={
        "relevance": "2", "novelty": "2", "effectiveness": "2", "stability": "2", "replicability": "2",
        "decision": "", "csrf_token": csrf_from(client, f"/practices/{pid}")})
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "вы — автор или соавтор этой практики" in page and "не на рассмотрении" not in page


def test_a_link_is_an_invitation_the_invitee_accepts(app, world):
    users, pid = world
    assert _link(app, users, pid).status_code == 302
    assert _lines(app, pid)[1][1] == users["coauthor"] and _confirmed(app, pid) == [False, False]
    coauthor = _client(app, users, "coauthor")
    with app.app_context():
        [notice] = db.session.scalars(select(Notification).where(Notification.user_id == users["coauthor"])).all()
        assert TITLE in notice.message and "Приглашения в соавторы" in notice.message
        assert notice.link == "/practices/mine#invitations"
    # nothing before she accepts: no draft, no «Соавторство»
    assert coauthor.get(f"/practices/{pid}").status_code == 404
    page = coauthor.get("/practices/mine").get_data(as_text=True)
    assert 'id="coauthored"' not in page
    invitations = page[page.index('id="invitations"'):]
    assert TITLE in invitations and 'value="accept"' in invitations
    assert f'href="/practices/{pid}/coauthorship/decline"' in invitations  # «Отклонить…» asks first
    # not hers to answer: told as a gone invitation is, whatever the practice (nothing learnt of it), nothing changes
    stranger = _answer(app, users, pid, "stranger")
    assert stranger.status_code == 302 and stranger.headers["Location"].endswith("/practices/mine")
    assert _confirmed(app, pid) == [False, False]
    odd = _answer(app, users, pid, action="explode")
    assert odd.status_code == 400 and "Неизвестное действие" in odd.get_data(as_text=True)
    _accept(app, users, pid)
    assert _confirmed(app, pid) == [False, True]
    assert coauthor.get(f"/practices/{pid}").status_code == 200
    page = coauthor.get("/practices/mine").get_data(as_text=True)
    assert 'id="invitations"' not in page and TITLE in page[page.index('id="coauthored"'):]
    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert f"принял(а) приглашение в соавторы (строка автора «{AUTHORS[1][0]}»)" in history


def test_the_invitee_declines_and_the_line_is_unlinked(app, world):
    users, pid = world
    _link(app, users, pid)
    assert _answer(app, users, pid, action="decline").status_code == 302
    assert _lines(app, pid)[1][1] is None
    assert 'id="invitations"' not in _client(app, users, "coauthor").get("/practices/mine").get_data(as_text=True)


def test_the_co_author_leaves_at_any_time_her_own_line_only(app, world, make_user):
    users, pid = world
    make_user("teacher", email="ivanova@example.org")
    _link(app, users, pid)
    _link(app, users, pid, email="ivanova@example.org", name=AUTHORS[0][0])
    _accept(app, users, pid)
    coauthor = _client(app, users, "coauthor")
    assert f'href="/practices/{pid}/coauthorship/leave"' in coauthor.get(f"/practices/{pid}").get_data(as_text=True)
    assert _answer(app, users, pid, action="leave").status_code == 302
    assert _lines(app, pid)[1][1] is None and _lines(app, pid)[0][1] is not None  # the other line stays linked
    assert coauthor.get(f"/practices/{pid}").status_code == 404
    again = _answer(app, users, pid, action="leave")  # nothing of hers left: told so
    assert again.status_code == 302 and again.headers["Location"].endswith("/practices/mine")
    assert _lines(app, pid)[1][1] is None and _lines(app, pid)[0][1] is not None


def _rename(app, user_id, name):
    with app.app_context():
        db.session.get(User, user_id).name = name
        db.session.commit()


def test_the_link_form_tells_no_name_of_an_account_before_she_accepts(app, world):
    """Linking by e-mail must not tell the linker whose the address is: an invitation shows as sent, the
    co-author's name appears once she accepted (she consented)."""
    users, pid = world
    _rename(app, users["coauthor"], "Настоящая Фамилия")
    _link(app, users, pid)
    owner = _client(app, users, "owner")
    page = owner.get(f"/practices/{pid}/coauthors").get_data(as_text=True)
    history = owner.get(f"/practices/{pid}/history").get_data(as_text=True)
    assert "приглашение отправлено" in page and "Отвязать" in page
    assert "Настоящая Фамилия" not in page and "Настоящая Фамилия" not in history
    _accept(app, users, pid)
    page = owner.get(f"/practices/{pid}/coauthors").get_data(as_text=True)
    assert "подтверждено" in page and "Настоящая Фамилия" in page
    assert "Настоящая Фамилия" in owner.get(f"/practices/{pid}/history").get_data(as_text=True)


def test_deleting_the_owners_account_tells_the_co_authors_of_the_deleted_draft(app, world, make_user):
    from kb.accounts.deletion import delete_account, deletion_effects

    users, pid = world
    make_user("teacher", email="ivanova@example.org")
    _link(app, users, pid)
    _accept(app, users, pid)
    _link(app, users, pid, email="ivanova@example.org", name=AUTHORS[0][0])  # invited only: not told
    owner = _client(app, users, "owner")
    page = owner.get("/profile/delete").get_data(as_text=True)
    assert "нет доступа к вашему черновику" not in page
    assert "1 — с соавторами" in page
    with app.app_context():
        assert deletion_effects(db.session.get(User, users["owner"])).coauthored_unpublished == 1
        delete_account(db.session.get(User, users["owner"]), db.session.get(User, users["owner"]))
        db.session.commit()
        assert db.session.get(Practice, pid) is None
        [notice] = db.session.scalars(select(Notification).where(Notification.user_id == users["coauthor"])
                                      .where(Notification.message.contains("удалён вместе"))).all()
        assert TITLE in notice.message and notice.link == ""
        ivanova = db.session.scalar(select(User.id).where(User.email == "ivanova@example.org"))
        assert not db.session.scalars(select(Notification).where(Notification.user_id == ivanova,
                                                                  Notification.message.contains("удалён вместе"))).all()


def test_the_history_keeps_only_the_account_number_of_a_deleted_co_author(app, world):
    from kb.accounts.deletion import delete_account
    from kb.accounts.models import AuditEvent

    users, pid = world
    _rename(app, users["coauthor"], "Настоящая Фамилия")
    _link(app, users, pid)
    _accept(app, users, pid)
    _link(app, users, pid, action="unlink")
    with app.app_context():
        delete_account(db.session.get(User, users["coauthor"]), db.session.get(User, users["coauthor"]))
        db.session.commit()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("coauthor_%"))).all()
        assert events and all("Настоящая Фамилия" not in str(e.details) for e in events)
        assert all(e.details.get("user_id") == users["coauthor"] for e in events)
    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert "Настоящая Фамилия" not in history and "учётная запись удалена" in history


def test_a_name_recorded_in_a_link_event_before_goes_with_the_account(app, world):
    from kb.accounts.deletion import delete_account
    from kb.accounts.models import AuditEvent
    from kb.accounts.services import record

    users, pid = world
    with app.app_context():
        record("coauthor_linked", db.session.get(User, users["owner"]), "practice", pid,
               details={"author": AUTHORS[1][0], "user_id": users["coauthor"], "user_name": "Настоящая Фамилия"})
        db.session.commit()
        delete_account(db.session.get(User, users["coauthor"]), None, via="cli")
        db.session.commit()
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coauthor_linked")).all()
        assert event.details == {"author": AUTHORS[1][0], "user_id": users["coauthor"]}


def test_an_api_patch_keeps_the_link_of_a_name_stored_with_irregular_spaces(app, world, make_token):
    users, pid = world
    with app.app_context():  # stored before names were collapsed (a registry load, an older edit)
        line = db.session.scalar(select(PracticeAuthor).where(PracticeAuthor.practice_id == pid,
                                                              PracticeAuthor.name == AUTHORS[1][0]))
        line.name = "Петров  Борис\u00a0Ильич"
        author_id = line.id
        db.session.commit()
    client = _client(app, users, "owner")
    response = client.post(f"/practices/{pid}/coauthors", data={
        "csrf_token": csrf_from(client, f"/practices/{pid}/coauthors"), "author": author_id,
        "email": COAUTHOR_EMAIL, "action": "link"})
    assert response.status_code == 302
    _accept(app, users, pid)
    response = app.test_client().patch(f"/api/v1/practices/{pid}", headers=bearer(make_token(users["owner"])),
                                       json={"title": "Школьное научное общество в сельской школе: опыт"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _lines(app, pid)[1] == (AUTHORS[1][0], users["coauthor"])  # the API's spelling saved, the line kept
    assert _confirmed(app, pid) == [False, True]


def test_a_co_authors_own_visits_are_not_reader_views(app, world):
    users, pid = world
    with app.app_context():
        db.session.get(Practice, pid).status = "published"
        db.session.commit()

    def views():
        with app.app_context():
            return db.session.get(Practice, pid).views

    _link(app, users, pid)
    coauthor = _client(app, users, "coauthor")
    coauthor.get(f"/practices/{pid}")
    assert views() == 1  # invited only: a reader still
    _accept(app, users, pid)
    coauthor.get(f"/practices/{pid}")
    assert views() == 1
    _client(app, users, "stranger").get(f"/practices/{pid}")
    assert views() == 2


def test_the_linker_is_told_an_invitation_was_sent(app, world):
    users, pid = world
    client = _client(app, users, "owner")
    response = client.post(f"/practices/{pid}/coauthors", follow_redirects=True, data={
        "csrf_token": csrf_from(client, f"/practices/{pid}/coauthors"), "author": _author_id(app, pid, AUTHORS[1][0]),
        "email": COAUTHOR_EMAIL, "action": "link"})
    page = response.get_data(as_text=True)
    assert "соавтору отправлено приглашение" in page and "в разделе «Соавторство»" not in page


def test_a_decline_tells_the_linker_no_name_either(app, world):
    """The invitee declining acted on the practice herself: the history named her by her account then."""
    users, pid = world
    _rename(app, users["coauthor"], "Настоящая Фамилия")
    _link(app, users, pid)
    assert _answer(app, users, pid, action="decline").status_code == 302
    history = _client(app, users, "owner").get(f"/practices/{pid}/history").get_data(as_text=True)
    assert "Настоящая Фамилия" not in history and "приглашённый соавтор" in history


def test_a_co_author_who_left_is_not_named_in_the_history(app, world, make_user):
    """README: who declined or left is «приглашённый соавтор» in the history, not her name — her earlier acceptance
    named her only while she stayed; accepted again (invited by an administrator), she is named again."""
    users, pid = world
    _rename(app, users["coauthor"], "Настоящая Фамилия")
    _link(app, users, pid)
    _accept(app, users, pid)
    assert _answer(app, users, pid, action="leave").status_code == 302
    owner = _client(app, users, "owner")
    history = owner.get(f"/practices/{pid}/history").get_data(as_text=True)
    assert "Настоящая Фамилия" not in history and "приглашённый соавтор" in history
    assert "Настоящая Фамилия" not in owner.get(f"/practices/{pid}/coauthors").get_data(as_text=True)
    users["admin"] = make_user("admin")
    _link(app, users, pid, who="admin")
    _accept(app, users, pid)
    assert "Настоящая Фамилия" in owner.get(f"/practices/{pid}/history").get_data(as_text=True)


def test_an_account_that_declined_is_not_invited_again(app, world, make_user):
    """Invite, decline, invite…: each invitation was a notice with a title the linker chose. Once declined, the
    same account is not invited to the practice again (an administrator may)."""
    users, pid = world
    _link(app, users, pid)
    assert _answer(app, users, pid, action="decline").status_code == 302
    again = _link(app, users, pid)
    assert again.status_code == 422 and "отклонил" in again.get_data(as_text=True)
    assert _lines(app, pid)[1][1] is None
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.user_id == users["coauthor"])).all()
    assert len(told) == 1
    users["admin"] = make_user("admin")
    _link(app, users, pid, who="admin")
    assert _lines(app, pid)[1][1] == users["coauthor"]


@pytest.mark.parametrize("line", [AUTHORS[1][0], AUTHORS[0][0]], ids=["the same line", "another line"])
def test_an_account_invited_before_is_told_once(app, world, line):
    """Link, unlink, link…: each invitation was a notice with a title the linker chose. An account invited to the
    practice before is linked again without a new notice; the invitation waits in «Мои практики» all the same."""
    users, pid = world
    for cycle in range(5):
        assert _link(app, users, pid, name=AUTHORS[1][0] if cycle == 0 else line).status_code == 302
        if cycle < 4:
            assert _link(app, users, pid, name=AUTHORS[1][0] if cycle == 0 else line,
                         action="unlink").status_code == 302
    with app.app_context():
        told = db.session.scalars(select(Notification).where(Notification.user_id == users["coauthor"])).all()
    assert len(told) == 1
    page = _client(app, users, "coauthor").get("/practices/mine").get_data(as_text=True)
    assert TITLE in page[page.index('id="invitations"'):]


def _link_error(response) -> str:
    """The refusal, at the top or beside the line's field (test_a_refused_address_is_said_beside_its_field)."""
    [error] = re.findall(r'(?:flash--error" role="alert"|class="error" id="email-\d+-error")>(.*?)</p>',
                         response.get_data(as_text=True), re.S)
    return error


def test_a_refused_address_is_said_beside_its_field(app, world):
    """The refusal stood only at the top of the page, tied to no field: now it is beside the line's field, which
    is marked invalid, says it and has the focus."""
    users, pid = world
    line = _author_id(app, pid, AUTHORS[1][0])
    response = _link(app, users, pid, email="nobody@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    field = re.search(rf'<input type="email" id="email-{line}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and f'aria-describedby="email-{line}-error"' in field
    assert "autofocus" in field and 'value="nobody@example.org"' in field
    [said] = re.findall(rf'<p class="error" id="email-{line}-error">(.*?)</p>', page)
    assert said and "flash--error" not in page
    assert page.count('aria-invalid="true"') == 1
    assert "<title>Ошибка: " in page


def test_a_linked_line_has_no_empty_form(app, world):
    """A linked line's control is the link «Отвязать…» (its question page has the form that unlinks): the line kept
    the link form's wrapper, a <form> with hidden fields and nothing to send it. Only a line without an account
    has the form (its address field and «Привязать»), invited or confirmed the linked one has none."""
    users, pid = world
    linked, free = _author_id(app, pid, AUTHORS[1][0]), _author_id(app, pid, AUTHORS[0][0])
    assert _link(app, users, pid).status_code == 302

    def lines() -> tuple[str, str]:
        page = _client(app, users, "owner").get(f"/practices/{pid}/coauthors").get_data(as_text=True)
        line = re.search(rf'<li id="author-{linked}">(.*?)</li>', page, re.S).group(1)
        assert "<form" not in line and "</form>" not in line and 'type="hidden"' not in line
        assert f'href="/practices/{pid}/coauthors/{linked}/unlink"' in line and "Отвязать" in line
        other = re.search(rf'<li id="author-{free}">(.*?)</li>', page, re.S).group(1)
        assert other.count("<form") == other.count("</form>") == 1
        form = re.search(r"<form (.*?)</form>", other, re.S).group(1)
        assert f'action="/practices/{pid}/coauthors"' in form and 'name="csrf_token"' in form
        assert f'name="author" value="{free}"' in form and 'name="email"' in form and "Привязать</button>" in form
        return line, other

    assert "приглашение отправлено" in lines()[0]
    _accept(app, users, pid)
    assert "подтверждено" in lines()[0]


def test_the_link_form_confirms_no_guess_of_an_address_another_linker_invited(app, world, make_user):
    """The methodist invited an account to line 2: the owner's page shows only «приглашение отправлено». Whatever
    address the owner types, the answer is the same words: they confirm no guess of whose the address is."""
    users, pid = world
    make_user("teacher", email="other@example.org")
    assert _link(app, users, pid, who="methodist").status_code == 302
    same_line = [_link(app, users, pid, email=email) for email in (COAUTHOR_EMAIL, "other@example.org",
                                                                  "nobody@example.org")]
    assert {response.status_code for response in same_line} == {422}
    assert len({_link_error(response) for response in same_line}) == 1
    assert "ждёт ответа на приглашение" in _link_error(same_line[0])
    assert _lines(app, pid)[1][1] == users["coauthor"]  # the invitation stays as it was
    guess = _link(app, users, pid, name=AUTHORS[0][0])
    assert guess.status_code == 422
    error = _link_error(guess)
    assert AUTHORS[1][0] not in error and "привязана к строке" not in error
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], users["coauthor"])]
    # she accepted: her name is on the page, and the answers name her line again
    _accept(app, users, pid)
    assert f"уже привязана к строке «{AUTHORS[1][0]}»" in _link_error(_link(app, users, pid, name=AUTHORS[0][0]))
    assert "уже привязана к этой учётной записи" in _link_error(_link(app, users, pid))


def test_the_owners_own_line_linked_by_a_methodist_needs_no_invitation(app, world):
    users, pid = world
    with app.app_context():
        owner_email = db.session.get(User, users["owner"]).email
    _link(app, users, pid, who="methodist", email=owner_email, name=AUTHORS[0][0])
    assert _lines(app, pid)[0][1] == users["owner"] and _confirmed(app, pid)[0] is True
    page = _client(app, users, "owner").get("/practices/mine").get_data(as_text=True)
    assert 'id="invitations"' not in page


def _queries_of_my_practices(app, client) -> int:
    from sqlalchemy import event

    counted: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        counted.append("q")

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/practices/mine").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(counted)


def test_my_practices_reads_the_invitations_in_one_query(app, world, make_practice):
    """Each invitation's practice was read by a query of its own."""
    users, pid = world
    _link(app, users, pid)
    client = _client(app, users, "coauthor")
    client.get("/practices/mine")
    one = _queries_of_my_practices(app, client)
    with app.app_context():
        others = [make_practice(f"Практика {n}", status="draft", owner_id=users["owner"], authors=AUTHORS)
                  for n in range(5)]
    for other in others:
        _link(app, users, other)
    assert _queries_of_my_practices(app, client) == one
    page = client.get("/practices/mine").get_data(as_text=True)
    assert all(f"Практика {n}" in page for n in range(5))


# -- one account, one line; answers that find the line changed; spaces in a name -----------------------------------

def test_the_database_refuses_one_account_on_two_lines_of_a_practice(app, world, make_practice):
    users, pid = world
    with app.app_context():
        other = make_practice("Другая практика", status="draft", owner_id=users["owner"], authors=AUTHORS[:1])
        lines = db.session.scalars(select(PracticeAuthor).where(PracticeAuthor.practice_id.in_((pid, other)))
                                   .order_by(PracticeAuthor.practice_id, PracticeAuthor.position_index)).all()
        lines[0].user_id = lines[2].user_id = users["coauthor"]  # one line in each practice: allowed
        db.session.commit()
        lines[1].user_id = users["coauthor"]
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert _lines(app, pid) == [(AUTHORS[0][0], users["coauthor"]), (AUTHORS[1][0], None)]


def _after_reading(monkeypatch, name: str, change) -> None:
    """``services.<name>`` (how the view reads the practice) followed, once, by ``change`` done by another request
    that commits: the view goes on with what it read before."""
    read = getattr(services, name)
    done = []

    def reading(*args, **kwargs):
        practice = read(*args, **kwargs)
        if not done:
            done.append(True)
            with db.engine.begin() as connection:
                change(connection)
        return practice

    monkeypatch.setattr(services, name, reading)


def test_two_links_of_one_account_at_once_store_one_and_tell_the_other(app, world, monkeypatch):
    """Both requests passed the application's check before either stored its link: the unique index refuses the
    second, which is told so in Russian (not a 500), with the address it typed still in the form."""
    users, pid = world
    first, second = _author_id(app, pid, AUTHORS[0][0]), _author_id(app, pid, AUTHORS[1][0])
    client = _client(app, users, "owner")
    token = csrf_from(client, f"/practices/{pid}/coauthors")
    _after_reading(monkeypatch, "get_visible_practice", lambda connection: connection.execute(
        update(PracticeAuthor).where(PracticeAuthor.id == first).values(user_id=users["coauthor"])))
    response = client.post(f"/practices/{pid}/coauthors", data={
        "csrf_token": token, "author": second, "email": COAUTHOR_EMAIL, "action": "link"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422, page
    assert "эту учётную запись только что привязали к другой строке этой практики" in page
    assert f'value="{COAUTHOR_EMAIL}"' in page[page.index(f'id="author-{second}"'):]
    assert _lines(app, pid) == [(AUTHORS[0][0], users["coauthor"]), (AUTHORS[1][0], None)]


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_an_answer_to_an_invitation_relinked_meanwhile_changes_nothing(app, world, monkeypatch, action):
    """The owner unlinked the invitee's line and invited another account to it while her page was open: her
    «Принять» confirmed the other account's invitation, her «Отклонить» removed it."""
    users, pid = world
    _link(app, users, pid)
    line = _author_id(app, pid, AUTHORS[1][0])
    client = _client(app, users, "coauthor")
    token = csrf_from(client, "/practices/mine")
    _after_reading(monkeypatch, "get_practice", lambda connection: connection.execute(
        update(PracticeAuthor).where(PracticeAuthor.id == line).values(user_id=users["stranger"],
                                                                          link_confirmed=False)))
    response = client.post(f"/practices/{pid}/coauthorship", data={"action": action, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/practices/mine")
    assert "Приглашение больше не действует" in client.get("/practices/mine").get_data(as_text=True)
    assert _lines(app, pid)[1][1] == users["stranger"] and _confirmed(app, pid) == [False, False]
    with app.app_context():
        from kb.accounts.models import AuditEvent

        assert not db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(("coauthor_confirmed", "coauthor_unlinked")))).all()


@pytest.mark.parametrize("action", ["accept", "decline", "leave"])
def test_an_answer_after_the_line_was_relinked_says_the_invitation_is_gone(app, world, action):
    """The line was relinked before she clicked (her page was older): «Страница не найдена» said nothing of why. Any
    practice number gets the same answer, so it tells no one which practices exist."""
    users, pid = world
    _link(app, users, pid)
    client = _client(app, users, "coauthor")
    token = csrf_from(client, "/practices/mine")
    with app.app_context():
        db.session.execute(update(PracticeAuthor).where(PracticeAuthor.id == _author_id(app, pid, AUTHORS[1][0]))
                           .values(user_id=users["stranger"], link_confirmed=False))
        db.session.commit()
    gone = coauthors.NOT_LINKED if action == "leave" else coauthors.INVITATION_GONE
    for practice_id in (pid, 999999):
        response = client.post(f"/practices/{practice_id}/coauthorship", data={"action": action, "csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].endswith("/practices/mine")
        page = client.get("/practices/mine").get_data(as_text=True)
        assert html.escape(gone, quote=False) in page or gone in page
    assert _lines(app, pid)[1][1] == users["stranger"]


def test_declining_an_invitation_accepted_in_another_tab_says_how_to_leave(app, world):
    users, pid = world
    _link(app, users, pid)
    client = _client(app, users, "coauthor")
    token = csrf_from(client, "/practices/mine")
    _accept(app, users, pid)
    response = client.post(f"/practices/{pid}/coauthorship", data={"action": "decline", "csrf_token": token},
                           follow_redirects=True)
    assert "Вы уже приняли это приглашение: выйти из соавторов можно на странице практики." in response.get_data(
        as_text=True)
    assert _lines(app, pid)[1][1] == users["coauthor"] and _confirmed(app, pid) == [False, True]


def _versions(app, pid) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PracticeVersion)
                                 .where(PracticeVersion.practice_id == pid))


@pytest.mark.parametrize(("name", "position"), [
    ("Петров  Борис Ильич", AUTHORS[1][1]),
    (f" {AUTHORS[1][0]} ", AUTHORS[1][1]),
    ("Петров Борис\u00a0Ильич", AUTHORS[1][1]),
    (AUTHORS[1][0], "заместитель\u00a0 директора"),
])
def test_an_edit_that_only_corrects_the_spaces_of_a_name_is_saved_and_the_line_stays_linked(app, world, name,
                                                                                          position):
    """The names were compared with their spaces collapsed and the stored spelling kept: «Изменений нет»."""
    users, pid = world
    authors_text = "\n".join(f"{n}, {p}" for n, p in AUTHORS)
    _edit_authors(app, users, pid, authors_text)  # the other fields as the form sends them
    _link(app, users, pid)
    _accept(app, users, pid)
    with app.app_context():  # stored so before names were collapsed (a registry load, an older edit)
        line = db.session.get(PracticeAuthor, _author_id(app, pid, AUTHORS[1][0]))
        line.name, line.position = name, position
        db.session.commit()
    versions = _versions(app, pid)
    _edit_authors(app, users, pid, authors_text)
    assert _versions(app, pid) == versions + 1
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], users["coauthor"])]
    assert _confirmed(app, pid) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(PracticeAuthor.position).where(
            PracticeAuthor.practice_id == pid, PracticeAuthor.user_id == users["coauthor"])) == AUTHORS[1][1]
        from kb.accounts.models import AuditEvent

        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action == "coauthor_unlinked")).all()


def _unique_index(app) -> bool:
    with app.app_context():
        return any(index["name"] == "uq_practice_author_user" and index["unique"]
                   for index in inspect(db.engine).get_indexes("practice_author"))


def test_the_migration_unlinks_the_other_lines_of_one_account_and_adds_the_index(app, world, make_practice):
    """Two links made at once before the index left one account on two lines: the first line keeps the link — the
    accepted one, if only one of them is (keeping the first, an invitation, made a co-author an invitee again)."""
    users, pid = world
    with app.app_context():
        other = make_practice("Другая практика", status="draft", owner_id=users["owner"], authors=AUTHORS[:1])
        later = make_practice("Третья практика", status="draft", owner_id=users["owner"], authors=AUTHORS)
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "zBcoa0000001"])
    assert down.exit_code == 0, down.output
    assert not _unique_index(app)
    with app.app_context():
        db.session.execute(text("UPDATE practice_author SET user_id = :user WHERE practice_id IN (:a, :b)"),
                           {"user": users["coauthor"], "a": pid, "b": other})
        db.session.execute(text("UPDATE practice_author SET link_confirmed = :yes WHERE practice_id = :a"),
                           {"yes": True, "a": pid})
        db.session.execute(text("UPDATE practice_author SET user_id = :user, link_confirmed = (position_index = 1) "
                                "WHERE practice_id = :c"), {"user": users["coauthor"], "c": later})
        db.session.commit()
    assert _confirmed(app, later) == [False, True]
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert _unique_index(app)
    assert _lines(app, pid) == [(AUTHORS[0][0], users["coauthor"]), (AUTHORS[1][0], None)]
    assert _confirmed(app, pid) == [True, False]
    assert _lines(app, other) == [(AUTHORS[0][0], users["coauthor"])]  # another practice's line is another's
    assert _lines(app, later) == [(AUTHORS[0][0], None), (AUTHORS[1][0], users["coauthor"])]
    assert _confirmed(app, later) == [False, True]
    # run again on a database that has it (its revision stamped back): nothing to do
    assert runner.invoke(args=["db", "stamp", "zBcoa0000001"]).exit_code == 0
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0, again.output
    assert _unique_index(app)


@pytest.mark.parametrize("answer", ["decline", "leave"])
def test_a_re_invitation_after_a_decline_is_told_again_and_a_relink_is_not(app, world, make_user, answer):
    """An administrator's invitation after a decline (or after she left) is a new invitation: its notice was not sent,
    the notice being once a practice. A relink with no decline in between is the same invitation: no second notice."""
    users, pid = world
    users["admin"] = make_user("admin")

    def told() -> int:
        with app.app_context():
            return len(db.session.scalars(select(Notification).where(
                Notification.user_id == users["coauthor"], Notification.message.contains("Вас приглашают"))).all())

    assert _link(app, users, pid).status_code == 302 and told() == 1
    if answer == "leave":
        _accept(app, users, pid)
    assert _answer(app, users, pid, action=answer).status_code == 302
    assert _link(app, users, pid, who="admin").status_code == 302
    assert told() == 2
    # unlinked and linked again, to the same line or to another, by whoever: the same invitation
    assert _link(app, users, pid, who="admin", action="unlink").status_code == 302
    assert _link(app, users, pid, who="admin").status_code == 302
    assert _link(app, users, pid, action="unlink").status_code == 302
    assert _link(app, users, pid, who="admin", name=AUTHORS[0][0]).status_code == 302
    assert told() == 2
    # her line removed by an edit, and linked again: no decline in between either
    _edit_authors(app, users, pid, f"{AUTHORS[1][0]}, {AUTHORS[1][1]}")
    assert _lines(app, pid) == [(AUTHORS[1][0], None)]
    assert _link(app, users, pid, who="admin").status_code == 302
    assert told() == 2
    assert _answer(app, users, pid, action="decline").status_code == 302
    assert _link(app, users, pid, who="admin").status_code == 302
    assert told() == 3


def test_the_linker_who_invited_an_account_to_another_line_is_told_which(app, world, make_user):
    """The owner invited the address to line 2 herself: naming that line tells her nothing she does not know."""
    users, pid = world
    assert _link(app, users, pid).status_code == 302
    error = _link_error(_link(app, users, pid, name=AUTHORS[0][0]))
    assert f"Эту учётную запись вы уже пригласили к строке «{AUTHORS[1][0]}»" in error
    assert "сначала отвяжите ту" in error
    users["admin"] = make_user("admin")  # whose audit log names the invitee anyway
    error = _link_error(_link(app, users, pid, who="admin", name=AUTHORS[0][0]))
    assert f"уже приглашена к строке «{AUTHORS[1][0]}»" in error
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], users["coauthor"])]


def test_an_editor_who_did_not_invite_learns_no_more_of_an_address_than_that_it_cannot_be_invited(app, world):
    """The owner invited an address to line 2; the region's methodist, who may edit the practice and so reach the
    form, types it for line 1. «уже привязана к другой строке этой практики или приглашена к ней» confirmed her guess
    of who was invited; the answer now says only that it cannot be invited here — the same words as for an account
    that declined someone else's invitation, whose «уже отклонила» confirmed a guess of who declined."""
    users, pid = world
    with app.app_context():
        db.session.get(Practice, pid).status = "submitted"
        db.session.commit()
    assert _link(app, users, pid).status_code == 302
    waiting = _link(app, users, pid, who="methodist", name=AUTHORS[0][0])
    assert waiting.status_code == 422
    assert _link_error(waiting) == coauthors.NOT_INVITABLE
    assert AUTHORS[1][0] not in _link_error(waiting)
    assert _answer(app, users, pid, action="decline").status_code == 302
    declined = _link(app, users, pid, who="methodist", name=AUTHORS[0][0])
    assert declined.status_code == 422 and _link_error(declined) == coauthors.NOT_INVITABLE
    # the owner, whose invitation it was, is told what she knows already
    assert "уже отклонила приглашение" in _link_error(_link(app, users, pid, name=AUTHORS[0][0]))
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], None)]


def test_the_owner_is_not_told_that_an_account_declined_a_methodists_invitation(app, world):
    users, pid = world
    assert _link(app, users, pid, who="methodist").status_code == 302
    _accept(app, users, pid)
    assert _answer(app, users, pid, action="leave").status_code == 302
    response = _link(app, users, pid, name=AUTHORS[0][0])
    assert response.status_code == 422
    assert _link_error(response) == coauthors.NOT_INVITABLE
    assert "отклонил" not in _link_error(response) and "вышла" not in _link_error(response)
    assert "отклонил" in _link_error(_link(app, users, pid, who="methodist", name=AUTHORS[0][0]))
    assert _lines(app, pid) == [(AUTHORS[0][0], None), (AUTHORS[1][0], None)]
