"""Bulk import of practices: external ids

Nothing to change: ``practice.external_id`` (nullable, String(100)) and its constraint
``uq_practice_external_id`` (unique in the whole bank) come with the initial schema (adc4cf3807a1);
bulk import matches registry rows to practices by it.

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
