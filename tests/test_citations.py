"""Citing: ГОСТ Р 7.0.100–2018 references for typical cases, RIS and BibTeX downloads, the citation box."""

import html
import re
from datetime import date

import pytest
from flask import render_template_string

from kb.attachments.models import Attachment
from kb.citations.services import bibtex, gost_reference, parse_name, reference_sort_key, ris
from kb.extensions import db
from kb.practices.models import Practice
from kb.resolutions.models import Recommendation, Resolution
from tests.conftest import sign_in

URL = "https://bank.example/practices/1"
ACCESSED = date(2026, 11, 23)
HOST = "Текст : электронный // Банк практик : [сайт]. – 2020. – URL: https://bank.example/practices/1 " \
       "(дата обращения: 23.11.2026)."


def _practice(app, make_practice, authors, **fields) -> Practice:
    pid = make_practice("Школьное научное общество в начальной школе", authors=authors, **fields)
    return db.session.get(Practice, pid)


@pytest.mark.parametrize(("name", "heading", "responsibility"), [
    ("Иванова Анна Петровна", "Иванова, А. П.", "А. П. Иванова"),
    ("Иванова А.П.", "Иванова, А. П.", "А. П. Иванова"),
    ("А. П. Иванова", "Иванова, А. П.", "А. П. Иванова"),
    ("Салтыков-Щедрин Михаил Евграфович", "Салтыков-Щедрин, М. Е.", "М. Е. Салтыков-Щедрин"),
    ("Петрова Анна-Мария", "Петрова, А.-М.", "А.-М. Петрова"),
    ("Жуковский", "Жуковский", "Жуковский"),
    ("Петрова А.-М.", "Петрова, А.-М.", "А.-М. Петрова"),
    ("иванова анна петровна", "Иванова, А. П.", "А. П. Иванова"),
    # what the form's «ФИО, должность» line also carries: a remark in brackets, a degree
    ("Иванова Анна Петровна (учитель)", "Иванова, А. П.", "А. П. Иванова"),
    ("к.п.н. Иванова А. П.", "Иванова, А. П.", "А. П. Иванова"),
    ("Иванова А. П., канд. пед. наук", "Иванова, А. П.", "А. П. Иванова"),
    ("Сидоров Пётр Ильич, к.ф.-м.н., доц.", "Сидоров, П. И.", "П. И. Сидоров"),
    # a body is cited as written
    ("Педагогический коллектив МАДОУ № 12", "Педагогический коллектив МАДОУ № 12",
     "Педагогический коллектив МАДОУ № 12"),
    # the registry's capitals, a two-letter initial, initials written together, a Latin name given first,
    # a patronymic closed by «оглы» / «кызы», a title written out after the name
    ("ИВАНОВА Анна Петровна", "Иванова, А. П.", "А. П. Иванова"),
    ("САЛТЫКОВ-ЩЕДРИН МИХАИЛ ЕВГРАФОВИЧ", "Салтыков-Щедрин, М. Е.", "М. Е. Салтыков-Щедрин"),
    ("Смит Дж. Р.", "Смит, Дж. Р.", "Дж. Р. Смит"),
    ("Иванова АП", "Иванова, А. П.", "А. П. Иванова"),
    ("ИВАНОВА ЯН", "Иванова, Я.", "Я. Иванова"),  # a short name in capitals is not two initials
    ("John Smith", "Smith, J.", "J. Smith"),
    ("John R. Smith", "Smith, J. R.", "J. R. Smith"),
    ("Smith, John", "Smith, J.", "J. Smith"),
    ("Алиев Тимур Рашид оглы", "Алиев, Т. Р.", "Т. Р. Алиев"),
    ("Мамедова Айгюн Рашид кызы", "Мамедова, А. Р.", "А. Р. Мамедова"),
    ("оглы", "Оглы", "Оглы"),  # the word alone is the name: no error for a line of it alone
    ("Иванова Анна Петровна доцент", "Иванова, А. П.", "А. П. Иванова"),
    ("Иванова а. п.", "Иванова, А. П.", "А. П. Иванова"),
    # surnames shaped like a body's word in the genitive plural stay persons
    ("Советов Иван Петрович", "Советов, И. П.", "И. П. Советов"),
    ("Садов Олег", "Садов, О.", "О. Садов"),
])
def test_names_take_the_forms_of_heading_and_responsibility(name, heading, responsibility):
    parsed = parse_name(name)
    assert parsed.heading() == heading
    assert parsed.responsibility() == responsibility


def test_two_capitals_after_a_surname_are_two_initials():
    """«Смирнова ЕВ» is «Е. В.» though the dictionary reads «ев» as a form of «Ева» (32 pairs were such); in a name
    all in capitals a pair read first of all as a given name stays one («ИВАНОВА ЯН»), «ИВ» does not."""
    letters = "АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЭЮЯ"
    lost = [a + b for a in letters for b in letters if parse_name(f"Иванова {a}{b}").heading() != f"Иванова, {a}. {b}."]
    assert lost == []
    assert parse_name("Петров ИВ").responsibility() == "И. В. Петров"
    assert parse_name("Смирнова ЕВ").full_inverted() == "Смирнова, Е. В."
    assert parse_name("ПЕТРОВ ИВ").heading() == "Петров, И. В."
    assert parse_name("ИВАНОВА ЯН").heading() == "Иванова, Я."
    assert parse_name("Ли Ян").heading() == "Ли, Я."  # a two-letter surname and name written as names are


@pytest.mark.parametrize(("name", "heading"), [
    ("Ольга Ивановна Петрова", "Петрова, О. И."),
    ("Анна-Мария Петрова", "Петрова, А.-М."),
    ("ОЛЬГА ИВАНОВНА ПЕТРОВА", "Петрова, О. И."),
    ("Лев Толстой", "Толстой, Л."),
    ("Учитель Иванова А.П.", "Иванова, А. П."),
    ("Педагог-психолог Смирнова Елена Викторовна", "Смирнова, Е. В."),
    ("Старший воспитатель Петрова Анна Ивановна", "Петрова, А. И."),
    # the surname first stays first, a surname shaped like a position too
    ("Толстой Лев", "Толстой, Л."),
    ("Роман Ольга Петровна", "Роман, О. П."),
    ("Мастерова Анна", "Мастерова, А."),
    ("Мастеров Иван Петрович", "Мастеров, И. П."),
])
def test_a_given_name_or_a_position_written_first_is_not_the_surname(name, heading):
    assert parse_name(name).heading() == heading


