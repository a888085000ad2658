"""Bulk import of registries in the words methodists write every day: the headers of a «реестр педагогического
опыта» («Тема опыта», «ФИО автора опыта», a separate «Должность», «Краткая аннотация», «№ п/п»), levels as a
school names them («начальная школа», «5-9 классы», «детский сад», «колледж»), topics by a part of their label
or inflected («олимпиады», «дети с ОВЗ», «выявление одарённости»), and a value still unknown that no longer
loses the whole row."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.conftest import sign_in
from tests.test_bulk_import import csv_bytes, practices, row, upload, xlsx_bytes
from tests.test_bulk_import_checks import _with, check
from tests.test_bulk_import_common import registry

# -- headers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "key"), [
    ("Тема опыта", "title"), ("Название опыта", "title"), ("Наименование опыта", "title"),
    ("Наименование практики", "title"), ("Тема практики", "title"), ("ТЕМА ОПЫТА", "title"),
    ("Тема  опыта:", "title"), ("Тема (название) опыта", "title"), ("Тема педагогического опыта", "title"),
    ("ФИО автора опыта", "authors"), ("ФИО автора (авторов)", "authors"), ("Автор(ы)", "authors"),
    ("Ф.И.О. автора опыта", "authors"), ("Фамилия, имя, отчество автора", "authors"),
    ("Краткая аннотация", "annotation"), ("Аннотация опыта", "annotation"), ("Краткая аннотация опыта", "annotation"),
    ("Должность", "position"), ("Должность автора", "position"), ("Должность (полностью)", "position"),
    ("Место работы", "organisation"), ("ОО", "organisation"), ("Образовательная организация", "organisation"),
    ("Тема", "topics"), ("Тематика", "topics"),
])
def test_the_headers_of_an_experience_registry_are_recognised(written, key):
    """«Тема опыта», «Название опыта» were no title: the whole file was refused («нет столбца «Название»»);
    «ФИО автора опыта», «Должность», «Краткая аннотация» were «не распознан и пропущен»."""
    from kb.bulkimport.registry import header_key

    assert header_key(written) == key


def test_a_numbering_column_is_left_out_without_a_word():
    """«№ п/п» is no field of a practice: it was «не распознан и пропущен» in every registry."""
    from kb.bulkimport.registry import read_registry

    for number in ("№ п/п", "№", "п/п", "№ п.п.", "N п/п"):
        found = read_registry(registry([number, "Тема опыта", "ФИО автора опыта"],
                                       ["1", "Школьное научное общество", "Сидорова Е. В."]), 100)
        assert (sorted(found.columns), found.warnings) == (["authors", "title"], []), number


def test_two_columns_cannot_both_claim_the_title():
    """«Название» and «Тема опыта» both name the title: the first is read, the other is named and left out; «Тема»
    (the topics) beside «Тема опыта» is no second title."""
    from kb.bulkimport.registry import read_registry

    found = read_registry(registry(["Название", "Тема опыта", "Тема"],
                                   ["Школьное научное общество", "Исследования в начальной школе", "ШНО"]), 100)
    assert found.columns == {"title": "Название", "topics": "Тема"}
    assert found.warnings == ["Столбец «Тема опыта» повторяет «Название»; взят первый."]
    assert found.rows[0].values["title"] == "Школьное научное общество"
    found = read_registry(registry(["Тема опыта", "Тема"], ["Исследования в начальной школе", "ШНО"]), 100)
    assert found.columns == {"title": "Тема опыта", "topics": "Тема"} and found.warnings == []


def test_no_header_names_two_fields():
    from kb.bulkimport.registry import _SECTION_ALIASES, COLUMNS, MERGED_COLUMNS, normalise_header

    owners: dict[str, set[str]] = {}
    for key, heading, aliases in (*COLUMNS, *MERGED_COLUMNS):
        for name in (heading, *aliases, *_SECTION_ALIASES.get(key, ())):
            owners.setdefault(normalise_header(name), set()).add(key)
    assert {name: keys for name, keys in owners.items() if len(keys) > 1} == {}


def test_the_template_has_no_position_column():
    """«Должность» is read into the authors' line: the template keeps it there, «ФИО, должность»."""
    from kb.bulkimport.registry import template_headers

    assert "Должность" not in template_headers()


