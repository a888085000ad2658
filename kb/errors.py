"""Error pages in Russian; problem details (RFC 9457, application/problem+json) under /api/."""

from __future__ import annotations

import contextlib
import errno
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, jsonify, make_response, render_template, request, url_for
from flask.globals import request_ctx
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import BadHost, HTTPException

from kb.extensions import db, limiter, missing_schema, missing_tables
from kb.routing import FormTooLarge, FormTooManyParts, local_path
from kb.schema import checked_schema_behind, schema_behind_log

_CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
BODY_UNREADABLE = "Тело запроса передано с ошибкой или не до конца: отправьте его ещё раз."
BAD_HOST = "Имя сайта в адресе (заголовок Host) записано с ошибкой. Откройте сайт по его имени."
MESSAGES = {
    400: ("Некорректный запрос", "Проверьте адрес страницы и параметры запроса."),
    401: ("Нужна авторизация", "Передайте действующий токен API в заголовке Authorization: Bearer kb_…"),
    403: ("Доступ запрещён", "У вас нет прав на просмотр этой страницы."),
    404: ("Страница не найдена", "Такой страницы нет или она ещё не опубликована."),
    405: ("Метод не поддерживается", "Этот адрес не принимает такой запрос."),
    409: ("Конфликт состояния", "Действие невозможно в текущем состоянии материала."),
    410: ("Материал удалён", "Этот материал был опубликован в банке, но его удалили. Похожие материалы можно найти "
                             "через поиск."),
    412: ("Материал изменился", "Материал изменили после того, как вы его получили: получите его заново."),
    413: ("Слишком большой файл", "Размер запроса превышает допустимый предел."),
    415: ("Неподдерживаемый формат", "Этот адрес принимает данные в другом формате."),
    422: ("Данные не прошли проверку", "Исправьте отмеченные поля и повторите запрос."),
    429: ("Слишком много запросов", "Подождите немного и повторите попытку."),
    500: ("Ошибка на сервере", "Мы уже знаем о проблеме. Попробуйте повторить позже."),
    503: ("Сервис временно недоступен", "Попробуйте повторить позже."),
    507: ("На сервере закончилось место", "Сохранить не удалось, ничего не изменено. Сообщите администратору сайта."),
}
# A 413 to a JSON body (no file in it) has its own title; the problem `type` stays the 413's.
BODY_TOO_LARGE_TITLE = "Слишком большой запрос"
# A 413 to a form within MAX_CONTENT_LENGTH (kb.routing.FormTooLarge, sent with Content-Length or without): one of
# its texts is over MAX_FORM_MEMORY_SIZE (Flask's 500 KB), which only a client other than the page sends (its text
# areas stop at 20 000 characters).
TEXT_TOO_LONG = ("Слишком длинный текст", "Текст одного из полей формы длиннее, чем принимает сайт, и не сохранён. "
                                          "Сократите его или приложите к практике файлом.")
# A 413 to a multipart form of more parts than MAX_FORM_PARTS (kb.routing.FormTooManyParts; Flask's 1000): no page
# of the site sends so many fields, a hostile client's thousands do.
TOO_MANY_FIELDS = "Слишком много полей в форме"


def too_many_fields_detail(limit: int | None) -> str:
    """«В форме больше 1000 полей — столько сайт не принимает, и ничего не сохранено…» (the limit from the
    configuration: MAX_FORM_PARTS)."""
    from kb.templating import plural

    more = f"больше {limit} {plural(limit, 'поля', 'полей', 'полей')}" if limit else "больше полей, чем принимает сайт"
    return (f"В форме {more} — столько сайт не принимает, и ничего не сохранено. Страницы банка столько полей не "
            "посылают: откройте форму заново и отправьте её со страницы.")


CSRF_STALE = "Форма устарела или отправлена не с этого сайта. Обновите страницу и повторите."
CSRF_FORM_AGAIN = ("Сессия истекла, и форма не сохранена. Ваш текст — в форме ниже: проверьте его и нажмите "
                   "«Сохранить» ещё раз.")
CSRF_OTHER_USER = ("Форму открыли под другой учётной записью, а сейчас в банке вошли под этой: ничего не сохранено. "
                   "Текст формы — ниже: скопируйте его и сохраните под своей учётной записью.")
CSRF_TEXT_KEPT = ("Сессия истекла (или форма открыта слишком давно), и ничего не сохранено. Ваш текст — ниже: "
                  "скопируйте его, войдите, если нужно, откройте форму заново и вставьте текст.")
