"""The briefing through a real `celery worker` process, on Redis and on the embedded filesystem broker.

Each test starts ``celery -A config worker --pool=solo -Q <a queue of its own>`` as a subprocess
whose DATABASE_URL points at this test's database (``transactional_db``: the rows are committed, so
the worker sees them and the test sees the worker's) and whose mail goes to files in a temporary
folder (EMAIL_FILE_PATH). The worker is stopped in ``finally`` whatever happens.

The database must be one another process can open: PostgreSQL (CI runs these tests there), or a
SQLite test database kept in a file. pytest-django's default SQLite test database lives in memory,
so with it these tests skip and say why (and in CI a skip fails the run).
"""

import email
import email.policy
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from accounts.choices import Role
from briefing import delivery, reports
from briefing.models import DailyReport, Delivery
from briefing.tasks import deliver_message_task, send_daily_report_task
from cases.choices import HazardStatus
from catalogue.choices import Severity
from config.celery import app
from tests import factories as f
from tests.cases.test_tasks import Robot

pytestmark = pytest.mark.django_db(transaction=True)

BASE_DIR = Path(__file__).resolve().parents[2]
SH = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 1)
READY_TIMEOUT = 20
RESULT_TIMEOUT = 20


def shared_database_url():
    """A DATABASE_URL for this test's database that a worker process can open, or skip."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = quote(settings.get("USER") or "", safe="")
        password = quote(settings.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{auth}{host}:{port}/{settings['NAME']}"
    name = str(settings.get("NAME") or "")
    if connection.vendor == "sqlite" and name and "memory" not in name and Path(name).is_file():
        return f"sqlite:///{name}"
    pytest.skip("a real worker needs a database another process can open: set DATABASE_URL=postgres://… (CI does)")


class Worker:
    """One `celery worker --pool=solo` in its own process group, its output in a log file."""

    def __init__(self, tmp_path, env, queue, name="worker"):
        self.log_path = tmp_path / f"{name}.log"
        self.env = env
        self.queue = queue
        self.name = name
        self.process = None
        self.killed = False

    def start(self):
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", self.queue,
            "-n", f"{self.name}-{self.queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel=INFO",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        wait_for(lambda: " ready." in self.log(), READY_TIMEOUT, f"{self.name} ready", self)
        return self

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self):
        """SIGKILL: the worker dies on the spot, acknowledging nothing."""
        if self.process and self.process.poll() is None:
            self.killed = True
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
        except ProcessLookupError:
            pass


def wait_for(condition, timeout, what, *workers):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if any(w.process is not None and w.process.poll() is not None and not w.killed for w in workers):
            break  # a worker exited by itself: its log says why
        time.sleep(0.2)
    logs = "\n".join(f"--- {w.name} ---\n{w.log()[-4000:]}" for w in workers)
    pytest.fail(f"no {what} after {timeout} s\n{logs}")


def worker_env(tmp_path, queue, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for name in ("EMAIL_URL", "REPORT_WEBHOOK_URLS", "CELERY_TASK_ALWAYS_EAGER", "REDIS_URL", "CELERY_BROKER_DIR"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=shared_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY="worker-test-secret-key",
        VAR_DIR=str(tmp_path / "var"),
        EMAIL_FILE_PATH=str(tmp_path / "mail"),
        CELERY_TASK_DEFAULT_QUEUE=queue,
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def mails(folder):
    """The messages the file-based e-mail backend wrote (one file per connection, separated by dashes)."""
    found = []
    for path in sorted(Path(folder).glob("*.log")):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


@pytest.fixture
def briefing_data():
    """A leader who gets the whole area's briefing, and a small ledger for 1 March."""
    zone = f.ZoneFactory(name="中申达")
    enterprise = f.EnterpriseFactory(parcel=f.ParcelFactory(grid=f.GridFactory(zone=zone, name="中申达一网格")))
    f.HazardFactory(
        enterprise=enterprise,
        status=HazardStatus.RECTIFIED,
        severity=Severity.MAJOR,
        reported_at=datetime(2024, 3, 1, 9, tzinfo=SH),
        rectified_at=datetime(2024, 3, 1, 17, tzinfo=SH),
    )
    f.HazardFactory(enterprise=enterprise, reported_at=datetime(2024, 3, 1, 10, tzinfo=SH))
    return f.UserFactory(username="leader-w", role=Role.LEADER, whole_area=True, email="leader-w@example.com")  # fmt: skip


