"""The template section «Теоретическая база»: a practice's text column, empty in every practice stored before

The regional regulations' template of a practice description has it between «Цель и задачи» and «Технология
(содержание) опыта». A plain ADD COLUMN with an empty default (the existing rows get "" at once, on SQLite and
PostgreSQL alike), not a batch operation: on SQLite that rebuilds the table from its reflection, which knows
nothing of AUTOINCREMENT (o5ids0000001), so ids would be given again. Nothing to reindex: an empty section adds
nothing to a practice's index document.

Revision ID: z5thb0000001
Revises: z5adr0000001
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'z5thb0000001'
down_revision = 'z5adr0000001'
branch_labels = None
depends_on = None


def upgrade():
    # run again on a database that has it (its revision stamped back): nothing to add
    if 'theoretical_base' not in {column['name'] for column in sa.inspect(op.get_bind()).get_columns('practice')}:
        op.add_column('practice', sa.Column('theoretical_base', sa.Text(), server_default='', nullable=False))


def downgrade():
    op.execute("ALTER TABLE practice DROP COLUMN theoretical_base")  # SQLite 3.35+ and PostgreSQL alike
