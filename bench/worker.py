"""One web worker warming up: its memory step by step, the autocomplete list's share, practice page times.

    .venv/bin/python bench/scale.py --n 100000 --keep /tmp/kb-100k      # once: an instance with an index
    .venv/bin/python bench/worker.py --instance /tmp/kb-100k

Runs the application in this process (Flask's test client, no network) on the given instance and prints
the resident memory (VmRSS and RssAnon, the process's own) after start-up, the first search, 600 distinct
searches, 300 suggestions and 900 practice pages (URLs drawn as bench/load.py draws them); then what the
autocomplete list of the whole bank holds (tracemalloc, the list built again alone); then p50 / p95 of 80
practice pages spread over the bank ("similar practices" included), each seen for the first time.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import sqlite3
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from load import url_pools  # noqa: E402


def memory() -> str:
    status = Path("/proc/self/status").read_text()
    rss, anon = (int(re.search(rf"{key}:\s+(\d+)", status).group(1)) // 1024 for key in ("VmRSS", "RssAnon"))
    return f"RSS {rss} МБ, своей {anon} МБ"


def spread_practices(instance: Path, count: int) -> list[int]:
    con = sqlite3.connect(instance / "kb.sqlite3")
    try:
        ids = [row[0] for row in con.execute("SELECT id FROM practice WHERE status = 'published' ORDER BY id")]
    finally:
        con.close()
    step = max(1, len(ids) // count)
    return ids[step // 2 :: step][:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True)
    args = parser.parse_args()
    os.environ["KB_INSTANCE"] = str(args.instance)

    from kb import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    print(f"после запуска: {memory()}")
    client.get("/search?q=%D0%BE%D0%BF%D1%8B%D1%82")
    print(f"после первого поиска: {memory()}")
    pools = url_pools(args.instance, 3000, random.Random(3))
    steps = (("600 разных поисков", pools["search"][:600]), ("300 подсказок", pools["suggest"][:300]),
             ("900 страниц практик", pools["practice"][:900]))
    for title, urls in steps:
        for url in urls:
            client.get(url)
        print(f"после ещё {title}: {memory()}")

    with app.test_request_context():
        from kb.search import autocomplete

        app.extensions.pop("kb_completions", None)
        gc.collect()
        tracemalloc.start()
        autocomplete.complete("шк")
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
    print(f"список подсказок всего банка: {held / 2**20:.1f} МБ (tracemalloc)")

    ids = spread_practices(args.instance, 81)
    client.get(f"/practices/{ids[0]}")
    timings = []
    for practice_id in ids[1:]:
        start = time.perf_counter()
        response = client.get(f"/practices/{practice_id}")
        timings.append(time.perf_counter() - start)
        assert response.status_code == 200, (practice_id, response.status_code)
    timings.sort()
    print(f"страница практики ({len(timings)} разных): p50 {statistics.median(timings) * 1000:.1f} мс, "
          f"p95 {timings[int(0.95 * len(timings))] * 1000:.1f} мс")


if __name__ == "__main__":
    main()
