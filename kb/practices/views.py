"""Practice pages: reading, drafting and editing, the workflow, history, the moderation queue."""

import time
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_limiter import RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge

from kb.accounts.access import moderator_required
from kb.attachments import services as attachments
from kb.attachments.extract import AttachmentError
from kb.duplicates import services as duplicates
from kb.duplicates.models import practice_text
from kb.errors import CSRF_FORM_AGAIN, error_response, keeps_text_on_csrf_failure
from kb.extensions import db, limiter
from kb.oai.records import deleted_for_good
from kb.pdf import FontMissing
from kb.practices import assessments, certificates, coauthors, policy, services
from kb.practices.forms import (
    AssessmentForm,
    CoauthorForm,
    CommentForm,
    PracticeForm,
    form_for_edit,
    form_for_new,
    form_from_practice,
    section_data,
)
from kb.practices.forms import assessment_form as assessment_form_for
from kb.practices.models import ASSESSMENT_CRITERIA, ASSESSMENT_SCALE, SECTIONS, STATUSES
from kb.routing import bounded_ids, bounded_int, download_disposition, filter_arg, last_page_redirect, page_arg
from kb.statistics import services as statistics
from kb.statistics.counters import count_quietly
from kb.suggestions import services as suggestions
from kb.suggestions.forms import Prefilled, prefill
from kb.templating import status_label, wait_phrase
from kb.timeutil import local_today
from kb.vocabularies.services import labels

bp = Blueprint("practices", __name__, url_prefix="/practices")


def _visible_or_404(practice_id: int):
    practice = services.get_visible_practice(practice_id, current_user)
    if practice is None:
        abort(410 if deleted_for_good("practice", practice_id) else 404)
    return practice


@bp.get("/<int:practice_id>")
def detail(practice_id: int):
    practice = _visible_or_404(practice_id)
    page = _detail_page(practice)
    if practice.is_published and policy.counts_as_reader(current_user, practice):
        db.session.commit()  # end the reading transaction first: on a busy SQLite the counter's write then waits
        count_quietly(lambda: services.count_view(practice_id))
    return page


def _detail_page(practice, comment_form: CommentForm | None = None, assessment_form: AssessmentForm | None = None,
                 assessment_error: str = "") -> str:
    """The practice's page; ``comment_form``: a return comment not sent, shown again in its field with the reason;
    ``assessment_form``: an expert assessment not saved, shown again as filled in, with ``assessment_error`` (the
    decision's refusal) or its fields' errors."""
    can_edit = policy.can_edit(current_user, practice)
    can_assess = policy.can_assess(current_user, practice)
    if can_assess and assessment_form is None:
        assessment_form = assessment_form_for(assessments.current_assessment(practice))
    # A moderator's own practice awaiting the assessment she may not make: no «Опубликовать» that could only be
    # refused, but who assesses it instead.
    awaiting_assessment = assessments.blocked_for_author(current_user, practice)
    actions = [action for action in policy.allowed_actions(current_user, practice)
               if not (action == "publish" and awaiting_assessment)]
    return render_template(
        "practices/detail.html", practice=practice, actions=actions, awaiting_assessment=awaiting_assessment,
        action_labels=policy.ACTION_LABELS, can_edit=can_edit,
        # its author is told why the «Редактировать» button and the file upload are gone
        with_moderator=practice.status == "submitted" and policy.is_owner(current_user, practice) and not can_edit,
        can_delete=policy.can_delete(current_user, practice),
        can_get_certificate=policy.can_get_certificate(current_user, practice),
        can_manage_coauthors=policy.can_manage_coauthors(current_user, practice),
        is_coauthor=policy.is_coauthor(current_user, practice),
        can_see_history=policy.is_owner(current_user, practice) or policy.in_scope(current_user, practice),
        show_workflow=practice.status != "published" or policy.in_scope(current_user, practice)
        or policy.is_owner(current_user, practice) or policy.is_coauthor(current_user, practice),
        comment_form=comment_form,
        assessment_form=assessment_form if can_assess else None, assessment_error=assessment_error,
        assessment_actions=[a for a in ("publish", "return") if policy.can_transition(current_user, practice, a)],
        assessments=assessments.history(practice) if policy.can_see_assessments(current_user, practice) else [],
        sees_assessors=policy.sees_assessors(current_user, practice),
        passed_expertise=assessments.passed_expertise(practice),
        assessment_criteria=ASSESSMENT_CRITERIA, assessment_scale=dict(ASSESSMENT_SCALE),
    )


