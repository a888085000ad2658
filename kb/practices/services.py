"""Practices: reading for pages and the API, drafting and editing with history, the moderation workflow."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from markupsafe import Markup, escape
from sqlalchemy import Select, and_, func, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from kb.accounts.mail import site_address
from kb.accounts.models import AuditEvent, User
from kb.accounts.services import notify, record
from kb.adoption.models import PracticeAdoption
from kb.attachments.extract import KINDS
from kb.collections.models import CollectionItem
from kb.extensions import db
from kb.practices import assessments, policy
from kb.practices.coauthors import UNLINKED
from kb.practices.licences import default_licence, licence
from kb.practices.models import SECTION_KEYS, SECTIONS, Practice, PracticeAuthor, PracticeTransition, PracticeVersion
from kb.practices.rules import one_line
from kb.resolutions.models import recommendation_practice
from kb.textclean import contains, unix_line_breaks, xml_text
from kb.timeutil import utc_json, utcnow
from kb.vocabularies.data import PRACTICE_STATUSES, SPREAD_LEVELS
from kb.vocabularies.models import EducationLevel, Municipality, Subject, Topic
from kb.vocabularies.services import Labels, labels


class PermissionDenied(Exception):
    """The user may not do this to this practice."""


class PracticeGone(LookupError):
    """The practice was deleted by another request while this one was about to change it (its page: 404/410)."""


class InvalidTransition(ValueError):
    """The action cannot be carried out as asked (unknown action, wrong status, a return without a comment)."""


class StatusConflict(InvalidTransition):
    """The practice's current status does not allow this action (the API answers 409)."""


class NoModerator(InvalidTransition):
    """A submission no methodist would see: the practice has no region and no methodist moderates its
    organisation (the field to fix is the region)."""

    field = "region"


# What a moderator is told whose action finds the status no longer the one their page showed (README, «Одновременная
# правка»): a single action with «: обновите страницу.», a bulk one per practice with the status it has now.
STATUS_CHANGED = "Статус практики только что изменил другой пользователь"

NO_MODERATOR_MESSAGE = ("Укажите регион практики: без него её не увидит ни один методист — они рассматривают "
                        "практики своего региона.")


class AssessmentRequired(InvalidTransition):
    """A publication without a complete expert assessment where the bank's settings require one
    (EXPERT_ASSESSMENT_REQUIRED, kb.practices.assessments)."""


class LeavesEveryQueue(ValueError):
    """An edit that would take the region off a practice under review (``leaves_every_queue``): nothing is saved
    (the API answers 422, the form shows the message at the region field)."""

    field = "region"


SUBMITTED_REGION_MESSAGE = ("Практика на рассмотрении не может остаться без региона: её не увидит ни один "
                            "методист — они рассматривают практики своего региона.")


def _detail_load() -> tuple:
    # Built on use, not on import: loader options configure the mappers, which needs every model imported.
    # The region and the municipality (one each) come in the practice's own query: 1.1 ms less a page than a
    # query each (3.8 → 2.7 ms, median of 200 loads of a demo practice).
    return (
        selectinload(Practice.authors), selectinload(Practice.levels), selectinload(Practice.subjects),
        selectinload(Practice.topics), joinedload(Practice.region), joinedload(Practice.municipality),
    )


def get_practice(practice_id: int) -> Practice | None:
    """A practice with everything its page shows, whatever its status (check policy.can_view)."""
    return db.session.scalar(select(Practice).where(Practice.id == practice_id).options(*_detail_load()))


def get_public_practice(practice_id: int) -> Practice | None:
    """A published practice with everything its page shows, or None."""
    practice = get_practice(practice_id)
    return practice if practice is not None and practice.status == "published" else None


def get_visible_practice(practice_id: int, user: User | None) -> Practice | None:
    """The practice if this user may see it; None otherwise (the page answers 404 either way)."""
    practice = get_practice(practice_id)
    return practice if practice is not None and policy.can_view(user, practice) else None


def _rows_in_order(ids: list[int], *options) -> list[Practice]:
    """The practices with these ids, in this order: a list reads one page's ids from an index in its order and then
    only that page's rows (sorting the rows themselves sorted each one's ten long sections too)."""
    if not ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Practice).where(Practice.id.in_(ids)).options(*options))}
    return [found[i] for i in ids if i in found]


