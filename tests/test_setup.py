"""The pieces of `make run`: instance creation, init through migrations, configuration order."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from kb import create_app
from kb.attachments.models import Attachment
from kb.extensions import db
from kb.vocabularies.models import Municipality, Region, Topic
from tests.conftest import PASSWORD, make_app


def test_init_on_empty_instance_is_idempotent(tmp_path: Path):
    app = make_app(tmp_path / "fresh")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Словари: регионов 91" in first.output
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        tables = set(inspect(db.engine).get_table_names())
        assert {"practice", "resolution", "recommendation", "region", "index_outbox", "alembic_version"} <= tables
        assert db.session.scalar(select(func.count()).select_from(Region).where(Region.country == "RU")) == 89
        assert db.session.scalar(select(func.count()).select_from(Topic)) >= 20
        names = set(db.session.scalars(select(Municipality.name).where(Municipality.region_code == "RU-CHE")))
        assert "Копейский городской округ" in names
    assert (tmp_path / "fresh" / "index").is_dir()


def test_init_says_why_it_rebuilds_the_index_and_shows_its_progress(demo_app):
    """After an upgrade the index of the earlier version is unreadable until rebuilt: `init` rebuilt it in
    silence (minutes on a big bank) and then said «применено изменений: 0»."""
    import shutil

    from whoosh import fields, index

    from kb.search.documents import count_documents

    runner = demo_app.test_cli_runner()
    with demo_app.app_context():
        documents = count_documents()
    index_dir = demo_app.config["INDEX_DIR"]
    shutil.rmtree(index_dir)  # in its place, the index of an earlier version (it lacks this one's fields)
    Path(index_dir).mkdir()
    index.create_in(index_dir, fields.Schema(id=fields.ID(stored=True, unique=True)))
    upgraded = runner.invoke(args=["init"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "Индекс построен прежней версией программы: перестраиваю его по базе данных." in upgraded.output
    assert "Индексация" in upgraded.output  # the progress bar reindex shows
    assert f"Индекс перестроен: {documents} документов." in upgraded.output
    again = runner.invoke(args=["init"])
    assert again.exit_code == 0 and "строю" not in again.output and "Индексация" not in again.output

    Path(index_dir).with_name(Path(index_dir).name + ".state.json").unlink()  # a new copy of the index
    joined = runner.invoke(args=["init"])
    assert "Индекс этого экземпляра новый: строю его по базе данных." in joined.output
    assert f"Индекс построен: {documents} документов." in joined.output
    assert demo_app.test_cli_runner().invoke(args=["check-index"]).exit_code == 0


def test_demo_command_loads_once(tmp_path: Path):
    app = make_app(tmp_path / "fresh")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init"]).exit_code == 0
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "добавлено 68" in first.output
    second = runner.invoke(args=["demo"])
    assert "добавлено 0, уже были 68" in second.output
    # the demo practices' files too: made, stored and indexed once
    assert "Файлы демо-практик: добавлено 14, уже были 0." in first.output
    assert "Файлы демо-практик: добавлено 0, уже были 14." in second.output
    with app.app_context():
        digests = list(db.session.scalars(select(Attachment.sha256)))
    assert len(set(digests)) == len(digests) == 14
    assert {p.name for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()} == set(digests)
    assert runner.invoke(args=["check-files"]).exit_code == 0
    check = runner.invoke(args=["check-index"])
    assert check.exit_code == 0, check.output


def test_the_demo_methodist_may_edit_the_demo_resolutions(demo_app):
    """They are of other regions than hers: loaded by nobody, no demo account could edit one."""
    from kb.accounts.models import User
    from kb.resolutions.models import Resolution
    from tests.conftest import sign_in

    with demo_app.app_context():
        methodist = db.session.scalar(select(User.id).where(User.email == "methodist@demo.example"))
        resolutions = list(db.session.scalars(select(Resolution.id)))
    client = demo_app.test_client()
    sign_in(client, methodist)
    assert len(resolutions) == 3
    assert {client.get(f"/resolutions/{rid}/edit").status_code for rid in resolutions} == {200}


def test_create_app_reads_instance_config_then_environment(tmp_path: Path, monkeypatch):
    instance = tmp_path / "inst"
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    instance.mkdir()  # a missing one only init, demo and run make (test_cli_entrypoint.py)
    app = create_app()
    config_file = instance / "config.py"
    assert config_file.is_file(), "first run writes instance/config.py"
    assert "SECRET_KEY" in config_file.read_text(encoding="utf-8")
    assert app.config["SECRET_KEY"] and len(app.config["SECRET_KEY"]) == 64
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'kb.sqlite3'}"
    assert app.config["INDEX_DIR"] == str(instance / "index")

    config_file.write_text("SECRET_KEY = 'from-file'\nSEARCH_PER_PAGE = 7\n", encoding="utf-8")
    monkeypatch.setenv("KB_DATABASE_URL", "sqlite:///" + str(tmp_path / "other.sqlite3"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["SEARCH_PER_PAGE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.sqlite3")
    monkeypatch.setenv("KB_SECRET_KEY", "from-env")
    assert create_app().config["SECRET_KEY"] == "from-env"


@pytest.fixture
def umask_022():
    """systemd's default umask for a service's User=: what the bank makes would be readable by all (0644)."""
    import os

    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_config_and_database_the_bank_creates_are_its_owners_only(tmp_path: Path, umask_022, monkeypatch):
    """config.py (SECRET_KEY) and kb.sqlite3 (password hashes) were 0644 under umask 022."""
    instance = tmp_path / "inst"
    instance.mkdir()
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    app = create_app()
    assert app.test_cli_runner().invoke(args=["init"]).exit_code == 0
    for name in ("config.py", "kb.sqlite3", "kb.sqlite3-wal"):
        assert (instance / name).stat().st_mode & 0o077 == 0, name
    app.extensions["kb_index"].close()

    own = tmp_path / "own.sqlite3"  # a database the operator made keeps the mode they gave it
    own.touch(mode=0o644)
    own.chmod(0o644)
    other = make_app(tmp_path / "other", SQLALCHEMY_DATABASE_URI=f"sqlite:///{own}")
    with other.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
    assert own.stat().st_mode & 0o777 == 0o644


def test_a_heroku_style_postgres_url_is_taken_as_the_banks_driver(tmp_path: Path, monkeypatch):
    (tmp_path / "inst").mkdir()
    monkeypatch.setenv("KB_INSTANCE", str(tmp_path / "inst"))
    monkeypatch.setenv("KB_DATABASE_URL", "postgres://kb:p%40ss@127.0.0.1:5432/kb")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kb:p%40ss@127.0.0.1:5432/kb"
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql://kb@127.0.0.1/kb")  # SQLAlchemy's default: psycopg2
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kb@127.0.0.1/kb"


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql://kb:secret@db/kb", "банк работает с PostgreSQL и SQLite, а не с «mysql»"),
    ("postgresql+psycopg2://kb:secret@db/kb", "драйвер базы данных «postgresql+psycopg2» не установлен"),
    ("postgresql+nosuch://kb:secret@db/kb", "драйвера базы данных «postgresql+nosuch» нет"),
])
def test_a_database_url_the_bank_cannot_use_names_the_setting_and_its_file(tmp_path: Path, monkeypatch, url,
                                                                          reason):
    from kb.config import ConfigurationError

    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(f"SECRET_KEY = 'x'\nSQLALCHEMY_DATABASE_URI = {url!r}\n", encoding="utf-8")
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    shown = url.replace("secret", "***")
    assert refused.value.format_message().startswith(
        f"SQLALCHEMY_DATABASE_URI = {shown!r} ({instance / 'config.py'}): {reason}; нужен адрес вида «")
    assert "secret" not in refused.value.format_message()


def test_an_at_sign_in_the_database_password_is_named_with_how_to_encode_it(tmp_path: Path, monkeypatch):
    """`createuser kb -P` with a password holding «@»: SQLAlchemy took what follows the first «@» for the host, and
    every command failed to reach «secret@127.0.0.1», a name that does not resolve. The start stops and says to
    encode it; the password is not shown, not even its end."""
    from kb.config import ConfigurationError

    instance = tmp_path / "inst"
    instance.mkdir()
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb:p@secret@127.0.0.1:5432/kb")
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = refused.value.format_message()
    assert message.startswith("KB_DATABASE_URL = 'postgresql+psycopg://kb:***@127.0.0.1:5432/kb'")
    assert "в имени пользователя или пароле адреса базы данных есть «@»" in message
    assert "%40" in message and "urllib.parse.quote" in message
    assert "secret" not in message
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb:p%40secret@127.0.0.1:5432/kb")  # encoded: taken
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://kb:p%40secret@127.0.0.1:5432/kb"
    # «@» with a «/» or «:» after it in the password (README's «p@ss/word»): the host was «ss», or a traceback
    # ended with the password's tail taken for a port
    for typed in ("postgresql+psycopg://kb:p@ss/secret@127.0.0.1:5432/kb",
                  "postgresql+psycopg://kb:p@ss:secret@127.0.0.1:5432/kb"):
        monkeypatch.setenv("KB_DATABASE_URL", typed)
        with pytest.raises(ConfigurationError) as refused:
            create_app()
        message = refused.value.format_message()
        assert "в имени пользователя или пароле адреса базы данных есть «@»" in message, typed
        assert "secret" not in message, typed
    # a port that is no number: unreadable, the password not shown
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql+psycopg://kb:secret@127.0.0.1:порт/kb")
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    assert "адрес базы данных не читается" in refused.value.format_message()
    assert "secret" not in refused.value.format_message()
    # a user name alone, a socket folder, a file database whose path holds «@»: taken
    for taken in ("postgresql+psycopg://kb@/kb?host=/var/run/postgresql", f"sqlite:///{tmp_path}/a@b/kb.sqlite3"):
        monkeypatch.setenv("KB_DATABASE_URL", taken)
        assert create_app().config["SQLALCHEMY_DATABASE_URI"] == taken


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["documents"] == 0
    assert response.json["pending_changes"] == 0


def test_a_test_app_keeps_its_files_in_its_own_instance(tmp_path):
    """Staged uploads and a restored config.py go to the test's instance, never to the developer's."""
    from kb.bulkimport import staging

    app = make_app(tmp_path / "instance")
    assert app.instance_path == str((tmp_path / "instance").resolve())
    with app.app_context():
        assert staging.root().is_relative_to(tmp_path)


def test_every_migration_goes_down_and_up_again_over_the_demo_bank(demo_app):
    """`restore` of an older archive takes the database down to the archive's schema: every migration's downgrade
    must work, with data in the tables, and the upgrade after it must give the same schema again."""
    runner = demo_app.test_cli_runner()

    def schema() -> dict[str, list[str]]:
        with demo_app.app_context():
            found = inspect(db.engine)
            return {name: sorted(c["name"] for c in found.get_columns(name)) for name in found.get_table_names()}

    before = schema()
    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    assert set(schema()) <= {"alembic_version"}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert schema() == before


def test_the_migrations_build_the_schema_the_models_describe(app):
    """What `init` builds through the migrations is what the models say, on SQLite and on PostgreSQL: no
    column, type, index or constraint in one and not the other (alembic's own comparison, as `flask db migrate`
    would find it)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_the_tables_whose_ids_are_never_given_again_keep_autoincrement_on_sqlite(app):
    """Alembic's comparison does not see SQLite's AUTOINCREMENT: a migration that rebuilt «resolution» (a batch
    operation for a foreign key) dropped it, and a deleted resolution's number went to the next one loaded."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's sequences never go back")
        wanted = {table.name for table in db.metadata.sorted_tables
                  if table.dialect_kwargs.get("sqlite_autoincrement")}
        built = set(db.session.scalars(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'")))
    assert wanted == built and "resolution" in built


def test_going_back_to_one_numbering_keeps_the_first_of_a_shared_external_id(app, make_practice):
    """Two offices both have their practice "1"; the version before numbering per office had one numbering for
    the whole bank: going down to it (restore of an older archive does) keeps "1" on the first, not on both."""
    from kb.practices.models import Practice

    with app.app_context():
        first = make_practice("Первая служба, № 1", external_id="1", external_scope="region:RU-CHE")
        second = make_practice("Вторая служба, № 1", external_id="1", external_scope="region:RU-SMO",
                               region_code="RU-SMO")
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "m3out0000001"])
    assert down.exit_code == 0, down.output
    with app.app_context():
        rows = dict(db.session.execute(text("SELECT id, external_id FROM practice ORDER BY id")).all())
        assert rows == {first: "1", second: None}
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    with app.app_context():
        assert db.session.get(Practice, first).external_scope == ""


def test_upgrading_an_old_sqlite_bank_removes_rows_that_refer_to_nothing_and_moves_id_counters_past_traces(
        app, make_practice, make_user):
    """A bank from before SQLite checked foreign keys and had AUTOINCREMENT: a deleted practice left its adoption
    reports and facet links, a deleted user his collection and his id in the practices he owned, and the id of a
    deleted practice (still in a collection entry and an OAI tombstone) could be given again. Migration
    p6orf0000001 does what the foreign keys say (CASCADE removes, SET NULL empties) and moves the counters on."""
    from kb.accounts.models import User
    from kb.adoption.models import PracticeAdoption
    from kb.collections.models import Collection, CollectionItem
    from kb.collections.services import create_collection
    from kb.oai.models import OaiTombstone
    from kb.practices.models import Practice

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL always checked its foreign keys and never gives a sequence value twice")
    gone_user = make_user("teacher", email="gone@example.org")
    with app.app_context():
        kept = make_practice("Практика, которая остаётся", owner_id=gone_user)
        doomed = make_practice("Практика, удалённая без проверки ключей")
        for practice_id in (kept, doomed):
            db.session.add(PracticeAdoption(practice_id=practice_id, organisation="МАОУ «СОШ № 7»", user_id=gone_user))
        collection = create_collection(db.session.get(User, gone_user), "Подборка ушедшего")
        collection.items = [CollectionItem(item_type="practice", item_id=doomed + 40)]
        db.session.add(OaiTombstone(kind="practice", item_id=doomed + 20))
        db.session.commit()
        collection_id = collection.id
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "o5ids0000001"])
    assert down.exit_code == 0, down.output
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(text("PRAGMA foreign_keys = OFF"))
        connection.execute(text("DELETE FROM practice WHERE id = :id"), {"id": doomed})
        connection.execute(text('DELETE FROM "user" WHERE id = :id'), {"id": gone_user})
        connection.execute(text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'practice'"), {"seq": kept})
        connection.execute(text("PRAGMA foreign_keys = ON"))
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_key_check")).all(), "the old bank holds orphans"
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.scalars(select(PracticeAdoption.practice_id)).all() == [kept]
        assert db.session.scalar(select(PracticeAdoption.user_id)) is None
        assert db.session.execute(text("SELECT count(*) FROM practice_topic WHERE practice_id = :id"),
                                  {"id": doomed}).scalar() == 0
        survivor = db.session.get(Practice, kept)
        assert survivor.owner_id is None and survivor.title == "Практика, которая остаётся"
        assert db.session.get(Collection, collection_id) is None
        assert db.session.scalar(select(func.count()).select_from(CollectionItem)) == 0
    with app.app_context():
        fresh = make_practice("Новая практика")
    assert fresh == doomed + 41, "past the highest id a trace remembers"
    again = runner.invoke(args=["db", "downgrade", "o5ids0000001"])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_upgrading_an_sqlite_bank_gives_user_autoincrement_past_every_id_the_audit_remembers(app, make_user):
    """Accounts can be deleted: the newest one's id was then given to the next account, and the audit log's rows
    about the deleted person read as the new person's. Migration z0uid0000001 rebuilds ``user`` with AUTOINCREMENT
    (its rows, keys and the rows that refer to it kept) and starts its counter past the highest id the database
    remembers, the audit log's included."""
    from kb.accounts.models import AuditEvent, User
    from kb.accounts.services import record, register
    from kb.collections.models import Collection

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL never gives a sequence value twice")
    kept = make_user("teacher", email="kept@example.org")
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "x0nfc0000001"])
    assert down.exit_code == 0, down.output
    with app.app_context():
        schema = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'user'")).scalar()
        assert "AUTOINCREMENT" not in schema
        # An account deleted before the upgrade (the newest, kept + 3) that the audit log still names
        record("user_deleted", None, "user", kept + 3)
        db.session.add(Collection(
            owner_id=kept, title="Подборка", title_folded="подборка", share_token="token-kept-1234567890"))
        db.session.commit()
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    with app.app_context():
        schema = db.session.execute(text("SELECT sql FROM sqlite_master WHERE name = 'user'")).scalar()
        assert "PRIMARY KEY AUTOINCREMENT" in schema and "uq_user_email" in schema
        assert "fk_user_region_code_region" in schema
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert db.session.get(User, kept).email == "kept@example.org"
        assert db.session.scalar(text("SELECT count(*) FROM collection WHERE owner_id = :id"), {"id": kept}) == 1
        newcomer = register("newcomer@example.org", "Новый Пользователь", PASSWORD)
        db.session.commit()
        assert newcomer.id == kept + 4, "past the id the audit log remembers"
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.target_type == "user", AuditEvent.target_id == newcomer.id)) == 1
    again = runner.invoke(args=["db", "downgrade", "x0nfc0000001"])
    assert again.exit_code == 0, again.output
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0


