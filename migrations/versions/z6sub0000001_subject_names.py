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

A saved search named by default after its filters (kb.search.saved.default_name: «Технология (Труд)» among them) is
named after the new name; a name the user typed stays, even one that mentions the subject.

Going back moves the practices of «Литературное чтение» to «Литература» (the older version has no such subject)
and gives «Технология (Труд)» its earlier name.

Revision ID: z6sub0000001
Revises: z5thb0000001
Create Date: 2026-12-10 11:00:00

"""
import re
from datetime import UTC, datetime
from urllib.parse import parse_qsl

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


# kb.search.saved.default_name at this revision: the search's words, then the labels of its filters in the order of
# indexer.schema.FACET_FIELDS, " · " between; kb.vocabularies.services.TYPE_LABELS; kb.textclean.UNWANTED_CONTROLS
FACETS = (('type', None), ('topic', ('topic', 'code', 'label')), ('region', ('region', 'code', 'name')),
          ('municipality', ('municipality', 'code', 'name')), ('level', ('education_level', 'code', 'name')),
          ('subject', ('subject', 'code', 'name')), ('year', None))
TYPE_LABELS = {'practice': 'Практики', 'resolution': 'Резолюции', 'recommendation': 'Рекомендации'}
CONTROLS = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]')


def _default_names(technology: str, other: str):
    """(user id, saved search id, its name, the name the search gets by default with ``technology`` as the name of
    the subject, the same with ``other``) of every saved search filtered by the subject: a name is renamed only
    when it is exactly the default one, never one the user typed."""
    bind = op.get_bind()
    maps = {facet: dict(bind.execute(sa.text(f'SELECT {code}, {label} FROM {table}')).all())
            for facet, (table, code, label) in ((f, t) for f, t in FACETS if t)}
    maps['type'] = TYPE_LABELS
    rows = bind.execute(sa.text("SELECT id, name, query FROM saved_search WHERE query LIKE '%subject=technology%'"))
    for saved_id, name, query in rows.all():
        args: dict[str, list[str]] = {}
        for key, value in parse_qsl(query):
            args.setdefault(key, []).append(value)
        if 'technology' not in args.get('subject', []):
            continue

        def named(label: str, args=args) -> str:
            words = ' '.join(CONTROLS.sub('', (args.get('q') or [''])[0]).split())
            parts = [words] if words else []
            for facet, _table in FACETS:
                labels = {**maps.get(facet, {}), 'technology': label} if facet == 'subject' else maps.get(facet, {})
                if values := args.get(facet):
                    parts.append(', '.join(labels.get(value, value) for value in values))
            return ' · '.join(parts)[:200].rstrip() or 'Поиск'
        yield saved_id, name, named(technology), named(other)


def _rename_saved_searches(old: str, new: str) -> None:
    """The saved searches named by default after the subject's ``old`` name are named after its ``new`` one."""
    bind = op.get_bind()
    for saved_id, name, default_before, default_after in list(_default_names(old, new)):
        if name == default_before and default_before != default_after:
            bind.execute(sa.text('UPDATE saved_search SET name = :name WHERE id = :id'),
                         {'name': default_after, 'id': saved_id})


def upgrade():
    bind = op.get_bind()
    subjects = _subjects()
    if 'technology' in subjects and subjects['technology'][0] != NEW_TECHNOLOGY:
        _rename('technology', NEW_TECHNOLOGY)
    if 'technology' in subjects:  # also run again (its revision stamped back) over the subject renamed
        _rename_saved_searches(OLD_TECHNOLOGY, NEW_TECHNOLOGY)
    if READING not in subjects and AFTER in subjects:  # run again (its revision stamped back): already there
        order = subjects[AFTER][1]
        bind.execute(sa.text("UPDATE subject SET sort_order = sort_order + 1 WHERE sort_order > :order"),
                     {"order": order})
        bind.execute(sa.text("INSERT INTO subject (code, name, sort_order) VALUES (:code, :name, :order)"),
                     {"code": READING, "name": READING_NAME, "order": order + 1})


def downgrade():
    bind = op.get_bind()
    subjects = _subjects()
    if subjects.get('technology', (OLD_TECHNOLOGY,))[0] == NEW_TECHNOLOGY:  # while «Литературное чтение» is there
        _rename_saved_searches(NEW_TECHNOLOGY, OLD_TECHNOLOGY)
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
