"""Links between recommendations and practices

Revision ID: h8lnk0000001
Revises: g7imp0000001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'h8lnk0000001'
down_revision = 'g7imp0000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
