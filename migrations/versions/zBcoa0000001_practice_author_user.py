"""Co-authors: an author line of a practice may be linked to a registered account (practice_author.user_id)

The owner of a practice (or a methodist or administrator who may edit it) invites the account of an e-mail to a line
(kb.practices.coauthors): practice_author.user_id with link_confirmed false. Once the co-author accepts
(link_confirmed true) she sees the practice in «Мои практики», its drafts too, gets its certificate and its adoption
notices. Nullable, no link for the lines stored before; a deleted account leaves the line unlinked (ON DELETE SET
NULL). practice_author has no AUTOINCREMENT to keep: SQLite rebuilds it for the foreign key as it is.

Revision ID: zBcoa0000001
Revises: zAman0000001
Create Date: 2026-12-14 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'zBcoa0000001'
down_revision = 'zAman0000001'
branch_labels = None
depends_on = None


def _columns() -> set[str]:
    return {column['name'] for column in sa.inspect(op.get_bind()).get_columns('practice_author')}


def upgrade():
    # run again on a database that has them (its revision stamped back): only what is missing is added
    columns = _columns()
    if 'user_id' not in columns:
        with op.batch_alter_table('practice_author', schema=None) as batch_op:
            batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_practice_author_user_id'), ['user_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_practice_author_user_id_user'), 'user', ['user_id'], ['id'],
                                        ondelete='SET NULL')
    if 'link_confirmed' not in columns:
        with op.batch_alter_table('practice_author', schema=None) as batch_op:
            batch_op.add_column(sa.Column('link_confirmed', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))


def downgrade():
    columns = _columns()
    if 'link_confirmed' in columns:
        with op.batch_alter_table('practice_author', schema=None) as batch_op:
            batch_op.drop_column('link_confirmed')
    if 'user_id' in columns:
        with op.batch_alter_table('practice_author', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('fk_practice_author_user_id_user'), type_='foreignkey')
            batch_op.drop_index(batch_op.f('ix_practice_author_user_id'))
            batch_op.drop_column('user_id')
