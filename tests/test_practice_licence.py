"""A practice's licence (terms of reuse): the vocabulary and the instance's default, the form, the API, the
registry, the page, OAI-PMH, schema.org, the reading-list exports, the version history and the migration."""

import csv
import io
import json
import re

import pytest
from docx import Document
from flask import render_template_string
from pypdf import PdfReader
from sqlalchemy import inspect, select, text

from kb.extensions import db
from kb.practices.licences import parse_licence
from kb.practices.models import Practice
from tests.conftest import bearer, sign_in

BY_URL = "https://creativecommons.org/licenses/by/4.0/deed.ru"
NC_SA_URL = "https://creativecommons.org/licenses/by-nc-sa/4.0/deed.ru"


@pytest.mark.parametrize(("written", "code"), [
    ("cc_by_4", "cc_by_4"), ("CC BY 4.0", "cc_by_4"), ("CC-BY", "cc_by_4"), ("cc by", "cc_by_4"),
    ("CC BY-SA 4.0", "cc_by_sa_4"), ("CC-BY-SA", "cc_by_sa_4"), ("CC BY-NC-SA 4.0", "cc_by_nc_sa_4"),
    ("cc-by-nc-sa", "cc_by_nc_sa_4"), ("Все права защищены", "all_rights"), ("все права защищены.", "all_rights"),
    ("all_rights", "all_rights"),
    ("CC BY 3.0", None), ("CC BY-NC", None), ("CC BY-ND 4.0", None), ("свободная", None),
    # written out: the name, the words of the deed in English or Russian, «International»/«Международная»
    ("Creative Commons BY-SA 4.0", "cc_by_sa_4"), ("Creative Commons Attribution-ShareAlike 4.0", "cc_by_sa_4"),
    ("CC-BY-SA 4.0", "cc_by_sa_4"), ("CC BY-SA", "cc_by_sa_4"), ("cc  by–sa 4.0 International", "cc_by_sa_4"),
    ("Атрибуция — С сохранением условий 4.0 Международная", "cc_by_sa_4"),
    ("атрибуция-с сохранением условий", "cc_by_sa_4"), ("Attribution 4.0 International", "cc_by_4"),
    ("Creative Commons Attribution 4.0 International License", "cc_by_4"), ("Атрибуция 4.0 Международная", "cc_by_4"),
    ("Лицензия Creative Commons «Атрибуция» 4.0", "cc_by_4"), ("CC BY 4.0 Международная", "cc_by_4"),
    ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International", "cc_by_nc_sa_4"),
    ("Атрибуция — Некоммерческое использование — С сохранением условий 4.0 Международная", "cc_by_nc_sa_4"),
    ("CC BY-NC-SA 4.0 Международная", "cc_by_nc_sa_4"), ("ВСЕ ПРАВА ЗАЩИЩЕНЫ", "all_rights"),
    ("© Все права защищены", "all_rights"), ("(c) Все права защищены", "all_rights"),
    ("All rights reserved", "all_rights"),
    # another version, a licence not in the list, a stray word: not guessed
    ("Creative Commons Attribution-ShareAlike 3.0", None), ("Атрибуция — Без производных произведений 4.0", None),
    ("Attribution-NonCommercial 4.0 International", None), ("CC BY-SA 4.0 или CC BY 4.0", None),
    ("BY-SA", None), ("Международная", None), ("Атрибуция — С сохранением условий 2.0 Международная", None),
])
def test_the_registry_spellings_of_a_licence(written, code):
    assert parse_licence(written) == code


def test_a_wrong_default_licence_stops_the_start(app):
    from kb import create_app
    from kb.config import ConfigurationError

    with pytest.raises(ConfigurationError, match="DEFAULT_LICENCE = 'cc_by'"):
        create_app({**app.config, "DEFAULT_LICENCE": "cc_by"})


def _only_practice(app) -> Practice:
    with app.app_context():
        practice = db.session.scalars(select(Practice)).one()
        db.session.expunge(practice)
        return practice


