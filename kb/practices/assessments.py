"""Expert assessment of practices under review: the five criteria of the regional regulations (актуальность,
новизна, результативность, стабильность, возможность тиражирования), scored by a moderator of the practice.

One assessment per submission (``PracticeAssessment``): saving again in the same round updates it; a resubmission
after a return starts a new one, the earlier ones stay for the moderators. Who may assess and who sees what is
decided in ``kb.practices.policy`` (``can_assess``, ``can_see_assessments``, ``sees_assessors``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select

from kb.accounts.models import User
from kb.accounts.services import record
from kb.extensions import db
from kb.practices import policy
from kb.practices.models import ASSESSMENT_CRITERIA, Practice, PracticeAssessment, PracticeTransition
from kb.textclean import unix_line_breaks, xml_text
from kb.timeutil import utcnow

ASSESSMENT_NEEDED = ("Перед публикацией заполните экспертную оценку по всем пяти критериям: так требуют "
                     "настройки банка.")


ASSESSED_MEANWHILE = ("Оценка не сохранена: другой методист только что сохранил оценку этой практики. Обновите "
                      "страницу, проверьте её и сохраните свою снова.")


class AssessmentDenied(Exception):
    """The user may not assess this practice now (not its moderator, or it is no longer under review)."""


@dataclass
class Scores:
    """What a moderator entered: a score (0–2) or None per criterion, and the conclusion."""

    values: dict[str, int | None]
    conclusion: str = ""


def required() -> bool:
    """EXPERT_ASSESSMENT_REQUIRED: a practice under review is published only with a complete assessment."""
    return bool(current_app.config.get("EXPERT_ASSESSMENT_REQUIRED"))


def current_submission_id(practice: Practice) -> int | None:
    """The «submit» transition of the practice's latest round of review (None: it never went through one)."""
    return db.session.scalar(select(func.max(PracticeTransition.id)).where(
        PracticeTransition.practice_id == practice.id, PracticeTransition.to_status == "submitted"))


def current_assessment(practice: Practice) -> PracticeAssessment | None:
    """The assessment of the practice's current round of review, if one was saved."""
    submission_id = current_submission_id(practice)
    return db.session.scalar(select(PracticeAssessment).where(
        PracticeAssessment.practice_id == practice.id,
        PracticeAssessment.submission_id == submission_id if submission_id is not None
        else PracticeAssessment.submission_id.is_(None)))


def history(practice: Practice) -> list[PracticeAssessment]:
    """Every assessment of the practice, the newest first."""
    return list(db.session.scalars(select(PracticeAssessment).where(PracticeAssessment.practice_id == practice.id)
                                   .order_by(PracticeAssessment.id.desc())))


def publication_refusal(practice: Practice, user: User | None = None) -> str | None:
    """Why the practice under review cannot be published now for want of an assessment (None: it can). Told to
    ``user``, one of its authors (``policy.can_assess`` lets her assess nothing of it), it names who assesses it
    instead: «заполните экспертную оценку» asked her for what she may not do."""
    if not required():
        return None
    assessment = current_assessment(practice) if practice.status == "submitted" else None
    if assessment is not None and assessment.is_complete:
        return None
    return awaits_another_assessor(user, practice) if policy.is_author(user, practice) else ASSESSMENT_NEEDED


def awaits_another_assessor(user: User, practice: Practice) -> str:
    """What an author of the practice who moderates it is told of its publication while the required assessment is
    missing: she does not assess her own practice, a moderator of its region who is not its author does; once
    assessed, the practice may be published (by that moderator, or by her: the publication is hers to make)."""
    region = f"методист региона «{practice.region.name}»" if practice.region is not None else ""
    if user.role == "admin":
        others = "другой администратор банка" + (f" или {region}" if region else "")
    else:
        others = (f"другой {region} или " if region else "") + "администратор банка"
    return ("Опубликовать практику можно только с экспертной оценкой по всем пяти критериям, а свою практику "
            f"вы не оцениваете: её оценит {others}. После этого практику можно будет опубликовать.")


