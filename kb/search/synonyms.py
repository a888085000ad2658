"""What search treats as the same: abbreviations, synonyms and the abbreviations of the topic thesaurus.

The groups are plain data handed to the indexer (``indexer.SynonymTable``), which expands a query
with them at search time: editing a group takes effect on the next search, without a reindex.
The topics come from the database (the thesaurus the vocabularies load), so a table of synonyms
edited in the web interface can later feed ``synonym_groups`` the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from indexer import SynonymTable
from kb.extensions import db
from kb.vocabularies.models import Topic
from kb.vocabularies.services import cached_vocabulary

# Abbreviations of Russian education and what they stand for (several expansions: any of them).
ABBREVIATIONS: dict[str, list[str]] = {
    "ВКС": ["видеоконференцсвязь"],
    "ШНО": ["школьное научное общество"],
    "НОУ": ["научное общество учащихся"],
    "ДОТ": ["дистанционные образовательные технологии"],
    "ОВЗ": ["ограниченные возможности здоровья"],
    "ФГОС": ["федеральный государственный образовательный стандарт"],
    "ДПО": ["дополнительное профессиональное образование"],
    "СПО": ["среднее профессиональное образование"],
    "ОО": ["образовательная организация"],
    "МО": ["методическое объединение"],
    "ИОМ": ["индивидуальный образовательный маршрут"],
    "УУД": ["универсальные учебные действия"],
    "НОО": ["начальное общее образование"],
    "ООО": ["основное общее образование"],
    "СОО": ["среднее общее образование"],
    "ДОУ": ["дошкольное образовательное учреждение", "детский сад"],
    "ДОО": ["дошкольная образовательная организация", "детский сад"],
    "ВПР": ["всероссийские проверочные работы"],
    "ОГЭ": ["основной государственный экзамен"],
    "ЕГЭ": ["единый государственный экзамен"],
    "ИКТ": ["информационно-коммуникационные технологии"],
    "НПК": ["научно-практическая конференция"],
    "ИРО": ["институт развития образования"],
    "ИППК": ["институт переподготовки и повышения квалификации", "институт повышения квалификации и переподготовки",
             "институт повышения и переподготовки кадров"],
    "ИПК": ["институт повышения квалификации"],
    "ИПКРО": ["институт повышения квалификации работников образования"],
    # the full name «… квалификации работников образования» has too many words for a phrase (MAX_PHRASE_TERMS):
    # its first five are the institute's alone
    "ЧИППКРО": ["Челябинский институт переподготовки и повышения квалификации"],
    "ЦДО": ["центр дополнительного образования"],
    "ПМПК": ["психолого-медико-педагогическая комиссия"],
    "ЦОС": ["цифровая образовательная среда"],
    "ИИ": ["искусственный интеллект"],
    "ГИА": ["государственная итоговая аттестация"],
    "МЭШ": ["Московская электронная школа"],
    "ДДТ": ["дом детского творчества"],
    "ЦДТ": ["центр детского творчества"],
    "СОШ": ["средняя общеобразовательная школа"],
    "ТРИЗ": ["теория решения изобретательских задач"],
    "ЭОР": ["электронные образовательные ресурсы"],
    "ФОП": ["федеральная образовательная программа"],
    "АООП": ["адаптированная основная общеобразовательная программа"],
    "КПК": ["курсы повышения квалификации"],
    "ЦНППМ": ["центр непрерывного повышения профессионального мастерства"],
    "ОБЗР": ["основы безопасности и защиты Родины"],
    "ОРКСЭ": ["основы религиозных культур и светской этики"],
    "ИЗО": ["изобразительное искусство"],
    "ИТ": ["информационные технологии"],
    "ЦОР": ["цифровые образовательные ресурсы"],
    "УИД": ["учебно-исследовательская деятельность"],
    "ПД": ["проектная деятельность"],
    "ВД": ["внеурочная деятельность"],
    # in this bank the school's project, not an individual entrepreneur
    "ИП": ["индивидуальный проект"],
    "ИОП": ["индивидуальная образовательная программа"],
    "ИПР": ["индивидуальная программа реабилитации"],
    "ФРП": ["федеральная рабочая программа"],
    # «ППК» is the same word to the index (it keeps no case), and schools write the council so too
    "ППк": ["психолого-педагогический консилиум"],
    "ОДО": ["отделение дополнительного образования"],
    "ШМО": ["школьное методическое объединение"],
    "РМО": ["районное методическое объединение"],
    "ГМО": ["городское методическое объединение"],
    # query-side only, after ANALYSIS_VERSION 9 (indexer.analysis.KNOWN_ABBREVIATIONS_NEXT): no reindex
    "ОМСУ": ["органы местного самоуправления"],
    "ЧГ": ["читательская грамотность"],
    "УВР": ["учебно-воспитательная работа"],
}

# Abbreviations standing for several things: each meaning is a group of its own, so that «ООП» finds both and the
# meanings do not find each other. «ДО» only in capitals (``indexer.analysis.CAPITAL_ABBREVIATIONS``): «до» is the
# preposition.
MEANINGS: dict[str, list[str]] = {
    "ООП": ["особые образовательные потребности", "основная образовательная программа"],
    "ДО": ["дошкольное образование", "дополнительное образование"],
}

# Abbreviations read in the bank's usual sense (ABBREVIATIONS), with other readings a query may mean: the search
# does not expand to them (they would flood «ПД» with texts on data protection), the search page offers them
# (``kb.search.services.reading_hint``): «ПД: искали «проектная деятельность». Искать «персональные данные»?».
OTHER_READINGS: dict[str, list[str]] = {
    "ПД": ["персональные данные", "профессиональная деятельность"],
}

# Words and phrases teachers use for the same thing.
SYNONYMS: list[list[str]] = [
    # «высоко мотивированные», written apart, is a spelling of «высокомотивированные» (``indexer.SynonymTable``)
    ["одарённые", "талантливые", "способные", "высокомотивированные", "высоко мотивированные"],
    ["педагог", "учитель", "преподаватель"],
    ["сетевое взаимодействие", "сетевое партнёрство", "сетевое сотрудничество"],
    ["профориентация", "профессиональная ориентация"],
    ["детский сад", "детсад"],
    ["финансовая грамотность", "финграмотность"],
    ["профессиональные пробы", "профпробы"],
    ["физкультура", "физическая культура"],
    ["ГлобалЛаб", "Глобальная школьная лаборатория"],
    # products and words teachers write in either alphabet
    ["Scratch", "скретч"],
    ["Lego", "лего"],
    ["Python", "питон"],
    ["STEM", "стем"],
    ["PISA", "ПИЗА", "пиза"],
    # not «IT»: the index keeps no case, and English quotations in lessons are full of «it»
    ["ИТ", "айти"],
]

# A token written as an abbreviation: two or more capitals, lower-case letters only inside (ВсОШ).
_ABBREVIATION = re.compile(r"[А-ЯЁ][а-яё]?(?:[А-ЯЁ][а-яё]?)+")
_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_PARENTHESES = re.compile(r"\s*\(([^)]*)\)")
_lock = threading.Lock()
_cache: dict[str, SynonymTable] = {}


def _is_abbreviation(text: str) -> bool:
    return bool(_ABBREVIATION.fullmatch(text)) and sum(ch.isupper() for ch in text) >= 2


def thesaurus_abbreviations(phrases: Sequence[str]) -> list[list[str]]:
    """[abbreviation, expansion] pairs found inside one topic's phrases by initial letters.

    "ШНО" and "школьное научное общество" are a pair because the initials of three consecutive
    words spell the capitals of the abbreviation; a label "Электронное обучение и дистанционные
    образовательные технологии (ДОТ)" gives "ДОТ" its expansion the same way.
    """
    abbreviations, texts = set(), []
    for phrase in phrases:
        for inner in _PARENTHESES.findall(phrase):
            abbreviations.update(w for w in inner.split() if _is_abbreviation(w))
        phrase = _PARENTHESES.sub("", phrase)
        if _is_abbreviation(phrase.strip()):
            abbreviations.add(phrase.strip())
        else:
            texts.append(phrase)
    pairs = []
    for abbreviation in sorted(abbreviations):
        initials = [ch.lower() for ch in abbreviation if ch.isupper()]
        found = [(i, window) for i, text in enumerate(texts) for window in _windows(text, initials)]
        # The label (the first phrase) names the topic: when it spells the abbreviation out, other
        # phrases with the same initials are about something else ("ФГ": функциональная, not финансовая).
        if any(i == 0 for i, _ in found):
            found = [(i, window) for i, window in found if i == 0]
        pairs += [[abbreviation, window] for _, window in found]
    return pairs


def _windows(text: str, initials: list[str]) -> list[str]:
    """Runs of consecutive words of ``text`` whose first letters are ``initials``."""
    words = _WORD.findall(text)
    return [
        " ".join(words[start : start + len(initials)])
        for start in range(len(words) - len(initials) + 1)
        if [w[0].lower() for w in words[start : start + len(initials)]] == initials
    ]


def synonym_groups(topics: Iterable[tuple[str, Sequence[str]]]) -> list[list[str]]:
    """Every group of equivalent phrases: the lists above and the thesaurus's (label, synonyms)."""
    groups = [[abbreviation, *expansions] for abbreviation, expansions in ABBREVIATIONS.items()]
    groups += [[abbreviation, meaning] for abbreviation, meanings in MEANINGS.items() for meaning in meanings]
    groups += [list(group) for group in SYNONYMS]
    for label, synonyms in topics:
        groups += thesaurus_abbreviations([label, *synonyms])
    return groups


