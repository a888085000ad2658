"""Resolutions remember who imported them: write access to a resolution follows its regions and its importer

Any methodist could edit, unpublish and delete every resolution of the bank. Now an administrator may, the methodist
who imported it, and methodists whose moderation region is among its regions (kb.resolutions.services
.can_manage_resolution). The importer of a resolution already saved is taken from the audit log, its first
«resolution_imported» event (the web import wrote one; the API and the command did not: those stay without one).

Revision ID: z1rsc0000001
Revises: z1nam0000001
Create Date: 2026-12-08 12:00:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = 'z1rsc0000001'
down_revision = 'z1nam0000001'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    # run again on a schema that has the column (its revision set back by hand): only the missing importers
    if 'imported_by_id' not in {column['name'] for column in sa.inspect(connection).get_columns('resolution')}:
        # SQLite rebuilds the table for the foreign key: it keeps AUTOINCREMENT only when told (o5ids0000001)
        with op.batch_alter_table('resolution', schema=None,
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            batch_op.add_column(sa.Column('imported_by_id', sa.Integer(), nullable=True))
            batch_op.create_index(batch_op.f('ix_resolution_imported_by_id'), ['imported_by_id'], unique=False)
            batch_op.create_foreign_key(batch_op.f('fk_resolution_imported_by_id_user'), 'user', ['imported_by_id'],
                                        ['id'], ondelete='SET NULL')
    events = connection.execute(sa.text(
        "SELECT target_id, actor_id, details FROM audit_event WHERE action = 'resolution_imported' "
        "AND target_type = 'resolution' AND actor_id IS NOT NULL ORDER BY id"))
    importers: dict[int, int] = {}
    for resolution_id, actor_id, details in events:
        if isinstance(details, str):
            details = json.loads(details or "{}")
        if isinstance(details, dict) and details.get("created") and resolution_id is not None:
            importers.setdefault(resolution_id, actor_id)  # the import that made it, not a later one of the same text
    existing = set(connection.scalars(sa.text("SELECT id FROM resolution WHERE imported_by_id IS NULL")))
    rows = [{"id": rid, "user": uid} for rid, uid in importers.items() if rid in existing]
    if rows:
        connection.execute(sa.text("UPDATE resolution SET imported_by_id = :user WHERE id = :id"), rows)


def downgrade():
    with op.batch_alter_table('resolution', schema=None, table_kwargs={'sqlite_autoincrement': True}) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_resolution_imported_by_id_user'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_resolution_imported_by_id'))
        batch_op.drop_column('imported_by_id')
