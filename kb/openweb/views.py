"""sitemap.xml and robots.txt; the JSON-LD of a practice page for its template."""

from __future__ import annotations

from xml.etree import ElementTree

from flask import Blueprint, Response, url_for

from kb.openweb.services import practice_jsonld, sitemap_entries, w3c_datetime
from kb.practices.models import Practice

bp = Blueprint("openweb", __name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages that are private, endless or useless to a search engine.
DISALLOWED = ("/admin", "/practices/moderation", "/practices/new", "/practices/mine", "/login", "/logout",
              "/register", "/profile", "/reset/", "/notifications", "/statistics", "/api/")
_ENDPOINTS = {"practice": ("practices.detail", "practice_id"), "resolution": ("resolutions.detail", "resolution_id")}


@bp.get("/sitemap.xml")
def sitemap():
    urlset = ElementTree.Element("urlset", xmlns=SITEMAP_NS)
    for endpoint in ("main.home", "resolutions.index", "browse.topics", "browse.regions", "browse.levels"):
        ElementTree.SubElement(ElementTree.SubElement(urlset, "url"), "loc").text = url_for(endpoint, _external=True)
    for entry in sitemap_entries():
        endpoint, argument = _ENDPOINTS[entry.kind]
        url = ElementTree.SubElement(urlset, "url")
        ElementTree.SubElement(url, "loc").text = url_for(endpoint, _external=True, **{argument: entry.id})
        ElementTree.SubElement(url, "lastmod").text = w3c_datetime(entry.lastmod)
    body = ElementTree.tostring(urlset, encoding="utf-8", xml_declaration=True)
    return Response(body, mimetype="application/xml")


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {path}" for path in DISALLOWED),
             f"Sitemap: {url_for('.sitemap', _external=True)}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.app_template_global("practice_jsonld")
def practice_jsonld_for_template(practice: Practice) -> dict | None:
    """The schema.org data of a practice page, for templates/practices/_jsonld.html."""
    return practice_jsonld(practice, lambda p: url_for("practices.detail", practice_id=p.id, _external=True))
