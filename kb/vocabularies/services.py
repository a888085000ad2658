"""Loading the vocabularies into the database and reading them back as label maps."""

from __future__ import annotations

import difflib
import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from kb.extensions import db
from kb.vocabularies import data
from kb.vocabularies.data import alphabetical, fold
from kb.vocabularies.models import AddresseeType, EducationLevel, Municipality, Region, Subject, Topic

_V = TypeVar("_V")
TYPE_LABELS = {"practice": "Практики", "resolution": "Резолюции", "recommendation": "Рекомендации"}
# The values of the search's «Экспертиза» filter (a practice's mark, kb.practices.assessments.passed_expertise).
EXPERTISE_LABELS = {"1": "Прошла экспертизу", "0": "Без отметки об экспертизе"}


def _upsert(model: type, key: str, rows: list[dict], update_existing: bool = True) -> int:
    existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
    changed = 0
    for values in rows:
        obj = existing.get(values[key])
        if obj is None:
            db.session.add(model(**values))
            changed += 1
            continue
        if not update_existing:
            continue
        for attr, value in values.items():
            if getattr(obj, attr) != value:
                setattr(obj, attr, value)
                changed += 1
    return changed


def load_vocabularies() -> dict[str, int]:
    """Insert or update every vocabulary from ``kb.vocabularies.data``; returns entries per vocabulary."""
    _upsert(Region, "code", [
        {"code": r["code"], "name": r["name"], "kind": r["kind"], "center": r.get("center"),
         "federal_district": r.get("federal_district"), "okato": r.get("okato"),
         "country": r.get("country", "RU"), "aliases": list(r.get("aliases", [])), "sort_order": i}
        for i, r in enumerate(data.REGIONS)
    ])
    db.session.flush()
    # Municipalities and topics are edited by administrators: a new release adds entries, never overwrites.
    _upsert(Municipality, "code", [
        {"code": m["code"], "name": m["name"], "kind": m["kind"], "region_code": m["region"]}
        for m in _new_municipalities()
    ], update_existing=False)
    _upsert(EducationLevel, "code", [
        {"code": lv["code"], "name": lv["name"], "short": lv["short"], "sort_order": lv["order"]}
        for lv in data.LEVELS
    ])
    _upsert(Subject, "code", [
        {"code": s["code"], "name": s["name"], "sort_order": s.get("order", i)}
        for i, s in enumerate(data.SUBJECTS)
    ])
    known_topics = set(db.session.scalars(select(Topic.code)))
    _upsert(Topic, "code", [
        {"code": t["code"], "label": t["label"], "synonyms": list(t.get("synonyms", [])), "parent_code": None,
         "sort_order": i}
        for i, t in enumerate(data.TOPICS)
    ], update_existing=False)
    db.session.flush()
    for topic in data.TOPICS:
        if topic["code"] not in known_topics:
            db.session.get(Topic, topic["code"]).parent_code = topic.get("parent")
    _upsert(AddresseeType, "code", [
        {"code": a["code"], "label": a["label"], "sort_order": i} for i, a in enumerate(data.ADDRESSEE_TYPES)
    ])
    db.session.flush()
    return {
        "regions": len(data.REGIONS),
        "municipalities": len(data.MUNICIPALITIES),
        "levels": len(data.LEVELS),
        "subjects": len(data.SUBJECTS),
        "topics": len(data.TOPICS),
        "addressee_types": len(data.ADDRESSEE_TYPES),
    }


def _new_municipalities() -> list[data.MunicipalityData]:
    """The shipped municipalities but those an administrator has already added to the region under a code of his
    own: the same name or town up to case, «ё» and the words of its kind («г. Салехард» is «городской округ город
    Салехард», «г. Мурманск» «городской округ город-герой Мурманск», «г. Петрозаводск» the «Петрозаводский
    городской округ» by its town), a town for a town, so that an upgrade gives the region no second entry of it (the
    Троицкий городской округ is not the Троицкий муниципальный район)."""
    def keys(code: str, region: str, name: str, kind: str) -> set[tuple[str, str, bool]]:
        return {(region, _municipality_key(written), kind in _TOWN_KINDS)
                for written in (name, *data.municipality_towns(code, name))}

    shipped = {m["code"] for m in data.MUNICIPALITIES}
    own = set().union(*(keys(code, region, name, kind) for code, name, kind, region in db.session.execute(
        select(Municipality.code, Municipality.name, Municipality.kind, Municipality.region_code))
        if code not in shipped))
    return [m for m in data.MUNICIPALITIES if not keys(m["code"], m["region"], m["name"], m["kind"]) & own]


