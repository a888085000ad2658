"""Load test: wrk against gunicorn on loopback — search pages, practice pages and autocomplete.

    .venv/bin/python bench/scale.py --n 100000 --keep /tmp/kb-100k          # once: an instance with an index
    .venv/bin/python bench/load.py --instance /tmp/kb-100k [--workers 3] [--duration 30] [--connections 8]
    .venv/bin/python bench/load.py --instance /tmp/kb-100k --soak 540     # then 9 more minutes of the mix

Needs wrk (Debian: `apt-get install wrk`). Two runs against the same gunicorn: the mix (search 60 %,
practice pages 25 %, autocomplete 15 %) and search pages alone. Search URLs come from a pool of
distinct queries (words of the bank's own titles, a third of them with facet filters), so most of
them are not in any worker's result cache. Prints requests/s, errors (socket errors and any status
other than 2xx/3xx), latency percentiles and the workers' RSS. ``--soak`` then keeps the mix going in
30-second runs and prints the largest worker's RSS after each: whether the caches level off under the limit.

The bench instance's `config.py` gets a high API_RATE_LIMIT (all requests come from one address;
autocomplete is an API endpoint): only in the instance given, never in a real one.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import fetch, machine_speed, start_server, stop_server, worker_memory  # noqa: E402

BENCH_LIMIT = 'API_RATE_LIMIT = "1000000 per minute"  # bench/load.py: one client address sends everything\n'
REGIONS = ["RU-CHE", "RU-MOW", "RU-SPE", "RU-SVE", "RU-TA"]
LEVELS = ["primary", "basic", "secondary", "preschool"]
SOAK_STEP = 30  # seconds of each --soak run

LUA = """
local paths = {%s}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def allow_bench_traffic(instance: Path) -> None:
    config = instance / "config.py"
    text = config.read_text(encoding="utf-8") if config.exists() else ""
    if BENCH_LIMIT not in text:
        config.write_text(text + ("\n" if text and not text.endswith("\n") else "") + BENCH_LIMIT, encoding="utf-8")


def url_pools(instance: Path, size: int, rng: random.Random) -> dict[str, list[str]]:
    """Distinct URLs of each kind, from the instance's own database (SQLite or PostgreSQL, as its config says)."""
    from sqlalchemy import create_engine, text

    from kb import create_app

    engine = create_engine(create_app(instance_path=instance).config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as con:
            rows = con.execute(text("SELECT id, title FROM practice WHERE status = 'published' ORDER BY random() "
                                    "LIMIT :size"), {"size": size}).all()
    finally:
        engine.dispose()
    words = sorted({w for _, title in rows for w in re.findall(r"[а-яё]{5,}", title.lower())})
    searches: set[str] = set()
    while len(searches) < size and words:
        args = {"q": " ".join(rng.sample(words, rng.choice((1, 1, 2))))}
        if rng.random() < 1 / 3:
            args["region"] = rng.choice(REGIONS)
            args["level"] = rng.choice(LEVELS)
        searches.add("/search?" + urllib.parse.urlencode(args))
    suggests = {"/api/v1/suggest?" + urllib.parse.urlencode({"q": w[: rng.randint(2, 5)]}) for w in words}
    return {
        "search": sorted(searches),
        "practice": [f"/practices/{pid}" for pid, _ in rows],
        "suggest": sorted(suggests)[:size],
    }


def run_wrk(base: str, paths: list[str], seconds: int, connections: int, threads: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False, encoding="utf-8") as script:
        script.write(LUA % ", ".join(json.dumps(p) for p in paths))
    try:
        command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
                   "-s", script.name, base]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        Path(script.name).unlink()
    summary = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    summary["errors"] = sum(summary[k] for k in ("connect", "read", "write", "status", "timeout"))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, required=True,
                        help="an instance with an index (bench/scale.py --keep)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--duration", type=int, default=30, help="seconds of each run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pool", type=int, default=3000, help="distinct URLs of each kind")
    parser.add_argument("--soak", type=int, default=0, help="seconds more of the mix, RSS after every 30")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("Нужен wrk: apt-get install wrk")

    allow_bench_traffic(args.instance)
    rng = random.Random(5)
    pools = url_pools(args.instance, args.pool, rng)
    mix = pools["search"] * 12 + pools["practice"] * 5 + pools["suggest"] * 3  # 60 / 25 / 15 % of the picks
    speed_before = machine_speed()
    server, base = start_server(args.instance, args.workers)
    try:
        # Every worker opens its searcher, builds its bitmaps and its autocomplete list before the clock
        # starts: the warm-up requests go in parallel, as many at once as there are workers, so each gets some.
        warm = pools["search"][: args.workers * 4] + pools["practice"][: args.workers * 2] + pools["suggest"][
            : args.workers * 2]
        with ThreadPoolExecutor(args.workers) as pool:
            for _ in range(2):
                list(pool.map(lambda path: fetch(base + path), warm))
        runs = {
            "смесь (поиск 60 %, практики 25 %, подсказки 15 %)": run_wrk(
                base, mix, args.duration, args.connections, args.threads),
            "только поиск": run_wrk(base, pools["search"], args.duration, args.connections, args.threads),
        }
        rss, anon = max(worker_memory(server))
        soak = []
        for _ in range(-(-args.soak // SOAK_STEP)):
            soak.append((run_wrk(base, mix, SOAK_STEP, args.connections, args.threads), max(worker_memory(server))))
    finally:
        stop_server(server)
    print(f"gunicorn: {args.workers} процесса(ов); wrk: {args.threads} потока, {args.connections} соединений, "
          f"{args.duration} с на прогон; разных адресов поиска: {len(pools['search'])}")
    for name, r in runs.items():
        print(f"  {name:<50} {r['rps']:7.1f} запр/с   ошибок {r['errors']} из {r['requests']}   "
              f"p50 {r['p50_us'] / 1000:.0f} мс, p90 {r['p90_us'] / 1000:.0f} мс, p99 {r['p99_us'] / 1000:.0f} мс")
    print(f"  RSS самого большого веб-процесса после прогонов: {rss:.0f} МБ (своей памяти, RssAnon: {anon:.0f} МБ)")
    if soak:
        print(f"  и ещё {len(soak) * SOAK_STEP} с смеси; RSS самого большого веб-процесса (своей памяти) "
              f"каждые {SOAK_STEP} с:")
        print("   " + ", ".join(f"{rss:.0f} ({anon:.0f})" for _, (rss, anon) in soak) + " МБ")
        requests = sum(r["requests"] for r, _ in soak)
        seconds = sum(r["duration_us"] for r, _ in soak) / 1e6
        print(f"   {requests / seconds:.1f} запр/с, ошибок {sum(r['errors'] for r, _ in soak)} из {requests}")
    print(f"  скорость машины (bench/scale.py): {speed_before:.0f} мс до прогонов, {machine_speed():.0f} мс после")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"  всего {time.perf_counter() - started:.0f} с")
