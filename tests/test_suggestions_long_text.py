"""Suggestions on a long text: the phrases of topics and levels and the gazetteers' names are looked for where
they may stand, not at every word, and find the same as a plain scan; the JSON endpoint and the form's
«Заполнить по тексту» share one rate limit."""

import random
import re

import pytest

import kb.models  # noqa: F401  (every mapper known before the services below build their queries)
from kb.resolutions import parser
from kb.resolutions.services import gazetteer
from kb.suggestions import services as suggestions
from kb.vocabularies import data, topics
from kb.vocabularies.topics import StemIndex
from tests.conftest import SEEDS, csrf_from, sign_in


def plain_contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    """The phrase at any position of the stems, tried at every one of them."""
    n = len(needle)
    return any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


def plain_topics(text: str) -> list[str]:
    stems = topics._stems(text)
    words = set(topics._WORD.findall(text))
    return [code for code, phrases, abbreviations in topics._patterns()
            if any(a in words for a in abbreviations) or any(plain_contains(stems, p) for p in phrases)]


def plain_levels(text: str) -> list[str]:
    stems = suggestions._stems(text)
    words = set(suggestions._WORD.findall(text))
    by_grade = suggestions._grade_levels(text)
    return [code for code, phrases, abbreviations in suggestions._level_patterns()
            if code in by_grade or abbreviations & words or any(plain_contains(stems, p) for p in phrases)]


def plain_kind_follows(gazetteer: parser.Gazetteer, text: str, tokens: list, j: int, _known=None) -> bool:
    """A kind word within 40 steps of ``j``, walked from ``j`` every time."""
    steps = 0
    while j < len(tokens) and steps < 40:
        if not re.fullmatch(r"[\s,]*", text[tokens[j - 1].end:tokens[j].start]):
            return False
        token = tokens[j]
        if token.stems[0] in parser._KIND_STEMS and len(token.stems) == 1:
            return True
        if token.folded == "и":
            j += 1
        elif length := gazetteer._adjective_length(tokens, j):
            j += length
        else:
            return False
        steps += 1
    return False


def plain_regions(gazetteer: parser.Gazetteer, text: str) -> list[str]:
    """Gazetteer.find_regions trying every word of the text and walking each list of names from each name."""
    tokens = parser._tokens(text)
    codes: list[str] = []
    i = 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parser.Gazetteer, "_kind_follows", plain_kind_follows)
        while i < len(tokens):
            for pattern in gazetteer._candidates(tokens, i):
                if gazetteer._accept(pattern, text, tokens, i):
                    if pattern.code not in codes:
                        codes.append(pattern.code)
                    i += len(pattern.tokens)
                    break
            else:
                i += 1
    return codes


# Pieces the texts are made of: whole names and phrases, their parts, words around them.
PLACES = [
    "в Челябинской области", "Челябинской и Смоленской областей", "Амурской, Омской и Челябинской областей",
    "г. Миасса", "в Миассе", "Копейского городского округа", "Агаповском муниципальном районе", "в Смоленске",
    "Сосновского района", "Владимир Иванов", "город Владимир", "Иванова Мария", "Ханты-Мансийского автономного",
    "ХМАО", "СПб", "Республики Татарстан", "Татарстана", "челябинской области", "Челябинск", "Челябинский",
    "Москва", "москвы", "Санкт-Петербурга", "Краснодарском крае", "Краснодарском", "области", "г.", "городе",
]
FILLERS = ["школа", "учителя", "опыт", "и", "в", "на", "с", "проект", "детей", "педагоги", "практика", "программа",
           "образования", "дополнительного", "общего", "классов", "5–9 классов", "10 класс", "a", "b", "2023"]


def _phrases() -> list[str]:
    result = [c for cues in suggestions.LEVEL_CUES.values() for c in cues]
    result += [level["name"] for level in data.LEVELS]
    for topic in data.TOPICS:
        result += [topic["label"], *topic.get("synonyms", [])]
    return result


def _texts(seed: int, count: int, length: int) -> list[str]:
    """Texts of whole phrases, their first and last words, reversed phrases, places and fillers."""
    rng = random.Random(seed)
    phrases = _phrases()
    texts = []
    for _ in range(count):
        pieces = []
        while len(pieces) < length:
            roll = rng.random()
            phrase = rng.choice(phrases).split()
            if roll < 0.2:
                pieces.append(" ".join(phrase))
            elif roll < 0.35:
                pieces.append(" ".join(phrase[:-1] or phrase))
            elif roll < 0.45:
                pieces.append(" ".join(phrase[1:] or phrase))
            elif roll < 0.55:
                pieces.append(" ".join(reversed(phrase)))
            elif roll < 0.7:
                pieces.append(rng.choice(PLACES))
            else:
                pieces.append(rng.choice(FILLERS))
        texts.append(rng.choice(["", ". ", "\n"]).join(pieces) if rng.random() < 0.2 else " ".join(pieces))
    return texts


