"""Query expansion: synonyms, abbreviations, thesaurus concepts and words of the same root.

All of it happens at query time, so changing the table needs no rebuild.

The caller hands in groups of phrases that mean the same ("ШНО", "школьное научное общество");
each phrase is analysed like the text, so "школьных научных обществ" in a query matches the group
and an inflected form in a document is found by the expansion. An expansion weighs less than the
words the user typed: a document with the user's own words ranks above one found through a synonym.

It may also hand in concepts: phrases that name a value of a keyword field (the thesaurus topic
"Профориентация" by its label and synonyms). A query naming a concept also finds the documents
filed under it, with a small constant score, below those that use the words; named by a narrower term of it
("финансовая грамотность" of "Функциональная грамотность"), after every document with the words.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence

from whoosh.analysis import Analyzer

from indexer.analysis import russian_analyzer

# How much a match through a synonym counts against a match of the typed words.
EXPANSION_WEIGHT = 0.5
# What being filed under a concept the query names counts (a word match scores about 2 to 10).
CONCEPT_SCORE = 1.0
# What a word of the same root counts against the word typed (0 turns them off).
RELATIVES_WEIGHT = 0.3
# Longer phrases are descriptions, not names: they would only slow the matching down.
MAX_PHRASE_TERMS = 5

Terms = tuple[str, ...]

_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _same_thing(phrase: str, other: str, terms: Terms, others: Terms) -> bool:
    """Whether two phrases of a group name the same thing: an abbreviation (a word in capitals) and its words, a
    word and its contraction (as many words as not: «детсад», «физкультура»), a name in either alphabet («Lego» /
    «лего»); and not two words that mean nearly the same («учитель» / «педагог», «одарённые» / «талантливые»)."""
    if len(terms) != len(others):
        return True
    if any(len(word) > 1 and word.isupper() for word in (phrase + " " + other).split()):
        return True
    return any(bool(script.search(phrase)) != bool(script.search(other)) for script in (_LATIN, _CYRILLIC))


class SynonymTable:
    """Phrase → the other phrases of its groups and the concepts it names, as sequences of index terms;
    plus how much each kind of expansion weighs."""

    def __init__(
        self,
        groups: Iterable[Sequence[str]],
        concepts: Iterable[tuple[str, str, Sequence[str]]] = (),
        analyzer: Analyzer | None = None,
        weight: float = EXPANSION_WEIGHT,
        concept_score: float = CONCEPT_SCORE,
        relatives_weight: float = RELATIVES_WEIGHT,
    ) -> None:
        """Analyse ``groups`` (each a list of equivalent phrases) and ``concepts`` ((field, value,
        phrases naming it)) with the index's text analyzer."""
        analyzer = analyzer or russian_analyzer()
        self.weight = weight
        self.concept_score = concept_score
        self.relatives_weight = relatives_weight
        self._expansions: dict[Terms, set[Terms]] = {}
        self._names: dict[Terms, set[Terms]] = {}
        self._concepts: dict[Terms, set[tuple[str, str]]] = {}
        self._fingerprint: tuple | None = None
        for group in groups:
            phrases = self._phrases(analyzer, group)
            for terms in phrases:
                self._expansions.setdefault(terms, set()).update(phrases - {terms})
            written = [(phrase, terms) for phrase in group
                       if 0 < len(terms := self._terms(analyzer, phrase)) <= MAX_PHRASE_TERMS]
            spelt = self._spellings(analyzer, written)
            for (phrase, terms), (other, others) in itertools.permutations(written, 2):
                if others == terms:
                    continue
                (name, name_terms), (other_name, other_terms) = spelt.get(phrase, (phrase, terms)), spelt.get(
                    other, (other, others))
                if name == other_name or _same_thing(name, other_name, name_terms, other_terms):
                    self._names.setdefault(terms, set()).add(others)
        self._narrower: dict[Terms, set[tuple[str, str]]] = {}
        for name, value, names in concepts:
            for terms in self._phrases(analyzer, names):
                for named in (terms, *self._renamed(terms)):
                    self._concepts.setdefault(named, set()).add((name, value))
            own = self._terms(analyzer, names[0]) if names else ()
            for terms in self._phrases(analyzer, names[1:]):
                if len(own) > 1 and len(terms) > 1 and terms[-1] == own[-1] and terms != own:
                    self._narrower.setdefault(terms, set()).add((name, value))
        self.longest = max((len(terms) for terms in [*self._expansions, *self._concepts]), default=0)

    def _renamed(self, terms: Terms) -> set[Terms]:
        """``terms`` with a run of its words given another name of the same thing (``names``): a topic named
        «ГлобалЛаб» is named «Глобальная школьная лаборатория» too, «высокомотивированные дети» «высоко мотивированные
        дети»; one run at a time, and no longer than MAX_PHRASE_TERMS."""
        found = set()
        for start, end in itertools.combinations(range(len(terms) + 1), 2):
            for other in self._names.get(terms[start:end], ()):
                if len(renamed := terms[:start] + other + terms[end:]) <= MAX_PHRASE_TERMS:
                    found.add(renamed)
        return found

    @classmethod
    def _spellings(cls, analyzer: Analyzer, written: list[tuple[str, Terms]]) -> dict[str, tuple[str, Terms]]:
        """Each phrase of a group that is another phrase of it written apart («высоко мотивированные»:
        «высокомотивированные») -> that phrase and its terms: it names what that one names, and nothing else (the
        words differ in number, which ``_same_thing`` takes for a contraction of each of the group's words)."""
        words = {terms: phrase for phrase, terms in written if len(terms) == 1}
        spelt = {}
        for phrase, terms in written:
            solid = cls._terms(analyzer, re.sub(r"[\s-]+", "", phrase))
            if len(terms) > 1 and solid in words:
                spelt[phrase] = (words[solid], solid)
        return spelt

    @classmethod
    def _phrases(cls, analyzer: Analyzer, phrases: Iterable[str]) -> set[Terms]:
        return {terms for phrase in phrases if 0 < len(terms := cls._terms(analyzer, phrase)) <= MAX_PHRASE_TERMS}

    @staticmethod
    def _terms(analyzer: Analyzer, phrase: str) -> Terms:
        return tuple(token.text for token in analyzer(phrase, mode="query"))

    @property
    def fingerprint(self) -> tuple:
        """A value equal for tables that expand every query the same way (a key of cached results)."""
        if self._fingerprint is None:
            self._fingerprint = (
                self.weight, self.concept_score, self.relatives_weight,
                tuple(sorted((terms, tuple(sorted(others))) for terms, others in self._expansions.items())),
                tuple(sorted((terms, tuple(sorted(named))) for terms, named in self._concepts.items())),
                tuple(sorted((terms, tuple(sorted(others))) for terms, others in self._names.items())),
                tuple(sorted((terms, tuple(sorted(named))) for terms, named in self._narrower.items())),
            )
        return self._fingerprint

    def expansions(self, terms: Terms) -> list[Terms]:
        """The phrases equivalent to ``terms`` (empty when it is no known phrase), in a stable order."""
        return sorted(self._expansions.get(terms, ()))

    def names(self, terms: Terms) -> list[Terms]:
        """Of ``expansions``, those naming the same thing as ``terms`` (``_same_thing``): what a query excluding
        ``terms`` excludes as well («-ШНО»: «школьное научное общество»), in a stable order."""
        return sorted(self._names.get(terms, ()))

    def concepts(self, terms: Terms) -> list[tuple[str, str]]:
        """(field, value) of the concepts ``terms`` names, in a stable order."""
        return sorted(self._concepts.get(terms, ()))

    def narrower(self, terms: Terms) -> list[tuple[str, str]]:
        """(field, value) of the concepts ``terms`` names by a narrower term: a phrase of theirs (not the first, the
        concept's own name) ending in the own name's last word, with other words before it («финансовая
        грамотность» of «Функциональная грамотность»), in a stable order. A document filed under the concept
        may be about another part of it: a text with the words is a better match."""
        return sorted(self._narrower.get(terms, ()))
