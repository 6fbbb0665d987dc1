"""The city-scale table (issue 13): CPU ms per request at any size of ledger, with growth against a saved run.

    DATABASE_URL=postgres://…/h4_seed .venv/bin/python bench/bench_city.py --save /tmp/seed.json
    DATABASE_URL=postgres://…/h4_big  .venv/bin/python bench/bench_city.py --compare /tmp/seed.json

Measures on the database in DATABASE_URL (PostgreSQL: one built with ``seed_demo --scale seed``, ``city``
or ``city --years 5`` for about a million hazards; without DATABASE_URL a throwaway SQLite database with
the ``seed`` data). It prints the hazard, ticket and event counts, then, for each row of the issue's table,
the median CPU milliseconds per request of this process plus its PostgreSQL backend (``bench_pages.CpuClock``:
wall time grows with whatever else the two cores run, CPU time hardly does; parallel scans are turned off for
the session, since their workers' CPU would not be counted, unless ``--parallel``), the median wall time, the
response size and the SQL statements: the ticket list (manager), ``?q=五金`` (leader), the dashboard's first
view (leader, its cache missed), the map data of the page's first view (leader), the manager's desk, home (manager), the API's
``parcels/`` and ticket search, the daily briefing of yesterday for every scope (``generate_daily_reports``),
and one hand-written SQL statement computing the same ledger figures per zone in one scan (found and
rectified by severity, the rate, the day's new and rectified, overdue open tickets: PERFORMANCE.md) — the
floor the dashboard and the briefing are compared with. Two bare Django views measured in the same run
(a tiny JSON and a 50-row template, ``bench_pages.install_baselines``) give the baseline.

``--save FILE`` writes the figures as JSON; ``--compare FILE`` prints them beside a saved run with the
growth factor of each row, and checks the issue's targets: every page and API list grows at most 1.3×,
the dashboard's first view and the briefing cost less than the SQL aggregate of the same run.
"""

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.bench_pages import URLCONF, CpuClock, cold_cache, demo_clients, install_baselines  # noqa: E402
from bench.common import bench_database, setup_with_seed_data  # noqa: E402

GROWTH_TARGET = 1.3
# Found and rectified by severity, the rate, the day's new and rectified hazards and the overdue open
# tickets, per zone, in one statement: one scan of the hazards and one of the tickets.
LEDGER_SQL = """
WITH h AS (
    SELECT zone_id,
           COUNT(*) FILTER (WHERE severity = 'general') AS found_general,
           COUNT(*) FILTER (WHERE severity = 'major') AS found_major,
           COUNT(*) FILTER (WHERE status = 'rectified' AND severity = 'general') AS rectified_general,
           COUNT(*) FILTER (WHERE status = 'rectified' AND severity = 'major') AS rectified_major,
           COUNT(*) FILTER (WHERE reported_at >= %(start)s) AS new_on_the_day,
           COUNT(*) FILTER (WHERE rectified_at >= %(start)s AND rectified_at < %(end)s) AS rectified_on_the_day
      FROM {hazard}
     WHERE status IN ('reported', 'aggregated', 'rectified') AND NOT withdrawn AND reported_at < %(end)s
     GROUP BY zone_id
), t AS (
    SELECT zone_id, COUNT(*) AS overdue
      FROM {ticket}
     WHERE created_at < %(end)s AND (status <> 'closed' OR closed_at >= %(end)s) AND deadline < %(today)s
     GROUP BY zone_id
)
SELECT h.zone_id, h.found_general, h.found_major, h.rectified_general, h.rectified_major,
       ROUND(100.0 * (h.rectified_general + h.rectified_major) / NULLIF(h.found_general + h.found_major, 0), 2),
       h.new_on_the_day, h.rectified_on_the_day, COALESCE(t.overdue, 0)
  FROM h LEFT JOIN t ON t.zone_id = h.zone_id
 ORDER BY h.zone_id
"""
PAGES = "pages"  # rows measured through the test client
# rows whose growth the issue bounds (pages and API lists), and the ones compared with the SQL aggregate
BOUNDED = (
    "ticket list (manager)",
    "ticket list ?q= (leader)",
    "dashboard first view (leader)",
    "map JSON (leader)",
    "manager desk",
    "home (manager)",
    "API parcels/",
    "API tickets/ search",
)
BELOW_SQL = ("dashboard first view (leader)", "daily briefing, all scopes")
SQL_ROW = "one SQL aggregate (same figures)"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="requests per page after a warm-up (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the briefing and the SQL aggregate (default 3)")
    parser.add_argument("--q", default="五金", help="the search term (default 五金)")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="let PostgreSQL run parallel scans (their workers' CPU is then not counted; default: off)",
    )
    parser.add_argument("--save", metavar="FILE", help="write the figures as JSON")
    parser.add_argument("--compare", metavar="FILE", help="print the figures beside a run saved with --save")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)
    if args.compare and not Path(args.compare).is_file():
        parser.error(f"--compare: no file {args.compare}")
    os.environ.setdefault("DEBUG", "0")
    with bench_database("city", keep=args.keep):
        return run(args)


