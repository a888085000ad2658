"""The «Прошла экспертизу» and «Уровень распространения» filters of search: a methodist finds only the practices that
passed expertise, or those spread to a region and beyond."""

import re
from datetime import date

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from kb.search.models import SavedSearch
from tests.conftest import PASSWORD, csrf_from, sign_in

FULL = {"relevance": "2", "novelty": "1", "effectiveness": "2", "stability": "2", "replicability": "1"}  # 8 of 10
LOW = {"relevance": "1", "novelty": "1", "effectiveness": "1", "stability": "1", "replicability": "0"}  # 4 of 10


def _total(page: str) -> int:
    return int(re.search(r"Найдено: <strong>(\d+)</strong>", page).group(1))


def _facet(page: str, name: str) -> str | None:
    found = re.search(rf'<section class="facet" data-facet="{name}">.*?</section>', page, re.S)
    return found.group(0) if found else None


def _ids(client, query: str) -> list[int]:
    return sorted(r["id"] for r in client.get(f"/api/v1/search?{query}&per_page=50").json["results"])


@pytest.fixture
def bank(app, make_user, make_practice):
    """Practices through review: one published with 8 of 10 (region spread), one with 4 of 10 (federal), one returned
    with 8 of 10 and then published unassessed (municipal); one published without review (no spread level), a draft
    (region spread) and a resolution."""
    owner, methodist = make_user("teacher"), make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        ids = {
            "passed": make_practice("Шахматы: прошла", status="draft", owner_id=owner, spread_level="region"),
            "low": make_practice("Шахматы: низкая оценка", status="draft", owner_id=owner, spread_level="federal"),
            "earlier": make_practice("Шахматы: прежний круг", status="draft", owner_id=owner,
                                     spread_level="municipality"),
            "plain": make_practice("Шахматы без экспертизы"),
            "draft": make_practice("Шахматы: черновик", status="draft", owner_id=owner, spread_level="region"),
        }
    author, moderator = app.test_client(), app.test_client()
    sign_in(author, owner)
    sign_in(moderator, methodist)

    def act(client, pid, action):
        return client.post(f"/practices/{pid}/transition",
                           data={"action": action, "csrf_token": csrf_from(client, f"/practices/{pid}")})

    def assess(pid, scores, decision):
        form = {**scores, "decision": decision, "csrf_token": csrf_from(moderator, f"/practices/{pid}")}
        assert moderator.post(f"/practices/{pid}/assessment", data=form).status_code == 302

    for key in ("passed", "low", "earlier"):
        act(author, ids[key], "submit")
    assess(ids["passed"], FULL, "publish")
    assess(ids["low"], LOW, "publish")
    assess(ids["earlier"], {**FULL, "comment": "Доработайте."}, "return")
    act(author, ids["earlier"], "submit")
    act(moderator, ids["earlier"], "publish")
    with app.app_context():
        statuses = {key: db.session.get(Practice, pid).status for key, pid in ids.items()}
    assert statuses == {"passed": "published", "low": "published", "earlier": "published", "plain": "published",
                        "draft": "draft"}
    from kb.resolutions.models import Resolution
    from kb.search.services import sync

    with app.app_context():
        db.session.add(Resolution(title="Резолюция о шахматах", full_text="Шахматы в школе.", status="published",
                                  checksum="c-chess", date_start=date(2020, 4, 1)))
        db.session.commit()
        sync()
    return ids


def test_the_expertise_facet_and_filter_follow_the_practice_page_s_mark(app, bank):
    """Only the practice whose publishing round has an assessment of at least 5 of 10 passed expertise (the page's
    badge); the others published are «without»; the draft and the resolution are counted in neither."""
    client = app.test_client()
    api = client.get("/api/v1/search").json
    assert api["total"] == 5
    assert api["facets"]["expertise"] == [{"value": "1", "label": "Прошла экспертизу", "count": 1},  # the mark first
                                          {"value": "0", "label": "Без отметки об экспертизе", "count": 3}]
    assert _ids(client, "expertise=1") == [bank["passed"]]
    assert _ids(client, "expertise=0") == sorted([bank["low"], bank["earlier"], bank["plain"]])
    for key in ("passed", "low", "earlier"):
        badge = "Прошла экспертизу" in client.get(f"/practices/{bank[key]}").get_data(as_text=True)
        assert badge is (bank[key] in _ids(client, "expertise=1")), key

    page = client.get("/search").get_data(as_text=True)
    facet = _facet(page, "expertise")
    assert facet is not None and '<h2 id="facet-expertise">Экспертиза</h2>' in facet
    assert ('<a class="facet-value" href="/search?expertise=1">Прошла экспертизу</a> <span class="count">1</span>'
            in facet)
    chosen = client.get("/search?q=шахматы&expertise=1").get_data(as_text=True)
    assert _total(chosen) == 1 and "Экспертиза: Прошла экспертизу" in chosen


