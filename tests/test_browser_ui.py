"""Real browser: the page scripts (static/*.js) and the layout on a phone — «В подборку» on a page shown before the
user had a collection, messages after an action that scrolls to its part of the page, charts, completions, facet
filters, «Как цитировать» (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from kb.extensions import db
from tests.test_browser import CHROMIUM, SHOTS, _heights, _login, _page, _shot, browser, chromium, live_server  # noqa: F401 - fixtures

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


def _in_view(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "e => { const r = e.getBoundingClientRect();"
                                           " return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }")


def test_the_message_of_an_action_stands_where_the_page_opens(live_server, browser, tmp_path):  # noqa: F811
    """After an upload the page opens at its files (#files), after a note at the item (#item-N): the message was
    printed at the top of the page, out of sight. It now stands just above that part; a refusal comes to the top."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.practices.models import Practice

    with app.app_context():
        teacher = db.session.scalar(select(User.id).where(User.email == "teacher@demo.example"))
        draft = db.session.scalar(select(Practice.id).where(Practice.owner_id == teacher, Practice.status == "draft")
                                  .order_by(Practice.id))
    plan = tmp_path / "план занятия.txt"
    plan.write_text("План занятия кружка юных экологов.", encoding="utf-8")
    bad = tmp_path / "bad.exe"
    bad.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 40)
    page = _phone(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/{draft}")
    page.set_input_files("#files-input", str(plan))
    page.click(".upload-form button")
    page.wait_for_url(f"**/practices/{draft}#files")
    page.wait_for_load_state("load")
    assert "Файл «план занятия.txt» приложен" in page.locator(".flashes").inner_text()
    assert _in_view(page, ".flashes") and _in_view(page, "#files h2")
    _shot(page, "message_above_the_files")
    page.set_input_files("#files-input", str(bad))
    page.click(".upload-form button")
    page.wait_for_url(f"**/practices/{draft}")
    page.wait_for_load_state("load")
    assert "«bad.exe»: Неподдерживаемый тип файла" in page.locator(".flashes").inner_text()
    assert _in_view(page, ".flashes")
    # a note of an item far down a collection
    page.goto(f"{base}/search?q=олимпиада")
    buttons = page.locator(".result form.add-to-collection button")
    for i in range(6):
        buttons.nth(i).click()
        page.locator(".result form.add-to-collection").nth(i).locator("[role=status] a").wait_for()
    page.locator(".result form.add-to-collection [role=status] a").first.click()
    page.wait_for_url("**/collections/*")
    page.locator("textarea[name=note]").last.fill("Обсудить на методобъединении.")
    page.locator("textarea[name=note]").last.evaluate("e => e.form.requestSubmit()")
    page.wait_for_url("**#item-*")
    page.wait_for_load_state("load")
    assert page.locator(".flashes").inner_text() == "Заметка сохранена."
    assert _in_view(page, ".flashes")
    _shot(page, "message_at_the_item")


def test_arrowing_through_completions_on_a_phone_keeps_the_chosen_one_in_sight(live_server, browser):  # noqa: F811
    """The list of completions scrolls in its own box (60 % of the screen's height): ArrowDown chose options below
    its visible part, unseen."""
    _, base = live_server
    page = browser.new_context(viewport={"width": 375, "height": 560}, locale="ru-RU").new_page()
    page.goto(base)
    page.focus("#q-top")
    page.keyboard.type("олимп")
    options = page.locator("#search-suggestions-0 li")
    options.first.wait_for()
    assert page.eval_on_selector("#search-suggestions-0", "l => l.scrollHeight > l.clientHeight"), "a list to scroll"
    for _ in range(options.count()):
        page.keyboard.press("ArrowDown")
        assert page.evaluate("""() => {
            const list = document.getElementById('search-suggestions-0');
            const chosen = document.getElementById(document.activeElement.getAttribute('aria-activedescendant'));
            const box = list.getBoundingClientRect(), option = chosen.getBoundingClientRect();
            return option.top >= box.top - 1 && option.bottom <= box.bottom + 1; }""")
    assert page.eval_on_selector("#search-suggestions-0", "l => l.scrollTop") > 0
    _shot(page, "completions_on_a_phone")


def test_the_region_filter_says_what_it_found(live_server, browser):  # noqa: F811
    """Letters that match no region left an empty list, an open and empty «Ещё 14» and nothing said, to the eye or
    to a screen reader."""
    _, base = live_server
    page = _page(browser)
    page.goto(f"{base}/search?q=олимпиада")
    facet = page.locator("section.facet[data-facet=region]")
    status = facet.locator("[role=status]")
    details = facet.locator("details")
    assert details.count() == 1 and status.inner_text() == ""
    page.fill("#facet-filter-region", "Нигдешняя")
    assert facet.locator("li[data-label]:visible").count() == 0
    assert status.inner_text() == "Нет регионов с такими буквами" and not details.is_visible()
    page.fill("#facet-filter-region", "обл")
    found = facet.locator("li[data-label]:visible").count()
    assert found > 0 and status.inner_text() == f"Найдено: {found}"
    folded = details.locator("li[data-label]:not([hidden])").count()
    assert details.is_visible() is (folded > 0) and details.evaluate("d => d.open") is (folded > 0)
    page.fill("#facet-filter-region", "")
    assert status.inner_text() == "" and details.is_visible() and not details.evaluate("d => d.open")
    _shot(page, "region_filter")


def test_the_reference_is_selected_by_the_keyboard_and_copied_by_a_button(live_server, browser):  # noqa: F811
    """«Как цитировать» said «щёлкните, чтобы выделить»; the reference took the keyboard focus but selected nothing
    (Ctrl+C then copied nothing). Now the focus selects it, and «Скопировать» puts it on the clipboard."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        published = db.session.scalar(select(Practice.id).where(Practice.status == "published").order_by(Practice.id))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    page.goto(f"{base}/practices/{published}")
    reference = page.locator(".cite-text").first.inner_text().strip()  # the practice's (its files' follow it)
    assert reference
    for _ in range(300):  # Tab to the reference, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('cite-text')"):
            break
    assert page.evaluate("String(window.getSelection()).trim()") == reference
    page.evaluate("window.getSelection().removeAllRanges()")
    page.keyboard.press("Enter")
    assert page.evaluate("String(window.getSelection()).trim()") == reference
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Скопировать"
    page.keyboard.press("Enter")
    status = page.locator(".cite-copy [role=status]")
    status.filter(has_text="Скопировано").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == reference
    _shot(page, "reference_copied")
    context.close()


@pytest.mark.parametrize("width", [320, 375])
def test_every_number_of_the_statistics_is_in_sight_on_a_phone(live_server, browser, width):  # noqa: F811
    """On a phone each chart kept 640 pixels and scrolled sideways in its frame, 300 of them labels: the longest
    bars' numbers — what the chart is for — were out of sight, with no sign the frame scrolls. There each label
    now stands above its bars, and every number is within the card, in readable type."""
    _, base = live_server
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="ru-RU")
    page = context.new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/statistics")
    charts = page.evaluate("""() => [...document.querySelectorAll('.stat-card')].filter(c => c.querySelector('svg'))
        .map(card => {
            const box = card.getBoundingClientRect();
            const shown = [...card.querySelectorAll('svg.chart')].filter(s => s.getClientRects().length);
            const texts = shown.length ? [...shown[0].querySelectorAll('text')] : [];
            return {card: card.id, shown: shown.length,
                    out: texts.filter(t => { const r = t.getBoundingClientRect();
                                             return r.left < box.left || r.right > box.right; })
                              .map(t => t.textContent),
                    smallest: Math.min(...texts.map(t => t.getBoundingClientRect().height))}; })""")
    assert len(charts) >= 5
    for chart in charts:
        assert chart["shown"] == 1 and chart["out"] == [] and chart["smallest"] >= 11, chart
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    _shot(page, f"statistics_{width}")
    context.close()


TYPED_LONG = "Час работы над описанием: шахматная композиция в пятом классе.\nВторой абзац текста."


def _copy_of(page):
    return page.evaluate("() => localStorage.getItem('kb-form:' + document.querySelector('form[data-keep]')"
                         ".dataset.keep)")


def test_the_practice_form_keeps_its_text_on_this_device_until_saved(live_server, browser):  # noqa: F811
    """An hour of typing lost to a closed tab or a failed save: the form keeps a copy in localStorage, offers it
    back when opened with another text, and drops it once saved."""
    _, base = live_server
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/new")
    page.fill("#title", "Клуб шахматной композиции для пятиклассников")
    page.fill("#annotation", TYPED_LONG)
    page.wait_for_function("() => (localStorage.getItem('kb-form:' + document.querySelector('form[data-keep]')"
                           ".dataset.keep) || '').includes('Второй абзац')")
    assert "csrf" not in _copy_of(page)
    page.reload()
    notice = page.locator(".form-copy")
    assert "На этом устройстве сохранился несохранённый текст от" in notice.inner_text()
    assert page.input_value("#annotation") == ""
    notice.locator("button", has_text="Восстановить").click()
    assert page.input_value("#annotation") == TYPED_LONG
    assert notice.count() == 0
    # the focus was on the button gone with the notice: it goes to the text, and a status line says what was done
    assert page.evaluate("() => document.activeElement.id") == "title"
    assert page.locator("p[role=status]", has_text="Текст восстановлен").count() == 1
    page.click("button[name=save_draft]")
    page.wait_for_url(re.compile(r"/practices/\d+$"))
    assert "Черновик сохранён" in page.locator(".flashes").inner_text()
    page.goto(f"{base}/practices/new")
    assert page.locator(".form-copy").count() == 0 and _copy_of(page) is None
    _shot(page, "form_copy_dropped_after_saving")
    # a copy left unsaved goes when the user signs out on this computer (a staff room's, shared)
    page.fill("#annotation", TYPED_LONG)
    page.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('kb-form:'))")
    page.click("header form[data-forget-copies] button")
    page.wait_for_url(re.compile(r"/(login)?(\?.*)?$"))
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('kb-form:')).length") == 0


def _copies(page):
    return page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('kb-form:'))"
                         ".map(k => JSON.parse(localStorage.getItem(k)).values.annotation).sort()")


def test_two_new_practices_in_two_tabs_keep_two_copies(live_server, browser):  # noqa: F811
    """Two «Новая практика» forms in two tabs kept one copy («<user>:new»): the second tab's typing overwrote the
    first's, and saving one tab deleted the other's text. Each tab's new practice now has its own copy; saving drops
    only that one, and a new practice's form opened later offers the copies left."""
    _, base = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    first, second = context.new_page(), context.new_page()
    _login(first, base, "teacher@demo.example", "demo-teacher-pass")
    first.goto(f"{base}/practices/new")
    second.goto(f"{base}/practices/new")
    first.fill("#title", "Практика первой вкладки")
    first.fill("#annotation", "Текст первой вкладки")
    second.fill("#title", "Практика второй вкладки")
    second.fill("#annotation", "Текст второй вкладки")
    first.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('kb-form:')).length == 2")
    second.reload()  # a reload of the tab offers its own text, not the other tab's
    assert "несохранённый текст от" in second.locator(".form-copy").inner_text()
    second.locator(".form-copy button", has_text="Отбросить").click()
    assert second.evaluate("() => document.activeElement.id") == "title"
    assert second.locator("p[role=status]", has_text="Сохранённый текст отброшен").count() == 1
    assert _copies(first) == ["Текст первой вкладки"]
    second.fill("#title", "Практика второй вкладки")
    second.fill("#annotation", "Текст второй вкладки")
    second.wait_for_function("() => Object.keys(localStorage).filter(k => k.startsWith('kb-form:')).length == 2")
    first.click("button[name=save_draft]")
    first.wait_for_url(re.compile(r"/practices/\d+$"))
    assert "Черновик сохранён" in first.locator(".flashes").inner_text()
    assert _copies(first) == ["Текст второй вкладки"]
    second.close(run_before_unload=True)  # closed before its save (a mis-click): a new form offers its text
    third = context.new_page()
    third.goto(f"{base}/practices/new")
    notice = third.locator(".form-copy")
    assert "несохранённый текст от" in notice.inner_text()
    notice.locator("button", has_text="Восстановить").click()
    assert third.input_value("#annotation") == "Текст второй вкладки"
    assert third.evaluate("() => document.activeElement.id") == "title"
    assert _copies(third) == ["Текст второй вкладки"]  # kept once: under this tab's key now
    third.click("button[name=save_draft]")
    third.wait_for_url(re.compile(r"/practices/\d+$"))
    assert _copies(third) == []
    context.close()


