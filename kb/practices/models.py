"""A practice: one teacher's or one team's positive pedagogical experience."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from kb.accounts.models import User
from kb.extensions import db
from kb.timeutil import utcnow
from kb.vocabularies.data import fold
from kb.vocabularies.models import EducationLevel, Municipality, Region, Subject, Topic


def fold_title(title: str | None) -> str:
    """A title folded for the queue's filter: lower case, «ё» as «е», one space between words; at most the
    column's 500 characters (a few letters lower into two)."""
    return fold(title or "")[:500]


STATUSES = ("draft", "submitted", "published", "returned", "archived")
SPREAD_LEVELS = ("institution", "municipality", "region", "federal")

# The template sections of a practice description, in the order the regional regulations use.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("annotation", "Аннотация"),
    ("relevance", "Актуальность"),
    ("leading_idea", "Ведущая педагогическая идея"),
    ("novelty", "Новизна"),
    ("goal_tasks", "Цель и задачи"),
    ("theoretical_base", "Теоретическая база"),
    ("technology", "Технология (содержание) опыта"),
    ("results", "Результативность"),
    ("conditions", "Условия и ресурсы"),
    ("target_audience", "Адресная направленность"),
    ("labor_intensity", "Трудоёмкость"),
    ("replication", "Возможность тиражирования"),
    ("literature", "Список литературы"),
)
SECTION_KEYS = tuple(key for key, _ in SECTIONS)

practice_level = Table(
    "practice_level",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("level_code", ForeignKey("education_level.code"), primary_key=True),
)
practice_subject = Table(
    "practice_subject",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("subject_code", ForeignKey("subject.code"), primary_key=True),
)
practice_topic = Table(
    "practice_topic",
    db.metadata,
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topic.code"), primary_key=True),
)


