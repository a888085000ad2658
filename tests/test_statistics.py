"""Statistics: every number equals the database's (independent SQL), within the scope; CSV = chart; escaping; views."""

import csv
import html
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from kb.accounts.services import create_user
from kb.adoption.models import PracticeAdoption
from kb.attachments.models import Attachment
from kb.extensions import db
from kb.pdf import close_fonts
from kb.practices import services as practices
from kb.practices.models import Practice, PracticeTransition
from kb.statistics.charts import LABEL_WIDTH, VALUE_WIDTH, WIDTH, bar_chart, shorten
from kb.statistics.services import Row, Table, last_months
from kb.timeutil import local, utc_offset, utcnow
from kb.vocabularies.models import EducationLevel, Topic
from tests.conftest import PASSWORD, sign_in

TABLES = ("status", "months", "region", "topic", "level", "year", "views", "downloads", "adoptions")


@pytest.fixture
def world(demo_app):
    """The demo bank plus practices in every status in RU-SMO and RU-CHE, with history, files, views, reports."""
    with demo_app.app_context():
        users = {
            "teacher": create_user("t@example.org", "Педагог", PASSWORD, region_code="RU-SMO"),
            "smo": create_user("smo@example.org", "Методист", PASSWORD, role="methodist", scope_region_code="RU-SMO"),
            "org": create_user("org@example.org", "Методист", PASSWORD, role="methodist",
                               scope_region_code="RU-SMO", scope_organisation="Гимназия № 7"),
            "admin": create_user("a@example.org", "Админ", PASSWORD, role="admin"),
        }
        db.session.flush()
        admin = users["admin"]
        bold = db.session.get(Topic, "olympiads")
        bold.label = "<b>Жирная тема</b>"

        def add(title, region, actions=(), year=2024, topics=("research_projects",), levels=("basic",), **fields):
            practice = Practice(title=title, status="draft", region_code=region, year=year,
                                owner_id=users["teacher"].id, organisation=fields.pop("organisation", ""),
                                topics=[db.session.get(Topic, c) for c in topics],
                                levels=[db.session.get(EducationLevel, c) for c in levels], **fields)
            db.session.add(practice)
            db.session.flush()
            for action in actions:
                practices.transition(admin, practice, action)
            return practice

        published = ("submit", "publish")
        bold_practice = add("<b>Жирная</b> практика", "RU-SMO", published, topics=("olympiads",), views=7)
        add("На рассмотрении в Смоленске", "RU-SMO", ("submit",))
        returned = add("Возвращена в Смоленске", "RU-SMO", ("submit",))
        practices.transition(admin, returned, "return", "Исправьте")
        restored = add("Из архива", "RU-SMO", (*published, "archive", "restore"), year=None, views=3)
        add("=HYPERLINK(\"http://evil\")", "RU-SMO", published, views=2, organisation="Гимназия № 7")
        secret = add("Черновик только для Челябинска", "RU-CHE", year=2019)
        che = add("Опубликована в Челябинске", "RU-CHE", published, levels=("primary", "basic"), views=11)
        add("Без региона", None, published, year=None, topics=(), levels=())
        # History older than the window of 24 months is not counted.
        db.session.add(PracticeTransition(practice_id=che.id, from_status="draft", to_status="submitted",
                                          created_at=utcnow() - timedelta(days=3 * 365)))
        for practice, downloads in ((secret, 40), (bold_practice, 5), (restored, 2), (che, 1)):
            db.session.add(Attachment(practice_id=practice.id, original_name="a.pdf", kind="pdf", size=1,
                                      sha256="0" * 64, downloads=downloads))
        db.session.add(Attachment(practice_id=bold_practice.id, original_name="b.pdf", kind="pdf", size=1,
                                  sha256="1" * 64, downloads=4))
        for practice, reports in ((bold_practice, 2), (che, 3), (restored, 1)):
            for i in range(reports):
                db.session.add(PracticeAdoption(practice_id=practice.id, organisation=f"Школа {i}",
                                                region_code="RU-SMO"))
        db.session.commit()
        return {name: user.id for name, user in users.items()}


