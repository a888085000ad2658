"""Texts in Unicode NFC: «й» and «ё» typed as «и»/«е» and a combining mark (macOS, a PDF's copy) stored as one letter

The forms, the API, the registry and the files' text now store every text in NFC (kb.textclean.composed); a text
stored before as it was sent was found by no search, came back decomposed and was not the same title to the
duplicate check. This migration makes the stored practices' texts (title, sections, organisation, event, authors),
the titles and descriptions of collections and the titles of resolutions NFC, a batch of rows at a time, and puts
the changed practices and resolutions in the index outbox, as any edit does.

Revision ID: x0nfc0000001
Revises: y0tit0000001
Create Date: 2026-12-06 16:30:00

"""
import unicodedata
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = 'x0nfc0000001'
down_revision = 'y0tit0000001'
branch_labels = None
depends_on = None

BATCH = 500
SECTIONS = ("annotation", "relevance", "leading_idea", "novelty", "goal_tasks", "technology", "results", "conditions",
            "target_audience", "labor_intensity", "replication", "literature")
# table, its text columns, the index document its change affects (None: not indexed)
TABLES = (
    ("practice", ("title", *SECTIONS, "organisation", "event"), "practice"),
    ("practice_author", ("name", "position"), None),
    ("collection", ("title", "description"), None),
    ("resolution", ("title",), "resolution"),
)


def _nfc(value):
    if value is None or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def _folded(title: str) -> str:
    """A collection's or a practice's title_folded (kb.vocabularies.data.fold at this revision; a practice's at
    most its column's 500 characters, as kb.practices.models.fold_title)."""
    return " ".join(title.lower().replace("ё", "е").split())


def _changed_rows(connection, table: str, columns: tuple[str, ...], extra: tuple[str, ...] = ()):
    """(id, {column: NFC value} of the columns that change, other columns) of the rows with a text not in NFC,
    reading BATCH rows at a time in the order of their ids."""
    last = 0
    names = ", ".join(f'"{column}"' for column in (*columns, *extra))
    statement = sa.text(f"SELECT id, {names} FROM {table} WHERE id > :last "
                        f"ORDER BY id LIMIT {BATCH}")
    while True:
        rows = connection.execute(statement, {"last": last}).fetchall()
        if not rows:
            return
        for row in rows:
            changes = {column: _nfc(value) for column, value in zip(columns, row[1:], strict=False)
                       if value is not None and _nfc(value) != value}
            if changes:
                yield row[0], changes, row[1 + len(columns):]
        last = rows[-1][0]


def upgrade():
    connection = op.get_bind()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    practices = set()
    for table, columns, doc_type in TABLES:
        extra = ("practice_id",) if table == "practice_author" else ()
        batch, outbox = [], []

        def flush():
            for row_id, changes in batch:
                assignments = ", ".join(f'"{column}" = :{column}' for column in changes)
                connection.execute(sa.text(f"UPDATE {table} SET {assignments} WHERE id = :id"),
                                   {**changes, "id": row_id})
            if outbox:
                connection.execute(sa.text("INSERT INTO index_outbox (doc_type, doc_id, created_at) "
                                           "VALUES (:doc_type, :doc_id, :now)"), outbox)
            batch.clear()
            outbox.clear()

        for row_id, changes, others in _changed_rows(connection, table, columns, extra):
            if table in ("collection", "practice") and "title" in changes:
                changes["title_folded"] = _folded(changes["title"])[:500 if table == "practice" else 300]
            batch.append((row_id, changes))
            practice_id = row_id if table == "practice" else (others[0] if table == "practice_author" else None)
            if practice_id is not None and practice_id not in practices:
                practices.add(practice_id)
                outbox.append({"doc_type": "practice", "doc_id": practice_id, "now": now})
            elif doc_type == "resolution":  # its recommendations' documents name it too
                outbox += [{"doc_type": kind, "doc_id": doc_id, "now": now} for kind, doc_id in (
                    ("resolution", row_id), *(("recommendation", rec_id) for rec_id in connection.execute(
                        sa.text("SELECT id FROM recommendation WHERE resolution_id = :id ORDER BY id"),
                        {"id": row_id}).scalars()))]
            if len(batch) >= BATCH:
                flush()
        flush()


def downgrade():
    pass  # NFC is what the texts meant; nothing to undo
