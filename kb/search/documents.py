"""Turning database objects into index documents; only what the public may see is indexed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from indexer import IndexDocument
from kb.adoption.services import adoption_counts
from kb.attachments.models import Attachment  # noqa: F401 - declares Practice.attachments, loaded below
from kb.extensions import db
from kb.practices.models import SECTION_KEYS, Practice
from kb.resolutions.models import Recommendation, Resolution


def _version(doc: IndexDocument) -> str:
    payload = json.dumps(
        [doc.title, doc.annotation, doc.body, doc.people, doc.attachments, doc.topic, doc.region, doc.level,
         doc.subject, doc.year, doc.date.isoformat() if doc.date else None, doc.adoptions],
        ensure_ascii=False,
    )
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()


def _finish(doc: IndexDocument) -> IndexDocument:
    doc.version = _version(doc)
    return doc


def practice_document(practice: Practice, adoptions: int = 0) -> IndexDocument:
    """The index document of a published practice (``adoptions``: how many reported applying it)."""
    # The annotation is a field of its own: it weighs more than the other sections.
    body = "\n\n".join(text for text in (getattr(practice, key) for key in SECTION_KEYS if key != "annotation") if text)
    people = "; ".join(
        [f"{a.name}, {a.position}".strip(", ") for a in practice.authors]
        + [practice.organisation, practice.municipality.name if practice.municipality else "", practice.event]
    )
    stamp = practice.published_at or practice.created_at
    return _finish(IndexDocument(
        id=f"practice:{practice.id}",
        type="practice",
        title=practice.title,
        annotation=practice.annotation or "",
        body=body,
        attachments="\n\n".join(a.text for a in practice.attachments if a.text),
        people=people.strip("; "),
        topic=[t.code for t in practice.topics],
        region=[practice.region_code] if practice.region_code else [],
        level=[lv.code for lv in practice.levels],
        subject=[s.code for s in practice.subjects],
        year=practice.year,
        date=datetime(practice.year, 1, 1) if practice.year else stamp,
        adoptions=adoptions,
    ))


def resolution_document(resolution: Resolution) -> IndexDocument:
    """The index document of a published resolution (its full text)."""
    return _finish(IndexDocument(
        id=f"resolution:{resolution.id}",
        type="resolution",
        title=resolution.title,
        body=resolution.full_text,
        people="; ".join(x for x in (resolution.organiser, resolution.place) if x),
        topic=sorted({t.code for rec in resolution.recommendations for t in rec.topics}),
        region=[r.code for r in resolution.regions],
        year=resolution.year,
        date=datetime.combine(resolution.date_start, datetime.min.time()) if resolution.date_start else None,
    ))


def recommendation_document(rec: Recommendation) -> IndexDocument:
    """The index document of one recommendation of a published resolution."""
    resolution = rec.resolution
    return _finish(IndexDocument(
        id=f"recommendation:{rec.id}",
        type="recommendation",
        title=f"Рекомендация {rec.number}: {resolution.conference_name or resolution.title}",
        body=rec.text,
        people="; ".join(x for x in (rec.addressee, rec.addressee_type.label if rec.addressee_type else "") if x),
        topic=[t.code for t in rec.topics],
        region=[r.code for r in resolution.regions],
        year=resolution.year,
        date=datetime.combine(resolution.date_start, datetime.min.time()) if resolution.date_start else None,
    ))


_PRACTICE_LOAD = (
    selectinload(Practice.authors),
    selectinload(Practice.attachments),
    selectinload(Practice.topics),
    selectinload(Practice.levels),
    selectinload(Practice.subjects),
    selectinload(Practice.municipality),
)
_RESOLUTION_LOAD = (
    selectinload(Resolution.regions),
    selectinload(Resolution.recommendations).selectinload(Recommendation.topics),
)
_RECOMMENDATION_LOAD = (
    selectinload(Recommendation.topics),
    selectinload(Recommendation.addressee_type),
    selectinload(Recommendation.resolution).selectinload(Resolution.regions),
)


def documents_for_keys(keys: Iterable[tuple[str, int]]) -> tuple[list[IndexDocument], list[str]]:
    """Current state of the named documents: what to (re)index and what to remove."""
    ids: dict[str, set[int]] = {"practice": set(), "resolution": set(), "recommendation": set()}
    for doc_type, doc_id in keys:
        ids.setdefault(doc_type, set()).add(doc_id)
    upserts: list[IndexDocument] = []
    visible: set[str] = set()
    if ids["practice"]:
        adoptions = adoption_counts(list(ids["practice"]))
        for p in db.session.scalars(
            select(Practice).where(Practice.id.in_(ids["practice"]), Practice.status == "published")
            .options(*_PRACTICE_LOAD)
        ):
            upserts.append(practice_document(p, adoptions.get(p.id, 0)))
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
    adoptions = adoption_counts()
    for p in db.session.scalars(
        select(Practice).where(Practice.status == "published").order_by(Practice.id)
        .options(*_PRACTICE_LOAD).execution_options(yield_per=batch)
    ):
        yield practice_document(p, adoptions.get(p.id, 0))
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
