"""Browse pages: by topic, by region, by level, with counts."""

from flask import Blueprint, abort, render_template

from kb.extensions import db
from kb.vocabularies.models import Region
from kb.vocabularies.services import (
    browse_counts,
    region_municipalities,
    region_overview,
    regions_with_municipal_practices,
)

bp = Blueprint("browse", __name__)


@bp.get("/topics")
def topics():
    return render_template("browse/list.html", title="Темы", field="topic", entries=browse_counts("topic"))


@bp.get("/regions")
def regions():
    """The regions with published practices by federal district; those without folded into one line."""
    return render_template("browse/regions.html", title="Регионы", overview=region_overview(),
                           with_municipalities=regions_with_municipal_practices())


@bp.get("/regions/<code>")
def region(code: str):
    """A region's municipalities with their published practices, each leading to the search for them."""
    found = db.session.get(Region, code) or abort(404)
    return render_template("browse/region.html", title=found.name, listing=region_municipalities(found))


@bp.get("/levels")
def levels():
    return render_template("browse/list.html", title="Уровни образования", field="level",
                           entries=browse_counts("level"))
