"""Collections: who sees what, one-click adding, ordering and notes, the public catalogue, exports."""

import csv
import html as htmllib
import io
import re
from datetime import date
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from docx import Document
from flask import render_template_string
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.http import parse_options_header

from kb.collections.models import Collection, CollectionItem
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from tests.conftest import csrf_from, sign_in


@pytest.fixture
def world(app, make_user, make_practice):
    """An owner with a collection holding a published practice, another teacher, and a draft of the owner."""
    app.config["WTF_CSRF_ENABLED"] = False
    owner = make_user("teacher")
    other = make_user("teacher")
    with app.app_context():
        published = make_practice("Школьное научное общество в начальной школе",
                                  authors=[("Иванова Анна Петровна", "учитель")], organisation="МАОУ «Лицей № 1»",
                                  annotation="Как организовать ШНО для младших школьников.")
        draft = make_practice("Секретный черновик о робототехнике", status="draft", owner_id=owner)
        resolution = Resolution(title="Резолюция конференции «Одарённые дети»", place="Челябинск",
                                date_start=date(2017, 4, 17), organiser="ГБУ ДПО ЧИППКРО", checksum="c1",
                                status="published", full_text="Текст",
                                recommendations=[Recommendation(position=0, number="1.1", text="Создать сеть ШНО.")])
        db.session.add(resolution)
        db.session.commit()
        ids = {"published": published, "draft": draft, "resolution": resolution.id,
               "recommendation": resolution.recommendations[0].id}
    return {"owner": owner, "other": other, **ids}


def _client(app, user_id=None):
    client = app.test_client()
    if user_id is not None:
        sign_in(client, user_id)
    return client


def _create(client, title="Курс для наставников ШНО", visibility="private", description="Модуль 1") -> int:
    response = client.post("/collections/new", data={"title": title, "description": description,
                                                     "visibility": visibility})
    assert response.status_code == 302
    return int(re.search(r"/collections/(\d+)$", response.headers["Location"]).group(1))


def _add(client, collection_id, item_type, item_id, next_url="/search?q=ШНО"):
    return client.post("/collections/add", data={"item_type": item_type, "item_id": item_id,
                                                 "collection": collection_id, "next": next_url})


def _token(app, collection_id) -> str:
    with app.app_context():
        return db.session.get(Collection, collection_id).share_token


@pytest.mark.parametrize(("visibility", "by_id_other", "by_link", "listed"), [
    ("private", 404, 404, False),
    ("link", 404, 200, False),
    ("public", 200, 200, True),
])
def test_visibility(app, world, visibility, by_id_other, by_link, listed):
    owner = _client(app, world["owner"])
    cid = _create(owner, title=f"Подборка {visibility}", visibility=visibility)
    _add(owner, cid, "practice", world["published"])
    token = _token(app, cid)
    assert owner.get(f"/collections/{cid}").status_code == 200
    for viewer in (_client(app), _client(app, world["other"])):
        assert viewer.get(f"/collections/{cid}").status_code == by_id_other
        assert viewer.get(f"/collections/shared/{token}").status_code == by_link
        assert viewer.get(f"/collections/{cid}/export.csv").status_code == by_id_other
        assert viewer.get(f"/collections/shared/{token}/export.csv").status_code == by_link
        assert viewer.get("/collections/shared/not-the-token").status_code == 404
        assert (f"Подборка {visibility}" in viewer.get("/collections").get_data(as_text=True)) is listed
    # Others can neither change nor delete it, even when they can read it.
    other = _client(app, world["other"])
    assert other.get(f"/collections/{cid}/edit").status_code == 404
    assert other.post(f"/collections/{cid}/delete").status_code == 404
    assert _add(other, cid, "practice", world["published"]).status_code == 404


def test_renewing_the_secret_link_closes_the_old_one(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    old = _token(app, cid)
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert f"/collections/shared/{old}" in page
    owner.post(f"/collections/{cid}/edit", data={"title": "Курс", "visibility": "link", "renew_link": "y"})
    new = _token(app, cid)
    assert new != old
    assert _client(app).get(f"/collections/shared/{old}").status_code == 404
    assert _client(app).get(f"/collections/shared/{new}").status_code == 200


def test_one_click_add_creates_the_first_collection_and_returns(app, world):
    owner = _client(app, world["owner"])
    response = owner.post("/collections/add", data={"item_type": "practice", "item_id": world["published"],
                                                    "next": "/search?q=ШНО"})
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == "/search?q=ШНО"
    page = owner.get("/collections/mine").get_data(as_text=True)
    assert "Добавлено в подборку «Моя подборка»." in page
    with app.app_context():
        collection = db.session.scalar(select(Collection).where(Collection.owner_id == world["owner"]))
        assert [(i.item_type, i.item_id) for i in collection.items] == [("practice", world["published"])]
        cid = collection.id
    _add(owner, cid, "practice", world["published"])
    assert "уже есть в подборке" in owner.get("/collections/mine").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Collection, cid).items) == 1
    _add(owner, "new", "resolution", world["resolution"])
    assert "Добавлено в подборку «Моя подборка 2»." in owner.get("/collections/mine").get_data(as_text=True)


def test_buttons_shown_with_no_collection_add_to_the_one_the_first_click_made(app, world, make_practice):
    """A page shown to someone with no collection has «В подборку» buttons without a list: each click on another
    result of it made «Моя подборка», «Моя подборка 2», «3»… of one material each. Now the first makes the
    collection and the next add to it (the most recently changed one, the list's first choice); «Новая подборка»
    still makes another."""
    owner = _client(app, world["owner"])
    with app.app_context():
        third = make_practice("Третья практика")
    for item_type, item_id in (("practice", world["published"]), ("resolution", world["resolution"]),
                               ("practice", third)):
        response = owner.post("/collections/add", data={"item_type": item_type, "item_id": item_id,
                                                        "next": "/search?q=ШНО"})
        assert response.status_code == 302
    assert "Добавлено в подборку «Моя подборка»." in owner.get("/collections/mine").get_data(as_text=True)
    with app.app_context():
        collections = db.session.scalars(select(Collection).where(Collection.owner_id == world["owner"])).all()
        assert [(c.title, len(c.items)) for c in collections] == [("Моя подборка", 3)]
    _add(owner, "new", "practice", third)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Collection)) == 2


def test_the_script_adds_in_place_and_gets_json(app, world):
    """static/collections.js asks for JSON: no redirect, no message left for the next page."""
    owner = _client(app, world["owner"])
    json_headers = {"Accept": "application/json"}
    response = owner.post("/collections/add", headers=json_headers, data={
        "item_type": "practice", "item_id": world["published"], "next": "/search?q=ШНО"})
    assert response.status_code == 200 and response.is_json
    body = response.json
    assert body["created"] is True and body["message"] == "Добавлено в подборку «Моя подборка»."
    assert body["collection"]["url"] == f"/collections/{body['collection']['id']}"
    assert "Добавлено в подборку" not in owner.get("/collections/mine").get_data(as_text=True)
    again = owner.post("/collections/add", headers=json_headers, data={
        "item_type": "practice", "item_id": world["published"], "collection": str(body["collection"]["id"])})
    assert again.json["created"] is False and "уже есть в подборке" in again.json["message"]
    # a browser's own form post prefers HTML and keeps the redirect
    browser_accept = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    assert owner.post("/collections/add", headers=browser_accept, data={
        "item_type": "practice", "item_id": world["published"]}).status_code == 302


def test_a_collection_holds_at_most_collection_max_items(app, world, make_practice):
    """Nothing capped a collection, and its PDF is made while the reader waits (600 items took up to 30 s)."""
    app.config["COLLECTION_MAX_ITEMS"] = 2
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс на два материала")
    with app.app_context():
        third = make_practice("Третья практика")
    assert _add(owner, cid, "practice", world["published"]).status_code == 302
    assert _add(owner, cid, "resolution", world["resolution"]).status_code == 302
    full = ("В подборке «Курс на два материала» уже 2 материала — больше в одну подборку не помещается. "
            "Уберите из неё лишнее или начните новую подборку.")
    response = _add(owner, cid, "practice", third)
    assert response.status_code == 302 and unquote(response.headers["Location"]) == "/search?q=ШНО"
    assert full in owner.get("/collections/mine").get_data(as_text=True)
    # what is there already is still said so
    _add(owner, cid, "practice", world["published"])
    assert "уже есть в подборке" in owner.get("/collections/mine").get_data(as_text=True)
    # the script's request: 409 with the message and the collection, as static/collections.js shows them
    response = owner.post("/collections/add", headers={"Accept": "application/json"}, data={
        "item_type": "practice", "item_id": third, "collection": str(cid)})
    assert response.status_code == 409
    assert response.json == {"message": full, "created": False, "collection": {
        "id": cid, "title": "Курс на два материала", "url": f"/collections/{cid}"}}
    with app.app_context():
        assert [i.item_type for i in db.session.get(Collection, cid).items] == ["practice", "resolution"]
    # room again after one is taken out; a new collection has room of its own
    with app.app_context():
        item = db.session.get(Collection, cid).items[0].id
    owner.post(f"/collections/{cid}/items/{item}/remove")
    assert _add(owner, cid, "practice", third).status_code == 302
    _add(owner, "new", "practice", world["published"])
    assert "Добавлено в подборку «Моя подборка 2»." in owner.get("/collections/mine").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(Collection, cid).items) == 2


def test_re_adding_a_material_no_longer_seen_says_it_is_there_and_tells_a_stranger_nothing(app, world, make_user,
                                                                                          make_practice):
    """A practice in one's list, taken back to a draft since (its row: «Материал недоступен»): adding it again
    answered 404, though the list holds it. It is «уже есть в подборке», as a visible one, and nothing more of it
    is said (no title). Whoever never had it in the list gets 404 as before: into another list, a new one, or by a
    first click; no collection is made for it."""
    with app.app_context():
        later = make_practice("Практика, которую вернули в черновик", owner_id=world["other"])
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс для наставников ШНО")
    assert _add(owner, cid, "practice", later).status_code == 302
    with app.app_context():
        db.session.get(Practice, later).status = "draft"
        db.session.commit()
    again = "Этот материал уже есть в подборке «Курс для наставников ШНО»."
    response = _add(owner, cid, "practice", later)
    assert response.status_code == 302 and unquote(response.headers["Location"]) == "/search?q=ШНО"
    page = owner.get("/collections/mine").get_data(as_text=True)
    assert again in page and "вернули в черновик" not in page
    response = owner.post("/collections/add", headers={"Accept": "application/json"}, data={
        "item_type": "practice", "item_id": later, "collection": str(cid)})
    assert response.status_code == 200
    assert response.json == {"message": again, "created": False, "collection": {
        "id": cid, "title": "Курс для наставников ШНО", "url": f"/collections/{cid}"}}
    assert "вернули в черновик" not in owner.get(f"/collections/{cid}").get_data(as_text=True)
    with app.app_context():
        assert [(i.item_type, i.item_id) for i in db.session.get(Collection, cid).items] == [("practice", later)]
    # another list of the owner's, which never had it: 404, and nothing added
    other_list = _create(owner, title="Другая подборка")
    assert _add(owner, other_list, "practice", later).status_code == 404
    # a stranger: into a list of hers, by a first click (none yet), into a new one, into the owner's list
    stranger = _client(app, make_user("teacher"))
    for data in ({"item_type": "practice", "item_id": later},
                 {"item_type": "practice", "item_id": later, "collection": "new"},
                 {"item_type": "practice", "item_id": later, "collection": str(cid)}):
        assert stranger.post("/collections/add", data=data).status_code == 404
        assert stranger.post("/collections/add", data=data, headers={"Accept": "application/json"}).status_code == 404
    theirs = _create(stranger, title="Моя подборка")
    assert _add(stranger, theirs, "practice", later).status_code == 404
    with app.app_context():
        assert db.session.get(Collection, other_list).items == []
        assert db.session.get(Collection, theirs).items == []
        assert db.session.scalar(select(func.count()).select_from(Collection)) == 3


