"""OAI tombstones: a resolution's tombstone keeps the ids of its recommendations

After a published resolution was deleted its page answered 410 Gone, but the permalinks of its recommendations
(/recommendations/<id>) answered 404: nothing said they had been. The tombstone a resolution leaves (deleted, or
taken back to a draft) now keeps its recommendations' ids (" 19 20 21 "), and their permalinks answer 410 once it
is deleted. Tombstones left before this migration have none (an empty string): their recommendations stay 404.

Revision ID: z2rct0000001
Revises: z2yoe0000001
Create Date: 2026-12-08 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z2rct0000001'
down_revision = 'z2yoe0000001'
branch_labels = None
depends_on = None


def _has_column():
    return 'recommendation_ids' in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('oai_tombstone')}


def upgrade():
    if _has_column():  # run again over a schema that has it
        return
    with op.batch_alter_table('oai_tombstone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendation_ids', sa.Text(), nullable=False, server_default=''))


def downgrade():
    if not _has_column():
        return
    with op.batch_alter_table('oai_tombstone', schema=None) as batch_op:
        batch_op.drop_column('recommendation_ids')