def published_ids(offset: int, limit: int) -> list[int]:
    """Ids of published practices, the most recently published first, then those without a publication date
    (loaded as published), the most recently added first: ``limit`` of them after the first ``offset``.

    Two steps, each the order of ix_practice_published_order read backwards, because NULLS LAST keeps an index from
    giving the order on PostgreSQL (whose NULLs sort last ascending) and on SQLite alike."""
    published = Practice.status == "published"
    ids = list(db.session.scalars(
        select(Practice.id).where(published, Practice.published_at.is_not(None))
        .order_by(Practice.published_at.desc(), Practice.id.desc()).offset(offset).limit(limit)
    ))
    if len(ids) == limit:
        return ids
    if ids:
        undated_offset = 0
    else:  # the page starts among the undated ones, or past them: how many dated ones come first
        dated = db.session.scalar(select(func.count()).where(published, Practice.published_at.is_not(None)))
        undated_offset = max(0, offset - dated)
    ids += db.session.scalars(
        select(Practice.id).where(published, Practice.published_at.is_(None))
        .order_by(Practice.id.desc()).offset(undated_offset).limit(limit - len(ids))
    )
    return ids


@dataclass
class PracticePage:
    """One page of a practice list: ``total`` of them in all."""

    items: list[Practice]
    total: int
    page: int
    per_page: int


def published_page(page: int, per_page: int) -> PracticePage:
    """One page of the published practices, the most recently published first (``published_ids``), with their
    regions."""
    total = db.session.scalar(select(func.count()).where(Practice.status == "published")) or 0
    ids = published_ids((page - 1) * per_page, per_page) if (page - 1) * per_page < total else []
    return PracticePage(_rows_in_order(ids, selectinload(Practice.region)), total, page, per_page)


def latest_published(limit: int) -> list[Practice]:
    """The most recently published practices (those without a publication date after them, newest first)."""
    return _rows_in_order(published_ids(0, limit), selectinload(Practice.region))


@dataclass
class PracticeData:
    """What a form (or the API) supplies for a practice."""

    title: str
    sections: dict[str, str]
    authors: list[tuple[str, str]]
    organisation: str = ""
    region_code: str | None = None
    municipality_id: int | None = None
    level_codes: tuple[str, ...] = ()
    subject_codes: tuple[str, ...] = ()
    topic_codes: tuple[str, ...] = ()
    year: int | None = None
    event: str = ""
    spread_level: str | None = None
    licence: str | None = None  # None: the instance's default (kb.practices.licences.default_licence)


def snapshot(practice: Practice) -> dict:
    """The editable content of a practice, as stored in its version history."""
    return {
        "title": practice.title,
        **{key: getattr(practice, key) or "" for key in SECTION_KEYS},
        "authors": [[a.name, a.position] for a in practice.authors],
        "organisation": practice.organisation,
        "region_code": practice.region_code,
        "municipality_id": practice.municipality_id,
        "levels": [x.code for x in practice.levels],
        "subjects": [x.code for x in practice.subjects],
        "topics": [x.code for x in practice.topics],
        "year": practice.year,
        "event": practice.event,
        "spread_level": practice.spread_level,
        "licence": practice.licence,
    }


def _unordered(content: dict) -> dict:
    """A snapshot with its vocabulary lists as sets: the same levels in another order are the same content."""
    return {key: frozenset(value) if key in ("levels", "subjects", "topics") else value
            for key, value in content.items()}


def _apply(practice: Practice, data: PracticeData) -> None:
    # One-line fields keep no line breaks (an API body or a spreadsheet cell can hold them; the form's one-line
    # input would drop them and glue the words on each side).
    practice.title = one_line(data.title)
    for key in SECTION_KEYS:  # line breaks as LF, however sent: the same text must compare equal
        setattr(practice, key, unix_line_breaks(data.sections.get(key) or "").strip())
    practice.authors = _authors_kept(practice, data.authors)
    # Spacing as organisation_key folds it, so the moderation queue's SQL comparison finds what the policy allows.
    practice.organisation = one_line(data.organisation)
    practice.region_code = data.region_code or None
    municipality = db.session.get(Municipality, data.municipality_id) if data.municipality_id else None
    in_region = municipality is not None and municipality.region_code == data.region_code
    practice.municipality_id = municipality.id if in_region else None
    # In the order the practice's relationships read them back (sort_order), so that a snapshot taken now and one
    # taken after a reload agree.
    practice.levels = list(db.session.scalars(select(EducationLevel).where(EducationLevel.code.in_(data.level_codes))
                                              .order_by(EducationLevel.sort_order, EducationLevel.code)))
    practice.subjects = list(db.session.scalars(select(Subject).where(Subject.code.in_(data.subject_codes))
                                                .order_by(Subject.sort_order, Subject.code)))
    practice.topics = list(db.session.scalars(select(Topic).where(Topic.code.in_(data.topic_codes))
                                              .order_by(Topic.sort_order, Topic.code)))
    practice.year = data.year
    practice.event = one_line(data.event)
    practice.spread_level = data.spread_level or None
    practice.licence = data.licence or default_licence()