def test_deleted_materials_stay_as_unavailable(app, world, make_practice):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    _add(owner, cid, "recommendation", world["recommendation"])
    with app.app_context():
        kept = make_practice("Проектная деятельность")
    _add(owner, cid, "practice", kept)
    with app.app_context():
        db.session.delete(db.session.get(Practice, world["published"]))
        db.session.get(Resolution, world["resolution"]).status = "draft"
        db.session.commit()
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert page.count('<h2 class="muted">Материал недоступен</h2>') == 2
    assert "Школьное научное общество" not in page and "Создать сеть ШНО" not in page
    text = _export_text(owner.get(f"/collections/{cid}/export.docx"), "docx")
    assert text.count("Материал недоступен") == 2 and "Список литературы" in text


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_add_never_redirects_elsewhere(app, world, next_url):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    response = _add(owner, cid, "practice", world["published"], next_url=next_url)
    assert response.headers["Location"] == f"/collections/{cid}"


def test_adding_without_the_script_returns_to_the_part_of_the_page_it_was_in(app, world):
    """A recommendation of a resolution, a result of a search: the form's post (no script) came back to the top of
    a long page; now to the recommendation or the result whose button it was, the message over it."""
    owner = _client(app, world["owner"])
    cid = _create(owner)
    for address, item_type, item_id, anchor in (
            (f"/resolutions/{world['resolution']}", "recommendation", world["recommendation"], "rec-1-1"),
            ("/search?q=ШНО", "practice", world["published"], f"result-practice-{world['published']}")):
        page = owner.get(address).get_data(as_text=True)
        assert f'id="{anchor}"' in page
        back = htmllib.unescape(re.search(
            rf'name="item_type" value="{item_type}">\s*<input type="hidden" name="item_id" value="{item_id}">\s*'
            r'<input type="hidden" name="next" value="([^"]+)"', page).group(1))
        assert unquote(back) == f"{address}#{anchor}"
        response = _add(owner, cid, item_type, item_id, next_url=back)
        assert unquote(response.headers["Location"]) == f"{address}#{anchor}"
    # the buttons at the top of a page (a practice's own, a resolution's) come back to the page itself
    page = owner.get(f"/practices/{world['published']}").get_data(as_text=True)
    assert f'name="next" value="/practices/{world["published"]}">' in page


def test_add_refuses_what_the_user_cannot_see(app, world):
    owner = _client(app, world["owner"])
    other = _client(app, world["other"])
    cid = _create(other)
    assert _add(other, cid, "practice", world["draft"]).status_code == 404
    assert _add(other, cid, "practice", 999_999).status_code == 404
    poem = _add(other, cid, "poem", 1)
    assert poem.status_code == 400 and "Такой материал нельзя добавить в подборку" in poem.get_data(as_text=True)
    assert _client(app).post("/collections/add", data={"item_type": "practice", "item_id": 1}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(CollectionItem)).all() == []
    # Its author may collect their own draft.
    own = _create(owner)
    assert _add(owner, own, "practice", world["draft"]).status_code == 302