EXPERIENCE_HEADER = ["№ п/п", "ФИО автора опыта", "Должность", "Место работы", "Регион", "Тема опыта",
                     "Краткая аннотация"]


def _experience(*rows: list[str]) -> bytes:
    return registry(EXPERIENCE_HEADER, *[[str(number), *values] for number, values in enumerate(rows, 1)])


def _line(authors: str, position: str, title: str = "Школьное научное общество «Почемучка»") -> list[str]:
    return [authors, position, "МОУ «СОШ № 9»", "Челябинская область", title, "Опыт организации ШНО в 1–4 классах."]


def test_an_experience_registry_loads_every_column(app, make_user):
    admin = make_user("admin")
    report = check(app, admin, _experience(_line("Сидорова Елена Викторовна", "учитель начальных классов")),
                   dry_run=False)
    assert report.warnings == [] and [(r.errors, r.warnings[1:]) for r in report.rows] == [([], [])]
    (practice,) = practices(app)
    assert practice.title == "Школьное научное общество «Почемучка»"
    assert [(a.name, a.position) for a in practice.authors] == [("Сидорова Елена Викторовна",
                                                                  "учитель начальных классов")]
    assert practice.organisation == "МОУ «СОШ № 9»"
    assert practice.annotation == "Опыт организации ШНО в 1–4 классах."


@pytest.mark.parametrize(("authors", "position", "expected", "warned"), [
    # positions as many as the authors: each to its author, in order
    ("Иванова А. П.; Петров П. П.", "учитель; директор", [("Иванова А. П.", "учитель"), ("Петров П. П.", "директор")],
     None),
    ("Иванова А. П.\nПетров П. П.", "учитель\nдиректор", [("Иванова А. П.", "учитель"), ("Петров П. П.", "директор")],
     None),
    # one position for several authors: each gets it, and the check says so
    ("Иванова А. П.; Петров П. П.", "учитель математики",
     [("Иванова А. П.", "учитель математики"), ("Петров П. П.", "учитель математики")],
     "Должность «учитель математики» — одна на 2 авторов: записана каждому. Если должности у соавторов разные, "
     "перечислите их в столбце «Должность» через точку с запятой в том же порядке, что и авторов."),
    # a position written in the authors' cell stays; the column fills the others
    ("Иванова А. П., завуч; Петров П. П.", "учитель; директор",
     [("Иванова А. П.", "завуч"), ("Петров П. П.", "директор")], None),
    ("Иванова А. П., учитель", "учитель", [("Иванова А. П.", "учитель")], None),
    # positions that do not pair with the authors are not guessed: the check names them
    ("Иванова А. П.; Петров П. П.; Сидоров С. С.", "учитель; директор",
     [("Иванова А. П.", ""), ("Петров П. П.", ""), ("Сидоров С. С.", "")],
     "Должности «учитель; директор» не записаны: их 2, а авторов 3. Укажите должность каждого автора через точку с "
     "запятой в том же порядке или впишите её в столбец авторов: «ФИО, должность»."),
    ("", "учитель", [], "Должность «учитель» не записана: не указан автор."),
])
def test_a_position_column_goes_into_the_authors_line(app, make_user, authors, position, expected, warned):
    """A separate «Должность» column was «не распознан и пропущен»: the authors were loaded without positions."""
    admin = make_user("admin")
    report = check(app, admin, _experience(_line(authors, position)), dry_run=False)
    (result,) = report.rows
    assert result.errors == []
    assert [w for w in result.warnings if "Должност" in w] == ([warned] if warned else [])
    assert [(a.name, a.position) for a in practices(app)[0].authors] == expected


def test_a_position_column_without_authors_is_named():
    from kb.bulkimport.registry import read_registry

    found = read_registry(registry(["Тема опыта", "Должность"], ["Школьное научное общество", "учитель"]), 100)
    assert sorted(found.columns) == ["title"]
    assert found.warnings == ["Столбец «Должность» пропущен: должности дописываются к авторам, а столбца авторов "
                              "(«Авторы», «ФИО автора») в реестре нет."]


