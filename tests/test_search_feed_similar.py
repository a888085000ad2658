"""The Atom feed of a search and "Похожие практики"."""

import xml.etree.ElementTree as ET
from datetime import timedelta

from flask import render_template_string
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from kb.search.services import similar_practices
from kb.vocabularies.models import Topic

ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, **params) -> ET.Element:
    response = client.get("/search/feed", query_string=params)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    return ET.fromstring(response.data)


def test_feed_of_a_search_lists_its_newest_public_materials(app, make_practice):
    with app.app_context():
        old = make_practice("Школьное научное общество: первые шаги", region_code="RU-CHE")
        new = make_practice("ШНО в сельской школе", region_code="RU-CHE")
        make_practice("Школьное научное общество в Смоленске", region_code="RU-SMO")
        make_practice("Школьное научное общество — черновик", region_code="RU-CHE", status="draft")
        # the first one entered the bank a day earlier
        db.session.get(Practice, old).published_at -= timedelta(days=1)
        db.session.commit()
    root = feed(app.test_client(), q="ШНО", region="RU-CHE")
    assert root.find(f"{ATOM}title").text == "Банк практик: «ШНО» · Регион: Челябинская область"
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == [
        f"http://localhost/practices/{new}", f"http://localhost/practices/{old}",
    ]
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://localhost/search?q=%D0%A8%D0%9D%D0%9E&region=RU-CHE"
    assert root.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text
    assert "&lt;mark&gt;" in ET.tostring(entries[0].find(f"{ATOM}summary"), encoding="unicode")


def test_feed_lists_a_new_practice_of_an_old_year(app, make_practice):
    """The feed took the 200 matches of the latest years and missed a practice published today with an older year."""
    from kb.search.services import sync
    from kb.timeutil import utcnow

    with app.app_context():
        long_ago = utcnow() - timedelta(days=400)
        db.session.add_all(Practice(title=f"Практика о наставничестве {i}", status="published", region_code="RU-TA",
                                    year=2025, published_at=long_ago, created_at=long_ago) for i in range(210))
        db.session.commit()
        sync()
        old_year = make_practice("Наставничество молодых учителей", year=2016)
        new_year = make_practice("Наставничество в сельской школе", year=2025)
    for params in ({}, {"q": "наставничество"}):
        entries = feed(app.test_client(), **params).findall(f"{ATOM}entry")
        assert len(entries) == 30
        assert [e.find(f"{ATOM}link").get("href") for e in entries[:2]] == [
            f"http://localhost/practices/{new_year}", f"http://localhost/practices/{old_year}",
        ]


def test_feed_lists_a_resolution_when_it_is_published_not_when_it_was_imported(app, make_practice):
    """A resolution saved as a draft and published weeks later was dated by its import: below 30 newer practices,
    it never reached the feed. Its recommendations enter with it."""
    import hashlib

    from kb.resolutions import services as resolutions
    from kb.resolutions.models import Recommendation, Resolution
    from kb.search.services import sync
    from kb.timeutil import utcnow

    with app.app_context():
        long_ago, weeks_ago = utcnow() - timedelta(days=400), utcnow() - timedelta(days=60)
        db.session.add_all(Practice(title=f"Практика о наставничестве {i}", status="published", region_code="RU-TA",
                                    year=2025, published_at=weeks_ago + timedelta(days=1), created_at=long_ago)
                           for i in range(35))
        resolution = Resolution(title="Резолюция семинара о наставничестве", conference_name="Семинар",
                                status="draft", checksum=hashlib.sha256(b"feed").hexdigest(), created_at=weeks_ago,
                                updated_at=weeks_ago, full_text="Развивать наставничество.",
                                recommendations=[Recommendation(number="1", text="Развивать наставничество.")])
        db.session.add(resolution)
        db.session.commit()
        sync()
        assert resolution.published_at is None
        resolutions.publish_resolution(resolution)
        db.session.commit()
        sync()
        rid, rec_id, published = resolution.id, resolution.recommendations[0].id, resolution.published_at
        assert published > weeks_ago
        resolutions.unpublish_resolution(resolution)  # taken back and published again: it entered the first time
        db.session.commit()
        resolutions.publish_resolution(resolution)
        db.session.commit()
        sync()
        assert resolution.published_at == published
    entries = feed(app.test_client(), q="наставничество").findall(f"{ATOM}entry")
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert len(entries) == 30
    assert set(links[:2]) == {f"http://localhost/resolutions/{rid}", f"http://localhost/resolutions/{rid}#rec-{rec_id}"}
    assert entries[0].find(f"{ATOM}updated").text == published.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_feed_lists_only_materials_with_every_word(app, make_practice):
    """The search page follows the one practice with every word by those with some of them, and says so; the feed,
    sorted by date, listed the newer partial matches above the real one, with nothing to say so."""
    with app.app_context():
        full = make_practice("Кружок робототехники для младших школьников",
                             annotation="Занятия робототехникой в начальной школе.")
        db.session.get(Practice, full).published_at -= timedelta(days=30)
        db.session.commit()
        for i in range(3):
            make_practice(f"Школьная газета, выпуск {i}", annotation="Ученики начальной школы пишут статьи.")
    client = app.test_client()
    with client.get("/search", query_string={"q": "робототехника начальная школа"}) as page:
        assert "часть слов" in page.get_data(as_text=True)
    entries = feed(client, q="робототехника начальная школа").findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href") for e in entries] == [f"http://localhost/practices/{full}"]
    assert feed(client, q="робототехника кванториум").findall(f"{ATOM}entry") == []  # no material has both


