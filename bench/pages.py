"""Server time of every main page at the demo size: median and p95 of N requests through the Flask test client.

    .venv/bin/python bench/pages.py               # 30 timed requests a page after 3 warm-up requests
    .venv/bin/python bench/pages.py --runs 100 --json bench/results/pages.json

Builds a fresh demo instance in a temporary folder (schema, vocabularies, demo data, index), then times the
whole request inside the server: routing, queries, search, templates — no network and no browser. Prints a
table of milliseconds (wall clock, and the CPU time of the request, which other work on a shared machine disturbs
less) and the HTML size of each page; every figure is measured in this run on this machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_MS = 100.0


def build_demo_app(folder: Path):
    """A demo instance in `folder`, like `make run` makes, with the test settings (cheap password hashes)."""
    from kb import create_app

    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'kb.sqlite3'}",
        "INDEX_DIR": str(folder / "index"),
        "UPLOAD_DIR": str(folder / "uploads"),
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "RATELIMIT_ENABLED": False,
    })
    # Imported after create_app: it registers every model before the services configure the mappers.
    from kb.commands import initialise
    from kb.demo.services import load_demo
    from kb.extensions import db
    from kb.search.services import sync

    with app.app_context():
        initialise()
        load_demo()
        db.session.commit()
        sync()
    return app


def _pages(app) -> dict[str, list[tuple[str, str]]]:
    """The main pages of each kind of visitor: (label, path)."""
    from sqlalchemy import select

    from kb.accounts.models import User
    from kb.collections.services import add_item, create_collection
    from kb.extensions import db
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    with app.app_context():
        practices = db.session.scalars(
            select(Practice).where(Practice.status == "published").order_by(Practice.id)).all()
        longest = max(practices, key=lambda p: sum(len(text or "") for _k, _h, text in p.sections()))
        resolution = db.session.scalars(select(Resolution).order_by(Resolution.id)).first()
        teacher = db.session.scalars(select(User).where(User.email == "teacher@demo.example")).one()
        collection = create_collection(teacher, "Подборка для замера", "Десять практик.", visibility="public")
        for practice in practices[:10]:
            add_item(teacher, collection, "practice", practice.id)
        db.session.commit()
        ids = {"practice": longest.id, "resolution": resolution.id, "collection": collection.id}
    return {
        "anonymous": [
            ("Главная", "/"),
            ("Все материалы (20 на странице, фасеты)", "/search"),
            ("Поиск «одарённые дети»", "/search?q=одарённые+дети"),
            ("Поиск с двумя фильтрами", "/search?q=олимпиада&level=basic&region=RU-CHE"),
            ("Поиск по дате, стр. 2", "/search?sort=date&page=2"),
            ("Поиск без результатов", "/search?q=жзщхъыыы"),
            ("Практика (самая длинная)", f"/practices/{ids['practice']}"),
            ("Резолюции", "/resolutions"),
            ("Резолюция", f"/resolutions/{ids['resolution']}"),
            ("Темы", "/topics"),
            ("Регионы", "/regions"),
            ("Уровни", "/levels"),
            ("Подборки", "/collections"),
            ("Подборка (10 практик)", f"/collections/{ids['collection']}"),
            ("Вход", "/login"),
            ("Регистрация", "/register"),
            ("Нет такой страницы (404)", "/no-such-page"),
        ],
        "teacher@demo.example": [
            ("Новая практика (форма)", "/practices/new"),
            ("Мои практики", "/practices/mine"),
            ("Профиль", "/profile"),
            ("Мои подборки", "/collections/mine"),
        ],
        "methodist@demo.example": [
            ("Модерация", "/practices/moderation"),
            ("Статистика (область)", "/statistics"),
        ],
        "admin@demo.example": [
            ("Статистика (весь банк)", "/statistics"),
            ("Пользователи", "/admin/users"),
            ("Журнал действий", "/admin/audit"),
        ],
    }


def _client(app, email: str | None):
    from sqlalchemy import select

    from kb.accounts.models import User
    from kb.extensions import db

    client = app.test_client()
    if email:
        with app.app_context():
            token = db.session.scalars(select(User).where(User.email == email)).one().get_id()
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True
    return client


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, path: str, runs: int, warmup: int) -> dict:
    for _ in range(warmup):
        client.get(path).close()
    times, cpu = [], []
    size = status = 0
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = response.get_data()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        size, status = len(body), response.status_code
        response.close()
    return {"path": path, "status": status, "bytes": size, "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95), "max_ms": max(times), "cpu_median_ms": statistics.median(cpu)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kb-bench-pages-") as tmp:
        started = time.perf_counter()
        app = build_demo_app(Path(tmp))
        with app.app_context():
            from sqlalchemy import func, select

            from kb.extensions import db
            from kb.practices.models import Practice

            practices = db.session.scalar(select(func.count()).select_from(Practice))
        print(f"Демо-банк: {practices} практик, собран за {time.perf_counter() - started:.1f} с; "
              f"{args.runs} замеров на страницу после {args.warmup} прогревочных.\n")
        rows = []
        for visitor, pages in _pages(app).items():
            client = _client(app, None if visitor == "anonymous" else visitor)
            for label, path in pages:
                row = measure(client, path, args.runs, args.warmup)
                row.update(visitor=visitor, page=label)
                rows.append(row)

    width = max(len(r["page"]) for r in rows)
    print(f"{'Страница':<{width}}  {'кто':<10}  {'код':>3}  {'КБ':>6}  {'медиана, мс':>11}  {'p95, мс':>8}  "
          f"{'ЦП, мс':>7}")
    for r in rows:
        who = "аноним" if r["visitor"] == "anonymous" else r["visitor"].split("@")[0]
        flag = "  > 100 мс" if r["p95_ms"] > BUDGET_MS else ""
        print(f"{r['page']:<{width}}  {who:<10}  {r['status']:>3}  {r['bytes'] / 1024:>6.1f}  "
              f"{r['median_ms']:>11.1f}  {r['p95_ms']:>8.1f}  {r['cpu_median_ms']:>7.1f}{flag}")
    slowest = max(rows, key=lambda r: r["p95_ms"])
    print(f"\nСамая медленная (p95): {slowest['page']} — {slowest['p95_ms']:.1f} мс; бюджет {BUDGET_MS:.0f} мс.")
    print("ЦП — медиана процессорного времени запроса: на занятой машине она меньше зависит от соседей, чем время.")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
