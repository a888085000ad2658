"""School abbreviations teachers type (УИД, ИП, ППк, ВД, ДО …) and their expansions find each other; a two-letter
one that is also a word («до») is the abbreviation only in capitals."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from indexer import IndexDocument, SearchIndex, SearchQuery, SynonymTable
from indexer.analysis import russian_analyzer
from kb.search.synonyms import ABBREVIATIONS, OTHER_READINGS, synonym_groups

NEW = [
    ("УИД", "учебно-исследовательская деятельность"),
    ("ИП", "индивидуальный проект"),
    ("ППк", "психолого-педагогический консилиум"),
    ("ВД", "внеурочная деятельность"),
    ("ПД", "проектная деятельность"),
    ("ИОП", "индивидуальная образовательная программа"),
    ("ООП", "основная образовательная программа"),
    ("ООП", "особые образовательные потребности"),
    ("ФРП", "федеральная рабочая программа"),
    ("ЦОР", "цифровые образовательные ресурсы"),
    ("ИПР", "индивидуальная программа реабилитации"),
    ("ДО", "дошкольное образование"),
    ("ДО", "дополнительное образование"),
    ("ОДО", "отделение дополнительного образования"),
    ("ШМО", "школьное методическое объединение"),
    ("РМО", "районное методическое объединение"),
    ("ГМО", "городское методическое объединение"),
    ("ОМСУ", "органы местного самоуправления"),
    ("ЧГ", "читательская грамотность"),
    ("УВР", "учебно-воспитательная работа"),
]


def _terms(text: str) -> tuple[str, ...]:
    return tuple(token.text for token in russian_analyzer()(text, mode="query"))


@pytest.fixture(scope="module")
def table() -> SynonymTable:
    return SynonymTable(synonym_groups([]))


@pytest.mark.parametrize(("abbreviation", "expansion"), NEW)
def test_the_abbreviations_teachers_type_expand_both_ways(table: SynonymTable, abbreviation: str, expansion: str):
    assert _terms(abbreviation), abbreviation
    assert _terms(expansion) in table.expansions(_terms(abbreviation))
    assert _terms(abbreviation) in table.expansions(_terms(expansion))


def test_the_meanings_of_one_abbreviation_stay_apart(table: SynonymTable):
    """«ООП» is both «основная образовательная программа» and «особые образовательные потребности»: each finds
    «ООП», not the other; so are the two «ДО»."""
    for first, second in [("основная образовательная программа", "особые образовательные потребности"),
                          ("дошкольное образование", "дополнительное образование")]:
        assert _terms(second) not in table.expansions(_terms(first))
        assert _terms(first) not in table.expansions(_terms(second))


def test_do_in_capitals_is_the_abbreviation_and_in_lower_case_the_preposition():
    assert _terms("ДО") and _terms("до") == ()
    assert _terms("До 2025 года") == _terms("2025 года")  # a sentence's first word: the preposition
    assert _terms("ФГОС ДО") != _terms("ФГОС до")


BANK = [
    IndexDocument(id="practice:1", type="practice", title="Требования ФГОС ДО к развивающей среде",
                  body="Центры экспериментирования в группе."),
    IndexDocument(id="practice:2", type="practice", title="Дошкольное образование в сельском детском саду",
                  body="Игры и занятия."),
    IndexDocument(id="practice:3", type="practice", title="Кружки дополнительного образования",
                  body="Робототехника и шахматы."),
    IndexDocument(id="practice:4", type="practice", title="Подготовка до начала учебного года",
                  body="План работы до 1 сентября."),
    IndexDocument(id="practice:5", type="practice", title="Индивидуальный проект в 10 классе",
                  body="Темы и защита."),
    IndexDocument(id="practice:6", type="practice", title="Защита ИП", body="Критерии оценки проекта."),
    IndexDocument(id="practice:7", type="practice", title="Работа ППк школы",
                  body="Заседания консилиума по плану."),
    IndexDocument(id="practice:8", type="practice", title="Психолого-педагогический консилиум",
                  body="Сопровождение обучающихся."),
    IndexDocument(id="practice:9", type="practice", title="Курсы внеурочной деятельности",
                  body="Клубы по интересам."),
    IndexDocument(id="practice:10", type="practice", title="УИД на уроках биологии", body="Мини-исследования."),
    IndexDocument(id="practice:11", type="practice", title="Учебно-исследовательская деятельность школьников",
                  body="Исследования на уроках."),
    IndexDocument(id="practice:12", type="practice", title="Рекомендации органам местного самоуправления",
                  body="Поддержка школ."),
    IndexDocument(id="practice:13", type="practice", title="Совещание ОМСУ", body="Поддержка школ."),
    IndexDocument(id="practice:14", type="practice", title="Читательская грамотность на уроках истории",
                  body="Смысловое чтение."),
    IndexDocument(id="practice:15", type="practice", title="Диагностика ЧГ в 5 классе", body="Тексты."),
    IndexDocument(id="practice:16", type="practice", title="Заместитель директора по учебно-воспитательной работе",
                  body="План."),
    IndexDocument(id="practice:17", type="practice", title="Методический совет: УВР", body="План."),
]


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(Path(tmp_path_factory.mktemp("abbreviations")) / "index")
    index.apply(BANK)
    return index


def found(index: SearchIndex, text: str) -> set[int]:
    result = index.search(SearchQuery(text=text, synonyms=SynonymTable(synonym_groups([])), partial=False))
    return {int(hit.id.split(":")[1]) for hit in result.hits}


@pytest.mark.parametrize(("typed", "expected"), [
    ("ДО", {1, 2, 3}),
    ("ФГОС ДО", {1}),
    ("дошкольное образование", {1, 2}),
    ("дополнительное образование", {1, 3}),
    ("до начала года", {4}),  # the preposition: no abbreviation
    ("ИП", {5, 6}), ("индивидуальный проект", {5, 6}),
    ("ППк", {7, 8}), ("психолого-педагогический консилиум", {7, 8}),
    ("ВД", {9}), ("внеурочная деятельность", {9}),
    ("УИД", {10, 11}), ("учебно-исследовательская деятельность", {10, 11}),
    # query-side only (the synonym table): no reindex; «-ами» of them waits in KNOWN_ABBREVIATIONS_NEXT
    ("ОМСУ", {12, 13}), ("органы местного самоуправления", {12, 13}),
    ("ЧГ", {14, 15}), ("читательская грамотность", {14, 15}), ("чг", {14, 15}),
    ("УВР", {16, 17}), ("учебно-воспитательная работа", {16, 17}),
])
def test_abbreviations_and_expansions_find_each_other(bank: SearchIndex, typed: str, expected: set[int]):
    assert found(bank, typed) == expected, typed


def test_the_other_readings_of_an_abbreviation_are_offered_not_searched(table: SynonymTable):
    """An abbreviation with other readings is one the search expands (what the hint says it searched), and never to
    those readings: «ПД» does not find texts on personal data."""
    for abbreviation, readings in OTHER_READINGS.items():
        assert ABBREVIATIONS[abbreviation], abbreviation
        expansions = table.expansions(_terms(abbreviation))
        assert {_terms(meaning) for meaning in ABBREVIATIONS[abbreviation]} <= set(expansions), abbreviation
        assert not {_terms(reading) for reading in readings} & set(expansions), abbreviation


def test_pd_searches_project_activity_and_the_page_offers_its_other_readings(app, make_practice):
    """«ПД» is «проектная деятельность» in this bank, and also «персональные данные», «профессиональная
    деятельность»: the search reads it as the first (as before), the page says so and links a search of each
    other reading, the rest of the query and the filters kept."""
    # no topics: «Исследовательская и проектная деятельность» would be found through «проектная деятельность»
    with app.app_context():
        project = make_practice("Проектная деятельность в 5 классе", topics=[])
        data = make_practice("Защита персональных данных обучающихся", topics=[])
    client = app.test_client()

    def hint(**args) -> str | None:
        page = client.get("/search", query_string=args).get_data(as_text=True)
        found = re.search(r'<p class="suggestion">(ПД: .*?)</p>', page, re.S)
        return found and found.group(1)

    def links(text: str) -> dict[str, dict[str, list[str]]]:
        """The hint's links: their text -> their query arguments."""
        return {label: parse_qs(urlsplit(html.unescape(href)).query)
                for href, label in re.findall(r'<a href="([^"]*)">([^<]*)</a>', text)}

    for typed in ("ПД", "пд"):
        assert {r["id"] for r in client.get("/api/v1/search", query_string={"q": typed}).json["results"]} == {project}
        shown = hint(q=typed)
        assert shown is not None, typed
        assert re.sub(r"<[^>]+>", "", shown) == ("ПД: искали «проектная деятельность». Искать «персональные данные» "
                                                 "или «профессиональная деятельность»?"), typed
        assert links(shown)["«персональные данные»"] == {"q": ["персональные данные"]}, typed
        assert links(shown)["«профессиональная деятельность»"] == {"q": ["профессиональная деятельность"]}, typed
    other = links(hint(q="ПД"))["«персональные данные»"]
    assert [r["id"] for r in client.get("/api/v1/search", query_string=other).json["results"]] == [data]
    # the rest of the query and the filters go with the other reading
    assert links(hint(q="пд, 5 класс", region="RU-CHE"))["«персональные данные»"] == {
        "q": ["персональные данные, 5 класс"], "region": ["RU-CHE"]}
    # what is typed reaches the link escaped, and nowhere else in the line
    shown = hint(q="ПД <b>и</b> & ВКС")
    assert shown is not None and "<b>" not in shown and "&lt;b&gt;" not in shown
    assert links(shown)["«персональные данные»"] == {"q": ["персональные данные <b>и</b> & ВКС"]}
    # no abbreviation with other readings, or it is excluded, or the query is an expression or a phrase
    for typed in ("проектная деятельность", "персональные данные", "ПДД", "проекты -ПД",
                  "проекты не ПД", "ПД ИЛИ ВД", '"ПД"', "(ПД)"):
        assert hint(q=typed) is None, typed
