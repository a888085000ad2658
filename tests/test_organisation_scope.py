"""A methodist whose scope is an organisation moderates it in one region: thousands of schools share a name
(«МБОУ «СОШ № 1»»), and a same-named school of another region is none of his (its drafts were opened, edited,
published and returned, counted in his statistics, numbered with his registry's ids)."""

import re

import pytest
from sqlalchemy import select, text, update

from kb.accounts.models import User
from kb.extensions import db
from kb.practices.models import Practice
from tests.conftest import sign_in

ORG = "МБОУ «СОШ № 1»"


def organisation_methodist(app, make_user, region: str, **kwargs) -> int:
    """A methodist of ORG, given his scope as an administrator does it (the region: his own)."""
    from kb.accounts.services import change_role

    user_id = make_user("teacher", region=region, **kwargs)
    with app.app_context():
        user = db.session.get(User, user_id)
        change_role(user, "methodist", user, scope_organisation=ORG)
        db.session.commit()
    return user_id


@pytest.fixture
def schools(app, make_user, make_practice):
    """Two same-named schools, in Chelyabinsk and Moscow; the Chelyabinsk one's methodist."""
    app.config["WTF_CSRF_ENABLED"] = False
    teacher = make_user("teacher", region="RU-MOW")
    methodist = organisation_methodist(app, make_user, "RU-CHE")
    with app.app_context():
        ids = {f"{where}-{status}": make_practice(f"Практика {where} {status}", status=status, owner_id=teacher,
                                                  region_code=region, organisation=ORG)
               for where, region in (("own", "RU-CHE"), ("moscow", "RU-MOW"))
               for status in ("draft", "submitted", "published")}
    client = app.test_client()
    sign_in(client, methodist)
    return client, ids, methodist


def _text(client, url):
    with client.get(url) as response:
        return response.status_code, response.get_data(as_text=True)


def test_a_same_named_school_of_another_region_is_not_moderated(app, schools):
    client, ids, _ = schools
    for status in ("draft", "submitted"):
        assert _text(client, f"/practices/{ids[f'moscow-{status}']}")[0] == 404
        assert _text(client, f"/practices/{ids[f'moscow-{status}']}/edit")[0] == 404
        assert _text(client, f"/practices/{ids[f'own-{status}']}")[0] == 200
        assert _text(client, f"/practices/{ids[f'own-{status}']}/edit")[0] == 200
    # the published one is public, but not his to edit or archive
    assert _text(client, f"/practices/{ids['moscow-published']}/edit")[0] == 403
    for action in ("publish", "return"):
        with client.post(f"/practices/{ids['moscow-submitted']}/transition",
                         data={"action": action, "comment": "Исправьте"}):
            pass
    with client.post(f"/practices/{ids['moscow-published']}/transition", data={"action": "archive"}):
        pass
    with app.app_context():
        assert db.session.get(Practice, ids["moscow-submitted"]).status == "submitted"
        assert db.session.get(Practice, ids["moscow-published"]).status == "published"

    for status in ("draft", "submitted", "published"):
        code, page = _text(client, f"/practices/moderation?status={status}")
        assert code == 200 and f"Практика own {status}" in page and "Практика moscow" not in page
        counts = dict(re.findall(r'status=(\w+)[^"]*"[^>]*>[^<]*<span class="count">(\d+)</span>', page))
        assert (counts["draft"], counts["submitted"], counts["published"]) == ("1", "1", "1")
    assert f"{ORG} (Челябинская область)" in page

    with client.post("/practices/moderation/bulk", data={
            "action": "publish", "status": "submitted",
            "practice": [ids["moscow-submitted"], ids["own-submitted"]]}, follow_redirects=True) as response:
        page = response.get_data(as_text=True)
    assert "не найдена или вне вашей области модерации" in page
    with app.app_context():
        assert db.session.get(Practice, ids["moscow-submitted"]).status == "submitted"
        assert db.session.get(Practice, ids["own-submitted"]).status == "published"


def test_the_statistics_count_the_own_region_only(app, schools, make_user):
    client, ids, _ = schools
    code, page = _text(client, "/statistics/region.csv")
    assert code == 200
    assert "Челябинская область" in page and "Москва" not in page
    # A methodist of the Moscow school: the tables made for the Chelyabinsk one are not his.
    moscow = organisation_methodist(app, make_user, "RU-MOW")
    other = app.test_client()
    sign_in(other, moscow)
    code, page = _text(other, "/statistics/region.csv")
    assert code == 200 and "Москва" in page and "Челябинская область" not in page


def test_an_organisation_scope_without_a_region_moderates_nothing(app, schools):
    """An account made before the region was asked for, with no region of its own for the migration to take."""
    client, ids, methodist = schools
    with app.app_context():
        db.session.execute(update(User).where(User.id == methodist).values(scope_region_code=None))
        db.session.commit()
        assert db.session.get(User, methodist).scope_label == f"{ORG} (регион не задан — практик не видит)"
    assert _text(client, f"/practices/{ids['own-draft']}")[0] == 404
    code, page = _text(client, "/practices/moderation?status=submitted")
    assert code == 200 and "Практика own" not in page and "Практика moscow" not in page
    code, page = _text(client, "/statistics/region.csv")
    assert code == 200 and "Челябинская область" not in page and "Москва" not in page


