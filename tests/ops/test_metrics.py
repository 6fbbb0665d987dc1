"""/metrics: who may read it, the request counters of django-prometheus, and the counters kept in the
database (Celery task outcomes, briefing deliveries), the last through a real `celery worker`."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest

from briefing import delivery
from briefing.models import Delivery
from core import metrics
from tests.cases.test_worker import (  # noqa: F401 (briefing_data is a fixture)
    BASE_DIR,
    RESULT_TIMEOUT,
    Worker,
    briefing_data,
    mails,
    wait_for,
    worker_env,
)


def scrape(client, **extra):
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def sample(text, name, **labels):
    """The value of the sample ``name{labels…}`` in the exposition text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.mark.django_db
def test_a_request_shows_in_the_request_counters(client):
    before = sample(scrape(client), "django_http_requests_total_by_method_total", method="GET")
    client.get("/accounts/login/")
    text = scrape(client)
    assert sample(text, "django_http_requests_total_by_method_total", method="GET") >= before + 2  # login + scrape
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text
    assert sample(text, "django_http_responses_total_by_status_total", status="200") >= 1


def test_metrics_are_closed_to_other_addresses_and_open_with_the_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200


def test_through_the_local_proxy_the_client_address_counts(client, settings):
    # nginx on the same machine connects from 127.0.0.1; the client it served is the last X-Forwarded-For hop.
    settings.METRICS_TOKEN = ""
    outsider = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert outsider.status_code == 403
    forged = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9")
    assert forged.status_code == 403
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.0.8.0/24"]
    monitor = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.8.5")
    assert monitor.status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.0.8.7").status_code == 200


@pytest.mark.django_db
def test_a_failed_delivery_is_counted_by_channel(client):
    # A robot message of a briefing that is gone: the attempt fails (the sent ones: the worker test below).
    row = Delivery.objects.create(key=f"report:2024-03-01:all:wecom:{uuid.uuid4().hex}", channel="wecom",
                                  recipient="http://127.0.0.1:9/")  # fmt: skip
    with pytest.raises(delivery.PermanentFailure):
        delivery.deliver(row.pk)
    text = scrape(client)
    assert sample(text, "tracker_briefing_deliveries_total", channel="wecom", outcome="failed") == 1


def test_the_database_counters_survive_as_rows(db, client):
    metrics.count("tracker_celery_tasks", task="x.y", state="success")
    metrics.count("tracker_celery_tasks", task="x.y", state="success")
    metrics.count("tracker_celery_tasks", task="x.y", state="failure")
    text = scrape(client)
    assert sample(text, "tracker_celery_tasks_total", task="x.y", state="success") == 2
    assert sample(text, "tracker_celery_tasks_total", task="x.y", state="failure") == 1


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_counts_task_outcomes_and_deliveries(briefing_data, client, tmp_path):  # noqa: F811
    queue = f"metrics-{uuid.uuid4().hex[:10]}"
    env = worker_env(tmp_path, queue, CELERY_BROKER_DIR=tmp_path / "broker")
    worker = Worker(tmp_path, env, queue)

    def call(task, *args):
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "call", task, "--args", json.dumps(list(args)),
             "--queue", queue],
            cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=30,
        )  # fmt: skip

    try:
        worker.start()
        call("briefing.tasks.send_daily_report_task", "2024-03-01")  # plans one mail, delivered by a second task
        call("core.tasks.touch_heartbeat_task", "..")  # writing to a folder's name: the task fails
        wait_for(lambda: len(mails(tmp_path / "mail")) >= 1, RESULT_TIMEOUT, "briefing mail", worker)

        def counted():
            text = scrape(client)
            return sample(
                text, "tracker_celery_tasks_total", task="briefing.tasks.deliver_message_task", state="success"
            ) and sample(text, "tracker_celery_tasks_total", task="core.tasks.touch_heartbeat_task", state="failure")

        wait_for(counted, RESULT_TIMEOUT, "task outcomes in /metrics", worker)
        text = scrape(client)
        assert sample(text, "tracker_celery_tasks_total", task="briefing.tasks.send_daily_report_task", state="success")
        assert sample(text, "tracker_briefing_deliveries_total", channel="email", outcome="sent") == 1
    finally:
        worker.stop()


def test_gunicorn_workers_add_up_in_multiprocess_mode(tmp_path):
    # As deploy/tracker-web.service runs it: several workers, PROMETHEUS_MULTIPROC_DIR set.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    (tmp_path / "prom").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))}
    for key in ("DATABASE_URL", "REDIS_URL", "STORAGE_URL"):
        env.pop(key, None)
    env.update(SECRET_KEY="x", VAR_DIR=str(tmp_path / "var"), PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail((tmp_path / "gunicorn.log").read_text()[-3000:])
                time.sleep(0.3)
        for _ in range(8):
            assert urllib.request.urlopen(base + "/accounts/login/", timeout=10).status == 200
        text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        assert sample(text, "django_http_requests_total_by_method_total", method="GET") >= 8
        assert len(list((tmp_path / "prom").glob("*.db"))) >= 2  # the workers' files, added up by /metrics
    finally:
        os.killpg(process.pid, 15)
        process.wait(timeout=20)
