"""A collection and its ordered items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.accounts.models import User
from kb.extensions import db
from kb.timeutil import utcnow

VISIBILITIES = ("private", "link", "public")
VISIBILITY_LABELS = {
    "private": "Только я",
    "link": "Все, у кого есть ссылка",
    "public": "Все (в каталоге подборок)",
}
# "attachment": one file of a practice on its own (the table's name: kb/backup's ID_TRACES reads item_type as one).
ITEM_TYPES = ("practice", "resolution", "recommendation", "attachment")
ITEM_TYPE_LABELS = {"practice": "Практика", "resolution": "Резолюция", "recommendation": "Рекомендация",
                    "attachment": "Файл практики"}


class Collection(db.Model):
    """A user's reading list: private, shared by a secret link, or public."""

    __table_args__ = {"sqlite_autoincrement": True}  # an id is never given twice (as Practice's)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # Lower-case, «ё» as «е»: SQLite's lower() knows no Cyrillic, so the title search compares this.
    title_folded: Mapped[str] = mapped_column(String(300), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(10), default="private", index=True)
    share_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    items: Mapped[list[CollectionItem]] = relationship(
        back_populates="collection", order_by="CollectionItem.position", cascade="all, delete-orphan"
    )

    @property
    def visibility_label(self) -> str:
        return VISIBILITY_LABELS[self.visibility]


class CollectionItem(db.Model):
    """A practice, a resolution, a recommendation or a practice's file in a collection, with the owner's note."""

    __tablename__ = "collection_item"
    __table_args__ = (UniqueConstraint("collection_id", "item_type", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int] = mapped_column(ForeignKey("collection.id", ondelete="CASCADE"), index=True)
    # No foreign key: the item may be any of four tables, and a deleted material leaves the entry
    # behind to be shown as «Материал недоступен» rather than silently vanishing from the list.
    item_type: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    collection: Mapped[Collection] = relationship(back_populates="items")
