"""Bulk import of practices: check every row of a registry, then create or update practices row by row.

A row is matched to a practice by its external id (``Practice.external_id``), which is the importing office's
own numbering (``id_namespace``: unique within it, so two offices may both number from 1), so loading the same
registry again updates instead of duplicating. Each row is written inside its own
savepoint: a failing row is rolled back and reported, the others stay. Nothing is written on a dry run.
Services only flush; the caller commits.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath

import Stemmer
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kb import spreadsheets
from kb.accounts.models import User
from kb.accounts.services import record
from kb.attachments.extract import AttachmentError, pdf_draws_text
from kb.attachments.models import Attachment
from kb.attachments.services import (
    MAX_PER_PRACTICE,
    NO_TEXT_LAYER,
    CheckedFile,
    add_attachment,
    check_file,
    clean_filename,
    no_text_layer,
    precheck_file,
    remove_attachment,
)
from kb.bulkimport.archive import ArchiveError, Entry, FileArchive
from kb.bulkimport.registry import FIELD_LABELS, CellProblem, RawRow, Registry, cell_text, split_list
from kb.duplicates.services import Duplicate, Repeat, repeats_among, similar_many, text_prints
from kb.extensions import db
from kb.positions import acting_position as _acting_position
from kb.positions import position_word as _position_word
from kb.practices import assessments, policy, rules
from kb.practices.licences import ACCEPTED_SPELLINGS, default_licence, parse_licence
from kb.practices.licences import licence as licence_terms
from kb.practices.models import SECTION_KEYS, Practice
from kb.practices.rules import LIST_NUMBER as _LIST_NUMBER
from kb.practices.rules import MAYBE_NAME as _MAYBE_NAME
from kb.practices.rules import join_initials as _join_initials
from kb.practices.rules import split_dashed as _dashed
from kb.practices.services import (
    InvalidTransition,
    PermissionDenied,
    PracticeData,
    create_practice,
    practice_link,
    snapshot,
    transition,
    update_practice,
)
from kb.resolutions.services import gazetteer
from kb.templating import plural, status_label
from kb.textclean import visible_strip
from kb.vocabularies import data as vocabulary
from kb.vocabularies.data import SPREAD_LEVELS
from kb.vocabularies.models import EducationLevel, Region, Subject, Topic
from kb.vocabularies.regions import region_names
from kb.vocabularies.services import find_municipality, municipality_suggestion

DEFAULT_MAX_ROWS = 5000
EXTERNAL_ID_MAX = 100
FIRST_YEAR = rules.FIRST_YEAR  # the form's: a practice the import creates must save again in the form

ACTION_LABELS = {
    ("create", True): "будет создана",
    ("update", True): "будет обновлена",
    ("create", False): "создана",
    ("update", False): "обновлена",
    ("unchanged", True): "без изменений",
    ("unchanged", False): "без изменений",
}


@dataclass
class RowResult:
    """What happened (or would happen) to one row of the registry."""

    number: int
    external_id: str = ""
    title: str = ""
    action: str = ""  # create | update | unchanged; empty when the row failed
    practice_id: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    published: bool = False
    will_publish: bool = False  # a dry run of an import with publishing

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def outcome(self, dry_run: bool) -> str:
        if self.failed:
            return "ошибка — строка не загружена" if not dry_run else "ошибка — строка не будет загружена"
        label = ACTION_LABELS.get((self.action, dry_run), self.action)
        if self.published or (dry_run and self.will_publish):
            label += ", опубликована" if not dry_run else " и опубликована"
        return label


@dataclass
class ImportReport:
    """The rows of one import with their outcomes and the warnings about the file as a whole."""

    dry_run: bool
    publish: bool
    columns: dict[str, str]
    rows: list[RowResult]
    warnings: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if not row.failed and row.action == action)

    @property
    def failed(self) -> int:
        return sum(1 for row in self.rows if row.failed)

    @property
    def published(self) -> int:
        return sum(1 for row in self.rows if row.published)

    def summary(self) -> str:
        if self.dry_run:
            return (f"Проверка без записи: строк {len(self.rows)}; будет создано {self.count('create')}, "
                    f"обновлено {self.count('update')}, без изменений {self.count('unchanged')}; "
                    f"с ошибками {self.failed}.")
        return (f"Строк {len(self.rows)}: создано {self.count('create')}, обновлено {self.count('update')}, "
                f"без изменений {self.count('unchanged')}, опубликовано {self.published}; с ошибками {self.failed}.")


def report_data(report: ImportReport) -> dict:
    """The report as JSON data (kept in the upload's folder: the check's, and the import's in its progress)."""
    return {"dry_run": report.dry_run, "publish": report.publish, "columns": report.columns,
            "warnings": report.warnings, "rows": [asdict(row) for row in report.rows]}


def report_from_data(data: dict, dry_run: bool) -> ImportReport:
    return ImportReport(dry_run=dry_run, publish=bool(data.get("publish")), columns=dict(data.get("columns") or {}),
                        rows=[RowResult(**row) for row in data.get("rows") or []],
                        warnings=list(data.get("warnings") or []))


REPORT_CSV_HEADINGS = ("Строка", "Внешний идентификатор", "Название", "Итог", "Практика №", "Ошибки",
                       "Предупреждения", "Файлы")


def report_csv(report: ImportReport) -> bytes:
    """The rows of a check or an import with their outcomes, as CSV for Excel in Russian (UTF-8 with a byte-order
    mark, «;» between columns, as the statistics' tables): a long registry's errors are fixed from a list, not
    from the page. Several errors of a row are lines of its cell."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(REPORT_CSV_HEADINGS)
    for row in report.rows:
        writer.writerow([row.number, *spreadsheets.row([row.external_id, row.title, row.outcome(report.dry_run)]),
                         row.practice_id or "", *spreadsheets.row(["\n".join(row.errors), "\n".join(row.warnings),
                                                                    ", ".join(row.files)])])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# -- vocabularies ------------------------------------------------------------------------------------------

_ABBREVIATIONS = (
    (re.compile(r"\bавт\b\.?\s*обл\b\.?|\bаобл\b\.?"), "автономная область"),
    (re.compile(r"\bобл\b\.?"), "область"),
    (re.compile(r"\bресп\b\.?"), "республика"),
    (re.compile(r"\bкр\b\.?"), "край"),  # «Пермский кр.»
    (re.compile(r"\bавт\b\.?\s*(?:окр\b\.?|округ)"), "автономный округ"),
    # «АО» is an autonomous okrug or, after a feminine adjective («Еврейская АО»), the autonomous oblast.
    (re.compile(r"(?<=ая)\s+ао\b"), " автономная область"),
    (re.compile(r"\bао\b"), "автономный округ"),
    (re.compile(r"\bдоп\b\.?"), "дополнительное"),  # «Доп. образование»
    (re.compile(r"\bпроф\b\.?"), "профессиональное"),  # «Среднее проф. образование»
)
# A note in brackets after a name: «Начальное общее образование (1–4 классы)», «Иностранный язык (английский)».
_NOTE = re.compile(r"\s*\([^)]*\)")


def _expand(text: str) -> str:
    value = text.lower().replace("ё", "е")
    for pattern, replacement in _ABBREVIATIONS:
        value = pattern.sub(replacement, value)
    return value


def _norm(text: str, drop: tuple[str, ...] = ()) -> str:
    value = re.sub(r"[\"«»().,:/\-–—]+", " ", _expand(text))
    return " ".join(word for word in value.split() if word not in drop)


def _unordered(key: str) -> str:
    """A name's words in one order: the federal registries' «Татарстан Респ», «Еврейская АО», «Кемеровская
    область - Кузбасс обл» are «Республика Татарстан», «Еврейская автономная область», «Кемеровская область —
    Кузбасс»."""
    return " ".join(sorted(set(key.split())))


def _plausible(value: str, key: str, candidate: str, label: str) -> bool:
    """Whether a close name (``candidate``, a name of the entry ``label``) may be what ``value`` (folded: ``key``)
    misspells: a misprint rarely hits the first letters («Естествознание» is not «Обществознание»), and a word cut
    short with a dot is the start of a word of the entry («Сред.» is not «Дошкольное»)."""
    if key[:2] != candidate[:2]:
        return False
    words = [*candidate.split(), *_norm(label).split()]
    return all(any(word.startswith(cut) for word in words) for cut in re.findall(r"(\w+)\.", _expand(value)))


_STEMMER = Stemmer.Stemmer("russian")


def _stemmed(key: str) -> str:
    """A folded name with each word cut to its stem: «олимпиадах и конкурсах» is «олимпиады и конкурсы»."""
    return " ".join(_STEMMER.stemWords(key.split()))


# Words that do not count in a part of a label: «дети с ОВЗ» has two words that do.
_PART_FILLERS = frozenset({"с", "со", "в", "во", "на", "по", "для", "к", "о", "об", "из", "от", "и", "или"})


def _label_parts(label: str) -> list[str]:
    """The parts of a label joined by commas and « и », which a registry writes alone: «Инклюзивное образование,
    дети с ОВЗ и …» — «дети с ОВЗ»; a word joined to a phrase shares its last words, «Выявление и диагностика
    одарённости» — «Выявление одарённости». A part of one word («Выявление», «Учебно-исследовательская»,
    «Олимпиады») is a fragment, not a topic: only parts of two words at least (prepositions not counted) are
    kept; a single word that names the topic is its synonym («олимпиада», «воспитание»)."""
    return [part for part in _joined_parts(label)
            if len([word for word in part.split() if word.lower() not in _PART_FILLERS]) >= 2]


def _joined_parts(label: str) -> list[str]:
    parts = []
    for piece in re.split(r"\s*,\s*", _NOTE.sub("", label)):
        joined = re.split(r"\s+и\s+", piece)
        if len(joined) < 2:
            continue
        parts.extend(joined)
        if len(joined) == 2 and " " not in joined[0] and len(rest := joined[1].split()) > 1:
            parts.append(" ".join([joined[0], *rest[1:]]))
    if "," in label:
        parts.extend(part for part in re.split(r"\s*,\s*", _NOTE.sub("", label)) if " и " not in part)
    return parts


class Lookup:
    """Finds a vocabulary entry by code, name or synonym (case, ё/е, punctuation and abbreviations folded; with
    ``any_order``, the order of the words too, when that names one entry only). A note in brackets the name does
    not have is left out. A synonym several entries share (and none is named so) finds none: ``ambiguous`` names
    them. With ``stems``, a name in another form («начального общего образования», «детей с ОВЗ») finds its entry
    too, with ``parts`` a part of a label (``_label_parts``), when one entry only has it and it is none of the
    names in ``not_parts`` (the levels: «дополнительного образования» is no topic; ``by_part`` tells a value found
    so); with ``grades`` (grade → entry), school grades find the entries they span («5-9 классы», «8-11»:
    ``find_many``)."""

    def __init__(self, entries: list[tuple[str, str, list[str]]], drop: tuple[str, ...] = (),
                 any_order: bool = False, stems: bool = False, parts: bool = False,
                 grades: dict[int, str] | None = None, not_parts: tuple[str, ...] = ()):
        self.drop = drop
        self.grades = grades or {}
        self.stems = stems
        self.loose: dict[str, str | None] = {}  # stemmed names and parts of labels -> the one entry with them
        self.part_keys: set[str] = set()  # the keys of ``loose`` that are a part of a label only
        if stems or parts:
            names = [(code, name) for code, label, aliases in entries for name in (label, *aliases)]
            whole = {self._loose_key(name) for _code, name in names}
            skipped = {self._loose_key(name) for name in not_parts}
            found_in = [(code, part) for code, label, _aliases in entries
                        for part in (_label_parts(label) if parts else ())]
            for code, name in [*names, *found_in]:
                if (key := self._loose_key(name)) and (key in whole or key not in skipped):
                    self.loose[key] = code if self.loose.get(key, code) == code else None
            self.part_keys = {self._loose_key(part) for _code, part in found_in} - whole
        self.cautions: dict[str, str] = {}  # a value found with a warning (its other reading): set by set_caution
        self.labels = {code: label for code, label, _ in entries}
        self.keys: dict[str, str] = {}
        self.unordered: dict[str, str | None] = {}
        self.shared: dict[str, list[str]] = {}
        owners: dict[str, list[str]] = {}
        for code, label, aliases in entries:
            for name in (code, label, *aliases):
                key = _norm(name, drop)
                if key:
                    self.keys.setdefault(key, code)
                    if code not in owners.setdefault(key, []):
                        owners[key].append(code)
                    if any_order:
                        words = _unordered(key)
                        self.unordered[words] = code if self.unordered.get(words, code) == code else None
        names = {_norm(name, drop) for code, label, _ in entries for name in (code, label)}
        for key, codes in owners.items():
            if len(codes) > 1 and key not in names:
                self.shared[key] = codes
                del self.keys[key]
        # with ``stems``, a shared synonym in another form too: «ВУЗы», «в средней школе»
        self.shared_loose = {_stemmed(key): codes for key, codes in self.shared.items()} if stems else {}

    def _loose_key(self, name: str) -> str:
        key = _norm(name, self.drop)
        return _stemmed(key) if self.stems and key else key

    def _find(self, value: str) -> str | None:
        key = _norm(value, self.drop)
        return self.keys.get(key) or (self.unordered.get(_unordered(key)) if self.unordered else None)

    def _strict(self, value: str) -> str | None:
        """The entry ``value`` names by a name or synonym as written (a note in brackets aside)."""
        found = self._find(value)
        if found is None and (noted := self._noted(value)) is not None:
            return noted
        if found is None and _NOTE.search(value) and (bare := _NOTE.sub("", value).strip()):
            found = self._find(bare)
        return found

    def _loosely(self, value: str) -> tuple[str | None, str]:
        """The entry ``value`` names in another form or by a part of a label, and the key that found it."""
        for text in dict.fromkeys((value, _NOTE.sub("", value).strip())):
            key = self._loose_key(text)
            if found := self.loose.get(key):
                return found, key
        return None, ""

    def find(self, value: str) -> str | None:
        found = self._strict(value)
        if found is None and self.loose:
            found, _key = self._loosely(value)
        return found

    def by_part(self, value: str) -> str | None:
        """The entry ``value`` is found as, when it is only a part of its label (neither a name nor a synonym in
        any form): «выявление одарённости» is «Выявление и диагностика одарённости». Else None."""
        if not self.part_keys or self._strict(value) is not None:
            return None
        found, key = self._loosely(value)
        return found if key in self.part_keys else None

    def find_many(self, value: str) -> list[str]:
        """The entries ``value`` names: the one ``find`` finds, or the levels of the grades it names."""
        found = self.find(value)
        return [found] if found is not None else self.graded(value)

    def graded(self, value: str) -> list[str]:
        """The entries of the school grades ``value`` names, in grade order: «5-9 классы», «1–4 кл.», «с 5 по 9
        класс», «5-9-е классы», «2, 3 классы», «8-11»; a single grade with «класс»: «7 класс». A grade outside
        the vocabulary's (0, 12) or a range backwards names none."""
        if not self.grades:
            return []
        text = _NOTE.sub("", value).lower().strip()
        text = re.sub(r"\s+по\s+", "-", re.sub(r"^(?:с|в|во|для)\s+", "", text))
        text, marked = _GRADE_WORD.subn("", text)
        text = re.sub(r"(\d)\s*-(?:е|х|й|ый|ые)\b", r"\1", text).strip()
        spans = [_GRADE_SPAN.fullmatch(part) for part in re.split(r"\s*(?:,|\bи\b)\s*", text)]
        if not text or not all(spans) or (not marked and len(spans) == 1 and spans[0].group(2) is None):
            return []
        codes: list[str] = []
        for span in spans:
            first, last = int(span.group(1)), int(span.group(2) or span.group(1))
            if not (first <= last and first in self.grades and last in self.grades):
                return []
            codes.extend(self.grades[grade] for grade in range(first, last + 1) if self.grades[grade] not in codes)
        return codes

    def _noted(self, value: str) -> str | None:
        """The entry a note in brackets names when the value without it is one of two readings (a caution: «ДО»
        is preschool or further education): «ДО (дополнительное образование)» says which it means. Else None."""
        if not self.cautions or _norm(_NOTE.sub("", value), self.drop) not in self.cautions:
            return None
        for note in _NOTE.findall(value):
            if found := self._find(note.strip()[1:-1]):
                return found
        return None

    def set_caution(self, value: str, note: str) -> None:
        """Warn with ``note`` whenever ``value`` (as written in any case, with a note in brackets or not) is read."""
        self.cautions[_norm(value, self.drop)] = note

    def caution(self, value: str) -> str | None:
        """The warning that goes with reading ``value`` (it may mean another entry too), or None: none when a note
        in brackets says which entry it means."""
        if self._noted(value) is not None:
            return None
        for text in (value, _NOTE.sub("", value)):
            if note := self.cautions.get(_norm(text, self.drop)):
                return note
        return None

    def shortened(self, value: str) -> str | None:
        """The entry ``value`` names with words cut short with a dot («Челяб. обл.», «Свердл. обл.»): the only one
        with a name of as many words, each the same word or, for a cut one (three letters at least), a word it
        begins."""
        cuts = {cut for cut in re.findall(r"(\w+)\.", _expand(value)) if len(cut) >= 3}
        words = _norm(value, self.drop).split()
        if not cuts:
            return None
        found = {code for key, code in self.keys.items() if len(names := key.split()) == len(words)
                 and all(word == name or (word in cuts and name.startswith(word))
                         for word, name in zip(words, names, strict=True))}
        return found.pop() if len(found) == 1 else None

    def ambiguous(self, value: str) -> list[str]:
        """The labels of the entries a shared synonym («Высшее образование») may mean, in vocabulary order."""
        for text in (value, _NOTE.sub("", value)):
            codes = self.shared.get(_norm(text, self.drop)) or self.shared_loose.get(self._loose_key(text))
            if codes:
                return [label for code, label in self.labels.items() if code in codes]
        return []

    def suggest(self, value: str) -> str | None:
        key = _norm(value, self.drop)
        match = [other for other in difflib.get_close_matches(key, list(self.keys), n=3, cutoff=0.7)
                 if _plausible(value, key, other, self.labels[self.keys[other]])]
        best = (difflib.SequenceMatcher(None, key, match[0]).ratio(), self.keys[match[0]]) if match else None
        if self.unordered:
            words = _unordered(key)
            found = [other for other in difflib.get_close_matches(words, list(self.unordered), n=3, cutoff=0.7)
                     if self.unordered[other] is not None
                     and _plausible(value, words, other, self.labels[self.unordered[other]])]
            ratio = difflib.SequenceMatcher(None, words, found[0]).ratio() if found else 0.0
            if found and (best is None or ratio > best[0]):
                best = (ratio, self.unordered[found[0]])
        if best is None and (code := self.shortened(value)):  # «Дош. образование»
            return self.labels[code]
        return self.labels[best[1]] if best else None


_GRADE_WORD = re.compile(r"\s*(?:-?(?:е|х|ые|ых|м)\s*)?(?:класс(?:ы|ов|а|ах|е|ам)?|кл)\.?$")
_GRADE_SPAN = re.compile(r"(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?")


def _parenthesised(label: str) -> list[str]:
    """«Школьные научные общества (ШНО)» is also found as «Школьные научные общества» and «ШНО»."""
    inner = re.findall(r"\(([^)]*)\)", label)
    return [re.sub(r"\s*\([^)]*\)", "", label), *inner] if inner else []


@dataclass
class Vocabularies:
    regions: Lookup
    levels: Lookup
    subjects: Lookup
    topics: Lookup

    @classmethod
    def load(cls) -> Vocabularies:
        # The other names of levels and subjects ship with the vocabulary (kb.vocabularies.data), by code.
        level_aliases = {level["code"]: level.get("aliases", []) for level in vocabulary.LEVELS}
        subject_aliases = {subject["code"]: subject.get("aliases", []) for subject in vocabulary.SUBJECTS}
        levels, shorts = [], {}
        for level in db.session.scalars(select(EducationLevel).order_by(EducationLevel.sort_order)):
            aliases = [level.short, *level.name.split("—")[1:], *level_aliases.get(level.code, [])]
            levels.append((level.code, level.name, aliases))
            shorts[level.code] = level.short
        grades = {grade: code for code, (first, last) in vocabulary.LEVEL_GRADES.items() if code in shorts
                  for grade in range(first, last + 1)}
        level_lookup = Lookup(levels, drop=("образование", "образования", "уровень"), stems=True, grades=grades)
        for short, other in vocabulary.LEVEL_OTHER_READINGS.items():
            read_as = level_lookup.find(short)
            if read_as is None or other not in level_lookup.labels:
                continue
            level_lookup.set_caution(short, (
                f"«{short}» прочитано как «{level_lookup.labels[read_as]}». В реестрах «{short}» пишут и о "
                f"дополнительном образовании («МБУ {short}»): если имелось в виду «{level_lookup.labels[other]}», "
                f"напишите «Дополнительное образование» или «{shorts[other]}»."))
        return cls(
            regions=Lookup([(r.code, r.name, [*(r.aliases or []), *([r.okato] if r.okato else [])])
                            for r in db.session.scalars(select(Region))], any_order=True),
            levels=level_lookup,
            subjects=Lookup([(s.code, s.name, _parenthesised(s.name) + s.name.split(" / ")
                              + subject_aliases.get(s.code, []))
                             for s in db.session.scalars(select(Subject).order_by(Subject.sort_order))]),
            topics=Lookup([(t.code, t.label, [*(t.synonyms or []), *_parenthesised(t.label)])
                           for t in db.session.scalars(select(Topic).order_by(Topic.sort_order, Topic.code))],
                          stems=True, parts=True,
                          not_parts=tuple(name for _code, label, aliases in levels for name in (label, *aliases))),
        )


def _suggestion(suggested: str | None) -> str:
    return f" Возможно, имелось в виду: «{suggested}»." if suggested else ""


# A number in the region column is read as the region's OKATO code, which is not the number of car plates and tax
# codes (74 is Челябинская область there, 75 in OKATO): the bank has no table of those and does not guess.
NUMBER_NOT_OKATO = (" Число в этом столбце читается как код ОКАТО, а не как код региона с автомобильных номеров "
                    "или из ИНН; укажите регион названием.")
NUMBER_IS_OKATO = (" Если это код региона с автомобильных номеров или из ИНН, он может означать другой регион: "
                   "укажите регион названием.")


_JOINS = (re.compile(","), re.compile("/"), re.compile(r"\s+и\s+", re.IGNORECASE))


def _joined(lookup: Lookup, piece: str) -> list[str]:
    """The entries of a value that joins several with commas («Русский язык, литература»), slashes («НОО/ООО») or
    « и » («Русский язык и литература», «Русский язык, литература и история»), when each part is one (or joins
    several in turn); else none. A value that is itself one entry («Родной язык и литература», «Основы
    безопасности и защиты Родины») is found before it is split."""
    for separator in _JOINS:
        if separator.search(piece):
            parts = [lookup.find_many(part) or _joined(lookup, part)
                     for part in separator.split(piece) if part.strip()]
            if parts and all(parts):
                return list(dict.fromkeys(code for codes in parts for code in codes))
    return []


def _caution(lookup: Lookup, piece: str) -> str | None:
    """The warning that goes with a value read (or with a part of a joined one, «ДО/НОО»), if any."""
    if not lookup.cautions:
        return None
    parts = [piece, *(part for separator in _JOINS for part in separator.split(piece))]
    return next((note for part in parts if (note := lookup.caution(part))), None)


def _by_part(lookup: Lookup, piece: str) -> list[tuple[str, str]]:
    """The values of a piece read by a part of a label (only topics are), with their entries: the piece itself, or
    the parts of a joined one («дети с ОВЗ и выявление одарённости»)."""
    if not lookup.part_keys:
        return []
    if lookup.find_many(piece):
        return [(piece, code)] if (code := lookup.by_part(piece)) else []
    for separator in _JOINS:
        if separator.search(piece):
            parts = [part.strip() for part in separator.split(piece) if part.strip()]
            if all(lookup.find_many(part) or _joined(lookup, part) for part in parts):
                return [found for part in parts for found in _by_part(lookup, part)]
    return []


def _codes(lookup: Lookup, cell: object, label: str, warnings: list[str], program: str = "Excel"
           ) -> tuple[tuple[str, ...], list[str]]:
    """The entries a cell names, and the values of it the vocabulary does not have (a warning the caller gives:
    the row loads with the values found, see ``_unknown_values``); ``program``: the registry's (Registry.program)."""
    codes: list[str] = []
    unknown: list[str] = []
    for piece in split_list(cell):
        found = lookup.find_many(piece) or _joined(lookup, piece)
        if not found and lookup.grades and (day_month := _typed_as_date(piece)) is not None:
            found, piece = _grades_of_date(lookup, *day_month, label, warnings, program)
        note = _caution(lookup, piece) if found else None
        if note and f"{label}: {note}" not in warnings:
            warnings.append(f"{label}: {note}")
        for part, code in _by_part(lookup, piece) if found else ():
            note = (f"{label}: «{part}» прочитано как тема «{lookup.labels[code]}»; если имелось в виду другое, "
                    "исправьте значение в файле.")
            if note not in warnings:
                warnings.append(note)
        if found:
            codes.extend(code for code in found if code not in codes)
        else:
            unknown.append(piece)
    return tuple(codes), unknown


# The short forms Excel shows a date of this year in: «05.09» (ДД.ММ), «05.сен» (ДД.МММ), «5-Sep» (D-MMM).
_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})|(\d{1,2})[-. ]?([a-zа-я]{3})\.?", re.IGNORECASE)
_MONTH_NAMES = {name: number for names in ("янв фев мар апр май июн июл авг сен окт ноя дек",
                                           "jan feb mar apr may jun jul aug sep oct nov dec")
                for number, name in enumerate(names.split(), start=1)}