def test_reorder_notes_and_remove(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    for item_type in ("practice", "resolution", "recommendation"):
        _add(owner, cid, item_type, world[item_type if item_type != "practice" else "published"])

    def order():
        with app.app_context():
            return [(i.item_type, i.id) for i in db.session.get(Collection, cid).items]

    items = order()
    assert [t for t, _ in items] == ["practice", "resolution", "recommendation"]
    owner.post(f"/collections/{cid}/items/{items[2][1]}/move", data={"direction": "up"})
    assert [t for t, _ in order()] == ["practice", "recommendation", "resolution"]
    owner.post(f"/collections/{cid}/items/{items[0][1]}/move", data={"direction": "up"})  # already first
    owner.post(f"/collections/{cid}/items/{items[0][1]}/move", data={"direction": "down"})
    assert [t for t, _ in order()] == ["recommendation", "practice", "resolution"]
    owner.post(f"/collections/{cid}/items/{items[0][1]}/note", data={"note": "  Читать к занятию 2  "})
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert "Читать к занятию 2</textarea>" in page
    assert "Рекомендация 1.1: Резолюция конференции «Одарённые дети»" in page
    other = _client(app, world["other"])
    assert other.post(f"/collections/{cid}/items/{items[0][1]}/remove").status_code == 404
    owner.post(f"/collections/{cid}/items/{items[0][1]}/remove")
    assert [t for t, _ in order()] == ["recommendation", "resolution"]


def test_a_move_says_where_the_item_is_now(app, world, make_practice):
    """«↓ Ниже» / «↑ Выше» reloaded the page at the item and said nothing: a screen-reader user was not told the item
    moved, nor to which place. The message says its place now (static/flashes.js puts it beside the item)."""
    owner = _client(app, world["owner"])
    cid = _create(owner)
    with app.app_context():
        ids = [make_practice(f"Практика номер {n}") for n in range(1, 4)]
    for practice in ids:
        _add(owner, cid, "practice", practice)
    owner.get(f"/collections/{cid}")  # the messages of the additions are shown
    with app.app_context():
        items = [i.id for i in db.session.get(Collection, cid).items]

    def said(item: int, direction: str) -> list[str]:
        response = owner.post(f"/collections/{cid}/items/{item}/move", data={"direction": direction})
        assert response.headers["Location"] == f"/collections/{cid}#item-{item}"
        page = owner.get(response.headers["Location"]).get_data(as_text=True)
        flashes = re.search(r'<div class="flashes" role="status">(.*?)</div>', page, re.S)
        return re.findall(r'<p class="flash flash--\w+">([^<]*)</p>', flashes.group(1)) if flashes else []

    assert said(items[0], "down") == ["Перемещено: теперь 2-е из 3."]
    assert said(items[0], "down") == ["Перемещено: теперь 3-е из 3."]
    assert said(items[2], "up") == ["Перемещено: теперь 1-е из 3."]
    assert said(items[0], "down") == ["Материал и так последний в подборке."]  # a page shown before the last move
    assert said(items[2], "up") == ["Материал и так первый в подборке."]
    assert said(items[1], "sideways") == []
    with app.app_context():
        assert [i.id for i in db.session.get(Collection, cid).items] == [items[2], items[1], items[0]]
    # to either end at once (a course's item 40 took 39 presses of «Выше»)
    assert said(items[0], "top") == ["Перемещено: теперь 1-е из 3."]
    assert said(items[0], "top") == ["Материал и так первый в подборке."]
    assert said(items[0], "bottom") == ["Перемещено: теперь 3-е из 3."]
    assert said(items[0], "bottom") == ["Материал и так последний в подборке."]
    with app.app_context():
        assert [i.id for i in db.session.get(Collection, cid).items] == [items[2], items[1], items[0]]
        assert [i.position for i in db.session.get(Collection, cid).items] == [0, 1, 2]
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    moves = {item: re.findall(r'name="direction" value="(\w+)"', page[page.index(f'id="item-{item}"'):][:6000])[:4]
             for item in items}  # each item's own buttons come first in its block
    assert moves[items[2]][:2] == ["down", "bottom"]  # first of three: «В начало» and «Выше» make no sense
    assert moves[items[0]][:2] == ["top", "up"]  # last of three


def test_a_move_names_the_number_the_page_shows(app, world, make_practice):
    """«Перемещено: теперь 2-е из 3» counted the item's place among all items, while the page numbers them as the
    exports do (``item_numbers``): the owner's draft has no number and the next goes on without a gap, so the page
    showed «1.» beside a message saying «2-е». The message gives the page's number; an item without one (and every
    item with the exports alphabetical, when the page shows no numbers) is told its place without a number."""
    owner = _client(app, world["owner"])
    cid = _create(owner)
    with app.app_context():
        first, second = make_practice("Практика номер 1"), make_practice("Практика номер 2")
        second_draft = make_practice("Второй черновик", status="draft", owner_id=world["owner"])
    for practice in (world["draft"], first, second, second_draft):
        assert _add(owner, cid, "practice", practice).status_code == 302
    owner.get(f"/collections/{cid}")  # the messages of the additions are shown
    with app.app_context():
        draft, one, two, other_draft = [i.id for i in db.session.get(Collection, cid).items]

    def said(item: int, direction: str, order: str = "") -> tuple[list[str], int | None]:
        """The messages of the move, and the number the page shows beside the item (None: none)."""
        query = "?order=alpha" if order else ""
        response = owner.post(f"/collections/{cid}/items/{item}/move{query}", data={"direction": direction})
        assert response.headers["Location"] == f"/collections/{cid}{query}#item-{item}"
        page = owner.get(response.headers["Location"]).get_data(as_text=True)
        flashes = re.search(r'<div class="flashes" role="status">(.*?)</div>', page, re.S)
        value = re.search(rf'<li id="item-{item}"(?: value="(\d+)")?', page).group(1)
        return (re.findall(r'<p class="flash flash--\w+">([^<]*)</p>', flashes.group(1)) if flashes else [],
                int(value) if value else None)

    # [draft, 1, 2, draft 2] → [draft, 2, 1, draft 2]: the page numbers it «1.», not the 2nd of 4
    assert said(two, "up") == (["Перемещено: теперь 1-е из 2 пронумерованных."], 1)
    assert said(two, "top") == (["Перемещено: теперь 1-е из 2 пронумерованных."], 1)  # [2, draft, 1, draft 2]
    # a draft has no number: where it stands, by the ends or by the numbers around it
    assert said(draft, "bottom") == (["Перемещено: теперь в конце подборки."], None)  # [2, 1, draft 2, draft]
    assert said(draft, "up") == (["Перемещено: теперь после 2-го."], None)  # [2, 1, draft, draft 2]
    assert said(draft, "up") == (["Перемещено: теперь после 1-го."], None)  # [2, draft, 1, draft 2]
    assert said(draft, "top") == (["Перемещено: теперь в начале подборки."], None)  # [draft, 2, 1, draft 2]
    assert said(other_draft, "top") == (["Перемещено: теперь в начале подборки."], None)  # [draft 2, draft, 2, 1]
    assert said(draft, "down") == (["Перемещено: теперь после 1-го."], None)  # [draft 2, 2, draft, 1]
    assert said(draft, "up") == (["Перемещено: теперь перед 1-м."], None)  # [draft 2, draft, 2, 1]
    # the exports alphabetical: the page shows no number, nor does the message
    assert said(one, "up", "alpha") == (["Перемещено выше."], None)  # [draft 2, draft, 1, 2]
    assert said(one, "top", "alpha") == (["Перемещено: теперь в начале подборки."], None)  # [1, draft 2, draft, 2]
    assert said(other_draft, "down", "alpha") == (["Перемещено ниже."], None)  # [1, draft, draft 2, 2]
    assert said(one, "bottom", "alpha") == (["Перемещено: теперь в конце подборки."], None)  # [draft, draft 2, 2, 1]
    # the drafts published, every item is numbered: the count is of all items again
    with app.app_context():
        for practice in (world["draft"], second_draft):
            db.session.get(Practice, practice).status = "published"
        db.session.commit()
    assert said(two, "up") == (["Перемещено: теперь 2-е из 4."], 2)  # [draft, 2, draft 2, 1]
    with app.app_context():
        assert [i.id for i in db.session.get(Collection, cid).items] == [draft, two, other_draft, one]


def test_a_long_collection_comes_in_pages_and_moves_cross_them(app, world, make_practice, monkeypatch):
    """300 items made one owner's page of 850 KB. Pages of ITEMS_PER_PAGE: numbered on, «Выше»/«Ниже» at the
    ends of a page move the item to the next page, and the owner comes back to the page where it went."""
    from kb.collections import services

    monkeypatch.setattr(services, "ITEMS_PER_PAGE", 2, raising=False)
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    with app.app_context():
        ids = [make_practice(f"Практика номер {n}") for n in range(1, 6)]
    for practice in ids:
        _add(owner, cid, "practice", practice)
    with app.app_context():
        items = [i.id for i in db.session.get(Collection, cid).items]

    def titles(page: str) -> list[str]:
        return re.findall(r"<h2><a [^>]*>Практика номер (\d)", page)

    def buttons(page: str, item: int) -> list[str]:
        block = page.split(f'id="item-{item}"')[1].split("</li>")[0]
        return re.findall(r'name="direction" value="(up|down)"', block)

    first = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert titles(first) == ["1", "2"] and '<ol class="collection-items">' in first
    assert "Материалов: 5 (в подборке помещается 500)." in first and "Материалы 1–2 из 5." in first
    assert f'<a rel="next" href="/collections/{cid}?page=2">' in first
    assert buttons(first, items[0]) == ["down"] and buttons(first, items[1]) == ["up", "down"]
    assert "<title>Курс для наставников ШНО — Банк практик</title>" in first
    second = owner.get(f"/collections/{cid}?page=2").get_data(as_text=True)
    assert titles(second) == ["3", "4"] and f'<li id="item-{items[2]}" value="3"' in second
    # the title says which page (tabs, history), and so does the pager to a screen reader
    assert "<title>Курс для наставников ШНО — страница 2 из 3 — Банк практик</title>" in second
    assert ('<span class="current" aria-current="page"><span class="visually-hidden">Страница </span>2 из 3</span>'
            in second)
    assert buttons(second, items[2]) == ["up", "down"]
    last = owner.get(f"/collections/{cid}?page=99").get_data(as_text=True)  # past the end: the last page
    assert titles(last) == ["5"] and buttons(last, items[4]) == ["up"] and 'rel="next"' not in last

    # the first item of page 2 goes up onto page 1, and the owner with it
    response = owner.post(f"/collections/{cid}/items/{items[2]}/move", data={"direction": "up"})
    assert response.headers["Location"] == f"/collections/{cid}#item-{items[2]}"
    assert titles(owner.get(f"/collections/{cid}").get_data(as_text=True)) == ["1", "3"]
    response = owner.post(f"/collections/{cid}/items/{items[2]}/move", data={"direction": "down"})
    assert response.headers["Location"] == f"/collections/{cid}?page=2#item-{items[2]}"
    assert titles(owner.get(f"/collections/{cid}?page=2").get_data(as_text=True)) == ["3", "4"]
    response = owner.post(f"/collections/{cid}/items/{items[3]}/note", data={"note": "к занятию"})
    assert response.headers["Location"] == f"/collections/{cid}?page=2#item-{items[3]}"
    page = owner.get(f"/collections/{cid}/items/{items[4]}/remove").get_data(as_text=True)
    assert f'href="/collections/{cid}?page=3#item-{items[4]}"' in page  # «cancel» goes back to it
    response = owner.post(f"/collections/{cid}/items/{items[4]}/remove")
    assert response.headers["Location"] == f"/collections/{cid}?page=3"  # now past the end: the last page
    assert titles(owner.get(response.headers["Location"]).get_data(as_text=True)) == ["3", "4"]

    # a reader with the link pages through the link, without the owner's buttons
    token = _token(app, cid)
    shared = _client(app).get(f"/collections/shared/{token}").get_data(as_text=True)
    assert f'<a rel="next" href="/collections/shared/{token}?page=2">' in shared
    assert "Материалов:" not in shared and 'name="direction"' not in shared
    # the exports are the whole collection
    assert _export_text(owner.get(f"/collections/{cid}/export.csv"), "csv").count(",Практика,Практика номер") == 4


def test_removing_an_item_asks_first_and_names_the_note_that_goes_with_it(app, world):
    """«Убрать из подборки» removed the item and its note at once, with no question and no way back."""
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        item = db.session.get(Collection, cid).items[0].id
    owner.post(f"/collections/{cid}/items/{item}/note", data={"note": "Читать к занятию 2"})
    app.config["WTF_CSRF_ENABLED"] = True
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    url = f"/collections/{cid}/items/{item}/remove"
    # a screen reader hears which item each control is for (the list repeats the same words on every item)
    title = "Школьное научное общество в начальной школе"
    assert f'<a href="{url}">Убрать из подборки<span class="visually-hidden"> «{title}»</span>…</a>' in page
    assert f'Сохранить заметку<span class="visually-hidden"> к «{title}»</span>' in page
    assert f'action="{url}"' not in page  # the page holds no form that removes at once

    question = owner.get(url)
    text = " ".join(question.get_data(as_text=True).split())
    assert question.status_code == 200
    assert "Убрать «Школьное научное общество в начальной школе» из подборки «Курс для наставников ШНО»?" in text
    assert "заметка к нему будет удалена" in text and "Читать к занятию 2" in text
    assert f'action="{url}"' in text and 'name="csrf_token"' in text
    with app.app_context():
        assert len(db.session.get(Collection, cid).items) == 1  # asking changed nothing
    assert _client(app, world["other"]).get(url).status_code == 404
    assert owner.get(f"/collections/{cid}/items/999999/remove").status_code == 404

    assert owner.post(url).status_code == 400  # the answer is a form with its CSRF token
    response = owner.post(url, data={"csrf_token": csrf_from(owner, url)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Collection, cid).items == []


def test_deleting_a_collection_asks_first(app, world):
    """«Удалить подборку» on the settings page deleted the collection at once, with no question."""
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    _add(owner, cid, "practice", world["published"])
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/collections/{cid}/delete"
    page = owner.get(f"/collections/{cid}/edit").get_data(as_text=True)
    assert f'<a class="button button--danger" href="{url}">Удалить подборку…</a>' in page
    assert f'action="{url}"' not in page

    question = owner.get(url)
    text = " ".join(question.get_data(as_text=True).split())
    assert question.status_code == 200 and "Удалить подборку «Курс для наставников ШНО»?" in text
    assert "1 материал с заметками к ним" in text and "Ссылка на подборку перестанет открываться" in text
    assert f'action="{url}"' in text and f'href="/collections/{cid}/edit">Отмена</a>' in text
    with app.app_context():
        assert db.session.get(Collection, cid) is not None
    assert _client(app, world["other"]).get(url).status_code == 404

    assert owner.post(url).status_code == 400
    assert owner.post(url, data={"csrf_token": csrf_from(owner, url)}).status_code == 302
    with app.app_context():
        assert db.session.get(Collection, cid) is None


def test_unpublished_items_are_unavailable_to_others(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="public")
    _add(owner, cid, "practice", world["draft"])
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        draft_item = db.session.scalar(select(CollectionItem).where(CollectionItem.item_id == world["draft"]))
        draft_item.note = "Черновик про роботов"
        db.session.commit()
    assert "Секретный черновик" in owner.get(f"/collections/{cid}").get_data(as_text=True)
    for viewer in (_client(app), _client(app, world["other"])):
        page = viewer.get(f"/collections/{cid}").get_data(as_text=True)
        assert "Материал недоступен" in page and "Школьное научное общество" in page
        assert "Секретный черновик" not in page and "роботов" not in page
        for fmt in ("csv", "docx", "pdf"):
            text = _export_text(viewer.get(f"/collections/{cid}/export.{fmt}"), fmt)
            assert "Материал недоступен" in text and "Школьное научное общество" in text
            assert "Секретный черновик" not in text and "роботов" not in text


def test_the_owners_exports_are_the_file_others_get(app, world, make_user, make_practice):
    """A methodist put a teacher's submission under review into a course list: the owner's DOCX gave its title,
    its annotation and a reference to a URL that answers 404 to everyone the file went to. The owner's own draft
    went the same way. The exports show what the shared link shows; the owner's page marks such items."""
    methodist = make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        submitted = make_practice("Неопубликованная заявка учителя", status="submitted", owner_id=world["other"],
                                  authors=[("Заявкина Зоя Захаровна", "учитель")],
                                  annotation="Текст заявки, которую ещё не проверили.")
        draft = make_practice("Черновик методиста", status="draft", owner_id=methodist,
                              annotation="Ещё пишется.")
    owner = _client(app, methodist)
    cid = _create(owner, title="Курс для слушателей", visibility="link")
    for practice in (submitted, world["published"], draft):
        assert _add(owner, cid, "practice", practice).status_code == 302
    with app.app_context():
        for item in db.session.get(Collection, cid).items:
            item.note = f"Заметка к {item.item_id}"
        db.session.commit()
    hidden = ("Неопубликованная заявка", "ещё не проверили", "Заявкина", "Черновик методиста", "Ещё пишется",
              f"/practices/{submitted}", f"/practices/{draft}", f"Заметка к {submitted}", f"Заметка к {draft}")
    shared = _client(app)
    for fmt in ("csv", "docx", "pdf"):
        mine = _export_text(owner.get(f"/collections/{cid}/export.{fmt}"), fmt)
        theirs = _export_text(shared.get(f"/collections/shared/{_token(app, cid)}/export.{fmt}"), fmt)
        assert mine == theirs
        assert mine.count("Материал недоступен") == 2 and "Школьное научное общество" in mine
        assert f"Заметка к {world['published']}" in mine
        assert not [text for text in hidden if text in _squash(mine)], fmt
        if fmt != "csv":  # the bibliography: the one published item, numbered 1
            bibliography = _squash(mine.split("Список литературы")[1])
            assert bibliography.startswith("1. Иванова, А. П. Школьное научное общество")
            assert bibliography.count("URL:") == 1
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert "Неопубликованная заявка учителя" in page and "Черновик методиста" in page
    assert page.count("не опубликовано</span> Видите только вы: у других и в") == 2
    assert 'class="card collection-item collection-item--unavailable"' not in page
    page = shared.get(f"/collections/shared/{_token(app, cid)}").get_data(as_text=True)
    assert page.count("Материал недоступен") == 2 and "не опубликовано" not in page
    assert not [text for text in hidden if text in page]


def test_catalogue_search_folds_case_and_yo(app, world):
    owner = _client(app, world["owner"])
    _create(owner, title="Одарённые дети: модуль 1", visibility="public")
    _create(owner, title="Наставничество", visibility="public")
    _create(owner, title="Одаренные дети: закрытая", visibility="link")
    page = _client(app).get("/collections?q=ОДАРЕННЫЕ").get_data(as_text=True)
    assert "Одарённые дети: модуль 1" in page
    assert "Наставничество" not in page and "закрытая" not in page
    page = _client(app).get("/collections", query_string={"q": "100%"}).get_data(as_text=True)
    assert "Открытых подборок с «100%» в названии нет." in page


def test_a_title_whose_lower_case_is_longer_fits_its_folded_column(app, world):
    """«İ» lowers to two characters: a 300-character title folded to more than the 300 of title_folded, which
    PostgreSQL refused (a 500). The folded title is cut, as a practice's is; the title is kept whole."""
    owner = _client(app, world["owner"])
    title = "Подборка для курса «Білім» " + "İ" * 273
    assert len(title) == 300
    cid = _create(owner, title=title)
    response = owner.post("/collections/add", data={"item_type": "practice", "item_id": world["published"],
                                                    "collection": "new", "new_title": title})
    assert response.status_code == 302
    with app.app_context():
        rows = db.session.execute(select(Collection.title, Collection.title_folded)
                                  .where(Collection.owner_id == world["owner"], Collection.title == title)).all()
        assert len(rows) == 2 and cid
        assert all(len(folded) == 300 and folded.startswith("подборка для курса «білім» i̇") for _, folded in rows)


def test_forms_carry_csrf_tokens_and_posts_without_them_fail(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    owner = _client(app, world["owner"])
    csrf_from(owner, "/collections/new")
    response = owner.post("/collections/new", data={"title": "Без токена", "visibility": "private"})
    assert response.status_code == 400
    assert owner.post("/collections/add", data={"item_type": "practice", "item_id": 1}).status_code == 400


def test_edit_and_delete(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    page = owner.get(f"/collections/{cid}/edit").get_data(as_text=True)
    assert 'value="Курс для наставников ШНО"' in page and "Удалить подборку" in page
    assert '<input checked id="visibility-0" name="visibility" type="radio" value="private">' in page
    response = owner.post(f"/collections/{cid}/edit", data={"title": "", "visibility": "public"})
    assert "Укажите название." in response.get_data(as_text=True)
    owner.post(f"/collections/{cid}/edit", data={"title": "Новое имя", "visibility": "public"})
    assert "Новое имя" in _client(app).get("/collections").get_data(as_text=True)
    response = owner.post(f"/collections/{cid}/delete", follow_redirects=True)
    assert "Подборка «Новое имя» удалена." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Collection, cid) is None


def _export_text(response, fmt: str) -> str:
    assert response.status_code == 200
    data = response.get_data()
    if fmt == "csv":
        return "\n".join(",".join(row) for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    if fmt == "docx":
        return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["csv", "docx", "pdf"])
def test_exports_list_items_notes_and_gost_references(app, world, fmt):
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс «Одарённые дети»", visibility="link", description="Для слушателей КПК")
    _add(owner, cid, "practice", world["published"])
    _add(owner, cid, "resolution", world["resolution"])
    _add(owner, cid, "recommendation", world["recommendation"])
    with app.app_context():
        item = db.session.scalar(select(CollectionItem).where(CollectionItem.item_type == "practice"))
        item.note = "Обратить внимание на разделы о мотивации"
        db.session.get(Resolution, world["resolution"]).participants_text = "более 450"
        db.session.commit()
    response = _client(app).get(f"/collections/shared/{_token(app, cid)}/export.{fmt}")
    # saved under the collection's title; clients that read only «filename» get its number
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"collection-{cid}.{fmt}\"; "
        f"filename*=UTF-8''%D0%9A%D1%83%D1%80%D1%81%20%C2%AB%D0%9E%D0%B4%D0%B0%D1%80%D1%91%D0%BD%D0%BD%D1%8B%D0%B5"
        f"%20%D0%B4%D0%B5%D1%82%D0%B8%C2%BB.{fmt}")
    assert parse_options_header(response.headers["Content-Disposition"])[1] == {
        "filename": f"Курс «Одарённые дети».{fmt}"}  # werkzeug prefers filename* as RFC 6266 says
    text = _squash(_export_text(response, fmt))
    assert "Школьное научное общество в начальной школе" in text
    assert "Обратить внимание на разделы о мотивации" in text
    assert ("Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова ; МАОУ «Лицей № 1». – "
            "Текст : электронный // Банк практик : [сайт]. – 2020. – URL: "
            f"http://localhost/practices/{world['published']}") in text
    assert ("Резолюция конференции «Одарённые дети» : Челябинск, 17 апреля 2017 г. / ГБУ ДПО ЧИППКРО. – Текст : "
            "электронный") in text
    # a recommendation's item («П. 1.1») follows the site it is part of, as an article's pages follow its journal
    assert ("Резолюция конференции «Одарённые дети» : Челябинск, 17 апреля 2017 г. / ГБУ ДПО ЧИППКРО. – Текст : "
            "электронный // Банк практик : [сайт]. – 2017. – П. 1.1. – URL: "
            f"http://localhost/recommendations/{world['recommendation']}") in text
    # the resolution's line says what its figure counts, as the resolution page does
    assert "Челябинск · 17 апреля 2017 г. · участники: более 450" in text
    assert "Челябинск · 17 апреля 2017 г. · участники: более 450" in owner.get(f"/collections/{cid}").get_data(
        as_text=True)
    if fmt != "csv":
        assert "Курс «Одарённые дети»" in text and "Для слушателей КПК" in text and "Список литературы" in text


@pytest.mark.parametrize(("title", "saved_as"), [
    ("Курс «Одарённые дети»: модуль 1 / 2025", "Курс «Одарённые дети» модуль 1 - 2025"),
    ("ФГОС НОО/ООО: функциональная грамотность", "ФГОС НОО-ООО функциональная грамотность"),
    ("Курс 2024/", "Курс 2024"),
    ("Модуль 2\\итоги", "Модуль 2-итоги"),
    ("Курс.", "Курс"),
    ("///", None),  # nothing of the title left: the collection's number
    ("Курс «Одарённые дети» <i>модуль 1</i>", "Курс «Одарённые дети» модуль 1"),
    ("<b>Итоги</b> года<br>2025 <span class=\"x\">(черновик)</span>", "Итоги года 2025 (черновик)"),
    ("&lt;em&gt;Курс&lt;/em&gt; &laquo;ШНО&raquo; &amp; НОУ", "Курс «ШНО» & НОУ"),
    ("Итоги | вопросы? *важно* 5 < 7", "Итоги вопросы важно 5 7"),
    ("<i></i>", None),
    ("CON", "_CON"), ("prn", "_prn"), ("Aux .", "_Aux"), ("nul -", "_nul"), ("COM1 ?", "_COM1"), ("lpt9", "_lpt9"),
    ("<b>CON</b>", "_CON"), ("CONSOLE", "CONSOLE"),
], ids=["slash-with-spaces", "slash", "slash-at-end", "backslash", "full-stop", "only-slashes", "tags",
        "tags-and-break", "entities", "unsafe-characters", "only-tags", "device", "device-lower-case",
        "device-full-stop", "device-hyphen", "device-question-mark", "device-printer", "device-tags", "no-device"])
def test_an_export_is_saved_under_the_whole_title_with_its_extension(app, world, title, saved_as):
    """clean_filename takes a «/» for a folder: «ФГОС НОО/ООО» was saved as «ООО…», «Курс 2024/» as «docx». A title
    «CON» gave «CON.docx», a name Windows keeps for a device and cannot save a file under."""
    owner = _client(app, world["owner"])
    cid = _create(owner, title=title)
    _add(owner, cid, "practice", world["published"])
    for fmt in ("csv", "docx", "pdf"):
        disposition = owner.get(f"/collections/{cid}/export.{fmt}").headers["Content-Disposition"]
        expected = f"{saved_as}.{fmt}" if saved_as else f"collection-{cid}.{fmt}"
        assert disposition == (f"attachment; filename=\"collection-{cid}.{fmt}\"; "
                               f"filename*=UTF-8''{quote(expected, safe='')}")
        assert parse_options_header(disposition)[1] == {"filename": expected}


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
@pytest.mark.parametrize(("name", "compiler"), [("Петрова А. С.", "Петрова А. С."), ("Анна Петрова", "Анна Петрова."),
                                                ("", "Педагог.")])
def test_the_compilers_name_ends_with_one_full_stop(app, world, fmt, name, compiler):
    """«Составитель: Петрова А. С.. Список сформирован …»: a name ending with an initial got a second stop."""
    from kb.accounts.models import User

    with app.app_context():
        db.session.get(User, world["owner"]).name = name
        db.session.commit()
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    text = _squash(_export_text(owner.get(f"/collections/{cid}/export.{fmt}"), fmt))
    assert f"Составитель: {compiler} Список сформирован" in text


def test_pdf_embeds_a_cyrillic_font(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    reader = PdfReader(io.BytesIO(owner.get(f"/collections/{cid}/export.pdf").get_data()))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
                   for font in fonts.values()]
    assert descriptors and all("/FontFile2" in d for d in descriptors)
    assert any("DejaVu" in str(d["/FontName"]) for d in descriptors)


def test_pdf_hides_the_soft_hyphens_a_title_pasted_from_word_carries(app, world):
    """fpdf2's cell() drew U+00AD as a hyphen: «Исследо-вательская деятель-ность»."""
    with app.app_context():
        practice = db.session.get(Practice, world["published"])
        practice.title = "Исследо\u00adвательская деятель\u00adность\u200b младших\u2060 школьников"
        db.session.commit()
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(
        owner.get(f"/collections/{cid}/export.pdf").get_data())).pages)
    assert "Исследовательская деятельность младших школьников" in text
    assert "Исследо-" not in text and not {"\u00ad", "\u200b", "\u2060"} & set(text)


