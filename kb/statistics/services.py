"""The numbers behind the statistics dashboard and its CSV files, always within the moderator's scope.

Every table counts only practices that ``scoped_practices`` leaves to the user: a methodist's region or
organisation, everything for an administrator. Vocabulary tables (region, topic, level, year) count published
practices; a practice with several topics or levels counts once in each of them.

Each table is a GROUP BY over every practice in the scope (0.2–0.3 s apiece at 100,000 practices), so it is kept per
scope (``scope_key``: all, a region, an organisation) and made again only when the outbox shows a practice, its
files or its adoption reports changed, in any process, or after ``STATISTICS_SECONDS``: views and downloads are
counters written without an outbox row, so those numbers are at most a minute old (the page says so).

An author's own practices on «Мои практики» (``own_practices``) carry the same stored numbers, read afresh.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Interval, Select, func, literal, or_, select

from kb.accounts.models import User
from kb.adoption.models import PracticeAdoption
from kb.adoption.services import adoption_counts
from kb.attachments.models import Attachment
from kb.extensions import db
from kb.practices.models import (
    STATUSES,
    Practice,
    PracticeAuthor,
    PracticeTransition,
    practice_level,
    practice_topic,
)
from kb.practices.services import scope_key, scoped_practices
from kb.search.outbox import made_since_last_change, max_outbox_id
from kb.spreadsheets import cell
from kb.timeutil import local, utc_offset, utcnow
from kb.vocabularies.data import PRACTICE_STATUSES, alphabetical
from kb.vocabularies.services import labels

MONTHS = 24
TOP = 10
STATISTICS_SECONDS = 60.0
NO_REGION = "Регион не указан"
NO_YEAR = "Год не указан"
MONTH_NAMES = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
               "ноябрь", "декабрь")
# A month in the table of numbers on the page, for the eye (a phone's narrow column: «сент. 2025»); the CSV, the
# charts and a screen reader have its full name.
MONTH_ABBREVIATIONS = ("янв.", "февр.", "март", "апр.", "май", "июнь", "июль", "авг.", "сент.", "окт.", "нояб.",
                       "дек.")
_STATUS_LABELS = {s["code"]: s["label"] for s in PRACTICE_STATUSES}
# The numbers' headings as a page shows them: a soft hyphen where a long word may break in a narrow column (a phone;
# a browser does not hyphenate Russian by itself everywhere, a word that cannot break widened the table beyond the
# screen); the CSV keeps them whole.
_SOFT = "\u00ad"
_SCREEN_HEADINGS = {
    "Отправлено на рассмотрение": f"Отправ{_SOFT}лено на рассмо{_SOFT}трение",
    "Опубликовано": f"Опубли{_SOFT}ковано",
    "Просмотров": f"Просмот{_SOFT}ров",
    "Скачиваний": f"Скачи{_SOFT}ваний",
    "Сообщений о применении": f"Сооб{_SOFT}щений о приме{_SOFT}нении",
}
_PUBLISHED = Practice.status == "published"


@dataclass(frozen=True)
class Row:
    """One line of a table: a code (vocabulary code, practice number or month), its label and its numbers."""

    key: str
    label: str
    values: tuple[int, ...]
    short_label: str = ""  # what a narrow table shows for the eye instead of the label («янв. 2025»)


@dataclass(frozen=True)
class Table:
    """The numbers of one chart with the headings of its CSV columns."""

    name: str
    title: str
    key_heading: str
    label_heading: str
    value_headings: tuple[str, ...]
    rows: list[Row]
    practice_keys: bool = False  # keys are practice numbers: the chart links them to the practice pages

    @property
    def maximum(self) -> int:
        """The largest number in the table (0 when it is empty)."""
        return max((v for row in self.rows for v in row.values), default=0)

    @property
    def screen_headings(self) -> tuple[str, ...]:
        """The numbers' headings with soft hyphens where a narrow column may break them."""
        return tuple(_SCREEN_HEADINGS.get(heading, heading) for heading in self.value_headings)


def _count_rows(pairs: list[tuple[str, int]], names: dict[str, str]) -> list[Row]:
    """(code, count) pairs as rows, the largest counts first, then by label (in Russian alphabetical order)."""
    rows = [Row(code, names.get(code, code), (count,)) for code, count in pairs]
    return sorted(rows, key=lambda row: (-row.values[0], alphabetical(row.label)))


def by_status(user: User) -> Table:
    """Practices in the scope per workflow status, every status listed."""
    query = select(Practice.status, func.count()).group_by(Practice.status)
    counts = dict(db.session.execute(scoped_practices(query, user)).all())
    rows = [Row(code, _STATUS_LABELS[code], (counts.get(code, 0),)) for code in STATUSES]
    return Table("status", "Практики по статусам", "Код", "Статус", ("Практик",), rows)


