"""Search, practice and browse pages and the JSON API over the demo data."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice

DRAFT_WORD = "черновиктест"


def test_home_page(demo_client):
    page = demo_client.get("/").get_data(as_text=True)
    assert "64 практики" in page
    assert "Банк положительного педагогического опыта" in page
    assert 'lang="ru"' in page


def test_inflected_query_finds_and_highlights(demo_client):
    response = demo_client.get("/search", query_string={"q": "одарённых детей"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<mark>" in page
    total = int(re.search(r"Найдено: <strong>(\d+)</strong>", page).group(1))
    assert total >= 5
    e_spelling = demo_client.get("/api/v1/search", query_string={"q": "одаренные дети"}).json["total"]
    assert e_spelling == demo_client.get("/api/v1/search", query_string={"q": "одарённые дети"}).json["total"]


def test_facets_combine_and_chips_remove_them(demo_client):
    all_practices = demo_client.get("/api/v1/search", query_string={"type": "practice", "per_page": 1}).json
    assert all_practices["total"] == 64
    che = next(f for f in all_practices["facets"]["region"] if f["value"] == "RU-CHE")
    assert che["label"] == "Челябинская область"
    filtered = demo_client.get(
        "/api/v1/search", query_string={"type": "practice", "region": "RU-CHE", "per_page": 100}
    ).json
    assert filtered["total"] == che["count"]
    assert all(r["region"]["code"] == "RU-CHE" for r in filtered["results"])
    primary = next(f for f in filtered["facets"]["level"] if f["value"] == "primary")
    both = demo_client.get(
        "/api/v1/search", query_string={"type": "practice", "region": "RU-CHE", "level": "primary"}
    ).json
    assert both["total"] == primary["count"]
    assert 0 < both["total"] < filtered["total"]

    page = demo_client.get("/search?type=practice&region=RU-CHE&level=primary").get_data(as_text=True)
    assert "Регион: Челябинская область" in page
    assert 'href="/search?type=practice&amp;level=primary"' in page  # removing the region chip


def test_every_facet_shows_real_values(demo_client):
    facets = demo_client.get("/api/v1/search").json["facets"]
    assert {f["value"] for f in facets["type"]} == {"practice", "resolution", "recommendation"}
    assert len(facets["region"]) >= 10
    assert len(facets["topic"]) >= 15
    assert len(facets["subject"]) >= 8
    assert {"preschool", "primary", "basic", "secondary", "additional"} <= {f["value"] for f in facets["level"]}
    assert {str(y) for y in range(2015, 2026)} <= {f["value"] for f in facets["year"]}


def test_a_list_without_words_offers_no_relevance_order(demo_client):
    """Without words nothing is ranked by relevance (the list goes newest first), yet the page said «Сортировка: по
    релевантности» as chosen."""
    page = " ".join(demo_client.get("/search?region=RU-CHE").get_data(as_text=True).split())
    assert "<strong>по дате</strong>" in page and "по релевантности" not in page
    page = " ".join(demo_client.get("/search", query_string={"q": "музей"}).get_data(as_text=True).split())
    assert "<strong>по релевантности</strong>" in page and ">по дате</a>" in page


def test_pagination_and_sort(demo_client):
    first = demo_client.get("/api/v1/search", query_string={"type": "practice", "per_page": 10}).json
    second = demo_client.get("/api/v1/search", query_string={"type": "practice", "per_page": 10, "page": 2}).json
    assert len(first["results"]) == len(second["results"]) == 10
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
    by_date = demo_client.get("/api/v1/search", query_string={"type": "practice", "sort": "date", "per_page": 64}).json
    years = [r["year"] for r in by_date["results"]]
    assert years == sorted(years, reverse=True)
    page = demo_client.get("/search?type=practice&page=2").get_data(as_text=True)
    assert 'aria-current="page" class="current"><span class="visually-hidden">Страница </span>2<' in page
    assert 'rel="prev"' in page and 'rel="next"' in page


def _title(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))


def test_a_page_past_the_first_says_its_number_in_the_title_and_its_links_say_page(demo_client):
    """Page 2 had page 1's <title>, and the links of the pagination read as bare numbers («3», «4»): a screen-reader
    user switching tabs or listing the links could not tell which page was which."""
    first = demo_client.get("/search?type=practice").get_data(as_text=True)
    pages = max(int(n) for n in re.findall(r'page=(\d+)"', first))
    assert pages >= 3
    assert _title(first) == "Все материалы — Банк практик"
    second = demo_client.get("/search?type=practice&page=2").get_data(as_text=True)
    assert _title(second) == f"Все материалы — страница 2 из {pages} — Банк практик"
    asked = demo_client.get("/search", query_string={"q": "опыт", "page": 2}).get_data(as_text=True)
    assert re.fullmatch(r"«опыт» — поиск — страница 2 из \d+ — Банк практик", _title(asked))
    nav = second[second.index('<nav class="pagination"'):]
    nav = nav[:nav.index("</nav>")]
    names = re.findall(r'<a [^>]*>.*?</a>|<span aria-current="page"[^>]*>.*?</span>[^<]*</span>', nav)
    named = [" ".join(re.sub(r"<[^>]+>", "", name).split()) for name in names]
    assert named[0] == "← Назад" and named[-1] == "Дальше →"
    assert "Страница 2" in named and "Страница 1" in named
    assert all(re.fullmatch(r"Страница \d+", name) for name in named[1:-1]), named


def test_empty_result_page_helps(demo_client):
    page = demo_client.get("/search", query_string={"q": "абракадабраксфф"}).get_data(as_text=True)
    assert "Ничего не найдено" in page
    assert "Найдено: <strong>0</strong>" in page


def test_a_page_past_the_last_leads_to_the_last(demo_client):
    """«Найдено: 40» stood over «Ничего не найдено — проверьте написание» with no pagination on page 99."""
    whole = demo_client.get("/api/v1/search", query_string={"q": "опыт", "per_page": 20}).json["total"]
    pages = -(-whole // 20)
    assert pages >= 2
    past = demo_client.get("/search", query_string={"q": "опыт", "region": "RU-CHE", "page": 99})
    kept = parse_qs(urlsplit(past.headers["Location"]).query)
    assert past.status_code == 302 and (kept["q"], kept["region"]) == (["опыт"], ["RU-CHE"])
    assert kept.get("page", ["1"]) != ["99"]
    last = demo_client.get("/search", query_string={"q": "опыт", "page": 99})
    assert parse_qs(urlsplit(last.headers["Location"]).query) == {"q": ["опыт"], "page": [str(pages)]}
    page = demo_client.get(last.headers["Location"]).get_data(as_text=True)
    assert "Ничего не найдено" not in page and '<li class="result' in page
    assert demo_client.get("/search", query_string={"q": "абракадабраксфф", "page": 3}).status_code == 200


HOSTILE = [
    '"незакрытая кавычка', "(скобка", "скобка)", "title:", "foo:bar", "*", "?", "~", "-", "AND", "OR NOT",
    "одарённые AND (", "[TO]", "{", "^2", "\\", "x" * 5000, "одар* ~2", "\x00\x01", "<script>alert(1)</script>",
    "title:черновиктест", "и в на",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_fail(demo_client, query):
    page = demo_client.get("/search", query_string={"q": query})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.get_data(as_text=True)
    api = demo_client.get("/api/v1/search", query_string={"q": query[:1000]})
    assert api.status_code == 200
    assert isinstance(api.json["total"], int)


def test_drafts_are_invisible_everywhere(demo_app, demo_client):
    with demo_app.app_context():
        draft_ids = list(db.session.scalars(select(Practice.id).where(Practice.status != "published")))
    assert len(draft_ids) == 4
    for q in (DRAFT_WORD, f"title:{DRAFT_WORD}", f'"{DRAFT_WORD}"'):
        assert demo_client.get("/api/v1/search", query_string={"q": q}).json["total"] == 0
        page = demo_client.get("/search", query_string={"q": q}).get_data(as_text=True)
        assert DRAFT_WORD not in page[page.index('<section class="results"'):], "only the echoed query shows it"
    everything = demo_client.get("/api/v1/search", query_string={"per_page": 100, "type": "practice"}).json
    assert everything["total"] == 64
    # the type facet is counted without its own selection: the practices' count is the total
    assert {f["value"]: f["count"] for f in everything["facets"]["type"]}["practice"] == 64
    for draft_id in draft_ids:
        assert demo_client.get(f"/practices/{draft_id}").status_code == 404
        assert demo_client.get(f"/api/v1/practices/{draft_id}").status_code == 404
        assert draft_id not in {r["id"] for r in everything["results"]}


def test_practice_page_shows_sections_and_linked_metadata(demo_app, demo_client):
    with demo_app.app_context():
        practice = db.session.scalar(
            select(Practice).where(Practice.status == "published", Practice.technology != "").limit(1)
        )
        pid, region, title = practice.id, practice.region_code, practice.title
        topic = practice.topics[0].code
    page = demo_client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Технология (содержание) опыта" in page
    assert f'href="/search?region={region}"' in page
    assert f'href="/search?topic={topic}"' in page
    assert title.replace('"', "&#34;") in page or title in page


def test_missing_pages_are_russian_404(demo_client):
    for url in ("/practices/999999", "/resolutions/999999", "/recommendations/999999", "/nowhere"):
        response = demo_client.get(url)
        assert response.status_code == 404
        assert "Страница не найдена" in response.get_data(as_text=True)
    api = demo_client.get("/api/v1/practices/999999")
    assert api.status_code == 404 and api.json["title"] == "Страница не найдена"


def test_browse_pages_count_published_practices(demo_client):
    topics = demo_client.get("/topics").get_data(as_text=True)
    assert 'href="/search?topic=school_science_society&amp;type=practice"' in topics
    regions = demo_client.get("/regions").get_data(as_text=True)
    assert "Уральский федеральный округ" in regions and "Другие страны" in regions
    levels = demo_client.get("/levels").get_data(as_text=True)
    assert "Дошкольное образование" in levels
    count = re.search(r'level=preschool&amp;type=practice">Дошкольное образование</a>\s*<span class="count">(\d+)',
                      levels)
    api = demo_client.get("/api/v1/search", query_string={"type": "practice", "level": "preschool"}).json
    assert int(count.group(1)) == api["total"]


@pytest.mark.parametrize("page,field", [("/topics", "topic"), ("/regions", "region"), ("/levels", "level")])
def test_a_browse_count_is_what_its_link_finds(demo_client, page, field):
    """«Олимпиады и конкурсы — 8 практик» opened «Найдено: 13»: the link searched every kind of material (resolutions
    and recommendations too), the number counted practices. The opened page's own facet says the same number."""
    listing = demo_client.get(page).get_data(as_text=True)
    entries = re.findall(r'<a href="(/search\?[^"]+)">([^<]*)</a>\s*<span class="count">(\d+)', listing)
    assert len(entries) >= 3
    for link, label, count in entries:
        url = html.unescape(link)
        assert parse_qs(urlsplit(url).query)["type"] == ["practice"], url
        found = demo_client.get(url).get_data(as_text=True)
        total = re.search(r"Найдено: <strong>(\d+)</strong>", found)
        assert total and total.group(1) == count, (url, count, total and total.group(1))
        facet = found[found.index(f'data-facet="{field}"'):].split("</section>")[0]
        assert re.search(rf'class="facet-value selected"[^>]*>✓ {re.escape(label)}<span[^>]*>[^<]*</span></a> '
                         rf'<span class="count">{count}</span>', facet), (url, count)


