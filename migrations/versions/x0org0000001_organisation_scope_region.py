"""An organisation scope tied to a region: a methodist of «МБОУ «СОШ № 1»» moderated that name in every region

Thousands of schools in different regions share a name; a methodist whose scope was an organisation opened, edited
and published the drafts of every same-named school of the country, and a registry he loaded numbered its
external ids with theirs (namespace «org:<name>»). The scope is now the organisation in one region
(user.scope_region_code with user.scope_organisation, kb.practices.policy.moderation_scope). This migration gives
such a methodist his own region as the scope's region (none: he moderates nothing until an administrator sets one;
`flask init` lists them), and moves a practice loaded in an organisation's numbering to «org:<region>:<name>»,
its own region's.

Revision ID: x0org0000001
Revises: x0pdn0000001
Create Date: 2026-12-10 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'x0org0000001'
down_revision = 'x0pdn0000001'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    connection.execute(sa.text(
        'UPDATE "user" SET scope_region_code = region_code WHERE role = \'methodist\' '
        'AND scope_organisation IS NOT NULL AND scope_region_code IS NULL AND region_code IS NOT NULL'))
    connection.execute(sa.text(
        "UPDATE practice SET external_scope = 'org:' || region_code || ':' || substr(external_scope, 5) "
        "WHERE external_scope LIKE 'org:%' AND region_code IS NOT NULL"))


def downgrade():
    connection = op.get_bind()
    # Before, a scope region came first: an organisation's methodist would moderate the whole region.
    connection.execute(sa.text('UPDATE "user" SET scope_region_code = NULL WHERE scope_organisation IS NOT NULL'))
    rows = connection.execute(sa.text(
        "SELECT id, external_scope, external_id FROM practice WHERE external_scope LIKE 'org:%'")).all()
    taken = {(scope, external_id) for _, scope, external_id in rows}
    for practice_id, scope, external_id in rows:
        region, colon, name = scope[len("org:"):].partition(":")
        old = f"org:{name}"
        if not colon or not region.startswith("RU-") or (old, external_id) in taken:
            continue  # two same-named schools' equal ids: the later keeps the per-region numbering
        taken.add((old, external_id))
        connection.execute(sa.text("UPDATE practice SET external_scope = :scope WHERE id = :id"),
                           {"scope": old, "id": practice_id})