def _authors_kept(practice: Practice, authors: list[tuple[str, str]]) -> list[PracticeAuthor]:
    """The author lines of an edit, the stored rows kept for the lines left as they were, so that a line linked to a
    co-author's account (kb.practices.coauthors) stays linked: a line with the same name and position keeps its row,
    then one with the same name and another position (the same person, promoted); a line whose name changed is a new,
    unlinked row, and a removed line's row goes with its link. Names and positions are stored with their spaces
    collapsed, as they are compared: a stored «Петров  Б. И.» (or with a non-breaking space) corrected to «Петров Б.
    И.» is the same line, saved in the new spelling with its link and its acceptance."""
    lines = _author_lines(authors)
    free = list(practice.authors)
    rows: list[PracticeAuthor | None] = [None] * len(lines)
    for same in (lambda row, name, position: one_line(row.name) == name and one_line(row.position) == position,
                 lambda row, name, position: one_line(row.name) == name):
        for i, (name, position) in enumerate(lines):
            if rows[i] is None and (row := next((r for r in free if same(r, name, position)), None)) is not None:
                rows[i] = row
                free.remove(row)
    kept = []
    for i, ((name, position), row) in enumerate(zip(lines, rows, strict=True)):
        row = row or PracticeAuthor(name=name)
        row.position_index, row.name, row.position = i, name, position
        kept.append(row)
    return kept


