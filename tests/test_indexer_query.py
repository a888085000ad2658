"""What users type: hostile input never raises, syntax is limited, notices say what happened."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer import FACET_FIELDS, IndexDocument, SearchIndex, SearchQuery, SearchResult
from indexer.query import (
    MAX_QUERY_CHARS,
    NOTICE_ONLY_STOP_WORDS,
    NOTICE_PARTIAL,
    NOTICE_RELAXED,
    NOTICE_SIMPLIFIED,
    NOTICE_TRUNCATED,
)

DOCUMENTS = [
    IndexDocument(id="practice:1", type="practice", title="Опыт школьного научного общества",
                  body="Обобщение педагогического опыта работы с одарёнными детьми.", people="Иванова А. П.",
                  topic=["research"], year=2020, version="secretversion"),
    IndexDocument(id="practice:2", type="practice", title="Олимпиадная подготовка",
                  body="Подготовка школьников к олимпиадам по математике.", year=2021),
    IndexDocument(id="resolution:1", type="resolution", title="Резолюция конференции",
                  body="Рекомендации органам управления образованием.", year=2017),
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    index = SearchIndex(Path(tmp_path_factory.mktemp("query")) / "index")
    index.apply(DOCUMENTS)
    return index


def search(ix: SearchIndex, text: str) -> SearchResult:
    return ix.search(SearchQuery(text=text))


HOSTILE = [
    '"',
    '"одарённые дети',
    'опыт"',
    '"""',
    "(((",
    ")))",
    "(опыт",
    "опыт)) OR ((",
    "title:",
    "title:опыт",
    "foo:bar",
    "id:practice:1",
    "body:(опыт OR дети)",
    "*",
    "?",
    "~",
    "опыт~2",
    "опыт*",
    "*опыт?",
    "-",
    "- опыт -",
    "AND OR NOT",
    "NOT",
    "опыт AND",
    "OR OR OR опыт",
    "^",
    "опыт^10",
    "[a TO z]",
    "{опыт TO олимпиада}",
    "\\",
    "опыт\\",
    "\x00\x01\x02\x1b[31m",
    "опыт\u200b\ufeffдети",
    "x" * 10_000,
    "опыт " * 5_000,
    "и в на",
    '"и в на"',
    '""',
    "()",
    "%s%n%x{0}",
    "<script>alert(1)</script>",
    "'; DROP TABLE practice; --",
    "𝕆𝕡𝕪𝕥 😀 опыт",
    "«одарённые дети»",
    "ё" * 500,
    "   ",
    "",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_never_raises(ix: SearchIndex, text: str):
    result = search(ix, text)
    assert isinstance(result, SearchResult)
    assert result.total >= len(result.hits)
    assert result.notice is None or isinstance(result.notice, str)
    for hit in result.hits:
        assert "<script" not in hit.snippet


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_with_filters_and_date_sort_never_raises(ix: SearchIndex, text: str):
    result = ix.search(SearchQuery(text=text, filters={"year": ["2020", "2021"]}, sort="date", page=3, per_page=1))
    assert isinstance(result, SearchResult)


@pytest.mark.parametrize("text", ["title:опыт", "foo:опыт", "опыт*", "опыт~", "(опыт", 'опыт"', "опыт^2", "\x07опыт"])
def test_syntax_is_dropped_and_the_words_searched(ix: SearchIndex, text: str):
    result = search(ix, text)
    assert [hit.id for hit in result.hits] == ["practice:1"]
    # a star after a word the index knows is only dropped (after the start of a word it says what it asked for,
    # which the index does not do: tests/test_search_understanding.py)
    assert result.notice == (None if text == "опыт*" else NOTICE_SIMPLIFIED)


@pytest.mark.parametrize("text", ["опыт?", "опыт научного общества?", "опыт: общество", "Опыт: научного общества",
                                  '"научного общества"?', "опыт?!"])
def test_a_question_mark_or_colon_ending_a_word_is_punctuation(ix: SearchIndex, text: str):
    """«как организовать ШНО?», «ОГЭ: подготовка» said «Запрос содержал служебные символы и был упрощён»; and a
    Latin word before a colon («Scratch: первые шаги») was dropped as a field name."""
    result = search(ix, text)
    assert [hit.id for hit in result.hits] == ["practice:1"] and result.notice is None, text


