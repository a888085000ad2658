"""How search understands teachers: synonyms both ways, typos, the query language, field weights, facets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from whoosh import fields, index

from indexer import IndexDocument, IndexUnavailable, SearchIndex, SearchQuery, SynonymTable
from indexer.analysis import ANALYSIS_VERSION, russian_analyzer
from indexer.query import (
    NOTICE_CORRECTED,
    NOTICE_NO_WORDS,
    NOTICE_PARTIAL,
    NOTICE_PREFIX,
    NOTICE_RELAXED,
    NOTICE_SIMPLIFIED,
    NOTICE_WORD_TOO_LONG,
)
from kb.search.synonyms import synonym_groups, thesaurus_abbreviations
from kb.vocabularies.data import LEVELS, TOPICS

TABLE = SynonymTable([
    ["ШНО", "школьное научное общество"],
    ["ВКС", "видеоконференцсвязь"],
    ["одарённые", "талантливые", "способные"],
])

DOCUMENTS = [
    IndexDocument(id="practice:1", type="practice", title="ШНО «Открытие»", body="Работа общества по секциям."),
    IndexDocument(id="practice:2", type="practice", title="Исследования младших школьников",
                  body="Школьное научное общество объединяет учеников 2–4 классов."),
    IndexDocument(id="practice:3", type="practice", title="Уроки по видеоконференцсвязи",
                  body="Занятия для детей, обучающихся на дому."),
    IndexDocument(id="practice:4", type="practice", title="Сельские школы", body="Занятия в формате ВКС."),
    IndexDocument(id="practice:5", type="practice", title="Конкурсная подготовка",
                  body="Талантливые дети готовятся к конкурсам по математике."),
    IndexDocument(id="practice:6", type="practice", title="Олимпиадная подготовка",
                  body="Одарённые дети готовятся к олимпиадам по математике."),
    IndexDocument(id="practice:7", type="practice", title="Шахматный клуб", body="Игра в шахматы для младших."),
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(Path(tmp_path_factory.mktemp("understanding")) / "index")
    index.apply(DOCUMENTS)
    return index


def ids(ix: SearchIndex, text: str, synonyms: SynonymTable | None = TABLE) -> list[str]:
    return [hit.id for hit in ix.search(SearchQuery(text=text, synonyms=synonyms)).hits]


@pytest.mark.parametrize(
    ("text", "exact", "expanded"),
    [
        ("ШНО", "practice:1", "practice:2"),
        ("школьных научных обществ", "practice:2", "practice:1"),  # inflected, and back to the abbreviation
        ("ВКС", "practice:4", "practice:3"),
        ("видеоконференцсвязь", "practice:3", "practice:4"),
    ],
)
def test_abbreviations_expand_both_ways_and_exact_matches_rank_first(ix, text, exact, expanded):
    result = ix.search(SearchQuery(text=text, synonyms=TABLE))
    assert [hit.id for hit in result.hits][:2] == [exact, expanded]
    assert result.notice is None  # the expansion counts as having all the words
    plain = ix.search(SearchQuery(text=text))
    assert expanded not in [hit.id for hit in plain.hits] or plain.notice == NOTICE_PARTIAL.format(count=1)


def test_synonyms_of_a_word_are_found_below_the_word_itself(ix):
    assert ids(ix, "талантливых детей")[:2] == ["practice:5", "practice:6"]
    assert ids(ix, "одарённые дети")[:2] == ["practice:6", "practice:5"]
    plain = ix.search(SearchQuery(text="одаренные дети"))
    assert (plain.hits[0].id, plain.notice) == ("practice:6", NOTICE_PARTIAL.format(count=1))


def test_an_excluded_abbreviation_excludes_its_full_form_too(ix):
    """«-ШНО» excluded the word «ШНО» only, and kept the texts about the «школьное научное общество» that «ШНО» finds.
    A full form the query asks for itself stays («школьное научное общество -ШНО»: spelt out, not abbreviated), and
    a synonym of one word is kin, not the same thing («-талантливые» keeps «одарённые»)."""
    assert ids(ix, "общество -ШНО") == []
    assert ids(ix, "общество -ШНО", synonyms=None) == ["practice:2"]
    assert ids(ix, "школьное научное общество -ШНО") == ["practice:2"]
    assert ids(ix, "занятия -ВКС") == []
    assert ids(ix, "занятия NOT (ВКС OR школьники)") == []
    assert "practice:5" not in ids(ix, "дети -талантливые") and "practice:6" in ids(ix, "дети -талантливые")
    assert "practice:1" not in ids(ix, "общество -ШНО")  # an excluded word brings nothing in either


def test_typo_gives_a_real_word_suggestion_and_a_fallback(ix):
    result = ix.search(SearchQuery(text="Шахмтаы клуб", synonyms=TABLE))
    assert result.suggestion == "Шахматы клуб"  # with the capital it was typed with
    assert [hit.id for hit in result.hits] == ["practice:7"]
    assert result.notice == NOTICE_CORRECTED.format(suggestion="Шахматы клуб")


def test_a_typo_that_still_finds_something_is_suggested_without_a_notice(ix):
    result = ix.search(SearchQuery(text="шахматнй клуб"))  # its guessed stem is indexed
    assert (result.suggestion, result.notice) == ("шахматный клуб", None)
    assert [hit.id for hit in result.hits] == ["practice:7"]


def test_suggestions_are_words_as_written_and_folded(ix):
    result = ix.search(SearchQuery(text="одорённые"))
    assert result.suggestion == "одаренные"  # a surface word, not the stem "одарен"


def test_no_suggestion_for_known_words_or_hopeless_ones(ix):
    assert ix.search(SearchQuery(text="одарённых детей")).suggestion is None
    assert ix.search(SearchQuery(text="абракадабраксфф")).suggestion is None


def test_a_typo_next_to_a_known_word_is_suggested_even_when_something_was_found(ix):
    result = ix.search(SearchQuery(text="олимпиадная падготовка"))
    assert result.suggestion == "олимпиадная подготовка"
    assert [hit.id for hit in result.hits] == ["practice:6"]


STEMS_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Методическое сопровождение наставничества",
                  body="Методика работы наставника, грамотность и олимпиадной подготовки."),
    IndexDocument(id="practice:2", type="practice", title="Методики межпредметных проектов",
                  body="Грамоты победителям, наставник и олимпиады."),
]


@pytest.mark.parametrize(("typed", "meant"), [
    # the start of a word of the texts, typed to find all its forms: its stem finds them
    ("методич", "методик"), ("грамотн", "грамот"), ("наставнич", "наставник"), ("олимпиадн", "олимпиады"),
])
def test_a_typed_stem_that_finds_its_words_is_no_typo(tmp_path: Path, typed, meant):
    """«методич» found the texts with «методическое» and was offered «Возможно, вы имели в виду: методик»; so were
    «грамотн», «наставнич», «олимпиадн». A word the index lacks that begins a word of the texts and whose own query
    finds documents is not corrected; a typo whose guessed stem is indexed («шахматнй») still is."""
    index = SearchIndex(tmp_path / "index")
    index.apply(STEMS_BANK)
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([]))))
    assert result.total and (result.suggestion, result.notice) == (None, None), typed
    # without its words in the texts it is corrected as before
    other = SearchIndex(tmp_path / "other")
    other.apply([IndexDocument(id="practice:1", type="practice", title=meant, body="Опыт.")])
    assert other.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])))).suggestion == meant


@pytest.mark.parametrize("typed", ["олимп*", "Олимп*", "олимп**"])
def test_a_word_with_a_star_says_the_start_of_a_word_is_not_searched_and_offers_the_whole_word(ix, typed):
    """«олимп*» found nothing and said «Запрос содержал служебные символы и был упрощён». The index searches whole
    words (their forms), not starts of words: the page says so and offers the bank's word that begins so."""
    result = ix.search(SearchQuery(text=typed, synonyms=TABLE))
    assert result.notice == NOTICE_PREFIX.format(word=typed.rstrip("*"))
    assert result.suggestion == ("О" if typed[0] == "О" else "о") + "лимпиадная"  # the likelier of «олимпиадам»
    assert result.total == 0  # a hint: what the start of a word finds is not guessed at
    assert ix.search(SearchQuery(text='"олимп*"', synonyms=TABLE)).notice != NOTICE_PREFIX.format(word="олимп")


STARS_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Робот в классе", body="Роботы собирают на уроках."),
    IndexDocument(id="practice:2", type="practice", title="Робототехника", body="Сборка роботов."),
    IndexDocument(id="practice:3", type="practice", title="Шахматы в школе", body="Уроки шахмат, шахматные турниры."),
    IndexDocument(id="practice:4", type="practice", title="Музыка в школе", body="Уроки музыки и музыкальных игр."),
    IndexDocument(id="practice:5", type="practice", title="Вебинар для учителей", body="Цикл вебинаров."),
]


@pytest.mark.parametrize("typed", ["шахматы*", "Шахматы**", "роботы*", "вебинар*"])
def test_a_whole_word_no_other_word_begins_with_is_searched_as_the_word(tmp_path, typed):
    """«шахматы*» said «Поиск по началу слова («шахматы*») не поддерживается — наберите слово целиком». A word the
    index knows that no other word of the bank begins with is searched as the word (the star was dropped anyway),
    with nothing said and nothing offered."""
    index = SearchIndex(tmp_path / "index")
    index.apply(STARS_BANK)
    result = index.search(SearchQuery(text=typed))
    assert (result.notice, result.suggestion) == (None, None)
    word = typed.rstrip("*")
    assert [hit.id for hit in result.hits] == [hit.id for hit in index.search(SearchQuery(text=word)).hits]
    assert result.total
    # beside a whole word with a star, the notice names the start of a word
    both = index.search(SearchQuery(text=f"{typed} музыкальн*"))
    assert NOTICE_PREFIX.format(word="музыкальн") in both.notice and word not in both.notice


