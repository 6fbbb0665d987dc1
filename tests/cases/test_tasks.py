"""The briefing's tasks called in this process: what they store, send and change.

Celery runs eagerly here (``run``); the real worker is in test_worker.py. Group robots are a
small HTTP server on 127.0.0.1 (``Robot``), mail is Django's in-memory outbox.
"""

import io
import json
import select
import socket
import threading
import time
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from accounts.choices import Role
from briefing import delivery, notifications, reports, tasks
from briefing.models import DailyReport, Delivery
from cases import tasks as case_tasks
from cases.choices import EscalationLevel, HazardStatus, ResponsibleKind, TicketStatus
from cases.models import Ticket
from catalogue.choices import Severity
from config.celery import app
from tests import factories as f
from timeline.kinds import EventKind
from timeline.models import Event

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2024, 3, 1)


# --- a group robot on loopback ---------------------------------------------------------------------------


class Robot:
    """Stands in for WeCom/DingTalk robots on 127.0.0.1. Paths: /ok answers errcode 0, /down HTTP 500,
    /refuse errcode 310000, /flaky fails ``flaky_failures`` times then answers, /slow… waits ``delay``
    seconds first. ``received`` has every request; ``completed`` only those answered to a client that
    was still waiting (a client that died meanwhile got nothing delivered)."""

    def __init__(self, delay=0.0, flaky_failures=0):
        self.delay = delay
        self.flaky_failures = flaky_failures
        self.received = []
        self.completed = []
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                path = urlsplit(self.path).path
                with robot.lock:
                    robot.received.append((path, body))
                    seen = sum(1 for p, _body in robot.received if p == path)
                if path == "/down":
                    return self.answer(500, {"errmsg": "down"})
                if path == "/refuse":
                    return self.answer(200, {"errcode": 310000, "errmsg": "keywords not in content"})
                if path == "/flaky" and seen <= robot.flaky_failures:
                    return self.answer(503, {"errmsg": "busy"})
                if path.startswith("/slow"):
                    time.sleep(robot.delay)
                    if self.client_gone():
                        return None
                # recorded before the answer leaves: the caller may look the moment it has its answer
                with robot.lock:
                    robot.completed.append((path, body))
                self.answer(200, {"errcode": 0, "errmsg": "ok"})
                return None

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def client_gone(self):
                readable, _w, _x = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path, query=""):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}{query}"

    def count(self, path, completed=False):
        with self.lock:
            return sum(1 for p, _body in (self.completed if completed else self.received) if p == path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot():
    with Robot() as server:
        yield server


@pytest.fixture
def run(settings, django_capture_on_commit_callbacks):
    """``run(task, *args)``: call a task as the worker would, then run the tasks it queued on commit,
    at once and in this process (Celery eager), as a worker would pick them up."""
    settings.DELIVERY_MAX_RETRIES = 2
    app.conf.task_always_eager = True

    def call(task, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return task(*args)

    try:
        yield call
    finally:
        app.conf.task_always_eager = False


def at(day, hour=12, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH)


@pytest.fixture
def briefing_world(world):
    """The world plus a little ledger, and a manager of zone B who reads English and opted in."""
    f.HazardFactory(enterprise=world.tenant1, status=HazardStatus.RECTIFIED, reported_at=at(DAY, 9),
                    rectified_at=at(DAY, 16))  # fmt: skip
    f.HazardFactory(enterprise=world.other_b, severity=Severity.MAJOR, reported_at=at(DAY, 10))
    world.manager_b = f.UserFactory(username="manager-b", role=Role.MANAGER, receives_daily_report=True, language="en")
    world.manager_b.zones.add(world.zone_b)
    return world


# --- generating and sending the briefing -----------------------------------------------------------------


def test_generate_task_stores_every_scope(briefing_world):
    assert tasks.generate_daily_report_task("2024-03-01") == 6
    assert tasks.generate_daily_report_task("2024-03-01") == 6
    assert DailyReport.objects.filter(date=DAY).count() == 6


def test_send_task_mails_leaders_and_opted_in_managers_their_scopes_and_pushes_to_robots(
    briefing_world, robot, settings, run
):
    w = briefing_world
    settings.REPORT_WEBHOOK_URLS = [robot.url("/ok", "?key=wecom-secret"), robot.url("/ok/dingtalk", "?access_token=x")]

    run(tasks.send_daily_report_task, "2024-03-01")

    # leaders without zones get the whole area; a manager who opted in gets their zone; others nothing
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["leader@example.com", "manager-b@example.com"]
    leader_mail = by_address["leader@example.com"]
    assert leader_mail.subject == "每日问题整改简报 2024-03-01 全区"
    assert "50.00%" in leader_mail.body and "中申达" in leader_mail.body
    html, mimetype = leader_mail.alternatives[0]
    assert mimetype == "text/html" and '<html lang="zh-hans">' in html
    name, content, attachment_type = leader_mail.attachments[0]
    assert name.endswith("2024-03-01-all.xlsx") and attachment_type == notifications.XLSX_TYPE
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["概况", "各区块", "逾期整改单", "专项行动"]
    assert leader_mail.extra_headers["Message-ID"].startswith("<")
    zone_mail = by_address["manager-b@example.com"]
    assert '<html lang="en">' in zone_mail.alternatives[0][0] and "花川" in zone_mail.body
    assert zone_mail.attachments[0][0].endswith(f"zone-{w.zone_b.pk}.xlsx")
    # the robots: DingTalk's format when the URL says dingtalk, else WeCom's
    assert robot.count("/ok") == 1 and robot.count("/ok/dingtalk") == 1
    payloads = dict(robot.received)
    assert payloads["/ok"]["msgtype"] == "markdown" and "整改率" in payloads["/ok"]["markdown"]["content"]
    assert payloads["/ok/dingtalk"]["markdown"]["title"] == "每日问题整改简报 2024-03-01 全区"
    assert "整改率" in payloads["/ok/dingtalk"]["markdown"]["text"]
    assert Delivery.objects.filter(status="sent").count() == 4
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"email", "wecom", "dingtalk"}


def test_running_the_job_twice_sends_every_message_once(briefing_world, robot, settings, run):
    settings.REPORT_WEBHOOK_URLS = [robot.url("/ok")]

    run(tasks.send_daily_report_task, "2024-03-01")
    assert run(tasks.send_daily_report_task, "2024-03-01") == 0

    assert len(mail.outbox) == 2 and robot.count("/ok") == 1
    assert Delivery.objects.count() == 3 and set(Delivery.objects.values_list("attempts", flat=True)) == {1}
    assert DailyReport.objects.filter(date=DAY).count() == 6


def test_a_broken_robot_does_not_stop_the_others_and_is_retried_by_the_next_run(briefing_world, robot, settings, run):
    settings.REPORT_WEBHOOK_URLS = [robot.url("/down"), robot.url("/refuse"), robot.url("/ok")]

    run(tasks.send_daily_report_task, "2024-03-01")

    assert len(mail.outbox) == 2 and robot.count("/ok") == 1
    down = Delivery.objects.get(recipient=robot.url("/down"))
    assert (down.status, down.attempts) == ("failed", 3)  # the first try and DELIVERY_MAX_RETRIES = 2
    assert "HTTP 500" in down.last_error and down.sent_at is None
    refused = Delivery.objects.get(recipient=robot.url("/refuse"))
    assert refused.status == "failed" and "310000" in refused.last_error

    # the next run tries the failed ones again and repeats nothing that was sent
    run(tasks.send_daily_report_task, "2024-03-01")
    assert robot.count("/down") == 6 and robot.count("/ok") == 1 and len(mail.outbox) == 2


def test_a_failing_send_is_retried_until_it_succeeds(briefing_world, settings, run):
    settings.DELIVERY_MAX_RETRIES = 5
    with Robot(flaky_failures=2) as robot:
        settings.REPORT_WEBHOOK_URLS = [robot.url("/flaky")]
        run(tasks.send_daily_report_task, "2024-03-01")
        assert robot.count("/flaky") == 3 and robot.count("/flaky", completed=True) == 1
    flaky = Delivery.objects.get(channel="wecom")
    assert (flaky.status, flaky.attempts, flaky.last_error) == ("sent", 3, "")


def test_retries_back_off(settings):
    settings.DELIVERY_RETRY_DELAY = 60
    assert [tasks.retry_countdown(n) for n in range(7)] == [60, 120, 240, 480, 960, 1800, 1800]


def test_a_mail_server_that_is_down_does_not_stop_the_robots(briefing_world, robot, settings, run):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    settings.REPORT_WEBHOOK_URLS = [robot.url("/ok")]

    run(tasks.send_daily_report_task, "2024-03-01")

    assert robot.count("/ok") == 1
    statuses = dict(Delivery.objects.values_list("channel", "status").order_by("channel"))
    assert statuses == {"email": "failed", "wecom": "sent"}
    assert Delivery.objects.filter(channel="email", status="failed").count() == 2


def test_dingtalk_gets_its_own_markdown_format(briefing_world, robot, settings, run):
    settings.REPORT_WEBHOOK_URLS = ["https://oapi.dingtalk.com/robot/send?access_token=abc"]
    tasks.generate_daily_report_task("2024-03-01")
    data = DailyReport.objects.get(date=DAY, scope="all").data

    payload = notifications.webhook_payload(notifications.webhook_kind(settings.REPORT_WEBHOOK_URLS[0]), data)

    assert payload["msgtype"] == "markdown"
    assert payload["markdown"]["title"].startswith("每日问题整改简报 2024-03-01")
    assert "整改率" in payload["markdown"]["text"]
    assert notifications.webhook_kind("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k") == "wecom"
    assert notifications.safe_url("https://oapi.dingtalk.com/robot/send?access_token=abc") == (
        "https://oapi.dingtalk.com/robot/send"
    )


def test_a_message_being_sent_elsewhere_is_left_alone_and_an_abandoned_one_is_sent_again(
    briefing_world, robot, settings
):
    settings.REPORT_WEBHOOK_URLS = [robot.url("/ok")]
    settings.DELIVERY_LEASE_SECONDS = 60
    tasks.generate_daily_report_task("2024-03-01")
    (hook,) = [pk for pk in delivery.plan_report_deliveries(DAY) if Delivery.objects.get(pk=pk).channel == "wecom"]

    # another worker claimed it a moment ago: busy, nothing sent
    assert delivery.claim(hook)
    with pytest.raises(delivery.DeliveryBusy):
        delivery.deliver(hook)
    assert robot.count("/ok") == 0

    # that worker died: once the lease is over the message is claimed again and sent
    Delivery.objects.filter(pk=hook).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert delivery.deliver(hook) == "sent"
    assert delivery.deliver(hook) == delivery.ALREADY_SENT
    assert robot.count("/ok") == 1
    assert Delivery.objects.get(pk=hook).attempts == 2


def test_the_beat_schedule_names_these_tasks():
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery of every app's tasks
    names = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert names <= set(app.tasks)
    assert {
        "cases.tasks.escalate_overdue_tickets_task",
        "briefing.tasks.send_daily_report_task",
        "briefing.tasks.remind_deadlines_task",
    } <= names
    by_task = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    report_at = by_task["briefing.tasks.send_daily_report_task"]
    escalate_at = by_task["cases.tasks.escalate_overdue_tickets_task"]
    assert (report_at.hour, report_at.minute) == ({8}, {0})
    assert sorted(escalate_at.hour)[0] * 60 + sorted(escalate_at.minute)[0] < 8 * 60


# --- escalation and reminders ---------------------------------------------------------------------------


def test_escalate_task_raises_overdue_tickets_once(world, make_ticket):
    today = timezone.localdate()
    late = make_ticket(TicketStatus.ASSIGNED)
    Ticket.objects.filter(pk=late.pk).update(deadline=today - timedelta(days=8))

    assert case_tasks.escalate_overdue_tickets_task(today.isoformat()) == 1
    assert case_tasks.escalate_overdue_tickets_task(today.isoformat()) == 0

    late.refresh_from_db()
    assert late.escalation_level == EscalationLevel.LISTED
    event = Event.objects.get(ticket=late, kind=EventKind.TICKET_ESCALATED)
    assert event.actor is None and event.data["automatic"] is True


def test_the_morning_escalation_shows_in_todays_briefing_not_yesterdays(world, make_ticket):
    # Every figure of a dated briefing is as of the end of its day: the 督办 raised this morning, before
    # the 08:00 briefing of yesterday, belongs to today.
    today = timezone.localdate()
    late = make_ticket(TicketStatus.ASSIGNED)
    Ticket.objects.filter(pk=late.pk).update(
        deadline=today - timedelta(days=2), created_at=timezone.now() - timedelta(days=5)
    )

    case_tasks.escalate_overdue_tickets_task()
    tasks.generate_daily_report_task()

    data = DailyReport.objects.get(date=today - timedelta(days=1), scope="all").data
    assert data["escalated"]["supervised"] == 0 and data["escalations_raised"] == 0
    assert data["overdue_tickets"][0]["escalation_level"] == 0
    today_data = reports.build_report_data(today)["all"]
    assert today_data["escalated"]["supervised"] == 1 and today_data["escalations_raised"] == 1
    assert today_data["overdue_tickets"][0]["escalation_level"] == 1


def test_remind_task_reminds_whoever_fixes_a_ticket_due_soon_and_landlords_of_overdue_tenants(world, run):
    today = timezone.localdate()
    created = timezone.now() - timedelta(days=10)
    due = f.TicketFactory(enterprise=world.tenant1, status=TicketStatus.ASSIGNED, assignee=world.enterprise_user,
                          created_at=created, deadline=today + timedelta(days=1))  # fmt: skip
    f.TicketFactory(enterprise=world.tenant1, status=TicketStatus.ASSIGNED, assignee=world.enterprise_user,
                    created_at=created, deadline=today + timedelta(days=5))  # fmt: skip
    unassigned = f.TicketFactory(responsible_kind=ResponsibleKind.LANDLORD, enterprise=None, parcel=world.parcel,
                                 status=TicketStatus.ASSIGNED, created_at=created, deadline=today)  # fmt: skip
    f.TicketFactory(enterprise=world.tenant2, status=TicketStatus.ASSIGNED, created_at=created,
                    deadline=today - timedelta(days=3))  # fmt: skip

    # three mails, and the in-app "deadline near" messages of the two parties (briefing.outreach)
    assert run(tasks.remind_deadlines_task) == 5
    assert run(tasks.remind_deadlines_task) == 0

    by_address = {}
    for message in mail.outbox:
        by_address.setdefault(message.to[0], []).append(message)
    assert sorted(by_address) == ["landlord@example.com", "tenant1-owner@example.com"]
    (reminder,) = by_address["tenant1-owner@example.com"]
    assert due.number in reminder.subject and "1" in reminder.subject
    landlord_mails = sorted(by_address["landlord@example.com"], key=lambda m: m.subject)
    assert len(landlord_mails) == 2
    assert any(unassigned.number in m.subject for m in landlord_mails)  # their own ticket, due today
    digest = next(m for m in landlord_mails if unassigned.number not in m.subject)
    assert "永康乙工贸有限公司" in digest.body and "3" in digest.body
    assert Delivery.objects.filter(channel="email", status="sent").count() == 3
    assert sorted(Delivery.objects.filter(channel="inbox", status="sent").values_list("recipient", flat=True)) == [
        "landlord", "tenant1-owner",
    ]  # fmt: skip
