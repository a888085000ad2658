"""Fixtures: an app on a temporary instance (SQLite file + index), with or without demo data.

Migrations and the demo load run once per session into template folders; each test gets a copy.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kb import create_app
from kb.extensions import db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"


def pytest_collection_modifyitems(config, items):
    """KB_SKIP_SLOW=1 skips the benchmark-like tests (CI runs them)."""
    if os.environ.get("KB_SKIP_SLOW") == "1":
        skip = pytest.mark.skip(reason="KB_SKIP_SLOW=1")
        for item in items:
            if "slow" in item.keywords:
                item.add_marker(skip)


def make_app(instance: Path, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'kb.sqlite3'}",
        "INDEX_DIR": str(instance / "index"),
        "UPLOAD_DIR": str(instance / "uploads"),
        # Still scrypt, at a cost that keeps the suite fast; test_accounts checks the default strength.
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    }
    config.update(overrides)
    instance.mkdir(parents=True, exist_ok=True)
    return create_app(config)


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

    folder = tmp_path_factory.mktemp("base-instance")
    app = make_app(folder)
    with app.app_context():
        initialise()
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
