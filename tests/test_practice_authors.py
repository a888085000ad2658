"""How a practice's authors are read where the registry and the form differed: «;», «и» and commas between two
authors on one line of the form, a whole name in capitals, a line break inside brackets, the API's count of ten
authors, and an edit that reads again only the lines it changed."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import bearer, sign_in

TITLE = "Читаем вместе с родителями"


def _stored(app, title: str = TITLE) -> list[tuple[str, str]]:
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.title == title))
        return [(a.name, a.position) for a in practice.authors]


def _post_new(app, make_user, authors: str):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    app.config["WTF_CSRF_ENABLED"] = False
    return client, client.post("/practices/new", data={"title": TITLE, "authors": authors, "save_draft": "1"})


def _edit_form_authors(client, location: str) -> str:
    page = client.get(f"{location}/edit").get_data(as_text=True)
    found = re.search(r'<textarea[^>]*name="authors"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return html.unescape(found.group(1)).strip("\r\n")


# -- one line of the form with two authors: «;» and «и», as a registry's cell --------------------------------------

ONE_LINE = [
    ("Иванова А. П., учитель математики; Петров И. И., директор",
     [("Иванова А. П.", "учитель математики"), ("Петров И. И.", "директор")]),
    ("Иванова А. П. и Петров И. И.", [("Иванова А. П.", ""), ("Петров И. И.", "")]),
    ("Иванова Анна Петровна и Петров Иван Иванович", [("Иванова Анна Петровна", ""), ("Петров Иван Иванович", "")]),
    ("Иванова А. П., учитель математики и Петров И. И., учитель физики",
     [("Иванова А. П.", "учитель математики"), ("Петров И. И.", "учитель физики")]),
    ("Иванова А. П. – учитель; Петров И. И. (директор)", [("Иванова А. П.", "учитель"), ("Петров И. И.", "директор")]),
    # a position with «и» stays one position, and one author
    ("Иванова А. П., учитель истории и обществознания", [("Иванова А. П.", "учитель истории и обществознания")]),
    ("Петров И. И. (учитель истории и обществознания)", [("Петров И. И.", "учитель истории и обществознания")]),
    ("Петров И. И. – учитель истории и обществознания", [("Петров И. И.", "учитель истории и обществознания")]),
    # what follows «;» in lower case is no one's name: it carries on the position, as a wrapped line does
    ("Иванова А. П., учитель математики; классный руководитель",
     [("Иванова А. П.", "учитель математики, классный руководитель")]),
    # a «;» inside brackets parts nothing: the position keeps it as typed
    ("Петров П. П. (директор; к. п. н.)", [("Петров П. П.", "директор; к. п. н.")]),
    ("Иванова А. П. (директор; Почётный работник общего образования РФ); Петров И. И., учитель",
     [("Иванова А. П.", "директор; Почётный работник общего образования РФ"), ("Петров И. И.", "учитель")]),
    ("Иванова А. П., директор (и. о.; Приказ № 5)", [("Иванова А. П.", "директор (и. о.; Приказ № 5)")]),
    # a list's numbers are no part of a name, as in a registry's cell
    ("1. Иванова А. П., учитель математики; 2) Петров И. И., директор",
     [("Иванова А. П.", "учитель математики"), ("Петров И. И.", "директор")]),
]


@pytest.mark.parametrize(("line", "authors"), ONE_LINE)
def test_the_form_parts_two_authors_on_one_line_as_the_registry_does(app, make_user, line, authors):
    """«Иванова А. П., учитель математики; Петров И. И., директор» typed on one line of the form was one author
    whose position was «учитель математики; Петров И. И., директор», and «Иванова А. П. и Петров И. И.» one author
    of that name; the registry read both as two. The edit form shows them back one a line, and saving it again
    keeps them."""
    from kb.bulkimport.services import parse_authors

    assert parse_authors(line) == authors
    client, response = _post_new(app, make_user, line)
    assert response.status_code == 302
    assert _stored(app) == authors
    location = response.headers["Location"]
    shown = _edit_form_authors(client, location)
    assert shown.splitlines() == [f"{name}, {position}".rstrip(", ") for name, position in authors]
    with app.app_context():
        revision = db.session.scalar(select(Practice.revision).where(Practice.title == TITLE))
    again = client.post(f"{location}/edit", data={"title": TITLE, "authors": shown.replace("\n", "\r\n"),
                                                  "revision": str(revision), "save_draft": "1"})
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _stored(app) == authors


@pytest.mark.parametrize("surname", ["Петрова", "Директорова", "Учителева", "Завучева"])
def test_a_surname_that_begins_like_a_position_begins_an_author_in_the_form(app, make_user, surname):
    """«Директорова Анна» on the line after «Иванова А. П., учитель,» carried it on as a position (a position word
    and a comma before it); «Петрова Анна» began an author of her own, and now so does she."""
    text = f"Иванова А. П., учитель,\r\n{surname} Анна\r\nСидоров К. Л., И. О. {surname}"
    authors = [("Иванова А. П.", "учитель"), (f"{surname} Анна", ""), ("Сидоров К. Л.", ""), (f"И. О. {surname}", "")]
    _, response = _post_new(app, make_user, text)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == authors


SURNAMES = ("Иванова", "Петрова", "Сидорова", "Орлова", "Козлова", "Лебедева", "Новикова", "Морозова", "Волкова",
            "Соколова", "Попова")


@pytest.mark.parametrize(("text", "count"), [
    ("; ".join(f"{surname} А. П., учитель" for surname in SURNAMES[:10]), 10),
    ("; ".join(f"{surname} А. П., учитель" for surname in SURNAMES), 11),
    ("\n".join(f"{SURNAMES[i]} А. П. и {SURNAMES[i + 5]} Б. В." for i in range(5)), 10),
    ("\n".join(f"{SURNAMES[i]} А. П. и {SURNAMES[i + 5]} Б. В." for i in range(5)) + "\nПопова И. И.", 11),
])
def test_the_ten_authors_of_the_form_are_counted_after_parting_a_line(app, make_user, text, count):
    """Eleven authors on one line parted by «;» (or six lines with «и») passed the form's limit of ten."""
    _, response = _post_new(app, make_user, text)
    if count <= 10:
        assert response.status_code == 302
        assert len(_stored(app)) == count
    else:
        assert response.status_code == 200
        assert "Не больше 10 авторов." in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(select(Practice).where(Practice.title == TITLE)) is None


