"""Resolutions: the checksum that tells a resolution already loaded ignores list markers

The same resolution uploaded as DOCX, PDF, RTF or DOC was saved again as a new one: each format writes a list's
markers its own way (the DOCX reader «1.» and «–», PDF and RTF «•», antiword none: a DOC's automatic numbers and
bullets are dropped; a typed text «1)» or «·»). kb.resolutions.services.text_checksum now also leaves out the list
markers at a line's start (bullets, «1.», «1)», «1.2.», «(1)», «а)», «IV.») and a dash or bullet standing alone in a
line; this migration computes the stored checksums the same way. Of two resolutions that now have the same checksum
(copies the old one let in), the first loaded takes it (a new upload of that text finds it); the later keeps a
checksum of its own and stays. The downgrade computes them as z2yoe0000001 did. A plain UPDATE of the changed rows.

Revision ID: zDimp0000001
Revises: zCcou0000001
Create Date: 2026-12-07 21:00:00

"""
import hashlib
import re

import sqlalchemy as sa
from alembic import op

revision = 'zDimp0000001'
down_revision = 'zCcou0000001'
branch_labels = None
depends_on = None

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_BULLETS = "-–—·•*▪■□◦○●‣⁃►➢✓✔\uf0b7\uf0a7\uf0a8\uf0d8\uf0fc\uf076\uf06e\uf071\uf075"
_LIST_MARKER = re.compile(
    "^[ \\t]*(?:(?:[" + _BULLETS + "]"
    r"|\(?\d{1,3}(?:\.\d{1,3})*[.)](?!\d)|\(?[а-яёa-z]\)|(?-i:[IVX]{1,4})[.)])[ \t]*)+",
    re.MULTILINE | re.IGNORECASE)
_LOOSE_DASH = re.compile(f"(?<!\\S)[{_BULLETS}](?!\\S)")


def _folded(text):
    return " ".join(text.split()).lower().replace("ё", "е")


def _markers_left_out(text):
    """As kb.resolutions.services.text_checksum computes it (a copy: a migration keeps what it did)."""
    unmarked = _LOOSE_DASH.sub("", _LIST_MARKER.sub("", _INVISIBLE.sub("", text or "")))
    return hashlib.sha256(_folded(unmarked).encode("utf-8")).hexdigest()


def _letters_folded(text):
    """The checksum before this migration (z2yoe0000001's): spacing, case and «ё» folded, the markers kept."""
    return hashlib.sha256(_folded(_INVISIBLE.sub("", text or "")).encode("utf-8")).hexdigest()


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
    _recompute(_markers_left_out)


def downgrade():
    _recompute(_letters_folded)
