"""Scale benchmark: N practices, full reindex, search latency (index and HTTP) against SQLite FTS5 and LIKE.

    .venv/bin/python bench/scale.py --n 10000            # generated practices (demo texts reshuffled)
    .venv/bin/python bench/scale.py --n 100000 --corpus ../shared/corpus/ru_articles.jsonl.gz

    .venv/bin/python bench/scale.py --n 100000 --keep /tmp/kb-100k --reuse-index   # again, on the kept instance

Every figure is measured in this run on this machine. The queries of each kind are distinct, and the
HTTP columns are measured before any of them repeats (the per-commit result cache has not seen them);
"HTTP, кэш" repeats them. Before them the web worker answers --warmup other queries (none shares a word
with them), as a running worker has. Stop words are not among the queries (the bank drops them). FTS5 runs the
queries as typed and with every word's forms that the bank finds (the same documents), and as typed with
what a search page needs besides ("FTS5, страница": a snippet for each of the 20 shown, the count, five
facets' counts over every match); LIKE scans four of the texts and all of them. Also measured: how soon
an edit is found by search with the index writer running, and the web worker's RSS. Prints a table;
`--json FILE` keeps the raw numbers.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ru_articles.jsonl.gz"
SECTIONS = ("annotation", "relevance", "leading_idea", "novelty", "goal_tasks", "technology", "results",
            "conditions", "target_audience", "replication")


def paragraphs_from_corpus(path: Path, limit: int) -> list[str]:
    out: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            for para in json.loads(line)["text"].split("\n"):
                if len(para) >= 150:
                    out.append(para.strip())
                    if len(out) >= limit:
                        return out
    return out


def paragraphs_from_demo() -> list[str]:
    """Sentences of our own demo practices, reshuffled into new paragraphs (no corpus needed)."""
    sentences: list[str] = []
    for name in ("practices_a.json", "practices_b.json"):
        for record in json.loads((ROOT / "kb" / "demo" / name).read_text(encoding="utf-8")):
            for key in SECTIONS:
                sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", record.get(key) or "") if len(s) > 30]
    rng = random.Random(7)
    return [" ".join(rng.sample(sentences, 4)) for _ in range(5000)]


def make_instance(folder: Path, n: int, paragraphs: list[str]) -> None:
    """An initialised instance with n published practices inserted in bulk."""
    from sqlalchemy import insert, select

    from kb import create_app
    from kb.commands import initialise
    from kb.extensions import db
    from kb.practices.models import Practice, fold_title, practice_level, practice_subject, practice_topic
    from kb.vocabularies.models import EducationLevel, Region, Subject, Topic

    os.environ["KB_INSTANCE"] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)  # the bank makes a missing instance folder only under `init`
    app = create_app()
    rng = random.Random(42)
    with app.app_context():
        initialise()
        regions = list(db.session.scalars(select(Region.code)))
        levels = list(db.session.scalars(select(EducationLevel.code)))
        subjects = list(db.session.scalars(select(Subject.code)))
        topics = list(db.session.scalars(select(Topic.code)))
        batch = 2000
        for start in range(0, n, batch):
            rows = []
            for i in range(start, min(n, start + batch)):
                words = rng.choice(paragraphs).split()
                # at most 500 characters, as the bank's forms, API and import allow (a corpus "word" may be
                # a long run without spaces; PostgreSQL refuses a longer title where SQLite keeps it)
                title = " ".join(words[:rng.randint(5, 12)])[:500].strip(" ,.;:")
                rows.append({
                    "id": i + 1, "title": title, "title_folded": fold_title(title),  # an insert skips the model
                    **{key: rng.choice(paragraphs) if rng.random() < 0.8 else "" for key in SECTIONS},
                    "organisation": f"МБОУ «СОШ № {rng.randint(1, 200)}»", "region_code": rng.choice(regions),
                    "year": rng.randint(2010, 2025), "status": "published", "event": "", "labor_intensity": "",
                    "literature": "", "is_demo": False, "spread_level": "institution",
                })
            db.session.execute(insert(Practice.__table__), rows)
            for table, column, codes, most in ((practice_level, "level_code", levels, 2),
                                               (practice_subject, "subject_code", subjects, 2),
                                               (practice_topic, "topic_code", topics, 3)):
                db.session.execute(insert(table), [
                    {"practice_id": r["id"], column: c} for r in rows for c in rng.sample(codes, rng.randint(1, most))])
            db.session.commit()


def machine_speed() -> float:
    """Milliseconds for a fixed loop of plain Python (the median of five): these shared machines run the same
    code twice as slowly at some hours as at others, and this tells runs of the same code apart."""
    samples = []
    for _ in range(5):
        t = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50": statistics.median(ordered) * 1000, "p95": at(0.95), "p99": at(0.99)}


def word_counts(paragraphs: list[str]) -> dict[str, int]:
    """How often each word of five letters or more occurs in the first 20,000 paragraphs (lower case)."""
    words: dict[str, int] = {}
    for para in paragraphs[:20000]:
        for w in re.findall(r"[а-яё]{5,}", para.lower()):
            words[w] = words.get(w, 0) + 1
    return words


def query_sets(paragraphs: list[str], rng: random.Random) -> dict[str, list[str]]:
    """Distinct queries by kind, drawn from the indexed vocabulary. Stop words are left out: the bank drops
    them from a query ("только" alone finds nothing, at once), so they would flatter its figures."""
    from indexer.analysis import STOP_WORDS

    words = word_counts(paragraphs)
    by_freq = [w for w in sorted(words, key=words.get, reverse=True) if w not in STOP_WORDS]
    frequent, rare = by_freq[:60], [w for w in by_freq if words[w] == 2][:60]
    mid = by_freq[60:600]
    phrases = []
    for para in rng.sample(paragraphs, 200):
        tokens = re.findall(r"[а-яё]{4,}", para.lower())
        if len(tokens) > 3:
            i = rng.randrange(len(tokens) - 1)
            if tokens[i] not in STOP_WORDS and tokens[i + 1] not in STOP_WORDS:
                phrases.append(f'"{tokens[i]} {tokens[i + 1]}"')
    return {
        "частое слово": frequent[:40],
        "редкое слово": rare[:40],
        "3 слова": [" ".join(rng.sample(mid, 3)) for _ in range(40)],
        "фраза": phrases[:40],
    }


def warmup_queries(paragraphs: list[str], queries: dict[str, list[str]], n: int) -> list[str]:
    """``n`` queries none of the measured ones shares a word with, nor the beginning of one (words of middling
    frequency, alone and three together): what a running worker has answered before, so that the measured
    queries meet its steady state (the dictionary, index files in the page cache) and still no cache that
    saw them."""
    from indexer.analysis import fold, term

    # Not even a word with the first letters of a measured word's term: the searcher keeps the documents of
    # terms (and of their prefixes, the word's relatives) it read.
    measured = {term(fold(w.strip('"')))[:4] for items in queries.values() for q in items for w in q.split()}
    words = word_counts(paragraphs)
    pool = [w for w in sorted(words, key=words.get, reverse=True)[600:] if term(fold(w))[:4] not in measured][: 2 * n]
    rng = random.Random(2)
    return [pool[i] if i % 2 else " ".join(rng.sample(pool, 3)) for i in range(n)]


def bench_index(index_dir: str, queries: dict[str, list[str]], filters: dict | None) -> dict[str, dict]:
    from indexer import SearchIndex, SearchQuery

    index = SearchIndex(index_dir, create=False)
    index.search(SearchQuery(text="опыт"))  # open the searcher once, as a running worker has
    out = {}
    for kind, items in queries.items():
        samples = []
        for q in items:
            t = time.perf_counter()
            index.search(SearchQuery(text=q, filters=filters or {}, per_page=20))
            samples.append(time.perf_counter() - t)
        out[kind] = percentiles(samples)
    return out


def fts_terms(q: str) -> str:
    if q.startswith('"'):
        return q
    return " AND ".join(q.split())


def word_forms(index_dir: str, queries: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each query word -> the words of the index that the bank finds for it: those with the same term (the
    stem of the dictionary lemma), "россии" -> россия, россией, российский… FTS5 given these finds the
    documents the bank finds, so the two do the same matching work."""
    from whoosh import index as whoosh_index

    from indexer.analysis import fold, term
    from indexer.schema import SPELLING_FIELD

    wanted = {fold(w) for items in queries.values() for q in items for w in q.strip('"').split()}
    by_term: dict[str, list[str]] = {term(w): [] for w in wanted}
    with whoosh_index.open_dir(index_dir).searcher() as searcher:
        for raw in searcher.reader().lexicon(SPELLING_FIELD):
            word = raw.decode("utf-8")
            forms = by_term.get(term(word))
            if forms is not None:
                forms.append(word)
    return {w: by_term[term(w)] or [w] for w in wanted}


