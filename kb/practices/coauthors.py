"""Co-authors: an author line of a practice linked to a registered account by its e-mail.

A link is an invitation (``PracticeAuthor.link_confirmed`` false): the invitee is told and accepts or declines it in
«Мои практики» («Приглашения в соавторы»); until she accepts she gets nothing of the practice. Declined, the line is
unlinked; she may unlink herself («Выйти из соавторов») at any time. The confirmed co-author sees the practice in
«Мои практики» (section «Соавторство», its drafts too), may open a draft of it, downloads the certificate of the
published practice and gets its adoption notices; she edits and submits nothing of it (kb.practices.policy:
``is_coauthor`` enters ``can_view`` and ``can_get_certificate`` only). Who links and unlinks:
``policy.can_manage_coauthors``. One account, one line of a practice: ``link`` checks it, and the unique index
``uq_practice_author_user`` refuses the second of two links made at once. An answer reads the line again, locked
(``own_line``): one relinked to another account since her page was read is no longer hers to answer. Each link,
acceptance and unlink is in the audit log, which the practice's history shows («Соавторы»)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from kb.accounts.models import AuditEvent, User
from kb.accounts.services import check_email, find_user, notify, record
from kb.extensions import db
from kb.practices import policy
from kb.practices.models import Practice, PracticeAuthor

LINKED = "coauthor_linked"
UNLINKED = "coauthor_unlinked"
CONFIRMED = "coauthor_confirmed"


class CoauthorError(ValueError):
    """The link cannot be made or undone as asked: the message says why, in Russian."""


# The invitee's answer finds her line no longer waiting for it: unlinked, or linked to another account, since her
# page was read (README, «Соавторы»).
INVITATION_GONE = "Приглашение больше не действует: привязку строки автора сняли или изменили. Обновите страницу."
NOT_LINKED = "Вы не указаны соавтором этой практики: возможно, привязку уже сняли."
# Two links of one account to two lines of a practice at once: the unique index (practice_id, user_id) refuses the
# second (migration zCcou0000001); the application's own check could not see the other request's row.
# A link refused for what the linker may not learn of the account (README, «Соавторы»): it waits at another line of
# the practice invited by someone else, or it declined someone else's invitation. The same words for both.
NOT_INVITABLE = ("Привязать не удалось: пригласить эту учётную запись к этой строке нельзя. Если адрес верный, "
                 "обратитесь к администратору банка.")
LINKED_MEANWHILE = ("Привязать не удалось: эту учётную запись только что привязали к другой строке этой практики "
                    "(одна учётная запись — одна строка автора). Обновите страницу.")


def _line(practice: Practice, author_id: int) -> PracticeAuthor:
    """The author line ``author_id`` of the practice, read again under a row lock (SELECT … FOR UPDATE on PostgreSQL;
    SQLite has one writer at a time): a link or an answer of another request since the practice was read is seen,
    not written over."""
    author = next((a for a in practice.authors if a.id == author_id), None)
    if author is None or _locked(select(PracticeAuthor).where(PracticeAuthor.id == author_id)) is None:
        raise CoauthorError("Такой строки автора у практики нет: обновите страницу.")
    return author


def _locked(query) -> PracticeAuthor | None:
    """The author line ``query`` finds, locked for the rest of the transaction and with what is stored now (not what
    the session read before)."""
    return db.session.scalars(query.with_for_update().execution_options(populate_existing=True)).one_or_none()


def unknown_address(email: str) -> str:
    """The answer for an address with no account the link could go to. A blocked account's address gets the same
    words: the linker learns nothing more of an account than that it can be linked. Unlike registration and the
    password reset, this tells whether an address has an account, on purpose (the linker must know whether her
    invitation reached someone; README, «Соавторы»), limited by the form's 60 tries an hour."""
    return (f"Привязать не удалось: учётной записи с адресом «{email}» в банке нет. Проверьте адрес или попросите "
            "соавтора зарегистрироваться с ним, а затем привяжите строку снова.")


