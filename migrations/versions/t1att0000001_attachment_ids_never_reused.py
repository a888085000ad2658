"""Attachment ids that are never given again (SQLite)

A file's id is in its download link (/attachments/<id>/<name>). SQLite's plain INTEGER PRIMARY KEY gave the next
file max(id) + 1, so a deleted newest file handed its id to the next one uploaded, and the old link downloaded that
file of another practice. With AUTOINCREMENT SQLite never gives an id twice, as PostgreSQL's sequences never do
(nothing to change there). The table is rebuilt with its rows, as o5ids0000001 rebuilt the others.

Revision ID: t1att0000001
Revises: s9sqt0000001
Create Date: 2026-12-06 08:00:00

"""
from alembic import op

revision = 't1att0000001'
down_revision = 's9sqt0000001'
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    with op.batch_alter_table('attachment', recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
        pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
