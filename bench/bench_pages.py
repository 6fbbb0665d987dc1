"""Benchmark the web pages on the `seed` data: p50, p95 and max per page, with the SQL count.

    .venv/bin/python bench/bench_pages.py [--requests 50] [--only ticket,dashboard] [--keep]

Uses the database in DATABASE_URL when it is set (PostgreSQL: make it an empty or a seeded
database of its own), else a throwaway SQLite database in a temporary directory. Migrates it and,
when it holds no hazards, builds the source's ledger with ``seed_demo --scale seed`` (about a
minute; the demo logins come with it). Then it sends each request through the whole Django stack
in process (the test Client: middleware, session login, scoping, filters, templates; no network,
no browser) as demo-manager (one zone) and demo-leader (the whole area), and prints p50, p95 and
max in milliseconds per page beside two baselines measured in the same run, since absolute
figures drift between runs here (PERFORMANCE.md): a bare Django view answering a tiny JSON, and
a bare view rendering a 50-row table template. The dashboard is measured twice: first view (its
cache missed: every request gets a fresh cache key prefix, nothing is deleted) and warm.

Beside wall time it prints the CPU time per request (median) of this process plus, on PostgreSQL,
of its backend process: wall times here grow with whatever else the two cores run, CPU times
hardly do (a line says when the machine was busy). On PostgreSQL it runs ANALYZE first, as
autovacuum would on a live server (a fresh seed has no planner statistics).

The target (the pages issue): the ticket list and the dashboard answer in under 300 ms (p50 and
p95). Exits 1 when it is missed.
"""

