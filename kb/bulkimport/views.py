"""The bulk import page for methodists and administrators: upload, check (dry run), confirm, progress, result."""

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user

from kb.accounts.access import moderator_required
from kb.bulkimport import jobs, services, staging
from kb.bulkimport.archive import ArchiveError
from kb.bulkimport.forms import ConfirmForm, ImportForm
from kb.bulkimport.registry import RegistryError, read_registry, template_csv, template_ods, template_xlsx
from kb.errors import error_response
from kb.extensions import db

bp = Blueprint("bulkimport", __name__, url_prefix="/import/practices")

DEFAULT_MAX_REGISTRY_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_ARCHIVE_BYTES = 100 * 1024 * 1024


def _limit(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} МБ"


def _read(upload, limit: int) -> bytes | None:
    """The uploaded bytes, or None when they exceed ``limit`` (read no further than that)."""
    data = upload.stream.read(limit + 1)
    return None if len(data) > limit else data


def _run(staged: staging.Staged, dry_run: bool) -> services.ImportReport:
    registry = read_registry(staged.registry_path.read_bytes(), services.max_rows(), staged.registry_name)
    archive = services.open_archive(staged.archive_path)
    try:
        return services.run_import(current_user, registry, archive, dry_run=dry_run, publish=staged.publish)
    finally:
        if archive is not None:
            archive.close()


def _form_page(form: ImportForm, status: int = 200):
    return render_template("bulkimport/upload.html", form=form, max_rows=services.max_rows()), status


@bp.route("", methods=["GET", "POST"])
@moderator_required
def upload():
    form = ImportForm()
    if not form.validate_on_submit():
        return _form_page(form, 400 if form.is_submitted() else 200)
    registry_limit = _limit("BULK_IMPORT_MAX_REGISTRY_BYTES", DEFAULT_MAX_REGISTRY_BYTES)
    registry = _read(form.registry.data, registry_limit)
    if registry is None:
        return error_response(413, f"Файл реестра больше {_megabytes(registry_limit)}: разделите его на части.")
    archive = form.attachments.data.stream if form.attachments.data else None
    archive_name = (form.attachments.data.filename or "files.zip") if archive is not None else ""
    archive_limit = _limit("BULK_IMPORT_MAX_ARCHIVE_BYTES", DEFAULT_MAX_ARCHIVE_BYTES)
    try:
        staged = staging.stage(current_user.id, form.registry.data.filename or "реестр", registry, archive_name,
                               archive, form.publish.data, archive_limit)
    except staging.TooLarge:
        return error_response(413, f"Архив с файлами больше {_megabytes(archive_limit)}: разделите его на части.")
    try:
        report = _run(staged, dry_run=True)
    except (RegistryError, ArchiveError) as exc:
        staging.discard(staged)
        (form.registry if isinstance(exc, RegistryError) else form.attachments).errors.append(str(exc))
        return _form_page(form, 400)
    finally:
        db.session.rollback()  # a dry run writes nothing
    staging.save_check(staged, services.report_data(report))
    return render_template("bulkimport/report.html", report=report, staged=staged, form=ConfirmForm())


@bp.post("/<token>")
@moderator_required
def confirm(token: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        return error_response(400, "Форма устарела: загрузите реестр ещё раз.")
    staged = staging.load(token, current_user.id) or abort(404)
    if not staged.registry_path.is_file() and not staging.claimed(staged):
        abort(404)
    if staging.claim(staged):
        jobs.ProgressWriter(staged).queued()
        db.session.rollback()  # the request holds no read transaction while the import writes
        jobs.start(current_app._get_current_object(), staged.token)
    else:
        flash("Импорт этого реестра уже запущен: ниже — его ход.", "info")
    return redirect(url_for("bulkimport.progress", token=staged.token), 303)


NO_SUCH_IMPORT = ("Такой загрузки нет: её ход и итог хранятся сутки и видны только загрузившему реестр и "
                  "администраторам.")


def _progress_or_404(token: str) -> tuple[staging.Staged, jobs.Progress]:
    """The upload and its import's progress, for the uploader or an administrator only (another's is not found, as
    an unknown one: 404 either way)."""
    staged = staging.find(token)
    if staged is None or not (staged.user_id == current_user.id or current_user.is_admin):
        abort(404, NO_SUCH_IMPORT)
    return staged, jobs.read_progress(staged) or abort(404, NO_SUCH_IMPORT)


@bp.get("/<token>/progress")
@moderator_required
def progress(token: str):
    staged, state = _progress_or_404(token)
    report = state.import_report() if state.state == "done" else None
    interrupted = state.interrupted()
    return render_template("bulkimport/progress.html", staged=staged, progress=state, report=report,
                           interrupted=interrupted, running=not state.finished and not interrupted)


@bp.get("/<token>/progress.json")
@moderator_required
def progress_state(token: str):
    """The progress page's numbers for static/bulkimport.js, which updates the page in place while the import
    runs and opens the result (the same page) once it is over. Its errors (404, 403, 401 once signed out) are
    problem details in JSON, as the API's (kb.errors), so that the script can say what happened and stop."""
    _, state = _progress_or_404(token)
    interrupted = state.interrupted()
    response = jsonify(state=state.state, finished=state.finished, interrupted=interrupted, total=state.total,
                       done=state.done, headline=state.headline(), counts=state.counts())
    response.cache_control.no_store = True
    return response


def _report_csv(report: services.ImportReport, name: str) -> Response:
    return Response(services.report_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})


@bp.get("/<token>/check.csv")
@moderator_required
def check_csv(token: str):
    """The check's rows and outcomes, for the uploader (who alone sees the check)."""
    staged = staging.load(token, current_user.id) or abort(404)
    data = staging.read_check(staged) or abort(404)
    return _report_csv(services.report_from_data(data, dry_run=True), "import-check.csv")


@bp.get("/<token>/result.csv")
@moderator_required
def result_csv(token: str):
    """The import's rows and outcomes, for whoever may see its result page."""
    _, state = _progress_or_404(token)
    report = (state.import_report() if state.state == "done" else None) or abort(404)
    return _report_csv(report, "import-result.csv")


@bp.get("/template.csv")
@moderator_required
def template_csv_file():
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=practices-template.csv"})


@bp.get("/template.xlsx")
@moderator_required
def template_xlsx_file():
    return Response(template_xlsx(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=practices-template.xlsx"})


@bp.get("/template.ods")
@moderator_required
def template_ods_file():
    return Response(template_ods(), mimetype="application/vnd.oasis.opendocument.spreadsheet",
                    headers={"Content-Disposition": "attachment; filename=practices-template.ods"})
