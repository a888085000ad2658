"""Outbox retention: the positions of the index copies, and the runs of prune-outbox

Revision ID: m3out0000001
Revises: l2fil0000001
Create Date: 2026-12-05 11:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'm3out0000001'
down_revision = 'l2fil0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'index_replica',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('reported_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_index_replica')),
    )
    op.create_table(
        'index_outbox_pruning',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('through_id', sa.Integer(), nullable=False),
        sa.Column('older_than', sa.DateTime(), nullable=False),
        sa.Column('deleted', sa.Integer(), nullable=False),
        sa.Column('pruned_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_index_outbox_pruning')),
    )


def downgrade():
    op.drop_table('index_outbox_pruning')
    op.drop_table('index_replica')