@pytest.mark.parametrize(("typed", "offered"), [("робот*", "робототехника"), ("музыка*", "музыкальных"),
                                                ("шахмат*", "шахматные"), ("музыкальн*", "музыкальных")])
def test_a_word_that_begins_other_words_with_a_star_is_a_start_of_a_word(tmp_path, typed, offered):
    """«робот*» is a word and the start of «робототехники»: taking it for the word alone dropped the notice and the
    other word (1 document instead of 3 on the demo). It is a start of a word: the notice, and the commonest other
    word that begins so — not a form of the word itself («роботы»)."""
    index = SearchIndex(tmp_path / "index")
    index.apply(STARS_BANK)
    result = index.search(SearchQuery(text=typed))
    assert (result.notice, result.suggestion) == (NOTICE_PREFIX.format(word=typed.rstrip("*")), offered)


@pytest.mark.parametrize("typed", ["робот*", "роботы*", "шахматы*", "занят*", "робототехника*"])
def test_what_a_star_says_tells_nothing_of_the_documents_left_out(tmp_path, typed):
    """«магистранты*» said nothing while the only practice with the word waited to leave the index (left out of the
    search by ``exclude``), and the notice once it had left: what a star says told a withdrawn practice's words.
    A search that leaves documents out says what it says of an index without them."""
    bank = [*STARS_BANK, IndexDocument(id="practice:6", type="practice", title="Занятия", body="Чем занять детей.")]
    left_out = {"practice:2", "practice:6"}  # «робототехника», «занять»
    index = SearchIndex(tmp_path / "index")
    index.apply(bank)
    without = SearchIndex(tmp_path / "without")
    without.apply([document for document in bank if document.id not in left_out])
    result = index.search(SearchQuery(text=typed, exclude=frozenset(left_out)))
    expected = without.search(SearchQuery(text=typed))
    assert (result.notice, result.suggestion, result.total) == (expected.notice, expected.suggestion, expected.total)


@pytest.mark.parametrize(("typed", "meant"), [("олимп* математика", "олимпиадная математика"),
                                              ("математика олимп*", "математика олимпиадная"),
                                              ("Олимп* по математике", "Олимпиадная по математике")])
def test_a_start_of_a_word_among_other_words_is_offered_the_whole_word_too(ix, typed, meant):
    """«олимп*» alone offered «олимпиадная», and «олимп* математика» only said that the start of a word is not
    searched. The query is offered with the start replaced by the same word."""
    result = ix.search(SearchQuery(text=typed, synonyms=TABLE))
    assert NOTICE_PREFIX.format(word=re.search(r"(\w+)\*", typed).group(1)) in result.notice
    assert result.suggestion == meant


def test_a_start_of_a_word_that_finds_nothing_is_offered_the_whole_word(ix):
    """«олимп» found nothing, without a suggestion: a dictionary word is no typo. The bank's word it begins is
    offered; a word that is indexed itself, or that finds something, is searched as typed."""
    assert ix.search(SearchQuery(text="олимп", synonyms=TABLE)).suggestion == "олимпиадная"
    assert ix.search(SearchQuery(text="шахмат", synonyms=TABLE)).suggestion is None  # finds «шахматы»
    assert ix.search(SearchQuery(text="шахматы абракадабраксфф", synonyms=TABLE)).suggestion is None


def test_relaxed_query_when_no_correction_helps(ix):
    result = ix.search(SearchQuery(text="шахматы абракадабраксфф"))
    assert result.notice == NOTICE_RELAXED and [hit.id for hit in result.hits] == ["practice:7"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"научное общество"', ["practice:2"]),
        ('"общество научное"', []),
        ("шахматы OR видеоконференцсвязь", ["practice:3", "practice:7"]),
        ("занятия -дому", ["practice:4"]),
        ('занятия -"на дому"', ["practice:4"]),
        ("занятия NOT дому", ["practice:4"]),
        ("занятия -(дому OR шахматы)", ["practice:4"]),
        ("-занятия", ["practice:1", "practice:2", "practice:5", "practice:6", "practice:7"]),
        ('"-занятия"', ["practice:3", "practice:4"]),  # inside a phrase a hyphen is punctuation
    ],
)
def test_query_language(ix, text, expected):
    assert sorted(ids(ix, text, synonyms=None)) == expected


def test_field_weights_title_above_annotation_above_body_above_attachments(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:0", type="practice", title="Практика", annotation="Опыт школы.", body="Описание.",
                      attachments="Робототехника в школе."),
        IndexDocument(id="practice:1", type="practice", title="Практика", annotation="Опыт школы.",
                      body="Робототехника в школе."),
        IndexDocument(id="practice:2", type="practice", title="Практика", annotation="Робототехника в школе.",
                      body="Описание."),
        IndexDocument(id="practice:3", type="practice", title="Робототехника", annotation="Опыт школы.",
                      body="Описание."),
    ])
    hits = index.search(SearchQuery(text="робототехника")).hits
    assert [hit.id for hit in hits] == ["practice:3", "practice:2", "practice:1", "practice:0"]
    assert "<mark>Робототехника</mark>" in hits[1].snippet  # the annotation gives the snippet
    assert "<mark>Робототехника</mark>" in hits[3].snippet  # and the attached file, when nothing else matched


def test_thesaurus_abbreviations_are_paired_by_initials():
    assert thesaurus_abbreviations(["Школьные научные общества (ШНО)", "ШНО", "научное общество учащихся", "НОУ"]) == [
        ["НОУ", "научное общество учащихся"],
        ["ШНО", "Школьные научные общества"],
    ]
    # the label wins over another phrase with the same initials
    assert thesaurus_abbreviations(["Функциональная грамотность", "финансовая грамотность", "ФГ"]) == [
        ["ФГ", "Функциональная грамотность"],
    ]


def test_other_names_of_the_same_thing_are_told_from_words_of_nearly_the_same_meaning():
    """What «-слово» excludes besides the word: an abbreviation's words, a contraction, the name in the other
    alphabet; not a word of nearly the same meaning, which would take half the bank away with it."""
    table = SynonymTable(synonym_groups([]))
    analyzer = russian_analyzer()

    def names(phrase: str) -> list[str]:
        return [" ".join(terms) for terms in table.names(tuple(t.text for t in analyzer(phrase, mode="query")))]

    assert names("ШНО") == ["школьн научн обществ"] and names("школьное научное общество") == ["шно"]
    assert names("ВКС") and names("видеоконференцсвязь") and names("детсад") and names("лего") and names("STEM")
    assert names("учитель") == names("одарённые") == names("сетевое взаимодействие") == []
    # a word written apart is a spelling of the word, not of its synonyms: «-одарённые» keeps «высоко мотивированные»
    assert names("высокомотивированные") == [" ".join(t.text for t in analyzer("высоко мотивированные"))]
    assert names("высоко мотивированные") == [" ".join(t.text for t in analyzer("высокомотивированные"))]


def test_the_synonym_groups_cover_the_domain_abbreviations():
    groups = synonym_groups([(t["label"], t["synonyms"]) for t in TOPICS])
    table = SynonymTable(groups)
    for abbreviation in ("ВКС", "ШНО", "ДОТ", "ОВЗ", "ООП", "ФГОС", "ДПО", "СПО", "ОО", "МО", "ИОМ", "УУД", "ВсОШ"):
        assert table.expansions(tuple(token.text for token in russian_analyzer()(abbreviation))), abbreviation