@pytest.mark.parametrize(("name", "heading"), [
    # a word shaped like a position before a given name and the patronymic, a given name or initials is the surname
    ("Учитель Юрий Ефимович", "Учитель, Ю. Е."),
    ("Мастер Иван Петрович", "Мастер, И. П."),
    ("Доктор Анна Петровна", "Доктор, А. П."),
    ("Учитель Юрий", "Учитель, Ю."),
    ("Мастер И.П.", "Мастер, И. П."),
    ("Учитель Тимур Рашид оглы", "Учитель, Т. Р."),
    # a position of several words before a name of a recognisable form is left out
    ("Учитель начальных классов Иванова А. П.", "Иванова, А. П."),
    ("Педагог дополнительного образования Сидорова Л. В.", "Сидорова, Л. В."),
    ("Заместитель директора по УВР Петрова О. И.", "Петрова, О. И."),
    ("Зам. директора по УВР Петрова О.И.", "Петрова, О. И."),
    ("Учитель истории и обществознания Иванова Анна Петровна", "Иванова, А. П."),
    ("Учитель начальных классов Мастер Иван Петрович", "Мастер, И. П."),
    ("Советник директора по воспитанию Алиев Тимур Рашид оглы", "Алиев, Т. Р."),
    ("Руководитель творческой группы Иванова А. П.", "Иванова, А. П."),
])
def test_a_position_is_left_out_only_before_a_surname(name, heading):
    parsed = parse_name(name)
    assert not parsed.corporate and parsed.heading() == heading


@pytest.mark.parametrize(("name", "heading"), [
    ("И. о. директора Петрова А. И.", "Петрова, А. И."),
    ("И. О. директора Петрова Анна Ивановна", "Петрова, А. И."),
    ("и.о. заведующего МБДОУ Петрова А.И.", "Петрова, А. И."),
    ("Врио директора Петрова А. И.", "Петрова, А. И."),
    ("ВрИО Директора Петрова Анна Ивановна", "Петрова, А. И."),
    ("И. о. директора школы Петрова А. И.", "Петрова, А. И."),
    ("Исполняющий обязанности директора Петрова А. И.", "Петрова, А. И."),
    ("И. о. директора Петрова", "Петрова"),
    # the initials «И. О.» before a surname are no acting position, a surname shaped like a position word neither
    ("И. О. Сидорова", "Сидорова, И. О."),
    ("И. О. Директорова", "Директорова, И. О."),
])
def test_an_acting_position_before_the_name_is_left_out(name, heading):
    """«И. о. директора Петрова А. И.» was cited «И., о. директора Петрова А. И.»: the form and the registry read
    «И. О. директора» as a position (kb.positions), the references did not."""
    parsed = parse_name(name)
    assert not parsed.corporate and parsed.heading() == heading


@pytest.mark.parametrize("name", ["и.о. заведующего МБДОУ", "И. о. директора ДЮСШ Петров", "Директор МБОУ СОШ",
                                  "Методист ГБУ ДПО ЧИППКРО", "Заведующий МАДОУ"])
def test_a_position_before_a_body_s_abbreviation_leaves_the_line_whole(name):
    """Left out before an abbreviation, the position left the body's name as the author: «Мбдоу», «Дюсш, П.»,
    «Мбоу, С. О. Ш.». Such a line is a body's, cited as written."""
    parsed = parse_name(name)
    assert parsed.corporate and parsed.heading() == name


@pytest.mark.parametrize("surname", ["Директорова", "Учителева", "Завучева", "Методистова", "Мастерова"])
@pytest.mark.parametrize(("given", "initials"), [("Анна", "А."), ("Анна Петровна", "А. П."), ("А. П.", "А. П.")])
def test_a_surname_that_begins_like_a_position_is_the_surname(surname, given, initials):
    """«Директорова Анна» began with «директор» and an ending of three letters: a position word to kb.positions."""
    assert parse_name(f"{surname} {given}").heading() == f"{surname}, {initials}"
    assert parse_name(f"Учитель {surname} {given}").heading() == f"{surname}, {initials}"


def test_the_reference_names_the_author_without_the_acting_position(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("И. о. директора Петрова А. И.", ""),
                                                  ("И. О. директора Сидорова Анна Ивановна", "")])
        reference = gost_reference(practice, URL, ACCESSED)
        assert reference.startswith("Петрова, А. И. Школьное научное общество в начальной школе / А. И. Петрова, "
                                    "А. И. Сидорова. – "), reference
        assert "директора" not in reference and "И. о." not in reference
        assert "AU  - Петрова, А. И.\r\nAU  - Сидорова, Анна Ивановна\r\n" in ris(practice, URL, ACCESSED)


@pytest.mark.parametrize(("name", "heading", "responsibility", "inverted"), [
    # a particle written in lower case belongs to the surname, wherever the surname stands, and stays as written
    ("де Голль Шарль", "де Голль, Ш.", "Ш. де Голль", "де Голль, Шарль"),
    ("ван Гог Винсент", "ван Гог, В.", "В. ван Гог", "ван Гог, Винсент"),
    ("Шарль де Голль", "де Голль, Ш.", "Ш. де Голль", "де Голль, Шарль"),
    ("Ш. де Голль", "де Голль, Ш.", "Ш. де Голль", "де Голль, Ш."),
    ("де Голль Ш.", "де Голль, Ш.", "Ш. де Голль", "де Голль, Ш."),
    ("ван дер Варден Бартель", "ван дер Варден, Б.", "Б. ван дер Варден", "ван дер Варден, Бартель"),
    ("фон Визин Денис Иванович", "фон Визин, Д. И.", "Д. И. фон Визин", "фон Визин, Денис Иванович"),
    ("де голль шарль", "де Голль, Ш.", "Ш. де Голль", "де Голль, Шарль"),
    ("Vincent van Gogh", "van Gogh, V.", "V. van Gogh", "van Gogh, Vincent"),
    # two given names before the surname, without a patronymic: the surname is the last word
    ("Анна Мария Петрова", "Петрова, А. М.", "А. М. Петрова", "Петрова, Анна Мария"),
    ("Мария Анна Петрова", "Петрова, М. А.", "М. А. Петрова", "Петрова, Мария Анна"),
    # the usual forms stay as they were
    ("Иванова Анна Петровна", "Иванова, А. П.", "А. П. Иванова", "Иванова, Анна Петровна"),
    ("Иванова А. П.", "Иванова, А. П.", "А. П. Иванова", "Иванова, А. П."),
    ("А. П. Иванова", "Иванова, А. П.", "А. П. Иванова", "Иванова, А. П."),
    ("Иванова Анна Мария", "Иванова, А. М.", "А. М. Иванова", "Иванова, Анна Мария"),
    ("Ольга Ивановна Петрова", "Петрова, О. И.", "О. И. Петрова", "Петрова, Ольга Ивановна"),
])
def test_a_particle_stays_with_the_surname_and_given_names_may_come_first(name, heading, responsibility, inverted):
    """«де Голль Шарль» was cited «Де, Г. Ш.» and «Шарль де Голль» as a body; «Анна Мария Петрова» — «Анна, М. П.»."""
    parsed = parse_name(name)
    assert not parsed.corporate
    assert (parsed.heading(), parsed.responsibility(), parsed.full_inverted()) == (heading, responsibility, inverted)


