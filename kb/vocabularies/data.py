"""Controlled vocabularies of the practice bank, as plain data.

This module is deliberately free of Flask and SQLAlchemy: loaders, forms, search and tests import it
directly. Every vocabulary is a list of dicts in display order; codes are stable identifiers that
are stored in the database and in URLs, so never rename a code (add a new one and retire the old).

Sources: the list of subjects in art. 65 of the Constitution of the Russian Federation (89 entries),
ISO 3166-2:RU region codes, OKATO (ОК 019-95) first-level codes, Federal Law 273-ФЗ art. 10 (levels
of education), ФГОС НОО/ООО/СОО (subjects), and the conference resolutions in the seeds (topics and
addressees of recommendations).
"""

import re
import unicodedata
from typing import NotRequired, TypedDict


class RegionData(TypedDict):
    code: str  # ISO 3166-2:RU ("RU-CHE"), project code where ISO has none, "KZ"/"KG" for countries
    name: str
    kind: str
    center: str
    federal_district: str | None
    okato: str | None
    country: str
    aliases: list[str]


class MunicipalityData(TypedDict):
    code: str
    name: str
    kind: str
    region: str


class LevelData(TypedDict):
    code: str
    name: str
    short: str
    order: int
    aliases: NotRequired[list[str]]  # other names a registry uses; one shared by several levels is ambiguous


class SubjectData(TypedDict):
    code: str
    name: str
    order: int
    aliases: NotRequired[list[str]]  # the names of the subject's courses and the usual abbreviations


class TopicData(TypedDict):
    code: str
    label: str
    parent: str | None
    synonyms: list[str]


class AddresseeTypeData(TypedDict):
    code: str
    label: str
    patterns: list[str]


class CodeLabel(TypedDict):
    code: str
    label: str


REGION_KINDS: tuple[str, ...] = (
    "республика",
    "край",
    "область",
    "город федерального значения",
    "автономная область",
    "автономный округ",
    "страна",
)

FEDERAL_DISTRICTS: tuple[str, ...] = (
    "Центральный",
    "Северо-Западный",
    "Южный",
    "Северо-Кавказский",
    "Приволжский",
    "Уральский",
    "Сибирский",
    "Дальневосточный",
)

MUNICIPALITY_KINDS: tuple[str, ...] = (
    "городской округ",
    "муниципальный район",
    "муниципальный округ",
    "город",
)


