"""The words a position begins with («Учитель», «Старший воспитатель», «Педагог-психолог»), shared by the bulk
import (a co-author after a comma or a position?) and the citations (a position written before the name)."""

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


def position_word(word: str) -> bool:
    """«Учитель», «Старшая», «Зав.»: a stem of a position with an ending of three letters at most (not the
    surname «Старшинова»)."""
    word = word.lower().rstrip(".")
    return word in ("зав", "зам") or any(word.startswith(stem) and len(word) - len(stem) <= 3
                                        for stem in POSITION_STEMS)


# «исполняющий обязанности» as positions write it: «И. О.», «и.о.», «И.о.», «врио», «ВрИО», «вр. и. о.».
_ACTING = re.compile(r"(?:вр\.?\s*)?и\.\s*о\.|врио(?![а-яё])|(?:временно\s+)?исполняющ[а-яё]*\s+обязанност[а-яё]*",
                     re.IGNORECASE)


def acting_position(text: str) -> bool:
    """«И. О. Директора», «и.о. заведующего МБДОУ», «Врио директора»: «исполняющий обязанности» and a position word,
    a position (not the initials «И. О.» of a co-author «И. О. Сидорова», which a surname follows)."""
    acting = _ACTING.match(text.strip())
    if acting is None:
        return False
    rest = text.strip()[acting.end():].split()
    return bool(rest) and position_word(rest[0])
