"""Real browser: what a keyboard, screen-reader or Windows High Contrast user gets after an action — the focus after
«Добавить рекомендацию», the marks of chosen and current things in forced colours, where a moved item's message
stands (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import pytest

from tests.test_browser import CHROMIUM, _login, _page, _shot, browser, chromium, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


def test_an_added_recommendation_has_the_keyboard_focus(live_server, browser):  # noqa: F811
    """The page came back at its top with the focus on <body>: the new empty recommendation was 48 Tab presses
    below. (A #part in the answer's address would have cancelled the autofocus: HTML's rule.)"""
    _, base = live_server
    page = _page(browser)
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/resolutions/1/edit")
    before = page.locator("fieldset.preview-rec").count()
    page.focus("button[name=add_recommendation]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("fieldset.preview-rec").count() == before + 1
    new = page.locator("fieldset.preview-rec").last
    page.wait_for_function("() => document.activeElement !== document.body", timeout=5000)
    focused = page.evaluate("""() => ({id: document.activeElement.id,
        fieldset: document.activeElement.closest('fieldset.preview-rec')?.id,
        top: Math.round(document.activeElement.getBoundingClientRect().top), height: innerHeight,
        said: [...document.activeElement.getAttribute('aria-describedby').split(' ')]
              .map(id => document.getElementById(id).textContent).join(' ')})""")
    assert focused["fieldset"] == new.get_attribute("id") and focused["id"].endswith("-number"), focused
    assert 0 <= focused["top"] < focused["height"], focused
    assert focused["said"] == f"Добавлена рекомендация {before + 1}."
    page.keyboard.type("9.9")  # typed straight into the new recommendation
    assert new.locator("input[name$='-number']").input_value() == "9.9"
    _shot(page, "resolution_edit_added")


def test_chosen_and_current_things_stand_out_in_forced_colours(live_server, browser):  # noqa: F811
    """Windows High Contrast drops backgrounds and box-shadows: the completion chosen with the arrows, the current
    page of the results and the current section and tab were drawn exactly like the others."""
    _, base = live_server
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU",
                               forced_colors="active").new_page()
    look = """e => { const s = getComputedStyle(e);
        return [s.backgroundColor, s.color, s.borderBottomStyle, s.borderBottomWidth, s.outlineStyle].join('|'); }"""

    page.goto(f"{base}/search?page=2")
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    page.click("#q-top")
    page.keyboard.type("олимп", delay=20)
    page.wait_for_selector(".suggestions li")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    options = page.locator(".suggestions li")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    chosen, others = options.nth(1).evaluate(look), {options.nth(i).evaluate(look) for i in (0, 2)}
    assert len(others) == 1 and chosen not in others, (chosen, others)
    page.keyboard.press("Escape")

    current = page.locator("nav.pagination [aria-current=page]")
    assert current.evaluate(look) not in {a.evaluate(look) for a in page.locator("nav.pagination a").all()}
    nav = page.locator(".main-nav a")
    marked = page.locator(".main-nav a[aria-current=page]")
    assert marked.inner_text() == "Все материалы"
    assert marked.evaluate(look) not in {nav.nth(i).evaluate(look) for i in range(1, nav.count())}
    assert marked.evaluate("e => getComputedStyle(e).borderBottomStyle") == "solid"
    _shot(page, "forced_colours_search")

    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/practices/moderation")
    tab = page.locator(".tabs a[aria-current=page]")
    assert tab.count() == 1
    assert tab.evaluate(look) not in {a.evaluate(look) for a in page.locator(".tabs a:not([aria-current])").all()}


def test_a_moved_item_says_its_place_beside_it(live_server, browser):  # noqa: F811
    """«↓ Ниже» reloaded the page at the item and said nothing, the focus on <body>; now the message stands in the
    item's own entry and is said, and the focus is on the same button of the moved item (on the item when it has
    that button no more)."""
    _, base = live_server
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    for practice in (1, 2, 3):
        page.goto(f"{base}/practices/{practice}")
        page.locator(".metadata form.add-to-collection button").click()  # the practice's, not a file's
        page.wait_for_selector(".add-to-collection__status a")
    page.locator(".add-to-collection__status a").click()
    page.wait_for_url("**/collections/*")
    page.locator("form[action$='/move'] button", has_text="Ниже").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    item = page.locator("ol.collection-items > li").nth(1)
    assert page.url.endswith("#" + item.get_attribute("id"))
    said = item.locator(".flashes[role=status]")
    assert said.count() == 1
    # put back into its region once the page is there: a screen reader says it
    page.wait_for_function("() => document.querySelector('li .flashes').textContent.trim() !== ''", timeout=5000)
    assert said.inner_text().strip() == "Перемещено: теперь 2-е из 3."
    focused = "() => [document.activeElement.closest('li')?.id, document.activeElement.closest('form')?.dataset.move]"
    moved = item.get_attribute("id")
    assert page.evaluate(focused) == [moved, "down"]
    with page.expect_navigation():
        page.keyboard.press("Enter")  # and down again, from where the keyboard is
    page.wait_for_load_state()
    last = page.locator("ol.collection-items > li").nth(2)
    assert last.get_attribute("id") == moved
    page.wait_for_function("() => document.activeElement !== document.body", timeout=5000)
    assert page.evaluate(focused) == [moved, None]  # the last has no «↓ Ниже»: the item
    assert page.evaluate("document.activeElement.tagName") == "LI"
    page.wait_for_function("() => document.querySelector('li .flashes').textContent.trim() !== ''", timeout=5000)
    assert last.locator(".flashes").inner_text().strip() == "Перемещено: теперь 3-е из 3."


def test_a_practice_not_saved_puts_the_focus_on_the_summary_of_its_errors(live_server, browser):  # noqa: F811
    """The page came back with the focus on <body> at its top; the first wrong field was the 20th Tab stop, below
    the fold, and the message at the top named none. Now the summary has the focus and its link leads to the field."""
    _, base = live_server
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/new")
    page.fill("#authors", "Иванова А. П.")
    with page.expect_navigation():
        page.click("button[name=save_draft]")
    page.wait_for_function("() => document.activeElement !== document.body", timeout=5000)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Ошибка: ")
    summary = page.locator("#error-summary")
    box = summary.bounding_box()
    assert 0 <= box["y"] < 900, box
    assert summary.locator("a").all_inner_texts()[0] == "Название практики"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first link: into its field
    assert page.evaluate("document.activeElement.id") == "title"
    assert 0 <= page.locator("#title").bounding_box()["y"] < 900
    page.keyboard.type("Практика после ошибки")
    assert page.input_value("#title") == "Практика после ошибки"
    _shot(page, "practice_error_summary")