class TestPages:
    def test_abbreviation_and_expansion_find_each_other(self, demo_client):
        def found(q: str) -> set[str]:
            body = demo_client.get("/api/v1/search", query_string={"q": q, "per_page": 50}).json
            return {r["title"] for r in body["results"]}

        short, long = found("ШНО"), found("школьное научное общество")
        assert any("ШНО «Открытие»" in t for t in long)
        assert any(t.startswith("Школьное научное общество «Поиск»") for t in short)
        assert any("ВКС" in t for t in found("видеоконференцсвязь"))
        assert any("видеоконференцсвязи" in t for t in found("ВКС"))

    def test_suggestion_in_the_api_and_on_the_page(self, demo_client):
        body = demo_client.get("/api/v1/search", query_string={"q": "профориентацыя"}).json
        assert body["suggestion"] == "профориентация"
        assert body["total"] > 0
        assert demo_client.get("/api/v1/search", query_string={"q": "профориентация"}).json["suggestion"] is None
        page = demo_client.get("/search", query_string={"q": "профориентацыя", "region": "RU-CHE"}).get_data(
            as_text=True
        )
        assert 'Возможно, вы имели в виду: <a href="/search?q=%D0%BF%D1%80%D0%BE' in page
        assert "region=RU-CHE" in page.split("Возможно, вы имели в виду:")[1].split("</a>")[0]

    def test_a_region_named_in_the_query_is_offered_as_the_region_filter(self, demo_client):
        """«олимпиады в челябинской области» found only the texts naming the region; the practices tagged
        with it mostly never do."""
        def hint(**args) -> str | None:
            page = demo_client.get("/search", query_string=args).get_data(as_text=True)
            found = re.search(r'<p class="suggestion">Регион из запроса: (.*?)</p>', page, re.S)
            return found and found.group(1)

        in_region = demo_client.get("/api/v1/search", query_string={"q": "олимпиады", "region": "RU-CHE"}).json
        assert in_region["total"]
        expected = (f'<a href="/search?q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF%D0%B8%D0%B0%D0%B4%D1%8B&amp;region=RU-CHE">'
                    f'«олимпиады» — Челябинская область</a> ({in_region["total"]} материал')
        for typed in ("олимпиады в челябинской области", "олимпиады Челябинская обл.", "олимпиады ЧЕЛЯБИНСК"):
            assert hint(q=typed).startswith(expected), typed
        whole = demo_client.get("/api/v1/search", query_string={"region": "RU-SMO"}).json["total"]
        assert hint(q="Смоленская область") == (
            f'<a href="/search?region=RU-SMO">Смоленская область</a> ({whole} материалов)')
        assert hint(q="олимпиады") is None  # no region named
        assert hint(q="олимпиады челябинская область", region="RU-CHE") is None  # the filter is on already
        assert hint(q="олимпиады Смоленск Челябинск") is None  # two regions: which one is meant is not clear
        assert hint(q="абракадабраксфф челябинск") is None  # nothing there
        # an excluded region is no filter to offer, nor is a name cut out of an expression
        for typed in ("олимпиады -Челябинск", "олимпиады не в Челябинской области", "олимпиады NOT Челябинск",
                      "олимпиады Челябинск ИЛИ Смоленск", "(олимпиады Челябинск)", "олимпиады OR Челябинск"):
            assert hint(q=typed) is None, typed

    def test_the_hints_ask_the_index_for_their_count_only(self, demo_app, monkeypatch):
        """A hint shows «(N материалов)», no page of hits: with the query's only words cut out, the index would rank
        every document of the region by date for nothing (135 ms at 100,000 practices after each commit)."""
        from indexer import SearchIndex
        from kb.search import services

        asked = []
        search = SearchIndex.search
        monkeypatch.setattr(SearchIndex, "search",
                            lambda index, request: asked.append(request) or search(index, request))
        with demo_app.test_request_context():
            region = services.region_hint(services.SearchParams(q="Смоленская область"))
            level = services.level_hint(services.SearchParams(q="в детском саду"))
            subject = services.subject_hint(services.SearchParams(q="музыка"))
        assert region and region.count and level and level.count and subject and subject.count
        assert [(request.text, request.count_only) for request in asked] == [("", True)] * 3

    def test_the_level_and_subject_hints_analyse_the_query_once(self, demo_app, monkeypatch):
        """Both hints read the query's words with the analyzer: the second reads what the first analysed."""
        from kb.search import services

        services._level_terms(), services._subject_terms()  # the names' terms, made once per process
        analysed = []
        analyzer = services.russian_analyzer()
        monkeypatch.setattr(services, "russian_analyzer",
                            lambda: lambda text, **kw: analysed.append(text) or analyzer(text, **kw))
        services._query_words.cache_clear()
        with demo_app.test_request_context():
            params = services.SearchParams(q="олимпиады по математике в начальной школе")
            services.level_hint(params)
            services.subject_hint(params)
        assert analysed == ["олимпиады", "по", "математике", "в", "начальной", "школе"]

    def test_a_level_named_in_the_query_is_offered_as_the_level_filter(self, demo_client):
        """«СПО» found one of the practices tagged with the level: the others never write its name. As for a
        region, the page offers the level's filter with the rest of the query."""
        def hint(**args) -> str | None:
            page = demo_client.get("/search", query_string=args).get_data(as_text=True)
            found = re.search(r'<p class="suggestion">Уровень из запроса: (.*?)</p>', page, re.S)
            return found and found.group(1)

        whole = demo_client.get("/api/v1/search", query_string={"level": "vocational"}).json["total"]
        for typed in ("СПО", "среднее профессиональное образование"):
            assert hint(q=typed) == (f'<a href="/search?level=vocational">показать только «Среднее профессиональное '
                                     f'образование»</a> ({whole} материалов)'), typed
        at_level = demo_client.get("/api/v1/search", query_string={"q": "олимпиады", "level": "primary"}).json
        assert at_level["total"]
        assert hint(q="олимпиады НОО").startswith(
            '<a href="/search?q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF%D0%B8%D0%B0%D0%B4%D1%8B&amp;level=primary">'
            f'«олимпиады» — показать только «Начальное общее образование»</a> ({at_level["total"]} материал')
        assert hint(q="олимпиады") is None  # no level named
        assert hint(q="СПО", level="vocational") is None  # the filter is on already
        assert hint(q="высшее образование") is None  # three levels: which one is meant is not clear
        assert hint(q="подготовка до экзамена") is None  # «ДО» is preschool's short name, «до» a preposition
        # in capitals «ДО» is as often «дополнительное образование» (МБУ ДО, педагог ДО): it names no level either;
        # the kindergarten's own abbreviations do
        for typed in ("педагог ДО", "программа ДО", "ДО", "ФГОС ДО"):
            assert hint(q=typed) is None, typed
        assert "«Дошкольное образование»" in hint(q="проекты ДОУ")
        assert hint(q='"СПО"') is None  # asked for as typed
        # an excluded level is no filter to offer, nor is a name cut out of an expression
        for typed in ("проекты -СПО", "-СПО", "проекты НЕ СПО", "проекты NOT СПО", "проект -(СПО школа)",
                      "СПО ИЛИ вуз", "(СПО OR школа)", "олимпиады НОО AND проекты"):
            assert hint(q=typed) is None, typed
        assert hint(q="олимпиады -проекты НОО") is not None  # another word excluded: the level stays asked for

    def test_a_subject_named_in_the_query_is_offered_as_the_subject_filter(self, demo_client):
        """«музыка» missed the one practice tagged with the subject (it writes «музыкальной»), «иностранный язык»
        ranked its practice seventh: as for a level, the page offers the subject's filter with the rest of the
        query."""
        def hint(**args) -> str | None:
            page = demo_client.get("/search", query_string=args).get_data(as_text=True)
            found = re.search(r'<p class="suggestion">Предмет из запроса: (.*?)</p>', page, re.S)
            return found and found.group(1)

        whole = demo_client.get("/api/v1/search", query_string={"subject": "music"}).json["total"]
        assert whole
        for typed in ("музыка", "Музыки"):
            assert hint(q=typed) == (f'<a href="/search?subject=music">показать только «Музыка»</a> ({whole} '
                                     f'{"материал" if whole == 1 else "материала" if whole < 5 else "материалов"})'
                                     ), typed
        foreign = demo_client.get("/api/v1/search", query_string={"subject": "foreign_language"}).json["total"]
        assert hint(q="иностранный язык").startswith(
            f'<a href="/search?subject=foreign_language">показать только «Иностранный язык»</a> ({foreign} ')
        assert hint(q="английский язык").startswith('<a href="/search?subject=foreign_language">')  # another name
        at_subject = demo_client.get("/api/v1/search", query_string={"q": "олимпиады", "subject": "mathematics"}).json
        assert at_subject["total"]
        assert hint(q="олимпиады по математике").startswith(
            '<a href="/search?q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF%D0%B8%D0%B0%D0%B4%D1%8B&amp;subject=mathematics">'
            f'«олимпиады» — показать только «Математика»</a> ({at_subject["total"]} материал')
        # only a function word left beside the name («математике по», typed before the rest): the subject alone
        assert hint(q="математике по") == hint(q="математика") is not None
        # the name of a subject inside a longer one is that one's: «родной язык и литература» is one subject
        assert hint(q="родной язык и литература").startswith('<a href="/search?subject=native_language">')
        assert hint(q="олимпиады") is None  # no subject named
        assert hint(q="музыка", subject="music") is None  # the filter is on already
        assert hint(q="физика и математика") is None  # two subjects: which one is meant is not clear
        assert hint(q='"музыка"') is None  # asked for as typed
        assert hint(q="музыка абракадабраксфф") is None  # nothing there
        for typed in ("проекты -музыка", "проекты НЕ музыка", "проекты NOT музыка", "музыка ИЛИ физика",
                      "(музыка OR школа)"):
            assert hint(q=typed) is None, typed
        # the rest of the query is shown escaped
        assert hint(q="олимпиады <b> по математике").startswith(
            '<a href="/search?q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF%D0%B8%D0%B0%D0%B4%D1%8B+%3Cb%3E&amp;'
            'subject=mathematics">'
            '«олимпиады &lt;b&gt;» — показать только «Математика»</a>')

    @pytest.mark.parametrize(("typed", "code", "rest"), [
        ("игры дошкольное", "preschool", "игры"), ("развитие речи дошкольного", "preschool", "развитие речи"),
        ("игры в детском саду", "preschool", "игры"), ("проекты ДОО", "preschool", "проекты"),
        ("проекты ДОУ", "preschool", "проекты"), ("проекты начальная школа", "primary", "проекты"),
        ("проекты в начальной школе", "primary", "проекты"), ("исследования младших школьников", "primary",
                                                                  "исследования"),
        ("проекты основная школа", "basic", "проекты"), ("проекты в основной школе", "basic", "проекты"),
        ("проекты старшая школа", "secondary", "проекты"), ("проекты старшеклассников", "secondary", "проекты"),
        ("проекты колледж", "vocational", "проекты"), ("проекты в техникуме", "vocational", "проекты"),
        # «и» before a level's name with no other level before it, a word after it that names none
        ("игры и дошкольное образование", "preschool", "игры и"), ("игры в детском саду в группе", "preschool",
                                                                  "игры в группе"),
        # «повышение квалификации» is a topic in a query (ДПО only in a registry's level column)
        ("повышение квалификации воспитателей ДОУ", "preschool", "повышение квалификации воспитателей"),
        ("курсы повышения квалификации в детском саду", "preschool", "курсы повышения квалификации"),
    ])
    def test_a_level_named_in_everyday_words_is_offered_too(self, demo_client, typed, code, rest):
        """«в детском саду», «младших школьников», «колледж» name a level as often as «ДОО», «НОО», «СПО»."""
        args = {"q": typed, "per_page": 1}
        assert demo_client.get("/api/v1/search", query_string=args).json["total"]  # the query is searched as typed
        page = demo_client.get("/search", query_string={"q": typed}).get_data(as_text=True)
        found = re.search(r'<p class="suggestion">Уровень из запроса: <a href="([^"]*)">(.*?)</a>', page, re.S)
        assert found, typed
        label = next(level["name"] for level in LEVELS if level["code"] == code)
        assert found.group(2) == f"«{rest}» — показать только «{label}»", typed
        assert f"level={code}" in found.group(1)

    @pytest.mark.parametrize("typed", [
        "игры -дошкольное", "проекты не в детском саду", "проекты НЕ колледж", "проекты колледж OR школа",
        # two levels side by side: the query is about both (continuity), neither filter alone is what it asks for
        "преемственность дошкольного и начального образования", "преемственность детского сада и начальной школы",
        "проекты ДОО и НОО",
        # the other level first, joined by «и»/«или» («начального» alone names no level), or the step from one level
        # to the next: the query is about both too
        "преемственность начального и дошкольного образования", "проекты начальной или основной школы",
        "переход из начальной школы в основную", "переход из детского сада в начальную школу",
        "переход от детского сада к начальной",
        # the step to a word that names no level alone: still a move from one level to another
        "переход из детского сада в школу", "адаптация при переходе от детского сада к школе",
        # a word of several levels («средняя школа»: grades 1–11, 5–11 or 10–11; «вуз»: three levels) names none
        "проекты в средней школе", "олимпиады в вузе",
        # a topic's synonym that a registry reads as a level (ДПО) names none in a query
        "повышение квалификации учителей физики",
    ])
    def test_no_everyday_level_hint_for_an_excluded_word_an_expression_or_two_levels(self, demo_client, typed):
        page = demo_client.get("/search", query_string={"q": typed}).get_data(as_text=True)
        assert "Уровень из запроса" not in page, typed

    @pytest.mark.parametrize("raw", ["%00", "%00%01", "%01%20%7F"])
    def test_a_query_of_control_characters_only_says_it_has_no_word(self, demo_client, raw):
        """«?q=%00» listed everything as an empty query, without the notice an emoji-only query gets: the request
        drops control characters before the search reads its text."""
        for path in ("/search", "/api/v1/search"):
            response = demo_client.get(f"{path}?q={raw}")
            assert response.status_code == 200
            if path == "/api/v1/search":
                assert response.json["notice"] == NOTICE_NO_WORDS and response.json["total"]
            else:
                assert f'<p class="notice" role="status">{NOTICE_NO_WORDS}</p>' in response.get_data(as_text=True)
        assert "notice" not in demo_client.get("/api/v1/search?q=").json  # nothing typed: nothing to say

    def test_a_query_in_the_wrong_keyboard_layout_finds_what_it_meant(self, demo_client):
        meant = demo_client.get("/api/v1/search", query_string={"q": "профориентация"}).json
        body = demo_client.get("/api/v1/search", query_string={"q": "ghjajhbtynfwbz"}).json
        assert body["suggestion"] == "профориентация"
        assert [r["id"] for r in body["results"]] == [r["id"] for r in meant["results"]] and body["total"]
        page = demo_client.get("/search", query_string={"q": "ghjajhbtynfwbz"}).get_data(as_text=True)
        assert "показаны результаты по запросу «профориентация»" in page

    def test_a_whole_word_with_a_star_is_the_word_and_a_start_among_words_is_completed(self, demo_client):
        """«наставничество*» said the start of a word is not searched; «олимп* математика» said so without offering
        anything, as «олимп*» alone did; «робот*» (a word, and the start of «робототехники») keeps both."""
        def api(q: str) -> dict:
            return demo_client.get("/api/v1/search", query_string={"q": q}).json

        whole = api("наставничество*")
        assert (whole.get("notice"), whole["suggestion"]) == (None, None)
        assert whole["total"] == api("наставничество")["total"] > 0
        page = demo_client.get("/search", query_string={"q": "наставничество*"}).get_data(as_text=True)
        assert "не поддерживается" not in page and "Возможно, вы имели в виду" not in page
        robot = api("робот*")
        assert (robot["notice"], robot["suggestion"]) == (NOTICE_PREFIX.format(word="робот"), "робототехники")
        assert api("робототехники")["total"] > api("робот")["total"]
        olympiad = api("олимп* математика")
        assert NOTICE_PREFIX.format(word="олимп") in olympiad["notice"] and olympiad["total"]
        assert olympiad["suggestion"] == "олимпиады математика" and api(olympiad["suggestion"])["total"]
        page = demo_client.get("/search", query_string={"q": "олимп* математика"}).get_data(as_text=True)
        assert "Возможно, вы имели в виду" in page and "олимпиады математика</a>" in page

    def test_multi_select_facets_keep_other_values_and_widen(self, demo_client):
        def api(**params):
            return demo_client.get("/api/v1/search", query_string={"type": "practice", **params}).json

        one = api(region="RU-CHE")
        counts = {f["value"]: f["count"] for f in one["facets"]["region"]}
        assert counts["RU-CHE"] == one["total"] and counts["RU-SMO"] > 0  # other regions stay countable
        both = api(region=["RU-CHE", "RU-SMO"])
        assert both["total"] == counts["RU-CHE"] + counts["RU-SMO"]
        page = demo_client.get("/search?type=practice&region=RU-CHE").get_data(as_text=True)
        assert 'href="/search?type=practice&amp;region=RU-CHE&amp;region=RU-SMO"' in page
        assert 'data-facet-filter="region"' in page