def test_signing_out_in_one_tab_stops_the_copies_of_the_others(live_server, browser):  # noqa: F811
    """«Выйти» in one tab deleted the copies, but a form open in another tab wrote its copy back on the next
    keystroke: the text stayed on the shared computer. The forms opened before «Выйти» write none any more; a form
    opened after the next sign-in does."""
    _, base = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    form, other = context.new_page(), context.new_page()
    _login(form, base, "teacher@demo.example", "demo-teacher-pass")
    form.goto(f"{base}/practices/new")
    form.fill("#annotation", "Личный текст")
    form.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('kb-form:'))")
    other.goto(f"{base}/")
    other.click("header form[data-forget-copies] button")
    other.wait_for_load_state("load")
    form.type("#annotation", " и ещё")
    form.wait_for_timeout(700)  # the copy is written 500 ms after typing stops
    assert _copies(other) == []
    form.type("#annotation", " и ещё")
    form.close(run_before_unload=True)  # closed while a copy waits to be written
    assert _copies(other) == []
    _login(other, base, "teacher@demo.example", "demo-teacher-pass")
    other.goto(f"{base}/practices/new")
    other.fill("#annotation", "После нового входа")
    other.wait_for_function("() => Object.keys(localStorage).some(k => k.startsWith('kb-form:'))")
    assert _copies(other) == ["После нового входа"]
    context.close()


