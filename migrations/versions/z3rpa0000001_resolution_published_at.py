"""When a resolution was published: the «новые материалы» feed and the search's «entered» order read it

A resolution saved as a draft and published later was dated by its import (created_at) and so never reached the
feed, which shows the newest FEED_LENGTH materials. The published ones get their created_at: the time they entered
the index until now, so every document's «entered» stays what the index holds (no rebuild, nothing stale). The
drafts get NULL, set when they are published.

A plain ADD COLUMN and UPDATE, not batch operations: on SQLite those rebuild the table from its reflection, which
knows nothing of AUTOINCREMENT (o5ids0000001), so ids would be given again.

Revision ID: z3rpa0000001
Revises: z2rct0000001
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z3rpa0000001'
down_revision = 'z2rct0000001'
branch_labels = None
depends_on = None


def upgrade():
    # run again on a database that has it (its revision stamped back): nothing to add, nothing to change
    if 'published_at' not in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('resolution')}:
        op.add_column('resolution', sa.Column('published_at', sa.DateTime(), nullable=True))
    # not updated_at: OAI-PMH datestamps and sitemap dates stay as they are
    op.execute("UPDATE resolution SET published_at = created_at WHERE status = 'published' AND published_at IS NULL")


def downgrade():
    op.execute("ALTER TABLE resolution DROP COLUMN published_at")  # SQLite 3.35+ and PostgreSQL alike