# Subjects of the Russian Federation (Constitution, art. 65), grouped by federal district, then foreign
# countries whose educators take part in the conferences. ISO 3166-2:RU does not list Республика Крым,
# Севастополь, ДНР, ЛНР, Запорожская and Херсонская области: they carry project codes in the same style
# (RU-CR, RU-SEV, RU-DON, RU-LUG, RU-ZAP, RU-KHE). `okato` is the first-level OKATO code; it is None for
# the autonomous okrugs that OKATO nests inside an oblast (НАО, ХМАО, ЯНАО) and for the subjects admitted
# in 2022. `center` is the administrative centre named in the subject's legislation; Московская область
# names none, so the seat of its government (Красногорск) is given; for Запорожская and Херсонская
# области the de jure centres are given (the authorities sit in Мелитополь and Геническ for now).
REGIONS: list[RegionData] = [
    # Центральный федеральный округ
    {
        "code": "RU-BEL",
        "name": "Белгородская область",
        "kind": "область",
        "center": "Белгород",
        "federal_district": "Центральный",
        "okato": "14",
        "country": "RU",
        "aliases": ["Белгородчина"],
    },
    {
        "code": "RU-BRY",
        "name": "Брянская область",
        "kind": "область",
        "center": "Брянск",
        "federal_district": "Центральный",
        "okato": "15",
        "country": "RU",
        "aliases": ["Брянщина"],
    },
    {
        "code": "RU-VLA",
        "name": "Владимирская область",
        "kind": "область",
        "center": "Владимир",
        "federal_district": "Центральный",
        "okato": "17",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-VOR",
        "name": "Воронежская область",
        "kind": "область",
        "center": "Воронеж",
        "federal_district": "Центральный",
        "okato": "20",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-IVA",
        "name": "Ивановская область",
        "kind": "область",
        "center": "Иваново",
        "federal_district": "Центральный",
        "okato": "24",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-KLU",
        "name": "Калужская область",
        "kind": "область",
        "center": "Калуга",
        "federal_district": "Центральный",
        "okato": "29",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-KOS",
        "name": "Костромская область",
        "kind": "область",
        "center": "Кострома",
        "federal_district": "Центральный",
        "okato": "34",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-KRS",
        "name": "Курская область",
        "kind": "область",
        "center": "Курск",
        "federal_district": "Центральный",
        "okato": "38",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-LIP",
        "name": "Липецкая область",
        "kind": "область",
        "center": "Липецк",
        "federal_district": "Центральный",
        "okato": "42",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-MOS",
        "name": "Московская область",
        "kind": "область",
        "center": "Красногорск",
        "federal_district": "Центральный",
        "okato": "46",
        "country": "RU",
        "aliases": ["Подмосковье"],
    },
    {
        "code": "RU-ORL",
        "name": "Орловская область",
        "kind": "область",
        "center": "Орёл",
        "federal_district": "Центральный",
        "okato": "54",
        "country": "RU",
        "aliases": ["Орловщина"],
    },
    {
        "code": "RU-RYA",
        "name": "Рязанская область",
        "kind": "область",
        "center": "Рязань",
        "federal_district": "Центральный",
        "okato": "61",
        "country": "RU",
        "aliases": ["Рязанщина"],
    },
    {
        "code": "RU-SMO",
        "name": "Смоленская область",
        "kind": "область",
        "center": "Смоленск",
        "federal_district": "Центральный",
        "okato": "66",
        "country": "RU",
        "aliases": ["Смоленщина"],
    },
    {
        "code": "RU-TAM",
        "name": "Тамбовская область",
        "kind": "область",
        "center": "Тамбов",
        "federal_district": "Центральный",
        "okato": "68",
        "country": "RU",
        "aliases": ["Тамбовщина"],
    },
    {
        "code": "RU-TVE",
        "name": "Тверская область",
        "kind": "область",
        "center": "Тверь",
        "federal_district": "Центральный",
        "okato": "28",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-TUL",
        "name": "Тульская область",
        "kind": "область",
        "center": "Тула",
        "federal_district": "Центральный",
        "okato": "70",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-YAR",
        "name": "Ярославская область",
        "kind": "область",
        "center": "Ярославль",
        "federal_district": "Центральный",
        "okato": "78",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-MOW",
        "name": "Москва",
        "kind": "город федерального значения",
        "center": "Москва",
        "federal_district": "Центральный",
        "okato": "45",
        "country": "RU",
        "aliases": ["Москва", "г. Москва"],
    },
    # Северо-Западный федеральный округ
    {
        "code": "RU-KR",
        "name": "Республика Карелия",
        "kind": "республика",
        "center": "Петрозаводск",
        "federal_district": "Северо-Западный",
        "okato": "86",
        "country": "RU",
        "aliases": ["Карелия"],
    },
    {
        "code": "RU-KO",
        "name": "Республика Коми",
        "kind": "республика",
        "center": "Сыктывкар",
        "federal_district": "Северо-Западный",
        "okato": "87",
        "country": "RU",
        "aliases": ["Коми"],
    },
    {
        "code": "RU-ARK",
        "name": "Архангельская область",
        "kind": "область",
        "center": "Архангельск",
        "federal_district": "Северо-Западный",
        "okato": "11",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-VLG",
        "name": "Вологодская область",
        "kind": "область",
        "center": "Вологда",
        "federal_district": "Северо-Западный",
        "okato": "19",
        "country": "RU",
        "aliases": ["Вологодчина"],
    },
    {
        "code": "RU-KGD",
        "name": "Калининградская область",
        "kind": "область",
        "center": "Калининград",
        "federal_district": "Северо-Западный",
        "okato": "27",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-LEN",
        "name": "Ленинградская область",
        "kind": "область",
        "center": "Гатчина",
        "federal_district": "Северо-Западный",
        "okato": "41",
        "country": "RU",
        "aliases": ["Ленобласть"],
    },
    {
        "code": "RU-MUR",
        "name": "Мурманская область",
        "kind": "область",
        "center": "Мурманск",
        "federal_district": "Северо-Западный",
        "okato": "47",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-NGR",
        "name": "Новгородская область",
        "kind": "область",
        "center": "Великий Новгород",
        "federal_district": "Северо-Западный",
        "okato": "49",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-PSK",
        "name": "Псковская область",
        "kind": "область",
        "center": "Псков",
        "federal_district": "Северо-Западный",
        "okato": "58",
        "country": "RU",
        "aliases": ["Псковщина"],
    },
    {
        "code": "RU-SPE",
        "name": "Санкт-Петербург",
        "kind": "город федерального значения",
        "center": "Санкт-Петербург",
        "federal_district": "Северо-Западный",
        "okato": "40",
        "country": "RU",
        "aliases": ["Санкт-Петербург", "Петербург", "г. Санкт-Петербург", "СПб"],
    },
    {
        "code": "RU-NEN",
        "name": "Ненецкий автономный округ",
        "kind": "автономный округ",
        "center": "Нарьян-Мар",
        "federal_district": "Северо-Западный",
        "okato": None,
        "country": "RU",
        "aliases": ["НАО"],
    },
    # Южный федеральный округ
    {
        "code": "RU-AD",
        "name": "Республика Адыгея",
        "kind": "республика",
        "center": "Майкоп",
        "federal_district": "Южный",
        "okato": "79",
        "country": "RU",
        "aliases": ["Адыгея"],
    },
    {
        "code": "RU-KL",
        "name": "Республика Калмыкия",
        "kind": "республика",
        "center": "Элиста",
        "federal_district": "Южный",
        "okato": "85",
        "country": "RU",
        "aliases": ["Калмыкия"],
    },
    {
        "code": "RU-CR",
        "name": "Республика Крым",
        "kind": "республика",
        "center": "Симферополь",
        "federal_district": "Южный",
        "okato": "35",
        "country": "RU",
        "aliases": ["Крым"],
    },
    {
        "code": "RU-KDA",
        "name": "Краснодарский край",
        "kind": "край",
        "center": "Краснодар",
        "federal_district": "Южный",
        "okato": "03",
        "country": "RU",
        "aliases": ["Кубань"],
    },
    {
        "code": "RU-AST",
        "name": "Астраханская область",
        "kind": "область",
        "center": "Астрахань",
        "federal_district": "Южный",
        "okato": "12",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-VGG",
        "name": "Волгоградская область",
        "kind": "область",
        "center": "Волгоград",
        "federal_district": "Южный",
        "okato": "18",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-ROS",
        "name": "Ростовская область",
        "kind": "область",
        "center": "Ростов-на-Дону",
        "federal_district": "Южный",
        "okato": "60",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-SEV",
        "name": "Севастополь",
        "kind": "город федерального значения",
        "center": "Севастополь",
        "federal_district": "Южный",
        "okato": "67",
        "country": "RU",
        "aliases": ["г. Севастополь"],
    },
    {
        "code": "RU-DON",
        "name": "Донецкая Народная Республика",
        "kind": "республика",
        "center": "Донецк",
        "federal_district": "Южный",
        "okato": None,
        "country": "RU",
        "aliases": ["ДНР"],
    },
    {
        "code": "RU-LUG",
        "name": "Луганская Народная Республика",
        "kind": "республика",
        "center": "Луганск",
        "federal_district": "Южный",
        "okato": None,
        "country": "RU",
        "aliases": ["ЛНР"],
    },
    {
        "code": "RU-ZAP",
        "name": "Запорожская область",
        "kind": "область",
        "center": "Запорожье",
        "federal_district": "Южный",
        "okato": None,
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-KHE",
        "name": "Херсонская область",
        "kind": "область",
        "center": "Херсон",
        "federal_district": "Южный",
        "okato": None,
        "country": "RU",
        "aliases": [],
    },
    # Северо-Кавказский федеральный округ
    {
        "code": "RU-DA",
        "name": "Республика Дагестан",
        "kind": "республика",
        "center": "Махачкала",
        "federal_district": "Северо-Кавказский",
        "okato": "82",
        "country": "RU",
        "aliases": ["Дагестан"],
    },
    {
        "code": "RU-IN",
        "name": "Республика Ингушетия",
        "kind": "республика",
        "center": "Магас",
        "federal_district": "Северо-Кавказский",
        "okato": "26",
        "country": "RU",
        "aliases": ["Ингушетия"],
    },
    {
        "code": "RU-KB",
        "name": "Кабардино-Балкарская Республика",
        "kind": "республика",
        "center": "Нальчик",
        "federal_district": "Северо-Кавказский",
        "okato": "83",
        "country": "RU",
        "aliases": ["Кабардино-Балкария", "КБР"],
    },
    {
        "code": "RU-KC",
        "name": "Карачаево-Черкесская Республика",
        "kind": "республика",
        "center": "Черкесск",
        "federal_district": "Северо-Кавказский",
        "okato": "91",
        "country": "RU",
        "aliases": ["Карачаево-Черкесия", "КЧР"],
    },
    {
        "code": "RU-SE",
        "name": "Республика Северная Осетия — Алания",
        "kind": "республика",
        "center": "Владикавказ",
        "federal_district": "Северо-Кавказский",
        "okato": "90",
        "country": "RU",
        "aliases": ["Северная Осетия", "Северная Осетия — Алания", "РСО-Алания"],
    },
    {
        "code": "RU-CE",
        "name": "Чеченская Республика",
        "kind": "республика",
        "center": "Грозный",
        "federal_district": "Северо-Кавказский",
        "okato": "96",
        "country": "RU",
        "aliases": ["Чечня"],
    },
    {
        "code": "RU-STA",
        "name": "Ставропольский край",
        "kind": "край",
        "center": "Ставрополь",
        "federal_district": "Северо-Кавказский",
        "okato": "07",
        "country": "RU",
        "aliases": ["Ставрополье"],
    },
    # Приволжский федеральный округ
    {
        "code": "RU-BA",
        "name": "Республика Башкортостан",
        "kind": "республика",
        "center": "Уфа",
        "federal_district": "Приволжский",
        "okato": "80",
        "country": "RU",
        "aliases": ["Башкортостан", "Башкирия"],
    },
    {
        "code": "RU-ME",
        "name": "Республика Марий Эл",
        "kind": "республика",
        "center": "Йошкар-Ола",
        "federal_district": "Приволжский",
        "okato": "88",
        "country": "RU",
        "aliases": ["Марий Эл"],
    },
    {
        "code": "RU-MO",
        "name": "Республика Мордовия",
        "kind": "республика",
        "center": "Саранск",
        "federal_district": "Приволжский",
        "okato": "89",
        "country": "RU",
        "aliases": ["Мордовия"],
    },
    {
        "code": "RU-TA",
        "name": "Республика Татарстан",
        "kind": "республика",
        "center": "Казань",
        "federal_district": "Приволжский",
        "okato": "92",
        "country": "RU",
        "aliases": ["Татарстан"],
    },
    {
        "code": "RU-UD",
        "name": "Удмуртская Республика",
        "kind": "республика",
        "center": "Ижевск",
        "federal_district": "Приволжский",
        "okato": "94",
        "country": "RU",
        "aliases": ["Удмуртия"],
    },
    {
        "code": "RU-CU",
        "name": "Чувашская Республика — Чувашия",
        "kind": "республика",
        "center": "Чебоксары",
        "federal_district": "Приволжский",
        "okato": "97",
        "country": "RU",
        "aliases": ["Чувашия", "Чувашская Республика"],
    },
    {
        "code": "RU-PER",
        "name": "Пермский край",
        "kind": "край",
        "center": "Пермь",
        "federal_district": "Приволжский",
        "okato": "57",
        "country": "RU",
        "aliases": ["Прикамье"],
    },
    {
        "code": "RU-KIR",
        "name": "Кировская область",
        "kind": "область",
        "center": "Киров",
        "federal_district": "Приволжский",
        "okato": "33",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-NIZ",
        "name": "Нижегородская область",
        "kind": "область",
        "center": "Нижний Новгород",
        "federal_district": "Приволжский",
        "okato": "22",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-ORE",
        "name": "Оренбургская область",
        "kind": "область",
        "center": "Оренбург",
        "federal_district": "Приволжский",
        "okato": "53",
        "country": "RU",
        "aliases": ["Оренбуржье"],
    },
    {
        "code": "RU-PNZ",
        "name": "Пензенская область",
        "kind": "область",
        "center": "Пенза",
        "federal_district": "Приволжский",
        "okato": "56",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-SAM",
        "name": "Самарская область",
        "kind": "область",
        "center": "Самара",
        "federal_district": "Приволжский",
        "okato": "36",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-SAR",
        "name": "Саратовская область",
        "kind": "область",
        "center": "Саратов",
        "federal_district": "Приволжский",
        "okato": "63",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-ULY",
        "name": "Ульяновская область",
        "kind": "область",
        "center": "Ульяновск",
        "federal_district": "Приволжский",
        "okato": "73",
        "country": "RU",
        "aliases": [],
    },
    # Уральский федеральный округ
    {
        "code": "RU-KGN",
        "name": "Курганская область",
        "kind": "область",
        "center": "Курган",
        "federal_district": "Уральский",
        "okato": "37",
        "country": "RU",
        "aliases": ["Зауралье"],
    },
    {
        "code": "RU-SVE",
        "name": "Свердловская область",
        "kind": "область",
        "center": "Екатеринбург",
        "federal_district": "Уральский",
        "okato": "65",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-TYU",
        "name": "Тюменская область",
        "kind": "область",
        "center": "Тюмень",
        "federal_district": "Уральский",
        "okato": "71",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-CHE",
        "name": "Челябинская область",
        "kind": "область",
        "center": "Челябинск",
        "federal_district": "Уральский",
        "okato": "75",
        "country": "RU",
        "aliases": ["Южный Урал"],
    },
    {
        "code": "RU-KHM",
        "name": "Ханты-Мансийский автономный округ — Югра",
        "kind": "автономный округ",
        "center": "Ханты-Мансийск",
        "federal_district": "Уральский",
        "okato": None,
        "country": "RU",
        "aliases": ["ХМАО", "Югра", "ХМАО — Югра", "Ханты-Мансийский автономный округ"],
    },
    {
        "code": "RU-YAN",
        "name": "Ямало-Ненецкий автономный округ",
        "kind": "автономный округ",
        "center": "Салехард",
        "federal_district": "Уральский",
        "okato": None,
        "country": "RU",
        "aliases": ["ЯНАО", "Ямал"],
    },
    # Сибирский федеральный округ
    {
        "code": "RU-AL",
        "name": "Республика Алтай",
        "kind": "республика",
        "center": "Горно-Алтайск",
        "federal_district": "Сибирский",
        "okato": "84",
        "country": "RU",
        "aliases": ["Горный Алтай"],
    },
    {
        "code": "RU-TY",
        "name": "Республика Тыва",
        "kind": "республика",
        "center": "Кызыл",
        "federal_district": "Сибирский",
        "okato": "93",
        "country": "RU",
        "aliases": ["Тыва", "Тува"],
    },
    {
        "code": "RU-KK",
        "name": "Республика Хакасия",
        "kind": "республика",
        "center": "Абакан",
        "federal_district": "Сибирский",
        "okato": "95",
        "country": "RU",
        "aliases": ["Хакасия"],
    },
    {
        "code": "RU-ALT",
        "name": "Алтайский край",
        "kind": "край",
        "center": "Барнаул",
        "federal_district": "Сибирский",
        "okato": "01",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-KYA",
        "name": "Красноярский край",
        "kind": "край",
        "center": "Красноярск",
        "federal_district": "Сибирский",
        "okato": "04",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-IRK",
        "name": "Иркутская область",
        "kind": "область",
        "center": "Иркутск",
        "federal_district": "Сибирский",
        "okato": "25",
        "country": "RU",
        "aliases": ["Приангарье"],
    },
    {
        "code": "RU-KEM",
        "name": "Кемеровская область — Кузбасс",
        "kind": "область",
        "center": "Кемерово",
        "federal_district": "Сибирский",
        "okato": "32",
        "country": "RU",
        "aliases": ["Кузбасс", "Кемеровская область"],
    },
    {
        "code": "RU-NVS",
        "name": "Новосибирская область",
        "kind": "область",
        "center": "Новосибирск",
        "federal_district": "Сибирский",
        "okato": "50",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-OMS",
        "name": "Омская область",
        "kind": "область",
        "center": "Омск",
        "federal_district": "Сибирский",
        "okato": "52",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-TOM",
        "name": "Томская область",
        "kind": "область",
        "center": "Томск",
        "federal_district": "Сибирский",
        "okato": "69",
        "country": "RU",
        "aliases": [],
    },
    # Дальневосточный федеральный округ
    {
        "code": "RU-BU",
        "name": "Республика Бурятия",
        "kind": "республика",
        "center": "Улан-Удэ",
        "federal_district": "Дальневосточный",
        "okato": "81",
        "country": "RU",
        "aliases": ["Бурятия"],
    },
    {
        "code": "RU-SA",
        "name": "Республика Саха (Якутия)",
        "kind": "республика",
        "center": "Якутск",
        "federal_district": "Дальневосточный",
        "okato": "98",
        "country": "RU",
        "aliases": ["Якутия", "Саха", "Республика Саха"],
    },
    {
        "code": "RU-ZAB",
        "name": "Забайкальский край",
        "kind": "край",
        "center": "Чита",
        "federal_district": "Дальневосточный",
        "okato": "76",
        "country": "RU",
        "aliases": ["Забайкалье"],
    },
    {
        "code": "RU-KAM",
        "name": "Камчатский край",
        "kind": "край",
        "center": "Петропавловск-Камчатский",
        "federal_district": "Дальневосточный",
        "okato": "30",
        "country": "RU",
        "aliases": ["Камчатка"],
    },
    {
        "code": "RU-PRI",
        "name": "Приморский край",
        "kind": "край",
        "center": "Владивосток",
        "federal_district": "Дальневосточный",
        "okato": "05",
        "country": "RU",
        "aliases": ["Приморье"],
    },
    {
        "code": "RU-KHA",
        "name": "Хабаровский край",
        "kind": "край",
        "center": "Хабаровск",
        "federal_district": "Дальневосточный",
        "okato": "08",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-AMU",
        "name": "Амурская область",
        "kind": "область",
        "center": "Благовещенск",
        "federal_district": "Дальневосточный",
        "okato": "10",
        "country": "RU",
        "aliases": ["Приамурье"],
    },
    {
        "code": "RU-MAG",
        "name": "Магаданская область",
        "kind": "область",
        "center": "Магадан",
        "federal_district": "Дальневосточный",
        "okato": "44",
        "country": "RU",
        "aliases": [],
    },
    {
        "code": "RU-SAK",
        "name": "Сахалинская область",
        "kind": "область",
        "center": "Южно-Сахалинск",
        "federal_district": "Дальневосточный",
        "okato": "64",
        "country": "RU",
        "aliases": ["Сахалин"],
    },
    {
        "code": "RU-YEV",
        "name": "Еврейская автономная область",
        "kind": "автономная область",
        "center": "Биробиджан",
        "federal_district": "Дальневосточный",
        "okato": "99",
        "country": "RU",
        "aliases": ["ЕАО"],
    },
    {
        "code": "RU-CHU",
        "name": "Чукотский автономный округ",
        "kind": "автономный округ",
        "center": "Анадырь",
        "federal_district": "Дальневосточный",
        "okato": "77",
        "country": "RU",
        "aliases": ["Чукотка"],
    },
    # Иностранные государства
    {
        "code": "KZ",
        "name": "Республика Казахстан",
        "kind": "страна",
        "center": "Астана",
        "federal_district": None,
        "okato": None,
        "country": "KZ",
        "aliases": ["Казахстан", "Республика Казахстан"],
    },
    {
        "code": "KG",
        "name": "Кыргызская Республика",
        "kind": "страна",
        "center": "Бишкек",
        "federal_district": None,
        "okato": None,
        "country": "KG",
        "aliases": ["Кыргызстан", "Киргизия", "Республика Кыргызстан", "Киргизская Республика"],
    },
]


