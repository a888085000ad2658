"""Accounts: registration, authentication, passwords and reset links, roles, audit, notifications."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from kb.accounts.models import NAME_IS_ADDRESS, ROLES, AuditEvent, Notification, User, is_address
from kb.extensions import db
from kb.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
RESET_LINK_LIFETIME = timedelta(hours=48)
# «Забыли пароль?» mails an account at most one link in this time: asked again and again (by anyone who knows the
# address), it would fill the mailbox and replace each link, the administrator's too, before it is used.
RESET_MAIL_INTERVAL = timedelta(minutes=5)
SCOPE_ORGANISATION_REGION = ("Укажите регион модерации и для организации: школ с таким названием много в разных "
                             "регионах, методист модерирует её только в одном.")
# Checked against when the e-mail is unknown, so a wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the user."""


class ScopeRegionMissing(AccountError):
    """An organisation scope without its region (SCOPE_ORGANISATION_REGION): ``moderation_scope_as_stored``."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> None:
    """AccountError unless ``email`` is an address the registration form takes (the same check: email-validator,
    without asking DNS; up to 254 characters): `create-user` made accounts for « » and «not an email»."""
    from email_validator import EmailNotValidError, validate_email

    address = email.strip()
    if not address:
        raise AccountError("Укажите адрес электронной почты.")
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise AccountError(f"Проверьте адрес электронной почты: «{address}» — не адрес.") from exc
    if len(address) > 254:
        raise AccountError("Адрес электронной почты длиннее 254 символов.")


def hash_password(password: str) -> str:
    """A salted scrypt hash (cost from PASSWORD_HASH_METHOD; werkzeug's default strength unless set)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(
    email: str, name: str, password: str, role: str = "teacher", organisation: str = "",
    region_code: str | None = None, scope_region_code: str | None = None, scope_organisation: str | None = None,
    is_demo: bool = False,
) -> User:
    """Create an account; raises AccountError for a malformed or taken e-mail, a weak password, an unknown role or
    a name that is an e-mail address. An empty name is an account without one (User.display_name)."""
    check_email(email)
    if role not in ROLES:
        raise AccountError(f"Неизвестная роль: {role}.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")
    # the forms check these; `create-user` did not (PostgreSQL refused the row with a traceback, SQLite kept it)
    for label, value, column in (("Имя", name, User.name), ("Организация", organisation, User.organisation),
                                 ("Организация методиста", scope_organisation, User.scope_organisation)):
        if len(value := (value or "").strip()) > column.type.length:
            raise AccountError(f"{label} — не длиннее {column.type.length} символов (указано {len(value)}).")
    if is_address(name):  # `create-user` once made the address the name when --name was left out
        raise AccountError(NAME_IS_ADDRESS)
    if find_user(email) is not None:
        raise AccountError("Пользователь с таким адресом уже зарегистрирован.")
    scope_region_code, scope_organisation = moderation_scope_as_stored(
        scope_region_code, scope_organisation, region_code)
    user = User(
        email=normalise_email(email), name=name.strip(), password_hash=hash_password(password), role=role,
        organisation=organisation.strip(), region_code=region_code or None,
        scope_region_code=scope_region_code, scope_organisation=scope_organisation,
        session_token=secrets.token_hex(16), is_demo=is_demo,
    )
    db.session.add(user)
    db.session.flush()
    return user


def register(email: str, name: str, password: str, organisation: str = "", region_code: str | None = None
             ) -> User | None:
    """Registration from the form: the new account, or None when the address already has one. Both take the same
    work, a password hash and a write (an audit event for a taken address), so that the time of the answer, like
    its words, does not tell whether an address has an account (it told: 11 ms against 230 ms, the hash)."""
    existing = find_user(email)
    if existing is not None:
        hash_password(password)  # thrown away: it is what a new account's time is made of
        return _registration_taken(existing)
    try:
        with db.session.begin_nested():  # a savepoint: only this account's insert is undone
            user = create_user(email, name, password, organisation=organisation, region_code=region_code)
            user.consent_at = utcnow()  # the form does not go through without the consent box
    except IntegrityError:
        # Taken since find_user looked: the twin of a double click on «Зарегистрироваться» (uq_user_email, a 500
        # on PostgreSQL). The same answer as for any taken address.
        if (existing := find_user(email)) is None:
            raise
        return _registration_taken(existing)
    record("user_registered", user, "user", user.id)
    return user