def test_html_in_fields_is_shown_as_text(app, make_practice):
    with app.app_context():
        pid = make_practice('<img src=x onerror="alert(1)"> Практика <b>жирная</b>',
                            annotation="<script>alert('x')</script> школьный театр")
    client = app.test_client()
    page = client.get(f"/practices/{pid}").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    results = client.get("/search", query_string={"q": "школьный театр"}).get_data(as_text=True)
    assert "<script>alert" not in results and "<img src=x" not in results
    assert "<mark>" in results


def test_a_result_without_a_snippet_shows_an_excerpt_and_tags_in_vocabulary_order(app, make_practice):
    """Found by an author's name only: no words to mark, so the result shows the start of the annotation (or,
    without one, of the technology), escaped; its levels and topics come in the vocabularies' order."""
    with app.app_context():
        make_practice("Первая", annotation="Аннотация <b>первой</b> практики.",
                      authors=[("Кржижановская Ольга", "учитель")], levels=["additional", "basic", "preschool"],
                      topics=["e_learning", "olympiads", "gifted_support"])
        make_practice("Вторая", annotation="", technology="Технология второй " + "очень длинная " * 40,
                      authors=[("Кржижановская Ирина", "учитель")])
    client = app.test_client()
    results = {item["title"]: item for item in client.get(
        "/api/v1/search", query_string={"q": "кржижановская"}).json["results"]}
    assert results["Первая"]["snippet"] == "Аннотация &lt;b&gt;первой&lt;/b&gt; практики."
    assert results["Вторая"]["snippet"].startswith("Технология второй очень длинная")
    assert results["Вторая"]["snippet"].endswith("…") and len(results["Вторая"]["snippet"]) <= 241
    assert [level["code"] for level in results["Первая"]["levels"]] == ["preschool", "basic", "additional"]
    assert [topic["code"] for topic in results["Первая"]["topics"]] == ["gifted_support", "olympiads", "e_learning"]
    page = client.get("/search", query_string={"q": "кржижановская"}).get_data(as_text=True)
    assert "Аннотация &lt;b&gt;первой&lt;/b&gt; практики." in page and "<b>первой" not in page