# Municipalities. Codes are f"{region}-{latin slug}". Chelyabinsk oblast is complete (16 city okrugs and
# 27 municipal districts in their long-standing form); for every other subject the municipality of its
# administrative centre is listed — the city okrug, named as registries write it, without a charter's quotes
# («городской округ город Салехард»; the charter's own form where it differs: «Пермский городской округ»,
# «городской округ Самара»), or the municipal okrug the centre belongs to where it has no okrug of its own.
# Moscow, St Petersburg and Sevastopol are regions themselves (their intra-city territories are not listed);
# Запорожская and Херсонская области have none: their authorities sit in Мелитополь and Геническ for now, not in
# the de jure centres of REGIONS, and neither centre's municipality is given. A new entry reaches an existing bank
# on `flask --app kb init` (kb.vocabularies.services.load_vocabularies).
MUNICIPALITIES: list[MunicipalityData] = [
    # Челябинская область: городские округа
    {
        "code": "RU-CHE-chelyabinsky",
        "name": "Челябинский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-verkhneufaleysky",
        "name": "Верхнеуфалейский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-zlatoustovsky",
        "name": "Златоустовский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-karabashsky",
        "name": "Карабашский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kopeysky",
        "name": "Копейский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kyshtymsky",
        "name": "Кыштымский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-lokomotivny",
        "name": "Локомотивный городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-magnitogorsky",
        "name": "Магнитогорский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-miassky",
        "name": "Миасский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-ozyorsky",
        "name": "Озёрский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-snezhinsky",
        "name": "Снежинский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-tryokhgorny",
        "name": "Трёхгорный городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-troitsky",
        "name": "Троицкий городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-ust-katavsky",
        "name": "Усть-Катавский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-chebarkulsky",
        "name": "Чебаркульский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-yuzhnouralsky",
        "name": "Южноуральский городской округ",
        "kind": "городской округ",
        "region": "RU-CHE",
    },
    # Челябинская область: муниципальные районы
    {
        "code": "RU-CHE-agapovsky",
        "name": "Агаповский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-argayashsky",
        "name": "Аргаяшский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-ashinsky",
        "name": "Ашинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-bredinsky",
        "name": "Брединский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-varnensky",
        "name": "Варненский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-verkhneuralsky",
        "name": "Верхнеуральский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-yemanzhelinsky",
        "name": "Еманжелинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-yetkulsky",
        "name": "Еткульский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kartalinsky",
        "name": "Карталинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kaslinsky",
        "name": "Каслинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-katav-ivanovsky",
        "name": "Катав-Ивановский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kizilsky",
        "name": "Кизильский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-korkinsky",
        "name": "Коркинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-krasnoarmeysky",
        "name": "Красноармейский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kunashaksky",
        "name": "Кунашакский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-kusinsky",
        "name": "Кусинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-nagaybaksky",
        "name": "Нагайбакский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-nyazepetrovsky",
        "name": "Нязепетровский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-oktyabrsky",
        "name": "Октябрьский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-plastovsky",
        "name": "Пластовский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-satkinsky",
        "name": "Саткинский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-sosnovsky",
        "name": "Сосновский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-troitsky-rayon",
        "name": "Троицкий муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-uvelsky",
        "name": "Увельский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-uysky",
        "name": "Уйский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-chebarkulsky-rayon",
        "name": "Чебаркульский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    {
        "code": "RU-CHE-chesmensky",
        "name": "Чесменский муниципальный район",
        "kind": "муниципальный район",
        "region": "RU-CHE",
    },
    # Административные центры других субъектов: городской округ столицы (муниципальный округ, где столица
    # не образует своего), по федеральным округам в порядке REGIONS
    # Центральный федеральный округ
    {
        "code": "RU-BEL-belgorod",
        "name": "городской округ город Белгород",
        "kind": "городской округ",
        "region": "RU-BEL",
    },
    {
        "code": "RU-BRY-bryansk",
        "name": "городской округ город Брянск",
        "kind": "городской округ",
        "region": "RU-BRY",
    },
    {
        "code": "RU-VLA-vladimir",
        "name": "городской округ город Владимир",
        "kind": "городской округ",
        "region": "RU-VLA",
    },
    {
        "code": "RU-VOR-voronezh",
        "name": "городской округ город Воронеж",
        "kind": "городской округ",
        "region": "RU-VOR",
    },
    {
        "code": "RU-IVA-ivanovo",
        "name": "городской округ Иваново",
        "kind": "городской округ",
        "region": "RU-IVA",
    },
    {
        "code": "RU-KLU-kaluga",
        "name": "городской округ город Калуга",
        "kind": "городской округ",
        "region": "RU-KLU",
    },
    {
        "code": "RU-KOS-kostroma",
        "name": "городской округ город Кострома",
        "kind": "городской округ",
        "region": "RU-KOS",
    },
    {
        "code": "RU-KRS-kursk",
        "name": "городской округ город Курск",
        "kind": "городской округ",
        "region": "RU-KRS",
    },
    {
        "code": "RU-LIP-lipetsk",
        "name": "городской округ город Липецк",
        "kind": "городской округ",
        "region": "RU-LIP",
    },
    # The law names no centre of Московская область (its Charter places the authorities in Москва and in the
    # oblast); Москва is a subject of its own, so the okrug of Красногорск, the seat of the government and the
    # `center` of REGIONS, is given.
    {
        "code": "RU-MOS-krasnogorsk",
        "name": "городской округ Красногорск",
        "kind": "городской округ",
        "region": "RU-MOS",
    },
    {
        "code": "RU-ORL-oryol",
        "name": "городской округ город Орёл",
        "kind": "городской округ",
        "region": "RU-ORL",
    },
    {
        "code": "RU-RYA-ryazan",
        "name": "городской округ город Рязань",
        "kind": "городской округ",
        "region": "RU-RYA",
    },
    {
        "code": "RU-SMO-smolensk",
        "name": "городской округ город Смоленск",
        "kind": "городской округ",
        "region": "RU-SMO",
    },
    {
        "code": "RU-TAM-tambov",
        "name": "городской округ город Тамбов",
        "kind": "городской округ",
        "region": "RU-TAM",
    },
    {
        "code": "RU-TVE-tver",
        "name": "городской округ город Тверь",
        "kind": "городской округ",
        "region": "RU-TVE",
    },
    {
        "code": "RU-TUL-tula",
        "name": "городской округ город Тула",
        "kind": "городской округ",
        "region": "RU-TUL",
    },
    {
        "code": "RU-YAR-yaroslavl",
        "name": "городской округ город Ярославль",
        "kind": "городской округ",
        "region": "RU-YAR",
    },
    # Северо-Западный федеральный округ
    {
        "code": "RU-KR-petrozavodsk",
        "name": "Петрозаводский городской округ",
        "kind": "городской округ",
        "region": "RU-KR",
    },
    {
        "code": "RU-KO-syktyvkar",
        "name": "городской округ Сыктывкар",
        "kind": "городской округ",
        "region": "RU-KO",
    },
    {
        "code": "RU-ARK-arkhangelsk",
        "name": "городской округ город Архангельск",
        "kind": "городской округ",
        "region": "RU-ARK",
    },
    {
        "code": "RU-VLG-vologda",
        "name": "городской округ город Вологда",
        "kind": "городской округ",
        "region": "RU-VLG",
    },
    {
        "code": "RU-KGD-kaliningrad",
        "name": "городской округ город Калининград",
        "kind": "городской округ",
        "region": "RU-KGD",
    },
    # Гатчина, the centre since 2021, forms no okrug of its own: it is in the Гатчинский муниципальный округ
    # (formerly the Гатчинский муниципальный район).
    {
        "code": "RU-LEN-gatchinsky",
        "name": "Гатчинский муниципальный округ",
        "kind": "муниципальный округ",
        "region": "RU-LEN",
    },
    {
        "code": "RU-MUR-murmansk",
        "name": "городской округ город-герой Мурманск",
        "kind": "городской округ",
        "region": "RU-MUR",
    },
    {
        "code": "RU-NGR-veliky-novgorod",
        "name": "городской округ Великий Новгород",
        "kind": "городской округ",
        "region": "RU-NGR",
    },
    {
        "code": "RU-PSK-pskov",
        "name": "городской округ город Псков",
        "kind": "городской округ",
        "region": "RU-PSK",
    },
    {
        "code": "RU-NEN-naryan-mar",
        "name": "городской округ город Нарьян-Мар",
        "kind": "городской округ",
        "region": "RU-NEN",
    },
    # Южный федеральный округ
    {
        "code": "RU-AD-maykop",
        "name": "городской округ город Майкоп",
        "kind": "городской округ",
        "region": "RU-AD",
    },
    {
        "code": "RU-KL-elista",
        "name": "городской округ город Элиста",
        "kind": "городской округ",
        "region": "RU-KL",
    },
    {
        "code": "RU-CR-simferopol",
        "name": "городской округ Симферополь",
        "kind": "городской округ",
        "region": "RU-CR",
    },
    {
        "code": "RU-KDA-krasnodar",
        "name": "городской округ город Краснодар",
        "kind": "городской округ",
        "region": "RU-KDA",
    },
    {
        "code": "RU-AST-astrakhan",
        "name": "городской округ город Астрахань",
        "kind": "городской округ",
        "region": "RU-AST",
    },
    {
        "code": "RU-VGG-volgograd",
        "name": "городской округ город-герой Волгоград",
        "kind": "городской округ",
        "region": "RU-VGG",
    },
    {
        "code": "RU-ROS-rostov-na-donu",
        "name": "городской округ город Ростов-на-Дону",
        "kind": "городской округ",
        "region": "RU-ROS",
    },
    {
        "code": "RU-DON-donetsk",
        "name": "городской округ Донецк",
        "kind": "городской округ",
        "region": "RU-DON",
    },
    {
        "code": "RU-LUG-lugansk",
        "name": "городской округ город Луганск",
        "kind": "городской округ",
        "region": "RU-LUG",
    },
    # Северо-Кавказский федеральный округ
    {
        "code": "RU-DA-makhachkala",
        "name": "городской округ город Махачкала",
        "kind": "городской округ",
        "region": "RU-DA",
    },
    {
        "code": "RU-IN-magas",
        "name": "городской округ город Магас",
        "kind": "городской округ",
        "region": "RU-IN",
    },
    {
        "code": "RU-KB-nalchik",
        "name": "городской округ Нальчик",
        "kind": "городской округ",
        "region": "RU-KB",
    },
    {
        "code": "RU-KC-cherkessk",
        "name": "Черкесский городской округ",
        "kind": "городской округ",
        "region": "RU-KC",
    },
    {
        "code": "RU-SE-vladikavkaz",
        "name": "городской округ город Владикавказ",
        "kind": "городской округ",
        "region": "RU-SE",
    },
    {
        "code": "RU-CE-grozny",
        "name": "городской округ город Грозный",
        "kind": "городской округ",
        "region": "RU-CE",
    },
    {
        "code": "RU-STA-stavropol",
        "name": "городской округ город Ставрополь",
        "kind": "городской округ",
        "region": "RU-STA",
    },
    # Приволжский федеральный округ
    {
        "code": "RU-BA-ufa",
        "name": "городской округ город Уфа",
        "kind": "городской округ",
        "region": "RU-BA",
    },
    {
        "code": "RU-ME-yoshkar-ola",
        "name": "городской округ город Йошкар-Ола",
        "kind": "городской округ",
        "region": "RU-ME",
    },
    {
        "code": "RU-MO-saransk",
        "name": "городской округ Саранск",
        "kind": "городской округ",
        "region": "RU-MO",
    },
    {
        "code": "RU-TA-kazan",
        "name": "городской округ город Казань",
        "kind": "городской округ",
        "region": "RU-TA",
    },
    {
        "code": "RU-UD-izhevsk",
        "name": "городской округ город Ижевск",
        "kind": "городской округ",
        "region": "RU-UD",
    },
    {
        "code": "RU-CU-cheboksary",
        "name": "городской округ город Чебоксары",
        "kind": "городской округ",
        "region": "RU-CU",
    },
    {
        "code": "RU-PER-perm",
        "name": "Пермский городской округ",
        "kind": "городской округ",
        "region": "RU-PER",
    },
    {
        "code": "RU-KIR-kirov",
        "name": "городской округ город Киров",
        "kind": "городской округ",
        "region": "RU-KIR",
    },
    {
        "code": "RU-NIZ-nizhny-novgorod",
        "name": "городской округ город Нижний Новгород",
        "kind": "городской округ",
        "region": "RU-NIZ",
    },
    {
        "code": "RU-ORE-orenburg",
        "name": "городской округ город Оренбург",
        "kind": "городской округ",
        "region": "RU-ORE",
    },
    {
        "code": "RU-PNZ-penza",
        "name": "городской округ город Пенза",
        "kind": "городской округ",
        "region": "RU-PNZ",
    },
    {
        "code": "RU-SAM-samara",
        "name": "городской округ Самара",
        "kind": "городской округ",
        "region": "RU-SAM",
    },
    {
        "code": "RU-SAR-saratov",
        "name": "городской округ город Саратов",
        "kind": "городской округ",
        "region": "RU-SAR",
    },
    {
        "code": "RU-ULY-ulyanovsk",
        "name": "городской округ город Ульяновск",
        "kind": "городской округ",
        "region": "RU-ULY",
    },
    # Уральский федеральный округ
    {
        "code": "RU-KGN-kurgan",
        "name": "городской округ город Курган",
        "kind": "городской округ",
        "region": "RU-KGN",
    },
    {
        "code": "RU-SVE-yekaterinburg",
        "name": "городской округ город Екатеринбург",
        "kind": "городской округ",
        "region": "RU-SVE",
    },
    {
        "code": "RU-TYU-tyumen",
        "name": "городской округ город Тюмень",
        "kind": "городской округ",
        "region": "RU-TYU",
    },
    {
        "code": "RU-KHM-khanty-mansiysk",
        "name": "городской округ Ханты-Мансийск",
        "kind": "городской округ",
        "region": "RU-KHM",
    },
    {
        "code": "RU-YAN-salekhard",
        "name": "городской округ город Салехард",
        "kind": "городской округ",
        "region": "RU-YAN",
    },
    # Сибирский федеральный округ
    {
        "code": "RU-AL-gorno-altaysk",
        "name": "городской округ город Горно-Алтайск",
        "kind": "городской округ",
        "region": "RU-AL",
    },
    {
        "code": "RU-TY-kyzyl",
        "name": "городской округ город Кызыл",
        "kind": "городской округ",
        "region": "RU-TY",
    },
    {
        "code": "RU-KK-abakan",
        "name": "городской округ город Абакан",
        "kind": "городской округ",
        "region": "RU-KK",
    },
    {
        "code": "RU-ALT-barnaul",
        "name": "городской округ город Барнаул",
        "kind": "городской округ",
        "region": "RU-ALT",
    },
    {
        "code": "RU-KYA-krasnoyarsk",
        "name": "городской округ город Красноярск",
        "kind": "городской округ",
        "region": "RU-KYA",
    },
    {
        "code": "RU-IRK-irkutsk",
        "name": "городской округ город Иркутск",
        "kind": "городской округ",
        "region": "RU-IRK",
    },
    {
        "code": "RU-KEM-kemerovo",
        "name": "Кемеровский городской округ",
        "kind": "городской округ",
        "region": "RU-KEM",
    },
    {
        "code": "RU-NVS-novosibirsk",
        "name": "городской округ город Новосибирск",
        "kind": "городской округ",
        "region": "RU-NVS",
    },
    {
        "code": "RU-OMS-omsk",
        "name": "городской округ город Омск",
        "kind": "городской округ",
        "region": "RU-OMS",
    },
    {
        "code": "RU-TOM-tomsk",
        "name": "городской округ город Томск",
        "kind": "городской округ",
        "region": "RU-TOM",
    },
    # Дальневосточный федеральный округ
    {
        "code": "RU-BU-ulan-ude",
        "name": "городской округ город Улан-Удэ",
        "kind": "городской округ",
        "region": "RU-BU",
    },
    {
        "code": "RU-SA-yakutsk",
        "name": "городской округ город Якутск",
        "kind": "городской округ",
        "region": "RU-SA",
    },
    {
        "code": "RU-ZAB-chita",
        "name": "городской округ город Чита",
        "kind": "городской округ",
        "region": "RU-ZAB",
    },
    {
        "code": "RU-KAM-petropavlovsk-kamchatsky",
        "name": "Петропавловск-Камчатский городской округ",
        "kind": "городской округ",
        "region": "RU-KAM",
    },
    {
        "code": "RU-PRI-vladivostok",
        "name": "Владивостокский городской округ",
        "kind": "городской округ",
        "region": "RU-PRI",
    },
    {
        "code": "RU-KHA-khabarovsk",
        "name": "городской округ город Хабаровск",
        "kind": "городской округ",
        "region": "RU-KHA",
    },
    {
        "code": "RU-AMU-blagoveshchensk",
        "name": "городской округ город Благовещенск",
        "kind": "городской округ",
        "region": "RU-AMU",
    },
    {
        "code": "RU-MAG-magadan",
        "name": "городской округ город Магадан",
        "kind": "городской округ",
        "region": "RU-MAG",
    },
    {
        "code": "RU-SAK-yuzhno-sakhalinsk",
        "name": "городской округ город Южно-Сахалинск",
        "kind": "городской округ",
        "region": "RU-SAK",
    },
    {
        "code": "RU-YEV-birobidzhan",
        "name": "городской округ город Биробиджан",
        "kind": "городской округ",
        "region": "RU-YEV",
    },
    {
        "code": "RU-CHU-anadyr",
        "name": "городской округ Анадырь",
        "kind": "городской округ",
        "region": "RU-CHU",
    },
]

