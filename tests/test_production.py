"""Several gunicorn workers and one index writer under concurrent writes: nothing lost, no lock fights."""

import contextlib
import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 8
SECONDS = float(os.environ.get("KB_SOAK_SECONDS", "15"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flask(env, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "kb", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


class Client:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.statuses: list[int] = []

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        self.statuses.append(status)
        return status, text

    def token(self, path: str) -> str:
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', self.request(path)[1]).group(1)

    def upload(self, path: str, token: str, name: str, data: bytes) -> tuple[int, str]:
        """A multipart form with the CSRF token and one file in the field ``files``."""
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, body,
                                         {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with self.opener.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        self.statuses.append(status)
        return status, text


PASSWORD = "soak-test-password"


@contextlib.contextmanager
def _served(tmp_path: Path, database_url: str | None, role: str) -> Iterator[tuple[dict, str]]:
    """An instance with CLIENTS accounts of ``role`` ({role}{n}@example.org) served by 3 gunicorn workers and the
    index writer; yields (the environment of its processes, the base URL). Their logs must hold no traceback."""
    env = {**os.environ, "KB_INSTANCE": str(tmp_path / "instance")}
    env.pop("KB_DATABASE_URL", None)
    env.pop("KB_INDEX_WRITER_PAUSE", None)
    if database_url:
        env["KB_DATABASE_URL"] = database_url
    assert _flask(env, "init").returncode == 0
    (tmp_path / "instance" / "config.py").write_text(
        "SECRET_KEY = 'soak'\nINDEX_SYNC_AFTER_REQUEST = False\nLOGIN_RATE_LIMIT = '100 per minute'\n")
    accounts = subprocess.run([sys.executable, "-c", (
        "from kb import create_app\nfrom kb.accounts.services import create_user\nfrom kb.extensions import db\n"
        "with create_app().app_context():\n"
        f"    for n in range({CLIENTS}):\n"
        f"        create_user(f'{role}{{n}}@example.org', 'Пользователь', {PASSWORD!r}, role={role!r})\n"
        "    db.session.commit()\n")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert accounts.returncode == 0, accounts.stderr

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "3", "-b", f"127.0.0.1:{port}", "--error-logfile",
         str(tmp_path / "gunicorn.log"), "kb:create_app()"], cwd=ROOT, env=env)
    writer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "kb", "indexer", "--interval", "0.2"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield env, base
    finally:
        server.terminate()
        writer.terminate()
        server.wait(timeout=30)
        output = writer.communicate(timeout=30)[0]
    log = (tmp_path / "gunicorn.log").read_text()
    assert "LockError" not in log and "Traceback" not in log, log[-3000:]
    assert "Traceback" not in output, output[-3000:]


def _signed_in(base: str, role: str, n: int) -> Client:
    client = Client(base)
    client.request("/login", {"email": f"{role}{n}@example.org", "password": PASSWORD,
                              "csrf_token": client.token("/login")})
    return client


def _run(work, clients: int = CLIENTS) -> None:
    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.mark.slow
def test_concurrent_writers_through_gunicorn(tmp_path, database_url):
    """8 clients create, publish and edit practices through 3 gunicorn workers while the writer runs
    (SQLite file in the SQLite pass, a PostgreSQL database in the PostgreSQL pass)."""
    with _served(tmp_path, database_url, "admin") as (env, base):
        created: list[tuple[int, str]] = []
        lock = threading.Lock()
        clients: dict[int, Client] = {}

        def work(n: int) -> None:
            client = clients[n] = _signed_in(base, "admin", n)
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                word = "метка" + uuid.uuid4().hex[:10]
                status, page = client.request("/practices/new", {
                    "title": f"Нагрузочная практика {word}", "annotation": "Проверка записи под нагрузкой.",
                    "region": "RU-CHE", "levels": ["primary"], "submit_for_review": "1",
                    "csrf_token": client.token("/practices/new")})
                if status != 200:
                    continue
                pid = int(re.search(r"/practices/(\d+)/transition", page).group(1))
                client.request(f"/practices/{pid}/transition", {
                    "action": "publish", "csrf_token": client.token(f"/practices/{pid}")})
                client.request(f"/practices/{pid}/edit", {
                    "title": f"Нагрузочная практика {word} (правка)", "annotation": "Правка под нагрузкой.",
                    "region": "RU-CHE", "levels": ["primary"], "csrf_token": client.token(f"/practices/{pid}/edit")})
                with lock:
                    created.append((pid, word))

        _run(work)
        assert len(clients) == CLIENTS, "every client signed in"
        statuses = [s for c in clients.values() for s in c.statuses]
        assert created, "the clients created practices"
        assert not [s for s in statuses if s >= 500], "no server errors"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            total = _search(base, "нагрузочная")["total"]
            if total == len(created):
                break
            time.sleep(0.3)
        assert total == len(created), "every practice reached the index"
        for pid, word in created[:: max(1, len(created) // 10)]:
            assert [r["id"] for r in _search(base, word)["results"]] == [pid]
        for pid, word in created:
            # Every submission is in the database, published, with its edit.
            with urllib.request.urlopen(f"{base}/api/v1/practices/{pid}", timeout=30) as response:
                assert json.loads(response.read())["title"] == f"Нагрузочная практика {word} (правка)"
    check = _flask(env, "check-index")
    assert check.returncode == 0, check.stdout + check.stderr
    print(f"\n{len(created)} practices created, published and edited by {CLIENTS} clients in {SECONDS:.0f} s; "
          f"{len(statuses)} requests")


@pytest.mark.slow
def test_concurrent_uploads_and_removals_of_the_same_files_through_gunicorn(tmp_path, database_url):
    """8 teachers, each with a draft of their own (none sees another's, so none is offered a duplicate), attach
    and remove the same two files over and over through 3 gunicorn workers: no server error, no lock fight, and
    at the end every attachment's file is on the disk and no file is left that no attachment uses."""
    files = {f"заметки-{k}.txt": f"Общие заметки учителей, вариант {k}: наблюдения на уроке.".encode()
             for k in range(2)}
    with _served(tmp_path, database_url, "teacher") as (env, base):
        clients: dict[int, Client] = {}
        rounds = [0] * CLIENTS

        def work(n: int) -> None:
            client = clients[n] = _signed_in(base, "teacher", n)
            _status, page = client.request("/practices/new", {
                "title": f"Черновик учителя {n}", "annotation": "Черновик для файлов.", "region": "RU-CHE",
                "levels": ["primary"], "csrf_token": client.token("/practices/new")})
            pid = int(re.search(r"/practices/(\d+)/attachments", page).group(1))
            token = client.token(f"/practices/{pid}")
            deadline = time.monotonic() + SECONDS
            while time.monotonic() < deadline:
                name = random.choice(list(files))
                _status, page = client.upload(f"/practices/{pid}/attachments", token, name, files[name])
                for attachment_id in re.findall(r"/attachments/(\d+)/delete", page):
                    client.request(f"/attachments/{attachment_id}/delete", {"csrf_token": token})
                rounds[n] += 1
            name = list(files)[n % 2]  # the last one stays: both files must then be on the disk, and nothing else
            client.upload(f"/practices/{pid}/attachments", token, name, files[name])

        _run(work)
        assert len(clients) == CLIENTS, "every client signed in"
        statuses = [s for c in clients.values() for s in c.statuses]
        assert sum(rounds) > CLIENTS, "the clients attached and removed files"
        assert not [s for s in statuses if s >= 500], "no server errors"
    files_check = _flask(env, "check-files")
    assert files_check.returncode == 0, files_check.stdout + files_check.stderr
    assert "совпадают с базой данных: проверено 2." in files_check.stdout, files_check.stdout
    assert "не приложенных ни к одной практике" not in files_check.stdout, files_check.stdout
    print(f"\n{sum(rounds)} attach-and-remove rounds by {CLIENTS} clients in {SECONDS:.0f} s; "
          f"{len(statuses)} requests")


def _search(base: str, q: str) -> dict:
    with urllib.request.urlopen(f"{base}/api/v1/search?" + urllib.parse.urlencode({"q": q}), timeout=30) as r:
        return json.loads(r.read())
