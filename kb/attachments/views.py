"""Uploading, downloading and removing a practice's files."""

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_login import current_user, login_required

from kb.attachments import services
from kb.attachments.extract import KINDS, AttachmentError
from kb.attachments.models import Attachment
from kb.attachments.storage import storage
from kb.errors import error_response
from kb.extensions import db
from kb.practices import policy
from kb.practices.services import PermissionDenied, get_visible_practice

bp = Blueprint("attachments", __name__)


@bp.post("/practices/<int:practice_id>/attachments")
@login_required
def upload(practice_id: int):
    practice = get_visible_practice(practice_id, current_user) or abort(404)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash("Выберите файл.", "error")
    for upload_file in files:
        data = upload_file.read()
        try:
            attachment = services.add_attachment(current_user, practice, upload_file.filename, data)
        except PermissionDenied:
            abort(403)
        except services.FileTooLarge as exc:
            db.session.rollback()
            return error_response(413, f"«{services.clean_filename(upload_file.filename)}»: {exc}")
        except AttachmentError as exc:
            db.session.rollback()
            flash(f"«{services.clean_filename(upload_file.filename)}»: {exc}", "error")
            continue
        db.session.commit()
        words = len(attachment.text.split())
        flash(f"Файл «{attachment.original_name}» приложен" + (f" (слов в тексте: {words})." if words else
                                                               ", но текста в нём не найдено."), "success")
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="files"))


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
def download(attachment_id: int, filename: str):
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    if not policy.can_view(current_user, attachment.practice):
        abort(404)
    path = storage().path(attachment.sha256)
    if not path.is_file():
        abort(404)
    services.count_download(attachment)
    db.session.commit()
    # send_file writes Content-Disposition per RFC 6266: an ASCII fallback plus filename*=UTF-8''…
    return send_file(path, mimetype=KINDS[attachment.kind][1], as_attachment=True,
                     download_name=attachment.original_name, max_age=0)


@bp.post("/attachments/<int:attachment_id>/delete")
@login_required
def delete(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    practice_id = attachment.practice_id
    if not policy.can_view(current_user, attachment.practice):
        abort(404)
    try:
        services.remove_attachment(current_user, attachment)
    except PermissionDenied:
        abort(403)
    db.session.commit()
    flash("Файл удалён.", "success")
    return redirect(url_for("practices.detail", practice_id=practice_id, _anchor="files"))