TEXTS = [
    "", "школа", "детский сад", "сад детский", "детский", "повышение квалификации учителей",
    "дополнительное профессиональное образование", "дополнительное образование детей и взрослых",
    "Практика внедрена в школах Челябинской области, в том числе в Копейском городском округе. "
    "Её участники — обучающиеся с ОВЗ 5–9 классов и их педагоги; занятия проходят после уроков.",
    *_texts(1, 60, 12), *_texts(2, 10, 150), *_texts(3, 2, 1500),
]


def _seed_texts() -> list[str]:
    return [parser.normalise(path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))]


def test_the_stem_index_finds_what_a_plain_scan_finds():
    rng = random.Random(7)
    for _ in range(400):
        stems = [rng.choice("abcde") for _ in range(rng.randrange(0, 40))]
        index = StemIndex(stems)
        for _ in range(10):
            phrase = tuple(rng.choice("abcdef") for _ in range(rng.randrange(1, 5)))
            assert index.contains(phrase) == plain_contains(stems, phrase), (stems, phrase)
    assert StemIndex([]).contains(()) and StemIndex(["a"]).contains(())


def test_a_phrase_is_tried_only_where_its_rarest_stem_stands():
    stems = ["a"] * 100_000 + ["дет", "сад"] + ["дет"] * 1000
    index = StemIndex(stems)
    assert list(index.starts(("дет", "сад"))) == [100_000]
    assert list(index.starts(("a", "сад"))) == [100_000]  # where «сад» is, one before: «дет сад»
    assert list(index.starts(("школ",))) == [] and list(index.starts(("дет", "школ"))) == []
    assert index.contains(("дет", "сад")) and index.contains(("a", "дет", "сад", "дет"))
    assert not index.contains(("сад", "a")) and not index.contains(("a", "сад"))


def test_levels_are_those_a_plain_scan_finds():
    for text in TEXTS:
        assert suggestions.suggest_levels(text) == plain_levels(text), text


def test_topics_are_those_a_plain_scan_finds(app):
    with app.app_context():
        for text in TEXTS + _seed_texts():
            assert topics.suggest_topics(text) == plain_topics(text), text


def test_regions_and_municipalities_are_those_a_plain_scan_finds(app):
    with app.app_context():
        gazetteers = (gazetteer(), suggestions.municipality_gazetteer())
        for text in TEXTS + _seed_texts():
            for found in gazetteers:
                assert found.find_regions(text) == plain_regions(found, text), text


def _counting_candidates(monkeypatch) -> list[int]:
    calls: list[int] = []
    candidates = parser.Gazetteer._candidates

    def counted(self, tokens, i):
        calls.append(i)
        return candidates(self, tokens, i)

    monkeypatch.setattr(parser.Gazetteer, "_candidates", counted)
    return calls


def test_a_gazetteer_tries_its_names_only_at_capitalised_words(app, monkeypatch):
    """In a text (not a query typed in a search box) a name is written with a capital: the other words are not
    looked up, so a long lower-case text costs the reading of its words and no more."""
    calls = _counting_candidates(monkeypatch)
    with app.app_context():
        text = "a " * 50_000 + "в школах Челябинской области"
        assert gazetteer().find_regions(text) == ["RU-CHE"]
        assert len(calls) <= 3
        calls.clear()  # a query typed in lower case is still read at every word
        assert [code for code, *_ in gazetteer().typed_mentions("школы челябинской области")] == ["RU-CHE"]
        assert len(calls) >= 2


def test_a_list_of_names_is_walked_once(app, monkeypatch):
    """«Амурской, Омской и Челябинской областей»: each name of a list is looked up once, not once more for every
    name before it, however long the list (a text of nothing but «Челябинской» repeated)."""
    calls = _counting_candidates(monkeypatch)
    with app.app_context():
        found = gazetteer()
        assert found.find_regions("Челябинской " * 5000) == []
        assert len(calls) <= 2 * 5000
        calls.clear()
        assert found.find_regions("Челябинской " * 5000 + "области") == ["RU-CHE"]
        assert len(calls) <= 2 * 5000


@pytest.mark.parametrize("names", [1, 2, 39, 40, 41, 60])
def test_a_kind_word_is_looked_for_within_forty_steps_as_before(app, names):
    regions = ["Амурской", "Омской", "Смоленской", "Тверской", "Челябинской"]
    text = ", ".join(regions[k % len(regions)] for k in range(names)) + " и Курской областей, Челябинская область"
    with app.app_context():
        for found in (gazetteer(), suggestions.municipality_gazetteer()):
            assert found.find_regions(text) == plain_regions(found, text)


def test_a_long_text_gets_the_same_suggestions(app):
    text = " ".join(_texts(4, 1, 12_000)[0].split()[:12_000])
    with app.app_context():
        found = suggestions.suggest(text)
        assert [x.code for x in found.topics] == plain_topics(text)
        assert [x.code for x in found.levels] == plain_levels(text)
        assert found.regions and found.topics and found.levels