def test_a_semicolon_in_brackets_never_closed_still_parts_authors():
    from kb.bulkimport.services import parse_authors
    from kb.practices.rules import split_semicolons

    assert split_semicolons("А (б; в) ; г (д;\nе) ж; з") == ["А (б; в) ", " г (д;\nе) ж", " з"]
    assert split_semicolons("Иванова А. П. (учитель; Петров И. И.; Сидоров С. С. (директор)") == [
        "Иванова А. П. (учитель", " Петров И. И.", " Сидоров С. С. (директор)"]
    assert parse_authors("Иванова А. П. (учитель; Петров И. И., директор") == [
        ("Иванова А. П. (учитель", ""), ("Петров И. И.", "директор")]


# -- authors stored otherwise, saved again untouched in the edit form --------------------------------------------

STORED = [
    [("Иванова А. П.", "учитель математики; классный руководитель")],
    [("Иванова А. П.", "учитель математики; Почётный работник общего образования")],
    [("Иванова А. П.", "директор; МБОУ СОШ № 5")],
    [("Иванова А. П.", "директор (и. о.; Приказ № 5)")],
    [("Иванова А. П.", "методист ИМЦ и Петрова Б. В. (наставник)")],
    [("Иванова А. П.", "учитель; член жюри конкурса «Учитель года»")],
    [("Иванова А. П.", "учитель; ГБОУ ДПО ИРО")],
    [("Иванова А. П.", "учитель"), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "директор")],
    [("де Голль Ш.", "учитель"), ("ван Гог В.", "художник")],
    [(f"{surname} А. П.", "учитель; МБОУ СОШ № 5") for surname in SURNAMES[:9]],
]


