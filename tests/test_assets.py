"""Static assets: served by the app itself, fingerprinted and cached long; no CDN; light pages."""

from __future__ import annotations

import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from kb.extensions import db
from kb.templating import StaticAssets
from tests.conftest import sign_in

STATIC = Path(__file__).resolve().parents[1] / "static"
LONG = "max-age=31536000"


def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


class AssetRefs(HTMLParser):
    """Every URL a page makes the browser fetch by itself: stylesheets, icons, scripts, images, frames."""

    FETCHING_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest", "apple-touch-icon"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and set((values.get("rel") or "").lower().split()) & self.FETCHING_LINKS:
            self.urls.append(values.get("href") or "")
        elif tag in {"script", "img", "iframe", "source", "audio", "video", "embed", "track", "input"}:
            if values.get("src"):
                self.urls.append(values["src"])
        elif tag == "object" and values.get("data"):
            self.urls.append(values["data"])
        if values.get("style") and "url(" in values["style"]:
            self.urls.extend(re.findall(r"url\(([^)]*)\)", values["style"]))


def _asset_refs(html: str) -> list[str]:
    parser = AssetRefs()
    parser.feed(html)
    return parser.urls


def test_layout_links_fingerprinted_assets(client):
    html = client.get("/").get_data(as_text=True)
    refs = _asset_refs(html)
    assert f"/static/kb.{_digest('kb.css')}.css" in refs
    assert f"/static/search.{_digest('search.js')}.js" in refs
    assert f"/static/favicon.{_digest('favicon.svg')}.svg" in refs
    assert "/static/kb.css" not in html and "/static/search.js" not in html


@pytest.mark.parametrize(("name", "content_type"), [
    ("kb.css", "text/css"), ("search.js", "text/javascript"), ("favicon.svg", "image/svg+xml")])
