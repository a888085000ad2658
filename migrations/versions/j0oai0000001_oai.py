"""OAI-PMH: deleted records

Revision ID: j0oai0000001
Revises: i9dup0000001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'j0oai0000001'
down_revision = 'i9dup0000001'
branch_labels = None
depends_on = None


def upgrade():
    # Published items deleted for good before this revision left no trace: there is nothing to fill in.
    op.create_table(
        'oai_tombstone',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('sets', sa.Text(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oai_tombstone')),
        sa.UniqueConstraint('kind', 'item_id', name=op.f('uq_oai_tombstone_kind')),
    )
    with op.batch_alter_table('oai_tombstone', schema=None) as batch_op:
        batch_op.create_index('ix_oai_tombstone_deleted_at', ['deleted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('oai_tombstone', schema=None) as batch_op:
        batch_op.drop_index('ix_oai_tombstone_deleted_at')
    op.drop_table('oai_tombstone')
