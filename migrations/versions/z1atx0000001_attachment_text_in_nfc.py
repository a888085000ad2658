"""Attachments' extracted text in Unicode NFC

The text read from an uploaded file is stored in NFC since the files' text was composed on extraction
(kb.attachments.extract); the text of the files uploaded before was left as it was read: x0nfc0000001 composed
the practices' own texts, not their files' (a PDF's «й» is often «и» and a combining breve, its «ё» «е» and a
diaeresis). This migration composes the stored attachment text and puts each practice whose file text changed in
the index outbox, as x0nfc0000001 and any edit do.

The table may hold a hundred thousand files of up to two million characters each: the rows are read in id order,
their sizes first (BATCH at a time), then their texts in groups of at most TEXT_BUDGET characters (a longer text
alone), and each group's changes are written before the next is read.

Revision ID: z1atx0000001
Revises: z0uid0000001
Create Date: 2026-12-07 10:00:00

"""
import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = 'z1atx0000001'
down_revision = 'z0uid0000001'
branch_labels = None
depends_on = None

BATCH = 1000                # attachments whose sizes are read at a time
TEXT_BUDGET = 8_000_000     # characters (PostgreSQL: bytes) of text held at a time


def _size(connection) -> str:
    # PostgreSQL's octet_length reads a stored value's size without unpacking it; SQLite's length counts characters
    return "octet_length(text)" if connection.dialect.name == "postgresql" else "length(text)"


def _groups(connection):
    """Lists of the ids of the attachments with a text, in id order, whose texts hold at most TEXT_BUDGET
    characters together (or one text longer than that)."""
    sizes = sa.text(f"SELECT id, {_size(connection)} FROM attachment WHERE id > :last AND text <> '' "
                    f"ORDER BY id LIMIT {BATCH}")
    last = 0
    while True:
        rows = connection.execute(sizes, {"last": last}).fetchall()
        if not rows:
            return
        group, held = [], 0
        for attachment_id, size in rows:
            if group and held + (size or 0) > TEXT_BUDGET:
                yield group
                group, held = [], 0
            group.append(attachment_id)
            held += size or 0
        yield group
        last = rows[-1][0]


def upgrade():
    connection = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    texts = sa.text("SELECT id, practice_id, text FROM attachment WHERE id IN :ids ORDER BY id").bindparams(
        sa.bindparam("ids", expanding=True))
    queued = set()
    for group in _groups(connection):
        changes, outbox = [], []
        for attachment_id, practice_id, value in connection.execute(texts, {"ids": group}):
            if value is None or unicodedata.is_normalized("NFC", value):
                continue
            changes.append({"id": attachment_id, "text": unicodedata.normalize("NFC", value)})
            if practice_id not in queued:
                queued.add(practice_id)
                outbox.append({"doc_type": "practice", "doc_id": practice_id, "now": now})
        for change in changes:  # one at a time: a text may be two million characters
            connection.execute(sa.text("UPDATE attachment SET text = :text WHERE id = :id"), change)
        changes.clear()
        if outbox:
            connection.execute(sa.text("INSERT INTO index_outbox (doc_type, doc_id, created_at) "
                                       "VALUES (:doc_type, :doc_id, :now)"), outbox)


def downgrade():
    pass  # NFC is what the texts meant; nothing to undo
