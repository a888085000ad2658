"""The municipality filter of search: a municipal methodical service finds its municipality's practices."""

import re

from sqlalchemy import select

from kb.extensions import db
from kb.search.models import SavedSearch
from kb.vocabularies.models import Municipality
from tests.conftest import PASSWORD, csrf_from, sign_in

KOPEYSK = "RU-CHE-kopeysky"
CHELYABINSK = "RU-CHE-chelyabinsky"
SMOLENSK = "RU-SMO-smolensk"


def _municipality_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Municipality.id).where(Municipality.code == code))


def _bank(app, make_practice) -> dict[str, int]:
    """Two published practices in Kopeysk, one in Chelyabinsk, one in Smolensk, a draft in Kopeysk."""
    with app.app_context():
        kopeysk, chelyabinsk, smolensk = (_municipality_id(app, code) for code in (KOPEYSK, CHELYABINSK, SMOLENSK))
        return {
            "kopeysk_1": make_practice("Шахматы в Копейске", municipality_id=kopeysk),
            "kopeysk_2": make_practice("Сетевой проект Копейска", municipality_id=kopeysk, year=2021),
            "chelyabinsk": make_practice("Шахматы в Челябинске", municipality_id=chelyabinsk),
            "smolensk": make_practice("Шахматы в Смоленске", region_code="RU-SMO", municipality_id=smolensk),
            "no_municipality": make_practice("Шахматы в области"),
            "draft": make_practice("Черновик Копейска", status="draft", municipality_id=kopeysk),
        }


def _total(page: str) -> int:
    return int(re.search(r"Найдено: <strong>(\d+)</strong>", page).group(1))


def _facet(page: str, name: str) -> str | None:
    found = re.search(rf'<section class="facet" data-facet="{name}">.*?</section>', page, re.S)
    return found.group(0) if found else None


def test_a_municipality_facet_counts_the_published_practices_of_the_one_region_chosen(app, make_practice):
    """With one region chosen, its municipalities are a facet: each with the count of its published practices
    (a draft counted for no one who searches), each a link that narrows the search to it."""
    _bank(app, make_practice)
    client = app.test_client()
    api = client.get("/api/v1/search", query_string={"region": "RU-CHE"}).json
    assert api["facets"]["municipality"] == [
        {"value": KOPEYSK, "label": "Копейский городской округ", "count": 2},
        {"value": CHELYABINSK, "label": "Челябинский городской округ", "count": 1},
    ]
    page = client.get("/search?region=RU-CHE").get_data(as_text=True)
    facet = _facet(page, "municipality")
    assert facet is not None and "<h2 id=\"facet-municipality\">Муниципалитет</h2>" in facet
    assert (f'<a class="facet-value" href="/search?region=RU-CHE&amp;municipality={KOPEYSK}">'
            'Копейский городской округ</a> <span class="count">2</span>') in facet
    assert "Смоленск" not in facet


def test_the_municipality_facet_is_hidden_without_a_region_or_with_more_than_three(app, make_practice):
    _bank(app, make_practice)
    client = app.test_client()
    four = "region=RU-CHE&region=RU-SMO&region=RU-MOW&region=RU-SPE"
    for query in ("", "?q=шахматы", "?type=practice", f"?{four}"):
        page = client.get(f"/search{query}").get_data(as_text=True)
        assert _total(page) > 0 and _facet(page, "municipality") is None, query
    assert client.get("/api/v1/search").json["facets"]["municipality"] == []
    assert client.get(f"/api/v1/search?{four}").json["facets"]["municipality"] == []
    smolensk = client.get("/api/v1/search?region=RU-SMO").json["facets"]["municipality"]
    assert smolensk == [{"value": SMOLENSK, "label": "городской округ город Смоленск", "count": 1}]