def test_feed_survives_anything_in_the_query(demo_client):
    for q in ("\x00\x01опыт", '<script>"', "x" * 2000):
        assert feed(demo_client, q=q).tag == f"{ATOM}feed"
    page = demo_client.get("/search", query_string={"q": "олимпиада", "region": "RU-CHE"}).get_data(as_text=True)
    assert 'href="/search/feed?q=%D0%BE%D0%BB%D0%B8%D0%BC%D0%BF%D0%B8%D0%B0%D0%B4%D0%B0&amp;region=RU-CHE"' in page


def test_similar_practices_leave_out_the_practice_itself_and_unpublished_ones(app, make_practice):
    with app.app_context():
        base = make_practice("Школьное научное общество младших школьников",
                             annotation="Исследовательские проекты учащихся начальной школы, научное общество.")
        twin = make_practice("Научное общество учащихся начальной школы",
                             annotation="Исследовательские проекты младших школьников в научном обществе.")
        make_practice("Научное общество младших школьников — черновик", status="draft",
                      annotation="Исследовательские проекты младших школьников, научное общество.")
        make_practice("Олимпиадная математика", annotation="Подготовка к олимпиадам по математике.")
    with app.test_request_context():
        found = similar_practices(base)
        assert [item.id for item in found][0] == twin
        assert base not in {item.id for item in found}
        assert all(db.session.get(Practice, item.id).status == "published" for item in found)
        assert similar_practices(999_999) == []


def test_similar_practices_partial(demo_app):
    with demo_app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.external_id == "demo:demo-a-01"))
        with demo_app.test_request_context():
            html = render_template_string('{% include "search/_similar.html" %}', practice=practice)
    assert "Похожие практики" in html
    assert f'href="/practices/{practice.id}"' not in html
    assert html.count("<li>") == 5


def _similar_ids(app, practice_id: int) -> list[int]:
    with app.test_request_context():
        return [item.id for item in similar_practices(practice_id)]


def test_similar_practices_outlast_the_searches_until_the_index_moves(app, make_practice, monkeypatch):
    """A practice's list is kept apart from the searches: in their 256 a few seconds of searching dropped it, and
    each practice page ran the more-like-this query again. A commit still starts afresh (see the next test)."""
    from indexer import index as indexer_index
    from kb.search.services import get_index

    with app.app_context():
        base = make_practice("Школьное научное общество младших школьников",
                             annotation="Исследовательские проекты учащихся начальной школы, научное общество.")
        twin = make_practice("Научное общество учащихся начальной школы",
                             annotation="Исследовательские проекты младших школьников в научном обществе.")
        make_practice("Олимпиадная математика", annotation="Подготовка к олимпиадам по математике.")
    assert _similar_ids(app, base)[0] == twin
    with app.app_context():
        for i in range(indexer_index.RESULT_CACHE + 10):
            get_index().search(indexer_index.SearchQuery(text=f"общество {i}"))
    runs = []
    real = indexer_index.SearchIndex._similar
    monkeypatch.setattr(indexer_index.SearchIndex, "_similar", lambda *args: runs.append(args) or real(*args))
    assert _similar_ids(app, base)[0] == twin
    assert runs == []