def _typed_as_date(text: str) -> tuple[int, int] | None:
    """(day, month) of a value that is a date: an XLSX date cell (its text: «2024-09-05»), a date as a CSV export
    writes it («05.09.2024») or as Excel shows one of this year («05.09», «05.сен», «5-Sep»). Else None."""
    if (date := _text_date(text, rules.last_year())) is not None:
        return date.day, date.month
    if (match := _DAY_MONTH.fullmatch(text)) is None:
        return None
    if match.group(1):
        day, month = int(match.group(1)), int(match.group(2))
    elif (month := _MONTH_NAMES.get(match.group(4).lower())) is None:
        return None
    else:
        day = int(match.group(3))
    try:
        dt.date(2000, month, day)  # a leap year: 29.02 is a date
    except ValueError:
        return None
    return day, month


def _grades_of_date(lookup: Lookup, day: int, month: int, label: str, warnings: list[str], program: str = "Excel"
                    ) -> tuple[list[str], str]:
    """The levels of a grade range ``program`` (Excel, LibreOffice for an ODS) stored as a date («5-9» typed → 5
    September), with a word to check it, when day and month are grades 1–11 and the day is not after the month; and
    the date as the program shows it («05.09»: the value named if it is none)."""
    shown = f"{day:02d}.{month:02d}"
    found = lookup.graded(f"{day}-{month}") if 1 <= day <= month <= 11 else []
    if found:
        grades = f"класс {day}" if day == month else f"классы {day}–{month}"
        warnings.append(f"{label}: ячейка «{shown}» сохранена {program} как дата, прочитано как {grades}; проверьте.")
    return found, shown


