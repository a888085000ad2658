"""Integrity of the controlled vocabularies in kb.vocabularies.data (pure data, no app needed)."""

import ast
import re
import sys
from pathlib import Path

import pytest

from kb.vocabularies import data


def _fold(text: str) -> str:
    return text.lower().replace("ё", "е")


REGION_CODES = {r["code"] for r in data.REGIONS}
RU_REGIONS = [r for r in data.REGIONS if r["country"] == "RU"]

# The 27 municipalities of Chelyabinsk oblast named in the 2017 resolution (seeds/), as stems.
# The resolution writes "Трехгорный", "Южно-Уральский" and misspells "Нагабайкский"; the stems
# below are of the correct official names.
CHELYABINSK_CITY_OKRUGS = [
    "Верхнеуфалейск",
    "Карабашск",
    "Копейск",
    "Кыштымск",
    "Магнитогорск",
    "Миасск",
    "Снежинск",
    "Трехгорн",
    "Троицк",
    "Чебаркульск",
    "Челябинск",
    "Южноуральск",
]
CHELYABINSK_DISTRICTS = [
    "Аргаяшск",
    "Ашинск",
    "Брединск",
    "Верхнеуральск",
    "Еманжелинск",
    "Еткульск",
    "Карталинск",
    "Каслинск",
    "Катав-Ивановск",
    "Коркинск",
    "Красноармейск",
    "Нагайбакск",
    "Пластовск",
    "Саткинск",
    "Сосновск",
]


# --- regions -------------------------------------------------------------------------------------


def test_89_subjects_of_the_federation_and_two_countries():
    assert len(RU_REGIONS) == 89
    assert sorted(r["code"] for r in data.REGIONS if r["country"] != "RU") == ["KG", "KZ"]


def test_region_codes_unique():
    codes = [r["code"] for r in data.REGIONS]
    assert len(codes) == len(set(codes))


def test_region_names_unique():
    names = [r["name"] for r in data.REGIONS]
    assert len(names) == len(set(names))


def test_region_keys():
    keys = {"code", "name", "kind", "center", "federal_district", "okato", "country", "aliases"}
    for region in data.REGIONS:
        assert set(region) == keys, region["code"]


def test_region_code_format():
    for region in data.REGIONS:
        if region["country"] == "RU":
            assert re.fullmatch(r"RU-[A-Z]{2,3}", region["code"]), region["code"]
        else:
            assert region["code"] == region["country"]
            assert re.fullmatch(r"[A-Z]{2}", region["code"])


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("RU-CHE", "Челябинская область"),
        ("RU-CE", "Чеченская Республика"),
        ("RU-CU", "Чувашская Республика — Чувашия"),
        ("RU-SMO", "Смоленская область"),
        ("RU-MOW", "Москва"),
        ("RU-SPE", "Санкт-Петербург"),
        ("RU-TA", "Республика Татарстан"),
        ("RU-KO", "Республика Коми"),
        ("RU-KHM", "Ханты-Мансийский автономный округ — Югра"),
        ("RU-YAN", "Ямало-Ненецкий автономный округ"),
        ("RU-NEN", "Ненецкий автономный округ"),
        ("RU-CHU", "Чукотский автономный округ"),
        ("RU-YEV", "Еврейская автономная область"),
        ("RU-SA", "Республика Саха (Якутия)"),
        ("RU-AL", "Республика Алтай"),
        ("RU-ALT", "Алтайский край"),
        ("RU-KYA", "Красноярский край"),
        ("RU-KHA", "Хабаровский край"),
        ("RU-PRI", "Приморский край"),
        ("RU-ZAB", "Забайкальский край"),
        ("RU-KAM", "Камчатский край"),
        ("RU-PER", "Пермский край"),
        ("RU-KEM", "Кемеровская область — Кузбасс"),
        ("RU-CR", "Республика Крым"),
        ("RU-SEV", "Севастополь"),
        ("RU-DON", "Донецкая Народная Республика"),
        ("RU-LUG", "Луганская Народная Республика"),
        ("RU-ZAP", "Запорожская область"),
        ("RU-KHE", "Херсонская область"),
    ],
)
def test_known_region_codes(code, name):
    by_code = {r["code"]: r for r in data.REGIONS}
    assert by_code[code]["name"] == name


def test_regions_of_the_chelyabinsk_conference_present():
    for code in (
        "RU-MOW", "RU-STA", "RU-TA", "RU-KO", "RU-AMU", "RU-NVS", "RU-OMS", "RU-NIZ", "RU-PSK", "RU-SAM",
        "RU-SVE", "RU-CHE", "KZ", "KG",
    ):  # fmt: skip
        assert code in REGION_CODES, code


