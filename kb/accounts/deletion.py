"""Deleting an account: the right of 152-ФЗ «О персональных данных» to withdraw consent and have one's personal data
deleted. The account goes with what is only its own (sessions, API tokens, notifications, saved searches,
collections) and its unpublished practices; publications and the registry loads it made for its office stay, without
an owner; the audit log keeps what happened, not whose address it was."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Text, and_, cast, func, or_, select

from kb.accounts.models import AuditEvent, Notification, User
from kb.accounts.services import AccountError, notify, record
from kb.accounts.tokens import ApiToken
from kb.adoption.models import PracticeAdoption
from kb.collections.models import Collection
from kb.extensions import db
from kb.practices.coauthors import LINKED, UNLINKED, coauthor_ids
from kb.practices.models import Practice, PracticeAuthor
from kb.practices.services import count, remove_practice
from kb.search.models import SavedSearch

# Practices that were never publications: deleted with the account. Published and archived ones stay (an archived
# practice was published: cited, harvested, reported as adopted), with no owner; their moderators keep editing them.
UNPUBLISHED = ("draft", "returned", "submitted")
# An unpublished practice loaded from a registry (an office's numbering, or bank-wide from an administrator's load)
# is the office's, not the person's who pressed «Загрузить»: it stays, without an owner, in the moderators' queue.
# A practice the person wrote is deleted, co-authors named in it or not; the co-authors who accepted the invitation
# (kb.practices.coauthors) saw the draft: each is told by a notice that it is gone (no link: nothing to open).
FROM_REGISTRY = or_(Practice.external_id.is_not(None), Practice.external_scope != "")
LAST_ADMIN = ("Нельзя удалить последнего администратора банка: сначала назначьте администратором другого "
              "пользователя (страница «Пользователи»).")
# What the person wrote about themselves in the audit details of their own account's events («Изменён профиль»).
_OWN_DETAILS = ("full_name", "organisation", "email")


@dataclass(frozen=True)
class AccountDeletionEffects:
    """What a deletion of the account would do, for the confirmation page and the command."""

    unpublished: int  # drafts, returned and submitted practices: deleted
    coauthored_unpublished: int  # of them, with co-authors who accepted the invitation (told of the deletion)
    imported: int  # unpublished ones loaded from a registry: stay, without an owner, in the moderators' queue
    published: int  # published and archived practices: stay, without an owner
    collections: int  # all deleted
    shared_collections: int  # of them, open by link or in the public catalogue
    api_tokens: int  # active ones
    saved_searches: int
    notifications: int
    adoptions: int  # adoption reports: stay, without the user


def deletion_effects(user: User) -> AccountDeletionEffects:
    def rows(model, *where):
        return select(func.count()).select_from(model).where(*where)

    owned = Practice.owner_id == user.id
    unpublished = Practice.status.in_(UNPUBLISHED)
    return AccountDeletionEffects(
        unpublished=count(rows(Practice, owned, unpublished, ~FROM_REGISTRY)),
        coauthored_unpublished=count(rows(Practice, owned, unpublished, ~FROM_REGISTRY, Practice.id.in_(
            select(PracticeAuthor.practice_id).where(PracticeAuthor.link_confirmed.is_(True),
                                                     PracticeAuthor.user_id != user.id)))),
        imported=count(rows(Practice, owned, unpublished, FROM_REGISTRY)),
        published=count(rows(Practice, owned, Practice.status.not_in(UNPUBLISHED))),
        collections=count(rows(Collection, Collection.owner_id == user.id)),
        shared_collections=count(rows(Collection, Collection.owner_id == user.id, Collection.visibility != "private")),
        api_tokens=count(rows(ApiToken, ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))),
        saved_searches=count(rows(SavedSearch, SavedSearch.user_id == user.id)),
        notifications=count(rows(Notification, Notification.user_id == user.id)),
        adoptions=count(rows(PracticeAdoption, PracticeAdoption.user_id == user.id)),
    )


def refusal(user: User, lock: bool = False) -> str | None:
    """Why this account cannot be deleted now, or None: the bank keeps at least one active administrator.

    With ``lock`` (the deletion itself) the active administrators' rows are locked until the commit (PostgreSQL's
    FOR UPDATE, all of them in one order): two administrators deleting themselves at once each counted the other
    and left none; now the second waits, then sees the first one gone and is refused. SQLite writes one at a time."""
    if user.role != "admin":
        return None
    admins = select(User.id).where(User.role == "admin", User.is_active_account.is_(True))
    if lock:
        admins = admins.order_by(User.id).with_for_update()
    others = [admin_id for admin_id in db.session.scalars(admins) if admin_id != user.id]
    return LAST_ADMIN if not others else None


def delete_account(user: User, actor: User | None, via: str | None = None) -> None:
    """Delete ``user``: by the person (``actor`` is ``user``), an administrator (``actor``) or the command line
    (``actor`` None, ``via`` "cli"). Raises AccountError for the last administrator. The caller commits.

    Unpublished practices go through the practice deletion (index outbox, OAI tombstones, attachment files); the
    account row's deletion takes its sessions (the session token is in the row), API tokens, notifications, saved
    searches and collections with it (ON DELETE CASCADE) and leaves its publications, the unpublished practices it
    loaded from a registry (FROM_REGISTRY), adoption reports, the history of practices and the expert assessments it
    gave without it (ON DELETE SET NULL). The audit log loses the account's address and the names it gave, and the
    addresses its own events came from (those of the practices deleted now too); a «user_deleted» event keeps the
    account's number only."""
    reason = refusal(user, lock=True)
    if reason is not None:
        raise AccountError(reason)
    user_id, email = user.id, user.email
    by_self = actor is not None and actor.id == user_id
    # Locked and read again (PostgreSQL's FOR UPDATE): a practice another transaction is deleting meanwhile is
    # waited for and then passed over, not deleted a second time (the stale DELETE was a 409).
    practices = list(db.session.scalars(select(Practice).where(
        Practice.owner_id == user_id, Practice.status.in_(UNPUBLISHED), ~FROM_REGISTRY).order_by(Practice.id)
        .with_for_update().execution_options(populate_existing=True)))
    for practice in practices:
        for coauthor_id in sorted(coauthor_ids(practice) - {user_id}):
            notify(coauthor_id, f"Черновик практики «{practice.title}», где вы соавтор, удалён вместе с учётной "
                                "записью автора, разместившего его: в банке его больше нет.")
        event = remove_practice(practice, None if by_self else actor, via="user_deleted")
        if by_self:
            event.ip = ""  # the person's address, as on «user_deleted» below
    db.session.flush()
    _scrub_audit(user_id, email)
    db.session.delete(user)
    db.session.flush()
    event = record("user_deleted", None if by_self else actor, "user", user_id,
                   details={"via": "self" if by_self else via} if by_self or via else None)
    if by_self:
        event.ip = ""  # the person's address: not kept after the deletion they asked for


