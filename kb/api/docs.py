"""The OpenAPI document at /api/v1/openapi.json and a readable API page at /api built from it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from kb.api.cors import allow_reading
from kb.api.spec import build_spec
from kb.errors import BODY_TOO_LARGE_TITLE, MESSAGES
from kb.practices import rules

bp = Blueprint("api_docs", __name__)

METHOD_ORDER = ("get", "post", "patch", "put", "delete")


def openapi_document() -> dict:
    """The app's OpenAPI document, built once per app (routes do not change after start-up) and again when the
    year changes (it names the latest year of a practice)."""
    cache = current_app.extensions.setdefault("kb_openapi", {})
    if "document" not in cache or cache.get("last_year") != rules.last_year():
        cache["document"] = build_spec(current_app)
        cache["last_year"] = rules.last_year()
    return cache["document"]


def _resolve(schema: dict, components: dict) -> dict:
    ref = schema.get("$ref", "")
    return components.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


def _type_label(schema: dict, components: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_label(s, components) for s in schema["anyOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"список: {_type_label(schema.get('items', {}), components)}"
    return " | ".join(kind) if isinstance(kind, list) else str(kind or "объект")


def _fields(schema: dict, components: dict) -> list[dict]:
    """Rows (name, type, required, description) of an object schema, for the page."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type_label(prop, components), "required": name in required,
             "description": prop.get("description", ""), "enum": prop.get("enum")}
            for name, prop in schema.get("properties", {}).items()]


def _endpoints(document: dict) -> list[dict]:
    components = document.get("components", {}).get("schemas", {})
    endpoints = []
    for path, operations in document["paths"].items():
        for method in METHOD_ORDER:
            if method not in operations:
                continue
            op = operations[method]
            body = next(iter(op.get("requestBody", {}).get("content", {}).items()), None)
            endpoints.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                "auth": "required" if op.get("security") == [{"token": []}] else
                        "optional" if op.get("security") else "none",
                "parameters": [{"name": p["name"], "in": p["in"], "type": _type_label(p.get("schema", {}), components),
                                "description": p.get("description", "")} for p in op.get("parameters", [])],
                "body_type": body[0] if body else None,
                "body_fields": _fields(body[1]["schema"], components) if body else [],
                "responses": [(code, r.get("description", "")) for code, r in op["responses"].items()],
            })
    return endpoints


@bp.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.after_request
def _document_for_other_sites(response: Response) -> Response:
    """The document is read by other sites' tools (a client generator, an API explorer) as the API is; the /api
    page is a page."""
    return allow_reading(response) if request.endpoint == "api_docs.openapi_json" else response


@bp.get("/api")
def index():
    document = openapi_document()
    return render_template("api/index.html", document=document, endpoints=_endpoints(document),
                           problems=sorted((code, *_problem_text(code, text)) for code, text in MESSAGES.items()
                                           if code != 500))


def _problem_text(code: int, text: tuple[str, str]) -> tuple[str, str]:
    """A problem's title and detail on the page: the 413 has two titles, for a file and for a JSON body."""
    if code == 413:
        return (f"{text[0]} / {BODY_TOO_LARGE_TITLE}",
                f"{text[1]} «{text[0]}» — файл больше своего предела; «{BODY_TOO_LARGE_TITLE}» — тело JSON "
                "больше API_JSON_MAX_BYTES (тот же type).")
    return text