class TestApi:
    def test_search_shape(self, demo_client):
        body = demo_client.get("/api/v1/search", query_string={"q": "олимпиада", "per_page": 5}).json
        assert set(body) >= {"total", "page", "per_page", "results", "facets"}
        assert body["page"] == 1 and body["per_page"] == 5
        assert set(body["facets"]) == {"type", "expertise", "topic", "region", "municipality", "level", "subject",
                                       "spread", "year"}
        item = body["results"][0]
        assert set(item) == {"id", "type", "title", "url", "snippet", "region", "levels", "topics", "year"}
        assert all(set(f) == {"value", "label", "count"} for f in body["facets"]["topic"])

    def test_repeatable_filters_are_or_within_a_field(self, demo_client):
        def total(**params):
            return demo_client.get("/api/v1/search", query_string={"type": "practice", **params}).json["total"]

        che, smo = total(region="RU-CHE"), total(region="RU-SMO")
        assert total(region=["RU-CHE", "RU-SMO"]) == che + smo

    @pytest.mark.parametrize("params", [
        {"page": "abc"}, {"per_page": "0"}, {"per_page": "1000"}, {"region": "RU-XXX"}, {"level": "phd"},
        {"year": "20x5"}, {"year": "²⁰²⁴"}, {"year": "٢٠٢٤"}, {"year": "２０２４"}, {"sort": "random"},
        {"q": "x" * 1001},
    ])
    def test_bad_parameters_answer_400_in_russian(self, demo_client, params):
        response = demo_client.get("/api/v1/search", query_string=params)
        assert response.status_code == 400
        assert response.json["title"] == "Некорректный запрос"
        assert re.search("[а-я]", response.json["detail"])

    def test_practice_and_vocabularies(self, demo_client):
        hit = demo_client.get("/api/v1/search", query_string={"type": "practice", "per_page": 1}).json["results"][0]
        body = demo_client.get(f"/api/v1/practices/{hit['id']}").json
        assert body["title"] == hit["title"]
        assert set(body["sections"]) >= {"annotation", "relevance", "technology", "literature"}
        assert body["region"]["code"]
        vocab = demo_client.get("/api/v1/vocabularies").json
        assert sum(1 for r in vocab["regions"] if r["country"] == "RU") == 89
        assert {lv["code"] for lv in vocab["levels"]} >= {"preschool", "primary", "basic", "secondary"}
        assert {a["code"] for a in vocab["addressee_types"]} >= {"regional_authority", "dpo_institutes"}


@pytest.mark.parametrize("url", ["/practices/{n}", "/resolutions/{n}", "/recommendations/{n}", "/practices/{n}/history",
                                 "/api/v1/practices/{n}", "/api/v1/resolutions/{n}"])
def test_ids_beyond_64_bits_are_404_not_500(demo_client, url):
    response = demo_client.get(url.format(n=2**63))
    assert response.status_code == 404
    assert demo_client.get(url.format(n=2**63 - 1)).status_code == 404


