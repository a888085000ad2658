"""Files attached to a practice, with their extracted text."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.practices.models import Practice
from kb.timeutil import utcnow


class Attachment(db.Model):
    """One uploaded file: original name for downloads, content digest for storage, text for search."""

    __table_args__ = {"sqlite_autoincrement": True}  # its id is in download links: never given twice

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    downloads: Mapped[int] = mapped_column(default=0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="attachments")


class StoredFile(db.Model):
    """One file on disk under UPLOAD_DIR, by its digest; its row is what uploads and deletions of the same bytes
    lock (the database serialises them, on one machine or several): an upload claims the row before it looks for
    the file, a deletion claims it before it checks that no attachment uses the file."""

    __tablename__ = "stored_file"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
