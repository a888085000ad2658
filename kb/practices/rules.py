"""What a practice may hold, whichever way it comes in: the edit form (and the API, which validates through it)
and the bulk import check the same limits with the same words, so a practice the import created can be saved
again in the form without errors on fields nobody touched."""

from __future__ import annotations

from collections.abc import Iterable

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
