"""Personal API tokens: created and revoked on the profile page, stored hashed, shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.accounts.models import User
from kb.accounts.services import AccountError, record
from kb.extensions import db
from kb.textclean import composed, xml_text
from kb.timeutil import utcnow

TOKEN_PREFIX = "kb_"
SHOWN_CHARS = 6
MAX_ACTIVE_TOKENS = 20
MAX_NAME_LENGTH = 100
# Writing last_used_at on every call would turn every API read into a write; a minute is precise enough.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiToken(db.Model):
    """A bearer token for the API, acting as its user; only the SHA-256 of the secret is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME_LENGTH))
    # "kb_" and the first characters of the secret: enough to recognise a token in the list, useless to attack it.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its secret (the only time the secret is available). The name comes from the
    form as typed: without control characters (a NUL is a row PostgreSQL refuses), in NFC."""
    name = " ".join(composed(xml_text(name)).split())[:MAX_NAME_LENGTH]
    if not name:
        raise AccountError("Назовите токен: например, по программе, которая будет им пользоваться.")
    if len(active_tokens(user)) >= MAX_ACTIVE_TOKENS:
        raise AccountError(f"Не больше {MAX_ACTIVE_TOKENS} действующих токенов: отзовите ненужные.")
    body = secrets.token_urlsafe(32)
    secret = TOKEN_PREFIX + body
    token = ApiToken(user_id=user.id, name=name, prefix=TOKEN_PREFIX + body[:SHOWN_CHARS], token_hash=_hash(secret))
    db.session.add(token)
    db.session.flush()
    record("api_token_created", user, "api_token", token.id, details={"name": name, "prefix": token.prefix})
    return token, secret


def active_tokens(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def active_token(user: User, token_id: int) -> ApiToken | None:
    """One of the user's tokens not yet revoked; None for a token of someone else, a revoked one or none."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == user.id and token.revoked_at is None else None


def revoke_token(user: User, token_id: int, actor: User | None = None) -> ApiToken:
    """Revoke one of the user's tokens, by the user or (``actor``) by an administrator; a token of someone else
    is reported as not found."""
    token = active_token(user, token_id)
    if token is None:
        raise AccountError("Такого действующего токена нет.")
    token.revoked_at = utcnow()
    details = {"name": token.name, "prefix": token.prefix}
    if actor is not None and actor.id != user.id:
        details["email"] = user.email  # whose token the administrator revoked
    record("api_token_revoked", actor or user, "api_token", token.id, details=details)
    return token


def user_for_token(secret: str) -> User | None:
    """The active user a valid, unrevoked token belongs to; notes (unflushed) when the token was last used."""
    user = token_owner(secret)
    return user if user is not None and user.is_active_account else None


def token_owner(secret: str) -> User | None:
    """The user a valid, unrevoked token belongs to, blocked or not; notes (unflushed) when an active account's
    token was last used."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if not token.user.is_active_account:
        return token.user
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token.user
