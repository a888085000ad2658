"""Practice revision: an edit made from an old revision no longer writes over a newer one

``practice.revision`` is the number of the current content in the version history: 1 + the edits so far, so a
practice edited three times is at revision 4 and its versions 1–3 hold the contents before each edit.

Revision ID: q7rev0000001
Revises: p6orf0000001
Create Date: 2026-12-06 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'q7rev0000001'
down_revision = 'p6orf0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('practice', sa.Column('revision', sa.Integer(), server_default='1', nullable=False))
    op.execute("UPDATE practice SET revision = 1 + (SELECT MAX(v.number) FROM practice_version AS v "
               "WHERE v.practice_id = practice.id) "
               "WHERE EXISTS (SELECT 1 FROM practice_version AS v WHERE v.practice_id = practice.id)")


def downgrade():
    # Not a batch operation: on SQLite that rebuilds the table from its reflection, which knows nothing of
    # AUTOINCREMENT (o5ids0000001), so ids would be given again. SQLite drops a plain column itself (3.35+).
    op.execute("ALTER TABLE practice DROP COLUMN revision")
