"""Completions for the search box: practice titles, topics, organisations and regions, public ones only.

The list is read from the database once and kept until the index outbox moves on (every change of
a practice or resolution writes a row there) or a topic or region is renamed, so a keystroke costs one small
query and a scan of a few hundred strings.
"""

from __future__ import annotations

import re
import threading
import time

from flask import current_app, url_for
from sqlalchemy import func, or_, select

from indexer.analysis import fold
from indexer.layout import russian_keys
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Resolution, resolution_region
from kb.search import outbox
from kb.search.models import IndexOutbox
from kb.templating import phrase_query, search_url
from kb.textclean import composed
from kb.vocabularies.models import Region, Topic
from kb.vocabularies.services import labels

MAX_COMPLETIONS = 8
INCREMENTAL_LIMIT = 5000  # outbox rows since the list was read, above which it is read whole again
MAX_QUERY = 100
PREFIX = 2  # letters of the index of words by their beginning
KIND_LABELS = {"topic": "Тема", "region": "Регион", "practice": "Практика", "organisation": "Организация"}
# Within one closeness, the short lists first: a topic or a region is a broader answer than one practice.
_KIND_ORDER = {"topic": 0, "region": 1, "practice": 2, "organisation": 3}
_lock = threading.Lock()


class Completion:
    """One line of the list under the search box. Every worker keeps one for each public practice, so it
    is small: the kind, the target and the words of the label, folded, as one string (" школьный музей":
    a word starts with "му" when " му" is in it). A practice's label is its title, read from the database
    only for the lines shown (``complete``); the few other lines keep theirs."""

    __slots__ = ("kind", "label", "target", "words")

    def __init__(self, label: str | None, kind: str, target: str | int, words: str):
        self.label, self.kind, self.target, self.words = label, kind, target, words

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Completion) and (self.kind, self.target, self.words) == (
            other.kind, other.target, other.words)

    __hash__ = None

    def has_word_starting(self, typed: str) -> bool:
        return f" {typed}" in self.words

    @property
    def url(self) -> str:
        if self.kind == "practice":  # target: a practice's id, its URL built only when shown
            return url_for("practices.detail", practice_id=self.target)
        return str(self.target)

    def to_json(self) -> dict:
        return {"label": self.label, "kind": self.kind, "kind_label": KIND_LABELS[self.kind], "url": self.url}


def _completion(label: str, kind: str, target: str | int) -> Completion:
    return Completion(None if kind == "practice" else label, kind, target, _word_line(label))


_WORD = re.compile(r"[^\W_]+")  # letters and digits: str.isalnum()


def _words(folded: str) -> list[str]:
    # a regex, not a loop over characters: the list of 100,000 practice titles is built in a second
    return _WORD.findall(folded)


def _word_line(label: str) -> str:
    """The words of a label, folded, each after a space."""
    words = _words(fold(label))
    return " " + " ".join(words) if words else ""


def _practice_entries(ids: list[int] | None = None) -> list[Completion]:
    """The completions of published practices (all, or those of ``ids``)."""
    query = select(Practice.id, Practice.title).where(Practice.status == "published")
    if ids is not None:
        query = query.where(Practice.id.in_(ids))
    # streamed: 100,000 titles read at once stayed in the worker's heap after the list was built
    return [_completion(title, "practice", pid)
            for pid, title in db.session.execute(query.execution_options(yield_per=2000))]


def _other_entries() -> list[Completion]:
    """Organisations, topics and regions: few, read whole."""
    published = Practice.status == "published"
    organisations = db.session.scalars(
        select(Practice.organisation).where(published, Practice.organisation != "").distinct()
    )
    entries = [_completion(org, "organisation", organisation_search_url(org)) for org in sorted(set(organisations))]
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


def organisation_search_url(name: str) -> str:
    """The search for an organisation's name as a phrase, as the practice page links it (``phrase_query``). The
    quote marks of the name itself («МБУ «Центр развития образования» г. Смоленска») become spaces: left in, they
    closed the phrase and opened another, and the search found most of the bank; the words of the phrase are the
    same without them (the index keeps no punctuation)."""
    return search_url(q=phrase_query(name))


def _load() -> list[Completion]:
    """Every completion the public may see."""
    return _practice_entries() + _other_entries()


