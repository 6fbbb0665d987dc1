"""Several app servers: two gunicorn servers on separate hosts share one PostgreSQL, one Redis and one
object store, with a Celery worker on each host — as an office runs the tracker on more than one machine.

The test makes the hosts itself: two network namespaces (``ip netns``), each joined to this machine by a
veth pair on a private /30, with its own address and a default route to this machine. This machine plays
the services host: PostgreSQL and Redis listen on its loopback only, so small TCP forwarders (in this
process) answer on the services address, the host side of host A's link, which host B reaches through its
own link; the moto S3 server (tests/core/test_object_storage.py) is forwarded the same way, as is a
group robot stand-in that receives the briefing's webhook. Each host has its own MEDIA_ROOT (which must
stay empty: every file goes to the bucket), its own mail folder and its own VAR_DIR.

A fresh PostgreSQL database (migrated by Django's ``migrate``) and Redis database number REDIS_DB are
the test's own; they are dropped and flushed at the end, and the namespaces, forwarders and processes are
removed whatever happens. Outside CI the test skips, saying why, without root, ``ip netns``, PostgreSQL
(DATABASE_URL=postgres://…) or Redis (REDIS_URL); in CI (CI=true) each of these fails it instead.
"""

import contextlib
import email
import email.policy
import ipaddress
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import IN_CI
from tests.core import test_object_storage as object_storage_tests
from tests.factories import jpeg_bytes

BASE_DIR = Path(__file__).resolve().parents[2]
IP = shutil.which("ip") or "/usr/sbin/ip"
REDIS_DB = 13  # the test's own Redis database, flushed before and after
PASSWORD = "pass-2023-word"  # tests.factories.UserFactory's
SECRET = "two-servers-test-secret-key-" + "x" * 24
LEDGER_KEYS = "k2srv:" + "two-servers-ledger-key-0123456789abcdef"
PORT = 8000  # each server's port, on its own host's address
REPORTS = 100  # reports sent, alternating, while server B is killed
SENDERS = 4  # client threads sending them
KILL_AFTER = 12  # answers from server B before it is killed
START_TIMEOUT = 60
TASK_TIMEOUT = 45
SH = ZoneInfo("Asia/Shanghai")
PROXY_VARIABLES = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}

# The moto S3 server of the storage tests (a session fixture, started once per run).
s3_server = object_storage_tests.s3_server

# Migrate the new database, then the few rows the scenarios need: a unit and a category, an inspector of
# the unit's grid, and a leader who gets the whole area's daily briefing by e-mail.
SETUP_CODE = """
import json
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from accounts.choices import Role
from tests import factories as f
category = f.HazardCategoryFactory(code="TS01", name="两台服务器测试类别")
enterprise = f.EnterpriseFactory(name="两台服务器测试有限公司")
inspector = f.UserFactory(username="two-servers-inspector", role=Role.INSPECTOR)
inspector.grids.add(enterprise.grid)
leader = f.UserFactory(
    username="two-servers-leader", role=Role.LEADER, whole_area=True, email="leader@two-servers.example"
)
print(json.dumps({"enterprise": enterprise.pk, "category": category.code, "inspector": inspector.username,
                  "leader_email": leader.email}))
"""


