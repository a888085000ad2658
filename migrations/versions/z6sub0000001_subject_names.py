"""Subject names of ФОП and ФГОС: «Труд (технология)», and «Литературное чтение» a subject of its own

Since 1 September 2024 (приказ Минпросвещения № 171 от 19.03.2024) the subject the bank called «Технология (Труд)»
is «Труд (технология)»: renamed, its code ``technology`` kept, so every practice, link and filter keeps it.
«Литературное чтение», the primary school's subject (ФГОС НОО), was only another name of «Литература» a registry
could use: it is now an entry of its own, after «Литература»; the practices tagged «Литература» stay so.

The vocabulary is loaded from kb.vocabularies.data by `init` after the migrations, but a restore of an older
archive runs the migrations alone: the names are changed here too. A new database has no subjects yet: nothing
to change (the loading adds them all). The practices the public sees with the renamed subject (published and
archived: OAI-PMH dc:subject, JSON-LD) get a new updated_at, so that a harvester's incremental request gets the
new name, and the index is told (its copy of a practice carries updated_at as the stamp of its snippets), as
kb.vocabularies.services.touch_topic_items does after a topic's rename.

Going back moves the practices of «Литературное чтение» to «Литература» (the older version has no such subject)
and gives «Технология (Труд)» its earlier name.

Revision ID: z6sub0000001
Revises: z5thb0000001
Create Date: 2026-12-10 11:00:00

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = 'z6sub0000001'
down_revision = 'z5thb0000001'
branch_labels = None
depends_on = None

OLD_TECHNOLOGY, NEW_TECHNOLOGY = 'Технология (Труд)', 'Труд (технология)'
READING, READING_NAME, AFTER = 'literary_reading', 'Литературное чтение', 'literature'
PUBLIC = "('published', 'archived')"  # kb.oai.records.PRACTICE_STATUSES


def _subjects() -> dict[str, tuple[str, int]]:
    rows = op.get_bind().execute(sa.text("SELECT code, name, sort_order FROM subject"))
    return {code: (name, order) for code, name, order in rows}


def _touch(code: str) -> None:
    """The public practices tagged ``code``: a new updated_at, and an outbox row each for the index."""
    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    chosen = (f"status IN {PUBLIC} AND id IN "
              "(SELECT practice_id FROM practice_subject WHERE subject_code = :code)")
    at = sa.bindparam("now", now, type_=sa.DateTime())  # stored as the models store it (SQLite: text)
    bind.execute(sa.text(f"INSERT INTO index_outbox (doc_type, doc_id, created_at) "
                         f"SELECT 'practice', id, :now FROM practice WHERE {chosen} ORDER BY id").bindparams(at),
                 {"code": code})
    bind.execute(sa.text(f"UPDATE practice SET updated_at = :now WHERE {chosen}").bindparams(at), {"code": code})


def _rename(code: str, name: str) -> None:
    op.get_bind().execute(sa.text("UPDATE subject SET name = :name WHERE code = :code"), {"name": name, "code": code})
    _touch(code)


def upgrade():
    bind = op.get_bind()
    subjects = _subjects()
    if 'technology' in subjects and subjects['technology'][0] != NEW_TECHNOLOGY:
        _rename('technology', NEW_TECHNOLOGY)
    if READING not in subjects and AFTER in subjects:  # run again (its revision stamped back): already there
        order = subjects[AFTER][1]
        bind.execute(sa.text("UPDATE subject SET sort_order = sort_order + 1 WHERE sort_order > :order"),
                     {"order": order})
        bind.execute(sa.text("INSERT INTO subject (code, name, sort_order) VALUES (:code, :name, :order)"),
                     {"code": READING, "name": READING_NAME, "order": order + 1})


def downgrade():
    bind = op.get_bind()
    subjects = _subjects()
    if READING in subjects:
        _touch(READING)  # their subjects' names change: «Литературное чтение» becomes «Литература»
        bind.execute(sa.text(  # the value and the comparison apart: PostgreSQL deduces one parameter one type
            "INSERT INTO practice_subject (practice_id, subject_code) "
            "SELECT practice_id, CAST(:target AS VARCHAR(40)) FROM practice_subject WHERE subject_code = :code "
            "AND practice_id NOT IN (SELECT practice_id FROM practice_subject WHERE subject_code = :after)"),
            {"code": READING, "target": AFTER, "after": AFTER})
        bind.execute(sa.text("DELETE FROM practice_subject WHERE subject_code = :code"), {"code": READING})
        bind.execute(sa.text("DELETE FROM subject WHERE code = :code"), {"code": READING})
        bind.execute(sa.text("UPDATE subject SET sort_order = sort_order - 1 WHERE sort_order > :order"),
                     {"order": subjects[READING][1]})
    if subjects.get('technology', (OLD_TECHNOLOGY,))[0] == NEW_TECHNOLOGY:
        _rename('technology', OLD_TECHNOLOGY)
