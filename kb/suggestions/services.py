"""Suggesting a practice's region, municipality, levels of education and topics from its text.

Regions come from the resolution parser's gazetteer (inflected names, administrative centres);
municipalities from a second gazetteer of the same kind built over the municipality list; topics
from the thesaurus with its synonyms and abbreviations (kb/vocabularies/topics.py); levels from
their names in data.py and the words teachers use for them («младших школьников», «5–9 классов»).
Nothing here saves anything: the form shows the suggestions and the user decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

import Stemmer
from flask import current_app
from sqlalchemy import select

from kb.attachments.extract import AttachmentError, detect, extract_text
from kb.extensions import db
from kb.resolutions.parser import Gazetteer
from kb.resolutions.services import gazetteer as region_gazetteer
from kb.vocabularies import data
from kb.vocabularies.models import EducationLevel, Municipality, Region, Topic
from kb.vocabularies.topics import StemIndex, suggest_topics

MAX_TEXT = 200_000  # characters looked at: a long file names its region and themes early
_REGION_PREFIX = "region:"
_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_STEMMER = Stemmer.Stemmer("russian")

# Words teachers use for a level besides its legal name (data.LEVELS): stemmed phrases and abbreviations.
LEVEL_CUES: dict[str, tuple[str, ...]] = {
    "preschool": ("дошкольник", "дошкольного возраста", "детский сад", "дошкольная образовательная организация",
                  "ДОУ", "ДОО"),
    "primary": ("начальная школа", "начальные классы", "младшие школьники", "младший школьный возраст",
                "первоклассники", "НОО"),
    "basic": ("основная школа", "основное общее", "ООО", "ОГЭ"),
    "secondary": ("старшая школа", "старшеклассники", "старшие классы", "среднее общее", "СОО", "ЕГЭ"),
    "vocational": ("колледж", "техникум", "среднее профессиональное", "СПО"),
    "bachelor": ("бакалавриат", "бакалавр"),
    "specialist_master": ("магистратура", "магистрант", "специалитет"),
    "doctoral": ("аспирантура", "аспирант"),
    "additional": ("дополнительное образование детей", "центр детского творчества", "дом детского творчества",
                   "кванториум", "ДОД"),
    "professional_development": ("дополнительное профессиональное образование", "повышение квалификации",
                                 "профессиональная переподготовка", "ДПО"),
}
# «2–4 классов», «в 5-х классах», «10 класс»: grades 1–4 are primary, 5–9 basic, 10–11 secondary.
_GRADES = re.compile(r"(?<!\d)(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?(?:-?[а-я]{1,3})?\s+класс", re.IGNORECASE)


def _stems(text: str) -> list[str]:
    return _STEMMER.stemWords([w.lower().replace("ё", "е") for w in _WORD.findall(text)])


@cache
def _level_patterns() -> tuple[tuple[str, tuple[tuple[str, ...], ...], frozenset[str]], ...]:
    result = []
    for level in data.LEVELS:
        cues = (level["name"].replace("—", " "), *LEVEL_CUES.get(level["code"], ()))
        abbreviations = frozenset(c for c in cues if c.isupper() and " " not in c)
        phrases = tuple(tuple(_stems(c)) for c in cues if c not in abbreviations)
        result.append((level["code"], phrases, abbreviations))
    return tuple(result)


def _grade_levels(text: str) -> set[str]:
    levels = set()
    for match in _GRADES.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        for grade in range(max(first, 1), min(last, 11) + 1):
            levels.add("primary" if grade <= 4 else "basic" if grade <= 9 else "secondary")
    return levels


def suggest_levels(text: str) -> list[str]:
    """Level codes the text names (by law, by the usual words or by grades), in the order of data.LEVELS."""
    stems = StemIndex(_stems(text))
    tokens = set(_WORD.findall(text))
    by_grade = _grade_levels(text)
    # The longer legal names contain the shorter ones' words: «дополнительное профессиональное образование»
    # is not «дополнительное образование детей», and the contiguous match keeps them apart.
    return [code for code, phrases, abbreviations in _level_patterns()
            if code in by_grade or abbreviations & tokens or any(stems.contains(p) for p in phrases)]


def _okrug_centres(adjective: str) -> list[str]:
    """The likely town of a city okrug named by an adjective: Копейский → Копейск, Миасский → Миасс."""
    if adjective.endswith("ный"):
        return [adjective]  # Трёхгорный, Локомотивный
    if not adjective.endswith("ский"):
        return []
    base = adjective[:-4]
    centres = [base + "ск", base + "ь", adjective[:-3]]
    if base.endswith("ов"):
        centres.append(base[:-2])  # Златоустовский → Златоуст
    elif base[-1] not in "аеёиоуыэюяй":
        centres.append(base)       # Кыштымский → Кыштым
    return centres


def municipality_gazetteer() -> Gazetteer:
    """A gazetteer of the municipalities in the database (administrators add more); region names are in it too,
    so «Челябинской области» is read as the region and not as the town of Челябинск."""
    rows = db.session.execute(select(Municipality.code, Municipality.name, Municipality.kind,
                                     Municipality.region_code).order_by(Municipality.id)).all()
    return _municipality_gazetteer(tuple(tuple(row) for row in rows))


@lru_cache(maxsize=4)
def _municipality_gazetteer(municipalities: tuple[tuple[str, str, str, str], ...]) -> Gazetteer:
    entries: list[dict] = []
    capitals = {r["code"]: r["center"] for r in data.REGIONS}
    for code, name, kind, region in municipalities:
        if kind == "городской округ" and (city := data.town_in_name(name)):  # «город-герой Мурманск» is Мурманск
            entries.append({"code": code, "name": "", "center": city, "aliases": []})
            continue
        adjective = name.split()[0]
        aliases = [f"{adjective} район"] if kind == "муниципальный район" else []
        if kind == "муниципальный округ":  # most are districts made okrugs: «Гатчинский район» is the same land
            aliases = [f"{adjective} округ", f"{adjective} район"]
        entries.append({"code": code, "name": name, "center": "", "aliases": aliases})
        centres = [*data.municipality_towns(code, name)]  # the shipped towns: Кемерово, Гатчина
        # the okrug of the region's centre where the centre has no okrug of its own (Гатчина, Гатчинский), and the
        # likely town of an okrug named by an adjective, for those an administrator adds
        capital = capitals.get(region, "")
        if kind == "муниципальный округ" and len(capital) > 4 and adjective.startswith(capital[:-1]):
            centres.append(capital)
        if kind == "городской округ":
            centres += _okrug_centres(adjective)
        for centre in dict.fromkeys(centres):
            entries.append({"code": code, "name": "", "center": centre, "aliases": []})
    entries += [{"code": _REGION_PREFIX + r["code"], "name": r["name"], "center": "", "aliases": r["aliases"]}
                for r in data.REGIONS]
    return Gazetteer.from_regions(entries)


@dataclass
class Suggestions:
    """What a text names, each list in the order of first mention (levels and topics in vocabulary order)."""

    regions: list[Region] = field(default_factory=list)
    municipalities: list[Municipality] = field(default_factory=list)
    levels: list[EducationLevel] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)

    @property
    def region(self) -> Region | None:
        return self.regions[0] if self.regions else None

    @property
    def municipality(self) -> Municipality | None:
        """The first municipality of the suggested region."""
        region = self.region
        return next((m for m in self.municipalities if region is None or m.region_code == region.code), None)

    def is_empty(self) -> bool:
        return not (self.regions or self.municipalities or self.levels or self.topics)

    def as_json(self) -> dict:
        municipality = self.municipality
        return {
            "region": {"code": self.region.code, "name": self.region.name} if self.region else None,
            "municipality": {"id": municipality.id, "name": municipality.name,
                             "region": municipality.region_code} if municipality else None,
            "regions": [{"code": r.code, "name": r.name} for r in self.regions],
            "municipalities": [{"id": m.id, "name": m.name, "region": m.region_code} for m in self.municipalities],
            "levels": [{"code": x.code, "name": x.name} for x in self.levels],
            "topics": [{"code": x.code, "label": x.label} for x in self.topics],
        }


def _in_order(model: type, key, codes: list) -> list:
    if not codes:
        return []
    found = {getattr(x, key): x for x in db.session.scalars(select(model).where(getattr(model, key).in_(codes)))}
    return [found[c] for c in codes if c in found]


def suggest(text: str) -> Suggestions:
    """The region, municipalities, levels and topics named in ``text``."""
    text = (text or "")[:MAX_TEXT]
    if not text.strip():
        return Suggestions()
    municipal_codes = [c for c in municipality_gazetteer().find_regions(text) if not c.startswith(_REGION_PREFIX)]
    municipalities = _in_order(Municipality, "code", municipal_codes)
    region_codes = region_gazetteer().find_regions(text)
    for municipality in municipalities:  # a district named without its region still tells the region
        if municipality.region_code not in region_codes:
            region_codes.append(municipality.region_code)
    return Suggestions(
        regions=_in_order(Region, "code", region_codes),
        municipalities=municipalities,
        levels=_in_order(EducationLevel, "code", suggest_levels(text)),
        topics=_in_order(Topic, "code", suggest_topics(text)),
    )


def text_of_file(filename: str, payload: bytes) -> str:
    """The text of an uploaded document (any kind attachments accept); raises AttachmentError with the reason."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if len(payload) > limit:
        raise AttachmentError(f"Файл больше {limit // (1024 * 1024)} МБ — такой файл не читается.")
    return extract_text(payload, detect(payload, filename))