def _save(form: PracticeForm, practice=None):
    data = form.to_data(section_data(form))
    created = practice is None
    if practice is None:
        practice = services.create_practice(current_user, data)
        message = "Черновик сохранён."
    else:
        changed = services.update_practice(current_user, practice, data)
        message = "Изменения сохранены." if changed else "Изменений нет."
    submitting = bool(request.form.get("submit_for_review")) and policy.can_transition(current_user, practice, "submit")
    # Before the submission: once submitted, its author may no longer attach anything.
    chosen = _attach_chosen_file(practice, ask_if_in_bank=not submitting)
    if submitting and chosen.refused:  # sent without the file, it could not get it until returned
        message = ("Практика сохранена, но не отправлена на рассмотрение: приложите файл ниже, в разделе «Файлы», "
                   "и отправьте её.")
    elif submitting:
        try:
            services.transition(current_user, practice, "submit")
            message = "Практика отправлена на рассмотрение методисту."
        except services.NoModerator as exc:  # checked before saving (_unseen_submission); a methodist left since
            message = f"Практика сохранена, но не отправлена на рассмотрение. {exc}"
    elif created and not chosen.held:
        message += " Файлы к нему прикладываются ниже, в разделе «Файлы»."
    db.session.commit()
    flash(message, "success")
    for text, category in chosen.messages:
        flash(text, category)
    if not policy.can_view(current_user, practice):  # a methodist moved it to another region or organisation
        flash(services.left_scope_message(current_user, practice), "info")
        return redirect(url_for(".moderation", status=practice.status))
    if chosen.held:
        return render_template("practices/_duplicates_upload.html", practice=practice, held=chosen.held)
    return redirect(url_for(".detail", practice_id=practice.id))


@dataclass
class _ChosenFile:
    """What became of the file chosen in the practice form."""

    held: list = field(default_factory=list)  # a file already in the bank, for the question of _duplicates_upload
    messages: list[tuple[str, str]] = field(default_factory=list)  # (text, flash category)
    refused: bool = False


def _attach_chosen_file(practice, ask_if_in_bank: bool) -> _ChosenFile:
    """The file chosen in the form's «Заполнить по тексту → Файл» field, attached to the practice being saved with
    the checks of an upload on its page (it was dropped before, without a word). A refused file leaves the practice
    saved and says why; a file already in the bank is held for the same question as an upload on the page, unless
    the practice is being submitted (its author could not attach it afterwards)."""
    upload = request.files.get("suggest_file")
    if upload is None or not upload.filename:
        return _ChosenFile()
    filename, data = attachments.sent_filename(upload), upload.read()
    name = attachments.clean_filename(filename)
    if ask_if_in_bank and (found := duplicates.before_upload(current_user, practice, filename, data)):
        return _ChosenFile(held=[(name, duplicates.digest_of(data), found)])
    try:
        attachment = attachments.add_attachment(current_user, practice, filename, data)
    except AttachmentError as exc:  # nothing of the file is written: the practice is saved without it
        return _ChosenFile(refused=True, messages=[(
            f"Файл «{name}» не приложен: {exc} Другой файл можно приложить ниже, в разделе «Файлы».", "error")])
    except services.PermissionDenied:
        return _ChosenFile(refused=True, messages=[(
            f"Файл «{name}» не приложен: изменять эту практику вам теперь нельзя.", "error")])
    return _ChosenFile(messages=[attachments.attached_message(attachment)])


