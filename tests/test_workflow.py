"""Submission and moderation: the role × action matrix, history, notifications, audit."""

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from kb.accounts.models import AuditEvent, Notification, User
from kb.extensions import db
from kb.practices.models import Practice, PracticeTransition, PracticeVersion
from kb.practices.services import scoped_practices
from tests.conftest import client_of as _client
from tests.conftest import sign_in

# A time as the pages print it: «1 марта 2026 г., 09:05».
TIME = r"\d{1,2} [а-я]+ \d{4} г\., \d{2}:\d{2}"
ACTORS = ("anonymous", "owner", "other_teacher", "methodist_in", "methodist_out", "methodist_org", "admin")


@pytest.fixture
def world(app, make_user, make_practice):
    """A practice in RU-CHE owned by a teacher, and one user of every kind."""
    app.config["WTF_CSRF_ENABLED"] = False
    users = {
        "owner": make_user("teacher"),
        "other_teacher": make_user("teacher"),
        "methodist_in": make_user("methodist", scope_region="RU-CHE"),
        "methodist_out": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
        "methodist_org": make_user("methodist", region=None, scope_region="RU-CHE",
                                   scope_organisation="маоу «лицей  № 1»"),
        "admin": make_user("admin", region=None),
    }

    def practice(status: str) -> int:
        with app.app_context():
            # Written differently from the methodist's scope (case, ё): the scope still matches.
            return make_practice(f"Практика в статусе {status}", status=status, owner_id=users["owner"],
                                 organisation="МАОУ «ЛИЦЕЙ № 1»")

    return users, practice


def _status(app, practice_id):
    with app.app_context():
        return db.session.get(Practice, practice_id).status


# expected HTTP status for: view, edit page
VIEW_EDIT = {
    "draft": {"anonymous": (404, 302), "owner": (200, 200), "other_teacher": (404, 404), "methodist_in": (200, 200),
              "methodist_out": (404, 404), "methodist_org": (200, 200), "admin": (200, 200)},
    "submitted": {"anonymous": (404, 302), "owner": (200, 403), "other_teacher": (404, 404),
                  "methodist_in": (200, 200), "methodist_out": (404, 404), "methodist_org": (200, 200),
                  "admin": (200, 200)},
    "published": {"anonymous": (200, 302), "owner": (200, 403), "other_teacher": (200, 403),
                  "methodist_in": (200, 200), "methodist_out": (200, 403), "methodist_org": (200, 200),
                  "admin": (200, 200)},
    "archived": {"anonymous": (404, 302), "owner": (200, 403), "other_teacher": (404, 404),
                 "methodist_in": (200, 403), "methodist_out": (404, 404), "methodist_org": (200, 403),
                 "admin": (200, 403)},
}


@pytest.mark.parametrize("status", list(VIEW_EDIT))
@pytest.mark.parametrize("actor", ACTORS)
def test_view_and_edit_matrix(app, world, status, actor):
    users, practice = world
    pid = practice(status)
    client = _client(app, users, actor)
    view, edit = VIEW_EDIT[status][actor]
    assert client.get(f"/practices/{pid}").status_code == view
    response = client.get(f"/practices/{pid}/edit")
    assert response.status_code == edit
    if edit == 302:
        assert "/login" in response.headers["Location"]


# (action, starting status) -> the actors allowed; everyone else is refused with the given code
TRANSITIONS = [
    ("submit", "draft", {"owner", "admin"}),
    ("submit", "returned", {"owner", "admin"}),
    ("publish", "submitted", {"methodist_in", "methodist_org", "admin"}),
    ("return", "submitted", {"methodist_in", "methodist_org", "admin"}),
    ("archive", "published", {"methodist_in", "methodist_org", "admin"}),
    ("restore", "archived", {"methodist_in", "methodist_org", "admin"}),
]
RESULT = {"submit": "submitted", "publish": "published", "return": "returned", "archive": "archived",
          "restore": "published"}


@pytest.mark.parametrize(("action", "start", "allowed"), TRANSITIONS)
@pytest.mark.parametrize("actor", ACTORS)
def test_transition_matrix(app, world, action, start, allowed, actor):
    users, practice = world
    pid = practice(start)
    client = _client(app, users, actor)
    response = client.post(f"/practices/{pid}/transition", data={"action": action, "comment": "Добавьте результаты"})
    if actor in allowed:
        assert response.status_code == 302
        assert _status(app, pid) == RESULT[action]
        with app.app_context():
            step = db.session.scalar(select(PracticeTransition).where(PracticeTransition.practice_id == pid))
            assert (step.from_status, step.to_status, step.actor_id) == (start, RESULT[action], users[actor])
            audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "status_changed"))
            assert audit.target_id == pid and audit.details["to"] == RESULT[action]
    else:
        assert response.status_code in (302, 403, 404)
        if actor == "anonymous":
            assert "/login" in response.headers["Location"]
        assert _status(app, pid) == start


