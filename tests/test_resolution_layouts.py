"""Layouts of real resolutions the parser reads besides the seeds' own: numbered items under numbered addressees,
a «город, дата» line under the heading, a heading with blank lines between its lines (a Word document's PDF or
DOC), running headers and page numbers of a PDF, dash addressees, letter items, nested bullets, Roman numerals.
"""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from kb.pdf import document_bytes
from kb.resolutions.parser import ParsedResolution, extract_text, parse_resolution
from tests.documents import DEJAVU, pdf_bytes
from tests.test_resolution_parser import INLINE_GAZETTEER, _data_gazetteer, check_chelyabinsk, seed

HEAD = "РЕЗОЛЮЦИЯ\nконференции «Одарённые дети»\n\n3 марта 2022 г., г. Челябинск.\n\n"
SEEDS = ["resolution_chelyabinsk_2017.txt", "resolution_smolensk_2023.txt"]


def recs(text: str, gazetteer=INLINE_GAZETTEER) -> list[tuple[str, str, str | None, str]]:
    parsed = parse_resolution(text, gazetteer)
    return [(r.number, r.addressee, r.addressee_type, r.text) for r in parsed.recommendations]


def without_text(parsed: ParsedResolution) -> ParsedResolution:
    return dataclasses.replace(parsed, full_text="")


# ------------------------------------------------------------------------------------------------
# Numbered items under numbered addressees


def test_numbered_items_under_numbered_addressees_keep_their_addressee():
    text = HEAD + """Участники конференции рекомендуют:
1. Управлению образования Чебаркульского городского округа:
1) провести муниципальный конкурс исследовательских работ младших школьников;
2) организовать сетевое взаимодействие школьных научных обществ.
2. Образовательным организациям:
1) создать школьные научные общества;
2) привлекать преподавателей вузов к руководству исследованиями.
"""
    assert recs(text) == [
        ("1.1", "Управлению образования Чебаркульского городского округа", "municipal_authority",
         "провести муниципальный конкурс исследовательских работ младших школьников"),
        ("1.2", "Управлению образования Чебаркульского городского округа", "municipal_authority",
         "организовать сетевое взаимодействие школьных научных обществ."),
        ("2.1", "Образовательным организациям", "educational_organisations", "создать школьные научные общества"),
        ("2.2", "Образовательным организациям", "educational_organisations",
         "привлекать преподавателей вузов к руководству исследованиями."),
    ]


def test_items_numbered_like_their_addressees_restart_under_each():
    text = HEAD + """Участники конференции рекомендуют:
1. Министерству образования и науки Челябинской области:
1. Поддержать региональную сеть школьных театров.
2. Учредить премию для педагогов-наставников.
2. Образовательным организациям:
1. Обновить рабочие программы воспитания.
3. Провести следующую конференцию в 2023 году.
"""
    # The numbering restarted at 1 goes on: «2.» after «1.» is the second item; a number following on the
    # addressees' own («3.» after «2. …:») is a recommendation of its own.
    assert [(n, a.split(" ")[0]) for n, a, _t, _x in recs(text)] == [
        ("1.1", "Министерству"), ("1.2", "Министерству"), ("2.1", "Образовательным"), ("3", "")]


def test_an_item_number_written_twice_under_an_addressee_keeps_the_addressee():
    text = HEAD + """Участники рекомендуют:
1. Министерству образования и науки Челябинской области:
1) провести семинар;
1) издать сборник;
2) открыть площадку.
2. Педагогам:
1) делиться опытом.
"""
    assert [(n, a.split(" ")[0], t) for n, a, _ty, t in recs(text)] == [
        ("1.1", "Министерству", "провести семинар"), ("1.2", "Министерству", "издать сборник"),
        ("1.3", "Министерству", "открыть площадку."), ("2.1", "Педагогам", "делиться опытом.")]
    # a number going back further is a typo too; a number following on the addressees' own is not an item
    text = HEAD + """Участники рекомендуют:
1. Министерству образования и науки Челябинской области:
1. Провести семинар.
2. Издать сборник.
1. Открыть площадку.
2. Продолжить работу.
"""
    assert [(n, a.split(" ")[0]) for n, a, _ty, _t in recs(text)] == [
        ("1.1", "Министерству"), ("1.2", "Министерству"), ("1.3", "Министерству"), ("2", "")]


