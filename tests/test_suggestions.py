"""Metadata suggested by a practice's text: region, municipality, levels and topics; nothing saved until confirmed."""

import io
import re

import pytest
from sqlalchemy import func, select

import kb.models  # noqa: F401  (every mapper known before the services below build their queries)
from kb.extensions import db
from kb.practices.models import Practice
from kb.suggestions.services import suggest, suggest_levels
from kb.vocabularies.models import Municipality
from tests.conftest import csrf_from, sign_in

TEXT = ("Практика внедрена в школах Челябинской области, в том числе в Копейском городском округе. "
        "Её участники — обучающиеся с ОВЗ 5–9 классов и их педагоги; занятия проходят после уроков.")


def municipality_id(code: str) -> int:
    return db.session.scalar(select(Municipality.id).where(Municipality.code == code))


def practice_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Practice))


def test_a_text_names_region_municipality_levels_and_topics_in_inflected_forms(app):
    with app.app_context():
        found = suggest(TEXT)
        assert found.region.code == "RU-CHE"
        assert found.municipality.code == "RU-CHE-kopeysky"
        assert [x.code for x in found.levels] == ["basic"]
        assert "inclusive" in [x.code for x in found.topics]


@pytest.mark.parametrize("text, region, municipality", [
    ("Опыт МБОУ «СОШ № 5» г. Миасса.", "RU-CHE", "RU-CHE-miassky"),
    ("Семинар прошёл в Агаповском муниципальном районе.", "RU-CHE", "RU-CHE-agapovsky"),
    ("Учителя Сосновского района делятся опытом.", "RU-CHE", "RU-CHE-sosnovsky"),
    ("Конференция в Смоленске, 24 марта 2023 года.", "RU-SMO", "RU-SMO-smolensk"),
    ("Школы Челябинской области провели неделю науки.", "RU-CHE", None),
    ("Школьное научное общество: положение и годовой цикл.", None, None),
])
def test_places(app, text, region, municipality):
    with app.app_context():
        found = suggest(text)
        assert (found.region.code if found.region else None) == region
        assert (found.municipality.code if found.municipality else None) == municipality


def test_a_municipality_added_by_the_administrator_is_suggested_too(app):
    with app.app_context():
        assert suggest("Опыт школ Вяземского района.").municipality is None
        db.session.add(Municipality(code="RU-SMO-vyazemsky", name="Вяземский муниципальный район",
                                    kind="муниципальный район", region_code="RU-SMO"))
        db.session.commit()
        found = suggest("Опыт школ Вяземского района.")
        assert found.municipality.code == "RU-SMO-vyazemsky" and found.region.code == "RU-SMO"


@pytest.mark.parametrize("text, levels", [
    ("для младших школьников", ["primary"]),
    ("учащиеся 2–4 классов", ["primary"]),
    ("в 10-х классах и на курсах повышения квалификации", ["secondary", "professional_development"]),
    ("воспитанники детского сада и первоклассники", ["preschool", "primary"]),
    ("в системе дополнительного образования детей", ["additional"]),
    ("по программам дополнительного профессионального образования", ["professional_development"]),
    ("студенты колледжа", ["vocational"]),
    ("учащиеся 5–11 классов", ["basic", "secondary"]),
    ("методическое объединение учителей", []),
])
def test_levels_by_their_names_usual_words_and_grades(text, levels):
    assert suggest_levels(text) == levels


@pytest.fixture
def teacher(app, make_user):
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    return client


def suggest_on_form(client, url="/practices/new", **fields):
    data = {"csrf_token": csrf_from(client, url), "title": "", "suggest": "1", **fields}
    return client.post(url, data=data, content_type="multipart/form-data")


def selected(page: str, value: str) -> bool:
    return bool(re.search(rf'<option selected value="{re.escape(value)}"', page))


def checked(page: str, value: str) -> bool:
    return bool(re.search(rf'<input checked[^>]*value="{re.escape(value)}"', page))


def test_pasted_text_prefills_the_form_and_nothing_is_saved(app, teacher):
    response = suggest_on_form(teacher, suggest_text=TEXT)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Предложено по вставленному тексту" in page
    assert page.count("предложено по тексту") >= 4, "each prefilled field is marked"
    with app.app_context():
        assert selected(page, "RU-CHE") and selected(page, str(municipality_id("RU-CHE-kopeysky")))
        assert practice_count() == 0
    assert checked(page, "basic") and checked(page, "inclusive")