@bp.context_processor
def _unsent_file() -> dict:
    """The name of the file sent with a form that comes back (the «Заполнить по тексту» step, a mistake to fix,
    duplicates to look at): a browser does not keep a chosen file in the new page, so it must be chosen again.
    None on the page of a body refused as too large (413): reading it again there raised again, and the page of a
    practice form over MAX_CONTENT_LENGTH was a 500."""
    try:
        upload = request.files.get("suggest_file") if request.method == "POST" else None
    except RequestEntityTooLarge:
        return {"unsent_file": None}
    if upload is None or not upload.filename:
        return {"unsent_file": None}
    return {"unsent_file": attachments.clean_filename(attachments.sent_filename(upload))}


def _suggested(form: PracticeForm) -> tuple[Prefilled, int]:
    """The «Заполнить по тексту» step: the form comes back with suggestions added; nothing is saved. Over
    SUGGESTIONS_RATE_LIMIT (one count with POST /suggestions) it comes back as typed, with the wait (and 429)."""
    try:
        with _FORM_SUGGESTIONS_LIMIT:
            pass
    except RateLimitExceeded:
        wait, daily = _limit_wait(limiter.current_limit)
        reason = "Исчерпан суточный предел подсказок" if daily else "Слишком много подсказок подряд"
        return Prefilled(error=f"{reason}, повторите {wait_phrase(wait)}; заполненные поля сохранены."), wait
    return prefill(form, request.form.get("suggest_text", "")[:suggestions.MAX_TEXT], request.files.get("suggest_file"),
                   practice_text(form.title.data or "", section_data(form))), 0


def _unseen_submission(form: PracticeForm, can_submit: bool = True) -> bool:
    """«Сохранить и отправить» of a practice no methodist would see (no region, see services.reaches_moderator):
    the reason goes next to the region field and nothing is saved, so the author picks the region and sends again."""
    if not (request.form.get("submit_for_review") and can_submit):
        return False
    if services.reaches_moderator(current_user, form.region.data or None):
        return False
    form.region.errors = [*form.region.errors, services.NO_MODERATOR_MESSAGE]
    return True


def _leaves_every_queue(form: PracticeForm, practice) -> bool:
    """An edit that would take the region off a practice under review (services.leaves_every_queue): the reason
    goes next to the region field and nothing is saved."""
    if not services.leaves_every_queue(current_user, practice, form.region.data or None):
        return False
    form.region.errors = [*form.region.errors, services.SUBMITTED_REGION_MESSAGE]
    return True


TWICE_SENT = "Форма была отправлена дважды: эта практика уже сохранена, вторая не создана."


def _unconfirmed_duplicates(form: PracticeForm, practice=None) -> list:
    """Near-duplicates to show before saving, unless the user has seen them and chose «Всё равно сохранить»."""
    if request.args.get("confirm_duplicates"):
        return []
    if practice is None:  # a double click on «Сохранить» sends the form twice: the second finds the first
        return duplicates.similar_to_new(current_user, form.title.data or "", section_data(form))
    return duplicates.similar_texts(current_user, form.title.data or "", section_data(form), exclude_id=practice.id)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = PracticeForm() if request.method == "POST" else form_for_new(current_user)
    if request.method == "POST" and request.form.get("suggest"):
        suggested, wait = _suggested(form)
        return _suggest_step(render_template("practices/form.html", form=form, sections=SECTIONS, practice=None,
                                             suggested=suggested), wait)
    if form.validate_on_submit():
        if _unseen_submission(form):
            return render_template("practices/form.html", form=form, sections=SECTIONS, practice=None)
        if found := _unconfirmed_duplicates(form):
            return render_template("practices/form.html", form=form, sections=SECTIONS, practice=None,
                                   duplicates=found)
        if request.args.get("confirm_duplicates") and (twin := duplicates.twin_of_new(
                current_user, form.to_data(section_data(form)))):
            flash(TWICE_SENT, "info")  # a double click on «Всё равно сохранить»: the first click saved it
            return redirect(url_for(".detail", practice_id=twin.id))
        return _save(form)
    return render_template("practices/form.html", form=form, sections=SECTIONS, practice=None)


def _suggestions_limit() -> str:
    return current_app.config["SUGGESTIONS_RATE_LIMIT"]


