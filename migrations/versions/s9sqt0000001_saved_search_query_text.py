"""Saved searches: the query string is text of any length

A saved search keeps its URL-encoded query string, where a Cyrillic letter takes six characters: a query of
about 380 letters (the search takes up to 1000) did not fit VARCHAR(2000), and PostgreSQL refused the row (a 500
on «Сохранить поиск»).

Revision ID: s9sqt0000001
Revises: r8org0000001
Create Date: 2026-12-06 02:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 's9sqt0000001'
down_revision = 'r8org0000001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('saved_search') as batch:
        batch.alter_column('query', existing_type=sa.String(length=2000), type_=sa.Text(), existing_nullable=False)


def downgrade():
    # A query string longer than the old column is cut: such a saved search then opens a shorter search.
    op.execute("UPDATE saved_search SET query = substr(query, 1, 2000) WHERE length(query) > 2000")
    with op.batch_alter_table('saved_search') as batch:
        batch.alter_column('query', existing_type=sa.Text(), type_=sa.String(length=2000), existing_nullable=False)