def test_wrong_status_gets_a_message_not_an_error(app, world):
    users, practice = world
    pid = practice("draft")
    client = _client(app, users, "admin")
    response = client.post(f"/practices/{pid}/transition", data={"action": "publish"}, follow_redirects=True)
    assert response.status_code == 200
    assert "недоступно для практики в её текущем статусе" in response.get_data(as_text=True)
    assert _status(app, pid) == "draft"
    unknown = client.post(f"/practices/{pid}/transition", data={"action": "explode"}, follow_redirects=True)
    assert "Неизвестное действие" in unknown.get_data(as_text=True)


def test_return_needs_a_comment_and_notifies_the_author(app, world):
    users, practice = world
    pid = practice("submitted")
    methodist = _client(app, users, "methodist_in")
    empty = methodist.post(f"/practices/{pid}/transition", data={"action": "return", "comment": "  "},
                           follow_redirects=True)
    assert "Напишите автору" in empty.get_data(as_text=True)
    assert _status(app, pid) == "submitted"
    methodist.post(f"/practices/{pid}/transition", data={"action": "return", "comment": "Добавьте <b>итоги</b>"})
    assert _status(app, pid) == "returned"

    owner = _client(app, users, "owner")
    page = owner.get(f"/practices/{pid}").get_data(as_text=True)
    assert "Комментарий методиста: Добавьте &lt;b&gt;итоги&lt;/b&gt;" in page
    # the header says it in words, with a link straight to them
    assert ('<a href="/profile#notifications">Уведомления <span class="badge">1</span>'
            '<span class="visually-hidden"> новое</span></a>') in page  # «1 новых» to a screen reader before
    profile = owner.get("/profile").get_data(as_text=True)
    assert "возвращена на доработку" in profile
    # the notification's time says its zone (it said none: the reader took it for local time)
    assert re.search(rf'<span class="meta">{TIME} МСК</span>', profile)
    # so does the returning methodist's time above the edit form
    edit = owner.get(f"/practices/{pid}/edit").get_data(as_text=True)
    assert re.search(rf"<strong>Что исправить</strong> \(Тестовый methodist, {TIME} МСК\):", edit)
    with app.app_context():
        assert db.session.scalar(select(Notification).where(Notification.user_id == users["owner"])) is not None


def test_a_return_comment_keeps_its_line_breaks_wherever_the_author_reads_it(app, world):
    """A comment numbered point by point ran together into one line on the practice page, over the edit form and
    in the history."""
    users, practice = world
    pid = practice("submitted")
    comment = "1. Уточните цель.\r\n2. Добавьте результаты за 2023 год.\r\n3. Приложите программу кружка."
    methodist = _client(app, users, "methodist_in")
    assert methodist.post(f"/practices/{pid}/transition", data={"action": "return", "comment": comment}
                          ).status_code == 302
    stored = "1. Уточните цель.\n2. Добавьте результаты за 2023 год.\n3. Приложите программу кружка."
    with app.app_context():
        assert db.session.scalar(select(PracticeTransition.comment).where(PracticeTransition.practice_id == pid)
                                 .order_by(PracticeTransition.id.desc()).limit(1)) == stored
    owner = _client(app, users, "owner")
    pages = {url: owner.get(url).get_data(as_text=True)
             for url in (f"/practices/{pid}", f"/practices/{pid}/edit", f"/practices/{pid}/history")}
    for url, page in pages.items():
        element = re.search(r'<(p|td)[^>]* class="([^"]*\bmultiline\b[^"]*)"[^>]*>([^<]*)</\1>', page)
        assert element and stored in element.group(3), url
    with owner.get(re.search(r'<link rel="stylesheet" href="([^"]+)"', pages[f"/practices/{pid}"]).group(1)) as css:
        assert re.search(r"\.multiline\s*\{\s*white-space:\s*pre-line;", css.get_data(as_text=True))


