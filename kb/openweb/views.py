"""sitemap.xml and robots.txt; the JSON-LD of a practice page for its template."""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree

from flask import Blueprint, Response, abort, current_app, url_for

from kb.openweb.services import SitemapEntry, practice_jsonld, sitemap_entries, sitemap_size, w3c_datetime
from kb.practices.models import Practice

bp = Blueprint("openweb", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages that are private, endless or useless to a search engine; and the exports, heavy to make and no page to
# index: a search's (up to SEARCH_EXPORT_MAX rows, linked from every filtered search page) and a collection's
# (DOCX, PDF…; «*» is RFC 9309's wildcard, which the big search engines follow).
DISALLOWED = ("/admin", "/practices/moderation", "/practices/new", "/practices/mine", "/login", "/logout",
              "/register", "/profile", "/reset/", "/notifications", "/statistics", "/api/", "/search/export.",
              "/collections/*/export.")
# The site's sections, first in the sitemap; then every published practice and resolution.
SECTIONS = ("main.home", "resolutions.index", "browse.topics", "browse.regions", "browse.levels")
# The sitemaps protocol: at most 50,000 URLs (and 50 MB; ours stay under 10 MB) in one file.
PROTOCOL_MAX_URLS = 50_000
_ENDPOINTS = {"practice": ("practices.detail", "practice_id"), "resolution": ("resolutions.detail", "resolution_id")}


@bp.get("/sitemap.xml")
def sitemap():
    """All URLs in one file while they fit; past SITEMAP_MAX_URLS a sitemap index of numbered files."""
    limit = _urls_per_file()
    total = len(SECTIONS) + sitemap_size()
    if total <= limit:
        return _urlset(SECTIONS, sitemap_entries())
    index = ElementTree.Element("sitemapindex", xmlns=SITEMAP_NS)
    for number in range(1, -(-total // limit) + 1):
        loc = url_for(".sitemap_file", number=number, _external=True)
        ElementTree.SubElement(ElementTree.SubElement(index, "sitemap"), "loc").text = loc
    return _xml(index)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_file(number: int):
    """One file of the index: URLs (number-1)·limit … number·limit-1 of the whole list, in one query."""
    limit = _urls_per_file()
    start = (number - 1) * limit
    if number < 1 or (start and start >= len(SECTIONS) + sitemap_size()):
        abort(404)
    sections = SECTIONS[start:start + limit]
    offset = max(0, start - len(SECTIONS))
    return _urlset(sections, sitemap_entries(offset, limit - len(sections)))


def _urls_per_file() -> int:
    """SITEMAP_MAX_URLS, within the protocol's 50,000 URLs a file."""
    return min(max(1, int(current_app.config["SITEMAP_MAX_URLS"])), PROTOCOL_MAX_URLS)


def _urlset(sections: Iterable[str], entries: Iterable[SitemapEntry]) -> Response:
    urlset = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    for endpoint in sections:
        ElementTree.SubElement(ElementTree.SubElement(urlset, "url"), "loc").text = url_for(endpoint, _external=True)
    for entry in entries:
        endpoint, argument = _ENDPOINTS[entry.kind]
        url = ElementTree.SubElement(urlset, "url")
        ElementTree.SubElement(url, "loc").text = url_for(endpoint, _external=True, **{argument: entry.id})
        ElementTree.SubElement(url, "lastmod").text = w3c_datetime(entry.lastmod)
    return _xml(urlset)


def _xml(root: ElementTree.Element) -> Response:
    return Response(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    # «Allow: /» last: RFC 9309 takes the longest matching rule, but older parsers (Python's urllib.robotparser
    # among them) the first, for which «Allow: /» first allowed everything
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /",
             f"Sitemap: {url_for('.sitemap', _external=True)}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.app_template_global("practice_jsonld")
def practice_jsonld_for_template(practice: Practice) -> dict | None:
    """The schema.org data of a practice page, for templates/practices/_jsonld.html."""
    return practice_jsonld(practice, lambda p: url_for("practices.detail", practice_id=p.id, _external=True))