def _client(app, user_id=None):
    client = app.test_client()
    if user_id is not None:
        sign_in(client, user_id)
    return client


def _csv(client, name) -> list[list[str]]:
    response = client.get(f"/statistics/{name}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _window_start(now: datetime) -> datetime:
    year, month = now.year, now.month - 23
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, 1)


def _expected(where: str) -> dict[str, dict[str, tuple[int, ...]]]:
    """Every table as {key: numbers}, by plain SQL over the database (``where`` limits the practices)."""
    def pairs(sql, **params):
        return {("" if k is None else str(k)): (int(v),) for k, v in db.session.execute(text(sql), params)}

    published = f"p.status = 'published' AND {where}"
    expected = {
        "status": pairs(f"SELECT p.status, count(*) FROM practice p WHERE {where} GROUP BY p.status"),
        "region": pairs(f"SELECT p.region_code, count(*) FROM practice p WHERE {published} GROUP BY 1"),
        "topic": pairs("SELECT pt.topic_code, count(*) FROM practice_topic pt JOIN practice p ON p.id = pt.practice_id"
                       f" WHERE {published} GROUP BY 1"),
        "level": pairs("SELECT pl.level_code, count(*) FROM practice_level pl JOIN practice p ON p.id = pl.practice_id"
                       f" WHERE {published} GROUP BY 1"),
        "year": pairs(f"SELECT p.year, count(*) FROM practice p WHERE {published} GROUP BY 1"),
        "views": pairs(f"SELECT p.id, p.views FROM practice p WHERE p.views > 0 AND {where}"
                       " ORDER BY p.views DESC, p.id LIMIT 10"),
        "downloads": pairs("SELECT p.id, sum(a.downloads) FROM attachment a JOIN practice p ON p.id = a.practice_id"
                           f" WHERE {where} GROUP BY p.id HAVING sum(a.downloads) > 0"
                           " ORDER BY 2 DESC, p.id LIMIT 10"),
        "adoptions": pairs("SELECT p.id, count(*) FROM practice_adoption r JOIN practice p ON p.id = r.practice_id"
                           f" WHERE {where} GROUP BY p.id ORDER BY 2 DESC, p.id LIMIT 10"),
    }
    months: dict[str, list[int]] = {}
    start = _window_start(local(utcnow())) - utc_offset()  # months of the bank's zone (Moscow time)
    for created_at, status in db.session.execute(text(
            "SELECT t.created_at, t.to_status FROM practice_transition t JOIN practice p ON p.id = t.practice_id"
            " WHERE t.created_at >= :start AND t.from_status <> 'archived'"
            f" AND t.to_status IN ('submitted', 'published') AND {where}"), {"start": start}):
        stamp = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(created_at)
        months.setdefault(f"{local(stamp):%Y-%m}", [0, 0])[0 if status == "submitted" else 1] += 1
    expected["months"] = {month: tuple(v) for month, v in months.items()}
    return expected


def _numbers(rows: list[list[str]]) -> dict[str, tuple[int, ...]]:
    return {row[0]: tuple(int(v) for v in row[2:]) for row in rows[1:]}


@pytest.mark.parametrize(("who", "where"), [("admin", "1 = 1"), ("smo", "p.region_code = 'RU-SMO'"),
                                            ("org", "p.organisation = 'Гимназия № 7' AND p.region_code = 'RU-SMO'")])
def test_numbers_equal_the_databases(demo_app, world, who, where):
    client = _client(demo_app, world[who])
    with demo_app.app_context():
        expected = _expected(where)
    assert expected["status"] and expected["months"]
    for name in TABLES:
        got = _numbers(_csv(client, name))
        if name == "status":  # every status is listed, the empty ones with 0
            got = {k: v for k, v in got.items() if v != (0,)}
        if name == "months":  # 24 months in a row, ending with this one
            with demo_app.app_context():
                assert len(got) == 24 and list(got)[-1] == f"{local(utcnow()):%Y-%m}"
            got = {k: v for k, v in got.items() if v != (0, 0)}
        assert got == expected[name], name