def test_the_check_page_takes_an_experience_registry(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    with upload(client, _experience(_line("Сидорова Елена Викторовна", "учитель"))) as response:
        page = re.sub(r"\s+", " ", response.get_data(as_text=True))
    assert response.status_code == 200 and "Проверка реестра" in page
    assert "не распознан" not in page
    assert "Распознанные столбцы: ФИО автора опыта, Должность, Место работы, Регион, Тема опыта, Краткая аннотация" \
        in page


# -- levels --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "codes"), [
    ("начальная школа", ["primary"]), ("Начальные классы", ["primary"]), ("основная школа", ["basic"]),
    ("старшая школа", ["secondary"]), ("Старшие классы", ["secondary"]), ("детский сад", ["preschool"]),
    ("Детские сады", ["preschool"]), ("ДОУ", ["preschool"]), ("колледж", ["vocational"]), ("Техникум", ["vocational"]),
    ("5-9 классы", ["basic"]), ("1-4 классы", ["primary"]), ("10-11 классы", ["secondary"]),
    ("1–4 кл.", ["primary"]), ("5 - 9 класс", ["basic"]), ("7 класс", ["basic"]), ("с 5 по 9 класс", ["basic"]),
    ("1-11 классы", ["primary", "basic", "secondary"]), ("8-11", ["basic", "secondary"]),
    ("5-9-е классы", ["basic"]), ("2, 3 классы", ["primary"]), ("4 и 5 классы", ["primary", "basic"]),
    ("начальная школа; 5-9 классы", ["primary", "basic"]), ("НОО (начальная школа)", ["primary"]),
    ("начального общего образования", ["primary"]),
])
def test_levels_as_a_school_names_them_are_read(app, make_user, cell, codes):
    """«начальная школа», «5-9 классы», «детский сад» were «не найдено в словаре» (the last with no suggestion at
    all), and the whole row was lost. Grades are read as the levels they span: 1–4 НОО, 5–9 ООО, 10–11 СОО."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Уровень образования", cell)]), dry_run=False)
    assert report.rows[0].errors == []
    assert not [w for w in report.rows[0].warnings if w.startswith("Уровень образования")]
    assert sorted(level.code for level in practices(app)[0].levels) == sorted(codes)


@pytest.mark.parametrize(("cell", "codes"), [
    ("дошкольники", ["preschool"]), ("Дошкольники", ["preschool"]), ("младшие школьники", ["primary"]),
    ("младших школьников", ["primary"]), ("старшеклассники", ["secondary"]), ("в 5-9 классах", ["basic"]),
    ("во 2 классе", ["primary"]), ("для 10-11 классов", ["secondary"]),
    ("курсы повышения квалификации", ["professional_development"]),
    ("Курсы повышения квалификации", ["professional_development"]),
    ("повышение квалификации", ["professional_development"]),
])
def test_the_everyday_words_of_a_level_are_read(app, make_user, cell, codes):
    """«дошкольники», «младшие школьники», «в 5-9 классах», «курсы повышения квалификации» were «не найдено в
    словаре»; they are the words the search's level hints know too (data.LEVELS aliases, one list)."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Уровень образования", cell)]), dry_run=False)
    assert report.rows[0].errors == []
    assert not [w for w in report.rows[0].warnings if w.startswith("Уровень образования")]
    assert sorted(level.code for level in practices(app)[0].levels) == sorted(codes)


