"""The topics a resolution discusses: found in its full text on import, corrected in the preview and the edit form,
stored, shown, given by the API and indexed with its recommendations' topics."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

import kb
from kb.extensions import db
from kb.vocabularies.models import Topic
from tests.conftest import sign_in
from tests.test_resolution_edit import _get, _post, edit_values
from tests.test_resolution_web_import import preview_values, upload

# Read from the seeds by hand. Smolensk: the questions discussed (ШНО; identifying, supporting gifted pupils, also on
# the e-learning platform ГлобалЛаб; integration of lessons, extracurricular and additional education; network
# cooperation), the methodical associations and refresher courses it recommends. Its one recommendation names only the
# last two. Not taken: «углублённом уровне» (the subjects' level in the integration question, not a theme of its own),
# the ВКС the conference was held by (its format, no theme), the «кафедра … дополнительного профессионального
# педагогического образования» (teachers' further education, not the additional education of pupils).
SMOLENSK_TOPICS = {
    "giftedness_identification", "gifted_support", "school_science_society", "e_learning", "network_cooperation",
    "integration_additional", "teacher_development", "dissemination",
}
# Chelyabinsk: besides its recommendations' topics, the «вопросы выявления и развития потенциала одаренных детей»,
# «методы диагностики … одаренности», «работа с одаренными младшими школьниками», «индивидуальные образовательные
# маршруты», «профессиональное самоопределение», the additional education organisations' experience. Not taken:
# «воспитания» in the name of the «Институт изучения детства, семьи и воспитания» (no theme of the conference).
CHELYABINSK_TOPICS = {
    "giftedness_identification", "gifted_support", "gifted_primary", "research_projects", "individual_routes",
    "e_learning", "network_cooperation", "integration_additional", "career_guidance", "assessment", "continuity",
    "inclusive", "motivation", "teacher_development", "innovation_sites", "social_lifts",
}

SEMINAR = """РЕЗОЛЮЦИЯ
областного семинара «Школьные научные общества»

Дата проведения: 12 октября 2022 года
Место проведения: г. Челябинск

На семинаре обсуждались формы работы школьных научных обществ, методы выявления, сопровождения и поддержки
одарённых обучающихся, интеграция урочной, внеурочной деятельности и дополнительного образования.

