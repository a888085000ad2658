"""Bulk import of registries as offices write them: the usual headers («ФИО автора(ов)», «Учебный год», «Наименование
ОО», «Муниципальный район»), authors numbered as a list or with a dash before the position, cut region names
(«Челяб. обл.», «Пермский кр.»), levels joined by «/» and an Excel date that lost its format in «Год»."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.conftest import sign_in
from tests.test_bulk_import import practices, upload, xlsx_bytes
from tests.test_bulk_import_checks import check


def registry(header: list[str], *rows: list[object]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([header, *rows])
    return out.getvalue().encode("utf-8-sig")


# -- headers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "key"), [
    ("ФИО автора(ов)", "authors"), ("Ф.И.О. авторов", "authors"), ("ФИО", "authors"), ("Ф. И. О.", "authors"),
    ("Автор(ы) практики", "authors"), ("Автор(ы)", "authors"), ("Авторы (ФИО, должность)", "authors"),
    ("ФИО автора (авторов)", "authors"), ("Учебный год", "year"), ("Наименование ОО", "organisation"),
    ("Наименование ОУ", "organisation"), ("Образовательное учреждение", "organisation"),
    ("Муниципальный район", "municipality"), ("Муниципальный район (городской округ)", "municipality"),
    ("Город", "municipality"), ("Технология (содержание) опыта", "technology"), ("Наименование", "title"),
])
def test_the_usual_headers_of_registries_are_recognised(written, key):
    """«ФИО автора(ов)», «Учебный год», «Наименование ОО» were «не распознан и пропущен»: the practices were made
    without their authors, year or organisation; «Автор(ы) практики» lost «(ы)» as a note and was «автор практики»."""
    from kb.bulkimport.registry import HEADERS, normalise_header

    assert HEADERS.get(normalise_header(written)) == key


@pytest.mark.parametrize(("written", "key"), [
    ("Предмет(ы)", "subjects"), ("Тема(ы)", "topics"), ("Год(реализации)", "year"), ("Название(полное)", "title"),
    ("Уровень(и) образования", "levels"), ("Автор(ы) практики", "authors"), ("ФИО автора(ов)", "authors"),
])
def test_a_note_in_brackets_right_after_the_word_is_left_out_when_the_header_is_not_found_with_it(written, key):
    """Brackets right after a word were kept for «Автор(ы) практики» to stay whole: «Предмет(ы)», «Тема(ы)»,
    «Год(реализации)» were «не распознан и пропущен» then, «Название(полное)» refused the file."""
    from kb.bulkimport.registry import header_key

    assert header_key(written) == key


def test_a_registry_with_notes_right_after_the_words_loads_them():
    from kb.bulkimport.registry import read_registry

    found = read_registry(registry(["Название(полное)", "Предмет(ы)", "Тема(ы)", "Год(реализации)",
                                    "Уровень(и) образования"],
                                   ["Проектная неделя", "Математика", "Проектная деятельность", "2023", "НОО"]), 100)
    assert (sorted(found.columns), found.warnings) == (["levels", "subjects", "title", "topics", "year"], [])
    assert found.rows[0].values["title"] == "Проектная неделя" and found.rows[0].values["year"] == "2023"


def test_no_header_is_taken_by_two_fields():
    from kb.bulkimport.registry import _SECTION_ALIASES, COLUMNS, normalise_header

    owners: dict[str, set[str]] = {}
    for key, heading, aliases in COLUMNS:
        for name in (heading, *aliases, *_SECTION_ALIASES.get(key, ())):
            owners.setdefault(normalise_header(name), set()).add(key)
    assert {name: keys for name, keys in owners.items() if len(keys) > 1} == {}


def test_a_registry_with_the_usual_headers_loads_every_column(app, make_user):
    admin = make_user("admin")
    data = registry(["Название", "ФИО автора(ов)", "Учебный год", "Наименование ОО", "Муниципальный район", "Регион"],
                    ["Школьное научное общество в 5-м классе", "Иванова Анна Петровна, учитель", "2023/2024",
                     "МАОУ «СОШ № 1»", "Копейский городской округ", "Челябинская область"])
    report = check(app, admin, data, dry_run=False)
    assert report.warnings == [] and [r.errors for r in report.rows] == [[]]
    practice = practices(app)[0]
    assert [(a.name, a.position) for a in practice.authors] == [("Иванова Анна Петровна", "учитель")]
    assert (practice.year, practice.organisation, practice.municipality.name) == (
        2023, "МАОУ «СОШ № 1»", "Копейский городской округ")


@pytest.mark.parametrize(("written", "label"), [
    ("ФИО педагога", "Авторы"), ("Год внедрения", "Год"), ("Школа", "Организация"), ("Аннотацяи", "Аннотация"),
    ("Примечание", None),
])
def test_an_unrecognised_header_like_a_field_is_named_with_it(written, label):
    """A column the aliases miss was «не распознан и пропущен» like any note: nothing told the methodist that the
    practices would be loaded without their authors."""
    from kb.bulkimport.registry import read_registry

    found = read_registry(registry(["Название", written], ["Школьное научное общество", "x"]), 100)
    message = f"Столбец «{written}» не распознан и пропущен"
    assert found.warnings == [message + "." if label is None else
                              f"{message}, хотя похож на «{label}»: его значения не будут загружены. Если это он, "
                              f"назовите столбец «{label}» и загрузите реестр снова."]


def test_a_header_like_a_field_already_read_gets_no_hint():
    from kb.bulkimport.registry import read_registry

    found = read_registry(registry(["Название", "Авторы", "ФИО руководителя"], ["Школьное научное общество", "", ""]),
                          100)
    assert found.warnings == ["Столбец «ФИО руководителя» не распознан и пропущен."]


def test_the_check_page_shows_the_column_like_a_field(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    data = registry(["Название", "ФИО педагога", "Регион"],
                    ["Школьное научное общество", "Иванова А. П.", "Челябинская область"])
    with upload(client, data) as response:
        page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 200
    assert "О файле в целом:" in page
    assert ("Столбец «ФИО педагога» не распознан и пропущен, хотя похож на «Авторы»: его значения не будут "
            "загружены.") in page


# -- authors ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "authors"), [
    ("1. Иванова А. П., учитель химии\n2. Петрова Б. В., учитель биологии",
     [("Иванова А. П.", "учитель химии"), ("Петрова Б. В.", "учитель биологии")]),
    ("1) Иванова А. П.; 2) Петрова Б. В. (директор)", [("Иванова А. П.", ""), ("Петрова Б. В.", "директор")]),
    ("1. Иванова А. П., 2. Петрова Б. В.", [("Иванова А. П.", ""), ("Петрова Б. В.", "")]),
    ("Сидорова Анна Петровна – учитель географии", [("Сидорова Анна Петровна", "учитель географии")]),
    ("Сидорова А. П. — учитель, Петрова Б. В. - методист",
     [("Сидорова А. П.", "учитель"), ("Петрова Б. В.", "методист")]),
    ("Римская-Корсакова Анна Петровна - учитель", [("Римская-Корсакова Анна Петровна", "учитель")]),
    # a dash after what is not a name, or inside the position, stays where it was
    ("Иванова А. П., учитель химии – биологии", [("Иванова А. П.", "учитель химии – биологии")]),
    ("Коллектив авторов – МАОУ СОШ № 1", [("Коллектив авторов – МАОУ СОШ № 1", "")]),
    ("2023. Иванова А. П.", [("2023. Иванова А. П.", "")]),  # a year is no list number
])
def test_list_numbers_and_a_dash_before_the_position_are_not_the_name(cell, authors):
    """«1. Иванова А. П., учитель химии» stored «1. Иванова А. П.» as the name (in citations and the author
    facet); «Сидорова Анна Петровна – учитель географии» was the name as a whole."""
    from kb.bulkimport.services import parse_authors

    assert parse_authors(cell, []) == authors


@pytest.mark.parametrize(("cell", "authors"), [
    ("Петрова Анна Ивановна, И. О. Директора", [("Петрова Анна Ивановна", "И. О. Директора")]),
    ("Петрова А. И., Врио Директора", [("Петрова А. И.", "Врио Директора")]),
    ("Петрова А. И.\nИ. О. Директора школы", [("Петрова А. И.", "И. О. Директора школы")]),
    ("Петрова А. И., И. О. Директора\nСидоров К. Л., учитель",
     [("Петрова А. И.", "И. О. Директора"), ("Сидоров К. Л.", "учитель")]),
])
def test_an_acting_position_is_a_position_without_a_warning(cell, authors):
    """«И. О. Директора» after a comma was read as a co-author «И. О. Директора»; «Врио Директора» was a position
    with the warning that it may be a co-author's name."""
    from kb.bulkimport.services import parse_authors

    warnings: list[str] = []
    assert parse_authors(cell, warnings) == authors
    assert warnings == []


