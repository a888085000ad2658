"""Links between recommendations and practices

Revision ID: h8lnk0000001
Revises: g7imp0000001
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'h8lnk0000001'
down_revision = 'g7imp0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'recommendation_practice',
        sa.Column('recommendation_id', sa.Integer(), nullable=False),
        sa.Column('practice_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_recommendation_practice_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['practice_id'], ['practice.id'],
                                name=op.f('fk_recommendation_practice_practice_id_practice'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('recommendation_id', 'practice_id', name=op.f('pk_recommendation_practice')),
    )
    with op.batch_alter_table('recommendation_practice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_practice_practice_id'), ['practice_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recommendation_practice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_practice_practice_id'))
    op.drop_table('recommendation_practice')