def test_sort_by_adoptions(demo_app):
    from kb.adoption.models import PracticeAdoption

    client = demo_app.test_client()
    with demo_app.app_context():
        ids = list(db.session.scalars(select(Practice.id).where(Practice.status == "published")
                                      .order_by(Practice.id).limit(3)))
        for pid, times in zip(ids, (1, 3, 2), strict=True):
            for n in range(times):
                db.session.add(PracticeAdoption(practice_id=pid, organisation=f"Школа {n}", region_code="RU-SMO"))
        db.session.commit()
        from kb.search.services import sync

        sync()
    body = client.get("/api/v1/search", query_string={"type": "practice", "sort": "adoptions", "per_page": 5}).json
    assert [r["id"] for r in body["results"][:3]] == [ids[1], ids[2], ids[0]]
    page = client.get("/search?type=practice&sort=adoptions").get_data(as_text=True)
    assert "<strong>по числу последователей</strong>" in page
    assert demo_app.test_cli_runner().invoke(args=["check-index"]).exit_code == 0


def test_init_rebuilds_an_index_of_an_older_version(app, tmp_path):
    import shutil
    from pathlib import Path

    from whoosh import fields, index

    shutil.rmtree(app.config["INDEX_DIR"])
    Path(app.config["INDEX_DIR"]).mkdir()
    index.create_in(app.config["INDEX_DIR"], fields.Schema(id=fields.ID(stored=True, unique=True)))
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # the web process leaves the repair to `init` here
    client = app.test_client()
    assert client.get("/api/v1/search").status_code == 503
    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/search").status_code == 200


