"""A search as a file: every match (up to a limit) as RIS records or as a table (CSV), written in batches as the
response is sent: 5000 matches were 5000 whole practices (ten long sections each) held at once, after the same
rows had been read once already, and a url_for for each (3.4 s and 100 MB more of the worker)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from flask import request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import load_only, selectinload

from kb import spreadsheets
from kb.citations.services import practice_ris_lines, ris_lines_record, ris_record
from kb.extensions import db
from kb.practices.models import Practice, PracticeAuthor, practice_topic
from kb.resolutions.models import Recommendation, Resolution
from kb.search.services import ResultItem, _url_by_id, export_results, hit_ids
from kb.vocabularies.models import Topic

TYPE_NAMES = {"practice": "Практика", "resolution": "Резолюция", "recommendation": "Рекомендация"}
# Matches read and written at a time: the worker holds one batch, not the whole file.
EXPORT_BATCH = 500

# What a reference reads of each material (kb.citations.services._ris_lines), and only that: a practice's ten long
# sections but the annotation stay in the database. Only what is public (as the search page resolves its hits).
_RESOLUTION_COLUMNS = (Resolution.id, Resolution.title, Resolution.conference_name, Resolution.organiser,
                       Resolution.date_start, Resolution.place)
_REFERENCE_QUERIES = {
    "resolution": select(Resolution).where(Resolution.status == "published").options(
        load_only(*_RESOLUTION_COLUMNS)),
    "recommendation": select(Recommendation).join(Recommendation.resolution)
    .where(Resolution.status == "published").options(
        load_only(Recommendation.id, Recommendation.resolution_id, Recommendation.number, Recommendation.text),
        selectinload(Recommendation.resolution).options(load_only(*_RESOLUTION_COLUMNS))),
}
# A practice's reference from plain rows: 5000 practices as objects, with their authors and topics (each topic's
# synonyms a JSON column), were 1.6 s of the export.
_PRACTICE_ROWS = select(
    Practice.id, Practice.title, Practice.annotation, Practice.organisation, Practice.year, Practice.published_at,
).where(Practice.status == "published", Practice.id.in_(bindparam("ids", expanding=True)))
_PRACTICE_AUTHORS = select(PracticeAuthor.practice_id, PracticeAuthor.name).where(
    PracticeAuthor.practice_id.in_(bindparam("ids", expanding=True))
).order_by(PracticeAuthor.practice_id, PracticeAuthor.position_index)
_PRACTICE_TOPICS = select(practice_topic.c.practice_id, Topic.label).join(
    Topic, Topic.code == practice_topic.c.topic_code
).where(practice_topic.c.practice_id.in_(bindparam("ids", expanding=True))).order_by(
    practice_topic.c.practice_id, Topic.sort_order)
_MODELS = {"practice": Practice, "resolution": Resolution, "recommendation": Recommendation}
_PERMALINKS = {"practice": ("practices.detail", "practice_id"), "resolution": ("resolutions.detail", "resolution_id"),
               "recommendation": ("resolutions.recommendation", "recommendation_id")}


def _batches(hits: list) -> Iterator[list]:
    for start in range(0, len(hits), EXPORT_BATCH):
        yield hits[start:start + EXPORT_BATCH]


def ris_chunks(hits: list, accessed: date) -> Iterator[str]:
    """The RIS file of the hits (``kb.search.services.export_hits``), a batch of records at a time: what
    ``ris_records`` of the materials gives, those no longer public left out."""
    permalinks = {kind: _url_by_id(*where, external=True) for kind, where in _PERMALINKS.items()}
    first = True
    for batch in _batches(hits):
        wanted = [(kind, obj_id) for kind, obj_id in hit_ids(batch) if kind in _MODELS]
        loaded: dict[tuple[str, int], object] = {}
        if ids := [obj_id for kind, obj_id in wanted if kind == "practice"]:
            loaded.update(_practice_lines(ids))
        for kind in ("resolution", "recommendation"):
            if ids := [obj_id for k, obj_id in wanted if k == kind]:
                query = _REFERENCE_QUERIES[kind].where(_MODELS[kind].id.in_(ids))
                loaded.update({(kind, obj.id): obj for obj in db.session.scalars(query)})
        records = []
        for kind, obj_id in wanted:
            if (found := loaded.get((kind, obj_id))) is None:
                continue
            url = permalinks[kind](obj_id)
            records.append(ris_lines_record(found, url, accessed) if kind == "practice"
                           else ris_record(found, url, accessed))
        if records:
            yield ("" if first else "\r\n") + "\r\n".join(records)
            first = False


def _practice_lines(ids: list[int]) -> dict[tuple[str, int], list[tuple[str, str]]]:
    """("practice", id) -> the lines of its RIS record before the address (``practice_ris_lines``), of the
    published ones of ``ids``."""
    authors: dict[int, list[str]] = {}
    for practice_id, name in db.session.execute(_PRACTICE_AUTHORS, {"ids": ids}):
        authors.setdefault(practice_id, []).append(name)
    topics: dict[int, list[str]] = {}
    for practice_id, label in db.session.execute(_PRACTICE_TOPICS, {"ids": ids}):
        topics.setdefault(practice_id, []).append(label)
    return {
        ("practice", row.id): practice_ris_lines(
            row.title, authors.get(row.id, []), row.year or (row.published_at.year if row.published_at else None),
            row.annotation, row.organisation, topics.get(row.id, []))
        for row in db.session.execute(_PRACTICE_ROWS, {"ids": ids})
    }


def practice_authors(results: list[ResultItem]) -> dict[int, str]:
    """Practice id -> its authors' names in their order, «Иванова А. П., Петров И. И.» (one query)."""
    ids = [r.id for r in results if r.type == "practice"]
    names: dict[int, list[str]] = {}
    if ids:
        for practice_id, name in db.session.execute(
            select(PracticeAuthor.practice_id, PracticeAuthor.name).where(PracticeAuthor.practice_id.in_(ids))
            .order_by(PracticeAuthor.practice_id, PracticeAuthor.position_index)
        ):
            names.setdefault(practice_id, []).append(name)
    return {practice_id: ", ".join(found) for practice_id, found in names.items()}


CSV_HEADER = ["Тип", "Название", "Авторы", "Ссылка", "Регион", "Уровни", "Темы", "Год", "Организация / источник"]


def _csv_lines(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows(rows)
    return out.getvalue()


def csv_chunks(hits: list) -> Iterator[str]:
    """UTF-8 with a BOM and «;» between columns, as Russian Excel opens it; a practice's authors in their column.
    The table of the hits (``kb.search.services.export_hits``) as the search page resolves them, a batch of rows
    at a time."""
    yield "\ufeff" + _csv_lines([CSV_HEADER])
    base = request.host_url.rstrip("/")
    for batch in _batches(hits):
        results = export_results(batch)
        authors = practice_authors(results)
        if rows := [spreadsheets.row([
            TYPE_NAMES.get(r.type, r.type), r.title, authors.get(r.id, "") if r.type == "practice" else "",
            base + r.url, ", ".join(x["label"] for x in r.region), ", ".join(x["label"] for x in r.levels),
            ", ".join(x["label"] for x in r.topics), r.year or "", r.context,
        ]) for r in results]:
            yield _csv_lines(rows)
