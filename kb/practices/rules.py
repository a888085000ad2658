"""What a practice may hold, whichever way it comes in: the edit form (and the API, which validates through it)
and the bulk import check the same limits with the same words, so a practice the import created can be saved
again in the form without errors on fields nobody touched."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.positions import position_word
from kb.timeutil import local_today

TITLE_MIN = 5
TITLE_MAX = 500
LINE_MAX = 500  # organisation, event
SECTION_MAX = 20_000
AUTHORS_MAX = 10
AUTHORS_TEXT_MAX = 5000  # the authors as the form shows them: one «name, position» a line
AUTHOR_PART_MAX = 300  # a name or a position; longer ones are cut
FIRST_YEAR = 1990

TITLE_MESSAGE = f"Название — от {TITLE_MIN} до {TITLE_MAX} символов."
LINE_MESSAGE = f"Не больше {LINE_MAX} символов."
SECTION_MESSAGE = f"Не больше {SECTION_MAX} символов в разделе."
AUTHORS_MESSAGE = f"Не больше {AUTHORS_MAX} авторов."
AUTHORS_TEXT_MESSAGE = f"Авторы с должностями — не больше {AUTHORS_TEXT_MAX} символов вместе."
YEAR_MESSAGE = f"Год — от {FIRST_YEAR} до следующего."


def length(text: str) -> int:
    """A text's length with a line break as one character, however it was sent (a browser sends CR LF)."""
    return len(text.replace("\r\n", "\n"))


def last_year() -> int:
    """The latest year a practice may have: the next one (read on each use, so a server running over the New
    Year accepts it)."""
    return local_today().year + 1


def one_line(text: str) -> str:
    """A one-line field (title, event, organisation) with every run of spaces and line breaks as one space: a
    line break inside an Excel cell (Alt+Enter) would otherwise be dropped by the browser's one-line input,
    gluing the words on each side."""
    return " ".join(text.split())


# A person's name as an author line gives it (the form's «ФИО, должность» line, a registry's «Авторы» cell): a
# surname with initials, initials and a surname, or a surname, a given name and a patronymic (NAME); a few
# capitalised words that may be one (MAYBE_NAME).
CAPITAL_WORD = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
# A surname may be in capitals, as many registries write it («ПЕТРОВ И. И.», «ИВАНОВА Анна Петровна»): only beside
# initials or a given name and a patronymic, so that «МБОУ СОШ» stays an organisation's.
SURNAME = rf"(?:{CAPITAL_WORD}|[А-ЯЁ]{{2,}}(?:-[А-ЯЁ]{{2,}})?)"
INITIALS = r"[А-ЯЁ]\.\s*(?:[А-ЯЁ]\.)?"
NAME = re.compile(rf"{SURNAME}\s+{INITIALS}|{INITIALS}\s*{SURNAME}"
                  rf"|{SURNAME}\s+{CAPITAL_WORD}\s+[А-ЯЁ][а-яё]+(?:вич|вна|ична|инична|оглы|кызы|улы|уулу)")
MAYBE_NAME = re.compile(rf"{CAPITAL_WORD}(?:\s+{CAPITAL_WORD}){{0,2}}")
# A dash with spaces around it between a name and a position, «Сидорова Анна Петровна – учитель географии».
_DASH = re.compile(r"\s+[–—-]\s+")


def _name_shaped(text: str) -> bool:
    return bool(NAME.fullmatch(text) or (MAYBE_NAME.fullmatch(text) and len(text.split()) > 1))


# A number of a list written before a name, «1. Иванова А. П.», «2) Петрова Б. В.»: not part of the name.
LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s*")
_HEAD = re.compile(r"[,(;]|\s[–—-](?:\s|$)")


def starts_person(line: str) -> bool:
    """Whether a line of authors begins with a person's name (a list's number aside): what stands before its first
    comma, bracket or dash is a name, «Петров И. И., директор», «2. ПЕТРОВ И. И. (учитель)», «Петрова Белла»."""
    head = _HEAD.split(LIST_NUMBER.sub("", line), maxsplit=1)[0].strip()
    return bool(head) and _name_shaped(head) and not position_word(head.split()[0])