def test_a_thesaurus_topic_named_by_the_query_finds_documents_filed_under_it(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Город мастеров", body="Профориентация дошкольников."),
        IndexDocument(id="practice:2", type="practice", title="Профессиональные пробы", body="Колледж и школы.",
                      topic=["career_guidance"]),
        IndexDocument(id="practice:3", type="practice", title="Театр", body="Школьный театр.", topic=["upbringing"]),
    ])
    table = SynonymTable([], concepts=[("topic", "career_guidance", ["Профориентация", "выбор профессии"])])
    assert [hit.id for hit in index.search(SearchQuery(text="профориентации", synonyms=table)).hits] == [
        "practice:1", "practice:2",
    ]
    assert [hit.id for hit in index.search(SearchQuery(text="профориентации")).hits] == ["practice:1"]


def test_the_global_school_laboratory_is_globallab(tmp_path: Path):
    """The Smolensk resolution writes «Глобальной школьной лаборатории («ГлобалЛаб»)»; the full name did not find
    the texts that write the short one (only «глобальная» reached «ГлобалЛаб», as a word of the same root, among
    the texts with some of the words)."""
    from kb.search.synonyms import synonym_groups

    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title="Проекты на платформе ГлобалЛаб", body="Опыт."),
                 IndexDocument(id="practice:2", type="practice", title="Школьная лаборатория химии", body="Опыт."),
                 IndexDocument(id="practice:3", type="practice", title="Уроки онлайн", body="Опыт.", topic=["dot"])])
    # «ГлобалЛаб» names a topic of the thesaurus: so does its full name
    table = SynonymTable(synonym_groups([]), concepts=[("topic", "dot", ["Дистанционное обучение", "ГлобалЛаб"])])
    result = index.search(SearchQuery(text="Глобальная школьная лаборатория", partial=False, synonyms=table))
    assert [hit.id for hit in result.hits] == ["practice:1", "practice:3"] and result.notice is None


@pytest.mark.parametrize("typed", ["талантливые дети", "способные дети", "высокомотивированные дети",
                                   "одарённые дети", "высоко мотивированные дети"])
def test_a_run_of_words_naming_a_topic_keeps_the_synonyms_of_each_word(tmp_path: Path, typed):
    """«талантливые дети» names the topic of gifted children as a whole, and only the topic was added: the synonym
    «талантливые» → «одарённые» was lost, and a text about «одарённых детей» not filed under the topic was missed.
    «высоко мотивированные дети», written apart as in the Chelyabinsk resolution, names the topic as well."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Работа с одарёнными детьми", body="Опыт."),
        IndexDocument(id="practice:2", type="practice", title="Кружок", body="Опыт.", topic=["gifted"]),
        IndexDocument(id="practice:3", type="practice", title="Работа с детьми", body="Опыт."),
    ])
    phrases = ["Сопровождение одарённых детей", "одарённые дети", "талантливые дети", "способные дети",
               "высокомотивированные дети"]
    table = SynonymTable(synonym_groups([]), concepts=[("topic", "gifted", phrases)])
    assert sorted(hit.id for hit in index.search(SearchQuery(text=typed, synonyms=table, partial=False)).hits) == [
        "practice:1", "practice:2"]


@pytest.mark.parametrize("scorer", ["numpy", "whoosh"])
def test_inside_a_run_a_text_with_only_a_synonym_scores_for_the_synonym(tmp_path: Path, monkeypatch, scorer):
    """A word of a run and its synonyms score as the best of them (not their sum); whoosh's DisjunctionMaxMatcher
    scored a text with only «одарённых» as the next text with «способных», and «способные дети» put a text that
    never says «способные» first. Both scorers: the numpy one and, where it gives up, whoosh's matchers."""
    if scorer == "whoosh":
        from indexer.scoring import Scores

        monkeypatch.setattr(Scores, "of", lambda self, q, among=None: None)
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Кружок", body="Одарённые дети."),
        IndexDocument(id="practice:2", type="practice", title="Способные ученики",
                      body="Маршрут способного ученика: способные дети в основной школе, опыт и методика работы."),
    ])
    table = SynonymTable(synonym_groups([]), concepts=[("topic", "gifted", ["одарённые дети", "способные дети"])])
    hits = index.search(SearchQuery(text="способные дети", synonyms=table, partial=False)).hits
    assert [hit.id for hit in hits] == ["practice:2", "practice:1"]


