"""Bibliographic references to practices, their files, resolutions and recommendations.

The ГОСТ Р 7.0.100–2018 form describes each material as a part of the bank's site (a component part
of a remote electronic resource): «Заголовок. Заглавие : сведения к заглавию / ответственность. – Текст :
электронный // Банк практик : [сайт]. – Год. – URL: … (дата обращения: ДД.ММ.ГГГГ).» Since 2018 the
standard marks the content type with «Текст : электронный» instead of the old «[Электронный ресурс]». A file
attached to a practice is an electronic document of its own on the same site: its title, what it is part of and the
practice's authors, then the same areas with the file's own address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote_to_bytes, urlsplit, urlunsplit

from indexer.analysis import morphology
from kb.attachments.models import Attachment
from kb.positions import acting_words, position_word
from kb.practices.models import Practice
from kb.practices.rules import PATRONYMIC_PARTICLES, SURNAME_PARTICLES  # the form reads an author's line by them
from kb.resolutions.models import Recommendation, Resolution
from kb.templating import format_date_range
from kb.timeutil import local_today

BANK_NAME = "Банк практик"
# How RIS and BibTeX are sent, one item's and a whole collection's alike: not text/*, so werkzeug adds no charset.
RIS_MIMETYPE = "application/x-research-info-systems; charset=utf-8"
BIBTEX_MIMETYPE = "application/x-bibtex; charset=utf-8"

Citable = Practice | Attachment | Resolution | Recommendation


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
    # «Анна-Мария» → «А.-М.»; a part already written as an initial stays as written: «П.», «Дж.» (not «Д.»).
    written = _is_initial(part)
    return "-".join(piece[0].upper() + (piece[1:].lower() if written else "") + "."
                    for piece in part.replace(".", "").split("-") if piece)


# What the practice form's «Фамилия Имя Отчество, должность» line may carry besides a name: a remark in brackets
# («(учитель)»), an academic degree or title written before or after it («к.п.н.», «д-р пед. наук», «доц.»).
_REMARK = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_DEGREE = re.compile(r"(?<!\w)(?:[кд]\.\s?[а-яё]{1,5}\.(?:\s?-?\s?[а-яё]{1,5}\.)?\s?н\."
                     r"|(?:канд|д-р)\.?\s[а-яё]+\.\s?наук|доц\.|проф\.|акад\.|доцент|профессор|академик)(?!\w)")
# A name with a number, a «№», quotes or more than four words is a body's: «Педагогический коллектив МАДОУ № 12».
_CORPORATE = re.compile(r"[\d№«»\"]")
MAX_NAME_WORDS = 4
# Shorter names of bodies are told by their words, in any case form (pymorphy3 normal forms): «Коллектив авторов»,
# «Кафедра педагогики ЧИППКРО», «Администрация МБОУ …».
BODY_WORDS = frozenset({
    "коллектив", "группа", "кафедра", "администрация", "объединение", "центр", "отдел", "лаборатория", "школа",
    "гимназия", "лицей", "сад", "управление", "комитет", "институт", "университет", "академия", "колледж",
    "ассоциация", "сообщество", "команда", "министерство", "департамент", "учреждение", "организация", "совет",
    "союз", "общество", "клуб", "студия", "факультет", "редакция", "служба", "филиал",
})
# A body's abbreviation («МБДОУ», «ГБПОУ», «МАОУ», «ДЮСШ», «ЦДО», «ИРО»), in capitals: no person's name ends so.
# Three letters at least: «Иванова ОО» holds two initials.
_BODY_ACRONYM = re.compile(r"[А-ЯЁ]{1,5}(?:ОУ|ОО|ОД|СШ)|[А-ЯЁ]{0,5}(?:СОШ|ООШ|НОШ|ЦДО|ЦДТ|ДДТ|ДШИ|ЦРР|ИРО|ИПК|ИМЦ|ЦРО"
                           r"|КРО|ПМПК|ДПО|СЮН|СЮТ)|[ГМ][БКА]У")
_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z .'-]*")
_JOINED_INITIALS = re.compile(r"[А-ЯЁA-Z]{2,3}")


def _body_word(word: str) -> bool:
    """Whether a word names a body in some case form: «коллектив», «группы», «Кафедра». A genitive plural shaped
    like a surname («Советов», «Садов») and a word the dictionary also reads as a name do not count. A body's
    abbreviation in capitals («МБДОУ», «ДЮСШ») does: «и.о. заведующего МБДОУ» was cited «Мбдоу»."""
    if _BODY_ACRONYM.fullmatch(word.strip(".'-")):
        return True
    word = word.strip(".'-").lower()
    if len(word) < 3:
        return False
    parses = morphology().parse(word)
    if any({"Surn", "Name", "Patr"} & p.tag.grammemes for p in parses):
        return False
    return any(p.tag.POS == "NOUN" and p.normal_form in BODY_WORDS
               and not ({"plur", "gent"} <= p.tag.grammemes and word.endswith(("ов", "ев", "ёв")))
               for p in parses)


def _particle(word: str) -> bool:
    """A surname's particle in any case: «де», «Де», «ДЕ»."""
    return word.lower() in SURNAME_PARTICLES


