"""Real browser: a methodist imports a resolution file, corrects the preview, saves, and the recommendations
appear under the right addressees (fixtures and helpers from tests/test_browser.py)."""

from __future__ import annotations

import re

import pytest

from tests.test_browser import CHROMIUM, _login, _page, _shot, browser, chromium, live_server  # noqa: F401 - fixtures

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; .ci/run does)"),
]

RESOLUTION = """РЕЗОЛЮЦИЯ
областного семинара «Исследовательская деятельность младших школьников»

Дата проведения: 12 октября 2022 года
Место проведения: г. Курган
Формат: очно

Участники семинара рекомендуют:
1) Общеобразовательным организациям:
– поддерживать школьные научные обшества в начальной школе;
– делиться опытом руководства исследованиями в сетевом сообществе педагогов.
2) Педагогам:
– включать исследовательские задания во внеурочную деятельность."""

SCHOOLS = "Общеобразовательным организациям"
TEACHERS = "Педагогам"


def test_methodist_imports_corrects_and_saves_a_resolution(live_server, browser, tmp_path):  # noqa: F811
    import docx

    document = docx.Document()
    for line in RESOLUTION.splitlines():
        document.add_paragraph(line)
    path = tmp_path / "резолюция семинара.docx"
    document.save(path)

    _, base = live_server
    page = _page(browser)
    _login(page, base, "methodist@demo.example", "demo-methodist-pass")
    page.click("nav a:has-text('Загрузить резолюцию')")
    page.wait_for_url(f"{base}/resolutions/import")
    page.set_input_files("#file", str(path))
    page.click("button:has-text('Загрузить и проверить')")
    page.wait_for_url(re.compile(r".*/resolutions/import/[A-Za-z0-9_-]{32}$"))

    # The preview shows what was recognised.
    assert page.input_value("#place") == "Курган"
    assert page.input_value("#date_start") == "2022-10-12"
    assert page.locator("fieldset.preview-rec").count() == 3
    assert page.input_value("#recommendations-1-addressee") == SCHOOLS
    assert "обшества" in page.input_value("#recommendations-0-text")

    # Correct it: fix a word, move the second recommendation to the teachers.
    fixed = page.input_value("#recommendations-0-text").replace("обшества", "общества")
    page.fill("#recommendations-0-text", fixed)
    page.fill("#recommendations-1-addressee", TEACHERS)
    page.select_option("#recommendations-1-addressee_type", "teachers")
    page.check("#publish")
    _shot(page, "resolution_import_preview")
    page.click("button[name=save]")
    page.wait_for_url(re.compile(r".*/resolutions/\d+$"))

    assert "Резолюция опубликована" in page.locator(".flashes").inner_text()
    groups = page.locator("section.addressee")
    assert groups.count() == 2
    schools = groups.filter(has=page.locator("h3", has_text=SCHOOLS))
    teachers = groups.filter(has=page.locator("h3", has_text=TEACHERS))
    assert schools.locator("li.rec").count() == 1
    assert "школьные научные общества" in schools.inner_text()
    assert teachers.locator("li.rec").count() == 2
    assert "делиться опытом руководства исследованиями" in teachers.inner_text()
    assert "делиться опытом" not in schools.inner_text()
    assert "обшества" not in page.locator("section.recommendations").inner_text()
    _shot(page, "resolution_import")