def fts_forms(q: str, forms: dict[str, list[str]], most: int = 500) -> str:
    """The FTS5 query for ``q`` with every word's forms: an OR of the forms for each word, ANDed; a phrase is
    an OR of the phrases of every combination of forms (the first ``most``: ample for two-word phrases)."""
    quoted = [[f'"{f}"' for f in forms[w]] for w in q.strip('"').split()]
    if not q.startswith('"'):
        return " AND ".join("(" + " OR ".join(alternatives) + ")" for alternatives in quoted)
    combos = [[]]
    for alternatives in quoted:
        combos = [c + [a.strip('"')] for c in combos for a in alternatives][:most]
    return " OR ".join('"' + " ".join(c) + '"' for c in combos)


def bench_sqlite(db_path: str, queries: dict[str, list[str]], forms: dict[str, list[str]]) -> dict[str, dict]:
    """The same queries on SQLite FTS5 (native-code full text), as typed and with the word forms the bank
    finds, and on LIKE (what small portals do), over four of the texts and over all of them. The FTS5 table
    holds the texts with ё folded to е, as the bank's index does (FTS5's remove_diacritics leaves ё alone)."""
    con = sqlite3.connect(db_path)
    columns = ", ".join(("title", *SECTIONS))
    folded = ", ".join(f"replace(replace({c}, 'ё', 'е'), 'Ё', 'Е')" for c in ("title", *SECTIONS))
    con.execute("DROP TABLE IF EXISTS bench_fts")  # a kept instance has one from an earlier run
    con.execute(f"CREATE VIRTUAL TABLE bench_fts USING fts5({columns}, "
                "tokenize='unicode61 remove_diacritics 2')")
    con.execute(f"INSERT INTO bench_fts(rowid, {columns}) SELECT id, {folded} FROM practice")
    con.commit()

    def fts_search(expression: str) -> float:
        t = time.perf_counter()
        con.execute("SELECT rowid FROM bench_fts WHERE bench_fts MATCH ? ORDER BY rank LIMIT 20",
                    (expression,)).fetchall()
        con.execute("SELECT count(*) FROM bench_fts WHERE bench_fts MATCH ?", (expression,)).fetchone()
        return time.perf_counter() - t

    facet_counts = [
        "SELECT p.region_code, count(*) FROM fts_found f JOIN practice p ON p.id = f.id GROUP BY 1",
        "SELECT p.year, count(*) FROM fts_found f JOIN practice p ON p.id = f.id GROUP BY 1",
        *(f"SELECT t.{column}, count(*) FROM fts_found f JOIN {table} t ON t.practice_id = f.id GROUP BY 1"
          for table, column in (("practice_topic", "topic_code"), ("practice_level", "level_code"),
                                ("practice_subject", "subject_code"))),
    ]

    def fts_page(expression: str) -> float:
        """What a search page needs, done by SQLite: the first 20 by rank with a snippet each, the count,
        and the counts of five facets over every match (the matches found once, into a temporary table)."""
        t = time.perf_counter()
        con.execute("SELECT rowid, snippet(bench_fts, -1, '<mark>', '</mark>', '…', 24) FROM bench_fts "
                    "WHERE bench_fts MATCH ? ORDER BY rank LIMIT 20", (expression,)).fetchall()
        con.execute("DROP TABLE IF EXISTS temp.fts_found")
        con.execute("CREATE TEMP TABLE fts_found AS SELECT rowid AS id FROM bench_fts WHERE bench_fts MATCH ?",
                    (expression,))
        con.execute("SELECT count(*) FROM fts_found").fetchone()
        for sql in facet_counts:
            con.execute(sql).fetchall()
        return time.perf_counter() - t

    # LIKE as small portals write it: over the title, annotation, technology and results (the figures before
    # 2026-12-04), and over every text the bank and FTS5 search (title and all ten sections).
    like_texts = {
        "like": "(title || ' ' || annotation || ' ' || technology || ' ' || results)",
        "like_all": "(" + " || ' ' || ".join(f"coalesce({c}, '')" for c in ("title", *SECTIONS)) + ")",
    }
    out: dict[str, dict] = {"fts5": {}, "fts5_forms": {}, "fts5_page": {}, **{name: {} for name in like_texts}}
    for kind, items in queries.items():
        out["fts5"][kind] = percentiles([fts_search(fts_terms(q)) for q in items])
        out["fts5_page"][kind] = percentiles([fts_page(fts_terms(q)) for q in items])
        out["fts5_forms"][kind] = percentiles([fts_search(fts_forms(q, forms)) for q in items])
        for name, text in like_texts.items():
            samples = []
            for q in items[:10]:
                terms = q.strip('"').split() if not q.startswith('"') else [q.strip('"')]
                where = " AND ".join([f"{text} LIKE ?"] * len(terms))
                t = time.perf_counter()
                con.execute(f"SELECT id FROM practice WHERE {where} LIMIT 20", [f"%{w}%" for w in terms]).fetchall()
                con.execute(f"SELECT count(*) FROM practice WHERE {where}", [f"%{w}%" for w in terms]).fetchone()
                samples.append(time.perf_counter() - t)
            out[name][kind] = percentiles(samples)
    con.close()
    return out