def test_a_latin_word_before_a_colon_in_running_text_is_searched(tmp_path):
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id="practice:1", type="practice", title="Scratch: первые шаги", body="Опыт."),
                 IndexDocument(id="practice:2", type="practice", title="Первые шаги в робототехнике", body="Опыт.")])
    result = index.search(SearchQuery(text="Scratch: первые шаги"))  # «Scratch» is one of the words searched
    assert ([hit.id for hit in result.hits], result.notice) == (["practice:1", "practice:2"],
                                                                NOTICE_PARTIAL.format(count=1))


def test_field_prefixes_do_not_reach_other_fields(ix: SearchIndex):
    # "type:resolution" is not a filter: it is the word "resolution", which no text contains
    assert search(ix, "type:resolution").total == 0
    # stored but unsearchable fields stay unsearchable
    assert search(ix, "secretversion").total == 0
    assert search(ix, "version:secretversion").total == 0
    assert search(ix, "practice").total == 0


def test_only_stop_words_find_nothing_and_say_why(ix: SearchIndex):
    result = search(ix, "и в на")
    assert (result.total, result.hits, result.notice) == (0, [], NOTICE_ONLY_STOP_WORDS)
    assert result.facets == {name: [] for name in FACET_FIELDS}


def test_no_words_at_all_lists_everything(ix: SearchIndex):
    assert search(ix, "").total == 3
    assert search(ix, "   ").notice is None
    result = search(ix, "*")
    assert (result.total, result.notice) == (3, NOTICE_SIMPLIFIED)
    assert search(ix, "AND OR NOT").total == 3


def test_long_input_is_cut_and_the_user_told(ix: SearchIndex):
    result = search(ix, "опыт " + "x" * 10_000)
    assert result.notice.startswith(NOTICE_TRUNCATED)
    assert f"первые {MAX_QUERY_CHARS} символов" in result.notice

    result = search(ix, "опыт " * 5_000)
    assert [hit.id for hit in result.hits] == ["practice:1"]
    assert result.notice == NOTICE_TRUNCATED


def test_operators_and_groups(ix: SearchIndex):
    assert sorted(hit.id for hit in search(ix, "опыт OR олимпиада").hits) == ["practice:1", "practice:2"]
    assert search(ix, "опыт NOT дети").total == 0
    assert [hit.id for hit in search(ix, "NOT опыт").hits] != ["practice:1"]
    assert sorted(hit.id for hit in search(ix, "подготовка (олимпиада OR конференция)").hits) == ["practice:2"]


@pytest.mark.parametrize("text", ["опыт AND", "опыт AND NOT", "опыт OR NOT", "опыт ИЛИ NOT", "AND опыт OR NOT NOT",
                                  "опыт AND (NOT)", "опыт (AND NOT)", "(опыт AND)", "(OR опыт)", "опыт ()",
                                  "опыт (( ))"])
def test_stray_operators_are_not_searched_as_english_words(ix: SearchIndex, text: str):
    """«ШНО AND NOT» found nothing: dropping NOT left AND without its operand, and «and» was searched for; so did
    an empty group «(NOT)» and an operator beside a parenthesis «(ШНО AND)»."""
    result = search(ix, text)
    assert ([hit.id for hit in result.hits], result.notice) == (["practice:1"], NOTICE_SIMPLIFIED)


def test_operators_with_their_operands_are_kept(ix: SearchIndex):
    assert sorted(hit.id for hit in search(ix, "опыт OR OR олимпиада").hits) == ["practice:1", "practice:2"]
    assert search(ix, "опыт AND NOT дети").total == 0
    from indexer.query import _clean

    assert _clean('"опыт AND" дети ()', []) == '"опыт AND" дети'  # in a phrase, AND is a word of it


def test_typographic_quotes_make_a_phrase(ix: SearchIndex):
    assert [hit.id for hit in search(ix, "«педагогического опыта»").hits] == ["practice:1"]
    assert search(ix, "«опыта педагогического»").total == 0