def _scrub_audit(user_id: int, email: str) -> None:
    """The account's earlier audit events without its e-mail address (an administrator's block, a revoked token, a
    failed login with the address), the names it gave in «Изменён профиль», and the IP addresses of what it did
and of what was asked about it (a reset link, a registration on its address); an administrator's stay."""
    needles = {email, json.dumps(email)[1:-1]}  # as stored: JSON escapes a non-ASCII address
    text = cast(AuditEvent.details, Text)
    events = db.session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor_id == user_id,
        and_(AuditEvent.target_type == "user", AuditEvent.target_id == user_id),
        *[func.lower(text).contains(needle.lower(), autoescape=True) for needle in needles],
    )))
    for event in events:
        own = event.target_type == "user" and event.target_id == user_id
        details = _without(event.details if isinstance(event.details, dict) else {}, email, own)
        if details != event.details:
            event.details = details
        if event.actor_id == user_id or (own and event.actor_id is None):  # not an administrator's own address
            event.ip = ""
    # a co-author link's event names the account by its number only; one recorded with her name before keeps none
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_((LINKED, UNLINKED)),
            text.contains('"user_name"', autoescape=True))):
        if isinstance(event.details, dict) and event.details.get("user_id") == user_id:
            event.details = {key: item for key, item in event.details.items() if key != "user_name"}


def _without(value: object, email: str, own: bool) -> object:
    """``value`` with every occurrence of the address taken out (and, for the account's own events, its names)."""
    def is_email(item: object) -> bool:
        return isinstance(item, str) and item.strip().lower() == email

    if isinstance(value, dict):
        return {key: _without(item, email, own) for key, item in value.items()
                if not is_email(item) and not (own and key in _OWN_DETAILS)}
    if isinstance(value, list):
        return [_without(item, email, own) for item in value if not is_email(item)]
    return value