@pytest.mark.parametrize("surname", ["Петрова", "Директорова", "Учителева", "Завучева"])
def test_a_surname_that_begins_like_a_position_is_a_name(surname):
    """«Директорова», «Учителева», «Завучева» began with a position's stem and an ending of three letters: a line
    of them carried on the author before as a position, and after a comma they were a position with no warning
    that they may be a co-author. They are read as «Петрова» is."""
    from kb.bulkimport.services import parse_authors
    from kb.positions import acting_position, position_word

    assert not position_word(surname) and not acting_position(f"И. О. {surname}")
    assert parse_authors(f"Иванова А. П., учитель\n{surname} Анна, методист", []) == [
        ("Иванова А. П.", "учитель"), (f"{surname} Анна", "методист")]
    warnings: list[str] = []
    assert parse_authors(f"Иванова А. П., {surname} Анна", warnings) == [("Иванова А. П.", f"{surname} Анна")]
    assert warnings == [f"Авторы: «{surname} Анна» записано как должность автора «Иванова А. П.». Если это соавтор, "
                        "напишите его ФИО полностью или разделите авторов точкой с запятой."]
    assert parse_authors(f"Иванова А. П., И. О. {surname}", []) == [("Иванова А. П.", ""), (f"И. О. {surname}", "")]


