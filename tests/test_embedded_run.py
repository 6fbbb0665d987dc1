"""The embedded run (`make run` → scripts/run.py): web server, Celery worker and beat on SQLite and the
filesystem broker, in a temporary VAR_DIR on a free port; Ctrl-C stops every process it started."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
START_TIMEOUT = 45
STOP_TIMEOUT = 30

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def processes_of(var_dir):
    """Pids of live processes whose environment names this VAR_DIR: everything the run started."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for(condition, timeout, what, run):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if run.process.poll() is not None:
            pytest.fail(f"the run exited ({run.process.returncode}) while waiting for {what}:\n{run.log()}")
        time.sleep(0.25)
    pytest.fail(f"no {what} after {timeout} s:\n{run.log()}")


class EmbeddedRun:
    def __init__(self, tmp_path):
        self.var_dir = tmp_path / "var"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
        for name in ("DATABASE_URL", "REDIS_URL", "DEBUG", "CELERY_BROKER_DIR", "EMAIL_FILE_PATH", "MEDIA_ROOT"):
            env.pop(name, None)  # the embedded default: SQLite and the filesystem broker under VAR_DIR
        env.update(
            VAR_DIR=str(self.var_dir),
            PORT=str(self.port),
            RUN_SEED="0",
            WEB_CONCURRENCY="1",
            WORKER_CONCURRENCY="1",
            DJANGO_SETTINGS_MODULE="config.settings",
        )
        self.env = env
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(BASE_DIR / "scripts" / "run.py")],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # like a terminal: Ctrl-C goes to the supervisor's group only
            )

    def log(self):
        return self.log_path.read_text(errors="replace")[-6000:]

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except OSError:
            return None, ""

    def answers(self):
        return self.get("/accounts/login/")[0] == 200

    def enqueue_heartbeat(self):
        code = (
            "import django; django.setup(); "
            "from core.tasks import touch_heartbeat_task; touch_heartbeat_task.delay('heartbeat')"
        )
        subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=self.env, check=True, timeout=30)

    def press_ctrl_c(self):
        os.killpg(self.process.pid, signal.SIGINT)

    def cleanup(self):
        if self.process.poll() is None:
            self.press_ctrl_c()
            try:
                self.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
        for pid in processes_of(self.var_dir):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def embedded_run(tmp_path):
    run = EmbeddedRun(tmp_path)
    yield run
    run.cleanup()


def assert_all_stopped(run):
    deadline = time.monotonic() + 5
    while processes_of(run.var_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_of(run.var_dir) == [], run.log()


def test_embedded_run_serves_pages_runs_tasks_and_stops_on_ctrl_c(embedded_run):
    run = embedded_run

    wait_for(run.answers, START_TIMEOUT, "answer from the web server", run)
    status, body = run.get("/accounts/login/")
    assert status == 200
    assert "登录" in body
    assert run.get("/static/css/app.css")[0] == 200  # whitenoise serves static files without collectstatic
    # DEBUG is off unless asked for: a missing page is the product's own Chinese page, not Django's debug page
    status, body = run.get("/no-such-page/")
    assert status == 404
    assert "页面不存在" in body and "安全隐患排查整改系统" in body
    assert "URLconf" not in body and "DEBUG = True" not in body
    wait_for(lambda: f"running at  {run.url}/" in run.log(), 10, "address printed", run)

    run.enqueue_heartbeat()
    wait_for((run.var_dir / "heartbeat").exists, 30, "heartbeat written by the Celery worker", run)
    wait_for(
        lambda: any(run.var_dir.glob("celerybeat-schedule*")) and "beat: Starting" in run.log(),
        20,
        "Celery beat schedule file",
        run,
    )
    assert len(processes_of(run.var_dir)) >= 3  # web, worker and beat (and their children)

    run.press_ctrl_c()
    assert run.process.wait(timeout=STOP_TIMEOUT) == 0, run.log()
    assert_all_stopped(run)
    assert "all stopped" in run.log()


def test_embedded_run_stops_everything_when_one_process_dies(embedded_run):
    run = embedded_run
    wait_for(run.answers, START_TIMEOUT, "answer from the web server", run)
    wait_for(lambda: "celery@" in run.log() and " ready." in run.log(), 30, "Celery worker ready", run)
    worker_pid = int(run.log().split("worker (pid ")[1].split(")")[0])

    os.kill(worker_pid, signal.SIGKILL)

    assert run.process.wait(timeout=STOP_TIMEOUT) != 0
    assert "worker exited" in run.log()
    assert_all_stopped(run)


def settings_in(tmp_path, code, **extra):
    """Print what the settings read, in a fresh process with the embedded run's environment plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for name in ("DATABASE_URL", "DEBUG", "SECRET_KEY", "SITE_URL", "ALLOWED_HOSTS", "HOST", "PORT"):
        env.pop(name, None)
    env.update(VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="config.settings", **extra)
    setup = "import django; django.setup(); from django.conf import settings; "
    done = subprocess.run(
        [sys.executable, "-c", setup + code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_links_in_mails_and_on_the_notice_follow_the_port_of_the_run(tmp_path):
    # `PORT=8810 make run`: scripts/run.py passes HOST and PORT to every process it starts
    assert settings_in(tmp_path, "print(settings.SITE_URL)", PORT="8810") == "http://127.0.0.1:8810"
    assert settings_in(tmp_path, "print(settings.SITE_URL)", HOST="192.0.2.7", PORT="8810") == "http://192.0.2.7:8810"
    assert settings_in(tmp_path, "print(settings.SITE_URL)") == "http://127.0.0.1:8000"
    # an address set on purpose wins
    site = settings_in(tmp_path, "print(settings.SITE_URL)", PORT="8810", SITE_URL="https://yh.example.cn/")
    assert site == "https://yh.example.cn"


def test_debug_only_when_asked_for_and_the_run_s_host_is_allowed(tmp_path):
    assert settings_in(tmp_path, "print(settings.DEBUG)") == "False"
    assert settings_in(tmp_path, "print(settings.DEBUG)", DEBUG="1") == "True"
    hosts = settings_in(tmp_path, "print(' '.join(settings.ALLOWED_HOSTS))", HOST="192.0.2.7").split()
    assert {"127.0.0.1", "localhost", "192.0.2.7"} <= set(hosts)
    assert settings_in(tmp_path, "print(settings.ALLOWED_HOSTS)", ALLOWED_HOSTS="yh.example.cn") == "['yh.example.cn']"


@pytest.mark.django_db
def test_error_pages_are_the_product_s_own_chinese_pages(client, settings):
    settings.DEBUG = False
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode() and "URLconf" not in missing.content.decode()

    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    refused = csrf_client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert refused.status_code == 403
    assert "页面已过期" in refused.content.decode() and "CSRF" not in refused.content.decode()
