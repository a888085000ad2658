"""Demo content written for this product: practices and resolutions marked as demo."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from kb.accounts.models import ROLE_LABELS, User
from kb.accounts.services import create_user, find_user
from kb.demo.files import attach_demo_files
from kb.extensions import db
from kb.practices.models import SECTION_KEYS, Practice, PracticeAuthor
from kb.resolutions.services import import_resolution_file
from kb.timeutil import utcnow
from kb.vocabularies.models import EducationLevel, Subject, Topic
from kb.vocabularies.services import find_municipality

DEMO_DIR = Path(__file__).resolve().parent
PRACTICE_FILES = ("practices_a.json", "practices_b.json")


# Demo sign-ins, one per role; printed by `flask --app kb demo` and `make run`.
DEMO_ACCOUNTS = (
    {"email": "teacher@demo.example", "password": "demo-teacher-pass", "role": "teacher",
     "name": "Петрова Ольга Викторовна (демо)", "organisation": "МАОУ «СОШ № 1» (демо)", "region": "RU-CHE"},
    {"email": "methodist@demo.example", "password": "demo-methodist-pass", "role": "methodist",
     "name": "Соколова Марина Игоревна (демо)", "organisation": "Методический центр (демо)", "region": "RU-CHE"},
    {"email": "admin@demo.example", "password": "demo-admin-pass", "role": "admin",
     "name": "Администратор банка (демо)", "organisation": "", "region": None},
)


@dataclass
class DemoReport:
    practices_created: int = 0
    practices_existing: int = 0
    resolutions_created: int = 0
    resolutions_existing: int = 0
    files_created: int = 0
    files_existing: int = 0
    files_skipped: int = 0
    files_refused: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def _demo_accounts() -> tuple[User, list[tuple[str, str, str]]]:
    """Create the demo accounts that do not exist yet; returns the demo teacher and the sign-ins."""
    teacher = None
    for account in DEMO_ACCOUNTS:
        user = find_user(account["email"])
        if user is None:
            user = create_user(
                account["email"], account["name"], account["password"], role=account["role"],
                organisation=account["organisation"], region_code=account["region"],
                scope_region_code=account["region"] if account["role"] == "methodist" else None, is_demo=True,
            )
        if account["role"] == "teacher":
            teacher = user
    sign_ins = [(a["email"], a["password"], ROLE_LABELS[a["role"]]) for a in DEMO_ACCOUNTS]
    return teacher, sign_ins


def _demo_methodist() -> User:
    return find_user(next(a["email"] for a in DEMO_ACCOUNTS if a["role"] == "methodist"))


def _demo_admin() -> User:
    return find_user(next(a["email"] for a in DEMO_ACCOUNTS if a["role"] == "admin"))


def demo_practices() -> list[dict]:
    """The demo practice records, in file order."""
    records: list[dict] = []
    for name in PRACTICE_FILES:
        records.extend(json.loads((DEMO_DIR / name).read_text(encoding="utf-8")))
    return records


def load_demo() -> DemoReport:
    """Add the demo practices, their files and the resolutions that are not in the database yet."""
    report = DemoReport()
    teacher, report.accounts = _demo_accounts()
    levels = {x.code: x for x in db.session.scalars(select(EducationLevel))}
    subjects = {x.code: x for x in db.session.scalars(select(Subject))}
    topics = {x.code: x for x in db.session.scalars(select(Topic))}
    existing = set(db.session.scalars(select(Practice.external_id).where(Practice.is_demo.is_(True))))
    for record in demo_practices():
        external_id = f"demo:{record['key']}"
        if external_id in existing:
            report.practices_existing += 1
            continue
        municipality = None
        if record.get("municipality"):
            municipality = find_municipality(record["region"], record["municipality"])
        practice = Practice(
            external_id=external_id,
            title=record["title"],
            **{key: record.get(key) or "" for key in SECTION_KEYS},
            organisation=record.get("organisation") or "",
            municipality=municipality,
            region_code=record["region"],
            year=record.get("year"),
            event=record.get("event") or "",
            spread_level=record.get("spread_level"),
            status=record.get("status", "published"),
            is_demo=True,
            # The demo teacher owns the unpublished demo practices, so signing in as her shows the workflow.
            owner_id=teacher.id if record.get("status", "published") != "published" else None,
            levels=[levels[c] for c in record.get("levels", [])],
            subjects=[subjects[c] for c in record.get("subjects", [])],
            topics=[topics[c] for c in record.get("topics", [])],
            authors=[
                PracticeAuthor(position_index=i, name=a["name"], position=a.get("position", ""))
                for i, a in enumerate(record.get("authors", []))
            ],
        )
        if practice.status == "published":
            practice.published_at = utcnow()
        db.session.add(practice)
        report.practices_created += 1
    db.session.flush()
    # the files of the demo practices, attached by the demo admin (who may edit every practice)
    practices = {p.external_id.removeprefix("demo:"): p for p in db.session.scalars(
        select(Practice).where(Practice.is_demo.is_(True), Practice.external_id.like("demo:%")))}
    files = attach_demo_files(_demo_admin(), practices)
    report.files_created, report.files_existing, report.files_skipped = files.created, files.existing, files.skipped
    report.files_refused = files.refused
    for path in sorted((DEMO_DIR / "resolutions").glob("*")):
        if path.suffix.lower() not in {".txt", ".md", ".docx"}:
            continue
        result = import_resolution_file(path, publish=True, is_demo=True)
        if result.created:
            # loaded by the demo methodist, who may then edit them (a methodist edits what she loaded and the
            # resolutions of her region; the demo ones are of other regions)
            result.resolution.imported_by_id = _demo_methodist().id
            report.resolutions_created += 1
        else:
            report.resolutions_existing += 1
    return report