def test_the_spread_facet_counts_the_practices_with_a_spread_level(app, bank):
    client = app.test_client()
    api = client.get("/api/v1/search").json
    assert api["facets"]["spread"] == [  # in the vocabulary's order; the practice without one counted nowhere
        {"value": "municipality", "label": "Муниципальный уровень", "count": 1},
        {"value": "region", "label": "Региональный уровень", "count": 1},
        {"value": "federal", "label": "Федеральный уровень", "count": 1},
    ]
    assert _ids(client, "spread=region") == [bank["passed"]]
    assert _ids(client, "spread=region&spread=federal") == sorted([bank["passed"], bank["low"]])
    assert _ids(client, "spread=institution") == []
    page = client.get("/search?spread=federal").get_data(as_text=True)
    assert _total(page) == 1 and "Уровень распространения: Федеральный уровень" in page
    assert '<h2 id="facet-spread">Уровень распространения</h2>' in _facet(page, "spread")


@pytest.mark.parametrize("query", ["", "q=шахматы", "expertise=1", "expertise=0", "spread=region", "type=practice",
                                   "expertise=0&spread=federal&spread=municipality", "type=resolution"])
def test_facet_counts_equal_the_counts_of_the_filtered_search(app, bank, query):
    """Each value's count is what choosing it (besides the other fields' choices) finds."""
    client = app.test_client()
    body = client.get(f"/api/v1/search?{query}").json
    for name in ("expertise", "spread"):
        for value in body["facets"][name]:
            others = "&".join(part for part in query.split("&") if part and not part.startswith(f"{name}="))
            narrowed = client.get(f"/api/v1/search?{others}&{name}={value['value']}").json
            assert narrowed["total"] == value["count"], (query, name, value)


def test_the_api_lists_the_facet_values_the_page_shows(app, bank):
    """A value with count 0 is listed only where the page lists it: a selected one, beside results (it stays in sight,
    to be unselected). A search that finds nothing has no filters on the page, and no facet values in the API."""
    client = app.test_client()
    for query in ("q=шахматы&expertise=1&spread=federal", "expertise=1&type=resolution", "q=несуществующееслово"):
        body = client.get(f"/api/v1/search?{query}").json
        assert body["total"] == 0
        assert body["facets"] == {name: [] for name in body["facets"]}, query
        assert _facet(client.get(f"/search?{query}").get_data(as_text=True), "expertise") is None
    body = client.get("/api/v1/search?spread=institution&spread=region").json
    assert body["total"] == 1
    assert body["facets"]["spread"] == [
        {"value": "institution", "label": "Уровень образовательной организации", "count": 0},  # selected
        {"value": "municipality", "label": "Муниципальный уровень", "count": 1},
        {"value": "region", "label": "Региональный уровень", "count": 1},
        {"value": "federal", "label": "Федеральный уровень", "count": 1},
    ]
    assert [v for values in body["facets"].values() for v in values if not v["count"]] == [body["facets"]["spread"][0]]
    facet = _facet(client.get("/search?spread=institution&spread=region").get_data(as_text=True), "spread")
    assert re.search(r"✓ Уровень образовательной организации.*?<span class=\"count\">0</span>", facet)


@pytest.mark.parametrize("name, bad", [("expertise", "2"), ("expertise", "yes"), ("expertise", "<b>"),
                                       ("spread", "country"), ("spread", "Region"), ("spread", "region,federal")])
def test_a_bad_value_is_dropped_by_the_page_and_refused_by_the_api(app, bank, name, bad):
    client = app.test_client()
    everything = _total(client.get("/search").get_data(as_text=True))
    response = client.get("/search", query_string={name: bad})
    assert response.status_code == 200 and _total(response.get_data(as_text=True)) == everything
    response = client.get("/api/v1/search", query_string={name: bad})
    title = {"expertise": "Экспертиза", "spread": "Уровень распространения"}[name]  # the filter's Russian title
    assert response.status_code == 400 and f"фильтра «{title}»" in response.json["detail"]


