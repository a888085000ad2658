"""Conference resolutions and the recommendations they contain."""

import re
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, false, inspect
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from kb.extensions import db
from kb.practices.models import Practice
from kb.timeutil import utcnow
from kb.vocabularies.models import AddresseeType, Municipality, Region, Topic

RESOLUTION_STATUSES = ("draft", "published")

resolution_region = Table(
    "resolution_region",
    db.metadata,
    Column("resolution_id", ForeignKey("resolution.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("region.code"), primary_key=True),
)
# The municipalities a resolution names (its parser finds them; the methodist corrects them on its edit page).
resolution_municipality = Table(
    "resolution_municipality",
    db.metadata,
    Column("resolution_id", ForeignKey("resolution.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True, index=True),
)
# The themes a resolution discusses (found in its full text on import; the methodist corrects them): a resolution is
# found under these and under its recommendations' topics.
resolution_topic = Table(
    "resolution_topic",
    db.metadata,
    Column("resolution_id", ForeignKey("resolution.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topic.code"), primary_key=True, index=True),
)
recommendation_topic = Table(
    "recommendation_topic",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("topic_code", ForeignKey("topic.code"), primary_key=True),
)
# Practices that implement a recommendation (linked by the practice's author or its moderators).
recommendation_practice = Table(
    "recommendation_practice",
    db.metadata,
    Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True),
    Column("practice_id", ForeignKey("practice.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Resolution(db.Model):
    """The resolution adopted by a conference, with its metadata and full text."""

    __table_args__ = {"sqlite_autoincrement": True}  # an id is never given twice (as Practice's)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(1000))
    conference_name: Mapped[str] = mapped_column(String(1000), default="")
    date_start: Mapped[date | None] = mapped_column(index=True)
    date_end: Mapped[date | None]
    place: Mapped[str] = mapped_column(String(300), default="")
    organiser: Mapped[str] = mapped_column(String(500), default="")
    format: Mapped[str | None] = mapped_column(String(20))
    participants_count: Mapped[int | None]
    participants_text: Mapped[str] = mapped_column(String(200), default="")
    full_text: Mapped[str] = mapped_column(Text, default="")
    source_name: Mapped[str] = mapped_column(String(500), default="")
    # SHA-256 of the normalised text: importing the same file twice finds the same resolution.
    checksum: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Who imported it (on the site or through the API): he manages it whatever its regions; none for the command
    # import-resolution and the demo, and once his account is deleted.
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    # When it was first published (kb.resolutions.services.mark_published): a draft published weeks after its import
    # enters the bank then, for the feed and the search's «entered» order. None for a draft never published.
    published_at: Mapped[datetime | None]
    # Whether a methodist marked its municipalities, its topics by hand (changed them in the import preview or on
    # the edit page): `detect-municipalities` and `detect-topics` leave those unless told to replace them too. The
    # database's default only: a Core INSERT of an older revision's columns (the migration tests) names neither.
    municipalities_by_hand: Mapped[bool] = mapped_column(server_default=false())
    topics_by_hand: Mapped[bool] = mapped_column(server_default=false())

    regions: Mapped[list[Region]] = relationship(secondary=resolution_region, order_by=Region.sort_order)
    municipalities: Mapped[list[Municipality]] = relationship(secondary=resolution_municipality,
                                                              order_by=(Municipality.region_code, Municipality.name))
    topics: Mapped[list[Topic]] = relationship(secondary=resolution_topic, order_by=Topic.sort_order)
    recommendations: Mapped[list["Recommendation"]] = relationship(
        back_populates="resolution", order_by="Recommendation.position", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    @property
    def year(self) -> int | None:
        return self.date_start.year if self.date_start else None

    @property
    def entered_at(self) -> datetime:
        """When it entered the bank: its publication (its import for one published before that was recorded)."""
        return self.published_at or self.created_at

    @property
    def all_topics(self) -> list[Topic]:
        """Its own topics and its recommendations', each once, in the thesaurus order: what it is found under."""
        topics = {t.code: t for t in [*self.topics, *(t for rec in self.recommendations for t in rec.topics)]}
        return sorted(topics.values(), key=lambda t: (t.sort_order, t.code))

    def recommendations_by_addressee(self) -> list[tuple[str, str | None, list["Recommendation"]]]:
        """Recommendations grouped by addressee as written, groups in order of first mention, items in document order.

        A recommendation moved to another addressee (in the import preview) joins that addressee's group.
        """
        groups: dict[tuple[str, str | None], list[Recommendation]] = {}
        for rec in self.recommendations:
            groups.setdefault((rec.addressee, rec.addressee_type_code), []).append(rec)
        return [(addressee, type_code, items) for (addressee, type_code), items in groups.items()]


class Recommendation(db.Model):
    """One recommendation item of a resolution, addressed to someone."""

    __table_args__ = {"sqlite_autoincrement": True}  # an id is never given twice (as Practice's)

    id: Mapped[int] = mapped_column(primary_key=True)
    resolution_id: Mapped[int] = mapped_column(ForeignKey("resolution.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(20))
    addressee_type_code: Mapped[str | None] = mapped_column(ForeignKey("addressee_type.code"))
    addressee: Mapped[str] = mapped_column(String(1000), default="")
    text: Mapped[str] = mapped_column(Text)

    resolution: Mapped[Resolution] = relationship(back_populates="recommendations")
    addressee_type: Mapped[AddresseeType | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=recommendation_topic, order_by=Topic.sort_order)
    # The backref lets deleting a practice remove its links (SQLite does not enforce ON DELETE CASCADE here).
    practices: Mapped[list[Practice]] = relationship(
        secondary=recommendation_practice, order_by=Practice.title,
        backref=backref("recommendations", order_by="Recommendation.id"))

    @property
    def anchor(self) -> str:
        """The id of its item on the resolution page: «rec-4-2» for number 4.2. A number an earlier recommendation
        of the resolution already has (saved before numbers were checked) gives «rec-id-<id>», so that every
        permalink opens its own recommendation. The other recommendations are compared when they are loaded (the
        resolution page and the permalink load them; a list of search results does not read them one by one)."""
        own = _number_anchor(self.number)
        resolution = self.resolution
        if resolution is None or "recommendations" in inspect(resolution).unloaded:
            return own
        for rec in resolution.recommendations:
            if rec is self:
                break
            if _number_anchor(rec.number) == own:
                return f"rec-id-{self.id}"
        return own


def _number_anchor(number: str) -> str:
    """«rec-» and the number, its dots as dashes (an id has no spaces either)."""
    return "rec-" + re.sub(r"\s+", "-", number.strip()).replace(".", "-")