def test_inside_a_run_the_words_typed_come_before_a_synonym_in_a_title(tmp_path: Path):
    """«способные дети» names the topic; a text about «способных детей» comes before one that only has the synonym
    «одарённые», even in its title (judged so in bench/search_queries.json: q08)."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Одарённые дети", body="Опыт школы."),
        IndexDocument(id="practice:2", type="practice", title="Кружок",
                      body="Способные дети и способные ученики школы."),
    ])
    table = SynonymTable(synonym_groups([]), concepts=[("topic", "gifted", ["одарённые дети", "способные дети"])])
    hits = index.search(SearchQuery(text="способные дети", synonyms=table, partial=False)).hits
    assert [hit.id for hit in hits] == ["practice:2", "practice:1"]


def test_words_of_the_same_root_are_found_below_the_word_itself(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Школьный музей", body="Краеведческий музей школы."),
        IndexDocument(id="practice:2", type="practice", title="Кружок", body="Краеведение для подростков."),
        IndexDocument(id="practice:3", type="practice", title="Кружок", body="Края и ведение записей."),
    ])
    table = SynonymTable([])
    assert [hit.id for hit in index.search(SearchQuery(text="краеведение", synonyms=table)).hits] == [
        "practice:2", "practice:1",
    ]
    assert [hit.id for hit in index.search(SearchQuery(text="краеведение")).hits] == ["practice:2"]


def test_words_of_removed_documents_are_never_suggested(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Шахматный клуб", body="Игра в шахматы."),
        IndexDocument(id="practice:2", type="practice", title="Черновик", body="Кванториум и шахматы."),
    ])
    assert index.search(SearchQuery(text="квантариум")).suggestion == "кванториум"
    index.apply(deletes=["practice:2"])  # unpublished: its words stay in the segment until a merge
    assert index.search(SearchQuery(text="квантариум")).suggestion is None
    assert index.search(SearchQuery(text="шахмтаы")).suggestion == "шахматы"


def test_an_index_built_by_an_older_version_is_unavailable_until_rebuilt(tmp_path: Path):
    folder = tmp_path / "index"
    folder.mkdir()
    old = fields.Schema(id=fields.ID(unique=True, stored=True), title=fields.TEXT(analyzer=russian_analyzer()))
    index.create_in(str(folder), old)
    ix = SearchIndex(folder, create=False)
    with pytest.raises(IndexUnavailable, match="annotation"):
        ix.search(SearchQuery(text="опыт"))
    with pytest.raises(IndexUnavailable, match="rebuild"):
        ix.apply([IndexDocument(id="practice:1", type="practice", title="Опыт", body="")])
    ix.rebuild([IndexDocument(id="practice:1", type="practice", title="Опыт", body="")])
    assert ix.search(SearchQuery(text="опыт")).total == 1


def test_short_abbreviations_keep_apart_and_a_pronoun_is_no_abbreviation(tmp_path: Path):
    """Stemmed, НОО and НОУ both became «но» (ФГОС НОО found school science societies), ИИ and ИОМ «и», and «мой»
    became «мо», so «мой край» searched for methodical associations (МО)."""
    table = SynonymTable([["НОУ", "научное общество учащихся"], ["НОО", "начальное общее образование"],
                          ["ИОМ", "индивидуальный образовательный маршрут"], ["МО", "методическое объединение"]])
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Проектные задачи по ФГОС НОО", body="Для 1–4 классов."),
        IndexDocument(id="practice:2", type="practice", title="Научное общество учащихся «Поиск»",
                      body="Секции НОУ для старшеклассников."),
        IndexDocument(id="practice:3", type="practice", title="ИОМ одарённого ребёнка", body="Маршрут на год."),
        IndexDocument(id="practice:4", type="practice", title="Моя семья — мой край", body="Краеведение в 5 классе."),
        IndexDocument(id="practice:5", type="practice", title="Работа МО учителей", body="Методическое объединение."),
    ])

    def found(text: str) -> list[str]:
        return [hit.id for hit in index.search(SearchQuery(text=text, synonyms=table)).hits]

    assert found("НОО") == ["practice:1"] and found("ноо") == ["practice:1"]
    assert found("ФГОС НОО") == ["practice:1"]
    assert found("НОУ") == ["practice:2"]
    assert found("ИИ") == [] and found("ИОМ") == ["practice:3"]
    assert found("мой край") == ["practice:4"]  # «край» alone: «мой» is a function word
    assert found("МО") == ["practice:5"]


def test_an_index_of_an_older_analysis_is_rebuilt_before_it_is_searched(tmp_path: Path, monkeypatch):
    """Its terms are not what a query makes now («но» for НОО): it is unavailable, as an index without the fields
    this code searches is, and `reindex` (or the writer, which rebuilds what is unavailable) makes it anew."""
    with monkeypatch.context() as older_code:
        for module in ("indexer.analysis", "indexer.index"):
            older_code.setattr(f"{module}.ANALYSIS_VERSION", ANALYSIS_VERSION - 1)
        SearchIndex(tmp_path / "index").apply(DOCUMENTS)
    current = SearchIndex(tmp_path / "index")
    with pytest.raises(IndexUnavailable, match=f"analysis version {ANALYSIS_VERSION - 1}"):
        current.doc_count()
    current.rebuild(iter(DOCUMENTS))
    assert current.doc_count() == len(DOCUMENTS)


def test_a_word_joined_by_a_hyphen_or_slash_falls_back_to_its_words(tmp_path: Path):
    """«онлайн-урок» is the phrase «онлайн урок»: where no text has it, its words still find something (they found
    nothing, with no notice). The phrase itself stays first; a phrase in quotes is kept as asked."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Уроки онлайн для сельской школы",
                      body="Каждый урок проходит в сети."),
        IndexDocument(id="practice:2", type="practice", title="Онлайн-урок по физике", body="Опыт."),
        IndexDocument(id="practice:3", type="practice", title="Олимпиада по математике", body="Конкурс задач."),
    ])

    def found(text: str) -> list[str]:
        return [hit.id for hit in index.search(SearchQuery(text=text, synonyms=TABLE)).hits]

    assert found("онлайн-уроки") == ["practice:2", "practice:1"]
    assert found("олимпиада/конкурс") == ["practice:3"]
    assert found('"онлайн уроки"') == ["practice:2"]
    result = index.search(SearchQuery(text="онлайн-семинар уроки"))
    assert [hit.id for hit in result.hits] == ["practice:1", "practice:2"] and result.notice == NOTICE_RELAXED


def test_an_excluded_word_is_not_looked_for_among_the_words_of_a_hyphenated_one(tmp_path: Path):
    """«онлайн-курс -химии» and «научно-практическая -конференция» showed texts with «химии» and «конференции» marked:
    the words of a hyphenated word, looked for when few texts have it, were all the words typed, the excluded too."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Онлайн-курс по физике", body="Опыт."),
        IndexDocument(id="practice:2", type="practice", title="Курс химии онлайн", body="Опыт."),
        IndexDocument(id="practice:3", type="practice", title="Курс рисования", body="Опыт."),
        IndexDocument(id="practice:4", type="practice", title="Научно-практическая конференция", body="Опыт."),
        IndexDocument(id="practice:5", type="practice", title="Практическая работа по физике", body="Опыт."),
    ])
    for synonyms in (None, TABLE):
        def found(text: str, synonyms: SynonymTable | None = synonyms) -> list[str]:
            return [hit.id for hit in index.search(SearchQuery(text=text, synonyms=synonyms)).hits]

        assert found("онлайн-курс -химии") == ["practice:1", "practice:3"]
        assert found("онлайн-курс") == ["practice:1", "practice:2", "practice:3"]
        assert found("научно-практическая -конференция") == ["practice:5"]
        assert found("онлайн-курс ANDNOT химии") == ["practice:1", "practice:3"]


@pytest.mark.parametrize(("typed", "written"), [
    ("информационно-коммуникационные технологии", "Использование ИКТ на уроках"),
    ("научно-практическая конференция", "Школьная НПК как итог года"),
    ("психолого-медико-педагогическая комиссия", "Работа ПМПК района"),
    ("ИКТ", "Информационно-коммуникационные технологии на уроках"),
    ("ОГЭ/ЕГЭ", "Подготовка к основному государственному экзамену"),
    ("видеоконференц-связь", "Совещания по ВКС"),  # its parts written solid are the expansion
])
def test_a_full_form_typed_with_a_hyphen_or_slash_finds_its_abbreviation(tmp_path: Path, typed, written):
    """Typed with spaces, «информационно коммуникационные технологии» found «ИКТ»; with its hyphen, as it is
    written, it did not: the hyphenated word is a phrase of its parts, and only runs of single words were looked up
    among the abbreviations. In quotes it is searched as typed."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title=written, body="Опыт."),
                 IndexDocument(id="practice:2", type="practice", title="Другое", body="Опыт.")])
    table = SynonymTable(synonym_groups([]))
    assert [hit.id for hit in index.search(SearchQuery(text=typed, synonyms=table)).hits] == ["practice:1"]
    if "-" in typed:
        assert index.search(SearchQuery(text=f'"{typed}"', synonyms=table)).hits == []


@pytest.mark.parametrize(("typed", "meant"), [("адаренные", "одаренные"), ("оттестация", "аттестация"),
                                              ("испытание", None)])