# The forms with long texts whose POST, turned away by the CSRF check (the session ended while the form was open:
# the browser restarted, a sign-out in another tab), gives the text back instead of losing it: endpoint -> (the
# form's class, for the names of its fields; a function of the view's arguments that renders the form again with
# the text sent, or None when it cannot: then the text is shown read-only, to copy).
_TEXT_FORMS: dict[str, tuple[type | dict[str, str], Callable[..., object] | None]] = {}
_SECRET_FIELD = re.compile("csrf|password|token|secret", re.IGNORECASE)


def keeps_text_on_csrf_failure(endpoint: str, form_class: type | dict[str, str]):
    """Register the form of ``endpoint`` (see _TEXT_FORMS, _sent_texts); as a decorator, of the function rendering
    it again (returns the page, or None to fall back on the read-only text).
    That function only renders: the request is not trusted (it may come from another site), nothing is saved."""
    _TEXT_FORMS[endpoint] = (form_class, None)

    def register(render: Callable[..., object]) -> Callable[..., object]:
        _TEXT_FORMS[endpoint] = (form_class, render)
        return render
    return register


def _text_fields(fields):
    """The text fields among ``fields``, into lists of entries (a resolution's recommendations) too."""
    from wtforms import FieldList, FormField, HiddenField, PasswordField, StringField

    for field in fields:
        if isinstance(field, FieldList | FormField):
            yield from _text_fields(field)
        elif isinstance(field, StringField) and not isinstance(field, PasswordField | HiddenField) \
                and not _SECRET_FIELD.search(field.name):
            yield field


def _sent_texts(form_class: type | dict[str, str]) -> list[tuple[str, str]]:
    """(label, text) of the form's text fields that came filled in the POST; never a password or a token.
    ``form_class``: a WTForms form, or {field name: label} for a form without one."""
    if isinstance(form_class, dict):
        fields = [(label, request.form.get(name, "")) for name, label in form_class.items()]
    else:
        form = form_class(formdata=request.form, meta={"csrf": False})
        fields = []
        for field in _text_fields(form):
            entry = re.search(r"-(\d+)-", field.name)  # «recommendations-2-text»: the third entry's
            label = f"{field.label.text} ({int(entry.group(1)) + 1})" if entry else field.label.text
            fields.append((label, field.data if isinstance(field.data, str) else ""))
    return [(label, text.strip()) for label, text in fields if text and text.strip()]


def _sent_from_this_site() -> bool:
    """The browser says the form was on a page of this site (Origin, else Referer): a form of another site posted
    here gets no page made of its text."""
    origin = request.headers.get("Origin")
    source = origin if origin and origin != "null" else request.headers.get("Referer", "")
    return bool(source) and urlsplit(source).netloc == request.host


def _csrf_failure():
    """A POST turned away by the CSRF check. Nothing of it is acted on; a registered text form sent from this site
    comes back with the text (escaped as any page is)."""
    registered = _TEXT_FORMS.get(request.endpoint or "") if request.method == "POST" else None
    if registered is None or _wants_json() or _links_unbuildable() or not _sent_from_this_site():
        return error_response(400, CSRF_STALE)
    form_class, render = registered
    opened_by = request.form.get("opened_by")
    # another account signed in on this browser since the form was opened: the text is not put in its form
    other_user = bool(opened_by) and current_user.is_authenticated and opened_by != str(current_user.id)
    if render is not None and current_user.is_authenticated and not other_user:
        page = render(**(request.view_args or {}))
        if page is not None:
            return page, 400
    texts = _sent_texts(form_class)
    if not texts:
        return error_response(400, CSRF_STALE)
    rule = request.url_rule
    form_url = request.path if rule is not None and "GET" in (rule.methods or ()) else None
    return render_template("errors/csrf_text.html", texts=texts, detail=CSRF_OTHER_USER if other_user else
                           CSRF_TEXT_KEPT, form_url=form_url,
                           login_url=None if current_user.is_authenticated
                           else url_for("accounts.login", next=form_url)), 400


SIGNED_OUT_TEXT_KEPT = ("Вы вышли из банка (возможно, на другом устройстве: «Выйти» завершает сеансы везде), и "
                        "форма не сохранена. Ваш текст — ниже: скопируйте его, войдите, откройте форму заново и "
                        "вставьте текст.")


