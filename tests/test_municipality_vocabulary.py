"""The municipalities of every region: an existing bank receives the new ones, /regions/<code> lists those with
published practices, a registry's name of a new administrative centre is read."""

import html
import re

import pytest
from sqlalchemy import delete, select

from kb.extensions import db
from kb.practices.models import Practice
from kb.vocabularies.models import Municipality
from tests.test_bulk_import import csv_bytes, practices
from tests.test_bulk_import_checks import _with, check


def _municipality_id(code: str) -> int:
    return db.session.scalar(select(Municipality.id).where(Municipality.code == code))


# -- an existing bank ----------------------------------------------------------------------------------------------


def test_init_gives_an_existing_bank_the_new_municipalities_and_keeps_its_own(app, make_practice):
    """A bank of the previous release had the centres of 19 regions: `init` adds the others, leaves a name the
    administrator edited as it is, and adds no second centre where the administrator already added it himself."""
    with app.app_context():
        # the bank as the previous release left it: no Салехард, no Ханты-Мансийск …
        db.session.execute(delete(Municipality).where(Municipality.code.in_(
            ["RU-YAN-salekhard", "RU-KHM-khanty-mansiysk", "RU-ORL-oryol"])))
        # … an administrator's own entries (the form folds «ё» and case; the centre written the short way) …
        db.session.add(Municipality(code="RU-KHM-g-khanty-mansiysk", name="г. Ханты-Мансийск", kind="город",
                                    region_code="RU-KHM"))
        db.session.add(Municipality(code="RU-ORL-gorodskoy-okrug-gorod-orel", name="Городской округ город Орел",
                                    kind="городской округ", region_code="RU-ORL"))
        # … and a shipped name edited
        db.session.get(Municipality, _municipality_id("RU-CHE-kopeysky")).name = "Копейский городской округ (ред.)"
        db.session.commit()
        own = _municipality_id("RU-KHM-g-khanty-mansiysk")
        pid = make_practice("Практика из Ханты-Мансийска", region_code="RU-KHM", municipality_id=own)

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        def names(region: str) -> list[str]:
            return sorted(db.session.scalars(select(Municipality.name).where(Municipality.region_code == region)))

        assert names("RU-YAN") == ["городской округ город Салехард"]
        assert names("RU-KHM") == ["г. Ханты-Мансийск"]
        assert names("RU-ORL") == ["Городской округ город Орел"]
        assert db.session.scalar(select(Municipality.name).where(Municipality.code == "RU-CHE-kopeysky")) == (
            "Копейский городской округ (ред.)")
        assert db.session.get(Practice, pid).municipality_id == own
        assert db.session.scalar(select(Municipality.kind).where(Municipality.code == "RU-YAN-salekhard")) == (
            "городской округ")
    again = app.test_cli_runner().invoke(args=["init"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert len(names("RU-KHM")) == 1 and len(names("RU-YAN")) == 1


def test_init_adds_no_second_centre_an_administrator_wrote_as_a_town(app):
    """The administrator added «г. Мурманск», «Волгоград», «г. Петрозаводск» and «Пермский городской округ» before
    the release that ships «городской округ город-герой Мурманск», «Петрозаводский городской округ» …: `init` gives
    none of these regions a second entry."""
    own = [("RU-MUR-g-murmansk", "г. Мурманск", "городской округ", "RU-MUR", "RU-MUR-murmansk"),
           ("RU-VGG-volgograd-own", "Волгоград", "город", "RU-VGG", "RU-VGG-volgograd"),
           ("RU-KR-petrozavodsk-own", "г. Петрозаводск", "городской округ", "RU-KR", "RU-KR-petrozavodsk"),
           ("RU-PER-permsky", "Пермский городской округ", "городской округ", "RU-PER", "RU-PER-perm"),
           ("RU-KEM-g-kemerovo", "город Кемерово", "город", "RU-KEM", "RU-KEM-kemerovo")]
    with app.app_context():
        for code, name, kind, region, shipped in own:
            db.session.execute(delete(Municipality).where(Municipality.code == shipped))
            db.session.add(Municipality(code=code, name=name, kind=kind, region_code=region))
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["init"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        for code, _name, _kind, region, _shipped in own:
            assert db.session.scalars(select(Municipality.code).where(Municipality.region_code == region)).all() == [
                code]


# -- /regions/<code> -----------------------------------------------------------------------------------------------


@pytest.fixture
def yamal(app, make_practice):
    """Practices of Ямало-Ненецкий АО: two published of Салехард, a draft, one in review and one returned of
    Салехард, one published without a municipality; one of Челябинская область."""
    with app.app_context():
        salekhard, kopeysk = _municipality_id("RU-YAN-salekhard"), _municipality_id("RU-CHE-kopeysky")
        for title in ("Тундровая школа", "Кочевая школа"):
            make_practice(title, region_code="RU-YAN", municipality_id=salekhard)
        for status in ("draft", "submitted", "returned"):
            make_practice(f"Черновик {status}", status=status, region_code="RU-YAN", municipality_id=salekhard)
        make_practice("Без муниципалитета", region_code="RU-YAN")
        make_practice("Копейская практика", municipality_id=kopeysk)


def test_a_region_page_lists_its_municipalities_with_their_published_practices(app, yamal):
    client = app.test_client()
    page = client.get("/regions/RU-YAN").get_data(as_text=True)
    assert "<h1" in page and "Ямало-Ненецкий автономный округ" in page
    entries = re.findall(r'<a href="(/search\?[^"]+)">([^<]*)</a>\s*<span class="count">(\d+)', page)
    assert [(label, count) for _link, label, count in entries] == [("городской округ город Салехард", "2")]
    link = html.unescape(entries[0][0])
    assert link == "/search?region=RU-YAN&municipality=RU-YAN-salekhard&type=practice"
    found = client.get(link).get_data(as_text=True)
    assert re.search(r"Найдено: <strong>2</strong>", found)
    assert "Черновик" not in page and "Черновик" not in found
    assert "Копейский" not in page
    # the region's practices, and how many name no municipality
    assert 'href="/search?region=RU-YAN&amp;type=practice"' in page
    assert "муниципалитет не указан у 1 практики" in page
    # /regions leads there from a region with such practices, and from none without
    regions = client.get("/regions").get_data(as_text=True)
    assert 'href="/regions/RU-YAN"' in regions and 'href="/regions/RU-CHE"' in regions
    assert 'href="/regions/RU-KHM"' not in regions


def test_a_region_page_without_municipal_practices_says_so(app, yamal):
    client = app.test_client()
    page = client.get("/regions/RU-KHM").get_data(as_text=True)
    assert "Ханты-Мансийский автономный округ" in page
    assert "Опубликованных практик из этого региона пока нет." in page
    assert 'class="count"' not in page
    assert client.get("/regions/KZ").status_code == 200
    for unknown in ("/regions/RU-XXX", "/regions/ru-yan", "/regions/%3Cb%3E"):
        assert client.get(unknown).status_code == 404, unknown


def test_a_region_page_of_practices_without_municipalities(app, make_practice):
    with app.app_context():
        make_practice("Практика без муниципалитета", region_code="RU-KHM")
        make_practice("Московская практика", region_code="RU-MOW")
    client = app.test_client()
    page = client.get("/regions/RU-KHM").get_data(as_text=True)
    assert "Ни в одной опубликованной практике этого региона муниципалитет не указан." in page
    assert 'href="/search?region=RU-KHM&amp;type=practice">1 практика</a>' in page
    federal_city = client.get("/regions/RU-MOW").get_data(as_text=True)
    assert "В словаре банка нет муниципалитетов этого региона." in federal_city


# -- a registry's names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("region", "name", "found"), [
    ("Ямало-Ненецкий автономный округ", "г. Салехард", "городской округ город Салехард"),
    ("Ямало-Ненецкий автономный округ", "Салехард", "городской округ город Салехард"),
    ("Ямало-Ненецкий автономный округ", "городской округ город Салехард", "городской округ город Салехард"),
    ("Ханты-Мансийский автономный округ — Югра", "г. Ханты-Мансийск", "городской округ Ханты-Мансийск"),
    ("Республика Ингушетия", "г. Магас", "городской округ город Магас"),
    ("Орловская область", "г. Орел", "городской округ город Орёл"),
    ("Мурманская область", "г. Мурманск", "городской округ город-герой Мурманск"),
    ("Волгоградская область", "город Волгоград", "городской округ город-герой Волгоград"),
    ("Кемеровская область — Кузбасс", "г. Кемерово", "Кемеровский городской округ"),
    ("Приморский край", "г. Владивосток", "Владивостокский городской округ"),
    ("Ленинградская область", "Гатчинский муниципальный округ", "Гатчинский муниципальный округ"),
    ("Ленинградская область", "Гатчинский район", "Гатчинский муниципальный округ"),
    ("Ленинградская область", "г. Гатчина", "Гатчинский муниципальный округ"),
    # «Ставрополь» is also the region's other name («Ставрополье»): the town is still the town
    ("Ставропольский край", "г. Ставрополь", "городской округ город Ставрополь"),
    ("Ставропольский край", "Ставрополь", "городской округ город Ставрополь"),
    ("Ямало-Ненецкий автономный округ", "г. Ханты-Мансийск", None),  # another region's centre
])
def test_a_registry_row_names_a_new_centre(app, make_user, region, name, found):
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Муниципалитет", name, _with("Регион", region))]), dry_run=False)
    assert not report.rows[0].failed
    assert (report.rows[0].warnings == []) == (found is not None), report.rows[0].warnings
    municipality = practices(app)[0].municipality
    assert (municipality.name if municipality else None) == found


# -- the practice form ---------------------------------------------------------------------------------------------


def test_the_practice_form_offers_each_region_its_centre(teacher_client):
    page = teacher_client.get("/practices/new").get_data(as_text=True)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page, flags=re.S)
    by_region = {html.unescape(label): re.findall(r">([^<]+)</option>", options) for label, options in groups}
    assert by_region["Орловская область"] == ["городской округ город Орёл"]
    assert by_region["Ленинградская область"] == ["Гатчинский муниципальный округ"]
    assert by_region["Ямало-Ненецкий автономный округ"] == ["городской округ город Салехард"]
    chelyabinsk = by_region["Челябинская область"]
    assert len(chelyabinsk) == 43
    assert chelyabinsk == sorted(chelyabinsk, key=lambda name: name.casefold().replace("ё", "е\U0010ffff"))
    labels = list(by_region)
    assert labels.index("Белгородская область") < labels.index("Челябинская область") < labels.index(
        "Чукотский автономный округ")
    assert "Москва" not in by_region and "Республика Казахстан" not in by_region
