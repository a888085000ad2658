"""Turning database objects into index documents; only what the public may see is indexed."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Select, bindparam, select, true
from sqlalchemy.orm import selectinload

from indexer import IndexDocument
from kb.adoption.services import adoption_counts
from kb.attachments.models import Attachment
from kb.extensions import db
from kb.practices.assessments import passed_expertise_of
from kb.practices.models import SECTION_KEYS, Practice, PracticeAuthor, practice_level, practice_subject, practice_topic
from kb.resolutions.models import Recommendation, Resolution
from kb.vocabularies.models import EducationLevel, Municipality, Subject, Topic


def _version(doc: IndexDocument) -> str:
    payload = json.dumps(
        [doc.title, doc.annotation, doc.body, doc.people, doc.attachments, doc.topic, doc.region, doc.level,
         doc.subject, doc.municipality, doc.expertise, doc.spread, doc.year,
         doc.date.isoformat() if doc.date else None, doc.adoptions, doc.entered.isoformat() if doc.entered else None,
         doc.stamp],
        ensure_ascii=False,
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _finish(doc: IndexDocument) -> IndexDocument:
    doc.version = _version(doc)
    return doc


# What a practice's document is made of, read as plain rows of the tables (ORM objects with their ten long
# sections and the selectin machinery took 16 s of a 100,000-practice rebuild's reading, beside the writer
# processes; these statements, 10 s).
_practice, _municipality = Practice.__table__.c, Municipality.__table__.c
_PRACTICE_COLUMNS = select(
    _practice.id, _practice.title, *(_practice[key] for key in SECTION_KEYS), _practice.organisation,
    _municipality.name.label("municipality"), _municipality.code.label("municipality_code"), _practice.event,
    _practice.region_code, _practice.year, _practice.spread_level,
    _practice.published_at, _practice.created_at, _practice.updated_at,
).select_from(Practice.__table__.outerjoin(Municipality.__table__, _municipality.id == _practice.municipality_id)
              ).where(_practice.status == "published")
# Vocabulary codes of each practice in the vocabulary's order (what the models' relationships order by; the
# code settles equal places), and its authors and attachment texts in their order.
_PRACTICE_CODES = {
    name: (select(link.c.practice_id, vocabulary.c.code)
           .join(vocabulary, vocabulary.c.code == link.c[f"{name}_code"])
           .order_by(link.c.practice_id, vocabulary.c.sort_order, vocabulary.c.code))
    for name, link, vocabulary in (("topic", practice_topic, Topic.__table__),
                                   ("level", practice_level, EducationLevel.__table__),
                                   ("subject", practice_subject, Subject.__table__))
}
_author, _file = PracticeAuthor.__table__.c, Attachment.__table__.c
_PRACTICE_AUTHORS = select(_author.practice_id, _author.name, _author.position).order_by(
    _author.practice_id, _author.position_index, _author.id)
_PRACTICE_FILES = select(_file.practice_id, _file.text).order_by(_file.practice_id, _file.id)


def _grouped(statement, ids: list[int]) -> dict[int, list]:
    """The rows of ``statement`` (practice id first) for the practices ``ids``, the rest of each row by practice."""
    table = statement.selected_columns[0]
    found: dict[int, list] = {}
    for practice_id, *rest in db.session.execute(statement.where(table.in_(ids))):
        found.setdefault(practice_id, []).append(rest[0] if len(rest) == 1 else tuple(rest))
    return found


def _practice_documents(condition, adoptions: dict[int, int] | None, batch: int) -> Iterator[IndexDocument]:
    """The documents of the published practices ``condition`` selects, in id order, ``batch`` at a time
    (``adoptions``: reports per practice, None to count them per batch)."""
    after = 0
    while True:
        rows = db.session.execute(
            _PRACTICE_COLUMNS.where(condition, _practice.id > after).order_by(_practice.id).limit(batch)).all()
        if not rows:
            return
        ids = [row.id for row in rows]
        after = ids[-1]
        codes = {name: _grouped(statement, ids) for name, statement in _PRACTICE_CODES.items()}
        authors = _grouped(_PRACTICE_AUTHORS, ids)
        files = _grouped(_PRACTICE_FILES, ids)
        counts = adoptions if adoptions is not None else adoption_counts(ids)
        passed = passed_expertise_of(ids)
        for row in rows:
            yield practice_document(row, authors.get(row.id, []), files.get(row.id, []),
                                    {name: found.get(row.id, []) for name, found in codes.items()},
                                    counts.get(row.id, 0), row.id in passed)
        if len(rows) < batch:  # the last page: no query for an empty one
            return


def practice_stamp(updated_at: datetime | None) -> str:
    """A practice's ``IndexDocument.stamp``: the time of its last change (``Practice.updated_at``, which every change
    of its content, files or status moves and a page view does not). A result whose stamp in the index differs from
    the database's comes from an older copy of the practice (kb.search.services._resolve)."""
    return updated_at.isoformat() if updated_at is not None else ""