def need(condition, reason):
    """Skip outside CI when something the test needs is missing; in CI nothing may skip: fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI: {reason}", pytrace=False)
    pytest.skip(reason)


def run_ip(*args, check=True):
    done = subprocess.run([IP, *args], capture_output=True, text=True, timeout=30, check=False)  # noqa: S603
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def http(method, url, **kwargs):
    """One request on a fresh connection, ignoring any proxy of the environment."""
    import requests

    with requests.Session() as session:
        session.trust_env = False
        kwargs.setdefault("timeout", 30)
        return session.request(method, url, **kwargs)


# --- the services host: TCP forwarders and a robot stand-in ----------------------------------------------


class Forwarders:
    """TCP forwarders from the services address to servers that listen on this machine's loopback, run by an
    asyncio loop in a thread. A connection closed on either side is closed on the other: when a killed
    server's connections drop, PostgreSQL sees its sessions end and rolls their transactions back."""

    def __init__(self):
        import asyncio

        self.asyncio = asyncio
        self.loop = asyncio.new_event_loop()
        self.servers = []
        self.thread = threading.Thread(target=self.loop.run_forever, name="forwarders", daemon=True)
        self.thread.start()

    def add(self, listen_host, target):
        """Forward ``listen_host:<a free port>`` to ``target`` (host, port); returns the port."""
        return self.asyncio.run_coroutine_threadsafe(self._serve(listen_host, target), self.loop).result(10)

    async def _serve(self, listen_host, target):
        async def handle(reader, writer):
            await self._pipe(reader, writer, target)

        server = await self.asyncio.start_server(handle, listen_host, 0)
        self.servers.append(server)
        return server.sockets[0].getsockname()[1]

    async def _pipe(self, reader, writer, target):
        asyncio = self.asyncio
        try:
            up_reader, up_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return

        async def copy(source, sink):
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()

        tasks = [asyncio.ensure_future(copy(reader, up_writer)), asyncio.ensure_future(copy(up_reader, writer))]
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()
        for sink in (writer, up_writer):
            sink.close()

    def close(self):
        async def shut():
            for server in self.servers:
                server.close()
            current = self.asyncio.current_task()
            for task in self.asyncio.all_tasks():
                if task is not current:
                    task.cancel()

        with contextlib.suppress(Exception):
            self.asyncio.run_coroutine_threadsafe(shut(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Robot:
    """A group robot (WeCom's webhook format) on the services address: records each message, answers ok."""

    def __init__(self, host):
        self.received = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                robot.received.append((self.path, json.loads(body or b"{}")))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/cgi-bin/webhook/send?key=two-servers"
        self.thread = threading.Thread(target=self.server.serve_forever, name="robot", daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- hosts and their processes ---------------------------------------------------------------------------


@dataclass
class Host:
    name: str
    namespace: str
    address: str  # the host's own address, in its namespace
    gateway: str  # this machine's end of the host's link
    folder: Path

    @property
    def url(self):
        return f"http://{self.address}:{PORT}"


class Process:
    """A process started in a host's namespace, in a process group of its own, its output in a log file."""

    def __init__(self, host, name, command, env):
        self.name = name
        self.log_path = host.folder / f"{name}.log"
        self.killed = False
        with open(self.log_path, "wb") as log:
            # `ip netns exec` enters the namespace and execs the command: the pid is the command's own.
            self.process = subprocess.Popen(  # noqa: S603
                [IP, "netns", "exec", host.namespace, *command],
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """SIGKILL to the whole group (a gunicorn master and its workers): the host is gone on the spot."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def stop_all(processes, timeout=15):
    """SIGTERM to every process group at once, then SIGKILL to any still running after ``timeout``."""
    running = [p for p in processes if p.alive()]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(condition, timeout, what, processes):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if any(not p.alive() and not p.killed for p in processes):
            break  # a process exited by itself: its log says why
        time.sleep(0.2)
    logs = "\n".join(f"--- {p.name} (exit {p.process.poll()}) ---\n{p.log()[-3000:]}" for p in processes)
    pytest.fail(f"no {what} after {timeout} s\n{logs}")


def unused_subnet():
    """A 10.213.N.0/24 that no interface of this machine uses."""
    taken = run_ip("-4", "-o", "addr", "show").stdout
    for third in [os.getpid() % 200 + 20, *range(20, 250)]:
        if f"10.213.{third}." not in taken:
            return ipaddress.ip_network(f"10.213.{third}.0/24")
    raise RuntimeError("no free 10.213.N.0/24 subnet")


def delete_namespace(namespace, outside):
    """Kill what still runs in the namespace (processes this test started), then remove it and its link."""
    for pid in run_ip("netns", "pids", namespace, check=False).stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), signal.SIGKILL)
    run_ip("netns", "del", namespace, check=False)
    run_ip("link", "del", outside, check=False)


def make_hosts(stack, tmp_path):
    """Two namespaces a and b, each with a veth link to this machine and a default route through it."""
    tag = f"ts{os.getpid() % 100000}"
    subnet = unused_subnet()
    hosts = []
    for index, name in enumerate("ab"):
        namespace, outside, inside = f"{tag}{name}", f"{tag}{name}h", f"{tag}{name}n"
        gateway, address = subnet[4 * index + 1], subnet[4 * index + 2]
        added = run_ip("netns", "add", namespace, check=False)
        need(added.returncode == 0, f"needs network namespaces (root, ip netns): {added.stderr.strip()}")
        stack.callback(delete_namespace, namespace, outside)
        run_ip("link", "add", outside, "type", "veth", "peer", "name", inside, "netns", namespace)
        run_ip("addr", "add", f"{gateway}/30", "dev", outside)
        run_ip("link", "set", outside, "up")
        run_ip("-n", namespace, "link", "set", "lo", "up")
        run_ip("-n", namespace, "addr", "add", f"{address}/30", "dev", inside)
        run_ip("-n", namespace, "link", "set", inside, "up")
        run_ip("-n", namespace, "route", "add", "default", "via", str(gateway))
        folder = tmp_path / f"host-{name}"
        (folder / "media").mkdir(parents=True)
        hosts.append(Host(f"server-{name}", namespace, str(address), str(gateway), folder))
    return hosts


# --- the services: a database and a Redis database of the test's own ----------------------------------


def postgres_target():
    url = os.environ.get("DATABASE_URL", "")
    need(url.startswith(("postgres://", "postgresql://")), "needs PostgreSQL: set DATABASE_URL=postgres://…")
    parts = urlsplit(url)
    need(bool(parts.hostname), "DATABASE_URL must name a TCP host (the servers reach it through a forwarder)")
    return parts


def redis_target():
    url = os.environ.get("REDIS_URL", "")
    need(url.startswith("redis://"), "needs Redis: set REDIS_URL=redis://…")
    return urlsplit(url)


def pg_url(parts, host, port, name):
    auth = ""
    if parts.username:
        auth = quote(unquote(parts.username), safe="")
        if parts.password:
            auth += ":" + quote(unquote(parts.password), safe="")
        auth += "@"
    return f"postgres://{auth}{host}:{port}/{name}"


def redis_url(parts, host, port):
    auth = f"{parts.netloc.rpartition('@')[0]}@" if "@" in parts.netloc else ""
    return f"redis://{auth}{host}:{port}/{REDIS_DB}"


@contextlib.contextmanager
def fresh_database(parts):
    import psycopg

    name = f"test_{parts.path.lstrip('/') or 'tracker'}"[:40] + f"_2srv_{os.getpid()}"
    admin_url = pg_url(parts, parts.hostname, parts.port or 5432, "postgres")
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        need(False, f"needs PostgreSQL at {parts.hostname}:{parts.port or 5432}: {exc}")
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield name
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def own_redis_database(parts):
    import redis

    client = redis.Redis.from_url(redis_url(parts, parts.hostname, parts.port or 6379), socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        need(False, f"needs Redis at {parts.hostname}:{parts.port or 6379}: {exc}")
    client.flushdb()
    try:
        yield
    finally:
        with contextlib.suppress(redis.RedisError):
            client.flushdb()
        client.close()


def process_env(folder, **values):
    """The environment of a process of the installation: the deployment's variables, nothing of pytest's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC")) and k.lower() not in PROXY_VARIABLES
    }
    for name in (
        "EMAIL_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "CELERY_BROKER_DIR",
        "STATIC_ROOT",
        "HTTPS",
        "SITE_URL",
        "PROMETHEUS_MULTIPROC_DIR",
        "STORAGE_URL",
        "REPORT_WEBHOOK_URLS",
    ):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SECRET_KEY=SECRET,
        LEDGER_KEYS=LEDGER_KEYS,
        DEBUG="0",
        VAR_DIR=str(folder / "var"),
        MEDIA_ROOT=str(folder / "media"),
        EMAIL_FILE_PATH=str(folder / "mail"),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="INFO",
    )
    env.update(values)
    return env


# --- the installation ------------------------------------------------------------------------------------


class Installation:
    def __init__(self, hosts, database, redis_db_url, bucket, robot, data, shared_queue):
        self.a, self.b = hosts
        self.hosts = hosts
        self.database = database  # a psycopg URL on this machine
        self.redis_url = redis_db_url
        self.bucket = bucket
        self.robot = robot
        self.data = data
        self.shared_queue = shared_queue
        self.servers = {}
        self.workers = {}
        self.token = None

    def processes(self):
        return [*self.servers.values(), *self.workers.values()]

    def rows(self, sql, *args):
        import psycopg

        with psycopg.connect(self.database, connect_timeout=5) as conn:
            return conn.execute(sql, args).fetchall()

    def auth(self, **headers):
        return {"Authorization": f"Token {self.token}", **headers}

    def report(self, host, key, **extra):
        body = {
            "enterprise": self.data["enterprise"],
            "category": self.data["category"],
            "description": f"两台服务器测试 {key}",
        }
        return http("POST", f"{host.url}/api/v1/hazards/", json=body, headers=self.auth(**{"Idempotency-Key": key}))

    def publish(self, task, args, queue_name):
        """Put a task on the shared broker, as beat on a third machine would."""
        from celery import Celery

        app = Celery("two-servers-test", broker=self.redis_url, set_as_current=False)
        try:
            app.send_task(task, args=args, queue=queue_name)
        finally:
            app.close()


def start_server(host, env):
    command = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"{host.address}:{PORT}",
        "--workers", "2", "--preload", "--timeout", "60", "--graceful-timeout", "5", "--access-logfile", "-",
    ]  # fmt: skip
    return Process(host, host.name, command, env)


def start_worker(host, env, queues):
    name = f"worker-{host.name[-1]}"
    command = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", ",".join(queues),
        "-n", f"{name}@two-servers", "--without-gossip", "--without-mingle", "--without-heartbeat",
        "--loglevel=INFO",
    ]  # fmt: skip
    return Process(host, name, command, env)


