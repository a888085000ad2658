"""A search results page as a file: the materials for RIS, a table for CSV."""

from __future__ import annotations

import csv
import io

from flask import request
from sqlalchemy import select

from kb import spreadsheets
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from kb.search.services import ResultItem

_MODELS = {"practice": Practice, "resolution": Resolution, "recommendation": Recommendation}
TYPE_NAMES = {"practice": "Практика", "resolution": "Резолюция", "recommendation": "Рекомендация"}


def result_objects(results: list[ResultItem]) -> list[Practice | Resolution | Recommendation]:
    """The materials behind the results, in their order (the results hold only what is public)."""
    loaded = {}
    for kind, model in _MODELS.items():
        ids = [r.id for r in results if r.type == kind]
        if ids:
            loaded.update({(kind, obj.id): obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)))})
    return [loaded[(r.type, r.id)] for r in results if (r.type, r.id) in loaded]


def results_csv(results: list[ResultItem]) -> str:
    """UTF-8 with a BOM and «;» between columns, as Russian Excel opens it."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Тип", "Название", "Ссылка", "Регион", "Уровни", "Темы", "Год", "Организация / источник"])
    for r in results:
        writer.writerow(spreadsheets.row([
            TYPE_NAMES.get(r.type, r.type), r.title, request.host_url.rstrip("/") + r.url,
            ", ".join(x["label"] for x in r.region), ", ".join(x["label"] for x in r.levels),
            ", ".join(x["label"] for x in r.topics), r.year or "", r.context,
        ]))
    return "\ufeff" + out.getvalue()