def test_a_search_page_exports_as_ris_and_csv(demo_client):
    import csv
    import io

    api = demo_client.get("/api/v1/search", query_string={"q": "олимпиада", "per_page": 20}).json
    page = demo_client.get("/search", query_string={"q": "олимпиада"}).get_data(as_text=True)
    assert 'href="/search/export.ris?q=' in page and 'href="/search/export.csv?q=' in page
    ris = demo_client.get("/search/export.ris", query_string={"q": "олимпиада"})
    assert ris.status_code == 200 and ris.headers["Content-Disposition"] == 'attachment; filename="poisk.ris"'
    text = ris.get_data(as_text=True)
    assert text.count("ER  -") == api["total"]
    assert api["results"][0]["title"] in text
    table = demo_client.get("/search/export.csv", query_string={"q": "олимпиада"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(table.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Тип", "Название", "Авторы", "Ссылка"]
    every = demo_client.get("/api/v1/search", query_string={"q": "олимпиада", "per_page": 100}).json
    assert every["total"] <= 100 and [r[1] for r in rows[1:]] == [r["title"] for r in every["results"]]
    drafts = demo_client.get("/search/export.csv", query_string={"q": DRAFT_WORD}).get_data(as_text=True)
    assert DRAFT_WORD not in drafts


def test_the_ris_of_a_search_holds_every_match_not_only_the_open_page(demo_client):
    """The RIS link gave the 20 materials of the open page; a course designer collecting a topic's materials into
    Zotero had to download page after page."""
    every = demo_client.get("/api/v1/search", query_string={"q": "классный час", "per_page": 100}).json
    assert 20 < every["total"] <= 100
    page = demo_client.get("/search", query_string={"q": "классный час", "page": 2}).get_data(as_text=True)
    assert 'href="/search/export.ris?q=' in page and "page=2" not in page.split("export.ris", 1)[1].split('"', 1)[0]
    with demo_client.get("/search/export.ris", query_string={"q": "классный час", "page": 2}) as ris:
        records = ris.get_data(as_text=True).split("ER  - ")[:-1]
    links = [next(line[6:] for line in record.splitlines() if line.startswith("UR  - ")) for record in records]
    assert len(links) == every["total"]
    practices = [r["url"] for r in every["results"] if r["type"] == "practice"]
    assert ["/" + link.split("/", 3)[3] for link in links if "/practices/" in link] == practices


def test_the_csv_of_a_search_writes_formula_like_cells_as_text(app, make_practice):
    import csv
    import io

    with app.app_context():
        make_practice('=HYPERLINK("http://evil.example";"Открыть") краеведение', organisation="-2+3 школа")
        make_practice("Краеведение в начальной школе", organisation="Гимназия № 5")
    table = app.test_client().get("/search/export.csv", query_string={"q": "краеведение"}).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(table.lstrip("\ufeff")), delimiter=";"))
    by_title = {row[1]: row for row in rows[1:]}
    assert set(by_title) == {"'=HYPERLINK(\"http://evil.example\";\"Открыть\") краеведение",
                             "Краеведение в начальной школе"}
    assert by_title["'=HYPERLINK(\"http://evil.example\";\"Открыть\") краеведение"][-1] == "'-2+3 школа"
    assert by_title["Краеведение в начальной школе"][-1] == "Гимназия № 5"


def test_pagination_names_the_pages_the_full_loop_named():
    from kb.search.services import SearchPage, SearchParams

    for pages in range(1, 25):
        for current in range(1, pages + 1):
            page = SearchPage(SearchParams(page=current, per_page=10), pages * 10, [], {})
            expected = [n for n in range(1, pages + 1)
                        if n == current or n <= 2 or n > pages - 2 or abs(n - current) <= 2 or n in (3, pages - 2)]
            assert page.page_numbers == expected, (pages, current)
    huge = SearchPage(SearchParams(page=2500, per_page=20), 100_000, [], {}, max_page=5000)
    assert huge.page_numbers == [1, 2, 3, 2498, 2499, 2500, 2501, 2502, 4998, 4999, 5000]


def test_pagination_stops_at_the_last_page_that_can_be_opened():
    """100,000 matches linked pages 501…5000 from page 500, and «Дальше →» to 501: each opened page 500 again."""
    from kb.search.services import SearchPage, SearchParams

    last = SearchPage(SearchParams(page=500, per_page=20), 100_000, [], {})
    assert last.pages == 500 and last.page_numbers == [1, 2, 3, 498, 499, 500]
    assert last.cut_notice == ("Показаны первые 10000 результатов из 100000: уточните запрос или добавьте "
                               "фильтры.")
    assert SearchPage(SearchParams(page=499, per_page=20), 100_000, [], {}).cut_notice is None
    assert SearchPage(SearchParams(page=500, per_page=20), 10_000, [], {}).cut_notice is None


def test_a_search_past_the_pages_that_can_be_opened_says_so(app, make_practice):
    with app.app_context():
        for n in range(7):
            make_practice(f"Сетевой квест {n}")
    app.config.update(SEARCH_MAX_PAGE=2, SEARCH_PER_PAGE=2)
    client = app.test_client()
    with client.get("/search", query_string={"q": "сетевой квест", "page": 2}) as r:
        page = r.get_data(as_text=True)
    nav = page[page.index('class="pagination"'):]
    nav = nav[:nav.index("</nav>")]
    assert {int(n) for n in re.findall(r"page=(\d+)", nav)} <= {1, 2} and 'rel="next"' not in nav
    assert "Показаны первые 4 результата из 7: уточните запрос или добавьте фильтры." in page
    with client.get("/search", query_string={"q": "сетевой квест"}) as r:
        assert "Показаны первые" not in r.get_data(as_text=True)
    for asked in (3, 4, 500):  # past SEARCH_MAX_PAGE: the last page that can be opened, which says so
        with client.get("/search", query_string={"q": "сетевой квест", "page": asked}) as r:
            assert r.status_code == 302
            assert parse_qs(urlsplit(r.headers["Location"]).query) == {
                "q": ["сетевой квест"], "page": ["2"]}


@pytest.mark.parametrize("args", [
    {}, {"q": "опыт"}, {"q": "опыт", "sort": "date"}, {"q": "дети & «школа»", "region": ["RU-CHE"], "page": 3},
    {"topic": ["gifted", "research_projects"], "level": ["primary"], "sort": "adoptions", "page": 2},
])
def test_facet_links_are_the_urls_with_value_gives(args):
    from kb.search.services import SearchParams
    from kb.templating import search_url

    filters = {k: v for k, v in args.items() if k in ("region", "topic", "level")}
    params = SearchParams(q=args.get("q", ""), filters=filters, page=args.get("page", 1),
                          sort=args.get("sort", "relevance"))
    for name, value in [("region", "RU-MOW"), ("topic", "olympiads"), ("level", "basic"), ("subject", "math & art"),
                        ("type", "practice"), ("year", "2024")]:
        assert params.add_url(name, value) == search_url(params.with_value(name, value))


def test_facet_values_beyond_the_first_eight_fold_away_except_selected_ones():
    from kb.search.services import FacetValue
    from kb.search.views import facet_parts

    def values(n: int, selected: set[int] = frozenset()) -> list[FacetValue]:
        return [FacetValue(f"v{i}", f"Значение {i}", 100 - i, i in selected) for i in range(n)]

    assert facet_parts(values(10)) == (values(10), [])  # only two more than eight: shown whole
    shown, folded = facet_parts(values(14, {2, 11}))
    assert [v.value for v in shown] == [*(f"v{i}" for i in range(8)), "v11"]
    assert [v.value for v in folded] == ["v8", "v9", "v10", "v12", "v13"]
    assert facet_parts([]) == ([], [])


def test_a_result_s_practice_row_is_read_from_its_index(app, make_practice):
    """The migrated schema has the index a search result's row is read from; SQLite reads the row from it alone,
    not from the table (a row is ten long sections)."""
    from sqlalchemy import inspect, text

    from kb.extensions import db
    from kb.practices.models import Practice
    from kb.search.services import _RESULT_ROWS

    with app.app_context():
        pid = make_practice("Практика из индекса", organisation="Школа № 1", year=2023)
        columns = {index["name"]: index["column_names"] for index in inspect(db.engine).get_indexes("practice")}
        assert columns["ix_practice_result"] == ["status", "id", "title", "region_code", "year", "organisation",
                                                 "updated_at"]
        rows = db.session.execute(_RESULT_ROWS, {"ids": [pid, pid + 1]}).all()
        updated_at = db.session.get(Practice, pid).updated_at
        assert [tuple(row) for row in rows] == [(pid, "Практика из индекса", "RU-CHE", 2023, "Школа № 1", updated_at)]
        if db.engine.dialect.name == "sqlite":
            statement = str(_RESULT_ROWS.params(ids=list(range(pid, pid + 20))).compile(
                dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
            plan = " ".join(str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + statement)))
            assert "COVERING INDEX ix_practice_result" in plan, plan


def test_facet_items_link_each_value_to_its_url_escaped(app):
    import re

    from markupsafe import escape

    from kb.search.services import FacetValue, SearchParams
    from kb.search.views import facet_items
    from kb.templating import search_url

    params = SearchParams(q='музей & "школа" <b>', filters={"region": ["RU-MOW"], "topic": ["a'b"]}, sort="date")
    values = [FacetValue("RU-CHE", "Челябинская <область>", 12, False), FacetValue("RU-MOW", "Москва", 3, True),
              FacetValue("x&y \"z\"", "Р&Д 'лаб'", 1, False)]
    with app.test_request_context():
        html = str(facet_items("region", values, params))
        hrefs = re.findall(r'href="([^"]*)"', html)
        assert hrefs == [str(escape(search_url(params.with_value("region", "RU-CHE")))),
                         str(escape(search_url(params.without("region", "RU-MOW")))),
                         str(escape(search_url(params.with_value("region", 'x&y "z"'))))]
        assert 'data-label="Челябинская &lt;область&gt;"' in html and "Р&amp;Д &#39;лаб&#39;" in html
        assert "<область>" not in html and '<span class="count">12</span>' in html


# The markup result_item (kb/search/views.py) writes, as the search template wrote it before.
_RESULT_ITEM_TEMPLATE = """
<h2><a href="{{ item.url }}">{{ item.title }}</a></h2>
<p class="result-meta"><span class="result-kind">{{ {"practice": "Практика", "resolution": "Резолюция",
"recommendation": "Рекомендация"}[item.type] }}</span>{% if item.year %} · {{ item.year }}{% endif %}{% if item.region
%} · {{ item.region | map(attribute="label") | join(", ") | truncate(120) }}{% endif %}</p>
{% if item.context %}<p class="result-context">{{ item.context | truncate(200) }}</p>{% endif %}
{% if item.levels or item.topics %}
<p class="tags">
  {% if item.levels %}<span class="visually-hidden">Уровни образования:</span>{% endif %}
  {% for lv in item.levels %}<a class="tag tag--level"
  href="{{ search_url(level=lv.code) }}">{{ lv.label }}</a>{% if not loop.last %} {% endif %}{% endfor %}
  {% if item.topics %}<span class="visually-hidden">Темы:</span>{% endif %}
  {% for t in item.topics %}<a class="tag" href="{{ search_url(topic=t.code) }}">{{ t.label }}</a>
  {%- if not loop.last %} {% endif %}{% endfor %}
</p>
{% endif %}
{% if item.source %}<p class="snippet-source">В файле «{{ item.source }}»:</p>{% endif %}
<p class="snippet">{{ item.snippet }}</p>
"""


def test_result_items_are_the_templates_markup_escaped(app):
    import re

    from markupsafe import Markup

    from kb.search.services import ResultItem
    from kb.search.views import result_item

    def spaced(html: str) -> str:
        """Whitespace between tags is one space (as a browser shows it); the rest kept."""
        return re.sub(r">\s+<", "> <", re.sub(r"\s+", " ", html)).strip()

    hostile = '<script>alert("x")</script> & \'q\''
    long_regions = [{"code": f"R{i}", "label": f"Область номер {i} & <к>"} for i in range(12)]
    items = [
        ResultItem(1, "practice", "Музей & <школа>", "/practices/1?a=1&b=2", Markup("о <mark>музее</mark> &amp; др."),
                   [{"code": "RU-MOW", "label": "Москва"}], [{"code": "primary", "label": "Начальное <общее>"}],
                   [{"code": "a&b", "label": "Тема \"1\""}, {"code": "x y", "label": "Т2"}], 2024),
        ResultItem(2, "resolution", hostile, "/r/2", "просто текст < 3", long_regions, [], [], None,
                   context="Конференция " + "очень длинная " * 30, source='файл "<1>".docx'),
        ResultItem(3, "recommendation", "Р", "/r/2#3", Markup(""), [], [], [{"code": "t", "label": hostile}], 0,
                   context="короткий"),
        ResultItem(4, "practice", "Без тем", "/practices/4", Markup("…"), [], [{"code": "l", "label": "L"}], [], 2010),
    ]
    with app.test_request_context():
        reference = app.jinja_env.from_string(_RESULT_ITEM_TEMPLATE)
        for item in items:
            html = str(result_item(item))
            assert spaced(html) == spaced(reference.render(item=item))
        assert "<script>" not in str(result_item(items[1])) and "&lt;script&gt;" in str(result_item(items[1]))
        assert "..." in str(result_item(items[1]))  # regions and context truncated


def test_a_query_of_punctuation_alone_says_it_holds_no_word(demo_client):
    page = demo_client.get("/search", query_string={"q": "!!!"}).get_data(as_text=True)
    assert "В запросе нет ни одного слова: показаны все материалы." in page


def _csv_rows(response) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))


