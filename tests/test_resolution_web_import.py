"""Importing a resolution from the web: upload → preview with corrections → save, by the same service as the CLI."""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from kb.extensions import db
from kb.resolutions import staging
from kb.resolutions.models import Recommendation, Resolution
from kb.vocabularies.models import Region
from tests.conftest import csrf_from, sign_in
from tests.documents import encrypted_office_bytes, pdf_bytes
from tests.test_bulk_import_warnings import scan_pdf

SEMINAR = """РЕЗОЛЮЦИЯ
областного семинара «Исследовательская деятельность младших школьников»

Дата проведения: 12 октября 2022 года
Место проведения: г. Курган
Формат: очно
Участники: 120 педагогов

Участники семинара рекомендуют:
1) Органам местного самоуправления, осуществляющим управление в сфере образования:
– поддерживать школьные научные обшества в начальной школе;
2) Общеобразовательным организациям:
– проводить школьные конференции исследовательских работ учащихся;
– включать исследовательские задания во внеурочную деятельность."""


def docx_bytes(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.splitlines():
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _staged(app) -> list[Path]:
    root = Path(app.instance_path) / "uploads-tmp" / "resolution-imports"
    return sorted(root.iterdir()) if root.is_dir() else []


def _count(app, model=Resolution) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def methodist(client, make_user):
    user_id = make_user("methodist", scope_region="RU-CHE")
    sign_in(client, user_id)
    return user_id


def upload(client, data: bytes, filename: str):
    token = csrf_from(client, "/resolutions/import")
    return client.post("/resolutions/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def preview_values(client, url: str) -> MultiDict:
    """What a browser would send back from the preview page untouched."""
    page = client.get(url)
    assert page.status_code == 200
    return preview_values_from(page)


def preview_values_from(response) -> MultiDict:
    """The fields of the preview form on a page, as a browser submits them."""
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    form = next(f for f in doc.forms if "resolution-preview" in (f.get("class") or ""))
    values = MultiDict()
    for name, value in form.form_values():
        values.add(name, value[1:] if value.startswith("\n") else value)  # a browser drops a textarea's first newline
    return values


def structure(resolution: Resolution) -> tuple:
    return (
        resolution.title, resolution.conference_name, resolution.date_start, resolution.date_end, resolution.place,
        resolution.organiser, resolution.format, resolution.participants_count, resolution.participants_text,
        sorted(r.code for r in resolution.regions), resolution.full_text, resolution.status,
        [(r.number, r.addressee, r.addressee_type_code, r.text, [t.code for t in r.topics])
         for r in resolution.recommendations],
    )


# --------------------------------------------------------------------------------------------------
# Who may import


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/resolutions/import")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["teacher"])
def test_teachers_may_not_import(client, make_user, role):
    sign_in(client, make_user(role))
    assert client.get("/resolutions/import").status_code == 403
    assert client.get("/resolutions/import/" + "a" * 32).status_code == 403


@pytest.mark.parametrize("role, scope", [("methodist", "RU-CHE"), ("admin", None)])
def test_methodists_and_admins_see_the_upload_form_and_the_menu_link(client, make_user, role, scope):
    sign_in(client, make_user(role, scope_region=scope))
    page = client.get("/resolutions/import")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="file"' in html and 'name="csrf_token"' in html
    assert "Загрузить резолюцию" in html


def test_upload_without_csrf_token_is_refused_and_nothing_is_kept(app, client, methodist):
    response = client.post("/resolutions/import", data={"file": (io.BytesIO(SEMINAR.encode()), "r.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert _staged(app) == []


def test_saving_the_preview_without_csrf_token_stores_nothing(app, client, methodist):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    values.pop("csrf_token")
    response = client.post(location, data=values)
    assert response.status_code == 400
    assert _count(app) == 0


# --------------------------------------------------------------------------------------------------
# The seeds round-trip through the form unchanged


@pytest.mark.parametrize("suffix", [".txt", ".docx"])
@pytest.mark.parametrize("seed", ["resolution_chelyabinsk_2017", "resolution_smolensk_2023"])
def test_a_seed_saved_from_the_untouched_preview_equals_the_cli_import(app, client, runner, methodist, seeds_dir,
                                                                       tmp_path, seed, suffix):
    path = seeds_dir / f"{seed}.txt"
    if suffix == ".docx":  # the same text as Word saves it, one paragraph per line
        path = tmp_path / f"{seed}.docx"
        path.write_bytes(docx_bytes((seeds_dir / f"{seed}.txt").read_text(encoding="utf-8")))
    response = upload(client, path.read_bytes(), path.name)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.fullmatch(r"/resolutions/import/[A-Za-z0-9_-]{32}", location)
    values = preview_values(client, location)
    values["publish"] = "y"
    saved = client.post(location, data=values)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        web = db.session.scalar(select(Resolution))
        assert saved.headers["Location"] == f"/resolutions/{web.id}"
        from_web = structure(web)
        assert web.source_name == path.name
        db.session.delete(web)
        db.session.commit()

    result = runner.invoke(args=["import-resolution", str(path), "--publish"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert structure(db.session.scalar(select(Resolution))) == from_web
    assert _staged(app) == []  # the kept upload is gone once saved


def test_chelyabinsk_preview_shows_every_recommendation_with_its_addressee(client, methodist, seeds_dir):
    location = upload(client, (seeds_dir / "resolution_chelyabinsk_2017.txt").read_bytes(), "ч.txt").headers["Location"]
    values = preview_values(client, location)
    assert [values[f"recommendations-{i}-number"] for i in range(7)] == ["1.1", "2.1", "3.1", "4.1", "4.2", "4.3",
                                                                          "4.4"]
    assert values["recommendations-3-addressee"] == "ГБУ ДПО ЧИППКРО"
    assert values["recommendations-0-addressee_type"] == "regional_authority"
    assert values["date_start"] == "2017-04-17" and values["date_end"] == "2017-04-20"
    assert set(values.getlist("regions")) >= {"RU-CHE", "KZ", "KG"}


def test_the_recognised_regions_are_checkboxes_in_view_and_the_others_folded(app, client, methodist, seeds_dir):
    """Not a multiple select: a click on one region without Ctrl dropped the other 13 (and a phone has no Ctrl)."""
    location = upload(client, (seeds_dir / "resolution_chelyabinsk_2017.txt").read_bytes(), "ч.txt").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert "Ctrl" not in page and not re.search(r'<select[^>]*name="regions"', page)
    regions = lxml.html.fromstring(page).get_element_by_id("regions")
    assert regions.tag == "fieldset" and regions.find("legend").text == "Регионы"
    boxes = regions.xpath(".//input[@type='checkbox'][@name='regions']")
    with app.app_context():
        assert len(boxes) == db.session.scalar(select(func.count()).select_from(Region)) == 91
    chosen = [box for box in boxes if box.checked]
    assert len(chosen) == 14
    assert all(not box.xpath("ancestor::details") for box in chosen)  # in view
    assert all(box.xpath("ancestor::details") for box in boxes if not box.checked)  # under «Другие регионы (77)»
    assert regions.find(".//summary").text_content() == "Другие регионы (77)"
    labels = [regions.xpath(f".//label[@for='{box.get('id')}']")[0].text_content() for box in chosen]
    assert "Челябинская область" in labels and "Кыргызская Республика" in labels

    # Ticking one more keeps the 14: the saved resolution has 15.
    values = preview_values(client, location)
    values.add("regions", "RU-KGN")
    assert client.post(location, data=values).status_code == 302
    with app.app_context():
        assert len(db.session.scalar(select(Resolution)).regions) == 15


# --------------------------------------------------------------------------------------------------
# Corrections


def test_corrections_in_the_preview_are_what_is_saved(app, client, methodist):
    response = upload(client, docx_bytes(SEMINAR), "семинар.docx")
    location = response.headers["Location"]
    values = preview_values(client, location)
    assert values["recommendations-0-text"] == "поддерживать школьные научные обшества в начальной школе"
    assert values["place"] == "Курган" and values["format"] == "in_person"

    # Add a recommendation: the page comes back with one more (empty) entry and what was typed kept.
    values["place"] = "Шадринск"
    added = client.post(location, data=MultiDict([*values.items(multi=True), ("add_recommendation", "1")]))
    assert added.status_code == 200
    assert _count(app) == 0
    values = preview_values_from(added)
    assert values["place"] == "Шадринск"
    assert values["recommendations-3-text"] == ""
    # the focus is in the new one's first field, which says it was added (the page opened at its top before)
    added_page = added.get_data(as_text=True)
    assert re.findall(r'<input [^>]*autofocus[^>]*>', added_page) == [
        '<input aria-describedby="preview-rec-3-added" autofocus id="recommendations-3-number" maxlength="20" '
        'name="recommendations-3-number" type="text" value="">']
    assert ('<p class="flash flash--success" role="status" id="preview-rec-3-added">Добавлена рекомендация 4.</p>'
            in added_page)

    values["recommendations-0-text"] = "поддерживать школьные научные общества в начальной школе"
    values["recommendations-2-addressee"] = values["recommendations-0-addressee"]
    values["recommendations-2-addressee_type"] = "municipal_authority"
    values["recommendations-1-remove"] = "y"
    values["recommendations-3-number"] = "3.1"
    values["recommendations-3-addressee"] = "Педагогам"
    values["recommendations-3-addressee_type"] = ""
    values["recommendations-3-text"] = "делиться опытом в сетевом сообществе"
    values["date_start"] = values["date_end"] = "2022-10-13"
    values.setlist("regions", ["RU-KGN", "RU-CHE"])
    values["publish"] = "y"
    saved = client.post(location, data=values)
    assert saved.status_code == 302

    with app.app_context():
        res = db.session.scalar(select(Resolution))
        assert res.status == "published"
        assert res.place == "Шадринск"
        assert str(res.date_start) == str(res.date_end) == "2022-10-13"
        assert {r.code for r in res.regions} == {"RU-KGN", "RU-CHE"}
        recs = [(r.number, r.addressee_type_code, r.text) for r in res.recommendations]
        assert recs == [
            ("1.1", "municipal_authority", "поддерживать школьные научные общества в начальной школе"),
            ("2.2", "municipal_authority", "включать исследовательские задания во внеурочную деятельность."),
            ("3.1", "teachers", "делиться опытом в сетевом сообществе"),
        ]
        groups = [(addressee, [r.number for r in items]) for addressee, _, items in res.recommendations_by_addressee()]
        assert groups == [
            ("Органам местного самоуправления, осуществляющим управление в сфере образования", ["1.1", "2.2"]),
            ("Педагогам", ["3.1"]),
        ]
        assert "обшества" in res.full_text  # the file's text is kept as it was; the recommendation is corrected
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "научные общества" in page
    assert "Опубликовать" not in page


@pytest.mark.parametrize("field, value, message", [
    ("title", "", "Укажите название резолюции."),
    ("date_end", "2022-10-01", "Дата окончания раньше даты начала."),
    ("date_start", "12.10.2022x", "Неверное значение даты."),
    ("participants_count", "много", "Неверное целое число."),
    ("format", "by_pigeon", "Выберите формат из списка."),
    ("regions", "RU-XXX", "Неизвестные коды регионов: RU-XXX."),
    ("recommendations-0-text", "", "Введите текст рекомендации или отметьте «Удалить»."),
    ("recommendations-0-addressee_type", "aliens", "Выберите тип адресата из списка."),
])
def test_bad_corrections_get_a_message_and_nothing_is_saved(app, client, methodist, field, value, message):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    values[field] = value
    response = client.post(location, data=values)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0
    assert len(_staged(app)) == 1  # the upload is still there: the methodist fixes the field and saves
    values = preview_values(client, location)
    assert client.post(location, data=values).status_code == 302
    assert _count(app) == 1


def test_a_draft_is_seen_by_moderators_only_until_published(app, client, methodist, make_user):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    saved = client.post(location, data=preview_values(client, location))  # «publish» left unticked
    url = saved.headers["Location"]
    query = {"q": "конференции исследовательских работ", "type": "recommendation"}
    assert app.test_client().get("/api/v1/search", query_string=query).json["total"] == 0
    page = client.get(url).get_data(as_text=True)
    assert "черновик" in page
    assert app.test_client().get(url).status_code == 404
    teacher = app.test_client()
    sign_in(teacher, make_user("teacher"))
    assert teacher.get(url).status_code == 404
    assert teacher.post(url + "/publish", data={"csrf_token": csrf_from(teacher, "/profile")}).status_code == 403

    publish = client.post(url + "/publish", data={"csrf_token": csrf_from(client, url)})
    assert publish.status_code == 302
    assert app.test_client().get(url).status_code == 200
    with app.app_context():
        from kb.accounts.models import AuditEvent

        events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "resolution")).all()
    assert events == ["resolution_imported", "resolution_published"]

    with app.app_context():
        from kb.search.services import sync

        sync()
    found = app.test_client().get("/api/v1/search", query_string={"q": "конференции исследовательских работ",
                                                                   "type": "recommendation"}).json
    assert found["results"][0]["url"] == f"{url}#rec-2-1"


def test_cancel_asks_first_and_keeps_the_corrections(app, client, methodist):
    """«Отменить загрузку…» beside «Сохранить» throws nothing away at once: the page comes back with the corrections
    as sent and the question at its top; only the question's own button discards the file."""
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    values["title"] = "Исправленное название резолюции"
    values["cancel_import"] = "1"
    asked = client.post(location, data=values)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Отменить загрузку?" in page
    assert "будет отброшен вместе со всеми исправлениями" in page and "«семинар.txt»" in page
    assert 'value="Исправленное название резолюции"' in page  # the corrections are still there
    assert len(_staged(app)) == 1 and _count(app) == 0
    cancel = location + "/cancel"
    assert f'<form method="post" action="{cancel}"' in page
    assert client.post(cancel).status_code == 400, "CSRF is checked"
    assert len(_staged(app)) == 1
    assert client.post(cancel, data={"csrf_token": csrf_from(client, location)}).status_code == 302
    assert _staged(app) == [] and _count(app) == 0


def test_the_preview_has_no_one_click_cancel(client, methodist):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    page = client.get(location).get_data(as_text=True)
    assert 'name="cancel_import"' in page and f'action="{location}/cancel"' not in page


def test_cancel_discards_the_upload(app, client, methodist):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    response = client.post(location + "/cancel", data={"csrf_token": csrf_from(client, location)})
    assert response.status_code == 302
    assert _staged(app) == []
    again = client.get(location, follow_redirects=True)
    assert "не найден или устарел" in again.get_data(as_text=True)
    assert _count(app) == 0


def test_another_users_or_a_made_up_token_finds_nothing(app, client, methodist, make_user):
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    other = app.test_client()
    sign_in(other, make_user("methodist", scope_region="RU-SMO"))
    assert "не найден или устарел" in other.get(location, follow_redirects=True).get_data(as_text=True)
    for token in ("../../etc", "a" * 32, "%2e%2e%2f" * 4):
        response = client.get(f"/resolutions/import/{token}", follow_redirects=True)
        assert response.status_code in (200, 404)
        if response.status_code == 200:
            assert "не найден или устарел" in response.get_data(as_text=True)
    assert len(_staged(app)) == 1


# --------------------------------------------------------------------------------------------------
# Bad files and repeated files


def _truncated_docx() -> bytes:
    return docx_bytes(SEMINAR)[:1500]


def _docx_with_broken_body() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(SEMINAR)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.infolist():
            data = source.read(item)
            archive.writestr(item, b"<w:document>oops" if item.filename == "word/document.xml" else data)
    return out.getvalue()


def _empty_docx() -> bytes:
    return docx_bytes("")


def _zip_not_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "просто архив")
    return out.getvalue()


def _docx_bomb() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(SEMINAR)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, source.read(item))
        archive.writestr("word/media/padding.bin", b"\0" * (40 * 1024 * 1024))  # compresses over 1000:1
    return out.getvalue()


@pytest.mark.parametrize("filename, make, message", [
    ("резолюция.exe", lambda: b"MZ\x90\x00binary", "Неподдерживаемый формат файла (.exe)"),
    ("резолюция", lambda: SEMINAR.encode(), "Неподдерживаемый формат файла (без расширения)"),
    ("резолюция.docx", _truncated_docx, "Файл повреждён: не удаётся прочитать его содержимое."),
    ("резолюция.docx", _docx_with_broken_body, "повреждён"),
    ("резолюция.docx", _docx_bomb, "похоже на архив-бомбу"),
    ("резолюция.docx", _zip_not_docx, "Файл повреждён: не удаётся прочитать его содержимое."),
    ("резолюция.pdf", lambda: docx_bytes(SEMINAR), "не соответствует содержимому"),
    ("резолюция.txt", lambda: b"", "Файл пустой"),
    ("резолюция.docx", _empty_docx, "нет текста"),
    # a scan: not «Файл пуст», but why there is no text
    ("скан.pdf", lambda: scan_pdf(), "В «скан.pdf» нет текстового слоя (скан): банк не распознаёт текст на "
                                     "изображениях."),
    ("../../резолюция.pdf", lambda: b"%PDF-1.4 broken", "PDF повреждён"),
    # opens, and fails only while its text is read (pypdf's NotImplementedError gave a 500)
    ("резолюция.pdf", lambda: pdf_bytes(SEMINAR).replace(b"/FlateDecode", b"/NoSuchDecode"), "PDF повреждён"),
])
def test_a_broken_or_unsupported_file_gets_a_russian_message_and_nothing_is_stored(app, client, methodist,
                                                                                   filename, make, message):
    response = upload(client, make(), filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(app) == 0
    assert _staged(app) == []


def test_the_limit_is_ten_megabytes():
    assert staging.MAX_FILE_SIZE == 10 * 1024 * 1024
    assert staging.too_large_message() == "Файл больше 10 МБ — такой файл не принимается."


def test_a_file_over_the_limit_answers_413(app, client, methodist, monkeypatch):
    monkeypatch.setattr(staging, "MAX_FILE_SIZE", 2048)  # a small limit keeps the test light
    response = upload(client, SEMINAR.encode() * 3, "большая.txt")
    assert response.status_code == 413
    assert "Файл больше 2 КБ — такой файл не принимается." in response.get_data(as_text=True)
    assert _staged(app) == [] and _count(app) == 0
    assert upload(client, SEMINAR.encode(), "обычная.txt").status_code == 302


def test_a_long_cyrillic_file_name_is_shortened_before_its_extension(app, client, methodist):
    """128 Cyrillic letters are 256 bytes, one more than a file system takes: the staged upload could not be
    written (500). The name is now shortened to 255 bytes, and keeps its «.txt»."""
    name = "резолюция" * 20 + ".txt"
    response = upload(client, SEMINAR.encode(), name)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    shown = re.search(r"(резолюция)+[а-я]*\.txt", page).group(0)
    assert len(shown.encode()) <= 255 and shown.startswith("резолюция" * 13)
    assert _count(app) == 0


def test_no_file_chosen(client, methodist):
    response = client.post("/resolutions/import", data={"csrf_token": csrf_from(client, "/resolutions/import")})
    assert response.status_code == 400
    assert "Выберите файл резолюции." in response.get_data(as_text=True)


def test_a_file_imported_before_is_recognised_and_linked(app, client, runner, methodist):
    first = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    client.post(first, data=preview_values(client, first))
    with app.app_context():
        existing_id = db.session.scalar(select(Resolution.id))

    # The same text as DOCX (another format, same normalised text) is the same resolution.
    again = upload(client, docx_bytes(SEMINAR), "семинар-копия.docx")
    assert again.status_code == 200
    html = again.get_data(as_text=True)
    assert "уже загружена" in html
    assert f'href="/resolutions/{existing_id}"' in html
    assert _count(app) == 1 and _count(app, Recommendation) == 3
    assert _staged(app) == []


# --------------------------------------------------------------------------------------------------
# Protected files, and files of more recommendations than a resolution has


def test_a_word_file_saved_with_a_password_is_refused_as_encrypted(app, client, methodist):
    """A DOCX saved with a password was «Неподдерживаемый тип файла (application/vnd.ms-powerpoint)»."""
    response = upload(client, encrypted_office_bytes(), "резолюция.docx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Файл зашифрован паролем: загрузите его без пароля." in page and "application/" not in page
    assert _staged(app) == [] and _count(app) == 0


def test_a_pdf_with_only_an_owner_password_is_imported(app, client, methodist):
    """A PDF that opens without a password but limits printing (an owner password) was refused as
    «PDF защищён паролем»; its text is now read like any PDF's."""
    response = upload(client, pdf_bytes(SEMINAR, owner_password="x"), "резолюция.pdf")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Исследовательская деятельность младших школьников" in page
    assert "Рекомендации (3)" in page


def test_a_file_of_an_unsupported_kind_is_named_in_words(app, client, methodist):
    """The message named the content by its MIME type («(application/x-msdownload)»)."""
    response = upload(client, b"MZ\x90\x00" + bytes(range(256)) * 40, "резолюция.docx")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Неподдерживаемый тип файла: программа (EXE)." in page and "application/" not in page


@pytest.mark.parametrize(("filename", "data", "found"), [
    ("резолюция.pdf", b"\x89PNG\r\n\x1a\n" + bytes(200), ": изображение (PNG)"),
    ("резолюция.doc", b"Rar!\x1a\x07\x00" + bytes(200), ": архив (RAR)"),
])
def test_a_file_of_an_unsupported_kind_is_told_the_formats_of_a_resolution(app, client, methodist, filename, data,
                                                                          found):
    """The refusal listed the formats a practice's files may have (PPTX, XLSX, ODS…), which the resolution import
    refuses in its turn; it lists a resolution's, and still says what the file is."""
    response = upload(client, data, filename)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (f"Неподдерживаемый тип файла{found}. Резолюция принимается в форматах .txt, .md, .docx, .odt, .fodt, "
            ".rtf, .pdf, .doc.") in page
    assert "PPTX" not in page and "XLSX" not in page


def test_binary_data_named_as_a_resolution_format_is_told_it_is_not_one(app, client, methodist):
    """Bytes no check recognises, named .pdf or .docx, were «Неподдерживаемый тип файла. Резолюция принимается в
    форматах .txt, .md, .docx, …», naming no type and listing the one the file is named as."""
    from tests.test_attachments import NOTHING_KNOWN

    for filename, claimed in (("резолюция.pdf", "PDF, но это не PDF-документ"),
                              ("резолюция.docx", "DOCX, но это не документ DOCX")):
        response = upload(client, NOTHING_KNOWN, filename)
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert f"Файл назван как {claimed} (возможно, он повреждён или переименован)." in page
        assert "Неподдерживаемый тип" not in page and "Резолюция принимается" not in page
    assert _count(app) == 0 and _staged(app) == []


def test_a_txt_with_binary_data_is_told_it_is_no_text_file(app, client, methodist):
    """A NUL byte in a .txt was «Неподдерживаемый тип файла. Резолюция принимается в форматах .txt, …», naming no
    type, and .txt among the formats taken."""
    for data in (bytes(range(256)) * 50, "РЕЗОЛЮЦИЯ\x00семинара".encode()):
        response = upload(client, data, "резолюция.txt")
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "Файл «.txt» — не текстовый: в нём двоичные данные, а не текст." in page
        assert "Неподдерживаемый тип" not in page
    assert _count(app) == 0 and _staged(app) == []


def many_recommendations(count: int) -> str:
    return (SEMINAR.split("Участники семинара")[0] + "Участники семинара рекомендуют:\n"
            + "".join(f"{n}) Общеобразовательным организациям:\n– провести семинар номер {n};\n"
                      for n in range(1, count + 1)))


def test_a_file_of_more_recommendations_than_the_preview_holds_is_refused_at_upload(app, client, methodist):
    """301 recommendations were staged, and the preview then failed with a 500 at every look (the form's list
    holds 300), so «Отменить загрузку» could not be reached. The upload is now refused, saying how many."""
    response = upload(client, many_recommendations(301).encode(), "сборник.txt")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "В файле распознано рекомендаций: 301, а в одной резолюции их может быть не больше 300." in page
    assert _staged(app) == [] and _count(app) == 0


def test_a_staged_upload_of_too_many_recommendations_is_dropped_not_a_500(app, client, methodist):
    """An upload staged before the count was checked at upload answered 500 at every look at its preview."""
    with app.app_context():
        token, folder = staging.AREA.create()
        staging.AREA.write_meta(folder, {"filename": "сборник.txt", "user_id": methodist, "created": time.time(),
                                         "text": many_recommendations(301)})
    response = client.get(f"/resolutions/import/{token}", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "рекомендаций: 301" in page and "Загрузка отменена, ничего не сохранено." in page
    assert _staged(app) == [] and _count(app) == 0


def test_adding_a_recommendation_beyond_the_limit_says_so(app, client, methodist):
    """«Добавить рекомендацию» on a preview of 300 recommendations failed with a 500 (the list was full)."""
    location = upload(client, many_recommendations(300).encode(), "большая.txt").headers["Location"]
    values = preview_values(client, location)
    values["add_recommendation"] = "1"
    response = client.post(location, data=values)
    assert response.status_code == 400
    assert "В резолюции может быть не больше 300 рекомендаций." in response.get_data(as_text=True)
    # the focus stays on the button, which the message describes; no recommendation was added to take it
    page = response.get_data(as_text=True)
    assert re.findall(r"<[^>]* autofocus[^>]*>", page) == [
        '<button type="submit" class="button button--secondary" name="add_recommendation" value="1" autofocus '
        'aria-describedby="recommendations-error">']
    assert '<p class="error" role="alert" id="recommendations-error">В резолюции может быть не больше' in page
    del values["add_recommendation"]
    assert client.post(location, data=values).status_code == 302, "the 300 recommendations are still saved"
    assert _count(app, Recommendation) == 300
