"""The certificate of inclusion in the bank («Справка о размещении опыта в банке», PDF): who may get it, which
practices have one, what it says, and texts that must not break it."""

import io
import re
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from kb.accounts.models import User
from kb.adoption.models import PracticeAdoption
from kb.extensions import db
from kb.practices.models import Practice
from kb.vocabularies.models import Municipality
from tests.conftest import client_of as _client
from tests.conftest import csrf_from, sign_in

TITLE = "Исследовательские субботы в сельской школе"
FULL = {"relevance": "2", "novelty": "1", "effectiveness": "2", "stability": "2", "replicability": "1"}  # 8 of 10


@pytest.fixture
def world(app, make_user, make_practice):
    """A practice in RU-CHE published through the workflow (submitted by its author, published by a methodist of the
    region, who assessed nothing), and users of every kind."""
    users = {
        "owner": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "methodist_in": make_user("methodist", scope_region="RU-CHE"),
        "methodist_org": make_user("methodist", scope_region="RU-CHE", scope_organisation="МАОУ «Лицей № 11»"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
        "admin": make_user("admin", region=None),
    }
    with app.app_context():
        municipality = db.session.scalar(select(Municipality.id).where(Municipality.code == "RU-CHE-kopeysky"))
        pid = make_practice(TITLE, status="draft", owner_id=users["owner"], organisation="МОУ «СОШ № 7»",
                            municipality_id=municipality, spread_level="municipality",
                            authors=[("Иванова Анна Петровна", "учитель начальных классов"),
                                     ("Петров Борис Ильич", "заместитель директора")])
    _submit(app, users, pid)
    return users, pid


def _submit(app, users, pid):
    author = _client(app, users, "owner")
    author.post(f"/practices/{pid}/transition",
                data={"action": "submit", "csrf_token": csrf_from(author, f"/practices/{pid}")})


def _publish(app, users, pid, scores=None):
    methodist = _client(app, users, "methodist_in")
    if scores is None:
        methodist.post(f"/practices/{pid}/transition",
                       data={"action": "publish", "csrf_token": csrf_from(methodist, f"/practices/{pid}")})
    else:
        methodist.post(f"/practices/{pid}/assessment", data={
            **scores, "decision": "publish", "csrf_token": csrf_from(methodist, f"/practices/{pid}")})
    with app.app_context():
        assert db.session.get(Practice, pid).status == "published"


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(("who", "status"), [
    ("owner", 200), ("methodist_in", 200), ("admin", 200),
    ("other_teacher", 404), ("methodist_out", 404), ("methodist_org", 404),
])
def test_who_gets_the_certificate(app, world, who, status):
    users, pid = world
    _publish(app, users, pid)
    client = _client(app, users, who)
    assert client.get(f"/practices/{pid}/certificate.pdf").status_code == status
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    link = f'href="/practices/{pid}/certificate.pdf"'
    assert (link in page and "Справка о размещении (PDF)" in page) is (status == 200)


def test_an_anonymous_visitor_is_sent_to_sign_in(app, world):
    users, pid = world
    _publish(app, users, pid)
    client = app.test_client()
    response = client.get(f"/practices/{pid}/certificate.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "certificate.pdf" not in client.get(f"/practices/{pid}").get_data(as_text=True)


def test_a_methodist_of_the_practice_s_organisation_gets_it(app, world, make_user):
    users, pid = world
    _publish(app, users, pid)
    methodist = make_user("methodist", scope_region="RU-CHE", scope_organisation="моу «сош № 7»")
    client = app.test_client()
    sign_in(client, methodist)
    assert client.get(f"/practices/{pid}/certificate.pdf").status_code == 200


@pytest.mark.parametrize("who", ["owner", "methodist_in", "admin"])
def test_a_practice_not_published_has_no_certificate(app, world, make_practice, who):
    users, pid = world  # submitted, not yet published
    client = _client(app, users, who)
    assert client.get(f"/practices/{pid}/certificate.pdf").status_code == 404
    assert "certificate.pdf" not in client.get(f"/practices/{pid}").get_data(as_text=True)
    with app.app_context():
        draft = make_practice("Черновик", status="draft", owner_id=users["owner"])
        archived = make_practice("В архиве", status="archived", owner_id=users["owner"])
    assert client.get(f"/practices/{draft}/certificate.pdf").status_code == 404
    assert client.get(f"/practices/{archived}/certificate.pdf").status_code == 404
    assert client.get("/practices/999999/certificate.pdf").status_code == 404


def test_the_certificate_says_what_the_practice_is_and_where_to_check_it(app, world, make_user):
    users, pid = world
    app.config.update(CERTIFICATE_ISSUER="ГБУ ДПО «Челябинский институт развития образования»",
                      CERTIFICATE_SIGNATORY_NAME="С. В. Кузнецова",
                      CERTIFICATE_SIGNATORY_POSITION="Проректор по научно-методической работе")
    _publish(app, users, pid)
    with app.app_context():  # two schools applied it; the author's own report does not count
        db.session.add_all([
            PracticeAdoption(practice_id=pid, user_id=users["other_teacher"], organisation="МАОУ «СОШ № 5»",
                             region_code="RU-CHE"),
            PracticeAdoption(practice_id=pid, user_id=users["methodist_out"], organisation="МБОУ «Гимназия № 1»",
                             region_code="RU-SMO"),
            PracticeAdoption(practice_id=pid, user_id=users["owner"], organisation="МОУ «СОШ № 7»",
                             region_code="RU-CHE")])
        db.session.commit()
    response = _client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf")
    text = _squash(_text(response))
    assert quote(f"Справка БП-{pid:06d}.pdf") in response.headers["Content-Disposition"]
    for expected in ["Банк практик", "ГБУ ДПО «Челябинский институт развития образования»",
                     "СПРАВКА", "о размещении опыта в банке практик", f"№ БП-{pid:06d}", TITLE,
                     "Иванова Анна Петровна, учитель начальных классов", "Петров Борис Ильич, заместитель директора",
                     "МОУ «СОШ № 7»", "Копейский городской округ", "Челябинская область",
                     "Муниципальный уровень", "Последователи опыта: 2 организации",
                     f"http://localhost/practices/{pid}",
                     f"Постоянная ссылка: http://localhost/practices/{pid}",
                     "Проректор по научно-методической работе", "С. В. Кузнецова"]:
        assert expected in text, expected
    assert re.search(r"опубликовано в банке «Банк практик» \d{1,2} [а-я]+ \d{4} г\. Название", text)
    assert ".." not in text  # the date's «г.» ends the sentence
    assert text.count(f"http://localhost/practices/{pid}") == 1
    assert re.search(r"Дата публикации: \d{1,2} [а-я]+ \d{4} г\.", text)
    assert re.search(r"Дата выдачи: \d{1,2} [а-я]+ \d{4} г\.", text)
    assert "Прошла экспертизу" not in text  # published without an assessment


def test_the_publication_date_comes_from_the_history(app, world):
    """Archived and restored later, the practice keeps the date it first entered the bank."""
    from datetime import datetime

    from kb.practices.models import PracticeTransition

    users, pid = world
    _publish(app, users, pid)
    with app.app_context():
        published = db.session.scalar(select(PracticeTransition).where(PracticeTransition.practice_id == pid,
                                                                       PracticeTransition.to_status == "published"))
        published.created_at = datetime(2023, 3, 24, 9, 0)
        db.session.get(Practice, pid).published_at = None  # a registry load's practice may have none
        db.session.commit()
    text = _squash(_text(_client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf")))
    assert "Дата публикации: 24 марта 2023 г." in text


def test_defaults_leave_a_signature_to_fill_in(app, world):
    users, pid = world
    _publish(app, users, pid)
    text = _squash(_text(_client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf")))
    assert "Последователи опыта: сведений о применении пока нет" in text
    assert "Руководитель" in text and "(подпись)" in text


@pytest.mark.parametrize(("scores", "marked"), [(FULL, True), ({key: "0" for key in FULL}, False)])
def test_passed_expertise_only_when_due(app, world, scores, marked):
    users, pid = world
    _publish(app, users, pid, scores)
    text = _text(_client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf"))
    assert ("Прошла экспертизу" in text) is marked
    assert "8 из 10" not in text and "баллов" not in text  # the mark, not the scores


AUTHORS = [(f"Автор{number:02d} Анна Петровна", "учитель начальных классов высшей квалификационной категории")
           for number in range(1, 21)]


def _set(app, pid, title=None, authors=None):
    from kb.practices.models import PracticeAuthor

    with app.app_context():
        practice = db.session.get(Practice, pid)
        practice.title = title or practice.title
        if authors is not None:
            practice.authors = [PracticeAuthor(position_index=i, name=n, position=p)
                                for i, (n, p) in enumerate(authors)]
        db.session.commit()


@pytest.mark.parametrize("count", [6, 7, 20])
def test_twenty_authors_with_their_positions_fit_on_the_page(app, world, count):
    users, pid = world
    _set(app, pid, authors=AUTHORS[:count])
    _publish(app, users, pid)
    response = _client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf")
    assert len(PdfReader(io.BytesIO(response.get_data())).pages) == 1
    text = _squash(_text(response))
    for name, position in AUTHORS[:count]:
        assert f"{name}, {position}" in text
    assert f"Постоянная ссылка: http://localhost/practices/{pid}" in text and "(подпись)" in text


def test_a_long_title_wraps_within_the_page(app, world):
    users, pid = world
    # within the 500 characters a title may have (PostgreSQL refuses more; SQLite kept them)
    title = " ".join(["Формирование исследовательских умений младших школьников во внеурочной деятельности"] * 4)
    long_word = "Сверхдлинноеназваниебезпробелов" * 4
    assert len(f"{title} {long_word}") <= 500
    _set(app, pid, title=f"{title} {long_word}", authors=AUTHORS)
    _publish(app, users, pid)
    text = _text(_client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf"))
    assert _squash(title) in _squash(text) and long_word in "".join(text.split())
    for name, position in AUTHORS:
        assert f"{name}, {position}" in _squash(text)
    title_lines = [line for line in text.splitlines() if "Формирование" in line or "младших" in line]
    assert len(title_lines) >= 5  # wrapped, not one line running off the page
    assert f"Постоянная ссылка: http://localhost/practices/{pid}" in _squash(text) and "(подпись)" in text


@pytest.mark.parametrize(("fallback", "shown"), [(True, "🎓"), (False, "□")])
def test_quotes_markup_and_emoji_do_not_break_it(app, world, fallback, shown):
    users, pid = world
    if not fallback:
        app.config["PDF_FALLBACK_FONTS"] = ()
    title = "«Школа \"Успеха\"» <script>alert('x')</script> & 🎓 проекты\tс табуляцией\u00ad"
    with app.app_context():
        practice = db.session.get(Practice, pid)
        practice.title = title
        practice.authors[0].name = "О'Коннор Мария «Маша» 🎓"
        practice.organisation = "МОУ \"СОШ № 7\" & <филиал>"
        db.session.commit()
    _publish(app, users, pid)
    reader = PdfReader(io.BytesIO(_client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf").get_data()))
    text = _squash("\n".join(page.extract_text() for page in reader.pages))
    assert f"«Школа \"Успеха\"» <script>alert('x')</script> & {shown} проекты с табуляцией" in text
    assert f"О'Коннор Мария «Маша» {shown}" in text
    assert "МОУ \"СОШ № 7\" & <филиал>" in text
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert ("Symbola" in fonts) == fallback


def test_without_fonts_the_page_says_so(app, world, tmp_path):
    users, pid = world
    _publish(app, users, pid)
    app.config["PDF_FONT_DIR"] = str(tmp_path)
    response = _client(app, users, "owner").get(f"/practices/{pid}/certificate.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "Справка сейчас недоступна" in response.get_data(as_text=True)


def test_the_signed_in_owner_is_the_practice_s_owner_not_an_author_of_the_same_name(app, world):
    """Authors are names, not accounts: a teacher whose name is in the author list gets no certificate unless she
    owns the practice."""
    users, pid = world
    _publish(app, users, pid)
    with app.app_context():
        db.session.get(User, users["other_teacher"]).name = "Петров Борис Ильич"
        db.session.commit()
    assert _client(app, users, "other_teacher").get(f"/practices/{pid}/certificate.pdf").status_code == 404

