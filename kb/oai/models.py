"""Tombstones: what harvesters saw and an administrator later deleted for good, reported as deleted for ever."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.extensions import db, upsert
from kb.timeutil import utcnow


class OaiTombstone(db.Model):
    """A practice or resolution deleted from the database after it had been in the OAI-PMH repository."""

    __tablename__ = "oai_tombstone"
    __table_args__ = (UniqueConstraint("kind", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    # The sets the item belonged to, space-separated and padded (" type:practice region:RU-CHE "): a selective
    # harvest by set learns of the deletion too.
    sets: Mapped[str] = mapped_column(Text, default="")
    # A resolution's recommendations when it left, space-separated and padded (" 19 20 21 "): their permalinks
    # answer 410 once it is deleted, as its page does (kb.oai.records.recommendation_deleted_for_good).
    recommendation_ids: Mapped[str] = mapped_column(Text, default="", server_default="")
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


@event.listens_for(Session, "before_flush")
def _remember_deletions(session: Session, _flush_context: object, _instances: object) -> None:
    """Deleting a published or archived practice, or a published resolution, leaves a tombstone behind."""
    for obj in list(session.deleted):
        remember_withdrawal(session, obj)


def remember_withdrawal(session: Session, item: object) -> None:
    """Leave a tombstone for an item that leaves the repository: deleted, or a resolution taken back to a draft
    (its tombstone is not listed while it is published again)."""
    from kb.oai import records

    record = records.live_record(item)
    if record is None:
        return
    # One statement, not a look-up and an insert: two requests withdrawing the same item at once («Снять с
    # публикации» clicked twice, a practice deleted twice) both found no tombstone and both added one, and
    # uq_oai_tombstone_kind refused the second (a 500 on PostgreSQL). Now the second updates the first's row.
    values = {"kind": record.kind, "item_id": record.id, "sets": f" {' '.join(record.sets)} ",
              "recommendation_ids": f" {' '.join(str(rec.id) for rec in getattr(item, 'recommendations', ()))} ",
              "deleted_at": utcnow()}
    upsert(session.connection(), OaiTombstone, values, ("kind", "item_id"))