def match_counts(index_dir: str, db_path: str, queries: dict[str, list[str]],
                 forms: dict[str, list[str]]) -> dict[str, tuple[float, float, float]]:
    """Median number of documents found per kind: by the bank, by FTS5 as typed, by FTS5 with the forms."""
    from indexer import SearchIndex, SearchQuery

    index = SearchIndex(index_dir, create=False)
    con = sqlite3.connect(db_path)
    out = {}
    for kind, items in queries.items():
        ours = [index.search(SearchQuery(text=q, per_page=20)).total for q in items]
        counts = [[con.execute("SELECT count(*) FROM bench_fts WHERE bench_fts MATCH ?", (e,)).fetchone()[0]
                   for e in expressions] for expressions in ([fts_terms(q) for q in items],
                                                             [fts_forms(q, forms) for q in items])]
        out[kind] = (statistics.median(ours), statistics.median(counts[0]), statistics.median(counts[1]))
    con.close()
    return out


def start_server(folder: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port with this instance; returns (process, base URL) once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "KB_INSTANCE": str(folder)}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
                               "kb:create_app()"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return server, base
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("gunicorn exited: " + server.stderr.read()[-2000:]) from None
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("gunicorn did not answer in 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def worker_rss(server: subprocess.Popen) -> float:
    """The largest resident set of gunicorn's workers, MB (file pages of the index they read included)."""
    return max((memory[0] for memory in worker_memory(server)), default=0.0)


def worker_memory(server: subprocess.Popen) -> list[tuple[float, float]]:
    """(VmRSS, RssAnon) of each gunicorn worker, MB: RssAnon is the worker's own memory, the rest of its
    RSS is pages of the index files mapped by every worker alike (and by the page cache)."""
    out = []
    for pid in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split():
        status = Path(f"/proc/{pid}/status").read_text()
        rss, anon = (int(re.search(rf"{key}:\s+(\d+)", status).group(1)) / 1024 for key in ("VmRSS", "RssAnon"))
        out.append((rss, anon))
    return out


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as r:
        return r.read()


def bench_http(base: str, queries: dict[str, list[str]], filters: str) -> dict:
    """Search pages (facets, highlights, pagination) through gunicorn: p50/p95/p99 per kind of query."""
    out = {}
    for kind, items in queries.items():
        samples = []
        for q in items:
            url = f"{base}/search?" + urllib.parse.urlencode({"q": q}) + filters
            t = time.perf_counter()
            fetch(url)
            samples.append(time.perf_counter() - t)
        out[kind] = percentiles(samples)
    return out


def bench_visibility(folder: Path, base: str, rounds: int = 5) -> list[float]:
    """Seconds from the commit of an edit of a published practice to the search page finding it, with the
    index writer (`flask --app kb indexer`, its default interval) running beside gunicorn."""
    from sqlalchemy import select

    from kb import create_app
    from kb.extensions import db
    from kb.practices.models import Practice

    env = {**os.environ, "KB_INSTANCE": str(folder)}
    writer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "kb", "indexer"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    app = create_app()
    delays = []
    try:
        time.sleep(3)  # the writer opens the index and applies whatever is pending
        with app.app_context():
            for i in range(rounds):
                word = f"проверкавидимости{int(time.time() * 1000) % 10**9}{i}"
                practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1)
                                             .offset(i * 7))
                practice.title = f"{practice.title.split(' проверкавидимости')[0]} {word}"
                db.session.commit()
                committed = time.perf_counter()
                url = f"{base}/search?" + urllib.parse.urlencode({"q": word})
                while b'<li class="result ' not in fetch(url) and time.perf_counter() - committed < 30:
                    time.sleep(0.02)
                delays.append(time.perf_counter() - committed)
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    return delays