def practice_document(row, authors: list[tuple[str, str]], files: list[str | None], codes: dict[str, list[str]],
                      adoptions: int = 0, passed_expertise: bool = False) -> IndexDocument:
    """The index document of a published practice: its row (``_PRACTICE_COLUMNS``), its authors' (name,
    position), its attachments' texts, its topic, level and subject codes, how many reported applying it, and whether
    it has the mark «Прошла экспертизу» (``kb.practices.assessments.passed_expertise``)."""
    # The annotation is a field of its own: it weighs more than the other sections.
    body = "\n\n".join(text for text in (getattr(row, key) for key in SECTION_KEYS if key != "annotation") if text)
    people = "; ".join(
        [f"{name}, {position}".strip(", ") for name, position in authors]
        + [row.organisation, row.municipality or "", row.event]
    )
    stamp = row.published_at or row.created_at
    return _finish(IndexDocument(
        id=f"practice:{row.id}",
        type="practice",
        title=row.title,
        annotation=row.annotation or "",
        body=body,
        attachments="\n\n".join(text for text in files if text),
        people=people.strip("; "),
        topic=codes["topic"],
        region=[row.region_code] if row.region_code else [],
        level=codes["level"],
        subject=codes["subject"],
        municipality=[row.municipality_code] if row.municipality_code else [],
        expertise=passed_expertise,
        spread=row.spread_level,
        year=row.year,
        date=datetime(row.year, 1, 1) if row.year else stamp,
        entered=stamp,
        adoptions=adoptions,
        stamp=practice_stamp(row.updated_at),
    ))


def resolution_document(resolution: Resolution) -> IndexDocument:
    """The index document of a published resolution (its full text)."""
    return _finish(IndexDocument(
        id=f"resolution:{resolution.id}",
        type="resolution",
        title=resolution.title,
        body=resolution.full_text,
        people="; ".join(x for x in (resolution.organiser, resolution.place) if x),
        topic=[t.code for t in resolution.all_topics],
        region=[r.code for r in resolution.regions],
        municipality=[m.code for m in resolution.municipalities],
        year=resolution.year,
        date=datetime.combine(resolution.date_start, datetime.min.time()) if resolution.date_start else None,
        entered=resolution.entered_at,
    ))


def recommendation_document(rec: Recommendation) -> IndexDocument:
    """The index document of one recommendation of a published resolution (its resolution's regions and
    municipalities: a filter by them finds the recommendations as the resolution)."""
    resolution = rec.resolution
    return _finish(IndexDocument(
        id=f"recommendation:{rec.id}",
        type="recommendation",
        title=f"Рекомендация {rec.number}: {resolution.conference_name or resolution.title}",
        body=rec.text,
        people="; ".join(x for x in (rec.addressee, rec.addressee_type.label if rec.addressee_type else "") if x),
        topic=[t.code for t in rec.topics],
        region=[r.code for r in resolution.regions],
        municipality=[m.code for m in resolution.municipalities],
        year=resolution.year,
        date=datetime.combine(resolution.date_start, datetime.min.time()) if resolution.date_start else None,
        entered=resolution.entered_at,
    ))


_RESOLUTION_LOAD = (
    selectinload(Resolution.regions),
    selectinload(Resolution.municipalities),
    selectinload(Resolution.topics),
    selectinload(Resolution.recommendations).selectinload(Recommendation.topics),
)
_RECOMMENDATION_LOAD = (
    selectinload(Recommendation.topics),
    selectinload(Recommendation.addressee_type),
    selectinload(Recommendation.resolution).selectinload(Resolution.regions),
    selectinload(Recommendation.resolution).selectinload(Resolution.municipalities),
)


