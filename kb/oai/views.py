"""The OAI-PMH 2.0 endpoint /oai: the six verbs, resumption tokens and the protocol's errors.

Errors are part of the protocol: they are answered with HTTP 200 and an <error code="…"> element.
"""

from __future__ import annotations

import re
import time
from datetime import datetime

from flask import Blueprint, Response, current_app, request, url_for
from flask_limiter import RequestLimit
from itsdangerous import BadData, URLSafeSerializer
from lxml import etree
from werkzeug.datastructures import MultiDict

from kb.extensions import csrf, limiter
from kb.oai import records
from kb.routing import MAX_ID
from kb.templating import wait_phrase
from kb.textclean import xml_text
from kb.timeutil import utcnow

bp = Blueprint("oai", __name__)
# A read-only protocol endpoint that harvesters POST form-encoded requests to: no session, no forms.
csrf.exempt(bp)


def _rate_limit() -> str:
    """Requests to /oai per address (OAI_RATE_LIMIT): a harvester pages through lists one request at a time."""
    return current_app.config["OAI_RATE_LIMIT"]


def _busy(limit: RequestLimit) -> Response:
    """A harvester over the limit: 503 with Retry-After, the flow control OAI-PMH names (section 3.1.2.2),
    which harvesters wait out and retry, rather than 429, which some take for the end of the harvest."""
    wait = max(1, int(limit.reset_at - time.time()))
    response = Response(f"Слишком много запросов к OAI-PMH с этого адреса. Повторите {wait_phrase(wait)}.\n",
                        status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(wait)
    return response


limiter.limit(_rate_limit, on_breach=_busy)(bp)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
OAI_IDENTIFIER_NS = "http://www.openarchives.org/OAI/2.0/oai-identifier"
OAI_IDENTIFIER_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd"
# The oai-identifier scheme wants a domain name (example.ru), not localhost or an IP address.
_DOMAIN = re.compile(r"^[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+$")
METADATA_PREFIX = "oai_dc"
DC_ORDER = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
            "identifier", "source", "language", "relation", "coverage", "rights")
# verb -> (required arguments, optional arguments, exclusive argument)
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"}), "resumptionToken"),
}
# ASCII digits only: \d and strptime would also take «２０２０» or «٢٠٢٠», which the protocol's schema refuses.
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\Z", re.ASCII)
_PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+\Z")
_IDENTIFIER = re.compile(r"^oai:(?P<repository>[^:]+):(?P<kind>practice|resolution)/(?P<id>[1-9]\d{0,17})\Z", re.ASCII)


class OaiError(Exception):
    """A protocol error; badVerb and badArgument are answered without echoing the arguments."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def echoes_arguments(self) -> bool:
        return self.code not in ("badVerb", "badArgument")


def _q(name: str, namespace: str = OAI_NS) -> str:
    return f"{{{namespace}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, _q(name), {k: v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def utc(moment: datetime) -> str:
    """A naive UTC datetime at the repository's granularity: YYYY-MM-DDThh:mm:ssZ."""
    return moment.replace(microsecond=0).isoformat() + "Z"


def repository_identifier() -> str:
    """The repository part of item identifiers: OAI_REPOSITORY_IDENTIFIER, or this site's host name."""
    return current_app.config.get("OAI_REPOSITORY_IDENTIFIER") or request.host.split(":")[0]


def item_identifier(kind: str, item_id: int) -> str:
    return f"oai:{repository_identifier()}:{kind}/{item_id}"


def _permalink(kind: str, item_id: int) -> str:
    if kind == "practice":
        return url_for("practices.detail", practice_id=item_id, _external=True)
    return url_for("resolutions.detail", resolution_id=item_id, _external=True)


def _admin_email() -> str:
    """OAI_ADMIN_EMAIL, else MAIL_FROM; the protocol wants a full domain (bank@localhost is not one)."""
    email = current_app.config.get("OAI_ADMIN_EMAIL") or current_app.config.get("MAIL_FROM") or "bank@localhost"
    local, _, domain = email.rpartition("@")
    return email if "." in domain else f"{local or 'bank'}@{domain or 'localhost'}.localdomain"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="oai-resumption")


def _arguments() -> MultiDict:
    """The request's arguments: the query string of a GET, the form-encoded body of a POST."""
    return request.form if request.method == "POST" else request.args


