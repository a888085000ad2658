"""What a worker pays after each commit: the first search on a fresh searcher, and distinct uncached queries.

Every commit gives each worker a new searcher, whose term and facet bitmaps (indexer/docsets.py) are built
again on first use. This opens an existing index (build one with `bench/scale.py --n 100000 --keep DIR`)
several times and prints, per round, the first search's time (facets of every field built) and the median
of distinct queries on that searcher (each query once, so no cache answers it).

    .venv/bin/python bench/fresh_searcher.py --index /tmp/f1-100k/index --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indexer.index import SearchIndex, SearchQuery  # noqa: E402

FIRST = "олимпиада"
DISTINCT = ["проектная деятельность", "робототехника", "функциональная грамотность", "наставничество",
            "экологическое воспитание", "театр", "шахматы", "волонтёрство", "читательская грамотность",
            "инклюзивное образование", "профориентация", "краеведение", "финансовая грамотность",
            "сетевое взаимодействие", "дистанционное обучение", "одарённые дети"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    firsts, medians = [], []
    for n in range(args.rounds):
        ix = SearchIndex(args.index, create=False)  # a new searcher, as after a commit
        start = time.perf_counter()
        total = ix.search(SearchQuery(text=FIRST)).total
        firsts.append((time.perf_counter() - start) * 1000)
        times = []
        for words in DISTINCT:
            start = time.perf_counter()
            ix.search(SearchQuery(text=words))
            times.append((time.perf_counter() - start) * 1000)
        medians.append(statistics.median(times))
        print(f"round {n + 1}: first search {firsts[-1]:.0f} ms ({total} found), "
              f"distinct queries median {medians[-1]:.1f} ms, max {max(times):.0f} ms")
    print(f"median of rounds: first search {statistics.median(firsts):.0f} ms, "
          f"distinct queries {statistics.median(medians):.1f} ms")


if __name__ == "__main__":
    main()