def test_fingerprinted_asset_is_immutable_for_a_year(client, name, content_type):
    stem, ext = name.rsplit(".", 1)
    with client.get(f"/static/{stem}.{_digest(name)}.{ext}") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == content_type
    assert body == (STATIC / name).read_bytes()
    cache = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert {"public", LONG, "immutable"} <= cache
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_plain_asset_url_is_cached_briefly(client):
    with client.get("/static/kb.css") as response:
        body = response.get_data()
    assert body == (STATIC / "kb.css").read_bytes()
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    cache = response.headers["Cache-Control"]
    assert "max-age=300" in cache and "immutable" not in cache
    assert response.headers.get("ETag")
    with client.get("/static/kb.css", headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304


def test_stale_fingerprint_gets_current_file_briefly_cached(client):
    with client.get("/static/kb.000000000000.css") as response:
        body = response.get_data()
    assert response.status_code == 200
    assert body == (STATIC / "kb.css").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]
    assert LONG not in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", [
    "/static/no-such.css",
    "/static/no-such.0123456789ab.css",
    "/static/../kb/__init__.py",
    "/static/%2e%2e/kb/config.py",
    "/static/..%2fkb%2fconfig.py",
])
def test_missing_or_outside_files_are_not_found(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"SECRET" not in response.data and b"import" not in response.data


def test_fingerprint_follows_content(tmp_path):
    (tmp_path / "app.css").write_text("body { color: #000; }", encoding="utf-8")
    assets = StaticAssets(str(tmp_path))
    first = assets.digest("app.css")
    assert first == hashlib.sha256(b"body { color: #000; }").hexdigest()[:12]
    (tmp_path / "app.css").write_text("body { color: #111111; }", encoding="utf-8")
    assert assets.digest("app.css") != first
    assert assets.digest("missing.css") is None
    assert assets.digest("../app.css") is None


def test_asset_url_of_missing_file_fails_loudly(app):
    from kb.templating import asset_url

    with app.test_request_context("/"), pytest.raises(FileNotFoundError):
        asset_url("no-such.css")


def _main_pages(app) -> list[str]:
    from kb.collections.models import Collection
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    with app.app_context():
        practice = db.session.scalars(select(Practice.id).where(Practice.status == "published")).first()
        resolution = db.session.scalars(select(Resolution.id)).first()
        collection = db.session.scalars(select(Collection.id).where(Collection.visibility == "public")).first()
    pages = ["/", "/search", "/search?q=одарённые дети", "/search?q=жзщхъыыы", f"/practices/{practice}",
             "/resolutions", f"/resolutions/{resolution}", "/topics", "/regions", "/levels", "/collections",
             "/login", "/register", "/api", "/no-such-page"]
    if collection:
        pages.append(f"/collections/{collection}")
    return pages


def test_main_pages_load_nothing_from_other_sites(demo_app, demo_client):
    checked = 0
    for path in _main_pages(demo_app):
        response = demo_client.get(path)
        assert response.status_code in (200, 404), path
        refs = _asset_refs(response.get_data(as_text=True))
        assert refs, f"{path}: no assets at all?"
        external = [url for url in refs if re.match(r"^\s*(https?:)?//", url, re.IGNORECASE)]
        assert not external, f"{path} loads from other sites: {external}"
        checked += 1
    assert checked >= 15
    for name in ("kb.css", "search.js"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert not re.search(r"(url\(|@import|fetch\(|src\s*=)\s*['\"]?(https?:)?//", text), name


def test_the_no_cdn_check_sees_a_cdn():
    html = ('<link rel="stylesheet" href="https://cdn.example.org/x.css">'
            '<script src="//cdn.example.org/y.js"></script><a href="https://example.org">ссылка</a>')
    assert _asset_refs(html) == ["https://cdn.example.org/x.css", "//cdn.example.org/y.js"]


@pytest.mark.parametrize("path", ["/search", "/search?q=одарённые дети", "/search?q=конкурс&sort=date"])
@pytest.mark.parametrize("who", [None, "teacher@demo.example"])
def test_search_page_html_is_under_100_kb(demo_app, demo_client, path, who):
    if who:  # signed in, every result carries its «В подборку» form
        from kb.accounts.models import User

        with demo_app.app_context():
            user_id = db.session.scalars(select(User.id).where(User.email == who)).one()
        sign_in(demo_client, user_id)
    response = demo_client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count('class="result ') == 20, "a full page of results (20) with facets"
    assert 'class="facet"' in html
    assert ('class="add-to-collection"' in html) == bool(who)
    assert len(response.data) < 100 * 1024, f"{path}: {len(response.data)} bytes"


@pytest.mark.parametrize(("path", "current"), [
    ("/topics", "Темы"), ("/search?q=опыт", "Все материалы"), ("/resolutions", "Резолюции"),
    ("/collections", "Подборки"), ("/levels", "Уровни"), ("/login", None), ("/collections/999", None),
])
def test_navigation_marks_the_current_section(client, path, current):
    html = client.get(path).get_data(as_text=True)
    nav = html[html.index('<nav class="main-nav"'):html.index("</nav>")]
    marked = re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]+)</a>', nav)
    assert marked == ([current] if current else [])


