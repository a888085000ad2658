"""A practice's file on its own in a collection: the practice page's «В подборку», the collection's page, the
exports (the appendix's ГОСТ reference), and what readers who may not see the practice never get of it."""

import html
import io
import re
from urllib.parse import quote

import pytest
from flask import url_for
from sqlalchemy import select

from kb.attachments.models import Attachment
from kb.collections.models import Collection, CollectionItem
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import csrf_from
from tests.test_collections import _add, _client, _create, _export_text, _squash, _token
from tests.test_collections import world as world  # noqa: F401 (the fixture: an owner, a published practice, a draft)

FORMATS = ["csv", "docx", "pdf", "ris", "bib"]
HOST = "– Текст : электронный // Банк практик : [сайт]. – 2020. – URL: http://localhost/attachments/"


def _file(app, practice_id: int, name: str, size: int = 2000) -> int:
    with app.app_context():
        attachment = Attachment(practice_id=practice_id, original_name=name, kind=name.rsplit(".", 1)[1], size=size,
                                sha256=f"{practice_id:032d}{len(name):032d}", text="Полный текст файла " * 100)
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


def _reference(file_id: int, title: str) -> str:
    """The reference an appendix of the world's published practice gets (tests/test_collections.py)."""
    return (f"Иванова, А. П. {title} : приложение к практике «Школьное научное общество в начальной школе» / "
            f"А. П. Иванова ; МАОУ «Лицей № 1». {HOST}{file_id}/")


def _set_status(app, practice_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Practice, practice_id).status = status
        db.session.commit()


def _add_while_public(app, owner, collection_id: int, practice_id: int, file_id: int) -> None:
    """A file of a draft in a collection, as one comes there: added while its practice was public, which then went
    back to a draft (a draft's file itself is refused)."""
    _set_status(app, practice_id, "published")
    assert _add(owner, collection_id, "attachment", file_id).status_code == 302
    _set_status(app, practice_id, "draft")


def _text(response, fmt: str) -> str:
    return _export_text(response, fmt) if fmt in ("csv", "docx", "pdf") else response.get_data(as_text=True)


def _list_of(app, owner, visibility: str, items: list[tuple[str, int]], note: str) -> int:
    """A new collection of ``owner`` (a signed-in client) with these items in this order and ``note`` on the first;
    its id."""
    cid = _create(owner, visibility=visibility)
    for item_type, item_id in items:
        assert _add(owner, cid, item_type, item_id).status_code == 302
    first = _item_ids(app, cid)[0]
    assert owner.post(f"/collections/{cid}/items/{first}/note", data={"note": note}).status_code == 302
    return cid


