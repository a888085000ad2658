"""Suggesting thesaurus topics for a text by its labels, synonyms and abbreviations."""

from __future__ import annotations

import re
from functools import cache

import Stemmer

from kb.vocabularies import data

_WORD = re.compile(r"[0-9A-Za-zА-Яа-яЁё]+")
_STEMMER = Stemmer.Stemmer("russian")
# Words of topic labels that say nothing on their own.
_SKIP = {"и", "в", "на", "с", "по", "для", "их", "детей", "дети", "обучающихся", "уровней"}


def _stems(text: str) -> list[str]:
    words = [w.lower().replace("ё", "е") for w in _WORD.findall(text)]
    return _STEMMER.stemWords([w for w in words if w not in _SKIP])


@cache
def _patterns() -> tuple[tuple[str, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
    """Per topic: stemmed phrases (label and synonyms) and abbreviations (matched as written)."""
    result = []
    for topic in data.TOPICS:
        phrases, abbreviations = [], []
        for phrase in [topic["label"], *topic.get("synonyms", [])]:
            if phrase.isupper() and " " not in phrase:
                abbreviations.append(phrase)
            elif stems := _stems(phrase):
                phrases.append(tuple(stems))
        # A long label ("Интеграция урочной, внеурочной деятельности и …") is matched by its synonyms.
        result.append((topic["code"], tuple(p for p in phrases if len(p) <= 4), tuple(abbreviations)))
    return tuple(result)


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
