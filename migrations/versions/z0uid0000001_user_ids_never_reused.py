"""Account ids that are never given again (SQLite)

Accounts can be deleted now (152-ФЗ). SQLite's plain INTEGER PRIMARY KEY gave the next account max(id) + 1, so
the newest account, deleted, handed its id to the next one registered: the audit log's rows about the deleted
person («Пользователь №2»: blocked, role changed, deleted) then read as the new person's, and the new account
inherited the rate-limit buckets counted per account (account:2, api-account:2). With AUTOINCREMENT SQLite never
gives an id twice, as PostgreSQL's sequences never do (nothing to change there).

The table is rebuilt with its rows, as o5ids0000001 and t1att0000001 rebuilt theirs (a batch rebuild with
sqlite_autoincrement; env.py turns foreign keys off for it, so the DROP of the old table touches no row that
refers to an account, and those rows' keys name "user" again after the rename). AUTOINCREMENT starts after the
highest id the table holds; an account deleted before this migration, if it was the newest, is still remembered by
the audit log (its events' actor and target) and perhaps by rows that still name it: the counter is moved past
those, as p6orf0000001 did for practices.

Revision ID: z0uid0000001
Revises: x0nfc0000001
Create Date: 2026-12-06 18:00:00

"""
import logging

from alembic import op
from sqlalchemy import text

revision = 'z0uid0000001'
down_revision = 'x0nfc0000001'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rebuild(autoincrement: bool) -> None:
    with op.batch_alter_table('user', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def _highest_given(connection) -> int:
    """The highest account id the database remembers: the accounts, the audit log's events by and about an
    account, and every column whose foreign key names an account."""
    given = ['SELECT max(id) FROM "user"', 'SELECT max(actor_id) FROM audit_event',
             "SELECT max(target_id) FROM audit_event WHERE target_type = 'user'"]
    tables = connection.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).scalars().all()
    for table in tables:
        for row in connection.execute(text(f"PRAGMA foreign_key_list({_quote(table)})")).mappings():
            if row['table'] == 'user':
                given.append(f"SELECT max({_quote(row['from'])}) FROM {_quote(table)}")
    return max((connection.execute(text(query)).scalar() or 0 for query in given), default=0)


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != 'sqlite':
        return
    _rebuild(True)
    highest = _highest_given(connection)
    counter = connection.execute(text("SELECT seq FROM sqlite_sequence WHERE name = 'user'")).scalar()
    if counter is None:
        if highest:
            connection.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('user', :seq)"), {'seq': highest})
    elif counter < highest:
        connection.execute(text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'user'"), {'seq': highest})
    if highest > (counter or 0):
        log.info("Ids of user continue after %d (the highest one ever given)", highest)


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    _rebuild(False)