def _check_arguments(arguments: MultiDict) -> tuple[str, dict[str, str]]:
    """The verb and its arguments, or badVerb / badArgument (repeated, unknown, missing, exclusive)."""
    verbs = arguments.getlist("verb")
    if not verbs:
        raise OaiError("badVerb", "Не указан аргумент verb.")
    if len(verbs) > 1:
        raise OaiError("badVerb", "Аргумент verb повторён.")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"Неизвестная команда протокола: {verb[:100]}.")
    required, optional, exclusive = VERBS[verb]
    given: dict[str, str] = {}
    for name in arguments:
        if name == "verb":
            continue
        values = arguments.getlist(name)
        if len(values) > 1:
            raise OaiError("badArgument", f"Аргумент {name[:50]} повторён.")
        if name not in required | optional | ({exclusive} if exclusive else set()):
            raise OaiError("badArgument", f"Команда {verb} не принимает аргумент {name[:50]}.")
        given[name] = values[0]
    if exclusive and exclusive in given:
        if len(given) > 1:
            raise OaiError("badArgument", f"Аргумент {exclusive} нельзя сочетать с другими аргументами.")
        return verb, given
    missing = sorted(required - given.keys())
    if missing:
        raise OaiError("badArgument", f"Команде {verb} нужен аргумент {', '.join(missing)}.")
    if "metadataPrefix" in given and not _PREFIX.match(given["metadataPrefix"]):
        raise OaiError("badArgument", "Недопустимое значение metadataPrefix.")
    if "set" in given and not records.valid_set_spec(given["set"]):
        raise OaiError("badArgument", "Недопустимое значение set: наборы имеют вид type:practice, "
                                      "topic:<код темы>, region:<код региона> или type, topic, region.")
    return verb, given


def _parse_datestamp(value: str, name: str) -> tuple[datetime, bool]:
    """(moment, to the day?) of a from/until argument; badArgument for anything else."""
    try:
        if _DAY.match(value):
            return datetime.strptime(value, "%Y-%m-%d"), True
        if _SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ"), False
    except ValueError:
        pass
    raise OaiError("badArgument", f"Неверная дата в аргументе {name}: нужен вид ГГГГ-ММ-ДД или ГГГГ-ММ-ДДTчч:мм:ссZ.")


def _selection(arguments: dict[str, str], now: datetime) -> records.Selection:
    start = end = None
    start_day = end_day = None
    if "from" in arguments:
        start, start_day = _parse_datestamp(arguments["from"], "from")
    if "until" in arguments:
        until, end_day = _parse_datestamp(arguments["until"], "until")
        if start is not None and start_day != end_day:
            raise OaiError("badArgument", "У аргументов from и until должна быть одинаковая точность.")
        if start is not None and start > until:
            raise OaiError("badArgument", "Аргумент from позже, чем until.")
        end = records.end_of(until, end_day)
    # The list is fixed at the first request: later changes wait for the next harvest (from=responseDate).
    end = min(end, now) if end is not None else now
    return records.Selection(start, end, arguments.get("set"))


def _check_prefix(prefix: str) -> None:
    if prefix != METADATA_PREFIX:
        raise OaiError("cannotDisseminateFormat", f"Формат {prefix} не поддерживается: есть только oai_dc.")


def _find(identifier: str) -> records.Record:
    match = _IDENTIFIER.match(identifier)
    record = None
    # an id past the largest a column holds is no record's (PostgreSQL refused to look it up: a 500)
    if match and match["repository"] == repository_identifier() and int(match["id"]) <= MAX_ID:
        record = records.find(match["kind"], int(match["id"]))
    if record is None:
        raise OaiError("idDoesNotExist", f"Записи {identifier[:200]} в репозитории нет.")
    return record


# --- the verbs -----------------------------------------------------------------------------------------------


def identify(root: etree._Element, _arguments: dict[str, str], now: datetime) -> None:
    element = _sub(root, "Identify")
    _sub(element, "repositoryName", "Банк практик")
    _sub(element, "baseURL", url_for("oai.endpoint", _external=True))
    _sub(element, "protocolVersion", "2.0")
    _sub(element, "adminEmail", _admin_email())
    _sub(element, "earliestDatestamp", utc(records.earliest_datestamp() or now))
    # Archived practices stay reported as deleted; an item an administrator deletes for good leaves a tombstone.
    _sub(element, "deletedRecord", "persistent")
    _sub(element, "granularity", "YYYY-MM-DDThh:mm:ssZ")
    repository = repository_identifier()
    if _DOMAIN.match(repository):
        # Harvesters and registries read how identifiers are built from this description.
        description = etree.SubElement(_sub(element, "description"), _q("oai-identifier", OAI_IDENTIFIER_NS),
                                       nsmap={None: OAI_IDENTIFIER_NS})
        description.set(_q("schemaLocation", XSI_NS), f"{OAI_IDENTIFIER_NS} {OAI_IDENTIFIER_SCHEMA}")
        for name, text in (("scheme", "oai"), ("repositoryIdentifier", repository), ("delimiter", ":"),
                           ("sampleIdentifier", f"oai:{repository}:practice/1")):
            etree.SubElement(description, _q(name, OAI_IDENTIFIER_NS)).text = text


def list_metadata_formats(root: etree._Element, arguments: dict[str, str], _now: datetime) -> None:
    if "identifier" in arguments:
        _find(arguments["identifier"])
    element = _sub(_sub(root, "ListMetadataFormats"), "metadataFormat")
    _sub(element, "metadataPrefix", METADATA_PREFIX)
    _sub(element, "schema", OAI_DC_SCHEMA)
    _sub(element, "metadataNamespace", OAI_DC_NS)


