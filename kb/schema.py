"""The database schema through this version's Alembic migrations, run quietly by the bank's own commands."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app

from kb.extensions import db


def alembic_config() -> Config:
    """Flask-Migrate's configuration of the migrations, marked quiet: migrations/env.py then leaves logging alone,
    and Alembic's own log lines (English) stay with `flask db`."""
    state = current_app.extensions["migrate"]
    config = state.migrate.get_config(state.directory)
    config.attributes["quiet"] = True
    return config


def downgrade_schema(revision: str) -> None:
    """Back to an earlier revision (restoring an older version's archive); an error propagates."""
    command.downgrade(alembic_config(), revision)


class UnknownSchema(RuntimeError):
    """The database's schema revision is not one of this version's migrations (a newer version wrote it)."""


def migrate_schema() -> int:
    """The schema brought to this version's head through the migrations; returns how many were applied. Quiet:
    Alembic's own log lines (English) are left to `flask db`; the commands say what was done in Russian."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    with db.engine.connect() as connection:
        before = MigrationContext.configure(connection).get_current_heads()
    for revision in before:
        try:
            script.get_revision(revision)
        except CommandError as exc:
            raise UnknownSchema(UNKNOWN_SCHEMA.format(revision=revision)) from exc
    done = {each.revision for each in script.iterate_revisions(before, "base")} if before else set()
    pending = [each.revision for each in script.walk_revisions("base", "heads") if each.revision not in done]
    command.upgrade(config, "heads")
    return len(pending)


UNKNOWN_SCHEMA = ("Схема базы данных (ревизия {revision}) незнакома этой версии программы: похоже, базу обновила более "
                  "новая версия. Запустите ту версию или восстановите базу из архива (flask --app kb restore).")



SCHEMA_BEHIND = "Схема базы данных старее этой версии программы: выполните flask --app kb init."
# How long a process trusts what it last read of the database's revision (/healthz reads it each time).
SCHEMA_RECHECK_SECONDS = 5.0
_SCHEMA_CHECK = "kb_schema_check"  # app.extensions: (time.monotonic() of the reading, the revision behind or None)
_revisions: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # migrations folder -> (heads, all revisions)


def database_revisions(connection) -> frozenset[str]:
    """The revisions the database's schema is at (alembic_version; one, unless the migrations branch). A database
    without the table raises the database's error."""
    from sqlalchemy import text

    return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def database_revision(connection) -> str | None:
    """The revision the database's schema is at (what an archive records); None before any migration."""
    return min(database_revisions(connection), default=None)


def revisions_before(revision: str | None) -> frozenset[str]:
    """The migrations a schema at ``revision`` came through before it (none for None or an unknown revision)."""
    if not revision:
        return frozenset()
    script = ScriptDirectory.from_config(alembic_config())
    try:
        return frozenset(step.revision for step in script.walk_revisions("base", revision)) - {revision}
    except CommandError:  # a revision these migrations do not know (a newer version's)
        return frozenset()


def code_revisions() -> tuple[frozenset[str], frozenset[str]]:
    """This version's heads and all its revisions, read from the migrations once per process."""
    config = alembic_config()
    location = config.get_main_option("script_location") or ""
    if location not in _revisions:
        script = ScriptDirectory.from_config(config)
        _revisions[location] = (frozenset(script.get_heads()),
                                frozenset(each.revision for each in script.walk_revisions("base", "heads")))
    return _revisions[location]


def schema_behind(connection) -> str | None:
    """The database's revision when this version's migrations have not all run on it yet (the code updated,
    `init` not run), else None: at the head, a revision this version does not know (a newer version's: UNKNOWN_SCHEMA
    is the message of that), or no schema at all (no tables: the commands and pages say so themselves). One query."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from kb.extensions import missing_tables

    try:
        current = database_revisions(connection)
    except (OperationalError, ProgrammingError) as exc:
        if missing_tables(exc):
            return None
        raise
    heads, known = code_revisions()
    if not current or current == heads or not current <= known:
        return None
    return ", ".join(sorted(current))


def checked_schema_behind(max_age: float = SCHEMA_RECHECK_SECONDS) -> str | None:
    """``schema_behind`` as this process last read it, read again when older than ``max_age`` seconds (0: now)."""
    import time

    now = time.monotonic()
    checked = current_app.extensions.get(_SCHEMA_CHECK)
    if checked is not None and now - checked[0] < max_age:
        return checked[1]
    with db.engine.connect() as connection:
        behind = schema_behind(connection)
    current_app.extensions[_SCHEMA_CHECK] = (now, behind)
    return behind


def schema_behind_log(revision: str) -> str:
    """What the log says (in English, as the rest of it) of a schema behind the code."""
    heads = ", ".join(sorted(code_revisions()[0]))
    return (f"The database schema (revision {revision}) is older than this version of the code (revision {heads}): "
            "run flask --app kb init")
