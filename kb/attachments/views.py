"""Uploading, downloading and removing a practice's files."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.attachments import services
from kb.attachments.extract import AttachmentError
from kb.attachments.models import Attachment
from kb.duplicates import services as duplicates
from kb.extensions import db
from kb.practices import policy
from kb.practices.services import PermissionDenied, get_visible_practice

bp = Blueprint("attachments", __name__)


@bp.post("/practices/<int:practice_id>/attachments")
@login_required
def upload(practice_id: int):
    practice = get_visible_practice(practice_id, current_user) or abort(404)
    files = [(services.sent_filename(f), f.read()) for f in request.files.getlist("files") if f and f.filename]
    confirmed = request.form.get("confirm_sha256", "")  # «Всё равно приложить»: a file already in the bank
    if confirmed:
        data = duplicates.stored_copy(current_user, confirmed)
        files = [(request.form.get("confirm_name", ""), data)] if data is not None else []
        if data is None:
            flash("Этого файла в банке больше нет: загрузите его снова.", "error")
    elif not files:
        flash("Выберите файл.", "error")
    held = []  # files already in the bank: shown for confirmation, not attached yet
    for filename, data in files:
        if not confirmed and (found := duplicates.before_upload(current_user, practice, filename, data)):
            held.append((services.clean_filename(filename), duplicates.digest_of(data), found))
            continue
        try:
            attachment = services.add_attachment(current_user, practice, filename, data)
        except PermissionDenied:
            abort(403)
        except AttachmentError as exc:  # too large too: the others of the same upload are still attached
            db.session.rollback()
            flash(f"«{services.clean_filename(filename)}»: {exc}", "error")
            continue
        db.session.commit()
        flash(*services.attached_message(attachment))
    if held:
        return render_template("practices/_duplicates_upload.html", practice=practice, held=held)
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="files"))


@bp.get("/attachments/<int:attachment_id>/<path:filename>")
def download(attachment_id: int, filename: str):
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    # The name is part of the link: a link to a removed file must not download another that got its id.
    if filename != attachment.original_name or not policy.can_view(current_user, attachment.practice):
        abort(404)
    return services.download(attachment) or abort(404)


@bp.route("/attachments/<int:attachment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(attachment_id: int):
    attachment = db.session.get(Attachment, attachment_id) or abort(404)
    practice_id = attachment.practice_id
    if not policy.can_view(current_user, attachment.practice):
        abort(404)
    if request.method == "GET":  # the question first: a removed file cannot be brought back
        if not policy.can_edit(current_user, attachment.practice):
            abort(403)
        return render_template("attachments/delete.html", attachment=attachment, practice=attachment.practice)
    try:
        services.remove_attachment(current_user, attachment)
    except PermissionDenied:
        abort(403)
    db.session.commit()
    flash("Файл удалён.", "success")
    return redirect(url_for("practices.detail", practice_id=practice_id, _anchor="files"))