_TOWN_KINDS = frozenset({"городской округ", "город"})  # the others, a district or a municipal okrug, are land


@dataclass(frozen=True)
class Labels:
    """Code → label maps of every facet vocabulary."""

    type: dict[str, str]
    topic: dict[str, str]
    region: dict[str, str]
    level: dict[str, str]
    subject: dict[str, str]
    municipality: dict[str, str]  # code -> name
    municipality_region: dict[str, str]  # a municipality's code -> its region's code
    expertise: dict[str, str]  # "1"/"0" -> the mark «Прошла экспертизу» or its absence
    spread: dict[str, str]  # spread level code -> label, in the levels' order

    def label(self, field: str, code: str) -> str:
        if field == "year":
            return code
        return getattr(self, field).get(code, code)

    def known(self, field: str, code: str) -> bool:
        if field == "year":
            return code.isascii() and code.isdigit() and len(code) == 4  # "²⁰²⁴" and "٢٠٢٤" are digits to Python
        return code in getattr(self, field)


def _label_map(model: type, label_attr: str) -> dict[str, str]:
    # two columns, not whole objects: every search page reads all four vocabularies
    return dict(db.session.execute(select(model.code, getattr(model, label_attr)).order_by(model.sort_order)).all())


def labels() -> Labels:
    """Vocabulary labels: kept by the process for VOCABULARY_SECONDS (every page needs them, four queries
    cost a search page 2–3 ms), read again at once after a vocabulary change committed in this process;
    the same object for the whole of a request."""
    if "kb_labels" not in g:
        g.kb_labels = cached_vocabulary("labels", lambda: Labels(
            type=dict(TYPE_LABELS),
            topic=_label_map(Topic, "label"),
            region=_label_map(Region, "name"),
            level=_label_map(EducationLevel, "name"),
            subject=_label_map(Subject, "name"),
            **_municipality_maps(),
            expertise=dict(EXPERTISE_LABELS),
            spread={item["code"]: item["label"] for item in data.SPREAD_LEVELS},
        ))
    return g.kb_labels


def _municipality_maps() -> dict[str, dict[str, str]]:
    """The municipalities' names and regions by code."""
    rows = db.session.execute(select(Municipality.code, Municipality.name, Municipality.region_code)).all()
    return {"municipality": {row.code: row.name for row in rows},
            "municipality_region": {row.code: row.region_code for row in rows}}


# Vocabularies change rarely (the admin's pages, `init`, a restore): other processes see a change within
# VOCABULARY_SECONDS; the process that made it, at once.
VOCABULARY_SECONDS = 10.0
_VOCABULARY_MODELS = (Topic, Region, EducationLevel, Subject, Municipality, AddresseeType)
_vocabulary_generation = itertools.count(1)
_generation = 0


def cached_vocabulary(name: str, build: Callable[[], _V]) -> _V:
    """``build()``, remembered by this app for VOCABULARY_SECONDS or until this process commits a change
    to a vocabulary table."""
    store = current_app.extensions.setdefault("kb_vocabulary_cache", {})
    now = time.monotonic()
    cached = store.get(name)
    if cached is not None and cached[0] == _generation and now - cached[1] < VOCABULARY_SECONDS:
        return cached[2]
    value = build()
    store[name] = (_generation, now, value)
    return value