def test_similar_practices_follow_publishing_edits_and_drafts(app, make_practice):
    """What the block shows moves with the index: a newly published practice enters it, an edited one that is no
    longer alike and one turned back into a draft leave it; a draft is never shown, even before the index moves."""
    from kb.search.services import sync

    with app.app_context():
        base = make_practice("Школьное научное общество младших школьников",
                             annotation="Исследовательские проекты учащихся начальной школы, научное общество.")
        make_practice("Олимпиадная математика", annotation="Подготовка к олимпиадам по математике.",
                      topics=["olympiads"])
        draft = make_practice("Научное общество младших школьников — черновик", status="draft",
                              annotation="Исследовательские проекты младших школьников, научное общество.")
    assert draft not in _similar_ids(app, base)

    with app.app_context():
        twin = make_practice("Научное общество учащихся начальной школы",
                             annotation="Исследовательские проекты младших школьников в научном обществе.")
    assert _similar_ids(app, base)[0] == twin

    with app.app_context():  # the draft is published: it enters the block
        practice = db.session.get(Practice, draft)
        practice.status, practice.published_at = "published", practice.created_at
        db.session.commit()
        sync()
    assert draft in _similar_ids(app, base)

    with app.app_context():  # the twin is rewritten about something else
        practice = db.session.get(Practice, twin)
        practice.title, practice.annotation = "Шахматы в детском саду", "Игра в шахматы с дошкольниками."
        practice.topics = [db.session.get(Topic, "olympiads")]
        db.session.commit()
        sync()
    assert twin not in _similar_ids(app, base)

    with app.app_context():  # back to a draft, the index not told yet: the block leaves it out already
        practice = db.session.get(Practice, draft)
        practice.status = "draft"
        db.session.commit()
    assert draft not in _similar_ids(app, base)
    with app.app_context():
        sync()
    assert draft not in _similar_ids(app, base)


def test_the_migration_dates_published_resolutions_by_their_import_and_keeps_the_index(app):
    """Migration z3rpa0000001: a published resolution's published_at is its created_at, the «entered» the index
    holds, so no document is stale and nothing needs a rebuild; a draft has none until it is published."""
    from flask_migrate import downgrade, upgrade

    from kb.resolutions.models import Recommendation, Resolution
    from kb.search.services import check_index, sync
    from kb.timeutil import utcnow

    with app.app_context():
        imported = utcnow() - timedelta(days=30)
        made = [Resolution(title=f"Резолюция {status}", checksum=status[0] * 64, status=status, full_text="Текст",
                           created_at=imported, updated_at=imported,
                           recommendations=[Recommendation(number="1", text="Рекомендация")])
                for status in ("published", "draft")]
        db.session.add_all(made)
        db.session.commit()
        published, draft = (r.id for r in made)
        db.session.execute(db.text("UPDATE resolution SET published_at = NULL"))  # as before the migration
        db.session.commit()
        sync()
        db.session.commit()  # no transaction of the session holds the table the migration alters (PostgreSQL)
        downgrade(revision="z2rct0000001")
        changed = db.session.scalar(select(Resolution.updated_at).where(Resolution.id == published))
        db.session.commit()
        upgrade()
        db.session.expire_all()
        stored = dict(db.session.execute(db.text("SELECT id, published_at FROM resolution")).all())
        assert db.session.get(Resolution, published).published_at == imported
        assert stored[draft] is None
        assert db.session.get(Resolution, published).updated_at == changed  # OAI-PMH datestamps stay
        assert check_index().clean