def test_a_return_comment_is_counted_as_typed_and_one_too_long_comes_back_unsent(app, world):
    """A browser counts a line break as one character (the textarea's maxlength="5000") but sends it as CR LF: the
    comment was cut at 5000 characters of that before its line breaks were made LF, its end lost without a word."""
    users, practice = world
    pid = practice("submitted")
    typed = "\n".join(f"{n:03d}. Исправьте раздел и добавьте результаты диагностики" for n in range(1, 200))
    typed = typed[:4990].rstrip() + "\nКОНЕЦ"
    assert len(typed) <= 5000 < len(typed.replace("\n", "\r\n"))
    methodist = _client(app, users, "methodist_in")
    too_long = typed + "\n" + "я" * 10
    response = methodist.post(f"/practices/{pid}/transition",
                              data={"action": "return", "comment": too_long.replace("\n", "\r\n")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Практика не возвращена:" in page and "Комментарий — не длиннее 5000 символов." in page
    assert f">{too_long}</textarea>" in page and 'aria-describedby="return-comment-error"' in page
    assert _status(app, pid) == "submitted"
    response = methodist.post(f"/practices/{pid}/transition",
                              data={"action": "return", "comment": typed.replace("\n", "\r\n")})
    assert response.status_code == 302 and _status(app, pid) == "returned"
    with app.app_context():
        assert db.session.scalar(select(PracticeTransition.comment)
                                 .where(PracticeTransition.practice_id == pid)) == typed


def test_a_methodist_cannot_take_the_region_off_a_practice_under_review(app, world):
    """Its submission needs a region because without one no methodist sees it (they moderate a region); a
    methodist's edit took it off anyway: the practice stayed «На рассмотрении» in no methodist's queue, its author
    unable to edit or withdraw it. The form says so at the region field and saves nothing; an administrator may."""
    users, practice = world
    pid = practice("submitted")
    form = {"title": "Практика в статусе submitted", "annotation": "Описание практики для проверки поиска.",
            "authors": "Иванова Анна Петровна, учитель начальных классов", "organisation": "МАОУ «ЛИЦЕЙ № 1»",
            "levels": ["primary"], "subjects": ["mathematics"], "topics": ["research_projects"], "year": "2020",
            "results": "Итоги года."}
    for actor in ("methodist_in", "methodist_org"):
        with _client(app, users, actor).post(f"/practices/{pid}/edit", data=dict(form, region="")) as response:
            page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "Практика на рассмотрении не может остаться без региона" in page and "field--error" in page
        assert "Итоги года." in page  # the edit comes back as typed
        with app.app_context():
            practice_row = db.session.get(Practice, pid)
            assert (practice_row.region_code, practice_row.results or "") == ("RU-CHE", "")
            assert db.session.scalar(select(func.count()).select_from(PracticeVersion)) == 0
    # a draft or a returned practice may be saved without a region (it is sent with one)
    draft = practice("returned")
    with _client(app, users, "methodist_in").post(f"/practices/{draft}/edit?confirm_duplicates=1",
                                                   data=dict(form, region="")) as response:
        assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Practice, draft).region_code is None
    # an administrator moderates every practice: one without a region stays in their queue
    with _client(app, users, "admin").post(f"/practices/{pid}/edit?confirm_duplicates=1",
                                           data=dict(form, region="")) as response:
        assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Practice, pid).region_code is None


def test_the_author_of_a_submitted_practice_is_told_why_it_cannot_be_edited(app, world):
    users, practice = world
    pid = practice("submitted")
    notice = "Практика на рассмотрении у методиста. Изменить её или приложить к ней файлы нельзя"
    assert notice in _client(app, users, "owner").get(f"/practices/{pid}").get_data(as_text=True)
    assert notice not in _client(app, users, "methodist_in").get(f"/practices/{pid}").get_data(as_text=True)
    assert notice not in _client(app, users, "owner").get(f"/practices/{practice('draft')}").get_data(as_text=True)


def _form_as_a_browser_sends_it(client, url: str) -> list[tuple[str, str]]:
    """The practice form's fields as a browser submits them untouched: text areas' line breaks as CR LF."""
    import lxml.html

    form = lxml.html.fromstring(client.get(url).get_data(as_text=True)).xpath("//form[@class='practice-form']")[0]
    data = []
    for element in form.inputs:
        name = element.get("name")
        if not name or element.get("type") in ("submit", "file") or element.tag == "button" or name == "suggest_text":
            continue
        if element.tag == "textarea":  # a browser drops the line break that opens a text area's content
            value = element.value or ""
            data.append((name, value.removeprefix("\n").replace("\n", "\r\n")))
        elif element.get("type") == "checkbox":
            if element.checked:
                data.append((name, element.get("value")))
        elif element.tag == "select":
            data.append((name, element.value or ""))
        else:
            data.append((name, element.get("value") or ""))
    return [*data, ("save_draft", "1")]


def test_saving_an_untouched_practice_from_the_browser_changes_nothing(app, world, make_practice):
    """The API and the imports store LF, a browser sends CR LF: an untouched save made an empty new version."""
    users, _ = world
    with app.app_context():
        pid = make_practice("Практика с абзацами из API", status="draft", owner_id=users["owner"],
                            annotation="Первый абзац про кружок.\nВторой абзац про экспедиции.",
                            technology="Шаг первый.\n\nШаг второй.")
        revision = db.session.get(Practice, pid).revision
    owner = _client(app, users, "owner")
    data = _form_as_a_browser_sends_it(owner, f"/practices/{pid}/edit")
    assert ("annotation", "Первый абзац про кружок.\r\nВторой абзац про экспедиции.") in data
    saved = owner.post(f"/practices/{pid}/edit", data=MultiDict(data), follow_redirects=True).get_data(as_text=True)
    assert "Изменений нет." in saved
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PracticeVersion)) == 0
        practice = db.session.get(Practice, pid)
        assert practice.revision == revision and practice.annotation.count("\r") == 0


