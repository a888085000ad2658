"""The OpenAPI document and API page, sitemap.xml, robots.txt, schema.org JSON-LD, stable permalinks."""

import json
import re
from urllib.robotparser import RobotFileParser
from xml.etree import ElementTree

from flask import render_template_string
from sqlalchemy import select

from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Resolution
from tests.conftest import bearer

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_openapi_document_covers_every_api_route(app):
    from kb.api.spec import API_BLUEPRINTS

    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules() if rule.endpoint.partition(".")[0] in API_BLUEPRINTS
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routes
    assert ("/api/v1/practices", "POST") in documented
    create = document["paths"]["/api/v1/practices"]["post"]
    assert create["security"] == [{"token": []}]
    assert {"201", "401", "422", "429"} <= set(create["responses"])
    assert create["responses"]["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    # Nullable fields in the 3.1 way.
    assert document["components"]["schemas"]["Practice"]["properties"]["year"]["type"] == ["integer", "null"]


def test_api_page_lists_the_endpoints_and_problem_types(app):
    page = app.test_client().get("/api").get_data(as_text=True)
    assert "POST /api/v1/practices/{practice_id}/transitions" in page
    assert "Создать черновик практики" in page
    assert 'id="problem-409"' in page and 'id="problem-422"' in page
    assert "/api/v1/openapi.json" in page
    home = app.test_client().get("/").get_data(as_text=True)
    assert 'href="/api"' in home  # linked from the footer


def test_problem_type_resolves_to_the_api_page(app):
    client = app.test_client()
    problem = client.get("/api/v1/practices/999").get_json()
    url, anchor = problem["type"].split("#")
    assert url == "http://localhost/api"
    assert f'id="{anchor}"' in client.get("/api").get_data(as_text=True)


def test_sitemap_lists_published_items_only_with_lastmod(app, make_practice):
    with app.app_context():
        published = make_practice("Опубликованная практика", status="published")
        hidden = [make_practice(f"Практика {status}", status=status)
                  for status in ("draft", "submitted", "returned", "archived")]
        db.session.add_all([
            Resolution(title="Опубликованная резолюция", checksum="a" * 64, status="published"),
            Resolution(title="Черновик резолюции", checksum="b" * 64, status="draft"),
        ])
        db.session.commit()
        public_resolution = db.session.scalar(select(Resolution.id).where(Resolution.status == "published"))
        draft_resolution = db.session.scalar(select(Resolution.id).where(Resolution.status == "draft"))
    response = app.test_client().get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    entries = {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
               for url in root.findall("s:url", NS)}
    assert f"http://localhost/practices/{published}" in entries
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", entries[f"http://localhost/practices/{published}"])
    assert f"http://localhost/resolutions/{public_resolution}" in entries
    for pid in hidden:
        assert f"http://localhost/practices/{pid}" not in entries
    assert f"http://localhost/resolutions/{draft_resolution}" not in entries
    text = response.get_data(as_text=True)
    assert "Практика draft" not in text and "Черновик" not in text


def test_openapi_gives_the_page_bounds_the_api_enforces(app):
    """page and per_page had no minimum or maximum, so requests valid by the document (per_page=0) were a 400."""
    app.config["SEARCH_MAX_PAGE"] = 7
    client = app.test_client()
    document = client.get("/api/v1/openapi.json").get_json()
    bounds = {}
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] == "query" and parameter["name"] in ("page", "per_page"):
                bounds[path, parameter["name"]] = (parameter["schema"]["minimum"], parameter["schema"]["maximum"])
    expected = {}
    for path in ("search", "practices", "resolutions", "collections"):
        expected[f"/api/v1/{path}", "page"] = (1, 7 if path == "search" else 100_000)
        expected[f"/api/v1/{path}", "per_page"] = (1, 100)
    assert bounds == expected
    for (path, name), (low, high) in bounds.items():
        for value, status in ((low, 200), (high, 200), (low - 1, 400), (high + 1, 400)):
            assert client.get(path, query_string={name: value}).status_code == status, (path, name, value)


