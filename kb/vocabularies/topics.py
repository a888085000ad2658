"""Suggesting thesaurus topics for a text by its labels, synonyms and abbreviations."""

from __future__ import annotations

import re

import Stemmer
from sqlalchemy import select

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_STEMMER = Stemmer.Stemmer("russian")
# Words of topic labels that say nothing on their own.
_SKIP = {"и", "в", "на", "с", "по", "для", "их", "детей", "дети", "обучающихся", "уровней"}


def _stems(text: str) -> list[str]:
    words = [w.lower().replace("ё", "е") for w in _WORD.findall(text)]
    return _STEMMER.stemWords([w for w in words if w not in _SKIP])


_Patterns = tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]


def _patterns() -> _Patterns:
    """Per topic of the thesaurus in the database (administrators add topics and synonyms): stemmed phrases (label
    and synonyms) and abbreviations (matched as written); kept as the vocabulary labels are."""
    from kb.vocabularies.services import cached_vocabulary  # it reads the database: imported when needed

    return cached_vocabulary("topic_patterns", _build_patterns)


def _build_patterns() -> _Patterns:
    from kb.extensions import db
    from kb.vocabularies.models import Topic

    rows = db.session.execute(select(Topic.code, Topic.label, Topic.synonyms).order_by(Topic.sort_order, Topic.code))
    return tuple(_topic_patterns(code, label, synonyms or []) for code, label, synonyms in rows)


def _topic_patterns(code: str, label: str, synonyms: list[str]) -> tuple[str, tuple[tuple[str, ...], ...],
                                                                         tuple[str, ...]]:
    phrases, abbreviations = [], []
    for phrase in [label, *synonyms]:
        if phrase.isupper() and " " not in phrase:
            abbreviations.append(phrase)
        elif stems := _stems(phrase):
            phrases.append(tuple(stems))
    # A long label ("Интеграция урочной, внеурочной деятельности и …") is matched by its synonyms.
    return code, tuple(p for p in phrases if len(p) <= 4), tuple(abbreviations)


def _contains(haystack: list[str], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(tuple(haystack[i:i + n]) == needle for i in range(len(haystack) - n + 1))


def suggest_topics(text: str) -> list[str]:
    """Topic codes whose label, a synonym or an abbreviation occurs in ``text``."""
    stems = _stems(text)
    tokens = set(_WORD.findall(text))
    return [
        code
        for code, phrases, abbreviations in _patterns()
        if any(a in tokens for a in abbreviations) or any(_contains(stems, p) for p in phrases)
    ]