def post_without_session():
    """A POST to a page that needs a signed-in user, from a browser whose session has ended (signed out on another
    device, say), or None for Flask-Login's own answer. A registered text form sent from this site gets its text
    back read-only, as after a CSRF refusal; any other form sends the user to sign in and then back to the page
    the form was on: the form's own address takes POST only, and after the login it answered 405."""
    if request.method != "POST" or _wants_json() or _links_unbuildable():
        return None
    from flask import flash, redirect

    from kb.extensions import login_manager
    from kb.routing import local_path

    here = _sent_from_this_site()
    registered = _TEXT_FORMS.get(request.endpoint or "")
    rule = request.url_rule
    referer = urlsplit(request.headers.get("Referer", ""))
    back = (request.path if rule is not None and "GET" in (rule.methods or ())
            else local_path(referer.path + (f"?{referer.query}" if referer.query else "")) if here else None)
    if registered is not None and here and (texts := _sent_texts(registered[0])):
        return render_template("errors/csrf_text.html", texts=texts, detail=SIGNED_OUT_TEXT_KEPT, form_url=back,
                               login_url=url_for("accounts.login", next=back)), 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("accounts.login", next=back) if back else url_for("accounts.login"))


STALE_WRITE = ("Этот материал только что изменил другой пользователь, и ваше изменение не сохранено, чтобы не "
               "записать поверх его правки. Откройте материал заново и повторите.")
DATABASE_DOWN = "База данных временно недоступна. Повторите через минуту — сохранённое не потеряно."
DISK_FULL_READING = ("На диске под базой данных не осталось места, и страницу не удаётся открыть. Сохранённое не "
                     "потеряно. Сообщите администратору сайта.")
RETRY_AFTER = "30"
# A full disk: errno for files, SQLite's result code and PostgreSQL's SQLSTATE for the database.
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
DISK_FULL_SQLITE = "SQLITE_FULL"
DISK_FULL_SQLSTATE = "53100"
# On a disk with no room at all SQLite cannot even grow its WAL index, to read or to write: "disk I/O error"
# (SQLITE_IOERR_SHMSIZE), not SQLITE_FULL. An I/O error with less than this left under the database is that.
SQLITE_IOERR_FULL_BELOW = 1024 * 1024


_OS_REASONS = {errno.ENOSPC: "на диске нет места", errno.EDQUOT: "на диске нет места",
               errno.EACCES: "нет прав на запись", errno.EPERM: "нет прав на запись",
               errno.EROFS: "диск доступен только для чтения", errno.ENOENT: "нет такой папки",
               errno.ENOTDIR: "в пути вместо папки — файл", errno.EEXIST: "в пути вместо папки — файл",
               errno.EISDIR: "это папка, а нужен файл"}


def os_error_reason(error: OSError) -> str:
    """Why a file could not be written, in Russian for the common cases (the system's text otherwise)."""
    return _OS_REASONS.get(error.errno, error.strerror or str(error))


def _disk_full(error: BaseException) -> bool:
    if isinstance(error, OperationalError):
        error = error.orig
    sqlite_error = getattr(error, "sqlite_errorname", None) or ""
    return (isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS
            or sqlite_error == DISK_FULL_SQLITE
            or sqlite_error.startswith("SQLITE_IOERR") and _sqlite_disk_left() < SQLITE_IOERR_FULL_BELOW
            or getattr(error, "sqlstate", None) == DISK_FULL_SQLSTATE)


def _sqlite_disk_left() -> float:
    """Bytes free (to this process's user) on the disk under the SQLite database file; inf if unknown."""
    try:
        path = Path(db.engine.url.database or "").resolve().parent
        return shutil.disk_usage(path).free
    except (OSError, RuntimeError, ValueError):  # no app context, a path that is gone
        return float("inf")


def _wants_json() -> bool:
    """Errors as problem details, not the HTML page: the API, /healthz, and the pages' own JSON read by their
    scripts (…/progress.json of a bulk import, polled by static/bulkimport.js)."""
    return request.path.startswith("/api/") or request.path == "/healthz" or request.path.endswith(".json")


SIGNED_OUT_JSON = "Вы вышли из банка (или сеанс истёк): войдите снова и откройте страницу ещё раз."


def signed_out_json():
    """A page's JSON asked for by a script after its session ended: 401 in problem details (Flask-Login would
    redirect to the login page, HTML the script cannot read), or None for any other request."""
    if request.path.startswith("/api/") or not _wants_json():
        return None
    return error_response(401, SIGNED_OUT_JSON)


