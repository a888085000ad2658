"""Municipalities and topics a methodist marked by hand (in the import preview or on the edit page) are remembered,
and `detect-municipalities` / `detect-topics` leave them unless told `--including-hand-marked`."""

from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from kb.extensions import db
from kb.resolutions.models import Resolution
from kb.vocabularies.models import Municipality, Topic
from tests.conftest import sign_in
from tests.test_resolution_edit import _post, edit_values
from tests.test_resolution_municipalities import MAGNITOGORSK, _import
from tests.test_resolution_topics import SEMINAR
from tests.test_resolution_web_import import preview_values, upload

FOUND_MUNICIPALITIES = {"RU-CHE-agapovsky", "RU-CHE-kopeysky", "RU-CHE-magnitogorsky"}
# The same seminar, a second resolution (another text: another checksum)
OTHER = MAGNITOGORSK + "2) Педагогам:\n– делиться опытом.\n"


def _state(app, rid: int) -> tuple[set[str], bool, set[str], bool]:
    """Its municipalities, whether they are marked by hand, its topics, whether they are."""
    with app.app_context():
        res = db.session.get(Resolution, rid)
        return ({m.code for m in res.municipalities}, res.municipalities_by_hand, {t.code for t in res.topics},
                res.topics_by_hand)


def _set(app, rid: int, municipalities=None, topics=None) -> None:
    """Change its values behind the form's back (as an older version's detection left them): not by hand."""
    with app.app_context():
        res = db.session.get(Resolution, rid)
        if municipalities is not None:
            res.municipalities = list(db.session.scalars(select(Municipality).where(
                Municipality.code.in_(municipalities))))
        if topics is not None:
            res.topics = [db.session.get(Topic, code) for code in topics]
        db.session.commit()


def _edit(client, rid: int, **lists) -> None:
    values = edit_values(client, rid)
    for name, codes in lists.items():
        values.setlist(name, codes)
    status, html, _ = _post(client, f"/resolutions/{rid}/edit", values)
    assert status == 302, html[:2000]


# --------------------------------------------------------------------------------------------------
# What marks them by hand


def test_an_import_marks_nothing_by_hand(app):
    rid = _import(app)
    municipalities, by_hand, topics, topics_by_hand = _state(app, rid)
    assert municipalities == FOUND_MUNICIPALITIES and topics
    assert not by_hand and not topics_by_hand


def test_the_edit_form_marks_what_it_changes_by_hand(app, client, make_user):
    rid = _import(app)
    sign_in(client, make_user("admin"))
    _edit(client, rid)  # saved untouched: nothing is hand work yet
    assert _state(app, rid)[1::2] == (False, False)
    _edit(client, rid, municipalities=["RU-CHE-miassky"])
    assert _state(app, rid) == ({"RU-CHE-miassky"}, True, _state(app, rid)[2], False)
    _edit(client, rid, topics=["olympiads"])
    assert _state(app, rid) == ({"RU-CHE-miassky"}, True, {"olympiads"}, True)
    # removing every municipality is hand work too
    _edit(client, rid, municipalities=[])
    assert _state(app, rid)[:2] == (set(), True)


def test_the_import_preview_marks_what_the_methodist_changed_by_hand(app, client, make_user):
    sign_in(client, make_user("methodist", scope_region="RU-CHE"))
    location = upload(client, SEMINAR.encode(), "семинар.txt").headers["Location"]
    values = preview_values(client, location)
    values.setlist("topics", ["school_science_society", "olympiads"])
    assert client.post(location, data=values).status_code == 302
    location = upload(client, MAGNITOGORSK.encode(), "магнитогорск.txt").headers["Location"]
    assert client.post(location, data=preview_values(client, location)).status_code == 302  # untouched
    with app.app_context():
        changed, untouched = db.session.scalars(select(Resolution).order_by(Resolution.id))
        assert (changed.municipalities_by_hand, changed.topics_by_hand) == (False, True)
        assert (untouched.municipalities_by_hand, untouched.topics_by_hand) == (False, False)
        assert {m.code for m in untouched.municipalities} == FOUND_MUNICIPALITIES


def test_importing_the_same_text_again_keeps_the_hand_marked_values(app, client, make_user):
    from kb.resolutions.services import import_resolution_text

    rid = _import(app)
    sign_in(client, make_user("admin"))
    _edit(client, rid, municipalities=["RU-CHE-miassky"])
    with app.app_context():
        report = import_resolution_text(MAGNITOGORSK, "again.txt", publish=True)
        db.session.commit()
        assert not report.created and report.resolution.id == rid
    assert _state(app, rid)[:2] == ({"RU-CHE-miassky"}, True)


# --------------------------------------------------------------------------------------------------
# Detecting again