def test_region_kinds_and_counts():
    for region in data.REGIONS:
        assert region["kind"] in data.REGION_KINDS, region["code"]
    counts = {}
    for region in RU_REGIONS:
        counts[region["kind"]] = counts.get(region["kind"], 0) + 1
    assert counts == {
        "республика": 24,
        "край": 9,
        "область": 48,
        "город федерального значения": 3,
        "автономная область": 1,
        "автономный округ": 4,
    }
    assert {r["kind"] for r in data.REGIONS if r["country"] != "RU"} == {"страна"}


def test_federal_districts():
    for region in RU_REGIONS:
        assert region["federal_district"] in data.FEDERAL_DISTRICTS, region["code"]
    assert {r["federal_district"] for r in RU_REGIONS} == set(data.FEDERAL_DISTRICTS)
    for region in data.REGIONS:
        if region["country"] != "RU":
            assert region["federal_district"] is None


def test_okato_codes():
    seen = [r["okato"] for r in data.REGIONS if r["okato"] is not None]
    assert len(seen) == len(set(seen))
    for code in seen:
        assert re.fullmatch(r"\d\d", code), code
    assert {r["code"]: r["okato"] for r in data.REGIONS}["RU-CHE"] == "75"


def test_centres_and_names_are_filled():
    for region in data.REGIONS:
        assert region["name"].strip() == region["name"] and region["name"]
        assert region["center"].strip() == region["center"] and region["center"]


def test_aliases_do_not_point_to_two_regions():
    owner: dict[str, str] = {}
    for region in data.REGIONS:
        assert isinstance(region["aliases"], list)
        for alias in [region["name"], *region["aliases"]]:
            key = _fold(alias)
            assert owner.get(key, region["code"]) == region["code"], alias
            owner[key] = region["code"]
    assert owner[_fold("Татарстан")] == "RU-TA"
    assert owner[_fold("Киргизия")] == "KG"
    assert owner[_fold("Казахстан")] == "KZ"


# --- municipalities ------------------------------------------------------------------------------


