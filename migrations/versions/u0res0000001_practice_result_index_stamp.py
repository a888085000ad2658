"""Search results: the index a result's practice row is read from holds updated_at too

A search result shows the index's snippet only if the index's copy of the practice is its current state: the
copy's stamp (``updated_at`` when it was indexed) is compared with ``practice.updated_at``, read with the rest of the
result's row from this index alone (SQLite would read the row's ten long sections to reach a column it lacks).

Revision ID: u0res0000001
Revises: t0res0000001
Create Date: 2026-12-07 10:00:00

"""
from alembic import op

revision = 'u0res0000001'
down_revision = 't0res0000001'
branch_labels = None
depends_on = None

_BEFORE = ['status', 'id', 'title', 'region_code', 'year', 'organisation']


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_result')
        batch_op.create_index('ix_practice_result', [*_BEFORE, 'updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_result')
        batch_op.create_index('ix_practice_result', _BEFORE, unique=False)