def _unknown_values(lookup: Lookup, label: str, unknown: list[str], kept: list[str] | None,
                    dry_run: bool, program: str = "Excel") -> list[str]:
    """The warnings of values a vocabulary does not have: named, with a suggestion when one is close; the row loads
    without them. ``kept``: the labels a loaded practice keeps because no value of the cell was found;
    ``program``: the registry's (Registry.program), said to make a date of what was typed."""
    if kept:
        stays = (f"{'останутся' if dry_run else 'остались'} прежние значения: "
                 + ", ".join(f"«{name}»" for name in kept) + ".")
    messages = []
    for piece in unknown:
        if meant := lookup.ambiguous(piece):
            message = (f"{label}: «{piece}» — это несколько значений словаря: "
                       + ", ".join(f"«{name}»" for name in meant)
                       + f". Значение {'не будет загружено' if dry_run else 'не загружено'}: укажите нужные "
                       "(несколько — через точку с запятой).")
            messages.append(message + (f" {stays[0].upper()}{stays[1:]}" if kept else ""))
            continue
        if lookup.grades and (day_month := _typed_as_date(piece)) is not None:
            day, month = day_month
            messages.append(
                f"{label}: значение «{piece}» — дата: {program} сам превращает в дату набранное так, как "
                f"«{day}-{month}» или «{day}.{month}»; классами оно не читается"
                + (f"; {stays}" if kept else f" и {'не будет загружено' if dry_run else 'не загружено'}.")
                + f" {_TEXT_FORMAT[0].upper()}{_TEXT_FORMAT[1:]}.")
            continue
        if (day_month := _date_value(piece)) is not None:
            messages.append(_date_in_vocabulary(label, piece, day_month, stays if kept else
                                                f"значение {'не будет загружено' if dry_run else 'не загружено'}.",
                                                program))
            continue
        found = f"{label}: значение «{piece}» не найдено в словаре"
        if kept:
            messages.append(f"{found}; {stays}{_suggestion(lookup.suggest(piece))}")
        else:
            messages.append(f"{found} и {'не будет загружено' if dry_run else 'не загружено'}."
                            f"{_suggestion(lookup.suggest(piece))}")
    return messages


def _date_value(text: str) -> tuple[int, int] | None:
    """(day, month) of a value that is a date (``_typed_as_date``), also with a time of day: a date cell of XLSX
    with a time is shown «05.09.2024 10:30»."""
    return _typed_as_date(re.sub(r"\s+\d{1,2}:\d{2}(?::\d{2})?$", "", text))


def _date_in_vocabulary(label: str, shown: str, day_month: tuple[int, int], outcome: str,
                        program: str = "Excel") -> str:
    """The warning of a date in a vocabulary's column (an XLSX date cell, a date a CSV export wrote as text): it is
    no value of the vocabulary; ``outcome`` says what the row loads instead («значение не загружено.»);
    ``program``: the registry's (Registry.program)."""
    day, month = day_month
    return (f"{label}: в ячейке дата «{shown}», а не значение словаря; {outcome} {program} сам превращает в дату "
            f"набранное так, как «{day}-{month}» или «{day}.{month}». {_TEXT_FORMAT[0].upper()}{_TEXT_FORMAT[1:]}.")


_DATE_IN_REGION = f"{FIELD_LABELS['region']}: в ячейке дата"