# Capitalised particles that are Chinese and Vietnamese surnames too, before a given name: «Ван Ли», «Ле Ван Т.».
# Before a word that is a given name in its own form they are read as the surname; any other capitalised particle
# («Да Коста А.», «Ди Каприо Л.», «Ван дер Варден Б. Л.») goes with the word after it, whatever pymorphy makes of it.
_NAME_PARTICLES = frozenset({"ван", "ле", "van", "le"})


def _capital_particles(words: list[str], at: int) -> int:
    """How many particles written with a capital (and the particles after it) begin at ``at`` and belong to the
    surname: «Ван Гог В.», «Ван дер Берг А. А.», «Ван Дер Берг А. А.», «Ш. Де Голль»; 0 for none. «Ван», «Ле», «Да»
    are surnames and given names of their own too («Ван Ли», «Ли Ван», «Ле Ван Т.»), so only a name of one form
    counts: the particles before a capitalised word that is neither a particle nor an initial (nor, after a lone
    «Ван» or «Ле», a given name in its own form), with initials written after that word when the particles open
    the name, or before them when the word closes it."""
    if not (words[at][:1].isupper() and _particle(words[at])):
        return 0
    after = at + 1
    while after < len(words) and _particle(words[after]):
        after += 1
    if after >= len(words):
        return 0
    surname, rest = words[after], words[after + 1:]
    if (not surname[:1].isupper() or _is_initial(surname) or not surname.replace("-", "").isalpha()
            or _tagged(surname, "Patr")
            or (after - at == 1 and words[at].lower() in _NAME_PARTICLES and _given_name_itself(surname))):
        return 0
    if at == 0 and rest and all(_is_initial(part) for part in rest):
        return after - at
    if at and not rest and all(_is_initial(part) for part in words[:at]):
        return after - at
    return 0


def _with_particles(words: list[str]) -> list[str]:
    """The words of a name with each surname's particles joined to the word after them: [«де», «Голль», «Шарль»] →
    [«де Голль», «Шарль»]. A particle is one written in lower case before a capitalised word that is no initial (in a
    name typed all in lower case, before any word that is none), or one written with a capital in a name of the
    form ``_capital_particles`` recognises («Ван Гог В.»)."""
    lower = " ".join(words).islower()
    capital = {at + step for at in range(len(words)) for step in range(_capital_particles(words, at))}
    joined: list[str] = []
    particles: list[str] = []
    for at, word in enumerate(words):
        if word in SURNAME_PARTICLES or at in capital:
            particles.append(word)
            continue
        if particles and (word[:1].isupper() or lower) and not _is_initial(word):
            word = " ".join([*particles, word])
        else:
            joined.extend(particles)
        particles = []
        joined.append(word)
    return joined + particles


def _particled(word: str) -> bool:
    """A surname with its particles, as ``_with_particles`` joins them: «де Голль»."""
    return " " in word


def _is_body(words: list[str]) -> bool:
    """A body's name, not a person's: a word after the first written in lower case (a person's names and initials
    are capitalised, a surname's particle is not; a name typed all in lower case is still a person's), or a word
    naming a body."""
    if not " ".join(words).islower() and any(
            word[:1].islower() and word.lower() not in PATRONYMIC_PARTICLES and not _is_initial(word)
            and not _particled(word) for word in words[1:]):
        return True
    return any(_body_word(word.rsplit(" ", 1)[-1]) for word in words if word[:1].isalpha())


def _capitalised(word: str) -> str:
    """«ИВАНОВА» or «иванова» → «Иванова»; «САЛТЫКОВ-ЩЕДРИН» → «Салтыков-Щедрин»; «де голль» → «де Голль» (a
    surname's particle as written)."""
    if _particled(word):
        return " ".join(part if part in SURNAME_PARTICLES else _capitalised(part) for part in word.split(" "))
    if not (word.isupper() or word.islower()):
        return word
    return "-".join(piece[:1].upper() + piece[1:].lower() for piece in word.split("-"))