def link(actor: User, practice: Practice, author_id: int, email: str) -> PracticeAuthor:
    """Invite the active account of ``email`` to the author line ``author_id``: the invitee is told (a notice, once
    an invitation: not for a relink of it, again after she declined one, ``invitations_of``) and the link counts
    once she accepts it (``accept``); the actor linking her own account needs no invitation."""
    if not policy.can_manage_coauthors(actor, practice):
        raise PermissionError
    author = _line(practice, author_id)
    email = " ".join(email.split())
    try:
        check_email(email)
    except ValueError as exc:  # AccountError: its words are the registration form's
        raise CoauthorError(str(exc)) from exc
    if author.user_id is not None and not author.link_confirmed and author.user_id != actor.id:
        # whatever the address: an answer of its own for the invitee's would confirm a guess of it
        raise CoauthorError(f"Строка «{author.name}» уже ждёт ответа на приглашение: чтобы пригласить другого "
                            "соавтора, сначала отвяжите её.")
    user = find_user(email)
    if user is None or not user.is_active_account:
        raise CoauthorError(unknown_address(email))
    if author.user_id == user.id:
        raise CoauthorError(f"Строка «{author.name}» уже привязана к этой учётной записи.")
    past = invitations_of(practice, user.id)
    if actor.role != "admin" and user.id not in (actor.id, practice.owner_id) and past.declined_from:
        # each invitation is a notice with a title the linker chose: once is enough. Whose invitation she turned
        # down is told only to its linker (she typed the address herself); anyone else is told no more than that
        # the account cannot be invited here, or the answer would confirm a guess of who declined.
        if actor.id in past.declined_from:
            raise CoauthorError("Эта учётная запись уже отклонила приглашение в соавторы этой практики или вышла из "
                                "соавторов: пригласить её снова может только администратор.")
        raise CoauthorError(NOT_INVITABLE)
    other = next((a for a in practice.authors if a.user_id == user.id and a is not author), None)
    if other is not None and not other.link_confirmed and user.id != actor.id:
        # the page shows that line as «приглашение отправлено», not to whom: it is named to whoever made that
        # invitation (and to an administrator, whose audit log names it); to anyone else naming it, or even saying
        # that the account waits at another line, would confirm the guess
        if past.linker == actor.id:
            raise CoauthorError(f"Эту учётную запись вы уже пригласили к строке «{other.name}»: одна учётная запись "
                                "— одна строка автора. Чтобы пригласить её к этой строке, сначала отвяжите ту.")
        if actor.role == "admin":
            raise CoauthorError(f"Эта учётная запись уже приглашена к строке «{other.name}»: одна учётная запись — "
                                "одна строка автора. Чтобы пригласить её к этой строке, сначала отвяжите ту.")
        raise CoauthorError(NOT_INVITABLE)
    if other is not None:
        raise CoauthorError(f"Эта учётная запись уже привязана к строке «{other.name}»: одна учётная запись — "
                            "одна строка автора.")
    before = author.user_id
    author.user_id = user.id
    author.link_confirmed = user.id in (actor.id, practice.owner_id)  # her own line: no invitation
    try:
        db.session.flush()
    except IntegrityError as exc:  # the caller rolls the transaction back
        raise CoauthorError(LINKED_MEANWHILE) from exc
    if before is not None:
        record(UNLINKED, actor, "practice", practice.id, details={"author": author.name, "user_id": before})
    # the account by its number only (its name is read when shown): a deleted account leaves no name in the log
    record(LINKED, actor, "practice", practice.id, details={"author": author.name, "user_id": user.id})
    if not author.link_confirmed and not past.told:  # link, unlink, link…: one notice, not one a link
        notify(user.id, f"Вас приглашают в соавторы практики «{practice.title}»: примите или отклоните приглашение "
                        "в «Мои практики», в разделе «Приглашения в соавторы».", _invitations_link())
    return author


@dataclass(frozen=True)
class PastInvitations:
    """What the audit log says of one account's links to the lines of a practice."""

    linker: int | None  # who made her latest link (her current one, if a line is linked to her)
    told: bool  # she got the notice of an invitation and has not declined nor left since
    declined_from: frozenset[int | None]  # the linkers of the links she undid herself (declined, or left)


def invitations_of(practice: Practice, user_id: int) -> PastInvitations:
    """The account's links to the practice's lines, from its audit log. A decline (or leaving) ends the invitation
    she was told of: one made after it is a new one, told again; a line unlinked and linked again by the linker, or
    by an edit, in between, is the same invitation, told once."""
    linker, told, declined_from = None, False, set()
    for event in _events(practice, (LINKED, UNLINKED)):
        if not isinstance(event.details, dict) or event.details.get("user_id") != user_id:
            continue
        if event.action == LINKED:
            linker = event.actor_id
            told = told or event.actor_id != user_id
        elif event.actor_id == user_id:  # she unlinked her own line
            declined_from.add(linker)
            told = False
    return PastInvitations(linker, told, frozenset(declined_from))


def _events(practice: Practice, actions: tuple[str, ...]) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "practice", AuditEvent.target_id == practice.id,
        AuditEvent.action.in_(actions)).order_by(AuditEvent.id)))


def _invitations_link() -> str:
    from flask import has_request_context, url_for

    return url_for("practices.mine", _anchor="invitations") if has_request_context() else ""


def own_line(user: User, practice: Practice, message: str = NOT_LINKED) -> PracticeAuthor:
    """The author line of ``practice`` linked to ``user`` (invited or confirmed) as stored now, locked until the
    transaction ends: the page she answered from may be older than a relink of her line to another account."""
    author = _locked(select(PracticeAuthor).where(PracticeAuthor.practice_id == practice.id,
                                                  PracticeAuthor.user_id == user.id))
    if author is None:
        raise CoauthorError(message)
    return author


