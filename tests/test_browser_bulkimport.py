"""Real browser: the bulk import's progress page (static/bulkimport.js) when its numbers can no longer be read —
the upload expired and was cleared, or the reader was signed out: the script stops polling and says why in
Russian, the bar stops moving and «Обновить» appears (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, _login, _page, _shot, browser, chromium, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


def _queued_import(app, email: str):
    """An upload of this user whose import is queued (no thread runs it): its page polls progress.json."""
    from kb.accounts.models import User
    from kb.bulkimport import jobs, staging

    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        staged = staging.stage(user_id, "реестр.csv", b"external_id;title\n", "", None, False)
        staging.claim(staged)
        jobs.ProgressWriter(staged).queued()
        return staged


@pytest.mark.parametrize("gone", ["cleared", "signed_out"])
def test_the_progress_page_stops_and_says_why_when_its_numbers_are_refused(live_server, browser, gone):  # noqa: F811
    app, base = live_server
    from kb.bulkimport import staging

    staged = _queued_import(app, "methodist@demo.example")
    page = _page(browser)
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    polls: list[int] = []
    page.on("response", lambda r: polls.append(r.status) if r.url.endswith("/progress.json") else None)
    page.goto(f"{base}/import/practices/{staged.token}/progress")
    assert page.locator("a.import-refresh").is_hidden()
    page.wait_for_timeout(2500)  # one poll answered 200
    assert polls and polls[0] == 200

    if gone == "cleared":
        with app.app_context():
            staging.discard(staged)
        said, status = "Такой загрузки нет", 404
    else:
        page.context.clear_cookies()
        said, status = "войдите снова", 401
    page.locator("#import-status", has_text=said).wait_for(timeout=10_000)
    text = page.locator("#import-status").inner_text()
    assert text.startswith("Ход загрузки больше не обновляется.") and "<" not in text
    assert polls[-1] == status
    assert page.locator("a.import-refresh").is_visible()
    assert page.locator("#import-progress").is_hidden()  # no bar left moving for nothing
    assert page.locator("label[for=import-progress]").is_hidden()
    asked = len(polls)
    time.sleep(5)  # more than two polling intervals
    assert len(polls) == asked, "the page went on polling"
    _shot(page, f"bulkimport_progress_{gone}")
