"""Adoption reports: recording them and counting them by practice and by region."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from kb.accounts.models import User
from kb.adoption.models import PracticeAdoption
from kb.extensions import db
from kb.practices.models import Practice
from kb.timeutil import utcnow
from kb.vocabularies.models import Region

NO_REGION = "Регион не указан"


def _fold(text: str) -> str:
    return " ".join(text.lower().replace("ё", "е").split())


def report_adoption(user: User, practice: Practice, organisation: str, region_code: str | None,
                    comment: str, result: str = "") -> tuple[PracticeAdoption, bool]:
    """Record that ``user``'s organisation applied the practice; (report, False) when it updates their earlier one.

    One organisation reported by one user counts once: a second report from them replaces the first.
    """
    if not practice.is_published:
        raise ValueError("only published practices can be adopted")
    organisation = " ".join(organisation.split())
    existing = next((a for a in db.session.scalars(select(PracticeAdoption).where(
        PracticeAdoption.practice_id == practice.id, PracticeAdoption.user_id == user.id))
        if _fold(a.organisation) == _fold(organisation)), None)
    adoption = existing or PracticeAdoption(practice_id=practice.id, user_id=user.id)
    adoption.organisation = organisation
    adoption.region_code = region_code or None
    adoption.comment = comment.strip()
    adoption.result = result.strip()
    if existing is None:
        db.session.add(adoption)
    else:
        adoption.created_at = utcnow()
    db.session.flush()
    return adoption, existing is None


@dataclass
class RegionGroup:
    """The reports from one region (or with none given)."""

    name: str
    adoptions: list[PracticeAdoption] = field(default_factory=list)


@dataclass
class AdoptionSummary:
    """How many adopted a practice and where, regions with the most reports first."""

    count: int
    regions: list[RegionGroup]


def adoption_summary(practice_id: int) -> AdoptionSummary:
    """Every report on a practice grouped by region."""
    adoptions = list(db.session.scalars(
        select(PracticeAdoption).where(PracticeAdoption.practice_id == practice_id)
        .options(selectinload(PracticeAdoption.region))
        .order_by(PracticeAdoption.created_at.desc(), PracticeAdoption.id.desc())
    ))
    groups: dict[str, RegionGroup] = {}
    order: dict[str, int] = {}
    for adoption in adoptions:
        name = adoption.region.name if adoption.region else NO_REGION
        groups.setdefault(name, RegionGroup(name)).adoptions.append(adoption)
        order[name] = adoption.region.sort_order if adoption.region else 10**6
    regions = sorted(groups.values(), key=lambda g: (-len(g.adoptions), order[g.name]))
    return AdoptionSummary(len(adoptions), regions)


def adoption_counts(practice_ids: list[int] | None = None) -> dict[int, int]:
    """Number of adoption reports per practice (of the given ones, or of all); practices with none are absent."""
    statement = select(PracticeAdoption.practice_id, func.count()).group_by(PracticeAdoption.practice_id)
    if practice_ids is not None:
        statement = statement.where(PracticeAdoption.practice_id.in_(practice_ids))
    return {practice_id: count for practice_id, count in db.session.execute(statement)}


def region_choices() -> list[Region]:
    """Regions for the form, in the vocabulary's order."""
    return list(db.session.scalars(select(Region).order_by(Region.sort_order)))
