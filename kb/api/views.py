"""JSON API v1, reading: search, published practices (and their files) and resolutions, vocabularies (changes:
writes.py)."""

import hashlib
import json
from math import ceil
from typing import NoReturn
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, jsonify, request, url_for
from sqlalchemy import select

from indexer import FACET_FIELDS
from kb.api import schemas
from kb.api.auth import api_user, protect
from kb.api.cors import allow_reading
from kb.api.payloads import ApiProblem
from kb.api.schemas import LIST_MAX_PAGE
from kb.api.spec import operation
from kb.attachments import services as attachments
from kb.attachments.models import Attachment
from kb.collections import services as collections
from kb.collections.models import Collection
from kb.errors import error_response
from kb.extensions import db
from kb.oai.records import deleted_for_good
from kb.practices.models import Practice
from kb.practices.services import attachment_url, get_visible_practice, practice_to_json, published_page
from kb.resolutions.models import Resolution
from kb.resolutions.services import (
    get_visible_resolution,
    host_region_codes,
    municipalities_json,
    public_resolutions,
    regions_host_first,
    resolution_to_json,
)
from kb.routing import filter_arg, whole_number
from kb.search.autocomplete import complete
from kb.search.services import SearchParamsError, parse_params, search
from kb.timeutil import utc_json
from kb.vocabularies import data
from kb.vocabularies.models import AddresseeType, EducationLevel, Municipality, Region, Subject, Topic

bp = Blueprint("api", __name__, url_prefix="/api/v1")
protect(bp)
bp.after_request(allow_reading)  # every view here only reads: open to other sites' scripts (kb/api/cors.py)

ITEM_ENDPOINTS = {"practice": ("practices.detail", "practice_id"),
                  "resolution": ("resolutions.detail", "resolution_id"),
                  "recommendation": ("resolutions.recommendation", "recommendation_id")}


@bp.errorhandler(ApiProblem)
def _problem(problem: ApiProblem):
    return error_response(problem.status, problem.detail, problem.errors)


def _page_links(page: int, per_page: int, total: int, max_page: int | None = None) -> dict:
    """Links to this, the first, last, previous and next pages, keeping every other parameter."""
    last = max(1, min(ceil(total / per_page), max_page or current_app.config["SEARCH_MAX_PAGE"]))
    others = [(k, v) for k, v in request.args.items(multi=True) if k != "page"]

    def link(number: int) -> str:
        return f"{request.path}?{urlencode([*others, ('page', number)])}"

    return {"self": link(page), "first": link(1), "last": link(last),
            # past the end, the previous page is the last one, not another empty page before this one
            "prev": link(min(page - 1, last)) if page > 1 else None, "next": link(page + 1) if page < last else None}


@bp.get("/search")
@operation("Поиск", "Поиск", (200, schemas.SearchPage), query=schemas.SearchQuery, errors=(503,),
           description="Фильтры можно повторять: внутри фильтра — «или», между фильтрами — «и». "
                       "Неизвестный код или неверное число — 400.")
def search_api():
    try:
        params = parse_params(request.args, strict=True)
    except SearchParamsError as exc:
        return error_response(400, str(exc))
    page = search(params, typed_nothing="q" in request.emptied_args)
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
            name: [{"value": f.value, "label": f.label, "count": f.count} for f in page.listed_facets.get(name, [])]
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


def _not_found_or_gone(kind: str, item_id: int) -> NoReturn:
    """404, or 410 Gone for a practice or resolution deleted after it had been public (an OAI tombstone names it),
    as its page answers; a draft deleted unseen left no tombstone and stays 404 for everyone."""
    abort(410 if deleted_for_good(kind, item_id) else 404)


@bp.get("/practices/<int:practice_id>")
@operation("Практика", "Практики", (200, schemas.Practice), errors=(404, 410), auth="optional", etag=True,
           if_none_match=True,
           description="Опубликованная — всем; черновик и другие статусы — автору, привязанным соавторам и "
                       "методистам её области (с токеном), остальным 404. Удалённая после того, как её публиковали, — "
                       "410, как её страница; удалённый черновик — 404. С If-None-Match прежнего ETag — 304, если "
                       "практика не менялась.")
def practice(practice_id: int):
    found = get_visible_practice(practice_id, api_user())
    if found is None:
        _not_found_or_gone("practice", practice_id)
    # A reader who kept the ETag asks again with If-None-Match: 304 and no body while it still matches.
    return practice_response(found).make_conditional(request)


@bp.get("/practices/<int:practice_id>/attachments/<int:attachment_id>")
@operation("Файл практики", "Практики", (200, None), errors=(404, 410), auth="optional", file=True,
           description="Скачивание файла практики — адрес url из её attachments, когда практика открыта не всем: "
                       "файл отдаётся тем, кто видит практику (автору и методистам её области — с токеном), "
                       "остальным 404, как GET практики; удалённая после публикации — 410. Файл опубликованной "
                       "практики скачивается и здесь, и по адресу её страницы. Content-Disposition: attachment, "
                       "тип содержимого — content_type из attachments; Range и If-None-Match — как у файла на сайте.")
