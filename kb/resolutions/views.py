"""Resolution list and pages; a permalink for every recommendation."""

from flask import Blueprint, abort, redirect, render_template, request, url_for

from kb.resolutions.services import get_public_recommendation, get_public_resolution, public_resolutions

bp = Blueprint("resolutions", __name__)


@bp.get("/resolutions")
def index():
    page = request.args.get("page", 1, type=int)
    pagination = public_resolutions(page=max(page, 1), per_page=20)
    return render_template("resolutions/index.html", pagination=pagination)


@bp.get("/resolutions/<int:resolution_id>")
def detail(resolution_id: int):
    resolution = get_public_resolution(resolution_id)
    if resolution is None:
        abort(404)
    return render_template("resolutions/detail.html", resolution=resolution)


@bp.get("/recommendations/<int:recommendation_id>")
def recommendation(recommendation_id: int):
    rec = get_public_recommendation(recommendation_id)
    if rec is None:
        abort(404)
    return redirect(url_for(".detail", resolution_id=rec.resolution_id, _anchor=rec.anchor))
