"""Flask extensions, created unbound and initialised in create_app."""

import contextlib
import os
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Connection, CursorResult, MetaData, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()


class BankLoginManager(LoginManager):
    """Flask-Login's, without its «remember me» cookie, which the bank never sets (a session ends with the
    browser): one sent anyway was still read, and a non-ASCII byte in it made ``hmac.compare_digest`` raise, a
    500 on every page, the error page included."""

    def _load_user_from_remember_cookie(self, cookie):
        return None

    def unauthorized(self):
        """A form sent after the session ended gives its text back, or leads back to its page; a page's JSON read
        by a script is a 401 it can read, not the login page (kb.errors)."""
        from kb.errors import post_without_session, signed_out_json

        return signed_out_json() or post_without_session() or super().unauthorized()


login_manager = BankLoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Войдите, чтобы продолжить."
login_manager.login_message_category = "info"

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def upsert(connection: Connection, model: type, values: dict, key: str | tuple[str, ...]) -> CursorResult:
    """INSERT … ON CONFLICT (key) DO UPDATE with the other values (or the key itself when there are none: only
    an update, never DO NOTHING, locks a row that is already there) — on SQLite and PostgreSQL alike. ``key``: a
    unique column, or the columns of a unique constraint."""
    keys = (key,) if isinstance(key, str) else key
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite_dialect
    statement = dialect.insert(model).values(**values)
    updates = ({name: statement.excluded[name] for name in values if name not in keys}
               or {name: statement.excluded[name] for name in keys})
    return connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates))


def missing_tables(exc: Exception) -> bool:
    """Whether a database error says a table is not there: PostgreSQL's undefined_table (42P01, a
    ProgrammingError), SQLite's «no such table» (an OperationalError)."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "42P01" or str(orig or exc).startswith("no such table")


def missing_schema(exc: Exception) -> bool:
    """Whether a database error says a table or a column is not there (a schema behind the code, or none):
    PostgreSQL's undefined_table (42P01) and undefined_column (42703), SQLite's «no such table», «no such column»
    and «table … has no column named …»."""
    orig = getattr(exc, "orig", None)
    message = str(orig or exc)
    return (missing_tables(exc) or getattr(orig, "sqlstate", None) == "42703" or message.startswith("no such column")
            or " has no column named " in message)


def cyrillic_lower_missing(connection: Connection) -> str | None:
    """A PostgreSQL database's LC_CTYPE when its lower() leaves Cyrillic as it is (one created with the C locale:
    `createdb --locale=C`, or on a cluster made with it), else None. The bank lowercases the other side in Python,
    so there every case-insensitive match of Russian text fails without an error (an organisation methodist's
    queue, the queue's title filter, duplicate titles, the users' search). SQLite gets a Python lower() below."""
    if connection.dialect.name != "postgresql" or connection.execute(text("SELECT lower('Ё') = 'ё'")).scalar():
        return None
    return connection.execute(text(
        "SELECT datctype FROM pg_database WHERE datname = current_database()")).scalar() or "?"


# What `init` prints and the log of the start says (kb.warn_of_database_locale), in Russian as both are read.
CYRILLIC_LOWER_MISSING = (
    "База данных PostgreSQL создана с локалью {ctype} (LC_CTYPE), и её lower() не делает русские буквы строчными: "
    "сравнения без учёта регистра не находят русских слов — очередь методиста организации пуста, фильтр очереди по "
    "названию, проверка одинаковых названий и поиск пользователей ничего не находят. Создайте базу в UTF-8 с "
    "локалью C.UTF-8 или ru_RU.UTF-8 (createdb -E UTF8 --locale=C.UTF-8 -T template0 -O kb kb) и перенесите в неё "
    "банк: backup, затем в новой базе init и restore (README, «Продакшен»).")


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


@event.listens_for(Engine, "do_connect")
def _sqlite_file_private(dialect, connection_record, cargs, cparams) -> None:
    """A SQLite database the bank creates (the first connection to a file that is not there yet) is its owner's
    only, as config.py is: it holds the password hashes. SQLite gives its -wal and -shm files the same mode; a
    database file that exists keeps its own."""
    from kb.config import PRIVATE_FILE

    if dialect.name != "sqlite" or not cargs or cparams.get("uri"):
        return
    filename = str(cargs[0])
    if filename in ("", ":memory:") or filename.startswith("file:"):
        return
    with contextlib.suppress(OSError):  # there already, or no folder for it: SQLite says so itself
        os.close(os.open(filename, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


@event.listens_for(Engine, "connect")
def _sqlite_unicode_lower(dbapi_connection, connection_record) -> None:
    """SQLite's own lower() folds ASCII only; Cyrillic names must compare case-insensitively, as in PostgreSQL.

    And write-ahead logging: in SQLite's default journal mode a reader blocks every writer, so a long
    read (a full reindex reads every practice) made page views and submissions fail with "database is
    locked" after the busy timeout. With WAL, readers and the one writer no longer wait for each other
    (commits still sync to disk: synchronous stays FULL, a submission is never lost to a power cut).

    And foreign keys, which SQLite checks only when asked on each connection: without them a deleted practice
    left its adoption reports and fingerprints behind (PostgreSQL deletes them, ON DELETE CASCADE). The
    migrations turn them off while they run (migrations/env.py): rebuilding a table drops it."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