def test_marking_notifications_read_leaves_one_that_came_after_the_page_new(app, world):
    """«Отметить все как прочитанные» marked every unread row at the click, also one the user never saw; and read
    ones were shown nowhere."""
    from kb.accounts.services import notify

    users, _ = world
    owner = _client(app, users, "owner")
    with app.app_context():
        notify(users["owner"], "Практика «Первая» опубликована.")
        db.session.commit()
    profile = owner.get("/profile").get_data(as_text=True)
    up_to = re.search(r'name="up_to" value="(\d+)"', profile).group(1)
    with app.app_context():
        notify(users["owner"], "Практика «Вторая» возвращена на доработку: уточните итоги.")
        db.session.commit()
    token = re.search(r'name="csrf_token" value="([^"]+)"', profile).group(1)
    assert owner.post("/notifications/read", data={"csrf_token": token, "up_to": up_to}).status_code == 302
    page = owner.get("/profile").get_data(as_text=True)
    new, read = page.split('<details class="read-notifications">')
    assert "«Вторая» возвращена" in new and "«Первая»" not in new
    assert "«Первая» опубликована" in read.split("</details>")[0]
    assert 'Уведомления <span class="badge">1</span>' in page


def test_a_long_return_comment_is_kept_whole_and_quoted_short_in_the_notification(app, world):
    """The notification quoted the whole comment: over about 930 characters PostgreSQL refused it, and the return
    with its comment was lost in a 500."""
    users, practice = world
    pid = practice("submitted")
    comment = "Уточните раздел «Результаты». " * 160  # 4,800 characters, under the form's 5,000
    methodist = _client(app, users, "methodist_in")
    assert methodist.post(f"/practices/{pid}/transition", data={"action": "return", "comment": comment}
                          ).status_code == 302
    assert _status(app, pid) == "returned"
    with app.app_context():
        stored = db.session.scalar(select(PracticeTransition.comment).where(PracticeTransition.practice_id == pid)
                                   .order_by(PracticeTransition.id.desc()).limit(1))
        assert stored == comment.strip()
        message = db.session.scalar(select(Notification.message).where(Notification.user_id == users["owner"]))
        assert len(message) == 1000 and message.endswith("…") and "Уточните раздел" in message


def test_a_return_comment_arrives_without_control_characters(app, world, make_user):
    """The API passed the comment as sent: «\x00» alone was accepted as a reason (and was a 500 on PostgreSQL)."""
    from kb.accounts.tokens import create_token

    users, practice = world
    pid = practice("submitted")
    with app.app_context():
        from kb.accounts.models import User

        token = create_token(db.session.get(User, users["methodist_in"]), "робот")[1]
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    empty = client.post(f"/api/v1/practices/{pid}/transitions", json={"action": "return", "comment": "\x00\x01"},
                        headers=headers)
    assert empty.status_code == 422 and empty.json["errors"] == {"comment": ["Напишите автору, что нужно исправить."]}
    assert _status(app, pid) == "submitted"
    done = client.post(f"/api/v1/practices/{pid}/transitions",
                       json={"action": "return", "comment": "ошибка\x00 в тексте"}, headers=headers)
    assert done.status_code == 200 and _status(app, pid) == "returned"
    with app.app_context():
        assert db.session.scalar(select(PracticeTransition.comment).where(PracticeTransition.practice_id == pid)
                                 .order_by(PracticeTransition.id.desc()).limit(1)) == "ошибка в тексте"