@pytest.mark.parametrize(("fallback", "title"), [
    (True, "Курс 🎓 наставников □"),  # Symbola (fonts-symbola) has 🎓; no font here has 🫠 (Unicode 14)
    (False, "Курс □ наставников □"),
])
def test_pdf_draws_what_dejavu_lacks_from_a_fallback_font_or_as_a_box(app, world, fallback, title):
    """DejaVu has no emoji: fpdf2 left them out of the page and of its text without a trace («Курс  наставников»)."""
    if not fallback:
        app.config["PDF_FALLBACK_FONTS"] = ()
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс 🎓 наставников 🫠")
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        db.session.get(Collection, cid).items[0].note = "Обсудить 🎓 на занятии 🫠"
        db.session.commit()
    reader = PdfReader(io.BytesIO(owner.get(f"/collections/{cid}/export.pdf").get_data()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.startswith(title + "\n")
    assert "Обсудить " + title.removeprefix("Курс ").replace("наставников", "на занятии") in text
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for font in reader.pages[0]["/Resources"]["/Font"].values()}
    assert ("Symbola" in fonts) == fallback


def test_pdf_measures_each_character_a_few_times_not_once_per_character_of_its_line(app, world, monkeypatch):
    """fpdf2's multi_cell measures the whole line again after each character it adds: a line of n characters
    cost n² width lookups, and a PDF of 300 items took 6–12 s (600: 29 s, gunicorn's timeout is 30 s). The
    lines are broken by the export now: the characters measured stay within a small multiple of the text."""
    from fpdf.fonts import TTFFont

    measured = []
    width = TTFFont.get_text_width
    monkeypatch.setattr(TTFFont, "get_text_width", lambda self, text, *args: measured.append(len(text))
                        or width(self, text, *args))
    owner = _client(app, world["owner"])
    cid = _create(owner, description="Первая строка описания.\nВторая строка.")
    _add(owner, cid, "practice", world["published"])
    long_word = "Сверхдлинноеслово" * 12  # no space to break at: broken where the line ends
    with app.app_context():
        item = db.session.get(Collection, cid).items[0]
        item.note = ("Прочитать к третьему занятию, обратить внимание на работу с родителями. " * 8) + long_word
        db.session.commit()
    response = owner.get(f"/collections/{cid}/export.pdf")
    text = _export_text(response, "pdf")
    assert sum(measured) < 4 * len(text), (sum(measured), len(text))
    # everything is there, in order, within the page
    assert "Первая строка описания.\nВторая строка." in text
    assert long_word in "".join(text.split())
    assert _squash("Прочитать к третьему занятию, обратить внимание на работу с родителями. " * 8) in _squash(text)
    reader = PdfReader(io.BytesIO(response.get_data()))
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])]
    assert f"http://localhost/practices/{world['published']}" in links