def test_saving_an_assessment_and_publishing_re_index_the_practice(app, make_user, make_practice):
    """The flag changes at the publication: saved on its own, the assessment of a practice under review changes no
    search; the publication afterwards gives the practice the flag, at once."""
    owner, methodist = make_user("teacher"), make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        pid = make_practice("Сетевые олимпиады", status="draft", owner_id=owner, spread_level="institution")
    author, moderator = app.test_client(), app.test_client()
    sign_in(author, owner)
    sign_in(moderator, methodist)
    author.post(f"/practices/{pid}/transition",
                data={"action": "submit", "csrf_token": csrf_from(author, f"/practices/{pid}")})
    form = {**FULL, "decision": "", "csrf_token": csrf_from(moderator, f"/practices/{pid}")}
    assert moderator.post(f"/practices/{pid}/assessment", data=form).status_code == 302
    client = app.test_client()
    assert client.get("/api/v1/search?expertise=1").json["total"] == 0
    assert client.get("/api/v1/search?spread=institution").json["total"] == 0  # under review: not public
    moderator.post(f"/practices/{pid}/transition",
                   data={"action": "publish", "csrf_token": csrf_from(moderator, f"/practices/{pid}")})
    assert _ids(client, "expertise=1") == [pid]
    assert _ids(client, "spread=institution") == [pid]


def test_the_outbox_names_the_practice_when_its_assessment_is_saved(app, make_practice):
    from kb.practices.models import PracticeAssessment
    from kb.search.models import IndexOutbox

    with app.app_context():
        pid = make_practice("Практика с оценкой")
        before = db.session.scalar(select(db.func.max(IndexOutbox.id)))
        db.session.add(PracticeAssessment(practice_id=pid, submission_id=None, revision=1, **{k: int(v) for k, v in
                                                                                               FULL.items()}))
        db.session.commit()
        rows = db.session.execute(select(IndexOutbox.doc_type, IndexOutbox.doc_id).where(IndexOutbox.id > before))
        assert ("practice", pid) in list(rows)


def test_the_feed_export_and_saved_search_keep_the_filters(app, bank):
    client = app.test_client()
    feed = client.get("/search/feed?expertise=1&spread=region").get_data(as_text=True)
    assert "Экспертиза: Прошла экспертизу" in feed and "Уровень распространения: Региональный уровень" in feed
    assert f"/practices/{bank['passed']}" in feed and f"/practices/{bank['low']}" not in feed
    exported = client.get("/search/export.csv?expertise=1").get_data(as_text=True)
    assert "Шахматы: прошла" in exported and "Шахматы: низкая оценка" not in exported

    from kb.accounts.services import create_user

    with app.app_context():
        user = create_user("expert@example.org", "Методист", PASSWORD)
        db.session.commit()
        user_id = user.id
    sign_in(client, user_id)
    url = "/search?expertise=1&spread=region"
    form = re.search(r'<form class="save-search".*?</form>', client.get(url).get_data(as_text=True), re.S).group(0)
    assert '<input type="hidden" name="expertise" value="1">' in form
    response = client.post("/search/saved", data={"csrf_token": csrf_from(client, url), "name": "",
                                                  "expertise": "1", "spread": "region"})
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.scalars(select(SavedSearch)).one()
        assert saved.query == "expertise=1&spread=region"
        assert saved.name == "Прошла экспертизу · Региональный уровень"
    assert _total(client.get("/search?" + saved.query).get_data(as_text=True)) == 1


def test_init_rebuilds_an_index_without_the_new_fields(app, bank):
    """An index of the previous version has neither field: `init` says so and rebuilds it; the filters then work."""
    import shutil
    from pathlib import Path

    from whoosh import index as whoosh_index

    from indexer.schema import build_schema
    from kb.commands import index_rebuild_reason

    index_dir = app.config["INDEX_DIR"]
    app.extensions.pop("kb_index").close()
    shutil.rmtree(index_dir)
    Path(index_dir).mkdir()
    older = build_schema()
    older.remove("expertise")
    older.remove("spread")
    whoosh_index.create_in(index_dir, older)
    with app.app_context():
        assert index_rebuild_reason() == "Индекс построен прежней версией программы"
    upgraded = app.test_cli_runner().invoke(args=["init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Индекс построен прежней версией программы: перестраиваю его по базе данных." in upgraded.output
    client = app.test_client()
    assert _ids(client, "expertise=1") == [bank["passed"]]
    assert _ids(client, "spread=region") == [bank["passed"]]

