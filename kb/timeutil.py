"""Time helpers: the database stores naive UTC timestamps; pages show them in the bank's time zone (TIME_ZONE)."""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app, has_app_context

DEFAULT_TIME_ZONE = "Europe/Moscow"
MOSCOW_OFFSET = timedelta(hours=3)  # Moscow time has been UTC+3 all year since 26 October 2014


def utcnow() -> datetime:
    """The current UTC time without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def utc_json(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as the API writes it: ISO 8601 with its zone, «2026-12-06T16:07:57.639037Z» (as
    Atom and OAI-PMH mark UTC), so a reader does not take it for its own local time; always with microseconds, so
    the strings sort as the moments do. None stays None."""
    if value is None:
        return None
    moment = value.astimezone(UTC) if value.tzinfo else value
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


UNKNOWN_ZONE = ("такого часового пояса нет в базе IANA (пример правильного значения: «Europe/Moscow», "
                "«Asia/Yekaterinburg»).")


@lru_cache(maxsize=8)
def time_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; a name the zone database does not know raises ValueError in Russian."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"TIME_ZONE = {name!r}: {UNKNOWN_ZONE}") from error


def bank_zone() -> ZoneInfo:
    """The zone the bank's pages speak in (TIME_ZONE; Moscow time outside an application)."""
    name = current_app.config.get("TIME_ZONE", DEFAULT_TIME_ZONE) if has_app_context() else DEFAULT_TIME_ZONE
    return time_zone(name)


def local(value: datetime) -> datetime:
    """A stored (naive UTC) time as the wall clock of the bank's zone shows it, naive."""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(bank_zone()).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in the bank's zone (the date a citation was accessed, the current year of a form)."""
    return datetime.now(bank_zone()).date()


def utc_offset(moment: datetime | None = None) -> timedelta:
    """How far the bank's zone is ahead of UTC at ``moment`` (stored, naive UTC; now by default)."""
    moment = (moment or utcnow()).replace(tzinfo=UTC)
    return moment.astimezone(bank_zone()).utcoffset() or timedelta(0)


def zone_label(moment: datetime | None = None) -> str:
    """The zone as Russians name it: «МСК», «МСК+2» (Челябинск), «МСК−1» (Калининград); an offset that is not a
    whole number of hours from Moscow as «UTC+5:30»."""
    offset = utc_offset(moment)
    hours, rest = divmod(int((offset - MOSCOW_OFFSET).total_seconds()) // 60, 60)
    if rest:
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "−"
        return f"UTC{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"
    if hours == 0:
        return "МСК"
    return f"МСК+{hours}" if hours > 0 else f"МСК−{-hours}"