@pytest.mark.parametrize(("cell", "meant"), [
    ("средняя школа", "«Начальное общее образование», «Основное общее образование», «Среднее общее образование»"),
    ("вуз", "«Высшее образование — бакалавриат», «Высшее образование — специалитет, магистратура», "
            "«Высшее образование — подготовка кадров высшей квалификации»"),
    ("ВУЗы", "«Высшее образование — бакалавриат», «Высшее образование — специалитет, магистратура», "
             "«Высшее образование — подготовка кадров высшей квалификации»"),
])
def test_a_school_word_of_several_levels_asks_which(app, make_user, cell, meant):
    """«средняя школа» is the whole general school (СОШ, grades 1–11) as often as grades 5–11 or, by law, 10–11;
    «вуз» is any of the vocabulary's three higher levels: the check names the levels and asks, not «не найдено»."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Уровень образования", cell)]))
    assert report.rows[0].errors == []
    assert f"Уровень образования: «{cell}» — это несколько значений словаря: {meant}." in " ".join(
        report.rows[0].warnings)


@pytest.mark.parametrize("cell", ["0-12 классы", "9-5 классы", "12 класс", "5-9"])
def test_grades_out_of_school_are_no_level(app, make_user, cell):
    """A range outside 1–11 (or backwards) is not read as levels: the value is named, the row loads without it."""
    admin = make_user("admin")
    if cell == "5-9":  # «5-9» alone (not a date: a CSV) is a range too
        report = check(app, admin, csv_bytes([_with("Уровень образования", cell)]))
        assert report.rows[0].errors == [] and not any("Уровень" in w for w in report.rows[0].warnings)
        return
    report = check(app, admin, csv_bytes([_with("Уровень образования", cell)]))
    assert report.rows[0].errors == []
    assert any(w.startswith(f"Уровень образования: значение «{cell}» не найдено в словаре")
               for w in report.rows[0].warnings)


@pytest.mark.parametrize(("cell", "codes", "shown", "grades"), [
    (dt.datetime(2024, 9, 5), ["basic"], "05.09", "классы 5–9"),
    (dt.datetime(2024, 4, 1), ["primary"], "01.04", "классы 1–4"),
    (dt.datetime(2024, 11, 8), ["basic", "secondary"], "08.11", "классы 8–11"),
    (dt.datetime(2024, 11, 10), ["secondary"], "10.11", "классы 10–11"),
    (dt.datetime(2024, 7, 7), ["basic"], "07.07", "класс 7"),
    ("05.09.2024", ["basic"], "05.09", "классы 5–9"), ("2024-09-05", ["basic"], "05.09", "классы 5–9"),
    ("01.04.24", ["primary"], "01.04", "классы 1–4"), ("05.сен", ["basic"], "05.09", "классы 5–9"),
    ("1-апр", ["primary"], "01.04", "классы 1–4"), ("5-Sep", ["basic"], "05.09", "классы 5–9"),
    ("детский сад; 01.04.2024", ["preschool", "primary"], "01.04", "классы 1–4"),
])
def test_a_grade_range_excel_made_a_date_is_read_back_as_grades(app, make_user, cell, codes, shown, grades):
    """Excel stores «5-9» typed in a cell as 5 September (XLSX: a date; CSV: the date as text): the check named a
    value nobody typed («2024-09-05» не найдено в словаре) and the row loaded without levels. Day and month both
    a grade, the first not after the second, are the range typed, with a word to check it."""
    admin = make_user("admin")
    base = _with("Уровень образования", cell)
    data = xlsx_bytes([base]) if isinstance(cell, dt.datetime) else csv_bytes([base])
    program = "Excel" if isinstance(cell, dt.datetime) else "Excel или LibreOffice"  # a CSV's may be either's
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []
    assert [w for w in report.rows[0].warnings if w.startswith("Уровень образования")] == [
        f"Уровень образования: ячейка «{shown}» сохранена {program} как дата, прочитано как {grades}; проверьте."]
    assert sorted(level.code for level in practices(app)[0].levels) == sorted(codes)


@pytest.mark.parametrize(("cell", "shown", "typed"), [
    (dt.datetime(2024, 5, 9), "09.05", "«9-5» или «9.5»"), (dt.datetime(2024, 12, 1), "01.12", "«1-12» или «1.12»"),
    (dt.datetime(2024, 3, 12), "12.03", "«12-3» или «12.3»"), ("12.03.2024", "12.03", "«12-3» или «12.3»"),
    ("2024-05-09", "09.05", "«9-5» или «9.5»"),
])
def test_a_date_that_is_no_grade_range_says_excel_made_it(app, make_user, cell, shown, typed):
    """Not a grade range (backwards, or a number no grade): the warning names the date as Excel shows it and
    says Excel made it; the row loads without it, as with any value the vocabulary does not have."""
    admin = make_user("admin")
    base = _with("Уровень образования", cell)
    data = xlsx_bytes([base]) if isinstance(cell, dt.datetime) else csv_bytes([base])
    program = "Excel" if isinstance(cell, dt.datetime) else "Excel или LibreOffice"  # a CSV's may be either's
    report = check(app, admin, data, dry_run=False)
    assert report.rows[0].errors == []
    assert [w for w in report.rows[0].warnings if w.startswith("Уровень образования")] == [
        f"Уровень образования: значение «{shown}» — дата: {program} сам превращает в дату набранное так, как {typed}; "
        "классами оно не читается и не загружено. Задайте ячейке формат «Текстовый» (Формат ячеек → Текстовый), "
        "впишите значение заново и загрузите реестр снова."]
    assert practices(app)[0].levels == []


# -- topics --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "code"), [
    ("олимпиады", "olympiads"), ("Конкурсы", "olympiads"), ("социальные лифты", "social_lifts"),
    ("Социальный лифт", "social_lifts"), ("диагностика одарённости", "giftedness_identification"),
    ("Инклюзивное образование", "inclusive"), ("проектная деятельность", "research_projects"),
    ("электронное обучение", "e_learning"), ("методические объединения", "dissemination"),
    ("инновационные площадки", "innovation_sites"), ("Воспитание", "upbringing"),
    ("функциональной грамотности", "functional_literacy"), ("Олимпиадах и конкурсах", "olympiads"),
])
def test_topics_by_a_part_of_their_label_or_inflected_are_read(app, make_user, cell, code):
    """«олимпиады», «социальные лифты», «Олимпиадах и конкурсах» were «не найдено в словаре», and the whole row was
    lost: a synonym or the label in another form, ё/е find the topic (a part of a label does too, named below)."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Темы", cell)]), dry_run=False)
    assert report.rows[0].errors == []
    assert not [w for w in report.rows[0].warnings if w.startswith("Темы")]
    assert [topic.code for topic in practices(app)[0].topics] == [code]


