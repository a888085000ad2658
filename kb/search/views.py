"""The search page and the Atom feed of any search."""

import functools
from datetime import UTC, datetime
from urllib.parse import urljoin

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from indexer import FACET_FIELDS
from kb.extensions import db
from kb.search import saved
from kb.search.exports import csv_chunks, ris_chunks
from kb.search.services import (
    FACET_TITLES,
    FacetValue,
    ResultItem,
    SearchParams,
    export_hits,
    facet_label,
    feed_entries,
    level_hint,
    parse_params,
    reading_hint,
    region_hint,
    search,
    subject_hint,
    value_pair,
)
from kb.templating import search_url
from kb.textclean import xml_text
from kb.timeutil import local_today
from kb.vocabularies.services import labels

bp = Blueprint("search", __name__)



@bp.get("/search")
def results():
    params = parse_params(request.args, strict=False)
    page = search(params, typed_nothing="q" in request.emptied_args)
    if (target := page.page_to_show()) is not None:
        return redirect(search_url(params.to_args(page=target if target > 1 else None)))
    hint = None if page.unavailable else region_hint(params)
    level = None if page.unavailable else level_hint(params)
    subject = None if page.unavailable else subject_hint(params)
    return render_template(
        "search/results.html", page=page, params=params, region_hint=hint, level_hint=level, subject_hint=subject,
        reading_hint=None if page.unavailable else reading_hint(params),
        facet_fields=FACET_FIELDS, facet_titles=FACET_TITLES,
        filter_label=lambda name, value: facet_label(name, value, params, labels()),
        filtered_facets=FILTERED_FACETS,
        facet_items=facet_items, facet_parts=facet_parts, result_item=result_item, saved_name=saved.default_name,
    )


# Facets whose long list has a box that finds a value in it (static/search.js), and what the box says.
FILTERED_FACETS = {"region": "Найти регион", "municipality": "Найти муниципалитет"}
FACET_SHOWN = 8  # values of a facet in sight; the rest fold away
FACET_WHOLE = 10  # a list no longer than this is shown whole: folding away two values saves nothing


def facet_parts(values: list[FacetValue]) -> tuple[list[FacetValue], list[FacetValue]]:
    """(values in sight, values folded away): the first FACET_SHOWN and every selected one (a selection
    always stays in sight), and the rest; easy to scan. Here, not in the template, where its filters over
    the 85 regions took 0.3 ms a page."""
    if len(values) <= FACET_WHOLE:
        return values, []
    rest = values[FACET_SHOWN:]
    return values[:FACET_SHOWN] + [v for v in rest if v.selected], [v for v in rest if not v.selected]


def facet_items(name: str, values: list[FacetValue], params: SearchParams) -> Markup:
    """The <li> of each value of a facet: a link that adds the value to the search (or, selected, removes it)
    and its count; a region's or a municipality's carries its name for the filter box (static/search.js). Written
    here, every variable part escaped, not in the template: a search page lists a couple of hundred values, and the
    template loop was a quarter of the page's time (0.9 of 3.9 ms from the cache)."""
    items = []
    # HTML escaping goes character by character: the link of a value not selected yet is the page's escaped
    # query string around the value's escaped pair, each escaped once (_escaped_value), not per link.
    before, after = (escape(part) for part in params.add_url_parts(name))
    for value in values:
        label, pair = _escaped_value(name, value.value, value.label)
        data = f' data-label="{label}"' if name in FILTERED_FACETS else ""
        if value.selected:
            link = (f'<a class="facet-value selected" href="{escape(search_url(params.without(name, value.value)))}"'
                    f' aria-current="true" title="Убрать из выбора">✓ {label}'
                    '<span class="visually-hidden"> (выбрано; убрать)</span></a>')
        else:
            link = f'<a class="facet-value" href="{before}{pair}{after}">{label}</a>'
        items.append(f'<li{data}>{link} <span class="count">{int(value.count)}</span></li>')
    return Markup("".join(items))


@functools.lru_cache(maxsize=4096)
def _escaped_value(name: str, value: str, label: str) -> tuple[str, str]:
    """(the label, the value's ``name=value`` query string pair), HTML-escaped."""
    return str(escape(label)), str(escape(value_pair(name, value)))


RESULT_KINDS = {"practice": "Практика", "resolution": "Резолюция", "recommendation": "Рекомендация"}


