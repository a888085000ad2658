"""Practices linked to the recommendations they answer: who may link, both pages show the links, drafts never leak."""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import func, inspect, select

from kb.extensions import db
from kb.resolutions.models import Recommendation, recommendation_practice
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

DRAFT_RESOLUTION = """РЕЗОЛЮЦИЯ
городского совещания «Черновые рекомендации»

Дата проведения: 1 марта 2024 года

Участники рекомендуют:
1) Педагогам:
– секретная черновая рекомендация о кружках робототехники."""


@pytest.fixture
def recs(app) -> dict[str, int]:
    """Recommendation ids by number: "1.1", "1.2", "2.1" (published) and "draft" (of an unpublished resolution)."""
    from kb.resolutions.services import import_resolution_text

    with app.app_context():
        published = import_resolution_text(RESOLUTION, "seminar.txt", publish=True).resolution
        draft = import_resolution_text(DRAFT_RESOLUTION, "draft.txt").resolution
        db.session.commit()
        ids = {r.number: r.id for r in published.recommendations}
        ids["draft"] = draft.recommendations[0].id
        ids["resolution"] = published.id
        return ids


@pytest.fixture
def new_practice(app, make_practice):
    """make_practice inside an application context; returns the practice id."""

    def factory(*args, **fields) -> int:
        with app.app_context():
            return make_practice(*args, **fields)

    return factory


@pytest.fixture
def author(make_user):
    return make_user("teacher", email="author@example.org")


def _link(client, practice_id: int, *rec_ids: int, with_token: bool = True):
    data = {"recommendations": [str(i) for i in rec_ids]}
    if with_token:
        data["csrf_token"] = csrf_from(client, f"/practices/{practice_id}")
    return client.post(f"/practices/{practice_id}/recommendations", data=data)


def _linked(app, practice_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(recommendation_practice.c.recommendation_id)
                                      .where(recommendation_practice.c.practice_id == practice_id)))


def test_the_table_comes_from_the_migration(app):
    with app.app_context():
        columns = {c["name"] for c in inspect(db.engine).get_columns("recommendation_practice")}
    assert columns == {"recommendation_id", "practice_id"}


