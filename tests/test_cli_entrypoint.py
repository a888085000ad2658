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
