"""Importing and publishing conference resolutions."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from flask import url_for
from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from indexer.analysis import find_tokens, fold, snowball_term
from kb.accounts.models import User
from kb.extensions import db
from kb.practices import policy
from kb.practices.models import Practice
from kb.practices.services import PermissionDenied
from kb.resolutions.models import Recommendation, Resolution
from kb.resolutions.municipalities import MunicipalityFinder
from kb.resolutions.parser import (
    MAX_RECOMMENDATIONS,
    Gazetteer,
    ParsedResolution,
    ResolutionFormatError,
    extract_text,
    parse_resolution,
)
from kb.templating import plural
from kb.textclean import BULLET_CHARACTERS, clipped, composed, xml_text
from kb.timeutil import utc_json, utcnow
from kb.vocabularies import data as vocabulary_data
from kb.vocabularies.models import AddresseeType, Municipality, Region, Topic
from kb.vocabularies.topics import discussed_topics, suggest_topics


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


def municipality_finder() -> MunicipalityFinder:
    """The municipalities of the vocabulary in the database (administrators add more), to find in a resolution's
    text; built again only when the vocabulary has changed."""
    rows = db.session.execute(select(Municipality.code, Municipality.name, Municipality.kind, Municipality.region_code)
                              .order_by(Municipality.id)).all()
    return _municipality_finder(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=4)
def _municipality_finder(rows: tuple[tuple[str, str, str, str], ...]) -> MunicipalityFinder:
    return MunicipalityFinder.from_rows(
        [{"code": code, "name": name, "kind": kind, "region": region} for code, name, kind, region in rows],
        vocabulary_data.MUNICIPALITY_TOWNS, vocabulary_data.MUNICIPALITY_HOMONYMS, vocabulary_data.FEDERAL_CITIES)


def detect_municipalities(resolution: Resolution) -> tuple[list[Municipality], list[Region]]:
    """The municipalities of the vocabulary a stored resolution's text names (its regions preferred for a name several
    regions share), for a resolution stored before they were looked for, and the regions it gains with them — kept
    by the import's rule (:meth:`MunicipalityFinder.placed`): a town named as a place brings its region, one named
    bare of a region the resolution lacks is left out; nothing is changed."""
    finder = municipality_finder()
    own = [r.code for r in resolution.regions]
    codes, gained = finder.placed(finder.find(resolution.full_text, own), own)
    regions = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(gained)))} if gained else {}
    return _municipalities(codes), [regions[c] for c in gained if c in regions]


def detect_topics(resolution: Resolution) -> list[Topic]:
    """The topics of the thesaurus a stored resolution's full text discusses, as its import finds them, for a
    resolution stored before they were looked for; nothing is changed."""
    return _topics(discussed_topics(resolution.full_text))


def _topics(codes: Iterable[str]) -> list[Topic]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    by_code = {t.code: t for t in db.session.scalars(select(Topic).where(Topic.code.in_(codes)))}
    return sorted((by_code[c] for c in codes if c in by_code), key=lambda t: (t.sort_order, t.code))


def _codes(entries: Iterable[Municipality | Topic]) -> set[str]:
    return {entry.code for entry in entries}


def marked_by_hand(resolution: Resolution, attribute: str) -> bool:
    """Whether a methodist marked the resolution's ``attribute`` («municipalities» or «topics») by hand: changed what
    the parser found in the import preview, or changed them on the edit page. A re-detection
    (`detect-municipalities`, `detect-topics`) leaves such values unless told to replace them too; an import (the
    command, the API, an untouched preview) and a re-detection mark nothing."""
    return bool(getattr(resolution, f"{attribute}_by_hand"))


def _municipalities(codes: Iterable[str]) -> list[Municipality]:
    codes = list(dict.fromkeys(codes))
    if not codes:
        return []
    by_code = {m.code: m for m in db.session.scalars(select(Municipality).where(Municipality.code.in_(codes)))}
    return [by_code[c] for c in codes if c in by_code]


def _place_regions(place: str, codes: set[str]) -> str | None:
    """The region of a municipality a place that names no region names («г. Магнитогорск», «Миасс»), among
    ``codes``."""
    for found in municipality_finder().find(place, codes):
        if (region := municipality_finder().region_of(found.code)) in codes:
            return region
    return None


@lru_cache(maxsize=4096)
def _named_regions(text: str) -> tuple[str, ...]:
    """The regions a place or an addressee names («Челябинск», «Министерству … Челябинской области»)."""
    return tuple(gazetteer().find_regions(text)) if text else ()


def host_region_codes(resolutions: Iterable[Resolution]) -> dict[int, str | None]:
    """The host region of each resolution: the region of its place (or of the municipality it names: «г. Магнитогорск»
    is in Chelyabinsk oblast), or else of its first addressee that names one («Министерству образования и науки
    Челябинской области»), among the resolution's own regions; None when neither names one. A resolution with fewer
    than two regions needs none. The addressees are the loaded recommendations' or, for resolutions without them, read
    in one query."""
    hosts: dict[int, str | None] = {}
    pending: dict[int, Resolution] = {}
    for resolution in resolutions:
        codes = {r.code for r in resolution.regions}
        hosts[resolution.id] = next((c for c in _named_regions(resolution.place or "") if c in codes), None)
        if hosts[resolution.id] is None and len(codes) > 1 and resolution.place:
            hosts[resolution.id] = _place_regions(resolution.place, codes)
        if hosts[resolution.id] is None and len(codes) > 1:
            pending[resolution.id] = resolution
    if not pending:
        return hosts
    addressees: dict[int, list[str]] = {}
    unloaded = [rid for rid, r in pending.items() if "recommendations" in inspect(r).unloaded]
    if unloaded:
        first = func.min(Recommendation.position)
        for rid, addressee in db.session.execute(
            select(Recommendation.resolution_id, Recommendation.addressee)
            .where(Recommendation.resolution_id.in_(unloaded), Recommendation.addressee != "")
            .group_by(Recommendation.resolution_id, Recommendation.addressee)
            .order_by(Recommendation.resolution_id, first)
        ):
            addressees.setdefault(rid, []).append(addressee)
    for rid, resolution in pending.items():
        written = addressees.get(rid, []) if rid in unloaded else list(dict.fromkeys(
            rec.addressee for rec in resolution.recommendations if rec.addressee))
        codes = {r.code for r in resolution.regions}
        hosts[rid] = next((c for a in written for c in _named_regions(a) if c in codes), None)
    return hosts


def regions_host_first(resolution: Resolution, hosts: dict[int, str | None] | None = None) -> list[Region]:
    """The resolution's regions with its host region first (``hosts``: ``host_region_codes`` of a list it is in),
    the rest in the vocabulary's order: the region shown alone for a resolution, and the first of its list, is
    where it was held."""
    host = (hosts if hosts is not None else host_region_codes([resolution])).get(resolution.id)
    return sorted(resolution.regions, key=lambda region: region.code != host)


def import_resolution_file(path: Path, publish: bool = False, is_demo: bool = False) -> ImportReport:
    """Read, parse and store a resolution file (see parser.SUPPORTED_EXTENSIONS); raises ResolutionFormatError."""
    return import_resolution_text(extract_text(path), path.name, publish=publish, is_demo=is_demo)


def import_resolution_text(
    text: str, source_name: str, publish: bool = False, is_demo: bool = False, user: User | None = None
) -> ImportReport:
    """Store a resolution parsed from ``text``; the same text imported again finds the same resolution."""
    return save_resolution(parse_resolution_text(text), source_name, publish=publish, is_demo=is_demo, user=user)


def parse_resolution_text(text: str) -> ParsedResolution:
    """What the parser recognises in a resolution text (nothing is stored); raises ResolutionFormatError when it
    finds more than MAX_RECOMMENDATIONS recommendations (the web import, the command and the API alike)."""
    parsed = parse_resolution(xml_text(text), gazetteer(), municipality_finder())
    parsed.topic_codes = discussed_topics(parsed.full_text)
    if len(parsed.recommendations) > MAX_RECOMMENDATIONS:
        raise ResolutionFormatError(
            f"В файле распознано рекомендаций: {len(parsed.recommendations)}, а в одной резолюции их может быть не "
            f"больше {MAX_RECOMMENDATIONS}. Возможно, это сборник резолюций или материалов: загрузите каждую "
            "резолюцию отдельным файлом.")
    return fit_columns(parsed)


# What a resolution's fields are called in a warning about one cut to fit its column (the preview's labels)
_FIELD_LABELS = {
    "title": "Название", "conference_name": "Название конференции", "place": "Место проведения",
    "organiser": "Организатор", "participants_text": "Участники",
}


def _symbols(count: int) -> str:
    """«742 символа», «501 символ», «505 символов»."""
    return f"{count} {plural(count, 'символ', 'символа', 'символов')}"


def fit_columns(structure: ParsedResolution) -> ParsedResolution:
    """``structure`` with every text that is longer than its column cut to fit, at a word, with «…», and a warning
    for each (the preview, the API and `import-resolution` show them): a file's «Организатор:» line of 742
    characters was a 500 from PostgreSQL (SQLite stored it), since only the web preview's form checked lengths.
    A recommendation's number, not a text to read, is cut as it is; the full text is kept whole."""
    for name, label in _FIELD_LABELS.items():
        value = getattr(structure, name)
        limit = getattr(Resolution, name).type.length
        if value and len(value) > limit:
            setattr(structure, name, clipped(value, limit))
            structure.warnings.append(f"{label}: в файле {_symbols(len(value))}, сохранены первые {limit} "
                                      "(до конца слова, с «…»); исправьте при необходимости")
    if structure.format and len(structure.format) > Resolution.format.type.length:
        structure.format = None  # a code of RESOLUTION_FORMATS, never this long
    number_limit, addressee_limit = Recommendation.number.type.length, Recommendation.addressee.type.length
    for item in structure.recommendations:
        if item.number and len(item.number) > number_limit:
            structure.warnings.append(f"Номер рекомендации «{item.number}» сокращён до {_symbols(number_limit)}")
            item.number = item.number[:number_limit]
        if item.addressee and len(item.addressee) > addressee_limit:
            structure.warnings.append(f"Адресат рекомендации {item.number}: в файле {_symbols(len(item.addressee))}, "
                                      f"сохранены первые {addressee_limit} (с «…»)")
            item.addressee = clipped(item.addressee, addressee_limit)
    return structure


