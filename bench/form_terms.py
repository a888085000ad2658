"""What a query word looks for besides its own term (``indexer.analysis.form_terms``), and what it costs.

Run: ``.venv/bin/python bench/form_terms.py [--corpus PATH] [--words N] [--dump PATH] [--compare PATH]``.

Takes the N most frequent Cyrillic words of ``../shared/corpus/ru_articles.jsonl.gz`` (measure only, never ship
it; without it, the forms of the built-in vocabulary of ``bench/analyzers.py``), and calls ``form_terms`` once
per word on an empty cache, the dictionary loaded beforehand: prints the mean, median and largest time per word
and the words with more than one term. ``--dump`` writes word -> terms as JSON; ``--compare`` prints the words
whose terms differ from such a dump (made by another version of the code), to read what a change joins.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import pymorphy3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analyzers import DEFAULT_CORPUS, corpus_words, generated_words  # noqa: E402

from indexer.analysis import STOP_WORDS, form_terms, morphology, term  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--articles", type=int, default=10_000, help="corpus articles to read")
    parser.add_argument("--words", type=int, default=20_000, help="most frequent words to look up")
    parser.add_argument("--dump", type=Path, help="write word -> terms here (JSON)")
    parser.add_argument("--compare", type=Path, help="print the words whose terms differ from this dump")
    args = parser.parse_args()

    if args.corpus.is_file():
        counts = Counter(word for word in corpus_words(args.corpus, args.articles)
                         if word not in STOP_WORDS and any("а" <= letter <= "я" for letter in word))
        source = f"{args.corpus.name}, first {args.articles} articles"
    else:
        counts = Counter(generated_words(pymorphy3.MorphAnalyzer(), 300_000))
        source = "generated (corpus not found)"
    words = [word for word, _ in counts.most_common(args.words)]
    print(f"Words: the {len(words):,} most frequent of {source}.")

    term("опыт")
    _ = morphology().parse("опыт")[0].lexeme  # the dictionary loaded outside the timing
    form_terms.cache_clear()
    times, found = [], {}
    for word in words:
        start = time.perf_counter()
        terms = form_terms(word)
        times.append((time.perf_counter() - start) * 1000)
        found[word] = sorted(terms)
    slowest = max(range(len(words)), key=times.__getitem__)
    print(f"form_terms per word: mean {statistics.mean(times):.3f} ms, median {statistics.median(times):.3f} ms, "
          f"max {times[slowest]:.1f} ms («{words[slowest]}»); total {sum(times) / 1000:.1f} s")
    print(f"words with more than one term: {sum(len(terms) > 1 for terms in found.values()):,}")
    if args.dump:
        args.dump.write_text(json.dumps(found, ensure_ascii=False, indent=0), encoding="utf-8")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        changed = [word for word in words if word in before and before[word] != found[word]]
        print(f"\n{len(changed)} words look for other terms than in {args.compare.name}:")
        for word in changed:
            gained = sorted(set(found[word]) - set(before[word]))
            lost = sorted(set(before[word]) - set(found[word]))
            print(f"  {word:20} {term(word):12} +{' '.join(gained) or '-'}  -{' '.join(lost) or '-'}")


if __name__ == "__main__":
    main()