@pytest.mark.parametrize(("cell", "code", "label"), [
    ("дети с ОВЗ", "inclusive", "Инклюзивное образование, дети с ОВЗ и особыми образовательными потребностями"),
    ("детей с ОВЗ", "inclusive", "Инклюзивное образование, дети с ОВЗ и особыми образовательными потребностями"),
    ("выявление одарённости", "giftedness_identification", "Выявление и диагностика одарённости"),
    ("Выявление одаренности", "giftedness_identification", "Выявление и диагностика одарённости"),
    ("Учебно-исследовательская деятельность", "research_projects",
     "Учебно-исследовательская и проектная деятельность"),
])
def test_a_topic_read_by_a_part_of_its_label_is_named(app, make_user, cell, code, label):
    """A value that is only a part of a topic's label (neither the label nor a synonym) loads, and the row says
    which topic it was read as: the methodist sees a part that meant something else."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Темы", cell)]), dry_run=False)
    assert report.rows[0].errors == []
    assert [w for w in report.rows[0].warnings if w.startswith("Темы")] == [
        f"Темы: «{cell}» прочитано как тема «{label}»; если имелось в виду другое, исправьте значение в файле."]
    assert [topic.code for topic in practices(app)[0].topics] == [code]


@pytest.mark.parametrize("cell", [
    "Дополнительное образование", "дошкольное образование", "Выявление", "Учебно-исследовательская", "Интеграция",
])
def test_a_fragment_of_a_topic_label_is_no_topic(app, make_user, cell):
    """«Дополнительное образование» (a level) loaded as «Интеграция урочной, внеурочной деятельности и
    дополнительного образования», «Выявление» alone as «Выявление и диагностика одарённости», without a word: a
    part of a label finds its topic only with two words at least, and never when it is a level's name."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([_with("Темы", cell)]), dry_run=False)
    assert report.rows[0].errors == []
    assert any(w.startswith(f"Темы: значение «{cell}» не найдено в словаре") for w in report.rows[0].warnings)
    assert practices(app)[0].topics == []


# -- a value still unknown -------------------------------------------------------------------------------------


