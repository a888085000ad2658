"""What the exports of a big collection cost: CSV, DOCX and PDF of a collection of N practices, and its page.

    .venv/bin/python bench/collection_exports.py                    # 300 and 600 items, 3 rounds each
    .venv/bin/python bench/collection_exports.py --items 100 500 --rounds 5
    .venv/bin/python bench/collection_exports.py --items 600 --profile pdf   # pyinstrument (bench/requirements.txt)

Builds a fresh demo instance in a temporary folder (as bench/pages.py does), adds N published practices made of
the demo's own texts (title, annotation, authors, organisation; one to five authors), and puts them all into one
public collection of the demo teacher, each with a note of about 160 characters. The items are written straight
to the database: a collection holds at most COLLECTION_MAX_ITEMS items through the site, and the point of a
figure past it is to show what the cap guards against. Each export and the collection's page (its first page
and its last) are requested through the Flask test client as the owner: server time, no network. Prints the
median and the slowest of --rounds requests and the size of the answer; every figure is measured in this run on
this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pages import _client, build_demo_app  # noqa: E402

NOTE = "Прочитать к занятию 3: обратить внимание на организацию работы с родителями и на оценку результатов. " * 2


def build_collection(app, items: int) -> int:
    """A public collection of the demo teacher holding ``items`` new published practices."""
    from sqlalchemy import select

    from kb.accounts.models import User
    from kb.collections.models import CollectionItem
    from kb.collections.services import create_collection
    from kb.extensions import db
    from kb.practices.models import Practice, PracticeAuthor
    from kb.timeutil import utcnow

    with app.app_context():
        models = db.session.scalars(select(Practice).where(Practice.status == "published")
                                    .order_by(Practice.id)).all()
        teacher = db.session.scalars(select(User).where(User.email == "teacher@demo.example")).one()
        collection = create_collection(teacher, f"Курс на {items} материалов", "Подборка для замера выгрузок.",
                                       visibility="public")
        for number in range(items):
            model = models[number % len(models)]
            authors = [a.name for a in model.authors] or ["Иванова Анна Петровна"]
            authors = (authors * 5)[:1 + number % 5]
            practice = Practice(
                title=f"{model.title} ({number + 1})", annotation=model.annotation, organisation=model.organisation,
                region_code=model.region_code, year=model.year, status="published", published_at=utcnow(),
                authors=[PracticeAuthor(position_index=i, name=name) for i, name in enumerate(authors)])
            db.session.add(practice)
            db.session.flush()
            collection.items.append(CollectionItem(item_type="practice", item_id=practice.id, position=number,
                                                   note=NOTE))
        db.session.commit()
        return collection.id


def timed(client, path: str, rounds: int) -> tuple[list[float], int]:
    times, size = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(path)
        body = response.get_data()
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code}")
        size = len(body)
    return times, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[300, 600], help="sizes of the collections")
    parser.add_argument("--rounds", type=int, default=3, help="timed requests of each export")
    parser.add_argument("--profile", choices=["csv", "docx", "pdf"],
                        help="print a pyinstrument profile of one export of this format (the biggest collection)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kb-bench-exports-") as tmp:
        started = time.perf_counter()
        app = build_demo_app(Path(tmp))
        ids = {items: build_collection(app, items) for items in args.items}
        print(f"Демо-банк и подборки {', '.join(map(str, args.items))} собраны за "
              f"{time.perf_counter() - started:.1f} с; {args.rounds} замера на выгрузку.\n")
        client = _client(app, "teacher@demo.example")
        paths = [("CSV", "export.csv"), ("DOCX", "export.docx"), ("PDF", "export.pdf"),
                 ("страница 1", ""), ("последняя стр.", "?page=999")]
        print(f"{'материалов':>10}  {'что':<18}  {'медиана, с':>10}  {'максимум, с':>11}  {'КБ':>7}")
        for items, collection_id in ids.items():
            for label, tail in paths:
                path = f"/collections/{collection_id}" + (f"/{tail}" if tail.startswith("export") else tail)
                times, size = timed(client, path, args.rounds)
                print(f"{items:>10}  {label:<18}  {statistics.median(times):>10.2f}  {max(times):>11.2f}  "
                      f"{size / 1024:>7.0f}")
        if args.profile:
            from pyinstrument import Profiler

            collection_id = ids[max(ids)]
            with Profiler() as profiler:
                client.get(f"/collections/{collection_id}/export.{args.profile}").close()
            print(profiler.output_text(color=False, show_all=False))


if __name__ == "__main__":
    main()
