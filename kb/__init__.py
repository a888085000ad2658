"""Банк практик: a knowledge base of positive pedagogical experience."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from kb.config import (
    ConfigurationError,
    DefaultConfig,
    environment_overrides,
    instance_defaults,
    private_opener,
    setting_origin,
)
from kb.routing import BoundedIntConverter, CleanRequest, CleanStringConverter
from kb.timeutil import UNKNOWN_ZONE, time_zone
from kb.vocabularies.data import LICENCES

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None, instance_path: str | os.PathLike | None = None) -> Flask:
    """Build the application: defaults, then instance/config.py, then the environment.

    The instance folder is ``instance_path``, else ``KB_INSTANCE``, else ``instance/`` beside the code.
    """
    instance_path = instance_path or os.environ.get("KB_INSTANCE") or str(ROOT / "instance")
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(DefaultConfig)
    app.config.update(instance_defaults(app.instance_path))
    if test_config is None:
        if Path(app.instance_path).is_dir() or _starting("run"):
            open_instance(app)
        elif _starting(None):  # a command of the bank, not chosen yet: init and demo make the folder, others stop
            app.extensions[INSTANCE_MISSING] = True
            app.config.update(environment_overrides())
        else:  # gunicorn, a script
            raise missing_instance(app.instance_path)
    else:
        app.config.update(test_config)

    check_time_zone(app, from_files=test_config is None)
    check_database_url(app, from_files=test_config is None)
    check_site_url(app, from_files=test_config is None)
    check_default_licence(app, from_files=test_config is None)
    register_proxy_and_hosts(app)
    app.request_class = CleanRequest
    app.url_map.converters["int"] = BoundedIntConverter
    app.url_map.converters["default"] = app.url_map.converters["string"] = CleanStringConverter
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_template_helpers(app)
    register_security_headers(app)
    if click.get_current_context(silent=True) is None:  # gunicorn, a script; `flask --app kb init` says it itself
        warn_of_mail_without_site_address(app)
        warn_of_database_locale(app)
        warn_of_schema_behind(app)
    return app


def warn_of_schema_behind(app: Flask) -> None:
    """The code updated and `flask --app kb init` not run yet: the log of the start says so (the pages that need
    a new column answer 503, /healthz too). The reading is kept: pages do not read the revision again, only an error
    naming a missing column or table does, and /healthz. A database that does not answer, or a SQLite file not
    made yet, is not the start's concern."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.extensions import db
    from kb.schema import checked_schema_behind, schema_behind_log

    with app.app_context():
        if db.engine.dialect.name == "sqlite" and not Path(db.engine.url.database or "").is_file():
            return
        try:
            revision = checked_schema_behind(max_age=0)
        except SQLAlchemyError:
            return
        if revision is not None:
            app.logger.warning(schema_behind_log(revision))


def check_time_zone(app: Flask, from_files: bool) -> None:
    """An unknown zone stops the start with a message, not the first page: one that names the setting and where
    its value came from (KB_TIME_ZONE had been blamed on config.py's TIME_ZONE, in a traceback of 66 lines)."""
    zone = app.config["TIME_ZONE"]
    try:
        time_zone(zone)
    except ValueError:
        if not from_files:  # the settings a test passes
            raise ConfigurationError(f"TIME_ZONE = {zone!r}: {UNKNOWN_ZONE}") from None
        name, where = setting_origin("TIME_ZONE", app.instance_path)
        raise ConfigurationError(f"{name} = {zone!r} ({where}): {UNKNOWN_ZONE}") from None


def check_default_licence(app: Flask, from_files: bool) -> None:
    """A DEFAULT_LICENCE that is no licence's code stops the start: every new practice would carry it."""
    value = app.config.get("DEFAULT_LICENCE")
    codes = [licence["code"] for licence in LICENCES]
    if value in codes:
        return
    reason = "ожидается один из кодов " + ", ".join(codes) + "."
    if not from_files:
        raise ConfigurationError(f"DEFAULT_LICENCE = {value!r}: {reason}")
    name, where = setting_origin("DEFAULT_LICENCE", app.instance_path)
    raise ConfigurationError(f"{name} = {value!r} ({where}): {reason}")


DATABASE_URL_EXAMPLES = "«postgresql+psycopg://kb:пароль@127.0.0.1:5432/kb» или «sqlite:////srv/kb/instance/kb.sqlite3»"
# The driver the bank installs (requirements.txt: psycopg 3); SQLAlchemy's default for a bare «postgresql://» is
# psycopg2, which is not installed, and «postgres://» (Heroku's, libpq's) it does not know at all.
POSTGRES_DRIVER = "postgresql+psycopg"


class _AtInCredentials(Exception):
    """A database URL with «@» in its user name or password, not percent-encoded."""