def test_openapi_describes_every_parameter_in_russian(app):
    """The search's type parameter was described in English only («practice, resolution, recommendation»)."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if "description" in parameter:
                    assert re.search("[а-яё]", parameter["description"], re.IGNORECASE), (path, parameter["name"])


def _sitemap_locs(client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    assert root.tag == f"{{{NS['s']}}}urlset"
    return [url.findtext("s:loc", namespaces=NS) for url in root.findall("s:url", NS)]


def test_sitemap_over_the_per_file_limit_becomes_an_index_of_numbered_files(app, make_practice):
    """/sitemap.xml put every URL in one file, past the protocol's 50,000 URLs a sitemap may hold."""
    with app.app_context():
        practices = [make_practice(f"Практика {n}") for n in range(3)]
        make_practice("Черновик", status="draft")
        db.session.add_all([Resolution(title=f"Резолюция {n}", checksum=str(n) * 64, status="published")
                            for n in range(2)])
        db.session.commit()
        resolutions = db.session.scalars(select(Resolution.id).order_by(Resolution.id)).all()
    client = app.test_client()
    everything = _sitemap_locs(client, "/sitemap.xml")  # 5 sections + 3 practices + 2 resolutions fit one file
    assert len(everything) == 10
    assert everything[5:] == ([f"http://localhost/practices/{pid}" for pid in practices]
                              + [f"http://localhost/resolutions/{rid}" for rid in resolutions])
    assert _sitemap_locs(client, "/sitemap-1.xml") == everything

    app.config["SITEMAP_MAX_URLS"] = 3
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    index = ElementTree.fromstring(response.data)
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    files = [entry.findtext("s:loc", namespaces=NS) for entry in index.findall("s:sitemap", NS)]
    assert files == [f"http://localhost/sitemap-{n}.xml" for n in range(1, 5)]
    parts = [_sitemap_locs(client, loc.removeprefix("http://localhost")) for loc in files]
    assert [len(part) for part in parts] == [3, 3, 3, 1]
    assert [loc for part in parts for loc in part] == everything
    for missing in ("/sitemap-0.xml", "/sitemap-5.xml", "/sitemap-99999999999.xml"):
        assert client.get(missing).status_code == 404
    assert "Sitemap: http://localhost/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)

    app.config["SITEMAP_MAX_URLS"] = 10**6  # never past the protocol's 50,000
    assert _sitemap_locs(client, "/sitemap.xml") == everything


def test_robots_points_to_the_sitemap_and_keeps_private_pages_out(app):
    response = app.test_client().get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *" and lines[-2:] == ["Allow: /", "Sitemap: http://localhost/sitemap.xml"]
    for path in ("/admin", "/practices/moderation", "/login", "/profile"):
        assert f"Disallow: {path}" in lines
    # a parser that takes the first matching rule (not RFC 9309's longest) keeps out too
    parser = RobotFileParser()
    parser.parse(lines)
    assert not parser.can_fetch("bot", "http://localhost/admin/users")
    assert not parser.can_fetch("bot", "http://localhost/search/export.csv?q=x")
    assert parser.can_fetch("bot", "http://localhost/practices/1")
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def _robots_allows(lines: list[str], path: str) -> bool:
    """RFC 9309 for the one group «User-agent: *»: the longest matching rule wins, «*» matches any characters,
    «Allow» wins a tie (Python's urllib.robotparser knows no «*»)."""
    best = (-1, True)
    for line in lines:
        field, _, value = line.partition(":")
        value = value.strip()
        if field not in ("Allow", "Disallow") or not value:
            continue
        pattern = "".join(".*" if ch == "*" else re.escape(ch) for ch in value.rstrip("$"))
        pattern += "$" if value.endswith("$") else ""
        if re.match(pattern, path) and (len(value), field == "Allow") > best:
            best = (len(value), field == "Allow")
    return best[1]


