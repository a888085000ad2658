"""A report that a practice was applied somewhere."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice
from kb.timeutil import utcnow
from kb.vocabularies.models import Region


class PracticeAdoption(db.Model):
    """«Мы применили эту практику»: the organisation, its region, a comment and the result."""

    __tablename__ = "practice_adoption"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    organisation: Mapped[str] = mapped_column(String(500))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship()
    user: Mapped[User | None] = relationship()
    region: Mapped[Region | None] = relationship()