def practice_attachment(practice_id: int, attachment_id: int):
    found = get_visible_practice(practice_id, api_user())
    if found is None:
        _not_found_or_gone("practice", practice_id)
    attachment = db.session.get(Attachment, attachment_id)
    response = attachments.download(attachment) if attachment and attachment.practice_id == found.id else None
    if response is None:
        raise ApiProblem(404, "У этой практики нет такого файла.")
    return response


def practice_body(practice: Practice) -> tuple[dict, str]:
    """A practice as the API shows it, and the ETag of exactly that: any change a reader could see (an edit, a
    new status, a file) gives another, so an If-Match made from an older reading no longer matches."""
    body = practice_to_json(practice, url_for("practices.detail", practice_id=practice.id))
    # A file's absolute link names the host asked; its id and name, which make the rest of it, are in the ETag:
    # an If-Match read at one of the site's names matches at another.
    versioned = {**body, "attachments": [{k: v for k, v in a.items() if k != "url"} for a in body["attachments"]]}
    encoded = json.dumps(versioned, ensure_ascii=False, sort_keys=True, default=str).encode()
    return body, hashlib.sha256(encoded).hexdigest()[:32]


def practice_response(practice: Practice, status: int = 200) -> Response:
    body, etag = practice_body(practice)
    response = jsonify(body)
    response.status_code = status
    response.set_etag(etag)
    return response


@bp.get("/resolutions/<int:resolution_id>")
@operation("Резолюция с рекомендациями", "Резолюции", (200, schemas.Resolution), errors=(404, 410),
           auth="optional",
           description="Опубликованная — всем; черновик — методистам и администраторам (с токеном), остальным 404. "
                       "Удалённая после того, как её публиковали, — 410, как её страница и адреса её рекомендаций; "
                       "удалённый черновик — 404.")
def resolution(resolution_id: int):
    found = get_visible_resolution(resolution_id, api_user())
    if found is None:
        _not_found_or_gone("resolution", resolution_id)
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

    # by name in Russian alphabetical order, not the database's collation («ё» is after «я» in code points)
    municipalities = sorted(rows(Municipality, Municipality.id, code="code", label="name", kind="kind",
                                 region="region_code"), key=lambda row: data.alphabetical(row["label"]))

    return jsonify({
        "regions": rows(Region, Region.sort_order, code="code", label="name", kind="kind", country="country",
                        federal_district="federal_district"),
        "municipalities": municipalities,
        "levels": rows(EducationLevel, EducationLevel.sort_order, code="code", label="name", short="short"),
        "subjects": rows(Subject, Subject.sort_order, code="code", label="name"),
        "topics": rows(Topic, Topic.sort_order, code="code", label="label", parent="parent_code",
                       synonyms="synonyms"),
        "addressee_types": rows(AddresseeType, AddresseeType.sort_order, code="code", label="label"),
        "spread_levels": [{"code": s["code"], "label": s["label"]} for s in data.SPREAD_LEVELS],
        "licences": [{"code": x["code"], "label": x["label"], "url": x["url"] or None} for x in data.LICENCES],
        "resolution_formats": [{"code": f["code"], "label": f["label"]} for f in data.RESOLUTION_FORMATS],
    })


def _paging() -> tuple[int, int]:
    """``page`` and ``per_page`` of a list request; 400 with the reason when they are not sensible numbers."""
    numbers = {}
    for name, default, high in (("page", 1, LIST_MAX_PAGE),
                                ("per_page", current_app.config["SEARCH_PER_PAGE"],
                                 current_app.config["SEARCH_MAX_PER_PAGE"])):
        raw = request.args.get(name, "").strip()
        if not raw:
            numbers[name] = default
            continue
        number = whole_number(raw)
        if number is None or not 1 <= number <= high:
            raise ApiProblem(400, f"Параметр {name}: целое число от 1 до {high}.")
        numbers[name] = number
    return numbers["page"], numbers["per_page"]


def _list_body(pagination, page: int, per_page: int, results: list[dict]) -> dict:
    return {"total": pagination.total or 0, "page": page, "per_page": per_page,
            "links": _page_links(page, per_page, pagination.total or 0, LIST_MAX_PAGE), "results": results}


@bp.get("/practices")
@operation("Опубликованные практики", "Практики", (200, schemas.PracticeList), query=schemas.ListQuery,
           description="Только опубликованные, недавно опубликованные первыми; постранично (total и ссылки links). "
                       "Поиск с фильтрами — /search?type=practice.")
def practices():
    page, per_page = _paging()
    pagination = published_page(page, per_page)
    return jsonify(_list_body(pagination, page, per_page, [{
        "id": p.id, "type": "practice", "title": p.title,
        "url": url_for("practices.detail", practice_id=p.id), "api_url": url_for(".practice", practice_id=p.id),
        "organisation": p.organisation,
        "region": {"code": p.region.code, "label": p.region.name} if p.region else None,
        "year": p.year, "published_at": utc_json(p.published_at),
        "updated_at": utc_json(p.updated_at),
    } for p in pagination.items]))