def ready(host):
    try:
        return http("GET", f"{host.url}/readyz", timeout=5).status_code == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def installation(request, tmp_path_factory):
    need(sys.platform == "linux" and hasattr(os, "geteuid") and os.geteuid() == 0, "needs root on Linux (ip netns)")
    need(Path(IP).exists(), f"needs iproute2's ip ({IP})")
    need(find_spec("gunicorn") is not None, "needs gunicorn (requirements.txt)")
    database, broker = postgres_target(), redis_target()
    s3_server = request.getfixturevalue("s3_server")  # once the machine is known to have the rest
    tmp_path = tmp_path_factory.mktemp("two-servers")
    with contextlib.ExitStack() as stack:
        db_name = stack.enter_context(fresh_database(database))
        stack.enter_context(own_redis_database(broker))
        local_db = pg_url(database, database.hostname, database.port or 5432, db_name)
        # Migrate while the hosts are made: the slowest step of the start.
        setup_env = process_env(tmp_path, DATABASE_URL=local_db, REDIS_URL=redis_url(broker, broker.hostname,
                                                                                         broker.port or 6379))  # fmt: skip
        setup = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", SETUP_CODE], cwd=BASE_DIR, env=setup_env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        stack.callback(lambda: setup.poll() is None and setup.kill())

        hosts = make_hosts(stack, tmp_path)
        services = hosts[0].gateway  # this machine, as both hosts reach it
        forwarders = Forwarders()
        stack.callback(forwarders.close)
        pg_port = forwarders.add(services, (database.hostname, database.port or 5432))
        redis_port = forwarders.add(services, (broker.hostname, broker.port or 6379))
        s3_host, s3_port = s3_server.rsplit(":", 1)
        s3_forward = forwarders.add(services, (s3_host, int(s3_port)))
        bucket = object_storage_tests.Bucket(s3_server, f"two-servers-{uuid.uuid4().hex[:12]}")
        robot = Robot(services)
        stack.callback(robot.close)

        out, err = setup.communicate(timeout=180)
        assert setup.returncode == 0, f"migrate and setup failed:\n{out[-2000:]}\n{err[-4000:]}"
        data = json.loads(out.strip().splitlines()[-1])

        shared_queue = f"two-servers-{uuid.uuid4().hex[:8]}"
        site = Installation(hosts, local_db, redis_url(broker, broker.hostname, broker.port or 6379), bucket, robot,
                            data, shared_queue)  # fmt: skip
        stack.callback(lambda: stop_all(site.processes()))
        for host in hosts:
            env = process_env(
                host.folder,
                DATABASE_URL=pg_url(database, services, pg_port, db_name),
                REDIS_URL=redis_url(broker, services, redis_port),
                STORAGE_URL=bucket.url.replace(s3_server, f"{services}:{s3_forward}"),
                ALLOWED_HOSTS=",".join(h.address for h in hosts),
                METRICS_ALLOWED_IPS=",".join(h.gateway for h in hosts),  # /readyz names what failed, for us
                REPORT_WEBHOOK_URLS=robot.url,
                CELERY_TASK_DEFAULT_QUEUE=shared_queue,
            )
            site.servers[host.name] = start_server(host, env)
            site.workers[host.name] = start_worker(host, env, [shared_queue, f"{shared_queue}-{host.name}"])
        for host in hosts:
            wait_for(lambda host=host: ready(host), START_TIMEOUT, f"{host.name} ready (/readyz)", site.processes())
        for worker in site.workers.values():
            wait_for(lambda worker=worker: " ready." in worker.log(), START_TIMEOUT, f"{worker.name} ready", [worker])
        token = http("POST", f"{site.a.url}/api/v1/auth/token/", json={"username": data["inspector"],
                                                                       "password": PASSWORD})  # fmt: skip
        assert token.status_code == 200, token.text
        site.token = token.json()["token"]
        yield site
        for host in hosts:  # the servers kept no file of their own: everything went to the bucket
            assert not any((host.folder / "media").rglob("*")), f"{host.name} wrote files to its own disk"