def _account_key() -> str:
    """Per account (an anonymous request is sent to the login page by the view, but the limit is looked at first)."""
    return f"account:{current_user.id}" if current_user.is_authenticated else "address:" + (get_remote_address() or "")


def _limit_wait(limit: RequestLimit | None) -> tuple[int, bool]:
    """Seconds until the breached limit lets a suggestion through again, and whether it is the limit per day (or a
    longer one): its wait may be hours."""
    if limit is None:
        return 60, False
    return max(1, int(limit.reset_at - time.time())), limit.limit.get_expiry() >= 24 * 3600


def _too_many_suggestions(limit: RequestLimit) -> Response:
    """Over SUGGESTIONS_RATE_LIMIT: the endpoint's own JSON error (its readers expect JSON), with Retry-After."""
    wait, daily = _limit_wait(limit)
    reason = "Исчерпан суточный предел запросов подсказок" if daily else "Слишком много запросов подсказок"
    response = jsonify({"error": f"{reason}. Повторите {wait_phrase(wait)}."})
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def _suggest_step(page: str, wait: int) -> Response | str:
    """The form after «Заполнить по тексту»; over the limit, the same form with 429 and Retry-After."""
    if not wait:
        return page
    return Response(page, 429, headers={"Retry-After": str(wait)})


# One count per account for the form's «Заполнить по тексту» and POST /suggestions: the same work either way.
SUGGESTIONS_SCOPE = "suggestions"
_FORM_SUGGESTIONS_LIMIT = limiter.shared_limit(_suggestions_limit, scope=SUGGESTIONS_SCOPE, key_func=_account_key)


@bp.post("/suggestions")
@login_required
@limiter.shared_limit(_suggestions_limit, scope=SUGGESTIONS_SCOPE, key_func=_account_key,
                      on_breach=_too_many_suggestions)
def suggestions_json():
    """JSON for the form's scripts and the API: what a pasted text (``text``) or a file (``file``) suggests."""
    upload = request.files.get("file")
    try:
        text = (suggestions.text_of_file(attachments.sent_filename(upload), upload.read()) if upload and upload.filename
                else request.form.get("text", "")[:suggestions.MAX_TEXT])
    except AttachmentError as exc:
        return jsonify({"error": str(exc)}), 422
    return jsonify(suggestions.suggest(text).as_json())


@bp.route("/<int:practice_id>/edit", methods=["GET", "POST"])
@login_required
def edit(practice_id: int):
    practice = _visible_or_404(practice_id)
    if not policy.can_edit(current_user, practice):
        abort(403)
    form = form_for_edit(practice) if request.method == "POST" else form_from_practice(practice)
    can_submit = policy.can_transition(current_user, practice, "submit")
    if request.method == "POST" and request.form.get("suggest"):
        suggested, wait = _suggested(form)
        return _suggest_step(render_template("practices/form.html", form=form, sections=SECTIONS, practice=practice,
                                             can_submit=can_submit, suggested=suggested), wait)
    if form.validate_on_submit():
        if conflict := services.edit_conflict(practice, form.base_revision()):
            return _conflict(form, practice, conflict)
        if _unseen_submission(form, can_submit) or _leaves_every_queue(form, practice):
            return render_template("practices/form.html", form=form, sections=SECTIONS, practice=practice,
                                   can_submit=can_submit)
        if found := _unconfirmed_duplicates(form, practice):
            return render_template("practices/form.html", form=form, sections=SECTIONS, practice=practice,
                                   can_submit=can_submit, duplicates=found)
        try:
            return _save(form, practice)
        except StaleDataError:  # another edit of the same revision was saved between our check and our write
            db.session.rollback()
            practice = _visible_or_404(practice_id)
            if not policy.can_edit(current_user, practice):
                abort(403)
            return _conflict(form, practice, services.edit_conflict(practice, form.base_revision())
                             or services.EditConflict(practice.revision, [], []))
        except services.StatusConflict as exc:  # «Отправить» while a moderator changed the status: nothing saved
            db.session.rollback()
            flash(f"{exc} Ваши правки не сохранены — они в форме ниже.", "error")
            return render_template("practices/form.html", form=form, sections=SECTIONS,
                                   practice=_visible_or_404(practice_id), can_submit=False), 409
    return render_template("practices/form.html", form=form, sections=SECTIONS, practice=practice,
                           can_submit=can_submit)


