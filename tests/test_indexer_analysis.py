"""Russian analysis: inflected forms meet, ё and е are one letter, hyphenated words split."""

from __future__ import annotations

import pickle
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indexer import IndexDocument, SearchIndex, SearchQuery
from indexer.analysis import ANALYSIS_VERSION, RussianTermFilter, russian_analyzer, term


def terms(text: str) -> list[str]:
    return [t.text for t in russian_analyzer()(text)]


@pytest.mark.parametrize(
    ("query_form", "document_form"),
    [
        ("одарённые дети", "одарённых детей"),
        ("одарённые дети", "одаренными детьми"),
        ("школьное научное общество", "школьных научных обществ"),
        ("одарённость", "одарённых"),  # teachers want the quality and the children together
        ("педагог", "педагогами"),
        ("олимпиада", "олимпиадах"),
        ("сопровождение", "сопровождения"),
        ("опыт", "опыта"),  # Snowball alone stems "опыт" to "оп" and misses this
        ("семья", "семьёй"), ("семьи", "семью"), ("цель", "целей"), ("лицей", "лицеях"), ("игра", "игры"),
        ("решить", "решила"),
        ("ребёнок", "ребёнка"),
        ("кружок", "кружков"),
        ("ГлобалЛаб", "ГлобалЛабе"),  # unknown to the dictionary: stemmed, not a guessed lemma
        ("projects", "project"),
    ],
)
def test_inflected_forms_give_the_same_terms(query_form: str, document_form: str):
    assert terms(query_form) == terms(document_form)


@pytest.mark.parametrize(("a", "b"), [
    ("образование", "образ"), ("методика", "метод"), ("мир", "мирный"),
    # a Snowball stem of three letters joined them: «сем», «цел», «лиц»
    ("семья", "семь"), ("семьёй", "семи"), ("семья", "семена"), ("цель", "целом"), ("цели", "целый"),
    ("лицей", "лица"), ("лицея", "лицо"),
])
def test_different_words_stay_apart(a: str, b: str):
    assert terms(a) != terms(b)


@pytest.mark.parametrize(("with_yo", "without"), [("ёжик", "ежик"), ("Учёные", "ученые"), ("ЁЛКА", "елка")])
def test_yo_is_e(with_yo: str, without: str):
    assert terms(with_yo) == terms(without)


def test_stop_words_go_and_positions_close_up():
    tokens = [(t.text, t.pos) for t in russian_analyzer()("Школа и семья: работа с родителями", positions=True)]
    assert tokens == [(term("школа"), 0), (term("семья"), 1), (term("работа"), 2),
                                                 (term("родителями"), 3)]


def test_hyphenated_words_give_adjacent_parts_with_their_own_offsets():
    text = "научно-практическая конференция"
    tokens = [(t.pos, text[t.startchar:t.endchar]) for t in russian_analyzer()(text, positions=True, chars=True)]
    assert tokens == [(0, "научно"), (1, "практическая"), (2, "конференция")]


def test_stress_marks_and_soft_hyphens_do_not_split_words():
    assert terms("учи\u0301тель педа\u00adгог") == terms("учитель педагог")


def test_the_analyzer_pickles_small_and_the_same():
    analyzer = russian_analyzer()
    data = pickle.dumps(analyzer)
    assert len(data) < 4096  # no stemmer, dictionary or cache inside
    assert vars(RussianTermFilter()) == {"version": ANALYSIS_VERSION}  # its only state: which terms it makes
    assert [t.text for t in pickle.loads(data)("Одарённых детей")] == terms("Одарённых детей")


def test_terms_are_the_same_from_many_threads():
    words = ["одарённых", "детей", "школьных", "научных", "обществ", "педагогами", "олимпиадах", "опыта"] * 200
    expected = [term.__wrapped__(w) for w in words]
    term.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(term.__wrapped__, words)) == expected
        assert list(pool.map(term, words)) == expected


