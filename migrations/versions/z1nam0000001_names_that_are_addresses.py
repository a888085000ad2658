"""Account names that are e-mail addresses are cleared: an account has no name rather than its address as one

`create-user` without --name stored the e-mail address as the account's name, and the name is shown to others: a
public collection's «составитель» (its page, the catalogue, the DOCX and PDF), a practice's history, the moderation
queue. /privacy promises that no visitor ever sees an e-mail address. Such accounts are now left without a name
(an empty string: the column is NOT NULL), shown by their role («Методист»; kb.accounts.models.User.display_name);
their owners see on their profile that the name is missing and give it on «Изменить профиль».

The rule is kb.accounts.models.is_address, copied here as it is today: a name that is an address at all (the
account's own or another), which create_user and the forms no longer accept either. A plain UPDATE of the "user"
rows, no table rebuild.

Revision ID: z1nam0000001
Revises: z1atx0000001
Create Date: 2026-12-07 12:00:00

"""
import logging
import re

import sqlalchemy as sa
from alembic import op

revision = 'z1nam0000001'
down_revision = 'z1atx0000001'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(sa.text('SELECT id, name FROM "user" WHERE name LIKE :at'), {"at": "%@%"})
    cleared = [{"id": user_id} for user_id, name in rows if _ADDRESS.fullmatch(name.strip())]
    if not cleared:
        return
    connection.execute(sa.text('UPDATE "user" SET name = \'\' WHERE id = :id'), cleared)
    log.info("Names that were e-mail addresses cleared: %d account(s), now shown by their role", len(cleared))


def downgrade():
    pass  # an address was never a name: nothing to put back
