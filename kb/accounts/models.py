"""Users and roles, the audit log, and in-app notifications."""

from __future__ import annotations

import re
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.extensions import db
from kb.timeutil import utcnow
from kb.vocabularies.models import Region

ROLES = ("teacher", "methodist", "admin")
ROLE_LABELS = {"teacher": "Педагог", "methodist": "Методист", "admin": "Администратор"}
# An account's name is shown to others (a public collection's «составитель», its DOCX/PDF, a practice's history, the
# moderation queue), and /privacy promises that no visitor ever sees an e-mail address: a name that is one is never
# stored (create_user, update_profile, the forms) nor shown (User.display_name). Migration z1nam0000001 has the
# same rule.
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+")
NAME_IS_ADDRESS = ("Имя видят другие посетители банка: укажите фамилию, имя и отчество, а не адрес электронной "
                   "почты.")


def is_address(text: str) -> bool:
    """Whether ``text`` is an e-mail address (``local@domain``), which may not stand for a person's name."""
    return _ADDRESS.fullmatch(text.strip()) is not None


class User(UserMixin, db.Model):
    """An account: a teacher, a methodist moderating a scope, or an administrator."""

    # A deleted account's id is never given again (migration z0uid0000001): the audit log names accounts by number
    # («Пользователь №2»), and rate limits count per account (account:2).
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    organisation: Mapped[str] = mapped_column(String(500), default="")
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    role: Mapped[str] = mapped_column(String(20), default="teacher")
    # A methodist moderates one region (scope_region_code alone) or one organisation (as written on practices) in
    # one region (both set); an organisation without a region moderates nothing (kb.practices.policy).
    scope_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    scope_organisation: Mapped[str | None] = mapped_column(String(500))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When the person ticked «Я согласен(на) на обработку персональных данных» on the registration form; None for
    # accounts made before the box existed, by `create-user`, the demo or an administrator (no consent recorded).
    consent_at: Mapped[datetime | None]
    # Changed with every password change, logout and block: the account's sessions end on every device.
    session_token: Mapped[str] = mapped_column(String(64))
    reset_token_hash: Mapped[str | None] = mapped_column(String(128))
    reset_token_expires: Mapped[datetime | None]

    region: Mapped[Region | None] = relationship(foreign_keys=[region_code])
    scope_region: Mapped[Region | None] = relationship(foreign_keys=[scope_region_code])

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def has_name(self) -> bool:
        """Whether the account gave a name fit to show (`create-user` without --name gives none)."""
        name = (self.name or "").strip()
        return bool(name) and not is_address(name)

    @property
    def display_name(self) -> str:
        """The account as everyone sees it, its owner included: its name, or its role («Методист») when it has
        none — never its e-mail address."""
        return self.name.strip() if self.has_name else self.role_label

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_moderator(self) -> bool:
        return self.role in ("methodist", "admin")

    @property
    def scope_label(self) -> str:
        if self.role == "admin":
            return "весь банк"
        if self.scope_organisation:
            where = self.scope_region.name if self.scope_region else "регион не задан — практик не видит"
            return f"{self.scope_organisation} ({where})"
        if self.scope_region:
            return self.scope_region.name
        return "не задана"


class AuditEvent(db.Model):
    """Who did what and when: logins, role changes, status changes, deletions."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")

    actor: Mapped[User | None] = relationship()


class Notification(db.Model):
    """A message for one user, shown after login until read."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(1000))
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
