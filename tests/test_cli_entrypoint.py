"""The real `flask --app kb` entry point, as `make run` calls it, on an empty instance folder."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_flask_init_creates_the_instance(tmp_path):
    env = {**os.environ, "KB_INSTANCE": str(tmp_path / "instance")}
    env.pop("KB_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "kb"]
    result = subprocess.run([*flask, "init"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Словари: регионов 91" in result.stdout
    assert (tmp_path / "instance" / "kb.sqlite3").is_file()
    assert (tmp_path / "instance" / "config.py").is_file()
    failed = subprocess.run([*flask, "import-resolution", str(tmp_path / "nope.txt")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1
    assert "Файл не найден" in failed.stderr

    # Without a terminal getpass warned in English («GetPassWarning: Can not control echo on the terminal»)
    piped = subprocess.run([*flask, "create-user", "a@example.org", "--role", "admin"], cwd=ROOT, env=env,
                           input="long-enough-pass\nlong-enough-pass\n", capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert "Создан пользователь a@example.org" in piped.stdout
    assert "Warning" not in piped.stderr + piped.stdout and "long-enough-pass" not in piped.stdout + piped.stderr
    # Two passwords that differ: click answered «Error: The two entered values do not match.»
    retyped = subprocess.run([*flask, "create-user", "c@example.org"], cwd=ROOT, env=env, capture_output=True,
                             input="first-long-pass\nsecond-long-pass\nlong-enough-pass\nlong-enough-pass\n",
                             text=True, timeout=120)
    assert retyped.returncode == 0, retyped.stderr
    assert "Пароли не совпадают, введите ещё раз." in retyped.stderr and "Error" not in retyped.stdout + retyped.stderr
    assert retyped.stdout.count("Пароль ещё раз:") == 2 and "Создан пользователь c@example.org" in retyped.stdout
    closed = subprocess.run([*flask, "create-user", "b@example.org"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=120)
    assert closed.returncode == 1
    assert "Warning" not in closed.stderr and "Ввод прерван: значение не введено" in closed.stderr

    # `indexer --once` announced «проверка очереди каждые 0.5 с. Остановка: Ctrl+C.» and said nothing of its work
    once = subprocess.run([*flask, "indexer", "--once"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert once.returncode == 0, once.stderr
    assert "Ctrl+C" not in once.stdout and "Применено изменений: " in once.stdout


def test_a_mistyped_instance_folder_is_not_made_into_a_new_empty_bank(tmp_path, monkeypatch):
    """A typo in KB_INSTANCE made, for any command and for gunicorn, a second bank: a folder with a new
    SECRET_KEY and an empty database, and «нет таблиц… выполните init» sent the operator on to fill it."""
    from kb import create_app
    from kb.config import ConfigurationError

    env = {**os.environ, "KB_INSTANCE": str(tmp_path / "instnace")}
    env.pop("KB_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "kb"]
    commands = (["check-index"], ["backup"],
                ["create-user", "a@example.org", "--role", "admin", "--password", "long-enough-pass"],
                ["db", "upgrade"], ["db", "current"],  # Flask-Migrate's: a traceback «unable to open database file»
                ["--help"])
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:  # each refuses on its own: run them side by side
        *results, listed = pool.map(lambda args: subprocess.run([*flask, *args], cwd=ROOT, env=env, text=True,
                                                                capture_output=True, timeout=120), commands)
    for result in results:
        assert result.returncode == 1, result.args
        assert result.stderr.strip() == (f"Папки экземпляра {tmp_path / 'instnace'} нет (KB_INSTANCE): проверьте "
                                         "KB_INSTANCE или, если банк новый, выполните «flask --app kb init».")
    assert "check-index" in listed.stdout and "Traceback" not in listed.stderr
    assert not (tmp_path / "instnace").exists()

    monkeypatch.setenv("KB_INSTANCE", str(tmp_path / "instnace"))  # gunicorn's kb:create_app()
    with pytest.raises(ConfigurationError, match="^Папки экземпляра .* нет"):
        create_app()
    assert not (tmp_path / "instnace").exists()

    (tmp_path / "afile").write_text("not a folder")
    env["KB_INSTANCE"] = str(tmp_path / "afile" / "instance")
    made = subprocess.run([*flask, "init"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 1
    assert made.stderr.strip() == (f"Не удаётся создать экземпляр в папке {tmp_path / 'afile' / 'instance'} "
                                   "(KB_INSTANCE): в пути вместо папки — файл.")


def test_an_unknown_time_zone_is_one_line_naming_where_it_was_set(tmp_path):
    """KB_TIME_ZONE=Mars/Olympus gave every command a traceback of 66 lines whose last one blamed «TIME_ZONE» of
    config.py, which said Asia/Yekaterinburg."""
    instance = tmp_path / "instance"
    instance.mkdir()
    config = instance / "config.py"
    config.write_text('SECRET_KEY = "tz-0123456789abcdef"\nTIME_ZONE = "Asia/Yekaterinburg"\n', encoding="utf-8")
    env = {**os.environ, "KB_INSTANCE": str(instance), "KB_TIME_ZONE": "Mars/Olympus"}
    env.pop("KB_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "kb"]

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    from_environment = run("check-index")
    assert from_environment.returncode == 1
    assert from_environment.stderr.strip() == (
        "KB_TIME_ZONE = 'Mars/Olympus' (переменная окружения): такого часового пояса нет в базе IANA "
        "(пример правильного значения: «Europe/Moscow», «Asia/Yekaterinburg»).")
    assert from_environment.stdout == ""

    del env["KB_TIME_ZONE"]
    config.write_text('SECRET_KEY = "tz-0123456789abcdef"\nTIME_ZONE = "Europe/Chelyabinsk"\n', encoding="utf-8")
    from_config = run("init")
    assert from_config.returncode == 1
    assert from_config.stderr.strip().startswith(f"TIME_ZONE = 'Europe/Chelyabinsk' ({config}): такого "
                                                 "часового пояса нет в базе IANA")
    assert "Traceback" not in from_config.stderr and len(from_config.stderr.strip().splitlines()) == 1
    assert not (instance / "kb.sqlite3").exists()


def test_init_without_a_secret_key_stops_with_one_line_and_makes_nothing(tmp_path):
    """init on a config.py without SECRET_KEY said nothing (code 0), and then every form of the site was a 500."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("INDEX_SYNC_AFTER_REQUEST = True\n", encoding="utf-8")
    env = {**os.environ, "KB_INSTANCE": str(instance)}
    for variable in ("KB_SECRET_KEY", "KB_DATABASE_URL"):
        env.pop(variable, None)
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "kb", "init"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"SECRET_KEY не задан ({instance / 'config.py'}): ")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (instance / "kb.sqlite3").exists()


