"""Accessibility in a real browser: axe-core (vendored, tests/vendor/axe-core) on every main page, and keyboard use.

axe runs the WCAG 2.0/2.1 A and AA rules plus its best-practice rules; a page passes with zero serious or
critical violations (the details are printed when it does not). Skipped like tests/test_browser.py where no
Chromium is installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, SHOTS, browser, chromium, live_server  # noqa: F401  (fixtures)

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


def _context(browser, width: int = 1280):  # noqa: F811
    # The site's Content-Security-Policy forbids inline scripts; only the test's injected axe needs the bypass.
    return browser.new_context(viewport={"width": width, "height": 900}, locale="ru-RU", bypass_csp=True)


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def _axe(page) -> list[dict]:
    """Violations axe-core finds on the current page, serious and critical ones first."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS)
    order = {"critical": 0, "serious": 1, "moderate": 2, "minor": 3}
    return sorted(result["violations"], key=lambda v: order.get(v["impact"], 4))


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"      {json.dumps(node['target'], ensure_ascii=False)} {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      ")[:400])
    return "\n".join(lines)


def _check_pages(page, base: str, paths: list[str], shot: str) -> None:
    """Open each page, run axe; fail listing every serious or critical violation of all pages at once."""
    failures = []
    for path in paths:
        page.goto(base + path)
        blocking = [v for v in _axe(page) if v["impact"] in BLOCKING]
        if blocking:
            failures.append(_describe(path, blocking))
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)
    assert not failures, "axe-core: serious or critical violations\n" + "\n".join(failures)


def _demo_ids(app) -> dict[str, int]:
    """A published practice, a resolution, and a public collection made for the test."""
    from kb.accounts.models import User
    from kb.collections.services import add_item, create_collection
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    with app.app_context():
        practice = db.session.scalars(
            select(Practice).where(Practice.status == "published").order_by(Practice.id)).first()
        resolution = db.session.scalars(select(Resolution).order_by(Resolution.id)).first()
        owner = db.session.scalars(select(User).where(User.email == "teacher@demo.example")).one()
        collection = create_collection(owner, "Одарённые дети: курс для методистов",
                                       "Материалы к занятию о выявлении одарённости.", visibility="public")
        add_item(owner, collection, "practice", practice.id)
        add_item(owner, collection, "resolution", resolution.id)
        db.session.commit()
        ids = {"practice": practice.id, "resolution": resolution.id, "collection": collection.id,
               "item": collection.items[0].id}
        db.session.remove()
    return ids


def test_public_pages_have_no_serious_violations(live_server, browser):  # noqa: F811
    app, base = live_server
    ids = _demo_ids(app)
    page = _context(browser).new_page()
    _check_pages(page, base, [
        "/",
        "/search?q=одарённые дети",
        "/search?q=олимпиада&level=basic",
        "/search",
        "/search?q=жзщхъыыы",
        f"/practices/{ids['practice']}",
        "/resolutions",
        f"/resolutions/{ids['resolution']}",
        "/topics",
        "/regions",
        "/regions/RU-CHE",
        "/levels",
        "/collections",
        f"/collections/{ids['collection']}",
        "/login",
        "/register",
        "/reset",
        "/privacy",
        "/no-such-page",
    ], "accessibility_public")


def test_teacher_pages_have_no_serious_violations(live_server, browser):  # noqa: F811
    app, base = live_server
    ids = _demo_ids(app)
    page = _context(browser).new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    _check_pages(page, base, [
        "/",
        "/practices/new",
        "/practices/mine",
        "/profile",
        "/profile/password",
        "/profile/edit",
        "/profile/delete",
        "/collections/mine",
        "/collections/new",
        f"/collections/{ids['collection']}",
        f"/collections/{ids['collection']}/delete",
        f"/collections/{ids['collection']}/items/{ids['item']}/remove",
        "/search?q=олимпиада",
        f"/practices/{ids['practice']}",
        f"/resolutions/{ids['resolution']}",
    ], "accessibility_teacher")