def _registration_taken(existing: User) -> None:
    record("registration_taken", None, "user", existing.id)
    db.session.flush()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (the same answer for every failure)."""
    user = find_user(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        record("login_failed", None, details={"email": normalise_email(email)[:254]})
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active_account:
        record("login_failed", user, "user", user.id)
        return None
    user.last_login_at = utcnow()
    record("login", user, "user", user.id)
    return user


def set_password(user: User, password: str) -> None:
    """Set a new password; other sessions and any reset link stop working."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Пароль должен быть не короче {MIN_PASSWORD_LENGTH} символов.")
    user.password_hash = hash_password(password)
    user.session_token = secrets.token_hex(16)
    user.reset_token_hash = None
    user.reset_token_expires = None


def end_sessions(user: User) -> None:
    """«Выйти»: every session of the account ends, on every device (a copy of the session cookie, taken before,
    opened the account after the logout too); its API tokens, separate, keep working."""
    user.session_token = secrets.token_hex(16)
    record("logout", user, "user", user.id)


def password_matches(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def change_password(user: User, current: str, new: str) -> None:
    if not password_matches(user, current):
        record("password_change_failed", user, "user", user.id)
        raise AccountError("Текущий пароль указан неверно.")
    set_password(user, new)
    record("password_changed", user, "user", user.id)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_token(user: User, actor: User | None, via: str | None = None) -> str:
    """A one-time token for a password reset link (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    user.reset_token_hash = _token_hash(token)
    user.reset_token_expires = utcnow() + RESET_LINK_LIFETIME
    record("reset_link_issued", actor, "user", user.id, details={"via": via} if via else None)
    return token


def reset_token_on_request(email: str) -> tuple[User, str] | None:
    """For «Забыли пароль?»: the account of ``email`` and a new reset token to mail it; None for an unknown or
    blocked address, or one mailed a link less than RESET_MAIL_INTERVAL ago (the page answers the same)."""
    user = find_user(email)
    if user is None or not user.is_active_account:
        return None
    issued = user.reset_token_expires - RESET_LINK_LIFETIME if user.reset_token_expires is not None else None
    if issued is not None and issued > utcnow() - RESET_MAIL_INTERVAL:
        return None
    return user, issue_reset_token(user, None, via="forgot")


def user_for_reset_token(token: str) -> User | None:
    """The user a valid, unexpired reset token belongs to."""
    user = db.session.scalar(select(User).where(User.reset_token_hash == _token_hash(token)))
    if user is None or user.reset_token_expires is None or user.reset_token_expires < utcnow():
        return None
    if not user.is_active_account:  # blocked after the link was issued
        return None
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise AccountError("Ссылка для смены пароля недействительна или устарела. Попросите администратора "
                           "выдать новую.")
    set_password(user, password)
    record("password_reset", user, "user", user.id)
    return user


def update_profile(user: User, name: str, organisation: str, region_code: str | None) -> bool:
    """Set the name, organisation and region a user gives about themselves (as at registration); the change is
    recorded in the audit log. A methodist's moderation scope is a setting of its own, made by an administrator
    (``change_role``): it stays as it is. False when nothing changed."""
    name = name.strip()
    if not name:
        raise AccountError("Укажите имя.")
    if is_address(name):
        raise AccountError(NAME_IS_ADDRESS)
    before = {"full_name": user.name, "organisation": user.organisation or "", "region": user.region_code}
    after = {"full_name": name, "organisation": organisation.strip(), "region": region_code or None}
    if before == after:
        return False
    user.name, user.organisation, user.region_code = after["full_name"], after["organisation"], after["region"]
    changed = [key for key in after if before[key] != after[key]]
    record("profile_changed", user, "user", user.id,
           details={"before": {k: before[k] for k in changed}, "after": {k: after[k] for k in changed}})
    return True


def moderation_scope_as_stored(scope_region_code: str | None, scope_organisation: str | None,
                               own_region_code: str | None = None) -> tuple[str | None, str | None]:
    """A moderation scope as stored: a region alone, or an organisation with its region (policy.moderation_scope)
    — the one given, else the user's own region as it is now (a later change of the profile's region does not
    move the scope); raises ScopeRegionMissing for an organisation with neither. The one check of that rule: the
    role form (no own region: the administrator chooses it), create_user and create-user, change_role."""
    scope_organisation = (scope_organisation or "").strip() or None
    scope_region_code = scope_region_code or None
    if scope_organisation and not scope_region_code:
        scope_region_code = own_region_code or None
        if scope_region_code is None:
            raise ScopeRegionMissing(SCOPE_ORGANISATION_REGION)
    return scope_region_code, scope_organisation


def change_role(
    user: User, role: str, actor: User, scope_region_code: str | None = None, scope_organisation: str | None = None
) -> None:
    """Set a user's role and moderation scope (a region, or an organisation in a region:
    ``moderation_scope_as_stored``), recorded in the audit log."""
    if role not in ROLES:
        raise AccountError(f"Неизвестная роль: {role}.")
    if role == "methodist" and not (scope_region_code or (scope_organisation or "").strip()):
        raise AccountError("Для методиста укажите область модерации: регион или организацию.")
    if role == "methodist":
        scope_region_code, scope_organisation = moderation_scope_as_stored(
            scope_region_code, scope_organisation, user.region_code)
    else:
        scope_region_code = scope_organisation = None
    before = {"role": user.role, "scope_region": user.scope_region_code, "scope_organisation": user.scope_organisation}
    user.role = role
    user.scope_region_code, user.scope_organisation = scope_region_code, scope_organisation
    after = {"role": user.role, "scope_region": user.scope_region_code, "scope_organisation": user.scope_organisation}
    if before != after:
        record("role_changed", actor, "user", user.id, details={"before": before, "after": after})


def set_blocked(user: User, blocked: bool, actor: User | None, via: str | None = None) -> bool:
    """Block an account (no login, its sessions end, its API tokens and reset link stop working) or unblock it;
    recorded in the audit log. False when it already was so. An administrator cannot block himself."""
    if blocked and actor is not None and actor.id == user.id:
        raise AccountError("Нельзя заблокировать самого себя.")
    if user.is_active_account != blocked:
        return False
    user.is_active_account = not blocked
    if blocked:
        user.session_token = secrets.token_hex(16)
        user.reset_token_hash = None
        user.reset_token_expires = None
    record("user_blocked" if blocked else "user_unblocked", actor, "user", user.id,
           details={"email": user.email, **({"via": via} if via else {})})
    return True


def record(action: str, actor: User | None, target_type: str = "", target_id: int | None = None,
           details: dict | None = None) -> AuditEvent:
    """Add an audit event (committed with the change it describes)."""
    event = AuditEvent(
        action=action, actor_id=actor.id if actor is not None else None, target_type=target_type,
        target_id=target_id, details=details or {},
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(event)
    return event


def notify(user_id: int | None, message: str, link: str = "") -> None:
    """Leave a message for a user, shown after login. One longer than the column holds is cut with «…» (a return
    comment of 5,000 characters is quoted in it; PostgreSQL refused the row, a 500 that lost the return): the
    whole comment stays with the practice's history and above its edit form."""
    limit = Notification.message.type.length
    if len(message) > limit:
        message = message[: limit - 1].rstrip() + "…"
    if user_id is not None:
        db.session.add(Notification(user_id=user_id, message=message, link=link))


def unread_notifications(user: User) -> list[Notification]:
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.id.desc())
    ))


def read_notifications(user: User, limit: int = 10) -> list[Notification]:
    """The latest notifications the user has marked read (the page lists them under the new ones)."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_not(None))
        .order_by(Notification.id.desc()).limit(limit)
    ))


def mark_notifications_read(user: User, up_to: int | None = None) -> None:
    """Mark the user's unread notifications read: those up to id ``up_to``, the newest the page showed (one that
    arrived after the page was opened stays new), or all of them."""
    for note in unread_notifications(user):
        if up_to is None or note.id <= up_to:
            note.read_at = utcnow()


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: '<id>:<session token>' so a password change ends other sessions."""
    raw_id, _, token = user_id.partition(":")
    if not raw_id.isdigit():
        return None
    user = db.session.get(User, int(raw_id))
    if user is None or not token or not secrets.compare_digest(user.session_token, token):
        return None
    return user
