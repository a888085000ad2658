"""Reporting an adoption from the practice page; the data its partial template shows."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from kb.adoption import services
from kb.adoption.forms import AdoptionForm
from kb.errors import keeps_text_on_csrf_failure
from kb.extensions import db
from kb.practices import policy
from kb.practices.services import get_public_practice

bp = Blueprint("adoption", __name__)
keeps_text_on_csrf_failure("adoption.report", AdoptionForm)
keeps_text_on_csrf_failure("adoption.correct", AdoptionForm)


@bp.post("/practices/<int:practice_id>/adoptions")
@login_required
def report(practice_id: int):
    practice = get_public_practice(practice_id)
    if practice is None:
        abort(404)
    if policy.is_author(current_user, practice):  # the form is not offered to its authors
        abort(403)
    form = AdoptionForm()
    if not form.validate_on_submit():
        # Show the page again with the messages next to the fields and what was typed kept.
        return render_template("adoption/report.html", practice=practice, adoption_form_with_errors=form), 400
    _, created = services.report_adoption(current_user, practice, form.organisation.data, form.region.data,
                                          form.comment.data, form.result.data or "")
    db.session.commit()
    flash("Спасибо! Ваш опыт применения добавлен к практике." if created else "Ваш отчёт о применении обновлён.",
          "success")
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="adoption"))


@bp.route("/practices/<int:practice_id>/adoptions/<int:adoption_id>", methods=["GET", "POST"])
@login_required
def correct(practice_id: int, adoption_id: int):
    """«Исправить» one of the user's reports: the others stay as they are."""
    practice = get_public_practice(practice_id)
    adoption = services.own_report(current_user, practice, adoption_id) if practice is not None else None
    if adoption is None:
        abort(404)
    if policy.is_author(current_user, practice):
        abort(403)
    form = AdoptionForm(organisation=adoption.organisation, region=adoption.region_code, comment=adoption.comment,
                        result=adoption.result)
    if form.validate_on_submit():
        try:
            services.correct_adoption(adoption, form.organisation.data, form.region.data, form.comment.data,
                                      form.result.data or "")
        except services.DuplicateOrganisation as exc:
            form.organisation.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Ваш отчёт о применении обновлён.", "success")
            return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="adoption"))
    status = 400 if form.is_submitted() else 200
    return render_template("adoption/correct.html", practice=practice, adoption=adoption, form=form), status


@bp.route("/practices/<int:practice_id>/adoptions/<int:adoption_id>/delete", methods=["GET", "POST"])
@login_required
def withdraw(practice_id: int, adoption_id: int):
    """«Удалить…» one of the user's reports: the question (GET), then its form's POST."""
    practice = get_public_practice(practice_id)
    if practice is None:
        abort(404)
    if request.method == "GET":  # the question first: the report's comment and result go with it
        adoption = services.own_report(current_user, practice, adoption_id) or abort(404)
        return render_template("adoption/withdraw.html", practice=practice, adoption=adoption)
    removed = services.withdraw_adoption(current_user, practice, adoption_id)
    db.session.commit()
    flash("Ваш отчёт о применении удалён." if removed else "Такого вашего отчёта о применении у этой практики нет.",
          "success" if removed else "info")
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="adoption"))


@bp.app_template_global()
def adoption_summary(practice) -> services.AdoptionSummary:
    """How many adopted the practice and where (for templates/adoption/_adoption.html)."""
    return services.adoption_summary(practice.id)


@bp.app_template_global()
def is_own_practice(practice) -> bool:
    """Whether the signed-in user is the practice's author (its owner or a linked co-author): no report form."""
    return policy.is_author(current_user, practice)


@bp.app_template_global()
def own_adoptions(practice) -> list:
    """The signed-in user's reports on the practice (one per organisation), newest first."""
    return services.own_reports(current_user, practice)


@bp.app_template_global()
def adoption_form(reported=()) -> AdoptionForm:
    """An empty report form with the signed-in user's region filled in, and their organisation unless it is among
    the organisations of ``reported`` (their reports): the form is for another organisation then."""
    organisation = current_user.organisation or ""
    if any(services.same_organisation(organisation, report.organisation) for report in reported):
        organisation = ""
    return AdoptionForm(formdata=None, organisation=organisation, region=current_user.region_code)
