"""What a practice may hold, whichever way it comes in: the edit form (and the API, which validates through it)
and the bulk import check the same limits with the same words, so a practice the import created can be saved
again in the form without errors on fields nobody touched."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Sequence

from kb.positions import acting_position, position_word
from kb.textclean import visible_length
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
# A title long enough only with the characters a page does not show (kb.textclean.INVISIBLE) inside it.
TITLE_INVISIBLE_MESSAGE = (f"Название — от {TITLE_MIN} до {TITLE_MAX} символов; невидимые знаки (пробел нулевой "
                           f"ширины, мягкий перенос и другие) не в счёт.")
LINE_MESSAGE = f"Не больше {LINE_MAX} символов."
SECTION_MESSAGE = f"Не больше {SECTION_MAX} символов в разделе."
AUTHORS_MESSAGE = f"Не больше {AUTHORS_MAX} авторов."
AUTHORS_TEXT_MESSAGE = f"Авторы с должностями — не больше {AUTHORS_TEXT_MAX} символов вместе."
YEAR_MESSAGE = f"Год — от {FIRST_YEAR} до следующего."


def length(text: str) -> int:
    """A text's length with a line break as one character, however it was sent (a browser sends CR LF)."""
    return len(text.replace("\r\n", "\n"))


def title_error(title: str) -> str | None:
    """What the title's length breaks, or None: at least TITLE_MIN characters that show (the invisible ones inside it
    are not counted: «А\u200b\u200b\u200b\u200bБ» passed as five characters), at most TITLE_MAX in all."""
    if len(title) > TITLE_MAX:
        return TITLE_MESSAGE
    if visible_length(title) < TITLE_MIN:
        return TITLE_INVISIBLE_MESSAGE if len(title) >= TITLE_MIN else TITLE_MESSAGE
    return None


def title_length(title: str) -> int:
    """The title's length as ``title_error`` measures it: all its characters past TITLE_MAX, else those that show."""
    return len(title) if len(title) > TITLE_MAX else visible_length(title)


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
# A whole name in capitals, «ПЕТРОВ ИВАН ИВАНОВИЧ», «РИМСКАЯ-КОРСАКОВА ВЕРА ИЛЬИНИЧНА»: three words, the last a
# patronymic by its ending, so that abbreviations («МБОУ СОШ ИРО») and positions («УЧИТЕЛЬ ВЫСШЕЙ КАТЕГОРИИ») are
# not names. Kept as typed (not put into normal case: «ДЕ ЛА ТОРРЕ», «МАК-ГРЕГОР» would be guessed).
_CAPITALS_NAME = r"[А-ЯЁ]{2,}(?:-[А-ЯЁ]{2,})?\s+[А-ЯЁ]{2,}\s+[А-ЯЁ]+(?:ВИЧ|ВНА|ИЧНА|ОГЛЫ|КЫЗЫ|УЛЫ|УУЛУ)"
NAME = re.compile(rf"{SURNAME}\s+{INITIALS}|{INITIALS}\s*{SURNAME}"
                  rf"|{SURNAME}\s+{CAPITAL_WORD}\s+[А-ЯЁ][а-яё]+(?:вич|вна|ична|инична|оглы|кызы|улы|уулу)"
                  rf"|{_CAPITALS_NAME}")
MAYBE_NAME = re.compile(rf"{CAPITAL_WORD}(?:\s+{CAPITAL_WORD}){{0,2}}")
# A dash with spaces around it between a name and a position, «Сидорова Анна Петровна – учитель географии».
_DASH = re.compile(r"\s+[–—-]\s+")


def _name_shaped(text: str) -> bool:
    return bool(NAME.fullmatch(text) or (MAYBE_NAME.fullmatch(text) and len(text.split()) > 1))


# A number of a list written before a name, «1. Иванова А. П.», «2) Петрова Б. В.»: not part of the name.
LIST_NUMBER = re.compile(r"^\s*\d{1,3}[.)]\s*")
_HEAD = re.compile(r"[,(;]|\s[–—-](?:\s|$)")