def test_an_unstressed_first_vowel_written_wrong_is_corrected(tmp_path: Path, typed, meant):
    """Candidates began with the typed first letter only, so the commonest slip of all went uncorrected."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Одаренные дети", body="Аттестация педагогов."),
        IndexDocument(id="practice:2", type="practice", title="Испытание", body="Опыт."),
    ])
    assert index.search(SearchQuery(text=typed)).suggestion == meant


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("if[vfns", "шахматы"),  # «[» is the key of «х»
        ("If[vfnysq rke,", "Шахматный клуб"),  # Shift, and «,» for «б» at the end of a word
        ("j,extybt", "обучение"),
        ("«ifivfns»", "«шашматы»"),
        ("шахматы rke,", "шахматы клуб"),  # only the run typed in the wrong layout changes
        # ё folded, as in every suggestion; a capital inside a word (Shift on «~» for «ё») in small letters
        ("ex~ys[", "ученых"), ("ex`ys[", "ученых"), ("IF[VFNS", "ШАХМАТЫ"), ("if[VFns", "шахматы"),
    ],
)
def test_words_typed_in_the_english_layout_are_retyped(tmp_path: Path, typed, meant):
    """A teacher who forgot to switch the keyboard got «ничего не найдено» for «if[vfns» (шахматы)."""
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Шахматный клуб", body="Игра в шахматы, обучение."),
        IndexDocument(id="practice:2", type="practice", title="Шашматы", body="Опыт учёных."),
    ])
    result = index.search(SearchQuery(text=typed))
    assert result.suggestion == meant
    assert result.notice == NOTICE_CORRECTED.format(suggestion=meant)  # and nothing about «[» simplified away
    assert result.hits


def test_latin_words_the_bank_has_or_that_are_no_russian_word_stay_as_typed(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title="Программирование в Scratch",
                               body="Ыскфеср ghjuhfvvf: проект.")])
    assert index.search(SearchQuery(text="Scratch")).suggestion is None  # «Ысктфеср» would be its retyping
    assert index.search(SearchQuery(text="ghjuhfvvf")).suggestion is None  # indexed as written
    assert index.search(SearchQuery(text="Scratch ghjtrn")).suggestion == "Scratch проект"
    for text in ("lego", "ok", "web", "ghj123"):
        assert index.search(SearchQuery(text=text)).suggestion is None, text


def test_a_three_letter_retyping_must_be_a_word_the_bank_has_as_written(tmp_path: Path):
    """«her» is the keys of «рук», a form of «рука»: with «руки» in the bank it was offered as «рук»."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title="Мелкая моторика руки",
                               body="Дом творчества, игры для рук и пальцев.")])
    assert index.search(SearchQuery(text="ljv")).suggestion == "дом"
    index.apply([IndexDocument(id="practice:1", type="practice", title="Мелкая моторика руки",
                               body="Дом творчества, игры для пальцев.")])
    assert index.search(SearchQuery(text="her")).suggestion is None  # «рук» is no longer written anywhere
    assert index.search(SearchQuery(text="herb")).suggestion == "руки"


@pytest.mark.parametrize(("typed", "meant"), [
    ("экономических", None),  # a dictionary word the bank lacks: it was «экологических»
    ("мировой опыт", None),  # was «миронов опыт», one result instead of the documents with «опыт»
    ("ТРИЗ", None),  # an abbreviation in capitals was «три»
    ("экалогических", "экологических"),  # a misspelling still is one
    ("ЭКАЛОГИЧЕСКИХ ПРОЕКТОВ", "ЭКОЛОГИЧЕСКИХ ПРОЕКТОВ"),  # Caps Lock: its long words are no abbreviations
])
def test_only_words_the_dictionary_does_not_know_are_corrected(tmp_path: Path, typed, meant):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Экологических проектов три", body="Опыт."),
        IndexDocument(id="practice:2", type="practice", title="Опыт школы", body="Миронов рассказывает."),
    ])
    result = index.search(SearchQuery(text=typed))
    assert result.suggestion == meant
    if typed == "мировой опыт":
        assert [hit.id for hit in result.hits] == ["practice:2", "practice:1"] and result.notice == NOTICE_RELAXED


def test_a_facet_number_is_what_choosing_it_gives_when_few_have_every_word(tmp_path: Path):
    """Few documents with every word: partial matches follow them. That was decided after the filters, while the
    numbers beside the values counted the full matches only: «Челябинская область 8» gave «Найдено: 22»."""
    from datetime import datetime

    def bank(folder: str, full: int) -> SearchIndex:
        index = SearchIndex(tmp_path / folder)
        index.apply([IndexDocument(
            id=f"practice:{n}", type="practice", body="Опыт.", date=datetime(2000 + n, 1, 1),
            title="Школьное научное общество" if n < full else ("Научное общество" if n % 2 else "Школьный театр"),
            region=["RU-MOW" if n % 10 == 0 else "RU-CHE" if n % 2 else "RU-SMO"],
            level=["primary" if n % 3 else "basic"]) for n in range(40)])
        return index

    text = "школьное научное общество"
    for folder, full in (("many", 12), ("few", 3)):  # 12 with every word (2 in RU-MOW); 3 (partial ones follow)
        index = bank(folder, full)
        result = index.search(SearchQuery(text=text))
        assert result.total == (12 if full == 12 else 40)
        checked = 0
        for name in ("region", "level"):
            for value, count in result.facets[name]:
                chosen = index.search(SearchQuery(text=text, filters={name: [value]}))
                assert chosen.total == count, (folder, name, value)
                checked += 1
        assert checked == 5
    # Sorted by date, the documents with every word come first as well (the newest partial ones are newer).
    by_date = index.search(SearchQuery(text=text, sort="date"))
    assert [hit.id for hit in by_date.hits[:3]] == ["practice:2", "practice:1", "practice:0"]
    assert by_date.total == 40 and by_date.notice == NOTICE_PARTIAL.format(count=3)


@pytest.mark.parametrize(("typed", "written"), [
    ("скретч", "Программирование в Scratch"), ("Scratch", "Уроки скретч для младших"),
    ("лего", "Конструирование Lego"), ("ГИА", "Подготовка к государственной итоговой аттестации"),
    ("физкультура", "Уроки физической культуры"), ("ТРИЗ", "Теория решения изобретательских задач"),
    ("МЭШ", "Уроки в Московской электронной школе"),
    ("пиза", "Задания в формате PISA"), ("PISA", "Задания формата ПИЗА"), ("айти", "Профориентация в ИТ"),
    ("ИТ", "Кружок информационных технологий"), ("информационные технологии", "ИТ-класс в школе"),
    ("ИППК", "Курсы в Челябинском институте переподготовки и повышения квалификации работников образования"),
    ("ИПК", "Стажировка в институте повышения квалификации"),
    ("ИПКРО", "Курсы института повышения квалификации работников образования"),
    ("ЦДО", "Кружки центра дополнительного образования"), ("центр дополнительного образования", "МБУ ДО «ЦДО»"),
    ("ЧИППКРО", "ГБУ ДПО «Челябинский институт переподготовки и повышения квалификации работников образования»"),
    ("ГлобалЛаб", "Методисты Глобальной школьной лаборатории"),
    ("высоко мотивированные", "Работа с высокомотивированными детьми"),
    ("высоко мотивированные", "Работа с одарёнными детьми"),
    ("высокомотивированные", "Поддержка высоко мотивированных обучающихся"),
])
def test_the_banks_own_groups_join_what_teachers_write_either_way(tmp_path: Path, typed, written):
    """The sweep of teachers' queries: лего ≠ LEGO, скретч ≠ Scratch, ГИА, МЭШ, ТРИЗ and физкультура unknown."""
    from kb.search.synonyms import synonym_groups

    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title=written, body="Опыт."),
                 IndexDocument(id="practice:2", type="practice", title="Другое", body="Опыт.")])
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([]))))
    assert [hit.id for hit in result.hits] == ["practice:1"], typed


@pytest.mark.parametrize("text", ["8 класс", "для 8 класса", "8 классе"])
def test_a_number_beside_its_word_ranks_the_texts_that_have_them_together(tmp_path: Path, text):
    """«Финансовая грамотность в 8 классе» came 18th for «8 класс»: texts with «8» in one place and «классов» in
    another scored the same words higher. The phrase ranks; it does not narrow (all of them still match)."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id=f"practice:{n}", type="practice", title=f"Из 8 школ: опыт классов ({n})",
                               body="Опыт классов: 8 групп, 8 кружков, классов много, классов 8 и больше.")
                 for n in range(1, 6)]
                + [IndexDocument(id="practice:9", type="practice", title="Финансовая грамотность в 8 классе",
                                 body="Деловая игра.")])
    result = index.search(SearchQuery(text=text))
    assert result.hits[0].id == "practice:9" and result.total == 6


@pytest.mark.parametrize("text", ["Лицей № 15", "лицей №15", "Лицей N 15", "Лицей No 15", "лицей 15"])
def test_a_number_sign_stands_between_a_word_and_its_number_for_nothing(tmp_path: Path, text):
    """«Лицей № 15» ranked «Лицей № 188» first while «лицей 15» was right: «№» is no word, and the query with it was
    no text of plain words the phrase of a number and its word is made for. «№», and «N», «No» before a number, are
    passed over as the index passes over «№»."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id=f"practice:{n}", type="practice", title=f"Лицей № 188: опыт ({n})",
                               body="В лицее кружков 15 и секций 15, лицей открыт лет 15, классов 15 у лицея.")
                 for n in range(1, 6)]
                + [IndexDocument(id="practice:9", type="practice", title="Деловая игра",
                                 body="Опыт МАОУ «Лицей № 15».")])
    result = index.search(SearchQuery(text=text))
    assert result.hits[0].id == "practice:9" and result.total == 6


@pytest.mark.parametrize(("text", "written"), [
    ("8 класс", "в 8-м классе"), ("для 8 класса", "для 8-го класса"), ("8-й класс", "8-й класс"),
    ("8 классе", "в 8-м классе"), ("10 классе", "в 10-м классе"), ("5-го класса", "для 5-го класса"),
])
def test_a_number_with_its_ordinal_ending_beside_its_word_ranks_as_the_number(tmp_path: Path, text, written):
    """«Финансовая грамотность в 8-м классе» was found but not raised as «… в 8 классе» was: the ending stood
    between the number and its word, and the phrase of the two did not match."""
    number = re.search(r"\d+", text).group()
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id=f"practice:{n}", type="practice", title=f"Из {number} школ: опыт классов ({n})",
                               body=f"Опыт классов: {number} групп, {number} кружков, классов {number} и больше.")
                 for n in range(1, 6)]
                + [IndexDocument(id="practice:9", type="practice", title=f"Финансовая грамотность {written}",
                                 body="Деловая игра.")])
    result = index.search(SearchQuery(text=text))
    assert result.hits[0].id == "practice:9" and result.total == 6


