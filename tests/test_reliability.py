"""Faults the index survives: the writer killed mid-batch, the index folder deleted while the site runs,
and several application instances (each with its own index) converging on one database.

The writer runs as the real `flask --app kb indexer` process; in the PostgreSQL pass every process
shares a PostgreSQL database (tests/conftest.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from indexer import SearchIndex
from kb.extensions import db
from kb.practices.models import Practice
from kb.search import outbox, rebuilding, repair, services
from kb.search.services import UNAVAILABLE_NOTICE, check_index, get_index, repair_index
from kb.timeutil import utcnow
from tests.conftest import _copy_instance, bearer, make_app

ROOT = Path(__file__).resolve().parents[1]


def _instance(base_instance: Path, folder: Path):
    """An initialised instance that other processes can open: (in-process app, their environment)."""
    _copy_instance(base_instance, folder)
    app = make_app(folder)
    env = {**os.environ, "KB_INSTANCE": str(folder), "KB_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "KB_INDEX_DIR": app.config["INDEX_DIR"], "KB_SECRET_KEY": "reliability"}
    env.pop("KB_INDEX_WRITER_PAUSE", None)
    return app, env


def _flask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "kb", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


class Writer:
    """A running `flask --app kb indexer` whose output lines can be waited for."""

    def __init__(self, env: dict, interval: float = 0.1):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "kb", "indexer", "--interval", str(interval)], cwd=ROOT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                assert self.process.poll() is None, "".join(self.output)[-3000:]
                continue
            if text in line:
                return line
        raise AssertionError(f"the writer never said {text!r}: {''.join(self.output)[-3000:]}")

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        self.process.stdout.close()
        return "".join(self.output)


def _add_practices(app, count: int, word: str) -> list[int]:
    """Commit published practices without touching the index: their outbox rows wait for the writer."""
    with app.app_context():
        practices = [
            Practice(title=f"Практика {word} номер {n}", status="published", region_code="RU-CHE", year=2021,
                     annotation=f"Краткое описание опыта {word}: проектная деятельность, {n}.",
                     published_at=utcnow())
            for n in range(count)
        ]
        db.session.add_all(practices)
        db.session.commit()
        return [p.id for p in practices]


def _index_state(app) -> tuple[int, int, int]:
    """(documents in the index, distinct ids among them, outbox rows not yet applied)."""
    with app.app_context():
        index = SearchIndex(app.config["INDEX_DIR"], create=False)
        versions = index.versions()
        pending = outbox.pending_count(app.config["INDEX_DIR"])
        db.session.remove()
        return index.doc_count(), len(versions), pending


@pytest.mark.slow
def test_writer_killed_after_index_commit_before_saving_position(base_instance, tmp_path):
    """The worst moment: a batch is in the index but the position is not saved. The restarted writer
    applies that batch again (idempotent), the rest once, and the index matches the database."""
    app, env = _instance(base_instance, tmp_path / "instance")
    ids = _add_practices(app, outbox.BATCH_SIZE + 150, "отказоустойчивость")
    position_before = outbox.WriterState.load(outbox.state_path(app.config["INDEX_DIR"])).position

    writer = Writer({**env, "KB_INDEX_WRITER_PAUSE": "120"})
    try:
        writer.wait_for("position not saved")
        writer.kill()
    finally:
        writer.stop()
    documents, distinct, pending = _index_state(app)
    assert documents == distinct == outbox.BATCH_SIZE, "the first batch was committed to the index"
    assert outbox.WriterState.load(outbox.state_path(app.config["INDEX_DIR"])).position == position_before
    assert pending == len(ids), "the killed writer did not record any progress"

    restarted = _flask(env, "indexer", "--once")
    assert restarted.returncode == 0, restarted.stderr
    assert f"Применено изменений: {len(ids)}" in restarted.stdout
    documents, distinct, pending = _index_state(app)
    assert documents == distinct == len(ids), "nothing twice, nothing lost"
    assert pending == 0
    check = _flask(env, "check-index")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "Индекс совпадает с базой данных" in check.stdout


@pytest.mark.slow
def test_writer_killed_repeatedly_while_changes_stream_in(base_instance, tmp_path):
    """kill -9 at arbitrary moments (inside index commits too) while practices are added, edited and
    withdrawn; after the last restart the index is exactly the database."""
    app, env = _instance(base_instance, tmp_path / "instance")
    stop = threading.Event()
    errors: list[BaseException] = []
    rng = random.Random(8)

    def stream() -> None:
        try:
            with app.app_context():
                n = 0
                while not stop.is_set():
                    n += 1
                    batch = [Practice(title=f"Поток {n}-{k} стойкость", status="published", region_code="RU-CHE",
                                      annotation="Изменения во время сбоев писателя.", published_at=utcnow())
                             for k in range(10)]
                    db.session.add_all(batch)
                    db.session.commit()
                    older = db.session.scalars(select(Practice).order_by(func.random()).limit(5)).all()
                    for practice in older:
                        if rng.random() < 0.3:
                            practice.status = "archived"
                        else:
                            practice.title += " (правка)"
                    db.session.commit()
                    time.sleep(0.1)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    producer = threading.Thread(target=stream)
    producer.start()
    kills = 0
    try:
        for _ in range(3):
            writer = Writer(env, interval=0.05)
            try:
                writer.wait_for("Применено изменений")
                time.sleep(rng.uniform(0.1, 1.0))
                writer.kill()
                kills += 1
            finally:
                writer.stop()
    finally:
        stop.set()
        producer.join(timeout=60)
    assert not errors, errors
    assert kills == 3

    final = _flask(env, "indexer", "--once")
    assert final.returncode == 0, final.stderr
    documents, distinct, pending = _index_state(app)
    with app.app_context():
        published = db.session.scalar(select(func.count()).where(Practice.status == "published"))
    assert documents == distinct == published, "nothing twice, nothing lost"
    assert pending == 0
    check = _flask(env, "check-index")
    assert check.returncode == 0, check.stdout + check.stderr


def _search_page(client, q: str) -> str:
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.slow
def test_index_folder_deleted_while_the_site_runs(demo_instance, tmp_path):
    """Pages keep working, search says the index is being rebuilt, the running writer rebuilds it by
    itself (no change needs to arrive), and a change made meanwhile is in the rebuilt index."""
    app, env = _instance(demo_instance, tmp_path / "instance")
    app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # production: only the writer process writes
    client = app.test_client()
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").order_by(Practice.id))
        practice_id, waiting_id = practice.id, db.session.scalar(
            select(Practice.id).where(Practice.status == "submitted").order_by(Practice.id))
        from kb.accounts.models import User
        from kb.accounts.tokens import create_token

        admin = db.session.scalar(select(User).where(User.role == "admin"))
        _token, secret = create_token(admin, "Надёжность")
        db.session.commit()
    assert "олимпиад" in _search_page(client, "олимпиада").lower()

    writer = Writer(env, interval=0.1)
    try:
        writer.wait_for("Писатель индекса")
        shutil.rmtree(app.config["INDEX_DIR"])
        # Whatever the writer is doing, pages work while the folder is gone; the health check and the
        # search API may say 503 (the index is being rebuilt) until it is back.
        for url in ("/", f"/practices/{practice_id}", "/topics", "/regions", "/resolutions", "/search?q=олимпиада"):
            assert client.get(url).status_code == 200, url
        for url in ("/healthz", "/api/v1/search?q=олимпиада"):
            assert client.get(url).status_code in (200, 503), url
        published = client.post(f"/api/v1/practices/{waiting_id}/transitions", json={"action": "publish"},
                                 headers=bearer(secret))
        assert published.status_code == 200, published.get_data(as_text=True)
        writer.wait_for("Индекс перестроен")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            body = client.get("/api/v1/search", query_string={"q": "", "per_page": 100, "type": "practice"})
            if body.status_code == 200 and waiting_id in {r["id"] for r in body.json["results"]}:
                break
            time.sleep(0.2)
        assert body.status_code == 200
        assert waiting_id in {r["id"] for r in body.json["results"]}, "the change made meanwhile is searchable"
    finally:
        output = writer.stop()
    assert "Traceback" not in output, output[-3000:]
    assert "олимпиад" in _search_page(client, "олимпиада").lower()
    assert UNAVAILABLE_NOTICE not in _search_page(client, "олимпиада")
    with app.app_context():
        report = check_index()
        assert report.clean and not report.pending, report


_KILLED_REBUILD = """
import sys, time
from indexer import IndexDocument, SearchIndex

