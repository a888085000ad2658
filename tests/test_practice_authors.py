"""How a practice's authors are read where the registry and the form differed: a whole name in capitals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in

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