@pytest.mark.parametrize(("name", "heading", "responsibility"), [
    # a particle written with a capital, before a capitalised surname and initials, is the surname's, as written
    ("Ван Гог В.", "Ван Гог, В.", "В. Ван Гог"),
    ("Ван дер Берг А. А.", "Ван дер Берг, А. А.", "А. А. Ван дер Берг"),
    ("Ван Дер Берг А. А.", "Ван Дер Берг, А. А.", "А. А. Ван Дер Берг"),
    ("Де Голль Ш.", "Де Голль, Ш.", "Ш. Де Голль"),
    ("Фон Браун В. Ф.", "Фон Браун, В. Ф.", "В. Ф. Фон Браун"),
    ("Да Силва Ж.", "Да Силва, Ж.", "Ж. Да Силва"),
    ("Ш. Де Голль", "Де Голль, Ш.", "Ш. Де Голль"),
    ("Ван Гог В.Ф.", "Ван Гог, В. Ф.", "В. Ф. Ван Гог"),
    ("фон Браун В.", "фон Браун, В.", "В. фон Браун"),  # in lower case, as before
    # surnames pymorphy reads as given names, after particles that cannot be a surname of their own there
    ("Ван дер Варден Б. Л.", "Ван дер Варден, Б. Л.", "Б. Л. Ван дер Варден"),
    ("Б. Л. Ван дер Варден", "Ван дер Варден, Б. Л.", "Б. Л. Ван дер Варден"),
    ("Ван дер Хейден К.", "Ван дер Хейден, К.", "К. Ван дер Хейден"),
    ("Ди Каприо Л.", "Ди Каприо, Л.", "Л. Ди Каприо"),
    ("Да Коста А.", "Да Коста, А.", "А. Да Коста"),
    ("Дос Сантос Ж.", "Дос Сантос, Ж.", "Ж. Дос Сантос"),
])
def test_a_capitalised_particle_before_a_surname_and_initials_is_the_surnames(name, heading, responsibility):
    """«Ван Гог В.» was cited «Ван, Г. В.», «Де Голль Ш.» — «Де, Г. Ш.»."""
    parsed = parse_name(name)
    assert not parsed.corporate
    assert (parsed.heading(), parsed.responsibility()) == (heading, responsibility)


@pytest.mark.parametrize(("name", "heading"), [
    # «Ван», «Ле», «Ли» as a surname or a given name: no capitalised word with initials after the particle
    ("Ван Ли", "Ван, Л."),
    ("Ван Цзин", "Ван, Ц."),
    ("Ван А. Б.", "Ван, А. Б."),
    ("Ли Ван", "Ли, В."),
    ("Ван Анна Петровна", "Ван, А. П."),
    ("Ле Ван Т.", "Ле, В. Т."),  # a particle's word after it: «Ле» is the surname, «Ван» a given name
    ("Ван Анна П.", "Ван, А. П."),  # a given name after it
    ("Ван Гог", "Ван, Г."),  # without initials it may be a surname and a given name
])
def test_a_capitalised_particle_without_a_surname_and_initials_after_it_stays_a_name(name, heading):
    assert parse_name(name).heading() == heading


@pytest.mark.parametrize(("name", "heading", "responsibility"), [
    ("Учитель де Голль Ш.", "де Голль, Ш.", "Ш. де Голль"),
    ("учитель-логопед фон Браун В. Ф.", "фон Браун, В. Ф.", "В. Ф. фон Браун"),
    ("Учитель-логопед фон Браун В. Ф.", "фон Браун, В. Ф.", "В. Ф. фон Браун"),
    ("Учитель начальных классов де Голль Шарль Петрович", "де Голль, Ш. П.", "Ш. П. де Голль"),
    ("Учитель ван дер Варден Б. Л.", "ван дер Варден, Б. Л.", "Б. Л. ван дер Варден"),
    ("Учитель Ван Гог В.", "Ван Гог, В.", "В. Ван Гог"),
    ("Учитель Ван дер Варден Б. Л.", "Ван дер Варден, Б. Л.", "Б. Л. Ван дер Варден"),
    ("Учитель де Голль Шарль", "де Голль, Ш.", "Ш. де Голль"),
    ("Старший воспитатель фон Браун Вера", "фон Браун, В.", "В. фон Браун"),
])
def test_a_position_before_a_name_with_a_particle_is_left_out_and_the_particle_kept(name, heading, responsibility):
    """«Учитель де Голль Ш.» was cited «Голль, Ш.»: the particle went with the position."""
    parsed = parse_name(name)
    assert not parsed.corporate
    assert (parsed.heading(), parsed.responsibility()) == (heading, responsibility)


def test_a_particle_does_not_make_a_body_a_person():
    assert parse_name("Кафедра де Голля").corporate
    assert parse_name("Педагогический коллектив МАДОУ № 12").corporate


def test_a_surname_shaped_like_a_position_stays_in_ris_and_bibtex(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Учитель Юрий Ефимович", "учитель истории"),
                                                  ("Учитель начальных классов Иванова А. П.", "")])
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Учитель, Ю. Е. Школьное научное общество в начальной школе / Ю. Е. Учитель, А. П. Иванова. – ")
        assert "AU  - Учитель, Юрий Ефимович\r\nAU  - Иванова, А. П.\r\n" in ris(practice, URL, ACCESSED)
        assert "author = {Учитель, Юрий Ефимович and Иванова, А. П.}" in bibtex(practice, URL, ACCESSED)


@pytest.mark.parametrize("name", ["Учителя начальных классов", "Директор Школы", "Руководитель творческой группы",
                                  "Директор Школы А. П."])
def test_a_body_beginning_with_a_position_stays_whole(name):
    parsed = parse_name(name)
    assert parsed.corporate and parsed.heading() == name


@pytest.mark.parametrize("name", [
    "Коллектив авторов", "коллектив авторов", "Творческая группа педагогов", "Кафедра педагогики ЧИППКРО",
    "Администрация МБОУ СОШ", "Методическое объединение учителей", "Педагоги Лицея", "Гимназия",
    "Учителя начальных классов",
])
def test_a_body_of_a_few_words_is_not_taken_for_a_person(name):
    """A word after the first in lower case (a person's names and initials are capitalised) or a word naming a
    body in any case form («коллектив», «группа», «Лицея») makes the name a body's."""
    parsed = parse_name(name)
    assert parsed.corporate
    assert parsed.heading() == parsed.responsibility() == parsed.full_inverted() == name


def test_one_author_heads_the_reference(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", "учитель")],
                             organisation="МАОУ «Лицей № 1»")
        assert gost_reference(practice, URL, ACCESSED) == (
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова ; МАОУ «Лицей № 1». – "
            + HOST)


def test_three_authors_first_in_heading_all_in_responsibility(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", ""), ("Петров Борис Ильич", ""),
                                                   ("Сидорова Вера", "")])
        assert gost_reference(practice, URL, ACCESSED) == (
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова, Б. И. Петров, "
            "В. Сидорова. – " + HOST)


def test_four_authors_start_with_the_title_and_shorten_with_et_al(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", ""), ("Петров Борис Ильич", ""),
                                                   ("Сидорова Вера Олеговна", ""), ("Кузнецов Глеб", "")])
        assert gost_reference(practice, URL, ACCESSED) == (
            "Школьное научное общество в начальной школе / А. П. Иванова, Б. И. Петров, В. О. Сидорова "
            "[и др.]. – " + HOST)


def test_no_author_starts_with_the_title(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [], organisation="")
        reference = gost_reference(practice, URL, ACCESSED)
        assert reference == "Школьное научное общество в начальной школе. – " + HOST
        assert "Электронный ресурс" not in reference


