"""Many distinct queries of one kind at the index level: p50 / p95 / p99 with more samples than bench/scale.py.

bench/scale.py measures 40 queries of each kind, too few to tell two versions of one part apart on a machine
whose speed drifts. This opens an existing index (build one with `bench/scale.py --n 100000 --keep DIR`),
draws the queries of one kind the way bench/scale.py does (from --sets draws of its query sets, each query
once), answers --warmup queries sharing no word with them first (what a running worker has answered
before), and prints p50 / p95 / p99 of searching each once, with facets and highlights (20 per page).

    .venv/bin/python bench/query_kinds.py --index /tmp/kb-100k/index --kind фраза

To compare two versions, run the script of one checkout in each (`git worktree add`), one after the other,
twice: the same queries are drawn in both.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import scale  # noqa: E402

from indexer import SearchIndex, SearchQuery  # noqa: E402

KINDS = ("частое слово", "редкое слово", "3 слова", "фраза")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--kind", choices=KINDS, default="фраза")
    parser.add_argument("--sets", type=int, default=29, help="draws of bench/scale.py's query sets (seeds 1..N)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--corpus", type=Path, default=scale.DEFAULT_CORPUS if scale.DEFAULT_CORPUS.exists() else None)
    args = parser.parse_args()

    paragraphs = (scale.paragraphs_from_corpus(args.corpus, 100000) if args.corpus
                  else scale.paragraphs_from_demo())
    queries = list(dict.fromkeys(
        q for seed in range(1, args.sets + 1) for q in scale.query_sets(paragraphs, random.Random(seed))[args.kind]))
    index = SearchIndex(args.index, create=False)
    for q in scale.warmup_queries(paragraphs, {args.kind: queries}, args.warmup):
        index.search(SearchQuery(text=q, per_page=20))
    samples = []
    for q in queries:
        start = time.perf_counter()
        index.search(SearchQuery(text=q, per_page=20))
        samples.append(time.perf_counter() - start)
    figures = scale.percentiles(samples)
    print(f"{args.kind}: {len(queries)} разных запросов, уровень индекса, мс: p50 {figures['p50']:.1f}, "
          f"p95 {figures['p95']:.1f}, p99 {figures['p99']:.1f}")


if __name__ == "__main__":
    main()
