"""Bibliographic references to practices, resolutions and recommendations.

The ГОСТ Р 7.0.100–2018 form describes each material as a part of the bank's site (a component part
of a remote electronic resource): «Заголовок. Заглавие : сведения к заглавию / ответственность. – Текст :
электронный // Банк практик : [сайт]. – Год. – URL: … (дата обращения: ДД.ММ.ГГГГ).» Since 2018 the
standard marks the content type with «Текст : электронный» instead of the old «[Электронный ресурс]».
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from kb.templating import format_date_range
from kb.timeutil import local_today

BANK_NAME = "Банк практик"

Citable = Practice | Resolution | Recommendation


@dataclass(frozen=True)
class PersonName:
    """A person's name split as a reference needs it: surname and initials; or a body's name (a school's
    teachers, a team) that is cited as written and never heads a record."""

    surname: str
    given: tuple[str, ...]
    corporate: bool = False

    @property
    def initials(self) -> str:
        return " ".join(_initial(part) for part in self.given)

    def heading(self) -> str:
        """Иванова, А. П. — the form of the heading."""
        return f"{self.surname}, {self.initials}" if self.given else self.surname

    def responsibility(self) -> str:
        """А. П. Иванова — the form of the statement of responsibility."""
        return f"{self.initials} {self.surname}" if self.given else self.surname

    def full_inverted(self) -> str:
        """Иванова, Анна Петровна — RIS and BibTeX want the full name, surname first."""
        return f"{self.surname}, {' '.join(self.given)}" if self.given else self.surname


def _initial(part: str) -> str:
    # «Анна-Мария» → «А.-М.»; a part already written as an initial («П.») stays as it is.
    return "-".join(piece[0].upper() + "." for piece in part.rstrip(".").split("-") if piece)


# What the practice form's «Фамилия Имя Отчество, должность» line may carry besides a name: a remark in brackets
# («(учитель)»), an academic degree or title written before or after it («к.п.н.», «д-р пед. наук», «доц.»).
_REMARK = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_DEGREE = re.compile(r"(?<!\w)(?:[кд]\.\s?[а-яё]{1,5}\.(?:\s?-?\s?[а-яё]{1,5}\.)?\s?н\."
                     r"|(?:канд|д-р)\.?\s[а-яё]+\.\s?наук|доц\.|проф\.|акад\.)(?!\w)")
# A name with a number, a «№», quotes or more than four words is a body's: «Педагогический коллектив МАДОУ № 12».
_CORPORATE = re.compile(r"[\d№«»\"]")
MAX_NAME_WORDS = 4


def parse_name(name: str) -> PersonName:
    """Split «Иванова Анна Петровна», «Иванова А. П.» or «А. П. Иванова» into surname and given names."""
    name = " ".join(_DEGREE.sub(" ", _REMARK.sub(" ", name)).replace(",", " ").split())
    if _CORPORATE.search(name) or len(name.split()) > MAX_NAME_WORDS:
        return PersonName(name, (), corporate=True)
    words = re.sub(r"\.(?=[^\s-])", ". ", name).split()
    if not words:
        return PersonName("", ())
    if len(words) > 1 and _is_initial(words[0]) and not _is_initial(words[-1]):
        surname, given = words[-1], words[:-1]
    else:
        surname, given = words[0], words[1:]
    if surname.islower():  # «иванова а. п.»: a name typed without capitals
        surname = surname[:1].upper() + surname[1:]
    # Only words that begin with a letter give initials: «Иванова А. П. -» has no third one.
    return PersonName(surname, tuple(part for part in given if part[:1].isalpha()))


def _is_initial(word: str) -> bool:
    return bool(re.fullmatch(r"\w{1,2}\.(-\w{1,2}\.)?", word))


def _responsibility(names: list[PersonName]) -> str:
    # More than three persons: the first three and «[и др.]», as the standard allows to shorten.
    shown = ", ".join(n.responsibility() for n in names[:3])
    return shown + (" [и др.]" if len(names) > 3 else "")


def _title(text: str) -> str:
    """A title as a reference gives it: on one line, without a full stop of its own before the prescribed
    punctuation («Читаем вместе.» → «Читаем вместе»; «Что такое ШНО?.» → «Что такое ШНО?»). A stop closing a
    short abbreviation («в 5 кл.») or an ellipsis stays."""
    text = " ".join(text.split())
    if text.endswith(".") and not text.endswith(".."):
        before = text[:-1]
        last = before.split()[-1] if before.split() else ""
        if before.endswith(("?", "!", "…")) or len(last.strip("«»\"()")) > 4:
            return before
    return text


def _end(text: str) -> str:
    """Text ending with exactly one full stop (a title may already end with «?», «!» or «.»)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def _areas(*parts: str) -> str:
    """Areas joined by «. – »; a part already ending with a stop («2017 г.», «им. А. С.») is not given a second."""
    return " – ".join(_end(part) for part in parts if part)