SPACES_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Проектная деятельность в 5 классе на платформе ГлобалЛаб",
                  body="Онлайн-урок для одарённых детей, ОГЭ 2024. Робототехника, проекты младших школьников."),
    IndexDocument(id="practice:2", type="practice", title="Другое", body="Опыт."),
]


@pytest.mark.parametrize(("typed", "meant"), [
    # typed without their space: «проектнаядеятельность», «5класс» found nothing and offered nothing
    ("проектнаядеятельность", "проектная деятельность"), ("онлайнурок", "онлайн урок"),
    ("огэ2024", "огэ 2024"), ("одаренныедети", "одаренные дети"),
    ("проектнаяящерица", None),  # one half the bank does not know: nothing to offer
    # one word typed with a space inside
    ("глобал лаб", "глобаллаб"), ("Глобал Лаб проекты", "Глобаллаб проекты"), ("робото техника", "робототехника"),
    ("глобал проекты", None),  # nothing to join it with
])
def test_words_typed_without_their_space_or_with_one_too_many_are_found(tmp_path: Path, typed, meant):
    """The sweep of teachers' queries: missing and extra spaces; the typed text found nothing."""
    index = SearchIndex(tmp_path / "index")
    index.apply(SPACES_BANK)
    result = index.search(SearchQuery(text=typed))
    assert result.suggestion == meant
    if meant:
        assert [hit.id for hit in result.hits] == ["practice:1"]
        # a long word a text writes with a hyphen («Онлайн-урок») finds the phrase of its parts as typed (a
        # compound written solid); the others are corrected
        assert result.notice == (None if typed == "онлайнурок" else NOTICE_CORRECTED.format(suggestion=meant))
    elif " " not in typed:  # one glued word the bank cannot split: nothing found
        assert result.hits == []


def test_a_word_in_quotes_is_searched_as_typed(ix):
    """«"ШНО"» in quotes still found «школьное научное общество» and «"талантливые"» «одарённые»: quotes ask for
    the word itself."""
    def found(text):
        return sorted(hit.id for hit in ix.search(SearchQuery(text=text, synonyms=TABLE)).hits)

    assert found("ШНО") == ["practice:1", "practice:2"]
    assert found('"ШНО"') == found("«ШНО»") == ["practice:1"]
    assert found('"ВКС" сельские') == ["practice:4"] and "practice:3" in found("ВКС")
    assert found('"школьное научное общество"') == ["practice:2"]  # a phrase is a phrase, as before


def test_ili_in_capitals_is_or(ix):
    """«ШНО ИЛИ ВКС» found nothing with both words, and then the partial matches came with «часть слов»."""
    result = ix.search(SearchQuery(text="ШНО ИЛИ ВКС", synonyms=TABLE))
    assert result.notice is None
    assert sorted(hit.id for hit in result.hits) == sorted(
        hit.id for hit in ix.search(SearchQuery(text="ШНО OR ВКС", synonyms=TABLE)).hits)
    assert {"practice:1", "practice:4"} <= {hit.id for hit in result.hits}


@pytest.mark.parametrize("text", ["ШНО OR ВКС", "ШНО ИЛИ ВКС", "(ШНО OR ВКС) занятия OR общества"])
def test_words_joined_by_or_are_expanded_each(ix, text):
    """The parser flattened «ШНО OR ВКС» into one list of terms, where the words could no longer be told apart:
    neither «школьное научное общество» nor «видеоконференцсвязь» was found."""
    found = {hit.id for hit in ix.search(SearchQuery(text=text, synonyms=TABLE)).hits}
    assert {"practice:1", "practice:2", "practice:3", "practice:4"} <= found
    assert "practice:7" not in found


def test_an_or_of_quoted_words_stays_as_typed(ix):
    assert sorted(hit.id for hit in ix.search(SearchQuery(text='"ШНО" OR "ВКС"', synonyms=TABLE)).hits) == [
        "practice:1", "practice:4"]


def test_words_of_an_expansion_are_marked_only_where_the_phrase_is(ix):
    """«ШНО» looks for «школьное научное общество» too, and the word «общества» of practice 1 («Работа общества по
    секциям») was marked out of context, its snippet taken there instead of the title that names ШНО."""
    found = ix.search(SearchQuery(text="ШНО", synonyms=TABLE)).hits
    snippets = {hit.id: (hit.snippet, hit.snippet_field) for hit in found}
    assert snippets["practice:1"] == ("<mark>ШНО</mark> «Открытие»", "title")
    assert snippets["practice:2"][0].startswith("<mark>Школьное</mark> <mark>научное</mark> <mark>общество</mark>")
    phrase = ix.search(SearchQuery(text="научное общество ШНО", synonyms=TABLE)).hits
    assert {hit.id: hit.snippet for hit in phrase}["practice:2"].startswith(
        "<mark>Школьное</mark> <mark>научное</mark>")
    typed = ix.search(SearchQuery(text="общества", synonyms=TABLE)).hits
    assert "<mark>общества</mark>" in {hit.id: hit.snippet for hit in typed}["practice:1"], "a typed word is marked"


