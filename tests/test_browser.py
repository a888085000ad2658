"""Real-browser tests: Playwright drives Debian's Chromium against a live test server (never a browser download).

Skipped with a clear message where no Chromium is installed; `.ci/run` installs it. Each test leaves a
screenshot of its final page in tests/screenshots/ (kept out of git).
"""

from __future__ import annotations

import io
import shutil
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from kb.extensions import db
from tests.conftest import _copy_instance, make_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parent / "screenshots"
playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]


@pytest.fixture
def live_server(demo_instance, tmp_path):
    """The demo bank served on a free local port for the length of one test."""
    folder = tmp_path / "instance"
    _copy_instance(demo_instance, folder)
    app = make_app(folder)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a module's tests (a launch took a second or two a test); see ``browser``."""
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()


@pytest.fixture
def browser(chromium):
    """The module's Chromium; a test opens contexts of its own (nothing is shared between contexts: cookies,
    storage, cache), and they are closed after it."""
    yield chromium
    for context in chromium.contexts:
        context.close()


def _page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU", accept_downloads=True)
    return context.new_page()


def _login(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


# What a finger hits: a tick box counts with its label (the taller of the two).
_HEIGHTS = """sel => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length).map(e => {
    let h = e.getBoundingClientRect().height;
    if (e.type === 'checkbox') for (const l of e.labels) h = Math.max(h, l.getBoundingClientRect().height);
    return Math.round(h * 10) / 10; })"""


def _heights(page, selector: str) -> list[float]:
    """The heights (px, to a tenth) of what `selector` finds shown on the page; finding nothing fails the test."""
    heights = page.evaluate(_HEIGHTS, selector)
    assert heights, (page.url, selector)
    return heights


def test_search_facets_practice_collection_export(live_server, browser):
    _, base = live_server
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.fill("#q-top", "олимпиада")
    page.press("#q-top", "Enter")
    page.wait_for_url("**/search?q=*")
    page.locator(".facet", has_text="Регион").locator("a.facet-value").first.click()
    page.locator(".facet", has_text="Уровень образования").locator("a.facet-value").first.click()
    chips = page.locator(".active-filters a.chip--active")
    assert chips.count() == 2
    chips.first.click()
    assert page.locator(".active-filters a.chip--active").count() == 1
    page.locator(".result h2 a").first.click()
    page.wait_for_url("**/practices/*")
    title = page.locator("h1").inner_text()
    address = page.url
    # wide, the facts stand in the right column beside the text (first in the source for the phone)
    facts, body = (page.locator(selector).bounding_box() for selector in (".metadata", ".practice-body"))
    assert facts["x"] > body["x"] + body["width"] and abs(facts["y"] - body["y"]) < 2, (facts, body)
    page.locator(".add-to-collection button").first.click()
    # the script adds in place: the page stays and says so beside the button
    status = page.locator(".add-to-collection [role=status]").first
    status.locator("a", has_text="Открыть подборку").wait_for()
    assert "добавлено в подборку" in status.inner_text().lower() and page.url == address
    page.goto(f"{base}/collections/mine")
    page.locator("main a", has_text="Моя подборка").first.click()
    assert title in page.content()
    with page.expect_download() as download:
        page.locator("a", has_text="DOCX").first.click()
    data = Path(download.value.path()).read_bytes()
    import docx

    assert title in "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    _shot(page, "search_to_collection")


def test_a_full_collection_is_said_beside_the_button(live_server, browser):
    """Past COLLECTION_MAX_ITEMS the add answers 409 with its message: the script says it in place (it took any
    answer but 200 for a failure and posted the form again, reloading the page)."""
    app, base = live_server
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/search?q=олимпиада")
    page.locator(".result .add-to-collection button").first.click()
    page.locator(".add-to-collection [role=status] a", has_text="Открыть подборку").first.wait_for()
    app.config["COLLECTION_MAX_ITEMS"] = 1
    page.reload()  # the buttons now offer «Моя подборка»
    page.evaluate("window.notReloaded = true")
    page.locator(".result .add-to-collection button").nth(1).click()
    status = page.locator(".result .add-to-collection").nth(1).locator("[role=status]")
    status.locator("a", has_text="Открыть подборку").wait_for()
    assert "уже 1 материал — больше в одну подборку не помещается" in status.inner_text()
    assert page.evaluate("window.notReloaded") is True
    _shot(page, "collection_full")


def test_enter_in_the_title_saves_the_new_practice_with_the_file_chosen_in_the_form(live_server, browser, tmp_path):
    """Enter pressed the form's first submit button, «Заполнить по тексту»; and the file chosen in its field was
    dropped when the form was saved."""
    import re

    _, base = live_server
    plan = tmp_path / "план урока.txt"
    plan.write_text("План урока на экологической тропе.", encoding="utf-8")
    page = _page(browser)
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/practices/new")
    page.fill("#title", "Экологическая тропа у сельской школы")
    page.set_input_files("#suggest-file", str(plan))
    page.press("#title", "Enter")
    page.wait_for_url(re.compile(r"/practices/\d+$"))
    flashes = page.locator(".flash").all_inner_texts()
    assert flashes[0].startswith("Черновик сохранён.") and "Файл «план урока.txt» приложен" in flashes[1]
    assert "план урока.txt" in page.locator("#files").inner_text()
    _shot(page, "enter-in-title")


def test_submission_with_attachment_return_fix_publish(live_server, browser, tmp_path):
    _, base = live_server
    import docx

    word = "гидропонический"
    document = docx.Document()
    document.add_paragraph(f"Отчёт: {word} модуль школьной теплицы.")
    attachment = tmp_path / "отчёт.docx"
    document.save(attachment)

    teacher = _page(browser)
    _login(teacher, base, "teacher@demo.example", "demo-teacher-pass")
    teacher.goto(f"{base}/practices/new")
    teacher.fill("#title", "Школьная теплица как лаборатория")
    teacher.fill("#annotation", "Проектная работа учащихся в школьной теплице.")
    teacher.select_option("#region", "RU-CHE")
    teacher.check("input[name=levels][value=basic]")
    teacher.click("button[name=save_draft]")
    teacher.wait_for_url("**/practices/*")
    practice_url = teacher.url
    teacher.set_input_files("#files-input", str(attachment))
    teacher.click(".upload-form button")
    assert "отчёт.docx" in teacher.locator("#files").inner_text()
    teacher.click("button:has-text('Отправить на рассмотрение')")

    methodist = _page(browser)
    _login(methodist, base, "methodist@demo.example", "demo-methodist-pass")
    methodist.goto(f"{base}/practices/moderation")
    methodist.click("a:has-text('Школьная теплица как лаборатория')")
    methodist.fill("#return-comment", "Добавьте результаты.")
    methodist.click("button:has-text('Вернуть на доработку')")

    teacher.goto(practice_url)
    assert "Добавьте результаты." in teacher.locator(".workflow").inner_text()
    teacher.click("a:has-text('Редактировать')")
    teacher.fill("#results", "Урожай зелени для школьной столовой.")
    teacher.click("button[name=submit_for_review]")
    teacher.wait_for_url(practice_url)

    methodist.goto(practice_url)
    methodist.click("button:has-text('Опубликовать')")
    assert "Опубликована" in methodist.locator(".workflow").inner_text()

    reader = _page(browser)
    reader.goto(f"{base}/search?q={word}")
    assert reader.locator(".result h2 a").first.inner_text() == "Школьная теплица как лаборатория"
    assert "В файле «отчёт.docx»" in reader.locator(".result").first.inner_text()
    _shot(reader, "submission_found_by_attachment_word")


def test_a_methodist_publishes_the_ticked_practices_of_the_queue_on_a_phone(live_server, browser):
    """«Выбрать все на странице» ticks the boxes in place (no reload), and «Опубликовать выбранные» publishes the
    ticked ones; at 360 pixels the queue's table scrolls in its box, not the page."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        db.session.add_all([Practice(title=f"Загруженная практика {n} с длинным названием", status="submitted",
                                     region_code="RU-CHE") for n in range(3)])
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    page = context.new_page()
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.goto(f"{base}/practices/moderation")
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    boxes = page.locator("input[name=practice]")
    count = boxes.count()
    assert count >= 4
    address = page.url
    page.click("button:has-text('Выбрать все на странице')")  # a button: it acts on the page, leads nowhere
    assert page.url == address and all(boxes.nth(i).is_checked() for i in range(count))
    assert page.locator("button[data-select-all]").inner_text() == "Снять отметки на странице"
    assert page.evaluate("document.activeElement.dataset.selectAll") == "off"
    skipped = boxes.first.get_attribute("value")
    boxes.first.uncheck()
    page.click("button:has-text('Опубликовать выбранные')")
    page.wait_for_load_state()
    assert f"Опубликовано: {count - 1}." in page.locator(".flashes").inner_text()
    assert page.locator(f"input[name=practice][value='{skipped}']").count() == 1
    _shot(page, "phone_moderation_bulk")


def test_keyboard_only_search_and_open(live_server, browser):
    _, base = live_server
    page = _page(browser)
    page.goto(base)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('brand')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q-top"
    page.keyboard.type("школьное научное общество")
    page.keyboard.press("Escape")  # close the suggestions, if any
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    expected = page.locator(".result h2 a").first.get_attribute("href")
    for _ in range(300):  # Tab to the first result, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('.result h2') !== null"):
            break
    assert page.evaluate("document.activeElement.getAttribute('href')") == expected
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{expected}")
    _shot(page, "keyboard_only")


def test_the_pages_of_a_working_day_fit_a_phone(live_server, browser):
    """At 360 pixels no page scrolls sideways: the moderation queue, «Мои практики» and a history (tables), the
    API page (a long example), a submitted practice with the «Что исправить» box (a flex item as wide as its
    content). Each overflowed by 28–480 pixels."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        submitted = db.session.scalar(select(Practice.id).where(Practice.status == "submitted"))
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    page = context.new_page()

    def overflow(url: str) -> int:
        page.goto(f"{base}{url}")
        return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")

    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    pages = ["/practices/moderation", f"/practices/{submitted}/history", "/api", "/statistics",
             f"/practices/{submitted}"]
    assert {url: overflow(url) for url in pages} == dict.fromkeys(pages, 0)
    assert page.is_visible("#return-comment")
    page.goto(f"{base}/statistics")  # the charts' text stays readable: scaled to the screen it was 5 px
    heights = page.eval_on_selector_all(".chart-label", "labels => labels.map(l => l.getBoundingClientRect().height)"
                                                         ".filter(h => h > 0)")  # of the chart shown
    assert heights and min(heights) >= 11, heights
    # A practice's facts (organisation, region, levels) stand above its text on a phone, not after all of it;
    # the adoption block stays after the text.
    with app.app_context():
        published = db.session.scalar(select(Practice.id).where(Practice.status == "published").order_by(Practice.id))
    page.goto(f"{base}/practices/{published}")
    top = {selector: page.eval_on_selector(selector, "e => e.getBoundingClientRect().top")
           for selector in (".metadata", ".practice-body", "#adoption")}
    assert top[".metadata"] < top[".practice-body"] < top["#adoption"], top
    context.clear_cookies()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    assert overflow("/practices/mine") == 0
    _shot(page, "phone_mine")
    context.close()


def test_the_profile_with_an_api_token_fits_a_phone(live_server, browser):
    """With a token the profile lists it in a scrolled table whose last header, «Действия», is visually hidden
    (position: absolute): its containing block was the page, so at 360 pixels the whole page scrolled sideways."""
    app, base = live_server
    from kb.accounts.models import User
    from kb.accounts.tokens import create_token

    with app.app_context():
        teacher = db.session.scalar(select(User).where(User.email == "teacher@demo.example"))
        create_token(teacher, "Выгрузка для сайта методического объединения школы")
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="ru-RU")
    page = context.new_page()
    _login(page, base, "teacher@demo.example", "demo-teacher-pass")
    page.goto(f"{base}/profile")
    assert page.locator("#api-tokens table").count() == 1
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    _shot(page, "phone_profile_token")
    context.close()


