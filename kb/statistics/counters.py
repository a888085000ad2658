"""Counters that reading pages keep (practice views, file downloads): a count that cannot be written now is
skipped, the page is shown all the same."""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy.exc import OperationalError

from kb.extensions import db


def count_quietly(write: Callable[[], None]) -> bool:
    """Run a counter's UPDATE and commit it; False when the database could not take it (a lock held past the
    busy timeout, a full disk, the server restarting): the view goes uncounted rather than the page failing."""
    try:
        write()
        db.session.commit()
    except OperationalError as exc:
        db.session.rollback()
        current_app.logger.warning("A counter was not updated: %s", str(exc.orig or exc).splitlines()[0])
        return False
    return True