def test_an_author_without_a_letter_is_left_out(app, make_practice):
    """A registry's «—» for no author, or a line holding only a remark, names nobody: no «—.» heading, no empty
    name among the authors, in ГОСТ, RIS and BibTeX."""
    with app.app_context():
        practice = _practice(app, make_practice, [("—", "")], organisation="")
        assert gost_reference(practice, URL, ACCESSED) == "Школьное научное общество в начальной школе. – " + HOST
        assert "AU  -" not in ris(practice, URL, ACCESSED)
        assert "author" not in bibtex(practice, URL, ACCESSED)
        practice = _practice(app, make_practice, [("(методист)", ""), ("Иванова А. П. (учитель)", ""), ("-", ""),
                                                   ("Петров П. П.", "")], organisation="")
        assert gost_reference(practice, URL, ACCESSED) == (
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова, П. П. Петров. – " + HOST)
        assert [line for line in ris(practice, URL, ACCESSED).splitlines() if line.startswith("AU")] == [
            "AU  - Иванова, А. П.", "AU  - Петров, П. П."]
        assert "author = {Иванова, А. П. and Петров, П. П.}" in bibtex(practice, URL, ACCESSED)


def _resolution(status: str = "published") -> Resolution:
    resolution = Resolution(
        title="Резолюция международной научно-практической конференции «Региональные модели поддержки "
              "одарённых детей»", conference_name="Региональные модели поддержки одарённых детей",
        date_start=date(2017, 4, 17), date_end=date(2017, 4, 20), place="Челябинск",
        organiser="ГБУ ДПО ЧИППКРО", checksum=f"test-{status}", status=status, full_text="Текст",
        recommendations=[Recommendation(position=0, number="4.2", addressee="ГБУ ДПО ЧИППКРО",
                                        text="Организовать курсы повышения квалификации & семинары.")],
    )
    db.session.add(resolution)
    db.session.commit()
    return resolution


def test_resolution_reference_has_place_dates_and_organiser(app):
    with app.app_context():
        resolution = _resolution()
        assert gost_reference(resolution, "https://bank.example/resolutions/1", ACCESSED) == (
            "Резолюция международной научно-практической конференции «Региональные модели поддержки одарённых "
            "детей» : Челябинск, 17–20 апреля 2017 г. / ГБУ ДПО ЧИППКРО. – Текст : электронный // Банк практик : "
            "[сайт]. – 2017. – URL: https://bank.example/resolutions/1 (дата обращения: 23.11.2026).")
        rec_reference = gost_reference(resolution.recommendations[0], "https://bank.example/recommendations/1",
                                       ACCESSED)
        # the recommendation is located in the resolution as an article's pages are in its journal: after the
        # identifying resource, not before «Текст : электронный»
        assert rec_reference == (
            "Резолюция международной научно-практической конференции «Региональные модели поддержки одарённых "
            "детей» : Челябинск, 17–20 апреля 2017 г. / ГБУ ДПО ЧИППКРО. – Текст : электронный // Банк практик : "
            "[сайт]. – 2017. – П. 4.2. – URL: https://bank.example/recommendations/1 (дата обращения: 23.11.2026).")


def test_a_title_saying_resolution_later_gets_no_second_resolution(app):
    with app.app_context():
        resolution = _resolution()
        resolution.title = "ИТОГОВАЯ РЕЗОЛЮЦИЯ областной конференции «Одарённые дети»"
        reference = gost_reference(resolution, "https://bank.example/resolutions/1", ACCESSED)
        assert reference.startswith("ИТОГОВАЯ РЕЗОЛЮЦИЯ областной конференции «Одарённые дети» : Челябинск, 17–20")
        assert "резолюция" not in reference
        resolution.title = "Итоги конференции «Одарённые дети»"
        assert gost_reference(resolution, "https://bank.example/resolutions/1", ACCESSED).startswith(
            "Итоги конференции «Одарённые дети» : резолюция : Челябинск")


def test_a_body_as_author_is_named_in_the_responsibility_and_never_heads_the_record(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Педагогический коллектив МАДОУ № 12", "")])
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Школьное научное общество в начальной школе / Педагогический коллектив МАДОУ № 12. – Текст")
        assert "author = {{Педагогический коллектив МАДОУ № 12}}" in bibtex(practice, URL, ACCESSED)


def test_a_collective_of_authors_never_heads_the_record_nor_splits_in_ris_and_bibtex(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Коллектив авторов", "")])
        assert gost_reference(practice, URL, ACCESSED) == (
            "Школьное научное общество в начальной школе / Коллектив авторов. – " + HOST)
        assert "AU  - Коллектив авторов\r\n" in ris(practice, URL, ACCESSED)
        assert "author = {{Коллектив авторов}}" in bibtex(practice, URL, ACCESSED)
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", ""), ("Кафедра педагогики ЧИППКРО", "")])
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова, Кафедра педагогики "
            "ЧИППКРО. – ")
        assert "author = {Иванова, Анна Петровна and {Кафедра педагогики ЧИППКРО}}" in bibtex(practice, URL, ACCESSED)


@pytest.mark.parametrize("organisation", [
    "МБОУ «СОШ № 5»", "мбоу «сош № 5»", 'МБОУ "СОШ № 5"', "МБОУ  «СОШ №\u00a05» ", "МБОУ СОШ № 5",
], ids=["same", "case", "straight-quotes", "spaces", "no-quotes"])
def test_an_organisation_named_as_the_author_is_named_once(app, make_practice, organisation):
    """Registries often put the school in the «Авторы» column: «/ МБОУ «СОШ № 5» ; МБОУ «СОШ № 5»» named it twice.
    The organisation equal to a body among the authors (case, «ё», spaces and quotes aside) is left out."""
    with app.app_context():
        practice = _practice(app, make_practice, [("МБОУ «СОШ № 5»", "")], organisation=organisation)
        assert gost_reference(practice, URL, ACCESSED) == (
            "Школьное научное общество в начальной школе / МБОУ «СОШ № 5». – " + HOST)
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", ""), ("Коллектив МБОУ «Школа ёлочка»", "")],
                             organisation="коллектив МБОУ «Школа елочка»")
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова, Коллектив МБОУ «Школа "
            "ёлочка». – Текст")
        # another organisation stays
        practice = _practice(app, make_practice, [("МБОУ «СОШ № 5»", "")], organisation="МБОУ «СОШ № 51»")
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Школьное научное общество в начальной школе / МБОУ «СОШ № 5» ; МБОУ «СОШ № 51». – Текст")