def _given_parts(word: str, capitals: bool) -> list[str]:
    """«АП» written for «А. П.» gives two initials. Two capitals after a surname written in lower case («Петров
    ИВ», «Смирнова ЕВ») are always initials: the dictionary reads many pairs as forms of names («ива», «ева»),
    and a two-letter name is written «Ян». In a name written all in capitals («ИВАНОВА ЯН») a pair stays a name
    when its likeliest reading is a given name in its own form; three letters, when they may be a name («ЕВА»)."""
    if not _JOINED_INITIALS.fullmatch(word):
        return [word]
    parses = morphology().parse(word.lower())
    if len(word) == 2:
        best = parses[0]
        name = capitals and best.normal_form == word.lower() and best.score >= 0.5 \
            and {"Name", "sing", "nomn"} <= best.tag.grammemes
    else:
        name = any({"Name", "Patr"} & p.tag.grammemes for p in parses)
    return [word] if name else [letter + "." for letter in word]


def _tagged(word: str, grammeme: str) -> bool:
    return any(grammeme in p.tag.grammemes for p in morphology().parse(word.lower()))


def _position_first(word: str) -> bool:
    """A position written before a name: «Учитель», «Старший», «Педагог-психолог» (by its first part) — in the
    nominative singular and never a name's word («Мастерова» is a surname; «Учителя» is a body's); «Зам.» too."""
    first = word.split("-")[0].lower().rstrip(".")
    if not position_word(first):
        return False
    parses = morphology().parse(first)
    return (not any({"Surn", "Name", "Patr"} & p.tag.grammemes for p in parses)
            and any({"sing", "nomn"} <= p.tag.grammemes for p in parses))


def _without_position(words: list[str], closed: bool = False) -> list[str]:
    """«Учитель Иванова А. П.», «Старший воспитатель Петрова Анна», «Учитель начальных классов Иванова А. П.», «И. о.
    директора Петрова А. И.» → the name without the position before it. The words after a position of one or a few
    words must be a person's name: «Учитель начальных классов», «Директор Школы» stay as written. A position of
    several words is left out only before a name of a recognisable form (Surname + initials, Surname + Name +
    Patronymic). A position word before a given name alone («Учитель Юрий Ефимович», «Мастер И. П.») is the surname;
    an acting position («И. о. директора», kb.positions.acting_words) never is. A surname's particle stays with the
    name («Учитель де Голль Ш.»). «Оглы» closing the line makes the word before it a patronymic (closed)."""
    if len(words) > 2 and words[-1].lower() in PATRONYMIC_PARTICLES:
        return _without_position(words[:-1], closed=True) + words[-1:]
    acting = acting_words(words)
    start = _trailing_name(words, closed)
    if start is not None:
        while start > 1 and _particle(words[start - 1]):  # «Учитель де Голль Ш.»: the particle is the surname's
            start -= 1
        return words[start:] if start and (_position_first(words[0]) or 0 < acting <= start) else words
    count = acting
    while count < len(words) - 1 and _position_first(words[count]):
        count += 1
    if count > acting and _given_only(words[count:], closed):
        count -= 1
    named = next((word for word in words[count:] if word not in SURNAME_PARTICLES), "")
    return words[count:] if count and named[:1].isupper() and not _is_body(words[count:]) else words


def _given_only(words: list[str], closed: bool) -> bool:
    """«Юрий Ефимович», «Анна», «Ю. Е.»: a given name with the patronymic, a given name or initials — no surname."""
    if all(_written_initials(word) for word in words):
        return True
    return (len(words) in (1, 2) and _tagged(words[0], "Name")
            and (len(words) == 1 or _patronymic(words[1], closed)))


def _patronymic(word: str, closed: bool) -> bool:
    """«Петровна»; «Рашид» before «оглы» (closed) too."""
    return word[:1].isupper() if closed else _tagged(word, "Patr")


def _trailing_name(words: list[str], closed: bool) -> int | None:
    """Where the name that ends the line begins, when it has a recognisable form: a surname with initials
    («Иванова А. П.», «Иванова А.П.») or with a given name and the patronymic («Иванова Анна Петровна»,
    «Алиев Тимур Рашид» before «оглы», closed)."""
    initials = 0
    while initials < min(len(words) - 1, 2) and _written_initials(words[-1 - initials]):
        initials += 1
    if initials:
        start = len(words) - 1 - initials
    elif len(words) >= 3 and _tagged(words[-2], "Name") and _patronymic(words[-1], closed):
        start = len(words) - 3
    else:
        return None
    surname = words[start]
    if (not surname[:1].isupper() or not surname.replace("-", "").isalpha() or _body_word(surname)
            or not all(word[:1].isupper() for word in words[start + 1:])):
        return None
    return start