def by_region(user: User) -> Table:
    """Published practices per region."""
    query = select(Practice.region_code, func.count()).where(_PUBLISHED).group_by(Practice.region_code)
    pairs = [(code or "", count) for code, count in db.session.execute(scoped_practices(query, user))]
    rows = _count_rows(pairs, {**labels().region, "": NO_REGION})
    return Table("region", "Опубликованные практики по регионам", "Код", "Регион", ("Практик",), rows)


def by_topic(user: User) -> Table:
    """Published practices per topic of the thesaurus."""
    query = (select(practice_topic.c.topic_code, func.count())
             .join(Practice, Practice.id == practice_topic.c.practice_id)
             .where(_PUBLISHED).group_by(practice_topic.c.topic_code))
    rows = _count_rows(list(db.session.execute(scoped_practices(query, user)).all()), labels().topic)
    return Table("topic", "Опубликованные практики по темам", "Код", "Тема", ("Практик",), rows)


def by_level(user: User) -> Table:
    """Published practices per level of education, in the order of the law."""
    query = (select(practice_level.c.level_code, func.count())
             .join(Practice, Practice.id == practice_level.c.practice_id)
             .where(_PUBLISHED).group_by(practice_level.c.level_code))
    counts = dict(db.session.execute(scoped_practices(query, user)).all())
    rows = [Row(code, name, (counts[code],)) for code, name in labels().level.items() if code in counts]
    return Table("level", "Опубликованные практики по уровням образования", "Код", "Уровень образования",
                 ("Практик",), rows)


def by_year(user: User) -> Table:
    """Published practices per year of the practice, oldest first; practices without a year last."""
    query = select(Practice.year, func.count()).where(_PUBLISHED).group_by(Practice.year)
    counts = dict(db.session.execute(scoped_practices(query, user)).all())
    rows = [Row(str(year), str(year), (counts[year],)) for year in sorted(y for y in counts if y is not None)]
    if None in counts:
        rows.append(Row("", NO_YEAR, (counts[None],)))
    return Table("year", "Опубликованные практики по годам", "Код", "Год", ("Практик",), rows)


def last_months(now: datetime, count: int = MONTHS) -> list[tuple[int, int]]:
    """(year, month) of the ``count`` months that end with the month of ``now``, oldest first."""
    index = now.year * 12 + now.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def in_bank_zone(column: ColumnElement) -> ColumnElement:
    """A stored (UTC) time column as the bank's zone's wall clock, in SQL, so months are counted by the zone's
    calendar: a practice published at 23:30 UTC on 31 January is a February one in Moscow. The zone's offset now
    (Russian zones keep one offset all year)."""
    offset = utc_offset()
    if db.session.get_bind().dialect.name == "sqlite":
        return func.datetime(column, f"{int(offset.total_seconds()) // 60:+d} minutes")
    return column + literal(offset, Interval())


def by_month(user: User) -> Table:
    """Submissions and publications per month of the bank's zone over the last 24 months (a restore from the
    archive is no publication)."""
    months = last_months(local(utcnow()))
    start = datetime(months[0][0], months[0][1], 1) - utc_offset()
    moment = in_bank_zone(PracticeTransition.created_at)
    year = func.extract("year", moment)
    month = func.extract("month", moment)
    query = (select(year, month, PracticeTransition.to_status, func.count())
             .join(Practice, Practice.id == PracticeTransition.practice_id)
             .where(PracticeTransition.created_at >= start,
                    PracticeTransition.to_status.in_(("submitted", "published")),
                    PracticeTransition.from_status != "archived")
             .group_by(year, month, PracticeTransition.to_status))
    counts = {(int(y), int(m), status): n for y, m, status, n in db.session.execute(scoped_practices(query, user))}
    rows = [Row(f"{y}-{m:02d}", f"{MONTH_NAMES[m - 1]} {y}",
                (counts.get((y, m, "submitted"), 0), counts.get((y, m, "published"), 0)),
                f"{MONTH_ABBREVIATIONS[m - 1]} {y}") for y, m in months]
    return Table("months", "Поступление и публикация практик по месяцам", "Код месяца", "Месяц",
                 ("Отправлено на рассмотрение", "Опубликовано"), rows)


def _top(query: Select, number: ColumnElement[int], user: User) -> list[Row]:
    """Rows of a (practice number, title, number) query: the ``TOP`` largest numbers."""
    result = db.session.execute(scoped_practices(query.order_by(number.desc(), Practice.id).limit(TOP), user))
    return [Row(str(pid), title, (int(n),)) for pid, title, n in result]


