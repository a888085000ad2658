"""Completions under the search box: public things only, ё-folded, fast enough to follow typing."""

import re

from sqlalchemy import func, select

from kb.extensions import db
from kb.practices.models import Practice


def suggest(client, q: str) -> list[dict]:
    response = client.get("/api/v1/suggest", query_string={"q": q})
    assert response.status_code == 200
    return response.json["suggestions"]


def test_titles_topics_organisations_and_regions(demo_client):
    gifted = suggest(demo_client, "одарён")
    assert {s["kind"] for s in gifted} >= {"topic", "practice"}
    assert gifted == suggest(demo_client, "ОДАРЕН")  # case and ё/е folded
    assert gifted[0] == {"label": "Одарённые младшие школьники", "kind": "topic", "kind_label": "Тема",
                         "url": "/search?topic=gifted_primary"}
    regions = suggest(demo_client, "челяб")
    assert regions[0] == {"label": "Челябинская область", "kind": "region", "kind_label": "Регион",
                          "url": "/search?region=RU-CHE"}
    assert any(s["kind"] == "organisation" and s["url"].startswith("/search?q=%22") for s in regions)
    practice = suggest(demo_client, "шно откр")
    assert [s["kind"] for s in practice] == ["practice"] and practice[0]["url"].startswith("/practices/")
    assert suggest(demo_client, "ш") == [] and suggest(demo_client, "  ") == []


def test_letters_typed_in_the_english_layout_complete_as_the_russian_ones(demo_client):
    """«jlfh» are the keys of «одар»: the list under the box stayed empty until the layout was switched."""
    assert suggest(demo_client, "jlfh") == suggest(demo_client, "одар") != []
    assert suggest(demo_client, "Xtkz,") == suggest(demo_client, "челяб") != []  # «,» is the key of «б»
    assert suggest(demo_client, "шно jnrh") == suggest(demo_client, "шно откр") != []
    assert suggest(demo_client, "qqqq") == []


def test_unpublished_practices_are_never_suggested(demo_app, demo_client):
    with demo_app.app_context():
        hidden = list(db.session.scalars(select(Practice.title).where(Practice.status != "published")))
    assert hidden
    for title in hidden:
        labels = {s["label"] for s in suggest(demo_client, title[:40])}
        assert title not in labels
    assert suggest(demo_client, "эрудит") == []  # the word occurs only in an unpublished title


def test_the_list_follows_changes(app, make_practice):
    client = app.test_client()
    assert suggest(client, "шахм") == []
    with app.app_context():
        make_practice("Шахматная школа для младших школьников")
        make_practice("Шашечный клуб", status="draft")
    assert [s["label"] for s in suggest(client, "шахм")] == ["Шахматная школа для младших школьников"]
    assert suggest(client, "шаш") == []


def test_keystrokes_are_answered_from_the_list_read_once(demo_app, demo_client, monkeypatch):
    """Speed comes from reading the list once (bench/suggest.py measures it): later keystrokes read no
    practices again while nothing has changed."""
    from kb.search import autocomplete

    suggest(demo_client, "школ")  # the first call reads the list

    def read_again(*_args, **_kwargs):
        raise AssertionError("the list was read again")

    monkeypatch.setattr(autocomplete, "_practice_entries", read_again)
    monkeypatch.setattr(autocomplete, "_other_entries", read_again)
    for q in ("школ", "одар", "проф", "челяб", "инклюз", "олимп", "сетев", "гимназ", "роб", "тьют"):
        assert suggest(demo_client, q) is not None


def test_pages_load_the_script(demo_client):
    page = demo_client.get("/search", query_string={"q": "опыт"}).get_data(as_text=True)
    src = re.search(r'<script src="(/static/search\.[0-9a-f]{12}\.js)" defer></script>', page)
    assert src, "the script is linked by its fingerprinted URL"
    script = demo_client.get(src.group(1))
    assert script.status_code == 200 and b"/api/v1/suggest" in script.data
    script.close()


