"""The most viewed practices from an index: the statistics' table no longer sorts every practice by its views

Revision ID: w0vie0000001
Revises: v0ord0000001
Create Date: 2026-12-09 10:00:00

"""
from alembic import op

revision = 'w0vie0000001'
down_revision = 'v0ord0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.create_index('ix_practice_views', ['views', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_views')
