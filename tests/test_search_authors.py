"""Looking for a practice by its author: a match in the authors ranks above a mention in the text, the result card
shows the matching author line, and initials typed beside a surname («Мухаметова Л.Ф.») are no required words."""

from __future__ import annotations

import html
import re

import pytest
from whoosh import query

from indexer.query import NOTICE_RELAXED, PEOPLE_WEIGHT, parse_text
from indexer.schema import build_schema

SCHEMA = build_schema()


@pytest.mark.parametrize("typed", ["Мухаметова Л.Ф.", "Мухаметова Л. Ф.", "Л.Ф. Мухаметова", "Л. Ф. Мухаметова",
                                   "Мухаметова Л.", "мухаметова Л.Ф."])
def test_initials_beside_a_surname_are_no_required_phrase(typed):
    parsed = parse_text(typed, SCHEMA)
    assert parsed.strict == parse_text("Мухаметова", SCHEMA).strict
    assert not parsed.notices


@pytest.mark.parametrize(("typed", "rest"), [("г. Смоленск", "Смоленск"), ("Л.Ф.", "")])
def test_what_is_not_initials_beside_a_word_stays(typed, rest):
    assert parse_text(typed, SCHEMA).strict != parse_text(rest, SCHEMA).strict


@pytest.mark.parametrize("typed", ["Приложение Б. Анкета", "приложения Б. Анкета", "в Приложении Б.", "ПРИЛОЖЕНИЕ Б.",
                                   "Раздел Б. Итоги", "в разделе Б.", "Часть Б. Задания", "в части Б.", "Пункт Б.",
                                   "Вариант Б. Ответы", "Таблица Б. Итоги", "Схема Б.", "Рисунок Б.", "на рисунке Б.",
                                   "Форма Б. Заявка", "по форме Б."])
def test_a_letter_naming_a_part_of_a_document_is_no_initial(typed):
    """«Приложение А. Анкета» lost its «А.» with the initials: a capital after «Приложение», «Раздел», «Таблица» and
    the like (any case form) names an appendix, a section, a table, and stays a word of the query."""
    from indexer.query import _clean

    assert _clean(typed, []) == typed
    assert parse_text(typed, SCHEMA).strict != parse_text(typed.replace("Б.", ""), SCHEMA).strict


@pytest.mark.parametrize(("typed", "rest"), [("Приложение Мухаметова Л.Ф.", "Приложение Мухаметова"),
                                             ("Приложение Л.Ф. Мухаметова", "Приложение Мухаметова"),
                                             ("Т.М.Ковалёва таблица", "Ковалёва таблица"),
                                             ("Таблица Ковалёва Т.", "Таблица Ковалёва"),
                                             ("Форматы Т. Ковалёва", "Форматы Ковалёва")])
def test_initials_beside_a_surname_are_dropped_beside_those_words_too(typed, rest):
    assert parse_text(typed, SCHEMA).strict == parse_text(rest, SCHEMA).strict


def test_initials_in_quotes_stay_a_phrase():
    strict = parse_text('"Мухаметова Л.Ф."', SCHEMA).strict
    assert any(isinstance(leaf, query.Phrase) and leaf.words[-2:] == ["л", "ф"] for leaf in strict.leaves())


@pytest.fixture()
def practices(app, make_practice):
    with app.app_context():
        own = make_practice("Сетевой клуб наставников", annotation="Клуб молодых учителей города.",
                            authors=[("Ковалёва Ирина Павловна", "методист"), ("Петров Иван Ильич", "учитель")])
        cited = make_practice(
            "Тьюторское сопровождение проектов",
            annotation="Тьютор сопровождает индивидуальный проект ученика.",
            technology="Практика опирается на тьюторский подход (Т. М. Ковалёва) и идеи Т. М. Ковалёвой. Тьютор по "
                       "Т. М. Ковалёвой сопровождает ученика. Ковалёва Т. М. Тьюторство. — М., 2012.",
            authors=[("Сидорова Анна Петровна", "тьютор")])
        initials = make_practice("Психологическое сопровождение одарённых", annotation="Диагностика способностей.",
                                 authors=[("Мухаметова Лилия Фаритовна", "педагог-психолог")])
        other = make_practice("Финансовая грамотность", annotation="Игры Л. Ф. Соколова для 5 класса.",
                              authors=[("Фомина Лариса Фёдоровна", "учитель")])
    return {"own": own, "cited": cited, "initials": initials, "other": other}


def _results(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/practices/(\d+)">', page)


def test_the_authors_own_practice_ranks_above_one_that_cites_her(app, practices):
    page = app.test_client().get("/search", query_string={"q": "Ковалева"}).get_data(as_text=True)
    assert _results(page) == [str(practices["own"]), str(practices["cited"])]


def test_a_card_found_by_its_author_shows_the_author_line_highlighted(app, practices):
    page = app.test_client().get("/search", query_string={"q": "Ковалева"}).get_data(as_text=True)
    own = page.split(f'href="/practices/{practices["own"]}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r'<p class="result-authors">Авторы: <mark>Ковалёва</mark> Ирина Павловна, Петров Иван Ильич</p>',
                     own)
    # a practice that only cites her shows no author line: she is not its author
    cited = page.split(f'href="/practices/{practices["cited"]}"', 1)[1].split("</li>", 1)[0]
    assert "result-authors" not in cited


def test_an_author_line_is_escaped(app, make_practice):
    with app.app_context():
        make_practice("Практика", authors=[("Кравченко <b>Ольга</b>", "учитель")])
    page = app.test_client().get("/search", query_string={"q": "Кравченко"}).get_data(as_text=True)
    assert "Автор: <mark>Кравченко</mark> &lt;b&gt;Ольга&lt;/b&gt;</p>" in page


def test_a_surname_with_initials_finds_the_authors_practice(app, practices):
    client = app.test_client()
    for typed in ("Мухаметова Л.Ф.", "Л. Ф. Мухаметова"):
        page = client.get("/search", query_string={"q": typed}).get_data(as_text=True)
        assert _results(page) == [str(practices["initials"])]
        assert NOTICE_RELAXED not in html.unescape(page)


def test_only_a_persons_name_weighs_more_among_the_people():
    def people_boosts(text: str) -> set[float]:
        return {leaf.boost for leaf in parse_text(text, SCHEMA).strict.leaves() if leaf.fieldname == "people"}

    assert people_boosts("Ковалева") == {PEOPLE_WEIGHT}
    assert people_boosts("Смоленск") == {1.0}
    assert people_boosts("Кравченко наставничество") == {1.0, PEOPLE_WEIGHT}
