"""Anything unpublished is invisible to all but its author, its moderators and admins — on every surface."""

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in

SECRET = "секретоподобное"


@pytest.fixture
def hidden(app, make_user, make_practice):
    """A practice in each unpublished status, in a region nobody else has, holding a unique word."""
    owner = make_user("teacher")
    with app.app_context():
        make_practice("Публичная практика", topics=["olympiads"], region_code="RU-CHE")
        ids = [make_practice(f"Практика {SECRET} {status}", status=status, owner_id=owner, region_code="RU-YEV",
                             topics=["inclusive"], subjects=["music"], year=1999,
                             annotation=f"Аннотация со словом {SECRET}.")
               for status in ("draft", "submitted", "returned", "archived")]
    return owner, ids


def _surfaces(client):
    api = client.get("/api/v1/search", query_string={"q": SECRET}).json
    everything = client.get("/api/v1/search", query_string={"per_page": 100}).json
    return api, everything


@pytest.mark.parametrize("viewer", ["anonymous", "other_teacher", "methodist_out"])
def test_unpublished_practices_leak_nowhere(app, hidden, make_user, viewer):
    owner, ids = hidden
    client = app.test_client()
    if viewer == "other_teacher":
        sign_in(client, make_user("teacher"))
    elif viewer == "methodist_out":
        sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    api, everything = _surfaces(client)
    assert api["total"] == 0 and api["results"] == []
    assert everything["total"] == 1
    for facet in ("region", "topic", "subject", "year"):
        values = {f["value"] for f in everything["facets"][facet]}
        assert not values & {"RU-YEV", "inclusive", "music", "1999"}, facet
    page = client.get("/search", query_string={"q": SECRET}).get_data(as_text=True)
    results = page[page.index('<section class="results"'):]
    results = re.sub(r'<form class="save-search".*?</form>', "", results, flags=re.S)  # echoes the user's query
    assert "Ничего не найдено" in results and SECRET not in results
    assert SECRET not in client.get("/").get_data(as_text=True)
    for url in ("/topics", "/regions", "/levels", "/practices/mine", "/practices/moderation"):
        body = client.get(url).get_data(as_text=True)
        assert SECRET not in body, url
    assert 'href="/search?region=RU-YEV&amp;type=practice"' not in client.get("/regions").get_data(as_text=True)
    for pid in ids:
        for url in (f"/practices/{pid}", f"/api/v1/practices/{pid}", f"/practices/{pid}/history",
                    f"/practices/{pid}/diff?from=1"):
            assert client.get(url).status_code in (302, 404), url


@pytest.mark.parametrize("viewer", ["owner", "methodist_in", "admin"])
def test_author_moderator_and_admin_see_them(app, hidden, make_user, viewer):
    owner, ids = hidden
    client = app.test_client()
    user = {"owner": owner, "methodist_in": make_user("methodist", scope_region="RU-YEV"),
            "admin": make_user("admin")}[viewer]
    sign_in(client, user)
    for pid in ids:
        page = client.get(f"/practices/{pid}")
        assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    # Search shows what the public sees, for everyone: drafts are never in the index.
    assert client.get("/api/v1/search", query_string={"q": SECRET}).json["total"] == 0
    if viewer == "owner":
        assert client.get("/practices/mine").get_data(as_text=True).count(SECRET) == 4
    else:
        queue = client.get("/practices/moderation?status=submitted").get_data(as_text=True)
        # the rows' links (each row's box to tick names its practice too)
        assert re.findall(rf'<a href="/practices/(\d+)">Практика {SECRET}', queue) == [str(ids[1])]


def test_unpublished_never_enters_the_index(app, hidden):
    from kb.search.services import get_index

    owner, ids = hidden
    with app.app_context():
        indexed = set(get_index().versions())
        assert not indexed & {f"practice:{pid}" for pid in ids}
        published = db.session.scalars(select(Practice.id).where(Practice.status == "published")).all()
        assert indexed == {f"practice:{pid}" for pid in published}


REMOVED = "Сквознякова"  # a pupil's surname a methodist removes from a published practice


def _get(client, url: str, **params) -> str:
    with client.get(url, query_string=params) as response:
        assert response.status_code == 200, url
        return response.get_data(as_text=True)


@pytest.fixture
def edited_unindexed(app, make_practice):
    """A published practice whose annotation named a pupil, edited (the name removed) and committed, the edit not
    yet applied to the index: production's index writer is another process, a moment behind (minutes while it
    rebuilds or is down)."""
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    with app.app_context():
        pid = make_practice("Проектная деятельность в пятом классе",
                            annotation=f"Руководитель проекта ученица {REMOVED} Арина, победитель олимпиады.")
    client = app.test_client()
    before = client.get("/api/v1/search", query_string={"q": REMOVED}).json
    assert before["results"][0]["snippet"].count(f"<mark>{REMOVED}</mark>") == 1  # the index's current copy
    with app.app_context():
        db.session.get(Practice, pid).annotation = "Руководитель проекта ученица пятого класса, победитель олимпиады."
        db.session.commit()
    return client, pid


