"""Reading API request bodies: JSON shape by schema, content by the practice form the pages use."""

from __future__ import annotations

import re

from flask import current_app, request
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from kb.extensions import db
from kb.practices import rules
from kb.practices.forms import PracticeForm, section_data
from kb.practices.models import SECTION_KEYS, Practice
from kb.practices.services import PracticeData
from kb.templating import plural
from kb.textclean import UNWANTED_CONTROLS, composed_json, xml_text
from kb.vocabularies.models import Municipality


class ApiProblem(Exception):
    """An API request that cannot be carried out; answered as problem details."""

    def __init__(self, status: int, detail: str | None = None, errors: dict[str, list[str]] | None = None,
                 extra: dict | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.extra = extra


# Marshmallow's messages are English; the API answers in Russian.
_RUSSIAN = {
    "Missing data for required field.": "Обязательное поле.",
    "Field may not be null.": "Значение не может быть null.",
    "Unknown field.": "Неизвестное поле.",
    "Invalid input type.": "Ожидается объект JSON.",
    "Invalid type.": "Ожидается объект JSON.",
    "Not a valid string.": "Ожидается строка.",
    "Not a valid utf-8 string.": "Ожидается строка в UTF-8.",
    "Not a valid integer.": "Ожидается целое число.",
    "Not a valid number.": "Ожидается число.",
    "Number too large.": "Слишком большое число.",
    "Not a valid list.": "Ожидается список.",
    "Not a valid mapping type.": "Ожидается объект JSON.",
    "Not a valid boolean.": "Ожидается true или false.",
}


def _russian(message: object) -> str:
    text = str(message)
    if text in _RUSSIAN:
        return _RUSSIAN[text]
    return text if any("а" <= ch.lower() <= "я" for ch in text) else "Недопустимое значение."


def _flatten(messages: dict | list, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages, in Russian, as {"authors.0.name": [...]}."""
    if isinstance(messages, list):
        return {prefix or "_": [_russian(m) for m in messages]}
    flat: dict[str, list[str]] = {}
    if prefix and set(messages) <= {"key", "value"}:  # a dict field's entry: the errors of its key and value
        return {prefix: [m for part in messages.values() for m in _flatten(part).get("_", [])]}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(_flatten(value, name) if isinstance(value, dict | list) else {name: [_russian(value)]})
    return flat


LONE_SURROGATE = "Строка содержит одиночный суррогат UTF-16 (\\ud800–\\udfff): это не символ, его нельзя сохранить."
_SURROGATE = re.compile("[\ud800-\udfff]")


def _with_lone_surrogates(value: object, name: str = "") -> list[str]:
    """Where JSON's escapes made a string that is not text ("\\ud800" alone; a pair makes one character): the
    database cannot store it, and it was a 500. Names as in ``_flatten``: "authors.0.name"."""
    if isinstance(value, str):
        return [name or "_"] if _SURROGATE.search(value) else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            # a key is named as written in the request ("\\udc00"), not sent back broken
            key_name = f"{name}.{key}" if name else key
            if _SURROGATE.search(key):
                found.append(key_name.encode("utf-8", "backslashreplace").decode("utf-8"))
            else:
                found.extend(_with_lone_surrogates(item, key_name))
        return found
    if isinstance(value, list):
        return [found for number, item in enumerate(value)
                for found in _with_lone_surrogates(item, f"{name}.{number}" if name else str(number))]
    return []


# Fields a 422 names at most: a body of thousands of unknown keys got an answer naming every one, bigger than itself.
MAX_FIELD_ERRORS = 50


def _invalid(errors: dict[str, list[str]], total: int | None = None) -> ApiProblem:
    """The 422 of a body whose fields are wrong: the first MAX_FIELD_ERRORS fields, and how many more there are
    (``total``: the count of them all, when ``errors`` holds only some)."""
    total = max(total or 0, len(errors))
    if total <= MAX_FIELD_ERRORS:
        return ApiProblem(422, "Проверьте поля запроса.", errors)
    shown = dict(list(errors.items())[:MAX_FIELD_ERRORS])
    more = total - MAX_FIELD_ERRORS
    return ApiProblem(422, f"Проверьте поля запроса. Полей с ошибками: {total}; в errors — первые "
                           f"{MAX_FIELD_ERRORS}, и ещё {more} "
                           f"{plural(more, 'поле не названо', 'поля не названы', 'полей не названы')}.", shown)


def _unknown_keys(schema: Schema, *objects: dict | tuple[str, dict]) -> ApiProblem | None:
    """The 422 of more unknown keys than a 422 names, in ``objects`` (the body, or ``authors``' entries as
    (name, entry)) checked against ``schema``: its first unknown keys, «Неизвестное поле.», and how many there
    are; None when there are few (marshmallow names them, with the rest of the errors)."""
    known = {field.data_key or name for name, field in schema.load_fields.items()}
    unknown: list[str] = []
    count = 0
    for entry in objects:
        prefix, value = entry if isinstance(entry, tuple) else ("", entry)
        for key in value:
            if key not in known:
                count += 1
                if len(unknown) < MAX_FIELD_ERRORS:
                    unknown.append(f"{prefix}.{key}" if prefix else key)
    if count <= MAX_FIELD_ERRORS:
        return None
    return _invalid({key: [_russian("Unknown field.")] for key in unknown}, count)


def _refused_before_checking(schema: Schema, body: dict) -> ApiProblem | None:
    """The 422 of a body too big to check item by item, made without checking each item: marshmallow took
    seconds over a hundred thousand unknown keys in ``sections`` and twenty over half a million ``authors``.
    A list longer than its field allows (validate.Length) is refused as a whole; an object whose keys come from
    a list (``sections``) and has more unknown keys than a 422 names, by its first unknown keys, as are the body
    and the entries of ``authors`` with more unknown fields than that."""
    if problem := _unknown_keys(schema, body):
        return problem
    for name, field in schema.fields.items():
        value = body.get(field.data_key or name)
        if isinstance(field, fields.List) and isinstance(value, list):
            for check in field.validators:
                if isinstance(check, validate.Length) and check.max is not None and len(value) > check.max:
                    try:
                        check(value)
                    except ValidationError as exc:
                        return _invalid({name: [_russian(m) for m in exc.messages]})
            if isinstance(field.inner, fields.Nested) and isinstance(field.inner.schema, Schema):
                items = [(f"{name}.{number}", item) for number, item in enumerate(value) if isinstance(item, dict)]
                if problem := _unknown_keys(field.inner.schema, *items):
                    return problem
        keys = [v for v in getattr(getattr(field, "key_field", None), "validators", ())
                if isinstance(v, validate.OneOf)]
        if not isinstance(field, fields.Dict) or not isinstance(value, dict) or not keys:
            continue
        unknown = [key for key in value if key not in keys[0].choices]
        if len(unknown) > MAX_FIELD_ERRORS:
            errors: dict[str, list[str]] = {}
            for key in unknown[:MAX_FIELD_ERRORS]:
                try:
                    keys[0](key)
                except ValidationError as exc:
                    errors[f"{name}.{key}"] = [_russian(m) for m in exc.messages]
            return _invalid(errors, len(unknown))
    return None



def json_too_large() -> str:
    limit = current_app.config["API_JSON_MAX_BYTES"]
    size = f"{limit / (1024 * 1024):.3g} МБ".replace(".", ",") if limit >= 1024 * 1024 else f"{limit} байт"
    return (f"Тело запроса JSON больше {size} (API_JSON_MAX_BYTES): в практике столько текста не бывает. "
            "Файлы прикладываются отдельными запросами.")


def _read_json():
    """The body parsed as JSON (None if it is not), 413 when it is longer than API_JSON_MAX_BYTES: with
    Content-Length before anything is read, without it (Transfer-Encoding: chunked) once one byte past the limit
    has come (kb.routing.WholeBodyStream). The general MAX_CONTENT_LENGTH (100 MB, for files) let a JSON body
    of megabytes of made-up keys be parsed and checked key by key for a minute."""
    limit = current_app.config["API_JSON_MAX_BYTES"]
    if request.max_content_length is not None and request.max_content_length <= limit:
        return request.get_json(silent=True)  # the general limit is the lower: its own 413 (kb.errors)
    if request.content_length is not None and request.content_length > limit:
        raise ApiProblem(413, json_too_large())
    request.max_content_length = limit  # before the body's stream is opened: the stream reads up to this
    try:
        return request.get_json(silent=True)  # silent: None for text that is not JSON
    except RequestEntityTooLarge:
        raise ApiProblem(413, json_too_large()) from None


def json_body(schema: type[Schema]) -> dict:
    """The request's JSON object checked against ``schema``: 415 not JSON, 413 too long, 400 not an object,
    422 a wrong shape."""
    if not request.is_json:
        raise ApiProblem(415, "Отправьте тело запроса в формате JSON (Content-Type: application/json).")
    try:
        body = _read_json()
    except RecursionError:  # [[[[… nested deeper than the parser goes
        raise ApiProblem(400, "Тело запроса вложено слишком глубоко: ожидается объект JSON с полями практики.") \
            from None
    if not isinstance(body, dict):
        raise ApiProblem(400, "Тело запроса должно быть объектом JSON.")
    if broken := _with_lone_surrogates(body):
        raise _invalid({name: [LONE_SURROGATE] for name in broken})
    if problem := _refused_before_checking(schema(), body):
        raise problem
    body = composed_json(body)  # NFC, as the forms make every text (kb.forms.CleanText)
    try:
        return schema().load(body)
    except ValidationError as exc:
        raise _invalid(_flatten(exc.messages)) from None


def _as_api(practice: Practice) -> dict:
    """A practice's current content in the shape of the API input (the base a PATCH changes)."""
    return {
        "title": practice.title,
        "sections": {key: getattr(practice, key) or "" for key in SECTION_KEYS},
        "authors": [{"name": a.name, "position": a.position} for a in practice.authors],
        "organisation": practice.organisation,
        "region": practice.region_code,
        "municipality": practice.municipality.code if practice.municipality else None,
        "levels": [x.code for x in practice.levels],
        "subjects": [x.code for x in practice.subjects],
        "topics": [x.code for x in practice.topics],
        "year": practice.year,
        "event": practice.event,
        "spread_level": practice.spread_level,
        "licence": practice.licence,
    }


# Form field -> API field, where they differ; the section fields live under "sections".
_API_NAMES = {key: f"sections.{key}" for key in SECTION_KEYS}


def practice_data(body: dict, practice: Practice | None = None) -> PracticeData:
    """Validate a practice body with PracticeForm (the pages' rules) and return the data to save; 422 if invalid."""
    merged = {**(_as_api(practice) if practice is not None else {}), **body}
    if practice is not None and "sections" in body:
        merged["sections"] = {**_as_api(practice)["sections"], **body["sections"]}
    municipality_id = ""
    if municipality := (merged.get("municipality") or "").strip():  # « » is none, as for the other codes
        # No code has a control character; a NUL was a 500 on PostgreSQL, which cannot compare text with one.
        found = None if UNWANTED_CONTROLS.search(municipality) else db.session.scalar(
            select(Municipality.id).where(Municipality.code == municipality))
        if found is None:
            raise ApiProblem(422, "Проверьте поля запроса.", {"municipality": ["Неизвестный код муниципалитета."]})
        municipality_id = str(found)
    # The form reads authors as lines "name, position": line breaks inside a value would add authors. (The
    # structured list is kept, below: the form's filter of control characters is applied here.)
    authors = [(" ".join(xml_text(a["name"]).split()), " ".join(xml_text(a.get("position", "")).split()))
               for a in merged.get("authors", [])]
    formdata = MultiDict([
        ("title", merged.get("title") or ""),
        ("authors", rules.authors_text(authors)),  # as the form shows them: «name, position» a line, no comma after
        ("organisation", merged.get("organisation") or ""),
        ("region", merged.get("region") or ""),
        ("municipality", municipality_id),
        ("year", "" if merged.get("year") is None else str(merged["year"])),
        ("event", merged.get("event") or ""),
        ("spread_level", merged.get("spread_level") or ""),
        ("licence", merged.get("licence") or ""),
        *((key, text) for key, text in (merged.get("sections") or {}).items()),
        *(("levels", code) for code in merged.get("levels", [])),
        *(("subjects", code) for code in merged.get("subjects", [])),
        *(("topics", code) for code in merged.get("topics", [])),
    ])
    form = PracticeForm(formdata=formdata, meta={"csrf": False})
    # Names may contain commas, «и» or «;», which the form's one-line format would read otherwise: the structured
    # list is what is counted against the ten and stored.
    form.listed_authors = authors
    form.name_unknown_codes()
    if not form.validate():
        errors = {_API_NAMES.get(name, name): [str(m) for m in messages] for name, messages in form.errors.items()}
        raise _invalid(errors)
    return form.to_data(section_data(form))