@keeps_text_on_csrf_failure("practices.new", PracticeForm)
def _new_again():
    """The form of a new practice again, with the text of a POST the CSRF check turned away (kb.errors)."""
    return render_template("practices/form.html", form=PracticeForm(), sections=SECTIONS, practice=None,
                           form_again=CSRF_FORM_AGAIN)


@keeps_text_on_csrf_failure("practices.edit", PracticeForm)
def _edit_again(practice_id: int):
    """The same for an edit, if the user may still edit the practice (else the text is shown read-only)."""
    practice = services.get_visible_practice(practice_id, current_user)
    if practice is None or not policy.can_edit(current_user, practice):
        return None
    return render_template("practices/form.html", form=PracticeForm(), sections=SECTIONS, practice=practice,
                           can_submit=policy.can_transition(current_user, practice, "submit"),
                           form_again=CSRF_FORM_AGAIN)


def _conflict(form: PracticeForm, practice, conflict):
    """The form again, with what the editor typed, what others saved meanwhile, and the current revision: saving
    once more is a deliberate choice of this text."""
    form.revision.data = str(practice.revision)
    return render_template("practices/form.html", form=form, sections=SECTIONS, practice=practice,
                           can_submit=policy.can_transition(current_user, practice, "submit"), conflict=conflict), 409


TRANSITION_DONE = {"submit": "Практика отправлена на рассмотрение.", "publish": "Практика опубликована.",
                   "return": "Практика возвращена автору с комментарием.", "archive": "Практика перенесена в архив.",
                   "restore": "Практика снова опубликована."}
ASSESSMENT_DONE = {"": "Экспертная оценка сохранена.",
                   "publish": "Экспертная оценка сохранена, практика опубликована.",
                   "return": "Экспертная оценка сохранена, практика возвращена автору с комментарием."}


@bp.post("/<int:practice_id>/transition")
@login_required
def transition(practice_id: int):
    practice = _visible_or_404(practice_id)
    action = request.form.get("action", "")
    form = CommentForm()
    if not form.validate():
        # Too long (not from the page's textarea, which stops at the limit): the text comes back as typed, unsent.
        return _detail_page(practice, comment_form=form), 422
    try:
        services.transition(current_user, practice, action, form.comment.data or "",
                            link=url_for(".detail", practice_id=practice.id))
    except services.PermissionDenied:
        abort(403)
    except services.InvalidTransition as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".detail", practice_id=practice.id))
    db.session.commit()
    flash(TRANSITION_DONE[action], "success")
    return redirect(url_for(".detail", practice_id=practice.id))