@event.listens_for(Session, "after_flush")
def _note_vocabulary_change(session, _context) -> None:
    if any(isinstance(obj, _VOCABULARY_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["kb_vocabulary_changed"] = True


@event.listens_for(Session, "after_commit")
def _vocabulary_committed(session) -> None:
    global _generation
    if session.info.pop("kb_vocabulary_changed", False):
        _generation = next(_vocabulary_generation)


@event.listens_for(Session, "after_rollback")
def _vocabulary_rolled_back(session) -> None:
    session.info.pop("kb_vocabulary_changed", None)


def find_municipality(region_code: str | None, name: str) -> Municipality | None:
    """The municipality of a region whose name matches ``name`` (ё/е and case folded); failing that, the one the
    «Заполнить по тексту» gazetteer reads in it («г. Копейск», «Копейский ГО», «Агаповский район», «Челябинск»),
    when that is a single municipality of the region."""
    wanted = fold(name)
    query = select(Municipality)
    if region_code:
        query = query.where(Municipality.region_code == region_code)
    candidates = list(db.session.scalars(query))
    for m in candidates:
        if fold(m.name) == wanted:
            return m
    for m in candidates:  # "Копейский" for "Копейский городской округ", "Смоленск" for "город Смоленск"
        folded = fold(m.name)
        if folded.startswith(wanted + " ") or folded.endswith(" " + wanted):
            return m
    # «г. Ставрополь» for «городской округ город Ставрополь»: the same name without the words of its kind, when
    # only one of the region's municipalities has it (the gazetteer below reads «Ставрополь» as the region too)
    key = _municipality_key(name)
    keyed = [m for m in candidates if key and _municipality_key(m.name) == key]
    if len(keyed) == 1:
        return keyed[0]
    from kb.suggestions.services import municipality_gazetteer  # it reads the vocabularies: imported when needed

    by_code = {m.code: m for m in candidates}
    found = {code for code in municipality_gazetteer().find_regions(name) if code in by_code}
    return by_code[found.pop()] if len(found) == 1 else None


# The kind of a municipality, not its name: «Агаповский район» and «Агаповский муниципальный район» differ only here,
# «город-герой Мурманск» and «г. Мурманск» too.
_MUNICIPALITY_KIND_WORDS = frozenset({
    "г", "город", "городской", "городского", "округ", "округа", "го", "муниципальный", "муниципального", "район",
    "района", "мр", "мо", "рп", "пгт", "пос", "поселок", "село", "с", "образование", "образования", "герой",
})


def _municipality_key(name: str) -> str:
    return " ".join(w for w in re.split(r"[\s.,()«»\"-]+", fold(name)) if w and w not in _MUNICIPALITY_KIND_WORDS)


def municipality_suggestion(region_code: str | None, name: str) -> str | None:
    """The region's municipality whose name ``name`` most likely misspells («Агаповкий район» → «Агаповский
    муниципальный район»), compared without the words of a municipality's kind; None when none is close."""
    if not region_code:
        return None
    names = list(db.session.scalars(select(Municipality.name).where(Municipality.region_code == region_code)))
    keys = {}
    for known in names:
        keys.setdefault(_municipality_key(known), known)
    wanted = _municipality_key(name)
    close = difflib.get_close_matches(wanted, [k for k in keys if k], n=1, cutoff=0.8) if wanted else []
    return keys[close[0]] if close else None


OTHER_COUNTRIES = "Другие страны"  # the group of the regions without a federal district (Kazakhstan, Kyrgyzstan)


@dataclass(frozen=True)
class BrowseEntry:
    code: str
    label: str
    count: int
    group: str = ""


# Published practices per entry are a GROUP BY over every published practice (0.2–0.3 s at 100,000 practices) that
# the home page, /topics, /levels and /regions read on every request: made again only when the outbox shows a
# practice changed (its status, its topics, levels or region, its removal), in any process, or after
# BROWSE_COUNT_SECONDS (kb.search.outbox.made_since_last_change).
BROWSE_COUNT_SECONDS = 60.0


def _published_counts(field: str) -> dict[str | None, int]:
    from sqlalchemy import func

    from kb.practices.models import Practice, practice_level, practice_topic
    from kb.search.outbox import made_since_last_change

    def count() -> dict[str | None, int]:
        published = Practice.status == "published"
        if field == "region":
            query = select(Practice.region_code, func.count()).where(published).group_by(Practice.region_code)
        else:
            code = practice_topic.c.topic_code if field == "topic" else practice_level.c.level_code
            query = select(code, func.count()).join(Practice).where(published).group_by(code)
        return dict(db.session.execute(query).all())

    return made_since_last_change("kb_browse_counts", field, count, BROWSE_COUNT_SECONDS)


def browse_counts(field: str) -> list[BrowseEntry]:
    """Published practices per topic, region or level, every vocabulary entry listed."""
    if field not in ("topic", "level", "region"):
        raise ValueError(field)
    counts = _published_counts(field)
    if field == "topic":
        entries = [BrowseEntry(t.code, t.label, counts.get(t.code, 0)) for t in
                   db.session.scalars(select(Topic).order_by(Topic.sort_order))]
        return sorted(entries, key=lambda e: (-e.count, alphabetical(e.label)))
    if field == "level":
        return [BrowseEntry(lv.code, lv.name, counts.get(lv.code, 0)) for lv in
                db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order))]
    return [BrowseEntry(r.code, r.name, counts.get(r.code, 0), r.federal_district or OTHER_COUNTRIES)
            for r in db.session.scalars(select(Region).order_by(Region.sort_order))]