def test_detect_municipalities_all_keeps_the_hand_marked_and_replaces_the_others(app, runner, client, make_user):
    hand, other = _import(app), _import(app, OTHER)
    sign_in(client, make_user("admin"))
    _edit(client, hand, municipalities=["RU-CHE-miassky"])
    _set(app, other, municipalities=["RU-CHE-miassky"])  # wrong, and no hand work

    dry = runner.invoke(args=["detect-municipalities", "--all", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Резолюция №{other}" in dry.output and f"Резолюция №{hand}" not in dry.output
    assert "Изменились бы резолюций: 1 (ничего не сохранено)." in dry.output
    assert "Оставлено как отмечено вручную резолюций: 1 (заменить и их: --including-hand-marked)." in dry.output
    assert _state(app, other)[0] == {"RU-CHE-miassky"}

    result = runner.invoke(args=["detect-municipalities", "--all"])
    assert result.exit_code == 0, result.output
    assert "Изменено резолюций: 1;" in result.output
    assert "Оставлено как отмечено вручную резолюций: 1" in result.output
    assert _state(app, hand)[:2] == ({"RU-CHE-miassky"}, True)
    assert _state(app, other)[:2] == (FOUND_MUNICIPALITIES, False)
    # the topics were no hand work: their command reads this one again
    assert "Оставлено как отмечено вручную резолюций: 0" in runner.invoke(args=["detect-topics", "--all"]).output


def test_without_all_an_emptied_hand_marked_resolution_stays_empty(app, runner, client, make_user):
    """A methodist who removed every municipality the parser had found wanted none: filling the resolutions without
    municipalities does not bring them back."""
    hand, other = _import(app), _import(app, OTHER)
    sign_in(client, make_user("admin"))
    _edit(client, hand, municipalities=[])
    _set(app, other, municipalities=[])
    result = runner.invoke(args=["detect-municipalities"])
    assert result.exit_code == 0, result.output
    assert "Изменено резолюций: 1;" in result.output and "Оставлено как отмечено вручную резолюций: 1" in result.output
    assert _state(app, hand)[:2] == (set(), True)
    assert _state(app, other)[0] == FOUND_MUNICIPALITIES


def test_including_hand_marked_replaces_them_too(app, runner, client, make_user):
    hand = _import(app)
    sign_in(client, make_user("admin"))
    _edit(client, hand, municipalities=["RU-CHE-miassky"])
    help_text = runner.invoke(args=["detect-municipalities", "--help"]).output
    assert "--including-hand-marked" in help_text and "отмеченные методистом вручную" in help_text

    dry = runner.invoke(args=["detect-municipalities", "--all", "--including-hand-marked", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Резолюция №{hand}" in dry.output and "Изменились бы резолюций: 1" in dry.output
    assert "Оставлено как отмечено вручную резолюций: 0" in dry.output
    assert _state(app, hand)[:2] == ({"RU-CHE-miassky"}, True)

    result = runner.invoke(args=["detect-municipalities", "--all", "--including-hand-marked"])
    assert result.exit_code == 0, result.output
    assert "Изменено резолюций: 1;" in result.output
    # replaced by what the text names: no longer hand work
    assert _state(app, hand)[:2] == (FOUND_MUNICIPALITIES, False)


def test_detect_topics_all_keeps_the_hand_marked_unless_told(app, runner, client, make_user):
    hand, other = _import(app, SEMINAR), _import(app, SEMINAR + "\n2) Педагогам:\n– делиться опытом.\n")
    found = _state(app, other)[2]
    sign_in(client, make_user("admin"))
    _edit(client, hand, topics=["olympiads"])
    _set(app, other, topics=["olympiads"])

    dry = runner.invoke(args=["detect-topics", "--all", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Изменились бы резолюций: 1" in dry.output and "Оставлено как отмечено вручную резолюций: 1" in dry.output
    assert _state(app, other)[2] == {"olympiads"}

    result = runner.invoke(args=["detect-topics", "--all"])
    assert result.exit_code == 0, result.output
    assert _state(app, hand)[2:] == ({"olympiads"}, True)
    assert _state(app, other)[2:] == (found, False)

    result = runner.invoke(args=["detect-topics", "--all", "--including-hand-marked"])
    assert result.exit_code == 0, result.output
    assert _state(app, hand)[2:] == (found, False)


# --------------------------------------------------------------------------------------------------
# The migration


def test_the_migration_up_and_down(app, client, make_user):
    rid = _import(app)
    sign_in(client, make_user("admin"))
    _edit(client, rid, municipalities=["RU-CHE-miassky"])
    with app.app_context():
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="z9lic0000001")
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("resolution")}
        assert not columns & {"municipalities_by_hand", "topics_by_hand"}
        upgrade()
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("resolution")}
        assert {"municipalities_by_hand", "topics_by_hand"} <= columns
        # the resolution stays with its municipalities; what was marked by hand before is not known
        row = db.session.execute(sa.text(
            "SELECT municipalities_by_hand, topics_by_hand FROM resolution WHERE id = :id"), {"id": rid}).one()
        assert (bool(row[0]), bool(row[1])) == (False, False)
        assert db.session.scalar(sa.text("SELECT count(*) FROM resolution_municipality WHERE resolution_id = :id"),
                                 {"id": rid}) == 1