def _written_initials(word: str) -> bool:
    """«А.», «А.П.», «А.-М.»: initials written with their full stops."""
    return bool(re.fullmatch(r"(?:\w{1,2}\.(?:-\w{1,2}\.)?){1,3}", word)) and word[:1].isupper()


def _given_name(word: str) -> bool:
    """A given name that is never a surname: «Ольга», «Мария» (not «Роман»)."""
    return _tagged(word, "Name") and not _tagged(word, "Surn")


def _given_name_itself(word: str) -> bool:
    """A given name in its own form, never a surname: «Анна» (not «Голль», read as a form of «Голля»)."""
    parses = morphology().parse(word.lower())
    return (any({"Name", "sing", "nomn"} <= p.tag.grammemes for p in parses)
            and not any("Surn" in p.tag.grammemes for p in parses))


def _name_first(words: list[str]) -> bool:
    """«Ольга Петрова», «Анна-Мария Петрова», «Ольга Ивановна Петрова», «Анна Мария Петрова»: a given name (never a
    surname), the patronymic or a second given name if any, and a surname last."""
    if len(words) not in (2, 3) or any(_is_initial(word) for word in words):
        return False
    return (_given_name(words[0]) and _tagged(words[-1], "Surn")
            and (len(words) == 2 or _tagged(words[1], "Patr") or _given_name(words[1])))


def parse_name(name: str) -> PersonName:
    """Split «Иванова Анна Петровна», «Иванова А. П.», «А. П. Иванова», «Ольга Ивановна Петрова», «Анна Мария
    Петрова», «де Голль Шарль» (the particle with the surname) or «John Smith» into surname and given names, a
    position before the name left out («Учитель Иванова А. П.»); a body's name («Коллектив авторов») is kept
    whole."""
    name = " ".join(_DEGREE.sub(" ", _REMARK.sub(" ", name)).split())
    inverted = "," in name.rstrip(", ")  # «Smith, John»: the surname comes first whatever the script
    name = " ".join(_without_position(name.replace(",", " ").split()))
    named = [word for word in name.split() if not _particle(word)]
    if _CORPORATE.search(name) or len(named) > MAX_NAME_WORDS:
        return PersonName(name, (), corporate=True)
    words = _with_particles(re.sub(r"\.(?=[^\s-])", ". ", name).split())
    if not words:
        return PersonName("", ())
    if _is_body(words):
        return PersonName(name, (), corporate=True)
    # A line holding only «оглы» keeps it: a name is never left without a word.
    words = [word for word in words if word.lower() not in PATRONYMIC_PARTICLES] or words
    words = words[:1] + [part for word in words[1:] for part in _given_parts(word, name.isupper())]
    particled = [index for index, word in enumerate(words) if _particled(word)]
    if particled and len(words) > 1:  # «де Голль Шарль», «Шарль де Голль», «Vincent van Gogh»
        surname, given = words[particled[0]], words[:particled[0]] + words[particled[0] + 1:]
    elif len(words) > 1 and _is_initial(words[0]) and not _is_initial(words[-1]):
        surname, given = words[-1], words[:-1]
    elif len(words) > 1 and _LATIN_NAME.fullmatch(name) and not inverted and not _is_initial(words[-1]):
        surname, given = words[-1], words[:-1]  # «John Smith», «John R. Smith»: the given names come first
    elif _name_first(words):
        surname, given = words[-1], words[:-1]
    else:
        surname, given = words[0], words[1:]
    # Only words that begin with a letter give initials: «Иванова А. П. -» has no third one. A name written all in
    # capitals (as registries write it) or all in lower case is re-cased whole, given names too: RIS and BibTeX give
    # them in full («Иванова, Анна Петровна», not «Иванова, АННА ПЕТРОВНА»).
    return PersonName(_capitalised(surname), tuple(_capitalised(part) for part in given if part[:1].isalpha()))


def _is_initial(word: str) -> bool:
    return bool(re.fullmatch(r"\w{1,2}\.(-\w{1,2}\.)?", word))


def author_names(practice: Practice) -> list[PersonName]:
    """The practice's authors as names to cite. A registry's placeholder for «no author» («—», «-») or a line
    holding only a remark («(методист)») names nobody: a name without a letter is left out."""
    names = (parse_name(author.name) for author in practice.authors)
    return [name for name in names if any(char.isalpha() for char in name.surname)]


def _responsibility(names: list[PersonName]) -> str:
    # More than three persons: the first three and «[и др.]», as the standard allows to shorten.
    shown = ", ".join(n.responsibility() for n in names[:3])
    return shown + (" [и др.]" if len(names) > 3 else "")