Участники семинара рекомендуют:
1) Общеобразовательным организациям:
– обобщить опыт и распространить его на заседаниях методических объединений."""


def _topics(app, rid: int) -> set[str]:
    from kb.resolutions.models import Resolution

    with app.app_context():
        return {t.code for t in db.session.get(Resolution, rid).topics}


def _import(app, text: str = SEMINAR, publish: bool = True) -> int:
    from kb.resolutions.services import import_resolution_text
    from kb.search.services import sync

    with app.app_context():
        rid = import_resolution_text(text, "seminar.txt", publish=publish).resolution.id
        db.session.commit()
        sync()
    return rid


def _found(client, **query) -> set[tuple[str, int]]:
    results = client.get("/api/v1/search", query_string=query).get_json()["results"]
    return {(r["type"], r["id"]) for r in results}


# --------------------------------------------------------------------------------------------------
# What is found in a text


@pytest.mark.parametrize(("seed", "expected"), [
    ("resolution_smolensk_2023.txt", SMOLENSK_TOPICS),
    ("resolution_chelyabinsk_2017.txt", CHELYABINSK_TOPICS),
])
def test_the_seeds_topics_are_the_themes_they_discuss(app, seeds_dir, seed, expected):
    from kb.resolutions.services import parse_resolution_text

    with app.app_context():
        parsed = parse_resolution_text((seeds_dir / seed).read_text(encoding="utf-8"))
    assert set(parsed.topic_codes) == expected
    # more than the recommendations say: the audit's finding
    with app.app_context():
        from kb.vocabularies.topics import suggest_topics
        from_recommendations = {c for rec in parsed.recommendations for c in suggest_topics(rec.text)}
    assert from_recommendations < expected


@pytest.mark.parametrize(("text", "expected"), [
    # a few words between the words of a synonym, in one sentence
    ("Обсуждались вопросы выявления и развития потенциала одаренных детей.",
     {"giftedness_identification", "gifted_support"}),
    ("Приёмы выявления, сопровождения и поддержки одарённых обучающихся.",
     {"giftedness_identification", "gifted_support"}),
    # …but not across a sentence, nor too far apart
    ("Итоги выявления. Одарённые дети выступили.", {"gifted_support"}),
    ("Диагностики работы школьной библиотеки и способностей", {"gifted_support"}),  # «способные дети» alone
    # a word of an institution's name is not a theme
    ("приняли участие сотрудники Института изучения детства, семьи и воспитания Российской академии образования",
     set()),
    ("Обсуждались вопросы воспитания и социализации обучающихся.", {"upbringing"}),
    ("в Центре дополнительного образования детей", set()),
    # a word between an adjective and its noun changes the phrase: further professional education (ДПО) of teachers
    # is not the additional education of pupils; next to each other they are
    ("Приняли участие сотрудники организаций дополнительного профессионального образования.", set()),
    ("заведующий кафедрой развития новых технологий дополнительного профессионального педагогического образования",
     set()),
    ("Включить в мониторинг дополнительного образования детей.", {"integration_additional"}),
    ("Практики сетевого и межведомственного взаимодействия школ.", {"network_cooperation"}),
    # the format of the event is no theme of it; an e-learning platform is
    ("Конференция проходила в режиме ВКС.", set()),
    ("Форма проведения: онлайн (видеоконференцсвязь).", set()),
    ("Конференция проходила очно и с подключением муниципальных команд по видеоконференцсвязи.", set()),
    ("Семинар прошёл в формате вебинара.", set()),
    ("Методы работы на платформе ГлобалЛаб в режиме ВКС.", {"e_learning"}),
    # a phrase does not run into a quoted title or a bracket
    ("Резолюция областной научно-практической конференции «Функциональная грамотность школьника»",
     {"functional_literacy"}),
    ("Решение научно-практической конференции (учителей, школьников)", set()),
    # a contest of pupils is an olympiad's kind; a teachers' professional contest is their professional development
    ("Провести конкурс исследовательских работ школьников.", {"olympiads"}),
    ("Конкурсы для обучающихся.", {"olympiads"}),
    ("Педагоги школы стали призёрами конкурса профессионального мастерства.", {"teacher_development"}),
    ("Победитель регионального этапа конкурса «Учитель года» поделился опытом.", {"teacher_development"}),
    ("Участие в конкурсе „Воспитатель года“.", {"teacher_development"}),
    ("Организовать конкурс педагогов.", {"teacher_development"}),
    ("Провести конкурс среди молодых учителей.", {"teacher_development"}),
    ("Учитель года России провёл занятие.", {"teacher_development"}),
    ("Финалисты конкурса «Педагогический дебют».", {"teacher_development"}),
    ("Ученик года выступил на конкурсе.", {"olympiads"}),
    ("Педагог в течение года ведёт с учениками дневник наблюдений.", set()),
    ("Учитель два года руководит школьным научным обществом.", {"school_science_society"}),
    ("Наставник в течение года сопровождает молодого специалиста.", set()),
    ("Классный руководитель в конце года проводит родительское собрание.", set()),
    ("Победитель конкурса «Учитель здоровья года» провёл занятие.", {"teacher_development"}),
    ("Конкурс профессионального мастерства педагогов и конкурс проектов обучающихся.",
     {"teacher_development", "olympiads"}),
    # a contest of teachers' work (projects, methodical materials, innovations) is theirs; the pupils' own is not
    ("Провести конкурс педагогических проектов.", {"teacher_development"}),
    ("Итоги конкурса методических разработок подведены.", {"teacher_development"}),
    ("Участники конкурса педагогических инноваций поделились опытом.", {"teacher_development"}),
    ("Победители областного конкурса лучших методических разработок.", {"teacher_development"}),
    ("Объявить конкурс на лучшую методическую разработку.", {"teacher_development"}),
    ("Конкурс педагогических идей и конкурс проектов обучающихся.", {"teacher_development", "olympiads"}),
    ("Провести конкурс исследовательских проектов школьников.", {"olympiads"}),
    ("Провести конкурс проектов обучающихся.", {"olympiads"}),
    ("Конкурс педагогических проектов студентов колледжа.", {"olympiads"}),
    ("Конкурс методических разработок обучающихся.", {"olympiads"}),
    ("Педагогические проекты и методические разработки учителей школы.", set()),  # no contest
    # a contest of practices or programmes (of teachers, of schools) is theirs too: no olympiad; a pupils' is
    ("Организовать ежегодный региональный конкурс инклюзивных практик с публикацией материалов победителей.",
     {"teacher_development"}),
    ("Провести конкурс практик.", {"teacher_development"}),
    ("Итоги конкурса лучших практик инклюзивного образования подведены.", {"teacher_development", "inclusive"}),
    ("Участники конкурса лучших образовательных практик поделились опытом.", {"teacher_development"}),
    ("Провести конкурс педагогических практик.", {"teacher_development"}),
    ("Объявить конкурс на лучшую практику работы с детьми с ОВЗ.", {"teacher_development", "inclusive"}),
    ("Победители конкурса «Лучшие практики инклюзивного образования» выступили.",
     {"teacher_development", "inclusive"}),
    ("Провести конкурс программ.", {"teacher_development"}),
    ("Провести конкурс дополнительных общеобразовательных программ.", {"teacher_development"}),
    ("Провести конкурс авторских образовательных программ педагогов.", {"teacher_development"}),
    ("Провести конкурс методических материалов.", {"teacher_development"}),
    ("Провести конкурс учебно-методических материалов.", {"teacher_development"}),
    ("Конкурс инклюзивных практик и конкурс проектов обучающихся.", {"teacher_development", "olympiads"}),
    ("Провести конкурс социальных практик школьников.", {"olympiads"}),
    ("Провести конкурс практик обучающихся.", {"olympiads"}),
    ("Провести конкурс детских волонтёрских практик.", {"olympiads"}),
    ("Провести конкурс компьютерных программ.", {"olympiads"}),
    ("Провести конкурс программ обучающихся.", {"olympiads"}),
    ("Конкурсная программа олимпиады включала задачи.", {"olympiads"}),  # the contest's programme
    ("Вовлекать детей с ОВЗ в кружки, конкурсы и проекты.", {"olympiads", "inclusive", "integration_additional"}),
    ("Практики инклюзивного образования и программы развития школ.", {"inclusive"}),  # no contest
    # a teachers' contest named in quotation marks: in any letters, after an adjective, «России» for «года», a year
    ("Победитель конкурса «Педагог года» провёл мастер-класс.", {"teacher_development"}),
    ("Участники «Педагог года» поделились опытом.", {"teacher_development"}),
    ("Финалисты «Воспитатель года» провели занятия.", {"teacher_development"}),
    ("Победитель «Педагог-психолог года» провёл тренинг.", {"teacher_development"}),
    ("Победитель конкурса „Педагог-психолог года“ провёл тренинг.", {"teacher_development"}),
    ("Участники «педагог года» поделились опытом.", {"teacher_development"}),
    ("ФИНАЛИСТЫ «ПЕДАГОГ ГОДА» ПРОВЕЛИ ЗАНЯТИЯ.", {"teacher_development"}),
    ("Финалисты «Молодой педагог года» провели занятия.", {"teacher_development"}),
    ("Победитель «Педагог-психолог России» провёл тренинг.", {"teacher_development"}),
    ("Лауреаты «Педагог года – 2024» провели занятия.", {"teacher_development"}),
    # «Воспитатели России», quoted or not, and a contest's name in lower case without quotation marks after
    # «конкурс»: a teachers' contest too
    ("Участники конкурса «Воспитатели России» поделились опытом.", {"teacher_development"}),
    ("Финалисты «Воспитатели России» провели занятия.", {"teacher_development"}),
    ("Детский сад принял участие в конкурсе Воспитатели России.", {"teacher_development"}),
    ("Финалисты Воспитатели России провели занятия.", {"teacher_development"}),
    ("Педагоги приняли участие в конкурсе педагог года.", {"teacher_development"}),
    ("Участие в конкурсе учитель года.", {"teacher_development"}),
    ("Победитель муниципального этапа конкурса воспитатель года провёл занятие.", {"teacher_development"}),
    ("Участие в конкурсе на звание учитель года.", {"teacher_development"}),
    ("Педагоги прошли конкурсные испытания учитель года.", {"teacher_development"}),
    ("Участие в конкурсах: педагог года, воспитатель года.", {"teacher_development"}),
    ("Подведены итоги: воспитатель года — муниципальный конкурс.", {"teacher_development"}),
    ("Победитель учитель года (региональный конкурс) провёл занятие.", {"teacher_development"}),
    ("Участники конкурса педагог года – 2024 провели занятия.", {"teacher_development"}),
    # …but not «педагог года» in lower case outside a contest, nor the educators of Russia at a sentence's start
    ("Наш педагог года два работает в этой школе.", set()),
    ("Лучший педагог года получил грамоту директора школы.", set()),
    ("Прошёл конкурс проектов обучающихся. Наш учитель года два работает в школе.", {"olympiads"}),
    ("Наш педагог года два назад провёл конкурс проектов обучающихся.", {"olympiads"}),
    ("Итоги конкурса проектов обучающихся, педагог года три ведёт кружок.", {"olympiads"}),
    ("В конкурсе проектов школьников учитель года был членом жюри.", {"olympiads"}),
    ("На конкурсе проектов воспитатели России и Казахстана работали в жюри.", {"olympiads"}),
    ("Воспитатели России собрались на форум.", set()),
    ("Итоги подведены. Воспитатели России собрались на форум.", set()),
    ("Опытом поделились воспитатели России и Казахстана.", set()),
    # …but not a pupil's or a sportsman's title in quotation marks, nor a teacher's year without them
    ("Участники «Ученик года» выступили.", set()),
    ("Победители «Лучший ученик года» выступили.", set()),
    ("Тренер, «Мастер спорта России», провёл занятие.", set()),
    ("Педагог-психолог в течение года ведёт занятия.", set()),
    ("Молодой педагог года два назад пришёл в школу.", set()),
])
def test_discussed_topics(app, text, expected):
    from kb.vocabularies.topics import discussed_topics

    with app.app_context():
        assert set(discussed_topics(text)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Провести конкурс исследовательских проектов обучающихся.", {"olympiads"}),
    ("Провести конкурс профессионального мастерства педагогов.", {"teacher_development"}),
    ("Поддержать участников конкурса «Учитель года».", {"teacher_development"}),
    ("Провести конкурс методических разработок.", {"teacher_development"}),
    ("Провести конкурс педагогических проектов.", {"teacher_development"}),
    ("Провести конкурс проектов обучающихся.", {"olympiads"}),
    ("Поддержать финалистов «Педагог-психолог года».", {"teacher_development"}),
    ("Поддержать финалистов «Педагог-психолог России».", {"teacher_development"}),
    ("Поддержать победителей «Ученик года».", set()),
    ("Поддержать участников конкурса «Воспитатели России».", {"teacher_development"}),
    ("Поддержать участников конкурса педагог года.", {"teacher_development"}),
    ("Поддержать участие педагогов в конкурсе учитель года.", {"teacher_development"}),
    # the Novosibirsk demo resolution: a contest of practices is the teachers'; the pupils' contests are theirs
    ("организовать ежегодный региональный конкурс инклюзивных практик с публикацией материалов победителей;",
     {"teacher_development"}),
    ("Провести конкурс лучших практик инклюзивного образования.", {"teacher_development", "inclusive"}),
    ("Провести конкурс образовательных программ.", {"teacher_development"}),
    ("Провести конкурс практик обучающихся.", {"olympiads"}),
    ("развивать сетевое взаимодействие с организациями дополнительного образования для вовлечения детей с ОВЗ в "
     "кружки, конкурсы и проекты;", {"olympiads", "network_cooperation", "integration_additional", "inclusive"}),
])
def test_a_recommendations_teachers_contest_is_their_development(app, text, expected):
    from kb.vocabularies.topics import suggest_topics

    with app.app_context():
        assert set(suggest_topics(text)) == expected


def test_a_long_text_of_contests_is_read_whole(app):
    """200 KB of contests and words a teachers' contest starts with and is not (its speed: the «contests» text of
    bench/suggestions_text.py)."""
    from kb.vocabularies.topics import discussed_topics

    sentence = ("В конкурсе профессионального мастерства «Учитель года» и конкурсе проектов школьников приняли участие "
                "педагоги, конкурс для для для молодых; Конкурсы Учитель Педагог Мастер ")
    with app.app_context():
        assert set(discussed_topics(sentence * (200_000 // len(sentence)))) == {"teacher_development", "olympiads"}


# --------------------------------------------------------------------------------------------------
# The import preview and the edit form


def test_the_preview_shows_the_found_topics_and_saves_the_corrected_ones(app, client, make_user):
    from kb.resolutions.models import Resolution

    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "Темы резолюции" in html
    values = preview_values(client, location)
    assert set(values.getlist("topics")) == {"school_science_society", "giftedness_identification",
                                             "gifted_support", "integration_additional", "dissemination"}
    values.setlist("topics", ["school_science_society", "olympiads"])
    values["publish"] = "y"
    response = client.post(location, data=values)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        rid = db.session.scalar(select(Resolution.id))
    assert _topics(app, rid) == {"school_science_society", "olympiads"}


def test_an_unknown_topic_in_the_preview_is_a_message_and_nothing_is_saved(app, client, make_user):
    from kb.resolutions.models import Resolution

    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    values.setlist("topics", ["no_such_topic"])
    response = client.post(location, data=values)
    assert response.status_code == 400
    assert "Неизвестные коды тем: no_such_topic" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(sa.func.count()).select_from(Resolution)) == 0


def test_the_methodist_corrects_the_topics_on_the_edit_page(app, client, make_user):
    rid = _import(app)
    sign_in(client, make_user("admin"))
    values = edit_values(client, rid)
    assert "school_science_society" in values.getlist("topics")
    values.setlist("topics", ["olympiads"])
    status, _, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 302
    assert _topics(app, rid) == {"olympiads"}
    assert ("resolution", rid) in _found(client, topic="olympiads")
    assert ("resolution", rid) not in _found(client, topic="school_science_society")


# --------------------------------------------------------------------------------------------------
# Stored, shown, exported, searched


def test_the_page_links_each_topic_to_the_search_and_the_api_gives_them(app, client):
    rid = _import(app)
    status, html, _ = _get(client, f"/resolutions/{rid}")
    assert status == 200
    assert "Темы" in html and "Школьные научные общества (ШНО)" in html
    assert "topic=school_science_society" in html
    body = client.get(f"/api/v1/resolutions/{rid}").get_json()
    assert {"code": "school_science_society", "label": "Школьные научные общества (ШНО)"} in body["topics"]


def test_the_topic_filter_finds_the_resolution_by_its_own_and_its_recommendations_topics(app, client):
    rid = _import(app)
    assert _topics(app, rid) >= {"school_science_society", "giftedness_identification"}
    # its own topic (no recommendation has it)
    assert ("resolution", rid) in _found(client, topic="school_science_society")
    # a recommendation's topic
    assert ("resolution", rid) in _found(client, topic="dissemination")
    assert ("resolution", rid) not in _found(client, topic="olympiads")
    page = client.get("/search", query_string={"type": "resolution", "topic": "giftedness_identification"})
    assert f"/resolutions/{rid}" in page.get_data(as_text=True)


def test_a_contest_of_practices_puts_no_region_under_olympiads(app, client):
    """The Novosibirsk demo resolution: its «конкурс инклюзивных практик» (recommendation 1.2) is the teachers'
    development; «олимпиада» finds, in the Altai Republic it names, the resolution and the recommendation that draws
    children with ОВЗ into contests (3.3), no more."""
    from kb.resolutions.models import Recommendation

    text = (Path(kb.__file__).parent / "demo" / "resolutions" / "resolution_novosibirsk_2022.txt").read_text("utf-8")
    rid = _import(app, text)
    with app.app_context():
        recs = {r.number: (r.id, {t.code for t in r.topics})
                for r in db.session.scalars(select(Recommendation).where(Recommendation.resolution_id == rid))}
    assert recs["1.2"][1] == {"teacher_development"}
    assert "olympiads" in recs["3.3"][1]
    expected = {("resolution", rid), ("recommendation", recs["3.3"][0])}
    assert _found(client, q="олимпиада", region="RU-AL") == expected
    assert ("recommendation", recs["1.2"][0]) in _found(client, topic="teacher_development", region="RU-AL")
    facet = client.get("/api/v1/search", query_string={"q": "олимпиада"}).get_json()["facets"]["region"]
    assert {f["value"]: f["count"] for f in facet}["RU-AL"] == 2


def test_topic_labels_are_escaped(app, client):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    with app.app_context():
        topic = Topic(code="evil", label="<script>alert(1)</script> тема", synonyms=[], sort_order=99)
        db.session.add(topic)
        resolution = db.session.get(Resolution, rid)
        resolution.topics.append(topic)
        db.session.commit()
    html = client.get(f"/resolutions/{rid}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; тема" in html


def test_detect_topics_fills_the_resolutions_stored_before(app, runner, client):
    from kb.resolutions.models import Resolution

    rid = _import(app)
    with app.app_context():
        db.session.get(Resolution, rid).topics = []
        db.session.commit()
    dry = runner.invoke(args=["detect-topics", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "ничего не сохранено" in dry.output and "Школьные научные общества (ШНО)" in dry.output
    assert _topics(app, rid) == set()
    result = runner.invoke(args=["detect-topics"])
    assert result.exit_code == 0, result.output
    assert _topics(app, rid) >= {"school_science_society", "giftedness_identification"}
    assert ("resolution", rid) in _found(client, topic="school_science_society")
    # run again: nothing left to do, and topics a methodist chose stay without --all
    with app.app_context():
        resolution = db.session.get(Resolution, rid)
        resolution.topics = [db.session.get(Topic, "olympiads")]
        db.session.commit()
    again = runner.invoke(args=["detect-topics"])
    assert again.exit_code == 0 and "Изменено резолюций: 0" in again.output
    assert _topics(app, rid) == {"olympiads"}
    redo = runner.invoke(args=["detect-topics", "--all"])
    assert redo.exit_code == 0 and "Изменено резолюций: 1" in redo.output
    assert "olympiads" not in _topics(app, rid)


def test_the_migration_up_and_down(app):
    rid = _import(app)
    with app.app_context():
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="z7rmu0000001")
        assert "resolution_topic" not in sa.inspect(db.engine).get_table_names()
        upgrade()
        assert "resolution_topic" in sa.inspect(db.engine).get_table_names()
        # the stored resolution survives; it has no topics of its own until they are detected again
        assert db.session.scalar(sa.text("SELECT count(*) FROM resolution WHERE id = :id"), {"id": rid}) == 1
        assert db.session.scalar(sa.text("SELECT count(*) FROM resolution_topic")) == 0
