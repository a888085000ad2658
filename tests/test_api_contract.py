"""The API against its own OpenAPI document: schemathesis generates requests; no 5xx, every answer as documented."""

import random

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import bearer

pytestmark = pytest.mark.schemathesis

MAX_EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(demo_app):
    """The document as the demo app serves it, requests sent to the app in-process (WSGI); an admin's token."""
    from kb.accounts.services import create_user
    from kb.accounts.tokens import create_token
    from kb.extensions import db

    demo_app.config["API_RATE_LIMIT"] = "100000 per minute"
    with demo_app.app_context():
        admin = create_user("api-admin@example.org", "Проверка API", "correct-horse-battery", role="admin")
        _token, demo_app.extensions["kb_test_token"] = create_token(admin, "schemathesis")
        db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)


def _existing_ids(app) -> dict[str, int | str]:
    """A published practice and resolution of the demo data, a file of the practice and two collections of theirs
    (public and shared by link), so generated requests reach past the 404."""
    from sqlalchemy import select

    from kb.accounts.models import User
    from kb.attachments.services import add_attachment
    from kb.collections.services import add_item, create_collection
    from kb.extensions import db
    from kb.practices.models import Practice
    from kb.resolutions.models import Resolution

    with app.app_context():
        practice_id = db.session.scalar(select(Practice.id).where(Practice.status == "published").limit(1))
        resolution_id = db.session.scalar(select(Resolution.id).where(Resolution.status == "published").limit(1))
        owner = db.session.scalar(select(User).where(User.email == "api-admin@example.org"))
        collections = {}
        for visibility in ("public", "link"):
            collection = create_collection(owner, f"Подборка для проверки API ({visibility})", "", visibility)
            add_item(owner, collection, "practice", practice_id)
            add_item(owner, collection, "resolution", resolution_id)
            collections[visibility] = collection
        attachment = add_attachment(owner, db.session.get(Practice, practice_id), "итоги.txt",
                                    "Итоги работы школьного научного общества.".encode())
        db.session.commit()
        return {"practice_id": practice_id, "resolution_id": resolution_id, "attachment_id": attachment.id,
                "collection_id": collections["public"].id, "token": collections["link"].share_token}


def _doomed_practice(app, kept: int) -> int:
    """Another published practice of the demo data, for DELETE: the one the other operations read stays."""
    from sqlalchemy import select

    from kb.extensions import db
    from kb.practices.models import Practice

    with app.app_context():
        return db.session.scalar(select(Practice.id).where(Practice.status == "published", Practice.id != kept)
                                 .limit(1))


def test_api_conforms_to_its_document(api_schema, demo_app):
    """Each operation, anonymous and with an administrator's token (the widest rights: every branch answers).

    Operations with an id in the path run twice: with generated ids (mostly 404) and with existing ones.
    """
    token = demo_app.extensions["kb_test_token"]
    ids = _existing_ids(demo_app)
    doomed = {**ids, "practice_id": _doomed_practice(demo_app, ids["practice_id"])}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        known = doomed if operation.method.upper() == "DELETE" else ids
        for pinned in ({}, {name: known[name] for name in names}) if names else ({},):

            @given(case=operation.as_strategy(path_parameters=pinned or None))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
            def check(case):
                # Hypothesis seeds the global random module alike for every example; Whoosh names index segments
                # with it, and two segments of one name break the index. Fresh entropy keeps the names unique.
                random.seed()
                for headers in ({}, bearer(token)):
                    # buffered: the test client closes what it read (a practice's file is an open file)
                    case.call_and_validate(headers=headers, checks=CHECKS, buffered=True)

            check()