def text_checksum(full_text: str) -> str:
    """The identity of a resolution: SHA-256 of its normalised text without list markers at its lines' starts, with
    every run of spacing as one space, in lower case and with «ё» as «е». The same resolution read from TXT, DOCX,
    DOC, RTF, ODT and PDF differs only there: blank lines between paragraphs (DOC, PDF), a PDF's line breaks inside a
    paragraph, a doubled or no-break space; a soft hyphen or a zero-width space does not show at all; a copy typed
    again writes «е» for «ё» (the Chelyabinsk seed mixes both) or «Резолюция» for «РЕЗОЛЮЦИЯ»; and each format
    writes a list's markers its own way: the DOCX reader «1.» and «–», PDF and RTF «•», antiword none (a DOC's
    automatic numbers and bullets are dropped), a typed text «1)» or «·» (_LIST_MARKER). (Migration zDimp0000001
    computes the stored checksums this way, as z2yoe0000001 did before it without the markers: keep them alike.)"""
    unmarked = _LOOSE_DASH.sub("", _LIST_MARKER.sub("", _INVISIBLE.sub("", full_text)))
    folded = " ".join(unmarked.split()).lower().replace("ё", "е")
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


# List markers at a line's start, one or more («– 1)»): a bullet of any kind (a Word Symbol-font one among them), an
# item's number «1.», «1)», «1.2.», «(1)», a letter «а)», a Roman numeral «IV.». A number that does not end in «.» or
# «)» («1.5 млн», «2017 г.») and a letter with a full stop («г. Челябинск») are words of the text and stay.
_BULLETS = "-–—·•*▪■□◦○●‣⁃►➢✓✔" + BULLET_CHARACTERS
_LIST_MARKER = re.compile(
    "^[ \\t]*(?:(?:[" + _BULLETS + "]"
    r"|\(?\d{1,3}(?:\.\d{1,3})*[.)](?!\d)|\(?[а-яёa-z]\)|(?-i:[IVX]{1,4})[.)])[ \t]*)+",
    re.MULTILINE | re.IGNORECASE)