def test_every_setting_the_config_example_and_the_readme_name_is_a_real_one(app):
    """A misspelt name in instance/config.py is silently ignored (Flask takes any name): the example an operator
    copies, and the production block of the README, must name settings the bank reads."""
    root = Path(__file__).resolve().parent.parent
    assignment = re.compile(r"^(?:# ?)?([A-Z][A-Z0-9_]+) = ", re.MULTILINE)
    example = assignment.findall((root / "instance" / "config.example.py").read_text(encoding="utf-8"))
    readme = (root / "README.md").read_text(encoding="utf-8")
    production = readme[readme.index("## Продакшен"):readme.index("## Обновление")]
    blocks = "\n".join(re.findall(r"```python\n(.*?)```", production, re.DOTALL))
    named = set(example) | set(assignment.findall(blocks))
    assert {"SECRET_KEY", "MAIL_FROM", "OAI_REPOSITORY_IDENTIFIER", "TIME_ZONE", "SITE_HOSTS"} <= named
    assert sorted(name for name in named if name not in app.config) == []


@pytest.mark.parametrize(("config", "refusal"), [
    ("INDEX_SYNC_AFTER_REQUEST = True\n", "SECRET_KEY не задан ({config}): без ключа не работает ни одна форма"),
    ("SECRET_KEY = '   '\n", "SECRET_KEY не задан ({config})"),
    ("SECRET_KEY = 'change-me-to-a-long-random-string'\n",
     "SECRET_KEY — пример из config.example.py или README ({config})"),
    ('SECRET_KEY = "длинная-случайная-строка"\n', "SECRET_KEY — пример из config.example.py или README ({config})"),
], ids=["missing", "blank", "example", "readme"])
def test_an_instance_without_a_real_secret_key_does_not_start(tmp_path: Path, monkeypatch, config, refusal):
    """A config.py without SECRET_KEY started silently, /healthz answered 200 and every form was a 500 (CSRF needs
    the key); the example's key was taken as well."""
    from kb.config import ConfigurationError

    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text(config, encoding="utf-8")
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError) as refused:
        create_app()
    message = refused.value.format_message()
    assert message.startswith(refusal.format(config=instance / "config.py"))
    assert "python3 -c 'import secrets; print(secrets.token_hex(32))'" in message and "KB_SECRET_KEY" in message

    monkeypatch.setenv("KB_SECRET_KEY", "a-key-from-the-environment")  # the environment's key is enough
    assert create_app().config["SECRET_KEY"] == "a-key-from-the-environment"
    monkeypatch.setenv("KB_SECRET_KEY", "change-me-to-a-long-random-string")
    with pytest.raises(ConfigurationError, match="^KB_SECRET_KEY — пример из config.example.py или README "
                                                 r"\(переменная окружения\)"):
        create_app()