def test_each_file_of_a_published_practice_has_its_own_add_button(app, world):
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    secret = _file(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    page = owner.get(f"/practices/{world['published']}").get_data(as_text=True)
    files = page.split('id="files"')[1].split("</section>")[0]
    form = re.search(r'<form class="add-to-collection".*?</form>', files, re.S).group(0)
    assert 'action="/collections/add"' in form and 'name="csrf_token"' in form
    assert 'name="item_type" value="attachment"' in form and f'name="item_id" value="{regulation}"' in form
    assert "В подборку" in form and "«Положение_о_ШНО.docx»" in form  # named to a screen reader
    # the practice's own button stays as it was
    assert 'name="item_type" value="practice"' in page and f'name="item_id" value="{world["published"]}"' in page
    # a draft's files have none (its author sees the page and the files)
    draft = owner.get(f"/practices/{world['draft']}").get_data(as_text=True)
    assert "Секретное положение.docx" in draft and f'name="item_id" value="{secret}"' not in draft
    assert 'value="attachment"' not in draft


def test_a_file_is_added_once_and_shown_with_its_format_size_and_practice(app, world):
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx", size=35_000)
    owner = _client(app, world["owner"])
    cid = _create(owner)
    added = _add(owner, cid, "attachment", regulation, next_url=f"/practices/{world['published']}")
    assert added.headers["Location"] == f"/practices/{world['published']}"
    again = _add(owner, cid, "attachment", regulation)
    assert "Этот файл уже есть в подборке «Курс для наставников ШНО»." in \
        owner.get(again.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        items = db.session.scalars(select(CollectionItem).where(CollectionItem.collection_id == cid)).all()
        assert [(i.item_type, i.item_id) for i in items] == [("attachment", regulation)]
        item_id = items[0].id
    owner.post(f"/collections/{cid}/items/{item_id}/note", data={"note": "Образец положения для слушателей"})
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    entry = page.split(f'id="item-{item_id}"')[1].split("</li>")[0]
    download = f"/attachments/{regulation}/%D0%9F"  # the name is part of the address (url-quoted)
    assert "Файл практики" in entry and ">Положение_о_ШНО.docx</a>" in entry
    assert "DOCX, 35 КБ" in entry and download in entry and "Скачать" in entry
    assert f'приложение к практике «<a href="http://localhost/practices/{world["published"]}">Школьное научное ' \
           f"общество в начальной школе</a>»" in entry
    assert "Образец положения для слушателей" in entry
    assert "Полный текст файла" not in page


def test_a_file_already_in_the_list_says_so_to_the_script_too(app, world):
    regulation = _file(app, world["published"], "Положение.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner)
    for created in (True, False):
        body = owner.post("/collections/add", data={"item_type": "attachment", "item_id": regulation,
                                                    "collection": cid},
                          headers={"Accept": "application/json"}).get_json()
        assert body["created"] is created
    assert body["message"] == "Этот файл уже есть в подборке «Курс для наставников ШНО»."


def test_adding_a_file_needs_the_csrf_token(app, world):
    regulation = _file(app, world["published"], "Положение.docx")
    app.config["WTF_CSRF_ENABLED"] = True
    owner = _client(app, world["owner"])
    assert owner.post("/collections/add", data={"item_type": "attachment", "item_id": regulation}).status_code == 400
    token = csrf_from(owner, f"/practices/{world['published']}")
    response = owner.post("/collections/add", data={"item_type": "attachment", "item_id": regulation,
                                                    "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(CollectionItem.item_type)) == "attachment"


def test_nobody_adds_a_file_of_a_practice_they_may_not_see(app, world):
    secret = _file(app, world["draft"], "Секретное положение.docx")
    other = _client(app, world["other"])
    cid = _create(other)
    assert _add(other, cid, "attachment", secret).status_code == 404
    assert _add(other, cid, "attachment", 999_999).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(CollectionItem.id)) is None


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "archived", "deleted file", "deleted practice"])
def test_a_file_of_a_practice_not_published_is_unavailable_to_readers(app, world, make_practice, status):
    """A public list seen anonymously (its page, its secret link, the API, every export) gives «Материал
    недоступен» for a file whose practice is not public or that is gone: never its name, size, text or practice."""
    with app.app_context():
        practice = make_practice("Закрытая практика о робототехнике", authors=[("Засекречен Пётр Ильич", "")],
                                 owner_id=world["owner"])
    hidden = _file(app, practice, "Секретное_положение.docx", size=77_777)
    shown = _file(app, world["published"], "Положение_о_ШНО.docx")
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "public", [("attachment", hidden), ("attachment", shown)], "Заметка о тайном файле")
    with app.app_context():
        if status == "deleted file":
            db.session.delete(db.session.get(Attachment, hidden))
        elif status == "deleted practice":
            db.session.delete(db.session.get(Practice, practice))
        else:
            db.session.get(Practice, practice).status = status
        db.session.commit()
    secrets = ("Секретное", "Секретное положение", "77 КБ", "77", "Закрытая практика", "робототехнике", "Засекречен",
               "Полный текст файла", "Заметка о тайном файле", f"/attachments/{hidden}/")
    anonymous = _client(app)
    for address in (f"/collections/{cid}", f"/collections/shared/{_token(app, cid)}"):
        page = anonymous.get(address).get_data(as_text=True)
        assert "Материал недоступен" in page and "Положение_о_ШНО.docx" in page
        assert not [s for s in secrets if s != "77" and s in page]
    api = anonymous.get(f"/api/v1/collections/{cid}").get_json()["items"]
    assert api[0] == {"type": None, "id": None, "available": False, "title": "Материал недоступен",
                      "excerpt": "", "note": "", "url": None}
    assert api[1]["available"] and api[1]["url"].startswith(f"/attachments/{shown}/")
    assert api[1]["excerpt"] == "DOCX, 2 КБ, приложение к практике «Школьное научное общество в начальной школе»"
    for client in (anonymous, owner):  # the owner's export is the one others get
        for fmt in FORMATS:
            for order in ("", "?order=alpha"):
                text = _text(client.get(f"/collections/{cid}/export.{fmt}{order}"), fmt)
                assert not [s for s in secrets if s != "77" and s in text], (fmt, order)
                assert "Положение о ШНО" in text
    if status in ("deleted file", "deleted practice"):  # gone: the owner sees the row as everyone does
        page = owner.get(f"/collections/{cid}").get_data(as_text=True)
        assert "Материал недоступен" in page and "Секретное_положение" not in page


def _item_ids(app, collection_id: int) -> list[int]:
    with app.app_context():
        return [item.id for item in db.session.get(Collection, collection_id).items]


def test_the_owner_sees_their_drafts_file_marked_others_do_not(app, world):
    secret = _file(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    _add_while_public(app, owner, cid, world["draft"], secret)
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert "Секретное положение.docx" in page and "не опубликовано" in page
    # nothing public in it: no downloads offered, and an export address says there is nothing to download
    assert "Скачать список пока нельзя" in page
    assert owner.get(f"/collections/{cid}/export.pdf").status_code == 302
    shared = _client(app).get(f"/collections/shared/{_token(app, cid)}").get_data(as_text=True)
    assert "Материал недоступен" in shared and "Секретное" not in shared
    other = _client(app, world["other"])
    copied = other.post(f"/collections/shared/{_token(app, cid)}/copy")
    assert "не скопировано недоступных: 1" in other.get(copied.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_on_its_own_is_cited_as_its_practices_appendix_is(app, world, make_practice, fmt):
    """A collection of one file (a published practice's) exports: the same ГОСТ reference as an appendix gets, the
    practice's licence, the owner's note; in both orders."""
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    with app.app_context():
        later = make_practice("Абвгд: первая по алфавиту", authors=[("Абрамова Алла Алексеевна", "")])
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "link", [("attachment", regulation), ("practice", later)], "Читать раздел 2")
    with app.test_request_context():
        from kb.citations.links import permalink
        from kb.citations.services import bibtex, ris
        from kb.practices.licences import licence

        attachment = db.session.get(Attachment, regulation)
        url = permalink(attachment)
        assert url == url_for("attachments.download", attachment_id=regulation, filename="Положение_о_ШНО.docx",
                              _external=True)
        licence_label = licence(attachment.practice.licence)["label"]
        # the owner's note (RIS «N1») comes before the record's end
        expected = {"ris": ris(attachment, url).removesuffix("ER  - \r\n") + "N1  - Читать раздел 2\r\nER  - \r\n",
                    "bib": bibtex(attachment, url).split("urldate")[0]}
    for order, first in (("", "Положение"), ("?order=alpha", "Абвгд")):
        for client in (owner, _client(app)):
            prefix = f"/collections/{cid}" if client is owner else f"/collections/shared/{_token(app, cid)}"
            text = _text(client.get(f"{prefix}/export.{fmt}{order}"), fmt)
            assert "Полный текст файла" not in text
            if fmt in expected:
                assert expected[fmt] in text
                assert (text.index("Абвгд") < text.index("Положение о ШНО")) == (first == "Абвгд")
                continue
            text = _squash(text)
            assert _reference(regulation, "Положение о ШНО") in text
            if fmt == "csv":
                row = next(line for line in text.split("Файл практики,")[1:])
                assert row.startswith("Положение_о_ШНО.docx,DOCX, 2 КБ, приложение к практике")
                assert f"Читать раздел 2,{_reference(regulation, 'Положение о ШНО')}" in row
                assert row.split(",http://localhost/attachments/")[1].split(",")[1].startswith(licence_label)
                continue
            materials, bibliography = text.split("Список литературы")
            number = 1 if first == "Положение" else 2
            assert f"{number}. {_reference(regulation, 'Положение о ШНО')}" in bibliography
            assert f"{number}. Положение_о_ШНО.docx Файл практики DOCX, 2 КБ, приложение к практике" in materials
            assert "Заметка составителя: Читать раздел 2" in materials


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_beside_its_practice_is_cited_once(app, world, fmt):
    """The practice and one of its files both in the list: the file is cited once, as its own item (with its note);
    the practice's appendices are its other files. BibTeX got the same key twice otherwise."""
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    programme = _file(app, world["published"], "Программа кружка.pdf")
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="public")
    _add(owner, cid, "practice", world["published"])
    _add(owner, cid, "attachment", regulation)
    for order in ("", "?order=alpha"):
        text = _text(_client(app).get(f"/collections/{cid}/export.{fmt}{order}"), fmt)
        if fmt == "bib":
            assert text.count(f"@misc{{kb-attachment-{regulation},") == 1
            assert text.count(f"@misc{{kb-attachment-{programme},") == 1
            continue
        if fmt == "ris":
            assert text.count("TI  - Положение о ШНО\r\n") == 1 and text.count("TI  - Программа кружка\r\n") == 1
            continue
        text = _squash(text)
        assert text.count(_reference(regulation, "Положение о ШНО")) == 1
        assert text.count(_reference(programme, "Программа кружка")) == 1
        if fmt == "csv":
            practice = 2 if order else 1
            assert f",Приложение к № {practice},Программа кружка.pdf," in text and ",Приложение к № " \
                f"{practice},Положение" not in text
            continue
        materials, bibliography = text.split("Список литературы")
        assert "Приложения: Программа кружка.pdf" in materials and "Приложения: Положение" not in materials
        practice = 2 if order else 1  # «Иванова, А. П. Положение…» before «Иванова, А. П. Школьное…»
        assert f"{practice}.1. {_reference(programme, 'Программа кружка')}" in bibliography
        assert f"{3 - practice}. {_reference(regulation, 'Положение о ШНО')}" in bibliography
        assert f"{practice}.2." not in bibliography and f"{3 - practice}.1." not in bibliography


def test_a_public_list_of_files_in_the_api(app, world):
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="public")
    _add(owner, cid, "attachment", regulation)
    item = _client(app).get(f"/api/v1/collections/{cid}").get_json()["items"][0]
    assert item == {"type": "attachment", "id": regulation, "available": True, "title": "Положение_о_ШНО.docx",
                    "excerpt": "DOCX, 2 КБ, приложение к практике «Школьное научное общество в начальной школе»",
                    "note": "", "url": item["url"]}
    assert item["url"] == f"/attachments/{regulation}/{quote('Положение_о_ШНО.docx')}"