# The towns a municipality named by an adjective is — every such city okrug, and the municipal okrug of a region's
# centre that has none of its own (Гатчина) —, for reading a resolution («г. Магнитогорск», «в Миассе») and for
# comparing an administrator's «г. Пермь» with the shipped okrug on `init`: a name «городской округ город Смоленск»
# says its town itself (municipality_towns). By code; an okrug an administrator adds is read by its name.
MUNICIPALITY_TOWNS: dict[str, tuple[str, ...]] = {
    "RU-CHE-chelyabinsky": ("Челябинск",),
    "RU-CHE-verkhneufaleysky": ("Верхний Уфалей",),
    "RU-CHE-zlatoustovsky": ("Златоуст",),
    "RU-CHE-karabashsky": ("Карабаш",),
    "RU-CHE-kopeysky": ("Копейск",),
    "RU-CHE-kyshtymsky": ("Кыштым",),
    "RU-CHE-lokomotivny": ("Локомотивный",),
    "RU-CHE-magnitogorsky": ("Магнитогорск",),
    "RU-CHE-miassky": ("Миасс",),
    "RU-CHE-ozyorsky": ("Озёрск",),
    "RU-CHE-snezhinsky": ("Снежинск",),
    "RU-CHE-tryokhgorny": ("Трёхгорный",),
    "RU-CHE-troitsky": ("Троицк",),
    "RU-CHE-ust-katavsky": ("Усть-Катав",),
    "RU-CHE-chebarkulsky": ("Чебаркуль",),
    "RU-CHE-yuzhnouralsky": ("Южноуральск",),
    # the centres of other regions
    "RU-KAM-petropavlovsk-kamchatsky": ("Петропавловск-Камчатский",),
    "RU-KC-cherkessk": ("Черкесск",),
    "RU-KEM-kemerovo": ("Кемерово",),
    "RU-KR-petrozavodsk": ("Петрозаводск",),
    "RU-LEN-gatchinsky": ("Гатчина",),
    "RU-PER-perm": ("Пермь",),
    "RU-PRI-vladivostok": ("Владивосток",),
}
# «городской округ город-герой Мурманск», «город Копейск», «городской округ г. Орёл»: the town a name says.
_TOWN_IN_NAME = re.compile(r"(?:городской округ|город)\s+(?:город(?:-герой)?\s+|г\.\s*)?(.+)", re.IGNORECASE)