def _date_in_region(shown: str, day_month: tuple[int, int], program: str = "Excel") -> str:
    """The row's error of a date in the region's column (an XLSX date cell, a date a CSV export wrote as text),
    worded as a date in another vocabulary's column is, with what to write instead: a region is required."""
    return _date_in_vocabulary(FIELD_LABELS["region"], shown, day_month,
                               "без региона строка не загружается — впишите в ячейку название региона, например "
                               "«Челябинская область».", program)


# -- single cells ----------------------------------------------------------------------------------------


# A school year: «2022/2023», «2022-2023», «2022–23», with «уч.», «учебный» before the «год» cut off above.
_SCHOOL_YEAR = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4}|\d{2})(?:\s*(?:уч\.?|учебн\w*))?", re.IGNORECASE)


def _next_year(first: str, second: str) -> bool:
    return int(second) == (int(first) + 1) % (100 if len(second) == 2 else 10_000)


# A date written as text: «15.03.2024», «15.03.24», «15/03/2024», «2024-03-15» (what a CSV export writes).
_TEXT_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})|(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?")


def _text_date(text: str, latest: int) -> dt.date | None:
    """The date a cell's text is, if it is one; a two-digit year is the one of 1990–``latest`` it can be."""
    match = _TEXT_DATE.fullmatch(text)
    if match is None:
        return None
    if match.group(1):
        day, month, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        if len(match.group(4)) == 2:
            year += 2000 if 2000 + year <= latest else 1900
    else:
        year, month, day = int(match.group(5)), int(match.group(6)), int(match.group(7))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None  # «31.02.2024» is not a date


EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's serial numbers of dates (1 is 01.01.1900, as Excel counts)


def _excel_date(number: int, latest: int) -> dt.date | None:
    """The date a whole number is as an Excel serial, if it is one of 01.01.``FIRST_YEAR`` … 31.12.``latest``: a
    date cell that lost its format shows it (45366 is 15.03.2024); no year of four digits is in that range."""
    first, last = (dt.date(FIRST_YEAR, 1, 1) - EXCEL_EPOCH).days, (dt.date(latest, 12, 31) - EXCEL_EPOCH).days
    return EXCEL_EPOCH + dt.timedelta(days=number) if first <= number <= last else None


def parse_year(value: object, warnings: list[str], program: str = "Excel") -> tuple[int | None, str | None]:
    """(year, error): a year of four digits as a number, text or a date (an Excel date, its serial number left
    by a cell that lost its date format, 45366, or a date as text, «15.03.2024 г.»: its year, with a warning), or
    a school year («2022/2023 уч. год», «2022–23»: its first year); anything else is an error. ``program``: the
    registry's (Registry.program; LibreOffice counts its serial numbers from the same day)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    latest = rules.last_year()
    year: int | None = None
    if isinstance(value, bool):
        year = None
    elif isinstance(value, int):
        year = value
    elif isinstance(value, float) and value.is_integer():
        year = int(value)
    elif isinstance(value, dt.date | dt.datetime):
        year = value.year
        warnings.append(f"Год: в ячейке дата ({value:%d.%m.%Y}), взят её год {year}.")
    elif isinstance(value, str):
        text = re.sub(r"\s*(?:г\.?|год|гг\.?)$", "", value.strip(), flags=re.IGNORECASE)
        if re.fullmatch(r"\d{4,5}", text):  # five digits: an Excel date's serial, as a CSV export writes it
            year = int(text)
        elif (date := _text_date(text, latest)) is not None:
            year = date.year
            warnings.append(f"Год: в ячейке дата ({date:%d.%m.%Y}), взят её год {year}.")
        elif (school := _SCHOOL_YEAR.fullmatch(text)) and _next_year(*school.groups()):
            year = int(school.group(1))  # a school year is named by the calendar year it begins in
            warnings.append(f"Год: «{cell_text(value)}» — учебный год, взят год его начала {year}.")
    if year is None:
        return None, f"Год «{cell_text(value)}» — не год; укажите его цифрами, например 2023."
    if (date := _excel_date(year, latest)) is not None:
        year = date.year
        warnings.append(f"Год: в ячейке число {cell_text(value)} — похоже на дату {program} {date:%d.%m.%Y} (ячейка "
                        f"потеряла формат даты), взят её год {year}.")
    if not FIRST_YEAR <= year <= latest:
        return None, f"Год {year} вне допустимого диапазона {FIRST_YEAR}–{latest}."
    return year, None


_SPREAD_WORDS = (("муниципальн", "municipality"), ("регион", "region"), ("федерал", "federal"),
                 ("всероссийск", "federal"), ("организац", "institution"), ("учрежден", "institution"),
                 ("институцион", "institution"), ("школ", "institution"))


def parse_spread_level(value: str) -> str | None:
    folded = _norm(value)
    codes = {item["code"] for item in SPREAD_LEVELS}
    if folded in codes:
        return folded
    for stem, code in _SPREAD_WORDS:
        if stem in folded:
            return code
    return None


# How a co-author written after a comma is told from a position: «Петрова Б. В.», «Б. В. Петрова», «Петрова
# Белла Викторовна» are names; «учитель физики» is not. A part that may be a name but is not surely one («Петрова
# Белла», «Петрова») stays the position, as before, with a warning.


def _author_entries(value: object) -> list[str]:
    """The authors' entries of a cell: parted by «;» (unless what follows it begins in lower case), and by a line
    break only before a line that begins with a person's name; a line break inside an entry («Иванова Анна
    Петровна,⏎учитель математики», «ФИО⏎(должность)») is a comma (kb.practices.rules.author_lines: the form reads
    its lines so too)."""
    return [entry for entry in rules.author_lines(cell_text(value), wrapped_only=False) if entry]


def parse_authors(value: object, warnings: list[str] | None = None) -> list[tuple[str, str]]:
    """«Иванова А. П., учитель математики; Петров П. П. (директор)» → [(name, position), …]. Co-authors written
    with commas, «Иванова А. П., Петрова Б. В.», «Иванова А. П., ПЕТРОВ И. И.» or «Иванова Анна Петровна, учитель,
    Петрова Белла Викторовна, учитель», or with «и», «Иванова А. П. и Петров И. И.», are two authors; a part that
    may be a name but is not surely one is the position, with a warning. A list's numbers, «1. Иванова А. П.,
    учитель», are left out, and a dash after a name, «Сидорова Анна Петровна – учитель географии», parts it from
    the position as a comma does. A line break parts authors only before a name (``_author_entries``)."""
    authors = []
    for piece in _author_entries(value):
        parts = rules.split_and(_join_initials(rules.split_commas(_LIST_NUMBER.sub("", piece))))
        name, position = rules.bracketed(parts[0]) or _dashed(parts[0])
        positions = [position] if position else []
        for part in filter(None, parts[1:]):
            person = rules.person(part)
            if person is not None:
                authors.append((name, ", ".join(positions)))
                name, position = person
                positions = [position] if position else []
                continue
            if (warnings is not None and not positions and _MAYBE_NAME.fullmatch(part)
                    and not _position_word(part.split()[0]) and not _acting_position(part)):
                warnings.append(f"Авторы: «{part}» записано как должность автора «{name}». Если это "
                                "соавтор, напишите его ФИО полностью или разделите авторов точкой с запятой.")
            positions.append(part)
        authors.append((name, ", ".join(positions)))
    return [(name.strip()[:300], position.strip()[:300]) for name, position in authors]


def with_positions(authors: list[tuple[str, str]], cell: object, header: str,
                   warnings: list[str]) -> list[tuple[str, str]]:
    """The authors with the positions of a separate column («Должность»), «ФИО, должность»: as many positions
    (parted by «;» or line breaks) as authors go to them in order; one author takes the whole cell; one position
    for several authors goes to each (co-authors mostly share it), with a warning; other counts are not guessed,
    and the warning names them. A position written in the authors' own cell stays."""
    positions = split_list(cell)
    if not positions:
        return authors
    written = "; ".join(positions)
    if not authors:
        several = len(positions) > 1
        warnings.append(f"{'Должности' if several else 'Должность'} «{written}» не "
                        f"{'записаны' if several else 'записана'}: не указан автор.")
        return authors
    if len(authors) == 1:
        positions = [", ".join(positions)]
    elif len(positions) == 1:
        lacking = sum(1 for _name, position in authors if not position)
        if lacking > 1:
            warnings.append(f"Должность «{written}» — одна на {len(authors)} авторов: записана каждому. Если "
                            f"должности у соавторов разные, перечислите их в столбце «{header}» через точку с "
                            "запятой в том же порядке, что и авторов.")
        positions = positions * len(authors)
    elif len(positions) != len(authors):
        warnings.append(f"Должности «{written}» не записаны: их {len(positions)}, а авторов {len(authors)}. Укажите "
                        "должность каждого автора через точку с запятой в том же порядке или впишите её в столбец "
                        "авторов: «ФИО, должность».")
        return authors
    return [(name, own or position[:300]) for (name, own), position in zip(authors, positions, strict=True)]


# -- rows ------------------------------------------------------------------------------------------------


@dataclass
class _Context:
    user: User
    vocabularies: Vocabularies
    columns: dict[str, str]
    archive: FileArchive | None
    dry_run: bool
    publish: bool
    program: str = "Excel"  # the registry's (Registry.program)
    kind: str = "XLSX"  # the registry's format (Registry.kind)
    ids: frozenset[str] = frozenset()  # the registry's external ids, as its rows read them: see _zeros_dropped
    seen: dict[str, int] = field(default_factory=dict)
    # the values no vocabulary has, (column, value) -> the rows with them: summed up for the file at the end
    unknown: dict[tuple[str, str], list[RowResult]] = field(default_factory=dict)
    # the rows that would create a practice, with its title and sections: checked for duplicates at the end
    new: list[tuple[RowResult, str, dict[str, str]]] = field(default_factory=list)
    # the office's ids that are numbers, by value -> (not in its own numbering, practice id): see _zeros_dropped
    numbered: dict[Decimal, list[tuple[bool, int]]] | None = None


def id_namespace(user: User) -> str:
    """Whose numbering a registry's external ids are: the importing office's (a methodist's region, or their
    organisation in its region: two schools of one name in two regions number apart); an administrator's loads
    are numbered bank-wide (""), as every load was before."""
    kind, region_code, organisation = policy.moderation_scope(user)
    if kind == "region":
        return f"region:{region_code}"
    if kind == "organisation":
        return f"org:{region_code}:{organisation}"
    return ""