def _unencoded_at(value: str) -> bool:
    """Whether a server database URL has an «@» before the one that ends its user name and password (the last one
    before its query): «postgresql+psycopg://kb:p@ss/word@127.0.0.1/kb». A file database's path may hold «@»."""
    scheme, separator, rest = value.partition("://")
    if not separator or scheme.startswith("sqlite"):
        return False
    head = rest.split("?", 1)[0]
    return "@" in head[:max(head.rfind("@"), 0)]


def check_database_url(app: Flask, from_files: bool) -> None:
    """A database URL that does not parse, names no database SQLAlchemy knows or a driver not installed stops the
    start with one line naming the setting and where it came from, the password hidden (it was a traceback of 50
    lines for every command, --help too, and for every gunicorn worker). «postgres://» and «postgresql://» are
    taken as the bank's driver, «postgresql+psycopg://»."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    value = app.config["SQLALCHEMY_DATABASE_URI"]
    url = None
    try:
        if _unencoded_at(str(value)):  # «kb:p@ss@host»: what follows the first «@» taken for the host
            raise _AtInCredentials
        url = make_url(value)
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername=POSTGRES_DRIVER)
            app.config["SQLALCHEMY_DATABASE_URI"] = url.render_as_string(hide_password=False)
        if url.get_backend_name() not in ("postgresql", "sqlite"):
            raise NoSuchModuleError(url.drivername)
        url.get_dialect().import_dbapi()
        return
    except NoSuchModuleError:  # an ArgumentError too: first
        known = url.get_backend_name() in ("postgresql", "sqlite")
        reason = (f"драйвера базы данных «{url.drivername}» нет" if known else
                  f"банк работает с PostgreSQL и SQLite, а не с «{url.drivername}»")
        reason += f"; нужен адрес вида {DATABASE_URL_EXAMPLES}"
    except (ArgumentError, ValueError):  # ValueError: a port that is no number («host:пароль»)
        url = None
        reason = f"адрес базы данных не читается; нужен такой: {DATABASE_URL_EXAMPLES}"
    except ImportError:
        reason = f"драйвер базы данных «{url.drivername}» не установлен; нужен адрес вида {DATABASE_URL_EXAMPLES}"
    except _AtInCredentials:
        url = None  # its password is cut at the first «@»: shown whole, it would show the rest
        reason = ("в имени пользователя или пароле адреса базы данных есть «@»: запишите его как %40 (так же «%» — "
                  "%25, «/» — %2F, «#» — %23, «:» — %3A; закодировать пароль: python3 -c 'import urllib.parse; "
                  "print(urllib.parse.quote(\"пароль\", safe=\"\"))')")
    shown = url.render_as_string(hide_password=True) if url is not None else _hide_password(str(value))
    if not from_files:  # the settings a test passes
        raise ConfigurationError(f"SQLALCHEMY_DATABASE_URI = {shown!r}: {reason}.")
    name, where = setting_origin("SQLALCHEMY_DATABASE_URI", app.instance_path)
    raise ConfigurationError(f"{name} = {shown!r} ({where}): {reason}.")


SITE_URL_EXAMPLE = "«https://bank.example.ru»"


def check_site_url(app: Flask, from_files: bool) -> None:
    """SITE_URL, the address mailed links start with, must be one: a scheme (http or https) and a host name, perhaps
    a port and a path; not a bare name, nor one with a query."""
    from urllib.parse import urlsplit

    from kb.routing import host_name_valid

    value = app.config.get("SITE_URL") or ""
    if not value.strip():
        return
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        parts = None
    if (parts is not None and parts.scheme.lower() in ("http", "https") and parts.hostname
            and host_name_valid(parts.hostname) and not parts.query and not parts.fragment and not parts.username):
        return
    reason = f"адрес сайта для ссылок в письмах должен быть вида {SITE_URL_EXAMPLE}"
    if not from_files:  # the settings a test passes
        raise ConfigurationError(f"SITE_URL = {value!r}: {reason}.")
    name, where = setting_origin("SITE_URL", app.instance_path)
    raise ConfigurationError(f"{name} = {value!r} ({where}): {reason}.")


def warn_of_mail_without_site_address(app: Flask) -> None:
    """A mail server without the site's address: «Забыли пароль?» is off, and the log of the start says what to
    set (`flask --app kb init` prints it in Russian)."""
    from kb.accounts.mail import NO_SITE_ADDRESS, mail_configured, site_address

    with app.app_context():
        if mail_configured() and site_address() is None:
            app.logger.warning(NO_SITE_ADDRESS)


def warn_of_database_locale(app: Flask) -> None:
    """A PostgreSQL database whose lower() leaves Cyrillic as it is (the C locale): the log of the start says so
    and what to do, in Russian, with the message `flask --app kb init` prints (one text for both). A database that
    does not answer yet is the requests' concern (503), not the start's."""
    from sqlalchemy.exc import SQLAlchemyError

    from kb.extensions import CYRILLIC_LOWER_MISSING, cyrillic_lower_missing, db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return
        try:
            with db.engine.connect() as connection:
                ctype = cyrillic_lower_missing(connection)
        except SQLAlchemyError:
            return
    if ctype is not None:
        app.logger.warning(CYRILLIC_LOWER_MISSING.format(ctype=ctype))


def _hide_password(url: str) -> str:
    """«scheme//user:secret@host» → «scheme//user:***@host»: a URL SQLAlchemy could not parse, shown in a message.
    The password ends at the last «@» before the query: one holding «@», «/» or «:» is hidden whole."""
    scheme, separator, rest = url.partition("//")  # «postgresql+psycopg//…» (a «:» missed) too
    head, mark, query = rest.partition("?")
    at = head.rfind("@")
    if not separator or at < 0:
        return url
    user, colon, _password = head[:at].partition(":")
    return f"{scheme}//{user}{':***' if colon else ''}{head[at:]}{mark}{query}"


# app.extensions: the instance folder is not there, and the command flask is looking up decides (kb/commands.py).
INSTANCE_MISSING = "kb_instance_missing"


def _starting(command: str | None) -> bool:
    """Whether `flask --app kb` builds the app to start ``command`` (the dev server's «run»), or, with None, to
    look up one of the app's own commands (or to list them): flask builds the app before it knows which."""
    from flask.cli import FlaskGroup

    context = click.get_current_context(silent=True)
    if context is None:
        return False
    if command is None:
        return context.parent is None and isinstance(context.command, FlaskGroup)
    return context.info_name == command and context.parent is not None and isinstance(context.parent.command,
                                                                                     FlaskGroup)


def _instance_origin() -> str:
    return "KB_INSTANCE" if os.environ.get("KB_INSTANCE") else "по умолчанию: KB_INSTANCE не задана"


def missing_instance(instance_path: str) -> ConfigurationError:
    """A mistyped KB_INSTANCE made a second, empty bank (a new SECRET_KEY, an empty database) for any command and
    for gunicorn; only `init`, `demo` and `run` make the folder now, the others stop with this."""
    if Path(instance_path).exists():
        return ConfigurationError(f"Папка экземпляра {instance_path} ({_instance_origin()}) — не "
                                  "папка, а файл: проверьте KB_INSTANCE.")
    return ConfigurationError(f"Папки экземпляра {instance_path} нет ({_instance_origin()}): проверьте "
                              "KB_INSTANCE или, если банк новый, выполните «flask --app kb init».")


def open_instance(app: Flask) -> None:
    """Make the instance folder and its config.py if they are not there, then read config.py and the
    environment."""
    ensure_instance(app.instance_path)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(environment_overrides())
    check_secret_key(app)
    app.extensions.pop(INSTANCE_MISSING, None)


# The placeholders of instance/config.example.py and of README's «Продакшен» (now and before): keys everyone who read
# the example knows. A test holds every SECRET_KEY the two show to this list.
EXAMPLE_SECRET_KEYS = frozenset({"change-me-to-a-long-random-string", "длинная-случайная-строка",
                                 "сюда-вывод-команды-token_hex"})
NEW_SECRET_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_secret_key(app: Flask) -> None:
    """An instance's config.py without SECRET_KEY (the first run writes a random one; an operator's own config.py
    may lack it) started silently, /healthz answered, and every form (sign-in too) was a 500: CSRF needs the key.
    A missing or empty key, or an example's (EXAMPLE_SECRET_KEYS), stops the start with a message naming where it
    is set. (The settings a test or a script passes to create_app are theirs: not checked.)"""
    value = app.config.get("SECRET_KEY")
    name, where = setting_origin("SECRET_KEY", app.instance_path)
    how = (f"Задайте в {name} длинную случайную строку (её даёт {NEW_SECRET_KEY}), одну для всех процессов банка."
           if name != "SECRET_KEY" else
           f"Впишите в config.py SECRET_KEY = '…' — длинную случайную строку (её даёт {NEW_SECRET_KEY}), одну для "
           "всех процессов банка, или задайте её переменной окружения KB_SECRET_KEY.")
    if not isinstance(value, str | bytes) or not value.strip():
        raise ConfigurationError(f"{name} не задан ({where}): без ключа не работает ни одна форма сайта (вход, "
                                 f"регистрация, правка практик отвечают ошибкой 500). {how}")
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    if text.strip() in EXAMPLE_SECRET_KEYS:
        raise ConfigurationError(f"{name} — пример из config.example.py или README ({where}): этот ключ знает каждый, "
                                 f"кто читал пример, и может подделать сеанс входа. {how}")


def ensure_instance(instance_path: str) -> None:
    """Create the instance folder and a config.py with a random secret key on first run."""
    from kb.errors import os_error_reason

    folder = Path(instance_path)
    config = folder / "config.py"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not config.exists():
            text = ("# Local settings of this instance (not committed). See config.example.py.\n"
                    f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
            # O_EXCL: of workers starting together on a new instance, one writes the key and all read it
            with contextlib.suppress(FileExistsError), open(config, "x", encoding="utf-8",
                                                            opener=private_opener) as file:
                file.write(text)
    except OSError as exc:  # a file in the path, no permission
        raise ConfigurationError(f"Не удаётся создать экземпляр в папке {folder} ({_instance_origin()}): "
                                 f"{os_error_reason(exc)}.") from None


def register_extensions(app: Flask) -> None:
    from kb import models, search  # noqa: F401  (every model registered before migrations look)
    from kb.accounts.services import load_user
    from kb.extensions import csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A pooled connection the server has dropped (a restart, a failover, an idle timeout) is found by a
        # ping when taken from the pool and replaced, instead of failing the request that gets it.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    limiter.init_app(app)
    _log_rate_limit_storage(limiter.logger)
    search.init_app(app)


def _log_rate_limit_storage(logger: logging.Logger) -> None:
    """Flask-Limiter says «Rate limit storage unreachable - falling back to in-memory storage» (Redis stopped) and
    «… recovered» to a logger with only a NullHandler, so the switch to per-process counters went unseen: write it
    where the bank's own warnings go (stderr, the service's journal)."""
    from flask.logging import default_handler

    if default_handler not in logger.handlers:
        logger.addHandler(default_handler)
        logger.setLevel(logging.INFO)


def register_blueprints(app: Flask) -> None:
    from kb.accounts.views import bp as accounts_bp
    from kb.adoption.views import bp as adoption_bp
    from kb.api.docs import bp as api_docs_bp
    from kb.api.views import bp as api_bp
    from kb.api.writes import bp as api_write_bp
    from kb.attachments.views import bp as attachments_bp
    from kb.bulkimport.views import bp as bulkimport_bp
    from kb.citations.views import bp as citations_bp
    from kb.collections.views import bp as collections_bp
    from kb.main.views import bp as main_bp
    from kb.oai.views import bp as oai_bp
    from kb.openweb.views import bp as openweb_bp
    from kb.practices.views import bp as practices_bp
    from kb.resolutions.views import bp as resolutions_bp
    from kb.search.views import bp as search_bp
    from kb.statistics.views import bp as statistics_bp
    from kb.vocabularies.admin import bp as vocabulary_admin_bp
    from kb.vocabularies.views import bp as browse_bp

    for blueprint in (main_bp, search_bp, practices_bp, resolutions_bp, browse_bp, api_bp, api_write_bp, api_docs_bp,
                      openweb_bp, accounts_bp,
                      citations_bp, collections_bp, adoption_bp, vocabulary_admin_bp, attachments_bp, statistics_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(oai_bp)
    app.register_blueprint(bulkimport_bp)


def register_errorhandlers(app: Flask) -> None:
    from kb.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from kb.commands import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from kb.templating import register

    register(app)


def register_proxy_and_hosts(app: Flask) -> None:
    """The visitor's address and scheme from the proxies in front (PROXY_COUNT), and the site's own names
    (SITE_HOSTS): a request for another host is refused before anything builds a link from it. The host check
    runs inside ProxyFix: it knows the scheme the visitor used (https behind nginx), whose default port a Host
    may name."""
    if app.config["SITE_HOSTS"]:
        from kb.routing import SiteHosts

        app.wsgi_app = SiteHosts(app.wsgi_app, app.config["SITE_HOSTS"])
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def register_security_headers(app: Flask) -> None:
    from flask import g, session
    from flask_login import current_user

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", app.config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # A page made for one session (a signed-in user's name and links, a form's CSRF token) is no shared cache's
        # to keep, whatever a proxy or CDN does with «Vary: Cookie»; a visitor without a session gets public pages.
        # Also when the view set its own Cache-Control without saying who may keep it (a file a session downloads,
        # perhaps of a draft: send_file's «no-cache, max-age=0»); «public» (the static files) stays.
        # A token's answer (the API: its owner's drafts, a private collection) is made for that token alike.
        if session or current_user.is_authenticated or g.get("api_user") is not None:
            control = response.cache_control
            if not (control.public or control.private or control.no_store):
                control.private = True
        return response
