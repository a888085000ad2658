"""«Заполнить по тексту» on the longest text it reads: ``kb.suggestions.services.suggest`` on 200,000 characters.

    .venv/bin/python bench/suggestions_text.py [--corpus PATH]

Texts: short words («a a a …», the most words 200,000 characters hold), capitalised ones («А А А …», each looked up
in the gazetteers), a list of adjective region names with no «области» after them, teachers' and pupils' contests
over and over (the words a teachers' contest starts with), and real Russian prose from
``../shared/corpus/ru_articles.jsonl.gz`` when it is there (measure only, never ship it). Prints the CPU seconds of
each part (topics, levels, the two gazetteers) and of the whole, on a fresh instance.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kb import create_app  # noqa: E402
from kb.extensions import db  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ru_articles.jsonl.gz"
SIZE = 200_000


def texts(corpus: Path) -> dict[str, str]:
    found = {"short words": "a " * (SIZE // 2), "capitalised": "А " * (SIZE // 2),
             "adjective names": ("Челябинской " * SIZE)[:SIZE],
             "contests": ("В конкурсе профессионального мастерства «Учитель года» и конкурсе проектов школьников "
                          "приняли участие педагоги, конкурс для для для молодых; Конкурсы Учитель Педагог Мастер "
                          * SIZE)[:SIZE]}
    if corpus.is_file():
        prose = []
        with gzip.open(corpus, "rt", encoding="utf-8") as handle:
            for line in handle:
                article = json.loads(line)
                if article["source"] == "cyberleninka":
                    prose.append(article["text"])
                if sum(map(len, prose)) > SIZE:
                    break
        found["prose (corpus)"] = "\n".join(prose)[:SIZE]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()
    from kb.commands import initialise
    from kb.resolutions.services import gazetteer
    from kb.suggestions import services
    from kb.vocabularies.topics import suggest_topics

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'kb.sqlite3'}",
                          "INDEX_DIR": str(folder / "index"), "UPLOAD_DIR": str(folder / "uploads")})
        with app.app_context():
            with contextlib.redirect_stderr(io.StringIO()):  # the migrations log every step
                initialise()
            db.session.commit()
            services.suggest("Школы Челябинской области")  # the vocabularies and gazetteers read beforehand
            parts = {"topics": suggest_topics, "levels": services.suggest_levels,
                     "municipalities": lambda text: services.municipality_gazetteer().find_regions(text),
                     "regions": lambda text: gazetteer().find_regions(text), "whole": services.suggest}
            for name, text in texts(args.corpus).items():
                times = []
                for part in parts.values():
                    start = time.process_time()
                    part(text)
                    times.append(f"{time.process_time() - start:.2f}")
                print(f"{name:16} " + "  ".join(f"{p} {t} s" for p, t in zip(parts, times, strict=True)))


if __name__ == "__main__":
    main()