def test_numbers_written_twice_are_each_given_a_number_of_their_own():
    text = HEAD + "Участники конференции рекомендуют:\n1. Обобщить опыт.\n2. Провести семинар.\n1. Издать сборник.\n"
    assert [n for n, *_ in recs(text)] == ["1", "2", "3"]


# ------------------------------------------------------------------------------------------------
# The place and the date under the heading


@pytest.mark.parametrize("lines, place", [
    ("3 марта 2022 г., г. Миасс\n\nУчастники конференции рекомендуют:", "Миасс"),
    ("3 марта 2022 г.      г. Златоуст\n\nКонференция прошла очно.", "Златоуст"),
    ("г. Копейск\nЗаседание прошло очно 3 марта 2022 г.", "Копейск"),
])
def test_the_place_ends_with_its_line(lines, place):
    res = parse_resolution("РЕЗОЛЮЦИЯ\nсеминара «Наставничество»\n\n" + lines + "\n– обобщить опыт.", _data_gazetteer())
    assert res.place == place


@pytest.mark.parametrize("line, place, dates", [
    ("Челябинск, 20 ноября 2022 года", "Челябинск", (date(2022, 11, 20), date(2022, 11, 20))),
    ("15 февраля 2024 г., г. Омск", "Омск", (date(2024, 2, 15), date(2024, 2, 15))),
    ("27-28.03.2024, г. Екатеринбург", "Екатеринбург", (date(2024, 3, 27), date(2024, 3, 28))),
    ("г. Смоленск                                         24 марта 2023 г.", "Смоленск",
     (date(2023, 3, 24), date(2023, 3, 24))),
    ("Миасс, 3 марта 2022 г.", "Миасс", (date(2022, 3, 3), date(2022, 3, 3))),
])
@pytest.mark.parametrize("spacing", ["\n", "\n\n"])
def test_a_city_and_date_line_under_the_heading_is_not_part_of_the_title(line, place, dates, spacing):
    text = spacing.join(["РЕЗОЛЮЦИЯ", "региональной конференции", "«Цифровая школа»", line, "",
                         "В конференции приняли участие 300 педагогов из Москвы."])
    res = parse_resolution(text, _data_gazetteer())
    assert res.title == "Резолюция региональной конференции «Цифровая школа»"
    assert res.conference_name == "Цифровая школа"
    assert (res.place, (res.date_start, res.date_end)) == (place, dates)


# ------------------------------------------------------------------------------------------------
# A heading with blank lines between its lines


@pytest.mark.parametrize("name", SEEDS)
def test_a_heading_with_blank_lines_between_its_lines_keeps_the_conference_name(name, tmp_path):
    """A Word document's paragraphs have spacing: its PDF or DOC has a blank line after every line."""
    source = seed(name)
    text = source.read_text(encoding="utf-8")
    expected = without_text(parse_resolution(text, INLINE_GAZETTEER))
    spaced = "\n\n".join(text.splitlines())
    assert without_text(parse_resolution(spaced, INLINE_GAZETTEER)) == expected
    pdf = tmp_path / "resolution.pdf"
    pdf.write_bytes(pdf_bytes(spaced.replace("**", ""), size=14))
    assert "\n\n" in extract_text(pdf)  # the test is a test: the PDF's text has the blank lines
    assert without_text(parse_resolution(extract_text(pdf), INLINE_GAZETTEER)) == expected


def test_a_heading_ends_at_a_blank_line_once_the_conference_is_named():
    for after in ("г. Омск", "Общие положения", "Семинар прошёл в Омске. Участники обсудили планы."):
        res = parse_resolution(f"РЕЗОЛЮЦИЯ\n\nсеминара\n\n«Проба»\n\n{after}\n\nОбсудили планы.", INLINE_GAZETTEER)
        assert res.title == "Резолюция семинара «Проба»", after
    res = parse_resolution("РЕЗОЛЮЦИЯ\n\nсеминара методистов\n\nСеминар прошёл в Омске.", INLINE_GAZETTEER)
    assert res.title == "Резолюция семинара методистов"


