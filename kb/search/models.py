"""The index outbox: a change log written in the same transaction as the change."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import db
from kb.timeutil import utcnow


class IndexOutbox(db.Model):
    """"Document X changed": the index writer re-reads X from the database and applies it."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(20))
    doc_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class IndexReplica(db.Model):
    """An index copy that follows the outbox (an instance's writer), and how far it had got when it last said so:
    `prune-outbox` keeps every row a live copy has not applied yet."""

    __tablename__ = "index_replica"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int]
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxPruning(db.Model):
    """One run of `prune-outbox`: rows up to ``through_id`` older than ``older_than`` were deleted. An index copy
    whose position is below the highest ``through_id`` may have missed changes: its writer rebuilds it."""

    __tablename__ = "index_outbox_pruning"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_id: Mapped[int]
    older_than: Mapped[datetime]
    deleted: Mapped[int] = mapped_column(default=0)
    pruned_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedSearch(db.Model):
    """A search a user keeps: its query string, to repeat it or follow it as an Atom feed."""

    __tablename__ = "saved_search"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text)  # URL-encoded: a Cyrillic letter is six characters
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DatabaseIdentity(db.Model):
    """This database's own random mark (one row), made by the migration that made the table. An index copy's state
    (index.state.json) keeps the mark of the database it follows: under a new database (a fresh start over an old
    instance, config.py pointed at another one) its position in the other database's change log means nothing, and
    the copy is rebuilt instead of followed. Not in the archives: a restore gives the database a new mark, so that
    every index copy following it (on other machines too) is rebuilt."""

    __tablename__ = "database_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