@bp.post("/<int:practice_id>/assessment")
@login_required
def assess(practice_id: int):
    """The expert assessment of a practice under review: saved on its own («Сохранить оценку») or with the decision
    («…и опубликовать», «…и вернуть на доработку» with the comment), in one transaction: a decision refused (a
    return without a comment, a publication without the complete assessment the settings require) saves nothing
    and shows the form again as filled in, with the reason."""
    practice = _visible_or_404(practice_id)
    if not policy.can_assess(current_user, practice):
        if policy.is_author(current_user, practice) and policy.in_scope(current_user, practice) \
                and practice.status == "submitted":
            flash("Оценка не сохранена: вы — автор или соавтор этой практики, а свою практику автор не оценивает — "
                  "её оценивает другой методист или администратор.", "error")
            return redirect(url_for(".detail", practice_id=practice.id))
        if policy.in_scope(current_user, practice):  # published or returned by another moderator meanwhile
            flash("Оценка не сохранена: практика уже не на рассмотрении "
                  f"(статус — «{status_label(practice.status)}»).", "error")
            return redirect(url_for(".detail", practice_id=practice.id))
        abort(403)
    decision = request.form.get("decision", "")
    if decision not in ASSESSMENT_DONE:
        abort(400)
    form = AssessmentForm()
    if not form.validate():
        return _detail_page(practice, assessment_form=form), 422
    scores = form.to_scores()
    # an empty form is no assessment: «0 из 10, не оценено» shown to the author read as a failing mark
    assessed = any(value is not None for value in scores.values.values()) or bool(scores.conclusion.strip())
    if not assessed and not decision:
        return _detail_page(practice, assessment_form=form, assessment_error=(
            "Ничего не сохранено: выберите хотя бы одну оценку или напишите заключение.")), 422
    try:
        if assessed:
            assessments.save_assessment(current_user, practice, scores)
        if decision:
            services.transition(current_user, practice, decision, form.comment.data or "",
                                link=url_for(".detail", practice_id=practice.id))
    except (assessments.AssessmentDenied, services.PermissionDenied):
        db.session.rollback()
        abort(403)
    except IntegrityError:  # another moderator's first assessment of this round saved meanwhile
        db.session.rollback()
        flash(assessments.ASSESSED_MEANWHILE, "error")
        return redirect(url_for(".detail", practice_id=practice_id))
    except services.StatusConflict as exc:
        db.session.rollback()
        flash(f"Оценка не сохранена. {exc}", "error")
        return redirect(url_for(".detail", practice_id=practice.id))
    except services.InvalidTransition as exc:
        db.session.rollback()
        practice = _visible_or_404(practice_id)
        return _detail_page(practice, assessment_form=form, assessment_error=f"Ничего не сохранено: {exc}"), 422
    db.session.commit()
    flash(ASSESSMENT_DONE[decision] if assessed else TRANSITION_DONE[decision], "success")
    if not policy.can_view(current_user, practice):
        return redirect(url_for(".moderation"))
    return redirect(url_for(".detail", practice_id=practice.id) + ("#assessment" if not decision else ""))


@bp.route("/<int:practice_id>/delete", methods=["GET", "POST"])
@login_required
def delete(practice_id: int):
    practice = _visible_or_404(practice_id)
    if request.method == "GET":  # the question first: a deletion cannot be undone
        if not policy.can_delete(current_user, practice):
            abort(403)
        return render_template("practices/delete.html", practice=practice,
                               effects=services.deletion_effects(practice))
    try:
        services.delete_practice(current_user, practice)
    except services.PermissionDenied:
        abort(403)
    except services.PracticeGone:  # another request deleted it first: answered as its page now is
        db.session.rollback()
        _visible_or_404(practice_id)
        abort(404)
    db.session.commit()
    flash("Практика удалена.", "success")
    return redirect(url_for(".mine"))


@bp.get("/mine")
@login_required
def mine():
    return render_template("practices/mine.html", practices=statistics.own_practices(current_user),
                           coauthored=statistics.coauthored_practices(current_user),
                           invitations=coauthors.invitations(current_user))


@bp.get("/<int:practice_id>/history")
def history(practice_id: int):
    practice = _visible_or_404(practice_id)
    if not (policy.is_owner(current_user, practice) or policy.in_scope(current_user, practice)):
        abort(404)
    return render_template("practices/history.html", practice=practice, coauthor_events=coauthors.history(practice))


@bp.route("/<int:practice_id>/coauthors", methods=["GET", "POST"])
@login_required
@limiter.limit("60 per hour", methods=["POST"], key_func=_account_key,
               error_message="Слишком много попыток привязать соавторов. Подождите и попробуйте позже.")
