"""Jinja filters and globals: Russian dates, plurals, vocabulary labels, query-string URLs."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Flask, request

from kb.vocabularies import data

MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)
_FORMATS = {f["code"]: f["label"] for f in data.RESOLUTION_FORMATS}
_SPREAD = {s["code"]: s["label"] for s in data.SPREAD_LEVELS}
_STATUSES = {s["code"]: s["label"] for s in data.PRACTICE_STATUSES}


def format_date(value: date | None) -> str:
    """24 марта 2023 г."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year} г."


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


def resolution_format_label(code: str | None) -> str:
    return _FORMATS.get(code or "", "")


def spread_level_label(code: str | None) -> str:
    return _SPREAD.get(code or "", "")


def status_label(code: str | None) -> str:
    return _STATUSES.get(code or "", code or "")


def search_url(args: dict | None = None, **extra: object) -> str:
    """URL of the search page for these query arguments (lists become repeated parameters)."""
    merged = dict(args or {})
    merged.update(extra)
    pairs = []
    for key, value in merged.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((key, item))
    return "/search" + ("?" + urlencode(pairs) if pairs else "")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        ru_date=format_date,
        ru_date_range=format_date_range,
        resolution_format=resolution_format_label,
        spread_level=spread_level_label,
        status_label=status_label,
    )
    app.jinja_env.globals.update(plural=plural, search_url=search_url)

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
