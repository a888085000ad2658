"""Home page and health check."""

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import func, select, text

from indexer import IndexUnavailable
from kb.extensions import db, limiter
from kb.practices.models import Practice
from kb.practices.services import latest_published
from kb.resolutions.models import Resolution
from kb.schema import SCHEMA_BEHIND, checked_schema_behind
from kb.search import outbox, rebuilding
from kb.search.repair import repair_later
from kb.search.services import searchable_index
from kb.vocabularies.services import browse_counts

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    practices = db.session.scalar(select(func.count()).select_from(Practice).where(Practice.status == "published"))
    resolutions = db.session.scalar(
        select(func.count()).select_from(Resolution).where(Resolution.status == "published")
    )
    return render_template(
        "main/home.html",
        practice_count=practices,
        resolution_count=resolutions,
        latest=latest_published(6),
        topics=browse_counts("topic")[:12],
    )


@bp.get("/privacy")
def privacy():
    """«Персональные данные»: what the bank keeps about a user, why, who sees it, how long, how to delete it."""
    from kb.accounts.mail import support_address

    return render_template("main/privacy.html", support_email=support_address())


@bp.get("/healthz")
def healthz():
    status = {"status": "ok", "database": "ok", "schema": "ok", "index": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        if (revision := checked_schema_behind(max_age=0)) is not None:  # the code updated, `init` not run yet
            status.update(status="error", schema=f"behind (revision {revision}): {SCHEMA_BEHIND}")
        pending, waited = outbox.pending_summary(current_app.config["INDEX_DIR"])
        # A stopped index writer does not make the site unhealthy (pages and search answer, from an index
        # that grows stale): monitoring reads "index_writer" to raise the alarm.
        status.update(pending_changes=pending, oldest_pending_seconds=round(waited),
                      index_writer="ok" if waited < current_app.config["INDEX_WRITER_LAG_ALERT"] else "behind")
    except Exception as exc:  # report, never raise: this is what monitoring reads
        status.update(status="error", database=f"error: {exc.__class__.__name__}")
    try:
        status["documents"] = searchable_index().doc_count()
    except (IndexUnavailable, OSError) as exc:
        status.update(status="error", index=f"error: {exc.__class__.__name__}")
        repair_later(exc)
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        # Redis stopped does not make the site unhealthy (each process counts limits in its own memory meanwhile,
        # so with N workers a limit lets N times as much through): monitoring reads "rate_limits".
        status["rate_limits"] = "ok" if _storage_answers() else "unreachable: counted in each process's memory"
    if (progress := rebuilding.current(current_app.config["INDEX_DIR"])) is not None:
        status["rebuild"] = progress.to_json()  # reindex, restore or a repair, running now
    return jsonify(status), 200 if status["status"] == "ok" else 503


def _storage_answers() -> bool:
    try:
        return bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - a storage that cannot even be asked does not answer
        return False
