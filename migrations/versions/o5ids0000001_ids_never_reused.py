"""Ids that are never given again: practices, resolutions, recommendations and collections (SQLite)

Their ids are in permalinks, ГОСТ references, OAI-PMH identifiers and collection entries. SQLite's plain
INTEGER PRIMARY KEY gives the next row max(id) + 1, so deleting the newest practice handed its id to the next
one: a reference, a harvested record or a collection entry of the deleted practice then showed another. With
AUTOINCREMENT SQLite never gives an id twice, as PostgreSQL's sequences never do (nothing to change there).

The tables are rebuilt with their rows (SQLite cannot alter a key); an id given before this migration to a
row deleted since may still come back once, if it was the highest.

Revision ID: o5ids0000001
Revises: n4ext0000001
Create Date: 2026-12-05 20:20:00

"""
from alembic import op

revision = 'o5ids0000001'
down_revision = 'n4ext0000001'
branch_labels = None
depends_on = None

TABLES = ('practice', 'resolution', 'recommendation', 'collection')


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, recreate='always', table_kwargs={'sqlite_autoincrement': autoincrement}):
            pass


def upgrade():
    _rebuild(True)


def downgrade():
    _rebuild(False)