def coauthor_links(practice_id: int):
    """«Соавторы»: the owner (or whoever may edit the practice) links an author line to a co-author's account by its
    e-mail, or unlinks it (kb.practices.coauthors)."""
    practice = _visible_or_404(practice_id)
    if not policy.can_manage_coauthors(current_user, practice):
        abort(403)
    form = CoauthorForm()
    if request.method == "POST":
        author_id = form.author_id() if form.validate() else None
        unlinking = request.form.get("action") == "unlink"
        try:
            if author_id is None:
                raise coauthors.CoauthorError(" ".join(form.email.errors) or "Строка автора не выбрана: обновите "
                                              "страницу.")
            if unlinking:
                author = coauthors.unlink(current_user, practice, author_id)
                message = f"Строка «{author.name}» отвязана от учётной записи соавтора."
            else:
                author = coauthors.link(current_user, practice, author_id, form.email.data or "")
                message = (f"Строка «{author.name}» привязана к учётной записи соавтора." if author.link_confirmed
                           else f"Строка «{author.name}» привязана: соавтору отправлено приглашение. Практика "
                                "появится у него в «Мои практики», когда он его примет.")
        except coauthors.CoauthorError as exc:
            db.session.rollback()
            return render_template("practices/coauthors.html", practice=_visible_or_404(practice_id), form=form,
                                   error=str(exc), error_author=author_id), 422
        db.session.commit()
        flash(message, "success")
        return redirect(url_for(".coauthor_links", practice_id=practice.id))
    return render_template("practices/coauthors.html", practice=practice, form=form)


@bp.get("/<int:practice_id>/coauthors/<int:author_id>/unlink")
@login_required
def unlink_question(practice_id: int, author_id: int):
    """«Отвязать…» an author line from its co-author's account: the question first; its form's POST is
    ``coauthor_links``'s."""
    practice = _visible_or_404(practice_id)
    if not policy.can_manage_coauthors(current_user, practice):
        abort(403)
    author = next((a for a in practice.authors if a.id == author_id), None) or abort(404)
    if author.user_id is None:
        flash(f"Строка «{author.name}» не привязана к учётной записи.", "info")
        return redirect(url_for(".coauthor_links", practice_id=practice.id))
    return render_template("practices/unlink.html", practice=practice, author=author)


@bp.get("/<int:practice_id>/coauthorship/<any(decline, leave):answer>")
@login_required
def coauthorship_question(practice_id: int, answer: str):
    """«Отклонить…» an invitation, «Выйти из соавторов…»: the question first, what she loses; its form's POST is
    ``coauthorship``'s."""
    practice = services.get_practice(practice_id)
    linked = policy.is_coauthor if answer == "leave" else policy.is_invited
    if practice is None or not linked(current_user, practice):
        flash(coauthors.NOT_LINKED if answer == "leave" else coauthors.INVITATION_GONE, "error")
        return redirect(url_for(".mine"))
    line = next(a for a in practice.authors if a.user_id == current_user.id)
    return render_template("practices/coauthorship_question.html", practice=practice, line=line, answer=answer)


@bp.post("/<int:practice_id>/coauthorship")
@login_required
def coauthorship(practice_id: int):
    """The invitee's answer to an invitation to co-author the practice («Принять», «Отклонить»), or the co-author
    leaving it («Выйти из соавторов»): her own line only (kb.practices.coauthors)."""
    action = request.form.get("action", "")
    answers = {"accept": coauthors.accept, "decline": coauthors.decline, "leave": coauthors.leave}
    if action not in answers:
        return error_response(400, "Неизвестное действие: можно принять приглашение в соавторы, отклонить его или "
                                   "выйти из соавторов.")
    practice = services.get_practice(practice_id)
    if practice is None or not (policy.is_coauthor(current_user, practice)
                                or policy.is_invited(current_user, practice)):
        # her line was unlinked or relinked before her page was sent: told so (not «Страница не найдена»), in the
        # same words for any number, so that nothing is learnt of other practices
        flash(coauthors.NOT_LINKED if action == "leave" else coauthors.INVITATION_GONE, "error")
        return redirect(url_for(".mine"))
    title = practice.title
    try:
        answers[action](current_user, practice)
    except coauthors.CoauthorError as exc:  # her line was unlinked or relinked since her page was read
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".mine"))
    db.session.commit()
    if action == "accept":
        flash(f"Вы соавтор практики «{title}»: она в разделе «Соавторство».", "success")
        return redirect(url_for(".mine", _anchor="coauthored"))
    flash(f"Приглашение в соавторы практики «{title}» отклонено." if action == "decline"
          else f"Вы больше не соавтор практики «{title}»: строка автора отвязана от вашей учётной записи.", "success")
    return redirect(url_for(".mine"))


