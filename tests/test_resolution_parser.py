"""kb.resolutions.parser on its own: the two real seeds, the demo resolutions and edge cases.

The gazetteer is built inline from the regions these texts need (plus a few look-alikes that must not
be found), so the parser is tested independently of kb.vocabularies.data; the seeds and demos are
parsed once more with the gazetteer built from the real vocabulary when that module is present.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kb.resolutions.parser import (
    Gazetteer,
    ParsedResolution,
    ResolutionFormatError,
    extract_text,
    find_dates,
    normalise,
    parse_resolution,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
DEMO = ROOT / "kb" / "demo" / "resolutions"

# code, name, center, aliases
_REGION_ROWS = [
    ("RU-CHE", "Челябинская область", "Челябинск", ["Южный Урал"]),
    ("RU-SMO", "Смоленская область", "Смоленск", ["Смоленщина"]),
    ("RU-MOW", "Москва", "Москва", ["Москва", "г. Москва"]),
    ("RU-MOS", "Московская область", "Красногорск", ["Подмосковье"]),
    ("RU-STA", "Ставропольский край", "Ставрополь", ["Ставрополье"]),
    ("RU-TA", "Республика Татарстан", "Казань", ["Татарстан"]),
    ("RU-KO", "Республика Коми", "Сыктывкар", ["Коми"]),
    ("RU-AMU", "Амурская область", "Благовещенск", ["Приамурье"]),
    ("RU-NVS", "Новосибирская область", "Новосибирск", []),
    ("RU-OMS", "Омская область", "Омск", []),
    ("RU-NIZ", "Нижегородская область", "Нижний Новгород", []),
    ("RU-PSK", "Псковская область", "Псков", ["Псковщина"]),
    ("RU-SAM", "Самарская область", "Самара", []),
    ("RU-SVE", "Свердловская область", "Екатеринбург", []),
    ("RU-BA", "Республика Башкортостан", "Уфа", ["Башкортостан", "Башкирия"]),
    ("RU-ME", "Республика Марий Эл", "Йошкар-Ола", ["Марий Эл"]),
    ("RU-UD", "Удмуртская Республика", "Ижевск", ["Удмуртия"]),
    ("RU-CU", "Чувашская Республика — Чувашия", "Чебоксары", ["Чувашия", "Чувашская Республика"]),
    ("RU-ULY", "Ульяновская область", "Ульяновск", []),
    ("RU-KIR", "Кировская область", "Киров", []),
    ("RU-PER", "Пермский край", "Пермь", ["Прикамье"]),
    ("RU-TYU", "Тюменская область", "Тюмень", []),
    ("RU-KGN", "Курганская область", "Курган", ["Зауралье"]),
    ("RU-TOM", "Томская область", "Томск", []),
    ("RU-KEM", "Кемеровская область — Кузбасс", "Кемерово", ["Кузбасс", "Кемеровская область"]),
    ("RU-IRK", "Иркутская область", "Иркутск", ["Приангарье"]),
    ("RU-ALT", "Алтайский край", "Барнаул", []),
    ("RU-KYA", "Красноярский край", "Красноярск", []),
    ("RU-AL", "Республика Алтай", "Горно-Алтайск", ["Горный Алтай"]),
    ("RU-KK", "Республика Хакасия", "Абакан", ["Хакасия"]),
    ("RU-NEN", "Ненецкий автономный округ", "Нарьян-Мар", ["НАО"]),
    ("RU-IVA", "Ивановская область", "Иваново", []),
    ("RU-VLA", "Владимирская область", "Владимир", []),
    ("RU-ORL", "Орловская область", "Орёл", ["Орловщина"]),
    ("RU-SPE", "Санкт-Петербург", "Санкт-Петербург", ["Санкт-Петербург", "Петербург", "СПб"]),
    ("KZ", "Республика Казахстан", "Астана", ["Казахстан", "Республика Казахстан"]),
    ("KG", "Кыргызская Республика", "Бишкек", ["Кыргызстан", "Киргизия", "Республика Кыргызстан"]),
]
INLINE_REGIONS = [
    {
        "code": code, "name": name, "center": center, "aliases": aliases,
        "kind": "страна" if code in {"KZ", "KG"} else "", "federal_district": None, "okato": None,
        "country": code if code in {"KZ", "KG"} else "RU",
    }
    for code, name, center, aliases in _REGION_ROWS
]

_ADDRESSEE_RULES = [
    ("regional_authority", r"министерств|департамент|правительств"),
    ("municipal_authority", r"местного самоуправлени|управлени\w* образовани|муниципальн\w* орган"),
    ("dpo_institutes", r"\bдпо\b|институт|иппкро|\bиро\b|повышени\w* квалификац"),
    ("methodical_services", r"методическ"),
    ("teachers", r"педагог|учител"),
    ("educational_organisations", r"образовательн\w* организац|школ|гимнази|лице[йя]"),
    ("participants", r"участник|организатор"),
]


def inline_classify(text: str) -> str | None:
    folded = text.lower().replace("ё", "е")
    for code, pattern in _ADDRESSEE_RULES:
        if re.search(pattern, folded):
            return code
    return None


INLINE_GAZETTEER = Gazetteer.from_regions(INLINE_REGIONS, inline_classify)


def _data_gazetteer() -> Gazetteer:
    data = pytest.importorskip("kb.vocabularies.data")
    return Gazetteer.from_regions(data.REGIONS, data.classify_addressee)


@pytest.fixture(params=["inline", "vocabulary"])
def gazetteer(request) -> Gazetteer:
    return INLINE_GAZETTEER if request.param == "inline" else _data_gazetteer()


def seed(name: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent")
    return SEEDS / name


def parse_file(path: Path, gazetteer: Gazetteer = INLINE_GAZETTEER) -> ParsedResolution:
    return parse_resolution(extract_text(path), gazetteer)


CHELYABINSK_REGIONS = [
    "RU-MOW", "RU-STA", "RU-TA", "RU-KO", "RU-AMU", "RU-NVS", "RU-OMS", "RU-NIZ", "RU-PSK", "RU-SAM", "RU-SVE",
    "RU-CHE", "KZ", "KG",
]


# ------------------------------------------------------------------------------------------------
# The seeds


def check_chelyabinsk(res: ParsedResolution) -> None:
    assert res.title == (
        "Резолюция VII Международной научно-практической конференции «Региональные модели сопровождения "
        "и поддержки одарённых и перспективных детей»"
    )
    assert res.conference_name == "Региональные модели сопровождения и поддержки одарённых и перспективных детей"
    assert (res.date_start, res.date_end) == (date(2017, 4, 17), date(2017, 4, 20))
    assert res.place == "Челябинск"
    assert res.format == "mixed"
    assert res.participants_count == 800
    assert res.participants_text == "более 800"
    assert sorted(res.region_codes) == sorted(CHELYABINSK_REGIONS)
    assert len(res.region_codes) == 14
    assert [c for c in res.region_codes if not c.startswith("RU-")] == ["KZ", "KG"]
    assert res.organiser in (None, "ГБУ ДПО ЧИППКРО")

    recs = res.recommendations
    assert [r.number for r in recs] == ["1.1", "2.1", "3.1", "4.1", "4.2", "4.3", "4.4"]
    assert [r.addressee_type for r in recs] == [
        "regional_authority", "municipal_authority", "educational_organisations",
        "dpo_institutes", "dpo_institutes", "dpo_institutes", "dpo_institutes",
    ]
    assert list(dict.fromkeys(r.addressee for r in recs)) == [
        "Министерству образования и науки Челябинской области",
        "органам местного самоуправления, осуществляющим управление в сфере образования",
        "общеобразовательным организациям",
        "ГБУ ДПО ЧИППКРО",
    ]
    assert recs[0].text.startswith("инициировать использование образовательными организациями")
    assert recs[0].text.endswith("особыми образовательными потребностями")
    assert recs[4].text.startswith("расширить практику сетевого взаимодействия")
    assert "«социальных лифтов»" in recs[4].text
    assert recs[6].text.startswith("провести VIII Международную")
    for rec in recs:
        assert not rec.text.endswith(";")
        assert not rec.text.startswith(("–", "·", "-"))
        assert "  " not in rec.text
    assert "[bookmark" not in res.full_text
    assert "**" not in res.full_text
    assert res.warnings == []


def check_smolensk(res: ParsedResolution) -> None:
    assert res.title == (
        "Резолюция городской научно-практической конференции «Успешные практики сопровождения и поддержки "
        "одарённых обучающихся»"
    )
    assert res.conference_name == "Успешные практики сопровождения и поддержки одарённых обучающихся"
    assert res.date_start == res.date_end == date(2023, 3, 24)
    assert res.place == "Смоленск"
    assert res.format == "online"
    assert res.region_codes[0] == "RU-SMO"
    assert set(res.region_codes) <= {"RU-SMO", "RU-MOW"}
    assert res.participants_count is None
    assert len(res.recommendations) == 1
    rec = res.recommendations[0]
    assert rec.number == "1"
    assert rec.addressee == ""
    assert rec.addressee_type is None  # «Участники конференции рекомендуют …»: who recommends, not to whom
    assert "банк положительного педагогического опыта" in rec.text
    assert rec.text.startswith("одобрить представленный на конференции опыт")
    assert "**" not in res.full_text
    assert res.full_text.startswith("Резолюция\nгородской")
    assert res.warnings == []


def test_chelyabinsk_seed():
    check_chelyabinsk(parse_file(seed("resolution_chelyabinsk_2017.txt")))


def test_smolensk_seed():
    check_smolensk(parse_file(seed("resolution_smolensk_2023.txt")))


def test_seeds_with_the_vocabulary_gazetteer():
    gazetteer = _data_gazetteer()
    chelyabinsk = parse_file(seed("resolution_chelyabinsk_2017.txt"), gazetteer)
    check_chelyabinsk(chelyabinsk)
    assert chelyabinsk.organiser == "ГБУ ДПО ЧИППКРО"
    check_smolensk(parse_file(seed("resolution_smolensk_2023.txt"), gazetteer))


def test_docx_of_the_chelyabinsk_seed_gives_the_same_structure(tmp_path):
    docx = pytest.importorskip("docx")
    source = seed("resolution_chelyabinsk_2017.txt")
    document = docx.Document()
    for line in source.read_text(encoding="utf-8").split("\n"):
        document.add_paragraph(line)
    path = tmp_path / "resolution.docx"
    document.save(str(path))

    from_docx = parse_file(path)
    from_txt = parse_file(source)
    check_chelyabinsk(from_docx)
    assert from_docx == from_txt


def test_docx_tables_are_read_in_order(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("РЕЗОЛЮЦИЯ")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Дата проведения:"
    table.cell(0, 1).text = "24.03.2023"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Место проведения: г. Смоленск"
    document.add_paragraph("Участники конференции рекомендуют обобщить опыт.")
    path = tmp_path / "table.docx"
    document.save(str(path))

    text = extract_text(path)
    assert text.split("\n") == [
        "РЕЗОЛЮЦИЯ", "Дата проведения:", "24.03.2023", "Место проведения: г. Смоленск",
        "Участники конференции рекомендуют обобщить опыт.",
    ]
    res = parse_resolution(text, INLINE_GAZETTEER)
    assert res.place == "Смоленск"
    assert res.date_start == date(2023, 3, 24)
    assert [r.text for r in res.recommendations] == ["обобщить опыт."]


# ------------------------------------------------------------------------------------------------
# The demo resolutions

DEMO_EXPECTATIONS = {
    "resolution_kazan_2019.txt": {
        "dates": (date(2019, 11, 14), date(2019, 11, 15)),
        "place": "Казань",
        "format": "in_person",
        "participants": (430, "430"),
        "regions": ["RU-TA", "RU-BA", "RU-ME", "RU-UD", "RU-CU", "RU-ULY", "RU-SAM", "RU-KIR", "RU-PER"],
        "numbers": ["1.1", "1.2", "2.1", "3.1", "3.2", "4.1", "4.2", "4.3", "5.1"],
        "types": ["regional_authority", "municipal_authority", "educational_organisations", "dpo_institutes",
                  "methodical_services"],
        "organiser": None,
    },
    "resolution_ekaterinburg_2025.md": {
        "dates": (date(2025, 2, 28), date(2025, 2, 28)),
        "place": "Екатеринбург",
        "format": "mixed",
        "participants": (260, "около 260"),
        "regions": ["RU-SVE", "RU-TYU", "RU-KGN"],
        "numbers": ["1"],
        "types": [None],  # «Участники конференции рекомендуют …»: no addressee
        "organiser": None,
    },
    "resolution_novosibirsk_2022.txt": {
        "dates": (date(2022, 10, 18), date(2022, 10, 19)),
        "place": "Новосибирск",
        "format": "online",
        "participants": (450, "более 450"),
        "regions": ["RU-NVS", "RU-TOM", "RU-OMS", "RU-KEM", "RU-IRK", "RU-ALT", "RU-KYA", "RU-AL", "RU-KK"],
        "numbers": ["1.1", "1.2", "2.1", "3.1", "3.2", "3.3", "4.1", "4.2"],
        "types": ["regional_authority", "municipal_authority", "educational_organisations", "teachers"],
        "organiser": "ГАУ ДПО «Областной центр развития инклюзивного образования»",
    },
}


def test_demo_folder_holds_the_three_layouts():
    assert set(DEMO_EXPECTATIONS) <= {p.name for p in DEMO.iterdir()}


@pytest.mark.parametrize("name", sorted(DEMO_EXPECTATIONS))
def test_demo_resolution(name, gazetteer):
    expected = DEMO_EXPECTATIONS[name]
    res = parse_file(DEMO / name, gazetteer)
    assert res.title.startswith("Резолюция ")
    assert res.conference_name and res.conference_name in res.title
    assert (res.date_start, res.date_end) == expected["dates"]
    assert res.place == expected["place"]
    assert res.format == expected["format"]
    assert (res.participants_count, res.participants_text) == expected["participants"]
    assert res.region_codes == expected["regions"]
    assert res.organiser == expected["organiser"]
    assert [r.number for r in res.recommendations] == expected["numbers"]
    assert list(dict.fromkeys(r.addressee_type for r in res.recommendations)) == expected["types"]
    assert all(r.text and not r.text.endswith(";") for r in res.recommendations)
    assert res.warnings == []
    assert "**" not in res.full_text


def test_demo_texts_do_not_copy_the_seeds():
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent")
    seed_sentences = set()
    for path in SEEDS.glob("*.txt"):
        for sentence in re.split(r"(?<=[.;:!?])\s+|\n", normalise(path.read_text(encoding="utf-8"))):
            if len(sentence) > 100:
                seed_sentences.add(" ".join(sentence.split()))
    for path in (DEMO / name for name in DEMO_EXPECTATIONS):
        text = " ".join(normalise(path.read_text(encoding="utf-8")).split())
        assert not [s for s in seed_sentences if s in text], path.name


# ------------------------------------------------------------------------------------------------
# Reading files


def test_extract_text_reads_utf8_with_bom_md_and_cp1251(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeffРезолюция конференции".encode())
    assert extract_text(tmp_path / "bom.txt") == "Резолюция конференции"
    (tmp_path / "note.MD").write_text("**Резолюция**", encoding="utf-8")
    assert extract_text(tmp_path / "note.MD") == "**Резолюция**"
    (tmp_path / "win.txt").write_bytes("Резолюция: одарённые дети".encode("cp1251"))
    assert extract_text(tmp_path / "win.txt") == "Резолюция: одарённые дети"
    for encoding in ("utf-16", "utf-32"):  # with their byte order marks; UTF-32 LE's begins as UTF-16 LE's does
        (tmp_path / "wide.txt").write_bytes("Резолюция: одарённые дети".encode(encoding))
        assert extract_text(tmp_path / "wide.txt") == "Резолюция: одарённые дети"


@pytest.mark.parametrize("encoding", ["koi8-r", "cp866"])
def test_extract_text_reads_a_koi8_r_or_dos_resolution(tmp_path, encoding):
    """A resolution saved in KOI8-R or CP866 (DOS) was read as CP1251 gibberish; it is read in its encoding, as a
    practice's text file is, in capitals too."""
    text = ("РЕЗОЛЮЦИЯ\n1. Рекомендовать образовательным организациям развивать школьные научные общества.\n"
            "2. Методическим объединениям обобщить опыт работы с одарёнными детьми.")
    (tmp_path / "old.txt").write_bytes(text.encode(encoding))
    assert extract_text(tmp_path / "old.txt") == text
    (tmp_path / "old.txt").write_bytes(text.upper().encode(encoding))
    assert extract_text(tmp_path / "old.txt") == text.upper()