@pytest.mark.parametrize(("title", "shown"), [
    ("Читаем вместе.", "Читаем вместе / А. П. Иванова"),
    # a short word, an acronym, a stop after a bracket or a quote, a year: the title's own stop goes
    ("Мой урок.", "Мой урок / А. П. Иванова"),
    ("Проектная деятельность в ДОУ.", "Проектная деятельность в ДОУ / А. П. Иванова"),
    ("Проект (5–7 кл.).", "Проект (5–7 кл.) / А. П. Иванова"),
    ("Урок «Наш край».", "Урок «Наш край» / А. П. Иванова"),
    ("Итоги 2020.", "Итоги 2020 / А. П. Иванова"),
    # an abbreviation keeps its stop
    ("Сказки, загадки и т. д.", "Сказки, загадки и т. д. / А. П. Иванова"),
    ("Уроки в школе им.", "Уроки в школе им. / А. П. Иванова"),
    ("Чтение по Пушкину А.", "Чтение по Пушкину А. / А. П. Иванова"),
    ("Что такое ШНО?.", "Что такое ШНО? / А. П. Иванова"),
    ("Проект «Мой край» в 5 кл.", "Проект «Мой край» в 5 кл. / А. П. Иванова"),
    ("Читаем, и что дальше...", "Читаем, и что дальше... / А. П. Иванова"),
    ("Перевод\nстроки\r\nвнутри\tназвания", "Перевод строки внутри названия / А. П. Иванова"),
])
def test_a_title_is_given_on_one_line_without_a_stop_before_the_prescribed_punctuation(
        app, make_practice, title, shown):
    with app.app_context():
        pid = make_practice(title, authors=[("Иванова Анна Петровна", "")])
        assert gost_reference(db.session.get(Practice, pid), URL, ACCESSED).startswith(f"Иванова, А. П. {shown}. – ")


@pytest.mark.parametrize(("title", "shown"), [
    ("«Олимпийский резерв»: система подготовки школьников к олимпиадам",
     "«Олимпийский резерв» : система подготовки школьников к олимпиадам"),
    ("Читаем вместе: программа: 1–4 классы", "Читаем вместе : программа: 1–4 классы"),  # only the first
    ("Проект «Наш край» : 5 класс", "Проект «Наш край» : 5 класс"),  # set off already
    ("Смешиваем краски 1:2 и 1 : 3", "Смешиваем краски 1:2 и 1 : 3"),  # ratios
    ("Урок в 10:30: утренний круг", "Урок в 10:30 : утренний круг"),  # a time is no separator
    ("Счёт 3: 2 в нашу пользу", "Счёт 3: 2 в нашу пользу"),  # digits on both sides: a score, a ratio
    ("Ресурс https://example.org/a:b для урока", "Ресурс https://example.org/a:b для урока"),  # inside an address
    ("Сайт http://школа.рф: опыт работы", "Сайт http://школа.рф : опыт работы"),
    ("Что такое ШНО?: опыт", "Что такое ШНО? : опыт"),
    # a quoted name keeps its colon, the title's own is set off
    ("Проект «Читаем вместе: семья и школа» в начальной школе",
     "Проект «Читаем вместе: семья и школа» в начальной школе"),
    ('Конференция "Грамотность: от диагностики к развитию": итоги',
     'Конференция "Грамотность: от диагностики к развитию" : итоги'),
], ids=["quotes", "first-only", "set-off", "ratios", "time", "score", "url", "after-url", "question", "quoted-name",
        "straight-quotes"])
def test_other_title_information_is_set_off_by_a_spaced_colon(app, make_practice, title, shown):
    """ГОСТ Р 7.0.100–2018 precedes other title information with « : »; the colon as typed («резерв»: система»)
    was kept."""
    with app.app_context():
        pid = make_practice(title, authors=[("Иванова Анна Петровна", "")], organisation="")
        assert gost_reference(db.session.get(Practice, pid), URL, ACCESSED).startswith(
            f"Иванова, А. П. {shown} / А. П. Иванова. – ")


def _bibtex_groups_close(entry: str) -> bool:
    """What BibTeX itself checks: braces balance whatever stands before them, and the entry's group ends last."""
    depth = 0
    for position, char in enumerate(entry):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0 or depth == 0 and char == "}" and entry[position + 1:].strip():
            return False
    return depth == 0


def test_a_lone_brace_in_any_field_leaves_the_bibtex_entry_readable(app, make_practice):
    """«\\{» still opened a group for BibTeX: one brace in an annotation made pybtex stop at the end of the file
    and bibtexparser 1 return no entry at all."""
    with app.app_context():
        pid = make_practice("Множества } и скобки", annotation="Работа с фигурной скобкой { в аннотации.",
                            organisation="МАОУ {Лицей № 1")
        entry = bibtex(db.session.get(Practice, pid), URL, ACCESSED)
        assert _bibtex_groups_close(entry), entry
        assert r"Множества \textbraceright{} и скобки" in entry
        assert r"скобкой \textbraceleft{} в аннотации" in entry
        resolution = _resolution()
        resolution.title, resolution.organiser = "Резолюция { без пары", "Орг }"
        assert _bibtex_groups_close(bibtex(resolution, URL, ACCESSED))
        assert not _bibtex_groups_close(r"@misc{k, title = {\{}}")  # the check itself sees a bad entry