def test_a_municipality_chosen_stays_applied_with_its_chip_when_a_fourth_region_hides_its_facet(app, make_practice):
    """A municipality chosen with one region, then three more regions added (a link edited, a saved search): the
    municipality facet goes (too long a list), the filter stays applied, and its chip names it with its region and
    takes it away. The counts of the other facets are of its published practices: the draft is nowhere."""
    ids = _bank(app, make_practice)
    client = app.test_client()
    four = "region=RU-CHE&region=RU-SMO&region=RU-MOW&region=RU-SPE"
    assert _facet(client.get(f"/search?region=RU-CHE&municipality={KOPEYSK}").get_data(as_text=True),
                  "municipality") is not None

    page = client.get(f"/search?{four}&municipality={KOPEYSK}").get_data(as_text=True)
    assert _facet(page, "municipality") is None
    assert _total(page) == 2  # still filtered: the two published practices of Kopeysk, no draft
    chip = re.search(r'<a class="chip chip--active" href="([^"]*)"\s+title="Убрать фильтр">Муниципалитет: ([^<]*) <',
                     page)
    assert chip is not None and chip.group(2) == "Копейский городской округ (Челябинская область)"
    removed = client.get(chip.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert f"municipality={KOPEYSK}" not in chip.group(1) and chip.group(1).count("region=") == 4
    everywhere = client.get(f"/api/v1/search?{four}").json["total"]
    assert everywhere == 5 and _total(removed) == everywhere and "Муниципалитет:" not in removed

    api = client.get(f"/api/v1/search?{four}&municipality={KOPEYSK}&per_page=50").json
    assert sorted(r["id"] for r in api["results"]) == sorted([ids["kopeysk_1"], ids["kopeysk_2"]])
    # the page's chip, in the API: the chosen municipality alone, with its count (test below)
    assert api["facets"]["municipality"] == [
        {"value": KOPEYSK, "label": "Копейский городской округ (Челябинская область)", "count": 2}]
    regions = {f["value"]: f["count"] for f in api["facets"]["region"]}
    assert regions == {"RU-CHE": 2, "RU-SMO": 0, "RU-MOW": 0, "RU-SPE": 0}  # the chosen ones stay, with 0
    assert api["facets"]["year"] == [{"value": "2021", "label": "2021", "count": 1},
                                     {"value": "2020", "label": "2020", "count": 1}]
    assert sum(f["count"] for f in api["facets"]["type"]) == 2


def test_the_api_lists_a_chosen_municipality_its_page_shows_only_as_a_chip(app, make_practice):
    """With a municipality chosen and no region, or four regions, the page has no municipality facet but shows the
    chosen one as a chip; the API's facet was [] — the chosen value was nowhere in its answer, unlike a chosen
    value of any other facet. It lists the chosen municipalities, each with its count under the other filters (0
    when nothing holds it), named as the chip names it; nothing else, and nothing when nothing is found."""
    _bank(app, make_practice)
    client = app.test_client()
    four = "region=RU-CHE&region=RU-SMO&region=RU-MOW&region=RU-SPE"
    alone = client.get(f"/api/v1/search?municipality={KOPEYSK}").json
    assert alone["total"] == 2
    assert alone["facets"]["municipality"] == [{"value": KOPEYSK, "label": "Копейский городской округ", "count": 2}]
    page = client.get(f"/search?municipality={KOPEYSK}").get_data(as_text=True)
    assert _facet(page, "municipality") is None and "Муниципалитет: Копейский городской округ" in page

    both = client.get(f"/api/v1/search?q=сетевой&{four}&municipality={CHELYABINSK}&municipality={KOPEYSK}").json
    assert both["total"] == 1
    assert both["facets"]["municipality"] == [
        {"value": KOPEYSK, "label": "Копейский городской округ (Челябинская область)", "count": 1},
        {"value": CHELYABINSK, "label": "Челябинский городской округ (Челябинская область)", "count": 0}]
    # a municipality of another region among the four: grouped by region in the order chosen, as the facet is
    mixed = client.get(f"/api/v1/search?region=RU-SMO&region=RU-CHE&region=RU-MOW&region=RU-SPE"
                       f"&municipality={KOPEYSK}&municipality={SMOLENSK}").json
    assert [(f["value"], f["count"]) for f in mixed["facets"]["municipality"]] == [(SMOLENSK, 1), (KOPEYSK, 2)]
    # the counts are those the index gives the facet: what choosing it alone would find under the other filters
    assert client.get(f"/api/v1/search?{four}&municipality={SMOLENSK}").json["total"] == 1

    assert client.get(f"/api/v1/search?q=трибометр&municipality={KOPEYSK}").json["facets"]["municipality"] == []
    # with its facet shown, the API's is the page's, as before
    one = client.get(f"/api/v1/search?region=RU-CHE&municipality={KOPEYSK}").json["facets"]["municipality"]
    assert [(f["value"], f["count"]) for f in one] == [(KOPEYSK, 2), (CHELYABINSK, 1)]


def _oktyabrsky_of_smolensk_oblast(app) -> int:
    """A municipality of Smolensk oblast named as one of Chelyabinsk oblast («Октябрьский муниципальный район»)."""
    with app.app_context():
        namesake = Municipality(code="RU-SMO-oktyabrsky", name="Октябрьский муниципальный район",
                                kind="муниципальный район", region_code="RU-SMO")
        db.session.add(namesake)
        db.session.commit()
        return namesake.id


def test_with_two_or_three_regions_their_municipalities_are_a_facet_named_with_the_region(app, make_practice):
    """With several regions chosen, the municipalities of those regions are listed, grouped by region in the order
    chosen and named with their region: «Октябрьский муниципальный район» of two regions are told apart. Counts are
    of published practices only, the API lists the same values as the page."""
    _bank(app, make_practice)
    namesake = _oktyabrsky_of_smolensk_oblast(app)
    oktyabrsky = _municipality_id(app, "RU-CHE-oktyabrsky")
    with app.app_context():
        make_practice("Шахматы в Октябрьском районе", region_code="RU-SMO", municipality_id=namesake)
        make_practice("Черновик Октябрьского района", region_code="RU-SMO", municipality_id=namesake, status="draft")
        make_practice("Шахматы Челябинского Октябрьского района", municipality_id=oktyabrsky)
        make_practice("Шахматы в Москве", region_code="RU-MOW")
    client = app.test_client()
    expected = [
        {"value": SMOLENSK, "label": "городской округ город Смоленск (Смоленская область)", "count": 1},
        {"value": "RU-SMO-oktyabrsky", "label": "Октябрьский муниципальный район (Смоленская область)", "count": 1},
        {"value": KOPEYSK, "label": "Копейский городской округ (Челябинская область)", "count": 2},
        {"value": CHELYABINSK, "label": "Челябинский городской округ (Челябинская область)", "count": 1},
        {"value": "RU-CHE-oktyabrsky", "label": "Октябрьский муниципальный район (Челябинская область)", "count": 1},
    ]
    for query in ("region=RU-SMO&region=RU-CHE", "region=RU-SMO&region=RU-CHE&region=RU-MOW"):
        api = client.get(f"/api/v1/search?{query}").json["facets"]["municipality"]
        assert sorted(api, key=lambda f: f["value"]) == sorted(expected, key=lambda f: f["value"]), query
        # grouped: the regions in the order chosen, each one's municipalities by count
        assert [f["value"][:6] for f in api] == ["RU-SMO"] * 2 + ["RU-CHE"] * 3, query
        assert api[2]["value"] == KOPEYSK
        page = client.get(f"/search?{query}").get_data(as_text=True)
        facet = _facet(page, "municipality")
        assert facet is not None, query
        listed = re.findall(r'<a class="facet-value" href="[^"]*">([^<]*)</a> <span class="count">(\d+)</span>', facet)
        assert listed == [(f["label"], str(f["count"])) for f in api], query
    # a municipality chosen among several regions: its facet value and its chip say which region's it is
    chosen = client.get("/search?region=RU-SMO&region=RU-CHE&municipality=RU-SMO-oktyabrsky").get_data(as_text=True)
    assert _total(chosen) == 1
    assert "Муниципалитет: Октябрьский муниципальный район (Смоленская область)" in chosen
    assert "✓ Октябрьский муниципальный район (Смоленская область)" in _facet(chosen, "municipality")
    assert "Октябрьский муниципальный район (Смоленская область)" in client.get(
        "/search/feed?region=RU-SMO&region=RU-CHE&municipality=RU-SMO-oktyabrsky").get_data(as_text=True)
    with app.test_request_context():
        from werkzeug.datastructures import MultiDict

        from kb.search.saved import default_name
        from kb.search.services import parse_params

        params = parse_params(MultiDict([("region", "RU-SMO"), ("region", "RU-CHE"),
                                         ("municipality", "RU-SMO-oktyabrsky")]), strict=False)
        assert default_name(params) == ("Смоленская область, Челябинская область · Октябрьский муниципальный район "
                                        "(Смоленская область)")
    # one region: the names alone, as before
    alone = client.get("/api/v1/search?region=RU-SMO").json["facets"]["municipality"]
    assert {f["label"] for f in alone} == {"городской округ город Смоленск", "Октябрьский муниципальный район"}


def test_the_filter_finds_the_municipality_s_practices_with_its_region_or_alone(app, make_practice):
    ids = _bank(app, make_practice)
    client = app.test_client()
    for query in (f"region=RU-CHE&municipality={KOPEYSK}", f"municipality={KOPEYSK}"):
        found = client.get(f"/api/v1/search?{query}&per_page=50").json
        assert sorted(r["id"] for r in found["results"]) == sorted([ids["kopeysk_1"], ids["kopeysk_2"]]), query
        assert found["total"] == 2
    # with the words of a query, and several municipalities: any of them
    found = client.get(f"/api/v1/search?q=шахматы&municipality={KOPEYSK}&municipality={CHELYABINSK}").json
    assert sorted(r["id"] for r in found["results"]) == sorted([ids["kopeysk_1"], ids["chelyabinsk"]])
    # the other facets count under the municipality's selection
    years = client.get(f"/api/v1/search?municipality={KOPEYSK}").json["facets"]["year"]
    assert years == [{"value": "2021", "label": "2021", "count": 1}, {"value": "2020", "label": "2020", "count": 1}]

    page = client.get(f"/search?municipality={KOPEYSK}").get_data(as_text=True)
    assert _total(page) == 2
    # the chip names the municipality (no facet lists it without a region) and takes it away
    assert "Муниципалитет: Копейский городской округ" in page
    assert re.search(r'<a class="chip chip--active" href="/search"\s+title="Убрать фильтр">Муниципалитет: Коп', page)
    chosen = client.get(f"/search?region=RU-CHE&municipality={KOPEYSK}").get_data(as_text=True)
    assert _total(chosen) == 2
    assert ('<a class="facet-value selected" href="/search?region=RU-CHE" aria-current="true" '
            'title="Убрать из выбора">✓ Копейский городской округ') in chosen


def test_unknown_and_foreign_municipalities(app, make_practice):
    """An unknown code, or a municipality of another region than the one chosen, is dropped by the page (as an
    unknown region is) and refused by the API (400); never a 500."""
    ids = _bank(app, make_practice)
    client = app.test_client()
    everything = _total(client.get("/search").get_data(as_text=True))
    for bad in ("RU-CHE-nowhere", "1", "", "<b>", "RU-CHE-kopeysky,RU-CHE-chelyabinsky"):
        response = client.get("/search", query_string={"municipality": bad})
        assert response.status_code == 200 and _total(response.get_data(as_text=True)) == everything, bad
        if bad:
            refused = client.get("/api/v1/search", query_string={"municipality": bad})
            assert refused.status_code == 400, bad
            # the filter named as the page names it, not by its code
            assert "фильтра «Муниципалитет»" in refused.json["detail"] and "municipality" not in refused.json["detail"]
    foreign = client.get(f"/search?region=RU-SMO&municipality={KOPEYSK}")
    assert foreign.status_code == 200
    page = foreign.get_data(as_text=True)
    assert _total(page) == 1 and "Копейский" not in page
    response = client.get(f"/api/v1/search?region=RU-SMO&municipality={KOPEYSK}")
    assert response.status_code == 400 and KOPEYSK in response.json["detail"]
    # a municipality of one of the regions chosen is no stranger
    both = client.get(f"/api/v1/search?region=RU-SMO&region=RU-CHE&municipality={KOPEYSK}").json
    assert sorted(r["id"] for r in both["results"]) == sorted([ids["kopeysk_1"], ids["kopeysk_2"]])


def test_the_feed_export_and_saved_search_keep_the_municipality(app, make_practice):
    ids = _bank(app, make_practice)
    client = app.test_client()
    feed = client.get(f"/search/feed?region=RU-CHE&municipality={KOPEYSK}").get_data(as_text=True)
    assert "Муниципалитет: Копейский городской округ" in feed
    assert f"/practices/{ids['kopeysk_1']}" in feed and f"/practices/{ids['chelyabinsk']}" not in feed
    exported = client.get(f"/search/export.csv?municipality={KOPEYSK}").get_data(as_text=True)
    assert "Шахматы в Копейске" in exported and "Шахматы в Челябинске" not in exported

    from kb.accounts.services import create_user

    with app.app_context():
        user = create_user("municipal@example.org", "Методист ММС", PASSWORD)
        db.session.commit()
        user_id = user.id
    sign_in(client, user_id)
    url = f"/search?region=RU-CHE&municipality={KOPEYSK}"
    page = client.get(url).get_data(as_text=True)
    form = re.search(r'<form class="save-search".*?</form>', page, re.S).group(0)
    assert f'<input type="hidden" name="municipality" value="{KOPEYSK}">' in form
    response = client.post("/search/saved", data={"csrf_token": csrf_from(client, url), "name": "",
                                                  "region": "RU-CHE", "municipality": KOPEYSK})
    assert response.status_code == 302 and f"municipality={KOPEYSK}" in response.headers["Location"]
    with app.app_context():
        saved = db.session.scalars(select(SavedSearch)).one()
        assert saved.query == f"region=RU-CHE&municipality={KOPEYSK}"
        assert saved.name == "Челябинская область · Копейский городской округ"
    again = client.get("/search?" + saved.query).get_data(as_text=True)
    assert _total(again) == 2


def test_init_rebuilds_an_index_without_the_municipalities(app, make_practice):
    """An index of the previous version has no municipality field: `init` says so and rebuilds it, and the filter
    then finds the practices (an index without the field would find none)."""
    import shutil
    from pathlib import Path

    from whoosh import index as whoosh_index

    from indexer.schema import build_schema

    ids = _bank(app, make_practice)
    index_dir = app.config["INDEX_DIR"]
    app.extensions.pop("kb_index").close()
    shutil.rmtree(index_dir)
    Path(index_dir).mkdir()
    older = build_schema()
    older.remove("municipality")
    whoosh_index.create_in(index_dir, older)
    from kb.commands import index_rebuild_reason

    with app.app_context():
        assert index_rebuild_reason() == "Индекс построен прежней версией программы"
    client = app.test_client()
    upgraded = app.test_cli_runner().invoke(args=["init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Индекс построен прежней версией программы: перестраиваю его по базе данных." in upgraded.output
    found = client.get(f"/api/v1/search?municipality={KOPEYSK}").json
    assert sorted(r["id"] for r in found["results"]) == sorted([ids["kopeysk_1"], ids["kopeysk_2"]])


def test_a_long_municipality_facet_has_a_box_to_find_one(app, make_practice):
    """Челябинская область has 43 municipalities: past eight, the facet has the box that finds a value in the list,
    as the regions' (static/search.js reads each value's name from data-label)."""
    with app.app_context():
        codes = list(db.session.scalars(select(Municipality.code).where(Municipality.region_code == "RU-CHE")
                                        .order_by(Municipality.code).limit(9)))
        for code in codes:
            make_practice(f"Практика {code}", municipality_id=_municipality_id(app, code))
    page = app.test_client().get("/search?region=RU-CHE").get_data(as_text=True)
    facet = _facet(page, "municipality")
    assert 'placeholder="Найти муниципалитет"' in facet and "Найти муниципалитет в списке</label>" in facet
    assert facet.count("<li data-label=") == 9
    assert _facet(client_page := app.test_client().get("/search").get_data(as_text=True), "region") is not None
    assert 'placeholder="Найти регион"' not in client_page  # one region with practices: no box