def municipality_towns(code: str, name: str, towns: dict[str, tuple[str, ...]] | None = None) -> tuple[str, ...]:
    """The towns a municipality is: those ``towns`` (MUNICIPALITY_TOWNS unless given) lists under its code, and the
    one its name says («городской округ город-герой Мурманск» is Мурманск); none for a district."""
    listed = MUNICIPALITY_TOWNS if towns is None else towns
    said = town_in_name(name)
    return (*listed.get(code, ()), *([said] if said else []))


def town_in_name(name: str) -> str | None:
    """The town a municipality's name says, «город-герой» left out; None for a name by an adjective."""
    said = _TOWN_IN_NAME.fullmatch(" ".join(name.split()))
    return said.group(1) if said else None
# Names of the vocabulary's municipalities and towns that municipalities or towns of other regions have too (Троицк
# of Moscow, Озёрск of Kaliningrad oblast, a Сосновский or Красноармейский район of several regions): a resolution
# that names one is taken to mean the municipality of a region it names, and none when it names no such region.
MUNICIPALITY_HOMONYMS: tuple[str, ...] = (
    "Троицк", "Троицкий", "Озёрск", "Озёрский", "Сосновский", "Красноармейский", "Октябрьский",
)
# The towns that are subjects of the Federation themselves (Москва, Санкт-Петербург — «Петербург» too —,
# Севастополь): a resolution names them as regions, the municipality vocabulary has none of them; a list of towns
# runs on past one («гости из Москвы и Миасса»).
FEDERAL_CITIES: tuple[str, ...] = tuple(dict.fromkeys(
    name for region in REGIONS if region["kind"] == "город федерального значения"
    for name in (region["center"], *region["aliases"]) if re.fullmatch(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)*", name)))


# Levels of education, Federal Law 273-ФЗ, art. 10.
LEVELS: list[LevelData] = [
    # «ДО», the short name, is preschool (so /api/v1/vocabularies gives it, and registries that used it loaded so);
    # a registry may mean «дополнительное образование» by it (МБУ ДО, педагог ДО): LEVEL_OTHER_READINGS has the
    # import warn. «ДОУ», «ДОО» are a kindergarten's.
    # The other aliases are the words of schools and registries: «начальная школа», «старшие классы», «колледж»,
    # «дошкольники». The registry import and the search's level hints read them both (one list; the search adds only
    # «дошкольное» alone, kb.search.services._LEVEL_WORDS). An alias of several levels names none of them: the import
    # names the levels and asks which, the search offers no hint. «Средняя школа» is one: the whole general school
    # (СОШ, «окончил среднюю школу»: grades 1–11) as often as grades 5–11 and, by law (273-ФЗ), 10–11 only.
    {"code": "preschool", "name": "Дошкольное образование", "short": "ДО", "order": 1,
     "aliases": ["ДОУ", "ДОО", "детский сад", "детсад", "дошкольная образовательная организация", "дошкольники"]},
    {"code": "primary", "name": "Начальное общее образование", "short": "НОО", "order": 2,
     "aliases": ["начальная школа", "начальные классы", "начальное звено", "младшие классы", "младшие школьники",
                 "средняя школа"]},
    {"code": "basic", "name": "Основное общее образование", "short": "ООО", "order": 3,
     "aliases": ["основная школа", "среднее звено", "средние классы", "средняя школа"]},
    {"code": "secondary", "name": "Среднее общее образование", "short": "СОО", "order": 4,
     "aliases": ["старшая школа", "старшие классы", "старшее звено", "старшеклассники", "средняя школа"]},
    {"code": "vocational", "name": "Среднее профессиональное образование", "short": "СПО", "order": 5,
     "aliases": ["колледж", "техникум", "профессиональная образовательная организация"]},
    {
        "code": "bachelor",
        "name": "Высшее образование — бакалавриат",
        "short": "ВО: бакалавриат",
        "order": 6,
        "aliases": ["Высшее образование", "ВО", "вуз"],
    },
    {
        "code": "specialist_master",
        "name": "Высшее образование — специалитет, магистратура",
        "short": "ВО: спец./магистр.",
        "order": 7,
        "aliases": ["Высшее образование", "ВО", "вуз", "специалитет", "магистратура"],
    },
    {
        "code": "doctoral",
        "name": "Высшее образование — подготовка кадров высшей квалификации",
        "short": "ВО: аспирантура",
        "order": 8,
        "aliases": ["Высшее образование", "ВО", "вуз", "аспирантура"],
    },
    {
        "code": "additional",
        "name": "Дополнительное образование детей и взрослых",
        "short": "ДОД",
        "order": 9,
        "aliases": ["Дополнительное образование", "Дополнительное образование детей"],
    },
    {
        "code": "professional_development",
        "name": "Дополнительное профессиональное образование",
        "short": "ДПО",
        "order": 10,
        "aliases": ["курсы повышения квалификации", "повышение квалификации", "профессиональная переподготовка"],
    },
]

# The school grades of the general levels: «5-9 классы» is basic, «1-11 классы» all three, «8-11» basic and secondary.
LEVEL_GRADES: dict[str, tuple[int, int]] = {"primary": (1, 4), "basic": (5, 9), "secondary": (10, 11)}

# A level's short name a registry may use for another level too: read as the level it names, with a warning that
# names the other reading and how to write it (short name → the other level's code).
LEVEL_OTHER_READINGS: dict[str, str] = {"ДО": "additional"}


# School subjects of ФГОС НОО/ООО/СОО plus interdisciplinary and extracurricular work.
SUBJECTS: list[SubjectData] = [
    {"code": "russian", "name": "Русский язык", "order": 1},
    {"code": "literature", "name": "Литература", "order": 2},
    # the primary school's subject (ФГОС НОО), its own entry since migration z6sub0000001: a registry's
    # «Литературное чтение» had been read as «Литература»
    {"code": "literary_reading", "name": "Литературное чтение", "order": 3},
    {
        "code": "native_language",
        "name": "Родной язык и литература",
        "order": 4,
        "aliases": [
            "Родной язык",
            "Родная литература",
            "Родной русский язык",
            "Родная русская литература",
            "Литературное чтение на родном языке",
        ],
    },
    {
        "code": "mathematics",
        "name": "Математика",
        "order": 5,
        "aliases": [
            "Алгебра",
            "Геометрия",
            "Вероятность и статистика",
            "Алгебра и начала математического анализа",
            "Алгебра и начала анализа",
        ],
    },
    {
        "code": "informatics",
        "name": "Информатика",
        "order": 6,
        "aliases": ["Информатика и ИКТ"],
    },
    {"code": "physics", "name": "Физика", "order": 7},
    {"code": "chemistry", "name": "Химия", "order": 8},
    {"code": "biology", "name": "Биология", "order": 9},
    {"code": "geography", "name": "География", "order": 10},
    {
        "code": "history",
        "name": "История",
        "order": 11,
        "aliases": ["История России", "Всеобщая история"],
    },
    {"code": "social_studies", "name": "Обществознание", "order": 12},
    {
        "code": "foreign_language",
        "name": "Иностранный язык",
        "order": 13,
        "aliases": [
            "Английский язык",
            "Немецкий язык",
            "Французский язык",
            "Испанский язык",
            "Китайский язык",
            "Второй иностранный язык",
        ],
    },
    {"code": "world_around", "name": "Окружающий мир", "order": 14},
    {
        "code": "technology",
        # the ФОП's name since 1 September 2024 (приказ Минпросвещения № 171 от 19.03.2024); the code stays
        "name": "Труд (технология)",
        "order": 15,
        "aliases": ["Технология (Труд)", "Технология", "Труд"],
    },
    {
        "code": "art",
        "name": "Изобразительное искусство",
        "order": 16,
        "aliases": ["ИЗО"],
    },
    {"code": "music", "name": "Музыка", "order": 17},
    {
        "code": "physical_education",
        "name": "Физическая культура",
        "order": 18,
        "aliases": ["Физкультура"],
    },
    {
        "code": "obzr",
        "name": "Основы безопасности и защиты Родины (ОБЗР)",
        "order": 19,
        "aliases": ["ОБЖ", "Основы безопасности жизнедеятельности"],
    },
    {
        "code": "orkse",
        "name": "ОРКСЭ / ОДНКНР",
        "order": 20,
        "aliases": [
            "Основы религиозных культур и светской этики",
            "Основы духовно-нравственной культуры народов России",
        ],
    },
    {"code": "interdisciplinary", "name": "Межпредметная / надпредметная деятельность", "order": 21},
    {"code": "extracurricular", "name": "Внеурочная деятельность", "order": 22},
]


# Thesaurus of topics. `synonyms` are phrases and abbreviations people type; search folds case and ё.
TOPICS: list[TopicData] = [
    {
        "code": "giftedness_identification",
        "label": "Выявление и диагностика одарённости",
        "parent": None,
        "synonyms": [
            "выявление одаренных детей",
            "диагностика одаренности",
            "диагностика способностей",
            "идентификация одаренности",
            "психодиагностика",
            "выявление талантов",
        ],
    },
    {
        "code": "gifted_support",
        "label": "Психолого-педагогическое сопровождение одарённых детей",
        "parent": None,
        "synonyms": [
            "сопровождение одаренных детей",
            "поддержка одаренных детей",
            "работа с одаренными детьми",
            "талантливые дети",
            "способные дети",
            "высокомотивированные дети",
            "перспективные дети",
            "одаренные дети",
        ],
    },
    {
        "code": "gifted_primary",
        "label": "Одарённые младшие школьники",
        "parent": "gifted_support",
        "synonyms": [
            "одаренность в начальной школе",
            "способные младшие школьники",
            "одаренные первоклассники",
            "младший школьный возраст",
        ],
    },
    {
        "code": "research_projects",
        "label": "Учебно-исследовательская и проектная деятельность",
        "parent": None,
        "synonyms": [
            "исследовательская деятельность",
            "проектная деятельность",
            "проектно-исследовательская деятельность",
            "индивидуальный проект",
            "учебное исследование",
            "исследовательские работы учащихся",
        ],
    },
    {
        "code": "school_science_society",
        "label": "Школьные научные общества (ШНО)",
        "parent": "research_projects",
        "synonyms": [
            "школьное научное общество",
            "ШНО",
            "научное общество учащихся",
            "НОУ",
            "научное общество обучающихся",
        ],
    },
    {
        "code": "olympiads",
        "label": "Олимпиады и конкурсы",
        "parent": None,
        "synonyms": [
            "олимпиада",
            "ВсОШ",
            "всероссийская олимпиада школьников",
            "конкурс",
            "предметные олимпиады",
            "интеллектуальные конкурсы",
            "научно-практическая конференция школьников",
        ],
    },
    {
        "code": "individual_routes",
        "label": "Индивидуальные образовательные маршруты (ИОМ)",
        "parent": None,
        "synonyms": [
            "ИОМ",
            "индивидуальный образовательный маршрут",
            "индивидуальная образовательная траектория",
            "индивидуальный учебный план",
            "ИУП",
            "персонализированное обучение",
        ],
    },
    {
        "code": "e_learning",
        "label": "Электронное обучение и дистанционные образовательные технологии (ДОТ)",
        "parent": None,
        "synonyms": [
            "дистанционное обучение",
            "ДОТ",
            "электронное обучение",
            "Мобильная электронная школа",
            "ГлобалЛаб",
            "ВКС",
            "видеоконференцсвязь",
            "вебинар",
        ],
    },
    {
        "code": "network_cooperation",
        "label": "Сетевое взаимодействие образовательных организаций",
        "parent": None,
        "synonyms": [
            "сетевое взаимодействие",
            "сетевое партнерство",
            "сетевая форма реализации программ",
            "сетевое сотрудничество",
            "социальное партнерство",
            "межведомственное взаимодействие",
        ],
    },
    {
        "code": "integration_additional",
        "label": "Интеграция урочной, внеурочной деятельности и дополнительного образования",
        "parent": None,
        "synonyms": [
            "интеграция общего и дополнительного образования",
            "урочная и внеурочная деятельность",
            "внеурочная деятельность",
            "дополнительное образование детей",
            "ДОД",
            "кружки",
        ],
    },
    {
        "code": "in_depth_study",
        "label": "Углублённое изучение предметов",
        "parent": None,
        "synonyms": [
            "углубленное изучение",
            "профильное обучение",
            "профильные классы",
            "специализированные классы",
            "предпрофильная подготовка",
            "классы с углубленным изучением",
        ],
    },
    {
        "code": "career_guidance",
        "label": "Профессиональное самоопределение обучающихся",
        "parent": None,
        "synonyms": [
            "профориентация",
            "профессиональное самоопределение",
            "профориентационная работа",
            "профессиональная ориентация",
            "Билет в будущее",
            "выбор профессии",
        ],
    },
    {
        "code": "assessment",
        "label": "Оценивание образовательных результатов",
        "parent": None,
        "synonyms": [
            "оценивание",
            "оценка образовательных результатов",
            "критериальное оценивание",
            "формирующее оценивание",
            "система оценки",
            "мониторинг образовательных результатов",
            "ВПР",
        ],
    },
    {
        "code": "continuity",
        "label": "Преемственность уровней образования",
        "parent": None,
        "synonyms": [
            "преемственность",
            "преемственность детского сада и школы",
            "преемственность ДО и НОО",
            "переход из начальной школы в основную",
            "адаптация первоклассников",
            "преемственность уровней",
        ],
    },
    {
        "code": "inclusive",
        "label": "Инклюзивное образование, дети с ОВЗ и особыми образовательными потребностями",
        "parent": None,
        "synonyms": [
            "ОВЗ",
            "ограниченные возможности здоровья",
            "особые образовательные потребности",
            "ООП",
            "инклюзия",
            "инклюзивное образование",
            "дети-инвалиды",
            "АООП",
        ],
    },
    {
        "code": "motivation",
        "label": "Мотивация обучающихся",
        "parent": None,
        "synonyms": [
            "мотивация",
            "учебная мотивация",
            "познавательная мотивация",
            "познавательный интерес",
            "мотивация к обучению",
            "мотивация к учебной деятельности",
        ],
    },
    {
        "code": "teacher_development",
        "label": "Профессиональное развитие педагогов",
        "parent": None,
        "synonyms": [
            "повышение квалификации",
            "курсы повышения квалификации",
            "КПК",
            "профессиональный стандарт педагога",
            "профстандарт",
            "неформальное образование педагогов",
            "профессиональные компетенции педагогов",
        ],
    },
    {
        "code": "innovation_sites",
        "label": "Предметные лаборатории и инновационные площадки",
        "parent": None,
        "synonyms": [
            "инновационная площадка",
            "предметная лаборатория",
            "региональная инновационная площадка",
            "РИП",
            "ФИП",
            "стажировочная площадка",
            "инновационная деятельность",
        ],
    },
    {
        "code": "social_lifts",
        "label": "Социальные лифты и национальная система выявления молодых талантов",
        "parent": None,
        "synonyms": [
            "социальный лифт",
            "национальная система выявления талантов",
            "молодые таланты",
            "концепция выявления и развития молодых талантов",
            "поддержка талантливой молодежи",
            "Сириус",
        ],
    },
    {
        "code": "dissemination",
        "label": "Распространение педагогического опыта, методические объединения",
        "parent": None,
        "synonyms": [
            "распространение опыта",
            "обобщение опыта",
            "трансляция опыта",
            "методическое объединение",
            "МО",
            "передовой педагогический опыт",
            "ППО",
            "тиражирование опыта",
        ],
    },
    {
        "code": "functional_literacy",
        "label": "Функциональная грамотность",
        "parent": None,
        "synonyms": [
            "читательская грамотность",
            "математическая грамотность",
            "естественнонаучная грамотность",
            "финансовая грамотность",
            "глобальные компетенции",
            "PISA",
            "ФГ",
        ],
    },
    {
        "code": "upbringing",
        "label": "Воспитание и социализация",
        "parent": None,
        "synonyms": [
            "воспитание",
            "воспитательная работа",
            "социализация",
            "рабочая программа воспитания",
            "патриотическое воспитание",
            "классное руководство",
            "Движение первых",
        ],
    },
    {
        "code": "digital_environment",
        "label": "Цифровая образовательная среда",
        "parent": None,
        "synonyms": [
            "ЦОС",
            "цифровая образовательная среда",
            "ФГИС «Моя школа»",
            "Сферум",
            "цифровые образовательные ресурсы",
            "ЦОР",
            "цифровизация образования",
        ],
    },
]


# Addressees of conference recommendations. ORDER MATTERS: `classify_addressee` returns the first type
# one of whose patterns matches, so narrower or more authoritative types come first (e.g. "ГБУ ДПО ..."
# is an institute, not a generic organisation; "педагогам образовательных организаций" are teachers).
# Patterns are lowercase regular expressions applied to text that is lowercased with ё folded to е.
ADDRESSEE_TYPES: list[AddresseeTypeData] = [
    {
        "code": "federal_authority",
        "label": "Федеральные органы власти",
        # Anchored to the heading's first word: a federal body names the country after its own name
        # («Министерству просвещения Российской Федерации», «Минпросвещения России»); «…субъектов Российской
        # Федерации» are the regions' bodies, and «ФГАОУ ДПО «Академия … Минпросвещения России»» is no ministry.
        "patterns": [
            r"^(министерств|минпросвещени|минобрнауки|правительств|департамент|агентств|комитет)"
            r"(?:(?!субъект).)*(российской федерации|\bрф\b|\bроссии\b)",
            r"^рособрнадзор",
            r"^федеральн\w* (орган|агентств|служб|министерств)",
            r"^(комитет\w* )?государственн\w* дум",
            r"^совет\w* федерации",
        ],
    },
    {
        "code": "regional_authority",
        "label": "Региональный орган управления образованием",
        "patterns": [
            r"министерств",
            r"\bмин\w*(обр|прос)",
            r"департамент",
            r"комитет.*област",
            # the federal cities' committees are their regional authorities (Moscow's department is above)
            r"комитет\w* по (образованию|науке)(?:(?!район).)*(санкт-петербург|севастопол)",
            r"правительств",
            r"орган\w* исполнительной власти",
            r"губернатор",
        ],
    },
    {
        "code": "municipal_authority",
        "label": "Муниципальные органы управления образованием",
        "patterns": [
            r"органам местного самоуправления",
            r"местного самоуправлени",
            r"муниципальн\w* орган(ы|ам|ов|а|ами|ах|у|е)?\b",
            r"управлени\w* образовани",
            r"отдел\w* образовани",
            r"комитет\w* по образованию",
            r"администраци\w* (город|муниципальн|район)",
            r"\bмоуо\b",
            r"\bгоро\b",
            r"\bруо\b",
        ],
    },
    {
        "code": "dpo_institutes",
        "label": "Институты ДПО и развития образования",
        "patterns": [
            # an organisation of ДПО named by its form first, «ФГАОУ ДПО «Академия Минпросвещения России»», «ГБУ ДПО
            # ЧИППКРО»: anchored, so the ministry in its name does not make it an authority
            r"^\w+ дпо\b",
            r"\bдпо\b",
            r"институт",
            r"\bипп?к",
            r"ипп?кро",
            r"\bиро\b",
            r"повышени\w* квалификац",
            r"дополнительн\w* профессиональн\w* образовани",
            r"развити\w* образовани",
            r"\bцнппм\b",
            r"непрерывн\w* повышени\w* профессиональн\w* мастерств",
        ],
    },
    {
        "code": "methodical_services",
        "label": "Методические службы и объединения",
        "patterns": [
            r"методическ",
            r"\bмо\b",
            r"\bрмо\b",
            r"\bшмо\b",
            r"\bгмо\b",
            r"\bммс\b",
            r"\bимц\b",
            r"\bммц\b",
        ],
    },
    {
        "code": "teachers",
        "label": "Педагоги",
        "patterns": [
            # «педагогическим вузам, колледжам» are educational organisations
            r"педагог(?!ическ\w* (?:\w+ )?(вуз|университет|колледж|техникум|училищ))",
            r"учител",
            r"преподавател",
            r"воспитател(?!ьн)",  # not «по учебно-воспитательной работе»
            r"классн\w* руководител",
            r"наставник",
            r"тьютор",
        ],
    },
    {
        "code": "educational_organisations",
        "label": "Образовательные организации",
        "patterns": [
            r"образовательн\w* организац",
            r"образовательн\w* учреждени",
            r"школ",
            r"гимнази",
            r"лице[йя]",
            r"детск\w* сад",
            r"\bдоу\b",
            r"\bоо\b",
            r"\bоу\b",
            r"организаци\w* дополнительного образования",
            r"\bвуз",
            r"университет",
            r"колледж",
            r"техникум",
            # the organisation's administration
            r"руководител",
            r"директор",
            r"заведующ",
        ],
    },
    {
        "code": "parents",
        "label": "Родители (законные представители)",
        # Anchored to the heading's first word, which decides before any other type's pattern is tried
        # («Родителям учащихся общеобразовательных организаций» is not the schools' heading); the same words
        # further on («Замещающим семьям», «Приёмным родителям») after the other types' patterns.
        "patterns": [r"^родител", r"^законн\w* представител", r"^семь",
                     r"родител", r"законн\w* представител", r"\bсемь"],
    },
    {
        "code": "students",
        "label": "Обучающиеся",
        "patterns": [r"^обучающ", r"^учащ", r"^школьник", r"^старшеклассник", r"^студент", r"^воспитанник",
                     r"^дет(ям|ей|и)\b", r"обучающ", r"учащ", r"школьник", r"студент", r"воспитанник"],
    },
    {
        "code": "participants",
        "label": "Участники конференции",
        "patterns": [r"участник", r"организатор", r"оргкомитет"],
    },
]


# Level at which a practice has been tried and spread.
SPREAD_LEVELS: list[CodeLabel] = [
    {"code": "institution", "label": "Уровень образовательной организации"},
    {"code": "municipality", "label": "Муниципальный уровень"},
    {"code": "region", "label": "Региональный уровень"},
    {"code": "federal", "label": "Федеральный уровень"},
]


class Licence(TypedDict):
    code: str
    label: str  # as a page and an export name it
    title: str  # the licence's own name, as creativecommons.org gives it in Russian ("" for all rights reserved)
    url: str  # the licence's Russian page ("" for all rights reserved)
    allows: str  # what a reader may do without asking the author


# Terms of reuse of a practice (kb.practices.licences). Without a licence the law allows only the free uses of
# ст. 1274 ГК РФ: quotation and illustration for teaching, to the extent the purpose justifies, naming the author
# and the source; copying a practice's handouts into a course is not one of them.
LICENCES: list[Licence] = [
    {"code": "all_rights", "label": "Все права защищены", "title": "", "url": "",
     "allows": "Без разрешения автора — только цитирование и отрывки в качестве иллюстраций в учебных целях, в "
               "объёме, оправданном целью, с указанием автора и источника (ст. 1274 ГК РФ)."},
    {"code": "cc_by_4", "label": "CC BY 4.0", "title": "Атрибуция 4.0 Международная",
     "url": "https://creativecommons.org/licenses/by/4.0/deed.ru",
     "allows": "Можно копировать, распространять и перерабатывать для любых целей, в том числе коммерческих, с "
               "указанием автора, ссылкой на лицензию и отметкой об изменениях."},
    {"code": "cc_by_sa_4", "label": "CC BY-SA 4.0", "title": "Атрибуция — С сохранением условий 4.0 Международная",
     "url": "https://creativecommons.org/licenses/by-sa/4.0/deed.ru",
     "allows": "Можно копировать, распространять и перерабатывать для любых целей с указанием автора, ссылкой на "
               "лицензию и отметкой об изменениях; переработку — распространять на тех же условиях."},
    {"code": "cc_by_nc_sa_4", "label": "CC BY-NC-SA 4.0",
     "title": "Атрибуция — Некоммерческое использование — С сохранением условий 4.0 Международная",
     "url": "https://creativecommons.org/licenses/by-nc-sa/4.0/deed.ru",
     "allows": "Можно копировать, распространять и перерабатывать только в некоммерческих целях, с указанием "
               "автора, ссылкой на лицензию и отметкой об изменениях; переработку — на тех же условиях."},
]
DEFAULT_LICENCE = "all_rights"


PRACTICE_STATUSES: list[CodeLabel] = [
    {"code": "draft", "label": "Черновик"},
    {"code": "submitted", "label": "На рассмотрении"},
    {"code": "published", "label": "Опубликована"},
    {"code": "returned", "label": "Возвращена на доработку"},
    {"code": "archived", "label": "В архиве"},
]


# Format in which a conference (and so a resolution) was held.
RESOLUTION_FORMATS: list[CodeLabel] = [
    {"code": "in_person", "label": "Очно"},
    {"code": "online", "label": "Дистанционно (ВКС)"},
    {"code": "mixed", "label": "Очно и дистанционно"},
    {"code": "correspondence", "label": "Заочно"},
]


def fold(text: str) -> str:
    """Lowercase, fold ё to е and collapse whitespace (the normalisation addressee patterns expect), in NFC: «ё»
    written as «е» and a combining diaeresis (macOS, a PDF's copy) is «ё» too."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.lower().replace("ё", "е").split())


def alphabetical(text: str) -> tuple[str, str]:
    """A sort key of names in Russian alphabetical order, whatever the database's collation: case not counted, «ё»
    right after «е» (its code point is after «я», so that «Трёхгорный» came after «Троицкий» in a code-point order,
    SQLite's and a C.UTF-8 database's; a ru_RU.UTF-8 one ordered the same list otherwise)."""
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # U+10FFFF, a noncharacter no name holds, after «е»: «ё» comes after every «е…» and before «ж»
    return text.casefold().replace("ё", "е\U0010ffff"), text


_ADDRESSEE_RULES: list[tuple[str, list[re.Pattern[str]]]] = [
    (item["code"], [re.compile(p) for p in item["patterns"]]) for item in ADDRESSEE_TYPES
]


def classify_addressee(text: str) -> str | None:
    """Return the code of the first addressee type whose pattern matches `text`, or None."""
    folded = fold(text)
    if not folded:
        return None
    # A pattern anchored at the start («^родител») names the heading's own first word: it wins over a word further
    # on that another type looks for («Родителям школьников» has «школ» of educational_organisations).
    for anchored in (True, False):
        for code, patterns in _ADDRESSEE_RULES:
            if any(p.pattern.startswith("^") == anchored and p.search(folded) for p in patterns):
                return code
    return None