def _host(year: int | None, url: str, accessed: date) -> str:
    return _areas(f"Текст : электронный // {BANK_NAME} : [сайт]", str(year or ""),
                  f"URL: {url} (дата обращения: {accessed:%d.%m.%Y})")


def practice_year(practice: Practice) -> int | None:
    """The year a reference gives: the practice's own year, else the year it was published."""
    return practice.year or (practice.published_at.year if practice.published_at else None)


def _gost_practice(practice: Practice, url: str, accessed: date) -> str:
    names = [parse_name(a.name) for a in practice.authors if a.name.strip()]
    title = _title(practice.title)
    statement = [_responsibility(names)] if names else []
    if practice.organisation.strip():
        statement.append(" ".join(practice.organisation.split()))
    description = title + (" / " + " ; ".join(statement) if statement else "")
    # One to three authors: the first one heads the record; four and more: the record starts with the title.
    # A body (a school's teachers) is named in the statement of responsibility only, as the standard has it.
    heading = _end(names[0].heading()) + " " if 1 <= len(names) <= 3 and not names[0].corporate else ""
    return heading + _areas(description, _host(practice_year(practice), url, accessed))


def _resolution_description(resolution: Resolution) -> str:
    title = _title(resolution.title)
    other = []
    if not title.lower().startswith("резолюц"):
        other.append("резолюция")
    circumstances = ", ".join(x for x in (" ".join(resolution.place.split()),
                                          format_date_range(resolution.date_start, resolution.date_end)) if x)
    if circumstances:
        other.append(circumstances)
    description = title + "".join(" : " + x for x in other)
    if resolution.organiser.strip():
        description += " / " + " ".join(resolution.organiser.split())
    return description


def _gost_resolution(resolution: Resolution, url: str, accessed: date) -> str:
    return _areas(_resolution_description(resolution), _host(resolution.year, url, accessed))


def _gost_recommendation(rec: Recommendation, url: str, accessed: date) -> str:
    # The recommendation is located in the resolution the way a page range locates an article: «П. 1.2».
    return _areas(_resolution_description(rec.resolution), f"П. {rec.number}",
                  _host(rec.resolution.year, url, accessed))


def gost_reference(item: Citable, url: str, accessed: date | None = None) -> str:
    """The ГОСТ Р 7.0.100–2018 reference to a practice, a resolution or a recommendation at ``url``."""
    accessed = accessed or local_today()
    if isinstance(item, Practice):
        return _gost_practice(item, url, accessed)
    if isinstance(item, Resolution):
        return _gost_resolution(item, url, accessed)
    return _gost_recommendation(item, url, accessed)


