"""The practice page's metadata as links to searches: the municipality to its filter, the organisation and the
event to the search for their phrase."""

import html
import re
from urllib.parse import parse_qs, urlsplit

from markupsafe import escape
from sqlalchemy import select

from kb.extensions import db
from kb.vocabularies.models import Municipality

KOPEYSK = "RU-CHE-kopeysky"


def _municipality_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Municipality.id).where(Municipality.code == code))


def _link(page: str, title: str) -> str:
    """The href of the practice page's metadata value after ``title`` (unescaped)."""
    found = re.search(rf"<dt>{title}</dt><dd><a href=\"([^\"]*)\">", page)
    assert found, title
    return html.unescape(found.group(1))


def test_the_practice_page_links_its_municipality_organisation_and_event(app, make_practice):
    """Each metadata value of a practice leads to a search: its municipality to the filter (with its region), its
    organisation and event to the search for the phrase as written. Quote marks inside a name neither break the
    phrase nor the page; the spread level, which no filter has, stays text."""
    organisation = 'МБОУ "СОШ № 1" <г. Копейск> & филиал «Надежда»'
    event = "Конкурс «Учитель года — 2024» (муниципальный этап)"
    kopeysk = _municipality_id(app, KOPEYSK)
    with app.app_context():
        practice = make_practice("Шахматный клуб", municipality_id=kopeysk, organisation=organisation, event=event,
                                 spread_level="municipality")
        # the same words in another order: not the phrase
        other = make_practice("Другая практика", organisation="Филиал Надежда, МБОУ СОШ № 1 г. Копейск",
                              event="Этап муниципальный: конкурс Учитель года 2024")
    client = app.test_client()
    page = client.get(f"/practices/{practice}").get_data(as_text=True)
    assert "<г. Копейск>" not in page
    assert _link(page, "Муниципалитет") == f"/search?region=RU-CHE&municipality={KOPEYSK}"
    assert '<dd><a href="/search?region=RU-CHE&amp;municipality=RU-CHE-kopeysky">Копейский городской округ</a></dd>' \
        in page
    assert f"<dd>{escape(organisation)}</dd>" not in page and f">{escape(organisation)}</a></dd>" in page
    assert "<dt>Уровень распространения</dt><dd>Муниципальный уровень</dd>" in page

    for title in ("Организация", "Где представлена"):
        url = _link(page, title)
        query = parse_qs(urlsplit(url).query)
        assert urlsplit(url).path == "/search" and list(query) == ["q"], url
        phrase = query["q"][0]
        assert phrase.startswith('"') and phrase.endswith('"') and phrase.count('"') == 2, phrase
        assert not set(phrase) & set("«»“”„"), phrase
        found = client.get("/api/v1/search", query_string={"q": phrase}).json
        assert [r["id"] for r in found["results"]] == [practice], (title, phrase, found.get("notice"))
        assert "notice" not in found, found["notice"]
        assert client.get(url).status_code == 200
    assert other


def test_a_long_organisation_s_phrase_fits_the_query(app, make_practice):
    """A query is read up to 300 characters: the phrase of a longer organisation name is its first words, closed,
    and still finds it (cut by the parser, its quote was left open and every quote dropped)."""
    organisation = ("Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа "
                    "с углублённым изучением отдельных предметов № 42 имени Героя Советского Союза") + \
        " и её структурное подразделение" * 8
    assert len(organisation) > 300
    with app.app_context():
        practice = make_practice("Практика длинной школы", organisation=organisation)
    client = app.test_client()
    url = _link(client.get(f"/practices/{practice}").get_data(as_text=True), "Организация")
    phrase = parse_qs(urlsplit(url).query)["q"][0]
    assert len(phrase) <= 300 and phrase.startswith('"Муниципальное бюджетное') and phrase.endswith('"')
    found = client.get("/api/v1/search", query_string={"q": phrase}).json
    assert [r["id"] for r in found["results"]] == [practice] and "notice" not in found


def test_organisation_phrases_with_the_query_syntax_inside(app, make_practice):
    """An organisation's name may hold what the query parser reads as syntax: its link still finds it, without a
    notice that the query was simplified."""
    names = ['ООО "Ромашка" (филиал) - OR NOT AND', "School: Best *test* title:x ~2 ^3 [a TO b]",
             "ЦРО г. Смоленска «Перспектива» — центр «“Развитие”»", "МАОУ «Лицей № 11» -НЕ- ИЛИ +школа"]
    with app.app_context():
        ids = [make_practice(f"Практика {i}", organisation=name) for i, name in enumerate(names)]
    client = app.test_client()
    for practice, name in zip(ids, names, strict=True):
        url = _link(client.get(f"/practices/{practice}").get_data(as_text=True), "Организация")
        found = client.get("/api/v1/search", query_string=parse_qs(urlsplit(url).query)).json
        assert [r["id"] for r in found["results"]] == [practice], (name, url, found.get("notice"))


def test_an_organisation_or_event_without_a_word_is_no_link(app, make_practice):
    """A registry writes «—» for «none»: its link searched for «"—"», found nothing and said the query had no
    words. Such a value stays text."""
    from kb.templating import phrase_query

    for none in ("—", "- - -", "(...)", "№ —", "'`"):
        assert phrase_query(none) == "", none
    assert phrase_query("Школа № 5") == '"Школа № 5"'
    with app.app_context():
        practice = make_practice("Практика без организации", organisation="—", event="(...)")
    page = app.test_client().get(f"/practices/{practice}").get_data(as_text=True)
    assert "<dd>—</dd>" in page and "<dd>(...)</dd>" in page