def _resolution_summary(resolution: Resolution, hosts: dict[int, str | None]) -> dict:
    return {
        "id": resolution.id, "type": "resolution", "title": resolution.title,
        "url": url_for("resolutions.detail", resolution_id=resolution.id),
        "api_url": url_for(".resolution", resolution_id=resolution.id),
        "conference_name": resolution.conference_name,
        "date_start": resolution.date_start.isoformat() if resolution.date_start else None,
        "date_end": resolution.date_end.isoformat() if resolution.date_end else None,
        "place": resolution.place,
        "regions": [{"code": r.code, "label": r.name} for r in regions_host_first(resolution, hosts)],
        "municipalities": municipalities_json(resolution),  # as the detail's; loaded for the page at once
        "recommendations_count": len(resolution.recommendations),
        "published_at": utc_json(resolution.published_at),
    }


@bp.get("/resolutions")
@operation("Опубликованные резолюции", "Резолюции", (200, schemas.ResolutionList), query=schemas.ListQuery,
           description="Новые конференции первыми; постранично (total и ссылки links). Рекомендации — "
                       "в /resolutions/{resolution_id}.")
def resolutions():
    page, per_page = _paging()
    pagination = public_resolutions(page, per_page, municipalities=True)
    hosts = host_region_codes(pagination.items)
    return jsonify(_list_body(pagination, page, per_page, [_resolution_summary(r, hosts) for r in pagination.items]))


def _collection_url(collection: Collection) -> str:
    if collection.visibility == "link":
        return url_for("collections.shared", token=collection.share_token)
    return url_for("collections.view", collection_id=collection.id)


def _collection_summary(collection: Collection, items_count: int) -> dict:
    return {"id": collection.id, "title": collection.title, "description": collection.description,
            "visibility": collection.visibility, "url": _collection_url(collection), "items_count": items_count,
            "updated_at": utc_json(collection.updated_at)}


def _item_url(entry: collections.Entry) -> str:
    """The page of an available item; of a practice's file, its download as the practice's JSON gives it: the page's
    (the file's name is part of it) while the practice is public, else the API's own, which the token opens (the
    page's download of an unpublished practice's file needs a session)."""
    if entry.practice is not None:
        return attachment_url(entry.practice, entry.item.item_id, entry.material.original_name)
    endpoint, argument = ITEM_ENDPOINTS[entry.item.item_type]
    return url_for(endpoint, **{argument: entry.item.item_id})


def _collection_detail(collection: Collection) -> Response:
    entries = collections.entries(collection, api_user())
    body = _collection_summary(collection, len(entries))
    body["items"] = []
    for entry in entries:
        # What this reader may not see is a row without a type, a title, a note or even its id, as on the page.
        body["items"].append({
            "type": entry.item.item_type if entry.available else None,
            "id": entry.item.item_id if entry.available else None,
            "available": entry.available, "title": entry.title, "excerpt": entry.excerpt,
            "note": entry.item.note if entry.available else "",
            "url": _item_url(entry) if entry.available else None,
        })
    return jsonify(body)


@bp.get("/collections")
@operation("Публичные подборки", "Подборки", (200, schemas.CollectionList), query=schemas.CollectionListQuery,
           description="Только подборки, открытые всем; подборки «по ссылке» и личные сюда не попадают. "
                       "Недавно изменённые первыми.")
def collection_list():
    page, per_page = _paging()
    pagination = collections.public_collections(filter_arg(request.args), page, per_page)
    counts = collections.item_counts(pagination.items)
    return jsonify(_list_body(pagination, page, per_page,
                              [_collection_summary(c, counts.get(c.id, 0)) for c in pagination.items]))


@bp.get("/collections/<int:collection_id>")
@operation("Подборка с материалами", "Подборки", (200, schemas.CollectionDetail), errors=(404,), auth="optional",
           description="Публичная — всем; личная и «по ссылке» — только владельцу (с токеном), остальным 404: "
                       "подборку «по ссылке» открывает её секретный адрес /collections/shared/{token}. "
                       "Материалы, которые читателю не видны, отдаются с available: false и без текста.")
def collection(collection_id: int):
    found = collections.get_collection(collection_id)
    if found is None or not collections.can_view(api_user(), found):
        abort(404)
    return _collection_detail(found)


@bp.get("/collections/shared/<token>")
@operation("Подборка по секретной ссылке", "Подборки", (200, schemas.CollectionDetail), errors=(404,),
           description="token — последняя часть адреса «поделиться ссылкой»; после смены ссылки владельцем "
                       "старый token даёт 404.")
def shared_collection(token: str):
    found = collections.get_shared_collection(token) if len(token) <= 64 else None
    if found is None:
        abort(404)
    return _collection_detail(found)
