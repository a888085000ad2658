"""What the Atom feed of a search and the sitemap cost on a big bank (make one with
`bench/scale.py --n 100000 --keep DIR`; the demo instance of `make run` works too, for a quick look).

    .venv/bin/python bench/feeds_sitemaps.py --instance /tmp/kb-100k --rounds 5

Feed: the feed asks the index for the newest matches by the time they entered the bank; that order of the whole
index is built once per searcher, on the first feed after a commit. Each round drops the process's index handle
(a new searcher, as after a commit), runs one search page (the term and facet bitmaps of the new searcher), then
times the first feed (it builds the order) and the median of the feeds of the other queries on that searcher.

Sitemap: /sitemap.xml (past SITEMAP_MAX_URLS a sitemap index) and every file it names, each timed --rounds times
(median), with its size and number of URLs. All requests go through the Flask test client: server time, no
network. Every figure is measured in this run on this machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUERIES = ["олимпиада", "проектная деятельность", "робототехника", "функциональная грамотность", "наставничество",
           "экологическое воспитание", "театр", "шахматы", "волонтёрство", "читательская грамотность",
           "инклюзивное образование"]
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def timed(client, url: str) -> tuple[float, bytes]:
    start = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return elapsed, response.data


def feeds(app, client, rounds: int) -> None:
    firsts, rests = [], []
    for n in range(rounds):
        app.extensions.pop("kb_index", None)  # the next request opens a new searcher, as after a commit
        search_ms, _ = timed(client, "/search?q=" + quote("опыт"))
        first_ms, body = timed(client, "/search/feed?q=" + quote(QUERIES[0]))
        entries = body.count(b"<entry>")
        times = [timed(client, "/search/feed?q=" + quote(words))[0] for words in QUERIES[1:]]
        times.append(timed(client, "/search/feed")[0])  # no words: the newest of the whole bank
        firsts.append(first_ms)
        rests.append(statistics.median(times))
        print(f"  круг {n + 1}: поиск на новом searcher {search_ms:.0f} мс; первая лента {first_ms:.0f} мс "
              f"({entries} записей); следующие {len(times)}: медиана {rests[-1]:.1f} мс, максимум {max(times):.0f} мс")
    print(f"Лента, медиана кругов: первая после коммита {statistics.median(firsts):.0f} мс, "
          f"следующие {statistics.median(rests):.1f} мс")


def sitemaps(client, rounds: int) -> None:
    times, body = [], b""
    for _ in range(rounds):
        elapsed, body = timed(client, "/sitemap.xml")
        times.append(elapsed)
    root = ElementTree.fromstring(body)
    files = [urlsplit(loc.text or "").path for loc in root.iter(f"{NS}loc")] if root.tag == f"{NS}sitemapindex" else []
    kind = f"индекс из {len(files)} файлов" if files else f"{len(root)} адресов"
    print(f"/sitemap.xml: медиана {statistics.median(times):.0f} мс, {len(body) / 1024:.0f} КБ, {kind}")
    for path in files:
        runs, part = [], b""
        for _ in range(rounds):
            elapsed, part = timed(client, path)
            runs.append(elapsed)
        urls = len(ElementTree.fromstring(part))
        print(f"{path}: медиана {statistics.median(runs):.0f} мс (от {min(runs):.0f} до {max(runs):.0f}), "
              f"{len(part) / 2**20:.1f} МБ, {urls} адресов")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instance", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ["KB_INSTANCE"] = str(args.instance)

    from kb import create_app

    app = create_app({"RATELIMIT_ENABLED": False})
    client = app.test_client()
    feeds(app, client, args.rounds)
    sitemaps(client, args.rounds)


if __name__ == "__main__":
    main()