def test_a_change_rereads_only_the_practices_it_names(app, make_practice, monkeypatch):
    from kb.search import autocomplete

    with app.app_context():
        first = make_practice("Шахматная школа в сельском клубе")
        make_practice("Шахматы для дошкольников")
    reads = []
    real = autocomplete._practice_entries
    monkeypatch.setattr(autocomplete, "_practice_entries", lambda ids=None: reads.append(ids) or real(ids))
    with app.test_request_context():
        assert len(autocomplete.complete("шахмат")) == 2
    with app.app_context():
        added = make_practice("Шахматный турнир родителей и детей")
        practice = db.session.get(Practice, first)
        practice.status = "archived"
        db.session.commit()
    with app.test_request_context():
        labels = {c.label for c in autocomplete.complete("шахмат")}
    assert labels == {"Шахматы для дошкольников", "Шахматный турнир родителей и детей"}
    assert reads[0] is None and reads[1:] == [sorted({first, added})]  # the whole list once, then the two


def test_two_letters_are_answered_from_the_ordered_prefix_list_as_a_full_scan_would(demo_app):
    from kb.search import autocomplete

    with demo_app.test_request_context():
        entries = autocomplete._entries()
        prefixes = sorted({w[:2] for e in entries for w in e.words.split() if len(w) >= 2})
        assert len(prefixes) > 50
        for prefix in prefixes:
            matching = [e for e in entries if any(w.startswith(prefix) for w in e.words.split())]
            matching.sort(key=lambda e: (not e.words.startswith(" " + prefix), autocomplete._KIND_ORDER[e.kind],
                                         len(e.words), e.words))
            shown = autocomplete.complete(prefix)
            assert shown == matching[:autocomplete.MAX_COMPLETIONS], prefix
            assert all(c.label for c in shown), prefix


def test_prefix_lists_are_every_matching_entry_in_the_order_of_a_full_sort():
    """_by_prefix sorts once and splits; each list must be what sorting its entries by _order gives, ties
    (the same kind and words) in the entries' order, first words of one letter included."""
    import random

    from kb.search import autocomplete
    from kb.search.autocomplete import Completion

    rng = random.Random(5)
    vocabulary = ["школа", "шахматы", "музей", "му", "м", "школьный", "мир", "ша", "одарённые", "один", "о"]
    entries = []
    for i in range(400):
        words = rng.sample(vocabulary, rng.randint(0, 4))
        line = "".join(f" {w}" for w in words)
        entries.append(Completion(None, rng.choice(list(autocomplete._KIND_ORDER)), i % 37, line))
    index = autocomplete._by_prefix(entries)
    expected_prefixes = {w[:2] for e in entries for w in e.words.split() if len(w) >= 2}
    assert set(index) == expected_prefixes
    for prefix in expected_prefixes:
        having = [e for e in entries if any(w[:2] == prefix for w in e.words.split() if len(w) >= 2)]
        expected = sorted(having, key=lambda e, p=prefix: autocomplete._order(e, p))
        assert [id(e) for e in index[prefix]] == [id(e) for e in expected], prefix


def _edit_committed_out_of_order(app, practice_id: int, title: str) -> None:
    """What PostgreSQL allows: a change takes an outbox id, another change takes the next one and commits first
    (the list is brought up to date past both), then the first commits its lower id."""
    from sqlalchemy import func

    from kb.search import autocomplete
    from kb.search.models import IndexOutbox

    with app.test_request_context():
        taken = (db.session.scalar(select(func.max(IndexOutbox.id))) or 0) + 1
        db.session.add(IndexOutbox(id=taken + 1, doc_type="resolution", doc_id=999))
        db.session.commit()
        autocomplete.complete("шахм")  # the list reads the later id
        db.session.get(Practice, practice_id).title = title
        db.session.flush()
        # the row the flush wrote (its id: SQLite's next, PostgreSQL's sequence's) becomes the one of the lower id
        db.session.execute(IndexOutbox.__table__.delete().where(IndexOutbox.id >= taken, IndexOutbox.id != taken + 1))
        db.session.add(IndexOutbox(id=taken, doc_type="practice", doc_id=practice_id))
        db.session.commit()


def test_a_title_edit_committed_after_a_later_change_still_reaches_the_list(app, make_practice):
    """The list follows the outbox from the highest id it has read: a lower id committed later was skipped for
    ever, and the word removed from the title kept bringing the practice up until the process restarted."""
    from kb.search import autocomplete

    with app.app_context():
        pid = make_practice("Кружок Тарабарского языка для пятиклассников")
    with app.test_request_context():
        assert [c.label for c in autocomplete.complete("тарабар")] == ["Кружок Тарабарского языка для пятиклассников"]
    _edit_committed_out_of_order(app, pid, "Кружок иностранного языка для пятиклассников")
    with app.test_request_context():
        assert autocomplete.complete("тарабар") == []
        assert [c.label for c in autocomplete.complete("иностран")] == ["Кружок иностранного языка для пятиклассников"]


