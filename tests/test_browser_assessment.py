"""Real browser, a 320 and 360 px touch phone: the expert assessment form of a practice under review fits the
screen, each score is a 44 px target chosen by a tap on its row, and the saved assessment shows its total
(fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, SHOTS, _heights, _login, browser, chromium, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


def _submitted(app) -> int:
    from kb.accounts.models import User
    from kb.practices.models import Practice
    from kb.practices.services import transition

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == "teacher@demo.example"))
        practice = Practice(title="Школьное научное общество в начальной школе", status="draft",
                            owner_id=teacher.id, region_code="RU-CHE")
        db.session.add(practice)
        db.session.flush()
        transition(teacher, practice, "submit")
        db.session.commit()
        return practice.id


@pytest.mark.parametrize("width", [320, 360])
def test_the_assessment_form_fits_a_phone_and_a_tap_chooses_a_score(live_server, browser, width):  # noqa: F811
    app, base = live_server
    pid = _submitted(app)
    context = browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=2, locale="ru-RU",
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/practices/{pid}")
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    assert min(_heights(page, "main .choice-list li")) >= 44
    for key in ("relevance", "novelty", "effectiveness", "stability", "replicability"):
        row = page.locator(f"#{key}-2").locator("xpath=..")
        row.scroll_into_view_if_needed()
        where = row.bounding_box()
        page.touchscreen.tap(where["x"] + where["width"] - 4, where["y"] + where["height"] / 2)
        assert page.locator(f"#{key}-2").is_checked(), key
    page.fill("#assessment-conclusion", "Опыт рекомендуется к распространению.")
    SHOTS.mkdir(exist_ok=True)
    page.locator("#assessment").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"phone_assessment_{width}.png"))
    page.get_by_role("button", name="Сохранить оценку", exact=True).click()
    page.wait_for_selector(".assessment-total")
    assert "Итого: 10 из 10" in page.inner_text(".assessment-total")
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    context.close()
