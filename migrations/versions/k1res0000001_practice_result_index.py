"""Search results: the index a result's practice row is read from

Revision ID: k1res0000001
Revises: j0oai0000001
Create Date: 2026-12-04 10:00:00

"""
from alembic import op

revision = 'k1res0000001'
down_revision = 'j0oai0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.create_index(
            'ix_practice_result', ['status', 'id', 'title', 'region_code', 'year', 'organisation'], unique=False,
        )


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_result')