def test_a_printed_page_gives_the_full_address_of_its_links(live_server, browser, tmp_path):
    """Printed, the links to the bank's own pages showed bare paths «(/practices/67)», which cannot be typed from
    paper: now the full address, and still none for tags."""
    app, base = live_server
    from kb.practices.models import Practice

    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.status == "published", Practice.region_code
                                                            .is_not(None)).order_by(Practice.id))
        pid, region = practice.id, practice.region_code
    page = _page(browser)
    page.goto(f"{base}/practices/{pid}")
    page.pdf(path=str(tmp_path / "practice.pdf"))
    import pypdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(tmp_path / "practice.pdf").pages)
    flat = "".join(text.split())  # a long address breaks across lines
    assert f"({base}/search?region={region})" in flat, text[:1500]
    assert "(/" not in flat, text[:1500]
    assert "topic=" not in flat, "tags print without their addresses"


def test_the_regions_page_fits_the_narrowest_phone(live_server, browser):
    """At 320 pixels «Калининградская область» with its count and «муниципалитеты» (kept whole) made the page
    330 pixels wide: the line now wraps."""
    _, base = live_server
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="ru-RU")
    page = context.new_page()
    page.goto(f"{base}/regions")
    assert page.locator(".browse-sub").count() > 0
    assert page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth") == 0
    context.close()