@bp.get("/<int:practice_id>/certificate.pdf")
@login_required
def certificate(practice_id: int):
    """The certificate of inclusion in the bank of a published practice, for its owner and its moderators."""
    practice = _visible_or_404(practice_id)
    if not policy.can_get_certificate(current_user, practice):
        abort(404)
    try:
        data = certificates.certificate_pdf(practice, local_today())
    except FontMissing:
        current_app.logger.exception("Certificate without fonts")
        flash("Справка сейчас недоступна: на сервере не установлен шрифт для PDF. Сообщите администратору банка.",
              "error")
        return redirect(url_for(".detail", practice_id=practice.id))
    number = certificates.certificate_number(practice)
    return Response(data, mimetype="application/pdf", headers={"Content-Disposition": download_disposition(
        f"Справка {number}.pdf", f"certificate-{practice.id}.pdf")})


@bp.get("/<int:practice_id>/diff")
def diff(practice_id: int):
    practice = _visible_or_404(practice_id)
    if not (policy.is_owner(current_user, practice) or policy.in_scope(current_user, practice)):
        abort(404)
    old_number = bounded_int(request.args, "from")
    new_number = bounded_int(request.args, "to")  # absent: the current content
    old = services.version_snapshot(practice, old_number) if old_number else None
    new = services.version_snapshot(practice, new_number)
    if old is None or new is None:
        abort(404)
    return render_template("practices/diff.html", practice=practice, changes=services.diff_snapshots(old, new),
                           old_number=old_number, new_number=new_number)


def _queue_args(args) -> dict:
    """The queue's tab and filters as a query string has them (the bulk form sends them back in hidden fields)."""
    status = args.get("status", "submitted")
    return {"status": status if status in STATUSES else "submitted", "region": args.get("region") or None,
            "q": filter_arg(args) or None}


@bp.get("/moderation")
@moderator_required
def moderation():
    queue = _queue_args(request.args)
    pagination = _queue_pagination(queue, page_arg(request.args))
    if back := last_page_redirect(pagination):  # an old bookmark, the last page emptied by a bulk action
        return back
    return _queue_page(queue, pagination, select_all=request.args.get("select") == "all")


def _queue_pagination(queue: dict, page: int):
    return services.moderation_queue(current_user, queue["status"], queue["region"], queue["q"] or "", page=page)


def _queue_page(queue: dict, pagination, select_all: bool = False, ticked: frozenset[int] = frozenset(),
                comment_form: CommentForm | None = None) -> str:
    """The queue's page; ``ticked`` and ``comment_form``: a bulk return not sent, its boxes ticked again and its
    comment shown with the reason."""
    status, region, title = queue["status"], queue["region"], queue["q"] or ""
    return render_template(
        "practices/moderation.html", pagination=pagination, status=status, region=region, q=title,
        counts=services.moderation_counts(current_user, region, title), labels=labels(),
        bulk_actions=services.BULK_ACTIONS.get(status, ()), bulk_limit=services.BULK_LIMIT,
        select_all=select_all, ticked=ticked, comment_form=comment_form,
    )


@bp.post("/moderation/bulk")
@moderator_required
def moderation_bulk():
    """«Опубликовать выбранные», «Вернуть выбранные»: back to the same page of the queue with the result. The tab
    the form was sent from (its status) goes with it: a practice another moderator moved since is refused."""
    page = page_arg(request.form)
    queue = _queue_args(request.form)
    back = url_for(".moderation", **queue, page=page if page > 1 else None)
    ids = bounded_ids(request.form.getlist("practice"))
    form = CommentForm()
    if not form.validate():
        # Too long (not from the page's textarea, which stops at the limit): the page again, the same boxes ticked
        # and the comment as typed, nothing sent.
        return _queue_page(queue, _queue_pagination(queue, page), ticked=frozenset(ids), comment_form=form), 422
    try:
        outcome = services.bulk_transition(current_user, ids, request.form.get("action", ""),
                                           form.comment.data or "", tab=queue["status"])
    except services.BulkRequestError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    for category, message in outcome.messages():
        flash(message, category)
    return redirect(back)
