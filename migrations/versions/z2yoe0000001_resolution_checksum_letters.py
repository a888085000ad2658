"""Resolutions: the checksum that tells a resolution already loaded ignores «ё»/«е» and letter case

The same resolution with «ё» written as «е» (a copy typed again; the Chelyabinsk seed mixes both) was not recognised
as the one loaded, and a second copy was created. kb.resolutions.services.text_checksum now hashes the text with
spacing folded (as since t0res0000001), in lower case and with «ё» as «е»; this migration computes the stored
checksums the same way. Of two resolutions that now have the same checksum (copies the old one let in), the first
loaded takes it (a new upload of that text finds it); the later keeps a checksum of its own and stays. The
downgrade computes them as t0res0000001 did. A plain UPDATE of the changed rows, no table rebuild.

Revision ID: z2yoe0000001
Revises: z1rsc0000001
Create Date: 2026-12-08 09:00:00

"""
import hashlib
import re

import sqlalchemy as sa
from alembic import op

revision = 'z2yoe0000001'
down_revision = 'z1rsc0000001'
branch_labels = None
depends_on = None

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def _spacing(text):
    return " ".join(_INVISIBLE.sub("", text or "").split())


def _letters_folded(text):
    """As kb.resolutions.services.text_checksum computes it (a copy: a migration keeps what it did)."""
    return hashlib.sha256(_spacing(text).lower().replace("ё", "е").encode("utf-8")).hexdigest()


def _spacing_folded(text):
    """The checksum before this migration (t0res0000001's): spacing folded, the letters as written."""
    return hashlib.sha256(_spacing(text).encode("utf-8")).hexdigest()


def _recompute(checksum):
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, full_text, checksum FROM resolution ORDER BY id")).all()
    wanted, taken = {}, set()
    for resolution_id, text, _current in rows:
        value = checksum(text)
        if value not in taken:
            wanted[resolution_id] = value
            taken.add(value)
    for resolution_id, text, current in rows:  # a later copy of the same text keeps a checksum of its own
        if resolution_id not in wanted:
            value = current if current not in taken else hashlib.sha256(f"{resolution_id}\n{text}".encode()).hexdigest()
            wanted[resolution_id] = value
            taken.add(value)
    changed = [{"id": resolution_id, "checksum": wanted[resolution_id]} for resolution_id, _text, current in rows
               if wanted[resolution_id] != current]
    if not changed:
        return
    # In two steps: a new value may be one another row holds until its own update (the column is unique).
    connection.execute(sa.text("UPDATE resolution SET checksum = :interim WHERE id = :id"),
                       [{"id": row["id"], "interim": f"interim-{row['id']}"} for row in changed])
    connection.execute(sa.text("UPDATE resolution SET checksum = :checksum WHERE id = :id"), changed)


def upgrade():
    _recompute(_letters_folded)


def downgrade():
    _recompute(_spacing_folded)