def test_an_uploaded_docx_prefills_the_form(app, teacher):
    import docx

    document = docx.Document()
    document.add_paragraph("Сетевое взаимодействие школ Смоленской области")
    document.add_paragraph("Для старшеклассников, готовящихся к ЕГЭ, проводятся олимпиады.")
    out = io.BytesIO()
    document.save(out)
    page = suggest_on_form(teacher, suggest_file=(io.BytesIO(out.getvalue()), "опыт.docx")).get_data(as_text=True)
    assert "Предложено по файлу «опыт.docx»" in page
    assert selected(page, "RU-SMO")
    assert checked(page, "secondary") and checked(page, "network_cooperation") and checked(page, "olympiads")
    with app.app_context():
        assert practice_count() == 0


def test_without_text_or_file_the_forms_own_text_is_read(teacher):
    page = suggest_on_form(teacher, title="Работа с одарёнными детьми в Челябинской области").get_data(as_text=True)
    assert "Предложено по тексту формы" in page and selected(page, "RU-CHE")


def test_a_choice_the_user_made_is_kept(teacher):
    page = suggest_on_form(teacher, region="RU-SMO", levels="primary", suggest_text=TEXT).get_data(as_text=True)
    assert selected(page, "RU-SMO") and not selected(page, "RU-CHE")
    assert "В тексте названы также: Челябинская область." in page
    assert checked(page, "primary") and checked(page, "basic"), "levels are added to the chosen ones"


def test_a_text_naming_nothing_says_so(teacher):
    page = suggest_on_form(teacher, suggest_text="Заседание методического совета.").get_data(as_text=True)
    assert "Ничего не предложено по вставленному тексту" in page and "предложено по тексту:" not in page


def test_a_file_that_cannot_be_read_gets_its_message(app, teacher):
    response = suggest_on_form(teacher, suggest_file=(io.BytesIO(b"MZ\x90\x00" + bytes(range(256)) * 8), "опыт.docx"))
    assert response.status_code == 200
    assert "Неподдерживаемый тип файла" in response.get_data(as_text=True)
    with app.app_context():
        assert practice_count() == 0


