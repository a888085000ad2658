"""Controlled vocabularies: regions, municipalities, levels, subjects, topics, addressee types."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db


class Region(db.Model):
    """A subject of the Russian Federation (ISO 3166-2:RU) or a foreign country."""

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    center: Mapped[str | None] = mapped_column(String(100))
    federal_district: Mapped[str | None] = mapped_column(String(60))
    okato: Mapped[str | None] = mapped_column(String(4))
    country: Mapped[str] = mapped_column(String(2), default="RU")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    sort_order: Mapped[int] = mapped_column(default=0)

    municipalities: Mapped[list["Municipality"]] = relationship(
        back_populates="region", order_by="Municipality.name"
    )

    @property
    def label(self) -> str:
        return self.name


class Municipality(db.Model):
    """A city okrug, municipal district or okrug belonging to a region."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)

    region: Mapped[Region] = relationship(back_populates="municipalities")

    @property
    def label(self) -> str:
        return self.name


class EducationLevel(db.Model):
    """A level of education under Federal Law 273-ФЗ, art. 10."""

    __tablename__ = "education_level"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    short: Mapped[str] = mapped_column(String(20))
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def label(self) -> str:
        return self.name


class Subject(db.Model):
    """A school subject, or an interdisciplinary/extracurricular area."""

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def label(self) -> str:
        return self.name


class Topic(db.Model):
    """A thesaurus entry: label, synonyms and an optional broader topic."""

    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("topic.code"))
    sort_order: Mapped[int] = mapped_column(default=0)

    parent: Mapped["Topic | None"] = relationship(remote_side=[code], back_populates="children")
    children: Mapped[list["Topic"]] = relationship(back_populates="parent")

    @property
    def name(self) -> str:
        return self.label


class AddresseeType(db.Model):
    """Whom a conference recommendation is addressed to."""

    __tablename__ = "addressee_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def name(self) -> str:
        return self.label