import argparse
import contextlib
import copy
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TARGET_MS = 300.0
URLCONF = "bench_pages_urls"
TABLE_TEMPLATE = """<table>{% for row in rows %}<tr><td><a href="/cases/tickets/{{ row.pk }}/">{{ row.number }}</a></td>
<td>{{ row.name }}<span>{{ row.zone }} · {{ row.grid }}</span></td><td>{{ row.category }}</td>
<td><span class="badge">{{ row.status }}</span></td><td>{{ row.deadline|date:"Y-m-d" }}</td>
<td>{{ row.created_at|date:"Y-m-d" }}</td></tr>{% endfor %}</table>"""


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--only", default="", help="comma-separated words: measure only pages whose label has one")
    parser.add_argument("--q", default="五金", help="the search term of the ?q= ticket list (default 五金)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    # A scratch VAR_DIR unless one is given: the file cache, media and mail stay out of var/.
    os.environ.setdefault("VAR_DIR", str(workdir / "var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-pages-not-secret")
    os.environ.setdefault("DEBUG", "0")
    try:
        return run(args)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def install_baselines():
    """A URLconf of the project's URLs plus the two baseline views, used for the whole run."""
    from datetime import timedelta

    from django.http import HttpResponse, JsonResponse
    from django.template import engines
    from django.urls import include, path
    from django.utils import timezone

    template = engines["django"].from_string(TABLE_TEMPLATE)
    now = timezone.now()
    rows = [
        {
            "pk": i,
            "number": f"ZG20231201{i:04d}",
            "name": f"永康市测试{i}号五金有限公司",
            "zone": "花川",
            "grid": "花川第1网格",
            "category": "消防通道堵塞",
            "status": "已交办",
            "deadline": (now + timedelta(days=i)).date(),
            "created_at": now - timedelta(hours=i),
        }
        for i in range(50)
    ]

    def bare_json(request):
        return JsonResponse({"ok": True})

    def bare_table(request):
        return HttpResponse(template.render({"rows": rows}))  # no request: no context processors

    module = types.ModuleType(URLCONF)
    module.urlpatterns = [
        path("__bench__/json/", bare_json),
        path("__bench__/table/", bare_table),
        path("", include("config.urls")),
    ]
    sys.modules[URLCONF] = module
    return ["/__bench__/json/", "/__bench__/table/"]


def run(args):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from accounts.models import User
    from cases.models import Hazard, Ticket
    from register.models import Zone

    print(
        f"database: {connection.vendor} {connection.settings_dict['NAME']}; cache: {settings.CACHES['default']['BACKEND']}"
    )
    call_command("migrate", interactive=False, verbosity=0)
    if not Hazard.objects.exists():
        print("empty database: building the seed data (seed_demo --scale seed) …", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", scale="seed", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"  built in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        # Planner statistics as autovacuum keeps them on a live server (a fresh bulk load has none).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"rows: {Ticket.objects.count()} tickets, {Hazard.objects.count()} hazards; "
        f"{args.requests} requests per page (after one warm-up)"
    )

    json_url, table_url = install_baselines()
    urlconf = override_settings(ROOT_URLCONF=URLCONF)
    urlconf.enable()

    clients = demo_clients()
    manager = User.objects.get(username="demo-manager")
    manager_zone = manager.zones.order_by("pk").first()
    other_zone = Zone.objects.exclude(pk=getattr(manager_zone, "pk", None)).order_by("order", "name").first()

    tickets = reverse("cases:ticket_list")
    dashboard = reverse("briefing:dashboard")
    pages = [
        # (label, user, url, query, cold cache)
        ("baseline: bare JSON view", "demo-leader", json_url, {}, False),
        ("baseline: 50-row template", "demo-leader", table_url, {}, False),
        ("home", "demo-manager", reverse("home"), {}, False),
        ("ticket list", "demo-manager", tickets, {}, False),
        ("ticket list", "demo-leader", tickets, {}, False),
        ("ticket list assigned+overdue", "demo-manager", tickets, {"status": "assigned", "overdue": "true"}, False),
        ("ticket list assigned+overdue", "demo-leader", tickets, {"status": "assigned", "overdue": "true"}, False),
        ("ticket list ?q=", "demo-manager", tickets, {"q": args.q}, False),
        ("ticket list ?q=", "demo-leader", tickets, {"q": args.q}, False),
        ("ticket list one zone", "demo-leader", tickets, {"zone_id": getattr(other_zone, "pk", "")}, False),
        ("ticket list page 100", "demo-leader", tickets, {"page": 100}, False),
        ("dashboard first view", "demo-manager", dashboard, {}, True),
        ("dashboard first view", "demo-leader", dashboard, {}, True),
        ("dashboard warm", "demo-manager", dashboard, {}, False),
        ("dashboard warm", "demo-leader", dashboard, {}, False),
        ("map JSON", "demo-manager", reverse("closeout:map_data"), {}, False),
        ("map JSON", "demo-leader", reverse("closeout:map_data"), {}, False),
        ("hazard list", "demo-manager", reverse("cases:hazard_list"), {}, False),
        ("hazard list", "demo-leader", reverse("cases:hazard_list"), {}, False),
        ("desk", "demo-manager", reverse("cases:desk"), {}, False),
    ]
    only = [word.strip() for word in args.only.split(",") if word.strip()]
    if only:
        pages = [p for p in pages if p[0].startswith("baseline") or any(word in p[0] for word in only)]

    cpu = CpuClock(connection)

    def get(client, url, query, cold):
        """One request: (response, wall ms, CPU ms of this process and the database backend)."""
        with cold_cache() if cold else contextlib.nullcontext():
            cpu_started = cpu.now()
            started = time.perf_counter()
            response = client.get(url, query)
            elapsed = time.perf_counter() - started
            cpu_used = cpu.now() - cpu_started
        return response, elapsed * 1000, cpu_used * 1000

    results = []
    base = None
    busy_started = cpu.waited()
    print(
        f"  {'page':<30} {'user':<12} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'CPU ms':>7} {'SQL':>4} {'KB':>5}"
        "  x bare JSON (wall, CPU)"
    )
    for label, who, url, query, cold in pages:
        client = clients[who]
        response, _wall, _cpu = get(client, url, query, cold)  # warm-up (and, warm, the cache fill)
        if response.status_code != 200:
            raise SystemExit(f"{url} {query} as {who}: HTTP {response.status_code}")
        size = len(response.content) / 1024
        with cold_cache() if cold else contextlib.nullcontext(), CaptureQueriesContext(connection) as captured:
            client.get(url, query)
        statements = len(captured)  # now: the next request resets the log the capture reads
        samples = [get(client, url, query, cold)[1:] for _ in range(args.requests)]
        times = [wall for wall, _cpu in samples]
        p50, p95, top = statistics.median(times), percentile(times, 0.95), max(times)
        cpu_p50 = statistics.median(cpu_ms for _wall, cpu_ms in samples)
        if base is None:
            base = (p50, cpu_p50)
        results.append((label, who, p50, p95, top, cpu_p50))
        print(
            f"  {label:<30} {who:<12} {p50:7.1f} {p95:7.1f} {top:7.1f} {cpu_p50:7.1f} {statements:4d} {size:5.1f}"
            f"  {p50 / base[0]:6.1f}x {cpu_p50 / max(base[1], 0.01):6.1f}x",
            flush=True,
        )
    urlconf.disable()

    table = next(r for r in results if r[0].startswith("baseline: 50-row"))
    print(
        f"  (a 50-row table template alone: {table[2]:.1f} ms = {table[2] / base[0]:.1f}x the bare JSON view; "
        f"CPU ms: this process{' + the PostgreSQL backend' if cpu.backend else ''})"
    )
    waited, ran = cpu.waited() - busy_started
    if ran and waited / ran > 0.25:
        print(
            f"  BUSY MACHINE: this process waited {waited / ran:.1f} ms for a CPU per ms it ran; wall times are "
            "inflated by other work (compare the CPU column and the ratios)"
        )

    targeted = [r for r in results if r[0].startswith(("ticket list", "dashboard"))]
    if not targeted:
        return 0
    worst = max(targeted, key=lambda r: max(r[2], r[3]))
    print(
        f"slowest ticket list / dashboard: {worst[0]} as {worst[1]}: p50 {worst[2]:.1f} ms, p95 {worst[3]:.1f} ms, "
        f"CPU {worst[5]:.1f} ms (target < {TARGET_MS:.0f} ms)"
    )
    if max(worst[2], worst[3]) >= TARGET_MS:
        print("  SLOW: the target is missed")
        return 1
    return 0


def demo_clients(names=("demo-manager", "demo-leader")):
    """A test Client signed in as each demo login (accepting gzip, as browsers do), by username."""
    from django.test import Client

    from accounts.models import User

    clients = {}
    for name in names:
        user = User.objects.filter(username=name).first()
        if user is None:
            raise SystemExit(f"no user {name}: this database was not built by seed_demo")
        clients[name] = Client(HTTP_ACCEPT_ENCODING="gzip, deflate")
        clients[name].force_login(user)
    return clients


_prefixes = itertools.count()


def cold_cache():
    """Settings whose cache keys are new: the next dashboard misses its cache; nothing is cleared."""
    from django.conf import settings
    from django.test.utils import override_settings

    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"bench-pages-{os.getpid()}-{time.time_ns()}-{next(_prefixes)}"
    return override_settings(CACHES=caches)


class CpuClock:
    """CPU time of this process plus, on PostgreSQL, of its backend process (read from /proc on the
    same machine): unlike wall time it does not grow when other work competes for the CPUs."""

    def __init__(self, connection):
        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pid = cursor.fetchone()[0]
            if Path(f"/proc/{pid}/schedstat").exists():
                self.backend = Path(f"/proc/{pid}/schedstat")

    def now(self):
        seconds = time.process_time()
        if self.backend is not None:
            try:
                seconds += int(self.backend.read_text().split()[0]) / 1e9
            except (OSError, ValueError, IndexError):
                self.backend = None
        return seconds

    @staticmethod
    def waited():
        """(ms waited for a CPU, ms run) by this process so far, from /proc/self/schedstat (Linux)."""
        try:
            ran, waited, _slices = (int(v) for v in Path("/proc/self/schedstat").read_text().split())
        except (OSError, ValueError):
            return WaitTotals(0.0, 0.0)
        return WaitTotals(waited / 1e6, ran / 1e6)


class WaitTotals(tuple):
    def __new__(cls, waited, ran):
        return super().__new__(cls, (waited, ran))

    def __sub__(self, other):
        return WaitTotals(self[0] - other[0], self[1] - other[1])


if __name__ == "__main__":
    sys.exit(main() or 0)