def test_the_author_links_a_practice_and_both_pages_show_it(app, client, new_practice, author, recs):
    practice_id = new_practice("Научное общество второклассников", owner_id=author)
    sign_in(client, author)
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Отвечает рекомендациям" in page and "Связать с рекомендацией" in page
    assert "секретная черновая" not in page  # recommendations of unpublished resolutions are not offered
    # nothing chosen in advance: «Связать» without a choice links nothing
    assert '<option value="" selected disabled>— выберите рекомендацию —</option>' in page
    token = csrf_from(client, f"/practices/{practice_id}")
    assert "Выберите хотя бы одну рекомендацию." in client.post(
        f"/practices/{practice_id}/recommendations", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert _linked(app, practice_id) == set()

    response = _link(client, practice_id, recs["1.1"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/practices/{practice_id}#recommendations")
    assert _linked(app, practice_id) == {recs["1.1"]}

    anonymous = app.test_client()
    practice_page = anonymous.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Отвечает рекомендациям" in practice_page
    assert f'href="/recommendations/{recs["1.1"]}"' in practice_page
    assert "поддерживать школьные научные общества" in practice_page
    assert "Связать с рекомендацией" not in practice_page and "убрать связь" not in practice_page

    resolution_page = anonymous.get(f"/resolutions/{recs['resolution']}").get_data(as_text=True)
    assert "Практики, реализующие рекомендацию" in resolution_page
    assert f'href="/practices/{practice_id}"' in resolution_page
    assert resolution_page.count("Научное общество второклассников") == 1

    body = anonymous.get(f"/api/v1/resolutions/{recs['resolution']}").json
    linked = {r["number"]: r["practices"] for r in body["recommendations"]}
    assert linked["1.1"] == [{"id": practice_id, "title": "Научное общество второклассников",
                              "url": f"/practices/{practice_id}"}]
    assert linked["1.2"] == []


def test_a_practice_without_links_shows_no_section_to_readers(app, new_practice, recs):
    practice_id = new_practice("Практика без связей")
    assert "Отвечает рекомендациям" not in app.test_client().get(f"/practices/{practice_id}").get_data(as_text=True)


def test_linking_twice_adds_nothing_and_draft_resolutions_cannot_be_linked(app, client, new_practice, author,
                                                                           recs):
    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    _link(client, practice_id, recs["1.1"], recs["2.1"])
    again = _link(client, practice_id, recs["1.1"], recs["draft"])
    assert again.status_code == 302
    assert "уже связаны" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert _linked(app, practice_id) == {recs["1.1"], recs["2.1"]}
    bad = _link(client, practice_id, 999999)
    assert bad.status_code == 302 and _linked(app, practice_id) == {recs["1.1"], recs["2.1"]}
    nothing = client.post(f"/practices/{practice_id}/recommendations",
                          data={"csrf_token": csrf_from(client, f"/practices/{practice_id}"), "recommendations": "x"},
                          follow_redirects=True)
    assert "Выберите хотя бы одну рекомендацию." in nothing.get_data(as_text=True)
    # beyond what an id column holds (the database itself failed on it), not a number, a sign, other digits
    for junk in (str(10**30), str(2**31), "-5", "0", "1e3", "\uff11\uff12", " "):
        page = client.post(f"/practices/{practice_id}/recommendations",
                           data={"csrf_token": csrf_from(client, f"/practices/{practice_id}"), "recommendations": junk},
                           follow_redirects=True)
        assert page.status_code == 200, junk
        assert "Выберите хотя бы одну рекомендацию." in page.get_data(as_text=True), junk
    mixed = client.post(f"/practices/{practice_id}/recommendations", follow_redirects=True, data={
        "csrf_token": csrf_from(client, f"/practices/{practice_id}"),
        "recommendations": [str(10**30), "x", str(recs["1.2"])]})
    assert "Связано рекомендаций: 1." in mixed.get_data(as_text=True)
    assert _linked(app, practice_id) == {recs["1.1"], recs["2.1"], recs["1.2"]}


def test_unlinking(app, client, new_practice, author, recs):
    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    _link(client, practice_id, recs["1.1"], recs["1.2"])
    url = f"/practices/{practice_id}/recommendations/{recs['1.1']}/delete"
    response = client.post(url, data={"csrf_token": csrf_from(client, f"/practices/{practice_id}")})
    assert response.status_code == 302
    assert _linked(app, practice_id) == {recs["1.2"]}


def test_linking_needs_a_csrf_token(app, client, new_practice, author, recs):
    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    response = _link(client, practice_id, recs["1.1"], with_token=False)
    assert response.status_code == 400
    assert _linked(app, practice_id) == set()
    unlink = client.post(f"/practices/{practice_id}/recommendations/{recs['1.1']}/delete")
    assert unlink.status_code == 400


@pytest.mark.parametrize("who, status", [
    ("anonymous", 302),
    ("other_teacher", 403),
    ("methodist_out_of_scope", 403),
    ("methodist_in_scope", 302),
    ("admin", 302),
    ("author", 302),
])
def test_who_may_link_a_published_practice(app, make_user, new_practice, author, recs, who, status):
    practice_id = new_practice(owner_id=author, region_code="RU-CHE")
    users = {
        "other_teacher": lambda: make_user("teacher"),
        "methodist_out_of_scope": lambda: make_user("methodist", scope_region="RU-SMO"),
        "methodist_in_scope": lambda: make_user("methodist", scope_region="RU-CHE"),
        "admin": lambda: make_user("admin"),
        "author": lambda: author,
    }
    client = app.test_client()
    if who != "anonymous":
        sign_in(client, users[who]())
    token = csrf_from(client, "/login" if who == "anonymous" else f"/practices/{practice_id}")
    response = client.post(f"/practices/{practice_id}/recommendations",
                           data={"csrf_token": token, "recommendations": [str(recs["1.1"])]})
    assert response.status_code == status
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
    expected = {recs["1.1"]} if status == 302 and who != "anonymous" else set()
    assert _linked(app, practice_id) == expected
    choose = client.get(f"/practices/{practice_id}/recommendations")
    assert choose.status_code == (200 if expected else status)


def test_an_unseen_draft_practice_answers_404(app, make_user, new_practice, author, recs):
    practice_id = new_practice(owner_id=author, status="draft")
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    token = csrf_from(client, "/profile")
    response = client.post(f"/practices/{practice_id}/recommendations",
                           data={"csrf_token": token, "recommendations": [str(recs["1.1"])]})
    assert response.status_code == 404
    assert _linked(app, practice_id) == set()


def test_a_linked_draft_practice_never_leaks_through_the_recommendation(app, client, make_user, new_practice,
                                                                        author, recs):
    title = "Черновик: тайная практика"
    practice_id = new_practice(title, owner_id=author, status="draft", region_code="RU-CHE")
    sign_in(client, author)
    assert _link(client, practice_id, recs["2.1"]).status_code == 302
    url = f"/resolutions/{recs['resolution']}"

    own = client.get(url).get_data(as_text=True)
    assert title in own and "Практики, реализующие рекомендацию" in own

    for viewer in (None, make_user("teacher"), make_user("methodist", scope_region="RU-SMO")):
        other = app.test_client()
        if viewer is not None:
            sign_in(other, viewer)
        page = other.get(url).get_data(as_text=True)
        assert title not in page
        assert f'href="/practices/{practice_id}"' not in page
        assert "Практики, реализующие рекомендацию" not in page

    moderator = app.test_client()
    sign_in(moderator, make_user("methodist", scope_region="RU-CHE"))
    assert title in moderator.get(url).get_data(as_text=True)

    body = app.test_client().get(f"/api/v1/resolutions/{recs['resolution']}").json
    assert all(rec["practices"] == [] for rec in body["recommendations"])
    assert title not in str(body)


def test_finding_recommendations_by_words(app, client, new_practice, author, recs):
    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    page = client.get(f"/practices/{practice_id}/recommendations", query_string={"words": "научных обществ"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'value="{recs["1.1"]}"' in html and f'value="{recs["1.2"]}"' not in html
    assert f'value="{recs["draft"]}"' not in client.get(
        f"/practices/{practice_id}/recommendations", query_string={"words": "робототехники"}).get_data(as_text=True)
    found = client.get(f"/practices/{practice_id}/recommendations", query_string={"words": "семинара педагогам"})
    assert f'value="{recs["2.1"]}"' in found.get_data(as_text=True)  # the resolution's title and the addressee
    assert f'value="{recs["1.1"]}"' not in found.get_data(as_text=True)
    assert "Рекомендаций с такими словами нет." in client.get(
        f"/practices/{practice_id}/recommendations", query_string={"words": "астрономия"}).get_data(as_text=True)


def test_linking_nothing_from_the_search_page_shows_the_same_results_with_the_message(app, client, new_practice,
                                                                                      author, recs):
    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    with client.get(f"/practices/{practice_id}/recommendations", query_string={"words": "школьные"}) as search:
        html = search.get_data(as_text=True)
    action = lxml.html.fromstring(html).xpath("//form[contains(@class, 'link-form')]")[0].get("action")
    assert "words=" in action and action.endswith("#found")
    with client.post(action.split("#")[0], data={"csrf_token": csrf_from(client, f"/practices/{practice_id}")}) as page:
        assert page.status_code == 400  # the page again, not a redirect to the practice
        doc = lxml.html.fromstring(page.get_data(as_text=True))
    assert doc.get_element_by_id("rec-q").get("value") == "школьные"
    found = doc.get_element_by_id("found")
    assert {box.get("value") for box in found.xpath(".//input[@name='recommendations']")} == {
        str(recs["1.1"]), str(recs["1.2"]), str(recs["2.1"])}  # the resolution's title has «школьников»
    error = found.xpath(".//fieldset/*[@id='rec-error']")[0]  # in the list, under «Найдено: 3»
    assert error.text_content() == "Отметьте хотя бы одну рекомендацию в списке." and error.get("role") == "alert"
    assert found.xpath(".//fieldset")[0].get("aria-describedby") == "rec-error"
    assert _linked(app, practice_id) == set()


@pytest.mark.parametrize("words, expected", [
    ("научного общества", {"1.1"}),  # «научные общества»: another ending; not «сообществе» (2.1)
    ("общество", {"1.1"}),
    ("сообщества", {"2.1"}),
    ("МИР", {"mir"}),  # not «формированию»
    ("формировании", {"forming"}),
    ("кружок", {"forming", "scientists"}),  # «кружков», «кружки»
    ("ученых", {"scientists"}),  # «учёных»
    ("учёные", {"scientists"}),
    ("детей", set()),
])
def test_words_are_found_at_the_start_of_words_not_inside_them(app, recs, words, expected):
    from kb.resolutions.services import find_recommendations, import_resolution_text

    with app.app_context():
        other = import_resolution_text("""РЕЗОЛЮЦИЯ
круглого стола «Юные исследователи»

Дата проведения: 1 марта 2021 года

Участники рекомендуют:
1) Педагогам:
– открывать мир исследовательской работы младшим школьникам;
– содействовать формированию кружков исследовательской направленности;
– приглашать учёных в школьные кружки.""", "round.txt", publish=True).resolution
        names = dict(zip([rec.id for rec in other.recommendations], ["mir", "forming", "scientists"], strict=True))
        db.session.commit()
        numbers = {rec.id: rec.number for rec in find_recommendations(words)}
    assert {names.get(rec_id, number) for rec_id, number in numbers.items()} == expected


@pytest.mark.parametrize("words, expected", [
    ("сетевое партнёрство", {"network"}),  # the search's synonyms: «сетевое взаимодействие»
    ("сетевого партнерства школ", {"network"}),  # every other word still needed
    ("ООП", {"special"}),  # «особые образовательные потребности»
    ("обучающихся ООП", {"special"}),
    ("ВКС", {"video"}),  # «видеоконференцсвязь»
    ("видеоконференцсвязь", {"video"}),
    ("партнёрство", {"partners"}),  # a word alone is no phrase of the table: its stem only
    ("сетевое сотрудничество кружков", set()),
])
def test_the_picker_finds_synonyms_and_abbreviations_as_the_search_does(app, words, expected):
    """«сетевое партнёрство» did not find «сетевого взаимодействия», «ООП» found nothing, while /search found both."""
    from kb.resolutions.services import find_recommendations, import_resolution_text

    with app.app_context():
        other = import_resolution_text("""РЕЗОЛЮЦИЯ
круглого стола «Юные исследователи»

Дата проведения: 1 марта 2021 года

Участники рекомендуют:
1) Образовательным организациям:
– развивать сетевое взаимодействие школ и вузов;
– поддерживать обучающихся с особыми образовательными потребностями;
– проводить заседания с использованием видеоконференцсвязи;
– искать социальных партнёров и развивать партнёрство с родителями.""", "round.txt", publish=True).resolution
        names = dict(zip([rec.id for rec in other.recommendations], ["network", "special", "video", "partners"],
                         strict=True))
        db.session.commit()
        found = {names.get(rec.id, rec.number) for rec in find_recommendations(words)}
    assert found == expected


def test_deleting_a_practice_removes_its_links(app, client, new_practice, author, recs):
    practice_id = new_practice(owner_id=author, status="draft")
    sign_in(client, author)
    _link(client, practice_id, recs["1.1"])
    response = client.post(f"/practices/{practice_id}/delete",
                           data={"csrf_token": csrf_from(client, f"/practices/{practice_id}")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(recommendation_practice)) == 0
        assert db.session.get(Recommendation, recs["1.1"]) is not None


def test_the_question_before_deleting_names_what_goes_with_the_practice(app, client, new_practice, author, recs,
                                                                         make_user):
    """It said «история изменений и приложенные файлы» only: the links and the reports went unmentioned."""
    from kb.adoption.models import PracticeAdoption
    from kb.attachments.models import Attachment
    from kb.collections.models import Collection, CollectionItem

    practice_id = new_practice(owner_id=author, status="draft")
    sign_in(client, author)
    page = client.get(f"/practices/{practice_id}/delete").get_data(as_text=True)
    assert "связи с" not in page and "о внедрении" not in page and "Материал недоступен" not in page
    _link(client, practice_id, recs["1.1"], recs["2.1"])
    other = make_user("teacher", email="reader@example.org")
    with app.app_context():
        db.session.add(PracticeAdoption(practice_id=practice_id, organisation="МАОУ «СОШ № 7»"))
        file = Attachment(practice_id=practice_id, original_name="Положение.docx", kind="docx", size=1, sha256="0" * 64)
        db.session.add(file)
        db.session.flush()
        for owner in (author, other):
            collection = Collection(owner_id=owner, title="Подборка", title_folded="подборка", share_token=str(owner))
            collection.items.append(CollectionItem(item_type="practice", item_id=practice_id, position=0))
            db.session.add(collection)
        # a third list holds one of its files only (a file on its own goes when its practice does)
        collection = Collection(owner_id=other, title="Файлы", title_folded="файлы", share_token="files")
        collection.items.append(CollectionItem(item_type="attachment", item_id=file.id, position=0))
        db.session.add(collection)
        db.session.commit()
    page = " ".join(client.get(f"/practices/{practice_id}/delete").get_data(as_text=True).split())
    assert "1 отчёт о внедрении в других организациях" in page
    assert "связи с 2 рекомендациями резолюций" in page
    assert "Практика или её файлы есть в 3 подборках: там они останутся строкой «Материал недоступен»." in page


def test_links_keep_the_index_true_to_the_database(app, client, runner, new_practice, author, recs):
    from kb.search.services import sync

    practice_id = new_practice(owner_id=author)
    sign_in(client, author)
    _link(client, practice_id, recs["1.1"], recs["2.1"])
    with app.app_context():
        sync()
    result = runner.invoke(args=["check-index"])
    assert result.exit_code == 0, result.output


def test_the_practice_api_lists_the_recommendations_it_answers(app, client, new_practice, author, recs):
    practice_id = new_practice("Научное общество второклассников", owner_id=author)
    other_id = new_practice("Практика без связей", owner_id=author)
    sign_in(client, author)
    assert _link(client, practice_id, recs["1.1"], recs["2.1"]).status_code == 302
    with app.app_context():  # a link to a draft resolution's recommendation, made behind the form's back
        db.session.execute(recommendation_practice.insert().values(recommendation_id=recs["draft"],
                                                                   practice_id=practice_id))
        db.session.commit()

    anonymous = app.test_client()
    body = anonymous.get(f"/api/v1/practices/{practice_id}").json
    assert [(r["id"], r["number"], r["addressee"]) for r in body["recommendations"]] == [
        (recs["1.1"], "1.1", "Общеобразовательным организациям"),
        (recs["2.1"], "2.1", "Педагогам"),
    ]
    assert body["recommendations"][0]["resolution"]["url"] == f"/resolutions/{recs['resolution']}"
    assert body["recommendations"][0]["url"] == f"/recommendations/{recs['1.1']}"
    assert anonymous.get(f"/api/v1/practices/{other_id}").json["recommendations"] == []
