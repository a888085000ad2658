"""The index follows the database: outbox in the same transaction, one writer, check and rebuild."""

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import delete, func, select

from kb.extensions import db
from kb.practices.models import Practice
from kb.search import outbox
from kb.search.models import IndexOutbox, IndexReplica
from kb.search.services import SearchParams, check_index, get_index, search, sync


def _ids(app, q: str) -> set[str]:
    return {f"{r.type}:{r.id}" for r in search(SearchParams(q=q, per_page=100)).results}


def test_rolled_back_change_never_reaches_the_index(app):
    with app.test_request_context():
        db.session.add(Practice(title="Откатываемая практика квазиуникальная", status="published"))
        db.session.flush()
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 1
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
        assert sync() == 0
        assert get_index().doc_count() == 0
        assert search(SearchParams(q="квазиуникальная")).total == 0


def test_publish_edit_unpublish_follow_the_database(app, make_practice):
    with app.test_request_context():
        practice_id = make_practice("Практика про квазиуникальный метод", status="draft")
        sync()
        assert _ids(app, "квазиуникальный") == set()

        practice = db.session.get(Practice, practice_id)
        practice.status = "published"
        db.session.commit()
        sync()
        assert _ids(app, "квазиуникального") == {f"practice:{practice_id}"}

        practice.title = "Практика про суперредкий метод"
        db.session.commit()
        sync()
        assert _ids(app, "квазиуникальный") == set()
        assert _ids(app, "суперредкий") == {f"practice:{practice_id}"}

        practice.status = "archived"
        db.session.commit()
        sync()
        assert _ids(app, "суперредкий") == set()
        assert check_index().clean


def test_request_that_commits_updates_the_index(app, make_practice):
    """Changes committed inside a request are applied when the request ends."""
    with app.app_context():
        practice_id = make_practice("Черновик про гиперточное слово", status="draft")
        sync()

    @app.post("/_test/publish/<int:pid>")
    def _publish(pid):
        db.session.get(Practice, pid).status = "published"
        db.session.commit()
        return "ok"

    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    assert client.post(f"/_test/publish/{practice_id}").status_code == 200
    response = client.get("/api/v1/search", query_string={"q": "гиперточное"})
    assert response.json["total"] == 1


def test_second_writer_does_not_block_and_nothing_is_left_behind(app, make_practice):
    index_dir = app.config["INDEX_DIR"]
    with app.test_request_context():
        with outbox.writer_lock(index_dir) as held:
            assert held
            practice_id = make_practice("Практика с редкостным словом")
            assert sync() == 0, "another process holds the lock: return at once"
            assert outbox.pending_count(index_dir) == 1
        assert sync() == 1
        assert _ids(app, "редкостным") == {f"practice:{practice_id}"}
        assert outbox.pending_count(index_dir) == 0


_FORK_UNDER_LOCK = """
import os, sys, time
from kb.search import outbox
with outbox.writer_lock(sys.argv[1]) as held:
    assert held
    child = os.fork()
    if child == 0:  # a process forked under the lock, as a rebuild's writer processes are
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
        time.sleep(60)
        os._exit(0)
    print(child, flush=True)
    os._exit(0)  # killed while holding the lock: it never unlocks
"""


