"""Bulk import of practices: external ids

Revision ID: g7imp0000001
Revises: f6sta0000001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'g7imp0000001'
down_revision = 'f6sta0000001'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