def author_lines(text: str, *, wrapped_only: bool = True) -> list[str]:
    """The entries of authors written one a line, with the lines that carry on an entry joined to it: a cell of a
    registry or a paste into the form wrapped «Иванова Анна Петровна,⏎учитель математики» or «ФИО⏎(должность)».
    A line that begins with a person's name begins an entry. Of the others, a line carries on the one before when
    that ends in a comma or a dash, or when it opens with a bracket or a lower-case letter; with ``wrapped_only``
    false (a registry's cell, where «;» parts the authors) every such line does, the line break read as a comma.
    The form shows its authors one a line and reads them back so: a name no person's («Коллектив авторов») on a
    line of its own stays an author there."""
    entries: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if entries and not starts_person(line):
            previous = entries[-1]
            if previous.endswith((",", "–", "—", "-")) or line.startswith("("):
                entries[-1] = f"{previous} {line}"
                continue
            if not wrapped_only or line[0].islower():
                entries[-1] = f"{previous}, {line}"
                continue
        entries.append(line)
    return [entry.rstrip(",;– ").strip() for entry in entries]


def split_dashed(part: str) -> tuple[str, str]:
    """(name, position) of «ФИО – должность» when what stands before the first dash is a name; else (part, "").
    The bulk import and the practice form read an author's line so."""
    pieces = _DASH.split(" ".join(part.split()), maxsplit=1)  # spaces collapsed: a long run of them was quadratic
    if len(pieces) == 2 and _name_shaped(pieces[0]) and pieces[1]:
        return pieces[0], pieces[1]
    return part, ""


_BRACKETED = re.compile(r"(.+?)\s*\(([^()]+)\)\s*(?:,\s*(.*))?")


def author_line(line: str) -> tuple[str, str]:
    """(name, position) of one line of the form's authors: «Фамилия Имя Отчество, должность»; a dash after the
    name parts it from the position as the comma does («Иванова Анна Петровна – учитель начальных классов», as the
    bulk import reads it), and what follows the comma is the position's too («Иванова А. П. – учитель, стаж 10
    лет»); so does a bracket after the name, «Иванова А. П. (учитель)». A dash or a bracket after what is not a
    name stays («Коллектив авторов – МАОУ СОШ № 1»)."""
    bracket = _BRACKETED.fullmatch(line.strip())
    if bracket and _name_shaped(bracket.group(1)):  # «Иванова А. П. (учитель, стаж 10 лет), высшая категория»
        return bracket.group(1), ", ".join(part.strip() for part in bracket.group(2, 3) if part and part.strip())
    name, _, position = line.partition(",")
    name, dashed = split_dashed(name.strip())
    return name.strip(), ", ".join(part for part in (dashed.strip(), position.strip()) if part)


def authors_text(authors: Iterable[tuple[str, str]]) -> str:
    """The authors as the form's text area shows them: one «name, position» a line."""
    return "\n".join(f"{name}, {position}".rstrip(", ") for name, position in authors)


def limit_errors(title: str, sections: dict[str, str], authors: list[tuple[str, str]], organisation: str,
                 event: str, year: int | None) -> dict[str, str]:
    """The limits a practice's content breaks, by field (a section by its key), in the form's words; the
    texts as they will be stored (stripped, one-line fields folded)."""
    errors: dict[str, str] = {}
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        errors["title"] = TITLE_MESSAGE
    for key, text in sections.items():
        if length(text) > SECTION_MAX:
            errors[key] = SECTION_MESSAGE
    if len(authors) > AUTHORS_MAX:
        errors["authors"] = AUTHORS_MESSAGE
    elif length(authors_text(authors)) > AUTHORS_TEXT_MAX:
        errors["authors"] = AUTHORS_TEXT_MESSAGE
    for key, text in (("organisation", organisation), ("event", event)):
        if len(text) > LINE_MAX:
            errors[key] = LINE_MESSAGE
    if year is not None and not FIRST_YEAR <= year <= last_year():
        errors["year"] = YEAR_MESSAGE
    return errors
