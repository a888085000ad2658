"""Saved searches: a user keeps a search to repeat it or follow its Atom feed."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

from kb.accounts.models import User
from kb.extensions import db
from kb.search.models import SavedSearch
from kb.search.services import SearchParams, facet_label
from kb.textclean import composed, xml_text
from kb.vocabularies.services import labels

MAX_PER_USER = 50


class SavedSearchError(ValueError):
    """The search cannot be saved; the message is for the user."""


def query_string(params: SearchParams) -> str:
    """The normalised query string of a search (no page: a saved search starts at its first page)."""
    args = params.to_args(page=None)
    return urlencode([(k, v) for k, values in args.items() if values is not None
                      for v in (values if isinstance(values, list) else [values])])


def default_name(params: SearchParams) -> str:
    """A search's name when the user types none: its words and the names of its filters in the page's order
    («ШНО · Олимпиады и конкурсы · Челябинская область»), so that searches by filters alone, all called «Поиск»
    before, differ.
    The name column holds 200 characters; the words alone can be 1000."""
    vocab = labels()
    words = " ".join(xml_text(params.q).split())
    parts = [words] if words else []
    parts += [", ".join(facet_label(name, value, params, vocab) for value in values)
              for name, values in params.filters.items() if values]
    return " · ".join(parts)[:200].rstrip() or "Поиск"


def save_search(user: User, name: str, params: SearchParams) -> SavedSearch:
    """Keep a search under a name (``default_name`` when none is given); the same search saved again is renamed,
    not repeated. The name, typed or made of the search's words, is kept without control characters (a NUL is a
    row PostgreSQL refuses) and in NFC."""
    query = query_string(params)
    name = " ".join(composed(xml_text(name)).split())[:200].rstrip() or default_name(params)
    existing = db.session.scalar(select(SavedSearch).where(SavedSearch.user_id == user.id, SavedSearch.query == query))
    if existing is not None:
        existing.name = name
        return existing
    count = db.session.scalar(select(func.count()).where(SavedSearch.user_id == user.id)) or 0
    if count >= MAX_PER_USER:
        raise SavedSearchError(f"Можно сохранить не больше {MAX_PER_USER} поисков: удалите ненужные в профиле.")
    saved = SavedSearch(user_id=user.id, name=name, query=query)
    db.session.add(saved)
    db.session.flush()
    return saved


def saved_searches(user: User) -> list[SavedSearch]:
    return list(db.session.scalars(
        select(SavedSearch).where(SavedSearch.user_id == user.id).order_by(SavedSearch.created_at.desc())))


def own_saved_search(user: User, saved_id: int) -> SavedSearch | None:
    """One of the user's saved searches; None when it is not theirs or not there."""
    saved = db.session.get(SavedSearch, saved_id)
    return saved if saved is not None and saved.user_id == user.id else None


def delete_saved_search(user: User, saved_id: int) -> bool:
    """Delete one of the user's saved searches; False when it is not theirs or not there."""
    saved = own_saved_search(user, saved_id)
    if saved is None:
        return False
    db.session.delete(saved)
    return True
