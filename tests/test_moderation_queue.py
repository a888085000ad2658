"""The moderation queue after a bulk load: pages, a title filter, and bulk publication and return that take every
practice through the single action's checks, history, audit, notices and index outbox."""

import hashlib
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from kb.accounts.models import AuditEvent, Notification
from kb.extensions import db
from kb.practices.models import Practice, PracticeTransition
from kb.search.models import IndexOutbox
from kb.timeutil import utcnow
from tests.conftest import sign_in


@pytest.fixture
def people(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = False
    return {
        "teacher": make_user("teacher"),
        "methodist": make_user("methodist", scope_region="RU-CHE"),
        "smolensk": make_user("methodist", region="RU-SMO", scope_region="RU-SMO"),
        "admin": make_user("admin", region=None),
    }


@pytest.fixture
def add_practices(app):
    """Many practices at once (one commit): ``add_practices(120, status="draft", owner_id=…)`` → their ids, the
    oldest change first."""
    def factory(count: int, title: str = "Загруженная практика {n}", status: str = "draft", **fields) -> list[int]:
        fields.setdefault("region_code", "RU-CHE")
        start = utcnow() - timedelta(days=1)
        with app.app_context():
            practices = [Practice(title=title.format(n=n, word=_word(n)), status=status,
                                  updated_at=start + timedelta(seconds=n), **fields) for n in range(1, count + 1)]
            db.session.add_all(practices)
            db.session.commit()
            return [p.id for p in practices]

    return factory


def _word(n: int) -> str:
    """A made-up word of its own for each number: titles that a cookie's compression cannot fold together."""
    digest = hashlib.sha256(str(n).encode()).digest()
    return "".join(chr(ord("а") + byte % 32) for byte in digest)


def _client(app, user_id):
    client = app.test_client()
    sign_in(client, user_id)
    return client


def _rows(page: str) -> list[int]:
    return [int(x) for x in re.findall(r'<td[^>]*class="card-title"><a href="/practices/(\d+)">', page)]


def _statuses(app, ids) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Practice.id, Practice.status).where(Practice.id.in_(ids))).all())


def test_the_drafts_tab_comes_in_pages_of_fifty_with_the_tab_and_filters_in_the_links(app, people, add_practices):
    """After a 2000-row import the «Черновики» tab was one page with every row (679 KB): no pages at all."""
    ids = add_practices(120, owner_id=people["methodist"])
    client = _client(app, people["methodist"])
    first = client.get("/practices/moderation?status=draft&region=RU-CHE").get_data(as_text=True)
    assert _rows(first) == ids[:50]
    assert "Практики 1–50 из 120." in first and "1 из 3" in first
    assert '<a rel="next" href="/practices/moderation?page=2&amp;status=draft&amp;region=RU-CHE">' in first
    last = client.get("/practices/moderation?status=draft&region=RU-CHE&page=3").get_data(as_text=True)
    assert _rows(last) == ids[100:]
    past = client.get("/practices/moderation?status=draft&region=RU-CHE&page=9")
    assert past.status_code == 302 and "page=3" in past.headers["Location"] and "status=draft" in past.headers[
        "Location"]
    assert client.get("/practices/moderation?status=draft&page=abc").status_code == 200  # a nonsense page: the first


def test_a_page_past_the_queues_end_goes_to_its_last_page_with_the_tab_and_filters(app, people, add_practices):
    """An old bookmark or a queue a bulk action made shorter: the last page, the tab and filters kept (as every list
    of the bank does it, kb.routing.last_page_redirect); url_for's own arguments from the query are not taken."""
    add_practices(60, owner_id=people["methodist"])
    add_practices(3, title="Шахматный клуб {n}", owner_id=people["methodist"])
    client = _client(app, people["methodist"])
    past = client.get("/practices/moderation?status=draft&region=RU-CHE&page=9")
    assert past.status_code == 302
    assert past.headers["Location"] == "/practices/moderation?status=draft&region=RU-CHE&page=2"
    filtered = client.get("/practices/moderation", query_string={"status": "draft", "q": "шахматный", "page": 4,
                                                                 "_anchor": "x", "_external": "1"})
    assert filtered.status_code == 302
    assert filtered.headers["Location"] == "/practices/moderation?status=draft&q=%D1%88%D0%B0%D1%85%D0%BC%D0%B0%D1%82" \
                                           "%D0%BD%D1%8B%D0%B9&page=1"
    assert client.get(filtered.headers["Location"]).status_code == 200
    assert client.get("/practices/moderation?status=submitted&page=5").status_code == 200, "an empty tab: no pages"


