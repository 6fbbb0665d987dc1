"""Benchmark the API's list endpoints on the `seed` data: p50 and p95 over 200 requests each.

    .venv/bin/python bench/bench_api.py [--requests 200] [--page-size 50] [--keep]

Uses the database in DATABASE_URL when it is set (PostgreSQL: make it an empty or a seeded
database of its own), else a throwaway SQLite database in a temporary directory. Migrates it and,
when it holds no hazards, builds the source's ledger with ``seed_demo --scale seed`` (about a
minute). Then it sends each request through the whole Django stack in process (the test Client:
middleware, token authentication, scoping, filters, serialization, JSON rendering; no network)
as a leader who sees the whole area and as a manager scoped to one zone, and prints wall-clock
p50/p95 and the median CPU time of the serving thread per endpoint (with SQLite the database
work is in that thread too; CPU time does not grow when other processes compete for the cores),
beside a baseline (``auth/me/``, the smallest authenticated view) measured in the same run, since
absolute figures drift between runs here (PERFORMANCE.md), and the load average.

The target: a page of 50 tickets in under 100 ms (p95). Exits 1 when it is missed.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.common import bench_database, setup_with_seed_data  # noqa: E402

TARGET_MS = 100.0


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class StatementCounter:
    """An execute wrapper counting the SQL statements of one request (DEBUG stays off)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests per endpoint (default 200)")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite database and print its path")
    args = parser.parse_args(argv)

    os.environ.setdefault("DEBUG", "0")
    with bench_database("api", keep=args.keep):
        return run(args)


def run(args):
    setup_with_seed_data()
    from django.db import connection
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from accounts.choices import Role
    from accounts.models import User
    from cases.models import Hazard, Ticket
    from register.models import Zone

    print(
        f"rows: {Ticket.objects.count()} tickets, {Hazard.objects.count()} hazards; "
        f"{args.requests} requests per endpoint, page size {args.page_size}"
    )

    # the leader sees the whole area (scope fails closed: a leader with no zones and no whole_area sees nothing)
    leader, _ = User.objects.update_or_create(
        username="bench-api-leader", defaults={"role": Role.LEADER, "whole_area": True}
    )
    manager, created = User.objects.get_or_create(username="bench-api-manager", defaults={"role": Role.MANAGER})
    zone = Zone.objects.order_by("order", "name").first()
    if created and zone is not None:
        manager.zones.add(zone)
    tokens = {
        name: Token.objects.get_or_create(user=user)[0].key for name, user in (("leader", leader), ("manager", manager))
    }

    size = {"page_size": args.page_size}
    endpoints = [
        ("baseline auth/me/", "leader", "/api/v1/auth/me/", {}),
        ("tickets/", "leader", "/api/v1/tickets/", size),
        ("tickets/ open, newest", "leader", "/api/v1/tickets/", {**size, "status": ["assigned", "submitted"]}),
        ("tickets/ overdue", "leader", "/api/v1/tickets/", {**size, "overdue": "true"}),
        ("tickets/ one zone (manager)", "manager", "/api/v1/tickets/", size),
        ("tickets/ search q", "leader", "/api/v1/tickets/", {**size, "q": "ZG"}),
        ("hazards/", "leader", "/api/v1/hazards/", size),
        ("inspections/", "leader", "/api/v1/inspections/", size),
        ("enterprises/", "leader", "/api/v1/enterprises/", size),
        ("parcels/", "leader", "/api/v1/parcels/", size),
    ]

    client = Client()
    results = {}
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"  {'endpoint':<30} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'rows':>5} {'SQL':>4}  x baseline")
    for label, who, path, params in endpoints:
        headers = {"HTTP_AUTHORIZATION": f"Token {tokens[who]}"}
        response = client.get(path, params, **headers)  # warm-up
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        rows = len(response.json().get("results", [])) if "results" in response.json() else 1
        statements = StatementCounter()
        with connection.execute_wrapper(statements):
            client.get(path, params, **headers)
        times, cpu = [], []
        for _ in range(args.requests):
            started, started_cpu = time.perf_counter(), time.thread_time()
            client.get(path, params, **headers)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        results[label] = (p50, p95)
        base = results["baseline auth/me/"][0]
        print(
            f"  {label:<30} {p50:8.1f} {p95:8.1f} {statistics.median(cpu):8.1f} {rows:5d} {statements.count:4d}"
            f"  {p50 / base:6.1f}x",
            flush=True,
        )

    worst = max(p95 for label, (p50, p95) in results.items() if label.startswith("tickets/"))
    print(f"worst p95 of a {args.page_size}-ticket page: {worst:.1f} ms (target < {TARGET_MS:.0f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main() or 0)