def test_the_headers_links_each_have_a_name_of_their_own(app, make_user):
    """A signed-in header had two links called «Подборки», to all collections and to the user's own: a screen
    reader's list of links could not tell them apart (WCAG 2.4.4)."""
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, make_user("admin"))
    html = client.get("/").get_data(as_text=True)
    header = html[html.index('<header class="site-header"'):html.index("</header>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)', header)
    places = {}
    for href, text in links:
        places.setdefault(text.strip(), set()).add(href.split("#")[0])
    assert {text: hrefs for text, hrefs in places.items() if len(hrefs) > 1} == {}
    assert places["Мои подборки"] == {"/collections/mine"} and places["Подборки"] == {"/collections"}


def test_dates_and_times_in_russian_words(app):
    """Stored times are UTC; pages show them on the bank's clock (TIME_ZONE, Moscow by default) and name it."""
    from datetime import date, datetime

    from kb.templating import format_date, format_datetime

    moment = datetime(2026, 3, 1, 9, 5, 7)
    with app.app_context():
        assert format_datetime(moment) == "1 марта 2026 г., 12:05"
        assert format_datetime(moment, seconds=True) == "1 марта 2026 г., 12:05:07"
        assert format_datetime(moment, zone=True) == "1 марта 2026 г., 12:05 МСК"
        assert format_datetime(None) == ""
        assert format_datetime(None, zone=True) == ""
        late = datetime(2026, 12, 31, 22, 30)  # half past one on New Year's night in Moscow
        assert (format_date(late), format_date(date(2026, 12, 31))) == ("1 января 2027 г.", "31 декабря 2026 г.")
        for zone, shown in (("Asia/Yekaterinburg", "1 марта 2026 г., 14:05 МСК+2"),
                            ("Europe/Kaliningrad", "1 марта 2026 г., 11:05 МСК−1"),
                            ("Asia/Kamchatka", "1 марта 2026 г., 21:05 МСК+9"),
                            ("Asia/Kolkata", "1 марта 2026 г., 14:35 UTC+5:30"),
                            ("UTC", "1 марта 2026 г., 09:05 МСК−3")):
            app.config["TIME_ZONE"] = zone
            assert format_datetime(moment, zone=True) == shown


def test_an_unknown_time_zone_stops_the_start_with_a_message(tmp_path):
    from kb import create_app

    with pytest.raises(ValueError, match="такого часового пояса нет"):
        create_app({"TESTING": True, "TIME_ZONE": "Europe/Chelyabinsk",
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'kb.sqlite3'}"}, instance_path=tmp_path)


_DATETIME_FILTER = re.compile(r"\|\s*ru_datetime\b(\([^)]*\))?")


def _column_heading(text: str, at: int) -> str | None:
    """The heading of the table column whose cell holds position ``at`` of a template; None outside a cell."""
    table = text.rfind("<table", 0, at)
    if table < 0 or text.rfind("</table>", 0, at) > table:
        return None
    head_end = text.find("</thead>", table)
    row = text.rfind("<tr", 0, at)
    if head_end < 0 or row < head_end or text.rfind("</td>", row, at) > text.rfind("<td", row, at):
        return None
    headings = re.findall(r"<th\b[^>]*>(.*?)</th>", text[table:head_end], re.S)
    column = len(re.findall(r"<td\b", text[row:at])) - 1
    return headings[column] if 0 <= column < len(headings) else None


def test_every_time_a_page_prints_says_its_zone():
    """Notifications, «до правки от …», «Что исправить (…)» and the edit conflict printed times with no zone,
    where the tables say «(МСК)» (``time_zone_label()``) in their headings."""
    root = Path(__file__).resolve().parent.parent / "templates"
    uses = 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for match in _DATETIME_FILTER.finditer(text):
            uses += 1
            where = f"{path.relative_to(root)}:{text.count(chr(10), 0, match.start()) + 1}"
            if "zone=True" in (match.group(1) or ""):
                continue
            heading = _column_heading(text, match.start())
            assert heading is not None, f"{where}: a time in running text without ru_datetime(zone=True)"
            assert "({{ time_zone_label() }})" in heading, f"{where}: the column «{heading}» does not name the zone"
    assert uses >= 9  # the scan sees the templates' times


def test_the_scan_for_times_tells_a_headed_column_from_running_text():
    """The check above: a cell under a «(МСК)» heading passes, running text or another column does not."""
    table = ('<table><thead><tr><th>Кто</th><th>Когда ({{ time_zone_label() }})</th></tr></thead><tbody>'
             '{% for e in x %}<tr><td>{{ e.name }}</td><td>{{ e.at|ru_datetime }}</td></tr>{% endfor %}'
             '</tbody></table>')
    assert _column_heading(table, table.index("ru_datetime")) == "Когда ({{ time_zone_label() }})"
    swapped = table.replace("<td>{{ e.name }}</td><td>{{ e.at|ru_datetime }}</td>",
                            "<td>{{ e.at|ru_datetime }}</td><td>{{ e.name }}</td>")
    assert _column_heading(swapped, swapped.index("ru_datetime")) == "Кто"
    after = table + "<p>Изменено {{ y|ru_datetime }}</p>"
    assert _column_heading(after, after.rindex("ru_datetime")) is None


def test_pages_show_dates_in_words(demo_app, demo_client):
    from kb.accounts.models import User
    from kb.accounts.services import record

    with demo_app.app_context():
        admin = db.session.scalars(select(User).where(User.email == "admin@demo.example")).one()
        record("login", admin)
        db.session.commit()
        admin = admin.id
    sign_in(demo_client, admin)
    html = demo_client.get("/admin/users").get_data(as_text=True)
    assert not re.search(r"\d{2}\.\d{2}\.\d{4}", html)
    audit = demo_client.get("/admin/audit").get_data(as_text=True)
    assert re.search(r"\d{1,2} (января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря) "
                     r"\d{4} г\., \d{2}:\d{2}:\d{2}", audit), "audit entries carry their time in words"
