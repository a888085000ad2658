"""Near-duplicate detection on the demo data: precision and recall by threshold, and the time per check.

Run: ``.venv/bin/python bench/duplicates.py [--extra N] [--seed S]``.

Builds a throw-away instance with the demo practices (fingerprints are written as they are stored),
then makes, for every demo practice, edited copies of several kinds:

* ``правка 5 %`` / ``10 %`` / ``20 %`` — that share of words deleted, replaced by a word from another
  practice, or followed by an inserted word; endings and ё/е changed here and there;
* ``часть разделов`` — the title and half of the sections copied, the rest left out;
* ``дополнено`` — the whole text plus a paragraph as long as the annotation taken from another practice.

Positive pairs: a copy and its original. Negative pairs: two different demo practices (including those
that share a thesaurus topic — "merely similar"), and a copy with any practice other than its original.
A pair counts as found when it shares an LSH bucket and its estimated similarity reaches the threshold,
exactly as ``kb.duplicates.services.similar_texts`` decides. ``--extra N`` adds N more practices, each
stitched from sentences of random demo practices, to time the check on a larger bank.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import re
import statistics
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from kb import create_app  # noqa: E402
from kb.extensions import db  # noqa: E402

THRESHOLDS = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.50)  # the site's DEFAULT_THRESHOLD is among them


def build_instance(folder: Path):
    from kb.commands import initialise
    from kb.demo.services import load_demo

    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'kb.sqlite3'}",
        "INDEX_DIR": str(folder / "index"), "UPLOAD_DIR": str(folder / "uploads"),
    })
    with app.app_context():
        with contextlib.redirect_stderr(io.StringIO()):  # the migrations log every step
            initialise()
        load_demo()
        db.session.commit()
    return app


def edit_words(text: str, rate: float, vocabulary: list[str], rnd: random.Random) -> str:
    out = []
    for word in text.split():
        roll = rnd.random()
        if roll < rate / 3:
            continue
        if roll < 2 * rate / 3:
            out.append(rnd.choice(vocabulary))
        elif roll < rate:
            out += [word, rnd.choice(vocabulary)]
        else:
            if rnd.random() < 0.05:
                word = word.replace("ё", "е")
            if rnd.random() < 0.03 and len(word) > 5:
                word = word[:-1] + rnd.choice("аоиеы")
            out.append(word)
    return " ".join(out)


def copies(practice: dict, others: list[dict], vocabulary: list[str], rnd: random.Random) -> dict[str, dict]:
    """Edited copies of one practice (title, sections) by kind."""
    from kb.practices.models import SECTION_KEYS

    sections = {k: practice[k] for k in SECTION_KEYS}
    result = {}
    for rate in (0.05, 0.10, 0.20):
        result[f"правка {round(rate * 100)} %"] = {
            "title": edit_words(practice["title"], rate / 2, vocabulary, rnd),
            "sections": {k: edit_words(v, rate, vocabulary, rnd) for k, v in sections.items()}}
    filled = [k for k in SECTION_KEYS if sections[k]]
    kept = set(rnd.sample(filled, max(1, len(filled) // 2)))
    result["часть разделов"] = {"title": practice["title"],
                                "sections": {k: (v if k in kept else "") for k, v in sections.items()}}
    donor = rnd.choice(others)
    result["дополнено"] = {"title": practice["title"],
                           "sections": {**sections, "results": sections["results"] + "\n" + donor["annotation"]}}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", type=int, default=0, help="more practices stitched from demo sentences")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)

    from kb.duplicates import minhash
    from kb.duplicates.models import PracticeFingerprint, practice_text
    from kb.duplicates.services import DEFAULT_THRESHOLD, similar_texts
    from kb.practices.models import SECTION_KEYS, Practice

    with tempfile.TemporaryDirectory() as tmp:
        app = build_instance(Path(tmp))
        with app.app_context():
            practices = [{"id": p.id, "title": p.title, "topics": {t.code for t in p.topics},
                          **{k: getattr(p, k) or "" for k in SECTION_KEYS}}
                         for p in db.session.scalars(select(Practice).order_by(Practice.id))]
            stored = {fp.practice_id: (minhash.from_bytes(fp.signature), set())
                      for fp in db.session.scalars(select(PracticeFingerprint))}
            for sig, buckets in stored.values():
                buckets.update(minhash.band_hashes(sig))
            vocabulary = [w for p in practices for k in SECTION_KEYS for w in p[k].split()]

            def score(title: str, sections: dict, pid: int) -> float:
                """Estimated similarity to a stored practice, or 0 when no bucket is shared (never compared)."""
                sig = minhash.signature(minhash.shingles(practice_text(title, sections)))
                other, buckets = stored[pid]
                return minhash.similarity(sig, other) if buckets & set(minhash.band_hashes(sig)) else 0.0

            positives: dict[str, list[float]] = {}
            negatives: list[float] = []   # every pair of different texts
            originals: list[float] = []   # two different demo practices
            same_topic: list[float] = []
            queries = []
            for p in practices:
                others = [o for o in practices if o["id"] != p["id"]]
                for kind, copy in copies(p, others, vocabulary, rnd).items():
                    queries.append(copy)
                    positives.setdefault(kind, []).append(score(copy["title"], copy["sections"], p["id"]))
                    negatives += [score(copy["title"], copy["sections"], o["id"]) for o in others]
            for a, b in combinations(practices, 2):
                value = score(a["title"], {k: a[k] for k in SECTION_KEYS}, b["id"])
                negatives.append(value)
                originals.append(value)
                if a["topics"] & b["topics"]:
                    same_topic.append(value)

            all_positive = [v for values in positives.values() for v in values]
            print(f"Демо-практик: {len(practices)}; пар «копия — оригинал»: {len(all_positive)}; "
                  f"пар разных текстов: {len(negatives)} (из них {len(same_topic)} с общей темой)")
            print("\nОценка сходства у копий (мин. / медиана):")
            for kind, values in positives.items():
                print(f"  {kind:<16} {min(values):.2f} / {statistics.median(values):.2f}")
            print(f"Разные демо-практики: макс. {max(originals):.2f}, с общей темой: макс. {max(same_topic):.2f}; "
                  f"копия и не её оригинал: макс. {max(negatives[:len(negatives) - len(originals)]):.2f}")

            print("\nПорог   точность  полнота  (найдено копий / ложных пар)")
            for threshold in THRESHOLDS:
                found = sum(v >= threshold for v in all_positive)
                false = sum(v >= threshold for v in negatives)
                precision = found / (found + false) if found + false else 1.0
                print(f"  {threshold:.2f}   {precision:7.3f}  {found / len(all_positive):7.3f}  ({found} / {false})")
                for kind, values in positives.items():
                    if threshold == DEFAULT_THRESHOLD:
                        print(f"         {kind:<16} полнота {sum(v >= threshold for v in values) / len(values):.3f}")

            if args.extra:
                sentences = [s for p in practices for k in SECTION_KEYS for s in re.split(r"(?<=[.!?])\s+", p[k])
                             if len(s) > 40]
                started = time.perf_counter()
                for n in range(args.extra):
                    db.session.add(Practice(
                        title=f"Практика {n}: " + rnd.choice(practices)["title"][:200], status="published",
                        **{k: " ".join(rnd.sample(sentences, 3)) for k in SECTION_KEYS[:8]}))
                    if n % 500 == 499:
                        db.session.commit()
                db.session.commit()
                print(f"\nДобавлено {args.extra} практик за {time.perf_counter() - started:.1f} с "
                      f"(с отпечатками; всего {db.session.scalar(select(func.count()).select_from(Practice))})")

            timings = []
            for copy in queries:
                started = time.perf_counter()
                similar_texts(None, copy["title"], copy["sections"])
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            timings.sort()
            print(f"\nПроверка одного текста (similar_texts, {len(timings)} проверок): "
                  f"p50 {timings[len(timings) // 2]:.1f} мс, p95 {timings[int(len(timings) * 0.95)]:.1f} мс, "
                  f"макс. {timings[-1]:.1f} мс")


if __name__ == "__main__":
    main()