def documents():
    for number in range(50):
        yield IndexDocument(id=f"practice:{900000 + number}", type="practice", title=f"Прерванная {number}", body="")
    print("building", flush=True)
    time.sleep(600)

index_dir = sys.argv[1]
if sys.argv[2:] == ["locked"]:  # as kb rebuilds: under the writer lock, with its progress file
    from kb.search.outbox import writer_lock
    from kb.search.rebuilding import Recorder
    with writer_lock(index_dir, wait=True):
        SearchIndex(index_dir, create=False).rebuild(documents(), progress=Recorder(index_dir, 50))
else:
    SearchIndex(index_dir, create=False).rebuild(documents())
"""


@contextlib.contextmanager
def _rebuild_in_another_process(index_dir: Path, *args: str):
    """A rebuild of ``index_dir`` in a child process, stopped half-way until the block ends and then killed
    (kill -9); yields the folder it builds in."""
    builder = subprocess.Popen([sys.executable, "-c", _KILLED_REBUILD, str(index_dir), *args], cwd=ROOT,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert builder.stdout.readline().strip() == "building"
        folders = list(index_dir.parent.glob(f".{index_dir.name}.rebuild-*"))
        assert len(folders) == 1 and any(folders[0].iterdir())
        yield folders[0]
    finally:
        builder.kill()
        builder.wait()
        builder.stdout.close()


def test_the_next_rebuild_removes_the_folder_of_a_rebuild_that_was_killed(demo_app, caplog):
    """A rebuild builds a fresh index beside the live one and swaps it in. One killed on the way (kill -9, the
    OOM killer, a power cut) leaves that folder, as big as the index; the next rebuild deletes it."""
    index_dir = Path(demo_app.config["INDEX_DIR"])
    with _rebuild_in_another_process(index_dir) as folder:
        leftovers = [folder]
    assert leftovers[0].exists(), "a killed rebuild cleans up nothing"

    runner = demo_app.test_cli_runner()
    rebuilt = runner.invoke(args=["reindex"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert not leftovers[0].exists()
    assert [entry.name for entry in index_dir.parent.iterdir() if ".rebuild-" in entry.name] == []
    assert f"Removed the folder of a rebuild that never ended: {leftovers[0]}" in caplog.text
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_check_index_reports_a_killed_rebuilds_folder_and_the_writer_removes_it_when_it_starts(demo_app,
                                                                                              monkeypatch):
    """Without waiting for the next rebuild: `check-index` names the folder a killed rebuild left and removes it
    with --remove-unfinished; the `indexer` removes such folders when it starts. The folder of a rebuild that
    is running (it holds the writer lock) is neither: check-index says how far it has got."""
    monkeypatch.setattr(services, "LOCK_PATIENCE", 0.3)
    index_dir = Path(demo_app.config["INDEX_DIR"])
    runner = demo_app.test_cli_runner()
    with _rebuild_in_another_process(index_dir, "locked") as running:
        checked = runner.invoke(args=["check-index", "--remove-unfinished"])
        assert checked.exit_code == 0, checked.output
        assert "Идёт перестройка индекса: готово 0\u00a0% (0 из 50)." in checked.output
        assert "прерванной" not in checked.output
        assert running.exists()
    assert running.exists()

    checked = runner.invoke(args=["check-index"])
    assert checked.exit_code == 0, checked.output
    assert f"Осталась папка прерванной перестройки индекса: {running} (" in checked.output
    assert "удалить: flask --app kb check-index --remove-unfinished" in checked.output
    assert running.exists(), "check-index alone removes nothing"
    removed = runner.invoke(args=["check-index", "--remove-unfinished"])
    assert removed.exit_code == 0, removed.output
    assert f"Удалена папка прерванной перестройки индекса: {running} (" in removed.output
    assert not running.exists()
    assert "прерванной" not in runner.invoke(args=["check-index"]).output

    with _rebuild_in_another_process(index_dir) as killed:
        pass
    assert killed.exists()
    started = runner.invoke(args=["indexer", "--once"])
    assert started.exit_code == 0, started.output
    assert f"Удалена папка прерванной перестройки индекса: {killed} (" in started.output
    assert not killed.exists()
    assert [entry.name for entry in index_dir.parent.iterdir() if ".rebuild" in entry.name] == []


def test_deleted_index_pages_and_notice(demo_app):
    """While the folder is gone: 200 pages with a Russian notice on search, 503 problem from the API and
    health check, a change still committed (it waits in the outbox); `reindex` restores everything."""
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # production: the writer process repairs the index
    client = demo_app.test_client()
    with demo_app.app_context():
        practice_id = db.session.scalar(select(Practice.id).where(Practice.status == "published").limit(1))
        get_index().doc_count()
    shutil.rmtree(demo_app.config["INDEX_DIR"])

    page = _search_page(client, "одарённые дети")
    assert UNAVAILABLE_NOTICE in page
    assert "индекс перестраивается" in page
    # one message, not a second one with another wait («через минуту» under «через несколько минут»)
    assert page.count("Поиск временно недоступен") == 1 and "через минуту" not in page
    api = client.get("/api/v1/search", query_string={"q": "одарённые"})
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert "индекс перестраивается" in api.json["detail"]
    assert client.get("/healthz").status_code == 503
    for url in ("/", f"/practices/{practice_id}", "/levels", "/sitemap.xml"):
        assert client.get(url).status_code == 200, url

    with demo_app.app_context():
        db.session.get(Practice, practice_id).title = "Переименованная практика квазиредкое"
        db.session.commit()
        assert outbox.pending_count(demo_app.config["INDEX_DIR"]) >= 1
    runner = demo_app.test_cli_runner()
    assert runner.invoke(args=["check-index"]).exit_code != 0
    rebuilt = runner.invoke(args=["indexer", "--once"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Индекс перестроен" in rebuilt.output
    assert client.get("/healthz").status_code == 200
    found = client.get("/api/v1/search", query_string={"q": "квазиредкое"}).json
    assert [r["id"] for r in found["results"]] == [practice_id]
    assert runner.invoke(args=["check-index"]).exit_code == 0


def test_the_writer_refuses_an_interval_without_a_pause(app):
    """`indexer --interval -1` crashed its first idle round with a traceback (time.sleep), a restart loop under
    systemd; `--interval 0` polled the database without a pause."""
    runner = app.test_cli_runner()
    for value in ("-1", "0", "0.01", "nan"):
        result = runner.invoke(args=["indexer", "--interval", value])
        assert result.exit_code == 2, (value, result.output)
        assert "пауза между проверками — не меньше 0.05 с" in result.output
        assert "Traceback" not in result.output and "Писатель индекса:" not in result.output
    once = runner.invoke(args=["indexer", "--once", "--interval", "0.05"])
    assert once.exit_code == 0, once.output


def test_the_writer_says_in_russian_why_it_rebuilds_and_counts_no_rebuilt_documents_as_changes(demo_app,
                                                                                                 monkeypatch):
    """«Индекс недоступен (the index folder … is gone: [Errno 2] No such file or directory: …)», then «Применено
    изменений: 85» after a rebuild with no change waiting: 85 was the number of documents rebuilt."""
    import indexer.index

    runner = demo_app.test_cli_runner()
    index_dir = Path(demo_app.config["INDEX_DIR"])
    with demo_app.app_context():
        documents = get_index().doc_count()
    shutil.rmtree(index_dir)
    gone = runner.invoke(args=["indexer", "--once"])
    assert gone.exit_code == 0, gone.output
    assert f"Индекс недоступен (папки индекса {index_dir} нет); перестраиваю по базе данных." in gone.output
    assert f"Индекс перестроен: {documents} документов." in gone.output
    assert "Применено изменений: 0 (индекс: " in gone.output  # --once says what it did: no change waited
    assert "Errno" not in gone.output and "gone" not in gone.output

    for module in ("indexer.analysis", "indexer.index"):  # this code is a version ahead of the index on disk
        monkeypatch.setattr(f"{module}.ANALYSIS_VERSION", indexer.index.ANALYSIS_VERSION + 1)
    with demo_app.app_context():
        get_index()._close_searcher()
    older = runner.invoke(args=["indexer", "--once"])
    assert older.exit_code == 0, older.output
    assert "Индекс недоступен (индекс построен прежней версией программы); перестраиваю" in older.output
    assert "analysis version" not in older.output and "Применено изменений: 0 (" in older.output

    with demo_app.app_context():
        get_index()._close_searcher()
    shutil.rmtree(index_dir)
    index_dir.mkdir()  # a folder that holds no index
    damaged = runner.invoke(args=["indexer", "--once"])
    assert damaged.exit_code == 0, damaged.output
    assert "Индекс недоступен (индекс повреждён или его нельзя прочитать); перестраиваю" in damaged.output
    assert "cannot" not in damaged.output
    with demo_app.app_context():
        assert check_index().clean


def test_an_index_of_a_newer_version_is_not_rebuilt_back_down_by_an_old_writer_or_site(demo_app, monkeypatch):
    """A writer left running through an upgrade called the new version's index «построен прежней версией» and
    rebuilt it with its own, older analysis; the new writer then rebuilt it again. Now a process older than the
    index leaves it alone and says why; only an operator's `init` (or `reindex`) of that version rebuilds it."""
    import indexer.index

    runner = demo_app.test_cli_runner()
    index_dir = Path(demo_app.config["INDEX_DIR"])
    with demo_app.app_context():
        documents = get_index().doc_count()
    generation = sorted(p.name for p in index_dir.iterdir())
    for module in ("indexer.analysis", "indexer.index"):  # this code is a version behind the index on disk
        monkeypatch.setattr(f"{module}.ANALYSIS_VERSION", indexer.index.ANALYSIS_VERSION - 1)
    with demo_app.app_context():
        get_index()._close_searcher()
    said = ("Индекс недоступен (индекс построен более новой версией программы, а этот процесс — прежней: "
            "перезапустите его); не трогаю его.")
    once = runner.invoke(args=["indexer", "--once"])  # a cron job's run fails, so that someone sees it
    assert once.exit_code == 1 and said in once.output, once.output
    assert "перестраиваю" not in once.output and "analysis version" not in once.output

    rounds = []

    def sleep(seconds):
        rounds.append(seconds)
        if len(rounds) == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr("time.sleep", sleep)
    running = runner.invoke(args=["indexer", "--interval", "0.5"])  # the writer nobody restarted says it once
    assert running.exit_code == 0, running.output
    assert running.output.count(said) == 1 and len(rounds) == 4 and min(rounds) >= 30, (running.output, rounds)
    assert "перестраиваю" not in running.output
    assert sorted(p.name for p in index_dir.iterdir()) == generation, "the index files are as they were"

    checked = runner.invoke(args=["check-index"])
    assert checked.exit_code == 1
    assert "Индекс построен более новой версией программы, чем эта" in checked.output, checked.output
    assert "прежней версией" not in checked.output
    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = True
    with demo_app.test_request_context():
        try:
            get_index().doc_count()
        except indexer.IndexNewer as exc:
            assert repair.repair_later(exc) is None, "the site starts no rebuild either"
        else:
            raise AssertionError("an older process reads a newer index")
    page = _search_page(demo_app.test_client(), "олимпиада")
    assert "идёт обновление программы" in page and "перестраивается" not in page
    assert sorted(p.name for p in index_dir.iterdir()) == generation

    rolled_back = runner.invoke(args=["init"])  # the operator's own choice: this version is the one to run
    assert rolled_back.exit_code == 0, rolled_back.output
    assert "Индекс построен более новой версией программы: перестраиваю его по базе данных." in rolled_back.output
    with demo_app.app_context():
        get_index()._close_searcher()
        assert get_index().doc_count() == documents