def test_a_shown_practice_s_title_is_matched_again(app, make_practice, monkeypatch):
    """Should the list still miss an edit (a late id looked for no longer), the titles read for the lines shown are
    matched against the typed words again: a practice is not brought up by a word its title no longer has."""
    from kb.search import autocomplete, outbox

    monkeypatch.setattr(outbox, "GAP_TTL_SECONDS", 0)  # the late id is given up at once
    with app.app_context():
        pid = make_practice("Кружок Тарабарского языка для пятиклассников")
        make_practice("Тарабарская грамота: театр для младших школьников")
    with app.test_request_context():
        assert len(autocomplete.complete("тарабар")) == 2
    _edit_committed_out_of_order(app, pid, "Кружок иностранного языка для пятиклассников")
    with app.test_request_context():
        assert [c.label for c in autocomplete.complete("тарабар")] == [
            "Тарабарская грамота: театр для младших школьников"]
        assert [c.label for c in autocomplete.complete("пятикл")] == ["Кружок иностранного языка для пятиклассников"]


def test_a_renamed_topic_is_offered_by_its_new_label(demo_app, monkeypatch):
    """A rename writes no outbox row: the list kept the old label until some practice changed. This process's
    rename is seen at once, another process's as the facets see it (within VOCABULARY_SECONDS)."""
    from sqlalchemy import text

    import kb.vocabularies.services as vocabularies
    from tests.conftest import csrf_from

    def topics(client, q: str) -> list[str]:
        with client.get("/api/v1/suggest", query_string={"q": q}) as response:
            return [s["label"] for s in response.json["suggestions"] if s["kind"] == "topic"]

    client = demo_app.test_client()
    assert topics(client, "одарённые мл") == ["Одарённые младшие школьники"]
    admin = demo_app.test_client()
    with admin.post("/login", data={"email": "admin@demo.example", "password": "demo-admin-pass",
                                    "csrf_token": csrf_from(admin, "/login")}):
        pass
    url = "/admin/vocabularies/topics/gifted_primary"
    with admin.post(url, data={"code": "gifted_primary", "label": "Юные таланты начальной школы", "parent": "",
                               "synonyms": "", "csrf_token": csrf_from(admin, url)}) as response:
        assert response.status_code == 302
    assert topics(client, "одарённые мл") == []
    assert topics(client, "юные тал") == ["Юные таланты начальной школы"]
    with demo_app.app_context():  # another process's rename, behind this one's back
        db.session.execute(text("UPDATE topic SET label = 'Талантливые младшие школьники' "
                                "WHERE code = 'gifted_primary'"))
        db.session.commit()
    monkeypatch.setattr(vocabularies, "VOCABULARY_SECONDS", 0.0)
    assert topics(client, "талантливые мл") == ["Талантливые младшие школьники"]
    assert topics(client, "юные тал") == []


def test_an_organisation_s_suggestion_finds_its_practices(demo_app, demo_client):
    """The suggestion linked to q="<name>", and a name's own «…» closed that phrase and opened another: the search
    for МБУ «Центр развития образования» г. Смоленска found 74 materials, and «Регион из запроса» offered
    «"МБУ «Центр развития образования» г. "» with «Смоленска» cut out of the phrase."""
    name = "МБУ «Центр развития образования» г. Смоленска"
    found = [s for s in suggest(demo_client, "центр развития") if s["kind"] == "organisation" and s["label"] == name]
    assert len(found) == 1
    with demo_app.app_context():
        own = db.session.scalar(select(func.count()).select_from(Practice)
                                .where(Practice.organisation == name, Practice.status == "published"))
    page = demo_client.get(found[0]["url"]).get_data(as_text=True)
    assert own >= 1 and f"Найдено: <strong>{own}</strong>" in page
    # «Смоленска» inside the phrase is part of what is asked for, not a region to cut out of it
    assert "Регион из запроса" not in page
    phrase = demo_client.get("/search", query_string={"q": '"МБУ Центр развития образования г. Смоленска"'})
    assert "Регион из запроса" not in phrase.get_data(as_text=True)
    # a region named outside the phrase is still offered
    hint = demo_client.get("/search", query_string={"q": '"центр развития образования" Смоленская область'})
    assert "Регион из запроса" in hint.get_data(as_text=True)
