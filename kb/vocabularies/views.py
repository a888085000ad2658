"""Browse pages: by topic, by region, by level, with counts."""

from itertools import groupby

from flask import Blueprint, abort, render_template

from kb.extensions import db
from kb.vocabularies.data import alphabetical
from kb.vocabularies.models import Region
from kb.vocabularies.services import browse_counts, region_municipalities, regions_with_municipal_practices

bp = Blueprint("browse", __name__)


@bp.get("/topics")
def topics():
    return render_template("browse/list.html", title="Темы", field="topic", entries=browse_counts("topic"))


@bp.get("/regions")
def regions():
    entries = browse_counts("region")
    groups = [(name, list(items)) for name, items in groupby(
        sorted(entries, key=lambda e: (e.group == "Другие страны", alphabetical(e.group))), key=lambda e: e.group)]
    return render_template("browse/regions.html", title="Регионы", groups=groups,
                           with_practices=sum(1 for e in entries if e.count),
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
