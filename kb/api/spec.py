"""The OpenAPI 3.1 document, generated from the API's routes and the descriptions attached to its views."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields, validate

from kb.api import schemas
from kb.attachments.extract import KINDS
from kb.errors import BODY_TOO_LARGE_TITLE, MESSAGES
from kb.practices import rules
from kb.routing import MAX_ID

API_BLUEPRINTS = ("api", "api_write")
_RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTER_TYPES = {"int": {"type": "integer", "minimum": 0, "maximum": MAX_ID}, "default": {"type": "string"}}


@dataclass(frozen=True)
class Operation:
    """What the document says about one view: what it does, takes, answers and who may call it."""

    summary: str
    tag: str
    ok: tuple[int, type[Schema] | None]
    also_ok: tuple[int, ...] = ()  # other success statuses with the same body
    errors: tuple[int, ...] = ()
    auth: Literal["none", "optional", "required"] = "none"
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    upload: type[Schema] | None = None
    description: str = ""
    etag: bool = False  # the answer carries an ETag of the resource
    if_match: bool = False  # the request may carry If-Match with such an ETag (412 when the resource changed)
    if_none_match: bool = False  # a GET may carry If-None-Match with such an ETag (304 when it still matches)
    file: bool = False  # the answer is a practice's file, of one of the kinds a file may be (kb.attachments.extract)


def operation(summary: str, tag: str, ok: tuple[int, type[Schema] | None], **kwargs) -> Callable:
    """Describe an API view for the OpenAPI document (every /api/v1 view must have one)."""

    def attach(view: Callable) -> Callable:
        view.api_operation = Operation(summary, tag, ok, **kwargs)  # type: ignore[attr-defined]
        return view

    return attach


def _problem(status: int, title: str | None = None) -> dict:
    return {"description": title or MESSAGES.get(status, (f"Ошибка {status}", ""))[0],
            "content": {"application/problem+json": {"schema": "Problem"}}}


def _operation_dict(op: Operation, path_parameters: list[dict]) -> dict:
    status, schema = op.ok
    ok: dict = {"description": "Успешно"}
    if schema is not None:
        ok["content"] = {"application/json": {"schema": schema}}
    if op.file:
        ok["content"] = {kind: {"schema": {"type": "string", "format": "binary"}}
                         for kind in sorted({content_type for _label, content_type in KINDS.values()})}
    # Every request counts against the rate limit, and a bad token is refused even where none is needed.
    errors = set(op.errors) | {401, 429}
    if op.query is not None or op.body is not None or op.upload is not None:
        errors.add(400)
    if op.body is not None:
        errors.add(413)  # a JSON body over API_JSON_MAX_BYTES (kb.api.payloads)
    if op.etag:
        ok["headers"] = {"ETag": {"description": "Версия ресурса: передайте её в If-Match при изменении.",
                                  "schema": {"type": "string"}}}
    header_parameters = [{"in": "header", "name": "If-Match", "required": False, "schema": {"type": "string"},
                          "description": "ETag, полученный при чтении: если ресурс с тех пор изменили, ответ — 412 "
                                         "и ничего не меняется."}] if op.if_match else []
    if op.if_none_match:
        header_parameters.append({
            "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
            "description": "ETag, полученный при чтении: если ресурс не изменился, ответ — 304 без тела."})
    result: dict = {
        "summary": op.summary, "tags": [op.tag],
        "parameters": path_parameters + header_parameters
        + ([{"in": "query", "schema": op.query}] if op.query else []),
        "responses": {**{str(code): ok for code in (status, *op.also_ok)},
                      **({"304": {"description": "Не изменилась с того ETag, что в If-None-Match"}}
                         if op.if_none_match else {}),
                      **{str(code): _problem(code, BODY_TOO_LARGE_TITLE if code == 413 and op.body is not None
                                                  else None) for code in sorted(errors)}},
    }
    if op.description:
        result["description"] = op.description
    if op.auth == "required":
        result["security"] = [{"token": []}]
    elif op.auth == "optional":
        result["security"] = [{}, {"token": []}]
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    if op.upload is not None:
        result["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.upload}}}
    return result


def _allowed_keys(self, field, **kwargs) -> dict:
    """An object whose keys the API checks against a list (``sections``: the template's section keys) names them
    as ``propertyNames``; apispec gave only the values' type, and a client made from the document sent keys that
    got 422 «Неизвестный раздел»."""
    key_field = getattr(field, "key_field", None) if isinstance(field, fields.Dict) else None
    for check in getattr(key_field, "validators", ()):
        if isinstance(check, validate.OneOf):
            return {"propertyNames": {"enum": list(check.choices)}}
    return {}


def build_spec(app: Flask) -> dict:
    """The OpenAPI 3.1 document of every route of the API blueprint."""
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title="Банк практик: API", version="1", openapi_version="3.1.0", plugins=[marshmallow],
        info={"description": "Чтение опубликованных практик, резолюций, словарей и поиск — без авторизации; "
                             "изменения — с токеном API из профиля. Ошибки — application/problem+json. Чтение без "
                             "токена (GET, HEAD) открыто скриптам других сайтов: Access-Control-Allow-Origin: *, без "
                             "cookie и токена; изменения и чтение с токеном другим сайтам не открыты."},
    )
    marshmallow.converter.add_attribute_function(_allowed_keys)
    spec.components.security_scheme("token", {
        "type": "http", "scheme": "bearer",
        "description": "Токен из профиля: Authorization: Bearer kb_…",
    })
    spec.components.schema("Problem", schema=schemas.Problem)
    bounds: dict[tuple[str, str], dict[str, int]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.partition(".")[0] not in API_BLUEPRINTS:
            continue
        view = app.view_functions[rule.endpoint]
        op: Operation | None = getattr(view, "api_operation", None)
        if op is None:
            raise LookupError(f"API view {rule.endpoint} has no @operation description")
        path_parameters = [
            {"in": "path", "name": name, "required": True,
             "schema": _CONVERTER_TYPES.get(converter or "default", {"type": "string"})}
            for converter, name in _RULE_ARGUMENT.findall(rule.rule)
        ]
        path = _RULE_ARGUMENT.sub(r"{\2}", rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m.lower(): _operation_dict(op, path_parameters) for m in methods})
        bounds.update({(path, m.lower()): _page_bounds(op.query, app.config) for m in methods if op.query})
    document = spec.to_dict()
    for name in ("PracticeInput", "PracticePatch"):  # the latest year a practice may have is the next one
        document["components"]["schemas"][name]["properties"]["year"]["maximum"] = rules.last_year()
    for (path, method), limits in bounds.items():
        for parameter in document["paths"][path][method]["parameters"]:
            if parameter["in"] == "query" and parameter["name"] in limits:
                parameter["schema"].update(minimum=1, maximum=limits[parameter["name"]])
    return document


def _page_bounds(query: type[Schema], config) -> dict[str, int]:
    """The largest page and per_page a view takes (more, or less than 1, is a 400): the search's come from the
    configuration (kb.search.services.parse_params), the lists' from kb.api.views._paging."""
    if issubclass(query, schemas.SearchQuery):
        return {"page": config["SEARCH_MAX_PAGE"], "per_page": config["SEARCH_MAX_PER_PAGE"]}
    if issubclass(query, schemas.ListQuery):
        return {"page": schemas.LIST_MAX_PAGE, "per_page": config["SEARCH_MAX_PER_PAGE"]}
    return {}