# …and a dash or a bullet standing alone inside a line: a PDF's line wrapped before a dash («опыта» + «– педагоги»)
# starts a line with it, which the DOCX of that text has inside its line.
_LOOSE_DASH = re.compile(f"(?<!\\S)[{_BULLETS}](?!\\S)")
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def find_imported(full_text: str) -> Resolution | None:
    """The resolution already imported from this (normalised) text, if any."""
    return db.session.scalar(select(Resolution).where(Resolution.checksum == text_checksum(full_text)))


def save_resolution(
    structure: ParsedResolution, source_name: str, publish: bool = False, is_demo: bool = False,
    user: User | None = None, detected: ParsedResolution | None = None,
) -> ImportReport:
    """Store a resolution from its structure (as parsed, or as corrected in the import preview).

    The CLI, the API and the web import all come here; ``user`` is who imports it (none for the command). Its
    ``structure.full_text`` identifies the resolution: if it was imported before, nothing new is created and nothing
    of it changes, its municipalities and topics included (``publish`` still publishes it, when ``user`` may manage
    that resolution). ``detected`` is what the parser found when ``structure`` is the preview's corrections of it:
    municipalities or topics the methodist changed there are marked by hand (:func:`marked_by_hand`).
    """
    source_name = clipped(xml_text(source_name), Resolution.source_name.type.length)  # the uploader's: anything
    structure = fit_columns(structure)  # the API and the command skip the preview's form (and its lengths)
    existing = find_imported(structure.full_text)
    if existing is not None:
        return _found_imported(existing, structure, publish, user)

    known_types = set(db.session.scalars(select(AddresseeType.code)))
    regions = [r for code in dict.fromkeys(structure.region_codes) if (r := db.session.get(Region, code)) is not None]
    resolution = Resolution(
        title=structure.title or source_name,
        conference_name=structure.conference_name or "",
        date_start=structure.date_start,
        date_end=structure.date_end,
        place=structure.place or "",
        organiser=structure.organiser or "",
        format=structure.format,
        participants_count=structure.participants_count,
        participants_text=structure.participants_text or "",
        full_text=structure.full_text,
        source_name=source_name,
        checksum=text_checksum(structure.full_text),
        status="published" if publish else "draft",
        published_at=utcnow() if publish else None,
        is_demo=is_demo,
        regions=regions,
        municipalities=_municipalities(structure.municipality_codes),
        topics=_topics(structure.topic_codes),
        imported_by_id=user.id if user is not None else None,
    )
    if detected is not None:
        resolution.municipalities_by_hand = _codes(resolution.municipalities) != _codes(
            _municipalities(detected.municipality_codes))
        resolution.topics_by_hand = _codes(resolution.topics) != _codes(_topics(detected.topic_codes))
    topics_by_code = {t.code: t for t in db.session.scalars(select(Topic))}
    for position, item in enumerate(structure.recommendations):
        resolution.recommendations.append(Recommendation(
            position=position,
            number=item.number,
            addressee=item.addressee,
            addressee_type_code=item.addressee_type if item.addressee_type in known_types else None,
            text=item.text,
            topics=[topics_by_code[c] for c in suggest_topics(item.text) if c in topics_by_code],
        ))
    try:
        with db.session.begin_nested():  # a savepoint: only this insert is undone if the text came in meanwhile
            db.session.add(resolution)
    except IntegrityError:
        # The same text saved by another request since find_imported looked (a client's retry, two methodists
        # at once): uq_resolution_checksum refused the second row, a 500 on PostgreSQL. It is «already loaded».
        existing = find_imported(structure.full_text)
        if existing is None:
            raise
        return _found_imported(existing, structure, publish, user)
    return ImportReport(resolution, structure, created=True)