@pytest.mark.parametrize("fmt", ["csv", "docx", "pdf"])
def test_one_numbering_in_every_part_of_an_export(app, world, make_practice, fmt):
    """A course designer cites by number: «Материалы», «Список литературы», the appendices («3.1.») and the CSV
    («Приложение к № 3») give an item the same one. Only what the bibliography cites is numbered: an unavailable
    item (here in the middle, alphabetically last) is «Материал недоступен» without a number. Materials kept 1–4
    with «2. Материал недоступен» while the bibliography said «1.», «2.», «3.» and the CSV «Приложение к № 4»."""
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    programme = _file(app, world["published"], "Программа кружка.pdf")
    plan = _file(app, world["published"], "План занятий.docx")
    with app.app_context():
        chemists = make_practice("Кружок юных химиков", authors=[("Яковлева Яна Яковлевна", "")])
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    for item_type, item_id in (("practice", chemists), ("practice", world["draft"]), ("attachment", regulation),
                               ("practice", world["published"])):
        assert _add(owner, cid, item_type, item_id).status_code == 302
    titles = {"chemists": "Кружок юных химиков", "regulation": "Положение_о_ШНО.docx",
              "practice": "Школьное научное общество в начальной школе"}
    references = {"chemists": "Яковлева, Я. Я. Кружок юных химиков", "practice": "Иванова, А. П. Школьное научное",
                  "regulation": _reference(regulation, "Положение о ШНО")}
    appendices = [_reference(programme, "Программа кружка"), _reference(plan, "План занятий")]
    for order, numbers in (("", {"chemists": 1, "regulation": 2, "practice": 3}),
                           ("?order=alpha", {"regulation": 1, "practice": 2, "chemists": 3})):
        for client, prefix in ((owner, f"/collections/{cid}"),
                               (_client(app), f"/collections/shared/{_token(app, cid)}")):
            text = _text(client.get(f"{prefix}/export.{fmt}{order}"), fmt)
            assert "Секретный" not in text
            if fmt == "csv":
                rows = [row.split(",") for row in text.split("\n")[1:]]
                given = [(row[0], row[1], row[2]) for row in rows]
                expected = [(str(number), kind, titles[key]) for key, number in numbers.items()
                            for kind in ("Файл практики" if key == "regulation" else "Практика",)]
                files = [("", f"Приложение к № {numbers['practice']}", name)
                         for name in ("Программа кружка.pdf", "План занятий.docx")]
                at = [entry[2] for entry in expected].index(titles["practice"]) + 1
                expected[at:at] = files
                expected.insert(1 if not order else len(expected), ("", "", "Материал недоступен"))
                assert given == expected, order
                continue
            materials, bibliography = _squash(text).split("Список литературы")
            headings = [f"{number}. {titles[key]}" for key, number in numbers.items()]
            assert [materials.index(heading) for heading in headings] == sorted(
                materials.index(heading) for heading in headings), order
            unavailable = materials.index("Материал недоступен")
            assert materials.count("Материал недоступен") == 1
            assert not re.search(r"\d\.\s*Материал недоступен", materials), order
            assert (unavailable < materials.index(headings[1])) == (not order)
            assert f"{len(numbers) + 1}. " not in materials and f"{len(numbers) + 1}. " not in bibliography
            for key, number in numbers.items():
                assert f"{number}. {references[key]}" in bibliography, (order, key)
            practice = numbers["practice"]
            for index, appendix in enumerate(appendices, 1):
                assert f"{practice}.{index}. {appendix}" in bibliography, order


