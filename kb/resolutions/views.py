"""Resolution list and pages, a permalink for every recommendation, the web import with its preview, and the
links between practices and the recommendations they answer."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.accounts.access import moderator_required
from kb.accounts.services import record
from kb.errors import error_response, keeps_text_on_csrf_failure
from kb.extensions import db
from kb.oai.records import deleted_for_good, recommendation_deleted_for_good
from kb.practices import policy
from kb.practices.services import PermissionDenied, get_visible_practice
from kb.resolutions import services, staging
from kb.resolutions.forms import (
    LinkRecommendationsForm,
    ResolutionEditForm,
    ResolutionPreviewForm,
    UploadForm,
    revision_of,
)
from kb.resolutions.parser import ResolutionFormatError
from kb.routing import bounded_ids, filter_arg, last_page_redirect, page_arg
from kb.vocabularies import data as vocabulary_data

bp = Blueprint("resolutions", __name__)
keeps_text_on_csrf_failure("resolutions.edit", ResolutionEditForm)
keeps_text_on_csrf_failure("resolutions.import_preview", ResolutionPreviewForm)


@bp.get("/resolutions")
def index():
    pagination = services.public_resolutions(page=page_arg(request.args), per_page=20)
    if back := last_page_redirect(pagination):
        return back
    return render_template("resolutions/index.html", pagination=pagination)


@bp.get("/resolutions/<int:resolution_id>")
def detail(resolution_id: int):
    resolution = services.get_visible_resolution(resolution_id, current_user)
    if resolution is None:
        abort(410 if deleted_for_good("resolution", resolution_id) else 404)
    return render_template("resolutions/detail.html", resolution=resolution,
                           regions=services.regions_host_first(resolution),
                           may_manage=services.can_manage_resolution(current_user, resolution))


def _managed(resolution_id: int):
    """A resolution the signed-in methodist or administrator may change (``can_manage_resolution``): 404 when there
    is none, 403 when it is another region's."""
    resolution = services.get_visible_resolution(resolution_id, current_user) or abort(404)
    if not services.can_manage_resolution(current_user, resolution):
        abort(403)
    return resolution


def _importer_required() -> None:
    if not services.can_import_resolutions(current_user):
        abort(403)


@bp.post("/resolutions/<int:resolution_id>/publish")
@moderator_required
def publish(resolution_id: int):
    resolution = _managed(resolution_id)
    services.publish_resolution(resolution)
    record("resolution_published", current_user, "resolution", resolution.id, details={"title": resolution.title})
    db.session.commit()
    flash("Резолюция опубликована.", "success")
    return redirect(url_for(".detail", resolution_id=resolution.id))


@bp.post("/resolutions/<int:resolution_id>/unpublish")
@moderator_required
def unpublish(resolution_id: int):
    resolution = _managed(resolution_id)
    if resolution.is_published:
        services.unpublish_resolution(resolution)
        record("resolution_unpublished", current_user, "resolution", resolution.id,
               details={"title": resolution.title})
        db.session.commit()
        flash("Резолюция снята с публикации и стала черновиком: читатели, поиск, карта сайта, OAI-PMH и API её "
              "больше не показывают. Опубликовать её можно снова.", "success")
    else:
        flash("Резолюция и так не опубликована.", "info")
    return redirect(url_for(".detail", resolution_id=resolution.id))


@bp.route("/resolutions/<int:resolution_id>/edit", methods=["GET", "POST"])
@moderator_required
def edit(resolution_id: int):
    resolution = _managed(resolution_id)
    if request.method == "GET":
        return _edit_page(ResolutionEditForm.from_resolution(resolution), resolution)
    form = ResolutionEditForm()
    if "add_recommendation" in request.form:  # (CSRFProtect has checked the token of every POST already)
        added = form.add_blank_recommendation()
        return _edit_page(form, resolution, status=200 if added else 400, added=added)
    if not form.validate_on_submit():
        return _edit_page(form, resolution, status=400)
    if form.revision.data != revision_of(resolution):
        form.revision.data = revision_of(resolution)
        return _edit_page(form, resolution, status=409, notice=(
            "Пока вы правили резолюцию, её изменил кто-то другой. Ниже — ваши правки; откройте резолюцию в другой "
            "вкладке, чтобы сравнить, и нажмите «Сохранить» ещё раз, если ваша версия верна."))
    items = form.edited_recommendations(vocabulary_data.classify_addressee)
    kept_ids = {item.id for item in items if item.id is not None}
    unconfirmed = [rec for rec in services.removed_with_links(resolution, kept_ids)
                   if rec.id not in form.confirmed_removal_ids()]
    if unconfirmed:  # a removed recommendation takes its practice links: ask first
        form.confirmed_removals.data = " ".join(
            str(rec.id) for rec in services.removed_with_links(resolution, kept_ids))
        return _edit_page(form, resolution, unlinking=services.removed_with_links(resolution, kept_ids))
    structure = form.structure(resolution.full_text, vocabulary_data.classify_addressee)
    report = services.update_resolution(resolution, structure, items)
    record("resolution_edited", current_user, "resolution", resolution.id, details={
        "title": resolution.title, "added": report.added, "removed": [rec.number for rec in report.removed],
        "unlinked_practices": report.unlinked_practices})
    db.session.commit()
    message = "Изменения сохранены."
    if report.removed:
        message += f" Удалено рекомендаций: {len(report.removed)}"
        if report.unlinked:  # the number only to whom sees all those practices: it would count hidden drafts
            count = services.count_if_all_visible(report.unlinked, current_user)
            message += ", вместе с ними удалены их связи с практиками" + (f" ({count})" if count is not None else "")
        message += "."
    flash(message, "success")
    return redirect(url_for(".detail", resolution_id=resolution.id))