# ------------------------------------------------------------------------------------------------
# Running headers and page numbers of a PDF


def paged_pdf(text: str) -> bytes:
    """A PDF as Word saves a document with a running header and «Страница N» in its footer."""
    if not DEJAVU.is_file():
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")
    from fpdf import FPDF

    class Paged(FPDF):
        def header(self):
            self.set_font("DejaVu", size=9)
            self.cell(0, 5, text="ГБУ ДПО ЧИППКРО", new_x="LMARGIN", new_y="NEXT")
            self.ln(8)

        def footer(self):
            self.set_y(-15)
            self.set_font("DejaVu", size=9)
            self.cell(0, 5, text=f"Страница {self.page_no()} из {{nb}}", align="C")

    pdf = Paged()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.add_page()
    for line in text.splitlines():
        pdf.set_font("DejaVu", size=14)
        pdf.multi_cell(0, 5, text=line or " ", new_x="LMARGIN", new_y="NEXT")
    return document_bytes(pdf)


def test_a_pdfs_running_header_and_page_numbers_are_not_recommendations(tmp_path):
    from kb.resolutions.services import text_checksum

    source = seed("resolution_chelyabinsk_2017.txt")
    pdf = tmp_path / "resolution.pdf"
    pdf.write_bytes(paged_pdf(source.read_text(encoding="utf-8")))
    from_pdf = parse_resolution(extract_text(pdf), INLINE_GAZETTEER)
    from_txt = parse_resolution(extract_text(source), INLINE_GAZETTEER)
    check_chelyabinsk(from_pdf)
    assert from_pdf.recommendations == from_txt.recommendations
    assert "Страница" not in from_pdf.full_text
    assert text_checksum(from_pdf.full_text) == text_checksum(from_txt.full_text)  # found as already imported


class LaidOutPage:
    """A PDF page as pypdf's layout mode reads it: its lines placed as on the page."""

    def __init__(self, text: str) -> None:
        self.text = text

    def extract_text(self, extraction_mode: str = "plain") -> str:
        return self.text


@pytest.mark.parametrize("bullet", ["\uf0b7", "\uf0a7", "\uf076", "\uf0d8", "\uf0fc", "\uf0a8", "•", "▪", "➢"])
def test_a_word_bullet_after_a_line_that_fills_the_page_starts_an_item(bullet):
    """Word saves a bulleted list's Symbol-font bullet in a PDF as a private-use character (U+F0B7): the item after
    a line reaching the page's right edge was glued onto it («…детей); • продолжить…»), a recommendation lost."""
    from kb.attachments.extract import _pdf_paragraphs

    page = LaidOutPage(
        "4. ГБУ ДПО ЧИППКРО:\n"
        f"{bullet}  расширить практику сетевого взаимодействия с организациями и\n"
        "   учреждениями в целях поддержки и развития одарённых детей);\n"
        f"{bullet}  продолжить отражать в содержании дополнительных программ опыт.\n")
    assert _pdf_paragraphs(page).splitlines() == [
        "4. ГБУ ДПО ЧИППКРО:",
        f"{bullet}  расширить практику сетевого взаимодействия с организациями и учреждениями в целях поддержки и "
        "развития одарённых детей);",
        f"{bullet}  продолжить отражать в содержании дополнительных программ опыт.",
    ]


def test_a_bare_number_closing_a_one_page_pdf_is_kept(tmp_path):
    pdf = tmp_path / "resolution.pdf"
    pdf.write_bytes(pdf_bytes("РЕЗОЛЮЦИЯ\nсеминара «Проба»\n\nУчастники рекомендуют обобщить опыт.\n\n2017"))
    assert extract_text(pdf).endswith("2017")


# ------------------------------------------------------------------------------------------------
# Other layouts of the recommendations


