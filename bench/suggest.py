"""Autocomplete latency through the whole Flask stack (test client) on an instance.

    KB_INSTANCE=instance .venv/bin/python bench/suggest.py      # after `make run` has loaded the demo data
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb import create_app  # noqa: E402

PREFIXES = ["шк", "шко", "школ", "одар", "олим", "иом", "смол", "челяб", "проект", "инкл", "тат", "мос", "кра",
            "лиц", "мбоу"]


def main() -> None:
    client = create_app().test_client()
    client.get("/api/v1/suggest", query_string={"q": "шк"})
    samples = []
    for _ in range(5):
        for prefix in PREFIXES:
            start = time.perf_counter()
            client.get("/api/v1/suggest", query_string={"q": prefix})
            samples.append(time.perf_counter() - start)
    samples.sort()
    print(f"/api/v1/suggest: p50 {statistics.median(samples) * 1000:.1f} мс, "
          f"p95 {samples[int(0.95 * len(samples))] * 1000:.1f} мс (n={len(samples)})")


if __name__ == "__main__":
    main()
