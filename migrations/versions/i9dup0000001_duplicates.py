"""Near-duplicate detection

Revision ID: i9dup0000001
Revises: h8lnk0000001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'i9dup0000001'
down_revision = 'h8lnk0000001'
branch_labels = None
depends_on = None


def upgrade():
    # Derived data only: practices already stored get their rows the first time duplicates are looked for.
    op.create_table(
        'practice_fingerprint',
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('signature', sa.LargeBinary(), nullable=False),
        sa.Column('shingle_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id'],
                                name=op.f('fk_practice_fingerprint_practice_id_practice'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('practice_id', name=op.f('pk_practice_fingerprint')),
    )
    op.create_table(
        'practice_fingerprint_band',
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.Column('band', sa.SmallInteger(), nullable=False),
        sa.Column('bucket', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id'],
                                name=op.f('fk_practice_fingerprint_band_practice_id_practice'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('practice_id', 'band', name=op.f('pk_practice_fingerprint_band')),
    )
    with op.batch_alter_table('practice_fingerprint_band', schema=None) as batch_op:
        batch_op.create_index('ix_practice_fingerprint_band_bucket', ['bucket'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_fingerprint_band', schema=None) as batch_op:
        batch_op.drop_index('ix_practice_fingerprint_band_bucket')
    op.drop_table('practice_fingerprint_band')
    op.drop_table('practice_fingerprint')