def _edit_page(form: ResolutionEditForm, resolution, status: int = 200, notice: str = "", unlinking=(),
               added: bool | None = None):
    """The edit form; after «Добавить рекомендацию» (``added``), the page opens at the new recommendation with the
    focus in its first field (or, when the list is full, on the button beside the message)."""
    addressees = list(dict.fromkeys([r.addressee for r in resolution.recommendations if r.addressee]
                                    + [label for _, label in form.addressee_types]))
    return render_template("resolutions/edit.html", form=form, resolution=resolution, addressees=addressees,
                           notice=notice, unlinking=unlinking, **_added(form, added)), status


def _added(form: ResolutionPreviewForm, added: bool | None) -> dict:
    """What the form template says after «Добавить рекомендацию»: the index of the new recommendation, or that
    the list is full."""
    return {"added_index": len(form.recommendations) - 1 if added else None, "add_refused": added is False}


@bp.route("/resolutions/<int:resolution_id>/delete", methods=["GET", "POST"])
@moderator_required
def delete(resolution_id: int):
    resolution = _managed(resolution_id)
    if request.method == "GET":  # the question first: a deletion cannot be undone
        return render_template("resolutions/delete.html", resolution=resolution,
                               effects=services.deletion_effects(resolution, current_user))
    title = resolution.title
    record("resolution_deleted", current_user, "resolution", resolution.id,
           details={"title": title, "status": resolution.status})
    services.delete_resolution(resolution)
    db.session.commit()
    flash(f"Резолюция «{title}» удалена.", "success")
    return redirect(url_for(".import_upload"))


@bp.get("/recommendations/<int:recommendation_id>")
def recommendation(recommendation_id: int):
    """The permalink of a recommendation: its place on its resolution's page, for whoever may see that page (a
    draft's to methodists and administrators); 410 once its resolution was deleted, as the resolution's page."""
    rec = services.get_visible_recommendation(recommendation_id, current_user)
    if rec is None:
        abort(410 if recommendation_deleted_for_good(recommendation_id) else 404)
    return redirect(url_for(".detail", resolution_id=rec.resolution_id, _anchor=rec.anchor))


# --------------------------------------------------------------------------------------------------
# Import from the web: upload → preview with corrections → save


def _upload_page(form: UploadForm, status: int = 200, existing=None):
    return render_template("resolutions/import.html", form=form, existing=existing, may_manage_existing=(
        existing is not None and services.can_manage_resolution(current_user, existing)),
        drafts=services.draft_resolutions()), status


@bp.route("/resolutions/import", methods=["GET", "POST"])
@moderator_required
def import_upload():
    _importer_required()
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 400 if form.is_submitted() else 200)
    upload = form.file.data
    data = upload.stream.read(staging.MAX_FILE_SIZE + 1)
    try:
        staged = staging.stage_upload(upload.filename, data, current_user.id)
    except staging.ResolutionFileTooLarge as exc:
        return error_response(413, str(exc))
    except ResolutionFormatError as exc:
        form.file.errors = [str(exc)]
        return _upload_page(form, 422)
    existing = services.find_imported(staged.parsed.full_text)
    if existing is not None:
        staging.discard(staged.token)
        return _upload_page(UploadForm(formdata=None), 200, existing=existing)
    return redirect(url_for(".import_preview", token=staged.token))


