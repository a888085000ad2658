"""What the check of a registry warns about in rows it would load: a scanned PDF, a practice already in the bank."""

from __future__ import annotations

import io

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