def list_sets(root: etree._Element, arguments: dict[str, str], _now: datetime) -> None:
    if "resumptionToken" in arguments:
        raise OaiError("badResumptionToken", "Список наборов выдаётся целиком: продолжения у него нет.")
    element = _sub(root, "ListSets")
    for each in records.all_sets():
        set_element = _sub(element, "set")
        _sub(set_element, "setSpec", each.spec)
        _sub(set_element, "setName", each.name)


def get_record(root: etree._Element, arguments: dict[str, str], _now: datetime) -> None:
    record = _find(arguments["identifier"])
    _check_prefix(arguments["metadataPrefix"])
    _record(_sub(root, "GetRecord"), record)


def _header(parent: etree._Element, record: records.Record) -> None:
    header = _sub(parent, "header", **({"status": "deleted"} if record.deleted else {}))
    _sub(header, "identifier", item_identifier(record.kind, record.id))
    _sub(header, "datestamp", utc(record.datestamp))
    for spec in record.sets:
        _sub(header, "setSpec", spec)


def _record(parent: etree._Element, record: records.Record) -> None:
    element = _sub(parent, "record")
    _header(element, record)
    if record.deleted:
        return  # a deleted record has a header only
    dc = etree.SubElement(_sub(element, "metadata"), _q("dc", OAI_DC_NS), nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS})
    dc.set(_q("schemaLocation", XSI_NS), f"{OAI_DC_NS} {OAI_DC_SCHEMA}")
    fields = records.dublin_core(record, _permalink)
    for name in DC_ORDER:
        for value in fields.get(name, ()):
            etree.SubElement(dc, _q(name, DC_NS)).text = value


def _list(root: etree._Element, arguments: dict[str, str], now: datetime, verb: str) -> None:
    if "resumptionToken" in arguments:
        try:
            state = _serializer().loads(arguments["resumptionToken"])
            selection = records.Selection(
                datetime.fromisoformat(state["f"]) if state["f"] else None,
                datetime.fromisoformat(state["u"]), state["s"])
            after, cursor, total = (state["k"], int(state["i"])), int(state["c"]), int(state["n"])
        except (BadData, KeyError, TypeError, ValueError):
            raise OaiError("badResumptionToken", "Неверный или устаревший resumptionToken.") from None
    else:
        _check_prefix(arguments["metadataPrefix"])
        selection = _selection(arguments, now)
        after, cursor, total = None, 0, None
    size = max(1, int(current_app.config.get("OAI_PAGE_SIZE", 100)))
    page = records.page(selection, after, size + 1)
    if not page:
        # After a token this means the rest changed since the list began: the next harvest (from = the first
        # responseDate) brings them, as their datestamps are later now.
        raise OaiError("noRecordsMatch", "Под условия запроса не подходит ни одна запись.")
    more, page = len(page) > size, page[:size]
    element = _sub(root, verb)
    for record in page:
        if verb == "ListRecords":
            _record(element, record)
        else:
            _header(element, record)
    if not more and after is None:
        return  # the complete list in one response: no resumptionToken at all
    # The size counted at the first request travels in the token: every part of one list tells the same size.
    total = total if total is not None else records.count(selection)
    token = _sub(element, "resumptionToken", completeListSize=str(total), cursor=str(cursor))
    if more:
        last = page[-1]
        token.text = _serializer().dumps({
            "f": selection.start.isoformat() if selection.start else None, "u": selection.end.isoformat(),
            "s": selection.set_spec, "k": last.kind, "i": last.id, "c": cursor + len(page),
            "n": total})


def list_identifiers(root: etree._Element, arguments: dict[str, str], now: datetime) -> None:
    _list(root, arguments, now, "ListIdentifiers")


def list_records(root: etree._Element, arguments: dict[str, str], now: datetime) -> None:
    _list(root, arguments, now, "ListRecords")


HANDLERS = {
    "Identify": identify, "ListMetadataFormats": list_metadata_formats, "ListSets": list_sets,
    "GetRecord": get_record, "ListIdentifiers": list_identifiers, "ListRecords": list_records,
}


@bp.route("/oai", methods=["GET", "POST"])
def endpoint():
    now = utcnow()
    root = etree.Element(_q("OAI-PMH"), nsmap={None: OAI_NS, "xsi": XSI_NS})
    root.set(_q("schemaLocation", XSI_NS), f"{OAI_NS} {OAI_SCHEMA}")
    _sub(root, "responseDate", utc(now))
    request_element = _sub(root, "request", url_for("oai.endpoint", _external=True))
    try:
        verb, arguments = _check_arguments(_arguments())
        request_element.set("verb", verb)
        for name, value in arguments.items():
            request_element.set(name, xml_text(value))
        HANDLERS[verb](root, arguments, now)
    except OaiError as error:
        if not error.echoes_arguments:
            request_element.attrib.clear()
        for child in root[2:]:
            root.remove(child)  # a verb that failed halfway leaves nothing behind
        _sub(root, "error", xml_text(error.message), code=error.code)
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(body, mimetype="text/xml", headers={"Cache-Control": "no-store"})
