"""Rows that refer to nothing, and ids given before AUTOINCREMENT (SQLite)

Before SQLite checked foreign keys, deleting a practice left its adoption reports, fingerprints, files and
facet links behind, and deleting a user left ids of nobody in the rows that name an author or an actor. Such
rows are removed where the foreign key says ON DELETE CASCADE and emptied where it says SET NULL, as the
database would have done; rows whose foreign key says neither are left as they are and counted in the log.

AUTOINCREMENT (o5ids0000001) starts after the highest id a table holds; an id deleted before it, if it was the
highest, could still come back once. The ids such a deletion leaves traces of are known: collection entries,
OAI-PMH tombstones, the index change log and the rows that still name it. Each table's counter is moved past
them, so a collection entry of a deleted practice never shows another.

PostgreSQL always checked its foreign keys and never gives a sequence value twice: nothing to do there.
Downgrade changes nothing: the rows removed referred to nothing.

Revision ID: p6orf0000001
Revises: o5ids0000001
Create Date: 2026-12-05 20:50:00

"""
import logging
from collections import Counter

from alembic import op
from sqlalchemy import text

revision = 'p6orf0000001'
down_revision = 'o5ids0000001'
branch_labels = None
depends_on = None

log = logging.getLogger('alembic.runtime.migration')

# The tables whose ids are published (permalinks, ГОСТ references, OAI identifiers, collection entries), and
# the other places that remember an id of theirs: (table, column holding the id, column holding the kind).
NEVER_AGAIN = ('practice', 'resolution', 'recommendation', 'collection')
TRACES = (('collection_item', 'item_id', 'item_type'), ('oai_tombstone', 'item_id', 'kind'),
          ('index_outbox', 'doc_id', 'doc_type'))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _foreign_keys(connection) -> list[dict]:
    """Every single-column foreign key of the database: child table and column, parent table and column, and
    the ON DELETE action."""
    tables = connection.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")).scalars().all()
    keys = []
    for table in tables:
        for row in connection.execute(text(f"PRAGMA foreign_key_list({_quote(table)})")).mappings():
            keys.append({'table': table, 'column': row['from'], 'parent': row['table'],
                         'parent_column': row['to'] or 'rowid', 'on_delete': row['on_delete'].upper()})
    return keys


def _raise_counters(connection, keys: list[dict]) -> None:
    existing = set(connection.execute(text(
        "SELECT name FROM sqlite_master WHERE type = 'table'")).scalars())
    for table in NEVER_AGAIN:
        given = [f"SELECT max(id) FROM {_quote(table)}"]
        given += [f"SELECT max({_quote(k['column'])}) FROM {_quote(k['table'])}"
                  for k in keys if k['parent'] == table]
        given += [f"SELECT max({_quote(column)}) FROM {_quote(trace)} WHERE {_quote(kind)} = :kind"
                  for trace, column, kind in TRACES if trace in existing]
        highest = max((connection.execute(text(query), {'kind': table}).scalar() or 0 for query in given),
                      default=0)
        counter = connection.execute(text("SELECT seq FROM sqlite_sequence WHERE name = :name"),
                                     {'name': table}).scalar()
        if counter is None:
            if highest:
                connection.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :seq)"),
                                   {'name': table, 'seq': highest})
        elif counter < highest:
            connection.execute(text("UPDATE sqlite_sequence SET seq = :seq WHERE name = :name"),
                               {'name': table, 'seq': highest})
        if highest > (counter or 0):
            log.info("Ids of %s continue after %d (the highest one ever given)", table, highest)


def _orphans(key: dict) -> str:
    return (f"{_quote(key['column'])} IS NOT NULL AND {_quote(key['column'])} NOT IN "
            f"(SELECT {_quote(key['parent_column'])} FROM {_quote(key['parent'])})")


def _remove_orphans(connection, keys: list[dict]) -> None:
    # A removed row may leave rows of its own referring to nothing (a deleted user's collection, its entries):
    # again until nothing is left to do.
    while True:
        changed = 0
        for key in keys:
            table, column = _quote(key['table']), _quote(key['column'])
            if key['on_delete'] == 'CASCADE':
                count = connection.execute(text(f"DELETE FROM {table} WHERE {_orphans(key)}")).rowcount
                verb = "removed"
            elif key['on_delete'] == 'SET NULL':
                count = connection.execute(
                    text(f"UPDATE {table} SET {column} = NULL WHERE {_orphans(key)}")).rowcount
                verb = "emptied"
            else:
                continue
            if count:
                log.info("%s: %d rows %s (%s of a deleted %s)", key['table'], count, verb, key['column'],
                         key['parent'])
                changed += count
        if not changed:
            break
    left = Counter((table, parent) for table, _rowid, parent, _key in connection.execute(
        text("PRAGMA foreign_key_check")))
    for (table, parent), count in sorted(left.items()):
        log.warning("%s: %d rows refer to a %s that does not exist; left as they are", table, count, parent)


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != 'sqlite':
        return
    keys = _foreign_keys(connection)
    _raise_counters(connection, keys)
    _remove_orphans(connection, keys)


def downgrade():
    pass