class Practice(db.Model):
    """A described experience with the template sections and its metadata."""

    # What a search result shows of a practice, read from this index alone (kb.search.services._RESULT_ROWS):
    # a row is ten long sections, several pages, and on SQLite the short columns after them are read through
    # all of them. 20 results from a cold cache: 6.3 -> 4.0 ms at 100,000 practices. ``updated_at`` there says
    # whether the index's copy a snippet comes from is the practice's current state (migration u0res0000001).
    # A registry's ids are its office's own numbering (kb.bulkimport.services.id_namespace): two offices may both
    # number from 1. Practices loaded by an administrator (or before per-office numbering) have the namespace "".
    # An id is never given twice, not even the deleted newest one's (SQLite's AUTOINCREMENT; PostgreSQL's sequences
    # never do): it is in permalinks, references, OAI identifiers and collection entries.
    # The lists in a database order read one page's ids from an index in that order, then only that page's rows
    # (kb.practices.services.published_page, moderation_queue; migration v0ord0000001).
    __table_args__ = (Index("ix_practice_result", "status", "id", "title", "region_code", "year", "organisation",
                            "updated_at"),
                      Index("ix_practice_published_order", "status", "published_at", "id"),
                      # the queue's title filter reads title_folded from it (migration y0tit0000001)
                      Index("ix_practice_queue", "status", "updated_at", "id", "region_code", "title_folded",
                            "organisation"),
                      # the statistics' most viewed practices (kb.statistics.services.most_viewed; w0vie0000001)
                      Index("ix_practice_views", "views", "id"),
                      UniqueConstraint("external_scope", "external_id"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    external_scope: Mapped[str] = mapped_column(String(520), default="", server_default="")
    title: Mapped[str] = mapped_column(String(500))
    # The title as the moderation queue's filter compares it (``fold_title``), kept by ``_fold_title`` whenever the
    # title is set: SQLite's lower() folds ASCII only, and the Python function standing in for it took 0.6–0.9 s
    # over 100,000 titles.
    title_folded: Mapped[str] = mapped_column(String(500), default="", server_default="")
    annotation: Mapped[str] = mapped_column(Text, default="")
    relevance: Mapped[str] = mapped_column(Text, default="")
    leading_idea: Mapped[str] = mapped_column(Text, default="")
    novelty: Mapped[str] = mapped_column(Text, default="")
    goal_tasks: Mapped[str] = mapped_column(Text, default="")
    # added after the others (migration z5thb0000001): the rows stored before it have it empty
    theoretical_base: Mapped[str] = mapped_column(Text, default="", server_default="")
    technology: Mapped[str] = mapped_column(Text, default="")
    results: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    target_audience: Mapped[str] = mapped_column(Text, default="")
    labor_intensity: Mapped[str] = mapped_column(Text, default="")
    replication: Mapped[str] = mapped_column(Text, default="")
    literature: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[str] = mapped_column(String(500), default="")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    year: Mapped[int | None] = mapped_column(index=True)
    event: Mapped[str] = mapped_column(String(500), default="")
    spread_level: Mapped[str | None] = mapped_column(String(20))
    # The terms of reuse (kb.practices.licences): a code of LICENCES; a new practice gets the instance's
    # DEFAULT_LICENCE from the service that makes it, the rows stored before the column got it in z9lic0000001.
    licence: Mapped[str] = mapped_column(String(20), default="all_rights", server_default="all_rights")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    views: Mapped[int] = mapped_column(default=0, server_default="0")  # page views while published
    # The number of the current content in the version history (1 + the edits so far). Every UPDATE of the row
    # says «WHERE revision = the one this session read», so of two edits made from the same revision the second
    # finds no row (StaleDataError) instead of writing over the first; only kb.practices.services.update_practice
    # moves it, so a status change or a view does not make an open edit form stale.
    revision: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": revision, "version_id_generator": False}

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    authors: Mapped[list["PracticeAuthor"]] = relationship(
        back_populates="practice", order_by="PracticeAuthor.position_index", cascade="all, delete-orphan"
    )
    municipality: Mapped[Municipality | None] = relationship()
    region: Mapped[Region | None] = relationship()
    levels: Mapped[list[EducationLevel]] = relationship(
        secondary=practice_level, order_by=EducationLevel.sort_order
    )
    subjects: Mapped[list[Subject]] = relationship(secondary=practice_subject, order_by=Subject.sort_order)
    topics: Mapped[list[Topic]] = relationship(secondary=practice_topic, order_by=Topic.sort_order)
    owner: Mapped[User | None] = relationship()
    transitions: Mapped[list["PracticeTransition"]] = relationship(
        back_populates="practice", order_by="PracticeTransition.id", cascade="all, delete-orphan"
    )
    versions: Mapped[list["PracticeVersion"]] = relationship(
        back_populates="practice", order_by="PracticeVersion.number", cascade="all, delete-orphan"
    )
    # The Attachment model lives in kb.attachments (imported by kb.models before the mappers are set up).
    attachments: Mapped[list["Attachment"]] = relationship(  # noqa: F821
        back_populates="practice", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @validates("title")
    def _fold_title(self, key: str, title: str) -> str:
        self.title_folded = fold_title(title)
        return title

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def sections(self) -> list[tuple[str, str, str]]:
        """(key, heading, text) of every template section, empty ones included."""
        return [(key, heading, getattr(self, key) or "") for key, heading in SECTIONS]


class PracticeAuthor(db.Model):
    """An author of a practice with the position held."""

    __tablename__ = "practice_author"
    # One account, one line of a practice (migration zCcou0000001): two links made at once cannot both be stored.
    # Lines linked to no account (NULL) are not compared, in SQLite and PostgreSQL alike.
    __table_args__ = (Index("uq_practice_author_user", "practice_id", "user_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    position_index: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    position: Mapped[str] = mapped_column(String(300), default="")
    # The co-author's account this line is linked to (kb.practices.coauthors): an invitation until she accepts it
    # (``link_confirmed``); then she sees the practice in «Мои практики» (its drafts too), gets its certificate and
    # its adoption notices; she does not edit it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    link_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())

    practice: Mapped[Practice] = relationship(back_populates="authors")
    user: Mapped[User | None] = relationship()


class PracticeTransition(db.Model):
    """A status change of a practice: who, when, from what to what, with the comment."""

    __tablename__ = "practice_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()


class PracticeVersion(db.Model):
    """The content of a practice as it was before an edit."""

    __tablename__ = "practice_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    snapshot: Mapped[dict] = mapped_column(JSON)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    practice: Mapped[Practice] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()


# Expert assessment (экспертная оценка) of a practice under review: the five criteria the regional regulations of
# banks of pedagogical experience judge before a practice enters the bank, each scored on one scale.
ASSESSMENT_CRITERIA: tuple[tuple[str, str], ...] = (
    ("relevance", "Актуальность"),
    ("novelty", "Новизна"),
    ("effectiveness", "Результативность"),
    ("stability", "Стабильность"),
    ("replicability", "Возможность тиражирования"),
)
ASSESSMENT_SCALE: tuple[tuple[int, str], ...] = ((0, "не соответствует"), (1, "частично соответствует"),
                                                 (2, "соответствует"))
ASSESSMENT_MAX_SCORE = max(score for score, _ in ASSESSMENT_SCALE)
CONCLUSION_MAX = 5000


class PracticeAssessment(db.Model):
    """A moderator's expert assessment of one submission of a practice (the «submit» transition that put it under
    review: a resubmission after a return gets an assessment of its own, the earlier ones stay as its history).
    A criterion not scored yet is NULL; the assessment is complete when all five are scored. The assessor's
    account deleted, the assessment stays without a name, as a transition does without its actor."""

    __tablename__ = "practice_assessment"
    __table_args__ = (
        UniqueConstraint("practice_id", "submission_id", name="uq_practice_assessment_submission"),
        # the constraint above does not hold for NULL: one assessment of a round with no «submit» transition too
        Index("uq_practice_assessment_unsubmitted", "practice_id", unique=True,
              sqlite_where=text("submission_id IS NULL"), postgresql_where=text("submission_id IS NULL")),
        *(CheckConstraint(f"{key} BETWEEN 0 AND {ASSESSMENT_MAX_SCORE}", name=f"{key}_range")
          for key, _ in ASSESSMENT_CRITERIA),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    practice_id: Mapped[int] = mapped_column(ForeignKey("practice.id", ondelete="CASCADE"), index=True)
    # The «submit» transition of the round assessed; NULL for a practice put under review without one (loaded so).
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("practice_transition.id", ondelete="CASCADE"))
    revision: Mapped[int]  # the practice's revision (its text) when the assessment was last saved
    relevance: Mapped[int | None] = mapped_column(SmallInteger)
    novelty: Mapped[int | None] = mapped_column(SmallInteger)
    effectiveness: Mapped[int | None] = mapped_column(SmallInteger)
    stability: Mapped[int | None] = mapped_column(SmallInteger)
    replicability: Mapped[int | None] = mapped_column(SmallInteger)
    conclusion: Mapped[str] = mapped_column(Text, default="", server_default="")
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assessor: Mapped[User | None] = relationship()

    def scores(self) -> list[tuple[str, str, int | None]]:
        """(key, criterion, score or None) of every criterion, in order."""
        return [(key, label, getattr(self, key)) for key, label in ASSESSMENT_CRITERIA]

    @property
    def is_complete(self) -> bool:
        return all(score is not None for _, _, score in self.scores())

    @property
    def total(self) -> int:
        return sum(score for _, _, score in self.scores() if score is not None)

    @property
    def max_total(self) -> int:
        return ASSESSMENT_MAX_SCORE * len(ASSESSMENT_CRITERIA)
