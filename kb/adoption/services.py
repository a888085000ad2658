"""Adoption reports: recording them and counting them by practice and by region."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from kb.accounts.models import User
from kb.accounts.services import notify
from kb.adoption.models import PracticeAdoption
from kb.extensions import db
from kb.practices import policy
from kb.practices.coauthors import coauthor_ids
from kb.practices.models import Practice, PracticeAuthor
from kb.practices.services import practice_link
from kb.timeutil import utcnow
from kb.vocabularies.models import Region

NO_REGION = "Регион не указан"


def _fold(text: str) -> str:
    """An organisation's name as reports are grouped by it: case, «ё» and spaces aside («СОШ №7» is «СОШ № 7»)."""
    return "".join(text.lower().replace("ё", "е").split())


def same_organisation(first: str, second: str) -> bool:
    """Whether two names are of one organisation as reports are grouped («СОШ №7» and «сош № 7»)."""
    return _fold(first) == _fold(second)


class OwnPractice(ValueError):
    """The author reports applying their own practice: it is not a follower's experience."""


class DuplicateOrganisation(ValueError):
    """A corrected report would name an organisation the user has already reported on the practice."""


def own_reports(user: User, practice: Practice) -> list[PracticeAdoption]:
    """The user's reports on the practice (one per organisation), newest first."""
    return list(db.session.scalars(select(PracticeAdoption).where(
        PracticeAdoption.practice_id == practice.id, PracticeAdoption.user_id == user.id)
        .order_by(PracticeAdoption.created_at.desc(), PracticeAdoption.id.desc())))


def own_report(user: User, practice: Practice, adoption_id: int) -> PracticeAdoption | None:
    """The user's report with this id on the practice; None if there is none or it is someone else's."""
    adoption = db.session.get(PracticeAdoption, adoption_id)
    if adoption is None or adoption.practice_id != practice.id or adoption.user_id != user.id:
        return None
    return adoption


def _fill(adoption: PracticeAdoption, organisation: str, region_code: str | None, comment: str, result: str) -> None:
    adoption.organisation = " ".join(organisation.split())
    adoption.region_code = region_code or None
    adoption.comment = comment.strip()
    adoption.result = result.strip()


def report_adoption(user: User, practice: Practice, organisation: str, region_code: str | None,
                    comment: str, result: str = "") -> tuple[PracticeAdoption, bool]:
    """Record that an organisation applied the practice; (report, False) when it updates the user's earlier one.

    A user has one report per organisation (a methodist may report several schools): a new report about an
    organisation they have already reported (its name compared as adoption_summary compares it) updates that
    report, about another organisation it adds one. Colleagues reporting the same organisation each keep their
    report; adoption_summary counts the organisation once. The practice's author cannot report it (OwnPractice).
    A new report tells the author (``notify``, as a change of status does); an update of one does not.
    """
    if not practice.is_published:
        raise ValueError("only published practices can be adopted")
    if policy.is_author(user, practice):
        raise OwnPractice("Это ваша практика: о её применении сообщают те, кто взял ваш опыт.")
    earlier = next((a for a in own_reports(user, practice) if _fold(a.organisation) == _fold(organisation)), None)
    adoption = earlier or PracticeAdoption(practice_id=practice.id, user_id=user.id)
    _fill(adoption, organisation, region_code, comment, result)
    if earlier is None:
        db.session.add(adoption)
    else:
        adoption.created_at = utcnow()
    db.session.flush()
    if earlier is None:
        _tell_author(practice, adoption)
    return adoption, earlier is None


def _tell_author(practice: Practice, adoption: PracticeAdoption) -> None:
    """The notice of a new follower: who and where, linked to the followers on the practice's page; for the owner
    and the co-authors linked to its author lines (kb.practices.coauthors), not for the reporter herself."""
    region = db.session.get(Region, adoption.region_code) if adoption.region_code else None
    where = f" ({region.name})" if region is not None else ""
    message = f"Вашу практику «{practice.title}» применили: {adoption.organisation}{where}."
    link = f"{practice_link(practice.id)}#adoption"
    told = {adoption.user_id}
    for user_id in [practice.owner_id, *sorted(coauthor_ids(practice))]:
        if user_id is not None and user_id not in told:
            notify(user_id, message, link)
            told.add(user_id)


def correct_adoption(adoption: PracticeAdoption, organisation: str, region_code: str | None, comment: str,
                     result: str = "") -> None:
    """«Исправить»: change this one report (the organisation's name too); the user's other reports stay.

    A name of an organisation the user has reported in another report is refused (DuplicateOrganisation): that
    report is the one to correct.
    """
    if adoption.user is not None and policy.is_author(adoption.user, adoption.practice):
        raise OwnPractice("Это ваша практика: о её применении сообщают те, кто взял ваш опыт.")
    other = next((a for a in own_reports(adoption.user, adoption.practice) if a.id != adoption.id
                  and _fold(a.organisation) == _fold(organisation)), None) if adoption.user else None
    if other is not None:
        raise DuplicateOrganisation(f"Об организации «{other.organisation}» у вас уже есть отчёт: исправьте его.")
    _fill(adoption, organisation, region_code, comment, result)
    adoption.created_at = utcnow()
    db.session.flush()


