"""What the repository holds for OAI-PMH: records, their datestamps and sets, and their Dublin Core.

A record is a published practice or resolution. An archived practice (hidden, not deleted) stays a record
with the status «deleted», and so does, through its tombstone, an item an administrator deleted for good;
drafts, submissions and returned practices are not records at all. The datestamp is the item's
``updated_at``, which every change of content or status moves forward (a tombstone's: the deletion time).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import selectinload

from kb.extensions import db
from kb.oai.models import OaiTombstone
from kb.practices.licences import rights_statement
from kb.practices.models import Practice, practice_topic
from kb.resolutions.models import (
    Recommendation,
    Resolution,
    recommendation_topic,
    resolution_region,
    resolution_topic,
)
from kb.resolutions.services import regions_host_first
from kb.textclean import xml_text
from kb.vocabularies.models import Region, Topic

KINDS = ("practice", "resolution")  # the order of every list: all practices by id, then all resolutions
PRACTICE_STATUSES = ("published", "archived")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A set of one kind, topic or region (type:practice), or the whole group of them (type): OAI-PMH's setSpecs are
# hierarchical, and a colon says the part before it is a set too (section 2.6)
_SET_SPEC = re.compile(r"^(type|topic|region)(?::([A-Za-z0-9\-_.!~*'()]+))?\Z")
PARENT_SETS = {"type": "Тип материала", "topic": "Темы", "region": "Регионы"}


@dataclass(frozen=True)
class SetSpec:
    """A set: every practice/resolution («type:»), a topic of the thesaurus, a region; or a parent of them
    («type», «topic», «region»)."""

    spec: str
    name: str


@dataclass
class Record:
    """One item as a harvester sees it."""

    kind: str
    id: int
    datestamp: datetime
    deleted: bool
    sets: list[str]
    item: Practice | Resolution | None  # None for a tombstone


@dataclass(frozen=True)
class Selection:
    """The arguments of a list request: datestamp range [start, end) and a set."""

    start: datetime | None = None
    end: datetime | None = None  # exclusive
    set_spec: str | None = None


def all_sets() -> list[SetSpec]:
    """Every set: the two kinds, then topics in thesaurus order, then regions in list order, each group after
    its parent set (``type:practice`` implies a set ``type``, which harvesters look for in the list)."""
    sets = [SetSpec("type", PARENT_SETS["type"]), SetSpec("type:practice", "Практики"),
            SetSpec("type:resolution", "Резолюции конференций"), SetSpec("topic", PARENT_SETS["topic"])]
    sets += [SetSpec(f"topic:{code}", f"Тема: {label}")
             for code, label in db.session.execute(select(Topic.code, Topic.label).order_by(Topic.sort_order))]
    sets.append(SetSpec("region", PARENT_SETS["region"]))
    sets += [SetSpec(f"region:{code}", f"Регион: {name}")
             for code, name in db.session.execute(select(Region.code, Region.name).order_by(Region.sort_order))]
    return sets


def valid_set_spec(spec: str) -> bool:
    """Whether ``spec`` has the form of one of our sets (it may still name an unknown topic or region), a parent
    set («topic») included."""
    return _SET_SPEC.match(spec) is not None


def _practice_query(selection: Selection) -> Select:
    query = select(Practice).where(Practice.status.in_(PRACTICE_STATUSES))
    if selection.start is not None:
        query = query.where(Practice.updated_at >= selection.start)
    if selection.end is not None:
        query = query.where(Practice.updated_at < selection.end)
    if selection.set_spec:
        kind, _, value = selection.set_spec.partition(":")
        if kind == "type" and value not in ("", "practice"):
            return query.where(Practice.id.is_(None))
        if kind == "topic":  # «topic» alone: a practice with any topic
            query = query.where(exists().where(practice_topic.c.practice_id == Practice.id,
                                               *([practice_topic.c.topic_code == value] if value else [])))
        if kind == "region":
            query = query.where(Practice.region_code == value if value else Practice.region_code != "")
    return query


def _resolution_query(selection: Selection) -> Select:
    query = select(Resolution).where(Resolution.status == "published")
    if selection.start is not None:
        query = query.where(Resolution.updated_at >= selection.start)
    if selection.end is not None:
        query = query.where(Resolution.updated_at < selection.end)
    if selection.set_spec:
        kind, _, value = selection.set_spec.partition(":")
        if kind == "type" and value not in ("", "resolution"):
            return query.where(Resolution.id.is_(None))
        if kind == "topic":  # «topic» alone: a resolution with a topic of its own or on any of its recommendations
            query = query.where(or_(
                exists().where(resolution_topic.c.resolution_id == Resolution.id,
                               *([resolution_topic.c.topic_code == value] if value else [])),
                exists().where(
                    Recommendation.resolution_id == Resolution.id,
                    recommendation_topic.c.recommendation_id == Recommendation.id,
                    *([recommendation_topic.c.topic_code == value] if value else []))))
        if kind == "region":
            query = query.where(exists().where(resolution_region.c.resolution_id == Resolution.id,
                                               *([resolution_region.c.region_code == value] if value else [])))
    return query


def _tombstone_query(kind: str, selection: Selection) -> Select:
    """Tombstones of one kind whose id is not in the repository again (SQLite may give a deleted id anew)."""
    model, live = (Practice, Practice.status.in_(PRACTICE_STATUSES)) if kind == "practice" else (
        Resolution, Resolution.status == "published")
    query = select(OaiTombstone).where(OaiTombstone.kind == kind,
                                       ~exists().where(model.id == OaiTombstone.item_id, live))
    if selection.start is not None:
        query = query.where(OaiTombstone.deleted_at >= selection.start)
    if selection.end is not None:
        query = query.where(OaiTombstone.deleted_at < selection.end)
    if selection.set_spec:
        # as exactly as live records are matched: LIKE ignores the case of Latin letters on SQLite, and
        # «type:PRACTICE» or «region:ru-che» listed the deleted records of sets that do not exist;
        # replace() compares exactly in SQLite and PostgreSQL alike; a parent set («topic») is any of its sets
        # (« topic:»)
        spec = selection.set_spec
        wanted = f" {spec} " if ":" in spec else f" {spec}:"
        query = query.where(func.replace(OaiTombstone.sets, wanted, "") != OaiTombstone.sets)
    return query


def deleted_for_good(kind: str, item_id: int) -> bool:
    """Whether a practice or resolution that had been published was deleted from the bank (its page answers
    410 Gone, not 404): a tombstone is left and no row has the id. A draft deleted unseen leaves no tombstone."""
    model = Practice if kind == "practice" else Resolution
    return bool(db.session.scalar(select(
        exists().where(OaiTombstone.kind == kind, OaiTombstone.item_id == item_id)
        & ~exists().where(model.id == item_id))))


def recommendation_deleted_for_good(recommendation_id: int) -> bool:
    """Whether a recommendation went with its resolution, which had been published and was deleted from the bank
    (the permalink answers 410, as the resolution's page does); one removed from a resolution that stays, or a
    draft's, is not found (404)."""
    return bool(db.session.scalar(select(
        exists().where(OaiTombstone.kind == "resolution",
                       OaiTombstone.recommendation_ids.contains(f" {int(recommendation_id)} "),
                       ~exists().where(Resolution.id == OaiTombstone.item_id))
        & ~exists().where(Recommendation.id == recommendation_id))))


def count(selection: Selection) -> int:
    """How many records the selection holds (completeListSize)."""
    queries = (_practice_query(selection), _tombstone_query("practice", selection), _resolution_query(selection),
               _tombstone_query("resolution", selection))
    return sum(db.session.scalar(select(func.count()).select_from(q.subquery())) or 0 for q in queries)


def _live_page(kind: str, selection: Selection, after_id: int, size: int) -> list[Record]:
    if kind == "practice":
        practices = db.session.scalars(
            _practice_query(selection).where(Practice.id > after_id).order_by(Practice.id).limit(size).options(
                selectinload(Practice.topics), selectinload(Practice.subjects), selectinload(Practice.authors),
                selectinload(Practice.region), selectinload(Practice.municipality)))
        return [_practice_record(p) for p in practices]
    resolutions = db.session.scalars(
        _resolution_query(selection).where(Resolution.id > after_id).order_by(Resolution.id).limit(size).options(
            selectinload(Resolution.regions), selectinload(Resolution.topics),
            selectinload(Resolution.recommendations).selectinload(Recommendation.topics)))
    return [_resolution_record(r) for r in resolutions]


def page(selection: Selection, after: tuple[str, int] | None, size: int) -> list[Record]:
    """Up to ``size`` records after the key ``after`` (kind, id), in the stable order of KINDS then id."""
    records: list[Record] = []
    after_kind = KINDS.index(after[0]) if after else -1
    for position, kind in enumerate(KINDS):
        wanted = size - len(records)
        if position < after_kind or wanted <= 0:
            continue
        after_id = after[1] if position == after_kind else 0
        live = _live_page(kind, selection, after_id, wanted)
        gone = [_tombstone_record(t) for t in db.session.scalars(
            _tombstone_query(kind, selection).where(OaiTombstone.item_id > after_id)
            .order_by(OaiTombstone.item_id).limit(wanted))]
        records += sorted(live + gone, key=lambda r: r.id)[:wanted]
    return records


def find(kind: str, item_id: int) -> Record | None:
    """The record of one item, or None when it is not (or never was) in the repository."""
    model = {"practice": Practice, "resolution": Resolution}[kind]
    record = live_record(db.session.get(model, item_id))
    if record is None:
        tombstone = db.session.scalar(select(OaiTombstone).where(OaiTombstone.kind == kind,
                                                                 OaiTombstone.item_id == item_id))
        record = _tombstone_record(tombstone) if tombstone is not None else None
    return record


def live_record(item: object) -> Record | None:
    """The record of a practice or resolution as it stands, or None when it is not in the repository."""
    if isinstance(item, Practice) and item.status in PRACTICE_STATUSES:
        return _practice_record(item)
    if isinstance(item, Resolution) and item.status == "published":
        return _resolution_record(item)
    return None


def earliest_datestamp() -> datetime | None:
    """The oldest datestamp in the repository."""
    moments = [
        db.session.scalar(select(func.min(Practice.updated_at)).where(Practice.status.in_(PRACTICE_STATUSES))),
        db.session.scalar(select(func.min(Resolution.updated_at)).where(Resolution.status == "published")),
        db.session.scalar(select(func.min(OaiTombstone.deleted_at))),
    ]
    moments = [m for m in moments if m is not None]
    return min(moments) if moments else None


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _practice_record(practice: Practice) -> Record:
    sets = ["type:practice", *(f"topic:{t.code}" for t in practice.topics)]
    if practice.region_code:
        sets.append(f"region:{practice.region_code}")
    return Record("practice", practice.id, _second(practice.updated_at), practice.status == "archived", sets,
                  practice)


def _tombstone_record(tombstone: OaiTombstone) -> Record:
    return Record(tombstone.kind, tombstone.item_id, _second(tombstone.deleted_at), True, tombstone.sets.split(), None)


def _resolution_record(resolution: Resolution) -> Record:
    sets = ["type:resolution", *(f"topic:{t.code}" for t in resolution.all_topics),
            *(f"region:{r.code}" for r in resolution.regions)]
    return Record("resolution", resolution.id, _second(resolution.updated_at), False, sets, resolution)


def practice_dc(practice: Practice, permalink: str) -> dict[str, list[str]]:
    """Dublin Core of a practice: authors as creators, topics and school subjects as subjects, the region."""
    creators = [a.name for a in practice.authors] or ([practice.organisation] if practice.organisation else [])
    date = str(practice.year) if practice.year else (practice.published_at or practice.updated_at).date().isoformat()
    coverage = [place.name for place in (practice.region, practice.municipality) if place is not None]
    return _clean({
        "title": [practice.title],
        "creator": creators,
        "subject": [t.label for t in practice.topics] + [s.name for s in practice.subjects],
        "description": [practice.annotation],
        "publisher": [practice.organisation],
        "date": [date],
        "type": ["Text", "Описание педагогической практики"],
        "identifier": [permalink],
        "language": ["ru"],
        "coverage": coverage,
        "rights": [rights_statement(practice.licence)],
    })


def resolution_dc(resolution: Resolution, permalink: str) -> dict[str, list[str]]:
    """Dublin Core of a resolution: the conference, where and when, its own and its recommendations' topics and
    regions."""
    dates = resolution.date_start.isoformat() if resolution.date_start else ""
    if resolution.date_end and resolution.date_end != resolution.date_start:
        dates += f"/{resolution.date_end.isoformat()}"
    about = "; ".join(x for x in (resolution.conference_name, resolution.place, dates.replace("/", " — "),
                                  resolution.participants_text) if x)
    recommendations = len(resolution.recommendations)
    description = f"Резолюция конференции: {about}." if about else "Резолюция конференции."
    if recommendations:
        description += f" Рекомендаций: {recommendations}."
    return _clean({
        "title": [resolution.title],
        "creator": [resolution.organiser or resolution.conference_name],
        "subject": [t.label for t in resolution.all_topics],
        "description": [description],
        "date": [dates],
        "type": ["Text", "Резолюция конференции"],
        "identifier": [permalink],
        "language": ["ru"],
        # the host region first, as on the resolution's page
        "coverage": [r.name for r in regions_host_first(resolution)] + ([resolution.place] if resolution.place else []),
    })


def _clean(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Drop empty values and repeats; strip what XML cannot carry."""
    cleaned = {}
    for name, values in fields.items():
        kept = list(dict.fromkeys(v for v in (" ".join(xml_text(x).split()) for x in values) if v))
        if kept:
            cleaned[name] = kept
    return cleaned


def dublin_core(record: Record, permalink: Callable[[str, int], str]) -> dict[str, list[str]]:
    """The oai_dc fields of a record."""
    url = permalink(record.kind, record.id)
    if record.kind == "practice":
        return practice_dc(record.item, url)  # type: ignore[arg-type]
    return resolution_dc(record.item, url)  # type: ignore[arg-type]


def end_of(moment: datetime, day: bool) -> datetime:
    """The exclusive end of an ``until`` given to the day or to the second (datestamps are whole seconds)."""
    try:
        return moment + (timedelta(days=1) if day else timedelta(seconds=1))
    except OverflowError:  # until=9999-12-31: nothing is later anyway
        return datetime.max