def _stored_by_api(app, make_user, make_token, authors: list[tuple[str, str]]) -> tuple[object, str]:
    """A practice whose authors the API stored as sent, and a client signed in as its author."""
    user = make_user("teacher")
    client = app.test_client()
    response = client.post("/api/v1/practices", headers=bearer(make_token(user)), json={
        "title": TITLE, "authors": [{"name": name, "position": position} for name, position in authors]})
    assert response.status_code == 201, response.get_json()
    assert _stored(app) == authors
    sign_in(client, user)
    app.config["WTF_CSRF_ENABLED"] = False
    return client, f"/practices/{response.get_json()['id']}"


def _save_edit(app, client, location: str, authors: str):
    with app.app_context():
        revision = db.session.scalar(select(Practice.revision).where(Practice.title == TITLE))
    return client.post(f"{location}/edit", data={"title": TITLE, "authors": authors, "revision": str(revision),
                                                  "save_draft": "1"})


@pytest.mark.parametrize("authors", STORED)
def test_stored_authors_saved_again_untouched_in_the_form_stay_as_they_are(app, make_user, make_token, authors):
    """The edit form shows the authors one «name, position» a line and read them back as typed lines: authors the
    API (or the bulk import, or the form before it read «;» and «и») stored with «;» or «и Петрова Б. В.» in a
    position came back changed by a save that did not touch them («МБОУ СОШ № 5» an author of its own), and nine
    such authors failed the limit of ten. The text area as it was shown keeps them; an edited one is read again."""
    client, location = _stored_by_api(app, make_user, make_token, authors)
    shown = _edit_form_authors(client, location)
    assert shown == "\n".join(f"{name}, {position}".rstrip(", ") for name, position in authors)
    response = _save_edit(app, client, location, shown.replace("\n", "\r\n") + " \r\n")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == authors
    if len(authors) < 5:
        response = _save_edit(app, client, location, shown + "\nСидоров С. С., директор")
        assert response.status_code == 302, response.get_data(as_text=True)
        assert _stored(app)[-1] == ("Сидоров С. С.", "директор")


# -- a whole name in capitals ------------------------------------------------------------------------------------

CAPITALS = [
    ("Иванова А. П., ПЕТРОВ ИВАН ИВАНОВИЧ", [("Иванова А. П.", ""), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "")]),
    ("ИВАНОВА АННА ПЕТРОВНА, учитель, ПЕТРОВ ИВАН ИВАНОВИЧ, директор",
     [("ИВАНОВА АННА ПЕТРОВНА", "учитель"), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "директор")]),
    ("ПЕТРОВ ИВАН ИВАНОВИЧ – учитель физики", [("ПЕТРОВ ИВАН ИВАНОВИЧ", "учитель физики")]),
    ("ПЕТРОВ ИВАН ИВАНОВИЧ (директор)", [("ПЕТРОВ ИВАН ИВАНОВИЧ", "директор")]),
    ("Иванова А. П. и РИМСКАЯ-КОРСАКОВА ВЕРА ИЛЬИНИЧНА",
     [("Иванова А. П.", ""), ("РИМСКАЯ-КОРСАКОВА ВЕРА ИЛЬИНИЧНА", "")]),
    ("Иванова А. П., учитель,\nПЕТРОВ ИВАН ИВАНОВИЧ, директор",
     [("Иванова А. П.", "учитель"), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "директор")]),
    # abbreviations and a position in capitals are not people
    ("Иванова А. П., УЧИТЕЛЬ МАТЕМАТИКИ", [("Иванова А. П.", "УЧИТЕЛЬ МАТЕМАТИКИ")]),
    ("Иванова А. П., УЧИТЕЛЬ ВЫСШЕЙ КАТЕГОРИИ", [("Иванова А. П.", "УЧИТЕЛЬ ВЫСШЕЙ КАТЕГОРИИ")]),
    ("Иванова А. П., МБОУ СОШ №5, ИРО", [("Иванова А. П.", "МБОУ СОШ №5, ИРО")]),
    ("Иванова А. П., учитель МБОУ СОШ №5 и ГБОУ ДПО ИРО", [("Иванова А. П.", "учитель МБОУ СОШ №5 и ГБОУ ДПО ИРО")]),
    ("Иванова А. П., учитель,\nГБОУ ДПО ИРО", [("Иванова А. П.", "учитель, ГБОУ ДПО ИРО")]),
]