@pytest.mark.parametrize(("make", "reason"), [
    (lambda: __import__("indexer").IndexLocked("the index in /x is locked"), "индекс занят другим писателем"),
    (lambda: __import__("indexer").IndexNewer("analysis version 9, newer"), "индекс построен более новой версией"),
    (lambda: rebuilding.IndexBeingReplaced("the index is being rebuilt"), "индекс перестраивается"),
])
def test_why_the_index_is_unavailable_is_said_in_russian(app, make, reason):
    """`reread-files` and `delete-user` printed the index's English exception («the index in … holds the terms of
    analysis version 7, this code makes version 8: rebuild it»), and so did a failed `reindex`."""
    from kb.commands import unreadable_reason

    said = unreadable_reason(make(), app.config["INDEX_DIR"])
    assert said.startswith(reason) and not any("a" <= c <= "z" for c in said), said


def test_while_the_index_is_rebuilt_the_pages_say_how_far_it_has_got(demo_app, monkeypatch):
    """A lost index rebuilt by the writer (`indexer`, `reindex`): the search page, the API and /healthz say how
    much of it is done; when it ends, the progress file is gone."""
    from kb.search import rebuilding
    from kb.search.services import rebuild_index

    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False  # production: the writer process rebuilds
    monkeypatch.setattr(rebuilding, "WRITE_EVERY_SECONDS", 0.0)
    index_dir = demo_app.config["INDEX_DIR"]
    client = demo_app.test_client()
    halfway, go_on = threading.Event(), threading.Event()
    totals: list[int] = []
    rebuild = SearchIndex.rebuild

    def slow_rebuild(self, documents, progress=None):
        documents = list(documents)
        totals.append(len(documents))
        progress(len(documents) * 2 // 5)
        halfway.set()
        assert go_on.wait(60)
        return rebuild(self, documents)

    monkeypatch.setattr(SearchIndex, "rebuild", slow_rebuild)
    shutil.rmtree(index_dir)

    def run_rebuild():
        with demo_app.app_context():
            rebuild_index()
            db.session.remove()

    rebuilding_thread = threading.Thread(target=run_rebuild)
    rebuilding_thread.start()
    try:
        assert halfway.wait(60)
        percent = totals[0] * 2 // 5 * 100 // totals[0]
        assert f"индекс перестраивается, готово {percent}\u00a0%" in _search_page(client, "олимпиада")
        api = client.get("/api/v1/search", query_string={"q": "олимпиада"})
        assert api.status_code == 503 and f"готово {percent}\u00a0%" in api.json["detail"]
        health = client.get("/healthz")
        assert health.status_code == 503
        assert {k: health.json["rebuild"][k] for k in ("done", "total", "percent")} == {
            "done": totals[0] * 2 // 5, "total": totals[0], "percent": percent}
    finally:
        go_on.set()
        rebuilding_thread.join(120)
    assert not rebuilding.progress_path(index_dir).exists()
    health = client.get("/healthz")
    assert health.status_code == 200 and "rebuild" not in health.json
    assert "олимпиад" in _search_page(client, "олимпиада").lower()


def test_the_progress_of_a_rebuild_that_was_killed_is_not_shown(demo_app):
    """A progress file left by a killed rebuild names a process that is gone; a damaged one says nothing."""
    from kb.search import rebuilding

    demo_app.config["INDEX_SYNC_AFTER_REQUEST"] = False
    index_dir = demo_app.config["INDEX_DIR"]
    client = demo_app.test_client()
    shutil.rmtree(index_dir)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    path = rebuilding.progress_path(index_dir)
    # a process running now under the id of the one killed (this one): another process, started at another time
    reused = f'"pid": {os.getpid()}, "pid_started": {rebuilding.process_start(os.getpid()) - 1}'
    for content in (f'{{"done": 10, "total": 85, "started": 0, "pid": {gone.stdout.strip()}}}',
                    f'{{"done": 10, "total": 85, "started": 0, {reused}}}',
                    # a process that runs, but no rebuild holds the writer lock: one in another container, say
                    f'{{"done": 10, "total": 85, "started": 0, "pid": {os.getppid()}, "replacing": true}}',
                    '{"done": 10, "total": 85, "started": 0, "pid": 0}', '{"done": "десять"', ""):
        path.write_text(content, encoding="utf-8")
        page = _search_page(client, "олимпиада")
        assert UNAVAILABLE_NOTICE in page and "готово" not in page
        assert "rebuild" not in client.get("/healthz").json


# `flask --app kb reindex` with writer processes on a small bank: the rebuild forks them from 20 documents on, and
# each document takes 50 ms to analyse, so the rebuild is still running when the test stops it.
_SLOW_REINDEX = """
import signal, sys, time
import indexer.index as index
index.PARALLEL_REBUILD_MIN = 20
index.REBUILD_BATCH = 5
fields = index.to_fields
def slow(doc):
    time.sleep(0.05)
    return fields(doc)
index.to_fields = slow
signal.signal(signal.SIGINT, signal.default_int_handler)  # even if the test runs with SIGINT ignored
from flask.cli import main
sys.argv[0] = "flask"
main()
"""


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_reindex_stopped_by_a_signal_leaves_no_writer_process_and_no_lock(base_instance, tmp_path, signum):
    """`kill PID` (cron's `timeout`, systemd stopping the job) or SIGINT to the command's pid alone, while the
    rebuild's writer processes run: the command exits, its writer processes with it, the writer lock is free, the
    rebuild's folder is gone, check-index tells what is in the index, and the next reindex works. The writer
    processes used to outlive a SIGTERM holding the lock (reindex, sync-index and the indexer then waited for
    ever), and after SIGINT the command printed «Прервано (Ctrl+C).» and never exited."""
    app, env = _instance(base_instance, tmp_path / "instance")
    with app.app_context():  # texts long enough to fill the pipe that hands the batches to the writers
        text = " ".join(["одарённые дети школьное научное общество олимпиада проект"] * 150)
        db.session.add_all(Practice(title=f"Практика прерванная номер {n}", status="published", annotation=text,
                                    region_code="RU-CHE", year=2021, published_at=utcnow()) for n in range(60))
        db.session.commit()
        db.session.remove()
    index_dir = Path(app.config["INDEX_DIR"])
    process = subprocess.Popen([sys.executable, "-c", _SLOW_REINDEX, "--app", "kb", "reindex"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    writers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(writers) < 2 and time.monotonic() < deadline and process.poll() is None:
            writers = _children(process.pid)
            time.sleep(0.02)
        assert len(writers) == 2, "the rebuild forked no writer processes"
        time.sleep(0.3)
        os.kill(process.pid, signum)
        try:
            output, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            raise AssertionError("the interrupted reindex never exited") from None
        deadline = time.monotonic() + 5
        while any(_alive(pid) for pid in writers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in writers if _alive(pid)], "writer processes outlived the reindex"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid in writers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
    if signum == signal.SIGINT:
        assert "Прервано (Ctrl+C)." in output and process.returncode == 1
    else:
        assert process.returncode == 128 + signal.SIGTERM, output
    assert "Traceback" not in output, output

    with outbox.writer_lock(index_dir) as acquired:
        assert acquired, "the writer lock is still taken"
    assert [entry.name for entry in index_dir.parent.iterdir() if ".rebuild" in entry.name] == []
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["check-index"])  # the index before the rebuild, which had none of them
    assert checked.exit_code == 1 and "Нет в индексе (60)" in checked.output, checked.output
    assert "занят" not in checked.output and "прерванной" not in checked.output
    rebuilt = subprocess.run([sys.executable, "-c", _SLOW_REINDEX, "--app", "kb", "reindex"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    checked = runner.invoke(args=["check-index"])
    assert checked.exit_code == 0, checked.output


def _repair_done(thread) -> None:
    thread.join(timeout=120)
    assert not thread.is_alive(), "the rebuild never ended"


def _retitled_behind_pruning(app) -> int:
    """Retitle the first published practice while no writer runs, then let `prune-outbox` delete the change from the
    log before any index copy has read it: the copy is now behind the pruning. Returns the practice's id."""
    from kb.search.models import OutboxPruning

    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").order_by(Practice.id))
        practice.title = "Практика о палеоботаническом кружке"
        db.session.commit()
        db.session.add(OutboxPruning(through_id=outbox.max_outbox_id(), older_than=utcnow(), deleted=1))
        db.session.commit()
        return practice.id


def _admin_token(app) -> str:
    from kb.accounts.models import User
    from kb.accounts.tokens import create_token

    with app.app_context():
        _token, secret = create_token(db.session.scalar(select(User).where(User.role == "admin")), "Надёжность")
        db.session.commit()
    return secret


def test_the_embedded_site_rebuilds_a_lost_index_by_itself(demo_app, monkeypatch):
    """Where the web process is its own index writer (`make run`), nobody else would rebuild a lost index: the
    first request that finds it gone starts a rebuild in a child process, so «индекс перестраивается» is true,
    and the web process's memory and GIL stay its pages'. The copy then says where it is for prune-outbox."""
    from kb.search.models import IndexReplica

    assert demo_app.config["INDEX_SYNC_AFTER_REQUEST"]
    index_dir = demo_app.config["INDEX_DIR"]
    client = demo_app.test_client()
    with demo_app.app_context():
        db.session.execute(text("DELETE FROM index_replica"))
        db.session.commit()

    def in_this_process(self, documents, progress=None):
        raise AssertionError("the web process rebuilt the index itself")

    monkeypatch.setattr(SearchIndex, "rebuild", in_this_process)
    shutil.rmtree(index_dir)

    assert UNAVAILABLE_NOTICE in _search_page(client, "олимпиада")
    thread = repair.started(index_dir)
    assert thread is not None, "the search page started a rebuild"
    _repair_done(thread)

    page = _search_page(client, "олимпиада")
    assert UNAVAILABLE_NOTICE not in page and "олимпиад" in page.lower()
    assert client.get("/healthz").status_code == 200
    with demo_app.app_context():
        report = check_index()
        assert report.clean and not report.pending, report
        reported = db.session.get(IndexReplica, outbox.replica_name(index_dir))
        assert reported is not None and reported.position == outbox.max_outbox_id()


def test_a_repair_that_cannot_start_is_logged_and_tried_again_later(demo_app, caplog, monkeypatch):
    """The child gets the site's settings pickled; one that pickle cannot carry stops the repair with a line in
    the log, the page still says the index is being rebuilt, and the next attempt waits RETRY_SECONDS, twice as
    long after each further failure (a fault that stays is not retried every 30 s for good)."""
    now = [1000.0]
    monkeypatch.setattr(repair, "_clock", lambda: now[0])
    index_dir = demo_app.config["INDEX_DIR"]
    demo_app.config["KB_LOCAL_HOOK"] = lambda: None  # say, a function in an instance's config.py
    client = demo_app.test_client()
    shutil.rmtree(index_dir)
    assert UNAVAILABLE_NOTICE in _search_page(client, "олимпиада")
    _repair_done(repair.started(index_dir))
    assert "The index rebuild could not be started" in caplog.text
    assert "could not be rebuilt from the database (exit code None, attempt 1); trying again in 30 s" in caplog.text

    def attempt_after(seconds: float) -> bool:
        before = repair.started(index_dir)
        now[0] += seconds
        assert UNAVAILABLE_NOTICE in _search_page(client, "олимпиада")
        if repair.started(index_dir) is before:
            return False
        _repair_done(repair.started(index_dir))
        return True

    assert not attempt_after(29), "no new attempt within RETRY_SECONDS"
    assert attempt_after(2)
    assert "(exit code None, attempt 2); trying again in 60 s" in caplog.text
    assert not attempt_after(59)
    assert attempt_after(2)
    assert "(exit code None, attempt 3); trying again in 120 s" in caplog.text
    assert [repair.retry_delay(n) for n in (1, 2, 3, 4, 5, 6, 50)] == [30, 60, 120, 240, 480, 600, 600]
    assert not Path(index_dir).exists()

    del demo_app.config["KB_LOCAL_HOOK"]  # the fault mended: the next attempt after the pause succeeds
    assert not attempt_after(119)
    assert attempt_after(2)
    assert "Поиск временно недоступен" not in _search_page(client, "олимпиада")
    assert index_dir not in repair._failures, "a success forgets the failures"


def test_a_repair_applies_what_was_committed_while_it_ran(demo_app, monkeypatch):
    """The rebuild reads the database at its start; a practice published after that waits in the outbox, and
    the repair applies it right after the swap (a web request that found the writer lock taken skipped it)."""
    index_dir = demo_app.config["INDEX_DIR"]
    client = demo_app.test_client()
    with demo_app.app_context():
        waiting_id = db.session.scalar(select(Practice.id).where(Practice.status == "submitted").order_by(Practice.id))
    secret = _admin_token(demo_app)
    documents_read, go_on = threading.Event(), threading.Event()
    rebuild = SearchIndex.rebuild

    def held_rebuild(self, documents, progress=None):
        documents = list(documents)  # the database as the rebuild read it
        documents_read.set()
        assert go_on.wait(60)
        return rebuild(self, documents, progress)

    monkeypatch.setattr(SearchIndex, "rebuild", held_rebuild)
    shutil.rmtree(index_dir)
    counts: list[int | None] = []

    def run_repair():
        with demo_app.app_context():
            counts.append(repair_index())
            db.session.remove()

    repairing = threading.Thread(target=run_repair)
    repairing.start()
    assert documents_read.wait(60)
    with demo_app.app_context():
        assert repair_index() is None, "one rebuild at a time: the writer lock is taken"
        db.session.remove()
    published = client.post(f"/api/v1/practices/{waiting_id}/transitions", json={"action": "publish"},
                            headers=bearer(secret))
    assert published.status_code == 200, published.get_data(as_text=True)
    go_on.set()
    repairing.join(120)
    assert not repairing.is_alive() and counts and counts[0] is not None

    found = client.get("/api/v1/search", query_string={"q": "", "per_page": 100, "type": "practice"}).json
    assert waiting_id in {r["id"] for r in found["results"]}, "the change made during the rebuild is searchable"
    with demo_app.app_context():
        report = check_index()
        assert report.clean and not report.pending, report
        assert outbox.WriterState.load(outbox.state_path(index_dir)).position == outbox.max_outbox_id()


def test_the_embedded_site_rebuilds_a_damaged_index_and_one_left_behind_by_pruning(demo_app):
    """An index it cannot read and a copy whose unapplied changes `prune-outbox` deleted are rebuilt the same
    way; a lock held too long by another writer is not damage and starts nothing."""
    from whoosh import fields, index

    from indexer import IndexLocked

    index_dir = Path(demo_app.config["INDEX_DIR"])
    client = demo_app.test_client()
    with demo_app.app_context():
        assert repair.repair_later(IndexLocked("held")) is None
        get_index().doc_count()
    shutil.rmtree(index_dir)  # in its place, an index this version cannot read (another schema)
    index_dir.mkdir()
    index.create_in(str(index_dir), fields.Schema(id=fields.ID(stored=True, unique=True)))
    assert client.get("/healthz").status_code == 503
    first = repair.started(str(index_dir))
    _repair_done(first)
    assert client.get("/healthz").status_code == 200
    assert "олимпиад" in _search_page(client, "олимпиада").lower()

    secret = _admin_token(demo_app)
    practice_id = _retitled_behind_pruning(demo_app)
    assert client.get("/api/v1/search", query_string={"q": "палеоботанический"}).json["total"] == 0
    retitled = client.patch(f"/api/v1/practices/{practice_id}", json={"year": 2024},
                            headers=bearer(secret))
    assert retitled.status_code == 200, retitled.get_data(as_text=True)
    thread = repair.started(str(index_dir))
    assert thread is not None and thread is not first, "the request's sync found the copy behind the pruning"
    _repair_done(thread)
    assert [r["id"] for r in client.get("/api/v1/search", query_string={"q": "палеоботанический"}).json[
        "results"]] == [practice_id]
    with demo_app.app_context():
        assert check_index().clean
        assert outbox.WriterState.load(outbox.state_path(index_dir)).position >= outbox.pruned_through()


def test_search_says_the_index_is_rebuilt_while_one_left_behind_by_pruning_is_repaired(demo_app, monkeypatch):
    """The site's repair of an index copy behind `prune-outbox` (or of another database) says so as it does for a
    deleted index folder: the search page, the API and /healthz answer «индекс перестраивается» until the rebuilt
    index is in place, instead of results from the index being replaced. A `reindex` of a readable index does not:
    search goes on from the old index meanwhile."""

    index_dir = demo_app.config["INDEX_DIR"]
    client = demo_app.test_client()
    documents_read, go_on = threading.Event(), threading.Event()
    rebuild = SearchIndex.rebuild

    def held_rebuild(self, documents, progress=None):
        documents = list(documents)
        documents_read.set()
        assert go_on.wait(60)
        return rebuild(self, documents, progress)

    def hold(run) -> threading.Thread:
        documents_read.clear()
        go_on.clear()
        thread = threading.Thread(target=run)
        thread.start()
        assert documents_read.wait(60)
        return thread

    def done(thread: threading.Thread) -> None:
        go_on.set()
        thread.join(120)
        assert not thread.is_alive()

    def in_context(call):
        def run():
            with demo_app.app_context():
                call()
                db.session.remove()
        return run

    monkeypatch.setattr(SearchIndex, "rebuild", held_rebuild)
    reindexing = hold(in_context(services.rebuild_index))  # `reindex`: the old index answers meanwhile
    page = _search_page(client, "олимпиада")
    assert "индекс перестраивается" not in page and "Найдено: <strong>0</strong>" not in page
    done(reindexing)

    practice_id = _retitled_behind_pruning(demo_app)
    repairing = hold(in_context(repair_index))
    page = _search_page(client, "олимпиада")
    assert "индекс перестраивается" in page and "Найдено: <strong>0</strong>" in page, page
    api = client.get("/api/v1/search", query_string={"q": "олимпиада"})
    assert api.status_code == 503 and "индекс перестраивается" in api.json["detail"]
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["rebuild"]["total"] > 0, health.json
    with demo_app.app_context():
        assert repair.repair_later(rebuilding.IndexBeingReplaced("x")) is None, "nothing more to start"
    done(repairing)
    assert client.get("/healthz").status_code == 200
    assert [r["id"] for r in client.get("/api/v1/search", query_string={"q": "палеоботанический"}).json[
        "results"]] == [practice_id]
    with demo_app.app_context():
        assert check_index().clean and not (Path(index_dir).parent / "index.rebuild.json").exists()


def _results(client, q: str) -> list[tuple[str, int]]:
    body = client.get("/api/v1/search", query_string={"q": q, "per_page": 100}).json
    return [(r["type"], r["id"]) for r in body["results"]]


def test_two_instances_on_one_database_converge(app, make_user, make_token, tmp_path):
    """Two application instances, each with its own index folder, on one database: changes made through
    either reach both indexes, each following the shared outbox from its own position."""
    first = app
    first_runner = first.test_cli_runner()
    second = make_app(tmp_path / "second", SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    second_runner = second.test_cli_runner()
    headers = bearer(make_token(make_user("admin", region=None)))
    a, b = first.test_client(), second.test_client()

    def create(client, title: str, publish: bool = True) -> int:
        made = client.post("/api/v1/practices", json={
            "title": title, "sections": {"annotation": f"{title}: описание опыта."}, "region": "RU-CHE",
            "levels": ["primary"], "topics": ["research_projects"], "year": 2024}, headers=headers)
        assert made.status_code == 201, made.get_data(as_text=True)
        pid = made.json["id"]
        if publish:
            for action in ("submit", "publish"):
                moved = client.post(f"/api/v1/practices/{pid}/transitions", json={"action": action}, headers=headers)
                assert moved.status_code == 200, moved.get_data(as_text=True)
        return pid

    early = [create(a, f"Сетевое взаимодействие школ {n}") for n in range(3)]
    # The second instance joins an existing bank: it builds its index from the database, then follows.
    joined = second_runner.invoke(args=["init"])
    assert joined.exit_code == 0, joined.output
    assert _results(b, "сетевое взаимодействие") == _results(a, "сетевое взаимодействие")

    through_b = create(b, "Школьное научное общество в начальной школе")
    create(b, "Черновик про наставничество", publish=False)
    edited = b.patch(f"/api/v1/practices/{early[0]}", json={"title": "Наставничество молодых педагогов"},
                     headers=headers)
    assert edited.status_code == 200, edited.get_data(as_text=True)
    archived = a.post(f"/api/v1/practices/{early[1]}/transitions", json={"action": "archive"}, headers=headers)
    assert archived.status_code == 200, archived.get_data(as_text=True)
    through_a = create(a, "Олимпиадная подготовка по математике")

    # Each instance's writer applies the shared change log to its own index.
    for runner in (first_runner, second_runner):
        synced = runner.invoke(args=["sync-index"])
        assert synced.exit_code == 0, synced.output
        assert runner.invoke(args=["check-index"]).exit_code == 0
    with first.app_context():
        versions_a = get_index().versions()
    with second.app_context():
        versions_b = get_index().versions()
    assert versions_a == versions_b
    assert {f"practice:{through_a}", f"practice:{through_b}", f"practice:{early[0]}"} <= set(versions_a)
    assert f"practice:{early[1]}" not in versions_a, "the archived practice left both indexes"
    for q in ("наставничество", "школьное научное общество", "сетевое взаимодействие", "олимпиада", ""):
        assert _results(a, q) == _results(b, q), q
    assert _results(a, "наставничество") == [("practice", early[0])]
    positions = [outbox.WriterState.load(outbox.state_path(x.config["INDEX_DIR"])).position for x in (first, second)]
    with first.app_context():
        assert positions[0] == positions[1] == outbox.max_outbox_id()
    with second.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_copy_silent_past_the_outbox_pruning_rebuilds_and_converges(app, make_user, make_token, tmp_path):
    """A second instance stops following the shared change log; `prune-outbox` on the first no longer waits for
    it and deletes rows the second never applied. When the second comes back, it does not skip them silently:
    `sync-index` says its index is behind and rebuilds it (the writer does the same, tests/test_outbox.py), and it
    follows on like a new instance."""
    from datetime import timedelta

    from kb.commands import follow_outbox
    from kb.search.models import IndexOutbox, IndexReplica

    first, runner = app, app.test_cli_runner()
    second = make_app(tmp_path / "second", SQLALCHEMY_DATABASE_URI=first.config["SQLALCHEMY_DATABASE_URI"])
    headers = bearer(make_token(make_user("admin", region=None)))
    client = first.test_client()

    def create(title: str) -> int:
        made = client.post("/api/v1/practices", json={
            "title": title, "sections": {"annotation": f"{title}: описание опыта."}, "region": "RU-CHE",
            "levels": ["primary"], "topics": ["research_projects"], "year": 2024}, headers=headers)
        assert made.status_code == 201, made.get_data(as_text=True)
        for action in ("submit", "publish"):
            moved = client.post(f"/api/v1/practices/{made.json['id']}/transitions", json={"action": action},
                                headers=headers)
            assert moved.status_code == 200, moved.get_data(as_text=True)
        return made.json["id"]

    create("Школьный театр в начальной школе")
    joined = second.test_cli_runner().invoke(args=["init"])  # builds its index and says where it is
    assert joined.exit_code == 0, joined.output
    missed = [create(f"Робототехника в кружке {n}") for n in range(3)]  # the second copy is silent now
    edited = client.patch(f"/api/v1/practices/{missed[0]}", json={"title": "Лего-конструирование в кружке"},
                          headers=headers)
    assert edited.status_code == 200, edited.get_data(as_text=True)
    with first.app_context():
        name = outbox.replica_name(second.config["INDEX_DIR"])
        assert db.session.get(IndexReplica, name).position < outbox.max_outbox_id()
        db.session.get(IndexReplica, name).reported_at = utcnow() - timedelta(days=2)
        db.session.execute(IndexOutbox.__table__.update().values(created_at=utcnow() - timedelta(days=10)))
        db.session.commit()
    assert runner.invoke(args=["sync-index"]).exit_code == 0
    pruned = runner.invoke(args=["prune-outbox"])
    assert pruned.exit_code == 0 and "молчит дольше 24 ч" in pruned.output, pruned.output
    assert "Удалено строк журнала:" in pruned.output

    behind = second.test_cli_runner().invoke(args=["sync-index"])
    assert behind.exit_code == 0, behind.output
    assert "Индекс отстал (журнал изменений удалён по №" in behind.output
    assert "перестраиваю его по базе данных." in behind.output and "Индекс перестроен:" in behind.output
    with second.app_context():
        assert follow_outbox(second.config["INDEX_DIR"]) == 0  # the writer's round: nothing left to apply
        assert check_index().clean
        assert db.session.get(IndexReplica, name).position == outbox.max_outbox_id()
        versions_b = get_index().versions()
        db.session.remove()
        db.engine.dispose()
    with first.app_context():
        assert get_index().versions() == versions_b
    assert {f"practice:{pid}" for pid in missed} <= set(versions_b)
    assert _results(client, "лего-конструирование") == [("practice", missed[0])]


def test_rebuild_looks_again_for_changes_still_in_flight(app, make_practice):
    """A transaction that took its outbox id before a rebuild read the database but commits after it:
    the rebuild remembers the id as a gap, and the writer applies the change when it appears."""
    from kb.search.models import IndexOutbox
    from kb.search.services import SearchParams, rebuild_index, search, sync

    with app.test_request_context():
        make_practice("Опубликованная раньше")
        late = make_practice("Поздняя практика с уникальнейшимслово", status="draft")
        highest = outbox.max_outbox_id()
        # A later transaction committed first (its id is higher than the one still in flight)...
        db.session.add(IndexOutbox(id=highest + 5, doc_type="practice", doc_id=late))
        db.session.commit()
        rebuild_index()
        state = outbox.WriterState.load(outbox.state_path(app.config["INDEX_DIR"]))
        assert state.position == highest + 5
        assert set(state.gaps) == {highest + 1, highest + 2, highest + 3, highest + 4}
        # ...then the earlier one commits its lower id.
        db.session.get(Practice, late).status = "published"
        db.session.flush()
        # (the row this flush wrote stands for it: replace it by one with the id taken earlier)
        rows = IndexOutbox.__table__
        db.session.execute(rows.delete().where(rows.c.id > highest, rows.c.id != highest + 5))
        db.session.add(IndexOutbox(id=highest + 2, doc_type="practice", doc_id=late))
        db.session.commit()
        assert outbox.pending_count(app.config["INDEX_DIR"]) == 1
        assert sync() == 1
        assert [r.id for r in search(SearchParams(q="уникальнейшимслово")).results] == [late]
        assert check_index().clean


def test_a_long_read_does_not_block_writes(app, make_practice, client):
    """A full reindex reads the database in one long transaction: meanwhile a page view (which counts
    itself with an UPDATE) and its commit must go through at once, not wait for it and fail with
    "database is locked" (SQLite's default journal; the app turns on write-ahead logging)."""
    with app.app_context():
        practice_id = make_practice("Практика для чтения в долгой транзакции")
        make_practice("Ещё одна: читающий не дочитал")
        db.session.remove()
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        reader = db.engine.connect()
        try:
            transaction = reader.begin()
            rows = reader.execute(select(Practice.id))  # a read in progress, as a reindex streams its rows
            assert rows.fetchone() is not None
            started = time.perf_counter()
            assert client.get(f"/practices/{practice_id}").status_code == 200
            with db.engine.begin() as writer:
                writer.execute(Practice.__table__.update().where(Practice.id == practice_id)
                               .values(title="Переименована, пока кто-то читает"))
            assert time.perf_counter() - started < 2
            assert len(rows.fetchall()) >= 1
            transaction.rollback()
        finally:
            reader.close()
        assert db.session.get(Practice, practice_id).views == 1


def test_a_rebuild_counts_while_its_process_holds_the_writer_lock(tmp_path):
    """A progress file counts while its process runs and the writer lock is held; with no lock file to look at (a
    web process that may not create one: a read-only volume), the process alone decides. Looking creates nothing."""
    from kb.search import outbox, rebuilding

    index_dir = tmp_path / "index"
    marker = {"done": 1, "total": 2, "started": 0, "pid": os.getpid(),
              "pid_started": rebuilding.process_start(os.getpid()), "replacing": True}
    rebuilding.progress_path(index_dir).write_text(json.dumps(marker), encoding="utf-8")
    assert rebuilding.current(index_dir) is not None  # no lock file: cannot tell
    assert not outbox.lock_path(index_dir).exists()
    with outbox.writer_lock(index_dir) as acquired:
        assert acquired and rebuilding.current(index_dir) is not None
    assert rebuilding.current(index_dir) is None  # the lock is free: no rebuild runs
