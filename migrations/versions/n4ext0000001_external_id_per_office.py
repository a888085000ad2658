"""Bulk import: a registry's external ids are its office's own numbering

``practice.external_scope`` says whose numbering ``external_id`` is (a methodist's region or organisation; ""
for an administrator's loads and for every practice loaded before). The id is unique within its namespace, no
longer in the whole bank: two offices may both number their registries from 1.

Revision ID: n4ext0000001
Revises: m3out0000001
Create Date: 2026-12-05 16:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'n4ext0000001'
down_revision = 'm3out0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_scope', sa.String(length=520), server_default='', nullable=False))
        batch_op.drop_constraint('uq_practice_external_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_practice_external_scope'), ['external_scope', 'external_id'])


def downgrade():
    # Back to one numbering for the whole bank: where offices share an id, the ones loaded later lose it.
    op.execute(
        "UPDATE practice SET external_id = NULL WHERE external_id IS NOT NULL AND id > "
        "(SELECT MIN(other.id) FROM practice AS other WHERE other.external_id = practice.external_id)"
    )
    with op.batch_alter_table('practice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_practice_external_scope'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_practice_external_id'), ['external_id'])
        batch_op.drop_column('external_scope')