@pytest.mark.parametrize("word", ["Директор", "директора", "Учитель", "учителя", "Завуч", "завуча", "Заведующая",
                                  "Старший", "Зав.", "Мастер", "Члена"])
def test_the_case_forms_of_a_position_word_stay_position_words(word):
    from kb.positions import position_word

    assert position_word(word)


def test_numbered_authors_load_without_their_numbers(app, make_user):
    admin = make_user("admin")
    data = registry(["Название", "Авторы", "Регион"],
                    ["Исследовательские проекты на уроках химии",
                     "1. Иванова А. П., учитель химии\n2. Петрова Б. В., учитель биологии", "Челябинская область"])
    assert [r.errors for r in check(app, admin, data, dry_run=False).rows] == [[]]
    assert [(a.name, a.position) for a in practices(app)[0].authors] == [
        ("Иванова А. П.", "учитель химии"), ("Петрова Б. В.", "учитель биологии")]


# -- regions and levels ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "code", "label"), [
    ("Челяб. обл.", "RU-CHE", "Челябинская область"), ("Свердл. обл.", "RU-SVE", "Свердловская область"),
])
def test_a_region_cut_short_is_read_with_a_warning(app, make_user, cell, code, label):
    """«Челяб. обл.» was an error of the row, though its hint named the region."""
    admin = make_user("admin")
    data = registry(["Название", "Регион"], ["Школьное научное общество", cell])
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []
    assert (f"Регион «{cell}» прочитан как «{label}» (сокращённое название); если это не он, напишите регион "
            "полностью.") in report.rows[0].warnings
    assert practices(app)[0].region_code == code


@pytest.mark.parametrize(("cell", "code"), [("Пермский кр.", "RU-PER"), ("Алтайский кр.", "RU-ALT"),
                                            ("Алтайский кр", "RU-ALT")])
def test_kr_is_krai(app, cell, code):
    from kb.bulkimport.services import Vocabularies

    with app.app_context():
        assert Vocabularies.load().regions.find(cell) == code


