"""Fixtures: an app on a temporary instance (SQLite file + index), with or without demo data.

Migrations and the demo load run once per session into template folders; each test gets a copy.

``KB_TEST_DATABASE=postgresql`` runs the same tests on the PostgreSQL server at ``KB_TEST_POSTGRES``
(default postgresql://postgres@127.0.0.1:5432/test): each instance folder gets its own database,
named in the folder's ``test-database.json``. A copied folder (the per-test copy of a template)
gets a copy of the template's database (``CREATE DATABASE … TEMPLATE …``); the databases a test
created are dropped after it (in batches: concurrent drops share one checkpoint; in the background, while
the next tests run), the templates when the session ends.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import event
from sqlalchemy.engine import Engine

from kb import create_app
from kb.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"

POSTGRES_SERVER = os.environ.get("KB_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
ON_POSTGRES = os.environ.get("KB_TEST_DATABASE", "sqlite").lower() in ("postgresql", "postgres", "pg")
# Fixtures through which a test reaches the database; a test with none of them (and whose module makes
# no app of its own) does not touch it, and the PostgreSQL pass leaves it to the SQLite pass.
DATABASE_FIXTURES = {"app", "demo_app", "base_instance", "demo_instance", "database_url", "pg_url"}
DROP_BATCH = 16
DROPS_BEHIND = 4


def pytest_sessionstart(session):
    """The PostgreSQL pass needs the server: CI fails without it, elsewhere the pass is skipped with a message."""
    if not ON_POSTGRES:
        return
    try:
        postgres_databases()
    except Exception as exc:  # noqa: BLE001 - any reason the server cannot be used
        message = f"KB_TEST_DATABASE=postgresql, but PostgreSQL does not answer at {POSTGRES_SERVER}: {exc}"
        pytest.exit(message, returncode=3 if os.environ.get("CI") else 0)


def pytest_collection_modifyitems(config, items):
    """KB_SKIP_SLOW=1 skips the benchmark-like tests (CI runs them); the PostgreSQL pass keeps database tests."""
    if os.environ.get("KB_SKIP_SLOW") == "1":
        skip = pytest.mark.skip(reason="KB_SKIP_SLOW=1")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)
    if ON_POSTGRES:
        kept, left = [], []
        for item in items:
            (kept if _uses_database(item) else left).append(item)
        if left:
            config.hook.pytest_deselected(items=left)
            items[:] = kept


def _uses_database(item) -> bool:
    if "browser" in item.keywords:
        return False  # the browser drives the same views the client tests cover; it ran in the SQLite pass
    if "postgres" in item.keywords or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return module is not None and "make_app" in vars(module)


class PostgresDatabases:
    """Databases of one test session on the PostgreSQL server; names carry the pid, so parallel runs never meet."""

    def __init__(self, server: str):
        import psycopg

        self.psycopg = psycopg
        self.server = server
        self.base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        self.prefix = f"kb_t{os.getpid()}_"
        self.counter = itertools.count(1)
        self.test_created: list[str] = []  # dropped when the current test ends
        self.apps: list = []  # their engines are disposed before that
        self.retired: list[str] = []  # no longer used, waiting to be dropped together
        self.dropping: list = []  # batches being dropped in the background, oldest first
        self.dropper = None

    def connect(self):
        return self.psycopg.connect(self.server, autocommit=True, connect_timeout=5)

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}{next(self.counter)}"
        with self.connect() as admin:
            clause = f' TEMPLATE "{template}"' if template else ""
            admin.execute(f'CREATE DATABASE "{name}"{clause}')
        self.test_created.append(name)
        return name

    def drop(self, names: list[str]) -> None:
        """Drop databases at once: each DROP waits for a checkpoint (1–2 s here), concurrent ones share it."""
        from concurrent.futures import ThreadPoolExecutor

        def drop_one(name: str) -> None:
            with self.connect() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        if names:
            with ThreadPoolExecutor(max_workers=min(len(names), DROP_BATCH)) as pool:
                list(pool.map(drop_one, names))

    def drop_abandoned(self) -> None:
        """Databases of earlier runs that were killed before cleaning up (their process is gone)."""
        with self.connect() as admin:
            names = [row[0] for row in admin.execute(r"SELECT datname FROM pg_database WHERE datname LIKE 'kb\_t%\_%'")]
        stale = []
        for name in names:
            pid = name[4:].split("_", 1)[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                stale.append(name)
        self.drop(stale)

    def for_instance(self, folder: Path) -> str:
        """The database of an instance folder: its own, a copy of the one it was copied from, or a new one."""
        marker = folder / "test-database.json"
        source = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
        if source and source["folder"] == str(folder):
            return self.url(source["name"])
        name = self.create(template=source["name"] if source else None)
        marker.write_text(json.dumps({"name": name, "folder": str(folder)}), encoding="utf-8")
        return self.url(name)

    def release_test(self, final: bool = False) -> None:
        """Close the apps' connections and retire the test's databases; drop them a batch at a time, in the
        background: each batch waits for the server's checkpoints (several seconds a batch here, a long pause
        every 16 tests), which the next tests need not wait for. At most DROPS_BEHIND batches are waiting
        (their disk space); the session's last one waits for all, and a failed drop fails the test after it."""
        from concurrent.futures import ThreadPoolExecutor

        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        self.apps.clear()
        self.retired += self.test_created
        self.test_created[:] = []
        if final or len(self.retired) >= DROP_BATCH:
            names, self.retired = self.retired, []
            if self.dropper is None:
                self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-databases")
            self.dropping.append(self.dropper.submit(self.drop, names))
        while self.dropping and (self.dropping[0].done() or len(self.dropping) > DROPS_BEHIND or final):
            self.dropping.pop(0).result()
        if final and self.dropper is not None:
            self.dropper.shutdown()
            self.dropper = None


