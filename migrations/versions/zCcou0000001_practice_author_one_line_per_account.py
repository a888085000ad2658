"""One account, one author line of a practice: a unique index on practice_author (practice_id, user_id)

The application checked it (kb.practices.coauthors.link), but two links made at once could both pass the check and
be stored. Lines linked to no account (user_id NULL) are not compared, in SQLite and PostgreSQL alike. Such
duplicates stored before are resolved first, so that the index can be built: an accepted line keeps its link before
an invitation (keeping the invitation made a co-author an invitee again), and of two alike the one with the lowest
id; the others are unlinked (user_id NULL, link_confirmed false; their names stay) — the
co-author can be linked to another line again on the page «Соавторы». A plain CREATE INDEX, not a batch operation,
which on SQLite would rebuild the table. Nothing to reindex.

Revision ID: zCcou0000001
Revises: zBcoa0000001
Create Date: 2026-12-07 16:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'zCcou0000001'
down_revision = 'zBcoa0000001'
branch_labels = None
depends_on = None

INDEX = 'uq_practice_author_user'


def _present() -> bool:
    return INDEX in {index['name'] for index in sa.inspect(op.get_bind()).get_indexes('practice_author')}


def _accepted(line):
    return sa.func.coalesce(line.c.link_confirmed, sa.false())


def upgrade():
    if _present():  # run again on a database that has it (its revision stamped back): nothing to do
        return
    line = sa.table('practice_author', sa.column('id', sa.Integer()), sa.column('practice_id', sa.Integer()),
                    sa.column('user_id', sa.Integer()), sa.column('link_confirmed', sa.Boolean()))
    other = line.alias('other')
    op.execute(line.update().where(
        line.c.user_id.is_not(None),
        sa.exists().where(other.c.practice_id == line.c.practice_id, other.c.user_id == line.c.user_id,
                          sa.or_(_accepted(other) > _accepted(line),  # true after false, in both databases
                                 sa.and_(_accepted(other) == _accepted(line), other.c.id < line.c.id))),
    ).values(user_id=None, link_confirmed=sa.false()))
    op.create_index(INDEX, 'practice_author', ['practice_id', 'user_id'], unique=True)


def downgrade():
    if _present():
        op.drop_index(INDEX, table_name='practice_author')
