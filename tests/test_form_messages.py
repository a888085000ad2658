"""Every web form speaks Russian, WTForms' own checks included, and a value a form cannot use is a message on
the form, never a 500."""

import io
import pathlib
import re

import pytest
import wtforms
from sqlalchemy import func, select
from werkzeug.test import encode_multipart

from kb.extensions import db
from kb.forms import RUSSIAN
from kb.practices.models import Practice
from tests.conftest import PASSWORD, csrf_from, sign_in


def _wtforms_messages() -> set[str]:
    """The messages WTForms' fields and validators can give (its gettext/ngettext calls)."""
    root = pathlib.Path(wtforms.__file__).parent
    found = set()
    for path in [*root.glob("*.py"), *root.glob("fields/*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'gettext\(\s*"((?:[^"\\]|\\.)+)"', text))
    return found


def test_every_message_of_wtforms_has_a_russian_one():
    messages = _wtforms_messages()
    assert {"Not a valid choice.", "Not a valid integer value.", "'%(value)s' is not a valid choice for this field.",
            "This field is required."} <= messages  # the pattern still finds them
    untranslated = sorted(m for m in messages if RUSSIAN.gettext(m) == m)
    assert not untranslated
    several = RUSSIAN.ngettext("'%(value)s' is not a valid choice for this field.",
                               "'%(value)s' are not valid choices for this field.", 2)
    assert several == "Недопустимые значения: '%(value)s'."
    assert RUSSIAN.ngettext("'%(value)s' is not a valid choice for this field.",
                            "'%(value)s' are not valid choices for this field.", 1).startswith("Недопустимое значение")


def _practices(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Practice))


@pytest.mark.parametrize(("field", "value", "message"), [
    ("region", "RU-XXX", "Неверный вариант."),
    ("municipality", "up", "Неверный вариант."),  # not a number: was a 500 (int() of it in the region check)
    ("municipality", "²", "Неверный вариант."),
    ("levels", "<b>phd</b>", "Выбрано значение, которого больше нет в списке: обновите страницу"),
    ("year", "две тысячи", "Неверное целое число."),
    ("spread_level", "planet", "Неверный вариант."),
])
def test_a_value_the_practice_form_cannot_use_is_a_russian_message_on_it(app, teacher_client, field, value, message):
    response = teacher_client.post("/practices/new", data={"title": "Практика с неверным полем", field: value})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "Not a valid" not in page and "is not a valid" not in page
    assert _practices(app) == 0


def test_the_same_form_with_usable_values_saves_the_practice(app, teacher_client):
    response = teacher_client.post("/practices/new", data={"title": "Практика с верными полями", "region": "RU-CHE",
                                                           "levels": "primary", "year": "2021"})
    assert response.status_code == 302
    assert _practices(app) == 1


@pytest.mark.parametrize("field", ["levels", "subjects", "topics"])
def test_a_checkbox_group_error_is_tied_to_the_group_and_names_no_code(app, teacher_client, field):
    """A box whose value left the vocabulary while the form was open: the error said «Недопустимое значение:
    'removed_code'.» and was tied to nothing (no aria-describedby, no aria-invalid), unlike every other field."""
    response = teacher_client.post("/practices/new", data={"title": "Практика со снятым значением",
                                                           field: "removed_code"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _practices(app) == 0
    error = re.search(rf'<div class="error" id="{field}-error" role="alert">(.*?)</div>', page, re.S).group(1)
    assert "больше нет в списке" in error and "removed_code" not in error
    group = re.search(rf'<fieldset[^>]*>\s*<legend>[^<]*</legend>\s*<ul class="checkbox-list" id="{field}">(.*?)</ul>',
                      page, re.S)
    assert f'aria-describedby="{field}-error"' in group.group(0)
    boxes = re.findall(r"<input[^>]*>", group.group(1))
    assert boxes and all('aria-invalid="true"' in box and 'type="checkbox"' in box for box in boxes)
    assert 'aria-invalid' not in re.search(r'<input[^>]*id="title"[^>]*>', page).group(0)


def test_checkbox_groups_without_an_error_are_drawn_as_before(app, teacher_client):
    """Without an error the group has no description and its boxes are not marked invalid."""
    page = teacher_client.get("/practices/new").get_data(as_text=True)
    group = re.search(r'<fieldset[^>]*>\s*<legend>Уровни образования</legend>\s*<ul class="checkbox-list" id="levels">'
                      r'<li><input id="levels-0" name="levels" type="checkbox" value="[^"]+"> <label for="levels-0">',
                      page)
    assert group and "aria-" not in group.group(0)


def test_required_fields_are_marked_and_the_mark_explained(app, make_user):
    """Nothing told a teacher which fields must be filled before the form came back with errors."""
    client = app.test_client()
    register = client.get("/register").get_data(as_text=True)
    marked = set(re.findall(r'<label class="label--required" for="([a-z_]+)">', register))
    assert marked == {"email", "name", "password", "password_again", "consent"}
    assert all(re.search(rf'<input[^>]*id="{name}"[^>]*\brequired\b', register) for name in marked)
    assert "— обязательные поля" in register
    sign_in(client, make_user("teacher"))
    form = client.get("/practices/new").get_data(as_text=True)
    assert re.findall(r'<label class="label--required" for="([a-z_]+)">', form) == ["title"]
    assert "— обязательные поля" in form


def test_a_title_padded_with_spaces_is_measured_as_it_is_stored(app, teacher_client):
    """«   вгд  » passed the five-character minimum and was stored as «вгд» (the next untouched save then failed)."""
    response = teacher_client.post("/practices/new", data={"title": "   вгд  ", "save_draft": "1"})
    assert response.status_code == 200
    assert "Название — от 5 до 500 символов." in response.get_data(as_text=True)
    assert _practices(app) == 0
    saved = teacher_client.post("/practices/new", data={"title": "  Клуб \t юных\n исследователей ",
                                                        "event": "  Форум   педагогов ", "save_draft": "1"})
    assert saved.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert (practice.title, practice.event) == ("Клуб юных исследователей", "Форум педагогов")


def test_a_year_that_is_not_a_number_gets_one_message(teacher_client):
    page = teacher_client.post("/practices/new", data={"title": "Практика с неверным годом", "year": "abc"}
                               ).get_data(as_text=True)
    summary, form = page.split("</section>", 1)  # the summary above the form names it once too
    assert summary.count("Неверное целое число.") == 1 and form.count("Неверное целое число.") == 1
    assert "Год — от" not in page


def test_a_choice_of_spaces_is_no_choice(app, teacher_client):
    """« » passed the check of choices (WTForms' Optional() takes it for empty) and stayed « »: a region or a
    municipality of spaces was a 500 (int(' '), a foreign key), a licence or a spread level was stored as « »."""
    response = teacher_client.post("/practices/new", data={
        "title": "Практика с пробелами вместо значений", "region": "  ", "municipality": " ",
        "spread_level": " ", "licence": " ", "save_draft": "1"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert practice.region_code is None and practice.municipality_id is None
        assert practice.spread_level is None and practice.licence.strip()


def test_a_region_of_spaces_on_registration_is_none(app, client):
    from kb.accounts.models import User

    data = {"email": "space@example.org", "name": "Анна Орлова", "region": "  ", "password": PASSWORD,
            "password_again": PASSWORD, "consent": "y", "csrf_token": csrf_from(client, "/register")}
    assert client.post("/register", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.region_code).where(User.email == "space@example.org")) is None


def test_a_title_of_invisible_characters_is_measured_by_what_shows(app, teacher_client):
    """Five zero-width spaces passed the five-character minimum; the joiners inside an emoji stay."""
    response = teacher_client.post("/practices/new", data={"title": "\u200b" * 5, "save_draft": "1"})
    assert response.status_code == 200 and "Укажите название." in response.get_data(as_text=True)
    response = teacher_client.post("/practices/new", data={"title": "\u200bвгд\u200b\u00ad\ufeff", "save_draft": "1"})
    assert response.status_code == 200 and "Название — от 5 до 500 символов." in response.get_data(as_text=True)
    assert _practices(app) == 0
    family = "Семья \U0001F468\u200D\U0001F469\u200D\U0001F467 и школа"
    saved = teacher_client.post("/practices/new", data={"title": f"\u200b{family}\u200b", "save_draft": "1"})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Practice.title)) == family


def test_a_file_over_the_request_limit_on_the_practice_form_gets_the_russian_413(app, teacher_client):
    """A file chosen in «Заполнить по тексту» over MAX_CONTENT_LENGTH: drawing the 413 page read the request's files
    again (the «choose the file again» note), failed on the same limit, and the page became an English 500."""
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    response = teacher_client.post("/practices/new", content_type="multipart/form-data", data={
        "title": "Практика с большим файлом", "suggest_file": (io.BytesIO(b"a" * 80_000), "отчёт.pdf")})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Слишком большой файл" in page and 'lang="ru"' in page
    assert _practices(app) == 0


INVISIBLE_INSIDE = ["А\u200b\u200b\u200b\u200bБ", "А\u200cБ\u200dВ\u2060Г", "Шк\u00adо\u00adл",
                    "Т\ufeffе\ufeffс\ufeffт", "Аб\u200b\u200b\u200bВ"]


@pytest.mark.parametrize("title", INVISIBLE_INSIDE)
def test_invisible_characters_inside_a_title_do_not_count_towards_its_minimum(app, teacher_client, title):
    """«А», four zero-width spaces and «Б» passed the five-character minimum: it shows as «АБ». Those at the ends were
    already dropped; those inside stay in a title long enough without them."""
    response = teacher_client.post("/practices/new", data={"title": title, "save_draft": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert ("Название — от 5 до 500 символов; невидимые знаки (пробел нулевой ширины, мягкий перенос и другие) "
            "не в счёт.") in page
    assert _practices(app) == 0
    hyphenated = "Шк\u00adоль\u00adный клуб"  # five and more letters that show: the soft hyphens stay
    assert teacher_client.post("/practices/new", data={"title": hyphenated, "save_draft": "1"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Practice.title)) == hyphenated


def test_a_text_longer_than_a_form_takes_is_called_a_text(app, teacher_client):
    """A field's text over MAX_FORM_MEMORY_SIZE (a client other than the page, whose text areas stop at 20 000
    characters) was answered «Слишком большой файл» with no file sent."""
    app.config["MAX_FORM_MEMORY_SIZE"] = 10_000
    response = teacher_client.post("/practices/new", content_type="multipart/form-data",
                                   data={"title": "Практика с длинным текстом", "annotation": "а" * 20_000})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Слишком длинный текст" in page and "Слишком большой файл" not in page
    assert _practices(app) == 0


def _chunked_form(client, url: str, fields: dict[str, str]):
    """The fields as a multipart body sent with Transfer-Encoding: chunked, as gunicorn passes one on: no
    Content-Length, the stream ended by the server (wsgi.input_terminated)."""
    boundary, body = encode_multipart(fields)
    return client.post(url, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                "Transfer-Encoding": "chunked"})


def test_a_chunked_form_with_a_text_longer_than_a_form_takes_is_called_a_text(app, teacher_client):
    """Sent without Content-Length, a text over MAX_FORM_MEMORY_SIZE was answered «Слишком большой файл»: the body's
    length was not known to be within MAX_CONTENT_LENGTH. The form's own limit is told from the body's: over the
    first it is the text; over the second, as with Content-Length, the body (whose page was a 500: drawing the
    practice form's error page read the refused body again)."""
    app.config["MAX_FORM_MEMORY_SIZE"] = 10_000
    fields = {"title": "Практика с длинным текстом", "annotation": "а" * 20_000}  # 40 000 bytes of text
    response = _chunked_form(teacher_client, "/practices/new", fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Слишком длинный текст" in page and "Слишком большой файл" not in page
    assert _practices(app) == 0

    app.config["MAX_CONTENT_LENGTH"] = 30_000  # the body over it, every text within MAX_FORM_MEMORY_SIZE
    app.config["MAX_FORM_MEMORY_SIZE"] = 100_000
    chunked = _chunked_form(teacher_client, "/practices/new", fields)
    with_length = teacher_client.post("/practices/new", content_type="multipart/form-data", data=fields)
    for response in (chunked, with_length):
        page = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "Слишком большой файл" in page and "вместе больше 29 КБ — столько сайт принимает в одном запросе" in page
        assert "Слишком длинный текст" not in page
    assert _practices(app) == 0

    fits = _chunked_form(teacher_client, "/practices/new", {"title": "Практика, присланная по частям",
                                                            "annotation": "а" * 5_000, "save_draft": "1"})
    assert fits.status_code == 302 and _practices(app) == 1


def test_a_form_with_more_fields_than_a_form_takes_is_called_so(app, teacher_client):
    """A multipart form of more parts than MAX_FORM_PARTS (1000; no page sends so many: a hostile client's
    thousands of fields) was answered «Слишком длинный текст», with every text of it short. It is said what it is,
    with Content-Length or without; a text over MAX_FORM_MEMORY_SIZE is still «Слишком длинный текст»."""
    fields = {"title": "Практика с тысячами полей", **{f"field{n}": "а" for n in range(3000)}}
    with_length = teacher_client.post("/practices/new", content_type="multipart/form-data", data=fields)
    chunked = _chunked_form(teacher_client, "/practices/new", fields)
    for response in (with_length, chunked):
        page = response.get_data(as_text=True)
        assert response.status_code == 413
        assert "<title>Слишком много полей в форме — Банк практик</title>" in page
        assert "В форме больше 1000 полей" in page
        assert "Слишком длинный текст" not in page and "Слишком большой файл" not in page
    assert _practices(app) == 0
    app.config["MAX_FORM_PARTS"] = 21
    page = teacher_client.post("/practices/new", content_type="multipart/form-data", data=fields).get_data(
        as_text=True)
    assert "В форме больше 21 поля" in page
    app.config["MAX_FORM_MEMORY_SIZE"] = 10_000  # a long text within the parts' limit: the text's message
    response = teacher_client.post("/practices/new", content_type="multipart/form-data",
                                   data={"title": "Практика с длинным текстом", "annotation": "а" * 20_000})
    assert response.status_code == 413 and "Слишком длинный текст" in response.get_data(as_text=True)