def accept(user: User, practice: Practice) -> PracticeAuthor:
    """The invitee accepts: from now on she is a co-author of the practice (accepted already: nothing to do)."""
    author = own_line(user, practice, INVITATION_GONE)
    if not author.link_confirmed:
        author.link_confirmed = True
        record(CONFIRMED, user, "practice", practice.id, details={"author": author.name, "user_id": user.id})
        db.session.flush()
    return author


def decline(user: User, practice: Practice) -> PracticeAuthor:
    """The invitee declines the invitation she has not accepted: her line is unlinked (its name stays)."""
    author = own_line(user, practice, INVITATION_GONE)
    if author.link_confirmed:  # accepted meanwhile (another tab): leaving is a choice of its own
        raise CoauthorError("Вы уже приняли это приглашение: выйти из соавторов можно на странице практики.")
    return _unlinked(user, practice, author)


def leave(user: User, practice: Practice) -> PracticeAuthor:
    """The co-author leaves (or the invitee declines): her line is unlinked (its name stays)."""
    return _unlinked(user, practice, own_line(user, practice))


def invitations(user: User) -> list[PracticeAuthor]:
    """The author lines linked to ``user`` that wait for her answer, newest practice first."""
    return list(db.session.scalars(select(PracticeAuthor).where(
        PracticeAuthor.user_id == user.id, PracticeAuthor.link_confirmed.is_(False))
        .options(selectinload(PracticeAuthor.practice)).order_by(PracticeAuthor.practice_id.desc())))


def unlink(actor: User, practice: Practice, author_id: int) -> PracticeAuthor:
    """Undo the link of the author line ``author_id`` (its name stays in the practice as it was)."""
    author = _line(practice, author_id)
    if not policy.can_manage_coauthors(actor, practice, author):
        raise PermissionError
    if author.user_id is None:
        raise CoauthorError(f"Строка «{author.name}» не привязана к учётной записи.")
    return _unlinked(actor, practice, author)


def _unlinked(actor: User, practice: Practice, author: PracticeAuthor) -> PracticeAuthor:
    """Unlink the (locked) line ``author``, said in the audit log."""
    record(UNLINKED, actor, "practice", practice.id, details={"author": author.name, "user_id": author.user_id})
    author.user_id = None
    author.link_confirmed = False
    db.session.flush()
    return author


@dataclass(frozen=True)
class CoauthorEvent:
    """A line of the history's «Соавторы»: who linked (or unlinked) which author line to which account, when."""

    created_at: datetime
    actor: str
    linked: bool
    author: str
    account: str
    by_edit: bool
    confirmed: bool = False


def history(practice: Practice) -> list[CoauthorEvent]:
    """The links and unlinks of the practice's author lines, oldest first."""
    events = _events(practice, (LINKED, UNLINKED, CONFIRMED))
    ids = {e.details.get("user_id") for e in events if isinstance(e.details, dict)} - {None}
    existing = set(db.session.scalars(select(User.id).where(User.id.in_(ids))))
    # an account is named once it accepted an invitation here (she consented), or linked its own line, or owns the
    # practice; before, the linker who typed an e-mail learns no name of it — nor when she declines, nor once she
    # left (unlinked her own line after accepting: her consent went with her; accepted again, she is named again)
    consented: set = set()
    for e in events:
        user_id = e.details.get("user_id") if isinstance(e.details, dict) else None
        if e.action == CONFIRMED or (e.action == LINKED and e.actor_id == user_id):
            consented.add(user_id)
        elif e.action == UNLINKED and e.actor_id == user_id:
            consented.discard(user_id)
    consented.add(practice.owner_id)
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(existing & consented)))}

    def account(user_id) -> str:
        if user_id not in existing:
            return "учётная запись удалена"
        return names.get(user_id, "")

    def actor(event: AuditEvent) -> str:
        if event.actor is None:
            return "—"
        own_line = isinstance(event.details, dict) and event.details.get("user_id") == event.actor_id
        if own_line and event.actor_id not in consented:
            return "приглашённый соавтор"  # she declined: her name stays hers
        return event.actor.display_name

    return [CoauthorEvent(
        e.created_at, actor(e), e.action == LINKED,
        str(e.details.get("author", "")), account(e.details.get("user_id")),
        bool(e.details.get("edit")), e.action == CONFIRMED) for e in events]


def coauthor_ids(practice: Practice) -> set[int]:
    """The accounts linked to the practice's author lines that accepted the invitation."""
    return {author.user_id for author in practice.authors if author.user_id is not None and author.link_confirmed}
