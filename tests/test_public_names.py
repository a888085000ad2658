"""An account's name is seen by others (a public collection's «составитель», its DOCX/PDF, a practice's history); its
e-mail address never is (/privacy). `create-user` without --name stored the address as the name: now an account
without a name is shown by its role, and no form or command stores an address as a name."""

from __future__ import annotations

import io
import re

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select, text

from kb.accounts.models import User
from kb.collections.models import CollectionItem
from kb.extensions import db
from tests.conftest import PASSWORD, csrf_from, sign_in

ADDRESS = "ivanova.secret@school.ru"
NAME_IS_ADDRESS = "укажите фамилию, имя и отчество, а не адрес электронной почты."


def _user(app, email: str = ADDRESS) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def _public_collection(app, user_id: int) -> int:
    client = app.test_client()
    sign_in(client, user_id)
    response = client.post("/collections/new", data={"csrf_token": csrf_from(client, "/collections/new"),
                                                     "title": "Подборка для КПК", "description": "",
                                                     "visibility": "public"})
    assert response.status_code == 302
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_create_user_without_a_name_shows_no_address_to_visitors(app, runner, make_practice):
    """The sweep's case: a methodist made by `create-user` without --name, his public collection seen by anyone."""
    result = runner.invoke(args=["create-user", ADDRESS, "--role", "methodist", "--region", "RU-CHE",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "Имя не указано (--name): другие посетители видят вместо него «Методист»" in result.output
    user = _user(app)
    assert user.name == "" and user.display_name == "Методист"
    cid = _public_collection(app, user.id)
    with app.app_context():  # a collection with nothing published has no files to download
        db.session.add(CollectionItem(collection_id=cid, item_type="practice", item_id=make_practice(), position=0))
        db.session.commit()
    anonymous = app.test_client()
    for url in (f"/collections/{cid}", "/collections"):
        page = anonymous.get(url).get_data(as_text=True)
        assert ADDRESS not in page and "составитель: Методист" in _text(page), url
    docx = Document(io.BytesIO(anonymous.get(f"/collections/{cid}/export.docx").get_data()))
    assert docx.core_properties.author == "Методист"
    assert "Составитель: Методист." in "\n".join(p.text for p in docx.paragraphs)
    pdf = PdfReader(io.BytesIO(anonymous.get(f"/collections/{cid}/export.pdf").get_data()))
    assert pdf.metadata.author == "Методист"
    assert ADDRESS not in "\n".join(page.extract_text() for page in pdf.pages)


def test_create_user_asks_for_the_name_on_a_terminal(app, runner, monkeypatch):
    """On a terminal the command asks; an address or nothing is not taken for a name, it asks again."""
    monkeypatch.setattr("kb.cli.on_terminal", lambda: True)
    result = runner.invoke(args=["create-user", ADDRESS, "--role", "admin", "--password", PASSWORD],
                           input=f"{ADDRESS}\n   \nИванова Анна Петровна\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Фамилия, имя, отчество:") == 3
    assert NAME_IS_ADDRESS in result.output and "Укажите имя." in result.output
    assert "Имя не указано" not in result.output
    assert _user(app).name == "Иванова Анна Петровна"


def test_create_user_with_a_piped_password_and_no_name_takes_no_line_for_the_name(app, runner):
    """Without a terminal (a script piping the password, as the README shows) the name is not asked: the lines
    are the password's, and the account is made without a name."""
    result = runner.invoke(args=["create-user", ADDRESS, "--role", "admin"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Фамилия, имя, отчество" not in result.output
    user = _user(app)
    assert user.name == "" and user.display_name == "Администратор"
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": csrf_from(client, "/login"), "email": ADDRESS,
                                           "password": PASSWORD}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Здравствуйте!" in page and ADDRESS not in page.split("</header>")[0]


@pytest.mark.parametrize("name", [ADDRESS, " IVANOVA.Secret@school.ru ", "someone.else@example.org"])
def test_an_address_is_refused_as_a_name(app, runner, name):
    result = runner.invoke(args=["create-user", ADDRESS, "--name", name, "--password", PASSWORD])
    assert result.exit_code == 1 and NAME_IS_ADDRESS in result.output, result.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ADDRESS)) is None


def test_registration_and_the_profile_refuse_an_address_for_a_name(app, make_user):
    client = app.test_client()
    data = {"email": ADDRESS, "name": ADDRESS, "password": "dlinnyi-parol-123", "password_again": "dlinnyi-parol-123",
            "consent": "y", "csrf_token": csrf_from(client, "/register")}
    response = client.post("/register", data=data)
    assert response.status_code == 200 and NAME_IS_ADDRESS in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == ADDRESS)) is None

    user_id = make_user("teacher", email=ADDRESS)
    sign_in(client, user_id)
    response = client.post("/profile/edit", data={"csrf_token": csrf_from(client, "/profile/edit"), "name": ADDRESS,
                                                  "organisation": "", "region": ""})
    assert response.status_code == 200 and NAME_IS_ADDRESS in response.get_data(as_text=True)
    assert _user(app).name == "Тестовый teacher"


def test_an_account_without_a_name_is_asked_for_one_and_its_forms_do_not_fill_it_in(app, runner):
    runner.invoke(args=["create-user", ADDRESS, "--password", PASSWORD])
    client = app.test_client()
    sign_in(client, _user(app).id)
    profile = _text(client.get("/profile").get_data(as_text=True))
    assert "Имя не указано: там, где его видят другие" in profile and "вместо него написано «Педагог»" in profile
    new_practice = client.get("/practices/new").get_data(as_text=True)
    assert ADDRESS not in new_practice
    response = client.post("/profile/edit", data={"csrf_token": csrf_from(client, "/profile/edit"),
                                                  "name": "Иванова Анна", "organisation": "", "region": ""})
    assert response.status_code == 302
    assert _user(app).display_name == "Иванова Анна"
    assert "Имя не указано" not in client.get("/profile").get_data(as_text=True)


def test_the_migration_clears_names_that_are_addresses(app, make_user):
    """Accounts made by `create-user` without --name before this version: the address as the name is cleared;
    other names stay."""
    from flask_migrate import downgrade, upgrade

    own = make_user("methodist", email=ADDRESS, scope_region="RU-CHE")
    other = make_user("teacher", email="b@example.org")
    named = make_user("teacher", email="c@example.org")
    with app.app_context():
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="z0uid0000001")
        for user_id, name in ((own, f" {ADDRESS.upper()} "), (other, "x@y.ru"), (named, "Анна @ Иванова")):
            db.session.execute(text('UPDATE "user" SET name = :name WHERE id = :id'), {"name": name, "id": user_id})
        db.session.commit()
        upgrade()
        db.session.expire_all()
        names = {user_id: db.session.get(User, user_id).name for user_id in (own, other, named)}
    assert names == {own: "", other: "", named: "Анна @ Иванова"}
