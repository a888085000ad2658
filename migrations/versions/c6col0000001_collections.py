"""Collections, adoption reports and other tables for course designers

Revision ID: c6col0000001
Revises: a7api0000001
Create Date: 2026-11-23 13:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c6col0000001'
down_revision = 'a7api0000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('collection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_folded', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('visibility', sa.String(length=10), nullable=False),
    sa.Column('share_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['user.id'], name=op.f('fk_collection_owner_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection')),
    sa.UniqueConstraint('share_token', name=op.f('uq_collection_share_token'))
    )
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_title_folded'), ['title_folded'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_visibility'), ['visibility'], unique=False)

    op.create_table('collection_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('collection_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=20), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['collection_id'], ['collection.id'], name=op.f('fk_collection_item_collection_id_collection'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_item')),
    sa.UniqueConstraint('collection_id', 'item_type', 'item_id', name=op.f('uq_collection_item_collection_id'))
    )
    with op.batch_alter_table('collection_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_item_collection_id'), ['collection_id'], unique=False)

    op.create_table('practice_adoption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organisation', sa.String(length=500), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], name=op.f('fk_practice_adoption_practice_id_practice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['region.code'], name=op.f('fk_practice_adoption_region_code_region')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_practice_adoption_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_adoption'))
    )
    with op.batch_alter_table('practice_adoption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_adoption_practice_id'), ['practice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_adoption_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_adoption_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('practice_adoption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_adoption_user_id'))
        batch_op.drop_index(batch_op.f('ix_practice_adoption_region_code'))
        batch_op.drop_index(batch_op.f('ix_practice_adoption_practice_id'))

    op.drop_table('practice_adoption')
    with op.batch_alter_table('collection_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_item_collection_id'))

    op.drop_table('collection_item')
    with op.batch_alter_table('collection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_visibility'))
        batch_op.drop_index(batch_op.f('ix_collection_title_folded'))
        batch_op.drop_index(batch_op.f('ix_collection_owner_id'))

    op.drop_table('collection')