def test_ris_and_bibtex_records(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", ""), ("Петров Борис", "")])
        record = ris(practice, URL, ACCESSED)
        assert record.startswith("TY  - ELEC\r\n")
        assert "AU  - Иванова, Анна Петровна\r\nAU  - Петров, Борис\r\n" in record
        assert "PY  - 2020\r\n" in record and f"UR  - {URL}\r\n" in record
        assert record.endswith("ER  - \r\n")
        entry = bibtex(practice, URL, ACCESSED)
        assert entry.startswith(f"@misc{{kb-practice-{practice.id},")
        assert "author = {Иванова, Анна Петровна and Петров, Борис}" in entry
        assert "title = {{Школьное научное общество в начальной школе}}" in entry
        assert "urldate = {2026-11-23}" in entry
        resolution = _resolution()
        record = ris(resolution, URL, ACCESSED)
        for line in ("TY  - GEN", "AU  - ГБУ ДПО ЧИППКРО", "CY  - Челябинск", "DA  - 2017/04/17", "PY  - 2017"):
            assert line + "\r\n" in record
        rec_entry = bibtex(resolution.recommendations[0], URL, ACCESSED)
        assert "Организовать" not in rec_entry  # the text is not a BibTeX field
        assert "author = {{ГБУ ДПО ЧИППКРО}}" in rec_entry


def test_a_name_in_capitals_is_re_cased_whole_in_ris_and_bibtex(app, make_practice):
    """Registries write names in capitals: the surname was re-cased, the given names stayed so («Иванова, АННА
    ПЕТРОВНА»), while the ГОСТ text gives «А. П. Иванова»."""
    with app.app_context():
        practice = _practice(app, make_practice, [("ИВАНОВА АННА-МАРИЯ ПЕТРОВНА", ""), ("петров борис", ""),
                                                  ("SMITH, JOHN R.", "")])
        assert gost_reference(practice, URL, ACCESSED).startswith(
            "Иванова, А.-М. П. Школьное научное общество в начальной школе / А.-М. П. Иванова, Б. Петров, "
            "J. R. Smith. – ")
        assert ("AU  - Иванова, Анна-Мария Петровна\r\nAU  - Петров, Борис\r\nAU  - Smith, John R.\r\n"
                in ris(practice, URL, ACCESSED))
        assert ("author = {Иванова, Анна-Мария Петровна and Петров, Борис and Smith, John R.}"
                in bibtex(practice, URL, ACCESSED))
    assert parse_name("ИВАНОВА ЯН").full_inverted() == "Иванова, Ян"
    assert parse_name("Смит Дж. Р.").full_inverted() == "Смит, Дж. Р."  # written with its own case: kept


def test_a_cyrillic_domain_is_read_in_its_own_letters_in_a_reference_and_linked_in_punycode(app):
    """The reference printed «URL: http://xn----7sbbb2bjcbvwl0a.xn--p1ai/…», which no teacher reads or types."""
    url = "https://xn----7sbbb2bjcbvwl0a.xn--p1ai:8443/resolutions/1?a=xn--p1ai"
    with app.app_context():
        resolution = _resolution()
        assert "URL: https://банк-практик.рф:8443/resolutions/1?a=xn--p1ai (дата" in gost_reference(
            resolution, url, ACCESSED)
        assert f"UR  - {url}\r\n" in ris(resolution, url, ACCESSED)
        # a host that only looks like Punycode is printed as it came
        assert "URL: https://xn--zz.example/resolutions/1 (" in gost_reference(
            resolution, "https://xn--zz.example/resolutions/1", ACCESSED)


def test_an_organiser_naming_several_bodies_is_one_author_each_without_a_comma_in_ris(app):
    """RIS readers take «AU  - A, B» for the person «A, B»: surname A, given names B."""
    with app.app_context():
        resolution = _resolution()
        resolution.organiser = ("Управление образования Администрации города Смоленска, "
                                "МБУ ДО «Центр развития творчества, науки и спорта», (Смоленск, 2023)")
        record = ris(resolution, URL, ACCESSED)
    assert [line for line in record.split("\r\n") if line.startswith("AU")] == [
        "AU  - Управление образования Администрации города Смоленска",
        "AU  - МБУ ДО «Центр развития творчества, науки и спорта»", "AU  - (Смоленск, 2023)"]


def test_downloads_follow_visibility(app, client, make_practice, make_user):
    owner = make_user("teacher")
    with app.app_context():
        published = make_practice("Опубликованная практика")
        draft = make_practice("Черновик для цитирования", status="draft", owner_id=owner)
        resolution_id = _resolution().id
        draft_resolution_id = _resolution("draft").id
    response = client.get(f"/practices/{published}/cite.ris")
    assert response.status_code == 200
    assert response.mimetype == "application/x-research-info-systems"
    assert "TI  - Опубликованная практика" in response.get_data(as_text=True)
    assert f'filename="practice-{published}.ris"' in response.headers["Content-Disposition"]
    response = client.get(f"/practices/{published}/cite.bib")
    assert response.status_code == 200 and "Опубликованная практика" in response.get_data(as_text=True)
    assert client.get(f"/practices/{draft}/cite.ris").status_code == 404
    assert client.get(f"/practices/{draft}/cite.bib").status_code == 404
    assert client.get(f"/resolutions/{resolution_id}/cite.bib").status_code == 200
    assert client.get(f"/resolutions/{draft_resolution_id}/cite.ris").status_code == 404
    assert client.get(f"/practices/{published}/cite.txt").status_code == 404
    sign_in(client, owner)
    assert "Черновик для цитирования" in client.get(f"/practices/{draft}/cite.ris").get_data(as_text=True)


def test_citation_box_shows_reference_and_links(app, make_practice):
    with app.app_context():
        practice = _practice(app, make_practice, [("Иванова Анна Петровна", "")])
    with app.test_request_context("/"):
        practice = db.session.get(Practice, practice.id)
        html = render_template_string('{% include "citations/_cite_box.html" %}', cite_item=practice)
    assert "Как цитировать" in html
    assert "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова." in html
    assert f"http://localhost/practices/{practice.id}" in html
    assert f'href="/practices/{practice.id}/cite.ris"' in html and f'href="/practices/{practice.id}/cite.bib"' in html


def test_an_element_ending_with_a_stop_gets_no_second_one(app):
    with app.app_context():
        resolution = _resolution()
        resolution.organiser = ""
        resolution.date_end = None
        reference = gost_reference(resolution, "https://bank.example/resolutions/1", ACCESSED)
        assert "Челябинск, 17 апреля 2017 г. – Текст : электронный" in reference
        assert ".." not in reference


def test_each_recommendation_of_a_published_resolution_has_its_citation(app, client, make_user):
    """/recommendations/<id> lands on its anchor of the resolution page: a «Как цитировать» of its own is there,
    with the RIS and BibTeX files; a draft resolution's recommendations are cited nowhere."""
    with app.app_context():
        resolution = _resolution()
        rec_id, resolution_id = resolution.recommendations[0].id, resolution.id
        draft = _resolution("draft")
        draft_rec_id, draft_id = draft.recommendations[0].id, draft.id
    response = client.get(f"/recommendations/{rec_id}")
    assert response.status_code == 302
    address, _, anchor = response.headers["Location"].partition("#")
    page = client.get(address).get_data(as_text=True)
    item = re.search(rf'<li id="{anchor}" class="rec">.*?</li>', page, re.S).group(0)
    assert "Как цитировать" in item
    assert (f"/ ГБУ ДПО ЧИППКРО. – Текст : электронный // Банк практик : [сайт]. – 2017. – П. 4.2. – URL: "
            f"http://localhost/recommendations/{rec_id} (дата обращения:") in html.unescape(item)
    assert f'href="/recommendations/{rec_id}/cite.ris"' in item and f'href="/recommendations/{rec_id}/cite.bib"' in item
    # the resolution keeps its own box; headings' ids stay unique on the page
    assert page.count('class="cite-text"') == 2
    assert f'id="cite-heading-kb-resolution-{resolution_id}"' in page
    record = client.get(f"/recommendations/{rec_id}/cite.ris")
    assert record.status_code == 200 and record.mimetype == "application/x-research-info-systems"
    assert f'filename="recommendation-{rec_id}.ris"' in record.headers["Content-Disposition"]
    text = record.get_data(as_text=True)
    assert "TI  - Рекомендация 4.2\r\n" in text and f"UR  - http://localhost/recommendations/{rec_id}\r\n" in text
    entry = client.get(f"/recommendations/{rec_id}/cite.bib")
    assert entry.status_code == 200 and f"@misc{{kb-recommendation-{rec_id}," in entry.get_data(as_text=True)
    for fmt in ("ris", "bib"):
        assert client.get(f"/recommendations/{draft_rec_id}/cite.{fmt}").status_code == 404
    assert client.get("/recommendations/999999/cite.ris").status_code == 404
    # a methodist sees the draft, without any reference to copy
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    draft_page = client.get(f"/resolutions/{draft_id}").get_data(as_text=True)
    assert "Организовать курсы" in draft_page and "Как цитировать" not in draft_page


FILE_URL = "https://bank.example/attachments/7/%D0%9F%D0%BE%D0%BB%D0%BE%D0%B6%D0%B5%D0%BD%D0%B8%D0%B5.docx"


def _attachment(app, make_practice, name="Положение_о_ШНО.docx", **fields) -> Attachment:
    pid = make_practice(fields.pop("title", "Школьное научное общество в начальной школе"), **fields)
    attachment = Attachment(practice_id=pid, original_name=name, kind="docx", size=1, sha256="7" * 64)
    db.session.add(attachment)
    db.session.commit()
    return attachment


def test_a_practices_file_is_cited_as_an_electronic_document_attached_to_its_page(app, make_practice):
    """ГОСТ Р 7.0.100–2018: the file's own title (its name, without the extension and the underscores a file name
    has for spaces), what it is part of, the practice's authors, «Текст : электронный» (not the obsolete
    «[Электронный ресурс]»), the site, the year, the file's own address and the day it was read."""
    with app.app_context():
        attachment = _attachment(app, make_practice, authors=[("Иванова Анна Петровна", "учитель")],
                                 organisation="МАОУ «Лицей № 1»")
        reference = gost_reference(attachment, FILE_URL, ACCESSED)
        assert reference == (
            "Иванова, А. П. Положение о ШНО : приложение к практике «Школьное научное общество в начальной школе» / "
            "А. П. Иванова ; МАОУ «Лицей № 1». – Текст : электронный // Банк практик : [сайт]. – 2020. – "
            "URL: https://bank.example/attachments/7/Положение.docx (дата обращения: 23.11.2026).")
        assert "Электронный ресурс" not in reference
        # the practice's own reference is as before: one implementation for both
        assert gost_reference(attachment.practice, URL, ACCESSED) == (
            "Иванова, А. П. Школьное научное общество в начальной школе / А. П. Иванова ; МАОУ «Лицей № 1». – "
            + HOST)


def test_a_file_of_a_practice_with_quotes_and_many_authors_starts_with_its_title(app, make_practice):
    with app.app_context():
        attachment = _attachment(app, make_practice, name="Программа кружка. v2.pdf",
                                 title="Проект «Читаем вместе»", organisation="",
                                 authors=[("Иванова А. П.", ""), ("Петров Б. И.", ""), ("Сидорова В. О.", ""),
                                          ("Кузнецов Г. Г.", "")])
        # quotes inside quotes are „…“, as Russian typography nests them
        assert gost_reference(attachment, FILE_URL, ACCESSED).startswith(
            "Программа кружка. v2 : приложение к практике «Проект „Читаем вместе“» / А. П. Иванова, Б. И. Петров, "
            "В. О. Сидорова [и др.]. – Текст : электронный")


def test_a_file_has_its_own_ris_and_bibtex_record(app, make_practice):
    with app.app_context():
        attachment = _attachment(app, make_practice, authors=[("Иванова Анна Петровна", "")])
        record = ris(attachment, FILE_URL, ACCESSED)
        assert record.startswith("TY  - ELEC\r\nTI  - Положение о ШНО\r\n")
        assert "T2  - Школьное научное общество в начальной школе\r\n" in record
        assert "AU  - Иванова, Анна Петровна\r\n" in record and f"UR  - {FILE_URL}\r\n" in record
        entry = bibtex(attachment, FILE_URL, ACCESSED)
        assert entry.startswith(f"@misc{{kb-attachment-{attachment.id},")
        assert "title = {{Положение о ШНО}}" in entry
        assert "note = {Приложение к практике «Школьное научное общество в начальной школе»}" in entry
        assert f"url = {{{FILE_URL}}}" in entry


def test_references_sort_in_russian_alphabetical_order_then_latin():
    """By the first element as written (a surname, else the title), word by word: case and «ё» aside, a hyphen and
    a comma end a word («Петров, А.» and «Петров-Водкин» before «Петрова»), quotes are not letters, a leading number
    by its value and before the letters, the Russian alphabet before the Latin."""
    expected = [
        "2 шага к ШНО. – Текст : электронный",
        "10 шагов к ШНО. – Текст : электронный",
        "Дашков, А. А. Проект",
        "де Голль, Ш. Мемуары",
        "Дмитриев, Д. Д. Проект",
        "Ежова, Е. Е. Проект",
        "ЁЛКИНА, А. А. Проект",
        "Ёлкина, Б. Б. Проект",
        "Емельянова, Е. Е. Проект",
        "«Олимпийский резерв» : система подготовки",
        "Петров, А. А. Проект",
        "Петров-Водкин, К. С. Проект",
        "Петрова, Б. Б. Проект",
        "Яковлева, Я. Я. Проект",
        "Müller, K. Projekt",
        "Smith, J. Project",
    ]
    assert sorted(reversed(expected), key=reference_sort_key) == expected
    assert reference_sort_key("Ёлкина, А. А.") == reference_sort_key("елкина, а. а.")
    assert reference_sort_key("за́мок") == reference_sort_key("замок")  # a stress mark is no letter


def test_the_citation_box_lists_the_references_of_a_published_practices_files(app, client, make_practice):
    """Under the practice's reference, each of its files' («Приложения»), made by the function the reading-list
    exports use: the file's own address and the day it was read; a name with HTML in it is shown as text."""
    with app.app_context():
        first = _attachment(app, make_practice, authors=[("Иванова Анна Петровна", "")])
        second = Attachment(practice_id=first.practice_id, original_name="<b>План</b> & <script>x</script>.pdf",
                            kind="pdf", size=1, sha256="8" * 64)
        db.session.add(second)
        db.session.commit()
        practice_id, first_id, second_id = first.practice_id, first.id, second.id
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    box = re.search(r'<section class="cite-box".*?</section>', page, re.S).group(0)
    texts = [html.unescape(t) for t in re.findall(r'<p class="cite-text"[^>]*>(.*?)</p>', box, re.S)]
    assert len(texts) == 3 and texts[0].startswith("Иванова, А. П. Школьное научное общество в начальной школе /")
    today = re.search(r"\(дата обращения: (\d\d\.\d\d\.\d{4})\)\.$", texts[0]).group(1)
    assert texts[1] == (
        "Иванова, А. П. Положение о ШНО : приложение к практике «Школьное научное общество в начальной школе» / "
        "А. П. Иванова. – Текст : электронный // Банк практик : [сайт]. – 2020. – URL: "
        f"http://localhost/attachments/{first_id}/Положение_о_ШНО.docx (дата обращения: {today}).")
    assert texts[2].startswith("Иванова, А. П. <b>План</b> & <script>x</script> : приложение к практике")
    assert f"URL: http://localhost/attachments/{second_id}/" in texts[2]
    assert "<script>x</script>" not in page and "&lt;b&gt;План&lt;/b&gt; &amp; &lt;script&gt;" in box
    # each reference of a file can be copied (static/cite.js), the button naming the file for a screen reader
    assert box.count('class="cite-text" tabindex="0"') == 3
    assert 'data-cite-label="ссылку на файл «Положение_о_ШНО.docx»"' in box
    # the RIS and BibTeX downloads stay the practice's own record
    record = client.get(f"/practices/{practice_id}/cite.ris").get_data(as_text=True)
    assert record.count("TY  - ") == 1 and "Положение о ШНО" not in record
    assert "kb-attachment" not in client.get(f"/practices/{practice_id}/cite.bib").get_data(as_text=True)


@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_a_practice_not_yet_public_has_no_references_on_its_page_nor_its_files(
        app, client, make_practice, make_user, status):
    """Its page is its author's and the moderators': a reference with a public address would lead others to a 404."""
    owner = make_user("teacher")
    with app.app_context():
        attachment = _attachment(app, make_practice, status=status, owner_id=owner)
        practice_id = attachment.practice_id
    sign_in(client, owner)
    page = client.get(f"/practices/{practice_id}").get_data(as_text=True)
    assert "Положение_о_ШНО.docx" in page  # the author sees the file in «Файлы»
    assert "Как цитировать" not in page and "cite-text" not in page and "приложение к практике" not in page
    with app.test_request_context("/"):
        practice = db.session.get(Practice, practice_id)
        box = render_template_string('{% include "citations/_cite_box.html" %}', cite_item=practice)
    assert "приложение к практике" not in box and box.count('class="cite-text"') == 1


def test_a_files_address_is_printed_in_its_own_letters(app):
    """«URL: http://…/attachments/1/%D0%9F%D0%BE…%C2%BB.docx»: some 300 characters no one reads, six lines of a PDF.
    The path is shown in its letters; what would change or break the address as plain text stays encoded: a space
    and any other blank, «%», «#», «?», an encoded «/», a character no one sees; bytes that are no UTF-8 too."""
    from urllib.parse import quote

    from kb.citations.services import readable_url

    assert readable_url(FILE_URL) == "https://bank.example/attachments/7/Положение.docx"
    assert readable_url("http://localhost/attachments/3/%D0%9F%D0%BB%D0%B0%D0%BD%20%C2%AB%D0%AE%D0%BD%D1%8B%D0%B9"
                        "%C2%BB%20100%25%20%231%20&%20%3F;%20(v2)%5B1%5D%E2%80%8B%2F%C2%A0x.txt") == (
        "http://localhost/attachments/3/План%20«Юный»%20100%25%20%231%20&%20%3F;%20(v2)%5B1%5D%E2%80%8B%2F%C2%A0"
        "x.txt")
    assert readable_url("http://localhost/attachments/3/%FF%D0%AF.txt") == "http://localhost/attachments/3/%FF%D0%AF.txt"
    # letters the exports' fonts lack (a PDF printed «□», an address that opened nothing), characters no one sees
    # (a variation selector, a filler letter, a braille blank) and a look-alike of «/» stay encoded; ё, Latin and
    # Greek letters, «№» and dashes are shown
    for char in ("📚", "報", "ქ", "✓", "\ufe0f", "\u034f", "\u3164", "\u2800", "／", "∕", "\u0301"):
        encoded = quote(char, safe="")
        assert readable_url(f"http://localhost/attachments/3/{encoded}x.txt") == (
            f"http://localhost/attachments/3/{encoded}x.txt"), char
    assert readable_url("http://localhost/attachments/3/" + quote("Ёлка_Über_α-β_№5—итоги.txt")) == (
        "http://localhost/attachments/3/Ёлка_Über_α-β_№5—итоги.txt")
    assert readable_url("https://xn----7sbbb2bjcbvwl0a.xn--p1ai/attachments/1/%D0%AF.pdf") == (
        "https://банк-практик.рф/attachments/1/Я.pdf")
    with app.app_context():
        assert "URL: https://bank.example/attachments/7/Положение.docx (дата обращения: 23.11.2026)" in (
            gost_reference(_resolution(), FILE_URL, ACCESSED))


def test_a_files_printed_address_opens_the_file(app, client, make_user, make_practice):
    """The address a reference prints, pasted as it is or as a browser sends it (its letters percent-encoded),
    downloads the file; RIS and BibTeX keep the address as the site links it."""
    from urllib.parse import quote

    from kb.citations.links import permalink
    from tests.test_attachments import upload

    owner = make_user("teacher")
    with app.app_context():
        practice_id = make_practice("Практика с файлами", status="draft", owner_id=owner,
                                    authors=[("Иванова Анна Петровна", "")])
    sign_in(client, owner)
    name = "План «Юный исследователь» 100% #1 & итоги; (v2) [1] ~a+b=c,d!$'@é.txt"
    data = "Текст плана кружка".encode()
    assert f"Файл «{name}» приложен" in html.unescape(upload(client, practice_id, name, data).get_data(as_text=True))
    with app.test_request_context("/"):
        attachment = db.session.scalar(db.select(Attachment))
        url = permalink(attachment)
        reference = gost_reference(attachment, url, ACCESSED)
        record, entry = ris(attachment, url, ACCESSED), bibtex(attachment, url, ACCESSED)
        attachment_id = attachment.id
    shown = re.search(r"URL: (\S+) \(дата", reference).group(1)
    assert shown == (f"http://localhost/attachments/{attachment_id}/План%20«Юный%20исследователь»%20100%25%20%231"
                     "%20&%20итоги;%20(v2)%20%5B1%5D%20~a+b=c,d!$'@é.txt")
    assert f"UR  - {url}\r\n" in record and f"url = {{{url}}}" in entry and "%D0%9F" in url
    for pasted in (shown, quote(shown, safe="/:%&;()=+$,!'*@~")):
        with client.get(pasted) as response:
            assert response.status_code == 200 and response.data == data, pasted


def test_a_recommendation_sorts_after_its_resolution_and_by_its_number(app):
    """By the alphabet the reference of «П. 1» («… – 2017. – П. 1. – URL: …») came before its resolution's («… –
    2017. – URL: …»): «П» is before the Latin «U» of the address. The address and the day it was read arrange
    nothing: the whole comes first, its parts after it by their numbers."""
    with app.app_context():
        resolution = _resolution()
        for position, number in enumerate(("10", "2", "1"), 1):
            resolution.recommendations.append(Recommendation(position=position, number=number, text=f"Пункт {number}"))
        db.session.commit()
        items = [(resolution, "https://bank.example/resolutions/9")] + [
            (rec, f"https://bank.example/recommendations/{90 - rec.position}") for rec in resolution.recommendations]
        references = {gost_reference(item, url, ACCESSED): item for item, url in items}
        ordered = [references[ref] for ref in sorted(reversed(list(references)), key=reference_sort_key)]
        assert [getattr(item, "number", "") for item in ordered] == ["", "1", "2", "4.2", "10"]


def test_quotes_inside_a_files_practice_title_are_nested_in_bibtex_too(app, make_practice):
    """The reference nested them («Проект „Читаем вместе“»); the BibTeX note said «Проект «Читаем вместе»»."""
    with app.app_context():
        attachment = _attachment(app, make_practice, title="Проект «Читаем вместе» в 5 классе")
        assert "note = {Приложение к практике «Проект „Читаем вместе“ в 5 классе»}" in bibtex(
            attachment, FILE_URL, ACCESSED)


def test_a_collections_ris_is_sent_as_an_items_is(app, client, make_user, make_practice):
    """One item's RIS said «; charset=utf-8», the whole collection's did not."""
    from tests.test_collections import _add, _create

    app.config["WTF_CSRF_ENABLED"] = False
    owner = make_user("teacher")
    with app.app_context():
        practice_id = make_practice("Школьное научное общество")
    sign_in(client, owner)
    cid = _create(client)
    assert _add(client, cid, "practice", practice_id).status_code == 302
    item = client.get(f"/practices/{practice_id}/cite.ris").headers["Content-Type"]
    assert item == "application/x-research-info-systems; charset=utf-8"
    assert client.get(f"/collections/{cid}/export.ris").headers["Content-Type"] == item
    assert client.get(f"/collections/{cid}/export.bib").headers["Content-Type"] == (
        client.get(f"/practices/{practice_id}/cite.bib").headers["Content-Type"])