def _author_lines(authors: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, position) of each author as stored: runs of spaces (a non-breaking one too) and line breaks as one
    space, none at the ends; a line without a name is no author."""
    return [(one_line(name), one_line(position)) for name, position in authors if one_line(name)]


def holds(practice: Practice, data: PracticeData) -> bool:
    """Whether ``practice`` already holds what ``data`` would give it (as ``_apply`` stores it; the vocabulary
    lists in any order)."""
    municipality = db.session.get(Municipality, data.municipality_id) if data.municipality_id else None
    content = {
        "title": one_line(data.title),
        **{key: unix_line_breaks(data.sections.get(key) or "").strip() for key in SECTION_KEYS},
        "authors": [list(line) for line in _author_lines(data.authors)],
        "organisation": one_line(data.organisation),
        "region_code": data.region_code or None,
        "municipality_id": municipality.id if municipality and municipality.region_code == data.region_code
        else None,
        "levels": list(data.level_codes),
        "subjects": list(data.subject_codes),
        "topics": list(data.topic_codes),
        "year": data.year,
        "event": one_line(data.event),
        "spread_level": data.spread_level or None,
        "licence": data.licence or default_licence(),
    }
    return _unordered(snapshot(practice)) == _unordered(content)


def create_practice(user: User, data: PracticeData) -> Practice:
    """A new draft owned by ``user``."""
    practice = Practice(status="draft", owner_id=user.id, title="")
    db.session.add(practice)
    _apply(practice, data)
    db.session.flush()
    return practice


def update_practice(user: User, practice: Practice, data: PracticeData) -> bool:
    """Edit a practice, keeping the previous content as a version; returns False when nothing changed."""
    if not policy.can_edit(user, practice):
        raise PermissionDenied
    if leaves_every_queue(user, practice, data.region_code):
        raise LeavesEveryQueue(SUBMITTED_REGION_MESSAGE)
    before = snapshot(practice)
    linked = [author for author in practice.authors if author.user_id is not None]
    _apply(practice, data)
    db.session.flush()
    for author in linked:
        if author not in practice.authors:  # the line removed or renamed: its link goes with it, said in the history
            record(UNLINKED, user, "practice", practice.id,
                   details={"author": author.name, "user_id": author.user_id, "edit": True})
    if _unordered(snapshot(practice)) == _unordered(before):
        return False  # the same content: no version, no new time (a PATCH of nothing changed the ETag)
    number = (db.session.scalar(select(func.max(PracticeVersion.number))
                                .where(PracticeVersion.practice_id == practice.id)) or 0) + 1
    db.session.add(PracticeVersion(practice_id=practice.id, number=number, snapshot=before, author_id=user.id))
    practice.updated_at = utcnow()
    practice.revision = number + 1  # written «WHERE revision = the one read»: see Practice.revision
    return True


@dataclass(frozen=True)
class EditConflict:
    """What others changed in a practice since an editor opened it at ``base`` (a revision)."""

    base: int
    editors: list[tuple[str, datetime]]  # who saved each edit since, and when
    changes: list  # diff_snapshots(content at base, current content)


def edit_conflict(practice: Practice, base: int | None) -> EditConflict | None:
    """None when the practice is still at revision ``base`` (or no base was sent: a form opened before revisions
    existed); otherwise who changed it since and how."""
    if base is None or base == practice.revision:
        return None
    versions = db.session.scalars(select(PracticeVersion).where(
        PracticeVersion.practice_id == practice.id, PracticeVersion.number >= base)
        .order_by(PracticeVersion.number)).all()
    editors = [(v.author.display_name if v.author else "пользователь удалён", v.created_at) for v in versions]
    start = versions[0].snapshot if versions and versions[0].number == base else None
    return EditConflict(base, editors, diff_snapshots(start, snapshot(practice)) if start is not None else [])


_NOTICES = {
    "publish": "Ваша практика «{title}» опубликована.",
    "return": "Ваша практика «{title}» возвращена на доработку: {comment}",
    "archive": "Ваша практика «{title}» перенесена в архив.",
    "restore": "Ваша практика «{title}» снова опубликована.",
}


def reaches_moderator(user: User, region_code: str | None) -> bool:
    """Whether a practice of this region sent for review by ``user`` lands in a moderator's queue
    (policy.in_scope): one with a region does (its methodists, of the region or of an organisation in it, or the
    administrators); one without, only if the sender moderates it as an administrator."""
    return bool(region_code) or user.role == "admin"


def leaves_every_queue(user: User, practice: Practice, region_code: str | None) -> bool:
    """Whether ``user``'s edit giving the practice this region would leave a practice under review in no
    moderator's queue: the check of its submission (``reaches_moderator``) made again for the edit, which a
    methodist could otherwise use to clear the region — the practice then stayed «На рассмотрении» for no
    methodist to see and its author to wait on. An administrator may (their queue holds every practice)."""
    return practice.status == "submitted" and not reaches_moderator(user, region_code)


def practice_link(practice_id: int) -> str:
    """The practice page's address within the site, the link of a notice (``notify``). In a request, as
    ``url_for`` makes it; without one — a registry loaded with publication by the web import's background thread
    or by the import-practices command, where ``url_for`` fails for want of SERVER_NAME — from the site's own
    address as mailed links are (SITE_URL's path, when the site lives under one), else APPLICATION_ROOT."""
    if has_request_context():
        return url_for("practices.detail", practice_id=practice_id)
    address = site_address()
    root = urlsplit(address).path if address else current_app.config.get("APPLICATION_ROOT") or "/"
    adapter = current_app.url_map.bind("localhost", script_name=root or "/")
    return adapter.build("practices.detail", {"practice_id": practice_id})


def transition(user: User, practice: Practice, action: str, comment: str = "", link: str = "") -> None:
    """Move a practice through the workflow, recorded with who, when and the comment."""
    if action not in policy.TRANSITIONS:
        raise InvalidTransition(f"Неизвестное действие: {action}.")
    if not policy.can_view(user, practice):
        raise PermissionDenied
    if practice.status not in policy.TRANSITIONS[action][0]:
        raise StatusConflict("Это действие недоступно для практики в её текущем статусе.")
    if not policy.can_transition(user, practice, action):
        raise PermissionDenied
    # The API passes it as sent (a NUL was a 500 on PostgreSQL); the page's text area, with CR LF line breaks.
    comment = unix_line_breaks(xml_text(comment)).strip()
    if action == "return" and not comment:
        raise InvalidTransition("Напишите автору, что нужно исправить.")
    if action == "submit" and not reaches_moderator(user, practice.region_code):
        raise NoModerator(NO_MODERATOR_MESSAGE)
    if action == "publish" and (refusal := assessments.publication_refusal(practice, user)):
        raise AssessmentRequired(refusal)
    before = practice.status
    # Compare and set: of two moderators acting on the same practice at once (one publishes, one returns it), the
    # later finds the status no longer what its page showed; the UPDATE waits for the earlier one's commit.
    moved = db.session.execute(update(Practice).where(Practice.id == practice.id, Practice.status == before)
                               .values(status=policy.TRANSITIONS[action][1])
                               .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise StatusConflict(f"{STATUS_CHANGED}: обновите страницу.")
    practice.status = policy.TRANSITIONS[action][1]  # the ORM's own UPDATE, as before: the index outbox sees it
    if practice.status == "published" and practice.published_at is None:
        practice.published_at = utcnow()
    db.session.add(PracticeTransition(practice_id=practice.id, actor_id=user.id, from_status=before,
                                      to_status=practice.status, comment=comment))
    record("status_changed", user, "practice", practice.id,
           details={"from": before, "to": practice.status, "comment": comment})
    if action in _NOTICES and practice.owner_id != user.id:
        notify(practice.owner_id, _NOTICES[action].format(title=practice.title, comment=comment), link)


@dataclass
class DeletionEffects:
    """What else a practice's deletion takes with it, for the question before it."""

    versions: int  # earlier versions in its history
    attachments: int
    adoptions: int  # reports of schools that took the practice up
    recommendations: int  # recommendations the practice is linked to as their implementation
    collections: int  # collections that hold it or one of its files (each stays there as «Материал недоступен»)


def count(statement: Select) -> int:
    """The number a ``select(func.count())…`` statement gives (0 for none)."""
    return db.session.scalar(statement) or 0


def deletion_effects(practice: Practice) -> DeletionEffects:
    return DeletionEffects(
        versions=count(select(func.count()).select_from(PracticeVersion)
                       .where(PracticeVersion.practice_id == practice.id)),
        attachments=len(practice.attachments),
        adoptions=count(select(func.count()).select_from(PracticeAdoption)
                        .where(PracticeAdoption.practice_id == practice.id)),
        recommendations=count(select(func.count()).select_from(recommendation_practice)
                              .where(recommendation_practice.c.practice_id == practice.id)),
        collections=count(select(func.count(func.distinct(CollectionItem.collection_id))).where(or_(
            and_(CollectionItem.item_type == "practice", CollectionItem.item_id == practice.id),
            and_(CollectionItem.item_type == "attachment",
                 CollectionItem.item_id.in_([file.id for file in practice.attachments]))))),
    )


def delete_practice(user: User, practice: Practice, via: str | None = None) -> None:
    """Delete a practice for good (administrators; authors their unsubmitted drafts): its page's «Удалить» and the
    API's DELETE (``via="api"``, kept in the audit record). The row is locked and read again first: of two deletions
    at once the second waits for the first and then finds no row (PracticeGone, not the DELETE's stale revision, a
    409), and the permission is decided on the status after any change that landed meanwhile."""
    locked = db.session.get(Practice, practice.id, with_for_update=True, populate_existing=True)
    if locked is None:
        raise PracticeGone
    if not policy.can_delete(user, locked):
        raise PermissionDenied
    remove_practice(locked, user, via)


def remove_practice(practice: Practice, actor: User | None, via: str | None = None) -> AuditEvent:
    """The deletion itself, its permission already decided (``delete_practice``; an account's deletion takes its
    unpublished practices with it): an audit event, then the row with its versions, history and files; the flush
    writes the index's outbox row and the OAI tombstone, the commit removes the files no practice uses. Returns the
    event (an account's own deletion takes the address off it)."""
    event = record("practice_deleted", actor, "practice", practice.id,
                   details={"title": practice.title, **({"via": via} if via else {})})
    db.session.delete(practice)
    return event


MODERATION_PER_PAGE = 50
# Practices one bulk action («Опубликовать выбранные») takes: four pages of the queue; each goes through
# ``transition`` with its checks, history, audit record and notice, in one transaction.
BULK_LIMIT = 200
# What the queue's bulk form offers on each tab. A draft is published as the import's «--publish» does it:
# submitted, then published (two steps in its history), so only a draft its moderator may submit (their own;
# any, for an administrator) — a teacher's unfinished draft is the teacher's to send.
BULK_ACTIONS = {"submitted": ("publish", "return"), "draft": ("publish",)}
BULK_DONE = {"publish": "Опубликовано", "return": "Возвращено на доработку"}
BULK_REFUSED = {"publish": "Не опубликовано", "return": "Не возвращено"}
BULK_LISTED = 10  # refusals named one by one in the report; the rest by number (a flash lives in the cookie)


def _title_words(query: str) -> list[str]:
    """The LIKE patterns (``contains``) of a title filter's words, folded as the queue compares them (case and «ё»
    aside)."""
    return [contains(word) for word in query.lower().replace("ё", "е").split()][:20]


def _queue_filters(query: Select, user: User, region_code: str | None, title: str) -> Select:
    if region_code:
        query = query.where(Practice.region_code == region_code)
    for word in _title_words(title):
        query = query.where(Practice.title_folded.like(word, escape="\\"))
    return scoped_practices(query, user)


def moderation_queue(user: User, status: str = "submitted", region_code: str | None = None, title: str = "",
                     page: int = 1, per_page: int = MODERATION_PER_PAGE):
    """One page (``db.paginate``) of the practices in the moderator's scope with this status, oldest first; with
    ``title``, only those whose title holds each of its words (case and «ё» aside)."""
    query = _queue_filters(select(Practice.id).where(Practice.status == status), user, region_code, title)
    # The page's ids in the order of ix_practice_updated_order, then only their rows (see _rows_in_order).
    pagination = db.paginate(query.order_by(Practice.updated_at, Practice.id), page=page, per_page=per_page,
                             error_out=False)
    pagination.items = _rows_in_order(list(pagination.items), selectinload(Practice.region),
                                      selectinload(Practice.owner), selectinload(Practice.authors))
    return pagination


def moderation_counts(user: User, region_code: str | None = None, title: str = "") -> dict[str, int]:
    """Practices per status in the moderator's scope, under the queue's filters (a region, title words)."""
    query = _queue_filters(select(Practice.status, func.count()).group_by(Practice.status), user, region_code, title)
    return dict(db.session.execute(query).all())


class BulkRequestError(ValueError):
    """A bulk action that cannot be carried out at all (nothing ticked, too many, a return without a comment)."""


@dataclass
class BulkRefusal:
    practice_id: int
    title: str | None  # None when the moderator may not see the practice: its title is not theirs to read
    reason: str


@dataclass
class BulkOutcome:
    action: str
    done: list[int]
    refused: list[BulkRefusal]

    def messages(self) -> list[tuple[str, str]]:
        """(flash category, Russian message): how many were done, and each refusal with its reason."""
        messages = [("success", f"{BULK_DONE[self.action]}: {len(self.done)}.")] if self.done or not self.refused \
            else []
        if not self.refused:
            return messages
        messages.append(("error", f"{BULK_REFUSED[self.action]}: {len(self.refused)}."))
        for refusal in self.refused[:BULK_LISTED]:
            name = f"№{refusal.practice_id}"
            if refusal.title is not None:
                title = refusal.title if len(refusal.title) <= 60 else refusal.title[:59].rstrip() + "…"
                name = f"«{title}» ({name})"
            messages.append(("error", f"{name}: {refusal.reason}."))
        if rest := self.refused[BULK_LISTED:]:
            numbers = ", ".join(f"№{r.practice_id}" for r in rest)
            messages.append(("error", f"И ещё {len(rest)}: {numbers}."))
        return messages


def _bulk_steps(user: User, practice: Practice, action: str, tab: str) -> list[str]:
    """The transitions ``action`` takes for this practice ticked on the queue's ``tab`` (a status; a draft is
    submitted first); raises InvalidTransition with the reason it is refused. ``transition`` checks each again:
    this is for the reason's words.

    A practice whose status is no longer the tab's was moved by someone else since the page was opened (a
    colleague returned or published it): it is refused as the single action's compare-and-set refuses it, never
    taken on from its new status (a returned practice was submitted again on its author's behalf and published,
    the colleague's return overturned)."""
    if practice.status != tab:
        raise InvalidTransition(f"{STATUS_CHANGED} (теперь — «{_status_label(practice.status)}»)")
    steps = ["submit", action] if action == "publish" and practice.status == "draft" else [action]
    if practice.status not in policy.TRANSITIONS[steps[0]][0]:
        raise InvalidTransition(f"статус «{_status_label(practice.status)}»")
    if not policy.in_scope(user, practice):
        raise InvalidTransition("вне вашей области модерации")
    if steps[0] == "submit" and not policy.can_transition(user, practice, "submit"):
        raise InvalidTransition("черновик другого автора: на рассмотрение его отправляет автор")
    if steps[0] == "submit" and assessments.required():  # a draft published in one go is never assessed
        if policy.is_author(user, practice):  # her own: she may send it, not assess it (policy.can_assess)
            raise InvalidTransition("нет экспертной оценки: отправьте черновик на рассмотрение — свою практику вы "
                                    "не оцениваете, её оценит другой методист или администратор")
        raise InvalidTransition("нет экспертной оценки: отправьте черновик на рассмотрение и оцените его")
    return steps


def _status_label(code: str) -> str:
    return next((s["label"] for s in PRACTICE_STATUSES if s["code"] == code), code)


def bulk_transition(user: User, practice_ids: list[int], action: str, comment: str = "", *,
                    tab: str) -> BulkOutcome:
    """«Опубликовать выбранные», «Вернуть выбранные» on the queue's ``tab`` (the status whose practices were
    listed and ticked): each practice through ``transition``, as its own page's button does it (its moderator's
    scope, the compare-and-set of its status, the history, the audit record, the author's notice, the index
    outbox). One that cannot be moved (its status no longer the tab's among the reasons) is left as it was and
    reported with the reason; the others move. The caller commits."""
    if action not in BULK_DONE:
        raise BulkRequestError(f"Неизвестное действие: {action}.")
    if action not in BULK_ACTIONS.get(tab, ()):
        raise BulkRequestError("На этой вкладке очереди такого действия нет: обновите страницу.")
    ids = list(dict.fromkeys(practice_ids))
    if not ids:
        raise BulkRequestError("Отметьте практики в списке.")
    if len(ids) > BULK_LIMIT:
        raise BulkRequestError(f"За один раз можно обработать не больше {BULK_LIMIT} практик, отмечено {len(ids)}: "
                               "снимите отметку с части.")
    comment = xml_text(comment).strip() if action == "return" else ""  # a publication takes no note to the author
    if action == "return" and not comment:
        raise BulkRequestError("Напишите авторам, что нужно исправить: комментарий получит каждая отмеченная "
                               "практика.")
    found = {p.id: p for p in db.session.scalars(select(Practice).where(Practice.id.in_(ids)))}
    outcome = BulkOutcome(action, [], [])
    for practice_id in ids:
        practice = found.get(practice_id)
        if practice is None or not policy.can_view(user, practice):
            outcome.refused.append(BulkRefusal(practice_id, None, "не найдена или вне вашей области модерации"))
            continue
        link = practice_link(practice.id)
        try:
            steps = _bulk_steps(user, practice, action, tab)
            transition(user, practice, steps[0], comment, link=link)
        except (PermissionDenied, InvalidTransition) as exc:
            reason = str(exc) if isinstance(exc, InvalidTransition) else "нет прав на это действие"
            reason = reason.rstrip(".")  # the report adds its own full stop
            outcome.refused.append(BulkRefusal(practice.id, practice.title, reason[:1].lower() + reason[1:]))
            continue
        for step in steps[1:]:
            # The first step's UPDATE holds the row (the database's write lock) until the commit, and the
            # scope was checked: the publication of a just submitted draft cannot be refused or overtaken.
            transition(user, practice, step, comment, link=link)
        outcome.done.append(practice.id)
    return outcome


def scope_key(user: User) -> tuple[str, str, str]:
    """What ``scoped_practices`` limits the user's practices by (policy.moderation_scope): users with equal keys
    see the same practices (numbers made for one may be shown to the other, never to a user with another key)."""
    return policy.moderation_scope(user)


def scoped_practices(query: Select, user: User) -> Select:
    """The query limited to the practices a moderator oversees: a methodist's region or his organisation in its
    region, all for admins."""
    kind, region_code, organisation = scope_key(user)
    if kind == "all":
        return query
    if kind == "region":
        return query.where(Practice.region_code == region_code)
    if kind == "organisation":
        return query.where(Practice.region_code == region_code,
                           func.replace(func.lower(Practice.organisation), "ё", "е") == organisation)
    return query.where(Practice.id.is_(None))


def left_scope_message(user: User, practice: Practice) -> str:
    """What a moderator is told when their own edit moved the practice out of their scope (its region or
    organisation changed), so that they may no longer open it."""
    kind = policy.moderation_scope(user)[0]
    if kind == "region" and practice.region:
        return (f"Практика перешла в регион «{practice.region.name}»: теперь её рассматривают методисты этого "
                "региона, в вашей очереди её больше нет.")
    moved = "вашему региону" if kind == "region" else "организации, которую вы модерируете, в её регионе"
    return f"Практика больше не относится к {moved}: в вашей очереди её больше нет."


def count_view(practice_id: int) -> None:
    """Add one page view to the practice if it is published: a single UPDATE that keeps its change time."""
    db.session.execute(update(Practice).where(Practice.id == practice_id, Practice.status == "published")
                       .values(views=Practice.views + 1, updated_at=Practice.updated_at)
                       .execution_options(synchronize_session=False))


def _word_diff(old: str, new: str) -> Markup:
    """Word-level differences as escaped HTML with <del>/<ins>."""
    return _diff(old.split(), new.split(), " ")


def _diff(a: list[str], b: list[str], separator: str) -> Markup:
    """Differences of two sequences of words (or of names, ``separator`` between them) as escaped HTML with
    <del>/<ins>."""
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape(separator.join(a[i1:i2]))))
            continue
        change = []
        if i2 > i1:
            change.append(f"<del>{escape(separator.join(a[i1:i2]))}</del>")
        if j2 > j1:
            change.append(f"<ins>{escape(separator.join(b[j1:j2]))}</ins>")
        out.append(" ".join(change))  # what replaced what, side by side
    return Markup(separator.join(out))