_KEYS_BATCH = 500  # practices read together (the ids of one ``IN``)


def public_keys(keys: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of the documents ``keys`` name ((doc_type, doc_id), as the outbox has them), those the index holds now
    (``documents_for_keys``): a published practice, a published resolution, a recommendation of one. Each kind is
    looked up by its primary key (``IN`` of the ids), never by a scan of every published one."""
    ids: dict[str, list[int]] = {}
    for doc_type, doc_id in keys:
        ids.setdefault(doc_type, []).append(doc_id)
    found: set[tuple[str, int]] = set()
    for doc_type, wanted in ids.items():
        if doc_type not in _PUBLIC_OF:
            continue
        for begin in range(0, len(wanted), _KEYS_BATCH):
            found.update((doc_type, doc_id) for doc_id in db.session.scalars(
                _public_statement(doc_type), {"ids": wanted[begin:begin + _KEYS_BATCH]}))
    return found


_PUBLIC_OF = {
    "practice": lambda ids: select(Practice.id).where(Practice.id.in_(ids), Practice.status == "published"),
    "resolution": lambda ids: select(Resolution.id).where(Resolution.id.in_(ids), Resolution.status == "published"),
    "recommendation": lambda ids: select(Recommendation.id).join(
        Resolution, Resolution.id == Recommendation.resolution_id).where(
        Recommendation.id.in_(ids), Resolution.status == "published"),
}


@functools.cache
def _public_statement(doc_type: str) -> Select:
    """The statement of ``public_keys`` for one kind, built once (building it took longer than running it)."""
    return _PUBLIC_OF[doc_type](bindparam("ids", expanding=True))


def documents_for_keys(keys: Iterable[tuple[str, int]]) -> tuple[list[IndexDocument], list[str]]:
    """Current state of the named documents: what to (re)index and what to remove."""
    ids: dict[str, set[int]] = {"practice": set(), "resolution": set(), "recommendation": set()}
    for doc_type, doc_id in keys:
        ids.setdefault(doc_type, set()).add(doc_id)
    upserts: list[IndexDocument] = []
    visible: set[str] = set()
    if ids["practice"]:
        wanted = sorted(ids["practice"])
        for begin in range(0, len(wanted), _KEYS_BATCH):
            upserts.extend(_practice_documents(_practice.id.in_(wanted[begin : begin + _KEYS_BATCH]), None,
                                               _KEYS_BATCH))
    if ids["resolution"]:
        for r in db.session.scalars(
            select(Resolution).where(Resolution.id.in_(ids["resolution"]), Resolution.status == "published")
            .options(*_RESOLUTION_LOAD)
        ):
            upserts.append(resolution_document(r))
    if ids["recommendation"]:
        for rec in db.session.scalars(
            select(Recommendation).join(Recommendation.resolution)
            .where(Recommendation.id.in_(ids["recommendation"]), Resolution.status == "published")
            .options(*_RECOMMENDATION_LOAD)
        ):
            upserts.append(recommendation_document(rec))
    visible = {doc.id for doc in upserts}
    deletes = [f"{t}:{i}" for t, group in ids.items() for i in group if f"{t}:{i}" not in visible]
    return upserts, deletes


def all_documents(batch: int = 500) -> Iterator[IndexDocument]:
    """Every document the public may see, for a full rebuild or a consistency check."""
    yield from _practice_documents(true(), adoption_counts(), batch)
    for r in db.session.scalars(
        select(Resolution).where(Resolution.status == "published").order_by(Resolution.id)
        .options(*_RESOLUTION_LOAD)
    ):
        yield resolution_document(r)
        for rec in r.recommendations:
            yield recommendation_document(rec)


def count_documents() -> int:
    """How many documents ``all_documents`` yields (for a progress bar)."""
    from sqlalchemy import func

    practices = db.session.scalar(select(func.count()).where(Practice.status == "published")) or 0
    resolutions = db.session.scalar(select(func.count()).where(Resolution.status == "published")) or 0
    recommendations = db.session.scalar(
        select(func.count(Recommendation.id)).join(Recommendation.resolution)
        .where(Resolution.status == "published")
    ) or 0
    return practices + resolutions + recommendations