def test_municipality_codes_unique_and_well_formed():
    codes = [m["code"] for m in data.MUNICIPALITIES]
    assert len(codes) == len(set(codes))
    for m in data.MUNICIPALITIES:
        assert set(m) == {"code", "name", "kind", "region"}
        assert m["code"].startswith(m["region"] + "-"), m["code"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", m["code"][len(m["region"]) + 1 :]), m["code"]
        assert len(m["code"]) <= 80


def test_municipality_regions_exist_and_kinds_valid():
    for m in data.MUNICIPALITIES:
        assert m["region"] in REGION_CODES, m["code"]
        assert m["kind"] in data.MUNICIPALITY_KINDS, m["code"]


def test_municipality_names_unique_within_region():
    pairs = [(m["region"], m["name"]) for m in data.MUNICIPALITIES]
    assert len(pairs) == len(set(pairs))


def _chelyabinsk(kind: str) -> list[str]:
    return [_fold(m["name"]) for m in data.MUNICIPALITIES if m["region"] == "RU-CHE" and m["kind"] == kind]


@pytest.mark.parametrize("stem", CHELYABINSK_CITY_OKRUGS)
def test_chelyabinsk_city_okrugs_of_the_resolution(stem):
    names = _chelyabinsk("городской округ")
    assert any(name.startswith(_fold(stem)) for name in names), stem


@pytest.mark.parametrize("stem", CHELYABINSK_DISTRICTS)
def test_chelyabinsk_districts_of_the_resolution(stem):
    names = _chelyabinsk("муниципальный район")
    assert any(name.startswith(_fold(stem)) for name in names), stem


def test_every_city_okrug_is_a_town():
    """A city okrug named by an adjective has its town in MUNICIPALITY_TOWNS, one named by its town says it
    (without «город-герой»), and the okrug of the region's centre is the centre: so `init` compares an okrug with an
    administrator's «г. Пермь» by its town, and a resolution's «г. Кемерово» is found."""
    centres = {r["code"]: r["center"] for r in RU_REGIONS}
    for m in data.MUNICIPALITIES:
        towns = data.municipality_towns(m["code"], m["name"])
        if m["kind"] == "городской округ":
            assert len(towns) == 1 and not _fold(towns[0]).startswith("город"), (m["code"], towns)
        if towns and towns[0].split()[0][:3] == centres[m["region"]][:3]:
            assert towns == (centres[m["region"]],), m["code"]
    assert set(data.MUNICIPALITY_TOWNS) <= {m["code"] for m in data.MUNICIPALITIES}
    assert data.municipality_towns("RU-MUR-murmansk", "городской округ город-герой Мурманск") == ("Мурманск",)
    assert data.municipality_towns("RU-PER-perm", "Пермский городской округ") == ("Пермь",)
    assert data.municipality_towns("RU-LEN-gatchinsky", "Гатчинский муниципальный округ") == ("Гатчина",)
    assert data.municipality_towns("x", "Городецкий муниципальный округ") == ()
    assert data.municipality_towns("x", "Сосновский муниципальный район") == ()


def test_misspelling_from_the_resolution_not_stored():
    assert not any("нагабайк" in _fold(m["name"]) for m in data.MUNICIPALITIES)


def test_smolensk_city_present():
    smolensk = [m for m in data.MUNICIPALITIES if m["region"] == "RU-SMO"]
    assert any("смоленск" in _fold(m["name"]) for m in smolensk)


# Regions with no municipality of their own in the vocabulary: the federal cities are regions
# themselves (their intra-city territories are not listed); the authorities of Запорожская and Херсонская области
# sit elsewhere than their de jure centres for now (see data.MUNICIPALITIES).
WITHOUT_MUNICIPALITIES = {"RU-MOW", "RU-SPE", "RU-SEV", "RU-ZAP", "RU-KHE"}


def test_every_russian_region_has_a_municipality():
    """Only Челябинская область and 19 other regions had any: a practice of the other 68 could name none."""
    regions = {m["region"] for m in data.MUNICIPALITIES}
    missing = {r["code"] for r in RU_REGIONS if r["code"] not in regions}
    assert missing == WITHOUT_MUNICIPALITIES
    assert {r["kind"] for r in RU_REGIONS if r["code"] in WITHOUT_MUNICIPALITIES} == {
        "город федерального значения", "область"}
    assert not regions - {r["code"] for r in RU_REGIONS}  # none of Казахстан or Кыргызстан


def test_municipality_names_are_written_once_and_plainly():
    for m in data.MUNICIPALITIES:
        assert m["name"] and m["name"] == " ".join(m["name"].split()), m["code"]
        assert not any(mark in m["name"] for mark in "«»\"()"), m["code"]  # the quotes of a charter are left out


@pytest.mark.parametrize(("region", "name", "kind"), [
    ("RU-KHM", "городской округ Ханты-Мансийск", "городской округ"),
    ("RU-YAN", "городской округ город Салехард", "городской округ"),
    ("RU-IN", "городской округ город Магас", "городской округ"),
    ("RU-MOS", "городской округ Красногорск", "городской округ"),
    ("RU-LEN", "Гатчинский муниципальный округ", "муниципальный округ"),
    ("RU-ORL", "городской округ город Орёл", "городской округ"),
    ("RU-KEM", "Кемеровский городской округ", "городской округ"),
    ("RU-PRI", "Владивостокский городской округ", "городской округ"),
    ("RU-NEN", "городской округ город Нарьян-Мар", "городской округ"),
    ("RU-CR", "городской округ Симферополь", "городской округ"),
])
def test_administrative_centres(region, name, kind):
    assert {"name": name, "kind": kind} in [{"name": m["name"], "kind": m["kind"]} for m in data.MUNICIPALITIES
                                            if m["region"] == region]


def test_a_region_has_its_centre_among_its_municipalities():
    """The centre the region vocabulary names is in a name of one of the region's municipalities (Гатчина as the
    Гатчинский муниципальный округ, Кемерово as the Кемеровский городской округ, by their stems)."""
    for region in RU_REGIONS:
        if region["code"] in WITHOUT_MUNICIPALITIES:
            continue
        stem = _fold(region["center"])[:-1 if len(region["center"]) >= 5 else None]
        names = [_fold(m["name"]) for m in data.MUNICIPALITIES if m["region"] == region["code"]]
        assert any(stem in name for name in names), (region["code"], region["center"], names)


# --- levels, subjects, topics --------------------------------------------------------------------

LEVEL_CODES = [
    "preschool",
    "primary",
    "basic",
    "secondary",
    "vocational",
    "bachelor",
    "specialist_master",
    "doctoral",
    "additional",
    "professional_development",
]


def test_levels():
    assert [lv["code"] for lv in data.LEVELS] == LEVEL_CODES
    orders = [lv["order"] for lv in data.LEVELS]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    shorts = [lv["short"] for lv in data.LEVELS]
    assert len(set(shorts)) == len(shorts)
    assert all(0 < len(s) <= 20 for s in shorts)
    assert {lv["code"]: lv["name"] for lv in data.LEVELS}["primary"] == "Начальное общее образование"


def test_subjects():
    codes = [s["code"] for s in data.SUBJECTS]
    assert len(codes) == len(set(codes)) == 22
    assert {"russian", "mathematics", "obzr", "interdisciplinary", "extracurricular"} <= set(codes)
    assert {s["code"]: s["name"] for s in data.SUBJECTS}["technology"] == "Труд (технология)"
    orders = [s["order"] for s in data.SUBJECTS]
    assert len(set(orders)) == len(orders)


def test_topics_unique_and_parents_exist():
    codes = [t["code"] for t in data.TOPICS]
    assert len(codes) == len(set(codes)) == 23
    for topic in data.TOPICS:
        assert set(topic) == {"code", "label", "parent", "synonyms"}
        if topic["parent"] is not None:
            assert topic["parent"] in codes, topic["code"]
            assert topic["parent"] != topic["code"]
    parents = {t["code"]: t["parent"] for t in data.TOPICS}
    assert parents["school_science_society"] == "research_projects"
    assert parents["gifted_primary"] == "gifted_support"


def test_topic_synonyms():
    owner: dict[str, str] = {}
    for topic in data.TOPICS:
        synonyms = topic["synonyms"]
        assert 3 <= len(synonyms) <= 8, topic["code"]
        for synonym in synonyms:
            assert synonym.strip() == synonym and synonym, topic["code"]
            key = _fold(synonym)
            assert key not in owner, f"{synonym!r} in {owner.get(key)} and {topic['code']}"
            owner[key] = topic["code"]
    assert owner[_fold("ШНО")] == "school_science_society"
    assert owner[_fold("ОВЗ")] == "inclusive"
    assert owner[_fold("ИОМ")] == "individual_routes"
    assert owner[_fold("ГлобалЛаб")] == "e_learning"


# --- addressees and small lists ------------------------------------------------------------------


def test_addressee_types():
    codes = [a["code"] for a in data.ADDRESSEE_TYPES]
    assert sorted(codes) == sorted(
        [
            "federal_authority",
            "regional_authority",
            "municipal_authority",
            "educational_organisations",
            "dpo_institutes",
            "methodical_services",
            "teachers",
            "parents",
            "students",
            "participants",
        ]
    )
    for addressee in data.ADDRESSEE_TYPES:
        assert addressee["patterns"], addressee["code"]
        for pattern in addressee["patterns"]:
            assert pattern == pattern.lower() and "ё" not in pattern, pattern
            re.compile(pattern)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Министерству образования и науки Челябинской области", "regional_authority"),
        (
            "органам местного самоуправления, осуществляющим управление в сфере образования",
            "municipal_authority",
        ),
        ("общеобразовательным организациям", "educational_organisations"),
        ("ГБУ ДПО ЧИППКРО", "dpo_institutes"),
        ("методическим объединениям", "methodical_services"),
        ("педагогам", "teachers"),
        ("участникам конференции", "participants"),
        ("МИНИСТЕРСТВУ ОБРАЗОВАНИЯ", "regional_authority"),
        ("Управлению образования Администрации города Смоленска", "municipal_authority"),
        ("муниципальным организациям дополнительного образования", "educational_organisations"),
        ("дошкольным образовательным организациям", "educational_organisations"),
        ("Институту развития образования", "dpo_institutes"),
        ("школьным методическим объединениям учителей", "methodical_services"),
        ("учителям  начальных   классов", "teachers"),
        ("Участникам  семинара", "participants"),
        ("Родителям (законным представителям) обучающихся", "parents"),
        ("семьям воспитанников", "parents"),
        ("Обучающимся 9–11 классов", "students"),
        ("старшеклассникам и студентам колледжей", "students"),
        ("классным руководителям и родителям", "teachers"),
        ("педагогам, работающим с учащимися", "teachers"),
        ("Школьникам", "students"),
        ("Школьникам старших классов", "students"),
        ("Родителям школьников", "parents"),
        ("Родителям учащихся общеобразовательных организаций", "parents"),
        ("Родителям (законным представителям) детей дошкольного возраста", "parents"),
        ("Студентам педагогических колледжей", "students"),
        ("Детям и подросткам", "students"),
        ("дошкольным образовательным организациям для детей", "educational_organisations"),
        ("Министерству образования — для обучающихся", "regional_authority"),
        ("Замещающим семьям", "parents"),
        ("Приёмным родителям", "parents"),
        ("Многодетным семьям", "parents"),
        ("Рекомендовать родителям", "parents"),
        ("Иностранным студентам", "students"),
        ("Одарённым обучающимся", "students"),
    ],
)
def test_classify_addressee(text, expected):
    assert data.classify_addressee(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the federal ministry is not the region's
        ("Министерству просвещения Российской Федерации", "federal_authority"),
        ("Минпросвещения России", "federal_authority"),
        ("Правительству РФ", "federal_authority"),
        ("Рособрнадзору", "federal_authority"),
        ("Комитету Государственной Думы по просвещению", "federal_authority"),
        # the regions' bodies named with the country stay regional
        ("Органам исполнительной власти субъектов Российской Федерации, осуществляющим государственное "
         "управление в сфере образования", "regional_authority"),
        ("Министерствам образования субъектов РФ", "regional_authority"),
        ("Министерству образования и науки Республики Татарстан", "regional_authority"),
        # a federal city's committee is its regional authority (as Moscow's department is)
        ("Комитету по образованию Санкт-Петербурга", "regional_authority"),
        ("Комитету по образованию города Севастополя", "regional_authority"),
        ("Департаменту образования и науки города Москвы", "regional_authority"),
        ("Комитету по образованию администрации Миасского городского округа", "municipal_authority"),
        # a вуз is an educational organisation of higher education, not «Педагоги»
        ("Педагогическим вузам", "educational_organisations"),
        ("Московскому педагогическому государственному университету", "educational_organisations"),
        ("Вузам и колледжам", "educational_organisations"),
        ("Педагогическим колледжам", "educational_organisations"),
        ("Педагогическим работникам", "teachers"),
        ("Преподавателям вузов", "teachers"),
        # the ЦНППМ is an organisation of additional professional education
        ("Центру непрерывного повышения профессионального мастерства педагогических работников",
         "dpo_institutes"),
        ("ЦНППМ", "dpo_institutes"),
        # an organisation of ДПО named by its form first: the ministry in its name is no authority
        ("ФГАОУ ДПО «Академия Минпросвещения России»", "dpo_institutes"),
        ("ГАУ ДПО «Институт развития образования Министерства образования Свердловской области»", "dpo_institutes"),
        # tutors are pedagogical staff; deputy heads, the organisation's administration (as «руководителям»)
        ("Тьюторам", "teachers"),
        ("Тьюторам и наставникам", "teachers"),
        ("Заместителям директоров по УВР", "educational_organisations"),
        ("Заместителям директоров по учебно-воспитательной работе", "educational_organisations"),
        ("Директорам общеобразовательных организаций", "educational_organisations"),
        ("Заведующим дошкольными образовательными организациями", "educational_organisations"),
        ("Воспитателям дошкольных групп", "teachers"),
    ],
)
def test_classify_addressee_authorities_and_staff(text, expected):
    assert data.classify_addressee(text) == expected


