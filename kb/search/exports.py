"""A search as a file: every match (up to a limit) as RIS records or as a table (CSV)."""

from __future__ import annotations

import csv
import io

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb import spreadsheets
from kb.extensions import db
from kb.practices.models import Practice, PracticeAuthor
from kb.resolutions.models import Recommendation, Resolution
from kb.search.services import ResultItem

_MODELS = {"practice": Practice, "resolution": Resolution, "recommendation": Recommendation}
TYPE_NAMES = {"practice": "Практика", "resolution": "Резолюция", "recommendation": "Рекомендация"}


# What a reference reads of each material, loaded with it: a RIS file of 5000 matches is a few queries, not 10,000.
_REFERENCE_PARTS = {
    "practice": (selectinload(Practice.authors), selectinload(Practice.topics)),
    "resolution": (),
    "recommendation": (selectinload(Recommendation.resolution),),
}


def result_objects(results: list[ResultItem]) -> list[Practice | Resolution | Recommendation]:
    """The materials behind the results, in their order (the results hold only what is public)."""
    loaded = {}
    for kind, model in _MODELS.items():
        ids = [r.id for r in results if r.type == kind]
        if ids:
            query = select(model).where(model.id.in_(ids)).options(*_REFERENCE_PARTS[kind])
            loaded.update({(kind, obj.id): obj for obj in db.session.scalars(query)})
    return [loaded[(r.type, r.id)] for r in results if (r.type, r.id) in loaded]


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


def results_csv(results: list[ResultItem]) -> str:
    """UTF-8 with a BOM and «;» between columns, as Russian Excel opens it; a practice's authors in their column."""
    authors = practice_authors(results)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Тип", "Название", "Авторы", "Ссылка", "Регион", "Уровни", "Темы", "Год",
                     "Организация / источник"])
    base = request.host_url.rstrip("/")
    for r in results:
        writer.writerow(spreadsheets.row([
            TYPE_NAMES.get(r.type, r.type), r.title, authors.get(r.id, "") if r.type == "practice" else "",
            base + r.url, ", ".join(x["label"] for x in r.region), ", ".join(x["label"] for x in r.levels),
            ", ".join(x["label"] for x in r.topics), r.year or "", r.context,
        ]))
    return "\ufeff" + out.getvalue()