@pytest.mark.parametrize(("cell", "authors"), CAPITALS)
def test_a_whole_name_in_capitals_is_a_name_in_the_registry(cell, authors):
    """«ПЕТРОВ ИВАН ИВАНОВИЧ» after a comma was the position of the author before (while «ПЕТРОВ И. И.» was a
    co-author), and before a dash or after «и» it was not parted. Kept as typed."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert warnings == []


@pytest.mark.parametrize(("text", "authors"), [
    ("ПЕТРОВ ИВАН ИВАНОВИЧ – учитель физики", [("ПЕТРОВ ИВАН ИВАНОВИЧ", "учитель физики")]),
    ("Иванова А. П., учитель,\nПЕТРОВ ИВАН ИВАНОВИЧ, директор",
     [("Иванова А. П.", "учитель"), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "директор")]),
    ("Иванова А. П. и ПЕТРОВ ИВАН ИВАНОВИЧ", [("Иванова А. П.", ""), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "")]),
    ("ИВАНОВА АННА ПЕТРОВНА, учитель", [("ИВАНОВА АННА ПЕТРОВНА", "учитель")]),
    ("Иванова А. П., учитель,\nУЧИТЕЛЬ МАТЕМАТИКИ", [("Иванова А. П.", "учитель, УЧИТЕЛЬ МАТЕМАТИКИ")]),
    ("Иванова А. П. – учитель МБОУ СОШ №5 и ГБОУ ДПО ИРО",
     [("Иванова А. П.", "учитель МБОУ СОШ №5 и ГБОУ ДПО ИРО")]),
])
def test_a_whole_name_in_capitals_is_a_name_in_the_form(app, make_user, text, authors):
    """The form read «ПЕТРОВ ИВАН ИВАНОВИЧ» after a line ending in a comma as the position of the author before."""
    _, response = _post_new(app, make_user, text.replace("\n", "\r\n"))
    assert response.status_code == 302
    assert _stored(app) == authors


# -- the API's count of ten authors ------------------------------------------------------------------------------

@pytest.mark.parametrize("odd", [
    {"name": "(Петрова) Анна Викторовна", "position": "учитель"},
    {"name": "коллектив авторов лицея"},
])
def test_the_api_counts_the_authors_it_stores(app, make_user, make_token, odd):
    """The API checked its ten authors by reading them as the form's lines: a name beginning in lower case or with
    «(» carried on the line before, so eleven authors passed and were stored."""
    client = app.test_client()
    headers = bearer(make_token(make_user("teacher")))
    named = [{"name": f"Автор{i} Иван Петрович", "position": "учитель"} for i in range(10)]
    response = client.post("/api/v1/practices", json={"title": "Практика одиннадцати авторов",
                                                      "authors": named + [odd]}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"authors": ["Не больше 10 авторов."]}
    # ten are taken as they are, the odd one among them; names with «и» or «;» are one author each, as sent
    sent = named[:8] + [odd, {"name": "Иванова А. П. и Петров И. И.; Сидоров С. С."}]
    response = client.post("/api/v1/practices", json={"title": "Практика десяти авторов", "authors": sent},
                           headers=headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["authors"] == [{"name": a["name"], "position": a.get("position", "")} for a in sent]


# -- names parted by commas on one line ------------------------------------------------------------------------

COMMAS = [
    ("Иванова А. П., Петрова Б. В., Сидоров К. Л.",
     [("Иванова А. П.", ""), ("Петрова Б. В.", ""), ("Сидоров К. Л.", "")]),
    ("А. П. Иванова, Б. В. Петрова", [("А. П. Иванова", ""), ("Б. В. Петрова", "")]),
    ("Иванова Анна Петровна, Петрова Белла Викторовна",
     [("Иванова Анна Петровна", ""), ("Петрова Белла Викторовна", "")]),
    ("ИВАНОВА А. П., ПЕТРОВ ИВАН ИВАНОВИЧ", [("ИВАНОВА А. П.", ""), ("ПЕТРОВ ИВАН ИВАНОВИЧ", "")]),
    ("1. Иванова А. П., 2. Петрова Б. В.", [("Иванова А. П.", ""), ("Петрова Б. В.", "")]),
    ("Иванова А. П. (учитель), Петрова Б. В. (директор)",
     [("Иванова А. П.", "учитель"), ("Петрова Б. В.", "директор")]),
    ("Иванова А. П., учитель, Петрова Б. В., директор", [("Иванова А. П.", "учитель"), ("Петрова Б. В.", "директор")]),
    # a position, an organisation, a name not surely one stay the author's
    ("Иванова А. П., учитель математики", [("Иванова А. П.", "учитель математики")]),
    ("Иванова Анна Петровна, учитель, МБОУ СОШ № 5", [("Иванова Анна Петровна", "учитель, МБОУ СОШ № 5")]),
    ("Иванова А. П., Заслуженный учитель РФ", [("Иванова А. П.", "Заслуженный учитель РФ")]),
    ("Иванова А. П., учитель (наставник Петровой Б. В.)", [("Иванова А. П.", "учитель (наставник Петровой Б. В.)")]),
    ("Иванова Анна Петровна, учитель математики", [("Иванова Анна Петровна", "учитель математики")]),
    ("Иванова А. П., Петрова Б. В.", [("Иванова А. П.", ""), ("Петрова Б. В.", "")]),
    # «Фамилия, И. О.», as catalogues write a name: one name, no position (the form read «А. П.» as the position)
    ("Иванова, А. П.", [("Иванова А. П.", "")]),
    ("Иванова, А.П., учитель математики", [("Иванова А.П.", "учитель математики")]),
    ("Иванова, А. П. (учитель), Петров, П. П.", [("Иванова А. П.", "учитель"), ("Петров П. П.", "")]),
    ("Иванова, А. П., Петрова, Б. В.", [("Иванова А. П.", ""), ("Петрова Б. В.", "")]),
    # «И. О.», «и.о.», «врио» before a position word is «исполняющий обязанности», not the initials of a co-author
    ("Петрова Анна Ивановна, И. О. Директора", [("Петрова Анна Ивановна", "И. О. Директора")]),
    ("Петрова А. И., И.о. директора", [("Петрова А. И.", "И.о. директора")]),
    ("Петрова А. И., И.О. Заведующего МБДОУ № 5", [("Петрова А. И.", "И.О. Заведующего МБДОУ № 5")]),
    ("Петрова А. И., ВрИО Директора, Иванова Б. В.", [("Петрова А. И.", "ВрИО Директора"), ("Иванова Б. В.", "")]),
    ("Петрова А. И., И. О. Директора, Сидоров К. Л., учитель",
     [("Петрова А. И.", "И. О. Директора"), ("Сидоров К. Л.", "учитель")]),
    ("Петрова А. И., И. О. Сидорова", [("Петрова А. И.", ""), ("И. О. Сидорова", "")]),  # initials and a surname
]


@pytest.mark.parametrize(("line", "authors"), COMMAS)
def test_names_parted_by_commas_are_authors_in_the_form(app, make_user, line, authors):
    """«Иванова А. П., Петрова Б. В., Сидоров К. Л.» on one line of the form was one author whose position was
    «Петрова Б. В., Сидоров К. Л.»; the registry read three."""
    from kb.bulkimport.services import parse_authors

    assert parse_authors(line) == authors
    _, response = _post_new(app, make_user, line)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == authors


# -- a line break inside brackets ------------------------------------------------------------------------------

BRACKETS = [
    ("Иванова А. П. (учитель\nМБОУ СОШ № 5)\nПетров И. И., директор",
     [("Иванова А. П.", "учитель, МБОУ СОШ № 5"), ("Петров И. И.", "директор")]),
    ("Иванова А. П. (учитель,\nГимназия № 1)", [("Иванова А. П.", "учитель, Гимназия № 1")]),
    ("Иванова А. П. (учитель\nГимназия № 1\n)", [("Иванова А. П.", "учитель, Гимназия № 1")]),
    ("Петров И. И.\nИванова А. П. (учитель математики\nПочётный работник общего образования\nМБОУ СОШ № 5\n"
     "г. Челябинск), наставник", [("Петров И. И.", ""), ("Иванова А. П.", "учитель математики, Почётный работник "
                                  "общего образования, МБОУ СОШ № 5, г. Челябинск, наставник")]),
    # a bracket never closed, or not within a few lines, parts nothing: one author a line, as before
    ("Иванова А. П. (учитель\nПетров И. И.\nСидоров С. С.", [("Иванова А. П. (учитель", ""), ("Петров И. И.", ""),
                                                           ("Сидоров С. С.", "")]),
    ("Иванова А. П. (учитель\nПетров И. И.\nСидоров С. С.\nКозлов Д. Е.\nОрлова Е. Ж.\nЛебедева Л. М. (директор)",
     [("Иванова А. П. (учитель", ""), ("Петров И. И.", ""), ("Сидоров С. С.", ""), ("Козлов Д. Е.", ""),
      ("Орлова Е. Ж.", ""), ("Лебедева Л. М.", "директор")]),
    ("Иванова А. П. (учитель\nПетров И. И.\nСидоров С. С.\nКозлов Д. Е.\nОрлова Е. Ж.\nЛебедева Л. М.)",
     [("Иванова А. П. (учитель", ""), ("Петров И. И.", ""), ("Сидоров С. С.", ""), ("Козлов Д. Е.", ""),
      ("Орлова Е. Ж.", ""), ("Лебедева Л. М.)", "")]),
]


@pytest.mark.parametrize(("text", "authors"), BRACKETS)
def test_a_line_break_inside_brackets_carries_on_the_author(app, make_user, text, authors):
    """«Иванова А. П. (учитель⏎МБОУ СОШ № 5)» was two authors, the second «МБОУ СОШ № 5)»; in a registry's cell too
    when the line did not begin with a position or a legal form («Гимназия № 1)»)."""
    from kb.bulkimport.services import parse_authors

    assert parse_authors(text) == authors
    _, response = _post_new(app, make_user, text.replace("\n", "\r\n"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == authors


# -- an edit reads again only the lines that changed ---------------------------------------------------------------

KEPT = ("Иванова А. П.", "учитель; МБОУ СОШ № 5")  # the rules would read its line as two authors
OLD_LIST = ("Петрова Б. В.", "методист ИМЦ и Сидоров С. С. (наставник)")  # a list stored long ago as one author


def _lines(authors: list[tuple[str, str]]) -> list[str]:
    return [f"{name}, {position}".rstrip(", ") for name, position in authors]


@pytest.mark.parametrize(("edit", "authors"), [
    # another line changed: the stored ones keep their fields, in order
    (lambda lines: [lines[0], "Козлов Д. Е., директор школы", lines[2]],
     [KEPT, ("Козлов Д. Е.", "директор школы"), OLD_LIST]),
    # a line added, one removed
    (lambda lines: [lines[0], lines[1], "Орлова Е. Ж. – учитель", lines[2]],
     [KEPT, ("Козлов Д. Е.", "директор"), ("Орлова Е. Ж.", "учитель"), OLD_LIST]),
    (lambda lines: [lines[2], lines[0]], [OLD_LIST, KEPT]),
    # reordered: each line equal to a stored author's keeps that author, in the new order
    (lambda lines: [lines[2], lines[1], lines[0]], [OLD_LIST, ("Козлов Д. Е.", "директор"), KEPT]),
    # a stored line typed twice is the stored author once; the copy is read as a new line
    (lambda lines: [lines[0], lines[0]], [KEPT, ("Иванова А. П.", "учитель"), ("МБОУ СОШ № 5", "")]),
    # a changed line is read by the rules
    (lambda lines: [lines[0] + ", наставник", lines[1]],
     [("Иванова А. П.", "учитель"), ("МБОУ СОШ № 5", "наставник"), ("Козлов Д. Е.", "директор")]),
    # a line added after a stored one that carries it on (a bracket, a word in lower case) changes that author
    (lambda lines: [lines[1], "(высшая категория)", lines[0]],
     [("Козлов Д. Е.", "директор (высшая категория)"), KEPT]),
    (lambda lines: [lines[1], "классный руководитель", lines[2]],
     [("Козлов Д. Е.", "директор, классный руководитель"), OLD_LIST]),
    # under a stored author the rules would part, the line added goes into its position: no phantom author
    (lambda lines: [lines[0], "высшая категория", lines[1]],
     [("Иванова А. П.", "учитель; МБОУ СОШ № 5, высшая категория"), ("Козлов Д. Е.", "директор")]),
    (lambda lines: [lines[2], "(высшая категория)", "наставник", lines[0]],
     [("Петрова Б. В.", "методист ИМЦ и Сидоров С. С. (наставник) (высшая категория), наставник"), KEPT]),
], ids=["changed", "added", "removed", "reordered", "typed twice", "stored changed", "bracket after", "lower after",
        "lower after parted", "two lines after a list"])
def test_an_edit_reads_again_only_the_lines_that_changed(app, make_user, make_token, edit, authors):
    """Changing one line of «Авторы» read every line again: a stored author whose line the rules would part
    («учитель; МБОУ СОШ № 5» as a position, a list stored long ago) was parted when another line was edited."""
    stored = [KEPT, ("Козлов Д. Е.", "директор"), OLD_LIST]
    client, location = _stored_by_api(app, make_user, make_token, stored)
    lines = _edit_form_authors(client, location).splitlines()
    assert lines == _lines(stored)
    response = _save_edit(app, client, location, "\r\n".join(edit(lines)))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == authors


@pytest.mark.parametrize(("text", "authors"), [
    # a position for an author stored without one
    ("Сидоров С. С.\nучитель\nИванова А. П., учитель; МБОУ СОШ № 5", [("Сидоров С. С.", "учитель"), KEPT]),
    ("Сидоров С. С.\n(учитель)\nИванова А. П., учитель; МБОУ СОШ № 5", [("Сидоров С. С.", "учитель"), KEPT]),
    # a line that carries on the stored one, then a new author
    ("Сидоров С. С.\nИванова А. П., учитель; МБОУ СОШ № 5\nнаставник\nКозлов Д. Е., директор",
     [("Сидоров С. С.", ""), ("Иванова А. П.", "учитель; МБОУ СОШ № 5, наставник"), ("Козлов Д. Е.", "директор")]),
    # a new line that adds an author by the rules is read with the stored one, as before
    ("Сидоров С. С., учитель, Козлов Д. Е.\nИванова А. П., учитель; МБОУ СОШ № 5",
     [("Сидоров С. С.", "учитель"), ("Козлов Д. Е.", ""), KEPT]),
])
def test_a_line_that_carries_on_a_stored_author_goes_into_its_position(text, authors):
    """«высшая категория» under «Иванова А. П., учитель; МБОУ СОШ № 5» read the stored line again, and the rules
    parted it: a phantom author «МБОУ СОШ № 5». A new line that only carries on a stored author is added to the
    stored position; the stored line is not read again."""
    from kb.practices.rules import edited_authors

    assert edited_authors(text, [("Сидоров С. С.", ""), KEPT]) == authors


def test_an_edit_keeps_stored_duplicates_and_the_api_keeps_names_as_sent(app, make_user, make_token):
    """Two stored authors with one line each keep their lines; a name the API stored with commas stays one."""
    listed = ("Иванова А. П., Петрова Б. В.", "учитель")
    stored = [KEPT, listed, KEPT]
    client, location = _stored_by_api(app, make_user, make_token, stored)
    lines = _edit_form_authors(client, location).splitlines()
    response = _save_edit(app, client, location, "\n".join([*lines, "Козлов Д. Е."]))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == [*stored, ("Козлов Д. Е.", "")]
    response = _save_edit(app, client, location, "\n".join([lines[2], lines[1], "  Козлов Д. Е.  "]))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _stored(app) == [KEPT, listed, ("Козлов Д. Е.", "")]