# Read by programs, not people (harvesters, feed readers, crawlers): an outage answers them in plain text, not with
# the site's HTML page.
_MACHINE_PATHS = re.compile(r"/oai|/search/feed|/sitemap(?:-\d+)?\.xml")


def _links_unbuildable() -> bool:
    """No link can be built for this request: werkzeug could not read its Host as a host name («a..b», a label of
    over 63 characters) and left the request without a URL adapter, so url_for (every page's stylesheet and menu)
    fails."""
    return request_ctx.url_adapter is None


def _request_line() -> str:
    """«GET /search?q=музей (user 12)»: which request failed, for the log (Flask's own «Exception on /path [GET]»
    is not written when a handler answers the error), and whose, if signed in. Loading the user may need the
    database, which may be what failed: then the line goes without it."""
    path = request.full_path if request.query_string else request.path
    user_id = getattr(g.get("api_user"), "id", None)
    if user_id is None:
        with contextlib.suppress(Exception):
            user_id = current_user.id if current_user.is_authenticated else None
    return f"{request.method} {path}" + (f" (user {user_id})" if user_id is not None else "")


def problem_type(status: int) -> str:
    """The URI of a problem type: its description on the API page. A Host no link can be made from («a..b», a
    label over 63 characters) names none: the type is then SITE_URL's, or the page's path on this site."""
    if not _links_unbuildable():
        return f"{request.url_root}api#problem-{status}"  # no url_for: this must work while handling any error
    site = (current_app.config.get("SITE_URL") or "").strip().rstrip("/")
    return f"{site or request.script_root}/api#problem-{status}"


def _request_too_large() -> str:
    """The 413 of a page's form: the limit of one request named, and what to do (a file's own limit is said by the
    form that takes files, and by its message for a file over it)."""
    from kb.templating import size_label

    limit = size_label(current_app.config["MAX_CONTENT_LENGTH"])
    return (f"Всё, что отправлено за один раз, вместе больше {limit} — столько сайт принимает в одном запросе. "
            "Ничего не сохранено. Вернитесь и отправьте файлы по нескольку за раз.")


def _page_before() -> str | None:
    """The path of the page the request came from (its Referer), when that is a page of this site."""
    parts = urlsplit(request.referrer or "")
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return local_path(parts.path + (f"?{parts.query}" if parts.query else ""))


def error_response(status: int, detail: str | None = None, errors: dict[str, list[str]] | None = None,
                   extra: dict | None = None, title: str | None = None):
    """A Russian error page, or problem details for the API (``errors``: messages per field, for 422;
    ``extra``: further members of the problem, such as the duplicates of a 409; ``title``: other than the
    status's)."""
    status_title, default_detail = MESSAGES.get(status, (f"Ошибка {status}", ""))
    if title is None:
        title = BODY_TOO_LARGE_TITLE if status == 413 and request.is_json else status_title
    if status == 413 and detail is None and not request.is_json and not _wants_json() \
            and current_app.config.get("MAX_CONTENT_LENGTH"):
        default_detail = _request_too_large()
    detail = detail or default_detail
    if _wants_json():
        body: dict = {"type": problem_type(status), "status": status, "title": title, "detail": detail}
        if errors:
            body["errors"] = errors
        if extra:
            body.update(extra)
        response: Response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        if status == 401 and request.path.startswith("/api/"):
            response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if _links_unbuildable():  # the error page's links cannot be made: the same message in plain text
        return Response(f"{title}. {detail}\n", status, mimetype="text/plain")
    # the form's page (none known: «На главную», as on every one); not named «back»: base.html's «Войти» sets that
    page_before = _page_before() if status == 413 else None
    return render_template("errors/error.html", status=status, title=title, detail=detail,
                           page_before=page_before), status


