"""Decomposed Unicode (NFD: «й» = «и» and U+0306, «ё» = «е» and U+0308, as macOS and many PDFs give it on copy and
paste): a query so typed finds what the composed one finds, and a text so sent is stored in NFC."""

import re
import unicodedata

import pytest
from sqlalchemy import select, update

from kb.extensions import db
from tests.conftest import sign_in


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("query", ["район", "научный кружок", "одарённых детей", "Челябинский"])
def test_a_decomposed_query_finds_what_the_composed_one_finds(demo_client, query):
    """«район» found 15 practices in NFC and none in NFD, «научный кружок» 36 and 6, suggesting «научных̆ кружок»."""
    composed = demo_client.get("/api/v1/search", query_string={"q": query}).get_json()
    decomposed = demo_client.get("/api/v1/search", query_string={"q": nfd(query)}).get_json()
    assert composed["total"] > 0
    assert [r["id"] for r in decomposed["results"]] == [r["id"] for r in composed["results"]]
    assert decomposed["total"] == composed["total"]
    assert decomposed["suggestion"] == composed["suggestion"]


def test_decomposed_typing_gets_the_same_suggestions(demo_client):
    composed = demo_client.get("/api/v1/suggest", query_string={"q": "район"}).get_json()["suggestions"]
    decomposed = demo_client.get("/api/v1/suggest", query_string={"q": nfd("район")}).get_json()["suggestions"]
    assert composed and decomposed == composed


def test_a_web_form_stores_decomposed_text_in_nfc(app, make_user):
    """Every web form (kb.forms): a collection's title and description, found by the list's search in NFC."""
    from kb.collections.models import Collection

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    response = client.post("/collections/new", data={"title": nfd("Подборка для районного этапа: ёлка"),
                                                      "description": nfd("Лучшие практики края"),
                                                      "visibility": "public"})
    cid = int(re.search(r"/collections/(\d+)$", response.headers["Location"]).group(1))
    with app.app_context():
        collection = db.session.get(Collection, cid)
        assert (collection.title, collection.description) == ("Подборка для районного этапа: ёлка",
                                                               "Лучшие практики края")
        assert collection.title_folded == "подборка для районного этапа: елка"
    for q in ("районного", nfd("районного")):
        assert [c["id"] for c in client.get("/api/v1/collections", query_string={"q": q}).get_json()["results"]] == [
            cid]


def test_registry_cells_are_read_in_nfc():
    from kb.bulkimport.registry import cell_text

    assert cell_text(nfd(" Районный конкурс «Ёлка» ")) == "Районный конкурс «Ёлка»"


def test_attachment_text_is_extracted_in_nfc():
    from kb.attachments.extract import extract_text

    text = "Научный кружок: план работы на год"
    assert extract_text(nfd(text).encode(), "txt") == text


def test_the_migration_composes_what_was_stored(app, make_practice, make_user):
    """Migration x0nfc0000001: practices' texts and authors, collections' and resolutions' titles stored in NFD
    before the forms composed them are NFC, and the changed documents go to the index outbox."""
    from flask_migrate import downgrade, upgrade

    from kb.collections.models import Collection
    from kb.practices.models import Practice, PracticeAuthor
    from kb.resolutions.models import Recommendation, Resolution
    from kb.search.models import IndexOutbox

    owner = make_user("teacher")
    with app.app_context():
        changed = make_practice("Практика района", annotation="Одарённые дети края")
        untouched = make_practice("Практика без разложенных букв")
        resolution = Resolution(title="Резолюция районной конференции", checksum="n" * 64, status="published",
                                full_text="Текст")
        resolution.recommendations.append(Recommendation(number="1", text="Рекомендация"))
        collection = Collection(title="Подборка края", title_folded="подборка края", description="Ёлка",
                                visibility="public", share_token="t" * 32, owner_id=owner)
        db.session.add_all([resolution, collection])
        db.session.commit()
        rid, rec_id, cid = resolution.id, resolution.recommendations[0].id, collection.id
        db.session.commit()  # no transaction left open: on PostgreSQL an ALTER TABLE waits for every reader
        downgrade(revision="y0tit0000001")
        db.session.execute(update(Practice).where(Practice.id == changed).values(
            title=nfd("Практика района"), title_folded=nfd("практика района"), annotation=nfd("Одарённые дети края"),
            event=nfd("Семинар «Йод»")))
        db.session.execute(update(PracticeAuthor).where(PracticeAuthor.practice_id == changed).values(
            name=nfd("Йоргенсен Алёна")))
        db.session.execute(update(Resolution).where(Resolution.id == rid).values(
            title=nfd("Резолюция районной конференции")))
        db.session.execute(update(Collection).where(Collection.id == cid).values(
            title=nfd("Подборка края"), title_folded=nfd("подборка края"), description=nfd("Ёлка")))
        db.session.commit()
        known = db.session.scalar(select(db.func.max(IndexOutbox.id)))
        upgrade()
        practice = db.session.get(Practice, changed)
        assert (practice.title, practice.title_folded, practice.annotation, practice.event) == (
            "Практика района", "практика района", "Одарённые дети края", "Семинар «Йод»")
        assert practice.authors[0].name == "Йоргенсен Алёна"
        assert db.session.get(Resolution, rid).title == "Резолюция районной конференции"
        collection = db.session.get(Collection, cid)
        assert (collection.title, collection.title_folded, collection.description) == (
            "Подборка края", "подборка края", "Ёлка")
        queued = [tuple(row) for row in db.session.execute(
            select(IndexOutbox.doc_type, IndexOutbox.doc_id).where(IndexOutbox.id > known))]
        assert sorted(queued) == sorted([("practice", changed), ("resolution", rid), ("recommendation", rec_id)])
        assert untouched not in [doc_id for _type, doc_id in queued]