def most_viewed(user: User) -> Table:
    """The practices whose pages were opened most often while published."""
    query = select(Practice.id, Practice.title, Practice.views).where(Practice.views > 0)
    rows = _top(query, Practice.views, user)
    return Table("views", "Самые просматриваемые практики", "№", "Практика", ("Просмотров",), rows, True)


def most_downloaded(user: User) -> Table:
    """The practices whose files were downloaded most often (all their files together)."""
    total = func.sum(Attachment.downloads)
    query = (select(Practice.id, Practice.title, total).join(Attachment, Attachment.practice_id == Practice.id)
             .group_by(Practice.id, Practice.title).having(total > 0))
    return Table("downloads", "Больше всего скачиваний файлов", "№", "Практика", ("Скачиваний",),
                 _top(query, total, user), True)


def most_adopted(user: User) -> Table:
    """The practices with the most adoption reports («Мы применили эту практику»)."""
    reports = func.count(PracticeAdoption.id)
    query = (select(Practice.id, Practice.title, reports)
             .join(PracticeAdoption, PracticeAdoption.practice_id == Practice.id)
             .group_by(Practice.id, Practice.title))
    return Table("adoptions", "Чаще всего применяемые практики", "№", "Практика", ("Сообщений о применении",),
                 _top(query, reports, user), True)


TABLES: dict[str, Callable[[User], Table]] = {
    "status": by_status, "months": by_month, "region": by_region, "topic": by_topic, "level": by_level,
    "year": by_year, "views": most_viewed, "downloads": most_downloaded, "adoptions": most_adopted,
}


def _kept(name: str, user: User, position: int | None = None) -> Table:
    """The table as last made for the user's scope, unless something it counts may have changed since (see the
    module's docstring); the month and the bank's zone are part of the key (the months table's window)."""
    now = local(utcnow())
    key = (scope_key(user), name, now.year, now.month, utc_offset())
    return made_since_last_change("kb_statistics", key, lambda: TABLES[name](user), STATISTICS_SECONDS, position)


def table(name: str, user: User) -> Table | None:
    """One table by its name, within the user's scope; None for an unknown name."""
    return _kept(name, user) if name in TABLES else None


def dashboard(user: User) -> list[Table]:
    """Every table of the dashboard, in the order of the page."""
    position = max_outbox_id()
    return [_kept(name, user, position) for name in TABLES]


@dataclass(frozen=True)
class PracticeNumbers:
    """What the readers did with a published practice: page views, file downloads (all its files together) and
    followers (organisations that reported applying it, counted as its page counts them)."""

    views: int
    downloads: int
    followers: int


@dataclass(frozen=True)
class OwnPractice:
    """A practice on its author's «Мои практики»; numbers only while it is published (a draft has no readers)."""

    practice: Practice
    numbers: PracticeNumbers | None


def own_practices(user: User) -> list[OwnPractice]:
    """The user's own practices, most recently changed first, with the numbers of the published ones: two
    statements however many practices there are (the practices with their downloads, then their followers)."""
    return _practices_with_numbers(Practice.owner_id == user.id)


def coauthored_practices(user: User) -> list[OwnPractice]:
    """The practices with an author line linked to the user's account (kb.practices.coauthors) that are not the
    user's own: the section «Соавторство» of «Мои практики», drafts too, with the same numbers."""
    linked = select(PracticeAuthor.practice_id).where(PracticeAuthor.user_id == user.id,
                                                      PracticeAuthor.link_confirmed.is_(True))
    return _practices_with_numbers(Practice.id.in_(linked), or_(Practice.owner_id.is_(None),
                                                                Practice.owner_id != user.id))


def _practices_with_numbers(*where) -> list[OwnPractice]:
    downloads = (select(func.coalesce(func.sum(Attachment.downloads), 0))
                 .where(Attachment.practice_id == Practice.id).correlate(Practice).scalar_subquery())
    rows = db.session.execute(select(Practice, downloads).where(*where)
                              .order_by(Practice.updated_at.desc(), Practice.id.desc())).all()
    published = [practice.id for practice, _ in rows if practice.is_published]
    followers = adoption_counts(published) if published else {}
    return [OwnPractice(practice, PracticeNumbers(practice.views, int(total), followers.get(practice.id, 0))
                        if practice.is_published else None) for practice, total in rows]


def to_csv(data: Table) -> bytes:
    """The table as CSV for Excel in Russian: UTF-8 with a byte-order mark, «;» between columns."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([data.key_heading, data.label_heading, *data.value_headings])
    for row in data.rows:
        writer.writerow([cell(row.key), cell(row.label), *row.values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
