"""The index documents of practices (kb/search/documents.py), read as plain rows: what the practice's objects
say, field for field, for a full rebuild and for the writer's changed documents alike."""

from datetime import datetime

from sqlalchemy import select

from kb.extensions import db
from kb.practices.assessments import passed_expertise
from kb.practices.models import SECTION_KEYS, Practice
from kb.search.documents import _version, all_documents, documents_for_keys


def from_objects(practice: Practice, adoptions: int) -> dict:
    """What a practice's document holds, worked out from its ORM objects (as the bank built it before)."""
    people = "; ".join(
        [f"{a.name}, {a.position}".strip(", ") for a in practice.authors]
        + [practice.organisation, practice.municipality.name if practice.municipality else "", practice.event]
    ).strip("; ")
    stamp = practice.published_at or practice.created_at
    return {
        "id": f"practice:{practice.id}", "type": "practice", "title": practice.title,
        "annotation": practice.annotation or "",
        "body": "\n\n".join(t for t in (getattr(practice, k) for k in SECTION_KEYS if k != "annotation") if t),
        "attachments": "\n\n".join(a.text for a in practice.attachments if a.text),
        "people": people,
        "topic": [t.code for t in practice.topics], "region": [practice.region_code] if practice.region_code else [],
        "level": [lv.code for lv in practice.levels], "subject": [s.code for s in practice.subjects],
        "year": practice.year, "date": datetime(practice.year, 1, 1) if practice.year else stamp,
        "adoptions": adoptions, "expertise": passed_expertise(practice), "spread": practice.spread_level,
    }


def as_dict(doc) -> dict:
    fields = ("id", "type", "title", "annotation", "body", "attachments", "people", "topic", "region", "level",
              "subject", "year", "date", "adoptions", "expertise", "spread")
    return {name: getattr(doc, name) for name in fields}


def test_practice_documents_hold_what_the_practice_objects_say(app, make_practice):
    from kb.adoption.models import PracticeAdoption
    from kb.attachments.models import Attachment
    from kb.vocabularies.models import Municipality

    with app.app_context():
        municipality = db.session.scalar(select(Municipality).where(Municipality.region_code == "RU-CHE"))
        assert municipality is not None
        full = make_practice(
            "Полная практика", technology="Ход работы.", results="Итоги.", novelty="", organisation="МАОУ СОШ № 5",
            event="Конкурс", municipality_id=municipality.id, spread_level="region",
            topics=["research_projects", "giftedness_identification"],
            levels=["basic", "primary"], subjects=["informatics", "mathematics"],
            authors=[("Петров П. П.", "учитель"), ("Сидорова С. С.", ""), ("Орлова О. О.", "методист")])
        bare = make_practice("Без авторов", authors=[], topics=[], levels=[], subjects=[], year=None,
                             region_code=None, annotation="")
        draft = make_practice("Черновик", status="draft")
        practice = db.session.get(Practice, full)
        practice.authors[0].position_index = 7  # the order is the authors' place, not their insertion
        db.session.add_all([
            Attachment(practice_id=full, original_name=f"{n}.docx", kind="docx", size=1, sha256=f"{n:064d}", text=t)
            for n, t in ((2, "Текст второго файла"), (1, ""), (3, "Текст третьего файла"))])
        db.session.add_all([PracticeAdoption(practice_id=full, organisation=f"Школа {n}") for n in range(3)])
        db.session.commit()
        db.session.expire_all()

        expected = {}
        for pid, adoptions in ((full, 3), (bare, 0)):
            expected[f"practice:{pid}"] = from_objects(db.session.get(Practice, pid), adoptions)
        rebuilt = {doc.id: doc for doc in all_documents(batch=2) if doc.type == "practice"}
        changed, removed = documents_for_keys([("practice", full), ("practice", bare), ("practice", draft)])
        assert removed == [f"practice:{draft}"]
        assert f"practice:{draft}" not in rebuilt
        for docs in (rebuilt, {doc.id: doc for doc in changed}):
            for doc_id, fields in expected.items():
                assert as_dict(docs[doc_id]) == fields
                assert docs[doc_id].version == _version(docs[doc_id])
        doc = rebuilt[f"practice:{full}"]
        assert doc.people == f"Сидорова С. С.; Орлова О. О., методист; Петров П. П., учитель; МАОУ СОШ № 5; " \
                             f"{municipality.name}; Конкурс"
        assert doc.attachments == "Текст второго файла\n\nТекст третьего файла"
        assert doc.body == "Ход работы.\n\nИтоги."
        assert doc.topic == ["giftedness_identification", "research_projects"]  # the vocabulary's order
        assert doc.level == ["primary", "basic"] and doc.adoptions == 3
        assert rebuilt[f"practice:{bare}"].people == "" and rebuilt[f"practice:{bare}"].topic == []


def test_every_demo_practice_and_only_those_published(demo_app):
    with demo_app.app_context():
        practices = db.session.scalars(select(Practice).order_by(Practice.id)).all()
        published = [p for p in practices if p.status == "published"]
        assert len(published) > 20 and any(p.authors for p in published) and any(p.municipality for p in published)
        from kb.adoption.services import adoption_counts

        counts = adoption_counts()
        docs = [doc for doc in all_documents(batch=7) if doc.type == "practice"]
        assert [as_dict(doc) for doc in docs] == [from_objects(p, counts.get(p.id, 0)) for p in published]
        changed, removed = documents_for_keys([("practice", p.id) for p in practices])
        assert [as_dict(doc) for doc in changed] == [as_dict(doc) for doc in docs]
        assert removed == [f"practice:{p.id}" for p in practices if p.status != "published"]


def test_one_changed_practice_costs_one_statement_of_each_kind(app, make_practice):
    """The index writer's usual change, one practice: its row, its codes of three vocabularies, authors, files,
    adoption reports, assessments (its transitions only for a practice with a passing one) — eight statements, and no
    second page read to find there is none."""
    from sqlalchemy import event

    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        pid = make_practice("Одна практика")
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            changed, removed = documents_for_keys([("practice", pid)])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert [doc.id for doc in changed] == [f"practice:{pid}"] and removed == []
    assert len(statements) == 8, statements