@pytest.mark.parametrize(
    ("query_text", "document_text"),
    [
        ("одарённые дети", "Работа с одарёнными детьми"),
        ("одаренные дети", "Система поддержки одарённых детей"),
        ("одарённые дети", "Система поддержки одаренных детей"),
        ("школьное научное общество", "Деятельность школьных научных обществ района"),
        ("научно-практическая конференция", "Материалы научно-практической конференции"),
        ("научно-практическая конференция", "Материалы научно практической конференции"),
        ("практическая", "Материалы научно-практической конференции"),
        ('"школьных научных обществ"', "Работа школьного научного общества"),
        ("Учёный совет", "решение ученого совета"),
        # forms the dictionary reads first as another word, whose term the short stem «час» joined
        ("классный час", "Классные часы в пятом классе"), ("классные часы", "Классный час «Мы — граждане»"),
        ("утро", "Зарядка утром"), ("путь", "Путём проб и ошибок"),
        ("утром", "Бодрое утро"), ("зимой", "Зима в лесу"), ("ночью", "Ночь в походе"),  # read first as adverbs
        ('"классный час"', "Классные часы в пятом классе"), ("классный-час", "Классные часы в пятом классе"),
        ("Семёнов", "Автор: Семёнова Анна"),
        # forms of a longer noun read first as another noun most of whose forms are the query's («кружка» a mug)
        ("кружок", "Занятия школьного кружка"), ("кружок", "Кружки по интересам"), ("кружок", "В кружке юннатов"),
        ("белок", "Белки и углеводы"),
        # and the other way: a word read first as that other noun finds the query noun's own forms
        ("кружки", "Работа школьных кружков"), ("кружки", "Кружок «Юный эколог»"), ("кружки", "Руководит кружком"),
        ("кружка", "Кружок «Юный эколог»"), ("кружке", "Работа школьных кружков"), ("белки", "Синтез белков"),
    ],
)
def test_search_finds_other_forms(tmp_path: Path, query_text: str, document_text: str):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([
        IndexDocument(id="practice:1", type="practice", title="Практика", body=document_text),
        IndexDocument(id="practice:2", type="practice", title="Другое", body="Совсем другой текст про уроки"),
    ])
    assert [hit.id for hit in ix.search(SearchQuery(text=query_text)).hits] == ["practice:1"]


