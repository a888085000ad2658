"""The confirmed web import, run in the background, and its progress file.

The view claims the staged upload (an atomic marker file, so one import per upload), writes a first
progress file and starts a thread with its own app context and database session. The thread runs the
same ``run_import`` the command uses and rewrites ``progress.json`` in the upload's staging folder as rows
are done (a temporary file moved over it with ``os.replace``: a reader never sees half a file). The folder
is in the instance, so every gunicorn worker serves the progress page of an import another one runs.

The import commits every ``COMMIT_EVERY`` rows (short write transactions: the site stays readable on
SQLite). A progress file that stopped changing while unfinished means the process running the import
died: the page calls it interrupted; the rows committed before stay, and the same registry can be run
again (rows are matched by their external id).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, current_app

from kb.bulkimport import services, staging
from kb.bulkimport.archive import ArchiveError
from kb.bulkimport.registry import RegistryError, read_registry
from kb.bulkimport.services import ImportReport, RowResult
from kb.extensions import db
from kb.templating import plural

PROGRESS = "progress.json"
WRITE_EVERY_SECONDS = 0.5
DEFAULT_STALE_SECONDS = 10 * 60
COMMIT_EVERY = 100  # rows per transaction
INTERNAL_ERROR = ("загрузка прервалась из-за внутренней ошибки. Строки до неё могли быть записаны: загрузите тот "
                  "же файл ещё раз — по внешнему идентификатору они обновятся, а не создадутся заново.")


def progress_path(staged: staging.Staged) -> Path:
    return staged.folder / PROGRESS


def _write(path: Path, state: dict) -> None:
    state["updated_at"] = time.time()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state, out, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Progress:
    """What the progress page shows: rows done of the total, counts so far, and the report at the end."""

    state: str = "queued"  # queued | running | done | failed
    total: int | None = None
    done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    error: str = ""
    updated_at: float = 0.0
    report: dict | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def interrupted(self, now: float | None = None) -> bool:
        """Unfinished and not updated for the configured time: the process running it is gone."""
        limit = float(current_app.config.get("BULK_IMPORT_STALE_SECONDS", DEFAULT_STALE_SECONDS))
        return not self.finished and (now if now is not None else time.time()) - self.updated_at > limit

    def headline(self) -> str:
        """«Обработано 2 из 3 строк», or what is done before the rows are counted."""
        if self.total is None:
            return "Подготовка к загрузке: реестр читается…"
        return f"Обработано {self.done} из {self.total} {plural(self.total, 'строки', 'строк', 'строк')}"

    def counts(self) -> str:
        """The rows done so far by outcome; empty before the rows are counted."""
        if self.total is None:
            return ""
        return (f"Пока: создано {self.created}, обновлено {self.updated}, без изменений {self.unchanged}, "
                f"с ошибками {self.failed}.")

    def import_report(self) -> ImportReport | None:
        return services.report_from_data(self.report, dry_run=False) if self.report is not None else None


def read_progress(staged: staging.Staged) -> Progress | None:
    """The upload's progress; None when its import was never started. A claimed upload whose first progress
    file is not there yet (or unreadable) counts as queued since the claim."""
    try:
        data = json.loads(progress_path(staged).read_text(encoding="utf-8"))
        fields = Progress.__dataclass_fields__
        return Progress(**{key: value for key, value in data.items() if key in fields})
    except (OSError, ValueError, TypeError):
        claimed_at = staging.claimed_at(staged)
        return Progress(updated_at=claimed_at) if claimed_at is not None else None


class ProgressWriter:
    """Keeps the progress file of one import up to date (at most every half second, and at each state change)."""

    def __init__(self, staged: staging.Staged):
        self.path = progress_path(staged)
        self.progress = Progress()
        self.last_write = 0.0

    def _save(self) -> None:
        state = asdict(self.progress)
        _write(self.path, state)
        self.progress.updated_at = state["updated_at"]
        self.last_write = time.monotonic()

    def queued(self) -> None:
        self._save()

    def start(self, total: int) -> None:
        self.progress.state, self.progress.total = "running", total
        self._save()

    def row(self, result: RowResult) -> None:
        progress = self.progress
        progress.done += 1
        if result.failed:
            progress.failed += 1
        elif result.action == "create":
            progress.created += 1
        elif result.action == "update":
            progress.updated += 1
        else:
            progress.unchanged += 1
        if time.monotonic() - self.last_write >= WRITE_EVERY_SECONDS:
            self._save()

    def finish(self, report: ImportReport) -> None:
        self.progress.state = "done"
        self.progress.report = services.report_data(report)
        self._save()

    def fail(self, message: str) -> None:
        self.progress.state, self.progress.error = "failed", message
        self._save()


def run(app: Flask, token: str) -> None:
    """Import a claimed upload (in its own app context and session) and record the progress as it goes."""
    from indexer import IndexUnavailable
    from kb.accounts.models import User
    from kb.search.repair import repair_later
    from kb.search.services import sync

    with app.app_context():
        staged = staging.find(token)
        if staged is None:
            return
        writer = ProgressWriter(staged)
        try:
            user = db.session.get(User, staged.user_id)
            if not services.can_import(user):
                writer.fail("Загружать реестры могут только методисты и администраторы.")
                return
            registry = read_registry(staged.registry_path.read_bytes(), services.max_rows(), staged.registry_name)
            writer.start(len(registry.rows))
            archive = services.open_archive(staged.archive_path)
            try:
                report = services.run_import(user, registry, archive, dry_run=False, publish=staged.publish,
                                             on_row=writer.row, commit_every=COMMIT_EVERY)
            finally:
                if archive is not None:
                    archive.close()
            db.session.commit()
        except (RegistryError, ArchiveError) as exc:
            db.session.rollback()
            writer.fail(str(exc))
            return
        except Exception:
            db.session.rollback()
            app.logger.exception("Bulk import %s failed", token)
            writer.fail(INTERNAL_ERROR)
            return
        finally:
            staging.drop_files(staged)
        writer.finish(report)
        if app.config.get("INDEX_SYNC_AFTER_REQUEST", True):
            try:
                sync()
            except IndexUnavailable as exc:
                app.logger.warning("Index unavailable; the imported practices wait in the outbox", exc_info=True)
                repair_later(exc)


def start(app: Flask, token: str) -> threading.Thread:
    """Run the import of a claimed upload in a background thread (named after the upload)."""
    thread = threading.Thread(target=run, args=(app, token), name=f"bulkimport-{token}", daemon=True)
    thread.start()
    return thread