# Abbreviations a title may end with, whose full stop stays before «/» or «. –»: «в 5–7 кл.», «2020 г.», «т. д.».
# A single letter («А.», «в.», «д.» of «т. д.») is one too.
TITLE_ABBREVIATIONS = frozenset({"кл", "гг", "вв", "им", "др", "пр", "см", "ст", "вып", "обл", "р-н", "ул", "пос",
                                 "изд", "тыс"})


# A colon followed by a space: where a title may end and its other title information begin.
_COLON = re.compile(r":(?=\s)")


def _quoted_at(text: str, at: int) -> bool:
    """Whether ``text[at]`` stands inside quotation marks: «…» (nested as written), or "…"."""
    before = text[:at]
    return before.count("«") > before.count("»") or before.count('"') % 2 == 1


def _subtitle_set_off(text: str) -> str:
    """The first colon that parts the title proper from other title information, set off by spaces as ГОСТ Р
    7.0.100–2018 writes it: ««Олимпийский резерв»: система …» → ««Олимпийский резерв» : система …». A colon
    without a space after it (a time «10:30», a ratio «1:2», an address) is none; one between digits («счёт 3: 2»)
    neither, nor one inside quotation marks (a quoted name: «Проект «Читаем вместе: семья и школа»»). One with a
    space before it is set off already; the colons after the first are left as typed."""
    for colon in _COLON.finditer(text):
        at = colon.start()
        if _quoted_at(text, at):
            continue  # «Читаем вместе: семья и школа», a name the title quotes, stays as it is written
        if at == 0 or text[at - 1].isspace():
            return text
        if text[at - 1].isdigit() and text[at + 1:].lstrip()[:1].isdigit():
            continue
        return f"{text[:at]} {text[at:]}"
    return text


def _title(text: str) -> str:
    """A title as a reference gives it: on one line, without a full stop of its own before the prescribed
    punctuation («Читаем вместе.» → «Читаем вместе»; «Что такое ШНО?.» → «Что такое ШНО?»; «в ДОУ.» → «в ДОУ»),
    other title information set off by « : » (``_subtitle_set_off``). The stop of an abbreviation («в 5 кл.»,
    «т. д.», «Пушкин А.») or an ellipsis stays."""
    text = _subtitle_set_off(" ".join(text.split()))
    if text.endswith(".") and not text.endswith(".."):
        before = text[:-1]
        if not before.endswith(("?", "!", "…")) and _abbreviated(before):
            return text
        return before
    return text


def _abbreviated(text: str) -> bool:
    """Whether the text ends with an abbreviation that wants its full stop: a word of the list in lower case or a
    single letter; never an acronym («ДОУ.») or a closing bracket or quote («(5–7 кл.).»)."""
    if not text or not text[-1].isalpha():
        return False
    word = re.split(r"[\s.(«\"/]", text)[-1]  # «т.д» → «д», «(5–7 кл» → «кл»
    return len(word) == 1 or word in TITLE_ABBREVIATIONS


def _end(text: str) -> str:
    """Text ending with exactly one full stop (a title may already end with «?», «!» or «.»)."""
    text = text.strip()
    return text if text.endswith((".", "?", "!", "…")) else text + "."


def _areas(*parts: str) -> str:
    """Areas joined by «. – »; a part already ending with a stop («2017 г.», «им. А. С.») is not given a second."""
    return " – ".join(_end(part) for part in parts if part)


# What a printed address shows of its path in its own letters: the ASCII a path allows as it is (RFC 3986), the
# letters and digits of the Cyrillic, Latin and Greek scripts («…/attachments/5/Положение%20о%20ШНО.docx», not
# «…/%D0%9F%D0%BE…») and a few signs of Russian text («», „“, dashes, «№»). Everything else stays percent-encoded:
# a space and any other blank (a reader's copy would end the address there), «%», «#», «?» and an encoded «/» (they
# would change what the address names), the ASCII signs a path does not allow («[», «"», «<» …), a character no one
# sees to type it (a soft hyphen, a zero-width space, a filler letter, a combining mark, a braille blank), a
# look-alike of «/» («／», «∕»), and the scripts and pictures the exports' fonts lack (a PDF would print «□» and the
# address would open nothing): «…/%F0%9F%93%9A%20%E5%A0%B1.docx».
_PATH_SHOWN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@«»„“”—–№")
_SHOWN_SCRIPTS = ("CYRILLIC ", "LATIN ", "GREEK ")