@bp.route("/resolutions/import/<token>", methods=["GET", "POST"])
@moderator_required
def import_preview(token: str):
    _importer_required()
    staged = staging.load_staged(token, current_user.id)
    if staged is None:
        flash("Загруженный файл не найден или устарел: загрузите его ещё раз.", "error")
        return redirect(url_for(".import_upload"))
    try:
        parsed = services.parse_resolution_text(staged.text)
    except ResolutionFormatError as exc:  # kept before its limits were checked at upload: it can only go
        staging.discard(staged.token)
        flash(f"{exc} Загрузка отменена, ничего не сохранено.", "error")
        return redirect(url_for(".import_upload"))
    if request.method == "GET":
        form = ResolutionPreviewForm.from_parsed(parsed, staged.filename)
        return _preview_page(form, staged, parsed)
    form = ResolutionPreviewForm()
    if "cancel_import" in request.form:  # the question first, over the corrections as sent: none is lost by a click
        return _preview_page(form, staged, parsed, cancel_asked=True)
    if "add_recommendation" in request.form:  # (CSRFProtect has checked the token of every POST already)
        added = form.add_blank_recommendation()
        return _preview_page(form, staged, parsed, 200 if added else 400, added=added)
    if not form.validate_on_submit():
        return _preview_page(form, staged, parsed, 400)
    structure = form.structure(parsed.full_text, vocabulary_data.classify_addressee)
    report = services.save_resolution(structure, staged.filename, publish=form.publish.data, user=current_user,
                                      detected=parsed)
    record("resolution_imported", current_user, "resolution", report.resolution.id,
           details={"file": staged.filename, "created": report.created, "status": report.resolution.status})
    db.session.commit()
    staging.discard(staged.token)
    resolution = report.resolution
    if not report.created:
        flash("Эта резолюция уже была загружена — открыта имеющаяся. Исправить её сведения и рекомендации можно "
              "кнопкой «Изменить».", "info")
    else:
        state = "опубликована" if resolution.is_published else "сохранена как черновик (видят методисты)"
        flash(f"Резолюция {state}: рекомендаций {len(resolution.recommendations)}.", "success")
    return redirect(url_for(".detail", resolution_id=resolution.id))


def _preview_page(form: ResolutionPreviewForm, staged: staging.StagedUpload, parsed, status: int = 200,
                  added: bool | None = None, cancel_asked: bool = False):
    addressees = list(dict.fromkeys(
        [r.addressee for r in parsed.recommendations if r.addressee] + [label for _, label in form.addressee_types]))
    return render_template("resolutions/preview.html", form=form, staged=staged, warnings=parsed.warnings,
                           addressees=addressees, cancel_asked=cancel_asked, **_added(form, added)), status


@bp.post("/resolutions/import/<token>/cancel")
@moderator_required
def import_cancel(token: str):
    if staging.load_staged(token, current_user.id) is not None:
        staging.discard(token)
    flash("Загрузка отменена, ничего не сохранено.", "info")
    return redirect(url_for(".import_upload"))


# --------------------------------------------------------------------------------------------------
# Practices ↔ recommendations


def _linkable_practice(practice_id: int):
    practice = get_visible_practice(practice_id, current_user) or abort(404)
    if not policy.can_link_recommendations(current_user, practice):
        abort(403)
    return practice


@bp.route("/practices/<int:practice_id>/recommendations", methods=["GET", "POST"])
@login_required
def link(practice_id: int):
    practice = _linkable_practice(practice_id)
    form = LinkRecommendationsForm()
    query = filter_arg(request.args, "words")  # not "q": that is the site-wide search box
    if request.method == "POST":  # CSRFProtect has checked the token
        ids = bounded_ids(form.recommendations.data)
        if not ids and query:  # from the search page: the same results again, the message beside them
            form.recommendations.errors = ["Отметьте хотя бы одну рекомендацию в списке."]
            return _link_page(practice, form, query, 400)
        if not ids:
            flash("Выберите хотя бы одну рекомендацию.", "error")
        else:
            try:
                added = services.link_recommendations(current_user, practice, ids)
            except PermissionDenied:
                abort(403)
            db.session.commit()
            flash(f"Связано рекомендаций: {added}." if added else "Эти рекомендации уже связаны с практикой.",
                  "success" if added else "info")
        return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="recommendations"))
    return _link_page(practice, form, query)


def _link_page(practice, form: LinkRecommendationsForm, query: str, status: int = 200):
    found = services.find_recommendations(query) if query else []
    linked = {rec.id for rec in services.answered_recommendations(practice)}
    return render_template("resolutions/link.html", practice=practice, form=form, query=query, found=found,
                           linked=linked), status


@bp.post("/practices/<int:practice_id>/recommendations/<int:recommendation_id>/delete")
@login_required
def unlink(practice_id: int, recommendation_id: int):
    practice = _linkable_practice(practice_id)
    try:
        removed = services.unlink_recommendation(current_user, practice, recommendation_id)
    except PermissionDenied:
        abort(403)
    db.session.commit()
    flash("Связь с рекомендацией удалена." if removed else "Такой связи нет.", "success" if removed else "info")
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="recommendations"))


@bp.app_template_global()
def practice_recommendations(practice) -> list:
    """Recommendations of published resolutions the practice answers (templates/resolutions/_practice_links.html)."""
    return services.answered_recommendations(practice)


@bp.app_template_global()
def may_import_resolutions() -> bool:
    return services.can_import_resolutions(current_user)


@bp.app_template_global()
def may_link_recommendations(practice) -> bool:
    return policy.can_link_recommendations(current_user, practice)


@bp.app_template_global()
def recommendation_choices() -> list:
    """Recommendations to choose from on the practice page, grouped by resolution."""
    groups: dict = {}
    for rec in services.linkable_recommendations():
        groups.setdefault(rec.resolution, []).append(rec)
    return list(groups.items())


@bp.app_template_global()
def visible_practices(recommendation) -> list:
    """Practices implementing a recommendation that the current user may see."""
    return services.implementing_practices(recommendation, current_user)