def test_classify_addressee_folds_yo_and_returns_none():
    assert data.classify_addressee("педагогам, работающим с одарёнными детьми") == "teachers"
    assert data.classify_addressee("") is None
    assert data.classify_addressee("   ") is None
    assert data.classify_addressee("всем заинтересованным лицам") is None


@pytest.mark.parametrize(
    ("name", "codes"),
    [
        ("SPREAD_LEVELS", ["institution", "municipality", "region", "federal"]),
        ("PRACTICE_STATUSES", ["draft", "submitted", "published", "returned", "archived"]),
        ("RESOLUTION_FORMATS", ["in_person", "online", "mixed", "correspondence"]),
    ],
)
def test_code_label_lists(name, codes):
    items = getattr(data, name)
    assert [i["code"] for i in items] == codes
    for item in items:
        assert set(item) == {"code", "label"} and item["label"]


def test_labels_of_small_lists():
    assert {s["code"]: s["label"] for s in data.PRACTICE_STATUSES}["returned"] == "Возвращена на доработку"
    assert {s["code"]: s["label"] for s in data.SPREAD_LEVELS}["region"] == "Региональный уровень"
    assert {s["code"]: s["label"] for s in data.RESOLUTION_FORMATS}["online"] == "Дистанционно (ВКС)"


def test_module_imports_only_the_standard_library():
    tree = ast.parse(Path(data.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_names_sort_in_russian_alphabetical_order():
    """«ё» right after «е», case not counted: a code-point order put «Трёхгорный» after «Троицкий» and «ёлка»
    after «яблоко»."""
    names = ["Троицкий городской округ", "яблоко", "Трёхгорный городской округ", "Ёлки", "ель", "Ежи", "жук",
             "городской округ город Челябинск", "Еткуль", "Ёмкость"]
    assert sorted(names, key=data.alphabetical) == [
        "городской округ город Челябинск", "Ежи", "ель", "Еткуль", "Ёлки", "Ёмкость", "жук",
        "Трёхгорный городской округ", "Троицкий городской округ", "яблоко"]