FIELD_LABELS = {"title": "Название", **dict(SECTIONS), "authors": "Авторы", "organisation": "Организация",
                "region_code": "Регион", "municipality_id": "Муниципалитет", "levels": "Уровни образования",
                "subjects": "Предметы", "topics": "Темы", "year": "Год", "event": "Где представлена",
                "spread_level": "Уровень распространения", "licence": "Лицензия"}


# Snapshot fields that hold vocabulary codes: the vocabulary (``Labels``) whose names a diff shows.
_CODED_FIELDS = {"region_code": "region", "levels": "level", "subjects": "subject", "topics": "topic"}
_SPREAD_LABELS = {item["code"]: item["label"] for item in SPREAD_LEVELS}


def _as_text(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in value)
    return "" if value is None else str(value)


def _names(key: str, value: object, vocab: Labels) -> list[str] | None:
    """What a reader knows a field that holds codes or a municipality's id by: the names (a code no longer in its
    vocabulary as itself); None for a field of text."""
    if key in _CODED_FIELDS:
        codes = value if isinstance(value, list) else [value] if value else []
        return [vocab.label(_CODED_FIELDS[key], code) for code in codes]
    if key == "municipality_id":
        if not value:
            return []
        municipality = db.session.get(Municipality, value)
        return [municipality.name if municipality is not None else f"№ {value} (удалён из справочника)"]
    if key == "spread_level":
        return [_SPREAD_LABELS.get(value, value)] if value else []
    if key == "licence":
        return [licence(value)["label"]] if value else []
    return None


