"""Correcting, unpublishing and deleting a saved resolution: «Изменить», «Снять с публикации», «Удалить» on its
page, for methodists and administrators; recommendation ids, practice links, collections, the index, the sitemap,
OAI-PMH and the API follow."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from kb.accounts.models import AuditEvent
from kb.collections.models import Collection, CollectionItem
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution, recommendation_practice
from kb.vocabularies.models import Region
from tests.conftest import csrf_from, sign_in

RESOLUTION = """РЕЗОЛЮЦИЯ
областного семинара «Исследовательская деятельность младших школьников»

Дата проведения: 12 октября 2022 года
Место проведения: г. Курган

Участники семинара рекомендуют:
1) Общеобразовательным организациям:
– поддерживать школьные научные общества в начальной школе;
– проводить школьные конференции исследовательских работ учащихся.
2) Педагогам:
– делиться опытом в сетевом педагогическом сообществе."""


def _get(client, url: str, **kwargs):
    with client.get(url, **kwargs) as response:
        return response.status_code, response.get_data(as_text=True), response.headers.get("Location", "")


def _post(client, url: str, data):
    with client.post(url, data=data) as response:
        return response.status_code, response.get_data(as_text=True), response.headers.get("Location", "")


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def saved(app) -> dict:
    """A published resolution (ids by number: "1.1", "1.2", "2.1"; "resolution") and a published practice linked
    to 1.1 ("practice"), both in a collection ("collection") with the resolution itself."""
    from kb.resolutions.services import import_resolution_text
    from kb.search.services import sync

    with app.app_context():
        resolution = import_resolution_text(RESOLUTION, "seminar.txt", publish=True).resolution
        db.session.flush()
        ids = {r.number: r.id for r in resolution.recommendations}
        ids["resolution"] = resolution.id
        practice = Practice(title="Научное общество второклассников", status="published", region_code="RU-CHE",
                            annotation="Практика", year=2022)
        db.session.add(practice)
        db.session.flush()
        db.session.execute(recommendation_practice.insert().values(recommendation_id=ids["1.1"],
                                                                   practice_id=practice.id))
        ids["practice"] = practice.id
        db.session.commit()
        sync()
    return ids


@pytest.fixture
def methodist(client, make_user):
    user_id = make_user("methodist", scope_region="RU-KGN")  # the region of RESOLUTION (Курган)
    sign_in(client, user_id)
    return user_id


def _collection(app, owner: int, *items: tuple[str, int]) -> int:
    with app.app_context():
        collection = Collection(owner_id=owner, title="Подборка", title_folded="подборка", share_token=f"t{owner}")
        for position, (item_type, item_id) in enumerate(items):
            collection.items.append(CollectionItem(item_type=item_type, item_id=item_id, position=position))
        db.session.add(collection)
        db.session.commit()
        return collection.id


def edit_values(client, resolution_id: int, html: str | None = None) -> MultiDict:
    """What a browser sends back from the edit page untouched."""
    if html is None:
        status, html, _ = _get(client, f"/resolutions/{resolution_id}/edit")
        assert status == 200
    doc = lxml.html.fromstring(html)
    form = next(f for f in doc.forms if "resolution-edit" in (f.get("class") or ""))
    values = MultiDict()
    for name, value in form.form_values():
        values.add(name, value[1:] if value.startswith("\n") else value)
    values["save"] = "1"
    return values


def _index_of(values: MultiDict, number: str) -> int:
    return next(int(re.match(r"recommendations-(\d+)-number", k).group(1)) for k, v in values.items(multi=True)
                if k.endswith("-number") and v == number)


def _search_ids(client, q: str) -> set[str]:
    with client.get("/api/v1/search", query_string={"q": q}) as response:
        return {f"{r['type']}:{r['id']}" for r in response.get_json()["results"]}


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --------------------------------------------------------------------------------------------------
# Who may


def test_readers_and_teachers_get_no_buttons_and_may_not_edit_unpublish_or_delete(app, client, make_user, saved):
    rid = saved["resolution"]
    status, html, _ = _get(client, f"/resolutions/{rid}")
    assert status == 200 and "Изменить" not in html and "Снять с публикации" not in html
    status, _, location = _get(client, f"/resolutions/{rid}/edit")
    assert status == 302 and "/login" in location

    sign_in(client, make_user("teacher"))
    page = _get(client, f"/resolutions/{rid}")[1]
    assert "Изменить" not in page and "Удалить" not in page
    token = csrf_from(client, f"/resolutions/{rid}")
    assert _get(client, f"/resolutions/{rid}/edit")[0] == 403
    assert _post(client, f"/resolutions/{rid}/edit", {"csrf_token": token, "title": "Взлом"})[0] == 403
    assert _post(client, f"/resolutions/{rid}/unpublish", {"csrf_token": token})[0] == 403
    assert _get(client, f"/resolutions/{rid}/delete")[0] == 403
    assert _post(client, f"/resolutions/{rid}/delete", {"csrf_token": token})[0] == 403
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        assert resolution.status == "published" and resolution.title.startswith("Резолюция областного")


@pytest.mark.parametrize("role, scope", [("methodist", "RU-KGN"), ("admin", None)])
def test_methodists_and_admins_see_the_buttons(client, make_user, saved, role, scope):
    sign_in(client, make_user(role, scope_region=scope))
    html = _get(client, f"/resolutions/{saved['resolution']}")[1]
    assert f'href="/resolutions/{saved["resolution"]}/edit">Изменить</a>' in html
    assert f'action="/resolutions/{saved["resolution"]}/unpublish"' in html
    assert f'href="/resolutions/{saved["resolution"]}/delete">Удалить</a>' in html


@pytest.mark.parametrize("scope", [{"scope_region": "RU-SMO", "scope_organisation": "МБОУ СОШ № 7 г. Смоленска"},
                                   {"scope_region": "RU-CHE"}, {}])
def test_a_methodist_of_another_region_or_of_none_gets_no_buttons_and_may_not_change_it(app, client, make_user,
                                                                                       saved, scope):
    """Any methodist could edit, unpublish and delete every resolution, even one who moderates a school of another
    region, or nothing at all. The resolution is of Курган (RU-KGN): these methodists only read it."""
    rid = saved["resolution"]
    sign_in(client, make_user("methodist", **scope))
    status, page, _ = _get(client, f"/resolutions/{rid}")
    assert status == 200 and "Статус и действия" not in page
    for action in ("edit", "unpublish", "publish", "delete"):
        assert f"/resolutions/{rid}/{action}" not in page
    token = csrf_from(client, f"/resolutions/{rid}")
    assert _get(client, f"/resolutions/{rid}/edit")[0] == 403
    assert _post(client, f"/resolutions/{rid}/edit", {"csrf_token": token, "title": "Взлом"})[0] == 403
    assert _post(client, f"/resolutions/{rid}/unpublish", {"csrf_token": token})[0] == 403
    assert _get(client, f"/resolutions/{rid}/delete")[0] == 403
    assert _post(client, f"/resolutions/{rid}/delete", {"csrf_token": token, "confirm": "1"})[0] == 403
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        assert resolution.status == "published" and resolution.title.startswith("Резолюция областного")
    may_import = bool(scope)  # a methodist who moderates nothing loads no resolutions either
    assert (_get(client, "/resolutions/import")[0] == 200) is may_import
    assert ("Загрузить резолюцию</a>" in _get(client, "/")[1]) is may_import


def test_the_methodist_who_imported_a_resolution_manages_it_whatever_its_regions(app, client, make_user):
    from kb.accounts.models import User
    from kb.resolutions.services import import_resolution_text

    importer = make_user("methodist", scope_region="RU-CHE")
    with app.app_context():
        rid = import_resolution_text(RESOLUTION, "seminar.txt", user=db.session.get(User, importer)).resolution.id
        db.session.commit()
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))  # not his: another region's draft
    assert f"/resolutions/{rid}/publish" not in _get(client, f"/resolutions/{rid}")[1]
    assert _post(client, f"/resolutions/{rid}/publish", {"csrf_token": csrf_from(client, "/")})[0] == 403
    sign_in(client, importer)
    assert f'action="/resolutions/{rid}/publish"' in _get(client, f"/resolutions/{rid}")[1]
    assert _post(client, f"/resolutions/{rid}/publish", {"csrf_token": csrf_from(client, "/")})[0] == 302
    with app.app_context():
        assert db.session.get(Resolution, rid).status == "published"


def test_an_unknown_resolution_answers_404(client, methodist):
    token = csrf_from(client, "/resolutions/import")
    assert _get(client, "/resolutions/999/edit")[0] == 404
    assert _get(client, "/resolutions/999/delete")[0] == 404
    assert _post(client, "/resolutions/999/unpublish", {"csrf_token": token})[0] == 404
    assert _post(client, "/resolutions/999/delete", {"csrf_token": token})[0] == 404


def test_changes_need_a_csrf_token(app, client, methodist, saved):
    rid = saved["resolution"]
    values = edit_values(client, rid)
    values["title"] = "Без токена"
    del values["csrf_token"]
    assert _post(client, f"/resolutions/{rid}/edit", values)[0] == 400
    assert _post(client, f"/resolutions/{rid}/unpublish", {})[0] == 400
    assert _post(client, f"/resolutions/{rid}/delete", {})[0] == 400
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        assert resolution.status == "published" and resolution.title != "Без токена"


# --------------------------------------------------------------------------------------------------
# «Изменить»


def test_the_edit_form_shows_the_saved_resolution_escaped(app, client, methodist, saved):
    with app.app_context():
        db.session.get(Resolution, saved["resolution"]).place = "<script>alert(1)</script>"
        db.session.commit()
    status, html, _ = _get(client, f"/resolutions/{saved['resolution']}/edit")
    assert status == 200
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    values = edit_values(client, saved["resolution"], html)
    assert [v for k, v in values.items(multi=True) if k.endswith("-id")] == [
        str(saved["1.1"]), str(saved["1.2"]), str(saved["2.1"])]
    assert values.getlist(f"recommendations-{_index_of(values, '1.1')}-topics")  # the topics the import gave


def test_regions_and_topics_are_checkboxes_with_the_chosen_ones_in_view(app, client, methodist, saved):
    """Not multiple selects: a click without Ctrl dropped every other chosen region or topic."""
    with app.app_context():
        db.session.get(Resolution, saved["resolution"]).regions = [db.session.get(Region, "RU-KGN"),
                                                                  db.session.get(Region, "RU-CHE")]
        db.session.commit()
    status, html, _ = _get(client, f"/resolutions/{saved['resolution']}/edit")
    assert status == 200 and "Ctrl" not in html and "<select multiple" not in html
    doc = lxml.html.fromstring(html)
    first = _index_of(edit_values(client, saved["resolution"], html), "1.1")
    with app.app_context():
        topics = {t.code for t in db.session.get(Recommendation, saved["1.1"]).topics}  # the ones the import gave
    assert topics
    for name, chosen in (("regions", {"RU-CHE", "RU-KGN"}), (f"recommendations-{first}-topics", topics)):
        boxes = doc.get_element_by_id(name).xpath(f".//input[@type='checkbox'][@name='{name}']")
        assert {box.get("value") for box in boxes if box.checked} == chosen
        assert all(not box.xpath("ancestor::details") for box in boxes if box.checked)
        assert all(box.xpath("ancestor::details") for box in boxes if not box.checked)


def test_saving_corrections_keeps_ids_links_and_collections_and_updates_the_index(app, client, methodist, saved):
    rid = saved["resolution"]
    collection = _collection(app, methodist, ("recommendation", saved["1.1"]), ("resolution", rid))
    assert f"resolution:{rid}" in _search_ids(client, "исследовательская деятельность")
    values = edit_values(client, rid)
    values["title"] = "Резолюция семинара «Юные исследователи»"
    values["place"] = "г. Шадринск"
    first = _index_of(values, "1.1")
    values[f"recommendations-{first}-text"] = "Поддерживать школьные научные общества и кружки астрономии."
    values.setlist(f"recommendations-{first}-topics", ["olympiads"])
    status, _, location = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 302 and location.endswith(f"/resolutions/{rid}")

    page = _text(_get(client, f"/resolutions/{rid}")[1])
    assert "Изменения сохранены." in page
    assert "Резолюция семинара «Юные исследователи»" in page and "г. Шадринск" in page
    assert "Научное общество второклассников" in page  # the practice still implements 1.1
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        assert [(r.id, r.number) for r in resolution.recommendations] == [
            (saved["1.1"], "1.1"), (saved["1.2"], "1.2"), (saved["2.1"], "2.1")]
        rec = db.session.get(Recommendation, saved["1.1"])
        assert rec.text.endswith("кружки астрономии.") and [t.code for t in rec.topics] == ["olympiads"]
        assert [p.id for p in rec.practices] == [saved["practice"]]
    assert _get(client, f"/recommendations/{saved['1.1']}")[0] == 302
    collection_page = _get(client, f"/collections/{collection}")[1]
    assert "Материал недоступен" not in collection_page and "Юные исследователи" in collection_page

    assert f"resolution:{rid}" in _search_ids(client, "юные исследователи")
    assert f"recommendation:{saved['1.1']}" in _search_ids(client, "кружки астрономии")
    with client.get("/api/v1/search", query_string={"topic": "olympiads"}) as response:
        assert f"recommendation:{saved['1.1']}" in {f"{r['type']}:{r['id']}" for r in response.get_json()["results"]}
    [event] = _audit(app, "resolution_edited")
    assert event.target_id == rid and event.actor_id == methodist


def test_an_added_recommendation_takes_the_focus_and_says_so(app, client, methodist, saved):
    """«Добавить рекомендацию» brought the page back at its top with the focus on <body>, the new empty
    recommendation dozens of Tab presses below. Its first field takes the focus (autofocus), described by the line
    «Добавлена рекомендация 4.»; no other field has autofocus."""
    rid = saved["resolution"]
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", edit_values(client, rid) | {"add_recommendation": "1"})
    assert status == 200
    page = lxml.html.fromstring(html)
    assert [e.get("name") for e in page.xpath("//*[@autofocus]")] == ["recommendations-3-number"]
    [field] = page.xpath("//*[@autofocus]")
    assert field.xpath("ancestor::fieldset/@id") == ["preview-rec-3"]
    [said] = page.xpath("//*[@id=$id]", id=field.get("aria-describedby"))
    assert said.get("role") == "status" and said.text_content() == "Добавлена рекомендация 4."
    assert said.xpath("ancestor::fieldset/@id") == ["preview-rec-3"]
    # what was already there opens as before: no autofocus, no line
    assert not lxml.html.fromstring(_get(client, f"/resolutions/{rid}/edit")[1]).xpath("//*[@autofocus]")


def test_a_split_recommendation_gets_a_new_id_and_topics_from_its_text(app, client, methodist, saved):
    rid = saved["resolution"]
    status, html, _ = _post(client, f"/resolutions/{rid}/edit",
                            edit_values(client, rid) | {"add_recommendation": "1", "save": ""})
    assert status == 200 and "(новая)" in html
    values = edit_values(client, rid, html)
    values["recommendations-3-number"] = "2.2"
    values["recommendations-3-addressee"] = "Педагогам"
    values["recommendations-3-text"] = "Готовить учащихся к предметным олимпиадам."
    assert _post(client, f"/resolutions/{rid}/edit", values)[0] == 302
    with app.app_context():
        recs = db.session.get(Resolution, rid).recommendations
        assert [r.number for r in recs] == ["1.1", "1.2", "2.1", "2.2"]
        assert recs[3].id > saved["2.1"] and recs[3].addressee_type_code == "teachers"
        assert "olympiads" in [t.code for t in recs[3].topics]


def test_removing_a_linked_recommendation_asks_first_and_its_links_and_permalink_go(app, client, methodist, saved):
    rid = saved["resolution"]
    collection = _collection(app, methodist, ("recommendation", saved["1.1"]))
    values = edit_values(client, rid)
    values[f"recommendations-{_index_of(values, '1.1')}-remove"] = "y"
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 200
    text = _text(html)
    assert "С удаляемыми рекомендациями связаны практики — эти связи будут удалены" in text
    assert "рекомендация 1.1: Научное общество второклассников" in text
    with app.app_context():  # nothing saved yet
        assert db.session.get(Recommendation, saved["1.1"]) is not None

    status, _, _ = _post(client, f"/resolutions/{rid}/edit", edit_values(client, rid, html))
    assert status == 302
    page = _text(_get(client, f"/resolutions/{rid}")[1])
    assert "Удалено рекомендаций: 1, вместе с ними удалены их связи с практиками (1)." in page
    with app.app_context():
        assert db.session.get(Recommendation, saved["1.1"]) is None
        assert db.session.scalar(select(func.count()).select_from(recommendation_practice)) == 0
        assert db.session.get(Practice, saved["practice"]) is not None
        assert [r.id for r in db.session.get(Resolution, rid).recommendations] == [saved["1.2"], saved["2.1"]]
    assert _get(client, f"/recommendations/{saved['1.1']}")[0] == 404
    assert "Материал недоступен" in _get(client, f"/collections/{collection}")[1]
    assert f"recommendation:{saved['1.1']}" not in _search_ids(client, "научные общества")


def test_a_removed_recommendation_without_links_goes_at_once(app, client, methodist, saved):
    rid = saved["resolution"]
    values = edit_values(client, rid)
    values[f"recommendations-{_index_of(values, '2.1')}-remove"] = "y"
    assert _post(client, f"/resolutions/{rid}/edit", values)[0] == 302
    with app.app_context():
        assert db.session.get(Recommendation, saved["2.1"]) is None


def test_an_edit_over_someone_elses_change_asks_first(app, client, methodist, saved):
    rid = saved["resolution"]
    values = edit_values(client, rid)
    with app.app_context():  # another methodist saves meanwhile
        from kb.timeutil import utcnow

        resolution = db.session.get(Resolution, rid)
        resolution.place = "г. Катайск"
        resolution.updated_at = utcnow()
        db.session.commit()
    values["title"] = "Моё название"
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 409 and "её изменил кто-то другой" in html and "Моё название" in html
    with app.app_context():
        assert db.session.get(Resolution, rid).title != "Моё название"
    assert _post(client, f"/resolutions/{rid}/edit", edit_values(client, rid, html))[0] == 302
    with app.app_context():
        assert db.session.get(Resolution, rid).title == "Моё название"


def test_bad_corrections_are_refused_with_a_message(app, client, methodist, saved):
    rid = saved["resolution"]
    values = edit_values(client, rid)
    values["title"] = ""
    values.setlist(f"recommendations-{_index_of(values, '1.2')}-topics", ["no-such-topic"])
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 400
    assert "Укажите название резолюции." in html and "Выбрана тема, которой больше нет в тезаурусе" in html
    # the summary above the form links to both, the recommendation's field named as its legend names it
    index = _index_of(values, "1.2")
    summary = html[html.index('id="error-summary"'):html.index("</section>")]
    assert '<a href="#title">' in summary
    assert f'<a href="#recommendations-{index}-topics">Рекомендация 1.2: Темы</a>: Выбрана тема' in summary
    assert f'id="recommendations-{index}-topics"' in html
    assert "Исправьте отмеченные рекомендации" not in summary  # its entries are named instead


def test_a_forged_recommendation_id_of_another_resolution_is_a_new_recommendation(app, client, methodist, saved):
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        other = import_resolution_text(RESOLUTION.replace("Курган", "Шадринск"), "other.txt").resolution
        db.session.commit()
        foreign = other.recommendations[0].id
    rid = saved["resolution"]
    values = edit_values(client, rid)
    values[f"recommendations-{_index_of(values, '2.1')}-id"] = str(foreign)
    assert _post(client, f"/resolutions/{rid}/edit", values)[0] == 302
    with app.app_context():
        assert db.session.get(Recommendation, foreign).resolution_id == other.id
        assert db.session.get(Recommendation, saved["2.1"]) is None
        assert len(db.session.get(Resolution, rid).recommendations) == 3


# --------------------------------------------------------------------------------------------------
# «Снять с публикации»


def test_unpublishing_hides_it_everywhere_and_oai_reports_it_deleted(app, client, methodist, saved):
    rid = saved["resolution"]
    anonymous = app.test_client()
    assert f"resolution:{rid}" in _search_ids(anonymous, "исследовательская деятельность")
    status, _, location = _post(client, f"/resolutions/{rid}/unpublish",
                                {"csrf_token": csrf_from(client, f"/resolutions/{rid}")})
    assert status == 302 and location.endswith(f"/resolutions/{rid}")
    page = _text(_get(client, f"/resolutions/{rid}")[1])
    assert "Резолюция снята с публикации и стала черновиком" in page and "Опубликовать" in page
    assert [e.target_id for e in _audit(app, "resolution_unpublished")] == [rid]

    assert _get(anonymous, f"/resolutions/{rid}")[0] == 404
    assert _get(anonymous, f"/recommendations/{saved['1.1']}")[0] == 404
    # the draft's methodist follows its permalinks to the draft's page, as its page links them
    assert _get(client, f"/recommendations/{saved['1.1']}")[2].endswith(f"/resolutions/{rid}#rec-1-1")
    assert _get(anonymous, f"/api/v1/resolutions/{rid}")[0] == 404
    assert not _search_ids(anonymous, "исследовательская деятельность")
    assert _search_ids(anonymous, "научные общества") == {f"practice:{saved['practice']}"}
    assert f"/resolutions/{rid}<" not in _get(anonymous, "/sitemap.xml")[1]
    record = _get(anonymous, f"/oai?verb=GetRecord&identifier=oai:localhost:resolution/{rid}&metadataPrefix=oai_dc")[1]
    assert 'status="deleted"' in record
    listed = _get(anonymous, "/oai?verb=ListIdentifiers&metadataPrefix=oai_dc&set=type:resolution")[1]
    assert f"resolution/{rid}</identifier>" in listed and 'status="deleted"' in listed
    # the practice's page no longer names the draft's recommendation
    assert "Рекомендация 1.1" not in _get(anonymous, f"/practices/{saved['practice']}")[1]

    # published again: back everywhere, OAI as a live record, the practice link kept
    _post(client, f"/resolutions/{rid}/publish", {"csrf_token": csrf_from(client, f"/resolutions/{rid}")})
    assert f"resolution:{rid}" in _search_ids(anonymous, "исследовательская деятельность")
    record = _get(anonymous, f"/oai?verb=GetRecord&identifier=oai:localhost:resolution/{rid}&metadataPrefix=oai_dc")[1]
    assert 'status="deleted"' not in record and "<dc:title>" in record
    assert "Рекомендация 1.1" in _get(anonymous, f"/practices/{saved['practice']}")[1]


def test_unpublished_resolutions_leave_the_index_consistent(app, client, runner, methodist, saved):
    rid = saved["resolution"]
    _post(client, f"/resolutions/{rid}/unpublish", {"csrf_token": csrf_from(client, f"/resolutions/{rid}")})
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------------------------
# «Удалить»


def test_the_question_before_deleting_lists_the_practice_links(app, client, methodist, saved):
    rid = saved["resolution"]
    _collection(app, methodist, ("recommendation", saved["2.1"]))
    status, html, _ = _get(client, f"/resolutions/{rid}/delete")
    assert status == 200
    text = _text(html)
    assert "3 рекомендации и полный текст" in text
    assert "1 связь с практиками" in text and "рекомендация 1.1 — Научное общество второклассников" in text
    assert f'href="/practices/{saved["practice"]}"' in html
    assert "есть в 1 подборке: там они останутся строкой «Материал недоступен»" in text
    assert "снимите её с публикации" in text
    with app.app_context():
        assert db.session.get(Resolution, rid) is not None


def _hidden_draft_linked(app, saved, *numbers: str) -> int:
    """Another region's draft (a Moscow teacher's) linked to these recommendations: a Chelyabinsk methodist may not
    see it."""
    with app.app_context():
        draft = Practice(title="Черновик московской школы", status="draft", region_code="RU-MOW",
                         annotation="Черновик", year=2023)
        db.session.add(draft)
        db.session.flush()
        for number in numbers:
            db.session.execute(recommendation_practice.insert().values(recommendation_id=saved[number],
                                                                       practice_id=draft.id))
        db.session.commit()
        return draft.id


def test_the_question_before_deleting_does_not_count_practices_the_methodist_may_not_see(app, client, methodist,
                                                                                         make_user, saved):
    """Only other people's drafts are hidden from a methodist: «Ещё 1 — с практиками, которых вы не видите» told
    him how many another region has in the works. He is told that such links go, not how many."""
    rid = saved["resolution"]
    _hidden_draft_linked(app, saved, "1.1", "2.1")
    text = _text(_get(client, f"/resolutions/{rid}/delete")[1])
    assert ("1 связь с практиками, которые вы видите, и связи с практиками, которых вы не видите: практики перестанут "
            "значиться среди выполнения рекомендаций") in text
    assert "рекомендация 1.1 — Научное общество второклассников" in text
    assert "Ещё" not in text and "Черновик московской школы" not in text and "3 связи" not in text

    with app.app_context():  # only the hidden links left: still said, not counted
        db.session.execute(recommendation_practice.delete().where(
            recommendation_practice.c.practice_id == saved["practice"]))
        db.session.commit()
    text = _text(_get(client, f"/resolutions/{rid}/delete")[1])
    assert "связи с практиками, которых вы не видите: практики перестанут значиться" in text
    assert not re.search(r"\d+ связ", text)

    admin = app.test_client()  # an administrator sees every practice: a number, no hidden ones
    sign_in(admin, make_user("admin"))
    text = _text(_get(admin, f"/resolutions/{rid}/delete")[1])
    assert "2 связи с практиками: практики перестанут" in text and "не видите" not in text


def test_removing_a_recommendation_does_not_count_practices_the_methodist_may_not_see(app, client, methodist, saved):
    rid = saved["resolution"]
    _hidden_draft_linked(app, saved, "1.1", "2.1")
    values = edit_values(client, rid)
    values[f"recommendations-{_index_of(values, '1.1')}-remove"] = "y"
    values[f"recommendations-{_index_of(values, '2.1')}-remove"] = "y"
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 200
    text = _text(html)
    assert "рекомендация 1.1: Научное общество второклассников и практики, которых вы не видите" in text
    assert "рекомендация 2.1: практики, которых вы не видите" in text
    assert "и ещё" not in text and "Черновик московской школы" not in text

    assert _post(client, f"/resolutions/{rid}/edit", edit_values(client, rid, html))[0] == 302
    page = _text(_get(client, f"/resolutions/{rid}")[1])
    assert "Удалено рекомендаций: 2, вместе с ними удалены их связи с практиками." in page
    assert "связи с практиками (" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(recommendation_practice)) == 0


def test_deleting_removes_it_with_its_recommendations_and_links(app, client, runner, methodist, saved):
    rid = saved["resolution"]
    collection = _collection(app, methodist, ("resolution", rid), ("recommendation", saved["1.2"]))
    anonymous = app.test_client()
    status, _, location = _post(client, f"/resolutions/{rid}/delete",
                                {"csrf_token": csrf_from(client, f"/resolutions/{rid}/delete")})
    assert status == 302 and location.endswith("/resolutions/import")
    assert "удалена." in _get(client, "/resolutions/import")[1]
    with app.app_context():
        assert db.session.get(Resolution, rid) is None
        assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 0
        assert db.session.scalar(select(func.count()).select_from(recommendation_practice)) == 0
        assert db.session.get(Practice, saved["practice"]) is not None
    [event] = _audit(app, "resolution_deleted")
    assert event.target_id == rid and event.details["title"].startswith("Резолюция областного")

    for number in ("1.1", "1.2", "2.1"):  # its recommendations' permalinks are gone as it is: «Материал удалён»
        assert _get(anonymous, f"/recommendations/{saved[number]}")[0] == 410
        assert _get(client, f"/recommendations/{saved[number]}")[0] == 410
    assert _get(anonymous, f"/recommendations/{max(saved[n] for n in ('1.1', '1.2', '2.1')) + 1}")[0] == 404
    assert _get(client, f"/resolutions/{rid}")[0] == 410  # it had been published: «Материал удалён»
    assert _get(anonymous, f"/api/v1/resolutions/{rid}")[0] == 410  # as its page
    assert _get(client, f"/collections/{collection}")[1].count('<h2 class="muted">Материал недоступен</h2>') == 2
    assert not _search_ids(anonymous, "исследовательская деятельность")
    assert _search_ids(anonymous, "научные общества") == {f"practice:{saved['practice']}"}
    record = _get(anonymous, f"/oai?verb=GetRecord&identifier=oai:localhost:resolution/{rid}&metadataPrefix=oai_dc")[1]
    assert 'status="deleted"' in record
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output


def test_a_drafts_permalinks_open_for_those_who_see_the_draft_only(app, client, make_user):
    """A draft's page links each recommendation to its permalink: they answered 404 to the methodist reading it."""
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        resolution = import_resolution_text(RESOLUTION, "seminar.txt", publish=False).resolution
        db.session.commit()
        rid, rec_id = resolution.id, resolution.recommendations[1].id
        anchor = resolution.recommendations[1].anchor
    for role, scope in (("methodist", "RU-CHE"), ("methodist", "RU-SMO"), ("admin", None)):
        reader = app.test_client()
        sign_in(reader, make_user(role, scope_region=scope))
        page = _get(reader, f"/resolutions/{rid}")[1]
        assert f'href="/recommendations/{rec_id}"' in page
        status, _, location = _get(reader, f"/recommendations/{rec_id}")
        assert status == 302 and location.endswith(f"/resolutions/{rid}#{anchor}")
    teacher = app.test_client()
    sign_in(teacher, make_user("teacher"))
    for reader in (teacher, app.test_client()):  # nobody else learns of the draft
        assert _get(reader, f"/recommendations/{rec_id}")[0] == 404
        assert _get(reader, f"/recommendations/{rec_id}/cite.ris")[0] == 404