def test_methodist_and_admin_pages_have_no_serious_violations(live_server, browser):  # noqa: F811
    app, base = live_server
    resolution = f"/resolutions/{_demo_ids(app)['resolution']}"
    page = _context(browser).new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/practices/moderation")
    under_review = page.locator("main table a[href^='/practices/']").first.get_attribute("href")
    _check_pages(page, base, ["/practices/moderation", under_review, f"{under_review}/history", "/statistics",
                              "/resolutions/import", "/import/practices", resolution, f"{resolution}/edit",
                              f"{resolution}/delete"], "accessibility_methodist")
    admin = _context(browser).new_page()
    _login(admin, base, "admin@demo.example", "demo-admin-pass")
    _check_pages(admin, base, ["/admin/users", "/admin/audit", "/admin/vocabularies", "/statistics"],
                 "accessibility_admin")


def test_phone_width_pages_have_no_serious_violations(live_server, browser):  # noqa: F811
    app, base = live_server
    ids = _demo_ids(app)
    from kb.practices.models import PracticeTransition

    with app.app_context():  # a history with a status table, wider than the phone
        db.session.add(PracticeTransition(practice_id=ids["practice"], from_status="submitted", to_status="published",
                                          comment="Опубликована после рассмотрения методическим советом округа."))
        db.session.commit()
        db.session.remove()
    page = _context(browser, width=360).new_page()
    # the history's table and the API's code example scroll sideways there: each is a focusable named region
    _check_pages(page, base, ["/", "/search?q=одарённые дети", f"/practices/{ids['practice']}",
                              f"/practices/{ids['practice']}/history", "/api"], "accessibility_phone")


# ---- Keyboard use ----------------------------------------------------------------------------------------

def _focused(page, expression: str):
    return page.evaluate(f"(() => {{ const el = document.activeElement; return {expression}; }})()")