def test_dative_addressees_with_a_dash():
    text = HEAD + """Участники конференции рекомендуют:
Управлению образования Миасского городского округа – организовать муниципальную олимпиаду.
Руководителям общеобразовательных организаций – создать условия для работы школьных научных обществ
Педагогам – использовать индивидуальные образовательные маршруты.
"""
    assert recs(text, _data_gazetteer()) == [
        ("1.1", "Управлению образования Миасского городского округа", "municipal_authority",
         "организовать муниципальную олимпиаду."),
        ("2.1", "Руководителям общеобразовательных организаций", "educational_organisations",
         "создать условия для работы школьных научных обществ"),
        ("3.1", "Педагогам", "teachers", "использовать индивидуальные образовательные маршруты."),
    ]
    # among dash addressees, one the vocabulary does not know is an addressee too, wherever it stands
    text = HEAD + "Участники рекомендуют:\nПедагогам – делиться опытом.\nРодителям – помогать детям.\n" \
        "Педагогам – проводить уроки.\n"
    assert [(n, a) for n, a, _ty, _t in recs(text, _data_gazetteer())] == [
        ("1.1", "Педагогам"), ("2.1", "Родителям"), ("3.1", "Педагогам")]
    text = HEAD + "Участники рекомендуют:\n1. Родителям – помогать детям.\n2. Педагогам – делиться опытом.\n"
    assert [(n, a) for n, a, _ty, _t in recs(text, _data_gazetteer())] == [("1.1", "Родителям"), ("2.1", "Педагогам")]
    # a dash inside a recommendation is no addressee
    assert recs(HEAD + "Участники рекомендуют:\n– Создать клуб – место встреч педагогов;\n")[0][1:3] == (
        "", None)


def test_letter_items_lose_their_letter():
    text = HEAD + """Конференция рекомендует:
1) образовательным организациям:
а) включить задания на функциональную грамотность в урочную деятельность;
б) организовать методические дни;
"""
    assert [(n, t) for n, _a, _ty, t in recs(text)] == [
        ("1.1", "включить задания на функциональную грамотность в урочную деятельность"),
        ("1.2", "организовать методические дни"),
    ]


def test_second_level_bullets_belong_to_the_item_they_follow():
    text = HEAD + """РЕКОМЕНДАЦИИ
1. Министерству образования и науки Челябинской области:
   - организовать курсы повышения квалификации:
       • по цифровой дидактике;
       • по информационной безопасности;
   - обеспечить школы скоростным интернетом.
"""
    assert [(n, t) for n, _a, _ty, t in recs(text)] == [
        ("1.1", "организовать курсы повышения квалификации: по цифровой дидактике; по информационной безопасности"),
        ("1.2", "обеспечить школы скоростным интернетом."),
    ]


def test_roman_numerals_number_the_addressees():
    text = HEAD + """Участники рекомендуют:
I. Министерству образования и науки Челябинской области:
1. Поддержать создание региональной сети школьных театров.
II. Образовательным организациям:
1. Обновить рабочие программы воспитания.
2. Провести открытые уроки.
"""
    assert [(n, a) for n, a, _ty, _t in recs(text)] == [
        ("1.1", "Министерству образования и науки Челябинской области"),
        ("2.1", "Образовательным организациям"), ("2.2", "Образовательным организациям"),
    ]


@pytest.mark.parametrize("trigger", [
    "Заслушав и обсудив выступления, участники конференции РЕШИЛИ:",
    "Участники конференции ПОСТАНОВИЛИ:",
    "Конференция считает необходимым:",
])
def test_decided_and_considers_necessary_begin_the_recommendations(trigger):
    text = HEAD + trigger + """
1. Образовательным организациям:
– создать школьные научные общества;
2. Муниципальным органам управления образованием:
– провести муниципальный форум.
"""
    assert [(n, ty) for n, _a, ty, _t in recs(text)] == [
        ("1.1", "educational_organisations"), ("2.1", "municipal_authority")]


# ------------------------------------------------------------------------------------------------
# Where the recommendations end; addressee headers without a colon


CLOSED = HEAD + """Участники семинара рекомендуют:
1. Образовательным организациям создать школьные научные общества.
2. Методистам обобщить опыт.
{blank}{closing}
"""