def test_a_text_far_longer_than_any_resolution_is_refused(tmp_path):
    from kb.resolutions.parser import MAX_TEXT_LENGTH

    line = "Рекомендовать образовательным организациям развивать школьные научные общества.\n"
    (tmp_path / "big.txt").write_text(line * (MAX_TEXT_LENGTH // len(line) + 1), encoding="utf-8")
    with pytest.raises(ResolutionFormatError, match="слишком длинный для резолюции") as refused:
        extract_text(tmp_path / "big.txt")
    assert "допускается не более 1\u00a0000\u00a0000)" in str(refused.value)
    (tmp_path / "long.txt").write_text(line * (MAX_TEXT_LENGTH // len(line)), encoding="utf-8")
    assert len(extract_text(tmp_path / "long.txt")) <= MAX_TEXT_LENGTH


@pytest.mark.parametrize("name", ["resolution.xls", "resolution.pptx", "resolution"])
def test_unsupported_extension(tmp_path, name):
    path = tmp_path / name
    path.write_text("Резолюция", encoding="utf-8")
    with pytest.raises(ResolutionFormatError, match="Неподдерживаемый формат"):
        extract_text(path)


def test_broken_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(ResolutionFormatError, match="повреждён"):
        extract_text(path)


def test_zip_that_is_not_a_word_document(tmp_path):
    import zipfile

    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "привет")
    with pytest.raises(ResolutionFormatError, match="Не удалось прочитать документ Word"):
        extract_text(path)


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.txt").write_text(" \n\n\ufeff", encoding="utf-8")
    with pytest.raises(ResolutionFormatError, match="пуст"):
        extract_text(tmp_path / "empty.txt")
    docx = pytest.importorskip("docx")
    docx.Document().save(str(tmp_path / "empty.docx"))
    with pytest.raises(ResolutionFormatError, match="пуст"):
        extract_text(tmp_path / "empty.docx")
    with pytest.raises(ResolutionFormatError, match="не найден"):
        extract_text(tmp_path / "missing.txt")


def test_file_over_10_mb(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    with pytest.raises(ResolutionFormatError, match="10 МБ"):
        extract_text(path)


def test_errors_are_value_errors_with_russian_messages(tmp_path):
    path = tmp_path / "x.rtf"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        extract_text(path)
    assert re.search("[а-я]", str(info.value))


# ------------------------------------------------------------------------------------------------
# Normalisation and dates


def test_normalise():
    raw = (
        "\ufeff**Резолюция**  \r\n__конференции__\u00a0«Тест»\r\n\r\n\r\n\r\n"
        "[bookmark: _GoBack]4)ГБУ ДПО ЧИППКРО:   \n· пункт\u00a0первый;\t \n"
    )
    assert normalise(raw) == "Резолюция\nконференции «Тест»\n\n4)ГБУ ДПО ЧИППКРО:\n· пункт первый;"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("С 17 по 20 апреля 2017 года в Челябинске", (date(2017, 4, 17), date(2017, 4, 20))),
        ("17–20 апреля 2017 г.", (date(2017, 4, 17), date(2017, 4, 20))),
        ("17 - 20 апреля 2017", (date(2017, 4, 17), date(2017, 4, 20))),
        ("24 марта 2023 года", (date(2023, 3, 24), date(2023, 3, 24))),
        ("дата: 24.03.2023", (date(2023, 3, 24), date(2023, 3, 24))),
        ("17-20.04.2017", (date(2017, 4, 17), date(2017, 4, 20))),
        ("30.03–02.04.2024", (date(2024, 3, 30), date(2024, 4, 2))),
        ("30 марта – 2 апреля 2024 года", (date(2024, 3, 30), date(2024, 4, 2))),
        ("с 30 декабря 2023 года по 2 января 2024 года", (date(2023, 12, 30), date(2024, 1, 2))),
        ("2023-03-24", (date(2023, 3, 24), date(2023, 3, 24))),
        ("в 2016 году, 10–11 классы", None),
        ("31 февраля 2023 года", None),
    ],
)
def test_find_dates(text, expected):
    assert find_dates(text) == expected


# ------------------------------------------------------------------------------------------------
# Parsing edge cases


@pytest.mark.parametrize("text", ["", "   \n\n  ", "[bookmark: x]"])
def test_empty_text_gives_warnings_not_errors(text):
    res = parse_resolution(text, INLINE_GAZETTEER)
    assert res.recommendations == []
    assert res.title == ""
    assert "Не найдены рекомендации" in res.warnings


def test_text_without_recommendations():
    res = parse_resolution(
        "РЕЗОЛЮЦИЯ\nсеминара «Проба»\n\nСеминар прошёл в Омске. Участники обсудили планы.", INLINE_GAZETTEER
    )
    assert res.title == "Резолюция семинара «Проба»"
    assert res.conference_name == "Проба"
    assert res.recommendations == []
    assert "Не найдены рекомендации" in res.warnings
    assert "Не распознана дата проведения" in res.warnings
    assert res.place == "Омск"


def test_labelled_lines_win_and_headers_continue_on_the_same_line():
    text = """Резолюция
семинара-практикума «Наставничество в школе»

Дата проведения: 5 декабря 2024 г.
Место проведения: Псков, Центр развития образования
Организатор: МБУ «Методический центр»
Формат: очно-дистанционный
Количество участников: 75

Семинар прошёл 1 ноября 2024 года в Омске.
Участники семинара рекомендовали:
1. Управлению образования: создать городской клуб наставников;
2. Общеобразовательным организациям:
* закрепить наставников за молодыми педагогами;
• проводить открытые уроки
для молодых специалистов;
3. Продолжить работу семинара в 2025 году.
Председатель оргкомитета И. И. Иванов
"""
    res = parse_resolution(text, INLINE_GAZETTEER)
    assert (res.date_start, res.place, res.organiser, res.format) == (
        date(2024, 12, 5), "Псков", "МБУ «Методический центр»", "mixed"
    )
    assert (res.participants_count, res.participants_text) == (75, "75")
    assert [(r.number, r.addressee, r.addressee_type) for r in res.recommendations] == [
        ("1.1", "Управлению образования", "municipal_authority"),
        ("2.1", "Общеобразовательным организациям", "educational_organisations"),
        ("2.2", "Общеобразовательным организациям", "educational_organisations"),
        ("3", "", None),
    ]
    texts = {r.number: r.text for r in res.recommendations}
    assert texts["1.1"] == "создать городской клуб наставников"
    assert texts["2.2"] == "проводить открытые уроки для молодых специалистов"
    assert texts["3"] == "Продолжить работу семинара в 2025 году."
    assert "Иванов" not in " ".join(texts.values())


def test_recommendations_heading_with_unnumbered_addressees():
    text = """РЕЗОЛЮЦИЯ круглого стола «Сетевые школы»
Круглый стол состоялся 12.09.2021 в г. Магнитогорске.

РЕКОМЕНДАЦИИ
Методическим объединениям учителей:
- обобщить опыт сетевых проектов;
- провести серию вебинаров.
Участникам круглого стола:
- подготовить публикации.
"""
    res = parse_resolution(text, INLINE_GAZETTEER)
    assert res.date_start == date(2021, 9, 12)
    assert res.place == "Магнитогорск"
    assert [(r.number, r.addressee_type) for r in res.recommendations] == [
        ("1.1", "methodical_services"), ("1.2", "methodical_services"), ("2.1", "participants"),
    ]


def test_parents_and_students_are_addressees():
    """«Родителям:» was not an addressee: its items joined the methodists' group above."""
    text = """РЕЗОЛЮЦИЯ родительской конференции «Семья и школа»
Конференция состоялась 14.11.2024 в г. Смоленске.

РЕКОМЕНДАЦИИ
Методическим объединениям учителей:
- провести родительские собрания по профориентации.
Родителям (законным представителям):
- поддерживать участие детей в олимпиадах.
Обучающимся 9–11 классов:
- вести портфолио достижений.
"""
    res = parse_resolution(text, _data_gazetteer())
    assert [(r.number, r.addressee, r.addressee_type) for r in res.recommendations] == [
        ("1.1", "Методическим объединениям учителей", "methodical_services"),
        ("2.1", "Родителям (законным представителям)", "parents"),
        ("3.1", "Обучающимся 9–11 классов", "students"),
    ]


def test_unknown_addressee_type_is_reported():
    text = "Резолюция\n\n24 марта 2023 года\nУчастники рекомендовали:\n1) Оргкомитету:\n– подвести итоги."
    res = parse_resolution(text, Gazetteer.from_regions(INLINE_REGIONS, lambda _text: None))
    assert [(r.number, r.addressee, r.addressee_type) for r in res.recommendations] == [("1.1", "Оргкомитету", None)]
    assert "Не определён тип адресата: «Оргкомитету»" in res.warnings


def test_gazetteer_without_classifier():
    res = parse_resolution(
        "Резолюция\nУчастники рекомендовали:\n1)Министерству образования:\n– сделать.",
        Gazetteer.from_regions(INLINE_REGIONS),
    )
    assert [(r.number, r.addressee, r.addressee_type) for r in res.recommendations] == [
        ("1.1", "Министерству образования", None)
    ]


# ------------------------------------------------------------------------------------------------
# The gazetteer


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Ставропольского края, Республик Татарстан, Коми", ["RU-STA", "RU-TA", "RU-KO"]),
        ("Амурской, Новосибирской, Омской и Челябинская областей", ["RU-AMU", "RU-NVS", "RU-OMS", "RU-CHE"]),
        ("из Москвы", ["RU-MOW"]),
        ("Республик Казахстан, Кыргызстан", ["KZ", "KG"]),
        ("политики Казахстана и Кыргызстана", ["KZ", "KG"]),
        ("педагоги города Смоленска", ["RU-SMO"]),
        ("в Нижнем Новгороде и Санкт-Петербурге", ["RU-NIZ", "RU-SPE"]),
        ("Удмуртской и Чувашской Республик", ["RU-UD", "RU-CU"]),
        ("Кемеровской области — Кузбасса", ["RU-KEM"]),
        ("работники Российской Федерации", []),
        ("Московского государственного педагогического университета", []),
        ("Омский государственный университет; Омская обл.", ["RU-OMS"]),
        ("На конференции выступил Владимир Иванов, Иванова Мария и Орлова А. В.", []),
        ("г. Владимир и город Иваново", ["RU-VLA", "RU-IVA"]),
        ("педагоги НАО", ["RU-NEN"]),
        ("коми язык и ставропольский край", []),
    ],
)
def test_gazetteer_finds_regions(text, codes):
    assert INLINE_GAZETTEER.find_regions(text) == codes


def test_gazetteer_cities():
    assert INLINE_GAZETTEER.first_city("в Челябинском институте") == "Челябинск"
    assert INLINE_GAZETTEER.first_city("педагоги Челябинской области") is None
    assert INLINE_GAZETTEER.first_city("прошла в Нижнем Новгороде") == "Нижний Новгород"
    assert INLINE_GAZETTEER.city_at("Казани") == "Казань"


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("шахматы челябинская область", ["челябинская область"]),
        ("проекты в Пермском крае", ["Пермском крае"]),
        ("хмао наставничество", ["хмао"]),
        ("смоленская обл. наставничество", ["смоленская обл"]),
        ("олимпиады челябинск", ["челябинск"]),
        ("курганы краеведение", []),  # «Курган» as a city needs «г.»
        ("челябинская школа", ["челябинская"]),  # the centre's adjective, as in a resolution
        ("одаренные дети", []),
    ],
)
def test_regions_named_in_a_search_query_whatever_the_capitals(query, named):
    found = _data_gazetteer().typed_mentions(query)
    assert [query[start:end] for _code, start, end in found] == named