def test_the_form_offers_the_licences_with_the_default_chosen_and_saves_one(app, teacher_client):
    app.config["DEFAULT_LICENCE"] = "cc_by_sa_4"
    form = teacher_client.get("/practices/new").get_data(as_text=True)
    assert 'name="licence"' in form and "CC BY-NC-SA 4.0" in form and "Все права защищены" in form
    assert re.search(r'<option selected value="cc_by_sa_4">|<option value="cc_by_sa_4" selected', form), form
    saved = teacher_client.post("/practices/new", data={"title": "Практика под свободной лицензией",
                                                        "licence": "cc_by_4"})
    assert saved.status_code == 302
    assert _only_practice(app).licence == "cc_by_4"


def test_the_form_refuses_a_licence_it_did_not_offer(app, teacher_client):
    response = teacher_client.post("/practices/new", data={"title": "Практика с чужой лицензией",
                                                           "licence": "gpl"})
    assert response.status_code == 200 and "Лицензия — одно из значений" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Practice)).first() is None


def test_the_api_reads_and_writes_the_licence(app, make_user, make_token):
    app.config["DEFAULT_LICENCE"] = "cc_by_nc_sa_4"
    client = app.test_client()
    headers = bearer(make_token(make_user("teacher")))
    created = client.post("/api/v1/practices", json={"title": "Практика через API"}, headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["licence"] == {"code": "cc_by_nc_sa_4", "label": "CC BY-NC-SA 4.0", "url": NC_SA_URL}
    url = f"/api/v1/practices/{body['id']}"
    read = client.get(url, headers=headers)
    patched = client.patch(url, json={"licence": "cc_by_4"}, headers={**headers, "If-Match": read.headers["ETag"]})
    assert patched.status_code == 200, patched.get_json()
    assert patched.get_json()["licence"]["code"] == "cc_by_4"
    wrong = client.patch(url, json={"licence": "CC0"}, headers={**headers, "If-Match": patched.headers["ETag"]})
    assert wrong.status_code == 422
    assert "Лицензия — одно из значений" in wrong.get_json()["errors"]["licence"][0]
    assert client.get(url, headers=headers).get_json()["licence"]["code"] == "cc_by_4"  # nothing lost
    vocabularies = client.get("/api/v1/vocabularies").get_json()
    assert [x["code"] for x in vocabularies["licences"]] == ["all_rights", "cc_by_4", "cc_by_sa_4", "cc_by_nc_sa_4"]


def _import(app, user_id: int, registry: bytes):
    from kb.accounts.models import User
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import

    with app.app_context():
        report = run_import(db.session.get(User, user_id), read_registry(registry, 100), None, dry_run=False)
        db.session.commit()
        return report


def _registry(*rows: tuple[str, str, str]) -> bytes:
    out = io.StringIO(newline="")
    header = ("Внешний идентификатор", "Название", "Регион", "Лицензия")
    csv.writer(out, delimiter=";").writerows([header, *((ext, title, "Челябинская область", cell)
                                                        for ext, title, cell in rows)])
    return out.getvalue().encode("utf-8-sig")


def test_the_registry_column_sets_the_licence_and_an_unknown_one_is_a_warning(app, make_user):
    admin = make_user("admin")
    report = _import(app, admin, _registry(("R-1", "Практика под CC BY", "CC BY 4.0"),
                                           ("R-2", "Практика без лицензии в реестре", ""),
                                           ("R-3", "Практика с непонятной лицензией", "CC BY-ND 4.0")))
    assert [row.errors for row in report.rows] == [[], [], []]
    assert report.rows[0].warnings == [] and report.rows[1].warnings == []
    assert report.rows[2].warnings == [
        "Лицензия «CC BY-ND 4.0» не распознана; указана лицензия банка по умолчанию — «Все права защищены». "
        "Допустимо: «Все права защищены», «CC BY 4.0», «CC BY-SA 4.0», «CC BY-NC-SA 4.0» (в любом регистре, через "
        "пробел или дефис, версию 4.0 можно не писать; также полностью — «Атрибуция — С сохранением условий 4.0 "
        "Международная», «Creative Commons Attribution-ShareAlike 4.0») или коды all_rights, cc_by_4, cc_by_sa_4, "
        "cc_by_nc_sa_4."]
    with app.app_context():
        assert list(db.session.execute(select(Practice.external_id, Practice.licence).order_by(Practice.id))) == [
            ("R-1", "cc_by_4"), ("R-2", "all_rights"), ("R-3", "all_rights")]
    # a second load: an unknown value leaves a loaded practice its own licence, a known one changes it
    again = _import(app, admin, _registry(("R-1", "Практика под CC BY", "непонятно"),
                                          ("R-2", "Практика без лицензии в реестре", "CC-BY-SA")))
    assert "осталась прежняя — «CC BY 4.0»" in again.rows[0].warnings[0]
    with app.app_context():
        assert list(db.session.execute(select(Practice.licence).order_by(Practice.id)).scalars()) == [
            "cc_by_4", "cc_by_sa_4", "all_rights"]


def test_the_registry_reads_a_licence_written_out(app, make_user):
    report = _import(app, make_user("admin"), _registry(
        ("R-1", "Практика под BY-SA по-русски", "Атрибуция — С сохранением условий 4.0 Международная"),
        ("R-2", "Практика под BY-SA по-английски", "Creative Commons Attribution-ShareAlike 4.0"),
        ("R-3", "Практика под BY-NC-SA", "cc by-nc-sa"),
        ("R-4", "Практика с правами", "ВСЕ ПРАВА ЗАЩИЩЕНЫ")))
    assert [row.warnings for row in report.rows] == [[], [], [], []]
    with app.app_context():
        assert list(db.session.execute(select(Practice.licence).order_by(Practice.id)).scalars()) == [
            "cc_by_sa_4", "cc_by_sa_4", "cc_by_nc_sa_4", "all_rights"]


def test_the_registry_template_has_the_column():
    from kb.bulkimport.registry import read_registry, template_csv

    template = template_csv()
    headers = next(csv.reader(io.StringIO(template.decode("utf-8-sig")), delimiter=";"))
    assert "Лицензия" in headers
    assert read_registry(template, 100).rows[0].values["licence"] == "CC BY 4.0"


def test_the_page_names_the_licence_links_a_creative_commons_one_and_says_what_it_allows(app, client,
                                                                                         make_practice):
    with app.app_context():
        free = make_practice("Практика под CC BY", licence="cc_by_4")
        closed = make_practice("Практика со всеми правами")
    page = client.get(f"/practices/{free}").get_data(as_text=True)
    assert f'<a href="{BY_URL}" rel="license">CC BY 4.0</a> («Атрибуция 4.0 Международная»)' in page
    assert "в том числе коммерческих" in page
    page = client.get(f"/practices/{closed}").get_data(as_text=True)
    assert "<dt>Лицензия</dt>" in page and "Все права защищены" in page and "creativecommons.org" not in page
    assert "ст. 1274 ГК РФ" in page


def test_oai_gives_the_licence_as_dc_rights(app, client, make_practice):
    from tests.test_oai import NS, oai

    with app.app_context():
        free = make_practice("Практика под CC BY-NC-SA", licence="cc_by_nc_sa_4")
        closed = make_practice("Практика со всеми правами")

    def rights(practice_id: int) -> list[str]:
        document = oai(client, f"verb=GetRecord&identifier=oai:localhost:practice/{practice_id}&metadataPrefix=oai_dc")
        return [e.text for e in document.iterfind("oai:GetRecord/oai:record/oai:metadata/oai_dc:dc/dc:rights", NS)]

    assert rights(free) == [NC_SA_URL]
    assert rights(closed) == ["Все права защищены"]


def test_the_jsonld_names_the_licence(app, make_practice):
    with app.app_context():
        free = make_practice("Практика под CC BY", licence="cc_by_4")
        closed = make_practice("Практика со всеми правами")

    def data(practice_id: int) -> dict:
        with app.test_request_context():
            html = render_template_string('{% include "practices/_jsonld.html" %}',
                                          practice=db.session.get(Practice, practice_id))
        return json.loads(re.fullmatch(r'\s*<script type="application/ld\+json">(.*)</script>\s*', html, re.S)[1])

    assert data(free)["license"] == BY_URL
    assert data(closed)["license"] == {"@type": "CreativeWork", "name": "Все права защищены"}


def _export(app, client, owner: int, practice_ids: list[int], fmt: str) -> str:
    from kb.accounts.models import User
    from kb.collections.services import add_item, create_collection

    with app.app_context():
        user = db.session.get(User, owner)
        collection = create_collection(user, "Курс для наставников")
        db.session.flush()
        for practice_id in practice_ids:
            add_item(user, collection, "practice", practice_id)
        db.session.commit()
        cid = collection.id
    response = client.get(f"/collections/{cid}/export.{fmt}")
    assert response.status_code == 200
    data = response.get_data()
    if fmt == "csv":
        return data.decode("utf-8-sig")
    if fmt == "docx":
        return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_a_reading_list_gives_the_licence_after_the_reference(app, client, make_user, make_practice, fmt):
    owner = make_user("teacher")
    sign_in(client, owner)
    with app.app_context():
        free = make_practice("Практика под CC BY", licence="cc_by_4")
        closed = make_practice("Практика со всеми правами")
    exported = " ".join(_export(app, client, owner, [free, closed], fmt).split())
    bibliography = exported[exported.index("Список литературы"):]
    assert re.search(r"1\. .*Практика под CC BY.*? Лицензия: CC BY 4\.0 \(" + re.escape(BY_URL) + r"\) 2\. ",
                     bibliography), bibliography
    assert re.search(r"2\. .*Практика со всеми правами.*? Лицензия: Все права защищены$", bibliography), bibliography


def test_a_reading_list_in_csv_has_a_licence_column(app, client, make_user, make_practice):
    owner = make_user("teacher")
    sign_in(client, owner)
    with app.app_context():
        free = make_practice("Практика под CC BY-SA", licence="cc_by_sa_4")
    rows = list(csv.reader(io.StringIO(_export(app, client, owner, [free], "csv")), delimiter=";"))
    assert rows[0][-1] == "Лицензия"
    assert rows[1][2] == "Практика под CC BY-SA" and rows[1][-1] == "CC BY-SA 4.0"


def test_a_change_of_licence_shows_in_the_history(app, make_user, make_practice):
    author = make_user("teacher")
    with app.app_context():
        pid = make_practice("Практика автора", status="draft", owner_id=author)
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, author)
    saved = client.post(f"/practices/{pid}/edit", data={"title": "Практика автора", "licence": "cc_by_nc_sa_4",
                                                        "levels": "primary", "subjects": "mathematics",
                                                        "topics": "research_projects", "region": "RU-CHE",
                                                        "year": "2020", "revision": "1",
                                                        "annotation": "Описание практики для проверки поиска.",
                                                        "authors": "Иванова Анна Петровна, учитель начальных классов"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = client.get(f"/practices/{pid}/diff?from=1").get_data(as_text=True)
    assert "Лицензия" in page
    assert "<del>Все права защищены</del> <ins>CC BY-NC-SA 4.0</ins>" in page
    assert page.count("<ins>") == 1  # nothing else changed


def test_a_version_saved_before_licences_shows_no_change_of_licence(app):
    from kb.practices.services import diff_snapshots

    old = {"title": "Практика", "annotation": "Текст."}
    with app.test_request_context():
        assert diff_snapshots(old, {**old, "licence": "all_rights"}) == []
        assert [label for label, _ in diff_snapshots(old, {**old, "licence": "cc_by_4"})] == ["Лицензия"]


def _column(app) -> bool:
    with app.app_context():
        return "licence" in {column["name"] for column in inspect(db.engine).get_columns("practice")}


def test_the_migration_gives_the_stored_practices_the_instance_default(app, make_practice):
    with app.app_context():
        pid = make_practice("Практика до лицензий")
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "z8rtp0000001"])
    assert down.exit_code == 0, down.output
    assert not _column(app)
    app.config["DEFAULT_LICENCE"] = "cc_by_sa_4"
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert _column(app)
    with app.app_context():
        stored = db.session.execute(text("SELECT licence FROM practice WHERE id = :id"), {"id": pid})
        assert stored.scalar_one() == "cc_by_sa_4"