def test_an_unknown_value_is_named_and_the_row_loads_with_the_others(app, make_user):
    """A methodist loading 200 rows lost each row for one value the vocabulary does not have. Now the row loads
    with the values found; the warning names the unknown one (with a suggestion where one is close), and the check
    sums them up for the file with the rows."""
    admin = make_user("admin")
    rows = [row("U-1", "Школьное научное общество", levels="НОО; Лунная школа", topics="ШНО; Олимпиадды"),
            row("U-2", "Проектная неделя", topics="Космос"),
            row("U-3", "Кружок робототехники", topics="Космос", subjects="Естествознание; Физика")]
    report = check(app, admin, csv_bytes(rows), dry_run=False)
    assert [r.errors for r in report.rows] == [[], [], []]
    assert [r.action for r in report.rows] == ["create"] * 3
    first, second, third = (r.warnings for r in report.rows)
    assert "Уровень образования: значение «Лунная школа» не найдено в словаре и не загружено." in first
    assert ("Темы: значение «Олимпиадды» не найдено в словаре и не загружено. Возможно, имелось в виду: «Олимпиады и "
            "конкурсы».") in first
    assert "Темы: значение «Космос» не найдено в словаре и не загружено." in second
    assert "Предмет: значение «Естествознание» не найдено в словаре и не загружено." in third
    loaded = practices(app)
    assert [[level.code for level in p.levels] for p in loaded] == [["primary"], ["primary"], ["primary"]]
    assert [[topic.code for topic in p.topics] for p in loaded] == [["school_science_society"], [], []]
    assert [subject.code for subject in loaded[2].subjects] == ["physics"]
    assert report.warnings == [
        "Значения, которых нет в словаре, не загружены (строки загружены без них): Уровень образования «Лунная "
        "школа» — строка 2; Темы «Олимпиадды» — строка 2; Темы «Космос» — строки 3, 4; Предмет «Естествознание» — "
        "строка 4. Исправьте их в файле и загрузите реестр снова: практики обновятся по внешнему идентификатору."]


def test_an_unknown_value_keeps_what_a_loaded_practice_has(app, make_user):
    """Loaded again with a cell whose every value is unknown, the practice keeps its levels: nothing stored is
    lost for a misspelling; a cell with a value found replaces them, as before."""
    admin = make_user("admin")
    check(app, admin, csv_bytes([row("K-1", "Школьное научное общество", levels="НОО; ООО")]), dry_run=False)
    report = check(app, admin, csv_bytes([row("K-1", "Школьное научное общество", levels="Лунная школа")]),
                   dry_run=False)
    assert report.rows[0].errors == [] and report.rows[0].action in ("update", "unchanged")
    assert ("Уровень образования: значение «Лунная школа» не найдено в словаре; остались прежние значения: "
            "«Начальное общее образование», «Основное общее образование».") in report.rows[0].warnings
    assert sorted(level.code for level in practices(app)[0].levels) == ["basic", "primary"]
    check(app, admin, csv_bytes([row("K-1", "Школьное научное общество", levels="СОО; Лунная школа")]), dry_run=False)
    assert [level.code for level in practices(app)[0].levels] == ["secondary"]


def test_a_row_without_a_title_is_still_refused(app, make_user):
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([row("T-1", "", topics="Космос")]))
    assert report.rows[0].errors == ["Не указано название практики."]
    assert report.rows[0].failed


def test_an_unknown_region_still_refuses_the_row(app, make_user):
    """The region decides whose practice it is (a methodist's scope): it is not guessed or left out."""
    admin = make_user("admin")
    report = check(app, admin, csv_bytes([row("T-1", "Школьное научное общество", region="Лунная область")]))
    assert report.rows[0].failed
    assert report.rows[0].errors[0].startswith("Регион «Лунная область» не найден в словаре.")


def test_an_unknown_spread_level_is_named_and_the_row_loads(app, make_user):
    admin = make_user("admin")
    values = _with("Уровень распространения", "Космический")
    report = check(app, admin, csv_bytes([values]), dry_run=False)
    assert report.rows[0].errors == []
    assert ("Уровень распространения «Космический» не распознан и не загружен. Допустимо: «Уровень образовательной "
            "организации», «Муниципальный уровень», «Региональный уровень», «Федеральный уровень».") \
        in report.rows[0].warnings
    assert practices(app)[0].spread_level is None
