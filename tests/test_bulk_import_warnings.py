"""What the check of a registry warns about in rows it would load: a scanned PDF, a practice already in the bank."""

from __future__ import annotations

import io
import re

from tests.conftest import csrf_from, sign_in
from tests.documents import pdf_bytes
from tests.test_bulk_import import practices, row, xlsx_bytes, zip_bytes
from tests.test_bulk_import_checks import check

SCAN_NOTICE = "в файле нет текстового слоя (скан): его текст не попадёт в поиск."


def scan_pdf() -> bytes:
    """A scanned page: an image and no text (what a scanner or a phone writes)."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (600, 300), "white")
    ImageDraw.Draw(picture).rectangle((40, 40, 560, 80), fill="black")  # a line of «text», as pixels
    pdf = FPDF()
    pdf.add_page()
    pdf.image(picture, x=10, y=10, w=180)
    return bytes(pdf.output())


def test_a_scanned_pdf_is_named_in_the_check_and_in_the_import(app, make_user, tmp_path):
    """A PDF without a text layer was attached without a word: its words never reach the search."""
    admin = make_user("admin")
    archive = tmp_path / "files.zip"
    archive.write_bytes(zip_bytes({"скан_приказа.pdf": scan_pdf(), "статья.pdf": pdf_bytes("Статья о методе.")}))
    registry = xlsx_bytes([row("СКАН-1", "Практика со сканом приказа", files="скан_приказа.pdf; статья.pdf")])

    dry = check(app, admin, registry, archive)
    assert [w for w in dry.rows[0].warnings if "скан" in w] == [f"«скан_приказа.pdf» — {SCAN_NOTICE}"]
    done = check(app, admin, registry, archive, dry_run=False)
    assert [w for w in done.rows[0].warnings if "скан" in w] == [f"«скан_приказа.pdf» — {SCAN_NOTICE}"]
    assert sorted(a.original_name for a in practices(app)[0].attachments) == ["скан_приказа.pdf", "статья.pdf"]
    # loaded again: the file is attached already, and nothing new is said of it
    assert not [w for w in check(app, admin, registry, archive).rows[0].warnings if "скан" in w]


def test_a_scanned_pdf_uploaded_on_the_practice_page_is_named(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика с файлами", status="draft", owner_id=owner)
    client = app.test_client()
    sign_in(client, owner)

    def upload(name: str, data: bytes) -> str:
        return client.post(f"/practices/{pid}/attachments", data={
            "csrf_token": csrf_from(client, f"/practices/{pid}"), "files": [(io.BytesIO(data), name)]},
            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert f"Файл «скан.pdf» приложен, но {SCAN_NOTICE}" in upload("скан.pdf", scan_pdf())
    page = upload("статья.pdf", pdf_bytes("Статья о методе."))
    assert "Файл «статья.pdf» приложен (слов в тексте: 3)." in page and "текстового слоя" not in page


TITLE = "Татарский фольклор на уроках музыки в начальной школе"
CRAFTS = "Смоленские промыслы на уроках технологии в пятом классе"
CRAFTS_TEXT = ("Пятиклассники расписывают деревянные ложки, плетут пояса и узнают историю промыслов Смоленщины "
               "от мастеров районного дома ремёсел.")
ANNOTATION = ("Народные песни и игры на уроках музыки. Дети разучивают песни, водят хороводы и сочиняют свои "
              "попевки по мотивам народных игр.")


def test_a_row_that_repeats_a_practice_in_the_bank_is_named_as_the_form_names_it(app, make_user, make_practice):
    """A registry row repeating a practice already in the bank (the teacher submitted it on the site, the school
    sent it to the office's registry too) was «будет создана» without a word, though the form and the API stop at
    «Похожая практика уже есть в банке». Only practices the importing user may see are named."""
    from kb.duplicates.services import similar_texts

    teacher = make_user("teacher")
    methodist = make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        returned = make_practice(TITLE, status="returned", owner_id=teacher, annotation=ANNOTATION)
        elsewhere = make_practice(CRAFTS, status="draft", owner_id=teacher, region_code="RU-SMO",
                                  annotation=CRAFTS_TEXT)
    rows = [row("ДУБ-1", TITLE.upper().replace("Ё", "Е"), annotation=ANNOTATION),
            row("ДУБ-2", CRAFTS, annotation=CRAFTS_TEXT),
            row("ДУБ-3", "Экологическая тропа в детском саду", annotation="Наблюдения за природой круглый год.")]
    report = check(app, methodist, xlsx_bytes(rows))
    warned = [[w for w in r.warnings if "уже есть в банке" in w] for r in report.rows]
    assert warned == [[
        f"Похожая практика уже есть в банке: №{returned} «{TITLE}» (возвращена на доработку, то же название, "
        "совпадает около 100 % текста). Проверьте, не вносите ли вы тот же опыт повторно."], [], []]
    assert all(f"№{elsewhere}" not in w for r in report.rows for w in r.warnings), "another region's draft"
    admin_sees = check(app, make_user("admin"), xlsx_bytes(rows[1:2])).rows[0].warnings
    assert [w for w in admin_sees if w.startswith(f"Похожая практика уже есть в банке: №{elsewhere} «{CRAFTS}» "
                                                  "(черновик, то же название")]
    assert [r.outcome(True) for r in report.rows] == ["будет создана"] * 3  # a warning: the office decides

    # what the form would say to the same user about the same text: the same practices
    with app.app_context():
        from kb.accounts.models import User
        from kb.extensions import db

        user = db.session.get(User, methodist)
        assert [d.practice.id for d in similar_texts(user, TITLE, {"annotation": ANNOTATION})] == [returned]
        assert similar_texts(user, CRAFTS, {"annotation": CRAFTS_TEXT}) == []

    # the import says what the check said: not that the rows repeat each other's new practices
    twice = [*rows, row("ДУБ-4", "Экологическая тропа в детском саду", annotation="Наблюдения за природой.")]
    done = check(app, methodist, xlsx_bytes(twice), dry_run=False)
    assert [[w for w in r.warnings if "уже есть в банке" in w] for r in done.rows] == [*warned, []]
    # loaded again: the rows update their practices, and a practice is not a duplicate of itself
    again = check(app, methodist, xlsx_bytes(rows))
    assert not [w for r in again.rows for w in r.warnings if "уже есть в банке" in w]


def repeats(report) -> list[list[str]]:
    return [[w for w in r.warnings if "в этом же реестре" in w] for r in report.rows]


def test_a_row_that_repeats_another_row_of_the_registry_is_named(app, make_user):
    """The same row twice in one registry (no identifier: nothing tells them apart) created two practices without a
    word: the new rows were compared with the bank only, not with each other."""
    admin = make_user("admin")
    same = row("", TITLE, annotation=ANNOTATION)
    rows = [same, row("", CRAFTS, annotation=CRAFTS_TEXT), list(same),
            row("ДУБ-4", TITLE.upper().replace("Ё", "Е"), annotation=ANNOTATION + " Итоги — на школьном концерте."),
            row("", "Экологическая тропа в детском саду", annotation="Наблюдения за природой круглый год.")]
    told = [[], [], [f"Похоже, строка повторяет строку 2 «{TITLE}» (то же название, совпадает около 100 % текста) в "
                     "этом же реестре. Проверьте, не вносите ли вы тот же опыт повторно."]]
    dry = check(app, admin, xlsx_bytes(rows))
    assert repeats(dry)[:3] == told
    (fourth,) = repeats(dry)[3]
    assert re.fullmatch(rf"Похоже, строка повторяет строки 2 «{TITLE}» \(то же название, совпадает около \d+ % "
                        rf"текста\); 4 «{TITLE}» \(то же название, совпадает около \d+ % текста\) в этом же реестре\. "
                        "Проверьте, не вносите ли вы тот же опыт повторно.", fourth), fourth
    assert repeats(dry)[4] == []
    assert [r.outcome(True) for r in dry.rows] == ["будет создана"] * 5  # a warning: the office decides
    # the import says what the check said, and loads every row
    done = check(app, admin, xlsx_bytes(rows), dry_run=False)
    assert repeats(done) == repeats(dry)
    assert len(practices(app)) == 5