def test_a_malformed_database_url_is_one_line_with_the_password_hidden(tmp_path):
    """A URL missing «:» or of a database SQLAlchemy does not know gave every command, --help too, an English
    traceback of 50 lines; README promises one Russian line."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {**os.environ, "KB_INSTANCE": str(instance), "KB_DATABASE_URL": "postgresql+psycopg//kb:s3cret@db/kb"}
    flask = [sys.executable, "-m", "flask", "--app", "kb"]
    for args in (["check-index"], ["check-index", "--help"]):
        result = subprocess.run([*flask, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "KB_DATABASE_URL = 'postgresql+psycopg//kb:***@db/kb' (переменная окружения): адрес базы данных не "
            "читается; нужен такой: «postgresql+psycopg://kb:пароль@127.0.0.1:5432/kb» или "
            "«sqlite:////srv/kb/instance/kb.sqlite3».")


def test_the_projects_commands_give_usage_errors_and_help_in_russian(app):
    """click's own «Usage: … Error: No such option '--bogus'», «Missing argument», «is not in the range x>=0» and
    «Aborted!» (create-user without a terminal) came in English among the project's Russian messages."""
    runner = app.test_cli_runner()

    def error(*args: str, code: int = 2) -> str:
        result = runner.invoke(args=list(args), input="")
        assert result.exit_code == code, result.output
        assert "Usage" not in result.output and "Error" not in result.output and "Aborted" not in result.output
        return result.output

    bogus = error("indexer", "--bogus")
    assert bogus.startswith("Использование: ") and "indexer [ПАРАМЕТРЫ]" in bogus
    assert "Справка: " in bogus and "indexer --help" in bogus
    assert "Ошибка: нет такого параметра: --bogus." in bogus
    assert "Может быть, --interval?" in error("indexer", "--interva", "1")
    assert "Ошибка: параметру --interval нужно значение." in error("indexer", "--interval")
    assert "Ошибка: неверное значение --interval: нужно число." in error("indexer", "--interval", "полсекунды")
    assert "Ошибка: не указан аргумент EMAIL." in error("create-user")
    assert "допустимо одно из: admin, methodist, teacher." in error("create-user", "a@example.org", "--role", "boss")
    assert "Ошибка: неверное значение --keep-days: нужно число не меньше 0." in error("prune-outbox", "--keep-days",
                                                                                        "-1")
    assert "Ошибка: неверное значение АРХИВ: «/nonexistent.tar.gz» — такого файла или папки нет." in error(
        "restore", "/nonexistent.tar.gz")
    assert "Ошибка: лишние аргументы: лишнее." in error("check-index", "лишнее")
    assert "Ошибка: параметр --remove-unfinished не принимает значения." in error("check-index",
                                                                                   "--remove-unfinished=да")
    assert "Ввод прерван: значение не введено" in error("create-user", "a@example.org", code=1)

    helped = runner.invoke(args=["prune-outbox", "--help"])
    assert helped.exit_code == 0
    assert "Использование: " in helped.output and "Параметры:" in helped.output
    assert "--keep-days ДНЕЙ" in helped.output and "[по умолчанию: 7;" in " ".join(helped.output.split())
    assert "Показать эту справку и выйти." in helped.output
    assert "Options" not in helped.output and "Show this message" not in helped.output
    assert "--name ФИО" in runner.invoke(args=["create-user", "--help"]).output
    assert "TEXT" not in runner.invoke(args=["create-user", "--help"]).output


def test_ctrl_c_in_a_command_is_said_in_russian():
    from kb.cli import command

    @command("wait")
    def wait() -> None:
        raise KeyboardInterrupt

    from click.testing import CliRunner

    result = CliRunner().invoke(wait, [])
    assert result.exit_code == 1 and result.output == "Прервано (Ctrl+C).\n"


def test_the_db_commands_still_work_and_flask_migrates_group_is_left_as_it_is(app):
    from flask_migrate.cli import db as migrate_group

    result = app.test_cli_runner().invoke(args=["db", "current"])
    assert result.exit_code == 0, result.output
    own = app.cli.commands["db"]
    assert own is not migrate_group and own.commands is migrate_group.commands
    assert own.callback.__wrapped__ is migrate_group.callback  # the library's callback itself is not wrapped
    assert own.short_help == "Миграции схемы (Flask-Migrate)." and "flask --app kb init" in own.help
    assert migrate_group.help == "Perform database migrations."