_POSTGRES: PostgresDatabases | None = None


def postgres_databases() -> PostgresDatabases | None:
    """The session's PostgreSQL databases in the PostgreSQL pass; None on SQLite."""
    global _POSTGRES
    if ON_POSTGRES and _POSTGRES is None:
        databases = PostgresDatabases(POSTGRES_SERVER)
        databases.drop_abandoned()
        _POSTGRES = databases
    return _POSTGRES


@pytest.fixture(scope="session", autouse=True)
def _postgres_session():
    """Drop the session's template databases at the end of the PostgreSQL pass."""
    yield
    if _POSTGRES is not None:
        _POSTGRES.release_test(final=True)


@pytest.fixture(autouse=True)
def _postgres_test_databases(_postgres_session):
    """Drop the databases a test created (after the apps' connections are closed)."""
    pg = postgres_databases()
    if pg is None:
        yield
        return
    session_created, pg.test_created[:] = list(pg.test_created), []
    session_apps, pg.apps[:] = list(pg.apps), []
    yield
    pg.release_test()
    pg.test_created.extend(session_created)
    pg.apps.extend(session_apps)


@pytest.fixture
def database_url() -> str | None:
    """For a test that runs the app in another process: a fresh empty PostgreSQL database in the
    PostgreSQL pass (set it as KB_DATABASE_URL), None on SQLite (the instance's own file)."""
    pg = postgres_databases()
    return pg.url(pg.create()) if pg is not None else None


class _SharedTemplateCode(BytecodeCache):
    """The compiled code of the templates, shared by every app of the session. Each test makes an app of its
    own, and each app's Jinja environment compiled the templates it rendered again (about 0.1 s of CPU a
    test that renders a few pages). Keyed by Jinja's own key (the template's name and file, the source's
    checksum) and by the environment's options that change the compiled code."""

    def __init__(self):
        self.code: dict[str, object] = {}

    def get_bucket(self, environment, name, filename, source):
        checksum = self.get_source_checksum(source)
        bucket = Bucket(environment, repr((self.get_cache_key(name, filename), checksum,
                                           _compile_options(environment))), checksum)
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket) -> None:
        if (code := self.code.get(bucket.key)) is not None:
            bucket.code = code

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.code


def _compile_options(environment) -> tuple:
    """What besides the source makes a template's compiled code (the delimiters, whitespace handling,
    autoescaping, extensions and the like; filters, tests and globals are looked up when it runs)."""
    return (
        environment.block_start_string, environment.block_end_string, environment.variable_start_string,
        environment.variable_end_string, environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix, environment.trim_blocks,
        environment.lstrip_blocks, environment.newline_sequence, environment.keep_trailing_newline,
        environment.optimized, environment.finalize, environment.autoescape, environment.is_async,
        environment.code_generator_class, environment.context_class, tuple(sorted(environment.extensions)),
    )


_TEMPLATE_CODE = _SharedTemplateCode()