def test_full_cycle_through_the_forms(app, world):
    """Teacher drafts, submits; methodist returns; teacher fixes and resubmits; methodist publishes."""
    users, _ = world
    teacher = _client(app, users, "owner")
    form = {"title": "Клуб юных исследователей «Почемучка»", "annotation": "Еженедельные занятия с гиперзвуковым "
            "словом.", "authors": "Орлова Анна Сергеевна, учитель начальных классов", "region": "RU-CHE",
            "levels": ["primary"], "topics": ["research_projects"], "year": "2024", "save_draft": "1"}
    created = teacher.post("/practices/new", data=form)
    assert created.status_code == 302
    pid = int(created.headers["Location"].rsplit("/", 1)[1])
    assert _status(app, pid) == "draft"
    assert teacher.get("/api/v1/search", query_string={"q": "гиперзвуковым"}).json["total"] == 0

    teacher.post(f"/practices/{pid}/transition", data={"action": "submit"})
    methodist = _client(app, users, "methodist_in")
    queue = methodist.get("/practices/moderation").get_data(as_text=True)
    assert "Почемучка" in queue
    assert "Почемучка" not in _client(app, users, "methodist_out").get("/practices/moderation").get_data(as_text=True)
    methodist.post(f"/practices/{pid}/transition", data={"action": "return", "comment": "Опишите результаты"})

    assert "Опишите результаты" in teacher.get(f"/practices/{pid}/edit").get_data(as_text=True)  # in sight
    fixed = dict(form, results="Участники выступили на городской конференции.", submit_for_review="1")
    fixed.pop("save_draft")
    assert teacher.post(f"/practices/{pid}/edit", data=fixed).status_code == 302
    assert _status(app, pid) == "submitted"
    methodist.post(f"/practices/{pid}/transition", data={"action": "publish"})
    assert _status(app, pid) == "published"
    found = app.test_client().get("/api/v1/search", query_string={"q": "гиперзвуковое"}).json
    assert [r["id"] for r in found["results"]] == [pid]

    with app.app_context():
        versions = db.session.scalars(select(PracticeVersion).where(PracticeVersion.practice_id == pid)).all()
        assert len(versions) == 1 and versions[0].snapshot["results"] == ""
    history = teacher.get(f"/practices/{pid}/history").get_data(as_text=True)
    assert "Версия 1" in history and "Возвращена на доработку" in history
    assert re.search(rf"Версия 1 — до правки от {TIME} МСК \(", history)
    diff = teacher.get(f"/practices/{pid}/diff?from=1").get_data(as_text=True)
    assert "<ins>Участники выступили на городской конференции.</ins>" in diff
    assert app.test_client().get(f"/practices/{pid}/history").status_code == 404


def test_the_version_diff_names_regions_municipalities_and_vocabulary_entries(app, world):
    """The diff showed codes: «Регион RU-CHE RU-SMO», «Муниципалитет 1», «Темы school_science_society olympiads»."""
    from kb.vocabularies.models import Municipality

    users, practice = world
    pid = practice("draft")
    with app.app_context():
        municipality = db.session.scalar(select(Municipality).where(Municipality.region_code == "RU-CHE"))
        stored = db.session.get(Practice, pid)
        stored.municipality_id, stored.spread_level = municipality.id, "institution"
        db.session.commit()
        name = municipality.name
    teacher = _client(app, users, "owner")
    form = {"title": "Практика в статусе draft", "annotation": "Описание практики для проверки поиска.",
            "authors": "Иванова Анна Петровна, учитель начальных классов", "region": "RU-SMO", "municipality": "",
            "levels": ["basic"], "subjects": ["mathematics", "physics"], "topics": ["olympiads"], "year": "2020",
            "spread_level": "region", "save_draft": "1"}
    assert teacher.post(f"/practices/{pid}/edit", data=form).status_code == 302
    page = teacher.get(f"/practices/{pid}/diff?from=1").get_data(as_text=True)
    changes = dict(re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page))
    assert changes["Регион"] == "<del>Челябинская область</del> <ins>Смоленская область</ins>"
    assert changes["Муниципалитет"] == f"<del>{escape(name)}</del>"
    assert changes["Уровни образования"] == (
        "<del>Начальное общее образование</del> <ins>Основное общее образование</ins>")
    assert changes["Предметы"] == "Математика; <ins>Физика</ins>"
    assert changes["Темы"] == (
        "<del>Учебно-исследовательская и проектная деятельность</del> <ins>Олимпиады и конкурсы</ins>")
    assert changes["Уровень распространения"] == (
        "<del>Уровень образовательной организации</del> <ins>Региональный уровень</ins>")
    codes = {"RU-CHE", "RU-SMO", "olympiads", "research_projects", "primary", "basic", "physics", "institution"}
    assert not codes & set(re.findall(r"[\w-]+", " ".join(changes.values())))


def test_invalid_form_keeps_input_and_says_what_is_wrong(app, world):
    users, _ = world
    teacher = _client(app, users, "owner")
    response = teacher.post("/practices/new", data={"title": "Кор", "annotation": "<script>x</script>",
                                                    "region": "RU-XXX", "year": "3000", "levels": ["phd"]})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Название — от 5 до 500 символов." in page
    assert "Год — от 1990 до следующего." in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    with app.app_context():
        assert db.session.scalar(select(Practice).where(Practice.title == "Кор")) is None