def test_a_phrase_needs_its_words_side_by_side(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([
        IndexDocument(id="practice:1", type="practice", title="А", body="научное общество школьников"),
        IndexDocument(id="practice:2", type="practice", title="Б", body="общество любителей научной фантастики"),
    ])
    assert [hit.id for hit in ix.search(SearchQuery(text='"научное общество"')).hits] == ["practice:1"]
    assert ix.search(SearchQuery(text="научное общество")).total == 2


@pytest.mark.parametrize(("query_text", "document_text"), [
    # a rarer noun the word is read as now and then: «пушки» as «пушок» (fluff) once in twenty
    ("пушки", "Лёгкий пушок на листьях"), ("пушки", "Котёнок с пушком"),
    # a noun reading of a word read first as a verb: «стали» is «стать»
    ("стали", "Сталь и чугун"),
])
def test_a_word_does_not_find_the_homographs_of_its_other_readings(tmp_path: Path, query_text: str,
                                                                    document_text: str):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([IndexDocument(id="practice:1", type="practice", title="Практика", body=document_text)])
    assert ix.search(SearchQuery(text=query_text)).hits == []


@pytest.mark.parametrize("word", ["классы", "уроки", "листы", "мира", "мир", "рима", "стали", "пушки", "ставки"])
def test_only_a_noun_read_as_another_nouns_form_looks_for_that_noun(word: str):
    """«кружки» looks for «кружок» (``_homonym_terms``); these words find no other noun that way: one noun only,
    a name («Рима»), a verb first («стали»), a rare other noun («пушок», «ставок» a pond)."""
    from indexer.analysis import _homonym_terms

    assert _homonym_terms(word) == set()
    assert _homonym_terms("кружки") == {term("кружок")}


FORMAT_TEXTS = [
    "ЁЛКА Ёж ёлочка уда\u0300ре\u0301ние мяг\u00adкий Straße İstanbul ΣΟΦΟΣ",
    "Обобщение опыта: ШНО и «Школьное научное общество» в 5–9 классах.",
    "и в на Ребёнок, ребенок, РЕБЁНКА — дети; детьми! Ёлка ёлки",
    "\u0301 уда\u0301рение и мяг\u00adкий перенос, научно-практический семинар, e-mail STEM robots",
    "x" * 70 + " слово " + "д" * 61 + " 2024 года № 12 ГлобалЛаб",
    "",
    "   ",
    "а и но",
    # decomposed (NFD, as macOS and PDFs give it): «й» и + U+0306, «ё» е + U+0308; a mark no letter composes with
    # («х̆»), one at the start, a grave stress «ѐ» that NFC composes («ѐ»)
    unicodedata.normalize("NFD", "Научный кружок района: одарённые дети, Ёлка и ЙОГУРТ"),
    "и\u0306од х\u0306 \u0306начало уче\u0300ник ѐж Gru\u0308n",
    "ИОМы и ИОМа, ЭОРы, ВПРов; СПб 5 МВт; OГЭ по мaтематике, ФГOС, ХIХ век, Scratch и PISA",
    "Для 9кл. и 10-11КЛ, 5класса и 7 кл.; клуб 9клубов; ВПРами и ЭОРами, ИОМами; \u0425\u0425 век, \u0425 век, XX",
    # the century after a Roman numeral, an ordinal's ending after figures (``context_words``)
    "В XX в. и в \u0425I\u0425\u00a0в., XIX–XX вв.; Иванов В. И.; в 5-м и 10-м классе, 5-й класс, 1-я, 3-ю, 2506-р",
    unicodedata.normalize("NFD", "Учёный XX в. в 5-й школе"),
    "уче\u0301ный XX в. в 5-й школе",
]


@pytest.mark.parametrize("text", FORMAT_TEXTS)
def test_the_fast_formats_give_what_whooshs_formats_give(text: str):
    from whoosh import formats

    from indexer.analysis import RussianPositions, SurfaceExistence, fold, russian_analyzer, surface_analyzer
    from indexer.schema import spelling_words

    analyzer = russian_analyzer()
    for boost in (1.0, 3.0, 0.5):
        whooshs = formats.Positions(field_boost=boost)
        slow = sorted(whooshs.word_values(text, analyzer, mode="index"))
        packed = RussianPositions(field_boost=boost)
        fast = sorted(packed.word_values(text, analyzer, mode="index"))
        # the same words, frequencies, weights and positions; the positions packed
        assert [(w, f, wt, packed.decode_positions(v)) for w, f, wt, v in fast] == [
            (w, f, wt, whooshs.decode_positions(v)) for w, f, wt, v in slow]
        before = RussianPositions(field_boost=boost)
        del before.__dict__["packed"]  # a schema pickled before packing: whoosh's encoding, byte for byte
        assert sorted(before.word_values(text, analyzer, mode="index")) == slow
    surface = surface_analyzer()
    for value in (text, spelling_words(text), fold(text)):  # as typed, and folded: one at a time or at once
        assert sorted(SurfaceExistence(field_boost=1.0).word_values(value, surface, mode="index")) == sorted(
            formats.Existence(field_boost=1.0).word_values(value, surface, mode="index"))


@pytest.mark.parametrize("text", [
    *FORMAT_TEXTS, "ЁЛКА Ёж ёлочка", "уда\u0300ре\u0301ние мяг\u00adкий", "Straße İstanbul ΣΟΦΟΣ",
])
def test_fold_is_lower_case_and_the_fold_map(text: str):
    from indexer.analysis import FOLD_MAP, fold

    assert fold(text) == unicodedata.normalize("NFC", text).lower().translate(FOLD_MAP)


DECOMPOSED = ["Научный кружок района", "одарённые дети", "Челябинский район", "ЁЛКА, ёж и йогурт",
              "Йошкар-Ола: научно-исследовательский проект", "учёный совет «Наш край»"]


@pytest.mark.parametrize("text", DECOMPOSED)
def test_a_decomposed_text_gives_the_terms_of_its_nfc_form(text: str):
    """NFD (macOS, a PDF's copy) split «район» into «раи» and a lone breve: 15 results in NFC, 0 in NFD."""
    from indexer.analysis import RussianPositions, find_tokens, fold, fold_word

    nfd = unicodedata.normalize("NFD", text)
    assert nfd != text
    assert terms(nfd) == terms(text)
    assert fold(nfd) == fold(text)
    assert [fold_word(raw) for raw in find_tokens(nfd)] == [fold_word(raw) for raw in find_tokens(text)]
    analyzer = russian_analyzer()
    assert sorted(RussianPositions().word_values(nfd, analyzer, mode="index")) == sorted(
        RussianPositions().word_values(text, analyzer, mode="index"))
    # the offsets are those of the text's own characters (highlighting cuts the text it was given)
    words = [nfd[t.startchar:t.endchar] for t in analyzer(nfd, chars=True, removestops=False)]
    assert [unicodedata.normalize("NFC", w) for w in words] == [
        text[t.startchar:t.endchar] for t in analyzer(text, chars=True, removestops=False)]


def test_stress_marks_fold_away_whatever_the_normalisation():
    """NFC composes «е» and a grave stress mark into «ѐ» (U+0450), «и» and it into «ѝ»: folded as the mark is."""
    assert terms("учѐник и ѝскра") == terms("уче\u0300ник и и\u0300скра") == terms("ученик и искра")


def test_a_decomposed_query_finds_what_the_composed_one_finds(tmp_path: Path):
    ix = SearchIndex(tmp_path / "index")
    ix.apply([
        IndexDocument(id="practice:1", type="practice", title="Научный кружок района", body="Одарённые дети"),
        IndexDocument(id="practice:2", type="practice", title=unicodedata.normalize("NFD", "Районный этап"),
                      body=unicodedata.normalize("NFD", "Учёный совет и научные кружки")),
        IndexDocument(id="practice:3", type="practice", title="Другое", body="Совсем другой текст про уроки"),
    ])
    for query_text in ("район", "научный кружок", "одарённых детей", "учёный совет"):
        nfc = ix.search(SearchQuery(text=query_text))
        nfd = ix.search(SearchQuery(text=unicodedata.normalize("NFD", query_text)))
        assert nfc.hits and [h.id for h in nfd.hits] == [h.id for h in nfc.hits], query_text
        assert nfd.suggestion == nfc.suggestion
    assert "practice:2" in [h.id for h in ix.search(SearchQuery(text="учёный совет")).hits]


@pytest.mark.parametrize(("query_text", "document_text"), [
    ("семья", "Семь уроков подряд"), ("цели", "Урок в целом удался"), ("лицей", "Лица с ОВЗ"),
    # a short lemma's letters equal to another word's stem (version 3): Чита and читать, медиа and медиана
    ("Чита", "Учимся читать"), ("читать", "Школы Читы"), ("медиа", "Медиана треугольника"), ("Иван", "Иванова М. П."),
    # a form of the query's word read first as another word of another stem, or a name as a common word
    ("год", "Летний лагерь: лето с пользой"), ("Семёнов", "Проращивание семян"),
    # a form read first as another noun few of whose forms are the query's («цветов» as «цвет»), or a verb's
    # («стоит» of «стоять» as «стоить»)
    ("цветок", "Цвет и форма предмета"), ("стоять", "Сколько стоит билет"),
])
def test_words_of_a_short_stem_do_not_find_each_other(tmp_path: Path, query_text: str, document_text: str):
    """«сем», «цел», «лиц»: version 2 of the analysis joined them, and «цели» found every «в целом»; the search
    sweep of version 3 found the others."""
    ix = SearchIndex(tmp_path / "index")
    ix.apply([IndexDocument(id="practice:1", type="practice", title="Практика", body=document_text)])
    assert ix.search(SearchQuery(text=query_text)).hits == []


@pytest.mark.parametrize(("inflected", "abbreviation"), [
    ("ИОМы", "ИОМ"), ("ИОМа", "ИОМ"), ("ИОМов", "индивидуальный ИОМ"), ("ЭОРы", "ЭОР"), ("ВПРы", "ВПР"),
    ("УУДы", "УУД"), ("ФГОСам", "ФГОС"), ("ИOМы", "ИОМ"),
])
def test_an_abbreviation_with_a_case_ending_is_the_abbreviation(inflected: str, abbreviation: str):
    """«ИОМы», four letters, was a word of its own: texts that wrote it so were found neither by «ИОМ» nor by
    «индивидуальный образовательный маршрут»."""
    assert terms(inflected) == terms(abbreviation)[-1:]


@pytest.mark.parametrize(("word", "kept"), [
    ("СПб", "спб"), ("МВт", "мвт"), ("Проект", "проект"), ("ДЕТИ", "ребенок"), ("IT", "it"), ("ИОМЫ", "иомы"),
])
def test_words_that_are_no_abbreviation_with_an_ending_keep_their_terms(word: str, kept: str):
    assert terms(word) == [kept]


@pytest.mark.parametrize(("mixed", "cyrillic"), [
    ("O\u0413\u042d", "ОГЭ"), ("\u0424\u0413O\u0421", "ФГОС"), ("м\u0061тематике", "математике"),
    ("в\u0061рианты", "варианты"), ("\u0441ен\u0061т", "сенат"), ("P\u0421\u0411", "РСБ"),
])
def test_latin_look_alikes_in_a_cyrillic_word_are_the_cyrillic_letters(mixed: str, cyrillic: str):
    """«OГЭ» with a Latin O (a PDF's copy, a scan) was another word than «ОГЭ»: the usual query missed the text, and
    a query so typed found nothing."""
    assert terms(mixed) == terms(cyrillic)


@pytest.mark.parametrize("word", ["Scratch", "PISA", "e-mail", "tоб", "iPadе"])
def test_words_mostly_latin_or_with_other_latin_letters_stay_as_written(word: str):
    from indexer.analysis import fold

    assert " ".join(terms(word)) == " ".join(term(w) for w in fold(word).replace("-", " ").split())


def test_inflected_abbreviations_and_look_alikes_are_found_and_marked(tmp_path: Path):
    index = SearchIndex(tmp_path / "index")
    index.apply([
        IndexDocument(id="practice:1", type="practice", title="Портфолио и ИОМы старшеклассников",
                      body="Разработка ИОМа для каждого ученика; ЭОРы на уроках; ВПРы в 5 классе."),
        IndexDocument(id="practice:2", type="practice", title="Маршрут", body="ИОМ ученика 9 класса."),
        IndexDocument(id="practice:3", type="practice", title="Подготовка к O\u0413\u042d по м\u0061тематике",
                      body="Тренировочные в\u0061рианты O\u0413\u042d."),
    ])

    def found(text: str) -> dict[str, str]:
        return {hit.id: hit.snippet for hit in index.search(SearchQuery(text=text)).hits}

    assert set(found("ИОМ")) == set(found("ИОМы")) == set(found("иомов")) == {"practice:1", "practice:2"}
    assert "<mark>ИОМа</mark>" in found("ИОМ")["practice:1"]
    assert set(found("ЭОР")) == set(found("ВПР")) == {"practice:1"}
    assert set(found("ОГЭ")) == set(found("O\u0413\u042d")) == {"practice:3"}
    assert set(found("математика")) == set(found("варианты")) == {"practice:3"}
    assert "<mark>" in found("математика")["practice:3"]


@pytest.mark.parametrize(("glued", "apart"), [
    ("9кл", "9 класс"), ("5кл.", "5 кл."), ("10-11кл", "10-11 классов"), ("9КЛ", "9 класс"), ("9класса", "9 класса"),
    ("9классный", "9 классный"), ("9клуб", "9клуб"), ("кл", "класс"),
])
def test_a_class_glued_to_its_number_is_apart_and_kl_is_klass(glued: str, apart: str):
    assert terms(glued) == terms(apart)


def test_a_class_glued_to_its_number_has_its_offsets():
    text = "Для 9кл. и 10-11кл"
    assert [text[t.startchar:t.endchar] for t in russian_analyzer()(text, chars=True)] == [
        "9", "кл", "10", "11", "кл"]


@pytest.mark.parametrize(("inflected", "abbreviation"), [("ВПРами", "ВПР"), ("НПКами", "НПК"), ("ИИами", "ИИ"),
                                                          ("ВсОШами", "ВсОШ"), ("ПМПКами", "ПМПК")])
def test_a_known_abbreviation_with_the_ending_ami_is_the_abbreviation(inflected: str, abbreviation: str):
    assert terms(inflected) == terms(abbreviation)


@pytest.mark.parametrize("word", ["КАМАЗами", "ДНКами", "Рамами"])
def test_other_capitals_before_ami_are_left_as_they_were(word: str):
    from indexer.analysis import plain_token

    assert plain_token(word) == word


def test_the_known_abbreviations_are_those_search_knows():
    """The index drops «-ами» only after KNOWN_ABBREVIATIONS: every abbreviation of the synonym table and of the
    thesaurus must be among them (adding one there changes terms: ANALYSIS_VERSION), or wait among
    KNOWN_ABBREVIATIONS_NEXT for the next version change."""
    from indexer.analysis import ANALYSIS_VERSION, KNOWN_ABBREVIATIONS, KNOWN_ABBREVIATIONS_NEXT
    from kb.search.synonyms import ABBREVIATIONS, _is_abbreviation, synonym_groups
    from kb.vocabularies.data import TOPICS

    groups = synonym_groups([(topic["label"], topic.get("synonyms", [])) for topic in TOPICS])
    known = {word for group in groups for phrase in group for word in phrase.split() if _is_abbreviation(word)}
    assert set(ABBREVIATIONS) | known <= KNOWN_ABBREVIATIONS | KNOWN_ABBREVIATIONS_NEXT
    # a version change takes the waiting ones in
    assert ANALYSIS_VERSION == 9 or not KNOWN_ABBREVIATIONS_NEXT - KNOWN_ABBREVIATIONS


@pytest.mark.parametrize(("typed", "latin"), [
    ("\u0425\u0425", "XX"), ("\u0425I\u0425", "XIX"), ("\u0425\u0425I", "XXI"), ("I\u0425", "IX"),
    ("\u0406\u0406", "II"), ("X\u0425", "XX"),
])
def test_a_roman_numeral_typed_with_cyrillic_letters_is_the_latin_one(typed: str, latin: str):
    assert terms(typed) == terms(latin)


@pytest.mark.parametrize("word", ["\u0425", "\u0425\u041c", "\u0425\u0425\u0425\u0425", "МИД", "XL", "\u0445\u0445"])
def test_other_words_of_such_letters_are_no_roman_numeral(word: str):
    from indexer.analysis import fold

    assert terms(word) == [term(fold(word))]


@pytest.mark.parametrize(("text", "same_as"), [
    ("Литература XX в.", "Литература XX век"), ("\u0425I\u0425 в.", "XIX век"), ("X в.", "X век"),
    ("XIX–XX вв.", "XIX XX век"), ("\u0425 в.", "\u0425 век"),
])
def test_the_abbreviation_v_after_a_roman_numeral_is_the_word_century(text: str, same_as: str):
    assert terms(text) == terms(same_as)


@pytest.mark.parametrize("text", ["Иванов В. И.", "в 5 в. классе", "дом в. 3", "XX в", "ХХ во дворе", "ХХ в"])
def test_the_abbreviation_v_elsewhere_stays_the_preposition(text: str):
    assert term("век") not in terms(text)


def test_an_ordinal_ending_after_figures_leaves_the_number_beside_the_next_word():
    """«5-й класс»: the ending «й» keeps its place (a phrase in quotes «"5-й класс"» holds it), and the number
    stands also where the ending is, so that the phrase «5 класс» matches (with no more weight to the number)."""
    from whoosh import formats

    from indexer.analysis import RussianPositions

    for written in ("5-й класс", "5-го класса", "в 10-м классе", "5\u2011й класс"):
        values = {w: (f, wt, RussianPositions().decode_positions(v))
                  for w, f, wt, v in RussianPositions().word_values(written, russian_analyzer(), mode="index")}
        number = "10" if "10" in written else "5"
        start = values[number][2][0]
        assert values[number] == (2, 1.0, [start, start + 1]) and values[term("класс")][2] == [start + 2]
        slow = {w: (f, wt, formats.Positions().decode_positions(v))
                for w, f, wt, v in formats.Positions().word_values(written, russian_analyzer(), mode="index")}
        assert slow == values
    # a query's words and an ending not after figures are as they were
    assert terms("5-й класс") == ["5", "й", term("класс")]
    values = dict((w, f) for w, f, _wt, _v in RussianPositions().word_values("2506-р и й-класс", russian_analyzer(),
                                                                                mode="index"))
    assert values["2506"] == 1
