"""Stored files: the row an upload and a deletion of the same bytes both lock

Revision ID: l2fil0000001
Revises: k1res0000001
Create Date: 2026-12-05 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'l2fil0000001'
down_revision = 'k1res0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_file',
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stored_file')),
    )
    op.execute("INSERT INTO stored_file (sha256) SELECT DISTINCT sha256 FROM attachment")


def downgrade():
    op.drop_table('stored_file')
