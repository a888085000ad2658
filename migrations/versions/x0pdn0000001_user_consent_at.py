"""The time a user gave consent to the processing of personal data on the registration form (152-ФЗ)

Revision ID: x0pdn0000001
Revises: w0vie0000001
Create Date: 2026-12-06 16:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'x0pdn0000001'
down_revision = 'w0vie0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('consent_at')