@pytest.mark.parametrize("cell", ["Нов. обл.", "Ч. обл.", "Челяб. респ.", "Челяб обл"])  # Новосибирская or Новгородская
def test_a_cut_that_fits_no_region_or_several_stays_an_error(app, cell):
    from kb.bulkimport.services import Vocabularies

    with app.app_context():
        regions = Vocabularies.load().regions
        assert regions.find(cell) is None and regions.shortened(cell) is None


SHORT_REGIONS = [
    ("Свердловская", "RU-SVE"), ("Свердл.", "RU-SVE"), ("Московская", "RU-MOS"), ("Новгородская", "RU-NGR"),
    ("Нижегородская", "RU-NIZ"), ("Алтайский", "RU-ALT"), ("Алтай", "RU-AL"), ("Пермский", "RU-PER"),
    ("Ненецкий", "RU-NEN"), ("Ямало-Ненецкий", "RU-YAN"), ("Ханты-Мансийский", "RU-KHM"), ("Еврейская", "RU-YEV"),
    ("Еврейская обл.", "RU-YEV"), ("Удмуртская", "RU-UD"), ("Донецкая", "RU-DON"),
]


@pytest.mark.parametrize(("cell", "code"), SHORT_REGIONS, ids=[code for _cell, code in SHORT_REGIONS])
def test_a_region_without_the_word_of_its_kind_is_read_with_a_warning(app, make_user, cell, code):
    """«Свердловская» alone was «не найден в словаре»: a name cut short had to have as many words as the region's
    («Свердл. обл.»), and «Московская» got the hint «Москва»."""
    admin = make_user("admin")
    report = check(app, admin, registry(["Название", "Регион"], ["Школьное научное общество", cell]), dry_run=False)
    assert report.rows[0].errors == []
    with app.app_context():
        from kb.vocabularies.services import labels

        label = labels().region[code]
    assert report.rows[0].warnings[-1] == (f"Регион «{cell}» прочитан как «{label}» (сокращённое название); если это "
                                           "не он, напишите регион полностью.")
    assert practices(app)[0].region_code == code


@pytest.mark.parametrize(("cell", "code"), [
    ("Свердловская обл", "RU-SVE"), ("Респ. Татарстан", "RU-TA"), ("Татарстан", "RU-TA"), ("ХМАО", "RU-KHM"),
    ("ХМАО-Югра", "RU-KHM"), ("г. Москва", "RU-MOW"), ("Москва г.", "RU-MOW"), ("Новгородская область", "RU-NGR"),
])
def test_the_usual_other_names_of_a_region_are_read_without_a_warning(app, make_user, cell, code):
    admin = make_user("admin")
    report = check(app, admin, registry(["Название", "Регион"], ["Школьное научное общество", cell]), dry_run=False)
    assert report.rows[0].errors == [] and not [w for w in report.rows[0].warnings if "Регион" in w]
    assert practices(app)[0].region_code == code


@pytest.mark.parametrize(("cell", "hint"), [
    # a part of a compound name is no name of the region: not read, but the region is named
    ("Кабардино", " Возможно, имелось в виду: «Кабардино-Балкарская Республика»."),
    ("Северная", " Возможно, имелось в виду: «Республика Северная Осетия — Алания»."),
    # a cut that fits several regions names them all
    ("Нов. обл.", " Возможно, имелось в виду: «Новгородская область» или «Новосибирская область»."),
    ("Моск.", " Возможно, имелось в виду: «Московская область» или «Москва»."),
    ("Алт.", " Возможно, имелось в виду: «Республика Алтай» или «Алтайский край»."),
    # a cut that is one region's whole word and begins another's: no guess either
    ("Сев.", " Возможно, имелось в виду: «Севастополь» или «Республика Северная Осетия — Алания»."),
    ("Кар.", " Возможно, имелось в виду: «Республика Карелия» или «Карачаево-Черкесская Республика»."),
    ("Свердл обл", " Возможно, имелось в виду: «Свердловская область»."),  # no dot: not read as cut
    # the kind written is not the region's (the hint, if any, is the closest spelling's)
    ("Свердловский край", None), ("Москва обл.", None), ("Донецкая обл.", None),
], ids=["part", "part-of-two-words", "cut-of-two", "city-or-oblast", "republic-or-krai", "cut-of-one-and-another",
        "cut-of-karelia-and-kchr", "cut-without-dot",
        "other-kind", "city-as-oblast", "republic-as-oblast"])