@pytest.mark.parametrize("closing", [
    "Принято на пленарном заседании 15 марта 2024 г.\nОргкомитет конференции\nг. Омск, 15.03.2024",
    "Принята на итоговом заседании конференции",
    "Оргкомитет конференции",
    "РАБОЧАЯ ГРУППА",
    "Рабочая группа по подготовке резолюции",
    "г. Омск, 15.03.2024",
    "Челябинск, 20 ноября 2022 года",
    "15 марта 2024 г.",
])
@pytest.mark.parametrize("blank", ["", "\n"])
def test_closing_lines_are_no_recommendations(closing, blank):
    assert [(a, t) for _n, a, _ty, t in recs(CLOSED.format(closing=closing, blank=blank), _data_gazetteer())] == [
        ("Образовательным организациям", "создать школьные научные общества."), ("Методистам", "обобщить опыт.")]


def test_a_recommendation_naming_the_organising_committee_is_kept():
    text = HEAD + """Участники семинара рекомендуют:
1. Оргкомитету конференции опубликовать материалы.
2. Поручить оргкомитету конференции подготовить сборник;
Оргкомитет конференции обеспечит публикацию материалов;
3. Провести конкурс в срок до
1 сентября 2024 г.
"""
    assert [(a, t) for _n, a, _ty, t in recs(text, _data_gazetteer())] == [
        ("Оргкомитету конференции", "опубликовать материалы."),
        ("", "Поручить оргкомитету конференции подготовить сборник"),
        ("", "Оргкомитет конференции обеспечит публикацию материалов"),
        ("", "Провести конкурс в срок до 1 сентября 2024 г.")]


def test_an_addressee_header_without_its_colon_heads_the_points_under_it():
    text = HEAD + """Участники рекомендуют:
1) образовательным организациям
– создать ШНО;
– провести конкурс;
2) педагогам
– использовать опыт.
"""
    assert recs(text, _data_gazetteer()) == [
        ("1.1", "образовательным организациям", "educational_organisations", "создать ШНО"),
        ("1.2", "образовательным организациям", "educational_organisations", "провести конкурс"),
        ("2.1", "педагогам", "teachers", "использовать опыт."),
    ]
    text = HEAD + "Участники рекомендуют:\nОбразовательным организациям\n– создать ШНО;\n\nПедагогам\n" \
        "• обобщить опыт.\n"
    assert [(n, a, t) for n, a, _ty, t in recs(text, _data_gazetteer())] == [
        ("1.1", "Образовательным организациям", "создать ШНО"), ("2.1", "Педагогам", "обобщить опыт.")]


def test_a_recommendation_before_points_is_no_header():
    """A line with something to do in it, or one no point follows, stays a recommendation: the points after
    «Педагогам использовать опыт коллег» are not under it (its addressee is taken, as from «Педагогам – …»)."""
    text = HEAD + """Участники рекомендуют:
1. Педагогам использовать опыт коллег
– в урочной деятельности;
– во внеурочной деятельности.
2. образовательным организациям
3. Методистам обобщить опыт.
"""
    found = recs(text, _data_gazetteer())
    assert [a for _n, a, _ty, _t in found] == ["Педагогам", "", "", "", "Методистам"]
    assert [t for _n, _a, _ty, t in found] == [
        "использовать опыт коллег", "в урочной деятельности", "во внеурочной деятельности.",
        "образовательным организациям", "обобщить опыт."]


def test_symbol_font_bullets_of_an_rtf_are_list_markers(tmp_path):
    """Word's bullets reach an RTF (a DOC, a PDF) as private-use characters of the Symbol font (U+F0B7): the points
    under an addressee were not read as points, and their text began with a box."""
    from tests.test_attachments import symbol_bullets_rtf

    path = tmp_path / "резолюция.rtf"
    path.write_bytes(symbol_bullets_rtf(["создать школьные научные общества;", "провести конкурс."],
                                        intro=HEAD + "Участники рекомендуют образовательным организациям:"))
    text = extract_text(path)
    assert "\uf0b7" not in text
    assert recs(text, _data_gazetteer()) == [
        ("1.1", "образовательным организациям", "educational_organisations", "создать школьные научные общества"),
        ("1.2", "образовательным организациям", "educational_organisations", "провести конкурс."),
    ]