def practice_count(folder: Path) -> int:
    database = folder / "kb.sqlite3"
    if not database.exists():
        return 0
    con = sqlite3.connect(database)
    try:
        return con.execute("SELECT count(*) FROM practice WHERE status = 'published'").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS if DEFAULT_CORPUS.exists() else None)
    parser.add_argument("--keep", type=Path, help="build the instance here and keep it; an instance already "
                        "there with N practices is reused (generating 100k takes a while)")
    parser.add_argument("--reuse-index", action="store_true", help="with --keep: skip the full reindex when the "
                        "kept index already holds every practice")
    parser.add_argument("--warmup", type=int, default=200, help="queries the web worker answers before the "
                        "measured ones, none sharing a word with them (0: one query only, as before 2026-12-04)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    args = parser.parse_args()

    paragraphs = (paragraphs_from_corpus(args.corpus, max(20000, args.n)) if args.corpus else paragraphs_from_demo())
    source = f"корпус {args.corpus.name}" if args.corpus else "демо-тексты, перемешанные"
    folder = args.keep or Path(tempfile.mkdtemp(prefix="kb-bench-"))
    print(f"Практик: {args.n}; тексты: {source} ({len(paragraphs)} абзацев); экземпляр: {folder}")

    if args.keep and practice_count(folder) == args.n:
        print("Загрузка в базу: экземпляр уже есть, используется он")
        os.environ["KB_INSTANCE"] = str(folder)
    else:
        t = time.perf_counter()
        make_instance(folder, args.n, paragraphs)
        print(f"Загрузка в базу: {time.perf_counter() - t:.1f} с")

    from indexer import SearchIndex
    from kb import create_app
    from kb.search.services import rebuild_index

    app = create_app()
    index_dir = app.config["INDEX_DIR"]
    try:
        indexed = SearchIndex(index_dir, create=False).doc_count()
    except Exception:  # noqa: BLE001 - no usable index: build it
        indexed = -1
    results: dict = {"n": args.n}
    if args.reuse_index and indexed == args.n:
        print(f"Полная переиндексация: пропущена, индекс уже содержит {indexed} документов")
    else:
        with app.app_context():
            t = time.perf_counter()
            count = rebuild_index()
            reindex = time.perf_counter() - t
        print(f"Полная переиндексация: {count} документов за {reindex:.1f} с ({count / reindex:.0f} док/с)")
        results.update(reindex_seconds=reindex, docs_per_second=count / reindex)

    rng = random.Random(1)
    queries = query_sets(paragraphs, rng)
    results["machine_ms_before"] = machine_speed()
    results["index"] = bench_index(index_dir, queries, None)
    results["index_filtered"] = bench_index(index_dir, queries, {"region": ["RU-CHE", "RU-MOW"], "level": ["primary"]})
    db_path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    forms = word_forms(index_dir, queries)
    results.update(bench_sqlite(db_path, queries, forms))
    results["found"] = match_counts(index_dir, db_path, queries, forms)
    server, base = start_server(folder)
    try:
        fetch(base + "/search?" + urllib.parse.urlencode({"q": "опыт"}))  # open the searcher, as a running worker has
        for q in warmup_queries(paragraphs, queries, args.warmup):
            fetch(base + "/search?" + urllib.parse.urlencode({"q": q}))
        results["http"] = bench_http(base, queries, "")
        results["http_cached"] = bench_http(base, queries, "")  # the same queries again: from the result cache
        filters = "&region=RU-CHE&region=RU-MOW&level=primary"
        results["http_filtered"] = bench_http(base, queries, filters)
        results["rss_mb"], results["anon_mb"] = max(worker_memory(server))
        results["visible_seconds"] = bench_visibility(folder, base)
    finally:
        stop_server(server)
    results["machine_ms_after"] = machine_speed()

    print(f"\nЗадержка, мс (p50 / p95 / p99), {args.n} практик, 40 разных запросов каждого вида "
          "(HTTP — запросы, которых кэш не видел; «HTTP, кэш» — те же ещё раз):")
    columns = ("index", "index_filtered", "http", "http_filtered", "http_cached", "fts5", "fts5_page", "fts5_forms",
               "like", "like_all")
    titles = ("индекс", "индекс+фильтр", "HTTP", "HTTP+фильтр", "HTTP, кэш", "FTS5", "FTS5, страница", "FTS5, формы",
              "LIKE, 4 текста", "LIKE, все")
    print(f"{'запрос':<14}" + "".join(f"{h:>25}" for h in titles))

    def cell(name: str, kind: str) -> str:
        p = results[name][kind]
        return f"{p['p50']:.1f} / {p['p95']:.1f} / {p['p99']:.1f}"

    for kind in queries:
        print(f"{kind:<14}" + "".join(f"{cell(n, kind):>25}" for n in columns))
    print("\nНайдено документов (медиана): банк / FTS5 как введено / FTS5 со всеми формами слов")
    for kind in queries:
        ours, typed, all_forms = results["found"][kind]
        print(f"  {kind:<14} {ours:>9.0f} / {typed:>9.0f} / {all_forms:>9.0f}")
    print("\nОтношения p50: HTTP / FTS5 (как введено; страница как введено; со всеми формами), LIKE (4 текста; все) "
          "/ HTTP, LIKE / индекс")
    for kind in queries:
        http, fts, fts_page, fts_all, like, like_all, idx = (
            results[n][kind]["p50"] for n in ("http", "fts5", "fts5_page", "fts5_forms", "like", "like_all", "index"))
        print(f"  {kind:<14} HTTP/FTS5 = {http / fts:5.1f}× ; {http / fts_page:5.1f}× ; {http / fts_all:5.1f}×   "
              f"LIKE/HTTP = {like / http:6.1f}× ; {like_all / http:6.1f}×   LIKE/индекс = {like / idx:6.1f}×")
    from kb.templating import plural

    requests = 1 + args.warmup + 3 * sum(map(len, queries.values()))  # the first, the warm-up, three passes
    after = f"{requests} {plural(requests, 'запроса', 'запросов', 'запросов')}"  # genitive: "после 681 запроса"
    print(f"\nRSS веб-процесса после {after}: {results['rss_mb']:.0f} МБ, из них своей "
          f"памяти (RssAnon) {results['anon_mb']:.0f} МБ, остальное — страницы файлов индекса")
    delays = sorted(results["visible_seconds"])
    print(f"Правка видна в поиске через (с момента commit, писатель индекса рядом): медиана "
          f"{statistics.median(delays):.2f} с, максимум {delays[-1]:.2f} с ({len(delays)} правок)")
    print(f"Скорость машины (цикл Python из 2 млн сложений, медиана пяти): {results['machine_ms_before']:.0f} мс до "
          f"измерений, {results['machine_ms_after']:.0f} мс после (чем меньше, тем быстрее)")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