def test_two_same_named_schools_number_their_registries_apart(app, make_user):
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import
    from tests.test_bulk_import import csv_bytes, row

    che, mow = organisation_methodist(app, make_user, "RU-CHE"), organisation_methodist(app, make_user, "RU-MOW")
    with app.app_context():
        chelyabinsk_row = row("1", "Челябинская", organisation=ORG)
        report = run_import(db.session.get(User, che), read_registry(csv_bytes([chelyabinsk_row]), 100), dry_run=False)
        db.session.commit()
        assert [(r.action, r.errors) for r in report.rows] == [("create", [])]
        moscow_row = row("1", "Московская", region="Москва", organisation="мбоу  «СОШ № 1»")
        report = run_import(db.session.get(User, mow), read_registry(csv_bytes([moscow_row]), 100), dry_run=False)
        db.session.commit()
        assert [(r.action, r.errors) for r in report.rows] == [("create", [])]
        found = {p.external_scope: (p.title, p.region_code) for p in db.session.scalars(
            select(Practice).where(Practice.external_id == "1"))}
        assert found == {"org:RU-CHE:мбоу «сош № 1»": ("Челябинская", "RU-CHE"),
                         "org:RU-MOW:мбоу «сош № 1»": ("Московская", "RU-MOW")}


def test_the_migration_places_existing_organisation_scopes_and_numbering(app, make_user, make_practice, runner):
    """An existing bank: an organisation's methodist takes his own region (none: he is listed by `flask init`),
    a practice in an organisation's numbering moves to its region's."""
    from flask_migrate import downgrade, upgrade

    placed = organisation_methodist(app, make_user, "RU-CHE")
    unplaced = organisation_methodist(app, make_user, "RU-MOW", email="lost@example.org")
    regional = make_user("methodist", scope_region="RU-SMO")
    with app.app_context():
        pid = make_practice("Загруженная", external_id="7", region_code="RU-CHE", organisation=ORG,
                            external_scope="org:RU-CHE:мбоу «сош № 1»")
        db.session.commit()
        downgrade(revision="x0pdn0000001")
        rows = db.session.execute(text('SELECT id, scope_region_code FROM "user" ORDER BY id')).all()
        assert dict(rows)[placed] is None and dict(rows)[regional] == "RU-SMO"
        assert db.session.execute(text("SELECT external_scope FROM practice WHERE id = :id"),
                                  {"id": pid}).scalar() == "org:мбоу «сош № 1»"
        db.session.execute(text('UPDATE "user" SET region_code = NULL WHERE id = :id'), {"id": unplaced})
        db.session.commit()
        upgrade()
        db.session.expire_all()
        assert db.session.get(User, placed).scope_region_code == "RU-CHE"
        assert db.session.get(User, unplaced).scope_region_code is None
        assert db.session.get(User, regional).scope_region_code == "RU-SMO"
        assert db.session.get(Practice, pid).external_scope == "org:RU-CHE:мбоу «сош № 1»"
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Методисты организаций без региона модерации" in result.output
    assert f"lost@example.org — «{ORG}»" in result.output