def test_every_csv_names_its_columns_apart(demo_app, world):
    """The years' and months' files had two columns called «Год» and «Месяц»: which was the code?"""
    client = _client(demo_app, world["admin"])
    headers = {name: _csv(client, name)[0] for name in TABLES}
    assert all(len(set(header)) == len(header) for header in headers.values()), headers
    assert headers["year"] == ["Код", "Год", "Практик"]
    assert headers["months"] == ["Код месяца", "Месяц", "Отправлено на рассмотрение", "Опубликовано"]


def test_the_window_and_restores(demo_app, world):
    months = _numbers(_csv(_client(demo_app, world["admin"]), "months"))
    with demo_app.app_context():
        this_month = months[f"{local(utcnow()):%Y-%m}"]
    # Seven submissions this month; five publications (a restore from the archive is not one).
    assert this_month == (7, 5)
    assert sum(v[0] for v in months.values()) == 7  # the submission three years ago is outside the window


def test_months_are_counted_by_the_banks_clock(demo_app, world):
    """A submission half an hour into this month in Moscow (21:30 UTC on the last day of the previous month) is
    this month's; a bank that keeps UTC counts it in the previous month."""
    with demo_app.app_context():
        now = local(utcnow())
        first = datetime(now.year, now.month, 1)
        moment = first + timedelta(minutes=30) - utc_offset()  # stored as UTC
        assert moment.month != first.month
        practice_id = db.session.scalar(select(Practice.id).where(Practice.status == "draft").limit(1))
        db.session.add(PracticeTransition(practice_id=practice_id, from_status="draft", to_status="submitted",
                                          created_at=moment))
        db.session.commit()
    before = _numbers(_csv(_client(demo_app, world["admin"]), "months"))
    this, previous = f"{first:%Y-%m}", f"{moment:%Y-%m}"
    demo_app.config["TIME_ZONE"] = "UTC"
    utc = _numbers(_csv(_client(demo_app, world["admin"]), "months"))
    assert before[this][0] == 8 and before[previous][0] == 0
    assert utc[previous][0] == 1 and utc.get(this, (7,))[0] == 7


def test_a_methodist_sees_only_their_region(demo_app, world):
    client = _client(demo_app, world["smo"])
    assert {row[0] for row in _csv(client, "region")[1:]} == {"RU-SMO"}
    page = client.get("/statistics").get_data(as_text=True)
    assert "Опубликована в Челябинске" not in page and "Черновик только для Челябинска" not in page
    assert "Из архива" in page
    admin_page = _client(demo_app, world["admin"]).get("/statistics").get_data(as_text=True)
    assert "Черновик только для Челябинска" in admin_page and "Опубликована в Челябинске" in admin_page


@pytest.mark.parametrize("url", ["/statistics", "/statistics/region.csv"])
def test_teachers_are_refused_and_anonymous_users_sent_to_login(demo_app, world, url):
    assert _client(demo_app, world["teacher"]).get(url).status_code == 403
    response = _client(demo_app).get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_table_is_404(demo_app, world):
    assert _client(demo_app, world["admin"]).get("/statistics/secrets.csv").status_code == 404


def _section(page: str, name: str) -> str:
    match = re.search(rf'<section class="stat-card" id="stat-{name}".*?</section>', page, re.S)
    assert match, name
    return match.group(0)