def test_the_csv_of_a_search_holds_every_match_with_its_authors_not_only_the_page(app, make_practice):
    """It held the twenty results of the page it was asked from, and no authors."""
    with app.app_context():
        for n in range(25):
            make_practice(f"Краеведческий маршрут {n}", year=2000 + n,
                          authors=[(f"Автор{n} Анна Петровна", "учитель"), ("Петров Иван Ильич", "методист")])
    client = app.test_client()
    pages = [client.get("/api/v1/search", query_string={"q": "краеведческий маршрут", "sort": "date",
                                                         "page": page}).json for page in (1, 2)]
    expected = [r["title"] for page in pages for r in page["results"]]
    assert len(expected) == 25 and pages[0]["total"] == 25
    rows = _csv_rows(client.get("/search/export.csv", query_string={"q": "краеведческий маршрут", "sort": "date",
                                                                     "page": 2}))
    assert rows[0] == ["Тип", "Название", "Авторы", "Ссылка", "Регион", "Уровни", "Темы", "Год",
                       "Организация / источник"]
    assert [row[1] for row in rows[1:]] == expected  # from the first match, whatever page it was asked from
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title["Краеведческий маршрут 7"][2] == "Автор7 Анна Петровна, Петров Иван Ильич"
    assert by_title["Краеведческий маршрут 7"][7] == "2007"
    page = client.get("/search", query_string={"q": "краеведческий маршрут", "page": 2}).get_data(as_text=True)
    link = re.search(r'href="(/search/export\.csv[^"]*)"', page).group(1)
    assert "page=" not in link and "(все найденные; в CSV — с авторами)" in page
    # past the limit: the first ones, and the page says how many the file holds
    app.config["SEARCH_EXPORT_MAX"] = 10
    rows = _csv_rows(client.get("/search/export.csv", query_string={"q": "краеведческий маршрут", "sort": "date"}))
    assert [row[1] for row in rows[1:]] == expected[:10]
    page = client.get("/search", query_string={"q": "краеведческий маршрут"}).get_data(as_text=True)
    assert "(первые 10 из 25: уточните запрос, чтобы получить остальные)" in page