def test_delete_rules_and_audit(app, world):
    users, practice = world
    draft, submitted = practice("draft"), practice("submitted")
    owner = _client(app, users, "owner")
    assert owner.post(f"/practices/{submitted}/delete").status_code == 403
    question = owner.get(f"/practices/{draft}/delete")  # the practice page's «Удалить…» asks first
    assert question.status_code == 200 and "Удалить практику «Практика в статусе draft»?" in question.get_data(
        as_text=True)
    assert f'href="/practices/{draft}/delete"' in owner.get(f"/practices/{draft}").get_data(as_text=True)
    assert owner.get(f"/practices/{submitted}/delete").status_code == 403
    assert _status(app, draft) == "draft"  # asking deletes nothing
    assert owner.post(f"/practices/{draft}/delete").status_code == 302
    assert _client(app, users, "methodist_in").post(f"/practices/{submitted}/delete").status_code == 403
    assert _client(app, users, "admin").post(f"/practices/{submitted}/delete").status_code == 302
    with app.app_context():
        assert db.session.get(Practice, draft) is None and db.session.get(Practice, submitted) is None
        deleted = db.session.scalars(select(AuditEvent.target_id).where(AuditEvent.action == "practice_deleted"))
        assert set(deleted) == {draft, submitted}


def test_organisation_scope_queue_ignores_case_and_yo(app, world, make_practice, make_user):
    users, practice = world
    with app.app_context():
        pid = make_practice("Практика лицея на рассмотрении", status="submitted", owner_id=users["owner"],
                            organisation="МАОУ «ЛИЦЁЙ № 1»")
        other = make_practice("Практика другой школы", status="submitted", owner_id=users["owner"],
                              organisation="МБОУ «СОШ № 2»")
    methodist = make_user("methodist", region=None, scope_region="RU-CHE", scope_organisation="маоу «лицей № 1»")
    client = _client(app, {**users, "m": methodist}, "m")
    queue = client.get("/practices/moderation").get_data(as_text=True)
    assert f"/practices/{pid}" in queue and f"/practices/{other}" not in queue
    assert client.get(f"/practices/{pid}").status_code == 200
    assert client.get(f"/practices/{other}").status_code == 404


def test_an_organisation_typed_with_odd_spacing_reaches_its_methodists_queue(app, world, make_practice):
    """The policy folds spacing when it compares organisations, the queue's SQL did not: a practice of «МАОУ  «Лицей
    № 1»» (two spaces, a no-break space) opened for the organisation's methodist but never came to his queue.
    The forms store the folded form, and migration r8org0000001 folds what was stored before."""
    from flask_migrate import downgrade, upgrade

    from kb.search.models import IndexOutbox

    users, _ = world
    teacher, methodist = _client(app, users, "owner"), _client(app, users, "methodist_org")
    form = {"title": "Практика лицея с пробелами", "organisation": "  МАОУ  «Лицей\u00a0№ 1»\t", "region": "RU-CHE",
            "submit_for_review": "1"}
    created = teacher.post("/practices/new", data=form)
    pid = int(created.headers["Location"].rsplit("/", 1)[1])
    teacher.post(f"/practices/{pid}/transition", data={"action": "submit"})
    with app.app_context():
        assert db.session.get(Practice, pid).organisation == "МАОУ «Лицей № 1»"
        older = make_practice("Практика, сохранённая до свёртки пробелов", status="submitted",
                              owner_id=users["owner"], organisation="МАОУ «ЛИЦЕЙ  № 1»")
        db.session.commit()  # no transaction left open: on PostgreSQL a DROP INDEX waits for every reader
        downgrade(revision="q7rev0000001")
        db.session.execute(update(Practice).where(Practice.id == older)
                           .values(organisation="МАОУ\u00a0 «ЛИЦЕЙ   № 1»"))
        # x0org0000001's downgrade leaves an organisation's methodist without a region: this code's scope needs it
        db.session.execute(update(User).where(User.id == users["methodist_org"]).values(scope_region_code="RU-CHE"))
        db.session.commit()
        # The queue's own condition on that schema (its page would load the accounts with the columns added since)
        scope = User(role="methodist", scope_organisation="маоу «лицей  № 1»", scope_region_code="RU-CHE",
                     is_active_account=True)
        queued = db.session.scalars(scoped_practices(
            select(Practice.id).where(Practice.status == "submitted"), scope)).all()
        assert pid in queued and older not in queued
    with app.app_context():
        known = db.session.scalar(select(func.max(IndexOutbox.id)))
        upgrade()
        assert db.session.get(Practice, older).organisation == "МАОУ «ЛИЦЕЙ № 1»"
        assert db.session.scalars(select(IndexOutbox.doc_id).where(IndexOutbox.id > known)).all() == [older]
    assert "сохранённая до свёртки" in methodist.get("/practices/moderation").get_data(as_text=True)