def test_the_title_filter_finds_words_in_any_case_and_with_yo_and_the_tabs_count_what_it_finds(
        app, people, add_practices):
    wanted = add_practices(3, title="Шахматный клуб «Ёлочка» {n}", owner_id=people["teacher"], status="submitted")
    add_practices(4, title="Театральная студия {n}", owner_id=people["teacher"], status="submitted")
    published = add_practices(1, title="Шахматы для всех {n}", owner_id=people["teacher"], status="published")
    add_practices(2, title="100% успеха_{n}", owner_id=people["teacher"], status="submitted")
    client = _client(app, people["methodist"])
    page = client.get("/practices/moderation", query_string={"q": "ЕЛОЧКА шахмат"}).get_data(as_text=True)
    assert _rows(page) == wanted
    counts = dict(re.findall(r'status=(\w+)[^"]*"[^>]*>[^<]*<span class="count">(\d+)</span>', page))
    assert counts["submitted"] == "3" and counts["published"] == "0"
    assert 'value="ЕЛОЧКА шахмат"' in page
    # the tabs keep the words: the published tab shows what they find there
    tab = re.search(r'href="([^"]*status=published[^"]*)"', page).group(1).replace("&amp;", "&")
    assert "q=" in tab and _rows(client.get(tab).get_data(as_text=True)) == []
    assert _rows(client.get("/practices/moderation?status=published&q=шахматы").get_data(as_text=True)) == published
    # «%» and «_» are letters here, not LIKE's wildcards
    assert len(_rows(client.get("/practices/moderation?q=%25").get_data(as_text=True))) == 2
    assert _rows(client.get("/practices/moderation?q=_").get_data(as_text=True)) == _rows(
        client.get("/practices/moderation?q=успеха_").get_data(as_text=True))
    assert "нет практик, в названии которых есть «нетакого»" in client.get(
        "/practices/moderation?q=нетакого").get_data(as_text=True)


def test_the_title_filter_reads_a_folded_copy_of_the_title_kept_by_every_edit_and_not_lower_per_row(
        app, people, add_practices):
    """SQLite's lower() folds ASCII only; the Python function standing in for it, called for every title in the
    scope (twice: the page and the tab counts), took 0.6–0.9 s at 100,000 practices."""
    from sqlalchemy import event

    ids = add_practices(2, title="ЁЛКА  и\tШахматы {n}", owner_id=people["teacher"], status="submitted")
    with app.app_context():
        assert db.session.get(Practice, ids[0]).title_folded == "елка и шахматы 1"
        db.session.get(Practice, ids[1]).title = "Театральная СТУДИЯ"
        db.session.commit()
    client = _client(app, people["admin"])
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    listener = lambda connection, cursor, statement, *args: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        page = client.get("/practices/moderation", query_string={"q": "ёлка ШАХМАТЫ"}).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert _rows(page) == ids[:1]
    assert _rows(client.get("/practices/moderation?q=студия").get_data(as_text=True)) == ids[1:]
    filtered = [s for s in statements if "title_folded LIKE" in s]
    assert len(filtered) >= 2 and not any("lower(" in s.lower() for s in filtered)  # the page, its counts


def test_the_title_folded_column_comes_with_its_migration_filled_for_existing_practices(app, add_practices):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    ids = add_practices(1, title="Практика до миграции")
    with app.app_context():
        downgrade(revision="x0org0000001")
        db.session.execute(text("UPDATE practice SET title = 'Старое  «ЁЖИКИ»'"))
        db.session.commit()
        upgrade()
        assert db.session.execute(text("SELECT id, title_folded FROM practice")).all() == [(ids[0], "старое «ежики»")]


