"""Subject names as ФОП and ФГОС give them: «Труд (технология)» since 1 September 2024 (its code unchanged, its
earlier names still read), and «Литературное чтение», the primary school's subject, a subject of its own beside
«Литература» — in the vocabulary's data, in a bank upgraded by its migration, and in a registry."""

from datetime import datetime

from sqlalchemy import func, select, text

from kb.extensions import db
from kb.vocabularies import data
from kb.vocabularies.models import Subject

BEFORE = "z5thb0000001"  # the revision before the subject names' migration


def _subjects() -> dict[str, dict]:
    return {s["code"]: s for s in data.SUBJECTS}


def test_technology_is_named_as_the_fop_names_it_and_its_other_names_stay():
    technology = _subjects()["technology"]
    assert technology["name"] == "Труд (технология)"
    assert {"Технология (Труд)", "Технология", "Труд"} <= set(technology["aliases"])


def test_literary_reading_is_a_subject_of_its_own_next_to_literature():
    subjects = _subjects()
    assert subjects["literary_reading"]["name"] == "Литературное чтение"
    assert "Литературное чтение" not in subjects["literature"].get("aliases", [])
    assert subjects["literary_reading"]["order"] == subjects["literature"]["order"] + 1
    orders = [s["order"] for s in data.SUBJECTS]
    assert orders == sorted(orders)


def test_the_api_lists_both_names(client):
    subjects = {s["code"]: s["label"] for s in client.get("/api/v1/vocabularies").get_json()["subjects"]}
    assert subjects["technology"] == "Труд (технология)"
    assert subjects["literary_reading"] == "Литературное чтение" and subjects["literature"] == "Литература"
    codes = list(subjects)
    assert codes.index("literary_reading") == codes.index("literature") + 1


def _names(app) -> dict[str, tuple[str, int]]:
    with app.app_context():
        return {s.code: (s.name, s.sort_order) for s in db.session.scalars(select(Subject))}


def test_the_migration_renames_technology_and_adds_literary_reading_in_a_bank_that_has_the_old_names(
        app, make_practice):
    """An upgraded bank gets the names from its migration (a restore of an older archive runs the migrations, not
    the loading of the vocabularies): the practices tagged «Литература» stay so, and those the public sees with
    «Труд (технология)» are changed (OAI datestamps, the index told) — its metadata names the subject."""
    with app.app_context():
        literature = make_practice("Практика по литературе", subjects=["literature"])
        labour = make_practice("Практика по труду", subjects=["technology"])
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", BEFORE])
    assert down.exit_code == 0, down.output
    before = _names(app)
    assert before["technology"][0] == "Технология (Труд)" and "literary_reading" not in before
    assert before["literature"][1] + 1 == before["native_language"][1]
    with app.app_context():
        db.session.execute(text("UPDATE practice SET updated_at = :old"), {"old": datetime(2020, 1, 1)})
        db.session.commit()
        outbox = db.session.scalar(text("SELECT max(id) FROM index_outbox")) or 0
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    after = _names(app)
    assert after["technology"] == ("Труд (технология)", before["technology"][1] + 1)
    assert after["literary_reading"] == ("Литературное чтение", before["literature"][1] + 1)
    assert after["native_language"][1] == before["native_language"][1] + 1
    assert len(set(order for _name, order in after.values())) == len(after)
    with app.app_context():
        tagged = db.session.execute(text("SELECT subject_code FROM practice_subject WHERE practice_id = :id"),
                                    {"id": literature}).scalars().all()
        assert tagged == ["literature"]
        moved = dict(db.session.execute(text("SELECT id, updated_at FROM practice")).all())
        assert str(moved[literature]).startswith("2020-01-01") and not str(moved[labour]).startswith("2020")
        told = db.session.execute(text("SELECT doc_type, doc_id FROM index_outbox WHERE id > :id"),
                                  {"id": outbox}).all()
        assert told == [("practice", labour)]


def test_going_back_keeps_a_practice_of_literary_reading_under_literature(app, make_practice):
    with app.app_context():
        both = make_practice("Чтение и литература", subjects=["literature", "literary_reading"])
        reading = make_practice("Литературное чтение во 2 классе", subjects=["literary_reading"])
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", BEFORE])
    assert down.exit_code == 0, down.output
    with app.app_context():
        rows = db.session.execute(text("SELECT practice_id, subject_code FROM practice_subject "
                                       "ORDER BY practice_id")).all()
        assert rows == [(both, "literature"), (reading, "literature")]
        assert db.session.scalar(select(func.count()).select_from(Subject).where(
            Subject.code == "literary_reading")) == 0
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output


def test_a_migrated_new_bank_gets_its_subjects_from_the_vocabulary_loading(app):
    """A new database: the migration finds no subjects and adds none; `init` loads them all after it."""
    assert _names(app) == {s["code"]: (s["name"], s["order"]) for s in data.SUBJECTS}


def test_the_times_the_migration_writes_read_back_as_times(app, make_practice):
    """updated_at and the outbox's created_at as the models write them (SQLite keeps a time as text)."""
    from kb.practices.models import Practice
    from kb.search.models import IndexOutbox

    with app.app_context():
        labour = make_practice("Практика по труду", subjects=["technology"])
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        assert isinstance(db.session.get(Practice, labour).updated_at, datetime)
        told = db.session.scalars(select(IndexOutbox).order_by(IndexOutbox.id.desc())).first()
        assert told.doc_id == labour and isinstance(told.created_at, datetime) and told.created_at.year > 2000


def test_the_migration_renames_the_saved_searches_named_by_default_after_the_subject(app, make_user):
    """A saved search named by default after its filters («Технология (Труд)» among them) is named after the new
    name, and back on the downgrade; a name the user typed stays, even one that names the subject."""
    from werkzeug.datastructures import MultiDict

    from kb.accounts.models import User
    from kb.search.models import SavedSearch
    from kb.search.saved import save_search
    from kb.search.services import parse_params

    user_id = make_user("teacher")
    searches = [({"subject": "technology"}, ""),
                ({"q": "проект  скворечник", "region": "RU-CHE", "subject": ["literature", "technology"],
                  "year": "2024"}, ""),
                ({"subject": "technology", "type": "practice"}, "Технология (Труд)"),  # typed so: stays
                ({"subject": "technology", "level": "preschool"}, "Мои уроки · Технология (Труд)")]
    with app.test_request_context():
        user = db.session.get(User, user_id)
        ids = [save_search(user, name, parse_params(MultiDict(args), strict=False)).id for args, name in searches]
        db.session.commit()

    def names() -> list[str]:
        with app.app_context():
            return [db.session.get(SavedSearch, i).name for i in ids]

    now = names()
    assert now[:2] == ["Труд (технология)", "проект скворечник · Челябинская область · Литература, "
                       "Труд (технология) · 2024"]
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "downgrade", BEFORE]).exit_code == 0
    assert names() == [now[0].replace("Труд (технология)", "Технология (Труд)"),
                       now[1].replace("Труд (технология)", "Технология (Труд)"), *now[2:]]
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    assert names() == now
