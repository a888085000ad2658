"""What search engines get: the published URLs with their dates, and schema.org JSON-LD of a practice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal_column, select, union_all

from kb.extensions import db
from kb.practices.licences import licence
from kb.practices.models import Practice
from kb.resolutions.models import Resolution


@dataclass(frozen=True)
class SitemapEntry:
    """One URL of the sitemap and when its content last changed."""

    kind: str
    id: int
    lastmod: datetime


_KINDS = ("practice", "resolution")


def sitemap_size() -> int:
    """How many practices and resolutions the sitemap lists (one query)."""
    practices = select(func.count()).select_from(Practice).where(Practice.status == "published").scalar_subquery()
    resolutions = (select(func.count()).select_from(Resolution).where(Resolution.status == "published")
                   .scalar_subquery())
    return sum(db.session.execute(select(practices, resolutions)).one())


def sitemap_entries(offset: int = 0, limit: int | None = None) -> list[SitemapEntry]:
    """Published practices and resolutions only: drafts, submissions and archives never reach a crawler.

    All practices by id, then all resolutions by id; ``offset``/``limit`` cut one sitemap file out of that
    list in one query, reading only ids and dates.
    """
    practices = (select(literal_column("0").label("kind"), Practice.id.label("id"),
                        Practice.updated_at.label("updated_at"), Practice.published_at.label("published_at"))
                 .where(Practice.status == "published"))
    resolutions = (select(literal_column("1").label("kind"), Resolution.id.label("id"),
                          Resolution.updated_at.label("updated_at"), Resolution.updated_at.label("published_at"))
                   .where(Resolution.status == "published"))
    rows = union_all(practices, resolutions).order_by("kind", "id").offset(offset).limit(limit)
    return [SitemapEntry(_KINDS[kind], item_id, max(updated_at, published_at or updated_at))
            for kind, item_id, updated_at, published_at in db.session.execute(rows)]


def w3c_datetime(moment: datetime) -> str:
    """A naive UTC timestamp in the W3C format sitemaps use."""
    return moment.replace(microsecond=0).isoformat() + "+00:00"


def practice_jsonld(practice: Practice, url_for_practice: Callable[[Practice], str]) -> dict | None:
    """schema.org LearningResource of a published practice (None for anything unpublished)."""
    if practice.status != "published":
        return None
    terms = licence(practice.licence)
    organisation = (
        {"@type": "EducationalOrganization", "name": practice.organisation} if practice.organisation else None)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "LearningResource",
        "@id": url_for_practice(practice),
        "url": url_for_practice(practice),
        "name": practice.title,
        "description": practice.annotation or None,
        "inLanguage": "ru",
        "isAccessibleForFree": True,
        "learningResourceType": "Описание педагогической практики",
        "author": [
            {"@type": "Person", "name": a.name, "jobTitle": a.position or None, "affiliation": organisation}
            for a in practice.authors
        ] or organisation,
        "educationalLevel": [level.name for level in practice.levels],
        "about": [{"@type": "DefinedTerm", "name": t.label, "termCode": t.code} for t in practice.topics]
                 + [{"@type": "DefinedTerm", "name": s.name, "termCode": s.code} for s in practice.subjects],
        "spatialCoverage": _place(practice),
        "datePublished": practice.published_at.date().isoformat() if practice.published_at else None,
        "dateModified": practice.updated_at.date().isoformat(),
        "temporalCoverage": str(practice.year) if practice.year else None,
        # the URL of a Creative Commons licence, as search engines read it; all rights reserved as a named work
        "license": terms["url"] or {"@type": "CreativeWork", "name": terms["label"]},
    }
    return _without_empty(data)


def _place(practice: Practice) -> dict | None:
    if practice.region is None:
        return None
    region = {"@type": "AdministrativeArea", "name": practice.region.name, "identifier": practice.region.code}
    if practice.municipality is not None:
        return {"@type": "AdministrativeArea", "name": practice.municipality.name, "containedInPlace": region}
    return region


def _without_empty(value):
    """Drop None, empty strings and empty lists, at any depth: schema.org readers prefer absent to empty."""
    if isinstance(value, dict):
        cleaned = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [v for v in (_without_empty(item) for item in value) if v not in (None, "", [], {})]
    return value