@pytest.mark.parametrize("viewer", ["anonymous", "owner", "methodist", "admin"])
def test_the_csv_of_a_search_holds_what_the_search_page_shows_and_no_draft(app, make_practice, make_user, viewer):
    """The whole list, not one page: still only what is public, for everyone (the search page shows nothing
    else, to an author or a moderator either), and a practice withdrawn after it was indexed is left out."""
    from sqlalchemy import update

    from tests.conftest import sign_in

    owner = make_user("teacher")
    with app.app_context():
        shown = make_practice("Сетевой проект публичный", owner_id=owner)
        withdrawn = make_practice("Сетевой проект снятый", owner_id=owner)
        for status in ("draft", "submitted", "returned", "archived"):
            make_practice(f"Сетевой проект {status}", status=status, owner_id=owner)
        # out of the database's public set, still in the index (the change is not applied yet)
        db.session.execute(update(Practice).where(Practice.id == withdrawn).values(status="archived")
                           .execution_options(synchronize_session=False))
        db.session.commit()
    client = app.test_client()
    if viewer != "anonymous":
        sign_in(client, {"owner": owner, "methodist": make_user("methodist", scope_region="RU-CHE"),
                         "admin": make_user("admin")}[viewer])
    rows = _csv_rows(client.get("/search/export.csv", query_string={"q": "сетевой проект"}))
    page = client.get("/search", query_string={"q": "сетевой проект"}).get_data(as_text=True)
    listed = re.findall(r'<h2><a href="/practices/(\d+)">', page)
    assert [row[1] for row in rows[1:]] == ["Сетевой проект публичный"]
    assert listed == [str(shown)]


def test_tag_links_are_apart_in_the_text_of_a_page(demo_app, demo_client):
    """Topics, subjects, levels and regions were written back to back: copied, or read without the style sheet
    (reader mode), they ran together — «Окружающий мирМежпредметная / надпредметная деятельность»."""
    from kb.resolutions.models import Resolution
    from kb.resolutions.services import regions_host_first

    with demo_app.app_context():
        practices = db.session.scalars(select(Practice).where(Practice.status == "published")).all()
        practice = next(p for p in practices if len(p.topics) > 1)
        resolutions = db.session.scalars(select(Resolution).where(Resolution.status == "published")).all()
        resolution = next(r for r in resolutions if len(r.regions) > 1)
        expected = {f"/practices/{practice.id}": " ".join(t.label for t in practice.topics),
                    # the host region first (Екатеринбург's Свердловская область), then the vocabulary's order
                    f"/resolutions/{resolution.id}": " ".join(r.name for r in regions_host_first(resolution))}
    for path, text in [*expected.items(), ("/search?q=одарённые дети", None)]:
        page = demo_client.get(path).get_data(as_text=True)
        assert re.search(r'</a>\s*<a class="tag', page), path
        assert not re.search(r'</a><a class="tag', page), path
        if text:  # the text of the links' line, as copying gives it
            lines = [html.unescape(re.sub(r"<[^>]+>", "", line)) for line in
                     re.findall(r'<(?:dd|p class="tags")>((?:(?!</dd>|</p>).)*class="tag.*?)</(?:dd|p)>', page)]
            assert text in lines, (path, lines)


def _found(client, q: str, **args) -> tuple[int, str]:
    """«Найдено» of a search page and its notice."""
    page = client.get("/search", query_string={"q": q, **args}).get_data(as_text=True)
    notice = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    return int(re.search(r"Найдено: <strong>(\d+)", page).group(1)), notice.group(1).strip() if notice else ""


def _api_ids(client, q: str) -> list[tuple[str, int]]:
    results = client.get("/api/v1/search", query_string={"q": q, "per_page": 100}).json["results"]
    return [(r["type"], r["id"]) for r in results]


def test_an_ordinal_in_figures_searches_as_its_number(demo_client):
    """«5-й класс» searched the phrase «5 й» and a required word «й»: «нет документов со всеми словами», 62 found
    where «5 класс» finds 28 with every word; the CSV and the feed of the search follow the query."""
    for typed, plain in (("5-й класс", "5 класс"), ("5-го класса", "5 класса"), ("7-м классе", "7 классе")):
        assert _found(demo_client, typed) == _found(demo_client, plain), typed
        assert "со всеми словами запроса нет" not in _found(demo_client, typed)[1]
    assert _api_ids(demo_client, "5-й класс") == _api_ids(demo_client, "5 класс")
    csv_of = {q: demo_client.get("/search/export.csv", query_string={"q": q}).get_data(as_text=True)
              for q in ("5-й класс", "5 класс")}
    assert csv_of["5-й класс"] == csv_of["5 класс"] and csv_of["5 класс"].count("\n") > 10
    feed_of = {q: re.findall(r"<id>([^<]*)</id>", demo_client.get("/search/feed", query_string={"q": q})
                             .get_data(as_text=True))[1:] for q in ("5-й класс", "5 класс")}
    assert feed_of["5-й класс"] == feed_of["5 класс"] != []