def test_a_process_forked_under_the_writer_lock_does_not_keep_it(tmp_path):
    """The lock belongs to the open file, which a forked process shares: a rebuild's writer processes kept it
    taken after their parent was killed, and reindex, sync-index and the indexer waited for them."""
    index_dir = tmp_path / "index"
    done = subprocess.run([sys.executable, "-c", _FORK_UNDER_LOCK, str(index_dir)], capture_output=True, text=True,
                          timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    child = int(done.stdout)
    try:
        os.kill(child, 0)  # it still runs
        with outbox.writer_lock(index_dir) as held:
            assert held, "the forked process keeps the writer lock"
    finally:
        os.kill(child, signal.SIGKILL)


def test_late_committed_lower_id_is_still_applied(app, make_practice):
    """An outbox id below the writer's position (committed late) is picked up as a gap."""
    with app.test_request_context():
        first = make_practice("Первая практика")
        sync()
        position = outbox.WriterState.load(outbox.state_path(app.config["INDEX_DIR"])).position
        late = make_practice("Поздняя практика с уникальнословом", status="draft")
        # Simulate: a row with a much higher id became visible first...
        db.session.execute(IndexOutbox.__table__.delete())
        db.session.add(IndexOutbox(id=position + 10, doc_type="practice", doc_id=first))
        db.session.commit()
        sync()
        # ...then the earlier transaction commits its lower id.
        db.session.get(Practice, late).status = "published"
        db.session.flush()
        db.session.execute(IndexOutbox.__table__.delete().where(IndexOutbox.id > position + 10))
        db.session.add(IndexOutbox(id=position + 3, doc_type="practice", doc_id=late))
        db.session.commit()
        sync()
        assert _ids(app, "уникальнословом") == {f"practice:{late}"}


def test_check_index_finds_a_broken_index_and_reindex_repairs_it(demo_app):
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["check-index"]).exit_code == 0
    with demo_app.app_context():
        practice_id = db.session.scalar(select(Practice.id).where(Practice.status == "published").limit(1))
        draft_id = db.session.scalar(select(Practice.id).where(Practice.status == "draft").limit(1))
        index = get_index()
        index.apply(deletes=[f"practice:{practice_id}"])
        from indexer import IndexDocument

        index.apply(upserts=[IndexDocument(id=f"practice:{draft_id}", type="practice", title="утечка", body="")])
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert f"practice:{practice_id}" in result.output
    assert f"practice:{draft_id}" in result.output
    assert "Нет в индексе (1)" in result.output
    assert "Лишние в индексе (1)" in result.output

    rebuilt = runner.invoke(args=["reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Индекс перестроен" in rebuilt.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_check_index_of_an_index_of_an_older_make_says_so_in_russian(demo_app, monkeypatch):
    """An index built by the previous version (other fields, another analysis) gave an English traceback."""
    import indexer.index

    runner = demo_app.test_cli_runner()
    for module in ("indexer.analysis", "indexer.index"):  # this code is a version ahead of the index on disk
        monkeypatch.setattr(f"{module}.ANALYSIS_VERSION", indexer.index.ANALYSIS_VERSION + 1)
    with demo_app.app_context():
        get_index()._close_searcher()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Индекс нельзя прочитать" in result.output and "flask --app kb reindex" in result.output
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_check_index_reports_stale_documents(demo_app):
    runner = demo_app.test_cli_runner()
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    with demo_app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1))
        practice.title = "Новое название"
        db.session.commit()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert "Устарели в индексе (1)" in result.output
    assert "Ожидают применения изменений: 1" in result.output
    assert runner.invoke(args=["sync-index"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0


def _published_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Practice.id).where(Practice.status == "published")
                                       .order_by(Practice.id)))