def test_a_save_after_signing_out_and_in_elsewhere_comes_back_with_the_text(live_server, browser):  # noqa: F811
    """Signed out and in again in another tab: the form's CSRF token is of the ended session. «Сохранить» gives the
    form back with the text and a fresh token, and the second «Сохранить» saves it."""
    _, base = live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    page = context.new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/new")
    page.fill("#title", "Клуб шахматной композиции для шестиклассников")
    page.fill("#annotation", TYPED_LONG)
    context.clear_cookies()  # the session ends (signed out in another tab, the server's sessions reset) …
    _login(context.new_page(), base, "teacher@demo.example", "demo-teacher-pass")  # … and a new one begins
    page.click("button[name=save_draft]")
    page.locator("p[role=alert]", has_text="Сессия истекла").wait_for()
    assert page.input_value("#annotation") == TYPED_LONG and _copy_of(page) is not None
    page.click("button[name=save_draft]")
    page.wait_for_url(re.compile(r"/practices/\d+$"))
    assert "Черновик сохранён" in page.locator(".flashes").inner_text()
    assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('kb-form:')).length") == 0
    _shot(page, "form_back_after_the_session_ended")


def _touch_phone(browser):  # noqa: F811
    """A phone's screen with a finger: has_touch makes Chromium answer (pointer: coarse) and (hover: none)."""
    return browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, locale="ru-RU")


_CARDS = """() => { const table = document.querySelector('main table'), box = table.closest('.table-scroll');
    const rows = [...table.tBodies[0].rows].map(row => [...row.cells].filter(c => c.getClientRects().length)
        .map(c => { const r = c.getBoundingClientRect();
                    return {text: c.innerText.trim(), cls: c.className, top: Math.round(r.top),
                            bottom: Math.round(r.bottom), left: Math.round(r.left), right: Math.round(r.right)}; }));
    return {box: box.clientWidth, scroll: box.scrollWidth, boxRight: Math.round(box.getBoundingClientRect().right),
            boxLeft: Math.round(box.getBoundingClientRect().left), display: getComputedStyle(table).display,
            page: document.scrollingElement.scrollWidth - window.innerWidth, rows}; }"""


