"""The municipalities a resolution names: found by the parser, stored, edited, shown, exported and searched."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from kb.extensions import db
from kb.resolutions.municipalities import MunicipalityFinder
from kb.resolutions.parser import parse_resolution
from kb.resolutions.services import gazetteer
from kb.vocabularies import data
from kb.vocabularies.models import Municipality
from tests.conftest import sign_in
from tests.test_resolution_edit import _get, _post, edit_values

# Read from the seed by hand: «образовательные организации 12 городских округов: (Верхнеуфалейский, Карабашский,
# Копейский, Кыштымский, Магнитогорский, Миасский, Снежинский, Трехгорный, Троицкий, Чебаркульский, Челябинский,
# Южно-Уральский городские округа) и 15 муниципальных районов Челябинской области (Аргаяшский, Ашинский,
# Брединский, Верхнеуральский, Еманжелинский, Еткульский, Карталинский, Каслинский, Катав-Ивановский, Коркинский,
# Красноармейский, Нагабайкский [sic: Нагайбакский], Пластовский, Саткинский, Сосновский)».
SEED_CITY_OKRUGS = {
    "RU-CHE-verkhneufaleysky", "RU-CHE-karabashsky", "RU-CHE-kopeysky", "RU-CHE-kyshtymsky", "RU-CHE-magnitogorsky",
    "RU-CHE-miassky", "RU-CHE-snezhinsky", "RU-CHE-tryokhgorny", "RU-CHE-troitsky", "RU-CHE-chebarkulsky",
    "RU-CHE-chelyabinsky", "RU-CHE-yuzhnouralsky",
}
SEED_DISTRICTS = {
    "RU-CHE-argayashsky", "RU-CHE-ashinsky", "RU-CHE-bredinsky", "RU-CHE-verkhneuralsky", "RU-CHE-yemanzhelinsky",
    "RU-CHE-yetkulsky", "RU-CHE-kartalinsky", "RU-CHE-kaslinsky", "RU-CHE-katav-ivanovsky", "RU-CHE-korkinsky",
    "RU-CHE-krasnoarmeysky", "RU-CHE-nagaybaksky", "RU-CHE-plastovsky", "RU-CHE-satkinsky", "RU-CHE-sosnovsky",
}

MAGNITOGORSK = """РЕЗОЛЮЦИЯ
городского семинара «Школьные научные общества»

Место проведения: г. Магнитогорск
Дата проведения: 14 марта 2024 года

В семинаре приняли участие педагоги Магнитогорска, Копейского городского округа, Агаповского муниципального
района и гости из Москвы.

