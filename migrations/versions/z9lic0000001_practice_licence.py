"""The terms of reuse of a practice: practice.licence, a code of kb.vocabularies.data.LICENCES

The practices stored before get the instance's DEFAULT_LICENCE («all_rights» unless instance/config.py says
otherwise). A plain ADD COLUMN with a default, then an UPDATE where the instance's default is another: not a batch
operation, which on SQLite rebuilds the table without its AUTOINCREMENT (o5ids0000001). Nothing to reindex: the
licence is not searched.

Revision ID: z9lic0000001
Revises: z8rtp0000001
Create Date: 2026-12-13 10:00:00

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = 'z9lic0000001'
down_revision = 'z8rtp0000001'
branch_labels = None
depends_on = None


def upgrade():
    # run again on a database that has it (its revision stamped back): nothing to add
    if 'licence' in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('practice')}:
        return
    op.add_column('practice', sa.Column('licence', sa.String(length=20), server_default='all_rights',
                                        nullable=False))
    default = current_app.config.get('DEFAULT_LICENCE') or 'all_rights'
    if default != 'all_rights':
        op.execute(sa.text("UPDATE practice SET licence = :licence").bindparams(licence=default))


def downgrade():
    if 'licence' in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('practice')}:
        op.execute("ALTER TABLE practice DROP COLUMN licence")  # SQLite 3.35+ and PostgreSQL alike
