"""An organisation scope tied to a region: a methodist of «МБОУ «СОШ № 1»» moderated that name in every region

Thousands of schools in different regions share a name; a methodist whose scope was an organisation opened, edited
and published the drafts of every same-named school of the country, and a registry he loaded numbered its
external ids with theirs (namespace «org:<name>»). The scope is now the organisation in one region
(user.scope_region_code with user.scope_organisation, kb.practices.policy.moderation_scope). This migration gives
such a methodist his own region as the scope's region (none: he moderates nothing until an administrator sets one;
`flask init` lists them), and moves a practice loaded in an organisation's numbering to «org:<region>:<name>»,
its own region's. Such a practice without a region (the import gave an organisation's methodist no region of his
own, so a registry without a «Регион» column loaded rows with none) takes the region of the organisation's
methodist when that is one region (the methodists of that name have one scope region between them, none without);
otherwise it stays as it was, and `flask init` lists it.

Revision ID: x0org0000001
Revises: x0pdn0000001
Create Date: 2026-12-10 10:00:00

"""
from datetime import datetime, timezone

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
    _place_practices_without_region(connection)
    connection.execute(sa.text(
        "UPDATE practice SET external_scope = 'org:' || region_code || ':' || substr(external_scope, 5) "
        "WHERE external_scope LIKE 'org:%' AND region_code IS NOT NULL"))


def _fold(name):
    """An organisation's name as scopes compare it (kb.practices.policy.organisation_key when this was written)."""
    return " ".join((name or "").lower().replace("ё", "е").split())


def _place_practices_without_region(connection):
    """A practice in an organisation's numbering without a region takes the scope region of that organisation's
    methodist (the one this migration has just given him) when there is one such region and no methodist of that
    name lacks one; the index learns the new region through the outbox, as after any edit."""
    regions = {}  # folded organisation -> the scope regions of its methodists (None: one without)
    for organisation, region in connection.execute(sa.text(
            'SELECT scope_organisation, scope_region_code FROM "user" '
            "WHERE role = 'methodist' AND scope_organisation IS NOT NULL")):
        regions.setdefault(_fold(organisation), set()).add(region)
    placed = []
    for practice_id, scope in connection.execute(sa.text(
            "SELECT id, external_scope FROM practice WHERE external_scope LIKE 'org:%' AND region_code IS NULL")):
        found = regions.get(_fold(scope[len("org:"):]), set())
        if len(found) == 1 and None not in found:
            placed.append({"id": practice_id, "region": next(iter(found))})
    if not placed:
        return
    connection.execute(sa.text("UPDATE practice SET region_code = :region WHERE id = :id"), placed)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    connection.execute(sa.text("INSERT INTO index_outbox (doc_type, doc_id, created_at) VALUES ('practice', :id, :now)"),
                       [{"id": row["id"], "now": now} for row in placed])


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