def test_a_dative_addressee_before_an_infinitive_without_a_dash():
    """«1. Педагогам использовать …»: the addressee in the dative, then what to do, with no dash or colon between
    them, as «1. Педагогам — использовать …». A dative that is no addressee («Шахматному образованию уделить …»,
    what to give attention to) and a recommendation without one stay as they were."""
    text = HEAD + """Участники конференции рекомендуют:
1. Педагогам использовать опыт коллег в урочной деятельности.
2. Управлению образования Миасского городского округа организовать муниципальную олимпиаду.
3. Методистам не допускать формального подхода к наставничеству.
4. Шахматному образованию уделить особое внимание.
5. Активно использовать платформы дистанционного обучения.
6. Органам местного самоуправления, осуществляющим управление в сфере образования, обеспечить участие школ.
"""
    assert recs(text, _data_gazetteer()) == [
        ("1.1", "Педагогам", "teachers", "использовать опыт коллег в урочной деятельности."),
        ("2.1", "Управлению образования Миасского городского округа", "municipal_authority",
         "организовать муниципальную олимпиаду."),
        ("3.1", "Методистам", None, "не допускать формального подхода к наставничеству."),
        ("4", "", None, "Шахматному образованию уделить особое внимание."),
        ("5", "", None, "Активно использовать платформы дистанционного обучения."),
        ("6.1", "Органам местного самоуправления, осуществляющим управление в сфере образования", "municipal_authority",
         "обеспечить участие школ."),
    ]
    bullets = HEAD + "Участники рекомендуют:\n– Родителям помогать детям;\n– Методистам обобщить опыт.\n"
    assert recs(bullets, _data_gazetteer()) == [
        ("1.1", "Родителям", "parents", "помогать детям"), ("2.1", "Методистам", None, "обобщить опыт.")]
    # the same as with a dash
    dashed = text.replace("Педагогам использовать", "Педагогам – использовать")
    assert recs(dashed, _data_gazetteer())[0] == recs(text, _data_gazetteer())[0]


def test_who_receives_is_no_addressee():
    """«Победителям олимпиады вручить дипломы» was filed under the addressee «Победителям олимпиады»: the dative of
    вручить, объявить, выплатить… is who receives. An organisation asked to send or give something is asked."""
    text = HEAD + """Участники конференции рекомендуют:
1. Победителям олимпиады вручить дипломы.
2. Участникам конференции объявить благодарность.
3. Слушателям курсов выдать удостоверения.
4. Образовательным организациям направить отчёты в министерство.
5. Методистам оказать помощь молодым педагогам.
6. Руководителям образовательных организаций объявить благодарность педагогам, подготовившим призёров.
7. Руководителям образовательных организаций вынести на обсуждение педагогических советов вопрос о наставничестве.
8. Педагогам выразить благодарность за активное участие в конференции.
9. Учителям, подготовившим победителей олимпиады, вручить почётные грамоты.
"""
    assert recs(text, _data_gazetteer()) == [
        ("1", "", None, "Победителям олимпиады вручить дипломы."),
        ("2", "", None, "Участникам конференции объявить благодарность."),
        ("3", "", None, "Слушателям курсов выдать удостоверения."),
        ("4.1", "Образовательным организациям", "educational_organisations", "направить отчёты в министерство."),
        # the recipient named after the verb: the leading dative is who is asked
        ("5.1", "Методистам", None, "оказать помощь молодым педагогам."),
        ("6.1", "Руководителям образовательных организаций", "educational_organisations",
         "объявить благодарность педагогам, подготовившим призёров."),
        ("7.1", "Руководителям образовательных организаций", "educational_organisations",
         "вынести на обсуждение педагогических советов вопрос о наставничестве."),
        ("8", "", None, "Педагогам выразить благодарность за активное участие в конференции."),
        ("9", "", None, "Учителям, подготовившим победителей олимпиады, вручить почётные грамоты."),
    ]


