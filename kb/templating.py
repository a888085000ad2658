"""Jinja filters and globals: Russian dates, plurals, vocabulary labels, query-string URLs, fingerprinted assets."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, current_app, request, send_from_directory, session, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.security import safe_join

from indexer.query import MAX_QUERY_CHARS
from kb.forms import invalid_fields
from kb.practices.licences import licence
from kb.timeutil import local, zone_label
from kb.vocabularies import data

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
_FORMATS = {f["code"]: f["label"] for f in data.RESOLUTION_FORMATS}
_SPREAD = {s["code"]: s["label"] for s in data.SPREAD_LEVELS}
_STATUSES = {s["code"]: s["label"] for s in data.PRACTICE_STATUSES}


def format_date(value: date | None) -> str:
    """24 марта 2023 г. (a stored time: its date in the bank's zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value)
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


def format_datetime(value: datetime | None, seconds: bool = False, zone: bool = False) -> str:
    """24 марта 2023 г., 12:05 — a stored (UTC) time on the wall clock of the bank's zone (TIME_ZONE). A page says
    which zone: a table in its column's heading («Когда (МСК)», ``time_zone_label()``), running text after the time
    itself (``zone``: «24 марта 2023 г., 12:05 МСК»)."""
    if value is None:
        return ""
    shown = local(value)
    day = format_date(shown.date())
    text = f"{day}, {shown:%H:%M:%S}" if seconds else f"{day}, {shown:%H:%M}"
    return f"{text} {zone_label(value)}" if zone else text


def size_label(size: int) -> str:
    """A size limit as the pages say it: «100 МБ», «200 КБ» (whole units, as configured)."""
    return f"{size // (1024 * 1024)} МБ" if size >= 1024 * 1024 else f"{size // 1024} КБ"


def format_date_range(start: date | None, end: date | None) -> str:
    """17–20 апреля 2017 г.; 30 марта – 2 апреля 2024 г.; a single date when they are equal."""
    if start is None:
        return ""
    if end is None or end == start:
        return format_date(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS_GENITIVE[end.month - 1]} {end.year} г."
    if start.year == end.year:
        return f"{start.day} {MONTHS_GENITIVE[start.month - 1]} – {format_date(end)}"
    return f"{format_date(start)} – {format_date(end)}"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form for n: 1 практика, 2 практики, 5 практик."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def wait_phrase(seconds: int) -> str:
    """A wait as a person says it, for «повторите через …»: «через 40 секунд», «через 1 минуту», «через 2 часа
    15 минут». Under a minute in seconds, under an hour in whole minutes, longer in hours and minutes; a part of a
    minute counts as a whole one, so the wait named is never shorter than the real one."""
    seconds = max(1, int(seconds))
    if seconds < 60:
        return f"через {seconds} {plural(seconds, 'секунду', 'секунды', 'секунд')}"
    hours, minutes = divmod(-(-seconds // 60), 60)
    parts = [f"{hours} {plural(hours, 'час', 'часа', 'часов')}"] if hours else []
    if minutes:
        parts.append(f"{minutes} {plural(minutes, 'минуту', 'минуты', 'минут')}")
    return "через " + " ".join(parts)


def resolution_format_label(code: str | None) -> str:
    return _FORMATS.get(code or "", "")


def spread_level_label(code: str | None) -> str:
    return _SPREAD.get(code or "", "")


def status_label(code: str | None) -> str:
    return _STATUSES.get(code or "", code or "")


_ONE_VALUE_URLS: dict[tuple[str, str], str] = {}  # search_url(topic="gifted") and the like: tags on every page
_ONE_VALUE_URLS_MAX = 10_000


def search_url(args: dict | None = None, **extra: object) -> str:
    """URL of the search page for these query arguments (lists become repeated parameters)."""
    if args is None and len(extra) == 1:
        ((key, value),) = extra.items()
        if isinstance(value, str):
            if (url := _ONE_VALUE_URLS.get((key, value))) is None:
                if len(_ONE_VALUE_URLS) >= _ONE_VALUE_URLS_MAX:
                    _ONE_VALUE_URLS.clear()
                url = _ONE_VALUE_URLS[(key, value)] = _search_url(None, extra)
            return url
    return _search_url(args, extra)


def _search_url(args: dict | None, extra: dict) -> str:
    merged = dict(args or {})
    merged.update(extra)
    pairs = []
    for key, value in merged.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((key, item))
    return "/search" + ("?" + urlencode(pairs) if pairs else "")


# The quote marks the query parser reads as such, which would end a phrase, and the syntax it drops even inside one
# (indexer.query: «~2» and «title:» whole, where a text's words hold «2» and «title»). None of them is a letter or a
# digit of a word: a space in their place leaves the phrase's words those of the text.
_PHRASE_BREAKERS = re.compile(r'["«»„“”~^*?:\[\]{}\\]')


def phrase_query(text: str) -> str:
    """A search query for ``text`` as one phrase in quotes («"МБОУ СОШ № 1"»): the practice page's link for an
    organisation or an event, the search box's for an organisation. The quote marks of the text itself and what the
    parser reads as syntax are left out (its words are the phrase's; a «"» inside closed the phrase there), and a
    text longer than a query is read (MAX_QUERY_CHARS) gives the phrase of its first words, closed (cut by the
    parser, it was left open and its quotes dropped). "" for a text without a word that fits, or without a letter or
    digit at all («—»)."""
    phrase = ""
    for word in _PHRASE_BREAKERS.sub(" ", text).split():
        longer = f"{phrase} {word}" if phrase else word
        if len(longer) + 2 > MAX_QUERY_CHARS:
            break
        phrase = longer
    # «—», «(...)», «№ —»: a registry's way of writing «none» is no phrase to look for (it found nothing)
    return f'"{phrase}"' if re.search(r"[^\W_]", phrase) else ""


# A fingerprinted name: kb.3f2a9c1b7d4e.css is kb.css whose content hashes to 3f2a9c1b7d4e.
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")
# A fingerprinted URL never changes its content: a year, and browsers need not even revalidate.
LONG_CACHE_SECONDS = 31536000
# Plain /static/<name> may change with the next release: five minutes, then revalidate (ETag).
SHORT_CACHE_SECONDS = 300


class StaticAssets:
    """Content hashes of the files in the static folder, recomputed only when a file changes."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self._digests: dict[str, tuple[tuple[int, int], str]] = {}

    def digest(self, name: str) -> str | None:
        """The first 12 hex digits of the file's SHA-256, or None when there is no such file."""
        path = safe_join(self.folder, name)
        if path is None or not os.path.isfile(path):
            return None
        stat = os.stat(path)
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._digests.get(name)
        if cached and cached[0] == key:
            return cached[1]
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        self._digests[name] = (key, digest)
        return digest

    def url(self, name: str) -> str:
        """/static/kb.<hash>.css for kb.css; a missing file fails loudly rather than ship a broken page."""
        digest = self.digest(name)
        if digest is None:
            raise FileNotFoundError(f"static/{name}")
        stem, ext = os.path.splitext(name)
        return url_for("static", filename=f"{stem}.{digest}{ext}")


def asset_url(name: str) -> str:
    """URL of a static file with its content hash in the name, cached by browsers for a year."""
    return current_app.extensions["kb_assets"].url(name)


def serve_static(filename: str) -> ResponseReturnValue:
    """The static view: fingerprinted names are immutable for a year, plain names cached briefly."""
    assets: StaticAssets = current_app.extensions["kb_assets"]
    match = _FINGERPRINTED.match(filename)
    if match:
        original = match["stem"] + match["ext"]
        digest = assets.digest(original)
        if digest == match["digest"]:
            response = send_from_directory(assets.folder, original, max_age=LONG_CACHE_SECONDS)
            response.cache_control.public = True
            response.cache_control.immutable = True
            return response
        if digest is not None:
            # A page cached before a release asks for the previous version: give the current one, briefly.
            filename = original
    response = send_from_directory(assets.folder, filename, max_age=SHORT_CACHE_SECONDS)
    response.cache_control.public = True
    return response


def nav_current(prefix: str, exact: bool = False) -> Markup:
    """aria-current="page" on a navigation link whose section is the page being shown (styled as current)."""
    path = request.path
    if path == prefix or (not exact and path.startswith(prefix + "/")):
        return Markup(' aria-current="page"')
    return Markup("")


# Message categories a person must not miss: a file refused, a step not done.
UNMISSABLE = {"error", "warning"}


def refusals_at_the_top(response: Response) -> Response:
    """A redirect to a part of a page (#files) whose messages hold a refusal goes to the top of the page instead.

    Messages are printed at the top of <main>, and the browser scrolled to the part, out of their sight: «bad.exe:
    Неподдерживаемый тип файла» went unseen. (static/flashes.js moves the other messages to the part.)
    """
    location = response.location if response.status_code in {301, 302, 303, 307, 308} else None
    if location and "#" in location and any(category in UNMISSABLE for category, _ in session.get("_flashes", ())):
        response.location = location.partition("#")[0]
    return response


def register(app: Flask) -> None:
    app.extensions["kb_assets"] = StaticAssets(app.static_folder)
    app.view_functions["static"] = serve_static
    app.jinja_env.filters.update(
        ru_date=format_date,
        ru_datetime=format_datetime,
        ru_date_range=format_date_range,
        resolution_format=resolution_format_label,
        spread_level=spread_level_label,
        status_label=status_label,
        size=size_label,
    )
    app.jinja_env.globals.update(plural=plural, search_url=search_url, phrase_query=phrase_query, asset_url=asset_url,
                                  nav_current=nav_current, time_zone_label=zone_label, licence_of=licence,
                                  invalid_fields=invalid_fields)

    app.after_request(refusals_at_the_top)

    @app.context_processor
    def _current_query() -> dict:
        return {"current_q": request.args.get("q", "") if request else ""}

    @app.context_processor
    def _unread() -> dict:
        from flask_login import current_user

        from kb.accounts.services import unread_notifications

        def unread_count() -> int:
            return len(unread_notifications(current_user)) if current_user.is_authenticated else 0

        return {"unread_count": unread_count}
