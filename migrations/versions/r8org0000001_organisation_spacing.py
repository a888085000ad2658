"""Organisation names with their spacing folded: «МБОУ  СОШ № 7» (two spaces, a tab, a no-break space) as «МБОУ СОШ № 7»

A methodist whose scope is an organisation may open such a practice (kb.practices.policy.organisation_key folds the
spacing), but the moderation queue and the statistics compare names in SQL and missed it. The edits and the bulk
import now store the folded form; this migration folds what is stored, and puts the changed practices in the index
outbox, as any edit does.

Revision ID: r8org0000001
Revises: q7rev0000001
Create Date: 2026-12-06 00:30:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = 'r8org0000001'
down_revision = 'q7rev0000001'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, organisation FROM practice WHERE organisation <> ''"))
    changed = [{"id": pid, "organisation": " ".join(name.split())} for pid, name in rows
               if name is not None and " ".join(name.split()) != name]
    if not changed:
        return
    connection.execute(sa.text("UPDATE practice SET organisation = :organisation WHERE id = :id"), changed)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    connection.execute(sa.text("INSERT INTO index_outbox (doc_type, doc_id, created_at) "
                               "VALUES ('practice', :id, :now)"), [{"id": row["id"], "now": now} for row in changed])


def downgrade():
    pass  # the folded spacing is what the names meant; nothing to undo