# Particles of a surname, written in lower case: «де Голль», «ван Гог», «фон Визин», «ван дер Варден». One belongs to
# the word after it, wherever the surname stands («Шарль де Голль», «де Голль Шарль»), and stays as written.
SURNAME_PARTICLES = frozenset({
    "де", "дю", "дез", "ван", "фон", "дер", "ден", "ле", "ла", "ди", "да", "дель", "делла", "дос", "дас", "тер", "тен",
    "аль", "эль", "бен", "ибн", "бин", "цу",
    "de", "du", "des", "van", "von", "der", "den", "le", "la", "di", "da", "del", "della", "dos", "das", "ter", "ten",
    "al", "el", "ben", "ibn", "bin", "zu",
})
# «Алиев Тимур Рашид оглы»: the word closes a patronymic, it is written in lower case and gives no initial.
PATRONYMIC_PARTICLES = frozenset({"оглы", "кызы", "улы", "уулу", "оглу", "гызы"})


def starts_person(line: str) -> bool:
    """Whether a line of authors begins with a person's name (a list's number aside): what stands before its first
    comma, bracket or dash is a name, «Петров И. И., директор», «2. ПЕТРОВ И. И. (учитель)», «Петрова Белла»."""
    head = _HEAD.split(LIST_NUMBER.sub("", line), maxsplit=1)[0].strip()
    return bool(head) and _name_shaped(head) and not position_word(head.split()[0]) and not acting_position(head)


# Any person's name, in any script, as a line of authors may begin with it: capitalised words («Smith», «О'Нил»,
# «Нурланұлы»), initials («J.», «Дж.»), a surname's particle («фон Браун В.») or a patronymic's («Абдуллаев
# Мухаммад Али угли»), a maiden name in brackets («Иванова (Петрова) А. П.»). No digits, «№», quotes or other words
# in lower case: «Коллектив авторов МБОУ СОШ № 1», «Гимназия № 1» are not.
_PERSON_HEAD = re.compile(r"[,;]|\s[–—-](?:\s|$)")
_BRACKETS = re.compile(r"\([^()]*\)")
_CAPITALISED = re.compile(r"[^\W\d_][^\W\d_]*(?:['’-][^\W\d_]+)*")
_INITIAL = re.compile(r"(?:[^\W\d_][^\W\d_]?\.-?)+")
_NAME_PARTICLES = SURNAME_PARTICLES | PATRONYMIC_PARTICLES | {"угли", "кизи"}


def _name_word(word: str) -> bool:
    if word in _NAME_PARTICLES:
        return True
    return word[:1].isupper() and bool(_CAPITALISED.fullmatch(word) or _INITIAL.fullmatch(word))


def person_shaped(line: str) -> bool:
    """Whether a line of authors begins with what may well be a person's name, of any people (``starts_person``
    knows the Russian ones surely): «Smith J.», «О'Нил Д. Д.», «фон Браун В. В., учитель»."""
    head = _PERSON_HEAD.split(LIST_NUMBER.sub("", line), maxsplit=1)[0]
    words = _BRACKETS.sub(" ", head).split()
    return (2 <= len(words) <= 6 and all(map(_name_word, words)) and not position_word(words[0])
            and any(word[:1].isupper() and not word.isupper() for word in words))


# The legal form of an organisation, which begins a line of its name: «МБОУ СОШ № 5», «ГБУ ДПО ЧИППКРО».
ORGANISATION = re.compile(r"(?:[А-ЯЁ]{1,4}ОУ(?:ДО)?|[А-ЯЁ]{1,3}У|[А-ЯЁ]{1,4}ДО|АНО|СОШ|ООШ|НОШ|ДДТ|ДЮСШ|ДШИ|ЦРО|ИРО"
                          r"|ИПК|ДПО)(?![А-ЯЁа-яё])")
_DASHES = (",", "–", "—", "-")
_OPENINGS = ("(", "–", "—", "-")  # «ФИО⏎(должность)», «ФИО⏎– должность»


def _in_lower_case(line: str) -> bool:
    """Whether a line of authors begins with a word in lower case other than a surname's particle («фон Браун В.»):
    no name does, «учитель математики», «и. о. директора» carry on the author before."""
    return line[0].islower() and line.split()[0] not in SURNAME_PARTICLES