@pytest.fixture
def pdf_lines(app):
    """(the PDF, its line setter) with the export's fonts; the PDF is written at the end, its font files closed."""
    from fpdf import FPDF

    from kb.pdf import PdfText, add_fonts, document_bytes

    pdf = FPDF(format="A4")
    with app.app_context():
        add_fonts(pdf)
    yield pdf, PdfText(pdf)
    pdf.add_page()
    document_bytes(pdf)


def test_pdf_lines_fit_the_page_and_keep_every_word(pdf_lines):
    pdf, setter = pdf_lines
    setter.set_font("I", 10)
    text = ("Заметка составителя: прочитать к занятию 3, http://localhost/practices/12 — и обсудить. " * 5
            + "\n\nПосле пустой строки: " + "Ю" * 150 + " конец.")
    lines = setter.lines(text, 100)
    assert all(pdf.get_string_width(line) <= 100 for line in lines)
    assert max(pdf.get_string_width(line) for line in lines) > 90  # filled, not broken early
    assert "".join("".join(lines).split()) == "".join(text.split())  # every character, in order
    assert " ".join(lines).split()[:50] == text.split()[:50]  # broken between words
    assert [line for line in lines if "Ю" in line][0].startswith("Ю")  # the long word from a line of its own
    assert lines[lines.index("") + 1].startswith("После пустой строки:")  # a line break of the text is kept


def test_pdf_lines_never_break_inside_a_references_fixed_pairs(pdf_lines):
    """Lines broke between the initials and the surname, before «: электронный» and between «2022» and «г.»."""
    _pdf, setter = pdf_lines
    setter.set_font("", 10)
    reference = ("1. Иванова, А. П. Школьное научное общество / А. П. Иванова, Б. В. Петров. – Текст : электронный "
                 "// Банк практик : [сайт]. – 2022. – URL: http://localhost/practices/12 (дата обращения: "
                 "01.12.2026). Челябинск, 17–20 апреля 2022 г., СОШ № 7, с. 5.")
    for room in range(40, 181, 3):
        lines = setter.lines(reference, room)
        assert "".join("".join(lines).split()) == "".join(reference.split())
        for line, after in zip(lines, lines[1:], strict=False):
            pair = (room, line, after)
            assert not (re.search(r"\b[А-Я]\.$", line) and re.match(r"[А-Я]", after)), pair  # «А. | П. Иванова»
            assert not (re.search(r"\d$", line) and after.startswith("г.")), pair  # «2022 | г.»
            assert not line.endswith(("№", " с.")) and not after.startswith((":", "–")), pair


def test_pdf_lines_keep_a_recommendations_number_and_a_places_name_with_their_abbreviation(pdf_lines):
    """Lines broke between «П.» and the recommendation's number and between «г.» and the town: «П.|1.1»,
    «г.|Челябинска»."""
    _pdf, setter = pdf_lines
    setter.set_font("", 10)
    reference = ("9. Резолюция конференции «Модели сопровождения» : Челябинск, 17–20 апреля 2017 г. / ГБУ ДПО "
                 "ЧИППКРО. – П. 1.1. – Текст : электронный // Банк практик : [сайт]. – 2017. – URL: "
                 "https://bank.example.ru/recommendations/19 (дата обращения: 06.12.2026). МАОУ «Гимназия № 26» "
                 "г. Челябинска, СОШ им. А. С. Пушкина, ул. Ленина, д. 5, с. Кременкуль, п. 3")
    pairs = [("П.", "1.1."), ("г.", "Челябинска"), ("им.", "А."), ("ул.", "Ленина"), ("д.", "5"),
             ("с.", "Кременкуль"), ("п.", "3")]
    broken = set()
    for tenth in range(300, 1800, 7):
        lines = setter.lines(reference, tenth / 10)
        assert "".join("".join(lines).split()) == "".join(reference.split())
        for line, after in zip(lines, lines[1:], strict=False):
            broken |= {pair for pair in pairs if line.split()[-1:] == [pair[0]] and after.startswith(pair[1])}
    assert not broken


def test_pdf_lines_keep_a_headings_surname_with_its_initials_and_et_al_whole(pdf_lines):
    """The README promises a line never breaks between initials and the surname: in the heading «Иванова, А. П.»
    it broke after the comma, and «[и др.]» broke inside («[и | др.]») or from the name before it."""
    from kb.pdf import _KEEP_TOGETHER

    _pdf, setter = pdf_lines
    setter.set_font("", 10)
    reference = ("3. Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова ; МАОУ «Лицей № 1». – "
                 "Текст : электронный. 4. Смит, Дж. Р. Проект. 5. Школьное научное общество / А. П. Иванова, "
                 "Б. И. Петров, В. О. Сидорова [и др.]. – Текст : электронный // Банк практик : [сайт]. – 2020.")
    pairs = [("Иванова,", "А."), ("Смит,", "Дж."), ("Дж.", "Р."), ("[и", "др.]"), ("Сидорова", "[и")]
    broken = set()
    for tenth in range(600, 1800, 3):  # wider than the longest piece kept together
        lines = setter.lines(reference, tenth / 10)
        assert "".join("".join(lines).split()) == "".join(reference.split())
        for line, after in zip(lines, lines[1:], strict=False):
            broken |= {pair for pair in pairs if line.split()[-1:] == [pair[0]] and after.startswith(pair[1])}
    assert not broken
    # the commas between the persons of the statement of responsibility stay breakable: glued, the list was one piece
    assert _KEEP_TOGETHER.sub("_", "Иванова, А. П. Проект / А. П. Иванова, Б. И. Петров, В. Сидорова [и др.]. – "
                                   "Текст") == ("Иванова,_А._П._Проект_/ А._П._Иванова, Б._И._Петров, "
                                                "В._Сидорова_[и_др.]._– Текст")
    assert _KEEP_TOGETHER.sub("_", "Иванова, А. П. Читаем, пишем / А. П. Иванова") == (
        "Иванова,_А._П._Читаем, пишем_/ А._П._Иванова")


def test_pdf_lines_never_begin_with_a_semicolon_or_a_slash(pdf_lines):
    """Lines began with «; МОУ «СОШ № 9»…» and «// Банк практик : [сайт]…»: the space before « ;», « /» and « //»
    is kept as the one before « :» and « –»."""
    from kb.pdf import _KEEP_TOGETHER

    _pdf, setter = pdf_lines
    setter.set_font("", 10)
    reference = ("7. Иванова, А. П. Школьное научное общество / А. П. Иванова, Б. В. Петров ; МОУ «СОШ № 9» ; "
                 "Управление образования. – Текст : электронный // Банк практик : [сайт]. – 2022. – URL: "
                 "http://localhost/practices/12 (дата обращения: 01.12.2026).")
    for tenth in range(300, 1800, 7):
        lines = setter.lines(reference, tenth / 10)
        assert "".join("".join(lines).split()) == "".join(reference.split())
        # (a URL longer than a line is cut by characters: «/12» may begin one)
        assert not [line for line in lines if re.match(r"(?:;|//?)(?:\s|$)", line)], (tenth, lines)
    assert _KEEP_TOGETHER.sub("_", "Проект / Иванова ; МОУ // Банк") == "Проект_/ Иванова_; МОУ_// Банк"


