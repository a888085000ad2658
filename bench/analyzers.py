"""Snowball stems (PyStemmer), pymorphy3 lemmas, or stems of lemmas: speed and what each gets right.

Run: ``.venv/bin/python bench/analyzers.py [--corpus PATH] [--articles N] [--tokens N]``.

(a) Times each per word, without a cache (each distinct word once) and with an LRU cache (a
    stream of running tokens, so repeated words hit the cache as they do at indexing time).
    Words come from ``../shared/corpus/ru_articles.jsonl.gz`` when present (measure only, never
    ship it); otherwise from the inflected forms of a built-in vocabulary, drawn with Zipf
    weights.
(b) Checks inflection pairs that must meet and word pairs that must stay apart.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import pymorphy3
import Stemmer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer.analysis import STOP_WORDS, TOKEN_PATTERN, fold, term  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ru_articles.jsonl.gz"

# Query form / document form: the query must find the document.
SAME = [
    ("одарённые дети", "одарённых детей"),
    ("одаренные дети", "одарённых детей"),
    ("одарённые дети", "одаренными детьми"),
    ("школьное научное общество", "школьных научных обществ"),
    ("одарённость", "одарённых"),
    ("одарённость", "одаренности"),
    ("педагог", "педагогами"),
    ("учитель", "учителей"),
    ("ученик", "учеников"),
    ("обучающийся", "обучающихся"),
    ("олимпиада", "олимпиадах"),
    ("конкурс", "конкурсах"),
    ("сопровождение", "сопровождения"),
    ("психолого-педагогическое сопровождение", "психолого-педагогического сопровождения"),
    ("научно-практическая конференция", "научно-практической конференции"),
    ("исследовательская деятельность", "исследовательской деятельности"),
    ("проектная деятельность", "проектной деятельностью"),
    ("внеурочная деятельность", "внеурочной деятельности"),
    ("индивидуальный образовательный маршрут", "индивидуальных образовательных маршрутов"),
    ("сетевое взаимодействие", "сетевого взаимодействия"),
    ("сетевое партнёрство", "сетевом партнерстве"),
    ("дополнительное образование", "дополнительного образования"),
    ("инклюзивное образование", "инклюзивному образованию"),
    ("начальная школа", "начальной школе"),
    ("методическое объединение", "методических объединений"),
    ("образовательная организация", "образовательных организаций"),
    ("профессиональное самоопределение", "профессионального самоопределения"),
    ("повышение квалификации", "повышения квалификации"),
    ("дистанционные технологии", "дистанционных технологиях"),
    ("диагностика одарённости", "диагностики одаренности"),
    ("выявление", "выявлению"),
    ("преемственность", "преемственности"),
    ("мотивация", "мотивации"),
    ("талантливые", "талантливых"),
    ("способности", "способностей"),
    ("родители", "родителей"),
    ("лаборатория", "лабораториях"),
    ("семинар", "семинарах"),
    ("опыт", "опыта"),
    ("педагогический опыт", "педагогическим опытом"),
    ("урок", "уроков"),
    ("учёный", "ученых"),
    ("муниципальный", "муниципальных"),
    ("ребёнок", "ребёнка"),
    ("кружок", "кружков"),
    ("кружок", "кружка"),
    ("ГлобалЛаб", "ГлобалЛабе"),
    ("тьютор", "тьюторами"),
]

# Words that must stay apart ("мир"/"мира" may meet, "образование"/"образ" may not).
APART = [
    ("образование", "образ"),
    ("методика", "метод"),
    ("педагогика", "педагог"),
    ("математика", "математик"),
    ("физика", "физик"),
    ("статья", "стать"),
    ("лицей", "лицо"),
    ("олимпиада", "олимп"),
    ("организация", "организм"),
    ("классный", "класс"),
]

# Lemmas for a generated word list when the corpus is absent.
_VOCABULARY_TEXT = """
одарённый ребёнок дети школьный научный общество педагог учитель ученик обучающийся олимпиада
конкурс сопровождение психологический педагогический конференция исследовательский проектный
деятельность внеурочный индивидуальный образовательный маршрут сетевой взаимодействие
дополнительный образование инклюзивный начальный школа методический объединение организация
профессиональный самоопределение повышение квалификация дистанционный технология диагностика
выявление преемственность мотивация талантливый способность родитель лаборатория семинар опыт
урок муниципальный кружок региональный модель поддержка развитие программа результат проект
исследование работа система условие ресурс задача цель новизна актуальность оценка качество
"""
VOCABULARY = _VOCABULARY_TEXT.split()

TOKEN_RE = re.compile(TOKEN_PATTERN)


def corpus_words(path: Path, articles: int) -> Iterator[str]:
    """Folded words of the first ``articles`` texts of the corpus."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= articles:
                break
            text = json.loads(line).get("text", "")
            for match in TOKEN_RE.finditer(text):
                yield fold(match.group())