def test_a_deleted_drafts_recommendations_are_not_found(app, client, methodist):
    """A draft never published leaves no tombstone: its recommendations answer 404, as its page; one unpublished
    before it was deleted had been public: 410."""
    from kb.resolutions.services import delete_resolution, import_resolution_text, unpublish_resolution

    with app.app_context():
        never = import_resolution_text(RESOLUTION, "seminar.txt", publish=False).resolution
        db.session.commit()
        never_ids = (never.id, [rec.id for rec in never.recommendations])
        delete_resolution(never)
        db.session.commit()
        once = import_resolution_text(RESOLUTION, "seminar.txt", publish=True).resolution
        db.session.commit()
        unpublish_resolution(once)
        db.session.commit()
        once_ids = (once.id, [rec.id for rec in once.recommendations])
        delete_resolution(db.session.get(Resolution, once.id))
        db.session.commit()
    assert _get(client, f"/resolutions/{never_ids[0]}")[0] == 404
    assert {_get(client, f"/recommendations/{rec_id}")[0] for rec_id in never_ids[1]} == {404}
    assert _get(client, f"/resolutions/{once_ids[0]}")[0] == 410
    assert {_get(client, f"/recommendations/{rec_id}")[0] for rec_id in once_ids[1]} == {410}


def test_a_draft_imported_by_mistake_leaves_the_drafts_list(app, client, methodist):
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        rid = import_resolution_text(RESOLUTION, "ошибка.txt").resolution.id
        db.session.commit()
    assert f'href="/resolutions/{rid}"' in _get(client, "/resolutions/import")[1]
    assert _post(client, f"/resolutions/{rid}/delete",
                 {"csrf_token": csrf_from(client, f"/resolutions/{rid}/delete")})[0] == 302
    assert f'href="/resolutions/{rid}"' not in _get(client, "/resolutions/import")[1]