def _shown_char(char: str) -> str:
    if char in _PATH_SHOWN or (unicodedata.category(char)[0] in "LN"
                               and unicodedata.name(char, "").startswith(_SHOWN_SCRIPTS)):
        return char
    return quote(char, safe="")


def _shown_segment(segment: str) -> str:
    """A segment of a path in its own letters (``_PATH_SHOWN``); one whose escapes are no UTF-8 as it came."""
    try:
        text = unquote_to_bytes(segment).decode("utf-8")
    except UnicodeDecodeError:
        return segment
    return "".join(_shown_char(char) for char in text)


def readable_url(url: str) -> str:
    """The address as a reader reads and types it: a Cyrillic domain («банк-практик.рф») in its own letters,
    not as the Punycode («xn--…») a browser sends, and a file's name in the path in its own letters too
    (``_shown_segment``); the query as it is. Pasted into a browser it opens the same page: the browser encodes the
    letters again. Links and RIS/BibTeX keep the ASCII form."""
    parts = urlsplit(url)
    path = "/".join(_shown_segment(segment) for segment in parts.path.split("/"))
    host = parts.hostname or ""
    netloc = parts.netloc
    if "xn--" in host:
        try:
            shown = ".".join(label.encode("ascii").decode("idna") if label.startswith("xn--") else label
                             for label in host.split("."))
        except UnicodeError:  # not a valid Punycode label: show it as it came
            shown = host
        netloc = netloc.replace(host, shown, 1)
    return urlunsplit(parts._replace(netloc=netloc, path=path))


def _host(year: int | None, url: str, accessed: date, location: str = "") -> str:
    """The content type, the identifying resource (the bank's site) and its year, then the part's location in it if
    any («П. 1.1», as an article's «С. 13–19» follows its journal), the address and the day it was read."""
    return _areas(f"Текст : электронный // {BANK_NAME} : [сайт]", str(year or ""), location,
                  f"URL: {readable_url(url)} (дата обращения: {accessed:%d.%m.%Y})")


def practice_year(practice: Practice) -> int | None:
    """The year a reference gives: the practice's own year, else the year it was published."""
    return practice.year or (practice.published_at.year if practice.published_at else None)


_QUOTES = dict.fromkeys(map(ord, "«»\"„“”‘’'"))


def _same_body(name: str) -> str:
    """A body's name as compared with another: case, «ё», spaces and quotes aside («МБОУ "СОШ № 5"» is
    «мбоу сош № 5»)."""
    return " ".join(name.translate(_QUOTES).casefold().replace("ё", "е").split())


def _gost_practice(practice: Practice, url: str, accessed: date, title: str | None = None) -> str:
    """A practice's reference; ``title``: the title proper and other title information of a part of it (a file)
    described with the practice's authors and organisation."""
    names = author_names(practice)
    title = title or _title(practice.title)
    statement = [_responsibility(names)] if names else []
    # A registry may give the school as the author too: an organisation named among the authors shown (the first
    # three) is named once.
    bodies = {_same_body(name.surname) for name in names[:3] if name.corporate}
    if practice.organisation.strip() and _same_body(practice.organisation) not in bodies:
        statement.append(" ".join(practice.organisation.split()))
    description = title + (" / " + " ; ".join(statement) if statement else "")
    # One to three authors: the first one heads the record; four and more: the record starts with the title.
    # A body (a school's teachers) is named in the statement of responsibility only, as the standard has it.
    heading = _end(names[0].heading()) + " " if 1 <= len(names) <= 3 and not names[0].corporate else ""
    return heading + _areas(description, _host(practice_year(practice), url, accessed))


def file_title(attachment: Attachment) -> str:
    """The title a file is cited by: its name without the extension, the underscores a file name has for spaces
    read as spaces («Положение_о_ШНО.docx» → «Положение о ШНО»)."""
    stem, dot, _ = attachment.original_name.rpartition(".")
    return " ".join((stem if dot and stem else attachment.original_name).replace("_", " ").split())


# Quotes inside quotes, as Russian typography nests them: «Проект „Читаем вместе“».
_INNER_QUOTES = str.maketrans("«»", "„“")


def inner_quotes(text: str) -> str:
    """A text to be put in «…»: its own «…» as „…“ («Проект «Читаем вместе»» → «Проект „Читаем вместе“»). The
    reference, a file's line in a collection and its exports and BibTeX's note nest them by this one rule."""
    return text.translate(_INNER_QUOTES)


def _part_of(practice: Practice) -> str:
    """Other title information of a practice's file: what it is part of."""
    return f"приложение к практике «{inner_quotes(_title(practice.title))}»"