def test_csv_matches_the_chart(demo_app, world):
    client = _client(demo_app, world["admin"])
    page = client.get("/statistics").get_data(as_text=True)
    for name in TABLES:
        section = _section(page, name)
        rows = _csv(client, name)[1:]
        # a label as a screen reader hears it (a month's «февр. 2025» is for the eye only)
        table = [(html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span aria-hidden="true">.*?</span>', "", label))),
                  tuple(int(v) for v in re.findall(r">(\d+)</td>", tds)))
                 for label, tds in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', section, re.S)]
        assert table == [(row[1].removeprefix("'"), tuple(int(v) for v in row[2:])) for row in rows], name
        charts = re.findall(r"<svg .*?</svg>", section, re.S)
        assert len(charts) == 2 and "chart--narrow" in charts[1], name  # for a wide screen and for a phone
        for chart in charts:
            bars = [int(v) for v in re.findall(r'<text class="chart-value"[^>]*>(\d+)</text>', chart)]
            assert bars == [v for _label, values in table for v in values], name
        assert 'role="img"' in section and "<title>" in section and f"/statistics/{name}.csv" in section


def test_labels_are_escaped(demo_app, world):
    client = _client(demo_app, world["smo"])
    page = client.get("/statistics").get_data(as_text=True)
    assert "<b>" not in page
    assert "&lt;b&gt;Жирная тема&lt;/b&gt;" in _section(page, "topic")
    assert "&lt;b&gt;Жирная&lt;/b&gt; практика" in _section(page, "views")
    # A title that a spreadsheet would run as a formula is written as text.
    assert [row[1] for row in _csv(client, "views") if "HYPERLINK" in row[1]] == ["'=HYPERLINK(\"http://evil\")"]


def test_views_are_counted_for_published_practices_only(demo_app, world):
    with demo_app.app_context():
        published = db.session.scalar(db.select(Practice).where(Practice.title == "Из архива"))
        draft = db.session.scalar(db.select(Practice).where(Practice.title == "Черновик только для Челябинска"))
        published_id, draft_id, changed = published.id, draft.id, published.updated_at
    owner = _client(demo_app, world["teacher"])
    anonymous = _client(demo_app)
    for client in (owner, anonymous, anonymous):
        assert client.get(f"/practices/{published_id}").status_code == 200
    assert owner.get(f"/practices/{draft_id}").status_code == 200
    with demo_app.app_context():
        published, draft = db.session.get(Practice, published_id), db.session.get(Practice, draft_id)
        assert (published.views, draft.views) == (3 + 2, 0)  # its owner's own visit is no reader's view
        assert published.updated_at == changed


def test_the_dashboard_is_linked_for_moderators_only(demo_app, world):
    assert 'href="/statistics"' in _client(demo_app, world["smo"]).get("/").get_data(as_text=True)
    assert 'href="/statistics"' not in _client(demo_app, world["teacher"]).get("/").get_data(as_text=True)


def test_bars_are_scaled_to_the_largest_number():
    table = Table("t", "Т", "Код", "Метка", ("Число",), [Row("a", "А" * 60, (10,)), Row("b", "Б", (5,)),
                                                        Row("c", "В", (0,))])
    chart = bar_chart(table)
    area = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert [bar.width for item in chart.rows for bar in item.bars] == [area, area // 2, 0]
    assert chart.rows[0].label == shorten("А" * 60) and chart.rows[0].label.endswith("…")
    assert chart.summary == "Т: " + "А" * 60 + " — 10; Б — 5; В — 0"


def test_a_narrow_chart_puts_each_label_above_its_bars():
    """On a phone the wide chart kept 640 pixels and scrolled: its longest bars and their numbers were out of
    sight. The narrow one fits NARROW_WIDTH: each label on its own line, the bars under it from the left edge."""
    from kb.statistics.charts import LABEL_LINE, NARROW_VALUE_WIDTH, NARROW_WIDTH

    table = Table("t", "Т", "Код", "Метка", ("Отправлено", "Опубликовано"),
                  [Row("a", "А" * 60, (10, 4)), Row("b", "Б", (5, 0))])
    chart = bar_chart(table, narrow=True)
    assert chart.width == NARROW_WIDTH and (chart.label_x, chart.label_anchor, chart.bar_x) == (0, "start", 0)
    assert [bar.width for bar in chart.rows[0].bars] == [NARROW_WIDTH - NARROW_VALUE_WIDTH, 101]
    for item in chart.rows:
        assert all(item.label_y + LABEL_LINE // 2 <= bar.y for bar in item.bars)  # the label above the bars
        assert all(bar.value_x + NARROW_VALUE_WIDTH - 6 <= NARROW_WIDTH + 1 for bar in item.bars)
    assert [y for _heading, _x, y in chart.legend] == [6, 26] and chart.rows[0].label_y > 26 + 14
    assert chart.rows[-1].bars[-1].y + chart.bar_height <= chart.height


@pytest.mark.parametrize("narrow", [True, False])
def test_a_number_of_many_digits_stays_within_the_chart(narrow):
    """A practice viewed 10000 times: the narrow chart kept 48 pixels after the longest bar, and on a phone its
    number lost its last digit past the chart's edge. The room after the bars grows with the number's digits
    (measured in DejaVu Sans Bold at the charts' 13 px, wider than the system fonts pages use)."""
    from fpdf import FPDF

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if not font.is_file():
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")
    pdf = FPDF()
    pdf.add_font("DejaVuBold", "", str(font))
    pdf.set_font("DejaVuBold", size=13 * 72 / 96)  # 13 CSS pixels in points
    for maximum in (9, 999, 10_000, 1_234_567):
        chart = bar_chart(Table("views", "Т", "№", "Практика", ("Просмотров",),
                                [Row("1", "А", (maximum,)), Row("2", "Б", (1,))], True), narrow=narrow)
        bar = chart.rows[0].bars[0]
        assert bar.value_x + pdf.get_string_width(str(maximum)) / 25.4 * 96 <= chart.width, (maximum, narrow)  # mm
        assert bar.width >= chart.width // 2  # the bars keep most of the chart
    close_fonts(pdf)


def test_the_window_is_24_months_ending_with_this_one():
    months = last_months(datetime(2026, 2, 15))
    assert len(months) == 24 and months[0] == (2024, 3) and months[-1] == (2026, 2)


def test_every_vocabulary_label_fits_its_place_in_a_chart():
    """Labels are right-aligned at LABEL_WIDTH - 8: one longer than that lost its first letters («ихолого-
    педагогическое…»). Measured in DejaVu Sans at the charts' 13 px, wider than the system fonts pages use."""
    from fpdf import FPDF

    from kb.vocabularies import data

    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not font.is_file():
        pytest.skip("fonts-dejavu-core is not installed (.ci/run installs it)")
    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(font))
    pdf.set_font("DejaVu", "", 13 * 72 / 96)  # 13 CSS pixels in points
    labels = [t["label"] for t in data.TOPICS] + [r["name"] for r in data.REGIONS] + [
        x["name"] for x in data.LEVELS + data.SUBJECTS]
    widest = max(labels, key=lambda label: pdf.get_string_width(shorten(label)))
    width = pdf.get_string_width(shorten(widest))
    close_fonts(pdf)
    assert width / 25.4 * 96 <= LABEL_WIDTH - 8, widest


def _tables_and_statements(app, user_id, call=None) -> tuple[dict[str, list], list[str]]:
    """The dashboard's tables as {name: rows} for the user (or ``call(user)``'s table) and the statements it ran
    other than reading the highest outbox id."""
    from kb.accounts.models import User
    from kb.statistics import services

    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    with app.test_request_context():
        user = db.session.get(User, user_id)
        event.listen(db.engine, "before_cursor_execute", note)
        try:
            tables = call(user) if call else services.dashboard(user)
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
    tables = [tables] if call else tables
    return {t.name: t.rows for t in tables}, [s for s in seen if "index_outbox" not in s]


def test_the_tables_are_made_again_only_after_a_practice_changed_in_any_process(demo_app, world, monkeypatch):
    """At 100,000 practices the nine GROUP BYs took 0.8–1.8 s on every request of /statistics."""
    from kb.statistics import services

    first, statements = _tables_and_statements(demo_app, world["admin"])
    assert len(statements) >= len(TABLES)
    again, statements = _tables_and_statements(demo_app, world["admin"])
    assert statements == [] and again == first
    # A table's CSV reads the same tables.
    csv_rows, statements = _tables_and_statements(demo_app, world["admin"], lambda u: services.table("topic", u))
    assert statements == [] and csv_rows["topic"] == first["topic"]

    # Another worker's change is its committed rows: the practice's new status and the outbox row of its change.
    with demo_app.app_context(), db.engine.begin() as connection:
        pid = connection.execute(text("SELECT id FROM practice WHERE title = 'Опубликована в Челябинске'")).scalar()
        connection.execute(text("UPDATE practice SET status = 'archived' WHERE id = :p"), {"p": pid})
        connection.execute(text("INSERT INTO index_outbox (doc_type, doc_id, created_at) VALUES ('practice', :p, :t)"),
                           {"p": pid, "t": utcnow()})
    fresh, statements = _tables_and_statements(demo_app, world["admin"])
    assert len(statements) >= len(TABLES)
    archived = {row.key: row.values for row in fresh["status"]}["archived"][0]
    assert archived == {row.key: row.values for row in first["status"]}["archived"][0] + 1
    regions = [{row.key: row.values[0] for row in rows["region"]} for rows in (first, fresh)]
    assert regions[1].get("RU-CHE", 0) == regions[0]["RU-CHE"] - 1

    # Views are counted without an outbox row: they are seen after STATISTICS_SECONDS.
    with demo_app.app_context(), db.engine.begin() as connection:
        connection.execute(text("UPDATE practice SET views = 1000 WHERE title = 'Из архива'"))
    assert _tables_and_statements(demo_app, world["admin"])[0]["views"] == fresh["views"]
    monkeypatch.setattr(services, "STATISTICS_SECONDS", 0.0)
    views = _tables_and_statements(demo_app, world["admin"])[0]["views"]
    assert views[0].label == "Из архива" and views[0].values == (1000,)


def test_a_methodist_never_gets_the_tables_made_for_another_scope(demo_app, world):
    admin, _ = _tables_and_statements(demo_app, world["admin"])
    smo, statements = _tables_and_statements(demo_app, world["smo"])
    assert len(statements) >= len(TABLES)
    assert {row.key for row in smo["region"]} == {"RU-SMO"} != {row.key for row in admin["region"]}
    org, statements = _tables_and_statements(demo_app, world["org"])
    assert len(statements) >= len(TABLES)
    assert [row.label for row in org["views"]] == ["=HYPERLINK(\"http://evil\")"]
    # A second methodist of the same region sees the same practices: the tables made for the first.
    with demo_app.app_context():
        other = create_user("smo2@example.org", "Методист", PASSWORD, role="methodist", scope_region_code="RU-SMO")
        db.session.commit()
        other_id = other.id
    same, statements = _tables_and_statements(demo_app, other_id)
    assert statements == [] and same == smo
    page = _client(demo_app, world["smo"]).get("/statistics")
    assert "Опубликована в Челябинске" not in page.get_data(as_text=True)
    assert "с задержкой до минуты" in page.get_data(as_text=True)
    page.close()


def test_the_views_index_comes_and_goes_with_its_migration(app):
    """The most viewed practices sorted every practice by its views (0.13–0.27 s at 100,000) when the table was
    made; ix_practice_views gives them in order."""
    from sqlalchemy import inspect

    def indexes() -> dict[str, list[str]]:
        with app.app_context():
            found = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("practice")}
            db.session.remove()
            return found

    assert indexes()["ix_practice_views"] == ["views", "id"]
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "v0ord0000001"])
    assert down.exit_code == 0, down.output
    assert "ix_practice_views" not in indexes()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert "ix_practice_views" in indexes()
