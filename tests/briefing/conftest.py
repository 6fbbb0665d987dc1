import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from briefing.choices import RobotKind
from briefing.models import GroupRobot
from cases import services
from config.celery import app
from tests import factories as f
from tests.briefing.providers import ROBOT_SECRET, SMS_KEY_ID, SMS_KEY_SECRET, Providers

MOBILE = "13800000001"
TEMPLATES = {
    "assigned": {"template": "SMS_100001", "params": ["number", "deadline"]},
    "rejected": {"template": "SMS_100002", "params": ["number", "deadline"]},
    "due": {"template": "SMS_100003", "params": ["number", "days"]},
    "overdue": {"template": "SMS_100004", "params": ["number", "days"]},
    "escalated": {"template": "SMS_100005", "params": ["number"]},
    "closed": {"template": "SMS_100006", "params": ["number"]},
}


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def providers():
    with Providers() as server:
        yield server


@pytest.fixture
def sms_settings(settings, providers):
    """SMS through Aliyun's format to the local stand-in (``sms_settings.SMS_BACKEND = "tencent"`` switches)."""
    settings.SMS_BACKEND = "aliyun"
    settings.SMS_ENDPOINT = providers.url("/aliyun/")
    settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET = SMS_KEY_ID, SMS_KEY_SECRET
    settings.SMS_SIGN_NAME = "安全隐患整改"
    settings.SMS_SDK_APP_ID = "1400000001"
    settings.SMS_TEMPLATES_FILE = ""
    settings.SMS_TEMPLATES = TEMPLATES
    settings.SITE_URL = "https://tracker.example.com"
    return settings


@pytest.fixture
def party(world):
    """The world's enterprise account with a mobile, and a category for tenant1's hazards."""
    world.enterprise_user.phone = MOBILE
    world.enterprise_user.save(update_fields=["phone"])
    world.category = f.HazardCategoryFactory(code="TO01", name="电气线路私拉乱接", deadline_days=7)
    return world


@pytest.fixture
def grid_robots(party, providers):
    """A WeCom robot on grid A1 and a signed DingTalk robot on zone A (tenant1's grid and zone); a robot of
    zone B that must hear nothing."""
    wecom = GroupRobot.objects.create(name="A1 群", kind=RobotKind.WECOM, grid=party.grid_a1,
                                      url=providers.url("/wecom?key=wecom-key"))  # fmt: skip
    dingtalk = GroupRobot.objects.create(name="中申达群", kind=RobotKind.DINGTALK, zone=party.zone_a,
                                         url=providers.url("/dingtalk?access_token=dt"), secret=ROBOT_SECRET)  # fmt: skip
    GroupRobot.objects.create(name="花川群", kind=RobotKind.WECOM, zone=party.zone_b, url=providers.url("/wecom/b"))
    return wecom, dingtalk


@pytest.fixture
def run(settings, django_capture_on_commit_callbacks):
    """``run(fn, *args)``: call it, then what it queued on commit, in this process (Celery eager), as the
    web process and a worker would."""
    settings.DELIVERY_MAX_RETRIES = 2
    app.conf.task_always_eager = True

    def call(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    try:
        yield call
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def pending_ticket(party):
    hazard = services.report_hazard(
        actor=party.inspector, category=party.category, description="配电箱电线私拉乱接", enterprise=party.tenant1
    )
    return services.create_ticket([hazard], actor=party.manager)


@pytest.fixture
def robot():
    """A group robot that takes any JSON message (the daily briefing's markdown): ``received`` lists them."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            body = b'{"errcode": 0, "errmsg": "ok"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()