def _carries_on(line: str, previous: str, wrapped_only: bool) -> bool:
    """Whether a line of authors that does not begin with a name the check knows carries on the entry before."""
    first = line.split()[0]
    if line.startswith(_OPENINGS) or _in_lower_case(line):
        return True  # «(учитель)», «– учитель», «учитель математики»: a name is capitalised, a particle aside
    if not wrapped_only and (position_word(first) or acting_position(line) or ORGANISATION.match(line)):
        return True  # «Учитель математики», «И. О. Директора», «МБОУ СОШ № 5»
    return previous.endswith(_DASHES) and not person_shaped(line)


def author_lines(text: str, *, wrapped_only: bool = True) -> list[str]:
    """The entries of authors written one a line or parted by «;», with the lines that surely carry on an entry
    joined to it: a cell of a registry or a paste into the form wrapped «Иванова Анна Петровна,⏎учитель
    математики» or «ФИО⏎(должность)». A line that begins with a person's name begins an entry. A line carries on
    the one before when it opens with a bracket, a dash or a word in lower case (not a surname's particle, «фон
    Браун В.»), or when the line before ends in a comma or a dash and it does not begin with what may be a person's
    name («Smith J.»); with ``wrapped_only`` false (a registry's cell) also when it begins with a position
    («Учитель математики») or an organisation's legal form («МБОУ СОШ № 5»). Any other line is an author of its
    own («Иванова (Петрова) А. П.», «Коллектив авторов»): the form shows its authors one a line and reads them back
    so. After «;» an author of its own begins unless what follows begins in lower case («учитель математики;
    классный руководитель»): the «;» is then a comma, as a line break inside an entry is. A «;» inside brackets
    parts nothing: «Иванова А. П. (директор; Почётный работник общего образования)» is one author; nor does a line
    break inside brackets that close a few lines on (``bracket_lines``)."""
    entries: list[list[str]] = []
    for number, piece in enumerate(split_semicolons(text)):
        after_semicolon = number > 0
        for line in bracket_lines(piece):
            carries = bool(entries) and not starts_person(line) and (
                _in_lower_case(line) if after_semicolon else _carries_on(line, entries[-1][-1], wrapped_only))
            after_semicolon = False
            if carries:
                previous = entries[-1][-1]
                glue = " " if previous.endswith(_DASHES) or line.startswith(_OPENINGS) else ", "
                entries[-1].extend((glue, line))
                continue
            entries.append([line])
    return [entry.rstrip(",;– ").strip() for entry in map("".join, entries)]


BRACKET_LINES = 4  # the lines a bracket may run on after the one that opens it


def _depth(line: str, depth: int) -> int:
    """The brackets open after ``line`` when ``depth`` were open before it (a «)» with none open counts nothing)."""
    for char in line:
        depth = depth + 1 if char == "(" else depth - 1 if char == ")" and depth else depth
    return depth


def _glued(lines: list[str]) -> str:
    """Lines that one pair of brackets spans as one line: a line break is a comma, as inside an entry, except after
    an opening bracket, a comma or a dash, or before a closing bracket or a comma."""
    text = lines[0]
    for line in lines[1:]:
        glue = "" if line.startswith((")", ",")) else " " if text.endswith(("(", *_DASHES)) else ", "
        text += glue + line
    return text