def _field_diff(key: str, old: object, new: object, vocab: Labels) -> Markup:
    """A field's difference: names removed and added as wholes, words of a text."""
    old_names, new_names = _names(key, old, vocab), _names(key, new, vocab)
    if old_names is not None and new_names is not None:
        return _diff(old_names, new_names, "; ")
    return _word_diff(_as_text(old), _as_text(new))


def diff_snapshots(old: dict, new: dict) -> list[tuple[str, Markup]]:
    """(field label, highlighted difference) for every field that differs; regions, municipalities and vocabulary
    entries by their names. A section a snapshot has no key for (a version saved before the section was added to
    the template, «Теоретическая база») is an empty one; one without a licence (saved before practices had one)
    had what the migration gave the practices stored then, the instance's default."""
    vocab = labels()
    empty = {**dict.fromkeys(SECTION_KEYS, ""), "licence": default_licence()}
    old, new = {**empty, **old}, {**empty, **new}
    return [
        (FIELD_LABELS.get(key, key), _field_diff(key, old.get(key), new.get(key), vocab))
        for key in FIELD_LABELS
        if old.get(key) != new.get(key)
    ]


def version_snapshot(practice: Practice, number: int | None) -> dict | None:
    """Version ``number`` of the practice's content; None means the current content."""
    if number is None:
        return snapshot(practice)
    version = db.session.scalar(select(PracticeVersion).where(
        PracticeVersion.practice_id == practice.id, PracticeVersion.number == number))
    return version.snapshot if version else None