def _share_url_builders() -> None:
    """Werkzeug compiles two URL builder functions for every route of every app (126 routes: about 0.04 s
    of CPU an app, one app a test). The generated code is that of the rule's path alone (its converters
    are called through the rule at run time), so the apps of the session share it; a rule with defaults,
    whose values are written into the code, is compiled as before."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "shared", False):
        return
    builders: dict[tuple, object] = {}

    def shared_builder(self, append_unknown: bool = True):
        if self.defaults:
            return compile_builder(self, append_unknown)
        key = (self.rule, self.host if self.map.host_matching else self.subdomain, tuple(self._trace),
               append_unknown)
        if (builder := builders.get(key)) is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    shared_builder.shared = True
    shared_builder.own = compile_builder  # Werkzeug's (tests/test_harness.py compares them)
    Rule._compile_builder = shared_builder


_share_url_builders()


@event.listens_for(Engine, "do_connect")
def _postgres_commits_without_waiting_for_the_disk(dialect, connection_record, cargs, cparams) -> None:
    """The test databases' commits do not wait for the WAL's flush to disk (synchronous_commit=off, for this
    process's connections only): about 10 ms a commit on this machine's disk, a dozen commits a test. What a
    transaction sees and leaves is the same; only a crash of the server itself could lose the last commits."""
    if dialect.name == "postgresql":
        cparams["options"] = " ".join(filter(None, [cparams.get("options"), "-c synchronous_commit=off"]))


@event.listens_for(Engine, "connect")
def _sqlite_commits_without_waiting_for_the_disk(dbapi_connection, connection_record) -> None:
    """The same for SQLite (after kb.extensions has set write-ahead logging): synchronous=NORMAL syncs the log
    at checkpoints, not at every commit (1–4 ms a commit here); a killed process loses nothing, a power cut
    might."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def make_app(instance: Path, **overrides):
    pg = postgres_databases()
    database = f"sqlite:///{instance / 'kb.sqlite3'}"
    if pg is not None and "SQLALCHEMY_DATABASE_URI" not in overrides:
        instance.mkdir(parents=True, exist_ok=True)
        database = pg.for_instance(instance)
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database,
        "INDEX_DIR": str(instance / "index"),
        "UPLOAD_DIR": str(instance / "uploads"),
        # Still scrypt, at a cost that keeps the suite fast; test_accounts checks the default strength.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    config.update(overrides)
    instance.mkdir(parents=True, exist_ok=True)
    # the test's own instance folder: what the app keeps there (staged uploads, restored config) stays in it
    app = create_app(config, instance_path=instance)
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    # Flask-Limiter's extension is one object per process, and it kept "the storage is down" from an earlier
    # test's app (Redis not answering) with its limits counted in that app's fallback memory: each test app's
    # own storage starts alive (a process in production has one app).
    from kb.extensions import limiter

    limiter._storage_dead = False
    if pg is not None:
        pg.apps.append(app)
    _APPS.append(app)
    return app


# Apps made during a test: their index handles are closed after it (``_close_index_files``).
_APPS: list = []


@pytest.fixture(autouse=True)
def _close_index_files():
    """Close the searchers the test's apps opened. An app dropped with its searcher open leaves closing
    the index files to the garbage collector, whose ResourceWarning (an error here) then lands on
    whichever later test happens to collect it."""
    yield
    while _APPS:
        index = _APPS.pop().extensions.get("kb_index")
        if index is not None:
            index.close()


def _copy_instance(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for item in source.iterdir():
        if item.is_dir():
            shutil.copytree(item, target / item.name)
        else:
            shutil.copy2(item, target / item.name)


@pytest.fixture(scope="session")
def base_instance(tmp_path_factory) -> Path:
    """An instance after `flask --app kb init`: migrated schema and vocabularies, empty index."""
    from kb.commands import initialise
    from kb.search.models import IndexReplica

    folder = tmp_path_factory.mktemp("base-instance")
    app = make_app(folder)
    with app.app_context():
        initialise()
        # Copies of this template are instances of their own: the template's index copy is none of theirs.
        db.session.execute(IndexReplica.__table__.delete())
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return folder


@pytest.fixture(scope="session")
def demo_instance(base_instance, tmp_path_factory) -> Path:
    """An instance with the demo data loaded and indexed."""
    from kb.demo.services import load_demo
    from kb.search.services import sync

    folder = tmp_path_factory.mktemp("demo-instance")
    shutil.rmtree(folder)
    _copy_instance(base_instance, folder)
    app = make_app(folder)
    with app.app_context():
        load_demo()
        db.session.commit()
        sync()
        db.session.remove()
        db.engine.dispose()
    return folder


def _app_from(template: Path, tmp_path: Path):
    folder = tmp_path / "instance"
    _copy_instance(template, folder)
    app = make_app(folder)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(base_instance, tmp_path):
    """An initialised app with no practices or resolutions."""
    yield from _app_from(base_instance, tmp_path)


@pytest.fixture
def demo_app(demo_instance, tmp_path):
    """An app with the demo data loaded and indexed."""
    yield from _app_from(demo_instance, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def teacher_client(app, make_user):
    """A signed-in teacher's client, forms posted without CSRF tokens."""
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def seeds_dir() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent: seed tests need the shared folder beside the repository")
    return SEEDS


@pytest.fixture
def make_practice(app):
    """Create a practice (published by default), commit and apply it to the index; returns its id."""
    from kb.practices.models import Practice, PracticeAuthor
    from kb.search.services import sync
    from kb.timeutil import utcnow
    from kb.vocabularies.models import EducationLevel, Subject, Topic

    def factory(title: str = "Тестовая практика", status: str = "published", **fields) -> int:
        levels = fields.pop("levels", ["primary"])
        subjects = fields.pop("subjects", ["mathematics"])
        topics = fields.pop("topics", ["research_projects"])
        authors = fields.pop("authors", [("Иванова Анна Петровна", "учитель начальных классов")])
        fields.setdefault("annotation", "Описание практики для проверки поиска.")
        fields.setdefault("region_code", "RU-CHE")
        fields.setdefault("year", 2020)
        practice = Practice(
            title=title, status=status,
            levels=[db.session.get(EducationLevel, c) for c in levels],
            subjects=[db.session.get(Subject, c) for c in subjects],
            topics=[db.session.get(Topic, c) for c in topics],
            authors=[PracticeAuthor(position_index=i, name=n, position=p) for i, (n, p) in enumerate(authors)],
            published_at=utcnow() if status == "published" else None,
            **fields,
        )
        db.session.add(practice)
        db.session.commit()
        sync()
        return practice.id

    return factory


PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_user(app):
    """Create a user and return its id: make_user("methodist", scope_region="RU-CHE")."""
    from kb.accounts.services import create_user

    counter = iter(range(1, 1000))

    def factory(role: str = "teacher", email: str | None = None, region: str | None = "RU-CHE",
                scope_region: str | None = None, scope_organisation: str | None = None) -> int:
        with app.app_context():
            user = create_user(email or f"{role}{next(counter)}@example.org", f"Тестовый {role}", PASSWORD,
                               role=role, region_code=region, scope_region_code=scope_region,
                               scope_organisation=scope_organisation)
            db.session.commit()
            return user.id

    return factory


def client_of(app, users: dict, who: str):
    """A test client of ``app`` signed in as ``users[who]`` (an account id); «anonymous» signs in no one."""
    client = app.test_client()
    if who != "anonymous":
        sign_in(client, users[who])
    return client


def sign_in(client, user_id: int) -> None:
    """Put a user in the test client's session, as a successful login does."""
    from kb.accounts.models import User

    with client.application.app_context():
        token = db.session.get(User, user_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


def csrf_from(client, url: str) -> str:
    """The CSRF token of the first form on a page."""
    import re

    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def make_token(app):
    """Create an API token for a user and return its secret: make_token(user_id)."""
    from kb.accounts.models import User
    from kb.accounts.tokens import create_token

    def factory(user_id: int, name: str = "Тестовый токен") -> str:
        with app.app_context():
            _token, secret = create_token(db.session.get(User, user_id), name)
            db.session.commit()
            return secret

    return factory


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header of an API request with this token."""
    return {"Authorization": f"Bearer {secret}"}


def wait_until_blocked_on_lock(connection, attempts: int = 200, pause: float = 0.05) -> bool:
    """Wait until some session of this PostgreSQL database waits for a row lock (a request in another thread
    blocked by `connection`'s open transaction); True once it does, False after `attempts` checks."""
    import time

    for _ in range(attempts):
        if connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND wait_event_type = 'Lock'").fetchone()[0]:
            return True
        time.sleep(pause)
    return False
