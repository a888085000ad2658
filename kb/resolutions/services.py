"""Importing and publishing conference resolutions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.resolutions.models import Recommendation, Resolution
from kb.resolutions.parser import Gazetteer, ParsedResolution, extract_text, parse_resolution
from kb.vocabularies import data as vocabulary_data
from kb.vocabularies.models import AddresseeType, Region, Topic
from kb.vocabularies.topics import suggest_topics


@dataclass
class ImportReport:
    """What one import found and did."""

    resolution: Resolution
    parsed: ParsedResolution
    created: bool


@cache
def gazetteer() -> Gazetteer:
    """The region gazetteer built from the vocabulary data (built once per process)."""
    return Gazetteer.from_regions(vocabulary_data.REGIONS, vocabulary_data.classify_addressee)


def import_resolution_file(path: Path, publish: bool = False, is_demo: bool = False) -> ImportReport:
    """Read, parse and store a resolution file (see parser.SUPPORTED_EXTENSIONS); raises ResolutionFormatError."""
    return import_resolution_text(extract_text(path), path.name, publish=publish, is_demo=is_demo)


def import_resolution_text(
    text: str, source_name: str, publish: bool = False, is_demo: bool = False
) -> ImportReport:
    """Store a resolution parsed from ``text``; the same text imported again finds the same resolution."""
    parsed = parse_resolution(text, gazetteer())
    checksum = hashlib.sha256(parsed.full_text.encode("utf-8")).hexdigest()
    existing = db.session.scalar(select(Resolution).where(Resolution.checksum == checksum))
    if existing is not None:
        if publish and existing.status != "published":
            existing.status = "published"
        db.session.flush()
        return ImportReport(existing, parsed, created=False)

    known_types = set(db.session.scalars(select(AddresseeType.code)))
    regions = [r for code in parsed.region_codes if (r := db.session.get(Region, code)) is not None]
    resolution = Resolution(
        title=parsed.title or source_name,
        conference_name=parsed.conference_name or "",
        date_start=parsed.date_start,
        date_end=parsed.date_end,
        place=parsed.place or "",
        organiser=parsed.organiser or "",
        format=parsed.format,
        participants_count=parsed.participants_count,
        participants_text=parsed.participants_text or "",
        full_text=parsed.full_text,
        source_name=source_name,
        checksum=checksum,
        status="published" if publish else "draft",
        is_demo=is_demo,
        regions=regions,
    )
    topics_by_code = {t.code: t for t in db.session.scalars(select(Topic))}
    for position, item in enumerate(parsed.recommendations):
        resolution.recommendations.append(Recommendation(
            position=position,
            number=item.number,
            addressee=item.addressee,
            addressee_type_code=item.addressee_type if item.addressee_type in known_types else None,
            text=item.text,
            topics=[topics_by_code[c] for c in suggest_topics(item.text) if c in topics_by_code],
        ))
    db.session.add(resolution)
    db.session.flush()
    return ImportReport(resolution, parsed, created=True)


def get_public_resolution(resolution_id: int) -> Resolution | None:
    """A published resolution with its recommendations, or None."""
    return db.session.scalar(
        select(Resolution).where(Resolution.id == resolution_id, Resolution.status == "published")
        .options(selectinload(Resolution.regions),
                 selectinload(Resolution.recommendations).selectinload(Recommendation.topics),
                 selectinload(Resolution.recommendations).selectinload(Recommendation.addressee_type))
    )


def get_public_recommendation(recommendation_id: int) -> Recommendation | None:
    """A recommendation of a published resolution, or None."""
    return db.session.scalar(
        select(Recommendation).join(Recommendation.resolution)
        .where(Recommendation.id == recommendation_id, Resolution.status == "published")
    )


def public_resolutions(page: int, per_page: int):
    """Published resolutions, newest conference first, paginated."""
    query = (select(Resolution).where(Resolution.status == "published")
             .order_by(Resolution.date_start.desc().nulls_last(), Resolution.id.desc())
             .options(selectinload(Resolution.recommendations)))  # the list shows how many each has
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def resolution_to_json(resolution: Resolution, url_for_recommendation) -> dict:
    """The API representation of a published resolution with its recommendations."""
    return {
        "id": resolution.id,
        "type": "resolution",
        "title": resolution.title,
        "conference_name": resolution.conference_name,
        "date_start": resolution.date_start.isoformat() if resolution.date_start else None,
        "date_end": resolution.date_end.isoformat() if resolution.date_end else None,
        "place": resolution.place,
        "organiser": resolution.organiser,
        "format": resolution.format,
        "participants_count": resolution.participants_count,
        "participants_text": resolution.participants_text,
        "regions": [{"code": r.code, "label": r.name} for r in resolution.regions],
        "is_demo": resolution.is_demo,
        "recommendations": [
            {
                "id": rec.id,
                "number": rec.number,
                "addressee_type": rec.addressee_type_code,
                "addressee_type_label": rec.addressee_type.label if rec.addressee_type else None,
                "addressee": rec.addressee,
                "text": rec.text,
                "topics": [{"code": t.code, "label": t.label} for t in rec.topics],
                "url": url_for_recommendation(rec),
            }
            for rec in resolution.recommendations
        ],
    }