def test_moderation_tab_counts_follow_the_region_filter(app, world, make_practice):
    """With ?region= the list showed one region but the tab numbers counted the whole scope (3 listed as 1)."""
    import re

    users, practice = world
    practice("submitted")
    with app.app_context():
        smolensk = make_practice("Смоленская практика", status="submitted", owner_id=users["owner"],
                                 region_code="RU-SMO")
        make_practice("Смоленская опубликованная", owner_id=users["owner"], region_code="RU-SMO")
        make_practice("Челябинская опубликованная", owner_id=users["owner"])
    admin = _client(app, users, "admin")

    def tabs(url):
        page = admin.get(url).get_data(as_text=True)
        return dict(re.findall(r'status=(\w+)[^"]*"[^>]*>[^<]*<span class="count">(\d+)</span>', page)), page

    counts, page = tabs("/practices/moderation?region=RU-SMO")
    assert (counts["submitted"], counts["published"]) == ("1", "1")
    assert f"/practices/{smolensk}\"" in page
    counts, _ = tabs("/practices/moderation")
    assert (counts["submitted"], counts["published"]) == ("2", "2")


def test_a_methodist_who_moves_a_practice_to_another_region_is_told_where_it_went(app, world):
    """The save said «Изменения сохранены.» and then sent the methodist to «Страница не найдена»."""
    users, practice = world
    pid = practice("submitted")
    methodist = _client(app, users, "methodist_in")
    form = {"title": "Практика в статусе submitted", "annotation": "Описание практики для проверки поиска.",
            "authors": "Иванова Анна Петровна, учитель начальных классов", "organisation": "МАОУ «ЛИЦЕЙ № 1»",
            "levels": ["primary"], "subjects": ["mathematics"], "topics": ["research_projects"], "year": "2020"}
    saved = methodist.post(f"/practices/{pid}/edit", data=dict(form, region="RU-CHE", results="Итоги года."))
    assert saved.headers["Location"] == f"/practices/{pid}"  # still in scope: back to the practice
    moved = methodist.post(f"/practices/{pid}/edit", data=dict(form, region="RU-SMO"))
    assert moved.status_code == 302 and moved.headers["Location"] == "/practices/moderation?status=submitted"
    page = methodist.get(moved.headers["Location"])
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Изменения сохранены." in text
    assert "Практика перешла в регион «Смоленская область»: теперь её рассматривают методисты этого региона" in text
    assert f"/practices/{pid}\"" in _client(app, users, "methodist_out").get("/practices/moderation").get_data(
        as_text=True)
    with app.app_context():
        assert db.session.get(Practice, pid).region_code == "RU-SMO"
    # an organisation's methodist who renames the organisation is told so too
    pid = practice("submitted")
    org = _client(app, users, "methodist_org")
    moved = org.post(f"/practices/{pid}/edit?confirm_duplicates=1", data=  # same text as the first one
                     dict(form, region="RU-CHE", organisation="МБОУ «СОШ № 2»"))
    assert moved.headers["Location"] == "/practices/moderation?status=submitted"
    assert "больше не относится к организации, которую вы модерируете" in org.get(moved.headers["Location"]).get_data(
        as_text=True)


def test_the_form_says_before_sending_that_files_wait_for_a_return(app, make_user):
    """A teacher who pressed «Сохранить и отправить на рассмотрение» with one file learnt only afterwards that her
    presentation could no longer be attached until a methodist returned the practice."""
    client = app.test_client()
    sign_in(client, make_user("teacher"))
    page = " ".join(client.get("/practices/new").get_data(as_text=True).split())
    hint = "Несколько файлов (презентация, конспекты)? Сначала нажмите «Сохранить»"
    assert hint in page and page.index("Сохранить и отправить на рассмотрение") < page.index(hint)


def test_a_new_practice_form_starts_with_the_authors_profile(app, make_user):
    """The organisation and region the teacher gave at registration (and her name as the author) were asked
    again on every new practice."""
    from kb.accounts.models import User

    user_id = make_user("teacher")
    with app.app_context():
        db.session.get(User, user_id).organisation = "МКОУ «Сосновская СОШ»"
        db.session.commit()
    client = app.test_client()
    sign_in(client, user_id)
    page = client.get("/practices/new").get_data(as_text=True)
    assert 'value="МКОУ «Сосновская СОШ»"' in page
    assert '<option selected value="RU-CHE">' in page
    assert re.search(r'<textarea[^>]*name="authors"[^>]*>\s*Тестовый teacher</textarea>', page)
    # prefilled only when the form is opened: a posted form keeps what was posted
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/practices/new", data={"title": "Практика без организации", "save_draft": "1"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.title == "Практика без организации"))
        assert (practice.organisation, practice.region_code, practice.authors) == ("", None, [])