def blocked_for_author(user: User | None, practice: Practice) -> str | None:
    """The reason the publication this user could make is refused for want of an assessment she may not make
    herself (one of the practice's authors, ``publication_refusal``): the page offers her no «Опубликовать» then
    and says why (None: no such reason)."""
    if not policy.is_author(user, practice) or not policy.can_transition(user, practice, "publish"):
        return None
    return publication_refusal(practice, user)


def passes(assessment: PracticeAssessment) -> bool:
    """Whether an assessment earns the mark: complete, and at least half of the maximum in total (5 of 10)."""
    return assessment.is_complete and 2 * assessment.total >= assessment.max_total


def passed_expertise(practice: Practice) -> bool:
    """The public mark «Прошла экспертизу»: a published practice whose round of review that ended in the
    publication has a complete assessment scoring at least half of the maximum (``passes``). An assessment of an
    earlier round, returned to the author, does not count. The search index holds the same mark
    (``passed_expertise_of``)."""
    return practice.is_published and practice.id in passed_expertise_of([practice.id])


def passed_expertise_of(ids: list[int]) -> set[int]:
    """Which of the practices ``ids`` (published ones: the caller's condition) have the mark ``passed_expertise``,
    for them all at once (an index rebuild asks it of 500 practices at a time): their passing assessments, one
    statement; for the practices with one, their transitions, a second: the assessment must be of the round that
    ended in the practice's last publication, the last «submit» before it (none for a round put under review
    without one, as the demo's practices are)."""
    if not ids:
        return set()
    passing: dict[int, set[int | None]] = {}  # practice -> the rounds of its passing assessments
    for assessment in db.session.scalars(select(PracticeAssessment).where(PracticeAssessment.practice_id.in_(ids))):
        if passes(assessment):
            passing.setdefault(assessment.practice_id, set()).add(assessment.submission_id)
    if not passing:
        return set()
    transitions = db.session.execute(
        select(PracticeTransition.practice_id, PracticeTransition.id, PracticeTransition.from_status,
               PracticeTransition.to_status)
        .where(PracticeTransition.practice_id.in_(list(passing)),
               PracticeTransition.to_status.in_(("submitted", "published")))
        .order_by(PracticeTransition.practice_id, PracticeTransition.id)).all()
    published = {row.practice_id: row.id for row in transitions  # ascending ids: the last publication stays
                 if row.from_status == "submitted" and row.to_status == "published"}
    rounds: dict[int, int | None] = dict.fromkeys(published)  # practice -> the «submit» before it (None: none)
    for row in transitions:
        if row.to_status == "submitted" and row.practice_id in published and row.id < published[row.practice_id]:
            rounds[row.practice_id] = row.id
    return {pid for pid, submission_id in rounds.items() if submission_id in passing[pid]}


def save_assessment(user: User, practice: Practice, scores: Scores) -> PracticeAssessment:
    """Save ``user``'s assessment of the current round (a new one, or the round's one updated). The caller commits."""
    if not policy.can_assess(user, practice):
        raise AssessmentDenied
    assessment = current_assessment(practice)
    if assessment is None:
        # Another moderator's first save of the same round landing meanwhile fails this flush on the unique
        # constraint, or for a round with no «submit» transition (submission_id NULL) on the partial unique index
        # (IntegrityError): the page says so (a savepoint would commit on SQLite, see bulkimport).
        assessment = PracticeAssessment(practice_id=practice.id, submission_id=current_submission_id(practice))
        db.session.add(assessment)
    _fill(assessment, user, practice, scores)
    db.session.flush()
    record("practice_assessed", user, "practice", practice.id,
           details={"total": f"{assessment.total} из {assessment.max_total}",
                    "complete": "да" if assessment.is_complete else "нет"})
    return assessment


def _fill(assessment: PracticeAssessment, user: User, practice: Practice, scores: Scores) -> None:
    for key, _label in ASSESSMENT_CRITERIA:
        setattr(assessment, key, scores.values.get(key))
    assessment.conclusion = unix_line_breaks(xml_text(scores.conclusion)).strip()
    assessment.assessor_id = user.id
    assessment.revision = practice.revision
    assessment.updated_at = utcnow()
