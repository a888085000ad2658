"""Time helpers: the database stores naive UTC timestamps."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current UTC time without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)