def test_words_an_unindexed_edit_removed_are_shown_nowhere(app, edited_unindexed):
    """The snippet is the index's stored text: until the writer applied the edit, search showed the removed
    «…ученица <mark>Сквознякова</mark> Арина…» on the page, in the API and in the feed. A result from a copy older
    than the database shows the current text instead."""
    client, pid = edited_unindexed
    api = client.get("/api/v1/search", query_string={"q": REMOVED}).json
    assert [r["id"] for r in api["results"]] == [pid]  # the index still finds it: counting is eventual
    assert api["results"][0]["snippet"] == "Руководитель проекта ученица пятого класса, победитель олимпиады."
    page = _get(client, "/search", q=REMOVED)
    results = re.sub(r'<form class="save-search".*?</form>', "", page[page.index('<section class="results"'):],
                     flags=re.S)
    assert "ученица пятого класса" in results
    feed = _get(client, "/search/feed", q=REMOVED)
    assert "ученица пятого класса" in feed
    for body in (str(api), results, feed.split("</title>", 1)[1]):  # the feed's title repeats the query
        assert REMOVED not in body and "Арина" not in body
    with app.app_context():
        from kb.search.services import sync

        sync()
    assert client.get("/api/v1/search", query_string={"q": REMOVED}).json["total"] == 0
    fresh = client.get("/api/v1/search", query_string={"q": "олимпиады"}).json["results"]
    assert [r["snippet"] for r in fresh if r["id"] == pid] == [
        "… ученица пятого класса, победитель <mark>олимпиады</mark>."]


def test_a_removed_word_is_not_offered_as_a_correction(app, edited_unindexed):
    """«Возможно, вы имели в виду: сквознякова» came from the index's dictionary, the only practice it finds
    an older copy; a misspelling that finds nothing as typed showed that practice under «показаны результаты по
    запросу «сквознякова»»."""
    client, _pid = edited_unindexed
    found = client.get("/api/v1/search", query_string={"q": "Сквозняково"}).json
    assert found["suggestion"] is None and REMOVED.lower() not in str(found).lower()
    nothing = client.get("/api/v1/search", query_string={"q": "Свкознякова"}).json
    assert nothing["total"] == 0 and nothing["results"] == [] and nothing["suggestion"] is None
    assert REMOVED.lower() not in str(nothing).lower()
    page = _get(client, "/search", q="Свкознякова")
    assert REMOVED.lower() not in page.lower() and "Ничего не найдено" in page


def test_a_correction_a_current_practice_holds_is_still_offered(app, make_practice):
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    with app.app_context():
        make_practice("Кружок робототехники", annotation="Занятия по робототехнике для пятиклассников.")
    client = app.test_client()
    suggestion = client.get("/api/v1/search", query_string={"q": "робатотехника"}).json["suggestion"]
    assert suggestion and suggestion.startswith("робототехник")


def test_a_removed_file_s_text_is_not_shown_before_the_index_has_applied_the_removal(app, make_practice, make_user):
    """A snippet «В файле …» comes from the index's copy of the file's text: a file removed (it named a pupil) is a
    change of the practice's last-change time, not of its content revision, and is caught the same way."""
    from kb.accounts.models import User
    from kb.attachments.models import Attachment
    from kb.attachments.services import add_attachment, remove_attachment
    from kb.search.services import sync
    from tests.documents import odt_bytes

    admin = make_user("admin")
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    with app.test_request_context():
        pid = make_practice("Практика с приложенным списком победителей")
        add_attachment(db.session.get(User, admin), db.session.get(Practice, pid), "список.odt",
                       odt_bytes(f"Победитель олимпиады: {REMOVED} Арина, 5 класс."))
        db.session.commit()
        sync()
    client = app.test_client()
    assert f"<mark>{REMOVED}</mark>" in client.get("/api/v1/search", query_string={"q": REMOVED}).json[
        "results"][0]["snippet"]
    with app.test_request_context():
        remove_attachment(db.session.get(User, admin), db.session.scalar(select(Attachment)))
        db.session.commit()
    api = client.get("/api/v1/search", query_string={"q": REMOVED}).json
    assert [r["id"] for r in api["results"]] == [pid] and REMOVED not in str(api) and "Арина" not in str(api)
    page = _get(client, "/search", q=REMOVED)
    results = page[page.index('<section class="results"'):]
    assert "Арина" not in results and "список.odt" not in results


WITHDRAWN = "Пузырлямбра"  # a word only the practice withdrawn below (and one public practice) hold