def result_item(item: ResultItem) -> Markup:
    """What a result's <li> holds: the title's link, the kind, year and regions, the context, the level and
    topic tags (each a link to its search), the file a snippet comes from and the snippet. Written here,
    every variable part escaped, not in the template: the template's twenty results were half of rendering
    a search page (1.4 of 2.6 ms at 100,000 practices); truncated as the template's ``truncate`` was."""
    env = current_app.jinja_env
    meta = f'<span class="result-kind">{RESULT_KINDS.get(item.type, "")}</span>'
    if item.year:
        meta += f" · {escape(item.year)}"
    if item.region:
        meta += f' · {escape(do_truncate(env, ", ".join(r["label"] for r in item.region), 120))}'
    parts = [f'<h2><a href="{escape(item.url)}">{escape(item.title)}</a></h2>', f'<p class="result-meta">{meta}</p>']
    if item.context:
        parts.append(f'<p class="result-context">{escape(do_truncate(env, item.context, 200))}</p>')
    if item.authors:
        # the names matched by the query: a search by surname found the practice here, not in its text
        parts.append(f'<p class="result-authors">{item.authors}</p>')
    if item.levels or item.topics:
        tags = []  # a space between the links too: copied, «ОлимпиадыОдарённые дети» ran together
        if item.levels:
            tags.append('<span class="visually-hidden">Уровни образования:</span>')
            tags.append(" ".join(_tag_link("level", lv["code"], lv["label"]) for lv in item.levels))
        if item.topics:
            tags.append('<span class="visually-hidden">Темы:</span>')
            tags.append(" ".join(_tag_link("topic", t["code"], t["label"]) for t in item.topics))
        parts.append('<p class="tags">\n' + "\n".join(tags) + "\n</p>")
    if item.source:
        parts.append(f'<p class="snippet-source">В файле «{escape(item.source)}»:</p>')
    parts.append(f'<p class="snippet">{escape(item.snippet)}</p>')
    return Markup("\n".join(parts))


@functools.lru_cache(maxsize=4096)
def _tag_link(name: str, code: str, label: str) -> str:
    """A result's level or topic tag: a link to the search for it (the same few dozen on every page)."""
    css = "tag tag--level" if name == "level" else "tag"
    return f'<a class="{css}" href="{escape(search_url(**{name: code}))}">{escape(label)}</a>'




def _atom_time(moment: datetime) -> str:
    """RFC 3339 in UTC (the database keeps naive UTC times)."""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.get("/search/feed")
def feed():
    """Atom feed of a search: the newest public materials that match it, to follow in a feed reader."""
    params = parse_params(request.args, strict=False)
    args = params.to_args(page=None, sort=None)
    entries = feed_entries(params)
    vocab = labels()
    title = " · ".join(
        [f"«{params.q}»" if params.q else "новые материалы"]
        + [f"{FACET_TITLES[name]}: {', '.join(facet_label(name, v, params, vocab) for v in values)}"
           for name, values in params.filters.items()]
    )
    body = render_template(
        "search/feed.xml",
        title=xml_text(f"Банк практик: {title}"),
        entries=entries,
        absolute=lambda url: urljoin(request.host_url, url),
        atom_time=_atom_time,
        text=xml_text,
        updated=max((entry.updated for entry in entries), default=datetime(2000, 1, 1)),
        page_url=search_url(args),
        feed_url=search_url(args).replace("/search", "/search/feed", 1),
    )
    return Response(body, mimetype="application/atom+xml")


@bp.post("/search/saved")
@login_required
def save():
    params = parse_params(request.form, strict=False)
    try:
        saved.save_search(current_user, request.form.get("name", ""), params)
    except saved.SavedSearchError as exc:
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash("Поиск сохранён: он есть в профиле, там же ссылка на ленту новых материалов.", "success")
    return redirect(search_url(params.to_args()))


@bp.route("/search/saved/<int:saved_id>/delete", methods=["GET", "POST"])
@login_required
def delete_saved(saved_id: int):
    if request.method == "GET":  # the question first: the search goes for good (its feed, keyed by the query, stays)
        search = saved.own_saved_search(current_user, saved_id) or abort(404)
        return render_template("search/delete_saved.html", search=search)
    if not saved.delete_saved_search(current_user, saved_id):
        abort(404)
    db.session.commit()
    flash("Сохранённый поиск удалён.", "success")
    return redirect(url_for("accounts.profile"))


@bp.get("/search/export.<any(ris, csv):fmt>")
def export(fmt: str):
    """A search (same parameters) as RIS for reference managers or as CSV with the practices' authors: every match
    from the first, in the page's order, up to SEARCH_EXPORT_MAX."""
    params = parse_params(request.args, strict=False)
    hits, _total = export_hits(params, current_app.config["SEARCH_EXPORT_MAX"])
    if fmt == "ris":
        body = ris_chunks(hits, local_today())
        mimetype, name = "application/x-research-info-systems", "poisk.ris"
    else:
        body = csv_chunks(hits)
        mimetype, name = "text/csv", "poisk.csv"  # werkzeug adds the charset to text/*
    response = Response(stream_with_context(body), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