def test_the_lists_of_practices_read_as_cards_on_a_phone(live_server, browser):  # noqa: F811
    """At 390 px «Мои практики» was a table 520 px wide in a 358 px box: «Возвращена на доработку» did not wrap,
    the titles were squeezed to a word a line and «Изменена» was off the screen, reached by a sideways swipe that
    nothing on the screen told of. The moderation queue (576 px), a history and «Мои подборки» were the same. Each
    row is now a card: the title on a line of its own, the rest below it, nothing beyond the screen; the table's
    rows, cells and column headers are still there for a screen reader."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.collections.services import add_item, create_collection
    from kb.practices.models import Practice, PracticeTransition

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == "teacher@demo.example"))
        methodist = db.session.scalar(select(User.id).where(User.email == "methodist@demo.example"))
        returned = Practice(title="ШНО «Почемучки» в начальной школе", status="returned", owner_id=teacher.id,
                            region_code="RU-CHE")
        db.session.add(returned)
        db.session.add(Practice(title="Сетевое взаимодействие школ Магнитогорского городского округа в работе "
                                      "с одарёнными детьми", status="submitted", owner_id=teacher.id,
                                region_code="RU-CHE"))
        db.session.flush()
        db.session.add(PracticeTransition(practice_id=returned.id, actor_id=methodist, from_status="submitted",
                                          to_status="returned", comment="1. Уточните цель.\n2. Добавьте результаты "
                                                                        "за последние три года."))
        collection = create_collection(teacher, "К педсовету в декабре: исследовательская деятельность младших "
                                                "школьников")
        add_item(teacher, collection, "practice", db.session.scalar(
            select(Practice.id).where(Practice.status == "published").order_by(Practice.id)))
        db.session.commit()
        returned_id = returned.id
    context = _touch_phone(browser)
    page = context.new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    pages = {"/practices/mine": 6, "/collections/mine": 4, f"/practices/{returned_id}/history": 4}
    for url, columns in pages.items():
        page.goto(base + url)
        cards = page.evaluate(_CARDS)
        assert cards["page"] == 0 and cards["scroll"] <= cards["box"], (url, cards)
        assert cards["rows"], url
        for cells in cards["rows"]:
            assert all(c["right"] <= cards["boxRight"] for c in cells), (url, cells)
            # the first line: the title (in a history, the time and who) alone, the rest below it
            assert all(c["top"] >= cells[0]["bottom"] - 2 for c in cells[2:]), (url, cells)
        assert page.get_by_role("columnheader").count() == columns, url
        assert page.get_by_role("row").count() == len(cards["rows"]) + 1, url
    page.goto(f"{base}/practices/mine")
    cards = page.evaluate(_CARDS)["rows"]
    title, status, date, *numbers = next(cells for cells in cards if cells[0]["text"].startswith("ШНО"))
    assert numbers == []  # a returned practice has no readers: no «Просмотры: —» on its card
    assert status["text"] == "Возвращена на доработку" and date["text"].endswith(" г.")
    # the date's column named for the eye only (the header is the screen reader's)
    assert page.eval_on_selector("main tbody td[data-label]", "c => getComputedStyle(c, '::before').content") \
        == '"Изменена: " / ""'
    # below the title: the status, and the date beside it where both fit (a wider phone, «Черновик»), else below
    assert status["top"] >= title["bottom"] - 2 and date["top"] >= status["top"] - 4, cards
    draft = next(cells for cells in cards if cells[1]["text"] == "Черновик")
    assert abs(draft[1]["top"] - draft[2]["top"]) <= 4, draft
    _shot(page, "my_practices_as_cards")
    methodist_page = _touch_phone(browser).new_page()
    _login(methodist_page, base, "methodist@demo.example", "demo-methodist-pass")
    methodist_page.goto(f"{base}/practices/moderation")
    cards = methodist_page.evaluate(_CARDS)
    assert cards["page"] == 0 and cards["scroll"] <= cards["box"], cards
    for pick, title, *rest in cards["rows"]:  # the box to tick beside the title, the author and the rest below
        assert pick["cls"] == "pick" and pick["right"] <= title["left"] and abs(pick["top"] - title["top"]) <= 8
        assert all(c["top"] >= title["bottom"] - 2 and c["right"] <= cards["boxRight"] for c in rest), rest
    _shot(methodist_page, "moderation_queue_as_cards")
    # a wide screen keeps the table
    desk = _page(browser)
    _login(desk, base, "teacher@demo.example", "demo-teacher-pass")
    desk.goto(f"{base}/practices/mine")
    assert desk.eval_on_selector("main table", "t => getComputedStyle(t).display") == "table"
    assert desk.eval_on_selector("main thead", "t => t.getBoundingClientRect().height") > 20



def _phone_360(browser):  # noqa: F811
    """The narrowest phone the pages are made for (tests/test_browser.py opens the same), with a mouse."""
    return browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")


_ADMIN_TABLES = {"/admin/users": 5, "/admin/audit": 6, "/admin/vocabularies": 4}


def test_the_admin_tables_read_as_cards_on_a_phone(live_server, browser):  # noqa: F811
    """At 360 px the users list (a table 777 px wide), the audit log (910 px) and the topics of «Словари» (657 px)
    scrolled sideways in a 328 px box. Each row is now a card, as in «Мои практики»: the name (the time, the topic)
    on the first line, the rest below it with its column's name, a long address or detail wrapped within the card;
    the table's roles stay for a screen reader. At 1280 px they are tables, one line a row."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.accounts.services import change_role, create_user

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
        user = create_user("zamestitel.direktora.po.uchebno-vospitatelnoy.rabote@gimnaziya-imeni-pushkina.example",
                           "Константинопольская-Преображенская Анастасия Вячеславовна", "parol-dlya-testa-1",
                           region_code="RU-CHE")
        change_role(user, "methodist", admin, scope_organisation="Муниципальное автономное общеобразовательное "
                                                                 "учреждение «Гимназия имени А. С. Пушкина»")
        db.session.commit()
    page = _phone_360(browser).new_page()
    _login(page, base, "admin@demo.example", "demo-admin-pass")
    for url, columns in _ADMIN_TABLES.items():
        page.goto(base + url)
        cards = page.evaluate(_CARDS)
        assert cards["page"] == 0 and cards["scroll"] <= cards["box"], (url, cards["box"], cards["scroll"])
        assert cards["display"] == "block" and cards["rows"], url
        for cells in cards["rows"]:
            assert all(cards["boxLeft"] <= c["left"] and c["right"] <= cards["boxRight"] for c in cells), (url, cells)
            # the first line: the name, the time, the topic; from the third cell on, below it
            assert all(c["top"] >= cells[0]["bottom"] - 2 for c in cells[2:]), (url, cells)
        assert page.get_by_role("columnheader").count() == columns, url
        assert page.get_by_role("row").count() == len(cards["rows"]) + 1, url
        _shot(page, "phone" + url.replace("/", "_"))
    page.goto(f"{base}/admin/users")
    long_one = next(cells for cells in page.evaluate(_CARDS)["rows"] if cells[0]["text"].startswith("Констант"))
    assert long_one[0]["cls"] == "card-title" and long_one[1]["text"].startswith("zamestitel"), long_one
    assert page.eval_on_selector("main tbody td[data-label]", "c => getComputedStyle(c, '::before').content") \
        == '"Адрес: " / ""'
    # a wide screen keeps the tables: the column headers in sight, each row's cells side by side
    desk = _page(browser)
    _login(desk, base, "admin@demo.example", "demo-admin-pass")
    for url in _ADMIN_TABLES:
        desk.goto(base + url)
        cards = desk.evaluate(_CARDS)
        assert cards["display"] == "table" and cards["page"] == 0 and cards["scroll"] <= cards["box"], url
        assert desk.eval_on_selector("main thead", "t => t.getBoundingClientRect().height") > 20, url
        assert desk.eval_on_selector("main tbody td", "c => getComputedStyle(c, '::before').content") == "none"
        first = cards["rows"][0]
        assert all(c["left"] >= first[n - 1]["right"] - 1 for n, c in enumerate(first) if n), (url, first)