def test_the_migration_gives_a_practice_without_a_region_its_methodists_region(app, make_user, make_practice, runner):
    """The import gave an organisation's methodist no region: a registry without «Регион» loaded rows without one,
    numbered «org:<name>». The migration moved only practices with a region: these stayed where no load looks
    (reloading the registry made a duplicate of each) and their methodist no longer moderated them."""
    from flask_migrate import downgrade, upgrade

    from kb.accounts.services import change_role
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import
    from kb.search.models import IndexOutbox
    from tests.test_bulk_import import csv_bytes, row

    methodist = organisation_methodist(app, make_user, "RU-CHE")
    other = "Гимназия № 2"  # two methodists of that name in two regions: its practice is not placed
    for region in ("RU-MOW", "RU-SMO"):
        user_id = make_user("teacher", region=region)
        with app.app_context():
            change_role(db.session.get(User, user_id), "methodist", db.session.get(User, user_id),
                        scope_organisation=other)
            db.session.commit()
    with app.app_context():
        own = make_practice("Своя практика", external_id="P-1", region_code=None, organisation=ORG,
                            external_scope="org:мбоу «сош № 1»")
        lost = make_practice("Чужая практика", external_id="P-2", region_code=None, organisation=other,
                             external_scope="org:гимназия № 2")
        db.session.commit()  # PostgreSQL: the migrations wait for a transaction left open
        downgrade(revision="x0pdn0000001")
        outbox = db.session.scalar(select(db.func.max(IndexOutbox.id))) or 0
        db.session.commit()
        upgrade()
        db.session.expire_all()
        assert (db.session.get(Practice, own).region_code, db.session.get(Practice, own).external_scope) == (
            "RU-CHE", "org:RU-CHE:мбоу «сош № 1»")
        assert (db.session.get(Practice, lost).region_code, db.session.get(Practice, lost).external_scope) == (
            None, "org:гимназия № 2")
        assert db.session.scalars(select(IndexOutbox.doc_id).where(IndexOutbox.id > outbox)).all() == [own]
        registry = read_registry(csv_bytes([row("P-1", "Своя практика", organisation=ORG)]), 100)
        report = run_import(db.session.get(User, methodist), registry, dry_run=False)
        db.session.commit()
        assert [(r.action, r.errors) for r in report.rows] == [("update", [])]
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Практики без региона в нумерации организации (1;" in result.output
    assert f"Номера практик:\n  {lost}\n" in result.output


def test_restore_lists_the_organisations_left_without_a_region_as_init_does(app, make_user, make_practice, runner,
                                                                            tmp_path):
    """`restore` of an older version's archive runs migration x0org0000001, but only a later `init` listed the
    methodists and practices it could not place."""
    from tests.conftest import make_app

    unplaced = organisation_methodist(app, make_user, "RU-MOW", email="lost@example.org")
    with app.app_context():
        lost = make_practice("Ничья практика", external_id="P-9", region_code=None, organisation=ORG,
                             external_scope="org:мбоу «сош № 1»")
        # as the migration leaves an organisation's methodist who had no region of his own
        db.session.execute(text('UPDATE "user" SET region_code = NULL, scope_region_code = NULL WHERE id = :id'),
                           {"id": unplaced})
        db.session.commit()
    archive = tmp_path / "bank.tar.gz"
    assert runner.invoke(args=["backup", "-o", str(archive)]).exit_code == 0
    fresh = make_app(tmp_path / "fresh").test_cli_runner()
    assert fresh.invoke(args=["init"]).exit_code == 0
    restored = fresh.invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "Методисты организаций без региона модерации" in restored.output
    assert f"lost@example.org — «{ORG}»" in restored.output
    assert "Практики без региона в нумерации организации (1;" in restored.output
    assert f"Номера практик:\n  {lost}\n" in restored.output


def test_a_practice_of_the_old_numbering_given_a_region_is_found_by_the_next_load(app, make_user, make_practice):
    """One the migration could not place, its region set by an administrator: the methodist's load updates it and
    moves it into his numbering instead of creating it again."""
    from kb.bulkimport.registry import read_registry
    from kb.bulkimport.services import run_import
    from tests.test_bulk_import import csv_bytes, row

    methodist = organisation_methodist(app, make_user, "RU-CHE")
    with app.app_context():
        pid = make_practice("Своя практика", external_id="P-1", region_code="RU-CHE", organisation=ORG,
                            external_scope="org:мбоу «сош № 1»")
        elsewhere = make_practice("Чужая практика", external_id="P-2", region_code="RU-MOW", organisation=ORG,
                                  external_scope="org:мбоу «сош № 1»")
        registry = read_registry(csv_bytes([row("P-1", "Своя практика", organisation=ORG),
                                            row("P-2", "Своя вторая практика", organisation=ORG)]), 100)
        report = run_import(db.session.get(User, methodist), registry, dry_run=False)
        db.session.commit()
        assert [r.action for r in report.rows] == ["update", "create"]
        assert db.session.get(Practice, pid).external_scope == "org:RU-CHE:мбоу «сош № 1»"
        assert db.session.get(Practice, elsewhere).external_scope == "org:мбоу «сош № 1»"


def test_the_role_form_and_create_user_refuse_an_organisation_without_a_region_with_one_message(app, runner):
    """The rule was written three times, with three messages (the role form, the accounts' service, create-user)."""
    from kb.accounts.forms import RoleForm
    from kb.accounts.services import SCOPE_ORGANISATION_REGION
    from tests.conftest import PASSWORD

    nowhere = runner.invoke(args=["create-user", "o@example.org", "--role", "methodist", "--organisation", ORG,
                                  "--scope", "organisation", "--password", PASSWORD])
    assert nowhere.exit_code == 1 and SCOPE_ORGANISATION_REGION in nowhere.output
    assert "--organisation, и --region, и --scope organisation" in nowhere.output
    nothing = runner.invoke(args=["create-user", "o@example.org", "--role", "methodist", "--region", "RU-CHE",
                                  "--scope", "organisation", "--password", PASSWORD])
    assert nothing.exit_code == 1 and "укажите и --organisation" in nothing.output
    with app.test_request_context(method="POST", data={"role": "methodist", "scope_region": "",
                                                       "scope_organisation": ORG}):
        form = RoleForm(meta={"csrf": False})
        form.scope_region.choices = [("", "—"), ("RU-CHE", "Челябинская область")]
        assert not form.validate() and form.scope_organisation.errors == [SCOPE_ORGANISATION_REGION]
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 0