def _gost_file(attachment: Attachment, url: str, accessed: date) -> str:
    # An electronic document on a web page (ГОСТ Р 7.0.100–2018): the file's own title, the practice it belongs to
    # as other title information, the practice's authors; the site, the year and the file's own URL.
    practice = attachment.practice
    return _gost_practice(practice, url, accessed, f"{_title(file_title(attachment))} : {_part_of(practice)}")


def _resolution_description(resolution: Resolution) -> str:
    title = _title(resolution.title)
    other = []
    if "резолюц" not in title.casefold():  # «Резолюция …», «Итоговая резолюция …» say it already
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
    # The recommendation is located the way a page range locates an article: «// Банк практик : [сайт]. – 2017. –
    # П. 1.2. – URL: …», after the resource it is part of (ГОСТ Р 7.0.100–2018, the component part's location).
    return _areas(_resolution_description(rec.resolution),
                  _host(rec.resolution.year, url, accessed, f"П. {rec.number}"))


def gost_reference(item: Citable, url: str, accessed: date | None = None) -> str:
    """The ГОСТ Р 7.0.100–2018 reference to a practice, a practice's file, a resolution or a recommendation at
    ``url``."""
    accessed = accessed or local_today()
    if isinstance(item, Practice):
        return _gost_practice(item, url, accessed)
    if isinstance(item, Attachment):
        return _gost_file(item, url, accessed)
    if isinstance(item, Resolution):
        return _gost_resolution(item, url, accessed)
    return _gost_recommendation(item, url, accessed)


def _ris_lines(item: Citable, url: str, accessed: date) -> list[tuple[str, str]]:
    if isinstance(item, Practice):
        return practice_ris_lines(item.title, [author.name for author in item.authors], practice_year(item),
                                  item.annotation, item.organisation, [t.label for t in item.topics])
    if isinstance(item, Attachment):  # a practice's file: its own title, in the practice («T2»), by its authors
        practice = item.practice
        lines = practice_ris_lines(file_title(item), [author.name for author in practice.authors],
                                   practice_year(practice), "", practice.organisation, [])
        return [*lines[:2], ("T2", practice.title), *lines[2:]]
    resolution = item if isinstance(item, Resolution) else item.resolution
    lines = [("TY", "GEN")]
    if isinstance(item, Recommendation):
        lines += [("TI", f"Рекомендация {item.number}"), ("T2", resolution.title), ("AB", item.text)]
    else:
        lines += [("TI", resolution.title)]
        lines += [("T2", resolution.conference_name)] if resolution.conference_name else []
    lines += [("AU", body) for body in organisation_names(resolution.organiser)]
    lines += [("PY", str(resolution.year))] if resolution.year else []
    lines += [("DA", resolution.date_start.strftime("%Y/%m/%d"))] if resolution.date_start else []
    lines += [("CY", resolution.place)] if resolution.place else []
    return lines


def organisation_names(organiser: str) -> list[str]:
    """A resolution's organiser as the bodies it names, for RIS's «AU» (one body each): reference managers read a
    comma in an author as «Фамилия, Имя», so «Управление образования …, МБУ ДО «Центр …»» became a person. Split
    on the commas outside «…» and (…); a body's own comma inside them stays."""
    names, part, depth = [], [], 0
    for char in organiser or "":
        if char in "«(":
            depth += 1
        elif char in "»)" and depth:
            depth -= 1
        if char == "," and depth == 0:
            names.append("".join(part))
            part = []
        else:
            part.append(char)
    names.append("".join(part))
    return [" ".join(name.split()) for name in names if any(c.isalpha() for c in name)]


def practice_ris_lines(title: str, authors: list[str], year: int | None, annotation: str, organisation: str,
                       topics: list[str]) -> list[tuple[str, str]]:
    """The lines of a practice's RIS record before its address, from its columns (a search's export reads them as
    rows, not as objects): its authors' names in their order (``author_names`` leaves out those naming nobody),
    the year a reference gives (``practice_year``), its topics' labels in their order."""
    lines = [("TY", "ELEC"), ("TI", title)]
    names = (parse_name(name) for name in authors)
    lines += [("AU", name.full_inverted()) for name in names if any(char.isalpha() for char in name.surname)]
    lines += [("PY", str(year))] if year else []
    lines += [("AB", annotation)] if annotation else []
    lines += [("PB", organisation)] if organisation else []
    lines += [("KW", label) for label in topics]
    return lines


def ris_lines_record(lines: list[tuple[str, str]], url: str, accessed: date) -> str:
    """A RIS record of ``lines`` (``_ris_lines``) with the address, the bank and the day it was read."""
    lines = [*lines, ("UR", url), ("DB", BANK_NAME), ("Y2", accessed.strftime("%Y/%m/%d")), ("LA", "ru")]
    return "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines if value) + "ER  - \r\n"