def test_what_a_finger_taps_on_a_phone_is_at_least_44_px_tall(live_server, browser):  # noqa: F811
    """On a touch screen the search filters' values were 20 px tall and 6 px apart, «В подборку», «Сохранить
    поиск», «Скопировать» 29 px, «↑ Выше»/«↓ Ниже» in a collection 24, the collection picker 26, a form's
    button 40; the sort and download links, the topic chips and the statistics' links about 26. Under (pointer:
    coarse) each is now at least 44 px tall; a mouse keeps the compact look."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.collections.services import add_item, create_collection
    from kb.practices.models import Practice

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == "teacher@demo.example"))
        collection = create_collection(teacher, "К педсовету")
        published = db.session.scalars(select(Practice.id).where(Practice.status == "published")
                                       .order_by(Practice.id).limit(3)).all()
        for practice in published:
            add_item(teacher, collection, "practice", practice)
        db.session.commit()
        collection_id = collection.id
    targets = {
        "/search?q=олимпиада": [".facet a.facet-value", ".facet summary", ".add-to-collection select",
                                ".add-to-collection button", ".save-search button", ".save-search input[type=text]",
                                "#q-top", ".search-box button", ".sort a", ".export-links a", ".feed-link a"],
        f"/collections/{collection_id}": [".item-actions .link-button", ".item-actions a", ".note-form button",
                                          ".exports a"],
        f"/practices/{published[0]}": [".cite-copy button", ".add-to-collection button", ".cite-downloads a"],
        "/practices/new": ["main button.button"],
        "/": [".chip-list .chip"],
    }
    page = _touch_phone(browser).new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    assert page.evaluate("matchMedia('(pointer: coarse)').matches")
    small = {}
    for url, selectors in targets.items():
        page.goto(base + url)
        for selector in selectors:
            if (height := min(_heights(page, selector))) < 44:
                small[selector] = height
    page.goto(f"{base}/search?q=олимпиада")
    page.locator(".facet a.facet-value").first.click()
    page.wait_for_load_state("load")
    if (chip := min(_heights(page, "a.chip--active"))) < 44:  # a filter chosen, taken off by its chip
        small["a.chip--active"] = chip
    assert small == {}, small
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    SHOTS.mkdir(exist_ok=True)  # the screen only: a full-page shot resizes the page and drops the touch emulation
    page.screenshot(path=str(SHOTS / "touch_targets_search.png"))
    # a mouse: the same filters and buttons as compact as before
    desk = _page(browser)
    _login(desk, base, "teacher@demo.example", "demo-teacher-pass")
    desk.goto(f"{base}/search?q=олимпиада")
    assert min(_heights(desk, ".facet a.facet-value")) < 25  # a value of one line
    assert max(_heights(desk, ".add-to-collection button")) < 35


_TARGETS = """selector => [...document.querySelectorAll(selector)].filter(e => e.getClientRects().length).map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.innerText.trim(), width: Math.round(r.width * 10) / 10,
            height: Math.round(r.height * 10) / 10}; })"""

# What a finger taps on a tick box: its label around it (else the box alone); each probe point of that area (in
# sight), its corners and its middle, must reach the box or its label, that is, tick it.
_TICK_AREAS = """() => [...document.querySelectorAll('input[name=practice]')].map(box => {
    const area = box.closest('label') || box;
    area.scrollIntoView({block: 'center'});
    const r = area.getBoundingClientRect();
    const points = [[r.left + 2, r.top + 2], [r.right - 2, r.top + 2], [r.left + 2, r.bottom - 2],
                    [r.right - 2, r.bottom - 2], [(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
    const ticks = points.every(([x, y]) => { const hit = document.elementFromPoint(x, y);
        return hit === box || [...box.labels].some(label => label.contains(hit)); });
    return {id: box.id, width: Math.round(r.width * 10) / 10, height: Math.round(r.height * 10) / 10, ticks}; })"""

_HEADER_TARGETS = [".main-nav a", ".user-nav a", ".user-nav .link-button"]


def test_the_header_the_moderation_tabs_and_the_tick_boxes_are_44_px_targets_on_a_phone(
        live_server, browser):  # noqa: F811
    """At 360 px the sections of the header («Все материалы» … «Подборки») were 34 px tall, «Темы» 42 px wide, the
    account's links and «Выйти» 29 px tall, the moderation queue's tabs 34 px and its tick boxes 24 × 24 (their
    labels hidden). Below 640 px each is now at least 44 × 44; a tick box's label is the 44 px square around it, so
    a tap beside the box ticks it. A wide screen with a mouse keeps the compact header and tabs."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        db.session.add_all([Practice(title=f"Практика на рассмотрении {n}", status="submitted", region_code="RU-CHE")
                            for n in range(2)])
        db.session.commit()
    context = _phone_360(browser)
    page = context.new_page()
    small = {}

    def measure(url: str, selectors: list[str]) -> None:
        page.goto(base + url)
        if any(selector in _HEADER_TARGETS for selector in selectors):  # they are behind «Меню» on a phone
            selectors = [*selectors, ".nav-menu > summary"]
            page.click(".nav-menu > summary")
        assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0, url
        for selector in selectors:
            found = page.evaluate(_TARGETS, selector)
            assert found, (url, selector)
            small.update({f"{url} {selector} «{t['text']}»": (t["width"], t["height"]) for t in found
                          if t["width"] < 44 or t["height"] < 44})

    measure("/", [".main-nav a", ".user-nav a"])  # signed out: «Войти», «Регистрация»
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    measure("/", _HEADER_TARGETS)
    measure("/statistics", [".chip-list .chip", ".stat-download a"])  # were 26 px tall
    measure("/practices/moderation", [*_HEADER_TARGETS, ".tabs a"])
    areas = page.evaluate(_TICK_AREAS)
    assert len(areas) >= 3
    small.update({f"tick box {a['id']}": (a["width"], a["height"]) for a in areas if min(a["width"], a["height"]) < 44})
    assert small == {}, small
    assert all(area["ticks"] for area in areas), areas
    # a tap at the edge of the area, beside the box, ticks it and a second one clears it
    box = page.locator(f"#{areas[0]['id']}")
    box.scroll_into_view_if_needed()
    corner = box.evaluate("b => { const r = (b.closest('label') || b).getBoundingClientRect();"
                          "       return [r.left + 3, r.top + 3]; }")
    page.mouse.click(*corner)
    assert box.is_checked()
    page.mouse.click(*corner)
    assert not box.is_checked()
    _shot(page, "phone_moderation_targets")
    context.clear_cookies()
    _login(page, base, "admin@demo.example", "demo-admin-pass")  # «Пользователи» in the header too
    measure("/admin/users", _HEADER_TARGETS)
    assert small == {}, small
    # a wide screen with a mouse: the header, the tabs and the queue's rows as compact as before
    desk = _page(browser)
    _login(desk, base, "methodist@demo.example", "demo-methodist-pass")
    desk.goto(f"{base}/practices/moderation")
    for selector in (*_HEADER_TARGETS, ".tabs a"):
        assert max(t["height"] for t in desk.evaluate(_TARGETS, selector)) < 40, selector
    assert desk.eval_on_selector(".site-header", "h => h.getBoundingClientRect().height") < 190
    assert max(a["height"] for a in desk.evaluate(_TICK_AREAS)) < 30


# What a screen reader is told of the header's elements named `name` (their text itself left out): the role, whether
# it is expanded, and whether the browser leaves it out of the accessibility tree (Chromium's own tree, through the
# DevTools protocol).
def _ax_nodes(page, name: str, role: str | None = None) -> list[dict]:
    cdp = page.context.new_cdp_session(page)
    document = cdp.send("Runtime.evaluate", {"expression": "document.querySelector('.site-header')"})
    query = {"objectId": document["result"]["objectId"], "accessibleName": name}
    if role:
        query["role"] = role
    nodes = cdp.send("Accessibility.queryAXTree", query)["nodes"]
    cdp.detach()
    return [{"role": node["role"]["value"], "ignored": node["ignored"],
             "expanded": next((p["value"]["value"] for p in node.get("properties", []) if p["name"] == "expanded"),
                              None)} for node in nodes if node["role"]["value"] not in ("StaticText", "InlineTextBox")]


_HEADING_TOP = "() => document.querySelector('main h1').getBoundingClientRect().top"


def test_on_a_phone_the_sections_and_the_account_fold_behind_menu(live_server, browser):  # noqa: F811
    """At 375 px the header (the bank's name, the search, six sections, a methodist's nine account links) stood
    390 px tall: the page's heading began 400 px down a 740 px screen. Below 640 px the sections and the account
    now fold behind «Меню», a <details> that works without a script, by the keyboard and for a screen reader (a
    button named «Меню» that says whether it is open); the name and the search stay in sight, the current section
    keeps its aria-current. A wide screen keeps the links in the header, without «Меню»."""
    _, base = live_server
    # no script at all: the menu is HTML and CSS
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="ru-RU", java_script_enabled=False)
    page = context.new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/topics")
    assert page.evaluate(_HEADING_TOP) < 250
    menu = page.locator(".nav-menu > summary")
    assert menu.is_visible() and menu.inner_text().strip() == "Меню"
    assert page.locator(".brand").is_visible() and page.locator("#q-top").is_visible()
    links = page.locator(".main-nav a, .user-nav a, .user-nav .link-button")
    assert links.count() >= 12 and not any(link.is_visible() for link in links.all())
    assert _ax_nodes(page, "Меню") == [{"role": "DisclosureTriangle", "ignored": False, "expanded": False}]
    # the keyboard: from the search box two Tabs («Найти», then «Меню»), its focus ring drawn; Enter opens it
    page.focus("#q-top")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.nav-menu > summary')")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert all(link.is_visible() for link in links.all())
    assert _ax_nodes(page, "Меню") == [{"role": "DisclosureTriangle", "ignored": False, "expanded": True}]
    assert page.locator(".main-nav a[aria-current=page]").inner_text() == "Темы"
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    _shot(page, "phone_menu_open")
    page.keyboard.press("Tab")  # the first section comes next
    assert page.evaluate("document.activeElement.textContent") == "Все материалы"
    page.locator(".main-nav a", has_text="Регионы").click()
    page.wait_for_url(f"{base}/regions")
    assert not page.locator(".main-nav a", has_text="Темы").is_visible(), "a new page opens with the menu closed"
    menu.click()
    assert page.locator(".main-nav a[aria-current=page]").inner_text() == "Регионы"
    page.locator(".user-nav a", has_text="Мои практики").click()
    page.wait_for_url(f"{base}/practices/mine")
    menu.click()
    page.locator(".user-nav button", has_text="Выйти").click()
    page.wait_for_url(f"{base}/")
    menu.click()
    assert page.locator(".user-nav a", has_text="Войти").is_visible()
    # a wide screen: the links in the header as before, no «Меню», the screen reader told of the links only
    desk = _page(browser)
    _login(desk, base, "methodist@demo.example", "demo-methodist-pass")
    desk.goto(f"{base}/topics")
    assert not desk.locator(".nav-menu > summary").is_visible()
    assert all(link.is_visible() for link in desk.locator(".main-nav a, .user-nav a").all())
    assert [node for node in _ax_nodes(desk, "Меню") if not node["ignored"]] == []
    assert _ax_nodes(desk, "Темы", "link") == [{"role": "link", "ignored": False, "expanded": None}]
    assert desk.locator(".main-nav a[aria-current=page]").inner_text() == "Темы"
    brand, search, sections, account = (desk.locator(s).bounding_box() for s in (
        ".brand", ".search-box", ".main-nav", ".user-nav"))
    assert abs(sections["x"] - brand["x"]) < 1 and sections["y"] > search["y"] + search["height"]
    assert abs(account["y"] - sections["y"]) < 1, "the account on the sections' row, at the right"
    assert account["x"] + account["width"] > search["x"] + search["width"] - 1
    desk.focus("#q-top")
    desk.keyboard.press("Tab")
    desk.keyboard.press("Tab")
    assert desk.evaluate("document.activeElement.textContent") == "Все материалы", "«Найти», then the sections"
    assert desk.eval_on_selector(".site-header", "h => h.getBoundingClientRect().height") < 190