def test_a_leading_dative_of_a_granting_verb_is_the_recipient_unless_another_is_named():
    """«Обучающимся предоставить возможность …» was filed under «Обучающимся» (a head the vocabulary knows) while
    «Методистам оказать помощь …» had no addressee: both are one case. A verb of granting (предоставить, оказать,
    выделить, назначить) takes whom it gives to in the dative; with no other dative after the verb the leading one
    is that recipient, whoever it names, and the item stays whole without an addressee. A recipient named after the
    verb, or a body the thing is submitted to («в управление образования»), makes the leading dative who is asked."""
    text = HEAD + """Участники конференции рекомендуют:
1. Обучающимся предоставить возможность участвовать в дистанционных олимпиадах.
2. Методистам оказать помощь в подготовке материалов.
3. Руководителям ОО оказать помощь молодым педагогам.
4. Методистам оказать методическую помощь обучающимся, готовящим проекты.
5. Молодым педагогам назначить наставников.
6. Руководителям образовательных организаций предоставить информацию в управление образования.
7. Педагогам предоставить возможность обучения в школах-лабораториях.
8. Образовательным организациям направить отчёты в министерство.
9. Образовательным организациям предоставить отчёты о реализации проектов.
10. Руководителям ОО предоставить ежегодные сведения до 1 декабря.
"""
    assert recs(text, _data_gazetteer()) == [
        ("1", "", None, "Обучающимся предоставить возможность участвовать в дистанционных олимпиадах."),
        ("2", "", None, "Методистам оказать помощь в подготовке материалов."),
        ("3.1", "Руководителям ОО", "educational_organisations", "оказать помощь молодым педагогам."),
        ("4.1", "Методистам", None, "оказать методическую помощь обучающимся, готовящим проекты."),
        ("5", "", None, "Молодым педагогам назначить наставников."),
        ("6.1", "Руководителям образовательных организаций", "educational_organisations",
         "предоставить информацию в управление образования."),
        ("7", "", None, "Педагогам предоставить возможность обучения в школах-лабораториях."),
        ("8.1", "Образовательным организациям", "educational_organisations", "направить отчёты в министерство."),
        # a thing handed in, not granted: the leading dative is who is asked
        ("9.1", "Образовательным организациям", "educational_organisations",
         "предоставить отчёты о реализации проектов."),
        ("10.1", "Руководителям ОО", "educational_organisations", "предоставить ежегодные сведения до 1 декабря."),
    ]


def test_a_body_asked_to_grant_keeps_its_addressee_and_a_known_abbreviation_leads_one():
    """The recipient rule of granting verbs is for people: «Министерству … выделить средства», «Управлению образования
    назначить ответственного» ask the bodies they name. And an abbreviation the vocabulary knows («ИРО», «ОО»), which
    has no case to read, leads an item as its addressee without a dash."""
    text = HEAD + """Участники конференции рекомендуют:
1. Органам местного самоуправления, осуществляющим управление в сфере образования, оказать содействие.
2. Министерству образования и науки Челябинской области выделить средства на проведение олимпиады.
3. Образовательным организациям оказать содействие в проведении конкурса.
4. Управлению образования назначить ответственного за банк практик.
5. ИРО оказать методическую помощь педагогам.
6. ОО обеспечить участие обучающихся в олимпиадах.
7. Обучающимся предоставить возможность участвовать в олимпиадах.
"""
    assert [(number, addressee, kind) for number, addressee, kind, _ in recs(text, _data_gazetteer())] == [
        ("1.1", "Органам местного самоуправления, осуществляющим управление в сфере образования",
         "municipal_authority"),
        ("2.1", "Министерству образования и науки Челябинской области", "regional_authority"),
        ("3.1", "Образовательным организациям", "educational_organisations"),
        ("4.1", "Управлению образования", "municipal_authority"),
        ("5.1", "ИРО", "dpo_institutes"),
        ("6.1", "ОО", "educational_organisations"),
        ("7", "", None),
    ]