def test_the_api_gives_the_owner_a_file_of_her_draft_at_an_address_her_token_opens(app, world, make_token):
    """The page's download needs a session: the token of a draft's owner gets the API's own address of the file,
    as the practice's JSON gives it (kb.practices.services.attachment_url)."""
    from tests.conftest import bearer

    secret = _file(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add_while_public(app, owner, cid, world["draft"], secret)
    headers = bearer(make_token(world["owner"]))
    client = app.test_client()
    item = client.get(f"/api/v1/collections/{cid}", headers=headers).get_json()["items"][0]
    assert item["available"] and item["id"] == secret
    assert item["url"] == f"/api/v1/practices/{world['draft']}/attachments/{secret}"


def _page_numbers(page: str) -> list[tuple[int | None, str]]:
    """(number, title) of each item of a collection's page, in its order; None for an item shown without one."""
    found = []
    for value, classes, block in re.findall(r'<li id="item-\d+"(?: value="(\d+)")? class="([^"]*)">(.*?)</li>', page,
                                            re.S):
        assert ("collection-item--unnumbered" in classes) == (not value)  # no marker where there is no number
        title = re.search(r"<h2[^>]*>(?:<a [^>]*>)?([^<]*)<", block).group(1)
        found.append((int(value) if value else None, html.unescape(title)))
    return found


def test_the_page_numbers_the_items_as_the_exports_do(app, world, make_practice, monkeypatch):
    """The page numbered its items by place (1–5), the exports by the bibliography (1–3): a course designer citing
    «[2]» from the page meant another material than the DOCX's «2.». Now the page gives the exports' numbers; what
    they do not cite — a deleted practice, the owner's own draft — is unnumbered there too, on any page of it."""
    from kb.collections import services

    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    with app.app_context():
        chemists = make_practice("Кружок юных химиков", authors=[("Яковлева Яна Яковлевна", "")])
        gone = make_practice("Удалённая практика")
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "link", [("practice", chemists), ("practice", world["draft"]),
                                        ("attachment", regulation), ("practice", gone),
                                        ("practice", world["published"])], "Начать с кружка")
    with app.app_context():
        db.session.delete(db.session.get(Practice, gone))
        db.session.commit()
    exported = [("1", "Кружок юных химиков"), ("", "Материал недоступен"), ("2", "Положение_о_ШНО.docx"),
                ("", "Материал недоступен"), ("3", "Школьное научное общество в начальной школе")]
    csv_rows = [row.split(",") for row in _export_text(owner.get(f"/collections/{cid}/export.csv"), "csv")
                .split("\n")[1:]]
    assert [(row[0], row[2]) for row in csv_rows if not row[1].startswith("Приложение")] == exported
    materials = _squash(_export_text(owner.get(f"/collections/{cid}/export.docx"), "docx")) \
        .split("Список литературы")[0]
    reader = [(int(number) if number else None, title) for number, title in exported]
    headings = [f"{number}. {title}" for number, title in reader if number]
    assert [heading for heading in headings if heading not in materials] == []
    assert materials.count("Материал недоступен") == 2 and not re.search(r"\d\.\s*Материал недоступен", materials)
    shared = f"/collections/shared/{_token(app, cid)}"
    assert _page_numbers(_client(app).get(shared).get_data(as_text=True)) == reader
    # the owner sees her draft, without a number: the exports do not cite it
    mine = _page_numbers(owner.get(f"/collections/{cid}").get_data(as_text=True))
    assert mine == [reader[0], (None, "Секретный черновик о робототехнике"), *reader[2:]]
    # the exports alphabetical: the page keeps the collection's order, and its numbers would not be theirs — none
    assert _page_numbers(owner.get(f"/collections/{cid}?order=alpha").get_data(as_text=True)) == [
        (None, title) for _number, title in mine]
    # page by page
    monkeypatch.setattr(services, "ITEMS_PER_PAGE", 2, raising=False)
    pages = [_page_numbers(_client(app).get(f"{shared}?page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    assert pages == [reader[:2], reader[2:4], reader[4:]]


REFUSED = ("Файл неопубликованной практики в подборку не добавляется: читатели подборки и её выгрузки его не "
           "получат. Добавьте файл, когда практику опубликуют.")


@pytest.mark.parametrize("who", ["owner", "methodist"])
def test_a_file_of_a_practice_not_published_is_refused_to_whoever_sees_it(app, world, make_user, who):
    """Its page offers no «В подборку» for it, but the form's request (a page shown before the practice was taken
    down, or typed) added it: a file for the readers and the exports that none of them would get."""
    from kb.collections import services

    secret = _file(app, world["draft"], "Секретное положение.docx")
    _set_status(app, world["draft"], "submitted")  # a methodist of its region sees it on review, as its owner does
    user = world["owner"] if who == "owner" else make_user("methodist", scope_region="RU-CHE")
    client = _client(app, user)
    with app.app_context():  # the service refuses it, whatever view asks
        from kb.accounts.models import User

        account = db.session.get(User, user)
        collection = services.create_collection(account, "Курс")
        with pytest.raises(services.ItemRefused, match="Файл неопубликованной практики"):
            services.add_item(account, collection, "attachment", secret)
        db.session.rollback()
    cid = _create(client)
    response = _add(client, cid, "attachment", secret, next_url=f"/practices/{world['draft']}#file-{secret}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/practices/{world['draft']}"  # a refusal is read at the top
    assert REFUSED in client.get(response.headers["Location"]).get_data(as_text=True)
    # the script's request: 409 with the message, as for a full collection
    response = client.post("/collections/add", headers={"Accept": "application/json"},
                           data={"item_type": "attachment", "item_id": secret, "collection": cid})
    assert response.status_code == 409 and response.json["message"] == REFUSED
    assert response.json["collection"]["id"] == cid
    with app.app_context():
        assert db.session.scalar(select(CollectionItem.id)) is None


def test_a_file_already_in_the_list_is_there_whatever_its_practice_is_now(app, world):
    """A file added while its practice was public, which then went back to a draft, added again: the refusal said it
    does not go into a collection — it is in this one. «Уже есть» is the truth, and tells its owner nothing new."""
    from kb.accounts.models import User
    from kb.collections import services

    secret = _file(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add_while_public(app, owner, cid, world["draft"], secret)
    owner.get(f"/collections/{cid}")  # the message of the addition is shown
    with app.app_context():
        collection = db.session.get(Collection, cid)
        item, created = services.add_item(db.session.get(User, world["owner"]), collection, "attachment", secret)
        assert (item.item_id, created) == (secret, False)
    response = _add(owner, cid, "attachment", secret, next_url=f"/practices/{world['draft']}#file-{secret}")
    assert response.status_code == 302 and response.headers["Location"] == f"/practices/{world['draft']}#file-{secret}"
    page = owner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Этот файл уже есть в подборке «Курс для наставников ШНО»." in page and REFUSED not in page
    response = owner.post("/collections/add", headers={"Accept": "application/json"},
                          data={"item_type": "attachment", "item_id": secret, "collection": cid})
    assert response.status_code == 200
    assert response.json["message"] == "Этот файл уже есть в подборке «Курс для наставников ШНО»."
    assert response.json["created"] is False and response.json["collection"]["id"] == cid
    # another collection of hers still refuses it
    other = _create(owner, title="Другой курс")
    response = owner.post("/collections/add", headers={"Accept": "application/json"},
                          data={"item_type": "attachment", "item_id": secret, "collection": other})
    assert response.status_code == 409 and response.json["message"] == REFUSED
    with app.app_context():
        assert db.session.scalars(select(CollectionItem.collection_id)).all() == [cid]


def test_ones_own_copy_leaves_out_the_files_of_practices_not_published(app, world, make_practice):
    """«Сделать копию» of one's own list copied a file whose practice went back to a draft after it was added: a file
    that adding refuses (readers and exports would not get it). The copy leaves it out and says how many, as it does
    for the materials the user may not see; the owner's own draft (which adding takes) is copied as before."""
    from kb.accounts.models import User
    from kb.collections import services

    secret = _file(app, world["draft"], "Секретное положение.docx")
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    with app.app_context():
        gone = make_practice("Удалённая практика")
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "private", [("practice", world["published"]), ("practice", world["draft"]),
                                           ("attachment", regulation), ("practice", gone)], "Заметка")
    _add_while_public(app, owner, cid, world["draft"], secret)
    with app.app_context():
        db.session.delete(db.session.get(Practice, gone))
        db.session.commit()
    copied = owner.post(f"/collections/{cid}/copy")
    assert copied.status_code == 302
    copy_id = int(re.search(r"/collections/(\d+)$", copied.headers["Location"]).group(1))
    with app.app_context():
        copy = db.session.get(Collection, copy_id)
        assert [(i.item_type, i.item_id) for i in copy.items] == [
            ("practice", world["published"]), ("practice", world["draft"]), ("attachment", regulation)]
        assert [i.position for i in copy.items] == [0, 1, 2]
        assert len(db.session.get(Collection, cid).items) == 5  # the source as it was
    page = owner.get(copied.headers["Location"]).get_data(as_text=True)
    assert ("«Курс для наставников ШНО», 3 материала (не скопировано недоступных: 1, файлов неопубликованных "
            "практик: 1)." in page)
    with app.app_context():  # the service, whatever view asks
        account = db.session.get(User, world["owner"])
        copy, unavailable, over_limit, unpublished_files = services.copy_collection(
            account, db.session.get(Collection, cid))
        assert (len(copy.items), unavailable, over_limit, unpublished_files) == (3, 1, 0, 1)
        db.session.rollback()
    # the file alone: only it is named
    with app.app_context():
        source = db.session.get(Collection, cid)
        for item in [i for i in source.items if i.item_type == "practice"]:
            source.items.remove(item)
        db.session.commit()
    page = owner.get(owner.post(f"/collections/{cid}/copy").headers["Location"]).get_data(as_text=True)
    assert "«Курс для наставников ШНО», 1 материал (не скопировано файлов неопубликованных практик: 1)." in page


def test_a_refused_file_makes_no_collection_for_itself(app, world):
    """The first click of someone without a collection makes «Моя подборка»: not for a file that it refuses."""
    secret = _file(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    response = owner.post("/collections/add", data={"item_type": "attachment", "item_id": secret})
    assert response.status_code == 302 and response.headers["Location"] == "/collections/mine"
    assert REFUSED in owner.get("/collections/mine").get_data(as_text=True)
    response = owner.post("/collections/add", headers={"Accept": "application/json"},
                          data={"item_type": "attachment", "item_id": secret})
    assert response.status_code == 409 and response.json == {"message": REFUSED, "created": False,
                                                              "collection": None}
    with app.app_context():
        assert db.session.scalar(select(Collection.id)) is None
    # its practice published, the same click adds it
    _set_status(app, world["draft"], "published")
    assert owner.post("/collections/add", data={"item_type": "attachment", "item_id": secret}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CollectionItem.item_id)).all() == [secret]


def test_adding_a_file_without_the_script_returns_to_the_file(app, world):
    """The form's post (no script) came back to the top of the practice's page, far from the file's button."""
    regulation = _file(app, world["published"], "Положение_о_ШНО.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner)
    page = owner.get(f"/practices/{world['published']}").get_data(as_text=True)
    block = page.split(f'<li id="file-{regulation}">')[1].split("</li>")[0]
    back = html.unescape(re.search(r'name="next" value="([^"]+)"', block).group(1))
    assert back == f"/practices/{world['published']}#file-{regulation}"
    response = _add(owner, cid, "attachment", regulation, next_url=back)
    assert response.headers["Location"] == back
    assert "Добавлено в подборку" in owner.get(back.partition("#")[0]).get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["page", "csv", "docx", "pdf"])
def test_a_files_practice_quoting_a_name_is_quoted_as_the_reference_quotes_it(app, world, make_practice, fmt):
    """The reference nested the quotes («Проект „Юный исследователь“ как…»); the file's line on the page, in the
    exports' «Материалы» and in the CSV's «Аннотация» said «Проект «Юный исследователь» как…»."""
    with app.app_context():
        practice = make_practice("Проект «Юный исследователь» как форма работы",
                                 authors=[("Иванова Анна Петровна", "")])
    plan = _file(app, practice, "План.docx")
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "link", [("attachment", plan)], "Читать")
    if fmt == "page":
        text = _squash(htmllib_text(owner.get(f"/collections/{cid}").get_data(as_text=True)))
    else:
        text = _squash(_text(owner.get(f"/collections/{cid}/export.{fmt}"), fmt))
    assert "приложение к практике «Проект „Юный исследователь“ как форма работы»" in text
    assert "«Проект «Юный" not in text


def htmllib_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_files_address_in_the_materials_is_shown_in_its_letters_and_linked_as_sent(app, world, fmt):
    """«Материалы» printed «http://localhost/attachments/1/%D0%9F%D0%BE…»; the PDF's link goes where it went."""
    regulation = _file(app, world["published"], "Положение о ШНО.docx")
    owner = _client(app, world["owner"])
    cid = _list_of(app, owner, "link", [("attachment", regulation)], "Читать")
    response = owner.get(f"/collections/{cid}/export.{fmt}")
    materials = _squash(_text(response, fmt)).split("Список литературы")[0]
    shown = f"http://localhost/attachments/{regulation}/Положение%20о%20ШНО.docx"
    assert shown in materials and "%D0" not in materials
    if fmt == "pdf":
        from pypdf import PdfReader

        links = [annotation.get_object()["/A"]["/URI"] for page in PdfReader(io.BytesIO(response.get_data())).pages
                 for annotation in page.get("/Annots", [])]
        assert f"http://localhost/attachments/{regulation}/{quote('Положение о ШНО.docx')}" in links