@dataclass(frozen=True)
class RegionOverview:
    """/regions: the regions with published practices by federal district (the districts in alphabetical order, then
    other countries; a district without such a region left out), and those without any, in alphabetical order."""

    districts: list[tuple[str, list[BrowseEntry]]]
    without_practices: list[BrowseEntry]

    @property
    def with_practices(self) -> int:
        return sum(len(entries) for _, entries in self.districts)


def region_overview() -> RegionOverview:
    """The regions split by whether they have a published practice (drafts and submissions do not count)."""
    entries = browse_counts("region")
    counted = sorted((e for e in entries if e.count), key=lambda e: (e.group == OTHER_COUNTRIES, alphabetical(e.group)))
    districts = [(name, list(items)) for name, items in itertools.groupby(counted, key=lambda e: e.group)]
    without = sorted((e for e in entries if not e.count), key=lambda e: alphabetical(e.label))
    return RegionOverview(districts, without)


@dataclass(frozen=True)
class RegionMunicipalities:
    """A region's published practices: all of them, and those of each of its municipalities (``entries``, the
    municipalities with none left out, in Russian alphabetical order)."""

    region: Region
    total: int
    entries: list[BrowseEntry]
    listed: bool  # whether the vocabulary has any municipality of the region (the federal cities have none)

    @property
    def without_municipality(self) -> int:
        return self.total - sum(entry.count for entry in self.entries)


def region_municipalities(region: Region) -> RegionMunicipalities:
    """The published practices of ``region`` per municipality of the region: what the search finds with the region
    and the municipality chosen (a practice naming another region's municipality is of neither)."""
    from sqlalchemy import func

    from kb.practices.models import Practice
    from kb.search.outbox import made_since_last_change

    def count() -> tuple[int, list[tuple[str, str, int]]]:
        published = (Practice.status == "published") & (Practice.region_code == region.code)
        total = db.session.scalar(select(func.count()).select_from(Practice).where(published)) or 0
        rows = db.session.execute(
            select(Municipality.code, Municipality.name, func.count())
            .join(Practice, Practice.municipality_id == Municipality.id)
            .where(published, Municipality.region_code == region.code)
            .group_by(Municipality.code, Municipality.name)).all()
        return total, [tuple(row) for row in rows]

    total, rows = made_since_last_change("kb_browse_counts", ("municipality", region.code), count,
                                         BROWSE_COUNT_SECONDS)
    entries = [BrowseEntry(code, name, number) for code, name, number in rows]
    listed = entries or db.session.scalar(select(Municipality.id).where(Municipality.region_code == region.code)
                                          .limit(1)) is not None
    return RegionMunicipalities(region, total, sorted(entries, key=lambda e: alphabetical(e.label)), bool(listed))


def regions_with_municipal_practices() -> set[str]:
    """The regions with a published practice that names one of the region's municipalities."""
    from kb.practices.models import Practice
    from kb.search.outbox import made_since_last_change

    def count() -> set[str]:
        return set(db.session.scalars(
            select(Practice.region_code).distinct().join(Municipality, Municipality.id == Practice.municipality_id)
            .where(Practice.status == "published", Municipality.region_code == Practice.region_code)))

    return made_since_last_change("kb_browse_counts", "municipal_regions", count, BROWSE_COUNT_SECONDS)