Участники семинара рекомендуют:
1) Министерству образования и науки Республики Татарстан:
– изучить опыт школьных научных обществ.
"""


@pytest.fixture(scope="module")
def finder() -> MunicipalityFinder:
    return MunicipalityFinder.from_rows(data.MUNICIPALITIES, data.MUNICIPALITY_TOWNS, data.MUNICIPALITY_HOMONYMS,
                                        data.FEDERAL_CITIES)


def _codes(finder: MunicipalityFinder, text: str, regions=()) -> list[str]:
    return [found.code for found in finder.find(text, regions)]


# --------------------------------------------------------------------------------------------------
# The parser


def test_the_chelyabinsk_seed_names_its_12_city_okrugs_and_15_districts(finder, seeds_dir):
    text = (seeds_dir / "resolution_chelyabinsk_2017.txt").read_text(encoding="utf-8")
    parsed = parse_resolution(text, gazetteer(), finder)
    found = set(parsed.municipality_codes)
    assert found == SEED_CITY_OKRUGS | SEED_DISTRICTS
    assert len(parsed.municipality_codes) == 27
    # the misspelt «Нагабайкский» is read as the district, and the methodist is told
    assert any("Нагабайкский" in w and "Нагайбакский муниципальный район" in w for w in parsed.warnings)
    # «Троицкий» and «Чебаркульский» of the okrugs' list are the okrugs, not the districts of the same names
    assert "RU-CHE-troitsky-rayon" not in found and "RU-CHE-chebarkulsky-rayon" not in found


@pytest.mark.parametrize(("text", "regions", "expected"), [
    ("педагоги Копейского городского округа", (), ["RU-CHE-kopeysky"]),
    ("школы Агаповского муниципального района", (), ["RU-CHE-agapovsky"]),
    ("в Каслинском районе", (), ["RU-CHE-kaslinsky"]),
    ("опыт г. Магнитогорска", (), ["RU-CHE-magnitogorsky"]),
    ("Магнитогорск", ("RU-CHE",), ["RU-CHE-magnitogorsky"]),
    ("семинар в Миассе", (), ["RU-CHE-miassky"]),
    ("гости из Миасса", (), ["RU-CHE-miassky"]),
    ("педагоги г. Магнитогорска и Миасса", (), ["RU-CHE-magnitogorsky", "RU-CHE-miassky"]),
    ("ЗАТО Трёхгорный", (), ["RU-CHE-tryokhgorny"]),
    ("Трехгорного городского округа", (), ["RU-CHE-tryokhgorny"]),
    ("Южно-Уральского городского округа", (), ["RU-CHE-yuzhnouralsky"]),
    ("город Верхний Уфалей", (), ["RU-CHE-verkhneufaleysky"]),
    ("Чебаркульский и Троицкий районы", ("RU-CHE",), ["RU-CHE-chebarkulsky-rayon", "RU-CHE-troitsky-rayon"]),
    ("Кыштымский, Миасский и Снежинский городские округа", (),
     ["RU-CHE-kyshtymsky", "RU-CHE-miassky", "RU-CHE-snezhinsky"]),
])
def test_inflected_names_towns_and_lists(finder, text, regions, expected):
    assert _codes(finder, text, regions) == expected


def test_every_regional_centre_is_found_as_a_town(finder):
    """The municipality of each region's centre is found by «г. <centre>», an okrug named by an adjective
    («Пермский городской округ», «Гатчинский муниципальный округ») or a «город-герой» as well."""
    missed = {}
    for region in data.REGIONS:
        own = [m for m in data.MUNICIPALITIES if m["region"] == region["code"]]
        centre = [m["code"] for m in own if region["center"] in data.municipality_towns(m["code"], m["name"])]
        if own and (not centre or _codes(finder, f"Место проведения: г. {region['center']}") != centre):
            missed[region["code"]] = (region["center"], centre)
    assert missed == {}


# The centres pymorphy3 does not know, inflected by hand: (locative, genitive).
_CENTRE_FORMS_BY_HAND = {"Магас": ("Магасе", "Магаса")}


def _inflected(town: str, case: str) -> str:
    """A town's name in a case, each word inflected by pymorphy3 (as a place, or an adjective: «Великом
    Новгороде»), its capitals kept («Ростове-на-Дону»)."""
    from indexer.analysis import morphology

    if town in _CENTRE_FORMS_BY_HAND:
        return _CENTRE_FORMS_BY_HAND[town][case == "gent"]
    words = []
    for word in town.split():
        parses = morphology().parse(word)
        parse = next((p for p in parses if "Geox" in p.tag), None) or next(p for p in parses if p.tag.POS == "ADJF")
        inflected = parse.inflect({case}).word
        words.append("-".join(part.capitalize() if original[:1].isupper() else part
                              for part, original in zip(inflected.split("-"), word.split("-"), strict=True)))
    return " ".join(words)


def test_every_regional_centre_is_found_inflected_after_a_preposition(finder):
    """«в Петропавловске-Камчатском», «из Великого Новгорода», «в Улан-Удэ», «в городе Йошкар-Оле»: the
    locative after «в» and «в городе», the genitive after «из», of every centre the vocabulary has a municipality
    of."""
    missed = {}
    for region in data.REGIONS:
        own = [m for m in data.MUNICIPALITIES if m["region"] == region["code"]]
        if not own:
            continue
        centre = [m["code"] for m in own if region["center"] in data.municipality_towns(m["code"], m["name"])]
        locative, genitive = _inflected(region["center"], "loct"), _inflected(region["center"], "gent")
        for text in (f"семинар в {locative} прошёл", f"гости из {genitive} и педагоги", f"в городе {locative}",
                     f"семинар в {locative}."):
            if _codes(finder, text) != centre:
                missed[text] = _codes(finder, text)
    assert missed == {}


@pytest.mark.parametrize(("text", "expected"), [
    ("в Петропавловске-Камчатском", ["RU-KAM-petropavlovsk-kamchatsky"]),
    ("из Петропавловска-Камчатского", ["RU-KAM-petropavlovsk-kamchatsky"]),
    ("в Ханты-Мансийске", ["RU-KHM-khanty-mansiysk"]),
    ("в Южно-Сахалинске", ["RU-SAK-yuzhno-sakhalinsk"]),
    ("в Йошкар-Оле", ["RU-ME-yoshkar-ola"]),
    ("в Горно-Алтайске", ["RU-AL-gorno-altaysk"]),
    ("в Улан-Удэ", ["RU-BU-ulan-ude"]),
    ("из Улан-Удэ", ["RU-BU-ulan-ude"]),
    ("в Нарьян-Маре", ["RU-NEN-naryan-mar"]),
    ("в Великом Новгороде", ["RU-NGR-veliky-novgorod"]),
    ("из Великого Новгорода", ["RU-NGR-veliky-novgorod"]),
    ("в Нижнем Новгороде", ["RU-NIZ-nizhny-novgorod"]),
    ("из Нижнего Новгорода", ["RU-NIZ-nizhny-novgorod"]),
    ("в городе Нижний Новгород", ["RU-NIZ-nizhny-novgorod"]),
    ("в Ростове-на-Дону", ["RU-ROS-rostov-na-donu"]),
    ("в г. Ростове-на-Дону", ["RU-ROS-rostov-na-donu"]),
    ("в Орле", ["RU-ORL-oryol"]),
    ("из Орла", ["RU-ORL-oryol"]),
    ("в Кирове", ["RU-KIR-kirov"]),
    ("в Грозном", ["RU-CE-grozny"]),
    ("в Грозном педагоги школ обсудили", ["RU-CE-grozny"]),
    ("в Трёхгорном прошёл семинар", ["RU-CHE-tryokhgorny"]),
    ("в Чебоксарах", ["RU-CU-cheboksary"]),
    ("в Кемерове", ["RU-KEM-kemerovo"]),
    ("в Кемерово", ["RU-KEM-kemerovo"]),
    ("в Верхнем Уфалее", ["RU-CHE-verkhneufaleysky"]),
    ("из Усть-Катава", ["RU-CHE-ust-katavsky"]),
    ("в городе Улан-Удэ", ["RU-BU-ulan-ude"]),
    ("в городе Петропавловске-Камчатском", ["RU-KAM-petropavlovsk-kamchatsky"]),
])
def test_hyphenated_two_word_and_indeclinable_towns_inflected(finder, text, expected):
    assert _codes(finder, text) == expected


@pytest.mark.parametrize(("text", "regions", "expected"), [
    ("семинар в Волгограде", (), ["RU-VGG-volgograd"]),
    ("педагоги Мурманска", ("RU-MUR",), ["RU-MUR-murmansk"]),  # a bare town: in a region the text names
    ("педагоги Мурманска", (), []),
    ("в городе-герое Мурманске", (), ["RU-MUR-murmansk"]),
    ("город Петрозаводск", (), ["RU-KR-petrozavodsk"]),
    ("в Перми", (), ["RU-PER-perm"]),
    ("г. Гатчина", (), ["RU-LEN-gatchinsky"]),
    ("Пермского городского округа", (), ["RU-PER-perm"]),
])
def test_new_centres_inflected(finder, text, regions, expected):
    assert _codes(finder, text, regions) == expected


@pytest.mark.parametrize(("text", "regions"), [
    ("г. Троицк", ("RU-MOW",)),  # Moscow's Троицк, not Chelyabinsk oblast's okrug
    ("г. Троицк", ()),
    ("Озёрск", ()),  # several regions have one
    ("Сосновский район", ("RU-TAM",)),
    ("Министерство образования и науки Челябинской области", ("RU-CHE",)),
    ("в Челябинском институте переподготовки", ("RU-CHE",)),
    ("Магнитогорского государственного университета", ()),
    ("Трехгорный", ()),  # an adjective alone is no town
    ("Нагабайкский район", ()),  # a misspelling is read only for a region the resolution names
    ("Иван Троицк", ("RU-CHE",)),
    # a bare town counts only for a region the text names
    ("Магнитогорск", ()),
    ("педагоги Миасса", ("RU-MOW",)),
    # people and streets named after a town's name, even with its region named
    ("С докладом выступил Владимир Петрович Сидоров", ("RU-VLA",)),
    ("директор МБОУ «СОШ № 5 им. С. М. Кирова»", ("RU-KIR",)),
    ("школа имени Кирова", ("RU-KIR",)),
    ("620014, ул. Кирова, д. 5", ("RU-KIR",)),
    ("проспект Кирова", ("RU-KIR",)),
    ("пер. Кирова", ("RU-KIR",)),
    ("учитель Тамбова Ирина", ("RU-TAM",)),
    ("Орёл Анна", ("RU-ORL",)),
    ("Т. Чита", ("RU-ZAB",)),
    ("обратилась Кирова Елена Сергеевна", ("RU-KIR",)),
    ("доклад Кирова Е. С.", ("RU-KIR",)),
    ("в Грозном районе", ("RU-CE",)),  # an adjective town before a noun it agrees with is no town
    ("в Трёхгорном районе", ("RU-CHE",)),
    ("Великий Новгород", ()),  # a bare town: only in a named region
    ("Нижнего Новгорода", ()),
    ("Ханты-Мансийска", ()),
    ("из Кирова Елены", ("RU-KIR",)),
    # «грозный» in lower case is the adjective, a word in capitals tells nothing
    ("в грозном небе", ("RU-CE",)),
    ("Тучи в грозном, но ясном небе", ("RU-CE",)),
    ("В ГРОЗНОМ НЕБЕ", ("RU-CE",)),
    # a surname or a given name without a place's marker before it is a person's
    ("доклад Иванова", ("RU-IVA",)),
    ("по предложению Иванова", ("RU-IVA",)),
    ("выступление Владимира на секции", ("RU-VLA",)),
    # a given name with a surname or a patronymic after it, in its case, is a person's, after «из» too
    ("письмо из Владимира Путина", ()),
    ("из Владимира Ильича", ()),
    ("из Иванова Петра", ()),
    ("письмо из Иванова А. П.", ()),
])
def test_no_false_positives(finder, text, regions):
    assert _codes(finder, text, regions) == []


@pytest.mark.parametrize(("text", "regions", "expected"), [
    # a capitalised «Грозном» after «в» is the town, mid-sentence and at a sentence's start
    ("Учителя в Грозном, но и в других городах", (), ["RU-CE-grozny"]),
    ("В Грозном прошла конференция.", (), ["RU-CE-grozny"]),
    ("Итоги подведены. В Грозном прошла конференция.", (), ["RU-CE-grozny"]),
    ("В Миассе прошёл семинар.", (), ["RU-CHE-miassky"]),
    # a town that is a surname or a given name too: after a place's marker
    ("в Иванове", (), ["RU-IVA-ivanovo"]),
    ("г. Иваново", (), ["RU-IVA-ivanovo"]),
    ("гости из Иванова приехали", (), ["RU-IVA-ivanovo"]),
    ("Иваново", ("RU-IVA",), ["RU-IVA-ivanovo"]),  # its nominative is no surname
    ("из Владимира приехали", (), ["RU-VLA-vladimir"]),
    ("во Владимире Путин открыл школу", (), ["RU-VLA-vladimir"]),  # a surname in another case
])
def test_towns_named_like_words_and_people(finder, text, regions, expected):
    assert _codes(finder, text, regions) == expected


def _placed(finder: MunicipalityFinder, text: str, regions=()) -> list[tuple[str, bool]]:
    return [(found.code, found.bare) for found in finder.find(text, regions)]


@pytest.mark.parametrize(("text", "expected"), [
    # a town joined by «и», «или» or a comma to a marked one, in its case, is marked as well
    ("Педагоги из Орла и Великого Новгорода", ["RU-ORL-oryol", "RU-NGR-veliky-novgorod"]),
    ("Педагоги из Орла и из Великого Новгорода", ["RU-ORL-oryol", "RU-NGR-veliky-novgorod"]),
    ("из Екатеринбурга и Перми", ["RU-SVE-yekaterinburg", "RU-PER-perm"]),
    ("из Нижнего Новгорода и Великого Новгорода", ["RU-NIZ-nizhny-novgorod", "RU-NGR-veliky-novgorod"]),
    ("в Миассе, Златоусте и Копейске", ["RU-CHE-miassky", "RU-CHE-zlatoustovsky", "RU-CHE-kopeysky"]),
    ("в городах Миасс, Златоуст и Копейск", ["RU-CHE-miassky", "RU-CHE-zlatoustovsky", "RU-CHE-kopeysky"]),
    ("г. Миасс, г. Златоуст", ["RU-CHE-miassky", "RU-CHE-zlatoustovsky"]),
    ("городами Миассом и Златоустом", ["RU-CHE-miassky", "RU-CHE-zlatoustovsky"]),
    ("в Орле, Перми или Кирове прошли семинары", ["RU-ORL-oryol", "RU-PER-perm", "RU-KIR-kirov"]),
    ("в Миассе, и Перми", ["RU-CHE-miassky", "RU-PER-perm"]),
    ("гости из Миасса и Иванова приехали", ["RU-CHE-miassky", "RU-IVA-ivanovo"]),  # a surname, but in the list
    ("в Миассе и Грозном", ["RU-CHE-miassky", "RU-CE-grozny"]),
])
def test_a_town_listed_after_a_marked_one_is_marked(finder, text, expected):
    assert _placed(finder, text) == [(code, False) for code in expected]


@pytest.mark.parametrize(("text", "regions", "expected"), [
    # the list stops at anything but a town in the same case; a person's or a street's name is none
    ("из Миасса и Кирова Елены", (), ["RU-CHE-miassky"]),
    ("из Миасса и Владимира Путина", (), ["RU-CHE-miassky"]),
    ("в Миассе и доклад Иванова", (), ["RU-CHE-miassky"]),
    ("в Миассе, ул. Кирова", (), ["RU-CHE-miassky"]),
    ("в Миассе, Мурманск ждёт гостей", (), ["RU-CHE-miassky"]),  # another case: no list
    ("в Миассе и Грозном районе", (), ["RU-CHE-miassky"]),
    ("в Миассе и грозном небе", (), ["RU-CHE-miassky"]),
    ("в Миассе. Пермь", (), ["RU-CHE-miassky"]),
    ("в Миассе педагоги и Перми", (), ["RU-CHE-miassky"]),
    # a bare town marks nothing after it
    ("педагоги Магнитогорска и Перми", (), []),
    ("педагоги Миасса и Перми", ("RU-CHE",), ["RU-CHE-miassky"]),
])
def test_a_list_of_towns_stops_at_anything_else(finder, text, regions, expected):
    assert _codes(finder, text, regions) == expected


@pytest.mark.parametrize(("text", "expected"), [
    # a federal city is a region (the gazetteer finds it), no municipality; a list runs on past it as past a town
    ("гости из Москвы и Миасса", ["RU-CHE-miassky"]),
    ("из Санкт-Петербурга, Челябинска и Миасса", ["RU-CHE-chelyabinsky", "RU-CHE-miassky"]),
    ("из Петербурга и Миасса", ["RU-CHE-miassky"]),
    ("в Севастополе, Перми или Кирове", ["RU-PER-perm", "RU-KIR-kirov"]),
    ("из Миасса, Москвы и Златоуста", ["RU-CHE-miassky", "RU-CHE-zlatoustovsky"]),
    ("в городах Москва и Пермь", ["RU-PER-perm"]),
    ("г. Москва", []),
    ("из Москвы", []),
])
def test_a_list_of_towns_runs_on_past_a_federal_city(finder, text, expected):
    assert _placed(finder, text) == [(code, False) for code in expected]


@pytest.mark.parametrize(("text", "regions"), [
    # a federal city marks the town after it as a town marks it, no more
    ("педагоги Москвы и Миасса", ()),  # a bare federal city marks nothing
    ("из Москвы, Мурманск ждёт гостей", ()),  # another case: no list
    ("из Москвы и Кирова Елены", ()),
    ("из Москвы и Владимира Путина", ()),
    ("в Москве и Грозном районе", ()),
    ("в Москве. Пермь", ()),
    ("в Москве педагоги и Перми", ()),
    ("из Московской области и Миасса", ()),  # a region's name is no town
])
def test_a_list_past_a_federal_city_stops_at_anything_else(finder, text, regions):
    assert _codes(finder, text, regions) == []


@pytest.mark.parametrize(("guests", "municipalities", "city"), [
    ("гости из Москвы и Миасса", ["RU-TA-kazan", "RU-CHE-miassky"], "RU-MOW"),
    ("гости из Санкт-Петербурга, Миасса и Златоуста", ["RU-TA-kazan", "RU-CHE-miassky", "RU-CHE-zlatoustovsky"],
     "RU-SPE"),
])
def test_a_town_listed_after_a_federal_city_is_found_on_import(app, guests, municipalities, city):
    from kb.resolutions.services import parse_resolution_text

    text = MAGNITOGORSK.replace("г. Магнитогорск", "г. Казань").replace(
        "педагоги Магнитогорска, Копейского городского округа, Агаповского муниципального\nрайона и гости из Москвы",
        f"педагоги из Казани и {guests}")
    with app.app_context():
        parsed = parse_resolution_text(text)
    assert parsed.municipality_codes == municipalities
    # the federal city is one of the resolution's regions, as the gazetteer finds it, and the town's region joins
    assert {"RU-TA", "RU-CHE", city} <= set(parsed.region_codes)


@pytest.mark.parametrize(("text", "expected"), [
    # a town outside the vocabulary (Запорожье, Херсон, a foreign one) is no municipality, but a list runs on past it
    # as past a town: the towns of the vocabulary after it are marked
    ("гости из Миасса, Запорожья и Херсона", ["RU-CHE-miassky"]),
    ("из Копейска, Херсона и Минска", ["RU-CHE-kopeysky"]),
    ("гости из Миасса, Запорожья и Копейска", ["RU-CHE-miassky", "RU-CHE-kopeysky"]),
    ("из Копейска, Херсона, Минска и Миасса", ["RU-CHE-kopeysky", "RU-CHE-miassky"]),
    ("из Херсона, Копейска и Миасса", ["RU-CHE-kopeysky", "RU-CHE-miassky"]),
    ("в Минске, Бишкеке и Перми", ["RU-PER-perm"]),
    ("в Миассе, Алматы и Перми", ["RU-CHE-miassky", "RU-PER-perm"]),
    ("из Бишкека или Златоуста", ["RU-CHE-zlatoustovsky"]),
    ("из Москвы, Минска и Копейска", ["RU-CHE-kopeysky"]),
    ("в городах Минск и Пермь", ["RU-PER-perm"]),
    ("в Минске", []),
    ("из Запорожья", []),
])
def test_a_list_of_towns_runs_on_past_a_town_outside_the_vocabulary(finder, text, expected):
    assert _placed(finder, text) == [(code, False) for code in expected]


@pytest.mark.parametrize(("text", "regions"), [
    # a town outside the vocabulary marks the town after it as a town marks it, no more: no body's or person's name,
    # no ordinary word with a capital is taken for one
    ("педагоги Минска и Миасса", ()),  # a bare town marks nothing
    ("из Минска, Мурманск ждёт гостей", ()),  # another case: no list
    ("из Херсона и Кирова Елены", ("RU-KIR",)),
    ("в Минске. Пермь", ()),
    ("в Минске педагоги и Перми", ()),
    ("из Министерства образования и Миасса", ()),
    ("из Министерства и Миасса", ()),
    ("в Положении, Миассе и Перми", ()),
    ("Школы Херсона и Миасса", ()),
    ("Педагоги, Миасса", ()),
    ("из Шмелёва и Миасса", ()),  # a surname
    ("из Херсонской области и Миасса", ()),  # a region's name is no town
])
def test_a_list_past_a_town_outside_the_vocabulary_stops_at_anything_else(finder, text, regions):
    assert _codes(finder, text, regions) == []


def test_a_town_listed_after_one_outside_the_vocabulary_gives_its_region_to_the_parsed_resolution(finder):
    text = MAGNITOGORSK.replace("г. Магнитогорск", "г. Казань").replace(
        "педагоги Магнитогорска, Копейского городского округа, Агаповского муниципального\nрайона и гости из Москвы",
        "педагоги из Казани, Минска и Златоуста")
    parsed = parse_resolution(text, gazetteer(), finder)
    assert parsed.municipality_codes == ["RU-TA-kazan", "RU-CHE-zlatoustovsky"]
    assert parsed.region_codes == ["RU-TA", "RU-CHE"]


def test_a_listed_town_gives_its_region_to_the_parsed_resolution(finder):
    text = MAGNITOGORSK.replace("г. Магнитогорск", "г. Казань").replace(
        "педагоги Магнитогорска, Копейского городского округа, Агаповского муниципального\nрайона и гости из Москвы",
        "педагоги из Казани, Миасса и Златоуста")
    parsed = parse_resolution(text, gazetteer(), finder)
    assert parsed.municipality_codes == ["RU-TA-kazan", "RU-CHE-miassky", "RU-CHE-zlatoustovsky"]
    assert parsed.region_codes == ["RU-TA", "RU-CHE"]


def test_a_homonym_is_the_named_regions(finder):
    assert _codes(finder, "г. Троицк", ("RU-MOW", "RU-CHE")) == ["RU-CHE-troitsky"]
    assert _codes(finder, "Озерского городского округа", ("RU-CHE",)) == ["RU-CHE-ozyorsky"]


def test_a_name_two_regions_share_is_the_named_regions():
    rows = [{"code": "RU-CHE-ozyorsky", "name": "Озёрский городской округ", "kind": "городской округ",
             "region": "RU-CHE"},
            {"code": "RU-KGD-ozyorsky", "name": "Озёрский муниципальный округ", "kind": "муниципальный округ",
             "region": "RU-KGD"},
            {"code": "RU-KGD-ozyorsk", "name": "городской округ город Озёрск", "kind": "городской округ",
             "region": "RU-KGD"}]
    finder = MunicipalityFinder.from_rows(rows)
    assert _codes(finder, "г. Озёрск", ("RU-KGD",)) == ["RU-KGD-ozyorsk"]
    assert _codes(finder, "Озёрского городского округа", ("RU-CHE",)) == ["RU-CHE-ozyorsky"]
    assert _codes(finder, "Озёрского района", ()) == ["RU-KGD-ozyorsky"]


def test_a_town_gives_its_region_to_the_parsed_resolution(finder):
    parsed = parse_resolution(MAGNITOGORSK, gazetteer(), finder)
    assert parsed.municipality_codes == ["RU-CHE-magnitogorsky", "RU-CHE-kopeysky", "RU-CHE-agapovsky"]
    assert "RU-CHE" in parsed.region_codes


SCHOOL_NAMED_AFTER = """РЕЗОЛЮЦИЯ
областного семинара «Школьные научные общества»
Место проведения: г. Челябинск
Дата проведения: 14 марта 2024 года
С докладом выступил Владимир Петрович Сидоров, директор МБОУ «СОШ № 5 им. С. М. Кирова».
Участники семинара рекомендовали:
1. Педагогам – использовать опыт.
"""


def test_people_and_schools_named_like_towns_add_no_municipality_nor_region(finder):
    parsed = parse_resolution(SCHOOL_NAMED_AFTER, gazetteer(), finder)
    assert parsed.region_codes == ["RU-CHE"]
    assert parsed.municipality_codes == ["RU-CHE-chelyabinsky"]


def test_only_a_marked_town_adds_its_region(finder):
    def parsed(place: str, guests: str):
        return parse_resolution(MAGNITOGORSK.replace("г. Магнитогорск", place).replace(
            "педагоги Магнитогорска, Копейского городского округа, Агаповского муниципального\nрайона", guests),
            gazetteer(), finder)

    bare = parsed("Магнитогорск", "педагоги Магнитогорска")
    assert bare.municipality_codes == [] and "RU-CHE" not in bare.region_codes
    marked = parsed("Магнитогорск", "педагоги из Магнитогорска")
    assert marked.municipality_codes == ["RU-CHE-magnitogorsky"] and "RU-CHE" in marked.region_codes


def test_a_municipality_of_another_region_is_kept_only_when_marked(finder):
    from kb.resolutions.municipalities import FoundMunicipality

    found = [FoundMunicipality("RU-CHE-miassky"), FoundMunicipality("RU-KIR-kirov", bare=True),
             FoundMunicipality("RU-SVE-yekaterinburg", bare=True)]
    assert finder.placed(found, ["RU-SVE"]) == (["RU-CHE-miassky", "RU-SVE-yekaterinburg"], ["RU-CHE"])


def test_the_demo_resolution_with_kirova_elena_is_no_kirov_one(demo_app):
    from kb.resolutions.models import Resolution

    with demo_app.app_context():
        resolution = db.session.scalar(select(Resolution).where(Resolution.title.contains("Функциональная")))
        assert "Кирова Елена" in resolution.full_text
        assert "RU-KIR-kirov" not in [m.code for m in resolution.municipalities]
        assert "RU-KIR" not in [r.code for r in resolution.regions]


# --------------------------------------------------------------------------------------------------
# Stored, shown, exported, searched


def _import(app, text: str = MAGNITOGORSK) -> int:
    from kb.resolutions.services import import_resolution_text
    from kb.search.services import sync

    with app.app_context():
        rid = import_resolution_text(text, "seminar.txt", publish=True).resolution.id
        db.session.commit()
        sync()
    return rid


def test_an_import_stores_the_municipalities_and_the_host_region_is_the_towns(app, client):
    from kb.resolutions.models import Resolution
    from kb.resolutions.services import regions_host_first

    rid = _import(app)
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        assert [m.code for m in resolution.municipalities] == ["RU-CHE-agapovsky", "RU-CHE-kopeysky",
                                                               "RU-CHE-magnitogorsky"]
        assert resolution.place == "Магнитогорск"
        # the place is no regional centre: its region comes from the municipality vocabulary, not the addressee's
        assert {r.code for r in resolution.regions} >= {"RU-CHE", "RU-TA", "RU-MOW"}
        assert regions_host_first(resolution)[0].code == "RU-CHE"


def test_the_page_links_each_municipality_to_the_search_and_the_api_gives_them(app, client):
    rid = _import(app)
    status, html, _ = _get(client, f"/resolutions/{rid}")
    assert status == 200
    assert "Муниципалитеты" in html and "Копейский городской округ" in html
    assert "municipality=RU-CHE-kopeysky" in html and "region=RU-CHE" in html
    body = client.get(f"/api/v1/resolutions/{rid}").get_json()
    assert {"code": "RU-CHE-kopeysky", "label": "Копейский городской округ", "region": "RU-CHE"} in \
        body["municipalities"]


def test_the_municipality_filter_finds_the_resolution_and_its_recommendations(app, client):
    rid = _import(app)
    found = client.get("/api/v1/search", query_string={"municipality": "RU-CHE-kopeysky"}).get_json()["results"]
    assert ("resolution", rid) in {(r["type"], r["id"]) for r in found}
    assert any(r["type"] == "recommendation" for r in found)
    other = client.get("/api/v1/search", query_string={"municipality": "RU-CHE-miassky"}).get_json()["results"]
    assert ("resolution", rid) not in {(r["type"], r["id"]) for r in other}
    page = client.get("/search", query_string={"region": "RU-CHE", "municipality": "RU-CHE-kopeysky"})
    assert f"/resolutions/{rid}" in page.get_data(as_text=True)


def test_the_methodist_corrects_the_municipalities_on_the_edit_page(app, client, make_user):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    sign_in(client, make_user("admin"))
    values = edit_values(client, rid)
    assert set(values.getlist("municipalities")) == {"RU-CHE-agapovsky", "RU-CHE-kopeysky", "RU-CHE-magnitogorsky"}
    values.setlist("municipalities", ["RU-CHE-miassky"])
    status, _, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 302
    with app.app_context():
        assert [m.code for m in db.session.get(Resolution, rid).municipalities] == ["RU-CHE-miassky"]
    found = client.get("/api/v1/search", query_string={"municipality": "RU-CHE-miassky"}).get_json()["results"]
    assert ("resolution", rid) in {(r["type"], r["id"]) for r in found}
    # an unknown code is a message on the form, nothing saved
    values = edit_values(client, rid)
    values.setlist("municipalities", ["RU-XX-nowhere"])
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 400 and "Неизвестные коды муниципалитетов: RU-XX-nowhere" in html
    with app.app_context():
        assert [m.code for m in db.session.get(Resolution, rid).municipalities] == ["RU-CHE-miassky"]


def test_municipality_names_are_escaped(app, client, make_user):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    with app.app_context():
        municipality = Municipality(code="RU-CHE-test", name="<script>alert(1)</script> округ",
                                    kind="городской округ", region_code="RU-CHE")
        db.session.add(municipality)
        resolution = db.session.get(Resolution, rid)
        resolution.municipalities.append(municipality)
        db.session.commit()
    html = client.get(f"/resolutions/{rid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; округ" in html
    sign_in(client, make_user("admin"))
    edit = client.get(f"/resolutions/{rid}/edit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in edit


def test_detect_municipalities_fills_the_resolutions_stored_before(app, runner, client):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    with app.app_context():
        db.session.get(Resolution, rid).municipalities = []
        db.session.commit()
    dry = runner.invoke(args=["detect-municipalities", "--dry-run"])
    assert dry.exit_code == 0 and "ничего не сохранено" in dry.output
    with app.app_context():
        assert db.session.get(Resolution, rid).municipalities == []
    result = runner.invoke(args=["detect-municipalities"])
    assert result.exit_code == 0, result.output
    assert "Копейский городской округ" in result.output
    with app.app_context():
        assert len(db.session.get(Resolution, rid).municipalities) == 3
    found = client.get("/api/v1/search", query_string={"municipality": "RU-CHE-agapovsky"}).get_json()["results"]
    assert ("resolution", rid) in {(r["type"], r["id"]) for r in found}


def test_detect_municipalities_adds_the_region_of_a_marked_town(app, runner, client):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        resolution.municipalities = []
        resolution.regions = [r for r in resolution.regions if r.code != "RU-CHE"]
        db.session.commit()
    result = runner.invoke(args=["detect-municipalities"])
    assert result.exit_code == 0, result.output
    assert "добавлен регион: Челябинская область" in result.output
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        # «г. Магнитогорск», «Копейского городского округа», «Агаповского муниципального района» name them; the
        # bare «Магнитогорска» would not have
        assert {m.code for m in resolution.municipalities} == {"RU-CHE-agapovsky", "RU-CHE-kopeysky",
                                                              "RU-CHE-magnitogorsky"}
        assert "RU-CHE" in {r.code for r in resolution.regions}
    page = client.get("/search", query_string={"region": "RU-CHE", "municipality": "RU-CHE-kopeysky"})
    assert f"/resolutions/{rid}" in page.get_data(as_text=True)


def test_detect_municipalities_reads_a_list_past_a_federal_city(app, runner):
    from kb.resolutions.models import Resolution

    rid = _import(app, MAGNITOGORSK.replace("гости из Москвы.", "гости из Москвы и Миасса."))
    with app.app_context():
        db.session.get(Resolution, rid).municipalities = []
        db.session.commit()
    result = runner.invoke(args=["detect-municipalities"])
    assert result.exit_code == 0, result.output
    assert "Миасский городской округ" in result.output
    with app.app_context():
        assert {m.code for m in db.session.get(Resolution, rid).municipalities} == {
            "RU-CHE-agapovsky", "RU-CHE-kopeysky", "RU-CHE-magnitogorsky", "RU-CHE-miassky"}


def test_the_migration_up_and_down(app):
    rid = _import(app)
    with app.app_context():
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="z5exp0000001")
        assert "resolution_municipality" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert "resolution_municipality" in sa.inspect(db.engine).get_table_names()
        # the stored resolution survives; it has no municipalities until they are detected again
        assert db.session.scalar(sa.text("SELECT count(*) FROM resolution WHERE id = :id"), {"id": rid}) == 1
        assert db.session.scalar(sa.text("SELECT count(*) FROM resolution_municipality")) == 0
        assert db.session.scalar(select(Municipality.id).where(Municipality.code == "RU-CHE-kopeysky"))
