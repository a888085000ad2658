"""Search quality on a judged set of queries typed the way teachers type them.

Run: ``.venv/bin/python bench/search_quality.py [--queries bench/search_queries.json] [--details]``.

Builds a throw-away instance (schema, vocabularies, the demo data and, when ``../shared/seeds/`` is
beside the repository, the two seed resolutions), indexes it once per configuration and runs every
query of ``search_queries.json`` through the same search the site uses (filters, relaxing, spelling
fallback). Each query lists graded judgments — 3 what was asked for, 2 clearly relevant, 1 touching
on it — by stable keys: a demo practice by its demo key ("demo-a-07"), a resolution by its file
name ("res:resolution_kazan_2019.txt"), a recommendation by file name and number
("rec:resolution_kazan_2019.txt#3.1"). Judgments about documents absent from the instance (the
seeds, without ``../shared``) are dropped, and queries left without any are skipped.

Prints nDCG@10, recall@20, MRR and the share of queries with a relevant document in the top 3
(``ir-measures``, which computes them with trec_eval) for whoosh's ``StandardAnalyzer``, Snowball
stems, pymorphy3 lemmas and stems of lemmas, each without and with query expansion — synonyms,
abbreviations, thesaurus topics, words of the same root; the site runs stems of lemmas with
expansion — side by side, then the queries the site's configuration misses. Every configuration
runs the same query pipeline (AND, then partial matches; spelling fallback); only the analyzer and
the expansion differ.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import ir_measures
from ir_measures import RR, R, ScoredDoc, Success, nDCG
from sqlalchemy import select
from whoosh.analysis import Analyzer, StandardAnalyzer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indexer import SearchIndex, SearchQuery, SynonymTable  # noqa: E402
from indexer.analysis import LemmaTermFilter, SnowballTermFilter, russian_analyzer  # noqa: E402
from kb import create_app  # noqa: E402
from kb.extensions import db  # noqa: E402

DEFAULT_QUERIES = Path(__file__).resolve().parent / "search_queries.json"
SEEDS = ROOT.parent / "shared" / "seeds"
DEPTH = 20  # results looked at per query (recall@20)
MEASURES = [nDCG @ 10, R @ 20, RR, Success @ 3]
HEADINGS = {str(nDCG @ 10): "nDCG@10", str(R @ 20): "recall@20", str(RR): "MRR", str(Success @ 3): "в первых 3"}


def _standard() -> Analyzer:
    return StandardAnalyzer()


def _snowball() -> Analyzer:
    return russian_analyzer(SnowballTermFilter)


def _lemma() -> Analyzer:
    return russian_analyzer(LemmaTermFilter)


# name -> (analyzer of the text fields, whether the query is expanded)
CONFIGURATIONS: dict[str, tuple[Callable[[], Analyzer], bool]] = {
    "StandardAnalyzer": (_standard, False),
    "Snowball": (_snowball, False),
    "лемма": (_lemma, False),
    "основа леммы": (russian_analyzer, False),
    "StandardAnalyzer + расширение": (_standard, True),
    "Snowball + расширение": (_snowball, True),
    "лемма + расширение": (_lemma, True),
    "основа леммы + расширение": (russian_analyzer, True),
}
SITE = "основа леммы + расширение"


def build_instance(folder: Path) -> tuple[object, bool]:
    """A fresh instance with the demo data (and the seeds when present); returns the app and whether seeds loaded."""
    from kb.commands import initialise
    from kb.demo.services import load_demo
    from kb.resolutions.services import import_resolution_file

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'kb.sqlite3'}",
        "INDEX_DIR": str(folder / "index"),
        "UPLOAD_DIR": str(folder / "uploads"),
    })
    seeds = SEEDS.is_dir()
    with app.app_context():
        # The migrations configure logging to print every step to stderr: keep the report readable.
        with contextlib.redirect_stderr(io.StringIO()):
            initialise()
        load_demo()
        if seeds:
            for path in sorted(SEEDS.glob("*.txt")):
                import_resolution_file(path, publish=True)
        db.session.commit()
    return app, seeds


def stable_keys() -> dict[str, str]:
    """Index document id -> the stable key the judgments use."""
    from kb.practices.models import Practice
    from kb.resolutions.models import Recommendation, Resolution

    keys = {}
    for pid, external_id in db.session.execute(select(Practice.id, Practice.external_id)):
        if external_id and external_id.startswith("demo:"):
            keys[f"practice:{pid}"] = external_id.removeprefix("demo:")
    for rid, source in db.session.execute(select(Resolution.id, Resolution.source_name)):
        keys[f"resolution:{rid}"] = f"res:{source}"
    for rec_id, number, source in db.session.execute(
        select(Recommendation.id, Recommendation.number, Resolution.source_name).join(Recommendation.resolution)
    ):
        keys[f"recommendation:{rec_id}"] = f"rec:{source}#{number}"
    return keys


def run_configuration(
    folder: Path, analyzer: Callable[[], Analyzer], expansion: SynonymTable | None, queries: list[dict],
    keys: dict[str, str],
) -> list[ScoredDoc]:
    """Index every public document with ``analyzer`` and run the queries; the run, ranks as scores."""
    from kb.search.documents import all_documents

    index = SearchIndex(folder, analyzer=analyzer)
    index.rebuild(all_documents())
    run = []
    for q in queries:
        result = index.search(SearchQuery(text=q["query"], filters=q["filters"], per_page=DEPTH, synonyms=expansion))
        for rank, hit in enumerate(result.hits):
            run.append(ScoredDoc(q["id"], keys.get(hit.id, hit.id), float(DEPTH - rank)))
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--details", action="store_true", help="per query figures of the site's configuration")
    args = parser.parse_args()

    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="kb-search-quality-") as tmp:
        app, seeds = build_instance(Path(tmp))
        with app.app_context():
            from kb.search.synonyms import synonym_groups, thesaurus, topic_concepts

            keys = stable_keys()
            known = set(keys.values())
            judged = [
                {**q, "relevant": {k: v for k, v in q["relevant"].items() if k in known}} for q in queries
            ]
            judged = [q for q in judged if q["relevant"]]
            qrels = [ir_measures.Qrel(q["id"], key, grade) for q in judged for key, grade in q["relevant"].items()]
            topics = thesaurus()
            groups = synonym_groups((label, synonyms) for _, label, synonyms in topics)
            results = {}
            runs = {}
            for name, (analyzer, expanded) in CONFIGURATIONS.items():
                # the table is analysed like the index it runs on, as the site's is
                table = SynonymTable(groups, topic_concepts(topics), analyzer=analyzer()) if expanded else None
                runs[name] = run_configuration(Path(tmp) / f"index-{len(results)}", analyzer, table, judged, keys)
                results[name] = ir_measures.calc_aggregate(MEASURES, qrels, runs[name])
            db.session.remove()
            db.engine.dispose()

    print(f"Запросов: {len(judged)} из {len(queries)}; оценок: {len(qrels)}; "
          f"резолюции-образцы из ../shared/seeds: {'да' if seeds else 'нет (оценки о них отброшены)'}.")
    width = max(len(name) for name in CONFIGURATIONS)
    print(f"{'':{width}}  " + "  ".join(f"{HEADINGS[str(m)]:>10}" for m in MEASURES))
    for name, figures in results.items():
        print(f"{name:{width}}  " + "  ".join(f"{figures[m]:>10.3f}" for m in MEASURES))

    per_query: dict[str, dict[str, float]] = {}
    for metric in ir_measures.iter_calc(MEASURES, qrels, runs[SITE]):
        per_query.setdefault(metric.query_id, {})[HEADINGS[str(metric.measure)]] = metric.value
    missed = [q for q in judged if per_query.get(q["id"], {}).get("в первых 3", 0.0) < 1.0]
    print(f"\nБез релевантного документа в первых трёх ({SITE}): {len(missed)}")
    for q in missed:
        filters = f" {q['filters']}" if q["filters"] else ""
        print(f"  {q['id']} [{q['kind']}] {q['query']}{filters}")
    if args.details:
        print("\nПо запросам:")
        for q in judged:
            figures = per_query.get(q["id"], {})
            print(f"  {q['id']} nDCG@10={figures.get('nDCG@10', 0.0):.3f} MRR={figures.get('MRR', 0.0):.3f} "
                  f"[{q['kind']}] {q['query']}")


if __name__ == "__main__":
    main()