def topic_with_label(label: str, other_than: str | None = None) -> Topic | None:
    """The topic whose label is ``label`` up to case, ё/е and spaces (but the topic ``other_than``): two such
    labels are one entry twice in the facet, the practice form, /topics and a registry's «Темы» column."""
    wanted = fold(label)
    return next((t for t in db.session.scalars(select(Topic).order_by(Topic.sort_order))
                 if t.code != other_than and fold(t.label) == wanted), None)


def topic_descendants(code: str) -> set[str]:
    """The codes of the narrower topics of ``code``, at any depth."""
    children: dict[str | None, list[str]] = {}
    for child, parent in db.session.execute(select(Topic.code, Topic.parent_code)):
        children.setdefault(parent, []).append(child)
    found: set[str] = set()
    stack = [code]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


@dataclass(frozen=True)
class TopicUses:
    """What refers to a topic: while anything does, it cannot be deleted."""

    practices: int
    resolutions: int  # resolutions that discuss it (their own topics)
    recommendations: int
    narrower: int
    versions: int

    @property
    def total(self) -> int:
        return self.practices + self.resolutions + self.recommendations + self.narrower + self.versions


def topic_uses(code: str) -> TopicUses:
    from sqlalchemy import String, cast, func

    from kb.practices.models import PracticeVersion, practice_topic
    from kb.resolutions.models import recommendation_topic, resolution_topic

    def count(query) -> int:
        return db.session.scalar(query) or 0

    return TopicUses(
        practices=count(select(func.count()).select_from(practice_topic).where(practice_topic.c.topic_code == code)),
        recommendations=count(select(func.count()).select_from(recommendation_topic)
                              .where(recommendation_topic.c.topic_code == code)),
        resolutions=count(select(func.count()).select_from(resolution_topic)
                          .where(resolution_topic.c.topic_code == code)),
        narrower=count(select(func.count()).select_from(Topic).where(Topic.parent_code == code)),
        # the earlier versions in practices' histories name their topics by code (a code is [a-z0-9_])
        versions=count(select(func.count()).select_from(PracticeVersion)
                       .where(cast(PracticeVersion.snapshot, String).contains(f'"{code}"', autoescape=True))),
    )


def touch_topic_items(code: str) -> None:
    """A topic's label is in the metadata of the practices and resolutions that have it (OAI-PMH dc:subject,
    JSON-LD, the sitemap): after a rename, the ``updated_at`` of those the public sees moves, so that OAI
    datestamps, ``lastmod`` and ETags change and an incremental harvest gets the new label, and the index is told
    (its copy of a practice carries ``updated_at`` as the stamp of its snippets). Two bulk UPDATEs and two
    INSERT … SELECTs, whatever the number of practices."""
    from sqlalchemy import update

    from kb.oai.records import PRACTICE_STATUSES
    from kb.practices.models import Practice, practice_topic
    from kb.resolutions.models import Recommendation, Resolution, recommendation_topic, resolution_topic
    from kb.search import outbox
    from kb.timeutil import utcnow

    now = utcnow()
    practices = Practice.status.in_(PRACTICE_STATUSES) & Practice.id.in_(
        select(practice_topic.c.practice_id).where(practice_topic.c.topic_code == code))
    resolutions = (Resolution.status == "published") & (Resolution.id.in_(
        select(Recommendation.resolution_id).join(
            recommendation_topic, recommendation_topic.c.recommendation_id == Recommendation.id)
        .where(recommendation_topic.c.topic_code == code)) | Resolution.id.in_(
        select(resolution_topic.c.resolution_id).where(resolution_topic.c.topic_code == code)))
    db.session.execute(update(Practice).where(practices).values(updated_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Resolution).where(resolutions).values(updated_at=now)
                       .execution_options(synchronize_session=False))
    outbox.record_selected("practice", select(Practice.id).where(practices))
    outbox.record_selected("resolution", select(Resolution.id).where(resolutions))