def test_words_joined_by_a_comma_without_a_space_search_as_words(demo_client):
    """«одаренные дети,олимпиады» was searched with the phrase «дети олимпиады»: «нет документов со всеми словами»."""
    for typed, spaced in (("одаренные дети,олимпиады", "одаренные дети, олимпиады"),
                          ("математика,физика", "математика, физика"), ("ШНО,ВКС", "ШНО, ВКС"),
                          ("ШНО+ВКС", "ШНО ВКС")):
        assert _found(demo_client, typed) == _found(demo_client, spaced), typed
        assert _api_ids(demo_client, typed) == _api_ids(demo_client, spaced), typed


def test_an_excluded_run_of_joined_words_excludes_each_of_them_on_the_page(demo_client):
    """«подготовка -ОГЭ+ЕГЭ» searched «подготовка NOT ОГЭ ЕГЭ»: the page listed only texts that mention ЕГЭ."""
    exams = set(_api_ids(demo_client, "ЕГЭ")) | set(_api_ids(demo_client, "ОГЭ"))
    apart = _api_ids(demo_client, "подготовка -ОГЭ -ЕГЭ")
    assert exams and apart and not exams & set(apart)
    for typed in ("подготовка -ОГЭ+ЕГЭ", "подготовка -ОГЭ,ЕГЭ"):
        assert _found(demo_client, typed) == _found(demo_client, "подготовка -ОГЭ -ЕГЭ"), typed
        assert _api_ids(demo_client, typed) == apart, typed


def test_a_hyphenated_word_puts_the_texts_with_all_its_words_first(demo_client):
    """«онлайн-урок»: no text has the phrase, and the page said no text had all the words, listing texts with
    «урок» alone among the eight with both."""
    total, notice = _found(demo_client, "онлайн урок")
    count = int(re.search(r"Документов со всеми словами запроса: (\d+)", notice).group(1))
    both = _api_ids(demo_client, "онлайн урок")[:count]
    assert count >= 3
    assert sorted(_api_ids(demo_client, "онлайн-урок")[:count]) == sorted(both)
    assert _found(demo_client, "онлайн-урок")[1] == notice


def _region_sections(page: str) -> tuple[str, str]:
    """/regions split into its list of regions with practices and its «Регионы без практик» disclosure."""
    start = page.index('<details class="regions-without')
    end = page.index("</details>", start)
    return page[:start], page[start:end]


def test_regions_without_published_practices_fold_into_one_line(app, make_practice):
    """/regions listed all 91 regions, 80 of them with «0», by federal district: the few with practices were lost
    among them. Those with none now stand in one «Регионы без практик (N)» line that opens their names (no links:
    a search there finds nothing); a district without a region with practices has no heading. Only published
    practices count: a draft, a submission, a returned or archived practice leave their region among those
    without."""
    from sqlalchemy import func

    from kb.vocabularies.models import Region

    with app.app_context():
        for title in ("Первая", "Вторая"):
            make_practice(f"{title} практика Челябинской области", region_code="RU-CHE")
        make_practice("Практика Смоленской области", region_code="RU-SMO")
        for status, region in (("draft", "RU-YEV"), ("submitted", "RU-TA"), ("returned", "RU-TA"),
                               ("archived", "RU-KDA")):
            make_practice(f"Практика {status}", status=status, region_code=region)
        regions = db.session.scalar(select(func.count()).select_from(Region))
    page = app.test_client().get("/regions").get_data(as_text=True)
    listed, folded = _region_sections(page)
    assert "Практики есть из 2 регионов." in listed
    entries = re.findall(r'<a href="(/search\?[^"]+)">([^<]*)</a>\s*<span class="count">(\d+)', listed)
    assert [(html.unescape(link), label, int(count)) for link, label, count in entries] == [
        ("/search?region=RU-CHE&type=practice", "Челябинская область", 2),
        ("/search?region=RU-SMO&type=practice", "Смоленская область", 1)]
    headings = re.findall(r"<h2>([^<]+)</h2>", listed)
    assert headings == ["Уральский федеральный округ", "Центральный федеральный округ"]
    for name in ("Еврейская автономная область", "Республика Татарстан", "Краснодарский край", "Республика Казахстан"):
        assert name not in listed, name
    summary = re.search(r"<summary>([^<]+)</summary>", folded)
    assert summary and summary.group(1) == f"Регионы без практик ({regions - 2})"
    names = re.findall(r"<li>([^<]+)</li>", folded)
    assert len(names) == regions - 2
    assert {"Еврейская автономная область", "Республика Татарстан", "Краснодарский край",
            "Республика Казахстан"} <= set(names)
    assert "Челябинская область" not in names and "Смоленская область" not in names
    assert names.index("Еврейская автономная область") < names.index("Краснодарский край"), "in alphabetical order"
    assert "<a " not in folded and 'class="count"' not in folded


def test_regions_of_an_empty_bank_say_there_are_no_practices_yet(app):
    """No published practice anywhere: no district headings and no «Практики есть из 0 регионов.», a plain
    sentence, and every region behind the one line."""
    from sqlalchemy import func

    from kb.vocabularies.models import Region

    with app.app_context():
        regions = db.session.scalar(select(func.count()).select_from(Region))
    page = app.test_client().get("/regions").get_data(as_text=True)
    listed, folded = _region_sections(page)
    assert "Опубликованных практик пока нет." in listed and "Практики есть из" not in listed
    assert "<h2>" not in listed
    assert f"<summary>Регионы без практик ({regions})</summary>" in folded