def test_every_secret_key_the_examples_show_is_refused(tmp_path: Path, monkeypatch):
    """config.example.py's key was refused, but README's production block `SECRET_KEY = "длинная-случайная-строка"`
    (the config.py an operator copies) was accepted: a key as publicly known. Every key the README or the example
    shows is in the one list of placeholders, and refused; the README tells how to make a real one."""
    from kb import EXAMPLE_SECRET_KEYS
    from kb.config import ConfigurationError

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"""^\s*SECRET_KEY\s*=\s*["']([^"']*)["']""",
                       readme + (root / "instance" / "config.example.py").read_text(encoding="utf-8"), re.M)
    assert len(shown) >= 2 and set(shown) <= EXAMPLE_SECRET_KEYS
    assert "python3 -c 'import secrets; print(secrets.token_hex(32))'" in readme[readme.index("## Продакшен"):]
    instance = tmp_path / "inst"
    instance.mkdir()
    monkeypatch.setenv("KB_INSTANCE", str(instance))
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    monkeypatch.delenv("KB_DATABASE_URL", raising=False)
    for key in sorted(EXAMPLE_SECRET_KEYS):
        (instance / "config.py").write_text(f"SECRET_KEY = {key!r}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match="^SECRET_KEY — пример из config.example.py или README"):
            create_app()


def test_init_says_in_russian_how_many_migrations_it_applied_and_refuses_a_newer_schema(tmp_path: Path):
    """Alembic's English log lines («INFO [alembic.runtime.migration] Running upgrade …») are not `init`'s output;
    it counts the migrations it applied. A schema revision this version does not know (a newer version upgraded
    the database) is one Russian line and exit code 1, not a traceback."""
    from alembic.script import ScriptDirectory

    from kb.schema import alembic_config

    app = make_app(tmp_path / "fresh")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    with app.app_context():
        script = ScriptDirectory.from_config(alembic_config())
        revisions = [each.revision for each in script.walk_revisions("base", "heads")]
        head, previous = revisions[0], revisions[1]
    assert f"схема обновлена (миграций применено: {len(revisions)})" in first.output
    assert "Running upgrade" not in first.output and "INFO" not in first.output
    assert "схема уже последней версии" in runner.invoke(args=["init"]).output
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
        db.session.commit()
    again = runner.invoke(args=["init"])
    assert again.exit_code == 0 and "(миграций применено: 1)" in again.output, again.output
    with app.app_context():
        assert db.session.scalar(text("SELECT version_num FROM alembic_version")) == head
        db.session.execute(text("UPDATE alembic_version SET version_num = 'f0future0001'"))
        db.session.commit()
    newer = runner.invoke(args=["init"])
    assert newer.exit_code == 1
    assert "Схема базы данных (ревизия f0future0001) незнакома этой версии программы" in newer.output
    assert "Traceback" not in newer.output