def _found_imported(existing: Resolution, structure: ParsedResolution, publish: bool, user: User | None
                    ) -> ImportReport:
    # another region's draft is not published by whoever uploads its text again
    if publish and existing.status != "published" and (user is None or can_manage_resolution(user, existing)):
        mark_published(existing)
    db.session.flush()
    return ImportReport(existing, structure, created=False)


def _resolution_query():
    return select(Resolution).options(
        selectinload(Resolution.regions),
        selectinload(Resolution.municipalities),
        selectinload(Resolution.topics),
        selectinload(Resolution.recommendations).selectinload(Recommendation.topics),
        selectinload(Resolution.recommendations).selectinload(Recommendation.addressee_type),
        selectinload(Resolution.recommendations).selectinload(Recommendation.practices),
    )


def get_public_resolution(resolution_id: int) -> Resolution | None:
    """A published resolution with its recommendations, or None."""
    return db.session.scalar(_resolution_query().where(Resolution.id == resolution_id,
                                                       Resolution.status == "published"))


def get_visible_resolution(resolution_id: int, user: User | None) -> Resolution | None:
    """A published resolution, or a draft for methodists and administrators (who import and publish them)."""
    resolution = db.session.scalar(_resolution_query().where(Resolution.id == resolution_id))
    return resolution if resolution is not None and may_see_resolution(resolution, user) else None


