"""Practice lists in a database order: indexes that give each list its order without sorting the rows

The API's list and the home page's «Новые практики» (the most recently published first) and the moderation queue
(the least recently changed first, under its filters) read the ids of one page from these indexes, in order, and
then only that page's rows: without them SQLite sorted every practice of the status, each with its ten long
sections, for every page.

Revision ID: v0ord0000001
Revises: u0res0000001
Create Date: 2026-12-08 10:00:00

"""
from alembic import op

revision = 'v0ord0000001'
down_revision = 'u0res0000001'
branch_labels = None
depends_on = None

# The queue's filters (a region, a methodist's region or organisation, title words) are read from the index too:
# its order walked through the rows themselves read each one's ten long sections to reach region_code.
_QUEUE_ORDER = ['status', 'updated_at', 'id']
_QUEUE_FILTERS = ['region_code', 'title', 'organisation']


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.create_index('ix_practice_published_order', ['status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_practice_queue', [*_QUEUE_ORDER, *_QUEUE_FILTERS], unique=False)


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_queue')
        batch_op.drop_index('ix_practice_published_order')