def test_pdf_without_fonts_sends_back_with_a_message(app, world, tmp_path):
    app.config["PDF_FONT_DIR"] = str(tmp_path)
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    response = owner.get(f"/collections/{cid}/export.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "PDF сейчас недоступен" in response.get_data(as_text=True)
    assert owner.get(f"/collections/{cid}/export.docx").status_code == 200


def test_opengraph_partial_describes_the_page(app):
    with app.test_request_context("/collections/5?utm=x"):
        html = render_template_string('{% include "_opengraph.html" %}', og_title="Курс <КПК>",
                                      og_description="Первая строка\nвторая " + "слово " * 100, og_type="article")
    assert '<meta property="og:title" content="Курс &lt;КПК&gt;">' in html
    assert '<meta property="og:url" content="http://localhost/collections/5">' in html
    assert '<meta property="og:type" content="article">' in html
    description = re.search(r'property="og:description" content="([^"]*)"', html).group(1)
    assert description.startswith("Первая строка вторая") and len(description) <= 303


def test_opengraph_description_keeps_angle_brackets_of_plain_text(app):
    """Annotations are plain text: |striptags took «<<Юный исследователь>>» and «5 < 7 … > 4» for tags."""
    text = "Проект <<Юный исследователь>> для 5-7 классов:\r\nгде 5 < 7 и\tоценка > 4 & <b>не тег</b>."
    with app.test_request_context("/practices/1"):
        html = render_template_string('{% include "_opengraph.html" %}', og_description=text)
    expected = "Проект <<Юный исследователь>> для 5-7 классов: где 5 < 7 и оценка > 4 & <b>не тег</b>."
    for name in ('name="description"', 'property="og:description"'):
        raw = re.search(name + r' content="([^"]*)"', html).group(1)
        assert "<" not in raw and ">" not in raw, "escaped, not markup"
        assert htmllib.unescape(raw) == expected


def test_add_button_partial(app, world):
    template = '{% with item_type="practice", item_id=7 %}{% include "collections/_add_button.html" %}{% endwith %}'
    with app.test_request_context("/search?q=ШНО"):
        assert render_template_string(template).strip() == ""
    owner = _client(app, world["owner"])
    _create(owner, title="Курс А")
    assert '<a href="/collections/mine">Мои подборки</a>' in owner.get("/").get_data(as_text=True)
    with app.test_request_context("/search?q=ШНО"):
        from flask_login import login_user

        from kb.accounts.models import User
        login_user(db.session.get(User, world["owner"]))
        html = render_template_string(template)
    assert 'action="/collections/add"' in html and 'name="csrf_token"' in html
    assert '<input type="hidden" name="item_type" value="practice">' in html
    assert '<input type="hidden" name="item_id" value="7">' in html
    assert 'name="next" value="/search?q=ШНО"' in html
    assert ">Курс А</option>" in html and '<option value="new">Новая подборка</option>' in html


def test_a_web_worker_loads_the_export_libraries_only_for_an_export(tmp_path):
    """python-docx and fpdf2 (with fontTools and Pillow) cost every worker 30 MB: a worker that never
    exports never imports them; the export still works (the tests above)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys\nfrom kb import create_app\napp = create_app()\n"
              "app.test_client().get('/'); app.test_client().get('/search?q=музей')\n"
              "print(sorted(m for m in ('docx', 'fpdf', 'fontTools', 'PIL') if m in sys.modules))")
    env = {**os.environ, "KB_INSTANCE": str(tmp_path / "instance")}
    (tmp_path / "instance").mkdir()
    result = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).resolve().parents[1], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_csv_export_writes_formula_like_notes_and_titles_as_text(app, world, make_practice):
    owner = _client(app, world["owner"])
    with app.app_context():
        evil = make_practice('=HYPERLINK("http://evil.example","Открыть")', annotation="Практика с опасным названием.")
    cid = _create(owner)
    _add(owner, cid, "practice", evil)
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        items = db.session.scalars(select(CollectionItem).order_by(CollectionItem.id)).all()
        items[0].note = "@SUM(1+1)*cmd|' /C calc'!A0"
        items[1].note = "+7 (351) 000-00-00 — телефон методиста"
        db.session.commit()
    data = owner.get(f"/collections/{cid}/export.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    cells = [value for row in rows[1:] for value in row]
    assert "'=HYPERLINK(\"http://evil.example\",\"Открыть\")" in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert "'+7 (351) 000-00-00 — телефон методиста" in cells
    # nothing a spreadsheet would run is left, and the other cells are as they were
    assert not [value for value in cells if value[:1] in "=+-@\t\r" and value]
    assert "Школьное научное общество в начальной школе" in cells
    assert [row[0] for row in rows[1:]] == ["1", "2"]


def test_control_characters_neither_enter_through_forms_nor_break_the_exports(app, world, make_practice):
    """A "\\x0b" (a vertical tab pasted from Word) in a stored title made the DOCX export of every collection
    holding it a 500 (XML 1.0 cannot carry it); the forms no longer store such characters at all."""
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Подборка \x01с символом", description="Описание\x0bв две строки\tи табуляция")
    with app.app_context():
        collection = db.session.get(Collection, cid)
        assert collection.title == "Подборка с символом"
        assert collection.description == "Описаниев две строки\tи табуляция"
        # stored before the forms cleaned their input (or by a script): the export leaves the characters out
        odd = make_practice("Практика с символом \x0b в названии", annotation="Аннотация\x1f с символом.")
        collection.title = "Подборка \x02 старая"
        db.session.commit()
    _add(owner, cid, "practice", odd)
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        db.session.scalars(select(CollectionItem)).first().note = "Заметка \x01 с символом"  # (PostgreSQL refuses NUL)
        db.session.commit()
    for fmt in ("docx", "pdf", "csv"):
        text = _squash(_export_text(owner.get(f"/collections/{cid}/export.{fmt}"), fmt))
        assert "Практика с символом в названии" in _squash(text.replace("\x0b", " ")), fmt
        assert "Школьное научное общество в начальной школе" in text, fmt
    docx_text = _export_text(owner.get(f"/collections/{cid}/export.docx"), "docx")
    assert "Подборка  старая" in docx_text and "Заметка  с символом" in docx_text
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", docx_text)


def test_line_breaks_tabs_and_c1_controls_come_out_as_typed_in_the_documents(app, world):
    """Browsers send a textarea's line breaks as «\\r\\n»: python-docx made a break of each half (an empty line
    between every two). DejaVu has no tab glyph: fpdf2 drew a box and the words ran together. A C1 control
    («\\x85» from a mis-decoded file) showed as a box in both."""
    owner = _client(app, world["owner"])
    cid = _create(owner, description="Модуль 1.\r\nМодуль 2:\tвведение\x85.")
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        item = db.session.get(Collection, cid).items[0].id
    assert owner.post(f"/collections/{cid}/items/{item}/note",
                      data={"note": "Строка 1\r\nСтрока 2"}).status_code == 302
    with app.app_context():
        collection = db.session.get(Collection, cid)  # stored with LF, as the API and the imports store text
        assert collection.description == "Модуль 1.\nМодуль 2:\tвведение."
        assert collection.items[0].note == "Строка 1\nСтрока 2"
    docx = [p.text for p in Document(io.BytesIO(owner.get(f"/collections/{cid}/export.docx").get_data())).paragraphs]
    assert "Модуль 1.\nМодуль 2:\tвведение." in docx
    assert "Заметка составителя: Строка 1\nСтрока 2" in docx
    pdf = _export_text(owner.get(f"/collections/{cid}/export.pdf"), "pdf")
    assert "Модуль 2: введение." in pdf and "\t" not in pdf


def test_a_reader_sees_a_note_with_its_line_breaks(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="public")
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        item = db.session.get(Collection, cid).items[0].id
    owner.post(f"/collections/{cid}/items/{item}/note", data={"note": "1. Прочитать.\r\n2. Обсудить."})
    page = _client(app).get(f"/collections/{cid}").get_data(as_text=True)
    note = re.search(r'<p class="([^"]*)"><strong>Заметка составителя:</strong> 1\. Прочитать\.\n2\. Обсудить\.</p>',
                     page)
    assert note and "multiline" in note.group(1).split(), "the reader's page keeps the note's lines"


def test_the_id_of_a_deleted_material_is_never_given_to_another(app, world, make_practice):
    """SQLite gave the next row max(id) + 1: the newest practice deleted, the next one took its id, and the
    collection entry (a permalink, a ГОСТ reference, an OAI identifier too) showed that other practice."""
    owner = _client(app, world["owner"])
    cid = _create(owner)
    with app.app_context():
        newest = make_practice("Практика, которую удалят", annotation="Будет удалена.")
        assert newest == db.session.scalar(select(func.max(Practice.id)))
        resolution = Resolution(title="Резолюция, которую удалят", checksum="c-deleted", status="published",
                                full_text="Текст",
                                recommendations=[Recommendation(position=0, number="1", text="Удалить.")])
        db.session.add(resolution)
        db.session.commit()
        gone = {"practice": newest, "resolution": resolution.id, "recommendation": resolution.recommendations[0].id}
    for item_type, item_id in gone.items():
        _add(owner, cid, item_type, item_id)
    other_cid = _create(owner, title="Вторая подборка")
    with app.app_context():
        db.session.delete(db.session.get(Practice, newest))
        db.session.delete(db.session.get(Resolution, gone["resolution"]))
        db.session.delete(db.session.get(Collection, other_cid))
        db.session.commit()
        fresh = make_practice("Совсем другая практика", annotation="Новая.")
        other = Resolution(title="Другая резолюция", checksum="c-other", status="published", full_text="Текст",
                           recommendations=[Recommendation(position=0, number="1", text="Другое.")])
        db.session.add(other)
        db.session.commit()
        assert fresh > newest and other.id > gone["resolution"]
        assert other.recommendations[0].id > gone["recommendation"]
    assert _create(owner, title="Третья подборка") > other_cid
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert page.count('<h2 class="muted">Материал недоступен</h2>') == 3
    assert "Совсем другая практика" not in page and "Другая резолюция" not in page


@pytest.mark.parametrize("target", ["//evil.example/x", "/\t/evil.example", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)"])
def test_one_click_adding_goes_back_only_within_the_site(app, world, target):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    response = _add(owner, cid, "practice", world["published"], next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/collections/{cid}"
    assert _add(owner, cid, "resolution", world["resolution"]).headers["Location"] == "/search?q=%D0%A8%D0%9D%D0%9E"


def test_a_whole_collection_exports_as_ris_and_bibtex(app, world, make_user, make_practice):
    """A course designer imports the list into Zotero or Mendeley at once: RIS (CRLF, a record per available
    material in the collection's order, the compiler's note as N1) and BibTeX; hidden materials are left out."""
    def ris_records(text: str) -> list[dict[str, list[str]]]:
        records, current = [], {}
        for line in text.split("\r\n"):
            tag, _, value = line.partition("  - ")
            if tag == "ER":
                records.append(current)
                current = {}
            elif tag:
                current.setdefault(tag, []).append(value)
        return records

    methodist = make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        draft = make_practice("Черновик методиста", status="draft", owner_id=methodist)
        second = make_practice("Сетевой проект & ШНО_2024", status="published", owner_id=world["other"],
                               authors=[("Коллектив авторов", "")])
    owner = _client(app, methodist)
    cid = _create(owner, title="Курс 2024/2025", visibility="link")
    for practice in (second, draft, world["published"]):
        assert _add(owner, cid, "practice", practice).status_code == 302
    with app.app_context():
        for item in db.session.get(Collection, cid).items:
            item.note = f"Прочитать к занятию {item.item_id}\r\nи обсудить"
        db.session.commit()
    for client, prefix in ((owner, f"/collections/{cid}"), (_client(app), f"/collections/shared/{_token(app, cid)}")):
        ris = client.get(f"{prefix}/export.ris")
        assert ris.status_code == 200 and ris.mimetype == "application/x-research-info-systems"
        assert ris.headers["Content-Disposition"].endswith("%D0%9A%D1%83%D1%80%D1%81%202024-2025.ris")
        text = ris.get_data(as_text=True)
        assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
        records = ris_records(text)
        assert [r["TI"] for r in records] == [["Сетевой проект & ШНО_2024"],
                                              ["Школьное научное общество в начальной школе"]]
        assert records[0]["N1"] == [f"Прочитать к занятию {second} и обсудить"]
        assert "Черновик" not in text and f"/practices/{draft}" not in text
        bib = client.get(f"{prefix}/export.bib")
        assert bib.status_code == 200 and bib.mimetype == "application/x-bibtex"
        keys = re.findall(r"^@misc\{([^,]+),", bib.get_data(as_text=True), re.M)
        assert keys == [f"kb-practice-{second}", f"kb-practice-{world['published']}"]
        assert r"Сетевой проект \& ШНО\_2024" in bib.get_data(as_text=True)
        assert "Черновик" not in bib.get_data(as_text=True)
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert f'href="/collections/{cid}/export.ris"' in page and f'href="/collections/{cid}/export.bib"' in page


def test_a_colleagues_list_is_copied_into_ones_own(app, world, make_user, make_practice):
    """A course designer adapts a colleague's list: a private copy of the materials they may see, in the same
    order and with the notes; the source stays as it was; a private list cannot be copied by anyone else."""
    with app.app_context():
        second = make_practice("Олимпиадная подготовка", status="published", owner_id=world["other"])
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс для наставников ШНО", visibility="link")
    for practice in (second, world["draft"], world["published"]):
        assert _add(owner, cid, "practice", practice).status_code == 302
    with app.app_context():
        for item in db.session.get(Collection, cid).items:
            item.note = f"Заметка {item.item_id}"
        db.session.commit()
    colleague = _client(app, make_user("teacher"))
    token = _token(app, cid)
    page = colleague.get(f"/collections/shared/{token}").get_data(as_text=True)
    assert f'action="/collections/shared/{token}/copy"' in page and "Скопировать в мои подборки" in page
    assert colleague.post(f"/collections/{cid}/copy").status_code == 404  # shared by link: only through the link
    copied = colleague.post(f"/collections/shared/{token}/copy")
    assert copied.status_code == 302
    copy_id = int(re.search(r"/collections/(\d+)$", copied.headers["Location"]).group(1))
    with app.app_context():
        copy, source = db.session.get(Collection, copy_id), db.session.get(Collection, cid)
        assert (copy.title, copy.visibility, copy.description) == ("Копия: Курс для наставников ШНО", "private",
                                                                   "Модуль 1")
        assert [(i.item_id, i.note) for i in copy.items] == [(second, f"Заметка {second}"),
                                                            (world["published"], f"Заметка {world['published']}")]
        assert len(source.items) == 3 and copy.owner_id != source.owner_id
    message = colleague.get(copied.headers["Location"]).get_data(as_text=True)
    assert "2 материала (не скопировано недоступных: 1)" in message
    # the owner's own copy keeps the title; a private collection of someone else is as if absent
    mine = owner.post(f"/collections/{cid}/copy")
    with app.app_context():
        own = db.session.get(Collection, int(mine.headers["Location"].rsplit("/", 1)[1]))
        assert own.title == "Курс для наставников ШНО" and len(own.items) == 3
    private = _create(owner, title="Личное", visibility="private")
    assert colleague.post(f"/collections/{private}/copy").status_code == 404
    assert _client(app).post(f"/collections/shared/{token}/copy").status_code == 302  # to the login page
    assert "Войдите</a>, чтобы скопировать" in _client(app).get(f"/collections/shared/{token}").get_data(as_text=True)


def test_a_copy_over_the_item_limit_tells_what_did_not_fit_apart_from_the_unavailable(app, world, make_practice):
    """A list holds more than COLLECTION_MAX_ITEMS when the limit was lowered after it was made: its copy stops at
    the limit, and the materials cut by it were counted «недоступных», which they are not (the reader sees them).
    They are told apart: how many did not fit and the limit; «недоступных» only those the reader may not see."""
    with app.app_context():
        extra = [make_practice(f"Практика для курса {n}", owner_id=world["other"]) for n in (1, 2, 3)]
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс для наставников ШНО", visibility="link")
    for practice in (world["draft"], world["published"], *extra):
        assert _add(owner, cid, "practice", practice).status_code == 302
    app.config["COLLECTION_MAX_ITEMS"] = 2
    colleague = _client(app, world["other"])  # the draft is the owner's: not seen by the colleague
    copied = colleague.post(f"/collections/shared/{_token(app, cid)}/copy")
    assert copied.status_code == 302
    with app.app_context():
        copy = db.session.get(Collection, int(copied.headers["Location"].rsplit("/", 1)[1]))
        assert [i.item_id for i in copy.items] == [world["published"], extra[0]]
    message = colleague.get(copied.headers["Location"]).get_data(as_text=True)
    assert ("«Копия: Курс для наставников ШНО», 2 материала (не скопировано недоступных: 1). 2 материала не вошли: "
            "в подборку помещается не больше 2 материалов. Копию видите только вы") in message
    # the owner sees her draft: nothing of hers is unavailable, three did not fit
    mine = owner.post(f"/collections/{cid}/copy")
    message = owner.get(mine.headers["Location"]).get_data(as_text=True)
    assert ("«Курс для наставников ШНО», 2 материала. 3 материала не вошли: в подборку помещается не больше 2 "
            "материалов. "
            "Копию видите только вы") in message
    assert "недоступных" not in message
    app.config["COLLECTION_MAX_ITEMS"] = 4  # one cut: «1 материал не вошёл», «не больше 4 материалов»
    message = owner.get(owner.post(f"/collections/{cid}/copy").headers["Location"]).get_data(as_text=True)
    assert "4 материала. 1 материал не вошёл: в подборку помещается не больше 4 материалов." in message
    with app.app_context():  # the service, whatever view asks
        from kb.accounts.models import User
        from kb.collections import services

        result = services.copy_collection(db.session.get(User, world["other"]), db.session.get(Collection, cid))
        assert (len(result.collection.items), result.unavailable, result.over_limit, result.unpublished_files) == (
            4, 1, 0, 0)
        db.session.rollback()


def test_a_title_longer_than_word_keeps_exports_as_docx(app, world):
    """A title may have 300 characters («Копия: » of a 250-character one has 257); Word's properties hold 255:
    the property is cut with «…», the document's heading keeps the whole title."""
    owner = _client(app, world["owner"])
    title = "Курс «Сопровождение одарённых детей»: " + "модуль о диагностике одарённости; " * 8
    title = title[:300]
    cid = _create(owner, title=title, visibility="public")
    _add(owner, cid, "practice", world["published"])
    with owner.get(f"/collections/{cid}/export.docx") as response:
        assert response.status_code == 200
        document = Document(io.BytesIO(response.get_data()))
    assert len(document.core_properties.title) == 255 and document.core_properties.title.endswith("…")
    assert title.startswith(document.core_properties.title[:-1])
    assert document.paragraphs[0].text == title