def test_the_migration_composes_the_stored_attachment_text(app, make_practice):
    """Migration z1atx0000001: the text of files uploaded before extraction composed it, stored in NFD, is NFC, and
    the practices whose file text changed (once each) go to the index outbox; the others do not."""
    from flask_migrate import downgrade, upgrade

    from kb.attachments.models import Attachment
    from kb.search.models import IndexOutbox

    with app.app_context():
        changed = make_practice("Практика с файлом из PDF")
        untouched = make_practice("Практика с файлом в NFC")
        files = {name: Attachment(practice_id=practice_id, original_name=f"{name}.pdf", kind="pdf", size=1,
                                  sha256=f"{number:064d}", text=text)
                 for number, (name, practice_id, text) in enumerate((
                     ("first", changed, "Научный кружок «Йод»"), ("second", changed, "Ёлочные игрушки своими руками"),
                     ("composed", untouched, "Одарённые дети края"), ("empty", untouched, "")))}
        db.session.add_all(files.values())
        db.session.commit()
        ids = {name: attachment.id for name, attachment in files.items()}
        db.session.commit()  # no transaction left open: on PostgreSQL an ALTER TABLE waits for every reader
        downgrade(revision="z0uid0000001")
        for name in ("first", "second"):
            db.session.execute(update(Attachment).where(Attachment.id == ids[name]).values(
                text=nfd(db.session.get(Attachment, ids[name]).text)))
        db.session.commit()
        db.session.expire_all()
        assert not unicodedata.is_normalized("NFC", db.session.get(Attachment, ids["first"]).text)
        known = db.session.scalar(select(db.func.max(IndexOutbox.id))) or 0
        upgrade()
        db.session.expire_all()
        stored = {name: db.session.get(Attachment, attachment_id).text for name, attachment_id in ids.items()}
        assert stored == {"first": "Научный кружок «Йод»", "second": "Ёлочные игрушки своими руками",
                          "composed": "Одарённые дети края", "empty": ""}
        queued = [tuple(row) for row in db.session.execute(
            select(IndexOutbox.doc_type, IndexOutbox.doc_id).where(IndexOutbox.id > known))]
        assert queued == [("practice", changed)]


def test_the_attachment_text_migration_holds_a_bounded_amount_of_text_at_a_time(app, make_practice):
    """The texts are read in groups of at most TEXT_BUDGET characters (a longer one alone), after their sizes."""
    import importlib.util
    from pathlib import Path

    from kb.attachments.models import Attachment

    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / "z1atx0000001_attachment_text_in_nfc.py"
    spec = importlib.util.spec_from_file_location("attachment_text_in_nfc", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    migration.BATCH, migration.TEXT_BUDGET = 3, 10
    with app.app_context():
        practice_id = make_practice()
        files = [Attachment(practice_id=practice_id, original_name=f"{n}.txt", kind="txt", size=1,
                            sha256=f"{n:064d}", text=text)
                 for n, text in enumerate(["abcd", "efgh", "", "ijk", "x" * 25, "lm", "n"])]  # bytes = characters
        db.session.add_all(files)
        db.session.commit()
        a, b, _empty, c, d, e, f = (attachment.id for attachment in files)
        groups = list(migration._groups(db.session.connection()))
    # pages of three sizes: (4, 4, 3) and (25, 2, 1); the empty text is not read
    assert groups == [[a, b], [c], [d], [e, f]]
