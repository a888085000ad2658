"""The municipalities a resolution names: resolution_municipality

The resolutions already stored have none until `flask --app kb detect-municipalities` reads their texts again (or a
methodist marks them on the resolution's edit page); the downgrade drops what was found or marked.

Revision ID: z7rmu0000001
Revises: z5exp0000001
Create Date: 2026-12-11 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z7rmu0000001'
down_revision = 'z5exp0000001'
branch_labels = None
depends_on = None


def upgrade():
    if 'resolution_municipality' in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        'resolution_municipality',
        sa.Column('resolution_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['resolution_id'], ['resolution.id'], ondelete='CASCADE',
                                name=op.f('fk_resolution_municipality_resolution_id_resolution')),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ondelete='CASCADE',
                                name=op.f('fk_resolution_municipality_municipality_id_municipality')),
        sa.PrimaryKeyConstraint('resolution_id', 'municipality_id', name=op.f('pk_resolution_municipality')),
    )
    op.create_index(op.f('ix_resolution_municipality_municipality_id'), 'resolution_municipality',
                    ['municipality_id'])


def downgrade():
    if 'resolution_municipality' not in sa.inspect(op.get_bind()).get_table_names():
        return
    op.drop_index(op.f('ix_resolution_municipality_municipality_id'), table_name='resolution_municipality')
    op.drop_table('resolution_municipality')
