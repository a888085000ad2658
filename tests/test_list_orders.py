"""Practice lists in a database order (the API's list, the home page's «Новые практики», the moderation queue) read
one page's ids from an index in that order and then only that page's rows: sorting the rows themselves sorted every
practice of the status with its ten long sections (0.5–5 s a page at 100,000 practices). The counts per topic, level
and region are made again only when a practice may have changed."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, inspect, select, text, update

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice
from kb.timeutil import utcnow
from kb.vocabularies import services as vocabularies
from kb.vocabularies.services import browse_counts


@pytest.fixture
def dated(app, make_practice):
    """Five published practices (two published at the same moment, two without a date, as a bulk load left them)
    and a draft: → their ids by name. Their years say the opposite of their publication order."""
    now = utcnow()
    with app.app_context():
        ids = {name: make_practice(f"Практика {name}", year=year) for name, year in
               (("oldest", 2025), ("tie_a", 2024), ("tie_b", 2023), ("undated_a", 2022), ("undated_b", 2021))}
        ids["draft"] = make_practice("Черновик", status="draft", year=2026)
        for name, published_at in (("oldest", now - timedelta(days=3)), ("tie_a", now - timedelta(days=1)),
                                   ("tie_b", now - timedelta(days=1)), ("undated_a", None), ("undated_b", None),
                                   ("draft", now)):
            db.session.execute(update(Practice).where(Practice.id == ids[name]).values(published_at=published_at))
        db.session.commit()
    return ids


def _expected(ids: dict[str, int]) -> list[int]:
    """The most recently published first (a tie: the newer id first), then the undated ones, the newest first."""
    return [ids["tie_b"], ids["tie_a"], ids["oldest"], ids["undated_b"], ids["undated_a"]]


def test_the_api_list_pages_through_the_most_recently_published_first_then_the_undated_ones(app, dated):
    client = app.test_client()
    pages = []
    for page in (1, 2, 3, 4):
        with client.get(f"/api/v1/practices?per_page=2&page={page}") as response:
            assert response.status_code == 200
            body = response.get_json()
        assert body["total"] == 5
        pages.append([item["id"] for item in body["results"]])
    expected = _expected(dated)
    assert pages == [expected[0:2], expected[2:4], expected[4:], []]
    with client.get("/api/v1/practices?per_page=3&page=2") as response:  # a page that starts among the undated
        assert [item["id"] for item in response.get_json()["results"]] == expected[3:]


def test_the_home_page_s_new_practices_are_the_most_recently_published_not_the_latest_years(app, dated):
    with app.test_client().get("/") as response:
        page = response.get_data(as_text=True)
    section = page[page.index("Новые практики"):]
    shown = [int(n) for n in re.findall(r'href="/practices/(\d+)"', section)]
    assert shown == _expected(dated)


def _statements(app, call) -> list[tuple[str, object]]:
    seen = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", note)
    return seen


def _sorts_rows(statement: str, parameters) -> str | None:
    """The plan's line that sorts (SQLite: a temporary B-tree for ORDER BY; PostgreSQL: a Sort node even with
    sorting made as dear as it gets), or None when an index gives the order."""
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        plan = [str(row[-1]) for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
        return next((line for line in plan if "TEMP B-TREE FOR ORDER BY" in line), None)
    connection.exec_driver_sql("SET LOCAL enable_sort = off")
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = [str(row[0]) for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
    return next((line for line in plan if re.search(r"\bSort\b", line)), None)


def test_the_lists_take_their_order_from_an_index_and_read_only_the_page_s_rows(app, dated, make_user):
    admin_id = make_user("admin", region=None)
    methodist_id = make_user("methodist", scope_region="RU-CHE")
    client = app.test_client()

    def pages():
        for url in ("/", "/api/v1/practices?per_page=2", "/api/v1/practices?per_page=2&page=3"):
            with client.get(url) as response:
                assert response.status_code == 200
        with app.test_request_context():
            from kb.practices.services import moderation_queue

            for user_id, title in ((admin_id, ""), (admin_id, "практика"), (methodist_id, "")):
                queue = moderation_queue(db.session.get(User, user_id), "published", title=title, per_page=2)
                assert len(queue.items) == 2 and all(isinstance(p, Practice) for p in queue.items)

    statements = [(s, p) for s, p in _statements(app, pages) if "ORDER BY" in s and "practice." in s]
    assert len(statements) >= 6
    with app.app_context():
        for statement, parameters in statements:
            assert _sorts_rows(statement, parameters) is None, statement
            # a whole practice row is read by its id only, never in a list's order
            if "practice.annotation" in statement:
                assert "ORDER BY practice." not in statement, statement
        db.session.rollback()


def test_the_moderation_queue_pages_through_the_least_recently_changed_first(app, make_practice, make_user):
    from kb.practices.services import moderation_queue

    with app.app_context():
        ids = [make_practice(f"Практика в очереди {n}", status="submitted") for n in range(5)]
        start = utcnow() - timedelta(days=1)
        for n, practice_id in enumerate(ids):  # the last made is the least recently changed
            db.session.execute(update(Practice).where(Practice.id == practice_id)
                               .values(updated_at=start - timedelta(minutes=n)))
        db.session.commit()
    admin_id = make_user("admin", region=None)
    with app.test_request_context():
        admin = db.session.get(User, admin_id)
        pages = [[p.id for p in moderation_queue(admin, "submitted", page=page, per_page=2).items]
                 for page in (1, 2, 3)]
        assert moderation_queue(admin, "submitted", per_page=2).total == 5
        assert moderation_queue(admin, "submitted", per_page=2).items[0].region.code == "RU-CHE"
    assert pages == [ids[:-3:-1], ids[2:0:-1], ids[:1]]


def _group_bys(app, field: str) -> tuple[list, int]:
    with app.app_context():
        found = []
        statements = _statements(app, lambda: found.append(browse_counts(field)))
        return found[0], sum("GROUP BY" in s for s, _ in statements)


def test_counts_per_topic_are_made_again_only_after_a_practice_changed_in_any_process(app, make_practice,
                                                                                     monkeypatch):
    with app.app_context():
        pid = make_practice("Практика с темой", topics=["research_projects"])
    counts = {e.code: e.count for e in _group_bys(app, "topic")[0]}
    assert counts["research_projects"] == 1
    entries, grouped = _group_bys(app, "topic")
    assert grouped == 0 and {e.code: e.count for e in entries} == counts
    assert _group_bys(app, "level")[1] == 1 and _group_bys(app, "level")[1] == 0

    # Another worker's change is its committed rows: the practice's new topic and the outbox row of its change.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO practice_topic (practice_id, topic_code) VALUES (:p, 'olympiads')"),
                           {"p": pid})
        connection.execute(text("INSERT INTO index_outbox (doc_type, doc_id, created_at) VALUES ('practice', :p, :t)"),
                           {"p": pid, "t": utcnow()})
    entries, grouped = _group_bys(app, "topic")
    assert grouped == 1 and {e.code: e.count for e in entries}["olympiads"] == 1

    # A change the outbox does not show (a database put back from elsewhere) is seen after BROWSE_COUNT_SECONDS.
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("DELETE FROM practice_topic WHERE topic_code = 'olympiads'"))
    assert {e.code: e.count for e in _group_bys(app, "topic")[0]}["olympiads"] == 1
    monkeypatch.setattr(vocabularies, "BROWSE_COUNT_SECONDS", 0.0)
    assert {e.code: e.count for e in _group_bys(app, "topic")[0]}["olympiads"] == 0


def test_the_list_orders_indexes_come_and_go_with_their_migration(app):
    def indexes() -> dict[str, list[str]]:
        with app.app_context():
            found = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("practice")}
            db.session.remove()
            return found

    assert indexes()["ix_practice_published_order"] == ["status", "published_at", "id"]
    assert indexes()["ix_practice_queue"] == ["status", "updated_at", "id", "region_code", "title_folded",
                                              "organisation"]
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "u0res0000001"])
    assert down.exit_code == 0, down.output
    assert not {"ix_practice_published_order", "ix_practice_queue"} & set(indexes())
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert {"ix_practice_published_order", "ix_practice_queue"} <= set(indexes())
    with app.app_context():
        assert db.session.scalar(select(Practice.id).limit(1)) is None


def test_municipalities_are_listed_in_russian_alphabetical_order_on_either_database(app, make_user):
    """The lists were ordered by the database's collation of the name: code-point order on SQLite and on a C.UTF-8
    PostgreSQL, so «Трёхгорный городской округ» came after «Троицкий…» (ё is after я); a ru_RU.UTF-8 database
    ordered the same bank otherwise. The API's vocabularies and the practice form order them in Russian."""
    from tests.conftest import sign_in

    expected = ["Трёхгорный городской округ", "Троицкий городской округ", "Троицкий муниципальный район"]
    names = [m["label"] for m in app.test_client().get("/api/v1/vocabularies").get_json()["municipalities"]]
    assert [name for name in names if name in expected] == expected
    assert names == sorted(names, key=lambda name: name.casefold().replace("ё", "е\U0010ffff"))
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    page = client.get("/practices/new").get_data(as_text=True)
    assert [page.index(f">{name}</option>") for name in expected] == sorted(
        page.index(f">{name}</option>") for name in expected)


def test_topics_with_equal_counts_are_listed_in_russian_alphabetical_order(app, monkeypatch):
    """Topics with the same number of practices come in Russian alphabetical order, not by code points."""
    monkeypatch.setattr(vocabularies, "_published_counts", lambda field: {})
    with app.app_context():
        from kb.vocabularies.models import Topic

        topic = db.session.scalar(select(Topic).order_by(Topic.sort_order))
        topic.label = "Ёмкие задания"
        db.session.commit()
        labels = [entry.label for entry in browse_counts("topic")]
    assert labels == sorted(labels, key=lambda label: label.casefold().replace("ё", "е\U0010ffff"))