def assert_briefing_delivered(tmp_path, worker):
    wait_for(lambda: len(mails(tmp_path / "mail")) >= 1, RESULT_TIMEOUT, "briefing mail", worker)
    report = DailyReport.objects.get(date=DAY, scope="all")
    assert (report.data["found"], report.data["rectified_major"], report.data["rectification_rate"]) == (2, 1, "50.00")
    (message,) = mails(tmp_path / "mail")
    assert message["To"] == "leader-w@example.com"
    assert message["Subject"] == "每日问题整改简报 2024-03-01 全区"
    attachment = next(part for part in message.iter_attachments())
    assert attachment.get_filename().endswith("2024-03-01-all.xlsx")
    wait_for(
        lambda: Delivery.objects.filter(status="sent").count() == 1, RESULT_TIMEOUT, "delivery marked sent", worker
    )


def test_a_real_worker_on_redis_stores_and_mails_the_briefing(briefing_data, redis_url, tmp_path):
    queue = f"briefing-{uuid.uuid4().hex[:10]}"
    worker = Worker(tmp_path, worker_env(tmp_path, queue, REDIS_URL=redis_url), queue)
    try:
        worker.start()
        send_daily_report_task.apply_async(args=["2024-03-01"], queue=queue)

        assert_briefing_delivered(tmp_path, worker)
        assert "deliver_message_task" in worker.log()
    finally:
        worker.stop()


def test_a_real_worker_on_the_embedded_broker_stores_and_mails_the_briefing(briefing_data, tmp_path):
    queue = f"briefing-{uuid.uuid4().hex[:10]}"
    env = worker_env(tmp_path, queue, CELERY_BROKER_DIR=tmp_path / "broker")
    worker = Worker(tmp_path, env, queue)
    try:
        worker.start()
        # Publish as any other process on this machine would: `celery call` on the same broker folder.
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "call", "briefing.tasks.send_daily_report_task",
             "--args", json.dumps(["2024-03-01"]), "--queue", queue],
            cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip

        assert_briefing_delivered(tmp_path, worker)
    finally:
        worker.stop()


def test_a_worker_killed_mid_send_is_replaced_and_the_robot_gets_the_message_once(
    briefing_data, redis_url, tmp_path, settings
):
    # Given the day's briefing with one robot, which takes 3 s to answer, and no mail recipients
    briefing_data.delete()
    queue = f"briefing-{uuid.uuid4().hex[:10]}"
    env = worker_env(tmp_path, queue, REDIS_URL=redis_url, CELERY_VISIBILITY_TIMEOUT=2, DELIVERY_LEASE_SECONDS=1)
    with Robot(delay=3) as robot:
        settings.REPORT_WEBHOOK_URLS = [robot.url("/slow")]
        reports.generate_daily_reports(DAY)
        (hook,) = delivery.plan_report_deliveries(DAY)
        first, second = Worker(tmp_path, env, queue, "first"), Worker(tmp_path, env, queue, "second")
        try:
            # When the worker dies (SIGKILL) while the robot is still answering
            first.start()
            deliver_message_task.apply_async(args=[hook], queue=queue)
            wait_for(lambda: robot.count("/slow") == 1, RESULT_TIMEOUT, "the robot to be called", first)
            first.kill()
            assert Delivery.objects.get(pk=hook).status == "sending"

            # Then Redis hands the unacknowledged task to the next worker, which sends it again
            second.start()
            wait_for(lambda: Delivery.objects.get(pk=hook).status == "sent", RESULT_TIMEOUT, "the resend", second)
            assert robot.count("/slow", completed=True) == 1  # delivered once: the first never got an answer
            assert robot.count("/slow") == 2
            assert Delivery.objects.get(pk=hook).attempts == 2

            # And once it is sent, running the task again sends nothing
            deliver_message_task.apply_async(args=[hook], queue=queue)
            wait_for(lambda: "'already_sent'" in second.log(), RESULT_TIMEOUT, "the repeated task to finish", second)
            assert robot.count("/slow") == 2
        finally:
            first.stop()
            second.stop()


def test_the_worker_tests_publish_where_the_settings_say(redis_url):
    # The test process publishes with the Celery app configured from settings (REDIS_URL → Redis).
    assert app.conf.broker_url.startswith("redis://")
