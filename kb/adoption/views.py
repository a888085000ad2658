"""Reporting an adoption from the practice page; the data its partial template shows."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from kb.adoption import services
from kb.adoption.forms import AdoptionForm
from kb.extensions import db
from kb.practices import policy
from kb.practices.services import get_public_practice

bp = Blueprint("adoption", __name__)


@bp.post("/practices/<int:practice_id>/adoptions")
@login_required
def report(practice_id: int):
    practice = get_public_practice(practice_id)
    if practice is None:
        abort(404)
    if policy.is_owner(current_user, practice):  # the form is not offered to the author
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


@bp.post("/practices/<int:practice_id>/adoptions/delete")
@login_required
def withdraw(practice_id: int):
    """«Удалить мой отчёт»."""
    practice = get_public_practice(practice_id)
    if practice is None:
        abort(404)
    removed = services.withdraw_adoption(current_user, practice)
    db.session.commit()
    flash("Ваш отчёт о применении удалён." if removed else "Вашего отчёта о применении у этой практики нет.",
          "success" if removed else "info")
    return redirect(url_for("practices.detail", practice_id=practice.id, _anchor="adoption"))


@bp.app_template_global()
def adoption_summary(practice) -> services.AdoptionSummary:
    """How many adopted the practice and where (for templates/adoption/_adoption.html)."""
    return services.adoption_summary(practice.id)


@bp.app_template_global()
def is_own_practice(practice) -> bool:
    """Whether the signed-in user is the practice's author: they are offered no report form."""
    return policy.is_owner(current_user, practice)


@bp.app_template_global()
def own_adoption(practice):
    """The signed-in user's report on the practice, or None."""
    return services.own_report(current_user, practice)


@bp.app_template_global()
def adoption_form(report=None) -> AdoptionForm:
    """The report form: the user's own report to correct, or an empty one with the organisation and region of
    the signed-in user filled in."""
    if report is not None:
        return AdoptionForm(formdata=None, organisation=report.organisation, region=report.region_code,
                            comment=report.comment, result=report.result)
    return AdoptionForm(formdata=None, organisation=current_user.organisation, region=current_user.region_code)