def withdraw_adoption(user: User, practice: Practice, adoption_id: int) -> bool:
    """«Удалить»: remove this one report of the user; False if they have no such report on the practice."""
    adoption = own_report(user, practice, adoption_id)
    if adoption is None:
        return False
    db.session.delete(adoption)
    db.session.flush()
    return True


@dataclass
class OrganisationGroup:
    """The reports about one organisation (its name compared with case, ё and spaces aside), newest first."""

    name: str
    adoptions: list[PracticeAdoption] = field(default_factory=list)


@dataclass
class RegionGroup:
    """The organisations from one region (or with none given)."""

    name: str
    organisations: list[OrganisationGroup] = field(default_factory=list)


@dataclass
class AdoptionSummary:
    """How many organisations adopted a practice and where, regions with the most organisations first.

    ``count`` is of distinct organisations (two colleagues reporting one school count it once), ``region_count``
    of the named regions only (a report without a region adds no region), ``without_region`` of the
    organisations under «Регион не указан», ``reports`` of all reports.
    """

    count: int
    region_count: int
    without_region: int
    reports: int
    regions: list[RegionGroup]


def adoption_summary(practice_id: int) -> AdoptionSummary:
    """Every report on a practice grouped by region, then by organisation.

    A report without a region joins the organisation of the same name when exactly one region has it, since
    that is the school the reporter meant; otherwise it goes to «Регион не указан», which comes last.
    """
    adoptions = list(db.session.scalars(
        select(PracticeAdoption).join(Practice, Practice.id == PracticeAdoption.practice_id)
        .where(PracticeAdoption.practice_id == practice_id, _not_by_author())
        .options(selectinload(PracticeAdoption.region))
        .order_by(PracticeAdoption.created_at.desc(), PracticeAdoption.id.desc())
    ))
    adoptions.sort(key=lambda a: a.region_code is None)  # stable: newest first stays
    organisations: dict[tuple[str, str | None], OrganisationGroup] = {}
    regions: dict[str | None, RegionGroup] = {}
    sort_order: dict[str | None, int] = {None: 10**6}
    keys = _organisation_keys([(a.organisation, a.region_code) for a in adoptions])
    for adoption, key in zip(adoptions, keys, strict=True):
        code = key[1]
        if key not in organisations:
            organisations[key] = OrganisationGroup(adoption.organisation)
            if code not in regions:  # reports with a region come first, so this is the report's own region
                regions[code] = RegionGroup(adoption.region.name if adoption.region else NO_REGION)
                if adoption.region:
                    sort_order[code] = adoption.region.sort_order
            regions[code].organisations.append(organisations[key])
        organisations[key].adoptions.append(adoption)
    ordered = sorted(regions.items(), key=lambda item: (item[0] is None, -len(item[1].organisations),
                                                          sort_order[item[0]]))
    return AdoptionSummary(len(organisations), sum(1 for code in regions if code is not None),
                           len(regions[None].organisations) if None in regions else 0, len(adoptions),
                           [group for _, group in ordered])


def _not_by_author():
    """Reports that count: not the practice's owner's own (refused since, but older ones may be stored), nor a
    linked co-author's (she may have reported before her author line was linked)."""
    by_coauthor = (select(PracticeAuthor.id).where(PracticeAuthor.practice_id == PracticeAdoption.practice_id,
                                                   PracticeAuthor.user_id == PracticeAdoption.user_id,
                                                   PracticeAuthor.link_confirmed.is_(True)).exists())
    return and_(or_(Practice.owner_id.is_(None), PracticeAdoption.user_id.is_(None),
                    PracticeAdoption.user_id != Practice.owner_id), ~by_coauthor)


def _organisation_keys(reports: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """The organisation each (name, region code) report is about, as adoption_summary groups them.

    The reports come with those naming a region first. A report without a region joins the organisation of the
    same name when exactly one region has it (the school the reporter meant); otherwise its key has no region.
    """
    keys: list[tuple[str, str | None]] = []
    regions_of: dict[str, set[str]] = {}
    for name, code in reports:
        folded = _fold(name)
        if code is None:
            named = regions_of.get(folded, set())
            code = next(iter(named)) if len(named) == 1 else None
        else:
            regions_of.setdefault(folded, set()).add(code)
        keys.append((folded, code))
    return keys


def adoption_counts(practice_ids: list[int] | None = None) -> dict[int, int]:
    """Organisations that adopted each practice (of the given ones, or of all), counted as the practice page
    counts them (adoption_summary.count: a school reported by two colleagues once, the author's reports not at
    all); practices with none are absent. This is what «по числу последователей» sorts by."""
    statement = (select(PracticeAdoption.practice_id, PracticeAdoption.organisation, PracticeAdoption.region_code)
                 .join(Practice, Practice.id == PracticeAdoption.practice_id).where(_not_by_author())
                 .order_by(PracticeAdoption.practice_id, PracticeAdoption.region_code.is_(None)))
    if practice_ids is not None:
        statement = statement.where(PracticeAdoption.practice_id.in_(practice_ids))
    reports: dict[int, list[tuple[str, str | None]]] = {}
    for practice_id, organisation, region_code in db.session.execute(statement):
        reports.setdefault(practice_id, []).append((organisation, region_code))
    return {practice_id: len(set(_organisation_keys(rows))) for practice_id, rows in reports.items()}


def region_choices() -> list[Region]:
    """Regions for the form, in the vocabulary's order."""
    return list(db.session.scalars(select(Region).order_by(Region.sort_order)))