def test_csv_export_is_for_russian_excel_like_the_banks_other_tables(app, world):
    owner = _client(app, world["owner"])
    cid = _create(owner)
    _add(owner, cid, "practice", world["published"])
    with owner.get(f"/collections/{cid}/export.csv") as response:
        data = response.get_data()
    assert data.startswith("\ufeff№;Тип;Название;Аннотация;Заметка составителя;".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert [len(row) for row in rows] == [8, 8]
    assert rows[1][2] == "Школьное научное общество в начальной школе"


def test_the_owners_page_prints_the_notes(app, world):
    """The owner sees a note in its form, which print hides: the page also has the note as readers see it, shown
    only on paper."""
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="public")
    _add(owner, cid, "practice", world["published"])
    with app.app_context():
        item = db.session.get(Collection, cid).items[0].id
    owner.post(f"/collections/{cid}/items/{item}/note", data={"note": "Читать к занятию 3"})
    with owner.get(f"/collections/{cid}") as response:
        page = response.get_data(as_text=True)
    outside_forms = re.sub(r"<form.*?</form>", "", page, flags=re.S)
    assert '<p class="note multiline print-only"><strong>Заметка составителя:</strong> Читать к занятию 3</p>' \
        in outside_forms
    css = (Path(app.root_path).parent / "static" / "kb.css").read_text(encoding="utf-8")
    screen, printed = css.split("@media print", 1)
    assert re.search(r"^\.print-only \{ display: none; \}", screen, flags=re.M)
    assert ".print-only { display: block !important; }" in printed.split("\n}\n", 1)[0]
    with _client(app).get(f"/collections/{cid}") as response:  # a reader's note is on screen as before
        assert '<p class="note multiline"><strong>Заметка составителя:</strong> Читать к занятию 3</p>' \
            in response.get_data(as_text=True)


def _note_item(app, world, client) -> tuple[int, int]:
    cid = _create(client)
    _add(client, cid, "practice", world["published"])
    with app.app_context():
        return cid, db.session.get(Collection, cid).items[0].id


def test_a_note_within_the_limit_is_kept_whole_whatever_its_line_breaks(app, world):
    """The textarea (maxlength 5000) counts a line break as one character, the browser sends CR LF: a note of 4905
    characters came as 5598 and was cut at 5000 before its CR LF became LF, its end lost under «Заметка
    сохранена»."""
    owner = _client(app, world["owner"])
    cid, item = _note_item(app, world, owner)
    note = "\r\n".join(["строка"] * 700) + "\r\nКОНЕЦ"
    response = owner.post(f"/collections/{cid}/items/{item}/note", data={"note": note}, follow_redirects=True)
    assert "Заметка сохранена." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CollectionItem, item).note == note.replace("\r\n", "\n")