def topic_concepts(topics: Iterable[tuple[str, str, Sequence[str]]]) -> list[tuple[str, str, list[str]]]:
    """("topic", code, phrases naming it) per thesaurus topic: its label without the parenthesis, and synonyms."""
    return [("topic", code, [_PARENTHESES.sub("", label), *synonyms]) for code, label, synonyms in topics]


def thesaurus() -> list[tuple[str, str, list[str]]]:
    """(code, label, synonyms) of every topic in the database."""
    return [(code, label, list(synonyms or [])) for code, label, synonyms in db.session.execute(
        select(Topic.code, Topic.label, Topic.synonyms).order_by(Topic.code)
    )]


def synonym_table() -> SynonymTable:
    """The current table (the thesaurus is read again as often as the vocabulary labels are), rebuilt only
    when the thesaurus in the database has changed."""
    return cached_vocabulary("synonym_table", _current_table)


def _current_table() -> SynonymTable:
    topics = thesaurus()
    key = hashlib.sha1(json.dumps(topics, ensure_ascii=False).encode("utf-8")).hexdigest()
    with _lock:
        table = _cache.get(key)
        if table is None:
            _cache.clear()
            groups = synonym_groups((label, synonyms) for _, label, synonyms in topics)
            table = _cache[key] = SynonymTable(groups, topic_concepts(topics))
    return table