def may_see_resolution(resolution: Resolution, user: User | None) -> bool:
    """Everyone a published resolution; methodists and administrators a draft as well."""
    return resolution.is_published or can_see_drafts(user)


def can_see_drafts(user: User | None) -> bool:
    """Methodists and administrators see the resolutions not yet published."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_moderator


def can_import_resolutions(user: User | None) -> bool:
    """Administrators and the methodists who moderate something (a region, or an organisation in its region)
    import resolutions; a methodist whose scope is not set moderates nothing and imports nothing."""
    return policy.moderation_scope(user)[0] != "none"


def can_manage_resolution(user: User | None, resolution: Resolution) -> bool:
    """Who may edit, publish, unpublish and delete this resolution: an administrator; the methodist who imported it;
    a methodist whose moderation region (his region's, or his organisation's) is among the resolution's regions.
    A methodist without a scope may none of it."""
    kind, region_code, _organisation = policy.moderation_scope(user)
    if kind == "all":
        return True
    if kind == "none":
        return False
    if resolution.imported_by_id is not None and resolution.imported_by_id == user.id:
        return True
    return any(region.code == region_code for region in resolution.regions)


def publish_resolution(resolution: Resolution) -> None:
    """Make a draft resolution (and its recommendations) public."""
    mark_published(resolution)
    db.session.flush()


def mark_published(resolution: Resolution) -> None:
    """Set a resolution's status to published and, the first time, its ``published_at``: it enters the bank now
    (the feed, the search's «entered» order), not at its import. Published again after being taken back, it keeps
    the first time, as a practice does."""
    resolution.status = "published"
    if resolution.published_at is None:
        resolution.published_at = utcnow()


def unpublish_resolution(resolution: Resolution) -> None:
    """Take a published resolution back to a draft: its page, recommendations, search results, sitemap entry and
    API answers go (the index follows through the outbox); OAI-PMH harvesters are told it is deleted, as of a
    deleted resolution, until it is published again. Practice links stay for when it is."""
    from kb.oai.models import remember_withdrawal

    if not resolution.is_published:
        return
    remember_withdrawal(db.session, resolution)
    resolution.status = "draft"
    db.session.flush()


@dataclass
class EditedRecommendation:
    """One recommendation as the edit form leaves it: ``id`` of the saved one it corrects (None: a new one)."""

    id: int | None
    number: str
    addressee: str
    addressee_type: str | None
    text: str
    topic_codes: list[str]


@dataclass
class EditReport:
    """What saving an edit did to the recommendations."""

    added: int = 0
    removed: list[Recommendation] = field(default_factory=list)
    unlinked_practices: int = 0  # practice links that went with the removed recommendations
    unlinked: list[Practice] = field(default_factory=list)  # their practices, one per link


def count_if_all_visible(practices: list[Practice], user: User | None) -> int | None:
    """How many practices these are, for a user who may see every one of them; None otherwise. The only practices a
    methodist or teacher may not see are other people's drafts (another region's, another organisation's): the
    number would tell how many there are, so such a user is only told that there are some."""
    return len(practices) if all(policy.can_view(user, p) for p in practices) else None


def removed_with_links(resolution: Resolution, kept_ids: set[int]) -> list[Recommendation]:
    """The recommendations an edit removes that practices are linked to (their links go with them)."""
    return [rec for rec in resolution.recommendations if rec.id not in kept_ids and rec.practices]


def update_resolution(resolution: Resolution, structure: ParsedResolution,
                      items: list[EditedRecommendation]) -> EditReport:
    """Save the corrections of a resolution (its page's «Изменить»): the conference's details, regions, municipalities
    and topics (changed ones are marked by hand: :func:`marked_by_hand`), and the recommendations in ``items``
    order. A recommendation that stays keeps its id, and so its permalink, its place in collections and its
    practice links; one left out is deleted with its practice links. The full text (the resolution's identity) does
    not change. The index follows through the outbox."""
    report = EditReport()
    resolution.title = structure.title or resolution.title
    resolution.conference_name = structure.conference_name or ""
    resolution.date_start, resolution.date_end = structure.date_start, structure.date_end
    resolution.place = structure.place or ""
    resolution.organiser = structure.organiser or ""
    resolution.format = structure.format
    resolution.participants_count = structure.participants_count
    resolution.participants_text = structure.participants_text or ""
    resolution.regions = [r for code in dict.fromkeys(structure.region_codes)
                          if (r := db.session.get(Region, code)) is not None]
    municipalities, topics = _municipalities(structure.municipality_codes), _topics(structure.topic_codes)
    if _codes(municipalities) != _codes(resolution.municipalities):
        resolution.municipalities, resolution.municipalities_by_hand = municipalities, True
    if _codes(topics) != _codes(resolution.topics):
        resolution.topics, resolution.topics_by_hand = topics, True
    known_types = set(db.session.scalars(select(AddresseeType.code)))
    topics_by_code = {t.code: t for t in db.session.scalars(select(Topic))}
    saved = {rec.id: rec for rec in resolution.recommendations}
    kept: list[Recommendation] = []
    for position, item in enumerate(items):
        rec = saved.pop(item.id, None) if item.id is not None else None
        if rec is None:
            codes = item.topic_codes or suggest_topics(item.text)
            rec = Recommendation(topics=[])
            report.added += 1
        else:
            codes = item.topic_codes
        rec.position = position
        rec.number = item.number
        rec.addressee = item.addressee
        rec.addressee_type_code = item.addressee_type if item.addressee_type in known_types else None
        rec.text = item.text
        rec.topics = [topics_by_code[c] for c in dict.fromkeys(codes) if c in topics_by_code]
        kept.append(rec)
    report.removed = sorted(saved.values(), key=lambda rec: rec.position)
    report.unlinked = [practice for rec in report.removed for practice in rec.practices]
    report.unlinked_practices = len(report.unlinked)
    resolution.recommendations = kept  # the ones left out go (delete-orphan), their practice links with them
    resolution.updated_at = utcnow()  # a recommendation's change is the resolution's too (OAI datestamp, index)
    db.session.flush()
    return report


@dataclass
class DeletionEffects:
    """What deleting a resolution takes with it, for the question before it, as the user asking may know it."""

    recommendations: int
    links: list[tuple[Recommendation, Practice]]  # practice links that go, by recommendation: those the user sees
    # and links to practices the user may not see (other people's drafts): whether there are any, not how many
    hidden_links: bool
    collections: int  # collections holding the resolution or one of its recommendations («Материал недоступен»)


def deletion_effects(resolution: Resolution, user: User | None) -> DeletionEffects:
    from kb.collections.models import CollectionItem

    rec_ids = [rec.id for rec in resolution.recommendations]
    held = or_(and_(CollectionItem.item_type == "resolution", CollectionItem.item_id == resolution.id),
               and_(CollectionItem.item_type == "recommendation", CollectionItem.item_id.in_(rec_ids)))
    links = [(rec, practice) for rec in resolution.recommendations for practice in rec.practices]
    shown = [(rec, practice) for rec, practice in links if policy.can_view(user, practice)]
    return DeletionEffects(
        recommendations=len(rec_ids),
        links=shown,
        hidden_links=len(shown) < len(links),
        collections=db.session.scalar(select(func.count(func.distinct(CollectionItem.collection_id))).where(held))
        or 0,
    )


def delete_resolution(resolution: Resolution) -> None:
    """Delete a resolution for good with its recommendations and their practice links; the index follows through
    the outbox, OAI-PMH keeps a deleted record of a published one, collections show its items as «Материал
    недоступен»."""
    db.session.delete(resolution)
    db.session.flush()


def draft_resolutions(limit: int = 50) -> list[Resolution]:
    """Imported resolutions not yet published, newest first."""
    return list(db.session.scalars(
        select(Resolution).where(Resolution.status != "published").order_by(Resolution.id.desc()).limit(limit)))


def get_public_recommendation(recommendation_id: int) -> Recommendation | None:
    """A recommendation of a published resolution, or None."""
    return db.session.scalar(
        select(Recommendation).join(Recommendation.resolution)
        .where(Recommendation.id == recommendation_id, Resolution.status == "published")
        .options(selectinload(Recommendation.resolution).selectinload(Resolution.recommendations))  # for its anchor
    )


def get_visible_recommendation(recommendation_id: int, user: User | None) -> Recommendation | None:
    """A recommendation whose resolution this user may see (get_visible_resolution: a draft's to methodists and
    administrators), or None."""
    rec = db.session.scalar(
        select(Recommendation).where(Recommendation.id == recommendation_id)
        .options(selectinload(Recommendation.resolution).selectinload(Resolution.recommendations))  # for its anchor
    )
    return rec if rec is not None and may_see_resolution(rec.resolution, user) else None


def public_resolutions(page: int, per_page: int, municipalities: bool = False):
    """Published resolutions, newest conference first, paginated; ``municipalities``: with theirs loaded for the
    page in one query (the API's list gives them; the site's list does not show them)."""
    query = (select(Resolution).where(Resolution.status == "published")
             .order_by(Resolution.date_start.desc().nulls_last(), Resolution.id.desc())
             # the lists show how many recommendations each has, and its regions
             .options(selectinload(Resolution.recommendations), selectinload(Resolution.regions)))
    if municipalities:
        query = query.options(selectinload(Resolution.municipalities))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def municipalities_json(resolution: Resolution) -> list[dict]:
    """A resolution's municipalities as the API gives them: code, name and region's code."""
    return [{"code": m.code, "label": m.name, "region": m.region_code} for m in resolution.municipalities]


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
        "regions": [{"code": r.code, "label": r.name} for r in regions_host_first(resolution)],
        "municipalities": municipalities_json(resolution),
        "topics": [{"code": t.code, "label": t.label} for t in resolution.topics],
        "is_demo": resolution.is_demo,
        "published_at": utc_json(resolution.published_at),
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
                "practices": [
                    {"id": p.id, "title": p.title, "url": url_for("practices.detail", practice_id=p.id)}
                    for p in rec.practices if p.status == "published"
                ],
            }
            for rec in resolution.recommendations
        ],
    }


# --------------------------------------------------------------------------------------------------
# Practices that implement recommendations


def _linkable_query():
    return (select(Recommendation).join(Recommendation.resolution).where(Resolution.status == "published")
            .options(selectinload(Recommendation.resolution))
            .order_by(Resolution.date_start.desc().nulls_last(), Resolution.id.desc(), Recommendation.position))


def linkable_recommendations(limit: int = 1000) -> list[Recommendation]:
    """Recommendations of published resolutions, newest conference first, for choosing in a list."""
    return list(db.session.scalars(_linkable_query().limit(limit)))


def _query_stem(word: str) -> str:
    """What a text word must start with to match a query word: its stem, so that another ending of it matches
    («научного общества» finds «научные общества»). The shorter of the Snowball stem (it strips the long endings
    of adjectives: научного → научн) and the word without its last two letters (it keeps the fleeting vowel's
    words together: кружок → круж, кружков), never under three letters («опыт» → «опы», not Snowball's «оп»)."""
    stem = min(snowball_term(word), word[: max(4, len(word) - 2)], key=len)
    return stem if len(stem) >= 3 else word[:3]


def _query_words(text: str) -> list[str]:
    return [w for w in find_tokens(fold(text)) if len(w) > 1 or w.isdigit()]


@dataclass
class _Wanted:
    """What a recommendation must have for one part of a query: every stem at the start of one of its words, or one
    of the phrases the search's synonyms give for that part (terms of the index's analyzer, one after another)."""

    stems: list[str]
    phrases: list[tuple[str, ...]] = field(default_factory=list)


def _wanted(query: str) -> list[_Wanted]:
    """The parts of ``query``: each word alone, and each phrase the search's synonym table knows («сетевое
    партнёрство», «ООП», «ВКС») with its synonyms and abbreviations («сетевое взаимодействие», «особые
    образовательные потребности», «видеоконференцсвязь») — so the picker finds what /search finds."""
    from indexer.analysis import russian_analyzer
    from kb.search.synonyms import synonym_table

    query = composed(query)
    table = synonym_table()
    # (whoosh hands out one token object, changed for each term: its values are taken as it goes)
    terms = [(token.text, token.startchar, token.endchar)
             for token in russian_analyzer()(query, mode="query", chars=True)]
    parts: list[_Wanted] = []
    done = 0  # the characters of the query taken so far
    i = 0
    while i < len(terms):
        for size in range(min(table.longest, len(terms) - i), 0, -1):
            phrase = tuple(term for term, _start, _end in terms[i:i + size])
            if expansions := table.expansions(phrase):
                start, end = terms[i][1], terms[i + size - 1][2]
                parts += [_Wanted([_query_stem(w)]) for w in _query_words(query[done:start])]
                parts.append(_Wanted([_query_stem(w) for w in _query_words(query[start:end])], expansions))
                done = end
                i += size
                break
        else:
            i += 1
    parts += [_Wanted([_query_stem(w)]) for w in _query_words(query[done:])]
    return parts[:10]


def _has_phrase(terms: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(terms[i:i + size] == phrase for i in range(len(terms) - size + 1))


def find_recommendations(query: str, limit: int = 50) -> list[Recommendation]:
    """Recommendations of published resolutions whose text, addressee or resolution title has every word of
    ``query`` at the start of one of its words (case and ё folded, another ending of the word matches:
    ``_query_stem``); inside a word is no match — «мир» does not find «формирования», «общества» not
    «сообщество». A phrase of the search's synonym table may be matched by one of its synonyms instead, as the site
    search does («ООП», «сетевое партнёрство» find «сетевого взаимодействия»)."""
    if not _query_words(query):
        return []
    from indexer.analysis import russian_analyzer

    parts = _wanted(query)
    analyzer = russian_analyzer() if any(part.phrases for part in parts) else None
    found = []
    for rec in db.session.scalars(_linkable_query()):
        text = f"{rec.number} {rec.addressee} {rec.text} {rec.resolution.title}"
        words = set(find_tokens(fold(text)))
        terms: tuple[str, ...] | None = None
        for part in parts:
            if all(any(word.startswith(stem) for word in words) for stem in part.stems):
                continue
            if part.phrases and analyzer is not None:
                if terms is None:
                    terms = tuple(token.text for token in analyzer(composed(text), mode="query"))
                if any(_has_phrase(terms, phrase) for phrase in part.phrases):
                    continue
            break
        else:
            found.append(rec)
            if len(found) >= limit:
                break
    return found


def answered_recommendations(practice: Practice) -> list[Recommendation]:
    """The recommendations of published resolutions a practice answers."""
    return list(db.session.scalars(
        select(Recommendation).join(Recommendation.practices).join(Recommendation.resolution)
        .where(Practice.id == practice.id, Resolution.status == "published")
        .options(selectinload(Recommendation.resolution))
        .order_by(Resolution.date_start.desc().nulls_last(), Resolution.id.desc(), Recommendation.position)))


def implementing_practices(recommendation: Recommendation, user: User | None) -> list[Practice]:
    """The practices linked to a recommendation that this user may see (drafts only to their author and moderators)."""
    return [p for p in recommendation.practices if policy.can_view(user, p)]


def link_recommendations(user: User, practice: Practice, recommendation_ids: list[int]) -> int:
    """Say that a practice answers these recommendations (of published resolutions); returns how many are new."""
    if not policy.can_link_recommendations(user, practice):
        raise PermissionDenied
    wanted = set(recommendation_ids)
    if not wanted:
        return 0
    found = db.session.scalars(
        select(Recommendation).join(Recommendation.resolution)
        .where(Recommendation.id.in_(wanted), Resolution.status == "published")).all()
    added = 0
    for rec in found:
        if practice not in rec.practices:
            rec.practices.append(practice)
            added += 1
    db.session.flush()
    return added


def unlink_recommendation(user: User, practice: Practice, recommendation_id: int) -> bool:
    """Remove a link; returns False if there was none."""
    if not policy.can_link_recommendations(user, practice):
        raise PermissionDenied
    rec = db.session.get(Recommendation, recommendation_id)
    if rec is None or practice not in rec.practices:
        return False
    rec.practices.remove(practice)
    db.session.flush()
    return True