def ris(item: Citable, url: str, accessed: date | None = None) -> str:
    """The RIS record of a material (Zotero, Mendeley, EndNote import it)."""
    return ris_records([(item, url)], accessed)


def ris_records(items: list[tuple[Citable, str]], accessed: date | None = None) -> str:
    """Several RIS records in one file, each ending with «ER  -»."""
    accessed = accessed or local_today()
    return "\r\n".join(ris_record(item, url, accessed) for item, url in items)


def ris_record(item: Citable, url: str, accessed: date) -> str:
    """One record of a RIS file, ending with «ER  -» (records are separated by an empty line)."""
    return ris_lines_record(_ris_lines(item, url, accessed), url, accessed)


# BibTeX counts braces whatever stands before them, so «\{» would still open a group: one brace of a title left
# the rest of the file unreadable (pybtex, bibtexparser 1). The text commands keep every group closed.
_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
                   "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}


def _bib_escape(text: str) -> str:
    return "".join(_BIBTEX_SPECIAL.get(ch, ch) for ch in " ".join(text.split()))


def bibtex_key(item: Citable) -> str:
    """A stable citation key: kb-practice-12, kb-attachment-5, kb-resolution-3, kb-recommendation-40."""
    return f"kb-{type(item).__name__.lower()}-{item.id}"


def bibtex(item: Citable, url: str, accessed: date | None = None) -> str:
    """The BibTeX entry of a material (@misc with url and urldate, biblatex-gost understands it)."""
    accessed = accessed or local_today()
    fields: list[tuple[str, str]] = []
    if isinstance(item, Practice | Attachment):
        practice = item.practice if isinstance(item, Attachment) else item
        names = author_names(practice)
        if names:
            # A body's name stays one name: braces stop BibTeX splitting it into first and last names.
            fields.append(("author", " and ".join("{" + _bib_escape(n.surname) + "}" if n.corporate
                                                  else _bib_escape(n.full_inverted()) for n in names)))
        fields.append(("title", file_title(item) if isinstance(item, Attachment) else item.title))
        year = practice_year(practice)
        if practice.organisation:
            fields.append(("organization", practice.organisation))
        if isinstance(item, Attachment):
            fields.append(("note", f"Приложение к практике «{inner_quotes(practice.title)}»"))
        elif item.annotation:
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


# A reference's words for its sort key: runs of digits and runs of letters; what is between them (spaces, the comma
# after a surname, a hyphen, quotes, the areas' punctuation) only ends a word.
_SORT_WORD = re.compile(r"\d+|[^\W\d_]+")
_RUSSIAN_FIRST, _RUSSIAN_LAST = ord("а"), ord("я")


def _letter_rank(char: str) -> int:
    """A letter's place: the Russian alphabet (ё is е already), the other Cyrillic letters (і, ә, ү, ө …), the
    Latin ones (without their accents: «ü» is «u»), then any other."""
    code = ord(char)
    if _RUSSIAN_FIRST <= code <= _RUSSIAN_LAST:
        return code
    if 0x0400 <= code <= 0x052F:
        return 0x1000 + code
    base = unicodedata.normalize("NFKD", char)[:1]
    if "a" <= base <= "z":
        return 0x2000 + ord(base)
    return 0x3000 + code


def reference_sort_key(reference: str) -> tuple:
    """The key of an alphabetical list of references, as ГОСТ lists are arranged: by the first element as written
    (a heading's surname, else the title), word by word (nothing goes before something: «Петров, А.» and
    «Петров-Водкин» before «Петрова»), case and «ё» aside, quotes and other signs not counted; a number by its value
    and before the letters («2 шага», «10 шагов», «Азбука»); the Russian alphabet before the Latin one. Equal keys
    keep their order (sorted() is stable). The address and the day it was read («– URL: …») arrange nothing: a
    resolution («… – 2017. – URL: …») comes before its recommendations («… – 2017. – П. 1. – URL: …»), which follow
    it by their numbers (the «П» before the Latin «U» of the address had put them first)."""
    reference = reference.rpartition(" – URL: ")[0] or reference
    text = unicodedata.normalize("NFC", reference).casefold().replace("ё", "е")
    text = "".join(char for char in text if not unicodedata.combining(char))  # a stress mark: «за́мок»
    return tuple((0, int(word), ()) if word.isdigit() else (1, 0, tuple(_letter_rank(char) for char in word))
                 for word in _SORT_WORD.findall(text))