def _ris_lines(item: Citable, url: str, accessed: date) -> list[tuple[str, str]]:
    if isinstance(item, Practice):
        lines = [("TY", "ELEC"), ("TI", item.title)]
        lines += [("AU", parse_name(a.name).full_inverted()) for a in item.authors if a.name.strip()]
        year = practice_year(item)
        lines += [("PY", str(year))] if year else []
        lines += [("AB", item.annotation)] if item.annotation else []
        lines += [("PB", item.organisation)] if item.organisation else []
        lines += [("KW", t.label) for t in item.topics]
        return lines
    resolution = item if isinstance(item, Resolution) else item.resolution
    lines = [("TY", "GEN")]
    if isinstance(item, Recommendation):
        lines += [("TI", f"Рекомендация {item.number}"), ("T2", resolution.title), ("AB", item.text)]
    else:
        lines += [("TI", resolution.title)]
        lines += [("T2", resolution.conference_name)] if resolution.conference_name else []
    lines += [("AU", resolution.organiser)] if resolution.organiser else []
    lines += [("PY", str(resolution.year))] if resolution.year else []
    lines += [("DA", resolution.date_start.strftime("%Y/%m/%d"))] if resolution.date_start else []
    lines += [("CY", resolution.place)] if resolution.place else []
    return lines


def ris(item: Citable, url: str, accessed: date | None = None) -> str:
    """The RIS record of a material (Zotero, Mendeley, EndNote import it)."""
    return ris_records([(item, url)], accessed)


def ris_records(items: list[tuple[Citable, str]], accessed: date | None = None) -> str:
    """Several RIS records in one file, each ending with «ER  -»."""
    accessed = accessed or local_today()
    records = []
    for item, url in items:
        lines = _ris_lines(item, url, accessed)
        lines += [("UR", url), ("DB", BANK_NAME), ("Y2", accessed.strftime("%Y/%m/%d")), ("LA", "ru")]
        records.append("".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines if value)
                       + "ER  - \r\n")
    return "\r\n".join(records)


# BibTeX counts braces whatever stands before them, so «\{» would still open a group: one brace of a title left
# the rest of the file unreadable (pybtex, bibtexparser 1). The text commands keep every group closed.
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
                   "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _bib_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def bibtex_key(item: Citable) -> str:
    """A stable citation key: kb-practice-12, kb-resolution-3, kb-recommendation-40."""
    return f"kb-{type(item).__name__.lower()}-{item.id}"


def bibtex(item: Citable, url: str, accessed: date | None = None) -> str:
    """The BibTeX entry of a material (@misc with url and urldate, biblatex-gost understands it)."""
    accessed = accessed or local_today()
    fields: list[tuple[str, str]] = []
    if isinstance(item, Practice):
        names = [parse_name(a.name) for a in item.authors if a.name.strip()]
        if names:
            # A body's name stays one name: braces stop BibTeX splitting it into first and last names.
            fields.append(("author", " and ".join("{" + _bib_escape(n.surname) + "}" if n.corporate
                                                  else _bib_escape(n.full_inverted()) for n in names)))
        fields.append(("title", item.title))
        year = practice_year(item)
        if item.organisation:
            fields.append(("organization", item.organisation))
        if item.annotation:
            fields.append(("abstract", item.annotation))
    else:
        resolution = item if isinstance(item, Resolution) else item.resolution
        year = resolution.year
        if resolution.organiser.strip():
            fields.append(("author", "{" + _bib_escape(resolution.organiser) + "}"))
        if isinstance(item, Recommendation):
            fields += [("title", f"Рекомендация {item.number}"), ("booktitle", resolution.title)]
        else:
            fields.append(("title", resolution.title))
        if resolution.place:
            fields.append(("address", resolution.place))
    if year:
        fields.append(("year", str(year)))
    fields += [("howpublished", BANK_NAME), ("url", url), ("urldate", accessed.isoformat()), ("langid", "russian")]
    body = []
    for name, value in fields:
        if name in ("url", "author"):  # a URL as it is; authors escaped above, name by name
            body.append(f"  {name} = {{{value}}}")
        elif name == "title":
            body.append(f"  {name} = {{{{{_bib_escape(value)}}}}}")  # keep the capitalisation as written
        else:
            body.append(f"  {name} = {{{_bib_escape(value)}}}")
    return f"@misc{{{bibtex_key(item)},\n" + ",\n".join(body) + "\n}\n"