def test_each_row_has_a_box_named_after_its_practice_and_select_all_ticks_the_page(app, people, add_practices):
    ids = add_practices(3, title="Практика «Радуга» {n}", owner_id=people["teacher"], status="submitted")
    client = _client(app, people["methodist"])
    page = client.get("/practices/moderation").get_data(as_text=True)
    for n, pid in enumerate(ids, 1):
        assert (f'<label class="pick-target" for="pick-{pid}"><input type="checkbox" name="practice" '
                f'value="{pid}" id="pick-{pid}"><span class="visually-hidden">Отметить «Практика «Радуга» {n}»'
                '</span></label>') in page
    assert 'name="csrf_token"' in page and "Опубликовать выбранные" in page and "Вернуть выбранные" in page
    assert page.count(" checked") == 0
    link = re.search(r'href="([^"]*select=all[^"]*)"', page).group(1).replace("&amp;", "&")
    ticked = client.get(link).get_data(as_text=True)
    assert ticked.count('name="practice"') == ticked.count(" checked>") == 3
    assert "Снять отметки на странице" in ticked
    # tabs with no bulk action have no boxes
    assert 'name="practice"' not in client.get("/practices/moderation?status=returned").get_data(as_text=True)


def test_bulk_publish_goes_through_the_single_action_for_each_practice(app, people, add_practices, make_practice):
    mine = add_practices(3, title="На рассмотрении {n}", owner_id=people["teacher"], status="submitted")
    with app.app_context():
        elsewhere = make_practice("Смоленская тайная практика", status="submitted", owner_id=people["teacher"],
                                  region_code="RU-SMO")
        done_before = make_practice("Уже опубликованная", owner_id=people["teacher"])
        known = db.session.scalar(select(func.max(IndexOutbox.id))) or 0
    client = _client(app, people["methodist"])
    response = client.post("/practices/moderation/bulk", data={
        "action": "publish", "practice": [*mine, elsewhere, done_before, 999999], "status": "submitted",
        "q": "рассмотр"})
    assert response.status_code == 302
    assert unquote(response.headers["Location"]) == "/practices/moderation?status=submitted&q=рассмотр"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Опубликовано: 3." in page and "Не опубликовано: 3." in page
    # ticked on «На рассмотрении», published since by someone else
    assert (f"«Уже опубликованная» (№{done_before}): статус практики только что изменил другой пользователь "
            "(теперь — «Опубликована»).") in page
    assert f"№{elsewhere}: не найдена или вне вашей области модерации." in page
    assert "Смоленская тайная" not in page  # the title of a practice the methodist may not see stays hidden
    assert "№999999: не найдена или вне вашей области модерации." in page
    assert _statuses(app, [*mine, elsewhere, done_before]) == {
        **dict.fromkeys(mine, "published"), elsewhere: "submitted", done_before: "published"}
    with app.app_context():
        steps = db.session.execute(select(PracticeTransition.practice_id, PracticeTransition.from_status,
                                          PracticeTransition.to_status, PracticeTransition.actor_id)).all()
        assert sorted(steps) == [(pid, "submitted", "published", people["methodist"]) for pid in mine]
        audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "status_changed")).all()
        assert sorted(a.target_id for a in audit) == mine and {a.details["to"] for a in audit} == {"published"}
        notices = db.session.scalars(select(Notification).where(Notification.user_id == people["teacher"])).all()
        assert sorted(n.message for n in notices) == [f"Ваша практика «На рассмотрении {n}» опубликована."
                                                      for n in (1, 2, 3)]
        queued = set(db.session.scalars(select(IndexOutbox.doc_id).where(IndexOutbox.id > known)))
        assert queued == set(mine)
        assert all(db.session.get(Practice, pid).published_at is not None for pid in mine)
    # and the index shows them
    from kb.search.services import sync

    with app.app_context():
        sync()
    found = client.get("/api/v1/search", query_string={"q": "На рассмотрении"}).json
    assert {r["id"] for r in found["results"]} >= set(mine)