def attachment_url(practice: Practice, attachment_id: int, name: str, **url_options) -> str:
    """Where the API says a practice's file is downloaded: the page's link while the practice is open to everyone;
    else the API's own, which opens for the token of who may see the practice (the page's link would need a
    session: a token opens no address outside the API)."""
    if policy.can_view(None, practice):
        return url_for("attachments.download", attachment_id=attachment_id, filename=name, **url_options)
    return url_for("api.practice_attachment", practice_id=practice.id, attachment_id=attachment_id, **url_options)


def practice_to_json(practice: Practice, url: str) -> dict:
    """The API representation of a practice, for a reader who may see it (a draft's only to its author, its linked
    co-authors and moderators: its files are listed to them alone, with links their token opens: ``attachment_url``)."""
    return {
        "id": practice.id,
        "type": "practice",
        "title": practice.title,
        "url": url,
        "sections": {key: text for key, _heading, text in practice.sections()},
        "authors": [{"name": a.name, "position": a.position} for a in practice.authors],
        "organisation": practice.organisation,
        "municipality": (
            {"code": practice.municipality.code, "label": practice.municipality.name}
            if practice.municipality else None
        ),
        "region": {"code": practice.region.code, "label": practice.region.name} if practice.region else None,
        "levels": [{"code": x.code, "label": x.name} for x in practice.levels],
        "subjects": [{"code": x.code, "label": x.name} for x in practice.subjects],
        "topics": [{"code": x.code, "label": x.label} for x in practice.topics],
        "year": practice.year,
        "event": practice.event,
        "spread_level": practice.spread_level,
        "licence": {"code": practice.licence, "label": licence(practice.licence)["label"],
                    "url": licence(practice.licence)["url"] or None},
        "status": practice.status,
        "is_demo": practice.is_demo,
        "published_at": utc_json(practice.published_at),
        "updated_at": utc_json(practice.updated_at),
        # only recommendations of published resolutions: a draft resolution stays with the methodists
        "recommendations": [
            {
                "id": rec.id,
                "number": rec.number,
                "addressee": rec.addressee,
                "resolution": {"id": rec.resolution.id, "title": rec.resolution.title,
                               "url": url_for("resolutions.detail", resolution_id=rec.resolution.id)},
                "url": url_for("resolutions.recommendation", recommendation_id=rec.id),
            }
            for rec in practice.recommendations
            if rec.resolution.status == "published"
        ],
        # the files as the practice's page lists them; the link is absolute, for a program that saves the JSON
        "attachments": [
            {
                "id": a.id,
                "name": a.original_name,
                "kind": a.kind,
                "size": a.size,
                "content_type": KINDS[a.kind][1],
                "url": attachment_url(practice, a.id, a.original_name, _external=True),
            }
            for a in practice.attachments
        ],
    }