def test_a_practice_without_a_region_is_not_sent_where_no_methodist_sees_it(app, world, make_practice):
    """Sent without a region, it reached no methodist (they moderate a region), while its author was told it had
    gone to the methodist and could not take it back: the form says to pick the region and keeps the text."""
    users, _ = world
    teacher = _client(app, users, "owner")
    form = {"title": "Клуб юных исследователей «Почемучка»", "annotation": "Клуб для учащихся 2–4 классов.",
            "organisation": "МАОУ «СОШ № 1»", "region": "", "submit_for_review": "1"}
    with teacher.post("/practices/new?confirm_duplicates=1", data=form) as response:
        page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Укажите регион практики: без него её не увидит ни один методист" in page and "field--error" in page
    assert "Клуб для учащихся 2–4 классов." in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Practice)) == 0
    # «Сохранить» keeps a draft without a region; its page's «Отправить» says the same and leaves it a draft
    with teacher.post("/practices/new?confirm_duplicates=1", data=dict(form, submit_for_review="")) as response:
        pid = int(response.headers["Location"].rsplit("/", 1)[1])
    with teacher.post(f"/practices/{pid}/transition", data={"action": "submit"}, follow_redirects=True) as response:
        assert "Укажите регион практики" in response.get_data(as_text=True)
    assert _status(app, pid) == "draft"
    edit = dict(form, revision="1")
    with teacher.post(f"/practices/{pid}/edit?confirm_duplicates=1", data=edit) as response:
        assert response.status_code == 200 and "Укажите регион практики" in response.get_data(as_text=True)
    assert _status(app, pid) == "draft"
    with teacher.post(f"/practices/{pid}/edit?confirm_duplicates=1", data=dict(edit, region="RU-CHE")) as response:
        assert response.status_code == 302
    assert _status(app, pid) == "submitted"


def test_a_practice_without_a_region_goes_to_no_methodist_of_its_organisation(app, world, make_practice):
    """It went to the methodists of every organisation of its name; an organisation is moderated in its region
    (thousands of schools share a name), so a practice without a region reaches the administrators only."""
    users, _ = world
    with app.app_context():
        # the organisation «МАОУ «ЛИЦЕЙ № 1»» has its methodist in RU-CHE (methodist_org)
        lyceum = make_practice("Лицейская практика", status="draft", owner_id=users["owner"], region_code=None,
                               organisation="МАОУ «Лицей № 1»")
    teacher = _client(app, users, "owner")
    with teacher.post(f"/practices/{lyceum}/transition", data={"action": "submit"}):
        pass
    assert _status(app, lyceum) == "draft"
    with _client(app, users, "methodist_org").get(f"/practices/{lyceum}") as page:
        assert page.status_code == 404
    # an administrator sends it anyway: they moderate it themselves
    with _client(app, users, "admin").post(f"/practices/{lyceum}/transition", data={"action": "submit"}):
        pass
    assert _status(app, lyceum) == "submitted"


@pytest.mark.parametrize(("line", "stored"), [
    ("Иванова Анна Петровна – учитель начальных классов", ("Иванова Анна Петровна", "учитель начальных классов")),
    ("Иванова А. П. — учитель, стаж 10 лет", ("Иванова А. П.", "учитель, стаж 10 лет")),
    ("Римская-Корсакова Анна Петровна - методист", ("Римская-Корсакова Анна Петровна", "методист")),
    ("Иванова Анна Петровна, учитель химии – биологии", ("Иванова Анна Петровна", "учитель химии – биологии")),
    ("Коллектив авторов – МАОУ СОШ № 1", ("Коллектив авторов – МАОУ СОШ № 1", "")),
], ids=["full-name", "initials-and-comma", "double-surname", "dash-in-position", "body"])
def test_the_form_parts_an_authors_name_from_the_position_at_a_dash_as_the_bulk_import_does(app, make_user, line,
                                                                                         stored):
    """«Иванова Анна Петровна – учитель начальных классов» typed in the form was stored whole as the name: cited as a
    body («/ Иванова Анна Петровна – учитель начальных классов»), without the heading, and a body in RIS and BibTeX.
    The bulk import's reading of a dash after a name is the form's too."""
    from kb.bulkimport.services import parse_authors
    from kb.citations.services import bibtex, gost_reference, ris

    client = app.test_client()
    sign_in(client, make_user("teacher"))
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/practices/new", data={"title": "Читаем вместе с родителями", "authors": line,
                                                   "save_draft": "1"})
    assert response.status_code == 302
    with app.app_context():
        practice = db.session.scalar(select(Practice).where(Practice.title == "Читаем вместе с родителями"))
        assert [(a.name, a.position) for a in practice.authors] == [stored] == parse_authors(line)
        if stored[1]:
            reference = gost_reference(practice, "https://bank.example/practices/1")
            heading = {"Иванова": "Иванова, А. П.", "Римская-Корсакова": "Римская-Корсакова, А. П."}[
                stored[0].split()[0]]
            assert reference.startswith(f"{heading} Читаем вместе с родителями / ")
            assert "учитель" not in reference and "методист" not in reference
            assert f"AU  - {heading.split(',')[0]}, " in ris(practice, "https://bank.example/practices/1")
            assert "author = {{" not in bibtex(practice, "https://bank.example/practices/1")