def find_by_external_id(user: User, external_id: str) -> Practice | None:
    """The practice a registry row's id names: the office's own numbering first; then, among practices numbered
    bank-wide (loaded by an administrator, or before numbering per office) or, for an organisation's methodist,
    in the organisation's numbering before it had a region («org:<name>»: a practice migration x0org0000001
    could not place, given its region since), one this office moderates (its next load moves it into the
    office's numbering). Another office's practice with the same id is not it."""
    namespace = id_namespace(user)
    kind, _region_code, organisation = policy.moderation_scope(user)
    older = ("", f"org:{organisation}") if kind == "organisation" else ("",)
    found = {practice.external_scope: practice for practice in db.session.scalars(
        select(Practice).where(Practice.external_id == external_id, Practice.external_scope.in_({namespace, *older})))}
    if namespace in found:
        return found[namespace]
    return next((found[scope] for scope in older if scope in found and policy.in_scope(user, found[scope])), None)


_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# A number as a spreadsheet writes it into a CSV it saves: no zeros before it, none at the end of its fraction
_WRITTEN_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:[.,]\d*[1-9])?")


def _id_number(ctx: _Context, value: object, text: str) -> Decimal | None:
    """The number of an id whose zeros a spreadsheet may have dropped: a numeric cell of an XLSX or ODS (1, 1.1),
    or a CSV's id written as a spreadsheet writes a number («1», «1.1», «1,1»: a CSV opened and saved again in
    Excel holds that text where «001», «1.10» were). None for an id typed as text (a CSV's «01», «1.0», «Р-1»)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value)) if math.isfinite(value) else None
    if ctx.kind == "CSV" and _WRITTEN_NUMBER.fullmatch(text):
        return Decimal(text.replace(",", "."))
    return None


def _zeros_dropped(ctx: _Context, number: Decimal) -> Practice | None:
    """For an id that is a number a spreadsheet may have written without its zeros (``_id_number``) and that no
    practice has: the practice whose id is that number written with zeros («001», «1.10»), in the numbering
    ``find_by_external_id`` looks in. Such a row is refused rather than matched:
    an id that only looks alike may be another practice, and a wrong match would overwrite it, while a refusal
    loses nothing. A practice whose id the registry itself names in another row is not such a twin: a file that
    holds «1.10» and «1.1» (or «001» and «1») lost no zeros, and a practice its own import creates is no twin of
    another of its rows (the check, which creates none, says the same as the import). The office's numeric ids are
    read once per registry."""
    if ctx.numbered is None:
        namespace = id_namespace(ctx.user)
        kind, _region_code, organisation = policy.moderation_scope(ctx.user)
        scopes = {namespace, ""} | ({f"org:{organisation}"} if kind == "organisation" else set())
        ctx.numbered = {}
        for practice_id, external_id, scope in db.session.execute(
                select(Practice.id, Practice.external_id, Practice.external_scope)
                .where(Practice.external_scope.in_(scopes), Practice.external_id.is_not(None))):
            if _NUMBER.fullmatch(external_id):
                ctx.numbered.setdefault(Decimal(external_id.replace(",", ".")), []).append(
                    (scope != namespace, practice_id))
    for _older, practice_id in sorted(ctx.numbered.get(number, [])):
        practice = db.session.get(Practice, practice_id)
        if practice is not None and practice.external_id not in ctx.ids and (
                practice.external_scope == id_namespace(ctx.user) or policy.in_scope(ctx.user, practice)):
            return practice
    return None


def _zeros_refusal(ctx: _Context, external_id: str, twin: Practice) -> str:
    """The row's error of an id ``_zeros_dropped`` found a practice for, naming the program that may have dropped
    the zeros; a CSV keeps no cell format, the column is to be made text in the program it is edited in."""
    if ctx.kind == "CSV":
        fix = (f"{ctx.program} мог убрать нули, когда сохранял файл CSV. Исправьте идентификатор в файле (в "
               "программе таблиц задайте столбцу формат «Текстовый» и впишите идентификатор заново)")
    else:
        fix = f"{ctx.program} мог убрать нули. Исправьте идентификатор в файле (формат ячейки «Текстовый»)"
    return (f"Внешний идентификатор «{external_id}» похож на «{twin.external_id}» практики №{twin.id}, уже "
            f"загруженной: {fix} и загрузите реестр ещё раз.")


@dataclass
class _Plan:
    data: PracticeData
    existing: Practice | None
    entries: list[Entry]


def _id_text(value: object) -> str:
    """A row's external id as ``_text`` reads it (a cell's problem is no id)."""
    return "" if isinstance(value, CellProblem) else visible_strip(rules.one_line(cell_text(value)))


def _text(raw: RawRow, key: str, limit: int | None, errors: list[str]) -> str:
    text = cell_text(raw.values.get(key))
    if key in _ONE_LINE:
        text = visible_strip(rules.one_line(text))  # as the form's one-line fields (invisible characters at the ends)
    if limit is not None and len(text) > limit:
        errors.append(f"{FIELD_LABELS[key]}: не длиннее {limit} знаков (сейчас {len(text)}).")
    return text


# Fields a one-line input shows: a line break in the cell (Alt+Enter in Excel) becomes a space.
_ONE_LINE = frozenset({"external_id", "title", "organisation", "event"})


def _limit_errors(data: PracticeData, columns: dict[str, str]) -> list[str]:
    """What the edit form would refuse in the fields this row supplies (kb.practices.rules: the form's own limits
    and words), so that a practice the import writes can be saved again in the form."""
    def supplied(key: str, value):
        return value if key in columns else type(value)()  # what the row keeps as stored is not its doing

    sections = {key: text for key, text in data.sections.items() if key in columns}
    found = rules.limit_errors(data.title, sections, supplied("authors", data.authors),
                               supplied("organisation", data.organisation), supplied("event", data.event), None)
    amounts = {"authors": len(data.authors), "title": rules.title_length(data.title),
               "organisation": len(data.organisation), "event": len(data.event),
               **{key: rules.length(text) for key, text in sections.items()}}
    if found.get("authors") == rules.AUTHORS_TEXT_MESSAGE:
        amounts["authors"] = rules.length(rules.authors_text(data.authors))
    messages = []
    for key, message in found.items():
        label = FIELD_LABELS[key]
        if not message.startswith(label):  # «Не больше 20000 символов в разделе.» → «Аннотация: не больше …»
            message = f"{label}: {message[0].lower()}{message[1:]}"
        messages.append(f"{message.removesuffix('.')} (сейчас {amounts[key]}).")
    return messages


# Columns whose values are looked up in a vocabulary: a date there is no value of it. A region that is none
# refuses the row (as an unknown region does); in the others it is an unknown value, read as text and told as a
# date by ``_unknown_values``: the row loads without it.
_VOCABULARY_KEYS = frozenset({"region", "levels", "subjects", "topics", "spread_level"})
_ROW_ERROR_KEYS = frozenset({"region"})
_TEXT_FORMAT = "задайте ячейке формат «Текстовый» (Формат ячеек → Текстовый), впишите значение заново и загрузите " \
               "реестр снова"


def _dates_as_shown(raw: RawRow, errors: list[str], warnings: list[str], program: str = "Excel") -> RawRow:
    """The row with a date in a cell other than the year's as Excel shows it (05.09.2024, not 2024-09-05), and a
    word of it: Excel turns «5-9» typed in a cell into a date of this year. In the region's column that is the
    row's error (the cell counts as empty: no «не найден в словаре» besides); in another vocabulary's column the
    date goes on as text, a value the vocabulary does not have (its warning says it is a date, as for a CSV's);
    elsewhere the text is loaded, with a warning. The levels' dates are read by ``_codes``: a grade range as typed,
    like the dates of a CSV."""
    dated = {key: value for key, value in raw.values.items()
             if key not in ("year", "levels") and isinstance(value, dt.date)}
    if not dated:
        return raw
    values = dict(raw.values)
    for key, value in dated.items():
        timed = isinstance(value, dt.datetime) and value.time() != dt.time()
        shown = f"{value:%d.%m.%Y %H:%M}" if timed else f"{value:%d.%m.%Y}"
        typed = f"«{value.day}-{value.month}» или «{value.day}.{value.month}»"
        label = FIELD_LABELS[key]
        if key in _VOCABULARY_KEYS and key not in _ROW_ERROR_KEYS:
            values[key] = shown
        elif key in _ROW_ERROR_KEYS:
            errors.append(_date_in_region(shown, (value.day, value.month), program))
            values[key] = None
        else:
            warnings.append(f"{label}: в ячейке дата {shown}, она прочитана как текст «{shown}». Если там было "
                            f"написано другое, {program} сам превратил это в дату (так он делает с {typed}): "
                            f"{_TEXT_FORMAT}.")
            values[key] = shown
    return RawRow(raw.number, values, raw.errors)


def _check_row(raw: RawRow, ctx: _Context) -> tuple[RowResult, _Plan | None]:
    columns, user = ctx.columns, ctx.user
    # An Excel error or an uncalculated formula is the row's error, not its text; the cell counts as empty.
    problems = {key: value for key, value in raw.values.items() if isinstance(value, CellProblem)}
    errors: list[str] = [*raw.errors, *(problem.message for problem in problems.values())]
    raw = RawRow(raw.number, {**raw.values, **dict.fromkeys(problems)})
    warnings: list[str] = []
    raw = _dates_as_shown(raw, errors, warnings, ctx.program)
    result = RowResult(raw.number, errors=errors, warnings=warnings)
    result.external_id = external_id = _text(raw, "external_id", EXTERNAL_ID_MAX, errors)
    result.title = title = _text(raw, "title", None, errors)  # its length: _limit_errors
    if not title and "title" not in problems:
        errors.append("Не указано название практики.")

    existing: Practice | None = None
    if external_id:
        if external_id in ctx.seen:
            errors.append(f"Внешний идентификатор «{external_id}» уже встречался в строке {ctx.seen[external_id]}.")
        else:
            ctx.seen[external_id] = raw.number
            existing = find_by_external_id(user, external_id)
            number = _id_number(ctx, raw.values.get("external_id"), external_id) if existing is None else None
            if number is not None and (twin := _zeros_dropped(ctx, number)) is not None:
                errors.append(_zeros_refusal(ctx, external_id, twin))
    else:
        warnings.append("Нет внешнего идентификатора: повторная загрузка создаст эту практику ещё раз.")
    before = snapshot(existing) if existing is not None else None
    result.practice_id = existing.id if existing is not None else None

    def kept(key: str, default: object) -> object:
        return before[key] if before is not None else default

    sections = {key: _text(raw, key, None, errors) if key in columns else kept(key, "") for key in SECTION_KEYS}
    authors = parse_authors(raw.values.get("authors"), warnings) if "authors" in columns else [
        tuple(a) for a in kept("authors", [])]
    if "position" in columns:  # the registry reads it only beside the authors' column
        authors = with_positions(authors, raw.values.get("position"), columns["position"], warnings)

    scope_organisation = user.scope_organisation if policy.moderation_scope(user)[0] == "organisation" else None
    organisation = (_text(raw, "organisation", None, errors) if "organisation" in columns
                    else kept("organisation", scope_organisation or ""))
    if not organisation and scope_organisation:
        organisation = scope_organisation
        warnings.append(f"Организация не указана — взята организация вашей области: «{scope_organisation}».")

    region_code = kept("region_code", None)
    region_text = _text(raw, "region", None, errors) if "region" in columns else ""
    if "region" in columns:
        region_code = ctx.vocabularies.regions.find(region_text) if region_text else None
        # a short name, «Свердловская», «Свердл.»; one that may name several regions («Моск.») names none
        short = region_names().read(region_text) if region_text and region_code is None else None
        if short is not None and (code := short.code or (
                None if short.candidates else ctx.vocabularies.regions.shortened(region_text))):
            region_code = code
            warnings.append(f"Регион «{region_text}» прочитан как «{ctx.vocabularies.regions.labels[code]}» "
                            "(сокращённое название); если это не он, напишите регион полностью.")
        elif region_text and region_code is None and (day_month := _date_value(region_text)) is not None:
            errors.append(_date_in_region(region_text, day_month, ctx.program))  # a CSV's: told as an XLSX cell's
        elif region_text and region_code is None:
            suggested = ctx.vocabularies.regions.suggest(region_text)
            if suggested is None:
                found = gazetteer().find_regions(region_text)
                suggested = ctx.vocabularies.regions.labels.get(found[0]) if found else None
            errors.append(f"Регион «{region_text}» не найден в словаре."
                          + (NUMBER_NOT_OKATO if region_text.isdigit() else short.hint() or _suggestion(suggested)))
        elif region_text.isdigit() and region_code is not None and region_text != region_code:
            label = ctx.vocabularies.regions.labels[region_code]
            warnings.append(f"Регион «{region_text}» прочитан как код ОКАТО — {label}.{NUMBER_IS_OKATO}")
    scope_region = policy.moderation_scope(user)[1] or None
    # a date cell (an XLSX's, counted as empty) is the row's error, no empty cell to give the methodist's region;
    # so is a formula without its value or an error value (the cell's problem, already the row's error)
    dated = any(error.startswith(_DATE_IN_REGION) for error in errors)
    if (region_code is None and not region_text and scope_region and existing is None and not dated
            and "region" not in problems):
        region_code = scope_region
        label = ctx.vocabularies.regions.labels[scope_region]
        warnings.append(f"Регион не указан — взят регион вашей области: {label}.")

    municipality_id = kept("municipality_id", None)
    if "municipality" in columns:
        name = _text(raw, "municipality", None, errors)
        municipality = find_municipality(region_code, name) if name and region_code else None
        stored = existing.municipality if existing is not None else None
        if name and municipality is None and stored is not None and stored.region_code == region_code:
            # An unrecognised spelling does not clear what was set (perhaps by hand, in the form) in this region.
            warnings.append(f"Муниципалитет «{name}» не найден в словаре этого региона: "
                            f"{'останется' if ctx.dry_run else 'оставлен'} прежний — «{stored.name}»."
                            + _suggestion(municipality_suggestion(region_code, name)))
        else:
            municipality_id = municipality.id if municipality is not None else None
            if name and municipality is None:
                where = ("этого региона" if region_code else "(регион не распознан)" if region_text
                         else "(не указан регион)")
                warnings.append(f"Муниципалитет «{name}» не найден в словаре {where} и "
                                f"{'не будет сохранён' if ctx.dry_run else 'не сохранён'}."
                                + _suggestion(municipality_suggestion(region_code, name)))

    def codes(key: str, lookup: Lookup, kept_key: str) -> tuple[str, ...]:
        if key not in columns:
            return tuple(kept(kept_key, []))
        label = FIELD_LABELS[key]
        found, unknown = _codes(lookup, raw.values.get(key), label, warnings, ctx.program)
        # a cell with no value found does not clear what a loaded practice has
        stored = list(kept(kept_key, [])) if unknown and not found else []
        warnings.extend(_unknown_values(lookup, label, unknown, [lookup.labels.get(code, code) for code in stored],
                                        ctx.dry_run, ctx.program))
        for piece in unknown:
            ctx.unknown.setdefault((label, piece), []).append(result)
        return tuple(stored) or found

    level_codes = codes("levels", ctx.vocabularies.levels, "levels")
    subject_codes = codes("subjects", ctx.vocabularies.subjects, "subjects")
    topic_codes = codes("topics", ctx.vocabularies.topics, "topics")

    year = kept("year", None)
    if "year" in columns:
        year, error = parse_year(raw.values.get("year"), warnings, ctx.program)
        if error:
            errors.append(error)
    event = _text(raw, "event", None, errors) if "event" in columns else kept("event", "")
    spread_level = kept("spread_level", None)
    if "spread_level" in columns:
        spread_text = _text(raw, "spread_level", None, errors)
        spread_level = parse_spread_level(spread_text) if spread_text else None
        if spread_text and spread_level is None:
            # as a vocabulary's value: named, and the row loads without it (a loaded practice keeps its own)
            spread_level = kept("spread_level", None)
            labels = {item["code"]: item["label"] for item in SPREAD_LEVELS}
            stays = (f"; {'останется' if ctx.dry_run else 'остался'} прежний — «{labels[spread_level]}»"
                     if spread_level in labels else f" и {'не будет загружен' if ctx.dry_run else 'не загружен'}")
            if (day_month := _date_value(spread_text)) is not None:
                outcome = (f"{'останется' if ctx.dry_run else 'остался'} прежний — «{labels[spread_level]}»."
                           if spread_level in labels
                           else f"значение {'не будет загружено' if ctx.dry_run else 'не загружено'}.")
                warnings.append(_date_in_vocabulary(FIELD_LABELS["spread_level"], spread_text, day_month, outcome,
                                                    ctx.program))
            else:
                warnings.append(f"Уровень распространения «{spread_text}» не распознан{stays}. Допустимо: "
                                + ", ".join(f"«{label}»" for label in labels.values()) + ".")
            ctx.unknown.setdefault((FIELD_LABELS["spread_level"], spread_text), []).append(result)

    # None: the instance's default for a new practice; an empty or unknown cell leaves a loaded one its own
    licence = kept("licence", None)
    if "licence" in columns and (licence_cell := _text(raw, "licence", None, errors)):
        if found_licence := parse_licence(licence_cell):
            licence = found_licence
        else:
            stays = (f"{'останется' if ctx.dry_run else 'осталась'} прежняя" if existing is not None
                     else f"{'будет' if ctx.dry_run else 'указана'} лицензия банка по умолчанию")
            warnings.append(f"Лицензия «{licence_cell}» не распознана; {stays} — "
                            f"«{licence_terms(licence or default_licence())['label']}». {ACCEPTED_SPELLINGS}")
            ctx.unknown.setdefault((FIELD_LABELS["licence"], licence_cell), []).append(result)

    # Scope: the practice as it will be must be one this user moderates (policy decides, as everywhere).
    probe = Practice(region_code=region_code, organisation=organisation)
    # already reported: with a suggestion, as a date, as the cell's formula or error
    region_unknown = (bool(region_text) or dated or "region" in problems) and region_code is None
    if not region_unknown and not policy.in_scope(user, probe):
        errors.append(f"Строка вне вашей области модерации ({user.scope_label}): регион "
                      f"«{ctx.vocabularies.regions.labels.get(region_code or '', 'не указан')}», "
                      f"организация «{organisation or 'не указана'}».")
    if existing is not None and not errors:
        if not policy.in_scope(user, existing):
            errors.append(f"Внешний идентификатор «{external_id}» уже у практики №{existing.id} вне вашей области.")
        elif not policy.can_edit(user, existing):
            errors.append(f"Практика №{existing.id} в архиве: верните её из архива, чтобы обновить.")
        elif (ctx.publish and existing.status in ("draft", "returned")
              and not policy.can_transition(user, existing, "submit")):
            errors.append(f"Практика №{existing.id} — черновик другого автора: опубликовать её при загрузке нельзя.")

    data = PracticeData(
        title=title, sections=sections, authors=list(authors), organisation=organisation, region_code=region_code,
        municipality_id=municipality_id, level_codes=level_codes, subject_codes=subject_codes,
        topic_codes=topic_codes, year=year, event=event, spread_level=spread_level, licence=licence,
    )
    if title:
        errors.extend(_limit_errors(data, columns))

    scans: set[str] = set()  # the entries a dry run found to be PDFs without a text layer
    entries = _check_files(raw, ctx, errors, scans) if "files" in columns else []
    result.files = [_file_name(entry) for entry in entries]  # only the files that passed the check
    new_files = _new_files(existing, entries, ctx, errors) if entries and ctx.archive is not None else []
    warnings.extend(_scan_notice(entry) for entry in new_files if entry.name in scans)
    if ctx.dry_run and existing is not None:  # a real run says it once it has replaced them (_check_new_files)
        row_digests = _row_digests(entries, ctx)
        warnings.extend(_replaced_notice(name, True, count)
                        for name, count in _replaced_names(existing, new_files, ctx, row_digests).items())
    if errors:
        return result, None
    result.action = "update" if existing is not None else "create"
    result.will_publish = ctx.publish and (existing is None or existing.status != "published")
    if existing is not None:
        if existing.title != title:  # the id may be a mistake: say which practice the row overwrites
            warnings.append(f"Внешний идентификатор «{external_id}» — у практики №{existing.id} «{existing.title}»: "
                            f"её название {'будет заменено' if ctx.dry_run else 'заменено'} названием из этой строки.")
        if ctx.dry_run and not new_files and not result.will_publish and _same_content(existing, data):
            result.action = "unchanged"  # as the import will find it: nothing to write
    else:
        ctx.new.append((result, title, sections))
    return result, _Plan(data, existing, entries)


def _warn_of_duplicates(ctx: _Context) -> None:
    """Name the practices already in the bank that the new rows repeat, as the form and the API do before they
    create a practice (only practices the importing user may see), and the earlier new rows of the file each
    repeats. All rows at once: 2000 one by one doubled the time of a check. A real run leaves out the practices it
    has just created, so it says what the check said."""
    created = {result.practice_id for result, _title, _sections in ctx.new if result.practice_id is not None}
    texts = [(title, sections) for _result, title, sections in ctx.new]
    prints = text_prints(texts)
    found = similar_many(ctx.user, texts, created, prints)
    for (result, _title, _sections), duplicates in zip(ctx.new, found, strict=True):
        if duplicates and not result.failed:
            result.warnings.append(_duplicates_warning(duplicates))
    # and the new rows of the file with each other: the same row twice creates two practices
    for (result, _title, _sections), repeated in zip(ctx.new, repeats_among(texts, prints), strict=True):
        if repeated and not result.failed:
            result.warnings.append(_repeats_warning([(ctx.new[r.index][0], r) for r in repeated]))


def _duplicates_warning(found: list[Duplicate]) -> str:
    """The practices already in the bank that a new row repeats (only those the importing user may see)."""
    shown = []
    for duplicate in found[:3]:
        label = status_label(duplicate.practice.status)
        how = [label[:1].lower() + label[1:]]
        if duplicate.same_title:
            how.append("то же название")
        if duplicate.similarity:
            how.append(f"совпадает около {round(duplicate.similarity * 100)} % текста")
        shown.append(f"№{duplicate.practice.id} «{duplicate.practice.title}» ({', '.join(how)})")
    more = f" и ещё {len(found) - 3}" if len(found) > 3 else ""
    heading = "Похожая практика уже есть" if len(found) == 1 else "Похожие практики уже есть"
    return f"{heading} в банке: {'; '.join(shown)}{more}. Проверьте, не вносите ли вы тот же опыт повторно."


def _repeats_warning(found: list[tuple[RowResult, Repeat]]) -> str:
    """The earlier rows of the registry that a new row repeats, in the words of ``_duplicates_warning``."""
    shown = []
    for earlier, repeat in found[:3]:
        how = ["то же название"] if repeat.same_title else []
        if repeat.similarity:
            how.append(f"совпадает около {round(repeat.similarity * 100)} % текста")
        shown.append(f"{earlier.number} «{earlier.title}» ({', '.join(how)})")
    more = f" и ещё {len(found) - 3}" if len(found) > 3 else ""
    return (f"Похоже, строка повторяет {'строку' if len(found) == 1 else 'строки'} {'; '.join(shown)}{more} в этом же "
            "реестре. Проверьте, не вносите ли вы тот же опыт повторно.")


def _same_name(name: str) -> str:
    """How an attachment's name is compared with a file of the registry: as it is stored, in any case."""
    return clean_filename(name).casefold()


def _replaced(existing: Practice, name: str, row_digests: set[str]) -> list[Attachment]:
    """The practice's attachments a new file of this name replaces: those of the same name whose bytes are none of
    the row's files (a re-import is a correction: the file sent again under its name is the new version of it). A
    row may name several files of one name from different folders: an attachment it still names is kept, so the
    practice ends with exactly the row's files of that name."""
    return [attachment for attachment in existing.attachments
            if attachment.sha256 not in row_digests and _same_name(attachment.original_name) == _same_name(name)]


def _row_digests(entries: list[Entry], ctx: _Context) -> set[str]:
    """The SHA-256 of each of the row's files that can be read (kept by the archive from the check of the row)."""
    digests = set()
    for entry in entries:
        try:
            digests.add(ctx.archive.digest(entry))
        except ArchiveError:
            continue  # reported by the check of the row's files
    return digests


def _replaced_names(existing: Practice, new_files: list[Entry], ctx: _Context,
                    row_digests: set[str]) -> dict[str, int]:
    """The names of the row's files that replace attachments, with how many each replaces."""
    names: dict[str, int] = {}
    for entry in new_files:
        if (replaced := _replaced(existing, _file_name(entry), row_digests)) and _file_name(entry) not in names:
            names[_file_name(entry)] = len(replaced)
    return names


def _replaced_notice(name: str, dry_run: bool, count: int = 1) -> str:
    """What a row says of a file replacing ``count`` attachments of its name (two were kept, from folders 2023/
    and 2024/, and one file of that name replaces both)."""
    if dry_run:
        if count > 1:
            return (f"Файл «{clean_filename(name)}» будет заменён новым: у практики есть файлы с этим именем и "
                    f"другим содержимым ({count}), они будут удалены, а их текст уйдёт из поиска.")
        return (f"Файл «{clean_filename(name)}» будет заменён новым: у практики есть файл с этим именем и другим "
                "содержимым, он будет удалён, а его текст уйдёт из поиска.")
    if count > 1:
        return (f"Файл «{clean_filename(name)}» заменён новым: прежние файлы с этим именем ({count}) удалены из "
                "практики, их текст — из поиска.")
    return (f"Файл «{clean_filename(name)}» заменён новым: прежний файл с этим именем удалён из практики, "
            "его текст — из поиска.")


def _new_files(existing: Practice | None, entries: list[Entry], ctx: _Context, errors: list[str]) -> list[Entry]:
    """The row's files the practice does not have yet (the same bytes attached by an earlier run are not added
    again; a file of the name of one attached, with other bytes, replaces it); an error when they would take it
    past the attachments' limit, which the import would hit."""
    attached = list(existing.attachments) if existing is not None else []
    known = {attachment.sha256 for attachment in attached}
    unique = list({entry.name: entry for entry in entries}.values())
    if not ctx.dry_run and len(attached) + len(unique) <= MAX_PER_PRACTICE:
        return unique  # within the limit however many are new; the import reads each file once, when it adds it
    new: dict[str, Entry] = {}
    for entry in unique:
        try:
            digest = ctx.archive.digest(entry)
        except ArchiveError:
            continue  # reported by the check of the row's files
        if digest not in known:
            new.setdefault(digest, entry)
    row_digests = _row_digests(unique, ctx)
    replaced = {attachment.id for entry in new.values() if existing is not None
                for attachment in _replaced(existing, _file_name(entry), row_digests)}
    kept = len(attached) - len(replaced)
    if kept + len(new) > MAX_PER_PRACTICE:
        already = f"у практики уже {kept}, " if kept else ""
        errors.append(f"К практике можно приложить не больше {MAX_PER_PRACTICE} файлов: {already}"
                      f"в строке {len(new)} {plural(len(new), 'новый', 'новых', 'новых')}.")
    return list(new.values())


def _scan_notice(entry: Entry) -> str:
    return f"«{_file_name(entry)}» — {NO_TEXT_LAYER}."


def _check_files(raw: RawRow, ctx: _Context, errors: list[str], scans: set[str]) -> list[Entry]:
    entries: list[Entry] = []
    for name in split_list(raw.values.get("files")):
        if ctx.archive is None:
            errors.append(f"Файл «{name}» указан, но архив с файлами (ZIP) не загружен.")
            continue
        found = ctx.archive.find(name)
        if isinstance(found, str):
            errors.append(f"Файл «{name}»: {found}.")
            continue
        if found.refusal:
            errors.append(f"Файл «{name}»: {found.refusal}.")
            continue
        # Type and password only, in the check and in the import alike (a row failing for another reason names
        # its bad files too): the import extracts the text later, when it writes the row (_check_new_files).
        try:
            data = ctx.archive.read(found)
            kind = precheck_file(found.name, data)
        except (ArchiveError, AttachmentError) as exc:
            errors.append(f"Файл «{name}»: {exc}")
            continue
        if ctx.dry_run and kind == "pdf" and not pdf_draws_text(data):  # a scan: told from its fonts; the import
            scans.add(found.name)  # tells it from the text it extracts
        entries.append(found)
    return entries


def _same_content(practice: Practice, data: PracticeData) -> bool:
    """Whether saving ``data`` would leave the practice as it is (when unsure, False: the service decides)."""
    before = snapshot(practice)
    wanted = {
        "title": rules.one_line(data.title), **{key: (data.sections.get(key) or "").strip() for key in SECTION_KEYS},
        "authors": [[name.strip(), position.strip()] for name, position in data.authors if name.strip()],
        "organisation": rules.one_line(data.organisation), "region_code": data.region_code or None,
        "municipality_id": data.municipality_id, "year": data.year, "event": rules.one_line(data.event),
        "spread_level": data.spread_level or None, "licence": data.licence or default_licence(),
    }
    return (all(before[key] == value for key, value in wanted.items())
            and set(before["levels"]) == set(data.level_codes) and set(before["subjects"]) == set(data.subject_codes)
            and set(before["topics"]) == set(data.topic_codes))


@dataclass
class _NewFile:
    """A file of a row checked for the import, with its text, and the practice's attachments it replaces."""

    entry: Entry
    checked: CheckedFile
    replaces: list[Attachment]


def _check_new_files(plan: _Plan, ctx: _Context) -> tuple[list[_NewFile], list[tuple[Entry, str]]]:
    """Read and check the row's files not attached yet, with their text (the slow part of a row: done before the
    row takes the database's write lock); the files, and each file refused with its error (all of them, not the
    first only: the check named them all)."""
    known = {attachment.sha256 for attachment in plan.existing.attachments} if plan.existing is not None else set()
    files: list[_NewFile] = []
    refused: list[tuple[Entry, str]] = []
    replacing: set[int] = set()
    row_digests = _row_digests(plan.entries, ctx) if plan.existing is not None else set()
    for entry in plan.entries:
        try:
            data = ctx.archive.read(entry)
            if hashlib.sha256(data).hexdigest() in known:
                continue  # the same file was attached by an earlier run, or is named twice
            checked = check_file(_file_name(entry), data)
        except (ArchiveError, AttachmentError) as exc:
            refused.append((entry, f"Файл «{_file_name(entry)}»: {exc}"))
            continue
        known.add(checked.sha256)
        replaces = [attachment for attachment in _replaced(plan.existing, checked.name, row_digests | {checked.sha256})
                    if attachment.id not in replacing] if plan.existing is not None else []
        replacing.update(attachment.id for attachment in replaces)
        files.append(_NewFile(entry, checked, replaces))
    return files, refused


def _file_name(entry: Entry) -> str:
    return PurePosixPath(entry.name.replace("\\", "/")).name


# A registry loaded with publication where a complete expert assessment is required before publishing
# (EXPERT_ASSESSMENT_REQUIRED): each practice goes to the moderators' queue instead, to be assessed there.
ASSESSMENT_PENDING = ("Не опубликована: по настройкам банка публикуются только практики с полной экспертной "
                      "оценкой — практика отправлена на рассмотрение.")


def _apply(plan: _Plan, result: RowResult, ctx: _Context, files: list[_NewFile]) -> None:
    user = ctx.user
    if plan.existing is None:
        practice = create_practice(user, plan.data)
        practice.external_id = result.external_id or None
        practice.external_scope = id_namespace(user)
    else:
        practice = plan.existing
        practice.external_scope = id_namespace(user)  # one numbered bank-wide joins the office's numbering
        # An unchanged row touches nothing (no flush, no index update): re-running a registry stays cheap.
        if _same_content(practice, plan.data) or not update_practice(user, practice, plan.data):
            result.action = "unchanged"
    for file in files:
        for attachment in file.replaces:  # as a file deleted on the practice's page: logged, bytes freed at commit
            remove_attachment(user, attachment)
        add_attachment(user, practice, _file_name(file.entry), ctx.archive.read(file.entry), file.checked)
        result.action = "update" if result.action == "unchanged" else result.action
    if ctx.publish and practice.status != "published":
        link = practice_link(practice.id)  # for its owner's notice: a practice another account loaded
        if practice.status in ("draft", "returned"):
            transition(user, practice, "submit", link=link)
        if assessments.required():
            db.session.flush()  # the submission just made (no autoflush here) is the round the assessment is of
        if assessments.publication_refusal(practice):  # EXPERT_ASSESSMENT_REQUIRED: left in the queue for it
            if ASSESSMENT_PENDING not in result.warnings:
                result.warnings.append(ASSESSMENT_PENDING)
        else:
            transition(user, practice, "publish", link=link)
            result.published = True
        result.action = "update" if result.action == "unchanged" else result.action
    if result.action != "unchanged":
        record("practice_imported", user, "practice", practice.id,
               details={"external_id": result.external_id, "row": result.number, "action": result.action})
    db.session.flush()
    result.practice_id = practice.id


def _open_transaction() -> None:
    """Take SQLite's write lock before a row is written (PostgreSQL locks the rows as it writes them).

    SQLite's Python driver begins a transaction only before a write: a savepoint issued first becomes a
    transaction of its own and each release a commit with a disk sync, one per row. And a plain BEGIN only
    reads until its first write: when another writer (a page view's counter) committed in between, that write
    failed at once with «database is locked» (WAL does not let a reader of an older state become the writer),
    and so did every row up to the next commit. BEGIN IMMEDIATE waits for the lock (the busy timeout) instead.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


# A web import (``commit_every``) commits once it has held the write lock this long, and on SQLite then leaves
# the lock free for a moment (see ``run_import``).
BATCH_SECONDS = 0.5
LOCK_PAUSE_SECONDS = 0.1
LOCKED_ROW = ("Строка не записана: база данных была занята другой записью. Загрузите этот реестр ещё раз — строка "
              "загрузится, а записанные строки обновятся, не задвоившись.")
WRITE_ATTEMPTS = 3
# What a database answers when another writer was in the way, not the row: SQLite's busy lock past the busy
# timeout; PostgreSQL's deadlock, lock timeout and serialization failure.
_LOCK_SQLSTATES = ("40P01", "55P03", "40001")


def _locked(exc: SQLAlchemyError) -> bool:
    error = getattr(exc, "orig", None)
    return ((getattr(error, "sqlite_errorname", None) or "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
            or getattr(error, "sqlstate", None) in _LOCK_SQLSTATES)


def _write_row(plan: _Plan, result: RowResult, ctx: _Context) -> None:
    """Write one checked row in its own savepoint; a failure is rolled back and becomes the row's error. A row
    stopped by another writer's lock is tried again, and reported as that if it never gets through."""
    files, refused = _check_new_files(plan, ctx)
    if refused:
        names = {entry.name for entry, _error in refused}
        result.files = [_file_name(entry) for entry in plan.entries if entry.name not in names]
        result.errors.extend(error for _entry, error in refused)
        return
    notices = [_scan_notice(file.entry) for file in files if no_text_layer(file.checked.kind, file.checked.text)]
    notices += [_replaced_notice(file.checked.name, False, len(file.replaces)) for file in files if file.replaces]
    action, practice_id = result.action, result.practice_id
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        result.action, result.practice_id, result.published = action, practice_id, False
        try:
            _open_transaction()
            # The services flush where they need ids; skipping the autoflush before each vocabulary
            # look-up keeps a row to a few flushes instead of a dozen.
            with db.session.begin_nested(), db.session.no_autoflush:
                _apply(plan, result, ctx, files)
            result.warnings.extend(notices)
            return
        except PermissionDenied:
            result.errors.append("Нет прав на изменение этой практики.")
        except (AttachmentError, ArchiveError, InvalidTransition) as exc:
            result.errors.append(str(exc))
        except SQLAlchemyError as exc:
            current_app.logger.warning("Bulk import row %s failed (attempt %s): %s", result.number, attempt, exc)
            if _locked(exc) and attempt < WRITE_ATTEMPTS:
                continue
            result.errors.append(LOCKED_ROW if _locked(exc) else
                                 "Строку не удалось записать в базу данных; остальные строки не затронуты.")
        return


def run_import(user: User, registry: Registry, archive: FileArchive | None = None, dry_run: bool = True,
               publish: bool = False, progress: Callable[[int], None] | None = None,
               on_row: Callable[[RowResult], None] | None = None, commit_every: int | None = None) -> ImportReport:
    """Check (and unless ``dry_run`` write) every row; the caller commits (the rest, with ``commit_every``).

    ``progress(1)`` is called after each row (a click progress bar's ``update``); ``on_row(result)`` too, with
    the row's outcome (the web import counts created, updated and failed rows as it goes). ``commit_every``
    commits after that many rows: a long import then never holds SQLite's write lock for long (readers of a
    database whose writer spilled its cache get «database is locked»), and what it did so far stays if its
    process dies — running the registry again is safe by the external ids. With it, the rows written so far are
    also committed before a row's files are read and their text extracted (seconds for a long PDF), and once the
    write lock was held for BATCH_SECONDS: the site's own writes (a page view's counter, a teacher's form) wait
    for a short batch at most, never for a file's extraction.
    """
    ctx = _Context(user, Vocabularies.load(), registry.columns, archive, dry_run, publish, registry.program,
                   registry.kind, ids=frozenset(_id_text(raw.values.get("external_id")) for raw in registry.rows))
    report = ImportReport(dry_run, publish, registry.columns, [], list(registry.warnings))
    if archive is not None and "files" not in registry.columns:
        report.warnings.append("Архив с файлами загружен, но в реестре нет столбца «Файлы»: файлы "
                               f"{'не будут приложены' if dry_run else 'не приложены'}.")
    batch_start: float | None = None  # when the first row since the last commit was written

    def commit() -> None:
        nonlocal batch_start
        db.session.commit()
        batch_start = None
        if db.session.get_bind().dialect.name == "sqlite":
            # SQLite's lock is not queued: a writer waiting for it looks again every 100 ms, and an import that
            # took it back at once (its next row is checked in milliseconds) kept it from them until their busy
            # timeout, 5 s, ran out. The pause lets them in.
            time.sleep(LOCK_PAUSE_SECONDS)

    for raw in registry.rows:
        if commit_every and batch_start is not None and not dry_run and _names_files(raw, ctx):
            commit()  # the row's files are read (and checked, then their text extracted) with no write lock held
        with db.session.no_autoflush:
            result, plan = _check_row(raw, ctx)
        if plan is not None and not dry_run:
            _write_row(plan, result, ctx)
            batch_start = batch_start or time.monotonic()
            if result.failed:
                result.action = ""
                result.published = False
        report.rows.append(result)
        if commit_every and batch_start is not None and (len(report.rows) % commit_every == 0
                                                         or time.monotonic() - batch_start >= BATCH_SECONDS):
            commit()
        if progress is not None:
            progress(1)
        if on_row is not None:
            on_row(result)
    with db.session.no_autoflush:
        _warn_of_duplicates(ctx)
    if summary := _unknown_summary(ctx):
        report.warnings.append(summary)
    return report


def _unknown_summary(ctx: _Context) -> str | None:
    """The values no vocabulary has, with the rows that load without them: in a registry of 200 rows the
    methodist sees what to fix in one place, not row by row."""
    found = [(label, value, [row.number for row in rows if not row.failed])
             for (label, value), rows in ctx.unknown.items()]
    found = [(label, value, numbers) for label, value, numbers in found if numbers]
    if not found:
        return None
    listed = "; ".join(f"{label} «{value}» — {'строка' if len(numbers) == 1 else 'строки'} {_numbers(numbers)}"
                       for label, value, numbers in found)
    if ctx.dry_run:
        return (f"Значения, которых нет в словаре, не будут загружены (строки будут загружены без них): {listed}. "
                "Их можно исправить в файле и загрузить реестр снова: практики обновятся по внешнему идентификатору.")
    return (f"Значения, которых нет в словаре, не загружены (строки загружены без них): {listed}. Исправьте их в "
            "файле и загрузите реестр снова: практики обновятся по внешнему идентификатору.")


def _numbers(numbers: list[int], shown: int = 10) -> str:
    return ", ".join(map(str, numbers[:shown])) + (f" и ещё {len(numbers) - shown}" if len(numbers) > shown else "")


def _names_files(raw: RawRow, ctx: _Context) -> bool:
    cell = raw.values.get("files")
    return ctx.archive is not None and not isinstance(cell, CellProblem) and bool(split_list(cell))


def open_archive(path: Path | None) -> FileArchive | None:
    """The ZIP of files named by the registry, with the per-file limit of attachments; raises ArchiveError."""
    return FileArchive(path, current_app.config["ATTACHMENT_MAX_BYTES"]) if path is not None else None


def max_rows() -> int:
    return int(current_app.config.get("BULK_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS))


def can_import(user: User | None) -> bool:
    """Methodists and administrators load registries (rows outside a methodist's scope are refused)."""
    return user is not None and getattr(user, "is_authenticated", False) and user.is_moderator