def test_check_index_advises_applying_the_queue_when_it_explains_the_differences(demo_app):
    """With the writer stopped, changes waiting in the queue made check-index say «Исправить: flask --app kb
    reindex», a rebuild of the whole index, where applying the queue is the fix; and it listed practice:100
    before practice:69."""
    runner = demo_app.test_cli_runner()
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # the writer is another process, stopped now
    ids = _published_ids(demo_app)
    small, large = max(i for i in ids if 1 < i < 10), min(i for i in ids if i >= 10)
    with demo_app.app_context():
        db.session.get(Practice, large).title = "Новое название большой"
        db.session.get(Practice, small).status = "archived"
        db.session.commit()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert f"Устарели в индексе (1): practice:{large}" in result.output
    assert f"Лишние в индексе (1): practice:{small}" in result.output
    assert "Ожидают применения изменений: 2" in result.output
    assert "только на изменения, ожидающие в очереди" in result.output
    assert "flask --app kb indexer" in result.output and "flask --app kb sync-index." in result.output
    assert "reindex" not in result.output
    assert runner.invoke(args=["sync-index"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_check_index_lists_ids_in_numeric_order_and_advises_a_rebuild_when_the_queue_does_not_explain(demo_app):
    runner = demo_app.test_cli_runner()
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    ids = _published_ids(demo_app)
    lost = [max(i for i in ids if 1 < i < 10), min(i for i in ids if i >= 10)]
    with demo_app.app_context():
        get_index().apply(deletes=[f"practice:{i}" for i in lost])  # gone from the index, nothing queued
        db.session.get(Practice, ids[-1]).title = "Новое название"  # and one change waiting
        db.session.commit()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 1
    assert f"Нет в индексе (2): practice:{lost[0]}, practice:{lost[1]}\n" in result.output
    assert "Ожидают применения изменений: 1" in result.output
    assert "Исправить: flask --app kb reindex" in result.output and "очереди" not in result.output
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_lost_index_folder_keeps_pages_working_and_reindex_restores(demo_app):
    @demo_app.post("/_test/retitle")
    def _retitle():
        db.session.scalar(select(Practice).where(Practice.status == "published").limit(1)).title = "Заново"
        db.session.commit()
        return "ok"

    demo_app.config["WTF_CSRF_ENABLED"] = False
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # production: the `indexer` process would rebuild it
    client = demo_app.test_client()
    shutil.rmtree(demo_app.config["INDEX_DIR"])
    page = client.get("/search", query_string={"q": "олимпиада"})
    assert page.status_code == 200
    assert "индекс перестраивается" in page.get_data(as_text=True)
    assert client.get("/api/v1/search").status_code == 503
    assert client.get("/healthz").status_code == 503
    assert client.get("/").status_code == 200
    assert client.post("/_test/retitle").status_code == 200, "a committed write is never turned into an error"
    assert not Path(demo_app.config["INDEX_DIR"]).exists(), "no empty index is created behind the user's back"

    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert runner.invoke(args=["check-index"]).exit_code == 0
    assert client.get("/api/v1/search", query_string={"q": "заново"}).json["total"] == 1
    assert client.get("/healthz").status_code == 200


def test_only_requests_that_change_indexed_documents_sync_the_index(app, make_practice, make_user):
    """A page view (which counts the view with an UPDATE) leaves the outbox alone; an edit syncs it."""
    from sqlalchemy import event

    from tests.conftest import sign_in

    with app.app_context():
        practice_id = make_practice("Практика для счётчика просмотров")
    statements: list[str] = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", remember)
    try:
        client = app.test_client()
        assert client.get(f"/practices/{practice_id}").status_code == 200
        assert any("UPDATE practice SET views" in s for s in statements), "the view was counted"
        assert not [s for s in statements if "index_outbox" in s], "…without any index work"

        statements.clear()
        app.config["WTF_CSRF_ENABLED"] = False
        sign_in(client, make_user("admin"))
        client.post(f"/practices/{practice_id}/edit", data={"title": "Новое название практики", "region": "RU-CHE"})
        assert [s for s in statements if "index_outbox" in s], "an edit writes and applies outbox rows"
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", remember)
    assert client.get("/api/v1/search", query_string={"q": "новое название"}).json["total"] == 1


def test_a_failed_reindex_says_so_in_russian_and_keeps_the_index(demo_app, monkeypatch):
    import indexer.index as index_module
    from indexer.schema import to_fields

    def broken(doc):
        if doc.id.endswith(":3"):
            raise RuntimeError("поле не разобрать")
        return to_fields(doc)

    # several writer processes, one of which fails on a document
    monkeypatch.setattr(index_module, "PARALLEL_REBUILD_MIN", 5)
    monkeypatch.setattr(index_module, "REBUILD_BATCH", 5)
    monkeypatch.setattr(index_module, "to_fields", broken)
    runner = demo_app.test_cli_runner()
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 1
    assert "Переиндексация не удалась, прежний индекс остался на месте" in result.output
    assert "поле не разобрать" in result.output
    assert runner.invoke(args=["check-index"]).exit_code == 0


def _age_outbox(days: float) -> None:
    from datetime import timedelta

    from kb.timeutil import utcnow

    db.session.execute(IndexOutbox.__table__.update().values(created_at=utcnow() - timedelta(days=days)))
    db.session.commit()


def test_prune_outbox_keeps_what_a_live_copy_has_not_applied(app, make_practice, runner):
    from datetime import timedelta

    from kb.search.models import OutboxPruning
    from kb.timeutil import utcnow

    with app.app_context():
        for n in range(6):
            make_practice(f"Практика для журнала {n}")
        ids = list(db.session.scalars(select(IndexOutbox.id).order_by(IndexOutbox.id)))
        assert len(ids) == 6
        # the web process that applied them (its own index writer here) said how far its copy has got
        own = outbox.replica_name(app.config["INDEX_DIR"])
        assert db.session.get(IndexReplica, own).position >= ids[0]
        _age_outbox(10)
        middle = ids[2]
        db.session.add_all([
            IndexReplica(name="другая-машина:/srv/kb/index", position=middle, reported_at=utcnow()),
            IndexReplica(name="выключенная:/srv/kb/index", position=0, reported_at=utcnow() - timedelta(days=3)),
        ])
        db.session.commit()

    planned = runner.invoke(args=["prune-outbox", "--dry-run"])
    assert planned.exit_code == 0, planned.output
    assert f"другая-машина:/srv/kb/index: позиция {middle} (сообщал" in planned.output
    assert "выключенная:/srv/kb/index: позиция 0" in planned.output and "молчит дольше 24 ч" in planned.output
    assert f"позиция {ids[-1]} (этот экземпляр)" in planned.output
    assert f"Будет удалено строк журнала: 3 (по №{middle}, старше 7 дн.)." in planned.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 6, "a dry run deletes nothing"

    pruned = runner.invoke(args=["prune-outbox"])
    assert pruned.exit_code == 0, pruned.output
    assert f"Удалено строк журнала: 3 (по №{middle}, старше 7 дн.)." in pruned.output
    with app.app_context():
        assert list(db.session.scalars(select(IndexOutbox.id).order_by(IndexOutbox.id))) == ids[3:]
        assert db.session.scalar(select(OutboxPruning.through_id)) == middle
        db.session.get(IndexReplica, "другая-машина:/srv/kb/index").position = ids[-1]
        db.session.commit()

    assert "старше 30 дн." in runner.invoke(args=["prune-outbox", "--keep-days", "30"]).output
    unknown = runner.invoke(args=["prune-outbox", "--forget", "нет-такого"])
    assert unknown.exit_code == 1 and "Экземпляра «нет-такого» в списке нет." in unknown.output
    planned = runner.invoke(args=["prune-outbox", "--forget", "выключенная:/srv/kb/index", "--dry-run"])
    assert "Экземпляр «выключенная:/srv/kb/index» будет забыт." in planned.output
    assert "выключенная:/srv/kb/index: позиция" not in planned.output
    with app.app_context():
        assert db.session.get(IndexReplica, "выключенная:/srv/kb/index") is not None, "a dry run changes nothing"
    forgot = runner.invoke(args=["prune-outbox", "--forget", "выключенная:/srv/kb/index", "--keep-days", "30"])
    assert "Экземпляр «выключенная:/srv/kb/index» забыт: его позицию больше не ждём." in forgot.output
    with app.app_context():
        assert db.session.get(IndexReplica, "выключенная:/srv/kb/index") is None
    with app.app_context():
        db.session.add(IndexReplica(name="контейнер-прошлой-недели:/srv/kb/index", position=0,
                                    reported_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    pruned = runner.invoke(args=["prune-outbox"])
    assert f"Удалено строк журнала: 2 (по №{ids[-2]}, старше 7 дн.)." in pruned.output
    assert "Забыты экземпляры, молчащие дольше 7 дн.: контейнер-прошлой-недели:/srv/kb/index." in pruned.output
    with app.app_context():
        assert set(db.session.scalars(select(IndexReplica.name))) == {"другая-машина:/srv/kb/index", own}
    with app.test_request_context():
        assert list(db.session.scalars(select(IndexOutbox.id))) == [ids[-1]], "the highest row always stays"
        # SQLite numbers a new row after the highest one left: no id is given twice, so no copy skips one.
        added = make_practice("Практика про криптозоологический кружок")
        assert db.session.scalar(select(func.max(IndexOutbox.id))) > ids[-1]  # and make_practice applied it
        assert _ids(app, "криптозоологический") == {f"practice:{added}"}
        assert check_index().clean


def test_prune_outbox_without_a_live_copy_touches_nothing(app, make_practice, runner):
    with app.app_context():
        make_practice("Практика без живых копий индекса")
        make_practice("Ещё одна практика")
        _age_outbox(30)
        # the web process reported its copy when it applied them; this bank's copies never did
        db.session.execute(delete(IndexReplica))
        db.session.commit()
    shutil.rmtree(app.config["INDEX_DIR"])
    outbox.state_path(app.config["INDEX_DIR"]).unlink()
    result = runner.invoke(args=["prune-outbox", "--keep-days", "0"])
    assert result.exit_code == 0, result.output
    assert "Ни один экземпляр индекса не сообщал о себе." in result.output
    assert "Нет ни одного живого экземпляра (сообщавшего о себе за 24 ч): журнал не тронут." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 2


def test_healthz_says_when_the_index_writer_is_behind(app):
    """A stopped writer leaves the site healthy (200: pages and search answer) but its changes waiting:
    /healthz counts them and says how long the oldest has waited, and "behind" past INDEX_WRITER_LAG_ALERT."""
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # production: the `indexer` process applies them
    client = app.test_client()
    health = client.get("/healthz").json
    assert (health["pending_changes"], health["oldest_pending_seconds"], health["index_writer"]) == (0, 0, "ok")
    with app.app_context():
        db.session.add(Practice(title="Практика, которую писатель не применил", status="published"))
        db.session.commit()
    health = client.get("/healthz").json
    assert (health["pending_changes"], health["index_writer"]) == (1, "ok")
    assert health["oldest_pending_seconds"] < 60
    with app.app_context():
        _age_outbox(1 / 24 / 6)  # ten minutes
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["status"] == "ok"
    assert response.json["index_writer"] == "behind" and 590 <= response.json["oldest_pending_seconds"] < 700
    assert app.test_cli_runner().invoke(args=["sync-index"]).exit_code == 0
    health = client.get("/healthz").json
    assert (health["pending_changes"], health["oldest_pending_seconds"], health["index_writer"]) == (0, 0, "ok")


def test_an_index_of_another_database_is_rebuilt_by_init(app, make_practice, runner):
    """A new empty database under an instance's old index (a fresh start, config.py pointed at another database):
    `init` kept the old index and its position in the change log, the new database's log began at 1 again, and its
    changes were never applied («применено изменений: 0»; the new practice not found, the old ones still)."""
    from sqlalchemy import text

    with app.app_context():
        for number in range(4):
            make_practice(f"Старая практика {number} про астрономию")
        assert outbox.WriterState.load(outbox.state_path(app.config["INDEX_DIR"])).position >= 4
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Индекс построен по другой базе данных" in result.output, result.output
    assert "перестраиваю его по базе данных" in result.output and "Индекс перестроен: 0 документов." in result.output
    with app.test_request_context():
        new = make_practice("Новая практика про палеонтологию")
        assert _ids(app, "палеонтологию") == {f"practice:{new}"}
        assert _ids(app, "астрономию") == set()
        assert check_index().clean


def test_sync_index_and_the_writer_rebuild_an_index_of_another_database(app, make_practice, runner):
    """The index's state names the database it follows (a random mark made with the database); an index of another
    one is rebuilt by `sync-index` and the writer, with the reason, not followed from its position. A state of an
    older version (without the mark) is checked by its position: ahead of the database's log, it is another's."""
    import json

    from sqlalchemy import update

    from kb.search.models import DatabaseIdentity

    index_dir = app.config["INDEX_DIR"]
    with app.app_context():
        practice = make_practice("Практика про орнитологию")
        mark = db.session.scalar(select(DatabaseIdentity.token))
        assert mark and outbox.WriterState.load(outbox.state_path(index_dir)).database == mark

    def another_database(token: str) -> None:
        with app.app_context():
            db.session.execute(update(DatabaseIdentity).values(token=token))
            db.session.commit()

    another_database("1" * 32)
    synced = runner.invoke(args=["sync-index"])
    assert synced.exit_code == 0, synced.output
    assert "Индекс построен по другой базе данных" in synced.output
    assert "Индекс перестроен: 1 документ." in synced.output
    assert outbox.WriterState.load(outbox.state_path(index_dir)).database == "1" * 32
    another_database("2" * 32)
    once = runner.invoke(args=["indexer", "--once"])
    assert once.exit_code == 0, once.output
    assert "индекс построен по другой базе данных" in once.output and "перестраиваю по базе данных" in once.output
    assert outbox.WriterState.load(outbox.state_path(index_dir)).database == "2" * 32

    outbox.state_path(index_dir).write_text(json.dumps({"position": 10_000, "gaps": {}}), encoding="utf-8")
    legacy = runner.invoke(args=["sync-index"])
    assert legacy.exit_code == 0, legacy.output
    assert "№10000" in legacy.output and "Индекс перестроен: 1 документ." in legacy.output, legacy.output
    with app.app_context():
        last = outbox.max_outbox_id()
    outbox.state_path(index_dir).write_text(json.dumps({"position": last, "gaps": {}}), encoding="utf-8")
    followed = runner.invoke(args=["sync-index"])  # an older version's state of this database: followed, marked
    assert followed.output == "Применено изменений: 0.\n"
    with app.test_request_context():
        make_practice("Вторая практика про орнитологию")
        assert outbox.WriterState.load(outbox.state_path(index_dir)).database == "2" * 32
        assert f"practice:{practice}" in _ids(app, "орнитологию") and check_index().clean


def test_a_pruned_outbox_is_not_taken_for_another_databases(app, make_practice, runner):
    """`prune-outbox` leaves the log's last row: an index at the end of a pruned log is this database's."""
    with app.app_context():
        for number in range(3):
            make_practice(f"Практика {number} про геологию")
        _age_outbox(30)
    pruned = runner.invoke(args=["prune-outbox", "--keep-days", "0"])
    assert pruned.exit_code == 0 and "Удалено строк журнала:" in pruned.output, pruned.output
    synced = runner.invoke(args=["sync-index"])
    assert synced.output == "Применено изменений: 0.\n"
    with app.test_request_context():
        added = make_practice("Практика про минералогию")
        assert _ids(app, "минералогию") == {f"practice:{added}"}


def test_sync_index_and_the_writer_rebuild_an_index_left_behind_by_pruning(app, make_practice, runner):
    """`prune-outbox` deleted changes this index copy had not applied: `sync-index` only said «перестройте его:
    flask --app kb reindex» (code 1). It rebuilds the index itself, as for an index of another database, with the
    reason in one line and the progress bar of `reindex`; the writer (`indexer`) does the same."""
    from kb.search.models import OutboxPruning
    from kb.timeutil import utcnow

    index_dir = app.config["INDEX_DIR"]

    def missed(title: str) -> int:
        """A change this copy never applied, then deleted from the log by `prune-outbox` (another copy's)."""
        with app.app_context():
            practice = db.session.get(Practice, practice_id)
            practice.title = title
            db.session.commit()
            db.session.add(OutboxPruning(through_id=outbox.max_outbox_id(), older_than=utcnow(), deleted=1))
            db.session.commit()
            return outbox.WriterState.load(outbox.state_path(index_dir)).position

    with app.app_context():
        practice_id = make_practice("Практика про гидрологию")
        make_practice("Практика про климатологию")
    position = missed("Практика про палеонтологию")
    synced = runner.invoke(args=["sync-index"])
    assert synced.exit_code == 0, synced.output
    with app.app_context():
        through = outbox.pruned_through()
    assert (f"Индекс отстал (журнал изменений удалён по №{through}, а индекс применил его только по №{position}): "
            "перестраиваю его по базе данных.") in synced.output.splitlines(), synced.output
    assert "Индексация" in synced.output and "Индекс перестроен: 2 документа." in synced.output
    assert "reindex" not in synced.output
    with app.test_request_context():
        assert _ids(app, "палеонтологию") == {f"practice:{practice_id}"} and check_index().clean
        assert outbox.WriterState.load(outbox.state_path(index_dir)).position >= outbox.pruned_through()

    missed("Практика про вулканологию")
    once = runner.invoke(args=["indexer", "--once"])
    assert once.exit_code == 0, once.output
    assert "журнал изменений удалён по №" in once.output and "перестраиваю по базе данных" in once.output
    assert "Индексация" in once.output and "Индекс перестроен: 2 документа." in once.output, once.output
    with app.test_request_context():
        assert _ids(app, "вулканологию") == {f"practice:{practice_id}"} and check_index().clean
    assert runner.invoke(args=["sync-index"]).output == "Применено изменений: 0.\n"

    missed("Практика про сейсмологию")  # `init` too (an upgrade after a long stop)
    initialised = runner.invoke(args=["init"])
    assert initialised.exit_code == 0, initialised.output
    assert "Индекс отстал (журнал изменений удалён по №" in initialised.output
    assert "Индекс перестроен: 2 документа." in initialised.output
    with app.test_request_context():
        assert _ids(app, "сейсмологию") == {f"practice:{practice_id}"} and check_index().clean


def test_a_second_index_writer_says_once_that_it_waits_for_the_lock(app, runner, monkeypatch):
    """A second `indexer` started while one runs waited silently after its banner: it says which lock another
    writer holds and that it waits, and goes on once it gets the lock."""
    import fcntl
    import threading

    index_dir = app.config["INDEX_DIR"]
    lock = outbox.lock_path(index_dir)
    lock.parent.mkdir(parents=True, exist_ok=True)
    real_flock = fcntl.flock
    waiting = threading.Event()

    def flock(handle, operation):
        if operation == fcntl.LOCK_EX:  # the blocking wait: the other writer may let go now
            waiting.set()
        return real_flock(handle, operation)

    with open(lock, "a+") as other_writer:
        real_flock(other_writer, fcntl.LOCK_EX | fcntl.LOCK_NB)
        monkeypatch.setattr(outbox.fcntl, "flock", flock)
        releaser = threading.Thread(target=lambda: (waiting.wait(60), real_flock(other_writer, fcntl.LOCK_UN)))
        releaser.start()
        try:
            once = runner.invoke(args=["indexer", "--once"])
        finally:
            waiting.set()
            releaser.join()
    assert once.exit_code == 0, once.output
    said = f"Индекс уже пишет другой процесс (занята блокировка {lock}): жду, пока он её освободит."
    assert once.output.count(said) == 1, once.output
    assert "Применено изменений: 0 (индекс:" in once.output  # it went on once it got the lock


def test_an_index_folder_this_user_may_not_write_is_named_with_its_owner(app, make_practice, runner, monkeypatch):
    """`init` or `reindex` run as root left the index folder and index.lock root's (drwx------): the services,
    running as another user, failed with a general error or took the folder for a damaged index. The writer and
    sync-index say whose folder it is and how to run the commands, and rebuild nothing."""
    import pwd

    from indexer import IndexUnavailable, SearchIndex

    index_dir = Path(app.config["INDEX_DIR"])
    with app.test_request_context():
        make_practice("Практика про права на папку")
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # as a user other than the folder's owner sees it (root reads all)
        return False if Path(path) == index_dir else real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(outbox.os, "access", access)
    owner = pwd.getpwuid(index_dir.stat().st_uid).pw_name
    for args in (["indexer", "--once"], ["sync-index"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert f"Нет доступа к папке индекса {index_dir}: владелец — {owner}, права drwx" in result.output
        assert "sudo -u" in result.output and "Traceback" not in result.output

    def unreadable(self):  # a folder of another user's cannot even be read: not a damaged index to rebuild
        raise IndexUnavailable(f"cannot open the index in {self.path}: PermissionError(13)")

    monkeypatch.setattr(SearchIndex, "doc_count", unreadable)
    result = runner.invoke(args=["indexer", "--once"])
    assert result.exit_code == 1, result.output
    assert f"Нет доступа к папке индекса {index_dir}" in result.output
    assert "перестраиваю" not in result.output


def test_a_position_file_of_another_user_is_replaced_not_written(app, monkeypatch):
    """`sudo flask … sync-index` left index.state.json root's (0644): the writer replaces it with a new file (the
    folder above's permission) and never writes into it, so only reading it counts; a leftover temporary file of
    another user's would stop the save, and is named."""
    index_dir = Path(app.config["INDEX_DIR"])
    state = outbox.state_path(index_dir)
    state.write_text('{"position": 0, "gaps": []}', encoding="utf-8")
    temporary = state.with_suffix(".tmp")
    temporary.write_text("", encoding="utf-8")
    real_access = os.access
    refused: set[Path] = set()

    def access(path, mode, *args, **kwargs):  # as the services' user sees root's 0644 files
        if Path(path) in refused and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(outbox.os, "access", access)
    refused.add(state)
    assert outbox.access_problem(index_dir) is None
    refused.add(temporary)
    assert outbox.access_problem(index_dir).startswith(f"нет доступа к временному файлу позиции индекса {temporary}")


def test_pending_withdrawn_names_the_waiting_documents_no_longer_public(demo_app):
    """What a search leaves out while the writer is behind: of the documents with a change still to apply (past
    this copy's position, or in a gap below it), those the database no longer publishes — an archived practice, an
    unpublished resolution and its recommendations; not an edited published practice."""
    from kb.resolutions.models import Resolution

    index_dir = demo_app.config["INDEX_DIR"]
    ids = _published_ids(demo_app)
    with demo_app.app_context():
        assert outbox.pending_withdrawn(index_dir) == frozenset()
        resolution = db.session.scalar(select(Resolution).where(Resolution.status == "published",
                                                                Resolution.recommendations.any()))
        recommendations = {f"recommendation:{rec.id}" for rec in resolution.recommendations}
        db.session.get(Practice, ids[0]).status = "archived"
        db.session.commit()
        archived_row = outbox.max_outbox_id()
        db.session.get(Practice, ids[1]).title = "Новое название"
        resolution.status = "draft"
        db.session.commit()
        assert outbox.pending_withdrawn(index_dir) == {f"practice:{ids[0]}", f"resolution:{resolution.id}",
                                                       *recommendations}
        # a gap below the position: a row committed after higher ones were applied
        path = outbox.state_path(index_dir)
        state = outbox.WriterState.load(path)
        outbox.WriterState(outbox.max_outbox_id(), {archived_row: 0.0}, state.database).save(path)
        assert outbox.pending_withdrawn(index_dir) == {f"practice:{ids[0]}"}
        state.save(path)
        sync()
        assert outbox.pending_withdrawn(index_dir) == frozenset()
