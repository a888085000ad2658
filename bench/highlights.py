"""Search page time with highlighting capped at HIGHLIGHT_CHARS vs uncapped, side by side on one instance.

    .venv/bin/python bench/scale.py --n 2000 --keep /tmp/kb-2k     # once: an instance with long practices
    KB_INSTANCE=/tmp/kb-2k .venv/bin/python bench/highlights.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import indexer.index as index_module  # noqa: E402
from kb import create_app  # noqa: E402

WORDS = ["методист", "олимпиада", "школа", "проект", "учитель", "развитие", "конкурс", "семинар", "ребёнок",
         "общество", "образование", "урок", "государство", "исследование", "культура", "история", "экономика",
         "программа", "регион", "работа"]


def main() -> None:
    client = create_app().test_client()
    if client.get("/search", query_string={"q": "опыт"}).status_code != 200:
        sys.exit("Поиск не отвечает: укажите KB_INSTANCE с построенным индексом (bench/scale.py --keep).")
    capped = index_module.HIGHLIGHT_CHARS
    samples: dict[str, list[float]] = {"без ограничения": [], f"первые {capped} знаков": []}
    for _ in range(3):  # alternate, so that machine noise hits both alike
        for label, cap in (("без ограничения", 10**9), (f"первые {capped} знаков", capped)):
            index_module.HIGHLIGHT_CHARS = cap
            for word in WORDS:
                start = time.perf_counter()
                client.get("/search", query_string={"q": word})
                samples[label].append(time.perf_counter() - start)
    for label, values in samples.items():
        values.sort()
        print(f"{label:<24} p50 {statistics.median(values) * 1000:6.1f} мс   "
              f"p95 {values[int(0.95 * len(values))] * 1000:6.1f} мс   (n={len(values)})")


if __name__ == "__main__":
    main()