def _limit_wait() -> str:
    """Seconds until the breached limit's window lets a request through again (RATELIMIT_HEADER_RETRY_AFTER
    keeps Flask-Limiter's own copy of it out of the standard header, which it set on every answer, 200s too)."""
    limit = limiter.current_limit
    return str(max(1, int(limit.reset_at - time.time()))) if limit is not None else RETRY_AFTER


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _csrf_failure()

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.response is not None:
            return error.response  # an answer made for the case (/oai over its limit: 503 with Retry-After)
        if isinstance(error, FormTooManyParts):  # more fields than the form takes, each of them short
            return error_response(413, too_many_fields_detail(request.max_form_parts), title=TOO_MANY_FIELDS)
        if isinstance(error, FormTooLarge):  # a text of the form, not the body, over its limit
            return error_response(413, TEXT_TOO_LONG[1], title=TEXT_TOO_LONG[0])
        code = error.code or 500
        detail = None
        if (code == 429 or _wants_json()) and _CYRILLIC.search(error.description or ""):
            detail = error.description  # our own message (a limit's, an abort's); werkzeug's are in English
        elif isinstance(error, BadHost):
            detail = BAD_HOST
        response = error_response(code, detail)
        if code == 429:
            response = make_response(response)
            response.headers["Retry-After"] = _limit_wait()
        if allow := dict(error.get_headers()).get("Allow"):
            response = make_response(response)
            response.headers["Allow"] = allow  # a 405 names the methods that work (pages too, not only the API)
        return response

    def _unavailable(status: int, detail: str | None = None):
        detail = detail or MESSAGES[status][1]
        with contextlib.suppress(Exception):
            db.session.rollback()
        response = None
        if not _MACHINE_PATHS.fullmatch(request.path):
            with contextlib.suppress(Exception):  # the page itself needs the database (the signed-in user's menu)
                response = make_response(error_response(status, detail))
        if response is None:
            response = Response(detail + "\n", status, mimetype="text/plain")
        if status == 503:
            response.headers["Retry-After"] = RETRY_AFTER
        return response

    def _schema_behind(error: Exception) -> bool:
        """A missing table or column because this version's migrations have not run yet (`init` after an update):
        the log says so. The revision is read again only if the last reading is older than a few seconds."""
        if not missing_schema(error):
            return False
        with contextlib.suppress(Exception):
            db.session.rollback()
        try:
            revision = checked_schema_behind()
        except Exception:  # noqa: BLE001 - the database itself failing: the caller's message says that
            return False
        if revision is None:
            return False
        app.logger.warning("%s (%s)", schema_behind_log(revision), str(error.orig or error).splitlines()[0])
        return True

    @app.errorhandler(OperationalError)
    def _database_unavailable(error: OperationalError):
        """The database does not answer (restarting, unreachable, a lock held too long): 503, not 500;
        the disk under it is full: 507. A schema behind the code (SQLite's «no such column»): 503, the log says
        why."""
        if _disk_full(error):
            app.logger.error("Disk full under the database: %s", error.orig)
            return _unavailable(507, None if request.method not in ("GET", "HEAD") else DISK_FULL_READING)
        if not _schema_behind(error):
            app.logger.warning("Database unavailable: %s", str(error.orig or error).splitlines()[0])
        return _unavailable(503, DATABASE_DOWN)

    @app.errorhandler(ProgrammingError)
    def _database_without_tables(error: ProgrammingError):
        """PostgreSQL's undefined_table (42P01): a database the bank has not been set up in (`init` not run), 503
        as SQLite's «no such table» (an OperationalError) gives; so is a table or column (42703) missing from a
        schema behind the code. Any other ProgrammingError is a fault, a 500."""
        if _schema_behind(error):
            return _unavailable(503, DATABASE_DOWN)
        if not missing_tables(error):
            return _unexpected(error)
        app.logger.warning("Database without the bank's tables (run flask --app kb init): %s",
                           str(error.orig).splitlines()[0])
        return _unavailable(503, DATABASE_DOWN)

    @app.errorhandler(StaleDataError)
    def _stale_write(error: StaleDataError):
        """Two writes made from the same reading of a row (kb.practices.models.Practice.revision): the later finds
        the row changed, and its transaction is undone whole."""
        db.session.rollback()
        return error_response(409, STALE_WRITE)

    @app.errorhandler(OSError)
    def _os_error(error: OSError):
        """No space left for an upload, a staged import, the index: 507 with a message, nothing changed."""
        if not _disk_full(error):
            return _unexpected(error)
        app.logger.error("Disk full: %s", error)
        return _unavailable(507)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if type(error).__module__ == "gunicorn.http.errors":  # a chunked body gunicorn cannot read (bad sizes,
            return error_response(400, BODY_UNREADABLE)         # cut short): the client's fault, not a 500
        with contextlib.suppress(Exception):  # first: naming the user may read the database
            db.session.rollback()
        app.logger.error("Unhandled error on %s", _request_line(), exc_info=error)
        return error_response(500)