def _entries() -> list[Completion]:
    """The cached list, brought up to date when anything indexed has changed since it was read: the
    practices the outbox names since then are read again (at 100,000 practices reading them all took
    seconds, on every change), the short lists whole.

    Outbox ids become visible in the order their transactions commit, not the order they were taken (PostgreSQL's
    sequence): ids below the highest one read that were not there yet are remembered as gaps and looked for again
    for a while, as the index writer does (kb.search.outbox); a title edit committed late was never applied.

    A rename of a topic or region writes no outbox row: the topics and regions are read again when the labels of the
    vocabularies change, as the facets see them (this process's change at once, another's within
    VOCABULARY_SECONDS)."""
    version = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    vocabulary = labels()
    names = (tuple(vocabulary.topic.items()), tuple(vocabulary.region.items()))
    cache = current_app.extensions.setdefault("kb_completions", {})
    with _lock:
        known = cache.get("version")
        gaps: dict[int, float] = cache.get("gaps", {})
        renamed = cache.get("names") != names
        if known == version and not gaps and not renamed:
            return cache["entries"]
        changed = None
        now = time.time()
        if known is not None and version >= known:
            rows = db.session.execute(
                select(IndexOutbox.id, IndexOutbox.doc_type, IndexOutbox.doc_id)
                .where(or_(IndexOutbox.id > known, IndexOutbox.id.in_(list(gaps))) if gaps else IndexOutbox.id > known)
                .limit(INCREMENTAL_LIMIT + 1)
            ).all()
            if len(rows) <= INCREMENTAL_LIMIT:
                changed = {doc_id for _id, doc_type, doc_id in rows if doc_type == "practice"}
                seen = {row_id for row_id, _type, _doc in rows}
                highest = max([known, *seen])
                gaps = {gid: t for gid, t in gaps.items() if gid not in seen and now - t < outbox.GAP_TTL_SECONDS}
                gaps.update({gid: now for gid in range(known + 1, highest) if gid not in seen})
                if not rows and not renamed:  # only gaps were looked for, and none has come: the list stands
                    cache["gaps"] = gaps
                    return cache["entries"]
                version = highest
        if changed is None:
            start = outbox.rebuild_point()  # the ids still in flight below the highest: gaps to look for
            version, gaps = start.position, start.gaps
            practices = _practice_entries()
        else:
            practices = [e for e in cache["practices"] if e.target not in changed]
            practices += _practice_entries(sorted(changed)) if changed else []
        cache["practices"] = practices
        cache["entries"] = practices + _other_entries()
        cache["by_prefix"] = _by_prefix(cache["entries"])
        cache["version"] = version
        cache["gaps"] = gaps
        cache["names"] = names
        return cache["entries"]


def _by_prefix(entries: list[Completion]) -> dict[str, list[Completion]]:
    """First PREFIX letters of a word -> the entries with such a word, in the order a query of just those
    letters shows them (a keystroke then looks at the few entries that can match, not at every practice
    title of the bank; two letters typed take the first entries of their list as they are).

    That order is ``_order``'s: the entries whose first word starts so, then the rest, each part by kind,
    length and words. So the entries are sorted by the last three once, and each goes to the front or the
    back part of its prefixes' lists in that order (a sort per list with a key per entry took two seconds
    of building the list at 100,000 practices)."""
    front: dict[str, list[Completion]] = {}
    back: dict[str, list[Completion]] = {}
    for entry in sorted(entries, key=lambda e: (_KIND_ORDER[e.kind], len(e.words), e.words)):
        words = entry.words.split()
        first = words[0][:PREFIX] if words else ""
        for prefix in dict.fromkeys(word[:PREFIX] for word in words if len(word) >= PREFIX):
            (front if prefix == first else back).setdefault(prefix, []).append(entry)
    return {prefix: front.get(prefix, []) + back.get(prefix, []) for prefix in {*front, *back}}


def _order(entry: Completion, query: str) -> tuple:
    """Closest first: the label starts with the query, then by kind, the shorter label, the words."""
    return (not entry.words.startswith(f" {query}"), _KIND_ORDER[entry.kind], len(entry.words), entry.words)


def _candidates(typed: list[str]) -> list[Completion]:
    entries = _entries()
    longest = max(typed, key=len)
    if len(longest) < PREFIX:
        return entries
    cache = current_app.extensions["kb_completions"]
    return cache["by_prefix"].get(longest[:PREFIX], [])


def complete(text: str, limit: int = MAX_COMPLETIONS) -> list[Completion]:
    """Completions whose words start with the typed words (case and ё/е folded), closest first; when there
    are none and Latin letters were typed, those of the same keys in the Russian layout («ghj» is «про»). The
    text is read in NFC: «й» as «и» and a combining breve is «й»."""
    text = composed(text)
    found = _complete(text, limit)
    if not found and _LATIN.search(text) and (retyped := russian_keys(text)) != text:
        found = _complete(retyped, limit)
    return found


_LATIN = re.compile("[A-Za-z]")


def _complete(text: str, limit: int) -> list[Completion]:
    typed = _words(" ".join(fold(text[:MAX_QUERY]).split()))
    if not typed or len("".join(typed)) < 2:
        return []
    query = " ".join(typed)
    if len(typed) == 1 and len(query) == PREFIX:
        # every entry of the prefix's list matches, already in order
        return _labelled(_candidates(typed)[:limit], typed)
    matches = [entry for entry in _candidates(typed) if all(entry.has_word_starting(t) for t in typed)]
    matches.sort(key=lambda entry: _order(entry, query))
    return _labelled(matches[:limit], typed)


def _labelled(entries: list[Completion], typed: list[str]) -> list[Completion]:
    """The entries with their labels: practice titles read for these few. One left unpublished since the list
    was read is left out, and so is one whose title no longer has the ``typed`` words (an edit the list has not
    caught up with yet: the words of the title it was found by may be words removed from it)."""
    ids = [entry.target for entry in entries if entry.label is None]
    titles = dict(db.session.execute(
        select(Practice.id, Practice.title).where(Practice.id.in_(ids), Practice.status == "published")
    ).all()) if ids else {}
    out = []
    for entry in entries:
        if entry.label is not None:
            out.append(entry)
        elif (title := titles.get(entry.target)) is not None:
            current = Completion(title, entry.kind, entry.target, _word_line(title))
            if all(current.has_word_starting(word) for word in typed):
                out.append(current)
    return out
