"""The words a position begins with («Учитель», «Старший воспитатель», «Педагог-психолог», «И. о. директора»),
shared by the bulk import and the practice form (a co-author after a comma or a position?) and the citations (a
position written before the name)."""

from __future__ import annotations

import re

# The first words of positions: a capitalised «Учитель» or «Старший воспитатель» is not a name.
POSITION_STEMS = (
    "учител", "преподавател", "воспитател", "директор", "заместител", "замдиректор", "завуч", "заведующ",
    "методист", "педагог", "психолог", "логопед", "дефектолог", "руководител", "советник", "тьютор", "мастер",
    "инструктор", "старш", "главн", "ведущ", "концертмейстер", "музыкальн", "социальн", "библиотекар", "доцент",
    "профессор", "специалист", "председател", "кандидат", "доктор", "заслуженн", "почетн", "почётн", "народн",
    "научн", "студент", "магистрант", "аспирант", "член", "эксперт", "консультант", "ректор", "проректор", "декан",
)


# The endings of surnames made from a position's word: «Директорова», «Учителева», «Завучев», «Мастеров»,
# «Членова». No case form a position begins with ends so (a genitive plural, «директоров», never begins one).
_SURNAME_ENDINGS = frozenset({"ов", "ова", "ев", "ева", "ёв", "ёва", "ин", "ина", "ын", "ына"})


def position_word(word: str) -> bool:
    """«Учитель», «Старшая», «Директора», «Зав.»: a stem of a position with an ending of three letters at most
    (not the surname «Старшинова»), and not a surname's ending (not «Директорова», «Учителева», «Завучева»)."""
    word = word.lower().rstrip(".")
    return word in ("зав", "зам") or any(
        word.startswith(stem) and len(word) - len(stem) <= 3 and word[len(stem):] not in _SURNAME_ENDINGS
        for stem in POSITION_STEMS)


# «исполняющий обязанности» as positions write it: «И. О.», «и.о.», «И.о.», «врио», «ВрИО», «вр. и. о.».
_ACTING = re.compile(r"(?:вр\.?\s*)?и\.\s*о\.|врио(?![а-яё])|(?:временно\s+)?исполняющ[а-яё]*\s+обязанност[а-яё]*",
                     re.IGNORECASE)


def acting_words(words: list[str]) -> int:
    """How many of ``words`` an acting position opens them with: «И. о. директора» (3), «и.о. заведующего» (2),
    «Врио директора» (2), «И.о.директора» (1); 0 when they do not begin with «исполняющий обязанности» and a position
    word (the initials «И. О.» of «И. О. Сидорова», «И. О. Директорова», which a surname follows)."""
    text = " ".join(words)
    acting = _ACTING.match(text)
    if acting is None:
        return 0
    rest = text[acting.end():]
    if not rest.strip() or not position_word(rest.split()[0]):
        return 0
    taken = len(text[:acting.end()].split())
    return taken if rest[:1].isalpha() else taken + 1  # «И.о.директора»: the position word is glued on


def acting_position(text: str) -> bool:
    """«И. О. Директора», «и.о. заведующего МБДОУ», «Врио директора»: «исполняющий обязанности» and a position word,
    a position (not the initials «И. О.» of a co-author «И. О. Сидорова», which a surname follows)."""
    return acting_words(text.split()) > 0