# Links and controls a finger taps that stand alone (not inside a sentence: WCAG 2.5.8 leaves those be), measured
# at 360 × 740 with a mouse; on a wide screen with a mouse each keeps its compact height (the last number).
_MORE_TARGETS = {
    "/": {".brand": 40, ".site-footer a": 30},
    "/search": {".facet a.facet-value": 25, ".facet summary": 35, ".facet-filter input": 40, ".pagination a": 40,
                ".to-filters": None},
    "/practices/moderation": {".bulk-select button": 30},
    "/admin/users": {"main a[href='/admin/audit'], main a[href='/admin/vocabularies']": 30},
}


def test_the_name_the_footer_the_filters_the_pages_and_the_lone_links_are_44_px_targets_on_a_phone(
        live_server, browser):  # noqa: F811
    """At 360 px the bank's name in the header was 32 px tall, the footer's links 16, «Выбрать все на странице» and
    «Журнал действий · Словари» 19, the pages of a list 36 × 37, the search's filters 20 («Ещё N» 29, the region
    finder 37): only a touch screen made the filters and pages 44 px tall. Below 640 px each is now at least
    44 × 44; a link inside a sentence stays as it is, and a wide screen with a mouse keeps the compact look."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        db.session.add_all([Practice(title=f"Практика на рассмотрении {n}", status="submitted", region_code="RU-CHE")
                            for n in range(2)])
        db.session.commit()
    page = _phone_360(browser).new_page()
    desk = _page(browser)
    small, loose = {}, {}
    for each in (page, desk):
        _login(each, base, "admin@demo.example", "demo-admin-pass")
    for url, selectors in _MORE_TARGETS.items():
        page.goto(base + url)
        desk.goto(base + url)
        assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0, url
        for selector, compact in selectors.items():
            found = page.evaluate(_TARGETS, selector)
            assert found, (url, selector)
            small.update({f"{url} {selector} «{t['text']}»": (t["width"], t["height"]) for t in found
                          if t["width"] < 44 or t["height"] < 44})
            if compact is not None:  # a mouse on a wide screen: as compact as before
                heights = [t["height"] for t in desk.evaluate(_TARGETS, selector)]
                assert heights, (url, selector)
                if min(heights) >= compact:
                    loose[f"{url} {selector}"] = min(heights)
        if url == "/":
            _shot(page, "phone_name_and_footer")
    assert small == {}, small
    assert loose == {}, loose
    # a link inside a sentence keeps its line: the text around it is not spread to 44 px lines
    page.goto(f"{base}/profile")
    inline = page.evaluate(_TARGETS, "main p:not(.link-row) a[href='/api']")
    assert inline and inline[0]["height"] < 30, inline
    _shot(page, "phone_profile")


# Every element of the page that scrolls sideways in its own box (a code sample's <pre> may: it keeps its lines).
_SCROLLED_BOXES = """() => [...document.querySelectorAll('main *')].filter(e => {
        const style = getComputedStyle(e);
        return ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1
            && e.tagName !== 'PRE' && e.getClientRects().length; })
    .map(e => `${e.tagName}.${e.className} «${e.getAttribute('aria-label') || ''}» `
              + `${e.clientWidth}/${e.scrollWidth}`)"""


def test_the_api_tokens_the_api_addresses_and_an_import_read_as_cards_and_no_page_scrolls_sideways_on_a_phone(
        live_server, browser, tmp_path):  # noqa: F811
    """At 360 px the API tokens of the profile and of a user's page (646 px), the addresses of /api (688 px) and
    the rows of a registry's check (677 px) were tables scrolled sideways in a 328 px box; a statistics table of
    practices by views was 302 px in 294. The first three are cards now, as «Мои практики», and no page of the
    bank scrolls sideways, as a whole or in a box (the statistics tables open, their cells closer together).
    At 1280 px they are tables."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.accounts.tokens import create_token
    from kb.collections.services import add_item, create_collection
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == "admin@demo.example"))
        teacher = db.session.scalar(select(User).where(User.email == "teacher@demo.example"))
        for user in (admin, teacher):
            create_token(user, "Выгрузка на региональный портал методических материалов Челябинской области")
            create_token(user, "Скрипт")
        published = db.session.scalars(select(Practice.id).where(Practice.status == "published")
                                       .order_by(Practice.id).limit(8)).all()
        collection = create_collection(admin, "К педсовету")
        add_item(admin, collection, "practice", published[0])
        db.session.commit()
        teacher_id, collection_id = teacher.id, collection.id
        resolution = db.session.scalar(select(Resolution.id).order_by(Resolution.id))
    page = _phone_360(browser).new_page()
    _login(page, base, "admin@demo.example", "demo-admin-pass")
    for url in ("/profile", f"/admin/users/{teacher_id}", "/api"):
        page.goto(base + url)
        cards = page.evaluate(_CARDS)
        assert cards["page"] == 0 and cards["scroll"] <= cards["box"], (url, cards["box"], cards["scroll"])
        assert cards["display"] == "block" and len(cards["rows"]) >= 2, url
        for cells in cards["rows"]:
            assert cells[0]["cls"] == "card-title", (url, cells)
            assert all(cards["boxLeft"] <= c["left"] and c["right"] <= cards["boxRight"] for c in cells), (url, cells)
            assert all(c["top"] >= cells[0]["bottom"] - 2 for c in cells[1:]), (url, cells)  # below the title
        assert page.get_by_role("row").count() == len(cards["rows"]) + 1, url
        _shot(page, "phone" + url.replace("/", "_"))
    # a user's token: its name (a long one wrapped in the card), then its prefix, its dates and «Отозвать…»
    page.goto(f"{base}/admin/users/{teacher_id}")
    token = next(row for row in page.evaluate(_CARDS)["rows"] if row[0]["text"].startswith("Выгрузка"))
    assert token[1]["text"].startswith("kb_") and token[-1]["text"].startswith("Отозвать"), token
    assert page.eval_on_selector("main tbody td[data-label]", "c => getComputedStyle(c, '::before').content") \
        == '"Токен: " / ""'
    # a registry's check: each row a card, the practice's title on a line of its own below the row's number
    registry = tmp_path / "реестр.csv"
    registry.write_bytes(page.request.get(f"{base}/import/practices/template.csv").body())
    page.goto(f"{base}/import/practices")
    page.set_input_files("input[name=registry]", str(registry))
    page.click("main button[type=submit]")
    page.wait_for_load_state("load")
    cards = page.evaluate(_CARDS)
    assert cards["display"] == "block" and cards["page"] == 0 and cards["scroll"] <= cards["box"], cards
    number, external_id, title, outcome, *_ = cards["rows"][0]
    assert number["text"] == "2" and title["cls"] == "card-title" and outcome["text"] == "будет создана"
    assert title["top"] >= max(number["bottom"], external_id["bottom"]) - 2 and outcome["top"] >= title["bottom"] - 2
    _shot(page, "phone_registry_check")
    # every page the bank has, at 360 px: nothing scrolls sideways, as a page or in a box of its own
    for practice in published:  # views for «Самые просматриваемые практики»
        page.goto(f"{base}/practices/{practice}")
    pages = ["/", "/privacy", "/search", "/search?q=олимпиада", f"/practices/{published[0]}", "/practices/new",
             f"/practices/{published[0]}/edit", f"/practices/{published[0]}/history", "/practices/mine",
             "/practices/moderation", "/resolutions", f"/resolutions/{resolution}", "/resolutions/import",
             f"/practices/{published[0]}/recommendations", "/topics", "/regions", "/levels", "/api", "/profile",
             "/profile/edit", "/profile/password", "/admin/users", f"/admin/users/{teacher_id}", "/admin/audit",
             "/admin/vocabularies", "/collections", "/collections/mine", f"/collections/{collection_id}",
             "/statistics", "/import/practices", "/no-such-page"]
    scrolled = {}
    for url in pages:
        page.goto(base + url)
        page.evaluate("() => document.querySelectorAll('main details, .nav-menu').forEach(d => { d.open = true; })")
        boxes = page.evaluate(_SCROLLED_BOXES)
        if boxes or page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"):
            scrolled[url] = boxes or "the page"
    assert scrolled == {}, scrolled
    # a wide screen keeps the tables
    desk = _page(browser)
    _login(desk, base, "admin@demo.example", "demo-admin-pass")
    for url in ("/profile", f"/admin/users/{teacher_id}", "/api"):
        desk.goto(base + url)
        cards = desk.evaluate(_CARDS)
        assert cards["display"] == "table" and cards["page"] == 0, url
        first = cards["rows"][0]
        assert all(c["left"] >= first[n - 1]["right"] - 1 for n, c in enumerate(first) if n), (url, first)
