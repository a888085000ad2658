"""OAI-PMH 2.0 at /oai: every response valid against OAI-PMH.xsd and oai_dc.xsd, every verb and error."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import etree
from sqlalchemy import update

from kb.extensions import db

SCHEMAS = Path(__file__).parent / "schemas" / "oai"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "oai_dc": "http://www.openarchives.org/OAI/2.0/oai_dc/",
      "dc": "http://purl.org/dc/elements/1.1/"}
ENVELOPE = etree.XMLSchema(file=str(SCHEMAS / "harvest.xsd"))
OAI_DC = etree.XMLSchema(file=str(SCHEMAS / "oai_dc.xsd"))


def _validated(body: bytes) -> etree._Element:
    document = etree.fromstring(body)
    assert ENVELOPE.validate(document), ENVELOPE.error_log
    for record in document.iterfind(".//oai_dc:dc", NS):
        assert OAI_DC.validate(etree.ElementTree(record)), OAI_DC.error_log
    return document


def oai(client, query: str | list[tuple[str, str]] | dict, method: str = "get") -> etree._Element:
    """One request (a query string, pairs or a dict); the response checked against the schemas."""
    text = query if isinstance(query, str) else urlencode(query)
    if method == "post":
        response = client.post("/oai", data=text, content_type="application/x-www-form-urlencoded")
    else:
        response = client.get(f"/oai?{text}")
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return _validated(response.data)


def error_code(document: etree._Element) -> str | None:
    error = document.find("oai:error", NS)
    return None if error is None else error.get("code")


def identifiers(document: etree._Element) -> list[str]:
    return [e.text for e in document.iterfind(".//oai:header/oai:identifier", NS)]


def harvest(client, verb: str = "ListIdentifiers", **arguments) -> tuple[list[str], list[etree._Element]]:
    """Follow resumption tokens to the end: every identifier and every response."""
    document = oai(client, {"verb": verb, "metadataPrefix": "oai_dc", **arguments})
    pages = [document]
    found = identifiers(document)
    while (token := document.find(f"oai:{verb}/oai:resumptionToken", NS)) is not None and token.text:
        document = oai(client, {"verb": verb, "resumptionToken": token.text})
        pages.append(document)
        found += identifiers(document)
    return found, pages


def set_datestamp(model, item_id: int, moment: datetime) -> None:
    db.session.execute(update(model).where(model.id == item_id).values(updated_at=moment))
    db.session.commit()


@pytest.fixture
def make_resolution(app):
    """A resolution with one recommendation on a topic; returns its id."""
    from kb.resolutions.models import Recommendation, Resolution
    from kb.vocabularies.models import Region, Topic

    counter = iter(range(1, 100))

    def factory(status: str = "published", topic: str = "olympiads", region: str = "RU-SMO") -> int:
        number = next(counter)
        with app.app_context():
            resolution = Resolution(
                title=f"Резолюция конференции {number}", conference_name="Одарённые дети: региональные модели",
                organiser="Институт развития образования", place="Смоленск", participants_text="около 200",
                date_start=datetime(2023, 3, 24).date(), checksum=f"{number:064d}", status=status,
                regions=[db.session.get(Region, region)])
            resolution.recommendations.append(Recommendation(
                position=0, number="1", text="Обобщить опыт.", topics=[db.session.get(Topic, topic)]))
            db.session.add(resolution)
            db.session.commit()
            return resolution.id

    return factory


def test_identify_describes_the_repository(app, client, make_practice):
    with app.app_context():
        from kb.practices.models import Practice

        first = make_practice("Первая практика")
        make_practice("Вторая практика")
        set_datestamp(Practice, first, datetime(2021, 5, 4, 10, 30, 15, 999))
    document = oai(client, "verb=Identify")
    identify = document.find("oai:Identify", NS)
    assert identify.findtext("oai:repositoryName", namespaces=NS) == "Банк практик"
    assert identify.findtext("oai:baseURL", namespaces=NS) == "http://localhost/oai"
    assert identify.findtext("oai:protocolVersion", namespaces=NS) == "2.0"
    assert identify.findtext("oai:earliestDatestamp", namespaces=NS) == "2021-05-04T10:30:15Z"
    assert identify.findtext("oai:deletedRecord", namespaces=NS) == "persistent"
    assert identify.findtext("oai:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert document.find("oai:request", NS).attrib == {"verb": "Identify"}
    assert document.findtext("oai:responseDate", namespaces=NS).endswith("Z")


def test_identify_describes_identifiers_of_a_named_repository(app, client, make_practice):
    assert oai(client, "verb=Identify").find(".//oai:description", NS) is None  # «localhost» is not a domain
    app.config["OAI_REPOSITORY_IDENTIFIER"] = "bank.iro74.ru"
    with app.app_context():
        practice_id = make_practice()
    description = oai(client, "verb=Identify").find(".//oai:description/id:oai-identifier",
                                                    {**NS, "id": "http://www.openarchives.org/OAI/2.0/oai-identifier"})
    assert [child.text for child in description] == ["oai", "bank.iro74.ru", ":", "oai:bank.iro74.ru:practice/1"]
    identifier = f"oai:bank.iro74.ru:practice/{practice_id}"
    assert identifiers(oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc")) == [identifier]
    found = oai(client, f"verb=GetRecord&identifier={identifier}&metadataPrefix=oai_dc")
    assert error_code(found) is None
    assert identifiers(found) == [identifier]


def test_identify_admin_email_comes_from_the_configuration(app, client):
    app.config["OAI_ADMIN_EMAIL"] = "metodist@iro.example.ru"
    assert oai(client, "verb=Identify").findtext(".//oai:adminEmail", namespaces=NS) == "metodist@iro.example.ru"


def test_list_metadata_formats_with_and_without_identifier(app, client, make_practice):
    with app.app_context():
        published = make_practice()
        draft = make_practice("Черновик", status="draft")
    for query in ("verb=ListMetadataFormats",
                  f"verb=ListMetadataFormats&identifier=oai:localhost:practice/{published}"):
        formats = oai(client, query).findall(".//oai:metadataFormat", NS)
        assert [f.findtext("oai:metadataPrefix", namespaces=NS) for f in formats] == ["oai_dc"]
        assert formats[0].findtext("oai:metadataNamespace", namespaces=NS) == NS["oai_dc"]
    document = oai(client, f"verb=ListMetadataFormats&identifier=oai:localhost:practice/{draft}")
    assert error_code(document) == "idDoesNotExist"


def test_list_sets_by_type_topic_and_region(client):
    document = oai(client, "verb=ListSets")
    sets = {s.findtext("oai:setSpec", namespaces=NS): s.findtext("oai:setName", namespaces=NS)
            for s in document.iterfind(".//oai:set", NS)}
    assert sets["type:practice"] == "Практики"
    assert sets["type:resolution"] == "Резолюции конференций"
    assert sets["region:RU-CHE"] == "Регион: Челябинская область"
    assert sets["topic:research_projects"].startswith("Тема: ")
    assert len([s for s in sets if s.startswith("region:")]) == 91
    # type:practice implies a set «type» (OAI-PMH 2.6): each parent is listed, named, before its sets
    assert (sets["type"], sets["topic"], sets["region"]) == ("Тип материала", "Темы", "Регионы")
    order = list(sets)
    for parent in ("type", "topic", "region"):
        assert order.index(parent) < min(i for i, s in enumerate(order) if s.startswith(f"{parent}:")), parent
    assert error_code(oai(client, "verb=ListSets&resumptionToken=abc")) == "badResumptionToken"


def test_get_record_as_dublin_core(app, client, make_practice):
    with app.app_context():
        practice_id = make_practice(
            "Школьное научное общество в начальной школе", topics=["school_science_society", "research_projects"],
            subjects=["mathematics"], organisation="МАОУ «Лицей № 11»", year=2019,
            annotation="Как организовать ШНО для младших школьников.",
            authors=[("Иванова Анна Петровна", "учитель"), ("Петров Олег Ильич", "методист")])
    document = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{practice_id}&metadataPrefix=oai_dc")
    record = document.find("oai:GetRecord/oai:record", NS)
    header = record.find("oai:header", NS)
    assert header.get("status") is None
    assert header.findtext("oai:identifier", namespaces=NS) == f"oai:localhost:practice/{practice_id}"
    assert sorted(s.text for s in header.iterfind("oai:setSpec", NS)) == [
        "region:RU-CHE", "topic:research_projects", "topic:school_science_society", "type:practice"]

    def dc(name: str) -> list[str]:
        return [e.text for e in record.iterfind(f"oai:metadata/oai_dc:dc/dc:{name}", NS)]

    assert dc("title") == ["Школьное научное общество в начальной школе"]
    assert dc("creator") == ["Иванова Анна Петровна", "Петров Олег Ильич"]
    with app.app_context():
        from kb.vocabularies.models import Subject, Topic

        labels = [db.session.get(Topic, c).label for c in ("school_science_society", "research_projects")]
        labels.append(db.session.get(Subject, "mathematics").name)
    assert sorted(dc("subject")) == sorted(labels)
    assert dc("description") == ["Как организовать ШНО для младших школьников."]
    assert dc("publisher") == ["МАОУ «Лицей № 11»"]
    assert dc("coverage") == ["Челябинская область"]
    assert dc("date") == ["2019"]
    assert dc("type") == ["Text", "Описание педагогической практики"]
    assert dc("identifier") == [f"http://localhost/practices/{practice_id}"]
    assert dc("language") == ["ru"]


def test_get_record_of_a_resolution(app, client, make_resolution):
    resolution_id = make_resolution(topic="olympiads", region="RU-SMO")
    document = oai(client, f"verb=GetRecord&identifier=oai:localhost:resolution/{resolution_id}&metadataPrefix=oai_dc")
    header = document.find(".//oai:header", NS)
    assert [s.text for s in header.iterfind("oai:setSpec", NS)] == ["type:resolution", "topic:olympiads",
                                                                    "region:RU-SMO"]
    assert document.findtext(".//dc:identifier", namespaces=NS) == f"http://localhost/resolutions/{resolution_id}"
    assert document.findtext(".//dc:creator", namespaces=NS) == "Институт развития образования"
    assert document.findtext(".//dc:date", namespaces=NS) == "2023-03-24"
    assert "Смоленская область" in [e.text for e in document.iterfind(".//dc:coverage", NS)]


def test_resumption_tokens_page_through_everything_once(app, client, make_practice, make_resolution):
    app.config["OAI_PAGE_SIZE"] = 2
    with app.app_context():
        practices = [make_practice(f"Практика номер {n}") for n in range(5)]
    resolution = make_resolution()
    expected = [f"oai:localhost:practice/{i}" for i in practices] + [f"oai:localhost:resolution/{resolution}"]
    for verb in ("ListIdentifiers", "ListRecords"):
        found, pages = harvest(client, verb)
        assert found == expected
        tokens = [page.find(f"oai:{verb}/oai:resumptionToken", NS) for page in pages]
        assert [(t.get("cursor"), t.get("completeListSize")) for t in tokens] == [("0", "6"), ("2", "6"), ("4", "6")]
        assert tokens[-1].text is None  # the last part of a list carries an empty token
    # POST (form-encoded, no CSRF token) answers the same as GET
    first = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}, method="post")
    assert identifiers(first) == expected[:2]


def test_paging_is_stable_when_items_change_meanwhile(app, client, make_practice):
    app.config["OAI_PAGE_SIZE"] = 2
    with app.app_context():
        from kb.practices.models import Practice

        ids = [make_practice(f"Практика {n}") for n in range(4)]
        for number, practice_id in enumerate(ids):
            set_datestamp(Practice, practice_id, datetime(2024, 1, 1 + number))
    document = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc")
    token = document.findtext("oai:ListIdentifiers/oai:resumptionToken", namespaces=NS)
    with app.app_context():
        make_practice("Опубликована во время сбора")
        db.session.execute(update(Practice).where(Practice.id == ids[0]).values(title="Переименована"))
        db.session.commit()
    rest = oai(client, {"verb": "ListIdentifiers", "resumptionToken": token})
    assert identifiers(document) + identifiers(rest) == [f"oai:localhost:practice/{i}" for i in ids]
    assert rest.find(".//oai:resumptionToken", NS).get("completeListSize") == "4"


def test_drafts_never_appear_not_even_as_deleted(app, client, make_practice, make_resolution):
    with app.app_context():
        published = make_practice("Опубликованная")
        hidden = [make_practice(f"Статус {status}", status=status) for status in ("draft", "submitted", "returned")]
    make_resolution(status="draft")
    found, pages = harvest(client, "ListRecords")
    assert found == [f"oai:localhost:practice/{published}"]
    assert pages[0].find(".//oai:resumptionToken", NS) is None  # one page: no token at all
    for practice_id in hidden:
        document = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{practice_id}&metadataPrefix=oai_dc")
        assert error_code(document) == "idDoesNotExist"
    app.config["OAI_PAGE_SIZE"] = 1
    with app.app_context():
        make_practice("Ещё одна опубликованная")
    _found, pages = harvest(client)
    assert {p.find(".//oai:resumptionToken", NS).get("completeListSize") for p in pages} == {"2"}


def test_archived_practice_is_reported_deleted(app, client, make_practice, make_user):
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice

    admin_id = make_user("admin")
    with app.app_context():
        practice_id = make_practice("Будет в архиве")
        set_datestamp(Practice, practice_id, datetime(2020, 1, 1))
        services.transition(db.session.get(User, admin_id), db.session.get(Practice, practice_id), "archive")
        db.session.commit()
    identifier = f"oai:localhost:practice/{practice_id}"
    document = oai(client, f"verb=GetRecord&identifier={identifier}&metadataPrefix=oai_dc")
    record = document.find(".//oai:record", NS)
    assert record.find("oai:header", NS).get("status") == "deleted"
    assert record.find("oai:metadata", NS) is None
    # the archiving moved the datestamp: an incremental harvest picks the deletion up
    since = oai(client, "verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01")
    assert identifiers(since) == [identifier]
    assert since.find(".//oai:header", NS).get("status") == "deleted"


def test_from_until_filter_by_datestamp(app, client, make_practice):
    from kb.practices.models import Practice

    with app.app_context():
        old, middle, new = (make_practice(f"Практика {n}") for n in range(3))
        set_datestamp(Practice, old, datetime(2022, 3, 1, 8, 0, 0))
        set_datestamp(Practice, middle, datetime(2023, 6, 15, 12, 30, 45, 500000))
        set_datestamp(Practice, new, datetime(2024, 9, 1, 0, 0, 0))

    def listed(**arguments) -> list[int]:
        document = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", **arguments})
        if error_code(document) == "noRecordsMatch":
            return []
        return [int(i.rsplit("/", 1)[1]) for i in identifiers(document)]

    assert listed(**{"from": "2023-01-01"}) == [middle, new]
    assert listed(until="2023-06-15") == [old, middle]  # until a day includes the whole day
    assert listed(until="2023-06-15T12:30:45Z") == [old, middle]  # …and until a second, that second
    assert listed(until="2023-06-15T12:30:44Z") == [old]
    assert listed(**{"from": "2023-06-15T12:30:45Z", "until": "2023-06-15T12:30:45Z"}) == [middle]
    assert listed(**{"from": "2022-03-02", "until": "2023-06-14"}) == []
    assert listed(until="9999-12-31T23:59:59Z") == [old, middle, new]
    assert listed(**{"from": "0001-01-01", "until": "9999-12-31"}) == [old, middle, new]
    datestamp = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{middle}&metadataPrefix=oai_dc")
    assert datestamp.findtext(".//oai:datestamp", namespaces=NS) == "2023-06-15T12:30:45Z"


def test_set_filtering(app, client, make_practice, make_resolution):
    with app.app_context():
        chelyabinsk = make_practice("Челябинская", region_code="RU-CHE", topics=["olympiads"])
        smolensk = make_practice("Смоленская", region_code="RU-SMO", topics=["research_projects"])
    resolution = make_resolution(topic="olympiads", region="RU-SMO")

    def listed(spec: str) -> list[str]:
        document = oai(client, {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": spec})
        return [] if error_code(document) == "noRecordsMatch" else identifiers(document)

    first, second = f"oai:localhost:practice/{chelyabinsk}", f"oai:localhost:practice/{smolensk}"
    conference = f"oai:localhost:resolution/{resolution}"
    assert listed("type:practice") == [first, second]
    assert listed("type:resolution") == [conference]
    assert listed("topic:olympiads") == [first, conference]
    assert listed("region:RU-SMO") == [second, conference]
    assert listed("region:RU-MOW") == []
    assert listed("topic:no_such_topic") == []


def test_a_parent_set_holds_every_record_of_its_sets(app, client, make_practice, make_resolution, make_user):
    """OAI-PMH 2.6: «topic:olympiads» implies a set «topic»; set=topic was a badArgument. A parent selects the
    records with any of its sets, deleted ones too."""
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice

    admin_id = make_user("admin")
    with app.app_context():
        placed = make_practice("С регионом и темой", region_code="RU-CHE", topics=["olympiads"])
        bare = make_practice("Без региона и тем", region_code=None, topics=[])
        gone = make_practice("Удалённая", region_code="RU-SMO", topics=["research_projects"])
        services.delete_practice(db.session.get(User, admin_id), db.session.get(Practice, gone))
        db.session.commit()
    with_topic = make_resolution(topic="olympiads", region="RU-SMO")
    plain = make_resolution()
    with app.app_context():
        from kb.resolutions.models import Resolution

        resolution = db.session.get(Resolution, plain)
        resolution.regions = []
        resolution.recommendations[0].topics = []
        db.session.commit()

    def listed(spec: str) -> list[str]:
        document = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec})
        return [] if error_code(document) == "noRecordsMatch" else identifiers(document)

    practice = [f"oai:localhost:practice/{i}" for i in (placed, bare, gone)]
    resolution = f"oai:localhost:resolution/{with_topic}"
    assert listed("type") == [*practice, resolution, f"oai:localhost:resolution/{plain}"]
    assert listed("topic") == [practice[0], practice[2], resolution]
    assert listed("region") == [practice[0], practice[2], resolution]
    for spec in ("type:", "topic:", "Topic", "types", "region:RU-CHE:x"):
        assert error_code(oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec})) \
            == "badArgument", spec


def test_renaming_a_topic_moves_the_datestamps_of_the_records_that_have_it(app, client, make_practice,
                                                                           make_resolution, make_user):
    """dc:subject carries the topic's label: a rename changes the metadata, so the datestamps move and an
    incremental harvest gets the new label; the index is told too (its copies carry updated_at as their stamp)."""
    from kb.search.services import sync
    from tests.conftest import csrf_from, sign_in

    with app.app_context():
        published = make_practice("Олимпиадная", topics=["olympiads"])
        archived = make_practice("Олимпиадная в архиве", topics=["olympiads"], status="archived")
        make_practice("Черновик про олимпиады", topics=["olympiads"], status="draft")
        make_practice("Про исследования", topics=["research_projects"])
    resolution = make_resolution(topic="olympiads")
    make_resolution(topic="research_projects")
    before = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{published}&metadataPrefix=oai_dc")
    time.sleep(1.05 - time.time() % 1)  # datestamps are whole seconds: the rename comes in a later one
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    admin = app.test_client()
    sign_in(admin, make_user("admin"))
    url = "/admin/vocabularies/topics/olympiads"
    assert admin.post(url, data={"code": "olympiads", "label": "Олимпиадное движение", "parent": "", "synonyms": "",
                                 "csrf_token": csrf_from(admin, url)}).status_code == 302
    after = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{published}&metadataPrefix=oai_dc")
    assert after.findtext(".//oai:datestamp", namespaces=NS) > before.findtext(".//oai:datestamp", namespaces=NS)
    assert "Олимпиадное движение" in [s.text for s in after.iterfind(".//dc:subject", NS)]
    found, _pages = harvest(client, **{"from": since})
    assert found == [f"oai:localhost:practice/{published}", f"oai:localhost:practice/{archived}",
                     f"oai:localhost:resolution/{resolution}"]
    with app.app_context():
        sync()
    assert app.test_cli_runner().invoke(args=["check-index"]).exit_code == 0
    with client.get("/api/v1/search", query_string={"q": "Олимпиадная"}) as response:
        assert [r["id"] for r in response.json["results"]] == [published]


@pytest.mark.parametrize(("query", "code"), [
    ("", "badVerb"),
    ("verb=Dance", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&page=2", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2023-02-30", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2023-01-01T10:00:00", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2023-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2023-01-01&until=2023-01-02T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=no%20such%20set", "badArgument"),
    ("verb=ListIdentifiers&resumptionToken=abc&metadataPrefix=oai_dc", "badArgument"),
    ("verb=GetRecord&identifier=oai:localhost:practice/1", "badArgument"),
    ("verb=ListIdentifiers&resumptionToken=not-a-token", "badResumptionToken"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=GetRecord&identifier=oai:localhost:practice/999999&metadataPrefix=oai_dc", "idDoesNotExist"),
    # past the largest id a column holds: PostgreSQL refused the query (integer out of range), a 500
    ("verb=GetRecord&identifier=oai:localhost:practice/999999999999999999&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=oai:localhost:resolution/2147483648&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=oai:other.example.org:practice/1&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=practice/1&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2999-01-01", "noRecordsMatch"),
])
def test_protocol_errors(app, client, make_practice, query, code):
    with app.app_context():
        make_practice()
    for method in ("get", "post"):
        document = oai(client, query, method=method)
        assert error_code(document) == code
        assert document.findtext("oai:error", namespaces=NS)  # a message for the harvester's operator
        attributes = document.find("oai:request", NS).attrib
        # badVerb and badArgument echo only the base URL; the others echo the request's arguments
        assert (attributes == {}) == (code in ("badVerb", "badArgument"))


@pytest.mark.parametrize(("arguments", "code"), [
    ({"verb": "ListIdentifiers", "from": "２020-01-01"}, "badArgument"),
    ({"verb": "ListRecords", "from": "٢٠٢٠-01-01", "until": "2099-01-01"}, "badArgument"),
    ({"verb": "ListIdentifiers", "until": "2030-01-01T00:00:0０Z"}, "badArgument"),
    ({"verb": "ListIdentifiers", "from": "2020-01-01\n"}, "badArgument"),
    ({"verb": "ListIdentifiers", "set": "type:practice\n"}, "badArgument"),
    ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc\n"}, "badArgument"),
    ({"verb": "GetRecord", "identifier": "oai:localhost:practice/1٢"}, "idDoesNotExist"),
])
def test_arguments_take_only_ascii_digits_and_no_final_newline(app, client, make_practice, arguments, code):
    """Fullwidth or Arabic-Indic digits in from/until were read as ASCII ones and echoed, against the schema."""
    with app.app_context():
        make_practice(id=12)
    document = oai(client, {"metadataPrefix": "oai_dc"} | arguments)
    assert error_code(document) == code
    assert "\n" not in "".join(document.find("oai:request", NS).attrib.values())


def test_tampered_resumption_token_is_refused(app, client, make_practice):
    app.config["OAI_PAGE_SIZE"] = 1
    with app.app_context():
        make_practice("Первая")
        make_practice("Вторая")
    token = oai(client, "verb=ListRecords&metadataPrefix=oai_dc").findtext(".//oai:resumptionToken", namespaces=NS)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert error_code(oai(client, {"verb": "ListRecords", "resumptionToken": forged})) == "badResumptionToken"
    assert error_code(oai(client, {"verb": "ListRecords", "resumptionToken": token})) is None


def test_text_xml_cannot_carry_is_dropped(app, client, make_practice):
    with app.app_context():
        practice_id = make_practice("Название\x0bс управляющим символом", annotation="Текст\x01 <b>&</b>")
    document = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{practice_id}&metadataPrefix=oai_dc")
    assert document.findtext(".//dc:title", namespaces=NS) == "Названиес управляющим символом"
    assert document.findtext(".//dc:description", namespaces=NS) == "Текст <b>&</b>"


def test_practice_deleted_for_good_stays_reported_deleted(app, client, make_practice, make_user):
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice

    admin_id = make_user("admin")
    with app.app_context():
        kept = make_practice("Остаётся", region_code="RU-SMO")
        gone = make_practice("Будет удалена", region_code="RU-CHE", topics=["olympiads"])
        draft = make_practice("Черновик, тоже удалён", status="draft")
        set_datestamp(Practice, kept, datetime(2020, 1, 1))
        admin = db.session.get(User, admin_id)
        for practice_id in (gone, draft):
            services.delete_practice(admin, db.session.get(Practice, practice_id))
        db.session.commit()
        assert db.session.get(Practice, gone) is None
    identifier = f"oai:localhost:practice/{gone}"
    record = oai(client, f"verb=GetRecord&identifier={identifier}&metadataPrefix=oai_dc").find(".//oai:record", NS)
    header = record.find("oai:header", NS)
    assert header.get("status") == "deleted"
    assert record.find("oai:metadata", NS) is None
    assert sorted(s.text for s in header.iterfind("oai:setSpec", NS)) == ["region:RU-CHE", "topic:olympiads",
                                                                           "type:practice"]
    since = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-01")
    assert identifiers(since) == [identifier]
    assert identifiers(oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=topic:olympiads")) == [identifier]
    assert error_code(oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=region:RU-SMO&from=2025-01-01")) \
        == "noRecordsMatch"
    everything, _pages = harvest(client)
    assert everything == [f"oai:localhost:practice/{kept}", identifier]  # in id order, the draft nowhere
    missing = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{draft}&metadataPrefix=oai_dc")
    assert error_code(missing) == "idDoesNotExist"


def test_a_set_spec_in_another_letter_case_lists_no_deleted_records(app, client, make_practice, make_user):
    """Live records are matched to a set exactly; the deleted ones were matched with LIKE, which ignores the case of
    Latin letters on SQLite: «type:PRACTICE» listed every deleted practice of a set that does not exist."""
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice

    admin_id = make_user("admin")
    with app.app_context():
        make_practice("Остаётся", region_code="RU-CHE", topics=["olympiads"])
        gone = make_practice("Будет удалена", region_code="RU-CHE", topics=["olympiads"])
        services.delete_practice(db.session.get(User, admin_id), db.session.get(Practice, gone))
        db.session.commit()
    for spec in ("type:PRACTICE", "region:ru-che", "topic:OLYMPIADS", "region:RU-CH_", "topic:olympiad_"):
        document = oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec})
        assert error_code(document) == "noRecordsMatch", spec
    for spec in ("type:practice", "region:RU-CHE", "topic:olympiads"):
        found = identifiers(oai(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": spec}))
        assert f"oai:localhost:practice/{gone}" in found, spec


def test_tombstones_page_in_id_order_with_live_records(app, client, make_practice, make_user):
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice

    app.config["OAI_PAGE_SIZE"] = 2
    admin_id = make_user("admin")
    with app.app_context():
        ids = [make_practice(f"Практика {n}") for n in range(6)]
        admin = db.session.get(User, admin_id)
        for practice_id in ids[1::2]:
            services.delete_practice(admin, db.session.get(Practice, practice_id))
        db.session.commit()
    found, pages = harvest(client)
    assert found == [f"oai:localhost:practice/{i}" for i in ids]
    deleted = [h.findtext("oai:identifier", namespaces=NS) for p in pages for h in p.iterfind(".//oai:header", NS)
               if h.get("status") == "deleted"]
    assert deleted == [f"oai:localhost:practice/{i}" for i in ids[1::2]]
    assert {p.find(".//oai:resumptionToken", NS).get("completeListSize") for p in pages} == {"6"}


def test_rest_of_a_list_changed_meanwhile_ends_it_cleanly(app, client, make_practice):
    from kb.practices.models import Practice

    app.config["OAI_PAGE_SIZE"] = 1
    with app.app_context():
        first, second = make_practice("Первая"), make_practice("Вторая")
        set_datestamp(Practice, first, datetime(2024, 1, 1))
        set_datestamp(Practice, second, datetime(2024, 1, 2))
    document = oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2024-12-31")
    token = document.findtext(".//oai:resumptionToken", namespaces=NS)
    with app.app_context():
        set_datestamp(Practice, second, datetime(2025, 1, 1))  # changed: outside the list as it began
    rest = oai(client, {"verb": "ListIdentifiers", "resumptionToken": token})
    assert error_code(rest) == "noRecordsMatch"
    assert oai(client, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-01").findtext(
        ".//oai:identifier", namespaces=NS) == f"oai:localhost:practice/{second}"


def test_a_harvester_over_the_rate_limit_is_told_when_to_retry(app, client):
    """Past OAI_RATE_LIMIT an address gets the protocol's flow control, 503 with Retry-After (GET and POST
    alike); another address is still answered."""
    app.config["OAI_RATE_LIMIT"] = "3 per minute"
    for _ in range(3):
        oai(client, "verb=Identify")
    busy = client.get("/oai?verb=Identify")
    assert busy.status_code == 503
    assert 1 <= int(busy.headers["Retry-After"]) <= 60
    assert re.search(r"Повторите через (\d+ секунд[уы]?|1 минуту)\.", busy.get_data(as_text=True))
    posted = client.post("/oai", data="verb=Identify", content_type="application/x-www-form-urlencoded")
    assert posted.status_code == 503 and "Retry-After" in posted.headers
    other = app.test_client().get("/oai?verb=Identify", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200 and b"<Identify>" in other.data
    assert client.get("/search?q=музей").status_code == 200  # the rest of the site is not limited by it


def test_pages_of_deleted_material_answer_gone(app, client, make_practice, make_resolution, make_user):
    """A link to a practice or resolution deleted for good answered 404 «Такой страницы нет или она ещё не
    опубликована», as if it had never been; a draft deleted unseen still answers 404."""
    from kb.accounts.models import User
    from kb.practices import services
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution
    from kb.resolutions.services import delete_resolution

    admin_id = make_user("admin")
    resolution_id = make_resolution()
    with app.app_context():
        gone = make_practice("Будет удалена")
        draft = make_practice("Черновик", status="draft")
        admin = db.session.get(User, admin_id)
        for practice_id in (gone, draft):
            services.delete_practice(admin, db.session.get(Practice, practice_id))
        delete_resolution(db.session.get(Resolution, resolution_id))
        db.session.commit()
    for url in (f"/practices/{gone}", f"/resolutions/{resolution_id}"):
        with client.get(url) as response:
            assert response.status_code == 410, url
            assert "Материал удалён" in response.get_data(as_text=True)
    for url in (f"/practices/{draft}", "/practices/999999", "/resolutions/999999"):
        with client.get(url) as response:
            assert response.status_code == 404, url
