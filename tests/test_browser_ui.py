"""Real browser: the page scripts (static/*.js) and the layout on a phone — «В подборку» on a page shown before the
user had a collection, messages after an action that scrolls to its part of the page, charts, completions, facet
filters, «Как цитировать» (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, _login, _page, _shot, browser, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


def _phone(browser):  # noqa: F811
    return browser.new_context(viewport={"width": 375, "height": 812}, locale="ru-RU").new_page()


def test_clicks_on_several_results_fill_one_collection(live_server, browser):  # noqa: F811
    """The teacher has no collection, so the buttons have no list: each click made «Моя подборка», «… 2», «… 3»
    with one material each. The first click's collection goes into every button of the page."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.collections.models import Collection

    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/search?q=олимпиада")
    forms = page.locator(".result form.add-to-collection")
    assert forms.count() >= 3 and page.locator(".result form.add-to-collection select").count() == 0
    for i in range(3):
        forms.nth(i).locator("button").click()
        forms.nth(i).locator("[role=status] a", has_text="Открыть подборку").wait_for()
        assert "«Моя подборка»" in forms.nth(i).locator("[role=status]").inner_text()
        if i == 0:  # the next clicks name the collection themselves
            chosen = page.eval_on_selector_all(".result form.add-to-collection input[name=collection]",
                                               "inputs => inputs.map(i => i.value)")
            assert len(chosen) == forms.count() and len(set(chosen)) == 1 and chosen[0].isdigit(), chosen
    with app.app_context():
        teacher = db.session.scalar(select(User.id).where(User.email == "teacher@demo.example"))
        collections = db.session.scalars(select(Collection).where(Collection.owner_id == teacher)).all()
        assert [(c.id, c.title, len(c.items)) for c in collections] == [(int(chosen[0]), "Моя подборка", 3)]
    _shot(page, "one_collection_from_three_clicks")
