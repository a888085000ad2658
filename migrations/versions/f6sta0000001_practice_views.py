"""Practice page views

Revision ID: f6sta0000001
Revises: e5sav0000001
Create Date: 2026-11-23 14:05:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'f6sta0000001'
down_revision = 'e5sav0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('views', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_column('views')
