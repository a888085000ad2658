"""No N+1 queries: the main pages run the same number of SQL statements at 64 and at 200+ practices."""

import hashlib

from sqlalchemy import event, select

from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from kb.timeutil import utcnow
from kb.vocabularies.models import EducationLevel, Municipality, Subject, Topic

PAGES = ["/", "/search", "/search?q=олимпиада", "/search?type=practice&per_page=100", "/practices/{pid}",
         "/resolutions", "/resolutions/{rid}", "/topics", "/regions", "/regions/RU-CHE", "/levels", "/collections",
         "/api/v1/search?per_page=100", "/sitemap.xml", "/search/feed", "/api/v1/practices?per_page=100",
         "/api/v1/resolutions?per_page=100", "/api/v1/collections", "/oai?verb=ListRecords&metadataPrefix=oai_dc",
         "/search/export.ris?q=олимпиада", "/search/export.csv?q=олимпиада"]
MAX_STATEMENTS = 25


def _counts(app, pid: int, rid: int) -> dict[str, int]:
    client = app.test_client()
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = {}
        for page in PAGES:
            url = page.format(pid=pid, rid=rid)
            client.get(url)  # warm caches (vocabulary labels, the searcher)
            counter["n"] = 0
            assert client.get(url).status_code == 200, url
            result[url] = counter["n"]
        return result
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)


def _grow(app, practices: int, resolutions: int) -> None:
    from kb.search.services import sync

    with app.app_context():
        levels = list(db.session.scalars(select(EducationLevel)))
        subjects = list(db.session.scalars(select(Subject)))
        topics = list(db.session.scalars(select(Topic)))
        municipalities = list(db.session.scalars(select(Municipality).order_by(Municipality.id).limit(6)))
        for n in range(practices):
            db.session.add(Practice(
                title=f"Олимпиада и проект № {n}", annotation="Олимпиада для школьников района.", status="published",
                region_code=["RU-CHE", "RU-SMO", "RU-TA"][n % 3], year=2015 + n % 10, published_at=utcnow(),
                levels=levels[n % 3:n % 3 + 2], subjects=subjects[n % 5:n % 5 + 2], topics=topics[n % 7:n % 7 + 3]))
        for n in range(resolutions):
            text = f"Резолюция конференции № {n}"
            db.session.add(Resolution(
                title=text, checksum=hashlib.sha256(text.encode()).hexdigest(), status="published", full_text=text,
                municipalities=municipalities[n % 3:n % 3 + 2],  # the API's list gives them: loaded for the page
                recommendations=[Recommendation(number=str(i + 1), position=i, text=f"Олимпиада {i}")
                                 for i in range(3)]))
        db.session.commit()
        sync()


def test_main_pages_do_not_grow_with_the_data(demo_app):
    with demo_app.app_context():
        pid = db.session.scalar(select(Practice.id).where(Practice.status == "published").order_by(Practice.id))
        rid = db.session.scalar(select(Resolution.id).order_by(Resolution.id))
    before = _counts(demo_app, pid, rid)
    _grow(demo_app, practices=140, resolutions=10)
    after = _counts(demo_app, pid, rid)
    # A search page may need fewer statements when its top results are of fewer types; never more.
    grown = {url: (before[url], after[url]) for url in before if after[url] > before[url]}
    assert not grown, grown
    assert max(after.values()) <= MAX_STATEMENTS, after


def test_the_practice_form_does_not_grow_with_the_municipalities(demo_app):
    """The form read its vocabularies on every page, and each municipality's region in a query of its own (once
    per region): 27 statements for «Новая практика» with the demo's municipalities, more with a country's."""
    from kb.accounts.models import User
    from kb.vocabularies.models import Municipality
    from tests.conftest import sign_in

    client = demo_app.test_client()
    with demo_app.app_context():
        sign_in(client, db.session.scalar(select(User.id).where(User.role == "teacher")))
    counter = {"n": 0}

    def statements() -> int:
        client.get("/practices/new")  # the vocabulary lists are read once, then kept
        counter["n"] = 0
        page = client.get("/practices/new")
        assert page.status_code == 200
        return counter["n"], page.get_data(as_text=True).count("<option")

    def count(*args, **kwargs):
        counter["n"] += 1

    with demo_app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    try:
        before, options = statements()
        with demo_app.app_context():
            db.session.add_all(Municipality(code=f"test-{n}", name=f"Тестовый район № {n}", kind="муниципальный район",
                                            region_code="RU-CHE") for n in range(40))
            db.session.commit()
        after, more_options = statements()
    finally:
        with demo_app.app_context():
            event.remove(db.engine, "before_cursor_execute", count)
    assert more_options == options + 40  # the new ones are offered at once (a vocabulary change drops the lists)
    assert after == before <= 6, (before, after)