def test_words_of_an_expansion_are_marked_only_in_the_whole_phrase(tmp_path: Path):
    """«МЭШ» looks for «Московская электронная школа» too: a word of it beside another match was enough, so
    «Мобильной электронной школы» and «Электронные» were marked and the snippet taken there, without «МЭШ»."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(
        id="practice:1", type="practice", title="Смешанное обучение",
        body="Уроки на платформе «Мобильной электронной школы». Электронные задания проверяются сразу. "
             + "Ученики решают задачи и обсуждают решения в группах. " * 12
             + "Затем курсы МЭШ и Московской электронной школы дополняют программу.")])
    table = SynonymTable([["МЭШ", "Московская электронная школа"]])
    snippet = str(index.search(SearchQuery(text="МЭШ", synonyms=table)).hits[0].snippet)
    assert "<mark>МЭШ</mark>" in snippet
    assert "<mark>Московской</mark> <mark>электронной</mark> <mark>школы</mark>" in snippet
    assert "<mark>электронной</mark> <mark>школы</mark>»" not in snippet and "<mark>Электронные" not in snippet


def test_no_suggestion_names_a_word_only_removed_documents_had(tmp_path: Path):
    """The word list keeps a removed document's words until its segment merges (in any bank bigger than a
    handful of practices, after the next commits): the layout retyping offered «гиперборейский» of an archived
    practice for «ubgth,jhtqcrbq», and with «OR» and a public word the page showed the suggestion."""
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id=f"practice:{n}", type="practice", title=f"Практика номер {n}",
                               body="Опыт школы, проект.") for n in range(1, 301)]
                + [IndexDocument(id="practice:999", type="practice", title="Гиперборейский проект", body="Опыт.")])
    assert index.search(SearchQuery(text="опыт OR ubgth,jhtqcrbq")).suggestion == "опыт OR гиперборейский"
    index.apply(deletes=["practice:999"])
    for text in ("опыт OR ubgth,jhtqcrbq", "опыт OR гиперборейскей", "ubgth,jhtqcrbq"):
        result = index.search(SearchQuery(text=text))
        assert result.suggestion is None and "гиперборейск" not in (result.notice or ""), text


def test_a_word_only_removed_documents_had_is_corrected_as_if_never_indexed(tmp_path: Path):
    """A typed word the word list still held from a removed document was taken for no typo: «кувыпулелеская»,
    edited out of a practice, got no «Возможно, вы имели в виду», while a word never indexed got one, and anyone
    could test whether a name had been in removed text."""
    bank = [IndexDocument(id=f"practice:{n}", type="practice", title=f"Практика номер {n}", body="Опыт школы, проект.")
            for n in range(1, 301)]
    bank.append(IndexDocument(id="practice:998", type="practice", title="Кувыпулелеский проект", body="Опыт."))
    index, never = SearchIndex(tmp_path / "index"), SearchIndex(tmp_path / "never")
    never.apply(bank)
    index.apply([*bank, IndexDocument(id="practice:999", type="practice", title="Кувыпулелеская методика",
                                      body="Опыт.")])
    assert index.search(SearchQuery(text="кувыпулелеская")).suggestion is None  # indexed: searched as typed
    index.apply(deletes=["practice:999"])
    removed, absent = (ix.search(SearchQuery(text="кувыпулелеская")) for ix in (index, never))
    assert removed.suggestion == absent.suggestion == "кувыпулелеский"
    assert [hit.id for hit in removed.hits] == [hit.id for hit in absent.hits] == ["practice:998"]


@pytest.mark.parametrize("typed", ["ы" * 299, "ы" * 61, "проекты " + "ы" * 80])
def test_a_word_too_long_to_search_is_called_so(ix, typed):
    """«ы»×299 said «Запрос содержал служебные символы и был упрощён»: there was none, the word is longer than the
    index keeps a word."""
    notice = ix.search(SearchQuery(text=typed, synonyms=TABLE)).notice or ""
    assert NOTICE_WORD_TOO_LONG in notice and NOTICE_SIMPLIFIED not in notice, typed
    assert NOTICE_WORD_TOO_LONG not in (ix.search(SearchQuery(text="ы" * 60, synonyms=TABLE)).notice or "")


@pytest.mark.parametrize("text", ["!!!", "—", "%", "🎓", "..."])
def test_a_query_without_a_single_word_says_so(ix, text):
    """It listed the whole bank as for an empty query, with nothing to say why."""
    result = ix.search(SearchQuery(text=text, synonyms=TABLE))
    assert result.notice == NOTICE_NO_WORDS and result.total == len(DOCUMENTS)
    assert ix.search(SearchQuery(text="", synonyms=TABLE)).notice is None


CLASS_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Олимпиада по физике", body="Задания для 9 класса."),
    IndexDocument(id="practice:2", type="practice", title="Подготовка к ОГЭ", body="Тренинг в 9 кл. по математике."),
    IndexDocument(id="practice:3", type="practice", title="Проект по химии", body="Исследования для 9кл."),
    IndexDocument(id="practice:4", type="practice", title="Элективы", body="Курсы по выбору для 10-11кл."),
    IndexDocument(id="practice:5", type="practice", title="Кружок для 5 класса", body="Обзор."),
    IndexDocument(id="practice:6", type="practice", title="Клубный час", body="9 клубов по интересам."),
]


@pytest.mark.parametrize(("typed", "found"), [
    ("9 класс", {1, 2, 3}), ("9 кл", {1, 2, 3}), ("9кл", {1, 2, 3}), ("9кл.", {1, 2, 3}), ("9-кл", {1, 2, 3}),
    ("9класса", {1, 2, 3}), ("9КЛ", {1, 2, 3}), ("10-11кл", {4}), ("10-11 классы", {4}), ("11 класс", {4}),
    ("5класс", {5}),  # was a typo corrected to «5 класс» (missing spaces, below): now read so as typed
    ("9 клубов", {6}),  # «кл» only as a word of its own: «клуб» is no class
])
def test_a_class_glued_to_its_number_or_shortened_is_the_class(tmp_path: Path, typed: str, found: set[int]):
    """«9кл» was one word of its own, in a text and in a query: found neither «9 класс» nor «9 кл.», nor was it
    found by them; and «9 кл» and «9 класс» did not find each other."""
    index = SearchIndex(tmp_path / "index")
    index.apply(CLASS_BANK)
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])), partial=False))
    assert {int(hit.id.split(":")[1]) for hit in result.hits} == found, typed


def test_a_class_glued_to_its_number_is_marked_in_the_snippet(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply(CLASS_BANK)
    snippets = {hit.id: hit.snippet for hit in index.search(SearchQuery(text="9 класс", partial=False)).hits}
    assert "<mark>9</mark><mark>кл</mark>" in snippets["practice:3"]
    assert "<mark>кл</mark>" in snippets["practice:2"]


ABBREVIATION_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Работа с ВПРами", body="Анализ результатов в 5 классе."),
    IndexDocument(id="practice:2", type="practice", title="Подготовка к ВПР", body="Всероссийские проверочные работы."),
    IndexDocument(id="practice:3", type="practice", title="Секции НПК", body="Научно-практическая конференция."),
    IndexDocument(id="practice:4", type="practice", title="Школьники за НПКами", body="Доклады и стенды."),
    IndexDocument(id="practice:5", type="practice", title="Рамы и окна", body="Впрочем, ремонт кабинета."),
]


@pytest.mark.parametrize(("typed", "found"), [
    ("ВПР", {1, 2}), ("ВПРами", {1, 2}), ("всероссийские проверочные работы", {1, 2}),
    ("НПК", {3, 4}), ("НПКами", {3, 4}), ("научно-практическая конференция", {3, 4}), ("ИОМами", set()),
])
def test_an_abbreviation_with_the_ending_ami_is_the_abbreviation(tmp_path: Path, typed: str, found: set[int]):
    """«ВПРами», «НПКами» were stemmed as unknown words («впрам», «нпкам»), unlike «ВПРы» or «НПКов»."""
    index = SearchIndex(tmp_path / "index")
    index.apply(ABBREVIATION_BANK)
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])), partial=False))
    assert {int(hit.id.split(":")[1]) for hit in result.hits} == found, typed


ROMAN_BANK = [
    IndexDocument(id="practice:1", type="practice", title="II этап олимпиады", body="Муниципальный этап."),
    IndexDocument(id="practice:2", type="practice", title="Итоги 2 этапа конкурса", body="Протокол."),
    IndexDocument(id="practice:3", type="practice", title="Педагогика XXI века", body="Школа будущего."),
    IndexDocument(id="practice:4", type="practice", title="Школа в 21 веке", body="Новые грамотности."),
    IndexDocument(id="practice:5", type="practice", title="Литература \u0425\u0425 века", body="Обзор."),
    IndexDocument(id="practice:6", type="practice", title="Итоги III четверти", body="Отчёт."),
    IndexDocument(id="practice:7", type="practice", title="Контрольные за 3 четверть", body="Отчёт."),
    IndexDocument(id="practice:8", type="practice", title="Диплом I степени", body="Победители олимпиады."),
    IndexDocument(id="practice:9", type="practice", title="English club", body="I have a dream. Chapter V, part 2."),
    IndexDocument(id="practice:10", type="practice", title="Поэты \u0425I\u0425 века", body="Кружок любителей поэзии."),
    IndexDocument(id="practice:11", type="practice", title="Районный конкурс", body="II место в районе."),
]


@pytest.mark.parametrize(("typed", "found"), [
    ("2 этап", {1, 2}), ("II этап", {1, 2}), ("второй этап", set()),
    ("21 век", {3, 4}), ("XXI век", {3, 4}), ("в XXI веке", {3, 4}),
    ("20 век", {5}), ("XX век", {5}), ("\u0425\u0425 век", {5}), ("19 век", {10}), ("XIX век", {10}),
    ("3 четверть", {6, 7}), ("III четверть", {6, 7}), ("1 степени", {8}), ("2 место", {11}),
    # a Roman numeral only next to a counting noun: a lone «I» or «V» is no number, nor «2» alone a «II»
    ("I", {8, 9}), ("V", {9}), ("5", set()), ("1", set()), ("2", {2, 9}), ("part 2", {9}),
])
def test_a_small_ordinal_in_figures_or_in_roman_numerals_finds_the_other(tmp_path: Path, typed: str,
                                                                          found: set[int]):
    """«2 этап» did not find «II этап», «21 век» not «XXI века», and a «ХХ век» typed with Cyrillic Х's was
    neither."""
    index = SearchIndex(tmp_path / "index")
    index.apply(ROMAN_BANK)
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])), partial=False))
    assert {int(hit.id.split(":")[1]) for hit in result.hits} == found, typed


@pytest.mark.parametrize(("typed", "found"), [
    # typed in lower case, in Cyrillic («хх») or Latin letters: the «ХХ век» typed in capitals
    ("\u0445\u0445 век", {5}), ("xx век", {5}), ("\u0445\u0445\u0456 век", {3, 4}), ("xxi век", {3, 4}),
    ("\u0445i\u0445 век", {10}), ("\u0456\u0456 этап", {1, 2}), ("ii этап", {1, 2}), ("iii четверть", {6, 7}),
    # a lower-case word is no numeral alone or with letters other than the numerals'
    ("\u0445 век", set()), ("и степени", {8}), ("\u0445\u043c век", set()),
])
def test_a_roman_numeral_typed_in_lower_case_before_a_counting_noun_is_the_number(tmp_path: Path, typed: str,
                                                                                   found: set[int]):
    """«хх век» and «xx век» found nothing where «ХХ век» found the «ХХ века» and «20 века» of the texts."""
    index = SearchIndex(tmp_path / "index")
    index.apply([*ROMAN_BANK, IndexDocument(id="practice:12", type="practice", title="Обзор 20 века", body="Текст.")])
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])), partial=False))
    expected = found | ({12} if 5 in found else set())
    assert {int(hit.id.split(":")[1]) for hit in result.hits} == expected, typed


@pytest.mark.parametrize("word", ["и", "х", "і", "в", "хм", "их", "ххххх", "хіх"])
def test_only_two_or_more_lower_case_numeral_letters_are_an_ordinal(word: str):
    from indexer.query import _ordinal

    assert _ordinal(word) == (19 if word == "хіх" else None)


CENTURY_BANK = [
    IndexDocument(id="practice:1", type="practice", title="Литература XX в.", body="Обзор."),
    IndexDocument(id="practice:2", type="practice", title="Поэты \u0425I\u0425 в. и их читатели", body="Кружок."),
    IndexDocument(id="practice:3", type="practice", title="Школа XX века", body="Обзор."),
    IndexDocument(id="practice:4", type="practice", title="Учебник 19 века", body="Обзор."),
    IndexDocument(id="practice:5", type="practice", title="Методика Иванова В. И.", body="Обзор, в. д. и прочее."),
]


@pytest.mark.parametrize(("typed", "found"), [
    ("20 век", {1, 3}), ("XX век", {1, 3}), ("XX в.", {1, 3}), ("\u0425\u0425 в.", {1, 3}), ("литература XX в.", {1}),
    ("19 век", {2, 4}), ("XIX в.", {2, 4}), ("XIX век", {2, 4}), ("век", {1, 2, 3, 4}),
    ("Иванова В. И.", {5}),
])
def test_the_abbreviation_v_after_a_roman_numeral_is_the_century(tmp_path: Path, typed: str, found: set[int]):
    """«XX в.» was the numeral and a dropped preposition «в»: «20 век» and «XX век» did not find it, nor did the
    query «XIX в.» find «XIX века». Only after a numeral: «Иванова В.» is no century."""
    index = SearchIndex(tmp_path / "index")
    index.apply(CENTURY_BANK)
    result = index.search(SearchQuery(text=typed, synonyms=SynonymTable(synonym_groups([])), partial=False))
    assert {int(hit.id.split(":")[1]) for hit in result.hits} == found, typed