def test_saving_after_the_suggestions_stores_what_the_user_confirmed(app, teacher):
    with app.app_context():
        kopeysk = municipality_id("RU-CHE-kopeysky")
    response = teacher.post("/practices/new", data={
        "csrf_token": csrf_from(teacher, "/practices/new"), "title": "Инклюзивный клуб юных исследователей",
        "region": "RU-CHE", "municipality": str(kopeysk), "levels": ["basic"], "topics": ["inclusive"],
        "suggest_text": TEXT, "save_draft": "1"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert (practice.region_code, practice.municipality_id) == ("RU-CHE", kopeysk)
        assert [x.code for x in practice.levels] == ["basic"] and [x.code for x in practice.topics] == ["inclusive"]


def test_suggesting_on_the_edit_form_does_not_change_the_practice(app, make_user, make_practice):
    owner = make_user("teacher")
    with app.app_context():
        pid = make_practice("Черновик без региона", status="draft", owner_id=owner, region_code=None)
    client = app.test_client()
    sign_in(client, owner)
    url = f"/practices/{pid}/edit"
    page = suggest_on_form(client, url, title="Черновик без региона", suggest_text=TEXT).get_data(as_text=True)
    assert selected(page, "RU-CHE")
    with app.app_context():
        assert db.session.get(Practice, pid).region_code is None


def test_json_endpoint(app, teacher):
    token = csrf_from(teacher, "/practices/new")
    response = teacher.post("/practices/suggestions", data={"csrf_token": token, "text": TEXT})
    assert response.status_code == 200
    body = response.get_json()
    assert body["region"] == {"code": "RU-CHE", "name": "Челябинская область"}
    assert body["municipality"]["name"] == "Копейский городской округ"
    assert [x["code"] for x in body["levels"]] == ["basic"]
    bad = teacher.post("/practices/suggestions", data={"csrf_token": token, "file": (io.BytesIO(b""), "x.txt")},
                       content_type="multipart/form-data")
    assert bad.status_code == 422 and bad.get_json()["error"] == "Файл пустой."


def test_csrf_and_sign_in_are_required(app, teacher):
    assert teacher.post("/practices/suggestions", data={"text": TEXT}).status_code == 400
    assert teacher.post("/practices/new", data={"suggest": "1", "suggest_text": TEXT}).status_code == 400
    anonymous = app.test_client()
    response = anonymous.post("/practices/suggestions", data={"csrf_token": csrf_from(anonymous, "/login"),
                                                              "text": TEXT})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def attachments_of(practice_id: int) -> list[str]:
    from kb.attachments.models import Attachment

    return list(db.session.scalars(select(Attachment.original_name).where(Attachment.practice_id == practice_id)))


def save_new(client, file, **fields):
    data = {"csrf_token": csrf_from(client, "/practices/new"), "title": "Программа ШНО для сельской школы",
            "save_draft": "1", "suggest_file": file, **fields}
    return client.post("/practices/new", data=data, content_type="multipart/form-data")


def test_the_file_chosen_in_the_form_is_attached_when_the_form_is_saved(app, teacher):
    """The form's only file field is the one of «Заполнить по тексту»: a teacher chose her file there and pressed
    «Сохранить», and the file was dropped without a word."""
    response = save_new(teacher, (io.BytesIO("Программа кружка: экспедиции и опыты.".encode()),
                                  "C:\\Users\\Учитель\\Рабочий стол\\план урока.txt"))
    assert response.status_code == 302
    page = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Черновик сохранён. Файлы к нему прикладываются ниже, в разделе «Файлы»." in page
    assert "Файл «план урока.txt» приложен (слов в тексте: 5)." in page
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert practice.status == "draft" and attachments_of(practice.id) == ["план урока.txt"]
        assert "экспедиции" in practice.attachments[0].text


def test_a_file_chosen_in_the_form_is_attached_before_the_practice_is_submitted(app, teacher):
    """Once submitted, its author may attach nothing: the file goes in first."""
    response = save_new(teacher, (io.BytesIO("Программа кружка.".encode()), "программа.txt"),
                        save_draft="", submit_for_review="1", region="RU-CHE")
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert practice.status == "submitted" and attachments_of(practice.id) == ["программа.txt"]


def test_a_refused_file_leaves_the_practice_saved_and_says_why(app, teacher):
    response = save_new(teacher, (io.BytesIO(b"MZ\x90\x00" + bytes(range(256)) * 8), "программа.docx"))
    assert response.status_code == 302
    page = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Черновик сохранён." in page
    assert re.search(r"Файл «программа\.docx» не приложен: Неподдерживаемый тип файла: программа \(EXE\)\..*"
                     r"Другой файл можно приложить ниже, в разделе «Файлы»\.", page)
    with app.app_context():
        practice = db.session.scalar(select(Practice))
        assert practice is not None and attachments_of(practice.id) == []


def test_a_file_already_in_the_bank_is_asked_about_as_on_the_practice_page(app, teacher, make_user, make_practice):
    data = "Одна и та же программа кружка.".encode()
    first = save_new(teacher, (io.BytesIO(data), "программа.txt"))
    assert first.status_code == 302
    again = save_new(teacher, (io.BytesIO(data), "копия.txt"), title="Вторая практика с той же программой")
    page = again.get_data(as_text=True)
    assert again.status_code == 200 and "Такой файл уже есть в банке" in page and "Всё равно приложить" in page
    with app.app_context():
        second = db.session.scalar(select(Practice).where(Practice.title.startswith("Вторая")))
        assert second is not None and attachments_of(second.id) == []


def test_the_file_field_says_it_is_attached_and_asks_again_for_a_file_the_page_lost(teacher):
    form = teacher.get("/practices/new").get_data(as_text=True)
    assert re.search(r'<label for="suggest-file">Файл — для подсказок и для приложения к практике</label>', form)
    assert "При сохранении формы этот файл прикладывается к практике." in form
    page = suggest_on_form(teacher, suggest_file=(io.BytesIO("Челябинская область.".encode()), "опыт.txt"))
    assert "Файл «опыт.txt» ещё не приложен: выберите его снова" in page.get_data(as_text=True)


def test_the_form_s_first_submit_button_saves(app, teacher):
    """Enter in «Название» presses the form's first submit button: it was «Заполнить по тексту»."""
    import lxml.html

    doc = lxml.html.fromstring(teacher.get("/practices/new").get_data(as_text=True))
    form = doc.xpath("//form[@class='practice-form']")[0]
    first = form.xpath(".//button[not(@type) or @type='submit'] | .//input[@type='submit']")[0]
    assert first.get("name") is None and first.text == "Сохранить", "it sends no «suggest»"
    assert first.get("tabindex") == "-1" and first.get("aria-hidden") == "true"
    response = teacher.post("/practices/new", data={  # what Enter sends: the fields, no button's name
        "csrf_token": csrf_from(teacher, "/practices/new"), "title": "Экологическая тропа у сельской школы"})
    assert response.status_code == 302
    with app.app_context():
        assert practice_count() == 1


def test_a_practice_whose_chosen_file_is_refused_is_not_submitted_without_it(app, teacher):
    """Submitted without its file, the author could attach it only after the methodist returned the practice."""
    response = save_new(teacher, (io.BytesIO(b"MZ\x90\x00" + bytes(range(256)) * 8), "программа.docx"),
                        save_draft="", submit_for_review="1", region="RU-CHE")
    page = teacher.get(response.headers["Location"]).get_data(as_text=True)
    assert "Практика сохранена, но не отправлена на рассмотрение: приложите файл ниже, в разделе «Файлы»" in page
    assert "Файл «программа.docx» не приложен: Неподдерживаемый тип файла" in page
    with app.app_context():
        assert db.session.scalar(select(Practice.status)) == "draft"