def test_every_focused_control_shows_a_focus_ring(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search?q=олимпиада")
    seen = []
    while sum(t.startswith("A.facet-value") for t in seen) < 10 and len(seen) < 200:  # the filters follow the results
        page.keyboard.press("Tab")
        tag, outline_style, outline_width = _focused(
            page, "[el.tagName + (el.className ? '.' + el.className : ''), getComputedStyle(el).outlineStyle, "
                  "parseFloat(getComputedStyle(el).outlineWidth)]")
        seen.append(tag)
        assert outline_style != "none" and outline_width >= 2, f"no visible focus on {tag}"
    assert any(t.startswith("A.facet-value") for t in seen) and any(t.startswith("INPUT") for t in seen)


def test_skip_link_moves_past_the_header(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search?q=олимпиада")
    page.keyboard.press("Tab")
    assert _focused(page, "el.className") == "skip-link"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _focused(page, "el.closest('main') !== null"), "the next Tab after the skip link lands inside <main>"


def test_folded_facet_values_open_and_apply_from_the_keyboard(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search")
    facet = page.locator(".facet[data-facet=topic]")
    summary = facet.locator("details > summary")
    assert summary.inner_text().startswith("Ещё")
    folded = facet.locator("details li a.facet-value").first
    assert not folded.is_visible()
    summary.focus()
    page.keyboard.press("Enter")
    assert folded.is_visible()
    page.keyboard.press("Tab")
    assert _focused(page, "el.closest('details') !== null && el.classList.contains('facet-value')")
    label = _focused(page, "el.textContent.trim()")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?topic=*")
    chip = page.locator(".active-filters a.chip--active")
    assert chip.count() == 1 and label in chip.inner_text()
    assert facet.locator("a.facet-value.selected").is_visible(), "a selected value stays in sight, not folded away"


def test_region_filter_narrows_the_list_and_the_list_works_without_script(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search")
    regions = page.locator(".facet[data-facet=region] li[data-label]")
    total = regions.count()
    assert total > 8
    box = page.locator("#facet-filter-region")
    box.focus()
    page.keyboard.type("челяб")  # lower case, as typed: the filter ignores case and ё/е
    visible = [regions.nth(i).inner_text() for i in range(total) if regions.nth(i).is_visible()]
    assert visible and all("Челяб" in text for text in visible), visible
    page.keyboard.press("Tab")
    assert _focused(page, "el.classList.contains('facet-value')") and "Челяб" in _focused(page, "el.textContent")

    plain = browser.new_context(java_script_enabled=False, locale="ru-RU").new_page()
    plain.goto(f"{base}/search")
    assert not plain.locator("#facet-filter-region").is_visible(), "without script the box that cannot work is hidden"
    assert plain.locator(".facet[data-facet=region] li[data-label] a.facet-value").count() == total


def test_search_suggestions_are_chosen_with_the_arrow_keys(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(base)
    page.locator("#q-top").focus()
    page.keyboard.type("олимп")
    listbox = page.locator("#search-suggestions-0")
    listbox.wait_for(state="visible")
    assert page.locator("#q-top").get_attribute("aria-expanded") == "true"
    options = listbox.locator("[role=option]").count()
    announced = page.locator("#search-suggestions-0-status").inner_text()
    assert announced.startswith(f"{options} подсказ") and "стрелками" in announced
    page.keyboard.press("ArrowDown")
    first = listbox.locator("[role=option]").first
    assert first.get_attribute("aria-selected") == "true"
    assert page.locator("#q-top").get_attribute("aria-activedescendant") == first.get_attribute("id")
    page.keyboard.press("Escape")
    assert not listbox.is_visible() and page.locator("#q-top").get_attribute("aria-expanded") == "false"
    page.keyboard.press("ArrowDown")  # closed: the arrow does nothing, typing goes on
    page.keyboard.type("иада")
    listbox.wait_for(state="visible")
    page.keyboard.press("ArrowDown")
    target = listbox.locator("[role=option]").first.get_attribute("data-url")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")


def test_phone_filters_link_takes_focus_to_the_facets(live_server, browser):  # noqa: F811
    _, base = live_server
    page = _context(browser, width=375).new_page()
    page.goto(f"{base}/search?q=олимпиада")
    link = page.locator("a.to-filters")
    assert link.is_visible()
    facets_top = page.locator("#filters").bounding_box()["y"]
    results_top = page.locator(".result-list").bounding_box()["y"]
    assert facets_top > results_top, "on a phone the results come first, the filters after them"
    link.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert _focused(page, "el.closest('#filters') !== null")
    assert link.inner_text() == "Уточнить: фильтры ниже ↓"
    wide = _context(browser).new_page()
    wide.goto(f"{base}/search?q=олимпиада")
    link = wide.locator("a.to-filters")
    assert link.bounding_box()["x"] < 0, "on a wide screen the link is out of sight until focused"
    link.focus()  # then it is a way for the keyboard past the results to the filters, which are on the left
    assert link.bounding_box()["x"] > 0 and link.inner_text() == "Уточнить: фильтры слева ←"
    wide.keyboard.press("Enter")
    wide.keyboard.press("Tab")
    assert _focused(wide, "el.closest('#filters') !== null")


def _tab_stops(page, count: int) -> list[str]:
    """Where each of the next Tab presses lands: "filters", "result" or "" (elsewhere)."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        stops.append(_focused(page, "el.closest('#filters') ? 'filters' : el.closest('.result') ? 'result' : ''"))
    return stops


@pytest.mark.parametrize(("width", "scale"), [(360, 1), (640, 2)])  # a phone; 1280 pixels at 200 % zoom
def test_on_a_narrow_screen_tab_reaches_the_results_before_the_filters(  # noqa: F811
        live_server, browser, width, scale):  # noqa: F811
    """The filters were shown below the results (CSS order) but came first in the source: after the skip link
    43 Tab presses went through the filters, off the bottom of the screen, before the first result."""
    _, base = live_server
    page = browser.new_context(viewport={"width": width, "height": 740}, device_scale_factor=scale,
                               locale="ru-RU").new_page()
    page.goto(f"{base}/search?q=олимпиада")
    facets_top = page.locator("#filters").bounding_box()["y"]
    assert facets_top > page.locator(".result").last.bounding_box()["y"]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    stops = _tab_stops(page, 150)
    assert "result" in stops and "filters" in stops
    assert stops.index("result") < stops.index("filters")
    assert "filters" not in stops[:stops.index("result")]
    assert "result" not in stops[stops.index("filters"):], "the filters come after the last result"


def test_on_a_wide_screen_the_filters_stay_on_the_left_of_the_results(live_server, browser):  # noqa: F811
    """Results first in the source must not move the wide layout: filters in a column left of the results."""
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search?q=олимпиада")
    facets, results = page.locator("#filters").bounding_box(), page.locator("section.results").bounding_box()
    assert facets["x"] + facets["width"] < results["x"] and abs(facets["y"] - results["y"]) < 2
    page.goto(f"{base}/search?q=жзщхъыыы")  # nothing found: no filters, the results take the whole width
    assert page.locator("section.results").bounding_box()["x"] < 100


def test_the_chosen_filters_are_a_named_group(live_server, browser):  # noqa: F811
    """div.active-filters had aria-label on a plain div: ARIA forbids naming one, so nothing read the name."""
    _, base = live_server
    page = _context(browser).new_page()
    page.goto(f"{base}/search?q=олимпиада&level=primary")
    assert page.get_by_role("group", name="Выбранные фильтры").locator("a.chip--active").count() == 1


def test_adding_to_a_collection_keeps_the_keyboard_focus_on_the_button(live_server, browser, monkeypatch):  # noqa: F811
    """«В подборку» was disabled while its request ran: the focused button lost focus to <body>, and the next
    Tab started again from the top of the page."""
    import time

    app, base = live_server
    ids = _demo_ids(app)
    view = app.view_functions["collections.add"]

    def slow_add(*args, **kwargs):  # the second Enter must come while the request runs, on any machine
        time.sleep(0.5)
        return view(*args, **kwargs)

    monkeypatch.setitem(app.view_functions, "collections.add", slow_add)
    page = _context(browser).new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/{ids['practice']}")
    form = page.locator("form.add-to-collection").first
    form.locator("select").select_option("new")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    button = form.locator("button")
    button.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # pressed again while the request runs: ignored, one request only
    form.locator("[role=status] a", has_text="Открыть подборку").wait_for()
    assert _focused(page, "el.tagName") == "BUTTON" and _focused(page, "el.closest('form.add-to-collection') !== null")
    assert button.get_attribute("aria-disabled") is None
    assert "добавлено в подборку" in form.locator("[role=status]").inner_text().lower()
    page.keyboard.press("Tab")
    assert _focused(page, "el.textContent") == "Открыть подборку"
    assert posts == [f"{base}/collections/add"]


def test_import_progress_is_updated_in_place_and_opens_the_result(  # noqa: F811
        live_server, browser, monkeypatch, tmp_path):  # noqa: F811
    """The progress page reloaded itself every two seconds (<meta http-equiv=refresh>): focus went back to the
    top each time and a screen reader started the page over."""
    from kb.bulkimport import jobs, staging
    from kb.bulkimport.services import RowResult
    from tests.test_bulk_import import csv_bytes, row

    app, base = live_server
    monkeypatch.setattr(jobs, "start", lambda app, token: None)  # the test moves the import on itself
    registry = tmp_path / "реестр.csv"
    registry.write_bytes(csv_bytes([row("BR-1", "Первая практика реестра"), row("BR-2", "Вторая практика реестра")]))
    page = _context(browser).new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/import/practices")
    page.set_input_files("#registry", str(registry))
    page.click("main form button[type=submit]")
    page.locator("main form button", has_text="Импортировать").first.click()
    page.wait_for_url("**/progress")
    token = page.url.rsplit("/", 2)[-2]
    assert page.locator("meta[http-equiv]").count() == 0
    blocking = [v for v in _axe(page) if v["impact"] in BLOCKING]  # meta-refresh was one (WCAG 2.2.1)
    assert not blocking, _describe(page.url, blocking)
    assert not page.locator("a.import-refresh").is_visible(), "the script updates the page: no «Обновить»"
    page.evaluate("window.sameDocument = true")
    nav = page.locator("nav.main-nav a").nth(2)
    nav.focus()

    with app.app_context():
        staged = staging.find(token)
    writer = jobs.ProgressWriter(staged)
    writer.start(2)
    writer.row(RowResult(2, "BR-1", "Первая практика реестра", action="create"))
    writer._save()
    page.wait_for_function("document.querySelector('label[for=import-progress]').textContent"
                           " === 'Обработано 1 из 2 строк'", timeout=10_000)
    assert page.evaluate("(bar => [bar.value, bar.max])(document.getElementById('import-progress'))") == [1, 2]
    assert page.locator("#import-counts").inner_text().startswith("Пока: создано 1,")
    assert page.evaluate("window.sameDocument") is True, "the page was not reloaded"
    assert _focused(page, "el.textContent") == nav.inner_text(), "focus stays where the user left it"

    jobs.run(app, token)  # the import itself: done, the page opens its result
    page.wait_for_function("document.title.startsWith('Реестр загружен')", timeout=10_000)
    assert page.locator("table.bulk-import").is_visible()
    assert "Вторая практика реестра" in page.locator("table.bulk-import").inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "import_progress_done.png"), full_page=True)


def test_printed_practice_is_the_material_with_link_addresses(live_server, browser):  # noqa: F811
    app, base = live_server
    ids = _demo_ids(app)
    page = _context(browser).new_page()
    page.goto(f"{base}/practices/{ids['practice']}")
    assert page.locator(".site-header").is_visible() and page.locator(".toc").is_visible()
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".toc", ".skip-link"):
        assert not page.locator(hidden).first.is_visible(), f"{hidden} is printed"
    assert page.locator("h1").is_visible() and page.locator(".practice-section").first.is_visible()
    region = page.locator(".metadata a[href^='/search?region=']").first
    printed = region.evaluate("el => getComputedStyle(el, '::after').content")
    assert printed == f'" ({base}{region.get_attribute("href")})"', "the full address, not the bare path"
    tag = page.locator(".metadata a.tag").first
    assert tag.evaluate("el => getComputedStyle(el, '::after').content") in ("none", "normal", "")


def test_every_table_scrolls_in_its_own_box_on_a_phone():
    """A table wider than a 360-pixel screen made the whole page scroll sideways (the moderation queue, «Мои
    практики», a history, the registry preview, the API page): each sits in a box that scrolls by itself."""
    root = Path(__file__).resolve().parent.parent / "templates"
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<table\b", text):
            line = text.count("\n", 0, match.start()) + 1
            assert re.search(r'<div class="table-scroll"[^>]*>$', text[:match.start()].rstrip()), f"{path.name}:{line}"


_FOCUSABLE = re.compile(r"<(a|button|input|select|textarea|summary)\b")
_CONDITION = re.compile(r"\{%-?\s*if\b(?:(?!\{%-?\s*(?:if|endif)\b).)*?\{%-?\s*endif\s*-?%\}", re.S)
_SCROLL_REGION = re.compile(r'tabindex="0" role="region" aria-label="[^"]+"')


def _always_there(markup: str) -> str:
    """The markup without its {% if %} blocks (innermost first): what every rendering of it holds."""
    while (shorter := _CONDITION.sub("", markup)) != markup:
        markup = shorter
    return markup


def test_a_scroll_box_with_nothing_to_focus_in_it_is_a_focusable_named_region():
    """At 360 px a history's table and the API's code example scrolled sideways, but held no link to Tab to: a
    keyboard user could not scroll them (axe scrollable-region-focusable). Such a box takes focus itself."""
    root = Path(__file__).resolve().parent.parent / "templates"
    checked = set()
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r'<div class="table-scroll"([^>]*)>(.*?)</table>', text, re.S):
            line = f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}"
            if not _FOCUSABLE.search(_always_there(match.group(2))):
                assert _SCROLL_REGION.search(match.group(1)), f"{line}: a table that may hold no link"
                checked.add(str(path.relative_to(root)))
        for match in re.finditer(r"<pre\b([^>]*)>", text):
            assert _SCROLL_REGION.search(match.group(1)), f"{path.relative_to(root)}: <pre>"
            checked.add(str(path.relative_to(root)))
    assert {"practices/history.html", "api/index.html", "bulkimport/_report_body.html"} <= checked
