"""Misspelt queries: how long a search takes when a word is not in the index and a correction is looked for.

A word the index does not know is compared with every indexed word of its first letter ("Возможно, вы имели
в виду …"). This opens an existing index (build one with `bench/scale.py --n 100000 --keep DIR`), draws
words of the index, misspells each once (a letter dropped, doubled, replaced or swapped with the next), and
prints p50 / p95 of searching them, each misspelt word searched once, after --warmup other misspelt words
(what a running worker has answered before), and how many got a suggestion.

    .venv/bin/python bench/typos.py --index /tmp/kb-100k/index
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scale import percentiles  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402

from indexer.index import SPELLING_FIELD, SearchIndex, SearchQuery  # noqa: E402

LETTERS = "абвгдежзиклмнопрстуфхцчшщыэюя"


def misspelt(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)  # the first letter stays: suggestions keep it
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + rng.choice(LETTERS.replace(word[i], "")) + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:] if word[i] != word[i + 1] else word[:i] + word[i + 1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--n", type=int, default=60, help="misspelt words measured")
    parser.add_argument("--warmup", type=int, default=60, help="other misspelt words searched before them")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    index = SearchIndex(args.index, create=False)
    index.search(SearchQuery(text="опыт"))  # open the searcher, as a running worker has
    with whoosh_index.open_dir(str(args.index)).reader() as reader:  # the bank's words, read beside it
        words = sorted({w.decode() for w in reader.lexicon(SPELLING_FIELD)})
        known = set(words)
    rng = random.Random(args.seed)
    pool = [w for w in words if len(w) >= 6 and w[0] in LETTERS]
    queries: list[str] = []
    for word in rng.sample(pool, min(len(pool), 20 * (args.n + args.warmup))):
        typo = misspelt(word, rng)
        if typo not in known and typo not in queries:
            queries.append(typo)
        if len(queries) == args.n + args.warmup:
            break
    for text in queries[: args.warmup]:
        index.search(SearchQuery(text=text, per_page=20))
    samples, suggested = [], 0
    for text in queries[args.warmup:]:
        start = time.perf_counter()
        result = index.search(SearchQuery(text=text, per_page=20))
        samples.append(time.perf_counter() - start)
        suggested += result.suggestion is not None
    figures = percentiles(samples)
    print(f"Слов в индексе: {len(words)}; запросов с опечаткой: {len(samples)} (до них ещё {args.warmup})")
    print(f"Поиск с опечаткой, мс: p50 {figures['p50']:.1f} / p95 {figures['p95']:.1f} / "
          f"max {max(samples) * 1000:.1f}; с подсказкой «Возможно, вы имели в виду»: {suggested}")


if __name__ == "__main__":
    main()
