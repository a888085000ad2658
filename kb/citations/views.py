"""RIS and BibTeX downloads of practices, resolutions and recommendations; the «Как цитировать» box helper."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, url_for
from flask_login import current_user

from kb.citations import services
from kb.citations.links import permalink
from kb.practices.models import Practice
from kb.practices.services import get_visible_practice
from kb.resolutions.models import Resolution
from kb.resolutions.services import get_public_recommendation, get_public_resolution
from kb.timeutil import local_today

bp = Blueprint("citations", __name__)
bp.add_app_template_global(permalink)
bp.add_app_template_filter(services.inner_quotes, "inner_quotes")  # «приложение к практике «…»» on a page

FORMATS = {
    "ris": (services.ris, services.RIS_MIMETYPE),
    "bib": (services.bibtex, services.BIBTEX_MIMETYPE),
}


def _download(item: services.Citable, kind: str, fmt: str) -> Response:
    render, mimetype = FORMATS[fmt]
    return Response(render(item, permalink(item)), mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{kind}-{item.id}.{fmt}"'})


@bp.get("/practices/<int:practice_id>/cite.<any(ris, bib):fmt>")
def practice(practice_id: int, fmt: str) -> Response:
    item = get_visible_practice(practice_id, current_user)
    if item is None:
        abort(404)
    return _download(item, "practice", fmt)


@bp.get("/resolutions/<int:resolution_id>/cite.<any(ris, bib):fmt>")
def resolution(resolution_id: int, fmt: str) -> Response:
    item = get_public_resolution(resolution_id)
    if item is None:
        abort(404)
    return _download(item, "resolution", fmt)


@bp.get("/recommendations/<int:recommendation_id>/cite.<any(ris, bib):fmt>")
def recommendation(recommendation_id: int, fmt: str) -> Response:
    item = get_public_recommendation(recommendation_id)  # a draft resolution's recommendations are nobody's to cite
    if item is None:
        abort(404)
    return _download(item, "recommendation", fmt)


@dataclass(frozen=True)
class FileReference:
    """The reference to one of a practice's files, under the practice's in its box."""

    name: str
    gost: str


@dataclass(frozen=True)
class Citation:
    """What the «Как цитировать» box shows: the reference, the download links and a practice's files'
    references («Приложения»)."""

    gost: str
    ris_url: str
    bib_url: str
    key: str  # unique on a page that cites a resolution and each of its recommendations: kb-recommendation-40
    files: list[FileReference] = field(default_factory=list)


@bp.app_template_global()
def citation(item: services.Citable) -> Citation:
    """The citation box data of a practice, a resolution or a recommendation shown on the current page."""
    if isinstance(item, Practice):
        endpoint, args = ".practice", {"practice_id": item.id}
    elif isinstance(item, Resolution):
        endpoint, args = ".resolution", {"resolution_id": item.id}
    else:
        endpoint, args = ".recommendation", {"recommendation_id": item.id}
    accessed = local_today()
    # A published practice's files, as the reading-list exports cite them: anyone may download them. A draft's, or
    # one under review, are its author's and the moderators' only; a reference sends others to a 404.
    files = item.attachments if isinstance(item, Practice) and item.is_published else []
    return Citation(
        gost=services.gost_reference(item, permalink(item), accessed),
        ris_url=url_for("citations" + endpoint, fmt="ris", **args),
        bib_url=url_for("citations" + endpoint, fmt="bib", **args),
        key=services.bibtex_key(item),
        files=[FileReference(file.original_name, services.gost_reference(file, permalink(file), accessed))
               for file in files],
    )
