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

