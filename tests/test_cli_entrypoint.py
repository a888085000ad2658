"""The real `flask --app kb` entry point, as `make run` calls it, on an empty instance folder."""

import os
import subprocess
import sys
from pathlib import Path

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