def bracket_lines(text: str) -> list[str]:
    """The lines of ``text`` (stripped, the blank ones left out), a bracket's lines as one: «Иванова А. П.
    (учитель⏎МБОУ СОШ № 5)» is «Иванова А. П. (учитель, МБОУ СОШ № 5)». Only when the bracket closes within
    ``BRACKET_LINES`` lines: one never closed, «Иванова А. П. (учитель⏎Петров И. И.⏎…», leaves the lines as they
    are, not a whole list in one author."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    joined: list[str] = []
    start = 0
    while start < len(lines):
        end, depth = start, _depth(lines[start], 0)
        while depth and end + 1 < len(lines) and end - start < BRACKET_LINES:
            end += 1
            depth = _depth(lines[end], depth)
        if depth:
            end = start  # never closed, or not soon enough: the line alone
        joined.append(_glued(lines[start:end + 1]))
        start = end + 1
    return joined


def split_semicolons(text: str) -> list[str]:
    """Parts of ``text`` between the «;» that stand outside brackets: one inside a pair of brackets that closes
    («(директор; к. п. н.)», over a line break too) parts nothing; one after a bracket never closed does."""
    cuts: list[int] = []
    inside: list[list[int]] = []  # the «;» of each bracket open, innermost last
    for i, char in enumerate(text):
        if char == "(":
            inside.append([])
        elif char == ")" and inside:
            inside.pop()  # its «;» stay
        elif char == ";":
            (inside[-1] if inside else cuts).append(i)
    cuts = sorted([*cuts, *(i for unclosed in inside for i in unclosed)])
    return [text[start + 1:end] for start, end in zip([-1, *cuts], [*cuts, len(text)], strict=True)]


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
    name stays («Коллектив авторов – МАОУ СОШ № 1»). A list's number before the name, «1. Иванова А. П.», is left
    out, as a registry's cell leaves it."""
    line = LIST_NUMBER.sub("", line)
    bracket = _BRACKETED.fullmatch(line.strip())
    if bracket and _name_shaped(bracket.group(1)):  # «Иванова А. П. (учитель, стаж 10 лет), высшая категория»
        return bracket.group(1), ", ".join(part.strip() for part in bracket.group(2, 3) if part and part.strip())
    name, _, position = line.partition(",")
    name, dashed = split_dashed(name.strip())
    return name.strip(), ", ".join(part for part in (dashed.strip(), position.strip()) if part)


def split_commas(text: str) -> list[str]:
    """Parts of ``text`` between commas outside brackets: «Петров П. П. (директор, к. п. н.)» stays one part."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")" and depth > 0)
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


_SURNAME_ALONE = re.compile(SURNAME)
_INITIALS_FIRST = re.compile(rf"{INITIALS}(?:\s*\(.*\))?")


def join_initials(parts: list[str]) -> list[str]:
    """«Иванова, А. П.» is one name, as catalogues and some registries write it: a lone surname (a list's number
    before it aside) and the initials that follow it (with a bracketed position, if any) become one part,
    «Иванова А. П.». The registry's cell and the form's line read it so."""
    joined: list[str] = []
    for part in parts:
        if joined and _SURNAME_ALONE.fullmatch(LIST_NUMBER.sub("", joined[-1])) and _INITIALS_FIRST.fullmatch(part):
            joined[-1] = f"{joined[-1]} {part}"
        else:
            joined.append(part)
    return joined


def bracketed(part: str) -> tuple[str, str] | None:
    """(name, note) of «name (note)», the note from the first bracket to the last one, which ends the part
    («Петров П. П. (директор (и. о.))»); None for any other part. Without a regular expression: one that tried
    each bracket against the rest of the text was quadratic in brackets."""
    opening = part.find("(", 1)
    if opening == -1 or not part.endswith(")") or opening > len(part) - 3:
        return None
    name = part[:opening].rstrip()
    return (name, part[opening + 1:-1]) if name else None


def person(part: str) -> tuple[str, str] | None:
    """(name, position) when a comma-separated part surely starts another author: «Петрова Б. В.»,
    «Петрова Б. В. (учитель)», «2. Петрова Б. В.» or «Петрова Б. В. – учитель»; not «И. О. Директора», an acting
    position («исполняющий обязанности») that looks like initials and a surname."""
    part = LIST_NUMBER.sub("", part)
    name, position = bracketed(part) or split_dashed(part)
    return (name, position) if NAME.fullmatch(name) and not acting_position(name) else None


# «и» between two authors, «Иванова А. П. и Петров И. И.»: the part after it is a person's name.
_AND = re.compile(r"\s+и\s+")


def _ands(part: str) -> list[re.Match[str]]:
    """The «и» of a part outside brackets: «Петров И. И. (учитель истории и обществознания)» has none."""
    found, depth, at = [], 0, 0
    for match in _AND.finditer(part):
        for char in part[at:match.start()]:
            depth += (char == "(") - (char == ")" and depth > 0)
        at = match.start()
        if depth == 0:
            found.append(match)
    return found


def _and_pieces(part: str) -> list[str]:
    """A comma-separated part split before each «и» that a person's name follows (``split_and``)."""
    pieces, ands, start = [], _ands(part), 0
    for i, match in enumerate(ands):
        end = ands[i + 1].start() if i + 1 < len(ands) else len(part)
        if person(part[match.end():end]) is not None:
            pieces.append(part[start:match.start()])
            start = match.end()
    pieces.append(part[start:])
    return pieces