# --- the scenarios ---------------------------------------------------------------------------------------


def test_the_servers_are_separate_hosts_sharing_the_services(installation):
    site = installation
    own_addresses = run_ip("-4", "-o", "addr", "show").stdout
    for host in site.hosts:
        # each server's address is its own host's, in its namespace, not this machine's
        assert f" {host.address}/" in run_ip("-n", host.namespace, "-4", "-o", "addr", "show").stdout
        assert f" {host.address}/" not in own_addresses
        # and reaches the database, the cache, the broker and the bucket through the services address
        ready = http("GET", f"{host.url}/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok", "storage": "ok"}


def test_a_photo_uploaded_through_one_server_is_shown_by_the_other(installation):
    site = installation
    picture = jpeg_bytes(size=(320, 240), color=(30, 90, 200))
    sent = http(
        "POST",
        f"{site.a.url}/api/v1/hazards/",
        data={"enterprise": site.data["enterprise"], "category": site.data["category"], "description": "配电箱敞开"},
        files=[("photos", ("现场.jpg", picture, "image/jpeg"))],
        headers=site.auth(**{"Idempotency-Key": uuid.uuid4().hex}),
    )
    assert sent.status_code == 201, sent.text
    hazard = sent.json()
    (photo,) = hazard["photos"]

    # Server B, through the API with the same token: the record, the original (byte for byte), the thumbnail.
    shown = http("GET", f"{site.b.url}/api/v1/hazards/{hazard['id']}/", headers=site.auth())
    assert shown.status_code == 200 and [p["id"] for p in shown.json()["photos"]] == [photo["id"]]
    image = http("GET", f"{site.b.url}/api/v1/photos/{photo['id']}/image/", headers=site.auth())
    assert image.status_code == 200 and image.content == picture
    thumbnail = http("GET", f"{site.b.url}/api/v1/photos/{photo['id']}/thumbnail/", headers=site.auth())
    assert thumbnail.status_code == 200 and thumbnail.content[:3] == b"\xff\xd8\xff"

    # The pages: signed in on server A, the session works on B, whose /media/ view streams the same file.
    login = http("GET", f"{site.a.url}/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    signed_in = http(
        "POST",
        f"{site.a.url}/accounts/login/",
        data={"username": site.data["inspector"], "password": PASSWORD, "csrfmiddlewaretoken": csrf},
        cookies={"csrftoken": login.cookies["csrftoken"]},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[-2000:]
    session = {"sessionid": signed_in.cookies["sessionid"]}
    ((name, thumb_name),) = site.rows("SELECT image, thumbnail FROM cases_photo WHERE id = %s", photo["id"])
    page_file = http("GET", f"{site.b.url}/media/{name}", cookies=session)
    assert page_file.status_code == 200 and page_file.content == picture
    anonymous = http("GET", f"{site.b.url}/media/{name}", allow_redirects=False)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.headers["Location"]

    # One copy, in the shared bucket.
    assert set(site.bucket.keys("photos/")) >= {name, thumb_name}
    assert site.bucket.read(name) == picture


@dataclass
class Outcome:
    server: str
    status: int | None  # None: no HTTP answer at all (connection refused or reset)
    hazard: int | None = None
    replayed: bool = False
    error: str = ""


def send(site, host, key):
    try:
        response = site.report(host, key)
    except OSError as exc:  # requests' ConnectionError and the like
        return Outcome(host.name, None, error=type(exc).__name__)
    body = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    hazard = body.get("id") if response.status_code == 201 else None
    return Outcome(host.name, response.status_code, hazard, response.headers.get("Idempotent-Replayed") == "true")


def test_a_server_killed_mid_traffic_loses_no_accepted_report_and_counts_none_twice(installation):
    site = installation
    keys = [uuid.uuid4().hex for _ in range(REPORTS)]
    work = queue.Queue()
    for index, key in enumerate(keys):
        work.put((index, key))
    first = {}
    at_b = set()  # keys of the requests server B is handling right now

    def sender():
        while True:
            try:
                index, key = work.get_nowait()
            except queue.Empty:
                return
            host = site.a if index % 2 == 0 else site.b
            if host is site.b:
                at_b.add(key)
            first[key] = send(site, host, key)
            at_b.discard(key)

    threads = [threading.Thread(target=sender, name=f"sender-{n}") for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    server_b = site.servers[site.b.name]

    def mid_traffic():  # B has answered a few, and is handling one now
        return sum(o.server == site.b.name for o in list(first.values())) >= KILL_AFTER and bool(at_b)

    wait_for(mid_traffic, 60, "answers from server B", site.processes())
    killed_at, in_flight = len(first), set(at_b)
    server_b.kill()  # SIGKILL to its master and workers, while the senders keep sending to both
    for thread in threads:
        thread.join(120)
    assert len(first) == REPORTS

    accepted = {key: o for key, o in first.items() if o.status == 201}
    failed = {key: o for key, o in first.items() if o.status != 201}
    # Server A accepted all of its half; B some before it died, and none after.
    assert all(o.status == 201 for o in first.values() if o.server == site.a.name)
    assert any(o.server == site.b.name for o in accepted.values()), "server B accepted nothing before the kill"
    assert failed and killed_at < REPORTS, "the kill came after the traffic"
    # Every request without a 201 failed visibly: no answer at all, or a server error; never a 2xx or a 4xx.
    assert all(o.status is None or o.status >= 500 for o in failed.values()), failed

    # Every report the client was told was accepted is in the database, as the client was told.
    stored = dict(site.rows("SELECT description, id FROM cases_hazard WHERE description LIKE '两台服务器测试 %%'"))
    for key, outcome in accepted.items():
        assert stored.get(f"两台服务器测试 {key}") == outcome.hazard, (key, outcome)

    # The client retries each failure on the surviving server with the same Idempotency-Key: a report B had
    # recorded before it died answers with that record (replayed), one it had not is recorded now.
    retried = {key: send(site, site.a, key) for key in failed}
    assert all(o.status == 201 for o in retried.values()), retried
    for key, outcome in retried.items():
        if outcome.replayed:
            assert stored.get(f"两台服务器测试 {key}") == outcome.hazard

    # In the end: one record per key, no key lost, none counted twice.
    counts = site.rows(
        "SELECT description, count(*) FROM cases_hazard WHERE description LIKE '两台服务器测试 %%' GROUP BY 1"
    )
    assert sorted(description for description, _n in counts) == sorted(f"两台服务器测试 {key}" for key in keys)
    assert {n for _description, n in counts} == {1}
    ((kept,),) = site.rows("SELECT count(*) FROM core_idempotencykey WHERE key = ANY(%s)", keys)
    assert kept == REPORTS
    assert ready(site.a) and not server_b.alive()
    print(
        f"\nkill after {killed_at} answers, {len(in_flight)} at B in flight: "
        f"{len(accepted)} accepted at first, {len(failed)} failed "
        f"({sum(o.status is None for o in failed.values())} without an answer), "
        f"{sum(o.replayed for o in retried.values())} of the retries replayed a record B had made"
    )


TASK_LINE = re.compile(r"Task (briefing\.tasks\.\w+)\[([0-9a-f-]+)\] (received|succeeded|retry|raised|failed)")


def task_lines(workers, task):
    """``{state: [task id, …]}`` of one task's lines in the workers' logs."""
    found = {}
    for worker in workers:
        for name, task_id, state in TASK_LINE.findall(worker.log()):
            if name == task:
                found.setdefault(state, []).append(task_id)
    return found


def mails(folders):
    found = []
    for folder in folders:
        for path in sorted(Path(folder).glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


def test_the_briefing_is_sent_once_with_a_worker_on_each_host(installation):
    site = installation
    workers = list(site.workers.values())
    day = datetime.now(SH).date().isoformat()
    # Both hosts' workers run the morning job for the same day, at the same time (two beats, or a beat
    # restarted on another host): each plans the day's messages and queues their sending.
    for host in site.hosts:
        site.publish("briefing.tasks.send_daily_report_task", [day], f"{site.shared_queue}-{host.name}")

    def both_ran():
        return len(task_lines(workers, "briefing.tasks.send_daily_report_task").get("succeeded", [])) == 2

    wait_for(both_ran, TASK_TIMEOUT, "the send task done by both workers", workers)
    for worker in workers:
        assert "send_daily_report_task" in worker.log() and "succeeded" in worker.log(), worker.name

    def deliveries():
        return site.rows(
            "SELECT channel, status, attempts, recipient FROM briefing_delivery WHERE key LIKE %s ORDER BY channel",
            f"report:{day}:%",
        )

    def all_sent_and_settled():
        if not deliveries() or any(status != "sent" for _c, status, _a, _r in deliveries()):
            return False
        lines = task_lines(workers, "briefing.tasks.deliver_message_task")
        done = {*lines.get("succeeded", []), *lines.get("retry", []), *lines.get("raised", [])}
        return set(lines.get("received", [])) <= done

    wait_for(all_sent_and_settled, TASK_TIMEOUT, "every delivery sent and every sending task done", workers)
    time.sleep(1)

    # One row per message, each claimed once and sent once: one e-mail to the leader, one robot message.
    rows = deliveries()
    assert [(channel, status, attempts) for channel, status, attempts, _r in rows] == [
        ("email", "sent", 1),
        ("wecom", "sent", 1),
    ], rows
    # Both workers tried to send: one sent each message, every other attempt found it sent already.
    logs = "".join(worker.log() for worker in workers)
    results = re.findall(r"deliver_message_task\[[0-9a-f-]+\] succeeded in [\d.]+s: '(\w+)'", logs)
    assert sorted(set(results)) in (["sent"], ["already_sent", "sent"]) and results.count("sent") == 2, results
    sent_mails = mails([host.folder / "mail" for host in site.hosts])
    assert len(sent_mails) == 1, [m["Subject"] for m in sent_mails]
    assert sent_mails[0]["To"] == site.data["leader_email"] and day in sent_mails[0]["Subject"]
    assert len(site.robot.received) == 1, site.robot.received
    path, message = site.robot.received[0]
    assert path.startswith("/cgi-bin/webhook/send") and day in json.dumps(message, ensure_ascii=False)
