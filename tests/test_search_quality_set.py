"""The judged query set of bench/search_quality.py: enough queries, judgments that point at real documents."""

import json
from pathlib import Path

from indexer import FACET_FIELDS
from kb.demo.services import DEMO_DIR, demo_practices

QUERIES = Path(__file__).resolve().parents[1] / "bench" / "search_queries.json"


def test_the_judged_set_is_large_and_points_at_published_documents():
    queries = json.loads(QUERIES.read_text(encoding="utf-8"))
    assert len(queries) >= 60
    assert len({q["id"] for q in queries}) == len(queries)
    published = {r["key"] for r in demo_practices() if r.get("status", "published") == "published"}
    resolutions = {p.name for p in (DEMO_DIR / "resolutions").iterdir()} | {
        "resolution_chelyabinsk_2017.txt", "resolution_smolensk_2023.txt",  # the seeds in ../shared/seeds
    }
    for q in queries:
        assert q["query"].strip() and q["relevant"], q["id"]
        assert set(q["filters"]) <= set(FACET_FIELDS), q["id"]
        for key, grade in q["relevant"].items():
            assert grade in (1, 2, 3), (q["id"], key)
            if key.startswith(("res:", "rec:")):
                assert key[4:].split("#")[0] in resolutions, (q["id"], key)
            else:
                assert key in published, (q["id"], key)
    assert {q["kind"] for q in queries} >= {"падеж", "ё", "сокращение", "синоним", "опечатка", "фильтр", "синтаксис"}