def split_and(parts: list[str]) -> list[str]:
    """Parts with «… и Петров И. И.» split before the name: «Иванова А. П. и Петров И. И.», «учитель математики и
    Петров И. И.» (the position of the author before); «учитель истории и обществознания» stays. Each «и» is tried
    once, on what stands up to the next one: «Петров И. И. (учитель истории и обществознания)», «Петров И. И. –
    учитель истории» are names with a position."""
    return [piece for part in parts for piece in _and_pieces(part)]


def co_author_lines(line: str) -> list[str]:
    """One line of the form's authors as the lines of its authors, parted as a registry's cell is: before each «и»
    that a person's name follows (``split_and``), «Иванова А. П. и Петров И. И.», «Иванова А. П., учитель
    математики и Петров И. И., учитель физики»; and before each comma that a name surely follows (``person``),
    «Иванова А. П., Петрова Б. В., Сидоров К. Л.», «Иванова А. П., учитель, Петрова Б. В., директор». What is not
    surely a name stays the position: «Иванова Анна Петровна, учитель, МБОУ СОШ № 5» is one author. A surname
    and its initials parted by a comma, «Иванова, А. П.», are one name (``join_initials``). A line without any of
    these stays as it is."""
    groups: list[list[str]] = [[]]
    parts = split_commas(line)
    joined = join_initials(parts)
    for part in joined:
        first, *others = _and_pieces(part)
        if groups[-1] and person(first) is not None:
            groups.append([])
        groups[-1].append(first)
        groups.extend([other] for other in others)
    return [", ".join(group) for group in groups] if len(groups) > 1 or len(joined) < len(parts) else [line]


def authors_text(authors: Iterable[tuple[str, str]]) -> str:
    """The authors as the form's text area shows them: one «name, position» a line."""
    return "\n".join(f"{name}, {position}".rstrip(", ") for name, position in authors)


def read_authors(text: str) -> list[tuple[str, str]]:
    """(name, position) of each author the form's text area gives: an entry a line or after «;» (``author_lines``),
    co-authors of a line parted at «и» or a comma before a name (``co_author_lines``), each read as «name,
    position» (``author_line``); a name or a position longer than ``AUTHOR_PART_MAX`` is cut."""
    authors = []
    for entry in author_lines(text):
        for line in co_author_lines(entry):
            name, position = author_line(line)
            if name:
                authors.append((name[:AUTHOR_PART_MAX], position[:AUTHOR_PART_MAX]))
    return authors


def _seen(line: str) -> str:
    """A line as the eye compares it with the one the form showed: runs of spaces as one, none at the ends."""
    return " ".join(line.split())


def _carried(before: list[str], after: list[str]) -> bool:
    """Whether lines of authors read together make fewer entries than apart: a line of ``after`` carries on an entry
    of ``before`` (it begins with a bracket or in lower case, or the line before it ends in a comma) or a bracket
    spans both. Only the lines at the seam are read, as far as a bracket may run (``BRACKET_LINES``)."""
    before, after = before[-BRACKET_LINES - 1:], after[:BRACKET_LINES + 1]
    together = author_lines("\n".join([*before, *after]))
    return len(together) < len(author_lines("\n".join(before))) + len(author_lines("\n".join(after)))