def test_robots_keeps_crawlers_off_the_heavy_exports(app, make_practice):
    """Every filtered search page links to exports of up to SEARCH_EXPORT_MAX rows, and a public collection to its
    DOCX and PDF: a crawler following them made heavy requests for nothing it could index."""
    with app.app_context():
        make_practice("Школьное научное общество")
    client = app.test_client()
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    for path in ("/search/export.csv?region=RU-CHE", "/search/export.ris", "/collections/1/export.pdf",
                 "/collections/12/export.docx", "/collections/shared/abc-DEF_1/export.csv"):
        assert not _robots_allows(lines, path), path
    for path in ("/search?region=RU-CHE", "/search/feed", "/collections/1", "/practices/1", "/practices/1/cite.ris"):
        assert _robots_allows(lines, path), path
    page = client.get("/search?region=RU-CHE").get_data(as_text=True)
    links = re.findall(r'<a [^>]*href="[^"]*/search/export\.[a-z]+[^"]*"[^>]*>', page)
    assert len(links) == 2 and all('rel="nofollow"' in link for link in links)


def _jsonld(app, practice_id: int) -> str:
    with app.test_request_context():
        practice = db.session.get(Practice, practice_id)
        return render_template_string('{% include "practices/_jsonld.html" %}', practice=practice)


def test_practice_jsonld(app, make_practice):
    with app.app_context():
        pid = make_practice("Школьное научное общество", organisation="МАОУ «Лицей № 1»",
                            annotation="Как <организовать> ШНО </script> в школе.")
    html = _jsonld(app, pid)
    match = re.fullmatch(r'\s*<script type="application/ld\+json">(.*)</script>\s*', html, re.S)
    assert match, html
    assert "</script>" not in match.group(1) and "<организовать>" not in match.group(1)  # escaped by |tojson
    data = json.loads(match.group(1))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LearningResource"
    assert data["url"] == f"http://localhost/practices/{pid}"
    assert data["name"] == "Школьное научное общество"
    assert data["description"] == "Как <организовать> ШНО </script> в школе."
    assert data["educationalLevel"] == ["Начальное общее образование"]
    assert [(t["@type"], t["termCode"]) for t in data["about"]] == [("DefinedTerm", "research_projects"),
                                                                    ("DefinedTerm", "mathematics")]
    assert all(t["name"] for t in data["about"])
    assert data["spatialCoverage"]["name"] == "Челябинская область"
    assert data["author"][0]["name"] == "Иванова Анна Петровна"
    assert data["author"][0]["affiliation"]["name"] == "МАОУ «Лицей № 1»"


def test_no_jsonld_for_unpublished_practices(app, make_practice):
    with app.app_context():
        pid = make_practice("Черновик", status="draft")
    assert _jsonld(app, pid).strip() == ""


def test_practice_permalink_survives_a_title_change(app, make_user, make_token, make_practice):
    """URLs hold only the id: renaming a practice changes neither its page address nor its API address."""
    methodist = make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        pid = make_practice("Первое название практики")
    client = app.test_client()
    before = client.get(f"/practices/{pid}")
    assert "Первое название практики" in before.get_data(as_text=True)
    renamed = client.patch(f"/api/v1/practices/{pid}", json={"title": "Совсем другое название"},
                           headers=bearer(make_token(methodist)))
    assert renamed.status_code == 200
    assert renamed.get_json()["url"] == f"/practices/{pid}"
    after = client.get(f"/practices/{pid}")
    assert after.status_code == 200
    assert "Совсем другое название" in after.get_data(as_text=True)
    assert f"http://localhost/practices/{pid}" in client.get("/sitemap.xml").get_data(as_text=True)


def test_search_pagination_has_total_and_links(demo_client):
    from urllib.parse import parse_qs, urlsplit

    body = demo_client.get("/api/v1/search?type=practice&region=RU-CHE&per_page=2&page=2").get_json()
    assert body["total"] > 4
    links = body["links"]
    last = -(-body["total"] // 2)
    assert urlsplit(links["self"]).path == "/api/v1/search"
    assert parse_qs(urlsplit(links["next"]).query) == {"type": ["practice"], "region": ["RU-CHE"], "per_page": ["2"],
                                                        "page": ["3"]}
    assert parse_qs(urlsplit(links["prev"]).query)["page"] == ["1"]
    assert parse_qs(urlsplit(links["last"]).query)["page"] == [str(last)]
    following = demo_client.get(links["last"]).get_json()
    assert following["links"]["next"] is None and following["results"]
    assert demo_client.get(links["first"]).get_json()["links"]["prev"] is None
