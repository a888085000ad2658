"""Real browser, a 360 × 740 touch phone: the statistics tables of a bank with submissions and a title with a very
long word fit the screen, and the lone links, tick boxes, drop-downs and «Как цитировать»-like summaries a finger
taps are at least 44 px tall (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, SHOTS, _heights, _login, _page, browser, chromium, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]

WORD = "профориентационнонаучноисследовательская"  # 40 letters, as some titles of the registry have
LONG_TITLE = f"Лаборатория: {WORD} смена"


def _touch(browser, width: int = 360):  # noqa: F811
    """A phone with a finger: has_touch makes Chromium answer (pointer: coarse)."""
    return browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=2, locale="ru-RU",
                               is_mobile=True, has_touch=True)


def _add_long_titles(app) -> tuple[int, int]:
    """A published practice with a 40-letter word in its title, viewed, submitted and published this month, and a
    submitted one with the same word: the statistics' months table has numbers, the queue a long title."""
    from kb.accounts.models import User
    from kb.practices.models import Practice, PracticeTransition
    from kb.timeutil import utcnow

    with app.app_context():
        teacher = db.session.scalar(select(User.id).where(User.email == "teacher@demo.example"))
        methodist = db.session.scalar(select(User.id).where(User.email == "methodist@demo.example"))
        published = Practice(title=LONG_TITLE, status="published", owner_id=teacher, region_code="RU-CHE",
                             views=10_000)
        submitted = Practice(title=f"Кружок: {WORD}", status="submitted", owner_id=teacher, region_code="RU-CHE")
        db.session.add_all([published, submitted])
        db.session.flush()
        now = utcnow()
        db.session.add_all([
            PracticeTransition(practice_id=published.id, actor_id=teacher, from_status="draft",
                               to_status="submitted", created_at=now - timedelta(hours=2)),
            PracticeTransition(practice_id=published.id, actor_id=methodist, from_status="submitted",
                               to_status="published", created_at=now - timedelta(hours=1)),
            PracticeTransition(practice_id=submitted.id, actor_id=teacher, from_status="draft",
                               to_status="submitted", created_at=now)])
        db.session.commit()
        return published.id, submitted.id


_WIDE_BOXES = """() => [...document.querySelectorAll('main *')].filter(e => {
        const style = getComputedStyle(e);
        return ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1
            && e.getClientRects().length; })
    .map(e => `${e.tagName}.${e.className} «${e.getAttribute('aria-label') || ''}» `
              + `${e.scrollWidth} px in ${e.clientWidth}`)"""


@pytest.mark.parametrize("width", [320, 360])
def test_the_statistics_tables_and_the_tables_of_titles_fit_a_phone(live_server, browser, width):  # noqa: F811
    """Once the bank had submissions, «Поступление и публикация практик по месяцам» was 343 px in a 294 px box at
    360 px: «Опубликовано» was cut off (the demo has none, so the chart said «Пока нет данных»). A title with a
    40-letter word made «Самые просматриваемые практики» 520 px wide: a word does not wrap in a table cell, and
    «Просмотров» was off the screen. Each table now fits: its headings hyphenated where they wrap, a long word
    of a title broken inside its cell; so do the queue and «Мои практики» with that title."""
    app, base = live_server
    published, _ = _add_long_titles(app)
    context = _touch(browser, width)
    page = context.new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/statistics")
    page.evaluate("() => document.querySelectorAll('details.stat-table').forEach(d => { d.open = true; })")
    months = page.evaluate("""() => { const box = document.querySelector('#stat-months .table-scroll');
        const right = box.getBoundingClientRect().right;
        return {rows: box.querySelectorAll('tbody tr').length,
                out: [...box.querySelectorAll('th, td')].filter(c => c.getBoundingClientRect().right > right + 1)
                                                         .map(c => c.innerText)}; }""")
    assert months["rows"] == 24 and months["out"] == [], months
    # the numbers of this month: one submitted twice, one published
    last = page.eval_on_selector("#stat-months tbody tr:last-child",
                                 "r => [...r.cells].map(c => c.innerText.trim())")
    assert last[1:] == ["2", "1"], last
    # each month short for the eye («февр. 2025»), whole for a screen reader and in the CSV
    from kb.statistics.services import MONTH_ABBREVIATIONS, MONTH_NAMES

    labels = page.eval_on_selector_all("#stat-months tbody th", "ths => ths.map(th => [...th.children].map(s => "
                                       "[s.textContent, s.getAttribute('aria-hidden'), s.className]))")
    for (eye, hidden, _), (ear, _, cls) in labels:
        short, year = eye.split(" ")
        assert hidden == "true" and cls == "visually-hidden" and year.isdigit(), labels
        assert ear == f"{MONTH_NAMES[MONTH_ABBREVIATIONS.index(short)]} {year}", labels
    assert len({eye for (eye, _, _), _ in labels}) == 24
    # the headings read whole (the soft hyphens are no letters) and the CSV keeps them as they were
    headings = page.eval_on_selector_all("#stat-months thead th", "hs => hs.map(h => h.textContent)")
    assert [h.replace("\u00ad", "") for h in headings] == ["Месяц", "Отправлено на рассмотрение", "Опубликовано"]
    csv = page.request.get(f"{base}/statistics/months.csv").body().decode("utf-8-sig")
    assert "\u00ad" not in csv and "Отправлено на рассмотрение;Опубликовано" in csv.splitlines()[0]
    views = page.locator("#stat-views .table-scroll")
    assert WORD in views.inner_text()
    assert page.evaluate(_WIDE_BOXES) == []
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    views.scroll_into_view_if_needed()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"phone_statistics_long_title_{width}.png"))
    page.locator("#stat-months .table-scroll").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"phone_statistics_months_{width}.png"))
    # the other pages with that title in a table or a list
    for url in ("/practices/moderation", f"/practices/{published}", f"/practices/{published}/history",
                f"/search?q={WORD}"):
        page.goto(base + url)
        assert page.evaluate(_WIDE_BOXES) == [], url
        assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0, url
    context.clear_cookies()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/mine")
    assert page.evaluate(_WIDE_BOXES) == [] and page.evaluate(
        "document.scrollingElement.scrollWidth - window.innerWidth") == 0
    context.close()