def test_imported_drafts_are_published_as_the_import_publishes_them_and_a_teachers_draft_is_left_to_its_author(
        app, people, add_practices):
    imported = add_practices(2, title="Из реестра {n}", owner_id=people["methodist"])
    teachers = add_practices(1, title="Незаконченный черновик педагога {n}", owner_id=people["teacher"])
    client = _client(app, people["methodist"])
    response = client.post("/practices/moderation/bulk", data={
        "action": "publish", "practice": [*imported, *teachers], "status": "draft"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Опубликовано: 2." in page
    assert (f"«Незаконченный черновик педагога 1» (№{teachers[0]}): черновик другого автора: на рассмотрение его "
            "отправляет автор.") in page
    assert _statuses(app, [*imported, *teachers]) == {**dict.fromkeys(imported, "published"), teachers[0]: "draft"}
    with app.app_context():
        history = db.session.execute(select(PracticeTransition.practice_id, PracticeTransition.from_status,
                                            PracticeTransition.to_status).order_by(PracticeTransition.id)).all()
    assert sorted(history) == sorted([(pid, "draft", "submitted") for pid in imported]
                                     + [(pid, "submitted", "published") for pid in imported])
    # an administrator may send anyone's draft (policy.can_transition), so publishes it
    admin = _client(app, people["admin"])
    admin.post("/practices/moderation/bulk", data={"action": "publish", "practice": teachers, "status": "draft"})
    assert _statuses(app, teachers) == {teachers[0]: "published"}
    # a methodist's own draft outside their scope is theirs to send, not to publish: nothing moves
    own_elsewhere = add_practices(1, title="Свой черновик в Смоленске {n}", owner_id=people["methodist"],
                                  region_code="RU-SMO")
    response = client.post("/practices/moderation/bulk", data={"action": "publish", "practice": own_elsewhere,
                                                               "status": "draft"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "вне вашей области модерации" in page and "Опубликовано" not in page
    assert _statuses(app, own_elsewhere) == {own_elsewhere[0]: "draft"}


def test_bulk_return_needs_one_comment_and_gives_it_to_every_author(app, people, add_practices):
    ids = add_practices(2, title="Вернуть {n}", owner_id=people["teacher"], status="submitted")
    client = _client(app, people["methodist"])
    response = client.post("/practices/moderation/bulk", data={"action": "return", "practice": ids, "comment": "  "})
    assert "Напишите авторам, что нужно исправить" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert set(_statuses(app, ids).values()) == {"submitted"}
    response = client.post("/practices/moderation/bulk",
                           data={"action": "return", "practice": ids, "comment": "Добавьте результаты."})
    assert "Возвращено на доработку: 2." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert set(_statuses(app, ids).values()) == {"returned"}
    with app.app_context():
        comments = db.session.scalars(select(PracticeTransition.comment)).all()
        notices = db.session.scalars(select(Notification.message).where(Notification.user_id == people["teacher"]))
        assert comments == ["Добавьте результаты."] * 2
        assert sorted(notices) == [f"Ваша практика «Вернуть {n}» возвращена на доработку: Добавьте результаты."
                                   for n in (1, 2)]


def test_a_bulk_action_takes_at_most_two_hundred_practices(app, people, add_practices):
    ids = add_practices(201, owner_id=people["teacher"], status="submitted")
    client = _client(app, people["methodist"])
    response = client.post("/practices/moderation/bulk", data={"action": "publish", "practice": ids})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "За один раз можно обработать не больше 200 практик, отмечено 201" in page
    assert set(_statuses(app, ids).values()) == {"submitted"}
    response = client.post("/practices/moderation/bulk", data={"action": "publish", "practice": ids[:200]})
    assert "Опубликовано: 200." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_two_hundred_refusals_with_long_titles_fit_the_report(app, people, add_practices):
    """The report is flashed, into the session cookie: ten refusals are named, the rest counted by number, so the
    cookie stays under the browsers' 4 KB (past it werkzeug warns and a browser drops the cookie: the session)."""
    ids = add_practices(200, title="{word} {word} {word} практика номер {n}", owner_id=people["teacher"],
                        status="published")
    client = _client(app, people["methodist"])
    response = client.post("/practices/moderation/bulk", data={"action": "return", "practice": ids,
                                                               "comment": "Нет."})
    assert len(response.headers["Set-Cookie"]) < 4000
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Не возвращено: 200." in page
    assert page.count(": статус практики только что изменил другой пользователь (теперь — «Опубликована»).") == 10
    first = f"{_word(1)} {_word(1)} {_word(1)} практика номер 1"
    assert f"«{first[:59]}…» (№{ids[0]})" in page and first not in page  # a long title is cut
    assert f"И ещё 190: №{ids[10]}, №{ids[11]}," in page


def test_bulk_actions_are_for_moderators_with_the_forms_token(app, people, add_practices):
    ids = add_practices(1, owner_id=people["teacher"], status="submitted")
    teacher = _client(app, people["teacher"])
    assert teacher.post("/practices/moderation/bulk", data={"action": "publish", "practice": ids}).status_code == 403
    app.config["WTF_CSRF_ENABLED"] = True
    methodist = _client(app, people["methodist"])
    assert methodist.post("/practices/moderation/bulk",
                          data={"action": "publish", "practice": ids}).status_code == 400
    assert _statuses(app, ids) == {ids[0]: "submitted"}
    page = methodist.get("/practices/moderation").get_data(as_text=True)
    form = page[page.index('<form method="post" action="/practices/moderation/bulk"'):]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    methodist.post("/practices/moderation/bulk", data={"action": "publish", "practice": ids, "csrf_token": token})
    assert _statuses(app, ids) == {ids[0]: "published"}


def test_a_bulk_action_from_a_stale_page_leaves_a_practice_another_moderator_moved(app, people, add_practices):
    """The queue's page lists «На рассмотрении»; a colleague returns one of the ticked practices before «Опубликовать
    выбранные» is pressed. The practice was submitted again on its author's behalf and published (its status,
    «returned», was taken as a draft's): the return overturned, the author told both. It is refused as the single
    action's compare-and-set refuses it; a methodist was given the reason «черновик другого автора»."""
    ids = add_practices(3, title="На рассмотрении {n}", owner_id=people["teacher"], status="submitted")
    colleague = _client(app, people["methodist"])
    with colleague.post(f"/practices/{ids[0]}/transition", data={"action": "return", "comment": "Добавьте итоги."}):
        pass
    with app.app_context():  # a registry's practice, the office's: any of its methodists sends it on
        registry = db.session.get(Practice, ids[1])
        registry.external_scope, registry.external_id = "region:RU-CHE", "R-17"
        db.session.commit()
    with colleague.post(f"/practices/{ids[1]}/transition", data={"action": "return", "comment": "Проверьте авторов."}):
        pass
    for who in ("admin", "methodist"):
        client = _client(app, people[who])
        response = client.post("/practices/moderation/bulk", data={
            "action": "publish", "status": "submitted", "practice": ids[:2]})
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "Не опубликовано: 2." in page and "Опубликовано:" not in page
        for n, pid in ((1, ids[0]), (2, ids[1])):
            assert (f"«На рассмотрении {n}» (№{pid}): статус практики только что изменил другой пользователь "
                    "(теперь — «Возвращена на доработку»).") in page
        assert "черновик другого автора" not in page
    assert _statuses(app, ids) == {ids[0]: "returned", ids[1]: "returned", ids[2]: "submitted"}
    with app.app_context():
        notices = db.session.scalars(select(Notification.message).where(Notification.user_id == people["teacher"]))
        assert not [n for n in notices if "опубликована" in n]
        assert db.session.scalar(select(func.count()).select_from(PracticeTransition)) == 2  # the two returns
    # nor is a returned practice published from the drafts' tab: only a draft is sent and published there
    admin = _client(app, people["admin"])
    response = admin.post("/practices/moderation/bulk", data={"action": "publish", "status": "draft",
                                                              "practice": ids[:1]})
    assert "(теперь — «Возвращена на доработку»)" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert _statuses(app, ids[:1]) == {ids[0]: "returned"}
    # a tab without that action (a page of another version, a made-up form) moves nothing
    for tab, action in (("returned", "publish"), ("draft", "return"), ("published", "publish")):
        response = admin.post("/practices/moderation/bulk", data={"action": action, "status": tab,
                                                                  "practice": ids, "comment": "Нет."})
        page = admin.get(response.headers["Location"]).get_data(as_text=True)
        assert "На этой вкладке очереди такого действия нет: обновите страницу." in page
        assert _statuses(app, ids) == {ids[0]: "returned", ids[1]: "returned", ids[2]: "submitted"}


def test_a_bulk_return_comment_is_counted_as_typed_and_one_too_long_comes_back_unsent(app, people, add_practices):
    """A browser sends each line break as CR LF: a comment within the textarea's 5000 characters was cut at 5000 of
    those before the line breaks were made LF, its end lost without a word."""
    ids = add_practices(3, title="Вернуть {n}", owner_id=people["teacher"], status="submitted")
    client = _client(app, people["methodist"])
    typed = "\n".join(f"{n:03d}. Исправьте раздел и добавьте результаты диагностики" for n in range(1, 200))
    typed = typed[:4990].rstrip() + "\nКОНЕЦ"
    assert len(typed) <= 5000
    response = client.post("/practices/moderation/bulk", data={
        "action": "return", "status": "submitted", "practice": ids[:1], "comment": typed.replace("\n", "\r\n")})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(PracticeTransition.comment)) == typed
    # over the limit: the page again with the comment as typed and the boxes ticked, nothing returned
    too_long = typed + "\n" + "я" * 10
    response = client.post("/practices/moderation/bulk", data={
        "action": "return", "status": "submitted", "practice": ids[1:], "comment": too_long.replace("\n", "\r\n")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Комментарий — не длиннее 5000 символов." in page and "отметки сохранены" in page
    assert f">{too_long}</textarea>" in page and 'aria-describedby="bulk-comment-error"' in page
    assert all(f'value="{pid}" id="pick-{pid}" checked>' in page for pid in ids[1:])
    assert _statuses(app, ids) == {ids[0]: "returned", ids[1]: "submitted", ids[2]: "submitted"}


def _cells(page: str, practice_id: int) -> dict[str, str]:
    """The queue row of a practice: its cells' texts by their labels."""
    row = next(r for r in re.findall(r'<tr role="row">.*?</tr>', page, re.S) if f'href="/practices/{practice_id}"' in r)
    return {label: " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for label, cell in re.findall(r'data-label="([^"]+)">(.*?)</td>', row, re.S)}


def test_the_queue_names_the_practices_authors_and_separately_who_added_it(app, people, add_practices):
    """The «Автор» column showed the account that added the practice: the methodist for every practice loaded from
    a registry."""
    from kb.practices.models import PracticeAuthor

    loaded, many, none = add_practices(3, title="Из реестра {n}", owner_id=people["methodist"])
    own = add_practices(1, title="Своя {n}", owner_id=people["teacher"], status="submitted")[0]
    with app.app_context():
        db.session.add(PracticeAuthor(practice_id=loaded, name="Сидорова Елена Викторовна", position="учитель"))
        db.session.add_all([PracticeAuthor(practice_id=many, name=f"Автор {n}", position_index=n) for n in range(5)])
        db.session.add(PracticeAuthor(practice_id=own, name="Иванова Анна Петровна"))
        db.session.commit()
    client = _client(app, people["methodist"])
    drafts = client.get("/practices/moderation?status=draft").get_data(as_text=True)
    assert "<th scope=\"col\" role=\"columnheader\">Добавил(а)</th>" in drafts
    assert _cells(drafts, loaded)["Автор"] == "Сидорова Елена Викторовна"
    assert _cells(drafts, loaded)["Добавил(а)"] == "Тестовый methodist"
    # many authors: the first three and how many more
    assert _cells(drafts, many)["Автор"] == "Автор 0, Автор 1, Автор 2 и ещё 2"
    assert _cells(drafts, none)["Автор"] == "—"
    submitted = client.get("/practices/moderation?status=submitted").get_data(as_text=True)
    assert _cells(submitted, own) == {**_cells(submitted, own), "Автор": "Иванова Анна Петровна",
                                      "Добавил(а)": "Тестовый teacher"}