def test_when_the_parser_fails_the_plain_words_are_searched(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch):
    def broken_parser(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr("indexer.query._parser", broken_parser)
    monkeypatch.setattr("indexer.query._words_only", lambda *args: None)  # plain words would not reach it
    result = search(ix, "педагогический опыт")
    assert ([hit.id for hit in result.hits], result.notice) == (["practice:1"], NOTICE_SIMPLIFIED)
    result = search(ix, "педагогический кванториум")
    assert ([hit.id for hit in result.hits], result.notice) == (["practice:1"], f"{NOTICE_SIMPLIFIED} {NOTICE_RELAXED}")
    assert search(ix, "и в на").notice == NOTICE_ONLY_STOP_WORDS


def test_relaxed_search_says_so(ix: SearchIndex):
    result = search(ix, "олимпиада кванториум")
    assert ([hit.id for hit in result.hits], result.notice) == (["practice:2"], NOTICE_RELAXED)


def _words_of_demo_practices(pattern: str) -> list[str]:
    import json
    import re

    words: set[str] = set()
    for name in ("practices_a.json", "practices_b.json"):
        path = Path(__file__).resolve().parent.parent / "kb" / "demo" / name
        for record in json.loads(path.read_text(encoding="utf-8")):
            for value in record.values():
                if isinstance(value, str):
                    words.update(re.findall(pattern, value))
    return sorted(words)


def _shape(q) -> tuple | None:
    """Everything of a query tree that searching and scoring read (whoosh's == leaves out an OR's scale)."""
    if q is None:
        return None
    children = tuple(_shape(child) for child in q.children())
    return (type(q).__name__, getattr(q, "fieldname", None), getattr(q, "text", None), getattr(q, "words", None),
            q.boost, getattr(q, "scale", None), children)


def test_plain_words_become_the_query_the_parser_would_make(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch):
    """Plain words skip the parser (it cost 0.1 ms a word, twice): the queries must be exactly its own."""
    import random

    from indexer import query as query_module
    from indexer.synonyms import SynonymTable
    from kb.search.synonyms import synonym_groups

    rng = random.Random(3)
    words, tokens = _words_of_demo_practices(r"[^\W_]+"), _words_of_demo_practices(r"\S+")  # with punctuation
    texts = [" ".join(rng.sample(words, rng.randint(1, 4))) for _ in range(600)]
    texts += [" ".join(rng.sample(tokens, rng.randint(1, 4))) for _ in range(200)]
    texts += ["вопрос", "и в на", "опыт и дети", "COVID19 школа", "ёлка Ёлка", "and or not", "And дети",
              "уче\u0301ник", "из-за", "2020", "x", "IT-класс", "ШНО", "школьное научное общество", "МБОУ СОШ № 5",
              "опыт AND дети", "опыт OR дети", "опыт NOT дети", "опыт -дети", '"опыт работы"', "(опыт)",
              "сверхдлинноеслово" * 10, "  опыт   дети  "]
    schema = ix._current_searcher().schema
    table = SynonymTable(synonym_groups([]))
    skipped = 0
    for text in texts:
        for synonyms in (None, table):
            fast = query_module.parse_text(text, schema, synonyms)
            with monkeypatch.context() as patched:
                patched.setattr(query_module, "_words_only", lambda *args: None)
                parsed = query_module.parse_text(text, schema, synonyms)
            assert (_shape(fast.strict), _shape(fast.relaxed), fast.matches_nothing, fast.notices, fast.words) == (
                _shape(parsed.strict), _shape(parsed.relaxed), parsed.matches_nothing, parsed.notices,
                parsed.words), text
        skipped += query_module._words_only(query_module._clean(text, []), schema, None) is not None
    assert skipped > 500  # most texts were plain words


def test_retyping_the_english_layout_in_russian_keys():
    from indexer.layout import retype

    words = {"проект", "обучение", "рыба", "елка", "жюри"}  # as is_word gets them: ё folded
    kept = {"stem"}

    def typed(text: str) -> str | None:
        return retype(text, words.__contains__, kept.__contains__)

    assert typed("ghjtrn") == "проект"
    assert typed("ghjtrn.") == "проект."  # a final stop is punctuation when the word needs no «ю»
    assert typed("hs,f") == "рыба" and typed("`krf") == "елка" and typed("~krf") == "Елка"  # ё-folded
    assert typed(";.hb") == "жюри" and typed(":>HB") == "ЖЮРИ"
    assert typed("STEM-j,extybt") == "STEM-обучение"
    assert typed("STEM") is None and typed("stem") is None  # kept as written
    assert typed("ghjtrn2") is None and typed("ghjtrnа") is None  # a digit or a Cyrillic letter is part of it
    assert typed("gh") is None  # too short to tell from initials
    assert typed("проект") is None and typed("") is None


def test_short_runs_and_function_words_are_retyped_beside_a_retyped_word():
    """«ltnb c JDP» (дети с ОВЗ) kept «c» Latin, a run too short to retype by itself, and found nothing; «lkz» became
    «для», a stop word the index does not list. Beside a word retyped on its own merit, they are retyped too."""
    from indexer.analysis import STOP_WORDS
    from indexer.layout import retype

    words = {"дети", "овз", "олимпиада", "математике", "проект", "детей", "мо"}

    def typed(text: str) -> str | None:
        return retype(text, words.__contains__, {"scratch"}.__contains__, STOP_WORDS.__contains__)

    assert typed("ltnb c JDP") == "дети с ОВЗ"
    assert typed("jkbvgbflf gj vfntvfnbrt") == "олимпиада по математике"
    assert typed("ghjtrn lkz ltntq") == "проект для детей"
    assert typed("VJ ghjtrn") == "МО проект"  # a short known word
    assert typed("c gj") is None and typed("lkz") is None  # nothing retyped on its own merit: left as typed
    assert typed("Scratch c ghjtrn") == "Scratch с проект"  # a Latin word the index has stays
    assert typed("IT ghjtrn") == "IT проект"  # a short run that becomes no word stays


def test_a_wrong_layout_query_with_a_preposition_is_retyped_and_found(tmp_path: Path):
    index = _index(tmp_path, ["Дети с ОВЗ в инклюзивном классе", "Проект для детей"])
    for typed, meant in (("ltnb c JDP", "дети с ОВЗ"), ("ghjtrn lkz ltntq", "проект для детей")):
        result = index.search(SearchQuery(text=typed))
        assert result.suggestion == meant and result.hits, typed


@pytest.mark.parametrize(("typed", "cleaned"), [
    ("5-й класс", "5 класс"),
    ("для 5-го класса", "для 5 класса"),
    ("в 7-м классе", "в 7 классе"),
    ("90-х годов", "90 годов"),
    ("1-е место 3-ю четверть", "1 место 3 четверть"),
    ("5-Й КЛАСС", "5 КЛАСС"),
    # «в.» after a Roman numeral is the century; elsewhere it stays
    ("литература XX в.", "литература XX век"), ("ХIХ в., хх в.", "ХIХ век, хх век"), ("XIX–XX вв.", "XIX–XX век"),
    ("и в. д.", "и в. д."), ('"XX в."', '"XX в."'),
    # initials beside a surname are left out: each pair was a phrase «в и» the texts had to hold
    ("Иванов В. И.", "Иванов"), ("Л.Ф. Мухаметова", "Мухаметова"), ("Приложение А", "Приложение А"),
    ('"5-й класс" 6-й', '"5-й класс" 6'),  # a phrase in quotes is looked for as typed
    ("распоряжение № 2506-р", "распоряжение 2506-р"),  # not an ordinal's ending; «№» is no word
    # «№», and «N», «No» before a number: no words between a word and its number («Лицей № 15» as «лицей 15»)
    ("Лицей №15", "Лицей 15"), ("СОШ N 5", "СОШ 5"), ("СОШ No. 5", "СОШ 5"), ("витамин N", "витамин N"),
    ("NASA No", "NASA No"), ('"Лицей № 15"', '"Лицей № 15"'),
    ("одаренные дети,олимпиады", "одаренные дети олимпиады"),
    ("ШНО;ВКС", "ШНО ВКС"),
    ("ОГЭ+ЕГЭ", "ОГЭ ЕГЭ"),
    ("дети&родители|школа", "дети родители школа"),
    ("математика.физика", "математика физика"),
    ("1,5 часа 4.6", "1,5 часа 4.6"),  # numbers keep their comma and dot
    ("г.Смоленск ул.Ленина", "г.Смоленск ул.Ленина"),  # abbreviations keep their dots
    # the fillers of a sentence are dropped: each was a phrase «т е» the texts had to hold
    ("игры, т.е. упражнения", "игры, упражнения"), ("т. к. дети и т.д.", "дети и"), ("(т.н. ШНО)", "( ШНО)"),
    ('"игры т.е. упражнения"', '"игры т.е. упражнения"'),
    ("school.ru ivanov@mail.ru R&D C++", "school.ru ivanov@mail.ru R&D C++"),
    # an excluded run of joined words excludes each of its words, it does not require the ones after the first
    ("подготовка -ОГЭ+ЕГЭ", "подготовка NOT ОГЭ NOT ЕГЭ"),
    ("подготовка -ОГЭ,ЕГЭ", "подготовка NOT ОГЭ NOT ЕГЭ"),
    ("-ШНО;ВКС;ИКТ проекты", "NOT ШНО NOT ВКС NOT ИКТ проекты"),
    ("-онлайн-курс+химия", "NOT онлайн-курс NOT химия"),
    ("-R&D -1,5 -т.е.", "NOT R&D NOT 1,5 NOT т.е."),  # one word each: excluded as it is
])
def test_ordinal_endings_and_marks_joining_words_are_dropped_from_the_query(typed: str, cleaned: str):
    """«5-й класс» was the phrase «5 й» and a required word «й»; «дети,олимпиады» the phrase «дети олимпиады»."""
    from indexer.query import _clean

    notices: list[str] = []
    assert (_clean(typed, notices), notices) == (cleaned, [])


def _index(tmp_path: Path, titles: list[str]) -> SearchIndex:
    index = SearchIndex(tmp_path / "index")
    index.apply([IndexDocument(id=f"practice:{n}", type="practice", title=title, body="Опыт.")
                 for n, title in enumerate(titles, 1)])
    return index


def test_an_ordinal_in_figures_finds_what_the_number_finds(tmp_path: Path):
    index = _index(tmp_path, ["Проекты в 5-м классе", "Проекты для 5 класса", "Проекты 6 класса"])

    def found(text: str) -> tuple[list[str], str | None]:
        result = index.search(SearchQuery(text=text, partial=False))
        return sorted(hit.id for hit in result.hits), result.notice

    assert found("5-й класс") == found("5 класс") == (["practice:1", "practice:2"], None)
    assert found("проекты 5-го класса") == (["practice:1", "practice:2"], None)
    assert found('"5-м классе"') == (["practice:1"], None)
    assert index.search(SearchQuery(text="5-й класс")).notice == NOTICE_PARTIAL.format(count=2)  # not «нет»


def test_words_joined_by_a_comma_are_searched_as_words(tmp_path: Path):
    index = _index(tmp_path, ["Олимпиады для одарённых детей", "Дети и олимпиады", "Одарённые дети"])

    def found(text: str) -> tuple[list[str], str | None]:
        result = index.search(SearchQuery(text=text))
        return [hit.id for hit in result.hits], result.notice

    ids, notice = found("олимпиады,дети")
    assert (ids, notice) == found("олимпиады, дети") == found("олимпиады;дети")
    assert (set(ids[:2]), notice) == ({"practice:1", "practice:2"}, NOTICE_PARTIAL.format(count=2))


def test_a_sentences_fillers_typed_into_a_query_ask_for_nothing(tmp_path: Path):
    """«игры, т.е. упражнения» found nothing: the texts had to hold the phrase «т е» as well."""
    index = _index(tmp_path, ["Игры и упражнения на уроке", "Упражнения, т.е. тренировка", "Другое"])
    result = index.search(SearchQuery(text="игры, т.е. упражнения", partial=False))
    assert [hit.id for hit in result.hits] == ["practice:1"] and result.notice is None


@pytest.mark.parametrize(("typed", "cleaned"), [
    ("конкурс „Учитель года“ 2024", 'конкурс "Учитель года" 2024'),
    ('"конкурс «Учитель года»"', '"конкурс Учитель года"'),
    ("«конкурс «Учитель года»»", '"конкурс Учитель года"'),
    ('«конкурс "Учитель года"»', '"конкурс Учитель года"'),
    ("«a „b“ c» -«d»", '"a b c" NOT "d"'),
    ("“phrase” word", '"phrase" word'),
])
def test_quotation_marks_nested_in_a_phrase_stay_in_it(typed: str, cleaned: str):
    """Every mark was a «"»: «"конкурс «Учитель года»"» was the phrase «конкурс», two words and an empty phrase."""
    from indexer.query import _clean

    notices: list[str] = []
    assert (_clean(typed, notices), notices) == (cleaned, [])


def test_a_minus_inside_quotes_belongs_to_the_phrase(tmp_path: Path):
    """«"учитель -наставник"» was the phrase «учитель not наставник» (the minus became NOT inside the quotes) and
    found nothing; a minus before the quotes still excludes the phrase."""
    from indexer.query import _clean

    assert _clean('"учитель -наставник" -"фраза" -слово', []) == '"учитель -наставник" NOT "фраза" NOT слово'
    index = _index(tmp_path, ["Учитель-наставник молодого педагога", "Наставник и учитель", "Другое"])
    assert [hit.id for hit in index.search(SearchQuery(text='"учитель -наставник"')).hits] == ["practice:1"]
    assert [hit.id for hit in index.search(SearchQuery(text='наставник -"учитель наставник"')).hits] == [
        "practice:2"]


def test_an_excluded_run_of_joined_words_excludes_each_of_them(tmp_path: Path):
    """«подготовка -ОГЭ+ЕГЭ» was «подготовка NOT ОГЭ ЕГЭ»: it listed only the texts that DO mention ЕГЭ."""
    index = _index(tmp_path, ["Подготовка к ЕГЭ по математике", "Подготовка к олимпиадам", "Подготовка к ОГЭ",
                              "Подготовка к ОГЭ и ЕГЭ"])

    def found(text: str) -> list[str]:
        return sorted(hit.id for hit in index.search(SearchQuery(text=text)).hits)

    for text in ("подготовка -ОГЭ+ЕГЭ", "подготовка -ОГЭ,ЕГЭ", "подготовка -ОГЭ;ЕГЭ", "подготовка -ЕГЭ+ОГЭ"):
        assert found(text) == found("подготовка -ОГЭ -ЕГЭ") == ["practice:2"], text


def test_a_hyphenated_word_without_its_phrase_looks_for_all_its_words_before_some(tmp_path: Path):
    """«онлайн-урок» went from its phrase straight to the texts with any of its words: «Урок химии» could rank above
    «Урок проходит онлайн», and the page said that no text had all the words."""
    index = _index(tmp_path, ["Урок химии", "Урок химии онлайн", "Урок проходит онлайн", "Онлайн-урок физики"])

    def found(text: str, **options) -> tuple[list[str], str | None]:
        result = index.search(SearchQuery(text=text, **options))
        return [hit.id for hit in result.hits], result.notice

    # the phrase first, then all the words apart, then some of them; the notice counts all but the last
    ids, notice = found("онлайн-урок")
    assert (ids[0], set(ids[1:3]), ids[3:], notice) == (
        "practice:4", {"practice:2", "practice:3"}, ["practice:1"], NOTICE_PARTIAL.format(count=3))
    ids, notice = found("онлайн-урок", sort="date")
    assert (ids[0], set(ids[1:3]), ids[3:]) == ("practice:4", {"practice:2", "practice:3"}, ["practice:1"])
    ids, notice = found("онлайн-урок", partial=False)  # a feed: every word, none of the rest
    assert (ids[0], set(ids[1:]), notice) == ("practice:4", {"practice:2", "practice:3"}, None)
    # no text has the phrase: those with all the words are the matches, as for «онлайн урок химии»
    ids, notice = found("онлайн-урок химии")
    assert (ids[0], notice) == ("practice:2", NOTICE_PARTIAL.format(count=1))
    assert found("онлайн-урок химии")[1] == found("онлайн урок химии")[1]
    ids, notice = found("онлайн-урок -физики")
    assert (set(ids[:2]), ids[2:], notice) == ({"practice:2", "practice:3"}, ["practice:1"],
                                               NOTICE_PARTIAL.format(count=2))
    # a range of numbers is not loosened: «10» and «11» apart are in most texts
    from indexer.query import parse_text

    schema = index._current_searcher().schema
    assert parse_text("проект 10-11 класс", schema).loose is None
    assert parse_text("онлайн-урок", schema).loose is not None


def test_a_rare_word_two_edits_from_an_indexed_one_is_not_replaced(tmp_path: Path):
    """«форсайт сессия» showed the results of «формат сессия», «тьюторант» those of «тьютора»: a correction of two
    edits replaced a correct word the dictionary lacks. It is a hint only, when the query shows nothing at all; a
    correction of one edit still replaces a query that finds nothing («проетная»)."""
    from indexer.query import NOTICE_CORRECTED

    index = _index(tmp_path, ["Формат сессия для тьютора", "Проектная сессия", "Проектная деятельность"])
    result = index.search(SearchQuery(text="форсайт сессия"))
    assert (result.suggestion, result.notice) == (None, NOTICE_RELAXED)
    assert {hit.id for hit in result.hits} == {"practice:1", "practice:2"}  # the word «сессия», as typed
    result = index.search(SearchQuery(text="тьюторант"))
    assert (result.suggestion, result.hits, result.total) == ("тьютора", [], 0)  # offered, not applied
    assert result.notice is None
    result = index.search(SearchQuery(text="проетная"))
    assert result.suggestion == "проектная" and result.notice == NOTICE_CORRECTED.format(suggestion="проектная")
    assert {hit.id for hit in result.hits} == {"practice:2", "practice:3"}


@pytest.mark.parametrize(("typed", "meant"), [
    ("Проетная", "Проектная"), ("ПРОЕТНАЯ ДЕЯТЕЛЬНОСТЬ", "ПРОЕКТНАЯ ДЕЯТЕЛЬНОСТЬ"), ("проетная", "проектная"),
    ("Проетная Деятельность", "Проектная Деятельность"), ("проетная ДЕЯТЕЛЬНОСТЬ", "проектная ДЕЯТЕЛЬНОСТЬ"),
    ("ПРоетная", "Проектная"),  # Shift held a letter too long
])
def test_a_suggestion_keeps_the_case_the_word_was_typed_in(tmp_path: Path, typed: str, meant: str):
    """«Проетная» was offered as «проектная», «ПРОЕТНАЯ ДЕЯТЕЛЬНОСТЬ» as «проектная ДЕЯТЕЛЬНОСТЬ»."""
    index = _index(tmp_path, ["Проектная деятельность", "ФГОС"])
    assert index.search(SearchQuery(text=typed)).suggestion == meant


def test_a_compound_written_solid_and_with_a_hyphen_find_each_other(tmp_path: Path):
    """«естественнонаучная грамотность» missed «естественно-научной грамотности» and back, «медиа-грамотность»
    missed «Медиаграмотность», «Глобал-Лаб» found nothing: a hyphen made a phrase of the parts, the solid word was
    one term."""
    from indexer import SynonymTable

    index = _index(tmp_path, ["Формирование естественно-научной грамотности",
                              "Естественнонаучная грамотность пятиклассников", "Медиаграмотность подростков",
                              "Уроки по видеоконференц-связи", "Проекты на платформе ГлобалЛаб", "Научная грамотность"])

    def found(text: str, synonyms: SynonymTable | None = None) -> set[str]:
        return {hit.id for hit in index.search(SearchQuery(text=text, synonyms=synonyms, partial=False)).hits}

    assert found("естественнонаучная грамотность") == found("естественно-научная грамотность") == {
        "practice:1", "practice:2"}
    assert found("медиа-грамотность") == {"practice:3"}
    assert found("видеоконференцсвязь") == {"practice:4"}
    assert found("ВКС", SynonymTable([["ВКС", "видеоконференцсвязь"]])) == {"practice:4"}
    assert found("Глобал-Лаб") == {"practice:5"}
    assert found('"естественно-научная"') == {"practice:1"}  # in quotes: as typed
    assert found("научная грамотность") == {"practice:1", "practice:6"}  # a part does not find the solid word


@pytest.mark.parametrize("how", ["apply", "rebuild"])
def test_a_solid_word_is_looked_for_split_only_where_a_text_writes_it_with_a_hyphen(tmp_path: Path, how: str):
    """A long word was looked for as the phrase of its first letters and the rest wherever the index had both
    («американская»: «америка» + «нск»): a tenth of the searches read the postings of phrases no text had. The
    split is looked for once some text writes the word with a hyphen; the phrase then finds the texts that wrote
    it apart with a space too."""
    apart = IndexDocument(id="practice:1", type="practice", title="Уроки естественно научной направленности",
                          body="Опыт.")
    hyphenated = IndexDocument(id="practice:2", type="practice", title="Естественно-научная грамотность",
                               body="Опыт.")
    index = SearchIndex(tmp_path / "index")

    def found(text: str) -> set[str]:
        return {hit.id for hit in index.search(SearchQuery(text=text, partial=False)).hits}

    def load(documents: list[IndexDocument]) -> None:
        index.apply(documents) if how == "apply" else index.rebuild(documents)

    load([apart])
    assert found("естественнонаучная") == set()
    load([apart, hyphenated])
    assert found("естественнонаучная") == {"practice:1", "practice:2"}


@pytest.mark.parametrize("written", ["естественно-\nнаучных", "естественно- научных", "естественно–научных",
                                     "естественно\u2011научных"])
def test_a_solid_word_finds_its_parts_across_a_line_end_hyphen_or_a_tight_en_dash(tmp_path: Path, written: str):
    """A PDF's line-end hyphen, a hyphen with a space after it, an en dash typed tight: the text writes the word
    apart all the same."""
    index = _index(tmp_path, [f"Курс {written} дисциплин", "Другое"])
    assert [hit.id for hit in index.search(SearchQuery(text="естественнонаучных", partial=False)).hits] == [
        "practice:1"]


def test_the_solid_spelling_of_hyphenated_words():
    from indexer.schema import joined_words

    assert joined_words("Медиа-грамотность и бело-сине-красный флаг; Москва – столица", "a-b", "") == (
        "Медиаграмотность белосинекрасный ab")
    assert joined_words("0123456789abcdef" * 10_000) == ""  # a hex dump: one long word, read once


def test_a_query_with_a_superscript_or_circled_digit_is_searched(tmp_path: Path):
    """«² этап», «① место» gave a 500: str.isdigit() holds for them, int() cannot read them."""
    index = _index(tmp_path, ["II этап, кабинет 20 м²", "Место проведения"])
    for text in ("² этап", "площадь 20 м ² кабинет", "① место", "x ² y", "٢ этап", "１２３４５６７ этап"):
        index.search(SearchQuery(text=text))
    assert {hit.id for hit in index.search(SearchQuery(text="２ этап", partial=False)).hits} == {"practice:1"}


def test_a_word_broken_at_a_line_end_is_not_looked_for_as_the_phrase_of_its_syllables(tmp_path: Path):
    """A text breaking «существо-\nвание» or «суще-\nствование» at a line end put the solid word through the gate of
    words written with a hyphen, and then every search for «существование» or «образование» looked for the phrase of
    two syllables («сущий» + «ствован», «образ» + «ван»). A compound's parts are words: its first part one the
    dictionary knows (or a long one: «видеоконференц»), its second the stem of a word of the texts."""
    from indexer.analysis import term
    from indexer.index import _compound_parts

    index = _index(tmp_path, ["Существо-\nвание школы", "Суще-\nствование кружка", "Программа образо-\nвания",
                              "Воор-\nужения и эконо-\nмического роста", "Существование и образование",
                              "Формирование естественно-\nнаучной грамотности", "Уроки по видеоконференц-связи",
                              "Медиа-грамотность", "Психолого-педагогическое сопровождение",
                              "Северо-Кавказский округ"])
    with index._lock:
        searcher = index._current_searcher()
        split = {word: _compound_parts(searcher, term(word)) for word in (
            "существование", "образования", "вооружения", "экономического", "естественнонаучной",
            "видеоконференцсвязи", "медиаграмотность", "психологопедагогическое", "северокавказский")}
    assert split == {"существование": [], "образования": [], "вооружения": [], "экономического": [],
                     "естественнонаучной": [(term("естественно"), term("научной"))],
                     "видеоконференцсвязи": [(term("видеоконференц"), term("связи"))],
                     "медиаграмотность": [(term("медиа"), term("грамотность"))],
                     "психологопедагогическое": [(term("психолого"), term("педагогическое"))],
                     "северокавказский": [(term("северо"), term("кавказский"))]}

    def found(text: str) -> set[str]:
        return {hit.id for hit in index.search(SearchQuery(text=text, partial=False)).hits}

    assert found("существование") == found("образование") == {"practice:5"}
    assert found("естественнонаучная") == {"practice:6"} and found("видеоконференцсвязь") == {"practice:7"}
    assert found("медиаграмотность") == {"practice:8"} and found("психологопедагогическое") == {"practice:9"}
