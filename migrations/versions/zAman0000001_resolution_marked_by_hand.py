"""Whether a resolution's municipalities and its topics were marked by hand: resolution.municipalities_by_hand,
resolution.topics_by_hand

A methodist's corrections in the import preview and on the edit page set them; `detect-municipalities --all` and
`detect-topics --all` leave such a resolution as it is unless told `--including-hand-marked`. The resolutions stored
before have false in both (what was marked by hand before is not known): a re-detection with `--all` still replaces
their values, as it did. Plain ADD COLUMNs with a default, not a batch operation, which on SQLite rebuilds the table
without its AUTOINCREMENT (o5ids0000001). Nothing to reindex.

Revision ID: zAman0000001
Revises: z9lic0000001
Create Date: 2026-12-14 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'zAman0000001'
down_revision = 'z9lic0000001'
branch_labels = None
depends_on = None

COLUMNS = ('municipalities_by_hand', 'topics_by_hand')


def _present() -> set[str]:
    return {column['name'] for column in sa.inspect(op.get_bind()).get_columns('resolution')}


def upgrade():
    present = _present()  # run again on a database that has them (its revision stamped back): nothing to add
    for name in COLUMNS:
        if name not in present:
            op.add_column('resolution', sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    present = _present()
    for name in COLUMNS:
        if name in present:
            op.execute(f"ALTER TABLE resolution DROP COLUMN {name}")  # SQLite 3.35+ and PostgreSQL alike
