"""JSON API v1, reading: search, published practices and resolutions, vocabularies (changes: writes.py)."""

from math import ceil
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import select

from indexer import FACET_FIELDS
from kb.api import schemas
from kb.api.auth import api_user, protect
from kb.api.spec import operation
from kb.errors import error_response
from kb.extensions import db
from kb.practices.services import get_visible_practice, practice_to_json
from kb.resolutions.services import get_public_resolution, resolution_to_json
from kb.search.autocomplete import complete
from kb.search.services import SearchParamsError, parse_params, search
from kb.vocabularies import data
from kb.vocabularies.models import AddresseeType, EducationLevel, Municipality, Region, Subject, Topic

bp = Blueprint("api", __name__, url_prefix="/api/v1")
protect(bp)


def _page_links(page: int, per_page: int, total: int) -> dict:
    """Links to this, the first, last, previous and next pages, keeping every other parameter."""
    last = max(1, min(ceil(total / per_page), current_app.config["SEARCH_MAX_PAGE"]))
    others = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def link(number: int) -> str:
        return f"{request.path}?{urlencode([*others, ('page', number)])}"

    return {"self": link(page), "first": link(1), "last": link(last),
            "prev": link(page - 1) if page > 1 else None, "next": link(page + 1) if page < last else None}


@bp.get("/search")
@operation("Поиск", "Поиск", (200, schemas.SearchPage), query=schemas.SearchQuery, errors=(503,),
           description="Фильтры можно повторять: внутри фильтра — «или», между фильтрами — «и». "
                       "Неизвестный код или неверное число — 400.")
def search_api():
    try:
        params = parse_params(request.args, strict=True)
    except SearchParamsError as exc:
        return error_response(400, str(exc))
    page = search(params)
    if page.unavailable:
        return error_response(503, page.notice)
    body = {
        "total": page.total,
        "suggestion": page.suggestion,
        "page": params.page,
        "per_page": params.per_page,
        "links": _page_links(params.page, params.per_page, page.total),
        "results": [item.to_json() for item in page.results],
        "facets": {
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in page.facets.get(name, [])]
            for name in FACET_FIELDS
        },
    }
    if page.notice:
        body["notice"] = page.notice
    return jsonify(body)


@bp.get("/suggest")
@operation("Подсказки для строки поиска", "Поиск", (200, schemas.Suggestions), query=schemas.SuggestQuery)
def suggest():
    """Completions for the search box: {"query", "suggestions": [{"label", "kind", "kind_label", "url"}]}."""
    text = request.args.get("q", "")
    return jsonify({"query": text, "suggestions": [c.to_json() for c in complete(text)]})


@bp.get("/practices/<int:practice_id>")
@operation("Практика", "Практики", (200, schemas.Practice), errors=(404,), auth="optional",
           description="Опубликованная — всем; черновик и другие статусы — автору и методистам её области "
                       "(с токеном), остальным 404.")
def practice(practice_id: int):
    found = get_visible_practice(practice_id, api_user())
    if found is None:
        abort(404)
    return jsonify(practice_to_json(found, url_for("practices.detail", practice_id=found.id)))


@bp.get("/resolutions/<int:resolution_id>")
@operation("Резолюция с рекомендациями", "Резолюции", (200, schemas.Resolution), errors=(404,))
def resolution(resolution_id: int):
    found = get_public_resolution(resolution_id)
    if found is None:
        abort(404)
    body = resolution_to_json(
        found, lambda rec: url_for("resolutions.recommendation", recommendation_id=rec.id)
    )
    body["url"] = url_for("resolutions.detail", resolution_id=found.id)
    return jsonify(body)


@bp.get("/vocabularies")
@operation("Словари: регионы, муниципалитеты, уровни, предметы, темы, адресаты", "Словари",
           (200, schemas.Vocabularies))
def vocabularies():
    def rows(model, order, **fields):
        return [
            {name: getattr(obj, attr) for name, attr in fields.items()}
            for obj in db.session.scalars(select(model).order_by(order))
        ]

    return jsonify({
        "regions": rows(Region, Region.sort_order, code="code", label="name", kind="kind", country="country",
                        federal_district="federal_district"),
        "municipalities": rows(Municipality, Municipality.name, code="code", label="name", kind="kind",
                               region="region_code"),
        "levels": rows(EducationLevel, EducationLevel.sort_order, code="code", label="name", short="short"),
        "subjects": rows(Subject, Subject.sort_order, code="code", label="name"),
        "topics": rows(Topic, Topic.sort_order, code="code", label="label", parent="parent_code",
                       synonyms="synonyms"),
        "addressee_types": rows(AddresseeType, AddresseeType.sort_order, code="code", label="label"),
        "spread_levels": [{"code": s["code"], "label": s["label"]} for s in data.SPREAD_LEVELS],
        "resolution_formats": [{"code": f["code"], "label": f["label"]} for f in data.RESOLUTION_FORMATS],
    })