def test_a_note_over_the_limit_is_refused_and_comes_back_as_typed(app, world):
    owner = _client(app, world["owner"])
    cid, item = _note_item(app, world, owner)
    owner.post(f"/collections/{cid}/items/{item}/note", data={"note": "Прежняя заметка"}, follow_redirects=True)
    typed = "Читать <раздел> 2. " + "а" * 5000 + " КОНЕЦ"
    response = owner.post(f"/collections/{cid}/items/{item}/note", data={"note": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Заметка не сохранена" in page and "Заметка — не длиннее 5000 символов." in page
    assert "Заметка сохранена" not in page
    textarea = re.search(rf'<textarea id="note-{item}"[^>]*>([^<]*)</textarea>', page)
    assert textarea and 'aria-invalid="true"' in textarea.group(0)
    assert textarea.group(1) == typed.replace("<", "&lt;").replace(">", "&gt;")  # all of it, escaped
    with app.app_context():
        assert db.session.get(CollectionItem, item).note == "Прежняя заметка"  # nothing saved, nothing cut


def test_notes_and_one_click_titles_are_cleaned_as_every_forms_text(app, world):
    """The note and the «new_title» of /collections/add bypassed the forms' cleaning: a «\\x0b» pasted from Word was
    stored, a NUL was a 500 on PostgreSQL, «й» typed as «и» and a combining breve stayed two characters."""
    owner = _client(app, world["owner"])
    cid, item = _note_item(app, world, owner)
    response = owner.post(f"/collections/{cid}/items/{item}/note",
                          data={"note": "Читать\x0bраздел\x00 «Техноло\x1fгия»\r\nМои\u0306 вывод\x85"})
    assert response.status_code == 302
    response = owner.post("/collections/add", data={
        "item_type": "resolution", "item_id": world["resolution"], "collection": "new",
        "new_title": "Курс\x00 для\x0b все\u0438\u0306"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(CollectionItem, item).note == "Читатьраздел «Технология»\nМой вывод"
        titles = db.session.scalars(select(Collection.title).where(Collection.owner_id == world["owner"])).all()
        assert "Курс для всей" in titles


@pytest.mark.parametrize("contents", ["empty", "unpublished"])
def test_a_collection_with_nothing_published_offers_no_downloads(app, world, contents):
    """An empty collection, or one whose materials were all unpublished, offered all five downloads: RIS and BibTeX
    came as 0-byte files, DOCX and PDF as two bare headings. The links are not shown, and the addresses (kept from
    before, or typed) go back to the page with a message."""
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    token = _token(app, cid)
    if contents == "unpublished":
        _add(owner, cid, "practice", world["draft"])  # the owner sees it, the files would not list it
        _add(owner, cid, "recommendation", world["recommendation"])
        with app.app_context():
            db.session.get(Resolution, world["resolution"]).status = "draft"
            db.session.commit()
    pages = {"owner": (owner, f"/collections/{cid}"), "reader": (_client(app), f"/collections/shared/{token}")}
    for who, (client, page_url) in pages.items():
        page = client.get(page_url).get_data(as_text=True)
        assert "/export." not in page and "Скачать список:" not in page, who
        assert ("Скачать список пока нельзя" in page) is (contents == "unpublished"), who
        for fmt in ("csv", "docx", "pdf", "ris", "bib"):
            response = client.get(f"{page_url}/export.{fmt}")
            assert response.status_code == 302 and response.headers["Location"] == page_url, (who, fmt)
            assert "Content-Disposition" not in response.headers
        message = client.get(page_url).get_data(as_text=True)
        assert "Скачивать пока нечего: в подборке нет опубликованных материалов" in message, who
    with app.app_context():
        db.session.get(Resolution, world["resolution"]).status = "published"
        db.session.commit()
    _add(owner, cid, "recommendation", world["recommendation"])
    page = owner.get(f"/collections/{cid}").get_data(as_text=True)
    assert f"/collections/{cid}/export.ris" in page and "Скачать список пока нельзя" not in page
    export_links = re.findall(r'<a [^>]*href="[^"]*/export\.[a-z]+"[^>]*>', page)
    assert len(export_links) == 5 and all('rel="nofollow"' in link for link in export_links), "heavy for crawlers"
    ris = owner.get(f"/collections/{cid}/export.ris")
    assert ris.status_code == 200 and b"TY  - GEN" in ris.data


@pytest.mark.parametrize("title", ["\u200b", "\u2060", "\ufeff", " \u200b\u2060 \ufeff ", "\u00ad\u200c\u200d"],
                         ids=["zero-width-space", "word-joiner", "byte-order-mark", "mixed-with-spaces", "others"])
def test_a_title_of_invisible_characters_is_refused_as_an_empty_one(app, world, title):
    """A collection titled only with zero-width or other invisible characters was created with a title nobody sees:
    the list showed an empty link, the exports an empty heading. Refused as an empty title is, on «new» and on
    «edit»; a one-click «new collection» of them gets the default title; visible text keeps its inner characters."""
    owner = _client(app, world["owner"])
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Collection))
    response = owner.post("/collections/new", data={"title": title, "visibility": "private"})
    assert response.status_code == 200 and "Укажите название." in response.get_data(as_text=True)
    cid = _create(owner, title="Курс")
    response = owner.post(f"/collections/{cid}/edit", data={"title": title, "visibility": "private"})
    assert response.status_code == 200 and "Укажите название." in response.get_data(as_text=True)
    owner.post("/collections/add", data={"item_type": "practice", "item_id": world["published"],
                                         "collection": "new", "new_title": title})
    with app.app_context():
        titles = db.session.scalars(select(Collection.title).order_by(Collection.id)).all()[before:]
        assert titles[0] == "Курс"
        assert all(any(char.isalnum() for char in shown) for shown in titles), titles
    _create(owner, title="\ufeff\u200bКурс\u2060 наставников\u200b")
    with app.app_context():
        assert db.session.scalars(select(Collection.title).order_by(Collection.id.desc())).first() == (
            "Курс\u2060 наставников")


def test_visible_strip_keeps_what_is_inside():
    from kb.practices.rules import author_line
    from kb.textclean import visible_strip

    assert visible_strip("\u200b \ufeff Мой   список \u200b уроков\u00ad \n\u2060") == "Мой   список \u200b уроков"
    assert visible_strip("\u200b\u2060 \ufeff") == ""
    assert visible_strip("а" + " " * 30_000 + "б") == "а" + " " * 30_000 + "б"
    assert author_line("Иванова   Анна  Петровна " + " " * 30_000 + "– учитель") == (
        "Иванова Анна Петровна", "учитель")


ORDER_MARKERS = {  # a distinctive part of each title, and the first element its reference is sorted by
    "Кружок юных химиков": "Яковлева", "Reading club": "Smith", "Олимпийский резерв": "«Олимпийский…» (4 автора)",
    "Зимняя школа": "Ёлкина", "Резолюция конференции": "Резолюция…", "Школьное научное общество": "Иванова",
}
COLLECTION_ORDER = ["Кружок юных химиков", "Reading club", "Олимпийский резерв", "Зимняя школа",
                    "Резолюция конференции", "Школьное научное общество"]
ALPHABETICAL = ["Зимняя школа", "Школьное научное общество", "Олимпийский резерв", "Резолюция конференции",
                "Кружок юных химиков", "Reading club"]


def _order_in(text: str) -> list[str]:
    text = _squash(text)
    assert all(text.count(marker) == 1 for marker in ORDER_MARKERS), text
    return sorted(ORDER_MARKERS, key=text.index)


@pytest.fixture
def unordered(app, world, make_practice):
    """A course list put together as the course goes, with a draft of the owner among its items."""
    with app.app_context():
        ids = [
            ("practice", make_practice("Кружок юных химиков", authors=[("Яковлева Яна Яковлевна", "")])),
            ("practice", make_practice("Reading club for gifted pupils", authors=[("John Smith", "")])),
            ("practice", world["draft"]),
            ("practice", make_practice("«Олимпийский резерв»: система подготовки", authors=[
                ("Абрамова А. А.", ""), ("Борисов Б. Б.", ""), ("Васильева В. В.", ""), ("Григорьев Г. Г.", "")])),
            ("practice", make_practice("Зимняя школа", authors=[("ЁЛКИНА Елена Евгеньевна", "")])),
            ("resolution", world["resolution"]),
            ("practice", world["published"]),
        ]
    owner = _client(app, world["owner"])
    cid = _create(owner, title="Курс", visibility="link")
    for item_type, item_id in ids:
        assert _add(owner, cid, item_type, item_id).status_code == 302
    return cid


@pytest.mark.parametrize("fmt", ["csv", "docx", "pdf", "ris", "bib"])
def test_exports_list_in_the_collections_order_or_alphabetically(app, world, unordered, fmt):
    """A course programme wants its list of literature alphabetical (the first element: a surname, else the title;
    Russian before Latin); the collection's own order stays the default. An unavailable item goes last."""
    owner = _client(app, world["owner"])
    for query, expected in (("", COLLECTION_ORDER), ("?order=collection", COLLECTION_ORDER),
                            ("?order=nonsense", COLLECTION_ORDER), ("?order=alpha", ALPHABETICAL)):
        for client, prefix in ((owner, f"/collections/{unordered}"),
                               (_client(app), f"/collections/shared/{_token(app, unordered)}")):
            response = client.get(f"{prefix}/export.{fmt}{query}")
            text = _export_text(response, fmt) if fmt in ("csv", "docx", "pdf") else response.get_data(as_text=True)
            if fmt in ("docx", "pdf"):
                materials, bibliography = text.split("Список литературы")
                assert _order_in(bibliography) == expected, query
                assert _order_in(materials) == expected, query
                # the unavailable item keeps its place in the collection's order, and goes last alphabetically
                assert _squash(materials).endswith("Материал недоступен") == (query == "?order=alpha")
            elif fmt == "csv":  # the titles' column (the references' repeats them)
                titles = [row.split(",")[2] for row in text.split("\n")[1:]]
                assert _order_in("\n".join(titles)) == expected, query
                assert (titles[-1] == "Материал недоступен") == (query == "?order=alpha")
            else:
                assert _order_in(text) == expected, query


def test_the_page_offers_the_order_and_keeps_it_in_its_links(app, world, unordered, monkeypatch):
    monkeypatch.setattr("kb.collections.services.ITEMS_PER_PAGE", 3)
    owner = _client(app, world["owner"])
    page = owner.get(f"/collections/{unordered}").get_data(as_text=True)
    assert "Упорядочить:" in page and '<strong aria-current="true">как в подборке</strong>' in page
    assert f'href="/collections/{unordered}?order=alpha">по алфавиту</a>' in page
    assert f'href="/collections/{unordered}/export.docx"' in page
    page = owner.get(f"/collections/{unordered}?order=alpha").get_data(as_text=True)
    assert '<strong aria-current="true">по алфавиту</strong>' in page
    assert f'href="/collections/{unordered}">как в подборке</a>' in page
    for fmt in ("docx", "pdf", "csv", "ris", "bib"):
        assert f'href="/collections/{unordered}/export.{fmt}?order=alpha"' in page
    assert f'href="/collections/{unordered}?page=2&amp;order=alpha"' in page  # the pager keeps it
    # the owner's forms come back to the same choice
    assert f'action="/collections/{unordered}/items/' in page and '/note?order=alpha"' in page
    with app.app_context():
        first = db.session.get(Collection, unordered).items[0].id
    moved = owner.post(f"/collections/{unordered}/items/{first}/move?order=alpha", data={"direction": "down"})
    assert moved.headers["Location"] == f"/collections/{unordered}?order=alpha#item-{first}"
    token = _token(app, unordered)
    page = _client(app).get(f"/collections/shared/{token}?order=alpha").get_data(as_text=True)
    assert f'href="/collections/shared/{token}/export.pdf?order=alpha"' in page
    assert f'href="/collections/shared/{token}">как в подборке</a>' in page


def _attach(app, practice_id: int, name: str) -> int:
    from kb.attachments.models import Attachment

    with app.app_context():
        attachment = Attachment(practice_id=practice_id, original_name=name, kind=name.rsplit(".", 1)[1], size=1,
                                sha256=f"{practice_id:032d}{len(name):032d}", text="Полный текст файла " * 1000)
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


@pytest.mark.parametrize("fmt", ["csv", "docx", "pdf", "ris", "bib"])
def test_a_practices_files_come_under_its_reference_as_appendices(app, world, fmt):
    """A course designer cites «Положение о ШНО.docx» of a practice: the export gives each file of a published
    practice its own ГОСТ reference under the practice's; a draft's file is in nobody's export, the owner's too."""
    regulation = _attach(app, world["published"], "Положение_о_ШНО.docx")
    programme = _attach(app, world["published"], "Программа кружка.pdf")
    _attach(app, world["draft"], "Секретное положение.docx")
    owner = _client(app, world["owner"])
    cid = _create(owner, visibility="link")
    for practice in (world["draft"], world["published"]):
        _add(owner, cid, "practice", practice)
    host = "– Текст : электронный // Банк практик : [сайт]. – 2020. – URL: http://localhost/attachments/"
    for client, prefix in ((owner, f"/collections/{cid}"), (_client(app), f"/collections/shared/{_token(app, cid)}")):
        response = client.get(f"{prefix}/export.{fmt}")
        text = _export_text(response, fmt) if fmt in ("csv", "docx", "pdf") else response.get_data(as_text=True)
        assert "Секретное" not in text and "Полный текст файла" not in text
        if fmt == "ris":
            assert "TI  - Положение о ШНО\r\n" in text and "TI  - Программа кружка\r\n" in text
            assert f"UR  - http://localhost/attachments/{regulation}/" in text
            continue
        if fmt == "bib":
            assert f"@misc{{kb-attachment-{regulation}," in text and f"@misc{{kb-attachment-{programme}," in text
            continue
        text = _squash(text)
        for number, (file_id, title) in enumerate(((regulation, "Положение о ШНО"), (programme, "Программа кружка")),
                                                  1):
            reference = (f"Иванова, А. П. {title} : приложение к практике «Школьное научное общество в начальной "
                         f"школе» / А. П. Иванова ; МАОУ «Лицей № 1». {host}{file_id}/")
            assert reference in text
            if fmt == "csv":  # no «1.1» of its own: Russian Excel reads it as a date; the practice's number is
                # the bibliography's (the draft before it is not cited and has none)
                assert f",Приложение к № 1,{('Положение_о_ШНО.docx', 'Программа кружка.pdf')[number - 1]}," in text
            else:  # only the available items are numbered
                assert f"1.{number}. {reference}" in text.split("Список литературы")[1]
        if fmt != "csv":
            materials, bibliography = text.split("Список литературы")
            assert "Приложения: Положение_о_ШНО.docx, Программа кружка.pdf" in materials
            assert bibliography.index("1. Иванова") < bibliography.index("Приложения:") < bibliography.index("1.1.")