@pytest.fixture
def withdrawn_unindexed(app, make_practice):
    """A published practice in a region, subject, level, topic and year nobody else has, indexed, beside a public
    one with the same unique word; the index writer is another process (production), stopped or behind."""
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    with app.app_context():
        gone = make_practice(f"{WITHDRAWN}: опыт вурдалакского метода", region_code="RU-YEV", topics=["inclusive"],
                             subjects=["music"], levels=["preschool"], year=1999,
                             annotation=f"{WITHDRAWN} и вурдалакский метод на занятиях.")
        kept = make_practice(f"Открытая практика: {WITHDRAWN} на переменах", region_code="RU-CHE",
                             annotation=f"{WITHDRAWN} на каждой перемене.")
    return app.test_client(), gone, kept


def _total(page: str) -> int:
    return int(re.search(r"Найдено: <strong>(\d+)</strong>", page).group(1))


def _hints(client) -> dict[str, str | None]:
    """The region, subject and level hints a query naming the withdrawn practice's own offers («… (1 материал)»)."""
    found = {}
    for kind, q in (("Регион", f"{WITHDRAWN} Еврейская автономная область"), ("Предмет", f"{WITHDRAWN} музыка"),
                    ("Уровень", f"{WITHDRAWN} в детском саду")):
        hint = re.search(rf"<p class=\"suggestion\">{kind} из запроса:.*?</p>", _get(client, "/search", q=q), re.S)
        found[kind] = hint and hint.group()
    return found


def _what_search_says(client) -> dict:
    one = client.get("/api/v1/search", query_string={"q": WITHDRAWN}).json
    both = client.get("/api/v1/search", query_string={"q": f"{WITHDRAWN} вурдалакский"}).json
    region = client.get("/api/v1/search", query_string={"region": "RU-YEV"}).json
    page = _get(client, "/search", q=WITHDRAWN)
    return {"one": one, "both": both, "region": region, "page_total": _total(page), "hints": _hints(client)}


def _facet(found: dict, name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in found["facets"][name]}


def test_a_withdrawn_practice_counts_nowhere_before_the_index_has_applied_it(app, withdrawn_unindexed):
    """Search results are looked up in the database, but the total, the facets, the hints' counts and «Документов со
    всеми словами запроса: N» came from the index: until the writer applied an archiving, the practice still
    counted there (`total 1`, `results []`, «Регион из запроса … (1 материал)»), so withdrawn content could be
    probed word by word. A change waiting in the outbox whose document is no longer public leaves it out."""
    client, gone, kept = withdrawn_unindexed
    before = _what_search_says(client)
    assert before["one"]["total"] == before["page_total"] == 2 and _facet(before["one"], "region")["RU-YEV"] == 1
    assert before["both"]["total"] == 2 and "Документов со всеми словами запроса: 1" in before["both"]["notice"]
    assert before["region"]["total"] == 1
    assert all(hint and "(1 материал)" in hint for hint in before["hints"].values()), before["hints"]
    with app.app_context():
        db.session.get(Practice, gone).status = "archived"
        db.session.commit()  # not applied to the index: the writer is behind
    stale = _what_search_says(client)
    assert [r["id"] for r in stale["one"]["results"]] == [kept]
    assert stale["one"]["total"] == stale["page_total"] == 1
    for name, values in (("region", {"RU-YEV"}), ("topic", {"inclusive"}), ("subject", {"music"}),
                         ("level", {"preschool"}), ("year", {"1999"})):
        assert not set(_facet(stale["one"], name)) & values, name
    assert _facet(stale["one"], "region") == {"RU-CHE": 1} and _facet(stale["one"], "type") == {"practice": 1}
    assert stale["both"]["total"] == 1 and [r["id"] for r in stale["both"]["results"]] == [kept]
    assert stale["both"]["notice"] == ("Документов со всеми словами запроса нет: показаны документы, где есть "
                                       "часть слов.")
    assert stale["region"]["total"] == 0 and stale["region"]["results"] == []
    assert stale["hints"] == {"Регион": None, "Предмет": None, "Уровень": None}
    with app.app_context():
        from kb.search.services import sync

        assert sync()
    assert _what_search_says(client) == stale  # what the index says once it has applied the archiving


def test_a_public_practice_edited_before_the_index_has_applied_it_still_counts(app, withdrawn_unindexed):
    """A change waiting for the writer leaves out only what is no longer public: an edited practice is found and
    counted (from its older copy) as before."""
    client, gone, _kept = withdrawn_unindexed
    before = _what_search_says(client)
    with app.app_context():
        db.session.get(Practice, gone).title = f"{WITHDRAWN}: вурдалакский метод, второе издание"
        db.session.commit()
    after = _what_search_says(client)
    assert after["one"]["total"] == after["page_total"] == 2 and _facet(after["one"], "region")["RU-YEV"] == 1
    assert {r["id"] for r in after["one"]["results"]} == {r["id"] for r in before["one"]["results"]}
    assert after["both"]["notice"] == before["both"]["notice"] and after["region"]["total"] == 1
    assert after["hints"] == before["hints"]
