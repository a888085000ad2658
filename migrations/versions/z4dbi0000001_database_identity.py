"""The database's own mark: an index copy built on another database is rebuilt, not followed

A new empty database under an instance's old index (a fresh start, config.py pointed at another database) left
the index and its position in the old database's change log: the new database's log began at 1 again, and its
changes up to that position were never applied. The index's state now keeps this random mark of the database it
follows (kb.search.models.DatabaseIdentity). Going back to an earlier revision keeps
the table; going to none (base) drops it.

Revision ID: z4dbi0000001
Revises: z3rpa0000001
Create Date: 2026-12-09 10:00:00

"""
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'z4dbi0000001'
down_revision = 'z3rpa0000001'
branch_labels = None
depends_on = None


def upgrade():
    if 'database_identity' in sa.inspect(op.get_bind()).get_table_names():  # run again over a schema that has it
        return
    table = op.create_table(
        'database_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_database_identity')),
    )
    op.bulk_insert(table, [{'id': 1, 'token': secrets.token_hex(16),
                            'created_at': datetime.now(UTC).replace(tzinfo=None)}])


def downgrade():
    """The mark stays unless the schema goes altogether (`db downgrade base`): it is the database's, not this
    version's. Dropped, the upgrade after it (`db downgrade` and `db upgrade`, restoring an older version's archive)
    would make a new one, and every index copy of this very database would be taken for another's and rebuilt."""
    environment = getattr(op.get_context(), 'environment_context', None)
    destination = environment.get_revision_argument() if environment is not None else None
    if destination in ('base', None) and 'database_identity' in sa.inspect(op.get_bind()).get_table_names():
        op.drop_table('database_identity')