def test_a_short_name_that_names_no_region_or_several_is_an_error_with_the_candidates(app, make_user, cell, hint):
    admin = make_user("admin")
    report = check(app, admin, registry(["Название", "Регион"], ["Школьное научное общество", cell]))
    errors = report.rows[0].errors
    assert errors[0].startswith(f"Регион «{cell}» не найден в словаре.")
    if hint is not None:
        assert errors[0] == f"Регион «{cell}» не найден в словаре.{hint}"


def test_a_hint_names_at_most_five_regions():
    from kb.vocabularies.regions import RegionNames

    def regions(count: int) -> RegionNames:
        return RegionNames([(f"R{i}", f"Кра{'абвгде'[i]}ская область", "область", []) for i in range(count)])

    assert regions(5).read("Кра. обл.").hint() == (
        " Возможно, имелось в виду: «Крааская область», «Крабская область», «Кравская область», «Крагская область» "
        "или «Крадская область».")
    assert regions(6).read("Кра. обл.").candidates == [] and regions(6).read("Кра. обл.").hint() == ""
    assert regions(6).read("Краеская").code == "R5"


def test_levels_joined_by_a_slash_are_each_read(app, make_user):
    """«НОО/ООО» was «не найдено в словаре»."""
    admin = make_user("admin")
    data = registry(["Название", "Регион", "Уровень образования", "Предмет"],
                    ["Школьное научное общество", "Челябинская область", "НОО/ООО", "Алгебра/Геометрия"],
                    ["Школьный театр", "Челябинская область", "НОО/Детский сад на Луне", ""])
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []
    assert report.rows[1].errors == []
    assert ("Уровень образования: значение «НОО/Детский сад на Луне» не найдено в словаре и не загружено."
            in report.rows[1].warnings)
    practice = practices(app)[0]
    assert sorted(level.code for level in practice.levels) == ["basic", "primary"]
    assert [subject.code for subject in practice.subjects] == ["mathematics"]


# -- year ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "year", "date"), [
    (45366, 2024, "15.03.2024"), (45366.0, 2024, "15.03.2024"), ("45366", 2024, "15.03.2024"),
    (32874, 1990, "01.01.1990"), (32873, None, None), (12345, None, None),
])
def test_an_excel_date_serial_in_the_year_is_read_as_that_date(app, cell, year, date):
    """45366 (15.03.2024 in a cell that lost its date format) was «Год 45366 вне допустимого диапазона»."""
    from kb.bulkimport.services import parse_year

    warnings: list[str] = []
    with app.app_context():
        found, error = parse_year(cell, warnings)
    assert found == year and (error is None) == (year is not None)
    assert warnings == ([f"Год: в ячейке число {int(float(cell))} — похоже на дату Excel {date} (ячейка потеряла "
                         f"формат даты), взят её год {year}."] if year else [])


def test_the_last_serial_is_the_end_of_next_year(app):
    import datetime as dt

    from kb.bulkimport.services import EXCEL_EPOCH, parse_year
    from kb.practices import rules

    with app.app_context():
        last = (dt.date(rules.last_year(), 12, 31) - EXCEL_EPOCH).days
        assert parse_year(last, [])[0] == rules.last_year()
        assert "вне допустимого диапазона" in parse_year(last + 1, [])[1]


def test_a_row_with_a_date_serial_for_the_year_loads(app, make_user):
    admin = make_user("admin")
    data = xlsx_bytes([["Школьное научное общество", "Челябинская область", 45366]], ["Название", "Регион", "Год"])
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []
    assert "похоже на дату Excel 15.03.2024" in report.rows[0].warnings[-1]
    assert practices(app)[0].year == 2024
