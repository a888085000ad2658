"""Every recommendation of a resolution has a number and an anchor of its own: a permalink opens its own
recommendation, and the import preview refuses a number given twice."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from kb.extensions import db
from kb.resolutions.models import Recommendation, Resolution
from kb.resolutions.parser import ParsedRecommendation
from tests.test_resolution_web_import import SEMINAR, _count, methodist, preview_values, upload  # noqa: F401

NUMBERED_ITEMS = """РЕЗОЛЮЦИЯ
муниципальной конференции «Школьное научное общество»

Конференция состоялась 14 ноября 2023 г. в г. Челябинске, приняли участие 90 педагогов.

Участники конференции рекомендуют:
1. Управлению образования Чебаркульского городского округа:
1) провести муниципальный конкурс исследовательских работ младших школьников;
2) организовать сетевое взаимодействие школьных научных обществ.
2. Образовательным организациям:
1) создать школьные научные общества;
2) привлекать преподавателей вузов к руководству исследованиями.
"""


def _permalinks(app, client) -> list[tuple[str, str]]:
    """(anchor in the permalink's address, text of the item with that id on the page) of every recommendation."""
    with app.app_context():
        resolution = db.session.scalar(select(Resolution))
        ids = [rec.id for rec in resolution.recommendations]
        page_url = f"/resolutions/{resolution.id}"
    with client.get(page_url) as response:
        page = response.get_data(as_text=True)
    found = []
    for rec_id in ids:
        with client.get(f"/recommendations/{rec_id}") as response:
            anchor = response.headers["Location"].partition("#")[2]
        assert page.count(f'id="{anchor}"') == 1
        item = re.search(rf'<li id="{anchor}" class="rec">(.*?)</li>', page, re.S).group(1)
        found.append((anchor, " ".join(re.sub(r"<[^>]+>", " ", item).split())))
    return found


def test_numbered_items_under_numbered_addressees_get_permalinks_of_their_own(app, runner, tmp_path):
    path = tmp_path / "resolution.txt"
    path.write_text(NUMBERED_ITEMS, encoding="utf-8")
    assert runner.invoke(args=["import-resolution", str(path), "--publish"]).exit_code == 0
    with app.app_context():
        stored = [(r.number, r.addressee_type_code) for r in db.session.scalar(select(Resolution)).recommendations]
    assert stored == [("1.1", "municipal_authority"), ("1.2", "municipal_authority"),
                      ("2.1", "educational_organisations"), ("2.2", "educational_organisations")]
    links = _permalinks(app, app.test_client())
    assert [anchor for anchor, _ in links] == ["rec-1-1", "rec-1-2", "rec-2-1", "rec-2-2"]
    assert "создать школьные научные общества" in links[2][1]


def test_a_number_stored_twice_still_gives_each_recommendation_its_own_anchor(app):
    """Resolutions saved before numbers were checked may hold a number twice: the later one's anchor is its id."""
    from kb.resolutions.services import parse_resolution_text, save_resolution

    with app.app_context():
        structure = parse_resolution_text(NUMBERED_ITEMS)
        structure.recommendations = [
            ParsedRecommendation("1", "", None, "провести конкурс"),
            ParsedRecommendation("2", "", None, "организовать взаимодействие"),
            ParsedRecommendation("1", "", None, "создать общества"),
        ]
        save_resolution(structure, "resolution.txt", publish=True)
        db.session.commit()
        third = db.session.scalar(select(Recommendation.id).where(Recommendation.text == "создать общества"))
    links = _permalinks(app, app.test_client())
    assert links[0][0] == "rec-1" and links[1][0] == "rec-2"
    assert links[2] == (f"rec-id-{third}", links[2][1]) and "создать общества" in links[2][1]


def test_the_preview_refuses_a_number_given_twice(app, client, methodist):  # noqa: F811
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    assert [values[f"recommendations-{i}-number"] for i in range(3)] == ["1.1", "2.1", "2.2"]
    values["recommendations-2-number"] = "1.1"
    with client.post(location, data=values) as response:
        assert response.status_code == 400
        assert "Номер «1.1» уже есть у рекомендации выше: у каждой рекомендации должен быть свой номер." in (
            response.get_data(as_text=True))
    assert _count(app) == 0
    values["recommendations-2-remove"] = "y"  # a removed recommendation's number counts for nothing
    with client.post(location, data=values) as response:
        assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Recommendation)) == 2
