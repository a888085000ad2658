"""Completions for the search box: practice titles, topics, organisations and regions, public ones only.

The list is read from the database once and kept until the index outbox moves on (every change of
a practice or resolution writes a row there), so a keystroke costs one small query and a scan of a
few hundred strings.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from flask import current_app, url_for
from sqlalchemy import func, select

from indexer.analysis import fold
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Resolution, resolution_region
from kb.search.models import IndexOutbox
from kb.templating import search_url
from kb.vocabularies.models import Region, Topic

MAX_COMPLETIONS = 8
MAX_QUERY = 100
PREFIX = 2  # letters of the index of words by their beginning
KIND_LABELS = {"topic": "Тема", "region": "Регион", "practice": "Практика", "organisation": "Организация"}
# Within one closeness, the short lists first: a topic or a region is a broader answer than one practice.
_KIND_ORDER = {"topic": 0, "region": 1, "practice": 2, "organisation": 3}
_lock = threading.Lock()


@dataclass(frozen=True)
class Completion:
    """One line of the list under the search box."""

    label: str
    kind: str
    url: str
    folded: str
    words: tuple[str, ...]

    def to_json(self) -> dict:
        return {"label": self.label, "kind": self.kind, "kind_label": KIND_LABELS[self.kind], "url": self.url}


def _completion(label: str, kind: str, url: str) -> Completion:
    folded = " ".join(fold(label).split())
    return Completion(label, kind, url, folded, tuple(_words(folded)))


def _words(folded: str) -> list[str]:
    return "".join(ch if ch.isalnum() else " " for ch in folded).split()


def _load() -> list[Completion]:
    """Every completion the public may see."""
    published = Practice.status == "published"
    entries = [
        _completion(title, "practice", url_for("practices.detail", practice_id=pid))
        for pid, title in db.session.execute(select(Practice.id, Practice.title).where(published))
    ]
    organisations = db.session.scalars(select(Practice.organisation).where(published, Practice.organisation != ""))
    entries += [_completion(org, "organisation", search_url(q=f'"{org}"')) for org in sorted(set(organisations))]
    entries += [
        _completion(label, "topic", search_url(topic=code))
        for code, label in db.session.execute(select(Topic.code, Topic.label).order_by(Topic.sort_order))
    ]
    # Regions that something public comes from: a region with nothing in it is a dead end.
    with_practices = select(Practice.region_code).where(published)
    with_resolutions = (
        select(resolution_region.c.region_code)
        .join(Resolution, Resolution.id == resolution_region.c.resolution_id)
        .where(Resolution.status == "published")
    )
    regions = select(Region.code, Region.name).where(
        Region.code.in_(with_practices) | Region.code.in_(with_resolutions)
    ).order_by(Region.sort_order)
    entries += [_completion(name, "region", search_url(region=code)) for code, name in db.session.execute(regions)]
    return entries


def _entries() -> list[Completion]:
    """The cached list, reloaded when anything indexed has changed since it was read."""
    version = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    cache = current_app.extensions.setdefault("kb_completions", {})
    with _lock:
        if cache.get("version") != version:
            cache["entries"] = _load()
            cache["by_prefix"] = _by_prefix(cache["entries"])
            cache["version"] = version
        return cache["entries"]


def _by_prefix(entries: list[Completion]) -> dict[str, list[Completion]]:
    """First PREFIX letters of a word -> the entries with such a word, in list order (a keystroke then
    looks at the few entries that can match, not at every practice title of the bank)."""
    index: dict[str, list[Completion]] = {}
    for entry in entries:
        for prefix in dict.fromkeys(word[:PREFIX] for word in entry.words if len(word) >= PREFIX):
            index.setdefault(prefix, []).append(entry)
    return index


def _candidates(typed: list[str]) -> list[Completion]:
    entries = _entries()
    longest = max(typed, key=len)
    if len(longest) < PREFIX:
        return entries
    cache = current_app.extensions["kb_completions"]
    return cache["by_prefix"].get(longest[:PREFIX], [])


def complete(text: str, limit: int = MAX_COMPLETIONS) -> list[Completion]:
    """Completions whose words start with the typed words (case and ё/е folded), closest first."""
    typed = _words(" ".join(fold(text[:MAX_QUERY]).split()))
    if not typed or len("".join(typed)) < 2:
        return []
    query = " ".join(typed)
    matches = [
        entry for entry in _candidates(typed)
        if all(any(word.startswith(t) for word in entry.words) for t in typed)
    ]
    matches.sort(key=lambda e: (not e.folded.startswith(query), _KIND_ORDER[e.kind], len(e.label), e.folded))
    return matches[:limit]