def run(args):
    setup_with_seed_data()
    from django.db import connection
    from django.test.utils import override_settings

    # One connection for the whole run: the clock reads its backend's CPU (a reconnection after CONN_MAX_AGE
    # would leave it reading a process that is gone) and the session settings below stay.
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None

    from briefing import summaries
    from cases.models import Hazard, Ticket
    from timeline.models import Event

    # The day summaries as the five-minute job keeps them (its first run over a ledger written in bulk, or
    # migrated under one, rebuilds them all), so that no measured request pays for the catching up.
    started = time.perf_counter()
    summaries.catch_up()
    print(f"day summaries caught up in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # planner statistics and the visibility map (index-only scans), as autovacuum keeps them on a live
            # server; a ledger written in bulk has neither until then
            cursor.execute("VACUUM (ANALYZE)")
            if not args.parallel:
                # A parallel scan's workers are other processes, whose CPU the clock does not see: one backend
                # does all the work, so that its CPU time is the request's.
                cursor.execute("SET max_parallel_workers_per_gather = 0")
    counts = {
        "hazards": Hazard.objects.count(),
        "tickets": Ticket.objects.count(),
        "events": Event.objects.count(),
    }
    size = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            size = f", {cursor.fetchone()[0] / 2**30:.2f} GB"
    print(
        f"rows: {counts['hazards']:,} hazards, {counts['tickets']:,} tickets, {counts['events']:,} events{size}; "
        f"{args.requests} requests per page, {args.runs} runs of the briefing and the SQL aggregate"
    )
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")

    cpu = CpuClock(connection)
    waited_before = cpu.waited()
    with override_settings(ROOT_URLCONF=URLCONF):
        rows = measure_pages(args, cpu, install_baselines())
    rows.update(measure_jobs(args, cpu, connection))
    waited, ran = cpu.waited() - waited_before
    busy = bool(ran and waited / ran > 0.25)

    print_table(rows, counts)
    if busy:
        print(
            f"BUSY MACHINE: this process waited {waited / ran:.1f} ms for a CPU per ms it ran: compare CPU columns "
            "and ratios, not wall times"
        )
    result = {
        "database": connection.settings_dict["NAME"],
        "vendor": connection.vendor,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "counts": counts,
        "parallel": args.parallel,
        "rows": rows,
    }
    if args.save:
        Path(args.save).write_text(json.dumps(result, ensure_ascii=False, indent=1))
        print(f"saved to {args.save}")
    if args.compare:
        return compare(json.loads(Path(args.compare).read_text()), result)
    return 0


def measure_pages(args, cpu, baselines):
    """The pages and API lists through the whole Django stack in process (the test Client)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    clients = demo_clients()
    json_url, table_url = baselines
    tickets = reverse("cases:ticket_list")
    pages = [
        # (row, user, url, query, cold cache)
        ("baseline: bare JSON view", "demo-leader", json_url, {}, False),
        ("baseline: 50-row template", "demo-leader", table_url, {}, False),
        ("ticket list (manager)", "demo-manager", tickets, {}, False),
        ("ticket list ?q= (leader)", "demo-leader", tickets, {"q": args.q}, False),
        ("dashboard first view (leader)", "demo-leader", reverse("briefing:dashboard"), {}, True),
        ("map JSON (leader)", "demo-leader", reverse("closeout:map_data"), first_map_view("demo-leader"), False),
        ("manager desk", "demo-manager", reverse("cases:desk"), {}, False),
        ("home (manager)", "demo-manager", reverse("home"), {}, False),
        ("API parcels/", "demo-leader", "/api/v1/parcels/", {}, False),
        # the API's search parameter is ``q``, as on the web pages (``search`` too, should one be added)
        ("API tickets/ search", "demo-leader", "/api/v1/tickets/", {"q": args.q, "search": args.q}, False),
    ]
    rows = {}
    for label, who, url, query, cold in pages:
        client = clients[who]

        def get(client=client, url=url, query=query, cold=cold):
            with cold_cache() if cold else contextlib.nullcontext():
                return client.get(url, query)

        response = get()  # warm-up (and the cache fill of the warm pages)
        if response.status_code != 200:
            raise SystemExit(f"{url} {query} as {who}: HTTP {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            get()
        statements = len(captured)
        row = sample(cpu, get, args.requests)
        row.update(
            kb=len(response.content) / 1024,
            encoding=response.get("Content-Encoding", ""),
            sql=statements,
            kind=PAGES,
        )
        rows[label] = row
        print(f"  measured {label:<32} CPU {row['cpu_ms']:8.1f} ms", flush=True)
    return rows


def first_map_view(username):
    """The query of the map page's first request for ``username`` (static/js/map.js): the view fits the
    scope's parcels padded by 12% (``scope_extent``, the page's ``config.bounds``) on a 1280×800 screen, and
    asks for that view padded by 25% at its whole zoom."""
    from django.contrib.auth import get_user_model

    from closeout.parcel_map import fitting_zoom, scope_extent

    extent = scope_extent(get_user_model().objects.get(username=username))
    if extent is None:
        return {}

    def padded(box, share):
        west, south, east, north = box
        dx, dy = (east - west) * share, (north - south) * share
        return [west - dx, south - dy, east + dx, north + dy]

    view = padded(extent, 0.12)
    return {"bbox": ",".join(f"{v:.6f}" for v in padded(view, 0.25)), "zoom": str(fitting_zoom(view))}


def measure_jobs(args, cpu, connection):
    """The daily briefing of yesterday for every scope, and the one SQL aggregate of the same figures."""
    from briefing.reports import generate_daily_reports, yesterday
    from cases.models import Hazard, Ticket
    from core.dates import day_bounds

    day = yesterday()
    start, end = day_bounds(day)
    params = {"start": start, "end": end, "today": day + timedelta(days=1)}
    sql = LEDGER_SQL.format(hazard=Hazard._meta.db_table, ticket=Ticket._meta.db_table)

    def aggregate():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    rows = {}
    stored = generate_daily_reports(day)
    rows["daily briefing, all scopes"] = sample(cpu, lambda: generate_daily_reports(day), args.runs)
    rows["daily briefing, all scopes"].update(scopes=len(stored), day=str(day))
    print(f"  measured briefing of {day}: {len(stored)} scopes", flush=True)
    figures = aggregate()
    rows[SQL_ROW] = sample(cpu, aggregate, args.runs)
    found = sum(r[1] + r[2] for r in figures)
    rectified = sum(r[3] + r[4] for r in figures)
    everything = next((r.data for r in stored if r.scope == "all"), {})
    rows[SQL_ROW]["figures"] = {
        "found": found,
        "rectified": rectified,
        "overdue": sum(r[8] for r in figures),
        "briefing_found": everything.get("found"),
        "briefing_overdue": everything.get("overdue"),
    }
    return rows


def sample(cpu, call, times):
    """Median CPU ms (this process + its database backend) and wall ms of ``times`` calls."""
    samples = []
    for _ in range(max(1, times)):
        cpu_started, started = cpu.now(), time.perf_counter()
        call()
        samples.append(((cpu.now() - cpu_started) * 1000, (time.perf_counter() - started) * 1000))
    return {
        "cpu_ms": statistics.median(c for c, _w in samples),
        "wall_ms": statistics.median(w for _c, w in samples),
    }


def print_table(rows, counts):
    base = rows["baseline: bare JSON view"]["cpu_ms"]
    print()
    print(f"| page / job ({counts['hazards']:,} hazards) | CPU ms | wall ms | KB | SQL | × bare JSON |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, row in rows.items():
        kb = f"{row['kb']:,.0f}{' gz' if row.get('encoding') == 'gzip' else ''}" if "kb" in row else ""
        print(
            f"| {label} | {row['cpu_ms']:,.1f} | {row['wall_ms']:,.1f} | {kb} | {row.get('sql', '')} | "
            f"{row['cpu_ms'] / max(base, 0.01):,.1f}× |"
        )
    figures = rows[SQL_ROW]["figures"]
    print(
        f"SQL aggregate: found {figures['found']:,}, rectified {figures['rectified']:,}, overdue {figures['overdue']}; "
        f"the briefing's whole area: found {figures['briefing_found']}, overdue {figures['briefing_overdue']}"
    )


def compare(before, after):
    """The saved run beside this one, growth per row (ratios to each run's bare 50-row template beside them),
    and the issue's targets. Returns 1 when a target is missed."""
    print()
    b_counts, a_counts = before["counts"], after["counts"]
    print(
        f"| page / job | {b_counts['hazards']:,} hazards | {a_counts['hazards']:,} hazards | growth | "
        "growth vs the 50-row template |"
    )
    print("|---|---:|---:|---:|---:|")
    print(
        f"| rows: hazards / tickets / events | {b_counts['hazards']:,} / {b_counts['tickets']:,} / "
        f"{b_counts['events']:,} | {a_counts['hazards']:,} / {a_counts['tickets']:,} / {a_counts['events']:,} | "
        f"{a_counts['hazards'] / max(b_counts['hazards'], 1):.1f}× | |"
    )
    template = "baseline: 50-row template"
    drift = after["rows"][template]["cpu_ms"] / max(before["rows"][template]["cpu_ms"], 0.01)
    missed = []
    for label, row in after["rows"].items():
        old = before["rows"].get(label)
        if old is None:
            continue
        growth = row["cpu_ms"] / max(old["cpu_ms"], 0.01)

        def cell(r):
            kb = f" ({r['kb']:,.0f} KB)" if r.get("kb", 0) >= 20 else ""
            return f"{r['cpu_ms']:,.1f}{kb}"

        print(f"| {label} | {cell(old)} | {cell(row)} | {growth:.2f}× | {growth / drift:.2f}× |")
        if label in BOUNDED and growth > GROWTH_TARGET:
            missed.append(f"{label} grows {growth:.2f}× (target ≤ {GROWTH_TARGET}×)")
    sql = after["rows"][SQL_ROW]["cpu_ms"]
    for label in BELOW_SQL:
        if after["rows"][label]["cpu_ms"] >= sql:
            missed.append(f"{label}: {after['rows'][label]['cpu_ms']:,.1f} ms, not below the SQL aggregate {sql:,.1f}")
    print(f"(the bare 50-row template moved {drift:.2f}× between the runs: the last column divides by it)")
    if missed:
        print("TARGETS MISSED:")
        for line in missed:
            print(f"  {line}")
        return 1
    print("targets met: every page and API list ≤ 1.3×; the dashboard and the briefing below the SQL aggregate")
    return 0


if __name__ == "__main__":
    sys.exit(main() or 0)
