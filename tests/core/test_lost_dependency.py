"""A lost dependency is no 500: real app servers (gunicorn) started with the database or Redis at a closed port.

- PostgreSQL down: the API answers JSON 503 ``{"detail": "服务暂不可用…"}``, pages the static 503 page.
- Redis down: the token endpoint still signs in (the throttle counts in the process) and says so in the log.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

BASE_DIR = Path(__file__).resolve().parents[2]


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


def clean_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "CELERY_BROKER_DIR", "EMAIL_FILE_PATH", "MEDIA_ROOT"):
        env.pop(name, None)
    env.update(
        VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="lost-dependency-test-key",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


class Server:
    def __init__(self, tmp_path, env):
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / f"gunicorn-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
                + ["-w", "1", "--timeout", "60"],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log()}")
            try:
                requests.get(self.url + "/static/css/app.css", timeout=2)
                return
            except requests.ConnectionError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")[-6000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(env):
        server = Server(tmp_path, env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def test_postgresql_down_answers_503_json_for_the_api_and_a_chinese_page(tmp_path, start_server):
    database = f"postgres://postgres@127.0.0.1:{closed_port()}/x"
    server = start_server(clean_env(tmp_path, DATABASE_URL=database))

    api = requests.get(server.url + "/api/v1/hazards/", headers={"Authorization": "Token abc"}, timeout=20)
    assert api.status_code == 503, server.log()
    assert api.headers["Content-Type"].startswith("application/json")
    assert api.json()["detail"].startswith("服务暂不可用")

    token = requests.post(server.url + "/api/v1/auth/token/", json={"username": "a", "password": "b"}, timeout=20)
    assert token.status_code == 503 and token.json()["code"] == "service_unavailable"

    # A signed-in visitor: the session is read (from the database) before any view runs.
    page = requests.get(server.url + "/", cookies={"sessionid": "x" * 32}, timeout=20)
    assert page.status_code == 503, server.log()
    assert "text/html" in page.headers["Content-Type"]
    assert "服务暂不可用" in page.text and "503" in page.text
    assert page.headers.get("Retry-After")
    assert "database unavailable" in server.log() or "OperationalError" in server.log()


@pytest.fixture(scope="module")
def migrated_var(tmp_path_factory):
    """An embedded database (SQLite) with one user, made by the project's own commands."""
    tmp_path = tmp_path_factory.mktemp("redis-down")
    env = clean_env(tmp_path)
    run = [sys.executable, "manage.py"]
    subprocess.run(run + ["migrate", "-v0"], cwd=BASE_DIR, env=env, check=True, timeout=300, capture_output=True)
    code = (
        "from accounts.models import User; "
        "User.objects.create_user('redis-down', password='a-long-Passw0rd', role='manager', whole_area=True)"
    )
    subprocess.run(run + ["shell", "-c", code], cwd=BASE_DIR, env=env, check=True, timeout=120, capture_output=True)
    return tmp_path


def test_redis_down_the_token_endpoint_still_signs_in_and_says_so_in_the_log(migrated_var, start_server):
    redis = f"redis://127.0.0.1:{closed_port()}/0"
    server = start_server(clean_env(migrated_var, REDIS_URL=redis))

    response = requests.post(
        server.url + "/api/v1/auth/token/", json={"username": "redis-down", "password": "a-long-Passw0rd"}, timeout=30
    )
    assert response.status_code == 200, (response.text, server.log())
    token = response.json()["token"]
    me = requests.get(server.url + "/api/v1/auth/me/", headers={"Authorization": f"Token {token}"}, timeout=30)
    assert me.status_code == 200 and me.json()["username"] == "redis-down"
    assert "throttling with a counter local to this process" in server.log()

    # The limit still holds, counted in the process: wrong passwords end in 429, not 500.
    statuses = [
        requests.post(
            server.url + "/api/v1/auth/token/", json={"username": "redis-down", "password": "wrong"}, timeout=30
        ).status_code
        for _ in range(12)
    ]
    assert 500 not in statuses and statuses[-1] == 429, statuses

    assert requests.get(server.url + "/accounts/login/", timeout=30).status_code == 200