@pytest.fixture
def teacher(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    return client


def test_the_json_endpoint_has_a_rate_limit_per_account(app, make_user, teacher):
    app.config["SUGGESTIONS_RATE_LIMIT"] = "2 per minute"
    token = csrf_from(teacher, "/practices/new")
    for _ in range(2):
        assert teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"}).status_code == 200
    over = teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"})
    assert over.status_code == 429
    assert re.fullmatch(r"Слишком много запросов подсказок\. Повторите через (\d+ секунд[уы]?|1 минуту)\.",
                        over.get_json()["error"])
    assert int(over.headers["Retry-After"]) >= 1
    other = app.test_client()  # another account from the same address is not held back
    sign_in(other, make_user("teacher"))
    answer = other.post("/practices/suggestions", data={"csrf_token": csrf_from(other, "/practices/new"),
                                                        "text": "школа"})
    assert answer.status_code == 200


def suggest_on_form(client, url="/practices/new", **fields):
    data = {"csrf_token": csrf_from(client, url), "suggest": "1", **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def test_the_form_s_suggest_step_shares_the_limit_and_keeps_what_was_typed(app, make_user, make_practice, teacher):
    """«Заполнить по тексту» on the form does the JSON endpoint's work: it counts on the same per-account limit,
    and over it the form comes back with everything typed, never a 429 page that loses the text."""
    app.config["SUGGESTIONS_RATE_LIMIT"] = "2 per minute"
    token = csrf_from(teacher, "/practices/new")
    assert teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"}).status_code == 200
    typed = {"title": "Экспедиции юных краеведов", "annotation": "Сельская школа &lt;ведёт&gt; экспедиции",
             "suggest_text": "учащиеся 5-9 классов, Смоленск"}
    assert suggest_on_form(teacher, **typed).status_code == 200
    over = suggest_on_form(teacher, **typed)
    page = over.get_data(as_text=True)
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    wait = re.search(r"Слишком много подсказок подряд, повторите через (\d+) (секунд[уы]?|минуту); "
                     r"заполненные поля сохранены", page)
    assert wait and int(wait.group(1)) >= 1
    assert 'value="Экспедиции юных краеведов"' in page
    assert "Сельская школа &amp;lt;ведёт&amp;gt; экспедиции" in page
    assert "учащиеся 5-9 классов, Смоленск</textarea>" in page
    assert 'name="csrf_token"' in page and "Предложено" not in page
    assert teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"}).status_code == 429
    # saving the form is never held back by the limit of suggestions
    saved = teacher.post("/practices/new", data={"csrf_token": token, "save_draft": "1", **typed})
    assert saved.status_code == 302
    owner = make_user("teacher")  # the edit form's step is limited as well, per account
    with app.app_context():
        pid = make_practice("Черновик", status="draft", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)
    url = f"/practices/{pid}/edit"
    assert [suggest_on_form(client, url, title="Черновик").status_code for _ in range(3)] == [200, 200, 429]
    assert "заполненные поля сохранены" in suggest_on_form(client, url, title="Черновик").get_data(as_text=True)


def test_over_the_daily_limit_the_wait_is_said_in_hours_and_minutes(app, teacher):
    """300 a day spent: the wait is hours, said as a person says it, in the form and in the JSON."""
    app.config["SUGGESTIONS_RATE_LIMIT"] = "10 per minute;1 per day"
    token = csrf_from(teacher, "/practices/new")
    assert teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"}).status_code == 200
    over = teacher.post("/practices/suggestions", data={"csrf_token": token, "text": "школа"})
    assert over.status_code == 429 and int(over.headers["Retry-After"]) > 23 * 3600
    # a day's window just opened: 23 hours 59 minutes and some seconds, said as the whole day
    assert over.get_json()["error"] == "Исчерпан суточный предел запросов подсказок. Повторите через 24 часа."
    page = suggest_on_form(teacher, title="Экспедиции юных краеведов").get_data(as_text=True)
    assert "Исчерпан суточный предел подсказок, повторите через 24 часа; заполненные поля сохранены." in page
    assert " с;" not in page


@pytest.mark.parametrize(("seconds", "said"), [
    (1, "через 1 секунду"), (3, "через 3 секунды"), (40, "через 40 секунд"), (21, "через 21 секунду"),
    (59, "через 59 секунд"), (60, "через 1 минуту"), (61, "через 2 минуты"), (300, "через 5 минут"),
    (3599, "через 1 час"), (3600, "через 1 час"), (8100, "через 2 часа 15 минут"),
    (5 * 3600 + 21 * 60, "через 5 часов 21 минуту"), (11 * 3600 + 60 * 22, "через 11 часов 22 минуты"),
    (86399, "через 24 часа"), (21 * 3600 + 1, "через 21 час 1 минуту"),
])
def test_a_wait_reads_naturally_in_russian(seconds, said):
    from kb.templating import wait_phrase

    assert wait_phrase(seconds) == said