def edited_authors(text: str, stored: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The authors of an edited practice's text area, which showed the ``stored`` ones a line each: a line as a
    stored author's was shown keeps that author as stored, wherever it now stands — the rules would read some
    otherwise («учитель; МБОУ СОШ № 5» in a position as a second author; a list stored long ago as one author), and
    a methodist who changed another line would find them parted. Each stored author keeps one line (a copy typed
    again is a new line). The other lines, new or changed, are read by the rules (``read_authors``), a run of them
    together; a stored author's line is read with them when one of them carries it on («ФИО, должность⏎(высшая
    категория)») or it carries on one of them — unless the new lines only carry it on, adding no author by the rules:
    they then go into its stored position (``_carrying_on``), and its line, which the rules might part («учитель;
    МБОУ СОШ № 5»), is not read again."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]  # a browser sends a line break as CR LF
    seen = [_seen(line) for line in lines]
    if seen == [_seen(line) for line in authors_text(stored).splitlines() if line.strip()]:
        return list(stored)  # untouched: kept whole, a stored name or position with a line break in it too
    shown: dict[str, list[tuple[str, str]]] = {}
    for author in stored:
        shown.setdefault(_seen(authors_text([author])), []).append(author)
    read_again: set[int] = set()
    while True:
        left = {line: deque(authors) for line, authors in shown.items()}
        kept = {i: left[line].popleft() for i, line in enumerate(seen) if i not in read_again and left.get(line)}
        added: dict[int, list[str]] = {}  # a kept line -> the new lines after it that only carry its author on
        seams = set()
        for start, end in _runs(kept, len(lines)):
            if start - 1 in kept and (count := _carrying_on(lines[start - 1], lines[start:end])):
                added[start - 1] = lines[start:start + count]
                start += count
            elif start - 1 in kept and _carried([lines[start - 1]], lines[start:end]):
                seams.add(start - 1)
            if start < end and end in kept and _carried(lines[start:end], [lines[end]]):
                seams.add(end)
        if not seams:
            break
        read_again |= seams  # each round reads one more stored author's line again at least: few rounds
    carried_on = {i + 1 + k for i, more in added.items() for k in range(len(more))}
    authors: list[tuple[str, str]] = []
    run: list[str] = []
    for i, line in enumerate(lines):
        if i in kept:
            authors.extend(read_authors("\n".join(run)))
            authors.append(_with_lines(kept[i], added.get(i, [])))
            run = []
        elif i not in carried_on:
            run.append(line)
    return authors + read_authors("\n".join(run))


def _carrying_on(line: str, after: list[str]) -> int:
    """How many of the lines ``after`` a stored author's ``line`` only carry that author on: read with it, they
    make no more entries nor authors than it alone («высшая категория», «(высшая категория)» under «Иванова А. П.,
    учитель; МБОУ СОШ № 5», which the rules read as two)."""
    entries, count = len(author_lines(line)), len(read_authors(line))
    taken = 0
    while taken < len(after) and len(author_lines("\n".join([line, *after[:taken + 1]]))) == entries \
            and len(read_authors("\n".join([line, *after[:taken + 1]]))) == count:
        taken += 1
    return taken


def _with_lines(author: tuple[str, str], lines: list[str]) -> tuple[str, str]:
    """A stored author with the lines that carry it on added to its position, glued as ``author_lines`` glues
    them: a bracket or a dash with a space, anything else with a comma. An author stored without a position takes
    the one the rules read («Сидоров С. С.⏎(учитель)»: «учитель»), when they read the stored name too."""
    name, position = author
    if not lines:
        return author
    if not position:
        entries = author_lines("\n".join([name, *lines]))
        read = author_line(entries[0]) if len(entries) == 1 else ("", "")
        if read[0] == name:
            return name, read[1][:AUTHOR_PART_MAX]
    for line in lines:
        glue = " " if position.endswith(_DASHES) or line.startswith(_OPENINGS) else ", "
        position = f"{position}{glue}{line}" if position else line
    return name, position[:AUTHOR_PART_MAX]


def _runs(kept: dict[int, tuple[str, str]], count: int) -> list[tuple[int, int]]:
    """(start, end) of each run of lines not ``kept``, among ``count``."""
    runs: list[tuple[int, int]] = []
    start = None
    for i in range(count + 1):
        if i < count and i not in kept:
            start = i if start is None else start
        elif start is not None:
            runs.append((start, i))
            start = None
    return runs


def limit_errors(title: str, sections: dict[str, str], authors: list[tuple[str, str]], organisation: str,
                 event: str, year: int | None) -> dict[str, str]:
    """The limits a practice's content breaks, by field (a section by its key), in the form's words; the
    texts as they will be stored (stripped, one-line fields folded)."""
    errors: dict[str, str] = {}
    if message := title_error(title):
        errors["title"] = message
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
