"""A narrower term listed among a topic's synonyms («финансовая грамотность» of «Функциональная грамотность») finds
the topic's documents, but is no full match: texts with the words come first, and a list of the topic's documents
alone says so."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from indexer import IndexDocument, SearchIndex, SearchQuery, SynonymTable

TABLE = SynonymTable([], concepts=[("topic", "functional_literacy", [
    "Функциональная грамотность", "финансовая грамотность", "математическая грамотность", "глобальные компетенции"])])
# A long text that names the words once, in an attached file: it scores less than being filed under the topic did.
LONG = " ".join(["Описание занятий кружка и его расписания на учебный год."] * 40)


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(Path(tmp_path_factory.mktemp("narrower")) / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Банк заданий PISA",
                      body="Задания по читательской грамотности.", topic=["functional_literacy"]),
        IndexDocument(id="practice:2", type="practice", title="Кружок «Экономика для всех»", body=LONG,
                      attachments=LONG + " Финансовая грамотность школьников. " + LONG),
        IndexDocument(id="practice:3", type="practice", title="Естественнонаучные кейсы",
                      body="Кейсы на местном материале.", topic=["functional_literacy"]),
        IndexDocument(id="practice:4", type="practice", title="Шахматный клуб", body="Игра в шахматы."),
    ])
    return index


def test_a_narrower_term_no_text_has_finds_the_topic_and_says_so(ix):
    result = ix.search(SearchQuery(text="математическая грамотность", synonyms=TABLE))
    assert sorted(hit.id for hit in result.hits) == ["practice:1", "practice:3"]
    assert result.topics_only == ["functional_literacy"]


def test_texts_with_the_words_rank_above_the_topics_other_documents(ix):
    result = ix.search(SearchQuery(text="финансовая грамотность", synonyms=TABLE))
    assert [hit.id for hit in result.hits][0] == "practice:2"
    assert sorted(hit.id for hit in result.hits) == ["practice:1", "practice:2", "practice:3"]
    assert result.topics_only == []


def test_the_topics_own_name_keeps_finding_every_document_filed_under_it(ix):
    result = ix.search(SearchQuery(text="функциональная грамотность", synonyms=TABLE))
    assert sorted(hit.id for hit in result.hits) == ["practice:1", "practice:3"]


def test_without_a_topic_in_the_query_nothing_is_said(ix):
    result = ix.search(SearchQuery(text="шахматы", synonyms=TABLE))
    assert [hit.id for hit in result.hits] == ["practice:4"]
    assert result.topics_only == []


def _notice(page: str) -> str:
    found = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    return " ".join(found.group(1).split()) if found else ""


def test_the_search_page_names_the_topic_a_narrower_term_found(app, make_practice):
    with app.app_context():
        make_practice("Банк заданий PISA", annotation="Задания для оценки читательской грамотности.",
                      topics=["functional_literacy"])
    client = app.test_client()
    page = client.get("/search", query_string={"q": "математическая грамотность"}).get_data(as_text=True)
    assert "Банк заданий PISA" in page
    assert ("Документов со словами запроса нет: показаны материалы по теме «Функциональная грамотность»."
            in html.unescape(page))
    api = client.get("/api/v1/search", query_string={"q": "математическая грамотность"}).json
    assert api["total"] == 1
    assert "по теме «Функциональная грамотность»" in api["notice"]
    # The topic's own name: its documents are what was asked for.
    page = client.get("/search", query_string={"q": "функциональной грамотности"}).get_data(as_text=True)
    assert "Банк заданий PISA" in page
    assert "по теме" not in html.unescape(page)


def test_a_narrower_term_ends_in_the_topics_last_word():
    table = SynonymTable([], concepts=[
        ("topic", "functional_literacy", ["Функциональная грамотность", "финансовая грамотность", "PISA"]),
        ("topic", "teacher_development", ["Профессиональное развитие педагогов", "курсы повышения квалификации"]),
    ])
    assert table.narrower(("финансов", "грамотн")) == [("topic", "functional_literacy")]
    assert table.narrower(("функциональн", "грамотн")) == []  # the topic's own name
    assert table.narrower(("pisa",)) == []
    assert table.narrower(("курс", "повышен", "квалификац")) == []  # another name of the whole topic