# --------------------------------------------------------------------------------------------------
# Uploading it again


def test_uploading_a_saved_resolution_again_points_to_its_edit_form(app, client, methodist, saved):
    token = csrf_from(client, "/resolutions/import")
    with client.post("/resolutions/import", content_type="multipart/form-data",
                     data={"csrf_token": token, "file": (io.BytesIO(RESOLUTION.encode()), "исправленная.txt")}) as r:
        assert r.status_code == 200
        html = r.get_data(as_text=True)
    text = _text(html)
    assert "Эта резолюция уже загружена" in text and "нажмите «Изменить»" in text
    assert f'href="/resolutions/{saved["resolution"]}/edit"' in html


# --------------------------------------------------------------------------------------------------
# The API


def _api(client, method: str, url: str, headers: dict, **kwargs):
    with client.open(url, method=method, headers=headers, **kwargs) as response:
        return response.status_code, response.get_json(silent=True)


def test_the_api_unpublishes_publishes_and_deletes_for_moderators_only(app, make_user, make_token, saved):
    from tests.conftest import bearer

    rid = saved["resolution"]
    client = app.test_client()
    teacher = bearer(make_token(make_user("teacher")))
    methodist = bearer(make_token(make_user("methodist", scope_region="RU-KGN")))
    assert _api(client, "PATCH", f"/api/v1/resolutions/{rid}", {}, json={"status": "draft"})[0] == 401
    assert _api(client, "PATCH", f"/api/v1/resolutions/{rid}", teacher, json={"status": "draft"})[0] == 403
    assert _api(client, "DELETE", f"/api/v1/resolutions/{rid}", teacher)[0] == 403
    assert _api(client, "PATCH", "/api/v1/resolutions/999", methodist, json={"status": "draft"})[0] == 404
    status, body = _api(client, "PATCH", f"/api/v1/resolutions/{rid}", methodist, json={"status": "archived"})
    assert status == 422 and "Допустимые статусы" in str(body)

    status, body = _api(client, "PATCH", f"/api/v1/resolutions/{rid}", methodist, json={"status": "draft"})
    assert status == 200 and body["status"] == "draft" and body["id"] == rid
    assert _get(client, f"/api/v1/resolutions/{rid}")[0] == 404
    assert not _search_ids(client, "исследовательская деятельность")
    status, body = _api(client, "PATCH", f"/api/v1/resolutions/{rid}", methodist, json={"status": "published"})
    assert status == 200 and body["status"] == "published"
    assert f"resolution:{rid}" in _search_ids(client, "исследовательская деятельность")
    assert [e.details["via"] for e in _audit(app, "resolution_unpublished")] == ["api"]

    assert _api(client, "DELETE", f"/api/v1/resolutions/{rid}", methodist)[0] == 204
    assert _get(client, f"/api/v1/resolutions/{rid}")[0] == 410
    assert _get(client, f"/recommendations/{saved['1.1']}")[0] == 410
    assert not _search_ids(client, "исследовательская деятельность")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(recommendation_practice)) == 0
    # deleted after it had been public: gone, as its GET answers (a deleted draft stays 404)
    assert _api(client, "DELETE", f"/api/v1/resolutions/{rid}", methodist)[0] == 410


def test_the_migration_takes_a_resolutions_importer_from_the_audit_log(app, make_user):
    """Migration z1rsc0000001: the importer of a resolution saved before is the actor of its first «Резолюция
    загружена» that created it (a later upload of the same text is not)."""
    from flask_migrate import downgrade, upgrade

    from kb.accounts.models import User
    from kb.accounts.services import record
    from kb.resolutions.services import import_resolution_text

    importer, again = make_user("methodist", scope_region="RU-CHE"), make_user("methodist", scope_region="RU-SMO")
    with app.app_context():
        rid = import_resolution_text(RESOLUTION, "seminar.txt").resolution.id
        for user_id, created in ((again, False), (importer, True), (again, False)):
            record("resolution_imported", db.session.get(User, user_id), "resolution", rid,
                   details={"file": "seminar.txt", "created": created, "status": "draft"})
        db.session.commit()
        downgrade(revision="z1nam0000001")
        upgrade()
        db.session.expire_all()
        assert db.session.get(Resolution, rid).imported_by_id == importer