# url: {selector: with a mouse on a wide screen, the height of a one-line target stays below it}
_TARGETS = {
    "/practices/new": {"main .checkbox-list input[type=checkbox]": 30, "main form.practice-form select": 40},
    "/search?q=олимпиада": {"main .result a.tag": 30},
    "/practices/{practice}": {"main a.tag": 30, "main nav.toc a": 30, "main dd > a:not(.tag)": 30},
    "/resolutions/{resolution}": {"main details.cite-box > summary": 35, "main details.full-text > summary": 35},
    "/statistics": {"main details.stat-table > summary": 35},
    "/topics": {"main .browse-list a": 35}, "/levels": {"main .browse-list a": 35},
    "/regions": {"main .browse-list a": 35, "main details.regions-without > summary": 35},  # «Регионы без практик»
    "/practices/moderation": {"main td a[href*='region=']": 50},  # «Челябинская область»: two lines of its column
}


def test_the_lone_links_tick_boxes_lists_and_summaries_are_44_px_targets_on_a_touch_phone(
        live_server, browser):  # noqa: F811
    """On a touch phone the practice form's tick boxes of levels, subjects and topics were 26 px tall (the box 13,
    rows 30 px apart), its drop-downs 37, the tags 23, a practice's contents and its region and year 19,
    «Как цитировать», «Полный текст резолюции» and «Таблица чисел» 24–26, the lists of /topics, /regions and
    /levels 26 and the queue's region 16. Under (pointer: coarse) each is now at least 44 px tall; a whole row
    of a tick box's list ticks it; a wide screen with a mouse keeps the compact look."""
    app, base = live_server
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    _add_long_titles(app)
    with app.app_context():
        practice = db.session.scalar(select(Practice.id).where(Practice.status == "published",
                                                               Practice.year.is_not(None),
                                                               Practice.region_code.is_not(None))
                                     .order_by(Practice.id))
        resolution = db.session.scalar(select(Resolution.id).where(Resolution.full_text != "")
                                       .order_by(Resolution.id))
    context = _touch(browser)
    page = context.new_page()
    desk = _page(browser)
    for each in (page, desk):
        _login(each, base, "methodist@demo.example", "demo-methodist-pass")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    small, loose = {}, {}
    for url, selectors in _TARGETS.items():
        url = url.format(practice=practice, resolution=resolution)
        page.goto(base + url)
        desk.goto(base + url)
        assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0, url
        for selector, compact in selectors.items():
            if (height := min(_heights(page, selector))) < 44:
                small[f"{url} {selector}"] = height
            compact_heights = _heights(desk, selector)  # one line each (a long topic's takes two)
            if min(compact_heights) >= compact:
                loose[f"{url} {selector}"] = min(compact_heights)
    assert small == {}, small
    assert loose == {}, loose
    # a tap at the far end of a level's row, beyond its words, ticks the box; a second one clears it
    page.goto(f"{base}/practices/new")
    row = page.locator("main .checkbox-list li").first
    row.scroll_into_view_if_needed()
    box = row.locator("input[type=checkbox]")
    where = row.bounding_box()
    spot = (where["x"] + where["width"] - 4, where["y"] + where["height"] / 2)
    assert page.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('li') !== null", list(spot))
    page.touchscreen.tap(*spot)
    assert box.is_checked()
    page.touchscreen.tap(*spot)
    assert not box.is_checked()
    SHOTS.mkdir(exist_ok=True)  # the screen only: a full-page shot resizes the page and drops the touch emulation
    page.screenshot(path=str(SHOTS / "phone_touch_form_ticks.png"))
    page.goto(f"{base}/practices/{practice}")
    page.locator(".metadata").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "phone_touch_practice_facts.png"))
    context.close()
