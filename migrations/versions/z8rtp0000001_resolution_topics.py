"""The topics a resolution discusses: resolution_topic

The resolutions already stored have none of their own (they are still found under their recommendations' topics)
until `flask --app kb detect-topics` reads their texts again (or a methodist marks them on the resolution's edit
page); the downgrade drops what was found or marked.

Revision ID: z8rtp0000001
Revises: z7rmu0000001
Create Date: 2026-12-12 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z8rtp0000001'
down_revision = 'z7rmu0000001'
branch_labels = None
depends_on = None


def upgrade():
    if 'resolution_topic' in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        'resolution_topic',
        sa.Column('resolution_id', sa.Integer(), nullable=False),
        sa.Column('topic_code', sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(['resolution_id'], ['resolution.id'], ondelete='CASCADE',
                                name=op.f('fk_resolution_topic_resolution_id_resolution')),
        sa.ForeignKeyConstraint(['topic_code'], ['topic.code'], name=op.f('fk_resolution_topic_topic_code_topic')),
        sa.PrimaryKeyConstraint('resolution_id', 'topic_code', name=op.f('pk_resolution_topic')),
    )
    op.create_index(op.f('ix_resolution_topic_topic_code'), 'resolution_topic', ['topic_code'])


def downgrade():
    if 'resolution_topic' not in sa.inspect(op.get_bind()).get_table_names():
        return
    op.drop_index(op.f('ix_resolution_topic_topic_code'), table_name='resolution_topic')
    op.drop_table('resolution_topic')
