"""flask backup → one archive; flask restore onto an empty instance reproduces the bank (SQLite and PostgreSQL)."""

import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice, PracticeVersion
from kb.resolutions.models import Recommendation
from tests.conftest import csrf_from, make_app
from tests.test_postgres import pg_url  # noqa: F401  (fixture)


def _fingerprint(app) -> dict:
    with app.app_context():
        client = app.test_client()
        return {
            "practices": db.session.scalar(select(func.count()).select_from(Practice)),
            "published": db.session.scalar(select(func.count()).where(Practice.status == "published")),
            "recommendations": db.session.scalar(select(func.count()).select_from(Recommendation)),
            "users": sorted(db.session.scalars(select(User.email))),
            "versions": db.session.scalar(select(func.count()).select_from(PracticeVersion)),
            "titles": sorted(db.session.scalars(select(Practice.title))),
            # Equal scores may come in another order from a rebuilt index: compare the set of hits.
            "search": sorted(r["id"] for r in client.get("/api/v1/search", query_string={"q": "олимпиада"},
                                                         ).json["results"]),
        }


def _edit_something(app):
    from kb.practices.services import PracticeData, update_practice

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == "admin"))
        practice = db.session.scalar(select(Practice).where(Practice.status == "published").limit(1))
        update_practice(admin, practice, PracticeData(title=practice.title + " (ред.)", sections={}, authors=[]))
        db.session.commit()
    uploads = Path(app.config["UPLOAD_DIR"], "ab")
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "file.bin").write_bytes(b"attachment bytes")


def _round_trip(demo_app, tmp_path, target_url=None):
    _edit_something(demo_app)
    archive = tmp_path / "bank.tar.gz"
    result = demo_app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert result.exit_code == 0, result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "db/practice.jsonl" in names and "uploads/ab/file.bin" in names
    assert not any(n.startswith("index") for n in names), "the index is not backed up"

    overrides = {"SQLALCHEMY_DATABASE_URI": target_url} if target_url else {}
    fresh = make_app(tmp_path / "fresh", **overrides)
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    restored = runner.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Индекс перестроен" in restored.output
    assert _fingerprint(fresh) == _fingerprint(demo_app)
    assert (tmp_path / "fresh" / "uploads" / "ab" / "file.bin").read_bytes() == b"attachment bytes"
    assert runner.invoke(args=["check-index"]).exit_code == 0
    login = fresh.test_client()
    response = login.post("/login", data={"email": "admin@demo.example", "password": "demo-admin-pass",
                                          "csrf_token": csrf_from(login, "/login")})
    assert response.status_code == 302, "accounts and password hashes survive"
    again = runner.invoke(args=["restore", str(archive)])
    assert again.exit_code == 1 and "База не пуста" in again.output
    with fresh.app_context():
        highest = db.session.scalar(select(func.max(Practice.id)))
        new = Practice(title="После восстановления", status="draft")
        db.session.add(new)
        db.session.commit()
        assert new.id > highest, "ids continue after the restored ones"
        db.session.remove()
        db.engine.dispose()


def test_backup_restore_round_trip_sqlite(demo_app, tmp_path):
    _round_trip(demo_app, tmp_path)


@pytest.mark.postgres
def test_backup_from_sqlite_restores_onto_postgresql(demo_app, tmp_path, pg_url):  # noqa: F811
    _round_trip(demo_app, tmp_path, pg_url)


@pytest.mark.parametrize("payload", [b"not an archive", b""])
def test_restore_refuses_bad_archives(app, tmp_path, payload):
    bad = tmp_path / "bad.tar.gz"
    bad.write_bytes(payload)
    result = app.test_cli_runner().invoke(args=["restore", str(bad)])
    assert result.exit_code == 1
    assert "Не удалось открыть архив" in result.output


def test_restore_refuses_path_traversal(app, tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    result = app.test_cli_runner().invoke(args=["restore", str(evil)])
    assert result.exit_code == 1 and "недопустимый путь" in result.output
    assert not (tmp_path.parent / "escape.txt").exists()