def generated_words(morph: pymorphy3.MorphAnalyzer, count: int) -> list[str]:
    """Inflected forms of the built-in vocabulary, drawn with Zipf weights (seeded)."""
    forms = sorted({fold(form.word) for lemma in VOCABULARY for form in morph.parse(lemma)[0].lexeme})
    rng = random.Random(42)
    rng.shuffle(forms)
    weights = [1 / rank for rank in range(1, len(forms) + 1)]
    return rng.choices(forms, weights=weights, k=count)


def per_call_us(fn: Callable[[str], str], words: list[str]) -> float:
    start = time.perf_counter()
    for word in words:
        fn(word)
    return (time.perf_counter() - start) / len(words) * 1e6


def phrase_key(normalise: Callable[[str], str], phrase: str) -> tuple[str, ...]:
    words = (fold(m.group()) for m in TOKEN_RE.finditer(phrase))
    return tuple(normalise(w) for w in words if w not in STOP_WORDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=2000, help="corpus articles to read")
    parser.add_argument("--tokens", type=int, default=300_000, help="running tokens for the cached timing")
    args = parser.parse_args()

    start = time.perf_counter()
    morph = pymorphy3.MorphAnalyzer()
    morph_load = time.perf_counter() - start
    snowball = Stemmer.Stemmer("russian", 0)  # no internal cache: the cache is measured separately

    def stem(word: str) -> str:
        return snowball.stemWord(word)

    def lemma(word: str) -> str:
        return fold(morph.parse(word)[0].normal_form)

    lemma_stem = term.__wrapped__  # what the index uses, without its cache

    if args.corpus.is_file():
        stream = list(corpus_words(args.corpus, args.articles))[: args.tokens]
        source = f"{args.corpus.name}, first {args.articles} articles"
    else:
        stream = generated_words(morph, args.tokens)
        source = f"generated from {len(VOCABULARY)} built-in lemmas (corpus not found)"
    distinct = list(dict.fromkeys(stream))
    print(f"Words: {source}: {len(stream):,} tokens, {len(distinct):,} distinct.")
    print(f"pymorphy3 dictionary load: {morph_load * 1000:.0f} ms\n")

    analyzers = {"PyStemmer": stem, "pymorphy3": lemma, "lemma+stem": lemma_stem}
    lemma_stem("опыт")  # load the index's own dictionary copy outside the timing
    results = {}
    for name, fn in analyzers.items():
        results[name] = {
            "uncached": per_call_us(fn, distinct),
            "cached": per_call_us(lru_cache(maxsize=100_000)(fn), stream),
            "missed": [(a, b) for a, b in SAME if phrase_key(fn, a) != phrase_key(fn, b)],
            "merged": [(a, b) for a, b in APART if fn(fold(a)) == fn(fold(b))],
        }

    def row(label: str, cell: Callable[[dict], str]) -> None:
        print(f"{label:34}" + "".join(f"{cell(results[name]):>12}" for name in analyzers))

    print(f"{'':34}" + "".join(f"{name:>12}" for name in analyzers))
    row("µs per distinct word, no cache", lambda r: f"{r['uncached']:.2f}")
    row("µs per running token, LRU cache", lambda r: f"{r['cached']:.2f}")
    row(f"inflection pairs joined (of {len(SAME)})", lambda r: str(len(SAME) - len(r["missed"])))
    row(f"wrong merges (of {len(APART)})", lambda r: str(len(r["merged"])))

    for name, fn in analyzers.items():
        print(f"\n{name}:")
        for a, b in results[name]["missed"]:
            print(f"  missed  {a} / {b}: {' '.join(phrase_key(fn, a))} ≠ {' '.join(phrase_key(fn, b))}")
        for a, b in results[name]["merged"]:
            print(f"  merged  {a} / {b}: both {fn(fold(a))}")
    print("\nThe index uses lemma+stem (indexer.analysis.term).")


if __name__ == "__main__":
    main()
